//! Exact quantiles of every sector and of all firms pooled, without sorting: per-thread
//! histograms, then a gather of the few values in the bins that hold the target ranks.
//!
//! The values of each group (a sector) are counted into `BINS` bins over one range shared by
//! every group, guessed from the previous step (values outside it fall into the edge bins, so
//! the guess affects speed, never the result). Because the bins are shared, the pool's counts
//! are the sum of the groups', and each value is binned once for its group and the pool. The
//! counts tell which bin holds each order statistic a quantile needs; a second pass collects
//! the values in those bins, and a selection within them gives the exact order statistic.
//! Counts are integers and the selected value does not depend on the order in which values
//! were collected, so the result is the same on any number of threads.

use super::reduce::PerThread;

/// Bins of the shared range, at most: enough for the gather pass to collect few values.
pub const BINS: usize = 4096;

/// Bins, at least (a multiple of 64: the needed-bin bitmap's words).
const MIN_BINS: usize = 64;

/// Values per bin aimed at when there are few values: merging and clearing the counts of
/// every thread then costs less than the values do.
const VALUES_PER_BIN: usize = 8;

/// One thread's share of the work: counts per group, the pooled range seen, and gathered
/// candidates (per group, then the pool's).
#[derive(Clone, Debug, Default)]
pub struct Slot {
    counts: Vec<u32>,
    min: f64,
    max: f64,
    candidates: Vec<Vec<(u32, f64)>>,
}

/// Where one order statistic lies.
#[derive(Clone, Copy, Debug)]
struct Target {
    /// 0-based rank in the group.
    rank: u64,
    /// Bin that holds it.
    bin: u32,
    /// Values in the bins below it.
    before: u64,
    /// The value, once found.
    value: f64,
}

/// Quantiles of `groups` groups of values and of their pool (group index `groups`), computed
/// in two passes.
#[derive(Debug, Default)]
pub struct GroupQuantiles {
    groups: usize,
    bins: usize,
    lo: f64,
    inv_width: f64,
    slots: PerThread<Slot>,
    /// Merged counts, `[group * bins + bin]`, the pool's last.
    counts: Vec<u64>,
    /// Bins that hold a target, one bitmap of `bins / 64` words per group, the pool's last.
    needed: Vec<u64>,
    /// Bins that hold a target of any group or the pool.
    needed_any: Vec<u64>,
    targets: Vec<Vec<Target>>,
    /// Smallest and largest value seen in the last pass (of every group).
    pub range: (f64, f64),
    values: Vec<(u32, f64)>,
}

impl GroupQuantiles {
    /// Starts a counting pass over `groups` groups of about `values` values in all, with bins
    /// spanning `range` (e.g. last step's; `fallback` where it is not finite). The number of
    /// bins grows with `values`, up to [`BINS`]; like the range, it changes the speed, never
    /// the result.
    pub fn begin(
        &mut self,
        groups: usize,
        range: (f64, f64),
        fallback: (f64, f64),
        threads: usize,
        values: usize,
    ) {
        self.groups = groups;
        let bins = (values / VALUES_PER_BIN)
            .next_power_of_two()
            .clamp(MIN_BINS, BINS);
        self.bins = bins;
        let (min, max) = if range.0.is_finite() && range.1.is_finite() {
            range
        } else {
            fallback
        };
        // widen by a margin: values move a little from one step to the next
        let margin = 0.05 * (max - min) + 1e-9;
        let (lo, hi) = (min - margin, max + margin);
        self.lo = lo;
        self.inv_width = bins as f64 / (hi - lo);
        self.slots.reset(threads, |slot| {
            slot.counts.clear();
            slot.counts.resize(groups * bins, 0);
            slot.min = f64::INFINITY;
            slot.max = f64::NEG_INFINITY;
            slot.candidates.resize_with(groups + 1, Vec::new);
            slot.candidates.iter_mut().for_each(Vec::clear);
        });
    }

    /// The bin of `value`: NaN and values below the range fall into bin 0, values above into
    /// the last bin.
    #[inline(always)]
    fn bin(&self, value: f64) -> usize {
        let x = (value - self.lo) * self.inv_width;
        // `f64::max` takes 0 for NaN
        let x = x.max(0.0).min((self.bins - 1) as f64);
        // SAFETY: x is finite and in [0, bins - 1], which a u32 holds.
        unsafe { x.to_int_unchecked::<u32>() as usize }
    }

