//! `ctwatch sync` end to end: the real binary against the loopback registry.

use std::time::{Duration, Instant};

use crate::server::Reply;
use crate::{Workspace, fixture, fixture_as};

const TRIAL: &str = "[[trial]]\nnct_id = \"NCT07038304\"\n";
const STUDY: &str = "/api/v2/studies/NCT07038304";

/// A workspace that already holds v1 of NCT07038304.
fn synced() -> Workspace {
    let ws = Workspace::new(TRIAL);
    ws.serve("NCT07038304", vec![Reply::json(fixture("v1"))]);
    let run = ws.run(&["sync"]);
    assert_eq!(run.code, 0, "{run:?}");
    ws
}

#[test]
fn first_sync_stores_a_snapshot_and_a_rerun_writes_nothing() {
    let ws = Workspace::new(TRIAL);
    ws.serve("NCT07038304", vec![Reply::json(fixture("v1"))]);
    let run = ws.run(&["sync"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stderr, "");
    assert_eq!(ws.versions("NCT07038304"), ["2025-06-26.json"]);
    for needle in [
        "NCT07038304",
        "The Impact of Metastatic Directe…",
        "recruiting",
        "2025-06-26",
        "new",
        "2025-06-26.json",
        "1 trial: 0 changed, 1 new, 0 unchanged, 0 errors",
    ] {
        assert!(run.stdout.contains(needle), "{needle} missing from\n{}", run.stdout);
    }
    // The envelope of DESIGN, with provenance.
    let text = std::fs::read_to_string(ws.path("snapshots/NCT07038304/2025-06-26.json")).unwrap();
    let snap: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(snap["nct_id"], "NCT07038304");
    assert_eq!(snap["origin"], "api");
    assert_eq!(snap["api_version"], "2.0.5");
    assert_eq!(snap["data_timestamp"], "2026-11-25T09:00:05");
    assert_eq!(snap["source"], format!("{}{STUDY}", ws.server.origin));
    assert_eq!(snap["content_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(snap["study"]["protocolSection"]["designModule"]["enrollmentInfo"]["count"], 35);
    assert!(text.ends_with("}\n") && !text.contains('\r') && text.contains("\n  \"api_version\""));

    let before = ws.store();
    let again = ws.run(&["sync"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(again.stdout.contains("unchanged"), "{}", again.stdout);
    assert_eq!(ws.store(), before, "an unchanged record writes nothing");
}

#[test]
fn version_holder_only_change_reads_as_unchanged() {
    let ws = synced();
    let before = ws.store();
    ws.serve("NCT07038304", vec![Reply::json(fixture("v1-refresh"))]);
    let run = ws.run(&["sync", "--exit-code"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("unchanged"));
    assert_eq!(ws.store(), before);
}

#[test]
fn each_new_version_is_a_new_file_and_exit_code_reports_it() {
    let ws = synced();
    for (name, file) in [("v2", "2025-09-15.json"), ("v3", "2026-03-02.json"), ("v4", "2026-06-10.json")] {
        ws.serve("NCT07038304", vec![Reply::json(fixture(name))]);
        let run = ws.run(&["sync", "--exit-code", "--format", "json"]);
        assert_eq!(run.code, 1, "{run:?}");
        let out: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let t = &out["trials"][0];
        assert_eq!(t["result"], "changed");
        assert_eq!(t["snapshot"], format!("snapshots/NCT07038304/{file}"));
        assert_eq!(t["error"], serde_json::Value::Null);
    }
    assert_eq!(
        ws.versions("NCT07038304"),
        ["2025-06-26.json", "2025-09-15.json", "2026-03-02.json", "2026-06-10.json"]
    );
    // Without --exit-code a change is still success.
    let ws = synced();
    ws.serve("NCT07038304", vec![Reply::json(fixture("v2"))]);
    assert_eq!(ws.run(&["sync"]).code, 0);
}

#[test]
fn same_date_new_content_gets_a_suffix_that_sorts_after() {
    let ws = synced();
    let edited = fixture("v1").replace("\"count\": 35", "\"count\": 36");
    ws.serve("NCT07038304", vec![Reply::json(edited)]);
    assert_eq!(ws.run(&["sync"]).code, 0);
    assert_eq!(ws.versions("NCT07038304"), ["2025-06-26.json", "2025-06-26_002.json"]);
}

#[test]
fn json_output_has_the_contract_keys() {
    let ws = Workspace::new(TRIAL);
    ws.serve("NCT07038304", vec![Reply::json(fixture("v1"))]);
    let run = ws.run(&["sync", "--format", "json"]);
    let out: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let t = out["trials"][0].as_object().unwrap();
    let mut keys: Vec<&str> = t.keys().map(String::as_str).collect();
    keys.sort();
    // DESIGN's keys, plus `changes` (the change list; empty unless `result` is `changed`).
    assert_eq!(keys, ["changes", "error", "last_update", "nct_id", "overall_status", "result", "snapshot"]);
    assert_eq!(t["result"], "new");
    assert_eq!(t["last_update"], "2025-06-26");
    assert_eq!(t["overall_status"], "RECRUITING");
}

#[test]
fn markdown_output_and_github_files() {
    let ws = Workspace::new(TRIAL);
    ws.serve("NCT07038304", vec![Reply::json(fixture("v1"))]);
    let out = ws.path("gh-output");
    let summary = ws.path("gh-summary");
    let run = ws.run_env(
        &["sync", "--format", "markdown"],
        &[("GITHUB_OUTPUT", out.to_str().unwrap()), ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.starts_with("| Trial | Title | Status |"), "{}", run.stdout);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "changed=true\n");
    assert!(std::fs::read_to_string(&summary).unwrap().contains("| NCT07038304 |"));
    let _ = ws.run_env(&["sync"], &[("GITHUB_OUTPUT", out.to_str().unwrap())]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "changed=true\nchanged=false\n");
}

#[test]
fn ids_are_normalised_and_bad_ids_never_reach_network_or_disk() {
    let ws = Workspace::new("");
    ws.serve("NCT07038304", vec![Reply::json(fixture("v1"))]);
    let run = ws.run(&["sync", "nct7038304"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(ws.server.hits(STUDY), 1);
    assert_eq!(ws.versions("NCT07038304"), ["2025-06-26.json"]);

    let ws = Workspace::new("");
    for bad in ["../x", "NCT123456789", "", "NCT0703830x"] {
        let run = ws.run(&["sync", bad]);
        assert_eq!(run.code, 2, "{bad:?}: {run:?}");
        assert!(run.stderr.starts_with("ctwatch: error: invalid NCT id"), "{}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1);
    }
    assert!(ws.server.requests().is_empty(), "no request for an invalid id");
    assert!(!ws.path("snapshots").exists(), "nothing created on disk");
}

#[test]
fn no_trials_is_a_clear_error() {
    let ws = Workspace::new("");
    let run = ws.run(&["sync"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no trials: name one"), "{}", run.stderr);
}

#[test]
fn config_errors_name_file_and_line() {
    let ws = Workspace::new("[[trial]]\nnct_id = \"NCT07038304\"\ntarget = \"many\"\n");
    let run = ws.run(&["sync"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("ctwatch: error: ctwatch.toml:"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[test]
fn user_agent_is_honest_and_configurable() {
    let ws = Workspace::new(TRIAL);
    ws.serve("NCT07038304", vec![Reply::json(fixture("v1"))]);
    ws.run(&["sync"]);
    let ua = ws.server.requests()[0].headers["user-agent"].clone();
    assert_eq!(ua, format!("ctwatch/{}", env!("CARGO_PKG_VERSION")));
    ws.write_config(&format!("{}user_agent = \"ctwatch (sponsor office; ops@example.org)\"\n{TRIAL}", crate::FAST));
    ws.run(&["sync"]);
    assert_eq!(ws.server.requests().last().unwrap().headers["user-agent"], "ctwatch (sponsor office; ops@example.org)");
}

#[test]
fn alias_redirect_is_stored_under_the_canonical_id_with_a_note() {
    let ws = Workspace::new("");
    ws.serve("NCT00000042", vec![Reply::text(301, "").header("Location", "/api/v2/studies/NCT07038304")]);
    let aliased = fixture("v1").replace(
        "\"nctId\": \"NCT07038304\",",
        "\"nctId\": \"NCT07038304\",\n      \"nctIdAliases\": [\"NCT00000042\"],",
    );
    ws.serve("NCT07038304", vec![Reply::json(aliased)]);
    let run = ws.run(&["sync", "NCT42"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("NCT00000042 is an alias of NCT07038304"), "{}", run.stdout);
    assert_eq!(ws.versions("NCT07038304"), ["2025-06-26.json"]);
    assert!(!ws.path("snapshots/NCT00000042").exists());
    let snap: serde_json::Value = serde_json::from_slice(&ws.store()["NCT07038304/2025-06-26.json"]).unwrap();
    assert_eq!(snap["requested_as"], "NCT00000042");

    // A redirect somewhere else is refused.
    ws.serve("NCT00000043", vec![Reply::text(301, "").header("Location", "http://example.org/evil")]);
    let run = ws.run(&["sync", "NCT43"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not another study of this registry"), "{}", run.stderr);
}

/// Each fault ends in exit status 2 with a one-line error naming the trial and the URL, and
/// the store exactly as it was.
#[test]
fn fault_matrix_leaves_the_store_untouched() {
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(4096));
    let cases: Vec<(&str, Vec<Reply>, &str, &str)> = vec![
        ("persistent 503", vec![Reply::text(503, "busy")], "", "HTTP 503 (after 3 attempts)"),
        ("404", vec![Reply::text(404, "NCT07038304 not found")], "", "not found (HTTP 404)"),
        (
            "400",
            vec![Reply::text(400, "Invalid NCT ID\nformat")],
            "",
            "rejected by the registry (HTTP 400): Invalid NCT ID format",
        ),
        (
            "HTML with 200",
            vec![Reply::new(200, "text/html", "<html>maintenance</html>")],
            "",
            "HTML page instead of JSON",
        ),
        ("HTML labelled JSON", vec![Reply::json("<!DOCTYPE html><html></html>")], "", "HTML page instead of JSON"),
        ("truncated body", vec![Reply::json(fixture("v2")).truncated(500)], "", "after 3 attempts"),
        ("invalid JSON", vec![Reply::json(fixture("v2")[..800].to_string())], "", "invalid JSON"),
        (
            "wrong nctId",
            vec![Reply::json(fixture_as("v2", "NCT09999999"))],
            "",
            "asked for NCT07038304 but the registry answered with NCT09999999",
        ),
        ("not a study", vec![Reply::json("{\"studies\": []}")], "", "no protocolSection"),
        (
            "slower than the timeout",
            vec![Reply::json(fixture("v2")).delay(Duration::from_secs(4))],
            "timeout_secs = 1\nretries = 0\n",
            "timed out",
        ),
        ("body over the cap", vec![Reply::json(big)], "max_body_mb = 0.001\n", "larger than the 1048 byte cap"),
        (
            "Retry-After beyond the budget",
            vec![Reply::text(429, "slow down").header("Retry-After", "3600")],
            "",
            "Retry-After 3600 s, beyond the remaining retry budget",
        ),
    ];
    for (name, replies, extra, needle) in cases {
        let ws = synced();
        ws.write_config(&format!("{}\n{TRIAL}", crate::fast_with(extra)));
        let before = ws.store();
        ws.serve("NCT07038304", replies);
        let run = ws.run(&["sync"]);
        assert_eq!(run.code, 2, "{name}: {run:?}");
        let line = run.stderr.trim_end();
        assert_eq!(line.lines().count(), 1, "{name}: one line: {line}");
        assert!(line.starts_with("ctwatch: error: NCT07038304: "), "{name}: {line}");
        assert!(line.contains(&format!("{}{STUDY}", ws.server.origin)), "{name}: names the URL: {line}");
        assert!(line.contains(needle), "{name}: expected {needle:?} in {line}");
        assert!(run.stdout.contains("error"), "{name}: the table says error");
        assert_eq!(ws.store(), before, "{name}: store untouched");
    }
}

#[test]
fn transient_failures_are_retried_then_succeed() {
    for (name, first) in [
        ("500", Reply::text(500, "oops")),
        ("502", Reply::text(502, "bad gateway")),
        ("truncated", Reply::json(fixture("v2")).truncated(100)),
    ] {
        let ws = synced();
        ws.serve("NCT07038304", vec![first, Reply::json(fixture("v2"))]);
        let run = ws.run(&["sync"]);
        assert_eq!(run.code, 0, "{name}: {run:?}");
        assert_eq!(ws.server.hits(STUDY), 3, "{name}: 1 initial sync + 2 attempts");
        assert_eq!(ws.versions("NCT07038304").len(), 2);
    }
}

#[test]
fn retry_after_is_honoured() {
    let ws = synced();
    ws.serve("NCT07038304", vec![Reply::text(429, "").header("Retry-After", "1"), Reply::json(fixture("v2"))]);
    let started = Instant::now();
    let run = ws.run(&["sync"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(started.elapsed() >= Duration::from_secs(1), "waited as asked");
    assert_eq!(ws.versions("NCT07038304").len(), 2);
}

#[test]
fn registry_unreachable_is_one_line_naming_the_url() {
    let ws = Workspace::new(TRIAL);
    let run = ws.run(&["--api-base", "http://127.0.0.1:9/api/v2", "sync"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with("ctwatch: error: cannot reach the registry: http://127.0.0.1:9/api/v2/version"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1);
    assert!(!ws.path("snapshots").exists());
}

#[test]
fn stale_registry_answer_is_not_stored() {
    let ws = Workspace::new(TRIAL);
    ws.serve("NCT07038304", vec![Reply::json(fixture("v2"))]);
    assert_eq!(ws.run(&["sync"]).code, 0);
    let before = ws.store();
    ws.serve("NCT07038304", vec![Reply::json(fixture("v1"))]);
    let run = ws.run(&["sync"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("older than the stored 2025-09-15.json"), "{}", run.stderr);
    assert_eq!(ws.store(), before);
}

#[test]
fn corrupt_newest_snapshot_is_reported_not_overwritten() {
    let ws = synced();
    let path = ws.path("snapshots/NCT07038304/2025-06-26.json");
    let tampered = std::fs::read_to_string(&path).unwrap().replace("\"count\": 35", "\"count\": 34");
    std::fs::write(&path, &tampered).unwrap();
    let before = ws.store();
    ws.serve("NCT07038304", vec![Reply::json(fixture("v2"))]);
    let run = ws.run(&["sync"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("2025-06-26.json: corrupt snapshot"), "{}", run.stderr);
    assert_eq!(ws.store(), before);
}

#[test]
fn leftover_temp_file_from_a_crash_is_ignored() {
    let ws = synced();
    std::fs::write(ws.path("snapshots/NCT07038304/.2025-09-15.json.4242.tmp"), "{\"half").unwrap();
    ws.serve("NCT07038304", vec![Reply::json(fixture("v2"))]);
    let run = ws.run(&["sync"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(ws.versions("NCT07038304"), ["2025-06-26.json", "2025-09-15.json"]);
    assert!(run.stdout.contains("changed"));
}

#[test]
fn concurrent_syncs_write_one_version_once() {
    let ws = synced();
    // Slow answers make both processes hold a fetched record at the same time.
    ws.serve("NCT07038304", vec![Reply::json(fixture("v2")).delay(Duration::from_millis(300))]);
    let a = ws.command(&["sync", "--format", "json"], &[]).stdout(std::process::Stdio::piped()).spawn().unwrap();
    let b = ws.command(&["sync", "--format", "json"], &[]).stdout(std::process::Stdio::piped()).spawn().unwrap();
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success() && b.status.success());
    let results: Vec<String> = [a, b]
        .iter()
        .map(|o| {
            serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["trials"][0]["result"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let mut sorted = results.clone();
    sorted.sort();
    assert_eq!(sorted, ["changed", "unchanged"], "one writes, the other sees it");
    assert_eq!(ws.versions("NCT07038304"), ["2025-06-26.json", "2025-09-15.json"]);
}

#[test]
fn many_trials_use_one_bulk_request_and_a_missing_one_is_an_error() {
    let ids = ["NCT07038304", "NCT00000101", "NCT00000102", "NCT00000103"];
    let trials: String = ids.iter().map(|id| format!("[[trial]]\nnct_id = \"{id}\"\n")).collect();
    let ws = Workspace::new(&trials);
    ws.server.handle("/api/v2/studies", |req| {
        let asked = req.param("filter.ids").unwrap_or("").to_string();
        // NCT00000103 is unknown to this registry.
        let studies: Vec<String> =
            asked.split(',').filter(|id| *id != "NCT00000103").map(|id| fixture_as("v1", id)).collect();
        Reply::json(format!("{{\"studies\": [{}]}}", studies.join(",")))
    });
    let run = ws.run(&["sync", "--format", "json"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(ws.server.hits("/api/v2/studies"), 1, "one request for four trials");
    assert_eq!(ws.server.hits("/api/v2/version"), 1);
    let out: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let results: Vec<&str> = out["trials"].as_array().unwrap().iter().map(|t| t["result"].as_str().unwrap()).collect();
    assert_eq!(results, ["new", "new", "new", "error"]);
    assert!(out["trials"][3]["error"].as_str().unwrap().contains("NCT00000103 is missing from the registry's answer"));
    assert_eq!(run.stderr.lines().count(), 1);
    assert!(run.stderr.starts_with("ctwatch: error: NCT00000103: "), "{}", run.stderr);
    for id in &ids[..3] {
        assert_eq!(ws.versions(id), ["2025-06-26.json"], "{id} stored despite the failure");
    }
    let req = &ws.server.requests().into_iter().find(|r| r.path == "/api/v2/studies").unwrap();
    assert_eq!(req.param("pageSize"), Some("1000"));
}

#[test]
fn bulk_pages_are_followed_and_a_token_on_a_full_last_page_is_not() {
    let ws = Workspace::new("[[trial]]\nnct_id = \"NCT00000201\"\n[[trial]]\nnct_id = \"NCT00000202\"\n");
    ws.server.handle("/api/v2/studies", |req| match req.param("pageToken") {
        None => {
            Reply::json(format!("{{\"studies\": [{}], \"nextPageToken\": \"p2\"}}", fixture_as("v1", "NCT00000201")))
        }
        // The last page is full yet still carries a token (seen in the wild).
        Some("p2") => {
            Reply::json(format!("{{\"studies\": [{}], \"nextPageToken\": \"p3\"}}", fixture_as("v1", "NCT00000202")))
        }
        Some(_) => Reply::text(500, "must not be asked"),
    });
    let run = ws.run(&["sync"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(ws.server.hits("/api/v2/studies"), 2);
    assert_eq!(ws.versions("NCT00000202"), ["2025-06-26.json"]);
}
