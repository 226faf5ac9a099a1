//! Fitting an exponential escape rate to a recorded spike train: the threshold stage shared by
//! the GIF fit ([`super::gif_fit`]) and the dendritic baselines of `arena-challenge`.
//!
//! The model: in each free step n (the part of a sampling step outside the absolute refractory
//! period after a spike) of length Δt_n, the cell spikes with probability 1 − e^{−λ_n Δt_n},
//! log λ_n = βᵀx_n, where x_n holds the regressors (typically [1, V_n, …]). Each free step
//! contributes log(1 − e^{−λ_n Δt_n}) if it holds a recorded spike and −λ_n Δt_n otherwise — the
//! exact Bernoulli likelihood of the escape-noise simulators (a complementary log-log GLM), which
//! is concave in β (Pozzorini et al. 2015, PLoS Comput Biol 11:e1004275, use its Poisson
//! approximation log(λ_n Δt_n), which differs by O(λΔt)). It is maximised by Newton's method
//! with a backtracking line search, started from the constant-rate solution.
//!
//! Why shared: both fits hold a model voltage computed with the recorded spikes imposed, and
//! both must read a spike train the way their simulators draw it (free time after t_ref, one
//! draw per step); one implementation of the free steps and the likelihood keeps the two
//! baselines on the same footing.

use super::FitError;
use super::gif::LAMBDA0_HZ;
use super::linalg::solve_spd;
use rand::Rng;

/// Newton's method stops when the log-likelihood improves by less than this, nats.
const NEWTON_TOLERANCE: f64 = 1e-10;
/// At most this many Newton steps.
const NEWTON_MAX_STEPS: usize = 200;

/// The exponential escape rate λ = λ₀·exp((V − V_T)/ΔV), Hz (λ₀ = [`LAMBDA0_HZ`]); V, V_T
/// and ΔV in mV.
pub fn escape_rate_hz(v_mv: f64, v_t_mv: f64, delta_v_mv: f64) -> f64 {
    LAMBDA0_HZ * ((v_mv - v_t_mv) / delta_v_mv).exp()
}

/// One escape-noise draw for the free part [from_s, from_s + free_s) (s) of a step at rate
/// `rate_hz`: a spike with probability 1 − exp(−λ·Δt), placed at the middle of the free part.
/// One uniform number is drawn per call, so seeded runs are reproducible step by step.
pub fn escape_spike(rng: &mut impl Rng, rate_hz: f64, from_s: f64, free_s: f64) -> Option<f64> {
    let probability = -(-rate_hz * free_s).exp_m1();
    (rng.random::<f64>() < probability).then_some(from_s + 0.5 * free_s)
}

/// The free part of one sampling step of a recorded spike train.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FreeStep {
    /// The step n, covering [n·dt, (n + 1)·dt).
    pub step: usize,
    /// Length of its part outside the refractory period, s (> 0).
    pub exposure_s: f64,
    /// Whether a recorded spike lies in that free part.
    pub spike: bool,
}

/// The free steps of `n_steps` steps of `dt_s` (s) for the recorded spikes `spikes_s` (s,
/// increasing) and an absolute refractory period `t_ref_s` (s) after each spike. A recorded
/// spike inside a refractory period (impossible under the model) is skipped and does not
/// restart it; steps entirely inside a refractory period are left out.
pub fn free_steps(spikes_s: &[f64], n_steps: usize, dt_s: f64, t_ref_s: f64) -> Vec<FreeStep> {
    let mut steps = Vec::with_capacity(n_steps);
    let mut next = 0;
    let mut free_from_s: f64 = 0.0;
    for step in 0..n_steps {
        let (start, end) = (step as f64 * dt_s, (step + 1) as f64 * dt_s);
        let mut spike = false;
        while spikes_s.get(next).is_some_and(|&s| s < end) {
            if spikes_s[next] >= free_from_s {
                spike = true;
            }
            next += 1;
        }
        let from = start.max(free_from_s);
        if end > from {
            steps.push(FreeStep {
                step,
                exposure_s: end - from,
                spike,
            });
        }
        if spike {
            free_from_s = spikes_s[next - 1] + t_ref_s;
        }
    }
    steps
}

/// The free steps of a fit: regressors x (p per step, row-major), exposure Δt (s) and spike.
#[derive(Clone, Debug, PartialEq)]
pub struct EscapeObservations {
    p: usize,
    x: Vec<f64>,
    exposure_s: Vec<f64>,
    spike: Vec<bool>,
}

