-- Token lifecycle (issue 15): an optional expiry, revocation, and the last use.
--
-- The server reads these three columns with the token's row on every call (one lookup by the
-- unique token_sha256 index), so a token revoked or expired is refused at its next call by every
-- server on this database, whoever wrote the revocation. Times are RFC 3339 UTC text of fixed
-- width (server/src/clock.rs), so comparing the text compares the times.
ALTER TABLE tokens ADD COLUMN expires_at   TEXT;   -- NULL: never expires
ALTER TABLE tokens ADD COLUMN revoked_at   TEXT;   -- NULL: not revoked
ALTER TABLE tokens ADD COLUMN last_used_at TEXT;   -- NULL: never used; written at most once a minute

-- `token revoke --name` finds a name's tokens.
CREATE INDEX tokens_by_name ON tokens (name);
