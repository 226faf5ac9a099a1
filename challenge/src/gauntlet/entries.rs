//! The gauntlet's fixed entries, by class (see the parent module for the bounds), and the two
//! entries that score more than one submission: the adaptive adversary and the best of N.

use arena_neuron::point::poisson_train;
use arena_neuron::rng::derive_seed;
use arena_scoring::SpikeTrain;

use super::adversary::Search;
use super::{
    BEST_OF, BURST, Built, Class, Context, Outcome, PEAK_HALF_WINDOW_S, POISSON_RATES_HZ, SHIFT_S,
    TRAINING_RATE_MULTIPLES, scored, times,
};
use crate::baselines::{Baseline, PredictedTrials};
use crate::families::PublicChallenge;
use crate::predictions::{self, MAX_REPEATS};
use arena_challenge_core::trial::Part;

/// Repeats of the constant-rate entries.
const POISSON_REPEATS: usize = 100;

/// Entries with no stimulus information at all.
pub(super) fn no_stimulus(ctx: &Context, seed_of: &dyn Fn(&str) -> u64) -> Vec<Built> {
    let mut out = vec![
        Built::scored(
            ctx,
            "empty prediction",
            Class::NoStimulus,
            &ctx.per_trial(0, |_, _, _| vec![Vec::new()]),
        ),
        Built::scored(
            ctx,
            "a spike in every dt bin",
            Class::NoStimulus,
            &ctx.per_trial(0, |_, t, _| vec![every_bin(t.duration_s, ctx.dt_s)]),
        ),
    ];
    let multiples = TRAINING_RATE_MULTIPLES.iter().map(|&m| {
        let rate_hz = m * ctx.train_rate_hz;
        (
            format!(
                "Poisson at {m}× the training rate ({rate_hz:.1} Hz), {POISSON_REPEATS} repeats"
            ),
            rate_hz,
        )
    });
    // The fixed high rates probe Γ's singularity; 10 repeats keep their files under the
    // upload limit.
    let fixed = POISSON_RATES_HZ
        .iter()
        .map(|&r| (format!("Poisson {r} Hz, 10 repeats"), r));
    for (k, (name, rate_hz)) in multiples
        .map(|m| (POISSON_REPEATS, m))
        .chain(fixed.map(|f| (10, f)))
    {
        let predicted = poisson(ctx, rate_hz, k, seed_of(&name));
        out.push(Built::scored(ctx, name, Class::NoStimulus, &predicted));
    }
    let rate = ctx.train_rate_hz;
    out.push(Built::scored(
        ctx,
        format!("periodic at the training rate ({rate:.2} Hz)"),
        Class::NoStimulus,
        &ctx.per_trial(0, |_, t, _| vec![periodic(rate, t.duration_s, 0.5)]),
    ));
    let name = format!("{MAX_REPEATS} random Poisson repeats at the training rate");
    out.push(Built::scored(
        ctx,
        &name,
        Class::NoStimulus,
        &poisson(ctx, rate, MAX_REPEATS, seed_of(&name)),
    ));
    if !ctx.training.is_empty() {
        out.push(Built::scored(
            ctx,
            "training response replayed on the test stimulus",
            Class::NoStimulus,
            &ctx.per_trial(0, |i, t, _| {
                ctx.training[i % ctx.training.len()]
                    .iter()
                    .map(|r| within(r.iter().copied(), t.duration_s))
                    .collect()
            }),
        ));
    }
    // Dependent repeats: what version 1 of the score rewarded without any information.
    let dense = |d: f64| every_bin(d, 1e-4);
    out.push(Built::scored(
        ctx,
        "a dense train (every 0.1 ms) plus a one-spike repeat",
        Class::NoStimulus,
        &ctx.per_trial(0, |_, t, _| {
            vec![dense(t.duration_s), vec![t.duration_s / 2.0]]
        }),
    ));
    out.push(Built::scored(
        ctx,
        "the same, on every other trial only (partial)",
        Class::NoStimulus,
        &ctx.per_trial(0, |i, t, _| {
            if i % 2 == 0 {
                vec![dense(t.duration_s), vec![t.duration_s / 2.0]]
            } else {
                vec![periodic(rate, t.duration_s, 0.5)]
            }
        }),
    ));
    let spacing = 2.0 * 1.01 * ctx.delta_s;
    out.push(Built::scored(
        ctx,
        "two anti-phase grids 1.01·Δ apart (never coincide)",
        Class::NoStimulus,
        &ctx.per_trial(0, |_, t, _| {
            vec![
                grid(spacing, 0.0, t.duration_s),
                grid(spacing, spacing / 2.0, t.duration_s),
            ]
        }),
    ));
    out.push(Built::scored(
        ctx,
        "anti-phase grids on the first half of each trial only (partial)",
        Class::NoStimulus,
        &ctx.per_trial(0, |_, t, _| {
            let half = t.duration_s / 2.0;
            let mut a = grid(spacing, 0.0, half);
            let mut b = grid(spacing, spacing / 2.0, half);
            a.extend(
                periodic(rate, t.duration_s, 0.5)
                    .into_iter()
                    .filter(|x| *x >= half),
            );
            b.retain(|x| *x < half);
            vec![a, b]
        }),
    ));
    out
}

