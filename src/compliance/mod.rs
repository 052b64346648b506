//! Registry duties as a clock: what the sponsor must update on ClinicalTrials.gov, by when.
//!
//! The rules follow the registry's update duties (42 CFR 11.64: recruitment status and each
//! site's status within 30 days of a change; the primary completion date and enrollment within
//! 30 days of reaching it; verification of the record at least every 12 months) and the
//! registry's definition of UNKNOWN status (an open status past the completion date whose
//! verification is more than two years old). Partial dates count to the end of their period.
//!
//! Severity (DESIGN): `error` when the deadline has passed, `warning` when it falls within the
//! next 30 days (for the UNKNOWN risk: within a year), `info` otherwise.

use chrono::{Duration, Months, NaiveDate};
use serde::Serialize;
use serde_json::Value;

use crate::accrual::AccrualLog;
use crate::diff::humanize;
use crate::partial_date::PartialDate;
use crate::registry::study::{date_at as date, text_at as text};

/// How urgent a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A deadline has passed.
    Error,
    /// A deadline within 30 days (a risk within a year).
    Warning,
    /// For information: the next deadline.
    Info,
}

impl Severity {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One finding: `{rule, severity, due, message}` (DESIGN).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Rule id, e.g. `verification_overdue`.
    pub rule: &'static str,
    /// How urgent.
    pub severity: Severity,
    /// The last day to act (for `unknown_status_risk`: the first day the registry shows UNKNOWN).
    pub due: Option<NaiveDate>,
    /// What to update, by when and why.
    pub message: String,
}

/// Statuses the registry treats as open (a trial still under way).
const OPEN: [&str; 4] = ["RECRUITING", "NOT_YET_RECRUITING", "ACTIVE_NOT_RECRUITING", "ENROLLING_BY_INVITATION"];

fn severity(due: NaiveDate, as_of: NaiveDate, warn_days: i64) -> Severity {
    if as_of > due {
        Severity::Error
    } else if (due - as_of).num_days() <= warn_days {
        Severity::Warning
    } else {
        Severity::Info
    }
}

fn months(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_months(Months::new(n)).unwrap_or(d)
}

/// Inputs beyond the record: the accrual log and the target.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The sponsor's accrual log, if known.
    pub log: Option<&'a AccrualLog>,
    /// The recruitment target.
    pub target: Option<u32>,
    /// The report date.
    pub as_of: NaiveDate,
    /// The first day each site may include (facility → the committee's approval).
    pub site_approval: Option<&'a std::collections::BTreeMap<String, NaiveDate>>,
    /// The ethics committee's clock: its decision and what was submitted to it.
    pub committee: Option<&'a Committee>,
}

/// What every rule reads, prepared once.
struct Record<'a> {
    study: &'a Value,
    as_of: NaiveDate,
    target: Option<u32>,
    /// `overallStatus`.
    status: &'a str,
    /// The status the duties concern: `lastKnownStatus` while the registry shows UNKNOWN.
    effective: &'a str,
    /// `effective` is one of [`OPEN`].
    open: bool,
    verified: Option<PartialDate>,
    completion: Option<PartialDate>,
    /// The log's inclusions up to as-of, oldest first.
    inclusions: Vec<&'a crate::accrual::Inclusion>,
    site_approval: Option<&'a std::collections::BTreeMap<String, NaiveDate>>,
    committee: Option<&'a Committee>,
}

impl Record<'_> {
    /// The text at `field` of the status module.
    fn text(&self, field: &str) -> Option<&str> {
        text(self.study, &format!("{}/{field}", crate::registry::study::STATUS_MODULE))
    }

    /// The date at `field` of the status module.
    fn date(&self, field: &str) -> Option<PartialDate> {
        date(self.study, &format!("{}/{field}", crate::registry::study::STATUS_MODULE))
    }

    fn first_inclusion(&self) -> Option<NaiveDate> {
        self.inclusions.first().map(|i| i.enrolled_on)
    }

    /// A finding for `rule` under the 30-day rule (42 CFR 11.64(a)(1)(ii)): due 30 days after
    /// `event`, a warning in the last 30; `message` says it given the due date.
    fn within_30_days(
        &self,
        rule: &'static str,
        event: NaiveDate,
        message: impl FnOnce(NaiveDate) -> String,
    ) -> Finding {
        let due = event + Duration::days(30);
        Finding { rule, severity: severity(due, self.as_of, 30), due: Some(due), message: message(due) }
    }

    /// The primary completion date when the registry gives it the type `kind`.
    fn primary_completion(&self, kind: &str) -> Option<PartialDate> {
        self.date("primaryCompletionDateStruct/date")
            .filter(|_| self.text("primaryCompletionDateStruct/type") == Some(kind))
    }
}

