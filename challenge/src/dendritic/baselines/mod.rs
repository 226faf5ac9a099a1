//! The two dendritic-input baselines of issue 5: a point neuron that integrates all synaptic
//! input linearly at the soma with fitted distance-dependent weights ("linear"), and the same
//! with a static NMDA-like sigmoid per branch before the somatic sum ("two-layer", Poirazi,
//! Brannon & Mel 2003, Neuron 37:989). Both are fitted on the training trials only: the events
//! of every synapse, the synapse table, the somatic voltage and the spike times.
//!
//! Why these two. The family asks what a model loses by ignoring dendritic integration. The
//! linear baseline is the "point neuron" hypothesis made as good as a regression can make it:
//! every synapse's events pass through a fixed PSP shape and are summed with one fitted weight
//! per (class, distance bin) — the distance dependence stands for dendritic attenuation. The
//! two-layer baseline adds exactly one thing, a saturating non-linearity per branch as NMDA
//! spikes produce (Schiller et al. 2000, Nature 404:285; Polsky, Mel & Schiller 2004, Nat
//! Neurosci 7:621), so the gap between the two on the board measures what branch-local
//! non-linear integration explains.
//!
//! # Model
//! Voltage, a Spike Response Model (Gerstner & Kistler 2002, *Spiking Neuron Models*, ch. 4;
//! fitted to recordings by Jolivet, Lewis & Gerstner 2004, J Neurophysiol 92:959):
//!
//! V̂(t) = E + Σ_b w_b·S_b(t) + Σ_b u_b·G_b(t) + Σ_k η_k·X_k(t)
//!
//! * PSP kernels ([`PspKernel`]): κ_r(t) = f·(e^{−t/τ_slow} − e^{−t/τ_fast}), peak 1, with
//!   {τ_slow, τ_fast} = {the receptor's `tau_decay_ms`, the membrane time constant τ_m}: the exact
//!   voltage response of a passive single compartment (time constant τ_m) to an exponentially
//!   decaying current of time constant τ_decay (the receptor's fast rise is neglected). An
//!   excitatory site with AMPA weight a and NMDA weight n (µS, from the synapse table) drives
//!   a·κ_AMPA + n·κ_NMDA per event; an inhibitory site of weight g drives g·κ_GABA.
//! * Linear: S_b(t) is the summed drive (µS) of the excitatory sites whose path distance lies
//!   in distance bin b ([`DistanceBins`]), w_b in mV/µS.
//! * Two-layer: the drive of the excitatory sites of each branch j (the synapse table's
//!   `branch`) is summed into x_j(t) (µS) and passed through
//!   N(x) = σ((x − θ)/s) − σ(−θ/s), σ(z) = 1/(1 + e^{−z}) (so N(0) = 0), with one threshold
//!   θ and width s (µS) shared by all branches; S_b(t) = Σ_{j in bin b} N(x_j(t)), where a
//!   branch's bin is that of the mean path distance of its excitatory sites; w_b in mV.
//! * Inhibition is linear in both: G_b(t) is the summed GABA_A drive of the inhibitory sites
//!   in distance bin b, u_b in mV/µS.
//! * X_k(t) counts the cell's own spikes whose age lies in bin k of `history_edges_ms`: η is
//!   the spike after-potential (reset and after-hyperpolarisation), fitted like the other
//!   weights. Without it, V̂ would stay above threshold after a spike and the model would burst.
//!
//! Spikes: escape noise with an exponential hazard λ(t) = λ₀·exp((V̂(t) − V_T)/ΔV), λ₀ = 1 Hz
//! (as the GIF of `arena_neuron::point::gif`), outside an absolute refractory period t_ref after
//! each spike. Escape noise rather than a deterministic threshold because the reference cell
//! has intrinsic noise (its repeats differ), and a hazard turns the prediction error of V̂ into
//! spike-timing jitter instead of missing or extra spikes, so K repeats describe the
//! variability; and because its two parameters have a concave likelihood with one optimum.
//!
//! # Fitting (training data only)
//! 1. Subthreshold regression: V at the samples on a `regression_dt_ms` grid, excluding
//!    `exclude_before_spike_ms` before to `refractory_ms` after every recorded spike (the spike
//!    shape), is regressed by least squares on [1, S, G, X] (X from the recorded spikes). A
//!    column without any training drive (a bin without synapses or events) gets weight 0.
//!    For the two-layer model, (θ, s) are chosen by grid search maximising the R² of this
//!    regression: a 7 × 7 log-spaced grid relative to the largest branch drive of the
//!    training data, then 4 rounds of 5 × 5 points around the best one, each halving the
//!    log-spacing (final spacing a factor 1.03 in θ and 1.04 in s). Cost: 149 regressions, each
//!    evaluating N for every (regression sample, branch).
//! 2. Threshold: V̂ is computed with the recorded spikes imposed, and (V_T, ΔV) maximise the
//!    exact Bernoulli likelihood of the escape process, Σ_spike log(1 − e^{−λΔt}) − Σ_other λΔt
//!    over the free part Δt of every step (concave in (log λ₀ − V_T/ΔV, 1/ΔV); Newton's method).
//!    t_ref = min(`refractory_ms`, shortest training inter-spike interval): the shortest
//!    interval is the maximum-likelihood estimate of an absolute refractory period, capped
//!    where the after-potential kernel begins. A recorded spike inside a refractory period
//!    (impossible then) is skipped.
//!
//! Prediction: repeat k draws its escape noise from `derive_seed(seed, "repeat", k)`.
//!
//! The numerics are the point fits': the regression is solved by
//! [`arena_neuron::point::linalg::LeastSquares::fit`] and the threshold likelihood by
//! [`arena_neuron::point::escape::fit_escape_rate`] (as the GIF's), so both families of
//! baselines share one solver and one reading of a spike train.
//!
//! Files: `kernels.rs` (PSP kernels, distance bins), `drive.rs` (the exact drive recursion),
//! `integration.rs` (routing and the branch non-linearity), `training.rs` (inputs, options and
//! their validation), `design.rs` (the regression rows), `fit.rs` (the two fits and the
//! threshold stage), `model.rs` (the fitted model and its runs), `spiking.rs` (imposed spikes
//! and escape noise), `error.rs`.

mod design;
mod drive;
mod error;
mod fit;
mod integration;
mod kernels;
mod model;
mod spiking;
mod training;

pub use drive::filter_events;
pub use error::DendriticFitError;
pub use fit::{fit_linear, fit_two_layer};
pub use integration::Integration;
pub use kernels::{DistanceBins, PspKernel, PspKernels};
pub use model::DendriticModel;
pub use training::{DendriticFitOptions, DendriticTrainingTrial};
