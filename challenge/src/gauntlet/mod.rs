//! The gaming gauntlet: a fixed, seeded suite of submissions — tricks without stimulus
//! information, tricks on honest predictions, entries built from hidden data, malformed files and
//! the honest baselines — plus an adaptive adversary, each sent through the server's own path and
//! held to a stated bound.
//!
//! Gaming resistance is claimed in the design brief; this module makes it a measurement anyone
//! can rerun on any challenge (`arena gauntlet`). Every fixed entry is written as predictions-file
//! JSON **bytes**, checked by [`predictions::parse`] and scored by
//! [`evaluate`](crate::evaluate::evaluate) exactly as an upload is. All hidden trials are pooled
//! as one part (the question is whether the primary can be gamed, not which board an entry lands
//! on), except for the entries about the parts themselves, which use the challenge's real
//! public and private segments.
//!
//! The classes and their bounds ([`Class`]):
//! * [`Class::NoStimulus`]: built without any stimulus information (constant rates, grids,
//!   dependent repeats, bursts, replays of other stimuli' responses, the adaptive adversary,
//!   the best of many such entries selected on the public part): `primary ≤ 0 +`
//!   [`NULL_TOLERANCE`], or rejected.
//! * [`Class::NoHiddenData`]: built from public data (the stimulus, the baselines' predictions)
//!   with a trick applied — split into copies shifted by ±Δ/2, shifted by 10 ms, bursts at
//!   stimulus peaks, the generator re-simulated from the fetched files: `primary ≤ 1 +`
//!   [`CEILING_TOLERANCE`] (no prediction made without the hidden responses may beat the data's
//!   own ceiling; `arena_scoring::primary`, property 4).
//! * [`Class::HiddenData`]: built from what no contestant has (the hidden repeats, which
//!   segments are public): labelled as such and exempt; reported to show what the information
//!   would be worth.
//! * [`Class::Malformed`]: refused by [`predictions::parse`] with a message naming the trial
//!   and the repeat (or the intensity).
//! * [`Class::Honest`]: the built-in baselines. On a simulated challenge their quality order is
//!   known and checked: the generating model above every fitted model, every fitted model above
//!   the Poisson null ([`Baseline::tier`]). On recorded data no model's quality is known in
//!   advance: a fitted model may predict a cell worse than its mean rate does (the AdEx on
//!   DRN156 does), which is a finding about the model, not a way to game the score; there the
//!   rule is a defined primary, and the Poisson baseline, which has no stimulus information, is
//!   held to the null bound.
//!
//! # Tolerances
//! The primary is an estimate on a few short test trials, so a null entry scores 0, and a perfect
//! one 1, only in expectation. [`NULL_TOLERANCE`] and [`CEILING_TOLERANCE`] are the bounds the
//! issue sets (0.05 each); the spread measured over hidden seeds (the ignored test
//! `tolerances_cover_the_spread` prints it) stays well inside them.
//!
//! Entry seeds: entry `name` uses `derive_seed(seed, name, 0)` and, per test trial `id`,
//! `derive_seed(entry_seed, id, 0)` (the convention of [`Baseline::predict`]).

pub mod adversary;
mod entries;

use std::fmt::Write as _;

use arena_neuron::rng::derive_seed;
use arena_scoring::{Metric, ScoringParams, SpikeTrain};
use thiserror::Error;

use arena_challenge_core::hidden::HiddenTrial;
use arena_challenge_core::public::PublicTrial;

use crate::baselines::{Baseline, BaselineError, Fitted, PredictedTrials};
use crate::evaluate::{Evaluation, score_file};
use crate::families::PublicChallenge;
use crate::predictions::{self, Limits};
use arena_challenge_core::trial::{Part, Split};

pub use entries::{consensus, neighbours, stimulus_peaks};

/// Allowance above 0 for entries without stimulus information (primary units).
pub const NULL_TOLERANCE: f64 = 0.05;

/// Allowance above 1 for entries made without hidden data (primary units).
pub const CEILING_TOLERANCE: f64 = 0.05;

/// Time shift of the shifted-copy entry, seconds (10 ms, over twice Δ = 4 ms).
pub const SHIFT_S: f64 = 0.010;

/// Near-duplicate spikes per burst, and their spacing (s), in the burst entry.
pub const BURST: (usize, f64) = (5, 0.0002);

