//! `ctwatch status [NCT…]`: the sponsor office's weekly digest — one row per trial, what
//! needs action first: what changed on the registry since the previous digest, registry duties
//! (errors, warnings, next due date) and, where an accrual log is configured, recruitment
//! against the plan. Printed, and written to `reports/status/<as-of>.{md,html,json}`.

use std::io::Write;
use std::path::PathBuf;

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use crate::cli::{StatusArgs, StatusFormat};
use crate::compliance::Severity;
use crate::config::Config;
use crate::diff::{self, Importance};
use crate::nct::NctId;
use crate::registry::study;
use crate::render;
use crate::report::blocks::Block;
use crate::report::{self, count, percent};
use crate::{Exit, inputs};

/// Registry changes in the period, by importance.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Changes {
    /// High importance.
    pub high: usize,
    /// Medium.
    pub medium: usize,
    /// Low.
    pub low: usize,
    /// The most important one, in words.
    pub top: Option<String>,
}

/// Registry duties at the as-of date.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Duties {
    /// Findings of severity error (overdue).
    pub errors: usize,
    /// Findings of severity warning (due soon).
    pub warnings: usize,
    /// The earliest due date among errors and warnings.
    pub next_due: Option<NaiveDate>,
    /// The most urgent finding's rule.
    pub top: Option<String>,
}

/// Recruitment, when an accrual log is configured.
#[derive(Debug, Clone, Serialize)]
pub struct Recruitment {
    /// Included so far.
    pub enrolled: u32,
    /// The target.
    pub target: u32,
    /// Participants ahead of (positive) or behind (negative) the linear plan.
    pub ahead_of_plan: f64,
    /// Probability of reaching the target by the planned end.
    pub probability_on_time: Option<f64>,
}

/// One trial's row (also its JSON shape).
#[derive(Debug, Clone, Serialize)]
pub struct TrialStatus {
    /// The trial.
    pub nct_id: NctId,
    /// Brief title (registry text).
    pub title: Option<String>,
    /// Overall status on the registry.
    pub overall_status: Option<String>,
    /// The registry's last update of the version current at as-of.
    pub last_update: Option<String>,
    /// Changes posted after `since`, up to as-of.
    pub changes: Changes,
    /// Registry duties.
    pub duties: Duties,
    /// Recruitment (null without an accrual log).
    pub recruitment: Option<Recruitment>,
    /// Why the trial could not be assessed (no stored version, bad accrual log…).
    pub error: Option<String>,
}

/// What makes a trial urgent, most important first: error findings, a failure to assess it,
/// high-importance changes, warnings, recruitment behind the plan.
type Urgency = (usize, bool, usize, usize, bool);

impl TrialStatus {
    /// Sort key: what needs action first.
    fn urgency(&self) -> (std::cmp::Reverse<Urgency>, NctId) {
        let behind = self.recruitment.as_ref().is_some_and(|r| r.ahead_of_plan <= -1.0);
        let key = (self.duties.errors, self.error.is_some(), self.changes.high, self.duties.warnings, behind);
        (std::cmp::Reverse(key), self.nct_id.clone())
    }

    fn needs_action(&self) -> bool {
        self.duties.errors > 0 || self.error.is_some() || self.changes.high > 0
    }
}

/// The digest (also its JSON shape).
#[derive(Debug, Clone, Serialize)]
pub struct Digest {
    /// The digest date.
    pub as_of: NaiveDate,
    /// Changes are counted from the day after this date.
    pub since: NaiveDate,
    /// Where `since` came from: `--since`, `previous digest` or `default (7 days)`.
    pub since_source: &'static str,
    /// One row per trial, what needs action first.
    pub trials: Vec<TrialStatus>,
}

