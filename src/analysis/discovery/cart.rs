//! CART: a classification tree whose leaves of majority `true` are boxes (Breiman et al.
//! 1984; EMA Workbench's `cart.py` wraps scikit-learn's `DecisionTreeClassifier` the same
//! way, with `min_samples_leaf = mass_min * n`).
//!
//! Each node takes the split of largest decrease in Gini impurity (weighted by cases) over
//! every dimension: for a numeric one, every cut halfway between consecutive distinct
//! values; for a categorical one, the best subset of its categories, found exactly by
//! ordering the categories by their share of cases of interest and trying each prefix (for
//! two classes this ordering contains the optimal subset; Breiman et al. 1984, §4.2.2).
//! Ties go to the first dimension and the lowest cut. A node becomes a leaf at
//! [`CartOptions::max_depth`], when it is pure, when it has fewer than twice the minimum
//! leaf size, or when no split leaves both sides that many cases. Sibling leaves of the same
//! majority class are then merged ([`CartOptions::merge_same_class`]).
//!
//! # Own code, not `linfa-trees`
//! `linfa-trees` 0.8 is well kept, but it takes numeric features only (a targeting rule
//! would have to be one-hot encoded, and its leaves would then not be category sets), it
//! would bring `linfa`, `ndarray` and an older `rand` into a crate that has none of them,
//! and its tree would still have to be walked into boxes. The tree here is about 200 lines
//! with both kinds of input and boxes built in.

use super::DiscoveryError;
use super::data::{BoxStats, Column, Dataset, Limits, Restriction};

/// The parameters of the tree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CartOptions {
    /// The smallest leaf, as a share of all cases (at least one case), in (0, 0.5].
    /// Default 0.05, as EMA Workbench.
    pub min_leaf_mass: f64,
    /// The deepest a leaf may be (the root is depth 0). Default 10.
    pub max_depth: usize,
    /// Whether to merge two sibling leaves of the same majority class into their parent,
    /// bottom-up. Gini keeps splitting inside a region of interest (a split that makes one
    /// side purer lowers impurity even if both sides stay mostly `true`), which cuts one
    /// box into several; merging changes no prediction. Default `true`; scikit-learn (and so
    /// EMA Workbench) does not merge.
    pub merge_same_class: bool,
}

impl Default for CartOptions {
    fn default() -> Self {
        CartOptions {
            min_leaf_mass: 0.05,
            max_depth: 10,
            merge_same_class: true,
        }
    }
}

impl CartOptions {
    /// Checks the options are in range.
    pub fn validate(&self) -> Result<(), DiscoveryError> {
        if !(self.min_leaf_mass > 0.0 && self.min_leaf_mass <= 0.5) {
            return Err(DiscoveryError::InvalidOption {
                name: "min_leaf_mass",
                value: self.min_leaf_mass,
                expected: "in (0, 0.5]",
            });
        }
        Ok(())
    }
}

/// How a node sends a case to its left child.
#[derive(Debug, Clone, PartialEq)]
pub enum SplitRule {
    /// Left if the value is at most this cut, right if above.
    Threshold(f64),
    /// Left if the category is marked `true` (by code); right otherwise, including
    /// categories the node's cases do not have.
    Categories(Vec<bool>),
}

/// A node of the tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A leaf.
    Leaf {
        /// Cases in the leaf.
        n: usize,
        /// Cases of interest in the leaf.
        k: usize,
    },
    /// An inner node.
    Split {
        /// The dimension split on.
        dim: usize,
        /// The rule.
        rule: SplitRule,
        /// The index of the left child in [`Cart::nodes`].
        left: usize,
        /// The index of the right child.
        right: usize,
        /// Cases in the node.
        n: usize,
        /// Cases of interest in the node.
        k: usize,
    },
}

/// A leaf as a box.
#[derive(Debug, Clone, PartialEq)]
pub struct CartBox {
    /// The index of the leaf in [`Cart::nodes`].
    pub node: usize,
    /// The box: the conditions on the path from the root.
    pub limits: Limits,
    /// Its coverage, density and mass.
    pub stats: BoxStats,
}

/// A fitted tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Cart {
    /// The nodes; the root is 0.
    pub nodes: Vec<Node>,
    /// Every leaf, in depth-first order (left before right).
    pub leaves: Vec<CartBox>,
}

