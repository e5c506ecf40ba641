//! Exact quantiles of every sector at once, without sorting: per-thread histograms, then a
//! gather of the few values in the bins that hold the target ranks.
//!
//! The values of a group (a sector, or all firms pooled) are counted into `BINS` bins over a
//! range guessed from the previous step (values outside it fall into the edge bins, so the
//! guess affects speed, never the result). The counts tell which bin holds each order
//! statistic a quantile needs; a second pass collects the values in those bins, and a
//! selection within them gives the exact order statistic. Counts are integers and the
//! selected value does not depend on the order in which values were collected, so the result
//! is the same on any number of threads.

use super::reduce::PerThread;

/// Bins per group, at most: enough for the gather pass to collect few values.
pub const BINS: usize = 2048;

/// Bins per group, at least (a multiple of 64: the needed-bin bitmap's words).
const MIN_BINS: usize = 64;

/// Values per bin aimed at when there are few values: merging and clearing the counts of
/// every thread then costs less than the values do.
const VALUES_PER_BIN: usize = 8;

/// One thread's share of the work: counts, value range seen, and gathered candidates.
#[derive(Clone, Debug, Default)]
pub struct Slot {
    counts: Vec<u32>,
    min: Vec<f64>,
    max: Vec<f64>,
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

/// Quantiles of `groups` groups of values, computed in two passes.
#[derive(Debug, Default)]
pub struct GroupQuantiles {
    groups: usize,
    bins: usize,
    lo: Vec<f64>,
    inv_width: Vec<f64>,
    slots: PerThread<Slot>,
    counts: Vec<u64>,
    needed: Vec<u64>,
    targets: Vec<Vec<Target>>,
    /// Smallest and largest value seen per group in the last pass.
    pub range: Vec<(f64, f64)>,
    values: Vec<(u32, f64)>,
}

impl GroupQuantiles {
    /// Starts a counting pass over `groups` groups of about `values` values in all, with bins
    /// spanning `ranges` (one `(min, max)` per group, e.g. last step's, NaN where unknown;
    /// `fallback` then). The number of bins grows with `values`, up to [`BINS`]; like the
    /// ranges, it changes the speed, never the result.
    pub fn begin(
        &mut self,
        ranges: &[(f64, f64)],
        fallback: (f64, f64),
        threads: usize,
        values: usize,
    ) {
        let groups = ranges.len();
        self.groups = groups;
        let bins = (values / VALUES_PER_BIN)
            .next_power_of_two()
            .clamp(MIN_BINS, BINS);
        self.bins = bins;
        self.lo.clear();
        self.inv_width.clear();
        for &(min, max) in ranges {
            let (min, max) = if min.is_finite() && max.is_finite() {
                (min, max)
            } else {
                fallback
            };
            // widen by a margin: values move a little from one step to the next
            let margin = 0.05 * (max - min) + 1e-9;
            let (lo, hi) = (min - margin, max + margin);
            self.lo.push(lo);
            self.inv_width.push(bins as f64 / (hi - lo));
        }
        self.slots.reset(threads, |slot| {
            slot.counts.clear();
            slot.counts.resize(groups * bins, 0);
            slot.min.clear();
            slot.min.resize(groups, f64::INFINITY);
            slot.max.clear();
            slot.max.resize(groups, f64::NEG_INFINITY);
            slot.candidates.resize_with(groups, Vec::new);
            slot.candidates.iter_mut().for_each(Vec::clear);
        });
    }

    #[inline(always)]
    fn bin(&self, group: usize, value: f64) -> usize {
        let x = (value - self.lo[group]) * self.inv_width[group];
        // NaN and values below the range fall into bin 0, values above into the last bin
        if x >= 1.0 {
            // through i64 (one instruction); the value is clamped to the last bin anyway
            (x.min(self.bins as f64) as i64 as usize).min(self.bins - 1)
        } else {
            0
        }
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
        }
    }

