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
//! cores stay busy. What happens is printed on stderr as it comes, tagged with the challenge's
//! name; on a terminal each challenge also has a spinner line saying what it is waiting for and
//! for how long (generation and the reference simulation take tens of seconds). The boards
//! come at the end, in the order of the list.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde_json::json;

use arena_challenge::baselines::Baseline;
use arena_challenge::families::Manifest;
use arena_proto::v1 as pb;

use crate::cli::DemoArgs;
use crate::commands::{baselines, challenges, submit};
use crate::connect::connect;
use crate::output::{print_json, say, say_err, shown};
use crate::server_process::{self, ServerProcess};

/// The repository's `datasets/` folder, where `cargo run` finds the demo data.
const DATASETS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets");

/// One challenge the demo creates: its manifest and the hidden recordings it needs.
struct DemoChallenge {
    manifest: PathBuf,
    hidden: Vec<PathBuf>,
}

/// What the demo shows of one challenge while it runs: its lines on stderr, tagged with the
/// challenge's name, and on a terminal a spinner with the phase it is in and its elapsed time.
struct Status {
    tag: String,
    bar: Option<ProgressBar>,
    quiet: bool,
}

impl Status {
    /// A line that stays, with control characters escaped (names come from the server).
    fn line(&self, text: &str) {
        let line = format!("{}{text}", self.tag);
        match &self.bar {
            Some(bar) => bar.println(shown(&line)),
            None if !self.quiet => say_err!("{line}"),
            None => {}
        }
    }

    /// What the challenge is waiting for now (shown on the spinner only).
    fn phase(&self, text: String) {
        if let Some(bar) = &self.bar {
            bar.set_message(shown(&text).into_owned());
        }
    }

    fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
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
    // Spinners only on a terminal and never with --json (stdout is then for one document).
    let bars = (!as_json && std::io::stderr().is_terminal()).then(MultiProgress::new);
    let bin = server_process::locate(args.server_bin.as_deref())?;
    let organizer = server_process::create_token(&bin, &db, "organizer", "demo-organizer").await?;
    let server = ServerProcess::start(&bin, &db, args.hidden_seed).await?;
    let url = server.url.clone();
    let top = Status {
        tag: String::new(),
        bar: None,
        quiet: as_json,
    };
    top.line(&format!(
        "server on {url}, database {}, web pages on {}/",
        db.display(),
        server.web
    ));
    let outcome = async {
        let named = list.len() > 1;
        let runs = list.iter().enumerate().map(|(i, c)| {
            let (url, organizer, bars) = (&url, &organizer, &bars);
            let fetched = work.path().join(format!("challenge-{i}"));
            async move {
                let text = std::fs::read_to_string(&c.manifest)
                    .with_context(|| format!("cannot read {}", c.manifest.display()))?;
                let manifest = Manifest::parse(&text)?;
                let name = &manifest.name;
                let status = Status {
                    tag: if named {
                        format!("[{name}] ")
                    } else {
                        String::new()
                    },
                    bar: bars.as_ref().map(|m| spinner(m, name)),
                    quiet: as_json,
                };
                let board = one(url, organizer, (c, &manifest), args, &fetched, &status).await;
                status.done();
                board
            }
        });
        let boards = futures::future::try_join_all(runs).await?;
        let urls: Vec<String> = boards
            .iter()
            .map(|b| format!("{}/challenges/{}", server.web, b.challenge_id))
            .collect();
        // Listen for Ctrl-C before anything is printed: a caller that stops the demo as soon
        // as it reads the boards must not meet the default handler, which would end the
        // process without stopping the server.
        // (`ctrl_c` installs its handler when first polled.)
        let mut interrupted = Box::pin(tokio::signal::ctrl_c());
        if args.serve {
            let _ = futures::poll!(&mut interrupted);
        }
        if as_json {
            let boards: Vec<_> = boards
                .iter()
                .map(arena_proto::board_json::leaderboard_json)
                .collect();
            print_json(&json!({ "leaderboards": boards, "board_urls": urls }));
        } else {
            for (board, url) in boards.iter().zip(&urls) {
                say!();
                submit::print_leaderboard(board, false);
                say!("board: {url}");
                say!();
            }
        }
        if args.serve {
            say_err!(
                "serving the boards at {}/ until Ctrl-C (gRPC on {url})",
                server.web
            );
            interrupted.await?;
        }
        anyhow::Ok(())
    }
    .await;
    let stopped = server.stop().await;
    outcome.and(stopped)
}

/// A spinner line for one challenge under `bars`.
fn spinner(bars: &MultiProgress, name: &str) -> ProgressBar {
    let bar = bars.add(ProgressBar::new_spinner());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {prefix}: {wide_msg} {elapsed}")
            .expect("valid template"),
    );
    bar.set_prefix(name.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Creates one demo challenge, puts the baselines on its board and returns the board.
async fn one(
    url: &str,
    organizer: &str,
    (c, manifest): (&DemoChallenge, &Manifest),
    args: &DemoArgs,
    fetched: &Path,
    status: &Status,
) -> Result<pb::LeaderboardResponse> {
    let mut org = connect(url, Some(organizer), None).await?;
    status.phase("creating: the server makes the hidden trials".into());
    let created = challenges::create(&mut org, &c.manifest, &c.hidden, None, args.hidden_seed)
        .await
        .with_context(|| format!("creating {}", c.manifest.display()))?;
    let id = created.challenge_id;
    status.line(&format!(
        "created challenge {id} (dataset {})",
        created.dataset_hash
    ));
    if let Some(e) = &created.clustering_effect {
        status.line(&format!("  {}", challenges::describe_effect(e)));
    }
    let total = Baseline::suited(manifest).len();
    status.phase(format!(
        "fitting {total} baselines; the server simulates the reference"
    ));
    let mut scored = 0;
    baselines::run(&mut org, &id, args.seed, fetched, |b, o| {
        scored += 1;
        status.line(&format!("  {}", baselines::describe(b, o)));
        status.phase(format!("{scored} of {total} baselines scored"));
    })
    .await?;
    status.phase("reading the board".into());
    submit::leaderboard(&mut org, &id).await
}