/// Half-width (s) of the window in which a stimulus peak is the maximum (see [`stimulus_peaks`]).
pub const PEAK_HALF_WINDOW_S: f64 = 0.010;

/// Multiples of the training rate tried as constant-rate predictions. The best constant rate, the
/// one the null is defined by, lies near 3× the data rate on noisy neurons, so 2–4× probe the
/// null itself.
pub const TRAINING_RATE_MULTIPLES: [f64; 4] = [1.0, 2.0, 3.0, 4.0];

/// Constant rates (Hz) tried besides the multiples of the training rate: around and above
/// 1/(2Δ) = 125 Hz, where Γ's normalisation 1 − 2νΔ changes sign.
pub const POISSON_RATES_HZ: [f64; 5] = [50.0, 124.9, 125.1, 130.0, 500.0];

/// Submissions of the best-of-N entry: N no-information entries, the best on the public part
/// judged on the private part.
pub const BEST_OF: usize = 20;

/// What an entry is allowed to score.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// No stimulus information: primary ≤ 0 + [`NULL_TOLERANCE`], or rejected.
    NoStimulus,
    /// Public data with a trick: primary ≤ 1 + [`CEILING_TOLERANCE`].
    NoHiddenData,
    /// Built from hidden data: reported, exempt from any bound.
    HiddenData,
    /// Must be rejected by [`predictions::parse`] with a message naming the trial.
    Malformed,
    /// Must rank in the order of quality among the honest entries (simulated challenges).
    Honest,
}

impl Class {
    /// Lower-case name for tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::NoStimulus => "no-stimulus",
            Class::NoHiddenData => "no-hidden",
            Class::HiddenData => "hidden-data",
            Class::Malformed => "malformed",
            Class::Honest => "honest",
        }
    }
}

/// What happened to an entry on the server's path.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Refused by [`predictions::parse`]; the message a contestant would see.
    Rejected(String),
    /// The entry could not be built: a baseline whose fit refuses the training data, or the
    /// generator absent from the fetched files. The message says which.
    NotBuilt(String),
    /// Scored.
    Scored {
        /// The primary score the bound applies to (0 = best constant rate, 1 ≈ the data's
        /// own ceiling).
        primary: Metric,
        /// Md* (Naud et al. 2011; core-2).
        md_star: Metric,
        /// Γ/R (Kistler et al. 1997; Jolivet et al. 2008).
        gamma_over_r: Metric,
        /// What else the entry measured (e.g. its public and private scores).
        note: String,
    },
}

impl Outcome {
    /// The primary score when scored and defined.
    pub fn primary(&self) -> Option<f64> {
        match self {
            Outcome::Scored { primary, .. } => primary.as_ref().ok().copied(),
            Outcome::Rejected(_) | Outcome::NotBuilt(_) => None,
        }
    }
}

/// One gauntlet entry with its verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// What was submitted, e.g. "Poisson 124.9 Hz, 100 repeats".
    pub name: String,
    /// Which bound applies.
    pub class: Class,
    /// Rejected, not built or scored.
    pub outcome: Outcome,
    /// Whether the entry met its bound.
    pub passed: bool,
    /// The bound it was held to, human readable.
    pub rule: String,
}

/// What the gauntlet runs on.
#[derive(Clone, Copy, Debug)]
pub struct GauntletInput<'a> {
    /// The challenge as contestants fetch it (training data, test stimuli).
    pub public: &'a PublicChallenge,
    /// The hidden test trials with their segments.
    pub hidden: &'a [HiddenTrial],
    /// Metric parameters.
    pub params: &'a ScoringParams,
    /// Master seed of every stochastic entry.
    pub seed: u64,
}

/// Why the gauntlet could not be built.
#[derive(Debug, Error)]
pub enum GauntletError {
    /// No hidden trial to score against.
    #[error("the gauntlet needs at least one hidden test trial")]
    NoHiddenTrials,
    /// A hidden trial has no public test stimulus.
    #[error("hidden trial {trial:?} has no public test trial with a stimulus")]
    MissingStimulus {
        /// Trial id.
        trial: String,
    },
    /// A baseline the entries are built from (the Poisson null) could not be fitted.
    #[error("baseline {name}: {source}")]
    Baseline {
        /// Baseline name.
        name: &'static str,
        /// The baseline's error.
        source: BaselineError,
    },
}

