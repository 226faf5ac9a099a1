"""Writes cell.swc, the generated pyramidal-like morphology of the clustered-dendritic demo.

Pure Python (standard library only), seeded and deterministic: the same file on every run.

    python3 datasets/dendritic-clustered-demo/make_morphology.py

`--variant NAME --out PATH` writes one of the probe morphologies of EFFECT.md instead (shorter
and/or thicker dendrites; see VARIANTS); the shipped cell.swc is the default.

The rules and the resulting dimensions are documented in MORPHOLOGY.md; the Rust test
`neuron/tests/cable_swc.rs` checks the compartment count (d_lambda rule, 100 Hz, 0.1,
Ra = 150 ohm cm, cm = 1 uF/cm2) and simulates the cell.
"""

import argparse
import math
import os
import random

SEED = 8
STEP_UM = 10.0  # distance between consecutive points along a branch
SOMA_RADIUS = 10.0

# Basal dendrites: (azimuth in degrees in the x-z plane, elevation below horizontal).
BASAL_DIRECTIONS = [(0, 30), (72, 45), (144, 25), (216, 40), (288, 35)]
BASAL_PRIMARY_UM, BASAL_PRIMARY_DIAM = (45, 60), (1.6, 1.3)  # primary length range, diameters
BASAL_CHILD_UM, BASAL_CHILD_DIAM = (240, 290), (1.0, 0.7)  # first-order daughters
BASAL_GRANDCHILD_UM, BASAL_GRANDCHILD_DIAM = (250, 310), (0.7, 0.5)  # second-order daughters
BASAL_SECOND_BRANCH_P = 0.8  # chance that a daughter bifurcates again

TRUNK_UM = 600.0
TRUNK_DIAM = (3.0, 1.0)
OBLIQUE_AT_UM = [70, 130, 190, 250, 310, 370, 430]  # distances along the trunk
OBLIQUE_UM, OBLIQUE_DIAM = (320, 380), (1.0, 0.6)
OBLIQUE_BRANCH_UM, OBLIQUE_BRANCH_DIAM = (250, 310), (0.6, 0.45)
OBLIQUE_BRANCH_P = 0.8
TUFT_FIRST, TUFT_BIFURCATING = 3, 2  # first-order tuft branches, how many of them bifurcate
TUFT_FIRST_UM = (60, 80)
TUFT_TERMINAL_UM = (380, 440)

# The probe morphologies of EFFECT.md ("A cell with shorter dendrites"): overrides of the
# constants above. Short basal trees and obliques with the demo's diameters; the same, thicker;
# only the basal trees short and thick (apical tree as in the demo); and that with two more
# obliques, a fuller tuft and every basal daughter bifurcating (978 compartments).
SHORT = {
    "BASAL_DIRECTIONS": [(0, 30), (51, 45), (103, 25), (154, 40), (206, 35), (257, 30), (309, 40)],
    "BASAL_PRIMARY_UM": (20, 30),
    "BASAL_CHILD_UM": (90, 120),
    "BASAL_GRANDCHILD_UM": (100, 140),
}
THICK_BASAL = {
    "BASAL_PRIMARY_DIAM": (2.0, 1.6),
    "BASAL_CHILD_DIAM": (1.2, 1.0),
    "BASAL_GRANDCHILD_DIAM": (1.0, 0.8),
}
SHORT_OBLIQUES = {"OBLIQUE_UM": (150, 200), "OBLIQUE_BRANCH_UM": (100, 140)}
VARIANTS = {
    "short-thin": {**SHORT, **SHORT_OBLIQUES},
    "short-thick": {**SHORT, **SHORT_OBLIQUES, **THICK_BASAL, "OBLIQUE_DIAM": (1.2, 0.9),
                    "OBLIQUE_BRANCH_DIAM": (0.9, 0.7)},
    "compact-basal": {**SHORT, **THICK_BASAL},
    "compact-basal-full": {**SHORT, **THICK_BASAL, "BASAL_SECOND_BRANCH_P": 1.0,
                           "OBLIQUE_AT_UM": [70, 130, 190, 250, 310, 370, 430, 490, 550],
                           "TUFT_FIRST": 4, "TUFT_BIFURCATING": 4},
}

