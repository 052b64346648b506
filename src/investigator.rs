//! The investigator's file: what only the investigator knows (safety, amendments, deviations,
//! DSMB, insurance, objectives, conclusion), read from a local TOML file.

use std::path::Path;

use anyhow::Context;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

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
    pub(super) fn text(&self) -> String {
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
    /// What is done to improve recruitment (asked for when it is behind the plan).
    pub recruitment_measures: Option<Entry>,
    /// Safety in one line: whether anything changes the balance of benefit and risk.
    pub safety_summary: Option<Entry>,
    /// Monitoring by the sponsor: visits, findings, the plan.
    pub monitoring: Option<Entry>,
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
    /// What was submitted to the ethics committee, and when.
    #[serde(default)]
    pub submitted: Submitted,
}

/// The `[submitted]` table: the dates documents went to the ethics committee, which mark
/// its duties done.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submitted {
    /// Each annual progress report.
    #[serde(default)]
    pub annual_reports: Vec<toml::value::Datetime>,
    /// The notification of the end of the study.
    pub end_of_study_notification: Option<toml::value::Datetime>,
    /// The summary of the results.
    pub results_summary: Option<toml::value::Datetime>,
}

/// A TOML date (`2026-10-12`) as a day; anything else (a time, an offset) is refused by
/// [`read_local`].
fn day(d: &toml::value::Datetime) -> Option<NaiveDate> {
    let date = d.date.filter(|_| d.time.is_none() && d.offset.is_none())?;
    NaiveDate::from_ymd_opt(i32::from(date.year), u32::from(date.month), u32::from(date.day))
}

impl Submitted {
    /// The committee's clock from its decision of `decision`, with these submissions.
    pub fn committee(&self, decision: NaiveDate) -> crate::compliance::Committee {
        crate::compliance::Committee {
            decision,
            annual_reports: self.annual_reports.iter().filter_map(day).collect(),
            end_of_study_notification: self.end_of_study_notification.as_ref().and_then(day),
            results_summary: self.results_summary.as_ref().and_then(day),
        }
    }
}

/// Reads the local file, naming it and the line on errors.
pub fn read_local(path: &Path) -> anyhow::Result<Local> {
    let text = crate::bounded::read_text_bounded(path, 16 << 20)
        .with_context(|| format!("cannot read the ethics file {}", path.display()))?;
    let local: Local = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        anyhow::anyhow!("{}:{}: {}", path.display(), line.unwrap_or(1), e.message().trim().replace('\n', "; "))
    })?;
    let s = &local.submitted;
    let all = s.annual_reports.iter().chain(&s.end_of_study_notification).chain(&s.results_summary);
    if let Some(bad) = all.into_iter().find(|d| day(d).is_none()) {
        anyhow::bail!("{}: [submitted] {bad}: expected a date (YYYY-MM-DD)", path.display());
    }
    Ok(local)
}

impl Local {
    /// Every text the investigator wrote, with its key in the file.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        [
            ("temporary_halt", &self.temporary_halt),
            ("screen_failures", &self.screen_failures),
            ("recruitment_measures", &self.recruitment_measures),
            ("safety_summary", &self.safety_summary),
            ("monitoring", &self.monitoring),
            ("serious_adverse_events", &self.serious_adverse_events),
            ("susars", &self.susars),
            ("other_notifications", &self.other_notifications),
            ("amendments", &self.amendments),
            ("protocol_deviations", &self.protocol_deviations),
            ("dsmb", &self.dsmb),
            ("insurance", &self.insurance),
            ("progress_on_objectives", &self.progress_on_objectives),
            ("conclusion", &self.conclusion),
        ]
        .into_iter()
        .filter_map(|(k, e)| e.as_ref().map(|e| (k, e.text())))
        .collect()
    }
}

/// Words that make up much of any English or Dutch sentence, and rarely the other's.
const ENGLISH: [&str; 16] =
    ["the", "and", "of", "to", "is", "was", "were", "are", "with", "for", "this", "that", "not", "no", "have", "has"];
const DUTCH: [&str; 16] = [
    "de", "het", "een", "en", "van", "is", "niet", "geen", "zijn", "werd", "wordt", "voor", "met", "dat", "deze", "bij",
];

/// The language a text seems to be written in, when it says enough to tell (at least 6 words,
/// three times as many of one language's common words as of the other's).
pub fn seems(text: &str) -> Option<crate::lang::Lang> {
    let words: Vec<String> =
        text.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    if words.len() < 6 {
        return None;
    }
    let count = |list: &[&str]| words.iter().filter(|w| list.contains(&w.as_str())).count();
    let (en, nl) = (count(&ENGLISH), count(&DUTCH));
    if en >= 2 && en >= 3 * nl {
        Some(crate::lang::Lang::En)
    } else if nl >= 2 && nl >= 3 * en {
        Some(crate::lang::Lang::Nl)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use crate::lang::Lang;

    #[test]
    fn tells_english_from_dutch_when_the_text_says_enough() {
        assert_eq!(super::seems("No serious adverse events were reported in this period."), Some(Lang::En));
        assert_eq!(super::seems("Er zijn in deze periode geen ernstige ongewenste voorvallen gemeld."), Some(Lang::Nl));
        assert_eq!(super::seems("Geen."), None);
        assert_eq!(super::seems("2 SAEs, 0 SUSARs; DSMB 2026-02-10"), None);
    }
}
