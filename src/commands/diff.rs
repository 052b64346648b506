//! `ctwatch diff NCT [--from REF] [--to REF] [--text]`: compare two versions.
//!
//! A REF is a stored snapshot's file name (with or without `.json`), a date `YYYY-MM-DD` (the
//! newest version posted on or before it), `latest`, `previous`, or `live` (fetched now and
//! stored nowhere). Names are looked up among the stored versions, never joined into a path.

use std::io::Write;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use serde_json::Value;

use crate::cli::{DiffArgs, Format};
use crate::config::Config;
use crate::diff::{self, text};
use crate::exit::Exit;
use crate::format::terminal;
use crate::nct::NctId;
use crate::registry::{Registry, study};
use crate::report::changes::{self, ChangeSet};
use crate::report::notice::{self, TrialNotice};
use crate::store::version::comparable;
use crate::store::{Origin, Snapshot, Store, StoredVersion};

/// One side of a comparison.
#[derive(Debug, Clone)]
pub struct Side {
    /// The snapshot file name, or `live`.
    pub name: String,
    /// The study document.
    pub study: Value,
    /// Where it came from.
    pub origin: Origin,
}

/// Runs `ctwatch diff`.
pub fn run(config: &Config, args: &DiffArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    if args.notice.is_some() && args.trials.len() != 1 {
        bail!("--notice writes one trial's notice: give one NCT id");
    }
    super::each_trial(config, &args.trials, args.format == Format::Json, out, |id, out| one(config, args, id, out))
}

fn one(config: &Config, args: &DiffArgs, id: &NctId, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let id = id.clone();
    let store = Store::new(&config.snapshots);
    let versions = store.read_all(&id)?;
    let to_ref = args.to.as_deref().unwrap_or("latest");
    let to_index = index_of(&id, &versions, to_ref)?;
    if args.notice.is_some() && to_index.is_none() {
        bail!("{id}: --notice needs a stored version to announce; --to live stores nothing");
    }
    // The first snapshot of a trial has nothing to compare with, but a notice all the same.
    if let (Some(path), Some(0), None) = (&args.notice, to_index, &args.from) {
        let (v, snap) = &versions[0];
        let title = study::brief_title(&snap.study);
        let n = TrialNotice {
            nct_id: &id,
            title,
            from: None,
            to: &v.name,
            sha256: &snap.content_sha256,
            changes: &[],
            text_diff: "",
        };
        write_notice(path, &notice::render(&[n]))?;
        writeln!(
            out,
            "{id}: {} is the only stored version; wrote its first-snapshot notice to {}",
            v.name,
            path.display()
        )?;
        return Ok(Exit::Clean);
    }
    let from_index = match args.from.as_deref() {
        Some(r) => index_of(&id, &versions, r)?,
        // Default: the version just before --to (before the newest for `live`).
        None => match to_index {
            Some(i) if i > 0 => Some(i - 1),
            Some(_) if args.to.is_none() => return only_version(&id, &versions[0].0.name, args.format, out),
            Some(_) => bail!("{id}: {} is the oldest stored version; nothing to compare it with", versions[0].0.name),
            None => Some(versions.len() - 1),
        },
    };
    let needs_live = from_index.is_none() || to_index.is_none();
    let live = if needs_live { Some(fetch_live(config, &id)?) } else { None };
    let side = |i: Option<usize>| match i {
        Some(i) => {
            Side { name: versions[i].0.name.clone(), study: versions[i].1.study.clone(), origin: versions[i].1.origin }
        }
        None => live.clone().expect("fetched above"),
    };
    let (mut from, mut to) = (side(from_index), side(to_index));
    let pair = comparable((&from.study, from.origin), (&to.study, to.origin));
    let note = pair.cross_origin.then_some(diff::CROSS_ORIGIN_NOTE);
    (from.study, to.study) = (pair.before, pair.after);
    let list = diff::diff(&from.study, &to.study);
    let text_diff = args.text.then(|| text::unified(&from.study, &to.study, &from.name, &to.name));
    let set = ChangeSet {
        nct_id: &id,
        from: &from.name,
        to: &to.name,
        changes: &list,
        text_diff: text_diff.as_deref(),
        note,
    };
    if let (Some(path), Some(i)) = (&args.notice, to_index) {
        let snap = &versions[i].1;
        let title = study::brief_title(&snap.study);
        let full_text = text::unified(&from.study, &to.study, &from.name, &to.name);
        let n = TrialNotice {
            nct_id: &id,
            title,
            from: Some(&from.name),
            to: &to.name,
            sha256: &snap.content_sha256,
            changes: &list,
            text_diff: &full_text,
        };
        write_notice(path, &notice::render(&[n]))?;
    }
    let rendered = match args.format {
        Format::Table => {
            let mut t = changes::table(&set);
            if let Some(d) = &text_diff {
                t.push('\n');
                t.push_str(&if terminal::use_color() {
                    terminal::colorize_diff(d)
                } else {
                    crate::text::terminal_safe_lines(d)
                });
            }
            t
        }
        Format::Markdown => changes::markdown(&set),
        Format::Json => changes::json(&set),
    };
    out.write_all(rendered.as_bytes())?;
    Ok(if args.exit_code && !list.is_empty() { Exit::Changes } else { Exit::Clean })
}

