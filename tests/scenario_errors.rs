//! Bad scenarios through the library (`nqpsim::scenario::{load, load_str, load_baseline}`):
//! the error variant, the field path, the value, what is allowed and, where the value was
//! written in a file, its line and column.
//!
//! Texts given to `load_str("probe", ...)` are shown in messages as `probe.toml`.

use std::fs;
use std::path::{Path, PathBuf};

use nqpsim::error::{Invalid, Location};
use nqpsim::scenario::{load, load_baseline, load_str};
use nqpsim::{Scenario, ScenarioError};

/// The first line of most texts below: everything not written comes from the baseline.
const EXTENDS: &str = "extends = \"builtin:baseline\"\n";

fn load_text(text: &str) -> Result<Scenario, ScenarioError> {
    load_str("probe", text, Path::new("."), &[])
}

/// Every problem of an invalid text.
fn problems(text: &str) -> Vec<Invalid> {
    match load_text(text) {
        Err(ScenarioError::Invalid(problems)) => {
            assert!(!problems.is_empty(), "Invalid with no problem");
            problems
        }
        other => panic!("expected ScenarioError::Invalid, got {other:#?}"),
    }
}

/// The one problem of an invalid text.
fn only_problem(text: &str) -> Invalid {
    let mut all = problems(text);
    assert_eq!(all.len(), 1, "expected exactly one problem: {all:#?}");
    all.remove(0)
}

/// The problem at `path` (there must be exactly one).
fn problem_at(all: &[Invalid], path: &str) -> Invalid {
    let found: Vec<&Invalid> = all.iter().filter(|p| p.path == path).collect();
    assert_eq!(found.len(), 1, "one problem at `{path}` in {all:#?}");
    found[0].clone()
}

/// A position in the text given to `load_text`.
fn at(line: usize, column: usize) -> Location {
    Location::File {
        file: PathBuf::from("probe.toml"),
        line,
        column,
    }
}

/// The line of a file location.
fn line_of(location: &Location) -> Option<usize> {
    match location {
        Location::File { line, .. } => Some(*line),
        _ => None,
    }
}

/// The syntax error of a text: (location, path, message).
fn syntax_error(text: &str) -> (Location, Option<String>, String) {
    match load_text(text) {
        Err(ScenarioError::Syntax {
            location,
            path,
            message,
        }) => (location, path, message),
        other => panic!("expected ScenarioError::Syntax, got {other:#?}"),
    }
}

fn set_error(overrides: &[&str]) -> (String, String) {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    match load_baseline(&overrides) {
        Err(ScenarioError::Set { arg, message }) => (arg, message),
        other => panic!("expected ScenarioError::Set, got {other:#?}"),
    }
}

fn extends_error(result: Result<Scenario, ScenarioError>) -> (PathBuf, String) {
    match result {
        Err(ScenarioError::Extends { file, message }) => (file, message),
        other => panic!("expected ScenarioError::Extends, got {other:#?}"),
    }
}

/// Two custom sectors whose shares sum to 1; `transitions` is up to the caller.
const TWO_SECTORS: &str = "[sectors.steel]\ntier = \"traditional\"\nfirm_share = 0.5\n\
output_share = 0.5\n\n[sectors.chips]\ntier = \"emerging\"\nfirm_share = 0.5\n\
output_share = 0.5\n";

// ---------------------------------------------------------------------------------------
// The message format
// ---------------------------------------------------------------------------------------

#[test]
fn a_problem_reads_location_path_value_and_what_is_allowed() {
    let text = format!("{EXTENDS}\n[sectors.emerging]\nrd_intensity = -0.1\n");
    let problem = only_problem(&text);
    assert_eq!(
        problem,
        Invalid {
            location: at(4, 16),
            path: "sectors.emerging.rd_intensity".into(),
            value: "-0.1".into(),
            allowed: "must be a finite number >= 0".into(),
        }
    );
    assert_eq!(
        problem.to_string(),
        "probe.toml:4:16: `sectors.emerging.rd_intensity` is -0.1, but must be a finite number >= 0"
    );
    let error = load_text(&text).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid scenario (1 problem):\n  probe.toml:4:16: `sectors.emerging.rd_intensity` is -0.1, but must be a finite number >= 0"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = format!(
        "{EXTENDS}\n[sectors.emerging]\nrd_intensity = -0.1\n\n[policy]\ncarbon_price = -1\n\
         budget_cap = 0\n"
    );
    let all = problems(&text);
    assert_eq!(all.len(), 3, "{all:#?}");
    assert_eq!(
        problem_at(&all, "sectors.emerging.rd_intensity").location,
        at(4, 16)
    );
    assert_eq!(problem_at(&all, "policy.carbon_price").location, at(7, 16));
    assert_eq!(problem_at(&all, "policy.budget_cap").location, at(8, 14));
    let message = ScenarioError::Invalid(all).to_string();
    assert!(
        message.starts_with("invalid scenario (3 problems):"),
        "{message}"
    );
    assert_eq!(message.lines().count(), 4, "{message}");
}

// ---------------------------------------------------------------------------------------
// Sectors
// ---------------------------------------------------------------------------------------

#[test]
fn firm_shares_that_do_not_sum_to_one_are_refused() {
    let text = format!("{EXTENDS}[sectors.future]\nfirm_share = 0.5\n");
    let problem = only_problem(&text);
    assert_eq!(problem.path, "sectors.future.firm_share");
    assert_eq!(problem.location, at(3, 14));
    assert!(
        problem.value.contains("summing to 1.47"),
        "{}",
        problem.value
    );
    assert!(problem.value.contains("future=0.5"), "{}", problem.value);
    assert_eq!(problem.allowed, "the shares must sum to 1");
}

