//! A site-aware projection: the Poisson–gamma recruitment model of Anisimov & Fedorov (2007,
//! "Modelling, prediction and adaptive adjustment of recruitment in multicentre trials", Stat
//! Med 26:4958) with sites that open over time.
//!
//! Each site recruits as a Poisson process with its own rate λᵢ. The prior for every rate comes
//! from the plan, spread over the K sites: Gamma(nP/K, TP) (shape, rate per day) — the
//! constant-rate model's Gamma(nP, TP) divided among the sites, with the same prior certainty
//! P. A site's inclusions update its rate over its active time: from its configured opening
//! date (all its inclusions count), else from its first inclusion (the first one marks the
//! opening, the rest count). A site not open yet contributes from its expected opening date:
//! configured in ctwatch.toml, else the median opening delay of the trial's other sites after
//! the start (never before the report date), else 90 days after the report date.
//!
//! The time τ until the remaining r = n − m participants are included solves H(τ) = G, with H
//! the cumulative rate of the open sites (piecewise linear as sites open) and G ~ Gamma(r, 1);
//! τ's 10/50/90 % quantiles and P(τ ≤ planned end) come from a seeded Monte Carlo over the
//! rates' posteriors and G: the same inputs always give the same figures. With one site open
//! from the start the model is the constant-rate model (τ = (TP + t)·BetaPrime(r, nP + m)); a
//! test checks the agreement.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

/// Draws used by the report (the benchmark measures their cost).
pub const DRAWS: usize = 10_000;
/// The fixed seed: the same inputs give the same projection.
pub const SEED: u64 = 0x5EED_2026;
/// Days after the report date assumed for a site with no opening date when no other site's
/// opening delay is known.
pub const DEFAULT_OPENING_DAYS: i64 = 90;

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
    /// When the site counts as open (opened, or expected to open).
    pub opens: NaiveDate,
    /// Where that date came from: `configured`, `first inclusion`, `recruiting on the registry`,
    /// `median delay of the other sites` or `default (90 days)`.
    pub opening_source: &'static str,
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
    /// Planned end of recruitment.
    pub end: NaiveDate,
    /// Report date.
    pub as_of: NaiveDate,
    /// Prior certainty P.
    pub prior_certainty: f64,
    /// The sites (at least one).
    pub sites: Vec<SiteInput>,
}

/// Longest projection horizon (a century): beyond it a trial is as good as stopped.
const HORIZON_DAYS: f64 = 36_525.0;
/// Site-draws a projection may take (draws × sites): 10,000 draws up to 2,000 sites.
const MAX_SITE_DRAWS: usize = 20_000_000;
/// The fewest draws, however many sites.
const MIN_DRAWS: usize = 1_000;

impl SiteModel {
    /// The projection with [`DRAWS`] draws and [`SEED`].
    pub fn project(&self) -> Option<SiteProjection> {
        self.project_with(DRAWS, SEED)
    }

