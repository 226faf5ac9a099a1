//! Fitting a GIF neuron as Pozzorini et al. 2015 (PLoS Comput Biol 11:e1004275) do
//! (issue 5 baseline).
//!
//! Two convex stages, each with a unique optimum:
//! 1. Subthreshold: linear regression of dV/dt on [1, V, I, X₁ … X_K], where X_k(t) counts the
//!    recorded spikes whose age t − t̂ falls in bin k of the rectangular basis of η.
//!    With coefficients (c₀, c_V, c_I, c_k): C = 1/c_I, g_L = −c_V·C, E_L = c₀·C/g_L,
//!    η_k = −c_k·C.
//! 2. Threshold: the fitted subthreshold model is run with the recorded spikes imposed (so its
//!    V follows the recorded spike history, as in the paper), and
//!    log λ_n = β₀ + β_V V_n + Σ_k β_k X_k(t_n) is fitted by maximising the spike-train
//!    likelihood of the escape process. Each free step n of length Δt_n (the part not in a
//!    refractory period) contributes log(1 − e^{−λ_n Δt_n}) if it holds a recorded spike and
//!    −λ_n Δt_n otherwise — the exact Bernoulli likelihood of the simulator, concave in β
//!    (complementary log-log link); Pozzorini et al. use its Poisson approximation
//!    log(λ_n Δt_n), which differs by O(λΔt). Maximised by Newton's method with a
//!    backtracking line search ([`super::escape`], shared with the dendritic baselines). Then ΔV = 1/β_V, V_T* = −β₀/β_V (λ₀ = 1 Hz), γ_k = −β_k/β_V.
//!
//! V_reset and t_ref are read off the spikes as for the LIF.
//!
//! The other members of the family are fitted the same way, each with one addition:
//! - [`fit_gif_k`] and [`fit_agif`] add a gated potassium current to stage 1: its regressor,
//!   the current per unit conductance computed from the recorded voltage with the simulator's
//!   own recursion ([`GatedCurrent::unit_current_trace`]), for each candidate kinetics of a grid;
//!   the candidate with the smallest residual among the physical fits is kept (a brute-force
//!   search over the nonlinear kinetic parameters, as Mensi et al. 2016, PLoS Comput Biol
//!   12:e1004761, and Harkin et al. 2023, eLife 12:e72951, do).
//! - [`fit_igif`] adds the dynamic threshold's regressors θ_r ([`ThresholdCoupling`]) to
//!   stage 2, for each τ_θ of a grid; the τ_θ with the highest likelihood is kept (Mensi et
//!   al. 2016).

use super::FitError;
use super::escape::{EscapeObservations, fit_escape_rate, free_steps};
use super::gif::{
    ACurrent, Boltzmann, GatedCurrent, GifParams, KCurrent, KernelBins, SpikeSource,
    ThresholdCoupling, run_gif, threshold_bin_traces,
};
use super::linalg::LeastSquares;
use super::training::{Exclusion, Recovery, TrainingData};

/// Bin edges of η and γ, ms: log-spaced rectangular bins up to 640 ms as in Pozzorini et al.
/// (whose kernels extend further on longer recordings; 20–60 s of training data constrain
/// little beyond this).
pub const FIT_KERNEL_EDGES_MS: [f64; 9] = [0.0, 5.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0, 640.0];

/// The fit's bins for a refractory period `t_ref_ms`: [`FIT_KERNEL_EDGES_MS`] without the
/// interior edges at or below t_ref + 1 ms, so that the first bin holds at least 1 ms of ages
/// after the refractory period (a bin inside it has no data and would make the regression
/// singular). E.g. t_ref = 2 ms keeps every edge; t_ref = 12.5 ms gives [0, 20, 40, …].
fn kernel_edges_for(t_ref_ms: f64) -> Vec<f64> {
    let last = FIT_KERNEL_EDGES_MS.len() - 1;
    FIT_KERNEL_EDGES_MS
        .iter()
        .enumerate()
        .filter(|&(i, &e)| i == 0 || i == last || e > t_ref_ms + 1.0)
        .map(|(_, &e)| e)
        .collect()
}

