//! The inputs every per-trial report and check starts from — the stored versions, the one
//! current at the as-of date, the trial's config entry and the accrual log — loaded in one
//! place for `check`, `report` (both kinds) and `status`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::NaiveDate;
use serde_json::Value;

use crate::accrual::{self, AccrualLog, SiteNames};
use crate::config::Config;
use crate::nct::NctId;
use crate::registry::study::{self, Site, enrollment_count};
use crate::store::{Store, StoredVersion, current_at};

/// One stored version: its file and its content.
pub type Version = (crate::store::StoredVersion, crate::store::Snapshot);

/// What every report and check starts from: the stored versions, the one current at as-of,
/// the trial's config entry and the accrual log.
pub struct Loaded<'a> {
    /// The trial.
    pub id: NctId,
    /// The report date.
    pub as_of: NaiveDate,
    /// Every stored version, oldest first.
    pub versions: Vec<Version>,
    /// Index of the version used: the newest posted on or before as-of.
    pub used: usize,
    /// The trial's config entry.
    pub trial: Option<&'a crate::config::TrialConfig>,
    /// The accrual log, when one was given or configured.
    pub log: Option<AccrualLog>,
    /// Where the log came from.
    pub log_path: Option<PathBuf>,
    /// Statements about the inputs (e.g. no version before as-of).
    pub notes: Vec<String>,
}

impl Loaded<'_> {
    /// The registry's enrollment count as a target (not 0, not the "unknown" sentinel).
    pub fn registry_target(&self) -> Option<u32> {
        enrollment_count(self.study()).filter(|c| *c > 0).and_then(|c| u32::try_from(c).ok())
    }

    /// The registry's completion date, a partial date counting to the end of its period.
    pub fn registry_end(&self) -> Option<NaiveDate> {
        study::date_at(self.study(), study::COMPLETION_DATE).map(|d| d.last_day())
    }

    /// The recruitment target: the config's, else the registry's enrollment count.
    pub fn target(&self) -> Option<u32> {
        self.trial.and_then(|t| t.target).or_else(|| self.registry_target())
    }

    /// Compliance findings for the version used.
    pub fn findings(&self) -> Vec<crate::compliance::Finding> {
        crate::compliance::check(
            self.study(),
            crate::compliance::Context {
                log: self.log.as_ref(),
                target: self.target(),
                as_of: self.as_of,
                site_approval: self.trial.map(|t| &t.site_approval),
                committee: self.committee().as_ref(),
            },
        )
    }

    /// The ethics committee's clock: its decision date (config) and what the trial's
    /// investigator file records as submitted (an unreadable file counts as nothing submitted;
    /// the ethics report names its error).
    pub fn committee(&self) -> Option<crate::compliance::Committee> {
        let trial = self.trial?;
        let decision = trial.metc_decision_date?;
        let submitted = trial
            .ethics
            .as_deref()
            .and_then(|p| crate::investigator::read_local(p).ok())
            .map(|l| l.submitted)
            .unwrap_or_default();
        Some(submitted.committee(decision))
    }

    /// The study document of the version used.
    pub fn study(&self) -> &Value {
        &self.versions[self.used].1.study
    }

    /// The registry changes of every stored version posted after `after` and up to `up_to`,
    /// each with the version it came in: what the progress report and the ethics report show.
    pub fn changes_posted(
        &self,
        after: NaiveDate,
        up_to: NaiveDate,
    ) -> Vec<(&crate::store::StoredVersion, crate::diff::Change)> {
        self.changes_where(|_, (version, _)| version.posted > after && version.posted <= up_to)
            .into_iter()
            .map(|(version, _, change)| (version, change))
            .collect()
    }

    /// The one walk over consecutive stored versions: the changes each version `keep` accepts
    /// (given its predecessor) brought, with the version and its snapshot.
    pub fn changes_where(
        &self,
        keep: impl Fn(&Version, &Version) -> bool,
    ) -> Vec<(&crate::store::StoredVersion, &crate::store::Snapshot, crate::diff::Change)> {
        let mut out = Vec::new();
        for pair in self.versions.windows(2) {
            if keep(&pair[0], &pair[1]) {
                let (before, (version, snap)) = (&pair[0].1, &pair[1]);
                out.extend(crate::diff::between(before, snap).0.into_iter().map(|c| (version, snap, c)));
            }
        }
        out
    }

    /// Reads the accrual log — `accrual_override`, else the trial's configured one, if any —
    /// against the sites of the version used. On an error the inputs stay without a log.
    pub fn attach_log(&mut self, accrual_override: Option<&Path>) -> anyhow::Result<()> {
        let (id, trial) = (&self.id, self.trial);
        self.log_path = accrual_override.map(Path::to_path_buf).or_else(|| trial.and_then(|t| t.accrual.clone()));
        if let Some(path) = &self.log_path {
            let facilities: Vec<String> = self.locations().into_iter().map(|s| s.facility).collect();
            let aliases = trial.map(|t| t.site_aliases.clone()).unwrap_or_default();
            let names =
                SiteNames::new(&facilities, &aliases).map_err(|e| anyhow::anyhow!("{id}: ctwatch.toml: {e}"))?;
            self.log = Some(accrual::read(path, &names, self.as_of).with_context(|| id.to_string())?);
        }
        Ok(())
    }

    /// The registry's sites in the version used.
    pub fn locations(&self) -> Vec<Site> {
        study::sites(self.study())
    }

    /// The registry's start date is an actual date: typed ACTUAL, or untyped (older records)
    /// in a record no longer "not yet recruiting".
    pub fn start_actual(&self) -> bool {
        match study::text_at(self.study(), study::START_DATE_TYPE) {
            Some(kind) => kind == "ACTUAL",
            None => study::overall_status(self.study()).is_some_and(|s| s != "NOT_YET_RECRUITING"),
        }
    }

    /// What the stored versions up to the one used say about the trial's sites, each
    /// version's sites read once (matched by facility name; the first listing of a name in a
    /// version counts, so a record with thousands of sites is read in linear time).
    pub fn site_evidence(&self) -> SiteEvidence {
        use std::collections::{HashMap, HashSet};
        let per_version: Vec<(NaiveDate, Vec<Site>)> =
            self.versions[..=self.used].iter().map(|(v, snapshot)| (v.posted, study::sites(&snapshot.study))).collect();
        let indexed: Vec<(NaiveDate, HashMap<&str, Option<&str>>)> = per_version
            .iter()
            .map(|(d, sites)| {
                let mut by_name = HashMap::with_capacity(sites.len());
                for s in sites {
                    by_name.entry(s.facility.as_str()).or_insert(s.status.as_deref());
                }
                (*d, by_name)
            })
            .collect();
        let (now, earlier) = indexed.split_last().expect("the version used is stored");
        // Sites an earlier version listed that the version used no longer lists, none of them
        // ever listed as recruiting: sites that never opened.
        let mut ever_open: HashMap<&str, bool> = HashMap::new();
        for (_, by_name) in earlier {
            for (name, status) in by_name {
                *ever_open.entry(name).or_default() |= status.is_some_and(crate::progress::openings::is_open_status);
            }
        }
        let dropped_unopened =
            ever_open.iter().filter(|(name, open)| !**open && !now.1.contains_key(**name)).count() as u32;
        let names: HashSet<&str> = now.1.keys().copied().collect();
        let histories = names
            .into_iter()
            .map(|name| {
                let seen: Vec<(NaiveDate, Option<Option<&str>>)> =
                    indexed.iter().map(|(d, by_name)| (*d, by_name.get(name).copied())).collect();
                (name.to_string(), crate::progress::openings::history_of(&seen))
            })
            .collect();
        SiteEvidence { histories, dropped_unopened }
    }
}

