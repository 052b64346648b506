//! When each site opened, or may open, and how sure that is — read from the registry's own
//! history of the site where the trial's store has it.
//!
//! A site's opening is, in this order:
//! 1. the date configured in `[trial.site_opening]` (all its inclusions count);
//! 2. for the site that started the study — recruiting in the first stored version and holding
//!    the trial's first inclusion (or, before any inclusion, every site recruiting in the first
//!    stored version) — the registry's actual start date (all its inclusions count);
//! 3. the first stored version (snapshot or backfilled history) that lists it as recruiting,
//!    unless its first inclusion came earlier (the registry is often updated late) — a site
//!    recruiting with no inclusion counts its open time with zero inclusions;
//! 4. its first inclusion (the first marks the opening; the others count);
//! 5. listed as recruiting now, nothing else known: the report date;
//! 6. listed as not yet recruiting: not open. It opens after an uncertain delay, or never
//!    ([`DelayModel`]).

use chrono::NaiveDate;
use serde::Serialize;

/// Where a site's opening date came from (the JSON's `opening_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OpeningSource {
    /// `[trial.site_opening]` in ctwatch.toml.
    Configured,
    /// The registry's actual start date: the site started the study.
    StudyStart,
    /// The first stored version listing the site as recruiting.
    RegistryHistory,
    /// The site's first inclusion in the accrual log.
    FirstInclusion,
    /// Listed as recruiting now, with no other evidence: counts from the report date.
    RecruitingNow,
    /// Not open yet: the expected opening (median of the model's draws).
    Expected,
}

impl OpeningSource {
    /// In the report's words.
    pub fn describe(self) -> &'static str {
        match self {
            OpeningSource::Configured => "the opening date the sponsor office set",
            OpeningSource::StudyStart => "the study's actual start: this site started it",
            OpeningSource::RegistryHistory => "first listed as recruiting on the registry",
            OpeningSource::FirstInclusion => "its first inclusion",
            OpeningSource::RecruitingNow => "recruiting on the registry, no earlier record",
            OpeningSource::Expected => "not open yet: expected",
        }
    }
}

/// What the trial's stored versions say about one site.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SiteHistory {
    /// The first stored version listing the site (at all).
    pub listed_since: Option<NaiveDate>,
    /// The first stored version listing it as recruiting (or enrolling by invitation).
    pub recruiting_since: Option<NaiveDate>,
    /// It is already recruiting in the first stored version of the trial, so
    /// `recruiting_since` only bounds its opening from above.
    pub recruiting_in_first_version: bool,
}

/// A site status that means the site is (or was) open to inclusions.
pub fn is_open_status(status: &str) -> bool {
    matches!(status, "RECRUITING" | "ENROLLING_BY_INVITATION")
}

/// What the site's history shows across the stored versions, oldest first: each version's
/// posted date and the site's status in it (`None`: the version does not list the site,
/// `Some(None)`: listed without a status).
pub fn history_of(versions: &[(NaiveDate, Option<Option<&str>>)]) -> SiteHistory {
    let listed_since = versions.iter().find(|(_, s)| s.is_some()).map(|(d, _)| *d);
    let first_open = versions.iter().position(|(_, s)| matches!(s, Some(Some(st)) if is_open_status(st)));
    SiteHistory {
        listed_since,
        recruiting_since: first_open.map(|i| versions[i].0),
        recruiting_in_first_version: first_open == Some(0),
    }
}

/// A site's opening as the model uses it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Opening {
    /// Open (or opening on a configured date): from `date`, with `counted` inclusions over
    /// the open time.
    At {
        /// The opening date.
        date: NaiveDate,
        /// Where it came from.
        source: OpeningSource,
        /// Inclusions that count as evidence of the rate.
        counted: u32,
    },
    /// Listed, not open yet, waiting `waited` days (since the start or since it was first
    /// listed, whichever is later).
    Unopened {
        /// Days waited by the report date.
        waited: f64,
    },
}

