-- The board of a challenge read from indexes alone (issue 14: the web board within 50 ms).
--
-- A board ranks every scored submission by one number, the primary of the board's part (public
-- while open, private once closed), and reads the whole score lists only of the rows it shows.
-- Both primaries are kept as columns beside the stored lists, derived from them by the
-- triggers below whoever writes a list (the scoring queue, or an organizer's `sqlite3`
-- session), so the ranking never parses JSON and can never disagree with the list it shows.
-- The indexes hold every column that the ranking query and the count of submissions per team
-- read, so neither visits a submission row, whose uploaded predictions (a BLOB stored before
-- `status` and `created_at`) would otherwise be walked through its overflow pages, nor an
-- evaluation row. Measured with 1,000 teams x 10 submissions of 16 kB: docs/web.md, "Speed".
ALTER TABLE evaluations ADD COLUMN private_primary REAL;

CREATE TRIGGER evaluation_primaries_edited
AFTER UPDATE OF public_scores_json, private_scores_json ON evaluations
BEGIN
    UPDATE evaluations SET
        public_primary = (SELECT json_extract(m.value, '$.value')
                          FROM json_each(NEW.public_scores_json) m
                          WHERE json_extract(m.value, '$.name') = 'primary'),
        private_primary = (SELECT json_extract(m.value, '$.value')
                           FROM json_each(NEW.private_scores_json) m
                           WHERE json_extract(m.value, '$.name') = 'primary')
    WHERE id = NEW.id;
END;

-- A new evaluation: its lists rewritten as they are, which runs the trigger above.
CREATE TRIGGER evaluation_primaries_new AFTER INSERT ON evaluations
BEGIN
    UPDATE evaluations SET public_scores_json = public_scores_json WHERE id = NEW.id;
END;

-- Every stored evaluation, through `evaluation_primaries_edited`.
UPDATE evaluations SET public_scores_json = public_scores_json;

DROP INDEX submissions_by_team_day;
CREATE INDEX submissions_by_team_day ON submissions (challenge_id, team, created_at, status);

CREATE INDEX submissions_board ON submissions
    (challenge_id, status, created_at, id, team, model_name, is_baseline);

CREATE INDEX evaluations_board ON evaluations
    (submission_id, metrics_version, id, public_primary, private_primary);
