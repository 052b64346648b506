//! `ctwatch report`: the progress report end to end, its renderings (insta), HTML validity and
//! escaping, and the edge cases of the model.

use serde_json::Value;

use crate::server::Reply;
use crate::{Workspace, fixture};

const TRIAL: &str = "[[trial]]\nnct_id = \"NCT07038304\"\ntarget = 35\nrecruitment_end = 2029-01-03\n[trial.site_aliases]\n\"UMCG\" = \"UMC Groningen\"\n";

/// A workspace with v1 and v2 stored and the accrual log copied in.
fn workspace(trial: &str) -> Workspace {
    let ws = Workspace::new(trial);
    for v in ["v1", "v2"] {
        ws.serve("NCT07038304", vec![Reply::json(fixture(v))]);
        assert_eq!(ws.run(&["sync"]).code, 0);
    }
    let log = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/NCT07038304/accrual.csv");
    std::fs::copy(log, ws.path("accrual.csv")).unwrap();
    ws
}

fn report(ws: &Workspace, extra: &[&str]) -> crate::Run {
    let mut args = vec!["report", "NCT07038304", "--as-of", "2026-11-26"];
    args.extend_from_slice(extra);
    ws.run(&args)
}

#[test]
fn writes_four_files_and_prints_paths_and_summary() {
    let ws = workspace(TRIAL);
    let run = report(&ws, &["--accrual", "accrual.csv"]);
    assert_eq!(run.code, 0, "{run:?}");
    for ext in ["md", "html", "json", "svg"] {
        let rel = format!("reports/NCT07038304/progress.{ext}");
        assert!(run.stdout.contains(&rel), "{rel} not printed");
        assert!(ws.path(&rel).is_file(), "{rel} not written");
    }
    assert!(run.stdout.contains(
        "14 of 35 participants (40 %) after 47 % of the recruitment period — 2.6 participants behind the linear plan. Date the target is reached, projected with the site-aware model: median 2029-04-13 (80 % interval 2028-07-20 – 2030-05-11); probability of reaching 35 by 2029-01-03: 33 %."
    ), "{}", run.stdout);
    let all: String = ["md", "html", "json", "svg"]
        .iter()
        .map(|e| std::fs::read_to_string(ws.path(&format!("reports/NCT07038304/progress.{e}"))).unwrap())
        .collect();
    assert!(!all.contains("P001") && !all.contains("P014"), "participant ids never appear");
}

