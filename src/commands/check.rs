//! `ctwatch check NCT`: registry compliance findings, like a linter — exit 1 when any finding
//! has severity error.

use std::io::Write;

use crate::cli::{CheckArgs, CheckFormat};
use crate::compliance::Severity;
use crate::config::Config;
use crate::exit::Exit;
use crate::format::terminal;
use crate::inputs;
use crate::nct::NctId;

/// Runs `ctwatch check`.
pub fn run(config: &Config, args: &CheckArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let as_of = crate::clock::as_of(args.input.as_of.as_deref())?;
    super::report::one_log_per_trial(&args.input)?;
    super::each_trial(config, &args.input.trials, args.format == CheckFormat::Json, out, |id, out| {
        one(config, args, id, as_of, out)
    })
}

fn one(
    config: &Config,
    args: &CheckArgs,
    id: &NctId,
    as_of: chrono::NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<Exit> {
    let id = id.clone();
    let loaded = inputs::load(config, &id, args.input.accrual.as_deref(), as_of)?;
    let findings = loaded.findings();
    let text = match args.format {
        CheckFormat::Json => {
            let mut t = serde_json::to_string_pretty(
                &serde_json::json!({"nct_id": id, "as_of": as_of, "findings": findings, "notes": loaded.notes}),
            )?;
            t.push('\n');
            t
        }
        CheckFormat::Table => {
            let snapshot = &loaded.versions[loaded.used].0.name;
            let mut t = terminal::line(
                &format!(
                    "{id}: {} finding{} as of {as_of} (snapshot {snapshot})",
                    findings.len(),
                    if findings.len() == 1 { "" } else { "s" }
                ),
                2,
            );
            if !findings.is_empty() {
                t.push_str(&terminal::table(
                    &["Severity", "Due", "Rule", "What to do"],
                    findings.iter().map(|f| {
                        vec![
                            f.severity.as_str().into(),
                            f.due.map_or_else(|| "–".into(), |d| d.to_string()),
                            f.rule.into(),
                            f.message.clone(),
                        ]
                    }),
                ));
            }
            for note in &loaded.notes {
                t.push_str(&terminal::line(&format!("Note: {}", crate::text::terminal_safe(note)), 6));
            }
            t
        }
    };
    out.write_all(text.as_bytes())?;
    if let Some(dir) = &args.notices {
        write_notices(dir, &id, &findings)?;
    }
    Ok(if findings.iter().any(|f| f.severity == Severity::Error) { Exit::Changes } else { Exit::Clean })
}

/// One comment per error finding, for the trial's issue: what to do and by when. Its first
/// line names the trial, the rule and the due date, so the Action posts it once: a finding
/// that persists week after week is not posted again (a new due date is a new finding).
fn write_notices(dir: &std::path::Path, id: &NctId, findings: &[crate::compliance::Finding]) -> anyhow::Result<()> {
    use anyhow::Context;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create the folder {}", dir.display()))?;
    for f in findings.iter().filter(|f| f.severity == Severity::Error) {
        let due = f.due.map_or_else(|| "none".to_string(), |d| d.to_string());
        let by = f.due.map_or_else(String::new, |d| format!(" (due {d})"));
        let text = format!(
            "<!-- ctwatch:{id}:finding:{}:{due} -->\n### Registry duty overdue: {}{by}\n\n{}\n\n`ctwatch check {id}` lists every finding. This is posted once; the weekly run stays red while it is open.\n",
            f.rule,
            f.rule.replace('_', " "),
            crate::format::markdown::text(&f.message),
        );
        let path = dir.join(format!("{id}.finding-{}.md", f.rule));
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
