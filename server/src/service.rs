//! The `Arena` gRPC service: thin handlers that authenticate, convert, call the domain core and the
//! store, and map failures to statuses that name the field at fault.

use std::collections::{BTreeMap, BTreeSet};
use std::pin::Pin;
use std::sync::Arc;

use arena_challenge::baselines::Baseline;
use arena_challenge::board::{self, Entry};
use arena_challenge::gauntlet;
use arena_challenge::generate::{DataFiles, Visibility, generate};
use arena_challenge::hash::{dataset_hash, sha256_hex};
use arena_challenge::manifest::{Kind, Manifest, SLUG_RULE, is_slug};
use arena_challenge::predictions::{self, PredictionError, TrialShape};
use arena_challenge::trial::{Part, Split};
use arena_proto::v1 as pb;
use arena_proto::v1::arena_server::Arena;
use arena_scoring::{METRICS_VERSION, ScoringParams};
use futures::Stream;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

use crate::ServerConfig;
use crate::auth::{Authenticator, Principal, Role};
use crate::clock;
use crate::compute::Compute;
use crate::convert::{self, internal, stored_metrics};
use crate::store::{ChallengeRow, Inserted, NewChallenge, NewSubmission, Selected, Store};
use crate::{data, live};

const ALL_ROLES: &[Role] = &[Role::Organizer, Role::Contestant, Role::Auditor];
/// Bytes per streamed file chunk.
const CHUNK_BYTES: usize = 1 << 20;

/// The public fields of a challenge that the manifest does not carry in a fixed place.
#[derive(Debug, Serialize, Deserialize)]
struct StoredSpec {
    dt_s: f64,
    description: String,
    license: String,
    citation: String,
    /// Intrinsic reliability of the training responses (public).
    #[serde(default)]
    train_intrinsic_reliability: Option<f64>,
}

/// The service state.
#[derive(Clone)]
pub struct ArenaService {
    store: Store,
    auth: Authenticator,
    jobs: Arc<Notify>,
    compute: Compute,
    config: ServerConfig,
}

impl ArenaService {
    /// A service over `store`; `jobs` is notified when a submission is queued.
    pub fn new(
        store: Store,
        jobs: Arc<Notify>,
        compute: Compute,
        config: ServerConfig,
    ) -> ArenaService {
        ArenaService {
            auth: Authenticator::new(store.clone()),
            store,
            jobs,
            compute,
            config,
        }
    }

    async fn challenge(&self, id: &str) -> Result<ChallengeRow, Status> {
        if id.is_empty() {
            return Err(Status::invalid_argument("challenge_id is empty"));
        }
        self.store
            .challenge(id)
            .await
            .map_err(internal)?
            .ok_or_else(|| Status::not_found(format!("challenge {id:?} does not exist")))
    }

