//! Paired policy comparisons: the effect of a policy scenario against a base scenario, step
//! by step, sector by sector and metric by metric, with intervals across replicates; and the
//! fiscal side (discounted spending, cost per gain).
//!
//! Under common random numbers replicate r of both scenarios draws the same random numbers
//! (same seed, same replicate; docs/model.md §6), so the two runs differ only through the policy.
//! The effect is then estimated from the paired differences `d_r = y_P,r - y_B,r`:
//!
//! ```text
//! effect   = d̄ = mean_r d_r
//! se       = s_d / √n                     (s_d the sample standard deviation of d_r)
//! lo, hi   = d̄ ∓ t_{n-1, (1+level)/2} se  (Student t)
//! relative = d̄ / ȳ_B
//! variance_reduction = (s_B² + s_P²) / s_d²
//! ```
//!
//! `variance_reduction` is the variance of the difference of two independent means over the
//! variance of the paired difference: how many times more replicates an unpaired comparison
//! would need for the same precision. Without common random numbers (the two inputs have
//! different seeds), the comparison is unpaired: `se = √(s_B²/n_B + s_P²/n_P)` with
//! Welch's degrees of freedom, and no variance reduction.

use crate::math;
use crate::metrics::{MetricsRow, Model2Metrics, RegionRow, RowSector};
use crate::output::table::Table;
use crate::scenario::Scenario;

/// Metrics compared: every metric column of `trajectories.csv` before model 2's block, then
/// the derived ones.
pub fn metric_names() -> Vec<&'static str> {
    metric_names_with(false)
}

/// The metrics compared: those of [`metric_names`], then, with `model2`, model 2's column
/// block (docs/model.md M2.10). Model 2's come last, so every other metric keeps its index.
pub fn metric_names_with(model2: bool) -> Vec<&'static str> {
    let mut names = MetricsRow::METRIC_COLUMNS.to_vec();
    names.push(TFP_GROWTH);
    if model2 {
        names.extend(Model2Metrics::COLUMNS);
    }
    names
}

/// The metrics of a region compared: every number column of `regions.csv`, then
/// `tfp_growth` (of the region's `tfp`).
pub fn region_metric_names() -> Vec<&'static str> {
    let mut names = RegionRow::METRIC_COLUMNS.to_vec();
    names.push(TFP_GROWTH);
    names
}

/// The metrics that `base` and `policy` are compared on: those the two share, from the first
/// (model 2's block too when both have it, a feature on in both).
pub fn compared_metrics(base: &Outcomes, policy: &Outcomes) -> Vec<&'static str> {
    base.metrics
        .iter()
        .zip(&policy.metrics)
        .take_while(|(b, p)| b == p)
        .map(|(b, _)| *b)
        .collect()
}

/// Derived metric: mean annual TFP growth since step 0, percent per year,
/// `100 (tfp_t - tfp_0) / t` (= `100 ln(tfp_index_t) / t`; NA at step 0).
pub const TFP_GROWTH: &str = "tfp_growth";

/// What the rows of [`Outcomes`] are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    /// The sectors in scenario order, then `all` (`trajectories.csv`).
    Sectors,
    /// The regions in scenario order (model 2's `regions.csv`).
    Regions,
}

impl RowKind {
    /// The column that names a row: `sector` or `region`.
    pub fn column(self) -> &'static str {
        match self {
            RowKind::Sectors => "sector",
            RowKind::Regions => "region",
        }
    }
}

/// The metric values of every replicate of one scenario, laid out for pairing:
/// replicate, step, row (the sectors in scenario order, then `all`; or the regions), metric.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcomes {
    /// Scenario name.
    pub scenario: String,
    /// Whether the rows are sectors or regions.
    pub kind: RowKind,
    /// The rows' names and tiers (sectors, `all` last; a region's tier is empty).
    pub rows: Vec<(String, String)>,
    /// Steps after step 0.
    pub steps: u32,
    /// Calendar year of step 0.
    pub start_year: i32,
    /// Replicate numbers, ascending.
    pub replicates: Vec<u32>,
    /// The seed of each replicate.
    pub seeds: Vec<u64>,
    /// The metrics of each row, in the order of its values: [`metric_names_with`] for
    /// sectors (with model 2's block where the run wrote it), [`region_metric_names`] for
    /// regions.
    pub metrics: Vec<&'static str>,
    /// Values (NaN for NA), indexed by [`Outcomes::index`].
    values: Vec<f64>,
}

