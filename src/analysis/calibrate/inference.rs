//! Standard errors of a simulated-method-of-moments estimate, the fit of each moment, the J
//! statistic, and warnings for weakly identified parameters.
//!
//! With `m(theta)` the moments' means over S replicates at `theta`, `G = dm/dtheta` (central
//! differences with common random numbers), `W` the loss's weights and `Omega` the covariance
//! of one replicate's moments at the estimate, the usual sandwich with the simulation
//! correction gives
//!
//! ```text
//! Var(theta_hat) = (1 + 1/S) (G'WG)^-1 G'W Omega W G (G'WG)^-1
//! ```
//!
//! The targets are values from the literature, without a sampling distribution of their own;
//! `Omega` stands for it: the standard errors say how precisely an economy of the simulated
//! size, observed once, pins the parameters down through these moments. A moment inside its
//! band adds nothing to the loss near the estimate, so its row of `G` counts as zero.
//!
//! `J = d' Omega^-1 d / (1 + 1/S)`, with `d` the deviations of the point targets and of the
//! bands that bind, is compared with a chi-square with (such moments - parameters) degrees of
//! freedom: a large J says the model cannot match those moments together at any parameters
//! in the box. (With weights other than `Omega^-1` the statistic is approximate.) With no
//! more replicates than informative moments the sample `Omega` is singular; J then uses its
//! diagonal (the moments' variances, their correlations ignored) and says so.

use super::moments::{Moment, Target};
use super::search::Record;

/// A parameter's estimate with its standard error.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// The value.
    pub value: f64,
    /// Its standard error (`None` when the moments do not identify it).
    pub se: Option<f64>,
    /// Whether the value is at (within 1 % of the range of) a bound.
    pub at_bound: bool,
}

/// The fit of one moment at the estimate.
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    /// The moment's mean over the replicates.
    pub mean: f64,
    /// The standard error of that mean, sd / sqrt(S).
    pub se: f64,
    /// The spread across replicates, sd.
    pub sd: f64,
    /// Deviation from the target (0 inside a band).
    pub deviation: f64,
}

/// The J test of the overidentifying moments.
#[derive(Clone, Debug, PartialEq)]
pub struct JTest {
    /// The statistic.
    pub value: f64,
    /// Its degrees of freedom: informative moments less parameters.
    pub df: usize,
    /// The chi-square p-value.
    pub p: f64,
    /// Whether `Omega` was replaced by its diagonal (too few replicates to invert it).
    pub diagonal: bool,
}

/// Why a calibration has no J test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoJ {
    /// No more informative moments than parameters.
    NoDegreesOfFreedom,
    /// A moment that informs the loss does not vary across replicates (or is NaN), so not even
    /// the diagonal of `Omega` can be inverted.
    ConstantMoment,
}

/// What inference found.
#[derive(Clone, Debug, PartialEq)]
pub struct Inference {
    /// Per parameter.
    pub estimates: Vec<Estimate>,
    /// Per moment.
    pub fits: Vec<Fit>,
    /// `dm_k / dtheta_p`, `[moment][parameter]`.
    pub jacobian: Vec<Vec<f64>>,
    /// The J test, or why there is none.
    pub j: Result<JTest, NoJ>,
    /// Plain-language warnings (weak identification, estimates at a bound).
    pub warnings: Vec<String>,
}

