//! The firm population as a struct of arrays (MODEL.md §2).
//!
//! Firm `i` is the `i`-th element of every vector. The vectors are resized together and
//! reused from step to step; the step reads and writes them in fixed chunks.

use crate::rng::BirthKey;

/// A firm's stable id: assigned at birth in a deterministic order, never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FirmId(pub u64);

/// The index of a sector in scenario order.
pub type SectorIndex = u16;

/// The sector of a place whose firm has exited: a hole, skipped by every pass over firms and
/// removed from time to time ([`Firms::compact`]).
pub const DEAD: SectorIndex = SectorIndex::MAX;

/// The [`Firms::origin`] of a firm that entered in this step (MODEL.md §5.12).
pub const ORIGIN_ENTRANT: SectorIndex = SectorIndex::MAX - 1;

/// The [`Firms::origin`] of a firm spawned in this step (MODEL.md §5.12).
pub const ORIGIN_SPAWNED: SectorIndex = SectorIndex::MAX - 2;

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
    /// ln A_i at the end of the last completed step (MODEL.md §5.7; set by the production
    /// pass, NaN for a firm born in the step under way).
    pub ln_a: Vec<f64>,
    /// f_i at the end of the previous step (0 for a firm born in this step): with `origin`,
    /// what the productivity decompositions compare with.
    pub prev_share: Vec<f64>,
    /// The sector at the end of the previous step, or [`ORIGIN_ENTRANT`] or
    /// [`ORIGIN_SPAWNED`] for a firm born in this step.
    pub origin: Vec<SectorIndex>,
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

    /// Whether place `i` holds a firm (not a hole left by an exit).
    #[inline]
    pub fn is_alive(&self, i: usize) -> bool {
        self.sector[i] != DEAD
    }

    /// The places that hold firms, in storage (= id) order.
    pub fn alive(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).filter(|&i| self.is_alive(i))
    }

    /// Sets every vector to length `n` (new elements are zero). Grows capacity by
    /// [`Firms::GROWTH_HEADROOM`], not by doubling, so that memory stays in proportion to the
    /// population while a population that grows a little every step is not copied every step.
    pub fn resize(&mut self, n: usize) {
        if n > self.id.capacity() {
            let more = n - self.len() + n / Self::GROWTH_HEADROOM;
            self.id.reserve_exact(more);
            self.birth.reserve_exact(more);
            self.born.reserve_exact(more);
            self.sector.reserve_exact(more);
            self.a.reserve_exact(more);
            self.digital.reserve_exact(more);
            self.green.reserve_exact(more);
            self.data.reserve_exact(more);
            self.share.reserve_exact(more);
            self.paid.reserve_exact(more);
            self.ln_a.reserve_exact(more);
            self.prev_share.reserve_exact(more);
            self.origin.reserve_exact(more);
        }
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
        self.ln_a.resize(n, f64::NAN);
        self.prev_share.resize(n, 0.0);
        self.origin.resize(n, ORIGIN_ENTRANT);
    }

    /// Removes the holes left by exits, keeping the order of the firms.
    pub fn compact(&mut self) {
        let mut to = 0;
        for from in 0..self.len() {
            if self.sector[from] == DEAD {
                continue;
            }
            if from != to {
                self.id[to] = self.id[from];
                self.birth[to] = self.birth[from];
                self.born[to] = self.born[from];
                self.sector[to] = self.sector[from];
                self.a[to] = self.a[from];
                self.digital[to] = self.digital[from];
                self.green[to] = self.green[from];
                self.data[to] = self.data[from];
                self.share[to] = self.share[from];
                self.paid[to] = self.paid[from];
                self.ln_a[to] = self.ln_a[from];
                self.prev_share[to] = self.prev_share[from];
                self.origin[to] = self.origin[from];
            }
            to += 1;
        }
        self.resize(to);
    }

    /// Mutable views of places `..at` and `at..`.
    pub fn split_at_mut(&mut self, at: usize) -> (FirmsMut<'_>, FirmsMut<'_>) {
        let (id0, id1) = self.id.split_at_mut(at);
        let (birth0, birth1) = self.birth.split_at_mut(at);
        let (born0, born1) = self.born.split_at_mut(at);
        let (sector0, sector1) = self.sector.split_at_mut(at);
        let (a0, a1) = self.a.split_at_mut(at);
        let (digital0, digital1) = self.digital.split_at_mut(at);
        let (green0, green1) = self.green.split_at_mut(at);
        let (data0, data1) = self.data.split_at_mut(at);
        let (share0, share1) = self.share.split_at_mut(at);
        let (paid0, paid1) = self.paid.split_at_mut(at);
        let (ln_a0, ln_a1) = self.ln_a.split_at_mut(at);
        let (prev_share0, prev_share1) = self.prev_share.split_at_mut(at);
        let (origin0, origin1) = self.origin.split_at_mut(at);
        (
            FirmsMut {
                id: id0,
                birth: birth0,
                born: born0,
                sector: sector0,
                a: a0,
                digital: digital0,
                green: green0,
                data: data0,
                share: share0,
                paid: paid0,
                ln_a: ln_a0,
                prev_share: prev_share0,
                origin: origin0,
            },
            FirmsMut {
                id: id1,
                birth: birth1,
                born: born1,
                sector: sector1,
                a: a1,
                digital: digital1,
                green: green1,
                data: data1,
                share: share1,
                paid: paid1,
                ln_a: ln_a1,
                prev_share: prev_share1,
                origin: origin1,
            },
        )
    }

    /// When the places outgrow the vectors, room for one in this many more is added.
    pub const GROWTH_HEADROOM: usize = 16;

    /// Bytes of state per firm (for memory estimates).
    pub const BYTES_PER_FIRM: usize = std::mem::size_of::<FirmId>()
        + std::mem::size_of::<BirthKey>()
        + std::mem::size_of::<u32>()
        + 2 * std::mem::size_of::<SectorIndex>()
        + 8 * std::mem::size_of::<f64>();
}

/// Mutable views of a range of places of [`Firms`], field by field.
#[allow(missing_docs)]
pub struct FirmsMut<'a> {
    pub id: &'a mut [FirmId],
    pub birth: &'a mut [BirthKey],
    pub born: &'a mut [u32],
    pub sector: &'a mut [SectorIndex],
    pub a: &'a mut [f64],
    pub digital: &'a mut [f64],
    pub green: &'a mut [f64],
    pub data: &'a mut [f64],
    pub share: &'a mut [f64],
    pub paid: &'a mut [f64],
    pub ln_a: &'a mut [f64],
    pub prev_share: &'a mut [f64],
    pub origin: &'a mut [SectorIndex],
}
