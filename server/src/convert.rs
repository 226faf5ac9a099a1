//! The one boundary between domain values and wire messages on the server side.

use arena_challenge::board::{self, NamedMetric, Row};
use arena_challenge::families::dendritic::{EffectReport, effect::ControlEffect};
use arena_challenge_core::trial::Split;
use arena_proto::v1 as pb;
use tonic::Status;

/// A stored submission status as the wire enum.
pub fn submission_status(status: &str) -> pb::SubmissionStatus {
    match status {
        "queued" => pb::SubmissionStatus::Queued,
        "scoring" => pb::SubmissionStatus::Scoring,
        "scored" => pb::SubmissionStatus::Scored,
        "failed" => pb::SubmissionStatus::Failed,
        _ => pb::SubmissionStatus::Unspecified,
    }
}

/// A domain split as the wire enum.
pub fn split(split: Split) -> pb::Split {
    match split {
        Split::Train => pb::Split::Train,
        Split::Test => pb::Split::Test,
    }
}

/// Named scores as wire metrics.
pub fn metrics(list: &[NamedMetric]) -> Vec<pb::MetricValue> {
    list.iter()
        .map(|m| pb::MetricValue {
            name: m.name.clone(),
            value: m.value,
            note: m.note.clone(),
            ci_low: None,
            ci_high: None,
        })
        .collect()
}

/// Named scores from their stored JSON.
pub fn stored_metrics(json: &str) -> Result<Vec<NamedMetric>, Status> {
    serde_json::from_str(json).map_err(|e| internal(format!("stored scores are not readable: {e}")))
}

/// An INTERNAL status, logged: the message tells the caller that the fault is the server's.
pub fn internal(message: impl std::fmt::Display) -> Status {
    tracing::error!("{message}");
    Status::internal(message.to_string())
}

/// The generator's clustering check, for organizers and auditors only (it holds pooled spike
/// counts of the hidden test trials): in the create response and, from the store, in the gauntlet.
pub fn clustering_effect(r: &EffectReport) -> pb::ClusteringEffect {
    let control = |c: &ControlEffect| pb::ControlComparison {
        spikes: c.spikes as u64,
        rate_hz: c.rate_hz,
        mean_count_difference: c.mean_count_difference,
        wilcoxon_p: c.wilcoxon.p_value,
        sign_test_p: c.sign_test_p,
        gamma_vs_clustered: c.gamma_vs_clustered,
    };
    pb::ClusteringEffect {
        alpha: r.alpha,
        units: r.units as u32,
        clustered_spikes: r.clustered_spikes as u64,
        clustered_rate_hz: r.clustered_rate_hz,
        time_dispersed: Some(control(&r.time_dispersed)),
        space_scattered: Some(control(&r.space_scattered)),
    }
}

/// A board row on the wire. `step` > 0 (the open board's Ladder): every value is the released
/// submission's, rounded to the step, as its primary is; 0: exact. The reasons of the undefined
/// values travel in `notes`.
pub fn leaderboard_row(r: Row, step: f64) -> pb::LeaderboardRow {
    let scores = &r.best.scores;
    let mut notes = std::collections::HashMap::new();
    let mut value = |name: &str| {
        let m = scores.iter().find(|m| m.name == name);
        match m.and_then(|m| m.value) {
            Some(v) => Some(board::round_to(v, step)),
            None => {
                if let Some(m) = m.filter(|m| !m.note.is_empty()) {
                    notes.insert(name.to_string(), m.note.clone());
                }
                None
            }
        }
    };
    let md_star = value("md_star");
    let gamma_over_r = value("gamma_over_r");
    let primary_clustered = value("primary_clustered");
    let primary_dispersed = value("primary_dispersed");
    let clustering_gap = value("clustering_gap");
    let bits_per_spike = value("bits_per_spike");
    let primary_note = scores
        .iter()
        .find(|m| m.name == "primary" && m.value.is_none())
        .map(|m| m.note.clone());
    if let (None, Some(note)) = (r.primary, primary_note) {
        notes.insert("primary".into(), note);
    }
    pb::LeaderboardRow {
        rank: r.rank,
        primary: r.primary,
        md_star,
        gamma_over_r,
        primary_clustered,
        primary_dispersed,
        clustering_gap,
        bits_per_spike,
        notes,
        selected: r.best.selected,
        team: r.best.team,
        model: r.best.model,
        is_baseline: r.best.is_baseline,
        n_submissions: r.n_submissions,
        submitted_at: r.best.created_at,
        submission_id: r.best.submission_id,
    }
}