/// Inference at `best`, from the Jacobian's evaluations `minus[p]` and `plus[p]` (the points
/// `best` with parameter p moved down and up).
pub fn infer(
    moments: &[Moment],
    names: &[String],
    bounds: &[(f64, f64)],
    weights: &[f64],
    best: &Record,
    minus: &[Record],
    plus: &[Record],
) -> Inference {
    let s = best.evaluation.replicates.len() as f64;
    let (m, p) = (moments.len(), names.len());
    let means = best.evaluation.means();
    let omega = covariance(&best.evaluation.replicates);
    let fits: Vec<Fit> = (0..m)
        .map(|k| {
            let sd = omega[k][k].max(0.0).sqrt();
            Fit {
                mean: means[k],
                se: sd / s.sqrt(),
                sd,
                deviation: moments[k].target.deviation(means[k]),
            }
        })
        .collect();
    let mut jacobian = vec![vec![0.0; p]; m];
    for q in 0..p {
        let (lo, hi) = (&minus[q].evaluation, &plus[q].evaluation);
        let step = hi.values[q] - lo.values[q];
        let (ml, mh) = (lo.means(), hi.means());
        for k in 0..m {
            jacobian[k][q] = if step != 0.0 {
                (mh[k] - ml[k]) / step
            } else {
                f64::NAN
            };
        }
    }
    // The moments that inform the loss near the estimate: point targets and bands that bind.
    let informative: Vec<usize> = (0..m)
        .filter(|&k| matches!(moments[k].target, Target::Point(_)) || fits[k].deviation != 0.0)
        .collect();
    let g: Vec<Vec<f64>> = informative.iter().map(|&k| jacobian[k].clone()).collect();
    let w: Vec<f64> = informative.iter().map(|&k| weights[k]).collect();
    let om: Vec<Vec<f64>> = informative
        .iter()
        .map(|&a| informative.iter().map(|&b| omega[a][b]).collect())
        .collect();
    let variance = sandwich(&g, &w, &om, s);
    let mut warnings = Vec::new();
    let estimates: Vec<Estimate> = (0..p)
        .map(|q| {
            let value = best.evaluation.values[q];
            let (lo, hi) = bounds[q];
            let at_bound = (value - lo).abs() <= 0.01 * (hi - lo) || (hi - value).abs() <= 0.01 * (hi - lo);
            if at_bound {
                warnings.push(format!(
                    "`{}` = {value} is at a bound of [{lo}, {hi}]: the loss may fall beyond it; widen the bound if the parameter may, or read the estimate as a corner",
                    names[q]
                ));
            }
            let se = variance
                .as_ref()
                .map(|v| v[q][q])
                .filter(|v| v.is_finite() && *v >= 0.0)
                .map(f64::sqrt);
            Estimate {
                value,
                se,
                at_bound,
            }
        })
        .collect();
    // Weak identification: over the whole range, how far the parameter moves the moments that
    // inform the loss, in units of one replicate's spread; and whether its standard error leaves
    // the whole range searched inside the 95 % interval.
    for q in 0..p {
        let (lo, hi) = bounds[q];
        let reach = informative
            .iter()
            .map(|&k| {
                let sd = fits[k].sd.max(1e-12);
                (jacobian[k][q] * (hi - lo) / sd).abs()
            })
            .fold(0.0, f64::max);
        warnings.extend(weak_identification(
            &names[q],
            bounds[q],
            reach,
            estimates[q].se,
        ));
    }
    if variance.is_none() && p > 0 {
        warnings.push(
            "no standard errors: G'WG is singular (fewer informative moments than parameters, or moments that do not move with some parameter)"
                .to_string(),
        );
    }
    let j = j_statistic(&informative, &fits, &omega, s, p);
    Inference {
        estimates,
        fits,
        jacobian,
        j,
        warnings,
    }
}

/// Half-width of a 95 % normal interval, in standard errors.
const Z_95: f64 = 1.96;

/// The weak-identification warning for one parameter, if any. `reach` is how far moving it over
/// its whole range `bounds` moves the most sensitive informative moment, in that moment's
/// spread across replicates: below one half, the moments barely see it. A parameter the moments
/// do see can still be unidentified together with others (its effect is another parameter's):
/// then its standard error makes the 95 % interval wider than the whole range searched.
fn weak_identification(
    name: &str,
    bounds: (f64, f64),
    reach: f64,
    se: Option<f64>,
) -> Option<String> {
    let (lo, hi) = bounds;
    if reach.is_nan() || reach < 0.5 {
        return Some(format!(
            "`{name}` is weakly identified: over its whole range it moves no informative moment by more than {reach:.2} of that moment's spread across replicates"
        ));
    }
    match se {
        Some(se) if 2.0 * Z_95 * se > hi - lo => Some(format!(
            "`{name}` is weakly identified: its 95 % interval (+/- {:.4}) is wider than the whole range searched [{lo}, {hi}]; the moments move with it, but other parameters can do the same, so read its estimate as one of many that fit",
            Z_95 * se
        )),
        _ => None,
    }
}