#[test]
fn output_shares_that_do_not_sum_to_one_are_refused() {
    let text = format!("{EXTENDS}[sectors.future]\noutput_share = 0.0\n");
    let problem = only_problem(&text);
    assert_eq!(problem.path, "sectors.future.output_share");
    assert_eq!(problem.location, at(3, 16));
    assert!(
        problem.value.contains("summing to 0.97"),
        "{}",
        problem.value
    );
    assert_eq!(problem.allowed, "the shares must sum to 1");
}

#[test]

fn a_share_problem_points_at_the_file_that_changed_the_share() {
    let text = format!("{EXTENDS}[sectors.emerging]\nfirm_share = 0.5\n");
    let problem = only_problem(&text);
    assert_eq!(problem.allowed, "the shares must sum to 1");
    match &problem.location {
        Location::File { file, line, .. } => {
            assert_eq!(file, Path::new("probe.toml"), "{problem}");
            assert_eq!(*line, 3, "{problem}");
        }
        other => panic!("expected a file location, got {other:?}"),
    }
}

#[test]
fn an_elasticity_of_one_or_less_is_refused() {
    for (value, shown) in [("1.0", "1"), ("0.5", "0.5"), ("-2.0", "-2")] {
        let text = format!("{EXTENDS}[sectors.future]\nelasticity = {value}\n");
        let problem = only_problem(&text);
        assert_eq!(problem.path, "sectors.future.elasticity");
        assert_eq!(problem.value, shown);
        assert_eq!(problem.allowed, "must be a finite number > 1");
        assert_eq!(problem.location, at(3, 14));
    }
    let ok = format!("{EXTENDS}[sectors.future]\nelasticity = 1.01\n");
    assert!(load_text(&ok).is_ok());
}

#[test]
fn a_share_above_one_is_refused() {
    let text = format!("{EXTENDS}[sectors.future]\ndigital_init = 1.5\n");
    let problem = only_problem(&text);
    assert_eq!(problem.path, "sectors.future.digital_init");
    assert_eq!(problem.allowed, "must lie in [0, 1]");
    assert_eq!(problem.location, at(3, 16));
}

#[test]
fn nan_and_infinite_values_are_refused() {
    let cases = [
        (
            "[policy]\ncarbon_price = nan\n",
            "policy.carbon_price",
            "NaN",
            "must be a finite number >= 0",
            at(3, 16),
        ),
        (
            "[sectors.emerging]\ntfp_sd = inf\n",
            "sectors.emerging.tfp_sd",
            "inf",
            "must be a finite number >= 0",
            at(3, 10),
        ),
        (
            "[model]\nhorizon = -inf\n",
            "model.horizon",
            "-inf",
            "must be a finite number >= 0",
            at(3, 11),
        ),
        (
            "[sectors.traditional]\ntfp_mean = nan\n",
            "sectors.traditional.tfp_mean",
            "NaN",
            "must be a finite number",
            at(3, 12),
        ),
        (
            "[policy]\nrd_subsidy = { emerging = inf }\n",
            "policy.rd_subsidy.emerging",
            "inf",
            "must lie in [0, 1]",
            at(3, 27),
        ),
    ];
    for (body, path, value, allowed, location) in cases {
        let problem = only_problem(&format!("{EXTENDS}{body}"));
        assert_eq!(
            problem,
            Invalid {
                location,
                path: path.into(),
                value: value.into(),
                allowed: allowed.into(),
            },
            "{body}"
        );
    }
}

#[test]
fn an_empty_sectors_table_is_refused() {
    let problem = only_problem("sectors = {}\ntransitions = []\n");
    assert_eq!(problem.path, "sectors");
    assert_eq!(problem.value, "an empty table");
    assert_eq!(problem.allowed, "at least one sector is needed");
    assert_eq!(problem.location, at(1, 1));
}

#[test]
fn a_sector_without_a_tier_is_refused() {
    let text = "transitions = []\n[sectors.steel]\nfirm_share = 1.0\noutput_share = 1.0\n";
    let problem = only_problem(text);
    assert_eq!(problem.path, "sectors.steel.tier");
    assert_eq!(problem.value, "missing");
    assert!(
        problem
            .allowed
            .contains(r#"tier = "traditional" | "emerging" | "future""#),
        "{}",
        problem.allowed
    );
}

#[test]

fn a_sector_without_a_tier_is_located_at_its_table() {
    let text = "transitions = []\n[sectors.steel]\nfirm_share = 1.0\noutput_share = 1.0\n";
    let problem = only_problem(text);
    assert_eq!(line_of(&problem.location), Some(2), "{problem}");
}

#[test]
fn a_sector_named_all_is_refused() {
    let text = "transitions = []\n[sectors.all]\ntier = \"traditional\"\nfirm_share = 1.0\n\
                output_share = 1.0\n";
    let problem = only_problem(text);
    assert_eq!(problem.path, "sectors.all");
    assert!(
        problem.allowed.contains("`all` is reserved for the total"),
        "{}",
        problem.allowed
    );
    assert_eq!(problem.location, at(2, 10));
}

#[test]
fn an_unknown_tier_names_the_tiers() {
    let text = format!("{EXTENDS}[sectors.future]\ntier = \"distant\"\n");
    let problem = only_problem(&text);
    assert_eq!(problem.path, "sectors.future.tier");
    assert!(problem.value.contains("distant"), "{problem}");
    assert!(
        problem
            .allowed
            .contains("one of \"traditional\", \"emerging\", \"future\""),
        "{problem}"
    );
    assert_eq!(line_of(&problem.location), Some(3));
}

#[test]
fn custom_sectors_without_transitions_must_list_the_rules() {
    let problem = only_problem(TWO_SECTORS);
    assert_eq!(problem.path, "transitions");
    assert_eq!(problem.value, "left out");
    assert!(
        problem
            .allowed
            .contains("list its rules as [[transitions]]"),
        "{}",
        problem.allowed
    );
    assert!(
        problem.allowed.contains("transitions = []"),
        "{}",
        problem.allowed
    );
    assert!(
        problem.allowed.contains("no sector `traditional`"),
        "{}",
        problem.allowed
    );
}

#[test]
fn custom_sectors_with_no_transitions_load() {
    let scenario = load_text(&format!("transitions = []\n{TWO_SECTORS}")).expect("valid");
    let names: Vec<&str> = scenario.sectors.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["steel", "chips"]);
    assert!(scenario.transitions.is_empty());
    // The default matrices are sized to the sectors.
    assert_eq!(scenario.spillover.size(), 2);
}

