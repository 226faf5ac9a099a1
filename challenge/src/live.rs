//! Live evaluation rules: fresh trials from a new seed, the chunk plan that enforces causality, and
//! the checks on each chunk's answer.
//!
//! A live evaluation never reuses a stimulus: its seed is drawn when it starts, so there is no test
//! set to overfit. The model sees chunk `i + 1` only after its answer for chunk `i` was accepted, and
//! an answer may only hold spikes inside its own chunk's window, so no answer can depend on stimulus
//! the model has not seen yet.

use std::collections::BTreeMap;

use arena_neuron::rng::derive_seed;
use arena_scoring::SpikeTrain;
use thiserror::Error;

use arena_challenge_core::generated::GenerateError;
use arena_challenge_core::hidden::HiddenTrial;
use arena_challenge_core::trial::Part;
use arena_scoring::Prediction;

use crate::families::injected::generation::{adex_responses, ou_stimulus};
use crate::families::{Manifest, ou_adex};
use crate::predictions::Predictions;

/// Most predicted repeats a live model may send per chunk (as for offline predictions).
pub const MAX_REPEATS: usize = 100;

/// Highest rate a predicted repeat may have within one chunk, Hz: a repeat of a chunk of `L`
/// seconds holds at most ⌈L · 1000⌉ spikes. A neuron's refractory period (≥ 1 ms) keeps every
/// real rate below it; Γ's normalisation already breaks above 1/(2Δ) = 125 Hz.
pub const MAX_RATE_HZ: f64 = 1000.0;

/// Most spikes one live evaluation holds, all trials and repeats together. What the rate limit
/// allows is `repeats × trials × duration_s × 1000 Hz`; this caps it where that is more, at
/// about the size of the largest offline predictions file (16 MiB of JSON holds about 10⁶
/// spike times), so a stored live submission is never larger than an offline one could be.
pub const MAX_SPIKES: usize = 1_000_000;

/// One chunk of a trial: samples `[start, end)` of its stimulus.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Chunk {
    /// 0-based index within the trial.
    pub index: u32,
    /// First sample.
    pub start: usize,
    /// One past the last sample.
    pub end: usize,
}

/// A fresh trial: its stimulus and chunking (the ground truth is computed separately).
#[derive(Clone, Debug, PartialEq)]
pub struct LiveTrial {
    /// Trial id, `live-00`, `live-01`, ...
    pub id: String,
    /// Duration, seconds.
    pub duration_s: f64,
    /// Injected current, nA per `dt_s`.
    pub stimulus_na: Vec<f64>,
    /// The chunks in order.
    pub chunks: Vec<Chunk>,
}

/// Fresh trials for one live evaluation: `test.trials` trials of `test.duration_s`, stimulus `i` seeded
/// by `derive_seed(seed, "live-stimulus", i)`, cut into chunks of `live.chunk_s`.
///
/// # Errors
/// [`GenerateError`] when the manifest is not an injected-current one with its generator
/// ([`ou_adex`]) or the stimulus recipe is refused.
pub fn trials(manifest: &Manifest, seed: u64) -> Result<Vec<LiveTrial>, GenerateError> {
    let recipe = ou_adex(manifest)?.recipe;
    let per_chunk = (manifest.live.chunk_s / manifest.sampling.dt_s)
        .round()
        .max(1.0) as usize;
    (0..manifest.test.trials)
        .map(|i| {
            let stimulus_na = ou_stimulus(
                recipe,
                manifest.test.duration_s,
                manifest.sampling.dt_s,
                derive_seed(seed, "live-stimulus", i as u64),
            )?;
            let chunks = (0..stimulus_na.len())
                .step_by(per_chunk)
                .enumerate()
                .map(|(k, start)| Chunk {
                    index: k as u32,
                    start,
                    end: (start + per_chunk).min(stimulus_na.len()),
                })
                .collect();
            Ok(LiveTrial {
                id: format!("live-{i:02}"),
                duration_s: manifest.test.duration_s,
                stimulus_na,
                chunks,
            })
        })
        .collect()
}

/// The ground truth of fresh trial `i`: `test.repeats` responses seeded by
/// `derive_seed(seed, "live-response", i)`.
///
/// # Errors
/// [`GenerateError`] when the manifest is not an injected-current one with its generator
/// ([`ou_adex`]) or the cell refuses its parameters.
pub fn ground_truth(
    manifest: &Manifest,
    i: usize,
    trial: &LiveTrial,
    seed: u64,
) -> Result<HiddenTrial, GenerateError> {
    let spikes = adex_responses(
        ou_adex(manifest)?.params,
        &trial.stimulus_na,
        manifest.sampling.dt_s,
        derive_seed(seed, "live-response", i as u64),
        manifest.test.repeats,
    )?
    .spikes_s;
    // Fresh trials are never reused, so there is no private part to protect: all public.
    Ok(HiddenTrial {
        id: trial.id.clone(),
        duration_s: trial.duration_s,
        recorded: spikes
            .into_iter()
            .map(|s| SpikeTrain::new(s).expect("simulated spike times are sorted and finite"))
            .collect(),
        condition: None,
        segments: Vec::new(),
    }
    .whole(Part::Public))
}

