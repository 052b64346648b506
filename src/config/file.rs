//! The config file's raw shape (TOML, unknown keys refused) and the checks that turn it into a
//! [`super::Config`]: ranges, dates, paths, base URLs, each error naming the file and line.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use reqwest::Url;
use serde::Deserialize;

use super::{RegistrySettings, TrialConfig};
use crate::nct::NctId;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    #[serde(default)]
    pub(super) registry: RawRegistry,
    #[serde(default)]
    pub(super) trial: Vec<RawTrial>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRegistry {
    pub(super) user_agent: Option<String>,
    pub(super) connect_timeout_secs: Option<f64>,
    pub(super) timeout_secs: Option<f64>,
    pub(super) retries: Option<u32>,
    pub(super) retry_base_ms: Option<u64>,
    pub(super) retry_budget_secs: Option<f64>,
    pub(super) min_interval_ms: Option<u64>,
    pub(super) max_body_mb: Option<f64>,
    pub(super) lock_timeout_secs: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTrial {
    pub(super) nct_id: String,
    pub(super) target: Option<u32>,
    pub(super) recruitment_end: Option<toml::Spanned<RawDate>>,
    pub(super) accrual: Option<PathBuf>,
    pub(super) prior_certainty: Option<f64>,
    pub(super) at_risk_below: Option<f64>,
    pub(super) metc_decision_date: Option<toml::Spanned<RawDate>>,
    #[serde(default)]
    pub(super) site_aliases: BTreeMap<String, String>,
    #[serde(default)]
    pub(super) site_opening: BTreeMap<String, toml::Spanned<RawDate>>,
    #[serde(default)]
    pub(super) site_approval: BTreeMap<String, toml::Spanned<RawDate>>,
    pub(super) ethics: Option<PathBuf>,
    pub(super) principal_investigator: Option<String>,
    pub(super) metc: Option<String>,
    pub(super) metc_reference: Option<String>,
}

/// A free-text setting, trimmed; blank counts as not set.
pub(super) fn nonempty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

/// Parses TOML into the raw shape, with a one-line error naming file, line and column.
pub(super) fn parse_file(text: &str, name: &str) -> anyhow::Result<RawFile> {
    toml::from_str::<RawFile>(text).map_err(|e| {
        let message = e.message().trim().replace('\n', "; ");
        match e.span() {
            Some(span) => {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                anyhow::anyhow!("{name}:{line}:{column}: {message}")
            }
            None => anyhow::anyhow!("{name}: {message}"),
        }
    })
}

/// The documented range of every numeric `[registry]` setting: (key, min, max, unit).
pub const REGISTRY_RANGES: &[(&str, f64, f64, &str)] = &[
    ("connect_timeout_secs", 1.0, 300.0, "seconds"),
    ("timeout_secs", 1.0, 3600.0, "seconds"),
    ("retries", 0.0, 20.0, "retries"),
    ("retry_base_ms", 1.0, 60_000.0, "milliseconds"),
    ("retry_budget_secs", 1.0, 3600.0, "seconds"),
    ("min_interval_ms", 0.0, 60_000.0, "milliseconds"),
    ("max_body_mb", 0.001, 4096.0, "MiB"),
    ("lock_timeout_secs", 0.0, 3600.0, "seconds"),
];

/// Checks `value` against its documented range; the error names the key and the range.
pub(super) fn in_range(key: &str, value: f64) -> anyhow::Result<f64> {
    let (_, min, max, unit) =
        REGISTRY_RANGES.iter().find(|(k, ..)| *k == key).copied().expect("every numeric key has a range");
    if value.is_finite() && (min..=max).contains(&value) {
        Ok(value)
    } else {
        bail!("[registry] {key} = {value}: expected {unit} from {min} to {max}")
    }
}

pub(super) fn secs(value: Option<f64>, key: &str, default: Duration) -> anyhow::Result<Duration> {
    value.map_or(Ok(default), |v| in_range(key, v).map(Duration::from_secs_f64))
}

pub(super) fn millis(value: Option<u64>, key: &str, default: Duration) -> anyhow::Result<Duration> {
    value.map_or(Ok(default), |v| in_range(key, v as f64).map(|v| Duration::from_millis(v as u64)))
}

pub(super) fn registry_settings(raw: RawRegistry) -> anyhow::Result<RegistrySettings> {
    let d = RegistrySettings::default();
    let user_agent = match raw.user_agent {
        Some(ua) if ua.trim().is_empty() || ua.chars().any(|c| c.is_control()) => {
            bail!("[registry] user_agent must be non-empty printable text")
        }
        Some(ua) => ua,
        None => d.user_agent,
    };
    let max_body_bytes = match raw.max_body_mb {
        None => d.max_body_bytes,
        Some(mb) => (in_range("max_body_mb", mb)? * 1024.0 * 1024.0) as u64,
    };
    Ok(RegistrySettings {
        user_agent,
        connect_timeout: secs(raw.connect_timeout_secs, "connect_timeout_secs", d.connect_timeout)?,
        timeout: secs(raw.timeout_secs, "timeout_secs", d.timeout)?,
        retries: match raw.retries {
            Some(r) => in_range("retries", r as f64)? as u32,
            None => d.retries,
        },
        retry_base: millis(raw.retry_base_ms, "retry_base_ms", d.retry_base)?,
        retry_budget: secs(raw.retry_budget_secs, "retry_budget_secs", d.retry_budget)?,
        min_interval: millis(raw.min_interval_ms, "min_interval_ms", d.min_interval)?,
        max_body_bytes,
        lock_timeout: secs(raw.lock_timeout_secs, "lock_timeout_secs", d.lock_timeout)?,
    })
}

/// A date in ctwatch.toml: a TOML date (`2029-01-03`) or a quoted `"2029-01-03"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RawDate {
    Toml(toml::value::Datetime),
    Text(String),
    Other(toml::Value),
}