// ---------------------------------------------------------------------------------------
// Run settings and name
// ---------------------------------------------------------------------------------------

#[test]
fn zero_firms_are_refused_naming_the_range() {
    let problem = only_problem(&format!("{EXTENDS}[run]\nfirms = 0\n"));
    assert_eq!(problem.path, "run.firms");
    assert_eq!(problem.value, "0");
    assert_eq!(
        problem.allowed,
        "must be an integer from 1 to 9223372036854775807 (2^63 - 1)"
    );
    assert_eq!(problem.location, at(3, 9));
}

#[test]
fn zero_replicates_are_refused_and_zero_steps_are_the_initial_state_alone() {
    let problem = only_problem(&format!("{EXTENDS}[run]\nsteps = 0\nreplicates = 0\n"));
    assert_eq!(problem.path, "run.replicates");
    assert_eq!(
        problem.allowed,
        "must be an integer from 1 to 4294967295 (2^32 - 1)"
    );
    assert_eq!(problem.location, at(4, 14));
    let scenario = load_text(&format!("{EXTENDS}[run]\nsteps = 0\n")).expect("valid");
    assert_eq!(scenario.run.steps, 0);
}

#[test]
fn fewer_firms_than_populated_sectors_are_refused() {
    let problem = only_problem(&format!("{EXTENDS}[run]\nfirms = 2\n"));
    assert_eq!(problem.path, "run.firms");
    assert!(problem.allowed.contains("(3)"), "{}", problem.allowed);
}

#[test]
fn a_negative_firm_count_names_the_field_and_its_range() {
    let problem = only_problem(&format!("{EXTENDS}[run]\nfirms = -5\n"));
    assert_eq!(problem.path, "run.firms");
    assert_eq!(problem.value, "-5");
    assert!(problem.allowed.contains("integer from 1 to"), "{problem}");
    assert_eq!(problem.location, at(3, 9));
}

#[test]
fn a_name_that_is_not_a_folder_name_is_refused() {
    for name in ["../escape", ".hidden", "a b", ""] {
        let problem = only_problem(&format!("name = {name:?}\n{EXTENDS}"));
        assert_eq!(problem.path, "name");
        assert_eq!(problem.value, format!("{name:?}"));
        assert!(
            problem.allowed.contains("must be a folder name"),
            "{}",
            problem.allowed
        );
        assert_eq!(problem.location, at(1, 8), "{name}");
    }
}

#[test]
fn a_file_is_named_after_its_stem_unless_it_has_a_name() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("my-run.toml");
    fs::write(&plain, EXTENDS).unwrap();
    assert_eq!(load(&plain, &[]).unwrap().name, "my-run");
    let named = dir.path().join("other.toml");
    fs::write(&named, format!("name = \"x\"\n{EXTENDS}")).unwrap();
    assert_eq!(load(&named, &[]).unwrap().name, "x");
}

#[test]
fn a_file_stem_that_is_not_a_folder_name_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("my scenario.toml");
    fs::write(&path, EXTENDS).unwrap();
    match load(&path, &[]) {
        Err(ScenarioError::Invalid(all)) => {
            let problem = problem_at(&all, "name");
            assert_eq!(problem.value, "\"my scenario\"");
        }
        other => panic!("expected ScenarioError::Invalid, got {other:#?}"),
    }
}

