//! PSP kernels and distance bins: the fixed shapes and groupings the regression weights act on.
//! Why separate: they are the model's vocabulary, shared by the fit, the prediction and the
//! drive recursion ([`super::drive`]), and they carry their own validation.

use super::DendriticFitError;
use crate::families::dendritic::recipe::Receptors;
use arena_neuron::stimulus::{InvalidValue, Requirement};

/// A peak-normalised difference of exponentials, κ(t) = f·(e^{−t/τ_slow} − e^{−t/τ_fast}) for
/// t ≥ 0 (0 before), with f chosen so that max κ = 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PspKernel {
    /// The slower time constant, ms.
    pub tau_slow_ms: f64,
    /// The faster time constant, ms.
    pub tau_fast_ms: f64,
    /// f, the peak normalisation (dimensionless).
    pub scale: f64,
}

impl PspKernel {
    /// The kernel with time constants `tau_a_ms` and `tau_b_ms` (either order).
    ///
    /// # Formula
    /// Peak at t_p = τ_s·τ_f/(τ_s − τ_f)·ln(τ_s/τ_f); f = 1/(e^{−t_p/τ_s} − e^{−t_p/τ_f}).
    ///
    /// # Errors
    /// [`DendriticFitError::Invalid`] unless both are > 0, and
    /// [`DendriticFitError::Mismatch`] if they are equal (the difference vanishes; choose
    /// another membrane time constant).
    pub fn new(tau_a_ms: f64, tau_b_ms: f64) -> Result<Self, DendriticFitError> {
        Self::with_option("membrane_tau_ms", tau_a_ms, tau_b_ms)
    }

    /// [`PspKernel::new`] with `tau_b_ms` taken from the fit option named `option` (named in
    /// the error when the two time constants are equal).
    fn with_option(option: &str, tau_a_ms: f64, tau_b_ms: f64) -> Result<Self, DendriticFitError> {
        InvalidValue::check("tau_a_ms", Requirement::Positive, tau_a_ms)?;
        InvalidValue::check("tau_b_ms", Requirement::Positive, tau_b_ms)?;
        let (slow, fast) = (tau_a_ms.max(tau_b_ms), tau_a_ms.min(tau_b_ms));
        if slow / fast - 1.0 < 1e-6 {
            return Err(DendriticFitError::Mismatch {
                field: option.into(),
                problem: format!(
                    "equals a receptor's tau_decay_ms ({slow} ms); the kernel needs two \
                     different time constants"
                ),
            });
        }
        let t_peak = slow * fast / (slow - fast) * (slow / fast).ln();
        let scale = 1.0 / ((-t_peak / slow).exp() - (-t_peak / fast).exp());
        Ok(Self {
            tau_slow_ms: slow,
            tau_fast_ms: fast,
            scale,
        })
    }

    /// κ(t) for t in ms (0 for t < 0).
    pub fn value(&self, t_ms: f64) -> f64 {
        if t_ms < 0.0 {
            return 0.0;
        }
        self.scale * ((-t_ms / self.tau_slow_ms).exp() - (-t_ms / self.tau_fast_ms).exp())
    }
}

/// The PSP kernel of each receptor type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PspKernels {
    /// AMPA: its `tau_decay_ms` and τ_m.
    pub ampa: PspKernel,
    /// NMDA: its `tau_decay_ms` and τ_m.
    pub nmda: PspKernel,
    /// GABA_A: its `tau_decay_ms` and τ_m.
    pub gaba_a: PspKernel,
    /// The trigger kernel of every excitatory event (AMPA and NMDA weight alike): AMPA's
    /// `tau_decay_ms` and the trigger time constant τ_T (module docs).
    pub trigger: PspKernel,
}

impl PspKernels {
    /// The kernels of the recipe's receptors with membrane time constant `membrane_tau_ms`
    /// and trigger time constant `trigger_tau_ms`.
    ///
    /// # Errors
    /// As [`PspKernel::new`], naming the option that equals a receptor's decay.
    pub fn from_receptors(
        receptors: &Receptors,
        membrane_tau_ms: f64,
        trigger_tau_ms: f64,
    ) -> Result<Self, DendriticFitError> {
        InvalidValue::check("membrane_tau_ms", Requirement::Positive, membrane_tau_ms)?;
        InvalidValue::check("trigger_tau_ms", Requirement::Positive, trigger_tau_ms)?;
        Ok(Self {
            ampa: PspKernel::new(receptors.ampa.tau_decay_ms, membrane_tau_ms)?,
            nmda: PspKernel::new(receptors.nmda.tau_decay_ms, membrane_tau_ms)?,
            gaba_a: PspKernel::new(receptors.gaba_a.tau_decay_ms, membrane_tau_ms)?,
            trigger: PspKernel::with_option(
                "trigger_tau_ms",
                receptors.ampa.tau_decay_ms,
                trigger_tau_ms,
            )?,
        })
    }

    /// The kernel of each receptor (AMPA, NMDA, GABA_A) for the voltage drive.
    pub(super) fn voltage(&self) -> [Option<PspKernel>; 3] {
        [Some(self.ampa), Some(self.nmda), Some(self.gaba_a)]
    }

    /// The kernel of each receptor for the trigger drive: excitatory events only.
    pub(super) fn trigger(&self) -> [Option<PspKernel>; 3] {
        [Some(self.trigger), Some(self.trigger), None]
    }
}

/// Path-distance bins: edges e_0 = 0 < e_1 < … < e_{m−1}, µm; bin i is [e_i, e_{i+1}) and the
/// last bin [e_{m−1}, ∞).
#[derive(Debug, Clone, PartialEq)]
pub struct DistanceBins {
    /// The lower edges, µm.
    pub edges_um: Vec<f64>,
}

impl DistanceBins {
    /// Bins with lower edges `edges_um` (field named `field` in errors).
    ///
    /// # Errors
    /// [`DendriticFitError::Mismatch`] unless the edges start at 0, are finite and strictly
    /// increase.
    pub fn new(field: &str, edges_um: &[f64]) -> Result<Self, DendriticFitError> {
        let ok = edges_um.first() == Some(&0.0)
            && edges_um.iter().all(|e| e.is_finite())
            && edges_um.windows(2).all(|w| w[1] > w[0]);
        if !ok {
            return Err(DendriticFitError::Mismatch {
                field: field.into(),
                problem: format!(
                    "{edges_um:?}: edges must start at 0, be finite and strictly increase"
                ),
            });
        }
        Ok(Self {
            edges_um: edges_um.to_vec(),
        })
    }

    /// Number of bins.
    pub fn len(&self) -> usize {
        self.edges_um.len()
    }

    /// Always false (a valid set of bins has at least one).
    pub fn is_empty(&self) -> bool {
        self.edges_um.is_empty()
    }

    /// The bin of path distance `distance_um` (negative distances count as 0).
    pub fn bin(&self, distance_um: f64) -> usize {
        self.edges_um
            .iter()
            .rposition(|&e| distance_um >= e)
            .unwrap_or(0)
    }
}
