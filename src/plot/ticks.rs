//! Axis ticks at round numbers, and their labels.

/// Ticks for one axis: round numbers a fixed `step` apart, the first at or below the data's
/// minimum and the last at or above its maximum, so the axis runs from the first to the last.
#[derive(Clone, Debug, PartialEq)]
pub struct Ticks {
    /// Tick values, increasing; each a whole multiple of `step`.
    pub values: Vec<f64>,
    /// Distance between ticks: 1, 2, 2.5 or 5 times a power of ten.
    pub step: f64,
    /// Decimals that show every tick exactly (0 for whole steps, 1 for 2.5 or 0.5, ...).
    pub decimals: usize,
}

impl Ticks {
    /// Lowest tick: where the axis starts.
    pub fn first(&self) -> f64 {
        self.values[0]
    }

    /// Highest tick: where the axis ends.
    pub fn last(&self) -> f64 {
        self.values[self.values.len() - 1]
    }

    /// Every tick as text, with the same number of decimals (`0.0 0.5 1.0`); scientific
    /// notation (`2.5e6`) when the numbers are very large or very small.
    pub fn labels(&self) -> Vec<String> {
        let largest = self.values.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let scientific = largest >= 1e6 || self.decimals > 5;
        self.values
            .iter()
            .map(|&v| {
                let v = if v == 0.0 { 0.0 } else { v }; // no "-0"
                if scientific {
                    if v == 0.0 {
                        "0".to_string()
                    } else {
                        format!("{v:e}")
                    }
                } else {
                    format!("{v:.*}", self.decimals)
                }
            })
            .collect()
    }
}

/// Mantissas of the steps we use, in increasing order.
const MANTISSAS: [f64; 4] = [1.0, 2.0, 2.5, 5.0];

/// Round ticks covering `[lo, hi]`, at most `max_ticks` (taken as at least 3: a range
/// across zero needs a tick below, at and above it) of them, as many as fit: the smallest
/// step of 1, 2, 2.5 or 5 times a power of ten that needs no more. `integer`: the step is a
/// whole number (for years or steps: no tick at 2.5).
///
/// A constant series (`lo == hi`) gets an axis of ±5% around it (±1 around 0 or for whole
/// numbers); bounds that are not finite give the axis 0 to 1, and bounds beyond ±1e300 are
/// taken as ±1e300 (so the span stays finite). The bounds may come in either order.
pub fn nice_ticks(lo: f64, hi: f64, max_ticks: usize, integer: bool) -> Ticks {
    const LIMIT: f64 = 1e300;
    let max_ticks = max_ticks.max(3);
    let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() {
        (lo.min(hi).max(-LIMIT), lo.max(hi).min(LIMIT))
    } else {
        (0.0, 1.0)
    };
    let magnitude = lo.abs().max(hi.abs());
    if hi - lo <= magnitude * 1e-12 {
        // Whole numbers (a single year) get a year either side, not 5% of 2025.
        let pad = if integer || magnitude == 0.0 {
            1.0
        } else {
            magnitude * 0.05
        };
        lo -= pad;
        hi += pad;
    }
    let raw = (hi - lo) / (max_ticks - 1) as f64;
    let start = raw.log10().floor() as i32 - 1;
    // Steps grow tenfold each round, so a handful of rounds find one; 700 spans every double.
    for exponent in start..start + 700 {
        for &mantissa in &MANTISSAS {
            let step = mantissa * 10f64.powi(exponent);
            if integer && (step < 1.0 || (mantissa == 2.5 && exponent == 0)) {
                continue;
            }
            // A small tolerance: 0.3 / 0.1 is 2.9999999999999996, not a reason for a tick at 0.
            let k_lo = (lo / step + 1e-9).floor();
            let k_hi = (hi / step - 1e-9).ceil().max(k_lo + 1.0); // two ticks at least
            if k_hi - k_lo + 1.0 <= max_ticks as f64 {
                let decimals = decimals_of(mantissa, exponent);
                let values = (k_lo as i64..=k_hi as i64)
                    .map(|k| round_to(k as f64 * mantissa, exponent))
                    .collect();
                return Ticks {
                    values,
                    step,
                    decimals,
                };
            }
        }
    }
    unreachable!(
        "a step of 10^{} covers [{lo}, {hi}] in three ticks",
        start + 700
    )
}

/// Decimals needed to write multiples of `mantissa * 10^exponent` exactly.
fn decimals_of(mantissa: f64, exponent: i32) -> usize {
    let extra = if mantissa == 2.5 { 1 } else { 0 };
    (extra - exponent).max(0) as usize
}