/// A test trial with everything the entries are built from.
struct Trial<'a> {
    id: &'a str,
    duration_s: f64,
    /// The public test trial (its input: current or synaptic events).
    public: &'a PublicTrial,
    hidden: &'a HiddenTrial,
}

/// Shared inputs of the entry builders.
struct Context<'a> {
    trials: Vec<Trial<'a>>,
    /// Public training spike trains per training trial, seconds.
    training: Vec<&'a [Vec<f64>]>,
    dt_s: f64,
    delta_s: f64,
    /// Mean rate of the training responses, Hz.
    train_rate_hz: f64,
    params: &'a ScoringParams,
    hidden: &'a [HiddenTrial],
}

impl Context<'_> {
    /// One prediction per test trial from `make(trial index, trial, trial seed)`.
    fn per_trial(
        &self,
        seed: u64,
        mut make: impl FnMut(usize, &Trial, u64) -> Vec<Vec<f64>>,
    ) -> PredictedTrials {
        self.trials
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.to_string(), make(i, t, derive_seed(seed, t.id, 0))))
            .collect()
    }

    /// A fitted model's predictions, seeded as [`Baseline::predict`] seeds them.
    fn fitted(&self, model: &Fitted, seed: u64) -> Result<PredictedTrials, BaselineError> {
        self.trials
            .iter()
            .map(|t| {
                let repeats = model.predict(t.public, self.dt_s, derive_seed(seed, t.id, 0))?;
                Ok((t.id.to_string(), repeats))
            })
            .collect()
    }

    /// `bytes` scored with every hidden trial pooled ([`score`]).
    fn pooled(&self, bytes: &[u8]) -> Outcome {
        score(bytes, self.hidden, self.dt_s, self.params)
    }

    /// `bytes` scored on the challenge's real public and private segments.
    fn by_part(&self, bytes: &[u8]) -> Result<Evaluation, String> {
        score_file(
            bytes,
            self.hidden,
            self.dt_s,
            self.params,
            &Limits::default(),
        )
        .map_err(|e| e.to_string())
    }
}

/// An entry before judging: its name, class and outcome, and for malformed entries the text
/// the rejection must contain.
struct Built {
    name: String,
    class: Class,
    outcome: Outcome,
    must_name: Option<String>,
}

impl Built {
    fn scored(ctx: &Context, name: impl Into<String>, class: Class, p: &PredictedTrials) -> Built {
        Built {
            name: name.into(),
            class,
            outcome: ctx.pooled(&predictions::to_json(p)),
            must_name: None,
        }
    }
}

