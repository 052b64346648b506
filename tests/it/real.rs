//! Conformance with real registry answers that other public projects recorded
//! (`../shared/ctgov/versions/` and `../shared/ctgov/more-records/`, read from there, never
//! copied). Expectations were derived by hand from the raw JSON:
//! - NCT04280705: version 0 (history API, HTML, posted 2020-02-21) and the API v2 version
//!   posted 2022-03-14. Their references and the second intervention's description differ only
//!   by `&#x2F;` against `/`: not changes. What really changed is listed in `REAL_GENERIC`.
//! - NCT02552212: two captures of one registry version (same lastUpdatePostDate 2022-08-18);
//!   only `derivedSection` differs (arrays reordered, one intervention leaf's `asFound`).
//! - NCT02210780: the same record twice, different whitespace.
//! - more-records: most list their sites without a per-site status; none of those sites is
//!   "not on the registry".

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::server::Reply;
use crate::{Workspace, shared_dir};

fn read(dir: &str, name: &str) -> String {
    let path: PathBuf = shared_dir(dir).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json_of(run: &crate::Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"))
}

/// The generic (non-dedicated) fields that really changed between NCT04280705 version 0 and
/// the 2022-03-14 version, checked one by one against the raw JSON with every character
/// reference decoded and markup removed.
const REAL_GENERIC: &[&str] = &[
    "derivedSection",
    "documentSection",
    "hasResults",
    "protocolSection.armsInterventionsModule.armGroups[0].description",
    "protocolSection.armsInterventionsModule.armGroups[0].type",
    "protocolSection.armsInterventionsModule.armGroups[1].description",
    "protocolSection.armsInterventionsModule.interventions[0].description",
    "protocolSection.conditionsModule.conditions",
    "protocolSection.conditionsModule.keywords",
    "protocolSection.contactsLocationsModule.centralContacts",
    "protocolSection.descriptionModule.briefSummary",
    "protocolSection.descriptionModule.detailedDescription",
    "protocolSection.designModule.phases",
    "protocolSection.eligibilityModule.eligibilityCriteria",
    "protocolSection.identificationModule.briefTitle",
    "protocolSection.outcomesModule.primaryOutcomes",
    "protocolSection.outcomesModule.secondaryOutcomes",
    "protocolSection.statusModule.lastUpdateSubmitDate",
    "protocolSection.statusModule.resultsFirstPostDateStruct",
    "protocolSection.statusModule.resultsFirstSubmitDate",
    "protocolSection.statusModule.resultsFirstSubmitQcDate",
    "resultsSection",
];

/// A workspace whose loopback registry serves NCT04280705's two real versions. No version
/// list of NCT04280705 was ever recorded: the one served here is built (one entry, version 0,
/// with the date and status of the recorded body), in the shape of the recorded NCT03690141
/// list.
fn nct04280705() -> Workspace {
    let ws = Workspace::new("[[trial]]\nnct_id = \"NCT04280705\"\n");
    let list =
        json!({"changes": [{"version": 0, "date": "2020-02-21", "status": "NOT_YET_RECRUITING", "moduleLabels": []}]});
    ws.server.route("/api/int/studies/NCT04280705/history", vec![Reply::json(list.to_string())]);
    ws.server.route(
        "/api/int/studies/NCT04280705/history/0",
        vec![Reply::json(read("versions", "NCT04280705.history-v0.trajnovd.json"))],
    );
    ws.serve("NCT04280705", vec![Reply::json(read("versions", "NCT04280705.v2-2022-03-14.kimmingul.json"))]);
    ws
}

fn backfill(ws: &Workspace, id: &str) -> crate::Run {
    let base = format!("{}/api/int", ws.server.origin);
    ws.run(&["--history-base", base.as_str(), "backfill", id])
}

#[test]
#[cfg_attr(ctwatch_no_shared, ignore = "needs ../shared/ctgov (recorded registry responses), not found")]
fn versions_from_two_origins_show_only_real_changes() {
    let ws = nct04280705();
    let run = backfill(&ws, "NCT04280705");
    assert_eq!(run.code, 0, "{run:?}");
    let run = ws.run(&["sync", "--format", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(json_of(&run)["trials"][0]["result"], "changed");
    assert_eq!(ws.versions("NCT04280705"), ["2020-02-21.json", "2022-03-14.json"]);

    let diff = json_of(&ws.run(&["diff", "NCT04280705", "--format", "json"]));
    let changes = diff["changes"].as_array().unwrap();
    let paths: Vec<&str> = changes.iter().map(|c| c["path"].as_str().unwrap()).collect();
    // Zero false changes across origins: no reference, no second intervention description.
    let false_changes: Vec<&&str> =
        paths.iter().filter(|p| p.contains("referencesModule") || p.contains("interventions[1].description")).collect();
    assert!(false_changes.is_empty(), "changes that differ only by markup or entities: {false_changes:?}");
    // Every real change is there: the dedicated ones…
    for (path, summary_start) in [
        ("protocolSection.statusModule.overallStatus", "Overall status"),
        ("protocolSection.statusModule.startDateStruct", "Start date"),
        ("protocolSection.statusModule.primaryCompletionDateStruct", "Primary completion date"),
        ("protocolSection.statusModule.completionDateStruct", "Completion date"),
        ("protocolSection.designModule.enrollmentInfo", "Enrollment"),
        ("protocolSection.statusModule.statusVerifiedDate", ""),
    ] {
        let c = changes.iter().find(|c| c["path"] == path).unwrap_or_else(|| panic!("{path} missing: {paths:?}"));
        assert!(c["summary"].as_str().unwrap().starts_with(summary_start), "{c}");
    }
    // …59 sites added and the one site of version 0 with its address changed…
    let sites: Vec<&Value> = changes.iter().filter(|c| c["category"] == "sites").collect();
    let added = sites.iter().filter(|c| c["summary"].as_str().unwrap().starts_with("Site added")).count();
    let moved = sites.iter().filter(|c| c["summary"].as_str().unwrap().starts_with("Site address changed")).count();
    assert_eq!((added, moved, sites.len()), (59, 1, 60), "{sites:?}");
    // …and exactly the generic fields that really changed.
    let mut generic: Vec<&str> = changes
        .iter()
        .filter(|c| c["category"] != "sites")
        .map(|c| c["path"].as_str().unwrap())
        .filter(|p| {
            ![
                "overallStatus",
                "startDateStruct",
                "primaryCompletionDateStruct",
                "completionDateStruct",
                "enrollmentInfo",
            ]
            .iter()
            .any(|d| p.ends_with(d))
                && !p.ends_with("statusVerifiedDate")
                && !p.ends_with("lastUpdatePostDateStruct")
        })
        .collect();
    generic.sort();
    assert_eq!(generic, REAL_GENERIC);

    // The history line stays short: a few high-importance changes, then a count.
    let history = ws.run(&["history", "NCT04280705"]);
    assert_eq!(history.code, 0, "{history:?}");
    let line = history.stdout.lines().find(|l| l.trim_start().starts_with("2022-03-14  ")).unwrap();
    assert!(line.chars().count() < 400, "{} chars: {line}", line.chars().count());
    assert!(line.contains(&format!("(+{} other changes)", changes.len() - 3)), "{line}");

    // Re-running both is a no-op.
    let resync = json_of(&ws.run(&["sync", "--format", "json"]));
    assert_eq!(resync["trials"][0]["result"], "unchanged");
    let before = ws.store();
    assert_eq!(backfill(&ws, "NCT04280705").code, 0);
    assert_eq!(ws.store(), before);
}

#[test]
#[cfg_attr(ctwatch_no_shared, ignore = "needs ../shared/ctgov (recorded registry responses), not found")]
fn a_backfill_after_sync_recognises_the_same_version_across_origins() {
    // Sync first (API v2, Markdown), then backfill the history: version 0 is a different
    // version and is stored; nothing is stored twice.
    let ws = nct04280705();
    assert_eq!(ws.run(&["sync"]).code, 0);
    let run = backfill(&ws, "NCT04280705");
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(ws.versions("NCT04280705"), ["2020-02-21.json", "2022-03-14.json"]);
}

#[test]
#[cfg_attr(ctwatch_no_shared, ignore = "needs ../shared/ctgov (recorded registry responses), not found")]
fn a_missing_version_body_is_named() {
    let ws = nct04280705();
    ws.server.route("/api/int/studies/NCT04280705/history/0", vec![Reply::text(404, "not found")]);
    let run = backfill(&ws, "NCT04280705");
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("version 0") && run.stderr.contains("nothing was stored"), "{}", run.stderr);
    assert!(!run.stderr.contains("no such trial"), "{}", run.stderr);
    assert!(ws.versions("NCT04280705").is_empty());
}

#[test]
#[cfg_attr(ctwatch_no_shared, ignore = "needs ../shared/ctgov (recorded registry responses), not found")]
fn a_registry_refresh_is_not_a_new_version() {
    let ws = Workspace::new("[[trial]]\nnct_id = \"NCT02552212\"\n");
    let first = read("versions", "NCT02552212.v2.aact-39479a06.json");
    let refreshed = read("versions", "NCT02552212.v2.aact-16e2ad7b.json");
    ws.serve("NCT02552212", vec![Reply::json(first.clone()), Reply::json(refreshed.clone())]);
    assert_eq!(ws.run(&["sync"]).code, 0);
    let store = ws.store();
    let run = ws.run(&["sync", "--exit-code", "--format", "json", "--notice", "notice.md"]);
    assert_eq!(run.code, 0, "{run:?}");
    let t = &json_of(&run)["trials"][0];
    assert_eq!(t["result"], "unchanged", "{t}");
    assert_eq!(t["registry_refreshed"], true, "{t}");
    assert_eq!(t["changes"], json!([]));
    assert_eq!(ws.store(), store, "no second snapshot");
    assert!(!ws.path("notice.md").exists(), "no notice for a refresh");
    let table = ws.run(&["sync"]);
    assert!(table.stdout.contains("refreshed its own derived data"), "{}", table.stdout);

    // Diffing the two captures directly: the order of derived arrays is never a change; the
    // one changed term is the only change, and it is the registry's, of low importance.
    let (a, b): (Value, Value) = (serde_json::from_str(&first).unwrap(), serde_json::from_str(&refreshed).unwrap());
    use ctwatch::store::Origin;
    use ctwatch::store::version::{Sameness, comparable, same_version};
    assert_eq!(same_version((&a, Origin::Api), (&b, Origin::Api)), Sameness::Refreshed);
    let pair = comparable((&a, Origin::Api), (&b, Origin::Api));
    let changes = ctwatch::diff::diff(&pair.before, &pair.after);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    // (Index 2 of the leaves in their canonical order: by id.)
    assert_eq!(changes[0].path, "derivedSection.interventionBrowseModule.browseLeaves[2].asFound");
    assert_eq!((changes[0].before.as_str(), changes[0].after.as_str()), (Some("Visible"), Some("Aqueous")));
}

#[test]
#[cfg_attr(ctwatch_no_shared, ignore = "needs ../shared/ctgov (recorded registry responses), not found")]
fn the_same_record_with_other_whitespace_is_unchanged() {
    let ws = Workspace::new("[[trial]]\nnct_id = \"NCT02210780\"\n");
    ws.serve(
        "NCT02210780",
        vec![
            Reply::json(read("versions", "NCT02210780.v2.aact-8f89d804.json")),
            Reply::json(read("versions", "NCT02210780.v2.aact-0fb1d098.json")),
        ],
    );
    assert_eq!(json_of(&ws.run(&["sync", "--format", "json"]))["trials"][0]["result"], "new");
    let again = json_of(&ws.run(&["sync", "--format", "json"]));
    assert_eq!(again["trials"][0]["result"], "unchanged");
    assert!(again["trials"][0].get("registry_refreshed").is_none(), "identical, not refreshed");
}

#[test]
#[cfg_attr(ctwatch_no_shared, ignore = "needs ../shared/ctgov (recorded registry responses), not found")]
fn real_search_pages_are_followed_and_trimmed_records_refused() {
    // biomcp: a real two-page search requested with fields=, so its records are trimmed.
    let ws = Workspace::new("");
    let (p1, p2) = (read("versions", "biomcp.page1.phelan.json"), read("versions", "biomcp.page2.phelan.json"));
    let ids: Vec<String> = [&p1, &p2]
        .iter()
        .flat_map(|p| {
            let v: Value = serde_json::from_str(p).unwrap();
            v["studies"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["protocolSection"]["identificationModule"]["nctId"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    let token = serde_json::from_str::<Value>(&p1).unwrap()["nextPageToken"].as_str().unwrap().to_string();
    ws.server.handle("/api/v2/studies", move |req| {
        if req.param("pageToken") == Some(token.as_str()) { Reply::json(p2.clone()) } else { Reply::json(p1.clone()) }
    });
    let mut args = vec!["sync", "--format", "json"];
    args.extend(ids.iter().map(String::as_str));
    let run = ws.run(&args);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(ws.server.hits("/api/v2/studies"), 2, "page 1, then page 2 with page 1's token");
    let out = json_of(&run);
    for t in out["trials"].as_array().unwrap() {
        assert_eq!(t["result"], "error", "{t}");
        assert!(t["error"].as_str().unwrap().contains("fields="), "{t}");
    }
    assert_eq!(out["trials"].as_array().unwrap().len(), 10);
    assert!(ws.store().is_empty(), "nothing stored");

    // cyanheads: pages that still carry a nextPageToken although every asked-for study is on
    // them: one request, no token followed.
    let ws = Workspace::new("");
    ws.server
        .route("/api/v2/studies", vec![Reply::json(read("versions", "cyanheads.page.NCT00184067+NCT03934567.json"))]);
    let run = ws.run(&["sync", "--format", "json", "NCT00184067", "NCT03934567"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(ws.server.hits("/api/v2/studies"), 1);
    // The same studies fetched one by one are the same versions.
    ws.serve("NCT00184067", vec![Reply::json(read("versions", "NCT00184067.v2.cyanheads.json"))]);
    let one = json_of(&ws.run(&["sync", "--format", "json", "NCT00184067"]));
    assert_eq!(one["trials"][0]["result"], "unchanged", "{one}");
}

/// Every real record: synced, re-synced as unchanged, compared with the live answer (no
/// change), reported and checked at a fixed date without a false "not on the registry".
/// The findings per record at 2026-12-01 were derived by hand from each record's status,
/// dates and verification date against the rules.
#[test]
#[cfg_attr(ctwatch_no_shared, ignore = "needs ../shared/ctgov (recorded registry responses), not found")]
fn every_real_record_syncs_reports_and_checks_without_false_unlisted_sites() {
    // Derived by hand at 2026-12-01 (open = recruiting, not yet, active not recruiting, by
    // invitation): verification due 12 months after statusVerifiedDate's month (open only);
    // an estimated primary completion in the past; an actual primary completion with an
    // estimated enrollment; a completion date past with an open status; the UNKNOWN date
    // (max(completion, verified + 24 months) + 1 day) within a year or past; no update
    // submitted for 12 months (open only).
    const ALL_FIVE: &[&str] = &[
        "completion_passed_open_status",
        "primary_completion_not_actual",
        "record_not_updated",
        "unknown_status_risk",
        "verification_overdue",
    ];
    let records: &[(&str, &str, &[&str])] = &[
        // Terminated; primary completion 2007-05 actual, enrollment still "estimated".
        ("more-records", "NCT00334763.json", &["enrollment_not_actual"]),
        ("more-records", "NCT03412565.json", &[]),
        ("more-records", "NCT03690141.json", &[]),
        ("more-records", "NCT03722472.json", &[]),
        // Active, not recruiting; verified 2026-03 (due 2027-03-31); UNKNOWN only from 2028-04-01.
        ("more-records", "NCT03831932.json", &["verification_overdue"]),
        // Recruiting; verified 2025-02, last update submitted 2025-02-13.
        ("more-records", "NCT06323538.json", &["record_not_updated", "verification_overdue"]),
        // Recruiting; primary completion 2026-07-30 and completion 2026-08-30, both estimated and past;
        // UNKNOWN from 2027-09-01 (within a year).
        (
            "more-records",
            "NCT06927986.json",
            &[
                "completion_passed_open_status",
                "primary_completion_not_actual",
                "unknown_status_risk",
                "verification_overdue",
            ],
        ),
        // Recruiting; verified 2025-08; UNKNOWN from 2028-01-01 (more than a year away).
        ("more-records", "NCT06999187.json", &["verification_overdue"]),
        // Active, not recruiting; completion 2025-10-30 estimated and past; UNKNOWN from 2027-05-01.
        (
            "versions",
            "NCT03934567.v2.cyanheads.json",
            &["completion_passed_open_status", "record_not_updated", "unknown_status_risk", "verification_overdue"],
        ),
        ("versions", "NCT02552212.v2.aact-39479a06.json", &[]),
        ("versions", "NCT04280705.v2-2022-03-14.kimmingul.json", &[]),
        // Recruiting; everything dated 2024 or earlier.
        ("versions", "NCT05147467", ALL_FIVE),
    ];
    for (dir, file, expected_rules) in records {
        let body = if *file == "NCT05147467" {
            let page: Value = serde_json::from_str(&read(dir, "cyanheads.page.NCT05147467.json")).unwrap();
            page["studies"][0].to_string()
        } else {
            read(dir, file)
        };
        let doc: Value = serde_json::from_str(&body).unwrap();
        let id = doc["protocolSection"]["identificationModule"]["nctId"].as_str().unwrap().to_string();
        let ws = Workspace::new(&format!("[[trial]]\nnct_id = \"{id}\"\n"));
        ws.serve(&id, vec![Reply::json(body.clone())]);
        let first = json_of(&ws.run(&["sync", "--format", "json"]));
        assert_eq!(first["trials"][0]["result"], "new", "{id}: {first}");
        let again = json_of(&ws.run(&["sync", "--format", "json"]));
        assert_eq!(again["trials"][0]["result"], "unchanged", "{id}: {again}");
        let live = ws.run(&["diff", &id, "--from", "latest", "--to", "live", "--format", "json"]);
        assert_eq!(live.code, 0, "{id}: {live:?}");
        assert_eq!(json_of(&live)["changes"], json!([]), "{id}");

        // An accrual log with two inclusions at the first listed site, which for most of these
        // records has no per-site status.
        let sites = ctwatch::registry::study::sites(&doc);
        let start = ctwatch::registry::study::date_at(&doc, "/protocolSection/statusModule/startDateStruct/date")
            .unwrap()
            .first_day();
        let as_of = start + chrono::Duration::days(120);
        if let Some(site) = sites.first() {
            let (d1, d2) = (start + chrono::Duration::days(10), start + chrono::Duration::days(40));
            let facility = site.facility.replace('"', "\"\"");
            std::fs::write(
                ws.path("accrual.csv"),
                format!(
                    "participant_id,site,enrolled_on,withdrawn_on\nP1,\"{facility}\",{d1},\nP2,\"{facility}\",{d2},\n"
                ),
            )
            .unwrap();
        }
        let mut args = vec!["report".to_string(), id.clone(), "--format".into(), "json".into()];
        args.extend(["--as-of".into(), as_of.to_string()]);
        if !sites.is_empty() {
            args.extend(["--accrual".into(), "accrual.csv".into()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let report = ws.run(&args);
        assert_eq!(report.code, 0, "{id}: {report:?}");
        let r = json_of(&report);
        let listed = r["sites"].as_array().unwrap();
        assert_eq!(listed.len(), sites.len(), "{id}: one row per registry site, none added");
        assert!(listed.iter().all(|s| s["on_registry"] == true), "{id}");
        let notes = r["notes"].to_string();
        assert!(!notes.contains("does not list"), "{id}: {notes}");
        let md = std::fs::read_to_string(ws.path(&format!("reports/{id}/progress.md"))).unwrap();
        assert!(!md.contains("not on the registry"), "{id}");
        let unstated = sites.iter().filter(|s| s.status.is_none()).count();
        assert_eq!(md.matches("listed, status not given").count(), unstated, "{id}");

        let check = ws.run(&["check", &id, "--format", "json", "--as-of", "2026-12-01"]);
        let findings = json_of(&check);
        let mut rules: Vec<&str> =
            findings["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
        rules.sort();
        rules.dedup();
        assert_eq!(&rules, expected_rules, "{id}: {findings}");
    }
}