/// `multiple * 10^exponent` as the double nearest the decimal number (so 3 x 0.1 is 0.3, not
/// 0.30000000000000004): dividing by an exact power of ten rounds once.
fn round_to(multiple: f64, exponent: i32) -> f64 {
    let v = if (-22..0).contains(&exponent) {
        multiple / 10f64.powi(-exponent)
    } else {
        multiple * 10f64.powi(exponent)
    };
    v + 0.0 // -0.0 becomes 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks what every tick set must satisfy, for the data range [lo, hi].
    fn check(ticks: &Ticks, lo: f64, hi: f64, max_ticks: usize) {
        let v = &ticks.values;
        assert!(v.len() >= 2 && v.len() <= max_ticks, "{ticks:?}");
        assert!(
            ticks.first() <= lo && ticks.last() >= hi,
            "{ticks:?} for {lo}..{hi}"
        );
        for pair in v.windows(2) {
            assert!(
                ((pair[1] - pair[0]) / ticks.step - 1.0).abs() < 1e-9,
                "{ticks:?}"
            );
        }
        for x in v {
            let k = x / ticks.step;
            assert!(
                (k - k.round()).abs() < 1e-9,
                "{x} is not a multiple of {}",
                ticks.step
            );
        }
        // The step is 1, 2, 2.5 or 5 times a power of ten.
        let mantissa = ticks.step / 10f64.powf(ticks.step.log10().floor());
        assert!(
            MANTISSAS.iter().any(|m| (m - mantissa).abs() < 1e-9),
            "step {}",
            ticks.step
        );
    }

    #[test]
    fn shares_from_zero_to_one_get_ticks_every_fifth() {
        let t = nice_ticks(0.0, 1.0, 7, false);
        assert_eq!(t.values, vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(t.labels(), vec!["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
    }

    #[test]
    fn ticks_are_round_numbers_covering_the_data() {
        for &(lo, hi, n) in &[
            (0.98, 2.03, 7),
            (1.0, 1.37, 7),
            (0.0, 30.0, 8),
            (-0.037, 0.012, 7),
            (-250.0, -12.0, 6),
            (3.0e-7, 9.1e-7, 5),
            (1234.0, 98765.0, 6),
            (0.1, 0.3, 3),
        ] {
            check(&nice_ticks(lo, hi, n, false), lo, hi, n);
        }
    }

    #[test]
    fn ticks_of_a_range_across_zero_include_zero() {
        let t = nice_ticks(-0.037, 0.012, 7, false);
        assert!(t.values.contains(&0.0), "{t:?}");
        assert_eq!(
            t.labels(),
            vec!["-0.04", "-0.03", "-0.02", "-0.01", "0.00", "0.01", "0.02"]
        );
    }

    #[test]
    fn ticks_of_decimal_steps_are_exact_decimals() {
        let t = nice_ticks(0.0, 0.7, 8, false);
        assert_eq!(t.values, vec![0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
        assert_eq!(t.labels()[3], "0.3");
    }

    #[test]
    fn a_constant_series_gets_an_axis_around_its_value() {
        let t = nice_ticks(1.0, 1.0, 7, false);
        check(&t, 1.0, 1.0, 7);
        assert!(t.first() < 1.0 && t.last() > 1.0 && t.last() - t.first() <= 0.2);
        let zero = nice_ticks(0.0, 0.0, 5, false);
        assert_eq!(zero.values, vec![-1.0, -0.5, 0.0, 0.5, 1.0]);
        let negative = nice_ticks(-3.0, -3.0, 5, false);
        check(&negative, -3.0, -3.0, 5);
    }

    #[test]
    fn a_range_across_zero_gets_three_ticks_even_when_two_are_asked_for() {
        let t = nice_ticks(-1.0, 1.0, 2, false);
        check(&t, -1.0, 1.0, 3);
        assert!(t.values.contains(&0.0));
    }

    #[test]
    fn the_largest_doubles_still_give_finite_ticks() {
        let t = nice_ticks(-f64::MAX, f64::MAX, 7, false);
        assert!(
            t.values.iter().all(|v| v.is_finite()) && t.values.len() >= 3,
            "{t:?}"
        );
        let tiny = nice_ticks(0.0, 1e-310, 5, false);
        assert!(
            tiny.values.iter().all(|v| v.is_finite()) && tiny.step > 0.0,
            "{tiny:?}"
        );
    }

    #[test]
    fn bounds_that_are_not_finite_give_the_unit_axis() {
        let t = nice_ticks(f64::NAN, f64::INFINITY, 6, false);
        assert_eq!(t.first(), 0.0);
        assert_eq!(t.last(), 1.0);
    }

    #[test]
    fn whole_number_axes_never_tick_between_whole_numbers() {
        let t = nice_ticks(0.0, 30.0, 8, true);
        assert_eq!(t.values, vec![0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0]);
        assert_eq!(t.labels()[1], "5");
        let short = nice_ticks(0.0, 3.0, 10, true);
        assert_eq!(short.values, vec![0.0, 1.0, 2.0, 3.0]);
        let single_year = nice_ticks(2030.0, 2030.0, 7, true);
        assert_eq!(single_year.values, vec![2029.0, 2030.0, 2031.0]);
        let years = nice_ticks(2025.0, 2054.0, 7, true);
        check(&years, 2025.0, 2054.0, 7);
        assert!(years.values.iter().all(|y| y.fract() == 0.0));
    }

    proptest::proptest! {
        #[test]
        fn any_finite_range_gets_round_ticks_covering_it(
            a in -1e9..1e9_f64,
            b in -1e9..1e9_f64,
            scale in -12..12_i32,
            max_ticks in 3..12_usize,
            integer: bool,
        ) {
            let (lo, hi) = (a.min(b) * 10f64.powi(scale), a.max(b) * 10f64.powi(scale));
            let t = nice_ticks(lo, hi, max_ticks, integer);
            check(&t, lo, hi, max_ticks);
            if integer {
                proptest::prop_assert!(t.values.iter().all(|v| v.fract() == 0.0), "{t:?}");
            }
        }
    }

    #[test]
    fn very_large_numbers_are_written_in_scientific_notation() {
        let t = nice_ticks(0.0, 3.0e7, 4, false);
        assert_eq!(t.labels(), vec!["0", "1e7", "2e7", "3e7"]);
    }
}