/// A date setting, checked; an error names the file's line and the key (`Files` adds the file).
pub(super) fn date(
    value: Option<toml::Spanned<RawDate>>,
    key: &str,
    id: &NctId,
    text: &str,
) -> anyhow::Result<Option<NaiveDate>> {
    let Some(value) = value else { return Ok(None) };
    let line = text[..value.span().start.min(text.len())].matches('\n').count() + 1;
    let bad =
        |shown: String| anyhow::anyhow!("line {line}: trial {id}: {key} = {shown}: expected a date like 2029-01-03");
    let parsed = match value.get_ref() {
        RawDate::Toml(d) => match (d.date, d.time, d.offset) {
            (Some(day), None, None) => NaiveDate::from_ymd_opt(day.year.into(), day.month.into(), day.day.into()),
            _ => None,
        },
        RawDate::Text(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d").ok().filter(|_| t.len() == 10),
        RawDate::Other(_) => None,
    };
    let shown = match value.get_ref() {
        RawDate::Toml(d) => d.to_string(),
        RawDate::Text(t) => format!("{:?}", crate::text::clip(t, 40)),
        RawDate::Other(v) => match v {
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Array(_) => "an array".into(),
            _ => "a table".into(),
        },
    };
    parsed.map(Some).ok_or_else(|| bad(shown))
}

/// A folder as an absolute path without `.` or `..` (through any existing links), for
/// comparing two folders that may not exist yet.
pub(super) fn resolved(path: &Path) -> PathBuf {
    let absolute = std::env::current_dir().map(|d| d.join(path)).unwrap_or_else(|_| path.to_path_buf());
    // The longest existing ancestor, resolved; the rest appended lexically.
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    while std::fs::canonicalize(existing).is_err() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return absolute,
        }
    }
    let mut out = std::fs::canonicalize(existing).unwrap_or_else(|_| existing.to_path_buf());
    for part in rest.iter().rev() {
        match part.to_str() {
            Some("..") => {
                out.pop();
            }
            Some(".") => {}
            _ => out.push(part),
        }
    }
    out
}

/// Largest config file read: thousands of trials fit in well under a megabyte.
pub(super) const CONFIG_LIMIT: u64 = 16 << 20;

