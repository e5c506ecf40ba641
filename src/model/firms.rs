//! The firm population as a struct of arrays (docs/model.md §2).
//!
//! Firm `i` is the `i`-th element of every vector. The vectors are resized together and
//! reused from step to step; the step reads and writes them in fixed chunks.

use super::features::Features;
use crate::rng::BirthKey;

/// A firm's stable id: assigned at birth in a deterministic order, never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FirmId(pub u64);

/// The index of a sector in scenario order.
pub type SectorIndex = u16;

/// The index of a region in scenario order (docs/model.md M2.2).
pub type RegionIndex = u8;

/// The sector of a place whose firm has exited: a hole, skipped by every pass over firms and
/// removed from time to time ([`Firms::compact`]). A hole's other columns mean nothing: the
/// passes in lanes write whole tiles, holes included.
pub const DEAD: SectorIndex = SectorIndex::MAX;

/// The [`Firms::origin`] of a firm that entered in this step (docs/model.md §5.12).
pub const ORIGIN_ENTRANT: SectorIndex = SectorIndex::MAX - 1;

/// The [`Firms::origin`] of a firm spawned in this step (docs/model.md §5.12).
pub const ORIGIN_SPAWNED: SectorIndex = SectorIndex::MAX - 2;

/// Keeps the places of `column` whose `sector` is not [`DEAD`], in order. Without a branch:
/// every place is copied down and the write position moves on only past a firm (holes fall
/// where the draws put them, so a branch on them is mispredicted often).
fn keep_firms<T: Copy>(column: &mut Vec<T>, sector: &[SectorIndex]) {
    let column_len = column.len();
    let places = &mut column[..sector.len().min(column_len)];
    let mut to = 0;
    for (from, &j) in sector.iter().enumerate().take(places.len()) {
        places[to] = places[from];
        to += usize::from(j != DEAD);
    }
    column.truncate(to);
}