/// One site's evidence for [`openings`].
#[derive(Debug, Clone, Copy)]
pub struct Evidence {
    /// Inclusions up to the report date.
    pub inclusions: u32,
    /// The configured opening date.
    pub configured: Option<NaiveDate>,
    /// The first inclusion.
    pub first_inclusion: Option<NaiveDate>,
    /// The registry lists it as not yet recruiting in the version used.
    pub not_yet_recruiting: bool,
    /// Its history in the store.
    pub history: SiteHistory,
}

/// Each site's opening, by the rules of this module. `start_actual`: the registry's start
/// date is an actual date (not anticipated).
pub fn openings(sites: &[Evidence], start: NaiveDate, start_actual: bool, as_of: NaiveDate) -> Vec<Opening> {
    let trial_first = sites.iter().filter_map(|s| s.first_inclusion).min();
    sites
        .iter()
        .map(|s| {
            let at = |date, source, counted| Opening::At { date, source, counted };
            if let Some(d) = s.configured {
                return at(d, OpeningSource::Configured, s.inclusions);
            }
            let started = start_actual
                && s.history.recruiting_in_first_version
                && match trial_first {
                    Some(first) => s.first_inclusion == Some(first),
                    None => true,
                };
            if started && start <= as_of {
                return at(start, OpeningSource::StudyStart, s.inclusions);
            }
            match (s.history.recruiting_since.filter(|d| *d <= as_of), s.first_inclusion) {
                (Some(r), Some(f)) if f < r => at(f, OpeningSource::FirstInclusion, s.inclusions.saturating_sub(1)),
                (Some(r), _) => at(r.max(start), OpeningSource::RegistryHistory, s.inclusions),
                (None, Some(f)) => at(f, OpeningSource::FirstInclusion, s.inclusions.saturating_sub(1)),
                (None, None) if !s.not_yet_recruiting => at(as_of, OpeningSource::RecruitingNow, 0),
                (None, None) => {
                    let since = s.history.listed_since.map_or(start, |l| l.max(start));
                    Opening::Unopened { waited: (as_of - since).num_days().max(0) as f64 }
                }
            }
        })
        .collect()
}

/// The default probability that a listed site never opens: 7 % — of the sites selected for a
/// trial in Western Europe 93 % are activated (Tufts Center for the Study of Drug Development,
/// Impact Report 15(1), January/February 2013: 150 trials, 16,000 sites; Western Europe has the
/// highest activation rate of the regions, and 11 % of all sites enrol no participant).
pub const DEFAULT_NEVER_OPENS: f64 = 0.07;
/// The weight of that default, in sites: the trial's own sites move it as they open.
pub const NEVER_OPENS_WEIGHT: f64 = 10.0;
/// The default mean delay from listing to opening, in days (half a year): ctwatch's
/// assumption, replaced by the trial's own sites' delays as they open.
pub const DEFAULT_DELAY_DAYS: f64 = 182.0;

/// The opening model of sites not open yet: a delay that is exponential with rate κ, and a
/// share q of sites that never open (a "cure" model). κ ~ Gamma(1 + k, D₀ + Σ delays) from
/// the delays of the trial's sites that opened after the start (D₀ the default mean delay,
/// worth one site); q ~ Beta(q₀·w + dropped, (1 − q₀)·w + opened) — the sites that opened, and
/// those the registry listed and then dropped without their ever recruiting — with q₀ the default
/// share and w its weight in sites; see [`DelayModel::draw_opening`] for a site's own wait.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DelayModel {
    /// Gamma shape of κ.
    pub delay_shape: f64,
    /// Gamma rate of κ (days).
    pub delay_days: f64,
    /// Beta α of q.
    pub never_alpha: f64,
    /// Beta β of q.
    pub never_beta: f64,
    /// Sites of the trial that opened after the start (their delays inform κ).
    pub delays_seen: usize,
    /// Sites of the trial that opened (they inform q).
    pub sites_opened: usize,
    /// Sites the registry listed and dropped without their ever recruiting (they inform q).
    pub sites_dropped: u32,
}

