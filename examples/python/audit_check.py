#!/usr/bin/env python3
"""Recompute per-trial scores of a Spike Arena audit bundle with numpy alone.

    python3 examples/python/audit_check.py BUNDLE_DIR [--tolerance 1e-12]

An independent check of `arena audit verify`: it reads the bundle's files (docs/audit.md) and
recomputes, for every trial predicted as spike trains, two of the stored per-trial scores from
their published definitions, without any Spike Arena code:

- coincidence_factor: Kistler's coincidence factor (Kistler, Gerstner & van Hemmen 1997, Neural
  Comput 9:1015; Jolivet et al. 2008, J Neurosci Methods 169:417),

      Gamma = (N_coinc - 2 nu Delta N_data) / (0.5 (N_data + N_model)) / (1 - 2 nu Delta),
      nu = N_model / T,

  N_coinc the size of a maximum one-to-one matching of recorded and predicted spikes with
  |t_d - t_m| <= Delta, averaged over every (hidden repeat, predicted repeat) pair; pairs of two
  empty trains are left out; undefined when 1 - 2 nu Delta <= 0.5 for some pair;
- intrinsic_reliability: the same mean over ordered pairs of distinct hidden repeats (Jolivet et
  al. 2008), undefined with fewer than 2 repeats.

T is the trial's duration and Delta the bundle's `params.delta_s`. Each value must equal the
stored one within the tolerance, relative to max(1, |stored|): 1e-12 by default (the sums are
taken in the same order as the scoring library, so in practice they agree to the last bit).
Exit 0 when every value agrees, 1 otherwise. Needs a full bundle (organizers and auditors): a
public one holds no per-trial scores.
"""

import argparse
import json
import os
import sys

import numpy as np


def coincidences(data, model, delta):
    """Maximum one-to-one matching within +-delta of two sorted spike-time arrays (a merge sweep)."""
    i = j = count = 0
    while i < len(data) and j < len(model):
        diff = model[j] - data[i]
        if diff > delta:
            i += 1
        elif -diff > delta:
            j += 1
        else:
            count += 1
            i += 1
            j += 1
    return count


def gamma(data, model, duration, delta):
    """Kistler's Gamma of one predicted train against one recorded train; None if undefined."""
    rate = len(model) / duration
    normaliser = 1.0 - 2.0 * rate * delta
    if normaliser <= 0.5:
        return None
    expected = 2.0 * rate * delta * len(data)
    return (coincidences(data, model, delta) - expected) / (0.5 * (len(data) + len(model))) / normaliser


def mean_gamma(pairs, duration, delta):
    """Mean Gamma over pairs, pairs of two empty trains left out; None if undefined."""
    total, n = 0.0, 0
    for data, model in pairs:
        if len(data) == 0 and len(model) == 0:
            continue
        g = gamma(data, model, duration, delta)
        if g is None:
            return None
        total += g
        n += 1
    return total / n if n else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle")
    parser.add_argument("--tolerance", type=float, default=1e-12)
    args = parser.parse_args()

    def load(name):
        with open(os.path.join(args.bundle, name), "rb") as f:
            return json.load(f)

    info, trials, scores = load("bundle.json"), load("trials.json"), load("scores.json")
    predictions = load("predictions.json")["trials"]
    if "trials" not in scores:
        sys.exit("audit_check: a public bundle holds no per-trial scores; a full bundle is needed")
    delta = info["params"]["delta_s"]
    stored = {t["trial_id"]: {m["name"]: m["value"] for m in t["scores"]} for t in scores["trials"]}
    checked, failed = 0, []
    for trial in trials:
        predicted = predictions[trial["id"]]
        if isinstance(predicted, dict):
            print(f"{trial['id']}: an intensity prediction has no spike trains; skipped")
            continue
        rows = np.load(os.path.join(args.bundle, trial["responses"]))
        recorded = [row[~np.isnan(row)] for row in rows]
        model = [np.asarray(r, dtype=float) for r in predicted]
        duration = trial["duration_s"]
        ours = {
            "coincidence_factor": mean_gamma(
                [(d, m) for d in recorded for m in model], duration, delta
            ),
            "intrinsic_reliability": mean_gamma(
                [(d, m) for i, d in enumerate(recorded) for j, m in enumerate(recorded) if i != j],
                duration,
                delta,
            )
            if len(recorded) >= 2
            else None,
        }
        for name, value in ours.items():
            theirs = stored[trial["id"]][name]
            same = (value is None and theirs is None) or (
                value is not None
                and theirs is not None
                and abs(value - theirs) <= args.tolerance * max(1.0, abs(theirs))
            )
            checked += 1
            print(f"{trial['id']} {name}: stored {theirs}, recomputed {value}: {'ok' if same else 'DIFFERS'}")
            if not same:
                failed.append(f"{trial['id']} {name}")
    if failed:
        sys.exit(f"audit_check: {len(failed)} of {checked} values differ: {', '.join(failed)}")
    print(f"audit_check: {checked} values agree within {args.tolerance:g}")


if __name__ == "__main__":
    main()
