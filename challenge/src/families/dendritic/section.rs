//! The dendritic family's sections, `[cell] model = "cable-swc"` and `[effect]` (its
//! `[stimulus]` is [`super::recipe::DendriticRecipe`]), their checks, and what the public view of
//! a manifest leaves out of them.

use arena_challenge_core::dispatch::FamilyDispatch;
use arena_challenge_core::manifest::{Manifest, ManifestError, invalid, positive};
use serde::{Deserialize, Serialize};

use super::recipe::DendriticRecipe;
use super::simulate::Sampling;

/// `[cell]` with `model = "cable-swc"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CableSwc {
    /// The morphology, an entry of `files` (SWC; NEURON's Import3d conventions).
    pub swc: String,
    /// The biophysics, an entry of `files` (JSON, [`super::Biophysics`]).
    pub biophysics: String,
    /// Seed of the synapse placement (public: the synapse table is given to contestants).
    pub synapse_seed: u64,
    /// Integration step, ms (NEURON's default 0.025); `sampling.dt_s` must be a whole
    /// multiple of it.
    #[serde(default = "default_cable_dt_ms")]
    pub dt_ms: f64,
    /// Spikes are upward crossings of this somatic potential, mV.
    #[serde(default)]
    pub spike_threshold_mv: f64,
}

fn default_cable_dt_ms() -> f64 {
    0.025
}

/// `[effect]`: the check that a dendritic dataset's clusters matter
/// ([`super::check_effect`] over the test trials).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EffectSection {
    /// Significance level of each of the two paired tests (clustered vs each control).
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// Length of the paired units the spike counts are compared over, seconds.
    #[serde(default = "default_segment_s")]
    pub segment_s: f64,
}

fn default_alpha() -> f64 {
    0.05
}

fn default_segment_s() -> f64 {
    0.5
}

impl Default for EffectSection {
    fn default() -> Self {
        EffectSection {
            alpha: default_alpha(),
            segment_s: default_segment_s(),
        }
    }
}

/// Checks a dendritic-input manifest's own sections: the cell's files and step where `[cell]`
/// (`cable`) is present, the recipe's generator keys present with it and absent without it, the
/// recipe's values and the effect check's settings.
///
/// # Errors
/// [`ManifestError::Invalid`] naming the first key at fault.
pub fn check<F: FamilyDispatch>(
    manifest: &Manifest<F>,
    cable: Option<&CableSwc>,
    recipe: &DendriticRecipe,
    effect: Option<&EffectSection>,
) -> Result<(), ManifestError> {
    match cable {
        Some(cable) => {
            check_cable(manifest, cable)?;
            recipe
                .synaptic()
                .map_err(|e| invalid("stimulus", e.to_string()))?;
        }
        _ if !recipe.is_public_view() => {
            return Err(invalid(
                "stimulus",
                "holds receptor kinetics, synaptic weights or intrinsic noise without \
                 [cell]: the public view leaves the whole generator out",
            ));
        }
        _ => {}
    }
    recipe
        .validate()
        .map_err(|e| invalid("stimulus", e.to_string()))?;
    let effect = effect.cloned().unwrap_or_default();
    if !(effect.alpha > 0.0 && effect.alpha < 1.0) {
        return Err(invalid("effect.alpha", "must lie in (0, 1)"));
    }
    positive("effect.segment_s", effect.segment_s)?;
    if effect.segment_s > manifest.test.duration_s {
        return Err(invalid(
            "effect.segment_s",
            format!(
                "is longer than a test trial ({} s): no unit to compare",
                manifest.test.duration_s
            ),
        ));
    }
    Ok(())
}

/// `[cell]` of a dendritic challenge: its files are data files, its step divides the
/// sampling step.
fn check_cable<F: FamilyDispatch>(
    manifest: &Manifest<F>,
    cable: &CableSwc,
) -> Result<(), ManifestError> {
    for (key, file) in [
        ("cell.swc", &cable.swc),
        ("cell.biophysics", &cable.biophysics),
    ] {
        if !manifest.files.contains(file) {
            return Err(invalid(
                key,
                format!("{file:?} must be an entry of `files`"),
            ));
        }
    }
    positive("cell.dt_ms", cable.dt_ms)?;
    if !cable.spike_threshold_mv.is_finite() {
        return Err(invalid("cell.spike_threshold_mv", "must be finite"));
    }
    let ratio = manifest.sampling.dt_s * 1e3 / cable.dt_ms;
    if ratio < 1.0 - 1e-9 || (ratio - ratio.round()).abs() > 1e-6 {
        return Err(invalid(
            "sampling.dt_s",
            format!(
                "must be a whole multiple of cell.dt_ms = {} ms for a dendritic challenge",
                cable.dt_ms
            ),
        ));
    }
    Ok(())
}

impl CableSwc {
    /// The data files the generator reads: the morphology and the biophysics.
    pub fn files(&self) -> [&str; 2] {
        [&self.swc, &self.biophysics]
    }

    /// The cell's time step and spike threshold, its voltage sampled every `sample_dt_s`
    /// (`sampling.dt_s`).
    pub fn sampling(&self, sample_dt_s: f64) -> Sampling {
        Sampling {
            dt_ms: self.dt_ms,
            sample_dt_ms: sample_dt_s * 1e3,
            threshold_mv: self.spike_threshold_mv,
        }
    }
}

/// What the public view of a dendritic manifest leaves out beyond `[cell]`: the biophysics file
/// in `files` and the receptor kinetics, synaptic weights and intrinsic noise in `[stimulus]`
/// ([`DendriticRecipe::public_view`]).
pub fn hide_generator(
    files: &mut Vec<String>,
    cable: Option<&CableSwc>,
    recipe: &mut DendriticRecipe,
) {
    if let Some(cable) = cable {
        files.retain(|f| *f != cable.biophysics);
    }
    *recipe = recipe.public_view();
}
