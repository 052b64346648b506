//! The digest in words: table cells, the headline, the terminal table and the blocks the
//! Markdown and HTML renderers take.

use chrono::{Duration, NaiveDate};

use super::{Changes, Digest, Duties, FetchFailure, Recruitment, Span, TrialStatus};
use crate::diff;
use crate::format::blocks::Block;
use crate::format::terminal;
use crate::lang::{count, percent};

fn changes_cell(c: &Changes) -> String {
    if c.now_watched {
        return "now watched".into();
    }
    if c.high + c.medium + c.low == 0 {
        return "none".into();
    }
    let counts = format!("{} high, {} medium, {} low", c.high, c.medium, c.low);
    match &c.top {
        Some(top) => format!("{counts}: {}", crate::text::clip(top, 60)),
        None => counts,
    }
}

fn duties_cell(d: &Duties, sep: &str, as_of: NaiveDate) -> String {
    if d.errors + d.warnings == 0 {
        return "in order".into();
    }
    let mut parts = Vec::new();
    if d.errors > 0 {
        let since = d.overdue_since.map_or_else(String::new, |due| {
            format!(" since {due} ({})", crate::text::plural((as_of - due).num_days().max(0) as usize, "day"))
        });
        parts.push(format!("{} overdue{since}", d.errors));
    }
    if let Some(due) = d.upcoming {
        let days = (due - as_of).num_days();
        let text = match days {
            0 => format!("due today ({due})"),
            d if d > 0 => format!("due {due} (in {})", crate::text::plural(d as usize, "day")),
            // A warning about a time already passed (e.g. no update for a year).
            d => format!("to look at since {due} ({})", crate::text::plural((-d) as usize, "day")),
        };
        parts.push(format!("{} {text}", d.warnings));
    }
    parts.join(sep)
}

fn recruitment_cell(r: &Option<Recruitment>, sep: &str) -> String {
    match r {
        None => "no accrual log".into(),
        Some(r) => {
            let plan = if r.ahead_of_plan.abs() < 0.05 {
                "on plan".to_string()
            } else if r.ahead_of_plan > 0.0 {
                format!("{} ahead", count(r.ahead_of_plan))
            } else {
                format!("{} behind", count(-r.ahead_of_plan))
            };
            let risk = if r.at_risk { " (at risk)" } else { "" };
            let p = r
                .probability_on_time
                .map_or_else(String::new, |p| format!("{sep}{} on time{risk}", percent(100.0 * p)));
            format!("{} of {}, {plan}{p}", r.enrolled, r.target)
        }
    }
}

/// A row: `sep` joins the lines of a cell ("\n" on a terminal, "; " in Markdown and HTML).
fn row_cells(t: &TrialStatus, sep: &str, as_of: NaiveDate) -> Vec<String> {
    let mut status: String = if t.state.is_empty() {
        t.overall_status.as_deref().map_or_else(|| "–".into(), diff::humanize)
    } else {
        t.state.clone()
    };
    let updated = t.last_update.as_deref().unwrap_or("–");
    if sep == "\n" {
        status.push_str(&format!("\n{updated}"));
    } else {
        status.push_str(&format!("; last update {updated}"));
        if let Some(to_do) = &t.to_do {
            status.push_str(&format!("; to do: {to_do}"));
        }
    }
    let reasons = t.reasons();
    let flag = if reasons.is_empty() { "" } else { "⚠ " };
    let why = match (reasons.is_empty(), sep) {
        (true, _) => String::new(),
        // On a terminal one reason a line, short, so the column stays narrow.
        (false, "\n") => reasons
            .iter()
            .enumerate()
            .map(|(i, r)| {
                format!(
                    "\n{}{}",
                    if i == 0 { "why: " } else { "     " },
                    crate::text::clip(&crate::text::terminal_safe(r), 40)
                )
            })
            .collect(),
        (false, _) => format!("{sep}why: {}", reasons.join("; ")),
    };
    let trial = match &t.title {
        // On a terminal the title goes under the id; in a page it follows it.
        Some(title) if sep == "\n" => {
            format!("{flag}{}\n{}{why}", t.nct_id, crate::text::clip(&crate::text::terminal_safe(title), 26))
        }
        Some(title) => format!("{flag}{} — {}{why}", t.nct_id, crate::text::clip(title, 70)),
        None => format!("{flag}{}{why}", t.nct_id),
    };
    if t.title.is_none()
        && let Some(e) = &t.error
    {
        let why =
            t.fetch.as_ref().map_or_else(|| format!("error: {}", crate::text::clip(e, 120)), FetchFailure::summary);
        return vec![trial, "–".into(), "–".into(), "–".into(), why];
    }
    // A failed fetch is said once, under the trial, with the other reasons for the ⚠.
    let changes = changes_cell(&t.changes);
    vec![
        trial,
        status,
        duties_cell(&t.duties, sep, as_of),
        match &t.error {
            Some(e) => format!("error: {}", crate::text::clip(e, 80)),
            None => recruitment_cell(&t.recruitment, sep),
        },
        changes,
    ]
}