#[test]
fn a_file_stem_that_is_not_a_folder_name_is_not_blamed_on_the_parent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("my scenario.toml");
    fs::write(&path, EXTENDS).unwrap();
    match load(&path, &[]) {
        Err(ScenarioError::Invalid(all)) => {
            let problem = problem_at(&all, "name");
            if let Location::File { file, .. } = &problem.location {
                assert_ne!(file, Path::new("builtin:baseline"), "{problem}");
            }
        }
        other => panic!("expected ScenarioError::Invalid, got {other:#?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Transitions
// ---------------------------------------------------------------------------------------

/// A text whose only transition rule has the given body.
fn one_rule(body: &str) -> String {
    format!("{EXTENDS}[[transitions]]\n{body}")
}

#[test]
fn a_transition_probability_above_one_is_refused() {
    let text = one_rule(
        "kind = \"switch\"\nfrom = \"traditional\"\nto = \"emerging\"\nprobability = 1.5\n",
    );
    let problem = only_problem(&text);
    assert_eq!(
        problem,
        Invalid {
            location: at(6, 15),
            path: "transitions[0].probability".into(),
            value: "1.5".into(),
            allowed: "must lie in [0, 1]".into(),
        }
    );
}

#[test]
fn a_negative_transition_probability_is_refused() {
    let text =
        one_rule("kind = \"spawn\"\nfrom = \"emerging\"\nto = \"future\"\nprobability = -0.01\n");
    let problem = only_problem(&text);
    assert_eq!(problem.path, "transitions[0].probability");
    assert_eq!(problem.allowed, "must lie in [0, 1]");
}

#[test]
fn a_transition_naming_an_unknown_sector_is_refused() {
    let text = one_rule(
        "kind = \"switch\"\nfrom = \"traditional\"\nto = \"quantum\"\nprobability = 0.5\n",
    );
    let problem = only_problem(&text);
    assert_eq!(problem.path, "transitions[0].to");
    assert_eq!(problem.value, "\"quantum\"");
    assert_eq!(
        problem.allowed,
        "must be one of the sectors: traditional, emerging, future"
    );
    assert_eq!(problem.location, at(5, 6));
}

#[test]
fn a_transition_from_and_to_the_same_sector_is_refused() {
    let text =
        one_rule("kind = \"switch\"\nfrom = \"future\"\nto = \"future\"\nprobability = 0.5\n");
    let problem = only_problem(&text);
    assert_eq!(problem.path, "transitions[0].to");
    assert_eq!(problem.allowed, "must differ from `from`");
}

#[test]
fn a_transition_without_kind_or_probability_is_refused() {
    let all = problems(&one_rule("from = \"traditional\"\nto = \"emerging\"\n"));
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_eq!(problem_at(&all, "transitions[0].kind").value, "missing");
    assert_eq!(
        problem_at(&all, "transitions[0].probability").value,
        "missing"
    );
}

#[test]
fn an_unknown_transition_kind_names_the_kinds() {
    let text = one_rule(
        "kind = \"teleport\"\nfrom = \"traditional\"\nto = \"emerging\"\nprobability = 0.5\n",
    );
    let problem = only_problem(&text);
    assert_eq!(problem.path, "transitions[0].kind");
    assert!(problem.value.contains("teleport"), "{problem}");
    assert!(
        problem.allowed.contains("\"switch\", \"spawn\""),
        "{problem}"
    );
    assert_eq!(line_of(&problem.location), Some(3));
}

// ---------------------------------------------------------------------------------------
// Matrices
// ---------------------------------------------------------------------------------------

#[test]
fn a_spillover_matrix_with_too_few_rows_is_refused() {
    let text = format!("{EXTENDS}[matrices]\nspillover = [[0.1, 0.1, 0.1], [0.1, 0.1, 0.1]]\n");
    let problem = only_problem(&text);
    assert_eq!(problem.path, "matrices.spillover");
    assert_eq!(problem.value, "a matrix with 2 rows");
    assert!(
        problem.allowed.starts_with("must be 3 x 3"),
        "{}",
        problem.allowed
    );
    assert_eq!(problem.location, at(3, 13));
}

#[test]
fn a_matrix_row_of_the_wrong_length_is_refused() {
    let text = format!(
        "{EXTENDS}[matrices]\nspillover = [[0.1, 0.1, 0.1], [0.1, 0.1], [0.1, 0.1, 0.1]]\n"
    );
    let problem = only_problem(&text);
    assert_eq!(problem.path, "matrices.spillover[1]");
    assert_eq!(problem.value, "a row of 2 entries");
    assert_eq!(problem.allowed, "must have 3 entries, one per sector");
    assert_eq!(problem.location, at(3, 31));
}

#[test]
fn a_negative_matrix_entry_is_refused() {
    let text = format!(
        "{EXTENDS}[matrices]\nspillover = [\n  [0.1, 0.1, 0.1],\n  [0.1, -0.2, 0.1],\n  [0.1, 0.1, 0.1],\n]\n"
    );
    let problem = only_problem(&text);
    assert_eq!(
        problem,
        Invalid {
            location: at(5, 9),
            path: "matrices.spillover[1][1]".into(),
            value: "-0.2".into(),
            allowed: "must be a finite number >= 0".into(),
        }
    );
}

#[test]
fn a_demand_linkage_with_spectral_radius_of_one_or_more_is_refused() {
    let text = format!(
        "{EXTENDS}[matrices]\ndemand_linkage = [[0.6, 0.6, 0.6], [0.6, 0.6, 0.6], [0.6, 0.6, 0.6]]\n"
    );
    let problem = only_problem(&text);
    assert_eq!(problem.path, "matrices.demand_linkage");
    assert!(
        problem.value.contains("spectral radius 1.8000"),
        "{}",
        problem.value
    );
    assert!(
        problem.allowed.contains("spectral radius must be below 1"),
        "{}",
        problem.allowed
    );
    assert_eq!(problem.location, at(3, 18));
}

#[test]
fn a_demand_linkage_with_spectral_radius_exactly_one_is_refused_and_just_below_is_not() {
    let at_one = format!(
        "{EXTENDS}[matrices]\ndemand_linkage = [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]\n"
    );
    assert_eq!(only_problem(&at_one).path, "matrices.demand_linkage");
    let below = format!(
        "{EXTENDS}[matrices]\ndemand_linkage = [[0.99, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]\n"
    );
    assert!(load_text(&below).is_ok());
}

// ---------------------------------------------------------------------------------------
// Policy
// ---------------------------------------------------------------------------------------

#[test]
fn a_zero_budget_cap_is_refused() {
    let problem = only_problem(&format!("{EXTENDS}[policy]\nbudget_cap = 0\n"));
    assert_eq!(
        problem,
        Invalid {
            location: at(3, 14),
            path: "policy.budget_cap".into(),
            value: "0".into(),
            allowed: "must be a finite number > 0".into(),
        }
    );
}

#[test]
fn a_schedule_entry_ending_before_it_starts_is_refused() {
    let text = format!(
        "{EXTENDS}[[policy.schedule]]\nfrom_step = 5\nto_step = 2\nset = {{ carbon_price = 0.1 }}\n"
    );
    let problem = only_problem(&text);
    assert_eq!(
        problem,
        Invalid {
            location: at(4, 11),
            path: "policy.schedule[0].to_step".into(),
            value: "2".into(),
            allowed: "must be at least from_step (5)".into(),
        }
    );
}

#[test]
fn a_schedule_entry_without_from_step_or_set_is_refused() {
    let all = problems(&format!("{EXTENDS}[[policy.schedule]]\nto_step = 3\n"));
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_eq!(
        problem_at(&all, "policy.schedule[0].from_step").value,
        "missing"
    );
    assert_eq!(problem_at(&all, "policy.schedule[0].set").value, "missing");
}

#[test]
fn a_per_sector_lever_naming_an_unknown_sector_is_refused() {
    let problem = only_problem(&format!(
        "{EXTENDS}[policy]\nrd_subsidy = {{ steel = 0.2 }}\n"
    ));
    assert_eq!(problem.path, "policy.rd_subsidy.steel");
    assert!(problem.value.contains("\"steel\""), "{}", problem.value);
    assert_eq!(
        problem.allowed,
        "must name one of the sectors: traditional, emerging, future"
    );
    assert_eq!(problem.location, at(3, 24));
}

#[test]
fn a_scheduled_lever_naming_an_unknown_sector_is_refused() {
    let text = format!(
        "{EXTENDS}[[policy.schedule]]\nfrom_step = 1\nset = {{ rd_subsidy = {{ steel = 0.2 }} }}\n"
    );
    let problem = only_problem(&text);
    assert_eq!(problem.path, "policy.schedule[0].set.rd_subsidy.steel");
    assert!(problem.allowed.starts_with("must name one of the sectors"));
    assert_eq!(line_of(&problem.location), Some(4));
}

#[test]
fn a_lever_out_of_range_in_a_schedule_is_refused() {
    let text =
        format!("{EXTENDS}[[policy.schedule]]\nfrom_step = 1\nset = {{ data_openness = 2.0 }}\n");
    let problem = only_problem(&text);
    assert_eq!(problem.path, "policy.schedule[0].set.data_openness");
    assert_eq!(problem.allowed, "must lie in [0, 1]");
}

#[test]
fn an_unknown_lever_is_named_with_the_lever_meant() {
    let problem = only_problem(&format!("{EXTENDS}[policy]\nrd_subsidies = 0.1\n"));
    assert_eq!(problem.path, "policy.rd_subsidies");
    assert_eq!(problem.value, "an unknown field");
    assert!(
        problem.allowed.starts_with("did you mean `rd_subsidy`?"),
        "{problem}"
    );
    assert_eq!(problem.location, at(3, 1));
}

// ---------------------------------------------------------------------------------------
// What TOML and the types refuse: ScenarioError::Syntax, with line and column
// ---------------------------------------------------------------------------------------

#[test]
fn an_unknown_field_is_named_with_the_field_meant_and_the_fields_there_are() {
    let problem = only_problem(&format!(
        "{EXTENDS}\n[sectors.emerging]\nrd_intesity = 0.1\n"
    ));
    assert_eq!(problem.location, at(4, 1));
    assert_eq!(problem.path, "sectors.emerging.rd_intesity");
    assert!(
        problem.allowed.starts_with("did you mean `rd_intensity`?"),
        "{problem}"
    );
    assert!(
        problem.allowed.contains("`sectors.emerging` takes: tier,"),
        "{problem}"
    );
}

#[test]
fn a_value_of_the_wrong_type_names_the_type_in_words_and_the_range() {
    let problem = only_problem(&format!("{EXTENDS}\n[run]\nfirms = \"many\"\n"));
    assert_eq!(problem.location, at(4, 9));
    assert_eq!(problem.path, "run.firms");
    assert_eq!(problem.value, "\"many\" (a string)");
    assert_eq!(
        problem.allowed,
        "must be an integer from 1 to 9223372036854775807 (2^63 - 1)"
    );
    let problem = only_problem(&format!("{EXTENDS}[policy]\ncarbon_price = \"high\"\n"));
    assert_eq!(problem.allowed, "must be a number >= 0");
    let problem = only_problem(&format!("{EXTENDS}[policy]\nrd_subsidy = true\n"));
    assert_eq!(
        problem.allowed,
        "must be a number in [0, 1] (every sector) or a table of sector = number"
    );
}

#[test]
fn a_toml_syntax_error_has_its_line_and_column() {
    let (location, path, _message) = syntax_error(&format!("{EXTENDS}\n[run\nfirms = 3\n"));
    assert_eq!(line_of(&location), Some(3), "{location}");
    assert_eq!(path, None);
}

#[test]
fn a_duplicate_sector_is_refused_by_toml_with_its_line() {
    let text = format!(
        "{EXTENDS}[sectors.future]\ntier = \"future\"\n[sectors.future]\ntier = \"future\"\n"
    );
    let (location, path, message) = syntax_error(&text);
    assert!(message.contains("duplicate key"), "{message}");
    assert_eq!(line_of(&location), Some(4), "{location}");
    assert_eq!(path, None);
}

#[test]
fn a_duplicate_key_is_refused_by_toml_with_its_line() {
    let text = format!("{EXTENDS}[policy]\ncarbon_price = 0.1\ncarbon_price = 0.2\n");
    let (location, _path, message) = syntax_error(&text);
    assert!(message.contains("duplicate key"), "{message}");
    assert_eq!(location, at(4, 1));
}

#[test]
fn a_type_error_message_names_the_file_line_and_column() {
    let error = load_text(&format!("{EXTENDS}\n[run]\nfirms = \"many\"\n")).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains(
            "\n  probe.toml:4:9: `run.firms` is \"many\" (a string), but must be an integer"
        ),
        "{message}"
    );
}

// ---------------------------------------------------------------------------------------
// Files and extends
// ---------------------------------------------------------------------------------------

#[test]
fn a_missing_file_is_a_read_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.toml");
    match load(&path, &[]) {
        Err(ScenarioError::Read {
            path: p,
            source,
            hint,
        }) => {
            assert_eq!(p, path);
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            assert!(hint.contains("builtin:baseline"), "{hint}");
        }
        other => panic!("expected ScenarioError::Read, got {other:#?}"),
    }
}

