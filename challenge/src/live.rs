//! Live evaluation rules: fresh trials from a new seed, the chunk plan that enforces causality, and
//! the checks on each chunk's answer.
//!
//! A live evaluation never reuses a stimulus: its seed is drawn when it starts, so there is no test
//! set to overfit. The model sees chunk `i + 1` only after its answer for chunk `i` was accepted, and
//! an answer may only hold spikes inside its own chunk's window, so no answer can depend on stimulus
//! the model has not seen yet.
//!
//! Two kinds of input stream the same way ([`LiveInput`]): an injected current (samples of the
//! chunk's window) and, for the clustered-dendritic family, synaptic events (`(synapse id, time)`
//! pairs whose times fall in the chunk's window). A dendritic evaluation draws its pairs exactly as
//! offline generation draws the test split ([`draw_pair`]: the same recipe, each clustered trial
//! with its time-dispersed and space-scattered controls, one seed for a pair's events and the
//! intrinsic noise of all its repeats), so the clustering columns of a live score mean what they
//! mean offline. Work is bounded before it starts ([`LiveSource::new`], [`LiveSource::trials`]):
//! the simulations by the manifest's work budget, the events by [`MAX_EVENTS_PER_TRIAL`] (expected,
//! before drawing) and [`MAX_EVENTS_PER_CHUNK`] (drawn, before anything is simulated or sent).

use std::collections::BTreeMap;

use arena_neuron::rng::derive_seed;
use arena_scoring::SpikeTrain;
use thiserror::Error;

use arena_challenge_core::generated::{DataFiles, GenerateError};
use arena_challenge_core::hidden::HiddenTrial;
use arena_challenge_core::manifest::budget::{MAX_SAMPLES, split_samples};
use arena_challenge_core::trial::{Condition, Part, Split};
use arena_scoring::Prediction;

use crate::families::dendritic::generation::draw_pair;
use crate::families::dendritic::{
    DendriticCell, DendriticRecipe, EventTable, ReferenceCell, Sampling, SynapseClass,
};
use crate::families::injected::generation::{adex_responses, ou_stimulus};
use crate::families::{Family, Manifest, dendritic_generator, ou_adex};
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

/// Most synaptic events one chunk carries. An event is about 14 bytes in the gRPC message and
/// about 25 in a line of the line protocol, so a chunk stays below 1.5 MB and 2.5 MB: inside
/// the gRPC message limit (4 MiB) and the client's line limit (16 MiB). The shipped
/// dendritic demo sends about 1 100 events per 0.5 s chunk.
pub const MAX_EVENTS_PER_CHUNK: usize = 100_000;

/// Most synaptic events one live trial may be expected to hold (the recipe's mean rates times
/// the duration), checked before any event is drawn: the events of a trial are held twice (per
/// synapse for the reference cell, in time order for the stream), 24 bytes each, so a trial
/// takes at most about 50 MB.
pub const MAX_EVENTS_PER_TRIAL: f64 = 2_000_000.0;

/// The `seeds` of a live evaluation's audit record: its fresh hidden seed (decimal text, as a
/// JSON number would lose bits above 2^53) and how each trial's seeds derive from it.
pub fn seeds_record(seed: u64) -> serde_json::Value {
    serde_json::json!({
        "live_seed": seed.to_string(),
        "stimulus": "derive_seed(live_seed, \"live-stimulus\", i)",
        "response": "derive_seed(live_seed, \"live-response\", i)",
    })
}

/// The fresh hidden seed in a live evaluation's [`seeds_record`], if it holds one.
pub fn seed_of(seeds: &serde_json::Value) -> Option<u64> {
    seeds["live_seed"].as_str().and_then(|s| s.parse().ok())
}

/// One chunk of a trial: samples `[start, end)` of its window, and the events in it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Chunk {
    /// 0-based index within the trial.
    pub index: u32,
    /// First sample.
    pub start: usize,
    /// One past the last sample.
    pub end: usize,
    /// First of the trial's events (in time order) inside the chunk; 0 for a current.
    pub first_event: usize,
    /// One past the last event inside the chunk; 0 for a current.
    pub end_event: usize,
}