/// K Poisson repeats at `rate_hz` on every trial, seeded per trial and repeat.
fn poisson(ctx: &Context, rate_hz: f64, k: usize, seed: u64) -> PredictedTrials {
    ctx.per_trial(seed, |_, t, s| {
        (0..k as u64)
            .map(|r| poisson_train(rate_hz, t.duration_s, derive_seed(s, "repeat", r)))
            .collect()
    })
}

/// The adaptive adversary ([`Search`]): its best candidate, submitted through the bytes path.
pub(super) fn adaptive(ctx: &Context, seed: u64) -> Option<Built> {
    let search = Search {
        hidden: ctx.hidden,
        params: ctx.params,
        train_rate_hz: ctx.train_rate_hz,
    };
    let found = search.run(seed)?;
    let file = predictions::encode(&found.predictions);
    let outcome = match ctx.pooled(&file) {
        Outcome::Scored {
            primary,
            md_star,
            gamma_over_r,
            ..
        } => Outcome::Scored {
            primary,
            md_star,
            gamma_over_r,
            note: format!(
                "best of {} evaluations (budget): {}",
                found.evaluations, found.attack
            ),
        },
        other => other,
    };
    Some(Built {
        name: format!(
            "adaptive adversary ({} evaluations against the hidden truth)",
            found.evaluations
        ),
        class: Class::NoStimulus,
        outcome,
        must_name: None,
    })
}

/// [`BEST_OF`] no-information submissions (Poisson at 1–4× the training rate, seeds apart), as
/// a team that submits often would make them: the one with the best public primary, judged on
/// the private part — how the final board ranks (a team selects its best public entry). The note
/// gives the best *private* primary of the N too: what ranking by the best private score over
/// all submissions would have shown.
pub(super) fn best_of_n(ctx: &Context, seed_of: &dyn Fn(&str) -> u64) -> Option<Built> {
    let mut scored_parts = Vec::new();
    for i in 0..BEST_OF {
        let rate = TRAINING_RATE_MULTIPLES[i % TRAINING_RATE_MULTIPLES.len()] * ctx.train_rate_hz;
        let seed = derive_seed(seed_of("best of N"), "submission", i as u64);
        let file = predictions::to_json(&poisson(ctx, rate, 10, seed));
        let e = ctx.by_part(&file).ok()?;
        scored_parts.push(e);
    }
    let primary = |e: &crate::evaluate::Evaluation, part: Part| match part {
        Part::Public => e.public.primary.clone().ok(),
        Part::Private => e.private.primary.clone().ok(),
    };
    let chosen = scored_parts.iter().max_by(|a, b| {
        let (x, y) = (primary(a, Part::Public), primary(b, Part::Public));
        x.unwrap_or(f64::MIN).total_cmp(&y.unwrap_or(f64::MIN))
    })?;
    let best_private = scored_parts
        .iter()
        .filter_map(|e| primary(e, Part::Private))
        .fold(f64::MIN, f64::max);
    let note = format!(
        "the best public of {BEST_OF} ({}) judged on the private part; the best private of the \
         {BEST_OF}, which a board ranking every submission's private score would show: {best_private:+.3}",
        number(primary(chosen, Part::Public)),
    );
    Some(Built {
        name: format!("best of {BEST_OF} no-information submissions, selected on the public part"),
        class: Class::NoStimulus,
        outcome: scored(&chosen.private, note),
        must_name: None,
    })
}