    /// The projection with `draws` draws from `seed`; `None` once the target is reached or
    /// without sites.
    pub fn project_with(&self, draws: usize, seed: u64) -> Option<SiteProjection> {
        let enrolled: u32 = self.sites.iter().map(|s| s.inclusions).sum();
        if enrolled >= self.target || self.sites.is_empty() || self.end <= self.start {
            return None;
        }
        let k = self.sites.len() as f64;
        let (n, p) = (self.target as f64, self.prior_certainty);
        let planned = (self.end - self.start).num_days() as f64;
        let (shape0, rate0) = (n * p / k, planned * p);
        let opens = self.opening_dates();
        // Posterior (shape, rate) and opening offset (days after as-of) per site.
        let posts: Vec<(f64, f64, f64)> = self
            .sites
            .iter()
            .zip(&opens)
            .map(|(s, (open, source))| {
                let offset = (*open - self.as_of).num_days().max(0) as f64;
                let (m, t) = match *source {
                    "configured" => (s.inclusions as f64, (self.as_of - *open).num_days().max(0) as f64),
                    "first inclusion" => {
                        (s.inclusions.saturating_sub(1) as f64, (self.as_of - *open).num_days().max(0) as f64)
                    }
                    _ => (s.inclusions as f64, 0.0),
                };
                (shape0 + m, rate0 + t, offset)
            })
            .collect();
        let remaining = (self.target - enrolled) as f64;
        let to_end = (self.end - self.as_of).num_days() as f64;
        // Sites alike in rate and opening (every site without inclusions that opens on the same
        // day) recruit together as one: the sum of independent Gamma(aᵢ, b) rates is
        // Gamma(Σaᵢ, b), and only the summed rate from each opening on decides when the target
        // is reached. One draw per group, so the work grows with the distinct sites, not with
        // a registry listing every hospital of a country; each site's expected share of its
        // group's rate is aᵢ/Σaᵢ. A group of one draws exactly as a site alone.
        let mut groups: Vec<(f64, f64, f64)> = Vec::new();
        let mut member: Vec<usize> = Vec::with_capacity(posts.len());
        let mut index: std::collections::HashMap<(u64, u64), usize> = std::collections::HashMap::new();
        for &(shape, rate, offset) in &posts {
            let g = *index.entry((rate.to_bits(), offset.to_bits())).or_insert_with(|| {
                groups.push((0.0, rate, offset));
                groups.len() - 1
            });
            groups[g].0 += shape;
            member.push(g);
        }
        // The work is draws × groups: with thousands of distinct sites fewer draws keep a
        // report fast; the JSON says how many.
        let draws = draws.min((MAX_SITE_DRAWS / groups.len()).max(MIN_DRAWS));
        // The groups in opening order, sorted once (not per draw).
        let mut order: Vec<usize> = (0..groups.len()).collect();
        order.sort_by(|&a, &b| groups[a].2.total_cmp(&groups[b].2));
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut times = Vec::with_capacity(draws);
        let mut group_by_end = vec![0.0f64; groups.len()];
        let mut rates = vec![0.0f64; groups.len()];
        for _ in 0..draws {
            for (r, (shape, rate, _)) in rates.iter_mut().zip(&groups) {
                *r = gamma(&mut rng, *shape) / rate;
            }
            let g = gamma(&mut rng, remaining);
            times.push(time_to(g, &rates, &groups, &order));
            for (i, (_, _, offset)) in groups.iter().enumerate() {
                group_by_end[i] += rates[i] * (to_end - offset).max(0.0);
            }
        }
        let by_end: Vec<f64> =
            posts.iter().zip(&member).map(|((shape, _, _), &g)| group_by_end[g] * shape / groups[g].0).collect();
        times.sort_by(f64::total_cmp);
        let q = |p: f64| times[((draws as f64 - 1.0) * p).round() as usize];
        let date = |days: f64| super::projected(self.as_of, days);
        let on_time = times.iter().filter(|t| **t <= to_end).count() as f64 / draws as f64;
        let sites = self
            .sites
            .iter()
            .zip(&opens)
            .zip(&by_end)
            .map(|((s, (open, source)), extra)| SiteForecast {
                facility: s.name.clone(),
                enrolled: s.inclusions,
                projected_by_end: (s.inclusions as f64 + extra / draws as f64).round() as u32,
                opens: *open,
                opening_source: source,
            })
            .collect();
        Some(SiteProjection {
            p10: date(q(0.1)),
            median: date(q(0.5)),
            p90: date(q(0.9)),
            probability_on_time: on_time,
            sites,
            draws,
            seed,
        })
    }

