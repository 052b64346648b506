//! ctwatch's benchmarks: `cargo bench --bench ctwatch`. Prints figures for the README.
//!
//! Not a timed test: numbers vary with the machine, so they are measured and reported here
//! rather than asserted. Peak heap is measured with a counting global allocator.

#[path = "../tests/it/server.rs"]
#[allow(dead_code)]
mod server;

#[path = "../tests/it/fake_registry.rs"]
#[allow(dead_code)]
mod fake_registry;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use server::{Reply, Server};

struct Counting;
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f` `n` times; returns the median duration and the peak heap above the baseline.
fn measure<T>(n: usize, mut f: impl FnMut() -> T) -> (Duration, usize) {
    let mut times = Vec::with_capacity(n);
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    for _ in 0..n {
        let t = Instant::now();
        std::hint::black_box(f());
        times.push(t.elapsed());
    }
    times.sort();
    (times[n / 2], PEAK.load(Ordering::Relaxed) - base)
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn canonical_and_hash() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/ctgov/records/NCT02513394__mcode.json");
    let Ok(bytes) = std::fs::read(path) else {
        println!("canonicalise+hash: skipped ({path} not present)");
        return;
    };
    let (parse, parse_mem) = measure(20, || serde_json::from_slice::<serde_json::Value>(&bytes).unwrap());
    let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let (canon, canon_mem) = measure(20, || ctwatch::store::canonical(&doc));
    let (hash, hash_mem) = measure(20, || ctwatch::store::content_sha256(&doc));
    let (all, all_mem) = measure(20, || {
        let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        (ctwatch::store::canonical(&doc).len(), ctwatch::store::content_sha256(&doc))
    });
    println!("record NCT02513394 ({:.2} MB, 437 sites), median of 20:", bytes.len() as f64 / 1e6);
    println!("  parse                       {parse:>10.2?}  peak heap {}", mib(parse_mem));
    println!("  canonicalise                {canon:>10.2?}  peak heap {}", mib(canon_mem));
    println!("  content_sha256              {hash:>10.2?}  peak heap {}", mib(hash_mem));
    println!("  parse+canonicalise+hash     {all:>10.2?}  peak heap {}", mib(all_mem));
}

fn diff_big_record() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/ctgov/records/NCT02513394__mcode.json");
    let Ok(bytes) = std::fs::read(path) else {
        println!("diff: skipped ({path} not present)");
        return;
    };
    let old: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let mut new = old.clone();
    // A few site events: one status change, one site removed, one renamed, one added.
    let sites = new["protocolSection"]["contactsLocationsModule"]["locations"].as_array_mut().unwrap();
    sites[3]["status"] = "RECRUITING".into();
    sites.remove(10);
    sites[20]["facility"] = "Renamed Hospital".into();
    sites.push(serde_json::json!({"facility": "New Site", "city": "Groningen", "country": "Netherlands", "status": "NOT_YET_RECRUITING"}));
    let (semantic, sem_mem) = measure(10, || ctwatch::diff::diff(&old, &new));
    let (text, text_mem) = measure(10, || ctwatch::diff::text::unified(&old, &new, "a.json", "b.json"));
    let n = ctwatch::diff::diff(&old, &new).len();
    println!("diff of two versions of NCT02513394 (437 sites, 4 site events), median of 10:");
    println!("  semantic diff ({n} changes)    {semantic:>10.2?}  peak heap {}", mib(sem_mem));
    println!("  text diff (patience)        {text:>10.2?}  peak heap {}", mib(text_mem));
}

fn report_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let v1 =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/NCT07038304/v1.json")).unwrap();
    let study: serde_json::Value = serde_json::from_str(&v1).unwrap();
    let snap = ctwatch::store::Snapshot {
        api_version: None,
        content_sha256: ctwatch::store::content_sha256(&study),
        data_timestamp: None,
        fetched_at: "2026-11-26T00:00:00Z".into(),
        history_version: None,
        nct_id: ctwatch::nct::NctId::parse("NCT07038304").unwrap(),
        origin: ctwatch::store::Origin::Api,
        requested_as: None,
        source: "bench".into(),
        study,
    };
    let store = ctwatch::store::Store::new(dir.path().join("snapshots"));
    let lock = store.lock(Duration::from_secs(1)).unwrap();
    store.write_new(&lock, &snap, ctwatch::partial_date::PartialDate::parse("2025-06-26").unwrap()).unwrap();
    let config_path = dir.path().join("ctwatch.toml");
    std::fs::write(&config_path, "[[trial]]\nnct_id = \"NCT07038304\"\ntarget = 10000\n").unwrap();
    let config = ctwatch::config::Config::load(&ctwatch::config::GlobalOptions {
        snapshots: Some(dir.path().join("snapshots")),
        config: Some(config_path),
        ..Default::default()
    })
    .unwrap();
    let id = ctwatch::nct::NctId::parse("NCT07038304").unwrap();
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    println!("progress report (build + Markdown + HTML + SVG + JSON), median of 10:");
    for rows in [35usize, 10_000] {
        let mut csv = String::from("participant_id,site,enrolled_on,withdrawn_on\n");
        for i in 0..rows {
            let day =
                chrono::NaiveDate::from_ymd_opt(2025, 1, 3).unwrap() + chrono::Duration::days((i * 690 / rows) as i64);
            let site = if i % 3 == 0 { "Radboud Umc" } else { "UMC Groningen" };
            csv.push_str(&format!("P{i:06},{site},{day},\n"));
        }
        let log = dir.path().join(format!("log-{rows}.csv"));
        std::fs::write(&log, csv).unwrap();
        let (t, mem) = measure(10, || {
            let r = ctwatch::report::progress::build(&config, &id, Some(&log), as_of).unwrap();
            let blocks = ctwatch::report::progress::blocks::blocks(&r);
            let svg = ctwatch::report::progress::chart::svg(&r);
            let md = ctwatch::format::markdown::render(&blocks, Some("chart.svg"));
            let html = ctwatch::format::html::render("bench", &blocks, Some(&svg));
            (md.len(), html.len(), serde_json::to_string(&r).unwrap().len())
        });
        println!("  {rows:>6} participants              {t:>10.2?}  peak heap {}", mib(mem));
    }
}

fn sync_many(trials: usize, min_interval_ms: u64) {
    let fixture =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/NCT07038304/v1.json")).unwrap();
    let server = Server::start();
    server
        .route("/api/v2/version", vec![Reply::json(r#"{"apiVersion":"2.0.5","dataTimestamp":"2026-11-25T09:00:05"}"#)]);
    server.handle("/api/v2/studies", move |req| {
        let ids = req.param("filter.ids").unwrap_or("");
        let studies: Vec<String> = ids.split(',').map(|id| fixture.replace("NCT07038304", id)).collect();
        Reply::json(format!("{{\"studies\": [{}]}}", studies.join(",")))
    });
    let dir = tempfile::tempdir().unwrap();
    let mut config = format!("[registry]\nmin_interval_ms = {min_interval_ms}\n");
    for i in 0..trials {
        config.push_str(&format!("[[trial]]\nnct_id = \"NCT{:08}\"\n", 10_000_000 + i));
    }
    std::fs::write(dir.path().join("ctwatch.toml"), config).unwrap();
    let run = || {
        let t = Instant::now();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ctwatch"))
            .current_dir(dir.path())
            .env_clear()
            .args(["--api-base", &server.api(), "sync", "--format", "json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        t.elapsed()
    };
    let first = run();
    let requests_first = server.requests().len();
    let second = run();
    let requests_second = server.requests().len() - requests_first;
    println!("sync of {trials} tracked trials (min_interval_ms = {min_interval_ms}):");
    println!("  first run (all new)         {first:>10.2?}  {requests_first} HTTP requests");
    println!("  second run (same dataTimestamp) {second:>10.2?}  {requests_second} HTTP requests");
}

/// A hostile record of about 10 MB: a 1 MB site name, 2 MB of `<a` (the old normaliser's
/// quadratic case), a 1 MB description, 5,000 sites renamed between the two versions, bidi
/// and autolink text; each command timed end to end (process start included).
fn hostile_10mb() {
    let base: serde_json::Value =
        serde_json::from_str(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/NCT07038304/v2.json")))
            .unwrap();
    let make = |prefix: &str, posted: &str| {
        let mut v = base.clone();
        let mut sites: Vec<serde_json::Value> = (0..5_000)
            .map(|i| {
                serde_json::json!({"facility": format!("{prefix} {i:05} Hospital \u{202E}GH-56 https://github.com/o/r/issues/{i}"),
                    "city": format!("Town{i:05}"), "country": "Netherlands", "status": "RECRUITING",
                    "contacts": [{"name": "x".repeat(800), "email": "a@b.example"}]})
            })
            .collect();
        sites.push(serde_json::json!({"facility": "y".repeat(1_000_000), "city": "Big", "country": "Netherlands"}));
        sites.push(serde_json::json!({"facility": "UMC Groningen", "city": "Groningen", "country": "Netherlands", "status": "RECRUITING"}));
        v["protocolSection"]["contactsLocationsModule"]["locations"] = serde_json::Value::Array(sites);
        v["protocolSection"]["descriptionModule"]["detailedDescription"] = serde_json::json!("<a".repeat(1_000_000));
        v["protocolSection"]["descriptionModule"]["briefSummary"] = serde_json::json!("word ".repeat(200_000));
        v["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = serde_json::json!(posted);
        v.to_string()
    };
    let (a, b) = (make("Site", "2025-09-15"), make("Renamed Site", "2026-03-02"));
    println!("hostile record: {:.1} MB and {:.1} MB", a.len() as f64 / 1e6, b.len() as f64 / 1e6);
    let server = Server::start();
    server.route(
        "/api/v2/version",
        vec![
            Reply::json(r#"{"apiVersion":"2.0.5","dataTimestamp":"2026-11-24T09:00:05"}"#),
            Reply::json(r#"{"apiVersion":"2.0.5","dataTimestamp":"2026-11-25T09:00:05"}"#),
        ],
    );
    server.route("/api/v2/studies/NCT07038304", vec![Reply::json(a), Reply::json(b)]);
    // CTWATCH_BENCH_KEEP=DIR keeps the hostile workspace there, to time two builds on it
    // side by side (farm-bench --vs).
    let dir = tempfile::tempdir().unwrap();
    let dir = match std::env::var_os("CTWATCH_BENCH_KEEP") {
        Some(keep) => {
            std::fs::create_dir_all(&keep).unwrap();
            tempfile::TempDir::with_prefix_in("hostile-", keep).unwrap()
        }
        None => dir,
    };
    std::fs::write(
        dir.path().join("ctwatch.toml"),
        "[registry]\nmin_interval_ms = 0\n[[trial]]\nnct_id = \"NCT07038304\"\ntarget = 35\nrecruitment_end = 2029-01-03\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("log.csv"),
        "participant_id,site,enrolled_on,withdrawn_on\nP1,UMC Groningen,2025-02-10,\n",
    )
    .unwrap();
    let api = server.api();
    let run = |args: &[&str]| {
        let t = Instant::now();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ctwatch"))
            .current_dir(dir.path())
            .env_clear()
            .arg("--api-base")
            .arg(&api)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.code().is_some_and(|c| c < 2), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        (t.elapsed(), out.stdout.len())
    };
    for (what, args) in [
        ("sync (new)", vec!["sync"]),
        ("sync (changed, 5,000 sites renamed, notice)", vec!["sync", "--notice", "notice.md"]),
        ("diff (table)", vec!["diff", "NCT07038304"]),
        ("diff --text", vec!["diff", "NCT07038304", "--text"]),
        ("diff --notice", vec!["diff", "NCT07038304", "--notice", "n2.md"]),
        ("history", vec!["history", "NCT07038304"]),
        ("report", vec!["report", "NCT07038304", "--accrual", "log.csv", "--as-of", "2026-11-26"]),
        ("check", vec!["check", "NCT07038304", "--as-of", "2026-11-26"]),
        ("verify", vec!["verify"]),
    ] {
        let (t, out) = run(&args);
        println!("  {what:<46} {t:>10.2?}  {out} bytes on stdout");
    }
    let notice = std::fs::read_to_string(dir.path().join("notice.md")).unwrap();
    println!("  notice: {} characters", notice.chars().count());
    if std::env::var_os("CTWATCH_BENCH_KEEP").is_some() {
        println!("  kept in {}", dir.keep().display());
    }
}

/// A sponsor office's weeks with 1,000 tracked trials against the fields=-honouring stand-in:
/// HTTP requests, bytes received and wall time (default pacing, one request per second).
fn registry_friendly_weeks() {
    let fixture =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/NCT07038304/v1.json")).unwrap();
    let ids: Vec<String> = (0..1000).map(|i| format!("NCT{:08}", 30_000_000 + i)).collect();
    let server = Server::start();
    let records = fake_registry::install(&server, &fixture, &ids);
    let set_ts = |ts: &str| {
        server
            .route("/api/v2/version", vec![Reply::json(format!(r#"{{"apiVersion":"2.0.5","dataTimestamp":"{ts}"}}"#))])
    };
    let dir = tempfile::tempdir().unwrap();
    let mut config = String::from("[registry]\nmin_interval_ms = 1000\n");
    for id in &ids {
        config.push_str(&format!("[[trial]]\nnct_id = \"{id}\"\n"));
    }
    std::fs::write(dir.path().join("ctwatch.toml"), config).unwrap();
    let api = server.api();
    let sync = |extra: &[&str]| {
        let (_, b0) = records.counts();
        let t = Instant::now();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ctwatch"))
            .current_dir(dir.path())
            .env_clear()
            .args(["--api-base", &api, "sync", "--format", "json"])
            .args(extra)
            .output()
            .unwrap();
        let elapsed = t.elapsed();
        assert!(out.status.code().is_some_and(|c| c < 2), "{}", String::from_utf8_lossy(&out.stderr));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let (_, b1) = records.counts();
        (
            json["fetch"]["requests"].as_u64().unwrap(),
            b1 - b0,
            elapsed,
            json["fetch"]["mode"].as_str().unwrap().to_string(),
        )
    };
    println!("registry-friendly sync, 1,000 tracked trials, default pacing (1 request/s):");
    let show = |what: &str, (req, bytes, t, mode): (u64, usize, Duration, String)| {
        println!("  {what:<44} {mode:<9} {req:>2} requests {:>10.1} KB received {t:>9.2?}", bytes as f64 / 1000.0);
        bytes
    };
    set_ts("2026-11-02T09:00:05");
    show("week 0: all new", sync(&[]));
    show("same dataTimestamp (nothing can have changed)", sync(&[]));
    set_ts("2026-11-09T09:00:05");
    show("week 1: refreshed registry, no change", sync(&[]));
    for id in ids.iter().step_by(50) {
        records.post(id, "2025-09-15");
    }
    set_ts("2026-11-16T09:00:05");
    let probe = show("week 2: 20 of 1,000 changed (2 %)", sync(&[]));
    for id in ids.iter().skip(1).step_by(50) {
        records.post(id, "2025-09-15");
    }
    set_ts("2026-11-23T09:00:05");
    let full = show("week 3: 20 changed, --full for comparison", sync(&["--full"]));
    println!("  2 %-changed week receives {:.1} % of the full fetch's bytes", 100.0 * probe as f64 / full as f64);
}

/// The site-aware projection: 3 sites, 35 participants, 10,000 draws.
fn site_projection() {
    use ctwatch::progress::sites::{SiteInput, SiteModel};
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let site = |name: &str, n: u32, first: Option<&str>, nyr: bool| SiteInput {
        name: name.into(),
        inclusions: n,
        opened: None,
        first_inclusion: first.map(d),
        not_yet_recruiting: nyr,
        history: Default::default(),
    };
    let model = SiteModel {
        target: 35,
        start: d("2025-01-03"),
        start_actual: true,
        end: d("2029-01-03"),
        as_of: d("2026-11-26"),
        prior_certainty: 0.5,
        dropped_unopened: 0,
        sites: vec![
            site("UMC Groningen", 11, Some("2025-02-10"), false),
            site("Radboud Umc", 3, Some("2026-01-28"), false),
            site("Erasmus MC", 0, None, true),
        ],
    };
    let (t, mem) = measure(20, || model.project().unwrap());
    println!("site-aware projection, 3 sites, 35 participants, 10,000 draws, median of 20:");
    println!("  {t:>10.2?}  peak heap {}", mib(mem));
}

/// The portfolio site of 100 trials with 50 stored versions each: build time and size.
fn site_portfolio(trials: usize, weeks: usize) {
    let fixture =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/NCT07038304/v1.json")).unwrap();
    let ids: Vec<String> = (0..trials).map(|i| format!("NCT{:08}", 40_000_000 + i)).collect();
    let server = Server::start();
    let records = fake_registry::install(&server, &fixture, &ids);
    let dir = match std::env::var_os("CTWATCH_BENCH_KEEP") {
        Some(keep) => {
            std::fs::create_dir_all(&keep).unwrap();
            tempfile::TempDir::with_prefix_in("site-", keep).unwrap()
        }
        None => tempfile::tempdir().unwrap(),
    };
    let mut config = String::from("[registry]\nmin_interval_ms = 0\n");
    for id in &ids {
        config.push_str(&format!("[[trial]]\nnct_id = \"{id}\"\n"));
    }
    std::fs::write(dir.path().join("ctwatch.toml"), config).unwrap();
    let api = server.api();
    let ctwatch = |args: &[&str], now: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ctwatch"))
            .current_dir(dir.path())
            .env_clear()
            .env("CTWATCH_NOW", now)
            .args(["--api-base", &api])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.code().is_some_and(|c| c < 2), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap();
    for week in 0..weeks {
        let day = start + chrono::Duration::days(7 * week as i64);
        for id in &ids {
            records.post(id, &day.to_string());
        }
        server.route(
            "/api/v2/version",
            vec![Reply::json(format!(r#"{{"apiVersion":"2.0.5","dataTimestamp":"{day}T09:00:05"}}"#))],
        );
        ctwatch(&["sync", "--full", "--quiet"], &format!("{day}T10:00:00Z"));
    }
    let now = format!("{}T10:00:00Z", start + chrono::Duration::days(7 * weeks as i64));
    let mut times = Vec::new();
    for _ in 0..3 {
        let _ = std::fs::remove_dir_all(dir.path().join("site"));
        let t = Instant::now();
        ctwatch(&["site", "--out", "site"], &now);
        times.push(t.elapsed());
    }
    times.sort();
    let (mut files, mut bytes) = (0, 0);
    let mut stack = vec![dir.path().join("site")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                files += 1;
                bytes += e.metadata().unwrap().len();
            }
        }
    }
    println!("portfolio site, {trials} trials x {weeks} stored versions, median of 3 (written from scratch):");
    println!("  {:>10.2?}  {files} files, {:.1} MB", times[1], bytes as f64 / 1e6);
    if std::env::var_os("CTWATCH_BENCH_KEEP").is_some() {
        println!("  kept in {}", dir.keep().display());
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing: run only for bench.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // CTWATCH_BENCH_ONLY=NAME runs only the benchmarks whose name contains NAME.
    let only = std::env::var("CTWATCH_BENCH_ONLY").unwrap_or_default();
    let benches: [(&str, &dyn Fn()); 9] = [
        ("canonical_and_hash", &canonical_and_hash),
        ("diff_big_record", &diff_big_record),
        ("report_sizes", &report_sizes),
        ("site_projection", &site_projection),
        ("sync_many_paced", &|| sync_many(1000, 1000)),
        ("sync_many_unpaced", &|| sync_many(1000, 0)),
        ("registry_friendly_weeks", &registry_friendly_weeks),
        ("hostile_10mb", &hostile_10mb),
        ("site_portfolio", &|| site_portfolio(100, 50)),
    ];
    for (name, bench) in benches {
        if name.contains(only.as_str()) {
            bench();
        }
    }
}
