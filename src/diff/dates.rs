//! Registry dates: slips, pull-ins, refinements and ESTIMATED → ACTUAL.
//!
//! A date struct is `{date, type?}` with `date` of year, month or day precision. Moving
//! `2029-01` to `2029-01-03` is a refinement (the new date lies inside the old period), not a
//! slip; a move across periods is compared at the coarser of the two precisions and said in
//! days. A primary completion or completion date that moves more than 30 days or turns ACTUAL
//! is high importance: it changes the trial's timeline and, for ACTUAL, the sponsor's results
//! reporting clock (42 CFR 11.44).

use serde_json::Value;

use super::{Category, Change, Importance, dotted, short};
use crate::partial_date::PartialDate;
use crate::registry::study;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Start,
    Completion,
    Posting,
}

const FIELDS: [(&str, &str, Kind); 5] = [
    (study::START_STRUCT, "Start date", Kind::Start),
    (study::PRIMARY_COMPLETION_STRUCT, "Primary completion date", Kind::Completion),
    (study::COMPLETION_STRUCT, "Completion date", Kind::Completion),
    (study::FIRST_POSTED_STRUCT, "First posted", Kind::Posting),
    (study::LAST_UPDATE_STRUCT, "Last update posted", Kind::Posting),
];

/// How a date moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// Same text.
    Same,
    /// Later, by this many days (compared at the coarser precision).
    Slip(i64),
    /// Earlier, by this many days.
    PullIn(i64),
    /// More precise, inside the old period (`2029-01` → `2029-01-03`).
    Refined,
    /// Less precise, the old date inside the new period (`2029-01-03` → `2029-01`).
    Coarsened,
}

/// Compares two partial dates.
pub fn movement(old: &PartialDate, new: &PartialDate) -> Move {
    if old == new {
        return Move::Same;
    }
    if new.precision() > old.precision() && old.contains(new) {
        return Move::Refined;
    }
    if new.precision() < old.precision() && new.contains(old) {
        return Move::Coarsened;
    }
    let common = old.precision().min(new.precision());
    let days = (new.first_day_at(common) - old.first_day_at(common)).num_days();
    if days >= 0 { Move::Slip(days) } else { Move::PullIn(-days) }
}

fn type_of(v: Option<&Value>) -> Option<&str> {
    v.and_then(|v| v.get("type")).and_then(Value::as_str)
}

fn date_of(v: Option<&Value>) -> Option<&str> {
    v.and_then(|v| v.get("date")).and_then(Value::as_str)
}

fn with_type(date: &str, ty: Option<&str>) -> String {
    match ty {
        Some(t) => format!("{date} ({})", t.to_lowercase()),
        None => date.to_string(),
    }
}

pub(crate) fn compare(a: &Value, b: &Value, out: &mut Vec<Change>) {
    for (pointer, label, kind) in FIELDS {
        let (before, after) = (a.pointer(pointer), b.pointer(pointer));
        if before == after {
            continue;
        }
        let (summary, importance) = describe(label, kind, before, after);
        out.push(Change {
            category: Category::Dates,
            path: dotted(pointer),
            before: before.cloned().unwrap_or(Value::Null),
            after: after.cloned().unwrap_or(Value::Null),
            summary,
            importance,
        });
    }
}

fn describe(label: &str, kind: Kind, before: Option<&Value>, after: Option<&Value>) -> (String, Importance) {
    let base = match kind {
        Kind::Posting => Importance::Low,
        _ => Importance::Medium,
    };
    let (old_ty, new_ty) = (type_of(before), type_of(after));
    let (old_date, new_date) = match (date_of(before), date_of(after)) {
        (None, Some(d)) => return (format!("{label} added: {}", with_type(d, new_ty)), base),
        (Some(d), None) => return (format!("{label} removed (was {})", with_type(d, old_ty)), base),
        (Some(o), Some(n)) => (o, n),
        (None, None) => {
            return (format!("{label} changed: {} → {}", short_opt(before), short_opt(after)), base);
        }
    };
    let turned_actual = old_ty != Some("ACTUAL") && new_ty == Some("ACTUAL");
    let type_note = match (old_ty, new_ty) {
        _ if turned_actual => " and is now actual".to_string(),
        (Some("ACTUAL"), Some(t)) if t != "ACTUAL" => format!(" and is back to {}", t.to_lowercase()),
        (o, n) if o != n => {
            format!(" (type {} → {})", o.unwrap_or("none").to_lowercase(), n.unwrap_or("none").to_lowercase())
        }
        _ => String::new(),
    };
    let (Some(old), Some(new)) = (PartialDate::parse(old_date), PartialDate::parse(new_date)) else {
        return (format!("{label} changed: {old_date} → {}", with_type(new_date, new_ty)), base);
    };
    let moved = movement(&old, &new);
    let span = format!("{old_date} → {}", with_type(new_date, new_ty));
    if kind == Kind::Posting {
        // Posting dates only ever move forward with each version: no slip language.
        return (format!("{label}: {span}{type_note}"), base);
    }
    let summary = match moved {
        Move::Same if turned_actual => format!("{label} is now actual: {new_date}"),
        Move::Same => match (old_ty, new_ty) {
            (Some("ACTUAL"), Some(t)) if t != "ACTUAL" => {
                format!("{label} is back to {}: {new_date}", t.to_lowercase())
            }
            (o, n) if o != n => format!(
                "{label} {new_date}: type {} → {}",
                o.unwrap_or("none").to_lowercase(),
                n.unwrap_or("none").to_lowercase()
            ),
            _ => format!("{label} {old_date}"),
        },
        Move::Slip(d) => format!("{label} slipped {d} day{}: {span}{type_note}", plural(d)),
        Move::PullIn(d) => format!("{label} pulled in {d} day{}: {span}{type_note}", plural(d)),
        Move::Refined => format!("{label} made precise: {span}{type_note}"),
        Move::Coarsened => format!("{label} made less precise: {span}{type_note}"),
    };
    let big_move = matches!(moved, Move::Slip(d) | Move::PullIn(d) if d > 30);
    let importance = if kind == Kind::Completion && (big_move || turned_actual) { Importance::High } else { base };
    (summary, importance)
}

fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn short_opt(v: Option<&Value>) -> String {
    v.map(short).unwrap_or_else(|| "(none)".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(s: &str) -> PartialDate {
        PartialDate::parse(s).unwrap()
    }

    #[test]
    fn movement_knows_precision() {
        assert_eq!(movement(&d("2029-01-03"), &d("2029-07-01")), Move::Slip(179));
        assert_eq!(movement(&d("2029-07-01"), &d("2029-01-03")), Move::PullIn(179));
        assert_eq!(movement(&d("2029-01"), &d("2029-01-03")), Move::Refined);
        assert_eq!(movement(&d("2029-01-03"), &d("2029-01")), Move::Coarsened);
        assert_eq!(movement(&d("2029"), &d("2029-06")), Move::Refined);
        // Across periods, compared at the coarser precision: January → 1 July.
        assert_eq!(movement(&d("2029-01"), &d("2029-07-01")), Move::Slip(181));
        assert_eq!(movement(&d("2029-01-31"), &d("2029-02")), Move::Slip(31));
    }

    fn sd(date: &str, ty: Option<&str>) -> Value {
        match ty {
            Some(t) => json!({"date": date, "type": t}),
            None => json!({"date": date}),
        }
    }

    #[test]
    fn describes_each_event() {
        let c = |a: Value, b: Value| describe("Completion date", Kind::Completion, Some(&a), Some(&b));
        assert_eq!(
            c(sd("2029-01-03", Some("ESTIMATED")), sd("2029-07-01", Some("ESTIMATED"))),
            ("Completion date slipped 179 days: 2029-01-03 → 2029-07-01 (estimated)".into(), Importance::High)
        );
        assert_eq!(
            c(sd("2029-01-03", Some("ESTIMATED")), sd("2029-01-20", Some("ESTIMATED"))).1,
            Importance::Medium,
            "17 days is not > 30"
        );
        assert_eq!(
            c(sd("2029-01-03", Some("ESTIMATED")), sd("2029-01-03", Some("ACTUAL"))),
            ("Completion date is now actual: 2029-01-03".into(), Importance::High)
        );
        assert_eq!(
            c(sd("2029-01", Some("ESTIMATED")), sd("2029-01-03", Some("ESTIMATED"))),
            ("Completion date made precise: 2029-01 → 2029-01-03 (estimated)".into(), Importance::Medium)
        );
        assert_eq!(
            c(sd("2029-01-03", Some("ESTIMATED")), sd("2028-12-01", Some("ACTUAL"))),
            (
                "Completion date pulled in 33 days: 2029-01-03 → 2028-12-01 (actual) and is now actual".into(),
                Importance::High
            )
        );
        assert_eq!(
            describe("Start date", Kind::Start, None, Some(&sd("2025-01", None))),
            ("Start date added: 2025-01".into(), Importance::Medium)
        );
        let s = describe(
            "Start date",
            Kind::Start,
            Some(&sd("2025-01-03", Some("ACTUAL"))),
            Some(&sd("2025-01-03", Some("ESTIMATED"))),
        );
        assert_eq!(s.0, "Start date is back to estimated: 2025-01-03");
        let s = describe(
            "Last update posted",
            Kind::Posting,
            Some(&sd("2025-09-15", Some("ACTUAL"))),
            Some(&sd("2026-03-02", Some("ACTUAL"))),
        );
        assert_eq!(s, ("Last update posted: 2025-09-15 → 2026-03-02 (actual)".into(), Importance::Low));
    }
}
