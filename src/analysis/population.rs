//! The stylized facts of a simulated firm population, measured on its firm-year panel the way
//! they are measured on real firm data, per tier and for all firms, with the empirical
//! reference each is compared with (`nqpsim facts`).
//!
//! Each fact is measured once per replicate ([`measure`]) and summarised over replicates
//! with a bootstrap interval ([`summarise`]). Growth rates, persistence and the frontier are
//! measured within sectors: a firm's growth is the change of its log output from one step to
//! the next while it stays in its sector, less the mean of its sector and step (the common
//! demand shock), as in Bottazzi and Secchi (2006).

use serde::{Deserialize, Serialize};

use super::facts::{self, Summary};
use crate::model::params::Tier;
use crate::panel::PanelRow;
use crate::scenario::Scenario;
use crate::stats::mean;

/// Share of the largest firms whose sizes the Hill estimator uses (Axtell 2001 fits the whole
/// distribution; the top 5 % is the usual tail window).
pub const HILL_TAIL_SHARE: f64 = 0.05;
/// Bins of firm size for the size-variance relation (Stanley et al. 1996 use a few per
/// decade).
pub const SIZE_BINS: usize = 20;
/// Share of a sector's most productive firms that forms its frontier (Andrews, Criscuolo and
/// Gal 2016: the top 5 %).
pub const FRONTIER_SHARE: f64 = 0.05;
/// A sector needs this many firms at a step for its 90/10 ratio and its frontier to count.
pub const MIN_SECTOR_FIRMS: usize = 20;
/// Most growth rates the Subbotin fit uses per replicate and group (taken at a fixed stride):
/// each fit takes some 200 passes over its data, and at this size the shape's standard
/// error is about 0.01.
pub const SUBBOTIN_MAX_VALUES: usize = 20_000;
/// Bootstrap draws and interval level of the summaries over replicates.
pub const BOOTSTRAP_DRAWS: usize = 2000;
/// Level of the bootstrap intervals.
pub const INTERVAL_LEVEL: f64 = 0.9;

/// The facts, in report order: key, what it is, its unit.
pub const FACTS: [(&str, &str); 9] = [
    (
        "size_tail",
        "Pareto tail exponent of firm employment relative to its sector's mean, at the last step (Hill, top 5 %)",
    ),
    (
        "size_tail_output",
        "Pareto tail exponent of firm output relative to its sector's mean, at the last step (Hill, top 5 %)",
    ),
    (
        "growth_shape",
        "Subbotin shape b of annual log output growth, demeaned and scaled by sector and year (1 = Laplace, 2 = Gaussian)",
    ),
    (
        "size_variance",
        "beta in sd(growth) ~ size^-beta (size = output relative to its sector's mean at the start of the year)",
    ),
    (
        "tfp_90_10",
        "within-sector 90/10 ratio of TFP levels, exp(q90 - q10) of ln A, at the last step",
    ),
    (
        "tfp_persistence",
        "AR(1) coefficient of ln A (within sector and year), firms staying in their sector",
    ),
    (
        "entry_rate",
        "firms born in a year (entrants and spawned) over the firms at its start",
    ),
    (
        "exit_rate",
        "firms that exit in a year over the firms at its start",
    ),
    (
        "frontier_gap",
        "annual growth of mean ln A of the top 5 % of a sector minus that of the rest",
    ),
];

/// The groups a fact is measured for: each tier, then all firms.
pub const GROUPS: [&str; 4] = ["traditional", "emerging", "future", "all"];

/// Positions of the facts in [`FACTS`] and [`ReplicateFacts::values`].
mod fact {
    pub const SIZE_TAIL: usize = 0;
    pub const SIZE_TAIL_OUTPUT: usize = 1;
    pub const GROWTH_SHAPE: usize = 2;
    pub const SIZE_VARIANCE: usize = 3;
    pub const TFP_90_10: usize = 4;
    pub const TFP_PERSISTENCE: usize = 5;
    pub const ENTRY_RATE: usize = 6;
    pub const EXIT_RATE: usize = 7;
    pub const FRONTIER_GAP: usize = 8;
}