/// Runs `ctwatch status`.
pub fn run(config: &Config, args: &StatusArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let as_of = super::report::as_of(args.as_of.as_deref())?;
    let ids = super::trial_ids(config, &args.trials)?;
    let dir = config.reports.join("status");
    let (since, since_source) = match args.since.as_deref() {
        Some(s) => (super::report::as_of(Some(s))?, "--since"),
        None => match previous_digest(&dir, as_of) {
            Some(d) => (d, "previous digest"),
            None => (as_of - Duration::days(7), "default (7 days)"),
        },
    };
    let progress = crate::feedback::start("status", ids.len() as u64, "trials", false);
    let mut trials: Vec<TrialStatus> = ids
        .iter()
        .map(|id| {
            let row = assess(config, id, since, as_of);
            progress.inc(1, id.as_str());
            row
        })
        .collect();
    drop(progress);
    trials.sort_by_key(TrialStatus::urgency);
    let digest = Digest { as_of, since, since_source, trials };

    let blocks = blocks(&digest);
    let md = report::markdown::render(&blocks, None);
    let html = report::html::render(&format!("Portfolio status as of {as_of}"), &blocks, None);
    let mut json = serde_json::to_string_pretty(&digest)?;
    json.push('\n');
    let stem = as_of.to_string();
    let files: Vec<(PathBuf, &[u8])> = vec![
        (dir.join(format!("{stem}.md")), md.as_bytes()),
        (dir.join(format!("{stem}.html")), html.as_bytes()),
        (dir.join(format!("{stem}.json")), json.as_bytes()),
    ];
    report::write_files(&files)?;
    let text = match args.format {
        StatusFormat::Table => terminal(&digest),
        StatusFormat::Markdown => md.clone(),
        StatusFormat::Html => html.clone(),
        StatusFormat::Json => json.clone(),
    };
    out.write_all(text.as_bytes())?;
    for t in digest.trials.iter().filter(|t| t.error.is_some()) {
        eprintln!("ctwatch: error: {}", render::terminal_safe(t.error.as_deref().unwrap_or("")));
    }
    Ok(if digest.trials.iter().any(|t| t.error.is_some()) {
        Exit::Failed
    } else if digest.trials.iter().any(|t| t.duties.errors > 0) {
        Exit::Changes
    } else {
        Exit::Clean
    })
}

/// The as-of date of the newest digest written before `as_of` (`reports/status/DATE.json`).
fn previous_digest(dir: &std::path::Path, as_of: NaiveDate) -> Option<NaiveDate> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".json").and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()))
        .filter(|d| *d < as_of)
        .max()
}

/// One trial's row; a failure becomes the row's `error`, never the whole digest's.
fn assess(config: &Config, id: &NctId, since: NaiveDate, as_of: NaiveDate) -> TrialStatus {
    let mut row = TrialStatus {
        nct_id: id.clone(),
        title: None,
        overall_status: None,
        last_update: None,
        changes: Changes::default(),
        duties: Duties::default(),
        recruitment: None,
        error: None,
    };
    // Registry facts, changes and duties need no accrual log: load without one first, so a bad
    // log never hides them.
    let mut loaded = match inputs::load_without_log(config, id, as_of) {
        Ok(l) => l,
        Err(e) => {
            row.error = Some(crate::one_line(&e));
            return row;
        }
    };
    let doc = loaded.study();
    row.title = study::brief_title(doc).map(str::to_string);
    row.overall_status = study::overall_status(doc).map(str::to_string);
    row.last_update = Some(loaded.versions[loaded.used].0.posted.to_string());
    for (_, c) in loaded.changes_posted(since, as_of) {
        match c.importance {
            Importance::High => row.changes.high += 1,
            Importance::Medium => row.changes.medium += 1,
            Importance::Low => row.changes.low += 1,
        }
        if row.changes.top.is_none() && c.importance != Importance::Low {
            row.changes.top = Some(c.summary);
        }
    }
    // Findings and recruitment with the configured accrual log, if any.
    let has_log = config.trial(id).is_some_and(|t| t.accrual.is_some());
    let findings = if has_log {
        // The store is read once: the log is attached to the inputs already loaded.
        match loaded.attach_log(None).and_then(|()| report::build_from(&loaded)) {
            Ok(r) => {
                if let (Some(enrolled), Some(ahead)) = (r.enrolled, r.ahead_of_plan) {
                    row.recruitment = Some(Recruitment {
                        enrolled,
                        target: r.target,
                        ahead_of_plan: ahead,
                        // The model the progress report leads with.
                        probability_on_time: match (&r.site_projection, r.leading_model) {
                            (Some(sp), "site-aware") => Some(sp.probability_on_time),
                            _ => r.projection.as_ref().map(|p| p.probability_on_time),
                        },
                    });
                }
                r.findings
            }
            Err(e) => {
                row.error = Some(crate::one_line(&e));
                loaded.findings()
            }
        }
    } else {
        loaded.findings()
    };
    let urgent: Vec<_> = findings.iter().filter(|f| f.severity != Severity::Info).collect();
    row.duties.errors = urgent.iter().filter(|f| f.severity == Severity::Error).count();
    row.duties.warnings = urgent.len() - row.duties.errors;
    row.duties.next_due = urgent.iter().filter_map(|f| f.due).min();
    row.duties.top = urgent.first().map(|f| f.rule.to_string());
    row
}

