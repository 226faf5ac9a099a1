#!/usr/bin/env python3
"""Fit a leaky integrate-and-fire neuron to a fetched challenge and predict its test trials
(numpy only): the offline path a contestant takes.

    arena fetch injected-current-demo --out demo
    python3 examples/python/fit_lif.py demo --out predictions.json
    arena submit injected-current-demo --predictions predictions.json --model lif-numpy

`arena fetch` writes DIR/challenge.json (trial list, sampling step, file names by role) and one
.npy file per trace: `stimulus` (injected current, nA, float64, one sample per dt_s), and for
training trials `voltage` (mV, float32, repeats x samples) and `spikes` (s from trial start,
float64, repeats x max spikes, NaN-padded). The model and its fit are the ones of the live example
(lif_model.py, imported from beside this file): dV/dt = a V + b I + c by least squares away from
spikes, reset from the voltage 2 ms after spikes, threshold chosen to match the training spike
count. The predictions file is {"trials": {"<test trial id>": [[t, ...]]}}, one deterministic
repeat per test trial, times in seconds, sorted, inside [0, duration).
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lif_model import fit, load_training, simulate  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", help="folder written by `arena fetch`")
    parser.add_argument("--out", required=True, help="predictions JSON to write")
    args = parser.parse_args()

    dt, trials = load_training(args.data_dir)
    a, b, c, v_th, v_reset, rest = fit(dt, trials)
    print(f"fit_lif: tau = {-1 / a * 1000:.1f} ms, E_L = {rest:.1f} mV, "
          f"threshold = {v_th:.1f} mV, reset = {v_reset:.1f} mV", file=sys.stderr)
    with open(os.path.join(args.data_dir, "challenge.json")) as f:
        spec = json.load(f)
    predictions = {}
    for t in spec["trials"]:
        if t["split"] != "test":
            continue
        current = np.load(os.path.join(args.data_dir, t["files"]["stimulus"]))
        spikes, _, _ = simulate(current, dt, a, b, c, v_th, v_reset, rest)
        predictions[t["id"]] = [[s for s in spikes if 0.0 <= s < t["duration_s"]]]
    with open(args.out, "w") as f:
        json.dump({"trials": predictions}, f)
    n = sum(len(r[0]) for r in predictions.values())
    print(f"fit_lif: {len(predictions)} test trials, {n} predicted spikes -> {args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
