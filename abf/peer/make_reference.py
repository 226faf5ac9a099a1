#!/usr/bin/env python3
"""Write abf/tests/fixtures/pyabf_reference.json: reference values for the arena-abf tests.

Peer tool: pyabf (Harden, https://github.com/swharden/pyABF). The Rust reader never runs this
script; CI only reads the JSON it produced. To regenerate (outside the repository's CI):

    python3 -m venv /work/venv-abf
    /work/venv-abf/bin/pip install pyabf==2.3.8 numpy==2.4.6
    /work/venv-abf/bin/python abf/peer/make_reference.py

Per shipped file of datasets/drn-frozen-noise/ the JSON holds: its sha256 (so a test knows it reads
the same bytes), sweep count, channel names and units, sample rate, samples per sweep, and per sweep
and channel the first 5 and last 5 samples, the sum and the sum of squares (both accumulated in
float64 from pyabf's float32 samples), plus the upward 0 mV crossings of the voltage channel
(the channel whose units are "mV": the header's channel names look swapped, see PROVENANCE.md).

Crossing convention (the same one arena_abf::upward_crossings documents): a crossing happens
between samples i-1 and i when y[i-1] < threshold <= y[i]; its time, in seconds from the start of
the sweep, is (i - 1 + (threshold - y[i-1]) / (y[i] - y[i-1])) / sample_rate. It is computed here
with vectorised numpy, independently of the Rust code.
"""

import hashlib
import json
import pathlib

import numpy as np
import pyabf

CRATE = pathlib.Path(__file__).resolve().parent.parent
DATASET = CRATE.parent / "datasets" / "drn-frozen-noise"
OUT = CRATE / "tests" / "fixtures" / "pyabf_reference.json"
THRESHOLD_MV = 0.0

FILES = [
    "DRN156_5HT/DRN156_5ht_aec.abf",
    "DRN156_5HT/DRN156_5ht_training.abf",
    "DRN156_5HT/DRN156_5ht_test.abf",
    "DRN158_GABA/DRN158_gaba_aec.abf",
    "DRN158_GABA/DRN158_gaba_training.abf",
    "DRN158_GABA/DRN158_gaba_test.abf",
]

# Spike counts quoted in PROVENANCE.md, checked here so the fixture cannot drift from them.
PROVENANCE_COUNTS = {
    "DRN156_5HT/DRN156_5ht_test.abf": [75, 73, 75, 73, 74, 69, 70, 68, 66, 67],
    "DRN156_5HT/DRN156_5ht_training.abf": [465],
    "DRN158_GABA/DRN158_gaba_test.abf": [44, 46, 42, 43, 41, 40, 40, 40, 41, 39],
}


def upward_crossings(y, threshold, rate_hz):
    y = np.asarray(y, dtype=np.float64)
    before, after = y[:-1], y[1:]
    idx = np.nonzero((before < threshold) & (after >= threshold))[0]  # idx = i - 1
    frac = (threshold - before[idx]) / (after[idx] - before[idx])
    return ((idx + frac) / rate_hz).tolist()


def describe(rel):
    path = DATASET / rel
    abf = pyabf.ABF(str(path))
    rate = float(abf.sampleRate)
    voltage = [i for i, u in enumerate(abf.adcUnits) if u == "mV"]
    assert len(voltage) == 1, f"{rel}: expected one mV channel, got units {abf.adcUnits}"
    sweeps = []
    for s in abf.sweepList:
        channels = []
        for c in abf.channelList:
            abf.setSweep(s, channel=c)
            y32 = np.asarray(abf.sweepY)
            assert y32.dtype == np.float32
            y = y32.astype(np.float64)
            channels.append({
                "first5": y[:5].tolist(),
                "last5": y[-5:].tolist(),
                "sum": float(np.sum(y)),
                "sum_sq": float(np.sum(y * y)),
            })
            if c == voltage[0]:
                times = upward_crossings(y, THRESHOLD_MV, rate)
        sweeps.append({"channels": channels, "spike_count": len(times), "spike_times_s": times})
    counts = [sw["spike_count"] for sw in sweeps]
    if rel in PROVENANCE_COUNTS:
        assert counts == PROVENANCE_COUNTS[rel], f"{rel}: {counts} != PROVENANCE.md"
    return {
        "file": rel,
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "abf_version": abf.abfVersionString,
        "sweep_count": abf.sweepCount,
        "sample_rate_hz": rate,
        "samples_per_sweep": abf.sweepPointCount,
        "channels": [{"name": n, "units": u} for n, u in zip(abf.adcNames, abf.adcUnits)],
        "voltage_channel": voltage[0],
        "threshold_mv": THRESHOLD_MV,
        "sweeps": sweeps,
    }


def main():
    doc = {
        "generator": "abf/peer/make_reference.py",
        "pyabf_version": pyabf.__version__,
        "numpy_version": np.__version__,
        "files": [describe(rel) for rel in FILES],
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    for f in doc["files"]:
        print(f["file"], f["sweep_count"], f["samples_per_sweep"],
              [s["spike_count"] for s in f["sweeps"]])


if __name__ == "__main__":
    main()
