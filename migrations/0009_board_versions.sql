-- A version number per challenge that changes whenever its board could (issue 14: the web
-- board within 50 ms).
--
-- The web side keeps each challenge's rendered board and serves it again while this number is
-- unchanged, so a poll between two scores costs one indexed read instead of the whole board.
-- The number is kept by triggers rather than by the server's code so that no writer can change
-- what a board shows without changing it: a new or re-statused submission, a new evaluation, a
-- final selection made or withdrawn, a challenge closed or edited. It is only ever compared for
-- equality and never served.
CREATE TABLE board_versions (
    challenge_id TEXT    PRIMARY KEY REFERENCES challenges (id),
    version      INTEGER NOT NULL DEFAULT 0
);

INSERT INTO board_versions (challenge_id) SELECT id FROM challenges;

CREATE TRIGGER board_version_new_challenge AFTER INSERT ON challenges
BEGIN
    INSERT INTO board_versions (challenge_id) VALUES (NEW.id);
END;

CREATE TRIGGER board_version_challenge_changed AFTER UPDATE ON challenges
BEGIN
    UPDATE board_versions SET version = version + 1 WHERE challenge_id = NEW.id;
END;

CREATE TRIGGER board_version_new_submission AFTER INSERT ON submissions
BEGIN
    UPDATE board_versions SET version = version + 1 WHERE challenge_id = NEW.challenge_id;
END;

CREATE TRIGGER board_version_submission_changed AFTER UPDATE ON submissions
BEGIN
    UPDATE board_versions SET version = version + 1
    WHERE challenge_id IN (OLD.challenge_id, NEW.challenge_id);
END;

CREATE TRIGGER board_version_submission_deleted AFTER DELETE ON submissions
BEGIN
    UPDATE board_versions SET version = version + 1 WHERE challenge_id = OLD.challenge_id;
END;

CREATE TRIGGER board_version_new_evaluation AFTER INSERT ON evaluations
BEGIN
    UPDATE board_versions SET version = version + 1
    WHERE challenge_id = (SELECT challenge_id FROM submissions WHERE id = NEW.submission_id);
END;

CREATE TRIGGER board_version_evaluation_changed AFTER UPDATE ON evaluations
BEGIN
    UPDATE board_versions SET version = version + 1
    WHERE challenge_id IN (SELECT challenge_id FROM submissions
                           WHERE id IN (OLD.submission_id, NEW.submission_id));
END;

CREATE TRIGGER board_version_evaluation_deleted AFTER DELETE ON evaluations
BEGIN
    UPDATE board_versions SET version = version + 1
    WHERE challenge_id = (SELECT challenge_id FROM submissions WHERE id = OLD.submission_id);
END;

CREATE TRIGGER board_version_new_selection AFTER INSERT ON final_selections
BEGIN
    UPDATE board_versions SET version = version + 1 WHERE challenge_id = NEW.challenge_id;
END;

CREATE TRIGGER board_version_selection_withdrawn AFTER DELETE ON final_selections
BEGIN
    UPDATE board_versions SET version = version + 1 WHERE challenge_id = OLD.challenge_id;
END;

CREATE TRIGGER board_version_selection_changed AFTER UPDATE ON final_selections
BEGIN
    UPDATE board_versions SET version = version + 1
    WHERE challenge_id IN (OLD.challenge_id, NEW.challenge_id);
END;