/// What drives a live trial.
#[derive(Clone, Debug, PartialEq)]
pub enum LiveInput {
    /// Injected current, nA per `dt_s`.
    Current(Vec<f64>),
    /// Synaptic events on the challenge's synapse table.
    Events(Box<LiveEvents>),
}

/// The synaptic events of one condition of a live pair.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveEvents {
    /// Events per synapse id, ms: what the reference cell reads.
    pub table: EventTable,
    /// `(synapse id, time s)` ordered by time then id: what the model reads, chunk by chunk.
    pub rows: Vec<(u32, f64)>,
    /// The pair's seed: its events and the intrinsic noise of every repeat, shared by the
    /// clustered trial and its two controls (common random numbers).
    pub pair_seed: u64,
}

/// A fresh trial: its input and chunking (the ground truth is computed separately).
#[derive(Clone, Debug, PartialEq)]
pub struct LiveTrial {
    /// Trial id: `live-00`, `live-01`, ... for a current; `live-00-clustered`,
    /// `live-00-time-dispersed`, `live-00-space-scattered`, ... for the pairs of synaptic input.
    pub id: String,
    /// Duration, seconds.
    pub duration_s: f64,
    /// The input.
    pub input: LiveInput,
    /// The chunks in order.
    pub chunks: Vec<Chunk>,
    /// The trial's index (a current) or its pair's index (synaptic input): it seeds the ground
    /// truth.
    pub group: u32,
    /// The condition of a paired trial (public, as offline test trials' are); `None` for a current.
    pub condition: Option<Condition>,
}

impl LiveTrial {
    /// The injected current of `chunk`, nA per `dt_s` (empty for synaptic input).
    pub fn current_na(&self, chunk: Chunk) -> &[f64] {
        match &self.input {
            LiveInput::Current(na) => &na[chunk.start..chunk.end],
            LiveInput::Events(_) => &[],
        }
    }

    /// The synaptic events of `chunk`, `(synapse id, time s)` in time order (empty for a
    /// current).
    pub fn events(&self, chunk: Chunk) -> &[(u32, f64)] {
        match &self.input {
            LiveInput::Current(_) => &[],
            LiveInput::Events(e) => &e.rows[chunk.first_event..chunk.end_event],
        }
    }
}

/// What a challenge's live trials are generated and simulated from: its manifest and, for a
/// dendritic challenge, the reference cell built from its data files.
#[derive(Clone, Debug)]
pub struct LiveSource {
    manifest: Manifest,
    generator: Generator,
}

#[derive(Clone, Debug)]
enum Generator {
    /// The manifest's AdEx neuron and OU recipe ([`ou_adex`]).
    Current,
    /// The cell of a dendritic challenge.
    Dendritic(Box<Dendritic>),
}

#[derive(Clone, Debug)]
struct Dendritic {
    cell: DendriticCell,
    reference: ReferenceCell,
    sampling: Sampling,
}

