//! `ctwatch history NCT`: one row per stored version, oldest first — status, the three key
//! dates with their type, enrollment, sites recruiting/total, and what changed.

use std::io::Write;

use serde_json::Value;

use crate::cli::{Format, HistoryArgs};
use crate::config::Config;
use crate::diff::timeline::{Version, timeline};
use crate::diff::{Change, Importance, humanize};
use crate::exit::Exit;
use crate::format::{markdown, terminal};
use crate::nct::NctId;
use crate::store::Store;

/// Runs `ctwatch history`.
pub fn run(config: &Config, args: &HistoryArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    super::each_trial(config, &args.trials, args.format == Format::Json, out, |id, out| one(config, args, id, out))
}

fn one(config: &Config, args: &HistoryArgs, id: &NctId, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let id = id.clone();
    let versions = timeline(&Store::new(&config.snapshots), &id)?;
    if versions.is_empty() {
        anyhow::bail!("{id}: no stored versions in {}; run `ctwatch sync {id}` first", config.snapshots.display());
    }
    let text = match args.format {
        Format::Table => {
            let mut t = format!("{id}: {}\n", crate::text::plural(versions.len(), "stored version"));
            t.push_str(&terminal::table(&HEADER, rows(&versions, &|s| s.to_string())));
            t.push_str("\nWhat changed:\n");
            for (i, v) in versions.iter().enumerate() {
                let line = format!("  {}  {}", stem(&v.snapshot), what_changed(i, &v.changes));
                t.push_str(&terminal::line(&crate::text::terminal_safe(&line), 14));
            }
            t
        }
        Format::Markdown => {
            let mut header = HEADER.to_vec();
            header.push("What changed");
            let rows = rows(&versions, &markdown::text).into_iter().enumerate().map(|(i, mut row)| {
                row.push(markdown::text(&what_changed(i, &versions[i].changes)));
                row
            });
            markdown::table(&header, rows)
        }
        Format::Json => {
            let mut t = serde_json::to_string_pretty(&serde_json::json!({"nct_id": id, "versions": versions}))?;
            t.push('\n');
            t
        }
    };
    out.write_all(text.as_bytes())?;
    Ok(Exit::Clean)
}

const HEADER: [&str; 8] =
    ["Version", "Origin", "Status", "Start", "Primary completion", "Completion", "Enrollment", "Recruiting sites"];

/// `2025-06-26` from `2025-06-26.json`.
fn stem(name: &str) -> &str {
    name.strip_suffix(".json").unwrap_or(name)
}

/// `2029-01-03 (est.)` from a date struct.
fn date(v: &Value) -> String {
    let d = v.get("date").and_then(Value::as_str).unwrap_or("–");
    match v.get("type").and_then(Value::as_str) {
        Some("ESTIMATED") => format!("{d} (est.)"),
        Some("ACTUAL") => format!("{d} (act.)"),
        _ => d.to_string(),
    }
}

fn enrollment(v: &Value) -> String {
    let count = v.get("count").map_or_else(|| "–".to_string(), Value::to_string);
    match v.get("type").and_then(Value::as_str) {
        Some("ESTIMATED") => format!("{count} (est.)"),
        Some("ACTUAL") => format!("{count} (act.)"),
        _ => count,
    }
}

/// How many high-importance summaries a "What changed" line shows before "(+N other changes)".
const WHAT_CHANGED_SHOWN: usize = 3;

/// The first few high-importance summaries, then a count of the rest.
fn what_changed(i: usize, changes: &[Change]) -> String {
    if i == 0 {
        return "first stored version".into();
    }
    let shown: Vec<&str> = changes
        .iter()
        .filter(|c| c.importance == Importance::High)
        .take(WHAT_CHANGED_SHOWN)
        .map(|c| c.summary.as_str())
        .collect();
    let rest = changes.len() - shown.len();
    let plural = if rest == 1 { "" } else { "s" };
    match (shown.is_empty(), rest) {
        (true, 0) => "no changes".into(),
        (true, n) => format!("{n} change{plural}"),
        (false, 0) => shown.join("; "),
        (false, n) => format!("{} (+{n} other change{plural})", shown.join("; ")),
    }
}

fn rows(versions: &[Version], escape: &dyn Fn(&str) -> String) -> Vec<Vec<String>> {
    versions
        .iter()
        .map(|v| {
            vec![
                stem(&v.snapshot).to_string(),
                format!("{:?}", v.origin).to_lowercase(),
                escape(&v.overall_status.as_deref().map_or_else(|| "–".into(), humanize)),
                escape(&date(&v.start_date)),
                escape(&date(&v.primary_completion_date)),
                escape(&date(&v.completion_date)),
                escape(&enrollment(&v.enrollment)),
                format!("{} of {}", v.sites_recruiting, v.sites_total),
            ]
        })
        .collect()
}
