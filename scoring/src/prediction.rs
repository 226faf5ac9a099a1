//! What a submission predicts for one trial, and the PSTH every ranked score sees of it.
//!
//! # Why scores see only the PSTH
//! A contestant decides how its predicted repeats relate to each other. Any score that looks at
//! which repeat a spike is in can be raised without stimulus information by making the repeats
//! dependent: repeats that never coincide, or one prediction sent twice shifted by ±Δ/2. Under
//! Md* version 1 (unbiased model norm Σ_{i≠j}⟨M_i, M_j⟩) one dense train plus one near-empty
//! repeat reached a primary of +130. So a prediction enters the ranked scores only through
//! the peri-stimulus time histogram it describes: the merged multiset of its spikes with weight
//! 1/K each (K repeats), or its firing intensity. Reassigning spikes between repeats leaves
//! [`Psth`] unchanged, and every ranked score is a function of [`Psth`] alone, computed from
//! the sorted multiset, so the score does not move by a single bit.

use crate::kernel::{Kernel, Steps, integrate, spike_knots};
use crate::metric::{Metric, undefined};
use crate::probabilistic::Intensity;
use crate::train::{SpikeTrain, Window};

/// A prediction for one trial.
#[derive(Clone, Debug, PartialEq)]
pub enum Prediction {
    /// K ≥ 1 predicted repeats (a stochastic model's samples; one repeat for a deterministic
    /// model).
    Repeats(Vec<SpikeTrain>),
    /// A predicted firing intensity (Hz per bin): the PSTH itself, for models that can
    /// compute it (no sampling noise, no repeats needed).
    Intensity(Intensity),
}

impl Prediction {
    /// The predicted PSTH restricted to `window`.
    pub fn psth(&self, window: Window) -> Psth {
        match self {
            Prediction::Repeats(trains) => {
                let mut merged: Vec<f64> = trains
                    .iter()
                    .flat_map(|t| t.within(window).times().to_vec())
                    .collect();
                merged.sort_by(f64::total_cmp);
                Psth::Spikes {
                    merged,
                    repeats: trains.len(),
                }
            }
            Prediction::Intensity(intensity) => Psth::Density(intensity_steps(intensity, window)),
        }
    }

    /// The predicted PSTH as an intensity on bins of `bin_s` from `window.start_s` (the last
    /// bin may extend past the window's end; nothing past it is counted): for repeats, the
    /// spikes in each bin over all repeats / (K · `bin_s`); for an intensity, its mean over each
    /// bin. The per-bin ROC scores (Beniaguev et al. 2021) use it; they depend only on its
    /// order.
    pub fn histogram(&self, window: Window, bin_s: f64) -> Intensity {
        let x = window.duration_s() / bin_s;
        // Whole bins when the duration is a multiple of bin_s up to rounding, else one more.
        let bins = if (x - x.round()).abs() < 1e-9 {
            x.round()
        } else {
            x.ceil()
        }
        .max(1.0) as usize;
        let mut mass = vec![0.0; bins];
        let bin_of = |t: f64| (((t - window.start_s) / bin_s).floor() as usize).min(bins - 1);
        match self.psth(window) {
            Psth::Spikes { merged, repeats } => {
                let w = 1.0 / repeats.max(1) as f64;
                merged.iter().for_each(|&t| mass[bin_of(t)] += w);
            }
            Psth::Density(steps) => {
                let edge = |b: usize| window.start_s + b as f64 * bin_s;
                for (k, &r) in steps.rate_hz.iter().enumerate() {
                    let (lo, hi) = (steps.edges[k], steps.edges[k + 1]);
                    let (first, last) = (bin_of(lo), bin_of(hi));
                    for (b, m) in mass.iter_mut().enumerate().take(last + 1).skip(first) {
                        let from = edge(b).max(lo);
                        let to = if b + 1 == bins {
                            hi
                        } else {
                            edge(b + 1).min(hi)
                        };
                        if to > from {
                            *m += r * (to - from);
                        }
                    }
                }
            }
        }
        Intensity {
            start_s: window.start_s,
            dt_s: bin_s,
            rate_hz: mass.into_iter().map(|m| m / bin_s).collect(),
        }
    }

    /// The predicted spike trains, restricted to `window`, where the prediction is made of
    /// them (metrics defined per pair of trains, such as Γ, need them); `None` for an intensity.
    pub fn trains(&self, window: Window) -> Option<Vec<SpikeTrain>> {
        match self {
            Prediction::Repeats(trains) => Some(trains.iter().map(|t| t.within(window)).collect()),
            Prediction::Intensity(_) => None,
        }
    }
}

