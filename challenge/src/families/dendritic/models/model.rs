//! The fitted model and its runs: [`DendriticModel::voltage`] (recorded spikes imposed) and
//! [`DendriticModel::predict`] (escape noise). Why separate: this is what the contestant-facing
//! baselines call after fitting; the fitting code only constructs it.

use super::design::History;
use super::drive::DriveSweep;
use super::integration::{Routing, soma_inputs, trigger_inputs};
use super::spiking::{EscapeNoise, ImposedSpikes, SpikeRule};
use super::training::check_events;
use super::{DendriticFitError, DistanceBins, Integration, PspKernels};
use crate::families::dendritic::placement::SynapseTable;
use crate::families::dendritic::trials::EventTable;
use arena_neuron::rng::{derive_seed, rng_from_seed};
use arena_neuron::stimulus::{InvalidValue, Requirement};

/// A fitted dendritic baseline (the model of the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct DendriticModel {
    /// Linear or two-layer.
    pub integration: Integration,
    /// The PSP kernels.
    pub kernels: PspKernels,
    /// Excitatory distance bins.
    pub excitatory_bins: DistanceBins,
    /// Inhibitory distance bins.
    pub inhibitory_bins: DistanceBins,
    /// E, mV.
    pub rest_mv: f64,
    /// w_b per excitatory bin: mV/µS (linear) or mV per unit branch output (two-layer).
    pub excitatory_weights: Vec<f64>,
    /// u_b per inhibitory bin, mV/µS.
    pub inhibitory_weights_mv_per_us: Vec<f64>,
    /// Edges of the after-potential bins, ms.
    pub history_edges_ms: Vec<f64>,
    /// η_k, mV.
    pub eta_mv: Vec<f64>,
    /// The branch non-linearity of the trigger path ([`Integration::Linear`] for the linear
    /// baseline).
    pub trigger_integration: Integration,
    /// c_b per excitatory bin: mV/µS (linear) or mV per unit branch output (two-layer).
    pub trigger_weights_mv: Vec<f64>,
    /// Absolute refractory period, ms.
    pub refractory_ms: f64,
    /// V_T, mV.
    pub threshold_mv: f64,
    /// ΔV, mV.
    pub delta_v_mv: f64,
    /// R² of the voltage regression on the training samples it used.
    pub r_squared: f64,
}

impl DendriticModel {
    /// The parts of the hazard's voltage that the model's own spikes do not change, at each of
    /// `n_samples` samples: the synaptic part of V̂ (E + Σ w_b·x_b + Σ u_b·y_b, mV) and the
    /// trigger term Σ c_b·T_b (mV). They depend on the events only, so the repeats of a
    /// prediction share them ([`DendriticModel::predict`] computes them once per trial).
    pub(super) fn synaptic(
        &self,
        table: &SynapseTable,
        routing: &Routing,
        events: &EventTable,
        n_samples: usize,
        sample_dt_s: f64,
    ) -> Synaptic {
        let dt_ms = sample_dt_s * 1e3;
        let n_e = self.excitatory_bins.len();
        let n_inputs = n_e + self.inhibitory_bins.len();
        let mut inputs = vec![0.0; n_inputs];
        let mut sweep =
            DriveSweep::for_trial(table, events, routing, self.kernels.voltage(), dt_ms);
        let mut trigger =
            DriveSweep::for_trial(table, events, routing, self.kernels.trigger(), dt_ms);
        let branch_output = self.trigger_integration.branch_function();
        let mut active = Vec::new();
        let mut trigger_in = vec![0.0; n_e];
        let mut out = Synaptic {
            voltage_mv: Vec::with_capacity(n_samples),
            trigger_mv: Vec::with_capacity(n_samples),
        };
        for _ in 0..n_samples {
            soma_inputs(
                &self.integration,
                routing,
                n_e,
                sweep.advance(),
                &mut inputs,
            );
            out.voltage_mv.push(
                self.rest_mv
                    + dot(&self.excitatory_weights, &inputs[..n_e])
                    + dot(&self.inhibitory_weights_mv_per_us, &inputs[n_e..]),
            );
            routing.active_targets(n_e, trigger.advance(), &mut active);
            trigger_inputs(&branch_output, &active, &mut trigger_in);
            out.trigger_mv
                .push(dot(&self.trigger_weights_mv, &trigger_in));
        }
        out
    }

