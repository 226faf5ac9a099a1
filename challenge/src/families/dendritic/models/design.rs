//! The regression design: the rows [1, S, G, X] of the subthreshold voltage regression, built in
//! one pass over the training samples for any number of candidate integrations, and the spike
//! after-potential counts X. Why separate: the linear fit, the two-layer grid search and the
//! model's naming of a singular column all read the same columns.

use super::drive::DriveSweep;
use super::integration::{Routing, soma_inputs};
use super::training::{DendriticFitOptions, Prepared};
use super::{DendriticFitError, DendriticModel, DistanceBins, Integration};
use arena_neuron::point::linalg::LeastSquares;

/// Counts of own spikes per after-potential bin at a given time.
pub(super) struct History {
    edges_ms: Vec<f64>,
    /// Own spikes younger than the last edge, ms.
    pub(super) spikes_ms: Vec<f64>,
}

impl History {
    /// No spikes yet, bins with edges `edges_ms`.
    pub(super) fn new(edges_ms: &[f64]) -> Self {
        Self {
            edges_ms: edges_ms.to_vec(),
            spikes_ms: Vec::new(),
        }
    }

    /// The count per bin at `t_ms` into `out` (spikes older than the last edge are dropped).
    pub(super) fn counts(&mut self, t_ms: f64, out: &mut [f64]) {
        let support = self.edges_ms[self.edges_ms.len() - 1];
        self.spikes_ms.retain(|&s| t_ms - s < support);
        out.fill(0.0);
        for &s in &self.spikes_ms {
            let age = t_ms - s;
            if let Some(k) = self
                .edges_ms
                .windows(2)
                .position(|w| age >= w[0] && age < w[1])
            {
                out[k] += 1.0;
            }
        }
    }
}

impl Prepared<'_> {
    pub(super) fn routing(&self, integration: &Integration) -> Routing {
        Routing::new(integration, self.table, &self.e_bins, &self.i_bins)
    }

    /// Column count of the regression: 1 + excitatory bins + inhibitory bins + history bins.
    fn columns(&self) -> usize {
        1 + self.e_bins.len() + self.i_bins.len() + self.options.history_edges_ms.len() - 1
    }

    /// Runs every regression sample of the training data through `visit(drive, row_tail, v)`:
    /// the targets' drives, the history counts of the repeat, and the recorded voltage.
    pub(super) fn for_each_regression_sample(
        &self,
        routing: &Routing,
        mut visit: impl FnMut(&[f64], &[f64], f64),
    ) {
        let o = self.options;
        let k = o.history_edges_ms.len() - 1;
        let mut counts = vec![0.0; k];
        for t in self.trials {
            let dt_ms = t.sample_dt_s * 1e3;
            let stride = ((o.regression_dt_ms / dt_ms).round() as usize).max(1);
            let n = t.voltage_mv.iter().map(Vec::len).max().unwrap_or(0);
            let usable: Vec<Vec<bool>> = t
                .voltage_mv
                .iter()
                .zip(&t.spikes_s)
                .map(|(v, s)| usable_samples(v.len(), s, dt_ms, stride, o))
                .collect();
            let mut histories: Vec<History> = t
                .spikes_s
                .iter()
                .map(|_| History::new(&o.history_edges_ms))
                .collect();
            let mut next_spike = vec![0usize; t.spikes_s.len()];
            let mut sweep = DriveSweep::for_trial(
                self.table,
                &t.events,
                routing,
                self.kernels.voltage(),
                dt_ms,
            );
            for i in 0..n {
                let drive = sweep.advance();
                if i % stride != 0 {
                    continue;
                }
                let t_ms = i as f64 * dt_ms;
                for (r, v) in t.voltage_mv.iter().enumerate() {
                    let spikes = &t.spikes_s[r];
                    while spikes.get(next_spike[r]).is_some_and(|&s| s * 1e3 <= t_ms) {
                        histories[r].spikes_ms.push(spikes[next_spike[r]] * 1e3);
                        next_spike[r] += 1;
                    }
                    if usable[r].get(i) == Some(&true) {
                        histories[r].counts(t_ms, &mut counts);
                        visit(drive, &counts, v[i]);
                    }
                }
            }
        }
    }

    /// One normal-equation system per candidate integration, accumulated in one pass.
    pub(super) fn regress(&self, candidates: &[Integration]) -> Vec<LeastSquares> {
        let routing = self.routing(&candidates[0]);
        let p = self.columns();
        let n_e = self.e_bins.len();
        let n_inputs = n_e + self.i_bins.len();
        let mut systems = vec![LeastSquares::new(p); candidates.len()];
        let mut row = vec![0.0; p];
        row[0] = 1.0;
        self.for_each_regression_sample(&routing, |drive, counts, v| {
            row[1 + n_inputs..].copy_from_slice(counts);
            for (c, ls) in candidates.iter().zip(systems.iter_mut()) {
                soma_inputs(c, &routing, n_e, drive, &mut row[1..1 + n_inputs]);
                ls.add(&row, v);
            }
        });
        systems
    }

    /// β and R² of the regression `ls` (a column without any training drive gets weight 0).
    ///
    /// # Errors
    /// [`DendriticFitError::Singular`] naming the first column that is a combination of the
    /// others.
    pub(super) fn solve(
        &self,
        ls: &LeastSquares,
        stage: &'static str,
    ) -> Result<(Vec<f64>, f64), DendriticFitError> {
        let fit = ls.fit().map_err(|e| DendriticFitError::Singular {
            stage,
            why: format!(
                "column {} ({}) is a combination of the others over {} samples",
                e.column,
                column_name(
                    e.column,
                    &self.e_bins,
                    &self.i_bins,
                    &self.options.history_edges_ms
                ),
                ls.rows()
            ),
        })?;
        Ok((fit.beta, fit.r_squared))
    }

    /// The model with integration `integration` and the voltage coefficients `beta`, threshold
    /// not yet fitted.
    pub(super) fn model(
        &self,
        integration: Integration,
        beta: &[f64],
        r_squared: f64,
    ) -> DendriticModel {
        let n_e = self.e_bins.len();
        let n_i = self.i_bins.len();
        DendriticModel {
            integration,
            kernels: self.kernels,
            excitatory_bins: self.e_bins.clone(),
            inhibitory_bins: self.i_bins.clone(),
            rest_mv: beta[0],
            excitatory_weights: beta[1..1 + n_e].to_vec(),
            inhibitory_weights_mv_per_us: beta[1 + n_e..1 + n_e + n_i].to_vec(),
            history_edges_ms: self.options.history_edges_ms.clone(),
            eta_mv: beta[1 + n_e + n_i..].to_vec(),
            trigger_integration: Integration::Linear,
            trigger_weights_mv: vec![0.0; n_e],
            refractory_ms: self.options.refractory_ms,
            threshold_mv: 0.0,
            delta_v_mv: 1.0,
            r_squared,
        }
    }
}

