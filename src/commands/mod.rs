//! One module per subcommand: each turns validated inputs into store updates and output.

pub mod backfill;
pub mod check;
pub mod demo;
pub mod diff;
pub mod discover;
pub mod history;
pub mod report;
pub mod site;
pub mod status;
pub mod sync;
pub mod verify;
use std::io::Write;

use anyhow::bail;

use crate::config::Config;
use crate::exit::Exit;
use crate::nct::NctId;

/// The ids named on the command line, else every trial of the config; validated, deduplicated.
pub fn trial_ids(config: &Config, given: &[String]) -> anyhow::Result<Vec<NctId>> {
    let mut ids: Vec<NctId> = if given.is_empty() {
        config.trials.iter().map(|t| t.nct_id.clone()).collect()
    } else {
        given.iter().map(|s| NctId::parse(s)).collect::<Result<_, _>>()?
    };
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    if ids.is_empty() {
        let source = config.source.as_deref().map_or("no config file".to_string(), |p| p.display().to_string());
        bail!("no trials: name one (e.g. NCT07038304) or add a [[trial]] to the config ({source})");
    }
    Ok(ids)
}

/// Runs a per-trial command for several trials: each trial's output in order (a blank line
/// between tables; a JSON list when more than one trial, the object itself for one named
/// trial), a failing trial reported on stderr in one line while the others go on. The exit
/// status aggregates: 2 if any trial failed, else 1 if any trial said 1, else 0.
pub(crate) fn each_trial(
    config: &Config,
    given: &[String],
    json: bool,
    out: &mut dyn Write,
    mut one: impl FnMut(&NctId, &mut Vec<u8>) -> anyhow::Result<Exit>,
) -> anyhow::Result<Exit> {
    let ids = trial_ids(config, given)?;
    if ids.len() == 1 && given.len() == 1 {
        // One trial named: its output and its error exactly as before.
        let mut buf = Vec::new();
        let exit = one(&ids[0], &mut buf)?;
        out.write_all(&buf)?;
        return Ok(exit);
    }
    let (mut failed, mut changes) = (false, false);
    let mut parts: Vec<Vec<u8>> = Vec::new();
    for id in &ids {
        let mut buf = Vec::new();
        match one(id, &mut buf) {
            Ok(exit) => {
                changes |= exit == Exit::Changes;
                failed |= exit == Exit::Failed;
                parts.push(buf);
            }
            Err(e) => {
                failed = true;
                eprintln!("ctwatch: error: {}", crate::text::one_line(&e.context(id.to_string())));
            }
        }
    }
    if json {
        let values: Vec<serde_json::Value> = parts.iter().filter_map(|p| serde_json::from_slice(p).ok()).collect();
        let mut text = serde_json::to_string_pretty(&values)?;
        text.push('\n');
        out.write_all(text.as_bytes())?;
    } else {
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                out.write_all(b"\n")?;
            }
            out.write_all(p)?;
        }
    }
    Ok(if failed {
        Exit::Failed
    } else if changes {
        Exit::Changes
    } else {
        Exit::Clean
    })
}
