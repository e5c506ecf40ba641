//! Policy levers and their schedule (MODEL.md §4) and the per-firm policy of a step (§5.1).

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

use super::params::Range;

/// Who receives the R&D, digital and green subsidies (MODEL.md §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Targeting {
    /// Every firm.
    #[default]
    Inclusive,
    /// Firms at or above the `targeting_quantile` of their sector's technology (picking winners).
    Selective,
    /// Firms at or below the `1 - targeting_quantile` quantile (supporting laggards).
    Laggards,
}

impl Targeting {
    /// The name used in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            Targeting::Inclusive => "inclusive",
            Targeting::Selective => "selective",
            Targeting::Laggards => "laggards",
        }
    }
}

/// §5.1: whether a firm with technology `a` (at the start of the step) receives the R&D,
/// digital and green subsidies, given its sector's thresholds `a_tq` (the
/// `targeting_quantile`-quantile) and `a_lq` (the `1 - targeting_quantile`-quantile) in S(t-1).
#[inline]
pub fn eligible(targeting: Targeting, a: f64, a_tq: f64, a_lq: f64) -> bool {
    match targeting {
        Targeting::Inclusive => true,
        Targeting::Selective => a >= a_tq,
        Targeting::Laggards => a <= a_lq,
    }
}

/// §4: the budget scale `b(t) = min(1, b(t-1) cap / spent(t-1))`, 1 without a cap or when
/// nothing was spent; `spent` is capped spending as a share of total output.
#[inline]
pub fn budget_scale(previous_scale: f64, cap: Option<f64>, previous_spent: f64) -> f64 {
    match cap {
        Some(cap) if previous_spent > 0.0 => (previous_scale * cap / previous_spent).min(1.0),
        _ => 1.0,
    }
}

/// Documentation of one lever, for validation and `nqpsim params`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeverInfo {
    /// The name used in scenario files.
    pub name: &'static str,
    /// Whether the lever is set per sector.
    pub per_sector: bool,
    /// Unit of measurement.
    pub unit: &'static str,
    /// Allowed values (for numeric levers).
    pub range: Range,
    /// The default, as text.
    pub default: &'static str,
    /// One-line meaning.
    pub doc: &'static str,
}

/// Every lever, in the order of MODEL.md §4.
pub const LEVERS: &[LeverInfo] = &[
    LeverInfo {
        name: "rd_subsidy",
        per_sector: true,
        unit: "matching rate",
        range: Range::Unit,
        default: "0",
        doc: "Government matches R&D: effective intensity rho (1 + s); costs s rho Y_i(t-1)",
    },
    LeverInfo {
        name: "digital_subsidy",
        per_sector: true,
        unit: "share of cost",
        range: Range::Unit,
        default: "0",
        doc: "Share of the digital upgrade cost paid by government",
    },
    LeverInfo {
        name: "green_subsidy",
        per_sector: true,
        unit: "share of cost",
        range: Range::Unit,
        default: "0",
        doc: "Share of the green upgrade cost paid by government",
    },
    LeverInfo {
        name: "entry_subsidy",
        per_sector: true,
        unit: "rate",
        range: Range::Unit,
        default: "0",
        doc: "Raises the entry rate by (1 + s); costs s entry_rate entry_cost Y_j(t-1)",
    },
    LeverInfo {
        name: "talent",
        per_sector: true,
        unit: "level",
        range: Range::NonNegative,
        default: "0",
        doc: "Raises absorptive capacity theta (1 + talent) and the digital benefit by (1 + talent); costs talent talent_cost Y_j(t-1)",
    },
    LeverInfo {
        name: "green_standard",
        per_sector: true,
        unit: "green level",
        range: Range::Unit,
        default: "0",
        doc: "Minimum green level: a firm below it is closed with probability standard_enforcement",
    },
    LeverInfo {
        name: "standard_enforcement",
        per_sector: false,
        unit: "probability per year",
        range: Range::Unit,
        default: "1",
        doc: "Probability per year that a firm below the green standard is closed",
    },
    LeverInfo {
        name: "carbon_price",
        per_sector: false,
        unit: "share of output per unit emission",
        range: Range::NonNegative,
        default: "0.02",
        doc: "Carbon price tau: cost per unit of emissions, as a share of output",
    },
    LeverInfo {
        name: "data_openness",
        per_sector: false,
        unit: "share",
        range: Range::Unit,
        default: "0",
        doc: "Share omega of the sector's mean data stock that every firm can use",
    },
    LeverInfo {
        name: "targeting",
        per_sector: false,
        unit: "inclusive | selective | laggards",
        range: Range::Finite,
        default: "inclusive",
        doc: "Who gets R&D, digital and green subsidies: all, leaders (a >= a_tq) or laggards (a <= a_lq)",
    },
    LeverInfo {
        name: "targeting_quantile",
        per_sector: false,
        unit: "quantile",
        range: Range::Unit,
        default: "0.75",
        doc: "Threshold quantile for selective (this quantile) and laggards (one minus it)",
    },
    LeverInfo {
        name: "budget_cap",
        per_sector: false,
        unit: "share of total output",
        range: Range::Positive,
        default: "none",
        doc: "Cap on R&D + digital + green subsidy spending; scales those rates by b(t)",
    },
];

