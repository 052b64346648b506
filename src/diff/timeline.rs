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
    walk(all, false).into_iter().map(|(v, _)| v).collect()
}

/// [`timeline_of`] with each version's unified text diff against the one before (empty for
/// the first).
pub fn timeline_with_text(all: &[(store::StoredVersion, store::Snapshot)]) -> Vec<(Version, String)> {
    walk(all, true)
}

/// The changes (and, with `text`, the text diff) of each version from the one before. Each
/// version is prepared (and made canonical) once for the whole run; a pair across origins (API
/// and history) is prepared as a pair, as [`super::between`] does.
fn walk(all: &[(store::StoredVersion, store::Snapshot)], text: bool) -> Vec<(Version, String)> {
    let prepared: Vec<Value> = all.iter().map(|(_, s)| store::version::prepared_alone(&s.study)).collect();
    let texts: Vec<String> = if text { prepared.iter().map(super::text::canonical_text).collect() } else { Vec::new() };
    let mut out = Vec::with_capacity(all.len());
    for (i, (v, snap)) in all.iter().enumerate() {
        let (changes, diff) = match i {
            0 => (Vec::new(), String::new()),
            _ if all[i - 1].1.origin == snap.origin => (
                super::diff(&prepared[i - 1], &prepared[i]),
                if text {
                    super::text::unified_texts(&texts[i - 1], &texts[i], &all[i - 1].0.name, &v.name)
                } else {
                    String::new()
                },
            ),
            _ => {
                let (pv, before) = &all[i - 1];
                let pair = store::version::comparable((&before.study, before.origin), (&snap.study, snap.origin));
                let diff = if text {
                    super::text::unified(&pair.before, &pair.after, &pv.name, &v.name)
                } else {
                    String::new()
                };
                (super::diff(&pair.before, &pair.after), diff)
            }
        };
        out.push((entry(v, snap, changes), diff));
    }
    out
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