impl DelayModel {
    /// The model from the trial's openings and the number of sites the registry dropped
    /// without their ever recruiting.
    pub fn from(openings: &[Opening], start: NaiveDate, dropped: u32) -> DelayModel {
        let mut delays = Vec::new();
        let mut opened = 0usize;
        for o in openings {
            if let Opening::At { date, source, .. } = o {
                if *source == OpeningSource::RecruitingNow {
                    continue;
                }
                opened += 1;
                let delay = (*date - start).num_days();
                if delay > 0 && *source != OpeningSource::StudyStart {
                    delays.push(delay as f64);
                }
            }
        }
        DelayModel {
            delay_shape: 1.0 + delays.len() as f64,
            delay_days: DEFAULT_DELAY_DAYS + delays.iter().sum::<f64>(),
            never_alpha: DEFAULT_NEVER_OPENS * NEVER_OPENS_WEIGHT + dropped as f64,
            never_beta: (1.0 - DEFAULT_NEVER_OPENS) * NEVER_OPENS_WEIGHT + opened as f64,
            delays_seen: delays.len(),
            sites_opened: opened,
            sites_dropped: dropped,
        }
    }

    /// The typical delay to opening, days (1 / the posterior mean of κ).
    pub fn mean_delay_days(&self) -> f64 {
        self.delay_days / self.delay_shape
    }

    /// The prior-mean probability that a site never opens (before its own wait).
    pub fn never_share(&self) -> f64 {
        self.never_alpha / (self.never_alpha + self.never_beta)
    }

    /// One draw of a waiting site's opening: days from the report date, or `None` (never).
    /// `q` is this draw's never-share. The site's own wait of c days is evidence too: it never
    /// opens with probability q / (q + (1 − q)·E[e^(−κc)]), E[e^(−κc)] = (b / (b + c))^a for
    /// κ ~ Gamma(a, b); if it opens, its κ is Gamma(a, b + c) — the longer it has waited, the
    /// longer it is likely to wait still.
    pub fn draw_opening(&self, rng: &mut fastrand::Rng, q: f64, waited: f64) -> Option<f64> {
        let survive = (self.delay_days / (self.delay_days + waited)).powf(self.delay_shape);
        let never = q / (q + (1.0 - q) * survive);
        if rng.f64() < never {
            return None;
        }
        let kappa = super::random::gamma(rng, self.delay_shape) / self.delay_days;
        Some(-rng.f64().max(f64::MIN_POSITIVE).ln() / kappa)
    }

