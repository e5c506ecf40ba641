//! Model 2, part one: the features `regions`, `capacity` and `platform` (docs/model.md, part "Model 2"
//! sections 2-7 and appendix C) as a user meets them: with every feature off the program is
//! model 1; each feature alone and all three together stay finite at the extremes of their
//! levers and parameters and fill exactly their own columns; `regions.csv` adds up to the
//! trajectories; bad `[features]` and `[regions]` tables are refused at their line and
//! column; runs are reproducible on any number of threads, and a region draw moves no
//! model-1 draw. Every run is small (1,500 firms, a few steps), so these run in debug builds
//! too; the figures of docs/model.md M2.12 are in `model2_sanity.rs` (release mode).

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{csv_bytes, nqpsim, nqpsim_ok, rows};
use nqpsim::error::{Invalid, Location};
use nqpsim::metrics::{MetricValue, Model2Metrics, RegionRow, RowSector};
use nqpsim::model::features::Feature;
use nqpsim::model::levers::LEVERS;
use nqpsim::model::params::{ModelParams, SectorParams};
use nqpsim::{MetricsRow, RunOptions, RunOutput, Scenario, ScenarioError, Silent};

/// The model-1.1 reference economy (`scenarios/reference/model-1.1.toml`).
fn reference_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/reference/model-1.1.toml")
}

/// The layout economy of docs/model.md M2.2 (`scenarios/regional-layout.toml`): four duplicated
/// emerging sectors, four regions, every region backing one sector (differentiated).
fn layout_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/regional-layout.toml")
}

/// The scenario at `path` with `--set`-style overrides.
fn load(path: &Path, sets: &[&str]) -> Scenario {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    nqpsim::scenario::load(path, &sets)
        .unwrap_or_else(|e| panic!("{} with {sets:?} loads: {e}", path.display()))
}

/// The reference economy, small: 1,500 firms, 10 steps, 2 replicates.
fn small(sets: &[&str]) -> Scenario {
    load(&reference_path(), sets)
        .with_firms(1_500)
        .with_steps(10)
        .with_replicates(2)
}

/// The `--set` arguments that switch on `features` (names from `[features]`).
fn switch_on(features: &[&str]) -> Vec<String> {
    features
        .iter()
        .map(|f| format!("features.{f}=true"))
        .collect()
}

/// Runs `scenario` on two threads and returns everything it produced.
fn run(scenario: &Scenario) -> RunOutput {
    let options = RunOptions {
        threads: Some(2),
        ..RunOptions::default()
    };
    nqpsim::run(scenario, &options, &Silent)
        .unwrap_or_else(|e| panic!("the run of {} fails: {e}", scenario.name))
}

/// The sixteen model-2 columns, in the order of docs/model.md M2.10.
const MODEL2_COLUMNS: [&str; 16] = [
    "capacity",
    "capacity_utilisation",
    "idle_capacity",
    "employment_low",
    "employment_high",
    "displaced",
    "talent_shortage",
    "platform_lift",
    "contributions",
    "autonomy",
    "supply_availability",
    "carbon_price",
    "subsidy_backing",
    "subsidy_platform",
    "subsidy_autonomy",
    "subsidy_training",
];

/// The feature whose state fills each model-2 column (`None`: `carbon_price`, filled when any
/// feature is on).
fn column_feature(column: &str) -> Option<Feature> {
    match column {
        "capacity" | "capacity_utilisation" | "idle_capacity" => Some(Feature::Capacity),
        "employment_low" | "employment_high" | "displaced" | "talent_shortage"
        | "subsidy_training" => Some(Feature::Labour),
        "platform_lift" | "contributions" | "subsidy_platform" => Some(Feature::Platform),
        "autonomy" | "supply_availability" | "subsidy_autonomy" => Some(Feature::Supply),
        "subsidy_backing" => Some(Feature::Regions),
        "carbon_price" => None,
        other => panic!("not a model-2 column: {other}"),
    }
}

/// The model-2 flows of a step among the columns of part one: 0 at step 0 (docs/model.md M2.10).
const FLOWS: [&str; 3] = ["contributions", "subsidy_backing", "subsidy_platform"];

// ---------------------------------------------------------------------------------------
// Every feature off is model 1 (docs/model.md M2.1)
// ---------------------------------------------------------------------------------------

