//! Calibration backtest of the two projections on simulated trials (`cargo run --release
//! --example backtest`; a small version runs in `cargo test`).
//!
//! Every simulated trial has the plan of the first trial (35 participants in four years, three
//! sites, prior certainty 0.5). Site rates are drawn from the models' own prior, so the
//! Bayesian assumptions hold in the "constant" and "staggered" scenarios, and are broken on
//! purpose in the others (a ramp-up after opening, a seasonal dip, a site that never opens,
//! rates far below the plan). Each trial is cut at 30, 50 and 70 % of the planned period, both
//! models project from what was seen by then, and the projection is scored against the day
//! the simulated trial really reached its target: coverage of the 80 % interval, median
//! absolute error of the median (days) and the Brier score of P(target by the planned end).

use chrono::{Duration, NaiveDate};

use super::bayes::Accrual;
use super::sites::{SiteInput, SiteModel};

/// The plan every simulated trial has.
const TARGET: u32 = 35;
const PLANNED_DAYS: f64 = 1461.0;
const SITES: usize = 3;
const PRIOR: f64 = 0.5;
/// Simulated time is cut here (30 years): a trial not done by then never finishes.
const HORIZON: f64 = 10_957.0;

/// A scenario: how the simulated sites really recruit.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    /// Short name.
    pub name: &'static str,
    /// Days after the start each site opens (`None`: never).
    pub opens: [Option<f64>; SITES],
    /// The true rates are the prior draw times this.
    pub rate_factor: f64,
    /// Days over which a new site's rate ramps up linearly from zero (0: no ramp).
    pub ramp_days: f64,
    /// Rate ×0.3 in July and August.
    pub seasonal: bool,
    /// Whether the models' assumptions hold.
    pub assumptions_hold: bool,
}

/// The scenarios of the backtest table in docs/commands.md.
pub const SCENARIOS: [Scenario; 6] = [
    Scenario {
        name: "constant rate, all sites from the start",
        opens: [Some(0.0), Some(0.0), Some(0.0)],
        rate_factor: 1.0,
        ramp_days: 0.0,
        seasonal: false,
        assumptions_hold: true,
    },
    Scenario {
        name: "staggered opening (0, 14, 24 months)",
        opens: [Some(0.0), Some(426.0), Some(730.0)],
        rate_factor: 1.0,
        ramp_days: 0.0,
        seasonal: false,
        assumptions_hold: true,
    },
    Scenario {
        name: "slow ramp-up (6 months) after staggered opening",
        opens: [Some(0.0), Some(183.0), Some(365.0)],
        rate_factor: 1.0,
        ramp_days: 183.0,
        seasonal: false,
        assumptions_hold: false,
    },
    Scenario {
        name: "seasonal dip (July-August at 30 %)",
        opens: [Some(0.0), Some(0.0), Some(0.0)],
        rate_factor: 1.0,
        ramp_days: 0.0,
        seasonal: true,
        assumptions_hold: false,
    },
    Scenario {
        name: "a site that never opens",
        opens: [Some(0.0), Some(0.0), None],
        rate_factor: 1.0,
        ramp_days: 0.0,
        seasonal: false,
        assumptions_hold: false,
    },
    Scenario {
        name: "rates far below plan (40 %)",
        opens: [Some(0.0), Some(0.0), Some(0.0)],
        rate_factor: 0.4,
        ramp_days: 0.0,
        seasonal: false,
        assumptions_hold: false,
    },
];

/// The cuts, as fractions of the planned period.
pub const CUTS: [f64; 3] = [0.3, 0.5, 0.7];

/// One model's scores at one cut of one scenario.
#[derive(Debug, Clone, Copy, Default)]
pub struct Score {
    /// Trials scored (those not yet at target at the cut).
    pub trials: usize,
    /// Share whose true date fell inside the 80 % interval.
    pub coverage: f64,
    /// Median |projected median − true date|, in days.
    pub median_abs_error_days: f64,
    /// Mean squared error of P(target by the planned end).
    pub brier: f64,
}

