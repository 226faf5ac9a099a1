//! The time loop: NEURON's default fixed-step backward-Euler scheme (`secondorder = 0`),
//! reproduced step for step (Hines & Carnevale 1997; NEURON's `nrn_fixed_step`):
//!
//! 1. events with time ≤ t + dt/2 are delivered (synaptic states jump by weight·factor;
//!    current-clamp amplitudes switch);
//! 2. membrane currents are evaluated with the states at t and linearised in v (for the
//!    NMDA current, whose Mg²⁺ block is non-linear in v, by NEURON's finite difference
//!    di/dv ≈ (i(v + 0.001) − i(v))/0.001);
//! 3. the tree matrix for Δv = v(t + dt) − v(t) is solved by Hines' elimination;
//! 4. gates advance with `cnexp` using v(t + dt); synaptic states decay exactly.
//!
//! The loop is written once for `L` independent trials ("lanes") of the same cell advanced
//! together: every per-node quantity is an `[f64; L]`, so the inner loops run over lanes with
//! no dependence between them and the compiler can vectorise them, while the tree, the
//! mechanism tables and the coefficients are read once per step for all lanes. A single trial
//! is the case `L = 1`. Each channel's gates and its current for the next step are computed in
//! one such loop (`hh_sweep`), and the whole loop is compiled for AVX2 + FMA as well as for
//! the baseline instruction set and chosen at run time (`LanesRun`), with bit-identical
//! results.

use super::cell::{Cell, HhSet, OneGateSet};
use super::channels::{Gate, hh_gates, ih_gate, im_gate};
use super::error::{CableError, finite, non_negative, positive};
use super::exp::exp;
use crate::rng::rng_from_seed;
use crate::stimulus::OrnsteinUhlenbeck;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::collections::BTreeSet;

/// exp(−0.062 · 0.001): the factor that turns the Mg²⁺-block exponential at v into the one at
/// v + 0.001 mV (see [`super::synapse::mg_block`]).
const EXP_MG_STEP: f64 = 0.999_938_001_921_960_3;

/// Synaptic states below this magnitude (µS) are set to 0 after decaying: they carry no
/// current that could matter (1e-30 µS · 100 mV = 1e-28 nA) and would otherwise decay into
/// subnormal numbers, whose arithmetic is up to a hundred times slower.
const SYNAPSE_STATE_FLOOR_US: f64 = 1e-30;

/// A somatic (or dendritic) current clamp with a piecewise-constant waveform.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentClamp {
    /// Node receiving the current (from [`Cell::locate`]).
    pub node: usize,
    /// Duration of each amplitude sample, ms.
    pub step_ms: f64,
    /// Amplitudes, nA (positive depolarises): `amp_na[j]` holds for t ∈ [j·step, (j+1)·step);
    /// the current is 0 after the last sample.
    pub amp_na: Vec<f64>,
}

/// The event times of one receptor at one location.
#[derive(Debug, Clone, PartialEq)]
pub struct SynapseStream {
    /// Synapse type index (from [`Cell::synapse_type`]).
    pub synapse_type: usize,
    /// Node (from [`Cell::locate`]).
    pub node: usize,
    /// Peak conductance of one isolated event, µS.
    pub weight_us: f64,
    /// Event times, ms (any order).
    pub times_ms: Vec<f64>,
}

/// What an intrinsic noise source injects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NoiseKind {
    /// A current x(t), nA (positive depolarises).
    Current {
        /// Stationary mean, nA.
        mean_na: f64,
        /// Stationary standard deviation, nA.
        std_na: f64,
    },
    /// A conductance g(t) = max(x(t), 0), µS, with reversal `e_mv` (the point-conductance
    /// model of Destexhe, Rudolph, Fellous & Sejnowski 2001, Neuroscience 107:13, one
    /// channel; negative excursions are clipped at 0).
    Conductance {
        /// Stationary mean of x, µS.
        mean_us: f64,
        /// Stationary standard deviation of x, µS.
        std_us: f64,
        /// Reversal potential, mV.
        e_mv: f64,
    },
}

/// A seeded Ornstein–Uhlenbeck noise source at one node, for repeat-to-repeat variability.
/// x starts from its stationary distribution, holds during each step and then takes one
/// exact OU step ([`crate::stimulus::OrnsteinUhlenbeck`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoiseSource {
    /// Node (from [`Cell::locate`]).
    pub node: usize,
    /// Correlation time, ms.
    pub tau_ms: f64,
    /// Current or conductance, with its statistics.
    pub kind: NoiseKind,
    /// Seed of the source's own random stream ([`crate::rng::rng_from_seed`]).
    pub seed: u64,
}

/// Everything that differs between trials on one cell.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Drive {
    /// Current clamps.
    pub clamps: Vec<CurrentClamp>,
    /// Synaptic input.
    pub synapses: Vec<SynapseStream>,
    /// Intrinsic noise sources.
    pub noise: Vec<NoiseSource>,
}

/// A noise source running in one lane.
struct NoiseState {
    source: NoiseSource,
    process: OrnsteinUhlenbeck,
    rng: ChaCha8Rng,
}

