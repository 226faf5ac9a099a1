//! The coincidence factor Γ and the intrinsic reliability R.
//!
//! Γ (Kistler, Gerstner & van Hemmen 1997, Neural Comput 9:1015; Jolivet, Kobayashi, Rauch,
//! Naud, Shinomoto & Gerstner 2008, J Neurosci Methods 169:417) counts how many recorded spikes
//! a prediction reproduces within ±Δ, subtracts what a Poisson train at the predicted rate
//! would hit by chance, and normalises so that a perfect prediction scores 1 and chance 0:
//!
//! ```text
//! Γ = (N_coinc − 2νΔ·N_data) / (½(N_data + N_model)) · 1/(1 − 2νΔ),   ν = N_model / T
//! ```
//!
//! with N_coinc the size of a maximum one-to-one matching between recorded and predicted
//! spikes with |t_d − t_m| ≤ Δ ("without replacement": no spike counts twice), T the window
//! duration (s), Δ the precision (s). The normaliser 1 − 2νΔ tends to 0 as ν → 1/(2Δ)
//! (125 Hz for Δ = 4 ms) and turns Γ into a large number of either sign; we report Γ as
//! undefined as soon as 1 − 2νΔ ≤ 0.5, i.e. ν ≥ 1/(4Δ) (62.5 Hz for Δ = 4 ms), far from the
//! singularity and far above the rates of the cells this is used for.
//!
//! brian2modelfitting's `GammaFactor` differs (documented in the crate README/peer notes): it
//! uses the *data* rate in the chance term and in the normaliser, and counts coincidences with
//! its own greedy rule; values therefore differ from Kistler's definition used here.

use crate::metric::{Metric, mean_of, undefined};
use crate::train::{SpikeTrain, Window};

/// Size of a maximum one-to-one matching of `data` and `model` spikes with |t_d − t_m| ≤ Δ.
///
/// Both slices must be sorted (non-decreasing). One merge sweep, O(n + m).
///
/// # Why the sweep is optimal
/// Let d be the earliest unconsidered data spike and m the earliest unconsidered model spike.
/// * If m − d > Δ, then every later model spike m' ≥ m also has m' − d > Δ, and every earlier
///   model spike was either matched or discarded because it lies more than Δ before some data
///   spike ≤ d, hence before d too. So d has no available partner: discarding it loses nothing.
///   The case d − m > Δ is symmetric.
/// * Otherwise |d − m| ≤ Δ and some maximum matching contains the pair (d, m) (exchange
///   argument): take any maximum matching M. If d and m are both free in M, add (d, m)
///   (contradiction with maximality, so this cannot happen). If only one is matched, say d to
///   m', replace (d, m') by (d, m). If d–m' and d'–m are both in M (d' ≥ d, m' ≥ m), then
///   |d' − m'| ≤ Δ too: d' − m' ≤ d' − m ≤ Δ and m' − d' ≤ m' − d ≤ Δ; so replacing them by
///   (d, m) and (d', m') keeps the size. Matching (d, m) and recursing on the rest is thus optimal.
///
/// Differences are always computed as `model − data` or `data − model`, which are exact
/// negatives in IEEE arithmetic, so the test |t_d − t_m| ≤ Δ is applied consistently.
pub fn count_coincidences(data: &[f64], model: &[f64], delta_s: f64) -> usize {
    let (mut i, mut j, mut count) = (0, 0, 0);
    while i < data.len() && j < model.len() {
        let diff = model[j] - data[i];
        if diff > delta_s {
            i += 1;
        } else if -diff > delta_s {
            j += 1;
        } else {
            count += 1;
            i += 1;
            j += 1;
        }
    }
    count
}

/// Kistler's coincidence factor Γ of one predicted train against one recorded train.
///
/// `window` gives T (s) for the predicted rate ν = N_model / T; the trains are expected to lie
/// inside it (see [`SpikeTrain::within`]). `delta_s` is the precision Δ (s), typically 0.004.
///
/// # Errors (undefined)
/// * both trains empty (Γ is 0/0);
/// * ν ≥ 1/(4Δ), where the normaliser 1 − 2νΔ ≤ 0.5 (see the module docs).
pub fn gamma(data: &SpikeTrain, model: &SpikeTrain, window: Window, delta_s: f64) -> Metric {
    let n_data = data.len() as f64;
    let n_model = model.len() as f64;
    if data.is_empty() && model.is_empty() {
        return undefined("coincidence factor undefined: both trains are empty");
    }
    let rate = n_model / window.duration_s();
    let normaliser = 1.0 - 2.0 * rate * delta_s;
    if normaliser <= 0.5 {
        return undefined(format!(
            "coincidence factor undefined: predicted rate {rate:.1} Hz makes the normaliser \
             1 − 2νΔ = {normaliser:.3} ≤ 0.5 (needs rate < 1/(4Δ) = {:.1} Hz)",
            1.0 / (4.0 * delta_s)
        ));
    }
    let n_coinc = count_coincidences(data.times(), model.times(), delta_s) as f64;
    let expected = 2.0 * rate * delta_s * n_data;
    Ok((n_coinc - expected) / (0.5 * (n_data + n_model)) / normaliser)
}

