//! Enrollment: the count and its type.
//!
//! While `enrollmentInfo.type` is ESTIMATED the count is the recruitment *target*; when it
//! turns ACTUAL the sponsor has reported the final number. A target change of 10 % or more, or
//! the turn to ACTUAL, is high importance. `99999999` is a sentinel for "unknown".

use serde_json::Value;

use super::{Category, Change, Importance, dotted};
use crate::registry::study::ENROLLMENT_UNKNOWN;

pub use crate::registry::study::ENROLLMENT_INFO as POINTER;
fn count(v: Option<&Value>) -> Option<u64> {
    v.and_then(|v| v.get("count")).and_then(Value::as_u64).filter(|c| *c != ENROLLMENT_UNKNOWN)
}

fn kind(v: Option<&Value>) -> Option<&str> {
    v.and_then(|v| v.get("type")).and_then(Value::as_str)
}

fn show(c: Option<u64>) -> String {
    c.map_or_else(|| "unknown".into(), |c| c.to_string())
}

/// The count as served when it is not a count (negative, fractional, beyond any number of
/// people): said as it is, so a change between two such values is not hidden.
fn raw(v: Option<&Value>) -> Option<String> {
    let c = v.and_then(|v| v.get("count"))?;
    (c.as_u64().is_none()).then(|| format!("{} (not a count)", crate::text::clip(&c.to_string(), 30)))
}

pub(crate) fn compare(a: &Value, b: &Value, out: &mut Vec<Change>) {
    let (before, after) = (a.pointer(POINTER), b.pointer(POINTER));
    if before == after {
        return;
    }
    let (c0, c1) = (count(before), count(after));
    let (t0, t1) = (kind(before), kind(after));
    let turned_actual = t0 != Some("ACTUAL") && t1 == Some("ACTUAL");
    let pct = match (c0, c1) {
        (Some(c0), Some(c1)) if c0 > 0 => Some((c1 as f64 - c0 as f64) / c0 as f64 * 100.0),
        _ => None,
    };
    let pct_text = pct.map_or(String::new(), |p| format!(" ({p:+.1} %)"));
    let summary = if turned_actual {
        format!("Enrollment is now actual: {} participants (the estimate was {})", show(c1), show(c0))
    } else if c0 != c1 || raw(before) != raw(after) {
        let noun = if t1 == Some("ESTIMATED") { "Enrollment target" } else { "Enrollment" };
        let text = |c: Option<u64>, v: Option<&Value>| raw(v).unwrap_or_else(|| show(c));
        format!("{noun} {} → {}{pct_text}", text(c0, before), text(c1, after))
    } else {
        format!("Enrollment type {} → {}", t0.unwrap_or("none").to_lowercase(), t1.unwrap_or("none").to_lowercase())
    };
    let big = pct.is_some_and(|p| p.abs() >= 10.0) || (c0.is_some() != c1.is_some());
    out.push(Change {
        category: Category::Enrollment,
        path: dotted(POINTER),
        before: before.cloned().unwrap_or(Value::Null),
        after: after.cloned().unwrap_or(Value::Null),
        summary,
        importance: if big || turned_actual { Importance::High } else { Importance::Medium },
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(a: Value, b: Value) -> Change {
        let wrap = |e: Value| json!({"protocolSection": {"designModule": {"enrollmentInfo": e}}});
        let mut out = Vec::new();
        compare(&wrap(a), &wrap(b), &mut out);
        out.pop().unwrap()
    }

    #[test]
    fn target_changes_and_turn_to_actual() {
        let c = run(json!({"count": 35, "type": "ESTIMATED"}), json!({"count": 40, "type": "ESTIMATED"}));
        assert_eq!((c.summary.as_str(), c.importance), ("Enrollment target 35 → 40 (+14.3 %)", Importance::High));
        let c = run(json!({"count": 35, "type": "ESTIMATED"}), json!({"count": 37, "type": "ESTIMATED"}));
        assert_eq!(c.importance, Importance::Medium, "5.7 % is below 10 %");
        let c = run(json!({"count": 35, "type": "ESTIMATED"}), json!({"count": 33, "type": "ACTUAL"}));
        assert_eq!(
            (c.summary.as_str(), c.importance),
            ("Enrollment is now actual: 33 participants (the estimate was 35)", Importance::High)
        );
        let c = run(json!({"count": 99999999, "type": "ESTIMATED"}), json!({"count": 50, "type": "ESTIMATED"}));
        assert_eq!(c.summary, "Enrollment target unknown → 50");
        let c = run(json!({"count": -5, "type": "ESTIMATED"}), json!({"count": 1e20, "type": "ESTIMATED"}));
        assert_eq!(c.summary, "Enrollment target -5 (not a count) → 1e+20 (not a count)");
    }
}
