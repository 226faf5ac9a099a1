"""Generates the NEURON fixtures of neuron/tests/fixtures/neuron/ (run by hand, never in CI).

    python3 -m venv /work/venv-neuron
    /work/venv-neuron/bin/pip install neuron==9.0.2 numpy
    /work/venv-neuron/bin/python neuron/peer/make_neuron_fixtures.py [--build-dir /tmp/nrn-mech]

For each cell it writes <name>.input.json (a document for `arena simulate`) and
<name>.neuron.json (NEURON's output in the format of `arena simulate`: somatic v every 0.1 ms
rounded to 1e-4 mV, spike times from the dt trace, linearly interpolated). NEURON runs its
default fixed step (backward Euler, secondorder = 0) with exact HH rates (usetable_hh = 0).
All randomness comes from the seeds below, so the fixtures regenerate bit for bit.
"""

import argparse
import json
import os
import time

import numpy as np

import nrn_from_json as nj

OUT = os.path.join(nj.HERE, "..", "tests", "fixtures", "neuron")
DT = 0.025


def ou(rng, n, dt, tau, mean, std):
    """An exact Ornstein–Uhlenbeck sample path (n samples, interval dt ms, tau ms)."""
    a = np.exp(-dt / tau)
    b = std * np.sqrt(1 - a * a)
    x = np.empty(n)
    x[0] = mean + std * rng.standard_normal()
    noise = rng.standard_normal(n)
    for i in range(1, n):
        x[i] = mean + (x[i - 1] - mean) * a + b * noise[i]
    return x


def hh_params(scale=1.0, gl=0.0003, el=-54.3):
    return {"gnabar": 0.12 * scale, "gkbar": 0.036 * scale, "gl": gl, "el": el}


def section(name, parent, parent_x, length, diam, nseg, mechanisms):
    return {"name": name, "parent": parent, "parent_x": parent_x, "L": length, "diam": diam,
            "nseg": nseg, "mechanisms": mechanisms}


def hh_single():
    rng = np.random.default_rng(11)
    step = 0.25
    amps = ou(rng, int(10000 / step), step, 5.0, 0.055, 0.06)
    return {
        "cell": {"Ra": 100, "cm": 1, "celsius": 6.3, "v_init": -65,
                 "sections": [section("soma", None, None, 20, 20, 1, {"hh": hh_params()})]},
        "stimulus": {"kind": "somatic_current", "location": {"section": "soma", "x": 0.5},
                     "step_ms": step, "amp_nA": [round(a, 4) for a in amps]},
        "numerics": {"dt_ms": DT, "t_stop_ms": 10000},
    }


def ball_and_stick():
    rng = np.random.default_rng(12)
    step = 0.5
    amps = ou(rng, int(2000 / step), step, 10.0, 0.05, 0.1)
    pas = {"pas": {"g": 1e-4, "e": -65}}
    return {
        "cell": {"Ra": 150, "cm": 1, "celsius": 6.3, "v_init": -65,
                 "sections": [section("soma", None, None, 20, 20, 1, pas),
                              section("dend", "soma", 1.0, 700, 2, 35, pas)]},
        "stimulus": {"kind": "somatic_current", "location": {"section": "soma", "x": 0.5},
                     "step_ms": step, "amp_nA": [round(a, 4) for a in amps]},
        "numerics": {"dt_ms": DT, "t_stop_ms": 2000},
    }


def branched_cell():
    """HH soma and axon initial segment, weakly active apical tree (low-density hh, Ih, Im),
    passive basal tree."""
    weak = {"hh": hh_params(0.1, gl=3e-5, el=-65), "Ih": {"gbar": 2e-5, "ehcn": -45},
            "Im": {"gbar": 1e-4}}
    pas = {"pas": {"g": 5e-5, "e": -65}}
    secs = [
        section("soma", None, None, 20, 20, 1, {"hh": hh_params(), "Im": {"gbar": 2e-4}}),
        section("axon", "soma", 0.0, 40, 1.2, 5, {"hh": hh_params(2.0)}),
        section("trunk", "soma", 1.0, 200, 3, 9, weak),
        section("oblique", "trunk", 0.5, 100, 1, 5, weak),
    ]
    for i in range(2):
        secs.append(section("tuft%d" % i, "trunk", 1.0, 150, 1.5, 7, weak))
        for j in range(2):
            secs.append(section("tuft%d_%d" % (i, j), "tuft%d" % i, 1.0, 100, 0.8, 5, weak))
    for i in range(3):
        secs.append(section("basal%d" % i, "soma", 0.5, 120, 1.2, 5, pas))
        for j in range(2):
            secs.append(section("basal%d_%d" % (i, j), "basal%d" % i, 1.0, 80, 0.7, 3, pas))
    return {"Ra": 150, "cm": 1, "celsius": 6.3, "v_init": -65, "sections": secs,
            "synapse_types": {
                "AMPA": {"mechanism": "Exp2Syn", "tau1": 0.2, "tau2": 2, "e": 0},
                "NMDA": {"mechanism": "NMDAMg", "tau1": 2, "tau2": 75, "e": 0, "mg": 1},
                "GABA_A": {"mechanism": "Exp2Syn", "tau1": 0.5, "tau2": 8, "e": -75}}}


