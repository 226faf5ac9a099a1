//! A recorded challenge's trials and files: every split cut from its `[recording]` file, and the
//! electrode-calibration recording, where there is one, as two public files.

use arena_challenge_core::assembly::Assembly;
use arena_challenge_core::dispatch::FamilyDispatch;
use arena_challenge_core::generated::{DataFiles, GenerateError, GeneratedChallenge, Visibility};
use arena_challenge_core::hash::sha256_hex;
use arena_challenge_core::manifest::Manifest;
use arena_challenge_core::trial::Split;

use super::aec::AecRecording;
use super::cut::{Cut, cut};
use super::section::{RecordedFile, Recording};

/// Generates a recorded challenge: each split's trials cut from its recording found in `data`
/// ([`cut`]), whose SHA-256 must match the manifest's where it gives one; a `[recording.aec]`
/// recording becomes two public challenge files ([`AecRecording::to_files`]). The hidden seed
/// only draws the public part of the test segments.
///
/// # Errors
/// [`GenerateError`] when a recording is missing, has the wrong checksum or cannot be cut as
/// declared.
pub fn cut_challenge<F: FamilyDispatch>(
    manifest: &Manifest<F>,
    recording: &Recording,
    hidden_seed: u64,
    data: &DataFiles,
) -> Result<GeneratedChallenge<F>, GenerateError> {
    let mut assembly = Assembly::default();
    for split in [Split::Train, Split::Test] {
        let spec = match split {
            Split::Train => &recording.train,
            Split::Test => &recording.test,
        };
        let shape = manifest.split_shape(split);
        let made = cut(
            spec,
            recording_bytes(spec, data)?,
            Cut {
                trials: shape.trials,
                duration_s: shape.duration_s,
                repeats: shape.repeats,
                dt_s: manifest.sampling.dt_s,
                threshold_mv: recording.spike_threshold_mv,
            },
        )?
        .into_iter()
        .map(|t| (t.stimulus_na, t.responses))
        .collect();
        assembly.add_stimulus_trials(manifest, split, made);
    }
    if let Some(spec) = &recording.aec {
        let aec =
            AecRecording::from_abf(spec, recording_bytes(spec, data)?, manifest.sampling.dt_s)?;
        for (name, bytes) in aec.to_files() {
            assembly.add_file(name.into(), Visibility::Public, bytes);
        }
    }
    Ok(assembly.finish(manifest, hidden_seed))
}

/// The bytes of the recording `spec` names, checked against its pinned SHA-256 if it has one.
fn recording_bytes<'a>(
    spec: &RecordedFile,
    data: &'a DataFiles,
) -> Result<&'a [u8], GenerateError> {
    let bytes = data
        .get(&spec.file)
        .ok_or_else(|| GenerateError::MissingFile(spec.file.clone()))?;
    if let Some(expected) = &spec.sha256 {
        let actual = sha256_hex(bytes);
        if &actual != expected {
            return Err(GenerateError::Recording {
                file: spec.file.clone(),
                problem: format!("SHA-256 is {actual}, the manifest pins {expected}"),
            });
        }
    }
    Ok(bytes)
}