/// The facts of one replicate: `values[fact][group]`, NaN where a fact cannot be measured
/// (too few firms).
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicateFacts {
    /// The values.
    pub values: [[f64; 4]; FACTS.len()],
}

fn group_of(tier: Tier) -> usize {
    match tier {
        Tier::Traditional => 0,
        Tier::Emerging => 1,
        Tier::Future => 2,
    }
}

/// Measures the facts of one replicate from its panel rows (every firm: `--panel all`),
/// ordered by step, then id.
// `values` is indexed [fact][group]; the loops over groups fill several facts at once.
#[allow(clippy::needless_range_loop)]
pub fn measure(scenario: &Scenario, rows: &[PanelRow]) -> ReplicateFacts {
    let ns = scenario.sectors.len();
    let tier = |j: u16| group_of(scenario.sectors[j as usize].tier);
    let last = scenario.run.steps;
    // the rows of each step
    let mut steps: Vec<&[PanelRow]> = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        let step = rows[start].step;
        let end = start + rows[start..].partition_point(|r| r.step == step);
        steps.push(&rows[start..end]);
        start = end;
    }
    let mut values = [[f64::NAN; 4]; FACTS.len()];
    let groups = 4;

    // Size tails at the last step: employment (Axtell's measure) and output, each relative to
    // the mean of the firm's sector, so that sectors of different scales pool.
    if let Some(rows) = steps
        .iter()
        .find(|s| s.first().is_some_and(|r| r.step == last))
    {
        let employment_mean = sector_means(rows, ns, |r| r.employment);
        let output_mean = sector_means(rows, ns, |r| r.output);
        for g in 0..groups {
            let in_group = |r: &&PanelRow| g == 3 || tier(r.sector) == g;
            let relative = |size: fn(&PanelRow) -> f64, means: &[f64]| -> Vec<f64> {
                rows.iter()
                    .filter(in_group)
                    .map(|r| size(r) / means[r.sector as usize])
                    .collect()
            };
            let hill = |sizes: Vec<f64>| facts::hill(&sizes, HILL_TAIL_SHARE).unwrap_or(f64::NAN);
            values[fact::SIZE_TAIL][g] = hill(relative(|r| r.employment, &employment_mean));
            values[fact::SIZE_TAIL_OUTPUT][g] = hill(relative(|r| r.output, &output_mean));
        }
        // 90/10 within sectors, averaged over the sectors of the group
        let mut ratios: Vec<(usize, f64)> = Vec::new();
        for j in 0..ns {
            let ln_a: Vec<f64> = rows
                .iter()
                .filter(|r| r.sector as usize == j)
                .map(|r| r.tfp)
                .collect();
            if ln_a.len() >= MIN_SECTOR_FIRMS
                && let Some(ratio) = facts::ratio_90_10(&ln_a)
            {
                ratios.push((tier(j as u16), ratio));
            }
        }
        for g in 0..groups {
            values[fact::TFP_90_10][g] = mean(
                ratios
                    .iter()
                    .filter(|(t, _)| g == 3 || *t == g)
                    .map(|x| x.1),
            );
        }
    }

    // Growth, persistence, entry, exit and the frontier: consecutive steps.
    let mut growth: Vec<Vec<f64>> = vec![Vec::new(); groups];
    let mut sizes: Vec<Vec<f64>> = vec![Vec::new(); groups];
    let mut pairs: Vec<Vec<(f64, f64)>> = vec![Vec::new(); groups];
    let mut born = [0u64; 4];
    let mut exits = [0u64; 4];
    let mut at_start = [0u64; 4];
    let mut gaps: Vec<Vec<f64>> = vec![Vec::new(); groups];
    for pair in steps.windows(2) {
        let (before, after) = (pair[0], pair[1]);
        // firms that stayed in their sector: (sector, Y and ln A before, Y and ln A after)
        let mut stayed: Vec<(u16, f64, f64, f64, f64)> = Vec::new();
        let mut k = 0;
        for b in before {
            let g = tier(b.sector);
            at_start[g] += 1;
            at_start[3] += 1;
            if b.exits == Some(true) {
                exits[g] += 1;
                exits[3] += 1;
            }
            while k < after.len() && after[k].id < b.id {
                k += 1;
            }
            if let Some(a) = after
                .get(k)
                .filter(|a| a.id == b.id && a.sector == b.sector)
            {
                stayed.push((b.sector, b.output, b.tfp, a.output, a.tfp));
            }
        }
        for a in after.iter().filter(|a| a.entered) {
            born[tier(a.sector)] += 1;
            born[3] += 1;
        }
        // Growth demeaned and scaled by sector and step (the common shock and the sector's
        // scale of growth), size relative to the sector's mean output at the start of the
        // year, ln A demeaned by sector and step.
        let start_mean = sector_means(before, ns, |r| r.output);
        let mut sums = vec![(0.0, 0.0, 0.0, 0.0); ns]; // growth, ln A before, ln A after, count
        for &(j, y0, a0, y1, a1) in &stayed {
            if y0 > 0.0 && y1 > 0.0 {
                let s = &mut sums[j as usize];
                s.0 += crate::math::ln(y1) - crate::math::ln(y0);
                s.1 += a0;
                s.2 += a1;
                s.3 += 1.0;
            }
        }
        let mut squares = vec![0.0; ns];
        for &(j, y0, _, y1, _) in &stayed {
            let s = sums[j as usize];
            if y0 > 0.0 && y1 > 0.0 {
                let g = crate::math::ln(y1) - crate::math::ln(y0) - s.0 / s.3;
                squares[j as usize] += g * g;
            }
        }
        for &(j, y0, a0, y1, a1) in &stayed {
            let s = sums[j as usize];
            let sd = (squares[j as usize] / s.3).sqrt();
            if y0 > 0.0 && y1 > 0.0 && s.3 > 1.0 && sd > 0.0 {
                let g = (crate::math::ln(y1) - crate::math::ln(y0) - s.0 / s.3) / sd;
                let (x0, x1) = (a0 - s.1 / s.3, a1 - s.2 / s.3);
                for group in [tier(j), 3] {
                    growth[group].push(g);
                    sizes[group].push(y0 / start_mean[j as usize]);
                    pairs[group].push((x0, x1));
                }
            }
        }
        // the frontier: mean ln A of the top share of each sector, against the rest
        for j in 0..ns {
            let (f0, r0) = frontier_and_rest(before, j);
            let (f1, r1) = frontier_and_rest(after, j);
            if let (Some(f0), Some(r0), Some(f1), Some(r1)) = (f0, r0, f1, r1) {
                let gap = (f1 - f0) - (r1 - r0);
                gaps[tier(j as u16)].push(gap);
                gaps[3].push(gap);
            }
        }
    }
    for g in 0..groups {
        let stride = growth[g].len().div_ceil(SUBBOTIN_MAX_VALUES).max(1);
        let sample: Vec<f64> = growth[g].iter().step_by(stride).copied().collect();
        values[fact::GROWTH_SHAPE][g] = facts::subbotin(&sample).map_or(f64::NAN, |s| s.b);
        values[fact::SIZE_VARIANCE][g] =
            facts::size_variance_slope(&sizes[g], &growth[g], SIZE_BINS).unwrap_or(f64::NAN);
        values[fact::TFP_PERSISTENCE][g] = facts::ar1(&pairs[g]).unwrap_or(f64::NAN);
        if at_start[g] > 0 {
            values[fact::ENTRY_RATE][g] = born[g] as f64 / at_start[g] as f64;
            values[fact::EXIT_RATE][g] = exits[g] as f64 / at_start[g] as f64;
        }
        values[fact::FRONTIER_GAP][g] = mean(gaps[g].iter().copied());
    }
    ReplicateFacts { values }
}

