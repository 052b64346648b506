//! `ctwatch site`: the portfolio site from the fixtures — three trials, one with its full
//! history imported by `backfill` — checked as a reader would meet it: every relative link and
//! anchor resolves, nothing is requested from elsewhere, the timeline lists every stored
//! version with the changes `history` reports, hostile registry text stays text; and in
//! headless Chromium at 375 and 1280 px: no horizontal overflow, no console error, the filter
//! box works.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::server::Reply;
use crate::{Workspace, fixture, fixture_as};

const TRIALS: &str = "[[trial]]\nnct_id = \"NCT07038304\"\ntarget = 35\nrecruitment_end = 2029-01-03\naccrual = \"accrual.csv\"\n\
[trial.site_aliases]\n\"UMCG\" = \"UMC Groningen\"\n\
[[trial]]\nnct_id = \"NCT06000001\"\n[[trial]]\nnct_id = \"NCT06000002\"\n";

const HOSTILE: &str = "<script>alert(1)</script> @team #1 <img src=x onerror=alert(2)> [x](javascript:alert(3))";

/// The fixture portfolio, with the site written to `site/`.
fn portfolio() -> Workspace {
    let ws = Workspace::new(TRIALS);
    let log = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/NCT07038304/accrual.csv");
    std::fs::copy(log, ws.path("accrual.csv")).unwrap();
    // NCT07038304: its history imported (three versions), then the newest one synced.
    crate::backfill::serve_history(&ws);
    let run = crate::backfill::backfill(&ws, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    ws.serve("NCT07038304", vec![Reply::json(fixture("v4"))]);
    // NCT06000001: hostile registry text in its title and a site name.
    let mut hostile: Value = serde_json::from_str(&fixture_as("v1", "NCT06000001")).unwrap();
    hostile["protocolSection"]["identificationModule"]["briefTitle"] = Value::String(HOSTILE.into());
    hostile["protocolSection"]["contactsLocationsModule"]["locations"][0]["facility"] = Value::String(HOSTILE.into());
    ws.serve("NCT06000001", vec![Reply::json(hostile.to_string())]);
    ws.serve("NCT06000002", vec![Reply::json(fixture_as("v1", "NCT06000002"))]);
    for id in ["NCT07038304", "NCT06000001", "NCT06000002"] {
        let run = ws.run(&["sync", id]);
        assert_eq!(run.code, 0, "{run:?}");
    }
    ws.serve("NCT06000002", vec![Reply::json(fixture_as("v2", "NCT06000002"))]);
    assert_eq!(ws.run(&["sync", "NCT06000002"]).code, 0);
    let now = [("CTWATCH_NOW", "2026-12-01T09:00:00Z")];
    assert_eq!(ws.run_env(&["report", "NCT07038304"], &now).code, 0);
    let run = ws.run_env(&["site", "--out", "site"], &now);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("Wrote the site for 3 trials (7 versions stored): 4 pages"), "{}", run.stdout);
    ws
}

fn pages(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().map(Result::unwrap) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == "index.html") {
                out.insert(p.clone(), std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    out
}

/// Every value of `attr="…"` in a page.
fn attrs<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!(" {attr}=\"");
    html.match_indices(&needle)
        .map(|(i, _)| &html[i + needle.len()..])
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect()
}

/// The text of an HTML fragment: tags dropped, the few entities ctwatch writes decoded.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

#[test]
fn every_link_and_anchor_resolves_and_nothing_comes_from_elsewhere() {
    let ws = portfolio();
    let site = ws.path("site");
    let pages = pages(&site);
    assert_eq!(pages.len(), 4, "{:?}", pages.keys());
    let mut checked = 0;
    for (page, html) in &pages {
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"), "{}", page.display());
        let loads = attrs(html, "src");
        assert!(loads.is_empty(), "{}: loads {loads:?}: a page loads nothing", page.display());
        assert!(!html.contains("<link"), "{}: no stylesheet from elsewhere", page.display());
        for href in attrs(html, "href") {
            if href.starts_with("https://clinicaltrials.gov/") {
                continue;
            }
            assert!(!href.contains("://"), "{}: a link to elsewhere: {href}", page.display());
            let (file, anchor) = href.split_once('#').unwrap_or((href, ""));
            let target = if file.is_empty() { page.clone() } else { page.parent().unwrap().join(file) };
            assert!(target.is_file(), "{}: {href} is not there", page.display());
            if !anchor.is_empty() {
                let target_html = std::fs::read_to_string(&target).unwrap();
                assert!(target_html.contains(&format!("id=\"{anchor}\"")), "{}: no anchor {href}", page.display());
            }
            checked += 1;
        }
    }
    assert!(checked > 20, "{checked} links checked");
}

