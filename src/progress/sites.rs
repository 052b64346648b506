//! A site-aware projection: the Poisson–gamma recruitment model of Anisimov & Fedorov (2007,
//! "Modelling, prediction and adaptive adjustment of recruitment in multicentre trials", Stat
//! Med 26:4958) with sites that open over time, a robust prior, and sites that may never open.
//!
//! Each site recruits as a Poisson process with its own rate. The prior for every rate comes
//! from the plan, spread over the K sites: Gamma(nP/K, TP) (shape, rate per day) — the
//! constant-rate model's Gamma(nP, TP) divided among the sites, with the same prior certainty
//! P — mixed with a vague component that lets the data overrule the plan ([`super::robust`]).
//! A site's counted inclusions update its rate over its open time; when and how a site opened
//! comes from [`super::openings`] (configured date, the study's actual start, the registry's
//! history, the first inclusion). A site not open yet opens after an uncertain delay, or never
//! ([`super::openings::DelayModel`]).
//!
//! The time τ until the remaining r = n − m participants are included solves H(τ) = G, with H
//! the cumulative rate of the open sites (piecewise linear as sites open) and G ~ Gamma(r, 1);
//! τ's 10/50/90 % quantiles and P(τ ≤ planned end) come from a seeded Monte Carlo over the
//! mixture weights, the rates' posteriors, the openings and G: the same inputs always give the
//! same figures. With one site open from the start and data that agree with the plan the model
//! is the constant-rate model (τ = (TP + t)·BetaPrime(r, nP + m)); a test checks the agreement.

use chrono::NaiveDate;
use serde::Serialize;

use super::openings::{self, DelayModel, Opening, OpeningSource, SiteHistory};
use super::random::gamma;
use super::robust;

/// Draws used by the report (the benchmark measures their cost).
pub const DRAWS: usize = 10_000;
/// The fixed seed: the same inputs give the same projection.
pub const SEED: u64 = 0x5EED_2026;

/// One site as the model sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteInput {
    /// The facility.
    pub name: String,
    /// Inclusions up to the report date.
    pub inclusions: u32,
    /// The configured opening date.
    pub opened: Option<NaiveDate>,
    /// The first inclusion.
    pub first_inclusion: Option<NaiveDate>,
    /// The registry says the site is not yet recruiting.
    pub not_yet_recruiting: bool,
    /// What the trial's stored versions say about the site.
    pub history: SiteHistory,
}

/// One site's forecast.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteForecast {
    /// The facility.
    pub facility: String,
    /// Included so far.
    pub enrolled: u32,
    /// Expected inclusions by the planned end (so far + projected), a whole number.
    pub projected_by_end: u32,
    /// When the site counts as open: its opening, or for a site not open yet the median
    /// opening among the draws in which it opens.
    pub opens: NaiveDate,
    /// Where that date came from.
    pub opening_source: OpeningSource,
    /// For a site not open yet: the probability it never opens.
    pub never_opens: Option<f64>,
}

/// The robust prior's verdict, in the JSON.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PlanCheck {
    /// Posterior weight of the plan-informed prior (0.8 before any data).
    pub plan_weight: f64,
    /// The rate the inclusions show, as a share of the plan's (posterior mean of the
    /// trial-wide factor in the vague component).
    pub rate_vs_plan: f64,
    /// The inclusions contradict the plan (plan weight under one half): the projection relies
    /// on the observed rate.
    pub conflict: bool,
}

/// The site-aware projection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteProjection {
    /// 10th percentile date the target is reached.
    pub p10: NaiveDate,
    /// Median date the target is reached.
    pub median: NaiveDate,
    /// 90th percentile.
    pub p90: NaiveDate,
    /// P(target reached by the planned end).
    pub probability_on_time: f64,
    /// Per site.
    pub sites: Vec<SiteForecast>,
    /// The robust prior's verdict.
    pub plan_check: PlanCheck,
    /// The opening model, when a site is not open yet.
    pub opening_model: Option<DelayModel>,
    /// Monte Carlo draws.
    pub draws: usize,
    /// The seed.
    pub seed: u64,
}

/// The model's inputs.
#[derive(Debug, Clone)]
pub struct SiteModel {
    /// Target n.
    pub target: u32,
    /// Start of recruitment.
    pub start: NaiveDate,
    /// The registry's start date is an actual date, not an anticipated one.
    pub start_actual: bool,
    /// Planned end of recruitment.
    pub end: NaiveDate,
    /// Report date.
    pub as_of: NaiveDate,
    /// Prior certainty P.
    pub prior_certainty: f64,
    /// The sites (at least one).
    pub sites: Vec<SiteInput>,
    /// Sites the registry listed in an earlier stored version and dropped without ever listing
    /// them as recruiting: this trial's own evidence that listed sites may never open.
    pub dropped_unopened: u32,
}

