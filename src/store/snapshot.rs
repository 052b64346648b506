//! The snapshot envelope and its canonical form.
//!
//! A snapshot file must be byte-for-byte reproducible from its content, so that git diffs of
//! `snapshots/` show only real changes and `content_sha256` can decide "changed or not":
//! keys sorted (serde_json's `BTreeMap`, `preserve_order` off), two-space indent, LF, one
//! trailing newline, numbers exactly as served (`arbitrary_precision`). The hash leaves out
//! `derivedSection.miscInfoModule.versionHolder`, the date of the registry's daily refresh,
//! or every day would look like a new version.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::nct::NctId;

/// The field the registry rewrites on every data refresh (ctgov README, "Fields that matter").
pub const VOLATILE_FIELD: (&str, &str) = (crate::registry::study::MISC_INFO, "versionHolder");

/// Where a snapshot came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// API v2 (`sync`).
    Api,
    /// The registry's version history (`backfill`).
    History,
}

/// One stored version of a record with its provenance. Fields are declared in alphabetical
/// order so that serialising the struct directly yields sorted keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// `apiVersion` of `GET /version` at fetch time.
    pub api_version: Option<String>,
    /// SHA-256 (hex) of the canonical study without the volatile field.
    pub content_sha256: String,
    /// `dataTimestamp` of `GET /version` at fetch time.
    pub data_timestamp: Option<String>,
    /// When ctwatch fetched it (RFC 3339, UTC).
    pub fetched_at: String,
    /// The registry's version number, for snapshots imported from the history API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_version: Option<u32>,
    /// The record's (canonical) id.
    pub nct_id: NctId,
    /// `api` or `history`.
    pub origin: Origin,
    /// The id that was asked for, when the registry answered for it under another id (alias).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_as: Option<NctId>,
    /// The URL that served the record.
    pub source: String,
    /// The record as served.
    pub study: Value,
}

impl Snapshot {
    /// The canonical bytes of the whole envelope.
    pub fn to_canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 * 1024);
        serde_json::to_writer_pretty(&mut out, self).expect("serialising to memory cannot fail");
        out.push(b'\n');
        out
    }
}

/// Canonical text of any JSON value (sorted keys, two-space indent, trailing newline).
pub fn canonical(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("a Value always serialises");
    text.push('\n');
    text
}

/// SHA-256 of the canonical study without the volatile field, as lower-case hex.
pub fn content_sha256(study: &Value) -> String {
    let (parent, key) = VOLATILE_FIELD;
    let has_volatile = study.pointer(parent).and_then(Value::as_object).is_some_and(|m| m.contains_key(key));
    let mut hasher = HashWriter(Sha256::new());
    if has_volatile {
        let mut trimmed = study.clone();
        if let Some(map) = trimmed.pointer_mut(parent).and_then(Value::as_object_mut) {
            map.remove(key);
        }
        serde_json::to_writer_pretty(&mut hasher, &trimmed)
    } else {
        serde_json::to_writer_pretty(&mut hasher, study)
    }
    .expect("hashing cannot fail");
    hasher.0.update(b"\n");
    hasher.0.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

struct HashWriter(Sha256);

impl Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_is_sorted_and_a_fixed_point() {
        let doc: Value =
            serde_json::from_str(r#"{"b": 1, "a": {"z": 6466.4000e64, "y": 0.1, "x": 1.0}, "c": [3, 2]}"#).unwrap();
        let once = canonical(&doc);
        // Digits are kept as served (`1.0` stays `1.0`, `6466.4000` keeps its zeros); the only
        // normalisation serde_json's arbitrary_precision makes is an explicit `+` in exponents.
        assert_eq!(
            once,
            "{\n  \"a\": {\n    \"x\": 1.0,\n    \"y\": 0.1,\n    \"z\": 6466.4000e+64\n  },\n  \"b\": 1,\n  \"c\": [\n    3,\n    2\n  ]\n}\n"
        );
        let twice = canonical(&serde_json::from_str(&once).unwrap());
        assert_eq!(once, twice);
    }

    #[test]
    fn hash_ignores_version_holder_only() {
        let a = json!({"protocolSection": {"x": 1}, "derivedSection": {"miscInfoModule": {"versionHolder": "2025-06-26", "k": 1}}});
        let mut b = a.clone();
        b["derivedSection"]["miscInfoModule"]["versionHolder"] = json!("2026-11-26");
        assert_eq!(content_sha256(&a), content_sha256(&b));
        let mut c = a.clone();
        c["protocolSection"]["x"] = json!(2);
        assert_ne!(content_sha256(&a), content_sha256(&c));
        // Without the volatile field the hash is the plain canonical text's.
        let plain = json!({"a": 1});
        let expected: String =
            Sha256::digest(canonical(&plain).as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(content_sha256(&plain), expected);
    }

    #[test]
    fn envelope_keys_are_sorted() {
        let snap = Snapshot {
            api_version: Some("2.0.5".into()),
            content_sha256: "00".into(),
            data_timestamp: None,
            fetched_at: "2026-11-26T00:00:00Z".into(),
            history_version: Some(3),
            nct_id: NctId::parse("NCT1").unwrap(),
            origin: Origin::Api,
            requested_as: Some(NctId::parse("NCT2").unwrap()),
            source: "http://x".into(),
            study: json!({}),
        };
        let text = String::from_utf8(snap.to_canonical_bytes()).unwrap();
        let keys: Vec<&str> =
            text.lines().filter(|l| l.starts_with("  \"")).map(|l| l.trim().split('"').nth(1).unwrap()).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert_eq!(text, canonical(&serde_json::to_value(&snap).unwrap()));
    }
}
