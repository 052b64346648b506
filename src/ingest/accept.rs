//! What a sync accepts into the store: the rules that refuse implausible records, the write
//! of what is new, and the sync state after the run.

use super::{SyncResult, TrialOutcome};
use crate::clock;
use crate::diff::{self, text};
use crate::nct::NctId;
use crate::registry::study::{LAST_UPDATE, date_at};
use crate::registry::{ApiVersion, Fetched, RegistryError};
use crate::store::version::{Sameness, comparable};
use crate::store::{LastRun, Origin, Snapshot, Store, StoreLock, SyncState, content_sha256};

/// The state after this run: the registry's timestamp and the trials synced at it only when
/// every trial succeeded (a partial failure is redone in full next time); the run itself
/// always.
pub fn next_state(
    old: Option<&SyncState>,
    version: &ApiVersion,
    ids: &[NctId],
    outcomes: &[TrialOutcome],
) -> SyncState {
    let failed: std::collections::BTreeMap<NctId, String> = ids
        .iter()
        .zip(outcomes)
        .filter(|(_, o)| o.result == SyncResult::Error)
        .map(|(id, o)| (id.clone(), o.error.clone().unwrap_or_default()))
        .collect();
    let last_run = Some(LastRun { at: clock::now_rfc3339(), trials: ids.to_vec(), failed });
    let mut announced = old.map(|s| s.announced.clone()).unwrap_or_default();
    for o in outcomes.iter().filter(|o| o.result != SyncResult::Error) {
        if let Some(sha) = &o.sha256 {
            announced.insert(o.nct_id.clone(), sha.clone());
        }
    }
    if outcomes.iter().any(|o| o.result == SyncResult::Error) || !is_timestamp(&version.data_timestamp) {
        let mut kept = old.cloned().unwrap_or_default();
        kept.last_run = last_run;
        kept.announced = announced;
        return kept;
    }
    let mut trials: Vec<NctId> = match old {
        Some(s) if s.data_timestamp == version.data_timestamp => s.trials.clone(),
        _ => Vec::new(),
    };
    trials.extend(ids.iter().cloned());
    trials.sort();
    trials.dedup();
    SyncState { data_timestamp: version.data_timestamp.clone(), trials, last_run, announced }
}

/// An unchanged trial whose newest stored version was never announced (the run that stored it
/// failed before recording that it had said so) is announced now, as the change it was.
pub fn announce_unannounced(store: &Store, state: Option<&SyncState>, mut o: TrialOutcome) -> TrialOutcome {
    let Some(said) = state.and_then(|s| s.announced.get(&o.nct_id)) else { return o };
    if o.result != SyncResult::Unchanged || o.sha256.as_deref() == Some(said.as_str()) {
        return o;
    }
    let Ok(all) = store.read_all(&o.nct_id) else { return o };
    let Some((newest, snap)) = all.last() else { return o };
    // Only what a sync stored is announced; a version backfilled from the registry's history
    // is the trial's past.
    if Some(&snap.content_sha256) != o.sha256.as_ref() || snap.origin != Origin::Api {
        return o;
    }
    o.result = SyncResult::New;
    if let [.., (previous, before), _] = all.as_slice() {
        let pair = comparable((&before.study, before.origin), (&snap.study, snap.origin));
        o.result = SyncResult::Changed;
        o.changes = diff::diff(&pair.before, &pair.after);
        o.text_diff = text::unified(&pair.before, &pair.after, &previous.name, &newest.name);
        o.previous = Some(previous.name.clone());
    }
    o
}

/// The registry's `dataTimestamp` is a timestamp (`2026-11-25T09:00:05`, with or without a
/// fraction or a zone), not `""` or `"garbage"`.
pub fn is_timestamp(text: &str) -> bool {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
        || chrono::DateTime::parse_from_rfc3339(text).is_ok()
}

/// The date part of the registry's `dataTimestamp` (`2026-11-25T09:00:05` → 2026-11-25).
fn data_day(version: &ApiVersion) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(version.data_timestamp.get(..10)?, "%Y-%m-%d").ok()
}

/// What to check when the registry does not know a trial: the likely causes and the page
/// that settles it.
fn unknown_trial_advice(id: &NctId) -> String {
    format!(
        " — the registry does not know {id}: check the id for a typo in the config; a record can also be withdrawn before it was posted or merged into another record (then use that id). See https://clinicaltrials.gov/study/{id}"
    )
}

