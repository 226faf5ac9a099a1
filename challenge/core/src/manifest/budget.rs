//! The work budget of a manifest: how much a challenge may make the server generate and hold,
//! checked when the manifest is read, before anything is allocated.
//!
//! Why here. Every family turns the splits' shape into traces the server generates in memory,
//! stores and serves: per trial one stimulus and one voltage trace per repeat, each of
//! `duration_s / dt_s` samples (a dendritic trial's stimulus is an event table, smaller than
//! a trace; a recorded challenge's traces are cut from its upload). The count below bounds
//! that from above for every family, so one check refuses `dt_s = 1e-12` and `trials = 10⁹`
//! alike, naming the key and the limit, and each key within its own range cannot add up to
//! more either.

use super::{FamilySections, Manifest, ManifestError, invalid};
use crate::trial::{Condition, Split};

/// The finest sampling step, seconds (1 MHz: a hundred times finer than the 10 kHz stimuli of
/// the shipped challenges; below it the count of samples, not physiology, is what changes).
pub const MIN_DT_S: f64 = 1e-6;

/// Most samples the generated traces of one challenge hold, both splits together: per trial,
/// the stimulus and a voltage trace per repeat, `duration_s / dt_s` samples each. 5·10⁷ samples
/// are 400 MB as 64-bit floats, about what one challenge may take of a server's memory while it
/// is generated; the shipped challenges hold at most 4.4·10⁶.
pub const MAX_SAMPLES: u64 = 50_000_000;

/// Bytes per generated sample (a 64-bit float), as limits are stated in bytes.
pub const SAMPLE_BYTES: u64 = 8;

/// The longest `live.answer_deadline_s`, seconds: ten minutes to answer one chunk is far beyond
/// any model's need and keeps a session's waits in the range a `Duration` holds.
pub const MAX_ANSWER_DEADLINE_S: f64 = 600.0;

/// The trials one split makes: its `trials`, times the conditions of a paired family
/// ([`FamilySections::paired`]).
pub fn split_trials<F: FamilySections>(manifest: &Manifest<F>, split: Split) -> u64 {
    let per_unit = match (F::paired(manifest), split) {
        (false, _) => 1,
        (true, Split::Train) => manifest.train_conditions().len(),
        (true, Split::Test) => Condition::ALL.len(),
    };
    u64::from(manifest.split_shape(split).trials) * per_unit as u64
}

/// The most live evaluations a team may run at once on one challenge (`live.max_concurrent`):
/// each simulates its trials' ground truth on the server's shared compute pool.
pub const MAX_CONCURRENT_LIVE: u32 = 16;

/// The samples one split's traces hold: trials made ([`split_trials`]) × (1 stimulus +
/// repeats) × samples per trace. Counted in `f64`: no product of a manifest's keys overflows
/// it.
pub fn split_samples<F: FamilySections>(manifest: &Manifest<F>, split: Split) -> f64 {
    let shape = manifest.split_shape(split);
    let per_trace = (shape.duration_s / manifest.sampling.dt_s).round();
    split_trials(manifest, split) as f64 * (1.0 + f64::from(shape.repeats)) * per_trace
}

impl<F: FamilySections> Manifest<F> {
    /// Refuses a challenge whose traces would hold more than [`MAX_SAMPLES`], naming the split
    /// with the larger share (its trials, repeats and duration are the keys to lower) and the
    /// limit. Runs after the durations and `sampling.dt_s` were checked.
    pub(super) fn check_budget(&self) -> Result<(), ManifestError> {
        let train = split_samples(self, Split::Train);
        let test = split_samples(self, Split::Test);
        let total = train + test;
        if total <= MAX_SAMPLES as f64 {
            return Ok(());
        }
        let (key, split, samples) = if train >= test {
            ("train", Split::Train, train)
        } else {
            ("test", Split::Test, test)
        };
        let shape = self.split_shape(split);
        Err(invalid(
            key,
            format!(
                "makes {trials} trials × (1 stimulus + {repeats} repeats) × ({duration} s / \
                 {dt} s) = {samples:.3e} samples to generate ({total:.3e} with the other split); \
                 the limit is {MAX_SAMPLES} samples ({} MB) per challenge: lower `{key}.trials`, \
                 `{key}.repeats` or `{key}.duration_s`, or raise `sampling.dt_s`",
                MAX_SAMPLES * SAMPLE_BYTES / 1_000_000,
                trials = split_trials(self, split),
                repeats = shape.repeats,
                duration = shape.duration_s,
                dt = self.sampling.dt_s,
            ),
        ))
    }
}