/// The levers in force in one step, resolved for every sector (MODEL.md §4).
#[derive(Clone, Debug, PartialEq)]
pub struct Levers {
    /// R&D matching rate per sector.
    pub rd_subsidy: Vec<f64>,
    /// Digital upgrade subsidy per sector.
    pub digital_subsidy: Vec<f64>,
    /// Green upgrade subsidy per sector.
    pub green_subsidy: Vec<f64>,
    /// Entry subsidy per sector.
    pub entry_subsidy: Vec<f64>,
    /// Talent support per sector.
    pub talent: Vec<f64>,
    /// Minimum green level per sector.
    pub green_standard: Vec<f64>,
    /// Probability that a firm below the standard is closed in a year.
    pub standard_enforcement: f64,
    /// Carbon price tau.
    pub carbon_price: f64,
    /// Data openness omega.
    pub data_openness: f64,
    /// Who receives the R&D, digital and green subsidies.
    pub targeting: Targeting,
    /// Threshold quantile for targeting.
    pub targeting_quantile: f64,
    /// Cap on capped subsidy spending, share of total output (`None`: no cap).
    pub budget_cap: Option<f64>,
}

impl Levers {
    /// The defaults of MODEL.md §4 for `sectors` sectors.
    pub fn defaults(sectors: usize) -> Self {
        Levers {
            rd_subsidy: vec![0.0; sectors],
            digital_subsidy: vec![0.0; sectors],
            green_subsidy: vec![0.0; sectors],
            entry_subsidy: vec![0.0; sectors],
            talent: vec![0.0; sectors],
            green_standard: vec![0.0; sectors],
            standard_enforcement: 1.0,
            carbon_price: 0.02,
            data_openness: 0.0,
            targeting: Targeting::Inclusive,
            targeting_quantile: 0.75,
            budget_cap: None,
        }
    }

    /// Applies the settings of `set`, overriding only what it names.
    pub fn apply(&mut self, set: &LeverSet) {
        fn over(target: &mut [f64], values: &[Option<f64>]) {
            for (t, v) in target.iter_mut().zip(values) {
                if let Some(v) = v {
                    *t = *v;
                }
            }
        }
        over(&mut self.rd_subsidy, &set.rd_subsidy);
        over(&mut self.digital_subsidy, &set.digital_subsidy);
        over(&mut self.green_subsidy, &set.green_subsidy);
        over(&mut self.entry_subsidy, &set.entry_subsidy);
        over(&mut self.talent, &set.talent);
        over(&mut self.green_standard, &set.green_standard);
        if let Some(v) = set.standard_enforcement {
            self.standard_enforcement = v;
        }
        if let Some(v) = set.carbon_price {
            self.carbon_price = v;
        }
        if let Some(v) = set.data_openness {
            self.data_openness = v;
        }
        if let Some(v) = set.targeting {
            self.targeting = v;
        }
        if let Some(v) = set.targeting_quantile {
            self.targeting_quantile = v;
        }
        if let Some(v) = set.budget_cap {
            self.budget_cap = Some(v);
        }
    }
}

/// A validated set of lever values, each optional: the `[policy]` table or a schedule entry's
/// `set`. Per-sector levers hold one optional value per sector.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct LeverSet {
    /// See [`Levers::rd_subsidy`].
    pub rd_subsidy: Vec<Option<f64>>,
    /// See [`Levers::digital_subsidy`].
    pub digital_subsidy: Vec<Option<f64>>,
    /// See [`Levers::green_subsidy`].
    pub green_subsidy: Vec<Option<f64>>,
    /// See [`Levers::entry_subsidy`].
    pub entry_subsidy: Vec<Option<f64>>,
    /// See [`Levers::talent`].
    pub talent: Vec<Option<f64>>,
    /// See [`Levers::green_standard`].
    pub green_standard: Vec<Option<f64>>,
    /// See [`Levers::standard_enforcement`].
    pub standard_enforcement: Option<f64>,
    /// See [`Levers::carbon_price`].
    pub carbon_price: Option<f64>,
    /// See [`Levers::data_openness`].
    pub data_openness: Option<f64>,
    /// See [`Levers::targeting`].
    pub targeting: Option<Targeting>,
    /// See [`Levers::targeting_quantile`].
    pub targeting_quantile: Option<f64>,
    /// See [`Levers::budget_cap`].
    pub budget_cap: Option<f64>,
}

