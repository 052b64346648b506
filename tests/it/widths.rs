//! Every command's output fits the terminal: at 80 and 120 columns (`COLUMNS`, as a shell
//! exports it) no line of stdout is wider, for every subcommand with the fixtures. Tables
//! wrap their prose column or drop to one block per row; headlines and notes wrap.
//! (`diff --text` prints a unified diff, whose lines are the record's and are not wrapped.)

use serde_json::json;

use crate::server::Reply;
use crate::{Workspace, fixture, fixture_as};

const TRIALS: &str = "[[trial]]\nnct_id = \"NCT07038304\"\ntarget = 35\nrecruitment_end = 2029-01-03\naccrual = \"accrual.csv\"\n\
metc_decision_date = 2024-10-01\n[trial.site_aliases]\n\"UMCG\" = \"UMC Groningen\"\n\
[[trial]]\nnct_id = \"NCT06000001\"\n";

/// Columns a line takes (every character ctwatch prints is one column wide).
fn widest(text: &str) -> (usize, &str) {
    text.lines().map(|l| (l.chars().count(), l)).max().unwrap_or((0, ""))
}

fn assert_fits(what: &str, cols: usize, run: &crate::Run) {
    assert!(run.code == 0 || run.code == 1, "{what} at {cols}: {run:?}");
    let (w, line) = widest(&run.stdout);
    assert!(w <= cols, "{what} at {cols} columns: a line of {w}:\n{line}\n\nall of it:\n{}", run.stdout);
}

/// Two trials, one with four versions and an accrual log, synced one version at a time.
fn workspace(cols: &str, syncs: &mut Vec<crate::Run>) -> Workspace {
    let ws = Workspace::new(TRIALS);
    let log = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/NCT07038304/accrual.csv");
    std::fs::copy(log, ws.path("accrual.csv")).unwrap();
    ws.serve("NCT06000001", vec![Reply::json(fixture_as("v1", "NCT06000001"))]);
    syncs.push(ws.run_env(&["sync", "NCT06000001"], &[("COLUMNS", cols)]));
    for v in ["v1", "v2", "v3", "v4"] {
        ws.serve("NCT07038304", vec![Reply::json(fixture(v))]);
        syncs.push(ws.run_env(&["sync", "NCT07038304"], &[("COLUMNS", cols)]));
    }
    ws
}

#[test]
fn every_command_fits_80_and_120_columns() {
    for cols in [80, 120] {
        let c = cols.to_string();
        let env = [("COLUMNS", c.as_str()), ("CTWATCH_NOW", "2026-12-01T09:00:00Z")];
        let mut syncs = Vec::new();
        let ws = workspace(&c, &mut syncs);
        for (i, run) in syncs.iter().enumerate() {
            assert_fits(&format!("sync {}", i + 1), cols, run);
        }
        for args in [
            &["diff", "NCT07038304"][..],
            &["diff", "NCT07038304", "--from", "2025-06-26"],
            &["history", "NCT07038304"],
            &["report", "NCT07038304"],
            &["report", "NCT07038304", "--kind", "ethics", "--as-of", "2026-09-30"],
            &["check", "NCT07038304"],
            &["status"],
            &["verify"],
        ] {
            assert_fits(&args.join(" "), cols, &ws.run_env(args, &env));
        }
        ws.server.handle("/api/v2/studies", |_| {
            let study = |id: &str, title: &str| {
                json!({"protocolSection": {
                    "identificationModule": {"nctId": id, "briefTitle": title},
                    "statusModule": {"overallStatus": "RECRUITING", "lastUpdatePostDateStruct": {"date": "2026-01-02"}},
                    "sponsorCollaboratorsModule": {"leadSponsor": {"name": "University Medical Center Groningen, a sponsor with a long name"}}
                }})
            };
            Reply::json(
                json!({"studies": [study("NCT07038304", "MDRT in CRPC"), study("NCT06000002", &"A long title of a study ".repeat(8))]})
                    .to_string(),
            )
        });
        assert_fits(
            "discover",
            cols,
            &ws.run_env(&["discover", "--lead", "University Medical Center Groningen"], &env),
        );

        let fresh = Workspace::new("[[trial]]\nnct_id = \"NCT07038304\"\n");
        crate::backfill::serve_history(&fresh);
        let base = format!("{}/api/int", fresh.server.origin);
        assert_fits(
            "backfill",
            cols,
            &fresh.run_env(&["--history-base", base.as_str(), "backfill", "NCT07038304"], &env),
        );
    }
}

/// Piped output without `COLUMNS` keeps one documented layout: tables at 120 columns, prose
/// on one line each, whoever runs it.
#[test]
fn piped_output_has_a_stable_width() {
    let mut syncs = Vec::new();
    let ws = workspace("120", &mut syncs);
    let run = ws.run_env(&["report", "NCT07038304"], &[("CTWATCH_NOW", "2026-12-01T09:00:00Z")]);
    assert_eq!(run.code, 0, "{run:?}");
    let headline = run.stdout.lines().find(|l| l.contains("participants (")).expect("the headline");
    assert!(headline.chars().count() > 120, "prose is not wrapped when piped: {headline}");
    let table = run.stdout.lines().filter(|l| l.starts_with('┌')).map(|l| l.chars().count()).max().unwrap();
    assert!(table <= 120, "tables at 120 columns");
}
