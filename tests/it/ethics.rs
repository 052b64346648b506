//! `ctwatch report --kind ethics`: the METC/CCMO annual progress report in both languages,
//! with and without the investigator's local file.

use crate::server::Reply;
use crate::{Workspace, fixture};

const TRIAL: &str = "[[trial]]\nnct_id = \"NCT07038304\"\ntarget = 35\nrecruitment_end = 2029-01-03\nmetc_decision_date = 2024-10-01\n[trial.site_aliases]\n\"UMCG\" = \"UMC Groningen\"\n";

fn workspace(trial: &str) -> Workspace {
    let ws = Workspace::new(trial);
    for v in ["v1", "v2", "v3"] {
        ws.serve("NCT07038304", vec![Reply::json(fixture(v))]);
        assert_eq!(ws.run(&["sync"]).code, 0);
    }
    let log = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/NCT07038304/accrual.csv");
    std::fs::copy(log, ws.path("accrual.csv")).unwrap();
    ws
}

fn ethics(ws: &Workspace, extra: &[&str]) -> crate::Run {
    let mut args =
        vec!["report", "NCT07038304", "--kind", "ethics", "--accrual", "accrual.csv", "--as-of", "2026-11-26"];
    args.extend_from_slice(extra);
    ws.run(&args)
}

const LOCAL: &str = r#"
serious_adverse_events = "Two SAEs (grade 3 fatigue, hospitalisation for urinary retention), both reported to the METC within 15 days; none related to MDRT."
susars = "None."
amendments = "Amendment 1 (2026-02-10): added Radboud umc as second site; approved 2026-03-15."
protocol_deviations = "One inclusion outside the PSMA PET window (7 days late); no impact on safety."
progress_on_objectives = "Follow-up is ongoing; no interim analysis planned."
"#;

#[test]
fn english_and_dutch_with_and_without_the_local_file() {
    let ws = workspace(TRIAL);
    let run = ethics(&ws, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "reports/NCT07038304/2026-09-30-metc-progress.md\nreports/NCT07038304/2026-09-30-metc-progress.html\n"
    );
    let md = std::fs::read_to_string(ws.path("reports/NCT07038304/2026-09-30-metc-progress.md")).unwrap();
    assert!(md.contains("| **CCMO number (org study id)** | NL87430.042.24 |"));
    assert!(md.contains("2025-10-01 – 2026-09-30 (year 2)"));
    assert!(md.contains("| UMC Groningen | 5 | 11 | 1 |"), "in period, total, left early:\n{md}");
    assert!(md.contains("2026-03-02: Completion date slipped 179 days"), "registry changes in the period");
    assert!(!md.contains("2025-09-15: Radboud"), "a change before the period is not listed");
    assert_eq!(md.matches("To be completed by the investigator").count(), 6);
    assert!(!md.contains("P001"), "no participant ids");
    insta::assert_snapshot!("ethics_en", md);

    std::fs::write(ws.path("ethics.toml"), LOCAL).unwrap();
    let nl = ethics(&ws, &["--lang", "nl", "--ethics", "ethics.toml", "--format", "markdown"]);
    assert_eq!(nl.code, 0, "{nl:?}");
    assert!(nl.stdout.contains("## Verslagperiode") && nl.stdout.contains("werving loopt"));
    assert!(nl.stdout.contains("Two SAEs") && nl.stdout.contains("Amendment 1"));
    assert_eq!(nl.stdout.matches("In te vullen door de onderzoeker").count(), 1, "only other_notifications is missing");
    assert!(ws.path("reports/NCT07038304/2026-09-30-metc-progress-nl.html").is_file());
    insta::assert_snapshot!("ethics_nl_local", nl.stdout);
    let html = std::fs::read_to_string(ws.path("reports/NCT07038304/2026-09-30-metc-progress-nl.html")).unwrap();
    assert!(html.contains("<html lang=\"nl\">"));

    // The other two combinations: English with the local file, Dutch without.
    let en_local = ethics(&ws, &["--ethics", "ethics.toml", "--format", "markdown"]).stdout;
    assert_eq!(en_local.matches("To be completed by the investigator").count(), 1);
    insta::assert_snapshot!("ethics_en_local", en_local);
    let nl = ethics(&ws, &["--lang", "nl", "--format", "markdown"]);
    assert_eq!(nl.stdout.matches("In te vullen door de onderzoeker").count(), 6);
    insta::assert_snapshot!("ethics_nl", nl.stdout);
}

#[test]
fn clear_errors() {
    let ws = workspace(&TRIAL.replace("metc_decision_date = 2024-10-01\n", ""));
    let run = ethics(&ws, &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("metc_decision_date is not set in ctwatch.toml"), "{}", run.stderr);
    let ws = workspace(TRIAL);
    std::fs::write(ws.path("ethics.toml"), "serious_adverse_events = \"x\"\nadverse_event = \"typo\"\n").unwrap();
    let run = ethics(&ws, &["--ethics", "ethics.toml"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("ethics.toml:2: unknown field `adverse_event`"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1);
}
