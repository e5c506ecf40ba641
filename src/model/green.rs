//! Green upgrades, docs/model.md §5.5. The adoption rule and the cost are those of §5.4
//! ([`super::digital::adoption_probability`], [`super::digital::cost`]).

/// §5.5: the benefit of one green upgrade of size `u`, the carbon cost it saves per unit of
/// output: `tau e_j u`.
#[inline]
pub fn benefit(carbon_price: f64, emission_intensity: f64, upgrade_step: f64) -> f64 {
    carbon_price * emission_intensity * upgrade_step
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::digital::{adoption_probability, cost};
    use crate::model::params::ModelParams;

    #[test]
    fn a_higher_carbon_price_raises_the_green_upgrade_probability() {
        let full = 0.4 * 0.1;
        let p = |tau: f64| {
            adoption_probability(
                &ModelParams::default(),
                benefit(tau, 1.0, 0.1),
                cost(0.4, 0.1, 0.0),
                full,
                0.1,
            )
        };
        assert!(p(0.10) > p(0.02));
        assert!((benefit(0.02, 1.0, 0.1) - 0.002).abs() < 1e-18);
    }

    #[test]
    fn green_subsidies_raise_the_probability() {
        let full = 0.4 * 0.1;
        let b = benefit(0.02, 1.0, 0.1);
        let p0 = adoption_probability(&ModelParams::default(), b, cost(0.4, 0.1, 0.0), full, 0.1);
        let p1 = adoption_probability(&ModelParams::default(), b, cost(0.4, 0.1, 0.5), full, 0.1);
        assert!(p1 > p0);
    }
}
