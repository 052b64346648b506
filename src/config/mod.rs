//! `ctwatch.toml` plus the global flags, turned once into a validated [`Config`].
//!
//! The config file names the trials a sponsor office watches and the per-trial facts the
//! registry cannot know (recruitment target and end, the accrual log, the ethics committee's
//! decision date, site aliases). Every value is checked here, with the file and line in the
//! error, so later stages never re-validate. Unknown keys are errors: a typo such as
//! `recruitment_ned` must not silently fall back to a registry default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use reqwest::Url;

use crate::nct::NctId;

mod file;
use file::{CONFIG_LIMIT, base_url, parse_file, registry_settings, resolved, trials};
pub use file::{MAX_TARGET, MIN_PRIOR_CERTAINTY};

/// The public API v2 base; the only place this host is written down.
pub const DEFAULT_API_BASE: &str = "https://clinicaltrials.gov/api/v2";
/// The registry website's internal API that serves version history (undocumented).
pub const DEFAULT_HISTORY_BASE: &str = "https://clinicaltrials.gov/api/int";
/// Where people read a record on the registry's website (links in notices and reports).
pub const STUDY_PAGE: &str = "https://clinicaltrials.gov/study/";
/// The config file read from the working directory when `--config` is not given.
pub const DEFAULT_CONFIG_FILE: &str = "ctwatch.toml";

/// Everything a command needs to know about where to read and write and whom to ask.
#[derive(Debug, Clone)]
pub struct Config {
    /// API v2 base URL, without a trailing slash.
    pub api_base: Url,
    /// Version-history API base URL, without a trailing slash.
    pub history_base: Url,
    /// Root of the snapshot store.
    pub snapshots: PathBuf,
    /// Root of the report output.
    pub reports: PathBuf,
    /// HTTP client behaviour.
    pub registry: RegistrySettings,
    /// The trials of the config file, in file order.
    pub trials: Vec<TrialConfig>,
    /// The config file that was read, if any.
    pub source: Option<PathBuf>,
}

/// How ctwatch talks to the registry. Defaults follow the registry's `robots.txt`
/// (`Crawl-delay: 1`) and leave headroom for the 1.5 MB records some trials have.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistrySettings {
    /// Sent as `User-Agent`; honest by default (`ctwatch/<version>`).
    pub user_agent: String,
    /// Limit for establishing a connection.
    pub connect_timeout: Duration,
    /// Limit for one whole request, body included.
    pub timeout: Duration,
    /// Retries after the first attempt for transient failures.
    pub retries: u32,
    /// First backoff step; attempt k waits a random time in `[0, base·2^k]` (full jitter).
    pub retry_base: Duration,
    /// Total time a request may spend waiting between attempts, `Retry-After` included.
    pub retry_budget: Duration,
    /// Minimum spacing between two requests to the registry.
    pub min_interval: Duration,
    /// Largest response body accepted (after decompression).
    pub max_body_bytes: u64,
    /// How long to wait for another ctwatch that holds the store lock.
    pub lock_timeout: Duration,
}