/// The rules, each a function with its source; [`check`] runs them all.
const RULES: [fn(&Record, &mut Vec<Finding>); 14] = [
    unreadable_date,
    verification_overdue,
    site_status_stale,
    overall_status_stale,
    start_date_not_actual,
    primary_completion_not_actual,
    enrollment_not_actual,
    completion_passed_open_status,
    unknown_status_risk,
    record_not_updated,
    inclusion_before_site_approval,
    committee::metc_annual_report,
    committee::metc_end_of_study,
    committee::metc_results_summary,
];

/// All findings for a record, most severe first, then by due date.
pub fn check(study: &Value, ctx: Context) -> Vec<Finding> {
    let sm = crate::registry::study::STATUS_MODULE;
    let status = text(study, &format!("{sm}/overallStatus")).unwrap_or("");
    let effective =
        if status == "UNKNOWN" { text(study, &format!("{sm}/lastKnownStatus")).unwrap_or(status) } else { status };
    let mut inclusions: Vec<_> =
        ctx.log.map(|l| l.inclusions.iter().filter(|i| i.enrolled_on <= ctx.as_of).collect()).unwrap_or_default();
    inclusions.sort_by_key(|i| i.enrolled_on);
    let record = Record {
        study,
        as_of: ctx.as_of,
        target: ctx.target,
        status,
        effective,
        open: OPEN.contains(&effective),
        verified: date(study, &format!("{sm}/statusVerifiedDate")),
        completion: date(study, &format!("{sm}/completionDateStruct/date")),
        inclusions,
        site_approval: ctx.site_approval,
        committee: ctx.committee,
    };
    let mut out = Vec::new();
    for rule in RULES {
        rule(&record, &mut out);
    }
    out.sort_by_key(|f| (f.severity, f.due));
    out
}

/// `unreadable_date`: a duty date the registry holds but that is not a date (the data element
/// definitions of ClinicalTrials.gov: YYYY, YYYY-MM or YYYY-MM-DD); the rules that depend on it
/// cannot be checked, which is itself worth fixing.
fn unreadable_date(r: &Record, out: &mut Vec<Finding>) {
    for (field, label) in [
        ("statusVerifiedDate", "status verified date"),
        ("startDateStruct/date", "start date"),
        ("primaryCompletionDateStruct/date", "primary completion date"),
        ("completionDateStruct/date", "completion date"),
        ("lastUpdateSubmitDate", "last update submitted date"),
    ] {
        if let Some(raw) = r.text(field).filter(|_| r.date(field).is_none()) {
            let shown: String = raw.chars().take(40).collect();
            out.push(Finding {
                rule: "unreadable_date",
                severity: Severity::Error,
                due: None,
                message: format!(
                    "The record's {label} is {shown:?}, which is not a date (YYYY, YYYY-MM or YYYY-MM-DD), so the duties that depend on it cannot be checked. Correct it on the registry (PRS)."
                ),
            });
        }
    }
}

/// `verification_overdue`: an open record is verified at least every 12 months (42 CFR
/// 11.64(a)(1)(i)).
fn verification_overdue(r: &Record, out: &mut Vec<Finding>) {
    let Some(v) = r.verified.filter(|_| r.open) else { return };
    let due = months(v.last_day(), 12);
    let sev = severity(due, r.as_of, 30);
    let message = match sev {
        Severity::Error => format!(
            "The record was last verified in {v}, more than 12 months ago. Review it and confirm or update it on the registry (PRS) now; the deadline was {due}. Records must be verified at least every 12 months (42 CFR 11.64)."
        ),
        _ => format!(
            "The record was last verified in {v}. Review and verify it on the registry (PRS) by {due}: records must be verified at least every 12 months (42 CFR 11.64)."
        ),
    };
    out.push(Finding { rule: "verification_overdue", severity: sev, due: Some(due), message });
}

