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
use super::openings::SiteHistory;
use super::sites::{SiteInput, SiteModel};

/// The plan every simulated trial has.
const TARGET: u32 = 35;
const PLANNED_DAYS: f64 = 1461.0;
const PRIOR: f64 = 0.5;
/// Simulated time is cut here (30 years): a trial not done by then never finishes.
const HORIZON: f64 = 10_957.0;
/// The registry lists a site that opened after the start as recruiting up to this many days
/// later (uniformly), seen by the next weekly sync.
const REGISTRY_LAG_DAYS: f64 = 28.0;

/// How the simulated sites' true rates are set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rates {
    /// Drawn from the model's own prior, Gamma(nP/K, TP) per site.
    Prior,
    /// Every site at the plan's rate, n/(K·T).
    Plan,
}

/// A scenario: how the simulated sites really recruit.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    /// Short name.
    pub name: &'static str,
    /// Days after the start each site opens (`None`: never); the registry lists them all.
    pub opens: &'static [Option<f64>],
    /// How the true rates are set.
    pub rates: Rates,
    /// The true rates are multiplied by this.
    pub rate_factor: f64,
    /// Days over which a new site's rate ramps up linearly from zero (0: no ramp).
    pub ramp_days: f64,
    /// Rate ×0.3 in July and August.
    pub seasonal: bool,
    /// Every site's opening date is configured (the planned dates, future ones included).
    pub configured: bool,
    /// The trial's store begins at the cut (no registry history before it); otherwise weekly
    /// syncs from the start.
    pub store_from_cut: bool,
    /// Whether the models' assumptions hold.
    pub assumptions_hold: bool,
}

const BASE: Scenario = Scenario {
    name: "",
    opens: &[Some(0.0), Some(0.0), Some(0.0)],
    rates: Rates::Prior,
    rate_factor: 1.0,
    ramp_days: 0.0,
    seasonal: false,
    configured: false,
    store_from_cut: false,
    assumptions_hold: true,
};

/// The scenarios of the backtest table in the README.
pub const SCENARIOS: [Scenario; 11] = [
    Scenario { name: "rates from the prior, all sites from the start", ..BASE },
    Scenario { name: "every site at the plan's rate, all from the start", rates: Rates::Plan, ..BASE },
    Scenario {
        name: "staggered opening (0, 14, 24 months), the dates configured",
        opens: &[Some(0.0), Some(426.0), Some(730.0)],
        configured: true,
        ..BASE
    },
    Scenario {
        name: "staggered opening (0, 14, 24 months), only the registry's statuses",
        opens: &[Some(0.0), Some(426.0), Some(730.0)],
        ..BASE
    },
    Scenario {
        name: "slow ramp-up (6 months) after staggered opening",
        opens: &[Some(0.0), Some(183.0), Some(365.0)],
        ramp_days: 183.0,
        ..BASE
    },
    Scenario { name: "seasonal dip (July-August at 30 %)", seasonal: true, ..BASE },
    Scenario { name: "half the plan's rate", rate_factor: 0.5, assumptions_hold: false, ..BASE },
    Scenario {
        name: "a listed site never opens",
        opens: &[Some(0.0), Some(0.0), None],
        assumptions_hold: false,
        ..BASE
    },
    Scenario {
        name: "two sites open late (18 and 30 months)",
        opens: &[Some(0.0), Some(548.0), Some(913.0)],
        assumptions_hold: false,
        ..BASE
    },
    Scenario {
        name: "sites open at 0, 10, 20 months; some recruit with no inclusion yet",
        opens: &[Some(0.0), Some(304.0), Some(608.0)],
        ..BASE
    },
    Scenario {
        name: "one site open from the actual start; no store before the cut",
        opens: &[Some(0.0)],
        store_from_cut: true,
        ..BASE
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
    /// Mean P(target by the planned end).
    pub mean_on_time: f64,
    /// Share of the trials that did reach the target by the planned end.
    pub share_on_time: f64,
    /// Share whose true date came before the interval (the projection too late).
    pub missed_early: f64,
}

/// Scores of both models — (site-aware, constant-rate) — and the median distance between
/// their medians, in days.
pub fn run(scenario: &Scenario, cut: f64, trials: usize, draws: usize, seed: u64) -> (Score, Score, f64) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let start = NaiveDate::from_ymd_opt(2020, 1, 1).expect("a date");
    let end = start + Duration::days(PLANNED_DAYS as i64);
    let cut_days = (cut * PLANNED_DAYS).round();
    let as_of = start + Duration::days(cut_days as i64);
    let day = |d: f64| start + Duration::days(d as i64);
    let (mut site, mut constant, mut gaps) = (Vec::new(), Vec::new(), Vec::new());
    for t in 0..trials {
        let arrivals = simulate(scenario, &mut rng);
        let truth = arrivals.get(TARGET as usize - 1).map_or(HORIZON, |(day, _)| *day);
        if truth <= cut_days {
            continue;
        }
        let seen: Vec<&(f64, usize)> = arrivals.iter().filter(|(day, _)| *day <= cut_days).collect();
        let inputs: Vec<SiteInput> = scenario
            .opens
            .iter()
            .enumerate()
            .map(|(i, open)| {
                let mine: Vec<f64> = seen.iter().filter(|(_, s)| *s == i).map(|(d, _)| *d).collect();
                let history = history(scenario, *open, cut_days, &mut rng);
                SiteInput {
                    name: format!("site {i}"),
                    inclusions: mine.len() as u32,
                    opened: open.filter(|_| scenario.configured).map(day),
                    first_inclusion: mine.first().map(|d| day(*d)),
                    not_yet_recruiting: history.recruiting_since.is_none(),
                    history: SiteHistory {
                        listed_since: history.listed_since.map(day),
                        recruiting_since: history.recruiting_since.map(day),
                        recruiting_in_first_version: history.in_first,
                    },
                }
            })
            .collect();
        let model = SiteModel {
            target: TARGET,
            start,
            start_actual: true,
            end,
            as_of,
            prior_certainty: PRIOR,
            sites: inputs,
            dropped_unopened: 0,
        };
        let days = |d: NaiveDate| (d - start).num_days() as f64;
        let on_time = if truth <= PLANNED_DAYS { 1.0 } else { 0.0 };
        let s = model.project_with(draws, seed ^ (t as u64 + 1));
        if let Some(p) = &s {
            site.push((days(p.p10), days(p.median), days(p.p90), p.probability_on_time, truth, on_time));
        }
        let accrual = Accrual {
            target: TARGET,
            enrolled: seen.len() as u32,
            elapsed_days: cut_days,
            planned_days: PLANNED_DAYS,
            prior_certainty: PRIOR,
        };
        let c = accrual.project(as_of, end);
        if let Some(p) = &c {
            constant.push((days(p.p10), days(p.median), days(p.p90), p.probability_on_time, truth, on_time));
        }
        if let (Some(s), Some(c)) = (s, c) {
            gaps.push((s.median - c.median).num_days().abs() as f64);
        }
    }
    gaps.sort_by(f64::total_cmp);
    (score(&site), score(&constant), gaps.get(gaps.len() / 2).copied().unwrap_or(0.0))
}

