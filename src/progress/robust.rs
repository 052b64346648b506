//! A robust prior for the site rates: when the inclusions contradict the plan, the plan loses
//! its weight.
//!
//! The plan-informed prior gives each of the K sites a rate ρᵢ ~ Gamma(a, b) with a = nP/K and
//! b = TP (see [`mod@super::sites`]). The robust prior is a two-component mixture (Schmidli,
//! Gsteiger, Roychoudhury, O'Hagan, Spiegelhalter & Neuenschwander 2014, "Robust
//! meta-analytic-predictive priors in clinical trials with historical control information",
//! Biometrics 70:1023–1032): with weight w₀ = 0.8 the plan-informed prior; with weight 0.2 the
//! same prior scaled by a trial-wide factor φ ~ Gamma(1, 1) — every site's rate is φ·ρᵢ, the
//! plan's rate could be anything from a tenth to several times itself. The data (each site's
//! counted inclusions mᵢ over its open time tᵢ) decide the weights through their marginal
//! likelihood, which under a factor φ is ∏ᵢ φ^mᵢ / (b + φtᵢ)^(a+mᵢ) (up to terms common to both
//! components). The plan component is φ = 1; the vague one integrates φ on a log-spaced grid.
//! When the data agree with the plan the posterior keeps the plan-informed model; when they do
//! not, the factor φ is learned from them and applies to sites not open yet too.

/// The prior weight of the plan-informed component.
pub const PLAN_WEIGHT: f64 = 0.8;
/// Grid points for φ, log-spaced over [`PHI_MIN`, `PHI_MAX`].
const GRID: usize = 321;
const PHI_MIN: f64 = 0.01;
const PHI_MAX: f64 = 20.0;

/// One site's evidence: prior shape a, counted inclusions m, open days t.
#[derive(Debug, Clone, Copy)]
pub struct Evidence {
    /// Prior shape.
    pub shape: f64,
    /// Counted inclusions.
    pub counted: f64,
    /// Open days.
    pub open_days: f64,
}

/// The posterior of the mixture.
#[derive(Clone)]
pub struct Posterior {
    /// Posterior weight of the plan-informed component.
    pub plan_weight: f64,
    /// Posterior mean of φ in the vague component: the rate the data show, as a share of the
    /// plan's.
    pub rate_vs_plan: f64,
    log_phi: Vec<f64>,
    cdf: Vec<f64>,
    step: f64,
}

impl std::fmt::Debug for Posterior {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Posterior")
            .field("plan_weight", &self.plan_weight)
            .field("rate_vs_plan", &self.rate_vs_plan)
            .finish_non_exhaustive()
    }
}

fn log_likelihood(phi: f64, sites: &[Evidence], b: f64) -> f64 {
    sites.iter().map(|s| s.counted * phi.ln() - (s.shape + s.counted) * (b + phi * s.open_days).ln()).sum()
}

impl Posterior {
    /// The posterior given the sites and the prior rate b.
    pub fn of(sites: &[Evidence], b: f64) -> Posterior {
        let (lo, hi) = (PHI_MIN.ln(), PHI_MAX.ln());
        let step = (hi - lo) / (GRID - 1) as f64;
        let log_phi: Vec<f64> = (0..GRID).map(|i| lo + step * i as f64).collect();
        // Gamma(1, 1) density e^(−φ) times the log-grid's dφ = φ·du.
        let log_w: Vec<f64> =
            log_phi.iter().map(|&u| -u.exp() + u + step.ln() + log_likelihood(u.exp(), sites, b)).collect();
        let max = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let weights: Vec<f64> = log_w.iter().map(|l| (l - max).exp()).collect();
        let total: f64 = weights.iter().sum();
        let log_vague = max + total.ln();
        let log_plan = log_likelihood(1.0, sites, b);
        let odds_vague = (1.0 - PLAN_WEIGHT) / PLAN_WEIGHT * (log_vague - log_plan).exp();
        let plan_weight = if odds_vague.is_finite() { 1.0 / (1.0 + odds_vague) } else { 0.0 };
        let mut acc = 0.0;
        let cdf = weights
            .iter()
            .map(|w| {
                acc += w / total;
                acc
            })
            .collect();
        let rate_vs_plan = log_phi.iter().zip(&weights).map(|(u, w)| u.exp() * w / total).sum();
        Posterior { plan_weight, rate_vs_plan, log_phi, cdf, step }
    }

