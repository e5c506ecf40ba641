//! Model parameters, docs/model.md §3: one table per sector, one set of global parameters.
//!
//! Each parameter is declared once, in a table below, with its docs/model.md symbol, unit,
//! allowed range, defaults and meaning. The table generates the validated struct, its raw
//! (all-optional) form read from scenario files, and the metadata that validation and
//! `nqpsim params` use, so the three can never drift apart.

use serde::{Deserialize, Serialize};
use std::fmt;

use super::features::{Feature, Features};

/// The three tiers of industry (docs/model.md §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Traditional industries (steel, chemicals, machinery, textiles, ...).
    Traditional,
    /// Strategic emerging industries (new energy, NEVs, new materials, ...).
    Emerging,
    /// Future industries (quantum, hydrogen, brain-like intelligence, ...).
    Future,
}

impl Tier {
    /// All tiers, in the order of the default scenario.
    pub const ALL: [Tier; 3] = [Tier::Traditional, Tier::Emerging, Tier::Future];

    /// The tier's name as written in scenario files and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Traditional => "traditional",
            Tier::Emerging => "emerging",
            Tier::Future => "future",
        }
    }

    /// Position in [`Tier::ALL`], which indexes per-tier defaults.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The values a parameter may take (docs/model.md §3, validation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Range {
    /// Any finite number.
    Finite,
    /// A finite number `>= 0`.
    NonNegative,
    /// A finite number `> 0`.
    Positive,
    /// A number in `[0, 1]`.
    Unit,
    /// A number in `(0, 1]`.
    PositiveUnit,
    /// A number in `[0, 1)`.
    UnitOpenAbove,
    /// A number in `[0, 2]`.
    UpToTwo,
    /// A number `> 1` (the CES elasticity).
    AboveOne,
    /// A whole number `>= 0` (a count of sectors).
    Count,
    /// A finite number `> -1` (a growth rate).
    AboveMinusOne,
}

impl Range {
    /// Whether `value` lies in the range (NaN and infinities never do).
    pub fn contains(self, value: f64) -> bool {
        value.is_finite()
            && match self {
                Range::Finite => true,
                Range::NonNegative => value >= 0.0,
                Range::Positive => value > 0.0,
                Range::Unit => (0.0..=1.0).contains(&value),
                Range::PositiveUnit => value > 0.0 && value <= 1.0,
                Range::UnitOpenAbove => (0.0..1.0).contains(&value),
                Range::UpToTwo => (0.0..=2.0).contains(&value),
                Range::AboveOne => value > 1.0,
                Range::Count => value >= 0.0 && value.fract() == 0.0,
                Range::AboveMinusOne => value > -1.0,
            }
    }

    /// What the range allows, as a phrase for error messages.
    pub fn describe(self) -> &'static str {
        match self {
            Range::Finite => "must be a finite number",
            Range::NonNegative => "must be a finite number >= 0",
            Range::Positive => "must be a finite number > 0",
            Range::Unit => "must lie in [0, 1]",
            Range::PositiveUnit => "must lie in (0, 1]",
            Range::UnitOpenAbove => "must lie in [0, 1)",
            Range::UpToTwo => "must lie in [0, 2]",
            Range::AboveOne => "must be a finite number > 1",
            Range::Count => "must be a whole number >= 0",
            Range::AboveMinusOne => "must be a finite number > -1",
        }
    }

    /// Short notation for tables, e.g. `[0, 1]`.
    pub fn notation(self) -> &'static str {
        match self {
            Range::Finite => "(-inf, inf)",
            Range::NonNegative => "[0, inf)",
            Range::Positive => "(0, inf)",
            Range::Unit => "[0, 1]",
            Range::PositiveUnit => "(0, 1]",
            Range::UnitOpenAbove => "[0, 1)",
            Range::UpToTwo => "[0, 2]",
            Range::AboveOne => "(1, inf)",
            Range::Count => "{0, 1, 2, ...}",
            Range::AboveMinusOne => "(-1, inf)",
        }
    }
}

/// Documentation of one parameter: what `nqpsim params` prints and validation checks.
#[derive(Clone, Copy, Debug)]
pub struct ParamInfo {
    /// The name used in scenario files.
    pub name: &'static str,
    /// The symbol in docs/model.md (empty if none).
    pub symbol: &'static str,
    /// Unit of measurement.
    pub unit: &'static str,
    /// Allowed values.
    pub range: Range,
    /// One-line meaning.
    pub doc: &'static str,
    /// The model-2 feature the parameter belongs to (`None`: a model-1 parameter). It has no
    /// effect while its feature is off.
    pub feature: Option<Feature>,
}

