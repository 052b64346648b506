//! Dutch wording for what the registry says: statuses and the semantic change list, for the
//! Dutch ethics report. Each sentence is rebuilt from the change's structured data (category,
//! path, before, after) rather than translated from the English summary, so a Dutch reader
//! gets Dutch dates (dd-mm-jjjj), decimal commas and WMO terms.

use serde_json::Value;

use crate::diff::dates::{Move, movement};
use crate::diff::{Category, Change, generic, humanize};
use crate::lang::Lang;
use crate::partial_date::PartialDate;

/// A registry status (overall or per site) in Dutch.
pub fn status(s: &str) -> String {
    match s {
        "RECRUITING" => "werving loopt".into(),
        "NOT_YET_RECRUITING" => "werving nog niet gestart".into(),
        "ACTIVE_NOT_RECRUITING" => "actief, werving gesloten".into(),
        "ENROLLING_BY_INVITATION" => "inclusie op uitnodiging".into(),
        "COMPLETED" => "afgerond".into(),
        "SUSPENDED" => "tijdelijk stilgelegd".into(),
        "TERMINATED" => "voortijdig beëindigd".into(),
        "WITHDRAWN" => "ingetrokken".into(),
        "UNKNOWN" => "onbekend".into(),
        "AVAILABLE" => "beschikbaar".into(),
        "NO_LONGER_AVAILABLE" => "niet meer beschikbaar".into(),
        "TEMPORARILY_NOT_AVAILABLE" => "tijdelijk niet beschikbaar".into(),
        "APPROVED_FOR_MARKETING" => "goedgekeurd voor de markt".into(),
        other => humanize(other),
    }
}

const NL: Lang = Lang::Nl;

fn status_value(v: &Value) -> String {
    match v {
        Value::String(s) => status(s),
        Value::Null => "niet vermeld".into(),
        other => other.to_string(),
    }
}

fn date_type(t: Option<&str>) -> Option<&'static str> {
    match t? {
        "ESTIMATED" => Some("geschat"),
        "ACTUAL" => Some("werkelijk"),
        _ => Some("overig"),
    }
}

fn with_type(date: &str, ty: Option<&str>) -> String {
    match date_type(ty) {
        Some(t) => format!("{} ({t})", NL.date_text(date)),
        None => NL.date_text(date),
    }
}

fn days(n: i64) -> String {
    if n == 1 { "1 dag".into() } else { format!("{n} dagen") }
}

fn date_change(label: &str, before: &Value, after: &Value) -> String {
    let text = |v: &Value| v.get("date").and_then(Value::as_str).map(str::to_string);
    let ty = |v: &Value| v.get("type").and_then(Value::as_str).map(str::to_string);
    let (old_ty, new_ty) = (ty(before), ty(after));
    let (old, new) = match (text(before), text(after)) {
        (None, Some(d)) => return format!("{label} toegevoegd: {}", with_type(&d, new_ty.as_deref())),
        (Some(d), None) => return format!("{label} verwijderd (was {})", with_type(&d, old_ty.as_deref())),
        (Some(o), Some(n)) => (o, n),
        (None, None) => return format!("{label} gewijzigd"),
    };
    let span = format!("{} → {}", NL.date_text(&old), with_type(&new, new_ty.as_deref()));
    let turned_actual = old_ty.as_deref() != Some("ACTUAL") && new_ty.as_deref() == Some("ACTUAL");
    let (Some(o), Some(n)) = (PartialDate::parse(&old), PartialDate::parse(&new)) else {
        return format!("{label} gewijzigd: {span}");
    };
    match movement(&o, &n) {
        Move::Same if turned_actual => format!("{label} is nu werkelijk: {}", NL.date_text(&new)),
        Move::Same => {
            format!("{label} {}: type {} → {}", NL.date_text(&new), type_or_none(&old_ty), type_or_none(&new_ty))
        }
        Move::Slip(d) => format!("{label} {} later: {span}", days(d)),
        Move::PullIn(d) => format!("{label} {} eerder: {span}", days(d)),
        Move::Refined => format!("{label} preciezer: {span}"),
        Move::Coarsened => format!("{label} minder precies: {span}"),
    }
}