fn write_notice(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write the notice to {}", path.display()))
}

/// Index of a REF among the stored versions; `None` for `live`.
fn index_of(id: &NctId, versions: &[(StoredVersion, Snapshot)], reference: &str) -> anyhow::Result<Option<usize>> {
    let names = || versions.iter().map(|(v, _)| v.name.as_str()).collect::<Vec<_>>().join(", ");
    if reference == "live" {
        return Ok(None);
    }
    if versions.is_empty() {
        bail!("{id}: no stored versions; run `ctwatch sync {id}` first (or compare with --to live after one sync)");
    }
    let last = versions.len() - 1;
    match reference {
        "latest" => Ok(Some(last)),
        "previous" if last == 0 => {
            bail!("{id}: only one stored version ({}); there is no previous one yet", versions[0].0.name)
        }
        "previous" => Ok(Some(last - 1)),
        r => {
            if let Ok(date) = NaiveDate::parse_from_str(r, "%Y-%m-%d") {
                // The newest version whose file date is on or before the date.
                let stored: Vec<StoredVersion> = versions.iter().map(|(v, _)| v.clone()).collect();
                let found = crate::store::current_at(&stored, date);
                return found
                    .map(Some)
                    .with_context(|| format!("{id}: no stored version on or before {date}; stored: {}", names()));
            }
            let wanted = if r.ends_with(".json") { r.to_string() } else { format!("{r}.json") };
            versions
                .iter()
                .position(|(v, _)| v.name == wanted)
                .map(Some)
                .with_context(|| format!("{id}: no stored version {r:?}; stored: {}", names()))
        }
    }
}

fn fetch_live(config: &Config, id: &NctId) -> anyhow::Result<Side> {
    let registry = Registry::new(config.api_base.clone(), config.registry.clone())?;
    let fetched = crate::registry::runtime()?.block_on(registry.study(id)).with_context(|| format!("{id}"))?;
    Ok(Side { name: "live".into(), study: fetched.study.into_value(), origin: Origin::Api })
}

/// A trial with one stored version has nothing to compare yet: said, not an error.
fn only_version(id: &NctId, name: &str, format: Format, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let text = match format {
        Format::Json => {
            let mut t = serde_json::to_string_pretty(&serde_json::json!({
                "nct_id": id, "from": null, "to": name, "changes": [],
                "note": "only one stored version: nothing to compare yet"
            }))?;
            t.push('\n');
            t
        }
        _ => format!("{id}: {name} is the only stored version; nothing to compare yet.\n"),
    };
    out.write_all(text.as_bytes())?;
    Ok(Exit::Clean)
}
