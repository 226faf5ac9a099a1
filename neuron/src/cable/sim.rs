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
//! is the case `L = 1`.

use super::cell::Cell;
use super::channels::{hh_gates, ih_gate, im_gate};
use super::error::{CableError, finite, non_negative, positive};
use super::exp::exp;
use crate::rng::rng_from_seed;
use crate::stimulus::OrnsteinUhlenbeck;
use rand_chacha::ChaCha8Rng;
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
    /// Scratch: v gathered at one mechanism's nodes.
    vbuf: Vec<[f64; L]>,
    /// Scratch: currents (nA) and slope conductances (µS) before they are scattered.
    ibuf: Vec<[f64; L]>,
    gbuf: Vec<[f64; L]>,
}

/// `buf[k] = v[nodes[k]]`.
fn gather<const L: usize>(nodes: &[usize], v: &[[f64; L]], buf: &mut Vec<[f64; L]>) {
    buf.clear();
    buf.extend(nodes.iter().map(|&i| v[i]));
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

    /// Runs several independent trials together, `L` per sweep of the tree; returns one trace
    /// per drive, identical (bit for bit) to running each with [`Cell::simulate`].
    ///
    /// # Errors
    /// As [`Cell::simulate`], for the first invalid drive.
    pub fn simulate_batch(
        &self,
        drives: &[Drive],
        numerics: &Numerics,
    ) -> Result<Vec<Trace>, CableError> {
        const L: usize = 4;
        let mut out = Vec::with_capacity(drives.len());
        for chunk in drives.chunks(L) {
            if chunk.len() == L {
                let lanes: [&Drive; L] = std::array::from_fn(|i| &chunk[i]);
                out.extend(self.simulate_lanes::<L>(lanes, numerics)?);
            } else {
                for d in chunk {
                    out.push(self.simulate(d, numerics)?);
                }
            }
        }
        Ok(out)
    }

    fn simulate_lanes<const L: usize>(
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

    fn initial_state<const L: usize>(&self, n_instances: usize) -> Lanes<L> {
        let n = self.morph.n_nodes();
        let v0 = self.v_init;
        let [m, h, nn] = hh_gates(v0, self.q10);
        let nh = self.hh.node.len();
        Lanes {
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
            vbuf: Vec::new(),
            ibuf: Vec::new(),
            gbuf: Vec::new(),
        }
    }

    /// Fills `d` (µS) and `rhs` (nA) of the linearised equations for Δv,
    /// (C/dt + Σg_axial + Σ∂i/∂v)·Δv_i − Σ_j g_ij·Δv_j = Σ_j g_ij·(v_j − v_i) − i_membrane(v),
    /// except the axial currents Σ_j g_ij·(v_j − v_i), which [`Cell::solve`] adds on its way.
    fn assemble<const L: usize>(&self, st: &mut Lanes<L>, coef: &Coefficients, inst: &Instances) {
        let m = &self.morph;
        for i in 0..m.n_nodes() {
            let (v, gl, gle) = (st.v[i], self.leak_g[i], self.leak_ge[i]);
            st.d[i] = [coef.d_const[i]; L];
            st.rhs[i] = std::array::from_fn(|l| gle - gl * v[l]);
        }
        let hh = &self.hh;
        for k in 0..hh.node.len() {
            let i = hh.node[k];
            for l in 0..L {
                let (mm, h, n) = (st.hh_m[k][l], st.hh_h[k][l], st.hh_n[k][l]);
                let gna = hh.gna[k] * mm * mm * mm * h;
                let n2 = n * n;
                let gk = hh.gk[k] * n2 * n2;
                let v = st.v[i][l];
                st.rhs[i][l] -=
                    gna * (v - hh.ena[k]) + gk * (v - hh.ek[k]) + hh.gl[k] * (v - hh.el[k]);
                st.d[i][l] += gna + gk + hh.gl[k];
            }
        }
        for (set, gate) in [(&self.ih, &st.ih_m), (&self.im, &st.im_m)] {
            let params = set.gbar.iter().zip(&set.erev);
            for ((&i, (&gbar, &erev)), x) in set.node.iter().zip(params).zip(gate) {
                let (rhs, d, v) = (&mut st.rhs[i], &mut st.d[i], st.v[i]);
                for l in 0..L {
                    let g = gbar * x[l];
                    rhs[l] -= g * (v[l] - erev);
                    d[l] += g;
                }
            }
        }
        for group in &inst.groups {
            let (nodes, e) = (&inst.node[group.range.clone()], group.e);
            let a = &st.syn_a[group.range.clone()];
            let b = &st.syn_b[group.range.clone()];
            match group.mg_ratio {
                None => {
                    for ((&i, a), b) in nodes.iter().zip(a).zip(b) {
                        let (rhs, d, v) = (&mut st.rhs[i], &mut st.d[i], st.v[i]);
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
                    gather(nodes, &st.v, &mut st.vbuf);
                    st.ibuf.clear();
                    st.ibuf.resize(nodes.len(), [0.0; L]);
                    st.gbuf.clear();
                    st.gbuf.resize(nodes.len(), [0.0; L]);
                    let lanes = st
                        .ibuf
                        .as_flattened_mut()
                        .iter_mut()
                        .zip(st.gbuf.as_flattened_mut())
                        .zip(st.vbuf.as_flattened())
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
                    for ((&i, i0), di) in nodes.iter().zip(&st.ibuf).zip(&st.gbuf) {
                        for l in 0..L {
                            st.rhs[i][l] -= i0[l];
                            st.d[i][l] += di[l];
                        }
                    }
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
    fn solve<const L: usize>(&self, st: &mut Lanes<L>, coef: &Coefficients) {
        let m = &self.morph;
        for i in (1..m.n_nodes()).rev() {
            let (p, g, g2) = (m.parent[i], m.g_axial_us[i], coef.g_axial_sq[i]);
            for l in 0..L {
                let f = g * (st.v[p][l] - st.v[i][l]);
                let rhs_i = st.rhs[i][l] + f;
                st.rhs[i][l] = rhs_i;
                let r = 1.0 / st.d[i][l];
                st.d[i][l] = r;
                st.d[p][l] -= g2 * r;
                st.rhs[p][l] += g * r * rhs_i - f;
            }
        }
        for l in 0..L {
            st.rhs[0][l] /= st.d[0][l];
            st.v[0][l] += st.rhs[0][l];
        }
        for i in 1..m.n_nodes() {
            let (p, g) = (m.parent[i], m.g_axial_us[i]);
            for l in 0..L {
                let dv = (st.rhs[i][l] + g * st.rhs[p][l]) * st.d[i][l];
                st.rhs[i][l] = dv;
                st.v[i][l] += dv;
            }
        }
    }

    /// cnexp gate updates at v(t + dt) and exact synaptic decay.
    fn advance_states<const L: usize>(
        &self,
        st: &mut Lanes<L>,
        coef: &Coefficients,
        inst: &Instances,
        dt: f64,
    ) {
        // Each mechanism: gather v at its nodes into a contiguous buffer, then one flat loop
        // over (instance, lane) with no indexing, which the compiler vectorises.
        let q10 = self.q10;
        gather(&self.hh.node, &st.v, &mut st.vbuf);
        for (((m, h), n), &v) in st
            .hh_m
            .as_flattened_mut()
            .iter_mut()
            .zip(st.hh_h.as_flattened_mut())
            .zip(st.hh_n.as_flattened_mut())
            .zip(st.vbuf.as_flattened())
        {
            let [gm, gh, gn] = hh_gates(v, q10);
            *m = gm.advance(*m, dt);
            *h = gh.advance(*h, dt);
            *n = gn.advance(*n, dt);
        }
        gather(&self.ih.node, &st.v, &mut st.vbuf);
        for (m, &v) in st
            .ih_m
            .as_flattened_mut()
            .iter_mut()
            .zip(st.vbuf.as_flattened())
        {
            *m = ih_gate(v).advance(*m, dt);
        }
        let qt = self.im_qt;
        gather(&self.im.node, &st.v, &mut st.vbuf);
        for (m, &v) in st
            .im_m
            .as_flattened_mut()
            .iter_mut()
            .zip(st.vbuf.as_flattened())
        {
            *m = im_gate(v, qt).advance(*m, dt);
        }
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