AIS_UM, AIS_DIAM = 40.0, (1.6, 1.2)
AXON_UM, AXON_DIAM = 360.0, (1.0, 0.8)
COLLATERAL_UM, COLLATERAL_DIAM = 120.0, (0.6, 0.5)

SOMA, AXON, BASAL, APICAL = 1, 2, 3, 4


class Writer:
    def __init__(self):
        self.rows = []

    def add(self, kind, pos, diam, parent):
        self.rows.append((len(self.rows) + 1, kind, pos, diam / 2.0, parent))
        return len(self.rows)


def unit(v):
    n = math.sqrt(sum(c * c for c in v))
    return [c / n for c in v]


def direction(azimuth_deg, elevation_deg):
    """Unit vector; elevation > 0 points up (+y), azimuth turns in the x-z plane."""
    a, e = math.radians(azimuth_deg), math.radians(elevation_deg)
    return [math.cos(e) * math.cos(a), math.sin(e), math.cos(e) * math.sin(a)]


def branch(w, rng, kind, start_id, start, heading, length, d0, d1, wiggle=0.12):
    """A tortuous unbranched path of `length` um from `start` (not re-emitted), diameter
    tapering linearly from d0 to d1; returns (last id, end position, final heading)."""
    n = max(2, int(round(length / STEP_UM)))
    pos, h, pid = list(start), list(heading), start_id
    for i in range(1, n + 1):
        h = unit([c + rng.gauss(0.0, wiggle) for c in h])
        h = unit([0.7 * a + 0.3 * b for a, b in zip(h, heading)])  # keep the mean course
        pos = [p + STEP_UM * c for p, c in zip(pos, h)]
        pid = w.add(kind, pos, d0 + (d1 - d0) * i / n, pid)
    return pid, pos, h


def turn(heading, rng, angle_deg):
    """The heading rotated by about angle_deg in a random direction."""
    side = unit([rng.gauss(0, 1) for _ in range(3)])
    along = sum(a * b for a, b in zip(side, heading))
    side = unit([s - along * h for s, h in zip(side, heading)])
    a = math.radians(angle_deg)
    return unit([math.cos(a) * h + math.sin(a) * s for h, s in zip(heading, side)])


def bifurcate(w, rng, kind, pid, pos, heading, lengths, diams, depth_left, p_branch):
    """Two daughters from (pid, pos); each bifurcates again with probability p_branch while
    depth_left > 0."""
    for sign in (1, -1):
        h = turn(heading, rng, 25 * sign + rng.uniform(-8, 8))
        length = rng.uniform(*lengths[0])
        last, end, hh = branch(w, rng, kind, pid, pos, h, length, diams[0][0], diams[0][1])
        if depth_left > 0 and rng.random() < p_branch:
            bifurcate(w, rng, kind, last, end, hh, lengths[1:], diams[1:], depth_left - 1, 0.0)


