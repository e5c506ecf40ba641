//! The policy levers, docs/model.md §4: one declaration per lever, from which everything else
//! is derived.
//!
//! A lever is declared once, in the `levers!` table at the end of this file: its name, a
//! label in words, unit, allowed range, default, whether it is set per sector, per region or
//! once for the economy ([`Scope`]), whether it is public spending (its column and whether
//! the budget cap scales it), and its help text. From that declaration come:
//!
//! - [`Levers`], the values in force in a step (one per sector or per region where the lever
//!   is set so), with [`Levers::defaults`] and [`Levers::apply`] (what a schedule entry
//!   does);
//! - [`LeverSet`], the optional values a `[policy]` table or a schedule entry sets;
//! - [`RawPolicy`], the table as written in a scenario file (serde, unknown fields refused),
//!   its validation ([`RawPolicy::validate`], every value against its range) and the way
//!   back ([`Levers::to_raw`], [`LeverSet::to_raw`]) for `nqpsim check` and the manifest;
//! - [`LEVERS`], the documentation of every lever: what `nqpsim params` prints, the ranges
//!   sweep plans check axes against, the `--set` paths, the fiscal columns.
//!
//! Adding a lever is one line in the table plus its mechanism (the model code that reads it).

use serde::{Deserialize, Serialize};

use super::features::{Feature, Features};
use super::params::Range;
use super::policy::{PerSector, Targeting};

/// `Some(feature)` from an optional feature name in the lever table.
macro_rules! lever_feature {
    () => {
        None
    };
    ($feature:ident) => {
        Some(Feature::$feature)
    };
}

/// Whether a lever takes one value per sector, one per region or one for the whole economy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// A value per sector: `policy.<lever>.<sector>`, or one number for every sector.
    Sector,
    /// One value for the whole economy: `policy.<lever>`.
    Global,
    /// A value per region (the scenario's regions in order; the one region `national` when
    /// `regions` is off): `policy.<lever>.<region>`, or one number for every region.
    Region,
}

/// How a lever that is public spending is accounted (docs/model.md §4, §5.13 fiscal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spending {
    /// Its column in `trajectories.csv`.
    pub column: &'static str,
    /// Whether it counts in `spent(t)` and its rate is scaled by the budget scale b(t).
    pub capped: bool,
    /// What it costs, as a formula.
    pub charged: &'static str,
}

impl Spending {
    /// The short name of the spending, as `fiscal.csv` writes it (`rd` for `subsidy_rd`).
    pub fn short_name(&self) -> &'static str {
        self.column.strip_prefix("subsidy_").unwrap_or(self.column)
    }
}

/// Documentation of one lever, for validation, `nqpsim params`, sweep axes and fiscal
/// accounting.
#[derive(Clone, Copy, Debug)]
pub struct LeverInfo {
    /// The name used in scenario files.
    pub name: &'static str,
    /// What it is, in words (axis labels, tables).
    pub label: &'static str,
    /// Per sector, per region or for the whole economy.
    pub scope: Scope,
    /// Unit of measurement.
    pub unit: &'static str,
    /// Allowed values (for numeric levers).
    pub range: Range,
    /// The names a choice lever takes (empty for a numeric lever).
    pub choices: &'static [&'static str],
    /// The default, as text.
    default: fn() -> String,
    /// One-line meaning.
    pub doc: &'static str,
    /// How it is charged, if it is public spending (model-1 spending; model 2's has its
    /// own columns, docs/model.md M2.10).
    pub spending: Option<Spending>,
    /// The model-2 feature that reads it (`None`: a model-1 lever).
    pub feature: Option<Feature>,
}

/// Levers are the same lever when their names are.
impl PartialEq for LeverInfo {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl LeverInfo {
    /// The default, as text (`0`, `0.02`, `inclusive`, `none`).
    pub fn default_text(&self) -> String {
        (self.default)()
    }

    /// Whether the lever is a choice among names rather than a number.
    pub fn is_choice(&self) -> bool {
        !self.choices.is_empty()
    }

    /// What a value must be, as a phrase for error messages.
    pub fn allowed(&self) -> String {
        match self.choices {
            [] => self.range.describe().to_string(),
            [only] => format!("must be \"{only}\""),
            [init @ .., last] => {
                let init: Vec<String> = init.iter().map(|c| format!("\"{c}\"")).collect();
                format!("must be {} or \"{last}\"", init.join(", "))
            }
        }
    }

    /// Whether the lever is set per sector.
    pub fn per_sector(&self) -> bool {
        self.scope == Scope::Sector
    }

