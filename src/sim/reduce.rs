//! Deterministic parallel reductions and scatters.
//!
//! Firms are processed in chunks of [`FIRM_CHUNK`] whatever the thread count. Each chunk
//! writes one partial accumulator per sector; partials are merged in chunk order. Floating
//! point sums therefore add the same numbers in the same order on 1 thread or 16, and the
//! output is the same bits (a bare rayon `sum` would not be).

use std::marker::PhantomData;

/// Firms per chunk. Part of the output contract: changing it changes the order of
/// floating-point additions and hence the last bits of sums. Large enough that per-chunk
/// overhead is negligible, small enough that 10^4 firms still give a few chunks.
pub const FIRM_CHUNK: usize = 4096;

/// Number of chunks for `n` firms.
#[inline]
pub fn chunk_count(n: usize) -> usize {
    n.div_ceil(FIRM_CHUNK)
}

/// Reusable storage for one partial accumulator per (chunk, sector), and their totals per
/// sector once merged.
#[derive(Clone, Debug, Default)]
pub struct Partials<T> {
    values: Vec<T>,
    totals: Vec<T>,
}

impl<T: Default + Clone + Send> Partials<T> {
    /// Resets to `chunks x sectors` default values, keeping the allocation.
    pub fn reset(&mut self, chunks: usize, sectors: usize) -> &mut [T] {
        self.values.clear();
        self.values.resize(chunks * sectors, T::default());
        &mut self.values
    }

    /// The partials of every chunk, chunk-major.
    pub fn as_slice(&self) -> &[T] {
        &self.values
    }

    /// The partials of every chunk, chunk-major, to update after a pass.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.values
    }

    /// Merges the partials of every chunk into the totals of each of `sectors` sectors, in
    /// chunk order (so the sums are the same bits on any thread count).
    pub fn merge(&mut self, sectors: usize, mut merge: impl FnMut(&mut T, &T)) {
        self.totals.clear();
        self.totals.resize(sectors, T::default());
        if sectors == 0 {
            return;
        }
        for chunk in self.values.chunks(sectors) {
            for (total, part) in self.totals.iter_mut().zip(chunk) {
                merge(total, part);
            }
        }
    }

    /// The totals per sector of the last [`Partials::merge`].
    pub fn totals(&self) -> &[T] {
        &self.totals
    }

    /// The totals per sector, to complete after a merge.
    pub fn totals_mut(&mut self) -> &mut [T] {
        &mut self.totals
    }
}

/// A slice that several tasks write at disjoint indices.
///
/// Compaction and grouping write each firm to a position computed from prefix sums of
/// per-chunk counts; the positions of different chunks never overlap, but the borrow checker
/// cannot see that through a scatter. This type holds the one `unsafe` of the engine.
pub struct ScatterSlice<'a, T> {
    ptr: *mut T,
    len: usize,
    _borrow: PhantomData<&'a mut [T]>,
}

// SAFETY: a ScatterSlice is only a shared handle to a uniquely borrowed slice; sending or
// sharing it across threads is sound as long as writes go to disjoint indices, which is the
// contract of `write`.
unsafe impl<T: Send> Send for ScatterSlice<'_, T> {}
// SAFETY: see above.
unsafe impl<T: Send> Sync for ScatterSlice<'_, T> {}

impl<'a, T> ScatterSlice<'a, T> {
    /// Wraps a slice for the duration of its borrow.
    pub fn new(slice: &'a mut [T]) -> Self {
        ScatterSlice {
            ptr: slice.as_mut_ptr(),
            len: slice.len(),
            _borrow: PhantomData,
        }
    }

    /// Writes `value` at `index`.
    ///
    /// # Safety
    /// No two calls, from any threads, may use the same `index` while this handle lives,
    /// and nothing may read the slice meanwhile. Indices are bounds-checked.
    #[inline]
    pub unsafe fn write(&self, index: usize, value: T) {
        assert!(
            index < self.len,
            "scatter index {index} out of bounds {}",
            self.len
        );
        // SAFETY: in bounds (checked above); exclusive per the caller's contract.
        unsafe { self.ptr.add(index).write(value) }
    }
}

/// One value per worker thread of the current rayon pool, each touched only by its own
/// thread during a parallel pass, then read after the pass. For accumulators whose merge does
/// not depend on which thread did what (integer counts, minima, sets of values), this avoids
/// locks, atomics and per-chunk copies of large buffers.
#[derive(Debug, Default)]
pub struct PerThread<T> {
    slots: Vec<Padded<std::cell::UnsafeCell<T>>>,
}

/// A slot on cache lines of its own (two lines, as processors fetch lines in pairs), so that
/// threads writing their own slots do not contend for one line.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Padded<T>(T);

// SAFETY: each slot is mutated only by the worker thread whose index it has (see `current`),
// and read only when no pass is running.
unsafe impl<T: Send> Sync for PerThread<T> {}

impl<T: Default> PerThread<T> {
    /// One slot per thread of the current pool (`threads`, from `rayon::current_num_threads`),
    /// and one for a caller outside the pool (rayon runs a pass that it does not split on
    /// the calling thread), each prepared by `prepare` (which can reuse its allocations).
    pub fn reset(&mut self, threads: usize, mut prepare: impl FnMut(&mut T)) {
        self.slots.resize_with(threads + 1, Default::default);
        for slot in &mut self.slots {
            prepare(slot.0.get_mut());
        }
    }

    /// The slot of the calling worker thread.
    ///
    /// # Safety
    /// Call only from inside a parallel pass of the pool this was reset for, and do not hold
    /// the reference across anything that could run another task on this thread (a rayon
    /// `join`, a nested parallel iterator): then no two live references to one slot exist.
    /// (A thread outside the pool runs a pass only when rayon does not split it, and then it
    /// is the only thread running it, so it can have the extra slot.)
    #[inline]
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn current(&self) -> &mut T {
        let outside = self.slots.len() - 1;
        let index = rayon::current_thread_index().unwrap_or(outside);
        // SAFETY: only this thread uses slot `index` (caller's contract).
        unsafe { &mut *self.slots[index].0.get() }
    }

    /// Every slot, after the pass.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        // SAFETY: `&self` outside a pass: no slot is being mutated.
        self.slots.iter().map(|s| unsafe { &*s.0.get() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    #[test]
    fn merging_in_chunk_order_is_independent_of_the_pool() {
        let values: Vec<f64> = (0..100_000)
            .map(|i| ((i * 7919) % 1000) as f64 * 1e-3 + 1e-9)
            .collect();
        let sum_with = |threads: usize| {
            let pool = super::super::thread_pool(Some(threads)).unwrap();
            pool.install(|| -> f64 {
                let mut partials = Partials::<f64>::default();
                let slots = partials.reset(chunk_count(values.len()), 1);
                values
                    .par_chunks(FIRM_CHUNK)
                    .zip(slots.par_iter_mut())
                    .for_each(|(c, s)| {
                        *s = c.iter().sum();
                    });
                partials.merge(1, |t, p| *t += *p);
                partials.totals()[0]
            })
        };
        assert_eq!(sum_with(1).to_bits(), sum_with(4).to_bits());
    }

    #[test]
    fn scatter_writes_disjoint_positions_in_parallel() {
        let mut out = vec![0u32; 1000];
        {
            let s = ScatterSlice::new(&mut out);
            (0..1000u32).into_par_iter().for_each(|i| {
                // SAFETY: each i is written once.
                unsafe { s.write(999 - i as usize, i) }
            });
        }
        assert!(out.iter().enumerate().all(|(k, &v)| v as usize == 999 - k));
    }
}
