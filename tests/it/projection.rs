//! The projection that reads the registry's history (issue: opening dates from the store,
//! sites that may never open, the robust prior, the pace and the at-risk flag), end to end
//! through `report` and `status`.

use serde_json::Value;

use crate::server::Reply;
use crate::{Workspace, fixture};

const TRIAL: &str = "[[trial]]\nnct_id = \"NCT07038304\"\ntarget = 35\nrecruitment_end = 2029-01-03\naccrual = \"accrual.csv\"\n[trial.site_aliases]\n\"UMCG\" = \"UMC Groningen\"\n";

/// A workspace with the given versions stored (v1: Radboud not yet recruiting, posted
/// 2025-06-26; v2: Radboud recruiting, posted 2025-09-15) and an accrual log.
fn workspace(trial: &str, versions: &[&str], log: &str) -> Workspace {
    let ws = Workspace::new(trial);
    for v in versions {
        ws.serve("NCT07038304", vec![Reply::json(fixture(v))]);
        assert_eq!(ws.run(&["sync"]).code, 0);
    }
    std::fs::write(ws.path("accrual.csv"), log).unwrap();
    ws
}

fn log_of(rows: &[(&str, &str)]) -> String {
    let mut out = String::from("participant_id,site,enrolled_on,withdrawn_on\n");
    for (i, (site, date)) in rows.iter().enumerate() {
        out.push_str(&format!("P{:03},{site},{date},\n", i + 1));
    }
    out
}

fn the_log() -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/NCT07038304/accrual.csv"),
    )
    .unwrap()
}

fn report(ws: &Workspace, as_of: &str) -> (Value, String) {
    let run = ws.run(&["report", "NCT07038304", "--as-of", as_of]);
    assert_eq!(run.code, 0, "{run:?}");
    let json = std::fs::read_to_string(ws.path("reports/NCT07038304/progress.json")).unwrap();
    let md = std::fs::read_to_string(ws.path("reports/NCT07038304/progress.md")).unwrap();
    (serde_json::from_str(&json).unwrap(), md)
}

fn site<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["site_projection"]["sites"].as_array().unwrap().iter().find(|s| s["facility"] == name).unwrap()
}

#[test]
fn opening_dates_come_from_the_registry_history_and_the_report_says_where() {
    let ws = workspace(TRIAL, &["v1", "v2"], &the_log());
    let (r, md) = report(&ws, "2026-11-26");
    // UMC Groningen was recruiting in the first stored version and holds the first inclusion:
    // it started the study, on the registry's actual start date (not its first inclusion).
    let umcg = site(&r, "UMC Groningen");
    assert_eq!((umcg["opens"].as_str(), umcg["opening_source"].as_str()), (Some("2025-01-03"), Some("study-start")));
    // Radboud Umc turned recruiting in the version posted 2025-09-15; its first inclusion came
    // on 2026-01-28, so four months open without an inclusion count.
    let radboud = site(&r, "Radboud Umc");
    assert_eq!(
        (radboud["opens"].as_str(), radboud["opening_source"].as_str()),
        (Some("2025-09-15"), Some("registry-history"))
    );
    assert!(radboud["never_opens"].is_null());
    assert!(md.contains("the study's actual start: this site started it"), "{md}");
    assert!(md.contains("first listed as recruiting on the registry"), "{md}");

    // A first inclusion before the registry listed the site as recruiting (the registry was
    // updated late) marks the opening instead; the first inclusion does not count as evidence.
    let mut log = the_log();
    log.push_str("P015,Radboud Umc,2025-08-20,\n");
    let ws = workspace(TRIAL, &["v1", "v2"], &log);
    let (r, _) = report(&ws, "2026-11-26");
    let radboud = site(&r, "Radboud Umc");
    assert_eq!(
        (radboud["opens"].as_str(), radboud["opening_source"].as_str()),
        (Some("2025-08-20"), Some("first-inclusion"))
    );
}

#[test]
fn a_recruiting_site_without_inclusions_counts_its_open_time() {
    // Only UMC Groningen includes; Radboud Umc has recruited since 2025-09-15 with nobody.
    let umcg: Vec<(&str, &str)> = the_log()
        .lines()
        .skip(1)
        .filter(|l| l.contains(",UMCG,"))
        .map(|l| ("UMCG", &*l.split(',').nth(2).unwrap().to_string().leak()))
        .collect();
    let ws = workspace(TRIAL, &["v1", "v2"], &log_of(&umcg));
    let (r, _) = report(&ws, "2026-11-26");
    let radboud = site(&r, "Radboud Umc");
    assert_eq!(radboud["opening_source"], "registry-history");
    assert_eq!(radboud["enrolled"], 0);
    // Fourteen months open without an inclusion: its rate's posterior is Gamma(a, b + 437
    // days), a = 35·0.5/2, b = 1461·0.5 — about 6 more by the planned end, where a site opening
    // on the report date would be expected to add 9.
    assert_eq!(radboud["projected_by_end"], 6, "{radboud}");
}

