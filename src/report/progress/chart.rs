//! The progress chart (SVG): cumulative inclusions, the linear plan, the projection with its
//! 10–90 % band, the target and an as-of marker.
//!
//! Drawn with plotters' SVG backend (no font library: text is emitted as `<text>`). Every
//! series differs by more than colour — solid, dashed, dotted, a grey band — so the chart
//! reads when printed in black and white. Dashes are cut here in pixel units (plotters'
//! `DashedLineSeries` stops short on long two-point lines), and the legend shows them dashed.
//!
//! Made to be printed: at A4 text width (180 mm for 860 px) every text is about 10 pt
//! (17 px), the legend sits below the plot so it covers no line, the planned end of
//! recruitment is marked, and the SVG carries a `<title>` naming the trial.

use chrono::{Datelike, Duration, NaiveDate};
use plotters::element::ComposedElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ProgressReport;

const WIDTH: u32 = 860;
/// The plot's height; the legend goes below it.
const PLOT_HEIGHT: u32 = 420;
/// One legend row.
const LEGEND_ROW: u32 = 26;
/// Rows of the legend (two entries per row).
const LEGEND_ROWS: u32 = 3;
const HEIGHT: u32 = PLOT_HEIGHT + LEGEND_ROWS * LEGEND_ROW + 14;
/// Text sizes as plotters takes them; its SVG backend writes `size / 1.24` px, so 21 is 17 px:
/// 10 pt when the 860 px print 180 mm wide (A4 less 15 mm margins).
const TEXT: u32 = 21;
const AXIS_TEXT: u32 = 22;
/// The HTML report's font stack, so the chart's text matches the page's.
const FONTS: &str = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif";

/// The chart as an SVG document.
pub fn svg(r: &ProgressReport) -> String {
    let mut drawn = String::new();
    if let Err(e) = draw(r, &mut drawn) {
        // The SVG backend draws into memory; an error here is a bug, shown rather than hidden.
        return format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"40\"><text x=\"10\" y=\"20\">chart error: {}</text></svg>",
            crate::format::html::escape(&e)
        );
    }
    // The report's own typeface (plotters writes the generic family only).
    let mut out = drawn.replace("font-family=\"sans-serif\"", &format!("font-family=\"{FONTS}\""));
    // The title a viewer shows for the standalone file (and a screen reader reads).
    let title = format!(
        "<title>Recruitment progress of {} as of {}</title>",
        crate::format::html::escape(r.nct_id.as_str()),
        r.as_of
    );
    match out.find("<svg").and_then(|i| out[i..].find('>').map(|j| i + j + 1)) {
        Some(at) => out.insert_str(at, &format!("\n{title}")),
        None => out.push_str(&title),
    }
    out
}

/// A line style: solid, or dashes of `on` pixels with `off` pixel gaps.
#[derive(Clone, Copy)]
struct Dash {
    on: f64,
    off: f64,
}

const SOLID: Dash = Dash { on: 0.0, off: 0.0 };
const DASHED: Dash = Dash { on: 9.0, off: 6.0 };
const DOTTED: Dash = Dash { on: 2.0, off: 4.0 };
const FINE: Dash = Dash { on: 3.0, off: 4.0 };

/// Cuts the segment a→b (data units) into dashes, `px` = pixels per data unit on (x, y).
fn dashes(a: (f64, f64), b: (f64, f64), px: (f64, f64), dash: Dash) -> Vec<[(f64, f64); 2]> {
    if dash.on == 0.0 {
        return vec![[a, b]];
    }
    let len = ((b.0 - a.0) * px.0).hypot((b.1 - a.1) * px.1);
    let mut out = Vec::new();
    let mut s = 0.0;
    while s < len {
        let e = (s + dash.on).min(len);
        let at = |d: f64| (a.0 + (b.0 - a.0) * d / len, a.1 + (b.1 - a.1) * d / len);
        out.push([at(s), at(e)]);
        s = e + dash.off;
    }
    out
}

/// A legend sample, 24 px long, in the series' dash pattern (at most three dashes shown).
type Seg = PathElement<(i32, i32)>;
type Legend<DB> = ComposedElement<(i32, i32), DB, Seg, ComposedElement<(i32, i32), DB, Seg, Seg>>;