/// Every hidden trial of the live evaluation of seed `seed`: the fresh trials
/// ([`trials`]) and their ground truth ([`ground_truth`]), regenerated from the seed alone. A
/// stored live evaluation is rescored, and audited, through this.
///
/// # Errors
/// [`GenerateError`] when the manifest's recipe or cell is refused.
pub fn hidden_trials(manifest: &Manifest, seed: u64) -> Result<Vec<HiddenTrial>, GenerateError> {
    trials(manifest, seed)?
        .iter()
        .enumerate()
        .map(|(i, t)| ground_truth(manifest, i, t, seed))
        .collect()
}

/// Why an answer was refused.
#[derive(Debug, Error, PartialEq)]
pub enum AnswerError {
    /// The answer is for another chunk than the one awaited.
    #[error(
        "answer for trial {got_trial:?} chunk {got_index}, but trial {trial:?} chunk {index} was awaited"
    )]
    WrongChunk {
        /// Awaited trial.
        trial: String,
        /// Awaited chunk.
        index: u32,
        /// Trial answered.
        got_trial: String,
        /// Chunk answered.
        got_index: u32,
    },
    /// Not the declared number of repeats.
    #[error("trial {trial:?} chunk {index}: {got} repeats, {expected} were declared")]
    RepeatCount {
        /// Trial.
        trial: String,
        /// Chunk.
        index: u32,
        /// Repeats sent.
        got: usize,
        /// Repeats declared at start.
        expected: usize,
    },
    /// A repeat holds more spikes than [`MAX_RATE_HZ`] allows in its chunk.
    #[error(
        "trial {trial:?} chunk {index}, repeat {repeat}: {count} spikes in a chunk of {chunk_s} s; \
         the limit is {limit} ({MAX_RATE_HZ} Hz)"
    )]
    Rate {
        /// Trial.
        trial: String,
        /// Chunk.
        index: u32,
        /// Repeat.
        repeat: usize,
        /// Spikes sent.
        count: usize,
        /// The chunk's length, seconds.
        chunk_s: f64,
        /// The most spikes the chunk takes per repeat.
        limit: usize,
    },
    /// The answer would take the evaluation past [`MAX_SPIKES`].
    #[error(
        "trial {trial:?} chunk {index}: the evaluation would hold {total} spikes; the limit is \
         {MAX_SPIKES} per evaluation"
    )]
    Total {
        /// Trial.
        trial: String,
        /// Chunk.
        index: u32,
        /// Spikes with this answer.
        total: usize,
    },
    /// A spike time is not finite, outside the chunk, or out of order.
    #[error("trial {trial:?} chunk {index}, repeat {repeat}: {problem}")]
    Spike {
        /// Trial.
        trial: String,
        /// Chunk.
        index: u32,
        /// Repeat.
        repeat: usize,
        /// What is wrong.
        problem: String,
    },
}

/// Collects accepted answers into predictions.
#[derive(Clone, Debug, PartialEq)]
pub struct Answers {
    repeats: usize,
    trials: BTreeMap<String, Vec<Vec<f64>>>,
    /// Spikes accepted so far, every trial and repeat.
    spikes: usize,
}

impl Answers {
    /// Expects `repeats` trains per chunk.
    pub fn new(repeats: usize) -> Answers {
        Answers {
            repeats,
            trials: BTreeMap::new(),
            spikes: 0,
        }
    }