/// `site_status_stale`: a site's recruitment status is updated within 30 days of a change
/// (42 CFR 11.64(a)(1)(ii)) — inclusions at a site the registry lists as not yet recruiting.
fn site_status_stale(r: &Record, out: &mut Vec<Finding>) {
    let Some(sites) = r.study.pointer(crate::registry::study::LOCATIONS).and_then(Value::as_array) else { return };
    for site in sites.iter().filter(|s| s["status"] == "NOT_YET_RECRUITING") {
        let facility = site["facility"].as_str().unwrap_or("");
        let first = r.inclusions.iter().find(|i| i.facility.eq_ignore_ascii_case(facility)).map(|i| i.enrolled_on);
        if let Some(first) = first {
            let city = site["city"].as_str().map(|c| format!(", {c}")).unwrap_or_default();
            out.push(r.within_30_days(
                "site_status_stale",
                first,
                |due| format!(
                    "{facility}{city} has included participants since {first}, but the registry still lists the site as not yet recruiting. Set the site's recruitment status to Recruiting by {due}: site status must be updated within 30 days of a change (42 CFR 11.64(a)(1)(ii))."
                ),
            ));
        }
    }
}

/// `overall_status_stale`: the overall status is updated within 30 days of a change (42 CFR
/// 11.64(a)(1)(ii)) — the target reached while the registry says recruiting, or the first
/// inclusion while it says not yet recruiting.
fn overall_status_stale(r: &Record, out: &mut Vec<Finding>) {
    if let (Some(target), "RECRUITING") = (r.target, r.status)
        && r.inclusions.len() >= target as usize
        && target > 0
    {
        let reached = r.inclusions[target as usize - 1].enrolled_on;
        out.push(r.within_30_days(
            "overall_status_stale",
            reached,
            |due| format!(
                "The target of {target} was reached on {reached}, but the registry still says Recruiting. If recruitment has ended, set the overall status to Active, not recruiting (or Completed) by {due}: status changes must be posted within 30 days (42 CFR 11.64(a)(1)(ii))."
            ),
        ));
    }
    if let (Some(first), "NOT_YET_RECRUITING") = (r.first_inclusion(), r.status) {
        out.push(r.within_30_days(
            "overall_status_stale",
            first,
            |due| format!(
                "The first participant was included on {first}, but the registry still says Not yet recruiting. Set the overall status to Recruiting by {due}: status changes must be posted within 30 days (42 CFR 11.64(a)(1)(ii))."
            ),
        ));
    }
}

/// `start_date_not_actual`: the first inclusion is the actual study start, to be posted
/// within 30 days (42 CFR 11.64(a)(1)(ii)).
fn start_date_not_actual(r: &Record, out: &mut Vec<Finding>) {
    let Some(first) = r.first_inclusion() else { return };
    if r.text("startDateStruct/type") == Some("ACTUAL") {
        return;
    }
    out.push(r.within_30_days(
        "start_date_not_actual",
        first,
        |due| format!(
            "The first participant was included on {first}, but the registry's start date is still estimated ({}). Set the study start date to {first} (Actual) by {due} (42 CFR 11.64(a)(1)(ii)).",
            r.text("startDateStruct/date").unwrap_or("none")
        ),
    ));
}

/// `primary_completion_not_actual`: an estimated primary completion date that has passed is
/// made actual or moved within 30 days (42 CFR 11.64(a)(1)(ii)).
fn primary_completion_not_actual(r: &Record, out: &mut Vec<Finding>) {
    let Some(pc) = r.primary_completion("ESTIMATED").filter(|pc| pc.last_day() < r.as_of) else { return };
    out.push(r.within_30_days(
        "primary_completion_not_actual",
        pc.last_day(),
        |due| format!(
            "The estimated primary completion date ({pc}) has passed. If the last participant's primary outcome was measured, enter the actual date; if not, move the estimate. Update by {due} (42 CFR 11.64(a)(1)(ii): within 30 days)."
        ),
    ));
}

