//! The command line, as clap parses it. Parsing produces plain values; nothing here does work.
//!
//! These definitions are the single description of the command line: `--help` shows each
//! command's `--json` shape (`after_long_help`), and `docs/cli.md` is generated from them
//! (`crate::cli_docs`), so the help, the page and the parser cannot drift apart.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

// The `--json` shapes, shown by `--help` (not `-h`, which stays one screen). Each is checked
// against the code that builds the JSON (`commands/*.rs`); a change to a shape is a change to a
// contract and goes in CHANGELOG.md. The pieces two commands print alike are macros so that
// `concat!` can share them.

/// `clustering_effect` of `arena challenge create --json` and `arena gauntlet --json`.
macro_rules! clustering_effect_json {
    () => {
        r#"  clustering_effect: null except for dendritic challenges, where it is the clustering check the
    generator passed, stored with the challenge (a dendritic dataset whose clustered trials do not
    differ significantly from both controls is refused with INVALID_ARGUMENT):
    {"alpha", "units", "clustered_spikes", "clustered_rate_hz",
     "time_dispersed": {"spikes", "rate_hz", "mean_count_difference", "wilcoxon_p", "sign_test_p",
                        "gamma_vs_clustered"},
     "space_scattered": {the keys of "time_dispersed"}}
"#
    };
}

/// One submission, as `arena submission show --json` prints it (and `arena submit --json`).
macro_rules! submission_json {
    () => {
        r#"  {"submission_id", "challenge_id", "team", "model", "is_baseline", "status", "sha256",
   "created_at", "scores", "notes", "trials": [{"trial_id", "scores", "notes"}], "audit",
   "selected", "private_scores"?, "private_notes"?, "error"?}
  status: "queued", "scoring", "scored" or "failed"; error: why scoring failed (absent otherwise).
  scores: metric -> number or null: "coincidence_factor", "intrinsic_reliability",
    "gamma_over_r", "md_star", "md_star_null", "md_star_ceiling", "primary", "bits_per_spike".
    While the challenge is open a contestant sees of an offline submission only "primary", the
    value the Ladder released to the team after it (rounded to rules.ladder_step).
  notes: metric -> why its value is null, or, for a released primary, whether this submission
    moved it.
  trials, private_scores, private_notes: per-trial scores and the private part's scores and
    notes, shown to organizers and auditors, and to everyone once the challenge is closed
    (otherwise trials is empty and the private keys are absent).
  audit: null until scored, then {"dataset_hash", "trials_hash", "full_dataset_hash",
    "challenge_version", "metrics_version", "scoring_library_version", "params", "scored_at"};
    dataset_hash is the public hash; full_dataset_hash is null except for organizers and auditors.
  selected: the submission is one of its team's final selections.
"#
    };
}

/// One leaderboard, as `arena leaderboard --json` prints it (and `arena demo --json`).
macro_rules! leaderboard_json {
    () => {
        r#"  {"challenge_id", "part", "rows": [{"rank", "team", "model", "is_baseline", "primary", "md_star",
   "gamma_over_r", "n_submissions", "submitted_at", "submission_id", "primary_clustered",
   "primary_dispersed", "clustering_gap", "bits_per_spike", "primary_ci_low", "primary_ci_high",
   "selected", "notes"}], "metrics_version", "pending_rescore", "ladder_step", "final_selections"}
  part: "public" while the challenge is open (each team's row is the submission the Ladder
    released, every value rounded to ladder_step), "private" once it is closed (each team ranked
    by the best private primary among its selected submissions, or its latest final_selections
    ones if it selected none; selected: the row's submission is one the team selected, always
    false on the public board, which does not say what a team selected).
  primary_clustered, primary_dispersed, clustering_gap: null except on challenges whose test
    trials are paired clustered/control trials: the primary pooled over the clustered trials,
    over both controls, and dispersed - clustered.
  bits_per_spike: null except for intensity predictions.
  primary_ci_low, primary_ci_high: the 95 % bootstrap interval of the primary (the part's
    segments resampled) where the primary is exact: on the private board (and a public one of
    ladder_step 0); null on a laddered public board, where it would give the exact score away.
  notes: metric -> why the row's value is null.
  pending_rescore: submissions being scored again under metrics_version, not shown yet.