#[test]
fn a_missing_file_suggests_a_file_of_a_similar_name() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("rd-subsidy.toml"), EXTENDS).unwrap();
    let message = load(&dir.path().join("rd-subsidie.toml"), &[])
        .unwrap_err()
        .to_string();
    assert!(
        message.contains(&format!(
            "did you mean {}?",
            dir.path().join("rd-subsidy.toml").display()
        )),
        "{message}"
    );
}

#[test]
fn a_file_that_is_not_utf8_is_a_read_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latin1.toml");
    fs::write(&path, b"name = \"caf\xe9\"\n").unwrap();
    match load(&path, &[]) {
        Err(error @ ScenarioError::Read { .. }) => {
            assert!(error.to_string().contains("not UTF-8"), "{error}");
        }
        other => panic!("expected ScenarioError::Read, got {other:#?}"),
    }
}

#[test]
fn a_missing_parent_file_is_an_extends_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orphan.toml");
    fs::write(&path, "extends = \"nothere.toml\"\n").unwrap();
    let (file, message) = extends_error(load(&path, &[]));
    assert_eq!(file, path);
    assert!(message.contains("`nothere.toml` not found"), "{message}");
    assert!(message.contains("builtin:baseline"), "{message}");
}

#[test]
fn a_relative_extends_in_text_resolves_from_the_given_folder() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("parent.toml"),
        format!("{EXTENDS}[policy]\ncarbon_price = 0.07\n"),
    )
    .unwrap();
    let text = "extends = \"parent.toml\"\n";
    let scenario = load_str("child", text, dir.path(), &[]).expect("valid");
    assert_eq!(scenario.policy.base.carbon_price, 0.07);
    assert_eq!(scenario.name, "child", "the name is not inherited");
    let (file, message) = extends_error(load_str("child", text, Path::new("/nonexistent"), &[]));
    assert_eq!(file, Path::new("child.toml"));
    assert!(message.contains("parent.toml"), "{message}");
}

