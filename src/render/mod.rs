//! Output building blocks shared by every command: terminal tables, Markdown, JSON.
//!
//! Registry text is third-party. On a terminal it could carry escape sequences; in Markdown
//! it could ping people or inject markup. Each format has one escaping function here, and
//! renderers pass every registry string through it.

pub mod changes;
pub mod markdown;
pub mod notice;

use comfy_table::{ContentArrangement, Table, presets};

/// What a character of registry text becomes in any human output: bidirectional controls
/// (which can make text read in another order than it is, "Trojan Source") and noncharacters
/// (U+FFFE, U+FFFF, U+FDD0–FDEF: not allowed in XML, so in no Word file) become a visible
/// U+FFFD; characters that show nothing (zero-width, invisible operators, Unicode tags,
/// Hangul fillers, variation selectors, the grapheme joiner, deprecated format controls) are
/// dropped, since they can hide inside names and links; line and paragraph separators
/// (U+2028, U+2029), which would start a line outside a code fence, become spaces.
pub fn visible(c: char) -> Option<char> {
    match c {
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}' => Some('\u{FFFD}'),
        '\u{FDD0}'..='\u{FDEF}' => Some('\u{FFFD}'),
        c if (c as u32) & 0xFFFE == 0xFFFE => Some('\u{FFFD}'),
        '\u{200B}'..='\u{200D}'
        | '\u{2060}'..='\u{2064}'
        | '\u{206A}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{180E}'
        | '\u{00AD}'
        | '\u{034F}'
        | '\u{115F}'
        | '\u{1160}'
        | '\u{3164}'
        | '\u{FFA0}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{E0000}'..='\u{E007F}'
        | '\u{E0100}'..='\u{E01EF}' => None,
        '\u{2028}' | '\u{2029}' => Some(' '),
        c => Some(c),
    }
}

/// Text made valid for XML 1.0 (a Word file is XML): [`visible`] applied, and every control
/// character other than tab and newline — which no XML document may hold, even escaped —
/// turned into a space.
pub fn xml_safe(text: &str) -> String {
    text.chars().filter_map(visible).map(|c| if c.is_control() && c != '\t' && c != '\n' { ' ' } else { c }).collect()
}

/// Registry text with [`visible`] applied (for renderers that escape it further themselves).
pub fn defang(text: &str) -> String {
    text.chars().filter_map(visible).collect()
}

/// Replaces control characters (ESC, CR, newlines…) with spaces so registry text cannot move
/// the cursor, recolour the terminal or forge extra output lines; bidirectional and
/// zero-width characters as [`visible`] says.
pub fn terminal_safe(text: &str) -> String {
    text.chars().filter_map(visible).map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// Multi-line text (a text diff) with control characters other than newlines removed.
pub fn terminal_safe_lines(text: &str) -> String {
    text.lines().map(|l| format!("{}\n", terminal_safe(l))).collect()
}

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

/// "1 trial", "3 trials": a count and its noun, plural with an `s`.
pub fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// `text` cut to at most `max` characters, with "…" when it was cut.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

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
