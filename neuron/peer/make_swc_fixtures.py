"""Generates the SWC-import fixtures of neuron/tests/fixtures/neuron/swc_*.neuron.json (by hand only).

    python3 -m venv /work/venv-neuron
    /work/venv-neuron/bin/pip install neuron==9.0.2 numpy
    /work/venv-neuron/bin/python neuron/peer/make_swc_fixtures.py

Each SWC file is imported the standard NEURON way (Import3d_SWC_read + Import3d_GUI.instantiate,
the code behind the "Import3D" tool), Ra and cm are set everywhere, nseg follows the d_lambda
rule of NEURON's fixnseg.hoc (Hines & Carnevale, "The NEURON Book", 2006, ch. 5):

    nseg = int((L / (d_lambda * lambda_f(freq)) + 0.9) / 2) * 2 + 1

with lambda_f from NEURON's stdlib.hoc (computed from the 3-D points), and the script writes
what NEURON then holds: every section's name, parent, attachment point, nseg, L and 3-D points,
every segment's area (um2) and ri (MOhm; `ri` of x = 1 is the end node), the total area, the
somatic input resistance at 0 Hz (Impedance class), and, for the cells listed in VOLTAGE, the
somatic voltage of a current step sampled every 0.1 ms (passive everywhere, and with hh in the
soma), NEURON's default fixed step (backward Euler), dt = 0.025 ms, usetable_hh = 0.
"""

import json
import os
import sys

import numpy as np
from neuron import h

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "tests", "fixtures", "neuron")
DEMO = os.path.join(HERE, "..", "..", "datasets", "dendritic-clustered-demo", "cell.swc")

RA, CM, D_LAMBDA, FREQ = 150.0, 1.0, 0.1, 100.0
PAS = {"g": 1e-4, "e": -65.0}
HH = {"gnabar": 0.12, "gkbar": 0.036, "gl": 0.0003, "el": -54.3}
DT, T_STOP, SAMPLE = 0.025, 60.0, 4
STEP = {"delay_ms": 5.0, "dur_ms": 40.0}
# Step amplitude (nA) per (cell, case).
VOLTAGE = {"swc_small": {"passive": 0.1, "hh_soma": 0.5}}

h.load_file("stdrun.hoc")
h.load_file("import3d.hoc")
h.usetable_hh = 0


def import_swc(path):
    """NEURON's Import3d, exactly as the Import3D GUI tool instantiates a cell at top level."""
    for sec in list(h.allsec()):
        h.delete_section(sec=sec)
    reader = h.Import3d_SWC_read()
    reader.quiet = 1
    reader.input(path)
    gui = h.Import3d_GUI(reader, 0)
    gui.instantiate(None)
    return list(h.allsec())


def apply_d_lambda(secs):
    for sec in secs:
        sec.Ra = RA
        sec.cm = CM
    for sec in secs:
        sec.nseg = int((sec.L / (D_LAMBDA * h.lambda_f(FREQ, sec=sec)) + 0.9) / 2) * 2 + 1


def describe(secs):
    out = []
    for sec in secs:
        parent = sec.parentseg()  # the segment this section's 0 end is connected to
        out.append({
            "name": sec.name(),
            "parent": None if parent is None else parent.sec.name(),
            "parent_x": None if parent is None else parent.x,
            "nseg": sec.nseg,
            "L": sec.L,
            "pt3d": [[sec.x3d(i), sec.y3d(i), sec.z3d(i), sec.diam3d(i)] for i in range(sec.n3d())],
            "area_um2": [seg.area() for seg in sec],
            "ri_MOhm": [seg.ri() for seg in sec] + [sec(1).ri()],
        })
    return out


def input_resistance(soma):
    imp = h.Impedance()
    imp.loc(0.5, sec=soma)
    imp.compute(0)
    return imp.input(0.5, sec=soma)


def step_response(secs, soma, amp, hh_soma):
    for sec in secs:
        if hh_soma and sec == soma:
            sec.insert("hh")
            for k, v in HH.items():
                setattr(sec, k + "_hh", v)
        else:
            sec.insert("pas")
            sec.g_pas, sec.e_pas = PAS["g"], PAS["e"]
    stim = h.IClamp(soma(0.5))
    stim.delay, stim.dur, stim.amp = STEP["delay_ms"], STEP["dur_ms"], amp
    h.celsius = 6.3
    h.secondorder = 0
    h.dt = DT
    h.steps_per_ms = 1.0 / DT
    vrec = h.Vector()
    vrec.record(soma(0.5)._ref_v)
    h.finitialize(-65.0)
    for _ in range(int(round(T_STOP / DT))):
        h.fadvance()
    v = np.array(vrec)[::SAMPLE]
    return [round(float(x), 6) for x in v]


def fixture(name, path):
    secs = import_swc(path)
    apply_d_lambda(secs)
    soma = secs[0]
    doc = {
        "swc": os.path.relpath(path, FIX),
        "Ra": RA, "cm": CM, "d_lambda": D_LAMBDA, "freq_hz": FREQ,
        "sections": describe(secs),
        "total_area_um2": sum(seg.area() for sec in secs for seg in sec),
        "n_segments": sum(sec.nseg for sec in secs),
    }
    for sec in secs:
        sec.insert("pas")
        sec.g_pas, sec.e_pas = PAS["g"], PAS["e"]
    doc["pas"] = PAS
    doc["input_resistance_MOhm"] = input_resistance(soma)
    if name in VOLTAGE:
        doc["hh"] = HH
        doc["step"] = dict(STEP, dt_ms=DT, t_stop_ms=T_STOP, soma_v_dt_ms=DT * SAMPLE)
        for case, amp in VOLTAGE[name].items():
            secs = import_swc(path)
            apply_d_lambda(secs)
            doc[case] = {"amp_nA": amp, "soma_v_mV": step_response(secs, secs[0], amp,
                                                                   case == "hh_soma")}
    return doc


def main():
    cases = [(n, os.path.join(FIX, n + ".swc")) for n in ("swc_small", "swc_onepoint",
                                                          "swc_multisoma")]
    if os.path.exists(DEMO):
        cases.append(("swc_demo_cell", DEMO))
    for name, path in cases:
        doc = fixture(name, path)
        with open(os.path.join(FIX, name + ".neuron.json"), "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
        print(name, len(doc["sections"]), "sections", doc["n_segments"], "segments",
              "Rin %.4f MOhm" % doc["input_resistance_MOhm"], file=sys.stderr)


if __name__ == "__main__":
    main()
