#!/usr/bin/env python3
"""Write brian2modelfitting Γ fixtures for the arena-scoring tests.

Run by hand, never in CI:

    python3 scoring/peer/make_b2_fixtures.py [--venv DIR]

brian2modelfitting 0.4 imports `numpy.NaN`, so it needs numpy < 2 (and
bayesian-optimization < 1.5) in its OWN throwaway virtualenv, created outside the repository
(default: /tmp/spike-arena-b2-venv) when the package is not importable.

Writes scoring/tests/fixtures/b2_gamma.json: seeded pairs of spike trains on a 0.1 ms grid
with `get_gamma_factor(model, data, delta=4 ms, time=T, dt=0.1 ms, rate_correction=False)`.
That function returns the error 1 − Γ_b2 (clipped at 0), so Γ_b2 = 1 − value.
"""
import argparse
import json
import os
import subprocess
import sys

PINNED = ["numpy<2", "bayesian-optimization<1.5", "brian2modelfitting==0.4"]
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "b2_gamma.json")


def ensure_peer(venv):
    try:
        import brian2modelfitting  # noqa: F401
        return
    except ImportError:
        pass
    if os.environ.get("SPIKE_ARENA_PEER_REEXEC"):
        sys.exit("brian2modelfitting still missing inside the virtualenv")
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, "-m", "venv", venv])
    subprocess.check_call([py, "-m", "pip", "install", "-q"] + PINNED)
    env = dict(os.environ, SPIKE_ARENA_PEER_REEXEC="1")
    os.execve(py, [py, os.path.abspath(__file__)] + sys.argv[1:], env)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", default="/tmp/spike-arena-b2-venv")
    args = parser.parse_args()
    ensure_peer(args.venv)

    import brian2modelfitting
    import numpy as np
    from brian2 import ms, second
    from brian2modelfitting.metric import get_gamma_factor

    rng = np.random.default_rng(97)
    dt_steps = 1e-4  # s
    cases = []

    def grid(t, T):
        # Spike times on the 0.1 ms grid, as integers of steps then back to seconds.
        k = np.unique(np.clip(np.rint(np.asarray(t) / dt_steps).astype(int), 1,
                              int(round(T / dt_steps)) - 1))
        return [float(x) * dt_steps for x in k]

    for n, rate in [(10, 10.0), (100, 15.0), (1000, 20.0)]:
        T = n / rate
        a = rng.uniform(0, T, n)
        # Equal-size prediction: every data spike jittered by ≤ 2 ms (one-to-one, same rate).
        same_rate = a + rng.uniform(-0.002, 0.002, n)
        # A denser prediction: 70 % of the jittered spikes plus 0.8 n random ones (rates
        # differ AND some data spikes are missed; when every data spike is matched, both
        # conventions reduce to 2 N_coinc / (N_data + N_model) and agree).
        keep = rng.random(n) < 0.7
        denser = np.concatenate([same_rate[keep], rng.uniform(0, T, int(0.8 * n))])
        for label, b in [("same_rate", same_rate), ("denser", denser)]:
            data, model = grid(a, T), grid(b, T)
            err = get_gamma_factor(np.array(model) * second, np.array(data) * second,
                                   4 * ms, T * second, 0.1 * ms, rate_correction=False)
            cases.append({"name": f"{label}_{n}", "window": [0.0, T], "data": data,
                          "model": model, "gamma_b2": 1.0 - float(err)})
            print(cases[-1]["name"], cases[-1]["gamma_b2"], file=sys.stderr)
    doc = {"generator": "scoring/peer/make_b2_fixtures.py",
           "peer": {"brian2modelfitting": brian2modelfitting.__version__
                    if hasattr(brian2modelfitting, "__version__") else "0.4",
                    "numpy": np.__version__},
           "delta_s": 0.004, "dt_s": dt_steps, "cases": cases}
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.normpath(OUT)} ({os.path.getsize(OUT)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