impl Default for RegistrySettings {
    fn default() -> Self {
        RegistrySettings {
            user_agent: default_user_agent(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            retries: 4,
            retry_base: Duration::from_millis(500),
            retry_budget: Duration::from_secs(120),
            min_interval: Duration::from_secs(1),
            max_body_bytes: 256 * 1024 * 1024,
            lock_timeout: Duration::from_secs(30),
        }
    }
}

/// `ctwatch/<version>`: who we are, so the registry can tell us apart from browsers.
pub fn default_user_agent() -> String {
    format!("ctwatch/{}", env!("CARGO_PKG_VERSION"))
}

/// The default at-risk threshold: a trial is at risk when reaching its target on time is less
/// likely than not.
pub const DEFAULT_AT_RISK_BELOW: f64 = 0.5;

/// The per-trial facts a sponsor office knows and the registry does not.
#[derive(Debug, Clone, PartialEq)]
pub struct TrialConfig {
    /// The trial.
    pub nct_id: NctId,
    /// Recruitment target; overrides the registry's estimated enrollment.
    pub target: Option<u32>,
    /// Planned end of recruitment; overrides the registry's completion date.
    pub recruitment_end: Option<NaiveDate>,
    /// The sponsor's accrual log (CSV), resolved relative to the config file.
    pub accrual: Option<PathBuf>,
    /// Prior certainty P of the Bayesian accrual model, in (0, 1].
    pub prior_certainty: Option<f64>,
    /// The trial is at risk when the probability of reaching the target by the planned end
    /// falls under this (default [`DEFAULT_AT_RISK_BELOW`]).
    pub at_risk_below: Option<f64>,
    /// Date of the ethics committee's (METC) approval; the ethics report's periods count from it.
    pub metc_decision_date: Option<NaiveDate>,
    /// Names the accrual log may use for a site → the registry facility name.
    pub site_aliases: BTreeMap<String, String>,
    /// Site opening dates (registry facility → date), for the site-aware projection.
    pub site_opening: BTreeMap<String, NaiveDate>,
    /// The first day each site may include (registry facility → date): the ethics committee's
    /// approval of the site, or of the amendment that added it.
    pub site_approval: BTreeMap<String, NaiveDate>,
    /// The investigator's local file for the ethics report (adverse events, amendments…).
    pub ethics: Option<PathBuf>,
    /// The principal investigator as the ethics report names them (and signs it).
    pub principal_investigator: Option<String>,
    /// The reviewing ethics committee (METC), e.g. "METC UMC Groningen".
    pub metc: Option<String>,
    /// The METC's reference number for the study.
    pub metc_reference: Option<String>,
}

/// The global options as given on the command line or in the environment.
#[derive(Debug, Clone, Default)]
pub struct GlobalOptions {
    /// `--api-base`
    pub api_base: Option<String>,
    /// `--history-base`
    pub history_base: Option<String>,
    /// `--snapshots`
    pub snapshots: Option<PathBuf>,
    /// `--reports`
    pub reports: Option<PathBuf>,
    /// `--config`
    pub config: Option<PathBuf>,
}

impl Config {
    /// Reads the config file (the explicit one, else `ctwatch.toml` when it exists) and
    /// applies the global options on top.
    pub fn load(options: &GlobalOptions) -> anyhow::Result<Config> {
        let (source, text) = match &options.config {
            Some(path) => {
                let text = crate::bounded::read_text_bounded(path, CONFIG_LIMIT)
                    .with_context(|| format!("cannot read config file {}", path.display()))?;
                (Some(path.clone()), text)
            }
            None => {
                let path = PathBuf::from(DEFAULT_CONFIG_FILE);
                match crate::bounded::read_text_bounded(&path, CONFIG_LIMIT) {
                    Ok(text) => (Some(path), text),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => (None, String::new()),
                    Err(e) => {
                        return Err(e).with_context(|| format!("cannot read config file {}", path.display()));
                    }
                }
            }
        };
        let base_dir = source.as_deref().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default();
        let name = source.as_deref().map_or_else(|| "(defaults)".to_string(), |p| p.display().to_string());
        let raw = parse_file(&text, &name)?;
        let registry = registry_settings(raw.registry).map_err(|e| {
            // Name the line of the offending key when it can be found.
            let msg = e.to_string();
            let key = msg.strip_prefix("[registry] ").and_then(|m| m.split([' ', '=']).next()).unwrap_or("");
            match text.lines().position(|l| !key.is_empty() && l.trim_start().starts_with(key)) {
                Some(i) => anyhow::anyhow!("{name}:{}: {msg}", i + 1),
                None => anyhow::anyhow!("{name}: {msg}"),
            }
        })?;
        let trials = trials(raw.trial, &base_dir, &text).with_context(|| name.clone())?;
        let snapshots = options.snapshots.clone().unwrap_or_else(|| PathBuf::from("snapshots"));
        let reports = options.reports.clone().unwrap_or_else(|| PathBuf::from("reports"));
        // Reports written into the store would be taken for (broken) snapshots by every later
        // command; the store inside the reports folder would be overwritten by reports.
        let (s, r) = (resolved(&snapshots), resolved(&reports));
        if r.starts_with(&s) || s.starts_with(&r) {
            bail!(
                "--reports {} and --snapshots {} overlap: reports must go to a folder outside the snapshot store, and the store may not be inside it",
                reports.display(),
                snapshots.display()
            );
        }
        Ok(Config {
            api_base: base_url(options.api_base.as_deref().unwrap_or(DEFAULT_API_BASE), "--api-base")?,
            history_base: base_url(options.history_base.as_deref().unwrap_or(DEFAULT_HISTORY_BASE), "--history-base")?,
            snapshots,
            reports,
            registry,
            trials,
            source,
        })
    }

