//! The digest for a portfolio with one trial in each state the registry knows: every row says
//! in words where the trial stands, what (if anything) the office must do, and why a row needs
//! action; a trial not started yet gets a short report and keeps the run green.

use serde_json::{Value, json};

use crate::{FAST, Workspace, fake_registry, fixture};

/// (id, overall status, start date, why stopped)
const STATES: [(&str, &str, &str, Option<&str>); 8] = [
    ("NCT40000001", "NOT_YET_RECRUITING", "2027-03-01", None),
    ("NCT40000002", "RECRUITING", "2025-01-03", None),
    ("NCT40000003", "ACTIVE_NOT_RECRUITING", "2025-01-03", None),
    ("NCT40000004", "COMPLETED", "2025-01-03", None),
    ("NCT40000005", "TERMINATED", "2025-01-03", Some("Slow accrual")),
    ("NCT40000006", "WITHDRAWN", "2025-01-03", Some("No funding")),
    ("NCT40000007", "SUSPENDED", "2025-01-03", Some("Drug supply")),
    ("NCT40000008", "UNKNOWN", "2025-01-03", None),
];

pub fn portfolio() -> Workspace {
    let ids: Vec<String> = STATES.iter().map(|s| s.0.to_string()).collect();
    let config = ids.iter().fold(format!("{FAST}\n"), |c, id| format!("{c}[[trial]]\nnct_id = \"{id}\"\n"));
    let ws = Workspace::new("");
    ws.write_config(&config);
    let records = fake_registry::install(&ws.server, &fixture("v2"), &ids);
    for (id, status, start, why) in STATES {
        let mut studies = records.studies.lock().unwrap();
        let sm = &mut studies.get_mut(id).unwrap()["protocolSection"]["statusModule"];
        sm["overallStatus"] = json!(status);
        sm["startDateStruct"] = json!({"date": start, "type": "ESTIMATED"});
        // Verified recently, except the recruiting trial: its verification is overdue.
        sm["statusVerifiedDate"] = json!(if status == "RECRUITING" { "2025-09" } else { "2026-11" });
        if let Some(why) = why {
            sm["whyStopped"] = json!(why);
        }
        if status == "UNKNOWN" {
            sm["lastKnownStatus"] = json!("RECRUITING");
        }
    }
    let run = ws.run_env(&["sync"], &[("CTWATCH_NOW", "2026-12-03T06:17:00Z")]);
    assert_eq!(run.code, 0, "{run:?}");
    ws
}

#[test]
fn every_trial_state_has_a_row_in_words_and_a_report() {
    let ws = portfolio();
    let env = [("CTWATCH_NOW", "2026-12-07T06:17:00Z")];
    let run = ws.run_env(&["status", "--format", "json", "--issues", "https://github.com/sponsor/trials/issues"], &env);
    assert!(run.code < 2, "{run:?}");
    let d: Value = serde_json::from_str(&run.stdout).unwrap();
    let row = |id: &str| d["trials"].as_array().unwrap().iter().find(|t| t["nct_id"] == id).unwrap().clone();
    let states: Vec<(String, String)> = STATES
        .iter()
        .map(|(id, ..)| {
            (row(id)["state"].as_str().unwrap().to_string(), row(id)["to_do"].as_str().unwrap_or("").to_string())
        })
        .collect();
    assert_eq!(states[0].0, "not started (planned 2027-03-01)");
    assert_eq!(states[1].0, "recruiting");
    assert_eq!(states[2].0, "recruitment closed, follow-up ongoing");
    assert!(states[3].0.starts_with("completed ("), "{states:?}");
    assert_eq!(states[4].0, "terminated: Slow accrual");
    assert_eq!(states[5].0, "withdrawn before the first participant");
    assert_eq!(states[6].0, "suspended");
    assert!(states[7].0.starts_with("status unknown on the registry"), "{states:?}");
    for (i, (_, to_do)) in states.iter().enumerate() {
        assert_eq!(to_do.is_empty(), i == 1, "trial {i}: {to_do:?}");
    }

    // The overdue duty in words, most urgent first.
    let first = &d["trials"][0];
    assert_eq!(first["nct_id"], "NCT40000002", "the overdue trial leads");
    assert_eq!(first["why"][0], "registry record not verified for 15 months");
    let md = std::fs::read_to_string(ws.path("reports/status/latest.md")).unwrap();
    assert!(md.contains("1 overdue since 2026-09-30 (68 days)"), "{md}");
    assert!(!md.contains("next due"), "{md}");
    assert!(md.contains("why: registry record not verified for 15 months"), "{md}");
    assert!(md.contains("[registry record](https://clinicaltrials.gov/study/NCT40000002)"), "{md}");
    assert!(md.contains("[progress report](../NCT40000002/progress.html)"), "{md}");
    assert!(
        md.contains("[notice issue](https://github.com/sponsor/trials/issues?q=is%3Aissue+%22ctwatch%3A+NCT40000002+registry+changes%22)"),
        "{md}"
    );
    let html = std::fs::read_to_string(ws.path("reports/status/latest.html")).unwrap();
    for jargon in ["--since", "default (7 days)", "((", "ctwatch.toml", "next due"] {
        assert!(!html.contains(jargon), "{jargon:?} in the managers' page");
    }

    // A trial not started yet: a short report, exit 0.
    let run = ws.run_env(&["report", "NCT40000001"], &env);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("Not started: recruitment is planned to start on 2027-03-01 (in 84 days)"),
        "{}",
        run.stdout
    );
    let json = ws.run_env(&["report", "NCT40000001", "--format", "json"], &env);
    let r: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(r["not_started"], true);
    assert_eq!(r["projection"], Value::Null);
}