impl EscapeObservations {
    /// No observations yet, `p` regressors each.
    pub fn new(p: usize) -> Self {
        Self {
            p,
            x: Vec::new(),
            exposure_s: Vec::new(),
            spike: Vec::new(),
        }
    }

    /// Adds a free step with regressors `x` (`p` values), free time `exposure_s` (s) and
    /// whether it holds a spike.
    pub fn push(&mut self, x: &[f64], exposure_s: f64, spike: bool) {
        debug_assert_eq!(x.len(), self.p);
        self.x.extend_from_slice(x);
        self.exposure_s.push(exposure_s);
        self.spike.push(spike);
    }

    /// Number of free steps holding a spike.
    pub fn spikes(&self) -> usize {
        self.spike.iter().filter(|&&s| s).count()
    }

    /// (x, Δt, spike) per observation.
    fn iter(&self) -> impl Iterator<Item = (&[f64], f64, bool)> {
        self.x
            .chunks_exact(self.p.max(1))
            .zip(&self.exposure_s)
            .zip(&self.spike)
            .map(|((x, &e), &s)| (x, e, s))
    }

    /// log L(β) = Σ_spike log(1 − e^{−z}) − Σ_other z with z = Δt·exp(βᵀx); −∞ if it overflows.
    pub fn log_likelihood(&self, beta: &[f64]) -> f64 {
        let mut total = 0.0;
        for (x, exposure_s, spike) in self.iter() {
            let z = exposure_s * dot(x, beta).exp();
            if !z.is_finite() {
                return f64::NEG_INFINITY;
            }
            total += if spike { (-(-z).exp_m1()).ln() } else { -z };
        }
        total
    }
}

