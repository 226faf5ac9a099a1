//! What the client's integration suites share: the seed of this run, the server harness
//! ([`Arena`]: a real server, tokens, the real binary and the gRPC client), the manifests.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Output;

use arena_proto::v1::arena_client::ArenaClient;
use arena_server::auth::Role;
use arena_server::{RunningServer, Seeds, ServerConfig, create_token, start_with};
use serde_json::Value;
use tempfile::TempDir;
use tonic::Request;
use tonic::transport::{Channel, ServerTlsConfig};

/// The seed of this test run (issue 20): `ARENA_TEST_SEED` if set (the flakiness check,
/// `.ci/flaky`, runs the suites under many), else 42. It is the hidden seed of every challenge
/// the harnesses create (given through the organizer's `--hidden-seed`) and the base of the
/// server's own draws ([`Seeds::Fixed`]: live evaluation seeds, the reference's noise seed), so a
/// commit passes or fails the same way on every run.
pub fn test_seed() -> u64 {
    match std::env::var("ARENA_TEST_SEED") {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("ARENA_TEST_SEED: {text:?} is not an unsigned integer")),
        Err(_) => 42,
    }
}

/// [`test_seed`] as the organizer's `--hidden-seed` argument.
pub fn hidden_seed_arg() -> String {
    test_seed().to_string()
}

/// The server's own seeds for this run.
pub fn server_seeds() -> Seeds {
    Seeds::Fixed(test_seed())
}

pub const DEMO: &str = include_str!("../../../datasets/injected-current-demo/dataset.toml");

/// The demo manifest shrunk so a test runs in a second: 1 × 2 s training, 2 × 2 s test, 4 repeats.
pub fn small_manifest(daily_limit: i64) -> String {
    let mut m: toml::Table = DEMO.parse().unwrap();
    let set = |m: &mut toml::Table, table: &str, key: &str, v: toml::Value| {
        m.get_mut(table)
            .unwrap()
            .as_table_mut()
            .unwrap()
            .insert(key.into(), v);
    };
    set(&mut m, "train", "trials", 1.into());
    set(&mut m, "train", "duration_s", 2.0.into());
    set(&mut m, "train", "repeats", 4.into());
    set(&mut m, "test", "trials", 2.into());
    set(&mut m, "test", "duration_s", 2.0.into());
    set(&mut m, "test", "repeats", 4.into());
    set(&mut m, "rules", "daily_limit", daily_limit.into());
    toml::to_string(&m).unwrap()
}

/// A real server on an ephemeral loopback port with a temporary SQLite file, and the real
/// `arena` binary and the generated gRPC client pointed at it.
pub struct Arena {
    dir: TempDir,
    /// The server's SQLite file.
    pub db: PathBuf,
    server: Option<RunningServer>,
    /// `http://127.0.0.1:PORT` (`https://` when serving TLS).
    pub url: String,
    /// The CA the binary trusts (`ARENA_TLS_CA`) when the server serves TLS.
    pub tls_ca: Option<PathBuf>,
    /// The web pages' address (every harness server serves them on a free loopback port).
    pub http: Option<SocketAddr>,
}

impl Arena {
    pub async fn start(workers: usize) -> Arena {
        let mut arena = Arena::unstarted();
        arena.boot(workers).await;
        arena
    }

    /// The temporary folder and database, no server yet.
    pub fn unstarted() -> Arena {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("arena.db");
        Arena {
            dir,
            db,
            server: None,
            url: String::new(),
            tls_ca: None,
            http: None,
        }
    }

    pub async fn boot(&mut self, workers: usize) {
        self.boot_at(workers, "127.0.0.1:0".parse().unwrap(), None)
            .await;
    }

