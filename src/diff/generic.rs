//! Every field without a dedicated comparison, by JSON path, categorised by its module.
//!
//! Objects are compared key by key; arrays element by element when their lengths agree, else
//! as a whole (an insertion would otherwise shift every later element into a "change").

use serde_json::Value;

use super::{Category, Change, DEDICATED, Importance, short};

/// The category and importance of a field by where it sits (pointer with `/`).
fn classify(pointer: &str) -> (Category, Importance) {
    let module = pointer.split('/').nth(2).unwrap_or("");
    if pointer.starts_with(crate::registry::study::DERIVED_SECTION) {
        return (Category::Registry, Importance::Low);
    }
    match module {
        "statusModule" if pointer.contains("Date") => (Category::Dates, Importance::Low),
        "statusModule" => (Category::Status, Importance::Medium),
        "contactsLocationsModule" => (Category::Contacts, Importance::Low),
        "eligibilityModule" => (Category::Eligibility, Importance::Medium),
        "designModule" | "armsInterventionsModule" | "outcomesModule" => (Category::Design, Importance::Medium),
        _ => (Category::Other, Importance::Low),
    }
}

pub(crate) fn compare(a: &Value, b: &Value, out: &mut Vec<Change>) {
    walk(a, b, &mut String::new(), &mut Vec::new(), None, out);
}

/// Compares `a` and `b` below `path` with a fixed category (used for a site's other fields).
pub(crate) fn walk_as(
    a: &Value,
    b: &Value,
    path: &str,
    category: Category,
    importance: Importance,
    out: &mut Vec<Change>,
) {
    walk(a, b, &mut String::new(), &mut vec![path.to_string()], Some((category, importance)), out);
}

/// `pointer` is the JSON pointer (for classification and the DEDICATED skip list); `path`
/// segments build the dotted path shown to people.
fn walk(
    a: &Value,
    b: &Value,
    pointer: &mut String,
    path: &mut Vec<String>,
    fixed: Option<(Category, Importance)>,
    out: &mut Vec<Change>,
) {
    if a == b || (fixed.is_none() && DEDICATED.contains(&pointer.as_str())) {
        return;
    }
    match (a, b) {
        (Value::Object(ma), Value::Object(mb)) => {
            let keys: std::collections::BTreeSet<&String> = ma.keys().chain(mb.keys()).collect();
            for key in keys {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(key);
                path.push(key.clone());
                let null = Value::Null;
                walk(ma.get(key).unwrap_or(&null), mb.get(key).unwrap_or(&null), pointer, path, fixed, out);
                path.pop();
                pointer.truncate(len);
            }
        }
        (Value::Array(xa), Value::Array(xb)) if xa.len() == xb.len() && xa.iter().any(|v| v.is_object()) => {
            for (i, (x, y)) in xa.iter().zip(xb).enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                let last = path.pop().unwrap_or_default();
                path.push(format!("{last}[{i}]"));
                walk(x, y, pointer, path, fixed, out);
                path.pop();
                path.push(last);
                pointer.truncate(len);
            }
        }
        _ => {
            let (category, importance) = fixed.unwrap_or_else(|| classify(pointer));
            let dotted = path.join(".");
            let field = path.last().cloned().unwrap_or_default();
            out.push(Change {
                category,
                path: dotted,
                before: a.clone(),
                after: b.clone(),
                summary: summary(&field, a, b),
                importance,
            });
        }
    }
}

/// A registry field name for people: `lastUpdateSubmitDate` → "Last update submit date",
/// `armGroups[0]` → "Arm groups [0]".
pub(crate) fn label(field: &str) -> String {
    let (name, index) = match field.find('[') {
        Some(i) => (&field[..i], &field[i..]),
        None => (field, ""),
    };
    let mut words = String::with_capacity(name.len() + 4);
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let boundary = i > 0
            && c.is_uppercase()
            && (chars[i - 1].is_lowercase() || chars.get(i + 1).is_some_and(|n| n.is_lowercase()));
        if boundary {
            words.push(' ');
        }
        if i == 0 {
            words.extend(c.to_uppercase());
        } else if c.is_uppercase() && chars.get(i + 1).is_none_or(|n| n.is_lowercase()) && boundary {
            words.extend(c.to_lowercase());
        } else {
            words.push(c);
        }
    }
    if index.is_empty() { words } else { format!("{words} {index}") }
}

