//! The recruitment progress model: where a trial stands against its plan, per site, and when
//! it will probably reach its target.
//!
//! Time is in days. `start` is the registry start date; `end` the planned end of recruitment
//! (config `recruitment_end`, else the registry completion date; partial dates count to the
//! end of their period); `n` the target (config, else the registry enrollment count); `m` the
//! participants enrolled up to as-of, withdrawn ones included (they were included); P the prior
//! certainty (config, else 0.5). The linear plan expects n·t/T by now; the Bayesian projection
//! is in [`bayes`].

pub mod backtest;
pub mod bayes;
pub mod openings;
pub mod random;
pub mod robust;
pub mod sites;

use chrono::NaiveDate;
use serde::Serialize;

pub use bayes::{Accrual, Projection};

pub use crate::lang::{HORIZON, show};

/// `as_of` plus `days` (rounded), never past [`HORIZON`]; not-a-number counts as beyond it.
pub fn projected(as_of: NaiveDate, days: f64) -> NaiveDate {
    let limit = (HORIZON - as_of).num_days().max(0) as f64;
    if days.is_nan() || days >= limit {
        return HORIZON.max(as_of);
    }
    as_of + chrono::Duration::days(days.max(0.0).round() as i64)
}

use crate::accrual::AccrualLog;
use crate::registry::study::Site;

/// Average days per month (365.25 / 12), for months active and rates.
pub const DAYS_PER_MONTH: f64 = 30.4375;

/// The plan a trial is measured against.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Start of recruitment.
    pub start: NaiveDate,
    /// Planned end of recruitment.
    pub end: NaiveDate,
    /// Target number of participants.
    pub target: u32,
    /// Prior certainty P.
    pub prior_certainty: f64,
}

/// One site's recruitment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteProgress {
    /// The registry facility name.
    pub facility: String,
    /// The site's city, from the registry.
    pub city: Option<String>,
    /// The registry lists this site. False only for a site that appears in the accrual log
    /// and not on the registry.
    pub on_registry: bool,
    /// The site's status on the registry (`null` when the registry lists the site without a
    /// status, as most completed records do, or does not list it: see `on_registry`).
    pub registry_status: Option<String>,
    /// Included at this site, withdrawn ones included (`null` without an accrual log).
    pub enrolled: Option<u32>,
    /// Of those, withdrawn early.
    pub withdrawn: Option<u32>,
    /// Date of the first inclusion.
    pub first_enrolled_on: Option<NaiveDate>,
    /// Months from the first inclusion to as-of.
    pub months_active: Option<f64>,
    /// Inclusions per month active.
    pub rate_per_month: Option<f64>,
}

/// The figures of the model at `as_of`.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// Elapsed share of the recruitment period t/T (may exceed 1 after the end).
    pub elapsed_fraction: f64,
    /// Linear plan: n·min(t/T, 1).
    pub expected_by_now: f64,
    /// Enrolled (withdrawn included), when the log is known.
    pub enrolled: Option<u32>,
    /// Withdrawn, when the log is known.
    pub withdrawn: Option<u32>,
    /// The date the n-th participant was included, when the target is reached.
    pub target_reached_on: Option<NaiveDate>,
    /// The Bayesian projection (`None` without a log or once the target is reached).
    pub projection: Option<Projection>,
}

/// Errors that make a progress report impossible.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgressError {
    /// as-of before the start of recruitment.
    #[error("the report date {as_of} is before the start of recruitment ({start}); nothing to report yet")]
    BeforeStart {
        /// The report date.
        as_of: NaiveDate,
        /// The start date.
        start: NaiveDate,
    },
    /// end ≤ start.
    #[error(
        "the planned end of recruitment ({end}) is not after the start ({start}); fix recruitment_end in ctwatch.toml"
    )]
    EmptyPeriod {
        /// Start.
        start: NaiveDate,
        /// End.
        end: NaiveDate,
    },
}