/// Longest projection horizon (a century): beyond it a trial is as good as stopped.
const HORIZON_DAYS: f64 = 36_525.0;
/// Site-draws a projection may take (draws × sites): 10,000 draws up to 2,000 sites.
const MAX_SITE_DRAWS: usize = 20_000_000;
/// The fewest draws, however many sites.
const MIN_DRAWS: usize = 1_000;
/// Opening draws kept for the median opening of the sites not open yet.
const MAX_OPENING_DRAWS: usize = 2_000_000;

/// Where a site sits in the Monte Carlo.
#[derive(Clone, Copy)]
enum Slot {
    /// Open (or opening on a known date): in group `g`.
    Group {
        /// The group.
        g: usize,
        /// Its opening.
        date: NaiveDate,
        /// Where that came from.
        source: OpeningSource,
    },
    /// Not open yet: the `w`-th such site.
    Waiting(usize),
}

impl SiteModel {
    /// The projection with [`DRAWS`] draws and [`SEED`].
    pub fn project(&self) -> Option<SiteProjection> {
        self.project_with(DRAWS, SEED)
    }

    /// Each site's opening.
    pub fn openings(&self) -> Vec<Opening> {
        let evidence: Vec<openings::Evidence> = self
            .sites
            .iter()
            .map(|s| openings::Evidence {
                inclusions: s.inclusions,
                configured: s.opened,
                first_inclusion: s.first_inclusion,
                not_yet_recruiting: s.not_yet_recruiting,
                history: s.history,
            })
            .collect();
        openings::openings(&evidence, self.start, self.start_actual, self.as_of)
    }

    /// The projection with `draws` draws from `seed`; `None` once the target is reached or
    /// without sites.
    pub fn project_with(&self, draws: usize, seed: u64) -> Option<SiteProjection> {
        self.project_inner(draws, seed, true)
    }

