//! The `Arena` gRPC service.
//!
//! Every handler has one shape: authenticate, convert the request ([`crate::convert`]), call the
//! domain core (`arena-challenge`, heavy work on the [`Compute`] pool) and the [`Store`], and
//! convert the answer back. Failures are [`ApiError`]s; `?` turns them into statuses through
//! the one conversion in [`crate::error`], so no handler builds a `Status` or a message. Steps
//! that several handlers share, or that would hide a handler's shape, are the private methods
//! below the trait impl.

use std::collections::{BTreeMap, HashMap};
use std::pin::Pin;
use std::sync::Arc;

use arena_challenge::baselines::Baseline;
use arena_challenge::board::{self, Entry, NamedMetric};
use arena_challenge::families::Manifest;
use arena_challenge::families::{GeneratedChallenge, generate};
use arena_challenge::gauntlet;
use arena_challenge::predictions::{self, TrialShape};
use arena_challenge_core::generated::{DataFiles, Visibility};
use arena_challenge_core::hash::{dataset_hash, sha256_hex};
use arena_challenge_core::manifest::{SLUG_RULE, is_slug};
use arena_challenge_core::trial::{Part, Split};
use arena_proto::v1 as pb;
use arena_proto::v1::arena_server::Arena;
use arena_scoring::{METRICS_VERSION, ScoringParams};
use futures::Stream;
use rand::RngCore;
use tokio::sync::{Notify, mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

use crate::ServerConfig;
use crate::auth::{Authenticator, Principal, Role};
use crate::clock;
use crate::compute::Compute;
use crate::convert::{
    self, Accepted, AuditView, Board, Created, Fetched, FilePiece, GauntletReport, Listed,
    LiveRequest, LogQuery, RevokeRequest, Selection, Served, SubmissionView, SubmitRequest,
    TokenList, Wire,
};
use crate::error::ApiError;
use crate::seeds::SeedSource;
use crate::store::{
    self, Actor, ChallengeRow, ChallengeStatus, Inserted, LiveStarted, LogAction, LogEntry,
    NewChallenge, NewLive, NewSubmission, Selected, Store, StoreError, StoredSpec, SubmissionMode,
    SubmissionStatus,
};
use crate::upload::{self, Upload};
use crate::{audit, data, live};

const ALL_ROLES: &[Role] = &[Role::Organizer, Role::Contestant, Role::Auditor];
/// The name a fetch serves the manifest under.
const MANIFEST_FILE: &str = "dataset.toml";
/// Bytes per streamed file chunk.
const CHUNK_BYTES: usize = 1 << 20;
/// Messages a fetch or live stream buffers for a slow reader.
const STREAM_BUFFER: usize = 4;

/// The service state.
#[derive(Clone)]
pub struct ArenaService {
    store: Store,
    auth: Authenticator,
    jobs: Arc<Notify>,
    compute: Compute,
    config: ServerConfig,
    seeds: SeedSource,
}

type FetchStream = Pin<Box<dyn Stream<Item = Result<pb::FetchChallengeChunk, Status>> + Send>>;
type LiveStream = Pin<Box<dyn Stream<Item = Result<pb::LiveServerMessage, Status>> + Send>>;
type AuditStream = Pin<Box<dyn Stream<Item = Result<pb::AuditBundleChunk, Status>> + Send>>;

#[tonic::async_trait]
impl Arena for ArenaService {
    async fn list_challenges(
        &self,
        request: Request<pb::ListChallengesRequest>,
    ) -> Result<Response<pb::ListChallengesResponse>, Status> {
        self.auth.require(&request, ALL_ROLES).await?;
        let mut listed = Vec::new();
        for challenge in self.store.list_challenges().await.map_err(ApiError::from)? {
            let trials = self
                .store
                .trials(&challenge.id)
                .await
                .map_err(ApiError::from)?;
            listed.push(Listed { challenge, trials });
        }
        Ok(Response::new(listed.into_iter().collect()))
    }

    async fn create_challenge(
        &self,
        request: Request<Streaming<pb::CreateChallengeChunk>>,
    ) -> Result<Response<pb::CreateChallengeResponse>, Status> {
        let who = self.auth.require(&request, &[Role::Organizer]).await?;
        let upload = upload::receive(request.into_inner(), self.config.max_dataset_bytes).await?;
        let manifest = Manifest::parse(&upload.header.manifest_toml).map_err(ApiError::from)?;
        upload::check_against(&manifest, &upload.header).map_err(ApiError::from)?;
        let id = self.new_challenge_id(&upload.header, &manifest).await?;
        let hidden_seed = upload
            .header
            .hidden_seed
            .unwrap_or_else(|| self.seeds.next());
        let generated = self.generate(&manifest, hidden_seed, &upload.files).await?;
        let (public_hash, full_hash) = self
            .store_challenge(&who, &id, &manifest, upload, hidden_seed, &generated)
            .await?;
        tracing::info!(challenge = %id, by = %who.name, "challenge created");
        Ok(Response::new(
            Created {
                id,
                public_hash,
                full_hash,
                generated: &generated,
            }
            .into(),
        ))
    }

    type FetchChallengeStream = FetchStream;

    async fn fetch_challenge(
        &self,
        request: Request<pb::FetchChallengeRequest>,
    ) -> Result<Response<Self::FetchChallengeStream>, Status> {
        self.auth.require(&request, ALL_ROLES).await?;
        let challenge = self.challenge(&request.get_ref().challenge_id).await?;
        // The public view fixed at creation: a simulated challenge's generator stays here.
        let manifest = challenge.public_manifest_toml.clone().into_bytes();
        let mut files = vec![pb::FileInfo::from(Served {
            name: MANIFEST_FILE,
            bytes: &manifest,
        })];
        let stored = self
            .store
            .public_files(&challenge.id)
            .await
            .map_err(ApiError::from)?;
        files.extend(stored.into_iter().map(pb::FileInfo::from));
        let spec = Fetched {
            spec: challenge.spec().map_err(ApiError::from)?,
            trials: self
                .store
                .trials(&challenge.id)
                .await
                .map_err(ApiError::from)?,
            files: files.clone(),
            challenge: challenge.clone(),
        };
        let (tx, rx) = mpsc::channel(STREAM_BUFFER);
        tokio::spawn(stream_files(
            self.store.clone(),
            challenge.id,
            pb::ChallengeSpec::from(spec),
            manifest,
            tx,
        ));
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn submit(
        &self,
        request: Request<pb::SubmitRequest>,
    ) -> Result<Response<pb::SubmitResponse>, Status> {
        // A baseline is submitted by an organizer, anything else by a contestant.
        let allowed: &[Role] = if request.get_ref().baseline.is_empty() {
            &[Role::Contestant]
        } else {
            &[Role::Organizer]
        };
        let who = self.auth.require(&request, allowed).await?;
        let req = SubmitRequest::try_from(request.into_inner())?;
        let challenge = self.open_challenge(&req.challenge_id).await?;
        let predictions = self.checked_predictions(&challenge, &req).await?;
        let accepted = self
            .store_submission(&who, &challenge, &req, predictions)
            .await?;
        Ok(Response::new(accepted.into()))
    }

    async fn close_challenge(
        &self,
        request: Request<pb::CloseChallengeRequest>,
    ) -> Result<Response<pb::CloseChallengeResponse>, Status> {
        let who = self.auth.require(&request, &[Role::Organizer]).await?;
        let request = request.into_inner();
        let reason = convert::reason("reason", request.reason)?;
        let mut challenge = self.challenge(&request.challenge_id).await?;
        let log = LogEntry {
            actor: Actor::of(&who),
            action: LogAction::CloseChallenge,
            challenge_id: Some(&challenge.id),
            details: serde_json::json!({}),
            reason: &reason,
        };
        if !self
            .store
            .close_challenge(&challenge.id, &log)
            .await
            .map_err(ApiError::from)?
        {
            return Err(ApiError::AlreadyClosed(challenge.id).into());
        }
        challenge.status = ChallengeStatus::Closed;
        tracing::info!(challenge = %challenge.id, by = %who.name, "challenge closed");
        Ok(Response::new((&challenge).into()))
    }

    async fn list_tokens(
        &self,
        request: Request<pb::ListTokensRequest>,
    ) -> Result<Response<pb::ListTokensResponse>, Status> {
        self.auth.require(&request, &[Role::Organizer]).await?;
        let tokens = self.store.tokens().await.map_err(ApiError::from)?;
        Ok(Response::new(TokenList(tokens).into()))
    }

    async fn revoke_tokens(
        &self,
        request: Request<pb::RevokeTokensRequest>,
    ) -> Result<Response<pb::RevokeTokensResponse>, Status> {
        let who = self.auth.require(&request, &[Role::Organizer]).await?;
        let req = RevokeRequest::try_from(request.into_inner())?;
        let at = clock::now();
        let revoked = self
            .store
            .revoke_tokens(&req.name, &at, Actor::of(&who), &req.reason)
            .await
            .map_err(ApiError::from)?;
        if revoked == 0 {
            return Err(ApiError::NoLiveToken(req.name).into());
        }
        tracing::info!(name = %req.name, revoked, by = %who.name, "tokens revoked");
        Ok(Response::new(pb::RevokeTokensResponse {
            name: req.name,
            revoked: u32::try_from(revoked).unwrap_or(u32::MAX),
            revoked_at: at,
        }))
    }

    async fn list_log(
        &self,
        request: Request<pb::ListLogRequest>,
    ) -> Result<Response<pb::ListLogResponse>, Status> {
        self.auth
            .require(&request, &[Role::Organizer, Role::Auditor])
            .await?;
        let query = LogQuery::try_from(request.into_inner())?;
        if let Some(id) = &query.challenge_id {
            self.challenge(id).await?;
        }
        let rows = self
            .store
            .log_rows(query.challenge_id.as_deref(), query.after_id, query.limit)
            .await
            .map_err(ApiError::from)?;
        Ok(Response::new(pb::ListLogResponse {
            rows: rows.into_iter().map(pb::LogRow::from).collect(),
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
        let challenge = self.challenge(&req.challenge_id).await?;
        let public = data::organizer_challenge(&self.store, &challenge).await?;
        let hidden = data::hidden_trials(&self.store, &challenge).await?;
        let params = ScoringParams::with_delta(public.manifest.scoring.delta_ms / 1000.0);
        let clustering_effect = self
            .store
            .clustering_effect(&challenge.id)
            .await
            .map_err(ApiError::from)?;
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
            .map_err(ApiError::from)?
            .map_err(|source| ApiError::Gauntlet {
                challenge: challenge.id.clone(),
                source,
            })?;
        Ok(Response::new(
            GauntletReport {
                challenge_id: challenge.id,
                entries,
                clustering_effect,
            }
            .into(),
        ))
    }

    type EvaluateStream = LiveStream;

    async fn evaluate(
        &self,
        request: Request<Streaming<pb::LiveClientMessage>>,
    ) -> Result<Response<Self::EvaluateStream>, Status> {
        let who = self.auth.require(&request, &[Role::Contestant]).await?;
        let mut inbound = request.into_inner();
        let waited = self.config.live_start_timeout;
        let first = tokio::time::timeout(waited, inbound.message())
            .await
            .map_err(|_| ApiError::NoStart {
                waited_s: waited.as_secs_f64(),
            })?;
        let start = match first? {
            Some(pb::LiveClientMessage {
                msg: Some(pb::live_client_message::Msg::Start(start)),
            }) => LiveRequest::try_from(start)?,
            _ => return Err(ApiError::OutOfOrder("the first message must be `start`").into()),
        };
        let challenge = self.open_challenge(&start.challenge_id).await?;
        let manifest = challenge.manifest().map_err(ApiError::from)?;
        if manifest.simulated().is_none() {
            return Err(ApiError::LiveNeedsGenerator(challenge.id).into());
        }
        let session = live::Session {
            id: live::new_id(),
            seed: self.seeds.next(),
            who,
            challenge,
            manifest,
            model_name: start.model_name,
            repeats: start.repeats,
        };
        self.start_live(&session).await?;
        let (tx, rx) = mpsc::channel(STREAM_BUFFER);
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
        let view = self.submission_view(&who, id).await?;
        Ok(Response::new(view.into()))
    }

    async fn leaderboard(
        &self,
        request: Request<pb::LeaderboardRequest>,
    ) -> Result<Response<pb::LeaderboardResponse>, Status> {
        self.auth.require(&request, ALL_ROLES).await?;
        let challenge = self.challenge(&request.get_ref().challenge_id).await?;
        Ok(Response::new(self.board(challenge).await?.into()))
    }

    type AuditBundleStream = AuditStream;

    async fn audit_bundle(
        &self,
        request: Request<pb::AuditBundleRequest>,
    ) -> Result<Response<Self::AuditBundleStream>, Status> {
        let who = self.auth.require(&request, ALL_ROLES).await?;
        let bundle = audit::bundle(self, &who, &request.get_ref().submission_id).await?;
        let (submission_id, scope) = (bundle.info.submission_id.clone(), bundle.info.scope);
        // Encoding the responses and hashing every file is work for the pool.
        let (files, listed) = self
            .compute
            .run(move || {
                let files = bundle.files();
                let listed: Vec<pb::FileInfo> = files
                    .iter()
                    .map(|(name, bytes)| pb::FileInfo::from(Served { name, bytes }))
                    .collect();
                (files, listed)
            })
            .await
            .map_err(ApiError::from)?;
        let header = pb::AuditBundleHeader {
            submission_id,
            scope: scope.as_str().to_string(),
            files: listed,
        };
        tracing::info!(submission = %header.submission_id, by = %who.name, scope = %header.scope, "audit bundle");
        let (tx, rx) = mpsc::channel(STREAM_BUFFER);
        tokio::spawn(async move {
            if tx.send(Ok(Wire(header).into())).await.is_err() {
                return;
            }
            for (name, bytes) in &files {
                if !send_pieces(&tx, name, bytes).await {
                    return;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn select_submission(
        &self,
        request: Request<pb::SelectSubmissionRequest>,
    ) -> Result<Response<pb::SelectSubmissionResponse>, Status> {
        let who = self.auth.require(&request, &[Role::Contestant]).await?;
        let req = request.into_inner();
        let (row, challenge) = self.selectable(&who, &req.submission_id).await?;
        let final_selections = challenge
            .manifest()
            .map_err(ApiError::from)?
            .rules
            .final_selections;
        let outcome = self
            .store
            .select_submission(
                &challenge.id,
                &row.team,
                &row.id,
                !req.unselect,
                i64::from(final_selections),
                &clock::now(),
            )
            .await
            .map_err(ApiError::from)?;
        let selected = match outcome {
            Selected::Done(list) => list,
            Selected::LimitReached(selected) => {
                return Err(ApiError::SelectionLimit {
                    team: row.team,
                    challenge: challenge.id,
                    selected,
                }
                .into());
            }
        };
        tracing::info!(submission = %row.id, team = %row.team, unselect = req.unselect, "final selection");
        Ok(Response::new(
            Selection {
                challenge_id: challenge.id,
                team: row.team,
                selected,
                final_selections,
            }
            .into(),
        ))
    }
}

impl ArenaService {
    /// The store it reads and writes.
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// The pool heavy work runs on.
    pub(crate) fn compute(&self) -> &Compute {
        &self.compute
    }

    /// The limits a predictions file was accepted under.
    pub(crate) fn limits(&self) -> predictions::Limits {
        self.config.limits
    }

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
            seeds: SeedSource::new(config.seeds),
            config,
        }
    }

    /// The challenge `id` names.
    pub(crate) async fn challenge(&self, id: &str) -> Result<ChallengeRow, ApiError> {
        let id = required("challenge_id", id)?;
        self.store
            .challenge(id)
            .await?
            .ok_or_else(|| ApiError::no_challenge(id))
    }

    /// The challenge `id` names, if it takes submissions.
    async fn open_challenge(&self, id: &str) -> Result<ChallengeRow, ApiError> {
        let challenge = self.challenge(id).await?;
        match challenge.status {
            ChallengeStatus::Open => Ok(challenge),
            ChallengeStatus::Closed => Err(ApiError::Closed(challenge.id)),
        }
    }

    /// The submission `id` names.
    pub(crate) async fn submission(&self, id: &str) -> Result<store::SubmissionRow, ApiError> {
        let id = required("submission_id", id)?;
        self.store
            .submission(id)
            .await?
            .ok_or_else(|| ApiError::no_submission(id))
    }

    /// The submission `id` names and its challenge, if `who` may change its final selection:
    /// its own team's, on an open challenge, not failed.
    async fn selectable(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<(store::SubmissionRow, ChallengeRow), ApiError> {
        let row = self.submission(id).await?;
        if row.team != who.name {
            return Err(ApiError::OtherTeam(row.id));
        }
        let challenge = self.challenge(&row.challenge_id).await?;
        if challenge.status == ChallengeStatus::Closed {
            return Err(ApiError::SelectionFrozen(challenge.id));
        }
        if row.status == SubmissionStatus::Failed {
            return Err(ApiError::FailedSubmission(row.id));
        }
        Ok((row, challenge))
    }

    /// The id a new challenge gets (the header's, else the manifest's name), if free.
    async fn new_challenge_id(
        &self,
        header: &pb::CreateChallengeHeader,
        manifest: &Manifest,
    ) -> Result<String, ApiError> {
        let id = if header.challenge_id.is_empty() {
            manifest.name.clone()
        } else {
            header.challenge_id.clone()
        };
        if !is_slug(&id) {
            return Err(ApiError::field(
                "challenge_id",
                format!("{id:?} must be {SLUG_RULE}"),
            ));
        }
        if self.store.challenge_exists(&id).await? {
            return Err(ApiError::ChallengeExists(id));
        }
        Ok(id)
    }

    /// Generates a new challenge's trials from its manifest and uploaded files.
    async fn generate(
        &self,
        manifest: &Manifest,
        hidden_seed: u64,
        files: &[upload::UploadedFile],
    ) -> Result<GeneratedChallenge, ApiError> {
        let manifest = manifest.clone();
        let data: DataFiles = files
            .iter()
            .map(|(name, _, bytes)| (name.clone(), bytes.clone()))
            .collect();
        Ok(self
            .compute
            .run(move || generate(&manifest, hidden_seed, &data))
            .await??)
    }

    /// Stores a generated challenge with its uploaded files (the hidden recordings apart from
    /// the data files) and its public manifest; returns its public and full dataset hashes.
    async fn store_challenge(
        &self,
        who: &Principal,
        id: &str,
        manifest: &Manifest,
        upload: Upload,
        hidden_seed: u64,
        generated: &GeneratedChallenge,
    ) -> Result<(String, String), ApiError> {
        let manifest_toml = &upload.header.manifest_toml;
        let (hidden_files, files): (Vec<_>, Vec<_>) = upload
            .files
            .into_iter()
            .partition(|(name, _, _)| manifest.hidden_files.contains(name));
        let listing: Vec<(String, String)> = files
            .iter()
            .map(|(n, s, _)| (n.clone(), s.clone()))
            .collect();
        let full_hash = dataset_hash(manifest_toml, &listing);
        let public_manifest = Manifest::public_toml(manifest_toml)
            .map_err(ApiError::server_data("writing the manifest's public view"))?;
        let public_hash = generated.public_dataset_hash(&public_manifest);
        let log = LogEntry {
            actor: Actor::of(who),
            action: LogAction::CreateChallenge,
            challenge_id: Some(id),
            details: serde_json::json!({
                "title": manifest.title, "kind": manifest.kind.as_str(),
                "dataset_hash": public_hash, "full_dataset_hash": full_hash,
                "trials_hash": generated.trials_hash,
            }),
            reason: "",
        };
        let inserted = self
            .store
            .insert_challenge(
                &NewChallenge {
                    id,
                    title: &manifest.title,
                    kind: manifest.kind.as_str(),
                    source: manifest.source.as_str(),
                    manifest_toml,
                    public_manifest_toml: &public_manifest,
                    dataset_hash: &full_hash,
                    public_dataset_hash: &public_hash,
                    trials_hash: &generated.trials_hash,
                    hidden_seed,
                    daily_limit: manifest.rules.daily_limit,
                    public_benchmark: manifest.public_benchmark,
                    spec_json: &StoredSpec::of(manifest, generated).to_json(),
                    created_by: who.token_id,
                    created_at: &clock::now(),
                    dataset_files: &files,
                    hidden_files: &hidden_files,
                    generated,
                },
                &log,
            )
            .await?;
        if !inserted {
            return Err(ApiError::ChallengeExists(id.to_string()));
        }
        Ok((public_hash, full_hash))
    }

    /// The shapes of a challenge's test trials, which a predictions file must match.
    async fn test_shapes(&self, challenge: &ChallengeRow) -> Result<Vec<TrialShape>, ApiError> {
        let dt_s = challenge.spec()?.dt_s;
        Ok(self
            .store
            .trials(&challenge.id)
            .await?
            .into_iter()
            .filter(|t| t.split == Split::Test)
            .map(|t| TrialShape {
                id: t.trial_id,
                duration_s: t.duration_s,
                dt_s,
            })
            .collect())
    }

    /// The predictions of a `Submit`, checked against the test trials in the compute pool's
    /// checks lane (never behind queued simulations): the uploaded file, or the reference's predictions the server computes (an organizer's empty
    /// submission for the baseline `reference`).
    async fn checked_predictions(
        &self,
        challenge: &ChallengeRow,
        req: &SubmitRequest,
    ) -> Result<Vec<u8>, ApiError> {
        let shapes = self.test_shapes(challenge).await?;
        let limits = self.config.limits;
        let bytes = if req.baseline == Some(Baseline::Reference) && req.predictions_json.is_empty()
        {
            self.reference_predictions(challenge).await?
        } else {
            req.predictions_json.clone()
        };
        Ok(self
            .compute
            .check(move || predictions::parse(&bytes, &shapes, &limits).map(|_| bytes))
            .await??)
    }

    /// Stores a checked submission with its job, within the team's daily limit (a baseline is
    /// filed under its own team, outside the limit), or finds the one stored under its
    /// idempotency key.
    async fn store_submission(
        &self,
        who: &Principal,
        challenge: &ChallengeRow,
        req: &SubmitRequest,
        predictions: Vec<u8>,
    ) -> Result<Accepted, ApiError> {
        let (team, is_baseline, daily_limit) = match req.baseline {
            Some(b) => (format!("baseline-{}", b.name()), true, i64::MAX),
            None => (who.name.clone(), who.is_baseline, challenge.daily_limit),
        };
        let sha256 = sha256_hex(&predictions);
        let mut raw = [0u8; 8];
        rand::rng().fill_bytes(&mut raw);
        let id = format!("sub-{}", hex::encode(raw));
        let now = chrono::Utc::now();
        let (day_start, next_day) = clock::day_bounds(now);
        let log = req.baseline.map(|b| LogEntry {
            actor: Actor::of(who),
            action: LogAction::SubmitBaseline,
            challenge_id: Some(&challenge.id),
            details: serde_json::json!({
                "submission_id": id, "baseline": b.name(), "model": req.model_name,
                "sha256": sha256,
            }),
            reason: "",
        });
        let outcome = self
            .store
            .insert_submission(
                &NewSubmission {
                    id: &id,
                    challenge_id: &challenge.id,
                    token_id: who.token_id,
                    team: &team,
                    model_name: &req.model_name,
                    is_baseline,
                    idempotency_key: req.idempotency_key.as_deref(),
                    sha256: &sha256,
                    predictions: &predictions,
                    created_at: &clock::format(now),
                },
                &clock::format(day_start),
                daily_limit,
                log.as_ref(),
            )
            .await?;
        match outcome {
            Inserted::New => {
                self.jobs.notify_one();
                tracing::info!(submission = %id, team = %team, by = %who.name, challenge = %challenge.id, "submission queued");
                Ok(Accepted {
                    id,
                    status: SubmissionStatus::Queued,
                    created: true,
                    sha256,
                })
            }
            Inserted::Existing(row) if row.sha256 != sha256 => Err(ApiError::IdempotencyConflict {
                key: req.idempotency_key.clone().unwrap_or_default(),
                submission: row.id,
            }),
            Inserted::Existing(row) => Ok(Accepted {
                id: row.id,
                status: row.status,
                created: false,
                sha256,
            }),
            Inserted::LimitReached => Err(limit_reached(&who.name, challenge, next_day)),
        }
    }

    /// Records a live evaluation as started, taking one of the team's submissions for the UTC
    /// day; refused once the team has used them or has `live.max_concurrent` evaluations
    /// running on the challenge.
    async fn start_live(&self, s: &live::Session) -> Result<(), ApiError> {
        let now = chrono::Utc::now();
        let (day_start, next_day) = clock::day_bounds(now);
        let record = NewLive {
            id: &s.id,
            challenge_id: &s.challenge.id,
            token_id: s.who.token_id,
            team: &s.who.name,
            model_name: &s.model_name,
            seed: s.seed,
            started_at: &clock::format(now),
        };
        let limit = s.manifest.live.max_concurrent;
        match self
            .store
            .start_live(
                &record,
                &clock::format(day_start),
                s.challenge.daily_limit,
                i64::from(limit),
            )
            .await?
        {
            LiveStarted::Started => Ok(()),
            LiveStarted::LimitReached => Err(limit_reached(&s.who.name, &s.challenge, next_day)),
            LiveStarted::TooMany(running) => Err(ApiError::LiveRunning {
                team: s.who.name.clone(),
                challenge: s.challenge.id.clone(),
                running,
                limit,
            }),
        }
    }

    /// The board of `challenge` as every caller sees it: the public part under the Ladder while
    /// it is open, the private part of the final selections once it is closed. The gRPC
    /// `Leaderboard` and the web pages ([`crate::web`]) both show this one value.
    pub(crate) async fn board(&self, challenge: ChallengeRow) -> Result<Board, ApiError> {
        Ok(self.board_and_entries(challenge).await?.0)
    }

    /// [`Self::board`] and the entries it ranked (every scored submission with the scores of the
    /// board's part), for the web board's history plot.
    pub(crate) async fn board_and_entries(
        &self,
        challenge: ChallengeRow,
    ) -> Result<(Board, Vec<Entry>), ApiError> {
        let rules = challenge.manifest().map_err(ApiError::from)?.rules;
        let part = match challenge.status {
            ChallengeStatus::Open => Part::Public,
            ChallengeStatus::Closed => Part::Private,
        };
        let (entries, evaluations) = self.board_entries(&challenge.id, part).await?;
        let mut counts: BTreeMap<String, u32> = BTreeMap::new();
        let mut scored = 0;
        for (team, n, n_scored) in self.store.submission_counts(&challenge.id).await? {
            counts.insert(team, n as u32);
            scored += n_scored;
        }
        // The board holds every scored submission with an evaluation under the current
        // metrics; the others wait for their rescore.
        let pending_rescore = (scored - entries.len() as i64).max(0);
        let mut rows = match part {
            Part::Public => board::public_board(&entries, &counts, rules.ladder_step),
            Part::Private => {
                board::private_board(&entries, &counts, rules.final_selections as usize)
            }
        };
        self.fill_scores(&mut rows, &evaluations, part).await?;
        let board = Board {
            challenge_id: challenge.id,
            part,
            rows,
            pending_rescore,
            ladder_step: rules.ladder_step,
            final_selections: rules.final_selections,
        };
        Ok((board, entries))
    }

    /// Every scored submission of a challenge (under the current metrics version) as a board
    /// entry whose scores are only the primary of `part`, and each one's evaluation id: enough
    /// to rank, and [`Self::fill_scores`] reads the whole lists of the rows shown.
    async fn board_entries(
        &self,
        challenge_id: &str,
        part: Part,
    ) -> Result<(Vec<Entry>, HashMap<String, i64>), ApiError> {
        let rows = self
            .store
            .board_entries(challenge_id, METRICS_VERSION, part)
            .await?;
        let mut evaluations = HashMap::with_capacity(rows.len());
        let mut entries = Vec::with_capacity(rows.len());
        for e in rows {
            evaluations.insert(e.submission_id.clone(), e.evaluation_id);
            entries.push(Entry {
                submission_id: e.submission_id,
                team: e.team,
                model: e.model_name,
                is_baseline: e.is_baseline,
                created_at: e.created_at,
                scores: vec![NamedMetric {
                    name: "primary".into(),
                    value: e.primary,
                    note: String::new(),
                }],
                selected: e.selected,
            });
        }
        Ok((entries, evaluations))
    }

    /// Puts the whole score list of `part` into every board row, read in one statement for the
    /// rows shown (`evaluations`: from [`Self::board_entries`]).
    async fn fill_scores(
        &self,
        rows: &mut [board::Row],
        evaluations: &HashMap<String, i64>,
        part: Part,
    ) -> Result<(), ApiError> {
        let ids: Vec<i64> = rows
            .iter()
            .filter_map(|r| evaluations.get(&r.best.submission_id).copied())
            .collect();
        let mut lists: HashMap<i64, String> = self
            .store
            .board_scores(&ids, part)
            .await?
            .into_iter()
            .collect();
        for row in rows {
            let id = evaluations.get(&row.best.submission_id).copied();
            let json = id.and_then(|id| lists.remove(&id)).unwrap_or_default();
            row.best.scores = store::metrics(&json, || {
                format!(
                    "{} scores of submission {:?}",
                    part.as_str(),
                    row.best.submission_id
                )
            })?;
        }
        Ok(())
    }

    /// The submission as `who` may see it.
    async fn submission_view(&self, who: &Principal, id: &str) -> Result<SubmissionView, ApiError> {
        let row = self.submission(id).await?;
        if !who.sees_everything() && row.team != who.name {
            return Err(ApiError::OtherTeam(id.to_string()));
        }
        let challenge = self.challenge(&row.challenge_id).await?;
        let show_private = who.sees_everything() || challenge.status == ChallengeStatus::Closed;
        self.scores_view(row, &challenge, show_private, who.sees_everything())
            .await
    }

    /// A submission with the scores a reader may see: with `show_private` (organizers,
    /// auditors, everyone once the challenge is closed) its exact public and private scores and
    /// per-trial scores; otherwise only what the Ladder released to the board, or the exact
    /// public scores of a live evaluation. `full_hash`: the audit shows the full dataset hash.
    /// The gRPC `GetSubmission` and the web report ([`crate::web`]) both read this.
    pub(crate) async fn scores_view(
        &self,
        row: store::SubmissionRow,
        challenge: &ChallengeRow,
        show_private: bool,
        full_hash: bool,
    ) -> Result<SubmissionView, ApiError> {
        // While the challenge is open its team sees only what the Ladder released; a live
        // evaluation's trials are fresh, so its exact scores tell nothing about the test set.
        let exact = show_private || row.mode == SubmissionMode::Live;
        let mut view = SubmissionView {
            selected: self.store.is_selected(&row.id).await?,
            row,
            scores: Vec::new(),
            private_scores: Vec::new(),
            trials: Vec::new(),
            audit: None,
        };
        let Some(evaluation) = self.store.latest_evaluation(&view.row.id).await? else {
            return Ok(view);
        };
        let stored = |json: &str, what: &str| {
            store::metrics(json, || format!("{what} of evaluation {}", evaluation.id))
        };
        view.scores = if exact {
            stored(&evaluation.public_scores_json, "public scores")?
        } else {
            self.ladder_release(challenge, &view.row.team, &view.row.id)
                .await?
        };
        if show_private {
            view.private_scores = stored(&evaluation.private_scores_json, "private scores")?;
            for t in self.store.trial_scores(evaluation.id).await? {
                let scores = stored(&t.scores_json, &format!("scores of trial {:?}", t.trial_id))?;
                view.trials.push((t.trial_id, scores));
            }
        }
        view.audit = Some(AuditView {
            evaluation,
            full_hash,
        });
        Ok(view)
    }

    /// The reference baseline's predictions for the test trials, computed here: the generator
    /// of a simulated challenge stays on the server, so the organizer's ceiling row cannot be
    /// computed by a client. Built from the organizer's manifest and data files and the public
    /// test inputs ([`data::organizer_challenge`]) on the compute pool, which bounds how many
    /// run at once; the work is that of simulating the test split once, which creating the
    /// challenge already did. The noise seed is fresh: the stored predictions file, pinned by
    /// its SHA-256, is what the audit record refers to.
    async fn reference_predictions(&self, challenge: &ChallengeRow) -> Result<Vec<u8>, ApiError> {
        let organizer = data::organizer_challenge(&self.store, challenge).await?;
        let seed = self.seeds.next();
        let predicted = self
            .compute
            .run(move || Baseline::Reference.predict(&organizer, seed))
            .await?
            .map_err(|source| ApiError::Baseline {
                baseline: Baseline::Reference.name(),
                challenge: challenge.id.clone(),
                source,
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
    ) -> Result<Vec<NamedMetric>, ApiError> {
        let step = challenge.manifest()?.rules.ladder_step;
        let mut entries: Vec<Entry> = self
            .board_entries(&challenge.id, Part::Public)
            .await?
            .0
            .into_iter()
            .filter(|e| e.team == team)
            .collect();
        // Entries come in submission order; keep those up to this one.
        let Some(upto) = entries.iter().position(|e| e.submission_id == id) else {
            return Ok(vec![NamedMetric {
                name: "primary".into(),
                value: None,
                note: "not scored yet under the current metrics version".into(),
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
        Ok(vec![NamedMetric {
            name: "primary".into(),
            value: released.map(|(v, _)| v),
            note,
        }])
    }
}

/// `value`, if the request set it.
fn required<'a>(field: &'static str, value: &'a str) -> Result<&'a str, ApiError> {
    if value.is_empty() {
        return Err(ApiError::field(field, "is empty"));
    }
    Ok(value)
}

/// The daily-limit error, shared by offline and live submissions.
fn limit_reached(
    team: &str,
    challenge: &ChallengeRow,
    next_day: chrono::DateTime<chrono::Utc>,
) -> ApiError {
    ApiError::DailyLimit {
        team: team.to_string(),
        limit: challenge.daily_limit,
        challenge: challenge.id.clone(),
        resets_at: next_day.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

/// Sends a fetch: the spec, then every served file in chunks (`dataset.toml` from `manifest`,
/// the rest read from the store one at a time). Ends quietly when the client stops reading.
async fn stream_files(
    store: Store,
    challenge_id: String,
    spec: pb::ChallengeSpec,
    manifest: Vec<u8>,
    tx: mpsc::Sender<Result<pb::FetchChallengeChunk, Status>>,
) {
    let files = spec.files.clone();
    if tx.send(Ok(Wire(spec).into())).await.is_err() {
        return;
    }
    for f in files {
        let bytes = if f.name == MANIFEST_FILE {
            Ok(manifest.clone())
        } else {
            store
                .file(&challenge_id, &f.name, Visibility::Public.as_str())
                .await
                .and_then(|b| {
                    b.ok_or_else(|| StoreError::Vanished(format!("public file {:?}", f.name)))
                })
        };
        let bytes = match bytes {
            Ok(b) => b,
            Err(e) => {
                let _ = tx.send(Err(ApiError::from(e).into())).await;
                return;
            }
        };
        if !send_pieces(&tx, &f.name, &bytes).await {
            return;
        }
    }
}

/// Sends file `name` in pieces of [`CHUNK_BYTES`]; false once the client stopped reading.
async fn send_pieces<M>(tx: &mpsc::Sender<Result<M, Status>>, name: &str, bytes: &[u8]) -> bool
where
    M: for<'a> From<FilePiece<'a>>,
{
    for (i, data) in bytes.chunks(CHUNK_BYTES).enumerate() {
        let piece = FilePiece {
            name,
            offset: (i * CHUNK_BYTES) as u64,
            data,
        };
        if tx.send(Ok(piece.into())).await.is_err() {
            return false;
        }
    }
    true
}
