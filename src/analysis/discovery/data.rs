//! The input of scenario discovery: a table of cases ([`Dataset`]) and boxes in its input
//! space ([`Limits`]).

use super::DiscoveryError;

/// The values of one input dimension, one per case.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// A numeric input (a swept lever, a sampled parameter). Every value must be finite.
    Numeric(Vec<f64>),
    /// A categorical input (e.g. a targeting rule): case `i` has category `labels[codes[i]]`.
    Categorical {
        /// The category names; a code indexes into this list.
        labels: Vec<String>,
        /// One code per case, each below `labels.len()`.
        codes: Vec<u32>,
    },
}

impl Column {
    /// A categorical column from one string per case. The labels are the distinct values,
    /// sorted, so the codes do not depend on the order of the cases.
    pub fn categorical_from_values<S: AsRef<str>>(values: &[S]) -> Column {
        let mut labels: Vec<String> = values.iter().map(|v| v.as_ref().to_owned()).collect();
        labels.sort();
        labels.dedup();
        let codes = values
            .iter()
            .map(|v| {
                labels
                    .binary_search_by(|l| l.as_str().cmp(v.as_ref()))
                    .unwrap() as u32
            })
            .collect();
        Column::Categorical { labels, codes }
    }

    /// The number of cases in the column.
    pub fn len(&self) -> usize {
        match self {
            Column::Numeric(v) => v.len(),
            Column::Categorical { codes, .. } => codes.len(),
        }
    }

    /// Whether the column has no case.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One named input dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct Dimension {
    /// The name shown in reports (a sweep axis, a parameter path).
    pub name: String,
    /// The values.
    pub column: Column,
}

impl Dimension {
    /// A numeric dimension.
    pub fn numeric(name: impl Into<String>, values: Vec<f64>) -> Dimension {
        Dimension {
            name: name.into(),
            column: Column::Numeric(values),
        }
    }

    /// A categorical dimension from labels and one code per case.
    pub fn categorical(name: impl Into<String>, labels: Vec<String>, codes: Vec<u32>) -> Dimension {
        Dimension {
            name: name.into(),
            column: Column::Categorical { labels, codes },
        }
    }
}

/// `n` cases by `p` input dimensions, and for each case whether it is a case of interest.
///
/// Built by [`Dataset::new`], which validates it; its fields are read-only afterwards.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    dims: Vec<Dimension>,
    y: Vec<bool>,
    /// Per numeric dimension the smallest and largest value (`None` for categorical ones).
    ranges: Vec<Option<(f64, f64)>>,
}

impl Dataset {
    /// Validates and builds a data set: at least one case and one dimension, every column
    /// as long as `y`, every number finite, every code below its number of labels, and
    /// distinct dimension names.
    pub fn new(dims: Vec<Dimension>, y: Vec<bool>) -> Result<Dataset, DiscoveryError> {
        if y.is_empty() {
            return Err(DiscoveryError::NoCases);
        }
        if dims.is_empty() {
            return Err(DiscoveryError::NoDimensions);
        }
        let mut ranges = Vec::with_capacity(dims.len());
        for (d, dim) in dims.iter().enumerate() {
            if dims[..d].iter().any(|o| o.name == dim.name) {
                return Err(DiscoveryError::DuplicateName {
                    name: dim.name.clone(),
                });
            }
            if dim.column.len() != y.len() {
                return Err(DiscoveryError::LengthMismatch {
                    name: dim.name.clone(),
                    len: dim.column.len(),
                    cases: y.len(),
                });
            }
            match &dim.column {
                Column::Numeric(values) => {
                    let mut lo = f64::INFINITY;
                    let mut hi = f64::NEG_INFINITY;
                    for (case, &v) in values.iter().enumerate() {
                        if !v.is_finite() {
                            return Err(DiscoveryError::NotFinite {
                                name: dim.name.clone(),
                                case,
                                value: v,
                            });
                        }
                        lo = lo.min(v);
                        hi = hi.max(v);
                    }
                    ranges.push(Some((lo, hi)));
                }
                Column::Categorical { labels, codes } => {
                    if let Some((case, &code)) = codes
                        .iter()
                        .enumerate()
                        .find(|&(_, &c)| c as usize >= labels.len())
                    {
                        return Err(DiscoveryError::BadCode {
                            name: dim.name.clone(),
                            case,
                            code,
                            labels: labels.len(),
                        });
                    }
                    ranges.push(None);
                }
            }
        }
        Ok(Dataset { dims, y, ranges })
    }