/// Steps excluded from the subthreshold regression around each spike: 3 ms before it (the
/// upswing of a real or exponential spike, which the GIF does not model) to the end of the
/// refractory period after it (η itself describes what follows).
const GIF_EXCLUSION: Exclusion = Exclusion {
    before_spike_s: 3e-3,
    after_refractory_s: 0.0,
};

/// Fits a GIF neuron to training data: a current (nA), the recorded voltage at the same samples
/// (mV) and the recorded spike times (s), with sampling step `dt_s` (s). The kernels use
/// [`FIT_KERNEL_EDGES_MS`] (minus the bins inside the refractory period); the procedure is in
/// the module docs.
///
/// # Errors
/// [`FitError`] for invalid inputs, no spikes, too few samples, a singular regression or
/// Hessian, unphysical fitted values (C ≤ 0, g_L ≤ 0, ΔV ≤ 0: spiking that does not increase
/// with V) or a likelihood that does not converge.
pub fn fit_gif(
    current_na: &[f64],
    voltage_mv: &[f64],
    spikes_s: &[f64],
    dt_s: f64,
) -> Result<GifParams, FitError> {
    fit(current_na, voltage_mv, spikes_s, dt_s, Additions::default())
}

/// Gate time constants τ_n searched by [`fit_gif_k`], ms: 20 ms to 0.5 s, the range between
/// the membrane time constant and the slowest kernel bins.
pub const K_TAU_GRID_MS: [f64; 5] = [20.0, 50.0, 100.0, 200.0, 500.0];

/// Activation steepnesses k_n searched by [`fit_gif_k`], 1/mV: e-fold every 33 to 7 mV
/// (apayeur/GIF-K uses 0.07, an e-fold every 14 mV).
pub const K_SLOPE_GRID_PER_MV: [f64; 5] = [0.03, 0.05, 0.07, 0.1, 0.15];

/// The K reversal potential of the GIF-K fit, mV: fixed, at the default of apayeur/GIF-K.
///
/// Why fixed: fitted freely (a second regressor n, as that code base allows), E_K came out at
/// −336 and −323 mV on DRN156 (raw and compensated voltage), not a potassium reversal, while the
/// test scores stayed the same within the noise of the 5-s test halves (Md* 0.29–0.30 free,
/// 0.27–0.29 fixed; `measure_aec_on_drn`). Fixed, g_K and the gate keep a physical meaning.
pub const K_REVERSAL_MV: f64 = -100.0;

/// Fits a GIF-K neuron ([`KCurrent`]): the GIF fit with the K current's regressor
/// n·(V − E_K) (E_K = [`K_REVERSAL_MV`]) added to the subthreshold regression, for every gate
/// (τ_n, k_n) of [`K_TAU_GRID_MS`] × [`K_SLOPE_GRID_PER_MV`]; the gate with the smallest
/// residual sum of squares on dV/dt among the physical fits is kept. With coefficient a on the
/// regressor, g_K = −a·C, bounded below by 0 (a gate whose unconstrained g_K is negative
/// gets g_K = 0 and the GIF's own subthreshold fit). n is computed from the recorded voltage
/// with each action potential replaced by the reset value ([`TrainingData::reset_voltage`]),
/// so the gate sees what the model's V will do.
///
/// # Errors
/// As [`fit_gif`]; [`FitError::Unphysical`] when no gate gives a physical fit (C, g_L > 0),
/// naming the offending value of the best-fitting gate.
pub fn fit_gif_k(
    current_na: &[f64],
    voltage_mv: &[f64],
    spikes_s: &[f64],
    dt_s: f64,
) -> Result<GifParams, FitError> {
    let candidates: Vec<Current> = K_TAU_GRID_MS
        .iter()
        .flat_map(|&tau_n_ms| {
            K_SLOPE_GRID_PER_MV.iter().map(move |&n_slope_per_mv| {
                Current::K(KCurrent {
                    g_k_ns: 0.0,
                    e_k_mv: K_REVERSAL_MV,
                    n_slope_per_mv,
                    tau_n_ms,
                })
            })
        })
        .collect();
    let additions = Additions {
        currents: &candidates,
        ..Additions::default()
    };
    fit(current_na, voltage_mv, spikes_s, dt_s, additions)
}