    /// This draw's never-share q.
    pub fn draw_never_share(&self, rng: &mut fastrand::Rng) -> f64 {
        let a = super::random::gamma(rng, self.never_alpha);
        let b = super::random::gamma(rng, self.never_beta);
        a / (a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn evidence(inclusions: u32, first: Option<&str>, history: SiteHistory) -> Evidence {
        Evidence {
            inclusions,
            configured: None,
            first_inclusion: first.map(d),
            not_yet_recruiting: history.recruiting_since.is_none(),
            history,
        }
    }

    #[test]
    fn history_reads_the_first_listing_and_the_first_recruiting_version() {
        let h = history_of(&[
            (d("2025-01-10"), None),
            (d("2025-03-01"), Some(Some("NOT_YET_RECRUITING"))),
            (d("2025-09-15"), Some(Some("RECRUITING"))),
            (d("2026-01-01"), Some(None)),
        ]);
        assert_eq!(h.listed_since, Some(d("2025-03-01")));
        assert_eq!(h.recruiting_since, Some(d("2025-09-15")));
        assert!(!h.recruiting_in_first_version);
        let first = history_of(&[(d("2025-01-10"), Some(Some("RECRUITING")))]);
        assert!(first.recruiting_in_first_version);
    }

    #[test]
    fn each_source_in_its_order() {
        let (start, as_of) = (d("2025-01-03"), d("2026-11-26"));
        let from_first = SiteHistory {
            listed_since: Some(d("2025-01-10")),
            recruiting_since: Some(d("2025-01-10")),
            recruiting_in_first_version: true,
        };
        let later = |r: &str| SiteHistory {
            listed_since: Some(d("2025-01-10")),
            recruiting_since: Some(d(r)),
            recruiting_in_first_version: false,
        };
        let sites = [
            // Started the study: the trial's first inclusion, recruiting from the first version.
            evidence(11, Some("2025-02-10"), from_first),
            // Recruiting from the first version too, but its first inclusion came later.
            evidence(2, Some("2025-05-01"), from_first),
            // Listed as recruiting on 2025-09-15, included first on 2026-01-28.
            evidence(3, Some("2026-01-28"), later("2025-09-15")),
            // Recruiting since 2026-06-01 with nobody included: its open time counts.
            evidence(0, None, later("2026-06-01")),
            // The registry was updated after its first inclusion.
            evidence(4, Some("2026-02-01"), later("2026-03-01")),
            // Not yet recruiting, listed from the first version.
            evidence(0, None, SiteHistory { listed_since: Some(d("2025-01-10")), ..Default::default() }),
        ];
        let o = openings(&sites, start, true, as_of);
        let at = |date: &str, source, counted| Opening::At { date: d(date), source, counted };
        assert_eq!(o[0], at("2025-01-03", OpeningSource::StudyStart, 11));
        assert_eq!(o[1], at("2025-01-10", OpeningSource::RegistryHistory, 2));
        assert_eq!(o[2], at("2025-09-15", OpeningSource::RegistryHistory, 3));
        assert_eq!(o[3], at("2026-06-01", OpeningSource::RegistryHistory, 0));
        assert_eq!(o[4], at("2026-02-01", OpeningSource::FirstInclusion, 3));
        assert_eq!(o[5], Opening::Unopened { waited: (as_of - d("2025-01-10")).num_days() as f64 });
        // An anticipated start date proves nothing: the first version's date counts instead.
        assert_eq!(openings(&sites, start, false, as_of)[0], at("2025-01-10", OpeningSource::RegistryHistory, 11));
        // A configured date wins over everything.
        let mut configured = sites[0];
        configured.configured = Some(d("2025-01-20"));
        assert_eq!(openings(&[configured], start, true, as_of)[0], at("2025-01-20", OpeningSource::Configured, 11));
        // Without a store: the first inclusion, as before.
        let bare = evidence(5, Some("2025-04-01"), SiteHistory::default());
        assert_eq!(
            openings(&[Evidence { not_yet_recruiting: false, ..bare }], start, true, as_of)[0],
            at("2025-04-01", OpeningSource::FirstInclusion, 4)
        );
    }

    #[test]
    fn a_long_wait_makes_never_opening_likely() {
        let model = DelayModel::from(&[], d("2025-01-01"), 0);
        let dropped = DelayModel::from(&[], d("2025-01-01"), 3);
        assert!(dropped.never_share() > 3.0 * model.never_share(), "three dropped sites: {dropped:?}");
        assert_eq!(model.delays_seen, 0);
        assert!((model.mean_delay_days() - DEFAULT_DELAY_DAYS).abs() < 1e-9);
        let mut rng = fastrand::Rng::with_seed(3);
        let share_never = |waited: f64, rng: &mut fastrand::Rng| {
            let n = 20_000;
            (0..n)
                .filter(|_| {
                    let q = model.draw_never_share(rng);
                    model.draw_opening(rng, q, waited).is_none()
                })
                .count() as f64
                / n as f64
        };
        let fresh = share_never(0.0, &mut rng);
        let year = share_never(365.0, &mut rng);
        let three = share_never(1095.0, &mut rng);
        assert!((fresh - DEFAULT_NEVER_OPENS).abs() < 0.01, "{fresh}");
        assert!(fresh < year && year < three, "{fresh} {year} {three}");
        assert!(three > 3.0 * fresh, "after three years of waiting, never opening is far likelier: {three}");
    }
}
