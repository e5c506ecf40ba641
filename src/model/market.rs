//! Competition for market share, docs/model.md §5.8, §5.10 and §5.11.

use crate::lanes::{Real, exp, ln};
use crate::math;

/// §5.8: the burden on a firm's output, `rho_j + paid_i + tau e_j (1 - g_i)`: R&D it pays
/// for, upgrades paid this year (expensed), and the carbon price on unabated emissions.
#[inline(always)]
pub fn burden<V: Real>(
    rd_intensity: V,
    paid: V,
    carbon_price: V,
    emission_intensity: V,
    green: V,
) -> V {
    rd_intensity + paid + carbon_price * emission_intensity * (V::splat(1.0) - green)
}

/// §5.8: the margin `max(1 - burden_i, min_margin)`, and whether the firm sits at the
/// `min_margin` floor (counted as `clamped`); `c_i = A_i margin_i`.
#[inline(always)]
pub fn margin<V: Real>(burden: V, min_margin: V) -> (V, V::Mask) {
    let margin = V::splat(1.0) - burden;
    (margin.max(min_margin), margin.lt(min_margin))
}

/// §5.7-5.8: the firm's competitiveness relative to its technology, `x_i = c_i / exp(a_i) =
/// M_i max(1 - burden_i, min_margin)` (the data multiplier times the margin), and whether the
/// margin is at its floor.
#[inline(always)]
pub fn relative_competitiveness<V: Real>(multiplier: V, burden: V, min_margin: V) -> (V, V::Mask) {
    let (margin, clamped) = margin(burden, min_margin);
    (multiplier * margin, clamped)
}

/// §5.10: a firm's CES term `c_i^(sigma - 1)` relative to a reference `c_ref^(sigma - 1)`
/// with `c_ref = exp(a_ref) x_ref`, where `c_i = exp(a_i) x_i` and `x_i` is the data
/// multiplier times the margin. With `a_ref` and `x_ref` the largest `a` and `x` of a group of
/// firms, every term is at most 1 (no overflow), and no logarithm is needed per firm.
#[inline(always)]
pub fn ces_weight<V: Real>(a: V, x: V, elasticity: V, a_ref: V, x_ref: V) -> V {
    let e = elasticity - 1.0;
    exp(e * (a - a_ref)) * (x / x_ref).pow_positive(e)
}

/// §5.8: log cost-adjusted productivity `ln c_i = ln(A_i max(1 - burden_i, min_margin))`,
/// and whether the firm sits at the `min_margin` floor (counted as `clamped`).
#[inline(always)]
pub fn ln_competitiveness<V: Real>(ln_productivity: V, burden: V, min_margin: V) -> (V, V::Mask) {
    let margin = V::splat(1.0) - burden;
    let clamped = margin.lt(min_margin);
    (ln_productivity + ln(margin.max(min_margin)), clamped)
}

/// §5.10: a firm's CES term `c_i^(sigma_j - 1)`, relative to the reference `exp((sigma_j - 1) m)`
/// where `m` is the sector's largest `ln c` (so that no term overflows).
#[inline]
pub fn ces_term(ln_c: f64, elasticity: f64, reference_ln_c: f64) -> f64 {
    math::exp((elasticity - 1.0) * (ln_c - reference_ln_c))
}

/// §5.11: the share after partial adjustment toward the CES share,
/// `(1 - adj_j) f_i + adj_j c_i^(sigma_j - 1) / C_j`.
#[inline]
pub fn adjusted_share(share: f64, share_adjustment: f64, ces_share: f64) -> f64 {
    (1.0 - share_adjustment) * share + share_adjustment * ces_share
}

/// §5.11: whether a share is too small to survive, `f_i < exit_share / n_j`.
#[inline]
pub fn below_exit_share(share: f64, exit_share: f64, firms_in_sector: u64) -> bool {
    share < exit_share / firms_in_sector as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burden_adds_rd_upgrades_and_carbon() {
        let b = burden(0.015, 0.05, 0.02, 1.0, 0.1);
        assert!((b - (0.015 + 0.05 + 0.018)).abs() < 1e-15);
    }

    #[test]
    fn competitiveness_is_floored_at_the_minimum_margin() {
        let (ln_c, clamped) = ln_competitiveness(0.0, 0.2, 0.01);
        assert!((ln_c - 0.8f64.ln()).abs() < 1e-15);
        assert!(!clamped);
        let (ln_c, clamped) = ln_competitiveness(0.0, 1.5, 0.01);
        assert!((ln_c - 0.01f64.ln()).abs() < 1e-15);
        assert!(clamped);
    }

    #[test]
    fn ces_shares_sum_to_one_and_favour_the_more_competitive() {
        let firms = [(0.1, 1.0), (-0.3, 0.9), (0.25, 0.95), (0.0, 1.1)];
        let (a_ref, x_ref) = (0.25, 1.1);
        let w: Vec<f64> = firms
            .iter()
            .map(|&(a, x)| ces_weight(a, x, 4.0, a_ref, x_ref))
            .collect();
        let total: f64 = w.iter().sum();
        let shares: Vec<f64> = w.iter().map(|w| w / total).collect();
        assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        // Hand-computed: share of firm 2 is c^3 / sum c^3 with c = exp(a) x.
        let c3: Vec<f64> = firms.iter().map(|&(a, x)| (a.exp() * x).powi(3)).collect();
        assert!((shares[2] - c3[2] / c3.iter().sum::<f64>()).abs() < 1e-14);
        assert!(shares[2] > shares[0] && shares[0] > shares[3] && shares[3] > shares[1]);
    }

    #[test]
    fn ces_weights_do_not_overflow_for_huge_productivity_or_elasticity() {
        assert!(ces_weight(500.0, 1.0, 4.0, 500.0, 1.0).is_finite());
        assert!(ces_weight(0.0, 2.0, 200.0, 0.0, 2.5).is_finite());
        assert!(ces_weight(-3.0, 0.5, 200.0, 0.0, 2.5) >= 0.0);
    }

    #[test]
    fn ces_weights_are_the_terms_relative_to_the_reference() {
        // c = exp(a) x; weight = (c / c_ref)^(sigma - 1)
        let (a, x, a_ref, x_ref) = (0.2, 0.9, 0.5, 1.2);
        let expected = ((a + f64::ln(x)) - (a_ref + f64::ln(x_ref))) * 3.0;
        let w = ces_weight(a, x, 4.0, a_ref, x_ref);
        assert!((w.ln() - expected).abs() < 1e-14);
        assert!(ces_weight(0.5, 1.2, 4.0, 0.5, 1.2) == 1.0);
        let w = ces_weight(0.2, 0.9, 2.5, 0.5, 1.2); // a non-integer exponent
        assert!((w.ln() - ((0.2 + f64::ln(0.9)) - (0.5 + f64::ln(1.2))) * 1.5).abs() < 1e-14);
    }

    #[test]
    fn partial_adjustment_closes_part_of_the_gap() {
        assert!((adjusted_share(0.2, 0.5, 0.4) - 0.3).abs() < 1e-15);
        assert!(below_exit_share(0.0009, 0.1, 100));
        assert!(!below_exit_share(0.001, 0.1, 100));
    }
}
