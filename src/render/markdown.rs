//! Markdown for GitHub, with registry text defused.
//!
//! GitHub turns `@user` into a notification, `#12` and `owner/repo#12` into cross-references,
//! and renders raw HTML. Text from the registry must do none of that in a notice posted by a
//! bot, so [`text`] escapes Markdown and HTML metacharacters and breaks mentions and issue
//! references with a zero-width joiner that GitHub does not link across.

/// U+2060 WORD JOINER: invisible, and it stops GitHub's autolinker from seeing `@name`/`#1`.
const JOINER: char = '\u{2060}';

/// Escapes registry text for use in Markdown prose or a table cell.
pub fn text(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + 8);
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '@' | '#' => {
                out.push(c);
                out.push(JOINER);
            }
            '\r' | '\n' => out.push(' '),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A GitHub table; every cell must already be escaped with [`text`] or be our own text.
pub fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = format!("| {} |\n|{}\n", header.join(" | "), "---|".repeat(header.len()));
    for row in rows {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    out
}

/// A fenced code block that registry text cannot break out of: the fence is longer than the
/// longest backtick run in the text (CommonMark §4.5), and nothing inside is interpreted.
pub fn fenced(text: &str, info: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let body = text.strip_suffix('\n').unwrap_or(text);
    format!("{fence}{info}\n{body}\n{fence}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defuses_mentions_references_and_html() {
        let t = text("@org/team see #1 and owner/repo#2 <script>x</script> a|b `c`");
        assert!(!t.contains("@org"), "{t}");
        assert!(!t.contains("#1"), "{t}");
        assert!(!t.contains("repo#2"), "{t}");
        assert!(!t.contains('<') && !t.contains('>'), "{t}");
        assert!(t.contains("a\\|b") && t.contains("\\`c\\`"), "{t}");
    }

    #[test]
    fn fences_outgrow_backtick_runs() {
        assert_eq!(fenced("a\n", "diff"), "```diff\na\n```\n");
        assert_eq!(fenced("x ````` y", ""), "``````\nx ````` y\n``````\n");
    }
}