    async fn test_shapes(&self, challenge: &ChallengeRow) -> Result<Vec<TrialShape>, Status> {
        let stored: StoredSpec = serde_json::from_str(&challenge.spec_json).map_err(internal)?;
        Ok(self
            .store
            .trials(&challenge.id)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|t| t.split == Split::Test.as_str())
            .map(|t| TrialShape {
                id: t.trial_id,
                duration_s: t.duration_s,
                dt_s: stored.dt_s,
            })
            .collect())
    }

    /// Every scored submission of a challenge as a board entry with the scores of `part`
    /// (under the current metrics version).
    async fn board_entries(&self, challenge_id: &str, part: Part) -> Result<Vec<Entry>, Status> {
        let mut entries = Vec::new();
        for e in self
            .store
            .board_entries(challenge_id, METRICS_VERSION)
            .await
            .map_err(internal)?
        {
            let scores = match part {
                Part::Public => &e.public_scores_json,
                Part::Private => &e.private_scores_json,
            };
            entries.push(Entry {
                submission_id: e.submission_id,
                team: e.team,
                model: e.model_name,
                is_baseline: e.is_baseline,
                created_at: e.created_at,
                scores: stored_metrics(scores)?,
                selected: e.selected,
            });
        }
        Ok(entries)
    }

    async fn receive_upload(
        &self,
        mut stream: Streaming<pb::CreateChallengeChunk>,
    ) -> Result<(pb::CreateChallengeHeader, Vec<(String, String, Vec<u8>)>), Status> {
        let header = match stream.message().await? {
            Some(pb::CreateChallengeChunk {
                part: Some(pb::create_challenge_chunk::Part::Header(h)),
            }) => h,
            _ => {
                return Err(Status::invalid_argument(
                    "the first message must be the header with the manifest",
                ));
            }
        };
        let declared: Vec<pb::FileInfo> = header
            .files
            .iter()
            .chain(&header.hidden_files)
            .cloned()
            .collect();
        let total: u64 = declared.iter().map(|f| f.size).sum();
        if total > self.config.max_dataset_bytes {
            return Err(Status::resource_exhausted(format!(
                "data files total {total} bytes; the limit is {} bytes",
                self.config.max_dataset_bytes
            )));
        }
        let mut bodies: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for f in &declared {
            if bodies
                .insert(f.name.clone(), Vec::with_capacity(f.size as usize))
                .is_some()
            {
                return Err(Status::invalid_argument(format!(
                    "file {:?} is listed twice",
                    f.name
                )));
            }
        }
        while let Some(chunk) = stream.message().await? {
            let Some(pb::create_challenge_chunk::Part::File(c)) = chunk.part else {
                return Err(Status::invalid_argument(
                    "only file chunks may follow the header",
                ));
            };
            let declared = declared.iter().find(|f| f.name == c.name);
            let (Some(body), Some(declared)) = (bodies.get_mut(&c.name), declared) else {
                return Err(Status::invalid_argument(format!(
                    "chunk for file {:?}, which the header does not list",
                    c.name
                )));
            };
            if c.offset != body.len() as u64 {
                return Err(Status::invalid_argument(format!(
                    "file {:?}: chunk at offset {} but {} bytes received so far",
                    c.name,
                    c.offset,
                    body.len()
                )));
            }
            if body.len() as u64 + c.data.len() as u64 > declared.size {
                return Err(Status::invalid_argument(format!(
                    "file {:?}: more bytes than its declared size {}",
                    c.name, declared.size
                )));
            }
            body.extend_from_slice(&c.data);
        }
        let mut files = Vec::with_capacity(declared.len());
        for f in &declared {
            let body = bodies
                .remove(&f.name)
                .expect("every listed file has a body");
            if body.len() as u64 != f.size {
                return Err(Status::invalid_argument(format!(
                    "file {:?}: received {} of {} bytes",
                    f.name,
                    body.len(),
                    f.size
                )));
            }
            let sha = sha256_hex(&body);
            if sha != f.sha256 {
                return Err(Status::invalid_argument(format!(
                    "file {:?}: SHA-256 is {sha}, the header says {}",
                    f.name, f.sha256
                )));
            }
            files.push((f.name.clone(), sha, body));
        }
        Ok((header, files))
    }

    /// The submission as `who` may see it.
    async fn submission_view(&self, who: &Principal, id: &str) -> Result<pb::Submission, Status> {
        let row = self
            .store
            .submission(id)
            .await
            .map_err(internal)?
            .ok_or_else(|| Status::not_found(format!("submission {id:?} does not exist")))?;
        if !who.sees_everything() && row.team != who.name {
            return Err(Status::permission_denied(format!(
                "submission {id:?} belongs to another team"
            )));
        }
        let challenge = self.challenge(&row.challenge_id).await?;
        let closed = challenge.status == "closed";
        let show_private = who.sees_everything() || closed;
        // While the challenge is open its team sees only what the Ladder released; a live
        // evaluation's trials are fresh, so its exact scores tell nothing about the test set.
        let exact = show_private || row.mode == "live";
        let mut view = pb::Submission {
            id: row.id.clone(),
            challenge_id: row.challenge_id.clone(),
            team: row.team,
            model_name: row.model_name,
            status: convert::submission_status(&row.status) as i32,
            sha256: row.sha256,
            created_at: row.created_at,
            error: row.error.unwrap_or_default(),
            is_baseline: row.is_baseline,
            selected: self.store.is_selected(&row.id).await.map_err(internal)?,
            ..Default::default()
        };
        if let Some(e) = self
            .store
            .latest_evaluation(&row.id)
            .await
            .map_err(internal)?
        {
            if exact {
                view.scores = convert::metrics(&stored_metrics(&e.public_scores_json)?);
            } else {
                view.scores = self.ladder_release(&challenge, &view.team, &row.id).await?;
            }
            if show_private {
                view.private_scores = convert::metrics(&stored_metrics(&e.private_scores_json)?);
                for t in self.store.trial_scores(e.id).await.map_err(internal)? {
                    view.trials.push(pb::TrialScores {
                        trial_id: t.trial_id,
                        metrics: convert::metrics(&stored_metrics(&t.scores_json)?),
                    });
                }
            }
            view.audit = Some(pb::Audit {
                dataset_hash: e.public_dataset_hash,
                // The full hash would let a contestant confirm a guessed generator.
                full_dataset_hash: if who.sees_everything() {
                    e.dataset_hash
                } else {
                    String::new()
                },
                trials_hash: e.trials_hash,
                challenge_version: e.challenge_version.to_string(),
                metrics_version: e.metrics_version,
                scoring_library_version: e.scoring_library_version,
                params_json: e.params_json,
                seeds_json: e.seeds_json,
                scored_at: e.created_at,
            });
        }
        Ok(view)
    }
}