impl Plan {
    /// Computes the model at `as_of` from the accrual log (or without one).
    pub fn progress(&self, log: Option<&AccrualLog>, as_of: NaiveDate) -> Result<Progress, ProgressError> {
        if as_of < self.start {
            return Err(ProgressError::BeforeStart { as_of, start: self.start });
        }
        if self.end <= self.start {
            return Err(ProgressError::EmptyPeriod { start: self.start, end: self.end });
        }
        let t = (as_of - self.start).num_days() as f64;
        let big_t = (self.end - self.start).num_days() as f64;
        let elapsed_fraction = t / big_t;
        let expected_by_now = self.target as f64 * elapsed_fraction.min(1.0);
        let Some(log) = log else {
            return Ok(Progress {
                elapsed_fraction,
                expected_by_now,
                enrolled: None,
                withdrawn: None,
                target_reached_on: None,
                projection: None,
            });
        };
        let (dates, withdrawn) = counts(log, as_of);
        let m = dates.len() as u32;
        let target_reached_on = (m >= self.target).then(|| dates[self.target as usize - 1]);
        let accrual = Accrual {
            target: self.target,
            enrolled: m,
            elapsed_days: t,
            planned_days: big_t,
            prior_certainty: self.prior_certainty,
        };
        Ok(Progress {
            elapsed_fraction,
            expected_by_now,
            enrolled: Some(m),
            withdrawn: Some(withdrawn),
            target_reached_on,
            projection: accrual.project(as_of, self.end),
        })
    }
}

impl Plan {
    /// The figures before recruitment starts (where [`Plan::progress`] says
    /// [`ProgressError::BeforeStart`]): nothing elapsed, nothing expected, no projection; the
    /// log's counts as they stand (normally none).
    pub fn before_start(&self, log: Option<&AccrualLog>, as_of: NaiveDate) -> Progress {
        let counts = log.map(|l| counts(l, as_of));
        Progress {
            elapsed_fraction: 0.0,
            expected_by_now: 0.0,
            enrolled: counts.as_ref().map(|(dates, _)| dates.len() as u32),
            withdrawn: counts.map(|(_, w)| w),
            target_reached_on: None,
            projection: None,
        }
    }
}

/// The log's inclusion dates up to `as_of`, sorted, and how many had left by then.
fn counts(log: &AccrualLog, as_of: NaiveDate) -> (Vec<NaiveDate>, u32) {
    let mut dates: Vec<NaiveDate> = log.inclusions.iter().map(|i| i.enrolled_on).filter(|d| *d <= as_of).collect();
    dates.sort();
    let withdrawn = log.inclusions.iter().filter(|i| i.withdrawn_on.is_some_and(|w| w <= as_of)).count() as u32;
    (dates, withdrawn)
}

/// Months in the window of the recent rate.
pub const RECENT_MONTHS: u32 = 6;

/// The pace a trial needs and the pace it has: what a sponsor can act on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Pace {
    /// Inclusions a month needed from the report date to reach the target by the planned end
    /// (`null` once the planned end has passed).
    pub needed_per_month: Option<f64>,
    /// Inclusions a month over the recent window.
    pub recent_per_month: f64,
    /// The window's length in months: 6, or the time since the start when that is shorter.
    pub recent_months: f64,
    /// The window's first day (exclusive): inclusions after it count.
    pub recent_since: NaiveDate,
}