/// One entry of the schedule: from `from_step` to `to_step` (inclusive; open-ended if
/// `None`) the levers named in `set` take the given values (MODEL.md §4).
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleEntry {
    /// First step of the entry.
    pub from_step: u32,
    /// Last step of the entry, inclusive.
    pub to_step: Option<u32>,
    /// The values set.
    pub set: LeverSet,
}

impl ScheduleEntry {
    /// Whether the entry is in force in `step`.
    pub fn covers(&self, step: u32) -> bool {
        step >= self.from_step && self.to_step.is_none_or(|to| step <= to)
    }
}

/// The policy of a scenario: the base levers and the schedule over time.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicySpec {
    /// Levers in force unless the schedule says otherwise.
    pub base: Levers,
    /// Entries applied in order; later ones override earlier ones where they overlap.
    pub schedule: Vec<ScheduleEntry>,
}

impl PolicySpec {
    /// §5.1: the levers in force in `step`.
    pub fn at(&self, step: u32) -> Levers {
        let mut levers = self.base.clone();
        for entry in self.schedule.iter().filter(|e| e.covers(step)) {
            levers.apply(&entry.set);
        }
        levers
    }
}

/// A per-sector lever as written in a scenario: one number for every sector, or a table of
/// `sector = number`.
#[derive(Clone, Debug, PartialEq)]
pub enum PerSector {
    /// The same value in every sector.
    All(f64),
    /// Values for the sectors named; the others keep theirs.
    BySector(Vec<(String, f64)>),
}

impl Serialize for PerSector {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            PerSector::All(v) => serializer.serialize_f64(*v),
            PerSector::BySector(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for PerSector {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PerSectorVisitor;
        impl<'de> Visitor<'de> for PerSectorVisitor {
            type Value = PerSector;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number (every sector) or a table of sector = number")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<PerSector, E> {
                Ok(PerSector::All(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<PerSector, E> {
                Ok(PerSector::All(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<PerSector, E> {
                Ok(PerSector::All(v as f64))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PerSector, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, f64>()? {
                    entries.push((k, v));
                }
                Ok(PerSector::BySector(entries))
            }
        }
        deserializer.deserialize_any(PerSectorVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targeting_picks_leaders_or_laggards() {
        assert!(eligible(Targeting::Inclusive, -5.0, 0.3, -0.3));
        assert!(eligible(Targeting::Selective, 0.3, 0.3, -0.3));
        assert!(!eligible(Targeting::Selective, 0.29, 0.3, -0.3));
        assert!(eligible(Targeting::Laggards, -0.3, 0.3, -0.3));
        assert!(!eligible(Targeting::Laggards, 0.0, 0.3, -0.3));
    }

    #[test]
    fn budget_scale_binds_only_when_spending_exceeds_the_cap() {
        assert_eq!(budget_scale(1.0, None, 0.05), 1.0);
        assert_eq!(budget_scale(1.0, Some(0.003), 0.0), 1.0);
        assert_eq!(budget_scale(1.0, Some(0.003), 0.001), 1.0);
        let b = budget_scale(1.0, Some(0.003), 0.019);
        assert!((b - 0.003 / 0.019).abs() < 1e-15);
        // Once binding, the scale tracks the cap: spending b * 0.019 = 0.003 keeps b.
        assert!((budget_scale(b, Some(0.003), b * 0.019) - b).abs() < 1e-15);
    }

    #[test]
    fn later_schedule_entries_override_earlier_ones_where_they_overlap() {
        let mut spec = PolicySpec {
            base: Levers::defaults(2),
            schedule: vec![],
        };
        let mut first = LeverSet {
            carbon_price: Some(0.05),
            ..Default::default()
        };
        first.rd_subsidy = vec![Some(0.3), None];
        let second = LeverSet {
            carbon_price: Some(0.10),
            ..Default::default()
        };
        spec.schedule.push(ScheduleEntry {
            from_step: 1,
            to_step: None,
            set: first,
        });
        spec.schedule.push(ScheduleEntry {
            from_step: 5,
            to_step: Some(6),
            set: second,
        });
        assert_eq!(spec.at(0).carbon_price, 0.02);
        assert_eq!(spec.at(1).carbon_price, 0.05);
        assert_eq!(spec.at(1).rd_subsidy, vec![0.3, 0.0]);
        assert_eq!(spec.at(5).carbon_price, 0.10);
        assert_eq!(spec.at(5).rd_subsidy, vec![0.3, 0.0]);
        assert_eq!(spec.at(7).carbon_price, 0.05);
    }
}
