//! Hostile scenario files: whatever the bytes, the loader ends in a scenario or a clear error,
//! never a panic, a hang or an allocation out of proportion to the input; and a scenario that
//! loads but would explode numerically, or not fit in memory, is stopped with an error that
//! says where. The list of inputs tried is in tests/README.md.

use std::path::Path;

use nqpsim::error::{Error, ScenarioError};
use nqpsim::model::levers::Scope;
use nqpsim::scenario::{self, BASELINE_TOML, load_str};
use nqpsim::{RunOptions, Scenario, Silent};
use proptest::prelude::*;

fn load(text: &str) -> Result<Scenario, ScenarioError> {
    load_str(
        "hostile",
        text,
        Path::new("/nonexistent-nqpsim-test-dir"),
        &[],
    )
}

/// An error has a message with a position or a field path (or names the file).
fn explains(e: &ScenarioError) -> bool {
    let message = e.to_string();
    !message.is_empty() && (message.contains(':') || message.contains('`'))
}

/// The shape every accepted scenario must have.
fn sound(s: &Scenario) -> bool {
    let n = s.sectors.len();
    n > 0 && s.spillover.size() == n && s.demand_linkage.size() == n && s.run.firms > 0
}

/// Leaf paths of the baseline that `--set` can address.
fn paths() -> Vec<String> {
    let mut paths: Vec<String> = [
        "run.steps",
        "run.firms",
        "run.replicates",
        "run.seed",
        "run.start_year",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for info in nqpsim::model::params::ModelParams::INFO {
        paths.push(format!("model.{}", info.name));
    }
    for sector in ["traditional", "emerging", "future"] {
        for info in nqpsim::model::params::SectorParams::INFO {
            paths.push(format!("sectors.{sector}.{}", info.name));
        }
        paths.push(format!("sectors.{sector}.tier"));
    }
    for lever in nqpsim::model::levers::LEVERS {
        paths.push(match lever.scope {
            Scope::Sector => format!("policy.{}.emerging", lever.name),
            // the baseline's one region
            Scope::Region => format!("policy.{}.national", lever.name),
            Scope::Global => format!("policy.{}", lever.name),
        });
    }
    for r in 0..3 {
        for field in [
            "kind",
            "from",
            "to",
            "probability",
            "d_min",
            "tfp_condition",
            "scale_by_digital",
        ] {
            paths.push(format!("transitions[{r}].{field}"));
        }
    }
    for j in 0..3 {
        for k in 0..3 {
            paths.push(format!("matrices.spillover[{j}][{k}]"));
            paths.push(format!("matrices.demand_linkage[{j}][{k}]"));
        }
    }
    paths.extend(
        [
            "name",
            "description",
            "extends",
            "sectors",
            "matrices.spillover",
            "transitions",
            "policy.schedule",
        ]
        .map(String::from),
    );
    paths
}

/// Values that break things: wrong types, non-finite and huge numbers, negative counts,
/// empty and nested containers.
const HOSTILE_VALUES: &[&str] = &[
    "nan",
    "inf",
    "-inf",
    "1e308",
    "-1e308",
    "1e-320",
    "0",
    "-1",
    "-0.0",
    "2",
    "0.5",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "\"text\"",
    "\"\"",
    "true",
    "[]",
    "[1, 2]",
    "[[1, 2], [3]]",
    "{}",
    "{ a = 1 }",
    "\"traditional\"",
    "\"nosuchsector\"",
    "\"all\"",
    "1979-05-27T07:32:00Z",
    "[{ from_step = 1, set = {} }]",
    "[{ set = { schedule = [] } }]",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, timeout: 20_000, ..ProptestConfig::default() })]

    /// Every prefix of the baseline (a file cut off while written) loads or fails cleanly.
    #[test]
    fn a_truncated_scenario_loads_or_fails_with_a_message(cut in 0usize..BASELINE_TOML.len()) {
        let mut cut = cut;
        while !BASELINE_TOML.is_char_boundary(cut) {
            cut -= 1;
        }
        match load(&BASELINE_TOML[..cut]) {
            Ok(s) => prop_assert!(sound(&s)),
            Err(e) => prop_assert!(explains(&e), "{e}"),
        }
    }

    /// Random edits of the baseline (characters that matter to TOML, digits, letters).
    #[test]
    fn a_mutated_scenario_loads_or_fails_with_a_message(
        edits in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(vec!["", "=", "[", "]", "{", "}", "\"", "'", "\n", ",", ".", "-", "#", "9", "0", "e", "x", " ", "[[", "]]"])), 1..8)
    ) {
        let mut text = BASELINE_TOML.to_string();
        for (at, insert) in edits {
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            if insert.is_empty() && i < text.len() {
                let end = (i + 1..=text.len()).find(|&e| text.is_char_boundary(e)).unwrap_or(text.len());
                text.replace_range(i..end, "");
            } else {
                text.insert_str(i, insert);
            }
        }
        match load(&text) {
            Ok(s) => prop_assert!(sound(&s)),
            Err(e) => prop_assert!(explains(&e), "{e}"),
        }
    }

    /// Any field set to any hostile value, as with `--set`.
    #[test]
    fn any_field_set_to_a_hostile_value_loads_or_fails_with_a_message(
        path in prop::sample::select(paths()),
        value in prop::sample::select(HOSTILE_VALUES.to_vec()),
    ) {
        match scenario::load_baseline(&[format!("{path}={value}")]) {
            Ok(s) => {
                prop_assert!(sound(&s));
                for sector in &s.sectors {
                    prop_assert!(sector.params.values().iter().all(|v| v.is_finite()));
                }
            }
            Err(e) => prop_assert!(explains(&e), "{e}"),
        }
    }

    /// Random bytes, UTF-8 or not, as a scenario file.
    #[test]
    fn random_bytes_load_or_fail_with_a_message(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bytes.toml");
        std::fs::write(&path, &bytes).unwrap();
        match scenario::load(&path, &[]) {
            Ok(s) => prop_assert!(sound(&s)),
            Err(e) => prop_assert!(explains(&e), "{e}"),
        }
    }
}

