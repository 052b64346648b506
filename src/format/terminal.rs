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

/// Width of tables in piped output when `COLUMNS` is not set: fixed, so saved output and
/// scripts do not depend on who ran the command. Prose is not wrapped there.
pub const PIPED_WIDTH: usize = 120;

/// The narrowest width ctwatch lays out for; a smaller `COLUMNS` counts as this.
const MIN_WIDTH: usize = 40;

/// The width to fit: `$COLUMNS` when it is set, else the terminal's own width when stdout is
/// a terminal; `None` when output is piped (then tables use [`PIPED_WIDTH`] and prose is left
/// as it is).
pub fn width() -> Option<usize> {
    use std::io::IsTerminal;
    if let Some(w) = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok()).filter(|w| *w > 0) {
        return Some(w.max(MIN_WIDTH));
    }
    if !std::io::stdout().is_terminal() {
        return None;
    }
    terminal_size::terminal_size().map(|(w, _)| usize::from(w.0).max(MIN_WIDTH))
}

/// Columns a string takes on a terminal (wide characters count two).
pub fn columns(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// Prose for the terminal: each line wrapped at [`width`], continuation lines indented by
/// `indent` spaces; unchanged when output is piped.
pub fn prose(text: &str, indent: usize) -> String {
    match width() {
        Some(w) => text.split('\n').map(|line| wrap(line, w, indent).join("\n")).collect::<Vec<_>>().join("\n"),
        None => text.to_string(),
    }
}

/// [`prose`] as one line of output, ending in a newline.
pub fn line(text: &str, indent: usize) -> String {
    let mut out = prose(text, indent);
    out.push('\n');
    out
}

/// Breaks `line` at spaces into lines of at most `width` columns, continuation lines indented
/// by `indent`. A word longer than a line is cut. A lone `%`, `–` or `→` stays with the word
/// before it, so "40 %" and "2028-01-03 → 2028-07-01" do not break at the sign.
pub fn wrap(line: &str, width: usize, indent: usize) -> Vec<String> {
    let width = width.max(indent + 10);
    let lead: String = line.chars().take_while(|c| *c == ' ').collect();
    let mut words: Vec<String> = Vec::new();
    for word in line[lead.len()..].split(' ') {
        match words.last_mut() {
            Some(last) if matches!(word, "%" | "–" | "→") => {
                last.push(' ');
                last.push_str(word);
            }
            _ => words.push(word.to_string()),
        }
    }
    let mut out = Vec::new();
    let mut current = lead;
    let mut has_word = false;
    for word in words {
        let room = width.saturating_sub(columns(&current));
        if has_word && columns(&word) + 1 > room {
            out.push(std::mem::take(&mut current));
            current = " ".repeat(indent);
            has_word = false;
        }
        if has_word {
            current.push(' ');
        }
        // A word that cannot fit a whole line is cut into line-long pieces.
        let mut rest = word.as_str();
        while columns(&current) + columns(rest) > width && columns(&current) < width {
            let room = width - columns(&current);
            let cut = cut_at_columns(rest, room);
            if cut == 0 {
                break;
            }
            current.push_str(&rest[..cut]);
            out.push(std::mem::take(&mut current));
            current = " ".repeat(indent);
            rest = &rest[cut..];
        }
        current.push_str(rest);
        has_word = true;
    }
    out.push(current);
    out
}

/// The byte length of the longest prefix of `s` that fits `room` columns.
fn cut_at_columns(s: &str, room: usize) -> usize {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        used += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used > room {
            return i;
        }
    }
    s.len()
}

/// A terminal table whose cells may hold several lines (`\n` from ctwatch's own layout; each
/// line is made safe and clipped like [`table`]'s cells).
pub fn table_lines(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let rows = rows.into_iter().map(|row| {
        row.iter()
            .map(|cell| cell.split('\n').map(|l| clip(&terminal_safe(l), CELL_CHARS)).collect::<Vec<_>>().join("\n"))
            .collect::<Vec<String>>()
    });
    layout(header, rows.collect())
}

/// A terminal table with ctwatch's look; registry text in cells is made safe and clipped to
/// [`CELL_CHARS`]. It fits [`width`] (or [`PIPED_WIDTH`]): the last column (the prose) wraps,
/// and a table whose other columns alone are too wide is laid out vertically, one block per
/// row.
pub fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let rows = rows.into_iter().map(|row| row.iter().map(|c| clip(&terminal_safe(c), CELL_CHARS)).collect()).collect();
    layout(header, rows)
}

