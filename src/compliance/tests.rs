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
    Context { log, target: Some(35), as_of: d(as_of), site_approval: None, committee: None }
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

fn ended(status: &str, completion: &str, why: Option<&str>) -> Value {
    let mut s = study(status, "2029-07");
    s["protocolSection"]["statusModule"]["completionDateStruct"] = json!({"date": completion, "type": "ACTUAL"});
    if let Some(why) = why {
        s["protocolSection"]["statusModule"]["whyStopped"] = json!(why);
    }
    s
}

fn committee_findings(s: &Value, c: &Committee, as_of: &str) -> Vec<Finding> {
    check(s, Context { committee: Some(c), ..ctx(None, as_of) })
        .into_iter()
        .filter(|f| f.rule.starts_with("metc_"))
        .collect()
}

#[test]
fn the_annual_report_is_due_each_year_from_the_decision_until_submitted() {
    let s = study("RECRUITING", "2026-06");
    let mut c = Committee { decision: d("2024-10-01"), ..Default::default() };
    let first = |c: &Committee, as_of: &str| committee_findings(&s, c, as_of)[0].clone();
    assert_eq!(first(&c, "2025-09-01").due, Some(d("2025-10-01")));
    assert_eq!(first(&c, "2025-09-01").severity, Severity::Warning, "30 days before");
    assert_eq!(first(&c, "2025-08-31").severity, Severity::Info);
    assert_eq!(first(&c, "2025-10-01").severity, Severity::Warning, "the day itself is on time");
    assert_eq!(first(&c, "2025-10-02").severity, Severity::Error, "the day after");
    assert!(first(&c, "2025-10-02").message.contains("year 1 (2024-10-01 – 2025-09-30)"));
    // Submitted (no earlier than 90 days before): the next year's is what is due.
    c.annual_reports = vec![d("2025-07-03")];
    assert_eq!(first(&c, "2025-10-02").due, Some(d("2026-10-01")), "90 days before counts");
    c.annual_reports = vec![d("2025-07-02")];
    assert_eq!(first(&c, "2025-10-02").due, Some(d("2025-10-01")), "91 days before is too early to count");
    c.annual_reports = vec![d("2025-10-20"), d("2026-09-15")];
    assert_eq!(first(&c, "2026-11-26").due, Some(d("2027-10-01")));
    assert_eq!(first(&c, "2026-11-26").severity, Severity::Info);
}

#[test]
fn the_end_of_study_notification_is_due_in_8_weeks_or_15_days_when_ended_early() {
    let c = Committee { decision: d("2024-10-01"), annual_reports: vec![d("2025-10-01")], ..Default::default() };
    let rule_at =
        |s: &Value, name: &str, as_of: &str| committee_findings(s, &c, as_of).into_iter().find(|f| f.rule == name);
    let done = ended("COMPLETED", "2026-03-31", None);
    let f = rule_at(&done, "metc_end_of_study", "2026-05-26").unwrap();
    assert_eq!((f.due, f.severity), (Some(d("2026-05-26")), Severity::Warning), "8 weeks; the day itself on time");
    assert_eq!(rule_at(&done, "metc_end_of_study", "2026-05-27").unwrap().severity, Severity::Error);
    assert!(rule_at(&done, "metc_annual_report", "2026-11-01").is_none(), "no annual report after the end");
    let results = rule_at(&done, "metc_results_summary", "2026-05-27").unwrap();
    assert_eq!(results.due, Some(d("2027-03-31")), "a year after the end");
    let early = ended("TERMINATED", "2026-03-31", None);
    let f = rule_at(&early, "metc_end_of_study", "2026-04-16").unwrap();
    assert_eq!((f.due, f.severity), (Some(d("2026-04-15")), Severity::Error), "15 days when ended early");
    assert!(f.message.contains("the registry record gives none (whyStopped)"), "{}", f.message);
    let with_reason = ended("TERMINATED", "2026-03-31", Some("Slow accrual"));
    assert!(!rule_at(&with_reason, "metc_end_of_study", "2026-04-16").unwrap().message.contains("whyStopped"));
    // Done: recorded as submitted.
    let c = Committee { end_of_study_notification: Some(d("2026-05-01")), results_summary: Some(d("2027-01-10")), ..c };
    assert!(committee_findings(&done, &c, "2027-06-01").iter().all(|f| f.rule == "metc_annual_report"));
    // Still running (estimated completion): only the annual report.
    assert!(
        committee_findings(&study("RECRUITING", "2026-06"), &c, "2026-05-01")
            .iter()
            .all(|f| f.rule == "metc_annual_report")
    );
}
