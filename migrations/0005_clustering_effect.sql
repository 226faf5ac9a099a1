-- Dendritic challenges: the generator's clustering-effect check (clustered test trials versus each
-- control), kept so that organizers and auditors can see it again after creation (`arena gauntlet`).
-- It is serde JSON of `arena_challenge::dendritic::EffectReport`; NULL for every other family.
--
-- A column, not a table of its own: there is exactly one report per challenge, written once in the
-- INSERT that creates the challenge and never changed, so a 1:1 table would only add a join. Like
-- `hidden_seed` it is hidden data (pooled spike counts of the hidden test trials per condition):
-- the store reads it only through its own query, never with the challenge columns that contestants'
-- calls (list, fetch) are built from.
ALTER TABLE challenges ADD COLUMN clustering_effect_json TEXT;
