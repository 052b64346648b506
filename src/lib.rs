//! ctwatch keeps a clinical trial's ClinicalTrials.gov record under watch.
//!
//! The house, from the ground up; a module imports only from floors below its own:
//!
//! 1. **Words and safety**: [`text`] (registry text made safe for a terminal, Markdown, XML;
//!    plurals, clipping), [`lang`] (English and Dutch: dates, decimals, "after 2100"),
//!    [`nct`] (validated ids), [`partial_date`], [`exit`], [`bounded`] (reads with a size
//!    limit), [`clock`] (the one clock), [`github`] (the Actions files), [`parallel`].
//! 2. **Output formats**: [`format`](mod@format) — one renderer per format (terminal, Markdown, HTML,
//!    Word) over one block model; they know no trial and no registry.
//! 3. **Inputs**: [`config`] (`ctwatch.toml`, validated once), [`accrual`] (the sponsor's
//!    recruitment log), [`investigator`] (the investigator's file), [`feedback`] (progress on
//!    stderr).
//! 4. **Domain**: [`registry`] (the API client and the typed study view: the only place that
//!    knows the record's JSON pointers), [`store`] (the append-only snapshot store),
//!    [`progress`] (the projection models), [`diff`] (what changed, and a trial's timeline),
//!    [`compliance`] (the registry duties, one function per rule).
//! 5. **Work**: [`ingest`] (what sync fetches and accepts), [`inputs`] (a trial's stored
//!    versions, config and log, loaded once for the reports).
//! 6. **Documents**: [`report`] — progress, ethics, the status digest, change lists and
//!    notices: each a model, turned into blocks, rendered by [`format`](mod@format).
//! 7. **Commands**: [`commands`] read their arguments, build a model, render and write;
//!    [`cli`] is the only module that knows clap. `main.rs` maps [`run`]'s outcome to an exit
//!    status.

#![warn(missing_docs)]

pub mod accrual;
pub mod bounded;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod compliance;
pub mod config;
pub mod diff;
pub mod exit;
pub mod feedback;
pub mod format;
pub mod github;
pub mod ingest;
pub mod inputs;
pub mod investigator;
pub mod lang;
pub mod nct;
pub mod parallel;
pub mod partial_date;
pub mod progress;
pub mod registry;
pub mod report;
pub mod store;
pub mod text;

pub use exit::{Exit, is_broken_pipe};
pub use text::one_line;

use cli::{Cli, Command};
use config::Config;

/// Runs one command line.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match &cli.command {
        Command::Completions(args) => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(args.shell, &mut command, "ctwatch", &mut out);
            return Ok(Exit::Clean);
        }
        Command::Man => {
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut out)?;
            return Ok(Exit::Clean);
        }
        // The demo brings its own config and store: the working folder's are not read.
        Command::Demo(args) => return commands::demo::run(args, &mut out),
        _ => {}
    }
    feedback::set_quiet(cli.quiet());
    clock::init()?;
    let config = Config::load(&cli.options())?;
    match cli.command {
        Command::Sync(args) => commands::sync::run(&config, &args, &mut out),
        Command::Diff(args) => commands::diff::run(&config, &args, &mut out),
        Command::History(args) => commands::history::run(&config, &args, &mut out),
        Command::Report(args) => commands::report::run(&config, &args, &mut out),
        Command::Check(args) => commands::check::run(&config, &args, &mut out),
        Command::Backfill(args) => commands::backfill::run(&config, &args, &mut out),
        Command::Verify(args) => commands::verify::run(&config, &args, &mut out),
        Command::Status(args) => commands::status::run(&config, &args, &mut out),
        Command::Discover(args) => commands::discover::run(&config, &args, &mut out),
        Command::Site(args) => commands::site::run(&config, &args, &mut out),
        Command::Completions(_) | Command::Man | Command::Demo(_) => unreachable!("handled above"),
    }
}