/// The maximum-likelihood β (module docs), the first regressor being the constant 1.
///
/// # Errors
/// [`FitError::TooLittleData`] if no observation holds a spike; [`FitError::Singular`] (naming
/// `stage`) if the Hessian is singular, i.e. the regressors do not vary over the free steps;
/// [`FitError::NotConverged`] after 200 Newton steps.
pub fn fit_escape_rate(
    observations: &EscapeObservations,
    stage: &'static str,
) -> Result<Vec<f64>, FitError> {
    let p = observations.p;
    let n_spikes = observations.spikes();
    if n_spikes == 0 {
        return Err(FitError::TooLittleData {
            stage,
            unit: "spikes in free steps",
            needed: 1,
            got: 0,
        });
    }
    let exposure: f64 = observations.exposure_s.iter().sum();
    let mut beta = vec![0.0; p];
    beta[0] = (n_spikes as f64 / exposure).ln();
    let mut current = observations.log_likelihood(&beta);
    for _ in 0..NEWTON_MAX_STEPS {
        // Gradient g and negated Hessian h of log L. For a spike step, with z = Δt·e^u:
        // d/du log(1 − e^{−z}) = z/(e^z − 1), d²/du² = z((e^z − 1) − z e^z)/(e^z − 1)²;
        // for a silent step, d/du (−z) = −z = d²/du². Chain rule: ∂u/∂β = x.
        let mut g = vec![0.0; p];
        let mut h = vec![0.0; p * p];
        for (x, exposure_s, spike) in observations.iter() {
            let z = exposure_s * dot(x, &beta).exp();
            let (d1, d2) = if spike && z < 1e-8 {
                // Series in z avoids 0/0: z/(e^z − 1) ≈ 1 − z/2, second derivative ≈ −z/2.
                (1.0 - 0.5 * z, -0.5 * z)
            } else if spike {
                // In q = e^{−z}: z/(e^z − 1) = zq/(1 − q) and the second derivative is
                // zq(1 − q − z)/(1 − q)², finite for every z (the form in e^z overflows
                // to NaN beyond z ≈ 355).
                let q = (-z).exp();
                let one_minus_q = -(-z).exp_m1();
                (
                    z * q / one_minus_q,
                    z * q * (one_minus_q - z) / (one_minus_q * one_minus_q),
                )
            } else {
                (-z, -z)
            };
            for r in 0..p {
                g[r] += d1 * x[r];
                for c in r..p {
                    h[r * p + c] -= d2 * x[r] * x[c];
                }
            }
        }
        for r in 0..p {
            for c in 0..r {
                h[r * p + c] = h[c * p + r];
            }
        }
        let step = solve_spd(&h, &g, p).ok_or(FitError::Singular { stage })?;
        let mut scale = 1.0;
        let (next_beta, next) = loop {
            let trial: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + scale * s).collect();
            let value = observations.log_likelihood(&trial);
            if value >= current {
                break (trial, value);
            }
            scale *= 0.5;
            if scale < 1e-10 {
                return Ok(beta); // no ascent direction left: at the optimum to rounding
            }
        };
        let gain = next - current;
        beta = next_beta;
        current = next;
        if gain < NEWTON_TOLERANCE {
            return Ok(beta);
        }
    }
    Err(FitError::NotConverged {
        stage,
        steps: NEWTON_MAX_STEPS,
    })
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Constant-rate case: one regressor (the intercept), n silent steps and s spike steps of
    /// exposure Δt. The Bernoulli MLE solves s·z/(e^z − 1) = n·z, i.e. e^z − 1 = s/n, so
    /// λ = ln(1 + s/n)/Δt. With s = 10, n = 990, Δt = 1 ms: λ = ln(1.010101)/0.001 = 10.0503 Hz.
    #[test]
    fn constant_rate_likelihood_by_hand() {
        let mut obs = EscapeObservations::new(1);
        for i in 0..1000 {
            obs.push(&[1.0], 1e-3, i % 100 == 0);
        }
        let beta = fit_escape_rate(&obs, "test").unwrap();
        let expected = (1.0f64 + 10.0 / 990.0).ln() / 1e-3;
        assert!((beta[0].exp() - expected).abs() < 1e-6, "{}", beta[0].exp());
    }

    /// The same data with a constant second regressor (V = −60 mV): β_V is not identifiable,
    /// the Hessian is singular and the error names the stage.
    #[test]
    fn a_constant_regressor_is_singular() {
        let mut obs = EscapeObservations::new(2);
        for i in 0..1000 {
            obs.push(&[1.0, -60.0], 1e-3, i % 100 == 0);
        }
        let err = fit_escape_rate(&obs, "stage y").unwrap_err();
        assert_eq!(err, FitError::Singular { stage: "stage y" });
    }

    /// λ at V = V_T is λ₀ = 1 Hz; at V = V_T + 2ΔV it is e² = 7.389056 Hz. A draw over a free
    /// part of 0 s never spikes (probability 1 − e⁰ = 0); at λΔt = 1e6 the probability is 1 to
    /// rounding, and the spike sits at from + Δt/2 = 0.1 + 0.0005 s.
    #[test]
    fn escape_rate_and_draw_by_hand() {
        assert_eq!(escape_rate_hz(-50.0, -50.0, 2.0), 1.0);
        assert!((escape_rate_hz(-46.0, -50.0, 2.0) - 2f64.exp()).abs() < 1e-12);
        let mut rng = crate::rng::rng_from_seed(7);
        assert_eq!(escape_spike(&mut rng, 1e3, 0.1, 0.0), None);
        assert_eq!(escape_spike(&mut rng, 1e9, 0.1, 1e-3), Some(0.1 + 0.5e-3));
    }

    #[test]
    fn no_spike_is_too_little_data() {
        let mut obs = EscapeObservations::new(1);
        obs.push(&[1.0], 1e-3, false);
        assert!(matches!(
            fit_escape_rate(&obs, "s"),
            Err(FitError::TooLittleData { got: 0, .. })
        ));
    }

    /// dt = 1 ms, t_ref = 2.5 ms, spikes at 1.2 ms and 2.0 ms (inside the refractory period of
    /// the first: skipped) and 4.5 ms. Step 0 [0, 1): free, no spike. Step 1 [1, 2): spike at
    /// 1.2, free until 3.7. Step 2 [2, 3): refractory, left out (the 2.0 ms spike is skipped).
    /// Step 3 [3, 4): free from 3.7, exposure 0.3 ms. Step 4 [4, 5): spike at 4.5, free.
    /// Step 5 [5, 6): refractory until 7.0, left out.
    #[test]
    fn free_steps_by_hand() {
        let steps = free_steps(&[1.2e-3, 2.0e-3, 4.5e-3], 6, 1e-3, 2.5e-3);
        let got: Vec<(usize, bool)> = steps.iter().map(|s| (s.step, s.spike)).collect();
        assert_eq!(got, [(0, false), (1, true), (3, false), (4, true)]);
        let exposures = [1e-3, 1e-3, 0.3e-3, 1e-3];
        for (s, e) in steps.iter().zip(exposures) {
            assert!((s.exposure_s - e).abs() < 1e-15, "{steps:?}");
        }
    }
}