/// The largest recruitment target a projection is made for: beyond it (population registries
/// list millions) a per-participant recruitment forecast means nothing.
pub const MAX_TARGET: u32 = 1_000_000;
/// The weakest prior certainty: 0.01 weighs the plan like 1 % of its own length of data.
/// Below it, the plan's prior is so vague that the projection's tail runs past any horizon.
pub const MIN_PRIOR_CERTAINTY: f64 = 0.01;

pub(super) fn trials(raw: Vec<RawTrial>, base_dir: &Path, text: &str) -> anyhow::Result<Vec<TrialConfig>> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(raw.len());
    for t in raw {
        let nct_id = NctId::parse(&t.nct_id).context("[[trial]] nct_id")?;
        if !seen.insert(nct_id.clone()) {
            bail!("trial {nct_id} is listed twice");
        }
        if let Some(n) = t.target
            && !(1..=MAX_TARGET).contains(&n)
        {
            bail!("trial {nct_id}: target = {n}: expected a whole number from 1 to {MAX_TARGET}");
        }
        if let Some(p) = t.prior_certainty
            && !(MIN_PRIOR_CERTAINTY..=1.0).contains(&p)
        {
            bail!("trial {nct_id}: prior_certainty = {p}: expected a number from {MIN_PRIOR_CERTAINTY} to 1");
        }
        if let Some(p) = t.at_risk_below
            && !(p > 0.0 && p < 1.0)
        {
            bail!("trial {nct_id}: at_risk_below = {p}: expected a probability between 0 and 1, e.g. 0.5");
        }
        let mut by_case: std::collections::HashMap<String, (&String, &String)> = Default::default();
        for (alias, facility) in &t.site_aliases {
            if alias.trim().is_empty() || facility.trim().is_empty() {
                bail!("trial {nct_id}: site_aliases may not have empty names");
            }
            if let Some((other, earlier)) = by_case
                .insert(alias.trim().to_lowercase(), (alias, facility))
                .filter(|(_, f)| !f.trim().eq_ignore_ascii_case(facility.trim()))
            {
                bail!(
                    "trial {nct_id}: site_aliases {other:?} and {alias:?} differ only by case but point to different sites ({earlier:?} and {facility:?})"
                );
            }
        }
        out.push(TrialConfig {
            site_opening: t
                .site_opening
                .into_iter()
                .map(|(site, d)| {
                    let key = format!("site_opening.{site:?}");
                    date(Some(d), &key, &nct_id, text).map(|d| (site, d.expect("given")))
                })
                .collect::<anyhow::Result<_>>()?,
            site_approval: t
                .site_approval
                .into_iter()
                .map(|(site, d)| {
                    let key = format!("site_approval.{site:?}");
                    date(Some(d), &key, &nct_id, text).map(|d| (site, d.expect("given")))
                })
                .collect::<anyhow::Result<_>>()?,
            recruitment_end: date(t.recruitment_end, "recruitment_end", &nct_id, text)?,
            metc_decision_date: date(t.metc_decision_date, "metc_decision_date", &nct_id, text)?,
            accrual: t.accrual.map(|p| if p.is_absolute() { p } else { base_dir.join(p) }),
            ethics: t.ethics.map(|p| if p.is_absolute() { p } else { base_dir.join(p) }),
            nct_id,
            target: t.target,
            prior_certainty: t.prior_certainty,
            at_risk_below: t.at_risk_below,
            site_aliases: t.site_aliases,
            principal_investigator: nonempty(t.principal_investigator),
            metc: nonempty(t.metc),
            metc_reference: nonempty(t.metc_reference),
        });
    }
    Ok(out)
}

/// Parses a base URL: http or https, no query or fragment, trailing slash removed.
pub(super) fn base_url(text: &str, flag: &str) -> anyhow::Result<Url> {
    let url = Url::parse(text.trim()).with_context(|| format!("{flag} {text:?} is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        bail!("{flag} {text:?}: expected an http(s) URL");
    }
    if url.query().is_some() || url.fragment().is_some() {
        bail!("{flag} {text:?}: a base URL cannot have a query or fragment");
    }
    let trimmed = url.as_str().trim_end_matches('/').to_string();
    Ok(Url::parse(&trimmed)?)
}