const HEADER: [&str; 5] = ["Trial", "Status, last update", "Registry duties", "Recruitment", "Registry changes"];

fn headline(d: &Digest) -> String {
    let n = d.trials.len();
    let action = d.trials.iter().filter(|t| t.needs_action()).count();
    let instant = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M UTC");
    let window = match (d.window.span, d.window.source) {
        (Span::Posted { after, up_to }, _) => {
            format!("Changes the registry posted from {} to {up_to}.", after + Duration::days(1))
        }
        (Span::Stored { after, .. }, "previous digest") => {
            format!("Changes ctwatch found since the previous digest (which covered up to {}).", instant(after))
        }
        (Span::Stored { after, .. }, _) => {
            format!("Changes ctwatch found since {} (the first digest: the last 7 days).", instant(after))
        }
    };
    format!(
        "{n} trial{}, {action} need{} action (⚠). {window}",
        if n == 1 { "" } else { "s" },
        if action == 1 { "s" } else { "" },
    )
}

/// Each change line with both of its dates, by trial in the table's order; a newly watched
/// trial in one line.
fn change_lines(d: &Digest) -> Vec<String> {
    let mut lines = Vec::new();
    for t in &d.trials {
        if t.changes.now_watched {
            lines.push(format!(
                "{}: now watched ({})",
                t.nct_id,
                t.overall_status.as_deref().map_or("–".into(), diff::humanize)
            ));
        }
        for i in &t.changes.items {
            lines.push(format!(
                "{}: {} ({}; posted {}, found {})",
                t.nct_id,
                i.summary,
                i.importance.as_str(),
                i.posted,
                i.found
            ));
        }
    }
    lines
}

/// The digest for a terminal: the headline, the table, then each change on its own line.
pub fn terminal(d: &Digest) -> String {
    let mut out = terminal::line(&headline(d), 0);
    out.push_str(&terminal::table_lines(&HEADER, d.trials.iter().map(|t| row_cells(t, "\n", d.as_of))));
    let lines = change_lines(d);
    if !lines.is_empty() {
        out.push_str("\nChanges:\n");
        for l in lines {
            out.push_str(&terminal::line(&format!("  {}", crate::text::terminal_safe(&l)), 4));
        }
    }
    out
}

/// The digest as report blocks (Markdown and HTML from one model); `issues` is the issues
/// page that holds each trial's notice issue, when known.
pub fn blocks(d: &Digest, issues: Option<&str>) -> Vec<Block> {
    let mut blocks = vec![
        Block::Title(format!("Portfolio status as of {}", d.as_of)),
        Block::Lead(headline(d)),
        Block::Table(HEADER.map(String::from).to_vec(), d.trials.iter().map(|t| row_cells(t, "; ", d.as_of)).collect()),
    ];
    let lines = change_lines(d);
    if !lines.is_empty() {
        blocks.push(Block::Heading("Changes".into()));
        blocks.push(Block::List(lines));
    }
    blocks.push(Block::Heading("Links".into()));
    for t in &d.trials {
        blocks.push(Block::Links(t.nct_id.to_string(), links(t, issues)));
    }
    blocks.push(Block::Para(
        "Registry duties: \"overdue\" is a deadline passed, \"due\" one within 30 days; each trial's issue and its registry check say what to update. Recruitment is shown for the trials whose accrual log ctwatch is given. Each change shows the day the registry posted it and the day ctwatch found it."
            .into(),
    ));
    blocks
}

/// A trial's links: its registry record, its latest progress report (beside this digest in
/// the reports folder) and, when the issues page is known, its notice issue.
fn links(t: &TrialStatus, issues: Option<&str>) -> Vec<(String, String)> {
    let id = t.nct_id.as_str();
    let mut out = vec![
        ("registry record".to_string(), format!("https://clinicaltrials.gov/study/{id}")),
        ("progress report".to_string(), format!("../{id}/progress.html")),
    ];
    if let Some(base) = issues {
        // The issue's exact title, searched: found without knowing its number.
        let q = format!("is:issue \"ctwatch: {id} registry changes\"");
        if let Ok(url) = reqwest::Url::parse_with_params(base, [("q", q)]) {
            out.push(("notice issue".to_string(), url.to_string()));
        }
    }
    out
}
