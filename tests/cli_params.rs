//! `nqpsim params`: every parameter and policy lever with its default, unit and meaning, as
//! plain text or (`--markdown`) as Markdown tables. The lists come from the model's own
//! tables (`SectorParams::INFO`, `ModelParams::INFO`, `LEVERS`), so a parameter added to the
//! model cannot be left out of the listing.

mod common;

use nqpsim::model::levers::{LEVERS, LeverInfo, Scope};
use nqpsim::model::params::{ModelParams, SectorParams};
use predicates::prelude::*;
use tempfile::TempDir;

fn tmp() -> TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

/// `nqpsim` with `dir` as its working directory.
use common::command as nqpsim;

/// The stdout of `nqpsim params ARGS`, which must exit 0 with nothing on stderr.
fn params(args: &[&str]) -> String {
    let dir = tmp();
    let assert = nqpsim(dir.path())
        .arg("params")
        .args(args)
        .assert()
        .code(0)
        .stderr("");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "params writes no file"
    );
    String::from_utf8(assert.get_output().stdout.clone()).expect("UTF-8")
}

/// The lines of plain-text output that define a field (two-space indent, then the path).
fn field_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .map(str::trim_start)
        .collect()
}

/// The line for `path`: it starts with the path, then ` (` for a symbol or ` =`.
fn line_for<'a>(text: &'a str, path: &str) -> &'a str {
    let lines = field_lines(text);
    let found: Vec<&&str> = lines
        .iter()
        .filter(|l| {
            l.strip_prefix(path)
                .is_some_and(|rest| rest.starts_with(" (") || rest.starts_with(" ="))
        })
        .collect();
    assert_eq!(found.len(), 1, "`{path}` is listed once:\n{text}");
    found[0]
}

fn symbol(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!(" ({s})")
    }
}

/// The path `nqpsim params` lists a lever under: `policy.X.NAME` per sector,
/// `policy.X.REGION` per region, `policy.X` for the whole economy.
fn listed_path(lever: &LeverInfo) -> String {
    match lever.scope {
        Scope::Sector => format!("policy.{}.NAME", lever.name),
        Scope::Region => format!("policy.{}.REGION", lever.name),
        Scope::Global => format!("policy.{}", lever.name),
    }
}

/// The scope of a lever as the lever tables of docs/model.md and the README write it.
fn scope_words(lever: &LeverInfo) -> &'static str {
    match lever.scope {
        Scope::Sector => "per sector",
        Scope::Region => "per region",
        Scope::Global => "global",
    }
}

#[test]
fn params_lists_every_per_sector_parameter() {
    let text = params(&[]);
    for info in SectorParams::INFO {
        let line = line_for(&text, &format!("sectors.NAME.{}", info.name));
        assert!(line.contains(info.range.notation()), "{line}");
        assert!(line.contains(info.unit), "{line}");
        assert!(text.contains(info.doc), "the meaning of {}", info.name);
    }
}

#[test]
fn params_lists_every_global_parameter() {
    let text = params(&[]);
    for info in ModelParams::INFO {
        let line = line_for(&text, &format!("model.{}", info.name));
        assert!(line.contains(info.range.notation()), "{line}");
        assert!(line.contains(info.unit), "{line}");
        assert!(text.contains(info.doc), "the meaning of {}", info.name);
    }
}

#[test]
fn params_lists_every_policy_lever() {
    let text = params(&[]);
    for lever in LEVERS {
        let path = listed_path(lever);
        let line = line_for(&text, &path);
        assert!(
            line.starts_with(&format!("{path} = {}", lever.default_text())),
            "{line}"
        );
        assert!(text.contains(lever.doc), "the meaning of {}", lever.name);
    }
}

#[test]
fn a_per_region_lever_is_listed_by_region() {
    let text = params(&[]);
    let line = line_for(&text, "policy.talent_training.REGION");
    assert!(
        line.starts_with("policy.talent_training.REGION = 0 "),
        "{line}"
    );
    assert!(
        text.contains("per-region levers a number or { region = number }"),
        "{text}"
    );
    let markdown = params(&["--markdown"]);
    assert!(
        markdown.contains("| `policy.talent_training.REGION` |  | 0 | added growth per year |"),
        "{markdown}"
    );
}

