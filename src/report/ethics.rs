//! The annual progress report for the Dutch ethics committee (METC/CCMO
//! "voortgangsrapportage" for research under the WMO), in English or Dutch.
//!
//! Shaped like the progress report: [`model`] gathers every figure from the inputs (registry
//! version, accrual log, ctwatch.toml, the investigator's file) into an [`EthicsModel`], with no
//! wording; [`blocks`] says it in one language; the shared Markdown, HTML and Word renderers
//! lay it out. What the registry and the sponsor's log know is filled in: identification, the
//! reporting period (yearly from the METC decision date), status, the study's key dates,
//! inclusions in the period and in total per site, who left early and why, who completed,
//! planned versus actual recruitment with the projection, and registry changes during the
//! period. What only the investigator knows (screen failures, safety, amendments, deviations,
//! DSMB, insurance, objectives, conclusion) comes from a local TOML file; without it each such
//! section says plainly that it is to be completed. US registry duties are not part of this
//! report (see `ctwatch check`). No figure is invented.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, bail};
use chrono::{Duration, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::blocks::Block;
use super::{Disagreements, Lang, Loaded, count, dutch, percent, plan_of};
use crate::diff::{Change, Importance, humanize};
use crate::progress::sites;
use crate::registry::study;

/// Text from the investigator's file; a number is accepted where a count is natural
/// (`screen_failures = 12`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Entry {
    /// A count.
    Count(u64),
    /// Free text.
    Text(String),
}

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Entry, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Entry;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a text in quotes or a whole number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Entry, E> {
                Ok(Entry::Text(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Entry, E> {
                Ok(Entry::Count(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Entry, E> {
                u64::try_from(v)
                    .map(Entry::Count)
                    .map_err(|_| E::custom(format!("{v} is negative; expected a text in quotes or a whole number")))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl Entry {
    fn text(&self) -> String {
        match self {
            Entry::Count(n) => n.to_string(),
            Entry::Text(t) => t.trim().to_string(),
        }
    }
}

/// The investigator's local file (TOML); every key optional, unknown keys rejected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Local {
    /// A temporary halt of the study in the period (when, why, resumed?).
    pub temporary_halt: Option<Entry>,
    /// Participants screened but not included, and why.
    pub screen_failures: Option<Entry>,
    /// Serious adverse events (SAEs) in the period.
    pub serious_adverse_events: Option<Entry>,
    /// Suspected unexpected serious adverse reactions (SUSARs).
    pub susars: Option<Entry>,
    /// Other notifications to the METC.
    pub other_notifications: Option<Entry>,
    /// Amendments submitted or approved.
    pub amendments: Option<Entry>,
    /// Protocol deviations.
    pub protocol_deviations: Option<Entry>,
    /// The data safety monitoring board: its meetings and advice, or that there is none.
    pub dsmb: Option<Entry>,
    /// The participants' insurance (WMO proefpersonenverzekering): insurer, policy, valid until.
    pub insurance: Option<Entry>,
    /// Progress on the study's objectives.
    pub progress_on_objectives: Option<Entry>,
    /// The investigator's conclusion: may the study continue as planned?
    pub conclusion: Option<Entry>,
}

/// Reads the local file, naming it and the line on errors.
pub fn read_local(path: &Path) -> anyhow::Result<Local> {
    let text = crate::bounded::read_text_bounded(path, 16 << 20)
        .with_context(|| format!("cannot read the ethics file {}", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        anyhow::anyhow!("{}:{}: {}", path.display(), line.unwrap_or(1), e.message().trim().replace('\n', "; "))
    })
}

/// The reporting period: year `number` (1-based) from the METC decision date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    /// 1 for the first year after the decision.
    pub number: u32,
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
    /// False while the year has not ended at the report date.
    pub complete: bool,
}

/// The latest year from `decision` that has ended on or before `as_of`; the first year while
/// none has.
pub fn period(decision: NaiveDate, as_of: NaiveDate) -> Period {
    let year = |k: u32| decision.checked_add_months(Months::new(12 * k)).unwrap_or(decision);
    let mut k = 0u32;
    while year(k + 2) - Duration::days(1) <= as_of {
        k += 1;
    }
    let end = year(k + 1) - Duration::days(1);
    Period { number: k + 1, start: year(k), end, complete: end <= as_of }
}

/// Who the study is and who reviews it.
#[derive(Debug, Clone, Serialize)]
pub struct Identification {
    /// The CCMO (NL) number: the registry's org study id.
    pub ccmo_number: Option<String>,
    /// ClinicalTrials.gov id.
    pub nct_id: String,
    /// Brief title.
    pub title: Option<String>,
    /// Official title.
    pub official_title: Option<String>,
    /// Lead sponsor (verrichter).
    pub sponsor: Option<String>,
    /// Principal investigator: ctwatch.toml's, else the registry's overall official(s).
    pub principal_investigator: Option<String>,
    /// `config` or `registry`.
    pub principal_investigator_source: &'static str,
    /// The reviewing METC (ctwatch.toml).
    pub metc: Option<String>,
    /// The METC's reference (ctwatch.toml).
    pub metc_reference: Option<String>,
    /// The record's page on ClinicalTrials.gov.
    pub registry_url: String,
}

/// The study's status.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The registry's overall status (enum value).
    pub registry_status: Option<String>,
    /// The registry says SUSPENDED.
    pub halted_on_registry: bool,
    /// The registry's last update posted.
    pub last_update: Option<String>,
    /// The snapshot used.
    pub snapshot: String,
}

/// The end of inclusion: reached, or expected.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EndOfInclusion {
    /// The target was reached on this date.
    TargetReached {
        /// The day the last needed participant was included.
        on: NaiveDate,
    },
    /// The registry says recruitment is closed; the last inclusion in the log.
    Closed {
        /// The last inclusion.
        last_inclusion: NaiveDate,
        /// The registry status saying so.
        registry_status: String,
    },
    /// The projection of the model the progress report leads with.
    Expected {
        /// Median date the target is reached.
        median: NaiveDate,
        /// 10th percentile.
        p10: NaiveDate,
        /// 90th percentile.
        p90: NaiveDate,
        /// P(target reached by the planned end).
        probability_on_time: f64,
    },
    /// No accrual log, or recruitment has not started: only the plan is known.
    Planned {
        /// The planned end of recruitment.
        on: NaiveDate,
    },
    /// Nothing is known.
    Unknown,
}

/// A registry date with its type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegistryDate {
    /// `YYYY-MM-DD` or `YYYY-MM`.
    pub date: String,
    /// True when the registry calls it ACTUAL.
    pub actual: bool,
}

/// The dates a METC asks for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyDates {
    /// The METC's decision (approval).
    pub metc_approval: NaiveDate,
    /// The study's start: the first informed consent (the log's `consented_on`), or the first
    /// inclusion when the log has no consent dates.
    pub start: Option<NaiveDate>,
    /// True when `start` is a consent date.
    pub start_is_consent: bool,
    /// The first inclusion.
    pub first_inclusion: Option<NaiveDate>,
    /// End of inclusion.
    pub end_of_inclusion: EndOfInclusion,
    /// End of the study: the registry's completion date.
    pub end_of_study: Option<RegistryDate>,
    /// Inclusions dated before the registry's start date (count, the first, that start): the
    /// progress report's plausibility rule, said here too.
    pub before_start: Option<(usize, NaiveDate, NaiveDate)>,
}

/// Inclusion figures at one site (or all).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SiteCounts {
    /// Registry facility name; `None` for the total.
    pub facility: Option<String>,
    /// Included during the period.
    pub in_period: u32,
    /// Included since the start.
    pub total: u32,
    /// Of all included, left early.
    pub left_early: u32,
    /// Of all included, completed the study (`None` without a `completed_on` column).
    pub completed: Option<u32>,
}

