//! Sector statistics S_j(t), MODEL.md §2: the only cross-firm information a firm reads.

/// What a firm of sector `j` knows about its sector (and others) during step `t + 1`.
///
/// All statistics are unweighted over the sector's firms. When a sector empties, it keeps the
/// values of the last step in which it had firms; a sector that never had firms has NaN
/// statistics, which no comparison passes (so, e.g., it offers no frontier to imitate).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SectorStats {
    /// Firm count n_j.
    pub firms: u64,
    /// Frontier F_j: the `frontier_quantile` of `a`.
    pub frontier: f64,
    /// Median a50_j of `a`.
    pub median: f64,
    /// Targeting threshold a_tq_j: the `targeting_quantile` of `a`.
    pub selective_threshold: f64,
    /// Targeting threshold a_lq_j: the `1 - targeting_quantile` quantile of `a`.
    pub laggard_threshold: f64,
    /// Mean digital level dbar_j.
    pub digital_mean: f64,
    /// Mean green level gbar_j.
    pub green_mean: f64,
    /// Mean data stock Dbar_j.
    pub data_mean: f64,
}

impl SectorStats {
    /// The statistics of a sector that has never had firms.
    pub fn never_populated() -> Self {
        SectorStats {
            firms: 0,
            frontier: f64::NAN,
            median: f64::NAN,
            selective_threshold: f64::NAN,
            laggard_threshold: f64::NAN,
            digital_mean: f64::NAN,
            green_mean: f64::NAN,
            data_mean: f64::NAN,
        }
    }
}

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
        assert_eq!(quantile(&mut [2.5], 0.9), 2.5);
        assert_eq!(quantile(&mut [1.0, 1.0, 1.0], 0.9), 1.0);
    }
}
