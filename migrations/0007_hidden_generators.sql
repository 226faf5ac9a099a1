-- Hidden generators (issue 13 F).
--
-- A contestant fetches the public view of a simulated challenge's manifest, without the reference
-- neuron's parameters, the synaptic weights and kinetics or the noise. It is fixed when the
-- challenge is created and served byte for byte, so that its hash never changes.
--
-- Two dataset hashes: `dataset_hash` keeps its definition (the organizer's manifest and uploaded
-- data files, generator included; organizers and auditors only), and `public_dataset_hash` covers
-- exactly what a contestant fetches (the served manifest and every served file), so that it can
-- be checked against a download and confirms nothing the download does not show. Evaluations pin
-- both at scoring time.
--
-- Challenges created before this migration served their full manifest, and keep serving what they
-- served under the hash they showed: their public view is their manifest, their public hash their
-- dataset hash. Recreate such a challenge to hide its generator.
ALTER TABLE challenges ADD COLUMN public_manifest_toml TEXT NOT NULL DEFAULT '';
ALTER TABLE challenges ADD COLUMN public_dataset_hash TEXT NOT NULL DEFAULT '';
UPDATE challenges SET public_manifest_toml = manifest_toml, public_dataset_hash = dataset_hash;

ALTER TABLE evaluations ADD COLUMN public_dataset_hash TEXT NOT NULL DEFAULT '';
UPDATE evaluations SET public_dataset_hash = dataset_hash;
