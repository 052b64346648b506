//! Output building blocks shared by every command: terminal tables, Markdown, JSON.
//!
//! Registry text is third-party. On a terminal it could carry escape sequences; in Markdown
//! it could ping people or inject markup. Each format has one escaping function here, and
//! renderers pass every registry string through it.

pub mod markdown;

use comfy_table::{ContentArrangement, Table, presets};

/// Replaces control characters (ESC, CR, newlines…) with spaces so registry text cannot move
/// the cursor, recolour the terminal or forge extra output lines.
pub fn terminal_safe(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// A terminal table with ctwatch's look; cells are made terminal-safe.
pub fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut table = Table::new();
    table.load_style(presets::UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Disabled);
    table.set_header(header.iter().copied());
    for row in rows {
        table.add_row(row.iter().map(|c| terminal_safe(c)));
    }
    let mut text = table.to_string();
    text.push('\n');
    text
}
