//! A sponsor office with several trials: every per-trial command over the whole config, one
//! failing trial never hiding the others, and the weekly digest (`ctwatch status`).

use serde_json::Value;

use crate::server::Reply;
use crate::{FAST, Workspace, fixture, fixture_as};

const A: &str = "NCT07038304";
const B: &str = "NCT00000042";
const C: &str = "NCT00000043";

/// Three trials in the config; A has two versions and an accrual log, B one version, C none
/// stored (its fetch fails).
fn office() -> Workspace {
    let config = format!(
        "{FAST}\n[[trial]]\nnct_id = \"{A}\"\ntarget = 35\nrecruitment_end = 2029-01-03\naccrual = \"accrual.csv\"\n[trial.site_aliases]\n\"UMCG\" = \"UMC Groningen\"\n[[trial]]\nnct_id = \"{B}\"\n[[trial]]\nnct_id = \"{C}\"\n"
    );
    let ws = Workspace::new("");
    ws.write_config(&config);
    let log = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/NCT07038304/accrual.csv");
    std::fs::copy(log, ws.path("accrual.csv")).unwrap();
    for v in ["v1", "v2"] {
        ws.serve(A, vec![Reply::json(fixture(v))]);
        ws.serve(B, vec![Reply::json(fixture_as("v1", B))]);
        ws.serve(C, vec![Reply::text(404, "no such study")]);
        // The bulk path: answer with A and B, leave C out.
        let (a, b) = (fixture(v), fixture_as("v1", B));
        ws.server.route("/api/v2/studies", vec![Reply::json(format!("{{\"studies\": [{a}, {b}]}}"))]);
        let run = ws.run(&["sync"]);
        assert_eq!(run.code, 2, "C fails: {run:?}");
    }
    ws
}