/// The keys a model-1 scenario must not write: the model-2 parameters and levers as the
/// program lists them, and those of docs/model.md M2.7-M2.8 by name (part two's too).
fn model2_keys() -> Vec<&'static str> {
    let mut keys: Vec<&str> = ModelParams::INFO
        .iter()
        .chain(SectorParams::INFO.iter())
        .filter(|p| p.feature.is_some())
        .map(|p| p.name)
        .chain(
            LEVERS
                .iter()
                .filter(|l| l.feature.is_some())
                .map(|l| l.name),
        )
        .collect();
    let by_name = [
        "normal_utilisation",
        "capacity_depreciation",
        "capacity_cost",
        "price_pressure",
        "demand_expectation",
        "platform_efficiency",
        "platform_scale",
        "platform_obsolescence",
        "contribution_share",
        "contribution_return",
        "contribution_weight",
        "backing_entry",
        "backing_rd",
        "backing_capacity",
        "backed_per_region",
        "popularity",
        "backing",
        "layout_herding",
        "common_tech_fund",
        "fund_matching",
        "talent_endowment",
        "talent_growth",
        "aptitude",
        "tfp_offset",
        "data_infra",
        "talent_training",
        "supply_cut",
        "carbon_intensity_target",
    ];
    for key in by_name {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// The shipped scenarios that switch no feature on (themselves or through `extends`):
/// `scenarios/*.toml` and `scenarios/{questions,reference}/*.toml`.
fn shipped_model_one_scenarios() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files = Vec::new();
    for dir in ["", "questions", "reference"] {
        for entry in fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let is_toml = path.extension().is_some_and(|e| e == "toml");
            if is_toml && !load(&path, &[]).features.any() {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn the_explicit_form_of_a_model_one_scenario_has_no_model_two_table_or_key() {
    let keys = model2_keys();
    assert!(keys.len() >= 20, "{keys:?}");
    let files = shipped_model_one_scenarios();
    assert!(files.len() >= 10, "{files:?}");
    let mut scenarios = vec![("the embedded baseline".to_string(), Scenario::baseline())];
    for file in files {
        scenarios.push((file.display().to_string(), load(&file, &[])));
    }
    for (name, scenario) in scenarios {
        let text = scenario.to_toml();
        for table in ["[features]", "[regions", "[national]"] {
            assert!(!text.contains(table), "{name} writes {table}:\n{text}");
        }
        for line in text.lines() {
            let key = line.split('=').next().unwrap_or("").trim();
            assert!(
                !keys.contains(&key),
                "{name} writes the model-2 key `{key}`: {line}"
            );
        }
    }
}

#[test]
fn features_written_false_give_the_bytes_of_features_not_written() {
    let base = small(&[]);
    let all_false = small(&[
        "features.regions=false",
        "features.capacity=false",
        "features.platform=false",
        "features.labour=false",
        "features.supply=false",
        "features.carbon=false",
    ]);
    assert!(!all_false.features.any());
    assert_eq!(base.to_toml(), all_false.to_toml());
    assert_eq!(csv_bytes(&base, 2), csv_bytes(&all_false, 2));
}

#[test]
fn a_features_table_of_false_values_in_a_file_changes_no_byte_of_the_cli_output() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "extends = {}\nname = \"model-1.1\"\n\n[features]\nregions = false\ncapacity = false\n\
         platform = false\n",
        toml::Value::String(reference_path().display().to_string())
    );
    fs::write(dir.path().join("off.toml"), text).unwrap();
    let run_into = |scenario: &str, out: &str| {
        let mut args = vec!["run", scenario, "--out", out, "--quiet"];
        args.extend(["--firms", "1500", "--steps", "6", "--replicates", "2"]);
        nqpsim_ok(dir.path(), &args);
        let folder = dir.path().join(out).join("model-1.1");
        assert!(!folder.join("regions.csv").exists());
        fs::read(folder.join("trajectories.csv")).unwrap()
    };
    let reference = reference_path().display().to_string();
    assert_eq!(
        run_into(&reference, "with"),
        run_into("off.toml", "without")
    );
}

#[test]
fn model_two_parameters_and_levers_change_nothing_while_their_feature_is_off() {
    let base = small(&[]);
    let ignored = small(&[
        "model.capacity_cost=0.9",
        "model.normal_utilisation=0.3",
        "model.platform_efficiency=1",
        "model.backing_rd=4",
        "model.backed_per_region=3",
        "policy.backing=1",
        "policy.layout_herding=1",
        "policy.common_tech_fund=0.5",
        "policy.fund_matching=2",
        "sectors.emerging.popularity=7",
        "model.talent_elasticity=2",
        "model.training_cost=5",
        "policy.talent_training=0.5",
        "sectors.traditional.automation=1",
        "sectors.future.skill_share=0.9",
        "model.carbon_price_gain=2",
        "model.carbon_premium_max=0",
        "policy.carbon_intensity_target=0.5",
        "model.substitution_cost=0.9",
        "model.leader_share=1",
        "sectors.future.import_share=1",
        "policy.supply_cut=1",
        "policy.autonomy=1",
    ]);
    assert!(!ignored.features.any());
    assert_eq!(csv_bytes(&base, 2), csv_bytes(&ignored, 2));
}

/// Our choice (docs/model.md M2.7): a model-2 value is validated whenever it is written, even
/// with its feature off, so a scenario cannot carry a value that would fail the moment the
/// feature is switched on; in range, it changes nothing (the test above).
#[test]
fn model_two_values_out_of_range_are_refused_even_while_their_feature_is_off() {
    let err = nqpsim::scenario::load(
        &reference_path(),
        &[
            "model.capacity_cost=5".to_string(),
            "policy.backing=3".to_string(),
        ],
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("model.capacity_cost") && err.contains("policy.backing"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------
// Each feature alone and all three together, at the extremes (docs/model.md M2.8)
// ---------------------------------------------------------------------------------------

/// What a run of `scenario` must show whatever its levers: it succeeds (a non-finite value
/// would stop it with a numeric fault), every number in every row is finite, the economy keeps
/// firms, the model-2 block is filled exactly for the features on, and `regions.csv` has its
/// rows exactly with `regions`.
fn assert_sound(scenario: &Scenario, what: &str) {
    let out = run(scenario);
    let features = scenario.features;
    let expected_rows = scenario.run.replicates as usize
        * (scenario.run.steps as usize + 1)
        * (scenario.sectors.len() + 1);
    assert_eq!(out.rows.len(), expected_rows, "{what}");
    for row in &out.rows {
        let at = format!(
            "{what}: replicate {}, step {}, {:?}",
            row.replicate, row.step, row.sector
        );
        for (name, value) in MetricsRow::METRIC_COLUMNS.iter().zip(row.metric_values()) {
            if let MetricValue::Real(x) = value {
                assert!(x.is_finite(), "{at}: {name} is {x}");
            }
        }
        for (name, value) in Model2Metrics::COLUMNS.iter().zip(row.model2.values()) {
            let filled = match column_feature(name) {
                // the talent shortage is a share of the regions' pools: `all` row only
                Some(Feature::Labour) if *name == "talent_shortage" => {
                    features.labour && row.sector == RowSector::All
                }
                Some(feature) => features.has(feature),
                None => true,
            };
            match value {
                MetricValue::Real(x) => {
                    assert!(filled, "{at}: {name} = {x}, but its feature is off");
                    assert!(x.is_finite(), "{at}: {name} is {x}");
                }
                MetricValue::Missing => {
                    // utilisation is NA where there is no capacity
                    let no_capacity =
                        *name == "capacity_utilisation" && row.model2.capacity == Some(0.0);
                    // output-weighted on the `all` row: empty where nothing was produced
                    let no_output = row.sector == RowSector::All
                        && row.output == 0.0
                        && ["autonomy", "idle_capacity", "platform_lift"].contains(name);
                    assert!(!filled || no_capacity || no_output, "{at}: {name} is empty");
                }
                MetricValue::Count(_) => unreachable!("model-2 columns are real"),
            }
        }
        if row.sector == RowSector::All {
            assert!(row.firms > 0, "{at}: no firm left");
        }
    }
    let regions = scenario.regions.len();
    let expected_region_rows = if features.regions {
        scenario.run.replicates as usize * (scenario.run.steps as usize + 1) * regions
    } else {
        0
    };
    assert_eq!(out.regions.len(), expected_region_rows, "{what}");
    for r in &out.regions {
        assert!(r.output.is_finite(), "{what}: {r:?}");
        assert!(r.tfp.is_none_or(f64::is_finite), "{what}: {r:?}");
        assert!(r.output_share.is_none_or(f64::is_finite), "{what}: {r:?}");
    }
}

/// Lever and parameter settings at the ends of their ranges, for the feature that reads
/// them: regional backing (by comparative advantage and herding, no sector or every sector
/// per region), the fund and matching, the platform's decay and the contribution logit,
/// idle-capacity costs and price pressure, utilisation without headroom and with a
/// twentyfold headroom, capacity that never or always depreciates, expectations that never
/// or fully adapt, and a green standard that closes most traditional firms while capacity
/// binds (docs/model.md M2.8).
const EXTREMES: &[(&str, &[&str])] = &[
    ("regions", &["policy.backing=1", "policy.layout_herding=0"]),
    ("regions", &["policy.backing=1", "policy.layout_herding=1"]),
    (
        "regions",
        &["policy.backing=1", "model.backed_per_region=0"],
    ),
    (
        "regions",
        &[
            "policy.backing=1",
            "model.backed_per_region=5",
            "model.backing_entry=10",
            "model.backing_rd=10",
        ],
    ),
    ("platform", &["policy.common_tech_fund=1"]),
    ("platform", &["policy.fund_matching=50"]),
    ("platform", &["model.platform_obsolescence=0"]),
    ("platform", &["model.platform_obsolescence=1"]),
    ("platform", &["model.contribution_share=1"]),
    ("platform", &["model.contribution_weight=0"]),
    ("platform", &["model.contribution_weight=50"]),
    ("capacity", &["model.capacity_cost=1"]),
    ("capacity", &["model.price_pressure=10"]),
    ("capacity", &["model.normal_utilisation=1"]),
    ("capacity", &["model.normal_utilisation=0.05"]),
    ("capacity", &["model.capacity_depreciation=0"]),
    ("capacity", &["model.capacity_depreciation=1"]),
    ("capacity", &["model.demand_expectation=0"]),
    ("capacity", &["model.demand_expectation=1"]),
    ("capacity", &["policy.green_standard.traditional=0.5"]),
    (
        "labour",
        &["policy.talent_training=1", "model.training_cost=10"],
    ),
    ("labour", &["national.talent_endowment=0.001"]),
    ("labour", &["model.talent_elasticity=0"]),
    ("labour", &["model.talent_elasticity=20"]),
    (
        "labour",
        &[
            "sectors.traditional.automation=1",
            "sectors.traditional.skill_share=0",
            "sectors.traditional.reinstatement=20",
            "policy.digital_subsidy=1",
            "policy.data_openness=1",
        ],
    ),
    ("labour", &["sectors.future.skill_share=1"]),
    (
        "carbon",
        &["model.carbon_price_gain=2", "model.carbon_level_gain=1"],
    ),
    ("carbon", &["policy.carbon_intensity_target=0.99"]),
    ("carbon", &["policy.carbon_intensity_target=0"]),
    ("carbon", &["model.carbon_premium_max=0"]),
    (
        "supply",
        &[
            "policy.supply_cut=1",
            "sectors.emerging.import_share=1",
            "sectors.future.import_share=1",
        ],
    ),
    ("supply", &["policy.supply_cut=1", "model.leader_share=0"]),
    ("supply", &["policy.supply_cut=1", "model.leader_share=1"]),
    (
        "supply",
        &[
            "policy.autonomy=1",
            "model.autonomy_efficiency=1000",
            "model.substitution_cost=0.99",
        ],
    ),
    (
        "supply",
        &[
            "policy.supply_cut=0.5",
            "model.crisis_learning=1",
            "model.autonomy_depreciation=0",
        ],
    ),
    (
        "supply",
        &[
            "policy.supply_cut=1",
            "model.autonomy_depreciation=1",
            "sectors.traditional.autonomy_init=1",
        ],
    ),
    (
        // nothing is delivered anywhere: output 0 in every sector, year after year
        "supply",
        &[
            "policy.supply_cut=1",
            "model.crisis_learning=0",
            "sectors.traditional.import_share=1",
            "sectors.emerging.import_share=1",
            "sectors.future.import_share=1",
            "sectors.traditional.autonomy_init=0",
            "sectors.emerging.autonomy_init=0",
            "sectors.future.autonomy_init=0",
        ],
    ),
    (
        "carbon",
        &[
            "policy.carbon_intensity_target=0.5",
            "model.carbon_premium_max=1000",
        ],
    ),
];

/// The extremes of [`EXTREMES`] together, with all three features on: every lever and
/// parameter at its upper end (herded backing with the most backed capacity, the largest
/// idle-capacity cost, price pressure, fund, matching and contribution, no headroom,
/// capacity and platform gone in a year, a green standard of 0.5), then at its lower end
/// (backing by comparative advantage of every candidate, twentyfold headroom, capacity and
/// platform that never decay, contributions at a coin toss, expectations that never adapt).
const EXTREMES_TOGETHER: [&[&str]; 2] = [
    &[
        "policy.backing=1",
        "policy.layout_herding=1",
        "model.backing_capacity=1",
        "model.backing_rd=10",
        "model.capacity_cost=1",
        "model.price_pressure=10",
        "model.normal_utilisation=1",
        "model.capacity_depreciation=1",
        "model.demand_expectation=1",
        "policy.common_tech_fund=1",
        "policy.fund_matching=50",
        "model.platform_obsolescence=1",
        "model.contribution_share=1",
        "model.contribution_weight=50",
        "policy.green_standard.traditional=0.5",
    ],
    &[
        "policy.backing=1",
        "policy.layout_herding=0",
        "model.backed_per_region=5",
        "model.normal_utilisation=0.05",
        "model.capacity_depreciation=0",
        "model.demand_expectation=0",
        "model.platform_obsolescence=0",
        "model.contribution_weight=0",
    ],
];

/// Runs `feature` alone (the others off) with its levers at their defaults and at each of
/// its [`EXTREMES`].
fn assert_sound_alone_at_its_extremes(feature: Feature) {
    let on = format!("features.{}=true", feature.name());
    let cases = std::iter::once(&[][..]).chain(
        EXTREMES
            .iter()
            .filter(|(f, _)| *f == feature.name())
            .map(|(_, sets)| *sets),
    );
    for sets in cases {
        let all: Vec<&str> = std::iter::once(on.as_str())
            .chain(sets.iter().copied())
            .collect();
        let scenario = small(&all);
        assert!(scenario.features.has(feature));
        assert_sound(
            &scenario,
            &format!("{} alone with {sets:?}", feature.name()),
        );
    }
}

#[test]
fn regions_alone_stay_finite_at_the_extremes_and_fill_their_columns_only() {
    assert_sound_alone_at_its_extremes(Feature::Regions);
}

#[test]
fn capacity_alone_stays_finite_at_the_extremes_and_fills_its_columns_only() {
    assert_sound_alone_at_its_extremes(Feature::Capacity);
}

#[test]
fn the_platform_alone_stays_finite_at_the_extremes_and_fills_its_columns_only() {
    assert_sound_alone_at_its_extremes(Feature::Platform);
}

#[test]
fn labour_alone_stays_finite_at_the_extremes_and_fills_its_columns_only() {
    assert_sound_alone_at_its_extremes(Feature::Labour);
}

#[test]
fn the_carbon_rule_alone_stays_finite_at_the_extremes_and_fills_its_columns_only() {
    assert_sound_alone_at_its_extremes(Feature::Carbon);
}

#[test]
fn the_supply_chain_alone_stays_finite_at_the_extremes_and_fills_its_columns_only() {
    assert_sound_alone_at_its_extremes(Feature::Supply);
}

#[test]
fn every_feature_together_stays_finite_in_the_layout_economy() {
    let on = switch_on(&[
        "regions", "capacity", "platform", "labour", "supply", "carbon",
    ]);
    for sets in [
        &["policy.backing=1"][..],
        &[
            "policy.backing=1",
            "policy.talent_training=0.05",
            "policy.layout_herding=1",
            "policy.supply_cut=0.5",
            "policy.autonomy=0.005",
        ],
    ] {
        let all: Vec<&str> = on
            .iter()
            .map(String::as_str)
            .chain(sets.iter().copied())
            .collect();
        let scenario = load(&layout_path(), &all)
            .with_firms(1_500)
            .with_steps(10)
            .with_replicates(2);
        assert_sound(&scenario, &format!("every feature with {sets:?}"));
    }
}

#[test]
fn all_three_features_stay_finite_at_every_extreme_together_and_fill_their_columns() {
    let on = switch_on(&["regions", "capacity", "platform"]);
    for sets in std::iter::once(&[][..]).chain(EXTREMES_TOGETHER) {
        let all: Vec<&str> = on
            .iter()
            .map(String::as_str)
            .chain(sets.iter().copied())
            .collect();
        let scenario = small(&all);
        assert!(
            scenario.features.regions && scenario.features.capacity && scenario.features.platform
        );
        assert_sound(&scenario, &format!("all three with {sets:?}"));
    }
}

#[test]
fn the_layout_economy_stays_finite_with_and_without_herding() {
    for herding in ["0", "1"] {
        let scenario = load(
            &layout_path(),
            &[&format!("policy.layout_herding={herding}")],
        )
        .with_firms(1_500)
        .with_steps(10)
        .with_replicates(2);
        assert_sound(&scenario, &format!("the layout economy, herding {herding}"));
    }
}

// ---------------------------------------------------------------------------------------
// Outputs (docs/model.md M2.10)
// ---------------------------------------------------------------------------------------

/// A CSV file as a header and string records.
fn read_csv(path: &Path) -> (Vec<String>, Vec<csv::StringRecord>) {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let records = reader.records().collect::<Result<Vec<_>, _>>().unwrap();
    (header, records)
}

/// A field of a record by column name, as a number (`None` for an empty field).
fn number(header: &[String], record: &csv::StringRecord, name: &str) -> Option<f64> {
    let i = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    let text = &record[i];
    (!text.is_empty()).then(|| text.parse().unwrap_or_else(|_| panic!("{name} = {text:?}")))
}

/// A field of a record by column name, as text.
fn text<'a>(header: &[String], record: &'a csv::StringRecord, name: &str) -> &'a str {
    let i = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    &record[i]
}

/// `nqpsim run SCENARIO --set ...` at 1,500 firms, 5 steps, 2 replicates into a fresh
/// folder; returns the temporary folder (kept alive) and the run folder.
fn cli_run(scenario: &Path, sets: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let scenario = scenario.display().to_string();
    let mut args = vec![
        "run",
        &scenario,
        "--firms",
        "1500",
        "--steps",
        "5",
        "--replicates",
        "2",
        "--out",
        "out",
        "--quiet",
    ];
    for set in sets {
        args.extend(["--set", set]);
    }
    nqpsim_ok(dir.path(), &args);
    let folder = fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .expect("a run folder");
    (dir, folder)
}

#[test]
fn the_model_two_block_follows_carbon_revenue_when_a_feature_is_on_and_is_absent_otherwise() {
    let (_a, off) = cli_run(&reference_path(), &[]);
    let (header, _) = read_csv(&off.join("trajectories.csv"));
    assert_eq!(header.last().map(String::as_str), Some("carbon_revenue"));
    assert_eq!(header.len(), MetricsRow::columns().len());
    for feature in ["regions", "capacity", "platform"] {
        let (_b, on) = cli_run(&reference_path(), &[&format!("features.{feature}=true")]);
        let (header, records) = read_csv(&on.join("trajectories.csv"));
        let at = header.iter().position(|h| h == "carbon_revenue").unwrap();
        assert_eq!(&header[at + 1..], MODEL2_COLUMNS, "{feature}");
        assert_eq!(Model2Metrics::COLUMNS, MODEL2_COLUMNS);
        // exactly the feature's columns are filled, and the carbon price
        for record in &records {
            for column in MODEL2_COLUMNS {
                let filled = match column_feature(column) {
                    Some(f) => f.name() == feature,
                    None => true,
                };
                assert_eq!(
                    !text(&header, record, column).is_empty(),
                    filled,
                    "{feature}: {column} in {record:?}"
                );
            }
            assert_eq!(number(&header, record, "carbon_price"), Some(0.02));
        }
        assert_eq!(on.join("regions.csv").exists(), feature == "regions");
    }
}

#[test]
fn the_all_row_sums_capacity_and_divides_total_output_by_total_capacity() {
    let (_d, folder) = cli_run(
        &reference_path(),
        &[
            "features.regions=true",
            "features.capacity=true",
            "features.platform=true",
            "policy.backing=1",
            "policy.common_tech_fund=0.005",
            "policy.fund_matching=1",
        ],
    );
    let (header, records) = read_csv(&folder.join("trajectories.csv"));
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs();
    for group in records.chunks(4) {
        let (sectors, all) = (&group[..3], &group[3]);
        assert_eq!(text(&header, all, "sector"), "all");
        let get = |r: &csv::StringRecord, c: &str| {
            number(&header, r, c).unwrap_or_else(|| panic!("{c} is empty in {r:?}"))
        };
        let sum = |c: &str| sectors.iter().map(|r| get(r, c)).sum::<f64>();
        let weighted = |c: &str| {
            sectors
                .iter()
                .map(|r| get(r, "output") * get(r, c))
                .sum::<f64>()
                / sum("output")
        };
        // capacity: the sum; utilisation: total output over total capacity
        let k = sum("capacity");
        assert!(close(get(all, "capacity"), k), "{all:?}");
        assert!(
            close(get(all, "capacity_utilisation"), get(all, "output") / k),
            "{all:?}"
        );
        for r in sectors {
            let u = get(r, "output") / get(r, "capacity");
            assert!(close(get(r, "capacity_utilisation"), u), "{r:?}");
        }
        // planned excess and lift: output-weighted
        for c in ["idle_capacity", "platform_lift"] {
            let (got, want) = (get(all, c), weighted(c));
            assert!(got == want || close(got, want), "{c}: {got} vs {want}");
        }
        // flows: sums
        for c in FLOWS {
            let (got, want) = (get(all, c), sum(c));
            assert!(got == want || close(got, want), "{c}: {got} vs {want}");
        }
    }
}

#[test]
fn regions_csv_has_a_row_per_replicate_step_and_region_adding_up_to_the_all_row() {
    // two sectors backed per region: the baseline's candidates, emerging and future
    let (_d, folder) = cli_run(
        &reference_path(),
        &[
            "features.regions=true",
            "policy.backing=1",
            "model.backed_per_region=2",
        ],
    );
    let (header, regions) = read_csv(&folder.join("regions.csv"));
    assert_eq!(header, RegionRow::COLUMNS);
    let (theader, trajectories) = read_csv(&folder.join("trajectories.csv"));
    let names = ["east", "central", "west", "northeast"];
    assert_eq!(regions.len(), 2 * 6 * names.len());
    let all_rows: Vec<&csv::StringRecord> = trajectories
        .iter()
        .filter(|r| text(&theader, r, "sector") == "all")
        .collect();
    assert_eq!(all_rows.len(), 2 * 6);
    for (group, all) in regions.chunks(names.len()).zip(all_rows) {
        let order: Vec<&str> = group.iter().map(|r| text(&header, r, "region")).collect();
        assert_eq!(order, names);
        for c in ["replicate", "step", "seed", "year"] {
            assert!(
                group
                    .iter()
                    .all(|r| text(&header, r, c) == text(&theader, all, c))
            );
        }
        let firms: f64 = group
            .iter()
            .map(|r| number(&header, r, "firms").unwrap())
            .sum();
        assert_eq!(firms, number(&theader, all, "firms").unwrap());
        let output: f64 = group
            .iter()
            .map(|r| number(&header, r, "output").unwrap())
            .sum();
        let total = number(&theader, all, "output").unwrap();
        assert!((output / total - 1.0).abs() < 1e-9, "{output} vs {total}");
        let shares: f64 = group
            .iter()
            .map(|r| number(&header, r, "output_share").unwrap())
            .sum();
        assert!((shares - 1.0).abs() < 1e-9, "{shares}");
        for r in group {
            assert!(number(&header, r, "tfp").unwrap().is_finite());
            for labour in [
                "employment_low",
                "employment_high",
                "talent_demand",
                "talent_pool",
            ] {
                assert_eq!(text(&header, r, labour), "", "empty without labour");
            }
            assert_eq!(text(&header, r, "backed"), "emerging+future");
        }
    }
}

#[test]
fn regions_csv_names_the_sector_each_region_backs_in_the_layout_economy() {
    let backed = |herding: &str| {
        let (_d, folder) = cli_run(
            &layout_path(),
            &[&format!("policy.layout_herding={herding}")],
        );
        let (header, rows) = read_csv(&folder.join("regions.csv"));
        let first: Vec<(String, String)> = rows[..4]
            .iter()
            .map(|r| {
                (
                    text(&header, r, "region").into(),
                    text(&header, r, "backed").into(),
                )
            })
            .collect();
        // the backing set is the same at every step (the levers do not change)
        for group in rows.chunks(4) {
            let each: Vec<(String, String)> = group
                .iter()
                .map(|r| {
                    (
                        text(&header, r, "region").into(),
                        text(&header, r, "backed").into(),
                    )
                })
                .collect();
            assert_eq!(each, first);
        }
        first
    };
    let pairs = |list: [(&str, &str); 4]| -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    // differentiated: each region backs the sector of its comparative advantage
    assert_eq!(
        backed("0"),
        pairs([
            ("east", "electronic_info"),
            ("central", "bio_manufacturing"),
            ("west", "new_materials"),
            ("northeast", "high_end_equipment"),
        ])
    );
    // homogeneous: every region backs the most popular sector
    assert_eq!(
        backed("1"),
        pairs([
            ("east", "new_materials"),
            ("central", "new_materials"),
            ("west", "new_materials"),
            ("northeast", "new_materials"),
        ])
    );
    // no backing: an empty column
    let (_d, folder) = cli_run(&layout_path(), &["policy.backing=0"]);
    let (header, rows) = read_csv(&folder.join("regions.csv"));
    assert!(rows.iter().all(|r| text(&header, r, "backed").is_empty()));
}

#[test]
fn without_regions_no_regions_csv_is_written() {
    for sets in [
        &[][..],
        &["features.capacity=true", "features.platform=true"][..],
    ] {
        let (_d, folder) = cli_run(&reference_path(), sets);
        assert!(folder.join("trajectories.csv").exists());
        assert!(!folder.join("regions.csv").exists(), "{sets:?}");
    }
}

#[test]
fn at_step_0_the_model_two_flows_are_zero_not_empty() {
    // docs/model.md M2.10: at step 0 the flows are 0 and idle capacity is 0.
    let scenario = small(&[
        "features.regions=true",
        "features.capacity=true",
        "features.platform=true",
    ])
    .with_steps(1);
    for row in run(&scenario).rows.iter().filter(|r| r.step == 0) {
        let m = &row.model2;
        assert_eq!(m.idle_capacity, Some(0.0), "{row:?}");
        assert_eq!(m.contributions, Some(0.0), "{row:?}");
        assert_eq!(m.subsidy_backing, Some(0.0), "{row:?}");
        assert_eq!(m.subsidy_platform, Some(0.0), "{row:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Validation (docs/model.md M2.1, M2.8)
// ---------------------------------------------------------------------------------------

/// The reference economy extended by `text` (TOML), as the file `probe.toml`.
fn probe(text: &str) -> Result<Scenario, ScenarioError> {
    let full = format!(
        "extends = {}\n{text}",
        toml::Value::String(reference_path().display().to_string())
    );
    nqpsim::scenario::load_str("probe", &full, Path::new("."), &[])
}

/// Every problem of an invalid text.
fn problems(text: &str) -> Vec<Invalid> {
    match probe(text) {
        Err(ScenarioError::Invalid(problems)) => problems,
        other => panic!("expected ScenarioError::Invalid, got {other:#?}"),
    }
}

/// The one problem of an invalid text.
fn only_problem(text: &str) -> Invalid {
    let mut all = problems(text);
    assert_eq!(all.len(), 1, "expected exactly one problem: {all:#?}");
    all.remove(0)
}

/// A position in `probe.toml` (line 1 is the `extends` line).
fn at(line: usize, column: usize) -> Location {
    Location::File {
        file: PathBuf::from("probe.toml"),
        line,
        column,
    }
}

/// Two regions that split every tier in halves.
const TWO_REGIONS: &str = "[features]\nregions = true\n\n[regions.coast]\n\
firm_share = { traditional = 0.5, emerging = 0.5, future = 0.5 }\n\n[regions.inland]\n\
firm_share = { traditional = 0.5, emerging = 0.5, future = 0.5 }\n";

#[test]
fn two_regions_that_split_every_tier_are_accepted_with_national_defaults() {
    let s = probe(TWO_REGIONS).expect("valid");
    assert!(s.features.regions);
    let names: Vec<&str> = s.regions.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["coast", "inland"]);
    for r in &s.regions {
        assert_eq!((r.tfp_offset, r.data_infra), (0.0, 1.0));
        assert_eq!((r.talent_endowment, r.talent_growth), (0.89, 0.045));
        assert!(r.aptitude.iter().all(|&a| a == 0.0));
    }
    // with regions on and no [regions] table, the four default regions of docs/model.md M2.2
    let s = probe("[features]\nregions = true\n").unwrap();
    let names: Vec<&str> = s.regions.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["east", "central", "west", "northeast"]);
}

#[test]
fn substitutes_that_could_take_all_productivity_are_refused_at_the_import_share() {
    // docs/model.md M2.15: Xs_j = 1 - pi_s mi_j s_j must stay above 0, so pi_s mi_j < 1
    let text = "[features]\nsupply = true\n\n[model]\nsubstitution_cost = 1.0\n\n\
                [sectors.future]\nimport_share = 1.0\n";
    let problem = only_problem(text);
    assert_eq!(problem.path, "sectors.future.import_share");
    assert_eq!(problem.location, at(9, 16), "{problem}");
    assert!(problem.allowed.contains("substitution_cost"), "{problem}");
    // with supply off the pair is accepted: it has no effect
    assert!(probe(&text.replace("supply = true", "supply = false")).is_ok());
}

#[test]
fn an_unknown_feature_is_refused_with_the_feature_meant() {
    let error = probe("[features]\nregion = true\n")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(
            "probe.toml:3:1: `features.region` is an unknown field, but did you mean `regions`? \
             `features` takes: regions, capacity, platform, labour, supply, carbon"
        ),
        "{error}"
    );
}

#[test]
fn a_tier_whose_regional_firm_shares_do_not_sum_to_one_is_refused() {
    let text = TWO_REGIONS.replace(
        "[regions.inland]\nfirm_share = { traditional = 0.5, emerging = 0.5,",
        "[regions.inland]\nfirm_share = { traditional = 0.5, emerging = 0.4,",
    );
    let problem = only_problem(&text);
    assert_eq!(problem.path, "regions.inland.firm_share.emerging");
    assert!(problem.value.contains("summing to 0.9"), "{problem}");
    assert!(problem.value.contains("coast=0.5") && problem.value.contains("inland=0.4"));
    assert_eq!(
        problem.allowed,
        "each tier's firm shares must sum to 1 over the regions"
    );
    assert_eq!(
        problem.location,
        at(9, 46),
        "at the share of the last region"
    );
}

#[test]
fn an_aptitude_for_an_unknown_sector_is_refused_with_the_sector_meant() {
    let text = format!("{TWO_REGIONS}aptitude = {{ emergin = 0.1 }}\n");
    let problem = only_problem(&text);
    assert_eq!(problem.path, "regions.inland.aptitude.emergin");
    assert!(
        problem.allowed.contains("traditional, emerging, future"),
        "{problem}"
    );
    assert!(
        problem.allowed.contains("did you mean `emerging`?"),
        "{problem}"
    );
    assert!(
        matches!(problem.location, Location::File { line: 10, .. }),
        "{problem}"
    );
}

#[test]
fn backing_a_fractional_number_of_sectors_per_region_is_refused() {
    let problem = only_problem("[features]\nregions = true\n\n[model]\nbacked_per_region = 1.5\n");
    assert_eq!(problem.path, "model.backed_per_region");
    assert_eq!(problem.value, "1.5");
    assert_eq!(problem.location, at(6, 21));
    assert_eq!(problem.allowed, "must be a whole number >= 0");
}

#[test]
fn model_two_values_out_of_range_are_refused_when_their_feature_is_on() {
    let text = "[features]\nregions = true\ncapacity = true\nplatform = true\n\n[model]\n\
                normal_utilisation = 0\ncapacity_cost = 1.5\nbacking_capacity = 2\n\n[policy]\n\
                backing = 1.5\nfund_matching = -1\ncommon_tech_fund = { future = 2 }\n";
    let all = problems(text);
    let paths: Vec<&str> = all.iter().map(|p| p.path.as_str()).collect();
    for path in [
        "model.normal_utilisation",
        "model.capacity_cost",
        "model.backing_capacity",
        "policy.backing",
        "policy.fund_matching",
        "policy.common_tech_fund.future",
    ] {
        assert!(paths.contains(&path), "{path} not in {paths:?}");
    }
    assert_eq!(all.len(), 6, "{all:#?}");
}

#[test]
fn the_cli_refuses_an_invalid_supply_scenario_with_exit_code_2_and_the_file_position() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "extends = {}\n\n[features]\nsupply = true\n\n[model]\nsubstitution_cost = 1\n\n\
         [sectors.future]\nimport_share = 1\n",
        toml::Value::String(reference_path().display().to_string())
    );
    fs::write(dir.path().join("supply.toml"), text).unwrap();
    let output = nqpsim(
        dir.path(),
        &[
            "run",
            "supply.toml",
            "--firms",
            "200",
            "--steps",
            "1",
            "--out",
            "out",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("supply.toml:10:16: `sectors.future.import_share` is 1"),
        "{stderr}"
    );
    assert!(!dir.path().join("out").exists(), "nothing is written");
    // and the same with --set, naming the argument
    let output = nqpsim(
        dir.path(),
        &[
            "run",
            &reference_path().display().to_string(),
            "--set",
            "features.supply=true",
            "--set",
            "model.substitution_cost=1",
            "--set",
            "sectors.future.import_share=1",
            "--out",
            "out",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--set sectors.future.import_share=1"),
        "{stderr}"
    );
    assert!(!dir.path().join("out").exists(), "nothing is written");
}

// ---------------------------------------------------------------------------------------
// Determinism and draws (docs/model.md M2.1)
// ---------------------------------------------------------------------------------------

#[test]
fn with_every_feature_on_the_bytes_do_not_depend_on_the_thread_count() {
    // Two chunks of firms and more, so that the parallel passes really split the work.
    let scenario = load(&layout_path(), &common::EVERY_FEATURE_IN_THE_LAYOUT)
        .with_firms(9_000)
        .with_steps(4)
        .with_replicates(2);
    let one_thread = RunOptions {
        threads: Some(1),
        ..RunOptions::default()
    };
    let one = nqpsim::run(&scenario, &one_thread, &Silent).unwrap();
    let two = run(&scenario);
    assert_eq!(one.regions, two.regions);
    let bytes = |rows: &[MetricsRow]| {
        let mut out = Vec::new();
        nqpsim::output::trajectories::write_trajectories(&mut out, &scenario, rows).unwrap();
        out
    };
    assert_eq!(bytes(&one.rows), bytes(&two.rows));
}

/// The model-1 part of each row: the row with its model-2 block cleared.
fn model1_part(rows: Vec<MetricsRow>) -> Vec<MetricsRow> {
    rows.into_iter()
        .map(|mut r| {
            r.model2 = Model2Metrics::default();
            r
        })
        .collect()
}

#[test]
fn regions_that_differ_in_nothing_change_nothing() {
    // Regions on, no backing, and regions with the national endowments (no offset, no
    // aptitude, data infrastructure 1): each firm draws its region (purpose `region`), and
    // that draw moves no model-1 draw, so every model-1 column is model 1's to the bit.
    let base = small(&[]);
    let model1 = model1_part(rows(&base, 2));
    let one_region = "[features]\nregions = true\n\n[regions.everywhere]\n\
                      firm_share = { traditional = 1, emerging = 1, future = 1 }\n";
    for text in [one_region, TWO_REGIONS] {
        let mut s = probe(text).expect("valid");
        s.run = base.run;
        let with_regions = rows(&s, 2);
        assert!(
            with_regions
                .iter()
                .all(|r| r.step == 0 || r.model2.subsidy_backing == Some(0.0))
        );
        assert_eq!(model1_part(with_regions), model1, "{text}");
    }
}

/// Rounding allowed in a planned excess that is 0 in exact arithmetic:
/// `u_n (Yd^e / u_n) / Yd^e - 1` is a few units in the last place of 1.
const ROUNDING: f64 = 1e-12;

#[test]
fn capacity_is_planned_for_expected_demand_and_only_depreciation_leaves_excess() {
    // docs/model.md M2.3: K(t+1) = max((1 - delta_K) K(t), K*) with K* = Yd^e / u_n (no
    // backing), and x(t+1) = max(0, u_n K(t+1) / Yd^e - 1): where the target is installed
    // there is no excess; excess appears only where capacity cannot shrink to the target.
    // A carbon price of 0.4 from step 6 cuts traditional demand-side output by a quarter.
    for depreciation in ["0.08", "0"] {
        let text = format!(
            "extends = {}\n[features]\ncapacity = true\n[model]\ncapacity_depreciation = \
             {depreciation}\n[[policy.schedule]]\nfrom_step = 6\nset = {{ carbon_price = 0.4 }}\n",
            toml::Value::String(reference_path().display().to_string())
        );
        let mut s = nqpsim::scenario::load_str("probe", &text, Path::new("."), &[]).unwrap();
        s.run = small(&[]).run;
        let delta: f64 = depreciation.parse().unwrap();
        let t = common::Table::new(rows(&s, 2));
        let (mut target, mut held) = (0, 0);
        for r in 0..t.replicates {
            for j in 0..3 {
                for step in 1..=t.steps {
                    let now = t.get(r, step, RowSector::Sector(j)).model2;
                    let before = t.get(r, step - 1, RowSector::Sector(j)).model2;
                    let (k, x) = (now.capacity.unwrap(), now.idle_capacity.unwrap());
                    let kept = (1.0 - delta) * before.capacity.unwrap();
                    let at = format!(
                        "depreciation {depreciation}, replicate {r}, sector {j}, step {step}"
                    );
                    if k > kept * (1.0 + ROUNDING) {
                        target += 1;
                        assert!(
                            (0.0..=ROUNDING).contains(&x),
                            "{at}: x = {x} with K* installed"
                        );
                    } else {
                        assert!(
                            (k / kept - 1.0).abs() <= ROUNDING,
                            "{at}: K {k} below {kept}"
                        );
                        held += 1;
                    }
                    if x > ROUNDING {
                        assert!(
                            k <= kept * (1.0 + ROUNDING),
                            "{at}: x = {x} but K* installed"
                        );
                    }
                    assert!(now.capacity_utilisation.unwrap() <= 1.0, "{at}");
                }
            }
        }
        eprintln!(
            "depreciation {depreciation}: target installed {target}, depreciation held {held}"
        );
        assert!(target > 0);
        if delta == 0.0 {
            assert!(held > 0, "some sector's expected demand fell");
        }
    }
}

#[test]
fn an_intervention_from_step_1_shares_step_0_with_every_feature_on() {
    let base = load(&layout_path(), &[])
        .with_firms(1_500)
        .with_steps(3)
        .with_replicates(2);
    let text = format!(
        "extends = {}\n[[policy.schedule]]\nfrom_step = 1\n\
         set = {{ common_tech_fund = 0.01, fund_matching = 1, layout_herding = 1 }}\n",
        toml::Value::String(layout_path().display().to_string())
    );
    let mut policy = nqpsim::scenario::load_str("policy", &text, Path::new("."), &[]).unwrap();
    policy.run = base.run;
    let (a, b) = (run(&base), run(&policy));
    let step = |rows: &[MetricsRow], s: u32| {
        rows.iter()
            .filter(|r| r.step == s)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(step(&a.rows, 0), step(&b.rows, 0));
    let region_step = |rows: &[RegionRow], s: u32| {
        rows.iter()
            .filter(|r| r.step == s)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(region_step(&a.regions, 0), region_step(&b.regions, 0));
    assert_ne!(step(&a.rows, 3), step(&b.rows, 3));
    assert_ne!(region_step(&a.regions, 1), region_step(&b.regions, 1));
}
