//! The fiscal side of a comparison: what the policy cost (discounted subsidy spending per
//! lever, carbon revenue) and what it bought per unit of spending.
//!
//! With `ρ` the discount rate and `δ_t = (1 + ρ)^-t` (present values at step 0, the start
//! year), per replicate and for the economy (`all` rows; docs/model.md §5 fiscal columns, in units
//! of output, total output at step 0 = 1):
//!
//! ```text
//! spending_l  = Σ_{t=1..T} δ_t subsidy_l(t)          l = rd, digital, green, entry, talent, total
//! ΔS          = spending_total(P) - spending_total(B)  extra spending
//! ΔR          = Σ δ_t (carbon_revenue_P - carbon_revenue_B)
//! net_cost    = ΔS - ΔR
//! tfp_gain_pp = 100 (tfp_P(T) - tfp_B(T))            log points x 100, about percent
//! avoided     = Σ δ_t (emissions_B(t) - emissions_P(t))  model units, discounted
//! gained      = Σ δ_t (output_P(t) - output_B(t))
//! cost_per_tfp_pp            = mean ΔS / mean tfp_gain_pp
//! cost_per_emissions_avoided = mean ΔS / mean avoided
//! output_per_subsidy         = mean gained / mean ΔS  (a fiscal multiplier)
//! ```
//!
//! The ratios charge the whole effect of the policy to its extra subsidy spending. A policy
//! that also moves a lever that is not spending (a carbon price, a green standard, data
//! openness) changes output through it too: a carbon price lowers output, so a mix of a carbon
//! price and a subsidy can show a negative `output_per_subsidy`. That is the package's output
//! per unit of subsidy, not the subsidies' multiplier; [`unpriced_levers`] names such levers
//! (compare the subsidy alone against the price alone to split them).
//!
//! Differences get Student t intervals (paired, or Welch for an unpaired comparison); the
//! ratios get percentile bootstrap intervals over replicates (pairs resampled together under
//! common random numbers), and none where the denominator's own interval contains zero: a
//! cost per unit of a gain that may be nil is unbounded.

use super::compare::{Difference, Outcomes, Pairing, metric_index};
use crate::model::features::Features;
use crate::model::levers::{LEVERS, Levers, MODEL2_SPENDING_LEVERS};
use crate::rng::{Stream, combine};
use crate::scenario::Scenario;
use crate::stats::quantiles;

/// The spending accounted: each spending lever's column in `trajectories.csv` (from the lever
/// table, [`crate::model::levers::spending_levers`]), then the total.
pub fn spending_names() -> Vec<&'static str> {
    crate::model::levers::spending_levers()
        .map(|(_, s)| s.short_name())
        .chain(["total"])
        .collect()
}

/// The levers that are not public spending (a carbon price, a standard, data openness;
/// model-2 levers other than [`MODEL2_SPENDING_LEVERS`]) whose values differ between `base` and `policy` at some step after step 0: their effect on output
/// and emissions is charged to the subsidies by the cost ratios.
pub fn unpriced_levers(base: &Scenario, policy: &Scenario) -> Vec<&'static str> {
    let steps = base.run.steps.min(policy.run.steps);
    LEVERS
        .iter()
        .filter(|l| {
            l.spending.is_none()
                && !MODEL2_SPENDING_LEVERS.contains(&l.name)
                && l.name != "targeting"
                && l.name != "targeting_quantile"
        })
        .filter(|l| {
            // every lever written, whatever the features; a lever at its default on both
            // sides has not moved, even where the two sides write it differently (model-2
            // levers of a feature that is off, per-region levers over other regions)
            let every = Features::every();
            let value = |s: &Scenario, levers: &Levers| {
                toml::Value::try_from(levers.to_raw(&s.sector_names(), &s.region_names(), &every))
                    .ok()
                    .and_then(|v| v.get(l.name).cloned())
            };
            let at_default = |s: &Scenario, t: u32| {
                let defaults = Levers::defaults(s.sectors.len(), s.regions.len());
                value(s, &s.policy.at(t)) == value(s, &defaults)
            };
            (1..=steps).any(|t| {
                !(at_default(base, t) && at_default(policy, t))
                    && value(base, &base.policy.at(t)) != value(policy, &policy.policy.at(t))
            })
        })
        .map(|l| l.name)
        .collect()
}