#[test]
fn an_extends_cycle_is_an_extends_error_naming_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.toml");
    fs::write(&a, "extends = \"b.toml\"\n").unwrap();
    fs::write(dir.path().join("b.toml"), "extends = \"a.toml\"\n").unwrap();
    let (_file, message) = extends_error(load(&a, &[]));
    assert!(message.starts_with("cycle: "), "{message}");
    assert!(message.contains("a.toml"), "{message}");
    assert!(message.contains("b.toml"), "{message}");
    assert_eq!(message.matches("a.toml").count(), 2, "{message}");
}

#[test]
fn a_file_extending_itself_is_a_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("self.toml");
    fs::write(&a, "extends = \"self.toml\"\n").unwrap();
    let (_file, message) = extends_error(load(&a, &[]));
    assert!(message.contains("cycle"), "{message}");
}

#[test]
fn an_extends_that_is_not_a_string_is_refused() {
    let (file, message) = extends_error(load_text("extends = 3\n"));
    assert_eq!(file, Path::new("probe.toml"));
    assert!(message.contains("must be a string"), "{message}");
}

#[test]
fn an_extends_chain_of_sixteen_ancestors_loads_and_seventeen_is_refused() {
    // f0 extends f1 ... extends f{n-1} extends builtin:baseline: n files and the baseline.
    fn chain(dir: &Path, n: usize) -> PathBuf {
        for i in 0..n {
            let parent = if i + 1 == n {
                "builtin:baseline".to_string()
            } else {
                format!("f{}.toml", i + 1)
            };
            fs::write(
                dir.join(format!("f{i}.toml")),
                format!("extends = {parent:?}\n"),
            )
            .unwrap();
        }
        dir.join("f0.toml")
    }
    let ok = tempfile::tempdir().unwrap();
    // The file itself, 15 more files and the baseline: 16 ancestors.
    assert!(load(&chain(ok.path(), 16), &[]).is_ok());
    let deep = tempfile::tempdir().unwrap();
    let (_file, message) = extends_error(load(&chain(deep.path(), 17), &[]));
    assert!(message.contains("deeper than 16"), "{message}");
}

#[test]
fn a_bad_value_in_a_parent_file_is_located_in_the_parent() {
    let dir = tempfile::tempdir().unwrap();
    let parent = dir.path().join("parent.toml");
    fs::write(&parent, format!("{EXTENDS}[policy]\ncarbon_price = -1\n")).unwrap();
    let child = dir.path().join("child.toml");
    fs::write(&child, "extends = \"parent.toml\"\n[run]\nfirms = 500\n").unwrap();
    let all = match load(&child, &[]) {
        Err(ScenarioError::Invalid(all)) => all,
        other => panic!("expected ScenarioError::Invalid, got {other:#?}"),
    };
    let problem = problem_at(&all, "policy.carbon_price");
    assert_eq!(
        problem.location,
        Location::File {
            file: parent,
            line: 3,
            column: 16
        }
    );
}

#[test]
fn a_child_that_overrides_a_bad_parent_value_loads() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("parent.toml"),
        format!("{EXTENDS}[policy]\ncarbon_price = -1\n"),
    )
    .unwrap();
    let child = dir.path().join("child.toml");
    fs::write(
        &child,
        "extends = \"parent.toml\"\n[policy]\ncarbon_price = 0.1\n",
    )
    .unwrap();
    assert_eq!(load(&child, &[]).unwrap().policy.base.carbon_price, 0.1);
}

// ---------------------------------------------------------------------------------------
// --set overrides through the library
// ---------------------------------------------------------------------------------------

#[test]
fn set_without_an_equals_sign_is_a_set_error() {
    let (arg, message) = set_error(&["nonsense"]);
    assert_eq!(arg, "nonsense");
    assert!(message.contains("expected PATH=VALUE"), "{message}");
}

/// The one problem of the baseline with `overrides`.
fn set_problem(overrides: &[&str]) -> Invalid {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    match load_baseline(&overrides) {
        Err(ScenarioError::Invalid(mut all)) if all.len() == 1 => all.remove(0),
        other => panic!("expected one problem, got {other:#?}"),
    }
}

#[test]
fn set_with_a_value_of_the_wrong_type_names_the_argument_and_the_type() {
    let problem = set_problem(&["run.firms=abc"]);
    assert_eq!(problem.location, Location::Set("run.firms=abc".into()));
    assert_eq!(problem.path, "run.firms");
    assert_eq!(problem.value, "\"abc\" (a string)");
    assert!(problem.allowed.contains("integer from 1 to"), "{problem}");
}