    /// The number of cases `n`.
    pub fn n_cases(&self) -> usize {
        self.y.len()
    }

    /// The number of input dimensions `p`.
    pub fn n_dims(&self) -> usize {
        self.dims.len()
    }

    /// The dimensions, in the order given.
    pub fn dims(&self) -> &[Dimension] {
        &self.dims
    }

    /// Whether each case is a case of interest.
    pub fn y(&self) -> &[bool] {
        &self.y
    }

    /// The number of cases of interest.
    pub fn n_interest(&self) -> usize {
        self.y.iter().filter(|&&b| b).count()
    }

    /// The index of the dimension with this name.
    pub fn dim_index(&self, name: &str) -> Option<usize> {
        self.dims.iter().position(|d| d.name == name)
    }

    /// The smallest and largest value of numeric dimension `d` (`None` if categorical).
    pub fn range(&self, d: usize) -> Option<(f64, f64)> {
        self.ranges[d]
    }

    /// A data set of the given cases, in the given order, repeats allowed (a bootstrap
    /// resample). Panics if `rows` is empty or holds an index out of range.
    pub fn select(&self, rows: &[usize]) -> Dataset {
        let dims = self
            .dims
            .iter()
            .map(|dim| Dimension {
                name: dim.name.clone(),
                column: match &dim.column {
                    Column::Numeric(v) => Column::Numeric(rows.iter().map(|&r| v[r]).collect()),
                    Column::Categorical { labels, codes } => Column::Categorical {
                        labels: labels.clone(),
                        codes: rows.iter().map(|&r| codes[r]).collect(),
                    },
                },
            })
            .collect();
        let y = rows.iter().map(|&r| self.y[r]).collect();
        Dataset::new(dims, y).expect("a selection of a valid data set is valid")
    }
}

/// The restriction of a box on one dimension.
#[derive(Debug, Clone, PartialEq)]
pub enum Restriction {
    /// `lo <= x <= hi`; an unrestricted side is `-inf` or `+inf`.
    Interval {
        /// The lower limit, `-inf` if none.
        lo: f64,
        /// The upper limit, `+inf` if none.
        hi: f64,
    },
    /// The allowed categories: `allowed[code]`.
    Categories(Vec<bool>),
}

impl Restriction {
    /// Whether this restricts anything: a finite side, or a category left out.
    pub fn is_restricted(&self) -> bool {
        match self {
            Restriction::Interval { lo, hi } => lo.is_finite() || hi.is_finite(),
            Restriction::Categories(allowed) => allowed.iter().any(|&a| !a),
        }
    }
}

/// A box: one [`Restriction`] per dimension of a [`Dataset`].
///
/// Unrestricted sides are infinite (not the data's minimum and maximum, as in EMA
/// Workbench), so a box found on one sample applies unchanged to another, e.g. a bootstrap
/// resample's box to the original cases.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    dims: Vec<Restriction>,
}

impl Limits {
    /// The box that restricts nothing: every case of `data` is inside.
    pub fn unrestricted(data: &Dataset) -> Limits {
        let dims = data
            .dims()
            .iter()
            .map(|dim| match &dim.column {
                Column::Numeric(_) => Restriction::Interval {
                    lo: f64::NEG_INFINITY,
                    hi: f64::INFINITY,
                },
                Column::Categorical { labels, .. } => {
                    Restriction::Categories(vec![true; labels.len()])
                }
            })
            .collect();
        Limits { dims }
    }

    /// A box from one restriction per dimension; `None` if the kinds or the numbers of
    /// categories do not match `data`, or if an interval is empty or NaN.
    pub fn from_restrictions(data: &Dataset, dims: Vec<Restriction>) -> Option<Limits> {
        if dims.len() != data.n_dims() {
            return None;
        }
        for (r, dim) in dims.iter().zip(data.dims()) {
            match (r, &dim.column) {
                (Restriction::Interval { lo, hi }, Column::Numeric(_)) if lo <= hi => {}
                (Restriction::Categories(a), Column::Categorical { labels, .. })
                    if a.len() == labels.len() => {}
                _ => return None,
            }
        }
        Some(Limits { dims })
    }

