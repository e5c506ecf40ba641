//! Feature scores for screening: which inputs matter for the cases of interest.
//!
//! The score of a dimension is its mean decrease in Gini impurity over an ensemble of
//! extremely randomised trees (Geurts, Ernst & Wehenkel 2006), as EMA Workbench's
//! `get_ex_feature_scores` computes with scikit-learn's `ExtraTreesClassifier`, with EMA's
//! defaults: 100 trees, `max_features = round(p / 3)` (at least 1), a minimum leaf of
//! `max(1, round(sqrt(n / 1000)))` cases, no depth limit, each tree on a bootstrap resample.
//!
//! At each node a tree looks at dimensions in random order until it has tried `max_features`
//! of them that vary in the node; for each it draws one random split (a numeric cut uniform
//! between the node's smallest and largest value; a random non-trivial subset of the
//! categories present) and keeps the best of those by decrease in impurity. A dimension's
//! score in a tree is the sum of the weighted decreases of its splits, normalised so a tree's
//! scores sum to 1; the forest's score is the mean over trees, normalised again.
//!
//! Tree `t` draws from a stream keyed by `(seed, t)`; trees are built in parallel and summed
//! in tree order, so the scores depend on the seed only, not on the number of threads.

use rayon::prelude::*;

use super::DiscoveryError;
use super::data::{Column, Dataset};
use super::rng::KeyedRng;

/// The parameters of the extra-trees ensemble.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreOptions {
    /// The number of trees. Default 100.
    pub trees: usize,
    /// Dimensions tried at each node; `None`: `round(p / 3)`, at least 1.
    pub max_features: Option<usize>,
    /// The smallest leaf in cases; `None`: `max(1, round(sqrt(n / 1000)))`.
    pub min_leaf: Option<usize>,
    /// Whether each tree grows on a bootstrap resample (EMA's default) or on all cases.
    pub bootstrap: bool,
    /// The seed of the random streams.
    pub seed: u64,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions {
            trees: 100,
            max_features: None,
            min_leaf: None,
            bootstrap: true,
            seed: 0,
        }
    }
}

/// The score of one dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureScore {
    /// The dimension's index in the data set.
    pub dim: usize,
    /// Its name.
    pub name: String,
    /// Its share of the total decrease in impurity (scores sum to 1, or are all 0 when no
    /// tree could split).
    pub score: f64,
}

/// Extra-trees feature scores of every dimension of `data`, highest first (ties by index).
pub fn feature_scores(
    data: &Dataset,
    opts: &ScoreOptions,
) -> Result<Vec<FeatureScore>, DiscoveryError> {
    let invalid = |name, value: usize, expected| {
        Err(DiscoveryError::InvalidOption {
            name,
            value: value as f64,
            expected,
        })
    };
    if opts.trees == 0 {
        return invalid("trees", 0, "at least 1");
    }
    let p = data.n_dims();
    let n = data.n_cases();
    let max_features = opts
        .max_features
        .unwrap_or(((p as f64 / 3.0).round() as usize).max(1));
    if max_features == 0 || max_features > p {
        return invalid(
            "max_features",
            max_features,
            "between 1 and the number of dimensions",
        );
    }
    let min_leaf = opts
        .min_leaf
        .unwrap_or(((n as f64 / 1000.0).sqrt().round() as usize).max(1));
    if min_leaf == 0 {
        return invalid("min_leaf", 0, "at least 1");
    }
    let per_tree: Vec<Vec<f64>> = (0..opts.trees)
        .into_par_iter()
        .map(|t| {
            let mut rng = KeyedRng::new(opts.seed, t as u64);
            let rows: Vec<usize> = if opts.bootstrap {
                (0..n).map(|_| rng.below(n)).collect()
            } else {
                (0..n).collect()
            };
            let mut imp = grow(data, rows, max_features, min_leaf, &mut rng);
            let total: f64 = imp.iter().sum();
            if total > 0.0 {
                imp.iter_mut().for_each(|v| *v /= total);
            }
            imp
        })
        .collect();
    let mut mean = vec![0.0; p];
    for imp in &per_tree {
        for (m, v) in mean.iter_mut().zip(imp) {
            *m += v;
        }
    }
    let total: f64 = mean.iter().sum();
    let mut scores: Vec<FeatureScore> = (0..p)
        .map(|d| FeatureScore {
            dim: d,
            name: data.dims()[d].name.clone(),
            score: if total > 0.0 { mean[d] / total } else { 0.0 },
        })
        .collect();
    scores.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.dim.cmp(&b.dim)));
    Ok(scores)
}

fn weighted_gini(n: usize, k: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        2.0 * k as f64 * (n - k) as f64 / n as f64
    }
}

/// A random split of one dimension: which rows go left.
enum RandomRule {
    Cut(f64),
    Left(Vec<bool>),
}

