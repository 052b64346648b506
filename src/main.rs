//! `ctwatch`: parse, run, map the outcome to an exit status (0 ok, 1 changes/findings, 2 error).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = ctwatch::cli::Cli::parse();
    match ctwatch::run(cli) {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(e) if ctwatch::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ctwatch: error: {}", ctwatch::one_line(&e));
            ExitCode::from(2)
        }
    }
}