impl LiveSource {
    /// The source of `manifest`'s live trials; `data` holds the files its generator reads (a
    /// dendritic cell's SWC and biophysics, [`Manifest::generator_files`]; nothing for a
    /// current). Checks the simulation work first: a live evaluation simulates
    /// [`Manifest::live_trials`] trials (or pairs of three conditions) of
    /// [`Manifest::live_duration_s`] with `test.repeats` repeats, at most the test split's
    /// shape, so within the manifest's work budget ([`MAX_SAMPLES`]); checked again here, as a
    /// stored manifest may predate a check.
    ///
    /// # Errors
    /// [`GenerateError::NotSimulated`] for a recorded challenge or a public view;
    /// [`GenerateError::Stimulus`] past the work budget; the family's errors for a cell that
    /// does not build.
    pub fn new(manifest: Manifest, data: &DataFiles) -> Result<LiveSource, GenerateError> {
        let test = split_samples(&manifest, Split::Test);
        let share = f64::from(manifest.live_trials()) / f64::from(manifest.test.trials.max(1))
            * manifest.live_duration_s()
            / manifest.test.duration_s;
        let samples = test * share;
        if !(share <= 1.0 && samples <= MAX_SAMPLES as f64) {
            return Err(GenerateError::Stimulus(format!(
                "a live evaluation would simulate {samples:.3e} samples ({share} of the test \
                 split's); the limit is {MAX_SAMPLES}, and at most the test split's (lower \
                 live.trials or live.duration_s)"
            )));
        }
        let generator = match Family::of(&manifest) {
            Family::Recorded => return Err(GenerateError::NotSimulated("draw live stimuli")),
            Family::InjectedCurrent => {
                ou_adex(&manifest)?;
                Generator::Current
            }
            Family::DendriticInput => {
                let (cable, recipe) = dendritic_generator(&manifest)
                    .ok_or(GenerateError::NotSimulated("draw live stimuli"))?;
                let cell = DendriticCell::read(cable, recipe, |name| data.get(name).cloned())?;
                Generator::Dendritic(Box::new(Dendritic {
                    reference: cell.reference(recipe)?,
                    sampling: cable.sampling(manifest.sampling.dt_s),
                    cell,
                }))
            }
        };
        Ok(LiveSource {
            manifest,
            generator,
        })
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The number of synapses of a dendritic challenge's table (ids `0..n`); 0 for a current.
    pub fn synapses(&self) -> usize {
        match &self.generator {
            Generator::Current => 0,
            Generator::Dendritic(d) => d.cell.table.synapses.len(),
        }
    }

    /// Fresh trials for one live evaluation, cut into chunks of `live.chunk_s`:
    /// - a current: [`Manifest::live_trials`] trials of [`Manifest::live_duration_s`],
    ///   stimulus `i` seeded by `derive_seed(seed, "live-stimulus", i)`;
    /// - synaptic input: as many pairs of that duration, pair `p` drawn by [`draw_pair`] with label `live`
    ///   (seed `derive_seed(seed, "live-pair", p)`), each as three trials: clustered,
    ///   time-dispersed, space-scattered.
    ///
    /// # Errors
    /// [`GenerateError`] when the recipe is refused, or when the events would exceed
    /// [`MAX_EVENTS_PER_TRIAL`] (expected, checked before drawing) or [`MAX_EVENTS_PER_CHUNK`]
    /// (drawn, checked before anything is simulated).
    pub fn trials(&self, seed: u64) -> Result<Vec<LiveTrial>, GenerateError> {
        let m = &self.manifest;
        let dt_s = m.sampling.dt_s;
        let per_chunk = (m.live.chunk_s / dt_s).round().max(1.0) as usize;
        let duration_s = m.live_duration_s();
        let samples = (duration_s / dt_s).round() as usize;
        let Generator::Dendritic(d) = &self.generator else {
            let recipe = ou_adex(m)?.recipe;
            return (0..m.live_trials())
                .map(|i| {
                    let stimulus_na = ou_stimulus(
                        recipe,
                        duration_s,
                        dt_s,
                        derive_seed(seed, "live-stimulus", u64::from(i)),
                    )?;
                    Ok(LiveTrial {
                        id: format!("live-{i:02}"),
                        duration_s,
                        chunks: chunk_plan(stimulus_na.len(), per_chunk, dt_s, &[]),
                        input: LiveInput::Current(stimulus_na),
                        group: i,
                        condition: None,
                    })
                })
                .collect();
        };
        let (_, recipe) =
            dendritic_generator(m).ok_or(GenerateError::NotSimulated("draw live stimuli"))?;
        let expected = expected_events_per_s(&d.cell, recipe) * duration_s;
        if expected > MAX_EVENTS_PER_TRIAL {
            return Err(GenerateError::Stimulus(format!(
                "a live trial of {duration_s} s would hold {expected:.3e} synaptic events on \
                 average; the limit is {MAX_EVENTS_PER_TRIAL:e} (lower live.duration_s or the \
                 recipe's rates)"
            )));
        }
        let mut out = Vec::with_capacity(m.live_trials() as usize * Condition::ALL.len());
        for p in 0..m.live_trials() {
            let (pair_seed, pair) = draw_pair(&d.cell, recipe, seed, "live", p, duration_s)?;
            for condition in Condition::ALL {
                let table = pair.events(condition).clone();
                let rows: Vec<(u32, f64)> = table
                    .to_rows()
                    .into_iter()
                    .map(|[id, t_ms]| (id as u32, t_ms * 1e-3))
                    .collect();
                let id = format!("live-{p:02}-{}", condition.as_str());
                let chunks = chunk_plan(samples, per_chunk, dt_s, &rows);
                if let Some(c) = chunks
                    .iter()
                    .find(|c| c.end_event - c.first_event > MAX_EVENTS_PER_CHUNK)
                {
                    return Err(GenerateError::Stimulus(format!(
                        "trial {id:?} chunk {}: {} synaptic events; the limit is \
                         {MAX_EVENTS_PER_CHUNK} per chunk (lower live.chunk_s or the recipe's \
                         rates)",
                        c.index,
                        c.end_event - c.first_event
                    )));
                }
                out.push(LiveTrial {
                    id,
                    duration_s,
                    input: LiveInput::Events(Box::new(LiveEvents {
                        table,
                        rows,
                        pair_seed,
                    })),
                    chunks,
                    group: p,
                    condition: Some(condition),
                });
            }
        }
        Ok(out)
    }

    /// The ground truth of a fresh trial, `test.repeats` responses: for a current, seeded by
    /// `derive_seed(seed, "live-response", i)`; for synaptic input, the reference cell on the
    /// trial's events with the intrinsic noise of its pair's seed (the same noise for the
    /// clustered trial and its controls, as offline).
    ///
    /// # Errors
    /// [`GenerateError`] when the cell refuses its parameters or the input.
    pub fn ground_truth(&self, trial: &LiveTrial, seed: u64) -> Result<HiddenTrial, GenerateError> {
        let m = &self.manifest;
        let repeats = m.test.repeats;
        let spikes = match (&trial.input, &self.generator) {
            (LiveInput::Current(stimulus_na), _) => {
                adex_responses(
                    ou_adex(m)?.params,
                    stimulus_na,
                    m.sampling.dt_s,
                    derive_seed(seed, "live-response", u64::from(trial.group)),
                    repeats,
                )?
                .spikes_s
            }
            (LiveInput::Events(e), Generator::Dendritic(d)) => d
                .reference
                .simulate_events(
                    &d.cell.table,
                    &e.table,
                    trial.duration_s * 1e3,
                    e.pair_seed,
                    repeats as usize,
                    &d.sampling,
                )?
                .into_iter()
                .map(|r| r.spike_times_s)
                .collect(),
            (LiveInput::Events(_), Generator::Current) => {
                return Err(GenerateError::Stimulus(
                    "synaptic events, but the challenge's cell is driven by a current".into(),
                ));
            }
        };
        // Fresh trials are never reused, so there is no private part to protect: all public.
        Ok(HiddenTrial {
            id: trial.id.clone(),
            duration_s: trial.duration_s,
            recorded: spikes
                .into_iter()
                .map(|s| SpikeTrain::new(s).expect("simulated spike times are sorted and finite"))
                .collect(),
            condition: trial.condition,
            segments: Vec::new(),
        }
        .whole(Part::Public))
    }

    /// Every hidden trial of the live evaluation of seed `seed`: the fresh trials
    /// ([`LiveSource::trials`]) and their ground truth ([`LiveSource::ground_truth`]),
    /// regenerated from the seed alone. A stored live evaluation is rescored, and audited,
    /// through this.
    ///
    /// # Errors
    /// [`GenerateError`] when the manifest's recipe or cell is refused.
    pub fn hidden_trials(&self, seed: u64) -> Result<Vec<HiddenTrial>, GenerateError> {
        self.trials(seed)?
            .iter()
            .map(|t| self.ground_truth(t, seed))
            .collect()
    }
}

/// The mean number of synaptic events per second of a trial of `recipe` on `cell`: every site's
/// background rate (its class's; the log-rate modulation has mean 1) plus the clusters' events.
fn expected_events_per_s(cell: &DendriticCell, recipe: &DendriticRecipe) -> f64 {
    let b = &recipe.background;
    let background: f64 = cell
        .table
        .synapses
        .iter()
        .map(|s| match s.class() {
            SynapseClass::Excitatory => b.excitatory_rate_hz,
            SynapseClass::Inhibitory => b.inhibitory_rate_hz,
        })
        .sum();
    background + recipe.clusters.rate_hz * recipe.clusters.synapses_per_cluster as f64
}

/// Chunks of `per_chunk` samples tiling `samples` samples of `dt_s`, each with the `events`
/// (time-ordered, seconds) inside its window `[start·dt, end·dt)`; the last chunk takes every
/// event left, so each event is in exactly one chunk.
fn chunk_plan(samples: usize, per_chunk: usize, dt_s: f64, events: &[(u32, f64)]) -> Vec<Chunk> {
    let n = samples.div_ceil(per_chunk);
    let first_at = |sample: usize| events.partition_point(|e| e.1 < sample as f64 * dt_s);
    (0..n)
        .map(|k| {
            let start = k * per_chunk;
            let end = (start + per_chunk).min(samples);
            Chunk {
                index: k as u32,
                start,
                end,
                first_event: first_at(start),
                end_event: if k + 1 == n {
                    events.len()
                } else {
                    first_at(end)
                },
            }
        })
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

    /// The live source of the injected-current demo.
    fn source() -> LiveSource {
        LiveSource::new(demo(), &DataFiles::new()).unwrap()
    }

    fn stimulus(t: &LiveTrial) -> &[f64] {
        match &t.input {
            LiveInput::Current(na) => na,
            LiveInput::Events(_) => panic!("the demo is driven by a current"),
        }
    }

    #[test]
    fn chunks_tile_every_trial_and_seeds_make_fresh_stimuli() {
        let (m, src) = (demo(), source());
        let a = src.trials(1).unwrap();
        assert_eq!(a.len(), m.live_trials() as usize);
        for t in &a {
            assert_eq!(t.chunks.first().unwrap().start, 0);
            assert_eq!(t.chunks.last().unwrap().end, stimulus(t).len());
            assert!(t.chunks.windows(2).all(|w| w[0].end == w[1].start));
            assert_eq!(
                t.chunks.len(),
                (m.live_duration_s() / m.live.chunk_s).ceil() as usize
            );
        }
        assert_eq!(a, src.trials(1).unwrap());
        assert_ne!(stimulus(&a[0]), stimulus(&src.trials(2).unwrap()[0]));
    }

    #[test]
    fn answers_must_stay_inside_their_chunk() {
        let m = demo();
        let all = source().trials(1).unwrap();
        let t = &all[0];
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
        let (p, _) = answers.into_submission(&all);
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
        let trials = source().trials(1).unwrap();
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
        let (m, src) = (demo(), source());
        let t = src.trials(4).unwrap();
        let truth = src.ground_truth(&t[0], 4).unwrap();
        assert_eq!(truth.recorded.len(), m.test.repeats as usize);
        assert!(truth.recorded.iter().all(|s| !s.is_empty()));
        let other = LiveTrial {
            group: 1,
            ..t[0].clone()
        };
        assert_ne!(
            truth,
            src.ground_truth(&other, 4).unwrap(),
            "trial index seeds the noise"
        );
    }

    const DENDRITIC_DIR: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../datasets/dendritic-clustered-demo"
    );

