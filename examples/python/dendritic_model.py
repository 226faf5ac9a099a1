#!/usr/bin/env python3
"""A simple dendritic model for Spike Arena live evaluation (numpy only).

Run it with:  arena run CHALLENGE --model 'python3 examples/python/dendritic_model.py' --repeats 20

On a clustered-dendritic challenge the server streams synaptic events instead of a current. The
line protocol (one JSON object per line, docs/live.md):
  stdin  <- {"type": "context", "dt_s", "chunk_s", "repeats", "n_synapses",
             "trials": [{"id", "duration_s", "n_chunks", "condition"}], "data_dir", ...}
  stdin  <- {"type": "chunk", "trial_id", "index", "t_start_s", "duration_s",
             "events": [[synapse_id, t_s], ...]}
  stdout -> {"trial_id", "index", "spikes": [[t, ...], ...]}   (one line per chunk, `repeats`
                                                               trains, seconds from trial start)
  stdin  <- {"type": "end", "status", "reason", "scores"}      (then stdin closes)

The model: in 1 ms bins, the events of each synapse group (excitatory per dendritic region,
inhibitory together) are filtered by a fast (5 ms) and a slow (50 ms, NMDA-like) exponential
kernel; one more input measures synchrony on one branch, the largest fast-filtered excitatory
count over the branches, which is what a cluster raises and its controls do not. The firing
rate is exp(w . x + b) (an escape rate), fitted by Poisson regression (Newton's method with a
small ridge) on every repeat of the public training trials, read from data_dir as `arena fetch`
writes it (challenge.json, synapses.json, each trial's events.npy and spikes.npy). Live, the
filters run on each chunk's events as they arrive (causal: a chunk's answer depends on the events
seen so far), and each repeat draws at most one spike per bin.
"""
import json
import os
import sys

import numpy as np

BIN_S = 0.001
FAST_S = 0.005
SLOW_S = 0.050
RIDGE = 1e-2
REFRACTORY_BINS = 2


class Features:
    """The synapse groups of the public synapse table and the filters over them."""

    def __init__(self, synapses):
        regions = sorted({s["region"] for s in synapses if s["type"] != "GABA_A"})
        excitatory = {r: i for i, r in enumerate(regions)}
        n_groups = len(regions) + 1  # the excitatory regions, then all inhibition
        self.group = np.array(
            [excitatory[s["region"]] if s["type"] != "GABA_A" else n_groups - 1 for s in synapses]
        )
        branches = sorted({s["branch"] for s in synapses})
        index = {b: i for i, b in enumerate(branches)}
        self.branch = np.array([index[s["branch"]] for s in synapses])
        self.is_excitatory = np.array([s["type"] != "GABA_A" for s in synapses])
        self.n_groups, self.n_branches = n_groups, len(branches)
        self.size = 2 * n_groups + 1

    def start(self):
        """The filter state at the start of a trial."""
        return {
            "fast": np.zeros(self.n_groups),
            "slow": np.zeros(self.n_groups),
            "branch": np.zeros(self.n_branches),
        }

    def run(self, state, ids, times_s, t0, n_bins):
        """Features of `n_bins` bins from `t0` (s); events (ids, times) inside them; updates state."""
        out = np.empty((n_bins, self.size))
        ids = np.asarray(ids, dtype=int)
        k = np.clip(((np.asarray(times_s) - t0) / BIN_S).astype(int), 0, max(n_bins - 1, 0))
        fast, slow = np.exp(-BIN_S / FAST_S), np.exp(-BIN_S / SLOW_S)
        order = np.argsort(k, kind="stable")
        ids, k = ids[order], k[order]
        bounds = np.searchsorted(k, np.arange(n_bins + 1))
        for b in range(n_bins):
            here = ids[bounds[b]:bounds[b + 1]]
            counts = np.bincount(self.group[here], minlength=self.n_groups)
            state["fast"] = state["fast"] * fast + counts
            state["slow"] = state["slow"] * slow + counts
            exc = here[self.is_excitatory[here]]
            state["branch"] = state["branch"] * fast + np.bincount(
                self.branch[exc], minlength=self.n_branches
            )
            out[b, : self.n_groups] = state["fast"]
            out[b, self.n_groups : 2 * self.n_groups] = state["slow"]
            out[b, -1] = state["branch"].max()
        return out


