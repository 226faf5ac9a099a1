//! The coincidence factor Γ, used as the objective when a fit tunes spike-generation parameters
//! by reproducing the training spike train (MAT).
//!
//! Γ = (N_coinc − 2ν_m Δ N_d) / (½(N_d + N_m)) · 1/(1 − 2ν_m Δ) (Kistler, Gerstner & van Hemmen
//! 1997, Neural Comput 9:1015; Jolivet et al. 2008, J Neurosci Methods 169:417), where N_coinc
//! counts data spikes with a model spike within ±Δ and ν_m = N_m/T. The scoring crate owns the
//! official implementation used for ranking; this private copy keeps the neuron crate free of
//! a dependency on it (the two crates are independent by design).

/// Γ of `model` against `data` (spike times in s, sorted) over `duration_s`, precision `delta_s`.
/// Returns 0 when either train is empty (no information, no coincidences).
pub(super) fn coincidence_factor(
    data: &[f64],
    model: &[f64],
    delta_s: f64,
    duration_s: f64,
) -> f64 {
    if data.is_empty() || model.is_empty() {
        return 0.0;
    }
    let mut j = 0;
    let mut coincidences = 0.0;
    for &t in data {
        while j < model.len() && model[j] < t - delta_s {
            j += 1;
        }
        if j < model.len() && model[j] <= t + delta_s {
            coincidences += 1.0;
        }
    }
    let (n_d, n_m) = (data.len() as f64, model.len() as f64);
    let chance = 2.0 * n_m / duration_s * delta_s;
    (coincidences - chance * n_d) / (0.5 * (n_d + n_m)) / (1.0 - chance)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// data {0.1, 0.5}, model {0.102, 0.9}, T = 1 s, Δ = 4 ms: one coincidence, ν_m = 2 Hz,
    /// chance = 2·2·0.004 = 0.016, expected coincidences 0.016·2 = 0.032:
    /// Γ = (1 − 0.032)/(½·4)/(1 − 0.016) = 0.968/2/0.984 = 0.49187.
    #[test]
    fn hand_computed_value() {
        let g = coincidence_factor(&[0.1, 0.5], &[0.102, 0.9], 0.004, 1.0);
        assert!((g - 0.968 / 2.0 / 0.984).abs() < 1e-12, "{g}");
        assert!((coincidence_factor(&[0.1, 0.5], &[0.1, 0.5], 0.004, 1.0) - 1.0).abs() < 1e-12);
        assert_eq!(coincidence_factor(&[0.1], &[], 0.004, 1.0), 0.0);
    }
}
