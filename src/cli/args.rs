//! Each subcommand's arguments. Doc comments here are the `--help` text.

// Doc comments here are printed by --help, where rustdoc's link syntax would show literally.
#![allow(rustdoc::bare_urls, rustdoc::broken_intra_doc_links)]

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{Files, Online, lang_parser};
use crate::lang::Lang;

/// `ctwatch site`
#[derive(Debug, Args)]
pub struct SiteArgs {
    /// Trials (default: every [[trial]] in the config file)
    #[arg(value_name = "NCT")]
    pub trials: Vec<String>,
    /// Folder for the site [default: site]
    #[arg(long, env = "CTWATCH_SITE", value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The date the site shows the portfolio as of, YYYY-MM-DD [default: today]
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// A folder of accrual logs named NCT….csv, used instead of the trials' configured ones
    #[arg(long, value_name = "DIR")]
    pub accrual_dir: Option<PathBuf>,
    /// Config and store.
    #[command(flatten)]
    pub files: Files,
    /// Report folder (the site links to copies of each trial's reports) [default: reports]
    #[arg(long, env = "CTWATCH_REPORTS", value_name = "DIR")]
    pub reports: Option<PathBuf>,
}

/// `ctwatch status`
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Trials (default: every [[trial]] in the config file)
    #[arg(value_name = "NCT")]
    pub trials: Vec<String>,
    /// Count the changes the registry posted after this date, YYYY-MM-DD [default: the changes
    /// ctwatch stored since the previous digest was made, else in the last 7 days]
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// The digest date, YYYY-MM-DD [default: today]
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// What to print
    #[arg(long, value_enum, default_value_t = StatusFormat::Table)]
    pub format: StatusFormat,
    /// Write a comment for the issue of each trial that failed to sync 3 runs in a row, as
    /// DIR/NCT….failing.md (its first line marks it, so it is posted once per streak)
    #[arg(long, value_name = "DIR")]
    pub notices: Option<PathBuf>,
    /// The issues page of the repository that holds each trial's notice issue (the GitHub
    /// Action passes it), to link each trial to its issue
    #[arg(long, env = "CTWATCH_ISSUES_URL", value_name = "URL")]
    pub issues: Option<String>,
    /// Config and store.
    #[command(flatten)]
    pub files: Files,
    /// Report output folder (the digest goes to REPORTS/status) [default: reports]
    #[arg(long, env = "CTWATCH_REPORTS", value_name = "DIR")]
    pub reports: Option<PathBuf>,
}

/// What `ctwatch status` prints (all are written to REPORTS/status/).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    /// A table for the terminal
    Table,
    /// GitHub-flavoured Markdown
    Markdown,
    /// A self-contained HTML page
    Html,
    /// JSON for machines
    Json,
}

/// `ctwatch discover`
#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// Lead sponsor name (the registry's query.lead; Essie syntax, e.g. "University Medical
    /// Center Groningen")
    #[arg(long, value_name = "NAME")]
    pub lead: Option<String>,
    /// Lead sponsor or collaborator name (the registry's query.spons)
    #[arg(long, value_name = "NAME")]
    pub sponsor: Option<String>,
    /// Only trials with these overall statuses: comma-separated or repeated, e.g.
    /// RECRUITING,NOT_YET_RECRUITING
    #[arg(long, value_name = "STATUS")]
    pub status: Vec<String>,
    /// Append a [[trial]] table for each trial not yet in the config
    #[arg(long)]
    pub add: bool,
    /// No progress output on stderr (errors are still printed)
    #[arg(long, short)]
    pub quiet: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// The config file to read and (--add) extend [default: ctwatch.toml]
    #[arg(long, env = "CTWATCH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The registry.
    #[command(flatten)]
    pub online: Online,
}

/// `ctwatch completions`
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `ctwatch demo`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The folder to fill (created; refused when it exists and is not empty)
    #[arg(value_name = "DIR", default_value = "ctwatch-demo")]
    pub dir: PathBuf,
}

/// `ctwatch verify`
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Config and store.
    #[command(flatten)]
    pub files: Files,
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
    /// Trials (default: every [[trial]] in the config file)
    #[arg(value_name = "NCT")]
    pub trials: Vec<String>,
    /// Config and store.
    #[command(flatten)]
    pub files: Files,
    /// Version-history API base URL [default: https://clinicaltrials.gov/api/int]
    #[arg(long, env = "CTWATCH_HISTORY_BASE", value_name = "URL")]
    pub history_base: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// What `check` and `report` read: a trial, its accrual log and the date.
#[derive(Debug, Args)]
pub struct TrialInputs {
    /// Trials (default: every [[trial]] in the config file)
    #[arg(value_name = "NCT")]
    pub trials: Vec<String>,
    /// The sponsor's accrual log (CSV: participant_id,site,enrolled_on,withdrawn_on)
    /// [default: the trial's `accrual` in the config]
    #[arg(long, value_name = "FILE")]
    pub accrual: Option<PathBuf>,
    /// The date to report or check as of, YYYY-MM-DD [default: today]
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Config and store.
    #[command(flatten)]
    pub files: Files,
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
    /// Write a comment for the trial's issue for each finding of severity error, as
    /// DIR/NCT….finding-RULE.md (its first line marks rule and due date, so each is posted
    /// once)
    #[arg(long, value_name = "DIR")]
    pub notices: Option<PathBuf>,
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
    /// Report output folder [default: reports]
    #[arg(long, env = "CTWATCH_REPORTS", value_name = "DIR")]
    pub reports: Option<PathBuf>,
    /// Language of the ethics report
    #[arg(long, default_value = "en", value_parser = lang_parser())]
    pub lang: Lang,
    /// The investigator's file for the ethics report (TOML: screen failures, SAEs, amendments,
    /// DSMB, insurance, conclusion…) [default: the trial's `ethics` in the config]
    #[arg(long, value_name = "FILE")]
    pub ethics: Option<PathBuf>,
}

/// Which report `ctwatch report` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportKind {
    /// Recruitment progress against the target and the planned end
    Progress,
    /// The annual progress report for the Dutch ethics committee (METC/CCMO)
    Ethics,
    /// The end-of-study notification to the ethics committee (METC/CCMO)
    EndOfStudy,
}

/// What `ctwatch report --format` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// The Markdown report
    Markdown,
    /// The HTML report
    Html,
    /// The report data (JSON)
    Json,
    /// Only the Word file (ethics report), printing its path
    Docx,
    /// Plain text, each section under its heading, to paste into an online form
    Text,
}

/// `ctwatch diff`
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Trials (default: every [[trial]] in the config file)
    #[arg(value_name = "NCT")]
    pub trials: Vec<String>,
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
    /// Config and store.
    #[command(flatten)]
    pub files: Files,
    /// For --from/--to live.
    #[command(flatten)]
    pub online: Online,
}

/// `ctwatch history`
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Trials (default: every [[trial]] in the config file)
    #[arg(value_name = "NCT")]
    pub trials: Vec<String>,
    /// Config and store.
    #[command(flatten)]
    pub files: Files,
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
    /// Config and store.
    #[command(flatten)]
    pub files: Files,
    /// The registry.
    #[command(flatten)]
    pub online: Online,
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
