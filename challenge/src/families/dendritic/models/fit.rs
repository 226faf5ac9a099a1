//! The two fits: [`fit_linear`] and [`fit_two_layer`] (voltage regression, and for the two-layer
//! model the grid search over the branch non-linearity), then the shared hazard stage (with the
//! two-layer trigger shape's grid search).
//!
//! The candidates of a grid round are independent, so each round is spread over the cores
//! (rayon; order and values are those of a serial loop): the fits run in `arena demo` and in
//! `arena baselines run` while the user waits.

use super::drive::DriveSweep;
use super::integration::trigger_inputs;
use super::training::{DendriticTrainingTrial, Prepared, validate};
use super::{DendriticFitError, DendriticFitOptions, DendriticModel, Integration};
use crate::families::dendritic::placement::SynapseTable;
use crate::families::dendritic::recipe::Receptors;
use arena_neuron::point::FitError;
use arena_neuron::point::escape::{EscapeObservations, fit_escape_rate, free_steps};
use arena_neuron::point::gif::LAMBDA0_HZ;
use rayon::prelude::*;

/// The two-layer shape grid ([`search_shape`]): θ from 5 % to 100 %, s from 2 % to 100 % of the
/// largest branch drive, 7 log-spaced values each.
const THRESHOLD_GRID: (f64, f64) = (0.05, 1.0);
const WIDTH_GRID: (f64, f64) = (0.02, 1.0);
const GRID_POINTS: usize = 7;
/// Zoom rounds of the two-layer grid search, 5 × 5 points each.
const ZOOM_ROUNDS: usize = 4;

/// Fits the linear-integration baseline (module docs) to `trials` of the cell whose synapses
/// are `table`, with the receptor kinetics `receptors`.
///
/// # Errors
/// [`DendriticFitError`]: invalid inputs or options, no training data, no spikes, a singular
/// regression, a threshold that does not increase with V.
pub fn fit_linear(
    table: &SynapseTable,
    receptors: &Receptors,
    trials: &[DendriticTrainingTrial],
    options: &DendriticFitOptions,
) -> Result<DendriticModel, DendriticFitError> {
    let data = validate(table, receptors, trials, options)?;
    let ls = data.regress(&[Integration::Linear]);
    let (beta, r2) = data.solve(&ls[0], "linear voltage regression")?;
    let mut model = data.model(Integration::Linear, &beta, r2);
    fit_hazard(&data, &mut model)?;
    Ok(model)
}

/// Fits the two-layer baseline (module docs): the voltage path's branch non-linearity (θ, s)
/// by grid search on the R² of the voltage regression, then the hazard with the trigger path's
/// own (θ_T, s_T) by grid search on the spike-train likelihood.
///
/// # Errors
/// As [`fit_linear`]; also if no synapse is excitatory.
pub fn fit_two_layer(
    table: &SynapseTable,
    receptors: &Receptors,
    trials: &[DendriticTrainingTrial],
    options: &DendriticFitOptions,
) -> Result<DendriticModel, DendriticFitError> {
    const STAGE: &str = "two-layer voltage regression";
    let data = validate(table, receptors, trials, options)?;
    let routing = data.routing(&Integration::TwoLayer {
        threshold_us: 1.0,
        width_us: 1.0,
    });
    let mut x_max: f64 = 0.0;
    data.for_each_regression_sample(&routing, |drive, _, _| {
        for &x in &drive[..routing.n_branches()] {
            x_max = x_max.max(x);
        }
    });
    let (integration, beta, r2) = search_shape(x_max, STAGE, |candidates| {
        // One pass over the training samples fills every candidate's normal equations; the
        // candidates are cut into one share per core, each share its own pass.
        let share = candidates.len().div_ceil(rayon::current_num_threads());
        let systems: Vec<_> = candidates
            .par_chunks(share.max(1))
            .flat_map_iter(|part| data.regress(part))
            .collect();
        systems
            .par_iter()
            // A shape whose branch outputs are all ~0 on the training data makes its columns
            // vanish or collinear: skip it, another candidate will do.
            .map(|ls| data.solve(ls, STAGE).ok().map(|(beta, r2)| (r2, beta)))
            .collect()
    })?;
    let mut model = data.model(integration, &beta, r2);
    fit_hazard(&data, &mut model)?;
    Ok(model)
}