impl Cart {
    /// The leaves whose majority (more than half) are cases of interest: the boxes of
    /// scenario discovery, in depth-first order.
    pub fn boxes(&self) -> Vec<&CartBox> {
        self.leaves
            .iter()
            .filter(|b| 2 * b.stats.k > b.stats.n)
            .collect()
    }
}

/// `n` times the Gini impurity of `k` cases of interest among `n`: `2 k (n - k) / n`.
fn weighted_gini(n: usize, k: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        2.0 * k as f64 * (n - k) as f64 / n as f64
    }
}

/// The best split of `rows`: (impurity decrease, dimension, rule).
fn best_split(data: &Dataset, rows: &[usize], min_leaf: usize) -> Option<(f64, usize, SplitRule)> {
    let y = data.y();
    let n = rows.len();
    let k = rows.iter().filter(|&&r| y[r]).count();
    let parent = weighted_gini(n, k);
    let mut best: Option<(f64, usize, SplitRule)> = None;
    let mut keep = |gain: f64, dim: usize, rule: SplitRule| {
        if gain > 1e-12 && best.as_ref().is_none_or(|b| gain > b.0) {
            best = Some((gain, dim, rule));
        }
    };
    for (d, dim) in data.dims().iter().enumerate() {
        match &dim.column {
            Column::Numeric(v) => {
                let mut pairs: Vec<(f64, bool)> = rows.iter().map(|&r| (v[r], y[r])).collect();
                pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
                let (mut nl, mut kl) = (0, 0);
                for i in 0..n - 1 {
                    nl += 1;
                    kl += usize::from(pairs[i].1);
                    let (a, b) = (pairs[i].0, pairs[i + 1].0);
                    if a == b || nl < min_leaf || n - nl < min_leaf {
                        continue;
                    }
                    let gain = parent - weighted_gini(nl, kl) - weighted_gini(n - nl, k - kl);
                    // Halfway, or the lower value where halfway rounds up to the upper (as
                    // scikit-learn).
                    let mid = (a + b) / 2.0;
                    keep(
                        gain,
                        d,
                        SplitRule::Threshold(if mid < b && mid.is_finite() { mid } else { a }),
                    );
                }
            }
            Column::Categorical { labels, codes } => {
                let mut counts = vec![(0usize, 0usize); labels.len()];
                for &r in rows {
                    let c = &mut counts[codes[r] as usize];
                    c.0 += 1;
                    c.1 += usize::from(y[r]);
                }
                let mut present: Vec<usize> =
                    (0..labels.len()).filter(|&c| counts[c].0 > 0).collect();
                // By share of cases of interest, k_a / n_a < k_b / n_b, compared exactly.
                present.sort_by(|&a, &b| {
                    (counts[a].1 * counts[b].0).cmp(&(counts[b].1 * counts[a].0))
                });
                let (mut nl, mut kl) = (0, 0);
                let mut left = vec![false; labels.len()];
                for &c in present.iter().take(present.len().saturating_sub(1)) {
                    nl += counts[c].0;
                    kl += counts[c].1;
                    left[c] = true;
                    if nl < min_leaf || n - nl < min_leaf {
                        continue;
                    }
                    let gain = parent - weighted_gini(nl, kl) - weighted_gini(n - nl, k - kl);
                    keep(gain, d, SplitRule::Categories(left.clone()));
                }
            }
        }
    }
    best
}

/// Whether `case` goes left under `rule` on dimension `dim`.
fn goes_left(data: &Dataset, dim: usize, rule: &SplitRule, case: usize) -> bool {
    match (rule, &data.dims()[dim].column) {
        (SplitRule::Threshold(t), Column::Numeric(v)) => v[case] <= *t,
        (SplitRule::Categories(left), Column::Categorical { codes, .. }) => {
            left[codes[case] as usize]
        }
        _ => unreachable!("a rule fits its dimension"),
    }
}

