//! The terminal: tables and prose that fit its width, colour when it is one.
//!
//! Registry text is third-party. On a terminal it could carry escape sequences; in Markdown
//! it could ping people or inject markup. Each format has one escaping function here, and
//! renderers pass every registry string through it.

use comfy_table::{ContentArrangement, Table, presets};

use crate::text::{clip, terminal_safe};

/// True when stdout is a terminal and `NO_COLOR` (no-color.org) is unset or empty.
pub fn use_color() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A unified text diff in ANSI colours for a terminal (registry text made safe first): additions green, removals red, hunk headers cyan.
pub fn colorize_diff(diff: &str) -> String {
    diff.lines()
        .map(|line| {
            let safe = terminal_safe(line);
            let colour = if line.starts_with("+++") || line.starts_with("---") {
                "1"
            } else if line.starts_with('+') {
                "32"
            } else if line.starts_with('-') {
                "31"
            } else if line.starts_with("@@") {
                "36"
            } else {
                return format!("{safe}\n");
            };
            format!("\x1b[{colour}m{safe}\x1b[0m\n")
        })
        .collect()
}

/// Longest cell in a terminal table: a megabyte-long site name must neither flood the terminal
/// nor make wrapping slow (comfy-table wraps in time that grows faster than the text).
pub const CELL_CHARS: usize = 500;

/// A terminal table whose cells may hold several lines (`\n` from ctwatch's own layout; each
/// line is made safe and clipped like [`table`]'s cells).
pub fn table_lines(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let rows = rows.into_iter().map(|row| {
        row.iter()
            .map(|cell| cell.split('\n').map(|l| clip(&terminal_safe(l), CELL_CHARS)).collect::<Vec<_>>().join("\n"))
            .collect::<Vec<String>>()
    });
    build_table(header, rows, false)
}

/// A terminal table with ctwatch's look; registry text in cells is made safe and clipped to [`CELL_CHARS`].
pub fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    build_table(header, rows, true)
}

fn build_table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>, escape: bool) -> String {
    let mut table = Table::new();
    // Without a terminal-size probe (comfy-table's `tty` feature is off: no crossterm), wrap at
    // $COLUMNS when the shell exports it, else at 120 columns; output stays deterministic.
    let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).filter(|w| *w >= 40).unwrap_or(120);
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width);
    table.set_header(header.iter().copied());
    for row in rows {
        if escape {
            table.add_row(row.iter().map(|c| clip(&terminal_safe(c), CELL_CHARS)));
        } else {
            table.add_row(row);
        }
    }
    // Short columns keep their width; only the last (the prose) wraps.
    let last = header.len().saturating_sub(1);
    for (i, column) in table.column_iter_mut().enumerate() {
        if i < last {
            column.set_constraint(comfy_table::ColumnConstraint::ContentWidth);
        } else {
            column.set_constraint(comfy_table::ColumnConstraint::LowerBoundary(comfy_table::Width::Fixed(24)));
        }
    }
    let mut text = table.to_string();
    text.push('\n');
    text
}