impl NoiseState {
    fn new(
        source: NoiseSource,
        dt_ms: f64,
        field: &dyn Fn() -> String,
    ) -> Result<Self, CableError> {
        let (mean, std) = match source.kind {
            NoiseKind::Current { mean_na, std_na } => (mean_na, std_na),
            NoiseKind::Conductance {
                mean_us,
                std_us,
                e_mv,
            } => {
                finite(|| format!("{}.e_mV", field()), e_mv)?;
                (mean_us, std_us)
            }
        };
        let mut process = OrnsteinUhlenbeck::new(source.tau_ms * 1e-3, mean, std, dt_ms * 1e-3)
            .map_err(|e| CableError::Invalid {
                field: field(),
                problem: e.to_string(),
            })?;
        let mut rng = rng_from_seed(source.seed);
        process.draw_stationary(&mut rng);
        Ok(NoiseState {
            source,
            process,
            rng,
        })
    }
}

/// Time step, duration and spike threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Numerics {
    /// Time step, ms.
    pub dt_ms: f64,
    /// Simulated duration, ms (rounded to a whole number of steps).
    pub t_stop_ms: f64,
    /// Spike threshold at the soma, mV (upward crossing).
    pub threshold_mv: f64,
    /// Record the somatic voltage every this many steps (≥ 1).
    pub record_every: usize,
}

impl Numerics {
    fn n_steps(&self) -> Result<usize, CableError> {
        positive(|| "numerics.dt_ms".into(), self.dt_ms)?;
        non_negative(|| "numerics.t_stop_ms".into(), self.t_stop_ms)?;
        finite(|| "numerics.spike_threshold_mV".into(), self.threshold_mv)?;
        if self.record_every == 0 {
            return Err(CableError::Invalid {
                field: "numerics.record_every".into(),
                problem: "must be >= 1".into(),
            });
        }
        Ok((self.t_stop_ms / self.dt_ms).round() as usize)
    }
}

/// The result of one trial.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// Interval between voltage samples, ms.
    pub sample_dt_ms: f64,
    /// Somatic voltage, mV, at t = 0, sample_dt, 2·sample_dt, ... (initial value included).
    pub soma_v_mv: Vec<f64>,
    /// Upward threshold crossings of the somatic voltage, ms, linearly interpolated between
    /// the two time steps that straddle the threshold.
    pub spike_times_ms: Vec<f64>,
}

/// One synaptic event prepared for the loop: delivered at the start of step `step`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Event {
    step: usize,
    instance: usize,
    increment: f64,
}

/// The step at whose start NEURON delivers an event at `t` ms: the first k with
/// t ≤ k·dt + dt/2 (ties go to the earlier step).
fn delivery_step(t: f64, dt: f64) -> usize {
    ((t - 0.5 * dt) / dt).ceil().max(0.0) as usize
}

/// The amplitude index in force during the step from k·dt: the last sample j with
/// j·step ≤ k·dt + dt/2 (the clamp switches are events too).
fn clamp_sample(k: usize, dt: f64, step: f64) -> usize {
    ((k as f64 + 0.5) * dt / step).floor() as usize
}

/// Merged synapse instances (one per synapse type and node) shared by all lanes, sorted by
/// type so that each type is one contiguous group.
struct Instances {
    /// (type, node) of each instance, sorted.
    site: Vec<(usize, usize)>,
    /// Node of each instance.
    node: Vec<usize>,
    /// The groups of instances of one type.
    groups: Vec<Group>,
}

/// The instances `range` all have synapse type `ty`.
struct Group {
    ty: usize,
    range: std::ops::Range<usize>,
    /// Reversal potential, mV.
    e: f64,
    /// `[Mg]/3.57` for an NMDA type, `None` for a linear (Exp2Syn) one.
    mg_ratio: Option<f64>,
}

impl Instances {
    fn new(cell: &Cell, drives: &[&Drive]) -> Self {
        let sites: BTreeSet<(usize, usize)> = drives
            .iter()
            .flat_map(|d| d.synapses.iter().map(|s| (s.synapse_type, s.node)))
            .collect();
        let site: Vec<(usize, usize)> = sites.into_iter().collect();
        let mut groups: Vec<Group> = Vec::new();
        for (q, &(ty, _)) in site.iter().enumerate() {
            match groups.last_mut() {
                Some(g) if g.ty == ty => g.range.end = q + 1,
                _ => {
                    let k = &cell.synapse_types[ty].1;
                    groups.push(Group {
                        ty,
                        range: q..q + 1,
                        e: k.e,
                        mg_ratio: k.mg.map(|mg| mg / 3.57),
                    });
                }
            }
        }
        Instances {
            node: site.iter().map(|&(_, n)| n).collect(),
            site,
            groups,
        }
    }

    fn index(&self, ty: usize, node: usize) -> usize {
        self.site
            .binary_search(&(ty, node))
            .expect("instances are built from the same drives")
    }
}

fn validate(cell: &Cell, drive: &Drive) -> Result<(), CableError> {
    let n = cell.morph.n_nodes();
    for (i, c) in drive.clamps.iter().enumerate() {
        positive(|| format!("clamps[{i}].step_ms"), c.step_ms)?;
        if c.node >= n {
            return Err(CableError::Invalid {
                field: format!("clamps[{i}].node"),
                problem: format!("node {} does not exist (the cell has {n})", c.node),
            });
        }
        for (j, &a) in c.amp_na.iter().enumerate() {
            finite(|| format!("clamps[{i}].amp_nA[{j}]"), a)?;
        }
    }
    for (i, s) in drive.noise.iter().enumerate() {
        if s.node >= n {
            return Err(CableError::Invalid {
                field: format!("noise[{i}].node"),
                problem: format!("node {} does not exist (the cell has {n})", s.node),
            });
        }
    }
    for (i, s) in drive.synapses.iter().enumerate() {
        if s.node >= n || s.synapse_type >= cell.synapse_types.len() {
            return Err(CableError::Invalid {
                field: format!("synapses[{i}]"),
                problem: "node or synapse type index out of range".into(),
            });
        }
        non_negative(|| format!("synapses[{i}].weight_us"), s.weight_us)?;
        for (j, &t) in s.times_ms.iter().enumerate() {
            non_negative(|| format!("synapses[{i}].times_ms[{j}]"), t)?;
        }
    }
    Ok(())
}

