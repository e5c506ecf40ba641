//! Sector statistics S_j(t), docs/model.md §2: the only cross-firm information a firm reads.

/// What a firm of sector `j` knows about its sector (and others) during step `t + 1`.
///
/// All statistics are unweighted over the sector's firms. When a sector empties, it keeps the
/// values of the last step in which it had firms; a sector that never had firms has NaN
/// statistics, which no comparison passes (so, e.g., it offers no frontier to imitate).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SectorStats {
    /// Firm count n_j.
    pub firms: u64,
    /// Frontier F_j: the `frontier_quantile` of `a`.
    pub frontier: f64,
    /// Median a50_j of `a`.
    pub median: f64,
    /// Targeting threshold a_tq_j: the `targeting_quantile` of `a`.
    pub selective_threshold: f64,
    /// Targeting threshold a_lq_j: the `1 - targeting_quantile` quantile of `a`.
    pub laggard_threshold: f64,
    /// Mean digital level dbar_j.
    pub digital_mean: f64,
    /// Mean green level gbar_j.
    pub green_mean: f64,
    /// Mean data stock Dbar_j.
    pub data_mean: f64,
}

impl SectorStats {
    /// The statistics of a sector that has never had firms.
    pub fn never_populated() -> Self {
        SectorStats {
            firms: 0,
            frontier: f64::NAN,
            median: f64::NAN,
            selective_threshold: f64::NAN,
            laggard_threshold: f64::NAN,
            digital_mean: f64::NAN,
            green_mean: f64::NAN,
            data_mean: f64::NAN,
        }
    }
}
