//! The generator's clustering check is stored with its challenge and shown again by the gauntlet,
//! to organizers and auditors only.
//!
//! A real dendritic generation takes minutes in a debug build, so the report here is written by
//! hand (its numbers are consistent with each other, see [`report`]) and attached to a small
//! simulated injected-current challenge; the store and the Gauntlet handler treat the report the
//! same whatever family produced it.

use std::sync::Arc;

use arena_challenge::families::dendritic::EffectReport;
use arena_challenge::families::dendritic::effect::ControlEffect;
use arena_challenge::families::dendritic::stats::{PValueMethod, SignedRank};
use arena_challenge::families::{GeneratedChallenge, Manifest, generate};
use arena_challenge_core::generated::DataFiles;
use arena_challenge_core::trial::Condition;
use arena_proto::v1 as pb;
use arena_proto::v1::arena_server::Arena;
use arena_server::ServerConfig;
use arena_server::auth::Role;
use arena_server::compute::Compute;
use arena_server::service::ArenaService;
use arena_server::store::{Actor, LogAction, LogEntry, NewChallenge, Store};
use tokio::sync::Notify;
use tonic::{Code, Request};

const DEMO: &str = include_str!("../../datasets/injected-current-demo/dataset.toml");

/// A clustering check as the generator would report it, with numbers that hold together:
/// 4 test trials × 5 s × 10 repeats = 200 s of output per condition, cut into 0.5 s units:
/// 4 × 10 = 40 units. Clustered 420 spikes / 200 s = 2.1 Hz; time-dispersed 260 / 200 = 1.3 Hz,
/// mean difference (420 − 260) / 40 = 4.0; space-scattered 300 / 200 = 1.5 Hz,
/// (420 − 300) / 40 = 3.0. Every value is a short decimal, so it survives JSON exactly.
fn report() -> EffectReport {
    EffectReport {
        alpha: 0.05,
        units: 40,
        clustered_spikes: 420,
        clustered_rate_hz: 2.1,
        clustered_reliability: Some(0.61),
        time_dispersed: ControlEffect {
            control: Condition::TimeDispersed,
            spikes: 260,
            rate_hz: 1.3,
            mean_count_difference: 4.0,
            wilcoxon: SignedRank {
                n: 38,
                w_plus: 700.5,
                p_value: 0.00012,
                method: PValueMethod::Normal,
            },
            sign_test_p: 0.0003,
            gamma_vs_clustered: Some(0.42),
        },
        space_scattered: ControlEffect {
            control: Condition::SpaceScattered,
            spikes: 300,
            rate_hz: 1.5,
            mean_count_difference: 3.0,
            wilcoxon: SignedRank {
                n: 12,
                w_plus: 70.0,
                p_value: 0.0093,
                method: PValueMethod::Exact,
            },
            sign_test_p: 0.039,
            gamma_vs_clustered: None,
        },
    }
}

/// The demo manifest shrunk so that generation and the gauntlet take about a second in a debug
/// build: 1 × 2 s training and 2 × 2 s test trials, 4 repeats each.
fn small_demo() -> String {
    let small = DEMO
        .replace(
            "[train]\ntrials = 2\nduration_s = 10.0\nrepeats = 10\n",
            "[train]\ntrials = 1\nduration_s = 2.0\nrepeats = 4\n",
        )
        .replace(
            "[test]\ntrials = 4\nduration_s = 5.0\nrepeats = 10\n",
            "[test]\ntrials = 2\nduration_s = 2.0\nrepeats = 4\n",
        );
    let m = Manifest::parse(&small).unwrap();
    assert_eq!(
        (
            m.train.trials,
            m.train.repeats,
            m.test.trials,
            m.test.repeats
        ),
        (1, 4, 2, 4),
        "the demo manifest changed; update small_demo"
    );
    small
}

/// A store in a temporary file, and the id of an organizer token in it.
async fn store(dir: &tempfile::TempDir) -> (Store, i64) {
    let store = Store::open(&dir.path().join("arena.db")).await.unwrap();
    let (organizer, _) = crate::stored_token(&store, "org", Role::Organizer).await;
    (store, organizer)
}

/// Stores `generated` as challenge `id` under `manifest_toml`; `false` if the id was taken.
async fn insert(
    store: &Store,
    organizer: i64,
    id: &str,
    manifest_toml: &str,
    generated: &GeneratedChallenge,
) -> bool {
    store
        .insert_challenge(
            &NewChallenge {
                id,
                title: "t",
                kind: "injected-current",
                source: "simulated",
                manifest_toml,
                public_manifest_toml: manifest_toml,
                dataset_hash: "d",
                public_dataset_hash: "p",
                trials_hash: &generated.trials_hash,
                hidden_seed: 7,
                daily_limit: 5,
                public_benchmark: false,
                spec_json: r#"{"dt_s":0.0001,"description":"","license":"","citation":""}"#,
                created_by: organizer,
                created_at: "2026-11-28T12:00:00Z",
                dataset_files: &[],
                hidden_files: &[],
                generated,
            },
            &created(id),
        )
        .await
        .unwrap()
}

/// The log row of a challenge created by the operator.
fn created(id: &str) -> LogEntry<'_> {
    LogEntry {
        actor: Actor::OPERATOR,
        action: LogAction::CreateChallenge,
        challenge_id: Some(id),
        details: serde_json::json!({}),
        reason: "",
    }
}