/// A site's history as weekly syncs would store it (days since the start).
struct SimHistory {
    listed_since: Option<f64>,
    recruiting_since: Option<f64>,
    in_first: bool,
}

fn history(s: &Scenario, open: Option<f64>, cut: f64, rng: &mut fastrand::Rng) -> SimHistory {
    let first = if s.store_from_cut { cut } else { 0.0 };
    let shown = open.map(|o| if o <= first { first } else { ((o + rng.f64() * REGISTRY_LAG_DAYS) / 7.0).ceil() * 7.0 });
    let recruiting_since = shown.filter(|d| *d <= cut).map(|d| d.max(first));
    SimHistory { listed_since: Some(first), recruiting_since, in_first: recruiting_since == Some(first) }
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
    let missed_early = rows.iter().filter(|(p10, _, _, _, truth, _)| truth < p10).count() as f64 / n;
    let mean_on_time = rows.iter().map(|(_, _, _, p, _, _)| p).sum::<f64>() / n;
    let share_on_time = rows.iter().map(|(_, _, _, _, _, hit)| hit).sum::<f64>() / n;
    Score {
        trials: rows.len(),
        coverage,
        median_abs_error_days: errors[errors.len() / 2],
        brier,
        mean_on_time,
        share_on_time,
        missed_early,
    }
}

/// One simulated trial: every inclusion (day since the start, site), in time order, up to the
/// horizon or well past the target.
fn simulate(s: &Scenario, rng: &mut fastrand::Rng) -> Vec<(f64, usize)> {
    let k = s.opens.len() as f64;
    let shape = TARGET as f64 * PRIOR / k;
    let rate = PLANNED_DAYS * PRIOR;
    let mut out = Vec::new();
    for (i, open) in s.opens.iter().enumerate() {
        let Some(open) = *open else { continue };
        let base = match s.rates {
            Rates::Prior => super::random::gamma(rng, shape) / rate,
            Rates::Plan => TARGET as f64 / (k * PLANNED_DAYS),
        };
        let lambda = base * s.rate_factor;
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

    /// A regression guard, not the calibration figures (those are the example's, with 2,000
    /// trials per scenario): at the 50 % cut, where the assumptions hold the site-aware 80 %
    /// intervals cover 65–95 % of 200 simulated trials; at half the plan's rate and with a
    /// listed site that never opens they still cover at least 60 % (the constant-rate model
    /// covers under 50 % at half the rate); its Brier score is no worse than the constant-rate
    /// one's by more than 0.01.
    #[test]
    fn the_site_aware_intervals_hold_where_they_should_and_where_the_plan_fails() {
        for scenario in SCENARIOS.iter() {
            let (site, constant, _) = run(scenario, 0.5, 200, 400, 11);
            assert!(site.trials > 100, "{}: {site:?}", scenario.name);
            let floor = if scenario.assumptions_hold { 0.65 } else { 0.6 };
            if scenario.assumptions_hold || scenario.name.starts_with("half") || scenario.name.contains("never") {
                assert!((floor..=0.95).contains(&site.coverage), "{} site-aware: {site:?}", scenario.name);
            }
            assert!(site.brier <= constant.brier + 0.01, "{}: {site:?} vs {constant:?}", scenario.name);
            if scenario.name.starts_with("half") {
                assert!(constant.coverage < 0.5, "the constant-rate model fails here: {constant:?}");
            }
        }
    }
}
