//! The read-only web side of the server ([`docs/web.md`](../../docs/web.md)): the challenges, each
//! challenge's board and each submission's report as HTML pages rendered here (maud, checked at
//! compile time), plots as inline SVG (plotters), and the board as JSON and CSV for scripts.
//!
//! Everything is public: no page asks for a token, so every page shows only what any contestant
//! may know. While a challenge is open that is its public board under the Ladder (the same
//! [`crate::convert::Board`] the gRPC `Leaderboard` answers, converted by the same code), never
//! a private score, an exact public score, a per-trial score or which test stretches are public;
//! once it is closed, everything the gRPC API shows a contestant of a closed challenge.
//!
//! Budgets: ids are slugs of at most 64 bytes (anything else is refused with 400 before the
//! store is asked), a request has no body (GET only), the history plot shows at most
//! [`board::MAX_PLOTTED_TEAMS`] teams, and the board page polls for a new board every
//! [`pages::POLL_MS`] ms.

pub mod board;
pub mod cache;
pub mod pages;
pub mod plots;
pub mod report;

use std::sync::{Arc, LazyLock};

use arena_challenge_core::manifest::is_slug;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::ApiError;
use crate::service::ArenaService;
use cache::{Boards, View};

/// Why a page could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// An id that is not a slug (too long, or a character other than `a-z`, `0-9`, `-`).
    #[error("not a valid id: ids are 1 to 64 characters a-z, 0-9 and -")]
    BadId,
    /// No such page.
    #[error("no page at this address")]
    NoPage,
    /// What the service answered (a missing challenge or submission, or an internal error,
    /// logged under an id by [`ApiError::into_public`]).
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            WebError::BadId => (StatusCode::BAD_REQUEST, self.to_string()),
            WebError::NoPage => (StatusCode::NOT_FOUND, self.to_string()),
            WebError::Api(e) => {
                let (code, message) = e.into_public();
                let status = match code {
                    tonic::Code::NotFound => StatusCode::NOT_FOUND,
                    tonic::Code::InvalidArgument => StatusCode::BAD_REQUEST,
                    _ => StatusCode::INTERNAL_SERVER_ERROR,
                };
                (status, message)
            }
        };
        (status, Html(pages::error(status, &message).into_string())).into_response()
    }
}

/// `id` if it is a slug, the form of every challenge and submission id.
fn slug(id: &str) -> Result<&str, WebError> {
    if is_slug(id) {
        Ok(id)
    } else {
        Err(WebError::BadId)
    }
}

/// What every page is made from: the service, and the boards kept between two changes.
#[derive(Clone)]
struct Web {
    service: ArenaService,
    boards: Arc<Boards>,
}

/// The routes of the web side over `service`.
pub fn router(service: ArenaService) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/challenges/{id}", get(challenge))
        .route("/challenges/{id}/board.json", get(board_json))
        .route("/challenges/{id}/board.csv", get(board_csv))
        .route("/challenges/{id}/board.html", get(board_fragment))
        .route("/submissions/{id}", get(submission))
        .fallback(|| async { WebError::NoPage })
        .with_state(Web {
            service,
            boards: Arc::default(),
        })
        .layer(middleware::map_response(security_headers))
}

/// The headers of every response, pages and errors alike: the pages' Content-Security-Policy
/// ([`pages::CONTENT_SECURITY_POLICY`]), `nosniff` (so no browser reads the names in
/// `board.json` or `board.csv` as HTML), and no referrer sent to other sites.
async fn security_headers(mut response: Response) -> Response {
    static POLICY: LazyLock<HeaderValue> = LazyLock::new(|| {
        HeaderValue::from_str(&pages::CONTENT_SECURITY_POLICY)
            .expect("the policy is printable ASCII")
    });
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, POLICY.clone());
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// The web side serving on `listener` until `stop` turns true.
pub fn serve(
    listener: TcpListener,
    service: ArenaService,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<std::io::Result<()>> {
    tokio::spawn(async move {
        axum::serve(listener, router(service))
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|s| *s).await;
            })
            .await
    })
}

type Page = Result<Html<String>, WebError>;

async fn index(State(web): State<Web>) -> Page {
    let listed = board::challenges(&web.service).await?;
    Ok(Html(pages::index(&listed).into_string()))
}

/// Board `view` of challenge `id`, from the kept boards.
async fn board_view(web: &Web, id: &str, view: View) -> Result<Bytes, WebError> {
    let rendered = web.boards.board(&web.service, slug(id)?).await?;
    Ok(rendered.view(view))
}

async fn challenge(
    State(web): State<Web>,
    Path(id): Path<String>,
) -> Result<Html<Bytes>, WebError> {
    Ok(Html(board_view(&web, &id, View::Page).await?))
}

async fn board_fragment(
    State(web): State<Web>,
    Path(id): Path<String>,
) -> Result<Html<Bytes>, WebError> {
    Ok(Html(board_view(&web, &id, View::Fragment).await?))
}

/// A board for scripts, as `content_type`.
async fn board_data(
    web: &Web,
    id: &str,
    view: View,
    content_type: &'static str,
) -> Result<Response, WebError> {
    Ok((
        [(header::CONTENT_TYPE, content_type)],
        board_view(web, id, view).await?,
    )
        .into_response())
}

async fn board_json(State(web): State<Web>, Path(id): Path<String>) -> Result<Response, WebError> {
    board_data(&web, &id, View::Json, "application/json").await
}

async fn board_csv(State(web): State<Web>, Path(id): Path<String>) -> Result<Response, WebError> {
    board_data(&web, &id, View::Csv, "text/csv; charset=utf-8").await
}

async fn submission(State(web): State<Web>, Path(id): Path<String>) -> Page {
    let report = report::report(&web.service, slug(&id)?).await?;
    let rasters = report::rasters(&web.service, &report).await?;
    Ok(Html(pages::submission(&report, &rasters).into_string()))
}