/// The A current's kinetics in the aGIF fit, with ḡ_A = 0 and τ_h to be searched: the
/// Boltzmann steady states and E_K that Harkin et al. 2023 (eLife 12:e72951) use for dorsal-raphe
/// 5-HT neurons, fitted there to voltage-clamp recordings of I_A, as set in their code
/// (nauralcodinglab/raphegif, `grr/AugmentedGIF.py`): m_∞ = 1.61 / (1 + e^{−0.0985 (V + 23.7)}),
/// h_∞ = 1.03 / (1 + e^{0.165 (V + 59.2)}), E_K = −101 mV. Fixed: 60 s of current clamp does
/// not constrain four Boltzmann parameters beside ḡ_A (the reason the study measured them in
/// voltage clamp).
pub const A_CURRENT_KINETICS: ACurrent = ACurrent {
    g_a_ns: 0.0,
    e_k_mv: -101.0,
    m_inf: Boltzmann {
        amplitude: 1.61,
        slope_per_mv: 0.0985,
        v_half_mv: -23.7,
    },
    h_inf: Boltzmann {
        amplitude: 1.03,
        slope_per_mv: -0.165,
        v_half_mv: -59.2,
    },
    tau_h_ms: 1.0,
};

/// Inactivation time constants τ_h searched by [`fit_agif`], ms: the grid of Harkin et al.
/// 2023's fits of 5-HT neurons (nauralcodinglab/raphegif,
/// `analysis/GIF_pipeline/5HT_fit_opts.json`), 10 to 150 ms.
pub const A_TAU_GRID_MS: [f64; 10] = [10.0, 13.0, 18.0, 25.0, 33.0, 45.0, 61.0, 82.0, 111.0, 150.0];

/// Fits an aGIF neuron ([`ACurrent`]): the GIF fit with the A current's regressor
/// m_∞(V) h (V − E_K) added to the subthreshold regression (kinetics [`A_CURRENT_KINETICS`]),
/// for every τ_h of [`A_TAU_GRID_MS`]; the τ_h with the smallest residual sum of squares on
/// dV/dt among the physical fits is kept, as Harkin et al. 2023 keep the one with the largest
/// explained variance. With coefficient a on the regressor, ḡ_A = −a·C, bounded below by 0
/// as in their bounded regression: where every τ_h gives a negative unconstrained ḡ_A, the
/// fit is the GIF's with ḡ_A = 0 and the first τ_h of the grid (their line search keeps the
/// first of equal scores too). h is computed from the recorded voltage with each action
/// potential replaced by the reset value, as for the GIF-K.
///
/// # Errors
/// As [`fit_gif`]; [`FitError::Unphysical`] when no τ_h gives a physical fit (C, g_L > 0),
/// naming the offending value of the best-fitting one.
pub fn fit_agif(
    current_na: &[f64],
    voltage_mv: &[f64],
    spikes_s: &[f64],
    dt_s: f64,
) -> Result<GifParams, FitError> {
    let candidates: Vec<Current> = A_TAU_GRID_MS
        .iter()
        .map(|&tau_h_ms| {
            Current::A(ACurrent {
                tau_h_ms,
                ..A_CURRENT_KINETICS
            })
        })
        .collect();
    let additions = Additions {
        currents: &candidates,
        ..Additions::default()
    };
    fit(current_na, voltage_mv, spikes_s, dt_s, additions)
}

/// Threshold time constants τ_θ searched by [`fit_igif`], ms: the grid of Harkin et al. 2023's
/// iGIF fits of 5-HT neurons (nauralcodinglab/raphegif,
/// `analysis/GIF_pipeline/5HT_fit_opts.json`), 1 to 100 ms.
pub const THETA_TAU_GRID_MS: [f64; 7] = [1.0, 2.0, 5.0, 10.0, 22.0, 46.0, 100.0];

/// Number of voltage bins of θ_∞ in [`fit_igif`]: the default of the iGIF code Harkin et al.
/// 2023 fit with (nauralcodinglab/raphegif, `grr/iGIF.py`, `iGIF_NP.fit`).
pub const THETA_BINS: usize = 5;

/// The first bin edge of θ_∞ lies at least this far above V_reset, mV, so that θ_∞(V_reset) = 0
/// and θ cannot trade off against γ right after a spike (Mensi et al. 2016's constraint, as
/// in raphegif's `last_bin_constrained`).
const THETA_EDGE_ABOVE_RESET_MV: f64 = 0.5;

