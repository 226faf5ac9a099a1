"""Speed of NEURON (fastest configuration), Arbor and the Spike Arena cable simulator on the
same cells, in the same run, single thread: wall seconds per simulated second.

Run by hand, never in CI (needs the virtualenv below and a release build):

    python3 -m venv /work/venv-neuron
    /work/venv-neuron/bin/pip install neuron==9.0.2 arbor==0.12.2 cmake numpy
    python3 neuron/peer/make_bench_cells.py      # writes neuron/peer/bench_cells/*.json
    /work/venv-neuron/bin/python neuron/peer/bench_peers.py [--rust-cmd CMD]

NEURON: `cache_efficient(1)`, synapses of one receptor on one segment merged into one point
process, HH rate tables on (`usetable_hh = 1`), integration by `ParallelContext.psolve` (no
interpreter work per step). Arbor: one thread (`arbor.context(threads=1)`), one CV per NEURON
segment, the NMDAMg, Ih and Im mechanisms of neuron/peer/mod/ compiled with
`arbor-build-catalogue` after a mechanical translation to Arbor's NMODL dialect
(`arbor_dialect`). Each number is the best of `--repeats` runs (the machine is shared, so the
minimum is the least disturbed run). The Rust numbers come from `--rust-cmd`, a command that
prints one line `NAME: ... best wall X s/s ...` per cell (default: the criterion bench's
results in target/criterion, which `cargo bench -p arena-neuron --bench cable` writes).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import nrn_from_json as nj

CELLS = ["hh58_current", "hh58_syn780", "big959_syn2000"]
BENCH_DIR = os.path.join(nj.HERE, "bench_cells")


def load(name):
    with open(os.path.join(BENCH_DIR, name + ".json")) as f:
        return json.load(f)


def neuron_fastest(doc, repeats):
    from neuron import h

    c = nj.NeuronCell(doc, merge=True)
    h.usetable_hh = 1
    h.CVode().cache_efficient(1)
    h.dt = doc["numerics"]["dt_ms"]
    pc = h.ParallelContext()
    pc.set_maxstep(10)
    best, n_spikes = float("inf"), None
    for _ in range(repeats):
        spikes = h.Vector()
        nc = h.NetCon(c.soma(0.5)._ref_v, None, sec=c.soma)
        nc.threshold = 0
        nc.record(spikes)
        h.finitialize(c.v_init)
        for con, times in c.events:
            for t in times:
                con.event(t)
        t0 = time.perf_counter()
        pc.psolve(doc["numerics"]["t_stop_ms"])
        best = min(best, time.perf_counter() - t0)
        n_spikes = len(spikes)
    del c
    return best / (doc["numerics"]["t_stop_ms"] / 1000.0), n_spikes


def arbor_dialect(text):
    """NEURON .mod -> Arbor's modcc dialect: no ASSIGNED entries for v, ion variables or the
    mechanism's own currents, no RANGE for currents, no writes to PARAMETERs (exp2syn's tau1
    clamps, never triggered by the bench cells)."""
    text = re.sub(r"^\s*(v \(mV\)|ek \(mV\)|ik \(mA/cm2\)|ihcn \(mA/cm2\)|i \(nA\))\s*$\n", "",
                  text, flags=re.M)
    text = text.replace("RANGE gbar, ehcn, ihcn", "RANGE gbar, ehcn")
    text = text.replace("RANGE tau1, tau2, e, mg, i, g", "RANGE tau1, tau2, e, mg, g")
    return re.sub(r"if \(tau1/tau2 [<>] [0-9.e-]+\) \{[^}]*\}", "", text)


def arbor_catalogue(build_dir):
    """Builds (once) and returns the path of the Arbor catalogue of neuron/peer/mod/."""
    so = os.path.join(build_dir, "arena-catalogue.so")
    if os.path.exists(so):
        return so
    mod_dir = os.path.join(build_dir, "mod")
    os.makedirs(mod_dir, exist_ok=True)
    for f in os.listdir(os.path.join(nj.HERE, "mod")):
        text = open(os.path.join(nj.HERE, "mod", f)).read()
        name = re.search(r"(SUFFIX|POINT_PROCESS)\s+(\w+)", text).group(2)
        with open(os.path.join(mod_dir, name + ".mod"), "w") as out:
            out.write(arbor_dialect(text))
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + ":" + os.environ["PATH"])
    subprocess.run(["arbor-build-catalogue", "arena", "mod"], cwd=build_dir, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    return so


def arbor_cell(doc):
    """The document's cell as an Arbor cable cell: one segment per NEURON segment."""
    import arbor as A
    U = A.units

    cell = doc["cell"]
    tree = A.segment_tree()
    labels, first_seg, x_end = {}, {}, {}
    nseg_of = {t["name"]: t.get("nseg", 1) for t in cell["sections"]}
    decor = A.decor()
    decor.set_ion("na", rev_pot=50 * U.mV)
    decor.set_ion("k", rev_pot=-77 * U.mV)
    for tag, s in enumerate(cell["sections"], start=1):
        nseg, r = s.get("nseg", 1), s["diam"] / 2
        seg_len = s["L"] / nseg
        if s["parent"] is None:
            parent, x0 = A.mnpos, 0.0
        else:
            px = 1.0 if s.get("parent_x") is None else s["parent_x"]
            pseg = min(int(px * nseg_of[s["parent"]]), nseg_of[s["parent"]] - 1)
            parent = first_seg[s["parent"]] + pseg
            x0 = x_end[parent]
        for k in range(nseg):
            seg = tree.append(parent, A.mpoint(x0, 0, 0, r), A.mpoint(x0 + seg_len, 0, 0, r), tag)
            x_end[seg] = x0 + seg_len
            if k == 0:
                first_seg[s["name"]] = seg
            parent, x0 = seg, x0 + seg_len
        labels[s["name"]] = "(tag %d)" % tag
        for mech, params in s.get("mechanisms", {}).items():
            params = dict(params)
            if mech == "pas":  # Arbor's pas has a global reversal potential
                mech = "pas/e=%g" % params.pop("e", -70.0)
            decor.paint('"%s"' % s["name"], A.density(mech, params))

    def locset(section, x):
        n = nseg_of[section]
        k = min(int(x * n), n - 1)
        return "(on-components %g (segment %d))" % (x * n - k, first_seg[section] + k)

    decor.place(locset("soma", 0.5), A.threshold_detector(0 * U.mV), "det")
    gens = []
    stim = doc["stimulus"]
    if stim["kind"] == "somatic_current":
        env, step = [], stim["step_ms"]
        for j, a in enumerate(stim["amp_nA"]):
            env += [(j * step * U.ms, a * U.nA), (((j + 1) * step - 1e-6) * U.ms, a * U.nA)]
        loc = stim["location"]
        decor.place(locset(loc["section"], loc["x"]), A.i_clamp(env))
    else:
        types = cell["synapse_types"]
        for s in stim["synapses"]:
            receptors = s["type"].split("+")
            for r in receptors:
                t = dict(types[r])
                mech = "exp2syn" if t.pop("mechanism") == "Exp2Syn" else "NMDAMg"
                label = "syn%d_%s" % (s["id"], r)
                decor.place(locset(s["section"], s["x"]), A.synapse(mech, t), label)
                w = s["weight"] if len(receptors) == 1 and "weight" in s else s["weight_" + r.lower()]
                gens.append(A.event_generator(label, w, A.explicit_schedule(
                    [t_ * U.ms for t_ in s["times"]])))
    policy = A.cv_policy_every_segment()
    c = A.cable_cell(A.morphology(tree), decor, A.label_dict(labels), policy)
    return c, gens


