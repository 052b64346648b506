//! The one place that decides whether two records are the same registry version, and how two
//! stored versions are made comparable. `sync`, `diff`, `history`, `backfill` and the reports
//! all ask here.
//!
//! Three facts about the registry shape the rules:
//! - API v2 serves free text as Markdown, the version-history API as HTML: across origins
//!   free text is compared on its words ([`super::markup`]).
//! - The registry rebuilds its own `derivedSection` (MeSH browse leaves and branches) on every
//!   data refresh, in an order of its choosing: the order of its arrays is never a change.
//! - A refresh can also change a derived term without the sponsor posting anything: a record
//!   whose sponsor content (everything but `derivedSection`, `lastUpdatePostDate` included)
//!   equals the stored version's is the same version, *refreshed*, not a new one.

use serde_json::Value;

use super::markup::normalized;
use super::snapshot::{Origin, VOLATILE_FIELD, content_sha256};

/// The registry's own section of a record.
const DERIVED: &str = "derivedSection";

/// How a candidate record relates to a stored version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sameness {
    /// Same content (markup aside across origins; order of derived arrays aside).
    Identical,
    /// Same sponsor content and posted date; only the registry's derived data differ.
    Refreshed,
    /// A different version.
    Different,
}

impl Sameness {
    /// True unless [`Sameness::Different`].
    pub fn is_same_version(self) -> bool {
        self != Sameness::Different
    }
}

/// Two study documents prepared for comparison: markup removed when their origins differ,
/// derived arrays in a canonical order, the volatile `versionHolder` removed.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparable {
    /// The older side.
    pub before: Value,
    /// The newer side.
    pub after: Value,
    /// The sides come from different origins (API v2 Markdown versus history HTML).
    pub cross_origin: bool,
}

/// Prepares `before` and `after` (with their origins) for [`crate::diff::diff`] and the text
/// diff.
pub fn comparable(before: (&Value, Origin), after: (&Value, Origin)) -> Comparable {
    let cross_origin = before.1 != after.1;
    Comparable { before: prepare(before.0, cross_origin), after: prepare(after.0, cross_origin), cross_origin }
}

/// One side prepared as [`comparable`] prepares it for a pair of the same origin: for comparing
/// a run of versions, each prepared once.
pub fn prepared_alone(study: &Value) -> Value {
    prepare(study, false)
}

/// Decides whether `candidate` (from `candidate_origin`) is the version `stored` holds.
pub fn same_version(stored: (&Value, Origin), candidate: (&Value, Origin)) -> Sameness {
    comparable(stored, candidate).sameness()
}

impl Comparable {
    /// Whether the two sides are the same registry version (see [`same_version`]).
    pub fn sameness(&self) -> Sameness {
        if self.before == self.after {
            return Sameness::Identical;
        }
        fn without_derived(v: &Value) -> Vec<(&String, &Value)> {
            v.as_object().map(|m| m.iter().filter(|(k, _)| k.as_str() != DERIVED).collect()).unwrap_or_default()
        }
        if self.before.is_object() && without_derived(&self.before) == without_derived(&self.after) {
            Sameness::Refreshed
        } else {
            Sameness::Different
        }
    }
}

/// A key equal for two records that [`same_version`] calls the same version whatever their
/// origins (markup removed, derived data left out): for looking a version up among many.
pub fn version_key(study: &Value) -> String {
    let mut v = normalized(study);
    if let Some(m) = v.as_object_mut() {
        m.remove(DERIVED);
    }
    content_sha256(&v)
}

fn prepare(study: &Value, strip_markup: bool) -> Value {
    let mut v = if strip_markup { normalized(study) } else { study.clone() };
    let (parent, key) = VOLATILE_FIELD;
    if let Some(m) = v.pointer_mut(parent).and_then(Value::as_object_mut) {
        m.remove(key);
    }
    if let Some(derived) = v.get_mut(DERIVED) {
        sort_arrays(derived);
    }
    v
}

/// Sorts every array below `v` (inner arrays first) by each element's identity — its `id`,
/// `abbrev` or `term`, as the registry's MeSH entries carry one — then its canonical text. An
/// entry whose other fields changed then stays beside its counterpart and shows as that one
/// change, not as a shuffle of its neighbours.
fn sort_arrays(v: &mut Value) {
    match v {
        Value::Array(items) => {
            items.iter_mut().for_each(sort_arrays);
            let identity = |x: &Value| {
                ["id", "abbrev", "term"]
                    .iter()
                    .find_map(|k| x.get(*k).and_then(Value::as_str))
                    .unwrap_or("")
                    .to_string()
            };
            let mut keyed: Vec<((String, String), Value)> = items
                .drain(..)
                .map(|x| ((identity(&x), serde_json::to_string(&x).expect("a Value serialises")), x))
                .collect();
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
            items.extend(keyed.into_iter().map(|(_, x)| x));
        }
        Value::Object(m) => m.values_mut().for_each(sort_arrays),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(leaves: Value, date: &str, title: &str) -> Value {
        json!({
            "protocolSection": {"identificationModule": {"briefTitle": title},
                "statusModule": {"lastUpdatePostDateStruct": {"date": date}}},
            "derivedSection": {"conditionBrowseModule": {"browseLeaves": leaves},
                "miscInfoModule": {"versionHolder": date}}
        })
    }

    #[test]
    fn reordered_derived_arrays_are_identical() {
        let a = record(json!([{"id": "M1"}, {"id": "M2"}]), "2022-08-18", "T");
        let b = record(json!([{"id": "M2"}, {"id": "M1"}]), "2022-08-18", "T");
        assert_eq!(same_version((&a, Origin::Api), (&b, Origin::Api)), Sameness::Identical);
        let pair = comparable((&a, Origin::Api), (&b, Origin::Api));
        assert_eq!(pair.before, pair.after);
        assert!(!pair.cross_origin);
    }

    #[test]
    fn a_changed_derived_term_is_a_refresh_and_a_sponsor_change_is_not() {
        let a = record(json!([{"id": "M1", "asFound": "Visible"}]), "2022-08-18", "T");
        let b = record(json!([{"id": "M1", "asFound": "Aqueous"}]), "2022-08-18", "T");
        assert_eq!(same_version((&a, Origin::Api), (&b, Origin::Api)), Sameness::Refreshed);
        let c = record(json!([{"id": "M1"}]), "2022-08-18", "T2");
        assert_eq!(same_version((&a, Origin::Api), (&c, Origin::Api)), Sameness::Different);
        let d = record(json!([{"id": "M1", "asFound": "Visible"}]), "2022-08-19", "T");
        assert_eq!(same_version((&a, Origin::Api), (&d, Origin::Api)), Sameness::Different);
    }

    #[test]
    fn markup_matters_within_an_origin_but_not_across() {
        let a = record(json!([]), "2020-02-21", "a/b **c**");
        let b = record(json!([]), "2020-02-21", "a&#x2F;b <b>c</b>");
        assert_eq!(same_version((&a, Origin::Api), (&b, Origin::History)), Sameness::Identical);
        assert_eq!(same_version((&a, Origin::Api), (&b, Origin::Api)), Sameness::Different);
        assert_eq!(version_key(&a), version_key(&b));
    }
}
