//! Regions and regional backing, docs/model.md M2.2: where firms live, the endowments of each
//! region, and which emerging or future sectors each regional government backs.

use super::params::Tier;

/// One region and its endowments (docs/model.md M2.2, M2.8).
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    /// Name (unique; the `region` column of `regions.csv`).
    pub name: String,
    /// Share of each tier's initial firms in the region, by [`Tier::index`].
    pub firm_share: [f64; 3],
    /// `o_r`: added to the technology of initial firms and entrants born in the region.
    pub tfp_offset: f64,
    /// `iota_r`: multiplies data generation.
    pub data_infra: f64,
    /// Initial talent pool over initial skilled-labour demand (read by `labour`, M2.14).
    pub talent_endowment: f64,
    /// Yearly growth of the talent pool (read by `labour`, M2.14).
    pub talent_growth: f64,
    /// `apt_rj` by sector: comparative advantage, added to the technology of initial firms and
    /// entrants of sector `j` born in the region.
    pub aptitude: Vec<f64>,
}

/// The name of the one region of a scenario without `regions`, which holds every firm.
pub const NATIONAL: &str = "national";

/// The endowments of the region `national`, which holds every firm when `regions` is off.
pub const NATIONAL_TALENT_ENDOWMENT: f64 = 0.89;
/// The yearly talent growth of the region `national`.
pub const NATIONAL_TALENT_GROWTH: f64 = 0.045;

