//! Descriptive statistics used across the crate: one definition of the sample quantile (type
//! 7), the mean and the sample variance, so that the model, sweep summaries, analyses and plots
//! agree to the bit.
//!
//! Sums run in the order of the input, so the same values in the same order give the same bits
//! on every machine.

/// Quantiles of `values` at the probabilities `probs` (each in [0, 1]), written to `out`.
///
/// The definition is the linear interpolation between order statistics of Hyndman and Fan's
/// type 7 (the default of R's `quantile` and of numpy): with `h = (n - 1) p`, the value is
/// `x(floor h) + (h - floor h) (x(floor h + 1) - x(floor h))`. Values are ordered by
/// `f64::total_cmp`; the value of a quantile does not depend on how ties are broken. The slice
/// is reordered (selection, expected O(n) per quantile, no sort). Empty input gives NaN.
pub fn quantiles(values: &mut [f64], probs: &[f64], out: &mut [f64]) {
    let n = values.len();
    for (p, o) in probs.iter().zip(out.iter_mut()) {
        if n == 0 {
            *o = f64::NAN;
            continue;
        }
        let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
        let lo = (h.floor() as usize).min(n - 1);
        let (_, &mut x_lo, above) = values.select_nth_unstable_by(lo, f64::total_cmp);
        let frac = h - lo as f64;
        *o = if frac > 0.0 && !above.is_empty() {
            let x_hi = above
                .iter()
                .copied()
                .min_by(f64::total_cmp)
                .expect("non-empty");
            x_lo + frac * (x_hi - x_lo)
        } else {
            x_lo
        };
    }
}

/// One quantile of `values` (type 7, see [`quantiles`]).
pub fn quantile(values: &mut [f64], p: f64) -> f64 {
    let mut out = [0.0];
    quantiles(values, &[p], &mut out);
    out[0]
}

/// Hyndman and Fan's type 7 quantile `p` of values already sorted in ascending order (see
/// [`quantiles`]); NaN if there are none.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// The mean of `values`, summed in order; NaN if there are none.
pub fn mean(values: impl IntoIterator<Item = f64>) -> f64 {
    let (mut sum, mut n) = (0.0, 0usize);
    for x in values {
        sum += x;
        n += 1;
    }
    if n == 0 { f64::NAN } else { sum / n as f64 }
}

/// The sample variance of `values` around `mean`, dividing by n - 1; `None` below two values.
pub fn sample_variance(values: &[f64], mean: f64) -> Option<f64> {
    (values.len() > 1).then(|| {
        let ss: f64 = values.iter().map(|x| (x - mean) * (x - mean)).sum();
        ss / (values.len() - 1) as f64
    })
}

/// The sample standard deviation of `values` (dividing by n - 1); `None` below two values.
pub fn sample_sd(values: &[f64]) -> Option<f64> {
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    sample_variance(values, mean).map(f64::sqrt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_the_type_7_definition() {
        // numpy.quantile([1, 2, 3, 4, 10], [0, 0.1, 0.5, 0.9, 1]) = [1, 1.4, 3, 7.6, 10]
        let mut v = vec![10.0, 3.0, 1.0, 4.0, 2.0];
        let mut out = [0.0; 5];
        quantiles(&mut v, &[0.0, 0.1, 0.5, 0.9, 1.0], &mut out);
        let expected = [1.0, 1.4, 3.0, 7.6, 10.0];
        for (o, e) in out.iter().zip(expected) {
            assert!((o - e).abs() < 1e-12, "{out:?}");
        }
    }

    #[test]
    fn the_selection_and_the_sorted_quantile_are_the_same_numbers() {
        let base: Vec<f64> = (0..57)
            .map(|i| ((i * 37) % 57) as f64 / 7.0 - 3.0)
            .collect();
        let mut sorted = base.clone();
        sorted.sort_by(f64::total_cmp);
        for p in [0.0, 0.05, 0.1, 0.33, 0.5, 0.9, 0.95, 1.0] {
            let mut scratch = base.clone();
            assert_eq!(quantile(&mut scratch, p), quantile_sorted(&sorted, p));
        }
    }

    #[test]
    fn quantiles_do_not_depend_on_the_input_order() {
        let base: Vec<f64> = (0..101).map(|i| ((i * 37) % 101) as f64 / 7.0).collect();
        let mut reversed: Vec<f64> = base.iter().rev().copied().collect();
        let mut forward = base.clone();
        for p in [0.1, 0.25, 0.5, 0.75, 0.9] {
            assert_eq!(quantile(&mut forward, p), quantile(&mut reversed, p));
        }
    }

    #[test]
    fn quantiles_of_tiny_samples() {
        assert!(quantile(&mut [], 0.5).is_nan());
        assert!(quantile_sorted(&[], 0.5).is_nan());
        assert_eq!(quantile(&mut [2.5], 0.9), 2.5);
        assert_eq!(quantile(&mut [1.0, 1.0, 1.0], 0.9), 1.0);
    }

    #[test]
    fn mean_and_sample_variance_match_hand_computed_values() {
        let x = [1.0, 2.0, 4.0, 9.0];
        assert_eq!(mean(x), 4.0);
        assert_eq!(sample_variance(&x, 4.0), Some(38.0 / 3.0));
        assert_eq!(sample_sd(&[3.0]), None);
        assert!(mean([]).is_nan());
    }
}
