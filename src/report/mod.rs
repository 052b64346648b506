//! The recruitment progress report: one model ([`ProgressReport`]) built from the stored
//! snapshot, the config and the accrual log, rendered by pure functions to Markdown
//! ([`markdown`]), HTML ([`html`]), an SVG chart ([`chart`]), a terminal summary
//! ([`summary`]) and JSON (the model itself, whose keys are DESIGN's contract).
//!
//! Reproducible: the snapshot used is the newest one posted on or before `--as-of`, so a
//! report for a past date is the same whenever it is made.

pub use crate::inputs::{Loaded, load};

/// Language of the ethics report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// English
    En,
    /// Dutch (Nederlands), as Dutch METC forms are
    Nl,
}

pub mod blocks;
pub mod chart;
pub mod docx;
pub mod dutch;
pub mod ethics;
pub mod html;
pub mod markdown;
pub mod progress;
pub mod status;
pub mod summary;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use serde_json::Value;

use crate::config::{Config, STUDY_PAGE};
use crate::diff::{self, Importance};
use crate::nct::NctId;
use crate::progress::{Plan, Projection, SiteProgress, sites};
use crate::registry::study::{self, date_at, text_at};

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

/// Where the plan's figures came from.
#[derive(Debug, Clone, Serialize)]
pub struct Sources {
    /// The config or the registry.
    pub target: Source,
    /// The config or the registry.
    pub recruitment_end: Source,
    /// The config or the default.
    pub prior_certainty: Source,
    /// The accrual log read, if any.
    pub accrual_log: Option<String>,
}

/// Where a figure of the plan came from (JSON: `config`, `registry`, `default`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// `ctwatch.toml`.
    Config,
    /// The registry record.
    Registry,
    /// ctwatch's default.
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Config => "config",
            Source::Registry => "registry",
            Source::Default => "default",
        })
    }
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

/// The plan a trial is measured against, and where each figure came from: the config when
/// set, else the registry (start date; completion date counted to the end of its period;
/// enrollment count) and P = 0.5.
pub fn plan_of(loaded: &Loaded) -> anyhow::Result<(Plan, Sources)> {
    let (id, study, trial_cfg) = (&loaded.id, loaded.study(), loaded.trial);
    let version = &loaded.versions[loaded.used].0;
    let start = date_at(study, study::START_DATE)
        .with_context(|| format!("{id}: the registry record ({}) has no start date", version.name))?
        .first_day();
    let (end, end_source) = match trial_cfg.and_then(|t| t.recruitment_end) {
        Some(d) => (d, Source::Config),
        None => (
            loaded.registry_end().with_context(|| {
                format!("{id}: no completion date on the registry; set recruitment_end in ctwatch.toml")
            })?,
            Source::Registry,
        ),
    };
    let target_source = if trial_cfg.and_then(|t| t.target).is_some() { Source::Config } else { Source::Registry };
    let target = loaded
        .target()
        .with_context(|| format!("{id}: the registry gives no enrollment target; set target in ctwatch.toml"))?;
    let (prior_certainty, prior_source) = match trial_cfg.and_then(|t| t.prior_certainty) {
        Some(p) => (p, Source::Config),
        None => (0.5, Source::Default),
    };
    let sources = Sources {
        target: target_source,
        recruitment_end: end_source,
        prior_certainty: prior_source,
        accrual_log: loaded.log_path.as_ref().map(|p| p.display().to_string()),
    };
    Ok((Plan { start, end, target, prior_certainty }, sources))
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
    let leading_model = Lead::for_sites(site_rows.len(), site_projection.is_some());
    let leading_reason = match (&site_projection, leading_model) {
        (Some(_), Lead::SiteAware) => format!(
            "{} sites are known, opening at different times: a rate per site follows them; a single constant rate would mix a past with fewer sites and a future with more.",
            site_rows.len()
        ),
        (Some(_), Lead::ConstantRate) => "One site: the constant-rate model is the site-aware model.".to_string(),
        (None, _) => String::new(),
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

    let mut report = ProgressReport {
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
    report.headline = headline(&report);
    Ok(report)
}

/// Which projection model a report leads with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lead {
    /// A rate per site, sites opening over time.
    SiteAware,
    /// One rate for the whole trial.
    ConstantRate,
}

impl Lead {
    /// The one rule: the site-aware model leads when it projected and at least two sites are
    /// known (to the registry or the log) — a constant rate then mixes a past with fewer sites
    /// and a future with more; with one site the two are the same model.
    pub fn for_sites(sites: usize, site_projection: bool) -> Lead {
        if site_projection && sites >= 2 { Lead::SiteAware } else { Lead::ConstantRate }
    }

    /// Its name in the report's words.
    pub fn as_str(self) -> &'static str {
        match self {
            Lead::SiteAware => "site-aware",
            Lead::ConstantRate => "constant-rate",
        }
    }
}

