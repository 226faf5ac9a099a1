#!/usr/bin/env python3
"""Write Md* values computed by the GIF fitting toolbox of the Gerstner lab (Pozzorini, Mensi,
Naud et al.) for the arena-scoring tests.

Run by hand, never in CI:

    git clone https://github.com/pozzorin/GIFFittingToolbox /tmp/GIFFittingToolbox
    git -C /tmp/GIFFittingToolbox checkout 5b2e17e77c9547963f3363684d26c57adfefa4d2
    python3 scoring/peer/make_md_star_fixture.py --toolbox /tmp/GIFFittingToolbox [--venv DIR]

Nothing of the toolbox is copied into this repository. The script copies
src/SpikeTrainComparator.py (checked against its pinned git blob hash) into a temporary
directory OUTSIDE the repository, makes it importable under Python 3 there with two throwaway
changes, and calls it:

  1. its four Python 2 `print "..." % x` statements become `print(...)` calls;
  2. `matplotlib` (imported at the top, used only by its plotting method) is replaced by an
     empty stub module.

The computation itself (`computeMD_Kistler`, `Md_dotProduct_Kistler`, `getSpikeTrain`,
`getAverageSpikeTrain`) runs unmodified. If numpy/scipy are missing, a throwaway virtualenv is
created (default /tmp/spike-arena-md-venv) and the script re-runs itself there.

Conventions of the toolbox, and how the fixture makes them agree with ours
(scoring/tests/md_star_peer.rs compares):

* Times in ms, binned at dt: spike i goes to bin int(t/dt). Spikes here lie on a 0.5 ms grid
  and dt = 0.25 ms, so binning is exact.
* Kistler kernel: the data PSTH is convolved with a box of 2*int(delta/dt) bins
  (`fftconvolve(..., mode='same')`). An even-length box centred by 'same' covers bin lags
  [-k, k-1] with k = int(delta/dt): t_model - t_data in [-k*dt, (k-1)*dt], one bin
  asymmetric. With delta = 4.25 ms, k = 17: lags [-4.25, 4.0] ms, which on the 0.5 ms spike
  grid contains exactly the lags with |lag| <= 4.0 ms, the same pairs as our symmetric
  |t - t'| <= Delta for any Delta in [4.0, 4.5) ms. The Rust test uses Delta = 4.25 ms.
* Recorded norm: unbiased, pairs i < j over N_D(N_D-1)/2, as ours.
* Model norm: <mean model train, mean model train> (biased: includes each repeat with itself),
  where ours is unbiased for N_M >= 2. The two agree for N_M = 1 (deterministic prediction).
  The fixture therefore stores the toolbox's three products separately; the Rust test checks
  our cross product and recorded norm against them, our Md* against theirs when N_M = 1, and,
  for N_M >= 2, Md* built from our products with the biased model norm.
* The FFT leaves round-off of order 1e-12 on integer pair counts; the test allows 1e-9
  relative.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import types

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "md_star_peer.json")
TOOLBOX_COMMIT = "5b2e17e77c9547963f3363684d26c57adfefa4d2"
COMPARATOR_BLOB = "deef5ead8d0d54716838bafa4608aab398fd7733"  # git hash of the pinned file
PINNED = ["numpy>=2", "scipy>=1.11"]
GRID_MS = 0.5
DT_MS = 0.25
DELTA_MS = 4.25


def ensure_deps(venv):
    try:
        import numpy  # noqa: F401
        import scipy  # noqa: F401
        return
    except ImportError:
        pass
    if os.environ.get("SPIKE_ARENA_MD_REEXEC"):
        sys.exit("numpy/scipy still missing inside the virtualenv; see pip output above")
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, "-m", "venv", venv])
    subprocess.check_call([py, "-m", "pip", "install", "-q"] + PINNED)
    env = dict(os.environ, SPIKE_ARENA_MD_REEXEC="1")
    os.execve(py, [py, os.path.abspath(__file__)] + sys.argv[1:], env)


def load_comparator(toolbox):
    """Import the toolbox's SpikeTrainComparator from a Python 3 copy in a temporary dir."""
    src = os.path.join(toolbox, "src", "SpikeTrainComparator.py")
    with open(src, "rb") as f:
        raw = f.read()
    blob = hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()
    if blob != COMPARATOR_BLOB:
        sys.exit(f"{src} is not the pinned version (blob {blob}); check out {TOOLBOX_COMMIT}")
    text = raw.decode()
    text, n = re.subn(r'^(\s*)print (".*)$', r"\1print(\2)", text, flags=re.M)
    assert n == 4, f"expected 4 Python 2 print statements, found {n}"
    tmp = tempfile.mkdtemp(prefix="gif-toolbox-py3-")
    with open(os.path.join(tmp, "SpikeTrainComparator.py"), "w") as f:
        f.write(text)
    mpl = types.ModuleType("matplotlib")
    mpl.pyplot = types.ModuleType("matplotlib.pyplot")
    sys.modules.setdefault("matplotlib", mpl)
    sys.modules.setdefault("matplotlib.pyplot", mpl.pyplot)
    sys.path.insert(0, tmp)
    import SpikeTrainComparator as stc_module

    return stc_module.SpikeTrainComparator, tmp


