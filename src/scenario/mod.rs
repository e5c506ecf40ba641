//! Scenarios: TOML files that say which sectors exist, with which parameters, under which
//! policy, for how long. See the README's "Scenario files" for the format.
//!
//! Loading has three stages, kept apart: each file is parsed and checked for unknown fields
//! and wrong types ([`raw`], [`source`]); the `extends` chain is merged and `--set`
//! overrides are applied ([`extends`], [`overrides`]); the result is validated against
//! docs/model.md and filled with defaults ([`validate`]).

pub mod extends;
pub mod overrides;
pub mod plan;
pub mod raw;
pub mod schema;
pub mod source;
pub mod validate;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Invalid, Location, ScenarioError};
use crate::model::Matrix;
use crate::model::demography::TransitionRule;
use crate::model::features::Features;
use crate::model::levers::Levers;
use crate::model::params::{ModelParams, RawModelParams, RawSector, SectorParams, Tier};
use crate::model::policy::PolicySpec;
use crate::model::regions::{NATIONAL_TALENT_ENDOWMENT, NATIONAL_TALENT_GROWTH, Region};
use extends::Origin;
use overrides::Override;
use raw::{
    OrderedMap, RawMatrices, RawNational, RawPolicy, RawRegion, RawRun, RawScenario,
    RawScheduleEntry, RawTierShares, RawTransition,
};
use source::SourceFile;

/// The baseline scenario, embedded in the binary (`scenarios/baseline.toml`).
pub const BASELINE_TOML: &str = include_str!("../../scenarios/baseline.toml");

/// How much to simulate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RunSettings {
    /// Steps (years) after step 0.
    pub steps: u32,
    /// Initial number of firms.
    pub firms: u64,
    /// Number of replicates.
    pub replicates: u32,
    /// Scenario seed.
    pub seed: u64,
    /// Calendar year of step 0.
    pub start_year: i32,
}

/// One sector: a name, a tier and its parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Sector {
    /// Name (unique; used in outputs and field paths).
    pub name: String,
    /// Tier.
    pub tier: Tier,
    /// Parameters (tier defaults where the scenario is silent).
    pub params: SectorParams,
}

/// A validated scenario: everything the simulation needs, with every default filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// Name, used as the output folder.
    pub name: String,
    /// What the scenario asks.
    pub description: String,
    /// Run settings.
    pub run: RunSettings,
    /// Global parameters.
    pub model: ModelParams,
    /// Sectors in scenario order; that order indexes the matrices and orders output rows.
    pub sectors: Vec<Sector>,
    /// Spillover matrix W.
    pub spillover: Matrix,
    /// Demand-linkage matrix B.
    pub demand_linkage: Matrix,
    /// Model 2 (supply): input-output matrix Omega, row `j` the share of its key inputs
    /// made by each sector (docs/model.md M2.15).
    pub input_output: Matrix,
    /// Transition rules in order.
    pub transitions: Vec<TransitionRule>,
    /// Policy levers and schedule.
    pub policy: PolicySpec,
    /// Model 2: the features switched on (docs/model.md M2.1).
    pub features: Features,
    /// Model 2: the regions, in order (docs/model.md M2.2): the scenario's with `regions` on,
    /// else the one region `national`.
    pub regions: Vec<Region>,
}

/// A region as written, every value explicit (sectors `names`).
fn region_to_raw(region: &Region, names: &[String]) -> RawRegion {
    RawRegion {
        firm_share: Some(RawTierShares {
            traditional: Some(region.firm_share[0]),
            emerging: Some(region.firm_share[1]),
            future: Some(region.firm_share[2]),
        }),
        tfp_offset: Some(region.tfp_offset),
        data_infra: Some(region.data_infra),
        talent_endowment: Some(region.talent_endowment),
        talent_growth: Some(region.talent_growth),
        aptitude: Some(OrderedMap(
            names
                .iter()
                .cloned()
                .zip(region.aptitude.iter().copied())
                .collect(),
        )),
    }
}

/// Loads a scenario file (following `extends`) and applies `--set` overrides.
pub fn load(path: &Path, overrides: &[String]) -> Result<Scenario, ScenarioError> {
    let stem = source::file_stem(path);
    load_origin(Origin::File(path.to_path_buf()), &stem, overrides)
}

