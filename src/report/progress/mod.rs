//! The recruitment progress report: one model ([`ProgressReport`]) built from the stored
//! snapshot, the config and the accrual log, rendered to blocks ([`blocks`]) for Markdown and
//! HTML, an SVG chart ([`chart`]), a terminal summary ([`summary`]) and JSON (the model
//! itself, whose keys are DESIGN's contract).
//!
//! Reproducible: the snapshot used is the newest one posted on or before `--as-of`, so a
//! report for a past date is the same whenever it is made.

pub mod blocks;
pub mod chart;
pub mod lead;
pub mod plan;
pub mod summary;

pub use lead::{Lead, LeadFigures, site_model};
pub use plan::{Disagreement, Disagreements, Source, Sources, disagreements, plan_of};
pub use summary::headline;

pub use crate::inputs::{Loaded, load};
use crate::lang::{Lang, count, percent};

use std::path::Path;

use anyhow::Context;
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use serde_json::Value;

use crate::config::{Config, STUDY_PAGE};
use crate::diff::Importance;
use crate::nct::NctId;
use crate::progress::{Plan, Projection, SiteProgress, sites};
use crate::registry::study::{self, text_at};

/// Registry changes within this many days before as-of are listed in the report.
pub const RECENT_DAYS: i64 = 90;

/// Facts about the trial from the registry record used.
#[derive(Debug, Clone, Serialize)]
pub struct TrialInfo {
    /// Brief title.
    pub title: Option<String>,
    /// Official title.
    pub official_title: Option<String>,
    /// Lead sponsor.
    pub sponsor: Option<String>,
    /// `orgStudyIdInfo.id` (for Dutch trials the CCMO number).
    pub org_study_id: Option<String>,
    /// `overallStatus`.
    pub overall_status: Option<String>,
    /// `lastUpdatePostDate` of the version used.
    pub last_update: Option<String>,
    /// The snapshot file used.
    pub snapshot: String,
    /// The record on the registry's website.
    pub registry_url: String,
}

/// A registry change of the last [`RECENT_DAYS`] days.
#[derive(Debug, Clone, Serialize)]
pub struct RecentChange {
    /// The version that brought it.
    pub snapshot: String,
    /// Its `lastUpdatePostDate`.
    pub date: String,
    /// `high` or `medium`.
    pub importance: Importance,
    /// What changed.
    pub summary: String,
}

/// The progress report. The first keys are DESIGN's contract; the rest extend it.
#[derive(Debug, Clone, Serialize)]
pub struct ProgressReport {
    /// The trial.
    pub nct_id: NctId,
    /// The report date.
    pub as_of: NaiveDate,
    /// Target n.
    pub target: u32,
    /// Included m (withdrawn included); `null` without an accrual log (unknown, not zero).
    pub enrolled: Option<u32>,
    /// Withdrawn early; `null` without an accrual log.
    pub withdrawn: Option<u32>,
    /// 100·m/n.
    pub percent_of_target: Option<f64>,
    /// Start of recruitment (registry start date).
    pub start_date: NaiveDate,
    /// Planned end of recruitment.
    pub recruitment_end: NaiveDate,
    /// t/T.
    pub elapsed_fraction: f64,
    /// n·t/T (capped at n).
    pub expected_by_now: f64,
    /// The Bayesian projection; `null` without a log. Once the target is reached all three
    /// dates are the date it was reached and the probability is 1 (reached by the planned
    /// end) or 0.
    pub projection: Option<Projection>,
    /// The trial has not started: the report date is before the start of recruitment; no
    /// figure is measured against the plan yet.
    pub not_started: bool,
    /// The inclusion rate needed from now to reach the target by the planned end, and the rate
    /// of the last 6 months (`null` without an accrual log, before the start, or once the
    /// target is reached).
    pub pace: Option<crate::progress::Pace>,
    /// The probability of reaching the target on time (the leading model's) is under
    /// `at_risk_below`; `null` when there is no projection.
    pub at_risk: Option<bool>,
    /// The at-risk threshold (ctwatch.toml `at_risk_below`, default 0.5).
    pub at_risk_below: f64,
    /// The site-aware projection (Poisson–gamma per site, sites opening over time), when there
    /// is an accrual log and the target is not reached.
    pub site_projection: Option<crate::progress::sites::SiteProjection>,
    /// The model the headline leads with: `site-aware` or `constant-rate`.
    pub leading_model: Lead,
    /// Why it leads.
    pub leading_reason: String,
    /// Per site.
    pub sites: Vec<SiteProgress>,
    /// m − n·t/T (positive: ahead of the linear plan).
    pub ahead_of_plan: Option<f64>,
    /// When the n-th participant was included.
    pub target_reached_on: Option<NaiveDate>,
    /// One paragraph for people.
    pub headline: String,
    /// Plain statements about edge cases and data sources.
    pub notes: Vec<String>,
    /// From the registry record.
    pub trial: TrialInfo,
    /// Where the figures came from.
    pub sources: Sources,
    /// Sorted inclusion dates up to as-of (the chart's data; no participant ids).
    pub inclusion_dates: Vec<NaiveDate>,
    /// High and medium registry changes of the last 90 days.
    pub recent_changes: Vec<RecentChange>,
    /// Registry compliance findings at as-of.
    pub findings: Vec<crate::compliance::Finding>,
}

