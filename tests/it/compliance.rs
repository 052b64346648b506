//! `ctwatch check` end to end, and the UNKNOWN rule against the registry's own verdicts.

use chrono::NaiveDate;
use ctwatch::compliance::{Context, Severity, check};
use serde_json::Value;

use crate::server::Reply;
use crate::{Workspace, fixture};

/// The registry shows NCT03475563 and NCT04207047 as UNKNOWN: applied to their own data at
/// their `versionHolder` date, the rule must say so; it must not fire on open records.
#[test]
#[cfg_attr(ctwatch_no_shared, ignore = "needs ../shared/ctgov (recorded registry responses), not found")]
fn unknown_rule_reproduces_the_registry() {
    let entries = std::fs::read_dir(crate::shared_dir("records")).unwrap();
    let (mut unknown, mut open) = (0, 0);
    for e in entries {
        let path = e.unwrap().path();
        let doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for study in doc.get("studies").and_then(Value::as_array).cloned().unwrap_or_else(|| vec![doc.clone()]) {
            let Some(holder) = study.pointer("/derivedSection/miscInfoModule/versionHolder").and_then(Value::as_str)
            else {
                continue;
            };
            let as_of = NaiveDate::parse_from_str(holder, "%Y-%m-%d").unwrap();
            let status = study["protocolSection"]["statusModule"]["overallStatus"].as_str().unwrap_or("").to_string();
            let findings =
                check(&study, Context { log: None, target: None, as_of, site_approval: None, committee: None });
            let fired = findings.iter().any(|f| f.rule == "unknown_status_risk" && f.severity == Severity::Error);
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            match status.as_str() {
                "UNKNOWN" => {
                    unknown += 1;
                    assert!(fired, "{name}: the registry shows UNKNOWN but the rule did not fire: {findings:?}");
                }
                "RECRUITING" | "NOT_YET_RECRUITING" | "ACTIVE_NOT_RECRUITING" | "ENROLLING_BY_INVITATION" => {
                    open += 1;
                    assert!(!fired, "{name}: the registry shows {status} but the rule says UNKNOWN");
                }
                _ => {}
            }
        }
    }
    assert_eq!(unknown, 2, "NCT03475563 and NCT04207047");
    assert!(open >= 6, "{open} open records checked");
}

const TRIAL: &str =
    "[[trial]]\nnct_id = \"NCT07038304\"\ntarget = 35\n[trial.site_aliases]\n\"UMCG\" = \"UMC Groningen\"\n";

fn workspace() -> Workspace {
    let ws = Workspace::new(TRIAL);
    ws.serve("NCT07038304", vec![Reply::json(fixture("v1"))]);
    assert_eq!(ws.run(&["sync"]).code, 0);
    let log = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/NCT07038304/accrual.csv");
    std::fs::copy(log, ws.path("accrual.csv")).unwrap();
    ws
}

#[test]
fn check_reports_a_stale_site_status_and_exits_1() {
    let ws = workspace();
    // Only v1 is stored: Radboud is "not yet recruiting" but included its first participant on 2026-01-28.
    let run =
        ws.run(&["check", "NCT07038304", "--accrual", "accrual.csv", "--as-of", "2026-11-26", "--format", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(out["nct_id"], "NCT07038304");
    assert_eq!(out["as_of"], "2026-11-26");
    let f = out["findings"].as_array().unwrap();
    let keys: Vec<&String> = f[0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["due", "message", "rule", "severity"], "DESIGN's keys (serde_json sorts them)");
    let stale = f.iter().find(|x| x["rule"] == "site_status_stale").unwrap();
    assert_eq!((stale["severity"].as_str(), stale["due"].as_str()), (Some("error"), Some("2026-02-27")));
    assert!(stale["message"].as_str().unwrap().contains("Set the site's recruitment status to Recruiting"));
    let verify = f.iter().find(|x| x["rule"] == "verification_overdue").unwrap();
    assert_eq!((verify["severity"].as_str(), verify["due"].as_str()), (Some("error"), Some("2026-06-30")));

    // Before anything is due (no log: a log may not hold rows after the check date).
    let table = ws.run(&["check", "NCT07038304", "--as-of", "2025-07-01"]);
    assert_eq!(table.code, 0, "nothing overdue yet: {table:?}");
    assert!(table.stdout.contains("verification_overdue"), "{}", table.stdout);

    // The progress report lists the same findings.
    let r: Value = serde_json::from_str(
        &ws.run(&["report", "NCT07038304", "--accrual", "accrual.csv", "--as-of", "2026-11-26", "--format", "json"])
            .stdout,
    )
    .unwrap();
    assert_eq!(r["findings"], out["findings"]);
}
