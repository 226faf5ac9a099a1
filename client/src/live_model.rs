//! The models `arena run` connects: built-in baselines in this process, or any program that speaks
//! the line protocol on its stdin and stdout (documented in `docs/live.md`).
//!
//! A subprocess is untrusted: every read has the chunk's deadline, every line a size limit, and
//! every way it can misbehave (hang, crash, garbage, a flood of output, answers for the wrong chunk)
//! ends the run with a message that says which and where. The model's stderr goes to ours, so its
//! own error messages stay visible.

use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use arena_challenge::baselines::{Baseline, Fitted};
use arena_challenge::families::PublicChallenge;
use arena_neuron::rng::derive_seed;
use arena_proto::v1 as pb;
use serde::Deserialize;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// Longest line a model may write, bytes.
pub const MAX_LINE_BYTES: u64 = 16 * 1024 * 1024;

/// A connected model.
pub enum Model {
    /// A built-in baseline, fitted on the fetched training data.
    Builtin(Builtin),
    /// A program speaking the line protocol.
    Process(Box<Process>),
}

/// A built-in baseline answering chunk by chunk from the stimulus received so far.
pub struct Builtin {
    fitted: Fitted,
    seed: u64,
    dt_s: f64,
    /// The trial's injected current so far, nA per `dt_s`.
    received: Vec<f64>,
    /// The trial's synaptic events so far, `[synapse id, time ms]` (the layout of `events.npy`).
    events: Vec<[f64; 2]>,
    trial: String,
}

/// A model subprocess.
pub struct Process {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    line: usize,
    /// Whether the challenge streams synaptic events (`events` in each chunk) rather than a
    /// current (`current_na`); set by the context.
    synaptic: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    trial_id: String,
    index: u32,
    spikes: Vec<Vec<f64>>,
}

impl Model {
    /// A built-in baseline by name, fitted on `challenge`.
    pub fn builtin(name: &str, challenge: &PublicChallenge, seed: u64) -> Result<Model> {
        let baseline = Baseline::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Baseline::ALL.iter().map(|b| b.name()).collect();
            anyhow!(
                "unknown built-in model {name:?}; built-ins: {}",
                names.join(", ")
            )
        })?;
        Ok(Model::Builtin(Builtin {
            fitted: baseline.fit(challenge)?,
            seed,
            dt_s: challenge.dt_s,
            received: Vec::new(),
            events: Vec::new(),
            trial: String::new(),
        }))
    }

    /// Starts `command` with `sh -c`.
    pub fn spawn(command: &str) -> Result<Model> {
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(command)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            // Its own process group, so ending it ends every process the command started.
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start the model {command:?}"))?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        Ok(Model::Process(Box::new(Process {
            child,
            stdin,
            stdout,
            line: 0,
            synaptic: false,
        })))
    }

    /// The repeats a built-in sends per chunk (`None` for a subprocess: the user says).
    pub fn natural_repeats(&self) -> Option<usize> {
        match self {
            Model::Builtin(b) => Some(b.fitted.repeats()),
            Model::Process(_) => None,
        }
    }

    /// Tells the model about the evaluation.
    pub async fn start(&mut self, context: &pb::LiveContext, data_dir: &str) -> Result<()> {
        match self {
            Model::Builtin(_) => Ok(()),
            Model::Process(p) => {
                // A dendritic-input challenge is the one with a synapse table.
                p.synaptic = context.n_synapses > 0;
                let trials: Vec<_> = context
                    .trials
                    .iter()
                    .map(|t| {
                        let mut trial =
                            json!({"id": t.id, "duration_s": t.duration_s, "n_chunks": t.n_chunks});
                        if p.synaptic {
                            trial["condition"] = json!(t.condition);
                        }
                        trial
                    })
                    .collect();
                let mut message = json!({
                    "type": "context", "evaluation_id": context.evaluation_id,
                    "challenge_id": context.challenge_id, "kind": context.kind, "dt_s": context.dt_s,
                    "chunk_s": context.chunk_s, "answer_deadline_s": context.answer_deadline_s,
                    "repeats": context.repeats, "trials": trials, "data_dir": data_dir,
                });
                if p.synaptic {
                    message["n_synapses"] = json!(context.n_synapses);
                }
                p.write(&message).await
            }
        }
    }

    /// The model's spike trains for one chunk (seconds from trial start), within `deadline`.
    pub async fn answer(
        &mut self,
        chunk: &pb::StimulusChunk,
        deadline: Duration,
    ) -> Result<Vec<Vec<f64>>> {
        match self {
            Model::Builtin(b) => b.answer(chunk),
            Model::Process(p) => p.answer(chunk, deadline).await,
        }
    }

    /// Sends the end message and lets the program exit (killing it after 5 s, or at once when the
    /// evaluation failed).
    pub async fn finish(self, result: &pb::LiveResult) {
        if let Model::Process(mut p) = self {
            if result.status != "scored" {
                p.kill().await;
                return;
            }
            let scores: serde_json::Map<String, serde_json::Value> = result
                .scores
                .iter()
                .map(|m| (m.name.clone(), json!(m.value)))
                .collect();
            let _ = p
                .write(&json!({"type": "end", "status": result.status, "reason": result.reason, "scores": scores}))
                .await;
            drop(p.stdin);
            if tokio::time::timeout(Duration::from_secs(5), p.child.wait())
                .await
                .is_err()
            {
                let _ = p.child.kill().await;
            }
        }
    }
}

