-- Recorded challenges: the organizer uploads the hidden test recordings once, beside the public data
-- files. They are kept for audit (the hidden trials are re-derivable from them) and never served.
ALTER TABLE dataset_files ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