"#
    };
}

const CHALLENGES_JSON: &str = r#"JSON (--json):
  {"challenges": [{"id", "title", "kind", "status", "n_train_trials", "n_test_trials",
                   "daily_limit", "created_at", "public_benchmark", "dataset_hash"}]}
  kind: "injected-current" or "dendritic-input"; status: "open" or "closed".
  dataset_hash: the public dataset hash, which `arena fetch` reproduces.
"#;

const CREATE_JSON: &str = concat!(
    r#"JSON (--json):
  {"challenge_id", "dataset_hash", "full_dataset_hash", "n_train_trials", "n_test_trials",
   "train_intrinsic_reliability", "test_intrinsic_reliability", "clustering_effect"}
  dataset_hash: the public hash contestants see; full_dataset_hash: the organizer's (manifest and
    data files, generator included).
  train_intrinsic_reliability, test_intrinsic_reliability: R, the mean coincidence factor between
    pairs of repeats averaged over trials; null with fewer than 2 repeats (the demo neuron gives
    about 0.8).
"#,
    clustering_effect_json!()
);

const CLOSE_JSON: &str = r#"JSON (--json):
  {"challenge_id", "status"}
  status: "closed".
"#;

const TOKENS_JSON: &str = r#"JSON (--json):
  {"tokens": [{"name", "role", "baseline", "created_at", "expires_at", "revoked_at",
               "last_used_at"}], "truncated"}
  Oldest first, at most 10 000 (truncated: there were more). expires_at, revoked_at,
    last_used_at: RFC 3339 UTC, or null for never, not revoked, never used.
"#;

const REVOKE_JSON: &str = r#"JSON (--json):
  {"name", "revoked", "revoked_at"}
  revoked: how many tokens of the name were revoked (at least 1; none is NOT_FOUND).
"#;