def arbor_run(doc, catalogue, repeats):
    import arbor as A
    U = A.units

    cell, gens = arbor_cell(doc)
    c = doc["cell"]

    class Recipe(A.recipe):
        def __init__(self):
            A.recipe.__init__(self)
            self.props = A.neuron_cable_properties()
            self.props.catalogue.extend(A.load_catalogue(catalogue), "")
            self.props.set_property(Vm=c.get("v_init", -65) * U.mV,
                                    tempK=(c.get("celsius", 6.3) + 273.15) * U.Kelvin,
                                    rL=c.get("Ra", 35.4) * U.Ohm * U.cm,
                                    cm=c.get("cm", 1.0) * 0.01 * U.F / U.m2)

        def num_cells(self):
            return 1

        def cell_kind(self, gid):
            return A.cell_kind.cable

        def cell_description(self, gid):
            return cell

        def event_generators(self, gid):
            return gens

        def global_properties(self, kind):
            return self.props

    best, n_spikes = float("inf"), None
    ctx = A.context(threads=1)
    for _ in range(repeats):
        sim = A.simulation(Recipe(), ctx)
        sim.record(A.spike_recording.all)
        t0 = time.perf_counter()
        sim.run(doc["numerics"]["t_stop_ms"] * U.ms, doc["numerics"]["dt_ms"] * U.ms)
        best = min(best, time.perf_counter() - t0)
        n_spikes = len(sim.spikes())
    return best / (doc["numerics"]["t_stop_ms"] / 1000.0), n_spikes


def rust_from_criterion(target_dir):
    """Best per-iteration time (s) of each `single`, `batch4`, `threads2x4` group."""
    out = {}
    base = os.path.join(target_dir, "criterion", "cable")
    for group in ("single", "batch4", "threads2x4"):
        for name in CELLS:
            path = os.path.join(base, "%s_%s" % (group, name), "new", "sample.json")
            if os.path.exists(path):
                s = json.load(open(path))
                out[(group, name)] = min(t / n for t, n in zip(s["times"], s["iters"])) * 1e-9
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--build-dir", default=os.path.join(tempfile.gettempdir(), "spike-arena-peers"))
    ap.add_argument("--target-dir", default=os.environ.get("CARGO_TARGET_DIR", "target"))
    ap.add_argument("--skip-arbor", action="store_true")
    args = ap.parse_args()
    nj.compile_mechanisms(os.path.join(args.build_dir, "nrn"))
    cat = None if args.skip_arbor else arbor_catalogue(os.path.join(args.build_dir, "arbor"))
    rust = rust_from_criterion(args.target_dir)
    sim_s = {name: load(name)["numerics"]["t_stop_ms"] / 1000.0 for name in CELLS}
    rust = {k: t / sim_s[k[1]] for k, t in rust.items()}
    print("wall s per simulated s, single thread (best of %d)" % args.repeats)
    for name in CELLS:
        doc = load(name)
        nrn, nrn_spikes = neuron_fastest(doc, args.repeats)
        line = "%-16s NEURON-fastest %.4f (%s spikes)" % (name, nrn, nrn_spikes)
        if cat:
            arb, arb_spikes = arbor_run(doc, cat, args.repeats)
            line += "  Arbor %.4f (%s spikes)" % (arb, arb_spikes)
        ours = rust.get(("single", name))
        if ours:
            line += "  ours %.4f  NEURON/ours %.2f" % (ours, nrn / ours)
            if cat:
                line += "  Arbor/ours %.2f" % (arb / ours)
            b4 = rust.get(("batch4", name))
            if b4:
                line += "  ours batch4 %.4f/trial" % (b4 / 4)
            t8 = rust.get(("threads2x4", name))
            if t8:
                line += "  ours 2 threads x batch4 %.4f/trial" % (t8 / 8)
        print(line, flush=True)


if __name__ == "__main__":
    main()
