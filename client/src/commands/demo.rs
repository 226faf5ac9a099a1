//! `arena demo`: the whole competition on one machine, every demo challenge.
//!
//! It starts a real server (the `arena-server` binary, as a child process: see
//! [`crate::server_process`]) on a free loopback port with a fresh SQLite file, creates each
//! demo challenge through gRPC as an organizer (the simulated injected-current demo, the
//! recorded DRN benchmark, whose hidden test recording is public upstream and shipped in
//! `datasets/`, and the clustered-dendritic demo), puts the built-in baselines on each board
//! exactly as `arena baselines run` does (fetch the public data, fit on the training trials,
//! submit through `Submit`; the server computes the reference from the generator it keeps),
//! waits for the scores and prints the leaderboards.
//!
//! The challenges are independent, so they run at once, each on a connection of its own: the
//! server's simulation of one challenge overlaps the baselines' fits of the others, and both
//! cores stay busy. Progress lines are printed as they come, tagged with the challenge's name;
//! the boards come at the end, in the order of the list.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::json;

use arena_challenge::families::Manifest;
use arena_proto::v1 as pb;

use crate::cli::DemoArgs;
use crate::commands::{baselines, challenges, submit};
use crate::connect::connect;
use crate::output::print_json;
use crate::server_process::{self, ServerProcess};

/// The repository's `datasets/` folder, where `cargo run` finds the demo data.
const DATASETS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets");

/// One challenge the demo creates: its manifest and the hidden recordings it needs.
struct DemoChallenge {
    manifest: PathBuf,
    hidden: Vec<PathBuf>,
}

/// The demo challenges in `datasets`: the simulated injected-current demo, the recorded DRN
/// benchmark and the clustered-dendritic demo.
fn bundled(datasets: &Path) -> Result<Vec<DemoChallenge>> {
    let list = vec![
        DemoChallenge {
            manifest: datasets.join("injected-current-demo/dataset.toml"),
            hidden: vec![],
        },
        DemoChallenge {
            manifest: datasets.join("drn-frozen-noise/dataset.toml"),
            hidden: vec![datasets.join("drn-frozen-noise/DRN156_5HT/DRN156_5ht_test.abf")],
        },
        DemoChallenge {
            manifest: datasets.join("dendritic-clustered-demo/dataset.toml"),
            hidden: vec![],
        },
    ];
    for c in &list {
        if !c.manifest.is_file() {
            bail!(
                "demo: {} is missing; run from a checkout of the repository or pass --datasets DIR",
                c.manifest.display()
            );
        }
    }
    Ok(list)
}

/// Runs the demo.
pub async fn run(args: &DemoArgs, as_json: bool) -> Result<()> {
    let work = tempfile::tempdir()?;
    let db = args
        .db
        .clone()
        .unwrap_or_else(|| work.path().join("arena.db"));
    let list = match &args.manifest {
        Some(manifest) => vec![DemoChallenge {
            manifest: manifest.clone(),
            hidden: args.hidden.clone(),
        }],
        None => bundled(
            args.datasets
                .as_deref()
                .unwrap_or_else(|| Path::new(DATASETS)),
        )?,
    };
    let say = |line: String| {
        if !as_json {
            eprintln!("{line}");
        }
    };
    let bin = server_process::locate(args.server_bin.as_deref())?;
    let organizer = server_process::create_token(&bin, &db, "organizer", "demo-organizer").await?;
    let server = ServerProcess::start(&bin, &db, args.hidden_seed).await?;
    let url = server.url.clone();
    say(format!("server on {url}, database {}", db.display()));
    let outcome = async {
        let named = list.len() > 1;
        let runs = list.iter().enumerate().map(|(i, c)| {
            let (url, organizer, say) = (&url, &organizer, &say);
            let fetched = work.path().join(format!("challenge-{i}"));
            async move {
                let tag = if named {
                    let text = std::fs::read_to_string(&c.manifest)
                        .with_context(|| format!("cannot read {}", c.manifest.display()))?;
                    format!("[{}] ", Manifest::parse(&text)?.name)
                } else {
                    String::new()
                };
                let say = |line: String| say(format!("{tag}{line}"));
                one(url, organizer, c, args, &fetched, &say).await
            }
        });
        let boards = futures::future::try_join_all(runs).await?;
        if as_json {
            let boards: Vec<_> = boards.iter().map(submit::leaderboard_json).collect();
            print_json(&json!({ "leaderboards": boards }));
        } else {
            for board in &boards {
                println!();
                submit::print_leaderboard(board, false);
                println!();
            }
        }
        anyhow::Ok(())
    }
    .await;
    let stopped = server.stop().await;
    outcome.and(stopped)
}

/// Creates one demo challenge, puts the baselines on its board and returns the board.
async fn one(
    url: &str,
    organizer: &str,
    c: &DemoChallenge,
    args: &DemoArgs,
    fetched: &Path,
    say: &impl Fn(String),
) -> Result<pb::LeaderboardResponse> {
    let mut org = connect(url, Some(organizer), None).await?;
    let created = challenges::create(&mut org, &c.manifest, &c.hidden, None, args.hidden_seed)
        .await
        .with_context(|| format!("creating {}", c.manifest.display()))?;
    let id = created.challenge_id;
    say(format!(
        "created challenge {id} (dataset {})",
        created.dataset_hash
    ));
    if let Some(e) = &created.clustering_effect {
        say(format!("  {}", challenges::describe_effect(e)));
    }
    baselines::run(&mut org, &id, args.seed, fetched, |b, o| {
        say(format!("  {}", baselines::describe(b, o)));
    })
    .await?;
    submit::leaderboard(&mut org, &id).await
}
