//! Each challenge's board, kept rendered between two changes of it.
//!
//! Every open board page asks for its board every 2 s, and a board of 1,000 teams × 10
//! submissions costs about 0.1 s of CPU to compute (10,000 rows read and parsed, the Ladder over
//! every team). Scores land minutes apart while viewers poll every few seconds, so nearly every
//! request would recompute the same board. The database numbers each challenge's board
//! ([`Store::board_version`](crate::store::Store::board_version), kept by triggers on every
//! table a board is made from), so a request first reads that number, one indexed row, and is
//! served the board rendered at that number if there is one.
//!
//! Budgets: one entry per stored challenge (a version exists only for one, so unknown ids add
//! nothing), each holding one board and at most its four renderings; one computation per
//! challenge at a time (the others wait for it and share its result), so a crowd of viewers
//! after a new score costs one computation, not one each.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use axum::body::Bytes;

use super::{board, pages};
use crate::error::ApiError;
use crate::service::ArenaService;

/// The renderings of a board that are kept.
#[derive(Clone, Copy, Debug)]
pub enum View {
    /// The challenge page.
    Page,
    /// The board section the page polls (`board.html`).
    Fragment,
    /// `board.json`, byte for byte `arena leaderboard --json`.
    Json,
    /// `board.csv`.
    Csv,
}

/// A board at one version and its renderings, each made the first time it is asked for.
pub struct Rendered {
    version: i64,
    shown: board::Shown,
    views: [OnceLock<Bytes>; 4],
}

impl Rendered {
    /// The board as `view` shows it.
    pub fn view(&self, view: View) -> Bytes {
        self.views[view as usize]
            .get_or_init(|| {
                let s = &self.shown;
                Bytes::from(match view {
                    View::Page => pages::challenge(s).into_string(),
                    View::Fragment => pages::board_section(s).into_string(),
                    View::Json => {
                        format!("{}\n", arena_proto::board_json::leaderboard_json(&s.board))
                    }
                    View::Csv => board::csv(&s.board),
                })
            })
            .clone()
    }
}

/// One challenge's kept board, behind a lock held while it is recomputed.
type Slot = Arc<tokio::sync::Mutex<Option<Arc<Rendered>>>>;

/// The kept boards, by challenge id.
#[derive(Default)]
pub struct Boards {
    slots: Mutex<HashMap<String, Slot>>,
}

impl Boards {
    /// The board of challenge `id` as it is now: the kept one if the database's board version
    /// has not moved since it was computed, else a new one (then kept).
    ///
    /// # Errors
    /// NOT_FOUND, or a store error.
    pub async fn board(&self, service: &ArenaService, id: &str) -> Result<Arc<Rendered>, ApiError> {
        // The version is read before the board: a write after this read can only make the
        // board computed below newer than its number says, which costs one more computation at
        // the next request, never a stale board.
        let version = service
            .store()
            .board_version(id)
            .await?
            .ok_or_else(|| ApiError::no_challenge(id))?;
        let slot = self
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(id.to_string())
            .or_default()
            .clone();
        let mut kept = slot.lock().await;
        if let Some(rendered) = kept.as_ref().filter(|r| r.version >= version) {
            return Ok(rendered.clone());
        }
        let rendered = Arc::new(Rendered {
            version,
            shown: board::shown(service, id).await?,
            views: Default::default(),
        });
        *kept = Some(rendered.clone());
        Ok(rendered)
    }
}