    /// After the counting pass: merges the counts and finds the bins that hold the order
    /// statistics of the type-7 quantiles `probs` of each group (`sizes` values per group).
    /// Returns whether any group needs a gather pass.
    pub fn plan(&mut self, sizes: &[u64], probs: &[f64]) -> bool {
        let (groups, bins) = (self.groups, self.bins);
        self.counts.clear();
        self.counts.resize(groups * bins, 0);
        self.range.clear();
        self.range
            .resize(groups, (f64::INFINITY, f64::NEG_INFINITY));
        for slot in self.slots.iter() {
            for (total, &c) in self.counts.iter_mut().zip(&slot.counts) {
                *total += u64::from(c);
            }
            for (g, range) in self.range.iter_mut().enumerate() {
                range.0 = range.0.min(slot.min[g]);
                range.1 = range.1.max(slot.max[g]);
            }
        }
        let words = bins / 64;
        self.needed.clear();
        self.needed.resize(groups * words, 0);
        self.targets.resize_with(groups, Vec::new);
        let mut any = false;
        for (g, &n) in sizes.iter().enumerate().take(groups) {
            let targets = &mut self.targets[g];
            targets.clear();
            if n == 0 {
                continue;
            }
            for &p in probs {
                let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
                let lo = h.floor() as u64;
                let ranks = if h > lo as f64 && lo + 1 < n {
                    [lo, lo + 1]
                } else {
                    [lo, lo]
                };
                for rank in ranks {
                    if targets.iter().any(|t| t.rank == rank) {
                        continue;
                    }
                    let counts = &self.counts[g * bins..(g + 1) * bins];
                    let (mut before, mut bin) = (0u64, 0usize);
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
                    any = true;
                }
            }
        }
        any
    }

    /// After the gather pass: selects the exact order statistics and returns the type-7
    /// quantiles `probs` of `group` (NaN for an empty group) into `out`.
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
}

impl Local<'_> {
    /// Counts `value` in `group` (first pass).
    #[inline(always)]
    pub fn count(&mut self, group: usize, value: f64) {
        let bin = self.quantiles.bin(group, value);
        let slot = &mut *self.slot;
        slot.counts[group * self.quantiles.bins + bin] += 1;
        if value < slot.min[group] {
            slot.min[group] = value;
        }
        if value > slot.max[group] {
            slot.max[group] = value;
        }
    }

    /// Second pass: keeps `value` if it lies in a bin that holds a target of `group`.
    #[inline(always)]
    pub fn gather(&mut self, group: usize, value: f64) {
        let q = self.quantiles;
        let bin = q.bin(group, value);
        if q.needed[group * (q.bins / 64) + bin / 64] & (1 << (bin % 64)) != 0 {
            self.slot.candidates[group].push((bin as u32, value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::quantiles;
    use rayon::prelude::*;

    /// The histogram method gives exactly the values of sorting, whatever the range guess.
    fn check(values: &[f64], guess: (f64, f64), threads: usize) {
        let pool = crate::sim::thread_pool(Some(threads)).unwrap();
        let probs = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0];
        let mut q = GroupQuantiles::default();
        let mut ours = [0.0; 7];
        pool.install(|| {
            q.begin(
                &[guess],
                (0.0, 1.0),
                rayon::current_num_threads(),
                values.len(),
            );
            values.par_chunks(100).for_each(|c| {
                // SAFETY: one handle per chunk closure, dropped at its end.
                let mut local = unsafe { q.local() };
                c.iter().for_each(|&v| local.count(0, v));
            });
            q.plan(&[values.len() as u64], &probs);
            values.par_chunks(100).for_each(|c| {
                // SAFETY: as above.
                let mut local = unsafe { q.local() };
                c.iter().for_each(|&v| local.gather(0, v));
            });
            q.finish(0, values.len() as u64, &probs, &mut ours);
        });
        let mut sorted = values.to_vec();
        let mut expected = [0.0; 7];
        quantiles(&mut sorted, &probs, &mut expected);
        assert_eq!(ours, expected, "guess {guess:?}");
        let (min, max) = q.range[0];
        assert_eq!((min, max), (expected[0], expected[6]));
    }

    #[test]
    fn histogram_quantiles_equal_the_sorted_ones() {
        let values: Vec<f64> = (0..20_000)
            .map(|i| ((i * 7919) % 10_007) as f64 / 1000.0 - 3.0)
            .collect();
        check(&values, (-3.0, 7.0), 1);
        check(&values, (-3.0, 7.0), 3);
        check(&values, (0.0, 0.001), 2); // a bad guess: everything in the edge bins
        check(&values, (f64::NAN, f64::NAN), 2);
        check(&[1.0, 1.0, 1.0, 2.0], (1.0, 1.0), 2); // ties and a zero-width range
        check(&[5.0], (0.0, 1.0), 1);
    }
}
