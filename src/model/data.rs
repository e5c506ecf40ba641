//! The data factor, docs/model.md §5.6 and §5.7: accumulation and the productivity multiplier.

use crate::lanes::{Real, ln};

/// §5.6: next year's data stock, `(1 - delta_D) D_i + chi_j d_i (f_i n_j)`, where
/// `relative_size = f_i n_j` is the firm's size relative to the sector mean.
#[inline(always)]
pub fn accumulate<V: Real>(
    data: V,
    data_depreciation: V,
    data_generation: V,
    digital: V,
    relative_size: V,
) -> V {
    (V::splat(1.0) - data_depreciation) * data + data_generation * digital * relative_size
}

/// The steady-state data stock of a firm of average size, `chi_j d / delta_D`
/// (the initial condition of docs/model.md §5).
#[inline]
pub fn steady_state(data_generation: f64, digital: f64, data_depreciation: f64) -> f64 {
    data_generation * digital / data_depreciation
}

/// §5.7: the data multiplier `A_i / exp(a_i) = 1 + mu_j d_i ln(1 + D_i + omega Dbar_j)`;
/// `shared_data` is `omega Dbar_j`, the part of the sector's mean stock open to every firm.
#[inline(always)]
pub fn multiplier<V: Real>(data_productivity: V, digital: V, data: V, shared_data: V) -> V {
    let one = V::splat(1.0);
    one + data_productivity * digital * ln(one + data + shared_data)
}

/// §5.4, §5.7: `omega Dbar_j`, the part of the sector's mean data stock open to every firm of
/// the sector.
#[inline]
pub fn shared_data(data_openness: f64, data_mean: f64) -> f64 {
    data_openness * data_mean
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_depreciates_and_grows_with_digitalisation_and_size() {
        assert!((accumulate(5.0, 0.2, 1.0, 0.0, 1.0) - 4.0).abs() < 1e-15);
        assert!((accumulate(0.0, 0.2, 1.0, 0.5, 2.0) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn the_steady_state_is_a_fixed_point_for_an_average_firm() {
        let d = 0.3;
        let ss = steady_state(1.0, d, 0.2);
        assert!((accumulate(ss, 0.2, 1.0, d, 1.0) - ss).abs() < 1e-14);
    }

    #[test]
    fn the_multiplier_grows_with_own_and_shared_data() {
        assert_eq!(
            multiplier(0.1, 0.0, 10.0, 10.0),
            1.0,
            "no digitalisation, no data gain"
        );
        let own = multiplier(0.1, 0.5, 1.0, 0.0);
        assert!((own - (1.0 + 0.05 * 2f64.ln())).abs() < 1e-15);
        assert!(
            multiplier(0.1, 0.5, 1.0, 1.0) > own,
            "shared data raises productivity"
        );
    }
}