/// The best two-layer shape (θ, s) by `score` (higher is better; `None`: unusable) over a
/// 7 × 7 log-spaced grid relative to `x_max`, the largest branch drive of the training data
/// (θ from 5 % to 100 %, s from 2 % to 100 % of it), then [`ZOOM_ROUNDS`] rounds of 5 × 5
/// points around the best one, each halving the log-spacing. Returns the shape, its payload
/// and its score. `score` gets one round's candidates at a time.
fn search_shape<P>(
    x_max: f64,
    stage: &'static str,
    mut score: impl FnMut(&[Integration]) -> Vec<Option<(f64, P)>>,
) -> Result<(Integration, P, f64), DendriticFitError> {
    if x_max <= 0.0 {
        return Err(DendriticFitError::Singular {
            stage,
            why: "no excitatory branch receives any training input".into(),
        });
    }
    let log_grid = |(lo, hi): (f64, f64)| -> Vec<f64> {
        (0..GRID_POINTS)
            .map(|i| x_max * lo * (hi / lo).powf(i as f64 / (GRID_POINTS - 1) as f64))
            .collect()
    };
    let mut thresholds = log_grid(THRESHOLD_GRID);
    let mut widths = log_grid(WIDTH_GRID);
    let mut ratios = [
        (THRESHOLD_GRID.1 / THRESHOLD_GRID.0).powf(1.0 / (GRID_POINTS - 1) as f64),
        (WIDTH_GRID.1 / WIDTH_GRID.0).powf(1.0 / (GRID_POINTS - 1) as f64),
    ];
    let mut best: Option<(Integration, P, f64)> = None;
    for round in 0..=ZOOM_ROUNDS {
        let candidates: Vec<Integration> = thresholds
            .iter()
            .flat_map(|&threshold_us| {
                widths.iter().map(move |&width_us| Integration::TwoLayer {
                    threshold_us,
                    width_us,
                })
            })
            .collect();
        for (c, scored) in candidates.iter().zip(score(&candidates)) {
            if let Some((value, payload)) = scored
                && best.as_ref().is_none_or(|b| value > b.2)
            {
                best = Some((*c, payload, value));
            }
        }
        let Some((
            Integration::TwoLayer {
                threshold_us,
                width_us,
            },
            ..,
        )) = best
        else {
            return Err(DendriticFitError::Singular {
                stage,
                why: "no candidate branch non-linearity gives a usable fit".into(),
            });
        };
        if round == ZOOM_ROUNDS {
            break;
        }
        ratios = ratios.map(f64::sqrt);
        let zoom = |centre: f64, ratio: f64| -> Vec<f64> {
            (-2..=2).map(|i| centre * ratio.powi(i)).collect()
        };
        thresholds = zoom(threshold_us, ratios[0]);
        widths = zoom(width_us, ratios[1]);
    }
    Ok(best.expect("set in the first round"))
}

/// Stage 2 of the fit: t_ref, then the hazard log λ = β₀ + β₁V̂ + Σ_b γ_b·T_b by maximum
/// likelihood with the recorded spikes imposed, the trigger path's shape chosen first for the
/// two-layer model. ΔV = 1/β₁, V_T = (ln λ₀ − β₀)/β₁ and c_b = γ_b/β₁.
fn fit_hazard(data: &Prepared<'_>, model: &mut DendriticModel) -> Result<(), DendriticFitError> {
    const STAGE: &str = "escape-rate likelihood";
    let min_isi_ms = data
        .trials
        .iter()
        .flat_map(|t| &t.spikes_s)
        .flat_map(|s| s.windows(2).map(|w| (w[1] - w[0]) * 1e3))
        .fold(f64::INFINITY, f64::min);
    model.refractory_ms = data.options.refractory_ms.min(min_isi_ms);
    let hazard = HazardData::collect(data, model)?;
    if hazard.spikes == 0 {
        return Err(DendriticFitError::NoSpikes);
    }
    let fit = |integration: &Integration, stride: usize| {
        let (observations, used) = hazard.observations(integration, stride);
        fit_escape_rate(&observations, STAGE).map(|beta| {
            let log_likelihood = observations.log_likelihood(&beta);
            (log_likelihood, (beta, used))
        })
    };
    model.trigger_integration = match model.integration {
        Integration::Linear => Integration::Linear,
        Integration::TwoLayer { .. } => {
            search_shape(hazard.x_max, STAGE, |candidates| {
                candidates
                    .par_iter()
                    // Candidates whose likelihood cannot be maximised are skipped.
                    .map(|c| {
                        fit(c, GRID_STRIDE)
                            .ok()
                            .filter(|(_, (beta, _))| beta[1] > 0.0)
                    })
                    .collect()
            })?
            .0
        }
    };
    let (_, (beta, used)) = fit(&model.trigger_integration, 1)?;
    let (b0, b1) = (beta[0], beta[1]);
    if b1 <= 0.0 {
        return Err(FitError::Unphysical {
            field: "delta_v_mv",
            value: b1.recip(),
            why: "the spike probability must increase with the model voltage",
        }
        .into());
    }
    model.delta_v_mv = b1.recip();
    model.threshold_mv = (LAMBDA0_HZ.ln() - b0) / b1;
    model.trigger_weights_mv.fill(0.0);
    for (&bin, gamma) in used.iter().zip(&beta[2..]) {
        model.trigger_weights_mv[bin] = gamma / b1;
    }
    Ok(())
}

/// A two-layer bin whose summed branch output stays below this on every training step gets no
/// trigger weight: its weight is not identifiable (the likelihood would grow it without bound).
const MIN_BRANCH_OUTPUT: f64 = 0.05;