/// The mean of `size` over the firms of each sector in `rows` (NaN for a sector without firms).
fn sector_means(rows: &[PanelRow], sectors: usize, size: impl Fn(&PanelRow) -> f64) -> Vec<f64> {
    let mut sums = vec![(0.0, 0usize); sectors];
    for r in rows {
        let s = &mut sums[r.sector as usize];
        s.0 += size(r);
        s.1 += 1;
    }
    sums.into_iter()
        .map(|(sum, n)| if n > 0 { sum / n as f64 } else { f64::NAN })
        .collect()
}

/// Mean ln A of the top [`FRONTIER_SHARE`] of sector `j`'s firms and of the rest.
fn frontier_and_rest(rows: &[PanelRow], j: usize) -> (Option<f64>, Option<f64>) {
    let mut ln_a: Vec<f64> = rows
        .iter()
        .filter(|r| r.sector as usize == j)
        .map(|r| r.tfp)
        .collect();
    if ln_a.len() < MIN_SECTOR_FIRMS {
        return (None, None);
    }
    ln_a.sort_by(|a, b| b.total_cmp(a));
    let top = ((ln_a.len() as f64 * FRONTIER_SHARE).ceil() as usize).max(1);
    let finite = |x: f64| x.is_finite().then_some(x);
    (
        finite(mean(ln_a[..top].iter().copied())),
        finite(mean(ln_a[top..].iter().copied())),
    )
}