impl std::fmt::Display for Lead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The leading model's figures: the dates the target is reached and the probability by the
/// planned end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeadFigures {
    /// 10 % of the time sooner.
    pub p10: NaiveDate,
    /// The median.
    pub median: NaiveDate,
    /// 90 % of the time sooner.
    pub p90: NaiveDate,
    /// P(target reached by the planned end).
    pub probability_on_time: f64,
    /// Which model.
    pub model: Lead,
}

impl ProgressReport {
    /// The figures of the model the report leads with, when it projected.
    pub fn lead(&self) -> Option<LeadFigures> {
        match (&self.site_projection, self.leading_model) {
            (Some(s), Lead::SiteAware) => Some(LeadFigures {
                p10: s.p10,
                median: s.median,
                p90: s.p90,
                probability_on_time: s.probability_on_time,
                model: Lead::SiteAware,
            }),
            _ => self.projection.as_ref().map(|p| LeadFigures {
                p10: p.p10,
                median: p.median,
                p90: p.p90,
                probability_on_time: p.probability_on_time,
                model: Lead::ConstantRate,
            }),
        }
    }

    /// The leading model's 10 %, median and 90 % dates the target is reached.
    pub fn lead_dates(&self) -> Option<(NaiveDate, NaiveDate, NaiveDate)> {
        self.lead().map(|l| (l.p10, l.median, l.p90))
    }
}

/// A figure the plan uses that the registry states differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Disagreement<T> {
    /// The figure used (from ctwatch.toml: the approved plan).
    pub used: T,
    /// What the registry now says.
    pub registry: T,
}

/// Where the plan (ctwatch.toml) and the registry disagree on the target or the end date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Disagreements {
    /// Recruitment target.
    pub target: Option<Disagreement<u32>>,
    /// Planned end of recruitment against the registry's completion date.
    pub recruitment_end: Option<Disagreement<NaiveDate>>,
}

/// The disagreements between the plan used and the registry version used.
pub fn disagreements(loaded: &Loaded, plan: &Plan, sources: &Sources) -> Disagreements {
    let target = loaded
        .registry_target()
        .filter(|c| sources.target == Source::Config && *c != plan.target)
        .map(|registry| Disagreement { used: plan.target, registry });
    let recruitment_end = loaded
        .registry_end()
        .filter(|e| sources.recruitment_end == Source::Config && *e != plan.end)
        .map(|registry| Disagreement { used: plan.end, registry });
    Disagreements { target, recruitment_end }
}

impl Disagreements {
    /// Which figure a report uses and why, a sentence per disagreement.
    pub fn sentences(&self, lang: Lang) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(Disagreement { used, registry }) = self.target {
            out.push(match lang {
                Lang::En => format!(
                    "The target used is {used}, from ctwatch.toml: the approved plan the trial is measured against. The registry now lists {registry} participants."
                ),
                Lang::Nl => format!(
                    "Het gebruikte aantal is {used} proefpersonen, uit ctwatch.toml: het goedgekeurde plan waaraan de studie wordt gemeten. Het register vermeldt nu {registry} proefpersonen."
                ),
            });
        }
        if let Some(Disagreement { used, registry }) = self.recruitment_end {
            out.push(match lang {
                Lang::En => format!(
                    "The planned end of recruitment used is {}, from ctwatch.toml: the approved plan. The registry's completion date, {}, is the end of the whole study.",
                    lang.date(used),
                    lang.date(registry)
                ),
                Lang::Nl => format!(
                    "Het gebruikte geplande einde van de inclusie is {}, uit ctwatch.toml: het goedgekeurde plan. De einddatum in het register, {}, is het einde van het hele onderzoek.",
                    lang.date(used),
                    lang.date(registry)
                ),
            });
        }
        out
    }
}

