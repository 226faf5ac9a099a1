//! `arena-server`: serve the Spike Arena gRPC API; create, list and revoke access tokens; verify
//! the organizer log.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use arena_server::admin::{self, TokenSpec};
use arena_server::auth::Role;
use arena_server::{Seeds, ServerConfig, start_with, tls};
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "arena-server", version, about = "The Spike Arena server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the gRPC API (with health and reflection) until Ctrl-C.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:50051", env = "ARENA_LISTEN")]
        listen: SocketAddr,
        /// SQLite database file (created, and migrated, if missing).
        #[arg(long, default_value = "./arena.db", env = "ARENA_DB")]
        db: PathBuf,
        /// Also serve the read-only web pages (challenges, boards, submission reports;
        /// docs/web.md) over HTTP on this address, e.g. 127.0.0.1:8080. Off when not given.
        #[arg(long, value_name = "ADDR", env = "ARENA_HTTP")]
        http: Option<SocketAddr>,
        /// Scoring workers.
        #[arg(long, default_value_t = 1)]
        workers: usize,
        /// Run under a parent process (as `arena demo` does): print the bound address on
        /// standard output as one line once serving (and, with --http, the web address as a
        /// second line), and stop when standard input closes as
        /// well as on Ctrl-C, so the server never outlives its parent.
        #[arg(long)]
        supervised: bool,
        /// Draw the server's own seeds (a hidden seed the organizer did not give, each live
        /// evaluation's seed, the reference baseline's noise seed) from a fixed sequence based
        /// on N instead of the operating system's generator: for test suites and reproducible
        /// demos only. A competition needs them unpredictable: leave this unset.
        #[arg(long, value_name = "N")]
        fixed_seeds: Option<u64>,
        /// Serve gRPC over TLS only, with this PEM certificate chain (clients then use an
        /// https:// URL). Needs --tls-key.
        #[arg(long, value_name = "PEM", env = "ARENA_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of --tls-cert.
        #[arg(long, value_name = "PEM", env = "ARENA_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// Token management.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The organizer log.
    Log {
        #[command(subcommand)]
        command: LogCommand,
    },
}

#[derive(Subcommand)]
enum LogCommand {
    /// Recompute the organizer log's hash chain (as `arena log --verify` does); exit 0 only
    /// when every row's hash matches and no id is missing, else name the first bad row.
    Verify {
        /// SQLite database file.
        #[arg(long, default_value = "./arena.db", env = "ARENA_DB")]
        db: PathBuf,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it once (the database keeps only its hash).
    Create {
        /// SQLite database file.
        #[arg(long, default_value = "./arena.db", env = "ARENA_DB")]
        db: PathBuf,
        /// What the token may do.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Team (contestants) or person.
        #[arg(long)]
        name: String,
        /// Mark a contestant team as a built-in baseline on the leaderboard.
        #[arg(long)]
        baseline: bool,
        /// Stop working after this long: a whole number and s, m, h or d (3600s, 90m, 12h,
        /// 30d), at most 3650d. Without it the token works until revoked.
        #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
        expires_in: Option<String>,
    },
    /// List every token: name, role, baseline flag, created, expiry, revoked, last use (never
    /// the token nor its hash).
    List {
        /// SQLite database file.
        #[arg(long, default_value = "./arena.db", env = "ARENA_DB")]
        db: PathBuf,
        /// Print one JSON document: {"tokens": [{"name", "role", "baseline", "created_at",
        /// "expires_at", "revoked_at", "last_used_at"}], "truncated"}.
        #[arg(long)]
        json: bool,
    },
    /// Revoke every live token of a name; a server running on the database refuses them at
    /// their next call.
    Revoke {
        /// SQLite database file.
        #[arg(long, default_value = "./arena.db", env = "ARENA_DB")]
        db: PathBuf,
        /// The tokens' name (team or person).
        #[arg(long)]
        name: String,
        /// Why, for the organizer log (at most 500 characters).
        #[arg(long, default_value = "")]
        reason: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Organizer,
    Contestant,
    Auditor,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Organizer => Role::Organizer,
            RoleArg::Contestant => Role::Contestant,
            RoleArg::Auditor => Role::Auditor,
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("arena-server: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves when standard input reaches its end: the parent closed the pipe or exited. Read on
/// a plain thread, not tokio's stdin, whose blocking read would hold up the runtime's shutdown
/// after Ctrl-C.
fn stdin_closed() -> tokio::sync::oneshot::Receiver<()> {
    let (closed, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
        let _ = closed.send(());
    });
    rx
}

#[tokio::main]
async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            listen,
            db,
            http,
            workers,
            supervised,
            fixed_seeds,
            tls_cert,
            tls_key,
        } => {
            let tls = match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => Some(tls::server_tls(&cert, &key)?),
                _ => None,
            };
            let server = start_with(
                &db,
                listen,
                ServerConfig {
                    workers,
                    seeds: fixed_seeds.map_or(Seeds::Drawn, Seeds::Fixed),
                    http,
                    ..ServerConfig::default()
                },
                tls,
            )
            .await?;
            if supervised {
                println!("{}", server.addr);
                if let Some(http) = server.http_addr {
                    println!("{http}");
                }
                tokio::select! {
                    signal = tokio::signal::ctrl_c() => signal?,
                    _ = stdin_closed() => {}
                }
            } else {
                eprintln!(
                    "arena-server listening on {} (database {})",
                    server.addr,
                    db.display()
                );
                if let Some(http) = server.http_addr {
                    eprintln!("web pages on http://{http}/");
                }
                tokio::signal::ctrl_c().await?;
            }
            Ok(server.stop().await?)
        }
        Command::Token {
            command:
                TokenCommand::Create {
                    db,
                    role,
                    name,
                    baseline,
                    expires_in,
                },
        } => {
            if baseline && !matches!(role, RoleArg::Contestant) {
                anyhow::bail!("--baseline applies to contestant tokens only");
            }
            let spec = TokenSpec {
                role: role.into(),
                name: &name,
                is_baseline: baseline,
                expires_in: expires_in.as_deref().map(admin::parse_expiry).transpose()?,
            };
            println!("{}", admin::issue_token(&db, spec).await?);
            Ok(())
        }
        Command::Token {
            command: TokenCommand::List { db, json },
        } => {
            let tokens = admin::list_tokens(&db).await?;
            if json {
                println!("{}", arena_proto::token_list::json(&tokens));
            } else {
                // Tab-separated: names hold no tab (nor any control character).
                println!("{}", arena_proto::token_list::HEADER.join("\t"));
                for row in arena_proto::token_list::rows(&tokens) {
                    println!("{}", row.join("\t"));
                }
                if let Some(note) = arena_proto::token_list::truncation_note(&tokens) {
                    println!("{note}");
                }
            }
            Ok(())
        }
        Command::Token {
            command: TokenCommand::Revoke { db, name, reason },
        } => {
            let revoked = admin::revoke_tokens(&db, &name, &reason).await?;
            println!("revoked {revoked} token(s) named {:?}", name.trim());
            Ok(())
        }
        Command::Log {
            command: LogCommand::Verify { db },
        } => {
            let verified = admin::verify_log(&db).await?;
            println!(
                "the organizer log verifies: {} rows, head hash {}",
                verified.rows, verified.head
            );
            Ok(())
        }
    }
}
