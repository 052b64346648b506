//! The command line: the only module that knows clap.
//!
//! Doc comments here are the `--help` text. Each subcommand's help lists only the options it
//! uses, an example or two and its exit status; every option that names a place (URL, folder,
//! file) can also come from the environment (`CTWATCH_*`) so a GitHub Action can configure
//! ctwatch without flags. The same options are accepted before the subcommand
//! (`ctwatch --snapshots DIR sync`), as in earlier versions; after it they win. Trial ids
//! arrive as text and are validated by `run`, so a bad id gets ctwatch's one-line error
//! rather than clap's usage screen.

// Doc comments here are printed by --help, where rustdoc's link syntax would show literally.
#![allow(rustdoc::bare_urls, rustdoc::broken_intra_doc_links)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::GlobalOptions;

mod args;
pub use crate::lang::Lang;
pub use args::*;

/// Keep a clinical trial's ClinicalTrials.gov record under watch.
#[derive(Debug, Parser)]
#[command(
    name = "ctwatch",
    version,
    about,
    long_about = None,
    max_term_width = 100,
    after_help = "The weekly routine: `ctwatch sync` (what changed on the registry), `ctwatch check` \
(registry duties), `ctwatch report` (recruitment). `ctwatch <command> --help` for each.\n\n\
Exit status: 0 success; 1 changes found (with --exit-code) or error findings (check); 2 error."
)]
pub struct Cli {
    /// Options accepted before the subcommand too.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted before the subcommand (each subcommand also takes the ones it uses).
#[derive(Debug, Args)]
pub struct Global {
    /// ClinicalTrials.gov API v2 base URL [default: https://clinicaltrials.gov/api/v2]
    #[arg(long, env = "CTWATCH_API_BASE", value_name = "URL")]
    pub api_base: Option<String>,
    /// Version-history API base URL [default: https://clinicaltrials.gov/api/int]
    #[arg(long, env = "CTWATCH_HISTORY_BASE", value_name = "URL")]
    pub history_base: Option<String>,
    /// Snapshot store folder [default: snapshots]
    #[arg(long, env = "CTWATCH_SNAPSHOTS", value_name = "DIR")]
    pub snapshots: Option<PathBuf>,
    /// Report output folder [default: reports]
    #[arg(long, env = "CTWATCH_REPORTS", value_name = "DIR")]
    pub reports: Option<PathBuf>,
    /// Config file [default: ctwatch.toml when it exists]
    #[arg(long, env = "CTWATCH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// No progress output on stderr (errors are still printed)
    #[arg(long, short)]
    pub quiet: bool,
}

/// The config file and the snapshot store: every command that reads either.
#[derive(Debug, Args, Default)]
pub struct Files {
    /// Config file [default: ctwatch.toml when it exists]
    #[arg(long, env = "CTWATCH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Snapshot store folder [default: snapshots]
    #[arg(long, env = "CTWATCH_SNAPSHOTS", value_name = "DIR")]
    pub snapshots: Option<PathBuf>,
    /// No progress output on stderr (errors are still printed)
    #[arg(long, short)]
    pub quiet: bool,
}

/// The registry's API v2: commands that go online.
#[derive(Debug, Args, Default)]
pub struct Online {
    /// ClinicalTrials.gov API v2 base URL, e.g. a mirror [default: https://clinicaltrials.gov/api/v2]
    #[arg(long, env = "CTWATCH_API_BASE", value_name = "URL")]
    pub api_base: Option<String>,
}

impl Cli {
    /// `--quiet`, before or after the subcommand.
    pub fn quiet(&self) -> bool {
        let after = match &self.command {
            Command::Discover(a) => a.quiet,
            Command::Completions(_) | Command::Man | Command::Demo(_) => true,
            _ => self.files().is_some_and(|f| f.quiet),
        };
        self.global.quiet || after
    }

    /// The config and store options given after the subcommand, for the commands that take them.
    fn files(&self) -> Option<&Files> {
        match &self.command {
            Command::Sync(a) => Some(&a.files),
            Command::Diff(a) => Some(&a.files),
            Command::History(a) => Some(&a.files),
            Command::Report(a) => Some(&a.input.files),
            Command::Check(a) => Some(&a.input.files),
            Command::Backfill(a) => Some(&a.files),
            Command::Verify(a) => Some(&a.files),
            Command::Status(a) => Some(&a.files),
            Command::Site(a) => Some(&a.files),
            Command::Discover(_) | Command::Completions(_) | Command::Man | Command::Demo(_) => None,
        }
    }