/// The site-aware model of a trial at `as_of`: the plan, the sites with their inclusions and
/// first inclusions, configured opening dates and registry statuses.
pub fn site_model(
    loaded: &Loaded,
    plan: &Plan,
    site_rows: &[crate::progress::SiteProgress],
    as_of: NaiveDate,
) -> crate::progress::sites::SiteModel {
    let openings = loaded.trial.map(|t| t.site_opening.clone()).unwrap_or_default();
    crate::progress::sites::SiteModel {
        target: plan.target,
        start: plan.start,
        end: plan.end,
        as_of,
        prior_certainty: plan.prior_certainty,
        sites: site_rows
            .iter()
            .map(|s| crate::progress::sites::SiteInput {
                name: s.facility.clone(),
                inclusions: s.enrolled.unwrap_or(0),
                opened: openings.iter().find(|(k, _)| k.eq_ignore_ascii_case(&s.facility)).map(|(_, d)| *d),
                first_inclusion: s.first_enrolled_on,
                not_yet_recruiting: s.registry_status.as_deref() == Some("NOT_YET_RECRUITING"),
            })
            .collect(),
    }
}

impl Lang {
    /// The language code (`en`, `nl`): HTML's `lang`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
        }
    }

    /// What a report file of this language carries before its extension: nothing, `-nl`.
    pub fn file_suffix(self) -> &'static str {
        match self {
            Lang::En => "",
            Lang::Nl => "-nl",
        }
    }

    /// A date as readers of this language write it: `2029-01-03`, `03-01-2029` (dd-mm-jjjj).
    pub fn date(self, d: NaiveDate) -> String {
        match self {
            Lang::En => d.to_string(),
            Lang::Nl => d.format("%d-%m-%Y").to_string(),
        }
    }

    /// A projected date: [`Lang::date`], or "after 2100" ("na 2100") at the projection's horizon.
    pub fn projected(self, d: NaiveDate) -> String {
        match (self, d >= crate::progress::HORIZON) {
            (Lang::En, true) => crate::progress::show(d),
            (Lang::Nl, true) => "na 2100".into(),
            _ => self.date(d),
        }
    }

    /// A registry date text in this language: `YYYY-MM-DD` as [`Lang::date`], a partial
    /// `YYYY-MM` as `mm-jjjj` in Dutch; anything else as it is.
    pub fn date_text(self, text: &str) -> String {
        if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return self.date(d);
        }
        match (self, text.split_once('-')) {
            (Lang::Nl, Some((y, m)))
                if y.len() == 4 && m.len() == 2 && y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) =>
            {
                format!("{m}-{y}")
            }
            _ => text.to_string(),
        }
    }

    /// A number already formatted with a decimal point, with this language's decimal mark.
    pub fn decimal(self, text: &str) -> String {
        match self {
            Lang::En => text.to_string(),
            Lang::Nl => text.replace('.', ","),
        }
    }
}

/// The length of a value starting at `i` that must not be broken across lines: a date
/// (`2029-01-03`, `03-01-2029`) or a number with its percent sign (`49 %`, `15,2 %`).
pub(crate) fn unbreakable_at(c: &[char], i: usize) -> Option<usize> {
    let digits = |at: usize, n: usize| at + n <= c.len() && c[at..at + n].iter().all(char::is_ascii_digit);
    let starts = i == 0 || !c[i - 1].is_ascii_alphanumeric() && !matches!(c[i - 1], '.' | ',' | '-');
    if !starts || !c[i].is_ascii_digit() {
        return None;
    }
    let dash = |at: usize| c.get(at) == Some(&'-');
    let ends = |n: usize| c.get(i + n).is_none_or(|x| !x.is_ascii_alphanumeric());
    if (digits(i, 4) && dash(i + 4) && digits(i + 5, 2) && dash(i + 7) && digits(i + 8, 2)
        || digits(i, 2) && dash(i + 2) && digits(i + 3, 2) && dash(i + 5) && digits(i + 6, 4))
        && ends(10)
    {
        return Some(10);
    }
    let mut j = i;
    while j < c.len()
        && (c[j].is_ascii_digit() || matches!(c[j], '.' | ',') && c.get(j + 1).is_some_and(char::is_ascii_digit))
    {
        j += 1;
    }
    (matches!(c.get(j), Some(' ' | '\u{a0}')) && c.get(j + 1) == Some(&'%')).then_some(j + 2 - i)
}

/// A number of participants for prose: `2.6`, `3`.
pub fn count(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r.fract() == 0.0 { format!("{r:.0}") } else { format!("{r:.1}") }
}

/// A percentage for prose: `40 %`.
pub fn percent(x: f64) -> String {
    format!("{:.0} %", x)
}

