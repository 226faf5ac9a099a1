COMMENT
Muscarinic (M-type) potassium current, rates of Adams, Brown & Constanti (1982, J Physiol
330:537) in the form used by Hay et al. (2011, PLoS Comput Biol 7:e1002107):
    alpha = 3.3e-3 * exp(0.1 * (v + 35)),  beta = 3.3e-3 * exp(-0.1 * (v + 35))  (/ms)
    tau = 1 / (qt * (alpha + beta)),  qt = 2.3^((34 - 21)/10)
    ik = gbar * m * (v - ek)
Written for Spike Arena; neuron/src/cable/channels.rs implements exactly these equations.
ENDCOMMENT

NEURON {
    SUFFIX Im
    USEION k READ ek WRITE ik
    RANGE gbar
}

UNITS {
    (S) = (siemens)
    (mV) = (millivolt)
    (mA) = (milliamp)
}

PARAMETER {
    gbar = 0.00001 (S/cm2)
}

ASSIGNED {
    v (mV)
    ek (mV)
    ik (mA/cm2)
    minf
    mtau (ms)
}

STATE { m }

BREAKPOINT {
    SOLVE states METHOD cnexp
    ik = gbar*m*(v - ek)
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
    LOCAL alpha, beta, sum, qt
    UNITSOFF
    qt = 2.3^((34 - 21)/10)
    alpha = 3.3e-3*exp(0.1*(v + 35))
    beta = 3.3e-3*exp(-0.1*(v + 35))
    sum = alpha + beta
    minf = alpha/sum
    mtau = 1/(qt*sum)
    UNITSON
}
