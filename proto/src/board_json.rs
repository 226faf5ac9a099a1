//! A leaderboard as JSON for scripts: the one shape `arena leaderboard --json`, `arena demo
//! --json` and the web server's `/challenges/{id}/board.json` print, made by one function so
//! they cannot drift apart.

use serde_json::{Value, json};

use crate::v1 as pb;

/// `board` as JSON: `{"challenge_id", "part", "rows": [...], "metrics_version",
/// "pending_rescore", "ladder_step", "final_selections"}`, every row with its fields in the
/// contract's order and its `notes` sorted by metric name.
pub fn leaderboard_json(board: &pb::LeaderboardResponse) -> Value {
    let rows: Vec<Value> = board
        .rows
        .iter()
        .map(|r| {
            let notes: std::collections::BTreeMap<&str, &str> = r
                .notes
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            json!({
                "rank": r.rank, "team": r.team, "model": r.model, "is_baseline": r.is_baseline,
                "primary": r.primary, "md_star": r.md_star, "gamma_over_r": r.gamma_over_r,
                "n_submissions": r.n_submissions, "submitted_at": r.submitted_at,
                "submission_id": r.submission_id, "primary_clustered": r.primary_clustered,
                "primary_dispersed": r.primary_dispersed, "clustering_gap": r.clustering_gap,
                "bits_per_spike": r.bits_per_spike, "primary_ci_low": r.primary_ci_low,
                "primary_ci_high": r.primary_ci_high, "selected": r.selected, "notes": notes,
            })
        })
        .collect();
    json!({
        "challenge_id": board.challenge_id, "part": board.part, "rows": rows,
        "metrics_version": board.metrics_version, "pending_rescore": board.pending_rescore,
        "ladder_step": board.ladder_step, "final_selections": board.final_selections,
    })
}
