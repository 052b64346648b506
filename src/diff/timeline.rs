//! A trial's timeline: one entry per stored version, oldest first — status, the three key
//! dates with their type, enrollment, sites recruiting/total, and what changed from the version
//! before. `history` prints it; reports and the digest read the same changes.

use serde::Serialize;
use serde_json::Value;

use super::Change;
use crate::nct::NctId;
use crate::registry::study::{self, text_at};
use crate::store::{self, Store};

/// One version in the timeline (also its JSON shape).
#[derive(Debug, Serialize)]
pub struct Version {
    /// Snapshot file name.
    pub snapshot: String,
    /// `api` or `history`.
    pub origin: store::Origin,
    /// `lastUpdatePostDate`.
    pub last_update: Option<String>,
    /// `overallStatus`.
    pub overall_status: Option<String>,
    /// `startDateStruct`.
    pub start_date: Value,
    /// `primaryCompletionDateStruct`.
    pub primary_completion_date: Value,
    /// `completionDateStruct`.
    pub completion_date: Value,
    /// `enrollmentInfo`.
    pub enrollment: Value,
    /// Sites whose status is RECRUITING.
    pub sites_recruiting: usize,
    /// All sites.
    pub sites_total: usize,
    /// Changes from the previous version (empty for the first).
    pub changes: Vec<Change>,
}

/// Builds the timeline of a trial from its stored versions.
pub fn timeline(store: &Store, id: &NctId) -> anyhow::Result<Vec<Version>> {
    Ok(timeline_of(&store.read_all(id)?))
}

/// The timeline of versions already read (oldest first).
pub fn timeline_of(all: &[(store::StoredVersion, store::Snapshot)]) -> Vec<Version> {
    all.iter()
        .enumerate()
        .map(|(i, (v, snap))| {
            let changes = if i == 0 { Vec::new() } else { super::between(&all[i - 1].1, snap).0 };
            entry(v, snap, changes)
        })
        .collect()
}

/// One version's entry, with its changes from the version before (computed by the caller).
pub fn entry(v: &store::StoredVersion, snap: &store::Snapshot, changes: Vec<Change>) -> Version {
    let s = &snap.study;
    let at = |p: &str| s.pointer(p).cloned().unwrap_or(Value::Null);
    let sites = study::sites(s);
    Version {
        snapshot: v.name.clone(),
        origin: snap.origin,
        last_update: text_at(s, study::LAST_UPDATE).map(str::to_string),
        overall_status: study::overall_status(s).map(str::to_string),
        start_date: at(study::START_STRUCT),
        primary_completion_date: at(study::PRIMARY_COMPLETION_STRUCT),
        completion_date: at(study::COMPLETION_STRUCT),
        enrollment: at(study::ENROLLMENT_INFO),
        sites_recruiting: sites.iter().filter(|x| x.status.as_deref() == Some("RECRUITING")).count(),
        sites_total: sites.len(),
        changes,
    }
}