/// Mean of Γ over `pairs` of trains, leaving out the pairs in which both trains are empty:
/// Γ is 0/0 there, and such a pair (a quiet segment, a repeat without spikes) says nothing
/// either way. Any other undefined pair makes the mean undefined with its reason.
fn mean_over_pairs<'a>(
    pairs: impl Iterator<Item = (&'a SpikeTrain, &'a SpikeTrain)>,
    window: Window,
    delta_s: f64,
    what: &str,
) -> Metric {
    let values: Vec<Metric> = pairs
        .filter(|(d, m)| !(d.is_empty() && m.is_empty()))
        .map(|(d, m)| gamma(d, m, window, delta_s))
        .collect();
    if values.is_empty() {
        return undefined(format!("{what} undefined: no spikes in any pair of trains"));
    }
    mean_of(values, what)
}

/// Mean Γ over all (recorded, predicted) pairs, pairs of two empty trains left out.
///
/// # Errors (undefined)
/// Either set is empty, every pair is empty, or any other pair is undefined (its reason is
/// reported).
pub fn mean_gamma(
    data: &[SpikeTrain],
    model: &[SpikeTrain],
    window: Window,
    delta_s: f64,
) -> Metric {
    if data.is_empty() || model.is_empty() {
        return undefined("coincidence factor undefined: no recorded or no predicted repeats");
    }
    mean_over_pairs(
        data.iter().flat_map(|d| model.iter().map(move |m| (d, m))),
        window,
        delta_s,
        "coincidence factor",
    )
}

