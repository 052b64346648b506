//! `ctwatch backfill` against a loopback history API serving HTML-markup versions built from
//! the NCT07038304 fixtures (in the shape of ../shared/ctgov/history-NCT03690141-excerpt.json).

use serde_json::{Value, json};

use crate::server::Reply;
use crate::{Workspace, fixture};

const TRIAL: &str = "[[trial]]\nnct_id = \"NCT07038304\"\n";
const LIST: &str = "/api/int/studies/NCT07038304/history";

/// The fixture as the history API serves it: free text as HTML instead of Markdown.
fn htmlize(name: &str) -> Value {
    let mut doc: Value = serde_json::from_str(&fixture(name)).unwrap();
    let html = |md: &str| -> String {
        let esc = md.replace("\\<", "&lt;").replace("\\>", "&gt;");
        let mut out = String::new();
        let mut in_list = false;
        for line in esc.lines().filter(|l| !l.trim().is_empty()) {
            if let Some(item) = line.strip_prefix("* ") {
                if !in_list {
                    out.push_str("<ul>");
                    in_list = true;
                }
                out.push_str(&format!("<li>{item}</li>"));
            } else {
                if in_list {
                    out.push_str("</ul>");
                    in_list = false;
                }
                out.push_str(&format!("<p>{line}</p>"));
            }
        }
        if in_list {
            out.push_str("</ul>");
        }
        out
    };
    for p in [
        "/protocolSection/eligibilityModule/eligibilityCriteria",
        "/protocolSection/descriptionModule/briefSummary",
        "/protocolSection/descriptionModule/detailedDescription",
    ] {
        let md = doc.pointer(p).unwrap().as_str().unwrap().to_string();
        *doc.pointer_mut(p).unwrap() = Value::String(html(&md));
    }
    doc
}

fn list(entries: &[(u64, &str, &str)]) -> String {
    let changes: Vec<Value> = entries
        .iter()
        .map(|(v, d, s)| json!({"version": v, "date": d, "status": s, "moduleLabels": ["Study Status"]}))
        .collect();
    json!({"changes": changes}).to_string()
}

fn version(n: u64, name: &str) -> Reply {
    Reply::json(json!({"studyVersion": n, "study": htmlize(name)}).to_string())
}

/// A history API with versions 0..2 = v1, v2, v3.
pub(crate) fn serve_history(ws: &Workspace) {
    ws.server.route(
        LIST,
        vec![Reply::json(list(&[
            (0, "2025-06-17", "RECRUITING"),
            (1, "2025-09-12", "RECRUITING"),
            (2, "2026-02-27", "RECRUITING"),
        ]))],
    );
    for (n, name) in [(0, "v1"), (1, "v2"), (2, "v3")] {
        ws.server.route(&format!("{LIST}/{n}"), vec![version(n, name)]);
    }
}

pub(crate) fn backfill(ws: &Workspace, extra: &[&str]) -> crate::Run {
    let base = format!("{}/api/int", ws.server.origin);
    let mut args = vec!["--history-base", base.as_str(), "backfill", "NCT07038304"];
    args.extend_from_slice(extra);
    ws.run(&args)
}