fn type_or_none(t: &Option<String>) -> &'static str {
    date_type(t.as_deref()).unwrap_or("geen")
}

fn enrollment_change(before: &Value, after: &Value) -> String {
    let count = |v: &Value| v.get("count").and_then(Value::as_u64);
    let kind = |v: &Value| v.get("type").and_then(Value::as_str).map(str::to_string);
    let show = |c: Option<u64>| c.map_or_else(|| "onbekend".into(), |c| c.to_string());
    let (c0, c1, t0, t1) = (count(before), count(after), kind(before), kind(after));
    if t0.as_deref() != Some("ACTUAL") && t1.as_deref() == Some("ACTUAL") {
        return format!("Aantal proefpersonen is nu definitief: {} (de schatting was {})", show(c1), show(c0));
    }
    if c0 != c1 {
        let noun =
            if t1.as_deref() == Some("ESTIMATED") { "Beoogd aantal proefpersonen" } else { "Aantal proefpersonen" };
        let pct = match (c0, c1) {
            (Some(a), Some(b)) if a > 0 => {
                NL.decimal(&format!(" ({:+.1} %)", (b as f64 - a as f64) / a as f64 * 100.0))
            }
            _ => String::new(),
        };
        return format!("{noun} {} → {}{pct}", show(c0), show(c1));
    }
    format!("Type aantal proefpersonen {} → {}", type_or_none(&t0), type_or_none(&t1))
}

/// The site named in a site change's path: `…locations[Facility, City].status` → "Facility, City".
fn site_of(path: &str) -> String {
    let Some(start) = path.find("locations[") else { return path.to_string() };
    let rest = &path[start + "locations[".len()..];
    rest.rfind(']').map_or(rest, |end| &rest[..end]).to_string()
}

fn site_change(c: &Change) -> String {
    let site = site_of(&c.path);
    let site_status = |v: &Value| v.get("status").map_or_else(|| "status niet vermeld".into(), status_value);
    match (&c.before, &c.after) {
        _ if c.path.ends_with(".status") => {
            format!("{site}: {} → {}", status_value(&c.before), status_value(&c.after))
        }
        _ if c.path.ends_with(".contacts") => format!("{site}: contactpersonen van het centrum gewijzigd"),
        (Value::Null, after) => format!("Centrum toegevoegd: {site} ({})", site_status(after)),
        (before, Value::Null) => format!("Centrum verwijderd: {site} (was {})", site_status(before)),
        (before, after) if c.path.ends_with(']') && before.get("facility").is_some() => {
            let label = |v: &Value| crate::diff::sites::label(v);
            format!("Adres van centrum gewijzigd: {} → {}", label(before), label(after))
        }
        _ => format!("{site}: gegevens van het centrum gewijzigd"),
    }
}