    /// The calling thread's handle for the passes: take one per chunk, inside the parallel
    /// pass, and drop it at the end of the chunk.
    ///
    /// # Safety
    /// As [`PerThread::current`]: call inside a pass of the pool this was begun for, and do
    /// not keep the handle across anything that could run another task on this thread.
    #[inline]
    pub unsafe fn local(&self) -> Local<'_> {
        // SAFETY: forwarded to the caller.
        Local {
            quantiles: self,
            slot: unsafe { self.slots.current() },
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// After the counting pass: merges the counts, adds the groups' into the pool's, and finds
    /// the bins that hold the order statistics of the type-7 quantiles `probs` of each group
    /// and of the pool (`sizes`: values per group, then the pool's). Returns whether any needs
    /// a gather pass.
    pub fn plan(&mut self, sizes: &[u64], probs: &[f64]) -> bool {
        let (groups, bins) = (self.groups, self.bins);
        self.counts.clear();
        self.counts.resize((groups + 1) * bins, 0);
        self.range = (f64::INFINITY, f64::NEG_INFINITY);
        for slot in self.slots.iter() {
            for (total, &c) in self.counts.iter_mut().zip(&slot.counts) {
                *total += u64::from(c);
            }
            self.range = (self.range.0.min(slot.min), self.range.1.max(slot.max));
        }
        let (by_group, pool) = self.counts.split_at_mut(groups * bins);
        for group in by_group.chunks(bins) {
            for (total, &c) in pool.iter_mut().zip(group) {
                *total += c;
            }
        }
        let words = bins / 64;
        self.needed.clear();
        self.needed.resize((groups + 1) * words, 0);
        self.needed_any.clear();
        self.needed_any.resize(words, 0);
        self.targets.resize_with(groups + 1, Vec::new);
        let mut any = false;
        for (g, &n) in sizes.iter().enumerate().take(groups + 1) {
            let targets = &mut self.targets[g];
            targets.clear();
            if n == 0 {
                continue;
            }
            let mut ranks = Vec::with_capacity(2 * probs.len());
            for &p in probs {
                let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
                let lo = h.floor() as u64;
                ranks.push(lo);
                if h > lo as f64 && lo + 1 < n {
                    ranks.push(lo + 1);
                }
            }
            ranks.sort_unstable();
            ranks.dedup();
            // one walk up the bins for all the group's ranks, in increasing order
            let counts = &self.counts[g * bins..(g + 1) * bins];
            let (mut before, mut bin) = (0u64, 0usize);
            for rank in ranks {
                while before + counts[bin] <= rank {
                    before += counts[bin];
                    bin += 1;
                }
                targets.push(Target {
                    rank,
                    bin: bin as u32,
                    before,
                    value: f64::NAN,
                });
                self.needed[g * words + bin / 64] |= 1 << (bin % 64);
                self.needed_any[bin / 64] |= 1 << (bin % 64);
                any = true;
            }
        }
        any
    }

    /// After the gather pass: selects the exact order statistics and returns the type-7
    /// quantiles `probs` of `group` (the pool: `groups`; NaN for an empty group) into `out`.
    pub fn finish(&mut self, group: usize, size: u64, probs: &[f64], out: &mut [f64]) {
        if size == 0 {
            out.iter_mut().for_each(|o| *o = f64::NAN);
            return;
        }
        let mut targets = std::mem::take(&mut self.targets[group]);
        for t in targets.iter_mut() {
            self.values.clear();
            for slot in self.slots.iter() {
                self.values
                    .extend(slot.candidates[group].iter().filter(|(b, _)| *b == t.bin));
            }
            let k = (t.rank - t.before) as usize;
            let (_, &mut (_, v), _) = self
                .values
                .select_nth_unstable_by(k, |x, y| x.1.total_cmp(&y.1));
            t.value = v;
        }
        let value_at = |rank: u64| {
            targets
                .iter()
                .find(|t| t.rank == rank)
                .expect("planned")
                .value
        };
        for (p, o) in probs.iter().zip(out.iter_mut()) {
            let h = (size - 1) as f64 * p.clamp(0.0, 1.0);
            let lo = h.floor() as u64;
            let frac = h - lo as f64;
            let x_lo = value_at(lo);
            *o = if frac > 0.0 && lo + 1 < size {
                x_lo + frac * (value_at(lo + 1) - x_lo)
            } else {
                x_lo
            };
        }
        self.targets[group] = targets;
    }
}

/// One thread's access to a [`GroupQuantiles`] during a pass (see [`GroupQuantiles::local`]).
pub struct Local<'a> {
    quantiles: &'a GroupQuantiles,
    slot: &'a mut Slot,
    /// The range of the values counted through this handle, added to the slot's when it is
    /// dropped (in registers meanwhile).
    min: f64,
    max: f64,
}

impl Drop for Local<'_> {
    fn drop(&mut self) {
        self.slot.min = self.slot.min.min(self.min);
        self.slot.max = self.slot.max.max(self.max);
    }
}

