//! `[recording]`: the recorded family's section, and the checks of a recorded manifest.

use arena_challenge_core::dispatch::FamilyDispatch;
use arena_challenge_core::manifest::{Manifest, ManifestError, invalid};
use serde::{Deserialize, Serialize};

/// `[recording]`: how a recorded challenge's trials are read from its ABF2 files.
///
/// Each file's sweeps are the repeats of one frozen stimulus; the split's `trials` consecutive
/// pieces of `duration_s` are cut from every sweep (what is left at the end is not used). The
/// membrane potential is the channel in mV, the injected current the channel in pA or nA: units
/// are set by the amplifier telegraph, channel names are typed by hand and can be wrong (they are
/// in the shipped DRN files). The stimulus of a piece is the mean injected current over sweeps
/// (the same frozen command, so the mean only removes measurement noise) plus the offset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recording {
    /// Spikes are upward crossings of this potential, mV (Pozzorini et al. 2015 use 0 mV).
    #[serde(default)]
    pub spike_threshold_mv: f64,
    /// The training recording; its `file` is an entry of `files` (public).
    pub train: RecordedFile,
    /// The test recording; its `file` is an entry of `hidden_files`.
    pub test: RecordedFile,
    /// The electrode-calibration recording (`[recording.aec]`, optional): one subthreshold
    /// sweep under a fluctuating current, from which active electrode compensation (Badel et al.
    /// 2008, J Neurophysiol 99:656) estimates the electrode kernel; its `file` is an entry of
    /// `files` (public). With it, the point baselines fit on the compensated training voltage
    /// ([`super::aec::AecRecording`]).
    #[serde(default)]
    pub aec: Option<RecordedFile>,
}

/// `[recording.train]`, `[recording.test]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedFile {
    /// The ABF2 file.
    pub file: String,
    /// Added to the recorded current, pA (e.g. a holding offset the data's authors name).
    #[serde(default)]
    pub current_offset_pa: f64,
    /// Lower-case hex SHA-256 the file must have, checked when the challenge is created.
    #[serde(default)]
    pub sha256: Option<String>,
}

/// Checks a recorded manifest's own keys: nothing of a generating model (`publish`, `[cell]`,
/// `[stimulus]`, `train.seed`), kind `injected-current` (`injected`: whether the manifest's kind
/// is, as the dispatch tells), no `[effect]`, and a `[recording]` whose training and AEC files are
/// public data files, whose test file is a hidden one, with finite offsets and well-formed
/// checksums.
///
/// # Errors
/// [`ManifestError::Invalid`] naming the first key at fault.
pub fn check<F: FamilyDispatch>(
    manifest: &Manifest<F>,
    recording: Option<&Recording>,
    injected: bool,
) -> Result<(), ManifestError> {
    let only_simulated = "is only for source = \"simulated\" (a recording has no generating model)";
    if !manifest.publish.is_empty() {
        return Err(invalid("publish", only_simulated));
    }
    if manifest.cell.is_some() {
        return Err(invalid("cell", only_simulated));
    }
    if manifest.stimulus.is_some() {
        return Err(invalid("stimulus", only_simulated));
    }
    if !injected {
        return Err(invalid(
            "kind",
            "recorded challenges are \"injected-current\" (no recorded dendritic dataset is supported)",
        ));
    }
    if manifest.effect.is_some() {
        return Err(invalid("effect", "is only for kind = \"dendritic-input\""));
    }
    if manifest.train.seed.is_some() {
        return Err(invalid("train.seed", only_simulated));
    }
    let Some(rec) = recording else {
        return Err(invalid(
            "recording",
            "is required when source = \"recorded\"",
        ));
    };
    if !rec.spike_threshold_mv.is_finite() {
        return Err(invalid("recording.spike_threshold_mv", "must be finite"));
    }
    if !manifest.files.contains(&rec.train.file) {
        return Err(invalid(
            "recording.train.file",
            format!("{:?} must be an entry of `files`", rec.train.file),
        ));
    }
    if !manifest.hidden_files.contains(&rec.test.file) {
        return Err(invalid(
            "recording.test.file",
            format!(
                "{:?} must be an entry of `hidden_files` (test responses are never public files)",
                rec.test.file
            ),
        ));
    }
    if let Some(aec) = &rec.aec
        && !manifest.files.contains(&aec.file)
    {
        return Err(invalid(
            "recording.aec.file",
            format!("{:?} must be an entry of `files`", aec.file),
        ));
    }
    let recordings = [
        ("recording.train", Some(&rec.train)),
        ("recording.test", Some(&rec.test)),
        ("recording.aec", rec.aec.as_ref()),
    ];
    for (key, f) in recordings
        .into_iter()
        .filter_map(|(key, f)| f.map(|f| (key, f)))
    {
        if !f.current_offset_pa.is_finite() {
            return Err(invalid(key, "current_offset_pa must be finite"));
        }
        if let Some(sha) = &f.sha256
            && !(sha.len() == 64
                && sha
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        {
            return Err(invalid(key, "sha256 must be 64 lower-case hex digits"));
        }
    }
    Ok(())
}