def load_training(data_dir, features):
    with open(os.path.join(data_dir, "challenge.json")) as f:
        spec = json.load(f)
    xs, ys = [], []
    for t in spec["trials"]:
        if t["split"] != "train" or "spikes" not in t["files"]:
            continue
        events = np.load(os.path.join(data_dir, t["files"]["events"]))
        spikes = np.load(os.path.join(data_dir, t["files"]["spikes"]))
        n_bins = int(round(t["duration_s"] / BIN_S))
        x = features.run(features.start(), events[:, 0], events[:, 1] * 1e-3, 0.0, n_bins)
        for repeat in np.atleast_2d(spikes):
            times = repeat[~np.isnan(repeat)]
            xs.append(x)
            ys.append(np.bincount((times / BIN_S).astype(int), minlength=n_bins)[:n_bins])
    return np.vstack(xs), np.concatenate(ys).astype(float)


def fit(x, y):
    """Poisson regression: rate per bin exp(w . z + b), z the standardised features."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.column_stack([(x - mean) / scale, np.ones(len(x))])
    w = np.zeros(z.shape[1])
    w[-1] = np.log(max(y.mean(), 1e-4))
    for _ in range(50):
        mu = np.exp(np.clip(z @ w, -30, 5))
        grad = z.T @ (y - mu) - RIDGE * np.r_[w[:-1], 0.0]
        hess = (z * mu[:, None]).T @ z + RIDGE * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w += step
        if np.abs(step).max() < 1e-6:
            break
    return mean, scale, w


def main():
    model, features, states, rng, repeats = None, None, {}, None, 1
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["type"] == "context":
            data_dir, repeats = msg["data_dir"], msg["repeats"]
            with open(os.path.join(data_dir, "synapses.json")) as f:
                synapses = json.load(f)["synapses"]
            assert len(synapses) == msg["n_synapses"], "the synapse table is the challenge's"
            features = Features(synapses)
            model = fit(*load_training(data_dir, features))
            rng = np.random.default_rng(0)
            print(f"dendritic_model: {features.size} inputs, weights {np.round(model[2], 2)}",
                  file=sys.stderr)
        elif msg["type"] == "chunk":
            mean, scale, w = model
            trial = msg["trial_id"]
            state, hold = states.get(trial, (features.start(), np.zeros(repeats, dtype=int)))
            t0, t1 = msg["t_start_s"], msg["t_start_s"] + msg["duration_s"]
            n_bins = int(np.ceil((t1 - t0) / BIN_S - 1e-9))
            events = np.asarray(msg["events"], dtype=float).reshape(-1, 2)
            x = features.run(state, events[:, 0], events[:, 1], t0, n_bins)
            rate = np.exp(np.clip(((x - mean) / scale) @ w[:-1] + w[-1], -30, 5))
            width = np.minimum(BIN_S, t1 - (t0 + np.arange(n_bins) * BIN_S))
            spikes = [[] for _ in range(repeats)]
            for b in range(n_bins):
                fire = (rng.random(repeats) < 1.0 - np.exp(-rate[b] * width[b] / BIN_S)) & (hold <= 0)
                hold -= 1
                for r in np.flatnonzero(fire):
                    t = t0 + b * BIN_S + rng.random() * width[b]
                    spikes[r].append(min(t, np.nextafter(t1, t0)))
                hold[fire] = REFRACTORY_BINS
            states[trial] = (state, hold)
            answer = {"trial_id": trial, "index": msg["index"], "spikes": spikes}
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
        elif msg["type"] == "end":
            print(f"dendritic_model: {msg['status']} {msg.get('scores', {})}", file=sys.stderr)
            break


if __name__ == "__main__":
    main()
