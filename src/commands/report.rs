//! `ctwatch report NCT`: build the report, write its files, say where they are.

use std::io::Write;

use anyhow::Context;
use chrono::NaiveDate;

use crate::cli::{ReportArgs, ReportFormat, ReportKind};
use crate::config::Config;
use crate::nct::NctId;
use crate::report::{self, chart, html, markdown, summary};
use crate::{Exit, clock};

/// Parses `--as-of` (default: today, UTC).
pub fn as_of(text: Option<&str>) -> anyhow::Result<NaiveDate> {
    match text {
        None => Ok(clock::today()),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .ok()
            .filter(|_| t.len() == 10)
            .with_context(|| format!("--as-of {t:?} is not a date (YYYY-MM-DD)")),
    }
}

/// `--accrual` names one trial's log: refused with several trials (set `accrual` per
/// `[[trial]]` in ctwatch.toml instead).
pub fn one_log_per_trial(input: &crate::cli::TrialInputs) -> anyhow::Result<()> {
    if input.accrual.is_some() && input.trials.len() != 1 {
        anyhow::bail!(
            "--accrual names one trial's log: give one NCT id, or set `accrual` for each [[trial]] in ctwatch.toml"
        );
    }
    Ok(())
}

/// Runs `ctwatch report`.
pub fn run(config: &Config, args: &ReportArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let as_of = as_of(args.input.as_of.as_deref())?;
    one_log_per_trial(&args.input)?;
    if args.out.is_some() && args.input.trials.len() != 1 {
        anyhow::bail!("--out is one trial's folder: give one NCT id (reports go to REPORTS/NCT otherwise)");
    }
    let json = args.format == Some(ReportFormat::Json);
    super::each_trial(config, &args.input.trials, json, out, |id, out| one(config, args, id, as_of, out))
}

fn one(config: &Config, args: &ReportArgs, id: &NctId, as_of: NaiveDate, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let id = id.clone();
    let dir = args.out.clone().unwrap_or_else(|| config.reports.join(id.as_str()));
    if args.kind == ReportKind::Ethics {
        return ethics(config, args, &id, as_of, &dir, out);
    }
    let r = report::build(config, &id, args.input.accrual.as_deref(), as_of)?;
    let stem = format!("{as_of}-progress");
    let svg = chart::svg(&r);
    let blocks = report::progress::blocks(&r);
    let md = markdown::render(&blocks, Some(&format!("{stem}.svg")));
    let page = html::render(&format!("Recruitment progress {id} as of {as_of}"), &blocks, Some(&svg));
    let mut json = serde_json::to_string_pretty(&r)?;
    json.push('\n');
    let written = write_files(&dir, &stem, &[("md", &md), ("html", &page), ("json", &json), ("svg", &svg)])?;
    match args.format {
        Some(ReportFormat::Json) => out.write_all(json.as_bytes())?,
        Some(ReportFormat::Markdown) => out.write_all(md.as_bytes())?,
        Some(ReportFormat::Html) => out.write_all(page.as_bytes())?,
        None => {
            for p in &written {
                writeln!(out, "{}", p.display())?;
            }
            writeln!(out)?;
            out.write_all(summary::render(&r).as_bytes())?;
        }
    }
    Ok(Exit::Clean)
}

/// Writes `<dir>/<stem>.<ext>` for each rendering, all or nothing; returns the paths in order.
fn write_files(dir: &std::path::Path, stem: &str, files: &[(&str, &str)]) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let set: Vec<(std::path::PathBuf, &[u8])> =
        files.iter().map(|(ext, text)| (dir.join(format!("{stem}.{ext}")), text.as_bytes())).collect();
    report::write_files(&set)?;
    Ok(set.into_iter().map(|(p, _)| p).collect())
}

/// `report --kind ethics`: the METC/CCMO annual progress report, Markdown and HTML.
fn ethics(
    config: &Config,
    args: &ReportArgs,
    id: &NctId,
    as_of: NaiveDate,
    dir: &std::path::Path,
    out: &mut dyn Write,
) -> anyhow::Result<Exit> {
    if args.format == Some(ReportFormat::Json) {
        anyhow::bail!(
            "{id}: the ethics report is a document; use --format markdown or html (the data is in the progress report's JSON)"
        );
    }
    let loaded = report::load(config, id, args.input.accrual.as_deref(), as_of)?;
    let r = report::ethics::build(&loaded, args.lang, args.ethics.as_deref())?;
    let lang = match args.lang {
        crate::cli::Lang::En => "en",
        crate::cli::Lang::Nl => "nl",
    };
    let md = markdown::render(&r.blocks, None);
    let page = html::render_lang(lang, &r.title, &r.blocks, None);
    let stem = format!("{}-metc-progress{}", r.period.end, if lang == "en" { "" } else { "-nl" });
    let written = write_files(dir, &stem, &[("md", &md), ("html", &page)])?;
    match args.format {
        Some(ReportFormat::Markdown) => out.write_all(md.as_bytes())?,
        Some(ReportFormat::Html) => out.write_all(page.as_bytes())?,
        _ => {
            for p in &written {
                writeln!(out, "{}", p.display())?;
            }
        }
    }
    Ok(Exit::Clean)
}