/// Intrinsic reliability R: mean Γ over ordered pairs (i ≠ j) of recorded repeats, D_i as data
/// and D_j as prediction (both orientations, since Γ is not symmetric). INCF 2009 convention
/// (Jolivet et al. 2008): a model's Γ is then reported as Γ/R.
///
/// Pairs of two empty repeats are left out, as in [`mean_gamma`].
///
/// # Errors (undefined)
/// Fewer than 2 repeats, every pair empty, or any other pair undefined.
pub fn intrinsic_reliability(data: &[SpikeTrain], window: Window, delta_s: f64) -> Metric {
    if data.len() < 2 {
        return undefined(format!(
            "intrinsic reliability undefined: needs at least 2 recorded repeats, got {}",
            data.len()
        ));
    }
    mean_over_pairs(
        data.iter().enumerate().flat_map(|(i, d)| {
            data.iter()
                .enumerate()
                .filter(move |(j, _)| *j != i)
                .map(move |(_, m)| (d, m))
        }),
        window,
        delta_s,
        "intrinsic reliability",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn train(t: &[f64]) -> SpikeTrain {
        SpikeTrain::new(t.to_vec()).unwrap()
    }

    #[test]
    fn counting_is_without_replacement() {
        // Two model spikes near one data spike match once; the second data spike at 0.107 is
        // within 4 ms of the model spike at 0.104, which the sweep gives to it.
        let data = [0.100, 0.107, 0.500];
        let model = [0.101, 0.104, 0.300];
        assert_eq!(count_coincidences(&data, &model, 0.004), 2);
        // One model spike between two data spikes counts once.
        assert_eq!(count_coincidences(&[0.100, 0.106], &[0.103], 0.004), 1);
        // Exactly at Δ counts (0.25 − 0.125 = 0.125 exactly in binary).
        assert_eq!(count_coincidences(&[0.125], &[0.25], 0.125), 1);
        assert_eq!(count_coincidences(&[], &[0.1], 0.004), 0);
    }

    #[test]
    fn gamma_hand_computed() {
        // T = 1 s, Δ = 0.01 s. data: 4 spikes; model: 5 spikes, 3 within 10 ms of a data spike.
        // ν = 5 Hz, 2νΔ = 0.1, chance = 0.1 · 4 = 0.4, normaliser = 0.9,
        // Γ = (3 − 0.4) / (½ · 9) / 0.9 = 2.6 / 4.5 / 0.9 = 0.641975308641975...
        let data = train(&[0.1, 0.3, 0.5, 0.7]);
        let model = train(&[0.105, 0.2, 0.295, 0.52, 0.708]);
        let w = Window::new(0.0, 1.0).unwrap();
        assert_eq!(count_coincidences(data.times(), model.times(), 0.01), 3);
        let g = gamma(&data, &model, w, 0.01).unwrap();
        assert!((g - 2.6 / 4.5 / 0.9).abs() < 1e-12, "{g}");
    }

    #[test]
    fn gamma_undefined_cases() {
        let w = Window::new(0.0, 1.0).unwrap();
        let empty = SpikeTrain::default();
        assert!(gamma(&empty, &empty, w, 0.004).is_err());
        // 63 spikes in 1 s with Δ = 4 ms: 1 − 2·63·0.004 = 0.496 ≤ 0.5.
        let dense = train(&(0..63).map(|k| k as f64 / 63.0).collect::<Vec<_>>());
        let err = gamma(&empty, &dense, w, 0.004).unwrap_err();
        assert!(err.reason.contains("63.0 Hz"), "{}", err.reason);
        assert!(err.reason.contains("62.5 Hz"), "{}", err.reason);
        // 62 spikes: normaliser 0.504 > 0.5 is still defined.
        let ok = train(&(0..62).map(|k| k as f64 / 62.0).collect::<Vec<_>>());
        assert!(gamma(&empty, &ok, w, 0.004).is_ok());
        // An empty prediction of a non-empty train is 0: (0 − 0) / (½·1) / 1.
        assert_eq!(gamma(&train(&[0.5]), &empty, w, 0.004), Ok(0.0));
    }

    #[test]
    fn reliability_averages_both_orientations() {
        // T = 1 s, Δ = 0.01 s. A = {0.1, 0.5}, B = {0.105, 0.8, 0.9}: one coincidence.
        // Γ(A data, B model): ν = 3, 2νΔ = 0.06; (1 − 0.06·2)/(2.5)/0.94 = 0.88/2.5/0.94
        // Γ(B data, A model): ν = 2, 2νΔ = 0.04; (1 − 0.04·3)/(2.5)/0.96 = 0.88/2.5/0.96
        let a = train(&[0.1, 0.5]);
        let b = train(&[0.105, 0.8, 0.9]);
        let w = Window::new(0.0, 1.0).unwrap();
        let expected = 0.5 * (0.88 / 2.5 / 0.94 + 0.88 / 2.5 / 0.96);
        let r = intrinsic_reliability(&[a.clone(), b.clone()], w, 0.01).unwrap();
        assert!((r - expected).abs() < 1e-12);
        assert!(intrinsic_reliability(std::slice::from_ref(&a), w, 0.01).is_err());
        let mg = mean_gamma(std::slice::from_ref(&a), &[b.clone(), a.clone()], w, 0.01).unwrap();
        assert!((mg - 0.5 * (0.88 / 2.5 / 0.94 + 1.0)).abs() < 1e-12);
        // A pair of two empty trains is left out; a train against an empty one counts (Γ 0).
        let empty = SpikeTrain::default();
        let r = intrinsic_reliability(&[a.clone(), empty.clone(), empty.clone()], w, 0.01);
        // Pairs (a, ∅) and (∅, a) twice each: Γ(a, ∅) = 0 and Γ(∅, a) = (0 − 0)/(1)/(0.96) = 0.
        assert_eq!(r, Ok(0.0));
        let quiet = intrinsic_reliability(&[empty.clone(), empty.clone()], w, 0.01);
        assert!(quiet.unwrap_err().reason.contains("no spikes in any pair"));
        assert_eq!(
            mean_gamma(&[a.clone(), empty.clone()], &[empty], w, 0.01),
            Ok(0.0)
        );
    }

    /// Maximum bipartite matching by augmenting paths (Kuhn's algorithm): the naive reference.
    fn naive_max_matching(data: &[f64], model: &[f64], delta: f64) -> usize {
        fn augment(
            i: usize,
            adj: &[Vec<usize>],
            seen: &mut [bool],
            owner: &mut [Option<usize>],
        ) -> bool {
            for &j in &adj[i] {
                if !seen[j] {
                    seen[j] = true;
                    if owner[j].is_none_or(|k| augment(k, adj, seen, owner)) {
                        owner[j] = Some(i);
                        return true;
                    }
                }
            }
            false
        }
        let adj: Vec<Vec<usize>> = data
            .iter()
            .map(|&d| {
                (0..model.len())
                    .filter(|&j| (model[j] - d).abs() <= delta)
                    .collect()
            })
            .collect();
        let mut owner = vec![None; model.len()];
        (0..data.len())
            .filter(|&i| augment(i, &adj, &mut vec![false; model.len()], &mut owner))
            .count()
    }

    fn sorted_train(max_len: usize) -> impl Strategy<Value = Vec<f64>> {
        // Times on a 1 ms grid in [0, 0.1) s so that many near-ties and exact-Δ cases occur.
        prop::collection::btree_set(0u32..100, 0..max_len)
            .prop_map(|s| s.into_iter().map(|k| k as f64 * 1e-3).collect())
    }

    proptest! {
        #[test]
        fn sweep_equals_maximum_matching(d in sorted_train(12), m in sorted_train(12),
                                         delta_ms in 0u32..12) {
            let delta = delta_ms as f64 * 1e-3;
            let fast = count_coincidences(&d, &m, delta);
            prop_assert_eq!(fast, naive_max_matching(&d, &m, delta));
            prop_assert!(fast <= d.len().min(m.len()));
        }

        #[test]
        fn gamma_of_train_with_itself_is_one(t in sorted_train(40)) {
            let s = SpikeTrain::new(t).unwrap();
            let w = Window::new(0.0, 1.0).unwrap();
            match gamma(&s, &s, w, 0.004) {
                Ok(g) => prop_assert!((g - 1.0).abs() < 1e-12, "{}", g),
                Err(e) => prop_assert!(s.is_empty() || 1.0 - 2.0 * s.len() as f64 * 0.004 <= 0.5,
                                       "{}", e.reason),
            }
        }
    }
}
