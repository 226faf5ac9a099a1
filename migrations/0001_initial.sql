-- Spike Arena schema, version 1.
-- Portable SQL (SQLite now; PostgreSQL later): TEXT ids, TEXT RFC 3339 UTC timestamps, BLOB payloads,
-- no SQLite-only functions in queries. Hidden data (test responses, hidden seeds) lives only here.

CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,                 -- the team (contestants) or person
    role         TEXT    NOT NULL CHECK (role IN ('organizer', 'contestant', 'auditor')),
    token_sha256 TEXT    NOT NULL UNIQUE,          -- only the hash of the bearer token is kept
    is_baseline  INTEGER NOT NULL DEFAULT 0,       -- a built-in baseline model registered as a team
    created_at   TEXT    NOT NULL
);

CREATE TABLE challenges (
    id               TEXT    PRIMARY KEY,
    title            TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    source           TEXT    NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    version          INTEGER NOT NULL DEFAULT 1,
    manifest_toml    TEXT    NOT NULL,
    dataset_hash     TEXT    NOT NULL,             -- manifest + uploaded data files
    trials_hash      TEXT    NOT NULL,             -- every generated file, public and hidden
    hidden_seed      TEXT    NOT NULL,             -- decimal u64; never served
    daily_limit      INTEGER NOT NULL,
    public_benchmark INTEGER NOT NULL DEFAULT 0,
    spec_json        TEXT    NOT NULL,             -- the public challenge spec
    created_by       INTEGER NOT NULL REFERENCES tokens (id),
    created_at       TEXT    NOT NULL
);

-- Data files uploaded with the manifest, byte for byte.
CREATE TABLE dataset_files (
    challenge_id TEXT    NOT NULL REFERENCES challenges (id),
    name         TEXT    NOT NULL,
    sha256       TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    data         BLOB    NOT NULL,
    PRIMARY KEY (challenge_id, name)
);

-- Files the server generated for a challenge's trials (.npy). Hidden ones are never served.
CREATE TABLE challenge_files (
    challenge_id TEXT    NOT NULL REFERENCES challenges (id),
    name         TEXT    NOT NULL,
    visibility   TEXT    NOT NULL CHECK (visibility IN ('public', 'hidden')),
    sha256       TEXT    NOT NULL,
    data         BLOB    NOT NULL,
    PRIMARY KEY (challenge_id, name)
);

CREATE TABLE trials (
    challenge_id TEXT    NOT NULL REFERENCES challenges (id),
    trial_id     TEXT    NOT NULL,
    ordinal      INTEGER NOT NULL,
    split        TEXT    NOT NULL CHECK (split IN ('train', 'test')),
    part         TEXT    CHECK (part IN ('public', 'private')),   -- test trials only; never served
    duration_s   REAL    NOT NULL,
    n_repeats    INTEGER NOT NULL,
    files_json   TEXT    NOT NULL,                               -- role -> challenge_files.name
    PRIMARY KEY (challenge_id, trial_id)
);

CREATE TABLE submissions (
    id              TEXT    PRIMARY KEY,
    challenge_id    TEXT    NOT NULL REFERENCES challenges (id),
    token_id        INTEGER NOT NULL REFERENCES tokens (id),
    team            TEXT    NOT NULL,
    model_name      TEXT    NOT NULL,
    is_baseline     INTEGER NOT NULL DEFAULT 0,
    idempotency_key TEXT,
    sha256          TEXT    NOT NULL,
    predictions     BLOB    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('queued', 'scoring', 'scored', 'failed')),
    error           TEXT,
    created_at      TEXT    NOT NULL,
    UNIQUE (challenge_id, team, idempotency_key)
);
CREATE INDEX submissions_by_team_day ON submissions (challenge_id, team, created_at);

-- The scoring queue. A job is claimed by moving it from 'queued' to 'running' in one UPDATE;
-- jobs left 'running' by a stopped server are put back to 'queued' at start.
CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    submission_id TEXT    NOT NULL UNIQUE REFERENCES submissions (id),
    state         TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    claimed_at    TEXT,
    created_at    TEXT    NOT NULL
);
CREATE INDEX jobs_by_state ON jobs (state, id);

-- One row per scoring of a submission; a rescore after a metric change adds a row, keeping the old.
CREATE TABLE evaluations (
    id                      INTEGER PRIMARY KEY,
    submission_id           TEXT    NOT NULL REFERENCES submissions (id),
    metrics_version         TEXT    NOT NULL,
    scoring_library_version TEXT    NOT NULL,
    params_json             TEXT    NOT NULL,
    dataset_hash            TEXT    NOT NULL,
    trials_hash             TEXT    NOT NULL,
    challenge_version       INTEGER NOT NULL,
    submission_sha256       TEXT    NOT NULL,
    public_scores_json      TEXT    NOT NULL,
    private_scores_json     TEXT    NOT NULL,
    public_primary          REAL,
    created_at              TEXT    NOT NULL
);
CREATE INDEX evaluations_by_submission ON evaluations (submission_id, id);

CREATE TABLE trial_scores (
    evaluation_id INTEGER NOT NULL REFERENCES evaluations (id),
    trial_id      TEXT    NOT NULL,
    part          TEXT    NOT NULL CHECK (part IN ('public', 'private')),
    scores_json   TEXT    NOT NULL,
    PRIMARY KEY (evaluation_id, trial_id)
);
