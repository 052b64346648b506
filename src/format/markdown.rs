//! Markdown for GitHub, with registry text defused.
//!
//! GitHub turns `@user` into a notification; `#12`, `GH-12` and `owner/repo#12` into
//! cross-references; URLs (`https://…`, `www.…`, issue and pull-request links) and commit SHAs
//! into live links; and renders raw HTML. Text from the registry must do none of that in a
//! notice posted by a bot, so [`text`] escapes Markdown and HTML metacharacters and breaks every
//! autolink form with a word joiner (U+2060) that GitHub does not link across. Bidirectional
//! controls and zero-width characters in registry text are made visible or dropped first
//! ([`crate::text::visible`]), so registry text cannot spoof what a reader sees.

use super::Block;

/// U+2060 WORD JOINER: invisible, and it stops GitHub's autolinker from seeing `@name`/`#1`.
const JOINER: char = '\u{2060}';

/// Escapes registry text for use in Markdown prose or a table cell.
pub fn text(input: &str) -> String {
    let chars: Vec<char> = input.chars().filter_map(crate::text::visible).collect();
    let mut out = String::with_capacity(input.len() + 8);
    let hex_runs = hex_words(&chars);
    for (i, &c) in chars.iter().enumerate() {
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
            // `https://…`: GitHub's autolinker needs the two slashes together.
            '/' if i > 0 && chars[i - 1] == ':' => {
                out.push(c);
                out.push(JOINER);
            }
            // `GH-12` and `www.example.org`.
            '-' | '.' if ends_with_word(&chars[..i], if c == '-' { "gh" } else { "www" }) => {
                out.push(JOINER);
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            c if c.is_control() => out.push(' '),
            c => {
                out.push(c);
                // A commit SHA (7 to 40 hex digits as a word) is linked when it exists in the
                // repository: break it after its fourth digit.
                if hex_runs.get(i).copied().unwrap_or(false) {
                    out.push(JOINER);
                }
            }
        }
    }
    out
}

/// True when `before` ends with the word `word` (ASCII case-insensitive, at a word start).
fn ends_with_word(before: &[char], word: &str) -> bool {
    let n = word.chars().count();
    before.len() >= n
        && before[before.len() - n..].iter().zip(word.chars()).all(|(a, b)| a.eq_ignore_ascii_case(&b))
        && (before.len() == n || !before[before.len() - n - 1].is_alphanumeric())
}

/// Marks, for every word of 7–40 hex digits, the position after which a joiner goes.
fn hex_words(chars: &[char]) -> Vec<bool> {
    let mut marks = vec![false; chars.len()];
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_alphanumeric() {
            i += 1;
        }
        let word = &chars[start..i];
        if (7..=40).contains(&word.len()) && word.iter().all(char::is_ascii_hexdigit) {
            marks[start + 3] = true;
        }
    }
    marks
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
///
/// Callers pass registry text through [`crate::text::defang`] first.
pub fn fenced(text: &str, info: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let body = text.strip_suffix('\n').unwrap_or(text);
    format!("{fence}{info}\n{body}\n{fence}\n")
}

/// Renders blocks; `chart_href` is the SVG file the chart block links to.
pub fn render(blocks: &[Block], chart_href: Option<&str>) -> String {
    let mut out = String::new();
    for block in blocks {
        match block {
            Block::Title(t) => out.push_str(&format!("# {}\n\n", text(t))),
            Block::Heading(h) => out.push_str(&format!("## {}\n\n", text(h))),
            Block::Subheading(h) => out.push_str(&format!("### {}\n\n", text(h))),
            Block::Para(p) | Block::Verbatim(p) => out.push_str(&format!("{}\n\n", text(p))),
            Block::Lead(p) => out.push_str(&format!("> **{}**\n\n", text(p))),
            Block::ToComplete(p) => out.push_str(&format!("*{}*\n\n", text(p))),
            Block::Facts(pairs) => {
                out.push_str(&table(&["", ""], pairs.iter().map(|(k, v)| vec![format!("**{}**", text(k)), text(v)])));
                out.push('\n');
            }
            Block::Table(header, rows) => {
                let header: Vec<&str> = header.iter().map(String::as_str).collect();
                out.push_str(&table(&header, rows.iter().map(|r| r.iter().map(|c| text(c)).collect())));
                out.push('\n');
            }
            Block::List(items) => {
                for i in items {
                    out.push_str(&format!("- {}\n", text(i)));
                }
                out.push('\n');
            }
            Block::Link(label, link_text, url) => {
                // Link text and URL are ctwatch's own (the registry page of a validated id).
                out.push_str(&format!("{}: [{link_text}]({url})\n\n", text(label)));
            }
            Block::Links(label, links) => {
                let links: Vec<String> = links.iter().map(|(t, url)| format!("[{}]({url})", text(t))).collect();
                out.push_str(&format!("{}: {}\n\n", text(label), links.join(" · ")));
            }
            Block::Signature(rows) => {
                let blank = "\\_".repeat(24);
                let rows = rows
                    .iter()
                    .map(|(k, v)| vec![format!("**{}**", text(k)), if v.is_empty() { blank.clone() } else { text(v) }]);
                out.push_str(&table(&["", ""], rows));
                out.push('\n');
            }
            Block::Footer(note) => out.push_str(&format!("---\n\n*{}*\n", text(note))),
            Block::Chart(alt) => {
                if let Some(href) = chart_href {
                    out.push_str(&format!("![{}]({href})\n\n", text(alt)));
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
    fn defuses_mentions_references_and_html() {
        let t = text("@org/team see #1 and owner/repo#2 <script>x</script> a|b `c`");
        assert!(!t.contains("@org"), "{t}");
        assert!(!t.contains("#1"), "{t}");
        assert!(!t.contains("repo#2"), "{t}");
        assert!(!t.contains('<') && !t.contains('>'), "{t}");
        assert!(t.contains("a\\|b") && t.contains("\\`c\\`"), "{t}");
    }

    #[test]
    fn defuses_every_autolink_form_and_invisible_characters() {
        let t = text(
            "GH-56 gh-7 see https://github.com/o/r/issues/3 and http://x.org, www.example.org, commit a5c3785ed8d6a35868bc169f07e40e889087fd2e",
        );
        for live in ["GH-56", "gh-7", "https://", "http://", "www.example", "a5c3785ed8d6a35868bc169f07e40e889087fd2e"]
        {
            assert!(!t.contains(live), "{live} stays live in {t}");
        }
        // Words that merely contain the patterns are untouched.
        assert_eq!(text("BIGH-5 awww.x 123456"), "BIGH-5 awww.x 123456");
        let spoof = text("safe\u{202E}txt.exe\u{200B}\u{2060}x\u{FEFF}");
        assert_eq!(spoof, "safe\u{FFFD}txt.exex");
    }

    #[test]
    fn fences_outgrow_backtick_runs() {
        assert_eq!(fenced("a\n", "diff"), "```diff\na\n```\n");
        assert_eq!(fenced("x ````` y", ""), "``````\nx ````` y\n``````\n");
    }
}
