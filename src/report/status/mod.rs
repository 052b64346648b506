//! The status digest: the sponsor office's weekly digest — one row per trial, what
//! needs action first: what changed on the registry since the previous digest, registry duties
//! (errors, warnings, next due date) and, where an accrual log is configured, recruitment
//! against the plan. Printed, and for the whole portfolio written to
//! `reports/status/latest.{md,html,json}` (changed only when the content changes).
//!
//! Every change is in exactly one digest: a digest covers the versions ctwatch *stored* after
//! the previous digest was made (each snapshot's `fetched_at`), up to now. The previous
//! digest's time is read from the committed `latest.json` itself, so a fresh checkout (the
//! GitHub Action) finds it. `--since DATE` instead picks a window on the registry's posting
//! dates. A trial whose first version was stored in the window is "now watched", not a flood
//! of its history; versions imported from the registry's history (`backfill`) are its past,
//! never news.

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

use crate::compliance::Severity;
use crate::config::Config;
use crate::diff::{self, Importance};
use crate::nct::NctId;
use crate::registry::study;
use crate::report;

mod previous;
mod recruitment;
mod render;

pub use recruitment::Recruitment;

use crate::{clock, inputs};
use previous::{Previous, fetch_failure};
pub use render::{blocks, terminal};

/// Registry changes in the period, by importance.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Changes {
    /// High importance.
    pub high: usize,
    /// Medium.
    pub medium: usize,
    /// Low.
    pub low: usize,
    /// The most important one, in words.
    pub top: Option<String>,
    /// Every change in the window, most important first, with both dates.
    pub items: Vec<ChangeItem>,
    /// The trial's first version was stored in the window: it is now watched, and its current
    /// state is what the row shows.
    pub now_watched: bool,
    /// When the newest of the trial's versions was stored.
    #[serde(skip)]
    pub newest_stored: Option<chrono::DateTime<chrono::Utc>>,
}

/// One registry change in the digest.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeItem {
    /// In words.
    pub summary: String,
    /// How much it matters.
    pub importance: Importance,
    /// The registry's posting date of the version that brought it.
    pub posted: NaiveDate,
    /// The day ctwatch stored that version.
    pub found: NaiveDate,
}

/// The last sync could not fetch the trial.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct FetchFailure {
    /// Why, as the sync said it.
    pub error: String,
    /// Sync runs in a row that failed for this trial, this one included.
    pub failing_runs: u32,
    /// When the first of those runs was (RFC 3339).
    pub failing_since: String,
    /// When the last of them was (RFC 3339): a digest counts each run once.
    pub last_run: String,
}

impl FetchFailure {
    /// "could not fetch (3 runs in a row): not found at the registry (a typo? …)".
    pub fn summary(&self) -> String {
        let runs =
            if self.failing_runs == 1 { String::new() } else { format!(" ({} runs in a row)", self.failing_runs) };
        format!("could not fetch{runs}: {}", crate::text::short_reason(&self.error))
    }
}

/// Registry duties at the as-of date.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Duties {
    /// Findings of severity error (overdue).
    pub errors: usize,
    /// Findings of severity warning (due soon).
    pub warnings: usize,
    /// The earliest due date among errors and warnings.
    pub next_due: Option<NaiveDate>,
    /// The most urgent finding's rule.
    pub top: Option<String>,
    /// The earliest deadline already passed (an error finding's due date).
    pub overdue_since: Option<NaiveDate>,
    /// The earliest deadline still ahead (a warning's due date).
    pub upcoming: Option<NaiveDate>,
}

/// One trial's row (also its JSON shape).
#[derive(Debug, Clone, Serialize)]
pub struct TrialStatus {
    /// The trial.
    pub nct_id: NctId,
    /// Brief title (registry text).
    pub title: Option<String>,
    /// Overall status on the registry.
    pub overall_status: Option<String>,
    /// The registry's last update of the version current at as-of.
    pub last_update: Option<String>,
    /// Changes posted after `since`, up to as-of.
    pub changes: Changes,
    /// Registry duties.
    pub duties: Duties,
    /// Recruitment (null without an accrual log).
    pub recruitment: Option<Recruitment>,
    /// Why the trial could not be assessed (no stored version, bad accrual log…).
    pub error: Option<String>,
    /// The last sync could not fetch it (the row shows the stored data, if any).
    pub fetch: Option<FetchFailure>,
    /// Where the trial stands, in words ("recruiting", "not started (planned 2027-03-01)").
    pub state: String,
    /// What the office must do because of that state, if anything.
    pub to_do: Option<String>,
    /// Why the row needs action (⚠), in words, most urgent first; empty when it does not.
    pub why: Vec<String>,
}

/// What makes a trial urgent, most important first: error findings, a failure to assess it,
/// high-importance changes, warnings, recruitment behind the plan.
type Urgency = (usize, bool, usize, usize, bool);

