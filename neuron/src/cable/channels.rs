//! Membrane mechanisms with their parameters (serde, NEURON's defaults and units) and their
//! rate functions written exactly as in the cited `.mod` files, so that a run with
//! `usetable_hh = 0` in NEURON and a run here differ only by floating-point rounding.
//!
//! Gating variables advance with NEURON's `cnexp` integrator, which for a linear ODE
//! x' = (x∞ − x)/τ is the exact update x ← x + (1 − exp(−dt/τ))·(x∞ − x) with x∞ and τ held at
//! their values for v(t + dt).

use super::exp::exp;
use serde::{Deserialize, Serialize};

/// Passive leak `pas` (NEURON built-in): i = g·(v − e).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PasParams {
    /// Leak conductance density, S/cm² (NEURON default 0.001).
    pub g: f64,
    /// Reversal potential, mV (NEURON default −70).
    pub e: f64,
}

impl Default for PasParams {
    fn default() -> Self {
        Self { g: 0.001, e: -70.0 }
    }
}

/// Hodgkin–Huxley squid axon channels `hh` (Hodgkin & Huxley 1952, J Physiol 117:500), as in
/// NEURON's hh.mod: i = gnabar·m³h·(v − ena) + gkbar·n⁴·(v − ek) + gl·(v − el).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HhParams {
    /// Peak sodium conductance density, S/cm² (default 0.12).
    pub gnabar: f64,
    /// Peak potassium conductance density, S/cm² (default 0.036).
    pub gkbar: f64,
    /// Leak conductance density, S/cm² (default 0.0003).
    pub gl: f64,
    /// Leak reversal, mV (default −54.3).
    pub el: f64,
}

impl Default for HhParams {
    fn default() -> Self {
        Self {
            gnabar: 0.12,
            gkbar: 0.036,
            gl: 0.0003,
            el: -54.3,
        }
    }
}

/// Hyperpolarisation-activated cation current `Ih` (Kole, Hallermann & Stuart 2006,
/// J Neurosci 26:1677; the form of Hay et al. 2011, PLoS Comput Biol 7:e1002107, ModelDB
/// 139653): i = gbar·m·(v − ehcn), α = 0.00643·vtrap(v + 154.9, 11.9) /ms,
/// β = 0.193·exp(v/33.1) /ms; no temperature dependence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IhParams {
    /// Peak conductance density, S/cm² (default 1e-5).
    pub gbar: f64,
    /// Reversal potential of the mixed cation current, mV (default −45).
    pub ehcn: f64,
}

impl Default for IhParams {
    fn default() -> Self {
        Self {
            gbar: 1e-5,
            ehcn: -45.0,
        }
    }
}

/// Muscarinic (M-type) potassium current `Im` (Adams, Brown & Constanti 1982, J Physiol
/// 330:537; the form of Hay et al. 2011, ModelDB 139653): i = gbar·m·(v − ek),
/// α = 3.3e-3·exp(0.1·(v + 35)) /ms, β = 3.3e-3·exp(−0.1·(v + 35)) /ms,
/// τ = 1/((α + β)·qt) with qt = 2.3^((34 − 21)/10) fixed (recorded at 21 °C, model at 34 °C).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ImParams {
    /// Peak conductance density, S/cm² (default 1e-5).
    pub gbar: f64,
}

impl Default for ImParams {
    fn default() -> Self {
        Self { gbar: 1e-5 }
    }
}

/// NEURON's `vtrap(x, y) = x/(exp(x/y) − 1)`, replaced by its first-order expansion
/// y·(1 − x/y/2) where |x/y| < 1e-6 to avoid 0/0 (hh.mod).
#[inline(always)]
pub fn vtrap(x: f64, y: f64) -> f64 {
    let (num, den) = vtrap_fraction(x, 1.0 / y, y, exp(x / y));
    num / den
}