/// The grid search of the trigger shape evaluates the likelihood on every spike step and every
/// [`GRID_STRIDE`]-th silent step, weighted by the stride (the final fit uses every step).
const GRID_STRIDE: usize = 10;

/// The hazard stage's data: per free step of every training repeat, V̂ (recorded spikes
/// imposed), its exposure and spike, and the active trigger targets of its sample.
struct HazardData {
    v_hat: Vec<f64>,
    exposure_s: Vec<f64>,
    spike: Vec<bool>,
    spikes: usize,
    /// Per free step, its sample's range in `active`.
    active_range: Vec<(usize, usize)>,
    /// (bin, x) of the active excitatory trigger targets of every sample of every trial.
    active: Vec<(usize, f64)>,
    /// Bins that an active target feeds on some free step (the others have no trigger input
    /// and no γ).
    used_bins: Vec<usize>,
    n_e: usize,
    /// The largest trigger drive of any target at any sample, µS (the scale of the shape grid).
    x_max: f64,
}

impl HazardData {
    fn collect(data: &Prepared<'_>, model: &DendriticModel) -> Result<Self, DendriticFitError> {
        let routing = data.routing(&model.integration);
        let n_e = data.e_bins.len();
        let mut out = HazardData {
            v_hat: Vec::new(),
            exposure_s: Vec::new(),
            spike: Vec::new(),
            spikes: 0,
            active_range: Vec::new(),
            active: Vec::new(),
            used_bins: Vec::new(),
            n_e,
            x_max: 0.0,
        };
        let mut step_active = Vec::new();
        for t in data.trials {
            let dt_ms = t.sample_dt_s * 1e3;
            let n = t.voltage_mv.iter().map(Vec::len).max().unwrap_or(0);
            let mut sweep = DriveSweep::for_trial(
                data.table,
                &t.events,
                &routing,
                data.kernels.trigger(),
                dt_ms,
            );
            let mut ranges = Vec::with_capacity(n);
            for _ in 0..n {
                routing.active_targets(n_e, sweep.advance(), &mut step_active);
                let from = out.active.len();
                for &(_, x) in &step_active {
                    out.x_max = out.x_max.max(x);
                }
                out.active.extend_from_slice(&step_active);
                ranges.push((from, out.active.len()));
            }
            let t_ref_s = model.refractory_ms * 1e-3;
            for (v, spikes) in t.voltage_mv.iter().zip(&t.spikes_s) {
                let v_hat = model.voltage(data.table, &t.events, spikes, v.len(), t.sample_dt_s)?;
                for step in free_steps(spikes, v_hat.len(), t.sample_dt_s, t_ref_s) {
                    out.v_hat.push(v_hat[step.step]);
                    out.exposure_s.push(step.exposure_s);
                    out.spike.push(step.spike);
                    out.spikes += usize::from(step.spike);
                    out.active_range.push(ranges[step.step]);
                }
            }
        }
        // Only the free steps enter the likelihood: a bin active elsewhere only would be a
        // column of zeros.
        let mut used = vec![false; n_e];
        for &(from, to) in &out.active_range {
            for &(bin, _) in &out.active[from..to] {
                used[bin] = true;
            }
        }
        out.used_bins = (0..n_e).filter(|&b| used[b]).collect();
        Ok(out)
    }

    /// The observations [1, V̂, T_b for each bin b of `bins`] with the trigger shape
    /// `integration`, every spike step and every `stride`-th silent step with its exposure times
    /// `stride`; `bins` are the used bins, for the two-layer shape only those whose branch
    /// output reaches [`MIN_BRANCH_OUTPUT`] on some free step.
    fn observations(
        &self,
        integration: &Integration,
        stride: usize,
    ) -> (EscapeObservations, Vec<usize>) {
        let n = integration.branch_function();
        let mut inputs = vec![0.0; self.n_e];
        let bins: Vec<usize> = match integration {
            Integration::Linear => self.used_bins.clone(),
            Integration::TwoLayer { .. } => {
                let mut max = vec![0.0f64; self.n_e];
                for &(from, to) in &self.active_range {
                    trigger_inputs(&n, &self.active[from..to], &mut inputs);
                    for (m, x) in max.iter_mut().zip(&inputs) {
                        *m = m.max(*x);
                    }
                }
                self.used_bins
                    .iter()
                    .copied()
                    .filter(|&b| max[b] >= MIN_BRANCH_OUTPUT)
                    .collect()
            }
        };
        let mut observations = EscapeObservations::new(2 + bins.len());
        let mut row = vec![1.0; 2 + bins.len()];
        for (i, &spike) in self.spike.iter().enumerate() {
            let weight = if spike {
                1.0
            } else if i % stride == 0 {
                stride as f64
            } else {
                continue;
            };
            let (from, to) = self.active_range[i];
            trigger_inputs(&n, &self.active[from..to], &mut inputs);
            row[1] = self.v_hat[i];
            for (r, &bin) in row[2..].iter_mut().zip(&bins) {
                *r = inputs[bin];
            }
            observations.push(&row, self.exposure_s[i] * weight, spike);
        }
        (observations, bins)
    }
}
