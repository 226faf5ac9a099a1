//! Every score of `arena score --json` from one call.
//!
//! [`full_report`] takes the recorded repeats, the predicted repeats, the observation window
//! and [`SuiteParams`], and returns a [`FullReport`] whose serde field names are the JSON keys.
//! Pairwise distances (Victor–Purpura, van Rossum, ISI, SPIKE, SPIKE-sync, Schreiber) are
//! averaged over all recorded × predicted pairs; set-level scores (Γ, R, Md*, CF2*, D*_P,
//! explained variance, rate error, primary) use all repeats at once.

use crate::kernel::Kernel;
use crate::kreuz::{isi_distance, spike_distance, spike_sync};
use crate::metric::{Metric, Undefined, mean_of, number_or_null, undefined};
use crate::naud::PsthProducts;
use crate::prediction::Prediction;
use crate::primary::{CoreScores, ScoringParams, positive, trial_scores, trial_stats};
use crate::psth::{explained_variance, mean_schreiber, rate_error};
use crate::train::{SpikeTrain, Window};
use crate::van_rossum::van_rossum;
use crate::victor_purpura::victor_purpura;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Parameters of the whole suite (seconds and 1/s).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SuiteParams {
    /// Coincidence precision Δ for Γ and Md*, s. Default 0.004.
    pub delta_s: f64,
    /// Victor–Purpura shift cost q, 1/s. Default 100 (a 10 ms shift costs 1, half a
    /// deletion plus insertion).
    pub vp_q_per_s: f64,
    /// van Rossum time constant τ, s. Default 0.010.
    pub vr_tau_s: f64,
    /// Schreiber Gaussian s.d. σ, s. Default 0.004 (matches Δ).
    pub schreiber_sigma_s: f64,
    /// PSTH Gaussian s.d. for the explained variance, s. Default 0.010 (Allen GLIF).
    pub psth_sigma_s: f64,
    /// PSTH sampling step for the explained variance, s. Default 0.001.
    pub psth_dt_s: f64,
    /// Kernel of Md* and the primary. Default the triangle; the box gives the INCF / GIF
    /// toolbox values.
    #[serde(default)]
    pub kernel: Kernel,
}

impl Default for SuiteParams {
    fn default() -> Self {
        SuiteParams {
            delta_s: 0.004,
            vp_q_per_s: 100.0,
            vr_tau_s: 0.010,
            schreiber_sigma_s: 0.004,
            psth_sigma_s: 0.010,
            psth_dt_s: 0.001,
            kernel: Kernel::Triangle,
        }
    }
}

impl SuiteParams {
    /// The parameters of the core scores.
    pub fn scoring(&self) -> ScoringParams {
        ScoringParams {
            delta_s: self.delta_s,
            kernel: self.kernel,
        }
    }

    /// Checks every parameter (all finite and positive, except q ≥ 0), naming the field.
    ///
    /// # Errors
    /// The first invalid field, e.g. "vr_tau_s must be finite and positive, got 0".
    pub fn validate(&self) -> Result<(), Undefined> {
        positive(self.delta_s, "delta_s")?;
        if !(self.vp_q_per_s.is_finite() && self.vp_q_per_s >= 0.0) {
            return undefined(format!(
                "vp_q_per_s must be finite and non-negative, got {}",
                self.vp_q_per_s
            ));
        }
        positive(self.vr_tau_s, "vr_tau_s")?;
        positive(self.schreiber_sigma_s, "schreiber_sigma_s")?;
        positive(self.psth_sigma_s, "psth_sigma_s")?;
        positive(self.psth_dt_s, "psth_dt_s")
    }
}

/// All scores of one trial; each a number or null (with its reason in [`FullReport::notes`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)] // each field is the metric of the same name, documented in its module
pub struct FullReport {
    #[serde(with = "number_or_null")]
    pub coincidence_factor: Metric,
    #[serde(with = "number_or_null")]
    pub intrinsic_reliability: Metric,
    #[serde(with = "number_or_null")]
    pub gamma_over_r: Metric,
    #[serde(with = "number_or_null")]
    pub md_star: Metric,
    #[serde(with = "number_or_null")]
    pub cf2_star: Metric,
    #[serde(with = "number_or_null")]
    pub d_star_p: Metric,
    #[serde(with = "number_or_null")]
    pub victor_purpura: Metric,
    #[serde(with = "number_or_null")]
    pub van_rossum: Metric,
    #[serde(with = "number_or_null")]
    pub isi_distance: Metric,
    #[serde(with = "number_or_null")]
    pub spike_distance: Metric,
    #[serde(with = "number_or_null")]
    pub spike_sync: Metric,
    #[serde(with = "number_or_null")]
    pub schreiber: Metric,
    #[serde(with = "number_or_null")]
    pub explained_variance: Metric,
    #[serde(with = "number_or_null")]
    pub rate_error: Metric,
    #[serde(with = "number_or_null")]
    pub primary: Metric,
}