/// Domain separator of the bootstrap's draws.
const BOOTSTRAP_DOMAIN: u64 = 0x6E71_7073_6669_0001;

/// One row of `fiscal.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct FiscalRow {
    /// What is measured (`spending`, `carbon_revenue`, `net_cost`, `tfp_gain_pp`,
    /// `emissions_avoided`, `output_gained`, `cost_per_tfp_pp`,
    /// `cost_per_emissions_avoided`, `output_per_subsidy`).
    pub quantity: &'static str,
    /// The lever, for `spending`; empty otherwise.
    pub lever: &'static str,
    /// Units.
    pub unit: &'static str,
    /// Replicates used.
    pub n: usize,
    /// Value in the base (means over replicates), where it has one.
    pub base: Option<f64>,
    /// Value in the policy, where it has one.
    pub policy: Option<f64>,
    /// The estimate: the difference, or the ratio of mean differences.
    pub estimate: Option<f64>,
    /// Standard error (differences only).
    pub se: Option<f64>,
    /// Lower end of the interval.
    pub lo: Option<f64>,
    /// Upper end.
    pub hi: Option<f64>,
    /// How the interval was found: `t`, `bootstrap`, or `none` (and why).
    pub interval: &'static str,
}

impl FiscalRow {
    /// Columns of `fiscal.csv`.
    pub const COLUMNS: [&'static str; 11] = [
        "quantity", "lever", "unit", "n", "base", "policy", "estimate", "se", "lo", "hi",
        "interval",
    ];
}

/// Options of the fiscal accounting.
#[derive(Clone, Copy, Debug)]
pub struct FiscalOptions {
    /// Annual discount rate ρ.
    pub discount_rate: f64,
    /// Coverage of the intervals (e.g. 0.95).
    pub level: f64,
    /// Bootstrap resamples of the ratios.
    pub bootstrap: usize,
    /// Seed of the bootstrap's draws.
    pub seed: u64,
}

const OUTPUT_UNITS: &str = "output units (step-0 total output = 1), present value at step 0";

/// Per replicate of one input: the discounted sums and the final TFP.
#[derive(Clone, Debug, Default)]
struct Totals {
    /// Present values per spending name ([`spending_names`]); the total last.
    spending: Vec<Vec<f64>>,
    carbon_revenue: Vec<f64>,
    emissions: Vec<f64>,
    output: Vec<f64>,
    tfp: Vec<f64>,
}

fn totals(o: &Outcomes, replicates: &[usize], discount_rate: f64) -> Totals {
    let all = o.all_row();
    let m = |name: &str| metric_index(name).expect("a metric column");
    let subsidy: Vec<usize> = spending_names()
        .iter()
        .map(|l| m(&format!("subsidy_{l}")))
        .collect();
    let (revenue, emissions, output, tfp) =
        (m("carbon_revenue"), m("emissions"), m("output"), m("tfp"));
    let mut t = Totals {
        spending: vec![Vec::new(); subsidy.len()],
        ..Totals::default()
    };
    for &i in replicates {
        let pv = |metric: usize| -> f64 {
            (1..=o.steps as usize)
                .map(|step| {
                    crate::math::pow(1.0 + discount_rate, -(step as f64))
                        * o.value(i, step, all, metric)
                })
                .sum()
        };
        for (k, &metric) in subsidy.iter().enumerate() {
            t.spending[k].push(pv(metric));
        }
        t.carbon_revenue.push(pv(revenue));
        t.emissions.push(pv(emissions));
        t.output.push(pv(output));
        t.tfp.push(o.value(i, o.steps as usize, all, tfp));
    }
    t
}

