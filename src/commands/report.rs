//! `ctwatch report NCT`: build the report, write its files, say where they are.

use std::io::Write;

use chrono::NaiveDate;

use crate::cli::{ReportArgs, ReportFormat, ReportKind};
use crate::clock;
use crate::config::Config;
use crate::exit::Exit;
use crate::format::{docx, html, markdown, text};
use crate::nct::NctId;
use crate::report::{
    self,
    progress::{self, chart, summary},
};

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
    let as_of = clock::as_of(args.input.as_of.as_deref())?;
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
    if args.kind == ReportKind::EndOfStudy {
        return end_of_study(config, args, &id, as_of, &dir, out);
    }
    if args.format == Some(ReportFormat::Docx) {
        anyhow::bail!(
            "{id}: the Word file is made for the ethics report (--kind ethics); the progress report is Markdown, HTML, JSON and SVG"
        );
    }
    let r = progress::build(config, &id, args.input.accrual.as_deref(), as_of)?;
    // The latest report keeps one name, updated in place (git history holds every earlier
    // week); `--out` asks for a dated copy, e.g. for a meeting's papers.
    let stem = if args.out.is_some() { format!("{as_of}-progress") } else { "progress".to_string() };
    let svg = chart::svg(&r);
    let blocks = progress::blocks::blocks(&r);
    let md = markdown::render(&blocks, Some(&format!("{stem}.svg")));
    let page = html::render(&format!("Recruitment progress {id} as of {as_of}"), &blocks, Some(&svg));
    let mut json = serde_json::to_string_pretty(&r)?;
    json.push('\n');
    let files: [(&str, &[u8]); 4] =
        [("md", md.as_bytes()), ("html", page.as_bytes()), ("json", json.as_bytes()), ("svg", svg.as_bytes())];
    let written = write_files(&dir, &stem, &files)?;
    match args.format {
        Some(ReportFormat::Json) => out.write_all(json.as_bytes())?,
        Some(ReportFormat::Markdown) => out.write_all(md.as_bytes())?,
        Some(ReportFormat::Html) => out.write_all(page.as_bytes())?,
        Some(ReportFormat::Text) => out.write_all(text::render(&blocks).as_bytes())?,
        Some(ReportFormat::Docx) => unreachable!("refused above"),
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
fn write_files(dir: &std::path::Path, stem: &str, files: &[(&str, &[u8])]) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let set: Vec<(std::path::PathBuf, &[u8])> =
        files.iter().map(|(ext, bytes)| (dir.join(format!("{stem}.{ext}")), *bytes)).collect();
    report::write_files(&set)?;
    Ok(set.into_iter().map(|(p, _)| p).collect())
}

/// `report --kind ethics`: the METC/CCMO annual progress report as Markdown, HTML and Word
/// (`--format docx`: only the Word file); `--format json` prints its figures.
fn ethics(
    config: &Config,
    args: &ReportArgs,
    id: &NctId,
    as_of: NaiveDate,
    dir: &std::path::Path,
    out: &mut dyn Write,
) -> anyhow::Result<Exit> {
    let loaded = crate::inputs::load(config, id, args.input.accrual.as_deref(), as_of)?;
    let model = report::ethics::model(&loaded, args.ethics.as_deref())?;
    let lang = args.lang;
    let (blocks, title) = (report::ethics::blocks(&model, lang), report::ethics::title(&model, lang));
    // The document's author as Word shows it: the principal investigator, else the sponsor.
    let id_facts = &model.identification;
    let author = id_facts.principal_investigator.as_deref().or(id_facts.sponsor.as_deref()).unwrap_or_default();
    // Text in the other language is used as typed, and said: a committee reads one language.
    for (key, text) in model.investigator.entries() {
        if let Some(other) = report::ethics::seems(&text).filter(|l| *l != lang) {
            let (is, report) = match (other, lang) {
                (crate::lang::Lang::En, _) => ("English", "a Dutch"),
                (crate::lang::Lang::Nl, _) => ("Dutch", "an English"),
            };
            eprintln!(
                "ctwatch: warning: {id}: the investigator's {key} looks {is} in {report} report; it is used as typed"
            );
        }
    }
    let stem = format!("{}-metc-progress{}", model.period.end, lang.file_suffix());
    let doc = Document { lang, title: &title, author, blocks: &blocks, stem: &stem, as_of };
    committee_document(args, dir, &doc, || serde_json::to_string_pretty(&model), out)
}

