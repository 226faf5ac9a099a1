-- Live evaluations inside the daily limit (issue 16 case 3).
--
-- A live evaluation takes one of its team's daily submissions when it starts: a `running` row
-- counts, as does a scored one (through its submission). A failed one counts when the failure
-- was the team's (`charged` = 1: a missed deadline, a malformed answer, a closed stream), not
-- when it was the server's (`charged` = 0: an internal error, a server stopped mid-run).
-- Evaluations that failed before this migration cost nothing, as they did then.
ALTER TABLE live_evaluations ADD COLUMN charged INTEGER NOT NULL DEFAULT 0;