    /// Checks and records the answer for `chunk` of `trial` (times in seconds from trial start).
    ///
    /// # Errors
    /// [`AnswerError`] naming the chunk, repeat and spike; nothing is recorded then.
    pub fn accept(
        &mut self,
        trial: &LiveTrial,
        chunk: Chunk,
        dt_s: f64,
        answered: (&str, u32),
        repeats: Vec<Vec<f64>>,
    ) -> Result<(), AnswerError> {
        if answered != (trial.id.as_str(), chunk.index) {
            return Err(AnswerError::WrongChunk {
                trial: trial.id.clone(),
                index: chunk.index,
                got_trial: answered.0.to_string(),
                got_index: answered.1,
            });
        }
        if repeats.len() != self.repeats {
            return Err(AnswerError::RepeatCount {
                trial: trial.id.clone(),
                index: chunk.index,
                got: repeats.len(),
                expected: self.repeats,
            });
        }
        let (from, to) = (chunk.start as f64 * dt_s, chunk.end as f64 * dt_s);
        // Counts first: they bound the work of every check below.
        let limit = ((to - from) * MAX_RATE_HZ).ceil() as usize;
        if let Some((repeat, times)) = repeats.iter().enumerate().find(|(_, t)| t.len() > limit) {
            return Err(AnswerError::Rate {
                trial: trial.id.clone(),
                index: chunk.index,
                repeat,
                count: times.len(),
                chunk_s: to - from,
                limit,
            });
        }
        let total = self.spikes + repeats.iter().map(Vec::len).sum::<usize>();
        if total > MAX_SPIKES {
            return Err(AnswerError::Total {
                trial: trial.id.clone(),
                index: chunk.index,
                total,
            });
        }
        for (r, times) in repeats.iter().enumerate() {
            let bad = |problem: String| AnswerError::Spike {
                trial: trial.id.clone(),
                index: chunk.index,
                repeat: r,
                problem,
            };
            // Times are shown with `{:?}`, which writes 1e-300 as such: `{}` writes every digit
            // (a message of 300 characters and more for a tiny or huge time).
            for (i, &t) in times.iter().enumerate() {
                if !t.is_finite() {
                    return Err(bad(format!("spike {i} is {t}, not a finite time")));
                }
                if t < from || t >= to {
                    return Err(bad(format!(
                        "spike {i} at {t:?} s is outside the chunk [{from:?}, {to:?}) s"
                    )));
                }
                if i > 0 && t <= times[i - 1] {
                    return Err(bad(format!(
                        "spike {i} at {t:?} s does not come after spike {} at {:?} s",
                        i - 1,
                        times[i - 1]
                    )));
                }
            }
        }
        let stored = self
            .trials
            .entry(trial.id.clone())
            .or_insert_with(|| vec![Vec::new(); self.repeats]);
        for (all, new) in stored.iter_mut().zip(repeats) {
            all.extend(new);
        }
        self.spikes = total;
        Ok(())
    }

    /// The trains answered so far for one trial.
    pub fn trains(&self, trial: &LiveTrial) -> Vec<SpikeTrain> {
        self.trials
            .get(&trial.id)
            .map(|t| {
                t.iter()
                    .map(|s| {
                        SpikeTrain::new(s.clone()).expect("answers were checked chunk by chunk")
                    })
                    .collect()
            })
            .unwrap_or_else(|| vec![SpikeTrain::default(); self.repeats])
    }

