//! The random draws the projections need, from a seeded generator (fastrand): the same seed
//! gives the same draws.

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
}
