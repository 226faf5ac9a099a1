//! Spike rules of a model run: the recorded spikes imposed (fitting) or escape noise
//! (prediction). Why separate: the same voltage loop ([`super::DendriticModel`]) serves both, and
//! the escape draw is the GIF's ([`arena_neuron::point::escape::escape_spike`]), so fitted
//! thresholds mean the same in both models.

use super::DendriticModel;
use arena_neuron::point::escape::{escape_rate_hz, escape_spike};

/// Decides the spikes of a model run.
pub(super) trait SpikeRule {
    /// Called once per step `step_s` = [start, end) with the hazard's voltage U at its start; the cell
    /// is refractory until `free_from_s`. Appends the step's spike times to `out`.
    fn spikes(
        &mut self,
        v_mv: f64,
        step_s: (f64, f64),
        free_from_s: f64,
        model: &DendriticModel,
        out: &mut Vec<f64>,
    );
}

/// The recorded spikes, imposed (fitting): every recorded spike of the step, refractory or
/// not, as the voltage regression counted them.
pub(super) struct ImposedSpikes<'a> {
    times_s: &'a [f64],
    next: usize,
}

impl<'a> ImposedSpikes<'a> {
    /// The spikes `times_s` (s, increasing), from the first.
    pub(super) fn new(times_s: &'a [f64]) -> Self {
        Self { times_s, next: 0 }
    }
}

impl SpikeRule for ImposedSpikes<'_> {
    fn spikes(
        &mut self,
        _: f64,
        (_, end_s): (f64, f64),
        _: f64,
        _: &DendriticModel,
        out: &mut Vec<f64>,
    ) {
        while let Some(&t) = self.times_s.get(self.next).filter(|&&t| t < end_s) {
            out.push(t);
            self.next += 1;
        }
    }
}

/// Escape noise from a seeded generator (prediction): a spike in the free part of the step
/// with probability 1 − exp(−λΔt), placed at its middle.
pub(super) struct EscapeNoise(pub(super) rand_chacha::ChaCha8Rng);

impl SpikeRule for EscapeNoise {
    fn spikes(
        &mut self,
        v_mv: f64,
        (start_s, end_s): (f64, f64),
        free_from_s: f64,
        model: &DendriticModel,
        out: &mut Vec<f64>,
    ) {
        let from_s = start_s.max(free_from_s);
        let free_s = end_s - from_s;
        if free_s <= 0.0 {
            return;
        }
        let rate_hz = escape_rate_hz(v_mv, model.threshold_mv, model.delta_v_mv);
        out.extend(escape_spike(&mut self.0, rate_hz, from_s, free_s));
    }
}
