//! How excitatory input reaches the soma: linearly per distance bin, or per branch through a
//! sigmoid (two-layer). Why separate: the routing of synapses to sums and the branch
//! non-linearity are the only difference between the two baselines; everything else is shared.

use super::DistanceBins;
use crate::families::dendritic::placement::{SynapseClass, SynapseTable};
use std::collections::BTreeMap;

/// How excitatory input reaches the soma.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Integration {
    /// Summed linearly per distance bin.
    Linear,
    /// Summed per branch, passed through N(x) = σ((x − θ)/s) − σ(−θ/s), then per distance bin.
    TwoLayer {
        /// θ, µS.
        threshold_us: f64,
        /// s, µS.
        width_us: f64,
    },
}

impl Integration {
    /// The branch non-linearity N(x) (the identity for [`Integration::Linear`]).
    pub fn branch_output(&self, x_us: f64) -> f64 {
        self.branch_function()(x_us)
    }

    /// N as a function with its constant σ(−θ/s) computed once.
    pub(super) fn branch_function(&self) -> impl Fn(f64) -> f64 {
        let (threshold_us, width_us, offset, linear) = match *self {
            Integration::Linear => (0.0, 1.0, 0.0, true),
            Integration::TwoLayer {
                threshold_us,
                width_us,
            } => (
                threshold_us,
                width_us,
                sigmoid(-threshold_us / width_us),
                false,
            ),
        };
        move |x_us| {
            if linear {
                x_us
            } else {
                sigmoid((x_us - threshold_us) / width_us) - offset
            }
        }
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Where each synapse's drive goes: `target[id]` (None: ignored) among `n_targets` sums.
pub(super) struct Routing {
    pub(super) target: Vec<Option<usize>>,
    pub(super) n_targets: usize,
    /// Two-layer: the excitatory bin of each branch target 0, 1, …; `None` for linear.
    branch_bin: Option<Vec<usize>>,
}

impl Routing {
    /// The routing an integration needs: per bin (linear) or per branch (two-layer).
    pub(super) fn new(
        integration: &Integration,
        table: &SynapseTable,
        e: &DistanceBins,
        i: &DistanceBins,
    ) -> Self {
        match integration {
            Integration::Linear => Self::linear(table, e, i),
            Integration::TwoLayer { .. } => Self::per_branch(table, e, i),
        }
    }

    /// Targets that are branches (0 for linear).
    pub(super) fn n_branches(&self) -> usize {
        self.branch_bin.as_ref().map_or(0, Vec::len)
    }
}

impl Routing {
    /// Linear: excitatory bins first, then inhibitory bins.
    fn linear(table: &SynapseTable, e: &DistanceBins, i: &DistanceBins) -> Self {
        let target = table
            .synapses
            .iter()
            .map(|s| {
                Some(match s.class() {
                    SynapseClass::Excitatory => e.bin(s.distance_um),
                    SynapseClass::Inhibitory => e.len() + i.bin(s.distance_um),
                })
            })
            .collect();
        Self {
            target,
            n_targets: e.len() + i.len(),
            branch_bin: None,
        }
    }

    /// Two-layer: one target per branch with excitatory sites (in branch order), then the
    /// inhibitory bins.
    fn per_branch(table: &SynapseTable, e: &DistanceBins, i: &DistanceBins) -> Self {
        let mut distances: BTreeMap<usize, (f64, usize)> = BTreeMap::new();
        for s in &table.synapses {
            if s.class() == SynapseClass::Excitatory {
                let entry = distances.entry(s.branch).or_insert((0.0, 0));
                entry.0 += s.distance_um;
                entry.1 += 1;
            }
        }
        let slot: BTreeMap<usize, usize> = distances
            .keys()
            .enumerate()
            .map(|(k, &branch)| (branch, k))
            .collect();
        let branch_bin = distances
            .values()
            .map(|&(sum, n)| e.bin(sum / n as f64))
            .collect();
        let n_branches = slot.len();
        let target = table
            .synapses
            .iter()
            .map(|s| {
                Some(match s.class() {
                    SynapseClass::Excitatory => slot[&s.branch],
                    SynapseClass::Inhibitory => n_branches + i.bin(s.distance_um),
                })
            })
            .collect();
        Self {
            target,
            n_targets: n_branches + i.len(),
            branch_bin: Some(branch_bin),
        }
    }
}

/// Trigger drives below this count as 0, µS (a millionth of a typical site's weight of
/// ~10⁻³ µS), so the trigger path sums only the targets that recently received an event.
pub(super) const TRIGGER_FLOOR_US: f64 = 1e-9;

impl Routing {
    /// The excitatory soma input (distance bin) that excitatory target `target` feeds: the
    /// target itself (linear) or its branch's bin (two-layer).
    fn bin_of_target(&self, target: usize) -> usize {
        self.branch_bin.as_ref().map_or(target, |b| b[target])
    }

    /// The active excitatory targets of a trigger `drive` (targets first, as
    /// [`DriveSweep`](super::drive::DriveSweep) yields them) over `n_e` bins: (bin, x) for each
    /// excitatory target whose drive is at least [`TRIGGER_FLOOR_US`], into `out`.
    pub(super) fn active_targets(&self, n_e: usize, drive: &[f64], out: &mut Vec<(usize, f64)>) {
        out.clear();
        let n_excitatory = self.branch_bin.as_ref().map_or(n_e, Vec::len);
        for (target, &x) in drive[..n_excitatory].iter().enumerate() {
            if x >= TRIGGER_FLOOR_US {
                out.push((self.bin_of_target(target), x));
            }
        }
    }
}

/// The trigger inputs T_b = Σ_{active targets in bin b} N(x) of one step from its active
/// targets (bin, x), with `n` the branch non-linearity ([`Integration::branch_function`]).
pub(super) fn trigger_inputs(n: &impl Fn(f64) -> f64, active: &[(usize, f64)], out: &mut [f64]) {
    out.fill(0.0);
    for &(bin, x) in active {
        out[bin] += n(x);
    }
}

/// The soma's inputs [S_1 … S_m, G_1 … G_q] from the drives of the targets.
pub(super) fn soma_inputs(
    integration: &Integration,
    routing: &Routing,
    n_e: usize,
    drive: &[f64],
    out: &mut [f64],
) {
    let Some(branch_bin) = &routing.branch_bin else {
        out.copy_from_slice(drive);
        return;
    };
    out[..n_e].fill(0.0);
    let n = integration.branch_function();
    for (x, &bin) in drive.iter().zip(branch_bin) {
        out[bin] += n(*x);
    }
    out[n_e..].copy_from_slice(&drive[branch_bin.len()..]);
}