/// Inclusions per site, leaving early and completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recruitment {
    /// Per site, registry order.
    pub sites: Vec<SiteCounts>,
    /// All sites.
    pub total: SiteCounts,
    /// Reasons for leaving early with their counts, most frequent first (`None` without a
    /// `withdrawal_reason` column); a withdrawal without a reason counts under "".
    pub withdrawal_reasons: Option<Vec<(String, u32)>>,
}

/// Planned against actual recruitment.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlanFigures {
    /// Figures at the end of the period (or the report date).
    Figures {
        /// The target used.
        target: u32,
        /// The linear plan's count.
        expected: f64,
        /// Included (`None` without a log).
        actual: Option<u32>,
        /// The planned end of recruitment.
        planned_end: NaiveDate,
        /// Where the plan and the registry disagree.
        disagreements: Disagreements,
    },
    /// Recruitment had not started by the end of the period.
    NotStarted {
        /// Planned start of recruitment.
        start: NaiveDate,
    },
    /// No plan can be made (the reason, in English).
    Unavailable {
        /// Why.
        reason: String,
    },
}

/// A registry change posted in the period.
#[derive(Debug, Clone, Serialize)]
pub struct DatedChange {
    /// The day the version was posted.
    pub posted: NaiveDate,
    /// The change.
    pub change: Change,
}

/// Everything the ethics report says, before any wording.
#[derive(Debug, Clone, Serialize)]
pub struct EthicsModel {
    /// The report date.
    pub as_of: NaiveDate,
    /// The reporting period.
    pub period: Period,
    /// Figures are counted up to this day: the period's end, or the report date before it.
    pub figures_at: NaiveDate,
    /// Identification.
    pub identification: Identification,
    /// Status.
    pub status: Status,
    /// Key dates.
    pub dates: KeyDates,
    /// Inclusions (`None` without an accrual log).
    pub recruitment: Option<Recruitment>,
    /// Planned against actual.
    pub plan: PlanFigures,
    /// High and medium importance registry changes posted in the period.
    pub changes: Vec<DatedChange>,
    /// The investigator's sections.
    pub investigator: Local,
    /// The investigator's file was given.
    pub investigator_file: bool,
}

