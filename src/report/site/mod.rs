//! The portfolio site: a static, self-contained site a sponsor office opens in a browser.
//!
//! One portfolio page (the digest as a table: what needs action first, registry status and
//! duties, recruitment against target, the latest change) and one page per trial (headline,
//! recruitment chart, duties and what to do, every stored version newest first with its
//! changes in words, the fields and the text diff, each site's status over time, links to the
//! latest reports). Built from the store, the config and the accrual logs only: the site's
//! size grows with the stored versions, never with runs.

pub mod html;

use chrono::NaiveDate;

use crate::compliance::Finding;
use crate::config::Config;
use crate::diff::timeline::{Version, timeline_with_text};
use crate::nct::NctId;
use crate::registry::study;
use crate::report::progress::ProgressReport;
use crate::report::status::{self, TrialStatus};
use crate::store::{Origin, Store};

/// Days before the as-of date whose high-importance changes put ⚠ on a row.
pub const RECENT_DAYS: i64 = 30;

/// The whole site's model.
pub struct Portfolio {
    /// The date the site shows the portfolio as of.
    pub as_of: NaiveDate,
    /// One page per trial, in the digest's order: what needs action first.
    pub trials: Vec<TrialPage>,
}

/// One trial's page.
pub struct TrialPage {
    /// The trial's digest row: state, why it needs action, duties, recruitment.
    pub row: TrialStatus,
    /// The progress report, when the trial has an accrual log (its headline and chart).
    pub progress: Option<ProgressReport>,
    /// The registry duties at as-of, most urgent first.
    pub findings: Vec<Finding>,
    /// Every stored version, oldest first, with its changes (as `history` says them).
    pub versions: Vec<VersionEntry>,
    /// Each site's status over the stored versions.
    pub sites: Vec<SiteHistory>,
    /// Report files of the trial, copied beside its page: (label, file name).
    pub reports: Vec<(String, String)>,
}

/// One stored version on the timeline.
pub struct VersionEntry {
    /// What `history` shows for it.
    pub version: Version,
    /// The registry's posting date.
    pub posted: NaiveDate,
    /// The registry's own version number, when known (backfilled from its history, or matched
    /// to it by `backfill`): the registry's comparison page links need it.
    pub registry_version: Option<u32>,
    /// Unified diff of the canonical JSON against the version before (empty for the first).
    pub text_diff: String,
}

/// One site's status over time.
pub struct SiteHistory {
    /// Facility, city.
    pub name: String,
    /// (posting date of the version, the status it shows) at each change, oldest first;
    /// `None` as the status: no longer listed.
    pub events: Vec<(NaiveDate, Option<String>)>,
}

/// Builds the site's model of `ids` at `as_of`.
/// `accrual_dir`: a folder of `NCT….csv` accrual logs that take the place of the configured
/// ones (the GitHub Action keeps them outside the repository).
pub fn build(
    config: &Config,
    ids: &[NctId],
    as_of: NaiveDate,
    accrual_dir: Option<&std::path::Path>,
) -> anyhow::Result<Portfolio> {
    let since = as_of - chrono::Duration::days(RECENT_DAYS);
    let digest = status::build(config, ids, Some(since), as_of, crate::clock::now(), &config.reports.join("status"))?;
    let store = Store::new(&config.snapshots);
    // Trials are independent: read and diffed on every core.
    let pages = crate::parallel::map(&digest.trials, |row| page(config, &store, row, as_of, accrual_dir));
    Ok(Portfolio { as_of, trials: pages.into_iter().collect::<anyhow::Result<_>>()? })
}

fn page(
    config: &Config,
    store: &Store,
    row: &TrialStatus,
    as_of: NaiveDate,
    accrual_dir: Option<&std::path::Path>,
) -> anyhow::Result<TrialPage> {
    let id = &row.nct_id;
    let all = store.read_all(id)?;
    let numbers: std::collections::HashMap<String, u32> =
        store.history_index(id).unwrap_or_default().into_iter().map(|(n, name)| (name, n)).collect();
    let versions = all
        .iter()
        .zip(timeline_with_text(&all))
        .map(|((v, snap), (version, text_diff))| VersionEntry {
            version,
            posted: v.posted,
            registry_version: match snap.origin {
                Origin::History => snap.history_version,
                Origin::Api => numbers.get(&v.name).copied(),
            },
            text_diff,
        })
        .collect();
    let sites = site_histories(&all);
    let loaded = crate::inputs::from_versions(config, id, as_of, all).ok();
    let findings = loaded.as_ref().map(|l| l.findings()).unwrap_or_default();
    let log = accrual_dir.map(|d| d.join(format!("{id}.csv"))).filter(|p| p.is_file());
    let has_log = log.is_some() || config.trial(id).is_some_and(|t| t.accrual.is_some());
    let progress = match (has_log, loaded) {
        (true, Some(mut l)) => l.attach_log(log.as_deref()).and_then(|()| crate::report::progress::build_from(&l)).ok(),
        _ => None,
    };
    let mut row = row.clone();
    if let Some(r) = progress.as_ref().and_then(status::Recruitment::of) {
        row.recruitment = Some(r);
    }
    let reports = report_files(&config.reports.join(id.as_str()));
    Ok(TrialPage { row, progress, findings, versions, sites, reports })
}