/// Loads the embedded baseline and applies `--set` overrides.
pub fn load_baseline(overrides: &[String]) -> Result<Scenario, ScenarioError> {
    load_origin(Origin::Builtin, "baseline", overrides)
}

/// Loads a scenario from text; relative `extends` resolve from `dir`.
pub fn load_str(
    name: &str,
    text: &str,
    dir: &Path,
    overrides: &[String],
) -> Result<Scenario, ScenarioError> {
    let origin = Origin::Text {
        display: PathBuf::from(format!("{name}.toml")),
        text: text.to_string(),
        dir: dir.to_path_buf(),
    };
    load_origin(origin, name, overrides)
}

fn load_origin(
    origin: Origin,
    default_name: &str,
    overrides: &[String],
) -> Result<Scenario, ScenarioError> {
    let base = Base::read(origin, default_name)?;
    let overrides: Vec<Override> = overrides
        .iter()
        .map(|o| Override::parse(o))
        .collect::<Result<_, _>>()?;
    base.resolve(&overrides)
}

/// A scenario file and the files it extends, read, checked and merged, before overrides and
/// validation: the common base of the points of a sweep.
#[derive(Clone, Debug)]
pub struct Base {
    chain: Vec<SourceFile>,
    merged: toml::Table,
    default_name: String,
    /// The files' own problems (unknown fields, wrong types, integers out of range), reported
    /// with every other problem of a scenario made from them.
    problems: Vec<Invalid>,
    /// The paths whose values those problems removed.
    removed: Vec<String>,
}

/// The order in which overrides are applied: those that say which sectors, regions and
/// features the scenario has first, then the others, each group in the order given. A
/// per-sector or per-region lever written as one number is spread over the sectors or regions
/// when an override names one of them, so `--set policy.talent_training.west=0.02` means the
/// same before or after `--set features.regions=true`. (Two overrides of one path keep their
/// order: the later wins.)
fn application_order(overrides: &[Override]) -> impl Iterator<Item = &Override> {
    let structural = |o: &&Override| {
        ["features", "regions", "sectors"]
            .iter()
            .any(|head| o.path == *head || o.path.starts_with(&format!("{head}.")))
    };
    overrides
        .iter()
        .filter(structural)
        .chain(overrides.iter().filter(move |o| !structural(o)))
}

impl Base {
    /// Reads `origin` and its `extends` chain; `default_name` names the scenario if the leaf
    /// file does not.
    pub fn read(origin: Origin, default_name: &str) -> Result<Self, ScenarioError> {
        let mut chain = extends::read_chain(origin)?;
        let mut problems = Vec::new();
        let mut removed = Vec::new();
        for file in &mut chain {
            check_file(file, &mut problems, &mut removed);
        }
        let merged = extends::merge_chain(&chain);
        Ok(Base {
            chain,
            merged,
            default_name: default_name.to_string(),
            problems,
            removed,
        })
    }

    /// The files of the chain, leaf first, as shown in messages.
    pub fn files(&self) -> Vec<String> {
        self.chain
            .iter()
            .rev()
            .map(|f| f.display.display().to_string())
            .collect()
    }

    /// The names of the sectors the merged files define (the default three if none).
    pub fn sector_names(&self) -> Vec<String> {
        match self.merged.get("sectors").and_then(toml::Value::as_table) {
            Some(sectors) => sectors.keys().cloned().collect(),
            None => crate::model::params::Tier::ALL
                .iter()
                .map(|t| t.as_str().to_string())
                .collect(),
        }
    }

    /// The merged table with `overrides` applied (those naming sectors, regions or features
    /// first).
    pub fn table_with(&self, overrides: &[Override]) -> Result<toml::Table, ScenarioError> {
        let mut merged = self.merged.clone();
        for o in application_order(overrides) {
            o.apply(&mut merged)?;
        }
        Ok(merged)
    }

