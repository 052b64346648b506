//! A year in the life: 52 weekly runs of the action's own steps (the workflow simulation, a
//! fresh checkout each run, `CTWATCH_NOW` replaying the week) against a scripted stand-in
//! registry of 19 trials: sites opening, dates slipping, status and target changes, a trial
//! added by `discover --add`, an id that stops being answered (weeks 20–25), a two-week
//! registry outage (weeks 30–31), refreshes without change, a version posted on a digest day,
//! two skipped weeks (40–41) and a registry duty that falls overdue (weeks 13–15).
//!
//! Asserted: every stored version is posted exactly once to its trial's issue and is in
//! exactly one committed digest; a failing trial keeps no other trial's snapshot, notice or
//! report from landing; a quiet week adds no file and the working tree stays bounded; the run
//! is red exactly on the weeks it should be; the bot commits nothing outside `snapshots/` and
//! `reports/`. The figures are printed (`cargo test year -- --nocapture`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use crate::fake_registry::{self, Records};
use crate::server::Reply;
use crate::workflow::{Sim, git};
use crate::{FAST, fixture};

const SPONSOR: &str = "Year Sponsor Foundation";
const TRIALS: usize = 18;
const WEEKS: i64 = 52;
/// Weeks in which the registry publishes nothing at all.
const QUIET: [i64; 6] = [3, 12, 18, 27, 44, 48];
/// Weeks the id of trial 7 is not answered.
const GONE: std::ops::RangeInclusive<i64> = 20..=25;
/// Weeks of a registry outage.
const DOWN: std::ops::RangeInclusive<i64> = 30..=31;
/// Weeks nobody ran the workflow.
const SKIPPED: [i64; 2] = [40, 41];
/// The trial whose verification falls overdue (due 2026-03-31) until it is updated in week 16.
const LATE: usize = 5;
/// The trial added by `discover --add` in week 10 (on the registry from week 9).
const ADDED: usize = 18;

fn id(i: usize) -> String {
    format!("NCT300000{i:02}")
}

fn day(week: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 5).unwrap() + Duration::weeks(week)
}

/// A new version of trial `i` on the registry, posted on `posted`, with change `kind`.
fn publish(records: &Records, i: usize, posted: NaiveDate, kind: usize) {
    let mut studies = records.studies.lock().unwrap();
    let s = studies.get_mut(&id(i)).unwrap();
    let p = &mut s["protocolSection"];
    p["statusModule"]["lastUpdatePostDateStruct"]["date"] = json!(posted.to_string());
    p["statusModule"]["lastUpdateSubmitDate"] = json!((posted - Duration::days(2)).to_string());
    p["statusModule"]["statusVerifiedDate"] = json!(posted.format("%Y-%m").to_string());
    match kind % 4 {
        // A site opens or closes to recruitment.
        0 => {
            let site = &mut p["contactsLocationsModule"]["locations"][1]["status"];
            *site = json!(if site == "RECRUITING" { "NOT_YET_RECRUITING" } else { "RECRUITING" });
        }
        // The completion date slips by 45 days.
        1 => {
            let c = &mut p["statusModule"]["completionDateStruct"]["date"];
            let d = NaiveDate::parse_from_str(c.as_str().unwrap(), "%Y-%m-%d").unwrap();
            *c = json!((d + Duration::days(45)).to_string());
        }
        // The target grows by 5.
        2 => {
            let n = p["designModule"]["enrollmentInfo"]["count"].as_u64().unwrap();
            p["designModule"]["enrollmentInfo"]["count"] = json!(n + 5);
        }
        // The overall status moves between recruiting and active, not recruiting.
        _ => {
            let st = &mut p["statusModule"]["overallStatus"];
            *st = json!(if st == "RECRUITING" { "ACTIVE_NOT_RECRUITING" } else { "RECRUITING" });
        }
    }
}

/// The registry's data refreshed without any change to the sponsor's record.
fn refresh(records: &Records, i: usize, week: i64) {
    let mut studies = records.studies.lock().unwrap();
    let s = studies.get_mut(&id(i)).unwrap();
    s["derivedSection"]["miscInfoModule"]["versionHolder"] = json!(day(week).to_string());
}

