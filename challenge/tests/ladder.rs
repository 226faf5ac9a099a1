//! The Ladder against an adaptive contestant (issue 13 D): a seeded simulation of 30 days of
//! submissions on the injected-current demo (hidden seed 11), by a hill-climber that has no
//! better model than the GIF it starts from and keeps whatever the public board rewards.
//!
//! Each submission replaces the prediction on one random 0.5 s window of one test trial with
//! the same window of another sample of the same fitted GIF: no change in expected quality, only
//! noise. The climber keeps a change when the board's displayed public score moves to it. On a
//! board that shows exact public scores it drifts towards the public segments' noise, and its
//! public score rises above its private one; under the Ladder (Blum & Hardt 2015) a change must
//! beat the displayed score by the step to be released, which noise rarely does.
//!
//! `cargo test -p arena-challenge --test challenge ladder:: -- --nocapture` prints the inflation (displayed
//! public − private of the submission shown) per climber seed and on average, for each step.

use crate::common::{DEMO, hidden, public_view};
use arena_challenge::baselines::{Baseline, PredictedTrials};
use arena_challenge::board::{Entry, NamedMetric, ladder};
use arena_challenge::evaluate::score_file;
use arena_challenge::families::{Manifest, generate};
use arena_challenge::predictions::{Limits, to_json};
use arena_challenge_core::generated::DataFiles;
use arena_challenge_core::hidden::HiddenTrial;
use arena_challenge_core::manifest::DEFAULT_LADDER_STEP;
use arena_challenge_core::trial::Split;
use arena_neuron::rng::{derive_seed, rng_from_seed};
use arena_scoring::ScoringParams;
use rand::Rng;

/// Days of the competition and submissions a day (the demo's daily limit).
const DAYS: usize = 30;
const PER_DAY: usize = 5;

/// Alternative samples of the GIF the climber splices windows from.
const SAMPLES: u64 = 8;

/// Repeats of each prediction.
const REPEATS: usize = 20;

/// Length of the window a submission changes, seconds.
const WINDOW_S: f64 = 0.5;

struct Setting {
    hidden: Vec<HiddenTrial>,
    dt_s: f64,
    base: PredictedTrials,
    samples: Vec<PredictedTrials>,
}

fn setting() -> Setting {
    let manifest = Manifest::parse(DEMO).unwrap();
    let g = generate(&manifest, 11, &DataFiles::new()).unwrap();
    let public = public_view(&manifest, &g);
    // One fit, several samples; 20 repeats of each (the baseline sends 100) keep the 1200
    // scorings of the test short.
    let gif = Baseline::Gif.fit(&public).unwrap();
    let predict = |seed| -> PredictedTrials {
        public
            .trials
            .iter()
            .filter(|t| t.split == Split::Test)
            .map(|t| {
                let mut r = gif
                    .predict(t, public.dt_s, derive_seed(seed, &t.id, 0))
                    .unwrap();
                r.truncate(REPEATS);
                (t.id.clone(), r)
            })
            .collect()
    };
    Setting {
        hidden: hidden(&g),
        dt_s: manifest.sampling.dt_s,
        base: predict(1),
        samples: (0..SAMPLES).map(|s| predict(100 + s)).collect(),
    }
}

/// (public primary, private primary) of a prediction.
fn score(s: &Setting, p: &PredictedTrials) -> (f64, f64) {
    let e = score_file(
        &to_json(p),
        &s.hidden,
        s.dt_s,
        &ScoringParams::default(),
        &Limits::default(),
    )
    .unwrap();
    (e.public.primary.unwrap(), e.private.primary.unwrap())
}

/// `p` with window [a, a + WINDOW_S) of trial `id` taken from `from`.
fn splice(p: &PredictedTrials, from: &PredictedTrials, id: &str, a: f64) -> PredictedTrials {
    let mut out = p.clone();
    let inside = |t: &f64| (a..a + WINDOW_S).contains(t);
    let mine = out.get_mut(id).unwrap();
    for (r, theirs) in mine.iter_mut().zip(&from[id]) {
        r.retain(|t| !inside(t));
        r.extend(theirs.iter().copied().filter(inside));
        r.sort_by(f64::total_cmp);
    }
    out
}

/// One climber over the competition with Ladder step `step`: how much more the displayed public
/// score exceeds the private score of the submission that set it at the end than at the start
/// (the starting prediction's own public − private difference is the split's, not the
/// climber's doing).
fn climb(s: &Setting, step: f64, seed: u64) -> f64 {
    let mut rng = rng_from_seed(derive_seed(seed, "climber", 0));
    let ids: Vec<String> = s.base.keys().cloned().collect();
    let mut state = s.base.clone();
    let mut entries: Vec<Entry> = Vec::new();
    let mut private = Vec::new();
    for n in 0..DAYS * PER_DAY {
        let candidate = if n == 0 {
            state.clone()
        } else {
            let id = &ids[rng.random_range(0..ids.len())];
            let duration = s.hidden.iter().find(|h| &h.id == id).unwrap().duration_s;
            let a = rng.random_range(0.0..duration - WINDOW_S);
            let from = &s.samples[rng.random_range(0..s.samples.len())];
            splice(&state, from, id, a)
        };
        let (public, hidden_private) = score(s, &candidate);
        entries.push(Entry {
            submission_id: format!("s{n:03}"),
            team: "climber".into(),
            model: "gif".into(),
            is_baseline: false,
            created_at: format!("day {:02}, {n:03}", n / PER_DAY),
            scores: vec![NamedMetric {
                name: "primary".into(),
                value: Some(public),
                note: String::new(),
            }],
            selected: false,
        });
        private.push(hidden_private);
        let (_, by) = ladder(&entries, step).unwrap();
        if by.submission_id == entries[n].submission_id {
            state = candidate;
        }
    }
    let (shown, by) = ladder(&entries, step).unwrap();
    let k: usize = by.submission_id[1..].parse().unwrap();
    let start = entries[0].scores[0].value.unwrap() - private[0];
    shown - private[k] - start
}

#[test]
fn the_ladder_keeps_an_adaptive_climber_from_inflating_the_public_board() {
    let s = setting();
    // The step against the noise it must hide: the public primary of samples of one model.
    let public: Vec<f64> = s.samples.iter().map(|p| score(&s, p).0).collect();
    let n = public.len() as f64;
    let mean = public.iter().sum::<f64>() / n;
    let sd = (public.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    eprintln!(
        "public primary of {} samples of the fitted GIF ({REPEATS} repeats): {mean:.4} ± {sd:.4}",
        public.len()
    );
    let climbers = [1u64, 2, 3, 4];
    let mean = |step: f64| {
        let v: Vec<f64> = climbers.iter().map(|&c| climb(&s, step, c)).collect();
        eprintln!("step {step}: inflation per climber {v:.4?}");
        v.iter().sum::<f64>() / v.len() as f64
    };
    let exact = mean(0.0);
    let laddered = mean(DEFAULT_LADDER_STEP);
    eprintln!(
        "mean public − private after {} submissions: exact board {exact:+.4}, Ladder step \
         {DEFAULT_LADDER_STEP} {laddered:+.4}",
        DAYS * PER_DAY
    );
    // Measured: see docs/scoring.md, "The Ladder".
    assert!(exact > 0.01, "the exact board is not inflated: {exact}");
    assert!(laddered < exact / 2.0, "Ladder {laddered} vs exact {exact}");
}
