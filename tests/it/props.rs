//! Property tests: the parsers and escapers that registry text and the sponsor's files reach,
//! run on generated input (256 cases each; `PROPTEST_CASES` raises it for a longer fuzzing
//! session). No panic anywhere; the canonical form is a fixed point; no live reference, raw
//! tag or invisible character survives an escaper.

use std::collections::BTreeMap;

use ctwatch::accrual::{self, SiteNames};
use ctwatch::format::html;
use ctwatch::format::markdown;
use ctwatch::store::{canonical, content_sha256, markup};
use proptest::prelude::*;
use serde_json::Value;

/// Arbitrary JSON, nested up to 6 levels, with registry-like and hostile strings.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        hostile_text().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(hostile_text(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Text mixing markup, entities, autolink forms, controls and invisible characters.
fn hostile_text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        "[a-zA-Z0-9 ]{0,12}",
        Just("<".to_string()),
        Just(">".to_string()),
        Just("<b>".to_string()),
        Just("</li>".to_string()),
        Just("<!--".to_string()),
        Just("&amp;".to_string()),
        Just("&#x2F;".to_string()),
        Just("&#233;".to_string()),
        Just("&bogus;".to_string()),
        Just("\\<".to_string()),
        Just("**".to_string()),
        Just("@team".to_string()),
        Just("#12".to_string()),
        Just("GH-56".to_string()),
        Just("https://github.com/o/r/pull/1".to_string()),
        Just("www.x.org".to_string()),
        Just("a5c3785ed8d6a358".to_string()),
        Just("\u{202E}".to_string()),
        Just("\u{200B}".to_string()),
        Just("\u{2060}".to_string()),
        Just("\u{1b}[31m".to_string()),
        Just("\n".to_string()),
        Just("|`~_[]".to_string()),
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(pieces, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn canonical_form_is_a_fixed_point(v in json()) {
        let once = canonical(&v);
        let back: Value = serde_json::from_str(&once).unwrap();
        prop_assert_eq!(canonical(&back), once);
        prop_assert_eq!(content_sha256(&back), content_sha256(&v));
    }

    #[test]
    fn the_markup_normaliser_never_panics_and_yields_clean_words(s in hostile_text()) {
        let words = markup::plain_text(&s);
        prop_assert!(!words.contains("  ") && words.trim() == words, "{:?}", words);
        let v = Value::String(s);
        let _ = markup::normalized(&v);
    }

    #[test]
    fn markdown_text_leaves_nothing_live(s in hostile_text()) {
        let t = markdown::text(&s);
        prop_assert!(!t.contains('<') && !t.contains('>') && !t.contains('\n'), "{:?}", t);
        prop_assert!(!t.contains("://"), "{:?}", t);
        // GitHub links `GH-12` and `www.` only at the start of a word.
        let lower = t.to_ascii_lowercase();
        for pattern in ["gh-", "www."] {
            for (at, _) in lower.match_indices(pattern) {
                let word_start = lower[..at].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
                let live = word_start && (pattern == "www." || lower[at + 3..].starts_with(|c: char| c.is_ascii_digit()));
                prop_assert!(!live, "{:?}", t);
            }
        }
        for (i, c) in t.char_indices() {
            if c == '@' || c == '#' {
                prop_assert!(t[i + 1..].starts_with('\u{2060}'), "{:?}", t);
            }
            prop_assert!(!matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}'), "{:?}", t);
            prop_assert!(!c.is_control(), "{:?}", t);
        }
    }

    #[test]
    fn html_escape_leaves_no_raw_markup(s in hostile_text()) {
        let t = html::escape(&s);
        prop_assert!(!t.contains('<') && !t.contains('>') && !t.contains('"') && !t.contains('\''), "{:?}", t);
        prop_assert!(!t.chars().any(|c| matches!(c, '\u{202A}'..='\u{202E}' | '\u{200B}')), "{:?}", t);
    }

    #[test]
    fn html_content_adds_only_its_own_no_wrap_spans(s in hostile_text(), date in "[0-9]{4}-[0-9]{2}-[0-9]{2}", n in 0u32..1000) {
        let text = format!("{s} {date} {n} % {s}");
        let t = html::content(&text);
        let bare = t.replace("<span class=\"nb\">", "").replace("</span>", "");
        prop_assert!(!bare.contains('<') && !bare.contains('>') && !bare.contains('"'), "{:?}", t);
        prop_assert_eq!(bare.replace('\u{a0}', " "), html::escape(&text).replace('\u{a0}', " "));
        prop_assert!(t.contains(&format!("<span class=\"nb\">{date}</span>")), "{:?}", t);
    }

    #[test]
    fn the_accrual_reader_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400), rows in prop::collection::vec(hostile_text(), 0..6)) {
        let dir = tempfile::tempdir().unwrap();
        let names = SiteNames::new(&["UMC Groningen".into()], &BTreeMap::new()).unwrap();
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let raw = dir.path().join("raw.csv");
        std::fs::write(&raw, &bytes).unwrap();
        let _ = accrual::read(&raw, &names, as_of);
        let text = format!("participant_id,site,enrolled_on,withdrawn_on\n{}", rows.join(",2025-01-01,\n"));
        let csv = dir.path().join("log.csv");
        std::fs::write(&csv, text).unwrap();
        if let Err(e) = accrual::read(&csv, &names, as_of) {
            prop_assert!(e.to_string().len() < 600, "{}", e);
        }
    }
}
