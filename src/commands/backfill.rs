//! `ctwatch backfill NCT`: import the registry's own version history into the store.
//!
//! All or nothing: the list and every missing version are fetched and checked first; only then
//! is the store locked and written. A failure anywhere stores nothing from that run and leaves
//! existing snapshots untouched. A version whose content (markup aside) is already stored —
//! typically one `sync` fetched — is recognised as the same version and recorded in the index,
//! not stored twice. A re-run fetches only versions not yet indexed.

use std::io::Write;

use anyhow::Context;
use serde::Serialize;

use crate::cli::{BackfillArgs, Format};
use crate::clock;
use crate::config::Config;
use crate::exit::Exit;
use crate::format::terminal;
use crate::nct::NctId;
use crate::partial_date::PartialDate;
use crate::registry::history::{Entry, History, Version};
use crate::registry::study::{EARLIEST_POSTED, LAST_UPDATE, date_at};
use crate::store::version::version_key;
use crate::store::{Origin, Snapshot, Store, content_sha256};

/// One version's line in the output.
#[derive(Debug, Serialize)]
pub struct Row {
    /// Registry version number.
    pub version: u32,
    /// Listed date.
    pub date: String,
    /// Listed status.
    pub status: Option<String>,
    /// `stored`, `already stored` or `same as stored`.
    pub result: &'static str,
    /// The snapshot file holding it.
    pub snapshot: String,
}

/// Runs `ctwatch backfill`.
pub fn run(config: &Config, args: &BackfillArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    // One client for every trial, so the one-request-a-second pacing holds across them.
    let history = History::new(config.history_base.clone(), config.registry.clone())?;
    let rt = crate::registry::runtime()?;
    super::each_trial(config, &args.trials, args.format == Format::Json, out, |id, out| {
        one(config, args, &history, &rt, id, out)
    })
}