/// A run of `L` lanes as an operation that `pulp` dispatches at run time to code compiled for
/// the best instruction set the processor has (on x86-64: AVX2 and FMA if present, else the
/// baseline SSE2).
///
/// Why: the gate and exponential loops that dominate the run time are vectorised by the
/// compiler over (compartment, lane); AVX2 holds four f64 per register where the x86-64
/// baseline holds two, and its three-operand instructions need fewer register copies, so the
/// same loops run about 1.5 times faster, and the fused multiply–adds of the exponential
/// ([`super::exp::exp`]) become single instructions. A binary built for the baseline still
/// runs everywhere. The results are bit for bit the same on either path: Rust never fuses a
/// multiplication and an addition by itself, and an explicit `mul_add` is rounded once
/// whether the hardware or libm's software `fma` computes it, so a ground truth computed on
/// one machine is reproduced exactly on another (tested:
/// `tests::dispatched_and_baseline_runs_are_identical`). `pulp` keeps the `unsafe` that
/// calling code compiled for detected features needs inside that crate.
struct LanesRun<'a, const L: usize> {
    cell: &'a Cell,
    drives: [&'a Drive; L],
    numerics: &'a Numerics,
}

impl<const L: usize> pulp::WithSimd for LanesRun<'_, L> {
    type Output = Result<[Trace; L], CableError>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> Self::Output {
        self.cell.simulate_lanes_inlined(self.drives, self.numerics)
    }
}

/// State of `L` lanes.
struct Lanes<const L: usize> {
    v: Vec<[f64; L]>,
    d: Vec<[f64; L]>,
    rhs: Vec<[f64; L]>,
    hh_m: Vec<[f64; L]>,
    hh_h: Vec<[f64; L]>,
    hh_n: Vec<[f64; L]>,
    ih_m: Vec<[f64; L]>,
    im_m: Vec<[f64; L]>,
    syn_a: Vec<[f64; L]>,
    syn_b: Vec<[f64; L]>,
    /// Current (nA) and slope conductance (µS) of each `hh`, `Ih` and `Im` instance at the
    /// present states and v, computed by the gate loops (see [`hh_sweep`]) for the next
    /// [`Cell::assemble`].
    hh_i: Vec<[f64; L]>,
    hh_g: Vec<[f64; L]>,
    ih_i: Vec<[f64; L]>,
    ih_g: Vec<[f64; L]>,
    im_i: Vec<[f64; L]>,
    im_g: Vec<[f64; L]>,
    /// Channel parameters repeated in every lane.
    hh_p: HhLanes<L>,
    ih_p: OneGateLanes<L>,
    im_p: OneGateLanes<L>,
    /// Scratch: v gathered at one mechanism's nodes.
    vbuf: Vec<[f64; L]>,
    /// Scratch: currents (nA) and slope conductances (µS) before they are scattered.
    ibuf: Vec<[f64; L]>,
    gbuf: Vec<[f64; L]>,
}

/// `rhs[nodes[k]] −= current[k]` and `d[nodes[k]] += conductance[k]`: a mechanism's
/// contributions to its nodes' equations.
#[inline(always)]
fn scatter<const L: usize>(
    nodes: &[usize],
    current: &[[f64; L]],
    conductance: &[[f64; L]],
    rhs: &mut [[f64; L]],
    d: &mut [[f64; L]],
) {
    for ((&i, io), go) in nodes.iter().zip(current).zip(conductance) {
        let (rhs, d) = (&mut rhs[i], &mut d[i]);
        for l in 0..L {
            rhs[l] -= io[l];
            d[l] += go[l];
        }
    }
}

/// `buf[k] = v[nodes[k]]`.
#[inline(always)]
fn gather<const L: usize>(nodes: &[usize], v: &[[f64; L]], buf: &mut Vec<[f64; L]>) {
    buf.clear();
    buf.extend(nodes.iter().map(|&i| v[i]));
}

/// A per-instance parameter repeated in every lane, so that the loops over (instance, lane)
/// read it as a flat stream beside the states.
type PerLane<const L: usize> = Vec<[f64; L]>;

/// `values[k]` repeated in the `L` lanes of instance k.
fn per_lane<const L: usize>(values: &[f64]) -> PerLane<L> {
    values.iter().map(|&x| [x; L]).collect()
}

/// The (instance, lane) stream of a per-lane quantity.
#[inline(always)]
fn flat<const L: usize>(x: &[[f64; L]]) -> std::slice::Iter<'_, f64> {
    x.as_flattened().iter()
}

/// The parameters of the `hh` instances ([`HhSet`]) repeated in every lane.
struct HhLanes<const L: usize> {
    gna: PerLane<L>,
    gk: PerLane<L>,
    gl: PerLane<L>,
    ena: PerLane<L>,
    ek: PerLane<L>,
    el: PerLane<L>,
}

