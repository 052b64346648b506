//! Sites (locations): added, removed, status changed, contacts changed.
//!
//! Sites have no id in the registry, so they are matched by (facility, city, state, zip,
//! country), compared case- and whitespace-insensitively. A site whose address text changed
//! slightly ("Radboud Umc" → "Radboud umc medical center") would otherwise read as one site
//! removed and another added — alarming and wrong — so leftover sites are paired when exactly
//! one close match exists in the same country (similarity of the address text ≥ 0.75), and
//! reported as an address change.

use serde_json::Value;
use similar::TextDiff;

use super::{Category, Change, Importance, generic, humanize};

/// `contactsLocationsModule.locations`
pub const POINTER: &str = "/protocolSection/contactsLocationsModule/locations";
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

pub(crate) fn compare(a: &Value, b: &Value, out: &mut Vec<Change>) {
    let empty = Vec::new();
    let before = a.pointer(POINTER).and_then(Value::as_array).unwrap_or(&empty);
    let after = b.pointer(POINTER).and_then(Value::as_array).unwrap_or(&empty);
    if before == after {
        return;
    }
    let (keys_before, keys_after): (Vec<String>, Vec<String>) =
        (before.iter().map(key).collect(), after.iter().map(key).collect());
    let mut used_after = vec![false; after.len()];
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut removed: Vec<usize> = Vec::new();
    // Exact key matches, in order (duplicate keys pair up first-to-first).
    for (i, k) in keys_before.iter().enumerate() {
        match (0..after.len()).find(|&j| !used_after[j] && &keys_after[j] == k) {
            Some(j) => {
                used_after[j] = true;
                pairs.push((i, j));
            }
            None => removed.push(i),
        }
    }
    let added: Vec<usize> = (0..after.len()).filter(|&j| !used_after[j]).collect();
    // Unique close matches among the leftovers: the similarity matrix is computed once, and
    // pairs whose lengths alone rule out a 0.75 ratio are skipped without diffing.
    let close: Vec<Vec<bool>> = removed
        .iter()
        .map(|&i| {
            added
                .iter()
                .map(|&j| {
                    let (a, b) = (&keys_before[i], &keys_after[j]);
                    let (la, lb) = (a.chars().count(), b.chars().count());
                    let bound = 2.0 * la.min(lb) as f32 / (la + lb).max(1) as f32;
                    bound >= CLOSE_MATCH
                        && field(&before[i], "country").eq_ignore_ascii_case(field(&after[j], "country"))
                        && TextDiff::from_chars(a.as_str(), b.as_str()).ratio() >= CLOSE_MATCH
                })
                .collect()
        })
        .collect();
    let mut moved: Vec<(usize, usize)> = Vec::new();
    for (r, &i) in removed.iter().enumerate() {
        let candidates: Vec<usize> = (0..added.len()).filter(|&a| close[r][a]).collect();
        if let [a] = candidates.as_slice()
            && close.iter().filter(|row| row[*a]).count() == 1
        {
            moved.push((i, added[*a]));
        }
    }
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
