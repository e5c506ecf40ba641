//! Policy levers and their schedule (docs/model.md §4) and the per-firm policy of a step (§5.1).

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

use super::levers::{LeverSet, Levers};

/// Who receives the R&D, digital and green subsidies (docs/model.md §4).
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
    /// The names used in scenario files, in declaration order.
    pub const NAMES: [&'static str; 3] = ["inclusive", "selective", "laggards"];

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

/// One entry of the schedule: from `from_step` to `to_step` (inclusive; open-ended if
/// `None`) the levers named in `set` take the given values (docs/model.md §4.4). A ramp moves
/// them instead in equal steps from the values in force at `from_step - 1` to those of `set`,
/// reached at `to_step` and kept after it.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleEntry {
    /// First step of the entry.
    pub from_step: u32,
    /// Last step of the entry, inclusive; of a ramp, the step it reaches `set`.
    pub to_step: Option<u32>,
    /// The values set.
    pub set: LeverSet,
    /// Whether the entry ramps (then `to_step` is given).
    pub ramp: bool,
}

impl ScheduleEntry {
    /// Whether the entry is in force in `step` (a ramp stays in force after its end).
    pub fn covers(&self, step: u32) -> bool {
        step >= self.from_step && (self.ramp || self.to_step.is_none_or(|to| step <= to))
    }

    /// How far a ramp has gone in `step`: `k / n` in its k-th of n steps, 1 from `to_step`
    /// on (and for an entry that does not ramp).
    pub fn fraction(&self, step: u32) -> f64 {
        match (self.ramp, self.to_step) {
            (true, Some(to)) if step < to => {
                f64::from(step - self.from_step + 1) / f64::from(to - self.from_step + 1)
            }
            _ => 1.0,
        }
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
        self.at_with(self.schedule.len(), step)
    }

    /// The levers in force in `step` under the first `entries` entries of the schedule.
    fn at_with(&self, entries: usize, step: u32) -> Levers {
        let mut levers = self.base.clone();
        for (i, entry) in self.schedule[..entries].iter().enumerate() {
            if !entry.covers(step) {
                continue;
            }
            let fraction = entry.fraction(step);
            if fraction < 1.0 {
                // a ramp starts from what the entries before it give the step before it
                let from = self.at_with(i, entry.from_step.saturating_sub(1));
                levers.apply(&entry.set.ramped(&from, fraction));
            } else {
                levers.apply(&entry.set);
            }
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
            base: Levers::defaults(2, 1),
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
            ramp: false,
        });
        spec.schedule.push(ScheduleEntry {
            from_step: 5,
            to_step: Some(6),
            set: second,
            ramp: false,
        });
        assert_eq!(spec.at(0).carbon_price, 0.02);
        assert_eq!(spec.at(1).carbon_price, 0.05);
        assert_eq!(spec.at(1).rd_subsidy, vec![0.3, 0.0]);
        assert_eq!(spec.at(5).carbon_price, 0.10);
        assert_eq!(spec.at(5).rd_subsidy, vec![0.3, 0.0]);
        assert_eq!(spec.at(7).carbon_price, 0.05);
    }

    #[test]
    fn a_ramp_moves_in_equal_steps_from_the_value_before_it_and_holds_its_end() {
        let mut spec = PolicySpec {
            base: Levers::defaults(2, 1),
            schedule: vec![],
        };
        let mut set = LeverSet {
            carbon_price: Some(0.10),
            ..Default::default()
        };
        set.rd_subsidy = vec![None, Some(0.5)];
        // from 0.02 (the base) at step 0 to 0.10 at step 4: 0.04, 0.06, 0.08, 0.10, then 0.10
        spec.schedule.push(ScheduleEntry {
            from_step: 1,
            to_step: Some(4),
            set,
            ramp: true,
        });
        let prices: Vec<f64> = (0..7).map(|t| spec.at(t).carbon_price).collect();
        let expected = [0.02, 0.04, 0.06, 0.08, 0.10, 0.10, 0.10];
        for (p, e) in prices.iter().zip(expected) {
            assert!((p - e).abs() < 1e-15, "{prices:?}");
        }
        assert_eq!(spec.at(4).carbon_price, 0.10, "the end is exact");
        assert_eq!(
            spec.at(2).rd_subsidy,
            [0.0, 0.25],
            "per sector, only what it sets"
        );
        // a later entry overrides the ramp where they overlap
        spec.schedule.push(ScheduleEntry {
            from_step: 3,
            to_step: Some(3),
            set: LeverSet {
                carbon_price: Some(0.5),
                ..Default::default()
            },
            ramp: false,
        });
        assert_eq!(spec.at(3).carbon_price, 0.5);
        assert!((spec.at(2).carbon_price - 0.06).abs() < 1e-15);
    }
}