/// Fits an iGIF neuron ([`ThresholdCoupling`]; Mensi et al. 2016, PLoS Comput Biol
/// 12:e1004761): the GIF fit, with the regressors θ_r of the dynamic threshold added to the
/// threshold likelihood. The [`THETA_BINS`] voltage bins split evenly the range of the model's
/// V (recorded spikes imposed) at the recorded spikes, starting no lower than V_reset + 0.5 mV,
/// the last open above (Mensi et al. place them on the voltage distribution the same way). For
/// every τ_θ of [`THETA_TAU_GRID_MS`] the likelihood is maximised over
/// (β₀, β_V, β_γ, β_θ), concave for fixed τ_θ; the τ_θ with the highest maximum is kept, and
/// θ_∞ on bin r is −β_r/β_V.
///
/// # Errors
/// As [`fit_gif`]; [`FitError::TooLittleData`] when the model's V at the spikes spans no range
/// above V_reset + 0.5 mV; the error of the best τ_θ's likelihood when none converges.
pub fn fit_igif(
    current_na: &[f64],
    voltage_mv: &[f64],
    spikes_s: &[f64],
    dt_s: f64,
) -> Result<GifParams, FitError> {
    let additions = Additions {
        theta_taus_ms: &THETA_TAU_GRID_MS,
        ..Additions::default()
    };
    fit(current_na, voltage_mv, spikes_s, dt_s, additions)
}

/// A candidate gated current of a grid search, its conductance to be fitted.
#[derive(Clone, Debug)]
enum Current {
    /// The GIF-K's K current.
    K(KCurrent),
    /// The aGIF's A current.
    A(ACurrent),
}

impl Current {
    /// Its regressor in the dV/dt regression ([`GatedCurrent::unit_current_trace`]).
    fn unit_current_trace(&self, voltage_mv: &[f64], dt_s: f64) -> Vec<f64> {
        match self {
            Current::K(k) => k.unit_current_trace(voltage_mv, dt_s),
            Current::A(a) => a.unit_current_trace(voltage_mv, dt_s),
        }
    }

    /// Puts it, with conductance `g_ns`, into `params`.
    fn install(&self, g_ns: f64, params: &mut GifParams) {
        match self {
            Current::K(k) => {
                params.k_current = Some(KCurrent {
                    g_k_ns: g_ns,
                    ..k.clone()
                });
            }
            Current::A(a) => {
                params.a_current = Some(ACurrent {
                    g_a_ns: g_ns,
                    ..a.clone()
                });
            }
        }
    }
}

/// What a member of the family adds to the GIF, with its grids (both empty: the GIF).
#[derive(Clone, Copy, Default)]
struct Additions<'a> {
    /// A gated current in stage 1 (GIF-K, aGIF), one candidate kinetics each; empty: none.
    currents: &'a [Current],
    /// The dynamic threshold in stage 2 (iGIF), one candidate τ_θ (ms) each; empty: none.
    theta_taus_ms: &'a [f64],
}

/// The fitted subthreshold dynamics: C, g_L, E_L, η and the conductance of the added current.
struct Subthreshold {
    c_pf: f64,
    g_l_ns: f64,
    e_l_mv: f64,
    eta_pa: Vec<f64>,
    /// The added current's conductance, nS (`None` without one).
    g_added_ns: Option<f64>,
}