/// One change from the semantic diff, said in Dutch.
pub fn change(c: &Change) -> String {
    let last = c.path.rsplit('.').next().unwrap_or(&c.path);
    match c.category {
        Category::Status => match last {
            "overallStatus" => {
                format!("Status van het onderzoek: {} → {}", status_value(&c.before), status_value(&c.after))
            }
            "lastKnownStatus" => {
                format!("Laatst bekende status: {} → {}", status_value(&c.before), status_value(&c.after))
            }
            "whyStopped" => "Reden van stoppen gewijzigd".into(),
            "statusVerifiedDate" => format!(
                "Gegevens in het register geverifieerd: {} → {}",
                c.before.as_str().map_or_else(|| "geen".into(), |d| NL.date_text(d)),
                c.after.as_str().map_or_else(|| "geen".into(), |d| NL.date_text(d))
            ),
            _ => format!("Statusgegeven „{}” gewijzigd", generic::label(last)),
        },
        Category::Dates => {
            let label = match last {
                "startDateStruct" => "Startdatum",
                "primaryCompletionDateStruct" => "Primaire einddatum (laatste meting primaire uitkomst)",
                "completionDateStruct" => "Einddatum van het onderzoek",
                "studyFirstPostDateStruct" => "Eerste publicatie in het register",
                "lastUpdatePostDateStruct" => "Laatste publicatie in het register",
                _ => return format!("Datum „{}” gewijzigd", generic::label(last)),
            };
            date_change(label, &c.before, &c.after)
        }
        Category::Enrollment => enrollment_change(&c.before, &c.after),
        Category::Sites | Category::Contacts if c.path.contains("locations[") => site_change(c),
        _ => format!("Registergegeven „{}” gewijzigd", generic::label(last)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::diff;
    use serde_json::json;

    fn record(status: &str, completion: Value, enrollment: Value, sites: Value) -> Value {
        json!({"protocolSection": {
            "statusModule": {"overallStatus": status, "completionDateStruct": completion, "statusVerifiedDate": "2025-09"},
            "designModule": {"enrollmentInfo": enrollment},
            "contactsLocationsModule": {"locations": sites},
            "descriptionModule": {"briefSummary": "old"}
        }})
    }

    fn dutch(a: &Value, b: &Value) -> Vec<String> {
        let mut out: Vec<String> = diff(a, b).iter().map(change).collect();
        out.sort();
        out
    }

    #[test]
    fn every_kind_of_change_in_dutch() {
        let site = |name: &str, status: &str| {
            let city = name.split_once('@').map_or("Groningen", |x| x.1);
            json!({"facility": name.split('@').next(), "city": city, "country": "Netherlands", "status": status})
        };
        let a = record(
            "RECRUITING",
            json!({"date": "2029-01-03", "type": "ESTIMATED"}),
            json!({"count": 35, "type": "ESTIMATED"}),
            json!([site("UMC Groningen", "RECRUITING"), site("Martini", "NOT_YET_RECRUITING")]),
        );
        let mut b = record(
            "SUSPENDED",
            json!({"date": "2029-07-01", "type": "ESTIMATED"}),
            json!({"count": 40, "type": "ESTIMATED"}),
            json!([site("UMC Groningen", "SUSPENDED"), site("Radboud Umc@Nijmegen", "RECRUITING")]),
        );
        b["protocolSection"]["statusModule"]["statusVerifiedDate"] = json!("2026-03");
        b["protocolSection"]["descriptionModule"]["briefSummary"] = json!("new");
        assert_eq!(
            dutch(&a, &b),
            [
                "Beoogd aantal proefpersonen 35 → 40 (+14,3 %)",
                "Centrum toegevoegd: Radboud Umc, Nijmegen (werving loopt)",
                "Centrum verwijderd: Martini, Groningen (was werving nog niet gestart)",
                "Einddatum van het onderzoek 179 dagen later: 03-01-2029 → 01-07-2029 (geschat)",
                "Gegevens in het register geverifieerd: 09-2025 → 03-2026",
                "Registergegeven „Brief summary” gewijzigd",
                "Status van het onderzoek: werving loopt → tijdelijk stilgelegd",
                "UMC Groningen, Groningen: werving loopt → tijdelijk stilgelegd",
            ]
        );
        let c = record(
            "COMPLETED",
            json!({"date": "2029-01-03", "type": "ACTUAL"}),
            json!({"count": 33, "type": "ACTUAL"}),
            json!([]),
        );
        let d = record("COMPLETED", json!({"date": "2028-12"}), json!({"count": 33, "type": "ACTUAL"}), json!([]));
        let out = dutch(&a, &c);
        assert!(out.contains(&"Einddatum van het onderzoek is nu werkelijk: 03-01-2029".to_string()), "{out:?}");
        assert!(
            out.contains(&"Aantal proefpersonen is nu definitief: 33 (de schatting was 35)".to_string()),
            "{out:?}"
        );
        let out = dutch(&a, &d);
        assert!(
            out.contains(&"Einddatum van het onderzoek 31 dagen eerder: 03-01-2029 → 12-2028".to_string()),
            "{out:?}"
        );
    }
}