/// What the registry does in `week`, before that week's run: `(trial, posted)` for each new
/// version.
fn registry_week(records: &Records, week: i64) -> Vec<(usize, NaiveDate)> {
    let mut posted = Vec::new();
    if QUIET.contains(&week) {
        return posted;
    }
    let trials = if week >= 9 { TRIALS + 1 } else { TRIALS };
    for i in 0..trials {
        let late_and_waiting = i == LATE && week < 16;
        if week > 0 && (week as usize + i).is_multiple_of(7) && !late_and_waiting {
            // Posted one to three days before the run: it reached the API after its date.
            let date = day(week) - Duration::days(1 + (i % 3) as i64);
            publish(records, i, date, week as usize + i);
            posted.push((i, date));
        }
    }
    if week == 16 {
        // The late trial is verified again.
        let date = day(week) - Duration::days(1);
        publish(records, LATE, date, 1);
        posted.push((LATE, date));
    }
    if week == 35 && !posted.iter().any(|(i, _)| *i == 2) {
        // Posted on the previous digest's day (week 34's run), found a week later.
        publish(records, 2, day(34), 3);
        posted.push((2, day(34)));
    }
    refresh(records, (week as usize * 5) % TRIALS, week);
    posted
}

/// The trial's issue comments, by issue number, from the stand-in `gh`'s files.
fn comments(sim: &Sim) -> BTreeMap<u64, Vec<String>> {
    let issues = std::fs::read_to_string(sim.path("gh-state/issues.tsv")).unwrap_or_default();
    let mut out = BTreeMap::new();
    for line in issues.lines() {
        let (n, _) = line.split_once('\t').unwrap();
        let n: u64 = n.parse().unwrap();
        let dir = sim.path(&format!("gh-state/comments/{n}"));
        let mut files: Vec<(u64, std::path::PathBuf)> = std::fs::read_dir(&dir)
            .map(|d| {
                d.map(|e| e.unwrap().path())
                    .map(|p| (p.file_stem().unwrap().to_str().unwrap().parse().unwrap(), p))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        out.insert(n, files.iter().map(|(_, f)| std::fs::read_to_string(f).unwrap()).collect());
    }
    out
}

#[test]
fn a_year_of_weekly_runs_never_blocks_misses_repeats_or_piles_up() {
    let started = std::time::Instant::now();
    let template = fixture("v1").replace("University Medical Center Groningen", SPONSOR);
    let initial: Vec<String> = (0..TRIALS).map(id).collect();
    let config: String =
        initial.iter().fold(format!("{FAST}\n"), |c, id| format!("{c}\n[[trial]]\nnct_id = \"{id}\"\n"));
    let mut sim = Sim::with_config("0123456789abcdef0123456789abcdef01234567", &config);
    sim.cached_build = true;
    let records = fake_registry::install(&sim.server, &template, &initial);
    // The registry's data timestamp: refreshed every week, 503 in an outage.
    let week_day = Arc::new(Mutex::new(day(0)));
    let down = Arc::new(AtomicBool::new(false));
    {
        let (week_day, down) = (week_day.clone(), down.clone());
        sim.server.handle("/api/v2/version", move |_| {
            if down.load(Ordering::Relaxed) {
                return Reply::text(503, "Service Unavailable");
            }
            Reply::json(format!(r#"{{"apiVersion":"2.0.5","dataTimestamp":"{}T05:00:00"}}"#, week_day.lock().unwrap()))
        });
    }
    for i in 0..TRIALS {
        let posted = if i == LATE { "2025-03-20" } else { "2025-12-15" };
        publish(&records, i, NaiveDate::parse_from_str(posted, "%Y-%m-%d").unwrap(), 4 * 99 + 2);
    }

    let mut red_weeks = Vec::new();
    let mut reasons: BTreeMap<i64, String> = BTreeMap::new();
    let mut files_after: BTreeMap<i64, usize> = BTreeMap::new();
    let mut published: BTreeMap<i64, usize> = BTreeMap::new();
    for week in 0..WEEKS {
        *week_day.lock().unwrap() = day(week);
        if week == 9 {
            fake_registry::add(&sim.server, &records, &id(ADDED), &template);
            publish(&records, ADDED, day(9) - Duration::days(3), 0);
        }
        let new = registry_week(&records, week);
        published.insert(week, new.len() + usize::from(week == 9));
        *records.gone.lock().unwrap() = if GONE.contains(&week) { vec![id(7)] } else { Vec::new() };
        down.store(DOWN.contains(&week), Ordering::Relaxed);
        records.down.store(DOWN.contains(&week), Ordering::Relaxed);
        if SKIPPED.contains(&week) {
            continue;
        }
        let now = format!("{}T06:17:00Z", day(week));
        if week == 10 {
            // The office adds the sponsor's new trial with discover --add, and pushes it.
            let office = sim.path("office");
            let _ = std::fs::remove_dir_all(&office);
            git(sim.root.path(), &["clone", "--quiet", "origin.git", "office"]);
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_ctwatch"))
                .args(["--api-base", &sim.server.api(), "discover", "--sponsor", SPONSOR, "--add"])
                .current_dir(&office)
                .env_clear()
                .env("CTWATCH_NOW", &now)
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            assert!(String::from_utf8_lossy(&out.stdout).contains("added 1 to ctwatch.toml"));
            git(&office, &["commit", "--quiet", "-am", "watch the sponsor's new trial"]);
            git(&office, &["push", "--quiet", "origin", "main"]);
        }
        *sim.now.borrow_mut() = now;
        sim.fresh_checkout();
        let job = sim.run_job();
        if !job.ok {
            red_weeks.push(week);
            let why: Vec<&str> = job.log.lines().filter(|l| l.starts_with("::error::")).collect();
            reasons.insert(week, why.join(" | "));
        }
        files_after.insert(week, sim.origin_files().lines().count());
    }
    let elapsed = started.elapsed();

    // Red exactly when someone must act: the overdue duty, the unknown id, the outage.
    let expected: Vec<i64> = (13..=15).chain(GONE).chain(DOWN).collect();
    assert_eq!(red_weeks, expected, "{reasons:#?}");
    for w in GONE {
        assert!(reasons[&w].contains(&format!("Could not sync: {}", id(7))), "week {w}: {}", reasons[&w]);
    }
    for w in 13..=15 {
        assert!(reasons[&w].contains("registry duty finding(s) of severity error"), "week {w}: {}", reasons[&w]);
    }

    // Every stored version posted exactly once, to its own trial's issue.
    let files = sim.origin_files();
    let issues = std::fs::read_to_string(sim.path("gh-state/issues.tsv")).unwrap();
    let issue_of: HashMap<String, u64> = issues
        .lines()
        .map(|l| {
            let (n, title) = l.split_once('\t').unwrap();
            (title.split(' ').nth(1).unwrap().to_string(), n.parse().unwrap())
        })
        .collect();
    assert_eq!(issue_of.len(), TRIALS + 1, "one issue per trial: {issues}");
    let all_comments = comments(&sim);
    let mut versions_stored = 0;
    let mut versions_of: BTreeMap<String, Vec<(NaiveDate, NaiveDate, String)>> = BTreeMap::new();
    for path in files.lines().filter(|f| f.starts_with("snapshots/NCT") && f.ends_with(".json")) {
        let snap: Value =
            serde_json::from_str(&git(&sim.path("origin.git"), &["show", &format!("main:{path}")])).unwrap();
        let nct = snap["nct_id"].as_str().unwrap().to_string();
        let sha = snap["content_sha256"].as_str().unwrap();
        let marker = format!("<!-- ctwatch:{nct}:sha256:{}", sha.trim_start_matches("sha256:"));
        let on_issue = &all_comments[&issue_of[&nct]];
        let posted = on_issue.iter().filter(|c| c.starts_with(&marker)).count();
        assert_eq!(posted, 1, "{path}: posted {posted} times");
        let elsewhere = all_comments.iter().filter(|(n, _)| **n != issue_of[&nct]).flat_map(|(_, c)| c);
        assert_eq!(elsewhere.filter(|c| c.starts_with(&marker)).count(), 0, "{path} on another issue");
        let posted_on =
            snap["study"]["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"].as_str().unwrap();
        let found = &snap["fetched_at"].as_str().unwrap()[..10];
        versions_of.entry(nct).or_default().push((
            NaiveDate::parse_from_str(posted_on, "%Y-%m-%d").unwrap(),
            NaiveDate::parse_from_str(found, "%Y-%m-%d").unwrap(),
            path.to_string(),
        ));
        versions_stored += 1;
    }
    // Besides the change notices: the overdue duty (once) and the unknown id (once).
    let notices: usize = all_comments.values().map(Vec::len).sum();
    let late = &all_comments[&issue_of[&id(LATE)]];
    assert_eq!(late.iter().filter(|c| c.contains(":finding:verification_overdue:")).count(), 1, "{late:#?}");
    let gone = &all_comments[&issue_of[&id(7)]];
    assert_eq!(gone.iter().filter(|c| c.contains(":failing-since:")).count(), 1);
    assert_eq!(notices, versions_stored + 2, "nothing else was posted");

    // Every stored version in exactly one committed digest: a trial's first as "now
    // watched", every later one by its posted and found dates.
    let origin = sim.path("origin.git");
    let log = git(&origin, &["log", "--format=%H", "--", "reports/status/latest.json"]);
    let digests: Vec<Value> = log
        .lines()
        .map(|h| serde_json::from_str(&git(&origin, &["show", &format!("{h}:reports/status/latest.json")])).unwrap())
        .collect();
    for (nct, versions) in &versions_of {
        let mut versions = versions.clone();
        versions.sort();
        let watched = digests
            .iter()
            .filter(|d| {
                d["trials"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|t| t["nct_id"] == *nct && t["changes"]["now_watched"] == true)
            })
            .count();
        assert_eq!(watched, 1, "{nct}: now watched in {watched} digests");
        for (posted, found, path) in &versions[1..] {
            let holding = digests
                .iter()
                .filter(|d| {
                    d["trials"].as_array().unwrap().iter().filter(|t| t["nct_id"] == *nct).any(|t| {
                        t["changes"]["items"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|i| i["posted"] == posted.to_string() && i["found"] == found.to_string())
                    })
                })
                .count();
            assert_eq!(holding, 1, "{path} (posted {posted}, found {found}) is in {holding} digests");
        }
    }

    // A failing trial kept no other trial's change from landing in its weeks.
    let landed_while_gone = versions_of
        .iter()
        .filter(|(nct, _)| **nct != id(7))
        .flat_map(|(_, v)| v)
        .filter(|(_, found, _)| (day(*GONE.start())..=day(*GONE.end())).contains(found))
        .count();
    assert!(landed_while_gone >= 5, "{landed_while_gone} versions of other trials landed in weeks 20–25");
    let version_found_at_26 = versions_of[&id(7)].iter().any(|(_, found, _)| *found == day(26));
    assert!(version_found_at_26, "the unknown id's changes are found once it is answered again");

    // Quiet weeks add no file; the tree holds the versions plus a fixed set of reports.
    for w in QUIET {
        assert_eq!(files_after[&w], files_after[&(w - 1)], "week {w} published nothing yet added files");
    }
    let non_snapshot: BTreeSet<&str> = files.lines().filter(|f| !f.starts_with("snapshots/")).collect();
    let expected_reports = 4 * (TRIALS + 1) + 3 + 2; // progress.{md,html,json,svg}, latest.*, config and .gitignore
    assert_eq!(non_snapshot.len(), expected_reports, "{non_snapshot:#?}");
    assert!(non_snapshot.iter().all(|f| !f.contains("/20")), "no dated report: {non_snapshot:#?}");

    // The bot commits nothing outside snapshots/ and reports/.
    let bot = git(&origin, &["log", "--author=github-actions", "--format=", "--name-only"]);
    assert!(bot.lines().filter(|l| !l.is_empty()).all(|f| f.starts_with("snapshots/") || f.starts_with("reports/")));

    // The figures.
    git(&origin, &["gc", "--quiet", "--aggressive"]);
    let size = git(&origin, &["count-objects", "-v"]);
    let pack_kib: u64 = size.lines().find_map(|l| l.strip_prefix("size-pack: ")).unwrap().trim().parse().unwrap();
    let bot_commits = git(&origin, &["rev-list", "--count", "--author=github-actions", "main"]);
    println!(
        "a year: {} runs ({} skipped), {} bot commits, {} red ({:?}), {} versions published, {} stored, {} landed while a trial failed, {} notices posted, {} digests committed, {} files in the tree, repository pack {} KiB, {:.1} s",
        WEEKS as usize - SKIPPED.len(),
        SKIPPED.len(),
        bot_commits.trim(),
        red_weeks.len(),
        reasons,
        published.values().sum::<usize>() + TRIALS,
        versions_stored,
        landed_while_gone,
        notices,
        digests.len(),
        files.lines().count(),
        pack_kib,
        elapsed.as_secs_f64()
    );
}
