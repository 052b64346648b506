//! The rules at their boundaries.
use super::*;
use crate::accrual::Inclusion;
use serde_json::json;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn study(status: &str, verified: &str) -> Value {
    json!({"protocolSection": {
        "statusModule": {
            "overallStatus": status, "statusVerifiedDate": verified, "lastUpdateSubmitDate": "2025-06-17",
            "startDateStruct": {"date": "2025-01-03", "type": "ACTUAL"},
            "primaryCompletionDateStruct": {"date": "2028-01-03", "type": "ESTIMATED"},
            "completionDateStruct": {"date": "2029-01-03", "type": "ESTIMATED"}},
        "designModule": {"enrollmentInfo": {"count": 35, "type": "ESTIMATED"}},
        "contactsLocationsModule": {"locations": [
            {"facility": "UMC Groningen", "city": "Groningen", "status": "RECRUITING"},
            {"facility": "Radboud Umc", "city": "Nijmegen", "status": "NOT_YET_RECRUITING"}]}}})
}

fn rule<'a>(f: &'a [Finding], name: &str) -> Option<&'a Finding> {
    f.iter().find(|x| x.rule == name)
}

fn ctx<'a>(log: Option<&'a AccrualLog>, as_of: &str) -> Context<'a> {
    Context { log, target: Some(35), as_of: d(as_of), site_approval: None }
}

#[test]
fn verification_boundaries_month_ends_and_leap_years() {
    // Verified 2025-06: the month ends 2025-06-30; due exactly 12 months later.
    let s = study("RECRUITING", "2025-06");
    let at = |day: &str| rule(&check(&s, ctx(None, day)), "verification_overdue").unwrap().clone();
    assert_eq!(at("2026-05-30").due, Some(d("2026-06-30")));
    assert_eq!(at("2026-05-30").severity, Severity::Info, "31 days before");
    assert_eq!(at("2026-05-31").severity, Severity::Warning, "exactly 30 days before");
    assert_eq!(at("2026-06-30").severity, Severity::Warning, "the due day itself is still on time");
    assert_eq!(at("2026-07-01").severity, Severity::Error, "the day after");
    assert_eq!(at("2025-12-01").severity, Severity::Info);
    // Leap years: verified Feb 2024 ends on the 29th; twelve months on is 28 Feb 2025.
    let s = study("RECRUITING", "2024-02");
    assert_eq!(rule(&check(&s, ctx(None, "2025-03-01")), "verification_overdue").unwrap().due, Some(d("2025-02-28")));
    // Closed trials have no verification clock here.
    assert!(rule(&check(&study("COMPLETED", "2020-01"), ctx(None, "2026-01-01")), "verification_overdue").is_none());
}

fn log(rows: &[(&str, &str)]) -> AccrualLog {
    AccrualLog {
        path: "log.csv".into(),
        inclusions: rows
            .iter()
            .map(|(f, day)| Inclusion { facility: f.to_string(), enrolled_on: d(day), ..Default::default() })
            .collect(),
        ..Default::default()
    }
}

#[test]
fn an_unreadable_duty_date_is_a_finding() {
    let s = study("RECRUITING", "2026-13");
    let f = check(&s, ctx(None, "2026-11-26"));
    let u = rule(&f, "unreadable_date").expect("a finding");
    assert_eq!(u.severity, Severity::Error);
    assert!(u.message.contains("\"2026-13\""), "{}", u.message);
}

#[test]
fn site_status_stale_has_a_30_day_window() {
    let s = study("RECRUITING", "2026-06");
    let l = log(&[("UMC Groningen", "2025-02-01"), ("Radboud Umc", "2026-01-28")]);
    let f = |day: &str| rule(&check(&s, ctx(Some(&l), day)), "site_status_stale").cloned();
    let on_time = f("2026-02-10").unwrap();
    assert_eq!((on_time.due, on_time.severity), (Some(d("2026-02-27")), Severity::Warning));
    assert!(on_time.message.contains("Radboud Umc, Nijmegen has included participants since 2026-01-28"));
    assert_eq!(f("2026-02-27").unwrap().severity, Severity::Warning);
    assert_eq!(f("2026-02-28").unwrap().severity, Severity::Error);
    assert!(f("2026-01-27").is_none(), "no inclusion there yet");
}

