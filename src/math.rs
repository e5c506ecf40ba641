//! Deterministic elementary functions.
//!
//! docs/model.md §6 requires the same bytes of output on every machine of one architecture, so the
//! model never calls the platform's math library (whose `exp` and `ln` differ between libc
//! versions). Every transcendental function the model uses is defined here, in plain IEEE 754
//! arithmetic (no fused multiply-add, which Rust never introduces on its own), so the result
//! is the same bits on every machine, scalar or vectorised.
//!
//! [`exp`] and [`ln`] are written for the step's inner loop: inlined, branch-light, no
//! division in `exp`. `exp` uses a table of 2^(i/64) and a degree-6 polynomial (error below
//! one unit in the last place); `ln` is the `libm` crate's algorithm (fdlibm's, as simplified
//! by musl), inlined and bit-identical to it (tested). Rarely used functions forward to the pure-Rust [`libm`] crate.

/// `e^x`, deterministic (docs/model.md §6). Relative error below 1 ulp; overflows to +inf above
/// 709.78, underflows (through subnormals) to 0 below -745.13.
#[inline]
pub fn exp(x: f64) -> f64 {
    // x = (64 m + j) ln2/64 + r with |r| <= ln2/128; e^x = 2^m 2^(j/64) e^r.
    const INV_LN2_64: f64 = 92.332_482_616_893_66; // 64 / ln 2
    const LN2_64_HI: f64 = 0.010_830_424_667_801_708; // ln2/64 with 24 trailing zero bits
    const LN2_64_LO: f64 = 2.844_743_747_662_728_5e-11;
    const ROUND: f64 = 6_755_399_441_055_744.0; // 1.5 2^52: adding it rounds to an integer
    if !(x > -745.2 && x < 709.79) {
        return exp_outside(x);
    }
    let kf = (x * INV_LN2_64 + ROUND) - ROUND;
    let k = kf as i64;
    let r = (x - kf * LN2_64_HI) - kf * LN2_64_LO;
    // e^r - 1, Taylor to degree 6 (|r| <= 0.0055: the first term left out is below 1e-19).
    let p = r + r
        * r
        * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0)))));
    let t = EXP2_TABLE[(k & 63) as usize];
    let mantissa = t + t * p;
    let m = k >> 6;
    if (-1022..=1023).contains(&m) {
        mantissa * f64::from_bits(((m + 1023) as u64) << 52)
    } else if m > 1023 {
        mantissa * 2.0 * f64::from_bits(((m + 1022) as u64) << 52)
    } else {
        // subnormal result: scale in two steps
        mantissa * f64::from_bits(((m + 1022 + 1023) as u64) << 52) * f64::from_bits(1u64 << 52)
    }
}

#[cold]
fn exp_outside(x: f64) -> f64 {
    if x.is_nan() {
        x
    } else if x > 0.0 {
        f64::INFINITY
    } else {
        // below -745.13 the result rounds to 0; between that and -745.2 use libm's
        libm::exp(x)
    }
}

