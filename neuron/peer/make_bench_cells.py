"""Writes the benchmark documents of neuron/peer/bench_cells/ (plain Python, no NEURON needed).

The three kinds of cell of issue 4, simulated for 1 s (the large one 250 ms) at dt = 0.025 ms:
- hh58_current: 58 compartments, all with hh, somatic OU current;
- hh58_syn780: the same cell with 780 synapse objects (260 AMPA+NMDA sites, 260 GABA_A);
  it fires about 33 spikes/s;
- big959_syn2000: 959 compartments, HH soma and axon, weakly active apical tree (low-density
  hh, Ih, Im), passive basal tree, 2000 synapse objects (800 AMPA+NMDA sites, 400 GABA_A);
  it fires about 16 spikes/s.
Read by the criterion bench (neuron/benches/cable.rs) and by bench_peers.py.

    python3 neuron/peer/make_bench_cells.py
"""

import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "bench_cells")
T_STOP = 1000.0
T_STOP_BIG = 250.0  # the large cell is simulated for 250 ms to keep the bench short
DT = 0.025
TYPES = {
    "AMPA": {"mechanism": "Exp2Syn", "tau1": 0.2, "tau2": 2, "e": 0},
    "NMDA": {"mechanism": "NMDAMg", "tau1": 2, "tau2": 75, "e": 0, "mg": 1},
    "GABA_A": {"mechanism": "Exp2Syn", "tau1": 0.5, "tau2": 8, "e": -75},
}
HH = {"hh": {"gnabar": 0.12, "gkbar": 0.036, "gl": 0.0003, "el": -54.3}}
WEAK = {"hh": {"gnabar": 0.012, "gkbar": 0.0036, "gl": 3e-5, "el": -65},
        "Ih": {"gbar": 2e-5, "ehcn": -45}, "Im": {"gbar": 1e-4}}
PAS = {"pas": {"g": 5e-5, "e": -65}}
# Excitatory weights (µS, AMPA and NMDA each), strong enough that the synaptically driven cells
# fire (tens of spikes per second): a cell that never fires would let a benchmark peer that drops
# events go unnoticed (bench_peers.py compares the spike counts).
W_EXC_HH58 = 0.0006  # about 33 spikes/s
W_EXC_BIG959 = 0.0008  # about 16 spikes/s


def sec(name, parent, x, length, diam, nseg, mech):
    return {"name": name, "parent": parent, "parent_x": x, "L": length, "diam": diam,
            "nseg": nseg, "mechanisms": mech}


def cell(sections):
    return {"Ra": 150, "cm": 1, "celsius": 6.3, "v_init": -65, "sections": sections,
            "synapse_types": TYPES}


def hh58():
    s = [sec("soma", None, None, 20, 20, 1, HH), sec("axon", "soma", 0.0, 100, 1, 9, HH)]
    for i in range(4):
        s.append(sec("dend%d" % i, "soma", 1.0, 200, 2, 12, HH))
    return cell(s)


def big959():
    s = [sec("soma", None, None, 20, 20, 1, HH), sec("axon", "soma", 0.0, 300, 1, 31, HH)]

    def tree(prefix, parent, depth, length, diam, nseg, mech):
        name = prefix
        s.append(sec(name, parent, 1.0 if parent != "soma" else 0.5, length, diam, nseg, mech))
        if depth > 0:
            for k in range(2):
                tree("%s_%d" % (prefix, k), name, depth - 1, length * 0.8, diam * 0.7, nseg, mech)

    tree("apic", "soma", 5, 150, 3, 9, WEAK)  # 63 sections × 9 = 567
    for b in range(4):
        tree("basal%d" % b, "soma", 3, 100, 1.5, 6, PAS)  # 4 × 15 × 6 = 360
    return cell(s)


def poisson(rng, rate_hz, t_stop=T_STOP):
    t, out = 0.0, []
    while True:
        t += rng.expovariate(rate_hz / 1000.0)
        if t >= t_stop:
            return out
        out.append(round(t, 3))


def synapses(c, n_exc, n_inh, seed, w_exc, rate_exc=5.0, rate_inh=5.0, t_stop=T_STOP):
    rng = random.Random(seed)
    dends = [s for s in c["sections"] if s["name"] not in ("axon",)]
    weights = [s["L"] for s in dends]
    out = []
    for i in range(n_exc + n_inh):
        s = rng.choices(dends, weights)[0]
        x = round(rng.uniform(0.01, 0.99), 4)
        if i < n_exc:
            out.append({"id": i, "type": "AMPA+NMDA", "section": s["name"], "x": x,
                        "weight_ampa": w_exc, "weight_nmda": w_exc,
                        "times": poisson(rng, rate_exc, t_stop)})
        else:
            out.append({"id": i, "type": "GABA_A", "section": s["name"], "x": x,
                        "weight": 0.0005, "times": poisson(rng, rate_inh, t_stop)})
    return {"kind": "synaptic_events", "synapses": out}


def ou_current(seed, step, mean, std, tau=5.0):
    rng = random.Random(seed)
    a = pow(2.718281828459045, -step / tau)
    b = std * (1 - a * a) ** 0.5
    x, out = mean, []
    for _ in range(int(T_STOP / step)):
        out.append(round(x, 4))
        x = mean + (x - mean) * a + b * rng.gauss(0, 1)
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    numerics = {"dt_ms": DT, "t_stop_ms": T_STOP}
    docs = {
        "hh58_current": {"cell": hh58(), "numerics": numerics,
                         "stimulus": {"kind": "somatic_current",
                                      "location": {"section": "soma", "x": 0.5},
                                      "step_ms": 0.5, "amp_nA": ou_current(1, 0.5, 0.6, 0.3)}},
        "hh58_syn780": {"cell": hh58(), "numerics": numerics,
                        "stimulus": synapses(hh58(), 260, 260, 2, W_EXC_HH58)},
        "big959_syn2000": {"cell": big959(), "numerics": {"dt_ms": DT, "t_stop_ms": T_STOP_BIG},
                           "stimulus": synapses(big959(), 800, 400, 3, W_EXC_BIG959, 3.0, 5.0,
                                                     T_STOP_BIG)},
    }
    for name, doc in docs.items():
        n = sum(s["nseg"] for s in doc["cell"]["sections"])
        print(name, "compartments:", n)
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")


if __name__ == "__main__":
    main()