    /// The options of this command line: those after the subcommand win over those before.
    pub fn options(&self) -> GlobalOptions {
        let g = &self.global;
        let mut o = GlobalOptions {
            api_base: g.api_base.clone(),
            history_base: g.history_base.clone(),
            snapshots: g.snapshots.clone(),
            reports: g.reports.clone(),
            config: g.config.clone(),
        };
        let (online, history, reports) = match &self.command {
            Command::Sync(a) => (Some(&a.online), None, None),
            Command::Diff(a) => (Some(&a.online), None, None),
            Command::Report(a) => (None, None, a.reports.as_ref()),
            Command::Backfill(a) => (None, a.history_base.as_ref(), None),
            Command::Status(a) => (None, None, a.reports.as_ref()),
            Command::Site(a) => (None, None, a.reports.as_ref()),
            Command::Discover(a) => {
                o.config = a.config.clone().or(o.config);
                (Some(&a.online), None, None)
            }
            _ => (None, None, None),
        };
        if let Some(f) = self.files() {
            o.config = f.config.clone().or(o.config);
            o.snapshots = f.snapshots.clone().or(o.snapshots);
        }
        if let Some(api) = online.and_then(|x| x.api_base.clone()) {
            o.api_base = Some(api);
        }
        if let Some(h) = history {
            o.history_base = Some(h.clone());
        }
        if let Some(r) = reports {
            o.reports = Some(r.clone());
        }
        o
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fetch trials from the registry and store each new version as a snapshot.
    #[command(after_help = "Examples:\n  ctwatch sync                       every trial in ctwatch.toml\n  \
ctwatch sync NCT07038304 --notice notice.md --exit-code\n\n\
Exit status: 0 success; 1 a trial is new or changed (only with --exit-code); 2 a trial failed \
(the others are still stored).")]
    Sync(SyncArgs),
    /// Show what changed between two versions of a trial's record.
    #[command(
        after_help = "Examples:\n  ctwatch diff NCT07038304                   the newest version against the one before\n  \
ctwatch diff NCT07038304 --from 2025-06-26 --to live --text\n\n\
Exit status: 0 success; 1 the versions differ (only with --exit-code); 2 error."
    )]
    Diff(DiffArgs),
    /// Show the timeline of all stored versions of a trial's record.
    #[command(after_help = "Example:\n  ctwatch history NCT07038304 --format markdown\n\n\
Exit status: 0 success; 2 error (e.g. no stored version).")]
    History(HistoryArgs),
    /// Write a report: recruitment progress (Markdown, HTML, JSON, SVG chart) or, with
    /// --kind ethics, the annual progress report for the ethics committee (Markdown, HTML, Word).
    #[command(after_help = "Examples:\n  ctwatch report NCT07038304 --accrual accrual.csv\n  \
ctwatch report NCT07038304 --kind ethics --lang nl --as-of 2026-10-01\n  \
ctwatch report NCT07038304 --kind ethics --ethics ethics.toml --format docx\n\n\
Exit status: 0 success; 2 error (bad accrual log, no stored version…).")]
    Report(ReportArgs),
    /// Check the registry record against the sponsor's update duties.
    #[command(after_help = "Example:\n  ctwatch check NCT07038304 --accrual accrual.csv\n\n\
Exit status: 0 no finding of severity error; 1 at least one error finding; 2 error.")]
    Check(CheckArgs),
    /// Import the registry's own version history into the snapshot store.
    #[command(after_help = "Example:\n  ctwatch backfill NCT07038304\n\n\
Exit status: 0 success; 2 error (nothing from this run is stored).")]
    Backfill(BackfillArgs),
    /// Check the whole snapshot store: every file readable, its hash intact, its name agreeing
    /// with its content.
    #[command(after_help = "Example:\n  ctwatch verify\n\n\
Exit status: 0 every file verified; 2 a problem (each listed with its file).")]
    Verify(VerifyArgs),
    /// The weekly digest of every trial: registry changes since the last digest, registry
    /// duties and recruitment, what needs action first.
    #[command(after_help = "Examples:\n  ctwatch status                     every trial in ctwatch.toml\n  \
ctwatch status --since 2026-11-01 --format markdown\n\n\
For the whole portfolio, writes REPORTS/status/latest.md, .html and .json (only when their \
content changed); a digest of some trials is printed only.\n\n\
Exit status: 0 success; 1 a registry finding of severity error; 2 a trial could not be assessed.")]
    Status(StatusArgs),
    /// Find a sponsor's trials on the registry and list those not in ctwatch.toml (--add adds
    /// them, keeping the file's comments).
    #[command(after_help = "Examples:\n  ctwatch discover --lead \"University Medical Center Groningen\"\n  \
ctwatch discover --sponsor \"UMCG\" --status RECRUITING --status NOT_YET_RECRUITING --add\n\n\
Exit status: 0 success; 2 error.")]
    Discover(DiscoverArgs),
    /// Write the portfolio site: every trial on one page, each trial's history on its own.
    ///
    /// The portfolio page lists what needs action first; a trial's page has its recruitment,
    /// registry duties, every stored version and its reports. Static files, no internet needed.
    #[command(after_help = "Example:\n  ctwatch site --out site && open site/index.html\n\n\
Reads the store, the config, the accrual logs and the reports already written; never contacts \
the registry. Exit status: 0 success; 2 error (nothing half-written).")]
    Site(SiteArgs),
    /// See ctwatch work without the internet: replay four versions of a trial's record through
    /// a registry stand-in on this machine, and leave the store, a change notice, the reports
    /// and the digest in DIR.
    #[command(after_help = "Example:\n  ctwatch demo ctwatch-demo && open ctwatch-demo/reports/status/latest.html\n\n\
Never contacts the real registry. Exit status: 0 success; 2 error (DIR exists and is not empty).")]
    Demo(DemoArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = "Example:\n  ctwatch completions bash > ~/.local/share/bash-completion/completions/ctwatch")]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) on stdout.
    #[command(after_help = "Example:\n  ctwatch man > ctwatch.1 && man ./ctwatch.1")]
    Man,
}

/// `--lang`'s values, with the help clap shows for them (`Lang` itself knows no clap).
pub(crate) fn lang_parser() -> impl clap::builder::TypedValueParser<Value = Lang> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new([
        PossibleValue::new("en").help("English"),
        PossibleValue::new("nl").help("Dutch (Nederlands), as Dutch METC forms are"),
    ])
    .map(|s| s.parse::<Lang>().expect("one of the listed values"))
}
