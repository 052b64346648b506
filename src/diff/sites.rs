//! Sites (locations): added, removed, status changed, contacts changed.
//!
//! Sites have no id in the registry, so they are matched by (facility, city, state, zip,
//! country), compared case- and whitespace-insensitively. A site whose address text changed
//! slightly ("Radboud Umc" → "Radboud umc medical center") would otherwise read as one site
//! removed and another added — alarming and wrong — so leftover sites are paired when exactly
//! one close match exists in the same country (similarity of the address text ≥ 0.75), and
//! reported as an address change.

use std::collections::{BTreeSet, HashMap, VecDeque};

use serde_json::Value;
use similar::TextDiff;

use super::{Category, Change, Importance, generic, humanize};

pub use crate::registry::study::LOCATIONS as POINTER;
const BASE: &str = "protocolSection.contactsLocationsModule.locations";
const CLOSE_MATCH: f32 = 0.75;

fn field<'a>(site: &'a Value, key: &str) -> &'a str {
    site.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The matching key: facility, city, state, zip, country, normalised.
fn key(site: &Value) -> String {
    ["facility", "city", "state", "zip", "country"]
        .iter()
        .map(|k| field(site, k).split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase())
        .collect::<Vec<_>>()
        .join("|")
}

/// How a site is named to people: "Facility, City".
pub fn label(site: &Value) -> String {
    match (field(site, "facility"), field(site, "city")) {
        ("", city) => city.to_string(),
        (facility, "") => facility.to_string(),
        (facility, city) => format!("{facility}, {city}"),
    }
}

fn status(site: &Value) -> Option<&str> {
    site.get("status").and_then(Value::as_str)
}

fn status_text(site: &Value) -> String {
    status(site).map_or_else(|| "no status".into(), humanize)
}

/// Longest prefix of a site's key compared for a close match: real addresses are far shorter,
/// and a hostile megabyte-long name must not make matching slow.
const MATCH_CHARS: usize = 300;
/// A word shared by more leftover sites than this (e.g. "hospital") proposes no candidates.
const COMMON_WORD: usize = 50;
/// At most this many candidates, those sharing the most words, are compared per site.
const MAX_CANDIDATES: usize = 20;

/// Unique close matches among the leftover sites: (removed index, added index).
///
/// Candidates come from an index of the words in the keys, so the work grows with the number
/// of sites, not its square: a leftover site is compared (similarity of the key's first
/// [`MATCH_CHARS`] characters) only with leftovers that share an uncommon word with it and
/// are in the same country. A pair is a match when each is the other's only close candidate.
fn close_matches(
    before: &[Value],
    after: &[Value],
    keys_before: &[String],
    keys_after: &[String],
    removed: &[usize],
    added: &[usize],
) -> Vec<(usize, usize)> {
    if removed.is_empty() || added.is_empty() {
        return Vec::new();
    }
    let clip = |k: &str| -> String { k.chars().take(MATCH_CHARS).collect() };
    let words = |k: &str| -> BTreeSet<String> {
        clip(k).split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 1).map(str::to_string).collect()
    };
    let words_added: Vec<BTreeSet<String>> = added.iter().map(|&j| words(&keys_after[j])).collect();
    let mut frequency: HashMap<&str, usize> = HashMap::new();
    let words_removed: Vec<BTreeSet<String>> = removed.iter().map(|&i| words(&keys_before[i])).collect();
    for set in words_added.iter().chain(&words_removed) {
        for w in set {
            *frequency.entry(w.as_str()).or_default() += 1;
        }
    }
    let mut index: HashMap<&str, Vec<usize>> = HashMap::new();
    for (a, set) in words_added.iter().enumerate() {
        for w in set.iter().filter(|w| frequency[w.as_str()] <= COMMON_WORD) {
            index.entry(w.as_str()).or_default().push(a);
        }
    }
    // close[r] = the added positions close to removed position r.
    let mut close: Vec<Vec<usize>> = Vec::with_capacity(removed.len());
    let mut close_count = vec![0usize; added.len()];
    for (r, &i) in removed.iter().enumerate() {
        let mut shared: HashMap<usize, usize> = HashMap::new();
        for w in words_removed[r].iter() {
            for &a in index.get(w.as_str()).map_or(&[][..], Vec::as_slice) {
                *shared.entry(a).or_default() += 1;
            }
        }
        let mut candidates: Vec<(usize, usize)> = shared.into_iter().collect();
        candidates.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        let a_key = clip(&keys_before[i]);
        let hits: Vec<usize> = candidates
            .into_iter()
            .take(MAX_CANDIDATES)
            .map(|(a, _)| a)
            .filter(|&a| {
                let j = added[a];
                let b_key = clip(&keys_after[j]);
                let (la, lb) = (a_key.chars().count(), b_key.chars().count());
                let bound = 2.0 * la.min(lb) as f32 / (la + lb).max(1) as f32;
                bound >= CLOSE_MATCH
                    && field(&before[i], "country").eq_ignore_ascii_case(field(&after[j], "country"))
                    && TextDiff::from_chars(a_key.as_str(), b_key.as_str()).ratio() >= CLOSE_MATCH
            })
            .collect();
        for &a in &hits {
            close_count[a] += 1;
        }
        close.push(hits);
    }
    removed
        .iter()
        .zip(&close)
        .filter_map(|(&i, hits)| match hits.as_slice() {
            [a] if close_count[*a] == 1 => Some((i, added[*a])),
            _ => None,
        })
        .collect()
}

