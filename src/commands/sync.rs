//! `ctwatch sync`: fetch, validate, store what changed, say what happened.
//!
//! One failing trial never blocks the others: every fetched trial is compared and stored, the
//! failures are reported per trial, and the run ends with status 2. The store lock is taken
//! after the network phase, so a slow registry never holds up another ctwatch.

use std::io::Write;

use anyhow::Context;
use serde::Serialize;

use crate::cli::{Format, SyncArgs};
use crate::config::Config;
use crate::diff::{self, Change, text};
use crate::exit::Exit;
use crate::format::terminal;
use crate::nct::NctId;
use crate::registry::study::{LAST_UPDATE, date_at};
use crate::registry::{ApiVersion, Fetched, Registry, RegistryError};
use crate::report::changes::{self, ChangeSet};
use crate::report::notice::{self, TrialNotice};
use crate::store::version::{Sameness, comparable};
use crate::store::{LastRun, Origin, Snapshot, Store, StoreLock, SyncState, content_sha256};
use crate::{clock, github};

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
    fn label(self) -> &'static str {
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
    fn failed(nct_id: NctId, error: String) -> TrialOutcome {
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

    fn file_name(&self) -> &str {
        self.snapshot.as_deref().and_then(|p| p.rsplit(['/', '\\']).next()).unwrap_or("")
    }
}

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

/// Runs `ctwatch sync`.
pub fn run(config: &Config, args: &SyncArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let ids = super::trial_ids(config, &args.trials)?;
    let registry = Registry::new(config.api_base.clone(), config.registry.clone())?;
    let store = Store::new(&config.snapshots);
    let state = store.sync_state();
    let fetched = crate::registry::runtime()?.block_on(async {
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
        if !args.full
            && timestamp_ok
            && let Some(state) = &state
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
        let to_fetch: Vec<NctId> = if args.full || known.is_empty() {
            ids.clone()
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
    });
    let (version, fetched, mut plan) = match fetched {
        Ok(f) => f,
        Err(e) => {
            // Nothing reached us (an outage): the run is still recorded, every trial failed
            // with the reason, so the digest can say why and count failing runs.
            // (Only in a store that exists: an unreachable registry never creates one.)
            if store.root().is_dir()
                && let Ok(lock) = store.lock(config.registry.lock_timeout)
            {
                let reason = crate::text::one_line(&e);
                let failed = ids.iter().map(|id| (id.clone(), reason.clone())).collect();
                let mut kept = state.clone().unwrap_or_default();
                kept.last_run = Some(LastRun { at: clock::now_rfc3339(), trials: ids.clone(), failed });
                let _ = store.write_sync_state(&lock, &kept);
            }
            return Err(e);
        }
    };
    plan.requests = registry.requests_made();

    let lock = store.lock(config.registry.lock_timeout)?;
    // Read again under the lock: another sync may have stored (and announced) meanwhile.
    let locked_state = store.sync_state();
    let mut by_id: std::collections::HashMap<NctId, Result<Fetched, RegistryError>> = fetched.into_iter().collect();
    let outcomes: Vec<TrialOutcome> = ids
        .iter()
        .map(|id| match by_id.remove(id) {
            Some(result) => store_one(&store, &lock, &version, id.clone(), result),
            None => unchanged_from_store(&store, id),
        })
        .map(|o| announce_unannounced(&store, locked_state.as_ref(), o))
        .collect();
    let new_state = next_state(locked_state.as_ref(), &version, &ids, &outcomes);

    let changed = outcomes.iter().any(|o| matches!(o.result, SyncResult::New | SyncResult::Changed));
    let text = match args.format {
        Format::Table => table(&outcomes, &plan_line(&plan, &version, ids.len())),
        Format::Markdown => markdown(&outcomes),
        Format::Json => json(&outcomes, &plan),
    };
    out.write_all(text.as_bytes())?;
    out.flush()?;
    for o in outcomes.iter().filter(|o| o.result == SyncResult::Error) {
        eprintln!("ctwatch: error: {}: {}", o.nct_id, crate::text::terminal_safe(o.error.as_deref().unwrap_or("")));
    }
    let notice = changed.then(|| notice_of(&outcomes));
    match (&args.notice, &notice) {
        (Some(path), Some(notice)) => {
            std::fs::write(path, notice).with_context(|| format!("cannot write the notice to {}", path.display()))?
        }
        // Nothing new: a notice left from an earlier run must never be posted again.
        (Some(path), None) => match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("cannot remove the stale notice {}", path.display()));
            }
            _ => {}
        },
        _ => {}
    }
    github::write_changed(changed)?;
    // The step summary: the table once, then the notice, which lists each change once.
    let mut summary = summary_table(&outcomes);
    if let Some(notice) = &notice {
        summary.push('\n');
        summary.push_str(notice);
    }
    github::write_summary(&summary)?;
    // The state is written after the output and the notice: a change stored is announced
    // whatever happens to the state file.
    store.write_sync_state(&lock, &new_state)?;
    drop(lock);

    Ok(if outcomes.iter().any(|o| o.result == SyncResult::Error) {
        Exit::Failed
    } else if args.exit_code && changed {
        Exit::Changes
    } else {
        Exit::Clean
    })
}

