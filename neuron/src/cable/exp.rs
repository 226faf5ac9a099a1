//! A branch-free exponential accurate to about one unit in the last place, written so that
//! the compiler can vectorise loops that call it.
//!
//! Why: rate functions and `cnexp` updates need 5 exponentials per Hodgkin–Huxley
//! compartment per step (hh.mod writes 9; see [`super::channels::hh_gates`]), 3 per `Ih` and
//! 2 per `Im` compartment, which dominates the run time. The platform `exp` is a call into libm
//! that cannot be vectorised; this one is inlined arithmetic. It is not a table or a
//! low-order approximation: over the whole range used here its relative error stays below
//! 4e-16 (tested against `f64::exp`), so results differ from NEURON's (which calls libm) only
//! by rounding, as any change of operation order would.
//!
//! # Method
//! Cody & Waite (1980) range reduction: x = n·ln2 + r with n = round(x/ln2) and
//! |r| ≤ ln2/2, ln2 split into a 32-bit head and a tail so that n·ln2_hi is exact; e^r by its
//! Taylor series to degree 13 (truncation error ≤ (ln2/2)^14/14! ≈ 4e-18), evaluated by
//! Estrin's scheme (Knuth, TAOCP vol. 2, §4.6.4) for a short dependency chain; 2^n assembled in
//! the exponent bits. n is rounded with the 1.5·2^52 "shifter", which needs no float-to-int
//! conversion instruction. Inputs are clamped to [−708, 709], where e^x is a normal number.

const LOG2_E: f64 = std::f64::consts::LOG2_E;
/// ln 2 rounded to 32 significant bits, so that n·LN2_HI is exact for |n| < 2^21.
const LN2_HI: f64 = 0.693_147_180_369_123_8;
/// ln 2 − LN2_HI.
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
/// 1.5·2^52: adding it rounds a float of magnitude < 2^51 to an integer held in the low bits.
const SHIFTER: f64 = 6_755_399_441_055_744.0;

/// e^x for x ∈ [−708, 709] (clamped outside), relative error < 4e-16; NaN in, NaN out.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    let x = x.clamp(-708.0, 709.0);
    // Every a·b + c is one fused multiply–add (`mul_add`, rounded once): fewer instructions
    // and a smaller error than a product and a sum. The result is the same on every machine:
    // a processor without FMA instructions gets libm's correctly rounded software `fma`
    // (slowly), never a product and a sum.
    let shifted = x.mul_add(LOG2_E, SHIFTER);
    let n = shifted - SHIFTER;
    let r = (-n).mul_add(LN2_LO, (-n).mul_add(LN2_HI, x));
    // p(r) = Σ_{k=0}^{11} r^k/(k + 2)!, so that e^r = 1 + r + r²·p(r) (Taylor to degree 13),
    // evaluated by Estrin's scheme: pairs c_k + c_{k+1}·r, combined with r², r⁴ and r⁸.
    // Its dependency chain is 5 multiply–add levels deep instead of Horner's 12, so the
    // several independent exponentials of one compartment overlap in the pipeline.
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let q0 = r.mul_add(1.0 / 6.0, 1.0 / 2.0);
    let q1 = r.mul_add(1.0 / 120.0, 1.0 / 24.0);
    let q2 = r.mul_add(1.0 / 5_040.0, 1.0 / 720.0);
    let q3 = r.mul_add(1.0 / 362_880.0, 1.0 / 40_320.0);
    let q4 = r.mul_add(1.0 / 39_916_800.0, 1.0 / 3_628_800.0);
    let q5 = r.mul_add(1.0 / 6_227_020_800.0, 1.0 / 479_001_600.0);
    // (q0 + q1·r²) + (q2 + q3·r²)·r⁴ + (q4 + q5·r²)·r⁸
    let low = q3.mul_add(r2, q2).mul_add(r4, q1.mul_add(r2, q0));
    let p = q5.mul_add(r2, q4).mul_add(r8, low);
    let er = 1.0 + r2.mul_add(p, r);
    // n sits in the low bits of `shifted`; biased by 1023 and moved into the exponent field.
    let n_bits = shifted.to_bits().wrapping_sub(SHIFTER.to_bits());
    let scale = f64::from_bits(n_bits.wrapping_add(1023) << 52);
    er * scale
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rel_err(x: f64) -> f64 {
        let (a, b) = (exp(x), x.exp());
        ((a - b) / b).abs()
    }

    #[test]
    fn simple_points_within_one_ulp() {
        assert_eq!(exp(0.0), 1.0);
        // e and 1/e: at most one unit in the last place (2^-51 relative) from the constants.
        assert!((exp(1.0) - std::f64::consts::E).abs() <= std::f64::consts::E * f64::EPSILON);
        assert!((exp(-1.0) * std::f64::consts::E - 1.0).abs() <= 2.0 * f64::EPSILON);
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(exp(-1000.0), exp(-708.0));
        assert!(((exp(-708.0) - (-708f64).exp()) / (-708f64).exp()).abs() < 4e-16);
    }

    #[test]
    fn dense_sweep_of_the_physiological_range() {
        // Every argument the rate functions see lies well within ±60; sweep ±80 densely.
        let mut worst: f64 = 0.0;
        let mut x = -80.0;
        while x <= 80.0 {
            worst = worst.max(rel_err(x));
            x += 0.000_731;
        }
        assert!(worst < 4e-16, "worst relative error {worst:e}");
    }

    proptest! {
        #[test]
        fn close_to_libm_everywhere(x in -708.0f64..709.0) {
            prop_assert!(rel_err(x) < 4e-16, "x = {x}: {:e}", rel_err(x));
        }
    }
}
