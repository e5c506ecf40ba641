//! Estimators of the stylized facts of firm populations, for comparing simulated firms with
//! the empirical literature.
//!
//! | fact | estimator | reference |
//! |---|---|---|
//! | firm sizes have a Pareto tail, exponent near 1 (Zipf) | [`hill`] | Hill (1975), Axtell (2001) |
//! | growth rates are tent-shaped (Laplace-like) | [`subbotin`] | Bottazzi and Secchi (2006) |
//! | the volatility of growth falls with size | [`size_variance_slope`] | Stanley et al. (1996) |
//! | productivity is widely dispersed | [`ratio_90_10`] | Syverson (2004, 2011) |
//! | productivity is persistent | [`ar1`] | Syverson (2011) |
//! | a statistic's spread over replicates | [`over_replicates`] | Efron and Tibshirani (1993) |
//!
//! Every function is pure: it reads slices, allocates what it needs, writes nothing and never
//! panics on data. Where an estimate cannot be formed (too few values, no variation) it
//! returns `None` rather than NaN. Values that are not finite (NaN, ±inf) are left out before
//! counting. The transcendental functions come from [`crate::math`] and every sum runs in a
//! fixed order, so an estimate is the same bits on every machine.
//!
//! References:
//! - Axtell, R. L. (2001). Zipf distribution of U.S. firm sizes. *Science* 293, 1818-1820.
//! - Bottazzi, G. and Secchi, A. (2006). Explaining the distribution of firm growth rates.
//!   *RAND Journal of Economics* 37(2), 235-256.
//! - Brent, R. P. (1973). *Algorithms for Minimization without Derivatives*, ch. 5.
//! - Efron, B. and Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*, ch. 13.
//! - Hill, B. M. (1975). A simple general approach to inference about the tail of a
//!   distribution. *Annals of Statistics* 3(5), 1163-1174.
//! - Hyndman, R. J. and Fan, Y. (1996). Sample quantiles in statistical packages.
//!   *American Statistician* 50(4), 361-365.
//! - Stanley, M. H. R., Amaral, L. A. N., Buldyrev, S. V., Havlin, S., Leschhorn, H.,
//!   Maass, P., Salinger, M. A. and Stanley, H. E. (1996). Scaling behaviour in the growth of
//!   companies. *Nature* 379, 804-806.
//! - Subbotin, M. T. (1923). On the law of frequency of error. *Matematicheskii Sbornik* 31,
//!   296-301.
//! - Syverson, C. (2004). Product substitutability and productivity dispersion. *Review of
//!   Economics and Statistics* 86(2), 534-550.
//! - Syverson, C. (2011). What determines productivity? *Journal of Economic Literature*
//!   49(2), 326-365.

use crate::math::{exp, ln, ln_gamma};
use crate::rng::Stream;
use crate::stats::quantiles;

/// Hill (1975) estimator of a Pareto tail exponent alpha from the largest k = ceil(tail_share * n) values
/// (k >= 2 required; only positive values are used): alpha = k / sum_{i=1..k} ln(X_(i) / X_(k+1)),
/// X_(1) >= X_(2) >= ... the order statistics. Axtell (2001): firm sizes have alpha near 1 (Zipf).
///
/// `n` counts the finite positive values; k is computed with a relative slack of 1e-12 so
/// that rounding in tail_share * n (0.07 * 100 = 7.000000000000001) does not add a value.
/// The threshold X_(k+1) must exist, so `k < n`;
/// `tail_share` must lie in (0, 1). For an exact Pareto tail 1/alpha-hat is unbiased and
/// alpha-hat has standard error about alpha / sqrt(k). `None` if `tail_share` is outside
/// (0, 1), k < 2, k >= n, or the k largest values all equal the threshold.
pub fn hill(values: &[f64], tail_share: f64) -> Option<f64> {
    if !(tail_share > 0.0 && tail_share < 1.0) {
        return None;
    }
    let mut positive: Vec<f64> = values
        .iter()
        .copied()
        .filter(|x| x.is_finite() && *x > 0.0)
        .collect();
    let n = positive.len();
    // The relative nudge keeps a product that rounds up, such as 0.07 * 100 =
    // 7.000000000000001, from adding a value to the tail.
    let k = (tail_share * n as f64 * (1.0 - 1e-12)).ceil() as usize;
    if k < 2 || k >= n {
        return None;
    }
    // Largest first: X_(k+1) lands at index k with the k larger values before it; sorting
    // those fixes the order of the sum whatever the selection algorithm did.
    let (top, &mut threshold, _) = positive.select_nth_unstable_by(k, |a, b| b.total_cmp(a));
    top.sort_unstable_by(|a, b| b.total_cmp(a));
    // ln x - ln X_(k+1) rather than ln(x / X_(k+1)): the quotient of a huge and a tiny
    // value would overflow.
    let ln_threshold = ln(threshold);
    let sum: f64 = top.iter().map(|&x| ln(x) - ln_threshold).sum();
    if sum > 0.0 {
        Some(k as f64 / sum)
    } else {
        None
    }
}

