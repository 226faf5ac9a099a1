//! The checks of the injected-current family's sections.

use arena_challenge_core::dispatch::FamilyDispatch;
use arena_challenge_core::manifest::{Manifest, ManifestError, invalid, positive};
use arena_neuron::stimulus::OuCurrentRecipe;

/// Checks a simulated injected-current manifest's own sections: no `[effect]` (a dendritic
/// family's check) and an OU recipe with a positive correlation time and at least one segment of
/// positive duration, finite mean and finite non-negative standard deviation.
///
/// # Errors
/// [`ManifestError::Invalid`] naming the first key at fault.
pub fn check<F: FamilyDispatch>(
    manifest: &Manifest<F>,
    recipe: &OuCurrentRecipe,
) -> Result<(), ManifestError> {
    if manifest.effect.is_some() {
        return Err(invalid("effect", "is only for kind = \"dendritic-input\""));
    }
    positive("stimulus.tau_s", recipe.tau_s)?;
    if recipe.segments.is_empty() {
        return Err(invalid(
            "stimulus.segments",
            "must list at least one segment",
        ));
    }
    for seg in &recipe.segments {
        positive("stimulus.segments.duration_s", seg.duration_s)?;
        if !seg.mean_na.is_finite() {
            return Err(invalid("stimulus.segments.mean_na", "must be finite"));
        }
        if !(seg.std_na.is_finite() && seg.std_na >= 0.0) {
            return Err(invalid(
                "stimulus.segments.std_na",
                "must be finite and ≥ 0",
            ));
        }
    }
    Ok(())
}