fn number(x: Option<f64>) -> String {
    x.map_or("undefined".into(), |v| format!("{v:+.3}"))
}

/// Tricks applied to the best honest prediction (public data only).
pub(super) fn no_hidden_data(ctx: &Context, best: &PredictedTrials) -> Vec<Built> {
    // Every predicted repeat sent twice, shifted by ∓(Δ/2 + 0.05 ms) (2K repeats): the copies
    // never coincide with each other under the INCF box. Partial: every other spike is sent
    // unshifted in both copies.
    let half = ctx.delta_s / 2.0 + 5e-5;
    let split = |partial: bool| {
        ctx.per_trial(0, |_, t, _| {
            best[t.id]
                .iter()
                .flat_map(|r| {
                    let copy = |sign: f64| {
                        let moved = r.iter().enumerate().map(|(i, &s)| {
                            if partial && i % 2 == 1 {
                                s
                            } else {
                                s + sign * half
                            }
                        });
                        within(tidy(moved.collect()).into_iter(), t.duration_s)
                    };
                    [copy(-1.0), copy(1.0)]
                })
                .collect()
        })
    };
    let (n, spacing) = BURST;
    vec![
        Built::scored(
            ctx,
            "each repeat of the best baseline sent twice, shifted by ∓(Δ/2 + 0.05 ms)",
            Class::NoHiddenData,
            &split(false),
        ),
        Built::scored(
            ctx,
            "the same for every other spike (partial)",
            Class::NoHiddenData,
            &split(true),
        ),
        Built::scored(
            ctx,
            format!("best baseline shifted by +{:.0} ms", SHIFT_S * 1e3),
            Class::NoHiddenData,
            &ctx.per_trial(0, |_, t, _| {
                best[t.id]
                    .iter()
                    .map(|r| within(r.iter().map(|s| s + SHIFT_S), t.duration_s))
                    .collect()
            }),
        ),
        Built::scored(
            ctx,
            format!(
                "bursts of {n} spikes {:.1} ms apart at every stimulus peak",
                spacing * 1e3
            ),
            Class::NoHiddenData,
            &ctx.per_trial(0, |_, t, _| {
                let peaks = stimulus_peaks(&t.public.stimulus_na, ctx.dt_s, PEAK_HALF_WINDOW_S);
                let burst = peaks
                    .iter()
                    .flat_map(|&p| (0..n).map(move |k| p + k as f64 * spacing));
                vec![within(burst, t.duration_s)]
            }),
        ),
    ]
}

/// The generator re-simulated from the fetched files, as a contestant would try: the reference
/// baseline fitted on what a contestant fetches ([`PublicChallenge::as_fetched`]). Where the
/// organizer hides the generator it cannot be built (the entry passes, naming why); where the
/// cell is published the fetched files are the organizer's, so the entry is the honest
/// `reference` prediction (`reference`, computed once), held to the ceiling.
pub(super) fn resimulated(
    ctx: &Context,
    organizer: &PublicChallenge,
    reference: Option<&PredictedTrials>,
) -> Built {
    let name = "the generator re-simulated from the fetched files";
    let fetched = organizer.as_fetched();
    match (Baseline::Reference.fit(&fetched), reference) {
        (Ok(_), Some(predicted)) => Built::scored(ctx, name, Class::NoHiddenData, predicted),
        (Ok(_), None) => Built {
            name: name.into(),
            class: Class::NoHiddenData,
            outcome: Outcome::NotBuilt(
                "the generator is published but the reference baseline was not built".into(),
            ),
            must_name: None,
        },
        (Err(e), _) => Built {
            name: name.into(),
            class: Class::NoHiddenData,
            outcome: Outcome::NotBuilt(format!("from the fetched files: {e}")),
            must_name: None,
        },
    }
}

