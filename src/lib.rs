//! ctwatch keeps a clinical trial's ClinicalTrials.gov record under watch.
//!
//! Data flows one way: the registry client ([`registry`]) fetches and validates records, the
//! snapshot store ([`store`]) keeps every distinct version, and commands ([`commands`]) turn
//! stored data into output through pure renderers ([`render`]). `main.rs` only parses the
//! command line and maps [`run`]'s outcome to an exit status.

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
pub mod lang;
pub mod nct;
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
        Command::Completions(_) | Command::Man | Command::Demo(_) => unreachable!("handled above"),
    }
}