/// Runs every entry on the server's path and judges it.
///
/// Pure and deterministic in `input.seed`. Entries are returned in a fixed order: no stimulus
/// information, public data with a trick, hidden data, malformed, then honest (best first).
///
/// # Errors
/// [`GauntletError`] when there is no hidden trial, a hidden trial has no public stimulus, or the
/// Poisson null cannot be fitted on the public training data.
pub fn run(input: &GauntletInput) -> Result<Vec<Entry>, GauntletError> {
    if input.hidden.is_empty() {
        return Err(GauntletError::NoHiddenTrials);
    }
    let public = input.public;
    let trials = input
        .hidden
        .iter()
        .map(|h| {
            let stimulus = public
                .trials
                .iter()
                .find(|t| t.id == h.id && t.split == Split::Test)
                .ok_or_else(|| GauntletError::MissingStimulus {
                    trial: h.id.clone(),
                })?;
            Ok(Trial {
                id: &h.id,
                duration_s: h.duration_s,
                public: stimulus,
                hidden: h,
            })
        })
        .collect::<Result<Vec<_>, GauntletError>>()?;
    let fit = |b: Baseline| {
        b.fit(public).map_err(|source| GauntletError::Baseline {
            name: b.name(),
            source,
        })
    };
    let Fitted::Poisson { rate_hz } = fit(Baseline::Poisson)? else {
        unreachable!("Baseline::Poisson fits a Poisson model")
    };
    let ctx = Context {
        trials,
        training: public
            .trials
            .iter()
            .filter(|t| t.split == Split::Train && !t.spikes_s.is_empty())
            .map(|t| t.spikes_s.as_slice())
            .collect(),
        dt_s: public.dt_s,
        delta_s: input.params.delta_s,
        train_rate_hz: rate_hz,
        params: input.params,
        hidden: input.hidden,
    };
    let seed_of = |name: &str| derive_seed(input.seed, name, 0);
    // The honest entries: every suited baseline. One whose fit refuses the training data is
    // listed as not built and not ranked.
    let mut honest: Vec<(Baseline, Result<PredictedTrials, String>)> = Vec::new();
    for b in Baseline::suited(&public.manifest) {
        let predicted = b
            .fit(public)
            .and_then(|model| ctx.fitted(&model, seed_of(b.name())))
            .map_err(|e| e.to_string());
        honest.push((b, predicted));
    }
    // The best honest prediction (the generating model where there is one) is the "good
    // prediction" the tricks on public data start from.
    let best = honest.iter().find_map(|(_, p)| p.as_ref().ok());
    let simulated = public.manifest.simulated().is_some();

    let mut built = entries::no_stimulus(&ctx, &seed_of);
    built.extend(entries::adaptive(&ctx, seed_of("adaptive adversary")));
    built.extend(entries::best_of_n(&ctx, &seed_of));
    if let Some(best) = best {
        built.extend(entries::no_hidden_data(&ctx, best));
        built.extend(entries::hidden_data(&ctx, best));
    }
    if simulated {
        let reference = honest
            .iter()
            .find(|(b, _)| *b == Baseline::Reference)
            .and_then(|(_, p)| p.as_ref().ok());
        built.push(entries::resimulated(&ctx, public, reference));
    }
    built.extend(entries::malformed(&ctx));
    let tiers: Vec<u8> = honest.iter().map(|(b, _)| b.tier()).collect();
    for (b, predicted) in &honest {
        let name = format!("baseline {}", b.name());
        built.push(match predicted {
            Ok(p) => Built::scored(&ctx, name, Class::Honest, p),
            Err(why) => Built {
                name,
                class: Class::Honest,
                outcome: Outcome::NotBuilt(why.clone()),
                must_name: None,
            },
        });
    }
    let mut out: Vec<Entry> = built
        .into_iter()
        .map(|b| {
            let (passed, rule) = judge(b.class, &b.outcome, b.must_name.as_deref());
            Entry {
                name: b.name,
                class: b.class,
                outcome: b.outcome,
                passed,
                rule,
            }
        })
        .collect();
    if simulated {
        rank_honest(&mut out, &tiers);
    } else {
        hold_the_null_to_its_bound(&mut out);
    }
    Ok(out)
}

/// One submission on the server's path: `bytes` (a predictions file) checked by
/// [`predictions::parse`] against the hidden trials' ids and durations, then scored by
/// [`evaluate`](crate::evaluate::evaluate) with every hidden trial pooled as one part.
pub fn score(bytes: &[u8], hidden: &[HiddenTrial], dt_s: f64, params: &ScoringParams) -> Outcome {
    let pooled: Vec<HiddenTrial> = hidden
        .iter()
        .map(|h| h.clone().whole(Part::Public))
        .collect();
    match score_file(bytes, &pooled, dt_s, params, &Limits::default()) {
        Err(e) => Outcome::Rejected(e.to_string()),
        Ok(evaluation) => scored(&evaluation.public, String::new()),
    }
}

/// The outcome of one part's scores, with a note.
fn scored(scores: &arena_scoring::CoreScores, note: String) -> Outcome {
    Outcome::Scored {
        primary: scores.primary.clone(),
        md_star: scores.md_star.clone(),
        gamma_over_r: scores.gamma_over_r.clone(),
        note,
    }
}

