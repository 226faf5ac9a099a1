//! Small dense linear algebra for the fits: least squares by normal equations and Cholesky
//! solves of symmetric positive-definite systems (also used for Newton steps on concave
//! log-likelihoods, whose negated Hessian is positive definite).
//!
//! The systems have at most a few dozen unknowns, so an O(p³) Cholesky in plain Rust is both
//! the simplest and fast enough; columns are scaled to unit diagonal before factorising, which
//! removes the ill-conditioning that mixed units (mV² next to pA²) would otherwise cause.

/// Accumulates the normal equations XᵀX β = Xᵀy row by row.
#[derive(Clone, Debug)]
pub(super) struct LeastSquares {
    p: usize,
    xtx: Vec<f64>,
    xty: Vec<f64>,
    yty: f64,
    rows: usize,
}

impl LeastSquares {
    /// An empty problem with `p` unknowns.
    pub fn new(p: usize) -> Self {
        Self {
            p,
            xtx: vec![0.0; p * p],
            xty: vec![0.0; p],
            yty: 0.0,
            rows: 0,
        }
    }

    /// Adds one observation y = xᵀβ + ε.
    pub fn add(&mut self, x: &[f64], y: f64) {
        debug_assert_eq!(x.len(), self.p);
        for (r, &xr) in x.iter().enumerate() {
            self.xty[r] += xr * y;
            for (c, &xc) in x.iter().enumerate().skip(r) {
                self.xtx[r * self.p + c] += xr * xc;
            }
        }
        self.yty += y * y;
        self.rows += 1;
    }

    /// Number of observations added.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The least-squares β, or `None` if XᵀX is singular.
    pub fn solve(&self) -> Option<Vec<f64>> {
        let mut a = self.xtx.clone();
        for r in 0..self.p {
            for c in 0..r {
                a[r * self.p + c] = a[c * self.p + r];
            }
        }
        solve_spd(&a, &self.xty, self.p)
    }

    /// The least-squares β and its residual sum of squares ‖y − Xβ‖² = yᵀy − βᵀXᵀy (the
    /// identity holds at the solution of the normal equations), or `None` if singular.
    pub fn solve_with_rss(&self) -> Option<(Vec<f64>, f64)> {
        let beta = self.solve()?;
        let explained: f64 = beta.iter().zip(&self.xty).map(|(b, xy)| b * xy).sum();
        Some((beta, (self.yty - explained).max(0.0)))
    }
}

/// Solves A x = b for symmetric positive-definite A (row-major p×p), or `None` if A is not
/// numerically positive definite. Columns are equilibrated (A → DAD with D = diag(A)^{-1/2})
/// before the Cholesky factorisation.
pub(super) fn solve_spd(a: &[f64], b: &[f64], p: usize) -> Option<Vec<f64>> {
    let mut scale = vec![0.0; p];
    for i in 0..p {
        let d = a[i * p + i];
        if !(d.is_finite() && d > 0.0) {
            return None;
        }
        scale[i] = d.sqrt().recip();
    }
    // Lower-triangular factor L of the scaled matrix, stored row-major.
    let mut l = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..=i {
            let mut sum = a[i * p + j] * scale[i] * scale[j];
            for k in 0..j {
                sum -= l[i * p + k] * l[j * p + k];
            }
            if i == j {
                if sum <= 1e-13 {
                    return None;
                }
                l[i * p + i] = sum.sqrt();
            } else {
                l[i * p + j] = sum / l[j * p + j];
            }
        }
    }
    // Forward then back substitution on the scaled right-hand side.
    let mut y = vec![0.0; p];
    for i in 0..p {
        let mut sum = b[i] * scale[i];
        for k in 0..i {
            sum -= l[i * p + k] * y[k];
        }
        y[i] = sum / l[i * p + i];
    }
    let mut x = vec![0.0; p];
    for i in (0..p).rev() {
        let mut sum = y[i];
        for k in i + 1..p {
            sum -= l[k * p + i] * x[k];
        }
        x[i] = sum / l[i * p + i];
    }
    Some(x.iter().zip(&scale).map(|(xi, s)| xi * s).collect())
}

#[cfg(test)]
mod tests {
    /// Four points (x, y) = (0, 0), (1, 1), (2, 1), (3, 3): the least-squares line, by
    /// hand: x̄ = 1.5, ȳ = 1.25, Sxy = (−1.5)(−1.25) + (−0.5)(−0.25) + (0.5)(−0.25) + 1.5·1.75
    /// = 1.875 + 0.125 − 0.125 + 2.625 = 4.5, Sxx = 5, slope 0.9, intercept 1.25 − 1.35 = −0.1;
    /// residuals 0.1, 0.2, −0.7, 0.4 → RSS = 0.01 + 0.04 + 0.49 + 0.16 = 0.7.
    #[test]
    fn rss_by_hand() {
        let mut ls = LeastSquares::new(2);
        for (x, y) in [(0.0, 0.0), (1.0, 1.0), (2.0, 1.0), (3.0, 3.0)] {
            ls.add(&[1.0, x], y);
        }
        let (beta, rss) = ls.solve_with_rss().unwrap();
        assert!(
            (beta[0] + 0.1).abs() < 1e-12 && (beta[1] - 0.9).abs() < 1e-12,
            "{beta:?}"
        );
        assert!((rss - 0.7).abs() < 1e-12, "{rss}");
    }

    use super::*;

    /// [[4, 2], [2, 3]] x = [2, 1]: det = 8, x = [ (3·2 − 2·1)/8, (4·1 − 2·2)/8 ] = [0.5, 0].
    #[test]
    fn solves_a_hand_computed_system() {
        let x = solve_spd(&[4.0, 2.0, 2.0, 3.0], &[2.0, 1.0], 2).unwrap();
        assert!((x[0] - 0.5).abs() < 1e-14 && x[1].abs() < 1e-14, "{x:?}");
    }

    #[test]
    fn rejects_singular_and_indefinite() {
        assert!(solve_spd(&[1.0, 1.0, 1.0, 1.0], &[1.0, 1.0], 2).is_none());
        assert!(solve_spd(&[1.0, 2.0, 2.0, 1.0], &[1.0, 1.0], 2).is_none());
    }

    /// Exact data y = 3 − 2x₁ + 0.5x₂ on a grid: least squares returns the coefficients.
    #[test]
    fn least_squares_recovers_exact_linear_data() {
        let mut ls = LeastSquares::new(3);
        for i in 0..10 {
            for j in 0..10 {
                let (x1, x2) = (f64::from(i) - 60.0, 100.0 * f64::from(j));
                ls.add(&[1.0, x1, x2], 3.0 - 2.0 * x1 + 0.5 * x2);
            }
        }
        assert_eq!(ls.rows(), 100);
        let (beta, rss) = ls.solve_with_rss().unwrap();
        assert!(rss < 1e-6 * ls.yty, "{rss}");
        for (b, e) in beta.iter().zip([3.0, -2.0, 0.5]) {
            assert!((b - e).abs() < 1e-9, "{beta:?}");
        }
    }
}
