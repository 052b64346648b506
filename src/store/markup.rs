//! Markup-insensitive comparison of records from different sources.
//!
//! API v2 serves free text as Markdown (`markupFormat=markdown`); the registry's version-history
//! API serves the same text as HTML. The same words then differ byte for byte
//! (`\< 50 ng/dl` versus `&lt; 50 ng/dl`, `* item` versus `<li>item</li>`). Snapshots keep
//! the text exactly as served; when two versions come from different origins they are compared
//! on a normalised form in which every free-text string is reduced to its words: HTML tags
//! and entities, Markdown escapes, emphasis and list markers removed, whitespace collapsed.
//! Enum values, dates and numbers (no spaces or markup) are left alone.

use serde_json::Value;

use super::snapshot::VOLATILE_FIELD;

/// True when a string may carry markup and is normalised.
fn is_text(s: &str) -> bool {
    s.contains([' ', '\n', '<', '&', '\\', '*'])
}

/// The words of a Markdown or HTML text.
///
/// Linear in the length of `s`: every pass walks the text once (a tag's end is searched for
/// at most once from each `<`, and a `<` without a later `>` ends the search for good).
pub fn plain_text(s: &str) -> String {
    // Markdown list markers and headings at line starts.
    let mut lines = String::with_capacity(s.len());
    for line in s.lines() {
        let t = line.trim_start();
        let t = t.trim_start_matches('#');
        let t = t.strip_prefix("* ").or_else(|| t.strip_prefix("- ")).or_else(|| t.strip_prefix("+ ")).unwrap_or(t);
        let t = match t.split_once(". ") {
            Some((n, rest)) if !n.is_empty() && n.len() <= 3 && n.bytes().all(|b| b.is_ascii_digit()) => rest,
            _ => t,
        };
        lines.push_str(t);
        lines.push(' ');
    }
    // Markdown escapes first, so `\<` is text and never the start of a tag: an escaped `<`,
    // `>` or `&` becomes its character reference, decoded with all the others below.
    let mut unescaped = String::with_capacity(lines.len());
    let mut chars = lines.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek().copied()) {
            ('\\', Some('<')) => {
                chars.next();
                unescaped.push_str("&lt;");
            }
            ('\\', Some('>')) => {
                chars.next();
                unescaped.push_str("&gt;");
            }
            ('\\', Some('&')) => {
                chars.next();
                unescaped.push_str("&amp;");
            }
            ('\\', Some(n)) if n.is_ascii_punctuation() => {
                chars.next();
                unescaped.push(n);
            }
            (c, _) => unescaped.push(c),
        }
    }
    let text = htmlize::unescape(strip_tags(&unescaped));
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_whitespace()).filter(|w| !w.is_empty()) {
        let word: String = word.chars().filter(|c| !matches!(c, '*' | '_' | '`' | '~')).collect();
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word);
    }
    out
}

/// HTML tags (`<` followed by a letter, `/` or `!`, up to the next `>`) become spaces; any
/// other `<` is text. One pass: the position of the next `>` is found by a forward search that
/// never rescans, so a text full of `<` without any `>` stays linear.
fn strip_tags(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut copied = 0;
    // Where the next `>` at or after the search point is (None once there is none left).
    let mut next_gt: Option<Option<usize>> = None;
    while i < bytes.len() {
        if bytes[i] == b'<' && bytes.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic() || *n == b'/' || *n == b'!') {
            let gt = match next_gt {
                Some(Some(g)) if g > i => Some(g),
                Some(None) => None,
                _ => {
                    let found = s[i + 1..].find('>').map(|p| p + i + 1);
                    next_gt = Some(found);
                    found
                }
            };
            if let Some(g) = gt {
                out.push_str(&s[copied..i]);
                out.push(' ');
                i = g + 1;
                copied = i;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&s[copied..]);
    out
}

/// The study with every free-text string reduced to its words (and no volatile field).
pub fn normalized(study: &Value) -> Value {
    fn walk(v: &Value) -> Value {
        match v {
            Value::String(s) if is_text(s) => Value::String(plain_text(s)),
            Value::Array(a) => Value::Array(a.iter().map(walk).collect()),
            Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), walk(v))).collect()),
            other => other.clone(),
        }
    }
    let mut out = walk(study);
    let (parent, key) = VOLATILE_FIELD;
    if let Some(m) = out.pointer_mut(parent).and_then(Value::as_object_mut) {
        m.remove(key);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn markdown_and_html_forms_of_the_same_text_agree() {
        let md = "Inclusion Criteria:\n\n* Adenocarcinoma of the prostate.\n* Testosterone level \\< 50 ng/dl or 1.7 nmol/l.\n* Age \\> = 18 years old.\n\nExclusion Criteria:\n\n* **Serum** testosterone \\> 50 ng/ml.";
        let html = "<p>Inclusion Criteria:</p><ul><li>Adenocarcinoma of the prostate.</li><li>Testosterone level &lt; 50 ng/dl or 1.7 nmol/l.</li><li>Age &gt; = 18 years old.</li></ul><p>Exclusion Criteria:</p><ul><li><strong>Serum</strong> testosterone &gt; 50 ng/ml.</li></ul>";
        assert_eq!(plain_text(md), plain_text(html));
        assert_eq!(plain_text("1. first\n2. second"), "first second");
        assert_eq!(plain_text("level < 50 and > 2"), "level < 50 and > 2", "a lone < is text");
    }

    #[test]
    fn every_character_reference_is_decoded() {
        // The history API's most common entity is `&#x2F;` (55 of 73 in real bodies).
        assert_eq!(plain_text("doi:10.1056&#x2F;NEJMoa2007764"), plain_text("doi:10.1056/NEJMoa2007764"));
        assert_eq!(plain_text("&eacute;t&eacute; &#233; &#xE9; &hellip; &mdash; &nbsp;x"), "été é é … — x");
        assert_eq!(plain_text("a &amp;lt; b"), "a &lt; b", "decoded once, not twice");
        assert_eq!(plain_text("AT&T &unknown; &"), "AT&T &unknown; &", "not a reference: kept");
    }

    #[test]
    fn long_texts_stay_linear() {
        // Quadratic before: a `<` followed by a letter scanned the rest for `>` every time.
        let hostile = "<a".repeat(200_000);
        let started = std::time::Instant::now();
        assert_eq!(plain_text(&hostile), hostile);
        let tags = "<b>x</b>".repeat(100_000);
        assert_eq!(plain_text(&tags).len(), "x ".repeat(100_000).trim_end().len());
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
    }

    #[test]
    fn enums_dates_and_numbers_are_untouched() {
        let s = json!({"a": "NOT_YET_RECRUITING", "b": "2025-01-03", "c": 35, "d": "x  y", "derivedSection": {"miscInfoModule": {"versionHolder": "2025-01-01"}}});
        let n = normalized(&s);
        assert_eq!(n["a"], "NOT_YET_RECRUITING");
        assert_eq!(n["b"], "2025-01-03");
        assert_eq!(n["c"], 35);
        assert_eq!(n["d"], "x y");
        assert!(n["derivedSection"]["miscInfoModule"].get("versionHolder").is_none());
    }
}
