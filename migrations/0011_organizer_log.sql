-- The append-only organizer log (issue 15): every organizer action, who, when, what and why.
--
-- Each row carries the previous row's hash and its own, the SHA-256 of its canonical text
-- (arena_proto::log_chain, where the text is defined; the server computes it in the same
-- transaction as the action the row records). A gap or an edited row is found by recomputing
-- the chain (`arena log --verify`). The triggers below refuse UPDATE and DELETE outright and an
-- INSERT that does not follow the last row, so only someone who drops them (with the database
-- file in hand) can change the log, and the chain then shows where.
CREATE TABLE organizer_log (
    id           INTEGER PRIMARY KEY,        -- 1, 2, 3, ... without a gap
    at           TEXT    NOT NULL,           -- RFC 3339 UTC
    actor_name   TEXT    NOT NULL,           -- the token's name, or the server's command line
    actor_role   TEXT    NOT NULL,           -- the token's role, or 'operator'
    action       TEXT    NOT NULL,           -- create_challenge, close_challenge, token_revoke, ...
    challenge_id TEXT,                       -- NULL: about no challenge (token changes)
    details_json TEXT    NOT NULL,           -- a JSON object; never a token nor its hash
    reason       TEXT    NOT NULL,           -- may be empty
    prev_hash    TEXT    NOT NULL,           -- the previous row's hash; 64 zeros for row 1
    hash         TEXT    NOT NULL
);

CREATE INDEX organizer_log_by_challenge ON organizer_log (challenge_id, id);

CREATE TRIGGER organizer_log_no_update BEFORE UPDATE ON organizer_log
BEGIN
    SELECT RAISE(ABORT, 'organizer_log is append-only: a row is never updated');
END;

CREATE TRIGGER organizer_log_no_delete BEFORE DELETE ON organizer_log
BEGIN
    SELECT RAISE(ABORT, 'organizer_log is append-only: a row is never deleted');
END;

CREATE TRIGGER organizer_log_follows_the_last_row BEFORE INSERT ON organizer_log
WHEN NEW.id <> COALESCE((SELECT MAX(id) FROM organizer_log), 0) + 1
  OR NEW.prev_hash <> COALESCE((SELECT hash FROM organizer_log ORDER BY id DESC LIMIT 1),
                               '0000000000000000000000000000000000000000000000000000000000000000')
BEGIN
    SELECT RAISE(ABORT, 'organizer_log: a new row must take the next id and the last row''s hash as prev_hash');
END;