/// A document for the ethics committee, ready to write.
struct Document<'a> {
    lang: crate::lang::Lang,
    title: &'a str,
    /// The principal investigator, else the sponsor: the Word file's author.
    author: &'a str,
    blocks: &'a [crate::format::Block],
    /// File name without extension.
    stem: &'a str,
    as_of: NaiveDate,
}

/// Writes a committee document as Markdown, HTML and Word (`--format docx`: Word only) and
/// prints the paths, or the rendering `--format` asks for (`json`: `figures`).
fn committee_document(
    args: &ReportArgs,
    dir: &std::path::Path,
    doc: &Document,
    figures: impl FnOnce() -> serde_json::Result<String>,
    out: &mut dyn Write,
) -> anyhow::Result<Exit> {
    let word = docx::render(doc.lang, doc.title, doc.author, doc.blocks, &format!("{}T00:00:00Z", doc.as_of))?;
    if args.format == Some(ReportFormat::Docx) {
        for p in write_files(dir, doc.stem, &[("docx", &word)])? {
            writeln!(out, "{}", p.display())?;
        }
        return Ok(Exit::Clean);
    }
    let md = markdown::render(doc.blocks, None);
    let page = html::render_lang(doc.lang, doc.title, doc.blocks, None);
    let written = write_files(dir, doc.stem, &[("md", md.as_bytes()), ("html", page.as_bytes()), ("docx", &word)])?;
    match args.format {
        Some(ReportFormat::Markdown) => out.write_all(md.as_bytes())?,
        Some(ReportFormat::Html) => out.write_all(page.as_bytes())?,
        Some(ReportFormat::Text) => out.write_all(text::render(doc.blocks).as_bytes())?,
        Some(ReportFormat::Json) => {
            let mut json = figures()?;
            json.push('\n');
            out.write_all(json.as_bytes())?;
        }
        Some(ReportFormat::Docx) => unreachable!("handled above"),
        None => {
            for p in &written {
                writeln!(out, "{}", p.display())?;
            }
        }
    }
    Ok(Exit::Clean)
}

/// `report --kind end-of-study`: the end-of-study notification to the ethics committee as
/// Markdown, HTML and Word (`--format docx`: only the Word file); `--format json` prints its
/// figures, `--format text` its sections as plain text.
fn end_of_study(
    config: &Config,
    args: &ReportArgs,
    id: &NctId,
    as_of: NaiveDate,
    dir: &std::path::Path,
    out: &mut dyn Write,
) -> anyhow::Result<Exit> {
    use report::ethics::end_of_study as eos;
    let loaded = crate::inputs::load(config, id, args.input.accrual.as_deref(), as_of)?;
    let model = report::ethics::model(&loaded, args.ethics.as_deref())?;
    let end = eos::end(&loaded);
    let lang = args.lang;
    let (blocks, title) = (eos::blocks(&model, &end, lang), eos::title(&model, lang));
    let id_facts = &model.identification;
    let author = id_facts.principal_investigator.as_deref().or(id_facts.sponsor.as_deref()).unwrap_or_default();
    let stem = format!("{}-metc-end-of-study{}", eos::file_day(&end, as_of), lang.file_suffix());
    let doc = Document { lang, title: &title, author, blocks: &blocks, stem: &stem, as_of };
    let figures = || {
        serde_json::to_string_pretty(&serde_json::json!({
            "nct_id": id.as_str(),
            "planned_end": end.planned,
            "actual_end": end.actual,
            "status": end.status,
            "ended_early": end.early,
            "why_stopped": end.why_stopped,
            "recruitment": end.recruitment,
        }))
    };
    committee_document(args, dir, &doc, figures, out)
}