    /// The restriction on dimension `d`.
    pub fn get(&self, d: usize) -> &Restriction {
        &self.dims[d]
    }

    /// All restrictions, one per dimension.
    pub fn restrictions(&self) -> &[Restriction] {
        &self.dims
    }

    pub(crate) fn set(&mut self, d: usize, r: Restriction) {
        self.dims[d] = r;
    }

    /// Whether case `case` of `data` lies inside the box (limits inclusive).
    pub fn contains(&self, data: &Dataset, case: usize) -> bool {
        (0..self.dims.len()).all(|d| self.contains_on(data, case, d))
    }

    /// Whether case `case` satisfies the restriction on dimension `d`.
    pub fn contains_on(&self, data: &Dataset, case: usize, d: usize) -> bool {
        match (&self.dims[d], &data.dims()[d].column) {
            (Restriction::Interval { lo, hi }, Column::Numeric(v)) => {
                *lo <= v[case] && v[case] <= *hi
            }
            (Restriction::Categories(allowed), Column::Categorical { codes, .. }) => {
                allowed[codes[case] as usize]
            }
            _ => panic!("limits do not fit the data set"),
        }
    }

    /// The dimensions this box restricts, ascending.
    pub fn restricted_dims(&self) -> Vec<usize> {
        (0..self.dims.len())
            .filter(|&d| self.dims[d].is_restricted())
            .collect()
    }

    /// The number of restricted dimensions.
    pub fn n_restricted(&self) -> usize {
        self.dims.iter().filter(|r| r.is_restricted()).count()
    }

    /// The cases among `rows` that lie inside the box, in the order of `rows`.
    pub fn cases_in(&self, data: &Dataset, rows: &[usize]) -> Vec<usize> {
        let restricted = self.restricted_dims();
        rows.iter()
            .copied()
            .filter(|&r| restricted.iter().all(|&d| self.contains_on(data, r, d)))
            .collect()
    }

    /// Each restricted dimension as `(name, description)`, e.g. `("x0", "0.2 ≤ x ≤ 0.6")`,
    /// `("rule", "{a, b}")`.
    pub fn describe(&self, data: &Dataset) -> Vec<(String, String)> {
        self.restricted_dims()
            .into_iter()
            .map(|d| {
                let dim = &data.dims()[d];
                let text = match (&self.dims[d], &dim.column) {
                    (Restriction::Interval { lo, hi }, _) => match (lo.is_finite(), hi.is_finite())
                    {
                        (true, true) => format!("{lo} ≤ x ≤ {hi}"),
                        (true, false) => format!("x ≥ {lo}"),
                        _ => format!("x ≤ {hi}"),
                    },
                    (Restriction::Categories(allowed), Column::Categorical { labels, .. }) => {
                        let kept: Vec<&str> = labels
                            .iter()
                            .zip(allowed)
                            .filter(|(_, a)| **a)
                            .map(|(l, _)| l.as_str())
                            .collect();
                        format!("{{{}}}", kept.join(", "))
                    }
                    _ => unreachable!("limits fit the data set"),
                };
                (dim.name.clone(), text)
            })
            .collect()
    }
}

/// Coverage, density and mass of a set of cases inside a box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoxStats {
    /// Cases inside the box.
    pub n: usize,
    /// Cases of interest inside the box.
    pub k: usize,
    /// `k` over all cases of interest of the data set (0 when it has none).
    pub coverage: f64,
    /// `k / n`: the share of cases of interest inside (0 for an empty box).
    pub density: f64,
    /// `n` over all cases of the data set.
    pub mass: f64,
}

impl BoxStats {
    /// The statistics of `n` cases, `k` of interest, out of `n_total` cases of which
    /// `k_total` are of interest.
    pub fn new(n: usize, k: usize, n_total: usize, k_total: usize) -> BoxStats {
        BoxStats {
            n,
            k,
            coverage: if k_total == 0 {
                0.0
            } else {
                k as f64 / k_total as f64
            },
            density: if n == 0 { 0.0 } else { k as f64 / n as f64 },
            mass: n as f64 / n_total as f64,
        }
    }