/// Each site's status at each stored version where it changed (listed, status, removed).
fn site_histories(all: &[(crate::store::StoredVersion, crate::store::Snapshot)]) -> Vec<SiteHistory> {
    let mut out: Vec<SiteHistory> = Vec::new();
    for (v, snap) in all {
        let now: Vec<(String, Option<String>)> = study::sites(&snap.study)
            .into_iter()
            .map(|s| {
                let name = match &s.city {
                    Some(city) if !s.facility.is_empty() => format!("{}, {city}", s.facility),
                    Some(city) => city.clone(),
                    None => s.facility.clone(),
                };
                (name, s.status.or_else(|| Some("LISTED".into())))
            })
            .collect();
        for (name, status) in &now {
            match out.iter_mut().find(|h| &h.name == name) {
                Some(h) if h.events.last().map(|e| &e.1) != Some(status) => h.events.push((v.posted, status.clone())),
                Some(_) => {}
                None => out.push(SiteHistory { name: name.clone(), events: vec![(v.posted, status.clone())] }),
            }
        }
        for h in out.iter_mut() {
            if !now.iter().any(|(n, _)| n == &h.name) && h.events.last().is_some_and(|e| e.1.is_some()) {
                h.events.push((v.posted, None));
            }
        }
    }
    out
}

/// The trial's current report files (the stable names `report` writes, and the newest ethics
/// report of each language and format), as (label, file name).
fn report_files(dir: &std::path::Path) -> Vec<(String, String)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for ext in ["html", "md", "json", "svg"] {
        let name = format!("progress.{ext}");
        if names.contains(&name) {
            out.push((format!("Recruitment progress ({})", ext.to_uppercase()), name));
        }
    }
    for (suffix, lang) in [("", "English"), ("-nl", "Dutch")] {
        for ext in ["html", "docx", "md"] {
            let tail = format!("-metc-progress{suffix}.{ext}");
            if let Some(newest) = names.iter().filter(|n| n.ends_with(&tail)).max() {
                let date = newest.trim_end_matches(&tail);
                out.push((format!("Ethics progress report {date}, {lang} ({})", ext.to_uppercase()), newest.clone()));
            }
        }
    }
    out
}

/// What [`write()`] wrote.
pub struct Written {
    /// Pages written (the portfolio page and one per trial).
    pub pages: usize,
    /// Files in the site, reports copied included.
    pub files: usize,
    /// Their total size in bytes.
    pub bytes: u64,
}

/// Largest report file copied into the site.
const REPORT_LIMIT: u64 = 256 << 20;

/// Writes the site into `out`, all files or none (files whose content is already there are
/// left alone); trial folders of trials no longer in the portfolio are removed.
pub fn write(p: &Portfolio, config: &Config, out: &std::path::Path) -> anyhow::Result<Written> {
    let mut files: Vec<(std::path::PathBuf, Vec<u8>)> = vec![(out.join("index.html"), html::index(p).into_bytes())];
    for t in &p.trials {
        let dir = out.join(t.row.nct_id.as_str());
        files.push((dir.join("index.html"), html::trial(t, p.as_of).into_bytes()));
        for (_, name) in &t.reports {
            let from = config.reports.join(t.row.nct_id.as_str()).join(name);
            let bytes = crate::bounded::read_bounded(&from, REPORT_LIMIT)
                .map_err(|e| anyhow::anyhow!("{}: {e}", from.display()))?;
            files.push((dir.join("reports").join(name), bytes));
        }
    }
    let refs: Vec<(std::path::PathBuf, &[u8])> = files.iter().map(|(p, b)| (p.clone(), b.as_slice())).collect();
    crate::report::write_files(&refs)?;
    // Only what this site holds stays: a trial dropped from the config, a report no longer
    // written. Only ctwatch's own names (trial ids) are ever removed.
    let keep: std::collections::HashSet<&std::path::Path> = files.iter().map(|(p, _)| p.as_path()).collect();
    for entry in std::fs::read_dir(out)?.flatten() {
        let name = entry.file_name().into_string().unwrap_or_default();
        if NctId::parse(&name).is_err() || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        if !p.trials.iter().any(|t| t.row.nct_id.as_str() == name) {
            std::fs::remove_dir_all(entry.path())?;
            continue;
        }
        if let Ok(reports) = std::fs::read_dir(entry.path().join("reports")) {
            for r in reports.flatten() {
                if r.file_type().is_ok_and(|t| t.is_file()) && !keep.contains(r.path().as_path()) {
                    std::fs::remove_file(r.path())?;
                }
            }
        }
    }
    Ok(Written {
        pages: 1 + p.trials.len(),
        files: files.len(),
        bytes: files.iter().map(|(_, b)| b.len() as u64).sum(),
    })
}
