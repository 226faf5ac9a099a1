//! Small dense linear algebra for the fits: least squares by normal equations and Cholesky
//! solves of symmetric positive-definite systems (also used for Newton steps on concave
//! log-likelihoods, whose negated Hessian is positive definite).
//!
//! The systems have at most a few dozen unknowns, so an O(p³) Cholesky in plain Rust is both
//! the simplest and fast enough; columns are scaled to unit diagonal before factorising, which
//! removes the ill-conditioning that mixed units (mV² next to pA²) would otherwise cause.
//!
//! Why public: the point-neuron fits and the dendritic baselines of `arena-challenge` solve the
//! same kind of regression; one solver serves both, so a fix or a tolerance change applies to
//! every baseline alike.

/// Pivots of the Cholesky factorisation of the unit-diagonal matrix at or below this count as
/// zero: the column is numerically a linear combination of the columns before it.
const PIVOT_TOLERANCE: f64 = 1e-13;

/// A symmetric system without a unique solution: `column` (0-based, in the caller's
/// numbering) is numerically a linear combination of the columns before it, or has a
/// non-positive (or non-finite) diagonal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SingularColumn {
    /// The first offending column.
    pub column: usize,
}

/// A least-squares solution with its goodness of fit.
#[derive(Clone, Debug, PartialEq)]
pub struct LeastSquaresFit {
    /// β, one coefficient per column (0 for a column that is zero in every row).
    pub beta: Vec<f64>,
    /// Residual sum of squares ‖y − Xβ‖².
    pub rss: f64,
    /// Coefficient of determination R² = 1 − RSS/TSS, TSS = Σ(y − ȳ)² (0 if TSS = 0).
    pub r_squared: f64,
}

/// Accumulates the normal equations XᵀX β = Xᵀy row by row.
#[derive(Clone, Debug)]
pub struct LeastSquares {
    p: usize,
    /// Upper triangle of XᵀX, row-major p×p.
    xtx: Vec<f64>,
    xty: Vec<f64>,
    yty: f64,
    sum_y: f64,
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
            sum_y: 0.0,
            rows: 0,
        }
    }

    /// Adds one observation y = xᵀβ + ε (`x` has `p` entries). Zero entries are skipped, which
    /// changes nothing in the sums and makes sparse rows cheap.
    pub fn add(&mut self, x: &[f64], y: f64) {
        debug_assert_eq!(x.len(), self.p);
        for (r, &xr) in x.iter().enumerate() {
            if xr == 0.0 {
                continue;
            }
            self.xty[r] += xr * y;
            for (c, &xc) in x.iter().enumerate().skip(r) {
                self.xtx[r * self.p + c] += xr * xc;
            }
        }
        self.yty += y * y;
        self.sum_y += y;
        self.rows += 1;
    }

    /// Number of observations added.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The least-squares β, or `None` if XᵀX is singular (a column that is zero in every row
    /// included).
    pub fn solve(&self) -> Option<Vec<f64>> {
        let all: Vec<usize> = (0..self.p).collect();
        self.solve_columns(&all).ok()
    }

    /// The least-squares β and its residual sum of squares ‖y − Xβ‖² = yᵀy − βᵀXᵀy (the
    /// identity holds at the solution of the normal equations), or `None` if singular.
    pub fn solve_with_rss(&self) -> Option<(Vec<f64>, f64)> {
        let beta = self.solve()?;
        let rss = self.rss(&beta);
        Some((beta, rss))
    }

    /// The least-squares fit with every column that is zero in all rows given β = 0 and left
    /// out of the solve (a regressor without data, e.g. a kernel bin no event reached), with
    /// RSS and R².
    ///
    /// # Errors
    /// [`SingularColumn`]: the first remaining column that is a combination of the earlier
    /// ones.
    pub fn fit(&self) -> Result<LeastSquaresFit, SingularColumn> {
        let active: Vec<usize> = (0..self.p)
            .filter(|&i| self.xtx[i * self.p + i] != 0.0)
            .collect();
        let beta = self.solve_columns(&active)?;
        let rss = self.rss(&beta);
        let n = self.rows as f64;
        let tss = self.yty - self.sum_y * self.sum_y / n;
        let r_squared = if tss > 0.0 { 1.0 - rss / tss } else { 0.0 };
        Ok(LeastSquaresFit {
            beta,
            rss,
            r_squared,
        })
    }

    /// yᵀy − βᵀXᵀy, clamped at 0 against rounding.
    fn rss(&self, beta: &[f64]) -> f64 {
        let explained: f64 = beta.iter().zip(&self.xty).map(|(b, xy)| b * xy).sum();
        (self.yty - explained).max(0.0)
    }

    /// β with the columns `active` (increasing) solved for and the others 0.
    fn solve_columns(&self, active: &[usize]) -> Result<Vec<f64>, SingularColumn> {
        let p = self.p;
        let m = active.len();
        let mut a = vec![0.0; m * m];
        for (r, &i) in active.iter().enumerate() {
            for (c, &j) in active.iter().enumerate() {
                a[r * m + c] = self.xtx[i.min(j) * p + i.max(j)];
            }
        }
        let b: Vec<f64> = active.iter().map(|&i| self.xty[i]).collect();
        let sub = try_solve_spd(&a, &b, m).map_err(|e| SingularColumn {
            column: active[e.column],
        })?;
        let mut beta = vec![0.0; p];
        for (&i, x) in active.iter().zip(sub) {
            beta[i] = x;
        }
        Ok(beta)
    }
}

