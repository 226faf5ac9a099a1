//! The library half of the gaming gauntlet (issue 3): adversarial predictions scored on a
//! simulated noisy neuron must not beat the constant-rate null (primary ≤ 0 up to noise),
//! malformed trains are rejected by `SpikeTrain::new`, and honest models rank by quality.
//! (The server-level gauntlet, `arena gauntlet`, runs the same ideas through the real path.)

use crate::common::{NoisyNeuron, poisson_repeats};
use arena_scoring::{
    Prediction, ScoringParams, SpikeTrain, TrainError, Window, trial_scores, trial_stats,
};

const T: f64 = 20.0;
const SEEDS: u64 = 3;

fn window() -> Window {
    Window::new(0.0, T).unwrap()
}

/// Builds a prediction from (seed, the neuron with its frozen stimulus events, the data).
type MakePrediction<'a> = dyn Fn(u64, &NoisyNeuron, &[SpikeTrain]) -> Vec<SpikeTrain> + 'a;

/// Mean primary over seeds.
fn mean_primary(make: &MakePrediction<'_>) -> f64 {
    (0..SEEDS)
        .map(|seed| {
            let neuron = NoisyNeuron::new(7000 + seed, T, 8.0);
            let data = neuron.repeats(7100 + seed, 10);
            let pred = make(seed, &neuron, &data);
            let stats = trial_stats(
                &data,
                &Prediction::Repeats(pred),
                window(),
                &ScoringParams::default(),
            );
            trial_scores(&stats).primary.unwrap()
        })
        .sum::<f64>()
        / SEEDS as f64
}

fn train(mut t: Vec<f64>) -> SpikeTrain {
    t.retain(|x| (0.0..T).contains(x));
    t.sort_by(f64::total_cmp);
    t.dedup();
    SpikeTrain::new(t).unwrap()
}

fn data_rate(data: &[SpikeTrain]) -> f64 {
    data.iter().map(SpikeTrain::len).sum::<usize>() as f64 / (data.len() as f64 * T)
}

#[test]
fn adversarial_predictions_do_not_beat_the_null() {
    let cases: Vec<(&str, Box<MakePrediction<'static>>)> = vec![
        (
            "empty prediction",
            Box::new(|_, _, _| vec![SpikeTrain::default()]),
        ),
        (
            "a spike in every 0.1 ms bin",
            Box::new(|_, _, _| {
                vec![train(
                    (0..200_000).map(|k| (k as f64 + 0.5) * 1e-4).collect(),
                )]
            }),
        ),
        (
            "periodic train at the data rate",
            Box::new(|_, _, d| {
                let period = 1.0 / data_rate(d);
                vec![train(
                    (0..(T / period) as usize)
                        .map(|k| (k as f64 + 0.5) * period)
                        .collect(),
                )]
            }),
        ),
        (
            "Poisson at the data rate, 1 repeat",
            Box::new(|s, _, d| poisson_repeats(10 + s, data_rate(d), T, 1)),
        ),
        (
            "1000 random repeats at 3× the data rate",
            Box::new(|s, _, d| poisson_repeats(20 + s, 3.0 * data_rate(d), T, 1000)),
        ),
        (
            "the response to another stimulus (training replay)",
            Box::new(|s, _, _| NoisyNeuron::new(9000 + s, T, 8.0).repeats(30 + s, 10)),
        ),
        (
            "held-out repeats shifted by +10 ms",
            Box::new(|s, n, _| {
                n.repeats(40 + s, 10)
                    .iter()
                    .map(|r| train(r.times().iter().map(|t| t + 0.010).collect()))
                    .collect()
            }),
        ),
    ];
    for (name, make) in &cases {
        let p = mean_primary(make.as_ref());
        eprintln!("{name}: mean primary {p:+.3}");
        assert!(p <= 0.02, "{name}: mean primary {p:.3} beats the null");
    }
    for rate in [50.0, 124.9, 125.1, 130.0, 500.0] {
        let p = mean_primary(&|s, _, _| poisson_repeats(50 + s, rate, T, 10));
        eprintln!("Poisson {rate} Hz, 10 repeats: mean primary {p:+.3}");
        assert!(p <= 0.02, "Poisson {rate} Hz: mean primary {p:.3}");
    }
}

#[test]
fn malformed_trains_are_rejected() {
    assert!(matches!(
        SpikeTrain::new(vec![0.1, 0.1]),
        Err(TrainError::Duplicate { .. })
    ));
    assert!(matches!(
        SpikeTrain::new(vec![0.2, 0.1]),
        Err(TrainError::Unsorted { .. })
    ));
    assert!(matches!(
        SpikeTrain::new(vec![f64::NAN]),
        Err(TrainError::NotFinite { .. })
    ));
    assert!(matches!(
        SpikeTrain::new(vec![f64::NEG_INFINITY]),
        Err(TrainError::NotFinite { .. })
    ));
    // Negative and out-of-window times are the caller's to reject (the server names the trial);
    // if they reach the scorer they are ignored, never counted.
    let w = Window::new(0.0, 1.0).unwrap();
    let t = SpikeTrain::new(vec![-0.5, 0.5, 1.0, 7.0]).unwrap();
    assert_eq!(t.within(w).times(), &[0.5]);
}

#[test]
fn duplicating_spikes_into_bursts_is_not_rewarded() {
    // A prediction that fires once at each stimulus event versus one that fires a burst of
    // five near-duplicates (0.5 ms apart) at the same times: the bursts must score lower.
    let single = mean_primary(&|_, n, _| vec![train(n.events.clone())]);
    let bursts = mean_primary(&|_, n, _| {
        vec![train(
            n.events
                .iter()
                .flat_map(|&e| (0..5).map(move |k| e + 0.0005 * k as f64))
                .collect(),
        )]
    });
    assert!(
        bursts < single,
        "bursts {bursts:.3} vs single spikes {single:.3}"
    );
}

#[test]
fn honest_models_rank_by_quality() {
    let held_out = mean_primary(&|s, n, _| n.repeats(60 + s, 10));
    let sloppier = mean_primary(&|s, n, _| {
        let worse = NoisyNeuron {
            jitter_s: 0.004,
            reliability: 0.5,
            ..n.clone()
        };
        worse.repeats(70 + s, 10)
    });
    let much_worse = mean_primary(&|s, n, _| {
        let worse = NoisyNeuron {
            jitter_s: 0.010,
            reliability: 0.3,
            background_hz: 5.0,
            ..n.clone()
        };
        worse.repeats(80 + s, 10)
    });
    let poisson = mean_primary(&|s, _, d| poisson_repeats(90 + s, data_rate(d), T, 10));
    eprintln!(
        "held-out {held_out:+.3}, sloppier {sloppier:+.3}, much worse {much_worse:+.3}, \
         Poisson {poisson:+.3}"
    );
    assert!((held_out - 1.0).abs() < 0.1, "held-out {held_out:.3}");
    assert!(
        held_out > sloppier && sloppier > much_worse && much_worse > poisson,
        "order: {held_out:.3} > {sloppier:.3} > {much_worse:.3} > {poisson:.3}"
    );
    // A deterministic consensus of held-out repeats does not beat the data's own ceiling.
    let consensus = mean_primary(&|_, n, _| vec![train(n.events.clone())]);
    eprintln!("deterministic event train {consensus:+.3}");
    assert!(consensus <= 1.05, "consensus {consensus:.3}");
}