/// `vtrap(x, y)` as a fraction (numerator, denominator), given `inv_y = 1/y` and
/// `e = exp(x/y)` computed by the caller; the division is left to the caller, who merges it
/// with others ([`Gate::from_fractions`]). Branch-free (both sides are evaluated and one is
/// selected) so that loops over compartments vectorise.
#[inline(always)]
fn vtrap_fraction(x: f64, inv_y: f64, y: f64, e: f64) -> (f64, f64) {
    let ratio = x * inv_y;
    let series = y * (1.0 - ratio / 2.0);
    if ratio.abs() < 1e-6 {
        (series, 1.0)
    } else {
        (x, e - 1.0)
    }
}

/// Steady state and rate of one gate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gate {
    /// x∞ (dimensionless).
    pub inf: f64,
    /// 1/τ in 1/ms (the .mod files' τ = 1/(q10·(α + β)), kept as its reciprocal so that the
    /// `cnexp` factor exp(−dt/τ) needs no division).
    pub rate: f64,
}

impl Gate {
    /// The gate with α = `a_num`/`a_den` and β = `b_num`/`b_den` (1/ms before the temperature
    /// factor), with one division: with S = a_num·b_den + b_num·a_den and D = a_den·b_den,
    /// α + β = S/D, so x∞ = α/(α + β) = a_num·b_den/S = a_num·b_den·D/(S·D) and
    /// 1/τ = factor·S/D = factor·S·S/(S·D). The same quantities as the .mod files' three
    /// divisions up to rounding (a few units in the last place), at a third of the cost: a
    /// division occupies the divider for as long as about ten multiplications.
    #[inline(always)]
    fn from_fractions(a_num: f64, a_den: f64, b_num: f64, b_den: f64, rate_factor: f64) -> Self {
        let s = a_num * b_den + b_num * a_den;
        let d = a_den * b_den;
        let r = 1.0 / (s * d);
        Gate {
            inf: a_num * b_den * d * r,
            rate: rate_factor * s * s * r,
        }
    }

    /// Time constant τ in ms.
    pub fn tau(self) -> f64 {
        1.0 / self.rate
    }

    /// The `cnexp` update over `dt` ms.
    #[inline(always)]
    pub fn advance(self, x: f64, dt: f64) -> f64 {
        x + (1.0 - exp(-dt * self.rate)) * (self.inf - x)
    }
}

/// hh.mod's temperature factor q10 = 3^((celsius − 6.3)/10).
pub fn hh_q10(celsius: f64) -> f64 {
    3f64.powf((celsius - 6.3) / 10.0)
}

/// e^2.5, e^3 and e^1: hh.mod's three exponentials with a 10 mV scale, exp(−(v + 40)/10),
/// exp(−(v + 35)/10) and exp(−(v + 55)/10), are exp(−(v + 65)/10) times these.
const E_P2_5: f64 = 12.182_493_960_703_473;
const E_P3: f64 = 20.085_536_923_187_668;
const E_P1: f64 = std::f64::consts::E;

/// hh.mod's `rates(v)`: the m, h and n gates at membrane potential `v` (mV).
///
/// Mathematically identical to hh.mod, and equal to it up to rounding (tested against the
/// literal formulas): hh.mod's five exponentials with scales of 10, 20 and 80 mV are powers
/// of one, u = exp(−(v + 65)/80): exp(−(v + 65)/20) = u⁴ and exp(−(v + 65)/10) = u⁸ (times
/// the constants [`E_P2_5`], ... for the other offsets), three squarings in place of four
/// exponentials (the eighth power multiplies u's relative error by 8, to about 2e-15).
/// Divisions by the constant scales are multiplications by their reciprocals, and each gate
/// needs one division ([`Gate::from_fractions`]) instead of hh.mod's three or four.
#[inline(always)]
pub fn hh_gates(v: f64, q10: f64) -> [Gate; 3] {
    let e65 = v + 65.0;
    let u = exp(e65 * (-1.0 / 80.0));
    let u2 = u * u;
    let u4 = u2 * u2;
    let u8 = u4 * u4;
    let (m_num, m_den) = vtrap_fraction(-(v + 40.0), 0.1, 10.0, u8 * E_P2_5);
    let m = Gate::from_fractions(0.1 * m_num, m_den, 4.0 * exp(e65 * (-1.0 / 18.0)), 1.0, q10);
    // αh = 0.07·exp(−(v + 65)/20), βh = 1/(exp(−(v + 35)/10) + 1).
    let h = Gate::from_fractions(0.07 * u4, 1.0, 1.0, u8 * E_P3 + 1.0, q10);
    let (n_num, n_den) = vtrap_fraction(-(v + 55.0), 0.1, 10.0, u8 * E_P1);
    let n = Gate::from_fractions(0.01 * n_num, n_den, 0.125 * u, 1.0, q10);
    [m, h, n]
}