/// A default region as a row: name, firm share by tier, tfp_offset, data_infra,
/// talent_endowment, talent_growth.
type RegionRow = (&'static str, [f64; 3], f64, f64, f64, f64);

/// The four regions of a scenario that switches `regions` on without a `[regions]` table.
pub const DEFAULT_REGIONS: [RegionRow; 4] = [
    ("east", [0.45, 0.60, 0.70], 0.05, 1.2, 0.95, 0.050),
    ("central", [0.27, 0.20, 0.15], 0.0, 1.0, 0.88, 0.045),
    ("west", [0.18, 0.14, 0.10], -0.05, 0.8, 0.80, 0.040),
    ("northeast", [0.10, 0.06, 0.05], -0.03, 0.9, 0.85, 0.030),
];

impl Region {
    /// The region `national`: every firm, no offset, data infrastructure 1, no aptitude.
    pub fn national(sectors: usize, talent_endowment: f64, talent_growth: f64) -> Self {
        Region {
            name: NATIONAL.into(),
            firm_share: [1.0; 3],
            tfp_offset: 0.0,
            data_infra: 1.0,
            talent_endowment,
            talent_growth,
            aptitude: vec![0.0; sectors],
        }
    }

    /// The default regions ([`DEFAULT_REGIONS`]) for `sectors` sectors.
    pub fn defaults(sectors: usize) -> Vec<Region> {
        DEFAULT_REGIONS
            .iter()
            .map(
                |&(name, firm_share, offset, infra, endowment, growth)| Region {
                    name: name.into(),
                    firm_share,
                    tfp_offset: offset,
                    data_infra: infra,
                    talent_endowment: endowment,
                    talent_growth: growth,
                    aptitude: vec![0.0; sectors],
                },
            )
            .collect()
    }

    /// The share of tier `tier`'s initial firms in the region.
    pub fn share_of(&self, tier: Tier) -> f64 {
        self.firm_share[tier.index()]
    }
}

/// docs/model.md M2.2, the backing set: for each region, in sector order, the candidate
/// sectors (`candidates`, in sector order: those of the emerging and future tiers) it backs.
/// Region `r` scores candidate `j` by `(1 - herding) z_r(apt_r)_j + herding z(pop)_j`, each
/// `z` standardised over the candidates (dividing by their count; where the spread is 0, the
/// deviation from the mean), and backs the `per_region` best, ties to the lower index.
pub fn backing_set(
    regions: &[Region],
    candidates: &[usize],
    popularity: &[f64],
    herding: f64,
    per_region: usize,
) -> Vec<Vec<usize>> {
    let popular = standardised(candidates.iter().map(|&j| popularity[j]));
    regions
        .iter()
        .map(|region| {
            let apt = standardised(candidates.iter().map(|&j| region.aptitude[j]));
            let mut ranked: Vec<(f64, usize)> = candidates
                .iter()
                .enumerate()
                .map(|(c, &j)| ((1.0 - herding) * apt[c] + herding * popular[c], j))
                .collect();
            // highest score first; among equal scores the lower sector index
            ranked.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
            let mut backed: Vec<usize> = ranked
                .iter()
                .take(per_region.min(candidates.len()))
                .map(|&(_, j)| j)
                .collect();
            backed.sort_unstable();
            backed
        })
        .collect()
}

/// `(x - mean) / sd` over the values (sd dividing by their count), or `x - mean` where the
/// sd is 0.
fn standardised(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let x: Vec<f64> = values.collect();
    if x.is_empty() {
        return x;
    }
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let sd = (x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
    x.iter()
        .map(|v| if sd > 0.0 { (v - mean) / sd } else { v - mean })
        .collect()
}

/// docs/model.md M2.11, the sign of duplication's effect on productivity growth: to first
/// order, the log of the duplicated sector's mean R&D effort under homogeneous backing minus
/// that under differentiated backing,
/// `ln((1 + b_rd) / (1 + bs b_rd)) - price_pressure ln((1 + b_c) / (1 + bs b_c))`, with
/// `b_rd = backing × backing_rd`, `b_c = backing × backing_capacity` and `backed_share` (`bs`)
/// the sector's backed output share under the differentiated layout. The first term is the
/// subsidy reaching more firms, the second the price pressure of the extra capacity.
pub fn duplication_effort_gap(b_rd: f64, b_c: f64, backed_share: f64, price_pressure: f64) -> f64 {
    ((1.0 + b_rd) / (1.0 + backed_share * b_rd)).ln()
        - price_pressure * ((1.0 + b_c) / (1.0 + backed_share * b_c)).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layout scenario's regions over sectors traditional, four emerging, future: each
    /// region has an aptitude of +0.10 for one emerging sector and -0.05 for the other three.
    fn layout() -> (Vec<Region>, Vec<usize>, Vec<f64>) {
        let mut regions = Region::defaults(6);
        for (r, best) in [(0, 3), (1, 4), (2, 1), (3, 2)] {
            for j in 1..=4 {
                regions[r].aptitude[j] = if j == best { 0.10 } else { -0.05 };
            }
        }
        let popularity = vec![0.0, 28.0 / 31.0, 27.0 / 31.0, 25.0 / 31.0, 21.0 / 31.0, 0.0];
        (regions, vec![1, 2, 3, 4, 5], popularity)
    }

    #[test]
    fn differentiated_backing_follows_comparative_advantage() {
        let (regions, candidates, popularity) = layout();
        let set = backing_set(&regions, &candidates, &popularity, 0.0, 1);
        assert_eq!(set, [vec![3], vec![4], vec![1], vec![2]]);
    }

    #[test]
    fn homogeneous_backing_is_the_most_popular_sector_everywhere() {
        let (regions, candidates, popularity) = layout();
        let set = backing_set(&regions, &candidates, &popularity, 1.0, 1);
        assert_eq!(set, [vec![1], vec![1], vec![1], vec![1]]);
    }

    #[test]
    fn ties_go_to_the_lower_sector_and_a_region_backs_at_most_every_candidate() {
        let regions = Region::defaults(3);
        let set = backing_set(&regions, &[1, 2], &[0.0; 3], 0.0, 1);
        assert!(set.iter().all(|b| b == &[1]));
        let set = backing_set(&regions, &[1, 2], &[0.0; 3], 0.0, 5);
        assert!(set.iter().all(|b| b == &[1, 2]));
        assert!(
            backing_set(&regions, &[], &[0.0; 3], 0.5, 1)
                .iter()
                .all(Vec::is_empty)
        );
    }

    #[test]
    fn default_regions_split_each_tier_completely() {
        for tier in Tier::ALL {
            let sum: f64 = Region::defaults(3).iter().map(|r| r.share_of(tier)).sum();
            assert!((sum - 1.0).abs() < 1e-12, "{tier}");
        }
    }

    #[test]
    fn duplication_costs_effort_only_when_price_pressure_outweighs_backed_rd() {
        // Full coverage already (bs = 1): the layouts are the same.
        assert_eq!(duplication_effort_gap(0.5, 0.2, 1.0, 2.0), 0.0);
        // No price pressure: only the subsidy term, positive.
        assert!(duplication_effort_gap(0.5, 0.2, 0.25, 0.0) > 0.0);
        // ln(1.5 / 1.125) - 2 ln(1.2 / 1.05) = 0.2877 - 0.2671.
        let gap = duplication_effort_gap(0.5, 0.2, 0.25, 2.0);
        assert!((gap - 0.020_6).abs() < 1e-4, "{gap}");
        // Doubling the backed capacity flips it.
        assert!(duplication_effort_gap(0.5, 0.4, 0.25, 2.0) < 0.0);
    }
}