    /// Whether the lever is set per region.
    pub fn per_region(&self) -> bool {
        self.scope == Scope::Region
    }

    /// Whether the explicit form of a scenario with `features` on (what `nqpsim check`
    /// prints and the manifest records) writes the lever when it is at its default: a
    /// model-1 lever always; a model-2 lever when a feature of its part of model 2 is on
    /// ([`Features::any_in_part_of`]). So a model-1 scenario's explicit form is the same with
    /// or without model 2 in the program, and a part-one scenario's the same with or without
    /// part two's levers. A lever not at its default is always written.
    pub fn written_at_default(&self, features: &Features) -> bool {
        self.feature.is_none_or(|f| features.any_in_part_of(f))
    }

    /// The lever named `name`.
    pub fn find(name: &str) -> Option<&'static LeverInfo> {
        LEVERS.iter().find(|l| l.name == name)
    }
}

/// Model-2 levers whose every effect is bought by public money, charged in model 2's own
/// columns (docs/model.md M2.10): the common-technology fund and its matching
/// (`subsidy_platform`), talent training (`subsidy_training`) and the autonomy programme
/// (`subsidy_autonomy`). (Regional `backing` spends too, in `subsidy_backing`, but also adds
/// capacity, which is not spending.)
pub const MODEL2_SPENDING_LEVERS: [&str; 4] = [
    "common_tech_fund",
    "fund_matching",
    "talent_training",
    "autonomy",
];

/// The levers that are public spending, in the order of their columns.
pub fn spending_levers() -> impl Iterator<Item = (&'static LeverInfo, Spending)> {
    LEVERS.iter().filter_map(|l| l.spending.map(|s| (l, s)))
}

/// How many levers are public spending.
pub const SPENDING_LEVERS: usize = {
    let (mut n, mut i) = (0, 0);
    while i < LEVERS.len() {
        if LEVERS[i].spending.is_some() {
            n += 1;
        }
        i += 1;
    }
    n
};

/// The position of the spending lever `name` among [`spending_levers`]; evaluated where a
/// constant is needed, an unknown or non-spending name fails the build.
pub const fn spending_index(name: &str) -> usize {
    let (mut k, mut i) = (0, 0);
    while i < LEVERS.len() {
        if LEVERS[i].spending.is_some() {
            if same(LEVERS[i].name, name) {
                return k;
            }
            k += 1;
        }
        i += 1;
    }
    panic!("not a spending lever")
}

/// Whether two strings are equal (a `const fn`).
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// What validation of lever values needs from the scenario's checker: range checks and
/// problems located at a field path.
pub trait LeverChecker {
    /// Checks `value` against `range`, recording a problem at `path` if it lies outside;
    /// returns the value.
    fn number(&mut self, path: String, value: f64, range: Range) -> f64;
    /// Records a problem at `path`: what was written and what is allowed.
    fn problem(&mut self, path: String, value: String, allowed: String);
}

/// The value type of a lever set once for the whole economy.
pub trait GlobalValue: Copy {
    /// What a scenario writes for it.
    type Written: Copy;
    /// Sets the value to what was written.
    fn set(&mut self, written: Self::Written);
    /// The value as it would be written (`None`: nothing to write, e.g. no budget cap).
    fn written(&self) -> Option<Self::Written>;
    /// Checks a written value.
    fn check(
        written: Self::Written,
        path: String,
        range: Range,
        c: &mut dyn LeverChecker,
    ) -> Self::Written;
    /// The value as text for documentation.
    fn describe(&self) -> String;
    /// The value a `fraction` (in (0, 1]) of the way from `from` to `to`, for a schedule
    /// entry that ramps (docs/model.md §4.4); a value that cannot be interpolated is `to`.
    fn ramp(from: &Self, to: Self::Written, fraction: f64) -> Self::Written {
        let _ = (from, fraction);
        to
    }
}

/// The value a `fraction` of the way from `from` to `to`, exactly `to` at the end.
fn between(from: f64, to: f64, fraction: f64) -> f64 {
    if fraction >= 1.0 {
        to
    } else {
        from + (to - from) * fraction
    }
}

impl GlobalValue for f64 {
    type Written = f64;
    fn set(&mut self, written: f64) {
        *self = written;
    }
    fn written(&self) -> Option<f64> {
        Some(*self)
    }
    fn check(written: f64, path: String, range: Range, c: &mut dyn LeverChecker) -> f64 {
        c.number(path, written, range)
    }
    fn describe(&self) -> String {
        self.to_string()
    }
    fn ramp(from: &f64, to: f64, fraction: f64) -> f64 {
        between(*from, to, fraction)
    }
}