fn legend_line<DB: DrawingBackend>(x: i32, y: i32, dash: Dash, style: ShapeStyle) -> Legend<DB> {
    let mut segs: Vec<(i32, i32)> =
        dashes((0.0, 0.0), (24.0, 0.0), (1.0, 1.0), dash).into_iter().map(|[p, q]| (p.0 as i32, q.0 as i32)).collect();
    segs.resize(3, (0, 0));
    let seg = |(a, b): (i32, i32)| PathElement::new([(a, 0), (b, 0)], style);
    EmptyElement::at((x, y)) + seg(segs[0]) + seg(segs[1]) + seg(segs[2])
}

/// A date as a decimal year (2026-07-02 ≈ 2026.5), so that plotters' "nice" ticks fall on
/// 1 January (and 1 July when it halves the step).
fn year(d: NaiveDate) -> f64 {
    let days =
        if NaiveDate::from_ymd_opt(d.year(), 12, 31).is_some_and(|l| l.ordinal() == 366) { 366.0 } else { 365.0 };
    d.year() as f64 + d.ordinal0() as f64 / days
}

fn draw(r: &ProgressReport, out: &mut String) -> Result<(), String> {
    draw_inner(r, out).map_err(|e| e.to_string())
}

fn draw_inner<'a>(r: &ProgressReport, out: &'a mut String) -> Result<(), Box<dyn std::error::Error + 'a>> {
    let start = r.start_date;
    let x = year;
    let mut last = r.recruitment_end.max(r.as_of);
    if let Some((_, _, p90)) = r.lead_dates() {
        last = last.max(p90);
    }
    let (x_min, x_max) = (x(start) - 0.1, x(last) + 0.15);
    let target = r.target as f64;
    let enrolled = r.enrolled.unwrap_or(0) as f64;
    let y_max = (target.max(enrolled) * 1.2).ceil().max(5.0);

    let root = SVGBackend::with_string(out, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let (plot_area, legend_area) = root.split_vertically(PLOT_HEIGHT);
    let mut legend: Vec<(String, LegendMark)> = Vec::new();
    let mut chart = ChartBuilder::on(&plot_area)
        .margin(16)
        .x_label_area_size(52)
        .y_label_area_size(60)
        .build_cartesian_2d(x_min..x_max, 0f64..y_max)?;
    let tick = |v: &f64| {
        let y = v.floor();
        if (v - y).abs() < 0.01 {
            format!("{y:.0}")
        } else {
            format!(
                "{}",
                (NaiveDate::from_ymd_opt(y as i32, 1, 1).unwrap_or(start)
                    + Duration::days(((v - y) * 365.0).round() as i64))
                .format("%b %Y")
            )
        }
    };
    chart
        .configure_mesh()
        .x_desc("Date")
        .x_labels(10)
        .y_desc("Participants included")
        .y_labels(8)
        .x_label_formatter(&tick)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .bold_line_style(RGBColor(225, 225, 225))
        .light_line_style(TRANSPARENT)
        .axis_desc_style(("sans-serif", AXIS_TEXT))
        .label_style(("sans-serif", TEXT))
        .draw()?;

    let (w, h) = chart.plotting_area().dim_in_pixel();
    let px = (w as f64 / (x_max - x_min), h as f64 / y_max);
    let grey = RGBColor(110, 110, 110);
    let band_grey = RGBColor(205, 205, 205);
    let now = x(r.as_of);
    // The band first, so every line stays visible on top of it.
    if let Some((p10, _, p90)) = r.lead_dates().filter(|_| r.target_reached_on.is_none()) {
        let band = [(now, enrolled), (x(p10), target), (x(p90), target)];
        chart.draw_series(std::iter::once(Polygon::new(band, band_grey.filled())))?;
        legend.push(("Projection, 10–90 % band".into(), LegendMark::Band(band_grey)));
    }
    let mut line =
        |a: (f64, f64), b: (f64, f64), dash: Dash, style: ShapeStyle| -> Result<(), Box<dyn std::error::Error + 'a>> {
            chart.draw_series(dashes(a, b, px, dash).into_iter().map(move |[p, q]| PathElement::new([p, q], style)))?;
            Ok(())
        };
    let end = x(r.recruitment_end);
    line((x_min, target), (x_max, target), FINE, grey.stroke_width(1))?;
    legend.push((format!("Target ({})", r.target), LegendMark::Line(FINE, grey.stroke_width(1))));
    line((x(start), 0.0), (end, target), DASHED, BLACK.stroke_width(2))?;
    legend.push(("Linear plan".into(), LegendMark::Line(DASHED, BLACK.stroke_width(2))));
    line((end, 0.0), (end, y_max), FINE, BLACK.stroke_width(1))?;
    legend.push((format!("Planned end ({})", r.recruitment_end), LegendMark::Line(FINE, BLACK.stroke_width(1))));
    line((now, 0.0), (now, y_max), SOLID, grey.stroke_width(1))?;
    if let Some((_, median, _)) = r.lead_dates().filter(|_| r.target_reached_on.is_none()) {
        line((now, enrolled), (x(median), target), DOTTED, BLACK.stroke_width(2))?;
        legend.push((format!("Projection, median ({median})"), LegendMark::Line(DOTTED, BLACK.stroke_width(2))));
    }
    if r.enrolled.is_some() {
        let mut steps = vec![(x(start), 0.0)];
        for (i, d) in r.inclusion_dates.iter().enumerate() {
            steps.push((x(*d), i as f64));
            steps.push((x(*d), (i + 1) as f64));
        }
        steps.push((now, enrolled));
        chart.draw_series(LineSeries::new(steps, BLACK.stroke_width(3)))?;
        legend.insert(
            0,
            (format!("Included ({})", r.enrolled.unwrap_or(0)), LegendMark::Line(SOLID, BLACK.stroke_width(3))),
        );
    }
    // "as of" left of its line when the line is in the right half, so it stays inside the plot.
    let right_half = now > (x_min + x_max) / 2.0;
    let label = format!("as of {}", r.as_of);
    let offset = if right_half { -(label.chars().count() as f64 * TEXT as f64 * 0.45 + 8.0) } else { 8.0 };
    chart.draw_series(std::iter::once(Text::new(
        label,
        (now + offset / px.0, y_max * 0.97),
        ("sans-serif", TEXT).into_font().color(&grey),
    )))?;
    draw_legend(&legend_area, &legend)?;
    root.present()?;
    Ok(())
}

