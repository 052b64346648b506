//! What the previous digest left for this one (read from the committed `latest.json`), and
//! each trial's run of failing syncs.

use chrono::NaiveDate;

use super::FetchFailure;
use crate::clock;
use crate::nct::NctId;

/// What the previous portfolio digest left for this one: the newest storing time it covered,
/// and the trials whose sync was failing then.
#[derive(Default)]
pub(super) struct Previous {
    pub(super) covered_up_to: Option<chrono::DateTime<chrono::Utc>>,
    pub(super) fetch: std::collections::HashMap<NctId, FetchFailure>,
}

impl Previous {
    /// Reads `latest.json`; a digest of an earlier ctwatch (dated `DATE.json` files only)
    /// counts as made at the end of its as-of day.
    pub(super) fn read(dir: &std::path::Path) -> Previous {
        let latest = dir.join("latest.json");
        if let Ok(bytes) = crate::bounded::read_bounded(&latest, 64 << 20)
            && let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes)
            && let Some(covered) = v["covered_up_to"].as_str().and_then(clock::parse_instant)
        {
            let fetch = v["trials"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| {
                    let id = NctId::parse(t["nct_id"].as_str()?).ok()?;
                    let f: FetchFailure = serde_json::from_value(t["fetch"].clone()).ok()?;
                    Some((id, f))
                })
                .collect();
            return Previous { covered_up_to: Some(covered), fetch };
        }
        let dated = std::fs::read_dir(dir)
            .ok()
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter_map(|n| n.strip_suffix(".json").and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()))
            .max();
        Previous {
            covered_up_to: dated.and_then(|d| d.succ_opt()).and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc()),
            fetch: Default::default(),
        }
    }
}

/// The trial's fetch failure after the last sync: counted once per sync run (a digest made
/// twice after one sync does not count it twice), reset by a run that fetched it.
pub(super) fn fetch_failure(
    id: &NctId,
    run: Option<&crate::store::LastRun>,
    before: Option<&FetchFailure>,
) -> Option<FetchFailure> {
    let Some(run) = run.filter(|r| r.trials.contains(id)) else { return before.cloned() };
    if before.is_some_and(|b| b.last_run == run.at) {
        return before.cloned();
    }
    let error = run.failed.get(id)?;
    Some(match before {
        Some(b) => FetchFailure {
            error: error.clone(),
            failing_runs: b.failing_runs + 1,
            failing_since: b.failing_since.clone(),
            last_run: run.at.clone(),
        },
        None => FetchFailure {
            error: error.clone(),
            failing_runs: 1,
            failing_since: run.at.clone(),
            last_run: run.at.clone(),
        },
    })
}