/// The pace at `as_of` from the inclusion dates (those up to `as_of` count).
pub fn pace(dates: &[NaiveDate], plan: &Plan, as_of: NaiveDate) -> Pace {
    let enrolled = dates.iter().filter(|d| **d <= as_of).count() as f64;
    let to_end = (plan.end - as_of).num_days() as f64 / DAYS_PER_MONTH;
    let needed_per_month = (to_end > 0.0).then(|| (plan.target as f64 - enrolled).max(0.0) / to_end);
    let six = as_of.checked_sub_months(chrono::Months::new(RECENT_MONTHS)).unwrap_or(plan.start);
    let since = six.max(plan.start);
    let recent_months = if since == six {
        RECENT_MONTHS as f64
    } else {
        ((as_of - since).num_days() as f64 / DAYS_PER_MONTH).max(1.0 / DAYS_PER_MONTH)
    };
    let recent = dates.iter().filter(|d| **d > since && **d <= as_of).count() as f64;
    Pace { needed_per_month, recent_per_month: recent / recent_months, recent_months, recent_since: since }
}

/// Per-site figures: every registry site (facility, city, status), plus any site of the log
/// the registry does not list.
pub fn sites(registry: &[Site], log: Option<&AccrualLog>, as_of: NaiveDate) -> Vec<SiteProgress> {
    let mut out: Vec<SiteProgress> = registry
        .iter()
        .map(|site| SiteProgress {
            facility: site.facility.clone(),
            city: site.city.clone(),
            on_registry: true,
            registry_status: site.status.clone(),
            enrolled: None,
            withdrawn: None,
            first_enrolled_on: None,
            months_active: None,
            rate_per_month: None,
        })
        .collect();
    let Some(log) = log else { return out };
    for inc in log.inclusions.iter().filter(|i| i.enrolled_on <= as_of) {
        if !out.iter().any(|s| s.facility == inc.facility) {
            out.push(SiteProgress {
                facility: inc.facility.clone(),
                city: None,
                on_registry: false,
                registry_status: None,
                enrolled: None,
                withdrawn: None,
                first_enrolled_on: None,
                months_active: None,
                rate_per_month: None,
            });
        }
    }
    for site in &mut out {
        let here: Vec<_> =
            log.inclusions.iter().filter(|i| i.facility == site.facility && i.enrolled_on <= as_of).collect();
        site.enrolled = Some(here.len() as u32);
        site.withdrawn = Some(here.iter().filter(|i| i.withdrawn_on.is_some_and(|w| w <= as_of)).count() as u32);
        site.first_enrolled_on = here.iter().map(|i| i.enrolled_on).min();
        if let Some(first) = site.first_enrolled_on {
            let months = (as_of - first).num_days() as f64 / DAYS_PER_MONTH;
            site.months_active = Some(months);
            site.rate_per_month = (months > 0.0).then(|| here.len() as f64 / months);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accrual::Inclusion;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn plan() -> Plan {
        Plan { start: d("2025-01-03"), end: d("2029-01-03"), target: 35, prior_certainty: 0.5 }
    }

    fn log(dates: &[&str]) -> AccrualLog {
        AccrualLog {
            path: "x.csv".into(),
            inclusions: dates
                .iter()
                .enumerate()
                .map(|(i, s)| Inclusion {
                    facility: if i % 2 == 0 { "A".into() } else { "B".into() },
                    enrolled_on: d(s),
                    withdrawn_on: (i == 1).then(|| d(s) + chrono::Duration::days(30)),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn linear_plan_and_the_issue_example() {
        let dates: Vec<String> =
            (0..14).map(|i| (d("2025-02-01") + chrono::Duration::days(40 * i)).to_string()).collect();
        let refs: Vec<&str> = dates.iter().map(String::as_str).collect();
        let p = plan().progress(Some(&log(&refs)), d("2026-11-26")).unwrap();
        assert_eq!(p.enrolled, Some(14));
        assert_eq!(p.withdrawn, Some(1));
        assert!((p.elapsed_fraction - 692.0 / 1461.0).abs() < 1e-12);
        assert!((p.expected_by_now - 16.578).abs() < 0.001);
        let proj = p.projection.unwrap();
        assert_eq!((proj.p10, proj.median, proj.p90), (d("2028-09-09"), d("2029-06-26"), d("2030-08-08")));
    }

    #[test]
    fn pace_needed_and_recent() {
        // 14 of 35 on 2026-11-26, planned end 2029-01-03: 21 in 25.2 months.
        let mut dates: Vec<NaiveDate> = (0..11).map(|i| d("2025-02-10") + chrono::Duration::days(30 * i)).collect();
        dates.extend(["2026-06-01", "2026-08-01", "2026-11-20"].map(d));
        let p = pace(&dates, &plan(), d("2026-11-26"));
        let needed = 21.0 / ((d("2029-01-03") - d("2026-11-26")).num_days() as f64 / DAYS_PER_MONTH);
        assert!((p.needed_per_month.unwrap() - needed).abs() < 1e-9, "{p:?}");
        assert_eq!((p.recent_since, p.recent_months), (d("2026-05-26"), 6.0));
        assert!((p.recent_per_month - 0.5).abs() < 1e-9, "3 in 6 months: {p:?}");
        // Two months after the start the window is the two months.
        let early = pace(&[d("2025-02-01")], &plan(), d("2025-03-03"));
        assert_eq!(early.recent_since, d("2025-01-03"));
        assert!((early.recent_months - 59.0 / DAYS_PER_MONTH).abs() < 1e-9);
        // After the planned end nothing can be needed any more.
        assert_eq!(pace(&dates, &plan(), d("2029-02-01")).needed_per_month, None);
    }

    #[test]
    fn edge_cases() {
        assert!(matches!(plan().progress(None, d("2024-12-31")), Err(ProgressError::BeforeStart { .. })));
        let none = plan().progress(None, d("2026-11-26")).unwrap();
        assert_eq!((none.enrolled, none.projection.is_none()), (None, true));
        let zero = plan().progress(Some(&log(&[])), d("2026-11-26")).unwrap();
        assert_eq!(zero.enrolled, Some(0));
        assert_eq!(zero.projection.unwrap().median, d("2034-10-07"), "prior only");
        let dates: Vec<String> =
            (0..36).map(|i| (d("2025-02-01") + chrono::Duration::days(20 * i)).to_string()).collect();
        let refs: Vec<&str> = dates.iter().map(String::as_str).collect();
        let full = plan().progress(Some(&log(&refs)), d("2027-06-01")).unwrap();
        assert_eq!(full.target_reached_on, Some(d("2025-02-01") + chrono::Duration::days(20 * 34)));
        assert!(full.projection.is_none());
        let late = plan().progress(Some(&log(&refs[..20])), d("2029-06-01")).unwrap();
        assert_eq!(late.projection.unwrap().probability_on_time, 0.0);
        assert_eq!(late.expected_by_now, 35.0);
    }

    #[test]
    fn per_site_figures() {
        let l = log(&["2025-02-01", "2025-03-01", "2025-04-01"]);
        let site = |f: &str, city: Option<&str>, status: Option<&str>| Site {
            facility: f.into(),
            city: city.map(String::from),
            country: None,
            status: status.map(String::from),
        };
        let registry = vec![site("A", Some("Groningen"), Some("RECRUITING")), site("C", None, None)];
        let s = sites(&registry, Some(&l), d("2025-08-01"));
        assert_eq!(s.len(), 3, "B is not on the registry but is in the log");
        assert_eq!((s[0].enrolled, s[0].withdrawn, s[0].first_enrolled_on), (Some(2), Some(0), Some(d("2025-02-01"))));
        assert!((s[0].months_active.unwrap() - 181.0 / DAYS_PER_MONTH).abs() < 1e-9);
        assert_eq!((s[1].enrolled, s[1].first_enrolled_on), (Some(0), None));
        assert!(s[1].on_registry && s[1].registry_status.is_none(), "C: listed, status not given");
        assert!(!s[2].on_registry, "B: only in the log");
        assert_eq!((s[2].facility.as_str(), s[2].enrolled, s[2].withdrawn), ("B", Some(1), Some(1)));
    }
}
