//! Exit, entry and transformation, docs/model.md §2 (initial counts), §5.9 and §5.12.

use serde::{Deserialize, Serialize};

use crate::lanes::Real;

/// What a transition rule does (docs/model.md §3, transitions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TransitionKind {
    /// The firm moves to the other sector.
    Switch,
    /// The firm stays and founds a new firm in the other sector.
    Spawn,
}

/// The technology condition of a transition rule: the firm's `a_i` must be at least this
/// statistic of the `from` or `to` sector in S(t-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TfpCondition {
    /// At least the median `a50` of the `from` sector.
    FromMedian,
    /// At least the frontier `F` of the `from` sector.
    FromFrontier,
    /// At least the median of the `to` sector.
    ToMedian,
    /// At least the frontier of the `to` sector.
    ToFrontier,
}

/// A validated transition rule; sectors are indices.
#[derive(Clone, Debug, PartialEq)]
pub struct TransitionRule {
    /// Switch or spawn.
    pub kind: TransitionKind,
    /// Sector of the firm at the start of the step.
    pub from: usize,
    /// Destination sector.
    pub to: usize,
    /// Probability per year.
    pub probability: f64,
    /// Minimum digital level (0: none).
    pub d_min: f64,
    /// Technology condition, if any.
    pub tfp_condition: Option<TfpCondition>,
    /// Whether the probability is multiplied by `d_i`.
    pub scale_by_digital: bool,
}

impl TransitionRule {
    /// §5.9: the rule's probability for a firm with digital level `digital` (after §5.4),
    /// zero when the firm misses `d_min` or the technology threshold `tfp_threshold`
    /// (`None` when the rule has no technology condition; NaN when the sector it refers to
    /// has never had firms, so the condition cannot be met); for one firm (`f64`) or a tile of
    /// firms in lanes.
    #[inline(always)]
    pub fn probability_for<V: Real>(&self, a: V, digital: V, tfp_threshold: Option<f64>) -> V {
        let mut meets = !digital.lt(V::splat(self.d_min));
        if let Some(threshold) = tfp_threshold {
            meets = meets & a.ge(V::splat(threshold)); // never for a NaN threshold
        }
        let probability = V::splat(self.probability);
        let probability = if self.scale_by_digital {
            probability * digital
        } else {
            probability
        };
        V::select(meets, probability, V::splat(0.0))
    }
}

/// docs/model.md §2: initial firms per sector, `firms x firm_share_j` rounded by largest remainder
/// (ties to the earlier sector) so the counts add up to `firms`; a sector with a positive share
/// that got none takes one firm from the largest sector. Requires `firms` to be at least the
/// number of sectors with a positive share (checked in validation).
pub fn initial_counts(firms: u64, firm_shares: &[f64]) -> Vec<u64> {
    let exact: Vec<f64> = firm_shares.iter().map(|s| firms as f64 * s).collect();
    let mut counts: Vec<u64> = exact.iter().map(|x| x.floor() as u64).collect();
    let assigned: u64 = counts.iter().sum();
    let mut order: Vec<usize> = (0..firm_shares.len()).collect();
    order.sort_by(|&i, &j| {
        let (ri, rj) = (exact[i] - exact[i].floor(), exact[j] - exact[j].floor());
        rj.total_cmp(&ri).then(i.cmp(&j))
    });
    for &j in order
        .iter()
        .cycle()
        .take(firms.saturating_sub(assigned) as usize)
    {
        counts[j] += 1;
    }
    for j in 0..counts.len() {
        if firm_shares[j] > 0.0 && counts[j] == 0 {
            let largest = (0..counts.len())
                .max_by(|&a, &b| counts[a].cmp(&counts[b]).then(b.cmp(&a)))
                .expect("at least one sector");
            counts[largest] -= 1;
            counts[j] += 1;
        }
    }
    counts
}

/// §5.12: the expected number of entrants of a sector, `entry_rate_j n_j (1 + s_entry_j)`.
#[inline]
pub fn expected_entrants(entry_rate: f64, firms: u64, entry_subsidy: f64) -> f64 {
    entry_rate * firms as f64 * (1.0 + entry_subsidy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_counts_add_up_and_follow_the_shares() {
        assert_eq!(
            initial_counts(10_000, &[0.8, 0.17, 0.03]),
            vec![8000, 1700, 300]
        );
        let c = initial_counts(10, &[0.34, 0.33, 0.33]);
        assert_eq!(c.iter().sum::<u64>(), 10);
        assert_eq!(c, vec![4, 3, 3]);
    }

    #[test]
    fn every_sector_with_a_positive_share_gets_a_firm() {
        let c = initial_counts(5, &[0.98, 0.01, 0.01]);
        assert_eq!(c.iter().sum::<u64>(), 5);
        assert!(c.iter().all(|&n| n >= 1));
        assert_eq!(initial_counts(4, &[1.0, 0.0]), vec![4, 0]);
    }

    #[test]
    fn rule_conditions_gate_the_probability() {
        let rule = TransitionRule {
            kind: TransitionKind::Switch,
            from: 0,
            to: 1,
            probability: 0.02,
            d_min: 0.4,
            tfp_condition: Some(TfpCondition::FromMedian),
            scale_by_digital: false,
        };
        assert_eq!(rule.probability_for(0.1, 0.5, Some(0.0)), 0.02);
        assert_eq!(
            rule.probability_for(0.1, 0.3, Some(0.0)),
            0.0,
            "below d_min"
        );
        assert_eq!(
            rule.probability_for(-0.1, 0.5, Some(0.0)),
            0.0,
            "below the median"
        );
        assert_eq!(
            rule.probability_for(0.1, 0.5, Some(f64::NAN)),
            0.0,
            "no statistic"
        );
        let spawn = TransitionRule {
            kind: TransitionKind::Spawn,
            d_min: 0.0,
            tfp_condition: None,
            scale_by_digital: true,
            probability: 0.01,
            ..rule
        };
        assert!((spawn.probability_for(0.0, 0.4, None) - 0.004).abs() < 1e-18);
    }
}
