//! What the fits read: the training trials as a contestant receives them, the options, and
//! their validation into [`Prepared`]. Why together: every check of the inputs is in one place,
//! so each fit and the prediction reject the same inputs with the same field names.

use super::{DendriticFitError, DistanceBins, PspKernels};
use crate::families::dendritic::placement::SynapseTable;
use crate::families::dendritic::recipe::Receptors;
use crate::families::dendritic::simulate::Response;
use crate::families::dendritic::trials::EventTable;
use arena_neuron::stimulus::{InvalidValue, Requirement};

/// One training trial as a contestant receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct DendriticTrainingTrial {
    /// Events per synapse id, ms.
    pub events: EventTable,
    /// Somatic voltage per repeat, mV, at t = 0, sample_dt, 2·sample_dt, ...
    pub voltage_mv: Vec<Vec<f64>>,
    /// Spike times per repeat, s, increasing (same number of repeats as `voltage_mv`).
    pub spikes_s: Vec<Vec<f64>>,
    /// Interval between voltage samples, s.
    pub sample_dt_s: f64,
    /// Duration of the trial, s.
    pub duration_s: f64,
}

impl DendriticTrainingTrial {
    /// The training trial made of the repeats `responses` of one condition driven by `events`
    /// (e.g. from [`crate::families::dendritic::simulate::ReferenceCell::simulate_trial`]).
    ///
    /// # Errors
    /// [`DendriticFitError::Mismatch`] if there is no response or their sampling intervals
    /// differ.
    pub fn from_responses(
        events: EventTable,
        responses: &[Response],
        duration_s: f64,
    ) -> Result<Self, DendriticFitError> {
        let Some(first) = responses.first() else {
            return Err(DendriticFitError::Mismatch {
                field: "responses".into(),
                problem: "empty: a training trial needs at least one repeat".into(),
            });
        };
        if let Some(k) = responses
            .iter()
            .position(|r| r.sample_dt_s != first.sample_dt_s)
        {
            return Err(DendriticFitError::Mismatch {
                field: format!("responses[{k}].sample_dt_s"),
                problem: format!(
                    "{} s differs from responses[0]'s {} s",
                    responses[k].sample_dt_s, first.sample_dt_s
                ),
            });
        }
        Ok(Self {
            events,
            voltage_mv: responses.iter().map(|r| r.soma_v_mv.clone()).collect(),
            spikes_s: responses.iter().map(|r| r.spike_times_s.clone()).collect(),
            sample_dt_s: first.sample_dt_s,
            duration_s,
        })
    }
}

/// Options of both fits; [`Default`] gives the documented values.
#[derive(Debug, Clone, PartialEq)]
pub struct DendriticFitOptions {
    /// Membrane time constant of the PSP kernels, ms (default 20).
    pub membrane_tau_ms: f64,
    /// Lower edges of the excitatory distance bins, µm (default 0, 50, 150, 300).
    pub excitatory_edges_um: Vec<f64>,
    /// Lower edges of the inhibitory distance bins, µm (default 0, 50, 150, 300; somatic sites
    /// have distance 0).
    pub inhibitory_edges_um: Vec<f64>,
    /// Excluded from the voltage regression before each spike, ms (default 2).
    pub exclude_before_spike_ms: f64,
    /// Excluded after each spike and upper bound of the absolute refractory period, ms
    /// (default 3).
    pub refractory_ms: f64,
    /// Edges of the spike after-potential bins, ms; the first must be ≥ `refractory_ms`
    /// (default 3, 6, 12, 25, 50, 100).
    pub history_edges_ms: Vec<f64>,
    /// Spacing of the samples used by the voltage regression, ms (default 1; the sampling
    /// interval if larger).
    pub regression_dt_ms: f64,
    /// τ_T, the second time constant of the trigger kernel, ms (default 5; with AMPA's 2 ms
    /// decay the kernel peaks 3.1 ms after an event).
    pub trigger_tau_ms: f64,
}

impl Default for DendriticFitOptions {
    fn default() -> Self {
        Self {
            membrane_tau_ms: 20.0,
            excitatory_edges_um: vec![0.0, 50.0, 150.0, 300.0],
            inhibitory_edges_um: vec![0.0, 50.0, 150.0, 300.0],
            exclude_before_spike_ms: 2.0,
            refractory_ms: 3.0,
            history_edges_ms: vec![3.0, 6.0, 12.0, 25.0, 50.0, 100.0],
            regression_dt_ms: 1.0,
            trigger_tau_ms: 5.0,
        }
    }
}