#[test]
fn json_has_the_contract_keys_and_renderings_are_stable() {
    let ws = workspace(TRIAL);
    let run = report(&ws, &["--accrual", "accrual.csv", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let r: Value = serde_json::from_str(&run.stdout).expect("stdout is only the JSON");
    for key in [
        "nct_id",
        "as_of",
        "target",
        "enrolled",
        "withdrawn",
        "percent_of_target",
        "start_date",
        "recruitment_end",
        "elapsed_fraction",
        "expected_by_now",
        "projection",
        "sites",
    ] {
        assert!(r.get(key).is_some(), "missing {key}");
    }
    for key in ["p10", "median", "p90", "probability_on_time", "prior_certainty"] {
        assert!(r["projection"].get(key).is_some(), "missing projection.{key}");
    }
    for key in ["facility", "registry_status", "enrolled", "withdrawn", "first_enrolled_on", "rate_per_month"] {
        assert!(r["sites"][0].get(key).is_some(), "missing sites[].{key}");
    }
    assert_eq!((r["enrolled"].as_u64(), r["withdrawn"].as_u64(), r["target"].as_u64()), (Some(14), Some(1), Some(35)));
    assert_eq!(r["projection"]["median"], "2029-06-26");
    assert_eq!(r["sites"][1]["registry_status"], "RECRUITING", "from the snapshot current at as-of (v2)");
    let dir = ws.path("reports/NCT07038304");
    insta::assert_snapshot!("progress_json", std::fs::read_to_string(dir.join("progress.json")).unwrap());
    insta::assert_snapshot!("progress_markdown", std::fs::read_to_string(dir.join("progress.md")).unwrap());
    insta::assert_snapshot!("progress_svg", std::fs::read_to_string(dir.join("progress.svg")).unwrap());
}

/// Parses the HTML strictly as XML (the report is written as well-formed polyglot markup) and
/// returns all text content.
fn parse_html(html: &str) -> String {
    use quick_xml::events::Event;
    let body = html.strip_prefix("<!DOCTYPE html>\n").expect("doctype");
    let mut reader = quick_xml::Reader::from_str(body);
    reader.config_mut().check_end_names = true;
    let mut depth = 0i32;
    let mut text = String::new();
    loop {
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("HTML not well-formed at {}: {e}", reader.buffer_position()))
        {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth -= 1,
            Event::Text(t) => text.push_str(&t.decode().unwrap()),
            Event::GeneralRef(r) => text.push_str(&format!("&{};", String::from_utf8_lossy(&r))),
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "every element closed");
    text
}

#[test]
fn html_is_well_formed_self_contained_and_escapes_registry_text() {
    let ws = Workspace::new(TRIAL);
    let evil = "<script>alert('x')</script> & <b onmouseover=\\\"x\\\">";
    let hostile = fixture("v1")
        .replace("\"briefTitle\": \"The Impact", &format!("\"briefTitle\": \"{evil} The Impact"))
        .replace("\"facility\": \"Radboud Umc\"", &format!("\"facility\": \"Radboud {evil}\""));
    ws.serve("NCT07038304", vec![Reply::json(hostile)]);
    assert_eq!(ws.run(&["sync"]).code, 0);
    let run = report(&ws, &["--format", "html"]);
    assert_eq!(run.code, 0, "{run:?}");
    let html = run.stdout;
    assert!(!html.contains("<script"), "no live script");
    assert!(!html.contains("<b onmouseover"), "no injected tag");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(
        html.contains("<style>") && html.contains("@media print") && html.contains("<svg "),
        "inline CSS, print styles and SVG"
    );
    assert!(!html.contains("src=\"http"), "self-contained");
    // The one outside link is the registry page, a real link.
    assert_eq!(html.matches("href=\"http").count(), 1);
    assert!(html.contains("<a href=\"https://clinicaltrials.gov/study/NCT07038304\">"));
    let text = parse_html(&html);
    assert!(text.contains("Recruitment progress: NCT07038304"));
}

#[test]
fn registry_only_report_without_an_accrual_log() {
    let ws = workspace(TRIAL);
    let run = report(&ws, &["--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let r: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!((r["enrolled"].clone(), r["projection"].clone()), (Value::Null, Value::Null), "unknown, not zero");
    assert!(
        r["headline"]
            .as_str()
            .unwrap()
            .starts_with("Recruitment unknown (no accrual log). 47 % of the recruitment period")
    );
    assert_eq!(r["sites"][0]["enrolled"], Value::Null);
    let md = report(&ws, &["--format", "markdown"]).stdout;
    assert!(md.contains("unknown (no accrual log)"), "{md}");
}

#[test]
fn accrual_log_from_the_config_and_edge_cases() {
    let ws = workspace(
        &TRIAL.replace("recruitment_end = 2029-01-03\n", "recruitment_end = 2029-01-03\naccrual = \"accrual.csv\"\n"),
    );
    let r: Value = serde_json::from_str(&report(&ws, &["--format", "json"]).stdout).unwrap();
    assert_eq!(r["enrolled"], 14, "log from ctwatch.toml");

    // No inclusions yet: prior only, said plainly.
    std::fs::write(ws.path("empty.csv"), "participant_id,site,enrolled_on,withdrawn_on\n").unwrap();
    let r: Value = serde_json::from_str(&report(&ws, &["--accrual", "empty.csv", "--format", "json"]).stdout).unwrap();
    assert_eq!(r["projection"]["median"], "2034-10-07");
    assert!(r["notes"].to_string().contains("No inclusions yet"));

    // Target reached.
    let mut rows = String::from("participant_id,site,enrolled_on,withdrawn_on\n");
    for i in 0..35 {
        rows.push_str(&format!(
            "X{i},UMCG,{},\n",
            chrono::NaiveDate::from_ymd_opt(2025, 2, 1).unwrap() + chrono::Duration::days(i * 15)
        ));
    }
    std::fs::write(ws.path("full.csv"), rows).unwrap();
    let r: Value = serde_json::from_str(&report(&ws, &["--accrual", "full.csv", "--format", "json"]).stdout).unwrap();
    assert_eq!(r["target_reached_on"], "2026-06-26");
    assert_eq!(r["projection"]["probability_on_time"], 1.0);
    assert!(
        r["headline"]
            .as_str()
            .unwrap()
            .starts_with("Target reached: 35 of 35 participants; the 35th was included on 2026-06-26")
    );

    // After the planned end.
    let r: Value = serde_json::from_str(
        &ws.run(&["report", "NCT07038304", "--as-of", "2029-06-01", "--accrual", "accrual.csv", "--format", "json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(r["projection"]["probability_on_time"], 0.0);
    assert!(r["notes"].to_string().contains("The planned end of recruitment (2029-01-03) has passed."));
}

#[test]
fn errors_name_the_problem() {
    let ws = workspace(TRIAL);
    std::fs::write(
        ws.path("bad.csv"),
        "participant_id,site,enrolled_on,withdrawn_on\nA,UMCG,2025-02-01,\nB,Erasmus MC,2025-03-01,\n",
    )
    .unwrap();
    // Before the start is no error: a short report of what is planned (exit 0).
    let run = ws.run(&["report", "NCT07038304", "--as-of", "2024-12-01"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("Not started: recruitment is planned to start on 2025-01-03"), "{}", run.stdout);
    for (args, needle) in [
        (vec!["report", "NCT07038304", "--as-of", "26-11-2026"], "--as-of \"26-11-2026\" is not a date"),
        (
            vec!["report", "NCT07038304", "--as-of", "2026-11-26", "--accrual", "bad.csv"],
            "bad.csv:3: unknown site \"Erasmus MC\"",
        ),
        (
            vec!["report", "NCT07038304", "--as-of", "2026-11-26", "--accrual", "missing.csv"],
            "missing.csv: cannot read the accrual log",
        ),
        (
            vec!["report", "NCT09999999"],
            "NCT09999999: no stored snapshot in snapshots; run `ctwatch sync NCT09999999` first",
        ),
    ] {
        let run = ws.run(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1);
    }
}
