//! The sponsor's duties towards the Dutch ethics committee (METC) under the WMO, on the clock
//! from the committee's positive decision and the study's end. The source of each deadline is
//! the CCMO's guidance to sponsors ("Voortgang en einde van het onderzoek"): an annual progress
//! report each year from the date of the positive decision; a notification of the end of the
//! study within 8 weeks of its end, within 15 days when it ends early (with the reason); the
//! summary of the results within a year of the end. "Done" is what the investigator's file
//! records under `[submitted]`.

use chrono::{Duration, NaiveDate};

use super::{Finding, Record, months, severity};

/// What the committee's clock runs from, and what was submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Committee {
    /// The committee's positive decision.
    pub decision: NaiveDate,
    /// Dates annual progress reports were submitted.
    pub annual_reports: Vec<NaiveDate>,
    /// Date the end-of-study notification was submitted.
    pub end_of_study_notification: Option<NaiveDate>,
    /// Date the summary of the results was submitted.
    pub results_summary: Option<NaiveDate>,
}

/// A submission counts for a deadline when it is made at most this long before it.
const EARLY_SUBMISSION: i64 = 90;

/// The study's end, if it has ended: the actual completion date of a completed, terminated or
/// withdrawn study, and whether it ended early (terminated or withdrawn).
fn ended(r: &Record) -> Option<(NaiveDate, bool)> {
    let early = match r.effective {
        "COMPLETED" => false,
        "TERMINATED" | "WITHDRAWN" => true,
        _ => return None,
    };
    let actual = r.text("completionDateStruct/type") == Some("ACTUAL");
    r.completion.filter(|_| actual).map(|c| (c.last_day(), early))
}

/// `metc_annual_report`: the annual progress report, due each year on the anniversary of the
/// committee's positive decision while the study runs (CCMO: voortgangsrapportage, yearly).
/// The first report not submitted is the finding (error once its day has passed, a warning in
/// the last 30 days, else the next date to plan for).
pub(super) fn metc_annual_report(r: &Record, out: &mut Vec<Finding>) {
    let Some(c) = r.committee else { return };
    let end = ended(r).map(|(end, _)| end);
    let mut submitted: Vec<NaiveDate> = c.annual_reports.clone();
    submitted.sort();
    let mut used = 0;
    for year in 1..=100u32 {
        let due = months(c.decision, 12 * year);
        if end.is_some_and(|end| due > end) {
            return;
        }
        // The submissions in order: the first one made no earlier than 90 days before the
        // deadline counts for it.
        while used < submitted.len() && submitted[used] < due - Duration::days(EARLY_SUBMISSION) {
            used += 1;
        }
        if used < submitted.len() {
            used += 1;
            continue;
        }
        let from = months(c.decision, 12 * (year - 1));
        let message = format!(
            "The annual progress report to the METC for year {year} ({from} – {}) is due {due}: submit it (CCMO: yearly from the positive decision of {}), and record the date under [submitted] annual_reports.",
            due - Duration::days(1),
            c.decision
        );
        out.push(Finding { rule: "metc_annual_report", severity: severity(due, r.as_of, 30), due: Some(due), message });
        return;
    }
}

/// `metc_end_of_study`: the notification of the end of the study, due 8 weeks after it ended,
/// 15 days when it ended early, with the reason (CCMO: melding einde onderzoek).
pub(super) fn metc_end_of_study(r: &Record, out: &mut Vec<Finding>) {
    let (Some(c), Some((end, early))) = (r.committee, ended(r)) else { return };
    if c.end_of_study_notification.is_some() {
        return;
    }
    let (due, within) = if early {
        (end + Duration::days(15), "15 days: it ended early")
    } else {
        (end + Duration::weeks(8), "8 weeks")
    };
    let mut message = format!(
        "The study ended on {end}: notify the METC of the end of the study by {due} (within {within}), and record the date under [submitted] end_of_study_notification."
    );
    if early && r.text("whyStopped").is_none_or(|w| w.trim().is_empty()) {
        message.push_str(" The notification must give the reason; the registry record gives none (whyStopped).");
    }
    out.push(Finding { rule: "metc_end_of_study", severity: severity(due, r.as_of, 30), due: Some(due), message });
}

/// `metc_results_summary`: the summary of the study's results, due a year after its end
/// (CCMO: onderzoeksresultaten binnen een jaar na het einde van het onderzoek).
pub(super) fn metc_results_summary(r: &Record, out: &mut Vec<Finding>) {
    let (Some(c), Some((end, _))) = (r.committee, ended(r)) else { return };
    if c.results_summary.is_some() {
        return;
    }
    let due = months(end, 12);
    let message = format!(
        "Send the METC the summary of the results by {due}, a year after the end of the study ({end}), and record the date under [submitted] results_summary."
    );
    out.push(Finding { rule: "metc_results_summary", severity: severity(due, r.as_of, 60), due: Some(due), message });
}