def cases():
    """(name, T_ms, data, model): spike trains as sorted integer indices on the 0.5 ms grid."""
    import numpy as np

    rng = np.random.default_rng(2011)

    def grid(times_ms, t_ms):
        k = np.unique(np.round(np.asarray(times_ms) / GRID_MS).astype(np.int64))
        return [int(x) for x in k if 0 <= x and x * GRID_MS < t_ms]

    def neuron(t_ms, event_hz, n, reliability, jitter_ms, background_hz):
        events = rng.uniform(0, t_ms, rng.poisson(event_hz * t_ms / 1000))
        out = []
        for _ in range(n):
            kept = events[rng.random(events.size) < reliability]
            spikes = np.concatenate([
                kept + rng.normal(0, jitter_ms, kept.size),
                rng.uniform(0, t_ms, rng.poisson(background_hz * t_ms / 1000)),
            ])
            out.append(grid(spikes, t_ms))
        return out, events

    out = []
    for name, t_ms, n_d, n_m, model_jitter in [
        ("nd2_nm1", 5000.0, 2, 1, 2.0),
        ("nd3_nm1", 8000.0, 3, 1, 1.0),
        ("nd5_nm1_far", 8000.0, 5, 1, 8.0),
        ("nd3_nm4", 6000.0, 3, 4, 2.0),
        ("nd4_nm20", 4000.0, 4, 20, 3.0),
        ("nd13_nm13", 3000.0, 13, 13, 1.5),
    ]:
        data, events = neuron(t_ms, 15.0, n_d, 0.8, 1.5, 2.0)
        model = []
        for _ in range(n_m):
            kept = events[rng.random(events.size) < 0.7]
            model.append(grid(np.concatenate([
                kept + rng.normal(0, model_jitter, kept.size),
                rng.uniform(0, t_ms, rng.poisson(3.0 * t_ms / 1000)),
            ]), t_ms))
        out.append((name, t_ms, data, model))
    # Edge cases: a model identical to the first recorded repeat; an empty model; an
    # independent Poisson model (chance coincidences only).
    data, _ = neuron(4000.0, 20.0, 3, 0.8, 1.0, 1.0)
    out.append(("model_equals_repeat", 4000.0, data, [list(data[0])]))
    out.append(("empty_model", 4000.0, data, [[]]))
    poisson = [grid(rng.uniform(0, 4000.0, rng.poisson(60)), 4000.0) for _ in range(5)]
    out.append(("poisson_model", 4000.0, data, poisson))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--toolbox", required=True, help="checkout of GIFFittingToolbox")
    parser.add_argument("--venv", default="/tmp/spike-arena-md-venv")
    args = parser.parse_args()
    ensure_deps(args.venv)
    import numpy as np
    import scipy

    comparator, tmp = load_comparator(os.path.abspath(args.toolbox))
    kistler = comparator.Md_dotProduct_Kistler
    kargs = {"delta": DELTA_MS}
    rows = []
    for name, t_ms, data, model in cases():
        data_ms = [[k * GRID_MS for k in s] for s in data]
        model_ms = [[k * GRID_MS for k in s] for s in model]
        md = comparator(t_ms, data_ms, model_ms).computeMD_Kistler(DELTA_MS, DT_MS)
        # The three products, from the same toolbox functions computeMD uses.
        avg_d = comparator.getAverageSpikeTrain(data_ms, t_ms, DT_MS)
        avg_m = comparator.getAverageSpikeTrain(model_ms, t_ms, DT_MS)
        trains_d = [comparator.getSpikeTrain(s, t_ms, DT_MS) for s in data_ms]
        n = len(trains_d)
        pairs = sum(kistler(trains_d[i], trains_d[j], kargs, DT_MS)
                    for i in range(n) for j in range(i + 1, n))
        rows.append({
            "name": name,
            "duration_ms": t_ms,
            "data": data,
            "model": model,
            "toolbox_md_star": float(md),
            "toolbox_cross": float(kistler(avg_d, avg_m, kargs, DT_MS)),
            "toolbox_norm_data_unbiased": float(pairs / (n * (n - 1) / 2.0)),
            "toolbox_norm_model_biased": float(kistler(avg_m, avg_m, kargs, DT_MS)),
        })
    shutil.rmtree(tmp)
    doc = {
        "generator": "scoring/peer/make_md_star_fixture.py",
        "peer": f"pozzorin/GIFFittingToolbox@{TOOLBOX_COMMIT} src/SpikeTrainComparator.py "
                "(computeMD_Kistler), run under Python 3 with the throwaway edits listed in "
                "the script",
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "grid_ms": GRID_MS,
        "dt_ms": DT_MS,
        "delta_ms": DELTA_MS,
        "note": "spike trains are integer indices on the grid (time = index * grid_ms); the "
                "toolbox's box covers lags [-4.25, 4.0] ms, i.e. |lag| <= 4 ms on this grid",
        "cases": rows,
    }
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(rows)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
