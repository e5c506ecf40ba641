//! Parallel iteration over the firms in fixed chunks of [`FIRM_CHUNK`] places, each chunk a
//! named view of every column ([`FirmsChunk`]), so that a pass reads `firms.a[i]` rather than
//! the seventh slice of a tuple.
//!
//! The chunks are the same whatever the thread count (their boundaries are part of the output
//! contract, see [`super::reduce`]); rayon decides only which thread takes which chunk.

use rayon::iter::plumbing::{Consumer, Producer, ProducerCallback, UnindexedConsumer, bridge};
use rayon::prelude::*;

use super::reduce::FIRM_CHUNK;
use crate::model::firms::{Firms, FirmsChunk};

/// The chunks of [`FIRM_CHUNK`] places of `firms`, in storage order, as a parallel iterator
/// that zips with `par_chunks_mut(FIRM_CHUNK)` of per-firm buffers of the same length.
pub fn firm_chunks(firms: &mut Firms) -> FirmChunks<'_> {
    view_chunks(firms.chunk())
}

/// The chunks of [`FIRM_CHUNK`] places of a view (e.g. the survivors' part of a population).
pub fn view_chunks(view: FirmsChunk<'_>) -> FirmChunks<'_> {
    FirmChunks { view }
}

/// A parallel iterator over the chunks of a [`FirmsChunk`] (see [`firm_chunks`]).
pub struct FirmChunks<'a> {
    view: FirmsChunk<'a>,
}

impl<'a> ParallelIterator for FirmChunks<'a> {
    type Item = FirmsChunk<'a>;

    fn drive_unindexed<C: UnindexedConsumer<Self::Item>>(self, consumer: C) -> C::Result {
        bridge(self, consumer)
    }

    fn opt_len(&self) -> Option<usize> {
        Some(self.view.len().div_ceil(FIRM_CHUNK))
    }
}

impl IndexedParallelIterator for FirmChunks<'_> {
    fn len(&self) -> usize {
        self.view.len().div_ceil(FIRM_CHUNK)
    }

    fn drive<C: Consumer<Self::Item>>(self, consumer: C) -> C::Result {
        bridge(self, consumer)
    }

    fn with_producer<CB: ProducerCallback<Self::Item>>(self, callback: CB) -> CB::Output {
        callback.callback(ChunkProducer { view: self.view })
    }
}

struct ChunkProducer<'a> {
    view: FirmsChunk<'a>,
}

impl<'a> Producer for ChunkProducer<'a> {
    type Item = FirmsChunk<'a>;
    type IntoIter = ChunkIter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        ChunkIter { rest: self.view }
    }

    fn split_at(self, index: usize) -> (Self, Self) {
        let mid = (index * FIRM_CHUNK).min(self.view.len());
        let (head, tail) = self.view.split_at(mid);
        (ChunkProducer { view: head }, ChunkProducer { view: tail })
    }
}

/// The chunks of a view, one after another.
struct ChunkIter<'a> {
    rest: FirmsChunk<'a>,
}

impl<'a> Iterator for ChunkIter<'a> {
    type Item = FirmsChunk<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let rest = std::mem::replace(&mut self.rest, FirmsChunk::empty());
        let first = FIRM_CHUNK.min(rest.len());
        let (head, tail) = rest.split_at(first);
        self.rest = tail;
        Some(head)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.rest.len().div_ceil(FIRM_CHUNK);
        (n, Some(n))
    }
}

impl ExactSizeIterator for ChunkIter<'_> {}

impl DoubleEndedIterator for ChunkIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let last = (self.rest.len() - 1) / FIRM_CHUNK * FIRM_CHUNK;
        let rest = std::mem::replace(&mut self.rest, FirmsChunk::empty());
        let (head, tail) = rest.split_at(last);
        self.rest = head;
        Some(tail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_every_place_once_in_order_at_fixed_boundaries() {
        let mut firms = Firms::default();
        let n = 3 * FIRM_CHUNK + 17;
        firms.resize(n);
        firms
            .a
            .iter_mut()
            .enumerate()
            .for_each(|(i, a)| *a = i as f64);
        let starts: Vec<(f64, usize)> =
            firm_chunks(&mut firms).map(|c| (c.a[0], c.len())).collect();
        let expected: Vec<(f64, usize)> = (0..4)
            .map(|k| ((k * FIRM_CHUNK) as f64, if k < 3 { FIRM_CHUNK } else { 17 }))
            .collect();
        assert_eq!(starts, expected);
        // and zip with the chunks of a per-firm buffer
        let mut buffer = vec![0.0; n];
        firm_chunks(&mut firms)
            .zip(buffer.par_chunks_mut(FIRM_CHUNK))
            .for_each(|(c, b)| b.copy_from_slice(c.a));
        assert_eq!(buffer, firms.a);
    }

    #[test]
    fn chunks_run_backwards_too() {
        let mut firms = Firms::default();
        firms.resize(2 * FIRM_CHUNK + 1);
        let mut iter = ChunkIter {
            rest: firms.chunk(),
        };
        assert_eq!(iter.next_back().map(|c| c.len()), Some(1));
        assert_eq!(iter.len(), 2);
        assert!(Firms::default().chunk().is_empty());
    }
}