    /// The dendritic demo's manifest, changed by `change`, and its live source.
    fn dendritic(change: impl FnOnce(&mut Manifest)) -> LiveSource {
        let read = |name: &str| std::fs::read(format!("{DENDRITIC_DIR}/{name}")).unwrap();
        let mut m = Manifest::parse(&String::from_utf8(read("dataset.toml")).unwrap()).unwrap();
        change(&mut m);
        let data: DataFiles = m
            .generator_files()
            .into_iter()
            .map(|name| (name.to_string(), read(name)))
            .collect();
        LiveSource::new(m, &data).unwrap()
    }

    fn recipe(m: &mut Manifest) -> &mut DendriticRecipe {
        match m.stimulus.as_mut() {
            Some(crate::families::sections::Stimulus::DendriticClusters(r)) => r,
            _ => panic!("the dendritic demo has a dendritic recipe"),
        }
    }

    fn events(t: &LiveTrial) -> &LiveEvents {
        match &t.input {
            LiveInput::Events(e) => e,
            LiveInput::Current(_) => panic!("a dendritic trial is driven by events"),
        }
    }

    /// Every event of a dendritic live trial is in exactly one chunk, inside the chunk's window;
    /// the three conditions of a pair share its seed (events and intrinsic noise), have the same
    /// events per class (and clustered and time-dispersed the same on every site), and the
    /// pairs are drawn as offline generation draws them.
    #[test]
    fn dendritic_events_are_chunked_once_and_pairs_share_their_seed() {
        let src = dendritic(|_| {});
        let m = src.manifest().clone();
        let dt = m.sampling.dt_s;
        let trials = src.trials(7).unwrap();
        assert_eq!(trials.len(), 3 * m.live_trials() as usize);
        assert!(src.synapses() > 0);
        for t in &trials {
            let e = events(t);
            let mut streamed = Vec::new();
            for (k, &c) in t.chunks.iter().enumerate() {
                assert_eq!(c.index as usize, k);
                let (from, to) = (c.start as f64 * dt, c.end as f64 * dt);
                let chunk = t.events(c);
                assert!(
                    chunk
                        .iter()
                        .all(|&(id, s)| from <= s && s < to && (id as usize) < src.synapses()),
                    "{} chunk {k}: an event outside [{from}, {to}) or not a synapse",
                    t.id
                );
                assert!(t.current_na(c).is_empty());
                streamed.extend_from_slice(chunk);
            }
            assert_eq!(
                streamed, e.rows,
                "{}: each event in exactly one chunk",
                t.id
            );
            assert!(!e.rows.is_empty());
            assert_eq!(
                e.rows.len(),
                e.table.times_ms.iter().map(Vec::len).sum::<usize>()
            );
            assert!(e.rows.windows(2).all(|w| w[0].1 <= w[1].1), "time order");
            assert_eq!(t.chunks.first().unwrap().start, 0);
            assert!(t.chunks.windows(2).all(|w| w[0].end == w[1].start));
            assert_eq!(
                t.chunks.last().unwrap().end,
                (m.live_duration_s() / dt).round() as usize
            );
        }
        let (_, recipe) = dendritic_generator(&m).unwrap();
        let Generator::Dendritic(d) = &src.generator else {
            panic!("a dendritic source")
        };
        for (p, pair) in trials.chunks(3).enumerate() {
            let [c, td, ss] = pair else { panic!("triples") };
            for (t, condition) in pair.iter().zip(Condition::ALL) {
                assert_eq!(t.condition, Some(condition));
                assert_eq!(t.group as usize, p);
                assert_eq!(t.id, format!("live-{p:02}-{}", condition.as_str()));
            }
            let seed = events(c).pair_seed;
            assert!(pair.iter().all(|t| events(t).pair_seed == seed));
            let counts = |t: &LiveTrial| events(t).table.count_by_class(&d.cell.table);
            assert_eq!(counts(c), counts(td));
            assert_eq!(counts(c), counts(ss));
            let per_site = |t: &LiveTrial| -> Vec<usize> {
                events(t).table.times_ms.iter().map(Vec::len).collect()
            };
            assert_eq!(per_site(c), per_site(td));
            assert_ne!(events(c).table, events(td).table);
            assert_ne!(events(c).table, events(ss).table);
            // The offline generator's draw with the live label and seed.
            let (offline_seed, offline) =
                draw_pair(&d.cell, recipe, 7, "live", p as u32, m.live_duration_s()).unwrap();
            assert_eq!(offline_seed, seed);
            assert_eq!(offline.clustered, events(c).table);
            assert_eq!(offline.time_dispersed, events(td).table);
            assert_eq!(offline.space_scattered, events(ss).table);
        }
        assert_ne!(events(&trials[0]).pair_seed, events(&trials[3]).pair_seed);
        assert_eq!(trials, src.trials(7).unwrap());
        assert_ne!(
            events(&trials[0]).rows,
            events(&src.trials(8).unwrap()[0]).rows
        );
    }

