//! The injected-current family's trials: OU stimuli and the responses of its AdEx neuron.
//!
//! Seeds: training stimulus `i` uses `derive_seed(train.seed, "train-stimulus", i)` and its
//! repeat `k` uses `derive_seed(derive_seed(train.seed, "train-response", i), "repeat", k)`; test
//! trials the same with the hidden seed and `test-` labels. The reference baseline and live
//! evaluation run the same two functions, [`ou_stimulus`] and [`adex_responses`], so the ground
//! truth, the reference and every live trial come from one generator.

use arena_challenge_core::assembly::{Assembly, Responses, split_seed};
use arena_challenge_core::dispatch::FamilyDispatch;
use arena_challenge_core::generated::{GenerateError, GeneratedChallenge};
use arena_challenge_core::manifest::Manifest;
use arena_challenge_core::trial::Split;
use arena_neuron::point::{AdExParams, simulate_adex};
use arena_neuron::rng::derive_seed;
use arena_neuron::stimulus::{OuCurrentRecipe, ou_current};

/// The generator of an injected-current challenge: its neuron and its stimulus recipe.
#[derive(Clone, Copy, Debug)]
pub struct OuAdex<'a> {
    /// `[cell]`: the AdEx neuron with its intrinsic noise.
    pub params: &'a AdExParams,
    /// `[stimulus]`: the OU current recipe.
    pub recipe: &'a OuCurrentRecipe,
}

impl OuAdex<'_> {
    /// Every trial and file of the challenge of `manifest` ([`Assembly`] lays them out).
    ///
    /// # Errors
    /// [`GenerateError`] when the neuron crate refuses the recipe or the parameters.
    pub fn challenge<F: FamilyDispatch>(
        &self,
        manifest: &Manifest<F>,
        hidden_seed: u64,
    ) -> Result<GeneratedChallenge<F>, GenerateError> {
        let dt_s = manifest.sampling.dt_s;
        let mut assembly = Assembly::default();
        for split in [Split::Train, Split::Test] {
            let label = split.as_str();
            let shape = manifest.split_shape(split);
            let seed = split_seed(manifest, split, hidden_seed)?;
            let made = (0..shape.trials)
                .map(|i| {
                    let stimulus = ou_stimulus(
                        self.recipe,
                        shape.duration_s,
                        dt_s,
                        derive_seed(seed, &format!("{label}-stimulus"), i as u64),
                    )?;
                    let response_seed = derive_seed(seed, &format!("{label}-response"), i as u64);
                    let responses =
                        adex_responses(self.params, &stimulus, dt_s, response_seed, shape.repeats)?;
                    Ok((stimulus, responses))
                })
                .collect::<Result<Vec<_>, GenerateError>>()?;
            assembly.add_stimulus_trials(manifest, split, made);
        }
        Ok(assembly.finish(manifest, hidden_seed))
    }
}

/// The stimulus of one trial of `duration_s`: the recipe's OU current, nA per `dt_s`.
///
/// # Errors
/// [`GenerateError::Stimulus`] when the recipe is refused.
pub fn ou_stimulus(
    recipe: &OuCurrentRecipe,
    duration_s: f64,
    dt_s: f64,
    seed: u64,
) -> Result<Vec<f64>, GenerateError> {
    ou_current(recipe, duration_s, dt_s, seed).map_err(|e| GenerateError::Stimulus(e.to_string()))
}

/// `repeats` responses of the AdEx neuron `params` to one frozen stimulus (nA per `dt_s`):
/// voltage traces (mV) and spike trains (s), repeat `k` seeded by `derive_seed(seed, "repeat",
/// k)`.
///
/// # Errors
/// [`GenerateError::Cell`] when the neuron refuses its parameters or the input.
pub fn adex_responses(
    params: &AdExParams,
    stimulus_na: &[f64],
    dt_s: f64,
    seed: u64,
    repeats: u32,
) -> Result<Responses, GenerateError> {
    let mut out = Responses::default();
    for k in 0..repeats {
        let r = simulate_adex(
            params,
            stimulus_na,
            dt_s,
            derive_seed(seed, "repeat", k as u64),
        )
        .map_err(|e| GenerateError::Cell(e.to_string()))?;
        out.voltage_mv.push(r.voltage_mv);
        out.spikes_s.push(r.spikes_s);
    }
    Ok(out)
}
