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
    assert!(ws.path(&format!("reports/{A}/2026-11-26-progress.html")).exists());
    assert!(ws.path(&format!("reports/{B}/2026-11-26-progress.html")).exists());
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
        assert!(ws.path(&format!("reports/status/2026-11-26.{ext}")).exists(), "{ext}");
    }
    let html = std::fs::read_to_string(ws.path("reports/status/2026-11-26.html")).unwrap();
    assert!(html.contains("Portfolio status as of 2026-11-26") && !html.contains("<script"));

    // The next digest counts from this one, and only A and B (exit 1: A's error findings).
    let run = ws.run(&["status", A, B, "--as-of", "2026-12-03"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("Changes counted from 2026-11-27 (previous digest) to 2026-12-03"), "{}", run.stdout);
}