    /// The validated scenario with `overrides` applied, in order. Every problem is reported:
    /// the files', each override's (a path the scenario does not have, with a suggestion; a
    /// value of the wrong kind) and validation's.
    pub fn resolve(&self, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        let mut merged = self.merged.clone();
        let mut problems = Vec::new();
        let shape = schema::scenario();
        for o in application_order(overrides) {
            let problem = match (shape.at(&o.path), &o.wide_integer) {
                (Err(problem), _) => problem,
                (Ok(_), _) if let Some(slip) = sector_slip(&merged, &o.path) => slip,
                (Ok(at), Some(text)) => at.integer_too_large(&o.path, text),
                (Ok(_), None) => match o.apply(&mut merged) {
                    Ok(()) => continue,
                    Err(e) => schema::Problem {
                        path: o.path.clone(),
                        removed: o.path.clone(),
                        value: schema::describe(o.value()),
                        allowed: match e {
                            ScenarioError::Set { message, .. } => message,
                            other => other.to_string(),
                        },
                        key: true,
                    },
                },
            };
            problems.push(Invalid {
                location: o.written_at(),
                path: problem.path,
                value: problem.value,
                allowed: problem.allowed,
            });
        }
        self.validate_table(merged, overrides, problems)
    }

    /// Validates a merged table made from this base with `overrides` (which locate problems).
    pub fn resolve_table(
        &self,
        merged: toml::Table,
        overrides: &[Override],
    ) -> Result<Scenario, ScenarioError> {
        self.validate_table(merged, overrides, Vec::new())
    }

    /// Checks the merged table's fields (problems located at the override that wrote them),
    /// then validates what is left; `problems` are the overrides' own, reported first after
    /// the files'.
    fn validate_table(
        &self,
        merged: toml::Table,
        overrides: &[Override],
        override_problems: Vec<Invalid>,
    ) -> Result<Scenario, ScenarioError> {
        let mut problems = self.problems.clone();
        let mut removed = self.removed.clone();
        removed.extend(override_problems.iter().map(|p| p.path.clone()));
        problems.extend(override_problems);
        let mut value = toml::Value::Table(merged);
        let mut found = Vec::new();
        schema::scenario().check(&mut value, "", &mut found);
        for p in found {
            removed.push(p.removed);
            problems.push(Invalid {
                location: locate_override(overrides, &p.path),
                path: p.path,
                value: p.value,
                allowed: p.allowed,
            });
        }
        let toml::Value::Table(merged) = value else {
            unreachable!("a table stays a table")
        };
        let raw: Result<RawScenario, ScenarioError> =
            serde_path_to_error::deserialize(toml::Value::Table(merged)).map_err(|e| {
                let path = e.path().to_string();
                let message = e.inner().message().trim().to_string();
                match overrides
                    .iter()
                    .rev()
                    .find(|o| path.starts_with(&o.path) || o.path.starts_with(&path))
                {
                    Some(o) => match &o.location {
                        Some(location) => ScenarioError::Syntax {
                            location: location.clone(),
                            path: Some(path),
                            message,
                        },
                        None => ScenarioError::Set {
                            arg: o.arg.clone(),
                            message: format!("`{path}`: {message}"),
                        },
                    },
                    None => ScenarioError::Syntax {
                        location: Location::Default,
                        path: Some(path),
                        message,
                    },
                }
            });
        let raw = match raw {
            Ok(raw) => raw,
            // the shape let through what serde refuses: say what serde said, after the rest
            Err(e) if problems.is_empty() => return Err(e),
            Err(_) => return Err(ScenarioError::Invalid(problems)),
        };
        match validate::validate(raw, &self.default_name, &self.chain, overrides, &removed) {
            Ok(scenario) if problems.is_empty() => Ok(scenario),
            Ok(_) => Err(ScenarioError::Invalid(problems)),
            Err(ScenarioError::Invalid(more)) => {
                problems.extend(more);
                Err(ScenarioError::Invalid(problems))
            }
            Err(other) => Err(other),
        }
    }
}

