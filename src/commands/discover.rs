//! `ctwatch discover`: find a sponsor's trials on the registry, list those not yet watched,
//! and with `--add` append a `[[trial]]` table for each to ctwatch.toml — keeping the file's
//! comments and layout (toml_edit), written atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Serialize;

use crate::cli::{DiscoverArgs, Format};
use crate::config::{Config, DEFAULT_CONFIG_FILE};
use crate::registry::{Found, Registry, Search};
use crate::render::{self, markdown};
use crate::{Exit, clock, diff};

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
    let found = crate::runtime()?.block_on(registry.search(&search)).context("cannot search the registry")?;
    let mut rows: Vec<Row> =
        found.into_iter().map(|f| Row { watched: config.trial(&f.nct_id).is_some(), added: false, found: f }).collect();
    rows.sort_by(|a, b| a.watched.cmp(&b.watched).then(a.found.nct_id.cmp(&b.found.nct_id)));
    rows.dedup_by(|a, b| a.found.nct_id == b.found.nct_id);
    if args.add {
        let new: Vec<&Found> = rows.iter().filter(|r| !r.watched).map(|r| &r.found).collect();
        if !new.is_empty() {
            let path = config.source.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_FILE));
            add_trials(&path, &new)?;
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
            let mut t = render::table(&HEADER, rows.iter().map(cells));
            let config = config.source.as_deref().map_or(DEFAULT_CONFIG_FILE.into(), |p| p.display().to_string());
            t.push_str(&match (unwatched, args.add) {
                (0, _) => format!("{} found, all already in {config}.\n", render::plural(rows.len(), "trial")),
                (n, true) => format!("{} found; added {n} to {config}.\n", render::plural(rows.len(), "trial")),
                (n, false) => format!(
                    "{} found, {n} not in {config}; run again with --add to watch {}.\n",
                    render::plural(rows.len(), "trial"),
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
        f.title.as_deref().map_or_else(|| "–".into(), |t| render::clip(t, 50)),
        f.overall_status.as_deref().map_or_else(|| "–".into(), diff::humanize),
        f.lead_sponsor.as_deref().map_or_else(|| "–".into(), |s| render::clip(s, 40)),
        match (r.watched, r.added) {
            (true, _) => "yes".into(),
            (false, true) => "added".into(),
            (false, false) => "no".into(),
        },
    ]
}

/// Appends a `[[trial]]` table per trial to the config, keeping everything already there.
fn add_trials(path: &Path, trials: &[&Found]) -> anyhow::Result<()> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut doc: toml_edit::DocumentMut =
        text.parse().with_context(|| format!("{}: not valid TOML; nothing was added", path.display()))?;
    let list = doc
        .entry("trial")
        .or_insert_with(|| toml_edit::Item::ArrayOfTables(toml_edit::ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .with_context(|| format!("{}: `trial` is not a list of [[trial]] tables; nothing was added", path.display()))?;
    let today = clock::today();
    for f in trials {
        let mut table = toml_edit::Table::new();
        table.insert("nct_id", toml_edit::value(f.nct_id.as_str()));
        // Registry text goes into a comment: one line, no control characters.
        let title = f.title.as_deref().map(|t| render::clip(&render::terminal_safe(t), 100)).unwrap_or_default();
        table.decor_mut().set_prefix(format!("\n# {title} (added by ctwatch discover on {today})\n"));
        list.push(table);
    }
    let new_text = doc.to_string();
    // The result must still be a config ctwatch reads.
    Config::parse_text(&new_text, &path.display().to_string())
        .with_context(|| format!("{}: the file would not read back; nothing was added", path.display()))?;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(crate::store::temp_name(path.file_name().and_then(|n| n.to_str()).unwrap_or("ctwatch.toml")));
    std::fs::write(&tmp, new_text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
