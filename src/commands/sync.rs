//! `ctwatch sync`: fetch, validate, store what changed, say what happened.
//!
//! One failing trial never blocks the others: every fetched trial is compared and stored, the
//! failures are reported per trial, and the run ends with status 2. The store lock is taken
//! after the network phase, so a slow registry never holds up another ctwatch.

use std::io::Write;

use anyhow::Context;

use crate::cli::{Format, SyncArgs};
use crate::config::Config;
use crate::diff;
use crate::exit::Exit;
use crate::format::terminal;
use crate::ingest::{self, FetchMode, FetchPlan, SyncResult, TrialOutcome};
use crate::nct::NctId;
use crate::registry::{ApiVersion, Fetched, Registry, RegistryError};
use crate::report::changes::{self, ChangeSet};
use crate::report::notice::{self, TrialNotice};
use crate::store::{LastRun, Store};
use crate::{clock, github};

/// Runs `ctwatch sync`.
pub fn run(config: &Config, args: &SyncArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let ids = super::trial_ids(config, &args.trials)?;
    let registry = Registry::new(config.api_base.clone(), config.registry.clone())?;
    let store = Store::new(&config.snapshots);
    let state = store.sync_state();
    let fetched = ingest::fetch(&registry, &store, state.as_ref(), &ids, args.full);
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
            Some(result) => ingest::store_one(&store, &lock, &version, id.clone(), result),
            None => ingest::unchanged_from_store(&store, id),
        })
        .map(|o| ingest::announce_unannounced(&store, locked_state.as_ref(), o))
        .collect();
    let new_state = ingest::next_state(locked_state.as_ref(), &version, &ids, &outcomes);

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

/// A trial's row; `reason`: the error's reason in the Result cell (Markdown), else only
/// "error" there and the reason on its own line below the table (a terminal: the table stays
/// narrow and the reason unbroken).
fn cells(o: &TrialOutcome, escape: fn(&str) -> String, reason: bool) -> Vec<String> {
    let result = match (&o.result, &o.error) {
        (SyncResult::Error, Some(e)) if reason => format!("error: {}", crate::text::short_reason(e)),
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
    let mut text = terminal::table(&HEADER, outcomes.iter().map(|o| cells(o, str::to_string, false)));
    for o in outcomes {
        if let (SyncResult::Error, Some(e)) = (o.result, &o.error) {
            let line = format!("{}: error: {}", o.nct_id, crate::text::short_reason(e));
            text.push_str(&terminal::line(&crate::text::terminal_safe(&line), 2));
        }
    }
    for line in totals(outcomes).lines().chain(fetched.lines()).chain(alias_notes(outcomes).lines()) {
        text.push_str(&terminal::line(line, if line.starts_with("Note: ") { 6 } else { 0 }));
    }
    for set in outcomes.iter().filter_map(change_set) {
        text.push('\n');
        text.push_str(&changes::table_capped(&set, SUMMARY_ROWS));
    }
    text
}

/// The Markdown table with errors and notes, without the change lists.
fn summary_table(outcomes: &[TrialOutcome]) -> String {
    let mut text =
        crate::format::markdown::table(&HEADER, outcomes.iter().map(|o| cells(o, crate::format::markdown::text, true)));
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

/// `{"trials": [...], "fetch": {...}}`.
pub fn json(outcomes: &[TrialOutcome], plan: &FetchPlan) -> String {
    let mut text =
        serde_json::to_string_pretty(&serde_json::json!({ "trials": outcomes, "fetch": plan })).expect("serialisable");
    text.push('\n');
    text
}