/// The `Ih` activation gate at `v` (mV): α = 0.00643·vtrap(v + 154.9, 11.9),
/// β = 0.193·exp(v/33.1), one division ([`Gate::from_fractions`]).
#[inline(always)]
pub fn ih_gate(v: f64) -> Gate {
    const INV_11_9: f64 = 1.0 / 11.9;
    let x = v + 154.9;
    let (num, den) = vtrap_fraction(x, INV_11_9, 11.9, exp(x * INV_11_9));
    Gate::from_fractions(0.00643 * num, den, 0.193 * exp(v * (1.0 / 33.1)), 1.0, 1.0)
}

/// Temperature factor of `Im`: 2.3^((34 − 21)/10).
pub fn im_qt() -> f64 {
    2.3f64.powf((34.0 - 21.0) / 10.0)
}

/// The `Im` activation gate at `v` (mV); with e = exp(0.1(v + 35)), α = 3.3e-3·e and
/// β = 3.3e-3·exp(−0.1(v + 35)) = 3.3e-3/e (identical up to rounding), one division
/// ([`Gate::from_fractions`]).
#[inline(always)]
pub fn im_gate(v: f64, qt: f64) -> Gate {
    let e = exp(0.1 * (v + 35.0));
    Gate::from_fractions(3.3e-3 * e, 1.0, 3.3e-3, e, qt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hh_rest_values_match_hand_computation() {
        // At v = −65 mV, 6.3 °C (q10 = 1):
        // αm = 0.1·vtrap(25, 10) = 0.1·25/(e^2.5 − 1) = 2.5/11.182494 = 0.2235637
        // βm = 4·e^0 = 4 → m∞ = 0.2235637/4.2235637 = 0.0529325, τm = 1/4.2235637 = 0.2367669 ms
        // αh = 0.07, βh = 1/(e^3 + 1) = 0.0474259 → h∞ = 0.07/0.1174259 = 0.5961208
        // αn = 0.01·vtrap(10, 10) = 0.1/(e − 1) = 0.0581977, βn = 0.125 → n∞ = 0.3176769
        let [m, h, n] = hh_gates(-65.0, hh_q10(6.3));
        assert!((m.inf - 0.0529325).abs() < 1e-7, "{}", m.inf);
        assert!((m.tau() - 0.2367669).abs() < 1e-7, "{}", m.tau());
        assert!((h.inf - 0.5961208).abs() < 1e-7, "{}", h.inf);
        assert!((n.inf - 0.3176769).abs() < 1e-7, "{}", n.inf);
    }

    #[test]
    fn vtrap_is_continuous_at_its_singularity() {
        // x/(e^{x/y} − 1) → y as x → 0; the expansion and the formula agree just outside 1e-6.
        assert_eq!(vtrap(0.0, 10.0), 10.0);
        let inside = vtrap(9.99e-6, 10.0);
        let outside = vtrap(1.001e-5, 10.0);
        assert!((inside - outside).abs() < 1e-8);
        assert!((inside - 10.0).abs() < 1e-4);
    }

    #[test]
    fn shared_exponential_constants_are_exact() {
        assert!((E_P2_5 - 2.5f64.exp()).abs() <= f64::EPSILON * E_P2_5);
        assert!((E_P3 - 3f64.exp()).abs() <= f64::EPSILON * E_P3);
    }

    #[test]
    fn hh_rates_equal_the_literal_mod_file_formulas() {
        // hh.mod written out with libm exp, one exponential per rate.
        let literal = |v: f64| {
            let vt = |x: f64, y: f64| {
                if (x / y).abs() < 1e-6 {
                    y * (1.0 - x / y / 2.0)
                } else {
                    x / ((x / y).exp() - 1.0)
                }
            };
            let am = 0.1 * vt(-(v + 40.0), 10.0);
            let bm = 4.0 * (-(v + 65.0) / 18.0).exp();
            let ah = 0.07 * (-(v + 65.0) / 20.0).exp();
            let bh = 1.0 / ((-(v + 35.0) / 10.0).exp() + 1.0);
            let an = 0.01 * vt(-(v + 55.0), 10.0);
            let bn = 0.125 * (-(v + 65.0) / 80.0).exp();
            [
                am / (am + bm),
                ah / (ah + bh),
                an / (an + bn),
                am + bm,
                ah + bh,
                an + bn,
            ]
        };
        let mut v = -120.0;
        while v < 60.0 {
            let g = hh_gates(v, 1.0);
            let l = literal(v);
            // Near vtrap's singular points (v = −40 for m, −55 for n) x/(e^{x/y} − 1) loses
            // log10(10/|x|) digits to cancellation in either evaluation; scale the tolerance.
            let near = ((v + 40.0).abs().min((v + 55.0).abs()) / 10.0).min(1.0);
            for (i, (a, b)) in [
                g[0].inf, g[1].inf, g[2].inf, g[0].rate, g[1].rate, g[2].rate,
            ]
            .iter()
            .zip(l)
            .enumerate()
            {
                assert!(
                    ((a - b) / b).abs() < 1e-14 / near,
                    "v = {v}, quantity {i}: {a} vs {b}"
                );
            }
            v += 0.0137;
        }
        // the singular points of vtrap: v = −40 (m) and v = −55 (n)
        for v in [-40.0, -55.0, -40.0 + 1e-6, -55.0 - 1e-7] {
            let g = hh_gates(v, 1.0);
            let l = literal(v);
            assert!(((g[0].inf - l[0]) / l[0]).abs() < 1e-12, "{v}");
            assert!(((g[2].inf - l[2]) / l[2]).abs() < 1e-12, "{v}");
        }
    }

    #[test]
    fn q10_is_three_per_ten_degrees() {
        assert!((hh_q10(16.3) - 3.0).abs() < 1e-12);
        assert!((hh_q10(6.3) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn cnexp_is_exact_for_constant_rates() {
        // x(t) = x∞ + (x0 − x∞)e^{−t/τ}: two half steps equal one full step.
        let g = Gate {
            inf: 0.8,
            rate: 1.0 / 3.0,
        };
        let one = g.advance(0.1, 1.0);
        let two = g.advance(g.advance(0.1, 0.5), 0.5);
        assert!((one - two).abs() < 1e-15);
        assert!((one - (0.8 - 0.7 * (-1.0f64 / 3.0).exp())).abs() < 1e-15);
    }

    #[test]
    fn ih_and_im_are_half_activated_where_rates_cross() {
        // Im: α = β at v = −35 mV → m∞ = 0.5, τ = 1/(2·3.3e-3·qt).
        let g = im_gate(-35.0, im_qt());
        assert!((g.inf - 0.5).abs() < 1e-15);
        assert!((g.tau() - 1.0 / (6.6e-3 * 2.3f64.powf(1.3))).abs() < 1e-9);
        // Ih activates with hyperpolarisation.
        assert!(ih_gate(-100.0).inf > ih_gate(-60.0).inf);
        assert!(ih_gate(-154.9).inf.is_finite());
    }
}