fn summary(field: &str, a: &Value, b: &Value) -> String {
    let field = &label(field);
    match (a, b) {
        (Value::Null, b) if is_short(b) => format!("{field} added: {}", short(b)),
        (Value::Null, _) => format!("{field} added"),
        (a, Value::Null) if is_short(a) => format!("{field} removed (was {})", short(a)),
        (_, Value::Null) => format!("{field} removed"),
        (Value::Array(x), Value::Array(y)) if x.iter().chain(y).all(|v| !v.is_object() && !v.is_array()) => {
            let gone: Vec<String> = x.iter().filter(|v| !y.contains(v)).map(short).collect();
            let new: Vec<String> = y.iter().filter(|v| !x.contains(v)).map(short).collect();
            let mut parts = Vec::new();
            if !new.is_empty() {
                parts.push(format!("added {}", new.join("; ")));
            }
            if !gone.is_empty() {
                parts.push(format!("removed {}", gone.join("; ")));
            }
            if parts.is_empty() {
                parts.push("reordered".into());
            }
            format!("{field}: {}", parts.join(", "))
        }
        (Value::Array(x), Value::Array(y)) => format!("{field}: {} → {} entries", x.len(), y.len()),
        (a, b) if is_short(a) && is_short(b) => format!("{field}: {} → {}", short(a), short(b)),
        _ => format!("{field} changed"),
    }
}

fn is_short(v: &Value) -> bool {
    match v {
        Value::String(s) => s.chars().count() <= 80,
        Value::Object(_) | Value::Array(_) => false,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_categories_and_summaries() {
        let a = json!({"protocolSection": {"descriptionModule": {"briefSummary": "old"}, "conditionsModule": {"conditions": ["A", "B"]},
                        "eligibilityModule": {"minimumAge": "18 Years"}, "statusModule": {"overallStatus": "X", "lastUpdateSubmitDate": "2025-01-01"}},
                       "derivedSection": {"miscInfoModule": {"versionHolder": "2025-01-01"}, "conditionBrowseModule": {"meshes": [{"id": "1"}]}}});
        let b = json!({"protocolSection": {"descriptionModule": {"briefSummary": "new"}, "conditionsModule": {"conditions": ["A", "C"]},
                        "eligibilityModule": {"minimumAge": "21 Years"}, "statusModule": {"overallStatus": "Y", "lastUpdateSubmitDate": "2025-02-01"}},
                       "derivedSection": {"miscInfoModule": {"versionHolder": "2025-02-01"}, "conditionBrowseModule": {"meshes": [{"id": "2"}]}}});
        let mut out = Vec::new();
        compare(&a, &b, &mut out);
        let got: Vec<(Category, &str, &str)> =
            out.iter().map(|c| (c.category, c.path.as_str(), c.summary.as_str())).collect();
        assert_eq!(
            got,
            [
                (Category::Registry, "derivedSection.conditionBrowseModule.meshes[0].id", "Id: 1 → 2"),
                (Category::Other, "protocolSection.conditionsModule.conditions", "Conditions: added C, removed B"),
                (Category::Other, "protocolSection.descriptionModule.briefSummary", "Brief summary: old → new"),
                (
                    Category::Eligibility,
                    "protocolSection.eligibilityModule.minimumAge",
                    "Minimum age: 18 Years → 21 Years"
                ),
                (
                    Category::Dates,
                    "protocolSection.statusModule.lastUpdateSubmitDate",
                    "Last update submit date: 2025-01-01 → 2025-02-01"
                ),
            ],
            "overallStatus and versionHolder are not generic"
        );
    }

    #[test]
    fn field_names_read_as_words() {
        assert_eq!(label("lastUpdateSubmitDate"), "Last update submit date");
        assert_eq!(label("briefTitle"), "Brief title");
        assert_eq!(label("armGroups[0]"), "Arm groups [0]");
        assert_eq!(label("nctIdAliases"), "Nct id aliases");
        assert_eq!(label("isFDARegulatedDrug"), "Is FDA regulated drug");
        assert_eq!(label("x"), "X");
    }
}