    /// Starts the server on `listen` (a given port: to come back on the one a stopped server
    /// had), serving TLS with `tls` if given.
    pub async fn boot_at(
        &mut self,
        workers: usize,
        listen: SocketAddr,
        tls: Option<ServerTlsConfig>,
    ) {
        let config = ServerConfig {
            workers,
            seeds: server_seeds(),
            http: Some("127.0.0.1:0".parse().unwrap()),
            ..ServerConfig::default()
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let server = start_with(&self.db, listen, config, tls).await.unwrap();
        self.url = format!("{scheme}://{}", server.addr);
        self.http = server.http_addr;
        self.server = Some(server);
    }

    /// Stops the server; `url` keeps its address.
    pub async fn stop(&mut self) {
        self.server.take().unwrap().stop().await.unwrap();
    }

    /// The address the server listens (or, stopped, listened) on.
    pub fn addr(&self) -> SocketAddr {
        self.url.rsplit('/').next().unwrap().parse().unwrap()
    }

    pub async fn restart(&mut self, workers: usize) {
        self.stop().await;
        self.boot(workers).await;
    }

    pub async fn token(&self, role: Role, name: &str) -> String {
        create_token(&self.db, role, name, false).await.unwrap()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The real `arena` binary with `args`, pointed at this server, not started.
    pub fn command(&self, token: Option<&str>, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_arena"));
        cmd.args(args)
            .env("ARENA_SERVER", &self.url)
            .env_remove("ARENA_TOKEN")
            .env_remove("ARENA_TLS_CA")
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
        if let Some(t) = token {
            cmd.env("ARENA_TOKEN", t);
        }
        if let Some(ca) = &self.tls_ca {
            cmd.env("ARENA_TLS_CA", ca);
        }
        cmd
    }

    /// Runs the real `arena` binary against this server.
    pub async fn arena(&self, token: Option<&str>, args: &[&str]) -> Output {
        self.command(token, args).output().await.unwrap()
    }

    /// Runs `arena --json ...`, asserts success and parses stdout.
    pub async fn json(&self, token: &str, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.arena(Some(token), &all).await;
        assert!(
            out.status.success(),
            "arena {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "arena {args:?}: not JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Runs `arena baselines run CHALLENGE` and returns the teams it submitted as, in order.
    pub async fn baselines(&self, organizer: &str, challenge: &str) -> Vec<String> {
        let ran = self.json(organizer, &["baselines", "run", challenge]).await;
        ran["baselines"]
            .as_array()
            .unwrap_or_else(|| panic!("{ran}"))
            .iter()
            .map(|b| b["team"].as_str().unwrap().to_string())
            .collect()
    }

    /// Runs the binary, asserts failure, returns its one-line error.
    pub async fn fails(&self, token: Option<&str>, args: &[&str]) -> String {
        let out = self.arena(token, args).await;
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
        assert!(
            !out.status.success(),
            "arena {args:?} should fail; stdout {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(stderr.starts_with("arena: "), "{stderr}");
        assert_eq!(
            stderr.lines().count(),
            1,
            "one-line reason expected: {stderr}"
        );
        stderr
    }

    pub async fn grpc(
        &self,
        token: Option<&str>,
    ) -> ArenaClient<
        tonic::service::interceptor::InterceptedService<Channel, impl tonic::service::Interceptor>,
    > {
        self.try_grpc(token).await.unwrap()
    }

    /// [`Arena::grpc`], or the connection's error: for clients that may connect after the
    /// server is gone (the soak's kill), where a refused connection is an outcome, not a bug.
    pub async fn try_grpc(
        &self,
        token: Option<&str>,
    ) -> Result<
        ArenaClient<
            tonic::service::interceptor::InterceptedService<
                Channel,
                impl tonic::service::Interceptor,
            >,
        >,
        tonic::transport::Error,
    > {
        let channel = Channel::from_shared(self.url.clone())
            .unwrap()
            .connect()
            .await?;
        let header = token.map(|t| {
            format!("Bearer {t}")
                .parse::<tonic::metadata::MetadataValue<_>>()
                .unwrap()
        });
        Ok(ArenaClient::with_interceptor(
            channel,
            move |mut r: Request<()>| {
                if let Some(h) = &header {
                    r.metadata_mut().insert("authorization", h.clone());
                }
                Ok(r)
            },
        ))
    }

    /// Creates a small challenge through the binary; returns its id.
    pub async fn challenge(&self, organizer: &str, daily_limit: i64) -> String {
        self.create(organizer, &small_manifest(daily_limit)).await
    }

    /// Creates a challenge from a manifest text through the binary, with the run's hidden seed
    /// ([`test_seed`]; the server's own draw is tested in
    /// `a_drawn_hidden_seed_and_the_segments_are_stored_and_never_served`); returns its id.
    pub async fn create(&self, organizer: &str, manifest_text: &str) -> String {
        let folder = self.path("dataset");
        std::fs::create_dir_all(&folder).unwrap();
        let manifest = folder.join("dataset.toml");
        std::fs::write(&manifest, manifest_text).unwrap();
        let v = self
            .json(
                organizer,
                &[
                    "challenge",
                    "create",
                    "--manifest",
                    manifest.to_str().unwrap(),
                    "--hidden-seed",
                    &hidden_seed_arg(),
                ],
            )
            .await;
        v["challenge_id"].as_str().unwrap().to_string()
    }

    pub async fn count(&self, table: &str) -> i64 {
        let (n,): (i64,) = self
            .query_one(&format!("SELECT COUNT(*) FROM {table}"))
            .await;
        n
    }

    /// One row of a read-only query on the server's database.
    pub async fn query_one<T>(&self, sql: &str) -> T
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
    {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", self.db.display()))
            .await
            .unwrap();
        let row = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        row
    }
}

/// Writes a predictions file: per test trial, `repeats` regular trains at `rate_hz`.
pub fn write_predictions(path: &Path, challenge_json: &Value, rate_hz: f64, repeats: usize) {
    let mut trials = serde_json::Map::new();
    for t in challenge_json["trials"].as_array().unwrap() {
        if t["split"] != "test" {
            continue;
        }
        let duration = t["duration_s"].as_f64().unwrap();
        let n = (duration * rate_hz) as usize;
        let train: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) / rate_hz).collect();
        trials.insert(
            t["id"].as_str().unwrap().into(),
            serde_json::json!(vec![train; repeats]),
        );
    }
    std::fs::write(path, serde_json::json!({ "trials": trials }).to_string()).unwrap();
}

/// `arena fetch ID` into the harness folder `fetched`; returns its `challenge.json`.
pub async fn fetched(arena: &Arena, token: &str, id: &str) -> Value {
    let out = arena.path("fetched");
    let v = arena
        .json(token, &["fetch", id, "--out", out.to_str().unwrap()])
        .await;
    assert_eq!(v["challenge_id"], id);
    serde_json::from_slice(&std::fs::read(out.join("challenge.json")).unwrap()).unwrap()
}

/// The real `arena-server` binary (built beside `arena`) serving a database as a child process:
/// for tests that kill it or read its memory from /proc.
pub struct ServerChild {
    child: tokio::process::Child,
    /// Held open: the server stops when it closes (`--supervised`).
    _stdin: tokio::process::ChildStdin,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl ServerChild {
    /// Starts `arena-server serve --supervised` on a free loopback port with the run's seeds.
    pub async fn start(db: &Path, workers: usize) -> ServerChild {
        ServerChild::start_at(db, workers, "127.0.0.1:0".parse().unwrap()).await
    }

    /// [`ServerChild::start`] on `listen` (the port a killed server had).
    pub async fn start_at(db: &Path, workers: usize, listen: SocketAddr) -> ServerChild {
        use tokio::io::AsyncBufReadExt;
        let bin = Path::new(env!("CARGO_BIN_EXE_arena")).with_file_name("arena-server");
        assert!(
            bin.is_file(),
            "{} is missing: build it (`cargo build -p arena-server`)",
            bin.display()
        );
        let mut child = tokio::process::Command::new(&bin)
            .args([
                "serve",
                "--supervised",
                "--listen",
                &listen.to_string(),
                "--db",
            ])
            .arg(db)
            .args(["--workers", &workers.to_string()])
            .args(["--fixed-seeds", &test_seed().to_string()])
            .env("RUST_LOG", "warn")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let addr = tokio::time::timeout(std::time::Duration::from_secs(60), lines.next_line())
            .await
            .expect("the server starts within 60 s")
            .unwrap()
            .expect("the server prints its address");
        ServerChild {
            child,
            _stdin: stdin,
            url: format!("http://{addr}"),
        }
    }

    /// The server's resident-memory high-water mark (VmHWM), KiB.
    pub fn vm_hwm_kib(&self) -> u64 {
        let pid = self.child.id().unwrap();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }

    /// `kill -9`, and waits for the process to be gone.
    pub async fn kill9(mut self) {
        self.child.kill().await.unwrap();
    }
}

/// `GET path`: (status, body).
pub async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    let (status, _, body) = get_with_head(addr, path).await;
    (status, body)
}

/// `GET path` over one HTTP/1.1 connection, sent as written (no client normalises it):
/// (status, head, body).
pub async fn get_with_head(addr: SocketAddr, path: &str) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).expect("pages are UTF-8");
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {head:?}"));
    (status, head.to_ascii_lowercase(), body.to_string())
}