impl TrialStatus {
    /// Sort key: what needs action first.
    fn urgency(&self) -> (std::cmp::Reverse<Urgency>, NaiveDate, NctId) {
        let behind = self.recruitment.as_ref().is_some_and(|r| r.ahead_of_plan <= -1.0 || r.at_risk);
        let failed = self.error.is_some() || self.fetch.is_some();
        let key = (self.duties.errors, failed, self.changes.high, self.duties.warnings, behind);
        // Among equals, the longest overdue, then the soonest due, first.
        let when = self.duties.overdue_since.or(self.duties.upcoming).unwrap_or(NaiveDate::MAX);
        (std::cmp::Reverse(key), when, self.nct_id.clone())
    }

    fn needs_action(&self) -> bool {
        !self.reasons().is_empty()
    }

    /// Why the row needs action, in words, most urgent first: overdue duties and recruitment at
    /// risk (`why`), a failed fetch or assessment, a high-importance change.
    pub fn reasons(&self) -> Vec<String> {
        let mut out = self.why.clone();
        if let Some(f) = &self.fetch {
            out.push(f.summary());
        }
        if let Some(e) = &self.error {
            out.push(format!("could not be assessed: {}", crate::text::clip(e, 100)));
        }
        if let Some(top) = self.changes.items.iter().find(|i| i.importance == Importance::High) {
            out.push(format!("a high-importance change: {}", crate::text::clip(&top.summary, 80)));
        }
        out
    }
}

/// Which changes a digest covers (JSON: `basis`, `from`, `source`).
#[derive(Debug, Clone, Serialize)]
pub struct Window {
    /// `stored` or `posted`, as [`Window::span`] says.
    pub basis: &'static str,
    /// Start, exclusive, as text.
    pub from: String,
    /// Where `from` came from: `previous digest`, `first digest` (the last 7 days) or `--since`.
    pub source: &'static str,
    /// The same bounds, typed.
    #[serde(skip)]
    pub span: Span,
}

/// A window's bounds.
#[derive(Debug, Clone, Copy)]
pub enum Span {
    /// Versions ctwatch stored after `after` up to `up_to`.
    Stored {
        /// Start, exclusive.
        after: chrono::DateTime<chrono::Utc>,
        /// End, inclusive: now.
        up_to: chrono::DateTime<chrono::Utc>,
    },
    /// Versions the registry posted after the day `after` up to the day `up_to` (`--since`).
    Posted {
        /// Start, exclusive.
        after: NaiveDate,
        /// End, inclusive: the digest date.
        up_to: NaiveDate,
    },
}

impl Window {
    fn new(span: Span, source: &'static str) -> Window {
        let (basis, from) = match span {
            Span::Stored { after, .. } => ("stored", clock::rfc3339(after)),
            Span::Posted { after, .. } => ("posted", after.to_string()),
        };
        Window { basis, from, source, span }
    }
}

/// The digest (also its JSON shape).
#[derive(Debug, Clone, Serialize)]
pub struct Digest {
    /// The digest date.
    pub as_of: NaiveDate,
    /// The first day the window covers, minus one (kept for readers of earlier digests).
    pub since: NaiveDate,
    /// Where the window's start came from (as `window.source`).
    pub since_source: &'static str,
    /// The newest storing time this digest covers (RFC 3339): the next digest starts after
    /// it. A time taken from the store, not the clock, so a rerun with nothing new stored
    /// writes the same digest (and commits nothing).
    pub covered_up_to: String,
    /// Which changes it covers.
    pub window: Window,
    /// One row per trial, what needs action first.
    pub trials: Vec<TrialStatus>,
}

/// Failing sync runs in a row before the trial's issue is told.
pub const FAILING_RUNS_NOTICE: u32 = 3;