impl Outcomes {
    /// From the rows of a run: (replicate, step, sector then `all`) order, as
    /// [`crate::sim::run`] returns them.
    pub fn from_rows(scenario: &Scenario, rows: &[MetricsRow]) -> Result<Outcomes, String> {
        let mut names: Vec<(String, String)> = scenario
            .sectors
            .iter()
            .map(|s| (s.name.clone(), s.tier.as_str().to_string()))
            .collect();
        names.push(("all".into(), "all".into()));
        let model2 = scenario.features.any();
        let mut out = Outcomes::empty(scenario, RowKind::Sectors, names, metric_names_with(model2));
        let per_replicate = out.rows_per_replicate();
        if rows.is_empty() || !rows.len().is_multiple_of(per_replicate) {
            return Err(format!(
                "{} rows do not make whole replicates of {per_replicate} rows",
                rows.len()
            ));
        }
        out.values.reserve(rows.len() * out.metrics.len());
        for replicate in rows.chunks(per_replicate) {
            out.replicates.push(replicate[0].replicate);
            out.seeds.push(replicate[0].seed);
            for (i, row) in replicate.iter().enumerate() {
                let expected_row = i % out.rows.len();
                let expected_sector = if expected_row + 1 == out.rows.len() {
                    RowSector::All
                } else {
                    RowSector::Sector(expected_row)
                };
                if row.sector != expected_sector || row.replicate != replicate[0].replicate {
                    return Err("rows are not in (replicate, step, sector) order".into());
                }
                out.values.extend(
                    row.metric_values()
                        .iter()
                        .map(|v| v.as_f64().unwrap_or(f64::NAN)),
                );
                out.values.push(f64::NAN); // tfp_growth, filled below
                if model2 {
                    out.values.extend(
                        row.model2
                            .values()
                            .iter()
                            .map(|v| v.as_f64().unwrap_or(f64::NAN)),
                    );
                }
            }
        }
        out.derive();
        Ok(out)
    }

    /// From the region rows of a run of `scenario` (model 2's regions on): (replicate, step,
    /// region) order, as [`crate::sim::run`] returns them. The replicates' seeds are
    /// `seeds`, in order (those of the run's sector rows).
    pub fn regions_from_rows(
        scenario: &Scenario,
        rows: &[RegionRow],
        seeds: &[u64],
    ) -> Result<Outcomes, String> {
        let names = scenario
            .regions
            .iter()
            .map(|r| (r.name.clone(), String::new()))
            .collect();
        let mut out = Outcomes::empty(scenario, RowKind::Regions, names, region_metric_names());
        let per_replicate = out.rows_per_replicate();
        if rows.is_empty() || rows.len() != per_replicate * seeds.len() {
            return Err(format!(
                "{} region rows do not make {} replicates of {per_replicate} rows",
                rows.len(),
                seeds.len()
            ));
        }
        out.values.reserve(rows.len() * out.metrics.len());
        for (replicate, &seed) in rows.chunks(per_replicate).zip(seeds) {
            out.replicates.push(replicate[0].replicate);
            out.seeds.push(seed);
            for (i, row) in replicate.iter().enumerate() {
                if row.region != i % out.rows.len() || row.replicate != replicate[0].replicate {
                    return Err("region rows are not in (replicate, step, region) order".into());
                }
                out.values
                    .extend(row.metric_values().map(|v| v.unwrap_or(f64::NAN)));
                out.values.push(f64::NAN); // tfp_growth, filled below
            }
        }
        out.derive();
        Ok(out)
    }

    /// No replicate yet.
    fn empty(
        scenario: &Scenario,
        kind: RowKind,
        rows: Vec<(String, String)>,
        metrics: Vec<&'static str>,
    ) -> Outcomes {
        Outcomes {
            scenario: scenario.name.clone(),
            kind,
            rows,
            steps: scenario.run.steps,
            start_year: scenario.run.start_year,
            replicates: Vec::new(),
            seeds: Vec::new(),
            metrics,
            values: Vec::new(),
        }
    }