/// Validated training data and options.
pub(super) struct Prepared<'a> {
    pub(super) table: &'a SynapseTable,
    pub(super) trials: &'a [DendriticTrainingTrial],
    pub(super) kernels: PspKernels,
    pub(super) e_bins: DistanceBins,
    pub(super) i_bins: DistanceBins,
    pub(super) options: &'a DendriticFitOptions,
}

pub(super) fn validate<'a>(
    table: &'a SynapseTable,
    receptors: &Receptors,
    trials: &'a [DendriticTrainingTrial],
    options: &'a DendriticFitOptions,
) -> Result<Prepared<'a>, DendriticFitError> {
    let mismatch = |field: String, problem: String| DendriticFitError::Mismatch { field, problem };
    for (i, s) in table.synapses.iter().enumerate() {
        if s.id != i {
            return Err(mismatch(
                format!("synapses[{i}].id"),
                format!("is {}, must equal its row {i}", s.id),
            ));
        }
    }
    InvalidValue::check(
        "exclude_before_spike_ms",
        Requirement::NonNegative,
        options.exclude_before_spike_ms,
    )?;
    InvalidValue::check(
        "refractory_ms",
        Requirement::Positive,
        options.refractory_ms,
    )?;
    InvalidValue::check(
        "regression_dt_ms",
        Requirement::Positive,
        options.regression_dt_ms,
    )?;
    let h = &options.history_edges_ms;
    if h.len() < 2
        || h.iter().any(|e| !e.is_finite())
        || h.windows(2).any(|w| w[1] <= w[0])
        || h[0] < options.refractory_ms
    {
        return Err(mismatch(
            "history_edges_ms".into(),
            format!(
                "{h:?}: needs ≥ 2 finite, strictly increasing edges, the first ≥ refractory_ms \
                 ({} ms)",
                options.refractory_ms
            ),
        ));
    }
    let mut any_voltage = false;
    let mut any_spike = false;
    for (k, t) in trials.iter().enumerate() {
        InvalidValue::check(
            &format!("trials[{k}].sample_dt_s"),
            Requirement::Positive,
            t.sample_dt_s,
        )?;
        InvalidValue::check(
            &format!("trials[{k}].duration_s"),
            Requirement::Positive,
            t.duration_s,
        )?;
        check_events(table, &t.events, &format!("trials[{k}].events"))?;
        if t.voltage_mv.len() != t.spikes_s.len() {
            return Err(mismatch(
                format!("trials[{k}].spikes_s"),
                format!(
                    "{} repeats, but voltage_mv has {}",
                    t.spikes_s.len(),
                    t.voltage_mv.len()
                ),
            ));
        }
        for (r, (v, s)) in t.voltage_mv.iter().zip(&t.spikes_s).enumerate() {
            InvalidValue::check_all_finite(&format!("trials[{k}].voltage_mv[{r}]"), v)?;
            let span = v.len() as f64 * t.sample_dt_s;
            for (j, &x) in s.iter().enumerate() {
                if !(x.is_finite() && x >= 0.0 && x < span) || (j > 0 && x <= s[j - 1]) {
                    return Err(mismatch(
                        format!("trials[{k}].spikes_s[{r}][{j}]"),
                        format!(
                            "{x} s: spike times must increase and lie in the recording [0, {span})"
                        ),
                    ));
                }
            }
            any_voltage |= v.len() > 1;
            any_spike |= !s.is_empty();
        }
    }
    if !any_voltage {
        return Err(DendriticFitError::NoTrainingData);
    }
    if !any_spike {
        return Err(DendriticFitError::NoSpikes);
    }
    Ok(Prepared {
        table,
        trials,
        kernels: PspKernels::from_receptors(
            receptors,
            options.membrane_tau_ms,
            options.trigger_tau_ms,
        )?,
        e_bins: DistanceBins::new("excitatory_edges_um", &options.excitatory_edges_um)?,
        i_bins: DistanceBins::new("inhibitory_edges_um", &options.inhibitory_edges_um)?,
        options,
    })
}

pub(super) fn check_events(
    table: &SynapseTable,
    events: &EventTable,
    field: &str,
) -> Result<(), DendriticFitError> {
    if events.times_ms.len() != table.synapses.len() {
        return Err(DendriticFitError::Mismatch {
            field: field.into(),
            problem: format!(
                "lists {} synapses, the synapse table {}",
                events.times_ms.len(),
                table.synapses.len()
            ),
        });
    }
    for (id, times) in events.times_ms.iter().enumerate() {
        for &t in times {
            InvalidValue::check(
                &format!("{field}.times_ms[{id}]"),
                Requirement::NonNegative,
                t,
            )?;
        }
    }
    Ok(())
}