#[test]
fn a_site_not_yet_recruiting_may_never_open() {
    // Only v1 is stored: Radboud Umc is listed, not yet recruiting, since 2025-06-26.
    let rows = [("UMCG", "2025-02-10"), ("UMCG", "2025-03-27"), ("UMCG", "2025-04-30"), ("UMCG", "2025-06-19")];
    let ws = workspace(TRIAL, &["v1"], &log_of(&rows));
    let (r, md) = report(&ws, "2025-08-01");
    let radboud = site(&r, "Radboud Umc");
    assert_eq!(radboud["opening_source"], "expected");
    let never = radboud["never_opens"].as_f64().unwrap();
    assert!((0.03..0.3).contains(&never), "{radboud}");
    assert!(radboud["opens"].as_str().unwrap() > "2025-08-01", "{radboud}");
    let model = &r["site_projection"]["opening_model"];
    assert_eq!(model["delays_seen"], 0, "{model}");
    assert!(md.contains("may never open"), "{md}");
    assert!(md.contains("Tufts CSDD, 2013"), "the default's source: {md}");

    // A year later, still not open: never opening has become likelier.
    let (later, _) = report(&ws, "2026-08-01");
    let never_later = site(&later, "Radboud Umc")["never_opens"].as_f64().unwrap();
    assert!(never_later > never, "{never} then {never_later}");
}

#[test]
fn when_recruitment_runs_far_below_the_plan_the_plan_loses_its_weight() {
    // Three inclusions in the first 23 months of a 48-month plan for 35.
    let rows = [("UMCG", "2025-04-01"), ("UMCG", "2025-11-01"), ("Radboud Umc", "2026-06-01")];
    let ws = workspace(TRIAL, &["v1", "v2"], &log_of(&rows));
    let (r, md) = report(&ws, "2026-11-26");
    let check = &r["site_projection"]["plan_check"];
    assert_eq!(check["conflict"], true, "{check}");
    assert!(check["plan_weight"].as_f64().unwrap() < 0.5, "{check}");
    let said = "the plan's rate; the plan has lost its weight and the projection relies on the observed rate";
    assert!(r["notes"].to_string().contains(said), "{}", r["notes"]);
    assert!(md.contains(said), "{md}");
    assert!(md.contains("Recruitment is running at about "), "{md}");
    // The robust model projects later than the plan-bound constant-rate model.
    assert!(r["site_projection"]["median"].as_str() > r["projection"]["median"].as_str(), "{r}");
    // On plan, nothing of the sort is said.
    let ws = workspace(TRIAL, &["v1", "v2"], &the_log());
    let (r, _) = report(&ws, "2026-11-26");
    assert_eq!(r["site_projection"]["plan_check"]["conflict"], false);
    assert!(!r["notes"].to_string().contains(said));
}

