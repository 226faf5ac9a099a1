COMMENT
NMDA receptor synapse: double-exponential conductance (the kinetics and peak normalisation of
NEURON's Exp2Syn) with the Mg2+ block of Jahr & Stevens (1990, J Neurosci 10:3178):
    i = g * B(v) * (v - e),  B(v) = 1 / (1 + exp(-0.062 v) * mg / 3.57)
Written for Spike Arena; the Rust simulator (neuron/src/cable/synapse.rs) implements exactly
these equations.
ENDCOMMENT

NEURON {
    POINT_PROCESS NMDAMg
    RANGE tau1, tau2, e, mg, i, g
    NONSPECIFIC_CURRENT i
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (uS) = (microsiemens)
    (mM) = (milli/liter)
}

PARAMETER {
    tau1 = 2 (ms) <1e-9,1e9>
    tau2 = 75 (ms) <1e-9,1e9>
    e = 0 (mV)
    mg = 1 (mM)
}

ASSIGNED {
    v (mV)
    i (nA)
    g (uS)
    factor
}

STATE {
    A (uS)
    B (uS)
}

INITIAL {
    LOCAL tp
    if (tau1/tau2 > 0.9999) {
        tau1 = 0.9999*tau2
    }
    if (tau1/tau2 < 1e-9) {
        tau1 = tau2*1e-9
    }
    A = 0
    B = 0
    tp = (tau1*tau2)/(tau2 - tau1) * log(tau2/tau1)
    factor = -exp(-tp/tau1) + exp(-tp/tau2)
    factor = 1/factor
}

BREAKPOINT {
    SOLVE state METHOD cnexp
    g = B - A
    i = g*mgblock(v)*(v - e)
}

DERIVATIVE state {
    A' = -A/tau1
    B' = -B/tau2
}

FUNCTION mgblock(v (mV)) {
    UNITSOFF
    mgblock = 1 / (1 + exp(0.062 * -v) * (mg / 3.57))
    UNITSON
}

NET_RECEIVE(weight (uS)) {
    A = A + weight*factor
    B = B + weight*factor
}
