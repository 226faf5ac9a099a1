//! Ground truth: the reference multi-compartment cell driven by a trial's events, K repeats
//! per condition that differ only in the cell's intrinsic noise.
//!
//! Repeat i of every condition of a trial uses the same noise seed
//! `derive_seed(trial_seed, "intrinsic-noise", i)` (common random numbers): the conditions of
//! a pair then differ only by the placement or timing of the cluster events, which makes the
//! paired comparison of [`super::effect`] more sensitive without biasing it.

use super::DendriticError;
use super::placement::{Receptors, SynapseTable};
use super::recipe::{AMPA, DendriticRecipe, GABA_A, IntrinsicNoise, NMDA};
use super::trials::{EventTable, PairedTrial};
use arena_challenge_core::trial::Condition;
use arena_neuron::cable::{Cell, CellSpec, Drive, NoiseKind, NoiseSource, Numerics, SynapseStream};
use arena_neuron::rng::derive_seed;

/// The cell compiled with the recipe's receptors, and the node of every synapse.
#[derive(Debug, Clone)]
pub struct ReferenceCell {
    cell: Cell,
    /// Node of each synapse id.
    nodes: Vec<usize>,
    ampa: usize,
    nmda: usize,
    gaba: usize,
    noise: IntrinsicNoise,
}

/// Time step and sampling of a simulation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sampling {
    /// Integration time step, ms (NEURON's default 0.025).
    pub dt_ms: f64,
    /// Interval of the recorded somatic voltage, ms (a whole multiple of `dt_ms`).
    pub sample_dt_ms: f64,
    /// Spike threshold: upward crossing of the somatic voltage, mV.
    pub threshold_mv: f64,
}

/// One simulated response.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// Spike times, s.
    pub spike_times_s: Vec<f64>,
    /// Somatic voltage, mV, at t = 0, sample_dt, 2·sample_dt, ...
    pub soma_v_mv: Vec<f64>,
    /// Interval between voltage samples, s.
    pub sample_dt_s: f64,
}

