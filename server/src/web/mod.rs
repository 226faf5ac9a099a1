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
pub mod pages;
pub mod plots;
pub mod report;

use arena_challenge_core::manifest::is_slug;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::ApiError;
use crate::service::ArenaService;

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
        .with_state(service)
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

async fn index(State(service): State<ArenaService>) -> Page {
    let listed = board::challenges(&service).await?;
    Ok(Html(pages::index(&listed).into_string()))
}

async fn challenge(State(service): State<ArenaService>, Path(id): Path<String>) -> Page {
    let shown = board::shown(&service, slug(&id)?).await?;
    Ok(Html(pages::challenge(&shown).into_string()))
}

async fn board_fragment(State(service): State<ArenaService>, Path(id): Path<String>) -> Page {
    let shown = board::shown(&service, slug(&id)?).await?;
    Ok(Html(pages::board_section(&shown).into_string()))
}

async fn board_json(
    State(service): State<ArenaService>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let board = board::wire(&service, slug(&id)?).await?;
    let json = arena_proto::board_json::leaderboard_json(&board);
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        format!("{json}\n"),
    )
        .into_response())
}

async fn board_csv(
    State(service): State<ArenaService>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let board = board::wire(&service, slug(&id)?).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        board::csv(&board),
    )
        .into_response())
}

async fn submission(State(service): State<ArenaService>, Path(id): Path<String>) -> Page {
    let report = report::report(&service, slug(&id)?).await?;
    let rasters = report::rasters(&service, &report).await?;
    Ok(Html(pages::submission(&report, &rasters).into_string()))
}
