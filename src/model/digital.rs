//! Digital upgrades, docs/model.md §5.4, and the adoption rule shared with green upgrades.

use super::params::ModelParams;
use crate::lanes::{Real, ln, logistic};

/// §5.4: the benefit of one digital upgrade of size `u`,
/// `(1 + talent_j) mu_j u ln(1 + E_i + chi_j u / delta_D)` with usable data
/// `E_i = D_i + omega Dbar_j` (`usable_data`): a size-free approximation of the gain in
/// productivity per unit of output. For one firm or several in lanes ([`Real`]).
#[inline(always)]
pub fn benefit<V: Real>(
    talent: V,
    data_productivity: V,
    upgrade_step: V,
    usable_data: V,
    data_generation: V,
    data_depreciation: V,
) -> V {
    let (u, one) = (upgrade_step, V::splat(1.0));
    (one + talent)
        * data_productivity
        * u
        * ln(one + usable_data + data_generation * u / data_depreciation)
}

/// §5.4 and §5.5: the cost of one upgrade to the firm, `cost_of_full_upgrade u (1 - subsidy)`.
#[inline]
pub fn cost(cost_of_full_upgrade: f64, upgrade_step: f64, subsidy: f64) -> f64 {
    cost_of_full_upgrade * upgrade_step * (1.0 - subsidy)
}

/// §5.4 and §5.5: the probability of an upgrade this year,
/// `p_max / (1 + exp(-(beta_net (H benefit - cost) / (full_cost u) + beta_peer (peer_mean - 0.5))))`
/// with `p_max`, `beta_net`, `beta_peer` and `H` from `model`.
///
/// `unsubsidised_cost` is `full_cost u`, the scale that makes the net benefit size-free.
/// When it is zero (a free upgrade) the normalised net benefit is +inf if the benefit is
/// positive and 0 otherwise (the specification is silent; this is the limit as the cost goes to 0).
/// For one firm or several in lanes ([`Real`]).
#[inline(always)]
pub fn adoption_probability<V: Real>(
    model: &ModelParams,
    benefit: V,
    cost: V,
    unsubsidised_cost: V,
    peer_mean: V,
) -> V {
    let zero = V::splat(0.0);
    let net = benefit * model.horizon - cost;
    let free = V::select(net.gt(zero), V::splat(f64::INFINITY), zero);
    let normalised_net = V::select(unsubsidised_cost.gt(zero), net / unsubsidised_cost, free);
    // With beta_net = 0 the net benefit drops out (and 0 x inf must not become NaN).
    let net_term = if model.adoption_net_weight == 0.0 {
        zero
    } else {
        normalised_net * model.adoption_net_weight
    };
    let score = net_term + (peer_mean - 0.5) * model.adoption_peer_weight;
    logistic(score) * model.adoption_max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benefit_matches_the_formula() {
        // (1 + 0) * 0.1 * 0.1 * ln(1 + 1.0 + 1.0 * 0.1 / 0.2)
        let b = benefit(0.0, 0.1, 0.1, 1.0, 1.0, 0.2);
        assert!((b - 0.01 * (2.5f64).ln()).abs() < 1e-15);
        assert!(
            benefit(1.0, 0.1, 0.1, 1.0, 1.0, 0.2) > b,
            "talent raises the benefit"
        );
        assert!(
            benefit(0.0, 0.1, 0.1, 3.0, 1.0, 0.2) > b,
            "shared data raises the benefit"
        );
    }

    #[test]
    fn subsidies_lower_the_cost_and_raise_the_probability() {
        let m = ModelParams::default();
        let b = benefit(0.0, 0.1, 0.1, 1.0, 1.0, 0.2);
        let full = 0.5 * 0.1;
        let p0 = adoption_probability(&m, b, cost(0.5, 0.1, 0.0), full, 0.2);
        let p1 = adoption_probability(&m, b, cost(0.5, 0.1, 0.5), full, 0.2);
        assert!(p1 > p0);
        assert!(p0 > 0.0 && p1 < 0.5, "bounded by p_max");
    }

    #[test]
    fn peers_raise_the_probability() {
        let m = ModelParams::default();
        let p_low = adoption_probability(&m, 0.01, 0.05, 0.05, 0.2);
        let p_high = adoption_probability(&m, 0.01, 0.05, 0.05, 0.6);
        assert!(p_high > p_low);
    }

    #[test]
    fn the_probability_is_the_hand_computed_logistic() {
        // net = H 0.01 - 0.05 = 0 with H = 5; peers at 0.5: p = p_max / 2.
        let p = adoption_probability(&ModelParams::default(), 0.01, 0.05, 0.05, 0.5);
        assert!((p - 0.25).abs() < 1e-15);
    }

    #[test]
    fn without_a_net_weight_a_free_upgrade_depends_on_peers_alone() {
        let m = ModelParams {
            adoption_net_weight: 0.0,
            ..ModelParams::default()
        };
        let p = adoption_probability(&m, 0.01, 0.0, 0.0, 0.5);
        assert_eq!(p, 0.25, "p_max logistic(0)");
    }

    #[test]
    fn a_free_upgrade_is_taken_at_the_maximum_rate() {
        let p = adoption_probability(&ModelParams::default(), 0.01, 0.0, 0.0, 0.0);
        assert_eq!(p, 0.5);
    }
}
