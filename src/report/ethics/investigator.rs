//! The investigator's file: what only the investigator knows (safety, amendments, deviations,
//! DSMB, insurance, objectives, conclusion), read from a local TOML file.

#[allow(unused_imports)]
use super::*;

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
