//! Deterministic elementary functions.
//!
//! MODEL.md §6 requires the same bytes of output on every machine of one architecture, so the
//! model never calls the platform's math library (whose `exp` and `ln` differ between libc
//! versions). Every transcendental function the model uses goes through this module, which
//! forwards to the pure-Rust [`libm`] port of musl. Square roots, floors and the basic
//! arithmetic are exactly rounded by IEEE 754 and need no wrapper.

/// `e^x`, deterministic (MODEL.md §6).
#[inline]
pub fn exp(x: f64) -> f64 {
    libm::exp(x)
}

/// Natural logarithm, deterministic (MODEL.md §6).
#[inline]
pub fn ln(x: f64) -> f64 {
    libm::log(x)
}

/// `ln(1 + x)`, accurate for small `x`, deterministic.
#[inline]
pub fn ln_1p(x: f64) -> f64 {
    libm::log1p(x)
}

/// `x^y`, deterministic (MODEL.md §6).
#[inline]
pub fn pow(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
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

/// Inverse of the standard normal distribution function, Φ⁻¹(p) for `p` in (0, 1).
///
/// Wichura's algorithm AS 241 (PPND16, Applied Statistics 37, 1988), accurate to about
/// 1e-16: one uniform in, one normal out, so every normal draw of the model is a single
/// keyed draw (MODEL.md §6). The central region, which holds 85 % of the draws, needs no
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
const AS241_CENTRAL_NUM: [f64; 8] = [
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
const AS241_CENTRAL_DEN: [f64; 8] = [
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
const AS241_NEAR_NUM: [f64; 8] = [
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
const AS241_NEAR_DEN: [f64; 8] = [
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
const AS241_FAR_NUM: [f64; 8] = [
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
const AS241_FAR_DEN: [f64; 8] = [
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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn logistic_is_symmetric_and_saturates() {
        assert_eq!(logistic(0.0), 0.5);
        assert!((logistic(2.0) + logistic(-2.0) - 1.0).abs() < 1e-15);
        assert_eq!(logistic(f64::INFINITY), 1.0);
        assert_eq!(logistic(f64::NEG_INFINITY), 0.0);
        assert_eq!(logistic(-1000.0), 0.0);
    }
}