    /// The plan-informed prior alone (no vague component): the model of Anisimov & Fedorov as
    /// published, for the tests that compare it with the constant-rate model.
    pub fn plan_only() -> Posterior {
        Posterior { plan_weight: 1.0, rate_vs_plan: 1.0, log_phi: vec![0.0], cdf: vec![1.0], step: 0.0 }
    }

    /// One draw of φ: 1 from the plan component, else from the vague component's grid.
    pub fn draw(&self, rng: &mut fastrand::Rng) -> f64 {
        if rng.f64() < self.plan_weight {
            return 1.0;
        }
        let u = rng.f64();
        let i = self.cdf.partition_point(|c| *c < u).min(self.cdf.len() - 1);
        (self.log_phi[i] + (rng.f64() - 0.5) * self.step).exp()
    }

    /// The data contradict the plan: the vague component carries most of the weight.
    pub fn conflict(&self) -> bool {
        self.plan_weight < 0.5
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three sites over two years of a four-year plan for 35: a = 35·0.5/3, b = 1461·0.5.
    fn three_sites(inclusions: [f64; 3]) -> Posterior {
        let sites: Vec<Evidence> =
            inclusions.iter().map(|m| Evidence { shape: 35.0 * 0.5 / 3.0, counted: *m, open_days: 730.0 }).collect();
        Posterior::of(&sites, 1461.0 * 0.5)
    }

    #[test]
    fn data_on_plan_keep_the_plan_and_half_the_plan_loses_it() {
        let on_plan = three_sites([6.0, 6.0, 5.0]);
        assert!(on_plan.plan_weight > 0.8, "{on_plan:?}");
        assert!(!on_plan.conflict());
        // Half the plan's 17.5 by now: the plan loses weight; under a third of it: the data win.
        let half = three_sites([3.0, 3.0, 3.0]);
        assert!(half.plan_weight < 0.8 && half.plan_weight < on_plan.plan_weight, "{half:?}");
        assert!((0.35..0.65).contains(&half.rate_vs_plan), "{half:?}");
        let third = three_sites([2.0, 2.0, 1.0]);
        assert!(third.conflict(), "{third:?}");
        assert!((0.2..0.45).contains(&third.rate_vs_plan), "{third:?}");
        let none = three_sites([0.0, 0.0, 0.0]);
        assert!(none.plan_weight < 0.01 && none.rate_vs_plan < 0.1, "{none:?}");
    }

    #[test]
    fn no_evidence_keeps_the_prior_weights() {
        let p = Posterior::of(&[Evidence { shape: 5.0, counted: 0.0, open_days: 0.0 }], 700.0);
        assert!((p.plan_weight - PLAN_WEIGHT).abs() < 5e-3, "{p:?}");
        let mut rng = fastrand::Rng::with_seed(1);
        let draws: Vec<f64> = (0..50_000).map(|_| p.draw(&mut rng)).collect();
        let ones = draws.iter().filter(|x| **x == 1.0).count() as f64 / draws.len() as f64;
        assert!((ones - PLAN_WEIGHT).abs() < 0.01);
        let vague: Vec<f64> = draws.into_iter().filter(|x| *x != 1.0).collect();
        let mean = vague.iter().sum::<f64>() / vague.len() as f64;
        assert!((mean - 1.0).abs() < 0.05, "Gamma(1, 1) has mean 1: {mean}");
    }
}
