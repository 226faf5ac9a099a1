//! The clustered-dendritic demo over many hidden seeds: for each seed, the clustering check the
//! generator runs at creation and the primary score of the dendritic baselines (fitted on the
//! public training data, exactly as `arena baselines run` fits them), by part and by condition.
//! This is the measurement behind the tables of `datasets/dendritic-clustered-demo/EFFECT.md`.
//!
//! ```text
//! cargo run --release -p arena-challenge --example dendritic_seeds -- 1 2 3 42
//! ```
//!
//! `--manifest PATH` measures another dendritic recipe (its files are read beside it): this is
//! how a recipe change is tried before it is committed.
//!
//! Each seed simulates 84 s of the 1011-compartment cell (about 75 s on one core). The reference
//! baseline (72 s more per seed) is left out unless `--reference` is given.

use arena_challenge::baselines::Baseline;
use arena_challenge::evaluate::{ConditionScores, Evaluation, score_file};
use arena_challenge::families::{Manifest, generate};
use arena_challenge::predictions::{Limits, to_json};
use arena_scoring::{Metric, ScoringParams};

const DEMO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../datasets/dendritic-clustered-demo/dataset.toml"
);

/// The seed of the baselines' own randomness (escape noise, Poisson draws).
const PREDICTION_SEED: u64 = 7;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut with_reference = false;
    let mut path = std::path::PathBuf::from(DEMO);
    let mut seeds = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--reference" {
            with_reference = true;
        } else if arg == "--manifest" {
            path = args.next().ok_or("--manifest needs a path")?.into();
        } else {
            seeds.push(
                arg.parse::<u64>()
                    .map_err(|e| format!("seed {arg:?}: {e}"))?,
            );
        }
    }
    if seeds.is_empty() {
        return Err("give one or more hidden seeds, e.g. `-- 1 2 3 42`".into());
    }
    let manifest = Manifest::parse(&std::fs::read_to_string(&path)?)?;
    let dir = path.parent().ok_or("the manifest path has no directory")?;
    let data = manifest
        .files
        .iter()
        .map(|f| Ok((f.clone(), std::fs::read(dir.join(f))?)))
        .collect::<Result<_, std::io::Error>>()?;
    let models: Vec<Baseline> = Baseline::suited(&manifest)
        .into_iter()
        .filter(|b| with_reference || *b != Baseline::Reference)
        .collect();
    println!("seed\tcheck\tmodel\tpublic\tprivate\tclustered\tcontrols\treproduced\tauc\tauc±Δ");
    for seed in seeds {
        let g = generate(&manifest, seed, &data)?;
        let e = g
            .report
            .as_ref()
            .ok_or("the demo manifest has an [effect] check")?;
        let check = format!(
            "{} vs {} (p {:.1e}) vs {} (p {:.1e})",
            e.clustered_spikes,
            e.time_dispersed.spikes,
            e.time_dispersed.wilcoxon.p_value,
            e.space_scattered.spikes,
            e.space_scattered.wilcoxon.p_value
        );
        let public = g.organizer_view(&manifest, &data)?;
        let hidden = g.hidden_trials()?;
        let params = ScoringParams::with_delta(manifest.scoring.delta_ms / 1000.0);
        for b in &models {
            let predicted = b.predict(&public, PREDICTION_SEED)?;
            let scores = score_file(
                &to_json(&predicted),
                &hidden,
                manifest.sampling.dt_s,
                &params,
                &Limits::default(),
            )?;
            println!("{seed}\t{check}\t{}\t{}", b.name(), row(&scores));
        }
    }
    Ok(())
}

/// public, private, then the public part's clustered, controls, effect reproduced and per-bin
/// AUC (exact bins, then ±Δ).
fn row(e: &Evaluation) -> String {
    let f = |m: &Metric| m.as_ref().map_or("—".to_string(), |x| format!("{x:.3}"));
    let c = e.public_conditions.as_ref();
    let by = |pick: fn(&ConditionScores) -> &Metric| c.map_or("—".to_string(), |c| f(pick(c)));
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}",
        f(&e.public.primary),
        f(&e.private.primary),
        by(|c| &c.clustered.primary),
        by(|c| &c.dispersed.primary),
        by(|c| &c.effect_reproduced),
        by(|c| &c.bins.auc),
        by(|c| &c.bins.auc_tolerant),
    )
}
