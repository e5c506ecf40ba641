//! Competition for market share, MODEL.md §5.8, §5.10 and §5.11.

use crate::math;

/// §5.8: the burden on a firm's output, `rho_j + paid_i + tau e_j (1 - g_i)`: R&D it pays
/// for, upgrades paid this year (expensed), and the carbon price on unabated emissions.
#[inline]
pub fn burden(
    rd_intensity: f64,
    paid: f64,
    carbon_price: f64,
    emission_intensity: f64,
    green: f64,
) -> f64 {
    rd_intensity + paid + carbon_price * emission_intensity * (1.0 - green)
}

/// §5.8: log cost-adjusted productivity `ln c_i = ln(A_i max(1 - burden_i, min_margin))`,
/// and whether the firm sits at the `min_margin` floor (counted as `clamped`).
#[inline]
pub fn ln_competitiveness(ln_productivity: f64, burden: f64, min_margin: f64) -> (f64, bool) {
    let margin = 1.0 - burden;
    let clamped = margin < min_margin;
    (ln_productivity + math::ln(margin.max(min_margin)), clamped)
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

/// A deterministic, overflow-free running sum of CES terms: the pair (largest `ln c` seen,
/// sum of `exp((sigma - 1)(ln c - largest))`). Partial sums of chunks are merged in chunk
/// order, so the result does not depend on the thread count (§5.10).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CesSum {
    /// Largest `ln c` seen.
    pub max_ln_c: f64,
    /// Sum of the terms relative to `max_ln_c`.
    pub sum: f64,
}

impl Default for CesSum {
    fn default() -> Self {
        CesSum {
            max_ln_c: f64::NEG_INFINITY,
            sum: 0.0,
        }
    }
}

impl CesSum {
    /// Adds the term of one firm.
    #[inline]
    pub fn add(&mut self, ln_c: f64, elasticity: f64) {
        if ln_c > self.max_ln_c {
            self.sum = self.sum * ces_term(self.max_ln_c, elasticity, ln_c) + 1.0;
            self.max_ln_c = ln_c;
        } else {
            self.sum += ces_term(ln_c, elasticity, self.max_ln_c);
        }
    }

    /// Adds the partial sum of a later chunk.
    #[inline]
    pub fn merge(&mut self, other: &CesSum, elasticity: f64) {
        if other.sum == 0.0 {
            return;
        }
        if self.sum == 0.0 {
            *self = *other;
        } else if other.max_ln_c > self.max_ln_c {
            self.sum = self.sum * ces_term(self.max_ln_c, elasticity, other.max_ln_c) + other.sum;
            self.max_ln_c = other.max_ln_c;
        } else {
            self.sum += other.sum * ces_term(other.max_ln_c, elasticity, self.max_ln_c);
        }
    }

    /// A firm's CES share `c_i^(sigma - 1) / C_j`.
    #[inline]
    pub fn share_of(&self, ln_c: f64, elasticity: f64) -> f64 {
        ces_term(ln_c, elasticity, self.max_ln_c) / self.sum
    }
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
        let ln_c = [0.1, -0.3, 0.25, 0.0];
        let mut sum = CesSum::default();
        for &x in &ln_c {
            sum.add(x, 4.0);
        }
        let shares: Vec<f64> = ln_c.iter().map(|&x| sum.share_of(x, 4.0)).collect();
        assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-14);
        assert!(shares[2] > shares[0] && shares[0] > shares[3] && shares[3] > shares[1]);
        // Hand-computed: the share of firm 2 is c^3 / sum c^3.
        let direct: f64 = ln_c.iter().map(|x| (3.0 * x).exp()).sum();
        assert!((shares[2] - (0.75f64).exp() / direct).abs() < 1e-14);
    }

    #[test]
    fn merging_chunk_sums_equals_one_running_sum() {
        let ln_c = [0.1, -0.3, 0.25, 0.0, 0.7, -1.0];
        let mut whole = CesSum::default();
        ln_c.iter().for_each(|&x| whole.add(x, 3.0));
        let (mut left, mut right) = (CesSum::default(), CesSum::default());
        ln_c[..2].iter().for_each(|&x| left.add(x, 3.0));
        ln_c[2..].iter().for_each(|&x| right.add(x, 3.0));
        left.merge(&right, 3.0);
        assert!((left.sum - whole.sum).abs() < 1e-14);
        assert_eq!(left.max_ln_c, whole.max_ln_c);
    }

    #[test]
    fn terms_do_not_overflow_for_huge_productivity() {
        let mut sum = CesSum::default();
        sum.add(500.0, 4.0);
        sum.add(499.0, 4.0);
        assert!(sum.share_of(500.0, 4.0).is_finite());
        assert!((sum.share_of(500.0, 4.0) + sum.share_of(499.0, 4.0) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn partial_adjustment_closes_part_of_the_gap() {
        assert!((adjusted_share(0.2, 0.5, 0.4) - 0.3).abs() < 1e-15);
        assert!(below_exit_share(0.0009, 0.1, 100));
        assert!(!below_exit_share(0.001, 0.1, 100));
    }
}