    /// The model voltage V̂ at every sample of `synaptic` (its synaptic part plus the
    /// after-potentials Σ η_k·n_k of the spikes so far) and the spike times (s) decided by
    /// `rule` from the hazard's voltage U = V̂ + Σ c_b·T_b; the spikes are recorded into the
    /// after-potential history as they occur.
    pub(super) fn run(
        &self,
        synaptic: &Synaptic,
        sample_dt_s: f64,
        rule: &mut dyn SpikeRule,
    ) -> (Vec<f64>, Vec<f64>) {
        let dt_ms = sample_dt_s * 1e3;
        let mut counts = vec![0.0; self.eta_mv.len()];
        let mut history = History::new(&self.history_edges_ms);
        let mut v_hat = Vec::with_capacity(synaptic.voltage_mv.len());
        let mut spikes = Vec::new();
        let mut free_from_s = 0.0;
        for (n, (&syn, &trigger)) in synaptic
            .voltage_mv
            .iter()
            .zip(&synaptic.trigger_mv)
            .enumerate()
        {
            history.counts(n as f64 * dt_ms, &mut counts);
            let v = syn + dot(&self.eta_mv, &counts);
            v_hat.push(v);
            let u = v + trigger;
            let start = n as f64 * sample_dt_s;
            let before = spikes.len();
            rule.spikes(
                u,
                (start, start + sample_dt_s),
                free_from_s,
                self,
                &mut spikes,
            );
            for &t in &spikes[before..] {
                history.spikes_ms.push(t * 1e3);
                free_from_s = t + self.refractory_ms * 1e-3;
            }
        }
        (v_hat, spikes)
    }

    /// The model voltage V̂ (mV) at `n_samples` samples of `sample_dt_s` for `events`, with
    /// `spikes_s` imposed as the cell's own spikes (what the threshold fit uses; for
    /// diagnostics and tests).
    ///
    /// # Errors
    /// [`DendriticFitError`] if the events do not match the table or the step is invalid.
    pub fn voltage(
        &self,
        table: &SynapseTable,
        events: &EventTable,
        spikes_s: &[f64],
        n_samples: usize,
        sample_dt_s: f64,
    ) -> Result<Vec<f64>, DendriticFitError> {
        InvalidValue::check("sample_dt_s", Requirement::Positive, sample_dt_s)?;
        check_events(table, events, "events")?;
        let synaptic = self.synaptic(table, &self.routing(table), events, n_samples, sample_dt_s);
        Ok(self
            .run(&synaptic, sample_dt_s, &mut ImposedSpikes::new(spikes_s))
            .0)
    }

    /// `repeats` predicted spike trains (s) for `events` over `duration_s`, simulated at
    /// `sample_dt_s`; repeat k uses the escape noise of `derive_seed(seed, "repeat", k)`.
    ///
    /// # Errors
    /// [`DendriticFitError`] if the events do not match the table or a value is invalid.
    pub fn predict(
        &self,
        table: &SynapseTable,
        events: &EventTable,
        duration_s: f64,
        sample_dt_s: f64,
        repeats: usize,
        seed: u64,
    ) -> Result<Vec<Vec<f64>>, DendriticFitError> {
        InvalidValue::check("duration_s", Requirement::Positive, duration_s)?;
        InvalidValue::check("sample_dt_s", Requirement::Positive, sample_dt_s)?;
        check_events(table, events, "events")?;
        let n = (duration_s / sample_dt_s).round() as usize;
        let synaptic = self.synaptic(table, &self.routing(table), events, n, sample_dt_s);
        Ok((0..repeats as u64)
            .map(|k| {
                let mut rule = EscapeNoise(rng_from_seed(derive_seed(seed, "repeat", k)));
                self.run(&synaptic, sample_dt_s, &mut rule).1
            })
            .collect())
    }

    fn routing(&self, table: &SynapseTable) -> Routing {
        Routing::new(
            &self.integration,
            table,
            &self.excitatory_bins,
            &self.inhibitory_bins,
        )
    }
}

/// The spike-independent parts of a run ([`DendriticModel::synaptic`]), one value per sample.
pub(super) struct Synaptic {
    /// E + Σ w_b·x_b + Σ u_b·y_b, mV.
    voltage_mv: Vec<f64>,
    /// Σ c_b·T_b, mV.
    trigger_mv: Vec<f64>,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
