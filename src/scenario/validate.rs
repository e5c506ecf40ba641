//! From the raw scenario to a validated [`Scenario`]: defaults filled in, every rule of
//! docs/model.md §3-4 checked, and every problem reported with where it was written.

use super::overrides::Override;
use super::raw::{RawPolicy, RawScenario, RawTransition};
use super::source::SourceFile;
use super::{RunSettings, Scenario, Sector};
use crate::error::{Invalid, Location, ScenarioError, did_you_mean};
use crate::model::Matrix;
use crate::model::demography::{TransitionKind, TransitionRule};
use crate::model::features::{Feature, Features};
use crate::model::levers::{LeverChecker, Levers};
use crate::model::params::{ModelParams, Range, SectorParams, Tier};
use crate::model::policy::{PolicySpec, ScheduleEntry};
use crate::model::regions::{NATIONAL_TALENT_ENDOWMENT, NATIONAL_TALENT_GROWTH, Region};

/// Largest number of sectors (sector indices are 16-bit).
pub const MAX_SECTORS: usize = 1024;
/// Largest number of regions (a firm's region is 8-bit).
pub const MAX_REGIONS: usize = 64;
/// Largest number of transition rules (a firm's spawn draws are a 32-bit mask).
pub const MAX_TRANSITIONS: usize = 32;
/// Tolerance on `firm_share` and `output_share` summing to 1.
const SHARE_SUM_TOLERANCE: f64 = 1e-9;

/// Spillover matrix W between tiers (docs/model.md §3), row = receiving tier.
pub const SPILLOVER_BY_TIER: [[f64; 3]; 3] =
    [[0.20, 0.15, 0.03], [0.02, 0.25, 0.10], [0.00, 0.05, 0.20]];
/// Demand-linkage matrix B between tiers (docs/model.md §3), row = receiving tier.
pub const DEMAND_LINKAGE_BY_TIER: [[f64; 3]; 3] =
    [[0.0, 0.20, 0.05], [0.0, 0.0, 0.10], [0.0, 0.0, 0.0]];

/// Input-output matrix Omega between tiers (docs/model.md M2.15), row = using tier: the
/// share of the row tier's key inputs made by the column tier.
pub const INPUT_OUTPUT_BY_TIER: [[f64; 3]; 3] =
    [[0.0, 0.10, 0.0], [0.30, 0.0, 0.0], [0.10, 0.30, 0.0]];

/// Run settings when a scenario leaves them out.
pub const DEFAULT_RUN: RunSettings = RunSettings {
    steps: 30,
    firms: 10_000,
    replicates: 20,
    seed: 2024,
    start_year: 2024,
};

struct Checker<'a> {
    files: &'a [SourceFile],
    overrides: &'a [Override],
    /// Paths whose values were refused (and removed) before validation: what follows from
    /// their absence (a missing field, a default that breaks a sum) is not reported again.
    removed: &'a [String],
    problems: Vec<Invalid>,
}