/// A `--set sectors.NAME...` whose NAME is not a sector of `table` but a slip of one's name
/// (which would add a sector by mistake): the problem, with the name meant.
fn sector_slip(table: &toml::Table, path: &str) -> Option<schema::Problem> {
    let rest = path.strip_prefix("sectors.")?;
    let name = rest.split(['.', '[']).next()?;
    let names: Vec<String> = match table.get("sectors").and_then(toml::Value::as_table) {
        Some(sectors) => sectors.keys().cloned().collect(),
        None => crate::model::params::Tier::ALL
            .iter()
            .map(|t| t.as_str().to_string())
            .collect(),
    };
    if names.iter().any(|n| n == name) {
        return None;
    }
    let meant = schema::did_you_mean(name, names.iter().map(String::as_str))?;
    Some(schema::Problem {
        path: format!("sectors.{name}"),
        removed: format!("sectors.{name}"),
        value: "not a sector of the scenario".into(),
        allowed: format!(
            "did you mean the sector `{meant}`? The sectors are {} (a new sector needs its `tier` and shares)",
            names.join(", ")
        ),
        key: true,
    })
}

/// Where the override that wrote `path` was written (the last one that covers it).
fn locate_override(overrides: &[Override], path: &str) -> Location {
    let covers = |outer: &str, inner: &str| {
        inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
    };
    overrides
        .iter()
        .rev()
        .find(|o| covers(&o.path, path) || covers(path, &o.path))
        .map_or(Location::Default, Override::written_at)
}

/// Checks one file on its own against the scenario's shape: every unknown field, value of
/// the wrong kind and integer out of range, located at its line and column, is added to
/// `problems`, and its value removed from the file's table (its path added to `removed`).
fn check_file(file: &mut SourceFile, problems: &mut Vec<Invalid>, removed: &mut Vec<String>) {
    let shape = schema::scenario();
    let mut found: Vec<schema::Problem> = file
        .wide_integers
        .iter()
        .map(|(path, text)| match shape.at(path) {
            Ok(at) => at.integer_too_large(path, text),
            Err(problem) => problem,
        })
        .collect();
    let mut value = toml::Value::Table(std::mem::take(&mut file.table));
    shape.check(&mut value, "", &mut found);
    let toml::Value::Table(table) = value else {
        unreachable!("a table stays a table")
    };
    file.table = table;
    let at = |p: &schema::Problem| {
        p.key
            .then(|| file.locate_key(&p.path))
            .flatten()
            .or_else(|| file.locate(&p.path))
            .or_else(|| file.locate_enclosing_table(&p.path))
            .unwrap_or_else(|| file.location(0))
    };
    found.sort_by_key(|p| match at(p) {
        Location::File { line, column, .. } => (line, column),
        _ => (0, 0),
    });
    for p in found {
        let location = at(&p);
        removed.push(p.removed.clone());
        problems.push(Invalid {
            location,
            path: p.path,
            value: p.value,
            allowed: p.allowed,
        });
    }
}

impl Scenario {
    /// The embedded baseline scenario (docs/model.md §3 defaults, 10,000 firms, 30 steps).
    pub fn baseline() -> Self {
        load_baseline(&[]).expect("the embedded baseline is valid")
    }

    /// The same scenario with `firms` initial firms.
    pub fn with_firms(mut self, firms: u64) -> Self {
        self.run.firms = firms;
        self
    }

    /// The same scenario with `steps` steps.
    pub fn with_steps(mut self, steps: u32) -> Self {
        self.run.steps = steps;
        self
    }

    /// The same scenario with `replicates` replicates.
    pub fn with_replicates(mut self, replicates: u32) -> Self {
        self.run.replicates = replicates;
        self
    }