/// Entries built from what no contestant has: reported, exempt.
pub(super) fn hidden_data(ctx: &Context, best: &PredictedTrials) -> Vec<Built> {
    let mut out = vec![
        Built::scored(
            ctx,
            "each hidden repeat's neighbour (repeat k+1 for k)",
            Class::HiddenData,
            &ctx.per_trial(0, |_, t, _| neighbours(&t.hidden.recorded)),
        ),
        Built::scored(
            ctx,
            "consensus of the hidden repeats (≥ half within Δ)",
            Class::HiddenData,
            &ctx.per_trial(0, |_, t, _| {
                vec![consensus(&t.hidden.recorded, ctx.delta_s)]
            }),
        ),
    ];
    // Predicting only the public segments, as one who knew them would: how much the public
    // score would say about the private one.
    let public_only = ctx.per_trial(0, |_, t, _| {
        best[t.id]
            .iter()
            .map(|r| {
                r.iter()
                    .copied()
                    .filter(|&s| {
                        t.hidden
                            .segments
                            .iter()
                            .any(|g| g.part == Part::Public && (g.start_s..g.end_s).contains(&s))
                    })
                    .collect()
            })
            .collect()
    });
    if let Ok(e) = ctx.by_part(&predictions::to_json(&public_only)) {
        let note = format!(
            "public {}, private {}: which segments are public is never shown to contestants",
            number(e.public.primary.clone().ok()),
            number(e.private.primary.clone().ok())
        );
        out.push(Built {
            name: "the best baseline on the public segments only".into(),
            class: Class::HiddenData,
            outcome: scored(&e.public, note),
            must_name: None,
        });
    }
    out
}

/// Repeat k of the prediction is hidden repeat k + 1 (cyclically): each recorded repeat meets
/// its recorded neighbour. The primary sees only the merged repeats, so this entry scores
/// exactly as a plain copy of the hidden repeats would.
pub fn neighbours(recorded: &[SpikeTrain]) -> Vec<Vec<f64>> {
    let n = recorded.len();
    let all = times(recorded);
    (0..n).map(|k| all[(k + 1) % n].clone()).collect()
}

/// Hand-made bad files, each with the fault in the last test trial; every other trial holds a
/// valid periodic train, so only the fault can cause the rejection.
pub(super) fn malformed(ctx: &Context) -> Vec<Built> {
    let target = ctx
        .trials
        .last()
        .expect("run checks there is a hidden trial");
    let d = target.duration_s;
    let rate = ctx.train_rate_hz;
    let valid = || ctx.per_trial(0, |_, t, _| vec![periodic(rate, t.duration_s, 0.5)]);
    let bad_repeat = |name: &str, bad: Vec<f64>| {
        let mut predicted = valid();
        predicted
            .get_mut(target.id)
            .expect("per_trial covers every trial")[0] = bad;
        Built {
            name: name.to_string(),
            class: Class::Malformed,
            outcome: ctx.pooled(&python_json(&predicted)),
            must_name: Some(format!("trial {:?}, repeat 0", target.id)),
        }
    };
    let mut out = vec![
        bad_repeat(
            "duplicated spike",
            vec![0.25 * d, 0.5 * d, 0.5 * d, 0.75 * d],
        ),
        bad_repeat("unsorted spikes", vec![0.25 * d, 0.75 * d, 0.5 * d]),
        bad_repeat("NaN spike time", vec![0.25 * d, f64::NAN, 0.75 * d]),
        bad_repeat("negative spike time", vec![-0.001, 0.25 * d]),
        bad_repeat("spike at the trial end (out of window)", vec![0.25 * d, d]),
    ];
    // An intensity with a negative rate, spliced into the valid file's JSON.
    let mut text = String::from_utf8(predictions::to_json(&valid())).expect("JSON is UTF-8");
    let key = format!("\"{}\":", target.id);
    let at = text.find(&key).expect("the target trial is in the file") + key.len();
    let end = at + text[at..].find("]]").expect("the trial's repeats end") + 2;
    text.replace_range(at..end, &format!("{{\"bin_s\":{d},\"rate_hz\":[-1]}}"));
    out.push(Built {
        name: "intensity with a negative rate".into(),
        class: Class::Malformed,
        outcome: ctx.pooled(text.as_bytes()),
        must_name: Some(format!("trial {:?}, intensity", target.id)),
    });
    out
}

