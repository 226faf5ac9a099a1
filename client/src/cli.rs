//! The command line, as clap parses it. Parsing produces plain values; nothing here does work.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Spike Arena client: fetch challenges, submit predictions, read scores and leaderboards.
#[derive(Parser, Debug)]
#[command(name = "arena", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Global options.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts, before or after the subcommand.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Server URL.
    #[arg(
        long,
        global = true,
        env = "ARENA_SERVER",
        default_value = "http://127.0.0.1:50051"
    )]
    pub server: String,
    /// Access token (from `arena-server token create`).
    #[arg(long, global = true, env = "ARENA_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Print machine-readable JSON on stdout.
    #[arg(long, global = true)]
    pub json: bool,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the challenges on the server.
    Challenges,
    /// Organizer commands on one challenge.
    Challenge {
        /// What to do.
        #[command(subcommand)]
        command: ChallengeCommand,
    },
    /// Download a challenge's public data: DIR/challenge.json and .npy traces.
    Fetch {
        /// Challenge id.
        challenge: String,
        /// Output folder (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
    /// Submit predicted spike trains and wait for the score.
    Submit(SubmitArgs),
    /// Submissions.
    Submission {
        /// What to do.
        #[command(subcommand)]
        command: SubmissionCommand,
    },
    /// Print a challenge's leaderboard (the public part while the challenge is open).
    Leaderboard {
        /// Challenge id.
        challenge: String,
    },
    /// Connect a model to a live evaluation: the server streams fresh hidden stimuli chunk by chunk
    /// and the model answers each chunk before it sees the next.
    Run(RunArgs),
    /// Organizers and auditors: run the gaming gauntlet on a challenge's hidden data and print the table.
    Gauntlet(GauntletArgs),
    /// Run the reference multi-compartment simulator on a JSON document (offline, no server).
    Simulate(SimulateArgs),
    /// Score predicted against recorded spike trains with every metric (offline, no server).
    Score(ScoreArgs),
    /// Inspect data files (offline, no server).
    Dataset {
        /// What to do.
        #[command(subcommand)]
        command: DatasetCommand,
    },
    /// Run the whole flow on an in-process server: create every demo challenge, submit the
    /// built-in baselines through gRPC, print the leaderboards.
    Demo(DemoArgs),
    /// Organizers: the built-in baselines.
    Baselines {
        /// What to do.
        #[command(subcommand)]
        command: BaselinesCommand,
    },
}

