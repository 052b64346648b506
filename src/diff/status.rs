//! Status fields: overall status, last known status, why stopped, verification date.

use serde_json::Value;

use super::{Category, Change, Importance, dotted, humanize, short};

pub use crate::registry::study::{
    LAST_KNOWN_STATUS as LAST_KNOWN, OVERALL_STATUS as OVERALL, STATUS_VERIFIED as VERIFIED, WHY_STOPPED,
};

pub(crate) fn compare(a: &Value, b: &Value, out: &mut Vec<Change>) {
    for (pointer, label, importance, is_enum) in [
        (OVERALL, "Overall status", Importance::High, true),
        (LAST_KNOWN, "Last known status", Importance::Medium, true),
        (WHY_STOPPED, "Why stopped", Importance::Medium, false),
        (VERIFIED, "Status verified", Importance::Medium, false),
    ] {
        let (before, after) = (a.pointer(pointer), b.pointer(pointer));
        if before == after {
            continue;
        }
        let show = |v: Option<&Value>| match v {
            Some(Value::String(s)) if is_enum => humanize(s),
            Some(v) => short(v),
            None => "(none)".into(),
        };
        out.push(Change {
            category: Category::Status,
            path: dotted(pointer),
            before: before.cloned().unwrap_or(Value::Null),
            after: after.cloned().unwrap_or(Value::Null),
            summary: format!("{label}: {} → {}", show(before), show(after)),
            importance,
        });
    }
}