pub(crate) fn compare(a: &Value, b: &Value, out: &mut Vec<Change>) {
    let empty = Vec::new();
    let before = a.pointer(POINTER).and_then(Value::as_array).unwrap_or(&empty);
    let after = b.pointer(POINTER).and_then(Value::as_array).unwrap_or(&empty);
    if before == after {
        return;
    }
    let (keys_before, keys_after): (Vec<String>, Vec<String>) =
        (before.iter().map(key).collect(), after.iter().map(key).collect());
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut removed: Vec<usize> = Vec::new();
    // Exact key matches, in order (duplicate keys pair up first-to-first): a hash map from key
    // to the queue of its positions, so n sites cost O(n), not O(n²).
    let mut by_key: HashMap<&str, VecDeque<usize>> = HashMap::new();
    for (j, k) in keys_after.iter().enumerate() {
        by_key.entry(k.as_str()).or_default().push_back(j);
    }
    let mut used_after = vec![false; after.len()];
    // Sites sharing a key (two departments listed as one facility and city) pair with an
    // identical site first, so two such sites swapping statuses are no change at all; the
    // rest in order.
    let mut paired_before = vec![false; before.len()];
    for (i, k) in keys_before.iter().enumerate() {
        if let Some(queue) = by_key.get_mut(k.as_str()).filter(|q| q.len() > 1)
            && let Some(at) = queue.iter().position(|&j| after[j] == before[i])
        {
            let j = queue.remove(at).expect("a position in the queue");
            used_after[j] = true;
            paired_before[i] = true;
            pairs.push((i, j));
        }
    }
    for (i, k) in keys_before.iter().enumerate().filter(|(i, _)| !paired_before[*i]) {
        match by_key.get_mut(k.as_str()).and_then(VecDeque::pop_front) {
            Some(j) => {
                used_after[j] = true;
                pairs.push((i, j));
            }
            None => removed.push(i),
        }
    }
    pairs.sort_unstable();
    let added: Vec<usize> = (0..after.len()).filter(|&j| !used_after[j]).collect();
    let moved = close_matches(before, after, &keys_before, &keys_after, &removed, &added);
    let removed: Vec<usize> = removed.into_iter().filter(|i| !moved.iter().any(|(m, _)| m == i)).collect();
    let added: Vec<usize> = added.into_iter().filter(|j| !moved.iter().any(|(_, m)| m == j)).collect();

    for &i in &removed {
        let site = &before[i];
        out.push(Change {
            category: Category::Sites,
            path: format!("{BASE}[{}]", label(site)),
            before: site.clone(),
            after: Value::Null,
            summary: format!("Site removed: {} (was {})", label(site), status_text(site)),
            importance: Importance::High,
        });
    }
    for &j in &added {
        let site = &after[j];
        out.push(Change {
            category: Category::Sites,
            path: format!("{BASE}[{}]", label(site)),
            before: Value::Null,
            after: site.clone(),
            summary: format!("Site added: {} ({})", label(site), status_text(site)),
            importance: Importance::High,
        });
    }
    for &(i, j) in &moved {
        let (old, new) = (&before[i], &after[j]);
        let address = |s: &Value| {
            ["facility", "city", "state", "zip", "country"]
                .iter()
                .filter_map(|k| s.get(*k).map(|v| (k.to_string(), v.clone())))
                .collect::<serde_json::Map<_, _>>()
        };
        out.push(Change {
            category: Category::Sites,
            path: format!("{BASE}[{}]", label(new)),
            before: Value::Object(address(old)),
            after: Value::Object(address(new)),
            summary: format!("Site address changed: {} → {}", label(old), label(new)),
            importance: Importance::Low,
        });
    }
    for &(i, j) in pairs.iter().chain(moved.iter()) {
        site_fields(&before[i], &after[j], out);
    }
}

