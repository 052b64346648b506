//! The progress chart (SVG): cumulative inclusions, the linear plan, the projection with its
//! 10–90 % band, the target and an as-of marker.
//!
//! Drawn with plotters' SVG backend (no font library: text is emitted as `<text>`). Every
//! series differs by more than colour — solid, dashed, dotted, a grey band — so the chart
//! reads when printed in black and white. Dashes are cut here in pixel units (plotters'
//! `DashedLineSeries` stops short on long two-point lines), and the legend shows them dashed.

use chrono::{Datelike, Duration, NaiveDate};
use plotters::element::ComposedElement;
use plotters::prelude::*;

use super::ProgressReport;

const WIDTH: u32 = 860;
const HEIGHT: u32 = 440;

/// The chart as an SVG document.
pub fn svg(r: &ProgressReport) -> String {
    let mut out = String::new();
    if let Err(e) = draw(r, &mut out) {
        // The SVG backend draws into memory; an error here is a bug, shown rather than hidden.
        return format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"40\"><text x=\"10\" y=\"20\">chart error: {}</text></svg>",
            super::html::escape(&e)
        );
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
    let mut chart = ChartBuilder::on(&root)
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(56)
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
        .axis_desc_style(("sans-serif", 15))
        .label_style(("sans-serif", 13))
        .draw()?;

    let (w, h) = chart.plotting_area().dim_in_pixel();
    let px = (w as f64 / (x_max - x_min), h as f64 / y_max);
    let grey = RGBColor(110, 110, 110);
    let band_grey = RGBColor(205, 205, 205);
    let now = x(r.as_of);
    // The band first, so every line stays visible on top of it.
    if let Some((p10, _, p90)) = r.lead_dates().filter(|_| r.target_reached_on.is_none()) {
        let band = [(now, enrolled), (x(p10), target), (x(p90), target)];
        chart
            .draw_series(std::iter::once(Polygon::new(band, band_grey.filled())))?
            .label("Projection, 10–90 % band")
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 24, y + 5)], band_grey.filled()));
    }
    let mut line = |a: (f64, f64),
                    b: (f64, f64),
                    dash: Dash,
                    style: ShapeStyle,
                    label: Option<String>|
     -> Result<(), Box<dyn std::error::Error + 'a>> {
        let segments = dashes(a, b, px, dash);
        let series = chart.draw_series(segments.into_iter().map(move |[p, q]| PathElement::new([p, q], style)))?;
        if let Some(label) = label {
            series.label(label).legend(move |(x, y)| legend_line(x, y, dash, style));
        }
        Ok(())
    };
    line((x_min, target), (x_max, target), FINE, grey.stroke_width(1), Some(format!("Target ({})", r.target)))?;
    line((x(start), 0.0), (x(r.recruitment_end), target), DASHED, BLACK.stroke_width(2), Some("Linear plan".into()))?;
    line((now, 0.0), (now, y_max), SOLID, grey.stroke_width(1), None)?;
    if let Some((_, median, _)) = r.lead_dates().filter(|_| r.target_reached_on.is_none()) {
        let dotted = dashes((now, enrolled), (x(median), target), px, DOTTED);
        chart
            .draw_series(dotted.into_iter().map(|[a, b]| PathElement::new([a, b], BLACK.stroke_width(2))))?
            .label(format!("Projection, median ({median})"))
            .legend(|(x, y)| legend_line(x, y, DOTTED, BLACK.stroke_width(2)));
    }
    if r.enrolled.is_some() {
        let mut steps = vec![(x(start), 0.0)];
        for (i, d) in r.inclusion_dates.iter().enumerate() {
            steps.push((x(*d), i as f64));
            steps.push((x(*d), (i + 1) as f64));
        }
        steps.push((now, enrolled));
        chart
            .draw_series(LineSeries::new(steps, BLACK.stroke_width(3)))?
            .label(format!("Included ({})", r.enrolled.unwrap_or(0)))
            .legend(|(x, y)| legend_line(x, y, SOLID, BLACK.stroke_width(3)));
    }
    chart.draw_series(std::iter::once(Text::new(
        format!("as of {}", r.as_of),
        (now + 8.0 / px.0, y_max * 0.97),
        ("sans-serif", 13).into_font().color(&grey),
    )))?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.95))
        .border_style(grey)
        .label_font(("sans-serif", 13))
        .draw()?;
    root.present()?;
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
