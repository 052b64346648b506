//! The calibration backtest of the two projections: `cargo run --release --example backtest`.
//! Prints, per scenario and cut, each model's coverage of its 80 % interval, the median
//! absolute error of its median date and the Brier score of P(target by the planned end).
//! `BACKTEST_TRIALS` (default 1,000) and `BACKTEST_DRAWS` (default 2,000) set the sizes.

use ctwatch::progress::backtest::{CUTS, SCENARIOS, run};

fn main() {
    let trials = std::env::var("BACKTEST_TRIALS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let draws = std::env::var("BACKTEST_DRAWS").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    println!(
        "{trials} simulated trials per scenario, {draws} Monte Carlo draws per site-aware projection, seed 2026\n"
    );
    println!(
        "| scenario | cut | trials | site-aware: 80 % coverage | median error (days) | Brier | constant-rate: 80 % coverage | median error (days) | Brier |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (k, scenario) in SCENARIOS.iter().enumerate() {
        for cut in CUTS {
            let (s, c) = run(scenario, cut, trials, draws, 2026 + k as u64);
            println!(
                "| {}{} | {:.0} % | {} | {:.1} % | {:.0} | {:.3} | {:.1} % | {:.0} | {:.3} |",
                scenario.name,
                if scenario.assumptions_hold { "" } else { " ✗" },
                cut * 100.0,
                s.trials,
                100.0 * s.coverage,
                s.median_abs_error_days,
                s.brier,
                100.0 * c.coverage,
                c.median_abs_error_days,
                c.brier
            );
        }
    }
    println!("\n✗: the models' assumptions do not hold in this scenario.");
}