impl Builtin {
    fn answer(&mut self, chunk: &pb::StimulusChunk) -> Result<Vec<Vec<f64>>> {
        if chunk.trial_id != self.trial {
            self.trial = chunk.trial_id.clone();
            self.received.clear();
            self.events.clear();
        }
        self.received.extend_from_slice(&chunk.current_na);
        self.events.extend(
            chunk
                .events
                .iter()
                .map(|e| [f64::from(e.synapse_id), e.t_s * 1e3]),
        );
        // The prediction for the stimulus received so far; its spikes inside this chunk are the answer.
        let seed = derive_seed(self.seed, &chunk.trial_id, 0);
        let end = chunk.t_start_s + chunk.duration_s;
        let repeats = if self.fitted.reads_events() {
            self.fitted
                .predict_events(&self.events, end, self.dt_s, seed, &chunk.trial_id)?
        } else {
            let duration = self.received.len() as f64 * self.dt_s;
            self.fitted
                .predict_trial(&self.received, duration, self.dt_s, seed)?
        };
        Ok(repeats
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .filter(|&t| t >= chunk.t_start_s && t < end)
                    .collect()
            })
            .collect())
    }
}

impl Process {
    /// Kills the model's whole process group (a shell command may have started children).
    async fn kill(&mut self) {
        if let Some(pid) = self.child.id() {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stderr(Stdio::null())
                .status()
                .await;
        }
        let _ = self.child.kill().await;
    }

    async fn write(&mut self, value: &serde_json::Value) -> Result<()> {
        let mut line = value.to_string();
        line.push('\n');
        self.stdin
            .write_all(line.as_bytes())
            .await
            .context("the model closed its stdin (did it exit?)")?;
        self.stdin
            .flush()
            .await
            .context("the model closed its stdin")
    }

    async fn answer(
        &mut self,
        chunk: &pb::StimulusChunk,
        deadline: Duration,
    ) -> Result<Vec<Vec<f64>>> {
        let awaited = format!("trial {:?} chunk {}", chunk.trial_id, chunk.index);
        let mut message = json!({
            "type": "chunk", "trial_id": chunk.trial_id, "index": chunk.index,
            "t_start_s": chunk.t_start_s, "duration_s": chunk.duration_s,
            "last_in_trial": chunk.last_in_trial,
        });
        if self.synaptic {
            let events: Vec<(u32, f64)> =
                chunk.events.iter().map(|e| (e.synapse_id, e.t_s)).collect();
            message["events"] = json!(events);
        } else {
            message["current_na"] = json!(chunk.current_na);
        }
        let mut buf = Vec::new();
        // Writing the chunk and reading the answer share the deadline: a model that stops reading
        // its stdin blocks the write as surely as one that never answers.
        let exchange = async {
            self.write(&message).await?;
            let mut limited = (&mut self.stdout).take(MAX_LINE_BYTES + 1);
            limited
                .read_until(b'\n', &mut buf)
                .await
                .context("reading the model's stdout failed")
        };
        let n = match tokio::time::timeout(deadline, exchange).await {
            Err(_) => bail!(
                "the model did not answer {awaited} within {} s",
                deadline.as_secs_f64()
            ),
            Ok(r) => r?,
        };
        self.line += 1;
        if n == 0 {
            let status = match self.child.try_wait() {
                Ok(Some(s)) => format!(" ({s})"),
                _ => String::new(),
            };
            bail!("the model closed its stdout{status} before answering {awaited}");
        }
        if buf.len() as u64 > MAX_LINE_BYTES {
            bail!(
                "the model wrote more than {MAX_LINE_BYTES} bytes on line {} without a newline",
                self.line
            );
        }
        let answer: Answer = serde_json::from_slice(&buf).map_err(|e| {
            let text = String::from_utf8_lossy(&buf);
            let shown: String = text.trim_end().chars().take(80).collect();
            anyhow!("the model's line {} is not an answer {{\"trial_id\", \"index\", \"spikes\"}}: {e} (line: {shown:?})", self.line)
        })?;
        if (answer.trial_id.as_str(), answer.index) != (chunk.trial_id.as_str(), chunk.index) {
            bail!(
                "the model answered trial {:?} chunk {} while {awaited} was awaited",
                answer.trial_id,
                answer.index
            );
        }
        Ok(answer.spikes)
    }
}
