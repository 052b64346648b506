//! `ctwatch discover`: find a sponsor's trials on the registry, list those not yet watched,
//! and with `--add` append a `[[trial]]` table for each to the end of ctwatch.toml — as text,
//! so the file's comments and layout stay byte for byte — written atomically under the lock.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Serialize;

use crate::cli::{DiscoverArgs, Format};
use crate::config::{Config, DEFAULT_CONFIG_FILE};
use crate::exit::Exit;
use crate::format::{markdown, terminal};
use crate::registry::{Found, Registry, Search};
use crate::{clock, diff};

/// One found trial (also its JSON shape).
#[derive(Debug, Serialize)]
pub struct Row {
    /// What the registry said.
    #[serde(flatten)]
    pub found: Found,
    /// Already a `[[trial]]` in the config.
    pub watched: bool,
    /// Added to the config by this run (`--add`).
    pub added: bool,
}

/// Runs `ctwatch discover`.
pub fn run(config: &Config, args: &DiscoverArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    if args.lead.is_none() && args.sponsor.is_none() {
        bail!(
            "say whose trials to find: --lead \"NAME\" (lead sponsor) and/or --sponsor \"NAME\" (lead sponsor or collaborator)"
        );
    }
    // `--status RECRUITING,NOT_YET_RECRUITING`, repeated `--status`, or words ("not yet recruiting").
    let statuses: Vec<String> = args
        .status
        .iter()
        .flat_map(|s| s.split(','))
        .map(|s| s.trim().to_ascii_uppercase().replace([' ', '-'], "_"))
        .filter(|s| !s.is_empty())
        .collect();
    if let Some(bad) = statuses.iter().find(|s| !s.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')) {
        bail!("--status {bad:?} is not a registry status (e.g. RECRUITING, NOT_YET_RECRUITING)");
    }
    let search = Search { lead: args.lead.clone(), sponsor_or_collaborator: args.sponsor.clone(), statuses };
    let registry = Registry::new(config.api_base.clone(), config.registry.clone())?;
    let found = crate::registry::runtime()?.block_on(registry.search(&search)).context("cannot search the registry")?;
    let mut rows: Vec<Row> =
        found.into_iter().map(|f| Row { watched: config.trial(&f.nct_id).is_some(), added: false, found: f }).collect();
    rows.sort_by(|a, b| a.watched.cmp(&b.watched).then(a.found.nct_id.cmp(&b.found.nct_id)));
    rows.dedup_by(|a, b| a.found.nct_id == b.found.nct_id);
    if args.add {
        let new: Vec<&Found> = rows.iter().filter(|r| !r.watched).map(|r| &r.found).collect();
        if !new.is_empty() {
            let path = config.source.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_FILE));
            add_trials(config, &path, &new)?;
            for r in rows.iter_mut().filter(|r| !r.watched) {
                r.added = true;
            }
        }
    }
    let unwatched = rows.iter().filter(|r| !r.watched).count();
    let text = match args.format {
        Format::Json => {
            let mut t = serde_json::to_string_pretty(&serde_json::json!({ "trials": rows }))?;
            t.push('\n');
            t
        }
        Format::Markdown => {
            markdown::table(&HEADER, rows.iter().map(|r| cells(r).into_iter().map(|c| markdown::text(&c)).collect()))
        }
        Format::Table => {
            let mut t = terminal::table(&HEADER, rows.iter().map(cells));
            let config = config.source.as_deref().map_or(DEFAULT_CONFIG_FILE.into(), |p| p.display().to_string());
            t.push_str(&match (unwatched, args.add) {
                (0, _) => format!("{} found, all already in {config}.\n", crate::text::plural(rows.len(), "trial")),
                (n, true) => format!("{} found; added {n} to {config}.\n", crate::text::plural(rows.len(), "trial")),
                (n, false) => format!(
                    "{} found, {n} not in {config}; run again with --add to watch {}.\n",
                    crate::text::plural(rows.len(), "trial"),
                    if n == 1 { "it" } else { "them" }
                ),
            });
            t
        }
    };
    out.write_all(text.as_bytes())?;
    Ok(Exit::Clean)
}

const HEADER: [&str; 5] = ["Trial", "Title", "Status", "Lead sponsor", "In ctwatch.toml"];

fn cells(r: &Row) -> Vec<String> {
    let f = &r.found;
    vec![
        f.nct_id.to_string(),
        f.title.as_deref().map_or_else(|| "–".into(), |t| crate::text::clip(t, 50)),
        f.overall_status.as_deref().map_or_else(|| "–".into(), diff::humanize),
        f.lead_sponsor.as_deref().map_or_else(|| "–".into(), |s| crate::text::clip(s, 40)),
        match (r.watched, r.added) {
            (true, _) => "yes".into(),
            (false, true) => "added".into(),
            (false, false) => "no".into(),
        },
    ]
}

/// Appends a `[[trial]]` table per trial to the end of the config, as text: everything
/// already there (comments, commented-out keys, layout, CRLF line endings) stays byte for
/// byte. Under the store's lock, so concurrent runs each add theirs; through a symbolic link
/// to its target (the link stays); with the file's mode; a read-only file is refused; a
/// failed write leaves the file as it was and no temp file.
fn add_trials(config: &Config, path: &Path, trials: &[&Found]) -> anyhow::Result<()> {
    let store = crate::store::Store::new(&config.snapshots);
    let _lock = store.lock(config.registry.lock_timeout).context("nothing was added")?;
    // The file itself, when the config is a link to it.
    let target = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            std::fs::canonicalize(path).with_context(|| format!("cannot follow the link {}", path.display()))?
        }
        _ => path.to_path_buf(),
    };
    let (text, permissions) = match crate::bounded::read_text_bounded(&target, 16 << 20) {
        Ok(t) => {
            let meta = std::fs::metadata(&target).with_context(|| format!("cannot read {}", target.display()))?;
            if meta.permissions().readonly() {
                bail!("{}: the file is read-only; nothing was added", path.display());
            }
            (t, Some(meta.permissions()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (String::new(), None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut new_text = text.clone();
    if !new_text.is_empty() && !new_text.ends_with('\n') {
        new_text.push_str(eol);
    }
    let today = clock::today();
    for f in trials {
        // Registry text goes into a comment: one line, no control characters.
        let title =
            f.title.as_deref().map(|t| crate::text::clip(&crate::text::terminal_safe(t), 100)).unwrap_or_default();
        new_text.push_str(&format!(
            "{eol}# {title} (added by ctwatch discover on {today}){eol}[[trial]]{eol}nct_id = \"{}\"{eol}",
            f.nct_id
        ));
    }
    // The result must still be a config ctwatch reads.
    Config::parse_text(&new_text, &path.display().to_string())
        .with_context(|| format!("{}: the file would not read back; nothing was added", path.display()))?;
    let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("ctwatch.toml");
    let tmp = dir.join(crate::store::temp_name(name));
    let written = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create_new(&tmp)?;
        std::io::Write::write_all(&mut file, new_text.as_bytes())?;
        if let Some(p) = &permissions {
            file.set_permissions(p.clone())?;
        }
        file.sync_all()?;
        std::fs::rename(&tmp, &target)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}; nothing was added", path.display()));
    }
    Ok(())
}