/// `(1 + 1/S) (G'WG)^-1 G'W Omega W G (G'WG)^-1`, or `None` if `G'WG` is singular.
fn sandwich(g: &[Vec<f64>], w: &[f64], omega: &[Vec<f64>], s: f64) -> Option<Vec<Vec<f64>>> {
    let m = g.len();
    let p = g.first().map_or(0, Vec::len);
    if m == 0 || p == 0 || g.iter().flatten().any(|x| !x.is_finite()) {
        return None;
    }
    let a: Vec<Vec<f64>> = (0..p)
        .map(|i| {
            (0..p)
                .map(|j| (0..m).map(|k| g[k][i] * w[k] * g[k][j]).sum())
                .collect()
        })
        .collect();
    let a_inv = invert(&a)?;
    // B = G'W Omega W G
    let b: Vec<Vec<f64>> = (0..p)
        .map(|i| {
            (0..p)
                .map(|j| {
                    let mut sum = 0.0;
                    for k in 0..m {
                        for l in 0..m {
                            sum += g[k][i] * w[k] * omega[k][l] * w[l] * g[l][j];
                        }
                    }
                    sum
                })
                .collect()
        })
        .collect();
    let ab = multiply(&a_inv, &b);
    let v = multiply(&ab, &a_inv);
    Some(
        v.into_iter()
            .map(|row| row.into_iter().map(|x| (1.0 + 1.0 / s) * x).collect())
            .collect(),
    )
}

/// J over the informative moments, with its degrees of freedom and chi-square p-value; with
/// `Omega` singular (S no larger than the moments) its diagonal stands in.
fn j_statistic(
    informative: &[usize],
    fits: &[Fit],
    omega: &[Vec<f64>],
    s: f64,
    parameters: usize,
) -> Result<JTest, NoJ> {
    let df = informative
        .len()
        .checked_sub(parameters)
        .filter(|&d| d > 0)
        .ok_or(NoJ::NoDegreesOfFreedom)?;
    let full: Vec<Vec<f64>> = informative
        .iter()
        .map(|&a| informative.iter().map(|&b| omega[a][b]).collect())
        .collect();
    let diagonal_of = |m: &[Vec<f64>]| -> Vec<Vec<f64>> {
        (0..m.len())
            .map(|a| {
                (0..m.len())
                    .map(|b| if a == b { m[a][b] } else { 0.0 })
                    .collect()
            })
            .collect()
    };
    let (inv, diagonal) = match invert(&full) {
        Some(inv) => (inv, false),
        None => (
            invert(&diagonal_of(&full)).ok_or(NoJ::ConstantMoment)?,
            true,
        ),
    };
    let d: Vec<f64> = informative.iter().map(|&k| fits[k].deviation).collect();
    let mut j = 0.0;
    for (a, da) in d.iter().enumerate() {
        for (b, db) in d.iter().enumerate() {
            j += da * inv[a][b] * db;
        }
    }
    let value = j / (1.0 + 1.0 / s);
    Ok(JTest {
        value,
        df,
        p: chi_square_survival(value, df as f64),
        diagonal,
    })
}

/// The sample covariance (n - 1) of the columns of `rows`.
pub fn covariance(rows: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = rows.len();
    let m = rows.first().map_or(0, Vec::len);
    let means: Vec<f64> = (0..m)
        .map(|k| crate::stats::mean(rows.iter().map(|r| r[k])))
        .collect();
    let denominator = (n.max(2) - 1) as f64;
    (0..m)
        .map(|a| {
            (0..m)
                .map(|b| {
                    rows.iter()
                        .map(|r| (r[a] - means[a]) * (r[b] - means[b]))
                        .sum::<f64>()
                        / denominator
                })
                .collect()
        })
        .collect()
}

