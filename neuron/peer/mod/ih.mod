COMMENT
Hyperpolarisation-activated cation current Ih, with the rates of Kole, Hallermann & Stuart
(2006, J Neurosci 26:1677) in the form used by Hay et al. (2011, PLoS Comput Biol 7:e1002107):
    alpha = 0.00643 * (v + 154.9) / (exp((v + 154.9)/11.9) - 1)  (/ms)
    beta  = 0.193 * exp(v/33.1)                                  (/ms)
    i = gbar * m * (v - ehcn)
Written for Spike Arena; neuron/src/cable/channels.rs implements exactly these equations.
ENDCOMMENT

NEURON {
    SUFFIX Ih
    NONSPECIFIC_CURRENT ihcn
    RANGE gbar, ehcn, ihcn
}

UNITS {
    (S) = (siemens)
    (mV) = (millivolt)
    (mA) = (milliamp)
}

PARAMETER {
    gbar = 0.00001 (S/cm2)
    ehcn = -45 (mV)
}

ASSIGNED {
    v (mV)
    ihcn (mA/cm2)
    minf
    mtau (ms)
}

STATE { m }

BREAKPOINT {
    SOLVE states METHOD cnexp
    ihcn = gbar*m*(v - ehcn)
}

DERIVATIVE states {
    rates(v)
    m' = (minf - m)/mtau
}

INITIAL {
    rates(v)
    m = minf
}

PROCEDURE rates(v (mV)) {
    LOCAL alpha, beta, sum
    UNITSOFF
    alpha = 0.00643*vtrap(v + 154.9, 11.9)
    beta = 0.193*exp(v/33.1)
    sum = alpha + beta
    minf = alpha/sum
    mtau = 1/(1*sum)
    UNITSON
}

FUNCTION vtrap(x, y) {
    if (fabs(x/y) < 1e-6) {
        vtrap = y*(1 - x/y/2)
    } else {
        vtrap = x/(exp(x/y) - 1)
    }
}