/// The rows of `fiscal.csv`.
pub fn fiscal(
    base: &Outcomes,
    policy: &Outcomes,
    pairing: &Pairing,
    options: &FiscalOptions,
) -> Vec<FiscalRow> {
    let (bi, pi): (Vec<usize>, Vec<usize>) = if pairing.paired {
        (0..base.replicates.len())
            .map(|i| (i, pairing.policy_position(i)))
            .unzip()
    } else {
        (
            (0..base.replicates.len()).collect(),
            (0..policy.replicates.len()).collect(),
        )
    };
    let b = totals(base, &bi, options.discount_rate);
    let p = totals(policy, &pi, options.discount_rate);
    let diff = |x: &[f64], y: &[f64]| -> Difference {
        if pairing.paired {
            let d: Vec<f64> = x.iter().zip(y).map(|(x, y)| y - x).collect();
            Difference::paired(x, y, &d, options.level)
        } else {
            Difference::unpaired(x, y, options.level)
        }
    };
    let row = |quantity, lever, unit, d: Difference| FiscalRow {
        quantity,
        lever,
        unit,
        n: d.n,
        base: d.base_mean,
        policy: d.policy_mean,
        estimate: d.effect,
        se: d.se,
        lo: d.lo,
        hi: d.hi,
        interval: if d.lo.is_some() {
            "t"
        } else {
            "none: fewer than 2 replicates"
        },
    };
    let mut rows = Vec::new();
    for (k, lever) in spending_names().into_iter().enumerate() {
        rows.push(row(
            "spending",
            lever,
            OUTPUT_UNITS,
            diff(&b.spending[k], &p.spending[k]),
        ));
    }
    rows.push(row(
        "carbon_revenue",
        "",
        OUTPUT_UNITS,
        diff(&b.carbon_revenue, &p.carbon_revenue),
    ));
    // net cost: spending less revenue, per input
    let net = |t: &Totals| -> Vec<f64> {
        t.spending
            .last()
            .expect("the total")
            .iter()
            .zip(&t.carbon_revenue)
            .map(|(s, r)| s - r)
            .collect()
    };
    rows.push(row("net_cost", "", OUTPUT_UNITS, diff(&net(&b), &net(&p))));
    let scaled = |v: &[f64], f: f64| -> Vec<f64> { v.iter().map(|x| f * x).collect() };
    let gain = diff(&scaled(&b.tfp, 100.0), &scaled(&p.tfp, 100.0));
    rows.push(row(
        "tfp_gain_pp",
        "",
        "100 x log points of economy-wide TFP at the last step (about percent)",
        gain,
    ));
    // avoided = base - policy: the difference taken the other way round
    let avoided = diff(&p.emissions, &b.emissions);
    rows.push(FiscalRow {
        base: avoided.policy_mean,
        policy: avoided.base_mean,
        ..row(
            "emissions_avoided",
            "",
            "emissions in model units (emission intensity x output), present value at step 0",
            avoided,
        )
    });
    let gained = diff(&b.output, &p.output);
    rows.push(row("output_gained", "", OUTPUT_UNITS, gained));

    // Ratios of mean differences, with a bootstrap over replicates.
    let spend = (
        b.spending.last().expect("the total"),
        p.spending.last().expect("the total"),
    );
    let ratios: [(&'static str, &'static str, Ratio); 3] = [
        (
            "cost_per_tfp_pp",
            "output units of extra subsidy per percentage point of TFP",
            Ratio {
                numerator: spend,
                denominator: (&b.tfp, &p.tfp),
                denominator_scale: 100.0,
                denominator_interval: (gain.lo, gain.hi),
            },
        ),
        (
            "cost_per_emissions_avoided",
            "output units of extra subsidy per model unit of emissions avoided",
            Ratio {
                numerator: spend,
                // avoided = base - policy
                denominator: (&b.emissions, &p.emissions),
                denominator_scale: -1.0,
                denominator_interval: (avoided.lo, avoided.hi),
            },
        ),
        (
            "output_per_subsidy",
            "output gained per unit of extra subsidy (both present values)",
            Ratio {
                numerator: (&b.output, &p.output),
                denominator: spend,
                denominator_scale: 1.0,
                denominator_interval: {
                    let d = diff(spend.0, spend.1);
                    (d.lo, d.hi)
                },
            },
        ),
    ];
    for (k, (quantity, unit, ratio)) in ratios.into_iter().enumerate() {
        let all = |n: usize| (0..n).collect::<Vec<usize>>();
        let estimate = ratio.estimate(&all(b.tfp.len()), &all(p.tfp.len()));
        let zero_possible = match ratio.denominator_interval {
            (Some(lo), Some(hi)) => lo <= 0.0 && hi >= 0.0,
            _ => true,
        };
        let (lo, hi, interval) = if zero_possible {
            (
                None,
                None,
                "none: the denominator's interval contains 0, so the ratio is unbounded",
            )
        } else {
            let seed = combine(combine(BOOTSTRAP_DOMAIN, options.seed), k as u64);
            match ratio.bootstrap(pairing.paired, options.bootstrap, options.level, seed) {
                Some((lo, hi)) => (Some(lo), Some(hi), "bootstrap"),
                None => (None, None, "none: too few replicates"),
            }
        };
        rows.push(FiscalRow {
            quantity,
            lever: "",
            unit,
            n: b.tfp.len().min(p.tfp.len()),
            base: None,
            policy: None,
            estimate,
            se: None,
            lo,
            hi,
            interval,
        });
    }
    rows
}