fn changes_cell(c: &Changes) -> String {
    if c.high + c.medium + c.low == 0 {
        return "none".into();
    }
    let counts = format!("{} high, {} medium, {} low", c.high, c.medium, c.low);
    match &c.top {
        Some(top) => format!("{counts}: {}", render::clip(top, 60)),
        None => counts,
    }
}

fn duties_cell(d: &Duties, sep: &str) -> String {
    if d.errors + d.warnings == 0 {
        return "in order".into();
    }
    let mut text = format!(
        "{} error{}, {} warning{}",
        d.errors,
        if d.errors == 1 { "" } else { "s" },
        d.warnings,
        if d.warnings == 1 { "" } else { "s" }
    );
    if let Some(due) = d.next_due {
        text.push_str(&format!("{sep}next due {due}"));
    }
    text
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
            let p = r.probability_on_time.map_or_else(String::new, |p| format!("{sep}{} on time", percent(100.0 * p)));
            format!("{} of {}, {plan}{p}", r.enrolled, r.target)
        }
    }
}

/// A row: `sep` joins the lines of a cell ("\n" on a terminal, "; " in Markdown and HTML).
fn row_cells(t: &TrialStatus, sep: &str) -> Vec<String> {
    let status = t.overall_status.as_deref().map_or_else(|| "–".into(), diff::humanize);
    let flag = if t.needs_action() { "⚠ " } else { "" };
    let trial = match &t.title {
        // On a terminal the title goes under the id; in a page it follows it.
        Some(title) if sep == "\n" => {
            format!("{flag}{}\n{}", t.nct_id, render::clip(&render::terminal_safe(title), 26))
        }
        Some(title) => format!("{flag}{} — {}", t.nct_id, render::clip(title, 70)),
        None => format!("{flag}{}", t.nct_id),
    };
    if t.title.is_none()
        && let Some(e) = &t.error
    {
        return vec![trial, "–".into(), "–".into(), "–".into(), format!("error: {}", render::clip(e, 120))];
    }
    vec![
        trial,
        format!("{status}{sep}{}", t.last_update.as_deref().unwrap_or("–")),
        duties_cell(&t.duties, sep),
        match &t.error {
            Some(e) => format!("error: {}", render::clip(e, 80)),
            None => recruitment_cell(&t.recruitment, sep),
        },
        changes_cell(&t.changes),
    ]
}

const HEADER: [&str; 5] = ["Trial", "Status, last update", "Registry duties", "Recruitment", "Registry changes"];

fn headline(d: &Digest) -> String {
    let n = d.trials.len();
    let action = d.trials.iter().filter(|t| t.needs_action()).count();
    format!(
        "{n} trial{}, {action} need{} action (⚠). Changes counted from {} ({}) to {}.",
        if n == 1 { "" } else { "s" },
        if action == 1 { "s" } else { "" },
        d.since + Duration::days(1),
        d.since_source,
        d.as_of
    )
}

fn terminal(d: &Digest) -> String {
    let mut out = format!("{}\n", headline(d));
    out.push_str(&render::table_lines(&HEADER, d.trials.iter().map(|t| row_cells(t, "\n"))));
    out
}

/// The digest as report blocks (Markdown and HTML from one model).
pub fn blocks(d: &Digest) -> Vec<Block> {
    vec![
        Block::Title(format!("Portfolio status as of {}", d.as_of)),
        Block::Lead(headline(d)),
        Block::Table(HEADER.map(String::from).to_vec(), d.trials.iter().map(|t| row_cells(t, "; ")).collect()),
        Block::Para(
            "Registry duties count findings of severity error (overdue) and warning (due soon); \"ctwatch check NCT\" lists them with what to do. Recruitment is shown where ctwatch.toml names the trial's accrual log."
                .into(),
        ),
    ]
}