/// 2^(i/64) for i = 0..63, correctly rounded (computed at 60 significant digits).
pub(crate) const EXP2_TABLE: [f64; 64] = [
    f64::from_bits(0x3ff0000000000000),
    f64::from_bits(0x3ff02c9a3e778061),
    f64::from_bits(0x3ff059b0d3158574),
    f64::from_bits(0x3ff0874518759bc8),
    f64::from_bits(0x3ff0b5586cf9890f),
    f64::from_bits(0x3ff0e3ec32d3d1a2),
    f64::from_bits(0x3ff11301d0125b51),
    f64::from_bits(0x3ff1429aaea92de0),
    f64::from_bits(0x3ff172b83c7d517b),
    f64::from_bits(0x3ff1a35beb6fcb75),
    f64::from_bits(0x3ff1d4873168b9aa),
    f64::from_bits(0x3ff2063b88628cd6),
    f64::from_bits(0x3ff2387a6e756238),
    f64::from_bits(0x3ff26b4565e27cdd),
    f64::from_bits(0x3ff29e9df51fdee1),
    f64::from_bits(0x3ff2d285a6e4030b),
    f64::from_bits(0x3ff306fe0a31b715),
    f64::from_bits(0x3ff33c08b26416ff),
    f64::from_bits(0x3ff371a7373aa9cb),
    f64::from_bits(0x3ff3a7db34e59ff7),
    f64::from_bits(0x3ff3dea64c123422),
    f64::from_bits(0x3ff4160a21f72e2a),
    f64::from_bits(0x3ff44e086061892d),
    f64::from_bits(0x3ff486a2b5c13cd0),
    f64::from_bits(0x3ff4bfdad5362a27),
    f64::from_bits(0x3ff4f9b2769d2ca7),
    f64::from_bits(0x3ff5342b569d4f82),
    f64::from_bits(0x3ff56f4736b527da),
    f64::from_bits(0x3ff5ab07dd485429),
    f64::from_bits(0x3ff5e76f15ad2148),
    f64::from_bits(0x3ff6247eb03a5585),
    f64::from_bits(0x3ff6623882552225),
    f64::from_bits(0x3ff6a09e667f3bcd),
    f64::from_bits(0x3ff6dfb23c651a2f),
    f64::from_bits(0x3ff71f75e8ec5f74),
    f64::from_bits(0x3ff75feb564267c9),
    f64::from_bits(0x3ff7a11473eb0187),
    f64::from_bits(0x3ff7e2f336cf4e62),
    f64::from_bits(0x3ff82589994cce13),
    f64::from_bits(0x3ff868d99b4492ed),
    f64::from_bits(0x3ff8ace5422aa0db),
    f64::from_bits(0x3ff8f1ae99157736),
    f64::from_bits(0x3ff93737b0cdc5e5),
    f64::from_bits(0x3ff97d829fde4e50),
    f64::from_bits(0x3ff9c49182a3f090),
    f64::from_bits(0x3ffa0c667b5de565),
    f64::from_bits(0x3ffa5503b23e255d),
    f64::from_bits(0x3ffa9e6b5579fdbf),
    f64::from_bits(0x3ffae89f995ad3ad),
    f64::from_bits(0x3ffb33a2b84f15fb),
    f64::from_bits(0x3ffb7f76f2fb5e47),
    f64::from_bits(0x3ffbcc1e904bc1d2),
    f64::from_bits(0x3ffc199bdd85529c),
    f64::from_bits(0x3ffc67f12e57d14b),
    f64::from_bits(0x3ffcb720dcef9069),
    f64::from_bits(0x3ffd072d4a07897c),
    f64::from_bits(0x3ffd5818dcfba487),
    f64::from_bits(0x3ffda9e603db3285),
    f64::from_bits(0x3ffdfc97337b9b5f),
    f64::from_bits(0x3ffe502ee78b3ff6),
    f64::from_bits(0x3ffea4afa2a490da),
    f64::from_bits(0x3ffefa1bee615a27),
    f64::from_bits(0x3fff50765b6e4540),
    f64::from_bits(0x3fffa7c1819e90d8),
];

/// Natural logarithm, deterministic (docs/model.md §6): fdlibm's algorithm as simplified by musl
/// (the `libm` crate's, bit-identical to it), inlined and branch-free for normal positive
/// numbers (error below 1 ulp); zero, negative, subnormal, infinite and NaN inputs go to
/// `libm` (-inf, NaN, ...).
#[inline]
pub fn ln(x: f64) -> f64 {
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    const LG1: f64 = 6.666_666_666_666_735e-1;
    const LG2: f64 = 3.999_999_999_940_942e-1;
    const LG3: f64 = 2.857_142_874_366_239e-1;
    const LG4: f64 = 2.222_219_843_214_978_4e-1;
    const LG5: f64 = 1.818_357_216_161_805e-1;
    const LG6: f64 = 1.531_383_769_920_937_3e-1;
    const LG7: f64 = 1.479_819_860_511_658_6e-1;
    let bits = x.to_bits();
    let hx = (bits >> 32) as u32;
    if !(0x0010_0000..0x7ff0_0000).contains(&hx) {
        return libm::log(x); // not a normal positive number
    }
    // x = 2^k (1 + f) with 1 + f in [sqrt(2)/2, sqrt(2)]
    let hx = hx + (0x3ff0_0000 - 0x3fe6_a09e);
    let k = (hx >> 20) as i32 - 0x3ff;
    let hx = (hx & 0x000f_ffff) + 0x3fe6_a09e;
    let f = f64::from_bits((u64::from(hx) << 32) | (bits & 0xffff_ffff)) - 1.0;
    let hfsq = 0.5 * f * f;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    let dk = f64::from(k);
    s * (hfsq + r) + dk * LN2_LO - hfsq + f + dk * LN2_HI
}