impl<const L: usize> HhLanes<L> {
    fn new(hh: &HhSet) -> Self {
        HhLanes {
            gna: per_lane(&hh.gna),
            gk: per_lane(&hh.gk),
            gl: per_lane(&hh.gl),
            ena: per_lane(&hh.ena),
            ek: per_lane(&hh.ek),
            el: per_lane(&hh.el),
        }
    }
}

/// The parameters of a one-gate channel ([`OneGateSet`]) repeated in every lane.
struct OneGateLanes<const L: usize> {
    gbar: PerLane<L>,
    erev: PerLane<L>,
}

impl<const L: usize> OneGateLanes<L> {
    fn new(set: &OneGateSet) -> Self {
        OneGateLanes {
            gbar: per_lane(&set.gbar),
            erev: per_lane(&set.erev),
        }
    }
}

/// One pass over the `hh` instances: with `ADVANCE`, the `cnexp` gate updates at v (the
/// gathered v(t + dt)); then, always, each instance's current
/// i = gna·m³h·(v − ena) + gk·n⁴·(v − ek) + gl·(v − el) (nA) and conductance
/// di/dv = gna·m³h + gk·n⁴ + gl (µS) at the new states and v, which are exactly what the next
/// step's [`Cell::assemble`] needs (states at t, v(t), for the step from t).
///
/// Why fused: the gates and the current read the same states and v, so one pass over the
/// compartments serves both, and the current, which as a scatter into the tree's nodes would
/// not vectorise, is computed here in the vectorised loop (one flat loop over
/// (instance, lane), no indexing) and only added in the assembly.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn hh_sweep<const L: usize, const ADVANCE: bool>(
    p: &HhLanes<L>,
    q10: f64,
    dt: f64,
    v: &[[f64; L]],
    gates: [&mut [[f64; L]]; 3],
    i_out: &mut [[f64; L]],
    g_out: &mut [[f64; L]],
) {
    let [m, h, n] = gates;
    let params = flat(&p.gna).zip(flat(&p.gk)).zip(flat(&p.gl));
    let reversals = flat(&p.ena).zip(flat(&p.ek)).zip(flat(&p.el));
    let states = (m.as_flattened_mut().iter_mut())
        .zip(h.as_flattened_mut().iter_mut())
        .zip(n.as_flattened_mut().iter_mut());
    let outputs = (v.as_flattened().iter())
        .zip(i_out.as_flattened_mut().iter_mut())
        .zip(g_out.as_flattened_mut().iter_mut());
    for ((((&gna, &gk), &gl), ((&ena, &ek), &el)), (((m, h), n), ((&v, io), go))) in
        params.zip(reversals).zip(states.zip(outputs))
    {
        if ADVANCE {
            let [gm, gh, gn] = hh_gates(v, q10);
            *m = gm.advance(*m, dt);
            *h = gh.advance(*h, dt);
            *n = gn.advance(*n, dt);
        }
        let (mm, n2) = (*m, *n * *n);
        let g_na = gna * mm * mm * mm * *h;
        let g_k = gk * n2 * n2;
        *io = g_na * (v - ena) + g_k * (v - ek) + gl * (v - el);
        *go = g_na + g_k + gl;
    }
}

/// The gate of a one-gate channel as a function of v, always inlined (a closure passed to
/// [`one_gate_sweep`] may be compiled as a call per compartment, which stops vectorisation).
trait GateOfV {
    fn at(&self, v: f64) -> Gate;
}

/// The `Ih` gate ([`ih_gate`]).
struct IhGate;

impl GateOfV for IhGate {
    #[inline(always)]
    fn at(&self, v: f64) -> Gate {
        ih_gate(v)
    }
}

/// The `Im` gate ([`im_gate`]) with its temperature factor.
struct ImGate(f64);

impl GateOfV for ImGate {
    #[inline(always)]
    fn at(&self, v: f64) -> Gate {
        im_gate(v, self.0)
    }
}

/// [`hh_sweep`] for a one-gate channel i = gbar·x·(v − e) (`Ih`, `Im`) with gate `gate(v)`.
#[inline(always)]
fn one_gate_sweep<const L: usize, const ADVANCE: bool>(
    p: &OneGateLanes<L>,
    gate: impl GateOfV,
    dt: f64,
    v: &[[f64; L]],
    x: &mut [[f64; L]],
    i_out: &mut [[f64; L]],
    g_out: &mut [[f64; L]],
) {
    let params = p.gbar.as_flattened().iter().zip(p.erev.as_flattened());
    let outputs = (v.as_flattened().iter())
        .zip(i_out.as_flattened_mut().iter_mut())
        .zip(g_out.as_flattened_mut().iter_mut());
    for (((&gbar, &erev), x), ((&v, io), go)) in
        params.zip(x.as_flattened_mut().iter_mut()).zip(outputs)
    {
        if ADVANCE {
            *x = gate.at(v).advance(*x, dt);
        }
        let g = gbar * *x;
        *io = g * (v - erev);
        *go = g;
    }
}

