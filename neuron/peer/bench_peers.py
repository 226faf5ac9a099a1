"""Speed of NEURON (fastest configuration), Arbor and the Spike Arena cable simulator on the
same cells, in the same run, single thread: wall seconds per simulated second.

Results of the last run and how to reproduce them: neuron/peer/BENCH.md.

Run by hand, never in CI (needs the virtualenv below; builds the Rust side in release mode):

    python3 -m venv /work/venv-neuron
    /work/venv-neuron/bin/pip install neuron==9.0.2 arbor==0.12.2 cmake numpy
    python3 neuron/peer/make_bench_cells.py      # writes neuron/peer/bench_cells/*.json
    CARGO_TARGET_DIR=/work/target-speed /work/venv-neuron/bin/python neuron/peer/bench_peers.py

For each cell the three simulators run back to back (so that they share the machine's load of
the moment): ours through `--rust-cmd` (default: the `cable_peers` bench target,
neuron/benches/cable_peers.rs, which prints `CELL name single X batch4 Y threads Z spikes N
mean_v V`), then NEURON, then Arbor. Printed per cell: wall s per simulated s of each, the
somatic spike count and the mean somatic voltage (sampled every 0.1 ms; from one extra,
untimed run for NEURON and Arbor) — equal counts and means to ~0.01 mV show that every
simulator did the same work — and the ratios NEURON/ours and Arbor/ours, single trial and per
trial for our batched (4 lanes in one sweep of the tree) and multi-threaded runs.

NEURON: `cache_efficient(1)`, synapses of one receptor on one segment merged into one point
process, HH rate tables on (`usetable_hh = 1`), integration by `ParallelContext.psolve` (no
interpreter work per step). Arbor: one thread (`arbor.context(threads=1)`), one CV per NEURON
segment, the NMDAMg, Ih and Im mechanisms of neuron/peer/mod/ compiled with
`arbor-build-catalogue` after a mechanical translation to Arbor's NMODL dialect
(`arbor_dialect`); the spike detector feeds a zero-weight connection, without which Arbor 0.12
records no spikes at all. Each number is the best of `--repeats` runs (the machine is shared,
so the minimum is the least disturbed run).
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
SAMPLE_MS = 0.1  # interval of the voltage samples behind the mean somatic voltage
RUST_CMD = "cargo bench -q -p arena-neuron --bench cable_peers"


def load(name):
    with open(os.path.join(BENCH_DIR, name + ".json")) as f:
        return json.load(f)


def neuron_fastest(doc, repeats):
    """(best wall s per simulated s, spike count, mean somatic v in mV) of NEURON-fastest."""
    from neuron import h

    c = nj.NeuronCell(doc, merge=True)
    h.usetable_hh = 1
    h.CVode().cache_efficient(1)
    h.dt = doc["numerics"]["dt_ms"]
    pc = h.ParallelContext()
    pc.set_maxstep(10)
    t_stop = doc["numerics"]["t_stop_ms"]
    best, n_spikes = float("inf"), None
    # The last run records the somatic voltage every 0.1 ms (untimed) for the mean.
    for r in range(repeats + 1):
        spikes = h.Vector()
        nc = h.NetCon(c.soma(0.5)._ref_v, None, sec=c.soma)
        nc.threshold = 0
        nc.record(spikes)
        vrec = h.Vector()
        if r == repeats:
            vrec.record(c.soma(0.5)._ref_v, SAMPLE_MS)
        h.finitialize(c.v_init)
        for con, times in c.events:
            for t in times:
                con.event(t)
        t0 = time.perf_counter()
        pc.psolve(t_stop)
        if r < repeats:
            best = min(best, time.perf_counter() - t0)
        n_spikes = len(spikes)
    mean_v = float(sum(vrec) / len(vrec))
    del c
    return best / (t_stop / 1000.0), n_spikes, mean_v


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


def arbor_soma_locset(doc):
    """The Arbor locset of soma(0.5) (the spike detector's and the probe's location)."""
    secs = doc["cell"]["sections"]
    nseg = secs[0].get("nseg", 1)
    k = min(int(0.5 * nseg), nseg - 1)
    assert secs[0]["name"] == "soma" and secs[0]["parent"] is None
    return "(on-components %g (segment %d))" % (0.5 * nseg - k, k)


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
    # Arbor 0.12 records spikes only when the network has at least one connection: without
    # one, a cell that fires reports none. The detector therefore feeds a zero-weight
    # connection into this otherwise unused synapse (see `arbor_run`).
    decor.place(locset("soma", 0.5), A.synapse("expsyn"), "spike_sink")
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
    """(best wall s per simulated s, spike count, mean somatic v in mV) of Arbor, one thread."""
    import arbor as A
    U = A.units

    cell, gens = arbor_cell(doc)
    c = doc["cell"]
    t_stop = doc["numerics"]["t_stop_ms"]

    class Recipe(A.recipe):
        def __init__(self, probe):
            A.recipe.__init__(self)
            self.probe = probe
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

        def connections_on(self, gid):
            # Zero weight and a delay past the end: no effect on the run, but spikes are
            # recorded (see `arbor_cell`).
            return [A.connection((0, "det"), "spike_sink", 0.0, (t_stop + 1.0) * U.ms)]

        def probes(self, gid):
            soma = arbor_soma_locset(doc)
            return [A.cable_probe_membrane_voltage(soma, "Vs")] if self.probe else []

        def global_properties(self, kind):
            return self.props

    best, n_spikes = float("inf"), None
    ctx = A.context(threads=1)
    for _ in range(repeats):
        sim = A.simulation(Recipe(False), ctx)
        sim.record(A.spike_recording.all)
        t0 = time.perf_counter()
        sim.run(t_stop * U.ms, doc["numerics"]["dt_ms"] * U.ms)
        best = min(best, time.perf_counter() - t0)
        n_spikes = len(sim.spikes())
    # One more run (untimed) sampling the somatic voltage every 0.1 ms for the mean.
    sim = A.simulation(Recipe(True), ctx)
    handle = sim.sample((0, "Vs"), A.regular_schedule(SAMPLE_MS * U.ms))
    sim.run(t_stop * U.ms, doc["numerics"]["dt_ms"] * U.ms)
    v = sim.samples(handle)[0][0][:, 1]
    return best / (t_stop / 1000.0), n_spikes, float(v.mean())


def rust_run(cmd):
    """Runs the Rust bench (`cable_peers`) and parses its `CELL ...` lines into
    {cell: {"single": s/s, "batch4": s/s per trial, "threads": s/s per trial, "spikes": n,
    "mean_v": mV}}."""
    out = subprocess.run(cmd, shell=True, check=True, stdout=subprocess.PIPE, text=True).stdout
    result = {}
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "CELL":
            result[f[1]] = {k: float(v) for k, v in zip(f[2::2], f[3::2])}
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--build-dir", default=os.path.join(tempfile.gettempdir(), "spike-arena-peers"))
    ap.add_argument("--rust-cmd", default=RUST_CMD)
    ap.add_argument("--skip-arbor", action="store_true")
    args = ap.parse_args()
    nj.compile_mechanisms(os.path.join(args.build_dir, "nrn"))
    cat = None if args.skip_arbor else arbor_catalogue(os.path.join(args.build_dir, "arbor"))
    with open("/proc/loadavg") as f:
        print("load average before:", f.read().split()[:3])
    print("wall s per simulated s, single thread unless stated, best of %d; spikes = somatic "
          "spike count, <v> = mean somatic voltage (mV)" % args.repeats)
    for name in CELLS:
        doc = load(name)
        # The three simulators run back to back on each cell, so that they see the same load.
        ours = rust_run("%s -- --repeats=%d %s" % (args.rust_cmd, args.repeats, name))[name]
        nrn, nrn_spikes, nrn_v = neuron_fastest(doc, args.repeats)
        print("%s  (%g ms simulated)" % (name, doc["numerics"]["t_stop_ms"]))
        print("  NEURON-fastest %.4f  spikes %d  <v> %.3f" % (nrn, nrn_spikes, nrn_v))
        if cat:
            arb, arb_spikes, arb_v = arbor_run(doc, cat, args.repeats)
            print("  Arbor          %.4f  spikes %d  <v> %.3f" % (arb, arb_spikes, arb_v))
        print("  ours           %.4f  spikes %d  <v> %.3f" % (ours["single"], ours["spikes"],
                                                            ours["mean_v"]))
        ratios = "  NEURON/ours %.2f" % (nrn / ours["single"])
        if cat:
            ratios += "  Arbor/ours %.2f" % (arb / ours["single"])
        print(ratios)
        line = ("  ours, per trial of 4: one core (4 lanes) %.4f, %d cores %.4f (x%.2f)" % (
            ours["batch4"], os.cpu_count(), ours["threads"], ours["batch4"] / ours["threads"]))
        if cat:
            line += "  (Arbor/ours %.2f and %.2f)" % (arb / ours["batch4"], arb / ours["threads"])
        print(line, flush=True)
    with open("/proc/loadavg") as f:
        print("load average after:", f.read().split()[:3])


if __name__ == "__main__":
    main()