/// Maximum-likelihood fit of the Subbotin (exponential power) density of Bottazzi and Secchi (2006):
/// f(x) = 1 / (2 a b^(1/b) Gamma(1 + 1/b)) * exp(-|x - m|^b / (b a^b)); b = 1 Laplace, b = 2 Gaussian.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Subbotin {
    /// b: shape; 1 is the Laplace density, 2 the Gaussian, larger values flatter tops.
    pub b: f64,
    /// a: scale (the standard deviation when b = 2, the mean absolute deviation when b = 1).
    pub a: f64,
    /// m: location (the median when b = 1, the mean when b = 2).
    pub m: f64,
}

/// The shape bracket of [`subbotin`]: b is searched in [0.2, 10]. Below 0.2 the density is
/// a spike with extremely heavy tails, above 10 it is close to uniform; growth rates of real
/// firms give b between about 0.5 and 2 (Bottazzi and Secchi 2006).
pub const SUBBOTIN_SHAPE_RANGE: (f64, f64) = (0.2, 10.0);

/// Fits a [`Subbotin`] density to `values` by maximum likelihood (Bottazzi and Secchi 2006).
///
/// For fixed b and m the likelihood is maximal at a^b = (1/n) sum |x - m|^b, and m minimises
/// sum |x - m|^b; with those substituted the log-likelihood per observation is the profile
/// -ln 2 - ln a - ln(b)/b - ln Gamma(1 + 1/b) - 1/b, maximised over ln b in
/// [ln 0.2, ln 10] ([`SUBBOTIN_SHAPE_RANGE`]) by Brent's (1973) method to 1e-4 in ln b.
/// For each b, m is found by Brent's method between the smallest and largest value, to
/// 1e-7 of half their range (far below the standard error of m of any sample that can
/// fit b). The values are first centred on the midrange and divided by the half-range, so
/// |x - m|^b lies in [0, 2^b] and cannot overflow for any b.
///
/// For b > 1 the objective in m is strictly convex and m its unique minimum (for b = 1, a
/// median). For b < 1 it is concave between neighbouring observations, so every local
/// minimum is an observation; the search follows the objective's large-scale shape and ends
/// at a local minimum near its centre, which need not be the global one, though the two
/// give nearly the same likelihood (tested at b = 0.7). A shape on the edge of the bracket
/// means the data want a b outside it (e.g. b near 10 for two equally common values).
///
/// `None` if fewer than 10 finite values or all of them equal.
pub fn subbotin(values: &[f64]) -> Option<Subbotin> {
    let finite: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if finite.len() < 10 {
        return None;
    }
    let (min, max) = finite
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
    // Midrange and half-range, computed so that neither overflows for values near f64::MAX.
    let centre = 0.5 * min + 0.5 * max;
    let scale = 0.5 * max - 0.5 * min;
    if !(scale > 0.0 && scale.is_finite()) {
        return None;
    }
    let u: Vec<f64> = finite.iter().map(|&x| (x - centre) / scale).collect();
    let fit = |ln_b: f64| -> (f64, f64, f64) {
        let b = exp(ln_b);
        let (m, mean) = subbotin_location(&u, b);
        // ln a of the scaled values: a^b = mean |u - m|^b (mean >= 1/n > 0, see below).
        let ln_a = ln(mean) / b;
        let nll = ln_a + ln(b) / b + ln_gamma(1.0 + 1.0 / b) + 1.0 / b;
        (nll, m, ln_a)
    };
    let (lo, hi) = SUBBOTIN_SHAPE_RANGE;
    // Brent's answer is the best point it evaluated; keep its m and a rather than refit.
    let mut best = (f64::INFINITY, 0.0, 0.0, 0.0); // (nll, ln b, m, ln a)
    brent_minimise(
        |ln_b| {
            let (nll, m, ln_a) = fit(ln_b);
            if nll <= best.0 {
                best = (nll, ln_b, m, ln_a);
            }
            nll
        },
        ln(lo),
        ln(hi),
        1e-4,
    );
    let (_, ln_b, m, ln_a) = best;
    let fitted = Subbotin {
        b: exp(ln_b),
        a: scale * exp(ln_a),
        m: centre + scale * m,
    };
    (fitted.b.is_finite() && fitted.a.is_finite() && fitted.a > 0.0 && fitted.m.is_finite())
        .then_some(fitted)
}

/// For the scaled values `u` (spanning [-1, 1]) and shape `b`: the m in [-1, 1] that
/// minimises sum |u - m|^b, and the mean of |u - m|^b there. The mean is at least 1/n,
/// since some u is at distance >= 1 from any m in [-1, 1].
fn subbotin_location(u: &[f64], b: f64) -> (f64, f64) {
    let n = u.len() as f64;
    let (m, sum) = brent_minimise(|m| power_sum(u, m, b), -1.0, 1.0, 1e-7);
    (m, sum / n)
}

/// sum |u - m|^b, in the order of `u`.
fn power_sum(u: &[f64], m: f64, b: f64) -> f64 {
    u.iter()
        .map(|&x| {
            let d = (x - m).abs();
            if d > 0.0 { exp(b * ln(d)) } else { 0.0 }
        })
        .sum()
}