/// A band a fact should fall in, with its source (`scenarios/facts/facts.toml`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// The empirical value, as text (e.g. "about 1").
    pub reference: String,
    /// Lowest value accepted.
    pub low: f64,
    /// Highest value accepted.
    pub high: f64,
    /// Where the reference comes from.
    pub source: String,
    /// Whether a value outside the band fails `nqpsim facts --strict` (default true); false
    /// for a fact the model is known not to reproduce, which is reported, not checked.
    #[serde(default = "checked", skip_serializing_if = "is_checked")]
    pub strict: bool,
}

fn checked() -> bool {
    true
}

fn is_checked(strict: &bool) -> bool {
    *strict
}

/// The bands of every fact, by key.
pub type Bands = std::collections::BTreeMap<String, Band>;

/// The bands shipped with nqpsim (`scenarios/facts/facts.toml`).
pub const DEFAULT_BANDS: &str = include_str!("../../scenarios/facts/facts.toml");

/// One line of the facts table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FactRow {
    /// The fact's key.
    pub fact: &'static str,
    /// The group: a tier, or `all`.
    pub group: &'static str,
    /// Mean over replicates with its bootstrap interval (`None`: not measurable).
    pub summary: Option<Summary>,
    /// The band, if one is given for the fact.
    pub band: Option<Band>,
}

impl FactRow {
    /// Whether the measured mean lies in the band (`None` without a band or a value).
    pub fn within_band(&self) -> Option<bool> {
        let (s, b) = (self.summary?, self.band.as_ref()?);
        Some(s.mean >= b.low && s.mean <= b.high)
    }
}

/// The facts table: every fact for every group, summarised over the replicates' values.
/// Bands apply to the `all` group (the literature measures whole populations).
pub fn summarise(replicates: &[ReplicateFacts], bands: &Bands, seed: u64) -> Vec<FactRow> {
    let mut out = Vec::new();
    for (f, (key, _)) in FACTS.iter().enumerate() {
        for (g, group) in GROUPS.iter().enumerate() {
            let values: Vec<f64> = replicates.iter().map(|r| r.values[f][g]).collect();
            let summary = facts::over_replicates(
                &values,
                BOOTSTRAP_DRAWS,
                INTERVAL_LEVEL,
                crate::rng::combine(seed, (f * 4 + g) as u64),
            );
            out.push(FactRow {
                fact: key,
                group,
                summary,
                band: (*group == "all")
                    .then(|| bands.get(*key).cloned())
                    .flatten(),
            });
        }
    }
    out
}

