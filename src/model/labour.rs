//! Labour and talent, docs/model.md M2.14: employment by skill, the displacement of unskilled
//! work by digitalisation and the reinstatement of skilled tasks, and a talent pool per region
//! that rations digital upgrades and R&D.

use crate::math;

/// The labour parameters of one sector (M2.14).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SkillMix {
    /// `h_j`: skilled share of labour at `d = 0`.
    pub skill_share: f64,
    /// `alpha_j`: share of unskilled labour per unit of output automated at `d = 1`.
    pub automation: f64,
    /// `zeta_j`: extra skilled labour per unit of output at `d = 1`.
    pub reinstatement: f64,
}

impl SkillMix {
    /// Labour by skill per unit of `L_i = Y_i / A_i` of a firm with digital level `digital`:
    /// `(1 - h_j)(1 - alpha_j d_i) + h_j (1 + zeta_j d_i)`, its `L_lo,i + L_hi,i` over `L_i`.
    #[inline]
    pub fn labour_per_unit(&self, digital: f64) -> f64 {
        (1.0 - self.skill_share) * (1.0 - self.automation * digital)
            + self.skill_share * (1.0 + self.reinstatement * digital)
    }
}

/// Employment of a group of firms of one sector, by skill (M2.14), from the sums over its
/// firms of `f_i / A_i`, `f_i d_i / A_i` and `f_i dd_i / A_i` and the sector's output `Y_j`
/// (so that `L_i = f_i Y_j / A_i`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Employment {
    /// `sum L_lo,i`, `L_lo,i = L_i (1 - h_j) (1 - alpha_j d_i)`.
    pub low: f64,
    /// `sum L_hi,i`, `L_hi,i = L_i h_j (1 + zeta_j d_i)`.
    pub high: f64,
    /// `sum displaced_i`, `displaced_i = L_i (1 - h_j) alpha_j dd_i`.
    pub displaced: f64,
}

/// Sums over firms of one sector (or of one sector in one region) that employment needs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LabourSums {
    /// `sum f_i / A_i`.
    pub inverse_a: f64,
    /// `sum f_i d_i / A_i`.
    pub digital: f64,
    /// `sum f_i dd_i / A_i`.
    pub upgrade: f64,
}

impl LabourSums {
    /// Adds a firm with share `share`, `1 / A_i` `inverse_a`, digital level `digital` and
    /// this step's digital upgrade `upgrade`.
    #[inline]
    pub fn add(&mut self, share: f64, inverse_a: f64, digital: f64, upgrade: f64) {
        let labour = share * inverse_a;
        self.inverse_a += labour;
        self.digital += labour * digital;
        self.upgrade += labour * upgrade;
    }

    /// Adds another group's sums.
    pub fn merge(&mut self, other: &LabourSums) {
        self.inverse_a += other.inverse_a;
        self.digital += other.digital;
        self.upgrade += other.upgrade;
    }

    /// M2.14: the group's employment by skill when its sector produces `output`.
    pub fn employment(&self, output: f64, mix: &SkillMix) -> Employment {
        let unskilled = output * (1.0 - mix.skill_share);
        Employment {
            low: unskilled * (self.inverse_a - mix.automation * self.digital),
            high: output * mix.skill_share * (self.inverse_a + mix.reinstatement * self.digital),
            displaced: unskilled * mix.automation * self.upgrade,
        }
    }
}

/// M2.14: the talent pool one year on, `H_r(t) = H_r(t-1) (1 + g_r + talent_training_r(t))`.
#[inline]
pub fn next_pool(pool: f64, growth: f64, training: f64) -> f64 {
    pool * (1.0 + growth + training)
}

/// M2.14: the talent factor `q_r = min(1, H_r / Dh_r)^nu` (1 where there is no skilled demand;
/// `0^0 = 1`): the share of digital upgrades and R&D that the region's talent can carry out.
#[inline]
pub fn talent_factor(pool: f64, demand: f64, elasticity: f64) -> f64 {
    if demand <= 0.0 {
        return 1.0;
    }
    math::pow((pool / demand).min(1.0), elasticity)
}

/// M2.14: the talent shortage as a share of the pools, `sum_r max(0, Dh_r - H_r) / sum_r H_r`
/// (0 if the pools are 0).
pub fn shortage(pools: &[f64], demands: &[f64]) -> f64 {
    let total: f64 = pools.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let missing: f64 = pools
        .iter()
        .zip(demands)
        .map(|(&h, &d)| (d - h).max(0.0))
        .sum();
    missing / total
}

