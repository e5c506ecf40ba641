//! The model of docs/model.md: parameters, policy, firm state, sector statistics, and one file per
//! mechanism, each named after the section it implements.
//!
//! | section | file |
//! |---|---|
//! | §3 parameters | [`params`] |
//! | §4, §5.1 policy | [`policy`] |
//! | §2 state | [`firms`], [`stats`] |
//! | §5.2 innovation | [`innovation`] |
//! | §5.3 imitation | [`imitation`] |
//! | §5.4 digital upgrade | [`digital`] |
//! | §5.5 green upgrade | [`green`] |
//! | §5.6-5.7 data | [`data`] |
//! | §5.8, §5.10-5.11 market | [`market`] |
//! | §5.9, §5.12 demography | [`demography`] |
//! | §5.13 production | [`production`] |
//!
//! The functions here are pure: they compute one equation for one firm or sector. The order
//! in which they run, and the parallel passes over firms, live in [`crate::sim`].

pub mod capacity;
pub mod carbon;
pub mod data;
pub mod demography;
pub mod digital;
pub mod features;
pub mod firms;
pub mod green;
pub mod imitation;
pub mod innovation;
pub mod labour;
pub mod levers;
pub mod market;
pub mod params;
pub mod platform;
pub mod policy;
pub mod production;
pub mod regions;
pub mod shocks;
pub mod stats;
pub mod supply;

/// A square matrix over the sectors, row = receiving sector `j`, column = source sector `k`.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    size: usize,
    values: Vec<f64>,
}

impl Matrix {
    /// A matrix from its rows; every row must have `rows.len()` entries.
    pub fn from_rows(rows: &[Vec<f64>]) -> Self {
        let size = rows.len();
        assert!(
            rows.iter().all(|r| r.len() == size),
            "matrix rows must be square"
        );
        Matrix {
            size,
            values: rows.concat(),
        }
    }

    /// The zero matrix.
    pub fn zeros(size: usize) -> Self {
        Matrix {
            size,
            values: vec![0.0; size * size],
        }
    }

    /// Number of rows (and columns).
    pub fn size(&self) -> usize {
        self.size
    }

    /// Row `j`.
    pub fn row(&self, j: usize) -> &[f64] {
        &self.values[j * self.size..(j + 1) * self.size]
    }

    /// Entry `[j][k]`.
    pub fn get(&self, j: usize, k: usize) -> f64 {
        self.values[j * self.size + k]
    }

    /// The rows as vectors.
    pub fn rows(&self) -> Vec<Vec<f64>> {
        (0..self.size).map(|j| self.row(j).to_vec()).collect()
    }

    /// The spectral radius, by power iteration on the non-negative matrix (Perron-Frobenius:
    /// for a non-negative matrix the spectral radius is an eigenvalue with a non-negative
    /// eigenvector). Used to check that demand linkages do not explode (docs/model.md §3).
    pub fn spectral_radius(&self) -> f64 {
        let n = self.size;
        if n == 0 {
            return 0.0;
        }
        // Gelfand's formula on powers of the matrix: rho = lim ||M^k||^(1/k), computed by
        // repeated squaring with rescaling, which also handles nilpotent and cyclic matrices.
        let mut m = self.values.clone();
        let mut log_scale = 0.0f64;
        let mut power = 1.0f64;
        for _ in 0..30 {
            let norm = m.iter().map(|x| x.abs()).fold(0.0, f64::max);
            if norm == 0.0 {
                return 0.0;
            }
            for x in m.iter_mut() {
                *x /= norm;
            }
            log_scale += norm.ln() / power;
            let mut sq = vec![0.0; n * n];
            for i in 0..n {
                for k in 0..n {
                    let mik = m[i * n + k];
                    if mik != 0.0 {
                        for j in 0..n {
                            sq[i * n + j] += mik * m[k * n + j];
                        }
                    }
                }
            }
            m = sq;
            power *= 2.0;
        }
        let norm = m.iter().map(|x| x.abs()).fold(0.0, f64::max);
        if norm == 0.0 {
            return 0.0;
        }
        (log_scale + norm.ln() / power).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spectral_radius_of_known_matrices() {
        let nilpotent = Matrix::from_rows(&[
            vec![0.0, 0.2, 0.05],
            vec![0.0, 0.0, 0.1],
            vec![0.0, 0.0, 0.0],
        ]);
        assert!(nilpotent.spectral_radius() < 1e-6);
        let diag = Matrix::from_rows(&[vec![0.5, 0.0], vec![0.0, 0.9]]);
        assert!((diag.spectral_radius() - 0.9).abs() < 1e-6);
        let cyclic = Matrix::from_rows(&[vec![0.0, 2.0], vec![0.5, 0.0]]);
        assert!((cyclic.spectral_radius() - 1.0).abs() < 1e-6);
        let full = Matrix::from_rows(&[vec![0.3, 0.4], vec![0.4, 0.3]]);
        assert!((full.spectral_radius() - 0.7).abs() < 1e-6);
    }
}