    /// Checks that `text` is a config ctwatch reads (settings and trials valid); `name` names
    /// it in errors.
    pub fn parse_text(text: &str, name: &str) -> anyhow::Result<()> {
        let raw = parse_file(text, name)?;
        registry_settings(raw.registry).with_context(|| name.to_string())?;
        trials(raw.trial, Path::new("."), text).with_context(|| name.to_string())?;
        Ok(())
    }

    /// The config entry of a trial, if it has one.
    pub fn trial(&self, id: &NctId) -> Option<&TrialConfig> {
        self.trials.iter().find(|t| &t.nct_id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<(RegistrySettings, Vec<TrialConfig>)> {
        let raw = parse_file(text, "ctwatch.toml")?;
        Ok((registry_settings(raw.registry)?, trials(raw.trial, Path::new("conf"), text)?))
    }

    #[test]
    fn full_trial_entry() {
        let (reg, trials) = parse(
            r#"
[registry]
min_interval_ms = 0
retries = 1

[[trial]]
nct_id = "nct7038304"
target = 35
recruitment_end = 2029-01-03
accrual = "accrual.csv"
prior_certainty = 0.5
metc_decision_date = 2024-10-01
site_aliases = { "UMCG" = "UMC Groningen" }
"#,
        )
        .unwrap();
        assert_eq!(reg.min_interval, Duration::ZERO);
        assert_eq!(reg.retries, 1);
        assert_eq!(reg.timeout, Duration::from_secs(60));
        let t = &trials[0];
        assert_eq!(t.nct_id.as_str(), "NCT07038304");
        assert_eq!(t.target, Some(35));
        assert_eq!(t.recruitment_end, NaiveDate::from_ymd_opt(2029, 1, 3));
        assert_eq!(t.accrual.as_deref(), Some(Path::new("conf/accrual.csv")));
        assert_eq!(t.site_aliases["UMCG"], "UMC Groningen");
    }

    #[test]
    fn errors_name_line_and_key() {
        let err = parse("[[trial]]\nnct_id = \"NCT07038304\"\nrecruitment_ned = 2029-01-03\n").unwrap_err().to_string();
        assert!(err.starts_with("ctwatch.toml:3:"), "{err}");
        assert!(err.contains("recruitment_ned"), "{err}");
        assert!(!err.contains('\n'), "one line: {err}");
    }

    #[test]
    fn dates_may_be_toml_dates_or_quoted_strings() {
        let (_, t) =
            parse("[[trial]]\nnct_id = \"NCT1\"\nrecruitment_end = \"2029-01-03\"\nmetc_decision_date = 2024-10-01\n")
                .unwrap();
        assert_eq!(t[0].recruitment_end, NaiveDate::from_ymd_opt(2029, 1, 3));
        assert_eq!(t[0].metc_decision_date, NaiveDate::from_ymd_opt(2024, 10, 1));
    }

    #[test]
    fn rejects_bad_values() {
        for (text, needle) in [
            ("[[trial]]\nnct_id = \"../x\"\n", "invalid NCT id"),
            ("[[trial]]\nnct_id = \"NCT1\"\n[[trial]]\nnct_id = \"NCT00000001\"\n", "listed twice"),
            ("[[trial]]\nnct_id = \"NCT1\"\nprior_certainty = 0.0\n", "prior_certainty"),
            ("[[trial]]\nnct_id = \"NCT1\"\ntarget = 0\n", "target"),
            ("[[trial]]\nnct_id = \"NCT1\"\nrecruitment_end = 2029-01-03T10:00:00\n", "expected a date like"),
            (
                "[[trial]]\nnct_id = \"NCT1\"\n\nrecruitment_end = \"2029-13-03\"\n",
                "line 4: trial NCT00000001: recruitment_end = \"2029-13-03\"",
            ),
            (
                "[[trial]]\nnct_id = \"NCT1\"\nmetc_decision_date = 20240101\n",
                "metc_decision_date = 20240101: expected",
            ),
            ("[registry]\ntimeout_secs = -1\n", "timeout_secs"),
        ] {
            let err = format!("{:#}", parse(text).unwrap_err());
            assert!(err.contains(needle), "{text:?} gave {err}");
        }
    }

    #[test]
    fn base_urls_are_normalised() {
        assert_eq!(
            base_url("http://127.0.0.1:8080/api/v2/", "--api-base").unwrap().as_str(),
            "http://127.0.0.1:8080/api/v2"
        );
        assert!(base_url("ftp://x", "--api-base").is_err());
        assert!(base_url("http://x/api?a=1", "--api-base").is_err());
        assert!(base_url("not a url", "--api-base").is_err());
    }
}