    /// The projection, with the robust prior or with the plan-informed prior alone.
    fn project_inner(&self, draws: usize, seed: u64, robust_prior: bool) -> Option<SiteProjection> {
        let enrolled: u32 = self.sites.iter().map(|s| s.inclusions).sum();
        if enrolled >= self.target || self.sites.is_empty() || self.end <= self.start {
            return None;
        }
        let k = self.sites.len() as f64;
        let (n, p) = (self.target as f64, self.prior_certainty);
        let planned = (self.end - self.start).num_days() as f64;
        let (shape0, rate0) = (n * p / k, planned * p);
        let opens = self.openings();
        let evidence: Vec<robust::Evidence> = opens
            .iter()
            .map(|o| match *o {
                Opening::At { date, counted, .. } => robust::Evidence {
                    shape: shape0,
                    counted: counted as f64,
                    open_days: (self.as_of - date).num_days().max(0) as f64,
                },
                Opening::Unopened { .. } => robust::Evidence { shape: shape0, counted: 0.0, open_days: 0.0 },
            })
            .collect();
        let robust =
            if robust_prior { robust::Posterior::of(&evidence, rate0) } else { robust::Posterior::plan_only() };
        let remaining = (self.target - enrolled) as f64;
        let to_end = (self.end - self.as_of).num_days() as f64;
        // Open sites alike in open time and opening (every site without inclusions that opens
        // on the same day) recruit together as one: given the trial-wide factor φ their rates
        // are Gamma(aᵢ, b + φt) with one rate parameter, and the sum of such is Gamma(Σaᵢ, ·).
        // One draw per group, so the work grows with the distinct sites, not with a registry
        // listing every hospital of a country; each site's expected share of its group's rate
        // is aᵢ/Σaᵢ. Sites not open yet open independently: one draw each.
        let mut groups: Vec<(f64, f64, f64)> = Vec::new();
        let mut waiting: Vec<f64> = Vec::new();
        let mut slots: Vec<Slot> = Vec::with_capacity(opens.len());
        let mut index: std::collections::HashMap<(u64, u64), usize> = std::collections::HashMap::new();
        for (o, e) in opens.iter().zip(&evidence) {
            let slot = match *o {
                Opening::Unopened { waited } => {
                    waiting.push(waited);
                    Slot::Waiting(waiting.len() - 1)
                }
                Opening::At { date, source, .. } => {
                    let offset = (date - self.as_of).num_days().max(0) as f64;
                    let g = *index.entry((e.open_days.to_bits(), offset.to_bits())).or_insert_with(|| {
                        groups.push((0.0, e.open_days, offset));
                        groups.len() - 1
                    });
                    groups[g].0 += e.shape + e.counted;
                    Slot::Group { g, date, source }
                }
            };
            slots.push(slot);
        }
        let delay = (!waiting.is_empty()).then(|| DelayModel::from(&opens, self.start, self.dropped_unopened));
        // The work is draws × (groups + sites not open): with thousands of distinct sites fewer
        // draws keep a report fast; the JSON says how many.
        let draws = draws.min((MAX_SITE_DRAWS / (groups.len() + waiting.len()).max(1)).max(MIN_DRAWS));
        let keep_openings = (MAX_OPENING_DRAWS / waiting.len().max(1)).min(draws);
        let mut order: Vec<usize> = (0..groups.len()).collect();
        order.sort_by(|&a, &b| groups[a].2.total_cmp(&groups[b].2));
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut times = Vec::with_capacity(draws);
        let mut group_by_end = vec![0.0f64; groups.len()];
        let mut waiting_by_end = vec![0.0f64; waiting.len()];
        let mut never = vec![0usize; waiting.len()];
        let mut opening_draws: Vec<Vec<f64>> = vec![Vec::with_capacity(keep_openings); waiting.len()];
        let mut rates = vec![0.0f64; groups.len()];
        let mut late: Vec<(f64, f64)> = Vec::with_capacity(waiting.len());
        let mut timeline: Vec<(f64, f64)> = Vec::with_capacity(groups.len() + waiting.len());
        for d in 0..draws {
            let phi = robust.draw(&mut rng);
            for (r, (shape, open_days, _)) in rates.iter_mut().zip(&groups) {
                *r = phi * gamma(&mut rng, *shape) / (rate0 + phi * open_days);
            }
            late.clear();
            if let Some(delay) = &delay {
                let q = delay.draw_never_share(&mut rng);
                for (w, &waited) in waiting.iter().enumerate() {
                    let rate = phi * gamma(&mut rng, shape0) / rate0;
                    match delay.draw_opening(&mut rng, q, waited) {
                        Some(offset) => {
                            late.push((offset, rate));
                            waiting_by_end[w] += rate * (to_end - offset).max(0.0);
                            if d < keep_openings {
                                opening_draws[w].push(offset);
                            }
                        }
                        None => {
                            never[w] += 1;
                            if d < keep_openings {
                                opening_draws[w].push(f64::INFINITY);
                            }
                        }
                    }
                }
                late.sort_by(|a, b| a.0.total_cmp(&b.0));
            }
            timeline.clear();
            merge(&order, &groups, &rates, &late, &mut timeline);
            times.push(time_to(gamma(&mut rng, remaining), &timeline));
            for (i, (_, _, offset)) in groups.iter().enumerate() {
                group_by_end[i] += rates[i] * (to_end - offset).max(0.0);
            }
        }
        times.sort_by(f64::total_cmp);
        let q = |p: f64| times[((draws as f64 - 1.0) * p).round() as usize];
        let date = |days: f64| super::projected(self.as_of, days);
        let on_time = times.iter().filter(|t| **t <= to_end).count() as f64 / draws as f64;
        let sites = self
            .sites
            .iter()
            .zip(&slots)
            .zip(&evidence)
            .map(|((s, slot), e)| {
                let (extra, opens, source, never_opens) = match *slot {
                    Slot::Group { g, date, source } => {
                        (group_by_end[g] * (e.shape + e.counted) / groups[g].0, date, source, None)
                    }
                    Slot::Waiting(w) => {
                        let mut offsets = std::mem::take(&mut opening_draws[w]);
                        offsets.sort_by(f64::total_cmp);
                        let opened: Vec<f64> = offsets.into_iter().filter(|o| o.is_finite()).collect();
                        let median = opened.get(opened.len() / 2).copied().unwrap_or(HORIZON_DAYS);
                        (waiting_by_end[w], date(median), OpeningSource::Expected, Some(never[w] as f64 / draws as f64))
                    }
                };
                SiteForecast {
                    facility: s.name.clone(),
                    enrolled: s.inclusions,
                    projected_by_end: (s.inclusions as f64 + extra / draws as f64).round() as u32,
                    opens,
                    opening_source: source,
                    never_opens,
                }
            })
            .collect();
        Some(SiteProjection {
            p10: date(q(0.1)),
            median: date(q(0.5)),
            p90: date(q(0.9)),
            probability_on_time: on_time,
            sites,
            plan_check: PlanCheck {
                plan_weight: robust.plan_weight,
                rate_vs_plan: robust.rate_vs_plan,
                conflict: robust.conflict(),
            },
            opening_model: delay,
            draws,
            seed,
        })
    }
}

/// The open groups (in opening order) and the sites opening later in this draw (sorted),
/// merged into one list of (offset, rate) by offset.
fn merge(order: &[usize], groups: &[(f64, f64, f64)], rates: &[f64], late: &[(f64, f64)], out: &mut Vec<(f64, f64)>) {
    let mut fixed = order.iter().map(|&i| (groups[i].2, rates[i])).peekable();
    let mut late = late.iter().copied().peekable();
    loop {
        let next = match (fixed.peek(), late.peek()) {
            (Some(a), Some(b)) if a.0 <= b.0 => fixed.next(),
            (Some(_), Some(_)) | (None, Some(_)) => late.next(),
            (Some(_), None) => fixed.next(),
            (None, None) => break,
        };
        out.extend(next);
    }
}