/// How [`Cell::simulate_batch`] cuts `n` trials for `threads` threads: into `threads` shares
/// of contiguous trials as equal as possible (so that every core works for about the same
/// time), each cut into groups of four lanes and a remainder of two and one.
///
/// Why this shape. Lanes share one sweep of the tree, which saves the loads of the tree and of
/// the mechanism tables and fills the vector registers (four f64 with AVX2): per trial, four
/// lanes run 10–25 % faster than one (`peer/BENCH.md`). Two cores, however, halve the time,
/// so the trials are first spread over the cores and only then packed into lanes: four trials
/// on two cores are two groups of two, twelve are two shares of six, each four lanes and two.
/// The groups go to rayon's work-stealing pool, so a batch started from several threads at
/// once shares the cores instead of oversubscribing them.
fn lane_groups(n: usize, threads: usize) -> Vec<std::ops::Range<usize>> {
    let shares = threads.clamp(1, n.max(1));
    let mut groups = Vec::new();
    let mut start = 0;
    for s in 0..shares {
        let end = n * (s + 1) / shares;
        while start < end {
            let width = [4, 2, 1]
                .into_iter()
                .find(|&w| w <= end - start)
                .expect("1 always fits");
            groups.push(start..start + width);
            start += width;
        }
    }
    groups
}

/// Per-step constants that depend on dt.
struct Coefficients {
    /// C/dt + Σ axial conductances + leak conductance per node, µS.
    d_const: Vec<f64>,
    /// exp(−dt/τ1), exp(−dt/τ2) per synapse type.
    decay: Vec<(f64, f64)>,
    /// Square of each node's axial conductance, µS².
    g_axial_sq: Vec<f64>,
}

impl Cell {
    fn coefficients(&self, dt: f64) -> Coefficients {
        let m = &self.morph;
        let mut d_const: Vec<f64> = (0..m.n_nodes())
            .map(|i| m.capacitance_nf[i] / dt + self.leak_g[i])
            .collect();
        for i in 1..m.n_nodes() {
            d_const[i] += m.g_axial_us[i];
            d_const[m.parent[i]] += m.g_axial_us[i];
        }
        let decay = self
            .synapse_types
            .iter()
            .map(|(_, k)| ((-dt / k.tau1).exp(), (-dt / k.tau2).exp()))
            .collect();
        Coefficients {
            d_const,
            decay,
            g_axial_sq: m.g_axial_us.iter().map(|g| g * g).collect(),
        }
    }

    /// Runs one trial.
    ///
    /// # Errors
    /// Invalid numerics or drive (non-finite amplitudes, negative event times, ...).
    pub fn simulate(&self, drive: &Drive, numerics: &Numerics) -> Result<Trace, CableError> {
        let [trace] = self.simulate_lanes::<1>([drive], numerics)?;
        Ok(trace)
    }

    /// Runs several independent trials, spread over the threads of rayon's pool and advanced
    /// together in lanes within each thread ([`lane_groups`]); returns one trace per drive, in
    /// order, identical (bit for bit) to running each with [`Cell::simulate`].
    ///
    /// Called from inside a pool of one thread
    /// (`rayon::ThreadPoolBuilder::new().num_threads(1).build()?.install(...)`), it runs on that
    /// thread alone, four lanes per sweep.
    ///
    /// # Errors
    /// As [`Cell::simulate`], for the first invalid drive.
    pub fn simulate_batch(
        &self,
        drives: &[Drive],
        numerics: &Numerics,
    ) -> Result<Vec<Trace>, CableError> {
        let groups = lane_groups(drives.len(), rayon::current_num_threads());
        let traces: Vec<Result<Vec<Trace>, CableError>> = groups
            .into_par_iter()
            .map(|range| self.simulate_group(&drives[range], numerics))
            .collect();
        let mut out = Vec::with_capacity(drives.len());
        for t in traces {
            out.extend(t?);
        }
        Ok(out)
    }

    /// One lane group of [`lane_groups`] (1, 2 or 4 drives) in one sweep.
    fn simulate_group(
        &self,
        drives: &[Drive],
        numerics: &Numerics,
    ) -> Result<Vec<Trace>, CableError> {
        Ok(match drives {
            [a, b, c, d] => Vec::from(self.simulate_lanes([a, b, c, d], numerics)?),
            [a, b] => Vec::from(self.simulate_lanes([a, b], numerics)?),
            [a] => vec![self.simulate(a, numerics)?],
            _ => unreachable!("lane groups hold 1, 2 or 4 drives"),
        })
    }

    /// Runs `L` lanes with the best instruction set the processor has ([`LanesRun`]).
    fn simulate_lanes<const L: usize>(
        &self,
        drives: [&Drive; L],
        numerics: &Numerics,
    ) -> Result<[Trace; L], CableError> {
        pulp::Arch::new().dispatch(LanesRun {
            cell: self,
            drives,
            numerics,
        })
    }