impl ArenaService {
    /// The reference baseline's predictions for the test trials, computed here: the generator
    /// of a simulated challenge stays on the server, so the organizer's ceiling row cannot be
    /// computed by a client. Built from the organizer's manifest and data files and the public
    /// test inputs ([`data::organizer_challenge`]) on the compute pool, which bounds how many
    /// run at once; the work is that of simulating the test split once, which creating the
    /// challenge already did. The noise seed is fresh: the stored predictions file, pinned by
    /// its SHA-256, is what the audit record refers to.
    async fn reference_predictions(&self, challenge: &ChallengeRow) -> Result<Vec<u8>, Status> {
        let stored: StoredSpec = serde_json::from_str(&challenge.spec_json).map_err(internal)?;
        let organizer = data::organizer_challenge(&self.store, challenge, stored.dt_s)
            .await
            .map_err(internal)?;
        let seed = rand::rng().next_u64();
        let predicted = self
            .compute
            .run(move || Baseline::Reference.predict(&organizer, seed))
            .await
            .map_err(internal)?
            .map_err(|e| {
                Status::failed_precondition(format!(
                    "baseline \"reference\" on challenge {:?}: {e}",
                    challenge.id
                ))
            })?;
        tracing::info!(challenge = %challenge.id, "reference predictions computed");
        Ok(predictions::to_json(&predicted))
    }

    /// What the Ladder released to `team` up to and including submission `id`: its public
    /// primary as displayed on the board after that submission, and whether that submission
    /// moved it.
    async fn ladder_release(
        &self,
        challenge: &ChallengeRow,
        team: &str,
        id: &str,
    ) -> Result<Vec<pb::MetricValue>, Status> {
        let manifest = Manifest::parse(&challenge.manifest_toml).map_err(internal)?;
        let step = manifest.rules.ladder_step;
        let mut entries: Vec<Entry> = self
            .board_entries(&challenge.id, Part::Public)
            .await?
            .into_iter()
            .filter(|e| e.team == team)
            .collect();
        // Entries come in submission order; keep those up to this one.
        let Some(upto) = entries.iter().position(|e| e.submission_id == id) else {
            return Ok(vec![pb::MetricValue {
                name: "primary".into(),
                note: "not scored yet under the current metrics version".into(),
                ..Default::default()
            }]);
        };
        entries.truncate(upto + 1);
        let released = board::ladder(&entries, step);
        let note = match released {
            Some((_, by)) if by.submission_id == id => format!(
                "the Ladder released this submission's public primary, rounded to its step {step}"
            ),
            Some(_) => format!(
                "the Ladder kept the team's earlier public primary: this submission did not beat it \
                 by more than the step {step} (exact public scores are shown once the challenge closes)"
            ),
            None => "no public primary released yet".into(),
        };
        Ok(vec![pb::MetricValue {
            name: "primary".into(),
            value: released.map(|(v, _)| v),
            note,
            ..Default::default()
        }])
    }
}

type FetchStream = Pin<Box<dyn Stream<Item = Result<pb::FetchChallengeChunk, Status>> + Send>>;
type LiveStream = Pin<Box<dyn Stream<Item = Result<pb::LiveServerMessage, Status>> + Send>>;

/// The daily-limit error, shared by offline and live submissions.
fn limit_reached(
    team: &str,
    challenge: &ChallengeRow,
    next_day: chrono::DateTime<chrono::Utc>,
) -> Status {
    Status::resource_exhausted(format!(
        "daily submission limit reached: team {team:?} may make {} submissions per UTC day on challenge {:?}; the limit resets at {}",
        challenge.daily_limit,
        challenge.id,
        next_day.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    ))
}

