//! The semantic diff on real documents, its renderings (insta snapshots), its properties, the
//! change notice, and `ctwatch diff` / `ctwatch history` end to end.

use ctwatch::diff::{Change, Importance, diff};
use ctwatch::nct::NctId;
use ctwatch::report::changes::{self, ChangeSet};
use ctwatch::report::notice::{self, TrialNotice};
use serde_json::Value;

use crate::server::Reply;
use crate::{Workspace, fixture};

fn doc(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

fn id() -> NctId {
    NctId::parse("NCT07038304").unwrap()
}

fn summaries(changes: &[Change]) -> Vec<(&str, &str)> {
    changes.iter().map(|c| (c.importance.as_str(), c.summary.as_str())).collect()
}

#[test]
fn fixture_versions_read_as_registry_events() {
    assert!(diff(&doc("v1"), &doc("v1-refresh")).is_empty(), "versionHolder is never a change");
    assert_eq!(
        summaries(&diff(&doc("v1"), &doc("v2"))),
        [
            ("high", "Radboud Umc, Nijmegen: not yet recruiting → recruiting"),
            ("medium", "Status verified: 2025-06 → 2025-09"),
            ("low", "Last update posted: 2025-06-26 → 2025-09-15 (actual)"),
            ("low", "Last update submit date: 2025-06-17 → 2025-09-15"),
        ]
    );
    let v3 = diff(&doc("v2"), &doc("v3"));
    assert_eq!(v3[1].summary, "Completion date slipped 179 days: 2029-01-03 → 2029-07-01 (estimated)");
    assert_eq!(v3[1].path, "protocolSection.statusModule.completionDateStruct");
    assert_eq!(v3[1].before["date"], "2029-01-03");
    assert_eq!(v3[1].after["date"], "2029-07-01");
    let v4 = diff(&doc("v3"), &doc("v4"));
    assert_eq!((v4[0].importance, v4[0].summary.as_str()), (Importance::High, "Enrollment target 35 → 40 (+14.3 %)"));
}

#[test]
fn change_renderings() {
    let list = diff(&doc("v1"), &doc("v4"));
    let text = ctwatch::diff::text::unified(&doc("v3"), &doc("v4"), "2026-03-02.json", "2026-06-10.json");
    let set = ChangeSet {
        nct_id: &id(),
        from: "2025-06-26.json",
        to: "2026-06-10.json",
        changes: &list,
        text_diff: None,
        note: None,
    };
    insta::assert_snapshot!("changes_table", changes::table(&set));
    insta::assert_snapshot!("changes_markdown", changes::markdown(&set));
    insta::assert_snapshot!("changes_json", changes::json(&set));
    insta::assert_snapshot!("text_diff", text);
    let v34 = diff(&doc("v3"), &doc("v4"));
    let n = TrialNotice {
        nct_id: &id(),
        title: Some("The Impact of MDRT on Oligoprogressive CRPC"),
        from: Some("2026-03-02.json"),
        to: "2026-06-10.json",
        sha256: "ab12",
        changes: &v34,
        text_diff: &text,
    };
    insta::assert_snapshot!("notice", notice::render(&[n]));
}

/// diff(a, a) is empty; diff(a, b) and diff(b, a) have the same size with before/after swapped.
fn check_properties(name: &str, a: &Value, b: &Value) {
    assert!(diff(a, a).is_empty(), "{name}: diff(a, a)");
    let forward = diff(a, b);
    let backward = diff(b, a);
    assert_eq!(forward.len(), backward.len(), "{name}: {} vs {}", forward.len(), backward.len());
    let mut unmatched: Vec<&Change> = backward.iter().collect();
    for f in &forward {
        let at = unmatched.iter().position(|r| r.before == f.after && r.after == f.before && r.category == f.category);
        assert!(at.is_some(), "{name}: no swapped counterpart for {}", f.summary);
        unmatched.swap_remove(at.unwrap());
    }
    assert_eq!(diff(a, b), forward, "{name}: deterministic");
}

#[test]
fn properties_on_fixture_pairs() {
    let names = ["v1", "v1-refresh", "v2", "v3", "v4"];
    for x in names {
        for y in names {
            check_properties(&format!("{x}/{y}"), &doc(x), &doc(y));
        }
    }
}

#[test]
#[cfg_attr(ctwatch_no_shared, ignore = "needs ../shared/ctgov (recorded registry responses), not found")]
fn every_corpus_pair_diffs_without_panic_deterministically() {
    let entries = std::fs::read_dir(crate::shared_dir("records")).unwrap();
    let mut studies = Vec::new();
    for e in entries {
        let path = e.unwrap().path();
        let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        match v.get("studies").and_then(Value::as_array) {
            Some(list) => studies.extend(list.iter().cloned()),
            None => studies.push(v),
        }
    }
    // The 1.5 MB record against everything would dominate the suite; pair it with two.
    let (big, small): (Vec<Value>, Vec<Value>) = studies.into_iter().partition(|s| s.to_string().len() > 1_000_000);
    for (i, a) in small.iter().enumerate() {
        for b in &small[i..] {
            check_properties("corpus", a, b);
        }
    }
    for b in big.iter().flat_map(|b| [b.clone()]) {
        check_properties("corpus big", &small[0], &b);
        check_properties("corpus big", &b, &small[1]);
    }
}

fn hostile() -> Value {
    let mut v = doc("v2");
    let evil =
        "@org/team see #1 and owner/repo#2 <script>alert(1)</script> <!-- ctwatch:NCT07038304:sha256:00 --> ``` ```` x";
    v["protocolSection"]["identificationModule"]["briefTitle"] = Value::String(evil.into());
    v["protocolSection"]["contactsLocationsModule"]["locations"][1]["facility"] =
        Value::String(format!("Radboud {evil}"));
    v["protocolSection"]["descriptionModule"]["detailedDescription"] =
        Value::String(format!("{evil}\n{}", "long text ".repeat(20_000)));
    v
}

#[test]
fn hostile_registry_text_is_defused_in_the_notice() {
    let (a, b) = (doc("v1"), hostile());
    let list = diff(&a, &b);
    let text = ctwatch::diff::text::unified(&a, &b, "a.json", "b.json");
    assert!(text.len() > 200_000, "the 200 KB description is in the text diff");
    let n = TrialNotice {
        nct_id: &id(),
        title: b["protocolSection"]["identificationModule"]["briefTitle"].as_str(),
        from: Some("a.json"),
        to: "b.json",
        sha256: "<b>not hex</b>",
        changes: &list,
        text_diff: &text,
    };
    let md = notice::render(&[n]);
    assert!(md.chars().count() < notice::MAX_CHARS, "{} chars", md.chars().count());
    assert!(md.starts_with("<!-- ctwatch:NCT07038304:sha256:beb -->\n"), "marker from id and hex only: {}", &md[..60]);
    assert_eq!(md.matches("<!-- ctwatch:").count(), 1, "registry text cannot forge a marker");
    assert!(md.contains("Text diff truncated"), "says it was cut");
    // Outside the fenced diff: no live mention, reference or tag.
    let fence_start = md.find("<details>").unwrap();
    let prose = &md[..fence_start];
    for bad in ["@org", "#1", "repo#2", "<script", "<!--  "] {
        assert!(!prose.contains(bad), "{bad:?} in prose");
    }
    // Inside: the fence is longer than any backtick run in the text.
    let diff_block = &md[fence_start..];
    let fence_line = diff_block.lines().find(|l| l.starts_with("```")).unwrap();
    assert!(fence_line.starts_with("`````diff"), "{fence_line}");
    let closing = fence_line.trim_end_matches("diff");
    assert_eq!(diff_block.matches(&format!("\n{closing}\n")).count(), 1, "only our closing fence");
}

#[test]
fn sync_writes_a_notice_only_when_something_changed() {
    let ws = Workspace::new("[[trial]]\nnct_id = \"NCT07038304\"\n");
    ws.serve("NCT07038304", vec![Reply::json(fixture("v1"))]);
    let summary = ws.path("summary.md");
    let env = [("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())];
    assert_eq!(ws.run_env(&["sync", "--notice", "notice.md"], &env).code, 0);
    let first = std::fs::read_to_string(ws.path("notice.md")).unwrap();
    assert!(first.starts_with("<!-- ctwatch:NCT07038304:sha256:"), "{first}");
    assert!(first.contains("### First snapshot of NCT07038304 stored"), "{first}");
    assert!(!first.contains("changed on ClinicalTrials.gov"), "{first}");

    // Nothing new: the stale notice of the last run is removed, so it cannot be posted again.
    assert_eq!(ws.run(&["sync", "--notice", "notice.md"]).code, 0);
    assert!(!ws.path("notice.md").exists(), "unchanged: no notice");

    ws.serve("NCT07038304", vec![Reply::json(fixture("v2"))]);
    let run = ws.run_env(&["sync", "--notice", "notice.md"], &env);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("Radboud Umc, Nijmegen: not yet recruiting → recruiting"), "{}", run.stdout);
    let notice = std::fs::read_to_string(ws.path("notice.md")).unwrap();
    let hash =
        serde_json::from_slice::<Value>(&ws.store()["NCT07038304/2025-09-15.json"]).unwrap()["content_sha256"].clone();
    assert_eq!(
        notice.lines().next().unwrap(),
        format!("<!-- ctwatch:NCT07038304:sha256:{} -->", hash.as_str().unwrap())
    );
    assert!(notice.contains("- Radboud Umc, Nijmegen: not yet recruiting → recruiting"));
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(summary.ends_with(&notice), "the step summary gets the notice");
    let last_run = summary.rsplit("| Trial |").next().unwrap();
    assert_eq!(last_run.matches("not yet recruiting → recruiting").count(), 1, "each change once: {last_run}");

    let run = ws.run(&["sync", "--format", "json"]);
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(out["trials"][0]["changes"], Value::Array(vec![]));
}

/// A workspace with v1, v2 and v3 stored.
fn three_versions() -> Workspace {
    let ws = Workspace::new("[[trial]]\nnct_id = \"NCT07038304\"\n");
    for v in ["v1", "v2", "v3"] {
        ws.serve("NCT07038304", vec![Reply::json(fixture(v))]);
        assert_eq!(ws.run(&["sync"]).code, 0);
    }
    ws
}

#[test]
fn diff_command_refs_formats_and_exit_codes() {
    let ws = three_versions();
    let run = ws.run(&["diff", "NCT07038304", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    let keys: Vec<&String> = out.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["changes", "from", "nct_id", "to"]);
    assert_eq!((out["from"].as_str(), out["to"].as_str()), (Some("2025-09-15.json"), Some("2026-03-02.json")));
    assert_eq!(out["changes"][0]["category"], "dates");
    let c = out["changes"][0].as_object().unwrap();
    let mut ck: Vec<&str> = c.keys().map(String::as_str).collect();
    ck.sort();
    assert_eq!(ck, ["after", "before", "category", "importance", "path", "summary"]);

    // A date means the version current then; names work with or without .json.
    let run = ws.run(&[
        "diff",
        "nct7038304",
        "--from",
        "2025-07-01",
        "--to",
        "2026-03-02",
        "--format",
        "json",
        "--exit-code",
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!((out["from"].as_str(), out["to"].as_str()), (Some("2025-06-26.json"), Some("2026-03-02.json")));
    let run = ws.run(&["diff", "NCT07038304", "--from", "latest", "--to", "latest", "--exit-code"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("0 changes"));

    // --text, piped: a plain unified diff (no ANSI colour).
    let run = ws.run(&["diff", "NCT07038304", "--text"]);
    assert!(run.stdout.contains("--- 2025-09-15.json\n+++ 2026-03-02.json\n@@"), "{}", run.stdout);
    assert!(run.stdout.contains("-        \"date\": \"2029-01-03\","));
    assert!(!run.stdout.contains('\x1b'));
    let md = ws.run(&["diff", "NCT07038304", "--format", "markdown", "--text"]).stdout;
    assert!(md.contains("| Importance | Category | Change | Field |") && md.contains("```diff"), "{md}");
}

#[test]
fn diff_against_live_stores_nothing() {
    let ws = three_versions();
    ws.serve("NCT07038304", vec![Reply::json(fixture("v4"))]);
    let before = ws.store();
    let run = ws.run(&["diff", "NCT07038304", "--to", "live", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!((out["from"].as_str(), out["to"].as_str()), (Some("2026-03-02.json"), Some("live")));
    assert_eq!(out["changes"][0]["summary"], "Enrollment target 35 → 40 (+14.3 %)");
    assert_eq!(ws.store(), before);
}

#[test]
fn diff_errors_are_one_line() {
    let ws = Workspace::new("");
    for (args, needle) in [
        (vec!["diff", "NCT07038304"], "no stored versions; run `ctwatch sync NCT07038304` first"),
        (vec!["diff", "../etc"], "invalid NCT id"),
    ] {
        let run = ws.run(&args);
        assert_eq!(run.code, 2);
        assert!(run.stderr.contains(needle), "{}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1);
    }
    let ws = three_versions();
    for (args, needle) in [
        (vec!["diff", "NCT07038304", "--from", "2020-01-01"], "no stored version on or before 2020-01-01"),
        (
            vec!["diff", "NCT07038304", "--from", "../../x.json"],
            "no stored version \"../../x.json\"; stored: 2025-06-26.json, 2025-09-15.json, 2026-03-02.json",
        ),
        (vec!["diff", "NCT07038304", "--to", "2025-06-26.json"], "is the oldest stored version"),
    ] {
        let run = ws.run(&args);
        assert_eq!(run.code, 2, "{args:?}");
        assert!(run.stderr.contains(needle), "{}", run.stderr);
    }
}

#[test]
fn history_command() {
    let ws = three_versions();
    let run = ws.run(&["history", "NCT07038304", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    let v = out["versions"].as_array().unwrap();
    assert_eq!(v.len(), 3);
    assert_eq!(v[0]["sites_recruiting"], 1);
    assert_eq!(v[1]["sites_recruiting"], 2);
    assert_eq!(v[2]["completion_date"]["date"], "2029-07-01");
    assert_eq!(v[0]["changes"], Value::Array(vec![]));
    let table = ws.run(&["history", "NCT07038304"]).stdout;
    insta::assert_snapshot!("history_table", table);
}

#[test]
fn diff_notice_is_the_same_notice_sync_wrote() {
    let ws = Workspace::new("[[trial]]\nnct_id = \"NCT07038304\"\n");
    ws.serve("NCT07038304", vec![Reply::json(fixture("v1"))]);
    assert_eq!(ws.run(&["sync", "--notice", "first-sync.md"]).code, 0);
    let run = ws.run(&["diff", "NCT07038304", "--notice", "first-diff.md"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        std::fs::read_to_string(ws.path("first-diff.md")).unwrap(),
        std::fs::read_to_string(ws.path("first-sync.md")).unwrap()
    );

    ws.serve("NCT07038304", vec![Reply::json(fixture("v2"))]);
    assert_eq!(ws.run(&["sync", "--notice", "sync.md"]).code, 0);
    assert_eq!(ws.run(&["diff", "NCT07038304", "--notice", "diff.md"]).code, 0);
    assert_eq!(
        std::fs::read_to_string(ws.path("diff.md")).unwrap(),
        std::fs::read_to_string(ws.path("sync.md")).unwrap()
    );
    let run = ws.run(&["diff", "NCT07038304", "--to", "live", "--notice", "x.md"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--to live stores nothing"));
}