    /// The simulation of `L` lanes; always inlined, with everything its time loop calls, so
    /// that [`LanesRun`] compiles it once per instruction set.
    #[inline(always)]
    fn simulate_lanes_inlined<const L: usize>(
        &self,
        drives: [&Drive; L],
        numerics: &Numerics,
    ) -> Result<[Trace; L], CableError> {
        let n_steps = numerics.n_steps()?;
        for d in drives {
            validate(self, d)?;
        }
        let dt = numerics.dt_ms;
        let inst = Instances::new(self, &drives);
        let events: [Vec<Event>; L] = std::array::from_fn(|l| {
            let mut ev: Vec<Event> = drives[l]
                .synapses
                .iter()
                .flat_map(|s| {
                    let instance = inst.index(s.synapse_type, s.node);
                    let increment = s.weight_us * self.synapse_types[s.synapse_type].1.factor;
                    s.times_ms.iter().map(move |&t| Event {
                        step: delivery_step(t, dt),
                        instance,
                        increment,
                    })
                })
                .filter(|e| e.step < n_steps.max(1))
                .collect();
            ev.sort_by_key(|e| e.step);
            ev
        });
        let mut noise: [Vec<NoiseState>; L] = std::array::from_fn(|_| Vec::new());
        for (l, d) in drives.iter().enumerate() {
            for (i, &source) in d.noise.iter().enumerate() {
                noise[l].push(NoiseState::new(source, dt, &|| format!("noise[{i}]"))?);
            }
        }
        let coef = self.coefficients(dt);
        let mut st = self.initial_state::<L>(inst.site.len());
        let mut cursor = [0usize; L];
        let soma = self.soma;
        let record_every = numerics.record_every;
        let mut traces: [Trace; L] = std::array::from_fn(|_| Trace {
            sample_dt_ms: dt * record_every as f64,
            soma_v_mv: Vec::with_capacity(n_steps / record_every + 1),
            spike_times_ms: Vec::new(),
        });
        for tr in traces.iter_mut() {
            tr.soma_v_mv.push(self.v_init);
        }
        for k in 0..n_steps {
            for l in 0..L {
                let ev = &events[l];
                while cursor[l] < ev.len() && ev[cursor[l]].step <= k {
                    let e = ev[cursor[l]];
                    st.syn_a[e.instance][l] += e.increment;
                    st.syn_b[e.instance][l] += e.increment;
                    cursor[l] += 1;
                }
            }
            let v_soma_before = st.v[soma];
            self.assemble(&mut st, &coef, &inst);
            for l in 0..L {
                for c in &drives[l].clamps {
                    if let Some(&a) = c.amp_na.get(clamp_sample(k, dt, c.step_ms)) {
                        st.rhs[c.node][l] += a;
                    }
                }
                for ns in noise[l].iter_mut() {
                    let (i, x) = (ns.source.node, ns.process.value());
                    match ns.source.kind {
                        NoiseKind::Current { .. } => st.rhs[i][l] += x,
                        NoiseKind::Conductance { e_mv, .. } => {
                            let g = x.max(0.0);
                            st.rhs[i][l] -= g * (st.v[i][l] - e_mv);
                            st.d[i][l] += g;
                        }
                    }
                    ns.process.step(&mut ns.rng);
                }
            }
            self.solve(&mut st, &coef);
            self.advance_states(&mut st, &coef, &inst, dt);
            let v_soma = st.v[soma];
            for l in 0..L {
                let (v0, v1) = (v_soma_before[l], v_soma[l]);
                let th = numerics.threshold_mv;
                if v0 < th && v1 >= th {
                    traces[l]
                        .spike_times_ms
                        .push((k as f64 + (th - v0) / (v1 - v0)) * dt);
                }
                if (k + 1) % record_every == 0 {
                    traces[l].soma_v_mv.push(v1);
                }
            }
        }
        Ok(traces)
    }

    #[inline(always)]
    fn initial_state<const L: usize>(&self, n_instances: usize) -> Lanes<L> {
        let n = self.morph.n_nodes();
        let v0 = self.v_init;
        let [m, h, nn] = hh_gates(v0, self.q10);
        let nh = self.hh.node.len();
        let mut st = Lanes {
            v: vec![[v0; L]; n],
            d: vec![[0.0; L]; n],
            rhs: vec![[0.0; L]; n],
            hh_m: vec![[m.inf; L]; nh],
            hh_h: vec![[h.inf; L]; nh],
            hh_n: vec![[nn.inf; L]; nh],
            ih_m: vec![[ih_gate(v0).inf; L]; self.ih.node.len()],
            im_m: vec![[im_gate(v0, self.im_qt).inf; L]; self.im.node.len()],
            syn_a: vec![[0.0; L]; n_instances],
            syn_b: vec![[0.0; L]; n_instances],
            hh_i: vec![[0.0; L]; nh],
            hh_g: vec![[0.0; L]; nh],
            ih_i: vec![[0.0; L]; self.ih.node.len()],
            ih_g: vec![[0.0; L]; self.ih.node.len()],
            im_i: vec![[0.0; L]; self.im.node.len()],
            im_g: vec![[0.0; L]; self.im.node.len()],
            hh_p: HhLanes::new(&self.hh),
            ih_p: OneGateLanes::new(&self.ih),
            im_p: OneGateLanes::new(&self.im),
            vbuf: Vec::new(),
            ibuf: Vec::new(),
            gbuf: Vec::new(),
        };
        self.channel_sweeps::<L, false>(&mut st, 0.0);
        st
    }