/// The predictions file as Python's `json.dump` writes it: non-finite times as the bare token
/// `NaN` (serde_json writes them as `null`, which is not what a contestant's script sends).
fn python_json(predicted: &PredictedTrials) -> Vec<u8> {
    String::from_utf8(predictions::to_json(predicted))
        .expect("serde_json writes UTF-8")
        .replace("[null", "[NaN")
        .replace(",null", ",NaN")
        .into_bytes()
}

/// A spike at the start of every bin of `dt_s` on [0, duration).
fn every_bin(duration_s: f64, dt_s: f64) -> Vec<f64> {
    let n = (duration_s / dt_s).round() as usize;
    within((0..n).map(|k| k as f64 * dt_s), duration_s)
}

/// A regular train at `rate_hz`, spikes at (k + phase)/rate, on [0, duration).
fn periodic(rate_hz: f64, duration_s: f64, phase: f64) -> Vec<f64> {
    if !(rate_hz.is_finite() && rate_hz > 0.0) {
        return Vec::new();
    }
    let n = (duration_s * rate_hz).ceil() as usize;
    within((0..n).map(|k| (k as f64 + phase) / rate_hz), duration_s)
}

/// A regular grid `spacing` apart from `offset` on [0, duration).
fn grid(spacing: f64, offset: f64, duration_s: f64) -> Vec<f64> {
    periodic(1.0 / spacing, duration_s, offset / spacing)
}

/// The times in [0, duration), in the order given.
fn within(times: impl Iterator<Item = f64>, duration_s: f64) -> Vec<f64> {
    times.filter(|t| (0.0..duration_s).contains(t)).collect()
}

/// Sorted without repeated values.
fn tidy(mut times: Vec<f64>) -> Vec<f64> {
    times.sort_by(f64::total_cmp);
    times.dedup();
    times
}

