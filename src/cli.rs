//! The command line: the only module that knows clap.
//!
//! Doc comments here are the `--help` text. Every global option can also come from the
//! environment (`CTWATCH_*`) so a GitHub Action can configure ctwatch without flags. Trial ids
//! arrive as text and are validated by `run`, so a bad id gets ctwatch's one-line error
//! rather than clap's usage screen.

// Doc comments here are printed by --help, where rustdoc's link syntax would show literally.
#![allow(rustdoc::bare_urls, rustdoc::broken_intra_doc_links)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::GlobalOptions;

/// Keep a clinical trial's ClinicalTrials.gov record under watch.
#[derive(Debug, Parser)]
#[command(name = "ctwatch", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    /// Options for every command.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options for every command.
#[derive(Debug, Args)]
pub struct Global {
    /// ClinicalTrials.gov API v2 base URL [default: https://clinicaltrials.gov/api/v2]
    #[arg(long, env = "CTWATCH_API_BASE", global = true, value_name = "URL")]
    pub api_base: Option<String>,
    /// Version-history API base URL [default: https://clinicaltrials.gov/api/int]
    #[arg(long, env = "CTWATCH_HISTORY_BASE", global = true, value_name = "URL")]
    pub history_base: Option<String>,
    /// Snapshot store folder [default: snapshots]
    #[arg(long, env = "CTWATCH_SNAPSHOTS", global = true, value_name = "DIR")]
    pub snapshots: Option<PathBuf>,
    /// Report output folder [default: reports]
    #[arg(long, env = "CTWATCH_REPORTS", global = true, value_name = "DIR")]
    pub reports: Option<PathBuf>,
    /// Config file [default: ctwatch.toml when it exists]
    #[arg(long, env = "CTWATCH_CONFIG", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

impl From<&Global> for GlobalOptions {
    fn from(g: &Global) -> Self {
        GlobalOptions {
            api_base: g.api_base.clone(),
            history_base: g.history_base.clone(),
            snapshots: g.snapshots.clone(),
            reports: g.reports.clone(),
            config: g.config.clone(),
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch trials from the registry and store each new version as a snapshot.
    Sync(SyncArgs),
    /// Show what changed between two versions of a trial's record.
    Diff(DiffArgs),
    /// Show the timeline of all stored versions of a trial's record.
    History(HistoryArgs),
    /// Write a report: recruitment progress (Markdown, HTML, JSON, SVG chart) or, with
    /// --kind ethics, the annual progress report for the ethics committee.
    Report(ReportArgs),
    /// Check the registry record against the sponsor's update duties.
    Check(CheckArgs),
    /// Import the registry's own version history into the snapshot store.
    Backfill(BackfillArgs),
    /// Check the whole snapshot store: every file readable, its hash intact, its name agreeing
    /// with its content (exit 2 on any problem).
    Verify(VerifyArgs),
}

/// `ctwatch verify`
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Trials to check (default: every trial folder in the store)
    #[arg(value_name = "NCT")]
    pub trials: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `ctwatch backfill`
#[derive(Debug, Args)]
pub struct BackfillArgs {
    /// The trial
    #[arg(value_name = "NCT")]
    pub trial: String,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// What `check` and `report` read: a trial, its accrual log and the date.
#[derive(Debug, Args)]
pub struct TrialInputs {
    /// The trial
    #[arg(value_name = "NCT")]
    pub trial: String,
    /// The sponsor's accrual log (CSV: participant_id,site,enrolled_on,withdrawn_on)
    /// [default: the trial's `accrual` in the config]
    #[arg(long, value_name = "FILE")]
    pub accrual: Option<PathBuf>,
    /// The date to report or check as of, YYYY-MM-DD [default: today]
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
}

/// `ctwatch check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Trial, accrual log, date.
    #[command(flatten)]
    pub input: TrialInputs,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    pub format: CheckFormat,
}

/// What `ctwatch check` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// A table for the terminal
    Table,
    /// JSON: {"nct_id", "as_of", "findings": [...]}
    Json,
}

/// `ctwatch report`
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Trial, accrual log, date.
    #[command(flatten)]
    pub input: TrialInputs,
    /// Which report
    #[arg(long, value_enum, default_value_t = ReportKind::Progress)]
    pub kind: ReportKind,
    /// Also print the report on stdout in this format (json prints only the report data)
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    /// Folder for the report files [default: REPORTS/NCT, e.g. reports/NCT07038304]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Language of the ethics report
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,
    /// The investigator's local file for the ethics report (TOML: adverse events, amendments…)
    /// [default: the trial's `ethics` in the config]
    #[arg(long, value_name = "FILE")]
    pub ethics: Option<PathBuf>,
}

/// Language of the ethics report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    /// English
    En,
    /// Dutch (Nederlands), as Dutch METC forms are
    Nl,
}

/// Which report `ctwatch report` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportKind {
    /// Recruitment progress against the target and the planned end
    Progress,
    /// The annual progress report for the Dutch ethics committee (METC/CCMO)
    Ethics,
}

/// What `ctwatch report --format` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// The Markdown report
    Markdown,
    /// The HTML report
    Html,
    /// The report data (DESIGN's JSON keys)
    Json,
}

/// `ctwatch diff`
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The trial
    #[arg(value_name = "NCT")]
    pub trial: String,
    /// Older version: a snapshot file name, a date (the version current then), latest, previous
    /// or live [default: the version before --to]
    #[arg(long, value_name = "REF")]
    pub from: Option<String>,
    /// Newer version, same forms as --from [default: latest]
    #[arg(long, value_name = "REF")]
    pub to: Option<String>,
    /// Add a unified diff of the canonical JSON
    #[arg(long)]
    pub text: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Exit with status 1 when the versions differ
    #[arg(long)]
    pub exit_code: bool,
    /// Also write the Markdown change notice for these versions to FILE (the same notice, with
    /// the same marker, that sync writes; a trial with one stored version gets its
    /// first-snapshot notice)
    #[arg(long, value_name = "FILE")]
    pub notice: Option<PathBuf>,
}

/// `ctwatch history`
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The trial
    #[arg(value_name = "NCT")]
    pub trial: String,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// `ctwatch sync`
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Trials to fetch (default: every [[trial]] in the config file)
    #[arg(value_name = "NCT")]
    pub trials: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Exit with status 1 when any trial has a new or changed version
    #[arg(long)]
    pub exit_code: bool,
    /// Write the Markdown change notice to FILE (only when something changed)
    #[arg(long, value_name = "FILE")]
    pub notice: Option<PathBuf>,
    /// Fetch every full record, skipping the cheap checks (unchanged dataTimestamp; posted
    /// dates asked for with fields=)
    #[arg(long)]
    pub full: bool,
}

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table for the terminal
    Table,
    /// GitHub-flavoured Markdown
    Markdown,
    /// JSON for machines
    Json,
}