#[test]
fn params_lists_the_run_settings_with_their_defaults() {
    let text = params(&[]);
    let defaults = nqpsim::scenario::validate::DEFAULT_RUN;
    for (name, value) in [
        ("steps", defaults.steps.to_string()),
        ("firms", defaults.firms.to_string()),
        ("replicates", defaults.replicates.to_string()),
        ("seed", defaults.seed.to_string()),
        ("start_year", defaults.start_year.to_string()),
    ] {
        let path = format!("run.{name}");
        let line = line_for(&text, &path);
        assert!(line.starts_with(&format!("{path} = {value} ")), "{line}");
    }
}

/// The defaults are the model's (docs/model.md §3), which the reference economy writes out; the
/// shipped baseline differs where it is calibrated.
#[test]
fn the_listed_defaults_are_those_of_the_model_1_1_reference_economy() {
    let text = params(&[]);
    let reference = common::reference();
    let model = reference.model.values();
    for (k, info) in ModelParams::INFO.iter().enumerate() {
        let expected = format!("model.{}{} = {} ", info.name, symbol(info.symbol), model[k]);
        let line = line_for(&text, &format!("model.{}", info.name));
        assert!(
            line.starts_with(&expected),
            "want `{expected}`, got `{line}`"
        );
    }
    // The reference economy's three sectors are one of each tier, in tier order.
    let sectors: Vec<_> = reference
        .sectors
        .iter()
        .map(|s| s.params.values())
        .collect();
    for (k, info) in SectorParams::INFO.iter().enumerate() {
        let by_tier: Vec<String> = sectors.iter().map(|v| v[k].to_string()).collect();
        let expected = format!(
            "sectors.NAME.{}{} = {} ",
            info.name,
            symbol(info.symbol),
            by_tier.join(" / ")
        );
        let line = line_for(&text, &format!("sectors.NAME.{}", info.name));
        assert!(
            line.starts_with(&expected),
            "want `{expected}`, got `{line}`"
        );
    }
}

#[test]
fn params_has_one_section_per_scenario_table() {
    let text = params(&[]);
    let titles: Vec<&str> = text.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(titles.len(), 4, "{titles:?}");
    for (title, table) in titles
        .iter()
        .zip(["[run]", "[model]", "[sectors.NAME]", "[policy]"])
    {
        assert!(title.starts_with(table), "{title}");
    }
}

#[test]
fn params_markdown_prints_a_table_header_per_section() {
    let text = params(&["--markdown"]);
    let header = "| field | symbol | default | unit | allowed | meaning |";
    assert_eq!(text.matches(header).count(), 4, "{text}");
    assert_eq!(text.matches("|---|---|---|---|---|---|").count(), 4);
    assert_eq!(text.lines().filter(|l| l.starts_with("### ")).count(), 4);
}

#[test]
fn params_markdown_has_one_row_per_field() {
    let text = params(&["--markdown"]);
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| `")).collect();
    assert_eq!(
        rows.len(),
        5 + ModelParams::INFO.len() + SectorParams::INFO.len() + LEVERS.len()
    );
    for info in ModelParams::INFO {
        let start = format!("| `model.{}` | {} |", info.name, info.symbol);
        assert!(
            rows.iter().any(|r| r.starts_with(&start)),
            "no row starting `{start}`"
        );
    }
    for info in SectorParams::INFO {
        let start = format!("| `sectors.NAME.{}` | {} |", info.name, info.symbol);
        assert!(
            rows.iter().any(|r| r.starts_with(&start)),
            "no row starting `{start}`"
        );
    }
    for lever in LEVERS {
        let name = listed_path(lever);
        // `|` inside a cell is escaped so the row keeps its six cells.
        let unit = lever.unit.replace('|', "\\|");
        let start = format!("| `{name}` |  | {} | {unit} |", lever.default_text());
        assert!(
            rows.iter().any(|r| r.starts_with(&start)),
            "no row starting `{start}`"
        );
    }
}

#[test]

fn every_markdown_row_has_six_cells() {
    let text = params(&["--markdown"]);
    for row in text.lines().filter(|l| l.starts_with("| `")) {
        // 6 cells: 7 unescaped separators (a `|` inside a cell must be written `\|`).
        let separators = row.matches('|').count() - row.matches("\\|").count();
        assert_eq!(separators, 7, "{row}");
    }
}

