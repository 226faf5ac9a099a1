//! The server's one error boundary: every failure a handler meets is an [`ApiError`], and
//! `From<ApiError> for Status` is the only place where one becomes a gRPC status.
//!
//! Why one place. A client needs a code it can act on and, when the fault is its own, a message
//! that names the field and the problem. When the fault is the server's (the database, a task
//! that panicked, stored data that no longer reads back), the details can name tables, paths or
//! hidden data and help no client: they are logged here with a short random id, and the client
//! gets a message naming only that id, which an operator finds in the log. The same split
//! applies to the reasons a live evaluation or a scoring job stores for its team to read
//! ([`ApiError::into_public`]).
//!
//! `#[from]` conversions read a domain error as the caller's fault (an uploaded manifest, a
//! predictions file, trials generated from an upload). Data the server holds goes through the
//! store's errors ([`StoreError::Unreadable`]) or [`ApiError::server_data`] instead, so a
//! stored manifest that no longer parses is never blamed on the caller.

use std::fmt;

use arena_challenge::baselines::BaselineError;
use arena_challenge::gauntlet::GauntletError;
use arena_challenge::predictions::PredictionError;
use arena_challenge_core::generated::GenerateError;
use arena_challenge_core::manifest::ManifestError;
use arena_challenge_core::text::bounded;
use rand::RngCore;
use thiserror::Error;
use tonic::{Code, Status};

use crate::auth::Role;
use crate::compute::ComputeError;
use crate::store::StoreError;
use crate::upload::UploadError;

/// Every failure a request can end in, with the gRPC code it maps to.
#[derive(Debug, Error)]
pub enum ApiError {
    /// UNAUTHENTICATED: no `authorization` metadata.
    #[error("missing `authorization: Bearer <token>` metadata")]
    MissingToken,
    /// UNAUTHENTICATED: metadata not of the form `Bearer <token>`.
    #[error("authorization metadata must be `Bearer <token>`")]
    MalformedToken,
    /// UNAUTHENTICATED: no such token.
    #[error("unknown token")]
    UnknownToken,
    /// UNAUTHENTICATED: the token was revoked.
    #[error("token {name:?} was revoked at {at}")]
    RevokedToken {
        /// The token's name (never the token).
        name: String,
        /// When, RFC 3339 UTC.
        at: String,
    },
    /// UNAUTHENTICATED: the token is past its expiry.
    #[error("token {name:?} expired at {at}")]
    ExpiredToken {
        /// The token's name (never the token).
        name: String,
        /// When, RFC 3339 UTC.
        at: String,
    },
    /// PERMISSION_DENIED: the token's role may not make this call.
    #[error("this call needs the role {needed}; token {token:?} is {role}")]
    WrongRole {
        /// The accepted roles, joined by "or".
        needed: String,
        /// The token's name.
        token: String,
        /// Its role.
        role: Role,
    },
    /// PERMISSION_DENIED: a contestant asked for another team's submission.
    #[error("submission {0:?} belongs to another team")]
    OtherTeam(String),