    /// From a `trajectories.csv` (of a run, or of a sweep with `point` the point to take).
    pub fn from_table(table: &Table, point: Option<u32>) -> Result<Outcomes, crate::Error> {
        // Model 2's block, if the run wrote it (a feature on).
        let model2 = table
            .columns()
            .iter()
            .any(|c| c == Model2Metrics::COLUMNS[0]);
        Outcomes::read(table, point, RowKind::Sectors, metric_names_with(model2))
    }

    /// From a `regions.csv` (of a run, or of a sweep with `point` the point to take).
    pub fn regions_from_table(table: &Table, point: Option<u32>) -> Result<Outcomes, crate::Error> {
        Outcomes::read(table, point, RowKind::Regions, region_metric_names())
    }

    /// The rows of `table` (of `point`, or all), `kind` rows with the columns of `metrics`
    /// (`tfp_growth` derived).
    fn read(
        table: &Table,
        point: Option<u32>,
        kind: RowKind,
        metrics: Vec<&'static str>,
    ) -> Result<Outcomes, crate::Error> {
        let bad = |reason: String| crate::Error::Results {
            path: table.path().to_path_buf(),
            reason,
        };
        let c_scenario = table.column("scenario")?;
        let c_point = table.column("point")?;
        let c_replicate = table.column("replicate")?;
        let c_seed = table.column("seed")?;
        let c_step = table.column("step")?;
        let c_year = table.column("year")?;
        let c_name = table.column(kind.column())?;
        let c_tier = match kind {
            RowKind::Sectors => Some(table.column("tier")?),
            RowKind::Regions => None,
        };
        // the column of each metric; `None` for the derived one
        let metric_columns = metrics
            .iter()
            .map(|m| match *m {
                TFP_GROWTH => Ok(None),
                m => table.column(m).map(Some),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let integer = |r: usize, c: usize| -> Result<u64, crate::Error> {
            table.text(r, c).parse().map_err(|_| {
                bad(format!(
                    "line {}, column `{}`: `{}` is not a whole number",
                    r + 2,
                    table.columns()[c],
                    table.text(r, c)
                ))
            })
        };
        let selected: Vec<usize> = match point {
            None => (0..table.len()).collect(),
            Some(p) => {
                let mut rows = Vec::new();
                for r in 0..table.len() {
                    if integer(r, c_point)? == u64::from(p) {
                        rows.push(r);
                    }
                }
                rows
            }
        };
        let Some(&first) = selected.first() else {
            return Err(bad(match point {
                Some(p) => format!("has no rows of point {p}"),
                None => "has no rows".into(),
            }));
        };
        // The layout: the rows of the first replicate's step 0 (for sectors, up to `all`).
        let first_replicate = integer(first, c_replicate)?;
        let mut rows = Vec::new();
        for &r in &selected {
            if integer(r, c_step)? != 0
                || integer(r, c_replicate)? != first_replicate
                || rows
                    .last()
                    .is_some_and(|(s, _): &(String, String)| kind == RowKind::Sectors && s == "all")
            {
                break;
            }
            rows.push((
                table.text(r, c_name).to_string(),
                c_tier.map_or(String::new(), |c| table.text(r, c).to_string()),
            ));
        }
        if kind == RowKind::Sectors && rows.last().is_none_or(|(s, _)| s != "all") {
            return Err(bad(
                "the first replicate's step 0 does not end with an `all` row".into(),
            ));
        }
        let mut out = Outcomes {
            scenario: table.text(first, c_scenario).to_string(),
            kind,
            rows,
            steps: 0,
            start_year: integer(first, c_year)? as i32,
            replicates: Vec::new(),
            seeds: Vec::new(),
            values: Vec::with_capacity(selected.len() * metrics.len()),
            metrics,
        };
        let per_step = out.rows.len();
        let steps = selected
            .iter()
            .map(|&r| integer(r, c_step))
            .try_fold(0, |m, s| s.map(|s| m.max(s)))?;
        out.steps = steps as u32;
        let per_replicate = out.rows_per_replicate();
        if !selected.len().is_multiple_of(per_replicate) {
            return Err(bad(format!(
                "{} rows{} do not make whole replicates of {} steps x {per_step} rows: an \
                 unfinished or interrupted run?",
                selected.len(),
                point.map_or(String::new(), |p| format!(" of point {p}")),
                steps + 1
            )));
        }
        for (k, &r) in selected.iter().enumerate() {
            let (step, row) = ((k % per_replicate) / per_step, k % per_step);
            if k % per_replicate == 0 {
                out.replicates.push(integer(r, c_replicate)? as u32);
                out.seeds.push(integer(r, c_seed)?);
            }
            let replicate = *out.replicates.last().expect("pushed above");
            if integer(r, c_step)? != step as u64
                || table.text(r, c_name) != out.rows[row].0
                || integer(r, c_replicate)? != u64::from(replicate)
            {
                return Err(bad(format!(
                    "line {}: expected replicate {replicate}, step {step}, {} `{}`: rows \
                     are not in the order nqpsim writes them",
                    r + 2,
                    kind.column(),
                    out.rows[row].0
                )));
            }
            for &c in &metric_columns {
                out.values.push(match c {
                    Some(c) => table.number(r, c)?.unwrap_or(f64::NAN),
                    None => f64::NAN, // derived below
                });
            }
        }
        out.derive();
        Ok(out)
    }

    /// Fills the derived metric, `tfp_growth` from `tfp`.
    fn derive(&mut self) {
        let position = |name: &str| {
            self.metrics
                .iter()
                .position(|m| *m == name)
                .expect("every kind of row has tfp and tfp_growth")
        };
        let (tfp, growth) = (position("tfp"), position(TFP_GROWTH));
        for i in 0..self.replicates.len() {
            for step in 1..=self.steps as usize {
                for row in 0..self.rows.len() {
                    let start = self.values[self.index(i, 0, row, tfp)];
                    let now = self.values[self.index(i, step, row, tfp)];
                    let k = self.index(i, step, row, growth);
                    self.values[k] = 100.0 * (now - start) / step as f64;
                }
            }
        }
    }

    /// Rows of one replicate: every row at every step.
    fn rows_per_replicate(&self) -> usize {
        (self.steps as usize + 1) * self.rows.len()
    }

    fn index(&self, replicate: usize, step: usize, row: usize, metric: usize) -> usize {
        ((replicate * (self.steps as usize + 1) + step) * self.rows.len() + row)
            * self.metrics.len()
            + metric
    }

    /// The value of `metric` (index into [`Outcomes::metrics`]) for the i-th replicate (NaN:
    /// NA).
    pub fn value(&self, replicate: usize, step: usize, row: usize, metric: usize) -> f64 {
        self.values[self.index(replicate, step, row, metric)]
    }

    /// Keeps only the replicates numbered in `keep`, in their order here.
    pub fn keep_replicates(&mut self, keep: &[u32]) {
        let per_replicate = self.rows_per_replicate() * self.metrics.len();
        let mut values = Vec::with_capacity(keep.len() * per_replicate);
        let (mut replicates, mut seeds) = (Vec::new(), Vec::new());
        for (i, (&r, &seed)) in self.replicates.iter().zip(&self.seeds).enumerate() {
            if keep.contains(&r) {
                replicates.push(r);
                seeds.push(seed);
                values.extend_from_slice(&self.values[i * per_replicate..(i + 1) * per_replicate]);
            }
        }
        (self.replicates, self.seeds, self.values) = (replicates, seeds, values);
    }

    /// The index of the `all` row (of sectors).
    pub fn all_row(&self) -> usize {
        self.rows.len() - 1
    }
}

/// The index of metric `name` in [`metric_names`].
pub fn metric_index(name: &str) -> Option<usize> {
    metric_names().iter().position(|m| *m == name)
}

/// Whether two inputs can be compared, and how.
#[derive(Clone, Debug, PartialEq)]
pub struct Pairing {
    /// Replicates paired by number with equal seeds: common random numbers.
    pub paired: bool,
    /// For each replicate of the base, its position in the policy (paired only).
    policy_position: Vec<usize>,
}

impl Pairing {
    /// The position in the policy of the base's i-th replicate (paired only).
    pub fn policy_position(&self, i: usize) -> usize {
        self.policy_position[i]
    }
}

/// Checks that `base` and `policy` have the same sectors and steps, and pairs replicates by
/// number when every replicate of the base is in the policy with the same seed.
pub fn pair(base: &Outcomes, policy: &Outcomes) -> Result<Pairing, String> {
    if base.rows != policy.rows {
        let names = |o: &Outcomes| {
            o.rows
                .iter()
                .map(|(s, _)| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let rows = base.kind.column();
        return Err(format!(
            "the two have different {rows}s ({} vs {}): only scenarios with the same {rows}s \
             can be compared",
            names(base),
            names(policy)
        ));
    }
    if base.steps != policy.steps {
        return Err(format!(
            "`{}` has {} steps but `{}` has {}: run both for the same number of steps",
            base.scenario, base.steps, policy.scenario, policy.steps
        ));
    }
    let mut positions = Vec::with_capacity(base.replicates.len());
    for (r, seed) in base.replicates.iter().zip(&base.seeds) {
        match policy.replicates.iter().position(|p| p == r) {
            Some(k) if policy.seeds[k] == *seed => positions.push(k),
            _ => {
                return Ok(Pairing {
                    paired: false,
                    policy_position: Vec::new(),
                });
            }
        }
    }
    let paired = positions.len() == policy.replicates.len();
    Ok(Pairing {
        paired,
        policy_position: if paired { positions } else { Vec::new() },
    })
}

/// One row of `effects.csv` (or of `region_effects.csv`).
#[derive(Clone, Debug, PartialEq)]
pub struct EffectRow {
    /// Step.
    pub step: u32,
    /// Calendar year.
    pub year: i32,
    /// Row index into [`Outcomes::rows`].
    pub row: usize,
    /// Index into [`compared_metrics`].
    pub metric: usize,
    /// The effect with its interval, over the replicates (pairs) with both values defined.
    pub difference: Difference,
    /// effect / base_mean.
    pub relative: Option<f64>,
}

impl EffectRow {
    /// Columns of `effects.csv`.
    pub const COLUMNS: [&'static str; 14] = [
        "step",
        "year",
        "sector",
        "tier",
        "metric",
        "n",
        "base_mean",
        "policy_mean",
        "effect",
        "se",
        "lo",
        "hi",
        "relative",
        "variance_reduction",
    ];

    /// The columns of the file of effects on `kind` rows: [`EffectRow::COLUMNS`], and for
    /// regions (`region_effects.csv`) the same with `region` for `sector` and no `tier`.
    pub fn columns(kind: RowKind) -> Vec<&'static str> {
        Self::COLUMNS
            .iter()
            .filter_map(|&c| match c {
                "tier" if kind == RowKind::Regions => None,
                "sector" => Some(kind.column()),
                _ => Some(c),
            })
            .collect()
    }
}

/// Mean and sample variance (n - 1) of `x`; variance `None` below two values.
fn mean_var(x: &[f64]) -> (Option<f64>, Option<f64>) {
    if x.is_empty() {
        return (None, None);
    }
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    (Some(mean), crate::stats::sample_variance(x, mean))
}

/// The effect of every metric ([`compared_metrics`]) of every row at every step, in (step,
/// row, metric) order. `level` is the interval's coverage (e.g. 0.95).
pub fn effects(
    base: &Outcomes,
    policy: &Outcomes,
    pairing: &Pairing,
    level: f64,
) -> Vec<EffectRow> {
    let metrics = compared_metrics(base, policy).len();
    let mut out = Vec::with_capacity((base.steps as usize + 1) * base.rows.len() * metrics);
    let (mut b, mut p, mut d) = (Vec::new(), Vec::new(), Vec::new());
    for step in 0..=base.steps as usize {
        for row in 0..base.rows.len() {
            for metric in 0..metrics {
                b.clear();
                p.clear();
                d.clear();
                if pairing.paired {
                    for (i, &k) in pairing.policy_position.iter().enumerate() {
                        let (yb, yp) = (
                            base.value(i, step, row, metric),
                            policy.value(k, step, row, metric),
                        );
                        if yb.is_finite() && yp.is_finite() {
                            b.push(yb);
                            p.push(yp);
                            d.push(yp - yb);
                        }
                    }
                } else {
                    let finite = |o: &Outcomes, v: &mut Vec<f64>| {
                        for i in 0..o.replicates.len() {
                            let y = o.value(i, step, row, metric);
                            if y.is_finite() {
                                v.push(y);
                            }
                        }
                    };
                    finite(base, &mut b);
                    finite(policy, &mut p);
                }
                out.push(effect_row(
                    base,
                    step,
                    row,
                    metric,
                    &b,
                    &p,
                    &d,
                    pairing.paired,
                    level,
                ));
            }
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn effect_row(
    base: &Outcomes,
    step: usize,
    row: usize,
    metric: usize,
    b: &[f64],
    p: &[f64],
    d: &[f64],
    paired: bool,
    level: f64,
) -> EffectRow {
    let diff = if paired {
        Difference::paired(b, p, d, level)
    } else {
        Difference::unpaired(b, p, level)
    };
    EffectRow {
        step: step as u32,
        year: base.start_year + step as i32,
        row,
        metric,
        relative: match (diff.effect, diff.base_mean) {
            (Some(e), Some(m)) if m != 0.0 => Some(e / m),
            _ => None,
        },
        difference: diff,
    }
}

/// The difference of a quantity between policy and base over replicates, with its interval.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Difference {
    /// Replicates used (pairs, or the smaller group if unpaired).
    pub n: usize,
    /// Mean of the base's values.
    pub base_mean: Option<f64>,
    /// Mean of the policy's values.
    pub policy_mean: Option<f64>,
    /// policy - base: the mean paired difference, or the difference of the means.
    pub effect: Option<f64>,
    /// Standard error of the effect.
    pub se: Option<f64>,
    /// Lower end of the Student t interval.
    pub lo: Option<f64>,
    /// Upper end.
    pub hi: Option<f64>,
    /// (s_B² + s_P²) / s_d² (paired only).
    pub variance_reduction: Option<f64>,
}

impl Difference {
    /// From paired values `b[r]`, `p[r]` and their differences `d[r] = p[r] - b[r]`.
    pub fn paired(b: &[f64], p: &[f64], d: &[f64], level: f64) -> Difference {
        let (base_mean, var_b) = mean_var(b);
        let (policy_mean, var_p) = mean_var(p);
        let (effect, var_d) = mean_var(d);
        let se = var_d.map(|v| (v / d.len() as f64).sqrt());
        let variance_reduction = match (var_b, var_p, var_d) {
            (Some(vb), Some(vp), Some(vd)) if vd > 0.0 => Some((vb + vp) / vd),
            _ => None,
        };
        Difference {
            n: d.len(),
            base_mean,
            policy_mean,
            effect,
            se,
            variance_reduction,
            ..Difference::default()
        }
        .with_interval(d.len() as f64 - 1.0, level)
    }

    /// From independent groups `b` and `p` (Welch).
    pub fn unpaired(b: &[f64], p: &[f64], level: f64) -> Difference {
        let (base_mean, var_b) = mean_var(b);
        let (policy_mean, var_p) = mean_var(p);
        let (se, df) = match (var_b, var_p) {
            (Some(vb), Some(vp)) => {
                let (qb, qp) = (vb / b.len() as f64, vp / p.len() as f64);
                let se2 = qb + qp;
                // Welch-Satterthwaite degrees of freedom
                let df = se2 * se2
                    / (qb * qb / (b.len() as f64 - 1.0) + qp * qp / (p.len() as f64 - 1.0));
                (Some(se2.sqrt()), if df.is_finite() { df } else { 0.0 })
            }
            _ => (None, 0.0),
        };
        Difference {
            n: b.len().min(p.len()),
            base_mean,
            policy_mean,
            effect: policy_mean.zip(base_mean).map(|(p, b)| p - b),
            se,
            ..Difference::default()
        }
        .with_interval(df, level)
    }

    /// Sets `lo` and `hi` from the effect, its standard error and `df` degrees of freedom.
    fn with_interval(mut self, df: f64, level: f64) -> Difference {
        if let (Some(e), Some(se)) = (self.effect, self.se)
            && df >= 1.0
        {
            let half = se * math::student_t_quantile(0.5 * (1.0 + level), df);
            self.lo = Some(e - half);
            self.hi = Some(e + half);
        }
        self
    }
}

/// The (row, metric) pairs whose step-0 values differ between the two inputs in some
/// replicate: a lever set from step 0 moved the calibrated initial state (docs/model.md §4).
/// Empty for an unpaired comparison, whose initial states differ by chance.
pub fn step0_differences(
    base: &Outcomes,
    policy: &Outcomes,
    pairing: &Pairing,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for row in 0..base.rows.len() {
        for metric in 0..MetricsRow::METRIC_COLUMNS.len() {
            let differs = pairing.policy_position.iter().enumerate().any(|(i, &k)| {
                let (x, y) = (
                    base.value(i, 0, row, metric),
                    policy.value(k, 0, row, metric),
                );
                x.to_bits() != y.to_bits()
            });
            if differs {
                out.push((row, metric));
            }
        }
    }
    out
}

/// Why two scenarios may start from different step-0 states: what differs between them that
/// shapes the initial state. Each list holds `path: base vs policy` texts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Step0Causes {
    /// Run settings (`run.firms`, `run.seed`, ...): two different economies, or draws.
    pub run: Vec<String>,
    /// Levers in force at step 0 (`policy.carbon_price`): the calibration is made under them.
    pub levers: Vec<String>,
    /// Parameters, sectors, matrices and transition rules.
    pub parameters: Vec<String>,
}

impl Step0Causes {
    /// Whether nothing that shapes step 0 differs.
    pub fn is_empty(&self) -> bool {
        self.run.is_empty() && self.levers.is_empty() && self.parameters.is_empty()
    }
}

/// What differs between `base` and `policy` that can move their step-0 rows
/// (docs/model.md §2, §4): run settings (but replicates, which do not change a replicate's
/// draws), the levers in force at step 0, and everything else but the schedule after step 0.
pub fn step0_causes(base: &Scenario, policy: &Scenario) -> Step0Causes {
    let table = |s: &Scenario| -> toml::Table {
        let mut raw = s.to_raw();
        raw.name = None;
        raw.description = None;
        raw.policy = Some(s.levers_to_raw(&s.policy.at(0)));
        if let Some(run) = &mut raw.run {
            run.replicates = None;
        }
        toml::from_str(&toml::to_string(&raw).expect("a raw scenario serialises"))
            .expect("and reads back")
    };
    let mut differences = Vec::new();
    diff(
        "",
        &toml::Value::Table(table(base)),
        &toml::Value::Table(table(policy)),
        &mut differences,
    );
    let mut causes = Step0Causes::default();
    for (path, text) in differences {
        let list = if path.starts_with("run.") {
            &mut causes.run
        } else if path.starts_with("policy") {
            &mut causes.levers
        } else {
            &mut causes.parameters
        };
        list.push(text);
    }
    causes
}

/// The leaf paths at which `a` and `b` differ, with `path: a vs b` texts.
fn diff(path: &str, a: &toml::Value, b: &toml::Value, out: &mut Vec<(String, String)>) {
    let child = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match (a, b) {
        (toml::Value::Table(x), toml::Value::Table(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => diff(&child(k), v, w, out),
                    None => out.push((child(k), format!("{}: {} vs none", child(k), shown(v)))),
                }
            }
            for (k, w) in y {
                if !x.contains_key(k) {
                    out.push((child(k), format!("{}: none vs {}", child(k), shown(w))));
                }
            }
        }
        (toml::Value::Array(x), toml::Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                diff(&format!("{path}[{i}]"), v, w, out);
            }
        }
        _ if a == b => {}
        _ => out.push((
            path.to_string(),
            format!("{path}: {} vs {}", shown(a), shown(b)),
        )),
    }
}

/// A value as a cause names it: its TOML, cut at [`SHOWN_CHARS`] characters (a whole table
/// of regions present on one side only would fill the screen).
fn shown(value: &toml::Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= SHOWN_CHARS {
        return text;
    }
    let cut: String = text.chars().take(SHOWN_CHARS - 3).collect();
    format!("{cut}...")
}

/// The most characters of a value a cause shows.
const SHOWN_CHARS: usize = 60;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn the_causes_of_a_step0_difference_are_named_by_kind() {
        let base = Scenario::baseline().with_firms(2000);
        let text = "extends = \"builtin:baseline\"\n[policy]\ncarbon_price = 0.05\n\
                    [[policy.schedule]]\nfrom_step = 1\nset = { talent = 1 }\n\
                    [sectors.future]\ntfp_mean = 0.9\n";
        let policy = crate::scenario::load_str("p", text, std::path::Path::new("."), &[])
            .unwrap()
            .with_firms(10_000)
            .with_replicates(3);
        let causes = step0_causes(&base, &policy);
        assert_eq!(causes.run, ["run.firms: 2000 vs 10000"]);
        assert_eq!(causes.levers, ["policy.carbon_price: 0.02 vs 0.05"]);
        assert_eq!(causes.parameters, ["sectors.future.tfp_mean: 0.05 vs 0.9"]);
        assert!(step0_causes(&base, &base).is_empty());
        // a table on one side only is named, not printed whole
        let regional = crate::scenario::load(
            std::path::Path::new(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/scenarios/regional-layout.toml"
            )),
            &[],
        )
        .unwrap();
        let mut national = regional.clone();
        national.features.regions = false;
        national.regions.clear();
        let causes = step0_causes(&regional, &national);
        let regions = causes
            .parameters
            .iter()
            .find(|c| c.starts_with("regions: "))
            .expect("the regions differ");
        assert!(
            regions.ends_with("... vs none") && regions.len() < 90,
            "{regions}"
        );
    }