fn text(study: &Value, pointer: &str) -> Option<String> {
    text_at(study, pointer).map(str::to_string)
}

/// Builds the progress report of `id` at `as_of`.
pub fn build(
    config: &Config,
    id: &NctId,
    accrual_override: Option<&Path>,
    as_of: NaiveDate,
) -> anyhow::Result<ProgressReport> {
    let loaded = load(config, id, accrual_override, as_of)?;
    build_from(&loaded)
}

/// Builds the progress report from loaded inputs.
pub fn build_from(loaded: &Loaded) -> anyhow::Result<ProgressReport> {
    let (id, as_of, used) = (&loaded.id, loaded.as_of, loaded.used);
    let versions = &loaded.versions;
    let mut notes = loaded.notes.clone();
    let (version, _) = &versions[used];
    let study = loaded.study();

    let (plan, sources) = plan_of(loaded)?;
    let Plan { start, end: recruitment_end, target, prior_certainty } = plan.clone();
    notes.extend(disagreements(loaded, &plan, &sources).sentences(Lang::En));

    let locations = loaded.locations();
    let log = loaded.log.as_ref();

    // A trial not started yet (its start date ahead) gets a short report, not an error: what
    // is planned, and what will be tracked from the start.
    let not_started = as_of < start;
    let progress = match plan.progress(log, as_of) {
        Err(crate::progress::ProgressError::BeforeStart { .. }) => plan.before_start(log, as_of),
        other => other.with_context(|| id.to_string())?,
    };
    let site_rows = sites(&locations, log, as_of);
    let mut inclusion_dates: Vec<NaiveDate> =
        log.iter().flat_map(|l| l.inclusions.iter().map(|i| i.enrolled_on)).filter(|d| *d <= as_of).collect();
    inclusion_dates.sort();

    let projection = match (progress.target_reached_on, progress.projection) {
        (Some(reached), _) => Some(Projection {
            p10: reached,
            median: reached,
            p90: reached,
            probability_on_time: if reached <= recruitment_end { 1.0 } else { 0.0 },
            prior_certainty,
        }),
        (None, p) => p,
    };
    let enrolled = progress.enrolled;
    let ahead_of_plan = enrolled.map(|m| m as f64 - progress.expected_by_now);

    // Plain statements for the edge cases.
    match (enrolled, progress.target_reached_on) {
        (None, _) => notes.push(
            "No accrual log was given, so recruitment counts are unknown (not zero). Pass --accrual FILE or set accrual in ctwatch.toml."
                .into(),
        ),
        (Some(0), _) => notes.push(format!(
            "No inclusions yet: the projection rests on the plan alone, weighted by the prior certainty P = {prior_certainty}."
        )),
        (_, Some(reached)) => notes.push(format!("The target of {target} was reached on {reached}.")),
        _ => {}
    }
    if let Some(first) = inclusion_dates.first().filter(|d| **d < start) {
        let early = inclusion_dates.iter().filter(|d| **d < start).count();
        notes.push(format!(
            "{early} inclusion{} in the accrual log {} dated before the start of recruitment ({start}), the first on {first}: check the log, or the start date on the registry (the start is the first participant's consent).",
            if early == 1 { "" } else { "s" },
            if early == 1 { "is" } else { "are" }
        ));
    }
    if as_of > recruitment_end {
        notes.push(format!("The planned end of recruitment ({recruitment_end}) has passed."));
    }
    for s in site_rows.iter().filter(|s| !s.on_registry && s.enrolled.unwrap_or(0) > 0) {
        notes.push(format!("The accrual log has inclusions at {}, a site the registry does not list.", s.facility));
    }

    let recent_changes: Vec<RecentChange> = loaded
        .changes_posted(as_of - Duration::days(RECENT_DAYS), as_of)
        .into_iter()
        .filter(|(_, c)| c.importance != Importance::Low)
        .map(|(v, c)| RecentChange {
            snapshot: v.name.clone(),
            date: v.posted.to_string(),
            importance: c.importance,
            summary: c.summary,
        })
        .collect();

    // The site-aware model, and which model leads: the site-aware one when at least two sites
    // are known (to the registry or the log), since a constant rate then mixes a past with
    // fewer sites and a future with more.
    let site_model = site_model(loaded, &plan, &site_rows, as_of);
    let site_projection = if enrolled.is_some() && progress.target_reached_on.is_none() && !not_started {
        site_model.project()
    } else {
        None
    };
    let leading_model = Lead::of(site_projection.is_some());
    let leading_reason = match (&site_projection, site_rows.len()) {
        (None, _) => String::new(),
        (Some(_), 0 | 1) => "One site: the site-aware model is the constant-rate model with the site's opening read from the registry and a robust prior that lets the inclusions overrule the plan when they contradict it.".to_string(),
        (Some(_), sites) => format!(
            "{sites} sites are known, opening at different times: a rate per site follows them; a single constant rate would mix a past with fewer sites and a future with more."
        ),
    };
    // Where the registry moved the goalposts: the leading model against its figures too.
    let registry_end = loaded.registry_end();
    let registry_target = loaded.registry_target();
    if enrolled.is_some() && progress.target_reached_on.is_none() && !not_started {
        let (t2, e2) = (registry_target.unwrap_or(target), registry_end.unwrap_or(recruitment_end));
        if (t2, e2) != (target, recruitment_end) && e2 > start {
            let p = if leading_model == Lead::SiteAware {
                crate::progress::sites::SiteModel { target: t2, end: e2, ..site_model.clone() }
                    .project()
                    .map(|p| p.probability_on_time)
            } else {
                let t = (as_of - start).num_days() as f64;
                crate::progress::bayes::Accrual {
                    target: t2,
                    enrolled: enrolled.unwrap_or(0),
                    elapsed_days: t,
                    planned_days: (e2 - start).num_days() as f64,
                    prior_certainty,
                }
                .project(as_of, e2)
                .map(|p| p.probability_on_time)
            };
            if let Some(p) = p {
                notes.push(format!(
                    "Against the registry's own figures ({t2} participants, completion {e2}) the probability of reaching the target by then is {}.",
                    percent(100.0 * p)
                ));
            }
        }
    }

    let pace = (enrolled.is_some() && progress.target_reached_on.is_none() && !not_started)
        .then(|| crate::progress::pace(&inclusion_dates, &plan, as_of));
    if let Some(check) = site_projection.as_ref().map(|p| p.plan_check).filter(|c| c.conflict) {
        notes.push(plan_conflict_sentence(check.rate_vs_plan));
    }
    let at_risk_below = loaded.trial.and_then(|t| t.at_risk_below).unwrap_or(crate::config::DEFAULT_AT_RISK_BELOW);

    let mut report = ProgressReport {
        pace,
        at_risk: None,
        at_risk_below,
        not_started,
        site_projection,
        leading_model,
        leading_reason,
        nct_id: id.clone(),
        as_of,
        target,
        enrolled,
        withdrawn: progress.withdrawn,
        percent_of_target: enrolled.map(|m| 100.0 * m as f64 / target as f64),
        start_date: start,
        recruitment_end,
        elapsed_fraction: progress.elapsed_fraction,
        expected_by_now: progress.expected_by_now,
        projection,
        sites: site_rows,
        ahead_of_plan,
        target_reached_on: progress.target_reached_on,
        headline: String::new(),
        notes,
        trial: TrialInfo {
            title: text(study, study::BRIEF_TITLE),
            official_title: text(study, study::OFFICIAL_TITLE),
            sponsor: text(study, study::LEAD_SPONSOR),
            org_study_id: text(study, study::ORG_STUDY_ID),
            overall_status: text(study, study::OVERALL_STATUS),
            last_update: text(study, study::LAST_UPDATE),
            snapshot: version.name.clone(),
            registry_url: format!("{STUDY_PAGE}{id}"),
        },
        sources,
        inclusion_dates,
        recent_changes,
        findings: loaded.findings(),
    };
    report.at_risk = (report.target_reached_on.is_none())
        .then(|| report.lead().map(|l| l.probability_on_time < at_risk_below))
        .flatten();
    report.headline = headline(&report);
    Ok(report)
}

/// What the robust prior's verdict means, for people: "about half the plan".
pub fn plan_conflict_sentence(rate_vs_plan: f64) -> String {
    let share = if rate_vs_plan < 1.0 {
        match (rate_vs_plan * 4.0).round() as u32 {
            0 => "well under a quarter of".to_string(),
            1 => "about a quarter of".into(),
            2 => "about half".into(),
            3 => "about three quarters of".into(),
            _ => format!("about {} of", percent(100.0 * rate_vs_plan)),
        }
    } else if rate_vs_plan < 1.75 {
        format!("about {} of", percent(100.0 * rate_vs_plan))
    } else {
        format!("about {:.0} times", rate_vs_plan)
    };
    format!(
        "Recruitment is running at {share} the plan's rate; the plan has lost its weight and the projection relies on the observed rate."
    )
}