impl Checker<'_> {
    /// Whether `path` is, or lies in, a value that was removed.
    fn removed(&self, path: &str) -> bool {
        self.removed.iter().any(|r| {
            path.strip_prefix(r.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        })
    }

    /// Where `path` was last written, and how late: a `--set` argument or flag (latest), else
    /// the latest file that sets it, else the latest file with a table that holds it (a field
    /// missing from `[sectors.steel]` is located at that table). `name` and `description`
    /// belong to the leaf file: they are not inherited.
    fn locate_ranked(&self, path: &str) -> (usize, Location) {
        let files = self.files.len();
        for (k, o) in self.overrides.iter().enumerate().rev() {
            let covers = path == o.path
                || path
                    .strip_prefix(o.path.as_str())
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['));
            if covers {
                return (files + 1 + k, o.written_at());
            }
        }
        let leaf_only = matches!(path, "name" | "description");
        let candidates =
            self.files
                .iter()
                .enumerate()
                .rev()
                .take(if leaf_only { 1 } else { files });
        for (k, file) in candidates.clone() {
            if let Some(location) = file.locate(path) {
                return (k + 1, location);
            }
        }
        // an array entry that an override made (`--set policy.schedule[0]={...}`): the
        // problems of that entry are the override's
        let elements = path.match_indices(']').map(|(i, _)| &path[..=i]).rev();
        for element in elements {
            let in_a_file = self.files.iter().any(|f| f.locate(element).is_some());
            if in_a_file {
                break;
            }
            if let Some((k, o)) = self
                .overrides
                .iter()
                .enumerate()
                .rev()
                .find(|(_, o)| o.path.starts_with(element))
            {
                return (files + 1 + k, o.written_at());
            }
        }
        for (k, file) in candidates {
            if let Some(location) = file.locate_enclosing_table(path) {
                return (k + 1, location);
            }
        }
        match (leaf_only, self.files.last()) {
            (true, Some(leaf)) => (files, leaf.location(0)),
            _ => (0, Location::Default),
        }
    }

    fn locate(&self, path: &str) -> Location {
        self.locate_ranked(path).1
    }

    fn problem(
        &mut self,
        path: impl Into<String>,
        value: impl Into<String>,
        allowed: impl Into<String>,
    ) {
        let path = path.into();
        if self.removed(&path) {
            return; // already reported, as what was written there
        }
        let location = self.locate(&path);
        self.problems.push(Invalid {
            location,
            path,
            value: value.into(),
            allowed: allowed.into(),
        });
    }

    fn number(&mut self, path: String, value: f64, range: Range) -> f64 {
        if !range.contains(value) {
            self.problem(path, value.to_string(), range.describe());
        }
        value
    }
}

/// Validates a merged raw scenario. `files` (root first) and `overrides` locate the values;
/// `removed` are the paths whose values were refused before (see [`super::schema`]).
pub fn validate(
    raw: RawScenario,
    default_name: &str,
    files: &[SourceFile],
    overrides: &[Override],
    removed: &[String],
) -> Result<Scenario, ScenarioError> {
    let mut c = Checker {
        files,
        overrides,
        removed,
        problems: Vec::new(),
    };

    let name = raw.name.clone().unwrap_or_else(|| default_name.to_string());
    if !is_folder_name(&name) {
        c.problem("name", format!("{name:?}"), FOLDER_NAME_RULE);
    }
    let description = raw.description.clone().unwrap_or_default();

    let run = validate_run(&raw);
    let model = validate_model(&mut c, &raw);
    let sectors = validate_sectors(&mut c, &raw);
    let names: Vec<&str> = sectors.iter().map(|s| s.name.as_str()).collect();

    // Shares sum to 1 over the sectors (docs/model.md §3, validation); the problem is located at
    // the share written last (the one the user most likely just changed).
    for (field, get) in [
        (
            "firm_share",
            (|p: &SectorParams| p.firm_share) as fn(&SectorParams) -> f64,
        ),
        ("output_share", |p: &SectorParams| p.output_share),
    ] {
        let sum: f64 = sectors.iter().map(|s| get(&s.params)).sum();
        let one_removed = sectors
            .iter()
            .any(|s| c.removed(&format!("sectors.{}.{field}", s.name)));
        if !sectors.is_empty()
            && !one_removed
            && sum.is_finite()
            && (sum - 1.0).abs() > SHARE_SUM_TOLERANCE
        {
            let path = sectors
                .iter()
                .map(|s| format!("sectors.{}.{field}", s.name))
                .max_by_key(|p| c.locate_ranked(p).0)
                .expect("at least one sector");
            let values: Vec<String> = sectors
                .iter()
                .map(|s| format!("{}={}", s.name, get(&s.params)))
                .collect();
            c.problem(
                path,
                format!(
                    "summing to {} over the sectors ({})",
                    rounded(sum),
                    values.join(", ")
                ),
                "the shares must sum to 1",
            );
        }
    }
    let positive = sectors.iter().filter(|s| s.params.firm_share > 0.0).count() as u64;
    if run.firms > 0 && run.firms < positive {
        c.problem(
            "run.firms",
            run.firms.to_string(),
            format!(
                "must be at least the number of sectors with a positive firm_share ({positive})"
            ),
        );
    }

    let tiers: Vec<Tier> = sectors.iter().map(|s| s.tier).collect();
    let matrices = raw.matrices.clone().unwrap_or_default();
    let spillover = validate_matrix(
        &mut c,
        "matrices.spillover",
        matrices.spillover.as_ref(),
        &tiers,
        &SPILLOVER_BY_TIER,
    );
    let demand_linkage = validate_matrix(
        &mut c,
        "matrices.demand_linkage",
        matrices.demand_linkage.as_ref(),
        &tiers,
        &DEMAND_LINKAGE_BY_TIER,
    );
    check_spectral_radius(
        &mut c,
        "matrices.demand_linkage",
        &demand_linkage,
        sectors.len(),
        "demand would explode",
    );
    let input_output = validate_matrix(
        &mut c,
        "matrices.input_output",
        matrices.input_output.as_ref(),
        &tiers,
        &INPUT_OUTPUT_BY_TIER,
    );
    check_spectral_radius(
        &mut c,
        "matrices.input_output",
        &input_output,
        sectors.len(),
        "a shortfall would not settle",
    );

    let transitions = validate_transitions(&mut c, raw.transitions.as_deref(), &names);
    let features = validate_features(&raw);
    if features.supply {
        check_substitution_cost(&mut c, &model, &sectors);
    }
    // The regions before the policy: a per-region lever names them (the regions do not
    // depend on the policy).
    let regions = if features.regions {
        validate_regions(&mut c, &raw, &sectors)
    } else {
        vec![validate_national(&mut c, &raw, sectors.len())]
    };
    let region_names: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
    let policy = validate_policy(
        &mut c,
        raw.policy.as_ref(),
        &names,
        &region_names,
        run.start_year,
    );

    if c.problems.is_empty() {
        Ok(Scenario {
            name,
            description,
            run,
            model,
            sectors,
            spillover,
            demand_linkage,
            input_output,
            transitions,
            policy,
            features,
            regions,
        })
    } else {
        Err(ScenarioError::Invalid(c.problems))
    }
}

/// docs/model.md M2.15: substitutes may not take all productivity, `Xs_j = 1 - pi_s mi_j s_j`
/// must stay above 0 for every autonomy `s_j <= 1`, so `pi_s mi_j < 1` in every sector.
fn check_substitution_cost(c: &mut Checker, model: &ModelParams, sectors: &[Sector]) {
    for s in sectors {
        let mi = s.params.import_share;
        if model.substitution_cost * mi >= 1.0 {
            c.problem(
                format!("sectors.{}.import_share", s.name),
                mi.to_string(),
                format!(
                    "with substitution_cost {} the product substitution_cost x import_share must \
                     be below 1 (else substitutes could take all of the sector's productivity)",
                    model.substitution_cost
                ),
            );
        }
    }
}

/// docs/model.md M2.1: the features switched on.
fn validate_features(raw: &RawScenario) -> Features {
    let Some(written) = &raw.features else {
        return Features::default();
    };
    let on = |feature: Feature| written.get(feature).unwrap_or(false);
    Features {
        regions: on(Feature::Regions),
        capacity: on(Feature::Capacity),
        platform: on(Feature::Platform),
        labour: on(Feature::Labour),
        supply: on(Feature::Supply),
        carbon: on(Feature::Carbon),
    }
}

/// The region `national` of a scenario without `regions` (docs/model.md M2.2).
fn validate_national(c: &mut Checker, raw: &RawScenario, sectors: usize) -> Region {
    let national = raw.national.clone().unwrap_or_default();
    let mut number = |field: &str, value: Option<f64>, default: f64, range: Range| {
        value.map_or(default, |v| c.number(format!("national.{field}"), v, range))
    };
    let endowment = number(
        "talent_endowment",
        national.talent_endowment,
        NATIONAL_TALENT_ENDOWMENT,
        Range::Positive,
    );
    let growth = number(
        "talent_growth",
        national.talent_growth,
        NATIONAL_TALENT_GROWTH,
        Range::AboveMinusOne,
    );
    Region::national(sectors, endowment, growth)
}

/// The regions of a scenario with `regions` on (docs/model.md M2.2, M2.8): the `[regions]`
/// tables in order, or the four default regions; every tier of the scenario's sectors split
/// completely over the regions, every region with firms of some tier.
fn validate_regions(c: &mut Checker, raw: &RawScenario, sectors: &[Sector]) -> Vec<Region> {
    let national = validate_national(c, raw, sectors.len());
    let names: Vec<&str> = sectors.iter().map(|s| s.name.as_str()).collect();
    let Some(written) = &raw.regions else {
        return Region::defaults(sectors.len());
    };
    if written.0.is_empty() {
        c.problem("regions", "an empty table", "at least one region is needed");
    }
    if written.0.len() > MAX_REGIONS {
        c.problem(
            "regions",
            format!("{} regions", written.0.len()),
            format!("at most {MAX_REGIONS} are supported"),
        );
    }
    let mut regions = Vec::new();
    for (name, rr) in &written.0 {
        let at = |field: &str| format!("regions.{name}.{field}");
        if !is_sector_name(name) || name == "national" {
            c.problem(
                format!("regions.{name}"),
                format!("a region named {name:?}"),
                "region names use letters, digits, '_' and '-' (`national` and `all` are reserved)",
            );
        }
        let mut firm_share = [0.0; 3];
        match &rr.firm_share {
            Some(shares) => {
                for (tier, value) in Tier::ALL.iter().zip(shares.values()) {
                    if let Some(v) = value {
                        firm_share[tier.index()] =
                            c.number(format!("{}.{tier}", at("firm_share")), v, Range::Unit);
                    }
                }
            }
            None => c.problem(
                at("firm_share"),
                "missing",
                "every region gives its `firm_share = { traditional = ..., emerging = ..., future = ... }`",
            ),
        }
        let mut number = |field: &str, value: Option<f64>, default: f64, range: Range| {
            value.map_or(default, |v| c.number(at(field), v, range))
        };
        let tfp_offset = number("tfp_offset", rr.tfp_offset, 0.0, Range::Finite);
        let data_infra = number("data_infra", rr.data_infra, 1.0, Range::NonNegative);
        let talent_endowment = number(
            "talent_endowment",
            rr.talent_endowment,
            national.talent_endowment,
            Range::Positive,
        );
        let talent_growth = number(
            "talent_growth",
            rr.talent_growth,
            national.talent_growth,
            Range::AboveMinusOne,
        );
        let mut aptitude = vec![0.0; sectors.len()];
        for (sector, v) in rr.aptitude.iter().flat_map(|a| a.0.iter()) {
            let field = format!("{}.{sector}", at("aptitude"));
            match names.iter().position(|n| n == sector) {
                Some(j) => aptitude[j] = c.number(field, *v, Range::Finite),
                None => c.problem(
                    field,
                    format!("{v} for sector {sector:?}"),
                    format!(
                        "must name one of the sectors: {}{}",
                        names.join(", "),
                        did_you_mean(sector, names.iter().copied())
                            .map(|m| format!(" (did you mean `{m}`?)"))
                            .unwrap_or_default()
                    ),
                ),
            }
        }
        regions.push(Region {
            name: name.clone(),
            firm_share,
            tfp_offset,
            data_infra,
            talent_endowment,
            talent_growth,
            aptitude,
        });
    }
    // every tier that has sectors is split completely over the regions
    for tier in Tier::ALL {
        if !sectors.iter().any(|s| s.tier == tier) || regions.is_empty() {
            continue;
        }
        let sum: f64 = regions.iter().map(|r| r.share_of(tier)).sum();
        if sum.is_finite() && (sum - 1.0).abs() > SHARE_SUM_TOLERANCE {
            let values: Vec<String> = regions
                .iter()
                .map(|r| format!("{}={}", r.name, r.share_of(tier)))
                .collect();
            let last = &regions[regions.len() - 1].name;
            c.problem(
                format!("regions.{last}.firm_share.{tier}"),
                format!(
                    "summing to {} over the regions ({})",
                    rounded(sum),
                    values.join(", ")
                ),
                "each tier's firm shares must sum to 1 over the regions",
            );
        }
    }
    for region in &regions {
        let has_firms = Tier::ALL
            .iter()
            .any(|&t| sectors.iter().any(|s| s.tier == t) && region.share_of(t) > 0.0);
        if !has_firms {
            c.problem(
                format!("regions.{}.firm_share", region.name),
                "no positive share in any tier of the scenario's sectors",
                "every region needs firms in some tier (a region that starts empty stays empty)",
            );
        }
    }
    regions
}

/// A sum shown without the noise of binary fractions (`1.4700000000000002` -> `1.47`).
fn rounded(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}

/// What [`is_folder_name`] asks of a name, as problems state it.
pub const FOLDER_NAME_RULE: &str = "must be a folder name: letters, digits, '.', '_' and '-', \
     not starting with '.', at most 128 characters";

/// Whether `name` is safe as a folder name on every platform.
pub fn is_folder_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn is_sector_name(name: &str) -> bool {
    !name.is_empty()
        && name != "all"
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
}

/// The run settings, defaults filled in; their ranges are the schema's ([`super::schema`]):
/// steps may be 0 (the initial state alone), firms and replicates are at least 1.
fn validate_run(raw: &RawScenario) -> RunSettings {
    let r = raw.run.clone().unwrap_or_default();
    RunSettings {
        steps: r.steps.unwrap_or(DEFAULT_RUN.steps),
        firms: r.firms.unwrap_or(DEFAULT_RUN.firms),
        replicates: r.replicates.unwrap_or(DEFAULT_RUN.replicates),
        seed: r.seed.unwrap_or(DEFAULT_RUN.seed),
        start_year: r.start_year.unwrap_or(DEFAULT_RUN.start_year),
    }
}

fn validate_model(c: &mut Checker, raw: &RawScenario) -> ModelParams {
    let given = raw.model.clone().unwrap_or_default().values();
    let mut values = ModelParams::DEFAULTS;
    for ((value, info), set) in values.iter_mut().zip(ModelParams::INFO).zip(given) {
        if let Some(v) = set {
            *value = c.number(format!("model.{}", info.name), v, info.range);
        }
    }
    ModelParams::from_values(values)
}

fn validate_sectors(c: &mut Checker, raw: &RawScenario) -> Vec<Sector> {
    let Some(raw_sectors) = &raw.sectors else {
        return Tier::ALL
            .iter()
            .map(|&tier| Sector {
                name: tier.as_str().into(),
                tier,
                params: SectorParams::defaults(tier),
            })
            .collect();
    };
    if raw_sectors.0.is_empty() {
        c.problem("sectors", "an empty table", "at least one sector is needed");
    }
    if raw_sectors.0.len() > MAX_SECTORS {
        c.problem(
            "sectors",
            format!("{} sectors", raw_sectors.0.len()),
            format!("at most {MAX_SECTORS} are supported"),
        );
    }
    let mut sectors = Vec::new();
    let names: Vec<&str> = raw_sectors.0.iter().map(|(n, _)| n.as_str()).collect();
    for (name, rs) in &raw_sectors.0 {
        if !is_sector_name(name) {
            c.problem(format!("sectors.{name}"), format!("a sector named {name:?}"), "sector names use letters, digits, '_' and '-', and `all` is reserved for the total");
        }
        let tier = match rs.tier {
            Some(t) => t,
            None => {
                // a slip in a sector's name (`--set sectors.traditonal.x=1`) makes a new sector
                let slip = super::schema::did_you_mean(name, names.iter().copied())
                    .map(|m| format!(" (or did you mean the sector `{m}`?)"))
                    .unwrap_or_default();
                c.problem(
                    format!("sectors.{name}.tier"),
                    "missing",
                    format!("every sector needs `tier = \"traditional\" | \"emerging\" | \"future\"`{slip}"),
                );
                Tier::Traditional
            }
        };
        let mut values = SectorParams::defaults(tier).values();
        for ((value, info), set) in values.iter_mut().zip(SectorParams::INFO).zip(rs.values()) {
            if let Some(v) = set {
                *value = c.number(format!("sectors.{name}.{}", info.name), v, info.range);
            }
        }
        sectors.push(Sector {
            name: name.clone(),
            tier,
            params: SectorParams::from_values(values),
        });
    }
    sectors
}

/// The default matrix for sectors of the given tiers: the tier-level matrix, with a column
/// tier's entry spread evenly over the sectors of that tier (so each row keeps its total
/// per source tier). For the three default sectors this is docs/model.md §3's matrix exactly.
pub fn default_matrix(tiers: &[Tier], by_tier: &[[f64; 3]; 3]) -> Matrix {
    let count = |t: Tier| tiers.iter().filter(|&&x| x == t).count() as f64;
    let rows: Vec<Vec<f64>> = tiers
        .iter()
        .map(|&tj| {
            tiers
                .iter()
                .map(|&tk| by_tier[tj.index()][tk.index()] / count(tk))
                .collect()
        })
        .collect();
    Matrix::from_rows(&rows)
}

/// A square matrix of `sectors` rows (one that is not was reported already) must have a
/// spectral radius below 1; `why` says what would go wrong.
fn check_spectral_radius(c: &mut Checker, path: &str, m: &Matrix, sectors: usize, why: &str) {
    if m.size() != sectors {
        return;
    }
    let radius = m.spectral_radius();
    if radius >= 1.0 || radius.is_nan() {
        c.problem(
            path,
            format!("a matrix with spectral radius {radius:.4}"),
            format!("the spectral radius must be below 1 ({why})"),
        );
    }
}

fn validate_matrix(
    c: &mut Checker,
    path: &str,
    given: Option<&Vec<Vec<f64>>>,
    tiers: &[Tier],
    by_tier: &[[f64; 3]; 3],
) -> Matrix {
    let n = tiers.len();
    let Some(rows) = given else {
        return default_matrix(tiers, by_tier);
    };
    let mut ok = true;
    if rows.len() != n {
        c.problem(
            path,
            format!("a matrix with {} rows", rows.len()),
            format!("must be {n} x {n}, one row and one column per sector in sector order"),
        );
        ok = false;
    }
    for (j, row) in rows.iter().enumerate() {
        if row.len() != n {
            c.problem(
                format!("{path}[{j}]"),
                format!("a row of {} entries", row.len()),
                format!("must have {n} entries, one per sector"),
            );
            ok = false;
        }
        for (k, &v) in row.iter().enumerate() {
            if !Range::NonNegative.contains(v) {
                c.problem(
                    format!("{path}[{j}][{k}]"),
                    v.to_string(),
                    Range::NonNegative.describe(),
                );
                ok = false;
            }
        }
    }
    if ok {
        Matrix::from_rows(rows)
    } else {
        Matrix::zeros(n)
    }
}

/// The rules of docs/model.md §3 for the three default sectors.
fn default_raw_transitions() -> Vec<RawTransition> {
    let rule = |kind, from: &str, to: &str, probability, d_min, cond, scale| RawTransition {
        kind: Some(kind),
        from: Some(from.into()),
        to: Some(to.into()),
        probability: Some(probability),
        d_min,
        tfp_condition: cond,
        scale_by_digital: Some(scale),
    };
    use crate::model::demography::TfpCondition::FromMedian;
    vec![
        rule(
            TransitionKind::Switch,
            "traditional",
            "emerging",
            0.02,
            Some(0.4),
            Some(FromMedian),
            false,
        ),
        rule(
            TransitionKind::Spawn,
            "traditional",
            "emerging",
            0.01,
            None,
            None,
            true,
        ),
        rule(
            TransitionKind::Spawn,
            "emerging",
            "future",
            0.01,
            None,
            None,
            true,
        ),
    ]
}

fn validate_transitions(
    c: &mut Checker,
    given: Option<&[RawTransition]>,
    names: &[&str],
) -> Vec<TransitionRule> {
    let defaults;
    let rules: &[RawTransition] = match given {
        Some(r) => r,
        None => {
            let needed = ["traditional", "emerging", "future"];
            if let Some(missing) = needed.iter().find(|n| !names.contains(n)) {
                c.problem("transitions", "left out", format!("the default rules move firms between sectors `traditional`, `emerging` and `future`, and this scenario has no sector `{missing}`: list its rules as [[transitions]] (or write `transitions = []` for none)"));
                return Vec::new();
            }
            defaults = default_raw_transitions();
            &defaults
        }
    };
    if rules.len() > MAX_TRANSITIONS {
        c.problem(
            "transitions",
            format!("{} rules", rules.len()),
            format!("at most {MAX_TRANSITIONS} are supported"),
        );
    }
    let index_of = |name: &str| names.iter().position(|n| *n == name);
    let mut out = Vec::new();
    for (i, r) in rules.iter().enumerate() {
        let base = format!("transitions[{i}]");
        let sector = |c: &mut Checker, field: &str, value: &Option<String>| -> Option<usize> {
            match value {
                None => {
                    c.problem(
                        format!("{base}.{field}"),
                        "missing",
                        "every rule names a `from` and a `to` sector",
                    );
                    None
                }
                Some(name) => {
                    let found = index_of(name);
                    if found.is_none() {
                        c.problem(
                            format!("{base}.{field}"),
                            format!("{name:?}"),
                            format!("must be one of the sectors: {}", names.join(", ")),
                        );
                    }
                    found
                }
            }
        };
        let from = sector(c, "from", &r.from);
        let to = sector(c, "to", &r.to);
        if from.is_some() && from == to {
            c.problem(
                format!("{base}.to"),
                format!("{:?}", r.to.clone().unwrap_or_default()),
                "must differ from `from`",
            );
        }
        if r.kind.is_none() {
            c.problem(
                format!("{base}.kind"),
                "missing",
                "must be \"switch\" or \"spawn\"",
            );
        }
        let probability = match r.probability {
            Some(p) => c.number(format!("{base}.probability"), p, Range::Unit),
            None => {
                c.problem(
                    format!("{base}.probability"),
                    "missing",
                    "every rule needs a probability per year in [0, 1]",
                );
                0.0
            }
        };
        let d_min = r
            .d_min
            .map_or(0.0, |d| c.number(format!("{base}.d_min"), d, Range::Unit));
        if let (Some(kind), Some(from), Some(to)) = (r.kind, from, to) {
            out.push(TransitionRule {
                kind,
                from,
                to,
                probability,
                d_min,
                tfp_condition: r.tfp_condition,
                scale_by_digital: r.scale_by_digital.unwrap_or(false),
            });
        }
    }
    out
}

/// A schedule entry's step, written as a step (`from_step`) or a year (`from_year`, step 0
/// being `start_year`), not both.
fn schedule_step(
    c: &mut Checker,
    path: &str,
    (name, step): (&str, Option<u32>),
    year: Option<i32>,
    start_year: i32,
) -> Option<u32> {
    let year_name = name.replace("_step", "_year");
    match (step, year) {
        (Some(step), Some(year)) => {
            c.problem(
                format!("{path}.{year_name}"),
                year.to_string(),
                format!("give `{name}` or `{year_name}`, not both (`{name}` is {step})"),
            );
            Some(step)
        }
        (Some(step), None) => Some(step),
        (None, Some(year)) => {
            let step = i64::from(year) - i64::from(start_year);
            match u32::try_from(step) {
                Ok(step) => Some(step),
                Err(_) => {
                    c.problem(
                        format!("{path}.{year_name}"),
                        year.to_string(),
                        format!("must be a year from run.start_year ({start_year}) on"),
                    );
                    None
                }
            }
        }
        (None, None) => None,
    }
}

/// `[policy]` and its schedule (docs/model.md §4), for the sectors `names` and the regions
/// `regions` (in order: the keys of per-sector and per-region levers).
fn validate_policy(
    c: &mut Checker,
    raw: Option<&RawPolicy>,
    names: &[&str],
    regions: &[&str],
    start_year: i32,
) -> PolicySpec {
    let mut base = Levers::defaults(names.len(), regions.len());
    let mut schedule = Vec::new();
    if let Some(raw) = raw {
        let set = raw.validate(c, "policy", names, regions);
        base.apply(&set);
        for (i, entry) in raw.schedule.iter().flatten().enumerate() {
            let path = format!("policy.schedule[{i}]");
            let from = schedule_step(
                c,
                &path,
                ("from_step", entry.from_step),
                entry.from_year,
                start_year,
            );
            let to_step = schedule_step(
                c,
                &path,
                ("to_step", entry.to_step),
                entry.to_year,
                start_year,
            );
            let from_step = from.unwrap_or_else(|| {
                if entry.from_year.is_none() {
                    c.problem(
                        format!("{path}.from_step"),
                        "missing",
                        "every schedule entry needs `from_step` (or `from_year`)",
                    );
                }
                0
            });
            if let Some(to) = to_step
                && to < from_step
            {
                let field = if entry.to_step.is_some() {
                    "to_step"
                } else {
                    "to_year"
                };
                c.problem(
                    format!("{path}.{field}"),
                    to.to_string(),
                    format!("must be at least from_step ({from_step})"),
                );
            }
            let ramp = entry.ramp.unwrap_or(false);
            if ramp && to_step.is_none() && entry.to_year.is_none() {
                c.problem(
                    format!("{path}.ramp"),
                    "true without `to_step`",
                    "a ramp needs `to_step` (or `to_year`): the step at which it reaches the values of `set`",
                );
            }
            let Some(raw_set) = &entry.set else {
                c.problem(
                    format!("{path}.set"),
                    "missing",
                    "every schedule entry needs a `set` table of levers",
                );
                continue;
            };
            if raw_set.schedule.is_some() {
                c.problem(
                    format!("{path}.set.schedule"),
                    "a nested schedule",
                    "a schedule entry sets levers; schedules do not nest",
                );
            }
            let set = raw_set.validate(c, &format!("{path}.set"), names, regions);
            schedule.push(ScheduleEntry {
                from_step,
                to_step,
                set,
                ramp,
            });
        }
    }
    PolicySpec { base, schedule }
}

impl LeverChecker for Checker<'_> {
    fn number(&mut self, path: String, value: f64, range: Range) -> f64 {
        Checker::number(self, path, value, range)
    }

    fn problem(&mut self, path: String, value: String, allowed: String) {
        Checker::problem(self, path, value, allowed)
    }
}