/// An optional number: absent unless set (the budget cap).
impl GlobalValue for Option<f64> {
    type Written = f64;
    fn set(&mut self, written: f64) {
        *self = Some(written);
    }
    fn written(&self) -> Option<f64> {
        *self
    }
    fn check(written: f64, path: String, range: Range, c: &mut dyn LeverChecker) -> f64 {
        c.number(path, written, range)
    }
    fn describe(&self) -> String {
        self.map_or_else(|| "none".to_string(), |v| v.to_string())
    }
    fn ramp(from: &Option<f64>, to: f64, fraction: f64) -> f64 {
        from.map_or(to, |from| between(from, to, fraction))
    }
}

impl GlobalValue for Targeting {
    type Written = Targeting;
    fn set(&mut self, written: Targeting) {
        *self = written;
    }
    fn written(&self) -> Option<Targeting> {
        Some(*self)
    }
    fn check(written: Targeting, _: String, _: Range, _: &mut dyn LeverChecker) -> Targeting {
        written // serde has refused anything but the three choices
    }
    fn describe(&self) -> String {
        self.as_str().to_string()
    }
}

/// The values of a per-sector (or per-region) lever as written (`None` for a lever left out):
/// one number for every sector, or a table of `sector = number`; each checked, each sector
/// known. `what` is what the keys name (`sector`, `region`), `names` their names in order.
fn per_key_values(
    c: &mut dyn LeverChecker,
    path: String,
    written: &Option<PerSector>,
    range: Range,
    what: &str,
    names: &[&str],
) -> Vec<Option<f64>> {
    let mut out = vec![None; names.len()];
    match written {
        None => {}
        Some(PerSector::All(v)) => {
            let v = c.number(path, *v, range);
            out.iter_mut().for_each(|o| *o = Some(v));
        }
        Some(PerSector::BySector(entries)) => {
            for (name, v) in entries {
                let field = format!("{path}.{name}");
                match names.iter().position(|s| s == name) {
                    Some(j) => out[j] = Some(c.number(field, *v, range)),
                    None => c.problem(
                        field,
                        format!("{v} for {what} {name:?}"),
                        format!(
                            "must name one of the {what}s: {}{}",
                            names.join(", "),
                            crate::error::did_you_mean(name, names.iter().copied())
                                .map(|m| format!(" (did you mean `{m}`?)"))
                                .unwrap_or_default()
                        ),
                    ),
                }
            }
        }
    }
    out
}

/// A per-sector (or per-region) lever's values for every sector (region) `names`, as
/// written explicitly.
fn by_name(names: &[String], values: &[f64]) -> Option<PerSector> {
    Some(PerSector::BySector(
        names.iter().cloned().zip(values.iter().copied()).collect(),
    ))
}

/// The values a set gives some sectors (or regions) `names` (`None` if it gives none).
fn some_named(names: &[String], values: &[Option<f64>]) -> Option<PerSector> {
    let entries: Vec<(String, f64)> = names
        .iter()
        .zip(values)
        .filter_map(|(n, v)| v.map(|v| (n.clone(), v)))
        .collect();
    (!entries.is_empty()).then_some(PerSector::BySector(entries))
}

/// One `[[policy.schedule]]` entry as written.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawScheduleEntry {
    /// First step in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_step: Option<u32>,
    /// Last step in force, inclusive (open-ended if left out); with `ramp`, the step the
    /// ramp reaches its values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_step: Option<u32>,
    /// First step in force, as a calendar year (`run.start_year` is step 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_year: Option<i32>,
    /// `to_step` as a calendar year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_year: Option<i32>,
    /// Whether the levers move in equal steps from the values in force the step before
    /// `from_step` to the values of `set`, reached at `to_step` and kept after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ramp: Option<bool>,
    /// The levers set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<RawPolicy>,
}

