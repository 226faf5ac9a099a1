//! The scoring policy on the demo dataset, without a server: the generating model with fresh noise
//! (held-out repeats of the same neuron) scores about 1, a rate-matched Poisson train no better than
//! the null (0), and a fitted LIF in between.

use crate::common::{DEMO, hidden, organizer_view};
use arena_challenge::baselines::Baseline;
use arena_challenge::evaluate::{Evaluation, score_file};
use arena_challenge::families::{Manifest, PublicChallenge, generate};
use arena_challenge::predictions::{Limits, to_json};
use arena_challenge_core::generated::DataFiles;
use arena_challenge_core::hidden::HiddenTrial;
use arena_scoring::ScoringParams;

fn score(b: Baseline, public: &PublicChallenge, hidden: &[HiddenTrial], seed: u64) -> Evaluation {
    let bytes = to_json(&b.predict(public, seed).unwrap());
    score_file(
        &bytes,
        hidden,
        public.dt_s,
        &ScoringParams::with_delta(0.004),
        &Limits::default(),
    )
    .unwrap()
}

fn primary(e: &Evaluation) -> (f64, f64) {
    (
        e.public.primary.clone().unwrap(),
        e.private.primary.clone().unwrap(),
    )
}

#[test]
fn baselines_rank_in_the_order_of_their_quality() {
    let manifest = Manifest::parse(DEMO).unwrap();
    for hidden_seed in [11, 12] {
        let g = generate(&manifest, hidden_seed, &DataFiles::new()).unwrap();
        let public = organizer_view(&manifest, &g, &DataFiles::new());
        let hidden = hidden(&g);
        let reference = primary(&score(Baseline::Reference, &public, &hidden, 5));
        let lif = primary(&score(Baseline::Lif, &public, &hidden, 5));
        let poisson = primary(&score(Baseline::Poisson, &public, &hidden, 5));
        for (part, r, l, p) in [
            ("public", reference.0, lif.0, poisson.0),
            ("private", reference.1, lif.1, poisson.1),
        ] {
            // Held-out repeats of the same neuron: about 1.
            assert!(
                (r - 1.0).abs() < 0.15,
                "seed {hidden_seed} {part}: reference {r}"
            );
            // Rate-matched Poisson: no better than the null (the best constant rate), never far above 0.
            assert!(
                p <= 0.02 && p > -0.6,
                "seed {hidden_seed} {part}: poisson {p}"
            );
            // A fitted LIF carries stimulus information but is not the neuron.
            assert!(
                p + 0.1 < l && l < r,
                "seed {hidden_seed} {part}: lif {l} (poisson {p}, reference {r})"
            );
        }
    }
}

#[test]
fn the_ceiling_is_measured_on_the_hidden_repeats() {
    let manifest = Manifest::parse(DEMO).unwrap();
    let g = generate(&manifest, 3, &DataFiles::new()).unwrap();
    let e = score(
        Baseline::Poisson,
        &organizer_view(&manifest, &g, &DataFiles::new()),
        &hidden(&g),
        1,
    );
    let ceiling = e.public.md_star_ceiling.clone().unwrap();
    let null = e.public.md_star_null.clone().unwrap();
    assert!((ceiling - 1.0).abs() < 0.1, "ceiling {ceiling}");
    assert!(null > 0.0 && null < ceiling, "null {null}");
    let r = e.public.intrinsic_reliability.clone().unwrap();
    assert!((0.3..0.95).contains(&r), "intrinsic reliability {r}");
    assert_eq!(e.trials.len(), manifest.test.trials as usize);
}