#[test]
fn a_ten_megabyte_string_is_read_without_trouble() {
    let text = format!(
        "extends = \"builtin:baseline\"\ndescription = \"{}\"\n",
        "x".repeat(10 << 20)
    );
    let s = load(&text).expect("a long description is allowed");
    assert_eq!(s.description.len(), 10 << 20);
    let text = format!(
        "[sectors.{}]\ntier = \"traditional\"\n",
        "s".repeat(10 << 20)
    );
    assert!(
        load(&text).is_err(),
        "a 10 MB sector name is refused (at most 64 characters)"
    );
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let deep_array = format!("x = {}{}", "[".repeat(100_000), "]".repeat(100_000));
    let e = load(&deep_array).unwrap_err().to_string();
    assert!(e.contains("recursion"), "{e}");
    let deep_table = format!("x = {}1{}", "{ a = ".repeat(50_000), "}".repeat(50_000));
    assert!(load(&deep_table).is_err());
}

#[test]
fn non_utf8_bytes_are_refused_naming_the_file_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.toml");
    std::fs::write(&path, b"name = \"caf\xe9\"\n").unwrap();
    let e = scenario::load(&path, &[]).unwrap_err().to_string();
    assert!(
        e.contains("latin1.toml") && e.contains("not UTF-8") && e.contains("offset 11"),
        "{e}"
    );
}

#[test]
fn huge_numbers_and_nan_in_a_file_are_refused_with_their_position() {
    for (text, fragment) in [
        (
            "[run]\nfirms = 99999999999999999999999\n",
            "`run.firms` is 99999999999999999999999, but must be an integer from 1 to 9223372036854775807",
        ),
        ("[policy]\ncarbon_price = 1e400\n", "overflowed"),
        (
            "[policy]\ncarbon_price = nan\n",
            "must be a finite number >= 0",
        ),
        (
            "[sectors.traditional]\ntier = \"traditional\"\ntfp_mean = inf\n",
            "must be a finite number",
        ),
        (
            "[run]\nreplicates = -3\n",
            "`run.replicates` is -3, but must be an integer from 1 to 4294967295",
        ),
        (
            "[run]\nsteps = 4294967296\n",
            "`run.steps` is 4294967296, but must be an integer from 0 to 4294967295",
        ),
    ] {
        let e = load(text).unwrap_err().to_string();
        assert!(
            e.contains(fragment) && e.contains("hostile.toml:"),
            "{text:?}: {e}"
        );
    }
}