/// One trial's row; a failure becomes the row's `error`, never the whole digest's.
fn assess(config: &Config, id: &NctId, window: &Window, as_of: NaiveDate) -> TrialStatus {
    let mut row = TrialStatus {
        nct_id: id.clone(),
        title: None,
        overall_status: None,
        last_update: None,
        changes: Changes::default(),
        duties: Duties::default(),
        recruitment: None,
        error: None,
        fetch: None,
        state: String::new(),
        to_do: None,
        why: Vec::new(),
    };
    // Registry facts, changes and duties need no accrual log: load without one first, so a bad
    // log never hides them.
    let mut loaded = match inputs::load_without_log(config, id, as_of) {
        Ok(l) => l,
        Err(e) => {
            row.error = Some(crate::text::one_line(&e));
            return row;
        }
    };
    let doc = loaded.study();
    row.title = study::brief_title(doc).map(str::to_string);
    row.overall_status = study::overall_status(doc).map(str::to_string);
    row.last_update = Some(loaded.versions[loaded.used].0.posted.to_string());
    row.changes = changes_in(&loaded, window);
    // Findings and recruitment with the configured accrual log, if any.
    let has_log = config.trial(id).is_some_and(|t| t.accrual.is_some());
    let findings = if has_log {
        // The store is read once: the log is attached to the inputs already loaded.
        match loaded.attach_log(None).and_then(|()| report::progress::build_from(&loaded)) {
            Ok(r) => {
                row.recruitment = Recruitment::of(&r);
                r.findings
            }
            Err(e) => {
                row.error = Some(crate::text::one_line(&e));
                loaded.findings()
            }
        }
    } else {
        loaded.findings()
    };
    let urgent: Vec<_> = findings.iter().filter(|f| f.severity != Severity::Info).collect();
    row.duties.errors = urgent.iter().filter(|f| f.severity == Severity::Error).count();
    row.duties.warnings = urgent.len() - row.duties.errors;
    row.duties.next_due = urgent.iter().filter_map(|f| f.due).min();
    row.duties.top = urgent.first().map(|f| f.rule.to_string());
    row.duties.overdue_since = urgent.iter().filter(|f| f.severity == Severity::Error).filter_map(|f| f.due).min();
    row.duties.upcoming = urgent.iter().filter(|f| f.severity == Severity::Warning).filter_map(|f| f.due).min();
    let (state, to_do) = state_in_words(loaded.study(), row.recruitment.as_ref().map(|r| r.enrolled), as_of);
    row.state = state;
    row.to_do = to_do;
    for f in findings.iter().filter(|f| f.severity == Severity::Error) {
        row.why.push(finding_in_words(f, loaded.study(), as_of));
    }
    if let Some(r) = row.recruitment.as_ref().filter(|r| r.at_risk) {
        row.why.push(r.risk_sentence());
    }
    row
}

/// A finding as a manager reads it: what is overdue, since when.
fn finding_in_words(f: &crate::compliance::Finding, doc: &serde_json::Value, as_of: NaiveDate) -> String {
    match f.rule {
        // Said as the rule says it (no pseudonym is in it): a matter for the ethics committee.
        "inclusion_before_site_approval" => f.message.clone(),
        "metc_annual_report" | "metc_end_of_study" | "metc_results_summary" => {
            let what = match f.rule {
                "metc_annual_report" => "annual progress report",
                "metc_end_of_study" => "end-of-study notification",
                _ => "summary of the results",
            };
            match f.due {
                Some(due) => format!("METC duty overdue: {what} (due {due})"),
                None => format!("METC duty: {what}"),
            }
        }
        "verification_overdue" => {
            let verified = study::date_at(doc, study::STATUS_VERIFIED);
            match verified {
                Some(v) => {
                    let months = (as_of.year() - v.first_day().year()) * 12 + as_of.month() as i32
                        - v.first_day().month() as i32;
                    format!("registry record not verified for {months} months")
                }
                None => "registry record not verified in time".into(),
            }
        }
        rule => {
            let what = rule.replace('_', " ");
            match f.due {
                Some(due) => format!("registry duty overdue: {what} (since {due})"),
                None => format!("registry duty: {what}"),
            }
        }
    }
}

/// Where the trial stands in the registry's words, and what (if anything) that asks of the
/// office.
fn state_in_words(doc: &serde_json::Value, enrolled: Option<u32>, as_of: NaiveDate) -> (String, Option<String>) {
    let status = study::overall_status(doc).unwrap_or("");
    let start = study::date_at(doc, study::START_DATE).map(|d| d.first_day());
    let text = |p: &str| doc.pointer(p).and_then(serde_json::Value::as_str).map(str::to_string);
    let completion = text(study::COMPLETION_DATE).unwrap_or_else(|| "–".into());
    match status {
        _ if start.is_some_and(|s| s > as_of) || (status == "NOT_YET_RECRUITING" && enrolled.unwrap_or(0) == 0) => (
            format!("not started (planned {})", start.map_or_else(|| "–".to_string(), |s| s.to_string())),
            Some("nothing yet; set the registry status to recruiting within 30 days of the first inclusion".into()),
        ),
        "RECRUITING" => ("recruiting".into(), None),
        "ENROLLING_BY_INVITATION" => ("enrolling by invitation".into(), None),
        "ACTIVE_NOT_RECRUITING" => (
            "recruitment closed, follow-up ongoing".into(),
            Some(format!("update the record when the study completes (planned {completion})")),
        ),
        "COMPLETED" => (
            format!("completed ({completion})"),
            Some("nothing on the registry's status; post results where they are due".into()),
        ),
        "TERMINATED" => (
            format!(
                "terminated{}",
                text(study::WHY_STOPPED).map_or_else(String::new, |w| format!(": {}", crate::text::clip(&w, 60)))
            ),
            Some("nothing on the registry's status; post results where they are due".into()),
        ),
        "WITHDRAWN" => (
            "withdrawn before the first participant".into(),
            Some("nothing; it can be taken off the watch list".into()),
        ),
        "SUSPENDED" => {
            ("suspended".into(), Some("update the registry status when recruitment resumes or the study stops".into()))
        }
        "UNKNOWN" => (
            "status unknown on the registry (not verified for 2 years)".into(),
            Some("verify the record on the registry and update its status and dates".into()),
        ),
        other => (diff::humanize(other), None),
    }
}

