//! `arena run`: connect a model to a live evaluation and relay the stream.

use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use arena_challenge::baselines::Baseline;
use arena_proto::v1 as pb;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::cli::RunArgs;
use crate::commands::fetch;
use crate::connect::{Client, status_error};
use crate::live_model::Model;
use crate::output::{metrics_json, num, print_json, say, say_err, shown};

/// `arena run`.
pub async fn run(client: &mut Client, args: &RunArgs, as_json: bool) -> Result<()> {
    let challenge = args
        .challenge
        .as_deref()
        .context("CHALLENGE is required (or --list-builtins)")?;
    let command = args
        .model
        .as_deref()
        .context("--model is required (a command, or builtin:<name>)")?;
    let data = tempfile::tempdir()?;
    fetch::fetch(client, challenge, data.path()).await?;
    let mut model = match command.strip_prefix("builtin:") {
        Some(name) => Model::builtin(name, &fetch::load(data.path())?, args.seed)?,
        None => Model::spawn(command)?,
    };
    let repeats = args.repeats.or(model.natural_repeats()).unwrap_or(1);
    let name = args.name.clone().unwrap_or_else(|| command.to_string());
    let (tx, rx) = mpsc::channel(4);
    let send = |msg| pb::LiveClientMessage { msg: Some(msg) };
    tx.send(send(pb::live_client_message::Msg::Start(pb::LiveStart {
        challenge_id: challenge.to_string(),
        model_name: name.chars().take(100).collect(),
        repeats: repeats as u32,
    })))
    .await?;
    let mut inbound = client
        .evaluate(ReceiverStream::new(rx))
        .await
        .map_err(status_error)?
        .into_inner();
    let mut deadline = Duration::from_secs(10);
    let mut bar = ProgressBar::hidden();
    let mut model_error: Option<anyhow::Error> = None;
    let mut trial_scores: Vec<pb::LiveTrialScore> = Vec::new();
    let mut trial_order: Vec<String> = Vec::new();
    let result = loop {
        let Some(message) = inbound.message().await.map_err(status_error)? else {
            bail!("the server ended the stream without a result");
        };
        match message.msg {
            Some(pb::live_server_message::Msg::Context(c)) => {
                deadline = Duration::try_from_secs_f64(c.answer_deadline_s).map_err(|_| {
                    anyhow!(
                        "the server sent answer_deadline_s = {}, not a number of seconds",
                        c.answer_deadline_s
                    )
                })?;
                trial_order = c.trials.iter().map(|t| t.id.clone()).collect();
                let chunks: u64 = c.trials.iter().map(|t| t.n_chunks as u64).sum();
                bar = progress(chunks, as_json);
                if !as_json {
                    say_err!(
                        "live evaluation {}: {} fresh trials, {} chunks of {} s, {} repeats per chunk",
                        c.evaluation_id,
                        c.trials.len(),
                        chunks,
                        c.chunk_s,
                        c.repeats
                    );
                }
                if let Err(e) = model.start(&c, &data.path().display().to_string()).await {
                    model_error = Some(e);
                }
            }
            Some(pb::live_server_message::Msg::Chunk(chunk)) => {
                let answer = match &model_error {
                    Some(_) => None,
                    None => match model.answer(&chunk, deadline).await {
                        Ok(spikes) => Some(spikes),
                        Err(e) => {
                            model_error = Some(e);
                            None
                        }
                    },
                };
                let msg = match answer {
                    Some(spikes) => pb::live_client_message::Msg::Answer(pb::ChunkAnswer {
                        trial_id: chunk.trial_id.clone(),
                        index: chunk.index,
                        repeats: spikes
                            .into_iter()
                            .map(|times_s| pb::SpikeRepeat { times_s })
                            .collect(),
                    }),
                    None => pb::live_client_message::Msg::Abort(pb::LiveAbort {
                        reason: format!("{:#}", model_error.as_ref().expect("set above")),
                    }),
                };
                bar.set_message(shown(&chunk.trial_id).into_owned());
                bar.inc(1);
                // If the server has already ended the evaluation (its own deadline fired first), its
                // result is still on the way: keep reading.
                let _ = tx.send(send(msg)).await;
            }
            Some(pb::live_server_message::Msg::TrialScore(t)) => {
                if !as_json {
                    let primary = t
                        .scores
                        .iter()
                        .find(|m| m.name == "primary")
                        .and_then(|m| m.value);
                    bar.suspend(|| say_err!("{}: primary {}", t.trial_id, num(primary)));
                }
                trial_scores.push(t);
            }
            Some(pb::live_server_message::Msg::Result(r)) => break r,
            None => bail!("the server sent an empty message"),
        }
    };
    bar.finish_and_clear();
    drop(tx);
    model.finish(&result).await;
    // Running scores arrive as each trial's scoring ends, which is not always the trials' order
    // (ARENA_TEST_SEED 5 scored live-01 first); the result lists them in the trials' order.
    trial_scores.sort_by_key(|t| trial_order.iter().position(|id| *id == t.trial_id));
    report(&result, &trial_scores, as_json);
    if result.status != "scored" {
        return Err(match model_error {
            Some(e) => e.context(format!("live evaluation {} failed", result.evaluation_id)),
            None => anyhow!(
                "live evaluation {} failed: {}",
                result.evaluation_id,
                result.reason
            ),
        });
    }
    Ok(())
}

fn progress(chunks: u64, as_json: bool) -> ProgressBar {
    use std::io::IsTerminal;
    if as_json || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(chunks);
    bar.set_style(
        ProgressStyle::with_template("{msg:10} [{bar:30}] chunk {pos}/{len} ({elapsed})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar
}

fn report(r: &pb::LiveResult, trials: &[pb::LiveTrialScore], as_json: bool) {
    if as_json {
        let (scores, notes) = metrics_json(&r.scores);
        let trials: Vec<_> = trials
            .iter()
            .map(|t| json!({"trial_id": t.trial_id, "scores": metrics_json(&t.scores).0}))
            .collect();
        let mut v = json!({
            "evaluation_id": r.evaluation_id, "status": r.status, "scores": scores, "notes": notes,
            "submission_id": r.submission_id, "trials": trials,
        });
        if !r.reason.is_empty() {
            v["reason"] = json!(r.reason);
        }
        print_json(&v);
        return;
    }
    say!("live evaluation {}: {}", r.evaluation_id, r.status);
    if !r.reason.is_empty() {
        say!("reason: {}", r.reason);
    }
    for m in &r.scores {
        say!("  {:<22} {}", m.name, num(m.value));
    }
    if !r.submission_id.is_empty() {
        say!("stored as submission {}", r.submission_id);
    }
}

/// `arena run --list-builtins` (no server needed).
pub fn run_offline_list(as_json: bool) -> Result<()> {
    if as_json {
        let list: Vec<_> = Baseline::ALL
            .iter()
            .map(|b| json!({"name": format!("builtin:{}", b.name()), "description": b.description()}))
            .collect();
        print_json(&json!({ "builtins": list }));
    } else {
        for b in Baseline::ALL {
            say!("builtin:{:<10} {}", b.name(), b.description());
        }
    }
    Ok(())
}