/// `ln(1 + x)`, accurate for small `x`, deterministic.
#[inline]
pub fn ln_1p(x: f64) -> f64 {
    libm::log1p(x)
}

/// `x^y`, deterministic (docs/model.md §6).
#[inline]
pub fn pow(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// `x^y` for `x > 0`: by repeated multiplication when `y` is a whole number up to 64 (the
/// CES exponent `sigma - 1` usually is), else `exp(y ln x)`.
#[inline]
pub fn pow_positive(x: f64, y: f64) -> f64 {
    if y == y.floor() && (0.0..=64.0).contains(&y) {
        let mut n = y as u32;
        let (mut base, mut result) = (x, 1.0);
        while n > 0 {
            if n & 1 == 1 {
                result *= base;
            }
            base *= base;
            n >>= 1;
        }
        result
    } else {
        exp(y * ln(x))
    }
}

/// `ln Γ(x)` for `x > 0`, deterministic; used by the Poisson sampler.
#[inline]
pub fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// The logistic function `1 / (1 + e^-x)`, saturating cleanly at ±∞.
#[inline]
pub fn logistic(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + exp(-x))
    } else {
        let e = exp(x);
        e / (1.0 + e)
    }
}

/// Inverse of the distribution function of the Laplace distribution with mean 0 and variance
/// 1 (scale `b = 1/sqrt(2)`), for `p` in (0, 1): `-b sign(p - 1/2) ln(1 - 2 |p - 1/2|)`.
pub fn laplace_quantile(p: f64) -> f64 {
    const SCALE: f64 = std::f64::consts::FRAC_1_SQRT_2;
    let q = p - 0.5;
    let magnitude = -SCALE * ln(1.0 - 2.0 * q.abs());
    if q < 0.0 { -magnitude } else { magnitude }
}

/// Inverse of the standard normal distribution function, Φ⁻¹(p) for `p` in (0, 1).
///
/// Wichura's algorithm AS 241 (PPND16, Applied Statistics 37, 1988), accurate to about
/// 1e-16: one uniform in, one normal out, so every normal draw of the model is a single
/// keyed draw (docs/model.md §6). The central region, which holds 85 % of the draws, needs no
/// transcendental function at all.
pub fn normal_quantile(p: f64) -> f64 {
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q * horner(&AS241_CENTRAL_NUM, r) / horner(&AS241_CENTRAL_DEN, r);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    let r = (-ln(tail)).sqrt();
    let value = if r <= 5.0 {
        let r = r - 1.6;
        horner(&AS241_NEAR_NUM, r) / horner(&AS241_NEAR_DEN, r)
    } else {
        let r = r - 5.0;
        horner(&AS241_FAR_NUM, r) / horner(&AS241_FAR_DEN, r)
    };
    if q < 0.0 { -value } else { value }
}

/// A polynomial by Horner's rule, coefficients from the highest power down.
#[inline]
fn horner(coefficients: &[f64], x: f64) -> f64 {
    coefficients.iter().fold(0.0, |acc, &c| acc * x + c)
}