/// Brent's (1973) minimiser of `f` on the open interval (lo, hi): golden-section steps,
/// with parabolic steps where they are accepted; stops when the minimum is located to
/// within about `tolerance` (absolute) plus 1.5e-8 relative (below that the function is
/// too flat near a smooth minimum to resolve). Returns (x, f(x)). For a unimodal `f` it
/// finds the minimum; otherwise a local one. Deterministic: same `f`, same evaluations.
fn brent_minimise(mut f: impl FnMut(f64) -> f64, lo: f64, hi: f64, tolerance: f64) -> (f64, f64) {
    const GOLDEN: f64 = 0.381_966_011_250_105_1; // (3 - sqrt 5) / 2
    const SQRT_EPSILON: f64 = 1.490_116_119_384_765_6e-8;
    const MAX_ITERATIONS: usize = 200;
    let (mut a, mut b) = (lo, hi);
    let mut x = a + GOLDEN * (b - a);
    let (mut w, mut v) = (x, x);
    let mut fx = f(x);
    let (mut fw, mut fv) = (fx, fx);
    // d: the last step; e: the step before it (parabolic steps must shrink).
    let (mut d, mut e) = (0.0_f64, 0.0_f64);
    for _ in 0..MAX_ITERATIONS {
        let midpoint = 0.5 * (a + b);
        let tol1 = SQRT_EPSILON * x.abs() + tolerance / 3.0;
        let tol2 = 2.0 * tol1;
        if (x - midpoint).abs() <= tol2 - 0.5 * (b - a) {
            break;
        }
        let mut golden = true;
        if e.abs() > tol1 {
            // A parabola through (v, fv), (w, fw), (x, fx); its vertex is x + p / q.
            let r = (x - w) * (fx - fv);
            let mut q = (x - v) * (fx - fw);
            let mut p = (x - v) * q - (x - w) * r;
            q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            }
            q = q.abs();
            let previous = e;
            e = d;
            if p.abs() < (0.5 * q * previous).abs() && p > q * (a - x) && p < q * (b - x) {
                d = p / q;
                let u = x + d;
                if u - a < tol2 || b - u < tol2 {
                    d = tol1.copysign(midpoint - x);
                }
                golden = false;
            }
        }
        if golden {
            e = if x >= midpoint { a - x } else { b - x };
            d = GOLDEN * e;
        }
        let u = if d.abs() >= tol1 {
            x + d
        } else {
            x + tol1.copysign(d)
        };
        let fu = f(u);
        if fu <= fx {
            if u >= x {
                a = x;
            } else {
                b = x;
            }
            (v, fv) = (w, fw);
            (w, fw) = (x, fx);
            (x, fx) = (u, fu);
        } else {
            if u < x {
                a = u;
            } else {
                b = u;
            }
            if fu <= fw || w == x {
                (v, fv) = (w, fw);
                (w, fw) = (u, fu);
            } else if fu <= fv || v == x || v == w {
                (v, fv) = (u, fu);
            }
        }
    }
    (x, fx)
}

/// Size-variance scaling (Stanley et al. 1996): sd of growth rates falls with size as S^(-beta), beta about 0.15-0.2.
/// Firms are sorted by ln size and cut into `bins` groups of (nearly) equal count; beta = minus the OLS slope of
/// ln sd(growth in bin) on mean ln size in bin. None if fewer than 3 usable bins (each needs >= 2 firms and sd > 0).
///
/// `sizes[i]` and `growth[i]` belong to firm i; firms with a size that is not positive and
/// finite, or a growth rate that is not finite, are left out (as are firms past the end of
/// the shorter slice). Bin g of n firms holds the firms ranked g n / bins up to (but not
/// including) (g + 1) n / bins, by ln size and, among equal sizes, by growth, so the result
/// does not depend on the order of the firms. The sd is the sample sd (divisor count - 1).
/// `None` also if the usable bins all have the same mean ln size.
pub fn size_variance_slope(sizes: &[f64], growth: &[f64], bins: usize) -> Option<f64> {
    let mut firms: Vec<(f64, f64)> = sizes
        .iter()
        .zip(growth)
        .filter(|(s, g)| s.is_finite() && **s > 0.0 && g.is_finite())
        .map(|(&s, &g)| (ln(s), g))
        .collect();
    let n = firms.len();
    if bins < 3 || n < 6 {
        return None;
    }
    firms.sort_unstable_by(|x, y| x.0.total_cmp(&y.0).then(x.1.total_cmp(&y.1)));
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(bins);
    for g in 0..bins {
        let bin = &firms[g * n / bins..(g + 1) * n / bins];
        if bin.len() < 2 {
            continue;
        }
        if bin.iter().all(|f| f.1 == bin[0].1) {
            continue; // sd 0 exactly (the two-pass sum would leave rounding noise)
        }
        let count = bin.len() as f64;
        let mean_size = bin.iter().map(|f| f.0).sum::<f64>() / count;
        let mean_growth = bin.iter().map(|f| f.1).sum::<f64>() / count;
        let ss: f64 = bin.iter().map(|f| (f.1 - mean_growth).powi(2)).sum();
        let sd = (ss / (count - 1.0)).sqrt();
        if sd > 0.0 && sd.is_finite() {
            points.push((mean_size, ln(sd)));
        }
    }
    if points.len() < 3 {
        return None;
    }
    ols_slope(&points).map(|slope| -slope)
}