impl ReferenceCell {
    /// Compiles `spec` with the receptor types of `recipe` and locates every synapse of
    /// `table`.
    ///
    /// # Errors
    /// [`DendriticError::Cell`] if the cell is invalid or a synapse's section is unknown;
    /// [`DendriticError::Hidden`] if the recipe is a public view (no kinetics, no noise).
    pub fn new(
        spec: &CellSpec,
        recipe: &DendriticRecipe,
        table: &SynapseTable,
    ) -> Result<Self, DendriticError> {
        let synaptic = recipe.synaptic()?;
        let cell = Cell::new(&synaptic.cell_with_receptors(spec))
            .map_err(|e| DendriticError::Cell(e.to_string()))?;
        let nodes = table
            .synapses
            .iter()
            .map(|s| cell.locate(&s.section, s.x, || format!("synapse {}", s.id)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| DendriticError::Cell(e.to_string()))?;
        let ty = |name: &str| {
            cell.synapse_type(name, "dendritic recipe")
                .map_err(|e| DendriticError::Cell(e.to_string()))
        };
        Ok(ReferenceCell {
            ampa: ty(AMPA)?,
            nmda: ty(NMDA)?,
            gaba: ty(GABA_A)?,
            cell,
            nodes,
            noise: synaptic.intrinsic_noise,
        })
    }

    /// The compiled cell.
    pub fn cell(&self) -> &Cell {
        &self.cell
    }

    /// The simulator's input for `events` with the intrinsic noise seeded by `noise_seed`.
    /// Sites without events are left out (they would carry no current).
    pub fn drive(&self, table: &SynapseTable, events: &EventTable, noise_seed: u64) -> Drive {
        let mut synapses = Vec::new();
        for (s, times) in table.synapses.iter().zip(&events.times_ms) {
            if times.is_empty() {
                continue;
            }
            let node = self.nodes[s.id];
            let mut stream = |synapse_type: usize, weight_us: f64| {
                synapses.push(SynapseStream {
                    synapse_type,
                    node,
                    weight_us,
                    times_ms: times.clone(),
                })
            };
            match s.receptors {
                Receptors::AmpaNmda {
                    ampa_weight_us,
                    nmda_weight_us,
                } => {
                    stream(self.ampa, ampa_weight_us);
                    stream(self.nmda, nmda_weight_us);
                }
                Receptors::GabaA { weight_us } => stream(self.gaba, weight_us),
            }
        }
        Drive {
            clamps: Vec::new(),
            synapses,
            noise: vec![NoiseSource {
                node: self.cell.soma_node(),
                tau_ms: self.noise.tau_ms,
                kind: NoiseKind::Current {
                    mean_na: self.noise.soma_current_mean_na,
                    std_na: self.noise.soma_current_sd_na,
                },
                seed: noise_seed,
            }],
        }
    }

    /// Simulates `repeats` repeats of each of `conditions` of `trial`; `out[c][i]` is repeat i
    /// of `conditions[c]`. The runs are spread over the cores and advanced in lanes by
    /// [`Cell::simulate_batch`].
    ///
    /// # Errors
    /// [`DendriticError::InvalidKey`] for a bad sampling, [`DendriticError::Cell`] if the
    /// simulator rejects the input.
    pub fn simulate_trial(
        &self,
        table: &SynapseTable,
        trial: &PairedTrial,
        conditions: &[Condition],
        trial_seed: u64,
        repeats: usize,
        sampling: &Sampling,
    ) -> Result<Vec<Vec<Response>>, DendriticError> {
        let runs: Vec<(&EventTable, u64)> = conditions
            .iter()
            .flat_map(|&c| {
                (0..repeats).map(move |i| {
                    (
                        trial.events(c),
                        derive_seed(trial_seed, "intrinsic-noise", i as u64),
                    )
                })
            })
            .collect();
        let mut responses = self
            .run(table, &runs, trial.duration_ms, sampling)?
            .into_iter();
        Ok(conditions
            .iter()
            .map(|_| responses.by_ref().take(repeats).collect())
            .collect())
    }

    /// Simulates `repeats` repeats of one event table of `duration_ms`, repeat i with the
    /// intrinsic noise of `derive_seed(seed, "intrinsic-noise", i)`: the reference baseline's
    /// prediction of a single trial, with seeds of its own.
    ///
    /// # Errors
    /// As [`ReferenceCell::simulate_trial`].
    pub fn simulate_events(
        &self,
        table: &SynapseTable,
        events: &EventTable,
        duration_ms: f64,
        seed: u64,
        repeats: usize,
        sampling: &Sampling,
    ) -> Result<Vec<Response>, DendriticError> {
        let runs: Vec<(&EventTable, u64)> = (0..repeats)
            .map(|i| (events, derive_seed(seed, "intrinsic-noise", i as u64)))
            .collect();
        self.run(table, &runs, duration_ms, sampling)
    }

    /// Simulates each (events, noise seed) for `duration_ms`, in order, in one batch
    /// ([`Cell::simulate_batch`]: over the cores, in lanes).
    fn run(
        &self,
        table: &SynapseTable,
        runs: &[(&EventTable, u64)],
        duration_ms: f64,
        sampling: &Sampling,
    ) -> Result<Vec<Response>, DendriticError> {
        let ratio = sampling.sample_dt_ms / sampling.dt_ms;
        if !(sampling.dt_ms > 0.0 && ratio >= 1.0 - 1e-9 && (ratio - ratio.round()).abs() < 1e-9) {
            return Err(DendriticError::InvalidKey {
                key: "sampling.sample_dt_ms".into(),
                value: sampling.sample_dt_ms.to_string(),
                problem: format!(
                    "must be a whole multiple (>= 1) of dt_ms = {}",
                    sampling.dt_ms
                ),
            });
        }
        let numerics = Numerics {
            dt_ms: sampling.dt_ms,
            t_stop_ms: duration_ms,
            threshold_mv: sampling.threshold_mv,
            record_every: ratio.round() as usize,
        };
        let drives: Vec<Drive> = runs
            .iter()
            .map(|&(events, seed)| self.drive(table, events, seed))
            .collect();
        Ok(self
            .cell
            .simulate_batch(&drives, &numerics)
            .map_err(|e| DendriticError::Cell(e.to_string()))?
            .into_iter()
            .map(|trace| Response {
                spike_times_s: trace.spike_times_ms.iter().map(|t| t * 1e-3).collect(),
                soma_v_mv: trace.soma_v_mv,
                sample_dt_s: trace.sample_dt_ms * 1e-3,
            })
            .collect())
    }
}
