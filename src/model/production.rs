//! Output, employment, emissions and demand, docs/model.md §5.13.

use crate::math;

/// §5.13: sector output `Y_j = Z_j Cbar_j^eta_j` where `ln Cbar_j = sum_i f_i ln c_i`
/// (`share_weighted_ln_c`). A carbon price or any other burden lowers output, not only shares.
#[inline]
pub fn sector_output(demand_scale: f64, share_weighted_ln_c: f64, output_elasticity: f64) -> f64 {
    demand_scale * math::exp(output_elasticity * share_weighted_ln_c)
}

/// The initial demand scale `Z_j(0) = output_share_j / Cbar_j(0)^eta_j`, so that the sectors
/// start with the output shares of the scenario and total output 1.
#[inline]
pub fn initial_demand_scale(
    output_share: f64,
    share_weighted_ln_c: f64,
    output_elasticity: f64,
) -> f64 {
    output_share * math::exp(-output_elasticity * share_weighted_ln_c)
}

/// Output growth `gY_k(t) = Y_k(t) / Y_k(t-1) - 1`; zero when the sector had no output.
#[inline]
pub fn output_growth(output: f64, previous_output: f64) -> f64 {
    if previous_output > 0.0 {
        output / previous_output - 1.0
    } else {
        0.0
    }
}

/// §5.13: next year's demand scale,
/// `Z_j(t+1) = Z_j(t) (1 + gamma_j + sum_k B[j][k] gY_k(t))`.
#[inline]
pub fn next_demand_scale(
    demand_scale: f64,
    demand_growth: f64,
    linkage_row: &[f64],
    output_growth: &[f64],
) -> f64 {
    let pull: f64 = linkage_row
        .iter()
        .zip(output_growth)
        .map(|(b, g)| b * g)
        .sum();
    demand_scale * (1.0 + demand_growth + pull)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_demand_scale_reproduces_the_output_share() {
        let z = initial_demand_scale(0.8, 0.12, 0.5);
        assert!((sector_output(z, 0.12, 0.5) - 0.8).abs() < 1e-15);
    }

    #[test]
    fn demand_grows_with_its_own_trend_and_with_linked_sectors() {
        let z = next_demand_scale(1.0, 0.01, &[0.0, 0.2, 0.05], &[0.01, 0.10, 0.20]);
        assert!((z - (1.0 + 0.01 + 0.02 + 0.01)).abs() < 1e-15);
        assert_eq!(output_growth(1.1, 1.0), 1.1 / 1.0 - 1.0);
        assert_eq!(output_growth(1.0, 0.0), 0.0);
    }
}