/// How a legend entry is drawn.
enum LegendMark {
    /// A line sample in the series' dash pattern.
    Line(Dash, ShapeStyle),
    /// A filled box (the projection band).
    Band(RGBColor),
}

/// The legend below the plot, two entries per row: it can never cover a line.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    entries: &[(String, LegendMark)],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let column = (WIDTH as i32 - 2 * 76) / 2;
    for (i, (text, mark)) in entries.iter().enumerate() {
        let (col, row) = ((i % 2) as i32, (i / 2) as i32);
        let (x, y) = (76 + col * column, 10 + row * LEGEND_ROW as i32 + LEGEND_ROW as i32 / 2);
        match mark {
            LegendMark::Line(dash, style) => area.draw(&legend_line(x, y, *dash, *style))?,
            LegendMark::Band(colour) => area.draw(&Rectangle::new([(x, y - 6), (x + 24, y + 6)], colour.filled()))?,
        }
        let font = TextStyle::from(("sans-serif", TEXT).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(text.clone(), (x + 34, y), font))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashes_cover_the_segment_in_pixels() {
        let d = dashes((0.0, 0.0), (100.0, 0.0), (1.0, 1.0), Dash { on: 10.0, off: 5.0 });
        assert_eq!(d.len(), 7);
        assert_eq!(d[0], [(0.0, 0.0), (10.0, 0.0)]);
        assert_eq!(d[6], [(90.0, 0.0), (100.0, 0.0)]);
        assert_eq!(dashes((0.0, 0.0), (3.0, 4.0), (1.0, 1.0), SOLID).len(), 1);
    }
}