// AS 241 coefficients, highest power first (Wichura 1988, PPND16), as published.
#[allow(clippy::excessive_precision, clippy::inconsistent_digit_grouping)]
pub(crate) const AS241_CENTRAL_NUM: [f64; 8] = [
    2509.080_928_730_122_7,
    33_430.575_583_588_13,
    67_265.770_927_008_7,
    45_921.953_931_549_87,
    13_731.693_765_509_461,
    1_971.590_950_306_551_3,
    133.141_667_891_784_38,
    3.387_132_872_796_366_5,
];
#[allow(clippy::excessive_precision, clippy::inconsistent_digit_grouping)]
pub(crate) const AS241_CENTRAL_DEN: [f64; 8] = [
    5_226.495_278_852_546,
    28_729.085_735_721_943,
    39_307.895_800_092_71,
    21_213.794_301_586_597,
    5_394.196_021_424_751,
    687.187_007_492_057_9,
    42.313_330_701_600_91,
    1.0,
];
#[allow(clippy::excessive_precision, clippy::inconsistent_digit_grouping)]
pub(crate) const AS241_NEAR_NUM: [f64; 8] = [
    7.745_450_142_783_414e-4,
    0.022_723_844_989_269_184,
    0.241_780_725_177_450_6,
    1.270_458_252_452_368_4,
    3.647_848_324_763_204_5,
    5.769_497_221_460_691,
    4.630_337_846_156_545,
    1.423_437_110_749_683_5,
];
#[allow(clippy::excessive_precision, clippy::inconsistent_digit_grouping)]
pub(crate) const AS241_NEAR_DEN: [f64; 8] = [
    1.050_750_071_644_416_8e-9,
    5.475_938_084_995_345e-4,
    0.015_198_666_563_616_457,
    0.148_103_976_427_480_08,
    0.689_767_334_985_100_1,
    1.676_384_830_183_803_8,
    2.053_191_626_637_759,
    1.0,
];
#[allow(clippy::excessive_precision, clippy::inconsistent_digit_grouping)]
pub(crate) const AS241_FAR_NUM: [f64; 8] = [
    2.010_334_399_292_288_1e-7,
    2.711_555_568_743_487_6e-5,
    0.001_242_660_947_388_078_4,
    0.026_532_189_526_576_124,
    0.296_560_571_828_504_9,
    1.784_826_539_917_291_3,
    5.463_784_911_164_114,
    6.657_904_643_501_103,
];
#[allow(clippy::excessive_precision, clippy::inconsistent_digit_grouping)]
pub(crate) const AS241_FAR_DEN: [f64; 8] = [
    2.044_263_103_389_939_7e-15,
    1.421_511_758_316_446e-7,
    1.846_318_317_510_054_8e-5,
    7.868_691_311_456_133e-4,
    0.014_875_361_290_850_615,
    0.136_929_880_922_735_8,
    0.599_832_206_555_887_9,
    1.0,
];