    /// Fills `d` (µS) and `rhs` (nA) of the linearised equations for Δv,
    /// (C/dt + Σg_axial + Σ∂i/∂v)·Δv_i − Σ_j g_ij·Δv_j = Σ_j g_ij·(v_j − v_i) − i_membrane(v),
    /// except the axial currents Σ_j g_ij·(v_j − v_i), which [`Cell::solve`] adds on its way.
    #[inline(always)]
    fn assemble<const L: usize>(&self, st: &mut Lanes<L>, coef: &Coefficients, inst: &Instances) {
        // The arrays as local slices: their addresses and lengths then stay in registers
        // (through a `&mut Lanes` the compiler must reload them after every store).
        let Lanes {
            v,
            d,
            rhs,
            hh_i,
            hh_g,
            ih_i,
            ih_g,
            im_i,
            im_g,
            syn_a,
            syn_b,
            vbuf,
            ibuf,
            gbuf,
            ..
        } = st;
        let (v, d, rhs) = (&v[..], &mut d[..], &mut rhs[..]);
        let leak = self.leak_g.iter().zip(&self.leak_ge);
        let nodes = d.iter_mut().zip(rhs.iter_mut()).zip(v).zip(&coef.d_const);
        for ((((d, rhs), v), &d_const), (&gl, &gle)) in nodes.zip(leak) {
            *d = [d_const; L];
            *rhs = std::array::from_fn(|l| gle - gl * v[l]);
        }
        let channels = [
            (&self.hh.node[..], &hh_i[..], &hh_g[..]),
            (&self.ih.node, ih_i, ih_g),
            (&self.im.node, im_i, im_g),
        ];
        for (nodes, current, conductance) in channels {
            scatter(nodes, current, conductance, rhs, d);
        }
        for group in &inst.groups {
            let (nodes, e) = (&inst.node[group.range.clone()], group.e);
            let a = &syn_a[group.range.clone()];
            let b = &syn_b[group.range.clone()];
            match group.mg_ratio {
                None => {
                    for ((&i, a), b) in nodes.iter().zip(a).zip(b) {
                        let (rhs, d, v) = (&mut rhs[i], &mut d[i], v[i]);
                        for l in 0..L {
                            let g = b[l] - a[l];
                            rhs[l] -= g * (v[l] - e);
                            d[l] += g;
                        }
                    }
                }
                Some(ratio) => {
                    // NEURON's nrn_cur: di/dv by a forward difference of 0.001 mV. The block
                    // at v + 0.001 reuses exp(−0.062·v), both quotients share one division
                    // and /0.001 is ·1000 (identical up to rounding). Gathered, so the loop
                    // vectorises.
                    gather(nodes, v, vbuf);
                    ibuf.clear();
                    ibuf.resize(nodes.len(), [0.0; L]);
                    gbuf.clear();
                    gbuf.resize(nodes.len(), [0.0; L]);
                    let lanes = (ibuf.as_flattened_mut().iter_mut())
                        .zip(gbuf.as_flattened_mut())
                        .zip(vbuf.as_flattened())
                        .zip(a.as_flattened().iter().zip(b.as_flattened()));
                    for (((i0, di), &v), (&a, &b)) in lanes {
                        let g = b - a;
                        let x = exp(0.062 * -v) * ratio;
                        let (u0, u1) = (1.0 + x, 1.0 + x * EXP_MG_STEP);
                        let r = 1.0 / (u0 * u1);
                        let c0 = g * (v - e) * u1 * r;
                        let c1 = g * (v + 0.001 - e) * u0 * r;
                        *i0 = c0;
                        *di = (c1 - c0) * 1000.0;
                    }
                    scatter(nodes, ibuf, gbuf, rhs, d);
                }
            }
        }
    }

    /// Hines' elimination (leaves to root), back substitution (root to leaves), v += Δv.
    ///
    /// The axial current f = g·(v_p − v_i) between node i and its parent p is added to both
    /// right-hand sides during the elimination, just before row i is eliminated (every child
    /// of i has a larger index and has already added its share to row i), which saves a pass
    /// over the tree. After elimination `d[i]` holds 1/d_i, so the back substitution only
    /// multiplies.
    #[inline(always)]
    fn solve<const L: usize>(&self, st: &mut Lanes<L>, coef: &Coefficients) {
        let m = &self.morph;
        let n = m.n_nodes();
        // Local slices of equal, checked lengths: the compiler then drops the bounds checks
        // on i and keeps the arrays' addresses in registers.
        let (v, d, rhs) = (&mut st.v[..n], &mut st.d[..n], &mut st.rhs[..n]);
        let (parent, g_axial, g_sq) = (&m.parent[..n], &m.g_axial_us[..n], &coef.g_axial_sq[..n]);
        for i in (1..n).rev() {
            let (p, g, g2) = (parent[i], g_axial[i], g_sq[i]);
            for l in 0..L {
                let f = g * (v[p][l] - v[i][l]);
                let rhs_i = rhs[i][l] + f;
                rhs[i][l] = rhs_i;
                let r = 1.0 / d[i][l];
                d[i][l] = r;
                d[p][l] -= g2 * r;
                rhs[p][l] += g * r * rhs_i - f;
            }
        }
        for l in 0..L {
            rhs[0][l] /= d[0][l];
            v[0][l] += rhs[0][l];
        }
        for i in 1..n {
            let (p, g) = (parent[i], g_axial[i]);
            for l in 0..L {
                let dv = (rhs[i][l] + g * rhs[p][l]) * d[i][l];
                rhs[i][l] = dv;
                v[i][l] += dv;
            }
        }
    }

    /// Each channel's sweep ([`hh_sweep`], [`one_gate_sweep`]) over v gathered at its nodes
    /// into a contiguous buffer, so that the loops run over (instance, lane) with no indexing
    /// and vectorise: with `ADVANCE` the gates step over `dt` first.
    #[inline(always)]
    fn channel_sweeps<const L: usize, const ADVANCE: bool>(&self, st: &mut Lanes<L>, dt: f64) {
        gather(&self.hh.node, &st.v, &mut st.vbuf);
        let gates = [&mut st.hh_m[..], &mut st.hh_h[..], &mut st.hh_n[..]];
        let (hh_i, hh_g) = (&mut st.hh_i, &mut st.hh_g);
        hh_sweep::<L, ADVANCE>(&st.hh_p, self.q10, dt, &st.vbuf, gates, hh_i, hh_g);
        gather(&self.ih.node, &st.v, &mut st.vbuf);
        let (x, i, g) = (&mut st.ih_m, &mut st.ih_i, &mut st.ih_g);
        one_gate_sweep::<L, ADVANCE>(&st.ih_p, IhGate, dt, &st.vbuf, x, i, g);
        gather(&self.im.node, &st.v, &mut st.vbuf);
        let (x, i, g) = (&mut st.im_m, &mut st.im_i, &mut st.im_g);
        one_gate_sweep::<L, ADVANCE>(&st.im_p, ImGate(self.im_qt), dt, &st.vbuf, x, i, g);
    }