/// Times (s) of the stimulus peaks: samples above the trial's mean + 1 s.d. that are the
/// largest (first, on ties) within ± `half_window_s`. At most one peak per half window, so the
/// peak rate is bounded by 1/half_window.
pub fn stimulus_peaks(stimulus: &[f64], dt_s: f64, half_window_s: f64) -> Vec<f64> {
    let n = stimulus.len();
    if n == 0 {
        return Vec::new();
    }
    let mean = stimulus.iter().sum::<f64>() / n as f64;
    let sd = (stimulus.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
    let w = (half_window_s / dt_s).round() as usize;
    (0..n)
        .filter(|&i| {
            let x = stimulus[i];
            x > mean + sd
                && stimulus[i.saturating_sub(w)..i].iter().all(|&y| y < x)
                && stimulus[i + 1..(i + w + 1).min(n)].iter().all(|&y| y <= x)
        })
        .map(|i| i as f64 * dt_s)
        .collect()
}

/// A deterministic consensus train of recorded repeats: scanning the pooled spikes in time
/// order, wherever at least half of the repeats (⌈N/2⌉) have a spike in [t, t + Δ), one spike is
/// placed at the mean of those repeats' first spikes in that span, and the scan resumes after it.
pub fn consensus(recorded: &[SpikeTrain], delta_s: f64) -> Vec<f64> {
    let n = recorded.len();
    let mut pooled: Vec<(f64, usize)> = recorded
        .iter()
        .enumerate()
        .flat_map(|(r, train)| train.times().iter().map(move |&t| (t, r)))
        .collect();
    pooled.sort_by(|a, b| a.0.total_cmp(&b.0));
    let needed = n.div_ceil(2).max(1);
    let mut out = Vec::new();
    let mut i = 0;
    while i < pooled.len() {
        let start = pooled[i].0;
        let end = i + pooled[i..].partition_point(|&(t, _)| t < start + delta_s);
        let mut seen = vec![false; n];
        let (mut sum, mut count) = (0.0, 0usize);
        for &(t, r) in &pooled[i..end] {
            if !seen[r] {
                seen[r] = true;
                sum += t;
                count += 1;
            }
        }
        if count >= needed {
            out.push(sum / count as f64);
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn train(t: &[f64]) -> SpikeTrain {
        SpikeTrain::new(t.to_vec()).unwrap()
    }

    #[test]
    fn consensus_keeps_spans_shared_by_half_the_repeats() {
        // Δ = 4 ms, 4 repeats, so ⌈4/2⌉ = 2 repeats must share a span [t, t + Δ).
        // Pooled: 0.100(r0) 0.101(r1) 0.103(r2) | 0.2(r3) | 0.3(r1) | 0.5(r0) 0.502(r3) | 0.9(r2).
        // [0.100, 0.104) holds r0, r1, r2 → spike at (0.100 + 0.101 + 0.103)/3; scan resumes at
        // 0.2, alone; 0.3 alone; [0.5, 0.504) holds r0, r3 → spike at 0.501; 0.9 alone.
        let recorded = [
            train(&[0.100, 0.500]),
            train(&[0.101, 0.300]),
            train(&[0.103, 0.900]),
            train(&[0.200, 0.502]),
        ];
        let c = consensus(&recorded, 0.004);
        assert_eq!(c.len(), 2, "{c:?}");
        assert!((c[0] - 0.304 / 3.0).abs() < 1e-12, "{c:?}");
        assert!((c[1] - 0.501).abs() < 1e-12, "{c:?}");
        // A repeat's second spike in the span counts once: of 3 repeats (2 needed), r0 with two
        // spikes in [0.1, 0.104) is still one repeat, so there is no consensus.
        let lone = [train(&[0.1, 0.102]), train(&[0.5]), train(&[0.8])];
        assert!(consensus(&lone, 0.004).is_empty());
    }

    #[test]
    fn stimulus_peaks_are_window_maxima_above_one_sd() {
        // dt = 1 ms, half window 2 ms → ±2 samples. x = [0,0,0,5,0,0,0,0,3,3,0]:
        // mean = 11/11 = 1, mean square = (25 + 9 + 9)/11 = 43/11, sd = √(43/11 − 1) ≈ 1.706,
        // threshold ≈ 2.706. Sample 3 (5) is a peak; sample 8 (3) ties with sample 9 and, being
        // first, is the peak; sample 9 is not (an equal value precedes it).
        let x = [0.0, 0.0, 0.0, 5.0, 0.0, 0.0, 0.0, 0.0, 3.0, 3.0, 0.0];
        let peaks = stimulus_peaks(&x, 0.001, 0.002);
        assert_eq!(peaks.len(), 2, "{peaks:?}");
        assert!((peaks[0] - 0.003).abs() < 1e-15 && (peaks[1] - 0.008).abs() < 1e-15);
        let mut y = [0.0; 11];
        (y[2], y[3]) = (4.0, 5.0);
        assert_eq!(stimulus_peaks(&y, 0.001, 0.002), vec![0.003]);
        assert!(stimulus_peaks(&[], 0.001, 0.002).is_empty());
    }

    #[test]
    fn neighbours_rotate_the_repeats() {
        let r = [train(&[0.1]), train(&[0.2]), train(&[0.3])];
        assert_eq!(neighbours(&r), vec![vec![0.2], vec![0.3], vec![0.1]]);
    }

    #[test]
    fn periodic_grids_and_every_bin_stay_in_the_window() {
        // 4 Hz on 1 s: (k + ½)/4 = 0.125, 0.375, 0.625, 0.875.
        assert_eq!(periodic(4.0, 1.0, 0.5), vec![0.125, 0.375, 0.625, 0.875]);
        assert!(periodic(0.0, 1.0, 0.5).is_empty());
        let bins = every_bin(0.001, 0.0001);
        assert_eq!(bins.len(), 10);
        assert!(bins.windows(2).all(|w| w[0] < w[1]) && *bins.last().unwrap() < 0.001);
        // A grid 8 ms apart from 4 ms on 20 ms: 4, 12 ms (20 ms excluded... 4, 12; next 20).
        let g = grid(0.008, 0.004, 0.02);
        assert_eq!(g.len(), 2);
        assert!((g[0] - 0.004).abs() < 1e-15 && (g[1] - 0.012).abs() < 1e-15);
    }

    #[test]
    fn non_finite_times_are_written_as_python_does() {
        let mut p = PredictedTrials::new();
        p.insert("test-00".into(), vec![vec![0.1, f64::NAN]]);
        assert_eq!(
            String::from_utf8(python_json(&p)).unwrap(),
            r#"{"trials":{"test-00":[[0.1,NaN]]}}"#
        );
    }
}