    /// When each site counts as open, and why.
    fn opening_dates(&self) -> Vec<(NaiveDate, &'static str)> {
        // Sites whose opening is known: configured, else their first inclusion.
        let known: Vec<Option<(NaiveDate, &'static str)>> = self
            .sites
            .iter()
            .map(|s| match (s.opened, s.first_inclusion) {
                (Some(d), _) => Some((d, "configured")),
                (None, Some(d)) => Some((d, "first inclusion")),
                (None, None) => None,
            })
            .collect();
        let mut delays: Vec<i64> = known.iter().flatten().map(|(d, _)| (*d - self.start).num_days().max(0)).collect();
        delays.sort_unstable();
        let median_delay = delays.get(delays.len() / 2).copied();
        self.sites
            .iter()
            .zip(known)
            .map(|(s, known)| match (known, median_delay) {
                (Some(k), _) => k,
                (None, _) if !s.not_yet_recruiting => (self.as_of, "recruiting on the registry"),
                (None, Some(delay)) => {
                    ((self.start + Duration::days(delay)).max(self.as_of), "median delay of the other sites")
                }
                (None, None) => (self.as_of + Duration::days(DEFAULT_OPENING_DAYS), "default (90 days)"),
            })
            .collect()
    }
}

/// The time at which the cumulative rate of the sites (each from its opening offset) reaches
/// `g`; [`HORIZON_DAYS`] when it never does.
fn time_to(g: f64, rates: &[f64], posts: &[(f64, f64, f64)], order: &[usize]) -> f64 {
    let (mut t, mut h, mut rate) = (0.0f64, 0.0f64, 0.0f64);
    for (off, r) in order.iter().map(|&i| (posts[i].2, rates[i])) {
        if rate > 0.0 && h + rate * (off - t) >= g {
            return t + (g - h) / rate;
        }
        h += rate * (off - t);
        t = off;
        rate += r;
    }
    if rate > 0.0 { (t + (g - h) / rate).min(HORIZON_DAYS) } else { HORIZON_DAYS }
}

/// Gamma(shape, 1) by Marsaglia & Tsang (2000); shape < 1 by Gamma(shape + 1)·U^(1/shape).
pub fn gamma(rng: &mut fastrand::Rng, shape: f64) -> f64 {
    if shape < 1.0 {
        let u = rng.f64().max(f64::MIN_POSITIVE);
        return gamma(rng, shape + 1.0) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(rng);
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u = rng.f64();
        if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut fastrand::Rng) -> f64 {
    let u1 = rng.f64().max(f64::MIN_POSITIVE);
    let u2 = rng.f64();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::bayes::Accrual;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn gamma_draws_have_the_right_mean_and_variance() {
        let mut rng = fastrand::Rng::with_seed(7);
        for shape in [0.3, 1.0, 4.5, 30.0] {
            let xs: Vec<f64> = (0..200_000).map(|_| gamma(&mut rng, shape)).collect();
            let mean = xs.iter().sum::<f64>() / xs.len() as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
            assert!((mean - shape).abs() < 0.02 * shape.max(1.0), "shape {shape}: mean {mean}");
            assert!((var - shape).abs() < 0.05 * shape.max(1.0), "shape {shape}: var {var}");
        }
    }

    #[test]
    fn one_site_open_from_the_start_agrees_with_the_constant_rate_model() {
        let (start, end) = (d("2025-01-03"), d("2029-01-03"));
        for (m, as_of, p) in [(14, "2026-11-26", 0.5), (3, "2025-06-01", 0.25), (30, "2028-06-01", 1.0)] {
            let as_of = d(as_of);
            let model = SiteModel {
                target: 35,
                start,
                end,
                as_of,
                prior_certainty: p,
                sites: vec![SiteInput {
                    name: "A".into(),
                    inclusions: m,
                    opened: Some(start),
                    first_inclusion: None,
                    not_yet_recruiting: false,
                }],
            };
            let s = model.project_with(40_000, 1).unwrap();
            let c = Accrual {
                target: 35,
                enrolled: m,
                elapsed_days: (as_of - start).num_days() as f64,
                planned_days: (end - start).num_days() as f64,
                prior_certainty: p,
            }
            .project(as_of, end)
            .unwrap();
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
            end: d("2029-01-03"),
            as_of: d("2026-11-26"),
            prior_certainty: 0.5,
            sites: vec![
                SiteInput {
                    name: "UMCG".into(),
                    inclusions: 11,
                    opened: None,
                    first_inclusion: Some(d("2025-02-10")),
                    not_yet_recruiting: false,
                },
                SiteInput {
                    name: "Radboud".into(),
                    inclusions: 3,
                    opened: None,
                    first_inclusion: Some(d("2026-01-28")),
                    not_yet_recruiting: false,
                },
                SiteInput {
                    name: "Erasmus".into(),
                    inclusions: 0,
                    opened: None,
                    first_inclusion: None,
                    not_yet_recruiting: true,
                },
            ],
        };
        let a = model.project().unwrap();
        assert_eq!(a, model.project().unwrap(), "seeded: reproducible");
        assert_eq!(a.sites[2].opening_source, "median delay of the other sites");
        assert_eq!(a.sites[2].opens, d("2026-11-26"), "the median delay has passed: counts from the report date");
        assert!(a.p10 < a.median && a.median < a.p90);
        assert!(a.sites.iter().map(|s| s.projected_by_end).sum::<u32>() >= 14);
    }
}