/// Scores of both models: (site-aware, constant-rate).
pub fn run(scenario: &Scenario, cut: f64, trials: usize, draws: usize, seed: u64) -> (Score, Score) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let start = NaiveDate::from_ymd_opt(2020, 1, 1).expect("a date");
    let end = start + Duration::days(PLANNED_DAYS as i64);
    let cut_days = (cut * PLANNED_DAYS).round();
    let as_of = start + Duration::days(cut_days as i64);
    let (mut site, mut constant) = (Vec::new(), Vec::new());
    for t in 0..trials {
        let arrivals = simulate(scenario, &mut rng);
        let truth = arrivals.get(TARGET as usize - 1).map_or(HORIZON, |(day, _)| *day);
        if truth <= cut_days {
            continue;
        }
        let seen: Vec<&(f64, usize)> = arrivals.iter().filter(|(day, _)| *day <= cut_days).collect();
        let inputs: Vec<SiteInput> = (0..SITES)
            .map(|i| {
                let mine: Vec<f64> = seen.iter().filter(|(_, s)| *s == i).map(|(d, _)| *d).collect();
                SiteInput {
                    name: format!("site {i}"),
                    inclusions: mine.len() as u32,
                    opened: None,
                    first_inclusion: mine.first().map(|d| start + Duration::days(*d as i64)),
                    not_yet_recruiting: scenario.opens[i].is_none_or(|o| o > cut_days),
                }
            })
            .collect();
        let model = SiteModel { target: TARGET, start, end, as_of, prior_certainty: PRIOR, sites: inputs };
        let days = |d: NaiveDate| (d - start).num_days() as f64;
        let on_time = if truth <= PLANNED_DAYS { 1.0 } else { 0.0 };
        if let Some(p) = model.project_with(draws, seed ^ (t as u64 + 1)) {
            site.push((days(p.p10), days(p.median), days(p.p90), p.probability_on_time, truth, on_time));
        }
        let accrual = Accrual {
            target: TARGET,
            enrolled: seen.len() as u32,
            elapsed_days: cut_days,
            planned_days: PLANNED_DAYS,
            prior_certainty: PRIOR,
        };
        if let Some(p) = accrual.project(as_of, end) {
            constant.push((days(p.p10), days(p.median), days(p.p90), p.probability_on_time, truth, on_time));
        }
    }
    (score(&site), score(&constant))
}

fn score(rows: &[(f64, f64, f64, f64, f64, f64)]) -> Score {
    if rows.is_empty() {
        return Score::default();
    }
    let n = rows.len() as f64;
    let coverage = rows.iter().filter(|(p10, _, p90, _, truth, _)| p10 <= truth && truth <= p90).count() as f64 / n;
    let mut errors: Vec<f64> =
        rows.iter().map(|(_, median, _, _, truth, _)| (median.min(HORIZON) - truth).abs()).collect();
    errors.sort_by(f64::total_cmp);
    let brier = rows.iter().map(|(_, _, _, p, _, hit)| (p - hit).powi(2)).sum::<f64>() / n;
    Score { trials: rows.len(), coverage, median_abs_error_days: errors[errors.len() / 2], brier }
}

/// One simulated trial: every inclusion (day since the start, site), in time order, up to the
/// horizon or well past the target.
fn simulate(s: &Scenario, rng: &mut fastrand::Rng) -> Vec<(f64, usize)> {
    let shape = TARGET as f64 * PRIOR / SITES as f64;
    let rate = PLANNED_DAYS * PRIOR;
    let mut out = Vec::new();
    for (i, open) in s.opens.iter().enumerate() {
        let Some(open) = *open else { continue };
        let lambda = super::sites::gamma(rng, shape) / rate * s.rate_factor;
        if lambda <= 0.0 {
            continue;
        }
        // Thinning: candidates at the full rate, each kept with the rate's share at its time.
        let mut t = open;
        let mut kept = 0;
        while kept < TARGET as usize * 2 {
            t += -rng.f64().max(f64::MIN_POSITIVE).ln() / lambda;
            if t > HORIZON {
                break;
            }
            let mut share = 1.0;
            if s.ramp_days > 0.0 {
                share *= ((t - open) / s.ramp_days).min(1.0);
            }
            if s.seasonal {
                let day_of_year = t % 365.25;
                if (182.0..244.0).contains(&day_of_year) {
                    share *= 0.3;
                }
            }
            if rng.f64() < share {
                out.push((t, i));
                kept += 1;
            }
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A regression guard, not the calibration figures (those are the example's, with 1,000
    /// trials per scenario): where the assumptions hold, both 80 % intervals cover between
    /// 60 % and 95 % of 200 simulated trials.
    #[test]
    fn where_the_assumptions_hold_the_intervals_are_roughly_calibrated() {
        for scenario in SCENARIOS.iter().filter(|s| s.assumptions_hold) {
            let (site, constant) = run(scenario, 0.5, 200, 400, 11);
            assert!(site.trials > 100, "{}: {site:?}", scenario.name);
            assert!((0.6..=0.95).contains(&site.coverage), "{} site-aware: {site:?}", scenario.name);
            if scenario.name.starts_with("constant") {
                assert!((0.6..=0.95).contains(&constant.coverage), "{} constant: {constant:?}", scenario.name);
            }
            assert!(site.brier < 0.25, "{}: {site:?}", scenario.name);
        }
    }
}