/// The changes a digest covers for one trial (see the module's doc for which).
fn changes_in(loaded: &inputs::Loaded, window: &Window) -> Changes {
    let mut changes = Changes::default();
    let found = |snap: &crate::store::Snapshot| clock::parse_instant(&snap.fetched_at);
    let mut items: Vec<ChangeItem> = Vec::new();
    changes.newest_stored = loaded.versions.iter().filter_map(|(_, snap)| found(snap)).max();
    let item = |(version, snap, c): (&crate::store::StoredVersion, &crate::store::Snapshot, crate::diff::Change)| {
        let day = found(snap).map_or(version.posted, |t| t.date_naive());
        ChangeItem { summary: c.summary, importance: c.importance, posted: version.posted, found: day }
    };
    match window.span {
        Span::Posted { after, up_to } => {
            items =
                loaded.changes_where(|_, (v, _)| v.posted > after && v.posted <= up_to).into_iter().map(item).collect();
        }
        Span::Stored { after, up_to } => {
            let within = |t: Option<chrono::DateTime<chrono::Utc>>| t.is_some_and(|t| t > after && t <= up_to);
            // Now watched: nothing of this trial was stored before the window.
            changes.now_watched = loaded.versions.iter().all(|(_, snap)| found(snap).is_none_or(|t| t > after))
                && loaded.versions.iter().any(|(_, snap)| within(found(snap)));
            if !changes.now_watched {
                // Found by a sync in the window, against a version already known then (a
                // version backfilled later is the trial's past, not news).
                items = loaded
                    .changes_where(|(_, b), (_, a)| {
                        a.origin == crate::store::Origin::Api && within(found(a)) && found(b) <= found(a)
                    })
                    .into_iter()
                    .map(item)
                    .collect();
            }
        }
    }
    items.sort_by_key(|i| i.importance);
    for i in &items {
        match i.importance {
            Importance::High => changes.high += 1,
            Importance::Medium => changes.medium += 1,
            Importance::Low => changes.low += 1,
        }
    }
    changes.top = items.iter().find(|i| i.importance != Importance::Low).map(|i| i.summary.clone());
    changes.items = items;
    changes
}

/// The digest of `ids` at `as_of`, `now` being the clock's instant: the window (from `since`
/// on the registry's posting dates, else from what the previous digest in `dir` covered), one
/// row per trial, what needs action first.
pub fn build(
    config: &Config,
    ids: &[NctId],
    since: Option<NaiveDate>,
    as_of: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
    dir: &std::path::Path,
) -> anyhow::Result<Digest> {
    let previous = Previous::read(dir);
    let window = match (since, previous.covered_up_to) {
        (Some(since), _) => Window::new(Span::Posted { after: since, up_to: as_of }, "--since"),
        (None, Some(t)) => Window::new(Span::Stored { after: t, up_to: now }, "previous digest"),
        (None, None) => Window::new(Span::Stored { after: now - Duration::days(7), up_to: now }, "first digest"),
    };
    let state = crate::store::Store::new(&config.snapshots).sync_state().and_then(|s| s.last_run);
    let progress = crate::feedback::start("status", ids.len() as u64, "trials", false);
    // Trials are independent: assessed on every core.
    let mut trials: Vec<TrialStatus> = crate::parallel::map(ids, |id| {
        let mut row = assess(config, id, &window, as_of);
        row.fetch = fetch_failure(id, state.as_ref(), previous.fetch.get(id));
        progress.inc(1, id.as_str());
        row
    });
    drop(progress);
    trials.sort_by_key(TrialStatus::urgency);
    // The newest version any trial has stored (never before the window's start).
    let newest = trials.iter().filter_map(|t| t.changes.newest_stored).max();
    let (since, newest_stored) = match window.span {
        Span::Posted { after, .. } => (after, newest.map_or_else(|| window.from.clone(), clock::rfc3339)),
        Span::Stored { after, .. } => (after.date_naive(), clock::rfc3339(newest.map_or(after, |n| n.max(after)))),
    };
    let digest = Digest { as_of, since, since_source: window.source, covered_up_to: newest_stored, window, trials };
    Ok(digest)
}