fn multiply(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let (n, m, p) = (a.len(), b.len(), b.first().map_or(0, Vec::len));
    (0..n)
        .map(|i| {
            (0..p)
                .map(|j| (0..m).map(|k| a[i][k] * b[k][j]).sum())
                .collect()
        })
        .collect()
}

/// The inverse of a square matrix by Gauss-Jordan elimination with partial pivoting; `None`
/// if it is singular (a pivot below 1e-12 of the matrix's largest entry).
pub fn invert(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let scale = a.iter().flatten().fold(0.0f64, |s, x| s.max(x.abs()));
    if n == 0 || scale.is_nan() || scale <= 0.0 || !scale.is_finite() {
        return None;
    }
    let mut m: Vec<Vec<f64>> = a
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut r = row.clone();
            r.extend((0..n).map(|j| if i == j { 1.0 } else { 0.0 }));
            r
        })
        .collect();
    for col in 0..n {
        let pivot = (col..n).max_by(|&x, &y| m[x][col].abs().total_cmp(&m[y][col].abs()))?;
        if m[pivot][col].abs() < 1e-12 * scale {
            return None;
        }
        m.swap(col, pivot);
        let d = m[col][col];
        m[col].iter_mut().for_each(|x| *x /= d);
        for row in 0..n {
            if row != col {
                let f = m[row][col];
                if f != 0.0 {
                    let pivot_row = m[col].clone();
                    for (x, p) in m[row].iter_mut().zip(&pivot_row) {
                        *x -= f * p;
                    }
                }
            }
        }
    }
    Some(m.into_iter().map(|r| r[n..].to_vec()).collect())
}