def synaptic_input(cell, clustered, seed, t_stop, n_exc=300, n_inh=100, n_clusters=10,
                   cluster_size=12, rate_exc=1.5, rate_inh=6.0, volley_interval=120.0):
    """Background Poisson input plus volleys of `cluster_size` synchronous events (within 3 ms).
    The first n_clusters*cluster_size excitatory synapses sit in clusters (within 20 µm of one
    point of one dendrite). clustered=True sends each volley to one cluster; clustered=False
    sends it to as many synapses drawn from all over the tree."""
    rng = np.random.default_rng(seed)
    dends = [s for s in cell["sections"] if s["name"] not in ("soma", "axon")]
    lengths = np.array([s["L"] for s in dends], dtype=float)
    p = lengths / lengths.sum()
    syns = []
    for c in range(n_clusters):
        s = dends[rng.choice(len(dends), p=p)]
        centre = rng.uniform(0.15, 0.85)
        for _ in range(cluster_size):
            x = float(np.clip(centre + rng.uniform(-10, 10) / s["L"], 0.01, 0.99))
            syns.append({"section": s["name"], "x": round(x, 4), "cluster": c})
    while len(syns) < n_exc:
        s = dends[rng.choice(len(dends), p=p)]
        syns.append({"section": s["name"], "x": round(rng.uniform(0.01, 0.99), 4)})
    times = [list(rng.uniform(0, t_stop, rng.poisson(rate_exc * t_stop / 1000))) for _ in syns]
    volleys = np.arange(200.0, t_stop - 50, volley_interval)
    for t0 in volleys:
        if clustered:
            c = int(rng.integers(n_clusters))
            members = [i for i, s in enumerate(syns) if s.get("cluster") == c]
        else:
            members = list(rng.choice(len(syns), cluster_size, replace=False))
        for i in members:
            times[i].append(t0 + rng.uniform(0, 3))
    out = []
    for i, (s, t) in enumerate(zip(syns, times)):
        out.append({"id": i, "type": "AMPA+NMDA", "section": s["section"], "x": s["x"],
                    "weight_ampa": 0.0006, "weight_nmda": 0.0006,
                    "times": sorted(round(float(x), 3) for x in t)})
    for k in range(n_inh):
        if k < n_inh // 3:
            sec, x = "soma", 0.5
        else:
            s = dends[rng.choice(len(dends), p=p)]
            sec, x = s["name"], round(rng.uniform(0.01, 0.99), 4)
        t = rng.uniform(0, t_stop, rng.poisson(rate_inh * t_stop / 1000))
        out.append({"id": n_exc + k, "type": "GABA_A", "section": sec, "x": x, "weight": 0.001,
                    "times": sorted(round(float(x), 3) for x in t)})
    return {"kind": "synaptic_events", "synapses": out}


def branched(clustered, seed):
    cell = branched_cell()
    t_stop = 10000
    return {"cell": cell, "stimulus": synaptic_input(cell, clustered, seed, t_stop),
            "numerics": {"dt_ms": DT, "t_stop_ms": t_stop}}


def run_neuron(doc):
    c = nj.NeuronCell(doc)
    dt = doc["numerics"]["dt_ms"]
    t0 = time.perf_counter()
    v = c.run(dt, doc["numerics"]["t_stop_ms"])
    wall = time.perf_counter() - t0
    del c
    assert len(list(nj.NeuronCell.sections())) == 0, "a previous cell is still alive"
    every = int(round(0.1 / dt))
    spikes = nj.spike_times(v, dt)
    return {"spike_times_ms": [round(float(t), 6) for t in spikes], "n_spikes": len(spikes),
            "soma_v_dt_ms": 0.1, "soma_v_mV": [round(float(x), 4) for x in v[::every]],
            "wall_s": round(wall, 3)}


def write(name, obj):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default="/tmp/spike-arena-nrnmech")
    ap.add_argument("--only", default=None)
    args = ap.parse_args()
    nj.compile_mechanisms(args.build_dir)
    cases = {
        "hh_single": hh_single,
        "ball_and_stick": ball_and_stick,
        "branched_clustered": lambda: branched(True, 21),
        "branched_dispersed": lambda: branched(False, 21),
    }
    for name, make in cases.items():
        if args.only and name != args.only:
            continue
        doc = make()
        out = run_neuron(doc)
        write(name + ".input.json", doc)
        write(name + ".neuron.json", out)
        print("%s: %d spikes, NEURON wall %.2f s" % (name, out["n_spikes"], out["wall_s"]))


if __name__ == "__main__":
    main()
