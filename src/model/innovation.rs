//! Innovation, docs/model.md §5.2.

use crate::lanes::{Real, exp};

/// §5.2: the probability that a firm innovates this year,
/// `1 - exp(-lambda_j r_i (1 + mu_amp d_i))` with effective R&D intensity
/// `r_i = rho_j (1 + s_rd_i)`. For one firm or several in lanes ([`Real`]).
#[inline(always)]
pub fn probability<V: Real>(
    rd_intensity: V,
    rd_subsidy: V,
    innovation_rate: V,
    data_amplification: V,
    digital: V,
) -> V {
    probability_with_effort(
        rd_intensity,
        V::splat(1.0) + rd_subsidy,
        innovation_rate,
        data_amplification,
        digital,
    )
}

/// §5.2 with model 2's R&D effort `eff_i` in place of `1 + s_rd_i` (docs/model.md M2.5):
/// `1 - exp(-lambda_j rho_j eff_i (1 + mu_amp d_i))`; [`probability`] is this with
/// `eff_i = 1 + s_rd_i`, the same operations in the same order.
#[inline(always)]
pub fn probability_with_effort<V: Real>(
    rd_intensity: V,
    effort: V,
    innovation_rate: V,
    data_amplification: V,
    digital: V,
) -> V {
    let one = V::splat(1.0);
    let r = rd_intensity * effort;
    one - exp(-innovation_rate * r * (one + data_amplification * digital))
}

/// §5.2: the gain in log technology from an innovation draw `z ~ N(mu_j, sigma_j)`:
/// `max(0, z)`, so innovation never lowers `a`.
#[inline(always)]
pub fn gain<V: Real>(z: V) -> V {
    z.max(V::splat(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn innovation_never_lowers_technology() {
        for z in [-1.0, -0.01, 0.0, 0.02, 0.5] {
            assert!(gain(z) >= 0.0);
        }
        assert_eq!(gain(0.03), 0.03);
    }

    #[test]
    fn probability_matches_the_formula_for_the_traditional_defaults() {
        // 1 - exp(-7 * 0.015 * (1 + 0.2)) = 1 - exp(-0.126)
        let p = probability(0.015, 0.0, 7.0, 1.0, 0.2);
        assert!((p - (1.0 - (-0.126f64).exp())).abs() < 1e-15);
    }

    #[test]
    fn rd_subsidies_and_digitalisation_raise_the_probability() {
        let base = probability(0.015, 0.0, 7.0, 1.0, 0.2);
        assert!(probability(0.015, 0.5, 7.0, 1.0, 0.2) > base);
        assert!(probability(0.015, 0.0, 7.0, 1.0, 0.6) > base);
        assert_eq!(probability(0.0, 0.5, 7.0, 1.0, 0.2), 0.0);
    }
}
