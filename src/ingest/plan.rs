//! The fetch plan: which records a sync run asks the registry for.

use anyhow::Context;
use serde::Serialize;

use super::accept::is_timestamp;
use crate::nct::NctId;
use crate::registry::{ApiVersion, Fetched, Registry, RegistryError};
use crate::store::{Store, SyncState};

/// What the registry answered: its version, each fetched trial's result, and how it was decided.
pub type Fetch = (ApiVersion, Vec<(NctId, Result<Fetched, RegistryError>)>, FetchPlan);

/// How sync decided what to fetch (JSON: `unchanged`, `probe`, `full`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FetchMode {
    /// The registry's dataTimestamp equals the last successful sync's: nothing fetched.
    Unchanged,
    /// Posted dates asked for first, full records only where newer.
    Probe,
    /// Every full record: `--full`, or no stored version to compare with.
    Full,
}

/// How sync decided what to fetch (also its JSON shape, under `"fetch"`).
#[derive(Debug, Clone, Serialize)]
pub struct FetchPlan {
    /// How it decided.
    pub mode: FetchMode,
    /// Trials whose posted date was asked for.
    pub probed: usize,
    /// Trials whose full record was fetched.
    pub fetched: usize,
    /// HTTP requests sent (retries included).
    pub requests: u64,
}

/// Asks the registry what it has and fetches what may have changed: nothing when its data
/// has not been refreshed since the last fully successful sync of these trials; else the posted
/// dates first and full records only where they differ from the stored ones (every record
/// with `full`, or when nothing is stored). A changed trial is never skipped.
pub fn fetch(
    registry: &Registry,
    store: &Store,
    state: Option<&SyncState>,
    ids: &[NctId],
    full: bool,
) -> anyhow::Result<Fetch> {
    crate::registry::runtime()?.block_on(async {
        let version = registry.version().await.context("cannot reach the registry")?;
        let mut plan = FetchPlan { mode: FetchMode::Full, probed: 0, fetched: 0, requests: 0 };
        // Only a real timestamp can say "nothing changed": anything else disables the shortcut
        // for this run (and is never recorded as the last one seen).
        let timestamp_ok = is_timestamp(&version.data_timestamp);
        if !timestamp_ok {
            crate::feedback::note(&format!(
                "the registry's dataTimestamp {:?} is not a timestamp; every trial is checked this run",
                crate::text::clip(&version.data_timestamp, 40)
            ));
        }
        // 1. The registry's data has not been refreshed since the last fully successful sync
        //    of these trials: nothing on it can have changed.
        if !full
            && timestamp_ok
            && let Some(state) = state
            && state.data_timestamp == version.data_timestamp
            && ids.iter().all(|id| state.trials.contains(id))
            && ids.iter().all(|id| store.versions(id).is_ok_and(|v| !v.is_empty()))
        {
            plan.mode = FetchMode::Unchanged;
            return anyhow::Ok((version, Vec::new(), plan));
        }
        // 2. Ask for the posted dates only; fetch full records where the registry's is not the
        //    stored one, for trials without a stored version, and wherever the probe failed or
        //    left a trial out. A changed trial is never skipped.
        let stored: Vec<(NctId, Option<chrono::NaiveDate>)> = ids
            .iter()
            .map(|id| (id.clone(), store.versions(id).ok().and_then(|v| v.last().map(|v| v.posted))))
            .collect();
        let known: Vec<NctId> = stored.iter().filter(|(_, d)| d.is_some()).map(|(id, _)| id.clone()).collect();
        let to_fetch: Vec<NctId> = if full || known.is_empty() {
            ids.to_vec()
        } else {
            plan.mode = FetchMode::Probe;
            plan.probed = known.len();
            let progress = crate::feedback::start("sync: asking for posted dates", known.len() as u64, "trials", true);
            let probe = registry.probe(&known).await;
            drop(progress);
            stored
                .iter()
                .filter(|(id, posted)| match (posted, probe.get(id)) {
                    (Some(posted), Some(Ok(Some(date)))) => date.as_day() != Some(*posted),
                    _ => true,
                })
                .map(|(id, _)| id.clone())
                .collect()
        };
        plan.fetched = to_fetch.len();
        let fetched = match to_fetch.as_slice() {
            [] => Vec::new(),
            [one] => vec![(one.clone(), registry.study(one).await)],
            many => {
                let _progress = crate::feedback::start("sync: fetching records", many.len() as u64, "trials", true);
                registry.studies(many).await
            }
        };
        anyhow::Ok((version, fetched, plan))
    })
}
