#!/usr/bin/env python3
"""Write peer-tool fixtures for the arena-scoring tests.

Run by hand, never in CI:

    python3 scoring/peer/make_fixtures.py [--venv DIR]

If PySpike and Elephant are not importable, the script creates a throwaway virtualenv
OUTSIDE the repository (default: /tmp/spike-arena-peer-venv), installs the pinned peers into
it and re-runs itself there. It writes scoring/tests/fixtures/peer_values.json: seeded
spike-train pairs (10 to 10 000 spikes plus edge cases) with the values PySpike 0.9 and
Elephant 1.2 report. scoring/tests/peer_fixtures.rs compares the Rust metrics with them.
"""
import argparse
import json
import os
import subprocess
import sys

PINNED = ["numpy>=2", "pyspike==0.9.0", "elephant==1.2.1"]
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "peer_values.json")


def ensure_peers(venv):
    try:
        import pyspike  # noqa: F401
        import elephant  # noqa: F401
        return
    except ImportError:
        pass
    if os.environ.get("SPIKE_ARENA_PEER_REEXEC"):
        sys.exit("peers still missing inside the virtualenv; see pip output above")
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, "-m", "venv", venv])
    subprocess.check_call([py, "-m", "pip", "install", "-q"] + PINNED)
    env = dict(os.environ, SPIKE_ARENA_PEER_REEXEC="1")
    # Re-run the script that was started (this module is imported by the bench script too).
    os.execve(py, [py, os.path.abspath(sys.argv[0])] + sys.argv[1:], env)


def cases():
    """(name, window, a, b) tuples: seeded random pairs and hand-picked edge cases."""
    import numpy as np

    def clean(t, lo, hi):
        t = np.unique(np.round(np.asarray(t, dtype=float), 7))
        return [float(x) for x in t if lo <= x <= hi]

    out = []
    rng = np.random.default_rng(20240611)
    for n, rate in [(10, 10.0), (100, 20.0), (1000, 20.0), (10000, 20.0)]:
        T = n / rate
        a = np.sort(rng.uniform(0, T, n))
        # b: a jittered by 2 ms, 20 % deleted, 20 % new spikes: realistic partial agreement.
        keep = rng.random(n) > 0.2
        b = np.concatenate([a[keep] + rng.normal(0, 0.002, keep.sum()),
                            rng.uniform(0, T, int(0.2 * n))])
        out.append((f"related_{n}", [0.0, T], clean(a, 0, T), clean(b, 0, T)))
        c = rng.uniform(0, T, n)
        out.append((f"independent_{n}", [0.0, T], clean(a, 0, T), clean(c, 0, T)))
    W = [0.0, 1.0]
    out += [
        ("empty_empty", W, [], []),
        ("empty_one", W, [], [0.3]),
        ("one_one", W, [0.3], [0.7]),
        ("identical", W, [0.1, 0.35, 0.6, 0.9], [0.1, 0.35, 0.6, 0.9]),
        ("partly_coincident", W, [0.1, 0.35, 0.6, 0.9], [0.1, 0.4, 0.6, 0.95]),
        ("first_at_start", W, [0.0, 0.2, 0.5], [0.1, 0.45, 0.8]),
        ("both_at_start", W, [0.0, 0.4], [0.0, 0.6, 0.7]),
        ("single_at_start", W, [0.0], [0.3, 0.6]),
        ("last_at_end", W, [0.2, 0.5, 1.0], [0.25, 0.7]),
        ("at_both_edges", W, [0.0, 1.0], [0.5]),
        ("empty_vs_many", W, [], [0.1, 0.2, 0.3, 0.5, 0.8]),
        ("offset_window", [2.5, 7.5], [2.6, 3.1, 4.0, 6.2, 7.4], [2.5, 3.0, 4.1, 5.0, 7.45]),
        ("close_pairs", W, [0.1, 0.1001, 0.5], [0.1002, 0.5, 0.5003]),
    ]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", default="/tmp/spike-arena-peer-venv")
    args = parser.parse_args()
    ensure_peers(args.venv)

    import elephant
    import neo
    import numpy as np
    import pyspike as spk
    import quantities as pq
    from elephant.spike_train_dissimilarity import van_rossum_distance, victor_purpura_distance

    vp_qs = [10.0, 100.0, 1000.0]  # 1/s
    vr_taus = [0.001, 0.01, 0.1]  # s
    records = []
    for name, (t0, t1), a, b in cases():
        sa, sb = spk.SpikeTrain(np.array(a), [t0, t1]), spk.SpikeTrain(np.array(b), [t0, t1])
        na = neo.SpikeTrain(np.array(a) * pq.s, t_start=t0 * pq.s, t_stop=t1 * pq.s)
        nb = neo.SpikeTrain(np.array(b) * pq.s, t_start=t0 * pq.s, t_stop=t1 * pq.s)
        rec = {
            "name": name,
            "window": [t0, t1],
            "a": a,
            "b": b,
            "pyspike": {
                "isi_distance": float(spk.isi_distance(sa, sb)),
                "spike_distance": float(spk.spike_distance(sa, sb)),
                "spike_sync": float(spk.spike_sync(sa, sb)),
            },
            "elephant": {
                "victor_purpura": [
                    {"q_per_s": q,
                     "value": float(victor_purpura_distance([na, nb], q * pq.Hz)[0, 1])}
                    for q in vp_qs
                ],
                "van_rossum": [
                    {"tau_s": tau,
                     "value": float(van_rossum_distance([na, nb], tau * pq.s)[0, 1])}
                    for tau in vr_taus
                ],
            },
        }
        records.append(rec)
        print(f"{name}: {len(a)} / {len(b)} spikes", file=sys.stderr)
    doc = {
        "generator": "scoring/peer/make_fixtures.py",
        "peers": {"pyspike": spk.__version__ if hasattr(spk, "__version__") else "0.9.0",
                  "elephant": elephant.__version__, "numpy": np.__version__},
        "cases": records,
    }
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.normpath(OUT)} ({os.path.getsize(OUT)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