/// mean(num_P - num_B) / (scale mean(den_P - den_B)), from per-replicate values.
struct Ratio<'a> {
    numerator: (&'a Vec<f64>, &'a Vec<f64>),
    denominator: (&'a Vec<f64>, &'a Vec<f64>),
    denominator_scale: f64,
    denominator_interval: (Option<f64>, Option<f64>),
}

impl Ratio<'_> {
    /// The ratio of the mean differences over the replicates `b` of the base and `p` of the
    /// policy (indices, repeats allowed).
    fn estimate(&self, b: &[usize], p: &[usize]) -> Option<f64> {
        let mean = |v: &[f64], idx: &[usize]| -> f64 {
            idx.iter().map(|&i| v[i]).sum::<f64>() / idx.len() as f64
        };
        if b.is_empty() || p.is_empty() {
            return None;
        }
        let num = mean(self.numerator.1, p) - mean(self.numerator.0, b);
        let den =
            self.denominator_scale * (mean(self.denominator.1, p) - mean(self.denominator.0, b));
        // + 0.0 turns a negative zero (no spending over a loss) into zero
        let r = num / den + 0.0;
        r.is_finite().then_some(r)
    }

    /// Percentile bootstrap interval: resample replicates with replacement (the same indices
    /// for both inputs when paired).
    fn bootstrap(&self, paired: bool, draws: usize, level: f64, seed: u64) -> Option<(f64, f64)> {
        let (nb, np) = (self.numerator.0.len(), self.numerator.1.len());
        if nb < 2 || np < 2 || draws == 0 {
            return None;
        }
        let mut stream = Stream::new(seed);
        let mut pick = |n: usize| ((stream.uniform() * n as f64) as usize).min(n - 1);
        let mut values = Vec::with_capacity(draws);
        let (mut b, mut p) = (vec![0; nb], vec![0; np]);
        for _ in 0..draws {
            for slot in b.iter_mut() {
                *slot = pick(nb);
            }
            if paired {
                p.copy_from_slice(&b);
            } else {
                for slot in p.iter_mut() {
                    *slot = pick(np);
                }
            }
            if let Some(r) = self.estimate(&b, &p) {
                values.push(r);
            }
        }
        if values.len() < draws / 2 {
            return None;
        }
        let mut bounds = [0.0; 2];
        quantiles(
            &mut values,
            &[0.5 * (1.0 - level), 0.5 * (1.0 + level)],
            &mut bounds,
        );
        Some((bounds[0], bounds[1]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load;
    use std::path::Path;

    fn question(name: &str) -> Scenario {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/questions")
            .join(format!("{name}.toml"));
        load(&path, &[]).unwrap()
    }

    #[test]
    fn the_common_technology_fund_and_matching_are_spending_but_a_layout_is_not() {
        let none = question("platform-none");
        assert!(unpriced_levers(&none, &question("platform-fund")).is_empty());
        assert!(unpriced_levers(&none, &question("platform-matching")).is_empty());
        let differentiated = question("layout-differentiated");
        assert_eq!(
            unpriced_levers(&differentiated, &question("layout-homogeneous")),
            ["layout_herding"]
        );
        // Backing pays subsidies but also adds capacity.
        assert_eq!(
            unpriced_levers(&question("layout-none"), &differentiated),
            ["backing"]
        );
    }
}
