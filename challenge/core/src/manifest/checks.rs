//! The checks of a manifest's family-independent keys, the order in which the family sections'
//! checks run among them ([`FamilySections::check_sections`]), and the helpers both use, so that
//! every refusal names its key the same way.

use thiserror::Error;

use super::budget::{MAX_ANSWER_DEADLINE_S, MAX_CONCURRENT_LIVE, MIN_DT_S};
use super::{FamilySections, Manifest, SCHEMA_VERSION, Source};
use crate::text::{bounded, name_problem};

/// Which view of a manifest is being checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// The organizer's manifest: a simulated challenge carries its generator.
    Organizer,
    /// What contestants fetch: the generator is absent unless published.
    Public,
}

/// Why a manifest was refused; the message names the key.
#[derive(Debug, Error, PartialEq)]
pub enum ManifestError {
    /// Not TOML, an unknown key, a missing key or a wrong type (the parser's message names the key
    /// and the line).
    #[error("dataset.toml: {0}")]
    Syntax(String),
    /// A key whose value is out of range.
    #[error("dataset.toml: `{key}` {problem}")]
    Invalid {
        /// The dotted key path.
        key: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

/// [`ManifestError::Invalid`] for `key`.
pub fn invalid(key: &'static str, problem: impl Into<String>) -> ManifestError {
    ManifestError::Invalid {
        key,
        problem: problem.into(),
    }
}

/// Refuses `v` at `key` unless it is a finite positive number.
///
/// # Errors
/// [`ManifestError::Invalid`] naming `key` and the value.
pub fn positive(key: &'static str, v: f64) -> Result<(), ManifestError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(invalid(key, format!("must be a positive number, got {v}")))
    }
}

/// Refuses a duration `v` (seconds) at `key` unless it is positive, at most 600 s and a whole
/// number of sampling steps `dt_s`.
///
/// # Errors
/// [`ManifestError::Invalid`] naming `key` and the rule broken.
pub fn duration(key: &'static str, v: f64, dt_s: f64) -> Result<(), ManifestError> {
    positive(key, v)?;
    if v > 600.0 {
        return Err(invalid(key, "must be at most 600 s"));
    }
    let steps = v / dt_s;
    if (steps - steps.round()).abs() > 1e-6 {
        return Err(invalid(
            key,
            format!("must be a whole number of sampling steps ({v} s / {dt_s} s)"),
        ));
    }
    Ok(())
}

/// The longest challenge `title`, characters (shown in every challenge listing).
pub const MAX_TITLE_CHARS: usize = 200;

/// The rule for a challenge id (the manifest's `name`, or the id an organizer chooses at
/// creation), as error messages state it: ids appear in URLs, file names and commands.
pub const SLUG_RULE: &str = "1 to 64 characters of a-z, 0-9 and '-'";

/// Whether `s` follows [`SLUG_RULE`].
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The most characters of the source line a parser message quotes (`12 | text`): enough to
/// show the key, while the line itself may be any length.
const QUOTED_CHARS: usize = 120;

/// Folds a multi-line parser message into one line, its quote of the source cut to
/// [`QUOTED_CHARS`].
pub(super) fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('|') && !l.chars().all(|c| c == '^'))
        .map(|l| bounded(l, QUOTED_CHARS))
        .collect::<Vec<_>>()
        .join("; ")
}