/// The standard normal distribution function Φ(x), deterministic; used in tests and docs.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// Quantile of Student's t distribution with `df` degrees of freedom (`df` >= 1, not
/// necessarily whole), for `p` in (0, 1): the critical value of a t interval.
///
/// G. W. Hill (1970), "Algorithm 396: Student's t-quantiles", Comm. ACM 13(10), 619–620:
/// exact for 1 and 2 degrees of freedom, an expansion about the normal quantile (or, in the
/// far tail, about the t tail) otherwise, accurate to about 1e-5 relative for the levels of
/// confidence intervals. Deterministic: built from this module's `exp`, `pow` and
/// [`normal_quantile`].
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    use std::f64::consts::{FRAC_PI_2, PI};
    if p == 0.5 {
        return 0.0;
    }
    let sign = if p < 0.5 { -1.0 } else { 1.0 };
    // two-sided tail probability
    let two_sided = 2.0 * p.min(1.0 - p);
    let n = df;
    let t = if (n - 1.0).abs() < 1e-12 {
        let x = two_sided * FRAC_PI_2;
        x.cos() / x.sin()
    } else if (n - 2.0).abs() < 1e-12 {
        (2.0 / (two_sided * (2.0 - two_sided)) - 2.0).sqrt()
    } else {
        let a = 1.0 / (n - 0.5);
        let b = 48.0 / (a * a);
        let mut c = ((20700.0 * a / b - 98.0) * a - 16.0) * a + 96.36;
        let d = ((94.5 / (b + c) - 3.0) / b + 1.0) * (a * PI / 2.0).sqrt() * n;
        let y = pow(d * two_sided, 2.0 / n);
        let y = if y > 0.05 + a {
            // asymptotic inverse expansion about the normal quantile
            let x = normal_quantile(0.5 * two_sided);
            let y = x * x;
            if n < 5.0 {
                c += 0.3 * (n - 4.5) * (x + 0.6);
            }
            c += (((0.05 * d * x - 5.0) * x - 7.0) * x - 2.0) * x + b;
            let y = (((((0.4 * y + 6.3) * y + 36.0) * y + 94.5) / c - y - 3.0) / b + 1.0) * x;
            let y = a * y * y;
            if y > 0.002 {
                exp(y) - 1.0
            } else {
                0.5 * y * y + y
            }
        } else {
            ((1.0 / (((n + 6.0) / (n * y) - 0.089 * d - 0.822) * (n + 2.0) * 3.0)
                + 0.5 / (n + 4.0))
                * y
                - 1.0)
                * (n + 1.0)
                / (n + 2.0)
                + 1.0 / y
        };
        (n * y).sqrt()
    };
    sign * t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn laplace_draws_have_mean_0_variance_1_and_the_tent_shape() {
        let n = 200_000;
        let x: Vec<f64> = (0..n)
            .map(|i| laplace_quantile((i as f64 + 0.5) / n as f64))
            .collect();
        let mean = x.iter().sum::<f64>() / n as f64;
        let var = x.iter().map(|v| v * v).sum::<f64>() / n as f64;
        let mean_abs = x.iter().map(|v| v.abs()).sum::<f64>() / n as f64;
        assert!(mean.abs() < 1e-12, "{mean}");
        assert!((var - 1.0).abs() < 1e-3, "{var}");
        // E|x| = b = 1/sqrt(2) for a Laplace, against 0.798 for a unit normal
        assert!(
            (mean_abs - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-4,
            "{mean_abs}"
        );
        assert_eq!(laplace_quantile(0.5), 0.0);
        assert!(laplace_quantile(0.25) < 0.0 && laplace_quantile(0.75) > 0.0);
    }

    #[test]
    fn student_t_quantiles_match_published_tables() {
        // t_{0.975} and t_{0.995} for df = 1, 2, 3, 4, 5, 9, 19, 29, 99, 1000 (e.g. Abramowitz
        // and Stegun, Table 26.10; NIST/SEMATECH e-Handbook, Table 1.3.6.7.2).
        let cases = [
            (1.0, 12.7062, 63.6567),
            (2.0, 4.3027, 9.9248),
            (3.0, 3.1824, 5.8409),
            (4.0, 2.7764, 4.6041),
            (5.0, 2.5706, 4.0321),
            (9.0, 2.2622, 3.2498),
            (19.0, 2.0930, 2.8609),
            (29.0, 2.0452, 2.7564),
            (99.0, 1.9842, 2.6264),
            (1000.0, 1.9623, 2.5808),
        ];
        for (df, t975, t995) in cases {
            for (p, expected) in [(0.975, t975), (0.995, t995)] {
                let t = student_t_quantile(p, df);
                assert!(
                    (t - expected).abs() < 1e-4 * expected,
                    "df {df}, p {p}: {t} vs {expected}"
                );
                assert_eq!(student_t_quantile(1.0 - p, df), -t, "symmetric");
            }
        }
        assert_eq!(student_t_quantile(0.5, 7.0), 0.0);
    }

    #[test]
    fn student_t_quantiles_approach_the_normal_and_fall_with_df() {
        let z = normal_quantile(0.975);
        assert!((student_t_quantile(0.975, 1e6) - z).abs() < 1e-5);
        let mut last = f64::INFINITY;
        for df in [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 7.5, 10.0, 30.0, 300.0] {
            let t = student_t_quantile(0.975, df);
            assert!(t < last && t > z, "df {df}: {t}");
            last = t;
        }
    }

    #[test]
    fn normal_quantile_matches_published_values() {
        let cases = [
            (0.5, 0.0),
            (0.975, 1.959_963_984_540_054),
            (0.9, 1.281_551_565_544_600_4),
            (0.025, -1.959_963_984_540_054),
            (1e-10, -6.361_340_902_404_056),
            (1e-6, -4.753_424_308_822_899),
        ];
        for (p, expected) in cases {
            let got = normal_quantile(p);
            assert!((got - expected).abs() < 1e-13, "p={p}: {got} vs {expected}");
        }
    }

    #[test]
    fn normal_quantile_inverts_the_distribution_function() {
        for i in 1..2000 {
            let p = i as f64 / 2000.0;
            let back = normal_cdf(normal_quantile(p));
            assert!((back - p).abs() < 1e-14, "p={p}: Φ(Φ⁻¹(p))={back}");
        }
        for k in 2..300 {
            let p = 10f64.powf(-k as f64 / 10.0);
            let back = normal_cdf(normal_quantile(p));
            assert!(((back - p) / p).abs() < 1e-12, "p={p}: Φ(Φ⁻¹(p))={back}");
        }
    }

    /// A deterministic spread of test points: uniform in `[lo, hi]` plus the edges.
    fn points(lo: f64, hi: f64, n: usize) -> Vec<f64> {
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut v: Vec<f64> = (0..n)
            .map(|_| {
                state = crate::rng::mix64(state.wrapping_add(0x9E37_79B9_7F4A_7C15));
                lo + (hi - lo) * crate::rng::to_unit(state)
            })
            .collect();
        v.extend([lo, hi, 0.0, -0.0]);
        v
    }

    fn ulps(a: f64, b: f64) -> u64 {
        if a == b {
            return 0;
        }
        (a.to_bits() as i64).abs_diff(b.to_bits() as i64)
    }

    #[test]
    fn exp_is_within_one_ulp_of_libm() {
        for x in points(-745.0, 709.7, 400_000)
            .into_iter()
            .chain(points(-1.0, 1.0, 200_000))
        {
            let (ours, reference) = (exp(x), libm::exp(x));
            assert!(
                ulps(ours, reference) <= 1,
                "exp({x:e}) = {ours:e}, libm {reference:e}"
            );
        }
    }

    #[test]
    fn exp_handles_the_edges() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(1.0), std::f64::consts::E);
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(-800.0), 0.0);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert!(exp(f64::NAN).is_nan());
        assert!(exp(-740.0) > 0.0, "subnormal results are kept");
        assert!(ulps(exp(-740.0), libm::exp(-740.0)) <= 1);
        assert!(ulps(exp(709.7), libm::exp(709.7)) <= 1);
    }

    #[test]
    fn ln_is_bit_identical_to_libm() {
        for x in points(1e-300, 1e300, 100_000)
            .into_iter()
            .chain(points(0.5, 2.0, 200_000))
            .chain(points(1.0 - 1e-5, 1.0 + 1e-5, 50_000))
            .chain([
                f64::MIN_POSITIVE,
                5e-324,
                0.0,
                -1.0,
                f64::INFINITY,
                f64::MAX,
            ])
        {
            let (ours, reference) = (ln(x), libm::log(x));
            assert!(
                ours.to_bits() == reference.to_bits() || (ours.is_nan() && reference.is_nan()),
                "ln({x:e}) = {ours:e}, libm {reference:e}"
            );
        }
        assert!(ln(f64::NAN).is_nan());
    }

    #[test]
    fn logistic_is_symmetric_and_saturates() {
        assert_eq!(logistic(0.0), 0.5);
        assert!((logistic(2.0) + logistic(-2.0) - 1.0).abs() < 1e-15);
        assert_eq!(logistic(f64::INFINITY), 1.0);
        assert_eq!(logistic(f64::NEG_INFINITY), 0.0);
        assert_eq!(logistic(-1000.0), 0.0);
    }
}