/// `P(X > x)` for `X` chi-square with `k` degrees of freedom: the upper regularised incomplete
/// gamma function `Q(k/2, x/2)` (series below `a + 1`, continued fraction above; Numerical
/// Recipes, section 6.2).
pub fn chi_square_survival(x: f64, k: f64) -> f64 {
    let (a, x) = (k / 2.0, x / 2.0);
    if x.is_nan() || x <= 0.0 {
        return 1.0;
    }
    let ln_prefix = a * crate::math::ln(x) - x - crate::math::ln_gamma(a);
    if x < a + 1.0 {
        // P(a, x) by its series
        let (mut term, mut sum, mut n) = (1.0 / a, 1.0 / a, a);
        for _ in 0..1000 {
            n += 1.0;
            term *= x / n;
            sum += term;
            if term.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        1.0 - sum * crate::math::exp(ln_prefix)
    } else {
        // Q(a, x) by Lentz's continued fraction
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-15 {
                break;
            }
        }
        crate::math::exp(ln_prefix) * h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parameter_is_weakly_identified_when_the_moments_ignore_it_or_its_interval_spans_the_range()
    {
        // the moments barely move
        let w = weak_identification("a", (0.0, 1.0), 0.3, Some(0.01)).unwrap();
        assert!(
            w.contains("moves no informative moment by more than 0.30"),
            "{w}"
        );
        // they move, but the sandwich cannot tell it from other parameters
        let w = weak_identification("b", (0.0, 0.9), 40.0, Some(2.46)).unwrap();
        assert!(
            w.contains("wider than the whole range searched [0, 0.9]"),
            "{w}"
        );
        // a precise estimate: no warning
        assert_eq!(
            weak_identification("c", (0.0, 0.25), 12.0, Some(0.004)),
            None
        );
        // no standard error at all is reported elsewhere (G'WG singular)
        assert_eq!(weak_identification("d", (0.0, 1.0), 12.0, None), None);
    }

    #[test]
    fn a_matrix_times_its_inverse_is_the_identity_and_a_singular_one_has_none() {
        let a = vec![
            vec![4.0, 2.0, 0.5],
            vec![2.0, 3.0, 1.0],
            vec![0.5, 1.0, 2.0],
        ];
        let inv = invert(&a).unwrap();
        let i = multiply(&a, &inv);
        for (r, row) in i.iter().enumerate() {
            for (c, x) in row.iter().enumerate() {
                assert!((x - f64::from(u8::from(r == c))).abs() < 1e-12, "{i:?}");
            }
        }
        assert!(invert(&[vec![1.0, 2.0], vec![2.0, 4.0]]).is_none());
    }

    #[test]
    fn chi_square_tails_match_tabulated_values() {
        // R: pchisq(c(3.841459, 5.991465, 18.30704, 1), c(1, 2, 10, 3), lower.tail = FALSE)
        let cases = [
            (3.841459, 1.0, 0.05),
            (5.991465, 2.0, 0.05),
            (18.30704, 10.0, 0.05),
            (1.0, 3.0, 0.8012520),
        ];
        for (x, k, p) in cases {
            let q = chi_square_survival(x, k);
            assert!((q - p).abs() < 1e-6, "chi2({k}) > {x}: {q} vs {p}");
        }
        assert_eq!(chi_square_survival(0.0, 4.0), 1.0);
    }

    #[test]
    fn the_sandwich_of_an_exactly_identified_linear_model_is_its_ols_variance() {
        // one parameter, one moment m = 2 theta, Var(moment) = 4: Var(theta) = (1 + 1/S) 4 / 4
        let v = sandwich(&[vec![2.0]], &[0.25], &[vec![4.0]], 4.0).unwrap();
        assert!((v[0][0] - 1.25).abs() < 1e-12, "{v:?}");
    }

    fn fit(deviation: f64) -> Fit {
        Fit {
            mean: 0.0,
            se: 0.0,
            sd: 0.0,
            deviation,
        }
    }

    #[test]
    fn j_weights_deviations_by_the_inverse_covariance_and_falls_back_to_its_diagonal() {
        let fits = [fit(1.0), fit(2.0), fit(3.0)];
        // An invertible Omega: J = d' Omega^-1 d / (1 + 1/S), S = 4.
        let omega = vec![
            vec![1.0, 0.0, 0.0],
            vec![0.0, 4.0, 0.0],
            vec![0.0, 0.0, 9.0],
        ];
        let t = j_statistic(&[0, 1, 2], &fits, &omega, 4.0, 1).unwrap();
        assert!((t.value - 3.0 / 1.25).abs() < 1e-12, "{t:?}");
        assert_eq!((t.df, t.diagonal), (2, false));
        // Perfectly correlated moments (what too few replicates give): the diagonal stands in.
        let singular = vec![
            vec![1.0, 2.0, 3.0],
            vec![2.0, 4.0, 6.0],
            vec![3.0, 6.0, 9.0],
        ];
        let t = j_statistic(&[0, 1, 2], &fits, &singular, 4.0, 1).unwrap();
        assert!((t.value - 3.0 / 1.25).abs() < 1e-12, "{t:?}");
        assert!(t.diagonal);
        // Nothing to test, or a moment without variance.
        assert_eq!(
            j_statistic(&[0, 1], &fits, &omega, 4.0, 2),
            Err(NoJ::NoDegreesOfFreedom)
        );
        let constant = vec![
            vec![1.0, 0.0, 0.0],
            vec![0.0, 0.0, 0.0],
            vec![0.0, 0.0, 9.0],
        ];
        assert_eq!(
            j_statistic(&[0, 1, 2], &fits, &constant, 4.0, 1),
            Err(NoJ::ConstantMoment)
        );
    }

    #[test]
    fn with_fewer_replicates_than_moments_the_sample_covariance_is_singular() {
        // Three replicates of four moments: rank at most two.
        let rows = vec![
            vec![1.0, 2.0, 0.5, 3.0],
            vec![2.0, 1.0, 0.7, 2.0],
            vec![1.5, 2.5, 0.4, 4.0],
        ];
        assert!(invert(&covariance(&rows)).is_none());
    }
}
