//! Shards: a deterministic split of a sweep's points into N contiguous ranges, so that N
//! machines can each run one and `nqpsim merge` can put the results back in order.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

/// Shard `k` of `n` (1-based, as Slurm's array task ids).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shard {
    /// Which shard, 1 ..= n.
    pub k: usize,
    /// How many shards.
    pub n: usize,
}

impl Shard {
    /// The points of this shard among `points`: the k-th of n nearly equal contiguous ranges
    /// (their sizes differ by at most one).
    pub fn points(&self, points: usize) -> Range<usize> {
        let cut = |i: usize| (points as u128 * i as u128 / self.n as u128) as usize;
        cut(self.k - 1)..cut(self.k)
    }

    /// The name of the shard's output folder, `shard-K-of-N`.
    pub fn folder_name(&self) -> String {
        format!("shard-{}-of-{}", self.k, self.n)
    }

    /// Reads a folder name written by [`Shard::folder_name`].
    pub fn from_folder_name(name: &str) -> Option<Shard> {
        let rest = name.strip_prefix("shard-")?;
        let (k, n) = rest.split_once("-of-")?;
        let shard = Shard {
            k: k.parse().ok()?,
            n: n.parse().ok()?,
        };
        (shard.k >= 1 && shard.k <= shard.n && shard.folder_name() == name).then_some(shard)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("expected K/N with 1 <= K <= N, e.g. 2/8; got {s:?}");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        let n: usize = n.trim().parse().map_err(|_| bad())?;
        if k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_tile_the_points_in_order_without_gaps_or_overlaps() {
        for points in [1, 7, 12, 100, 1001] {
            for n in 1..=points.min(13) {
                let ranges: Vec<_> = (1..=n).map(|k| Shard { k, n }.points(points)).collect();
                assert_eq!(ranges[0].start, 0);
                assert_eq!(ranges[n - 1].end, points);
                for w in ranges.windows(2) {
                    assert_eq!(w[0].end, w[1].start);
                }
                let sizes: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
                let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
                assert!(
                    max - min <= 1 && *min >= 1,
                    "{points} points in {n}: {sizes:?}"
                );
            }
        }
    }

    #[test]
    fn shards_are_written_and_read_as_k_of_n() {
        assert_eq!("2/8".parse::<Shard>(), Ok(Shard { k: 2, n: 8 }));
        assert!("0/8".parse::<Shard>().is_err());
        assert!("9/8".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().unwrap_err().contains("K/N"));
        let s = Shard { k: 3, n: 12 };
        assert_eq!(s.to_string(), "3/12");
        assert_eq!(Shard::from_folder_name(&s.folder_name()), Some(s));
        assert_eq!(Shard::from_folder_name("shard-03-of-12"), None);
    }
}