#[test]
fn overall_status_and_start_date_rules() {
    let mut s = study("NOT_YET_RECRUITING", "2026-06");
    s["protocolSection"]["statusModule"]["startDateStruct"]["type"] = json!("ESTIMATED");
    let l = log(&[("UMC Groningen", "2026-03-01")]);
    let f = check(&s, ctx(Some(&l), "2026-04-15"));
    let o = rule(&f, "overall_status_stale").unwrap();
    assert_eq!((o.due, o.severity), (Some(d("2026-03-31")), Severity::Error));
    let st = rule(&f, "start_date_not_actual").unwrap();
    assert!(st.message.contains("Set the study start date to 2026-03-01 (Actual)"));
    // Target reached while still recruiting.
    let many: Vec<(&str, String)> =
        (0..35).map(|i| ("UMC Groningen", (d("2025-02-01") + Duration::days(i * 10)).to_string())).collect();
    let rows: Vec<(&str, &str)> = many.iter().map(|(f, s)| (*f, s.as_str())).collect();
    let l = log(&rows);
    let f = check(&study("RECRUITING", "2026-06"), ctx(Some(&l), "2026-06-01"));
    let o = rule(&f, "overall_status_stale").unwrap();
    assert!(o.message.starts_with("The target of 35 was reached on 2026-01-07"), "{}", o.message);
}

#[test]
fn completion_primary_completion_enrollment_and_unknown() {
    let mut s = study("RECRUITING", "2026-06");
    s["protocolSection"]["statusModule"]["completionDateStruct"] = json!({"date": "2026-03", "type": "ESTIMATED"});
    s["protocolSection"]["statusModule"]["primaryCompletionDateStruct"] =
        json!({"date": "2026-02", "type": "ESTIMATED"});
    let f = check(&s, ctx(None, "2026-04-15"));
    assert_eq!(
        rule(&f, "completion_passed_open_status").unwrap().due,
        Some(d("2026-04-30")),
        "March counts to its last day"
    );
    assert_eq!(rule(&f, "primary_completion_not_actual").unwrap().due, Some(d("2026-03-30")));
    s["protocolSection"]["statusModule"]["primaryCompletionDateStruct"]["type"] = json!("ACTUAL");
    assert!(rule(&check(&s, ctx(None, "2026-04-15")), "enrollment_not_actual").is_some());
    // UNKNOWN from the later of completion end and verification month end + 24 months.
    let s = study("RECRUITING", "2025-06");
    let u = |day: &str| rule(&check(&s, ctx(None, day)), "unknown_status_risk").cloned();
    assert!(u("2027-06-30").is_none(), "more than a year before 2029-01-04");
    let w = u("2028-06-01").unwrap();
    assert_eq!((w.due, w.severity), (Some(d("2029-01-04")), Severity::Warning));
    assert_eq!(u("2029-01-04").unwrap().severity, Severity::Error);
}

#[test]
fn an_inclusion_before_the_site_s_approval_is_an_error_and_on_the_day_it_is_not() {
    let s = study("RECRUITING", "2026-06");
    let approvals: std::collections::BTreeMap<String, NaiveDate> =
        [("Radboud Umc".to_string(), d("2026-03-15"))].into();
    let findings = |rows: &[(&str, &str)]| {
        let log = log(rows);
        let found = check(&s, Context { site_approval: Some(&approvals), ..ctx(Some(&log), "2026-06-30") });
        rule(&found, "inclusion_before_site_approval").cloned()
    };
    assert!(findings(&[("Radboud Umc", "2026-03-15")]).is_none(), "the approval day itself may include");
    assert!(findings(&[("UMC Groningen", "2025-02-10")]).is_none(), "a site without an approval date is not judged");
    let f = findings(&[("Radboud Umc", "2026-03-14"), ("Radboud Umc", "2026-01-28"), ("Radboud Umc", "2026-04-01")])
        .expect("the day before is too early");
    assert_eq!((f.severity, f.due), (Severity::Error, Some(d("2026-01-28"))));
    assert_eq!(
        f.message,
        "2 participants included at Radboud Umc before the site's approval by the ethics committee (2026-03-15; the first on 2026-01-28): report it to the METC without delay."
    );
    // Inclusions after the report date do not count yet.
    let log = log(&[("Radboud Umc", "2026-01-28")]);
    let before = check(&s, Context { site_approval: Some(&approvals), ..ctx(Some(&log), "2026-01-27") });
    assert!(rule(&before, "inclusion_before_site_approval").is_none());
}
