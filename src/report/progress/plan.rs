//! The plan a trial is measured against (target, planned end, prior certainty), where each
//! figure came from, and where the plan and the registry disagree.

use anyhow::Context;
use chrono::NaiveDate;
use serde::Serialize;

use crate::inputs::Loaded;
use crate::lang::Lang;
use crate::progress::Plan;
use crate::registry::study::{self, date_at};

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
                    "The target used is {used}: the approved plan the trial is measured against. The registry now lists {registry} participants."
                ),
                Lang::Nl => format!(
                    "Het gebruikte aantal is {used} proefpersonen: het goedgekeurde plan waaraan de studie wordt gemeten. Het register vermeldt nu {registry} proefpersonen."
                ),
            });
        }
        if let Some(Disagreement { used, registry }) = self.recruitment_end {
            out.push(match lang {
                Lang::En => format!(
                    "The planned end of recruitment used is {}, from the approved plan. The registry's completion date, {}, is the end of the whole study.",
                    lang.date(used),
                    lang.date(registry)
                ),
                Lang::Nl => format!(
                    "Het gebruikte geplande einde van de inclusie is {}, uit het goedgekeurde plan. De einddatum in het register, {}, is het einde van het hele onderzoek.",
                    lang.date(used),
                    lang.date(registry)
                ),
            });
        }
        out
    }
}