#[test]
fn the_timeline_lists_every_stored_version_with_the_changes_history_reports() {
    let ws = portfolio();
    let page = std::fs::read_to_string(ws.path("site/NCT07038304/index.html")).unwrap();
    let history: Value = serde_json::from_str(&ws.run(&["history", "NCT07038304", "--format", "json"]).stdout).unwrap();
    let history = history["versions"].as_array().unwrap();
    assert_eq!(history.len(), 4, "three imported from the registry's history, one synced");
    let mut last = 0;
    for v in history.iter().rev() {
        let name = v["snapshot"].as_str().unwrap();
        let at = page.find(&format!("<li id=\"v-{name}\">")).unwrap_or_else(|| panic!("{name} is not on the page"));
        assert!(at > last, "{name}: newest first");
        last = at;
        let end = page[at + 1..].find("<li id=\"v-").map_or(page.len(), |e| at + 1 + e);
        let entry = text(&page[at..end]);
        for c in v["changes"].as_array().unwrap() {
            let summary = c["summary"].as_str().unwrap();
            assert!(entry.contains(summary), "{name}: {summary:?} missing from\n{entry}");
        }
    }
    assert!(page.contains("imported from the registry's history, registry version 2"), "origin and number said");
    assert!(page.contains("tab=history&amp;a=1&amp;b=2#version-content-panel"), "the registry's own comparison");
    assert!(page.contains("Radboud Umc, Nijmegen</td>"), "sites over time");
    assert!(text(&page).contains("2025-06-26 not yet recruiting → 2025-09-15 recruiting"), "{}", text(&page));
}

#[test]
fn hostile_registry_text_stays_text() {
    let ws = portfolio();
    for page in [ws.path("site/index.html"), ws.path("site/NCT06000001/index.html")] {
        let html = std::fs::read_to_string(&page).unwrap();
        assert!(!html.contains("<script>alert") && !html.contains("<img"), "{}", page.display());
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{}: escaped, shown", page.display());
        assert!(text(&html).contains(HOSTILE), "{}: the text itself survives", page.display());
        // Only ctwatch's own script, on the portfolio page.
        assert!(html.matches("<script>").count() <= 1);
    }
}

fn chromium() -> String {
    std::env::var("CTWATCH_CHROMIUM").unwrap_or_else(|_| "chromium".into())
}

/// Loads `page` in an iframe `width` px wide in headless Chromium; returns what the harness
/// measured and every console message.
fn measure(dir: &Path, page: &str, width: u32, filter: Option<&str>) -> (String, String) {
    let script = format!(
        "var f = document.getElementById('f');
         f.addEventListener('load', function () {{
           var d = f.contentDocument, r = document.createElement('pre');
           var q = {};
           if (q !== null) {{ var i = d.getElementById('filter'); i.value = q; i.dispatchEvent(new Event('input')); }}
           var rows = d.querySelectorAll('#portfolio tbody tr');
           var shown = Array.prototype.filter.call(rows, function (x) {{ return !x.hidden; }}).length;
           r.id = 'result';
           r.textContent = 'overflow=' + (d.documentElement.scrollWidth - d.documentElement.clientWidth) + ' rows=' + shown;
           document.body.appendChild(r);
         }});",
        filter.map_or("null".to_string(), |q| format!("'{q}'"))
    );
    let harness = dir.join(format!("harness-{width}.html"));
    std::fs::write(
        &harness,
        format!(
            "<!DOCTYPE html><html><body style=\"margin:0\"><iframe id=\"f\" style=\"width:{width}px;height:900px;border:0\" \
             src=\"{page}\"></iframe><script>{script}</script></body></html>"
        ),
    )
    .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--allow-file-access-from-files",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", harness.display()))
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}; the site test needs headless Chromium (.ci/run installs it)", chromium()));
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    let result = dom.split("id=\"result\">").nth(1).and_then(|r| r.split('<').next()).unwrap_or("").to_string();
    let console: String = String::from_utf8_lossy(&out.stderr).lines().filter(|l| l.contains(":CONSOLE")).collect();
    (result, console)
}

#[test]
#[cfg_attr(
    ctwatch_no_chromium,
    ignore = "headless Chromium or poppler-utils is not installed (apt-get install chromium poppler-utils; CTWATCH_CHROMIUM names another browser), then touch build.rs"
)]
fn the_pages_fit_a_phone_and_a_desktop_without_a_console_error() {
    let ws = portfolio();
    let dir = ws.path("");
    // The harness sees console errors: a page with one is caught.
    std::fs::write(ws.path("site/broken.html"), "<!DOCTYPE html><html><body><script>missing();</script></body></html>")
        .unwrap();
    let (_, console) = measure(&dir, "site/broken.html", 375, None);
    assert!(console.contains("missing is not defined"), "the harness must see console errors: {console}");
    std::fs::remove_file(ws.path("site/broken.html")).unwrap();

    for page in ["site/index.html", "site/NCT07038304/index.html", "site/NCT06000001/index.html"] {
        for width in [375, 1280] {
            let (result, console) = measure(&dir, page, width, None);
            assert!(result.starts_with("overflow=0 "), "{page} at {width} px: {result:?} (console: {console})");
            assert!(console.is_empty(), "{page} at {width} px: {console}");
        }
    }
    let (result, _) = measure(&dir, "site/index.html", 1280, Some("NCT0600000"));
    assert!(result.ends_with("rows=2"), "the filter keeps the two matching trials: {result:?}");
}