def build(rng):
    w = Writer()
    origin = [0.0, 0.0, 0.0]
    soma = w.add(SOMA, origin, 2 * SOMA_RADIUS, -1)
    # NeuroMorpho three-point soma: a sphere of radius SOMA_RADIUS for NEURON's Import3d.
    w.add(SOMA, [0.0, -SOMA_RADIUS, 0.0], 2 * SOMA_RADIUS, soma)
    w.add(SOMA, [0.0, SOMA_RADIUS, 0.0], 2 * SOMA_RADIUS, soma)

    # Axon: initial segment straight down, then the axon and one collateral.
    down = [0.0, -1.0, 0.0]
    first = w.add(AXON, [0.0, -SOMA_RADIUS, 0.0], AIS_DIAM[0], soma)
    ais, end, h = branch(w, rng, AXON, first, [0.0, -SOMA_RADIUS, 0.0], down, AIS_UM,
                         AIS_DIAM[0], AIS_DIAM[1], wiggle=0.0)
    branch(w, rng, AXON, ais, end, down, AXON_UM, *AXON_DIAM, wiggle=0.05)
    branch(w, rng, AXON, ais, end, turn(down, rng, 50), COLLATERAL_UM, *COLLATERAL_DIAM)

    # Basal dendrites: primary, two daughters, each bifurcating again with some probability.
    for az, el in BASAL_DIRECTIONS:
        h = direction(az + rng.uniform(-10, 10), -el)
        start = [SOMA_RADIUS * c for c in h]
        first = w.add(BASAL, start, BASAL_PRIMARY_DIAM[0], soma)
        last, end, hh = branch(w, rng, BASAL, first, start, h, rng.uniform(*BASAL_PRIMARY_UM),
                               *BASAL_PRIMARY_DIAM)
        bifurcate(w, rng, BASAL, last, end, hh, [BASAL_CHILD_UM, BASAL_GRANDCHILD_UM],
                  [BASAL_CHILD_DIAM, BASAL_GRANDCHILD_DIAM], 1, BASAL_SECOND_BRANCH_P)

    # Apical trunk along +y with obliques, then the tuft.
    up = [0.0, 1.0, 0.0]
    pos = [0.0, SOMA_RADIUS, 0.0]
    pid = w.add(APICAL, pos, TRUNK_DIAM[0], soma)
    done = 0.0

    def trunk_diam(s):
        return TRUNK_DIAM[0] + (TRUNK_DIAM[1] - TRUNK_DIAM[0]) * s / TRUNK_UM

    for k, at in enumerate(OBLIQUE_AT_UM + [TRUNK_UM]):
        pid, pos, _ = branch(w, rng, APICAL, pid, pos, up, at - done, trunk_diam(done),
                             trunk_diam(at), wiggle=0.03)
        done = at
        if at == TRUNK_UM:
            break
        side = 1 if k % 2 == 0 else -1
        h = unit([side * math.cos(math.radians(k * 47)), 0.35, math.sin(math.radians(k * 47))])
        last, end, hh = branch(w, rng, APICAL, pid, pos, h, rng.uniform(*OBLIQUE_UM),
                               *OBLIQUE_DIAM)
        if rng.random() < OBLIQUE_BRANCH_P:
            bifurcate(w, rng, APICAL, last, end, hh, [OBLIQUE_BRANCH_UM], [OBLIQUE_BRANCH_DIAM],
                      0, 0.0)
    # Tuft: TUFT_FIRST first-order branches, the first TUFT_BIFURCATING of which bifurcate
    # (demo: three, two bifurcating, five terminals).
    for k in range(TUFT_FIRST):
        h = direction(360 / TUFT_FIRST * k + rng.uniform(-15, 15), 55)
        last, end, hh = branch(w, rng, APICAL, pid, pos, h, rng.uniform(*TUFT_FIRST_UM), 1.0,
                               0.8)
        if k < TUFT_BIFURCATING:
            bifurcate(w, rng, APICAL, last, end, hh, [TUFT_TERMINAL_UM], [(0.7, 0.4)], 0, 0.0)
        else:
            branch(w, rng, APICAL, last, end, hh, rng.uniform(*TUFT_TERMINAL_UM), 0.7, 0.4)
    return w.rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variant", choices=sorted(VARIANTS), help="a probe morphology")
    parser.add_argument("--out", help="output file (default: cell.swc beside this script)")
    args = parser.parse_args()
    if args.variant:
        globals().update(VARIANTS[args.variant])
    rows = build(random.Random(SEED))
    here = os.path.dirname(os.path.abspath(__file__))
    with open(args.out or os.path.join(here, "cell.swc"), "w") as f:
        f.write("# Generated pyramidal-like morphology for the Spike Arena clustered-dendritic demo.\n")
        f.write("# Written by make_morphology.py (seed %d%s); rules in MORPHOLOGY.md. CC0 1.0.\n"
                % (SEED, ", variant " + args.variant if args.variant else ""))
        f.write("# Columns: id type x y z radius parent (um); types 1 soma, 2 axon, 3 basal,"
                " 4 apical.\n")
        for i, kind, (x, y, z), r, parent in rows:
            f.write("%d %d %.3f %.3f %.3f %.4f %d\n" % (i, kind, x, y, z, r, parent))


if __name__ == "__main__":
    main()