macro_rules! firm_columns {
    (
        columns { $( $(#[doc = $doc:literal])+ $field:ident : $ty:ty = $fill:expr; )+ }
        optional { $( $(#[doc = $odoc:literal])+ $ofield:ident : $oty:ty = $ofill:expr; )+ }
    ) => {
        /// The state of every firm of one replicate: one vector per column, all of one length
        /// (an optional column that is not [kept](Firms::kept) stays empty).
        #[derive(Clone, Debug, Default)]
        pub struct Firms {
            $( $(#[doc = $doc])+ pub $field: Vec<$ty>, )+
            $( $(#[doc = $odoc])+ pub $ofield: Vec<$oty>, )+
            /// Which optional columns the population keeps (none by default).
            pub kept: KeptColumns,
        }

        /// The optional columns of [`Firms`]: those only a model-2 feature reads. A column
        /// that is not kept takes no memory and its views are empty.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct KeptColumns {
            $( $(#[doc = $odoc])+ pub $ofield: bool, )+
        }

        /// A mutable view of a contiguous range of places of [`Firms`], column by column: what
        /// a pass over firms works on, one chunk at a time.
        #[derive(Debug)]
        pub struct FirmsChunk<'a> {
            $( $(#[doc = $doc])+ pub $field: &'a mut [$ty], )+
            $( $(#[doc = $odoc])+ pub $ofield: &'a mut [$oty], )+
        }

        impl Firms {
            /// No firm, keeping the optional columns `kept`.
            pub fn keeping(kept: KeptColumns) -> Self {
                Firms { kept, ..Firms::default() }
            }

            /// Sets every column to length `n` (new places hold the fill value of each column).
            /// Grows capacity by [`Firms::GROWTH_HEADROOM`], not by doubling, so that memory
            /// stays in proportion to the population while a population that grows a little
            /// every step is not copied every step.
            pub fn resize(&mut self, n: usize) {
                if n > self.id.capacity() {
                    let more = n - self.len() + n / Self::GROWTH_HEADROOM;
                    $( self.$field.reserve_exact(more); )+
                    $( if self.kept.$ofield { self.$ofield.reserve_exact(more); } )+
                }
                $( self.$field.resize(n, $fill); )+
                $( if self.kept.$ofield { self.$ofield.resize(n, $ofill); } )+
            }

            /// Removes the holes left by exits, keeping the order of the firms: column by
            /// column (a copy of the sector column says which places hold firms), one pass
            /// over contiguous memory per column rather than every column per place, the
            /// columns in parallel on the current pool.
            pub fn compact(&mut self) {
                let sector = self.sector.clone();
                let sector = &sector;
                // the columns are independent: one task each (a column not kept is empty)
                rayon::scope(|scope| {
                    $( let $field = &mut self.$field;
                       scope.spawn(move |_| keep_firms($field, sector)); )+
                    $( let $ofield = &mut self.$ofield;
                       scope.spawn(move |_| keep_firms($ofield, sector)); )+
                });
            }

            /// A view of every place.
            pub fn chunk(&mut self) -> FirmsChunk<'_> {
                FirmsChunk {
                    $( $field: &mut self.$field, )+
                    $( $ofield: &mut self.$ofield, )+
                }
            }

            /// Bytes of state per firm with the optional columns `kept` (for memory
            /// estimates).
            pub fn bytes_per_firm(kept: KeptColumns) -> usize {
                0 $( + std::mem::size_of::<$ty>() )+
                  $( + if kept.$ofield { std::mem::size_of::<$oty>() } else { 0 } )+
            }
        }

        impl<'a> FirmsChunk<'a> {
            /// Number of places in the view.
            pub fn len(&self) -> usize {
                self.id.len()
            }

            /// Whether the view holds no place.
            pub fn is_empty(&self) -> bool {
                self.id.is_empty()
            }

            /// A view of no place.
            pub fn empty() -> Self {
                FirmsChunk { $( $field: &mut [], )+ $( $ofield: &mut [], )+ }
            }

            /// The views of places `..mid` and `mid..` (an optional column not kept: empty
            /// views).
            pub fn split_at(self, mid: usize) -> (Self, Self) {
                $( let $field = self.$field.split_at_mut(mid); )+
                $( let $ofield = self.$ofield.split_at_mut(mid.min(self.$ofield.len())); )+
                (
                    FirmsChunk { $( $field: $field.0, )+ $( $ofield: $ofield.0, )+ },
                    FirmsChunk { $( $field: $field.1, )+ $( $ofield: $ofield.1, )+ },
                )
            }
        }
    };
}

firm_columns! {
    columns {
    /// Stable id.
    id: FirmId = FirmId(0);
    /// How the firm was born; keys its random draws (docs/model.md §6).
    birth: BirthKey = BirthKey(0);
    /// Step in which the firm was born (0 for the initial population).
    born: u32 = 0;
    /// Sector j ([`DEAD`] for a hole).
    sector: SectorIndex = 0;
    /// r_i: the firm's region, fixed for life (docs/model.md M2.2; 0, the one region
    /// `national`, when `regions` is off).
    region: RegionIndex = 0;
    /// a_i: log technology level.
    a: f64 = 0.0;
    /// d_i: digital level in [0, 1].
    digital: f64 = 0.0;
    /// g_i: green level in [0, 1].
    green: f64 = 0.0;
    /// D_i: data stock, >= 0.
    data: f64 = 0.0;
    /// e_i: the transitory component of log productivity (docs/model.md §5.7).
    transitory: f64 = 0.0;
    /// xi_i: the log demand shifter, a random walk that moves demand between the firms of a
    /// sector (docs/model.md §5.7, §5.10).
    demand_shift: f64 = 0.0;
    /// f_i: market share within the sector.
    share: f64 = 0.0;
    /// Upgrade costs paid this step, share of output (0 for firms born this step).
    paid: f64 = 0.0;
    /// ln A_i at the end of the last completed step (docs/model.md §5.7; set by the production
    /// pass, NaN for a firm born in the step under way).
    ln_a: f64 = f64::NAN;
    /// f_i at the end of the previous step (0 for a firm born in this step): with `origin`,
    /// what the productivity decompositions compare with.
    prev_share: f64 = 0.0;
    /// The sector at the end of the previous step, or [`ORIGIN_ENTRANT`] or
    /// [`ORIGIN_SPAWNED`] for a firm born in this step.
    origin: SectorIndex = ORIGIN_ENTRANT;
    }
    optional {
    /// dd_i: this step's digital upgrade, d_i after §5.4 minus d_i before (docs/model.md
    /// M2.14; kept with `labour` on, 0 for a firm born in the step).
    upgrade: f64 = 0.0;
    /// v_i: the share of its key-input needs the firm received in the step's rationing
    /// (docs/model.md M2.15; kept with `supply` on; a newborn takes its sector's
    /// availability).
    delivery: f64 = 1.0;
    }
}

impl KeptColumns {
    /// The optional columns model 2's `features` read: `upgrade` with labour (M2.14),
    /// `delivery` with supply (M2.15).
    pub fn for_features(features: &Features) -> Self {
        KeptColumns {
            upgrade: features.labour,
            delivery: features.supply,
        }
    }
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

    /// Views of places `..at` and `at..`.
    pub fn split_at_mut(&mut self, at: usize) -> (FirmsChunk<'_>, FirmsChunk<'_>) {
        self.chunk().split_at(at)
    }

    /// When the places outgrow the vectors, room for one in this many more is added.
    pub const GROWTH_HEADROOM: usize = 16;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn firms(sectors: &[SectorIndex]) -> Firms {
        let mut f = Firms::default();
        f.resize(sectors.len());
        for (i, &j) in sectors.iter().enumerate() {
            f.id[i] = FirmId(i as u64);
            f.sector[i] = j;
            f.a[i] = i as f64;
        }
        f
    }

    #[test]
    fn compaction_removes_holes_and_keeps_the_order_of_every_column() {
        let mut f = firms(&[0, DEAD, 1, DEAD, DEAD, 2]);
        f.compact();
        assert_eq!(f.id, vec![FirmId(0), FirmId(2), FirmId(5)]);
        assert_eq!(f.a, vec![0.0, 2.0, 5.0]);
        assert_eq!(f.sector, vec![0, 1, 2]);
        assert_eq!(f.ln_a.len(), 3);
    }

    #[test]
    fn new_places_hold_each_columns_fill_value() {
        let mut f = firms(&[0]);
        f.resize(2);
        assert!(f.ln_a[1].is_nan());
        assert_eq!(f.origin[1], ORIGIN_ENTRANT);
        assert_eq!(f.share[1], 0.0);
    }

    #[test]
    fn an_optional_column_takes_memory_only_where_it_is_kept() {
        let sectors = [0, DEAD, 1, 2];
        let mut plain = firms(&sectors);
        assert!(plain.upgrade.is_empty() && plain.delivery.is_empty());
        let mut supply = Firms::keeping(KeptColumns {
            upgrade: false,
            delivery: true,
        });
        supply.resize(sectors.len());
        supply.sector.copy_from_slice(&sectors);
        assert_eq!(supply.delivery, vec![1.0; 4]);
        assert!(supply.upgrade.is_empty());
        supply.delivery[2] = 0.5;
        supply.compact();
        assert_eq!(supply.delivery, vec![1.0, 0.5, 1.0]);
        assert!(supply.upgrade.is_empty());
        // views of a column not kept are empty, on both sides of any split
        let (head, tail) = plain.split_at_mut(1);
        assert_eq!((head.len(), tail.len()), (1, 3));
        assert!(head.delivery.is_empty() && tail.delivery.is_empty());
        plain.compact();
        assert!(plain.delivery.is_empty() && plain.id.len() == 3);
    }

    #[test]
    fn a_split_view_covers_each_place_once() {
        let mut f = firms(&[0, 1, 2, 0, 1]);
        let (head, tail) = f.split_at_mut(2);
        assert_eq!((head.len(), tail.len()), (2, 3));
        assert_eq!(tail.a, &[2.0, 3.0, 4.0]);
        head.a[0] = -1.0;
        assert_eq!(f.a[0], -1.0);
    }
}