    #[test]
    fn paired_t_intervals_cover_the_true_effect_95_percent_of_the_time() {
        // 4000 experiments of 5 pairs: y_B = u + e_B, y_P = u + 0.3 + e_P with a shared
        // component u (common random numbers). The interval holds 0.3 in 95 % of them (the
        // standard error of the share is 0.0034); a normal critical value would give 87.8 %.
        let mut stream = Stream::new(42);
        let mut normal = || math::normal_quantile(stream.uniform().max(1e-300));
        let (experiments, n) = (4000, 5);
        let mut covered = 0;
        let mut reduction = 0.0;
        for _ in 0..experiments {
            let (mut b, mut p, mut d) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..n {
                let u = 3.0 * normal();
                let (yb, yp) = (u + 0.5 * normal(), u + 0.3 + 0.5 * normal());
                b.push(yb);
                p.push(yp);
                d.push(yp - yb);
            }
            let diff = Difference::paired(&b, &p, &d, 0.95);
            if diff.lo.unwrap() <= 0.3 && 0.3 <= diff.hi.unwrap() {
                covered += 1;
            }
            reduction += diff.variance_reduction.unwrap() / experiments as f64;
        }
        let share = covered as f64 / experiments as f64;
        assert!((share - 0.95).abs() < 0.012, "coverage {share}");
        // (9.25 + 9.25) / 0.5 = 37 on average (the ratio of sample variances is biased
        // upwards a little by the division; it must be far above 1)
        assert!(reduction > 25.0, "{reduction}");
    }

    #[test]
    fn welch_intervals_cover_the_true_difference_of_unequal_groups() {
        let mut stream = Stream::new(7);
        let mut normal = || math::normal_quantile(stream.uniform().max(1e-300));
        let mut covered = 0;
        for _ in 0..4000 {
            let b: Vec<f64> = (0..4).map(|_| normal()).collect();
            let p: Vec<f64> = (0..9).map(|_| 1.0 + 3.0 * normal()).collect();
            let diff = Difference::unpaired(&b, &p, 0.95);
            if diff.lo.unwrap() <= 1.0 && 1.0 <= diff.hi.unwrap() {
                covered += 1;
            }
            assert_eq!(diff.variance_reduction, None);
        }
        let share = covered as f64 / 4000.0;
        assert!((share - 0.95).abs() < 0.015, "coverage {share}");
    }

    #[test]
    fn one_replicate_has_an_effect_but_no_interval() {
        let diff = Difference::paired(&[1.0], &[1.5], &[0.5], 0.95);
        assert_eq!(diff.effect, Some(0.5));
        assert_eq!((diff.se, diff.lo, diff.hi), (None, None, None));
    }
}
