//! The text diff of two canonical study documents (`similar`, patience, 3 lines of context).
//!
//! Patience diff keeps JSON blocks aligned on unique lines (keys), which reads better than
//! Myers on pretty-printed JSON; a timeout bounds the worst case on huge records.

use std::time::Duration;

use serde_json::Value;
use similar::{Algorithm, TextDiff};

use crate::store::canonical;

/// Unified diff of the canonical texts (without the volatile `versionHolder`), or an empty
/// string when they are equal.
pub fn unified(before: &Value, after: &Value, from_name: &str, to_name: &str) -> String {
    unified_texts(&canonical_text(before), &canonical_text(after), from_name, to_name)
}

/// The text [`unified`] compares for one side: its canonical form without `versionHolder`.
pub fn canonical_text(study: &Value) -> String {
    canonical(&without_volatile(study))
}

/// [`unified`] of two texts from [`canonical_text`], each made once for a run of versions.
pub fn unified_texts(a: &str, b: &str, from_name: &str, to_name: &str) -> String {
    TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .timeout(Duration::from_secs(5))
        .diff_lines(a, b)
        .unified_diff()
        .context_radius(3)
        .header(from_name, to_name)
        .to_string()
}

fn without_volatile(study: &Value) -> Value {
    let mut s = study.clone();
    if let Some(m) = s.pointer_mut(crate::registry::study::MISC_INFO).and_then(Value::as_object_mut) {
        m.remove("versionHolder");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unified_diff_ignores_version_holder_and_colours_by_line_kind() {
        let a = json!({"derivedSection": {"miscInfoModule": {"versionHolder": "2025-01-01"}}, "x": 1});
        let mut b = a.clone();
        b["derivedSection"]["miscInfoModule"]["versionHolder"] = json!("2025-02-02");
        assert_eq!(unified(&a, &b, "a", "b"), "");
        b["x"] = json!(2);
        let d = unified(&a, &b, "a", "b");
        assert!(d.starts_with("--- a\n+++ b\n@@"), "{d}");
        let c = crate::format::terminal::colorize_diff(&format!("{d}\x1b]0;evil\x07"));
        assert!(c.contains("\x1b[31m-  \"x\": 1\x1b[0m") && c.contains("\x1b[32m+  \"x\": 2\x1b[0m"), "{c:?}");
        assert!(!c.contains("\x1b]0;"), "registry escape sequences are removed");
    }
}
