-- Paired designs (the clustered-dendritic family): each test trial may carry its condition, so a
-- submission is scored on clustered and on control trials separately.
ALTER TABLE trials ADD COLUMN condition TEXT
    CHECK (condition IN ('clustered', 'time-dispersed', 'space-scattered'));
