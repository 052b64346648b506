//! Text safety and small wording helpers, at the bottom of the house: every module may use
//! them (the store's warnings, the config's errors, the progress feedback, every renderer).
//!
//! Registry text is third-party: on a terminal it could carry escape sequences, in Markdown or
//! HTML invisible characters could hide inside names and links, and in a Word file a control
//! character makes the XML unreadable. The filters here are the one place that decides what a
//! character becomes; each output format's escaping builds on them.

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

/// An error's reason without the URL in front of it, short enough for a table cell (the whole
/// line goes to stderr).
pub fn short_reason(error: &str) -> String {
    if error.contains(" — the registry does not know ") {
        return "not found at the registry (a typo? withdrawn? merged?)".into();
    }
    let reason = match error.find("://") {
        Some(at) => error[at..].split_once(": ").map_or(error, |(_, rest)| rest),
        None => error,
    };
    clip(reason, 60)
}

/// The error chain on one line (`outer: inner: cause`), safe for a terminal.
pub fn one_line(e: &anyhow::Error) -> String {
    // Errors that print their source themselves (`path: os error`) would otherwise show the
    // OS message twice: a cause already at the end of the line is not repeated.
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.ends_with(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    terminal_safe(&line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_go_and_dangerous_ones_show() {
        assert_eq!(defang("a\u{200B}b\u{E0041}c\u{3164}d\u{FE0F}"), "abcd");
        assert_eq!(defang("x\u{202E}y"), "x\u{FFFD}y");
        assert_eq!(defang("line\u{2028}sep"), "line sep");
        assert_eq!(defang("\u{FFFE}\u{FFFF}\u{FDD0}"), "\u{FFFD}\u{FFFD}\u{FFFD}");
        assert_eq!(terminal_safe("a\x1b[31mb\nc"), "a [31mb c");
    }

    #[test]
    fn xml_keeps_tabs_and_newlines_only() {
        assert_eq!(xml_safe("a\u{b}b\u{1}c\td\ne"), "a b c\td\ne");
    }

    #[test]
    fn clip_and_plural() {
        assert_eq!(clip("abcdef", 3), "abc…");
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!((plural(1, "day"), plural(2, "day")), ("1 day".to_string(), "2 days".to_string()));
    }
}