/// Changes within one matched site: status, contacts, anything else.
fn site_fields(old: &Value, new: &Value, out: &mut Vec<Change>) {
    if old == new {
        return;
    }
    let path = format!("{BASE}[{}]", label(new));
    if status(old) != status(new) {
        out.push(Change {
            category: Category::Sites,
            path: format!("{path}.status"),
            before: old.get("status").cloned().unwrap_or(Value::Null),
            after: new.get("status").cloned().unwrap_or(Value::Null),
            summary: format!("{}: {} → {}", label(new), status_text(old), status_text(new)),
            importance: Importance::High,
        });
    }
    if old.get("contacts") != new.get("contacts") {
        out.push(Change {
            category: Category::Contacts,
            path: format!("{path}.contacts"),
            before: old.get("contacts").cloned().unwrap_or(Value::Null),
            after: new.get("contacts").cloned().unwrap_or(Value::Null),
            summary: format!("{}: site contacts changed", label(new)),
            importance: Importance::Low,
        });
    }
    // Everything else (geoPoint, new fields) generically; the address was handled above.
    let strip = |s: &Value| {
        let mut s = s.clone();
        if let Some(m) = s.as_object_mut() {
            for k in ["status", "contacts", "facility", "city", "state", "zip", "country"] {
                m.remove(k);
            }
        }
        s
    };
    generic::walk_as(&strip(old), &strip(new), &path, Category::Sites, Importance::Low, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn study(sites: Value) -> Value {
        json!({"protocolSection": {"contactsLocationsModule": {"locations": sites}}})
    }

    fn site(facility: &str, city: &str, status: &str) -> Value {
        json!({"facility": facility, "city": city, "country": "Netherlands", "status": status})
    }

    #[test]
    fn two_sites_with_one_key_swapping_statuses_are_no_change() {
        let a = study(json!([site("UMC", "Utrecht", "RECRUITING"), site("UMC", "Utrecht", "NOT_YET_RECRUITING")]));
        let b = study(json!([site("UMC", "Utrecht", "NOT_YET_RECRUITING"), site("UMC", "Utrecht", "RECRUITING")]));
        let mut out = Vec::new();
        compare(&a, &b, &mut out);
        assert!(out.is_empty(), "{out:?}");
        // One of them really changing is one change.
        let c = study(json!([site("UMC", "Utrecht", "RECRUITING"), site("UMC", "Utrecht", "RECRUITING")]));
        let mut out = Vec::new();
        compare(&a, &c, &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].summary, "UMC, Utrecht: not yet recruiting → recruiting");
    }

    fn run(a: Value, b: Value) -> Vec<Change> {
        let mut out = Vec::new();
        compare(&study(a), &study(b), &mut out);
        out
    }

    #[test]
    fn status_change_added_and_removed() {
        let a = json!([
            site("UMC Groningen", "Groningen", "RECRUITING"),
            site("Radboud Umc", "Nijmegen", "NOT_YET_RECRUITING")
        ]);
        let b = json!([
            site("Radboud Umc", "Nijmegen", "RECRUITING"),
            site("Erasmus MC", "Rotterdam", "NOT_YET_RECRUITING")
        ]);
        let summaries: Vec<String> = run(a, b).into_iter().map(|c| c.summary).collect();
        assert_eq!(
            summaries,
            [
                "Site removed: UMC Groningen, Groningen (was recruiting)",
                "Site added: Erasmus MC, Rotterdam (not yet recruiting)",
                "Radboud Umc, Nijmegen: not yet recruiting → recruiting",
            ]
        );
    }

    #[test]
    fn slight_address_change_is_not_remove_plus_add() {
        let a = json!([site("Radboud Umc", "Nijmegen", "RECRUITING")]);
        let b = json!([site("Radboud umc medical centre", "Nijmegen", "RECRUITING")]);
        let changes = run(a, b);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(
            changes[0].summary,
            "Site address changed: Radboud Umc, Nijmegen → Radboud umc medical centre, Nijmegen"
        );
        // Case and spacing alone are the same site.
        let a = json!([site("Radboud Umc", "Nijmegen", "RECRUITING")]);
        let b = json!([site("radboud  umc", "Nijmegen", "RECRUITING")]);
        assert!(run(a, b).is_empty());
    }

    #[test]
    fn ambiguous_close_matches_stay_remove_plus_add() {
        let a = json!([site("Hospital A", "Utrecht", "RECRUITING"), site("Hospital B", "Utrecht", "RECRUITING")]);
        let b = json!([site("Hospital C", "Utrecht", "RECRUITING")]);
        let changes = run(a, b);
        assert_eq!(changes.len(), 3, "{changes:?}");
    }
}