impl Local<'_> {
    /// Counts `value` in `group` (and so in the pool; first pass).
    #[inline(always)]
    pub fn count(&mut self, group: usize, value: f64) {
        let bin = self.quantiles.bin(value);
        let slot = &mut *self.slot;
        slot.counts[group * self.quantiles.bins + bin] += 1;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
    }

    /// Second pass: keeps `value` if it lies in a bin that holds a target of `group` or of the
    /// pool.
    #[inline(always)]
    pub fn gather(&mut self, group: usize, value: f64) {
        let q = self.quantiles;
        let bin = q.bin(value);
        let (word, bit) = (bin / 64, 1u64 << (bin % 64));
        if q.needed_any[word] & bit == 0 {
            return;
        }
        let words = q.bins / 64;
        for g in [group, q.groups] {
            if q.needed[g * words + word] & bit != 0 {
                self.slot.candidates[g].push((bin as u32, value));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::quantiles;
    use rayon::prelude::*;

    const PROBS: [f64; 7] = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0];

    /// The type-7 quantiles of `values` by sorting.
    fn sorted_quantiles(values: &[f64]) -> [f64; 7] {
        let mut sorted = values.to_vec();
        let mut expected = [0.0; 7];
        quantiles(&mut sorted, &PROBS, &mut expected);
        expected
    }

    /// The histogram method gives exactly the values of sorting, for every group and for the
    /// pool, whatever the range guess and the thread count. `values` are `(group, value)`.
    fn check(values: &[(usize, f64)], groups: usize, guess: (f64, f64), threads: usize) {
        let pool = crate::sim::thread_pool(Some(threads)).unwrap();
        let mut q = GroupQuantiles::default();
        let mut sizes = vec![0u64; groups + 1];
        for &(g, _) in values {
            sizes[g] += 1;
            sizes[groups] += 1;
        }
        let mut ours = vec![[0.0; 7]; groups + 1];
        pool.install(|| {
            q.begin(
                groups,
                guess,
                (0.0, 1.0),
                rayon::current_num_threads(),
                values.len(),
            );
            values.par_chunks(100).for_each(|c| {
                // SAFETY: one handle per chunk closure, dropped at its end.
                let mut local = unsafe { q.local() };
                c.iter().for_each(|&(g, v)| local.count(g, v));
            });
            q.plan(&sizes, &PROBS);
            values.par_chunks(100).for_each(|c| {
                // SAFETY: as above.
                let mut local = unsafe { q.local() };
                c.iter().for_each(|&(g, v)| local.gather(g, v));
            });
            for (g, out) in ours.iter_mut().enumerate() {
                q.finish(g, sizes[g], &PROBS, out);
            }
        });
        for (g, ours) in ours.iter().enumerate() {
            let members: Vec<f64> = values
                .iter()
                .filter(|(h, _)| *h == g || g == groups)
                .map(|&(_, v)| v)
                .collect();
            if members.is_empty() {
                assert!(ours.iter().all(|q| q.is_nan()), "group {g}");
            } else {
                assert_eq!(
                    *ours,
                    sorted_quantiles(&members),
                    "group {g}, guess {guess:?}"
                );
            }
        }
        let all = sorted_quantiles(&values.iter().map(|&(_, v)| v).collect::<Vec<_>>());
        assert_eq!(q.range, (all[0], all[6]));
    }

    #[test]
    fn histogram_quantiles_equal_the_sorted_ones() {
        let values: Vec<(usize, f64)> = (0..20_000)
            .map(|i| (0, ((i * 7919) % 10_007) as f64 / 1000.0 - 3.0))
            .collect();
        check(&values, 1, (-3.0, 7.0), 1);
        check(&values, 1, (-3.0, 7.0), 3);
        check(&values, 1, (0.0, 0.001), 2); // a bad guess: everything in the edge bins
        check(&values, 1, (f64::NAN, f64::NAN), 2);
        let ties = [(0, 1.0), (0, 1.0), (0, 1.0), (0, 2.0)];
        check(&ties, 1, (1.0, 1.0), 2); // ties and a zero-width range
        check(&[(0, 5.0)], 1, (0.0, 1.0), 1);
    }

    #[test]
    fn groups_and_their_pool_share_the_bins_and_each_get_exact_quantiles() {
        // three groups on ranges that barely overlap, one of them empty, as sectors are
        let values: Vec<(usize, f64)> = (0..30_000)
            .map(|i| {
                let g = [0, 1, 3][i % 3];
                let x = ((i * 7919) % 10_007) as f64 / 10_007.0;
                (g, g as f64 * 2.0 + x * (1.0 + g as f64))
            })
            .collect();
        check(&values, 4, (0.0, 10.0), 1);
        check(&values, 4, (0.0, 10.0), 3);
        check(&values, 4, (4.0, 4.5), 2); // most values outside the guess
        check(&values, 4, (f64::NAN, 1.0), 2);
    }
}