/// `arena baselines ...`.
#[derive(Subcommand, Debug)]
pub enum BaselinesCommand {
    /// Fit every baseline suited to a challenge on its public training data and submit each
    /// through the normal path, filed under team `baseline-<name>` and marked as a baseline.
    Run {
        /// Challenge id.
        challenge: String,
        /// Seed of the stochastic baselines.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// `arena submit` options.
#[derive(Args, Debug)]
pub struct SubmitArgs {
    /// Challenge id.
    pub challenge: String,
    /// JSON file {"trials": {"<trial id>": [[t, ...], ...]}}, spike times in seconds.
    #[arg(long)]
    pub predictions: PathBuf,
    /// A label for the model.
    #[arg(long, default_value = "unnamed")]
    pub model: String,
    /// Makes a retried upload count once; default: a fresh key per invocation.
    #[arg(long)]
    pub idempotency_key: Option<String>,
    /// Return as soon as the submission is stored.
    #[arg(long)]
    pub no_wait: bool,
    /// Seconds to wait for the score.
    #[arg(long, default_value_t = 600)]
    pub timeout: u64,
}

/// `arena run` options.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// Challenge id.
    #[arg(required_unless_present = "list_builtins")]
    pub challenge: Option<String>,
    /// The model: a shell command speaking the line protocol (README), or `builtin:<name>`.
    #[arg(long, required_unless_present = "list_builtins")]
    pub model: Option<String>,
    /// Predicted repeats per chunk (default: 1 for a command, the model's own for a built-in).
    #[arg(long)]
    pub repeats: Option<usize>,
    /// Label on the board (default: the --model text).
    #[arg(long)]
    pub name: Option<String>,
    /// Seed of a stochastic built-in model.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// List the built-in models and exit.
    #[arg(long)]
    pub list_builtins: bool,
}

/// `arena gauntlet` options.
#[derive(Args, Debug)]
pub struct GauntletArgs {
    /// Challenge id.
    pub challenge: String,
    /// Seed of the stochastic entries.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// `arena simulate` options.
#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// Input document: cell, stimulus, numerics (schema in the README).
    #[arg(long)]
    pub input: PathBuf,
    /// Output document: spike times, somatic voltage every 0.1 ms, wall time.
    #[arg(long)]
    pub out: PathBuf,
}

/// `arena score` options.
#[derive(Args, Debug)]
pub struct ScoreArgs {
    /// Recorded repeats: one spike train per line, times in seconds (PySpike text format).
    #[arg(long)]
    pub truth: PathBuf,
    /// Predicted repeats, same format.
    #[arg(long)]
    pub pred: PathBuf,
    /// Start of the observation window, seconds.
    #[arg(long, default_value_t = 0.0)]
    pub start: f64,
    /// End of the observation window, seconds (default: the last spike in either file).
    #[arg(long)]
    pub end: Option<f64>,
    /// Coincidence window Δ of Γ and Md*, milliseconds.
    #[arg(long, default_value_t = 4.0)]
    pub delta_ms: f64,
    /// Victor–Purpura shift cost q, 1/s.
    #[arg(long, default_value_t = 100.0)]
    pub vp_q: f64,
    /// van Rossum time constant τ, milliseconds.
    #[arg(long, default_value_t = 10.0)]
    pub vr_tau_ms: f64,
    /// Kernel of Md*, CF2*, D*_P and the primary: `triangle` (the server's, metrics version
    /// core-2) or `box` (the INCF / GIF fitting toolbox convention, for comparison with
    /// published Md* values; not gaming-proof).
    #[arg(long, default_value = "triangle", value_parser = ["triangle", "box"])]
    pub kernel: String,
}

/// `arena challenge ...`.
#[derive(Subcommand, Debug)]
pub enum ChallengeCommand {
    /// Create a challenge from a dataset manifest (uploads the manifest and the files it names).
    Create {
        /// Path to datasets/<name>/dataset.toml.
        #[arg(long)]
        manifest: PathBuf,
        /// Challenge id (default: the manifest's `name`).
        #[arg(long)]
        id: Option<String>,
        /// Recorded challenges: a hidden test recording the manifest lists in `hidden_files`,
        /// matched by file name; it may live anywhere (keep it outside the repository). Repeat
        /// for several files.
        #[arg(long = "hidden", value_name = "PATH")]
        hidden: Vec<PathBuf>,
        /// The hidden seed (default: drawn by the server). Fixes the hidden test trials of a
        /// simulated challenge and the public/private draw, so the challenge can be created
        /// again exactly; keep it as secret as the hidden data.
        #[arg(long, value_name = "N")]
        hidden_seed: Option<u64>,
    },
    /// Close a challenge for good: no more submissions, the board shows the private part.
    Close {
        /// Challenge id.
        challenge: String,
    },
}

/// `arena dataset ...`.
#[derive(Subcommand, Debug)]
pub enum DatasetCommand {
    /// Print an ABF2 file's sweeps, sampling rate, channels with units and per sweep the number of
    /// upward 0 mV crossings.
    Inspect {
        /// The .abf file.
        file: PathBuf,
    },
}

/// `arena submission ...`.
#[derive(Subcommand, Debug)]
pub enum SubmissionCommand {
    /// Show a submission's status, scores, per-trial scores and audit record.
    Show {
        /// Submission id.
        id: String,
    },
    /// Contestant: mark one of your submissions for the final ranking (at most the
    /// challenge's rules.final_selections; teams that select none are ranked by their latest).
    Select {
        /// Submission id.
        id: String,
    },
    /// Contestant: remove a submission from your final selection.
    Unselect {
        /// Submission id.
        id: String,
    },
}

/// `arena demo` options.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Run on this one dataset manifest instead of every demo challenge.
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// With `--manifest`: the hidden recordings a recorded manifest needs (as for
    /// `arena challenge create --hidden`).
    #[arg(long = "hidden", value_name = "PATH", requires = "manifest")]
    pub hidden: Vec<PathBuf>,
    /// The repository's `datasets/` folder (default: the one this binary was built from).
    #[arg(long, conflicts_with = "manifest")]
    pub datasets: Option<PathBuf>,
    /// SQLite file to use (default: a fresh temporary file, removed afterwards).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// The `arena-server` binary to run (default: the one beside this executable).
    #[arg(long, value_name = "PATH", env = "ARENA_SERVER_BIN")]
    pub server_bin: Option<PathBuf>,
    /// Seed of the stochastic baselines.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Hidden seed of every demo challenge, and base of the demo server's own seeds (the
    /// reference baseline's noise); default: all drawn. Repeats a demo run exactly.
    #[arg(long, value_name = "N")]
    pub hidden_seed: Option<u64>,
}
