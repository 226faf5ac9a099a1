//! The Spike Arena server: the `Arena` gRPC service (tonic), the scoring queue and the SQLite store
//! (sqlx). It is an adapter around the domain core in `arena-challenge`: handlers authenticate,
//! convert, call the core and the store, and nothing else.

#![warn(missing_docs)]

pub mod admin;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod compute;
pub mod convert;
pub mod data;
pub mod error;
pub mod jobs;
pub mod live;
pub mod seeds;
pub mod service;
pub mod store;
pub mod tls;
pub mod upload;
pub mod web;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use arena_challenge::predictions::Limits;
use arena_proto::MAX_MESSAGE_BYTES;
use arena_proto::v1::arena_server::ArenaServer;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tower::util::MapResponseLayer;

pub use crate::admin::create_token;
pub use crate::seeds::Seeds;
pub use crate::store::Store;
use crate::store::StoreError;

/// Why the server could not start, stop, or create a token.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The database could not be opened, migrated or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The address could not be bound.
    #[error("binding {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The web side failed while serving.
    #[error("serving HTTP: {0}")]
    Http(std::io::Error),
    /// The reflection service refused the descriptor set.
    #[error("gRPC reflection: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    /// The transport failed while serving.
    #[error("serving: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// The serving task or a worker panicked.
    #[error("a server task stopped: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// A command-line value out of range: the flag and the problem.
    #[error("{flag} {problem}")]
    BadArg {
        /// The flag, e.g. `--expires-in`.
        flag: &'static str,
        /// What is wrong with its value.
        problem: String,
    },
    /// `token revoke` of a name without a live token.
    #[error(
        "--name {0:?}: no live token has this name (none was made, or each is revoked or expired)"
    )]
    NoLiveToken(String),
    /// The organizer log's hash chain is broken.
    #[error("the organizer log does not verify: {0}")]
    LogBroken(#[from] arena_proto::log_chain::Broken),
    /// The TLS certificate or key could not be read or used.
    #[error("TLS: {0}")]
    Tls(String),
}

/// The reason stored for a live evaluation the server stopped during ([`start`]).
pub const ABANDONED_LIVE: &str =
    "the server stopped while this evaluation ran; it has no score and does not count";

/// Server settings.
#[derive(Clone, Copy, Debug)]
pub struct ServerConfig {
    /// Scoring workers (0: queue only, nothing is scored; used by restart tests).
    pub workers: usize,
    /// Limits on a predictions upload.
    pub limits: Limits,
    /// Largest total size of the data files uploaded with a manifest, bytes.
    pub max_dataset_bytes: u64,
    /// Heavy tasks (simulation, scoring) run at once; 0: one per core but one.
    pub compute_threads: usize,
    /// Where the server's own seeds come from (drawn in service; fixed by test suites).
    pub seeds: Seeds,
    /// How long an `Evaluate` stream may stay open without its `start` message.
    pub live_start_timeout: Duration,
    /// Where the read-only web pages are served over HTTP ([`web`]); `None`: not served.
    pub http: Option<SocketAddr>,
}

/// Default [`ServerConfig::live_start_timeout`]: a client sends `start` as it opens the stream,
/// so 10 s is ample, and a stream that never sends it holds nothing longer.
pub const LIVE_START_TIMEOUT: Duration = Duration::from_secs(10);

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            workers: 1,
            limits: Limits::default(),
            max_dataset_bytes: 1 << 30,
            compute_threads: 0,
            seeds: Seeds::Drawn,
            live_start_timeout: LIVE_START_TIMEOUT,
            http: None,
        }
    }
}

/// A server running in this process.
pub struct RunningServer {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// The address of the web pages, when served ([`ServerConfig::http`]).
    pub http_addr: Option<SocketAddr>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<Result<(), tonic::transport::Error>>,
    http_task: Option<JoinHandle<std::io::Result<()>>>,
    workers: Vec<JoinHandle<()>>,
    store: Store,
}

impl RunningServer {
    /// Stops accepting calls, lets workers finish or abandon their job, and closes the database.
    ///
    /// # Errors
    /// If the transport failed while serving or a task panicked.
    pub async fn stop(self) -> Result<(), ServerError> {
        let _ = self.shutdown.send(true);
        self.task.await??;
        if let Some(http) = self.http_task {
            http.await?.map_err(ServerError::Http)?;
        }
        for w in self.workers {
            w.await?;
        }
        self.store.close().await;
        Ok(())
    }
}

/// Opens (or creates) the database at `db`, binds `listen` and serves until [`RunningServer::stop`].
///
/// # Errors
/// If the database cannot be opened or migrated, or the address cannot be bound.
pub async fn start(
    db: &Path,
    listen: SocketAddr,
    config: ServerConfig,
) -> Result<RunningServer, ServerError> {
    start_with(db, listen, config, None).await
}