    /// cnexp gate updates at v(t + dt) (with the channel currents for the next step) and
    /// exact synaptic decay.
    #[inline(always)]
    fn advance_states<const L: usize>(
        &self,
        st: &mut Lanes<L>,
        coef: &Coefficients,
        inst: &Instances,
        dt: f64,
    ) {
        self.channel_sweeps::<L, true>(st, dt);
        let floor = |x: f64| {
            if x.abs() < SYNAPSE_STATE_FLOOR_US {
                0.0
            } else {
                x
            }
        };
        for group in &inst.groups {
            let (da, db) = coef.decay[group.ty];
            for a in st.syn_a[group.range.clone()].as_flattened_mut() {
                *a = floor(*a * da);
            }
            for b in st.syn_b[group.range.clone()].as_flattened_mut() {
                *b = floor(*b * db);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatched_and_baseline_runs_are_identical() {
        // The same trials through the dispatched path (AVX2 + FMA where available) and
        // through code compiled for the baseline instruction set: equal bit for bit.
        let input: crate::cable::json::SimulationInput =
            serde_json::from_str(include_str!("../../peer/bench_cells/hh58_syn780.json")).unwrap();
        let cell = Cell::new(&input.cell).unwrap();
        let synaptic = input.drive(&cell).unwrap();
        let soma = cell.soma_node();
        let clamp = Drive {
            clamps: vec![CurrentClamp {
                node: soma,
                step_ms: 1.0,
                amp_na: (0..200)
                    .map(|j| 0.3 + 0.4 * ((j % 7) as f64 / 7.0))
                    .collect(),
            }],
            ..synaptic.clone()
        };
        let numerics = Numerics {
            dt_ms: 0.025,
            t_stop_ms: 200.0,
            threshold_mv: 0.0,
            record_every: 4,
        };
        let drives = [&synaptic, &clamp, &synaptic, &clamp];
        let baseline = |drives: [&Drive; 4]| {
            let run = LanesRun {
                cell: &cell,
                drives,
                numerics: &numerics,
            };
            pulp::WithSimd::with_simd(run, pulp::Scalar)
        };
        let dispatched = cell.simulate_lanes(drives, &numerics).unwrap();
        assert_eq!(baseline(drives).unwrap(), dispatched);
        assert!(
            dispatched[1].spike_times_ms.len() > 5,
            "the clamped trial fires"
        );
        let one = cell.simulate(&clamp, &numerics).unwrap();
        assert_eq!(one, dispatched[1]);
    }

    #[test]
    fn lane_groups_spread_over_the_threads_then_fill_lanes() {
        let widths = |n, threads| -> Vec<usize> {
            let groups = lane_groups(n, threads);
            let mut next = 0;
            for g in &groups {
                assert_eq!(g.start, next, "groups are contiguous and in order");
                next = g.end;
            }
            assert_eq!(next, n, "every trial is in one group");
            groups.iter().map(|g| g.len()).collect()
        };
        assert_eq!(widths(0, 2), Vec::<usize>::new());
        assert_eq!(widths(1, 2), [1]);
        assert_eq!(widths(2, 2), [1, 1]);
        assert_eq!(widths(4, 2), [2, 2]);
        assert_eq!(widths(4, 1), [4]);
        assert_eq!(widths(7, 1), [4, 2, 1]);
        assert_eq!(widths(12, 2), [4, 2, 4, 2]);
        assert_eq!(widths(16, 2), [4, 4, 4, 4]);
        assert_eq!(widths(3, 8), [1, 1, 1]);
    }

    #[test]
    fn the_mg_finite_difference_factor_is_exact() {
        assert!((EXP_MG_STEP - (-0.062f64 * 0.001).exp()).abs() <= f64::EPSILON);
    }

    #[test]
    fn event_delivery_follows_the_half_step_rule() {
        // dt = 0.025: an event at 0.0125 (= dt/2) goes with step 0; just after, with step 1.
        assert_eq!(delivery_step(0.0, 0.025), 0);
        assert_eq!(delivery_step(0.0124, 0.025), 0);
        assert_eq!(delivery_step(0.0126, 0.025), 1);
        assert_eq!(delivery_step(249.8, 0.025), 9992);
        assert_eq!(delivery_step(249.81, 0.025), 9992);
        assert_eq!(delivery_step(249.84, 0.025), 9994);
    }

    #[test]
    fn clamp_sample_switches_at_the_half_step() {
        // step 0.1 ms, dt 0.025: the sample 1 (t ≥ 0.1) is in force from the step at t = 0.1
        // (0.1 ≤ 0.1 + 0.0125) but not at t = 0.075 (0.0875 < 0.1).
        assert_eq!(clamp_sample(3, 0.025, 0.1), 0);
        assert_eq!(clamp_sample(4, 0.025, 0.1), 1);
    }
}