/// Reads a bands file (TOML: a table per fact key with `reference`, `low`, `high`,
/// `source`); unknown facts are errors naming the allowed keys.
pub fn parse_bands(text: &str, origin: &str) -> Result<Bands, String> {
    let bands: Bands = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
    for key in bands.keys() {
        if !FACTS.iter().any(|(k, _)| k == key) {
            let keys: Vec<&str> = FACTS.iter().map(|f| f.0).collect();
            return Err(format!(
                "{origin}: unknown fact `{key}`; the facts are {}",
                keys.join(", ")
            ));
        }
    }
    for (key, band) in &bands {
        if !matches!(
            band.low.partial_cmp(&band.high),
            Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
        ) {
            return Err(format!(
                "{origin}: `{key}` has low {} above high {}",
                band.low, band.high
            ));
        }
    }
    Ok(bands)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u64, step: u32, sector: u16, output: f64, tfp: f64) -> PanelRow {
        PanelRow {
            id,
            replicate: 0,
            step,
            sector,
            a: tfp,
            tfp,
            digital: 0.0,
            green: 0.0,
            data: 0.0,
            share: 0.0,
            output,
            employment: 0.0,
            emissions: 0.0,
            entered: false,
            exits: Some(false),
            switched_from: None,
            spawned_from: None,
        }
    }

    #[test]
    fn entry_and_exit_rates_count_births_and_exits_over_the_firms_at_the_start() {
        let scenario = Scenario::baseline().with_steps(1);
        // step 0: four traditional firms, one of which exits; step 1: three stay, two are born
        let mut rows = vec![
            row(0, 0, 0, 1.0, 0.1),
            row(1, 0, 0, 2.0, 0.2),
            row(2, 0, 0, 3.0, 0.3),
            row(3, 0, 0, 4.0, 0.4),
        ];
        rows[1].exits = Some(true);
        let mut after = vec![
            row(0, 1, 0, 1.1, 0.15),
            row(2, 1, 0, 3.3, 0.33),
            row(3, 1, 0, 4.0, 0.42),
            row(4, 1, 0, 0.5, 0.0),
            row(5, 1, 1, 0.5, 0.0),
        ];
        after[3].entered = true;
        after[4].entered = true;
        rows.extend(after);
        let facts = measure(&scenario, &rows);
        let (entry, exit) = (
            facts.values[fact::ENTRY_RATE],
            facts.values[fact::EXIT_RATE],
        );
        // traditional: 1 born of 4; emerging: 1 born of 0 at the start (no rate); all: 2 of 4
        assert_eq!(entry[0], 0.25);
        assert!(entry[1].is_nan());
        assert_eq!(entry[3], 0.5);
        assert_eq!((exit[0], exit[3]), (0.25, 0.25));
        // growth of the three survivors, less their mean: persistence on three pairs
        assert!(facts.values[fact::TFP_PERSISTENCE][0].is_finite());
    }

    #[test]
    fn the_shipped_bands_cover_every_fact_and_are_ordered() {
        let bands = parse_bands(DEFAULT_BANDS, "facts.toml").unwrap();
        for (key, _) in FACTS {
            let band = &bands[key];
            assert!(band.low < band.high && !band.source.is_empty(), "{key}");
        }
        assert!(
            parse_bands(
                "[x]\nreference = \"\"\nlow = 0.0\nhigh = 1.0\nsource = \"\"\n",
                "f"
            )
            .unwrap_err()
            .contains("unknown fact `x`")
        );
    }
}