#[test]
fn full_import_then_an_idempotent_rerun() {
    let ws = Workspace::new(TRIAL);
    serve_history(&ws);
    let run = backfill(&ws, &["--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    let results: Vec<&str> =
        out["versions"].as_array().unwrap().iter().map(|v| v["result"].as_str().unwrap()).collect();
    assert_eq!(results, ["stored", "stored", "stored"]);
    assert_eq!(ws.versions("NCT07038304"), ["2025-06-26.json", "2025-09-15.json", "2026-03-02.json"]);
    // A quick backfill (well under two seconds) prints no progress at all (progress.rs tests
    // the lines of a long one).
    assert_eq!(run.stderr, "", "{}", run.stderr);
    let snap: Value = serde_json::from_slice(&ws.store()["NCT07038304/2025-09-15.json"]).unwrap();
    assert_eq!((snap["origin"].as_str(), snap["history_version"].as_u64()), (Some("history"), Some(1)));
    assert!(
        snap["study"]["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
            .as_str()
            .unwrap()
            .starts_with("<p>"),
        "stored as served"
    );

    let before = ws.store();
    let hits = ws.server.requests().len();
    let again = backfill(&ws, &[]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(ws.server.requests().len(), hits + 1, "only the list is fetched again");
    assert!(again.stdout.contains("already stored") && again.stdout.contains("0 newly stored"), "{}", again.stdout);
    assert_eq!(ws.store(), before);

    // The timeline shows them, and diffs between history versions read as registry events.
    let h = ws.run(&["history", "NCT07038304", "--format", "json"]);
    let v: Value = serde_json::from_str(&h.stdout).unwrap();
    assert_eq!(v["versions"][1]["origin"], "history");
    assert_eq!(v["versions"][1]["changes"][0]["summary"], "Radboud Umc, Nijmegen: not yet recruiting → recruiting");
}

#[test]
fn a_version_that_fails_once_is_retried() {
    let ws = Workspace::new(TRIAL);
    serve_history(&ws);
    ws.server.route(&format!("{LIST}/1"), vec![Reply::text(503, "busy"), version(1, "v2")]);
    let run = backfill(&ws, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(ws.server.hits(&format!("{LIST}/1")), 2);
    assert_eq!(ws.versions("NCT07038304").len(), 3);
}

#[test]
fn malformed_answers_store_nothing() {
    type Breakage = Box<dyn Fn(&Workspace)>;
    let cases: Vec<(&str, Breakage, &str)> = vec![
        (
            "gap",
            Box::new(|ws: &Workspace| {
                ws.server.route(
                    LIST,
                    vec![Reply::json(list(&[(0, "2025-06-17", "RECRUITING"), (2, "2026-02-27", "RECRUITING")]))],
                )
            }),
            "expected version 1, found 2",
        ),
        (
            "missing key",
            Box::new(|ws: &Workspace| {
                ws.server.route(LIST, vec![Reply::json(r#"{"changes": [{"version": 0, "status": "RECRUITING"}]}"#)])
            }),
            "version 0 has no \"date\"",
        ),
        (
            "wrong id",
            Box::new(|ws: &Workspace| {
                let mut doc = htmlize("v3");
                doc["protocolSection"]["identificationModule"]["nctId"] = json!("NCT09999999");
                ws.server.route(
                    &format!("{LIST}/2"),
                    vec![Reply::json(json!({"studyVersion": 2, "study": doc}).to_string())],
                );
            }),
            "asked for NCT07038304 but the registry answered with NCT09999999",
        ),
        (
            "wrong version",
            Box::new(|ws: &Workspace| ws.server.route(&format!("{LIST}/2"), vec![version(1, "v3")])),
            "asked for version 2 but got studyVersion 1",
        ),
        (
            "not v2 shape",
            Box::new(|ws: &Workspace| {
                ws.server.route(&format!("{LIST}/2"), vec![Reply::json(r#"{"studyVersion": 2, "study": {"x": 1}}"#)])
            }),
            "no study in API v2 shape",
        ),
    ];
    for (name, break_it, needle) in cases {
        let ws = Workspace::new(TRIAL);
        ws.serve("NCT07038304", vec![Reply::json(fixture("v1"))]);
        assert_eq!(ws.run(&["sync"]).code, 0);
        serve_history(&ws);
        break_it(&ws);
        let before = ws.store();
        let run = backfill(&ws, &[]);
        assert_eq!(run.code, 2, "{name}: {run:?}");
        let err = run.stderr.lines().last().unwrap();
        assert!(err.starts_with("ctwatch: error: NCT07038304: "), "{name}: {err}");
        assert!(err.contains("/api/int/studies/NCT07038304/history"), "{name}: names the endpoint: {err}");
        assert!(err.contains(needle), "{name}: {err}");
        assert_eq!(ws.store(), before, "{name}: store untouched");
    }
}

#[test]
fn falls_back_to_history_true() {
    let ws = Workspace::new(TRIAL);
    serve_history(&ws);
    ws.server.route(LIST, vec![Reply::text(404, "Not Found")]);
    let body = json!({"study": htmlize("v3"), "history": serde_json::from_str::<Value>(&list(&[(0, "2025-06-17", "RECRUITING"), (1, "2025-09-12", "RECRUITING"), (2, "2026-02-27", "RECRUITING")])).unwrap()});
    ws.server.route("/api/int/studies/NCT07038304", vec![Reply::json(body.to_string())]);
    let run = backfill(&ws, &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(ws.server.requests().iter().any(|r| r.target == "/api/int/studies/NCT07038304?history=true"));
    assert_eq!(ws.versions("NCT07038304").len(), 3);
}

#[test]
fn a_version_already_synced_is_recognised_and_syncs_stay_quiet() {
    let ws = Workspace::new(TRIAL);
    ws.serve("NCT07038304", vec![Reply::json(fixture("v1"))]);
    assert_eq!(ws.run(&["sync"]).code, 0);
    serve_history(&ws);
    let run = backfill(&ws, &["--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(out["versions"][0]["result"], "same as stored");
    assert_eq!(out["versions"][0]["snapshot"], "2025-06-26.json");
    assert_eq!(
        ws.versions("NCT07038304"),
        ["2025-06-26.json", "2025-09-15.json", "2026-03-02.json"],
        "no duplicate of v1"
    );

    // Across origins the diff is markup-free: only the real events, with a note.
    let d = ws.run(&["diff", "NCT07038304", "--from", "2025-06-26", "--to", "2025-09-15", "--format", "json"]);
    let dj: Value = serde_json::from_str(&d.stdout).unwrap();
    assert!(dj["note"].as_str().unwrap().contains("compared without its markup"));
    assert!(!dj["changes"].to_string().contains("eligibilityCriteria"), "no markup noise: {}", dj["changes"]);
    assert_eq!(dj["changes"][0]["summary"], "Radboud Umc, Nijmegen: not yet recruiting → recruiting");

    // The registry still serves v3 (as Markdown): the backfilled HTML v3 is the same version.
    ws.serve("NCT07038304", vec![Reply::json(fixture("v3"))]);
    let before = ws.store();
    let s = ws.run(&["sync", "--exit-code"]);
    assert_eq!(s.code, 0, "{s:?}");
    assert!(s.stdout.contains("unchanged"));
    assert_eq!(ws.store(), before);
    // A real change after that is reported without markup noise.
    ws.serve("NCT07038304", vec![Reply::json(fixture("v4"))]);
    let s = ws.run(&["sync", "--format", "json"]);
    let sj: Value = serde_json::from_str(&s.stdout).unwrap();
    assert_eq!(sj["trials"][0]["changes"][0]["summary"], "Enrollment target 35 → 40 (+14.3 %)");
    assert!(!sj["trials"][0]["changes"].to_string().contains("eligibilityCriteria"));
}

#[test]
fn every_trial_in_the_config_is_backfilled_and_one_failure_hides_nothing() {
    let ws = Workspace::new(&format!("{TRIAL}[[trial]]\nnct_id = \"NCT00000042\"\n"));
    serve_history(&ws);
    ws.server.route("/api/int/studies/NCT00000042/history", vec![Reply::text(404, "no such study")]);
    ws.server.route("/api/int/studies/NCT00000042", vec![Reply::text(404, "no such study")]);
    let base = format!("{}/api/int", ws.server.origin);
    let run = ws.run(&["--history-base", base.as_str(), "backfill", "--format", "json"]);
    assert_eq!(run.code, 2, "{run:?}");
    let list: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(list.len(), 1, "the trial that worked: {list:?}");
    assert_eq!(list[0]["nct_id"], "NCT07038304");
    assert_eq!(ws.versions("NCT07038304").len(), 3);
    assert!(run.stderr.contains("NCT00000042"), "{}", run.stderr);
}