    /// INVALID_ARGUMENT: a request field is missing or out of range.
    #[error("{field} {problem}")]
    Field {
        /// The field, as the `.proto` names it (`start.repeats`).
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// INVALID_ARGUMENT: a stream's messages came in an order the call does not accept.
    #[error("{0}")]
    OutOfOrder(&'static str),
    /// INVALID_ARGUMENT (RESOURCE_EXHAUSTED when too large): a `CreateChallenge` upload.
    #[error(transparent)]
    Upload(#[from] UploadError),
    /// INVALID_ARGUMENT: the uploaded manifest.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// INVALID_ARGUMENT (RESOURCE_EXHAUSTED when too large): the uploaded predictions.
    #[error("predictions_json: {0}")]
    Predictions(#[from] PredictionError),
    /// INVALID_ARGUMENT: the uploaded manifest and files do not generate a challenge.
    #[error("generating the trials failed: {0}")]
    Generate(#[from] GenerateError),

    /// NOT_FOUND.
    #[error("{kind} {id:?} does not exist")]
    NotFound {
        /// `challenge` or `submission`.
        kind: &'static str,
        /// The id asked for.
        id: String,
    },
    /// NOT_FOUND: revoking a name that has no live token.
    #[error("no live token is named {0:?}: none was made, or each is revoked or expired already")]
    NoLiveToken(String),
    /// ALREADY_EXISTS: the challenge id is taken.
    #[error("challenge {0:?} already exists; choose another id")]
    ChallengeExists(String),

    /// FAILED_PRECONDITION: the challenge takes no more submissions.
    #[error("challenge {0:?} is closed")]
    Closed(String),
    /// FAILED_PRECONDITION: closing a closed challenge.
    #[error("challenge {0:?} is already closed")]
    AlreadyClosed(String),
    /// FAILED_PRECONDITION: selecting on a closed challenge.
    #[error("challenge {0:?} is closed: the final selection can no longer change")]
    SelectionFrozen(String),
    /// FAILED_PRECONDITION: selecting a submission that failed scoring.
    #[error("submission {0:?} failed scoring and cannot count for the final ranking")]
    FailedSubmission(String),
    /// FAILED_PRECONDITION: a contestant asked for the audit bundle of a submission on an
    /// open challenge.
    #[error(
        "challenge {0:?} is open: its hidden responses stay on the server until it closes; \
         then a contestant may bundle the public part (organizers and auditors may at any time)"
    )]
    AuditWhileOpen(String),
    /// FAILED_PRECONDITION: an audit bundle of a submission that has no stored evaluation.
    #[error("submission {0:?} has no stored evaluation to audit (queued, scoring or failed)")]
    NotEvaluated(String),
    /// FAILED_PRECONDITION: an idempotency key reused with other predictions.
    #[error(
        "idempotency_key {key:?} was used for submission {submission} with different predictions"
    )]
    IdempotencyConflict {
        /// The key.
        key: String,
        /// The submission stored under it.
        submission: String,
    },
    /// FAILED_PRECONDITION: live evaluation on a recorded challenge.
    #[error(
        "challenge {0:?} is recorded: live evaluation needs fresh stimuli and a generating \
         model to answer them, so it is offered on simulated challenges only"
    )]
    LiveNeedsGenerator(String),
    /// FAILED_PRECONDITION: a server-side baseline does not apply to the challenge.
    #[error("baseline {baseline:?} on challenge {challenge:?}: {source}")]
    Baseline {
        /// The baseline's name.
        baseline: &'static str,
        /// The challenge.
        challenge: String,
        /// Why.
        source: BaselineError,
    },
    /// FAILED_PRECONDITION: the gauntlet cannot be built for the challenge.
    #[error("the gauntlet cannot run on {challenge:?}: {source}")]
    Gauntlet {
        /// The challenge.
        challenge: String,
        /// Why.
        source: GauntletError,
    },

    /// RESOURCE_EXHAUSTED: the team's submissions for this UTC day are used up.
    #[error(
        "daily submission limit reached: team {team:?} may make {limit} submissions per UTC day \
         on challenge {challenge:?}; the limit resets at {resets_at}"
    )]
    DailyLimit {
        /// The team.
        team: String,
        /// Submissions per day.
        limit: i64,
        /// The challenge.
        challenge: String,
        /// The next UTC midnight, RFC 3339.
        resets_at: String,
    },
    /// RESOURCE_EXHAUSTED: the team has selected as many submissions as the rules allow.
    #[error(
        "team {team:?} has selected {} submissions on challenge {challenge:?}, the limit of \
         rules.final_selections; unselect one first: {}",
        .selected.len(),
        .selected.join(", ")
    )]
    SelectionLimit {
        /// The team.
        team: String,
        /// The challenge.
        challenge: String,
        /// Its selections.
        selected: Vec<String>,
    },

    /// RESOURCE_EXHAUSTED: the team has as many live evaluations running as the challenge allows.
    #[error(
        "team {team:?} has {running} live evaluations running on challenge {challenge:?}, the \
         most live.max_concurrent = {limit} allows; start another when one has ended"
    )]
    LiveRunning {
        /// The team.
        team: String,
        /// The challenge.
        challenge: String,
        /// Its evaluations running.
        running: i64,
        /// `live.max_concurrent`.
        limit: u32,
    },
    /// DEADLINE_EXCEEDED: an `Evaluate` stream sent no `start` message in time.
    #[error("no `start` message within {waited_s} s of opening the stream")]
    NoStart {
        /// The wait, seconds.
        waited_s: f64,
    },

    /// The status the transport raised while reading the caller's stream (the caller cancelled,
    /// or sent a message too large): passed through unchanged.
    #[error("{}", .0.message())]
    Transport(#[from] Status),

    /// INTERNAL: the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// INTERNAL: a task on the compute pool panicked or was cancelled.
    #[error(transparent)]
    Compute(#[from] ComputeError),
    /// INTERNAL: a domain step failed on data the server holds (a stored challenge's files,
    /// a manifest that generated trials at creation).
    #[error("{context}: {source}")]
    ServerData {
        /// What the server was doing.
        context: String,
        /// The domain error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl ApiError {
    /// An INVALID_ARGUMENT naming `field`.
    pub fn field(field: &'static str, problem: impl Into<String>) -> ApiError {
        ApiError::Field {
            field,
            problem: problem.into(),
        }
    }

    /// A NOT_FOUND for a challenge.
    pub fn no_challenge(id: &str) -> ApiError {
        ApiError::NotFound {
            kind: "challenge",
            id: id.to_string(),
        }
    }

    /// A NOT_FOUND for a submission.
    pub fn no_submission(id: &str) -> ApiError {
        ApiError::NotFound {
            kind: "submission",
            id: id.to_string(),
        }
    }

    /// Wraps a domain error met on data the server holds: the server's fault, not the
    /// caller's. Use as `.map_err(ApiError::server_data("regenerating the live trials"))`.
    pub fn server_data<E>(context: impl Into<String>) -> impl FnOnce(E) -> ApiError
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        let context = context.into();
        move |e| ApiError::ServerData {
            context,
            source: Box::new(e),
        }
    }

    /// The gRPC code this error maps to.
    pub fn code(&self) -> Code {
        use ApiError::*;
        match self {
            MissingToken
            | MalformedToken
            | UnknownToken
            | RevokedToken { .. }
            | ExpiredToken { .. } => Code::Unauthenticated,
            WrongRole { .. } | OtherTeam(_) => Code::PermissionDenied,
            Field { .. } | OutOfOrder(_) | Manifest(_) | Generate(_) => Code::InvalidArgument,
            Upload(e) if e.is_too_large() => Code::ResourceExhausted,
            Upload(_) => Code::InvalidArgument,
            Predictions(PredictionError::TooLarge { .. }) => Code::ResourceExhausted,
            Predictions(_) => Code::InvalidArgument,
            NotFound { .. } | NoLiveToken(_) => Code::NotFound,
            ChallengeExists(_) => Code::AlreadyExists,
            Closed(_)
            | AlreadyClosed(_)
            | SelectionFrozen(_)
            | FailedSubmission(_)
            | AuditWhileOpen(_)
            | NotEvaluated(_)
            | IdempotencyConflict { .. }
            | LiveNeedsGenerator(_)
            | Baseline { .. }
            | Gauntlet { .. } => Code::FailedPrecondition,
            DailyLimit { .. } | SelectionLimit { .. } | LiveRunning { .. } => {
                Code::ResourceExhausted
            }
            NoStart { .. } => Code::DeadlineExceeded,
            Transport(status) => status.code(),
            Store(_) | Compute(_) | ServerData { .. } => Code::Internal,
        }
    }

    /// The code and the text a client may read. The caller's faults keep their message, cut
    /// to [`MAX_PUBLIC_CHARS`]; for the server's, the details are logged under a fresh
    /// [`ErrorId`] and the text names only that id.
    pub fn into_public(self) -> (Code, String) {
        let code = self.code();
        if code != Code::Internal {
            return (code, public_text(&self.to_string()));
        }
        let id = ErrorId::new();
        // Every internal variant's text holds its source's text: the whole story in one line.
        tracing::error!(error_id = %id, error = %self, "internal error");
        (code, id.public_message())
    }
}

/// The longest message a client reads (a status, a failed evaluation's or job's reason),
/// characters. A caller's fault may quote its input (a parser echoes the offending line, which
/// may be 300 KB long); a status message travels in a header, which HTTP/2 peers limit to a
/// few KB.
pub const MAX_PUBLIC_CHARS: usize = 1000;

/// `message` as a client may read it: at most [`MAX_PUBLIC_CHARS`] characters.
pub fn public_text(message: &str) -> String {
    bounded(message, MAX_PUBLIC_CHARS).into_owned()
}

/// The one conversion of a failure into a gRPC status.
impl From<ApiError> for Status {
    fn from(e: ApiError) -> Status {
        match e {
            ApiError::Transport(status) => status,
            e => {
                let (code, message) = e.into_public();
                Status::new(code, message)
            }
        }
    }
}

/// A short random id that ties what a client was told to the server's log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorId([u8; 6]);

impl ErrorId {
    /// A fresh id (48 random bits: no two in one server's log in practice).
    pub fn new() -> ErrorId {
        let mut raw = [0u8; 6];
        rand::rng().fill_bytes(&mut raw);
        ErrorId(raw)
    }

    /// What the client reads.
    pub fn public_message(self) -> String {
        format!("internal error (id {self}); the server log has the details")
    }
}

impl Default for ErrorId {
    fn default() -> ErrorId {
        ErrorId::new()
    }
}

impl fmt::Display for ErrorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_error_shows_its_id_and_nothing_of_its_text() {
        let store = ApiError::Store(StoreError::Database(sqlx::Error::Protocol(
            "no such table: challenges".into(),
        )));
        let status = Status::from(store);
        assert_eq!(status.code(), Code::Internal);
        let message = status.message();
        assert!(!message.contains("table"), "{message}");
        let id = message
            .strip_prefix("internal error (id ")
            .and_then(|m| m.strip_suffix("); the server log has the details"))
            .unwrap_or_else(|| panic!("{message}"));
        assert_eq!(id.len(), 12, "{message}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{message}");
    }

    #[test]
    fn a_callers_fault_keeps_its_code_and_message() {
        let status = Status::from(ApiError::field("start.repeats", "is 0"));
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(status.message(), "start.repeats is 0");
        let too_large = PredictionError::TooLarge { size: 9, limit: 8 };
        let status = Status::from(ApiError::from(too_large));
        assert_eq!(status.code(), Code::ResourceExhausted);
        assert_eq!(
            status.message(),
            "predictions_json: predictions file is 9 bytes; the limit is 8 bytes"
        );
    }

    /// Issue 16 case 5: a message quoting a 300 KB line reaches the client cut to the limit.
    #[test]
    fn a_callers_fault_is_bounded_in_length() {
        let long = ApiError::field("model_name", "x".repeat(300_000));
        let status = Status::from(long);
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(status.message().starts_with("model_name xxx"));
        assert!(status.message().ends_with("… (299011 more characters)"));
        assert!(status.message().chars().count() <= MAX_PUBLIC_CHARS + 30);
    }

    #[test]
    fn a_transport_status_passes_through() {
        let status = Status::from(ApiError::from(Status::cancelled("gone")));
        assert_eq!((status.code(), status.message()), (Code::Cancelled, "gone"));
    }

    #[test]
    fn server_data_is_the_servers_fault_and_its_text_is_for_the_log() {
        let e = ApiError::server_data("regenerating")(GenerateError::Cell("bad".into()));
        assert_eq!(e.to_string(), "regenerating: cell: bad");
        assert_eq!(e.code(), Code::Internal);
    }
}