/// The box of a child: `limits` narrowed by `rule` on `dim`, to the left or right side.
fn narrow(limits: &Limits, dim: usize, rule: &SplitRule, left: bool) -> Limits {
    let mut out = limits.clone();
    let r = match (limits.get(dim), rule) {
        (&Restriction::Interval { lo, hi }, &SplitRule::Threshold(t)) => {
            if left {
                Restriction::Interval { lo, hi: hi.min(t) }
            } else {
                // "Above t" as an inclusive limit: the next float up.
                Restriction::Interval {
                    lo: lo.max(t.next_up()),
                    hi,
                }
            }
        }
        (Restriction::Categories(allowed), SplitRule::Categories(side)) => Restriction::Categories(
            allowed
                .iter()
                .zip(side)
                .map(|(&a, &s)| a && (s == left))
                .collect(),
        ),
        _ => unreachable!("a rule fits its dimension"),
    };
    out.set(dim, r);
    out
}

/// Fits a classification tree to all cases of `data`.
pub fn cart(data: &Dataset, opts: &CartOptions) -> Result<Cart, DiscoveryError> {
    opts.validate()?;
    let n_total = data.n_cases();
    let min_leaf = ((opts.min_leaf_mass * n_total as f64) as usize).max(1);
    let y = data.y();
    let mut grown = vec![Node::Leaf { n: 0, k: 0 }];
    // (node index, rows, depth); children get higher indices than their parent.
    let mut stack = vec![(0usize, (0..n_total).collect::<Vec<usize>>(), 0usize)];
    while let Some((id, rows, depth)) = stack.pop() {
        let n = rows.len();
        let k = rows.iter().filter(|&&r| y[r]).count();
        let split = if depth < opts.max_depth && k > 0 && k < n && n >= 2 * min_leaf {
            best_split(data, &rows, min_leaf)
        } else {
            None
        };
        grown[id] = match split {
            None => Node::Leaf { n, k },
            Some((_, dim, rule)) => {
                let (l, r): (Vec<usize>, Vec<usize>) =
                    rows.iter().partition(|&&c| goes_left(data, dim, &rule, c));
                let (left, right) = (grown.len(), grown.len() + 1);
                grown.push(Node::Leaf { n: 0, k: 0 });
                grown.push(Node::Leaf { n: 0, k: 0 });
                stack.push((right, r, depth + 1));
                stack.push((left, l, depth + 1));
                Node::Split {
                    dim,
                    rule,
                    left,
                    right,
                    n,
                    k,
                }
            }
        };
    }
    if opts.merge_same_class {
        let majority = |node: &Node| match *node {
            Node::Leaf { n, k } => Some(2 * k > n),
            Node::Split { .. } => None,
        };
        for id in (0..grown.len()).rev() {
            if let Node::Split {
                left, right, n, k, ..
            } = grown[id]
            {
                let (a, b) = (majority(&grown[left]), majority(&grown[right]));
                if a.is_some() && a == b {
                    grown[id] = Node::Leaf { n, k };
                }
            }
        }
    }
    let mut cart = Cart {
        nodes: Vec::new(),
        leaves: Vec::new(),
    };
    copy_subtree(data, &grown, 0, Limits::unrestricted(data), &mut cart);
    Ok(cart)
}

