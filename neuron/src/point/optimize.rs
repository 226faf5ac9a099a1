//! Derivative-free minimisation (Nelder & Mead 1965, Comput J 7:308) for objectives that are
//! piecewise constant in their parameters, such as a spike-train similarity of a simulated
//! threshold model, where gradients do not exist.
//!
//! Standard coefficients: reflection 1, expansion 2, contraction ½, shrink ½.

/// Minimises `f` from `x0` with an initial simplex of `x0` plus `steps[i]` along axis i, using at
/// most `max_evals` evaluations. Returns the best point and its value. Ties keep the earlier
/// point, so a start that is already optimal is returned unchanged.
pub(super) fn nelder_mead(
    mut f: impl FnMut(&[f64]) -> f64,
    x0: &[f64],
    steps: &[f64],
    max_evals: usize,
) -> (Vec<f64>, f64) {
    let p = x0.len();
    let mut evals = 0;
    let mut eval = |x: &[f64], evals: &mut usize| {
        *evals += 1;
        f(x)
    };
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(p + 1);
    simplex.push((x0.to_vec(), eval(x0, &mut evals)));
    for i in 0..p {
        let mut x = x0.to_vec();
        x[i] += steps[i];
        let fx = eval(&x, &mut evals);
        simplex.push((x, fx));
    }
    while evals < max_evals {
        // Stable sort: among equal values the earlier (original) vertex stays first.
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let centroid: Vec<f64> = (0..p)
            .map(|i| simplex[..p].iter().map(|(x, _)| x[i]).sum::<f64>() / p as f64)
            .collect();
        let along = |t: f64| -> Vec<f64> {
            (0..p)
                .map(|i| centroid[i] + t * (simplex[p].0[i] - centroid[i]))
                .collect()
        };
        let reflected = along(-1.0);
        let f_reflected = eval(&reflected, &mut evals);
        if f_reflected < simplex[0].1 {
            let expanded = along(-2.0);
            let f_expanded = eval(&expanded, &mut evals);
            simplex[p] = if f_expanded < f_reflected {
                (expanded, f_expanded)
            } else {
                (reflected, f_reflected)
            };
        } else if f_reflected < simplex[p - 1].1 {
            simplex[p] = (reflected, f_reflected);
        } else {
            let contracted = along(0.5);
            let f_contracted = eval(&contracted, &mut evals);
            if f_contracted < simplex[p].1 {
                simplex[p] = (contracted, f_contracted);
            } else {
                let best = simplex[0].0.clone();
                for vertex in simplex.iter_mut().skip(1) {
                    let x: Vec<f64> = (0..p).map(|i| 0.5 * (best[i] + vertex.0[i])).collect();
                    let fx = eval(&x, &mut evals);
                    *vertex = (x, fx);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    simplex.swap_remove(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rosenbrock's valley, minimum 0 at (1, 1).
    #[test]
    fn finds_the_rosenbrock_minimum() {
        let rosenbrock = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let (x, fx) = nelder_mead(rosenbrock, &[-1.2, 1.0], &[0.5, 0.5], 2000);
        assert!(fx < 1e-8, "{fx}");
        assert!(
            (x[0] - 1.0).abs() < 1e-3 && (x[1] - 1.0).abs() < 1e-3,
            "{x:?}"
        );
    }

    /// A flat objective returns the start unchanged.
    #[test]
    fn keeps_an_optimal_start() {
        let (x, fx) = nelder_mead(|_| 0.0, &[3.0, 4.0], &[1.0, 1.0], 50);
        assert_eq!((x, fx), (vec![3.0, 4.0], 0.0));
    }
}