impl<F: FamilySections> Manifest<F> {
    /// Every check, in the order the first fault is reported: identity and files, sampling, the
    /// generator of a simulated challenge, the family sections, the splits, rules, scoring and
    /// live settings.
    pub(super) fn check(&self, view: View) -> Result<(), ManifestError> {
        if self.schema_version != SCHEMA_VERSION {
            return Err(invalid(
                "schema_version",
                format!(
                    "is {}, this server reads {SCHEMA_VERSION}",
                    self.schema_version
                ),
            ));
        }
        if !is_slug(&self.name) {
            return Err(invalid("name", format!("must be {SLUG_RULE}")));
        }
        if let Some(problem) = name_problem(self.title.trim(), MAX_TITLE_CHARS) {
            return Err(invalid("title", problem));
        }
        for (i, file) in self.files.iter().enumerate() {
            if file.is_empty() || file.starts_with('/') || file.split('/').any(|p| p == "..") {
                return Err(invalid(
                    "files",
                    format!(
                        "entry {i} ({file:?}) must be a relative path inside the dataset folder"
                    ),
                ));
            }
        }
        for (i, file) in self.hidden_files.iter().enumerate() {
            if file.is_empty() || file.contains(['/', '\\']) || file == ".." {
                return Err(invalid(
                    "hidden_files",
                    format!("entry {i} ({file:?}) must be a plain file name"),
                ));
            }
            if self.files.contains(file) || self.hidden_files[..i].contains(file) {
                return Err(invalid(
                    "hidden_files",
                    format!("entry {i} ({file:?}) is listed twice"),
                ));
            }
        }
        if let Some(i) =
            (1..self.publish.len()).find(|&i| self.publish[..i].contains(&self.publish[i]))
        {
            return Err(invalid(
                "publish",
                format!("entry {i} ({:?}) is listed twice", self.publish[i].as_str()),
            ));
        }
        positive("sampling.dt_s", self.sampling.dt_s)?;
        if !(MIN_DT_S..=0.01).contains(&self.sampling.dt_s) {
            return Err(invalid(
                "sampling.dt_s",
                format!(
                    "is {} s; it must be between {MIN_DT_S} s and 0.01 s",
                    self.sampling.dt_s
                ),
            ));
        }
        if self.source == Source::Simulated {
            self.check_generator(view)?;
        }
        F::check_sections(self)?;
        if self.train.trials == 0 {
            return Err(invalid("train.trials", "must be at least 1"));
        }
        if self.train.repeats == 0 {
            return Err(invalid("train.repeats", "must be at least 1"));
        }
        if let Some(conditions) = &self.train.conditions {
            F::check_train_conditions(self)?;
            if conditions.is_empty() {
                return Err(invalid(
                    "train.conditions",
                    "must list at least one condition",
                ));
            }
            if let Some(i) =
                (1..conditions.len()).find(|&i| conditions[..i].contains(&conditions[i]))
            {
                return Err(invalid(
                    "train.conditions",
                    format!("entry {i} ({:?}) is listed twice", conditions[i].as_str()),
                ));
            }
        }
        duration(
            "train.duration_s",
            self.train.duration_s,
            self.sampling.dt_s,
        )?;
        if self.test.trials == 0 {
            return Err(invalid("test.trials", "must be at least 1"));
        }
        if self.test.repeats < 4 {
            return Err(invalid(
                "test.repeats",
                format!(
                    "is {}; at least 4 are needed to measure the data's own ceiling",
                    self.test.repeats
                ),
            ));
        }
        duration("test.duration_s", self.test.duration_s, self.sampling.dt_s)?;
        self.check_budget()?;
        let f = self.test.public_fraction;
        if !(f > 0.0 && f <= 1.0) {
            return Err(invalid("test.public_fraction", "must be in (0, 1]"));
        }
        positive("test.segment_s", self.test.segment_s)?;
        if self.test.segment_s < self.sampling.dt_s {
            return Err(invalid(
                "test.segment_s",
                format!(
                    "is {} s; a segment holds at least one sampling step ({} s)",
                    self.test.segment_s, self.sampling.dt_s
                ),
            ));
        }
        if self.test.segment_s < 10.0 * self.scoring.delta_ms * 1e-3 {
            return Err(invalid(
                "test.segment_s",
                format!(
                    "is {} s; segments shorter than 10 Δ = {} s would lose too many \
                     coincidences at their edges",
                    self.test.segment_s,
                    10.0 * self.scoring.delta_ms * 1e-3
                ),
            ));
        }
        if self.rules.daily_limit == 0 {
            return Err(invalid("rules.daily_limit", "must be at least 1"));
        }
        if !(1..=20).contains(&self.rules.final_selections) {
            return Err(invalid(
                "rules.final_selections",
                "must be between 1 and 20",
            ));
        }
        let step = self.rules.ladder_step;
        if !(step.is_finite() && (0.0..=1.0).contains(&step)) {
            return Err(invalid(
                "rules.ladder_step",
                format!("must be a number in [0, 1] (primary units), got {step}"),
            ));
        }
        positive("scoring.delta_ms", self.scoring.delta_ms)?;
        duration("live.chunk_s", self.live.chunk_s, self.sampling.dt_s)?;
        if let Some(n) = self.live.trials
            && !(1..=self.test.trials).contains(&n)
        {
            return Err(invalid(
                "live.trials",
                format!(
                    "is {n}; it must be between 1 and test.trials = {}",
                    self.test.trials
                ),
            ));
        }
        if let Some(d) = self.live.duration_s {
            duration("live.duration_s", d, self.sampling.dt_s)?;
            if d > self.test.duration_s {
                return Err(invalid(
                    "live.duration_s",
                    format!(
                        "is {d} s; it must be at most test.duration_s = {} s",
                        self.test.duration_s
                    ),
                ));
            }
        }
        positive("live.answer_deadline_s", self.live.answer_deadline_s)?;
        if self.live.answer_deadline_s > MAX_ANSWER_DEADLINE_S {
            return Err(invalid(
                "live.answer_deadline_s",
                format!(
                    "is {} s; the limit is {MAX_ANSWER_DEADLINE_S} s",
                    self.live.answer_deadline_s
                ),
            ));
        }
        if !(1..=MAX_CONCURRENT_LIVE).contains(&self.live.max_concurrent) {
            return Err(invalid(
                "live.max_concurrent",
                format!(
                    "is {}; it must be between 1 and {MAX_CONCURRENT_LIVE}",
                    self.live.max_concurrent
                ),
            ));
        }
        Ok(())
    }

    /// A simulated challenge: its stimulus always, its generator as `view` requires (the
    /// organizer's manifest carries it; a public view carries it only where `publish` says so),
    /// a public training seed, and none of a recorded challenge's keys. What the cell and the
    /// stimulus must be is the family's check.
    fn check_generator(&self, view: View) -> Result<(), ManifestError> {
        let required = "is required when source = \"simulated\"";
        if self.stimulus.is_none() {
            return Err(invalid("stimulus", required));
        }
        if self.cell.is_none() {
            match view {
                View::Organizer => return Err(invalid("cell", required)),
                View::Public if !self.hides_generator() => {
                    return Err(invalid(
                        "cell",
                        "is required: publish = [\"cell\"] publishes the generator",
                    ));
                }
                View::Public => {}
            }
        }
        if self.train.seed.is_none() {
            return Err(invalid("train.seed", required));
        }
        if self.recording.is_some() {
            return Err(invalid("recording", "is only for source = \"recorded\""));
        }
        if !self.hidden_files.is_empty() {
            return Err(invalid(
                "hidden_files",
                "is only for source = \"recorded\" (simulated hidden responses come from the hidden seed)",
            ));
        }
        Ok(())
    }
}