/// Samples on the stride grid outside [spike − before, spike + refractory).
fn usable_samples(
    n: usize,
    spikes_s: &[f64],
    dt_ms: f64,
    stride: usize,
    o: &DendriticFitOptions,
) -> Vec<bool> {
    let mut usable: Vec<bool> = (0..n).map(|i| i % stride == 0).collect();
    for &s in spikes_s {
        let s_ms = s * 1e3;
        let from = ((s_ms - o.exclude_before_spike_ms) / dt_ms).ceil().max(0.0) as usize;
        let to = (((s_ms + o.refractory_ms) / dt_ms).ceil().max(0.0) as usize).min(n);
        if from < to {
            usable[from..to].fill(false);
        }
    }
    usable
}

/// What column `c` of the regression [1, S, G, X] stands for, with excitatory bins `e`,
/// inhibitory bins `i` and after-potential edges `history_edges_ms`.
fn column_name(c: usize, e: &DistanceBins, i: &DistanceBins, history_edges_ms: &[f64]) -> String {
    let (n_e, n_i) = (e.len(), i.len());
    match c {
        0 => "rest_mv, the intercept".into(),
        c if c <= n_e => format!("excitatory bin from {} µm", e.edges_um[c - 1]),
        c if c <= n_e + n_i => format!("inhibitory bin from {} µm", i.edges_um[c - 1 - n_e]),
        c => {
            let k = c - 1 - n_e - n_i;
            format!(
                "after-potential bin [{}, {}) ms",
                history_edges_ms[k],
                history_edges_ms[k + 1]
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two excitatory bins (0, 50 µm), one inhibitory (0 µm), history edges 3, 6, 12 ms: the
    /// columns are [1, S₀, S₁, G₀, X₀, X₁], so column 2 is the excitatory bin from 50 µm,
    /// column 3 the inhibitory bin and column 5 the after-potential bin [6, 12) ms.
    #[test]
    fn columns_are_named_by_what_they_hold() {
        let e = DistanceBins::new("e", &[0.0, 50.0]).unwrap();
        let i = DistanceBins::new("i", &[0.0]).unwrap();
        let h = [3.0, 6.0, 12.0];
        let names: Vec<String> = (0..6).map(|c| column_name(c, &e, &i, &h)).collect();
        assert_eq!(
            names,
            [
                "rest_mv, the intercept",
                "excitatory bin from 0 µm",
                "excitatory bin from 50 µm",
                "inhibitory bin from 0 µm",
                "after-potential bin [3, 6) ms",
                "after-potential bin [6, 12) ms",
            ]
        );
    }
}