/// Grows one extra-tree on `rows` and returns the impurity decrease per dimension.
fn grow(
    data: &Dataset,
    rows: Vec<usize>,
    max_features: usize,
    min_leaf: usize,
    rng: &mut KeyedRng,
) -> Vec<f64> {
    let p = data.n_dims();
    let y = data.y();
    let mut imp = vec![0.0; p];
    let mut stack = vec![rows];
    let mut order: Vec<usize> = (0..p).collect();
    while let Some(rows) = stack.pop() {
        let n = rows.len();
        let k = rows.iter().filter(|&&r| y[r]).count();
        if k == 0 || k == n || n < 2 * min_leaf {
            continue;
        }
        let parent = weighted_gini(n, k);
        let mut best: Option<(f64, usize, RandomRule)> = None;
        let mut tried = 0;
        // A random order of the dimensions (Fisher-Yates), tried until max_features vary.
        for i in 0..p {
            if tried == max_features {
                break;
            }
            let j = i + rng.below(p - i);
            order.swap(i, j);
            let d = order[i];
            let rule = match &data.dims()[d].column {
                Column::Numeric(v) => {
                    let (lo, hi) = rows
                        .iter()
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &r| {
                            (lo.min(v[r]), hi.max(v[r]))
                        });
                    if lo == hi {
                        continue;
                    }
                    let cut = lo + (hi - lo) * rng.unit();
                    RandomRule::Cut(if cut < hi { cut } else { lo })
                }
                Column::Categorical { labels, codes } => {
                    let mut present = vec![false; labels.len()];
                    rows.iter().for_each(|&r| present[codes[r] as usize] = true);
                    let cats: Vec<usize> = (0..labels.len()).filter(|&c| present[c]).collect();
                    if cats.len() < 2 {
                        continue;
                    }
                    // A uniform non-empty proper subset: each category left with
                    // probability 1/2, drawn again while all or none went left.
                    let mut left = vec![false; labels.len()];
                    loop {
                        let mut count = 0;
                        for &c in &cats {
                            left[c] = rng.next_u64() & 1 == 1;
                            count += usize::from(left[c]);
                        }
                        if count > 0 && count < cats.len() {
                            break;
                        }
                    }
                    RandomRule::Left(left)
                }
            };
            tried += 1;
            let (mut nl, mut kl) = (0, 0);
            for &r in &rows {
                if goes_left(data, d, &rule, r) {
                    nl += 1;
                    kl += usize::from(y[r]);
                }
            }
            if nl < min_leaf || n - nl < min_leaf {
                continue;
            }
            let gain = parent - weighted_gini(nl, kl) - weighted_gini(n - nl, k - kl);
            if best.as_ref().is_none_or(|b| gain > b.0) {
                best = Some((gain, d, rule));
            }
        }
        if let Some((gain, d, rule)) = best {
            imp[d] += gain.max(0.0);
            let (l, r): (Vec<usize>, Vec<usize>) =
                rows.iter().partition(|&&c| goes_left(data, d, &rule, c));
            stack.push(r);
            stack.push(l);
        }
    }
    imp
}

fn goes_left(data: &Dataset, d: usize, rule: &RandomRule, case: usize) -> bool {
    match (rule, &data.dims()[d].column) {
        (RandomRule::Cut(t), Column::Numeric(v)) => v[case] <= *t,
        (RandomRule::Left(left), Column::Categorical { codes, .. }) => left[codes[case] as usize],
        _ => unreachable!("a rule fits its dimension"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::discovery::Dimension;

    fn planted(n: usize) -> Dataset {
        let mut rng = KeyedRng::new(42, 0);
        let cols: Vec<Vec<f64>> = (0..5)
            .map(|_| (0..n).map(|_| rng.unit()).collect())
            .collect();
        let codes: Vec<u32> = (0..n).map(|_| rng.below(3) as u32).collect();
        let y = (0..n)
            .map(|i| ((0.3..=0.7).contains(&cols[0][i]) && cols[1][i] >= 0.5) ^ (rng.unit() < 0.05))
            .collect();
        let mut dims: Vec<Dimension> = cols
            .into_iter()
            .enumerate()
            .map(|(j, c)| Dimension::numeric(format!("x{j}"), c))
            .collect();
        dims.push(Dimension::categorical(
            "rule",
            ["a", "b", "c"].map(String::from).to_vec(),
            codes,
        ));
        Dataset::new(dims, y).unwrap()
    }

    #[test]
    fn scores_rank_the_planted_dimensions_first() {
        let data = planted(2000);
        let scores = feature_scores(
            &data,
            &ScoreOptions {
                trees: 50,
                ..ScoreOptions::default()
            },
        )
        .unwrap();
        let top: Vec<usize> = scores.iter().take(2).map(|s| s.dim).collect();
        assert!(top.contains(&0) && top.contains(&1), "{scores:?}");
        assert!(scores[1].score > 2.0 * scores[2].score, "{scores:?}");
        assert!((scores.iter().map(|s| s.score).sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn scores_depend_on_the_seed_only_not_on_the_thread_count() {
        let data = planted(600);
        let opts = ScoreOptions {
            trees: 20,
            seed: 7,
            ..ScoreOptions::default()
        };
        let run = |threads: usize| {
            crate::sim::thread_pool(Some(threads))
                .unwrap()
                .install(|| feature_scores(&data, &opts).unwrap())
        };
        let one = run(1);
        assert_eq!(one, run(4));
        let other = feature_scores(&data, &ScoreOptions { seed: 8, ..opts }).unwrap();
        assert_ne!(one, other);
    }

    #[test]
    fn scores_are_zero_when_nothing_can_be_split() {
        let data = Dataset::new(
            vec![Dimension::numeric("c", vec![2.0; 30])],
            (0..30).map(|i| i % 3 == 0).collect(),
        )
        .unwrap();
        let scores = feature_scores(&data, &ScoreOptions::default()).unwrap();
        assert_eq!(scores[0].score, 0.0);
        assert!(
            feature_scores(
                &data,
                &ScoreOptions {
                    trees: 0,
                    ..ScoreOptions::default()
                }
            )
            .is_err()
        );
    }
}