#[tonic::async_trait]
impl Arena for ArenaService {
    async fn list_challenges(
        &self,
        request: Request<pb::ListChallengesRequest>,
    ) -> Result<Response<pb::ListChallengesResponse>, Status> {
        self.auth.require(&request, ALL_ROLES).await?;
        let mut challenges = Vec::new();
        for c in self.store.list_challenges().await.map_err(internal)? {
            let trials = self.store.trials(&c.id).await.map_err(internal)?;
            let count = |s: Split| trials.iter().filter(|t| t.split == s.as_str()).count() as u32;
            challenges.push(pb::ChallengeSummary {
                n_train_trials: count(Split::Train),
                n_test_trials: count(Split::Test),
                id: c.id,
                title: c.title,
                kind: c.kind,
                status: c.status,
                daily_limit: c.daily_limit as u32,
                created_at: c.created_at,
                public_benchmark: c.public_benchmark,
                dataset_hash: c.public_dataset_hash,
            });
        }
        Ok(Response::new(pb::ListChallengesResponse { challenges }))
    }

    async fn create_challenge(
        &self,
        request: Request<Streaming<pb::CreateChallengeChunk>>,
    ) -> Result<Response<pb::CreateChallengeResponse>, Status> {
        let who = self.auth.require(&request, &[Role::Organizer]).await?;
        let (header, files) = self.receive_upload(request.into_inner()).await?;
        let manifest = Manifest::parse(&header.manifest_toml)
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        for (key, listed, sent) in [
            ("files", &manifest.files, &header.files),
            ("hidden_files", &manifest.hidden_files, &header.hidden_files),
        ] {
            let listed: BTreeSet<&str> = listed.iter().map(String::as_str).collect();
            let sent: BTreeSet<&str> = sent.iter().map(|f| f.name.as_str()).collect();
            if let Some(missing) = listed.difference(&sent).next() {
                return Err(Status::invalid_argument(format!(
                    "{key}: {missing:?} is named by the manifest but was not uploaded"
                )));
            }
            if let Some(extra) = sent.difference(&listed).next() {
                return Err(Status::invalid_argument(format!(
                    "{key}: {extra:?} was uploaded but the manifest does not name it"
                )));
            }
        }
        let (hidden_files, files): (Vec<_>, Vec<_>) = files
            .into_iter()
            .partition(|(name, _, _)| manifest.hidden_files.contains(name));
        let id = if header.challenge_id.is_empty() {
            manifest.name.clone()
        } else {
            header.challenge_id.clone()
        };
        if !is_slug(&id) {
            return Err(Status::invalid_argument(format!(
                "challenge_id {id:?} must be {SLUG_RULE}"
            )));
        }
        if self.store.challenge_exists(&id).await.map_err(internal)? {
            return Err(Status::already_exists(format!(
                "challenge {id:?} already exists; choose another id"
            )));
        }
        let hidden_seed = header.hidden_seed.unwrap_or_else(|| rand::rng().next_u64());
        let generated = {
            let manifest = manifest.clone();
            let data: DataFiles = files
                .iter()
                .chain(&hidden_files)
                .map(|(name, _, bytes)| (name.clone(), bytes.clone()))
                .collect();
            self.compute
                .run(move || generate(&manifest, hidden_seed, &data))
                .await
                .map_err(internal)?
                .map_err(|e| {
                    Status::invalid_argument(format!("generating the trials failed: {e}"))
                })?
        };
        let listing: Vec<(String, String)> = files
            .iter()
            .map(|(n, s, _)| (n.clone(), s.clone()))
            .collect();
        let hash = dataset_hash(&header.manifest_toml, &listing);
        let public_manifest = Manifest::public_toml(&header.manifest_toml).map_err(internal)?;
        let public_hash = generated.public_dataset_hash(&public_manifest);
        let spec_json = serde_json::to_string(&StoredSpec {
            dt_s: manifest.sampling.dt_s,
            description: manifest.description.clone(),
            license: manifest.license.clone(),
            citation: manifest.citation.clone(),
            train_intrinsic_reliability: generated.train_reliability,
        })
        .map_err(internal)?;
        let now = clock::now();
        self.store
            .insert_challenge(&NewChallenge {
                id: &id,
                title: &manifest.title,
                kind: manifest.kind.as_str(),
                source: manifest.source.as_str(),
                manifest_toml: &header.manifest_toml,
                public_manifest_toml: &public_manifest,
                dataset_hash: &hash,
                public_dataset_hash: &public_hash,
                trials_hash: &generated.trials_hash,
                hidden_seed,
                daily_limit: manifest.rules.daily_limit,
                public_benchmark: manifest.public_benchmark,
                spec_json: &spec_json,
                created_by: who.token_id,
                created_at: &now,
                dataset_files: &files,
                hidden_files: &hidden_files,
                generated: &generated,
            })
            .await
            .map_err(internal)?;
        tracing::info!(challenge = %id, by = %who.name, "challenge created");
        let count = |s: Split| generated.trials.iter().filter(|t| t.split == s).count() as u32;
        Ok(Response::new(pb::CreateChallengeResponse {
            challenge_id: id,
            dataset_hash: public_hash,
            full_dataset_hash: hash,
            n_train_trials: count(Split::Train),
            n_test_trials: count(Split::Test),
            train_intrinsic_reliability: generated.train_reliability,
            test_intrinsic_reliability: generated.test_reliability,
            clustering_effect: generated.effect.as_ref().map(convert::clustering_effect),
        }))
    }

