//! `arena demo`: the whole competition on one machine in under a minute.
//!
//! It starts a real server in this process on a free loopback port with a fresh SQLite file,
//! creates the demo challenge through gRPC as an organizer, registers each built-in baseline as a
//! contestant team, lets each fetch the public data and submit its predictions through the same
//! gRPC path a contestant uses, waits for the scores and prints the leaderboard.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use arena_challenge::baselines::Baseline;
use arena_challenge::predictions::to_json;
use arena_server::auth::Role;
use arena_server::{ServerConfig, create_token, start};
use serde_json::json;

use crate::cli::DemoArgs;
use crate::commands::{challenges, fetch, submit};
use crate::connect::connect;
use crate::output::print_json;

/// The bundled demo manifest, used when `--manifest` is not given.
const DEMO_MANIFEST: &str = include_str!("../../../datasets/injected-current-demo/dataset.toml");

/// Runs the demo.
pub async fn run(args: &DemoArgs, as_json: bool) -> Result<()> {
    let work = tempfile::tempdir()?;
    let db = args
        .db
        .clone()
        .unwrap_or_else(|| work.path().join("arena.db"));
    let manifest = match &args.manifest {
        Some(p) => p.clone(),
        None => {
            let p: PathBuf = work.path().join("dataset.toml");
            std::fs::write(&p, DEMO_MANIFEST)?;
            p
        }
    };
    let say = |line: String| {
        if !as_json {
            eprintln!("{line}");
        }
    };
    let server = start(&db, "127.0.0.1:0".parse()?, ServerConfig::default()).await?;
    let url = format!("http://{}", server.addr);
    say(format!("server on {url}, database {}", db.display()));
    let outcome = async {
        let organizer = create_token(&db, Role::Organizer, "demo-organizer", false).await?;
        let mut org = connect(&url, Some(&organizer)).await?;
        let created = challenges::create(&mut org, &manifest, None).await?;
        let id = created.challenge_id;
        say(format!("created challenge {id} (dataset {})", created.dataset_hash));
        for (i, baseline) in Baseline::ALL.into_iter().enumerate() {
            let team = format!("baseline-{}", baseline.name());
            let token = create_token(&db, Role::Contestant, &team, true).await?;
            let mut client = connect(&url, Some(&token)).await?;
            let dir = work.path().join(&team);
            fetch::fetch(&mut client, &id, &dir).await?;
            let public = fetch::load(&dir)?;
            let predictions = baseline
                .predict(&public, args.seed.wrapping_add(i as u64))
                .with_context(|| format!("baseline {}", baseline.name()))?;
            let sent = submit::send(&mut client, &id, baseline.name(), to_json(&predictions), None).await?;
            let scored = submit::wait(&mut client, &sent.submission_id, Duration::from_secs(120)).await?;
            say(format!(
                "{team}: {} — {}",
                crate::output::status_name(scored.status),
                baseline.description()
            ));
        }
        let board = submit::leaderboard(&mut org, &id).await?;
        if as_json {
            let mut v = json!({ "challenge_id": id });
            v["leaderboard"] = serde_json::to_value(
                board
                    .rows
                    .iter()
                    .map(|r| json!({"rank": r.rank, "team": r.team, "model": r.model, "is_baseline": r.is_baseline,
                                    "primary": r.primary, "md_star": r.md_star, "gamma_over_r": r.gamma_over_r}))
                    .collect::<Vec<_>>(),
            )?;
            print_json(&v);
        } else {
            println!();
            submit::print_leaderboard(&board, false);
        }
        anyhow::Ok(())
    }
    .await;
    server.stop().await?;
    outcome
}