macro_rules! levers {
    (
        per_sector {
            $(
                $(#[doc = $sdoc:literal])+
                $sname:ident [$slabel:literal, $sunit:literal, $srange:ident]
                    = $sdefault:literal, spending: $sspend:expr $(, feature: $sfeat:ident)?;
            )+
        }
        global {
            $(
                $(#[doc = $gdoc:literal])+
                $gname:ident : $gty:ty [$glabel:literal, $gunit:literal, $grange:ident]
                    = $gdefault:expr, choices: $gchoices:expr $(, feature: $gfeat:ident)?;
            )+
        }
        per_region {
            $(
                $(#[doc = $rdoc:literal])+
                $rname:ident [$rlabel:literal, $runit:literal, $rrange:ident]
                    = $rdefault:literal, spending: $rspend:expr $(, feature: $rfeat:ident)?;
            )+
        }
    ) => {
        /// The levers in force in one step, resolved for every sector and region
        /// (docs/model.md §4): a per-sector lever holds one value per sector, a per-region
        /// lever one per region, both in the scenario's order.
        #[derive(Clone, Debug, PartialEq)]
        pub struct Levers {
            $( $(#[doc = $sdoc])+ pub $sname: Vec<f64>, )+
            $( $(#[doc = $gdoc])+ pub $gname: $gty, )+
            $( $(#[doc = $rdoc])+ pub $rname: Vec<f64>, )+
        }

        /// A validated set of lever values, each optional: the `[policy]` table or a schedule
        /// entry's `set`. Per-sector levers hold one optional value per sector, per-region
        /// levers one per region.
        #[derive(Clone, Debug, PartialEq, Default)]
        pub struct LeverSet {
            $( $(#[doc = $sdoc])+ pub $sname: Vec<Option<f64>>, )+
            $( $(#[doc = $gdoc])+ pub $gname: Option<<$gty as GlobalValue>::Written>, )+
            $( $(#[doc = $rdoc])+ pub $rname: Vec<Option<f64>>, )+
        }

        /// `[policy]` as written, and the `set` of a schedule entry (where `schedule` itself
        /// is refused by validation).
        #[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
        #[serde(deny_unknown_fields)]
        pub struct RawPolicy {
            $(
                $(#[doc = $sdoc])+
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $sname: Option<PerSector>,
            )+
            $(
                $(#[doc = $gdoc])+
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $gname: Option<<$gty as GlobalValue>::Written>,
            )+
            $(
                $(#[doc = $rdoc])+
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $rname: Option<PerSector>,
            )+
            /// Changes over time.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub schedule: Option<Vec<RawScheduleEntry>>,
        }

        /// Every lever, in declaration order (docs/model.md §4).
        pub const LEVERS: &[LeverInfo] = &[
            $( LeverInfo {
                name: stringify!($sname),
                label: $slabel,
                scope: Scope::Sector,
                unit: $sunit,
                range: Range::$srange,
                choices: &[],
                default: || GlobalValue::describe(&($sdefault as f64)),
                doc: concat!($($sdoc),+),
                spending: $sspend,
                feature: lever_feature!($($sfeat)?),
            }, )+
            $( LeverInfo {
                name: stringify!($gname),
                label: $glabel,
                scope: Scope::Global,
                unit: $gunit,
                range: Range::$grange,
                choices: $gchoices,
                default: || GlobalValue::describe(&{ let d: $gty = $gdefault; d }),
                doc: concat!($($gdoc),+),
                spending: None,
                feature: lever_feature!($($gfeat)?),
            }, )+
            $( LeverInfo {
                name: stringify!($rname),
                label: $rlabel,
                scope: Scope::Region,
                unit: $runit,
                range: Range::$rrange,
                choices: &[],
                default: || GlobalValue::describe(&($rdefault as f64)),
                doc: concat!($($rdoc),+),
                spending: $rspend,
                feature: lever_feature!($($rfeat)?),
            }, )+
        ];

        impl Levers {
            /// The defaults of docs/model.md §4 for `sectors` sectors and `regions` regions.
            pub fn defaults(sectors: usize, regions: usize) -> Self {
                Levers {
                    $( $sname: vec![$sdefault; sectors], )+
                    $( $gname: $gdefault, )+
                    $( $rname: vec![$rdefault; regions], )+
                }
            }

            /// Applies the settings of `set`, overriding only what it names.
            pub fn apply(&mut self, set: &LeverSet) {
                $(
                    for (t, v) in self.$sname.iter_mut().zip(&set.$sname) {
                        if let Some(v) = v {
                            *t = *v;
                        }
                    }
                )+
                $(
                    if let Some(v) = set.$gname {
                        self.$gname.set(v);
                    }
                )+
                $(
                    for (t, v) in self.$rname.iter_mut().zip(&set.$rname) {
                        if let Some(v) = v {
                            *t = *v;
                        }
                    }
                )+
            }

            /// The levers as written with every value explicit (the scenario's `sectors` and
            /// `regions` by name), without a schedule; a model-2 lever only where
            /// [`LeverInfo::written_at_default`] says so for `features` or it is not at its
            /// default, so a model-1 scenario's explicit form does not change.
            pub fn to_raw(
                &self,
                sectors: &[String],
                regions: &[String],
                features: &Features,
            ) -> RawPolicy {
                let defaults = Levers::defaults(sectors.len(), regions.len());
                let keep = |name: &str, is_default: bool| {
                    !is_default
                        || LeverInfo::find(name).is_some_and(|l| l.written_at_default(features))
                };
                RawPolicy {
                    $( $sname: by_name(sectors, &self.$sname)
                        .filter(|_| keep(stringify!($sname), self.$sname == defaults.$sname)), )+
                    $( $gname: self.$gname.written()
                        .filter(|_| keep(stringify!($gname), self.$gname == defaults.$gname)), )+
                    $( $rname: by_name(regions, &self.$rname)
                        .filter(|_| keep(stringify!($rname), self.$rname == defaults.$rname)), )+
                    schedule: None,
                }
            }
        }

        impl LeverSet {
            /// The values a `fraction` (in (0, 1]) of the way from `from` to this set's, for
            /// the levers this set names (a ramp, docs/model.md §4.4).
            pub fn ramped(&self, from: &Levers, fraction: f64) -> LeverSet {
                LeverSet {
                    $( $sname: self.$sname
                        .iter()
                        .zip(&from.$sname)
                        .map(|(to, from)| to.map(|to| between(*from, to, fraction)))
                        .collect(), )+
                    $( $gname: self.$gname
                        .map(|to| <$gty as GlobalValue>::ramp(&from.$gname, to, fraction)), )+
                    $( $rname: self.$rname
                        .iter()
                        .zip(&from.$rname)
                        .map(|(to, from)| to.map(|to| between(*from, to, fraction)))
                        .collect(), )+
                }
            }

            /// The set as written (the scenario's `sectors` and `regions` by name): only what
            /// it sets.
            pub fn to_raw(&self, sectors: &[String], regions: &[String]) -> RawPolicy {
                RawPolicy {
                    $( $sname: some_named(sectors, &self.$sname), )+
                    $( $gname: self.$gname, )+
                    $( $rname: some_named(regions, &self.$rname), )+
                    schedule: None,
                }
            }
        }

        impl RawPolicy {
            /// Checks every value written at `path` (`policy` or `policy.schedule[i].set`)
            /// against its lever's range, for the scenario's `sectors` and `regions` (names in
            /// order; every name a lever's table gives must be one of them); every problem is
            /// recorded.
            pub fn validate(
                &self,
                c: &mut dyn LeverChecker,
                path: &str,
                sectors: &[&str],
                regions: &[&str],
            ) -> LeverSet {
                LeverSet {
                    $( $sname: per_key_values(
                        c,
                        format!("{path}.{}", stringify!($sname)),
                        &self.$sname,
                        Range::$srange,
                        "sector",
                        sectors,
                    ), )+
                    $( $gname: self.$gname.map(|v| <$gty as GlobalValue>::check(
                        v,
                        format!("{path}.{}", stringify!($gname)),
                        Range::$grange,
                        c,
                    )), )+
                    $( $rname: per_key_values(
                        c,
                        format!("{path}.{}", stringify!($rname)),
                        &self.$rname,
                        Range::$rrange,
                        "region",
                        regions,
                    ), )+
                }
            }
        }
    };
}

levers! {
    per_sector {
        /// Government matches R&D: effective intensity rho (1 + s); costs s rho Y_i(t-1)
        rd_subsidy ["R&D subsidy", "matching rate", Unit] = 0.0, spending: Some(Spending {
            column: "subsidy_rd",
            capped: true,
            charged: "s_rd_i rho_j Y_i(t-1), summed over the firms it reaches",
        });
        /// Share of the digital upgrade cost paid by government
        digital_subsidy ["digital upgrade subsidy", "share of cost", Unit] = 0.0,
            spending: Some(Spending {
                column: "subsidy_digital",
                capped: true,
                charged: "s_dig_i digital_cost_j u Y_i(t-1), over the firms that upgrade",
            });
        /// Share of the green upgrade cost paid by government
        green_subsidy ["green upgrade subsidy", "share of cost", Unit] = 0.0,
            spending: Some(Spending {
                column: "subsidy_green",
                capped: true,
                charged: "s_green_i green_cost_j u Y_i(t-1), over the firms that upgrade",
            });
        /// Raises the entry rate by (1 + s); costs s entry_rate entry_cost Y_j(t-1)
        entry_subsidy ["entry subsidy", "rate", Unit] = 0.0, spending: Some(Spending {
            column: "subsidy_entry",
            capped: false,
            charged: "s_entry_j entry_rate_j entry_cost Y_j(t-1)",
        });
        /// Raises absorptive capacity theta (1 + talent) and the digital benefit by (1 + talent); costs talent talent_cost Y_j(t-1)
        talent ["talent support", "level", NonNegative] = 0.0, spending: Some(Spending {
            column: "subsidy_talent",
            capped: false,
            charged: "talent_j talent_cost Y_j(t-1)",
        });
        /// Minimum green level: a firm below it is closed with probability standard_enforcement
        green_standard ["green standard", "green level", Unit] = 0.0, spending: None;
        /// Model 2, platform: public spending on the sector's common-technology platform, share of its output Y_j(t-1); scaled by the budget cap
        common_tech_fund ["common-technology fund", "share of output", Unit] = 0.0,
            spending: None, feature: Platform;
        /// Model 2, supply: public spending on domestic substitutes for imported key inputs, share of the sector's output Y_j(t-1); scaled by the budget cap
        autonomy ["autonomy programme", "share of output", Unit] = 0.0,
            spending: None, feature: Supply;
    }
    global {
        /// Probability per year that a firm below the green standard is closed
        standard_enforcement: f64 ["enforcement of the green standard", "probability per year", Unit]
            = 1.0, choices: &[];
        /// Carbon price tau: cost per unit of emissions, as a share of output
        carbon_price: f64 ["carbon price", "share of output per unit emission", NonNegative]
            = 0.02, choices: &[];
        /// Share omega of the sector's mean data stock that every firm can use
        data_openness: f64 ["data openness", "share", Unit] = 0.0, choices: &[];
        /// Who gets R&D, digital and green subsidies: all, leaders (a >= a_tq) or laggards (a <= a_lq)
        targeting: Targeting ["targeting of subsidies", "inclusive | selective | laggards", Finite]
            = Targeting::Inclusive, choices: &Targeting::NAMES;
        /// Threshold quantile for selective (this quantile) and laggards (one minus it)
        targeting_quantile: f64 ["targeting quantile", "quantile", Unit] = 0.75, choices: &[];
        /// Cap on R&D + digital + green subsidy spending; scales those rates by b(t)
        budget_cap: Option<f64> ["budget cap", "share of total output", Positive]
            = None, choices: &[];
        /// Model 2, regions: intensity of regional backing of emerging and future sectors (1: the full effects of backing_rd, backing_entry, backing_capacity)
        backing: f64 ["regional backing", "intensity", Unit] = 0.0, choices: &[],
            feature: Regions;
        /// Model 2, regions: 0, each region backs its comparative advantage; 1, every region backs the most popular sector
        layout_herding: f64 ["herding of regional layout", "weight", Unit] = 0.0, choices: &[],
            feature: Regions;
        /// Model 2, platform: public money added per unit of firms' platform contributions; scaled by the budget cap
        fund_matching: f64 ["matching of platform contributions", "per unit contributed", NonNegative]
            = 0.0, choices: &[], feature: Platform;
        /// Model 2, supply: share of imported key inputs unavailable this step, in every sector (a disruption is a schedule entry)
        supply_cut: f64 ["supply cut", "share of imported key inputs", Unit] = 0.0, choices: &[],
            feature: Supply;
        /// Model 2, carbon: yearly fall of the economy's emission intensity along the target path that the carbon premium steers toward
        carbon_intensity_target: f64 ["carbon-intensity target", "fall per year", UnitOpenAbove]
            = 0.034, choices: &[], feature: Carbon;
    }
    per_region {
        /// Model 2, labour: added yearly growth of the region's talent pool (docs/model.md M2.7); costs training_cost persons' output per person trained
        talent_training ["talent training", "added growth per year", NonNegative] = 0.0,
            spending: None, feature: Labour;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lever_has_a_default_in_its_range_and_defaults_read_as_written() {
        let texts: Vec<String> = LEVERS.iter().map(LeverInfo::default_text).collect();
        assert_eq!(
            texts,
            [
                "0",
                "0",
                "0",
                "0",
                "0",
                "0",
                "0",
                "0",
                "1",
                "0.02",
                "0",
                "inclusive",
                "0.75",
                "none",
                "0",
                "0",
                "0",
                "0",
                "0.034",
                "0"
            ]
        );
        let defaults = Levers::defaults(2, 3);
        for (info, text) in LEVERS.iter().zip(&texts) {
            if let Ok(v) = text.parse::<f64>() {
                assert!(info.range.contains(v), "{}", info.name);
            }
        }
        assert_eq!(defaults.carbon_price, 0.02);
        assert_eq!(defaults.budget_cap, None);
        assert_eq!(defaults.rd_subsidy, [0.0; 2], "one value per sector");
        assert_eq!(defaults.talent_training, [0.0; 3], "one value per region");
    }

    #[test]
    fn the_capped_levers_are_the_rd_digital_and_green_subsidies() {
        let capped: Vec<&str> = spending_levers()
            .filter(|(_, s)| s.capped)
            .map(|(l, _)| l.name)
            .collect();
        assert_eq!(capped, ["rd_subsidy", "digital_subsidy", "green_subsidy"]);
        let columns: Vec<&str> = spending_levers().map(|(_, s)| s.short_name()).collect();
        assert_eq!(columns, ["rd", "digital", "green", "entry", "talent"]);
    }

    /// Records the paths of the problems, and each problem's value and what is allowed.
    #[derive(Default)]
    struct Recorder(Vec<String>, Vec<(String, String)>);
    impl LeverChecker for Recorder {
        fn number(&mut self, path: String, value: f64, range: Range) -> f64 {
            if !range.contains(value) {
                self.0.push(path);
                self.1
                    .push((value.to_string(), range.describe().to_string()));
            }
            value
        }
        fn problem(&mut self, path: String, value: String, allowed: String) {
            self.0.push(path);
            self.1.push((value, allowed));
        }
    }

    #[test]
    fn validation_checks_every_value_and_the_way_back_gives_the_same_set() {
        let raw: RawPolicy = toml::from_str(
            "rd_subsidy = { a = 0.3, c = 0.1 }\ntalent = 2\ncarbon_price = -1\nbudget_cap = 0.01\ntargeting = \"selective\"",
        )
        .unwrap();
        let mut c = Recorder::default();
        let set = raw.validate(&mut c, "policy", &["a", "b"], &["national"]);
        assert_eq!(c.0, ["policy.rd_subsidy.c", "policy.carbon_price"]);
        assert_eq!(set.rd_subsidy, [Some(0.3), None]);
        assert_eq!(set.talent, [Some(2.0), Some(2.0)]);
        assert_eq!(set.talent_training, [None], "left out: not set");
        let names = ["a".to_string(), "b".to_string()];
        let regions = ["national".to_string()];
        let mut c = Recorder::default();
        assert_eq!(
            set.to_raw(&names, &regions)
                .validate(&mut c, "p", &["a", "b"], &["national"]),
            set
        );
        let mut levers = Levers::defaults(2, 1);
        levers.apply(&set);
        assert_eq!(levers.budget_cap, Some(0.01));
        assert_eq!(levers.targeting, Targeting::Selective);
        assert_eq!(levers.rd_subsidy, [0.3, 0.0]);
    }

    /// The regions of the tests below, in scenario order.
    const REGIONS: [&str; 4] = ["east", "central", "west", "northeast"];

    fn region_names() -> Vec<String> {
        REGIONS.iter().map(|r| r.to_string()).collect()
    }

    /// `[policy]` (or a schedule entry's `set`) as written, validated for three sectors and
    /// the four regions: the set, and the problems recorded.
    fn validated(text: &str) -> (LeverSet, Recorder) {
        let raw: RawPolicy = toml::from_str(text).unwrap();
        let mut c = Recorder::default();
        let set = raw.validate(&mut c, "policy", &["a", "b", "c"], &REGIONS);
        (set, c)
    }

    #[test]
    fn talent_training_is_a_per_region_lever_of_labour_with_default_zero() {
        let l = LeverInfo::find("talent_training").expect("declared");
        assert_eq!(l.scope, Scope::Region);
        assert!(l.per_region() && !l.per_sector());
        assert_eq!(l.feature, Some(Feature::Labour));
        assert_eq!(l.range, Range::NonNegative);
        assert_eq!(l.default_text(), "0");
        assert_eq!(l.spending, None);
    }

    #[test]
    fn one_number_for_a_per_region_lever_sets_every_region() {
        let (set, c) = validated("talent_training = 0.02");
        assert_eq!(c.0, Vec::<String>::new());
        assert_eq!(set.talent_training, [Some(0.02); 4]);
        let mut levers = Levers::defaults(3, 4);
        levers.apply(&set);
        assert_eq!(levers.talent_training, [0.02; 4]);
        assert_eq!(levers.rd_subsidy, [0.0; 3], "the sectors are not touched");
    }

    #[test]
    fn a_table_for_a_per_region_lever_sets_the_regions_it_names_only() {
        let (set, c) = validated("talent_training = { west = 0.02, east = 0.01 }");
        assert_eq!(c.0, Vec::<String>::new());
        assert_eq!(set.talent_training, [Some(0.01), None, Some(0.02), None]);
        let mut levers = Levers::defaults(3, 4);
        levers.talent_training = vec![0.5; 4];
        levers.apply(&set);
        assert_eq!(levers.talent_training, [0.01, 0.5, 0.02, 0.5]);
    }

    #[test]
    fn a_per_region_lever_naming_no_region_is_refused_with_the_path_the_regions_and_a_suggestion() {
        let (set, c) = validated("talent_training = { wset = 0.02, east = -1 }");
        assert_eq!(
            c.0,
            ["policy.talent_training.wset", "policy.talent_training.east"]
        );
        assert_eq!(
            c.1[0],
            (
                "0.02 for region \"wset\"".to_string(),
                "must name one of the regions: east, central, west, northeast (did you mean `west`?)"
                    .to_string()
            )
        );
        assert_eq!(
            c.1[1].1,
            Range::NonNegative.describe(),
            "the range is checked"
        );
        assert_eq!(set.talent_training[2], None, "nothing is set for the slip");
        // a per-region lever does not take sector names, nor a per-sector one region names
        let (_, c) = validated("talent_training = { a = 0.02 }\nrd_subsidy = { west = 0.1 }");
        assert_eq!(c.0, ["policy.rd_subsidy.west", "policy.talent_training.a"]);
        assert!(
            c.1[0]
                .1
                .starts_with("must name one of the sectors: a, b, c")
        );
        assert!(c.1[1].1.starts_with("must name one of the regions: east,"));
    }

    #[test]
    fn a_per_region_lever_ramps_in_the_regions_it_names() {
        let (set, _) = validated("talent_training = { central = 0.04 }");
        let mut from = Levers::defaults(3, 4);
        from.talent_training = vec![0.01; 4];
        let half = set.ramped(&from, 0.5);
        assert_eq!(half.talent_training, [None, Some(0.025), None, None]);
        assert_eq!(set.ramped(&from, 1.0).talent_training[1], Some(0.04));
    }

    #[test]
    fn the_explicit_form_of_a_per_region_lever_names_every_region_and_reads_back() {
        let sectors: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let labour = Features {
            labour: true,
            ..Features::default()
        };
        let mut levers = Levers::defaults(3, 4);
        levers.talent_training = vec![0.01, 0.0, 0.02, 0.0];
        let raw = levers.to_raw(&sectors, &region_names(), &Features::default());
        assert_eq!(
            raw.talent_training,
            Some(PerSector::BySector(vec![
                ("east".into(), 0.01),
                ("central".into(), 0.0),
                ("west".into(), 0.02),
                ("northeast".into(), 0.0),
            ])),
            "not at its default: written whatever the features"
        );
        let text = toml::to_string(&raw).unwrap();
        let (set, c) = validated(&text);
        assert_eq!(c.0, Vec::<String>::new());
        let mut back = Levers::defaults(3, 4);
        back.apply(&set);
        assert_eq!(back, levers, "{text}");
        // a set gives back only what it sets
        let (set, _) = validated("talent_training = { west = 0.02 }");
        let raw = set.to_raw(&sectors, &region_names());
        assert_eq!(
            raw.talent_training,
            Some(PerSector::BySector(vec![("west".into(), 0.02)]))
        );
        assert_eq!(validated(&toml::to_string(&raw).unwrap()).0, set);
        // at its default, written when labour is on
        let at_default = Levers::defaults(3, 4).to_raw(&sectors, &region_names(), &labour);
        assert_eq!(
            at_default.talent_training,
            Some(PerSector::BySector(
                REGIONS.iter().map(|r| (r.to_string(), 0.0)).collect()
            ))
        );
    }

    #[test]
    fn a_lever_at_its_default_is_written_when_a_feature_of_its_part_of_model_2_is_on() {
        let sectors = ["a".to_string()];
        let regions = ["national".to_string()];
        let written = |features: Features| {
            let raw = Levers::defaults(1, 1).to_raw(&sectors, &regions, &features);
            (
                raw.common_tech_fund.is_some(),
                raw.backing.is_some(),
                raw.talent_training.is_some(),
                raw.rd_subsidy.is_some(),
            )
        };
        // model 1: model 1's levers only, so its explicit form is unchanged by model 2
        assert_eq!(written(Features::default()), (false, false, false, true));
        // part one on (any of its features): part one's levers, not part two's
        let platform = Features {
            platform: true,
            ..Features::default()
        };
        assert_eq!(written(platform), (true, true, false, true));
        // part two on: its levers too
        let labour = Features {
            regions: true,
            labour: true,
            ..Features::default()
        };
        assert_eq!(written(labour), (true, true, true, true));
    }
}
