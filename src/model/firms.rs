//! The firm population as a struct of arrays (MODEL.md §2).
//!
//! Firm `i` is the `i`-th element of every vector. The vectors are resized together and
//! reused from step to step; the step reads and writes them in fixed chunks.

use crate::sim::rng::BirthKey;

/// A firm's stable id: assigned at birth in a deterministic order, never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FirmId(pub u64);

/// The index of a sector in scenario order.
pub type SectorIndex = u16;

/// The state of every firm of one replicate.
#[derive(Clone, Debug, Default)]
pub struct Firms {
    /// Stable id.
    pub id: Vec<FirmId>,
    /// How the firm was born; keys its random draws (MODEL.md §6).
    pub birth: Vec<BirthKey>,
    /// Step in which the firm was born (0 for the initial population).
    pub born: Vec<u32>,
    /// Sector j.
    pub sector: Vec<SectorIndex>,
    /// a_i: log technology level.
    pub a: Vec<f64>,
    /// d_i: digital level in [0, 1].
    pub digital: Vec<f64>,
    /// g_i: green level in [0, 1].
    pub green: Vec<f64>,
    /// D_i: data stock, >= 0.
    pub data: Vec<f64>,
    /// f_i: market share within the sector.
    pub share: Vec<f64>,
    /// Upgrade costs paid this step, share of output (0 for firms born this step).
    pub paid: Vec<f64>,
}

impl Firms {
    /// Number of firms.
    pub fn len(&self) -> usize {
        self.id.len()
    }

    /// Whether there are no firms.
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    /// Sets every vector to length `n` (new elements are zero), keeping their capacity.
    pub fn resize(&mut self, n: usize) {
        self.id.resize(n, FirmId(0));
        self.birth.resize(n, BirthKey(0));
        self.born.resize(n, 0);
        self.sector.resize(n, 0);
        self.a.resize(n, 0.0);
        self.digital.resize(n, 0.0);
        self.green.resize(n, 0.0);
        self.data.resize(n, 0.0);
        self.share.resize(n, 0.0);
        self.paid.resize(n, 0.0);
    }

    /// Bytes of state per firm (for memory estimates).
    pub const BYTES_PER_FIRM: usize = std::mem::size_of::<FirmId>()
        + std::mem::size_of::<BirthKey>()
        + std::mem::size_of::<u32>()
        + std::mem::size_of::<SectorIndex>()
        + 6 * std::mem::size_of::<f64>();
}