    /// The recorded answers as predictions and as the predictions file that stores them
    /// ([`crate::predictions::to_json`]; trials without any answer get empty trains).
    pub fn into_submission(self, trials: &[LiveTrial]) -> (Predictions, Vec<u8>) {
        let mut answered = self.trials;
        let file: BTreeMap<String, Vec<Vec<f64>>> = trials
            .iter()
            .map(|t| {
                let trains = answered
                    .remove(&t.id)
                    .unwrap_or_else(|| vec![Vec::new(); self.repeats]);
                (t.id.clone(), trains)
            })
            .collect();
        let bytes = crate::predictions::to_json(&file);
        let predictions = Predictions {
            trials: file
                .into_iter()
                .map(|(id, trains)| {
                    let trains = trains
                        .into_iter()
                        .map(|s| SpikeTrain::new(s).expect("answers were checked chunk by chunk"))
                        .collect();
                    (id, Prediction::Repeats(trains))
                })
                .collect(),
        };
        (predictions, bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::families::demo;

    #[test]
    fn chunks_tile_every_trial_and_seeds_make_fresh_stimuli() {
        let m = demo();
        let a = trials(&m, 1).unwrap();
        assert_eq!(a.len(), m.test.trials as usize);
        for t in &a {
            assert_eq!(t.chunks.first().unwrap().start, 0);
            assert_eq!(t.chunks.last().unwrap().end, t.stimulus_na.len());
            assert!(t.chunks.windows(2).all(|w| w[0].end == w[1].start));
            assert_eq!(
                t.chunks.len(),
                (m.test.duration_s / m.live.chunk_s).ceil() as usize
            );
        }
        assert_eq!(a, trials(&m, 1).unwrap());
        assert_ne!(a[0].stimulus_na, trials(&m, 2).unwrap()[0].stimulus_na);
    }

    #[test]
    fn answers_must_stay_inside_their_chunk() {
        let m = demo();
        let t = &trials(&m, 1).unwrap()[0];
        let dt = m.sampling.dt_s;
        let (c0, c1) = (t.chunks[0], t.chunks[1]);
        let mut answers = Answers::new(2);
        answers
            .accept(t, c0, dt, ("live-00", 0), vec![vec![0.1, 0.2], vec![]])
            .unwrap();
        let end0 = c0.end as f64 * dt;
        let cases = [
            (("live-00", 0), vec![vec![end0 + 0.01], vec![]], "awaited"),
            (
                ("live-00", 1),
                vec![vec![end0 + 0.01]],
                "1 repeats, 2 were declared",
            ),
            (("live-00", 1), vec![vec![0.2], vec![]], "outside the chunk"),
            (
                ("live-00", 1),
                vec![vec![end0 + 0.2, end0 + 0.1], vec![]],
                "does not come after",
            ),
            (
                ("live-00", 1),
                vec![vec![], vec![f64::NAN]],
                "repeat 1: spike 0 is NaN",
            ),
        ];
        for (answered, repeats, expected) in cases {
            let err = answers
                .clone()
                .accept(t, c1, dt, answered, repeats)
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{err}");
        }
        answers
            .accept(
                t,
                c1,
                dt,
                ("live-00", 1),
                vec![vec![end0 + 0.05], vec![end0]],
            )
            .unwrap();
        let trials = trials(&m, 1).unwrap();
        let (p, _) = answers.into_submission(&trials);
        let trains = |id: &str| match &p.trials[id] {
            Prediction::Repeats(t) => t.clone(),
            Prediction::Intensity(_) => panic!("live answers are spike trains"),
        };
        assert_eq!(trains("live-00")[0].times(), &[0.1, 0.2, end0 + 0.05]);
        assert_eq!(trains("live-00")[1].times(), &[end0]);
        assert!(trains("live-01").iter().all(SpikeTrain::is_empty));
    }

    /// Issue 16 case 1: a repeat above the rate limit in its chunk, and an answer that takes
    /// the evaluation past its spike limit, are refused before anything is recorded.
    #[test]
    fn spikes_are_bounded_per_chunk_and_per_evaluation() {
        let m = demo();
        let dt = m.sampling.dt_s;
        let trials = trials(&m, 1).unwrap();
        // `n` evenly spaced spikes inside `chunk`, `repeats` times.
        let answer = |chunk: Chunk, n: usize, repeats: usize| {
            let (from, to) = (chunk.start as f64 * dt, chunk.end as f64 * dt);
            let train: Vec<f64> = (0..n)
                .map(|k| from + (to - from) * k as f64 / n as f64)
                .collect();
            vec![train; repeats]
        };
        let (t, c0) = (&trials[0], trials[0].chunks[0]);
        assert_eq!(m.live.chunk_s, 0.5);
        let mut one = Answers::new(1);
        let err = one
            .accept(t, c0, dt, ("live-00", 0), answer(c0, 501, 1))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "trial \"live-00\" chunk 0, repeat 0: 501 spikes in a chunk of 0.5 s; the limit is \
             500 (1000 Hz)"
        );
        assert_eq!(one, Answers::new(1), "nothing recorded");
        one.accept(t, c0, dt, ("live-00", 0), answer(c0, 500, 1))
            .unwrap();

        // 100 repeats at the rate limit: 50 000 spikes a chunk, so the 21st chunk would take
        // the evaluation past 10⁶.
        let mut full = Answers::new(MAX_REPEATS);
        let mut chunks = trials
            .iter()
            .flat_map(|t| t.chunks.iter().map(move |&c| (t, c)));
        for (t, c) in chunks.by_ref().take(20) {
            full.accept(t, c, dt, (&t.id, c.index), answer(c, 500, MAX_REPEATS))
                .unwrap();
        }
        assert_eq!(full.spikes, MAX_SPIKES);
        let (t, c) = chunks.next().unwrap();
        let err = full
            .accept(t, c, dt, (&t.id, c.index), answer(c, 1, MAX_REPEATS))
            .unwrap_err();
        assert!(
            err.to_string().ends_with(
                "the evaluation would hold 1000100 spikes; the limit is 1000000 per evaluation"
            ),
            "{err}"
        );
    }

    #[test]
    fn ground_truth_has_the_declared_repeats() {
        let m = demo();
        let t = trials(&m, 4).unwrap();
        let truth = ground_truth(&m, 0, &t[0], 4).unwrap();
        assert_eq!(truth.recorded.len(), m.test.repeats as usize);
        assert!(truth.recorded.iter().all(|s| !s.is_empty()));
        assert_ne!(
            truth,
            ground_truth(&m, 1, &t[0], 4).unwrap(),
            "trial index seeds the noise"
        );
    }
}