/// The time at which the cumulative rate of the sites (each from its opening offset, the list
/// in opening order) reaches `g`; [`HORIZON_DAYS`] when it never does.
fn time_to(g: f64, timeline: &[(f64, f64)]) -> f64 {
    let (mut t, mut h, mut rate) = (0.0f64, 0.0f64, 0.0f64);
    for &(off, r) in timeline {
        if rate > 0.0 && h + rate * (off - t) >= g {
            return t + (g - h) / rate;
        }
        h += rate * (off - t);
        t = off;
        rate += r;
    }
    if rate > 0.0 { (t + (g - h) / rate).min(HORIZON_DAYS) } else { HORIZON_DAYS }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::bayes::Accrual;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// Without the robust prior the site-aware model with one site open from the start is the
    /// constant-rate model: the same dates within Monte Carlo error. With it (as reports use
    /// it), the medians agree within 14 days when the data agree with the plan; the vague
    /// component widens the tails when data are few.
    #[test]
    fn one_site_open_from_the_start_agrees_with_the_constant_rate_model() {
        let (start, end) = (d("2025-01-03"), d("2029-01-03"));
        for (m, as_of, p, robust) in [
            (14, "2026-11-26", 0.5, false),
            (3, "2025-06-01", 0.25, false),
            (30, "2028-06-01", 1.0, false),
            (14, "2026-11-26", 0.5, true),
            (30, "2028-06-01", 1.0, true),
        ] {
            let as_of = d(as_of);
            let model = SiteModel {
                target: 35,
                start,
                start_actual: true,
                end,
                as_of,
                prior_certainty: p,
                dropped_unopened: 0,
                sites: vec![SiteInput {
                    name: "A".into(),
                    inclusions: m,
                    opened: Some(start),
                    first_inclusion: None,
                    not_yet_recruiting: false,
                    history: SiteHistory::default(),
                }],
            };
            let s = model.project_inner(40_000, 1, robust).unwrap();
            let c = Accrual {
                target: 35,
                enrolled: m,
                elapsed_days: (as_of - start).num_days() as f64,
                planned_days: (end - start).num_days() as f64,
                prior_certainty: p,
            }
            .project(as_of, end)
            .unwrap();
            if robust {
                assert!((s.median - c.median).num_days().abs() <= 14, "m={m} P={p}: {} vs {}", s.median, c.median);
                continue;
            }
            for (a, b) in [(s.p10, c.p10), (s.median, c.median), (s.p90, c.p90)] {
                let tolerance = 3 + ((b - as_of).num_days() / 50);
                assert!((a - b).num_days().abs() <= tolerance, "m={m} P={p}: {a} vs {b}");
            }
            assert!((s.probability_on_time - c.probability_on_time).abs() < 0.01, "m={m}: {s:?} {c:?}");
        }
    }

    #[test]
    fn same_inputs_same_figures_and_sites_open_as_documented() {
        let model = SiteModel {
            target: 35,
            start: d("2025-01-03"),
            start_actual: true,
            end: d("2029-01-03"),
            as_of: d("2026-11-26"),
            prior_certainty: 0.5,
            dropped_unopened: 0,
            sites: vec![
                SiteInput {
                    name: "UMCG".into(),
                    inclusions: 11,
                    opened: None,
                    first_inclusion: Some(d("2025-02-10")),
                    not_yet_recruiting: false,
                    history: SiteHistory::default(),
                },
                SiteInput {
                    name: "Radboud".into(),
                    inclusions: 3,
                    opened: None,
                    first_inclusion: Some(d("2026-01-28")),
                    not_yet_recruiting: false,
                    history: SiteHistory::default(),
                },
                SiteInput {
                    name: "Erasmus".into(),
                    inclusions: 0,
                    opened: None,
                    first_inclusion: None,
                    not_yet_recruiting: true,
                    history: SiteHistory::default(),
                },
            ],
        };
        let a = model.project().unwrap();
        assert_eq!(a, model.project().unwrap(), "seeded: reproducible");
        assert_eq!(a.sites[2].opening_source, OpeningSource::Expected);
        assert!(a.sites[2].opens > d("2026-11-26"), "a site not open yet opens after the report date");
        let never = a.sites[2].never_opens.unwrap();
        assert!((0.05..0.6).contains(&never), "it may never open: {never}");
        assert_eq!(a.sites[0].opening_source, OpeningSource::FirstInclusion);
        assert!(a.p10 < a.median && a.median < a.p90);
        assert!(a.sites.iter().map(|s| s.projected_by_end).sum::<u32>() >= 14);
    }
}
