#!/usr/bin/env python3
"""A leaky integrate-and-fire model for Spike Arena live evaluation (numpy only).

Run it with:  arena run CHALLENGE --model 'python3 examples/python/lif_model.py'

The line protocol (one JSON object per line, see the README, "Connecting a live model"):
  stdin  <- {"type": "context", "dt_s", "chunk_s", "repeats", "trials": [...], "data_dir", ...}
  stdin  <- {"type": "chunk", "trial_id", "index", "t_start_s", "duration_s", "current_na": [...]}
  stdout -> {"trial_id", "index", "spikes": [[t, ...], ...]}   (one line per chunk, `repeats` trains,
                                                               seconds from trial start)
  stdin  <- {"type": "end", "status", "reason", "scores"}      (then stdin closes)

The model is fitted on the challenge's public training data (found in data_dir, as `arena fetch`
writes it): dV/dt = (E_L - V)/tau + I/C by least squares on samples at least 5 ms away from any
spike, the reset from the voltage 2 ms after spikes, and the threshold as the one (out of a grid)
whose simulated spike count on the first training trial is closest to the recorded one. Then it
integrates the stimulus online, chunk by chunk, keeping its state between chunks.
"""
import json
import os
import sys

import numpy as np

REFRACTORY_S = 0.002


def load_training(data_dir):
    with open(os.path.join(data_dir, "challenge.json")) as f:
        spec = json.load(f)
    trials = []
    for t in spec["trials"]:
        if t["split"] != "train":
            continue
        files = t["files"]
        current = np.load(os.path.join(data_dir, files["stimulus"]))
        voltage = np.load(os.path.join(data_dir, files["voltage"]))[0].astype(np.float64)
        spikes = np.load(os.path.join(data_dir, files["spikes"]))[0]
        trials.append((current, voltage, spikes[~np.isnan(spikes)]))
    return spec["dt_s"], trials


def simulate(current, dt, a, b, c, v_th, v_reset, v0, refractory_steps=0):
    """Forward Euler of dV/dt = a V + b I + c; returns spike times (s) and the final state."""
    v, hold, spikes = v0, refractory_steps, []
    for i, x in enumerate(current):
        if hold > 0:
            hold -= 1
            continue
        v_next = v + dt * (a * v + b * x + c)
        if v_next >= v_th:
            frac = (v_th - v) / (v_next - v) if v_next != v else 1.0
            spikes.append((i + frac) * dt)
            v, hold = v_reset, int(round(REFRACTORY_S / dt))
        else:
            v = v_next
    return spikes, v, hold


def fit(dt, trials):
    rows, targets, resets = [], [], []
    for current, voltage, spikes in trials:
        far = np.ones(len(voltage) - 1, dtype=bool)
        idx = (spikes / dt).astype(int)
        pad = int(0.005 / dt)
        for i in idx:
            far[max(0, i - pad): i + pad] = False
        dvdt = np.diff(voltage) / dt
        rows.append(np.column_stack([voltage[:-1][far], current[:-1][far], np.ones(far.sum())]))
        targets.append(dvdt[far])
        after = idx + int(0.002 / dt)
        resets.append(voltage[after[after < len(voltage)]])
    (a, b, c), *_ = np.linalg.lstsq(np.vstack(rows), np.concatenate(targets), rcond=None)
    v_reset = float(np.median(np.concatenate(resets)))
    current, voltage, spikes = trials[0]
    rest = -c / a
    best = None
    for v_th in np.linspace(rest + 2.0, rest + 30.0, 29):
        n = len(simulate(current, dt, a, b, c, v_th, v_reset, rest)[0])
        if best is None or abs(n - len(spikes)) < best[0]:
            best = (abs(n - len(spikes)), v_th)
    return a, b, c, best[1], v_reset, rest


def main():
    params, state, repeats = None, {}, 1
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["type"] == "context":
            dt_fit, trials = load_training(msg["data_dir"])
            params = fit(dt_fit, trials)
            dt, repeats = msg["dt_s"], msg["repeats"]
            a, b, c, v_th, v_reset, rest = params
            print(f"lif_model: tau = {-1 / a * 1000:.1f} ms, E_L = {rest:.1f} mV, "
                  f"threshold = {v_th:.1f} mV, reset = {v_reset:.1f} mV", file=sys.stderr)
        elif msg["type"] == "chunk":
            a, b, c, v_th, v_reset, rest = params
            v, hold = state.get(msg["trial_id"], (rest, 0))
            spikes, v, hold = simulate(msg["current_na"], dt, a, b, c, v_th, v_reset, v, hold)
            state[msg["trial_id"]] = (v, hold)
            t0, t1 = msg["t_start_s"], msg["t_start_s"] + msg["duration_s"]
            times = [min(max(t0 + s, t0), np.nextafter(t1, t0)) for s in spikes]
            answer = {"trial_id": msg["trial_id"], "index": msg["index"], "spikes": [times] * repeats}
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
        elif msg["type"] == "end":
            print(f"lif_model: {msg['status']} {msg.get('scores', {})}", file=sys.stderr)
            break


if __name__ == "__main__":
    main()