/// Copies the subtree of `grown[old]` into `out` in depth-first order (dropping nodes that
/// merging cut off) and records its leaves as boxes; returns the new index.
fn copy_subtree(
    data: &Dataset,
    grown: &[Node],
    old: usize,
    limits: Limits,
    out: &mut Cart,
) -> usize {
    let id = out.nodes.len();
    out.nodes.push(grown[old].clone());
    match &grown[old] {
        &Node::Leaf { n, k } => {
            let stats = BoxStats::new(n, k, data.n_cases(), data.n_interest());
            out.leaves.push(CartBox {
                node: id,
                limits,
                stats,
            });
        }
        Node::Split {
            dim,
            rule,
            left,
            right,
            ..
        } => {
            let l = copy_subtree(data, grown, *left, narrow(&limits, *dim, rule, true), out);
            let r = copy_subtree(data, grown, *right, narrow(&limits, *dim, rule, false), out);
            if let Node::Split { left, right, .. } = &mut out.nodes[id] {
                (*left, *right) = (l, r);
            }
        }
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::discovery::Dimension;
    use crate::analysis::discovery::rng::KeyedRng;

    fn planted(n: usize, seed: u64) -> Dataset {
        let mut rng = KeyedRng::new(seed, 0);
        let cols: Vec<Vec<f64>> = (0..5)
            .map(|_| (0..n).map(|_| rng.unit()).collect())
            .collect();
        let y = (0..n)
            .map(|i| ((0.3..=0.7).contains(&cols[0][i]) && cols[1][i] >= 0.5) ^ (rng.unit() < 0.05))
            .collect();
        let dims = cols
            .into_iter()
            .enumerate()
            .map(|(j, c)| Dimension::numeric(format!("x{j}"), c))
            .collect();
        Dataset::new(dims, y).unwrap()
    }

    #[test]
    fn cart_recovers_the_planted_box() {
        let data = planted(2000, 42);
        let tree = cart(&data, &CartOptions::default()).unwrap();
        let boxes = tree.boxes();
        assert_eq!(boxes.len(), 1, "merging leaves the planted box whole");
        let best = boxes
            .iter()
            .max_by(|a, b| a.stats.coverage.total_cmp(&b.stats.coverage))
            .unwrap();
        assert_eq!(
            best.limits.restricted_dims(),
            vec![0, 1],
            "{:?}",
            best.limits.describe(&data)
        );
        let Restriction::Interval { lo, hi } = *best.limits.get(0) else {
            panic!()
        };
        assert!(
            (lo - 0.3).abs() <= 0.05 && (hi - 0.7).abs() <= 0.05,
            "x0 in [{lo}, {hi}]"
        );
        let Restriction::Interval { lo, hi } = *best.limits.get(1) else {
            panic!()
        };
        assert!(
            (lo - 0.5).abs() <= 0.05 && hi == f64::INFINITY,
            "x1 in [{lo}, {hi}]"
        );
        assert!(
            best.stats.density > 0.85 && best.stats.coverage > 0.8,
            "{:?}",
            best.stats
        );
        // The leaves partition the cases, and each leaf's box holds exactly its cases.
        assert_eq!(tree.leaves.iter().map(|l| l.stats.n).sum::<usize>(), 2000);
        for leaf in &tree.leaves {
            assert_eq!(BoxStats::of(&leaf.limits, &data), leaf.stats);
        }
    }

    #[test]
    fn cart_splits_categories_into_sets() {
        let n = 1200;
        let mut rng = KeyedRng::new(3, 0);
        let x: Vec<f64> = (0..n).map(|_| rng.unit()).collect();
        let codes: Vec<u32> = (0..n).map(|_| rng.below(4) as u32).collect();
        let y = (0..n)
            .map(|i| x[i] > 0.5 && (codes[i] == 1 || codes[i] == 3))
            .collect();
        let labels = ["a", "b", "c", "d"].map(String::from).to_vec();
        let data = Dataset::new(
            vec![
                Dimension::numeric("x", x),
                Dimension::categorical("rule", labels, codes),
            ],
            y,
        )
        .unwrap();
        let tree = cart(&data, &CartOptions::default()).unwrap();
        let boxes = tree.boxes();
        assert_eq!(boxes.len(), 1, "{boxes:?}");
        assert_eq!(
            boxes[0].limits.get(1),
            &Restriction::Categories(vec![false, true, false, true])
        );
        assert_eq!(
            (boxes[0].stats.coverage, boxes[0].stats.density),
            (1.0, 1.0)
        );
    }

    #[test]
    fn cart_handles_degenerate_data() {
        let data = Dataset::new(
            vec![Dimension::numeric("c", vec![1.0; 50])],
            (0..50).map(|i| i % 2 == 0).collect(),
        )
        .unwrap();
        let tree = cart(&data, &CartOptions::default()).unwrap();
        assert_eq!(tree.nodes.len(), 1, "a constant dimension cannot be split");
        let all = Dataset::new(
            vec![Dimension::numeric("x", (0..50).map(f64::from).collect())],
            vec![true; 50],
        )
        .unwrap();
        let tree = cart(&all, &CartOptions::default()).unwrap();
        assert_eq!(tree.boxes().len(), 1);
        assert!(tree.boxes()[0].limits.restricted_dims().is_empty());
        let none = Dataset::new(
            vec![Dimension::numeric("x", (0..50).map(f64::from).collect())],
            vec![false; 50],
        )
        .unwrap();
        assert!(
            cart(&none, &CartOptions::default())
                .unwrap()
                .boxes()
                .is_empty()
        );
        assert!(
            cart(
                &none,
                &CartOptions {
                    min_leaf_mass: 0.0,
                    ..CartOptions::default()
                }
            )
            .is_err()
        );
    }
}