/// The bound of `class` applied to `outcome`: (passed, the rule in words).
///
/// `must_name` is the text a malformed entry's rejection must contain; other classes ignore it.
/// Honest entries only need a defined primary here; [`run`] then checks their order.
pub fn judge(class: Class, outcome: &Outcome, must_name: Option<&str>) -> (bool, String) {
    let primary = outcome.primary();
    match class {
        Class::NoStimulus => (
            match outcome {
                Outcome::Rejected(_) => true,
                Outcome::Scored { .. } => primary.is_some_and(|p| p <= NULL_TOLERANCE),
                Outcome::NotBuilt(_) => false,
            },
            format!("primary ≤ 0 + {NULL_TOLERANCE} (no stimulus information), or rejected"),
        ),
        Class::NoHiddenData => (
            match outcome {
                // Not buildable from public data: nothing leaked.
                Outcome::NotBuilt(_) | Outcome::Rejected(_) => true,
                Outcome::Scored { .. } => primary.is_some_and(|p| p <= 1.0 + CEILING_TOLERANCE),
            },
            format!("primary ≤ 1 + {CEILING_TOLERANCE} (made without hidden data)"),
        ),
        Class::HiddenData => (true, "built from hidden data: reported, exempt".to_string()),
        Class::Malformed => {
            let needle = must_name.unwrap_or_default();
            (
                matches!(outcome, Outcome::Rejected(m) if m.contains(needle)),
                format!("rejected by the parser, naming {needle}"),
            )
        }
        Class::Honest => match outcome {
            Outcome::NotBuilt(_) => (true, "not fitted, so not ranked".to_string()),
            _ => (primary.is_some(), "a defined primary".to_string()),
        },
    }
}

/// Checks the honest entries' order on a simulated challenge: each must score strictly above
/// every honest entry of a lower tier of known quality and strictly below every entry of a
/// higher tier ([`Baseline::tier`]: the generating model, then the models fitted to the training
/// data, then the null). Models of one tier are not ordered among themselves, nor are entries
/// that were not built. `tiers` lists the honest entries' tiers in order.
fn rank_honest(entries: &mut [Entry], tiers: &[u8]) {
    let honest: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].class == Class::Honest)
        .collect();
    assert_eq!(honest.len(), tiers.len(), "one tier per honest entry");
    let built: Vec<bool> = honest
        .iter()
        .map(|&i| !matches!(entries[i].outcome, Outcome::NotBuilt(_)))
        .collect();
    let primaries: Vec<Option<f64>> = honest
        .iter()
        .map(|&i| entries[i].outcome.primary())
        .collect();
    let names: Vec<String> = honest.iter().map(|&i| entries[i].name.clone()).collect();
    for (k, &i) in honest.iter().enumerate() {
        if !built[k] {
            continue;
        }
        let beats = |hi: usize, lo: usize| match (primaries[hi], primaries[lo]) {
            (Some(h), Some(l)) => h > l,
            _ => false,
        };
        let others = |keep: &dyn Fn(u8) -> bool| -> Vec<usize> {
            (0..honest.len())
                .filter(|&j| built[j] && keep(tiers[j]))
                .collect()
        };
        let above = others(&|t| t < tiers[k]);
        let below = others(&|t| t > tiers[k]);
        let ok = above.iter().all(|&a| beats(a, k)) && below.iter().all(|&b| beats(k, b));
        let mut rule = String::from("defined primary");
        for (word, list) in [("below", &above), ("above", &below)] {
            if !list.is_empty() {
                let who: Vec<&str> = list.iter().map(|&j| names[j].as_str()).collect();
                write!(rule, ", {word} {}", who.join(" and ")).expect("writing to a String");
            }
        }
        entries[i].passed = entries[i].passed && ok;
        entries[i].rule = rule;
    }
}

/// On recorded data: the Poisson baseline carries no stimulus information, so it is held to the
/// null's bound like every such entry (the fitted models only need a defined primary).
fn hold_the_null_to_its_bound(entries: &mut [Entry]) {
    let null = format!("baseline {}", Baseline::Poisson.name());
    for e in entries.iter_mut().filter(|e| e.name == null) {
        let (passed, rule) = judge(Class::NoStimulus, &e.outcome, None);
        e.passed = passed;
        e.rule = format!("{rule} (recorded data: no quality order is known for fitted models)");
    }
}