#[test]
fn the_pace_and_the_at_risk_flag_in_the_report_the_digest_and_their_json() {
    let ws = workspace(TRIAL, &["v1", "v2"], &the_log());
    let (r, md) = report(&ws, "2026-11-26");
    // 21 to go in 25.3 months; 2 in the last 6 months (after 2026-05-26: 05-30 and 06-29).
    assert!((r["pace"]["needed_per_month"].as_f64().unwrap() - 0.831).abs() < 0.001, "{}", r["pace"]);
    assert!((r["pace"]["recent_per_month"].as_f64().unwrap() - 2.0 / 6.0).abs() < 1e-9, "{}", r["pace"]);
    assert_eq!(r["pace"]["recent_since"], "2026-05-26");
    assert_eq!((r["at_risk"].as_bool(), r["at_risk_below"].as_f64()), (Some(true), Some(0.5)));
    let headline = r["headline"].as_str().unwrap();
    assert!(
        headline.contains("To reach 35 by 2029-01-03 it needs 0.8 a month from now; the last 6 months gave 0.3."),
        "{headline}"
    );
    assert!(headline.ends_with("At risk: that probability is under the 50 % threshold."), "{headline}");
    assert!(
        md.contains("| **At risk** | yes: 33 % chance of reaching the target on time, under the 50 % threshold |"),
        "{md}"
    );

    let now = [("CTWATCH_NOW", "2026-11-26T09:00:00Z")];
    let status = ws.run_env(&["status", "--format", "json", "--as-of", "2026-11-26"], &now);
    let digest: Value = serde_json::from_str(&status.stdout).unwrap_or_else(|_| panic!("{status:?}"));
    let row = &digest["trials"][0];
    assert_eq!(row["recruitment"]["at_risk"], true, "{row}");
    assert!(row["why"].to_string().contains("recruitment at risk: 3"), "{row}");
    let text = ws.run_env(&["status", "--as-of", "2026-11-26"], &now).stdout;
    assert!(text.contains("(at risk)"), "{text}");
    let written = std::fs::read_to_string(ws.path("reports/status/latest.md")).unwrap();
    assert!(written.contains("needs 0.8 a month, the last 6 months gave 0.3"), "{written}");

    // A lower threshold: the same trial is not at risk, and nothing says it is.
    std::fs::write(ws.path("ctwatch.toml"), TRIAL.replace("accrual =", "at_risk_below = 0.2\naccrual =")).unwrap();
    let (r, _) = report(&ws, "2026-11-26");
    assert_eq!((r["at_risk"].as_bool(), r["at_risk_below"].as_f64()), (Some(false), Some(0.2)));
    assert!(!r["headline"].as_str().unwrap().contains("At risk"));
    let text = ws.run_env(&["status", "--as-of", "2026-11-26"], &now).stdout;
    assert!(!text.contains("at risk"), "{text}");

    // A threshold that is not a probability is refused, naming the key.
    std::fs::write(ws.path("ctwatch.toml"), TRIAL.replace("accrual =", "at_risk_below = 50\naccrual =")).unwrap();
    let run = ws.run(&["report", "NCT07038304", "--as-of", "2026-11-26"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("at_risk_below = 50"), "{}", run.stderr);
}

#[test]
fn same_inputs_same_figures() {
    let ws = workspace(TRIAL, &["v1", "v2"], &the_log());
    let (a, _) = report(&ws, "2026-11-26");
    let (b, _) = report(&ws, "2026-11-26");
    assert_eq!(a["site_projection"], b["site_projection"]);
    assert_eq!(a["headline"], b["headline"]);
}

#[test]
fn a_site_the_registry_dropped_without_opening_makes_never_opening_likelier() {
    // Version A (posted 2025-06-26) lists Radboud Umc and Erasmus MC, neither recruiting yet;
    // version B (posted 2025-08-01) has dropped Erasmus MC.
    let mut a: Value = serde_json::from_str(&fixture("v1")).unwrap();
    let locations = a.pointer_mut("/protocolSection/contactsLocationsModule/locations").unwrap();
    let mut erasmus = locations[1].clone();
    erasmus["facility"] = "Erasmus MC".into();
    erasmus["city"] = "Rotterdam".into();
    locations.as_array_mut().unwrap().push(erasmus);
    let mut b: Value = serde_json::from_str(&fixture("v1")).unwrap();
    b["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2025-08-01".into();
    b["protocolSection"]["statusModule"]["lastUpdateSubmitDate"] = "2025-07-30".into();
    let rows = [("UMCG", "2025-02-10"), ("UMCG", "2025-03-27"), ("UMCG", "2025-04-30"), ("UMCG", "2025-06-19")];

    let with_history = Workspace::new(TRIAL);
    for v in [&a, &b] {
        with_history.serve("NCT07038304", vec![Reply::json(v.to_string())]);
        assert_eq!(with_history.run(&["sync"]).code, 0);
    }
    std::fs::write(with_history.path("accrual.csv"), log_of(&rows)).unwrap();
    let (r, md) = report(&with_history, "2025-09-01");
    let model = &r["site_projection"]["opening_model"];
    assert_eq!(model["sites_dropped"], 1, "{model}");
    assert!(md.contains("1 site the registry listed and dropped without it ever recruiting"), "{md}");

    let without = Workspace::new(TRIAL);
    without.serve("NCT07038304", vec![Reply::json(b.to_string())]);
    assert_eq!(without.run(&["sync"]).code, 0);
    std::fs::write(without.path("accrual.csv"), log_of(&rows)).unwrap();
    let (plain, _) = report(&without, "2025-09-01");
    assert_eq!(plain["site_projection"]["opening_model"]["sites_dropped"], 0);
    let never = |r: &Value| site(r, "Radboud Umc")["never_opens"].as_f64().unwrap();
    assert!(never(&r) > never(&plain), "{} vs {}", never(&r), never(&plain));
}