/// Backfills one trial, all or nothing.
fn one(
    config: &Config,
    args: &BackfillArgs,
    history: &History,
    rt: &tokio::runtime::Runtime,
    id: &NctId,
    out: &mut dyn Write,
) -> anyhow::Result<Exit> {
    let id = id.clone();
    let requests_before = history.requests_made();
    let store = Store::new(&config.snapshots);
    let index = store.history_index(&id)?;
    let (entries, list_url) =
        rt.block_on(history.list(&id)).with_context(|| format!("{id}: cannot read the version history"))?;
    let missing: Vec<&Entry> = entries.iter().filter(|e| !index.contains_key(&e.version)).collect();
    let progress = crate::feedback::start(&format!("backfill {id}"), missing.len() as u64, "versions", false);
    let mut fetched: Vec<(&Entry, Version)> = Vec::with_capacity(missing.len());
    for entry in &missing {
        let v = rt
            .block_on(history.version(&id, entry.version))
            .with_context(|| format!("{id}: version {} of {}; nothing was stored", entry.version, list_url))?;
        progress.inc(1, &format!("version {} ({})", entry.version, entry.date));
        fetched.push((entry, v));
    }
    drop(progress);

    let lock = store.lock(config.registry.lock_timeout)?;
    let mut index = store.history_index(&id)?;
    // Where a version's content already lives: a stored file, or a version planned below.
    enum Home {
        Stored(String),
        Planned(usize),
    }
    let mut known: Vec<(String, Home)> =
        store.read_all(&id)?.into_iter().map(|(v, snap)| (version_key(&snap.study), Home::Stored(v.name))).collect();
    let mut rows = Vec::new();
    for entry in &entries {
        if let Some(name) =
            index.get(&entry.version).filter(|_| !fetched.iter().any(|(e, _)| e.version == entry.version))
        {
            rows.push(row(entry, "already stored", name));
        }
    }
    // Plan every write first, checking each version; only then write, all or nothing.
    let mut planned: Vec<(&Entry, Snapshot, PartialDate)> = Vec::new();
    let mut same: Vec<(&Entry, usize)> = Vec::new();
    for (entry, v) in fetched {
        let key = version_key(&v.study);
        match known.iter().find(|(k, _)| *k == key).map(|(_, home)| home) {
            Some(Home::Stored(name)) => {
                index.insert(entry.version, name.clone());
                rows.push(row(entry, "same as stored", name));
                continue;
            }
            Some(Home::Planned(i)) => {
                same.push((entry, *i));
                continue;
            }
            None => {}
        }
        let date = date_at(&v.study, LAST_UPDATE)
            .filter(|d| d.as_day().is_some())
            .unwrap_or_else(|| PartialDate::from_date(entry.date));
        let day = date.first_day();
        if day < EARLIEST_POSTED || day > clock::today() + chrono::Duration::days(1) {
            anyhow::bail!(
                "{id}: version {} of {list_url} says it was posted {date}, which cannot be; nothing was stored",
                entry.version
            );
        }
        let snapshot = Snapshot {
            api_version: None,
            content_sha256: content_sha256(&v.study),
            data_timestamp: None,
            fetched_at: clock::now_rfc3339(),
            history_version: Some(entry.version),
            nct_id: id.clone(),
            origin: Origin::History,
            requested_as: None,
            source: v.source.to_string(),
            study: v.study,
        };
        known.push((key, Home::Planned(planned.len())));
        planned.push((entry, snapshot, date));
    }
    let mut written: Vec<crate::store::StoredVersion> = Vec::with_capacity(planned.len());
    for (_, snapshot, date) in &planned {
        match store.write_new(&lock, snapshot, *date) {
            Ok(w) => written.push(w),
            Err(e) => {
                // Take back what this run wrote (ours alone, written moments ago under the lock).
                for w in &written {
                    let _ = std::fs::remove_file(&w.path);
                }
                return Err(anyhow::Error::new(e).context(format!("{id}: backfill failed; nothing was stored")));
            }
        }
    }
    for ((entry, _, _), w) in planned.iter().zip(&written) {
        index.insert(entry.version, w.name.clone());
        rows.push(row(entry, "stored", &w.name));
    }
    for (entry, i) in same {
        index.insert(entry.version, written[i].name.clone());
        rows.push(row(entry, "same as stored", &written[i].name));
    }
    if let Err(e) = store.write_history_index(&lock, &id, &index) {
        // Without its index entry a backfilled version would be fetched and stored again:
        // this run's versions are taken back, as when one of them failed to write.
        for w in &written {
            let _ = std::fs::remove_file(&w.path);
        }
        return Err(anyhow::Error::new(e).context(format!("{id}: backfill failed; nothing was stored")));
    }
    drop(lock);
    rows.sort_by_key(|r| r.version);

    let stored = rows.iter().filter(|r| r.result == "stored").count();
    let text = match args.format {
        Format::Json => {
            let mut t = serde_json::to_string_pretty(&serde_json::json!({"nct_id": id, "versions": rows}))?;
            t.push('\n');
            t
        }
        Format::Markdown => crate::format::markdown::table(
            &["Version", "Date", "Status", "Result", "Snapshot"],
            rows.iter().map(|r| {
                vec![
                    r.version.to_string(),
                    r.date.clone(),
                    crate::format::markdown::text(
                        &r.status.as_deref().map_or_else(|| "–".into(), crate::diff::humanize),
                    ),
                    r.result.into(),
                    r.snapshot.clone(),
                ]
            }),
        ),
        Format::Table => {
            let mut t = format!(
                "{id}: {}, {stored} newly stored, {}\n",
                crate::text::plural(rows.len(), "registry version"),
                crate::text::plural((history.requests_made() - requests_before) as usize, "request")
            );
            t.push_str(&terminal::table(
                &["Version", "Date", "Status", "Result", "Snapshot"],
                rows.iter().map(|r| {
                    vec![
                        r.version.to_string(),
                        r.date.clone(),
                        r.status.as_deref().map_or_else(|| "–".into(), crate::diff::humanize),
                        r.result.into(),
                        r.snapshot.clone(),
                    ]
                }),
            ));
            t
        }
    };
    out.write_all(text.as_bytes())?;
    Ok(Exit::Clean)
}

fn row(entry: &Entry, result: &'static str, snapshot: &str) -> Row {
    Row {
        version: entry.version,
        date: entry.date.to_string(),
        status: entry.status.clone(),
        result,
        snapshot: snapshot.to_string(),
    }
}