/// The entries as a fixed-width table (name, class, primary, Md*, Γ/R, verdict, rule), with
/// the parser's message under each rejected entry and the note under each scored one.
pub fn table(entries: &[Entry]) -> String {
    let width = entries
        .iter()
        .map(|e| e.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(5);
    let mut out = format!(
        "{:<width$}  {:<11}  {:>8}  {:>8}  {:>8}  {:<7}  rule\n",
        "entry", "class", "primary", "Md*", "Γ/R", "verdict"
    );
    let number = |m: &Metric| match m {
        Ok(x) => format!("{x:+.3}"),
        Err(_) => "undef".to_string(),
    };
    for e in entries {
        let (primary, md, gr) = match &e.outcome {
            Outcome::Scored {
                primary,
                md_star,
                gamma_over_r,
                ..
            } => (number(primary), number(md_star), number(gamma_over_r)),
            Outcome::Rejected(_) => ("rejected".into(), "-".into(), "-".into()),
            Outcome::NotBuilt(_) => ("not built".into(), "-".into(), "-".into()),
        };
        let verdict = if e.passed { "pass" } else { "FAIL" };
        writeln!(
            out,
            "{:<width$}  {:<11}  {primary:>8}  {md:>8}  {gr:>8}  {verdict:<7}  {}",
            e.name,
            e.class.as_str(),
            e.rule
        )
        .expect("writing to a String");
        let detail = match &e.outcome {
            Outcome::Rejected(message) => format!("rejected: {message}"),
            Outcome::NotBuilt(message) => format!("not built: {message}"),
            Outcome::Scored { note, .. } => note.clone(),
        };
        if !detail.is_empty() {
            writeln!(out, "    {detail}").expect("writing to a String");
        }
    }
    out
}

/// The spike trains of hidden trial repeats, seconds (for the oracle entries).
fn times(trains: &[SpikeTrain]) -> Vec<Vec<f64>> {
    trains.iter().map(|t| t.times().to_vec()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored_outcome(primary: f64) -> Outcome {
        Outcome::Scored {
            primary: Ok(primary),
            md_star: Ok(0.5),
            gamma_over_r: Ok(0.5),
            note: String::new(),
        }
    }

    #[test]
    fn bounds_are_applied_as_stated() {
        let pass = |class, p| judge(class, &scored_outcome(p), None).0;
        assert!(pass(Class::NoStimulus, NULL_TOLERANCE));
        assert!(!pass(Class::NoStimulus, NULL_TOLERANCE + 1e-9));
        assert!(judge(Class::NoStimulus, &Outcome::Rejected("x".into()), None).0);
        assert!(pass(Class::NoHiddenData, 1.0 + CEILING_TOLERANCE));
        assert!(!pass(Class::NoHiddenData, 1.0 + CEILING_TOLERANCE + 1e-9));
        assert!(
            judge(
                Class::NoHiddenData,
                &Outcome::NotBuilt("no generator".into()),
                None
            )
            .0
        );
        assert!(pass(Class::HiddenData, 7.0), "exempt");
        assert!(
            !pass(Class::Malformed, -1.0),
            "a scored malformed entry fails"
        );
        let undefined = Outcome::Scored {
            primary: Err(arena_scoring::Undefined { reason: "r".into() }),
            md_star: Ok(0.0),
            gamma_over_r: Ok(0.0),
            note: String::new(),
        };
        assert!(!judge(Class::NoStimulus, &undefined, None).0);
        assert!(!judge(Class::Honest, &undefined, None).0);
    }

    #[test]
    fn honest_entries_must_keep_their_order() {
        let entry = |name: &str, p: f64| Entry {
            name: name.into(),
            class: Class::Honest,
            outcome: scored_outcome(p),
            passed: true,
            rule: String::new(),
        };
        // reference 0.90 < lif 0.95: both of that pair fail; poisson −0.1 < lif passes.
        let mut e = vec![
            entry("ref", 0.90),
            entry("lif", 0.95),
            entry("poisson", -0.1),
        ];
        rank_honest(&mut e, &[0, 1, 2]);
        assert_eq!(
            e.iter().map(|e| e.passed).collect::<Vec<_>>(),
            [false, false, true]
        );
        assert_eq!(e[1].rule, "defined primary, below ref, above poisson");
        // Two fitted models of one tier are not ordered among themselves.
        let mut e = vec![entry("gif", 0.5), entry("mat", 0.6), entry("poisson", -0.1)];
        rank_honest(&mut e, &[1, 1, 2]);
        assert!(e.iter().all(|e| e.passed));
        // An entry not built is not ranked, and does not block the others.
        let mut e = vec![
            entry("gif", 0.5),
            entry("adex", 0.0),
            entry("poisson", -0.1),
        ];
        e[1].outcome = Outcome::NotBuilt("fit refused".into());
        rank_honest(&mut e, &[1, 1, 2]);
        assert!(e.iter().all(|e| e.passed), "{e:?}");
    }
}