/// The part of an intensity's bins inside `window`, as consecutive pieces.
fn intensity_steps(intensity: &Intensity, window: Window) -> Steps {
    let edge = |k: usize| intensity.start_s + k as f64 * intensity.dt_s;
    let mut edges = Vec::new();
    let mut rate_hz = Vec::new();
    for (k, &r) in intensity.rate_hz.iter().enumerate() {
        let (lo, hi) = (edge(k).max(window.start_s), edge(k + 1).min(window.end_s));
        if lo < hi {
            if edges.is_empty() {
                edges.push(lo);
            }
            edges.push(hi);
            rate_hz.push(r);
        }
    }
    Steps { edges, rate_hz }
}

/// A predicted PSTH on one window: the only thing of a prediction that ranked scores use.
#[derive(Clone, Debug, PartialEq)]
pub enum Psth {
    /// The merged, sorted spikes of `repeats` predicted repeats; each spike weighs 1/`repeats`.
    Spikes {
        /// Every predicted spike in the window, sorted (repeated values kept).
        merged: Vec<f64>,
        /// K, the number of predicted repeats.
        repeats: usize,
    },
    /// A piecewise-constant intensity.
    Density(Steps),
}

impl Psth {
    /// Expected predicted spikes per repeat in the window (the PSTH's mass).
    pub fn mean_count(&self) -> f64 {
        match self {
            Psth::Spikes { merged, repeats } => merged.len() as f64 / (*repeats).max(1) as f64,
            Psth::Density(steps) => steps.mass(),
        }
    }

    /// ⟨S, ν̂_M⟩: the kernel product of sorted spike times `spikes` with this PSTH.
    ///
    /// # Errors
    /// No predicted repeat; the box kernel with an intensity (the box is kept for spike
    /// trains only).
    pub fn product_with_spikes(&self, spikes: &[f64], kernel: Kernel, delta_s: f64) -> Metric {
        match (self, kernel) {
            (Psth::Spikes { repeats: 0, .. }, _) => no_repeats(),
            (Psth::Spikes { merged, repeats }, _) => {
                Ok(kernel.spikes(spikes, merged, delta_s) / *repeats as f64)
            }
            (Psth::Density(steps), Kernel::Triangle) => Ok(integrate(
                spike_knots(spikes, delta_s),
                steps.knots(delta_s).into_iter(),
            ) / delta_s),
            (Psth::Density(_), Kernel::Box) => box_with_intensity(),
        }
    }

    /// ‖ν̂_M‖² = ⟨ν̂_M, ν̂_M⟩ with every product kept, a spike's with itself included: for
    /// repeats ⟨∪M, ∪M⟩/K², for an intensity ∫∫ λ(u) λ(v) K(u − v) du dv.
    ///
    /// # Errors
    /// No predicted repeat; the box kernel with an intensity.
    pub fn norm(&self, kernel: Kernel, delta_s: f64) -> Metric {
        match (self, kernel) {
            (Psth::Spikes { repeats: 0, .. }, _) => no_repeats(),
            (Psth::Spikes { merged, repeats }, _) => {
                let k = *repeats as f64;
                Ok(kernel.spikes(merged, merged, delta_s) / (k * k))
            }
            (Psth::Density(steps), Kernel::Triangle) => {
                let knots = steps.knots(delta_s);
                Ok(integrate(knots.iter().copied(), knots.iter().copied()) / delta_s)
            }
            (Psth::Density(_), Kernel::Box) => box_with_intensity(),
        }
    }
}

fn no_repeats() -> Metric {
    undefined("predicted PSTH undefined: no predicted repeats")
}