    /// The ground truth of a dendritic live trial is the offline reference simulation of its
    /// condition with its pair's seed: the same repeats as `simulate_trial` gives the pair.
    #[test]
    fn dendritic_ground_truth_is_the_offline_simulation_of_its_pair() {
        let src = dendritic(|m| {
            m.live.trials = Some(1);
            m.live.duration_s = Some(0.1);
            m.test.repeats = 2;
        });
        let Generator::Dendritic(d) = &src.generator else {
            panic!("a dendritic source")
        };
        let m = src.manifest();
        let (_, recipe) = dendritic_generator(m).unwrap();
        let trials = src.trials(3).unwrap();
        let (seed, pair) = draw_pair(&d.cell, recipe, 3, "live", 0, m.live_duration_s()).unwrap();
        let offline = d
            .reference
            .simulate_trial(&d.cell.table, &pair, &Condition::ALL, seed, 2, &d.sampling)
            .unwrap();
        for (t, runs) in trials.iter().zip(offline) {
            let truth = src.ground_truth(t, 3).unwrap();
            assert_eq!(truth.condition, t.condition);
            let expected: Vec<Vec<f64>> = runs.into_iter().map(|r| r.spike_times_s).collect();
            let got: Vec<Vec<f64>> = truth.recorded.iter().map(|s| s.times().to_vec()).collect();
            assert_eq!(got, expected, "{}", t.id);
        }
    }