/// The OLS slope (with intercept) of y on x over the points (x, y), by centred sums; `None`
/// if x does not vary or the slope is not finite.
fn ols_slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let (sxx, sxy) = points.iter().fold((0.0, 0.0), |(sxx, sxy), &(x, y)| {
        let dx = x - mean_x;
        (sxx + dx * dx, sxy + dx * (y - mean_y))
    });
    let slope = sxy / sxx;
    (sxx > 0.0 && slope.is_finite()).then_some(slope)
}

/// The 90/10 ratio of productivity levels (Syverson 2004, 2011): exp(q90 - q10) of ln TFP values,
/// quantiles type 7 (R's default). None if fewer than 2 values.
///
/// Type 7 is the linear interpolation of Hyndman and Fan (1996), see
/// [`crate::stats::quantiles`]. Non-finite values are left out before counting. Equal
/// values give 1; `None` also if the ratio overflows (q90 - q10 above 709). Syverson (2004)
/// reports an average within-industry 90/10 TFP ratio of about 1.9 in US manufacturing.
pub fn ratio_90_10(ln_tfp: &[f64]) -> Option<f64> {
    let mut finite: Vec<f64> = ln_tfp.iter().copied().filter(|x| x.is_finite()).collect();
    if finite.len() < 2 {
        return None;
    }
    let mut q = [0.0; 2];
    quantiles(&mut finite, &[0.1, 0.9], &mut q);
    let ratio = exp(q[1] - q[0]);
    ratio.is_finite().then_some(ratio)
}

/// AR(1) persistence: OLS slope (with intercept) of x_t on x_{t-1} over the pairs given. None if < 3 pairs or no variance.
///
/// Each pair is `(x_{t-1}, x_t)`: the earlier value first. Pairs may come from many firms
/// (a pooled panel regression); pairs with a non-finite member are left out. "No variance"
/// means all x_{t-1} are equal.
pub fn ar1(pairs: &[(f64, f64)]) -> Option<f64> {
    let finite: Vec<(f64, f64)> = pairs
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    if finite.len() < 3 {
        return None;
    }
    ols_slope(&finite)
}

/// A statistic measured once per replicate, summarised as the mean over replicates with a percentile
/// bootstrap interval (resample replicates with replacement `draws` times; `level` e.g. 0.9 or 0.95), draws from
/// crate::rng::Stream::new(seed). NaN values are left out. None if no finite value.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Summary {
    /// The mean of the statistic over the replicates.
    pub mean: f64,
    /// The lower end of the bootstrap interval: the (1 - level) / 2 quantile of the
    /// resampled means.
    pub lo: f64,
    /// The upper end: the (1 + level) / 2 quantile of the resampled means.
    pub hi: f64,
    /// The number of replicates with a finite value, over which the mean is taken.
    pub replicates: usize,
}