/// [`start`], serving TLS only when `tls` is given ([`tls::server_tls`]).
///
/// # Errors
/// As [`start`], and if the TLS identity cannot be used.
pub async fn start_with(
    db: &Path,
    listen: SocketAddr,
    config: ServerConfig,
    tls: Option<tonic::transport::ServerTlsConfig>,
) -> Result<RunningServer, ServerError> {
    let mut builder = tonic::transport::Server::builder();
    if let Some(tls) = tls {
        builder = builder
            .tls_config(tls)
            .map_err(|e| ServerError::Tls(tls::describe(&e)))?;
    }
    let store = Store::open(db).await?;
    let requeued = store.requeue_running_jobs().await?;
    if requeued > 0 {
        tracing::info!(
            requeued,
            "jobs left running by a previous server are queued again"
        );
    }
    let abandoned = store
        .fail_abandoned_live(ABANDONED_LIVE, &clock::now())
        .await?;
    if abandoned > 0 {
        tracing::info!(
            abandoned,
            "live evaluations left running by a previous server are marked failed"
        );
    }
    let rescore = store
        .enqueue_rescore(arena_scoring::METRICS_VERSION, &clock::now())
        .await?;
    if rescore > 0 {
        tracing::info!(
            rescore,
            metrics_version = arena_scoring::METRICS_VERSION,
            "stored submissions queued to be scored under the current metric definitions"
        );
    }
    let bind = |source| ServerError::Bind {
        addr: listen,
        source,
    };
    let listener = TcpListener::bind(listen).await.map_err(bind)?;
    let addr = listener.local_addr().map_err(bind)?;
    let http_listener = match config.http {
        Some(http) => {
            let bind = |source| ServerError::Bind { addr: http, source };
            let listener = TcpListener::bind(http).await.map_err(bind)?;
            let addr = listener.local_addr().map_err(bind)?;
            Some((listener, addr))
        }
        None => None,
    };
    let (shutdown, shutdown_rx) = watch::channel(false);
    let notify = Arc::new(Notify::new());
    let compute = compute::Compute::new(config.compute_threads);
    let workers = (0..config.workers)
        .map(|_| {
            tokio::spawn(jobs::run_worker(
                store.clone(),
                notify.clone(),
                shutdown_rx.clone(),
                config.limits,
                compute.clone(),
            ))
        })
        .collect();
    let service = service::ArenaService::new(store.clone(), notify, compute, config);
    let http_addr = http_listener.as_ref().map(|(_, a)| *a);
    let http_task = http_listener
        .map(|(listener, _)| web::serve(listener, service.clone(), shutdown_rx.clone()));
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_serving::<ArenaServer<service::ArenaService>>()
        .await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(arena_proto::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let arena = ArenaServer::new(service)
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let mut stop = shutdown_rx;
    let task = tokio::spawn(
        builder
            .layer(MapResponseLayer::new(
                oversized_is_resource_exhausted as fn(_) -> _,
            ))
            .add_service(health_service)
            .add_service(reflection)
            .add_service(arena)
            .serve_with_incoming_shutdown(incoming(listener), async move {
                let _ = stop.wait_for(|s| *s).await;
            }),
    );
    tracing::info!(%addr, db = %db.display(), "serving");
    if let Some(http) = http_addr {
        tracing::info!(%http, "serving the web pages");
    }
    Ok(RunningServer {
        addr,
        http_addr,
        http_task,
        shutdown,
        task,
        workers,
        store,
    })
}

/// The connections a listener accepts, with Nagle's algorithm off.
///
/// `serve_with_incoming` leaves the accepted sockets as the kernel made them, ignoring
/// tonic's own `tcp_nodelay` default: with Nagle on, a response written in two segments waits
/// for the client's delayed acknowledgement, and every unary call took 40 ms on loopback
/// (measured by `benches/scoring_throughput.rs`: `GetSubmission` took 42 ms, now 0.8 ms).
fn incoming(listener: tokio::net::TcpListener) -> tonic::transport::server::TcpIncoming {
    tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true))
}

/// The longest team (token) name, characters: it is a column of every board.
pub const MAX_TEAM_NAME: usize = 64;

/// Gives a message the transport refused as too large (tonic answers OUT_OF_RANGE, "decoded
/// message length too large: found N bytes, the limit is: 67108864 bytes", before any handler
/// runs) the code every other size limit of the server answers, RESOURCE_EXHAUSTED, keeping
/// the message. The server sends OUT_OF_RANGE for nothing else.
fn oversized_is_resource_exhausted(
    mut response: http::Response<tonic::body::Body>,
) -> http::Response<tonic::body::Body> {
    let Some(status) = tonic::Status::from_header_map(response.headers()) else {
        return response;
    };
    if status.code() == tonic::Code::OutOfRange
        && status
            .message()
            .contains("decoded message length too large")
    {
        let exhausted = tonic::Status::resource_exhausted(status.message());
        // Writing a status of our own making cannot fail; if it did, the original stays.
        let _ = exhausted.add_header(response.headers_mut());
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_stream::StreamExt;

    #[tokio::test]
    async fn accepted_connections_have_nagle_off() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut accepted = incoming(listener);
        let _client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let socket = accepted.next().await.unwrap().unwrap();
        assert!(socket.nodelay().unwrap());
    }
}