/// The one paragraph a person reads first.
pub fn headline(r: &ProgressReport) -> String {
    if r.not_started {
        let listed = r.sites.iter().filter(|s| s.on_registry).count();
        let days = (r.start_date - r.as_of).num_days();
        return format!(
            "Not started: recruitment is planned to start on {} (in {}). The plan: {} participants by {}, at {}. From the start, ctwatch tracks inclusions against this plan, projects when the target is reached and watches the registry duties.",
            r.start_date,
            crate::render::plural(days as usize, "day"),
            r.target,
            r.recruitment_end,
            crate::render::plural(listed, "site")
        );
    }
    let elapsed = percent(100.0 * r.elapsed_fraction.min(1.0));
    let Some(m) = r.enrolled else {
        let recruiting = r.sites.iter().filter(|s| s.registry_status.as_deref() == Some("RECRUITING")).count();
        return format!(
            "Recruitment unknown (no accrual log). {elapsed} of the recruitment period ({} – {}) has passed; the registry lists the trial as {} with {} of {} sites recruiting.",
            r.start_date,
            r.recruitment_end,
            r.trial.overall_status.as_deref().map_or_else(|| "of unknown status".into(), diff::humanize),
            recruiting,
            r.sites.len()
        );
    };
    if let Some(reached) = r.target_reached_on {
        let delta = (r.recruitment_end - reached).num_days();
        let when = if delta >= 0 { format!("{delta} days before") } else { format!("{} days after", -delta) };
        return format!(
            "Target reached: {m} of {} participants; the {}th was included on {reached}, {when} the planned end of recruitment ({}).",
            r.target, r.target, r.recruitment_end
        );
    }
    let pct = percent(r.percent_of_target.unwrap_or(0.0));
    let gap = r.ahead_of_plan.unwrap_or(0.0);
    let plan = if gap.abs() < 0.05 {
        "on the linear plan".to_string()
    } else if gap > 0.0 {
        format!("{} participants ahead of the linear plan", count(gap))
    } else {
        format!("{} participants behind the linear plan", count(-gap))
    };
    let mut out =
        format!("{m} of {} participants ({pct}) after {elapsed} of the recruitment period — {plan}.", r.target);
    if let Some(LeadFigures { median, p10, p90, probability_on_time: on_time, model }) = r.lead() {
        let (median, p10, p90) =
            (crate::progress::show(median), crate::progress::show(p10), crate::progress::show(p90));
        out.push_str(&format!(
            " Date the target is reached, projected with the {model} model: median {median} (80 % interval {p10} – {p90}); probability of reaching {} by {}: {}.",
            r.target,
            r.recruitment_end,
            percent(100.0 * on_time)
        ));
    }
    out
}

/// Writes a set of report files all or nothing: every file goes to a uniquely named hidden temp
/// file first (a failure there, e.g. a full disk, removes them all and leaves the folder as it
/// was), then each is renamed into place, so a reader never sees half a file or half a set.
/// A report folder that is a symbolic link is refused.
pub fn write_files(files: &[(PathBuf, &[u8])]) -> anyhow::Result<()> {
    let mut temps: Vec<(PathBuf, &Path)> = Vec::with_capacity(files.len());
    let result = (|| -> anyhow::Result<()> {
        for (path, contents) in files {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            if std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
                bail!("{}: is a symbolic link; ctwatch does not write reports through links", dir.display());
            }
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create the folder {}", dir.display()))?;
            // A file whose content is already there is left alone: reports at stable names
            // change (and are committed) only when their content does.
            if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
                && std::fs::metadata(path).is_ok_and(|m| m.len() == contents.len() as u64)
                && std::fs::read(path).is_ok_and(|old| old == *contents)
            {
                continue;
            }
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("report");
            let tmp = dir.join(crate::store::temp_name(name));
            temps.push((tmp.clone(), path));
            std::fs::write(&tmp, contents).with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    })();
    // Every destination must take a file: a folder or a link where a report goes fails the
    // whole set before any file is replaced.
    let result = result.and_then(|()| {
        for (_, path) in &temps {
            if std::fs::symlink_metadata(path).is_ok_and(|m| !m.is_file()) {
                bail!("{}: is not a regular file (a folder or a link); move it away", path.display());
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        for (tmp, _) in &temps {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e.context("no report file was written"));
    }
    for (i, (tmp, path)) in temps.iter().enumerate() {
        if let Err(e) = std::fs::rename(tmp, path) {
            // Nothing of this run is left behind: the temp files not yet renamed go.
            for (tmp, _) in &temps[i..] {
                let _ = std::fs::remove_file(tmp);
            }
            return Err(e).with_context(|| format!("cannot write {}", path.display()));
        }
    }
    Ok(())
}
