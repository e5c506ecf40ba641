//! Supply chain and security, docs/model.md M2.15: imported key inputs, a supply cut that
//! propagates downstream through the input-output matrix, the rationing of what is available
//! (chain leaders first or in proportion), and an autonomy stock that buys resilience with
//! efficiency and needs upkeep.

use super::Matrix;

/// Rounds of the fixed-point iteration that propagates a shortfall through `Omega` (M2.15):
/// a fixed number, part of the model, not a parameter (with a spectral radius below 1 the
/// iteration has converged long before).
pub const PROPAGATION_ROUNDS: usize = 50;

/// The autonomy parameters (M2.15).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AutonomyRule {
    /// `eps_s`: share of the gap `1 - s_j` closed per unit of spending (share of output).
    pub efficiency: f64,
    /// `lambda_c`: share of the gap closed in a year of a total cut.
    pub crisis_learning: f64,
    /// `delta_s`: yearly decay of autonomy above its floor `s0_j`.
    pub depreciation: f64,
}

/// M2.15, step 1: the autonomy stock one year on,
/// `s + min(1, eps_s as + lambda_c cut) (1 - s) - delta_s (s - s0)`, with `as` the autonomy
/// spending rate in force (`autonomy_j b(t)`) and `cut` the supply cut of the step. It stays
/// in `[s0, 1]`: without spending or a cut it decays toward `s0`.
#[inline]
pub fn next_autonomy(
    autonomy: f64,
    floor: f64,
    rule: &AutonomyRule,
    spending: f64,
    cut: f64,
) -> f64 {
    let closed = (rule.efficiency * spending + rule.crisis_learning * cut).min(1.0);
    autonomy + closed * (1.0 - autonomy) - rule.depreciation * (autonomy - floor)
}

/// M2.15: the TFP factor of substitutes, `Xs_j = 1 - pi_s mi_j s_j` (substitutes are less
/// efficient than the imports they replace).
#[inline]
pub fn substitution_factor(substitution_cost: f64, import_share: f64, autonomy: f64) -> f64 {
    1.0 - substitution_cost * import_share * autonomy
}

/// M2.15, step 2: the sector's own availability of key inputs,
/// `phi0_j = 1 - mi_j cut (1 - s_j)`: the imports without a substitute that the cut removes.
#[inline]
pub fn own_availability(import_share: f64, cut: f64, autonomy: f64) -> f64 {
    1.0 - import_share * cut * (1.0 - autonomy)
}

/// M2.15, step 2: availability after propagation downstream,
/// `phi^(n+1)_j = clip(phi0_j (1 - sum_k Omega[j][k] (1 - phi^(n)_k)), 0, 1)` from
/// `phi^(0) = phi0`, [`PROPAGATION_ROUNDS`] rounds; written to `out` (`next` is scratch).
/// Without a cut (`phi0 = 1` everywhere) the result is 1 exactly.
pub fn propagate(own: &[f64], omega: &Matrix, out: &mut Vec<f64>, next: &mut Vec<f64>) {
    out.clear();
    out.extend_from_slice(own);
    for _ in 0..PROPAGATION_ROUNDS {
        next.clear();
        next.extend(own.iter().enumerate().map(|(j, &phi0)| {
            let shortfall: f64 = omega
                .row(j)
                .iter()
                .zip(out.iter())
                .map(|(w, phi)| w * (1.0 - phi))
                .sum();
            (phi0 * (1.0 - shortfall)).clamp(0.0, 1.0)
        }));
        std::mem::swap(out, next);
    }
}

/// M2.15, step 3: how a sector's available key inputs are shared among its firms this step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rationing {
    /// `phi_j`: the share of the sector's needs that is available.
    pub availability: f64,
    /// Chain leaders first: the smallest share that makes a firm a leader (the type-7
    /// `(1 - leader_share)` quantile of the sector's shares), and `Lambda_j`, the leaders'
    /// summed share. `None`: every firm gets `phi_j`.
    pub leaders: Option<(f64, f64)>,
}

impl Rationing {
    /// Nothing is short: every firm gets all it needs.
    pub const FULL: Rationing = Rationing {
        availability: 1.0,
        leaders: None,
    };

    /// The delivery rate `v_i` of a firm with share `share` (at the start of the step):
    /// leaders get `min(1, phi / Lambda)`, the others `max(0, (phi - Lambda) / (1 - Lambda))`
    /// (0 if `Lambda = 1`); in proportion, every firm gets `phi`. Either way
    /// `sum f_i v_i = phi`.
    #[inline]
    pub fn delivery(&self, share: f64) -> f64 {
        let phi = self.availability;
        match self.leaders {
            None => phi,
            Some((threshold, leaders)) if share >= threshold => (phi / leaders).min(1.0),
            Some((_, leaders)) if leaders < 1.0 => ((phi - leaders) / (1.0 - leaders)).max(0.0),
            Some(_) => 0.0,
        }
    }
}

