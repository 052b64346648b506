//! Both HTML reports printed to PDF by headless Chromium and read back with poppler
//! (`pdfinfo`, `pdftotext`): A4, a sensible page count, no date or percentage broken across
//! lines, the progress report's headline and chart on page 1, chart text at least 9 pt.
//! Ignored with the reason when Chromium or poppler is missing; never under `CI=true`
//! (`.ci/run` installs both).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::ethics::everything_given;

fn chromium() -> String {
    std::env::var("CTWATCH_CHROMIUM").unwrap_or_else(|_| "chromium".into())
}

/// Prints `html` to a PDF beside it and returns the PDF's path.
pub(crate) fn print(html: &Path) -> PathBuf {
    let pdf = html.with_extension("pdf");
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap_or_else(|e| {
            panic!("{}: {e}; the print test needs headless Chromium (.ci/run installs it)", chromium())
        });
    assert!(pdf.is_file(), "chromium printed nothing for {}: {}", html.display(), String::from_utf8_lossy(&out.stderr));
    pdf
}

pub(crate) fn tool(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}; the print test needs poppler-utils (.ci/run installs it)"));
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().replace('\u{a0}', " ")
}

/// (pages, width × height in points) from pdfinfo.
pub(crate) fn info(pdf: &Path) -> (usize, f64, f64) {
    let text = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    let field =
        |name: &str| text.lines().find_map(|l| l.strip_prefix(name)).unwrap_or_else(|| panic!("{name}: {text}")).trim();
    let pages = field("Pages:").parse().unwrap();
    let size: Vec<f64> = field("Page size:").split_whitespace().filter_map(|w| w.parse().ok()).collect();
    (pages, size[0], size[1])
}

/// Every date (`YYYY-MM-DD`, `DD-MM-YYYY`) and percentage (`49 %`, `15,2 %`) in `text`.
fn values(text: &str) -> Vec<String> {
    let text = text.replace('\u{a0}', " ");
    let c: Vec<char> = text.chars().collect();
    let digits = |i: usize, n: usize| i + n <= c.len() && c[i..i + n].iter().all(char::is_ascii_digit);
    let bounded = |i: usize, n: usize| {
        (i == 0 || !c[i - 1].is_ascii_alphanumeric()) && c.get(i + n).is_none_or(|x| !x.is_ascii_alphanumeric())
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let iso = digits(i, 4)
            && c.get(i + 4) == Some(&'-')
            && digits(i + 5, 2)
            && c.get(i + 7) == Some(&'-')
            && digits(i + 8, 2);
        let dutch = digits(i, 2)
            && c.get(i + 2) == Some(&'-')
            && digits(i + 3, 2)
            && c.get(i + 5) == Some(&'-')
            && digits(i + 6, 4);
        if (iso || dutch) && bounded(i, 10) {
            out.push(c[i..i + 10].iter().collect());
            i += 10;
            continue;
        }
        if c[i].is_ascii_digit() && (i == 0 || !c[i - 1].is_ascii_digit() && c[i - 1] != '.' && c[i - 1] != ',') {
            let mut j = i;
            while j < c.len()
                && (c[j].is_ascii_digit()
                    || (matches!(c[j], '.' | ',') && c.get(j + 1).is_some_and(char::is_ascii_digit)))
            {
                j += 1;
            }
            if c.get(j) == Some(&' ') && c.get(j + 1) == Some(&'%') {
                out.push(c[i..j + 2].iter().collect());
            }
            i = j.max(i + 1);
            continue;
        }
        i += 1;
    }
    out.sort();
    out.dedup();
    out
}

/// Every value of the Markdown report appears whole on one line of the printed text.
fn unbroken(md: &str, printed: &str, name: &str) -> usize {
    let found = values(md);
    assert!(!found.is_empty(), "{name}: no dates or percentages found in the report");
    for v in &found {
        assert!(
            printed.lines().any(|l| l.contains(v.as_str())),
            "{name}: {v:?} is broken across lines or missing in print:\n{printed}"
        );
    }
    found.len()
}

/// Words of one page with their height in points, from `pdftotext -bbox`.
fn words(pdf: &Path, page: u32) -> Vec<(String, f64, f64)> {
    let p = page.to_string();
    let html = tool("pdftotext", &["-bbox", "-f", &p, "-l", &p, pdf.to_str().unwrap(), "-"]);
    html.lines()
        .filter_map(|l| {
            let l = l.trim().strip_prefix("<word ")?;
            let attr = |name: &str| -> f64 {
                let at = l.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                l[at..].split('"').next().unwrap().parse().unwrap()
            };
            let word = l.split('>').nth(1)?.split('<').next()?.to_string();
            Some((word, attr("yMax") - attr("yMin"), attr("yMin")))
        })
        .collect()
}