/// Solves A x = b for symmetric positive-definite A (row-major p×p), or `None` if A is not
/// numerically positive definite ([`try_solve_spd`] says which column fails).
pub fn solve_spd(a: &[f64], b: &[f64], p: usize) -> Option<Vec<f64>> {
    try_solve_spd(a, b, p).ok()
}

/// Solves A x = b for symmetric positive-definite A (row-major p×p). Columns are equilibrated
/// (A → DAD with D = diag(A)^{-1/2}) before the Cholesky factorisation, so the pivot test is
/// scale-free: a pivot ≤ 1e-13 is the squared distance of the unit-norm column from the span of
/// the columns before it, so the column is a combination of them to within about 3·10⁻⁷ of
/// its norm.
///
/// # Errors
/// [`SingularColumn`]: the first column with a non-positive or non-finite diagonal, else the
/// first whose Cholesky pivot is ≤ 1e-13.
pub fn try_solve_spd(a: &[f64], b: &[f64], p: usize) -> Result<Vec<f64>, SingularColumn> {
    let mut scale = vec![0.0; p];
    for i in 0..p {
        let d = a[i * p + i];
        if !(d.is_finite() && d > 0.0) {
            return Err(SingularColumn { column: i });
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
                if sum <= PIVOT_TOLERANCE {
                    return Err(SingularColumn { column: i });
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
    Ok(x.iter().zip(&scale).map(|(xi, s)| xi * s).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// [[4, 2], [2, 3]] x = [2, 1]: det = 8, x = [ (3·2 − 2·1)/8, (4·1 − 2·2)/8 ] = [0.5, 0].
    #[test]
    fn solves_a_hand_computed_system() {
        let x = solve_spd(&[4.0, 2.0, 2.0, 3.0], &[2.0, 1.0], 2).unwrap();
        assert!((x[0] - 0.5).abs() < 1e-14 && x[1].abs() < 1e-14, "{x:?}");
    }

    /// The same four points with a column that is zero in every row: [`LeastSquares::fit`]
    /// leaves it out (β = 0) and solves the rest as above, β = (−0.1, 0.9, 0), RSS = 0.7.
    /// ȳ = 1.25, TSS = 1.25² + 0.25² + 0.25² + 1.75² = 1.5625 + 0.0625 + 0.0625 + 3.0625 = 4.75,
    /// R² = 1 − 0.7/4.75 = 4.05/4.75 = 0.852631578947….
    #[test]
    fn fit_skips_empty_columns_and_reports_r_squared_by_hand() {
        let mut ls = LeastSquares::new(3);
        for (x, y) in [(0.0, 0.0), (1.0, 1.0), (2.0, 1.0), (3.0, 3.0)] {
            ls.add(&[1.0, x, 0.0], y);
        }
        assert!(
            ls.solve().is_none(),
            "solve() keeps refusing an empty column"
        );
        let fit = ls.fit().unwrap();
        for (b, e) in fit.beta.iter().zip([-0.1, 0.9, 0.0]) {
            assert!((b - e).abs() < 1e-12, "{:?}", fit.beta);
        }
        assert_eq!(fit.beta[2], 0.0);
        assert!((fit.rss - 0.7).abs() < 1e-12, "{}", fit.rss);
        assert!(
            (fit.r_squared - 4.05 / 4.75).abs() < 1e-12,
            "{}",
            fit.r_squared
        );
    }

    /// Exact data y = 2 + 3x₁ − x₂ with a zero column: β = (2, 3, −1, 0), R² = 1.
    #[test]
    fn fit_recovers_exact_data_with_an_empty_column() {
        let mut ls = LeastSquares::new(4);
        for i in 0..5 {
            for j in 0..4 {
                let (x1, x2) = (f64::from(i), f64::from(j * j));
                ls.add(&[1.0, x1, x2, 0.0], 2.0 + 3.0 * x1 - x2);
            }
        }
        let fit = ls.fit().unwrap();
        for (b, e) in fit.beta.iter().zip([2.0, 3.0, -1.0, 0.0]) {
            assert!((b - e).abs() < 1e-10, "{:?}", fit.beta);
        }
        assert!((fit.r_squared - 1.0).abs() < 1e-12, "{}", fit.r_squared);
    }

    /// Columns [1, 0, x, 2x]: column 1 is empty (skipped by `fit`), column 3 = 2·column 2 is
    /// the first that depends on earlier ones, and is named in the caller's numbering.
    #[test]
    fn fit_names_the_first_dependent_column() {
        let mut ls = LeastSquares::new(4);
        for i in 0..10 {
            let x = f64::from(i);
            ls.add(&[1.0, 0.0, x, 2.0 * x], x);
        }
        assert_eq!(ls.fit().unwrap_err(), SingularColumn { column: 3 });
    }

    /// [[1, 1], [1, 1]] (unit diagonal already): L₀₀ = 1, L₁₀ = 1/1 = 1, pivot 1 − 1² = 0 ≤
    /// 1e-13, so column 1 fails; [[0, 0], [0, 1]] fails at column 0 (zero diagonal).
    #[test]
    fn try_solve_spd_says_which_column_fails() {
        let ab = [1.0, 1.0];
        assert_eq!(
            try_solve_spd(&[1.0, 1.0, 1.0, 1.0], &ab, 2),
            Err(SingularColumn { column: 1 })
        );
        assert_eq!(
            try_solve_spd(&[0.0, 0.0, 0.0, 1.0], &ab, 2),
            Err(SingularColumn { column: 0 })
        );
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
