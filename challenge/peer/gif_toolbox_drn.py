"""Fits the GIF model to a DRN recording with the Gerstner lab's GIF fitting toolbox and prints
its Md* on the frozen-noise test sweeps, to compare with Spike Arena's `gif` baseline (by hand
only; nothing in the test suite runs it).

    git clone https://github.com/Nishant-codex/GIFFittingToolbox /tmp/gif-toolbox   # 06def7d
    python3 -m venv /tmp/venv-gif
    /tmp/venv-gif/bin/pip install "numpy<2" numba==0.60.0 "scipy<1.14" matplotlib pyabf neo
    /tmp/venv-gif/bin/python challenge/peer/gif_toolbox_drn.py /tmp/gif-toolbox/src \
        ../shared/datasets-candidates/apayeur-GIF-K-DRN/DRN156_5HT DRN156_5ht

The toolbox is the Python 3 port (numba in place of weave) of Pozzorini's GIFFittingToolbox
(Pozzorini et al. 2015, PLoS Comput Biol 11:e1004275), which apayeur/GIF-K, the source of the
recordings, extends. This script follows the upstream analysis of these cells
(`analysis/Main_Test_GIFK_ABF.py` of GIF-K @ 36228df): AEC_Badel from the cell's `_aec` file with
its meta-parameters, 5 pA subtracted from the test current, the GIF with T_ref 6 ms and the
log-spaced eta and gamma filters of 5 s that its comments mark for 5-HT cells, fitted on the
60 s training sweep without its first and last 2 s; then 500 model repeats on the test current
(the toolbox's `Experiment.predictSpikes`, whose call into `GIF.simulate` this port breaks, is
replaced by the same loop). Md* uses the
Kistler kernel with Delta = 4 ms (the toolbox's `computeMD_Kistler`), as Spike Arena's Md* does.
It is printed for the whole 10 s sweeps and for each 5 s half, the two test trials of the
`drn-frozen-noise` challenge. The output of one run is `gif_toolbox_drn156.out` beside this file
(the toolbox imports `numpy.NaN`, gone in numpy 2, hence the pins).
"""

import os
import sys

import numpy as np
import pyabf

TOOLBOX, CELL_DIR, PREFIX = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, TOOLBOX)

from Experiment import Experiment  # noqa: E402  (first: the toolbox's imports are circular)
from AEC_Badel import AEC_Badel  # noqa: E402
from Filter_Rect_LogSpaced import Filter_Rect_LogSpaced  # noqa: E402
from GIF import GIF  # noqa: E402
from SpikeTrainComparator import SpikeTrainComparator  # noqa: E402

DT_MS = 0.1
TEST_OFFSET_PA = -5.0  # upstream: the test current minus 5 pA
DELTA_MS = 4.0


def sweeps(name):
    """(voltage mV, current pA) per sweep: channel 0 and channel 1 of the ABF."""
    abf = pyabf.ABF(os.path.join(CELL_DIR, PREFIX + name + ".abf"))
    assert abs(1000.0 / abf.dataRate - DT_MS) < 1e-9, abf.dataRate
    out = []
    for s in abf.sweepList:
        abf.setSweep(s, channel=0)
        v = np.array(abf.sweepY, dtype=float)
        abf.setSweep(s, channel=1)
        out.append((v, np.array(abf.sweepY, dtype=float)))
    return out


def main():
    exp = Experiment(PREFIX, DT_MS)
    (v, i), = sweeps("_aec")
    exp.setAECTrace(v, 1e-3, i, 1e-12, len(v) * DT_MS, FILETYPE="Array")
    (v, i), = sweeps("_training")
    exp.addTrainingSetTrace(v, 1e-3, i, 1e-12, len(v) * DT_MS, FILETYPE="Array")
    for v, i in sweeps("_test"):
        exp.addTestSetTrace(v, 1e-3, i + TEST_OFFSET_PA, 1e-12, len(v) * DT_MS,
                            FILETYPE="Array")

    aec = AEC_Badel(exp.dt)
    aec.K_opt.setMetaParameters(length=150.0, binsize_lb=exp.dt, binsize_ub=2.0, slope=30.0,
                                clamp_period=1.0)
    aec.p_expFitRange = [3.0, 150.0]
    aec.p_nbRep = 15
    exp.setAEC(aec)
    exp.performAEC()

    gif = GIF(DT_MS)
    gif.Tref = 6.0
    gif.eta = Filter_Rect_LogSpaced()
    gif.eta.setMetaParameters(length=5000.0, binsize_lb=2.0, binsize_ub=1000.0, slope=4.5)
    gif.gamma = Filter_Rect_LogSpaced()
    gif.gamma.setMetaParameters(length=5000.0, binsize_lb=5.0, binsize_ub=1000.0, slope=5.0)
    for tr in exp.trainingset_traces:
        tr.setROI([[2000.0, DT_MS * (len(tr.V) - 1) - 2000.0]])
    gif.fit(exp, DT_beforeSpike=5.0)
    gif.printParameters()

    test = exp.testset_traces
    t_ms = test[0].T
    gif.setDt(DT_MS)
    # GIF.simulate seeds numpy's generator with its `seed` argument: one seed per repeat.
    model = [np.asarray(gif.simulate(test[0].I, gif.El, seed=k + 1)[4]) for k in range(500)]
    for tr in test:
        tr.detectSpikes_python(threshold=0.0, ref=3.0)  # upward 0 mV crossings
    data = [np.asarray(tr.getSpikeTimes()) for tr in test]
    prediction = SpikeTrainComparator(t_ms, data, model)
    print("%s: Md* (Delta %.0f ms, 500 model repeats, %d recorded sweeps)"
          % (PREFIX, DELTA_MS, len(prediction.spks_data)))
    print("whole %.0f s: %.4f" % (t_ms / 1000.0, prediction.computeMD_Kistler(DELTA_MS, DT_MS)))
    half = t_ms / 2.0
    for k, (lo, hi) in enumerate([(0.0, half), (half, t_ms)]):
        cut = SpikeTrainComparator(
            hi - lo,
            [s[(s >= lo) & (s < hi)] - lo for s in data],
            [s[(s >= lo) & (s < hi)] - lo for s in model],
        )
        print("half %d (%.0f-%.0f s): %.4f" % (k, lo / 1000.0, hi / 1000.0,
                                               cut.computeMD_Kistler(DELTA_MS, DT_MS)))


if __name__ == "__main__":
    main()
