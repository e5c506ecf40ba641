//! What a sweep's axis varies, in words and with its unit, for axis labels, legends and
//! titles: `policy.rd_subsidy.traditional` is "R&D subsidy, traditional (matching rate)",
//! `policy.talent_training.west` "talent training, west (added growth per year)".
//!
//! Levers are named by their label and unit in [`LEVERS`](crate::model::levers::LEVERS);
//! parameters (`sectors.NAME.x`, `model.x`) by their name as written in scenario files and the
//! unit of [`SectorParams::INFO`] or [`ModelParams::INFO`]. A path that is none of these
//! (`run.firms`, `matrices.spillover[0][1]`, a schedule entry) is shown as written.

use crate::model::levers::{LeverInfo, Scope};
use crate::model::params::{ModelParams, ParamInfo, SectorParams};

/// What an axis varies, in words, and its unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AxisText {
    /// In words: `R&D subsidy, traditional`.
    pub name: String,
    /// `matching rate`; `None` for a choice (`policy.targeting`) or a path not known.
    pub unit: Option<String>,
}

impl AxisText {
    /// `name (unit)`, or the name alone without a unit.
    pub fn label(&self) -> String {
        match &self.unit {
            Some(unit) => format!("{} ({unit})", self.name),
            None => self.name.clone(),
        }
    }
}

/// The label of the field `path` on an axis: "R&D subsidy, traditional (matching rate)",
/// "carbon price (share of output per unit emission)", "entry_rate, future (per year)",
/// "targeting of subsidies"; the path itself where it names no lever or parameter.
pub fn axis_label(path: &str) -> String {
    axis_text(path).label()
}

/// The name and unit of the field `path` (see [`axis_label`]).
pub fn axis_text(path: &str) -> AxisText {
    let parts: Vec<&str> = path.split('.').collect();
    let param = |info: &[ParamInfo], field: &str, sector: Option<&str>| {
        info.iter().find(|p| p.name == field).map(|p| AxisText {
            name: match sector {
                Some(s) => format!("{}, {s}", p.name),
                None => p.name.to_string(),
            },
            unit: Some(p.unit.to_string()),
        })
    };
    let found = match parts.as_slice() {
        ["policy", lever] => LeverInfo::find(lever).map(|l| AxisText {
            name: match l.scope {
                Scope::Sector => format!("{}, all sectors", l.label),
                Scope::Region => format!("{}, all regions", l.label),
                Scope::Global => l.label.to_string(),
            },
            unit: (!l.is_choice()).then(|| l.unit.to_string()),
        }),
        // a sector's value of a per-sector lever, a region's of a per-region one
        ["policy", lever, sector] => LeverInfo::find(lever)
            .filter(|l| l.scope != Scope::Global && !sector.is_empty())
            .map(|l| AxisText {
                name: format!("{}, {sector}", l.label),
                unit: Some(l.unit.to_string()),
            }),
        ["sectors", sector, field] if !sector.is_empty() => {
            param(SectorParams::INFO, field, Some(sector))
        }
        ["model", field] => param(ModelParams::INFO, field, None),
        _ => None,
    };
    found.unwrap_or_else(|| AxisText {
        name: path.to_string(),
        unit: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levers_are_named_in_words_with_their_unit() {
        assert_eq!(
            axis_label("policy.rd_subsidy.traditional"),
            "R&D subsidy, traditional (matching rate)"
        );
        assert_eq!(
            axis_label("policy.digital_subsidy"),
            "digital upgrade subsidy, all sectors (share of cost)"
        );
        assert_eq!(
            axis_label("policy.carbon_price"),
            "carbon price (share of output per unit emission)"
        );
        assert_eq!(axis_label("policy.data_openness"), "data openness (share)");
        assert_eq!(
            axis_label("policy.talent_training.west"),
            "talent training, west (added growth per year)"
        );
        assert_eq!(
            axis_label("policy.talent_training"),
            "talent training, all regions (added growth per year)"
        );
        // A choice has no unit: its "unit" is the list of its names.
        assert_eq!(axis_label("policy.targeting"), "targeting of subsidies");
        assert_eq!(
            axis_text("policy.targeting"),
            AxisText {
                name: "targeting of subsidies".into(),
                unit: None
            }
        );
    }

    #[test]
    fn parameters_are_named_by_their_name_and_unit() {
        assert_eq!(
            axis_label("sectors.future.rd_intensity"),
            "rd_intensity, future (share of output)"
        );
        assert_eq!(
            axis_label("model.frontier_quantile"),
            "frontier_quantile (quantile)"
        );
    }

    #[test]
    fn anything_else_is_shown_as_written() {
        for path in [
            "run.firms",
            "matrices.spillover[0][1]",
            "policy.schedule[0].set.carbon_price",
            "policy.nonsense",
            "policy.carbon_price.traditional",
            "sectors.future.nonsense",
            "model.rd_intensity",
            "my_axis",
            "",
        ] {
            assert_eq!(axis_label(path), path);
        }
    }
}
