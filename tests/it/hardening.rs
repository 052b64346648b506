//! Hardening, third round: each case here failed on the binary before it (a crash, a hang,
//! an unreadable file, a lost change), and the inputs are made here, hostile on purpose.

use serde_json::Value;

use crate::server::Reply;
use crate::{Workspace, fixture};

const ID: &str = "NCT07038304";

fn synced(trial_extra: &str, record: &str) -> Workspace {
    let ws = Workspace::new(&format!("[[trial]]\nnct_id = \"{ID}\"\n{trial_extra}"));
    ws.serve(ID, vec![Reply::json(record.to_string())]);
    let run = ws.run(&["sync"]);
    assert_eq!(run.code, 0, "{run:?}");
    ws
}

/// 1. Settings at the edge of the documented range never crash or hang; out-of-range ones are
///    refused when the config is read, naming key and range.
#[test]
fn extreme_but_valid_settings_project_to_a_horizon_and_wrong_ones_are_refused() {
    // No inclusion yet and the weakest prior allowed: the tail is beyond any date.
    let ws = synced("prior_certainty = 0.01\nmetc_decision_date = 2024-10-01\n", &fixture("v1"));
    std::fs::write(ws.path("log.csv"), "participant_id,site,enrolled_on,withdrawn_on\n").unwrap();
    for args in [
        &["report", ID, "--accrual", "log.csv", "--as-of", "2026-11-26", "--format", "json"][..],
        &["report", ID, "--accrual", "log.csv", "--as-of", "2026-11-26"][..],
        &["report", ID, "--kind", "ethics", "--accrual", "log.csv", "--as-of", "2026-11-26"][..],
    ] {
        let run = ws.run(args);
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
    }
    let r: Value = serde_json::from_str(
        &ws.run(&["report", ID, "--accrual", "log.csv", "--as-of", "2026-11-26", "--format", "json"]).stdout,
    )
    .unwrap();
    assert!(r["projection"]["p90"].as_str().unwrap() <= "2100-12-31", "{r}");
    let md = std::fs::read_to_string(ws.path(&format!("reports/{ID}/progress.md"))).unwrap();
    assert!(md.contains("after 2100"), "{md}");
    assert!(!md.contains("+69083"), "{md}");

    // A registry target in the hundreds of millions (a population registry), default prior:
    // a report in bounded time.
    let mut huge: Value = serde_json::from_str(&fixture("v1")).unwrap();
    huge["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = serde_json::json!(100_000_000);
    let ws = synced("", &huge.to_string());
    let started = std::time::Instant::now();
    let run = ws.run(&["report", ID, "--accrual", "log.csv", "--as-of", "2026-11-26"]);
    let _ = run;
    std::fs::write(ws.path("log.csv"), "participant_id,site,enrolled_on,withdrawn_on\n").unwrap();
    let run = ws.run(&["report", ID, "--accrual", "log.csv", "--as-of", "2026-11-26"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "took {:?}", started.elapsed());

    for (line, key, range) in [
        ("prior_certainty = 0.005", "prior_certainty = 0.005", "from 0.01 to 1"),
        ("prior_certainty = 1e-10", "prior_certainty = 0.0000000001", "from 0.01 to 1"),
        ("target = 100000000", "target = 100000000", "from 1 to 1000000"),
    ] {
        let ws = Workspace::new(&format!("[[trial]]\nnct_id = \"{ID}\"\n{line}\n"));
        let run = ws.run(&["report", ID]);
        assert_eq!(run.code, 2, "{run:?}");
        assert!(run.stderr.contains(key) && run.stderr.contains(range), "{line}: {}", run.stderr);
    }
}

/// 2. Control characters and noncharacters in registry text, the investigator's file or the
///    config never make a Word file that cannot be opened.
#[test]
#[cfg_attr(
    ctwatch_no_python_docx,
    ignore = "python-docx is not installed (pip install python-docx; CTWATCH_PYTHON names another python), then touch build.rs"
)]
fn control_characters_never_break_the_word_file() {
    let mut doc: Value = serde_json::from_str(&fixture("v1")).unwrap();
    doc["protocolSection"]["identificationModule"]["officialTitle"] =
        serde_json::json!("A title\u{b} with a vertical tab, \u{1} SOH, \u{fffe} and \u{ffff}");
    let ws = synced(
        "metc_decision_date = 2024-10-01\nprincipal_investigator = \"Dr. \\u000BTab\\u0001\"\n",
        &doc.to_string(),
    );
    std::fs::write(ws.path("log.csv"), "participant_id,site,enrolled_on,withdrawn_on\n").unwrap();
    std::fs::write(ws.path("ethics.toml"), "susars = \"None\\u000B at all\\u0001\"\n").unwrap();
    let run = ws.run(&[
        "report",
        ID,
        "--kind",
        "ethics",
        "--accrual",
        "log.csv",
        "--ethics",
        "ethics.toml",
        "--as-of",
        "2025-11-26",
        "--format",
        "docx",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let docx = std::fs::read_dir(ws.path(&format!("reports/{ID}")))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "docx"))
        .expect("a Word file");
    let read = crate::ethics::read_docx(&docx);
    let all = read.to_string();
    assert!(all.contains("A title  with a vertical tab,   SOH,"), "{all}");
    assert!(all.contains("None  at all"), "{all}");
}
