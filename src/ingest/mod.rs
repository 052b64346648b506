//! Ingest: what `sync` fetches and what it accepts into the store.
//!
//! The fetch plan ([`plan`]) decides from the registry's data timestamp and the posted dates
//! which full records to fetch. The acceptance rules ([`accept`]) refuse implausible records
//! before anything is stored (a posted date after the registry's own data timestamp, a version
//! older than the stored one), store what is new, and keep the sync state: the last run, and
//! which version of each trial was announced.

pub mod accept;
pub mod plan;

use serde::Serialize;

use crate::diff::Change;
use crate::nct::NctId;

pub use accept::{announce_unannounced, next_state, store_one, unchanged_from_store};
pub use plan::{Fetch, FetchMode, FetchPlan, fetch};

/// What sync did for one trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncResult {
    /// First snapshot of this trial.
    New,
    /// Same content as the newest snapshot; nothing written.
    Unchanged,
    /// Content differs from the newest snapshot; a new one was written.
    Changed,
    /// Fetching, validating or storing failed; nothing written.
    Error,
}

impl SyncResult {
    /// The word for it in sync's table.
    pub fn label(self) -> &'static str {
        match self {
            SyncResult::New => "new",
            SyncResult::Unchanged => "unchanged",
            SyncResult::Changed => "changed",
            SyncResult::Error => "error",
        }
    }
}

/// One trial's line in sync's output (also its JSON shape).
#[derive(Debug, Clone, Serialize)]
pub struct TrialOutcome {
    /// The trial (its canonical id when the registry resolved an alias).
    pub nct_id: NctId,
    /// What happened.
    pub result: SyncResult,
    /// The snapshot now current: the new file, or the unchanged newest one.
    pub snapshot: Option<String>,
    /// The record's `lastUpdatePostDate`.
    pub last_update: Option<String>,
    /// The record's `overallStatus`.
    pub overall_status: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// The id that was asked for, when it was an alias of `nct_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_as: Option<NctId>,
    /// `unchanged`, but the registry rebuilt its own derived data (MeSH terms) since the
    /// stored version: the sponsor's content and posted date are the same, so it is the same
    /// version and nothing is stored.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub registry_refreshed: bool,
    /// What changed since the previous version (empty unless `result` is `changed`).
    pub changes: Vec<Change>,
    /// The previous newest version's file name, when this run stored a change.
    #[serde(skip)]
    pub previous: Option<String>,
    /// Unified text diff against the previous version, when this run stored a change.
    #[serde(skip)]
    pub text_diff: String,
    /// The stored snapshot's `content_sha256`.
    #[serde(skip)]
    pub sha256: Option<String>,
    /// The record's brief title (registry text).
    #[serde(skip)]
    pub title: Option<String>,
}

impl TrialOutcome {
    /// A trial that failed, with the reason.
    pub fn failed(nct_id: NctId, error: String) -> TrialOutcome {
        TrialOutcome {
            nct_id,
            result: SyncResult::Error,
            snapshot: None,
            last_update: None,
            overall_status: None,
            error: Some(error),
            requested_as: None,
            registry_refreshed: false,
            changes: Vec::new(),
            previous: None,
            text_diff: String::new(),
            sha256: None,
            title: None,
        }
    }

    /// The current snapshot's file name.
    pub fn file_name(&self) -> &str {
        self.snapshot.as_deref().and_then(|p| p.rsplit(['/', '\\']).next()).unwrap_or("")
    }
}
