//! The store's record of sync runs (`.ctwatch-state.json`): what the last successful sync saw,
//! the last run of any outcome, and which version of each trial was announced.

use crate::nct::NctId;

/// What the last fully successful `sync` saw: the registry's `dataTimestamp` and the trials it
/// synced at that timestamp. Equal timestamp and no new trial mean nothing can have changed.
/// Also what the last run of any outcome did, for the status digest written after it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyncState {
    /// `dataTimestamp` of `GET /version`.
    pub data_timestamp: String,
    /// Trials fully synced at that timestamp, sorted.
    pub trials: Vec<NctId>,
    /// The last sync run, successful or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_run: Option<LastRun>,
    /// Per trial, the content hash of the newest version a sync announced (printed, put in the
    /// notice). A stored version not announced — the run failed after storing it, e.g. writing
    /// this file — is announced by the next sync.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub announced: std::collections::BTreeMap<NctId, String>,
}

/// One sync run: when, which trials, and which of them failed and why. The status digest
/// reads it (in the same checkout, right after the sync) to say why a trial's row has no fresh
/// data and to count failing runs in a row.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LastRun {
    /// When the run stored its results (RFC 3339, UTC).
    pub at: String,
    /// The trials it was asked to sync.
    pub trials: Vec<NctId>,
    /// The trials that failed, with the reason.
    pub failed: std::collections::BTreeMap<NctId, String>,
}