/// What the stored versions say about a trial's sites, for the projection.
#[derive(Debug, Clone, Default)]
pub struct SiteEvidence {
    /// Each site the version used lists: when it was first listed, and first listed as
    /// recruiting.
    pub histories: std::collections::HashMap<String, crate::progress::openings::SiteHistory>,
    /// Sites the registry listed in an earlier version and dropped without their ever
    /// recruiting.
    pub dropped_unopened: u32,
}

/// Loads the inputs of a report or check of `id` at `as_of`, the accrual log included.
pub fn load<'a>(
    config: &'a Config,
    id: &NctId,
    accrual_override: Option<&Path>,
    as_of: NaiveDate,
) -> anyhow::Result<Loaded<'a>> {
    let mut loaded = load_without_log(config, id, as_of)?;
    loaded.attach_log(accrual_override)?;
    Ok(loaded)
}

/// The registry side of the inputs only (versions, the one current at as-of, config entry):
/// what needs no accrual log, so a bad log never hides registry facts.
pub fn load_without_log<'a>(config: &'a Config, id: &NctId, as_of: NaiveDate) -> anyhow::Result<Loaded<'a>> {
    from_versions(config, id, as_of, Store::new(&config.snapshots).read_all(id)?)
}

/// [`load_without_log`] from versions already read (oldest first).
pub fn from_versions<'a>(
    config: &'a Config,
    id: &NctId,
    as_of: NaiveDate,
    versions: Vec<Version>,
) -> anyhow::Result<Loaded<'a>> {
    if versions.is_empty() {
        bail!("{id}: no stored snapshot in {}; run `ctwatch sync {id}` first", config.snapshots.display());
    }
    let mut notes = Vec::new();
    let stored: Vec<StoredVersion> = versions.iter().map(|(v, _)| v.clone()).collect();
    let used = match current_at(&stored, as_of) {
        Some(i) => i,
        None => {
            notes.push(format!(
                "No registry version was posted on or before {as_of}; the oldest stored version ({}) is used.",
                versions[0].0.name
            ));
            0
        }
    };
    let trial = config.trial(id);
    Ok(Loaded { id: id.clone(), as_of, versions, used, trial, log: None, log_path: None, notes })
}
