//! `ctwatch verify [NCT…]`: check the whole store, every file of every trial, not only the
//! newest one the other commands read. A snapshot's hash covers its content but not its file
//! name, so a renamed, copied or stray file is caught here by the name–content checks of the
//! store. Nothing is changed; every problem is listed; exit 2 when there is any.

use std::io::Write;

use serde::Serialize;

use crate::cli::{Format, VerifyArgs};
use crate::config::Config;
use crate::exit::Exit;
use crate::format::{markdown, terminal};
use crate::nct::NctId;
use crate::store;
use crate::store::{Store, StoreError};

/// One trial's result (also its JSON shape).
#[derive(Debug, Serialize)]
pub struct TrialCheck {
    /// The trial folder's name.
    pub trial: String,
    /// Snapshot files found.
    pub versions: usize,
    /// Every problem, each naming its file.
    pub problems: Vec<String>,
}

/// Runs `ctwatch verify`.
pub fn run(config: &Config, args: &VerifyArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let store = Store::new(&config.snapshots);
    let mut folders: Vec<String> = if args.trials.is_empty() {
        match std::fs::read_dir(store.root()) {
            Ok(entries) => entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir() || t.is_symlink()))
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| !n.starts_with('.'))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => anyhow::bail!("{}: cannot read the store: {e}", store.root().display()),
        }
    } else {
        args.trials.iter().map(|t| NctId::parse(t).map(|id| id.to_string())).collect::<Result<_, _>>()?
    };
    folders.sort();
    let checks: Vec<TrialCheck> = folders.iter().map(|f| check_folder(&store, f)).collect();
    let bad = checks.iter().filter(|c| !c.problems.is_empty()).count();
    let files: usize = checks.iter().map(|c| c.versions).sum();
    let text = match args.format {
        Format::Json => {
            let mut t = serde_json::to_string_pretty(&serde_json::json!({"trials": checks}))?;
            t.push('\n');
            t
        }
        Format::Markdown => markdown::table(
            &["Trial", "Versions", "Result"],
            checks.iter().map(|c| vec![markdown::text(&c.trial), c.versions.to_string(), markdown::text(&result(c))]),
        ),
        Format::Table if checks.is_empty() => {
            format!("No trial folders in {}: nothing to verify.\n", store.root().display())
        }
        Format::Table => {
            let mut t = terminal::table(
                &["Trial", "Versions", "Result"],
                checks.iter().map(|c| vec![crate::text::terminal_safe(&c.trial), c.versions.to_string(), summary(c)]),
            );
            for c in &checks {
                for p in &c.problems {
                    t.push_str(&format!(
                        "{}: {}\n",
                        crate::text::terminal_safe(&c.trial),
                        crate::text::terminal_safe(p)
                    ));
                }
            }
            let trials = crate::text::plural(checks.len(), "trial");
            t.push_str(&format!(
                "{trials}, {}: {}\n",
                crate::text::plural(files, "snapshot file"),
                match bad {
                    0 => "all verified".to_string(),
                    n => format!("{} with problems", crate::text::plural(n, "trial")),
                }
            ));
            t
        }
    };
    out.write_all(text.as_bytes())?;
    Ok(if bad > 0 { Exit::Failed } else { Exit::Clean })
}

fn summary(c: &TrialCheck) -> String {
    match c.problems.len() {
        0 => "ok".into(),
        n => crate::text::plural(n, "problem"),
    }
}

fn result(c: &TrialCheck) -> String {
    if c.problems.is_empty() { "ok".into() } else { c.problems.join("; ") }
}

/// Every check on one trial folder, collecting all problems rather than stopping at the first.
fn check_folder(store: &Store, folder: &str) -> TrialCheck {
    let mut check = TrialCheck { trial: folder.to_string(), versions: 0, problems: Vec::new() };
    let id = match NctId::parse(folder) {
        Ok(id) if id.as_str() == folder => id,
        _ => {
            check
                .problems
                .push(format!("{}: not a trial folder (NCT + 8 digits)", store.root().join(folder).display()));
            return check;
        }
    };
    let versions = match store.versions(&id) {
        Ok(v) => v,
        Err(e) => {
            check.problems.push(e.to_string());
            return check;
        }
    };
    check.versions = versions.len();
    let mut read = Vec::new();
    for v in versions {
        match store.read(&id, &v) {
            Ok(snap) => read.push((v, snap)),
            Err(e) => check.problems.push(e.to_string()),
        }
    }
    if let Err(StoreError::Corrupt { path, reason }) = Store::check_sequence(&read) {
        check.problems.push(format!("{}: {reason}", path.display()));
    }
    match store.history_index(&id) {
        Ok(index) => {
            for (version, name) in index {
                if !read.iter().any(|(v, _)| v.name == name) && check.problems.iter().all(|p| !p.contains(&name)) {
                    check.problems.push(format!(
                        "{}: registry version {version} points to {name}, which is not a stored snapshot",
                        store.trial_dir(&id).join(store::HISTORY_INDEX).display()
                    ));
                }
            }
        }
        Err(e) => check.problems.push(e.to_string()),
    }
    check
}