/// The table at `width`: as a grid whose short columns keep their width; else as a grid
/// whose every column may wrap between words (when the longest words of all columns fit);
/// else one block per row.
fn layout(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let width = width().unwrap_or(PIPED_WIDTH);
    let fits = |t: &str| t.lines().all(|l| columns(l) <= width);
    let kept = grid(header, &rows, width, true);
    if fits(&kept) {
        return kept;
    }
    let longest_words: usize = (0..header.len())
        .map(|i| {
            let cells = rows.iter().filter_map(|r| r.get(i)).map(String::as_str);
            std::iter::once(header[i]).chain(cells).flat_map(str::split_whitespace).map(columns).max().unwrap_or(0)
        })
        .sum();
    if longest_words + 3 * header.len() < width {
        let wrapped = grid(header, &rows, width, false);
        if fits(&wrapped) {
            return wrapped;
        }
    }
    vertical(header, &rows, width)
}

fn grid(header: &[&str], rows: &[Vec<String>], width: usize, keep_short_columns: bool) -> String {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width as u16);
    table.set_header(header.iter().copied());
    for row in rows {
        table.add_row(row);
    }
    // Short columns keep their width; only the last (the prose) wraps, and only when it is
    // longer than 24 columns. Without `keep_short_columns`, comfy-table wraps any column.
    if !keep_short_columns {
        let mut text = table.to_string();
        text.push('\n');
        return text;
    }
    let last = header.len().saturating_sub(1);
    let last_width = rows
        .iter()
        .filter_map(|r| r.get(last))
        .flat_map(|c| c.lines())
        .chain(header.get(last).copied())
        .map(columns)
        .max()
        .unwrap_or(0);
    for (i, column) in table.column_iter_mut().enumerate() {
        if i < last || last_width <= 24 {
            column.set_constraint(comfy_table::ColumnConstraint::ContentWidth);
        } else {
            column.set_constraint(comfy_table::ColumnConstraint::LowerBoundary(comfy_table::Width::Fixed(24)));
        }
    }
    let mut text = table.to_string();
    text.push('\n');
    text
}

/// The table as one block per row, for a terminal too narrow for its columns: the first cell
/// as the block's title, then each other column as `label  value`, values wrapped.
fn vertical(header: &[&str], rows: &[Vec<String>], width: usize) -> String {
    let label = header.iter().skip(1).map(|h| columns(h)).max().unwrap_or(0).min(width / 3);
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let title = row.first().map(|c| c.split('\n').collect::<Vec<_>>().join(" — ")).unwrap_or_default();
        for line in wrap(&title, width, 2) {
            out.push_str(&line);
            out.push('\n');
        }
        for (h, cell) in header.iter().zip(row).skip(1) {
            let pad = " ".repeat(label.saturating_sub(columns(h)));
            let indent = 2 + label + 2;
            let mut first = true;
            for value_line in cell.split('\n') {
                let head = if first { format!("  {h}{pad}  ") } else { " ".repeat(indent) };
                first = false;
                for line in wrap(&format!("{head}{value_line}"), width, indent) {
                    out.push_str(line.trim_end());
                    out.push('\n');
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_keeps_signs_with_their_number_and_indents() {
        let lines = wrap("14 of 35 participants (40 %) after 48 % of the period", 20, 2);
        assert_eq!(lines, ["14 of 35", "  participants (40", "  %) after 48 % of", "  the period"]);
        assert!(lines.iter().all(|l| columns(l) <= 20));
        let arrows = wrap("  2026-03-02  date 2028-01-03 → 2028-07-01 (estimated)", 40, 14);
        assert_eq!(arrows, ["  2026-03-02  date 2028-01-03 →", "              2028-07-01 (estimated)"]);
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut_and_nothing_is_lost() {
        let word = "x".repeat(50);
        let lines = wrap(&format!("a {word} b"), 20, 0);
        assert!(lines.iter().all(|l| columns(l) <= 20), "{lines:?}");
        assert_eq!(lines.concat().replace(' ', ""), format!("a{word}b"));
    }

    #[test]
    fn a_table_too_wide_for_its_columns_becomes_one_block_per_row() {
        let header = ["Version", "Status", "Start"];
        let rows = vec![vec!["2025-06-26".to_string(), "recruiting".to_string(), "2025-01-03 (actual)".to_string()]];
        let text = vertical(&header, &rows, 40);
        assert_eq!(text, "2025-06-26\n  Status  recruiting\n  Start   2025-01-03 (actual)\n");
        let grid = grid(&header, &rows, 120, true);
        assert!(grid.lines().all(|l| columns(l) <= 120) && grid.contains("┆ recruiting ┆"), "{grid}");
    }
}