/// Compares one fetched record with the store and writes it when its content is new.
pub fn store_one(
    store: &Store,
    lock: &StoreLock,
    version: &ApiVersion,
    requested: NctId,
    result: Result<Fetched, RegistryError>,
) -> TrialOutcome {
    let fetched = match result {
        Ok(f) => f,
        Err(e) => {
            let advice = match &e {
                RegistryError::NotFound { .. } | RegistryError::Absent { .. } => unknown_trial_advice(&requested),
                _ => String::new(),
            };
            return TrialOutcome::failed(requested, format!("{e}{advice}"));
        }
    };
    let id = fetched.study.nct_id().clone();
    let study = &fetched.study;
    let mut outcome = TrialOutcome {
        nct_id: id.clone(),
        result: SyncResult::Unchanged,
        snapshot: None,
        last_update: Some(study.last_update().to_string()),
        overall_status: study.overall_status().map(str::to_string),
        error: None,
        requested_as: fetched.alias().cloned(),
        registry_refreshed: false,
        changes: Vec::new(),
        previous: None,
        text_diff: String::new(),
        sha256: None,
        title: crate::registry::study::brief_title(study.doc()).map(str::to_string),
    };
    let fail = |mut o: TrialOutcome, e: String| {
        o.result = SyncResult::Error;
        o.error = Some(e);
        o
    };
    // A date after the registry's own data timestamp cannot be real, and stored it would make
    // every later (genuine) version look older than it: refuse it before anything is stored.
    let newest_possible = data_day(version).unwrap_or_else(clock::today) + chrono::Duration::days(1);
    if study.last_update().first_day() > newest_possible {
        let msg = format!(
            "{}: lastUpdatePostDate {} is after the registry's own data timestamp ({}); implausible, not stored",
            fetched.source,
            study.last_update(),
            version.data_timestamp
        );
        return fail(outcome, msg);
    }
    let hash = content_sha256(study.doc());
    outcome.sha256 = Some(hash.clone());
    let latest = match store.latest(&id) {
        Ok(latest) => latest,
        Err(e) => return fail(outcome, e.to_string()),
    };
    // The comparable pair is built once: it decides "same version" and, if not, is diffed.
    let pair = latest.as_ref().map(|(_, snap)| comparable((&snap.study, snap.origin), (study.doc(), Origin::Api)));
    if let (Some((stored, snap)), Some(pair)) = (&latest, &pair) {
        let sameness = pair.sameness();
        if sameness != Sameness::Different {
            outcome.snapshot = Some(stored.path.display().to_string());
            // The version current is the stored one (a refresh changed only derived data).
            outcome.sha256 = Some(snap.content_sha256.clone());
            outcome.registry_refreshed = sameness == Sameness::Refreshed;
            return outcome;
        }
        let stored_date = date_at(&snap.study, LAST_UPDATE);
        if let Some(stored_date) = stored_date
            && study.last_update().first_day() < stored_date.first_day()
        {
            let msg = format!(
                "{}: the registry served a version last updated {}, older than the stored {}; not stored (stale mirror or cache?)",
                fetched.source,
                study.last_update(),
                stored.name
            );
            return fail(outcome, msg);
        }
    }
    let snapshot = Snapshot {
        api_version: Some(version.api_version.clone()),
        content_sha256: hash,
        data_timestamp: Some(version.data_timestamp.clone()),
        fetched_at: clock::now_rfc3339(),
        history_version: None,
        nct_id: id,
        origin: Origin::Api,
        requested_as: fetched.alias().cloned(),
        source: fetched.source.to_string(),
        study: study.doc().clone(),
    };
    match store.write_new(lock, &snapshot, study.last_update()) {
        Ok(written) => {
            outcome.snapshot = Some(written.path.display().to_string());
            outcome.result = SyncResult::New;
            if let (Some((previous, _)), Some(pair)) = (latest, pair) {
                outcome.result = SyncResult::Changed;
                outcome.changes = diff::diff(&pair.before, &pair.after);
                outcome.text_diff = text::unified(&pair.before, &pair.after, &previous.name, &written.name);
                outcome.previous = Some(previous.name);
            }
            outcome
        }
        Err(e) => fail(outcome, e.to_string()),
    }
}

/// The outcome of a trial that was not fetched because nothing can have changed: its newest
/// stored version, read and verified.
pub fn unchanged_from_store(store: &Store, id: &NctId) -> TrialOutcome {
    match store.latest(id) {
        Ok(Some((v, snap))) => TrialOutcome {
            nct_id: id.clone(),
            result: SyncResult::Unchanged,
            snapshot: Some(v.path.display().to_string()),
            last_update: Some(v.posted.to_string()),
            overall_status: crate::registry::study::overall_status(&snap.study).map(str::to_string),
            error: None,
            requested_as: None,
            registry_refreshed: false,
            changes: Vec::new(),
            previous: None,
            text_diff: String::new(),
            sha256: Some(snap.content_sha256.clone()),
            title: crate::registry::study::brief_title(&snap.study).map(str::to_string),
        },
        Ok(None) => TrialOutcome::failed(id.clone(), "no stored version and nothing fetched".into()),
        Err(e) => TrialOutcome::failed(id.clone(), e.to_string()),
    }
}
