//! The common-technology platform, docs/model.md M2.4: a stock of key common technology per
//! sector, paid by a public fund and by firms' voluntary contributions, that lifts the
//! productivity of every firm of the sector and of linked sectors.

use super::Matrix;
use crate::lanes::{Real, exp};
use crate::math;

/// M2.4: the linkage `Wl[j][k] = min(1, W[j][k] / W[j][j])` for `k != j`, `Wl[j][j] = 1`;
/// where `W[j][j] = 0`, 1 for every source with `W[j][k] > 0`.
pub fn linkage(spillover: &Matrix) -> Matrix {
    let n = spillover.size();
    let rows: Vec<Vec<f64>> = (0..n)
        .map(|j| {
            let own = spillover.get(j, j);
            (0..n)
                .map(|k| match (k == j, own > 0.0) {
                    (true, _) => 1.0,
                    (false, true) => (spillover.get(j, k) / own).min(1.0),
                    (false, false) => f64::from(u8::from(spillover.get(j, k) > 0.0)),
                })
                .collect()
        })
        .collect();
    Matrix::from_rows(&rows)
}

/// M2.4: others' provision as a share of output, `Xo_j = fund_j + (1 + matching) cn_j(t-1)`
/// (both rates as in force, i.e. scaled by the budget scale).
#[inline]
pub fn others_provision(fund: f64, matching: f64, contribution_rate: f64) -> f64 {
    fund + (1.0 + matching) * contribution_rate
}

/// M2.4: the private return of a contribution per unit of the firm's market share,
/// `b_P (1 + matching) n_j platform_scale / (platform_scale + Xo_j)`; a firm's return is this
/// times its share `f_i` (so `f_i n_j` is its size relative to the sector mean). The marginal
/// product of the stock falls as others provide more: public money crowds out contributions.
#[inline]
pub fn return_per_share(
    contribution_return: f64,
    matching: f64,
    firms: f64,
    platform_scale: f64,
    others: f64,
) -> f64 {
    contribution_return * (1.0 + matching) * firms * platform_scale / (platform_scale + others)
}

/// M2.4: the probability that a firm with private return `ret` contributes,
/// `1 / (1 + exp(-beta_c (ret - 1)))`.
#[inline(always)]
pub fn contribution_probability<V: Real>(weight: V, private_return: V) -> V {
    let one = V::splat(1.0);
    one / (one + exp(-weight * (private_return - one)))
}

/// M2.4: platform spending as a share of output, `Xp_j = fund_j + (1 + matching) cn_j(t)`.
#[inline]
pub fn spending(fund: f64, matching: f64, contribution_rate: f64) -> f64 {
    others_provision(fund, matching, contribution_rate)
}

/// M2.4: the stock after a year, `Pi = (1 - delta_P) Pi + eps_P ln(1 + Xp / platform_scale)`.
#[inline]
pub fn next_stock(
    stock: f64,
    obsolescence: f64,
    efficiency: f64,
    spending: f64,
    platform_scale: f64,
) -> f64 {
    (1.0 - obsolescence) * stock + efficiency * math::ln_1p(spending / platform_scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linkage_of_the_default_spillovers() {
        let w = Matrix::from_rows(&[
            vec![0.20, 0.15, 0.03],
            vec![0.02, 0.25, 0.10],
            vec![0.00, 0.05, 0.20],
        ]);
        let l = linkage(&w);
        let close =
            |row: &[f64], want: [f64; 3]| row.iter().zip(want).all(|(x, w)| (x - w).abs() < 1e-12);
        assert!(close(l.row(0), [1.0, 0.75, 0.15]));
        assert!((l.get(1, 0) - 0.08).abs() < 1e-15 && (l.get(1, 2) - 0.4).abs() < 1e-15);
        assert_eq!(l.row(2), [0.0, 0.25, 1.0]);
        let no_own = linkage(&Matrix::from_rows(&[vec![0.0, 0.1], vec![0.0, 0.0]]));
        assert_eq!(no_own.row(0), [1.0, 1.0]);
        assert_eq!(no_own.row(1), [0.0, 1.0]);
    }

    #[test]
    fn others_provision_lowers_the_private_return_and_matching_raises_it() {
        let alone = return_per_share(0.3, 0.0, 1.0, 0.005, 0.0);
        assert!((alone - 0.3).abs() < 1e-15);
        assert!(return_per_share(0.3, 0.0, 1.0, 0.005, 0.005) < alone);
        assert!(return_per_share(0.3, 1.0, 1.0, 0.005, 0.0) > alone);
        let p: f64 = contribution_probability(3.0, 0.3);
        assert!((p - 1.0 / (1.0 + (2.1f64).exp())).abs() < 1e-12);
    }

    #[test]
    fn the_stock_decays_without_spending_and_grows_with_it() {
        assert!((next_stock(1.0, 0.05, 0.01, 0.0, 0.005) - 0.95).abs() < 1e-15);
        let grown = next_stock(0.0, 0.05, 0.01, 0.005, 0.005);
        assert!((grown - 0.01 * 2f64.ln()).abs() < 1e-12);
    }
}