#[test]
fn an_extends_cycle_and_a_missing_parent_name_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.toml"), "extends = \"b.toml\"\n").unwrap();
    std::fs::write(dir.path().join("b.toml"), "extends = \"c.toml\"\n").unwrap();
    std::fs::write(dir.path().join("c.toml"), "extends = \"a.toml\"\n").unwrap();
    let e = scenario::load(&dir.path().join("a.toml"), &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("cycle") && e.contains("a.toml") && e.contains("b.toml") && e.contains("c.toml"),
        "{e}"
    );
    std::fs::write(dir.path().join("d.toml"), "extends = \"gone.toml\"\n").unwrap();
    let e = scenario::load(&dir.path().join("d.toml"), &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("gone.toml") && e.contains("not found"), "{e}");
}

#[test]
fn an_extends_chain_deeper_than_sixteen_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..20 {
        std::fs::write(
            dir.path().join(format!("f{i}.toml")),
            format!("extends = \"f{}.toml\"\n", i + 1),
        )
        .unwrap();
    }
    std::fs::write(
        dir.path().join("f20.toml"),
        "extends = \"builtin:baseline\"\n",
    )
    .unwrap();
    let e = scenario::load(&dir.path().join("f0.toml"), &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("deeper than 16") && e.contains("f0.toml -> ") && e.contains("f16.toml"),
        "{e}"
    );
    // sixteen ancestors are fine: f5 -> ... -> f20 -> builtin:baseline
    assert!(scenario::load(&dir.path().join("f5.toml"), &[]).is_ok());
    assert!(scenario::load(&dir.path().join("f4.toml"), &[]).is_err());
}

/// Runs a small version of the baseline with `overrides` and returns the error.
fn run_error(overrides: &[&str]) -> Error {
    let mut all: Vec<String> = vec![
        "run.firms=300".into(),
        "run.steps=5".into(),
        "run.replicates=1".into(),
    ];
    all.extend(overrides.iter().map(|s| s.to_string()));
    let scenario = scenario::load_baseline(&all).expect("valid");
    nqpsim::run(&scenario, &RunOptions::default(), &Silent).expect_err("the run is stopped")
}

#[test]
fn an_explosive_innovation_is_stopped_naming_replicate_step_sector_and_quantity() {
    let e = run_error(&["sectors.future.innovation_sd=1e308"]);
    let message = e.to_string();
    match e {
        Error::Numeric {
            replicate, fault, ..
        } => {
            assert_eq!(replicate, 0);
            assert_eq!(fault.sector.as_deref(), Some("future"));
            assert_eq!(fault.quantity, "technology a");
            assert!(fault.step >= 1);
        }
        other => panic!("expected a numeric fault, got {other}"),
    }
    assert!(
        message.contains("scenario `baseline`") && message.contains("replicate 0"),
        "{message}"
    );
}

#[test]
fn other_explosive_parameters_are_stopped_too() {
    for (set, quantity) in [
        ("sectors.emerging.data_generation=1e308", "data stock D"),
        // a = 1e308 is finite, but its square in the variance of ln A is not
        ("sectors.traditional.tfp_mean=1e308", "productivity ln A"),
        ("sectors.traditional.demand_growth=1e308", "demand scale Z"),
    ] {
        match run_error(&[set]) {
            Error::Numeric { fault, .. } => assert_eq!(fault.quantity, quantity, "{set}"),
            other => panic!("{set}: expected a numeric fault, got {other}"),
        }
    }
}

#[test]
fn a_replicate_that_cannot_fit_in_memory_is_refused_with_the_estimate() {
    let scenario = scenario::load_baseline(&["run.firms=1000000000000".into()]).unwrap();
    let e = nqpsim::run(&scenario, &RunOptions::default(), &Silent).unwrap_err();
    let message = e.to_string();
    assert!(matches!(e, Error::Memory { .. }), "{message}");
    assert!(
        message.contains("TiB") && message.contains("available"),
        "{message}"
    );
    let scenario =
        scenario::load_baseline(&["run.steps=4000000000".into(), "run.firms=10".into()]).unwrap();
    assert!(matches!(
        nqpsim::run(&scenario, &RunOptions::default(), &Silent),
        Err(Error::Memory { .. })
    ));
}

