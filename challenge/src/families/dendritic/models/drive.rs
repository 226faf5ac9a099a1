//! The summed PSP drive of every target, streamed sample by sample by an exact recursion. Why
//! separate: the fit, the hazard stage and the prediction all run the same recursion, and it
//! is checked on its own against direct summation ([`filter_events`]).

use super::PspKernel;
use super::integration::Routing;
use crate::families::dendritic::placement::{Receptors as SiteReceptors, SynapseTable};
use crate::families::dendritic::trials::EventTable;

/// One weighted event: time (ms), target, receptor (0 AMPA, 1 NMDA, 2 GABA_A), weight (µS) and
/// the receptor's kernel.
#[derive(Clone, Copy)]
struct Event {
    t_ms: f64,
    target: usize,
    receptor: usize,
    weight_us: f64,
    kernel: PspKernel,
}

/// Streams the summed PSP drive of every target, sample by sample, exactly: each kernel is two
/// exponentials, so each (target, receptor, component) keeps one state that decays by
/// e^{−Δt/τ} per sample and jumps by w·f·e^{−(t_n − t_e)/τ} at the first sample t_n ≥ t_e.
pub(super) struct DriveSweep {
    events: Vec<Event>,
    next: usize,
    /// Per receptor: the per-sample decay of its slow and fast state (0 for a receptor left out,
    /// which has no events).
    decay: [[f64; 2]; 3],
    /// Per target: [receptor][slow, fast].
    state: Vec<[[f64; 2]; 3]>,
    drive: Vec<f64>,
    dt_ms: f64,
    n: usize,
}

impl DriveSweep {
    fn new(
        events: Vec<Event>,
        n_targets: usize,
        kernels: [Option<PspKernel>; 3],
        dt_ms: f64,
    ) -> Self {
        let mut events = events;
        events.sort_by(|a, b| a.t_ms.total_cmp(&b.t_ms));
        let decay = kernels.map(|k| {
            k.map_or([0.0; 2], |k| {
                [
                    (-dt_ms / k.tau_slow_ms).exp(),
                    (-dt_ms / k.tau_fast_ms).exp(),
                ]
            })
        });
        Self {
            events,
            next: 0,
            decay,
            state: vec![[[0.0; 2]; 3]; n_targets],
            drive: vec![0.0; n_targets],
            dt_ms,
            n: 0,
        }
    }

    /// The events of `table` routed by `routing`, each receptor's through its kernel in
    /// `kernels` (AMPA, NMDA, GABA_A; `None`: that receptor's events are left out).
    pub(super) fn for_trial(
        table: &SynapseTable,
        events: &EventTable,
        routing: &Routing,
        kernels: [Option<PspKernel>; 3],
        dt_ms: f64,
    ) -> Self {
        let mut list = Vec::new();
        for (s, times) in table.synapses.iter().zip(&events.times_ms) {
            let Some(target) = routing.target[s.id] else {
                continue;
            };
            let receptors: Vec<(usize, f64)> = match s.receptors {
                SiteReceptors::AmpaNmda {
                    ampa_weight_us,
                    nmda_weight_us,
                } => vec![(0, ampa_weight_us), (1, nmda_weight_us)],
                SiteReceptors::GabaA { weight_us } => vec![(2, weight_us)],
            };
            let receptors: Vec<(usize, f64, PspKernel)> = receptors
                .into_iter()
                .filter_map(|(r, w)| kernels[r].map(|k| (r, w, k)))
                .collect();
            for &t_ms in times {
                for &(receptor, weight_us, kernel) in &receptors {
                    list.push(Event {
                        t_ms,
                        target,
                        receptor,
                        weight_us,
                        kernel,
                    });
                }
            }
        }
        Self::new(list, routing.n_targets, kernels, dt_ms)
    }

    /// The drive of every target at the next sample t_n = n·dt, µS.
    pub(super) fn advance(&mut self) -> &[f64] {
        if self.n > 0 {
            for st in &mut self.state {
                for (r, d) in self.decay.iter().enumerate() {
                    st[r][0] *= d[0];
                    st[r][1] *= d[1];
                }
            }
        }
        let t_ms = self.n as f64 * self.dt_ms;
        while let Some(e) = self.events.get(self.next).filter(|e| e.t_ms <= t_ms) {
            let k = e.kernel;
            let age = t_ms - e.t_ms;
            let a = e.weight_us * k.scale;
            let st = &mut self.state[e.target][e.receptor];
            st[0] += a * (-age / k.tau_slow_ms).exp();
            st[1] += a * (-age / k.tau_fast_ms).exp();
            self.next += 1;
        }
        for (d, st) in self.drive.iter_mut().zip(&self.state) {
            *d = st.iter().map(|c| c[0] - c[1]).sum();
        }
        self.n += 1;
        &self.drive
    }
}

/// The sampled convolution Σ_e w_e·κ(t_n − t_e) at t_n = n·`sample_dt_ms`, n < `n_samples`, of
/// `events` = (time ms, weight) with `kernel` — computed by the same exact recursion as the
/// fits and predictions.
pub fn filter_events(
    events: &[(f64, f64)],
    kernel: PspKernel,
    n_samples: usize,
    sample_dt_ms: f64,
) -> Vec<f64> {
    let list = events
        .iter()
        .map(|&(t_ms, weight_us)| Event {
            t_ms,
            target: 0,
            receptor: 0,
            weight_us,
            kernel,
        })
        .collect();
    let mut sweep = DriveSweep::new(list, 1, [Some(kernel), None, None], sample_dt_ms);
    (0..n_samples).map(|_| sweep.advance()[0]).collect()
}
