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

use super::changes::cell;
use crate::config::STUDY_PAGE;
use crate::diff::{Change, Importance};
use crate::format::markdown;
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
///
/// Read from the top: a heading that says what happened, the title, one line with the
/// versions and the registry link, the high-importance changes as a list, the other changes
/// as an Importance | Change table (each change once), and, collapsed, the JSON paths of
/// every change and the text diff.
pub fn trial(t: &TrialNotice, budget: usize) -> String {
    let link = format!("[registry record]({STUDY_PAGE}{})", t.nct_id);
    let Some(from) = t.from else {
        let mut head = format!("{}\n### First snapshot of {} stored\n\n", marker(t.nct_id, t.sha256), t.nct_id);
        if let Some(title) = t.title {
            head.push_str(&format!("**{}**\n\n", cell(title)));
        }
        head.push_str(&format!(
            "ctwatch stored `{}` ({link}). From now on, every change to this record is reported here.\n",
            t.to
        ));
        return head;
    };
    let mut head = format!("{}\n### {} changed on ClinicalTrials.gov\n\n", marker(t.nct_id, t.sha256), t.nct_id);
    if let Some(title) = t.title {
        head.push_str(&format!("**{}**\n\n", cell(title)));
    }
    let n = t.changes.len();
    head.push_str(&format!("Version `{from}` → `{}` · {n} change{} · {link}\n\n", t.to, if n == 1 { "" } else { "s" }));
    let (important, other): (Vec<&Change>, Vec<&Change>) =
        t.changes.iter().partition(|c| c.importance == Importance::High);
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
    // The other changes, shortened if even without the details they would not fit.
    let rows: Vec<Vec<String>> = other.iter().map(|c| vec![c.importance.as_str().into(), cell(&c.summary)]).collect();
    let mut table = String::new();
    if !rows.is_empty() {
        let title = if important.is_empty() { "**Changes**\n\n" } else { "**Other changes**\n\n" };
        let mut shown = rows.len();
        let render =
            |k: usize| format!("{title}{}", markdown::table(&["Importance", "Change"], rows.iter().take(k).cloned()));
        table = render(shown);
        while head.len() + table.len() + 200 > budget && shown > 0 {
            shown /= 2;
            table = render(shown);
        }
        if shown < rows.len() {
            table.push_str(&format!(
                "\n_{} more changes not shown to keep this comment within GitHub's size limit; run `ctwatch diff {}` for all._\n",
                rows.len() - shown,
                t.nct_id
            ));
        }
    }
    let mut out = head + &table;
    let details_budget = budget.saturating_sub(out.len() + 200);
    out.push_str(&details(t.changes, t.text_diff, details_budget, t.nct_id, from, t.to));
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

/// The JSON paths of the changes and the text diff, in one collapsed block, cut to fit.
fn details(changes: &[Change], diff: &str, budget: usize, id: &NctId, from: &str, to: &str) -> String {
    if (diff.is_empty() && changes.is_empty()) || budget < 200 {
        return String::new();
    }
    let mut paths = String::new();
    let mut listed = 0;
    for c in changes {
        let line = format!("- {}\n", markdown::text(&crate::text::clip(&c.path, 200)));
        if paths.len() + line.len() > budget / 3 {
            break;
        }
        paths.push_str(&line);
        listed += 1;
    }
    if listed < changes.len() {
        paths.push_str(&format!("- … and {} more\n", changes.len() - listed));
    }
    let budget = budget.saturating_sub(paths.len() + 120);
    let diff_part = if diff.is_empty() || budget < 100 { String::new() } else { text_diff(diff, budget, id, from, to) };
    format!("\n<details><summary>Fields changed and the text diff</summary>\n\n{paths}{diff_part}\n</details>\n")
}

/// The text diff, cut at a line boundary to fit.
fn text_diff(diff: &str, budget: usize, id: &NctId, from: &str, to: &str) -> String {
    let mut body = String::new();
    let mut cut = false;
    for line in diff.lines() {
        if body.len() + line.len() + 1 > budget.saturating_sub(40) {
            cut = true;
            break;
        }
        // The diff shows registry text verbatim; break `<!--` so that the only marker-like
        // string in a notice is our own first line (the Action searches comments for it).
        body.push_str(&crate::text::defang(line).replace("<!--", "<\u{2060}!--"));
        body.push('\n');
    }
    let note = if cut {
        format!(
            "\n_Text diff truncated to fit this comment; run `ctwatch diff {id} --from {from} --to {to} --text` for all of it._\n"
        )
    } else {
        String::new()
    };
    format!("\n{}{note}", markdown::fenced(&body, "diff"))
}
