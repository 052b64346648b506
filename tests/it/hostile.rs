//! Hostile records, tampered stores and bad luck: each case of the hardening review, against the
//! loopback registry or a temp store. Hostile records are generated here, never committed.

use std::os::unix::fs::symlink;
use std::time::{Duration, Instant};

use ctwatch::diff::diff;
use ctwatch::nct::NctId;
use ctwatch::report::notice::{self, TrialNotice};
use serde_json::{Value, json};

use crate::server::Reply;
use crate::{Workspace, fixture};

const TRIAL: &str = "[[trial]]\nnct_id = \"NCT07038304\"\n";

fn doc(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// v1 with `n` extra sites, named `prefix` + number.
fn with_sites(n: usize, prefix: &str) -> Value {
    let mut v = doc("v1");
    let sites: Vec<Value> = (0..n)
        .map(|i| json!({"facility": format!("{prefix} {i:05} Hospital"), "city": format!("Town{i:05}"), "country": "Netherlands", "status": "RECRUITING"}))
        .collect();
    v["protocolSection"]["contactsLocationsModule"]["locations"] = Value::Array(sites);
    v
}

fn synced(version: &str) -> Workspace {
    let ws = Workspace::new(TRIAL);
    ws.serve("NCT07038304", vec![Reply::json(fixture(version))]);
    assert_eq!(ws.run(&["sync"]).code, 0);
    ws
}

#[test]
fn notices_stay_under_githubs_comment_limit_whatever_the_record() {
    let id = NctId::parse("NCT07038304").unwrap();
    for n in [600, 5_000] {
        let (a, b) = (with_sites(n, "Site"), with_sites(n, "Renamed Site"));
        let started = Instant::now();
        let changes = diff(&a, &b);
        let elapsed = started.elapsed();
        assert_eq!(changes.iter().filter(|c| c.summary.starts_with("Site address changed")).count(), n, "{n}");
        // Linear matching: 5,000 renamed sites were 96 s when every pair was compared. A loose
        // guard only (the figure is in the benchmark), far above the linear time, far below that.
        assert!(elapsed < Duration::from_secs(60), "{n} sites matched in {elapsed:?}");
        let text = ctwatch::diff::text::unified(&a, &b, "a.json", "b.json");
        let md = notice::render(&[TrialNotice {
            nct_id: &id,
            title: Some("t"),
            from: Some("a.json"),
            to: "b.json",
            sha256: "ab",
            changes: &changes,
            text_diff: &text,
        }]);
        assert!(md.chars().count() < 65_536, "{n} sites: {} chars", md.chars().count());
        assert_eq!(md.matches("<!-- ctwatch:").count(), 1);
        assert!(md.contains("more changes not shown") || md.contains("Too many changes"), "{n}: says so");
    }
}

#[test]
fn many_new_sites_keep_the_important_list_short() {
    let id = NctId::parse("NCT07038304").unwrap();
    let (a, b) = (doc("v1"), with_sites(600, "New"));
    let changes = diff(&a, &b);
    let md = notice::render(&[TrialNotice {
        nct_id: &id,
        title: None,
        from: Some("a"),
        to: "b",
        sha256: "ab",
        changes: &changes,
        text_diff: "",
    }]);
    let important = md.split("**Important**").nth(1).unwrap().split("\n\n").nth(1).unwrap();
    assert_eq!(important.lines().count(), 16, "15 items and the count: {important}");
    assert!(important.contains("… and 587 more high-importance changes"), "{important}");
}

#[test]
fn registry_text_cannot_autolink_or_spoof_in_the_notice_and_summary() {
    let ws = synced("v1");
    let mut v2 = doc("v2");
    let evil = "See GH-56, https://github.com/org/repo/issues/7 and www.evil.example \u{202E}gnp.exe\u{200B}";
    v2["protocolSection"]["identificationModule"]["briefTitle"] = Value::String(evil.into());
    ws.serve("NCT07038304", vec![Reply::json(v2.to_string())]);
    let summary = ws.path("summary.md");
    let run = ws.run_env(
        &["sync", "--notice", "notice.md", "--format", "markdown"],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    );
    assert_eq!(run.code, 0, "{run:?}");
    for text in [std::fs::read_to_string(ws.path("notice.md")).unwrap(), std::fs::read_to_string(&summary).unwrap()] {
        let prose = text.split("<details>").next().unwrap();
        for live in ["GH-56", "https://github.com/org", "www.evil", "\u{202E}", "\u{200B}"] {
            assert!(!prose.contains(live), "{live:?} is live in:\n{prose}");
        }
    }
    let table = ws.run(&["history", "NCT07038304", "--format", "json"]);
    assert_eq!(table.code, 0);
    let terminal = ws.run(&["diff", "NCT07038304"]);
    assert!(!terminal.stdout.contains('\u{202E}') && !terminal.stdout.contains('\u{200B}'), "{}", terminal.stdout);
}

#[test]
fn a_record_too_deep_to_read_back_is_refused_and_blocks_nothing() {
    let ws = synced("v1");
    let mut deep = doc("v2");
    let mut nest = json!("x");
    for _ in 0..124 {
        nest = json!([nest]);
    }
    deep["protocolSection"]["deep"] = nest;
    ws.serve("NCT07038304", vec![Reply::json(deep.to_string())]);
    let before = ws.store();
    let run = ws.run(&["sync"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("nested more than 100 levels"), "{}", run.stderr);
    assert_eq!(ws.store(), before);
    ws.serve("NCT07038304", vec![Reply::json(fixture("v2"))]);
    assert_eq!(ws.run(&["sync"]).code, 0, "the next normal version is stored");
    assert_eq!(ws.run(&["history", "NCT07038304"]).code, 0, "and everything reads back");
}

#[test]
fn implausible_posted_dates_are_refused_before_storing() {
    let ws = synced("v1");
    for date in ["9999-12-31", "2026-12-01", "1970-01-01"] {
        let mut v = doc("v2");
        v["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = json!(date);
        ws.serve("NCT07038304", vec![Reply::json(v.to_string())]);
        let before = ws.store();
        let run = ws.run(&["sync"]);
        assert_eq!(run.code, 2, "{date}: {run:?}");
        assert!(run.stderr.contains(date), "{date}: {}", run.stderr);
        assert_eq!(ws.store(), before, "{date}");
    }
    ws.serve("NCT07038304", vec![Reply::json(fixture("v2"))]);
    assert_eq!(ws.run(&["sync"]).code, 0);
    assert_eq!(ws.versions("NCT07038304"), ["2025-06-26.json", "2025-09-15.json"]);
}

#[test]
fn renamed_copied_or_stray_snapshots_are_never_used_silently() {
    let dir = "snapshots/NCT07038304";
    let cases: [(&str, &str, &str); 3] = [
        ("2025-06-26.json", "2026-01-01.json", "the name says posted 2026-01-01 but the record was posted 2025-06-26"),
        ("2025-09-15.json", "2025-09-15_002.json", "same content as 2025-09-15.json"),
        ("2025-06-26.json", "zzz.json", "not a snapshot name"),
    ];
    for (from, to, needle) in cases {
        let ws = synced("v1");
        ws.serve("NCT07038304", vec![Reply::json(fixture("v2"))]);
        assert_eq!(ws.run(&["sync"]).code, 0);
        std::fs::copy(ws.path(&format!("{dir}/{from}")), ws.path(&format!("{dir}/{to}"))).unwrap();
        for args in [
            vec!["history", "NCT07038304"],
            vec!["diff", "NCT07038304"],
            vec!["check", "NCT07038304", "--as-of", "2026-11-26"],
            vec!["verify"],
        ] {
            let run = ws.run(&args);
            assert_eq!(run.code, 2, "{to} {args:?}: {run:?}");
            let all = format!("{}{}", run.stdout, run.stderr);
            assert!(all.contains(to) && all.contains(needle), "{to} {args:?}: {all}");
        }
        let before = ws.store();
        let run = ws.run(&["sync"]);
        assert_eq!(run.code, 2, "{to}: sync refuses to build on a lying store: {run:?}");
        assert_eq!(ws.store(), before, "{to}: and writes nothing");
    }
}

#[test]
fn verify_checks_every_file_and_passes_a_clean_store() {
    let ws = synced("v1");
    ws.serve("NCT07038304", vec![Reply::json(fixture("v2"))]);
    assert_eq!(ws.run(&["sync"]).code, 0);
    let ok = ws.run(&["verify"]);
    assert_eq!(ok.code, 0, "{ok:?}");
    assert!(ok.stdout.contains("1 trial, 2 snapshot files: all verified"), "{}", ok.stdout);
    // Damage the OLDER file: the other commands read only the newest, verify reads all.
    let old = ws.path("snapshots/NCT07038304/2025-06-26.json");
    let text = std::fs::read_to_string(&old).unwrap();
    let text = text.replacen("\"count\": 35", "\"count\": 36", 1);
    std::fs::write(&old, text).unwrap();
    std::fs::create_dir_all(ws.path("snapshots/not-a-trial")).unwrap();
    let bad = ws.run(&["verify", "--format", "json"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    let out: Value = serde_json::from_str(&bad.stdout).unwrap();
    let problems = out["trials"].to_string();
    assert!(problems.contains("2025-06-26.json") && problems.contains("content_sha256"), "{problems}");
    assert!(problems.contains("not a trial folder"), "{problems}");
}

#[test]
fn leftovers_of_a_killed_run_never_break_the_next_one() {
    let ws = synced("v1");
    // What a killed sync leaves (PID 1 in a container repeats every run).
    let dir = ws.path("snapshots/NCT07038304");
    std::fs::write(dir.join(".2025-09-15.json.1.tmp"), "{half").unwrap();
    std::fs::write(ws.path("snapshots/.history-index.json.1.tmp"), "{").unwrap();
    // A stray directory named like a snapshot is ignored with a warning.
    std::fs::create_dir_all(dir.join("2025-01-01.json")).unwrap();
    ws.serve("NCT07038304", vec![Reply::json(fixture("v2"))]);
    let run = ws.run(&["sync"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("2025-01-01.json: not a regular file; ignored"), "{}", run.stderr);
    assert!(!dir.join(".2025-09-15.json.1.tmp").exists(), "cleaned under the lock");
    assert!(!ws.path("snapshots/.history-index.json.1.tmp").exists());
    assert_eq!(ws.versions("NCT07038304"), ["2025-01-01.json", "2025-06-26.json", "2025-09-15.json"]);
}

/// Runs ctwatch with a file-size limit (`ulimit -f`, KiB) and SIGXFSZ ignored, so a write past
/// the limit fails with EFBIG as on a full disk.
fn run_with_file_limit(ws: &Workspace, kib: u64, args: &[&str]) -> crate::Run {
    let mut cmd = std::process::Command::new("bash");
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    cmd.arg("-c").arg(format!(
        "ulimit -f {kib}; trap '' XFSZ; exec '{}' --api-base '{}' {}",
        env!("CARGO_BIN_EXE_ctwatch"),
        ws.server.api(),
        quoted.join(" ")
    ));
    cmd.env_clear().env("HOME", ws.dir.path()).env("NO_COLOR", "1").current_dir(ws.dir.path());
    let out = cmd.output().unwrap();
    crate::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn a_full_disk_during_report_writes_no_file_and_leaves_no_temp() {
    let ws = synced("v2");
    ws.write_config(&format!("{}\n{TRIAL}[trial.site_aliases]\n\"UMCG\" = \"UMC Groningen\"\n", crate::FAST));
    let log = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/NCT07038304/accrual.csv");
    std::fs::copy(log, ws.path("accrual.csv")).unwrap();
    // The Markdown (a few KiB) fits, the HTML (tens of KiB) does not.
    let run =
        run_with_file_limit(&ws, 8, &["report", "NCT07038304", "--accrual", "accrual.csv", "--as-of", "2026-11-26"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("no report file was written"), "{}", run.stderr);
    let left: Vec<String> = std::fs::read_dir(ws.path("reports/NCT07038304"))
        .map(|rd| rd.map(|e| e.unwrap().file_name().into_string().unwrap()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "no half set, no temp file: {left:?}");
}

#[test]
fn a_failed_backfill_stores_nothing() {
    let ws = Workspace::new(TRIAL);
    let list = "/api/int/studies/NCT07038304/history";
    ws.server.route(
        list,
        vec![Reply::json(
            json!({"changes": [{"version": 0, "date": "2025-06-17"}, {"version": 1, "date": "2025-09-12"}]})
                .to_string(),
        )],
    );
    ws.server
        .route(&format!("{list}/0"), vec![Reply::json(json!({"studyVersion": 0, "study": doc("v1")}).to_string())]);
    let mut big = doc("v2");
    big["protocolSection"]["descriptionModule"]["detailedDescription"] = json!("long text ".repeat(20_000));
    ws.server.route(&format!("{list}/1"), vec![Reply::json(json!({"studyVersion": 1, "study": big}).to_string())]);
    let base = format!("{}/api/int", ws.server.origin);
    // Version 0 (~10 KiB) fits, version 1 (~200 KiB) does not: version 0 is taken back.
    let run = run_with_file_limit(&ws, 64, &["--history-base", &base, "backfill", "NCT07038304"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("nothing was stored"), "{}", run.stderr);
    assert!(ws.versions("NCT07038304").is_empty(), "{:?}", ws.versions("NCT07038304"));
}

#[test]
fn numeric_settings_have_ranges() {
    let ws = Workspace::new(TRIAL);
    for (setting, needle) in [
        ("min_interval_ms = 9223372036854775807", "min_interval_ms"),
        ("timeout_secs = 0", "timeout_secs = 0: expected seconds from 1 to 3600"),
        ("retry_budget_secs = 1e9", "retry_budget_secs"),
        ("connect_timeout_secs = nan", "connect_timeout_secs"),
    ] {
        ws.write_config(&format!("{}\n{TRIAL}", crate::fast_with(setting)));
        let run = ws.run(&["sync"]);
        assert_eq!(run.code, 2, "{setting}: {run:?}");
        assert!(run.stderr.contains("ctwatch.toml:") && run.stderr.contains(needle), "{setting}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
    }
}

#[test]
fn a_site_alias_may_not_move_inclusions_between_sites() {
    let ws = synced("v2");
    std::fs::write(
        ws.path("accrual.csv"),
        "participant_id,site,enrolled_on,withdrawn_on\nP1,Radboud Umc,2025-10-01,\n",
    )
    .unwrap();
    ws.write_config(&format!("{}\n{TRIAL}site_aliases = {{ \"Radboud Umc\" = \"UMC Groningen\" }}\n", crate::FAST));
    let run = ws.run(&["report", "NCT07038304", "--accrual", "accrual.csv", "--as-of", "2026-11-26"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("\"Radboud Umc\"") && run.stderr.contains("site of its own"), "{}", run.stderr);
    ws.write_config(&format!(
        "{}\n{TRIAL}site_aliases = {{ \"x\" = \"UMC Groningen\", \"X\" = \"Radboud Umc\" }}\n",
        crate::FAST
    ));
    let run = ws.run(&["check", "NCT07038304"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("differ only by case"), "{}", run.stderr);
}

#[test]
fn the_retry_budget_covers_the_whole_request() {
    let ws = Workspace::new(TRIAL);
    ws.serve("NCT07038304", vec![Reply::json(fixture("v1")).delay(Duration::from_secs(30))]);
    ws.write_config(&format!(
        "{}\n{TRIAL}",
        crate::fast_with("timeout_secs = 1\nretries = 10\nretry_budget_secs = 2\nretry_base_ms = 1")
    ));
    let started = Instant::now();
    let run = ws.run(&["sync"]);
    let elapsed = started.elapsed();
    assert_eq!(run.code, 2, "{run:?}");
    // Eleven attempts of a second each without the budget; two seconds with it (loose bound).
    assert!(elapsed < Duration::from_secs(8), "{elapsed:?}: {}", run.stderr);
}

#[test]
fn an_unreachable_host_is_not_retried_and_says_how_to_point_elsewhere() {
    let ws = Workspace::new(TRIAL);
    let run = ws.run(&["--api-base", "http://no-such-host.invalid/api/v2", "sync"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("(after 1 attempt)"), "{}", run.stderr);
}

#[test]
fn the_accrual_log_is_bounded_and_errors_quote_a_short_excerpt() {
    let ws = synced("v2");
    let run = ws.run(&["report", "NCT07038304", "--accrual", "/dev/zero", "--as-of", "2026-11-26"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("larger than 64 MiB"), "{}", run.stderr);
    let huge = "x".repeat(1_000_000);
    std::fs::write(
        ws.path("log.csv"),
        format!("participant_id,site,enrolled_on,withdrawn_on\nP1,{huge},2025-10-01,\n"),
    )
    .unwrap();
    let run = ws.run(&["report", "NCT07038304", "--accrual", "log.csv", "--as-of", "2026-11-26"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.len() < 1_000, "{} bytes of error", run.stderr.len());
    // Inclusions before the start of recruitment are said.
    std::fs::write(ws.path("log.csv"), "participant_id,site,enrolled_on,withdrawn_on\nP1,UMC Groningen,2024-10-01,\n")
        .unwrap();
    let run = ws.run(&["report", "NCT07038304", "--accrual", "log.csv", "--as-of", "2026-11-26", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("dated before the start of recruitment"), "{}", run.stdout);
}

#[test]
fn a_date_before_every_snapshot_is_said_by_check() {
    let ws = synced("v1");
    let run = ws.run(&["check", "NCT07038304", "--as-of", "2000-01-01"]);
    assert!(run.stdout.contains("No registry version was posted on or before 2000-01-01"), "{run:?}");
}

#[test]
fn links_that_leave_the_store_are_refused_and_errors_read_as_one_sentence() {
    let outside = tempfile::tempdir().unwrap();
    // A symlinked trial folder.
    let ws = Workspace::new(TRIAL);
    ws.serve("NCT07038304", vec![Reply::json(fixture("v1"))]);
    std::fs::create_dir_all(ws.path("snapshots")).unwrap();
    symlink(outside.path(), ws.path("snapshots/NCT07038304")).unwrap();
    let run = ws.run(&["sync"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0, "nothing written outside");
    // A symlinked lock file.
    let ws = Workspace::new(TRIAL);
    ws.serve("NCT07038304", vec![Reply::json(fixture("v1"))]);
    std::fs::create_dir_all(ws.path("snapshots")).unwrap();
    symlink(outside.path().join("lock"), ws.path("snapshots/.ctwatch.lock")).unwrap();
    let run = ws.run(&["sync"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(!outside.path().join("lock").exists());
    // A symlinked report folder.
    let ws = synced("v2");
    std::fs::create_dir_all(ws.path("reports")).unwrap();
    symlink(outside.path(), ws.path("reports/NCT07038304")).unwrap();
    let run = ws.run(&["report", "NCT07038304", "--as-of", "2026-11-26"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    // `snapshots` is a file.
    let ws = Workspace::new(TRIAL);
    ws.serve("NCT07038304", vec![Reply::json(fixture("v1"))]);
    std::fs::write(ws.path("snapshots"), "").unwrap();
    let run = ws.run(&["sync"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("snapshots: is a file, not a folder"), "{}", run.stderr);
    assert!(!run.stderr.contains("os error"), "{}", run.stderr);
}