/// Summarises a statistic measured once per replicate (Efron and Tibshirani 1993, §13.3).
///
/// The mean is over the finite values (NaN and ±inf are left out). Each of the `draws`
/// bootstrap samples draws r replicates with replacement (r the number of finite values;
/// index floor(u r) for u the next uniform of `Stream::new(seed)`), and its mean is kept;
/// `lo` and `hi` are the (1 - level) / 2 and (1 + level) / 2 type-7 quantiles of those
/// means. One replicate gives lo = hi = mean. The interval describes the sampling
/// uncertainty of the mean; with few replicates (say below 10) percentile intervals are too
/// narrow. `None` if no value is finite, `draws` is 0, or `level` is not in (0, 1).
pub fn over_replicates(values: &[f64], draws: usize, level: f64, seed: u64) -> Option<Summary> {
    let finite: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if finite.is_empty() || draws == 0 || !(level > 0.0 && level < 1.0) {
        return None;
    }
    let r = finite.len();
    let mean = finite.iter().sum::<f64>() / r as f64;
    let mut stream = Stream::new(seed);
    let mut means: Vec<f64> = (0..draws)
        .map(|_| {
            let sum: f64 = (0..r)
                .map(|_| {
                    // u < 1, so the index is below r; `min` guards the invariant anyway.
                    let index = ((stream.uniform() * r as f64) as usize).min(r - 1);
                    finite[index]
                })
                .sum();
            sum / r as f64
        })
        .collect();
    let mut bounds = [0.0; 2];
    quantiles(
        &mut means,
        &[0.5 * (1.0 - level), 0.5 * (1.0 + level)],
        &mut bounds,
    );
    let summary = Summary {
        mean,
        lo: bounds[0],
        hi: bounds[1],
        replicates: r,
    };
    (summary.mean.is_finite() && summary.lo.is_finite() && summary.hi.is_finite())
        .then_some(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` draws of a Pareto(alpha) variable with minimum 1, by inversion: U^(-1/alpha).
    fn pareto(n: usize, alpha: f64, seed: u64) -> Vec<f64> {
        let mut s = Stream::new(seed);
        (0..n).map(|_| exp(-ln(s.uniform()) / alpha)).collect()
    }

    /// `n` draws of a Laplace(m, a) variable by inversion.
    fn laplace(n: usize, m: f64, a: f64, seed: u64) -> Vec<f64> {
        let mut s = Stream::new(seed);
        (0..n)
            .map(|_| {
                let q = s.uniform() - 0.5;
                m - a * q.signum() * ln(1.0 - 2.0 * q.abs())
            })
            .collect()
    }

    /// `n` draws of a Normal(m, a^2) variable.
    fn normal(n: usize, m: f64, a: f64, seed: u64) -> Vec<f64> {
        let mut s = Stream::new(seed);
        (0..n).map(|_| m + a * s.normal()).collect()
    }

    /// `n` draws of a Subbotin(b, a, m) variable: |x - m| = a (b G)^(1/b) with G ~ Gamma(1/b),
    /// and a random sign.
    fn subbotin_sample(n: usize, b: f64, a: f64, m: f64, seed: u64) -> Vec<f64> {
        let mut s = Stream::new(seed);
        (0..n)
            .map(|_| {
                let magnitude = a * exp(ln(b * s.gamma(1.0 / b)) / b);
                if s.uniform() < 0.5 {
                    m - magnitude
                } else {
                    m + magnitude
                }
            })
            .collect()
    }

    /// The sample standard deviation.
    fn sd(xs: &[f64]) -> f64 {
        crate::stats::sample_sd(xs).expect("at least two values")
    }

    // Hill

    #[test]
    fn hill_matches_a_hand_computed_value() {
        // k = ceil(0.5 * 4) = 2 above X_(3) = 2: alpha = 2 / (ln 4 + ln 2) = 2 / (3 ln 2).
        let expected = 2.0 / (3.0 * std::f64::consts::LN_2);
        let got = hill(&[2.0, 8.0, 1.0, 4.0], 0.5).unwrap();
        assert!((got - expected).abs() < 1e-15, "{got} vs {expected}");
        // Zeros, negatives and non-finite values are left out before n is counted.
        let noisy = [2.0, 0.0, 8.0, -3.0, f64::NAN, 1.0, f64::INFINITY, 4.0];
        assert_eq!(hill(&noisy, 0.5), Some(got));
    }

    /// n = 100,000 Pareto draws, the top 5 % (k = 5,000): the standard error of alpha-hat is
    /// alpha / sqrt(k) (0.014 for alpha = 1, 0.021 for 1.5); the tolerance is 4 of them.
    #[test]
    fn hill_recovers_the_pareto_exponent_within_four_standard_errors() {
        for (alpha, seed) in [(1.0, 11), (1.5, 12)] {
            let values = pareto(100_000, alpha, seed);
            let se = alpha / 5_000f64.sqrt();
            let got = hill(&values, 0.05).unwrap();
            assert!(
                (got - alpha).abs() < 4.0 * se,
                "alpha {alpha}: {got} (tolerance {})",
                4.0 * se
            );
        }
    }

    #[test]
    fn hill_gives_none_without_a_tail_to_measure() {
        assert_eq!(hill(&[], 0.05), None);
        assert_eq!(hill(&[3.0; 100], 0.05), None, "all equal");
        assert_eq!(hill(&pareto(10, 1.0, 1), 0.1), None, "k = 1");
        assert_eq!(hill(&[1.0, 2.0], 0.9), None, "k = n: no threshold");
        assert_eq!(
            hill(&[-1.0, 0.0, f64::NAN, 5.0], 0.5),
            None,
            "one positive value"
        );
        let values = pareto(100, 1.0, 1);
        for share in [0.0, 1.0, -0.1, 1.5, f64::NAN] {
            assert_eq!(hill(&values, share), None, "tail share {share}");
        }
    }

    // Subbotin

    /// n = 20,000 Laplace(m = 1.5, a = 0.5) draws. Asymptotic standard errors (the inverse
    /// Fisher information of (b, a), computed numerically; m is orthogonal to both): b 0.013,
    /// a 0.9 % of a; m (the median) a / sqrt(n) = 0.0035 (over 16 seeds: 0.009, 0.9 %,
    /// 0.0028). Tolerances: 4 standard errors.
    #[test]
    fn subbotin_recovers_the_laplace_density() {
        let fit = subbotin(&laplace(20_000, 1.5, 0.5, 21)).unwrap();
        assert!((fit.b - 1.0).abs() < 4.0 * 0.013, "{fit:?}");
        assert!((fit.a / 0.5 - 1.0).abs() < 4.0 * 0.009, "{fit:?}");
        assert!(
            (fit.m - 1.5).abs() < 4.0 * 0.5 / 20_000f64.sqrt(),
            "{fit:?}"
        );
    }

    /// n = 20,000 Normal(m = -2, sd a = 3) draws. Asymptotic standard errors: b 0.032,
    /// a 0.76 % of a, m (the mean) a / sqrt(n) = 0.021 (over 16 seeds: 0.023, 0.73 %,
    /// 0.016). Tolerances: 4 standard errors.
    #[test]
    fn subbotin_recovers_the_gaussian_density() {
        let fit = subbotin(&normal(20_000, -2.0, 3.0, 22)).unwrap();
        assert!((fit.b - 2.0).abs() < 4.0 * 0.032, "{fit:?}");
        assert!((fit.a / 3.0 - 1.0).abs() < 4.0 * 0.0076, "{fit:?}");
        assert!(
            (fit.m + 2.0).abs() < 4.0 * 3.0 / 20_000f64.sqrt(),
            "{fit:?}"
        );
    }

    /// n = 20,000 Subbotin(b = 0.7, a = 1, m = 0) draws, where the objective in m is not
    /// convex. Asymptotic standard errors: b 0.0086, a 1.0 % (over 16 seeds: 0.0081, 1.0 %).
    /// For b < 1 m converges faster than a / sqrt(n) = 0.0071 (0.0044 over 16 seeds), so 4 of
    /// those bound it generously.
    #[test]
    fn subbotin_recovers_a_shape_below_one() {
        let fit = subbotin(&subbotin_sample(20_000, 0.7, 1.0, 0.0, 23)).unwrap();
        assert!((fit.b - 0.7).abs() < 4.0 * 0.0086, "{fit:?}");
        assert!((fit.a - 1.0).abs() < 4.0 * 0.010, "{fit:?}");
        assert!(fit.m.abs() < 4.0 / 20_000f64.sqrt(), "{fit:?}");
    }

    #[test]
    fn subbotin_moves_and_stretches_with_the_data() {
        // The fit is equivariant: x -> c + s x gives m -> c + s m, a -> s a, the same b
        // (up to the optimisers' tolerances). n = 500 keeps it fast.
        let x = laplace(500, 0.0, 1.0, 24);
        let y: Vec<f64> = x.iter().map(|v| 1e6 + 250.0 * v).collect();
        let (fx, fy) = (subbotin(&x).unwrap(), subbotin(&y).unwrap());
        assert!((fx.b - fy.b).abs() < 1e-3, "{fx:?} {fy:?}");
        assert!((fy.a / (250.0 * fx.a) - 1.0).abs() < 1e-3, "{fx:?} {fy:?}");
        assert!(
            ((fy.m - 1e6) / 250.0 - fx.m).abs() < 1e-3 * fx.a,
            "{fx:?} {fy:?}"
        );
    }

    #[test]
    fn subbotin_gives_none_for_too_few_or_equal_values() {
        assert_eq!(subbotin(&[]), None);
        assert_eq!(subbotin(&normal(9, 0.0, 1.0, 1)), None, "9 values");
        assert_eq!(subbotin(&[4.2; 50]), None, "all equal");
        assert_eq!(subbotin(&[f64::NAN; 50]), None, "no finite value");
        let mut nine = normal(9, 0.0, 1.0, 1);
        nine.push(f64::INFINITY);
        assert_eq!(subbotin(&nine), None, "9 finite values");
    }

    #[test]
    fn subbotin_of_two_values_puts_the_shape_on_the_bracket() {
        // Two equally common values are best fitted by the flattest density allowed.
        let values: Vec<f64> = (0..20).map(|i| f64::from(i % 2)).collect();
        let fit = subbotin(&values).unwrap();
        let (_, hi) = SUBBOTIN_SHAPE_RANGE;
        assert!((fit.b - hi).abs() < 1e-2 * hi, "{fit:?}");
        assert!((fit.m - 0.5).abs() < 1e-6, "{fit:?}");
    }

    // size-variance scaling

    /// n = 20,000 firms with sizes log-uniform over 4 decades and growth ~ N(0, (0.3 S^-0.2)^2),
    /// in 20 bins of 1,000: each ln sd has standard error 1 / sqrt(2 * 999) = 0.022, and the
    /// bin means of ln S are 0.46 apart, so the slope has standard error 0.022 / sqrt(141)
    /// = 0.0019 (0.0023 observed over 20 seeds). Tolerance: 0.01, over 4 standard errors.
    #[test]
    fn size_variance_slope_recovers_beta() {
        let mut s = Stream::new(31);
        let sizes: Vec<f64> = (0..20_000)
            .map(|_| exp(4.0 * std::f64::consts::LN_10 * s.uniform()))
            .collect();
        let growth: Vec<f64> = sizes
            .iter()
            .map(|&size| 0.3 * exp(-0.2 * ln(size)) * s.normal())
            .collect();
        let beta = size_variance_slope(&sizes, &growth, 20).unwrap();
        assert!((beta - 0.2).abs() < 0.01, "{beta}");
    }

    #[test]
    fn size_variance_slope_does_not_depend_on_the_order_of_firms() {
        let sizes = [1.0, 2.0, 2.0, 4.0, 8.0, 8.0, 16.0, 32.0, 64.0];
        let growth = [0.5, -0.4, 0.3, 0.1, -0.2, 0.25, 0.05, -0.1, 0.02];
        let forward = size_variance_slope(&sizes, &growth, 3).unwrap();
        let (mut rs, mut rg) = (sizes, growth);
        rs.reverse();
        rg.reverse();
        assert_eq!(size_variance_slope(&rs, &rg, 3), Some(forward));
    }

    #[test]
    fn size_variance_slope_gives_none_without_three_usable_bins() {
        let sizes: Vec<f64> = (1..=30).map(f64::from).collect();
        let growth: Vec<f64> = (0..30).map(|i| f64::from(i % 3) - 1.0).collect();
        assert!(size_variance_slope(&sizes, &growth, 3).is_some());
        assert_eq!(size_variance_slope(&[], &[], 5), None, "empty");
        assert_eq!(size_variance_slope(&sizes, &growth, 2), None, "two bins");
        assert_eq!(size_variance_slope(&sizes, &growth, 0), None, "no bins");
        assert_eq!(
            size_variance_slope(&sizes[..5], &growth[..5], 3),
            None,
            "5 firms"
        );
        assert_eq!(size_variance_slope(&sizes, &growth, 30), None, "bins of 1");
        assert_eq!(size_variance_slope(&sizes, &[0.1; 30], 3), None, "sd 0");
        assert_eq!(
            size_variance_slope(&[7.0; 30], &growth, 3),
            None,
            "one size"
        );
        let negative: Vec<f64> = sizes.iter().map(|s| -s).collect();
        assert_eq!(
            size_variance_slope(&negative, &growth, 3),
            None,
            "no positive size"
        );
    }

    // 90/10 ratio

    #[test]
    fn ratio_90_10_matches_a_hand_computed_value() {
        // n = 4, type 7: h = 3p, so q10 = 0.3 and q90 = 2.7 on 0, 1, 2, 3.
        let got = ratio_90_10(&[3.0, 0.0, 2.0, 1.0]).unwrap();
        assert!((got - exp(2.4)).abs() < 1e-12 * exp(2.4), "{got}");
        // NaN is left out; equal values give 1.
        assert_eq!(ratio_90_10(&[3.0, f64::NAN, 0.0, 2.0, 1.0]), Some(got));
        assert_eq!(ratio_90_10(&[0.7; 5]), Some(1.0));
    }

    #[test]
    fn ratio_90_10_gives_none_for_fewer_than_two_values() {
        assert_eq!(ratio_90_10(&[]), None);
        assert_eq!(ratio_90_10(&[1.0]), None);
        assert_eq!(ratio_90_10(&[1.0, f64::NAN]), None);
        assert_eq!(ratio_90_10(&[-1e308, 1e308]), None, "overflow");
    }

    // AR(1)

    #[test]
    fn ar1_matches_a_line_exactly() {
        let pairs: Vec<(f64, f64)> = (0..5)
            .map(|i| (f64::from(i), 0.5 * f64::from(i) + 1.0))
            .collect();
        assert_eq!(ar1(&pairs), Some(0.5));
    }

    /// A stationary AR(1), x_t = 2 (1 - 0.8) + 0.8 x_{t-1} + e_t, e ~ N(0, 0.1^2), over
    /// n = 10,000 pairs: the standard error of rho-hat is sqrt((1 - rho^2) / n) = 0.006 (the
    /// OLS bias, about -(1 + 3 rho) / n = -0.0003, is negligible). Tolerance: 4 standard errors.
    #[test]
    fn ar1_recovers_the_persistence_of_a_simulated_series() {
        let (rho, mean, sigma) = (0.8f64, 2.0, 0.1);
        let mut s = Stream::new(41);
        let mut x = mean + sigma / (1.0 - rho * rho).sqrt() * s.normal();
        let pairs: Vec<(f64, f64)> = (0..10_000)
            .map(|_| {
                let next = mean * (1.0 - rho) + rho * x + sigma * s.normal();
                let pair = (x, next);
                x = next;
                pair
            })
            .collect();
        let got = ar1(&pairs).unwrap();
        let se = ((1.0 - rho * rho) / 10_000.0).sqrt();
        assert!((got - rho).abs() < 4.0 * se, "{got}");
    }

    #[test]
    fn ar1_gives_none_for_too_few_pairs_or_no_variance() {
        assert_eq!(ar1(&[]), None);
        assert_eq!(ar1(&[(1.0, 2.0), (2.0, 3.0)]), None, "two pairs");
        assert_eq!(
            ar1(&[(1.0, 2.0), (1.0, 3.0), (1.0, 1.0)]),
            None,
            "x_t-1 constant"
        );
        let with_nan = [(1.0, 2.0), (2.0, 3.0), (f64::NAN, 1.0)];
        assert_eq!(ar1(&with_nan), None, "two finite pairs");
    }

    // replicates

    /// 30 replicates of a N(5, 1) statistic, 2,000 bootstrap draws, level 0.9. The
    /// percentile interval of a mean is close to mean ± 1.645 s / sqrt(r) (s the plug-in sd):
    /// its width agrees within 15 % (the Monte Carlo error of two quantiles of 2,000 draws
    /// is about 5 %).
    #[test]
    fn the_bootstrap_interval_contains_the_mean_and_has_the_normal_width() {
        let values = normal(30, 5.0, 1.0, 51);
        let summary = over_replicates(&values, 2_000, 0.9, 7).unwrap();
        let mean = values.iter().sum::<f64>() / 30.0;
        assert_eq!(summary.replicates, 30);
        assert!((summary.mean - mean).abs() < 1e-12);
        assert!(
            summary.lo < summary.mean && summary.mean < summary.hi,
            "{summary:?}"
        );
        let plug_in_sd = sd(&values) * (29.0f64 / 30.0).sqrt();
        let expected = 2.0 * 1.644_854 * plug_in_sd / 30f64.sqrt();
        let width = summary.hi - summary.lo;
        assert!(
            (width / expected - 1.0).abs() < 0.15,
            "{width} vs {expected}"
        );
    }

    #[test]
    fn the_bootstrap_interval_shrinks_with_more_replicates() {
        // 16 times the replicates: a quarter of the width in expectation; asserted: below half.
        let few = over_replicates(&normal(10, 0.0, 1.0, 52), 1_000, 0.95, 8).unwrap();
        let many = over_replicates(&normal(160, 0.0, 1.0, 53), 1_000, 0.95, 8).unwrap();
        assert!(
            many.hi - many.lo < 0.5 * (few.hi - few.lo),
            "{few:?} {many:?}"
        );
    }

    #[test]
    fn the_bootstrap_interval_depends_only_on_the_seed() {
        let values = normal(25, 1.0, 2.0, 54);
        let first = over_replicates(&values, 500, 0.9, 9).unwrap();
        assert_eq!(over_replicates(&values, 500, 0.9, 9), Some(first));
        let other = over_replicates(&values, 500, 0.9, 10).unwrap();
        assert_eq!(other.mean, first.mean);
        assert_ne!((other.lo, other.hi), (first.lo, first.hi));
    }

    #[test]
    fn replicates_without_a_finite_value_are_left_out() {
        let summary = over_replicates(&[1.0, f64::NAN, 3.0, f64::INFINITY], 200, 0.9, 1).unwrap();
        assert_eq!(summary.replicates, 2);
        assert_eq!(summary.mean, 2.0);
        assert!(summary.lo >= 1.0 && summary.hi <= 3.0, "{summary:?}");
        let single = over_replicates(&[f64::NAN, 4.5], 200, 0.9, 1).unwrap();
        assert_eq!((single.mean, single.lo, single.hi), (4.5, 4.5, 4.5));
    }

    #[test]
    fn over_replicates_gives_none_without_values_draws_or_a_level() {
        assert_eq!(over_replicates(&[], 100, 0.9, 1), None);
        assert_eq!(over_replicates(&[f64::NAN; 3], 100, 0.9, 1), None);
        assert_eq!(over_replicates(&[1.0, 2.0], 0, 0.9, 1), None, "no draws");
        for level in [0.0, 1.0, -0.5, f64::NAN] {
            assert_eq!(
                over_replicates(&[1.0, 2.0], 100, level, 1),
                None,
                "level {level}"
            );
        }
    }

    // every estimator on hostile input

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

        /// Whatever the input (NaN, infinities, subnormals, huge values, repeats), every
        /// estimator returns `None` or finite numbers, and never panics.
        #[test]
        fn estimators_give_none_or_finite_numbers(
            values in proptest::collection::vec(
                proptest::prop_oneof![proptest::num::f64::ANY, -10.0..10.0f64, proptest::strategy::Just(1.0)],
                0..40,
            ),
            share in 0.0..1.0f64,
            bins in 0usize..8,
        ) {
            if let Some(alpha) = hill(&values, share) {
                proptest::prop_assert!(alpha.is_finite() && alpha > 0.0);
            }
            if let Some(fit) = subbotin(&values) {
                proptest::prop_assert!(fit.b.is_finite() && fit.a.is_finite() && fit.m.is_finite());
            }
            let (left, right) = values.split_at(values.len() / 2);
            if let Some(beta) = size_variance_slope(left, right, bins) {
                proptest::prop_assert!(beta.is_finite());
            }
            if let Some(ratio) = ratio_90_10(&values) {
                proptest::prop_assert!(ratio.is_finite() && ratio >= 1.0);
            }
            let pairs: Vec<(f64, f64)> = values.windows(2).map(|w| (w[0], w[1])).collect();
            if let Some(rho) = ar1(&pairs) {
                proptest::prop_assert!(rho.is_finite());
            }
            if let Some(s) = over_replicates(&values, 50, 0.9, 3) {
                proptest::prop_assert!(s.mean.is_finite() && s.lo <= s.hi);
            }
        }
    }
}