const LOG_JSON: &str = r#"JSON (--json):
  {"rows": [{"id", "at", "actor_name", "actor_role", "action", "challenge_id", "details",
             "reason", "prev_hash", "hash"}]}
  action: create_challenge, close_challenge, submit_baseline, token_create, token_revoke (more as
    the server adds actions); challenge_id: null for token changes; details: a JSON object.
  actor_name, actor_role: the token's name and role, or "arena-server token (offline)" and
    "operator" for the server's own command line.
  hash: SHA-256 (hex) of the compact JSON array [id, at, actor_name, actor_role, action,
    challenge_id, details as stored text, reason, prev_hash]; prev_hash: the previous row's hash,
    64 zeros for row 1 (docs/organizer-guide.md#the-organizer-log).
With --verify:
  {"verified": true, "rows", "head"}
  head: the last row's hash; keep it, since only a head seen before shows a log cut after it.
  A broken chain exits 1 naming the first bad row: its id, action and what is wrong (gap, wrong
  prev_hash, hash mismatch).
"#;

const BASELINES_JSON: &str = r#"JSON (--json):
  {"challenge_id", "baselines": [{"baseline", "team", "submission_id", "status", "reason"?}]}
  team: baseline-<name>. status: "scored", or "not_fitted" when the baseline's fit refused the
    training data: then submission_id is null and reason says why (absent otherwise).
"#;

const AUDIT_BUNDLE_JSON: &str = r#"JSON (--json):
  {"submission_id", "scope", "out", "files": [{"name", "size", "sha256"}]}
  scope: "full" (organizers and auditors: every part and trial) or "public" (anyone else, once the
    challenge is closed: the public part only); out: the folder written; files: every file of
    the bundle, each checked against its SHA-256.
"#;

const AUDIT_VERIFY_JSON: &str = r#"JSON (--json):
  {"dir", "submission_id", "scope", "ok", "first_difference", "checks": [{"what", "ok", "detail"}],
   "comparisons": [{"part", "trial"?, "metric", "stored", "recomputed", "matches"}]}
  ok: every check held and every score matched bit for bit (the exit code is 0 exactly then);
    first_difference: null, or the line printed on failure.
  checks: the predictions' SHA-256 against the stored one; for a live evaluation with its
    generator, the hidden responses regenerated from the live seed against the bundled ones.
  part: "public", "private" or "trial" (then trial names it); stored, recomputed: {"number": x},
    {"undefined": reason} or "absent".
"#;

const FETCH_JSON: &str = r#"JSON (--json):
  {"challenge_id", "out", "n_trials"}
  out: the folder written; n_trials: the trials listed in its challenge.json.
"#;

const SUBMIT_JSON: &str = concat!(
    r#"JSON (--json), once the submission is scored or failed: the submission with one more key,
"created" (false when the idempotency key matched an earlier upload, whose submission is shown):
"#,
    submission_json!(),
    r#"With --no-wait, as soon as the submission is stored:
  {"submission_id", "status", "created", "sha256", "scores": {}}
"#
);

const SHOW_JSON: &str = concat!("JSON (--json):\n", submission_json!());

const SELECT_JSON: &str = r#"JSON (--json):
  {"submission_id", "challenge_id", "team", "selected", "final_selections"}
  selected: the team's selected submission ids after the call, in the order they were selected;
    final_selections: how many a team may select.
"#;

const LEADERBOARD_JSON: &str = concat!("JSON (--json):\n", leaderboard_json!());

const RUN_JSON: &str = r#"JSON (--json):
  {"evaluation_id", "status", "scores", "notes", "submission_id", "trials": [{"trial_id", "scores"}],
   "reason"?}
  status: "scored" or "failed"; reason: why it failed (absent otherwise).
  scores: metric -> number or null, pooled over the fresh trials (the keys of
    `arena submission show --json`); notes: metric -> why its value is null.
  submission_id: the stored submission ("" unless scored); trials: each trial's scores, as they
    arrived.
With --list-builtins:
  {"builtins": [{"name", "description"}]}
  name: builtin:<name>, the value of --model.
"#;

const GAUNTLET_JSON: &str = concat!(
    r#"JSON (--json):
  {"challenge_id", "passed", "rows": [{"name", "class", "outcome", "primary", "md_star",
   "gamma_over_r", "note", "passed", "rule"}], "clustering_effect"}
  passed: every entry met its bound. class: "no-stimulus", "no-hidden", "hidden-data",
    "malformed" or "honest"; outcome: "scored", "rejected" or "not_built"; rule: the bound the
    entry was held to; note: the rejection message, why it was not built, or what else it measured.
"#,
    clustering_effect_json!(),
    "  It holds pooled spike counts of the hidden test trials: contestants never see it.\n"
);

const SIMULATE_JSON: &str = r#"JSON (--json):
  {"out", "n_spikes", "wall_s"}
  out: the output document written; wall_s: seconds of wall time.
"#;

const SCORE_JSON: &str = r#"JSON (--json):
  {"coincidence_factor", "intrinsic_reliability", "gamma_over_r", "md_star", "cf2_star",
   "d_star_p", "victor_purpura", "van_rossum", "isi_distance", "spike_distance", "spike_sync",
   "schreiber", "explained_variance", "rate_error", "primary", "notes",
   "window": {"start_s", "end_s"}, "params", "n_truth", "n_pred"}
  With --metrics, only the listed metrics (and their notes) appear.
  Each metric is a number or null; notes: metric -> why its value is null. The pairwise distances
    (victor_purpura, van_rossum, isi_distance, spike_distance, spike_sync) are means over all
    truth x prediction pairs.
  params: {"delta_s", "vp_q_per_s", "vr_tau_s", "schreiber_sigma_s", "psth_sigma_s", "psth_dt_s",
    "kernel"}; n_truth, n_pred: the spike trains in each file.
"#;

const INSPECT_JSON: &str = r#"JSON (--json):
  {"file", "abf_version", "sample_rate_hz", "channels": [{"name", "units"}],
   "sweeps": [{"index", "n_samples", "spike_count"}]}
  spike_count: upward 0 mV crossings of the first channel in mV; null when no channel is in mV.
"#;

const DEMO_JSON: &str = concat!(
    "JSON (--json):\n  {\"leaderboards\": [<leaderboard>], \"board_urls\": [<url>]}, one of each per challenge;\n  \
     board_urls: the web page of each board (docs/web.md), served while the demo runs\n  \
     (with --serve, until Ctrl-C); each leaderboard:\n",
    leaderboard_json!()
);

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
    /// Server URL: http:// for plaintext, https:// for TLS. A call that loses its connection (server unreachable, restarted, connection reset) is
    /// repeated where that is safe (reads, `submission select`, `submit`, whose upload carries an
    /// idempotency key): 5 attempts, pauses of 0.2, 0.4, 0.8 and 1.6 s, each retry and the final
    /// give-up said on standard error. `challenge create`, `challenge close` and `run` are not
    /// repeated.
    #[arg(
        long,
        global = true,
        env = "ARENA_SERVER",
        default_value = "http://127.0.0.1:50051"
    )]
    pub server: String,
    /// PEM file of the certificate authority an https:// server's certificate is checked
    /// against (a private CA); without it, the system's trusted roots.
    #[arg(long, global = true, env = "ARENA_TLS_CA", value_name = "PEM")]
    pub tls_ca: Option<PathBuf>,
    /// Access token (from `arena-server token create`).
    #[arg(long, global = true, env = "ARENA_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Print one machine-readable JSON document on stdout (its shape: each command's --help).
    #[arg(long, global = true)]
    pub json: bool,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the challenges on the server.
    #[command(after_long_help = CHALLENGES_JSON)]
    Challenges,
    /// Organizer commands on one challenge.
    Challenge {
        /// What to do.
        #[command(subcommand)]
        command: ChallengeCommand,
    },
    /// Download a challenge's public data: DIR/challenge.json and .npy traces.
    ///
    /// Writes DIR/challenge.json (id, title, kind, dt_s, description, license, citation, public
    /// dataset hash, daily limit, public_benchmark, train_intrinsic_reliability, trials with their
    /// files by role and, for paired designs, their condition), DIR/dataset.toml (the public view
    /// of the manifest: a simulated challenge's generator is left out unless the organizer
    /// publishes it), the public traces as .npy and, for a dendritic challenge, cell.swc and
    /// synapses.json (and cell_biophysics.json only where the cell is published). Every file's
    /// SHA-256 is checked.
    #[command(after_long_help = FETCH_JSON)]
    Fetch {
        /// Challenge id.
        challenge: String,
        /// Output folder (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Contestant: submit predicted spike trains and wait for the score.
    ///
    /// Uploads the predictions file and polls until the submission is scored or failed (exit
    /// code 1 when scoring failed). A dropped connection is retried with the same idempotency
    /// key, so the upload counts once.
    #[command(after_long_help = SUBMIT_JSON)]
    Submit(SubmitArgs),
    /// Submissions.
    Submission {
        /// What to do.
        #[command(subcommand)]
        command: SubmissionCommand,
    },
    /// Audit a stored score: bundle what it was computed from, recompute it offline.
    Audit {
        /// What to do.
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Print a challenge's leaderboard (the public part while the challenge is open).
    ///
    /// Columns: rank, team, model, primary, Md*, Γ/R (on paired clustered/control challenges also
    /// the primary over the clustered trials, over the controls and the gap; bits per spike when
    /// a row has it), number of submissions, time of the best submission; then why any value is
    /// undefined.
    #[command(after_long_help = LEADERBOARD_JSON)]
    Leaderboard {
        /// Challenge id.
        challenge: String,
    },
    /// Connect a model to a live evaluation: the server streams fresh hidden stimuli chunk by chunk
    /// and the model answers each chunk before it sees the next.
    ///
    /// The model is a shell command speaking the line protocol of docs/live.md, or
    /// `builtin:<name>`, a built-in model run in-process (`arena run --list-builtins` lists them).
    #[command(after_long_help = RUN_JSON)]
    Run(RunArgs),
    /// Organizers and auditors: run the gaming gauntlet on a challenge's hidden data and print the table.
    ///
    /// For a dendritic challenge it also prints the clustering check `arena challenge create`
    /// printed. Nothing is stored.
    #[command(after_long_help = GAUNTLET_JSON)]
    Gauntlet(GauntletArgs),
    /// Run the reference multi-compartment simulator on a JSON document (offline, no server).
    #[command(after_long_help = SIMULATE_JSON)]
    Simulate(SimulateArgs),
    /// Score predicted against recorded spike trains with every metric (offline, no server).
    #[command(after_long_help = SCORE_JSON)]
    Score(ScoreArgs),
    /// Inspect data files (offline, no server).
    Dataset {
        /// What to do.
        #[command(subcommand)]
        command: DatasetCommand,
    },
    /// Run the whole flow on a local server: create every demo challenge, submit the built-in
    /// baselines through gRPC, print the leaderboards.
    ///
    /// The server is the `arena-server` binary, started as a child process on a free loopback
    /// port with a fresh SQLite file and stopped on exit; it serves the web pages on another
    /// free loopback port, and the demo prints each board's URL. With --manifest the demo runs
    /// on that one dataset instead.
    #[command(after_long_help = DEMO_JSON)]
    Demo(DemoArgs),
    /// Organizers: the built-in baselines.
    Baselines {
        /// What to do.
        #[command(subcommand)]
        command: BaselinesCommand,
    },
    /// Organizers: list and revoke access tokens (create them with `arena-server token create`).
    Token {
        /// What to do.
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Organizers and auditors: the append-only organizer log, or its check.
    ///
    /// Every organizer action (a challenge created or closed, a baseline submitted, a token
    /// created or revoked) with when, who (name and role), what, on which challenge, the details
    /// and why, in order. Each row carries the SHA-256 of the row before it; `--verify`
    /// recomputes the chain on this machine, so it needs no trust in the server.
    #[command(after_long_help = LOG_JSON)]
    Log(LogArgs),
}

/// `arena baselines ...`.
#[derive(Subcommand, Debug)]
pub enum BaselinesCommand {
    /// Fit every baseline suited to a challenge on its public training data and submit each
    /// through the normal path, filed under team `baseline-<name>` and marked as a baseline.
    ///
    /// Baseline submissions are outside the daily limit. The reference (the generating model,
    /// which only the server holds) is computed by the server from an empty submission. A
    /// baseline whose fit refuses the data is reported and skipped.
    #[command(after_long_help = BASELINES_JSON)]
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
    /// The model: a shell command speaking the line protocol (docs/live.md), or `builtin:<name>`.
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

/// `arena log` options.
#[derive(Args, Debug)]
pub struct LogArgs {
    /// Only the rows about this challenge (default: every row).
    pub challenge: Option<String>,
    /// Recompute the whole hash chain here, from every row the server sends: exit 0 only when
    /// every row's hash matches and no id is missing; otherwise name the first bad row.
    #[arg(long, conflicts_with = "challenge")]
    pub verify: bool,
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
    /// Input document: cell, stimulus, numerics (schema in docs/simulator.md).
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
    /// Compute only these scores: a comma-separated list of the JSON keys, e.g.
    /// `isi_distance,spike_distance,spike_sync,van_rossum` (default: every score). The output
    /// holds the listed keys only.
    #[arg(long, value_name = "KEYS")]
    pub metrics: Option<String>,
}

/// `arena challenge ...`.
#[derive(Subcommand, Debug)]
pub enum ChallengeCommand {
    /// Create a challenge from a dataset manifest (uploads the manifest and the files it names).
    ///
    /// The hidden files of a recorded dataset (--hidden) are uploaded once, stored and never
    /// served.
    #[command(after_long_help = CREATE_JSON)]
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
    ///
    /// New submissions and live evaluations are refused (FAILED_PRECONDITION); stored ones are
    /// still scored.
    #[command(after_long_help = CLOSE_JSON)]
    Close {
        /// Challenge id.
        challenge: String,
        /// Why, for the organizer log (at most 500 characters).
        #[arg(long, default_value = "")]
        reason: String,
    },
}

/// `arena token ...`.
#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// List every token: name, role, baseline flag, created, expiry, revoked, last use.
    ///
    /// Never shows a token nor its hash. The last use is recorded at most once a minute per
    /// token, so it may be up to a minute old.
    #[command(after_long_help = TOKENS_JSON)]
    List,
    /// Revoke every live token (neither revoked nor expired) of a name.
    ///
    /// Each is refused at its next call, with UNAUTHENTICATED saying when it was revoked. Logged
    /// in the organizer log with the reason. Not repeated on a lost connection: `arena token
    /// list` tells whether it took effect.
    #[command(after_long_help = REVOKE_JSON)]
    Revoke {
        /// The tokens' name (a team, or a person).
        name: String,
        /// Why, for the organizer log (at most 500 characters).
        #[arg(long)]
        reason: String,
    },
}

/// `arena dataset ...`.
#[derive(Subcommand, Debug)]
pub enum DatasetCommand {
    /// Print an ABF2 file's sweeps, sampling rate, channels with units and per sweep the number of
    /// upward 0 mV crossings.
    #[command(after_long_help = INSPECT_JSON)]
    Inspect {
        /// The .abf file.
        file: PathBuf,
    },
}

/// `arena submission ...`.
#[derive(Subcommand, Debug)]
pub enum SubmissionCommand {
    /// Show a submission's status, scores, per-trial scores and audit record.
    #[command(after_long_help = SHOW_JSON)]
    Show {
        /// Submission id.
        id: String,
    },
    /// Contestant: mark one of your submissions for the final ranking (at most the
    /// challenge's rules.final_selections; teams that select none are ranked by their latest).
    #[command(after_long_help = SELECT_JSON)]
    Select {
        /// Submission id.
        id: String,
    },
    /// Contestant: remove a submission from your final selection.
    #[command(after_long_help = SELECT_JSON)]
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
    /// Keep the server up after the boards are printed, until Ctrl-C, so the web pages (the
    /// board URLs printed) can be opened in a browser.
    #[arg(long)]
    pub serve: bool,
}

/// `arena audit`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Write everything the stored scores of a submission were computed from into a folder.
    ///
    /// The predictions as stored (their SHA-256 checked against the stored one), the hidden
    /// responses of the scored test trials as .npy, the metric parameters, versions, hashes
    /// and seeds (bundle.json), the trials and their parts (trials.json), every stored score
    /// (scores.json), a live evaluation's generator, and a README.md of the format.
    /// Organizers and auditors: any scored submission. Contestants: once the challenge is
    /// closed, their own submissions (any on a public benchmark), the public part only.
    #[command(after_long_help = AUDIT_BUNDLE_JSON)]
    Bundle {
        /// Submission id.
        submission: String,
        /// Output folder (created if missing; files of the bundle are overwritten).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Recompute every stored score of a bundle offline and compare them bit for bit.
    ///
    /// Needs no server. Prints a per-metric table; exits 0 only when every value matches bit
    /// for bit (undefined values with the same reason), else 1 with one line naming the first
    /// difference.
    #[command(after_long_help = AUDIT_VERIFY_JSON)]
    Verify {
        /// The bundle's folder.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Bundle a submission into a temporary folder and verify it, in one step.
    #[command(after_long_help = AUDIT_VERIFY_JSON)]
    Submission {
        /// Submission id.
        submission: String,
    },
}