/// M2.14, fiscal: what training in one region costs the sector with skilled demand
/// `sector_demand` of the region's `region_demand` in step `t`, from last step's values:
/// `training_cost talent_training_r(t) H_r(t-1) lp(t-1) Lhi_rj(t-1) / sum_k Lhi_rk(t-1)`
/// (each person trained costs `training_cost` years of output per worker; 0 where the region
/// has no skilled demand).
#[inline]
pub fn training_spending(
    training_cost: f64,
    training: f64,
    pool: f64,
    output_per_worker: f64,
    sector_demand: f64,
    region_demand: f64,
) -> f64 {
    if region_demand <= 0.0 {
        return 0.0;
    }
    training_cost * training * pool * output_per_worker * sector_demand / region_demand
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRADITIONAL: SkillMix = SkillMix {
        skill_share: 0.15,
        automation: 0.39,
        reinstatement: 0.5,
    };

    #[test]
    fn without_digitalisation_labour_splits_by_the_skill_share() {
        let mut s = LabourSums::default();
        s.add(0.5, 2.0, 0.0, 0.0);
        s.add(0.5, 4.0, 0.0, 0.0);
        let e = s.employment(10.0, &TRADITIONAL);
        assert!((e.low + e.high - 30.0).abs() < 1e-12, "L = Y sum f / A");
        assert!((e.high / (e.low + e.high) - 0.15).abs() < 1e-12);
        assert_eq!(e.displaced, 0.0);
    }

    #[test]
    fn one_point_of_digitalisation_automates_a_third_of_a_percent_of_labour() {
        // the calibration: alpha (1 - h) = 0.33 in every sector (0.39 x 0.85)
        let mut s = LabourSums::default();
        s.add(1.0, 1.0, 0.01, 0.01);
        let e = s.employment(1.0, &TRADITIONAL);
        assert!((e.displaced - 0.0033).abs() < 2e-5, "{}", e.displaced);
        let before = LabourSums {
            inverse_a: 1.0,
            ..LabourSums::default()
        }
        .employment(1.0, &TRADITIONAL);
        assert!((before.low - e.low - e.displaced).abs() < 1e-15);
        assert!(e.high > before.high, "reinstatement adds skilled work");
    }

    #[test]
    fn a_firms_labour_by_skill_adds_up_to_the_groups() {
        let mut s = LabourSums::default();
        s.add(1.0, 2.0, 0.4, 0.0);
        let e = s.employment(3.0, &TRADITIONAL);
        let firm = 3.0 * 2.0 * TRADITIONAL.labour_per_unit(0.4);
        assert!((e.low + e.high - firm).abs() < 1e-12);
    }

    #[test]
    fn the_talent_factor_rations_only_when_the_pool_is_short() {
        assert_eq!(talent_factor(2.0, 1.0, 1.0), 1.0);
        assert!((talent_factor(0.89, 1.0, 1.0) - 0.89).abs() < 1e-15);
        assert!((talent_factor(0.5, 1.0, 2.0) - 0.25).abs() < 1e-15);
        assert_eq!(talent_factor(0.0, 0.0, 1.0), 1.0, "no demand");
        assert_eq!(talent_factor(0.0, 1.0, 0.0), 1.0, "0^0 = 1");
        assert_eq!(talent_factor(0.0, 1.0, 1.0), 0.0);
    }

    #[test]
    fn the_shortage_is_measured_against_the_pools() {
        assert!((shortage(&[0.89], &[1.0]) - 0.11 / 0.89).abs() < 1e-12);
        assert_eq!(shortage(&[1.0, 2.0], &[0.5, 1.0]), 0.0);
        assert_eq!(shortage(&[0.0], &[1.0]), 0.0);
    }

    #[test]
    fn training_costs_persons_trained_times_output_per_worker_split_by_skilled_demand() {
        let c = training_spending(0.5, 0.02, 100.0, 3.0, 1.0, 4.0);
        assert!((c - 0.5 * 0.02 * 100.0 * 3.0 / 4.0).abs() < 1e-12);
        assert_eq!(training_spending(0.5, 0.02, 100.0, 3.0, 0.0, 0.0), 0.0);
    }
}