/// The fit of every member of the family: the GIF's two stages with `additions`.
fn fit(
    current_na: &[f64],
    voltage_mv: &[f64],
    spikes_s: &[f64],
    dt_s: f64,
    additions: Additions<'_>,
) -> Result<GifParams, FitError> {
    let data = TrainingData::new(current_na, voltage_mv, spikes_s, dt_s)?;
    let recovery = data.recovery()?;
    let Recovery {
        t_ref_s,
        v_reset_mv,
    } = recovery;
    let edges_ms = kernel_edges_for(t_ref_s * 1e3);
    let bins = KernelBins::new(&edges_ms).expect("a subset of FIT_KERNEL_EDGES_MS (unit-tested)");
    let k = bins.len();
    let counts = bins.history_counts(spikes_s, current_na.len(), dt_s);
    let mask = data.subthreshold_mask(t_ref_s, GIF_EXCLUSION);

    // Stage 1: subthreshold regression, once per candidate current.
    let (sub, current) = if additions.currents.is_empty() {
        let plain = subthreshold(&data, &mask, &counts, k, None).map_err(|(error, _)| error)?;
        (plain.0, None)
    } else {
        let reset_v = data.reset_voltage(recovery);
        let (sub, current) = best_current(&data, &mask, &counts, k, &reset_v, additions.currents)?;
        (sub, Some(current))
    };
    let mut params = GifParams {
        c_pf: sub.c_pf,
        g_l_ns: sub.g_l_ns,
        e_l_mv: sub.e_l_mv,
        v_reset_mv,
        t_ref_ms: t_ref_s * 1e3,
        v_t_star_mv: 0.0,
        delta_v_mv: 1.0,
        kernel_edges_ms: edges_ms,
        eta_pa: sub.eta_pa,
        gamma_mv: vec![0.0; k],
        k_current: None,
        a_current: None,
        threshold_coupling: None,
    };
    if let (Some(current), Some(g_ns)) = (current, sub.g_added_ns) {
        current.install(g_ns, &mut params);
    }

    // Stage 2: the model V with the recorded spikes imposed, then the escape-rate likelihood.
    let imposed = run_gif(
        &params,
        current_na,
        dt_s,
        SpikeSource::Imposed {
            steps: &data.spike_steps,
            times_s: spikes_s,
        },
    )
    .map_err(|_| FitError::Unphysical {
        field: "e_l_mv",
        value: params.e_l_mv,
        why: "the fitted subthreshold model cannot be simulated",
    })?;
    let v_model = &imposed.voltage_mv;
    let (beta, coupling) = if additions.theta_taus_ms.is_empty() {
        let observations = escape_observations(&data, v_model, &counts, k, t_ref_s, None);
        (fit_escape_rate(&observations, STAGE_2)?, None)
    } else {
        let edges = theta_edges(v_model, &data.spike_steps, v_reset_mv)?;
        let taus = additions.theta_taus_ms;
        let (beta, tau) =
            fit_threshold_coupling(&data, v_model, &counts, k, t_ref_s, &edges, taus)?;
        (beta, Some((tau, edges)))
    };
    if beta[1] <= 0.0 {
        return Err(FitError::Unphysical {
            field: "delta_v_mv",
            value: beta[1].recip(),
            why: "the spike probability must increase with V",
        });
    }
    let in_mv = |b: &f64| -b / beta[1];
    params.delta_v_mv = beta[1].recip();
    params.v_t_star_mv = in_mv(&beta[0]);
    params.gamma_mv = beta[2..2 + k].iter().map(in_mv).collect();
    params.threshold_coupling = coupling.map(|(tau_theta_ms, v_edges_mv)| ThresholdCoupling {
        tau_theta_ms,
        v_edges_mv,
        theta_inf_mv: beta[2 + k..].iter().map(in_mv).collect(),
    });
    Ok(params)
}

/// Stage 1 for each candidate current, its regressor computed on `reset_v` (the recorded voltage
/// with the action potentials replaced by the reset): the fit with the smallest residual sum
/// of squares among the physical ones (the first on ties), or the refusal of the best-fitting
/// candidate when none is physical.
fn best_current<'c>(
    data: &TrainingData<'_>,
    mask: &[bool],
    counts: &[f64],
    k: usize,
    reset_v: &[f64],
    candidates: &'c [Current],
) -> Result<(Subthreshold, &'c Current), FitError> {
    let mut best: Option<(Subthreshold, &Current, f64)> = None;
    let mut best_refused: Option<(FitError, f64)> = None;
    for candidate in candidates {
        let added = candidate.unit_current_trace(reset_v, data.dt_s);
        match subthreshold(data, mask, counts, k, Some(&added)) {
            Ok((fit, rss)) if best.as_ref().is_none_or(|(_, _, b)| rss < *b) => {
                best = Some((fit, candidate, rss));
            }
            Ok(_) => {}
            Err((error, rss)) if best_refused.as_ref().is_none_or(|(_, b)| rss < *b) => {
                best_refused = Some((error, rss));
            }
            Err(_) => {}
        }
    }
    match (best, best_refused) {
        (Some((fit, candidate, _)), _) => Ok((fit, candidate)),
        (None, Some((error, _))) => Err(error),
        (None, None) => unreachable!("the candidate grids are not empty"),
    }
}