#[test]
#[cfg_attr(
    ctwatch_no_chromium,
    ignore = "headless Chromium or poppler-utils is not installed (apt-get install chromium poppler-utils; CTWATCH_CHROMIUM names another browser), then touch build.rs"
)]
fn both_reports_print_on_a4_in_both_languages() {
    let ws = everything_given();
    let dir = ws.path("reports/NCT07038304");
    let common = ["--accrual", "accrual-full.csv", "--as-of", "2026-11-26"];

    // The progress report: headline and chart on page 1.
    let run = ws.run(&[&["report", "NCT07038304"][..], &common].concat());
    assert_eq!(run.code, 0, "{run:?}");
    let md = std::fs::read_to_string(dir.join("progress.md")).unwrap();
    let pdf = print(&dir.join("progress.html"));
    let (pages, w, h) = info(&pdf);
    assert!((w - 595.0).abs() < 2.0 && (h - 842.0).abs() < 2.0, "A4, not {w} × {h}");
    assert!((2..=4).contains(&pages), "progress report: {pages} pages");
    let printed = tool("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]);
    let n = unbroken(&md, &printed, "progress");
    assert!(n >= 10, "{n} values checked");
    let first = tool("pdftotext", &["-layout", "-f", "1", "-l", "1", pdf.to_str().unwrap(), "-"]);
    let flat = first.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("14 of 35 participants (40 %)"), "the headline on page 1:\n{first}");
    for chart_text in ["Participants included", "Linear plan", "Planned end (2029-01-03)", "Included (14)"] {
        assert!(flat.contains(chart_text), "the chart on page 1 ({chart_text:?}):\n{first}");
    }
    assert!(
        first.contains("Recruitment progress NCT07038304 as of 2026-11-26") && first.contains("Page 1 of"),
        "running footer"
    );
    // Chart text is at least 9 pt: word heights against the 10 pt body text of the same page.
    let page1 = words(&pdf, 1);
    let body = page1.iter().find(|(w, ..)| w == "Registry").expect("the 10 pt line 'Registry record'").1 / 10.0;
    let chart_top = page1.iter().find(|(w, ..)| w == "Participants").map(|x| x.2).unwrap_or(0.0);
    for (word, height, _) in page1
        .iter()
        .filter(|(w, _, y)| *y > chart_top - 250.0 && ["2027", "Linear", "Date", "Target"].contains(&w.as_str()))
    {
        let pt = height / body;
        assert!(pt >= 9.0, "chart text {word:?} prints at {pt:.1} pt");
    }

    // The ethics report, English and Dutch.
    for (lang, suffix, min_values) in [("en", "", 12), ("nl", "-nl", 12)] {
        let run = ws.run(
            &[&["report", "NCT07038304", "--kind", "ethics", "--ethics", "ethics.toml", "--lang", lang][..], &common]
                .concat(),
        );
        assert_eq!(run.code, 0, "{run:?}");
        let md = std::fs::read_to_string(dir.join(format!("2026-09-30-metc-progress{suffix}.md"))).unwrap();
        let pdf = print(&dir.join(format!("2026-09-30-metc-progress{suffix}.html")));
        let (pages, w, h) = info(&pdf);
        assert!((w - 595.0).abs() < 2.0 && (h - 842.0).abs() < 2.0, "{lang}: A4, not {w} × {h}");
        assert!((2..=6).contains(&pages), "{lang}: {pages} pages");
        let printed = tool("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]);
        let n = unbroken(&md, &printed, lang);
        assert!(n >= min_values, "{lang}: {n} values checked");
        let last = pages.to_string();
        let end = tool("pdftotext", &["-layout", "-f", &last, "-l", &last, pdf.to_str().unwrap(), "-"]);
        let (page_word, of) = if lang == "nl" { ("Pagina", "van") } else { ("Page", "of") };
        assert!(
            end.contains(&format!("{page_word} {pages} {of} {pages}")),
            "{lang}: running footer on the last page:\n{end}"
        );
        assert!(end.contains("NCT07038304"), "{lang}: the trial id on the last page");
    }
}

#[test]
fn values_finds_dates_and_percentages() {
    assert_eq!(
        values("on 2029-01-03 and 03-01-2029: 49 %, 15,2 % and 2.5 %; not 12029-01-034 or NL87430.042.24"),
        ["03-01-2029", "15,2 %", "2.5 %", "2029-01-03", "49 %"]
    );
}

#[test]
#[cfg_attr(
    ctwatch_no_chromium,
    ignore = "headless Chromium or poppler-utils is not installed (apt-get install chromium poppler-utils; CTWATCH_CHROMIUM names another browser), then touch build.rs"
)]
fn the_end_of_study_notification_prints_on_a4_in_both_languages() {
    let ws = everything_given();
    for (lang, name, heading) in [
        ("en", "2026-11-26-metc-end-of-study.html", "End of the study"),
        ("nl", "2026-11-26-metc-end-of-study-nl.html", "Einde van het onderzoek"),
    ] {
        let run = ws.run(&[
            "report",
            "NCT07038304",
            "--kind",
            "end-of-study",
            "--accrual",
            "accrual-full.csv",
            "--as-of",
            "2026-11-26",
            "--lang",
            lang,
        ]);
        assert_eq!(run.code, 0, "{run:?}");
        let pdf = print(&ws.path("reports/NCT07038304").join(name));
        let (pages, w, h) = info(&pdf);
        assert!((w - 595.0).abs() < 2.0 && (h - 842.0).abs() < 2.0, "{lang}: A4, got {w} x {h}");
        assert!((1..=3).contains(&pages), "{lang}: {pages} pages");
        let text = tool("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]);
        assert!(text.contains(heading) && text.contains("NCT07038304"), "{lang}:\n{text}");
    }
}