#[test]
fn set_naming_an_unknown_lever_names_the_levers() {
    let problem = set_problem(&["policy.nosuchlever=1"]);
    assert_eq!(
        problem.location,
        Location::Set("policy.nosuchlever=1".into())
    );
    assert_eq!(problem.value, "an unknown field");
    assert!(problem.allowed.contains("carbon_price"), "{problem}");
}

#[test]
fn set_into_a_value_or_past_an_array_says_what_is_there() {
    let problem = set_problem(&["run.firms.x=1"]);
    assert!(
        problem
            .allowed
            .contains("`run.firms` is a value, not a table"),
        "{problem}"
    );
    let problem = set_problem(&["transitions[9].probability=0.1"]);
    assert!(
        problem
            .allowed
            .contains("index 9 is out of range (index 3 appends one)"),
        "{problem}"
    );
    let (_, message) = set_error(&["run..firms=3"]);
    assert!(message.contains("empty field name"), "{message}");
}

#[test]
fn a_set_error_reads_as_the_argument_then_the_problem() {
    let error = load_baseline(&["nonsense".to_string()]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "--set nonsense: expected PATH=VALUE, e.g. policy.carbon_price=0.05"
    );
}

#[test]
fn a_bad_value_from_set_is_located_at_the_set_argument() {
    let overrides = ["policy.carbon_price=-1".to_string()];
    match load_baseline(&overrides) {
        Err(ScenarioError::Invalid(all)) => {
            assert_eq!(all.len(), 1, "{all:#?}");
            assert_eq!(
                all[0],
                Invalid {
                    location: Location::Set("policy.carbon_price=-1".into()),
                    path: "policy.carbon_price".into(),
                    value: "-1".into(),
                    allowed: "must be a finite number >= 0".into(),
                }
            );
            assert!(
                all[0]
                    .to_string()
                    .starts_with("--set policy.carbon_price=-1: ")
            );
        }
        other => panic!("expected ScenarioError::Invalid, got {other:#?}"),
    }
}

#[test]
fn a_nan_from_set_is_refused() {
    match load_baseline(&["sectors.future.tfp_sd=nan".to_string()]) {
        Err(ScenarioError::Invalid(all)) => {
            let problem = problem_at(&all, "sectors.future.tfp_sd");
            assert_eq!(problem.value, "NaN");
            assert_eq!(
                problem.location,
                Location::Set("sectors.future.tfp_sd=nan".into())
            );
        }
        other => panic!("expected ScenarioError::Invalid, got {other:#?}"),
    }
}

#[test]
fn set_can_repair_a_bad_file_value() {
    let text = format!("{EXTENDS}[policy]\ncarbon_price = -1\n");
    let scenario = load_str(
        "probe",
        &text,
        Path::new("."),
        &["policy.carbon_price=0.1".to_string()],
    )
    .expect("the override replaces the bad value");
    assert_eq!(scenario.policy.base.carbon_price, 0.1);
}

#[test]
fn a_valid_set_changes_one_sector_of_a_lever() {
    let scenario = load_baseline(&["policy.rd_subsidy.traditional=0.3".to_string()]).unwrap();
    let j = scenario.sector_index("traditional").unwrap();
    let k = scenario.sector_index("emerging").unwrap();
    assert_eq!(scenario.policy.base.rd_subsidy[j], 0.3);
    assert_eq!(scenario.policy.base.rd_subsidy[k], 0.0);
}

// ---------------------------------------------------------------------------------------
// Every field-level problem at once, and the same words wherever a value was written
// ---------------------------------------------------------------------------------------

#[test]
fn a_misspelt_field_a_wrong_type_a_wide_integer_and_a_value_out_of_range_are_all_reported() {
    let text = format!(
        "{EXTENDS}[run]\nstesp = 3\nfirms = \"many\"\nseed = 18446744073709551616\n\
         [sectors.traditional]\nrd_intensity = -0.5\n"
    );
    let all = problems(&text);
    assert_eq!(all.len(), 4, "{all:#?}");
    let misspelt = problem_at(&all, "run.stesp");
    assert_eq!(misspelt.location, at(3, 1));
    assert!(
        misspelt.allowed.starts_with("did you mean `steps`?"),
        "{misspelt}"
    );
    let firms = problem_at(&all, "run.firms");
    assert_eq!(firms.location, at(4, 9));
    assert!(firms.allowed.contains("integer from 1 to"), "{firms}");
    let seed = problem_at(&all, "run.seed");
    assert_eq!(seed.location, at(5, 8));
    assert_eq!(seed.value, "18446744073709551616");
    assert_eq!(
        seed.allowed,
        "must be an integer from 0 to 9223372036854775807 (2^63 - 1)"
    );
    let rd = problem_at(&all, "sectors.traditional.rd_intensity");
    assert_eq!(rd.location, at(7, 16));
    // in the order of the file
    let lines: Vec<usize> = all.iter().filter_map(|p| line_of(&p.location)).collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]), "{lines:?}");
}

#[test]
fn a_refused_value_does_not_bring_follow_on_problems() {
    // the share is refused as a string; the sum of shares is not reported on top of it
    let all = problems(&format!(
        "{EXTENDS}[sectors.future]\nfirm_share = \"a lot\"\ntier = 3\n"
    ));
    let paths: Vec<&str> = all.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        ["sectors.future.firm_share", "sectors.future.tier"],
        "{all:#?}"
    );
}

#[test]
fn a_misspelt_field_in_an_indexed_set_path_gets_the_field_meant() {
    let problem = set_problem(&["matrices.spilover[0][2]=0.07"]);
    assert_eq!(problem.path, "matrices.spilover");
    assert!(
        problem.allowed.starts_with("did you mean `spillover`?"),
        "{problem}"
    );
    let same = set_problem(&["matrices.spilover=0.07"]);
    assert_eq!(same.allowed, problem.allowed, "with or without an index");
    let deeper = set_problem(&["policy.schedule[0].set.carbon_pryce=0.1"]);
    assert_eq!(deeper.path, "policy.schedule[0].set.carbon_pryce");
    assert!(
        deeper.allowed.starts_with("did you mean `carbon_price`?"),
        "{deeper}"
    );
    let sector = set_problem(&["sectors.traditonal.rd_intensity=0.1"]);
    assert!(
        sector
            .allowed
            .contains("did you mean the sector `traditional`?"),
        "{sector}"
    );
}