impl FullReport {
    /// Every score with its JSON key, in declaration order (the order of [`KEYS`]).
    pub fn entries(&self) -> [(&'static str, &Metric); 15] {
        let m = [
            &self.coincidence_factor,
            &self.intrinsic_reliability,
            &self.gamma_over_r,
            &self.md_star,
            &self.cf2_star,
            &self.d_star_p,
            &self.victor_purpura,
            &self.van_rossum,
            &self.isi_distance,
            &self.spike_distance,
            &self.spike_sync,
            &self.schreiber,
            &self.explained_variance,
            &self.rate_error,
            &self.primary,
        ];
        std::array::from_fn(|i| (KEYS[i], m[i]))
    }

    /// The reasons of the undefined scores, keyed by JSON key (the `notes` object).
    pub fn notes(&self) -> BTreeMap<&'static str, String> {
        self.entries()
            .into_iter()
            .filter_map(|(k, m)| m.as_ref().err().map(|u| (k, u.reason.clone())))
            .collect()
    }
}

/// The JSON keys of [`FullReport`], in declaration order.
pub const KEYS: [&str; 15] = [
    "coincidence_factor",
    "intrinsic_reliability",
    "gamma_over_r",
    "md_star",
    "cf2_star",
    "d_star_p",
    "victor_purpura",
    "van_rossum",
    "isi_distance",
    "spike_distance",
    "spike_sync",
    "schreiber",
    "explained_variance",
    "rate_error",
    "primary",
];

/// Which scores of [`FullReport`] to compute: a set of [`KEYS`].
///
/// A user who needs a few metrics of a long recording should not wait for all of them: the
/// Gaussian pair sums of the Schreiber correlation and the explained variance are most of the
/// cost of a full report on 100 000-spike trains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Selection(u16);

impl Selection {
    /// Every key.
    pub const ALL: Selection = Selection((1 << KEYS.len()) - 1);

    /// The keys of a comma-separated list, e.g. `"isi_distance,spike_sync"`.
    ///
    /// # Errors
    /// An empty list, or a name that is not a key (the reason lists the keys).
    pub fn parse(list: &str) -> Result<Selection, Undefined> {
        let mut bits = 0;
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match KEYS.iter().position(|k| *k == name) {
                Some(i) => bits |= 1 << i,
                None => {
                    return undefined(format!(
                        "{name:?} is not a score; the scores are {}",
                        KEYS.join(", ")
                    ));
                }
            }
        }
        if bits == 0 {
            return undefined(format!(
                "no score named; the scores are {}",
                KEYS.join(", ")
            ));
        }
        Ok(Selection(bits))
    }

    /// Whether `key` is selected.
    pub fn has(self, key: &str) -> bool {
        KEYS.iter()
            .position(|k| *k == key)
            .is_some_and(|i| self.0 & (1 << i) != 0)
    }
}

/// The PSTH products of a trial, or why they are undefined.
type ProductsOr = Result<PsthProducts, Undefined>;

/// What a score not in the [`Selection`] holds.
fn not_requested<T>() -> Result<T, Undefined> {
    undefined("not requested")
}

/// Mean of `f` over all recorded × predicted pairs.
fn pairwise(
    recorded: &[SpikeTrain],
    predicted: &[SpikeTrain],
    what: &str,
    f: impl Fn(&SpikeTrain, &SpikeTrain) -> Metric,
) -> Metric {
    if recorded.is_empty() || predicted.is_empty() {
        return undefined(format!(
            "{what} undefined: no recorded or no predicted repeats"
        ));
    }
    mean_of(
        recorded
            .iter()
            .flat_map(|r| predicted.iter().map(|p| f(r, p))),
        what,
    )
}

/// `score` started on a thread of `scope` when `wanted`.
fn spawn_if<'scope, F>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    wanted: bool,
    score: F,
) -> Option<std::thread::ScopedJoinHandle<'scope, Metric>>
where
    F: FnOnce() -> Metric + Send + 'scope,
{
    wanted.then(|| scope.spawn(score))
}

/// The score a [`spawn_if`] thread returned, or "not requested".
fn joined(handle: Option<std::thread::ScopedJoinHandle<'_, Metric>>) -> Metric {
    handle.map_or_else(not_requested, |h| {
        h.join()
            .expect("a score's thread does not panic on validated input")
    })
}