impl ParamInfo {
    /// Whether the explicit form of a scenario (what `nqpsim check` prints and the manifest
    /// records) writes the parameter: a model-1 parameter always; a model-2 parameter when a
    /// feature of its part of model 2 is on or its value is not the default, so that a
    /// scenario's explicit form does not change when the program gains the other part (as
    /// [`crate::model::levers::LeverInfo::written_at_default`] for levers).
    pub fn written(&self, features: &Features, is_default: bool) -> bool {
        self.feature.is_none_or(|f| features.any_in_part_of(f)) || !is_default
    }
}

/// `Some(feature)` from an optional feature name in a parameter table.
macro_rules! feature_of {
    () => {
        None
    };
    ($feature:ident) => {
        Some(Feature::$feature)
    };
}

macro_rules! sector_parameters {
    ($(
        $(#[doc = $doc:literal])+
        $field:ident [$symbol:literal, $unit:literal, $range:ident $(, $feature:ident)?] = [$trad:expr, $emer:expr, $fut:expr];
    )+) => {
        /// The parameters of one sector (docs/model.md §3); defaults depend on the tier.
        #[derive(Clone, Debug, PartialEq, Serialize)]
        pub struct SectorParams {
            $( $(#[doc = $doc])+ pub $field: f64, )+
        }

        /// A sector as written in a scenario file: its tier and any parameters it sets.
        #[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
        #[serde(deny_unknown_fields)]
        pub struct RawSector {
            /// The sector's tier; sets the defaults of every parameter left out.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub tier: Option<Tier>,
            $(
                $(#[doc = $doc])+
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<f64>,
            )+
        }

        impl SectorParams {
            /// Documentation of every per-sector parameter, in declaration order.
            pub const INFO: &'static [ParamInfo] = &[
                $( ParamInfo {
                    name: stringify!($field),
                    symbol: $symbol,
                    unit: $unit,
                    range: Range::$range,
                    doc: concat!($($doc),+),
                    feature: feature_of!($($feature)?),
                }, )+
            ];

            /// Defaults per tier, in the order of [`SectorParams::INFO`].
            const DEFAULTS: [[f64; 3]; Self::INFO.len()] = [ $( [$trad, $emer, $fut], )+ ];

            /// The defaults of a sector of `tier` (docs/model.md §3).
            pub fn defaults(tier: Tier) -> Self {
                let mut values = [0.0; Self::INFO.len()];
                for (value, defaults) in values.iter_mut().zip(Self::DEFAULTS) {
                    *value = defaults[tier.index()];
                }
                Self::from_values(values)
            }

            /// The default of parameter `index` for each tier.
            pub fn tier_defaults(index: usize) -> [f64; 3] {
                Self::DEFAULTS[index]
            }

            /// The values in the order of [`SectorParams::INFO`].
            pub fn values(&self) -> [f64; Self::INFO.len()] {
                [ $( self.$field, )+ ]
            }

            /// Builds the struct from values in the order of [`SectorParams::INFO`].
            pub fn from_values(values: [f64; Self::INFO.len()]) -> Self {
                let [ $( $field, )+ ] = values;
                SectorParams { $( $field, )+ }
            }
        }

        impl RawSector {
            /// The values set, in the order of [`SectorParams::INFO`].
            pub fn values(&self) -> [Option<f64>; SectorParams::INFO.len()] {
                [ $( self.$field, )+ ]
            }

            /// The raw form that sets every parameter explicitly (model-2 parameters as
            /// [`ParamInfo::written`] says for the features `features`).
            pub fn explicit(tier: Tier, params: &SectorParams, features: &Features) -> Self {
                let defaults = SectorParams::defaults(tier);
                let mut info = SectorParams::INFO.iter();
                RawSector {
                    tier: Some(tier),
                    $( $field: {
                        let i = info.next().expect("one entry per field");
                        i.written(features, params.$field == defaults.$field)
                            .then_some(params.$field)
                    }, )+
                }
            }
        }
    };
}

sector_parameters! {
    /// Share of the initial firms in this sector.
    firm_share ["", "share of firms", Unit] = [0.80, 0.17, 0.03];
    /// Initial share of total output; sets the demand scale Z_j(0).
    output_share ["", "share of output", Unit] = [0.80, 0.17, 0.03];
    /// Mean of the initial log technology, a ~ N(tfp_mean, tfp_sd).
    tfp_mean ["", "log TFP", Finite] = [0.00, 0.15, 0.05];
    /// Standard deviation of the initial log technology (also of entrants).
    tfp_sd ["", "log TFP", NonNegative] = [0.25, 0.30, 0.40];
    /// R&D spending as a share of output.
    rd_intensity ["rho", "share of output", NonNegative] = [0.015, 0.05, 0.10];
    /// Innovation rate: success probability is 1 - exp(-lambda r (1 + mu_amp d)).
    innovation_rate ["lambda", "per unit R&D intensity per year", NonNegative] = [7.0, 7.0, 5.0];
    /// Mean of an innovation draw z ~ N(mu, sigma); the gain is max(0, z).
    innovation_mean ["mu", "log TFP", Finite] = [0.00, 0.01, 0.00];
    /// Standard deviation of an innovation draw.
    innovation_sd ["sigma", "log TFP", NonNegative] = [0.04, 0.06, 0.12];
    /// Share of the gap to the source frontier closed by one imitation.
    catch_up ["kappa", "share of the gap", Unit] = [0.3, 0.3, 0.3];
    /// Gap scale beyond which imitation fails (absorptive capacity).
    absorptive_gap ["theta", "log TFP", Positive] = [0.5, 0.8, 1.0];
    /// Strength of the data multiplier 1 + mu d ln(1 + D + omega Dbar).
    data_productivity ["mu", "per unit ln data", NonNegative] = [0.10, 0.15, 0.20];
    /// Data produced per year by a fully digital firm of average size.
    data_generation ["chi", "data units per year", NonNegative] = [1.0, 1.0, 1.0];
    /// Mean of the initial digital level (Beta, concentration 4).
    digital_init ["", "level in [0, 1]", Unit] = [0.2, 0.5, 0.6];
    /// Mean of the initial green level (Beta, concentration 4).
    green_init ["", "level in [0, 1]", Unit] = [0.1, 0.3, 0.3];
    /// Cost of full digitalisation, as a share of one year's output.
    digital_cost ["", "share of one year's output", NonNegative] = [0.5, 0.5, 0.5];
    /// Cost of full abatement, as a share of one year's output.
    green_cost ["", "share of one year's output", NonNegative] = [0.4, 0.4, 0.4];
    /// Emissions per unit of output when unabated.
    emission_intensity ["e", "emissions per unit output", NonNegative] = [1.0, 0.3, 0.2];
    /// Exogenous growth of the demand scale Z_j.
    demand_growth ["gamma", "per year", Finite] = [0.01, 0.05, 0.08];
    /// How much productivity gains expand output: Y_j = Z_j Cbar_j^eta.
    output_elasticity ["eta", "elasticity", NonNegative] = [0.5, 0.8, 0.9];
    /// Elasticity of substitution between the firms of the sector (CES).
    elasticity ["sigma", "elasticity", AboveOne] = [4.0, 4.0, 4.0];
    /// Share of the gap to the CES share closed per year.
    share_adjustment ["adj", "share per year", Unit] = [0.5, 0.5, 0.5];
    /// Expected entrants per incumbent per year.
    entry_rate ["", "per firm per year", NonNegative] = [0.02, 0.04, 0.08];
    /// Entrants draw a ~ N(mean a of the sector + entry_tfp_gap, tfp_sd).
    entry_tfp_gap ["", "log TFP", Finite] = [-0.05, 0.00, 0.05];
    /// Exogenous exit probability per year.
    death_rate ["", "probability per year", Unit] = [0.01, 0.01, 0.02];
    /// Standard deviation of a yearly permanent idiosyncratic shock to technology a (0: none):
    /// a becomes a random walk with drift, which widens dispersion and raises growth through
    /// selection; it does not lower persistence.
    shock_sd ["", "log TFP per year", NonNegative] = [0.0, 0.0, 0.0];
    /// An entrant's initial market share relative to the sector mean share.
    entry_size ["", "multiple of the mean share", NonNegative] = [1.0, 1.0, 1.0];
    /// Standard deviation of a spawned firm's technology around its parent's.
    spawn_tfp_sd ["", "log TFP", NonNegative] = [0.1, 0.1, 0.1];
    /// Scale of the yearly innovation of the transitory productivity component e, a unit-
    /// variance Laplace draw times this (0: no transitory component).
    transitory_sd ["s_e", "log TFP", NonNegative] = [0.0, 0.0, 0.0];
    /// Persistence of the transitory component: e = rho_e e + s_e eps each year.
    transitory_persistence ["rho_e", "per year", UnitOpenAbove] = [0.0, 0.0, 0.0];
    /// Scale of the yearly step of a firm's log demand shifter xi, a random walk (Gibrat's law
    /// for demand; 0: none). It moves demand between a sector's firms, never the sector's output.
    demand_shock_sd ["s_xi", "log demand per year", NonNegative] = [0.0, 0.0, 0.0];
    /// Model 2, regions: the national signal that herding regional governments follow when
    /// they choose which emerging or future sector to back (e.g. provinces planning it).
    popularity ["pop", "signal", Finite, Regions] = [0.0, 0.0, 0.0];
    /// Model 2, labour: skilled share of labour at digital level 0.
    skill_share ["h", "share of labour", Unit, Labour] = [0.15, 0.35, 0.55];
    /// Model 2, labour: share of unskilled labour per unit of output automated at digital
    /// level 1 (calibrated so that alpha (1 - h) = 0.33: a point of d, about one robot per
    /// thousand workers, automates a third of a percent of labour).
    automation ["alpha", "share of unskilled labour", Unit, Labour] = [0.39, 0.51, 0.73];
    /// Model 2, labour: extra skilled labour per unit of output at digital level 1 (new
    /// skilled tasks).
    reinstatement ["zeta", "skilled labour per unit labour", NonNegative, Labour] = [0.5, 0.5, 0.5];
    /// Model 2, supply: share of the sector's key inputs that is imported.
    import_share ["mi", "share of key inputs", Unit, Supply] = [0.10, 0.30, 0.40];
    /// Model 2, supply: share of imported key inputs with a domestic substitute that firms
    /// maintain without policy (the floor autonomy decays to).
    autonomy_init ["s0", "share of imports", Unit, Supply] = [0.3, 0.2, 0.1];
}

impl SectorParams {
    /// Model 2, labour: the sector's skill mix (docs/model.md M2.14).
    pub fn skill_mix(&self) -> super::labour::SkillMix {
        super::labour::SkillMix {
            skill_share: self.skill_share,
            automation: self.automation,
            reinstatement: self.reinstatement,
        }
    }
}

macro_rules! model_parameters {
    ($(
        $(#[doc = $doc:literal])+
        $field:ident [$symbol:literal, $unit:literal, $range:ident $(, $feature:ident)?] = $default:expr;
    )+) => {
        /// Global parameters of the model (docs/model.md §3).
        #[derive(Clone, Debug, PartialEq, Serialize)]
        pub struct ModelParams {
            $( $(#[doc = $doc])+ pub $field: f64, )+
        }

        /// Global parameters as written in a scenario file (`[model]`).
        #[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
        #[serde(deny_unknown_fields)]
        pub struct RawModelParams {
            $(
                $(#[doc = $doc])+
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<f64>,
            )+
        }

        impl ModelParams {
            /// Documentation of every global parameter, in declaration order.
            pub const INFO: &'static [ParamInfo] = &[
                $( ParamInfo {
                    name: stringify!($field),
                    symbol: $symbol,
                    unit: $unit,
                    range: Range::$range,
                    doc: concat!($($doc),+),
                    feature: feature_of!($($feature)?),
                }, )+
            ];

            /// The defaults, in the order of [`ModelParams::INFO`].
            pub const DEFAULTS: [f64; Self::INFO.len()] = [ $( $default, )+ ];

            /// The values in the order of [`ModelParams::INFO`].
            pub fn values(&self) -> [f64; Self::INFO.len()] {
                [ $( self.$field, )+ ]
            }

            /// Builds the struct from values in the order of [`ModelParams::INFO`].
            pub fn from_values(values: [f64; Self::INFO.len()]) -> Self {
                let [ $( $field, )+ ] = values;
                ModelParams { $( $field, )+ }
            }
        }

        impl Default for ModelParams {
            fn default() -> Self {
                Self::from_values(Self::DEFAULTS)
            }
        }

        impl RawModelParams {
            /// The values set, in the order of [`ModelParams::INFO`].
            pub fn values(&self) -> [Option<f64>; ModelParams::INFO.len()] {
                [ $( self.$field, )+ ]
            }

            /// The raw form that sets every parameter explicitly (model-2 parameters as
            /// [`ParamInfo::written`] says for the features `features`).
            pub fn explicit(params: &ModelParams, features: &Features) -> Self {
                let defaults = ModelParams::default();
                let mut info = ModelParams::INFO.iter();
                RawModelParams {
                    $( $field: {
                        let i = info.next().expect("one entry per field");
                        i.written(features, params.$field == defaults.$field)
                            .then_some(params.$field)
                    }, )+
                }
            }
        }
    };
}

model_parameters! {
    /// Yearly depreciation of the data stock.
    data_depreciation ["delta_D", "share per year", PositiveUnit] = 0.2;
    /// How much digitalisation amplifies innovation: 1 + mu_amp d.
    data_amplification ["mu_amp", "multiplier per unit d", NonNegative] = 1.0;
    /// Quantile of a that defines a sector's frontier F_j.
    frontier_quantile ["q", "quantile", Unit] = 0.9;
    /// A firm exits when its share falls below exit_share / n_j. A low bar: exit is mostly the
    /// death draw; raising it raises selection steeply.
    exit_share ["", "multiple of the mean share", Unit] = 0.1;
    /// Size of one digital or green upgrade.
    upgrade_step ["u", "level", PositiveUnit] = 0.1;
    /// Years over which a firm weighs an upgrade's benefit (undiscounted).
    horizon ["H", "years", NonNegative] = 5.0;
    /// Largest yearly probability of an upgrade.
    adoption_max ["p_max", "probability per year", Unit] = 0.5;
    /// Weight of the net benefit in the adoption logit.
    adoption_net_weight ["beta_net", "logit per unit normalised net benefit", NonNegative] = 3.0;
    /// Weight of peers' mean level in the adoption logit.
    adoption_peer_weight ["beta_peer", "logit per unit peer level", NonNegative] = 4.0;
    /// Floor of 1 - burden in competitiveness.
    min_margin ["", "share of output", PositiveUnit] = 0.01;
    /// Fiscal cost of one extra entrant, in years of mean firm output (a placeholder).
    entry_cost ["", "years of mean firm output", NonNegative] = 1.0;
    /// Fiscal cost per unit of talent support, as a share of the sector's output (a placeholder).
    talent_cost ["", "share of sector output per unit talent", NonNegative] = 0.01;
    /// Model 2, regions: a backing region adds this multiple of an average region's entry
    /// to a backed sector.
    backing_entry ["beta_E", "multiple of a region's entry", NonNegative, Regions] = 1.0;
    /// Model 2, regions: R&D subsidy rate of backed firms at backing 1.
    backing_rd ["", "matching rate", NonNegative, Regions] = 0.5;
    /// Model 2, regions: extra capacity planned for backed output at backing 1 (cheap land
    /// and credit).
    backing_capacity ["b_c", "share of planned capacity", Unit, Regions] = 0.2;
    /// Model 2, regions: how many candidate sectors each region backs.
    backed_per_region ["", "sectors", Count, Regions] = 1.0;
    /// Model 2, capacity: utilisation firms plan for; 1/u_n - 1 is the headroom before
    /// capacity binds output.
    normal_utilisation ["u_n", "share of capacity", PositiveUnit, Capacity] = 0.8;
    /// Model 2, capacity: largest yearly fall of capacity (irreversibility).
    capacity_depreciation ["delta_K", "share per year", Unit, Capacity] = 0.08;
    /// Model 2, capacity: yearly cost of a unit of capacity beyond normal, as a share of the
    /// output it makes at normal utilisation.
    capacity_cost ["c_K", "share of output", Unit, Capacity] = 0.2;
    /// Model 2, capacity: elasticity of R&D effort to planned excess capacity (not estimated).
    price_pressure ["", "elasticity", NonNegative, Capacity] = 2.0;
    /// Model 2, capacity: weight of the latest demand growth in expected demand growth.
    demand_expectation ["lambda_e", "weight", Unit, Capacity] = 0.5;
    /// Model 2, platform: log TFP added per year per unit of ln(1 + spending / scale).
    platform_efficiency ["eps_P", "log TFP per year", NonNegative, Platform] = 0.01;
    /// Model 2, platform: spending share of output at which returns start to diminish (and
    /// the scale of crowding out).
    platform_scale ["", "share of output", Positive, Platform] = 0.005;
    /// Model 2, platform: yearly decay of the common-technology stock.
    platform_obsolescence ["delta_P", "share per year", Unit, Platform] = 0.05;
    /// Model 2, platform: share of its R&D effort a contributing firm gives the platform.
    contribution_share ["", "share of R&D", Unit, Platform] = 0.2;
    /// Model 2, platform: private return of a contribution for a firm of average size when
    /// nobody else provides.
    contribution_return ["b_P", "ratio", NonNegative, Platform] = 0.3;
    /// Model 2, platform: slope of the contribution logit.
    contribution_weight ["beta_c", "logit per unit return", NonNegative, Platform] = 3.0;
    /// Model 2, labour: elasticity of the talent factor q_r = min(1, H_r / Dh_r)^nu, the share
    /// of digital upgrades and R&D a region's talent can carry out.
    talent_elasticity ["nu", "elasticity", NonNegative, Labour] = 1.0;
    /// Model 2, labour: fiscal cost of training one person, in years of the economy's output
    /// per worker (a placeholder).
    training_cost ["", "years of output per worker", NonNegative, Labour] = 0.5;
    /// Model 2, carbon: premium added per unit by which the year's fall in emission intensity
    /// falls short of the target (the rate term of the premium rule).
    carbon_price_gain ["kappa_P", "carbon price per unit shortfall", UpToTwo, Carbon] = 0.5;
    /// Model 2, carbon: premium added per unit of log gap between emission intensity and its
    /// target path (the level term, which closes a lasting gap).
    carbon_level_gain ["kappa_I", "carbon price per unit log gap", Unit, Carbon] = 0.2;
    /// Model 2, carbon: the largest premium (1: a fully unabated traditional firm pays its
    /// whole output).
    carbon_premium_max ["", "share of output per unit emission", NonNegative, Carbon] = 1.0;
    /// Model 2, supply: TFP lost per unit of imported key-input share that is substituted
    /// domestically, Xs_j = 1 - pi_s mi_j s_j (substitutes are less efficient).
    substitution_cost ["pi_s", "TFP share per unit substituted", Unit, Supply] = 0.2;
    /// Model 2, supply: share of the autonomy gap closed per unit of autonomy spending (as a
    /// share of output) per year (not estimated).
    autonomy_efficiency ["eps_s", "gap closed per unit spending share", NonNegative, Supply] = 20.0;
    /// Model 2, supply: yearly decay of autonomy above its floor s0 (substitutes not
    /// maintained are forgotten; a half-life of about 7 years).
    autonomy_depreciation ["delta_s", "share per year", Unit, Supply] = 0.1;
    /// Model 2, supply: share of the autonomy gap substituted in a year of a total cut
    /// (proportional to the cut).
    crisis_learning ["lambda_c", "share of the gap per year", Unit, Supply] = 0.1;
    /// Model 2, supply: share of a sector's firms that are chain leaders, served first in a
    /// shortage (0: proportional rationing).
    leader_share ["", "share of firms", Unit, Supply] = 0.05;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tier_defaults_follow_model_section_3() {
        let trad = SectorParams::defaults(Tier::Traditional);
        let emer = SectorParams::defaults(Tier::Emerging);
        let fut = SectorParams::defaults(Tier::Future);
        assert_eq!(trad.rd_intensity, 0.015);
        assert_eq!(emer.innovation_sd, 0.06);
        assert_eq!(fut.death_rate, 0.02);
        assert_eq!(trad.entry_tfp_gap, -0.05);
        let shares: f64 = [&trad, &emer, &fut].iter().map(|p| p.firm_share).sum();
        assert!((shares - 1.0).abs() < 1e-12);
    }

    #[test]
    fn every_default_lies_in_its_range() {
        for tier in Tier::ALL {
            let values = SectorParams::defaults(tier).values();
            for (info, value) in SectorParams::INFO.iter().zip(values) {
                assert!(info.range.contains(value), "{} = {value}", info.name);
            }
        }
        for (info, value) in ModelParams::INFO
            .iter()
            .zip(ModelParams::default().values())
        {
            assert!(info.range.contains(value), "{} = {value}", info.name);
        }
    }

    #[test]
    fn ranges_reject_non_finite_values() {
        for range in [
            Range::Finite,
            Range::NonNegative,
            Range::Unit,
            Range::AboveOne,
        ] {
            assert!(!range.contains(f64::NAN));
            assert!(!range.contains(f64::INFINITY));
        }
        assert!(!Range::AboveOne.contains(1.0));
        assert!(!Range::PositiveUnit.contains(0.0));
    }
}
