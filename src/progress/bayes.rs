//! The Bayesian constant-accrual projection of Gajewski, Simon & Carlson (2008), "Predicting
//! accrual in clinical trials with Bayesian posterior predictive distributions", Stat Med
//! 27:2328–2340, as in the R package `accrual` (`accrual.T.inform`).
//!
//! Accrual is a Poisson process with rate θ. The prior is Gamma(nP, TP): the plan (n
//! participants in T days) weighted by the prior certainty P ∈ (0, 1]. After m inclusions in t
//! days the posterior is Gamma(nP + m, TP + t), and the time R still needed for the remaining
//! n − m participants has the predictive distribution (TP + t)·BetaPrime(n − m, nP + m),
//! computed as (TP + t)·B/(1 − B) with B ~ Beta(n − m, nP + m). Quantiles come from statrs'
//! inverse regularised incomplete beta (AS 64 / AS 109); reference values from
//! `scipy.stats.betaprime` are in the tests.

use chrono::NaiveDate;
use serde::Serialize;
use statrs::distribution::{Beta, ContinuousCDF};

/// The projected date of reaching the target, with its uncertainty.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Projection {
    /// 10th percentile: an optimistic date.
    pub p10: NaiveDate,
    /// Median projected completion of recruitment.
    pub median: NaiveDate,
    /// 90th percentile: a pessimistic date.
    pub p90: NaiveDate,
    /// P(target reached by the planned end).
    pub probability_on_time: f64,
    /// The prior certainty P used.
    pub prior_certainty: f64,
}

/// Inputs in days. `remaining_days` = planned end − as-of (negative when past).
#[derive(Debug, Clone, Copy)]
pub struct Accrual {
    /// Target n.
    pub target: u32,
    /// Enrolled m (< n).
    pub enrolled: u32,
    /// Elapsed t = as-of − start, days (≥ 0).
    pub elapsed_days: f64,
    /// Planned duration T = end − start, days (> 0).
    pub planned_days: f64,
    /// Prior certainty P in (0, 1].
    pub prior_certainty: f64,
}

impl Accrual {
    fn distribution(&self) -> (Beta, f64) {
        let (n, m, p) = (self.target as f64, self.enrolled as f64, self.prior_certainty);
        let scale = self.planned_days * p + self.elapsed_days;
        let beta = Beta::new(n - m, n * p + m).expect("n > m and nP + m > 0");
        (beta, scale)
    }

    /// The q-quantile of the remaining time R, in days.
    pub fn remaining_quantile(&self, q: f64) -> f64 {
        let (beta, scale) = self.distribution();
        let b = beta.inverse_cdf(q);
        scale * b / (1.0 - b)
    }

    /// P(R ≤ days).
    pub fn probability_within(&self, days: f64) -> f64 {
        if days <= 0.0 {
            return 0.0;
        }
        let (beta, scale) = self.distribution();
        let y = days / scale;
        beta.cdf(y / (1.0 + y))
    }

    /// The projection from `as_of`, with the planned end at `end`. `None` when m ≥ n.
    pub fn project(&self, as_of: NaiveDate, end: NaiveDate) -> Option<Projection> {
        if self.enrolled >= self.target {
            return None;
        }
        let date = |q: f64| super::projected(as_of, self.remaining_quantile(q));
        Some(Projection {
            p10: date(0.1),
            median: date(0.5),
            p90: date(0.9),
            probability_on_time: self.probability_within((end - as_of).num_days() as f64),
            prior_certainty: self.prior_certainty,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// Reference values computed independently with SciPy 1.x:
    ///
    /// ```python
    /// from datetime import date, timedelta
    /// from scipy.stats import betaprime
    /// def ref(n, m, start, end, as_of, P):
    ///     T = (end - start).days; t = (as_of - start).days
    ///     d = betaprime(n - m, n * P + m, scale=T * P + t)
    ///     q = [as_of + timedelta(days=round(d.ppf(p))) for p in (0.1, 0.5, 0.9)]
    ///     return q, d.cdf((end - as_of).days)
    /// ```
    /// with start 2025-01-03 and end 2029-01-03 (NCT07038304's plan).
    /// (n, m, as-of, P, [p10, median, p90], P(on time))
    type Case = (u32, u32, &'static str, f64, [&'static str; 3], f64);
    const REFERENCE: [Case; 8] = [
        (35, 14, "2026-11-26", 0.5, ["2028-09-09", "2029-06-26", "2030-08-08"], 0.237036),
        (35, 0, "2026-11-26", 0.5, ["2032-05-01", "2034-10-07", "2038-06-24"], 0.000002),
        (35, 0, "2025-01-03", 0.5, ["2027-10-18", "2029-01-17", "2030-12-14"], 0.486986),
        (35, 34, "2028-12-01", 0.5, ["2028-12-05", "2028-12-30", "2029-03-10"], 0.542233),
        (35, 14, "2026-11-26", 0.1, ["2028-09-21", "2029-08-31", "2031-02-11"], 0.201655),
        (35, 14, "2026-11-26", 1.0, ["2028-09-04", "2029-05-28", "2030-05-20"], 0.257074),
        (35, 20, "2029-06-01", 0.5, ["2031-02-06", "2031-12-12", "2033-02-17"], 0.0),
        (100, 3, "2025-03-01", 0.25, ["2028-04-01", "2029-03-15", "2030-07-12"], 0.40865),
    ];

    #[test]
    fn agrees_with_scipy_within_a_day_and_0_005() {
        let (start, end) = (d("2025-01-03"), d("2029-01-03"));
        for (n, m, as_of, p, dates, prob) in REFERENCE {
            let as_of = d(as_of);
            let a = Accrual {
                target: n,
                enrolled: m,
                elapsed_days: (as_of - start).num_days() as f64,
                planned_days: (end - start).num_days() as f64,
                prior_certainty: p,
            };
            let got = a.project(as_of, end).unwrap();
            for (got, want) in [got.p10, got.median, got.p90].iter().zip(dates) {
                let off = (*got - d(want)).num_days().abs();
                assert!(off <= 1, "n={n} m={m} P={p}: {got} vs {want}");
            }
            assert!(
                (got.probability_on_time - prob).abs() < 0.005,
                "n={n} m={m} P={p}: {} vs {prob}",
                got.probability_on_time
            );
        }
    }

    #[test]
    fn target_reached_has_no_projection() {
        let a = Accrual { target: 35, enrolled: 35, elapsed_days: 100.0, planned_days: 1461.0, prior_certainty: 0.5 };
        assert!(a.project(d("2026-01-01"), d("2029-01-03")).is_none());
    }
}
