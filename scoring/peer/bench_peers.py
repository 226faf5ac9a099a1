#!/usr/bin/env python3
"""Time PySpike and Elephant against arena-scoring on the same trains, in the same run.

    python3 scoring/peer/bench_peers.py [--spikes 100000] [--vp-spikes 10000]

Two tables. Per metric: each kernel alone, ours in the `time_metrics` example. Whole process:
`arena score --json` (release build, file parsing included) as a subprocess, wall time and peak
resident memory: three spikes in a 100 000 s window and two 1M-spike trains, ours only; then the
peers' ISI + SPIKE + SPIKE-synchronisation (PySpike) and van Rossum (Elephant) in-process on the
same trains against `arena score --metrics` with the same four metrics (like for like), and
against all 15 scores of `arena score` (the Gaussian pair sums of the Schreiber correlation and
the explained variance are most of that).

Uses the virtualenv of make_fixtures.py (created if needed). Writes two seeded related
trains (about --spikes spikes each) to a temporary PySpike-format text file, runs
`cargo run --release --example time_metrics` on it, times the peers on the same file and
prints seconds per call and the ratio peer / ours. Elephant's Victor–Purpura is O(n·m) in
Python, so it is timed on the first --vp-spikes spikes of each train (and so are we, for that
row).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_fixtures import ensure_peers  # noqa: E402


def best_of(f, min_total=0.3, min_calls=3):
    samples, start = [], time.perf_counter()
    while len(samples) < min_calls or time.perf_counter() - start < min_total:
        t = time.perf_counter()
        f()
        samples.append(time.perf_counter() - t)
    return min(samples)  # fastest call: least sensitive to other processes


def ours(path, t0, t1):
    env = dict(os.environ)
    out = subprocess.check_output(
        ["cargo", "run", "-q", "--release", "-p", "arena-scoring", "--example", "time_metrics",
         "--", path, str(t0), str(t1)], cwd=os.path.join(HERE, "..", ".."), env=env)
    return json.loads(out)


def whole_process(arena, truth, pred, extra=()):
    """(best wall seconds over 5 runs, peak resident MB) of `arena score --json`.

    The peak comes from GNU time (`/usr/bin/time -f %M`, Debian package `time`): a child's
    ru_maxrss as Python reads it counts the pages of this (large) process it was forked from.
    """
    cmd = [arena, "score", "--truth", truth, "--pred", pred, "--json", *extra]
    walls = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - t)
    gnu_time = shutil.which("time") or "/usr/bin/time"
    if not os.path.exists(gnu_time):
        return min(walls), float("nan")
    out = subprocess.run([gnu_time, "-f", "%M", *cmd], check=True, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    return min(walls), int(out.stderr.strip().splitlines()[-1]) / 1024


def one_train_file(path, x):
    with open(path, "w") as f:
        f.write(" ".join(repr(float(v)) for v in x) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", default="/tmp/spike-arena-peer-venv")
    parser.add_argument("--spikes", type=int, default=100_000)
    parser.add_argument("--vp-spikes", type=int, default=10_000)
    args = parser.parse_args()
    ensure_peers(args.venv)

    import neo
    import numpy as np
    import pyspike as spk
    import quantities as pq
    from elephant.spike_train_dissimilarity import van_rossum_distance, victor_purpura_distance

    rng = np.random.default_rng(5)
    rate = 20.0
    T = args.spikes / rate
    a = np.unique(np.round(rng.uniform(0, T, args.spikes), 7))
    keep = rng.random(a.size) > 0.2
    b = np.concatenate([a[keep] + rng.normal(0, 0.002, keep.sum()),
                        rng.uniform(0, T, int(0.2 * a.size))])
    b = np.unique(np.round(b[(b >= 0) & (b < T)], 7))

    def write(x, y, path):
        with open(path, "w") as f:
            f.write("# two related trains, seconds\n")
            f.write(" ".join(repr(float(v)) for v in x) + "\n")
            f.write(" ".join(repr(float(v)) for v in y) + "\n")

    tmp = tempfile.mkdtemp(prefix="arena-bench-")
    big, small = os.path.join(tmp, "big.txt"), os.path.join(tmp, "small.txt")
    write(a, b, big)
    n = args.vp_spikes
    Ts = float(max(a[n - 1], b[min(n, b.size) - 1])) + 1e-3
    write(a[:n], b[b < Ts][:n], small)
    mine_big, mine_small = ours(big, 0.0, T), ours(small, 0.0, Ts)

    sa, sb = spk.SpikeTrain(a, [0.0, T]), spk.SpikeTrain(b, [0.0, T])
    na = neo.SpikeTrain(a * pq.s, t_stop=T * pq.s)
    nb = neo.SpikeTrain(b * pq.s, t_stop=T * pq.s)
    va = neo.SpikeTrain(a[:n] * pq.s, t_stop=Ts * pq.s)
    vb = neo.SpikeTrain(b[b < Ts][:n] * pq.s, t_stop=Ts * pq.s)
    rows = [
        ("isi_distance", a.size, lambda: spk.isi_distance(sa, sb), mine_big),
        ("spike_distance", a.size, lambda: spk.spike_distance(sa, sb), mine_big),
        ("spike_sync", a.size, lambda: spk.spike_sync(sa, sb), mine_big),
        ("van_rossum", a.size, lambda: van_rossum_distance([na, nb], 0.01 * pq.s), mine_big),
        ("victor_purpura", n, lambda: victor_purpura_distance([va, vb], 100 * pq.Hz), mine_small),
    ]
    print(f"{'metric':16} {'spikes':>8} {'peer s':>10} {'ours s':>10} {'peer/ours':>10}")
    for name, count, peer, mine in rows:
        tp = best_of(peer, min_total=0.3, min_calls=1 if name == "victor_purpura" else 3)
        to = mine[name]
        print(f"{name:16} {count:8d} {tp:10.3e} {to:10.3e} {tp / to:10.1f}")

    # Whole process: wall time and each child's own peak resident set (os.wait4).
    root = os.path.join(HERE, "..", "..")
    subprocess.check_call(["cargo", "build", "-q", "--release", "-p", "arena-client", "--bin", "arena"],
                          cwd=root)
    arena = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target")), "release", "arena")
    ta, tb = os.path.join(tmp, "truth.txt"), os.path.join(tmp, "pred.txt")
    print(f"\n{'whole process':36} {'peer s':>10} {'ours s':>10} {'peer/ours':>10} {'ours MB':>8}")
    one_train_file(ta, [1.0, 50000.0, 99999.0])
    one_train_file(tb, [1.001, 50000.002])
    wall, mb = whole_process(arena, ta, tb, ("--end", "100000"))
    print(f"{'3 spikes, 100 000 s window':36} {'':>10} {wall:10.3e} {'':>10} {mb:8.1f}")
    big_a = np.unique(np.round(rng.uniform(0, 10 * T, 10 * args.spikes), 7))
    big_b = np.unique(np.round(big_a + rng.normal(0, 0.002, big_a.size), 7))
    big_b = big_b[(big_b >= 0) & (big_b < 10 * T)]
    one_train_file(ta, big_a)
    one_train_file(tb, big_b)
    wall, mb = whole_process(arena, ta, tb)
    print(f"{f'{big_a.size} spikes each':36} {'':>10} {wall:10.3e} {'':>10} {mb:8.1f}")
    one_train_file(ta, a)
    one_train_file(tb, b)

    def peers():
        spk.isi_distance(sa, sb)
        spk.spike_distance(sa, sb)
        spk.spike_sync(sa, sb)
        van_rossum_distance([na, nb], 0.01 * pq.s)

    tp = best_of(peers, min_total=1.0, min_calls=3)
    wall, mb = whole_process(arena, ta, tb, ("--metrics", "isi_distance,spike_distance,spike_sync,van_rossum"))
    print(f"{f'{a.size} spikes each, same 4 metrics':36} {tp:10.3e} {wall:10.3e} {tp / wall:10.1f} {mb:8.1f}")
    wall, mb = whole_process(arena, ta, tb)
    print(f"{f'{a.size} spikes each, all 15 scores':36} {tp:10.3e} {wall:10.3e} {tp / wall:10.1f} {mb:8.1f}")


if __name__ == "__main__":
    main()