#[test]
fn an_integer_out_of_range_reads_alike_from_a_file_a_set_and_a_flag() {
    let allowed = "must be an integer from 0 to 9223372036854775807 (2^63 - 1)";
    for value in ["18446744073709551616", "9223372036854775808", "-1"] {
        let from_file = only_problem(&format!("{EXTENDS}[run]\nseed = {value}\n"));
        let from_set = set_problem(&[&format!("run.seed={value}")]);
        let from_flag = set_problem(&[&format!("--seed {value}")]);
        for p in [&from_file, &from_set, &from_flag] {
            assert_eq!(p.path, "run.seed", "{p}");
            assert_eq!(p.value, value, "{p}");
            assert_eq!(p.allowed, allowed, "{p}");
        }
        assert_eq!(
            from_flag.location,
            Location::Flag(format!("--seed {value}"))
        );
        assert_eq!(
            from_set.location,
            Location::Set(format!("run.seed={value}"))
        );
    }
    let steps = set_problem(&["--steps -1"]);
    assert_eq!(
        steps.to_string(),
        "--steps -1: `run.steps` is -1, but must be an integer from 0 to 4294967295 (2^32 - 1)"
    );
}

// ---------------------------------------------------------------------------------------
// Schedules: appended by --set, in years, as ramps
// ---------------------------------------------------------------------------------------

#[test]
fn set_index_zero_starts_a_schedule_on_a_scenario_without_one() {
    let scenario = load_baseline(&[
        "policy.schedule[0]={ from_step = 1, set = { carbon_price = 0.2 } }".to_string(),
    ])
    .expect("appended");
    assert_eq!(scenario.policy.at(0).carbon_price, 0.02);
    assert_eq!(scenario.policy.at(1).carbon_price, 0.2);
    let scenario = load_baseline(&[
        "policy.schedule[0].set.carbon_price=0.2".to_string(),
        "policy.schedule[0].from_step=3".to_string(),
    ])
    .expect("built field by field");
    assert_eq!(scenario.policy.at(3).carbon_price, 0.2);
    // without from_step the entry is refused, at the argument that made it
    let problem = set_problem(&["policy.schedule[0].set.carbon_price=0.2"]);
    assert_eq!(problem.path, "policy.schedule[0].from_step");
    assert_eq!(
        problem.location,
        Location::Set("policy.schedule[0].set.carbon_price=0.2".into())
    );
}

#[test]
fn a_schedule_entry_may_name_years_instead_of_steps() {
    let text = format!(
        "{EXTENDS}[run]\nstart_year = 2024\n[[policy.schedule]]\nfrom_year = 2030\n\
         to_year = 2032\nset = {{ carbon_price = 0.1 }}\n"
    );
    let scenario = load_text(&text).expect("valid");
    assert_eq!(scenario.policy.schedule[0].from_step, 6);
    assert_eq!(scenario.policy.schedule[0].to_step, Some(8));
    let both = only_problem(&format!(
        "{EXTENDS}[[policy.schedule]]\nfrom_step = 1\nfrom_year = 2030\nset = {{ talent = 1 }}\n"
    ));
    assert_eq!(both.path, "policy.schedule[0].from_year");
    assert!(both.allowed.contains("not both"), "{both}");
    let early = only_problem(&format!(
        "{EXTENDS}[[policy.schedule]]\nfrom_year = 2000\nset = {{ talent = 1 }}\n"
    ));
    assert_eq!(early.path, "policy.schedule[0].from_year");
    assert!(
        early.allowed.contains("from run.start_year (2024)"),
        "{early}"
    );
}

#[test]
fn a_ramp_needs_a_to_step_and_reaches_its_values_there() {
    let text = format!(
        "{EXTENDS}[[policy.schedule]]\nfrom_step = 1\nto_step = 4\nramp = true\n\
         set = {{ carbon_price = 0.10 }}\n"
    );
    let scenario = load_text(&text).expect("valid");
    let prices: Vec<f64> = (0..6).map(|t| scenario.policy.at(t).carbon_price).collect();
    for (p, e) in prices.iter().zip([0.02, 0.04, 0.06, 0.08, 0.10, 0.10]) {
        assert!((p - e).abs() < 1e-12, "{prices:?}");
    }
    // the resolved scenario keeps the ramp
    let again = load_text(&scenario.to_toml()).expect("round trip");
    assert_eq!(again.policy, scenario.policy);
    let problem = only_problem(&format!(
        "{EXTENDS}[[policy.schedule]]\nfrom_step = 1\nramp = true\nset = {{ talent = 1 }}\n"
    ));
    assert_eq!(problem.path, "policy.schedule[0].ramp");
    assert!(problem.allowed.contains("needs `to_step`"), "{problem}");
}

#[test]
fn a_refused_field_does_not_hide_a_problem_of_the_table_that_holds_it() {
    let all = problems(
        "transitions = []\n[sectors.all]\ntier = \"traditional\"\nfirm_share = 1\n\
         output_share = 1\ncolour = \"red\"\n",
    );
    let paths: Vec<&str> = all.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["sectors.all.colour", "sectors.all"], "{all:#?}");
    // an array that loses an element goes whole, and what follows from its absence is not
    // reported again
    let all = problems(&format!(
        "{TWO_SECTORS}[[transitions]]\nkind = \"switch\"\nfrom = \"steel\"\nto = \"chips\"\n\
         probability = 0.1\n[matrices]\nspillover = [[0.1, \"x\"], [0.1, 0.1]]\n"
    ));
    let paths: Vec<&str> = all.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["matrices.spillover[0][1]"], "{all:#?}");
}