/// Computes every key of `arena score --json` for one trial: [`report_of`] with
/// [`Selection::ALL`].
pub fn full_report(
    recorded: &[SpikeTrain],
    predicted: &[SpikeTrain],
    window: Window,
    params: &SuiteParams,
) -> FullReport {
    report_of(recorded, predicted, window, params, Selection::ALL)
}

/// Computes the selected keys of `arena score --json` for one trial; the others hold the
/// reason "not requested". Spikes outside `window` are ignored. `params` must pass
/// [`SuiteParams::validate`] (the distance functions panic on a non-positive τ or a negative q).
///
/// Each pairwise distance, the Schreiber correlation and the explained variance run on a thread
/// of their own while this one computes the set-level scores: `arena score` is a command a
/// user waits for, and the operating system spreads the threads over the cores (each score is
/// deterministic; the result does not depend on the threads).
pub fn report_of(
    recorded: &[SpikeTrain],
    predicted: &[SpikeTrain],
    window: Window,
    params: &SuiteParams,
    selection: Selection,
) -> FullReport {
    let rec: Vec<SpikeTrain> = recorded.iter().map(|t| t.within(window)).collect();
    let pred: Vec<SpikeTrain> = predicted.iter().map(|t| t.within(window)).collect();
    let p = *params;
    let (rec, pred) = (&rec, &pred);
    let want = |key| selection.has(key);
    std::thread::scope(|scope| {
        let victor_purpura = spawn_if(scope, want("victor_purpura"), move || {
            pairwise(rec, pred, "Victor–Purpura distance", |a, b| {
                Ok(victor_purpura(a, b, p.vp_q_per_s))
            })
        });
        let van_rossum = spawn_if(scope, want("van_rossum"), move || {
            pairwise(rec, pred, "van Rossum distance", |a, b| {
                Ok(van_rossum(a, b, p.vr_tau_s))
            })
        });
        let isi_distance = spawn_if(scope, want("isi_distance"), move || {
            pairwise(rec, pred, "ISI-distance", |a, b| {
                Ok(isi_distance(a, b, window))
            })
        });
        let spike_distance = spawn_if(scope, want("spike_distance"), move || {
            pairwise(rec, pred, "SPIKE-distance", |a, b| {
                Ok(spike_distance(a, b, window))
            })
        });
        let spike_sync = spawn_if(scope, want("spike_sync"), move || {
            pairwise(rec, pred, "SPIKE-synchronisation", |a, b| {
                Ok(spike_sync(a, b, window))
            })
        });
        let schreiber = spawn_if(scope, want("schreiber"), move || {
            mean_schreiber(rec, pred, p.schreiber_sigma_s)
        });
        let explained_variance = spawn_if(scope, want("explained_variance"), move || {
            explained_variance(rec, pred, window, p.psth_sigma_s, p.psth_dt_s)
        });
        // The set-level scores share one computation, made when the first of them is asked for.
        let core = std::cell::OnceCell::new();
        let from_core = |key: &str, score: fn(&CoreScores, &ProductsOr) -> Metric| {
            if !selection.has(key) {
                return not_requested();
            }
            let (scores, products) = core.get_or_init(|| {
                let prediction = Prediction::Repeats(pred.clone());
                let stats = trial_stats(rec, &prediction, window, &params.scoring());
                (trial_scores(&stats), stats.products())
            });
            score(scores, products)
        };
        let rate_error = if want("rate_error") {
            rate_error(rec, pred, window)
        } else {
            not_requested()
        };
        let coincidence_factor =
            from_core("coincidence_factor", |c, _| c.coincidence_factor.clone());
        let intrinsic_reliability = from_core("intrinsic_reliability", |c, _| {
            c.intrinsic_reliability.clone()
        });
        let gamma_over_r = from_core("gamma_over_r", |c, _| c.gamma_over_r.clone());
        let md_star = from_core("md_star", |c, _| c.md_star.clone());
        let cf2_star = from_core("cf2_star", |_, p| p.clone().and_then(|x| x.cf2_star()));
        let d_star_p = from_core("d_star_p", |_, p| p.clone().and_then(|x| x.d_star_p()));
        let primary = from_core("primary", |c, _| c.primary.clone());
        let (victor_purpura, van_rossum, isi_distance, spike_distance, spike_sync) = (
            joined(victor_purpura),
            joined(van_rossum),
            joined(isi_distance),
            joined(spike_distance),
            joined(spike_sync),
        );
        let (schreiber, explained_variance) = (joined(schreiber), joined(explained_variance));
        FullReport {
            coincidence_factor,
            intrinsic_reliability,
            gamma_over_r,
            md_star,
            cf2_star,
            d_star_p,
            victor_purpura,
            van_rossum,
            isi_distance,
            spike_distance,
            spike_sync,
            schreiber,
            explained_variance,
            rate_error,
            primary,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[f64]) -> SpikeTrain {
        SpikeTrain::new(v.to_vec()).unwrap()
    }

    #[test]
    fn json_keys_are_exactly_the_cli_keys() {
        let d: Vec<SpikeTrain> = (0..4)
            .map(|k| t(&[0.1, 0.3 + 0.001 * k as f64, 0.7]))
            .collect();
        let w = Window::new(0.0, 1.0).unwrap();
        let r = full_report(&d, &d[..2], w, &SuiteParams::default());
        let json = serde_json::to_value(&r).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected: Vec<&str> = r.entries().iter().map(|(k, _)| *k).collect();
        expected.sort_unstable();
        assert_eq!(keys, expected);
        assert_eq!(keys.len(), 15);
    }

    #[test]
    fn a_selection_computes_its_keys_exactly_and_no_others() {
        let d: Vec<SpikeTrain> = (0..4)
            .map(|k| t(&[0.1, 0.3 + 0.001 * k as f64, 0.7]))
            .collect();
        let m = [t(&[0.1, 0.302]), t(&[0.3, 0.69])];
        let w = Window::new(0.0, 1.0).unwrap();
        let p = SuiteParams::default();
        let full = full_report(&d, &m, w, &p);
        for list in [
            "isi_distance",
            "md_star,schreiber",
            "primary, rate_error,victor_purpura",
        ] {
            let sel = Selection::parse(list).unwrap();
            let part = report_of(&d, &m, w, &p, sel);
            for ((key, ours), (_, all)) in part.entries().into_iter().zip(full.entries()) {
                if list.contains(key) {
                    assert!(sel.has(key));
                    assert_eq!(ours, all, "{key} of {list:?}");
                } else {
                    assert!(!sel.has(key));
                    assert_eq!(ours.clone().unwrap_err().reason, "not requested", "{key}");
                }
            }
        }
        assert_eq!(report_of(&d, &m, w, &p, Selection::ALL), full);
        assert!(KEYS.iter().all(|k| Selection::ALL.has(k)));
    }

    #[test]
    fn a_selection_names_what_is_not_a_score() {
        let e = Selection::parse("isi_distance,isi").unwrap_err().reason;
        assert!(
            e.starts_with("\"isi\" is not a score; the scores are coincidence_factor, "),
            "{e}"
        );
        assert!(
            Selection::parse(" , ")
                .unwrap_err()
                .reason
                .starts_with("no score named")
        );
        assert!(!Selection::parse("md_star").unwrap().has("nonsense"));
    }

    #[test]
    fn parameters_are_validated_by_name() {
        assert!(SuiteParams::default().validate().is_ok());
        let bad = SuiteParams {
            vr_tau_s: 0.0,
            ..Default::default()
        };
        assert_eq!(
            bad.validate().unwrap_err().reason,
            "vr_tau_s must be finite and positive, got 0"
        );
        let bad = SuiteParams {
            vp_q_per_s: -1.0,
            ..Default::default()
        };
        assert!(bad.validate().unwrap_err().reason.starts_with("vp_q_per_s"));
        assert!(ScoringParams::with_delta(f64::NAN).validate().is_err());
    }

    #[test]
    fn pairwise_scores_are_means_over_pairs() {
        let d = [t(&[0.1, 0.5]), t(&[0.101])];
        let m = [t(&[0.1])];
        let w = Window::new(0.0, 1.0).unwrap();
        let p = SuiteParams::default();
        let r = full_report(&d, &m, w, &p);
        let vp = 0.5 * (victor_purpura(&d[0], &m[0], 100.0) + victor_purpura(&d[1], &m[0], 100.0));
        assert_eq!(r.victor_purpura, Ok(vp));
        // q = 100/s: {0.1, 0.5} → {0.1} deletes one spike (1); {0.101} → {0.1}: a 1 ms shift
        // costs 0.1. Mean 0.55.
        assert!((vp - 0.55).abs() < 1e-12);
        let notes = r.notes();
        // 2 recorded repeats: the ceiling (needs 4) and so the primary are undefined.
        assert!(notes["primary"].contains("at least 4"), "{notes:?}");
        assert!(!notes.contains_key("victor_purpura"));
    }
}