/// M2.15, step 3: the leaders of a sector whose firms hold `shares` (reordered): the
/// threshold, the type-7 `(1 - leader_share)` quantile of the shares (never above the largest
/// share, so the largest firm is always a leader; ties all count), and the leaders' summed
/// share `Lambda_j`. `None` where the sector has no firm.
pub fn leaders(shares: &mut [f64], leader_share: f64) -> Option<(f64, f64)> {
    let largest = shares.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if shares.is_empty() {
        return None;
    }
    let threshold = crate::stats::quantile(shares, 1.0 - leader_share).min(largest);
    let total: f64 = shares.iter().filter(|&&f| f >= threshold).sum();
    Some((threshold, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: AutonomyRule = AutonomyRule {
        efficiency: 20.0,
        crisis_learning: 0.1,
        depreciation: 0.1,
    };

    #[test]
    fn autonomy_stays_at_its_floor_without_spending_or_cuts_and_reaches_its_steady_state() {
        assert_eq!(next_autonomy(0.3, 0.3, &RULE, 0.0, 0.0), 0.3);
        // s* = (delta s0 + eps as) / (delta + eps as) = (0.03 + 0.1) / 0.2 = 0.65
        let mut s = 0.3;
        for _ in 0..500 {
            s = next_autonomy(s, 0.3, &RULE, 0.005, 0.0);
        }
        assert!((s - 0.65).abs() < 1e-12, "{s}");
        // what a crisis teaches decays back toward the floor
        let learned = next_autonomy(0.3, 0.3, &RULE, 0.0, 1.0);
        assert!((learned - 0.37).abs() < 1e-15);
        assert!(next_autonomy(learned, 0.3, &RULE, 0.0, 0.0) < learned);
    }

    #[test]
    fn without_a_cut_every_sector_has_all_its_key_inputs_exactly() {
        let omega = Matrix::from_rows(&[vec![0.0, 0.1], vec![0.3, 0.0]]);
        let own = [
            own_availability(0.1, 0.0, 0.3),
            own_availability(0.3, 0.0, 0.2),
        ];
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        propagate(&own, &omega, &mut out, &mut scratch);
        assert_eq!(out, [1.0, 1.0]);
    }

    #[test]
    fn a_shortfall_propagates_downstream_to_the_fixed_point() {
        // sector 1 imports; sector 0 uses sector 1's output (Omega[0][1] = 0.5) and imports none
        let omega = Matrix::from_rows(&[vec![0.0, 0.5], vec![0.0, 0.0]]);
        let own = [1.0, own_availability(0.4, 0.5, 0.0)]; // 0.8
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        propagate(&own, &omega, &mut out, &mut scratch);
        assert!((out[1] - 0.8).abs() < 1e-15);
        assert!((out[0] - 0.9).abs() < 1e-15, "1 - 0.5 (1 - 0.8)");
    }

    #[test]
    fn both_rationing_rules_deliver_the_same_total_and_leaders_are_served_first() {
        let shares = [0.4, 0.3, 0.2, 0.1];
        let phi = 0.7;
        let proportional = Rationing {
            availability: phi,
            leaders: None,
        };
        let mut sorted = shares;
        let (threshold, total) = leaders(&mut sorted, 0.25).unwrap();
        // type-7 0.75 quantile of 0.1..0.4: 0.325; the one leader holds 0.4
        assert!((threshold - 0.325).abs() < 1e-15 && total == 0.4);
        let first = Rationing {
            availability: phi,
            leaders: Some((threshold, total)),
        };
        let delivered = |r: &Rationing| shares.iter().map(|&f| f * r.delivery(f)).sum::<f64>();
        assert!((delivered(&proportional) - phi).abs() < 1e-15);
        assert!((delivered(&first) - phi).abs() < 1e-15);
        assert_eq!(first.delivery(0.4), 1.0);
        assert!(
            (first.delivery(0.1) - 0.5).abs() < 1e-15,
            "(0.7 - 0.4) / 0.6"
        );
        assert_eq!(Rationing::FULL.delivery(0.1), 1.0);
    }

    #[test]
    fn when_leaders_need_more_than_there_is_the_others_get_nothing() {
        let r = Rationing {
            availability: 0.3,
            leaders: Some((0.4, 0.4)),
        };
        assert!((r.delivery(0.4) - 0.75).abs() < 1e-15);
        assert_eq!(r.delivery(0.2), 0.0);
        let all = Rationing {
            availability: 0.3,
            leaders: Some((0.0, 1.0)),
        };
        assert!(
            (all.delivery(0.5) - 0.3).abs() < 1e-15,
            "every firm a leader"
        );
        let mut one = [0.2, 0.2];
        assert_eq!(leaders(&mut one, 0.05), Some((0.2, 0.4)), "ties all count");
        assert_eq!(leaders(&mut [], 0.05), None);
        // leaders' shares that sum to a hair above 1 by rounding leave the others nothing
        let over = Rationing {
            availability: 0.5,
            leaders: Some((0.1, 1.0 + 1e-15)),
        };
        assert_eq!(over.delivery(0.0), 0.0);
        assert!((over.delivery(0.5) - 0.5).abs() < 1e-14);
    }

    #[test]
    fn substitutes_cost_productivity_in_proportion_to_what_they_replace() {
        assert!((substitution_factor(0.2, 0.4, 0.5) - 0.96).abs() < 1e-15);
        assert_eq!(substitution_factor(0.2, 0.0, 1.0), 1.0);
    }
}
