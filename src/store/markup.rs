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

use super::snapshot::{VOLATILE_FIELD, content_sha256};

/// True when a string may carry markup and is normalised.
fn is_text(s: &str) -> bool {
    s.contains([' ', '\n', '<', '&', '\\', '*'])
}

/// The words of a Markdown or HTML text.
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
    // Markdown escapes first, so `\<` is text and never the start of a tag.
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
    // HTML tags (`<` followed by a letter, `/` or `!`) become spaces; any other `<` is text.
    let chars: Vec<char> = unescaped.chars().collect();
    let mut text = String::with_capacity(unescaped.len());
    let mut i = 0;
    while i < chars.len() {
        let starts_tag =
            chars[i] == '<' && chars.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic() || *n == '/' || *n == '!');
        match (starts_tag, chars[i + 1..].iter().position(|c| *c == '>')) {
            (true, Some(len)) => {
                text.push(' ');
                i += len + 2;
            }
            _ => {
                text.push(chars[i]);
                i += 1;
            }
        }
    }
    // Entities, then emphasis markers.
    let text = text
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&");
    let out: String = text.chars().filter(|c| !matches!(c, '*' | '_' | '`' | '~')).collect();
    out.split_whitespace().collect::<Vec<_>>().join(" ")
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

/// The hash of [`normalized`]: equal for the same content served as Markdown or as HTML.
pub fn markup_insensitive_sha256(study: &Value) -> String {
    content_sha256(&normalized(study))
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