    type FetchChallengeStream = FetchStream;

    async fn fetch_challenge(
        &self,
        request: Request<pb::FetchChallengeRequest>,
    ) -> Result<Response<Self::FetchChallengeStream>, Status> {
        self.auth.require(&request, ALL_ROLES).await?;
        let c = self.challenge(&request.get_ref().challenge_id).await?;
        let stored: StoredSpec = serde_json::from_str(&c.spec_json).map_err(internal)?;
        let mut trials = Vec::new();
        for t in self.store.trials(&c.id).await.map_err(internal)? {
            let split = Split::parse(&t.split)
                .ok_or_else(|| internal(format!("stored split {:?}", t.split)))?;
            trials.push(pb::TrialSpec {
                id: t.trial_id,
                split: convert::split(split) as i32,
                duration_s: t.duration_s,
                files: serde_json::from_str(&t.files_json).map_err(internal)?,
                n_repeats: t.n_repeats as u32,
                condition: t.condition.unwrap_or_default(),
            });
        }
        // The public view fixed at creation: a simulated challenge's generator stays here.
        let manifest_bytes = c.public_manifest_toml.clone().into_bytes();
        let mut files = vec![pb::FileInfo {
            name: "dataset.toml".into(),
            size: manifest_bytes.len() as u64,
            sha256: sha256_hex(&manifest_bytes),
        }];
        files.extend(
            self.store
                .public_files(&c.id)
                .await
                .map_err(internal)?
                .into_iter()
                .map(|f| pb::FileInfo {
                    name: f.name,
                    size: f.size as u64,
                    sha256: f.sha256,
                }),
        );
        let spec = pb::ChallengeSpec {
            id: c.id.clone(),
            title: c.title,
            kind: c.kind,
            dt_s: stored.dt_s,
            description: stored.description,
            license: stored.license,
            citation: stored.citation,
            dataset_hash: c.public_dataset_hash,
            trials,
            files: files.clone(),
            daily_limit: c.daily_limit as u32,
            public_benchmark: c.public_benchmark,
            train_intrinsic_reliability: stored.train_intrinsic_reliability,
        };
        let (tx, rx) = mpsc::channel(4);
        let store = self.store.clone();
        tokio::spawn(async move {
            let send = |part| pb::FetchChallengeChunk { part: Some(part) };
            if tx
                .send(Ok(send(pb::fetch_challenge_chunk::Part::Spec(spec))))
                .await
                .is_err()
            {
                return;
            }
            for f in files {
                let bytes = if f.name == "dataset.toml" {
                    Ok(Some(manifest_bytes.clone()))
                } else {
                    store
                        .file(&c.id, &f.name, Visibility::Public.as_str())
                        .await
                };
                let bytes = match bytes {
                    Ok(Some(b)) => b,
                    Ok(None) => {
                        let _ = tx
                            .send(Err(internal(format!("file {:?} vanished", f.name))))
                            .await;
                        return;
                    }
                    Err(e) => {
                        let _ = tx.send(Err(internal(e))).await;
                        return;
                    }
                };
                for (i, chunk) in bytes.chunks(CHUNK_BYTES).enumerate() {
                    let part = pb::fetch_challenge_chunk::Part::File(pb::FileChunk {
                        name: f.name.clone(),
                        offset: (i * CHUNK_BYTES) as u64,
                        data: chunk.to_vec(),
                    });
                    if tx.send(Ok(send(part))).await.is_err() {
                        return;
                    }
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn submit(
        &self,
        request: Request<pb::SubmitRequest>,
    ) -> Result<Response<pb::SubmitResponse>, Status> {
        let as_baseline = !request.get_ref().baseline.is_empty();
        let allowed: &[Role] = if as_baseline {
            &[Role::Organizer]
        } else {
            &[Role::Contestant]
        };
        let who = self.auth.require(&request, allowed).await?;
        let req = request.into_inner();
        let challenge = self.challenge(&req.challenge_id).await?;
        if challenge.status != "open" {
            return Err(Status::failed_precondition(format!(
                "challenge {:?} is closed",
                challenge.id
            )));
        }
        // A baseline submitted by an organizer is stored under its own team, outside the limit.
        let (team, is_baseline, daily_limit) = if as_baseline {
            let Some(b) = Baseline::from_name(&req.baseline) else {
                let names: Vec<&str> = Baseline::ALL.iter().map(|b| b.name()).collect();
                return Err(Status::invalid_argument(format!(
                    "baseline {:?} is not a built-in baseline; known: {}",
                    req.baseline,
                    names.join(", ")
                )));
            };
            (format!("baseline-{}", b.name()), true, i64::MAX)
        } else {
            (who.name.clone(), who.is_baseline, challenge.daily_limit)
        };
        let model_name = req.model_name.trim();
        if model_name.is_empty() || model_name.len() > 100 {
            return Err(Status::invalid_argument(
                "model_name must be 1 to 100 characters",
            ));
        }
        if req.idempotency_key.len() > 200 {
            return Err(Status::invalid_argument(
                "idempotency_key must be at most 200 characters",
            ));
        }
        let shapes = self.test_shapes(&challenge).await?;
        let limits = self.config.limits;
        let bytes = if as_baseline
            && req.baseline == Baseline::Reference.name()
            && req.predictions_json.is_empty()
        {
            self.reference_predictions(&challenge).await?
        } else {
            req.predictions_json
        };
        let bytes = self
            .compute
            .run(move || predictions::parse(&bytes, &shapes, &limits).map(|_| bytes))
            .await
            .map_err(internal)?
            .map_err(|e| match e {
                PredictionError::TooLarge { .. } => {
                    Status::resource_exhausted(format!("predictions_json: {e}"))
                }
                _ => Status::invalid_argument(format!("predictions_json: {e}")),
            })?;
        let sha256 = sha256_hex(&bytes);
        let mut raw = [0u8; 8];
        rand::rng().fill_bytes(&mut raw);
        let id = format!("sub-{}", hex::encode(raw));
        let now = chrono::Utc::now();
        let (day_start, next_day) = clock::day_bounds(now);
        let key = (!req.idempotency_key.is_empty()).then_some(req.idempotency_key.as_str());
        let outcome = self
            .store
            .insert_submission(
                &NewSubmission {
                    id: &id,
                    challenge_id: &challenge.id,
                    token_id: who.token_id,
                    team: &team,
                    model_name,
                    is_baseline,
                    idempotency_key: key,
                    sha256: &sha256,
                    predictions: &bytes,
                    created_at: &clock::format(now),
                },
                &clock::format(day_start),
                daily_limit,
            )
            .await
            .map_err(internal)?;
        let response = match outcome {
            Inserted::New => {
                self.jobs.notify_one();
                tracing::info!(submission = %id, team = %team, by = %who.name, challenge = %challenge.id, "submission queued");
                pb::SubmitResponse {
                    submission_id: id,
                    status: pb::SubmissionStatus::Queued as i32,
                    created: true,
                    sha256,
                }
            }
            Inserted::Existing(row) => {
                if row.sha256 != sha256 {
                    return Err(Status::failed_precondition(format!(
                        "idempotency_key {:?} was used for submission {} with different predictions",
                        req.idempotency_key, row.id
                    )));
                }
                pb::SubmitResponse {
                    submission_id: row.id,
                    status: convert::submission_status(&row.status) as i32,
                    created: false,
                    sha256,
                }
            }
            Inserted::LimitReached => return Err(limit_reached(&who.name, &challenge, next_day)),
        };
        Ok(Response::new(response))
    }

    async fn close_challenge(
        &self,
        request: Request<pb::CloseChallengeRequest>,
    ) -> Result<Response<pb::CloseChallengeResponse>, Status> {
        let who = self.auth.require(&request, &[Role::Organizer]).await?;
        let c = self.challenge(&request.get_ref().challenge_id).await?;
        if !self.store.close_challenge(&c.id).await.map_err(internal)? {
            return Err(Status::failed_precondition(format!(
                "challenge {:?} is already closed",
                c.id
            )));
        }
        tracing::info!(challenge = %c.id, by = %who.name, "challenge closed");
        Ok(Response::new(pb::CloseChallengeResponse {
            challenge_id: c.id,
            status: "closed".into(),
        }))
    }

    async fn gauntlet(
        &self,
        request: Request<pb::GauntletRequest>,
    ) -> Result<Response<pb::GauntletResponse>, Status> {
        self.auth
            .require(&request, &[Role::Organizer, Role::Auditor])
            .await?;
        let req = request.into_inner();
        let c = self.challenge(&req.challenge_id).await?;
        let stored: StoredSpec = serde_json::from_str(&c.spec_json).map_err(internal)?;
        let public = data::organizer_challenge(&self.store, &c, stored.dt_s)
            .await
            .map_err(internal)?;
        let hidden = data::hidden_trials(&self.store, &c)
            .await
            .map_err(internal)?;
        let params = ScoringParams::with_delta(public.manifest.scoring.delta_ms / 1000.0);
        let clustering_effect = self
            .store
            .clustering_effect(&c.id)
            .await
            .map_err(internal)?
            .as_ref()
            .map(convert::clustering_effect);
        let seed = req.seed;
        let entries = self
            .compute
            .run(move || {
                gauntlet::run(&gauntlet::GauntletInput {
                    public: &public,
                    hidden: &hidden,
                    params: &params,
                    seed,
                })
            })
            .await
            .map_err(internal)?
            .map_err(|e| {
                Status::failed_precondition(format!("the gauntlet cannot run on {:?}: {e}", c.id))
            })?;
        let rows = entries
            .iter()
            .map(|e| {
                let (outcome, note, scores) = match &e.outcome {
                    gauntlet::Outcome::Rejected(why) => ("rejected", why.clone(), None),
                    gauntlet::Outcome::NotBuilt(why) => ("not_built", why.clone(), None),
                    gauntlet::Outcome::Scored {
                        primary,
                        md_star,
                        gamma_over_r,
                        note,
                    } => (
                        "scored",
                        note.clone(),
                        Some((primary, md_star, gamma_over_r)),
                    ),
                };
                let value = |m: &arena_scoring::Metric| m.as_ref().ok().copied();
                pb::GauntletRow {
                    name: e.name.clone(),
                    class: e.class.as_str().into(),
                    outcome: outcome.into(),
                    primary: scores.and_then(|s| value(s.0)),
                    md_star: scores.and_then(|s| value(s.1)),
                    gamma_over_r: scores.and_then(|s| value(s.2)),
                    note,
                    passed: e.passed,
                    rule: e.rule.clone(),
                }
            })
            .collect();
        Ok(Response::new(pb::GauntletResponse {
            challenge_id: c.id,
            passed: entries.iter().all(|e| e.passed),
            table: gauntlet::table(&entries),
            rows,
            clustering_effect,
        }))
    }

    type EvaluateStream = LiveStream;

    async fn evaluate(
        &self,
        request: Request<Streaming<pb::LiveClientMessage>>,
    ) -> Result<Response<Self::EvaluateStream>, Status> {
        let who = self.auth.require(&request, &[Role::Contestant]).await?;
        let mut inbound = request.into_inner();
        let start = match inbound.message().await? {
            Some(pb::LiveClientMessage {
                msg: Some(pb::live_client_message::Msg::Start(start)),
            }) => start,
            _ => {
                return Err(Status::invalid_argument(
                    "the first message must be `start`",
                ));
            }
        };
        live::check_start(&start)?;
        let challenge = self.challenge(&start.challenge_id).await?;
        if challenge.status != "open" {
            return Err(Status::failed_precondition(format!(
                "challenge {:?} is closed",
                challenge.id
            )));
        }
        let manifest = Manifest::parse(&challenge.manifest_toml).map_err(internal)?;
        if manifest.simulated().is_none() {
            return Err(Status::failed_precondition(format!(
                "challenge {:?} is recorded: live evaluation needs fresh stimuli and a generating \
                 model to answer them, so it is offered on simulated challenges only",
                challenge.id
            )));
        }
        if manifest.kind != Kind::InjectedCurrent {
            return Err(Status::failed_precondition(format!(
                "challenge {:?} is {}: live evaluation streams an injected current, so it is                  offered on injected-current challenges only; submit predictions for the                  fetched event tables instead",
                challenge.id,
                manifest.kind.as_str()
            )));
        }
        let (day_start, next_day) = clock::day_bounds(chrono::Utc::now());
        let today = self
            .store
            .submissions_since(&challenge.id, &who.name, &clock::format(day_start))
            .await
            .map_err(internal)?;
        if today >= challenge.daily_limit {
            return Err(limit_reached(&who.name, &challenge, next_day));
        }
        let (tx, rx) = mpsc::channel(4);
        let session = live::Session {
            who,
            challenge,
            manifest,
            model_name: start.model_name.trim().to_string(),
            repeats: start.repeats as usize,
        };
        tokio::spawn(live::run(
            self.store.clone(),
            self.compute.clone(),
            session,
            inbound,
            tx,
        ));
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn get_submission(
        &self,
        request: Request<pb::GetSubmissionRequest>,
    ) -> Result<Response<pb::Submission>, Status> {
        let who = self.auth.require(&request, ALL_ROLES).await?;
        let id = &request.get_ref().submission_id;
        if id.is_empty() {
            return Err(Status::invalid_argument("submission_id is empty"));
        }
        Ok(Response::new(self.submission_view(&who, id).await?))
    }

    async fn leaderboard(
        &self,
        request: Request<pb::LeaderboardRequest>,
    ) -> Result<Response<pb::LeaderboardResponse>, Status> {
        self.auth.require(&request, ALL_ROLES).await?;
        let c = self.challenge(&request.get_ref().challenge_id).await?;
        let manifest = Manifest::parse(&c.manifest_toml).map_err(internal)?;
        let rules = &manifest.rules;
        let part = if c.status == "closed" {
            Part::Private
        } else {
            Part::Public
        };
        let entries = self.board_entries(&c.id, part).await?;
        let counts: BTreeMap<String, u32> = self
            .store
            .submission_counts(&c.id)
            .await
            .map_err(internal)?
            .into_iter()
            .map(|(team, n)| (team, n as u32))
            .collect();
        let (rows, step) = match part {
            Part::Public => (
                board::public_board(entries, &counts, rules.ladder_step),
                rules.ladder_step,
            ),
            Part::Private => (
                board::private_board(entries, &counts, rules.final_selections as usize),
                0.0,
            ),
        };
        let rows = rows
            .into_iter()
            .map(|r| convert::leaderboard_row(r, step))
            .collect();
        let pending = self
            .store
            .pending_rescore(&c.id, METRICS_VERSION)
            .await
            .map_err(internal)?;
        Ok(Response::new(pb::LeaderboardResponse {
            challenge_id: c.id,
            part: part.as_str().into(),
            rows,
            metrics_version: METRICS_VERSION.into(),
            pending_rescore: pending as u32,
            ladder_step: rules.ladder_step,
            final_selections: rules.final_selections,
        }))
    }

    async fn select_submission(
        &self,
        request: Request<pb::SelectSubmissionRequest>,
    ) -> Result<Response<pb::SelectSubmissionResponse>, Status> {
        let who = self.auth.require(&request, &[Role::Contestant]).await?;
        let req = request.into_inner();
        if req.submission_id.is_empty() {
            return Err(Status::invalid_argument("submission_id is empty"));
        }
        let row = self
            .store
            .submission(&req.submission_id)
            .await
            .map_err(internal)?
            .ok_or_else(|| {
                Status::not_found(format!("submission {:?} does not exist", req.submission_id))
            })?;
        if row.team != who.name {
            return Err(Status::permission_denied(format!(
                "submission {:?} belongs to another team",
                row.id
            )));
        }
        let c = self.challenge(&row.challenge_id).await?;
        if c.status != "open" {
            return Err(Status::failed_precondition(format!(
                "challenge {:?} is closed: the final selection can no longer change",
                c.id
            )));
        }
        if row.status == "failed" {
            return Err(Status::failed_precondition(format!(
                "submission {:?} failed scoring and cannot count for the final ranking",
                row.id
            )));
        }
        let manifest = Manifest::parse(&c.manifest_toml).map_err(internal)?;
        let limit = manifest.rules.final_selections;
        let outcome = self
            .store
            .select_submission(
                &c.id,
                &row.team,
                &row.id,
                !req.unselect,
                i64::from(limit),
                &clock::now(),
            )
            .await
            .map_err(internal)?;
        let selected = match outcome {
            Selected::Done(list) => list,
            Selected::LimitReached(list) => {
                return Err(Status::resource_exhausted(format!(
                    "team {:?} has selected {} submissions on challenge {:?}, the limit of \
                     rules.final_selections; unselect one first: {}",
                    row.team,
                    list.len(),
                    c.id,
                    list.join(", ")
                )));
            }
        };
        tracing::info!(submission = %row.id, team = %row.team, unselect = req.unselect, "final selection");
        Ok(Response::new(pb::SelectSubmissionResponse {
            challenge_id: c.id,
            team: row.team,
            selected,
            final_selections: limit,
        }))
    }
}