    /// The statistics of a box on all cases of `data`.
    pub fn of(limits: &Limits, data: &Dataset) -> BoxStats {
        let all: Vec<usize> = (0..data.n_cases()).collect();
        let inside = limits.cases_in(data, &all);
        let k = inside.iter().filter(|&&r| data.y()[r]).count();
        BoxStats::new(inside.len(), k, data.n_cases(), data.n_interest())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_data_set_is_accepted_and_reports_its_shape() {
        let ds = Dataset::new(
            vec![
                Dimension::numeric("a", vec![0.0, 1.0, 2.0]),
                Dimension {
                    name: "rule".into(),
                    column: Column::categorical_from_values(&["z", "x", "z"]),
                },
            ],
            vec![true, false, true],
        )
        .unwrap();
        assert_eq!((ds.n_cases(), ds.n_dims(), ds.n_interest()), (3, 2, 2));
        assert_eq!(ds.range(0), Some((0.0, 2.0)));
        assert_eq!(ds.range(1), None);
        match &ds.dims()[1].column {
            Column::Categorical { labels, codes } => {
                assert_eq!(labels, &["x", "z"]);
                assert_eq!(codes, &[1, 0, 1]);
            }
            _ => panic!(),
        }
    }

    #[test]
    fn invalid_data_sets_are_rejected_with_a_message_naming_the_problem() {
        let err = Dataset::new(vec![Dimension::numeric("a", vec![])], vec![]).unwrap_err();
        assert!(matches!(err, DiscoveryError::NoCases));
        let err = Dataset::new(vec![], vec![true]).unwrap_err();
        assert!(matches!(err, DiscoveryError::NoDimensions));
        let err =
            Dataset::new(vec![Dimension::numeric("a", vec![1.0])], vec![true, false]).unwrap_err();
        assert!(
            err.to_string()
                .contains("`a` has 1 values but there are 2 cases"),
            "{err}"
        );
        let err = Dataset::new(
            vec![Dimension::numeric("a", vec![1.0, f64::NAN])],
            vec![true, false],
        )
        .unwrap_err();
        assert!(err.to_string().contains("case 1"), "{err}");
        let err = Dataset::new(
            vec![Dimension::categorical("r", vec!["x".into()], vec![0, 3])],
            vec![true, false],
        )
        .unwrap_err();
        assert!(err.to_string().contains("code 3"), "{err}");
        let err = Dataset::new(
            vec![
                Dimension::numeric("a", vec![1.0]),
                Dimension::numeric("a", vec![1.0]),
            ],
            vec![true],
        )
        .unwrap_err();
        assert!(matches!(err, DiscoveryError::DuplicateName { .. }));
    }

    #[test]
    fn limits_contain_cases_and_name_their_restricted_dims() {
        let ds = Dataset::new(
            vec![
                Dimension::numeric("a", vec![0.0, 0.5, 1.0]),
                Dimension::categorical("r", vec!["x".into(), "y".into()], vec![0, 1, 0]),
            ],
            vec![true, false, true],
        )
        .unwrap();
        let mut b = Limits::unrestricted(&ds);
        assert!(b.restricted_dims().is_empty());
        assert!((0..3).all(|c| b.contains(&ds, c)));
        b.set(
            0,
            Restriction::Interval {
                lo: 0.25,
                hi: f64::INFINITY,
            },
        );
        b.set(1, Restriction::Categories(vec![true, false]));
        assert_eq!(b.restricted_dims(), vec![0, 1]);
        assert_eq!(b.cases_in(&ds, &[0, 1, 2]), vec![2]);
        let stats = BoxStats::of(&b, &ds);
        assert_eq!((stats.n, stats.k), (1, 1));
        assert_eq!(stats.coverage, 0.5);
        assert_eq!(
            b.describe(&ds),
            vec![
                ("a".to_string(), "x ≥ 0.25".to_string()),
                ("r".to_string(), "{x}".to_string())
            ]
        );
    }
}
