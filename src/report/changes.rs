//! A change list as a terminal table, GitHub Markdown or JSON — one model, three formats.

use serde::Serialize;

use crate::diff::Change;
use crate::format::markdown;
use crate::nct::NctId;

/// What `diff --format json` prints: `{"nct_id", "from", "to", "changes": […]}` (DESIGN).
#[derive(Debug, Serialize)]
pub struct ChangeSet<'a> {
    /// The trial.
    pub nct_id: &'a NctId,
    /// The older version (snapshot file name, or `live`).
    pub from: &'a str,
    /// The newer version.
    pub to: &'a str,
    /// The changes, most important first.
    pub changes: &'a [Change],
    /// The unified text diff, with `--text`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_diff: Option<&'a str>,
    /// Said when the versions come from different origins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'a str>,
}

/// One line saying what is compared.
pub fn heading(set: &ChangeSet) -> String {
    let n = set.changes.len();
    format!("{}: {} → {}, {n} change{}", set.nct_id, set.from, set.to, if n == 1 { "" } else { "s" })
}

/// The terminal table.
pub fn table(set: &ChangeSet) -> String {
    table_capped(set, usize::MAX)
}

/// The terminal table with at most `max_rows` changes, then "… and N more".
pub fn table_capped(set: &ChangeSet, max_rows: usize) -> String {
    let mut out = format!("{}\n", crate::text::terminal_safe(&heading(set)));
    if let Some(note) = set.note {
        out.push_str(&format!("Note: {note}\n"));
    }
    if !set.changes.is_empty() {
        let shown = &set.changes[..set.changes.len().min(max_rows)];
        out.push_str(&crate::format::terminal::table(
            &["Importance", "Category", "Change"],
            shown.iter().map(|c| vec![c.importance.as_str().into(), c.category.as_str().into(), c.summary.clone()]),
        ));
        if shown.len() < set.changes.len() {
            out.push_str(&format!(
                "… and {} more changes; `ctwatch diff {}` lists them all.\n",
                set.changes.len() - shown.len(),
                set.nct_id
            ));
        }
    }
    out
}

/// Longest registry text put in one Markdown table cell.
const CELL_CHARS: usize = 300;

/// A Markdown cell from registry text: defused and shortened.
pub fn cell(text: &str) -> String {
    let clipped: String = text.chars().take(CELL_CHARS).collect();
    let more = if text.chars().count() > CELL_CHARS { "…" } else { "" };
    format!("{}{more}", markdown::text(&clipped))
}

/// Markdown table rows for changes.
pub fn markdown_rows(changes: &[Change]) -> Vec<Vec<String>> {
    changes
        .iter()
        .map(|c| vec![c.importance.as_str().into(), c.category.as_str().into(), cell(&c.summary), cell(&c.path)])
        .collect()
}

/// Markdown header of the change table.
pub const MARKDOWN_HEADER: [&str; 4] = ["Importance", "Category", "Change", "Field"];

/// GitHub Markdown.
pub fn markdown(set: &ChangeSet) -> String {
    markdown_capped(set, usize::MAX)
}

/// GitHub Markdown with at most `max_rows` changes in the table and "… and N more" after it
/// (for the GitHub step summary, which GitHub caps at 1 MiB).
pub fn markdown_capped(set: &ChangeSet, max_rows: usize) -> String {
    let mut out = format!("**{}**\n\n", markdown::text(&heading(set)));
    if let Some(note) = set.note {
        out.push_str(&format!("_{note}_\n\n"));
    }
    if !set.changes.is_empty() {
        let shown = &set.changes[..set.changes.len().min(max_rows)];
        out.push_str(&markdown::table(&MARKDOWN_HEADER, markdown_rows(shown)));
        if shown.len() < set.changes.len() {
            out.push_str(&format!(
                "\n_… and {} more changes; `ctwatch diff {}` lists them all._\n",
                set.changes.len() - shown.len(),
                set.nct_id
            ));
        }
    }
    if let Some(text) = set.text_diff {
        out.push('\n');
        out.push_str(&markdown::fenced(&crate::text::defang(text), "diff"));
    }
    out
}

/// JSON.
pub fn json(set: &ChangeSet) -> String {
    let mut text = serde_json::to_string_pretty(set).expect("serialisable");
    text.push('\n');
    text
}