fn box_with_intensity() -> Metric {
    undefined(
        "the box kernel is defined for spike trains only; intensities are scored with the \
         triangle kernel",
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
    fn intensity_is_cut_to_the_window() {
        let i = Intensity {
            start_s: 0.0,
            dt_s: 0.5,
            rate_hz: vec![1.0, 2.0, 3.0, 4.0],
        };
        let w = Window::new(0.25, 1.5).unwrap();
        let Psth::Density(s) = Prediction::Intensity(i).psth(w) else {
            panic!("an intensity gives a density")
        };
        assert_eq!(s.edges, vec![0.25, 0.5, 1.0, 1.5]);
        assert_eq!(s.rate_hz, vec![1.0, 2.0, 3.0]);
        // 0.25·1 + 0.5·2 + 0.5·3 = 2.75 expected spikes.
        assert!((s.mass() - 2.75).abs() < 1e-15);
    }

    #[test]
    fn histograms_of_repeats_and_of_intensities() {
        // Two trains over 0.35 s in 0.1 s bins (4 bins, the last past the end): spikes at
        // 0.05 and 0.15 | 0.15 and 0.31 → counts (1, 2, 0, 1) / (2 · 0.1 s) = (5, 10, 0, 5) Hz.
        let w = Window::new(0.0, 0.35).unwrap();
        let p = Prediction::Repeats(vec![train(&[0.05, 0.15]), train(&[0.15, 0.31])]);
        let h = p.histogram(w, 0.1);
        assert_eq!(h.start_s, 0.0);
        for (got, want) in h.rate_hz.iter().zip([5.0, 10.0, 0.0, 5.0]) {
            assert!((got - want).abs() < 1e-12, "{:?}", h.rate_hz);
        }
        // An intensity of 0.25 s bins (10, 30 Hz) on a window from 0.1 s in 0.1 s bins:
        // [0.1, 0.2) → 10 Hz, [0.2, 0.3) → half 10, half 30 = 20 Hz, [0.3, 0.4) → 30 Hz.
        let i = Prediction::Intensity(Intensity {
            start_s: 0.0,
            dt_s: 0.25,
            rate_hz: vec![10.0, 30.0],
        });
        let h = i.histogram(Window::new(0.1, 0.4).unwrap(), 0.1);
        assert_eq!(h.start_s, 0.1);
        for (got, want) in h.rate_hz.iter().zip([10.0, 20.0, 30.0]) {
            assert!((got - want).abs() < 1e-9, "{:?}", h.rate_hz);
        }
    }

    #[test]
    fn repeats_become_their_merged_multiset() {
        let p = Prediction::Repeats(vec![train(&[0.1, 0.3]), train(&[0.1, 0.2, 0.9])]);
        let w = Window::new(0.0, 0.5).unwrap();
        assert_eq!(
            p.psth(w),
            Psth::Spikes {
                merged: vec![0.1, 0.1, 0.2, 0.3],
                repeats: 2
            }
        );
        assert_eq!(p.psth(w).mean_count(), 2.0);
    }

    #[test]
    fn a_flat_intensity_has_the_flat_norm() {
        // λ ≡ r on the window: ‖λ‖² = r²·c exactly, the closed form of the null.
        let w = Window::new(0.0, 2.0).unwrap();
        let i = Intensity {
            start_s: 0.0,
            dt_s: 0.001,
            rate_hz: vec![30.0; 2000],
        };
        let norm = Prediction::Intensity(i)
            .psth(w)
            .norm(Kernel::Triangle, 0.004)
            .unwrap();
        let want = 900.0 * Kernel::Triangle.flat_norm_s2(w, 0.004);
        assert!((norm - want).abs() < 1e-9 * want, "{norm} vs {want}");
    }

    proptest! {
        /// Moving spikes between the predicted repeats (any reassignment that keeps their
        /// union) leaves the PSTH, and so every product, bit for bit unchanged.
        #[test]
        fn reassigning_spikes_between_repeats_changes_nothing(
            spikes in prop::collection::btree_set(0u32..5000, 0..60),
            assignment in prop::collection::vec(0usize..4, 60),
            other in prop::collection::vec(0usize..4, 60),
        ) {
            let times: Vec<f64> = spikes.iter().map(|&k| k as f64 * 1e-4).collect();
            let split = |which: &[usize]| -> Prediction {
                let mut repeats = vec![Vec::new(); 4];
                for (t, &r) in times.iter().zip(which) {
                    repeats[r].push(*t);
                }
                Prediction::Repeats(repeats.into_iter().map(|r| train(&r)).collect())
            };
            let w = Window::new(0.0, 0.5).unwrap();
            let (a, b) = (split(&assignment).psth(w), split(&other).psth(w));
            prop_assert_eq!(&a, &b);
            let data = [0.0101, 0.2, 0.33];
            for k in [Kernel::Triangle, Kernel::Box] {
                prop_assert_eq!(a.norm(k, 0.004).unwrap().to_bits(), b.norm(k, 0.004).unwrap().to_bits());
                prop_assert_eq!(
                    a.product_with_spikes(&data, k, 0.004).unwrap().to_bits(),
                    b.product_with_spikes(&data, k, 0.004).unwrap().to_bits()
                );
            }
        }
    }
}
