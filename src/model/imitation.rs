//! Imitation of best practice through the spillover matrix, docs/model.md §5.3.

use crate::lanes::{Real, exp};
use crate::math;

/// §5.3: the probability that a firm imitates this year, `1 - exp(-(sum_k W[j][k]) (1 + s_rd_i))`;
/// zero when the firm's row of the spillover matrix is zero.
#[inline]
pub fn probability(spillover_row_sum: f64, rd_subsidy: f64) -> f64 {
    probability_with_effort(spillover_row_sum, 1.0 + rd_subsidy)
}

/// §5.3 with model 2's R&D effort `eff_i` in place of `1 + s_rd_i` (docs/model.md M2.5):
/// `1 - exp(-w_j eff_i)`; [`probability`] is this with `eff_i = 1 + s_rd_i`.
#[inline]
pub fn probability_with_effort(spillover_row_sum: f64, effort: f64) -> f64 {
    if spillover_row_sum <= 0.0 {
        return 0.0;
    }
    1.0 - math::exp(-spillover_row_sum * effort)
}

/// §5.3: the source sector `k`, picked with probability `W[j][k] / sum_k W[j][k]` by the
/// uniform draw `u`. `row` is the firm's row of W and `row_sum` its sum (> 0).
#[inline]
pub fn pick_source(row: &[f64], row_sum: f64, u: f64) -> usize {
    let target = u * row_sum;
    let mut cumulative = 0.0;
    let mut last_positive = 0;
    for (k, &w) in row.iter().enumerate() {
        if w > 0.0 {
            cumulative += w;
            last_positive = k;
            if target < cumulative {
                return k;
            }
        }
    }
    last_positive // only reached through rounding at u close to 1
}

/// [`pick_source`] for several firms of one sector, in lanes: `value(k)` of each lane's
/// source `k`. The same cumulative sums, added in the same order and compared with the same
/// `u * row_sum`, so each lane picks the source [`pick_source`] picks.
#[inline(always)]
pub fn picked_value<V: Real>(row: &[f64], row_sum: f64, u: V, value: impl Fn(usize) -> f64) -> V {
    let target = u * row_sum;
    let mut cumulative = 0.0;
    let mut last_positive = 0;
    let mut picked = V::splat(0.0);
    let mut found = target.lt(V::splat(f64::NEG_INFINITY)); // no lane yet
    for (k, &w) in row.iter().enumerate() {
        if w > 0.0 {
            cumulative += w;
            last_positive = k;
            let here = !found & target.lt(V::splat(cumulative));
            picked = V::select(here, V::splat(value(k)), picked);
            found = found | here;
        }
    }
    // only through rounding at u close to 1
    V::select(found, picked, V::splat(value(last_positive)))
}

/// §5.3: the gain from imitating a frontier `gap` (G = F_k - a_i) above the firm: close the
/// share `catch_up` (kappa_j) of the gap, damped past the absorptive gap scale
/// theta_j (1 + talent_j): `kappa G exp(-G / (theta (1 + talent)))`. Nothing when at or above
/// the frontier. For one firm or several in lanes ([`Real`]).
#[inline(always)]
pub fn gain<V: Real>(gap: V, catch_up: V, absorptive_gap: V, talent: V) -> V {
    let zero = V::splat(0.0);
    let theta = absorptive_gap * (V::splat(1.0) + talent);
    let learned = catch_up * gap * exp(-gap / theta);
    V::select(gap.le(zero), zero, learned) // at or above the frontier: nothing to learn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imitation_moves_toward_but_never_past_the_frontier() {
        for gap in [0.001, 0.1, 0.5, 1.0, 3.0, 10.0] {
            let g = gain(gap, 0.3, 0.5, 0.0);
            assert!(g > 0.0 && g < gap, "gap {gap}: gain {g}");
        }
        // Even with kappa = 1 the damping keeps the firm below the frontier.
        assert!(gain(0.2, 1.0, 0.5, 0.0) < 0.2);
    }

    #[test]
    fn nothing_is_learned_at_or_above_the_frontier() {
        assert_eq!(gain(0.0, 0.3, 0.5, 0.0), 0.0);
        assert_eq!(gain(-0.4, 0.3, 0.5, 0.0), 0.0);
    }

    #[test]
    fn the_gain_fades_past_the_absorptive_gap() {
        // Hand-computed: 0.3 * 0.5 * exp(-1) for G = theta = 0.5.
        assert!((gain(0.5, 0.3, 0.5, 0.0) - 0.15 * (-1.0f64).exp()).abs() < 1e-15);
        // The gain peaks at G = theta and falls beyond it.
        assert!(gain(0.5, 0.3, 0.5, 0.0) > gain(0.4, 0.3, 0.5, 0.0));
        assert!(gain(0.5, 0.3, 0.5, 0.0) > gain(1.5, 0.3, 0.5, 0.0));
        // Talent widens the absorptive gap: a far frontier becomes reachable.
        assert!(gain(1.5, 0.3, 0.5, 1.0) > gain(1.5, 0.3, 0.5, 0.0));
    }

    #[test]
    fn the_source_picked_in_lanes_is_the_one_picked_alone() {
        use crate::lanes::F64s;
        let value = |k: usize| 10.0 + k as f64;
        // zero weights skipped, a leading zero, a row whose sum rounds: every boundary
        let rows: [&[f64]; 4] = [
            &[0.20, 0.15, 0.03],
            &[0.0, 0.4, 0.0, 0.1],
            &[0.1, 0.2, 0.3, 0.0],
            &[1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0],
        ];
        for row in rows {
            let sum: f64 = row.iter().sum();
            let mut u: Vec<f64> = (0..1000).map(|i| (i as f64 + 0.5) / 1000.0).collect();
            u.extend([f64::EPSILON, 1.0 - f64::EPSILON / 2.0, 0.5, 0.6]);
            // the exact boundaries u = cumulative / sum
            let mut cumulative = 0.0;
            for &w in row {
                cumulative += w;
                u.push(cumulative / sum);
            }
            u.resize(u.len().next_multiple_of(8), 0.25); // whole tiles of 8
            for chunk in u.chunks(8) {
                let lanes = picked_value(row, sum, F64s::<8>::load(chunk, 0), value);
                for (l, &u) in chunk.iter().enumerate() {
                    assert_eq!(lanes.0[l], value(pick_source(row, sum, u)), "{row:?} u {u}");
                }
            }
        }
    }

    #[test]
    fn the_source_is_picked_in_proportion_to_the_spillover_row() {
        let row = [0.20, 0.15, 0.03];
        let sum: f64 = row.iter().sum();
        let n = 100_000;
        let mut counts = [0usize; 3];
        for i in 0..n {
            counts[pick_source(&row, sum, (i as f64 + 0.5) / n as f64)] += 1;
        }
        for k in 0..3 {
            let share = counts[k] as f64 / n as f64;
            assert!((share - row[k] / sum).abs() < 1e-4, "k={k}: {share}");
        }
        assert_eq!(pick_source(&[0.0, 0.0, 0.1], 0.1, 0.999_999_999), 2);
    }

    #[test]
    fn rd_subsidies_raise_the_imitation_probability() {
        assert!(probability(0.38, 0.5) > probability(0.38, 0.0));
        assert_eq!(probability(0.0, 0.5), 0.0);
    }
}