/// Closed statuses: recruitment is over even when the target was not reached (a suspended
/// study is halted, not closed).
const CLOSED: [&str; 3] = ["ACTIVE_NOT_RECRUITING", "COMPLETED", "TERMINATED"];

/// Gathers the ethics report's figures from loaded inputs (as-of = the report date).
pub fn model(loaded: &Loaded, local_override: Option<&Path>) -> anyhow::Result<EthicsModel> {
    let id = &loaded.id;
    let trial = loaded.trial;
    let decision = trial.and_then(|c| c.metc_decision_date).with_context(|| {
        format!("{id}: metc_decision_date is not set in ctwatch.toml; the ethics report's yearly periods count from the METC decision")
    })?;
    if decision > loaded.as_of {
        bail!("{id}: the METC decision date {decision} is after the report date {}", loaded.as_of);
    }
    let period = period(decision, loaded.as_of);
    let figures_at = period.end.min(loaded.as_of);
    let local_path = local_override.map(Path::to_path_buf).or_else(|| trial.and_then(|c| c.ethics.clone()));
    let investigator = match &local_path {
        Some(p) => read_local(p).with_context(|| id.to_string())?,
        None => Local::default(),
    };
    let study = loaded.study();
    let s = |p: &str| study.pointer(p).and_then(Value::as_str).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());

    let officials: Vec<String> = study
        .pointer(study::OVERALL_OFFICIALS)
        .and_then(Value::as_array)
        .map(|o| {
            o.iter()
                .filter(|x| x["role"] == "PRINCIPAL_INVESTIGATOR")
                .filter_map(|x| {
                    let name = x["name"].as_str()?;
                    Some(match x["affiliation"].as_str() {
                        Some(a) => format!("{name} ({a})"),
                        None => name.to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let configured_pi = trial.and_then(|c| c.principal_investigator.clone());
    let identification = Identification {
        ccmo_number: s(study::ORG_STUDY_ID),
        nct_id: id.to_string(),
        title: s(study::BRIEF_TITLE),
        official_title: s(study::OFFICIAL_TITLE),
        sponsor: s(study::LEAD_SPONSOR),
        principal_investigator_source: if configured_pi.is_some() { "config" } else { "registry" },
        principal_investigator: configured_pi.or_else(|| (!officials.is_empty()).then(|| officials.join("; "))),
        metc: trial.and_then(|c| c.metc.clone()),
        metc_reference: trial.and_then(|c| c.metc_reference.clone()),
        registry_url: format!("{}{id}", crate::config::STUDY_PAGE),
    };
    let registry_status = s(study::OVERALL_STATUS);
    let status = Status {
        halted_on_registry: registry_status.as_deref() == Some("SUSPENDED"),
        registry_status: registry_status.clone(),
        last_update: s(study::LAST_UPDATE),
        snapshot: loaded.versions[loaded.used].0.name.clone(),
    };

    let log = loaded.log.as_ref();
    let upto: Vec<&crate::accrual::Inclusion> =
        log.map(|l| l.inclusions.iter().filter(|i| i.enrolled_on <= figures_at).collect()).unwrap_or_default();
    let first_inclusion = upto.iter().map(|i| i.enrolled_on).min();
    let (start, start_is_consent) = match upto.iter().filter_map(|i| i.consented_on).min() {
        Some(consent) => (Some(consent), true),
        None => (first_inclusion, false),
    };
    let registry_start = study::date_at(loaded.study(), study::START_DATE).map(|d| d.first_day());
    let before_start = registry_start.and_then(|start| {
        let early: Vec<NaiveDate> = upto.iter().map(|i| i.enrolled_on).filter(|d| *d < start).collect();
        early.iter().min().map(|first| (early.len(), *first, start))
    });
    // Per-site figures at the period's end: the inclusion table and the site-aware projection.
    let site_rows = sites(&loaded.locations(), log, figures_at);

    let recruitment = log.map(|l| {
        let count = |f: Option<&str>, keep: &dyn Fn(&crate::accrual::Inclusion) -> bool| {
            upto.iter().filter(|i| f.is_none_or(|f| i.facility == f) && keep(i)).count() as u32
        };
        let counts = |f: Option<&str>| SiteCounts {
            facility: f.map(str::to_string),
            in_period: count(f, &|i| i.enrolled_on >= period.start),
            total: count(f, &|_| true),
            left_early: count(f, &|i| i.withdrawn_on.is_some_and(|w| w <= figures_at)),
            completed: l.columns.completed_on.then(|| count(f, &|i| i.completed_on.is_some_and(|c| c <= figures_at))),
        };
        let sites = site_rows.iter().map(|x| counts(Some(&x.facility))).collect();
        let withdrawal_reasons = l.columns.withdrawal_reason.then(|| {
            let mut by: BTreeMap<String, u32> = BTreeMap::new();
            for i in upto.iter().filter(|i| i.withdrawn_on.is_some_and(|w| w <= figures_at)) {
                *by.entry(i.withdrawal_reason.clone().unwrap_or_default()).or_default() += 1;
            }
            let mut v: Vec<(String, u32)> = by.into_iter().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v
        });
        Recruitment { sites, total: counts(None), withdrawal_reasons }
    });

    let (plan, end_of_inclusion) = match plan_of(loaded) {
        Ok((plan, sources)) if figures_at >= plan.start => {
            let progress = plan.progress(log, figures_at).with_context(|| id.to_string())?;
            let closed = registry_status.as_deref().filter(|s| CLOSED.contains(s));
            let last = upto.iter().map(|i| i.enrolled_on).max();
            let end = match (progress.target_reached_on, closed, last, &progress.projection) {
                (Some(on), ..) => EndOfInclusion::TargetReached { on },
                (None, Some(status), Some(last_inclusion), _) => {
                    EndOfInclusion::Closed { last_inclusion, registry_status: status.to_string() }
                }
                (None, _, _, Some(p)) => {
                    // The model the progress report leads with (one rule: `Lead::for_sites`).
                    let lead = (super::Lead::for_sites(site_rows.len(), true) == super::Lead::SiteAware)
                        .then(|| super::site_model(loaded, &plan, &site_rows, figures_at).project())
                        .flatten()
                        .map(|s| (s.p10, s.median, s.p90, s.probability_on_time))
                        .unwrap_or((p.p10, p.median, p.p90, p.probability_on_time));
                    EndOfInclusion::Expected { p10: lead.0, median: lead.1, p90: lead.2, probability_on_time: lead.3 }
                }
                (None, ..) => EndOfInclusion::Planned { on: plan.end },
            };
            let figures = PlanFigures::Figures {
                target: plan.target,
                expected: progress.expected_by_now,
                actual: progress.enrolled,
                planned_end: plan.end,
                disagreements: super::disagreements(loaded, &plan, &sources),
            };
            (figures, end)
        }
        Ok((plan, _)) => (PlanFigures::NotStarted { start: plan.start }, EndOfInclusion::Planned { on: plan.end }),
        Err(e) => (PlanFigures::Unavailable { reason: format!("{e:#}") }, EndOfInclusion::Unknown),
    };
    let end_of_study = s(study::COMPLETION_DATE)
        .map(|date| RegistryDate { date, actual: s(study::COMPLETION_DATE_TYPE).as_deref() == Some("ACTUAL") });

    // Posted on or after the first day of the period, up to its last.
    let changes = loaded
        .changes_posted(period.start - Duration::days(1), period.end)
        .into_iter()
        .filter(|(_, c)| c.importance != Importance::Low)
        .map(|(v, change)| DatedChange { posted: v.posted, change })
        .collect();

    Ok(EthicsModel {
        as_of: loaded.as_of,
        period,
        figures_at,
        identification,
        status,
        dates: KeyDates {
            metc_approval: decision,
            start,
            start_is_consent,
            first_inclusion,
            end_of_inclusion,
            end_of_study,
            before_start,
        },
        recruitment,
        plan,
        changes,
        investigator,
        investigator_file: local_path.is_some(),
    })
}

/// Every fixed phrase of the report, per language.
struct Words {
    title: &'static str,
    identification: &'static str,
    ccmo: &'static str,
    trial: &'static str,
    brief_title: &'static str,
    official_title: &'static str,
    sponsor: &'static str,
    investigator: &'static str,
    metc: &'static str,
    metc_reference: &'static str,
    registry_record: &'static str,
    period: &'static str,
    year: &'static str,
    incomplete: &'static str,
    status: &'static str,
    registry_status: &'static str,
    halt: &'static str,
    halted_on_registry: &'static str,
    no_halt: &'static str,
    last_update: &'static str,
    snapshot: &'static str,
    dates: &'static str,
    approval: &'static str,
    start_consent: &'static str,
    start_from_inclusion: &'static str,
    not_started: &'static str,
    first_inclusion: &'static str,
    end_of_inclusion: &'static str,
    end_of_study: &'static str,
    expected_word: &'static str,
    actual_word: &'static str,
    registry_completion: &'static str,
    recruitment: &'static str,
    site: &'static str,
    all_sites: &'static str,
    in_period: &'static str,
    total: &'static str,
    left_early: &'static str,
    completed: &'static str,
    reasons: &'static str,
    reasons_missing: &'static str,
    no_reason: &'static str,
    nobody_left: &'static str,
    screen_failures: &'static str,
    no_log: &'static str,
    planned_vs_actual: &'static str,
    target: &'static str,
    expected: &'static str,
    actual: &'static str,
    unknown: &'static str,
    planned_end: &'static str,
    expected_end: &'static str,
    safety: &'static str,
    sae: &'static str,
    susar: &'static str,
    amendments: &'static str,
    deviations: &'static str,
    notifications: &'static str,
    dsmb: &'static str,
    insurance: &'static str,
    changes: &'static str,
    no_changes: &'static str,
    objectives: &'static str,
    conclusion: &'static str,
    to_complete: &'static str,
    to_complete_short: &'static str,
    signature: &'static str,
    name: &'static str,
    role: &'static str,
    pi_role: &'static str,
    date: &'static str,
    sign: &'static str,
    generated: &'static str,
}

const EN: Words = Words {
    title: "Annual progress report to the ethics committee",
    identification: "Identification",
    ccmo: "CCMO number (NL number)",
    trial: "ClinicalTrials.gov id",
    brief_title: "Title",
    official_title: "Official title",
    sponsor: "Sponsor",
    investigator: "Principal investigator",
    metc: "Reviewing ethics committee (METC)",
    metc_reference: "METC reference",
    registry_record: "Registry record",
    period: "Reporting period",
    year: "year",
    incomplete: "This year has not ended yet: figures are up to the report date.",
    status: "Status",
    registry_status: "Status on the registry",
    halt: "Temporary halt",
    halted_on_registry: "The registry lists the study as suspended: the reason and the expected restart are to be completed by the investigator.",
    no_halt: "None on the registry; to be confirmed by the investigator.",
    last_update: "Last registry update",
    snapshot: "Registry version used",
    dates: "Key dates",
    approval: "METC approval",
    start_consent: "Start of the study (first informed consent)",
    start_from_inclusion: "the first inclusion: the accrual log records no consent dates",
    not_started: "not started",
    first_inclusion: "First inclusion",
    end_of_inclusion: "End of inclusion",
    end_of_study: "End of the study",
    expected_word: "expected",
    actual_word: "actual",
    registry_completion: "the registry's completion date",
    recruitment: "Inclusions",
    site: "Site",
    all_sites: "All sites",
    in_period: "Included in this period",
    total: "Included in total",
    left_early: "Left the study early",
    completed: "Completed the study",
    reasons: "Reasons for leaving the study early",
    reasons_missing: "Not recorded: the accrual log has no withdrawal_reason column. To be completed by the investigator.",
    no_reason: "no reason recorded",
    nobody_left: "No participant left the study early.",
    screen_failures: "Screen failures (screened, not included)",
    no_log: "No accrual log was given: inclusion figures are unknown and must be completed by the investigator.",
    planned_vs_actual: "Planned versus actual recruitment",
    target: "Target (participants)",
    expected: "Expected by the end of the period (linear plan)",
    actual: "Actual by the end of the period",
    unknown: "unknown (no accrual log)",
    planned_end: "Planned end of inclusion",
    expected_end: "Expected end of inclusion (median)",
    safety: "Safety",
    sae: "Serious adverse events (SAEs)",
    susar: "Suspected unexpected serious adverse reactions (SUSARs)",
    amendments: "Amendments",
    deviations: "Protocol deviations",
    notifications: "Other notifications to the METC",
    dsmb: "Data safety monitoring board (DSMB)",
    insurance: "Participant insurance",
    changes: "Registry changes during the period",
    no_changes: "No high or medium importance changes to the registry record in this period.",
    objectives: "Progress on the objectives",
    conclusion: "Conclusion",
    to_complete: "To be completed by the investigator: the registry does not hold this information.",
    to_complete_short: "to be completed by the investigator",
    signature: "Signature",
    name: "Name",
    role: "Role",
    pi_role: "Principal investigator",
    date: "Date",
    sign: "Signature",
    generated: "Made with ctwatch from the ClinicalTrials.gov record and the sponsor's accrual log; report date",
};

const NL: Words = Words {
    title: "Jaarlijkse voortgangsrapportage aan de METC",
    identification: "Identificatie",
    ccmo: "CCMO-nummer (NL-nummer)",
    trial: "ClinicalTrials.gov-nummer",
    brief_title: "Titel",
    official_title: "Officiële titel",
    sponsor: "Verrichter",
    investigator: "Hoofdonderzoeker",
    metc: "Beoordelende METC",
    metc_reference: "Kenmerk METC",
    registry_record: "Registratie",
    period: "Verslagperiode",
    year: "jaar",
    incomplete: "Dit jaar is nog niet afgelopen: de cijfers lopen tot de rapportagedatum.",
    status: "Status",
    registry_status: "Status in het register",
    halt: "Tijdelijke stopzetting",
    halted_on_registry: "Het register vermeldt het onderzoek als tijdelijk stilgelegd: de reden en de verwachte hervatting vult de onderzoeker in.",
    no_halt: "Geen volgens het register; te bevestigen door de onderzoeker.",
    last_update: "Laatste wijziging in het register",
    snapshot: "Gebruikte registerversie",
    dates: "Belangrijke data",
    approval: "Positief besluit METC",
    start_consent: "Start van het onderzoek (eerste informed consent)",
    start_from_inclusion: "de eerste inclusie: de inclusielijst bevat geen toestemmingsdata",
    not_started: "nog niet gestart",
    first_inclusion: "Eerste inclusie",
    end_of_inclusion: "Einde inclusie",
    end_of_study: "Einde van het onderzoek",
    expected_word: "verwacht",
    actual_word: "werkelijk",
    registry_completion: "de einddatum in het register",
    recruitment: "Inclusie",
    site: "Centrum",
    all_sites: "Alle centra",
    in_period: "Geïncludeerd in deze periode",
    total: "Totaal geïncludeerd",
    left_early: "Voortijdig gestopt",
    completed: "Onderzoek afgerond",
    reasons: "Redenen voor voortijdig stoppen",
    reasons_missing: "Niet vastgelegd: de inclusielijst heeft geen kolom withdrawal_reason. In te vullen door de onderzoeker.",
    no_reason: "geen reden vastgelegd",
    nobody_left: "Geen proefpersoon is voortijdig gestopt.",
    screen_failures: "Screeningsuitval (gescreend, niet geïncludeerd)",
    no_log: "Er is geen inclusielijst opgegeven: de inclusiecijfers zijn onbekend en moeten door de onderzoeker worden ingevuld.",
    planned_vs_actual: "Geplande versus werkelijke inclusie",
    target: "Beoogd aantal proefpersonen",
    expected: "Verwacht aan het eind van de periode (lineaire planning)",
    actual: "Werkelijk aan het eind van de periode",
    unknown: "onbekend (geen inclusielijst)",
    planned_end: "Gepland einde inclusie",
    expected_end: "Verwacht einde inclusie (mediaan)",
    safety: "Veiligheid",
    sae: "Ernstige ongewenste voorvallen (SAE's)",
    susar: "Vermoedens van onverwachte ernstige bijwerkingen (SUSAR's)",
    amendments: "Amendementen",
    deviations: "Protocolafwijkingen",
    notifications: "Overige meldingen aan de METC",
    dsmb: "Data Safety Monitoring Board (DSMB)",
    insurance: "Proefpersonenverzekering",
    changes: "Wijzigingen in het register in deze periode",
    no_changes: "Geen belangrijke wijzigingen in de registratie in deze periode.",
    objectives: "Voortgang ten aanzien van de doelstellingen",
    conclusion: "Conclusie",
    to_complete: "In te vullen door de onderzoeker: het register bevat deze gegevens niet.",
    to_complete_short: "in te vullen door de onderzoeker",
    signature: "Ondertekening",
    name: "Naam",
    role: "Functie",
    pi_role: "Hoofdonderzoeker",
    date: "Datum",
    sign: "Handtekening",
    generated: "Gemaakt met ctwatch uit de ClinicalTrials.gov-registratie en de inclusielijst van de verrichter; rapportagedatum",
};

/// The ethics report, ready for the renderers.
pub struct EthicsReport {
    /// The reporting period.
    pub period: Period,
    /// The report's blocks.
    pub blocks: Vec<Block>,
    /// Document title.
    pub title: String,
}

/// Builds the ethics report from loaded inputs in one language.
pub fn build(loaded: &Loaded, lang: Lang, local_override: Option<&Path>) -> anyhow::Result<EthicsReport> {
    let m = model(loaded, local_override)?;
    Ok(EthicsReport { period: m.period, title: title(&m, lang), blocks: blocks(&m, lang) })
}

/// The document's title: report, trial and period.
pub fn title(m: &EthicsModel, lang: Lang) -> String {
    let t = words(lang);
    let id = &m.identification.nct_id;
    format!("{} {id} {} – {}", t.title, lang.date(m.period.start), lang.date(m.period.end))
}

fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &EN,
        Lang::Nl => &NL,
    }
}

/// The report in one language, in reading order.
pub fn blocks(m: &EthicsModel, lang: Lang) -> Vec<Block> {
    let t = words(lang);
    let dash = || "–".to_string();
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(dash);
    let or_complete = |v: &Option<String>| v.clone().unwrap_or_else(|| t.to_complete_short.to_string());
    let status_text = |v: &str| match lang {
        Lang::En => humanize(v),
        Lang::Nl => dutch::status(v),
    };
    let local = |e: &Option<Entry>| e.as_ref().map(Entry::text).filter(|s| !s.is_empty());
    let section = |b: &mut Vec<Block>, e: &Option<Entry>| {
        b.push(local(e).map_or_else(|| Block::ToComplete(t.to_complete.into()), Block::Para));
    };
    let id = &m.identification;

    let mut b = vec![Block::Title(format!("{}: {}", t.title, id.nct_id))];
    b.push(Block::Heading(t.identification.into()));
    b.push(Block::Facts(vec![
        (t.ccmo.into(), or_dash(&id.ccmo_number)),
        (t.trial.into(), id.nct_id.clone()),
        (t.brief_title.into(), or_dash(&id.title)),
        (t.official_title.into(), or_dash(&id.official_title)),
        (t.sponsor.into(), or_dash(&id.sponsor)),
        (t.investigator.into(), or_complete(&id.principal_investigator)),
        (t.metc.into(), or_complete(&id.metc)),
        (t.metc_reference.into(), or_complete(&id.metc_reference)),
    ]));
    b.push(Block::Link(t.registry_record.into(), id.registry_url.clone(), id.registry_url.clone()));

    b.push(Block::Heading(t.period.into()));
    let p = &m.period;
    b.push(Block::Para(format!("{} – {} ({} {})", lang.date(p.start), lang.date(p.end), t.year, p.number)));
    if !p.complete {
        b.push(Block::Para(t.incomplete.into()));
    }

    b.push(Block::Heading(t.status.into()));
    let halt = match (local(&m.investigator.temporary_halt), m.status.halted_on_registry) {
        (Some(text), _) => text,
        (None, true) => t.halted_on_registry.into(),
        (None, false) => t.no_halt.into(),
    };
    b.push(Block::Facts(vec![
        (t.registry_status.into(), m.status.registry_status.as_deref().map_or_else(dash, status_text)),
        (t.halt.into(), halt),
        (t.last_update.into(), m.status.last_update.as_deref().map_or_else(dash, |d| lang.date_text(d))),
        (t.snapshot.into(), m.status.snapshot.clone()),
    ]));

    b.push(Block::Heading(t.dates.into()));
    let d = &m.dates;
    let start = match (d.start, d.start_is_consent) {
        (Some(s), true) => lang.date(s),
        (Some(s), false) => format!("{} ({})", lang.date(s), t.start_from_inclusion),
        (None, _) if m.recruitment.is_none() => t.unknown.into(),
        (None, _) => t.not_started.into(),
    };
    let first = match (d.first_inclusion, &m.recruitment) {
        (Some(f), _) => lang.date(f),
        (None, None) => t.unknown.into(),
        (None, Some(_)) => t.not_started.into(),
    };
    let (expected, actual) = (t.expected_word, t.actual_word);
    let end_of_inclusion = match &d.end_of_inclusion {
        EndOfInclusion::TargetReached { on } => format!("{} ({actual})", lang.date(*on)),
        EndOfInclusion::Closed { last_inclusion, .. } => format!("{} ({actual})", lang.date(*last_inclusion)),
        EndOfInclusion::Expected { median, .. } => format!("{} ({expected})", lang.projected(*median)),
        EndOfInclusion::Planned { on } => format!("{} ({expected})", lang.date(*on)),
        EndOfInclusion::Unknown => t.to_complete_short.into(),
    };
    let end_of_study = match &d.end_of_study {
        Some(RegistryDate { date, actual: true }) => format!("{} ({actual})", lang.date_text(date)),
        Some(RegistryDate { date, actual: false }) => {
            format!("{} ({expected}, {})", lang.date_text(date), t.registry_completion)
        }
        None => t.to_complete_short.into(),
    };
    b.push(Block::Facts(vec![
        (t.approval.into(), lang.date(d.metc_approval)),
        (t.start_consent.into(), start),
        (t.first_inclusion.into(), first),
        (t.end_of_inclusion.into(), end_of_inclusion),
        (t.end_of_study.into(), end_of_study),
    ]));
    if let Some((n, first, start)) = d.before_start {
        b.push(Block::Para(match lang {
            Lang::En => format!(
                "Check: {n} inclusion{} in the accrual log {} dated before the study's start date on the registry ({}), the first on {}. Correct the log, or the start date on the registry.",
                if n == 1 { "" } else { "s" },
                if n == 1 { "is" } else { "are" },
                lang.date(start),
                lang.date(first)
            ),
            Lang::Nl => format!(
                "Controleer: {n} inclusie{} in het inclusielogboek {} gedateerd vóór de startdatum van het onderzoek in het register ({}), de eerste op {}. Corrigeer het logboek, of de startdatum in het register.",
                if n == 1 { "" } else { "s" },
                if n == 1 { "is" } else { "zijn" },
                lang.date(start),
                lang.date(first)
            ),
        }));
    }
    if let EndOfInclusion::Closed { registry_status, .. } = &d.end_of_inclusion {
        b.push(Block::Para(match lang {
            Lang::En => format!(
                "The registry lists the study as {}: inclusion ended with the last inclusion in the accrual log.",
                status_text(registry_status)
            ),
            Lang::Nl => format!(
                "Het register vermeldt het onderzoek als {}: de inclusie eindigde met de laatste inclusie in de inclusielijst.",
                status_text(registry_status)
            ),
        }));
    }

    b.push(Block::Heading(t.recruitment.into()));
    match &m.recruitment {
        None => b.push(Block::ToComplete(t.no_log.into())),
        Some(r) => {
            let with_completed = r.total.completed.is_some();
            let row = |c: &SiteCounts| {
                let mut row = vec![
                    c.facility.clone().unwrap_or_else(|| t.all_sites.into()),
                    c.in_period.to_string(),
                    c.total.to_string(),
                    c.left_early.to_string(),
                ];
                if let Some(done) = c.completed {
                    row.push(done.to_string());
                }
                row
            };
            let mut header = vec![t.site.into(), t.in_period.into(), t.total.into(), t.left_early.into()];
            if with_completed {
                header.push(t.completed.into());
            }
            let rows = r.sites.iter().chain(std::iter::once(&r.total)).map(row).collect();
            b.push(Block::Table(header, rows));
            b.push(Block::Subheading(t.reasons.into()));
            match &r.withdrawal_reasons {
                _ if r.total.left_early == 0 => b.push(Block::Para(t.nobody_left.into())),
                None => b.push(Block::ToComplete(t.reasons_missing.into())),
                Some(reasons) => b.push(Block::List(
                    reasons
                        .iter()
                        .map(|(why, n)| format!("{}: {n}", if why.is_empty() { t.no_reason } else { why }))
                        .collect(),
                )),
            }
        }
    }
    b.push(Block::Subheading(t.screen_failures.into()));
    section(&mut b, &m.investigator.screen_failures);

    b.push(Block::Heading(t.planned_vs_actual.into()));
    match &m.plan {
        PlanFigures::Figures { target, expected, actual, planned_end, disagreements } => {
            let mut facts = vec![
                (t.target.into(), target.to_string()),
                (t.expected.into(), lang.decimal(&count(*expected))),
                (t.actual.into(), actual.map_or_else(|| t.unknown.to_string(), |a| a.to_string())),
                (t.planned_end.into(), lang.date(*planned_end)),
            ];
            if let EndOfInclusion::Expected { median, p10, p90, probability_on_time } = &d.end_of_inclusion {
                let chance = percent(100.0 * probability_on_time);
                let (median, p10, p90, end) =
                    (lang.projected(*median), lang.projected(*p10), lang.projected(*p90), lang.date(*planned_end));
                let sentence = match lang {
                    Lang::En => format!(
                        "{median} (80 % interval {p10} – {p90}); probability of reaching {target} by {end}: {chance}"
                    ),
                    Lang::Nl => format!(
                        "{median} (80 %-interval {p10} – {p90}); kans om {target} proefpersonen te bereiken uiterlijk op {end}: {chance}"
                    ),
                };
                facts.push((t.expected_end.into(), sentence));
            }
            b.push(Block::Facts(facts));
            for sentence in disagreements.sentences(lang) {
                b.push(Block::Para(sentence));
            }
        }
        PlanFigures::NotStarted { start } => b.push(Block::Para(match lang {
            Lang::En => {
                format!("Recruitment had not started by the end of the period; planned start {}.", lang.date(*start))
            }
            Lang::Nl => format!(
                "De inclusie was aan het eind van de periode nog niet gestart; geplande start {}.",
                lang.date(*start)
            ),
        })),
        PlanFigures::Unavailable { reason } => b.push(Block::Para(match lang {
            Lang::En => format!("No plan can be shown: {reason}"),
            Lang::Nl => format!("Er kan geen planning worden getoond (toelichting in het Engels): {reason}"),
        })),
    }

    let l = &m.investigator;
    b.push(Block::Heading(t.safety.into()));
    for (heading, value) in [(t.sae, &l.serious_adverse_events), (t.susar, &l.susars)] {
        b.push(Block::Subheading(heading.into()));
        section(&mut b, value);
    }
    for (heading, value) in [
        (t.amendments, &l.amendments),
        (t.deviations, &l.protocol_deviations),
        (t.notifications, &l.other_notifications),
        (t.dsmb, &l.dsmb),
        (t.insurance, &l.insurance),
    ] {
        b.push(Block::Heading(heading.into()));
        section(&mut b, value);
    }

    b.push(Block::Heading(t.changes.into()));
    if m.changes.is_empty() {
        b.push(Block::Para(t.no_changes.into()));
    } else {
        b.push(Block::List(
            m.changes
                .iter()
                .map(|c| {
                    let summary = match lang {
                        Lang::En => c.change.summary.clone(),
                        Lang::Nl => dutch::change(&c.change),
                    };
                    format!("{}: {summary}", lang.date(c.posted))
                })
                .collect(),
        ));
    }

    for (heading, value) in [(t.objectives, &l.progress_on_objectives), (t.conclusion, &l.conclusion)] {
        b.push(Block::Heading(heading.into()));
        section(&mut b, value);
    }

    b.push(Block::Heading(t.signature.into()));
    let signer = id.principal_investigator.clone().unwrap_or_default();
    b.push(Block::Signature(vec![
        (t.name.into(), signer),
        (t.role.into(), t.pi_role.into()),
        (t.date.into(), String::new()),
        (t.sign.into(), String::new()),
    ]));
    b.push(Block::Footer(format!("{} {}.", t.generated, lang.date(m.as_of))));
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_are_years_from_the_decision() {
        let p = period(d("2024-10-01"), d("2026-11-26"));
        assert_eq!((p.number, p.start, p.end, p.complete), (2, d("2025-10-01"), d("2026-09-30"), true));
        let p = period(d("2024-10-01"), d("2025-09-30"));
        assert_eq!((p.number, p.end, p.complete), (1, d("2025-09-30"), true), "the last day completes year 1");
        let p = period(d("2024-10-01"), d("2025-09-29"));
        assert_eq!((p.number, p.complete), (1, false));
        let p = period(d("2024-02-29"), d("2025-03-01"));
        assert_eq!((p.start, p.end), (d("2024-02-29"), d("2025-02-27")), "leap-day decisions roll to 28 Feb");
    }
}
