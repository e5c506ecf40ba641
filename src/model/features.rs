//! The switchable features of model 2 (docs/model.md M2.1): each adds a mechanism that is off
//! unless a scenario's `[features]` table switches it on. With every feature off the model is
//! model 1 to the byte: no feature state, no draw, no column.

use serde::{Deserialize, Serialize};

/// One switchable feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Feature {
    /// Firms live in regions; regional governments back emerging and future sectors (M2.2).
    Regions,
    /// A capacity stock per sector, planned for expected demand (M2.3).
    Capacity,
    /// A common-technology platform per sector, paid by a fund and by contributions (M2.4).
    Platform,
    /// Employment by skill, displacement and a talent pool (M2.14).
    Labour,
    /// Imported key inputs, supply cuts, rationing and autonomy (M2.15).
    Supply,
    /// A carbon-intensity target met by a premium on the carbon price (M2.13).
    Carbon,
}

impl Feature {
    /// Every feature, in the order of the `[features]` table.
    pub const ALL: [Feature; 6] = [
        Feature::Regions,
        Feature::Capacity,
        Feature::Platform,
        Feature::Labour,
        Feature::Supply,
        Feature::Carbon,
    ];

    /// The feature's name in `[features]`.
    pub const fn name(self) -> &'static str {
        match self {
            Feature::Regions => "regions",
            Feature::Capacity => "capacity",
            Feature::Platform => "platform",
            Feature::Labour => "labour",
            Feature::Supply => "supply",
            Feature::Carbon => "carbon",
        }
    }

    /// Whether the feature belongs to model 2 part two (labour, supply, carbon) rather than
    /// part one (regions, capacity, platform).
    pub const fn part_two(self) -> bool {
        matches!(self, Feature::Labour | Feature::Supply | Feature::Carbon)
    }
}

/// Which features a scenario switches on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Features {
    /// Firms in regions, regional backing.
    pub regions: bool,
    /// Sector capacity.
    pub capacity: bool,
    /// Common-technology platform.
    pub platform: bool,
    /// Labour by skill and talent.
    pub labour: bool,
    /// Supply chain and security.
    pub supply: bool,
    /// Carbon-intensity target.
    pub carbon: bool,
}

impl Features {
    /// Whether `feature` is on.
    pub fn has(&self, feature: Feature) -> bool {
        match feature {
            Feature::Regions => self.regions,
            Feature::Capacity => self.capacity,
            Feature::Platform => self.platform,
            Feature::Labour => self.labour,
            Feature::Supply => self.supply,
            Feature::Carbon => self.carbon,
        }
    }

    /// Whether a feature changes the R&D effort of docs/model.md M2.5 (regions' backing rate,
    /// capacity's price pressure, platform's contributions, labour's talent factor, supply's
    /// deliveries): then the innovation and imitation hazards read `eff_i`, else model 1's
    /// `1 + s_rd_i`.
    pub fn shapes_rd_effort(&self) -> bool {
        self.regions || self.capacity || self.platform || self.labour || self.supply
    }

    /// Whether output can fall short of demand-side output (capacity binds, key inputs are
    /// short): then availability `psi = Y / Yd` enters next year's demand (M2.3, M2.15).
    pub fn rations_output(&self) -> bool {
        self.capacity || self.supply
    }

    /// Every feature on (for forms that write every model-2 value, whatever a scenario uses).
    pub fn every() -> Self {
        Features {
            regions: true,
            capacity: true,
            platform: true,
            labour: true,
            supply: true,
            carbon: true,
        }
    }

    /// Whether any feature is on: then the model-2 columns are written.
    pub fn any(&self) -> bool {
        Feature::ALL.iter().any(|&f| self.has(f))
    }

    /// Whether a feature of the same part of model 2 as `feature` is on (part one: regions,
    /// capacity, platform; part two: labour, supply, carbon).
    pub fn any_in_part_of(&self, feature: Feature) -> bool {
        Feature::ALL
            .iter()
            .any(|&f| f.part_two() == feature.part_two() && self.has(f))
    }

    /// The features as written: `None` when none is on (so a model-1 scenario's explicit form
    /// is unchanged), else every feature.
    pub fn to_raw(&self) -> Option<RawFeatures> {
        self.any().then_some(RawFeatures {
            regions: Some(self.regions),
            capacity: Some(self.capacity),
            platform: Some(self.platform),
            labour: Some(self.labour),
            supply: Some(self.supply),
            carbon: Some(self.carbon),
        })
    }
}

/// `[features]` as written.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawFeatures {
    /// `regions`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<bool>,
    /// `capacity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<bool>,
    /// `platform`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<bool>,
    /// `labour`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labour: Option<bool>,
    /// `supply`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supply: Option<bool>,
    /// `carbon`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carbon: Option<bool>,
}

impl RawFeatures {
    /// The value written for `feature`, if any.
    pub fn get(&self, feature: Feature) -> Option<bool> {
        match feature {
            Feature::Regions => self.regions,
            Feature::Capacity => self.capacity,
            Feature::Platform => self.platform,
            Feature::Labour => self.labour,
            Feature::Supply => self.supply,
            Feature::Carbon => self.carbon,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_feature_is_on_by_default_and_none_writes_no_table() {
        let f = Features::default();
        assert!(!f.any());
        assert_eq!(f.to_raw(), None);
        let on = Features {
            capacity: true,
            ..Features::default()
        };
        assert!(on.any() && on.has(Feature::Capacity) && !on.has(Feature::Regions));
        assert_eq!(on.to_raw().unwrap().get(Feature::Capacity), Some(true));
    }

    #[test]
    fn a_feature_is_of_part_one_or_part_two_and_a_part_is_used_when_one_of_its_features_is_on() {
        let two: Vec<Feature> = Feature::ALL.into_iter().filter(|f| f.part_two()).collect();
        assert_eq!(two, [Feature::Labour, Feature::Supply, Feature::Carbon]);
        let capacity = Features {
            capacity: true,
            ..Features::default()
        };
        assert!(capacity.any_in_part_of(Feature::Regions));
        assert!(!capacity.any_in_part_of(Feature::Labour));
        let supply = Features {
            supply: true,
            ..Features::default()
        };
        assert!(supply.any_in_part_of(Feature::Labour));
        assert!(!supply.any_in_part_of(Feature::Platform));
        assert!(!Features::default().any_in_part_of(Feature::Regions));
    }
}
