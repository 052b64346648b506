//! `ctwatch site [NCT…]`: the portfolio site (built in [`crate::report::site`]) written to
//! `site/` (or `--out`), then where to open it.

use std::io::Write;
use std::path::PathBuf;

use crate::cli::SiteArgs;
use crate::clock;
use crate::config::Config;
use crate::exit::Exit;
use crate::report::site;

/// Runs `ctwatch site`.
pub fn run(config: &Config, args: &SiteArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let started = std::time::Instant::now();
    let as_of = clock::as_of(args.as_of.as_deref())?;
    let ids = super::trial_ids(config, &args.trials)?;
    let dir = args.out.clone().unwrap_or_else(|| PathBuf::from("site"));
    let portfolio = site::build(config, &ids, as_of, args.accrual_dir.as_deref())?;
    let written = site::write(&portfolio, config, &dir)?;
    let versions: usize = portfolio.trials.iter().map(|t| t.versions.len()).sum();
    writeln!(
        out,
        "{}",
        crate::format::terminal::prose(
            &format!(
                "Wrote the site for {} ({} stored): {} pages, {} files, {} KB in {} ms. Open {}",
                crate::text::plural(portfolio.trials.len(), "trial"),
                crate::text::plural(versions, "version"),
                written.pages,
                written.files,
                written.bytes.div_ceil(1024),
                started.elapsed().as_millis(),
                dir.join("index.html").display()
            ),
            2
        )
    )?;
    Ok(Exit::Clean)
}