#[test]
fn params_plain_text_is_not_markdown() {
    let text = params(&[]);
    assert!(!text.contains("| field |"));
    assert!(!text.contains("###"));
}

#[test]
fn params_rejects_an_unknown_flag_with_exit_2() {
    let dir = tmp();
    nqpsim(dir.path())
        .args(["params", "--bogus"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("--bogus"));
}

#[test]
fn params_help_lists_markdown() {
    let dir = tmp();
    nqpsim(dir.path())
        .args(["params", "--help"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("--markdown"));
}

#[test]

fn params_into_a_closed_pipe_does_not_panic() {
    let dir = tmp();
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("nqpsim"))
        .current_dir(dir.path())
        .arg("params")
        .stdout(writer)
        .output()
        .expect("nqpsim starts");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(output.status.code(), Some(101), "{stderr}");
}

#[test]
fn only_steps_firms_and_replicates_must_be_at_least_one() {
    let text = params(&[]);
    for path in ["run.steps", "run.firms", "run.replicates"] {
        let line = line_for(&text, path);
        assert!(line.contains(">= 1"), "{line}");
    }
    for path in ["run.seed", "run.start_year"] {
        let line = line_for(&text, path);
        assert!(!line.contains(">= 1"), "{line}");
    }
}

#[test]

fn the_targeting_choices_are_stated_once() {
    let text = params(&[]);
    let targeting = line_for(&text, "policy.targeting");
    assert_eq!(
        targeting
            .matches("inclusive | selective | laggards")
            .count(),
        1,
        "{targeting}"
    );
}

/// The lever table of docs/model.md §4.1 is the declaration of each lever: scope, unit, range,
/// default and fiscal cost as `src/model/levers.rs` declares them (only the column that
/// explains the effect is the document's own).
#[test]
fn the_model_documents_lever_table_is_the_lever_declarations() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/model.md"))
        .expect("docs/model.md");
    let rows: Vec<&str> = doc.lines().filter(|l| l.starts_with("| `")).collect();
    for lever in LEVERS {
        if lever.feature.is_some() {
            // model 2's levers have their own table (docs/model.md M2.7): name, scope, range
            let scope = scope_words(lever);
            let start = format!("| `{}`", lever.name);
            assert!(
                rows.iter().any(|r| r.starts_with(&start)
                    && r.contains(scope)
                    && r.contains(lever.range.notation())),
                "docs/model.md M2.7 has no row for `{}` ({scope}, {})",
                lever.name,
                lever.range.notation()
            );
            continue;
        }
        let scope = scope_words(lever);
        let range = if lever.is_choice() {
            "a choice"
        } else {
            lever.range.notation()
        };
        let unit = lever.unit.replace('|', "\\|");
        let start = format!(
            "| `{}` | {scope} | {unit} | {range} | {} |",
            lever.name,
            lever.default_text()
        );
        let row = rows
            .iter()
            .find(|r| r.starts_with(&start))
            .unwrap_or_else(|| panic!("docs/model.md has no row starting `{start}`"));
        let cost = match lever.spending {
            Some(s) => match s.charged.split_once(", ") {
                Some((formula, rest)) => format!("| `{formula}`, {rest} |"),
                None => format!("| `{}` |", s.charged),
            },
            None => "| none |".to_string(),
        };
        assert!(row.ends_with(&cost), "`{row}` should end with `{cost}`");
    }
}

/// The README's table of model 2's levers lists every lever of model 2 with its scope.
#[test]
fn the_readme_lists_every_model_2_lever_with_its_scope() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let rows: Vec<&str> = readme.lines().filter(|l| l.starts_with("| `")).collect();
    for lever in LEVERS.iter().filter(|l| l.feature.is_some()) {
        let start = format!("| `{}` | {} |", lever.name, scope_words(lever));
        assert!(
            rows.iter().any(|r| r.starts_with(&start)),
            "README has no row starting `{start}`"
        );
    }
}
