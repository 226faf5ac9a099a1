//! The server `arena demo` runs: an `arena-server` child process.
//!
//! Why a process and not a library call: the `arena` binary then links no server code (no sqlx,
//! no SQLite), so a contestant's client stays small, and the demo runs exactly the server an
//! organizer runs. The binary is the `arena-server` built beside this executable (cargo puts
//! both in one folder), or the one `--server-bin`/`ARENA_SERVER_BIN` names. It is started with
//! `serve --supervised` on a free loopback port (`127.0.0.1:0`; it prints the port it bound)
//! and stopped by closing its standard input, which also happens if this process dies, so the
//! server never outlives the demo.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// How long the server may take to start (creating and migrating a fresh database).
const START_BUDGET: Duration = Duration::from_secs(60);
/// How long it may take to stop (a scoring worker finishing its job).
const STOP_BUDGET: Duration = Duration::from_secs(60);

/// The server binary: `explicit` if given, else `arena-server` beside this executable.
///
/// # Errors
/// If the file is missing, with how to build it.
pub fn locate(explicit: Option<&Path>) -> Result<PathBuf> {
    let bin = match explicit {
        Some(path) => path.to_path_buf(),
        None => std::env::current_exe()
            .context("locating the arena executable")?
            .with_file_name(format!("arena-server{}", std::env::consts::EXE_SUFFIX)),
    };
    if !bin.is_file() {
        bail!(
            "the server binary {} is missing: build it beside arena (`cargo build --release --bins`) \
             or name one with --server-bin",
            bin.display()
        );
    }
    Ok(bin)
}

/// Creates a token in the database `db` with `arena-server token create` and returns it.
///
/// # Errors
/// If the command cannot run or fails (its message is included).
pub async fn create_token(bin: &Path, db: &Path, role: &str, name: &str) -> Result<String> {
    let out = Command::new(bin)
        .args(["token", "create", "--role", role, "--name", name, "--db"])
        .arg(db)
        .stdin(Stdio::null())
        .output()
        .await
        .with_context(|| format!("running {}", bin.display()))?;
    ensure!(
        out.status.success(),
        "{} token create failed ({}): {}",
        bin.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(String::from_utf8(out.stdout)
        .context("the token is not text")?
        .trim()
        .to_string())
}

/// A running supervised server.
pub struct ServerProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    /// Held open: the server's standard output, read up to its address.
    _stdout: BufReader<ChildStdout>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// `http://127.0.0.1:PORT` of the server's web pages (`serve --http`).
    pub web: String,
}

impl ServerProcess {
    /// Starts `bin` on a free loopback port over the database `db`, its own seeds drawn from
    /// the fixed sequence of `fixed_seeds` if given. Its log goes to this process's standard
    /// error, filtered as this process's own (`RUST_LOG`, else warnings).
    ///
    /// # Errors
    /// If it cannot start, exits, or prints no address within [`START_BUDGET`].
    pub async fn start(bin: &Path, db: &Path, fixed_seeds: Option<u64>) -> Result<ServerProcess> {
        let mut command = Command::new(bin);
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0"])
            .args(["--supervised", "--db"])
            .arg(db);
        if let Some(seed) = fixed_seeds {
            command.args(["--fixed-seeds", &seed.to_string()]);
        }
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            // The error paths that never reach `stop` (a panic, an early return) still end it.
            .kill_on_drop(true);
        if std::env::var_os("RUST_LOG").is_none() {
            command.env("RUST_LOG", "warn");
        }
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        // `--supervised` prints the gRPC address, then (with `--http`) the web address.
        let addr = read_address(bin, &mut child, &mut stdout).await?;
        let web = read_address(bin, &mut child, &mut stdout).await?;
        Ok(ServerProcess {
            stdin: child.stdin.take(),
            child,
            _stdout: stdout,
            url: format!("http://{addr}"),
            web: format!("http://{web}"),
        })
    }

    /// Stops the server (it finishes or abandons its job and closes the database) and waits
    /// for it, at most [`STOP_BUDGET`]; then kills it.
    ///
    /// # Errors
    /// If it exits with a failure or has to be killed.
    pub async fn stop(mut self) -> Result<()> {
        drop(self.stdin.take());
        match tokio::time::timeout(STOP_BUDGET, self.child.wait()).await {
            Ok(status) => {
                let status = status?;
                ensure!(status.success(), "the demo server exited with {status}");
                Ok(())
            }
            Err(_) => {
                self.child.kill().await?;
                bail!(
                    "the demo server did not stop within {} s and was killed",
                    STOP_BUDGET.as_secs()
                )
            }
        }
    }
}

/// The next address line the supervised server prints, within [`START_BUDGET`].
async fn read_address(
    bin: &Path,
    child: &mut Child,
    stdout: &mut BufReader<ChildStdout>,
) -> Result<SocketAddr> {
    let mut line = String::new();
    let read = tokio::time::timeout(START_BUDGET, stdout.read_line(&mut line))
        .await
        .with_context(|| {
            format!(
                "{} printed no address within {} s",
                bin.display(),
                START_BUDGET.as_secs()
            )
        })?
        .with_context(|| format!("reading {}'s address", bin.display()))?;
    if read == 0 {
        let status = child.wait().await?;
        bail!("{} exited before serving ({status})", bin.display());
    }
    line.trim()
        .parse()
        .with_context(|| format!("{} printed {line:?}, not an address", bin.display()))
}
