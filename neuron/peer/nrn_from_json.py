"""Build and run a Spike Arena simulation document (the input of `arena simulate`) in NEURON.

Shared by make_neuron_fixtures.py and bench_peers.py. Runs by hand only, never in CI:

    python3 -m venv /work/venv-neuron && /work/venv-neuron/bin/pip install neuron numpy

The NMDAMg, Ih and Im mechanisms of neuron/peer/mod/ are compiled with nrnivmodl into a build
directory outside the repository (see `compile_mechanisms`).
"""

import os
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def compile_mechanisms(build_dir):
    """Compiles neuron/peer/mod/*.mod with nrnivmodl into build_dir and loads them."""
    os.makedirs(build_dir, exist_ok=True)
    changed = False
    for f in os.listdir(os.path.join(HERE, "mod")):
        src, dst = os.path.join(HERE, "mod", f), os.path.join(build_dir, f)
        if not os.path.exists(dst) or open(src).read() != open(dst).read():
            shutil.copy(src, dst)
            changed = True
    if changed or not os.path.exists(os.path.join(build_dir, "x86_64", "libnrnmech.so")):
        nrnivmodl = os.path.join(os.path.dirname(sys.executable), "nrnivmodl")
        subprocess.run([nrnivmodl, "."], cwd=build_dir, check=True, stdout=subprocess.DEVNULL)
    import neuron

    neuron.load_mechanisms(build_dir)


class NeuronCell:
    """A NEURON instantiation of the document's cell and stimulus.

    merge=True puts one point process per (receptor type, segment) and sends every event of
    the synapses there to it (NEURON's "fastest" configuration); merge=False creates one point
    process per synapse and receptor, as a modeller would write it.
    """

    def __init__(self, doc, merge=False):
        from neuron import h

        self.h = h
        h.load_file("stdrun.hoc")
        cell = doc["cell"]
        h.celsius = cell.get("celsius", 6.3)
        self.v_init = cell.get("v_init", -65.0)
        h.usetable_hh = 0
        self.secs = {}
        for s in cell["sections"]:
            sec = h.Section(name=s["name"])
            sec.L = s["L"]
            sec.diam = s["diam"]
            sec.nseg = s.get("nseg", 1)
            sec.Ra = s.get("Ra", cell.get("Ra", 35.4))
            sec.cm = s.get("cm", cell.get("cm", 1.0))
            self.secs[s["name"]] = sec
        for s in cell["sections"]:
            if s["parent"] is not None:
                x = s.get("parent_x")
                self.secs[s["name"]].connect(self.secs[s["parent"]](1.0 if x is None else x), 0)
        for s in cell["sections"]:
            sec = self.secs[s["name"]]
            mech = s.get("mechanisms", {})
            for name, params in mech.items():
                sec.insert(name)
                for p, val in params.items():
                    setattr(sec, "%s_%s" % (p, name), val)
            ions = s.get("ions", {})
            if "hh" in mech:
                sec.ena = ions.get("ena", 50.0)
            if "hh" in mech or "Im" in mech:
                sec.ek = ions.get("ek", -77.0)
        self.soma = self.secs["soma"] if "soma" in self.secs else self.secs[
            [s["name"] for s in cell["sections"] if s["parent"] is None][0]]
        self.types = cell.get("synapse_types", {})
        self.pps, self.netcons, self.events = [], [], []
        stim = doc["stimulus"]
        if stim["kind"] == "somatic_current":
            loc = stim["location"]
            self.iclamp = h.IClamp(self.secs[loc["section"]](loc["x"]))
            self.iclamp.delay = 0
            self.iclamp.dur = 1e9
            amps = list(stim["amp_nA"]) + [0.0]
            self.tvec = h.Vector(np.arange(len(amps)) * stim["step_ms"])
            self.avec = h.Vector(amps)
            self.avec.play(self.iclamp._ref_amp, self.tvec, 0)
        else:
            self._synapses(stim["synapses"], merge)

    @staticmethod
    def sections():
        """All sections NEURON currently holds."""
        from neuron import h

        return h.allsec()

    def _point_process(self, type_name, seg):
        t = self.types[type_name]
        if t["mechanism"] == "Exp2Syn":
            pp = self.h.Exp2Syn(seg)
        else:
            pp = self.h.NMDAMg(seg)
            pp.mg = t["mg"]
        pp.tau1, pp.tau2, pp.e = t["tau1"], t["tau2"], t["e"]
        self.pps.append(pp)
        return pp

    def _synapses(self, synapses, merge):
        merged = {}
        for s in synapses:
            seg = self.secs[s["section"]](s["x"])
            receptors = s["type"].split("+")
            for r in receptors:
                w = s["weight"] if len(receptors) == 1 and "weight" in s else s["weight_" + r.lower()]
                if merge:
                    key = (r, str(seg.sec), seg.x)
                    if key not in merged:
                        merged[key] = self._point_process(r, seg)
                    pp = merged[key]
                else:
                    pp = self._point_process(r, seg)
                nc = self.h.NetCon(None, pp)
                nc.weight[0] = w
                nc.delay = 0
                self.netcons.append(nc)
                self.events.append((nc, s["times"]))

    def run(self, dt, t_stop, record_every_step=True):
        """Runs with NEURON's default fixed step; returns (t, v) sampled every dt."""
        h = self.h
        h.secondorder = 0
        h.dt = dt
        h.steps_per_ms = 1.0 / dt
        vrec = h.Vector()
        if record_every_step:
            vrec.record(self.soma(0.5)._ref_v)
        h.finitialize(self.v_init)
        for nc, times in self.events:
            for t in times:
                nc.event(t)
        n = int(round(t_stop / dt))
        for _ in range(n):
            h.fadvance()
        return np.array(vrec)


def spike_times(v, dt, threshold=0.0):
    """Upward threshold crossings of v sampled every dt, linearly interpolated (ms)."""
    v = np.asarray(v)
    k = np.nonzero((v[:-1] < threshold) & (v[1:] >= threshold))[0]
    return (k + (threshold - v[k]) / (v[k + 1] - v[k])) * dt