    /// The same scenario with seed `seed` (at most `i64::MAX`, the largest TOML integer,
    /// for the scenario to be written back as TOML).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.run.seed = seed;
        self
    }

    /// The index of the sector named `name`.
    pub fn sector_index(&self, name: &str) -> Option<usize> {
        self.sectors.iter().position(|s| s.name == name)
    }

    /// The names of the sectors, in order: the keys of a per-sector lever.
    pub fn sector_names(&self) -> Vec<String> {
        self.sectors.iter().map(|s| s.name.clone()).collect()
    }

    /// The names of the regions, in order (`national` alone when `regions` is off): the keys
    /// of a per-region lever.
    pub fn region_names(&self) -> Vec<String> {
        self.regions.iter().map(|r| r.name.clone()).collect()
    }

    /// Whether the explicit form writes the input-output matrix: when a feature of model 2's
    /// part two is on or the matrix is not its default (as [`crate::model::params::ParamInfo::written`]
    /// for parameters).
    fn input_output_written(&self) -> bool {
        let tiers: Vec<Tier> = self.sectors.iter().map(|s| s.tier).collect();
        self.features
            .any_in_part_of(crate::model::features::Feature::Supply)
            || self.input_output
                != validate::default_matrix(&tiers, &validate::INPUT_OUTPUT_BY_TIER)
    }

    /// `levers` (in force in some step of this scenario) with every value explicit, as the
    /// explicit form writes them: [`Levers::to_raw`] for the scenario's sectors, regions and
    /// features.
    pub fn levers_to_raw(&self, levers: &Levers) -> RawPolicy {
        levers.to_raw(&self.sector_names(), &self.region_names(), &self.features)
    }

    /// The scenario with every value explicit, in the raw form: what `nqpsim check` prints
    /// and the manifest records. Loading it gives back the same scenario.
    pub fn to_raw(&self) -> RawScenario {
        let names = self.sector_names();
        let regions = self.region_names();
        let model2 = self.features.any();
        let policy = RawPolicy {
            schedule: (!self.policy.schedule.is_empty()).then(|| {
                self.policy
                    .schedule
                    .iter()
                    .map(|e| RawScheduleEntry {
                        from_step: Some(e.from_step),
                        to_step: e.to_step,
                        from_year: None,
                        to_year: None,
                        ramp: e.ramp.then_some(true),
                        set: Some(e.set.to_raw(&names, &regions)),
                    })
                    .collect()
            }),
            ..self.levers_to_raw(&self.policy.base)
        };
        RawScenario {
            name: Some(self.name.clone()),
            description: (!self.description.is_empty()).then(|| self.description.clone()),
            extends: None,
            run: Some(RawRun {
                steps: Some(self.run.steps),
                firms: Some(self.run.firms),
                replicates: Some(self.run.replicates),
                seed: Some(self.run.seed),
                start_year: Some(self.run.start_year),
            }),
            model: Some(RawModelParams::explicit(&self.model, &self.features)),
            sectors: Some(OrderedMap(
                self.sectors
                    .iter()
                    .map(|s| {
                        (
                            s.name.clone(),
                            RawSector::explicit(s.tier, &s.params, &self.features),
                        )
                    })
                    .collect(),
            )),
            matrices: Some(RawMatrices {
                spillover: Some(self.spillover.rows()),
                demand_linkage: Some(self.demand_linkage.rows()),
                input_output: self
                    .input_output_written()
                    .then(|| self.input_output.rows()),
            }),
            transitions: Some(
                self.transitions
                    .iter()
                    .map(|r| RawTransition {
                        kind: Some(r.kind),
                        from: Some(names[r.from].clone()),
                        to: Some(names[r.to].clone()),
                        probability: Some(r.probability),
                        d_min: Some(r.d_min),
                        tfp_condition: r.tfp_condition,
                        scale_by_digital: Some(r.scale_by_digital),
                    })
                    .collect(),
            ),
            policy: Some(policy),
            features: self.features.to_raw(),
            regions: self.features.regions.then(|| {
                OrderedMap(
                    self.regions
                        .iter()
                        .map(|r| (r.name.clone(), region_to_raw(r, &names)))
                        .collect(),
                )
            }),
            national: self.national_to_raw(model2),
        }
    }

    /// `[national]` as written: when some feature is on and `regions` is off, or when its
    /// values are not the defaults.
    fn national_to_raw(&self, model2: bool) -> Option<RawNational> {
        let national = match self.regions.as_slice() {
            [only] if !self.features.regions => only,
            _ => return None,
        };
        let is_default = national.talent_endowment == NATIONAL_TALENT_ENDOWMENT
            && national.talent_growth == NATIONAL_TALENT_GROWTH;
        (model2 || !is_default).then_some(RawNational {
            talent_endowment: Some(national.talent_endowment),
            talent_growth: Some(national.talent_growth),
        })
    }

    /// The resolved scenario as a TOML document (a valid scenario file).
    pub fn to_toml(&self) -> String {
        toml::to_string(&self.to_raw()).expect("a resolved scenario always serialises")
    }
}
