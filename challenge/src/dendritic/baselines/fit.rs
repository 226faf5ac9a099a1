//! The two fits: [`fit_linear`] and [`fit_two_layer`] (voltage regression, and for the two-layer
//! model the grid search over the branch non-linearity), then the shared threshold stage.

use super::training::{DendriticTrainingTrial, Prepared, validate};
use super::{DendriticFitError, DendriticFitOptions, DendriticModel, Integration};
use crate::dendritic::placement::SynapseTable;
use crate::dendritic::recipe::Receptors;
use arena_neuron::point::FitError;
use arena_neuron::point::escape::{EscapeObservations, fit_escape_rate, free_steps};
use arena_neuron::point::gif::LAMBDA0_HZ;

/// The two-layer shape grid: θ from 5 % to 100 %, s from 2 % to 100 % of the largest branch
/// drive, 7 log-spaced values each.
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
    fit_threshold(&data, &mut model)?;
    Ok(model)
}

/// Fits the two-layer baseline (module docs): the branch non-linearity's (θ, s) by grid search
/// on the R² of the voltage regression, then the threshold.
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
    let probe = Integration::TwoLayer {
        threshold_us: 1.0,
        width_us: 1.0,
    };
    let routing = data.routing(&probe);
    let mut x_max: f64 = 0.0;
    data.for_each_regression_sample(&routing, |drive, _, _| {
        for &x in &drive[..routing.n_branches()] {
            x_max = x_max.max(x);
        }
    });
    if x_max <= 0.0 {
        return Err(DendriticFitError::Singular {
            stage: STAGE,
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
    let mut best: Option<(Integration, Vec<f64>, f64)> = None;
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
        let systems = data.regress(&candidates);
        for (c, ls) in candidates.iter().zip(&systems) {
            // A shape whose branch outputs are all ~0 on the training data makes its columns
            // vanish or collinear: skip it, another candidate will do.
            if let Ok((beta, r2)) = data.solve(ls, STAGE)
                && best.as_ref().is_none_or(|b| r2 > b.2)
            {
                best = Some((*c, beta, r2));
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
                stage: STAGE,
                why: "every candidate branch non-linearity gives a singular regression".into(),
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
    let (integration, beta, r2) = best.expect("set in the first round");
    let mut model = data.model(integration, &beta, r2);
    fit_threshold(&data, &mut model)?;
    Ok(model)
}

/// Stage 2 of the fit: t_ref, then (V_T, ΔV) by maximum likelihood with the recorded spikes
/// imposed. log λ = β₀ + β₁V̂ gives ΔV = 1/β₁ and V_T = (ln λ₀ − β₀)/β₁.
fn fit_threshold(data: &Prepared<'_>, model: &mut DendriticModel) -> Result<(), DendriticFitError> {
    const STAGE: &str = "escape-rate likelihood";
    let min_isi_ms = data
        .trials
        .iter()
        .flat_map(|t| &t.spikes_s)
        .flat_map(|s| s.windows(2).map(|w| (w[1] - w[0]) * 1e3))
        .fold(f64::INFINITY, f64::min);
    model.refractory_ms = data.options.refractory_ms.min(min_isi_ms);
    let mut observations = EscapeObservations::new(2);
    for t in data.trials {
        for (v, spikes) in t.voltage_mv.iter().zip(&t.spikes_s) {
            let v_hat = model.voltage(data.table, &t.events, spikes, v.len(), t.sample_dt_s)?;
            let t_ref_s = model.refractory_ms * 1e-3;
            for step in free_steps(spikes, v_hat.len(), t.sample_dt_s, t_ref_s) {
                observations.push(&[1.0, v_hat[step.step]], step.exposure_s, step.spike);
            }
        }
    }
    if observations.spikes() == 0 {
        return Err(DendriticFitError::NoSpikes);
    }
    let beta = fit_escape_rate(&observations, STAGE)?;
    let [b0, b1] = [beta[0], beta[1]];
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
    Ok(())
}
