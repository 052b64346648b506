//! The semantic diff: what changed between two versions of a record, in registry terms.
//!
//! A sponsor office does not want "line 412 changed"; it wants "Radboud umc started
//! recruiting" and "the completion date slipped 179 days". So the fields that matter get
//! dedicated comparisons — status ([`status`]), dates with their precision and type
//! ([`dates`]), enrollment ([`enrollment`]), sites matched by address ([`sites`]) — and every
//! other field is compared generically by JSON path ([`generic`]), categorised by its module.
//! Changes to the registry's own derived data are category `registry`, apart from what the
//! sponsor changed. The change model is DESIGN's: `{category, path, before, after, summary,
//! importance}`; notices list high importance first.

pub mod dates;
pub mod enrollment;
pub mod generic;
pub mod sites;
pub mod status;
pub mod text;
pub mod timeline;

use serde::Serialize;
use serde_json::Value;

use crate::registry::study;

/// What part of the record a change touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Overall status, last known status, why stopped, verification date.
    Status,
    /// Start, primary completion, completion, posting dates.
    Dates,
    /// Enrollment count and type.
    Enrollment,
    /// Locations: added, removed, status, address.
    Sites,
    /// Central contacts, officials, site contacts.
    Contacts,
    /// Eligibility criteria.
    Eligibility,
    /// Design, arms, interventions, outcomes.
    Design,
    /// Anything else the sponsor wrote (titles, descriptions, conditions…).
    Other,
    /// The registry's own derived data (`derivedSection`), not the sponsor's.
    Registry,
}

impl Category {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Status => "status",
            Category::Dates => "dates",
            Category::Enrollment => "enrollment",
            Category::Sites => "sites",
            Category::Contacts => "contacts",
            Category::Eligibility => "eligibility",
            Category::Design => "design",
            Category::Other => "other",
            Category::Registry => "registry",
        }
    }
}

/// How much a change matters to the sponsor office; `High` sorts first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Importance {
    /// Overall status; a completion date moved > 30 days or turned actual; enrollment target
    /// ±10 % or turned actual; a site added, removed or changing status.
    High,
    /// Other dates, enrollment, eligibility, design and outcome changes.
    Medium,
    /// Contacts, wording, the registry's derived data.
    Low,
}

impl Importance {
    /// The JSON name.
    pub fn as_str(self) -> &'static str {
        match self {
            Importance::High => "high",
            Importance::Medium => "medium",
            Importance::Low => "low",
        }
    }
}

/// One change between two versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// What part of the record.
    pub category: Category,
    /// Dotted path, e.g. `protocolSection.statusModule.overallStatus`; sites are named by
    /// facility and city, e.g. `…locations[Radboud Umc, Nijmegen].status`.
    pub path: String,
    /// The old value (`null` when added).
    pub before: Value,
    /// The new value (`null` when removed).
    pub after: Value,
    /// One sentence for people, e.g. "Completion date slipped 179 days: …".
    pub summary: String,
    /// How much it matters.
    pub importance: Importance,
}

/// Fields compared by a dedicated module; the generic walk skips them (JSON pointers).
pub(crate) const DEDICATED: &[&str] = &[
    status::OVERALL,
    status::LAST_KNOWN,
    status::WHY_STOPPED,
    status::VERIFIED,
    study::START_STRUCT,
    study::PRIMARY_COMPLETION_STRUCT,
    study::COMPLETION_STRUCT,
    study::FIRST_POSTED_STRUCT,
    study::LAST_UPDATE_STRUCT,
    enrollment::POINTER,
    sites::POINTER,
    // The registry rewrites this on every data refresh; it is never a change.
    study::VERSION_HOLDER,
];

/// All changes from `before` to `after` (two study documents), most important first.
/// Deterministic: the same inputs give the same list in the same order.
pub fn diff(before: &Value, after: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    status::compare(before, after, &mut out);
    dates::compare(before, after, &mut out);
    enrollment::compare(before, after, &mut out);
    sites::compare(before, after, &mut out);
    generic::compare(before, after, &mut out);
    // Stable sort keeps each module's own order within a category.
    out.sort_by_key(|c| (c.importance, c.category));
    out
}

/// Diffs two stored versions. Across origins (API v2 serves Markdown, the history API serves
/// HTML) free text is compared without markup, and the second value says so.
pub fn between(a: &crate::store::Snapshot, b: &crate::store::Snapshot) -> (Vec<Change>, bool) {
    let pair = crate::store::version::comparable((&a.study, a.origin), (&b.study, b.origin));
    (diff(&pair.before, &pair.after), pair.cross_origin)
}

/// The note shown when two versions of different origins were compared.
pub const CROSS_ORIGIN_NOTE: &str = "These versions come from different sources (API v2 Markdown and version-history HTML): free text was compared without its markup.";

/// Dotted path of a JSON pointer (`/a/b` → `a.b`).
pub(crate) fn dotted(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

/// An enum value for people: `NOT_YET_RECRUITING` → `not yet recruiting`.
pub fn humanize(value: &str) -> String {
    match value {
        "ACTIVE_NOT_RECRUITING" => "active, not recruiting".into(),
        other => other.to_lowercase().replace('_', " "),
    }
}

/// A value shortened for a summary line.
pub(crate) fn short(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Null => "(none)".into(),
        other => other.to_string(),
    };
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > 80 { format!("{}…", text.chars().take(79).collect::<String>()) } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn humanizes_enums() {
        assert_eq!(humanize("NOT_YET_RECRUITING"), "not yet recruiting");
        assert_eq!(humanize("ACTIVE_NOT_RECRUITING"), "active, not recruiting");
        assert_eq!(humanize("SOMETHING_NEW"), "something new");
    }
}
