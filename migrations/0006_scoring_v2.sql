-- Scoring version core-2 (issue 13).
--
-- Test trials are cut into segments, each drawn into the public or the private part: the
-- assignment is hidden data (never served), stored per trial as JSON [{"start_s", "end_s",
-- "part"}]. Trials stored before it keep their whole-trial `part`.
ALTER TABLE trials ADD COLUMN segments_json TEXT;

-- Per-trial scores cover whole trials, which now span both parts: the `part` column goes.
CREATE TABLE trial_scores_v2 (
    evaluation_id INTEGER NOT NULL REFERENCES evaluations (id),
    trial_id      TEXT    NOT NULL,
    scores_json   TEXT    NOT NULL,
    PRIMARY KEY (evaluation_id, trial_id)
);
INSERT INTO trial_scores_v2 (evaluation_id, trial_id, scores_json)
    SELECT evaluation_id, trial_id, scores_json FROM trial_scores;
DROP TABLE trial_scores;
ALTER TABLE trial_scores_v2 RENAME TO trial_scores;

-- A submission may be scored more than once (a rescore under a new metrics version adds an
-- evaluation and keeps the old one), so it may have more than one job.
CREATE TABLE jobs_v2 (
    id            INTEGER PRIMARY KEY,
    submission_id TEXT    NOT NULL REFERENCES submissions (id),
    state         TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    claimed_at    TEXT,
    created_at    TEXT    NOT NULL
);
INSERT INTO jobs_v2 (id, submission_id, state, attempts, claimed_at, created_at)
    SELECT id, submission_id, state, attempts, claimed_at, created_at FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_v2 RENAME TO jobs;
CREATE INDEX jobs_by_state ON jobs (state, id);
CREATE INDEX jobs_by_submission ON jobs (submission_id);

-- Final selection: the submissions a team marks for the final (private) ranking, at most
-- `rules.final_selections` per team and challenge, chosen while the challenge is open.
CREATE TABLE final_selections (
    challenge_id  TEXT NOT NULL REFERENCES challenges (id),
    team          TEXT NOT NULL,
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    selected_at   TEXT NOT NULL,
    PRIMARY KEY (submission_id)
);
CREATE INDEX final_selections_by_team ON final_selections (challenge_id, team);