/// The state after this run: the registry's timestamp and the trials synced at it only when
/// every trial succeeded (a partial failure is redone in full next time); the run itself
/// always.
fn next_state(old: Option<&SyncState>, version: &ApiVersion, ids: &[NctId], outcomes: &[TrialOutcome]) -> SyncState {
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
fn announce_unannounced(store: &Store, state: Option<&SyncState>, mut o: TrialOutcome) -> TrialOutcome {
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
fn is_timestamp(text: &str) -> bool {
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
fn store_one(
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

fn cells(o: &TrialOutcome, escape: fn(&str) -> String) -> Vec<String> {
    let result = match (&o.result, &o.error) {
        (SyncResult::Error, Some(e)) => format!("error: {}", crate::text::short_reason(e)),
        (r, _) => r.label().to_string(),
    };
    vec![
        o.nct_id.to_string(),
        escape(&o.title.as_deref().map_or_else(|| "–".into(), |t| crate::text::clip(t, TITLE_CHARS))),
        escape(&o.overall_status.as_deref().map_or_else(|| "–".into(), diff::humanize)),
        o.last_update.clone().unwrap_or_else(|| "–".into()),
        escape(&result),
        // The folder is always snapshots/<NCT>/: the file name says which version.
        if o.snapshot.is_some() { escape(o.file_name()) } else { "–".into() },
    ]
}

/// How much of a title the table shows.
const TITLE_CHARS: usize = 32;

/// "3 trials: 1 changed, 1 new, 1 unchanged, 0 errors".
fn totals(outcomes: &[TrialOutcome]) -> String {
    let n = |r: SyncResult| outcomes.iter().filter(|o| o.result == r).count();
    let errors = n(SyncResult::Error);
    format!(
        "{} trial{}: {} changed, {} new, {} unchanged, {errors} error{}\n",
        outcomes.len(),
        if outcomes.len() == 1 { "" } else { "s" },
        n(SyncResult::Changed),
        n(SyncResult::New),
        n(SyncResult::Unchanged),
        if errors == 1 { "" } else { "s" }
    )
}

const HEADER: [&str; 6] = ["Trial", "Title", "Status", "Last update", "Result", "Snapshot"];

fn alias_notes(outcomes: &[TrialOutcome]) -> String {
    let mut notes = String::new();
    for o in outcomes {
        if let Some(asked) = &o.requested_as {
            notes.push_str(&format!(
                "Note: {asked} is an alias of {}; the record is stored under {}.\n",
                o.nct_id, o.nct_id
            ));
        }
        if o.registry_refreshed {
            notes.push_str(&format!(
                "Note: {}: the registry refreshed its own derived data (MeSH terms); the sponsor's record and its posted date are unchanged, so nothing was stored.\n",
                o.nct_id
            ));
        }
    }
    notes
}

/// The change set of a trial this run changed.
fn change_set(o: &TrialOutcome) -> Option<ChangeSet<'_>> {
    let from = o.previous.as_deref()?;
    Some(ChangeSet { nct_id: &o.nct_id, from, to: o.file_name(), changes: &o.changes, text_diff: None, note: None })
}

/// The change notice for every new or changed trial.
pub fn notice_of(outcomes: &[TrialOutcome]) -> String {
    let parts: Vec<TrialNotice> = outcomes
        .iter()
        .filter(|o| matches!(o.result, SyncResult::New | SyncResult::Changed))
        .map(|o| TrialNotice {
            nct_id: &o.nct_id,
            title: o.title.as_deref(),
            from: o.previous.as_deref(),
            to: o.file_name(),
            sha256: o.sha256.as_deref().unwrap_or(""),
            changes: &o.changes,
            text_diff: &o.text_diff,
        })
        .collect();
    notice::render(&parts)
}

/// The terminal table, the totals, `fetched` (what was fetched), then each changed trial's
/// change list.
pub fn table(outcomes: &[TrialOutcome], fetched: &str) -> String {
    let mut text = terminal::table(&HEADER, outcomes.iter().map(|o| cells(o, str::to_string)));
    text.push_str(&totals(outcomes));
    text.push_str(fetched);
    text.push_str(&alias_notes(outcomes));
    for set in outcomes.iter().filter_map(change_set) {
        text.push('\n');
        text.push_str(&changes::table_capped(&set, SUMMARY_ROWS));
    }
    text
}

/// The Markdown table with errors and notes, without the change lists.
fn summary_table(outcomes: &[TrialOutcome]) -> String {
    let mut text =
        crate::format::markdown::table(&HEADER, outcomes.iter().map(|o| cells(o, crate::format::markdown::text)));
    text.push('\n');
    text.push_str(&totals(outcomes));
    for o in outcomes.iter().filter(|o| o.result == SyncResult::Error) {
        text.push_str(&format!(
            "\n**{}**: {}\n",
            o.nct_id,
            crate::format::markdown::text(o.error.as_deref().unwrap_or(""))
        ));
    }
    let notes = alias_notes(outcomes);
    if !notes.is_empty() {
        text.push('\n');
        text.push_str(&notes);
    }
    text
}

/// The Markdown table, then each changed trial's change list.
pub fn markdown(outcomes: &[TrialOutcome]) -> String {
    let mut text = summary_table(outcomes);
    for set in outcomes.iter().filter_map(change_set) {
        text.push('\n');
        text.push_str(&changes::markdown_capped(&set, SUMMARY_ROWS));
    }
    text
}

/// Most changes per trial in sync's table and Markdown (and so in the GitHub step summary);
/// `ctwatch diff` lists them all.
const SUMMARY_ROWS: usize = 100;

/// One line on how much was fetched.
fn plan_line(plan: &FetchPlan, version: &ApiVersion, trials: usize) -> String {
    let requests = format!("{} request{}", plan.requests, if plan.requests == 1 { "" } else { "s" });
    match plan.mode {
        FetchMode::Unchanged => format!(
            "The registry's data has not changed since the last sync (dataTimestamp {}): nothing fetched ({requests}).\n",
            version.data_timestamp
        ),
        FetchMode::Probe => format!(
            "Asked the registry for {} posted date{}; fetched {} full record{} ({requests}).\n",
            plan.probed,
            if plan.probed == 1 { "" } else { "s" },
            plan.fetched,
            if plan.fetched == 1 { "" } else { "s" }
        ),
        FetchMode::Full => format!(
            "Fetched {} full record{} of {trials} ({requests}).\n",
            plan.fetched,
            if plan.fetched == 1 { "" } else { "s" }
        ),
    }
}

/// The outcome of a trial that was not fetched because nothing can have changed: its newest
/// stored version, read and verified.
fn unchanged_from_store(store: &Store, id: &NctId) -> TrialOutcome {
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

/// `{"trials": [...], "fetch": {...}}`.
pub fn json(outcomes: &[TrialOutcome], plan: &FetchPlan) -> String {
    let mut text =
        serde_json::to_string_pretty(&serde_json::json!({ "trials": outcomes, "fetch": plan })).expect("serialisable");
    text.push('\n');
    text
}
