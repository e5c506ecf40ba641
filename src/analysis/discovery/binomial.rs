//! The exact upper tail of the binomial distribution, for quasi-p values.
//!
//! Written here rather than taken from `statrs` (0.19, well kept, whose `Binomial::sf` would
//! do): the crate needs one function, `statrs` brings `nalgebra` and its own `rand` by
//! default, and the sum below uses the crate's deterministic `ln`/`exp`/`ln Γ`
//! ([`crate::math`]), so the values are the same bits on every machine.

use crate::math::{exp, ln, ln_1p, ln_gamma};

/// `P(X >= k)` for `X ~ Binomial(n, p)`: the p-value of a one-sided binomial test of `k`
/// successes in `n` trials against success probability `p` (alternative: greater), as
/// `scipy.stats.binomtest(k, n, p, alternative="greater").pvalue`.
///
/// Summed exactly over `j = k..=n` in log space (log-binomial coefficients from `ln Γ`),
/// scaled by the largest term, so small tails keep their relative accuracy and results near
/// 1 stay accurate. Past the mode, summation stops at the first term more than `e^-50`
/// below the largest (the terms fall geometrically there, so what is left is negligible).
/// `p` outside `[0, 1]` is clamped.
pub fn binomial_upper_tail(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    let p = p.clamp(0.0, 1.0);
    if p == 0.0 {
        return 0.0;
    }
    if p == 1.0 {
        return 1.0;
    }
    let (ln_p, ln_q) = (ln(p), ln_1p(-p));
    let nf = n as f64;
    let ln_n_fact = ln_gamma(nf + 1.0);
    let term = |j: u64| {
        let jf = j as f64;
        ln_n_fact - ln_gamma(jf + 1.0) - ln_gamma(nf - jf + 1.0) + jf * ln_p + (nf - jf) * ln_q
    };
    // The terms rise up to the mode floor((n + 1) p) and fall after it.
    let mode = (((n + 1) as f64) * p).floor() as u64;
    let top = term(mode.clamp(k, n));
    let mut sum = 0.0;
    for j in k..=n {
        let rel = term(j) - top;
        if j > mode && rel < -50.0 {
            break;
        }
        sum += exp(rel);
    }
    (exp(top) * sum).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(k: u64, n: u64, p: f64) -> f64 {
        // Direct summation with exact binomial coefficients, for small n.
        let mut total = 0.0;
        for j in k..=n {
            let mut c = 1.0f64;
            for i in 0..j {
                c = c * (n - i) as f64 / (i + 1) as f64;
            }
            total += c * p.powi(j as i32) * (1.0 - p).powi((n - j) as i32);
        }
        total
    }

    #[test]
    fn the_tail_matches_direct_summation_on_small_cases() {
        for &(k, n, p) in &[
            (3, 10, 0.2),
            (0, 5, 0.5),
            (5, 5, 0.9),
            (7, 20, 0.35),
            (1, 1, 0.5),
        ] {
            let got = binomial_upper_tail(k, n, p);
            let want = naive(k, n, p);
            assert!(
                (got - want).abs() <= 1e-13 * want.max(1e-300) + 1e-15,
                "{k} {n} {p}: {got} {want}"
            );
        }
    }

    #[test]
    fn the_tail_handles_its_edges() {
        assert_eq!(binomial_upper_tail(0, 10, 0.3), 1.0);
        assert_eq!(binomial_upper_tail(11, 10, 0.3), 0.0);
        assert_eq!(binomial_upper_tail(1, 10, 0.0), 0.0);
        assert_eq!(binomial_upper_tail(10, 10, 1.0), 1.0);
        // Tiny tails stay positive and accurate: P(X = n) = p^n.
        let got = binomial_upper_tail(200, 200, 0.1);
        assert!((got / 1e-200 - 1.0).abs() < 1e-9, "{got}");
    }

    #[test]
    fn the_tail_agrees_with_scipy_binomtest() {
        // scipy.stats.binomtest(k, n, p, alternative="greater").pvalue, scipy 1.17.1.
        let cases = [
            (
                113u64,
                127u64,
                0.6654135338345865f64,
                4.578574225628764e-09f64,
            ),
            (45, 47, 0.8, 0.0022387857484462434),
            (500, 1000, 0.5, 0.5126125090891802),
        ];
        for (k, n, p, want) in cases {
            let got = binomial_upper_tail(k, n, p);
            assert!(
                (got - want).abs() <= 1e-9 * want,
                "{k} {n} {p}: {got} vs {want}"
            );
        }
    }
}
