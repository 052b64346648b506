//! The change notice: Markdown for a GitHub issue comment, posted by a bot.
//!
//! The first line of each trial's section is a hidden marker,
//! `<!-- ctwatch:<NCT>:sha256:<hex> -->`, built only from the validated id and the new
//! snapshot's hash, so the GitHub Action can tell whether this notice was already posted.
//! Registry text is third-party: outside code it is escaped so it cannot mention people,
//! reference issues or inject HTML (which also means it can never forge a marker), and the
//! text diff sits in a fence longer than any backtick run in it, with `<!--` broken by an
//! invisible word joiner so no marker can be forged there either. GitHub rejects comments over
//! 65,536 characters; a notice stays under [`MAX_CHARS`], shortening the text diff first and
//! then the change table, with a note saying so.

use super::changes::{MARKDOWN_HEADER, cell, markdown_rows};
use super::markdown;
use crate::config::STUDY_PAGE;
use crate::diff::{Change, Importance};
use crate::nct::NctId;

/// Upper bound on a whole notice, in characters.
pub const MAX_CHARS: usize = 60_000;

/// At most this many high-importance changes are listed above the table.
const IMPORTANT_SHOWN: usize = 15;

/// One trial's part of a notice.
#[derive(Debug, Clone)]
pub struct TrialNotice<'a> {
    /// The trial.
    pub nct_id: &'a NctId,
    /// The record's brief title (registry text).
    pub title: Option<&'a str>,
    /// The older snapshot's file name; `None` for the first snapshot of a trial.
    pub from: Option<&'a str>,
    /// The new snapshot's file name.
    pub to: &'a str,
    /// The new snapshot's `content_sha256`.
    pub sha256: &'a str,
    /// The changes, most important first.
    pub changes: &'a [Change],
    /// Unified text diff of the canonical records.
    pub text_diff: &'a str,
}

/// The marker line that identifies a notice (our text only: id and hex hash).
pub fn marker(id: &NctId, sha256: &str) -> String {
    let hex: String = sha256.chars().filter(char::is_ascii_hexdigit).collect();
    format!("<!-- ctwatch:{id}:sha256:{hex} -->")
}

/// The whole notice for several trials, each under its own marker.
pub fn render(trials: &[TrialNotice]) -> String {
    let budget = MAX_CHARS / trials.len().max(1);
    let mut out = String::new();
    for (i, t) in trials.iter().enumerate() {
        let section = trial(t, budget);
        if out.len() + section.len() + 1 > MAX_CHARS {
            out.push_str(&format!(
                "\n_{} more trials changed; each trial's own notice (`ctwatch diff NCT --notice FILE`) lists its changes._\n",
                trials.len() - i
            ));
            break;
        }
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&section);
    }
    out
}

/// One trial's section within `budget` characters.
pub fn trial(t: &TrialNotice, budget: usize) -> String {
    let mut head = format!("{}\n### {} changed on ClinicalTrials.gov\n\n", marker(t.nct_id, t.sha256), t.nct_id);
    if let Some(title) = t.title {
        head.push_str(&format!("**{}**\n\n", cell(title)));
    }
    let link = format!("[registry record]({STUDY_PAGE}{})", t.nct_id);
    let Some(from) = t.from else {
        head.push_str(&format!(
            "First snapshot stored: `{}` ({link}). From now on, every change to this record is reported here.\n",
            t.to
        ));
        return head;
    };
    let n = t.changes.len();
    head.push_str(&format!("Version `{from}` → `{}` · {n} change{} · {link}\n\n", t.to, if n == 1 { "" } else { "s" }));
    let important: Vec<&Change> = t.changes.iter().filter(|c| c.importance == Importance::High).collect();
    if !important.is_empty() {
        head.push_str("**Important**\n\n");
        for c in important.iter().take(IMPORTANT_SHOWN) {
            head.push_str(&format!("- {}\n", cell(&c.summary)));
        }
        if important.len() > IMPORTANT_SHOWN {
            head.push_str(&format!(
                "- … and {} more high-importance changes (`ctwatch diff {}` lists them all)\n",
                important.len() - IMPORTANT_SHOWN,
                t.nct_id
            ));
        }
        head.push('\n');
    }
    // The table, shortened if even without the text diff it would not fit.
    let rows = markdown_rows(t.changes);
    let mut shown = rows.len();
    let mut table = markdown::table(&MARKDOWN_HEADER, rows.iter().take(shown).cloned());
    while head.len() + table.len() + 200 > budget && shown > 0 {
        shown /= 2;
        table = markdown::table(&MARKDOWN_HEADER, rows.iter().take(shown).cloned());
    }
    if shown < rows.len() {
        table.push_str(&format!(
            "\n_{} more changes not shown to keep this comment within GitHub's size limit; run `ctwatch diff {}` for all._\n",
            rows.len() - shown,
            t.nct_id
        ));
    }
    let mut out = head + &table;
    let diff_budget = budget.saturating_sub(out.len() + 200);
    out.push_str(&details(t.text_diff, diff_budget, t.nct_id, from, t.to));
    if out.len() > budget {
        // Even the capped lists do not fit this trial's share: the marker, the heading and a
        // count, which always fit.
        return format!(
            "{}\n### {} changed on ClinicalTrials.gov\n\nVersion `{from}` → `{}` · {n} change{} · {link}\n\n_Too many changes to list in this comment; run `ctwatch diff {}` for all of them._\n",
            marker(t.nct_id, t.sha256),
            t.nct_id,
            t.to,
            if n == 1 { "" } else { "s" },
            t.nct_id
        );
    }
    out
}

/// The text diff in a collapsed block, cut at a line boundary to fit.
fn details(diff: &str, budget: usize, id: &NctId, from: &str, to: &str) -> String {
    if diff.is_empty() || budget < 100 {
        return String::new();
    }
    let mut body = String::new();
    let mut cut = false;
    for line in diff.lines() {
        if body.len() + line.len() + 1 > budget.saturating_sub(40) {
            cut = true;
            break;
        }
        // The diff shows registry text verbatim; break `<!--` so that the only marker-like
        // string in a notice is our own first line (the Action searches comments for it).
        body.push_str(&super::defang(line).replace("<!--", "<\u{2060}!--"));
        body.push('\n');
    }
    let note = if cut {
        format!(
            "\n_Text diff truncated to fit this comment; run `ctwatch diff {id} --from {from} --to {to} --text` for all of it._\n"
        )
    } else {
        String::new()
    };
    format!(
        "\n<details><summary>Text diff of the record</summary>\n\n{}{note}\n</details>\n",
        markdown::fenced(&body, "diff")
    )
}
