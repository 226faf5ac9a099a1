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
//! how a recipe change is tried before it is committed. `--check-only` runs the clustering check
//! alone (no baseline), the quick way to try a recipe over many seeds.
//!
//! A seed whose challenge the check refuses is printed as refused and counted; the last lines
//! say on how many seeds the check passed and, per model, the public part's clustering gap
//! over the seeds (mean ± SD, minimum, how often above 0.1).
//!
//! Each seed simulates 84 s of the 1011-compartment cell at dt = 0.05 ms (about 30 s on one
//! core). The reference baseline (72 s more per seed) is left out unless `--reference` is
//! given.

use arena_challenge::baselines::Baseline;
use arena_challenge::evaluate::{ConditionScores, Evaluation, score_file};
use arena_challenge::families::{Manifest, generate};
use arena_challenge::predictions::{Limits, to_json};
use arena_challenge_core::generated::GenerateError;
use arena_scoring::{Metric, ScoringParams};

const DEMO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../datasets/dendritic-clustered-demo/dataset.toml"
);

/// The seed of the baselines' own randomness (escape noise, Poisson draws).
const PREDICTION_SEED: u64 = 7;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut with_reference = false;
    let mut check_only = false;
    let mut path = std::path::PathBuf::from(DEMO);
    let mut seeds = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--reference" {
            with_reference = true;
        } else if arg == "--check-only" {
            check_only = true;
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
        .filter(|b| !check_only && (with_reference || *b != Baseline::Reference))
        .collect();
    println!(
        "seed\tcheck\tmodel\tpublic\tprivate\tclustered\tcontrols\tgap\treproduced\tauc\tauc±Δ"
    );
    let mut summary = Summary::default();
    for &seed in &seeds {
        let g = match generate(&manifest, seed, &data) {
            Ok(g) => g,
            // A refusal by the clustering check is an outcome to count, not the end of the run.
            Err(e @ GenerateError::Family(_)) => {
                println!("{seed}\trefused: {e}");
                summary.refused.push(seed);
                continue;
            }
            Err(e) => return Err(e.into()),
        };
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
        if models.is_empty() {
            println!("{seed}\t{check}");
            continue;
        }
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
            summary.add(b.name(), &scores);
        }
    }
    summary.print(seeds.len());
    Ok(())
}

/// The public part's clustering gap of every model over the seeds whose challenge was made.
#[derive(Default)]
struct Summary {
    refused: Vec<u64>,
    gaps: std::collections::BTreeMap<&'static str, Vec<f64>>,
}

impl Summary {
    fn add(&mut self, model: &'static str, e: &Evaluation) {
        let gap = e
            .public_conditions
            .as_ref()
            .and_then(|c| c.clustering_gap.as_ref().ok().copied());
        // An undefined gap counts as NaN: it fails every "gap > x" below.
        self.gaps
            .entry(model)
            .or_default()
            .push(gap.unwrap_or(f64::NAN));
    }

    fn print(&self, seeds: usize) {
        println!(
            "check passed on {} of {seeds} seeds; refused: {:?}",
            seeds - self.refused.len(),
            self.refused
        );
        for (model, gaps) in &self.gaps {
            let defined: Vec<f64> = gaps.iter().copied().filter(|g| g.is_finite()).collect();
            let n = defined.len() as f64;
            let mean = defined.iter().sum::<f64>() / n;
            let sd = (defined.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            let min = defined.iter().copied().fold(f64::INFINITY, f64::min);
            let above = gaps.iter().filter(|&&g| g > 0.1).count();
            println!(
                "{model}: public clustering gap {mean:.3} ± {sd:.3} (min {min:.3}), > 0.1 on {above} of {}",
                gaps.len()
            );
        }
    }
}

/// public, private, then the public part's clustered, controls, gap, effect reproduced and per-bin
/// AUC (exact bins, then ±Δ).
fn row(e: &Evaluation) -> String {
    let f = |m: &Metric| m.as_ref().map_or("—".to_string(), |x| format!("{x:.3}"));
    let c = e.public_conditions.as_ref();
    let by = |pick: fn(&ConditionScores) -> &Metric| c.map_or("—".to_string(), |c| f(pick(c)));
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        f(&e.public.primary),
        f(&e.private.primary),
        by(|c| &c.clustered.primary),
        by(|c| &c.dispersed.primary),
        by(|c| &c.clustering_gap),
        by(|c| &c.effect_reproduced),
        by(|c| &c.bins.auc),
        by(|c| &c.bins.auc_tolerant),
    )
}