#[cfg(test)]
mod tests {
    use crate::error::ScenarioError;
    use crate::scenario::{Scenario, load_str};

    /// Regions on (the four default regions: east, central, west, northeast), the default
    /// sectors; `labour`, which reads `talent_training`, is off.
    const REGIONS: &str = "[features]\nregions = true\n";

    fn load(text: &str, overrides: &[&str]) -> Result<Scenario, ScenarioError> {
        let overrides: Vec<String> = overrides.iter().map(|o| o.to_string()).collect();
        load_str("t", text, std::path::Path::new("."), &overrides)
    }

    fn problems(text: &str, overrides: &[&str]) -> Vec<crate::error::Invalid> {
        match load(text, overrides) {
            Err(ScenarioError::Invalid(list)) => list,
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn a_per_region_lever_has_a_value_for_every_region_of_the_scenario_in_order() {
        let s = load(REGIONS, &[]).unwrap();
        assert_eq!(s.region_names(), ["east", "central", "west", "northeast"]);
        assert_eq!(s.policy.base.talent_training, [0.0; 4]);
        assert!(!s.features.labour, "written while its feature is off");
        let s = load(&format!("{REGIONS}[policy]\ntalent_training = 0.02\n"), &[]).unwrap();
        assert_eq!(s.policy.at(0).talent_training, [0.02; 4]);
        let s = load(
            &format!("{REGIONS}[policy]\ntalent_training = {{ west = 0.02, east = 0.01 }}\n"),
            &[],
        )
        .unwrap();
        assert_eq!(s.policy.at(7).talent_training, [0.01, 0.0, 0.02, 0.0]);
    }

    #[test]
    fn a_regional_value_set_before_the_feature_that_makes_the_regions_means_the_same() {
        // a lever written as one number in the file is spread over the scenario's regions,
        // whatever the order of the --set flags
        let text = "[policy]\ntalent_training = 0.01\n";
        let expected = [0.01, 0.01, 0.02, 0.01];
        for sets in [
            ["policy.talent_training.west=0.02", "features.regions=true"],
            ["features.regions=true", "policy.talent_training.west=0.02"],
        ] {
            let s = load(text, &sets).unwrap();
            assert_eq!(s.policy.base.talent_training, expected, "{sets:?}");
        }
    }

    #[test]
    fn without_regions_the_one_region_is_national() {
        let s = load("[policy]\ntalent_training = { national = 0.03 }\n", &[]).unwrap();
        assert_eq!(s.region_names(), ["national"]);
        assert_eq!(s.policy.base.talent_training, [0.03]);
        let list = problems("[policy]\ntalent_training = { east = 0.03 }\n", &[]);
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(list[0].path, "policy.talent_training.east");
        assert_eq!(list[0].allowed, "must name one of the regions: national");
    }

    #[test]
    fn a_region_the_scenario_does_not_have_is_refused_with_the_path_the_regions_and_the_name_meant()
    {
        let list = problems(
            &format!("{REGIONS}[policy]\ntalent_training = {{ wset = 0.02 }}\n"),
            &[],
        );
        assert_eq!(list.len(), 1, "{list:?}");
        let p = &list[0];
        assert_eq!(p.path, "policy.talent_training.wset");
        assert_eq!(p.value, "0.02 for region \"wset\"");
        assert_eq!(
            p.allowed,
            "must name one of the regions: east, central, west, northeast (did you mean `west`?)"
        );
        assert!(p.location.to_string().starts_with("t.toml:4:"), "{p:?}");
        // the scenario's own regions, in its order
        let own = "[features]\nregions = true\n\
                   [regions.coast]\nfirm_share = { traditional = 0.5, emerging = 0.5, future = 0.5 }\n\
                   [regions.inland]\nfirm_share = { traditional = 0.5, emerging = 0.5, future = 0.5 }\n\
                   [policy]\ntalent_training = { cost = 0.01, inland = 0.02 }\n";
        let list = problems(own, &[]);
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(
            list[0].allowed,
            "must name one of the regions: coast, inland (did you mean `coast`?)"
        );
    }

    #[test]
    fn a_per_region_value_is_checked_against_its_range_even_with_its_feature_off() {
        let list = problems(
            &format!("{REGIONS}[policy]\ntalent_training = {{ east = -0.1 }}\n"),
            &[],
        );
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(list[0].path, "policy.talent_training.east");
        assert_eq!(list[0].value, "-0.1");
    }

    #[test]
    fn a_schedule_entry_with_a_region_table_applies_at_its_step_and_ramps() {
        let text = format!(
            "{REGIONS}[policy]\ntalent_training = 0.25\n\
             [[policy.schedule]]\nfrom_step = 3\nset = {{ talent_training = {{ west = 0.5 }} }}\n\
             [[policy.schedule]]\nfrom_step = 5\nto_step = 6\nramp = true\n\
             set = {{ talent_training = {{ east = 0.75 }} }}\n"
        );
        let s = load(&text, &[]).unwrap();
        assert_eq!(s.policy.at(2).talent_training, [0.25; 4]);
        assert_eq!(s.policy.at(3).talent_training, [0.25, 0.25, 0.5, 0.25]);
        // the ramp moves east alone, half way at step 5, there at step 6 and after
        assert_eq!(s.policy.at(5).talent_training, [0.5, 0.25, 0.5, 0.25]);
        assert_eq!(s.policy.at(6).talent_training, [0.75, 0.25, 0.5, 0.25]);
        assert_eq!(s.policy.at(9).talent_training, [0.75, 0.25, 0.5, 0.25]);
        let list = problems(
            &format!(
                "{REGIONS}[[policy.schedule]]\nfrom_step = 1\nset = {{ talent_training = {{ est = 0.05 }} }}\n"
            ),
            &[],
        );
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(list[0].path, "policy.schedule[0].set.talent_training.est");
    }

    #[test]
    fn set_on_the_command_line_changes_one_region_or_every_region() {
        let text = format!("{REGIONS}[policy]\ntalent_training = 0.01\n");
        let s = load(&text, &["policy.talent_training.east=0.02"]).unwrap();
        assert_eq!(s.policy.base.talent_training, [0.02, 0.01, 0.01, 0.01]);
        let s = load(REGIONS, &["policy.talent_training=0.04"]).unwrap();
        assert_eq!(s.policy.base.talent_training, [0.04; 4]);
        let list = problems(REGIONS, &["policy.talent_training.esat=0.02"]);
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(list[0].path, "policy.talent_training.esat");
        assert_eq!(
            list[0].location.to_string(),
            "--set policy.talent_training.esat=0.02"
        );
        assert!(list[0].allowed.ends_with("(did you mean `east`?)"));
    }

    #[test]
    fn the_explicit_form_writes_talent_training_only_when_set_or_labour_is_on_and_reads_back() {
        // model 1, and part one of model 2 at its default: not written
        for text in ["", REGIONS] {
            let s = load(text, &[]).unwrap();
            assert!(!s.to_toml().contains("talent_training"), "{text:?}");
        }
        // set: written for every region, and the explicit form loads to the same scenario
        let text = format!(
            "{REGIONS}[policy]\ntalent_training = {{ central = 0.02 }}\n\
             [[policy.schedule]]\nfrom_step = 2\nset = {{ talent_training = {{ west = 0.05 }} }}\n"
        );
        let s = load(&text, &[]).unwrap();
        let explicit = s.to_toml();
        assert!(explicit.contains("talent_training"), "{explicit}");
        let back = load(&explicit, &[]).unwrap();
        assert_eq!(back.policy, s.policy);
        assert_eq!(back.to_toml(), explicit);
        let s = load("[policy]\ntalent_training = 0.01\n", &[]).unwrap();
        let back = load(&s.to_toml(), &[]).unwrap();
        assert_eq!(back.policy.base.talent_training, [0.01]);
    }
}