#[test]
fn sync_totals_and_error_reasons_are_in_the_table() {
    let ws = office();
    let run = ws.run(&["sync", "--full"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("3 trials: 0 changed, 0 new, 2 unchanged, 1 error"), "{}", run.stdout);
    assert!(run.stdout.contains("error: "), "the reason is in the table: {}", run.stdout);
    assert!(run.stdout.contains("The Impact of Metastatic"), "a title column: {}", run.stdout);
    assert!(run.stderr.contains(C), "{}", run.stderr);
}

#[test]
fn per_trial_commands_cover_the_whole_config_and_aggregate_exit_status() {
    let ws = office();
    // check: A has an error finding (verification overdue at this date), C has no snapshot.
    let run = ws.run(&["check", "--as-of", "2026-11-26", "--format", "json"]);
    assert_eq!(run.code, 2, "{run:?}");
    let list: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        list.iter().map(|t| t["nct_id"].as_str().unwrap()).collect::<Vec<_>>(),
        [A, B],
        "C does not hide A and B"
    );
    assert!(run.stderr.contains(&format!("ctwatch: error: {C}")), "{}", run.stderr);
    // Two named trials that both load: exit 1 from A's error findings.
    let run = ws.run(&["check", A, B, "--as-of", "2026-11-26"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains(&format!("{A}: ")) && run.stdout.contains(&format!("{B}: ")), "{}", run.stdout);

    let run = ws.run(&["history", A, B]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains(&format!("{A}: 2 stored versions"))
            && run.stdout.contains(&format!("{B}: 1 stored version\n"))
    );

    // diff over every trial: B has one version (said, not an error), C none (an error).
    let run = ws.run(&["diff", "--format", "json"]);
    assert_eq!(run.code, 2, "{run:?}");
    let list: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1]["note"], "only one stored version: nothing to compare yet");
    let run = ws.run(&["diff", B]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("is the only stored version; nothing to compare yet"), "{}", run.stdout);

    let run = ws.run(&["report", A, B, "--as-of", "2026-11-26"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(ws.path(&format!("reports/{A}/progress.html")).exists());
    assert!(ws.path(&format!("reports/{B}/progress.html")).exists());
    let run = ws.run(&["report", A, B, "--accrual", "accrual.csv"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--accrual names one trial's log"), "{}", run.stderr);
}

#[test]
fn the_weekly_digest_puts_what_needs_action_first() {
    let ws = office();
    let run = ws.run(&["status", "--as-of", "2026-11-26", "--since", "2025-06-30", "--format", "json"]);
    assert_eq!(run.code, 2, "C cannot be assessed: {run:?}");
    let d: Value = serde_json::from_str(&run.stdout).unwrap();
    let order: Vec<&str> = d["trials"].as_array().unwrap().iter().map(|t| t["nct_id"].as_str().unwrap()).collect();
    // A and B both have an overdue duty (B is a copy of A's first version); A also had a
    // high-importance change; C could not be assessed.
    assert_eq!(order, [A, B, C], "error findings first (more urgent first), then a trial that failed");
    let a = &d["trials"][0];
    assert_eq!((a["changes"]["high"].as_u64(), a["changes"]["medium"].as_u64()), (Some(1), Some(1)), "{a}");
    assert_eq!(a["changes"]["top"], "Radboud Umc, Nijmegen: not yet recruiting → recruiting");
    assert!(a["duties"]["errors"].as_u64().unwrap() >= 1, "{a}");
    assert_eq!(a["recruitment"]["enrolled"], 14);
    assert_eq!(a["recruitment"]["target"], 35);
    assert!(d["trials"][2]["error"].as_str().unwrap().contains("no stored snapshot"));
    assert_eq!(d["trials"][1]["recruitment"], Value::Null, "no accrual log configured for B");
    for ext in ["md", "html", "json"] {
        assert!(ws.path(&format!("reports/status/latest.{ext}")).exists(), "{ext}");
    }
    let html = std::fs::read_to_string(ws.path("reports/status/latest.html")).unwrap();
    assert!(html.contains("Portfolio status as of 2026-11-26") && !html.contains("<script"));
    let dated: Vec<_> = std::fs::read_dir(ws.path("reports/status")).unwrap().collect();
    assert_eq!(dated.len(), 3, "no dated digest files pile up");

    // A digest of some trials is printed, never written over the portfolio's (exit 1: A's
    // error findings); it counts from the previous portfolio digest.
    let before = std::fs::read(ws.path("reports/status/latest.json")).unwrap();
    let run = ws.run(&["status", A, B, "--as-of", "2026-12-03"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("since the previous digest (which covered up to"), "{}", run.stdout);
    assert_eq!(std::fs::read(ws.path("reports/status/latest.json")).unwrap(), before, "portfolio digest kept");
}

/// Runs `status` for the whole portfolio at the replayed instant `now`, as JSON.
fn digest_at(ws: &Workspace, now: &str) -> Value {
    let run = ws.run_env(&["status", "--format", "json"], &[("CTWATCH_NOW", now)]);
    assert!(run.code == 0 || run.code == 1, "{run:?}");
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn every_stored_change_is_in_exactly_one_digest() {
    let ws = Workspace::new(&format!("[[trial]]\nnct_id = \"{A}\"\n"));
    // Week 0: the trial's first version is stored: "now watched", no flood of history.
    ws.serve(A, vec![Reply::json(fixture("v1"))]);
    assert_eq!(ws.run_env(&["sync"], &[("CTWATCH_NOW", "2026-02-09T06:00:00Z")]).code, 0);
    let d = digest_at(&ws, "2026-02-12T06:00:00Z");
    let a = &d["trials"][0];
    assert_eq!(a["changes"]["now_watched"], true, "{a}");
    assert_eq!(a["changes"]["items"].as_array().unwrap().len(), 0);
    assert_eq!(d["window"]["source"], "first digest");
    assert_eq!(d["covered_up_to"], "2026-02-09T06:00:00Z", "the newest storing time");

    // The case: a version posted on a digest day (2026-02-12) and found after it.
    let v2 = fixture("v2").replace("\"2025-09-15\"", "\"2026-02-12\"");
    assert!(v2.contains("2026-02-12"), "the fixture's posted date moved");
    ws.serve(A, vec![Reply::json(v2)]);
    let run = ws.run_env(&["sync"], &[("CTWATCH_NOW", "2026-02-13T06:00:00Z")]);
    assert_eq!(run.code, 0, "{run:?}");
    let d = digest_at(&ws, "2026-02-19T06:00:00Z");
    assert_eq!(d["window"]["from"], "2026-02-09T06:00:00Z", "from what the previous digest covered");
    let items = d["trials"][0]["changes"]["items"].as_array().unwrap().clone();
    let opened = items.iter().find(|i| i["summary"] == "Radboud Umc, Nijmegen: not yet recruiting → recruiting");
    let opened = opened.unwrap_or_else(|| panic!("the site opening is in this digest: {items:?}"));
    assert_eq!((opened["posted"].as_str(), opened["found"].as_str()), (Some("2026-02-12"), Some("2026-02-13")));
    let md = std::fs::read_to_string(ws.path("reports/status/latest.md")).unwrap();
    assert!(md.contains("(high; posted 2026-02-12, found 2026-02-13)"), "{md}");

    // …and in no later digest.
    let d = digest_at(&ws, "2026-02-26T06:00:00Z");
    assert_eq!(d["trials"][0]["changes"]["items"].as_array().unwrap().len(), 0, "{d}");
    assert_eq!(d["trials"][0]["changes"]["now_watched"], false);
}

#[test]
fn a_trial_failing_three_runs_in_a_row_gets_one_notice() {
    let ws = Workspace::new(&format!("[[trial]]\nnct_id = \"{A}\"\n[[trial]]\nnct_id = \"{C}\"\n"));
    ws.serve(A, vec![Reply::json(fixture("v1"))]);
    ws.serve(C, vec![Reply::text(404, "no such study")]);
    ws.server.route("/api/v2/studies", vec![Reply::json(format!("{{\"studies\": [{}]}}", fixture("v1")))]);
    for (week, now) in ["2026-03-02T06:00:00Z", "2026-03-09T06:00:00Z", "2026-03-16T06:00:00Z"].iter().enumerate() {
        let run = ws.run_env(&["sync"], &[("CTWATCH_NOW", now)]);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stderr.contains("check the id for a typo"), "{}", run.stderr);
        assert!(run.stderr.contains(&format!("https://clinicaltrials.gov/study/{C}")), "{}", run.stderr);
        assert!(run.stdout.contains("not found at the registry"), "{}", run.stdout);
        // A digest made twice after one sync counts that run once.
        for _ in 0..2 {
            let run = ws.run_env(&["status", "--format", "json", "--notices", "notices"], &[("CTWATCH_NOW", now)]);
            let d: Value = serde_json::from_str(&run.stdout).unwrap();
            let c = d["trials"].as_array().unwrap().iter().find(|t| t["nct_id"] == C).unwrap().clone();
            assert_eq!(c["fetch"]["failing_runs"], week + 1, "{c}");
            assert_eq!(c["fetch"]["failing_since"], "2026-03-02T06:00:00Z");
            let a = d["trials"].as_array().unwrap().iter().find(|t| t["nct_id"] == A).unwrap().clone();
            assert_eq!(a["fetch"], Value::Null, "A is fine: {a}");
        }
        let notice = ws.path(&format!("notices/{C}.failing.md"));
        assert_eq!(notice.exists(), week == 2, "week {week}");
    }
    let text = std::fs::read_to_string(ws.path(&format!("notices/{C}.failing.md"))).unwrap();
    assert!(text.starts_with(&format!("<!-- ctwatch:{C}:failing-since:2026-03-02T06:00:00Z -->\n")), "{text}");
    assert!(text.contains("for 3 runs in a row"), "{text}");
    let md = std::fs::read_to_string(ws.path("reports/status/latest.md")).unwrap();
    assert!(md.contains("could not fetch (3 runs in a row): not found at the registry"), "{md}");
    // Fetched again: the streak ends.
    ws.serve(C, vec![Reply::json(fixture_as("v1", C))]);
    ws.server.route(
        "/api/v2/studies",
        vec![Reply::json(format!("{{\"studies\": [{}, {}]}}", fixture("v1"), fixture_as("v1", C)))],
    );
    assert_eq!(ws.run_env(&["sync"], &[("CTWATCH_NOW", "2026-03-23T06:00:00Z")]).code, 0);
    let d = digest_at(&ws, "2026-03-23T06:00:00Z");
    assert!(d["trials"].as_array().unwrap().iter().all(|t| t["fetch"].is_null()), "{d}");
}