/// The stage-2 name in errors.
const STAGE_2: &str = "GIF threshold likelihood";

/// The lower edges of the [`THETA_BINS`] bins of θ_∞, mV: the range of the model's V at the
/// spike steps, from no lower than V_reset + [`THETA_EDGE_ABOVE_RESET_MV`], split evenly.
fn theta_edges(
    v_model: &[f64],
    spike_steps: &[usize],
    v_reset_mv: f64,
) -> Result<Vec<f64>, FitError> {
    let at_spikes = spike_steps.iter().map(|&n| v_model[n]);
    let v_max = at_spikes.clone().fold(f64::NEG_INFINITY, f64::max);
    let v_min = at_spikes
        .fold(f64::INFINITY, f64::min)
        .max(v_reset_mv + THETA_EDGE_ABOVE_RESET_MV);
    if v_max.is_nan() || v_max <= v_min {
        return Err(FitError::TooLittleData {
            stage: "iGIF threshold bins",
            unit: "spikes with the model's V above V_reset + 0.5 mV",
            needed: 2,
            got: usize::from(v_max > v_min),
        });
    }
    let width = (v_max - v_min) / THETA_BINS as f64;
    Ok((0..THETA_BINS).map(|r| v_min + r as f64 * width).collect())
}

/// Stage 2 of the iGIF: the likelihood with the θ regressors of lower edges `edges` for every τ_θ
/// of `taus` (ms); returns the β of the highest maximum and its τ_θ.
fn fit_threshold_coupling(
    data: &TrainingData<'_>,
    v_model: &[f64],
    counts: &[f64],
    k: usize,
    t_ref_s: f64,
    edges: &[f64],
    taus: &[f64],
) -> Result<(Vec<f64>, f64), FitError> {
    let mut best: Option<(Vec<f64>, f64, f64)> = None;
    let mut first_error = None;
    for &tau_theta_ms in taus {
        let theta =
            threshold_bin_traces(edges, tau_theta_ms, v_model, &data.spike_steps, data.dt_s);
        let observations = escape_observations(
            data,
            v_model,
            counts,
            k,
            t_ref_s,
            Some((&theta, edges.len())),
        );
        match fit_escape_rate(&observations, STAGE_2) {
            Ok(beta) => {
                let log_likelihood = observations.log_likelihood(&beta);
                if best.as_ref().is_none_or(|(_, _, l)| log_likelihood > *l) {
                    best = Some((beta, tau_theta_ms, log_likelihood));
                }
            }
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    match (best, first_error) {
        (Some((beta, tau, _)), _) => Ok((beta, tau)),
        (None, Some(error)) => Err(error),
        (None, None) => unreachable!("the τ_θ grid is not empty"),
    }
}

/// Stage 1: regression of dV/dt on [1, V, I, X₁ … X_K] and, with an `added` current (its
/// regressor, the current per unit conductance in mV), that regressor, over the `usable` steps.
/// The added conductance is bounded below by 0, as Harkin et al. 2023 bound theirs
/// (`scipy.optimize.lsq_linear`): when the unconstrained coefficient gives g ≤ 0, the
/// constrained optimum lies on the bound (the problem is convex with one bound), which is the
/// fit without the current, with g = 0. Returns the fit and its residual sum of squares
/// ((mV/ms)²), or the reason it is refused with that sum (∞ when the regression could not be
/// solved), so a grid search can report the best-fitting refusal.
fn subthreshold(
    data: &TrainingData<'_>,
    usable: &[bool],
    counts: &[f64],
    k: usize,
    added: Option<&[f64]>,
) -> Result<(Subthreshold, f64), (FitError, f64)> {
    const STAGE: &str = "GIF subthreshold regression";
    let p = 3 + k + usize::from(added.is_some());
    let dt_ms = data.dt_s * 1e3;
    let (v, i) = (data.voltage_mv, data.current_na);
    let mut ls = LeastSquares::new(p);
    let mut row = vec![0.0; p];
    for (n, _) in usable.iter().enumerate().filter(|(_, u)| **u) {
        row[0] = 1.0;
        row[1] = v[n];
        row[2] = i[n] * 1e3;
        row[3..3 + k].copy_from_slice(&counts[n * k..(n + 1) * k]);
        if let Some(unit_current) = added {
            row[3 + k] = unit_current[n];
        }
        ls.add(&row, (v[n + 1] - v[n]) / dt_ms);
    }
    let min_rows = 10 * p;
    if ls.rows() < min_rows {
        let error = FitError::TooLittleData {
            stage: STAGE,
            unit: "samples away from spikes",
            needed: min_rows,
            got: ls.rows(),
        };
        return Err((error, f64::INFINITY));
    }
    let (c, rss) = ls
        .solve_with_rss()
        .ok_or((FitError::Singular { stage: STAGE }, f64::INFINITY))?;
    let refuse = |field, value, why| Err((FitError::Unphysical { field, value, why }, rss));
    if c[2] <= 0.0 {
        return refuse(
            "c_pf",
            c[2].recip(),
            "dV/dt must increase with the injected current",
        );
    }
    let c_pf = c[2].recip();
    let g_l_ns = -c[1] * c_pf;
    if g_l_ns <= 0.0 {
        return refuse(
            "g_l_ns",
            g_l_ns,
            "dV/dt must decrease with V (a positive leak)",
        );
    }
    let e_l_mv = c[0] * c_pf / g_l_ns;
    let g_added_ns = match added {
        None => None,
        Some(_) => {
            let g_ns = -c[3 + k] * c_pf;
            if g_ns <= 0.0 {
                let (bounded, rss) = subthreshold(data, usable, counts, k, None)?;
                let g_added_ns = Some(0.0);
                return Ok((
                    Subthreshold {
                        g_added_ns,
                        ..bounded
                    },
                    rss,
                ));
            }
            Some(g_ns)
        }
    };
    let fit = Subthreshold {
        c_pf,
        g_l_ns,
        e_l_mv,
        eta_pa: c[3..3 + k].iter().map(|c_k| -c_k * c_pf).collect(),
        g_added_ns,
    };
    Ok((fit, rss))
}

/// The escape-rate observations of the imposed-spike model: regressors [1, V, X₁ … X_K] and,
/// with `theta` (the R traces of [`threshold_bin_traces`], row-major, and R), θ₁ … θ_R, on
/// every free step of the recorded spike train.
fn escape_observations(
    data: &TrainingData<'_>,
    v_model: &[f64],
    counts: &[f64],
    k: usize,
    t_ref_s: f64,
    theta: Option<(&[f64], usize)>,
) -> EscapeObservations {
    let r = theta.map_or(0, |(_, r)| r);
    let mut observations = EscapeObservations::new(2 + k + r);
    let mut x = vec![0.0; 2 + k + r];
    x[0] = 1.0;
    for step in free_steps(data.spikes_s, v_model.len(), data.dt_s, t_ref_s) {
        let n = step.step;
        x[1] = v_model[n];
        x[2..2 + k].copy_from_slice(&counts[n * k..(n + 1) * k]);
        if let Some((traces, _)) = theta {
            x[2 + k..].copy_from_slice(&traces[n * r..(n + 1) * r]);
        }
        observations.push(&x, step.exposure_s, step.spike);
    }
    observations
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fit_basis_is_valid_and_adapts_to_the_refractory_period() {
        assert_eq!(KernelBins::new(&FIT_KERNEL_EDGES_MS).unwrap().len(), 8);
        assert_eq!(kernel_edges_for(2.0), FIT_KERNEL_EDGES_MS.to_vec());
        assert_eq!(
            kernel_edges_for(4.0),
            [0.0, 10.0, 20.0, 40.0, 80.0, 160.0, 320.0, 640.0]
        );
        assert_eq!(
            kernel_edges_for(12.5),
            [0.0, 20.0, 40.0, 80.0, 160.0, 320.0, 640.0]
        );
        assert_eq!(kernel_edges_for(1000.0), [0.0, 640.0]);
        assert!(KernelBins::new(&kernel_edges_for(1000.0)).is_ok());
    }
}