/// Nothing but the report: the store's read does not look at trials or files.
fn bare(effect: Option<EffectReport>) -> GeneratedChallenge {
    GeneratedChallenge {
        trials: Vec::new(),
        files: Vec::new(),
        trials_hash: "h".into(),
        train_reliability: None,
        test_reliability: None,
        report: effect,
    }
}

#[tokio::test]
async fn the_clustering_check_is_stored_with_its_challenge_and_read_back_equal() {
    let dir = tempfile::tempdir().unwrap();
    let (store, organizer) = store(&dir).await;
    assert!(insert(&store, organizer, "with", "", &bare(Some(report()))).await);
    assert!(insert(&store, organizer, "without", "", &bare(None)).await);
    assert_eq!(
        store.clustering_effect("with").await.unwrap(),
        Some(report())
    );
    assert_eq!(store.clustering_effect("without").await.unwrap(), None);
    assert_eq!(store.clustering_effect("missing").await.unwrap(), None);
    // It is still there after the database is closed and opened again.
    store.close().await;
    let store = Store::open(&dir.path().join("arena.db")).await.unwrap();
    assert_eq!(
        store.clustering_effect("with").await.unwrap(),
        Some(report())
    );
}

/// Issue 16 case 7: two creates with one id both pass the service's check that it is free
/// (which runs before generation); the second insert reports the taken id, which the service
/// answers ALREADY_EXISTS, instead of failing on the UNIQUE constraint (INTERNAL), and stores
/// nothing.
#[tokio::test]
async fn a_challenge_id_taken_meanwhile_is_reported_and_nothing_more_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let (store, organizer) = store(&dir).await;
    assert!(insert(&store, organizer, "same", "first", &bare(Some(report()))).await);
    assert!(!insert(&store, organizer, "same", "second", &bare(None)).await);
    assert_eq!(
        store.clustering_effect("same").await.unwrap(),
        Some(report()),
        "the first one stays"
    );
    assert_eq!(store.list_challenges().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_report_that_would_not_read_back_is_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let (store, organizer) = store(&dir).await;
    let mut bad = report();
    // serde_json writes NaN as null, which does not read back as an f64.
    bad.time_dispersed.rate_hz = f64::NAN;
    let err = store
        .insert_challenge(
            &NewChallenge {
                id: "bad",
                title: "t",
                kind: "dendritic-input",
                source: "simulated",
                manifest_toml: "",
                public_manifest_toml: "",
                dataset_hash: "d",
                public_dataset_hash: "p",
                trials_hash: "h",
                hidden_seed: 7,
                daily_limit: 5,
                public_benchmark: false,
                spec_json: "{}",
                created_by: organizer,
                created_at: "2026-11-28T12:00:00Z",
                dataset_files: &[],
                hidden_files: &[],
                generated: &bare(Some(bad)),
            },
            &created("bad"),
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("clustering_effect"),
        "the error names the field: {err}"
    );
    assert!(!store.challenge_exists("bad").await.unwrap());
}

fn gauntlet_request(token: &str, challenge_id: &str) -> Request<pb::GauntletRequest> {
    let mut request = Request::new(pb::GauntletRequest {
        challenge_id: challenge_id.into(),
        seed: 3,
    });
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gauntlet_shows_the_stored_check_to_organizers_and_auditors_only() {
    let dir = tempfile::tempdir().unwrap();
    let (store, organizer) = store(&dir).await;
    let manifest_toml = small_demo();
    let manifest = Manifest::parse(&manifest_toml).unwrap();
    let mut generated = generate(&manifest, 11, &DataFiles::new()).unwrap();
    assert!(insert(&store, organizer, "plain", &manifest_toml, &generated).await);
    generated.report = Some(report());
    assert!(insert(&store, organizer, "checked", &manifest_toml, &generated).await);

    let token = |role: Role, name: &'static str| {
        let store = store.clone();
        async move { crate::stored_token(&store, name, role).await.1 }
    };
    let auditor = token(Role::Auditor, "aud").await;
    let contestant = token(Role::Contestant, "team").await;
    let service = ArenaService::new(
        store.clone(),
        Arc::new(Notify::new()),
        Compute::new(1),
        ServerConfig::default(),
    );

    let r = service
        .gauntlet(gauntlet_request(&auditor, "checked"))
        .await
        .unwrap()
        .into_inner();
    assert!(!r.rows.is_empty());
    let e = r.clustering_effect.expect("the stored check is shown");
    // Field by field against `report()`, so a swapped control or a dropped field shows.
    assert_eq!((e.alpha, e.units), (0.05, 40));
    assert_eq!((e.clustered_spikes, e.clustered_rate_hz), (420, 2.1));
    let td = e.time_dispersed.unwrap();
    assert_eq!(
        (td.spikes, td.rate_hz, td.mean_count_difference),
        (260, 1.3, 4.0)
    );
    assert_eq!((td.wilcoxon_p, td.sign_test_p), (0.00012, 0.0003));
    assert_eq!(td.gamma_vs_clustered, Some(0.42));
    let ss = e.space_scattered.unwrap();
    assert_eq!(
        (ss.spikes, ss.rate_hz, ss.mean_count_difference),
        (300, 1.5, 3.0)
    );
    assert_eq!((ss.wilcoxon_p, ss.sign_test_p), (0.0093, 0.039));
    assert_eq!(ss.gamma_vs_clustered, None);

    // A challenge without a check has none to show.
    let r = service
        .gauntlet(gauntlet_request(&auditor, "plain"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.clustering_effect, None);

    // The check holds pooled counts of the hidden test trials: contestants never get it.
    let denied = service
        .gauntlet(gauntlet_request(&contestant, "checked"))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied, "{denied:?}");
}
