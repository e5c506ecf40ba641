//! Scenario files as written: serde types with every field optional and unknown fields refused.
//!
//! Meaning (defaults, ranges, cross-references) is added in `validate.rs`; this module only
//! says what may appear where.

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;

use crate::model::demography::{TfpCondition, TransitionKind};
pub use crate::model::features::RawFeatures;
pub use crate::model::levers::{RawPolicy, RawScheduleEntry};
use crate::model::params::{RawModelParams, RawSector};

/// A whole scenario file.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Name of the scenario: the output folder. Defaults to the file's stem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the scenario asks, in a sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A scenario file this one overrides, relative to this file's folder, or
    /// `builtin:baseline`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    /// Run settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RawRun>,
    /// Global model parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<RawModelParams>,
    /// Sectors by name, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sectors: Option<OrderedMap<RawSector>>,
    /// The spillover and demand-linkage matrices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matrices: Option<RawMatrices>,
    /// Transition rules, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transitions: Option<Vec<RawTransition>>,
    /// Policy levers and their schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<RawPolicy>,
    /// Model 2: the features switched on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<RawFeatures>,
    /// Model 2: the regions by name, in order (with `regions` on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<OrderedMap<RawRegion>>,
    /// Model 2: the region used when `regions` is off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national: Option<RawNational>,
}

/// `[run]`: how much to simulate.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRun {
    /// Number of steps (years) after step 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<u32>,
    /// Number of initial firms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firms: Option<u64>,
    /// Number of replicates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicates: Option<u32>,
    /// Scenario seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Calendar year of step 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_year: Option<i32>,
}

/// `[matrices]`: rows are receiving sectors, columns source sectors, in sector order.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawMatrices {
    /// Spillover matrix W.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spillover: Option<Vec<Vec<f64>>>,
    /// Demand-linkage matrix B.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demand_linkage: Option<Vec<Vec<f64>>>,
    /// Model 2 (supply): input-output matrix Omega of key inputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_output: Option<Vec<Vec<f64>>>,
}

/// One `[[transitions]]` rule.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTransition {
    /// `switch` or `spawn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<TransitionKind>,
    /// Sector the firm is in at the start of the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Sector it moves to or founds a firm in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Probability per year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Minimum digital level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d_min: Option<f64>,
    /// Technology condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tfp_condition: Option<TfpCondition>,
    /// Whether the probability is multiplied by the firm's digital level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_by_digital: Option<bool>,
}

/// A TOML table read in file order: `name = value` pairs.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderedMap<V>(pub Vec<(String, V)>);

impl<V> Default for OrderedMap<V> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<V: Serialize> Serialize for OrderedMap<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for OrderedVisitor<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries: Vec<(String, V)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if entries.iter().any(|(k, _)| *k == key) {
                        return Err(de::Error::custom(format!("duplicate key `{key}`")));
                    }
                    let value = map.next_value::<V>()?;
                    entries.push((key, value));
                }
                Ok(OrderedMap(entries))
            }
        }
        deserializer.deserialize_map(OrderedVisitor(PhantomData))
    }
}

/// `[regions.<name>]` as written.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRegion {
    /// Share of each tier's initial firms in the region (a tier left out: 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firm_share: Option<RawTierShares>,
    /// `o_r`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tfp_offset: Option<f64>,
    /// `iota_r`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_infra: Option<f64>,
    /// Initial talent pool over skilled demand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub talent_endowment: Option<f64>,
    /// Yearly growth of the talent pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub talent_growth: Option<f64>,
    /// Comparative advantage by sector name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aptitude: Option<OrderedMap<f64>>,
}

/// A value per tier, as written (`firm_share = { traditional = 0.45, ... }`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTierShares {
    /// Traditional tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traditional: Option<f64>,
    /// Emerging tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emerging: Option<f64>,
    /// Future tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub future: Option<f64>,
}

impl RawTierShares {
    /// The values by [`Tier::index`](crate::model::params::Tier::index).
    pub fn values(&self) -> [Option<f64>; 3] {
        [self.traditional, self.emerging, self.future]
    }
}

/// `[national]` as written: the talent endowment of the one region used without `regions`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawNational {
    /// Initial talent pool over skilled demand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub talent_endowment: Option<f64>,
    /// Yearly growth of the talent pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub talent_growth: Option<f64>,
}