/// `enrollment_not_actual`: once the primary completion date is actual, the actual enrollment
/// is due within 30 days (42 CFR 11.64(a)(1)(ii)).
fn enrollment_not_actual(r: &Record, out: &mut Vec<Finding>) {
    let Some(pc) = r.primary_completion("ACTUAL") else { return };
    if text(r.study, crate::registry::study::ENROLLMENT_TYPE) != Some("ESTIMATED") {
        return;
    }
    out.push(r.within_30_days(
        "enrollment_not_actual",
        pc.last_day(),
        |due| format!(
            "The primary completion date ({pc}) is actual, but the enrollment is still the estimated target. Enter the actual number of participants enrolled by {due} (42 CFR 11.64(a)(1)(ii))."
        ),
    ));
}

/// `completion_passed_open_status`: a completion date past with an open status is updated
/// within 30 days (42 CFR 11.64(a)(1)(ii)).
fn completion_passed_open_status(r: &Record, out: &mut Vec<Finding>) {
    let Some(c) = r.completion.filter(|c| r.open && c.last_day() < r.as_of) else { return };
    out.push(r.within_30_days(
        "completion_passed_open_status",
        c.last_day(),
        |due| format!(
            "The completion date ({c}) has passed but the status is still {}. Update the overall status (e.g. Completed) and the completion date (Actual) by {due}, or move the estimate (42 CFR 11.64(a)(1)(ii)).",
            humanize(r.effective)
        ),
    ));
}

/// `unknown_status_risk`: the day the registry starts showing an open record as UNKNOWN — its
/// completion date passed and its verification more than two years old (ClinicalTrials.gov's
/// definition of "Unknown status").
fn unknown_status_risk(r: &Record, out: &mut Vec<Finding>) {
    let (true, Some(c), Some(v)) = (r.open, r.completion, r.verified) else { return };
    let unknown_from = c.last_day().max(months(v.last_day(), 24)) + Duration::days(1);
    let sev = severity(unknown_from - Duration::days(1), r.as_of, 365);
    if sev == Severity::Info {
        return;
    }
    let message = if sev == Severity::Error {
        format!(
            "The registry shows (or will show) this record as UNKNOWN since {unknown_from}: the completion date ({c}) has passed and the last verification ({v}) is more than two years old. Verify the record and update its status and dates to restore it."
        )
    } else {
        format!(
            "From {unknown_from} the registry will show this record as UNKNOWN status (completion date {c} passed and last verification {v} more than two years old). Verify the record, or update the completion date, before then."
        )
    };
    out.push(Finding { rule: "unknown_status_risk", severity: sev, due: Some(unknown_from), message });
}

/// `record_not_updated`: an open record without an update submitted for 12 months (a warning:
/// the registry expects open records to be kept current, 42 CFR 11.64).
fn record_not_updated(r: &Record, out: &mut Vec<Finding>) {
    let Some(last) = r.date("lastUpdateSubmitDate").filter(|_| r.open) else { return };
    let due = months(last.last_day(), 12);
    if r.as_of > due {
        out.push(Finding {
            rule: "record_not_updated",
            severity: Severity::Warning,
            due: Some(due),
            message: format!(
                "No update has been submitted since {last}. Check that status, dates, enrollment and sites are still current and submit an update."
            ),
        });
    }
}

/// `inclusion_before_site_approval`: a participant included at a site before the ethics
/// committee approved that site (or the amendment adding it). Research with people may start at
/// a site only after the committee's positive decision covers it (WMO art. 2 and 3; CCMO:
/// inclusion before approval is a serious breach, reported to the committee without delay).
/// One finding per site, overdue since its first early inclusion.
fn inclusion_before_site_approval(r: &Record, out: &mut Vec<Finding>) {
    let Some(approvals) = r.site_approval else { return };
    for (site, approved) in approvals {
        let early: Vec<&&crate::accrual::Inclusion> = r
            .inclusions
            .iter()
            .filter(|i| i.facility.eq_ignore_ascii_case(site) && i.enrolled_on < *approved)
            .collect();
        let Some(first) = early.first() else { continue };
        let message = format!(
            "{} included at {site} before the site's approval by the ethics committee ({approved}; the first on {}): report it to the METC without delay.",
            crate::text::plural(early.len(), "participant"),
            first.enrolled_on
        );
        out.push(Finding {
            rule: "inclusion_before_site_approval",
            severity: Severity::Error,
            due: Some(first.enrolled_on),
            message,
        });
    }
}

mod committee;
pub use committee::Committee;

#[cfg(test)]
mod tests;
