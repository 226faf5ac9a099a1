-- Live evaluations: a bidirectional stream feeds a connected model fresh hidden stimuli.
-- A scored live evaluation is stored as a submission (mode 'live') with its evaluation; a failed one
-- only here, with its reason: it counts as the team's failure, not as a submission.
ALTER TABLE submissions ADD COLUMN mode TEXT NOT NULL DEFAULT 'offline' CHECK (mode IN ('offline', 'live'));
ALTER TABLE evaluations ADD COLUMN seeds_json TEXT NOT NULL DEFAULT '{}';

CREATE TABLE live_evaluations (
    id            TEXT    PRIMARY KEY,
    challenge_id  TEXT    NOT NULL REFERENCES challenges (id),
    token_id      INTEGER NOT NULL REFERENCES tokens (id),
    team          TEXT    NOT NULL,
    model_name    TEXT    NOT NULL,
    seed          TEXT    NOT NULL,                 -- decimal u64 of the fresh hidden seed
    status        TEXT    NOT NULL CHECK (status IN ('running', 'scored', 'failed')),
    reason        TEXT,
    submission_id TEXT    REFERENCES submissions (id),
    started_at    TEXT    NOT NULL,
    finished_at   TEXT
);
CREATE INDEX live_by_team ON live_evaluations (challenge_id, team, started_at);