#[test]
fn a_long_run_is_not_refused_for_entrants_that_exits_offset() {
    // 500 years of 5,000 firms: entry without exits would grow the population a millionfold
    // (about 170 GB), but the baseline's exits outpace its entry and the run needs megabytes
    let scenario = scenario::load_baseline(&[
        "run.steps=500".into(),
        "run.firms=5000".into(),
        "run.replicates=2".into(),
    ])
    .unwrap();
    let upper = nqpsim::sim::estimated_bytes_per_replicate(&scenario);
    let least = nqpsim::sim::least_bytes(&scenario, None);
    assert!(upper > 100 << 30 && least < 100 << 20, "{upper} {least}");
    let output = nqpsim::run(&scenario, &RunOptions::default(), &Silent).unwrap();
    let last = output.rows.last().unwrap();
    assert_eq!((last.replicate, last.step), (1, 500));
}

#[test]
fn replicates_run_fewer_at_once_when_all_would_not_fit() {
    let scenario =
        scenario::load_baseline(&["run.firms=10000000".into(), "run.replicates=1000".into()])
            .unwrap();
    let at_once = nqpsim::sim::concurrent_replicates(&scenario).unwrap();
    assert!((1..1000).contains(&at_once), "{at_once}");
}

#[test]
fn a_population_that_outgrows_its_memory_stops_at_the_step_it_did() {
    // future-layout's entry outpaces its exits: 3,000 firms double about every ten years
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/future-layout.toml");
    let settings = [
        "run.firms=3000".into(),
        "run.steps=80".into(),
        "run.replicates=1".into(),
    ];
    let growing = scenario::load(&path, &settings).unwrap();
    let allowance = 2 * nqpsim::sim::least_bytes(&growing, None);
    let options = RunOptions {
        replicate_allowance: Some(allowance),
        ..RunOptions::default()
    };
    let e = nqpsim::run(&growing, &options, &Silent).unwrap_err();
    let message = e.to_string();
    let Error::PopulationGrowth {
        step,
        firms,
        needed,
        ..
    } = e
    else {
        panic!("{message}");
    };
    assert!(needed > allowance && firms > 3000 && step < 80, "{message}");
    assert!(
        message.contains(&format!("{firms} firms by step {step}")),
        "{message}"
    );
    // the baseline's exits keep its population below its start: the same allowance holds it
    let steady = scenario::load_baseline(&settings).unwrap();
    assert_eq!(nqpsim::sim::least_bytes(&steady, None), allowance / 2);
    let output = nqpsim::run(&steady, &options, &Silent).unwrap();
    assert_eq!(output.rows.last().unwrap().step, 80);
}

#[test]
fn a_population_that_triples_in_a_step_is_stopped_before_the_step_that_would_not_fit() {
    // entry of two firms per incumbent a year: the population about triples every step
    let tripling = scenario::load_baseline(&[
        "run.firms=3000".into(),
        "run.steps=30".into(),
        "run.replicates=1".into(),
        "sectors.traditional.entry_rate=2".into(),
        "sectors.emerging.entry_rate=2".into(),
        "sectors.future.entry_rate=2".into(),
    ])
    .unwrap();
    let allowance = 2 * nqpsim::sim::least_bytes(&tripling, None);
    let options = RunOptions {
        replicate_allowance: Some(allowance),
        ..RunOptions::default()
    };
    let e = nqpsim::run(&tripling, &options, &Silent).unwrap_err();
    let Error::PopulationGrowth { firms, needed, .. } = e else {
        panic!("{e}");
    };
    // what the population held when it stopped fits; what the next step would need does not
    let mut at_stop = tripling.clone();
    at_stop.run.firms = firms;
    assert!(nqpsim::sim::least_bytes(&at_stop, None) <= allowance, "{e}");
    assert!(needed > allowance);
}
