//! The two stochastic processes of docs/model.md §5.7 (model 1.2): a transitory component of
//! productivity and a demand shifter, both off (0) by default.
//!
//! `e_i` follows an AR(1), `e_i = rho_e e_i + s_e eps`: it moves a firm's productivity this
//! year and fades, so measured productivity is less persistent than technology `a_i`. `xi_i`
//! is a random walk, `xi_i = xi_i + s_xi eps'`: Gibrat's law for demand, which makes firm sizes
//! grow by proportional, size-independent steps (a heavy upper tail) without changing the
//! sector's output. `eps` and `eps'` are unit-variance Laplace draws.

use crate::lanes::Real;

/// §5.7: next year's transitory component.
#[inline(always)]
pub fn next_transitory<V: Real>(e: V, persistence: V, sd: V, eps: V) -> V {
    persistence * e + sd * eps
}

/// §5.7: next year's log demand shifter.
#[inline(always)]
pub fn next_demand_shift<V: Real>(xi: V, sd: V, eps: V) -> V {
    xi + sd * eps
}

/// The standard deviation of the stationary distribution of `e`, `s_e / sqrt(1 - rho_e^2)`:
/// what an initial firm, an entrant or a spawned firm draws its `e` from (§5, §5.12).
#[inline]
pub fn stationary_sd(sd: f64, persistence: f64) -> f64 {
    sd / (1.0 - persistence * persistence).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transitory_component_fades_and_the_shifter_does_not() {
        assert_eq!(next_transitory(0.2, 0.5, 0.1, 1.0), 0.2);
        assert_eq!(next_transitory(0.2, 0.0, 0.0, 0.7), 0.0);
        assert_eq!(next_demand_shift(0.2, 0.1, -1.0), 0.1);
        assert_eq!(stationary_sd(0.05, 0.0), 0.05);
        assert!((stationary_sd(0.06, 0.8) - 0.1).abs() < 1e-15);
    }
}