    /// The budgets refuse before the work: a live shape beyond the test split's when the
    /// source is built, a recipe whose mean events exceed the trial limit before anything is
    /// drawn, a chunk that draws more than its limit before anything is simulated, naming the
    /// limit.
    #[test]
    fn dendritic_event_budgets_are_checked_before_the_work() {
        let read = |name: &str| std::fs::read(format!("{DENDRITIC_DIR}/{name}")).unwrap();
        let mut m = Manifest::parse(&String::from_utf8(read("dataset.toml")).unwrap()).unwrap();
        m.live.trials = Some(m.test.trials + 1);
        let err = LiveSource::new(m, &DataFiles::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains("at most the test split's"), "{err}");
        let src = dendritic(|m| recipe(m).background.inhibitory_rate_hz = 1e9);
        let err = src.trials(1).unwrap_err().to_string();
        assert!(err.contains("synaptic events on average"), "{err}");
        // About 1.5·10⁵ events in one chunk of 0.5 s: drawn, then refused.
        let src = dendritic(|m| {
            m.live.duration_s = Some(0.5);
            m.live.chunk_s = 0.5;
        });
        let Generator::Dendritic(d) = &src.generator else {
            panic!("a dendritic source")
        };
        let inhibitory = d
            .cell
            .table
            .synapses
            .iter()
            .filter(|s| s.class() == SynapseClass::Inhibitory)
            .count();
        let rate = 3e5 / inhibitory as f64;
        let src = dendritic(|m| {
            m.live.duration_s = Some(0.5);
            m.live.chunk_s = 0.5;
            recipe(m).background.inhibitory_rate_hz = rate;
        });
        let err = src.trials(1).unwrap_err().to_string();
        assert!(
            err.contains("chunk 0:")
                && err.ends_with(
                    "the limit is 100000 per chunk (lower live.chunk_s or the recipe's rates)"
                ),
            "{err}"
        );
    }
}
