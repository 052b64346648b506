//! `ctwatch status [NCT…]`: the weekly digest (built in [`crate::report::status`]) printed
//! and, for the whole portfolio, written to `reports/status/latest.{md,html,json}`; with
//! `--notices` a comment for each trial failing sync run after run.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use crate::cli::{StatusArgs, StatusFormat};
use crate::clock;
use crate::config::Config;
use crate::exit::Exit;
use crate::nct::NctId;
use crate::report;
use crate::report::status::{Digest, FAILING_RUNS_NOTICE, blocks, terminal};

/// Runs `ctwatch status`.
pub fn run(config: &Config, args: &StatusArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let as_of = clock::as_of(args.as_of.as_deref())?;
    let ids = super::trial_ids(config, &args.trials)?;
    let dir = config.reports.join("status");
    // The portfolio digest is the one written: a digest for some trials only is printed, and
    // never overwrites it (nor moves its window).
    let portfolio = args.trials.is_empty() || {
        let all: std::collections::BTreeSet<&NctId> = config.trials.iter().map(|t| &t.nct_id).collect();
        !all.is_empty() && ids.iter().collect::<std::collections::BTreeSet<_>>() == all
    };
    let since = args.since.as_deref().map(|s| clock::date_option("--since", s)).transpose()?;
    let digest = report::status::build(config, &ids, since, as_of, clock::now(), &dir)?;

    let issues = args.issues.as_deref().map(issues_page).transpose()?;
    let blocks = blocks(&digest, issues.as_deref());
    let md = crate::format::markdown::render(&blocks, None);
    let html = crate::format::html::render(&format!("Portfolio status as of {as_of}"), &blocks, None);
    let mut json = serde_json::to_string_pretty(&digest)?;
    json.push('\n');
    if portfolio {
        let files: Vec<(PathBuf, &[u8])> = vec![
            (dir.join("latest.md"), md.as_bytes()),
            (dir.join("latest.html"), html.as_bytes()),
            (dir.join("latest.json"), json.as_bytes()),
        ];
        report::write_files(&files)?;
    }
    if let Some(notices) = &args.notices {
        write_failure_notices(notices, &digest)?;
    }
    let text = match args.format {
        StatusFormat::Table => terminal(&digest),
        StatusFormat::Markdown => md.clone(),
        StatusFormat::Html => html.clone(),
        StatusFormat::Json => json.clone(),
    };
    out.write_all(text.as_bytes())?;
    for t in digest.trials.iter().filter(|t| t.error.is_some()) {
        eprintln!("ctwatch: error: {}", crate::text::terminal_safe(t.error.as_deref().unwrap_or("")));
    }
    Ok(if digest.trials.iter().any(|t| t.error.is_some()) {
        Exit::Failed
    } else if digest.trials.iter().any(|t| t.duties.errors > 0) {
        Exit::Changes
    } else {
        Exit::Clean
    })
}

/// The issues page, checked: an http(s) URL without a query (ctwatch adds the search).
fn issues_page(url: &str) -> anyhow::Result<String> {
    let parsed =
        reqwest::Url::parse(url).ok().filter(|u| matches!(u.scheme(), "https" | "http") && u.query().is_none());
    match parsed {
        Some(u) => Ok(u.as_str().trim_end_matches('/').to_string()),
        None => anyhow::bail!(
            "--issues {:?} is not an issues page URL (e.g. https://github.com/OWNER/REPO/issues)",
            crate::text::clip(url, 80)
        ),
    }
}

/// For each trial failing [`FAILING_RUNS_NOTICE`] runs in a row or more, a comment for its
/// issue in `dir` (`<NCT>.failing.md`), whose first line marks it so it is posted once per
/// streak.
fn write_failure_notices(dir: &std::path::Path, d: &Digest) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create the folder {}", dir.display()))?;
    for t in &d.trials {
        let Some(f) = t.fetch.as_ref().filter(|f| f.failing_runs >= FAILING_RUNS_NOTICE) else { continue };
        let since =
            clock::parse_instant(&f.failing_since).map_or(f.failing_since.clone(), |t| t.date_naive().to_string());
        let text = format!(
            "<!-- ctwatch:{id}:failing-since:{} -->\n### ctwatch could not fetch {id} for {} runs in a row\n\nSince {since}, every weekly run has failed to fetch this trial from ClinicalTrials.gov, so its changes are not being watched. The last run said:\n\n{}\nWhat to check: that the id in the config has no typo, and the trial's page on the registry: https://clinicaltrials.gov/study/{id} (a record can be withdrawn, or merged into another record; then watch that id). Nothing more is posted about this until the trial is fetched again.\n",
            f.failing_since,
            f.failing_runs,
            crate::format::markdown::fenced(&crate::text::defang(&f.error), "text"),
            id = t.nct_id,
        );
        std::fs::write(dir.join(format!("{}.failing.md", t.nct_id)), text)
            .with_context(|| format!("cannot write a notice in {}", dir.display()))?;
    }
    Ok(())
}
