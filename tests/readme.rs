//! The README's claims that a test can check: its snippets of shipped files are in those
//! files, its example of an error message is what `nqpsim check` prints, its quick-start table
//! is what the default run prints (release mode), and every test that does not run by default
//! says why when `cargo test` lists it.

mod common;

use std::fs;
use std::path::Path;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn readme() -> String {
    fs::read_to_string(repo().join("README.md")).expect("README.md")
}

/// The fenced blocks of `text` whose info string is `lang` (or any, for `""`), as lines.
fn blocks<'a>(text: &'a str, lang: &str) -> Vec<Vec<&'a str>> {
    let mut out = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in text.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(info)) if lang.is_empty() || info.trim() == lang => {
                current = Some(Vec::new())
            }
            (Some(_), Some("")) => out.push(current.take().expect("open")),
            (Some(block), _) => block.push(line),
            (None, _) => {}
        }
    }
    out
}

/// A TOML line without its comment and surrounding blanks.
fn code(line: &str) -> &str {
    // no `#` inside the strings of these snippets but in comments
    line.split(" #").next().unwrap_or("").trim()
}

#[test]
fn the_readme_snippets_of_shipped_files_are_in_those_files() {
    let readme = readme();
    let mut checked = 0;
    for block in blocks(&readme, "toml") {
        let Some(file) = block.first().and_then(|l| l.strip_prefix("# scenarios/")) else {
            continue;
        };
        let shipped = fs::read_to_string(repo().join("scenarios").join(file.trim()))
            .unwrap_or_else(|e| panic!("README shows scenarios/{file}: {e}"));
        let lines: Vec<&str> = shipped.lines().map(code).collect();
        for line in block.iter().skip(1).map(|l| code(l)) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            assert!(
                lines.contains(&line),
                "README's snippet of scenarios/{file} shows `{line}`, which the file does not have"
            );
        }
        checked += 1;
    }
    assert!(
        checked >= 2,
        "the scenario and the sweep plan snippets are found"
    );
}

#[test]
fn the_readme_error_example_is_what_check_prints() {
    let readme = readme();
    let example = blocks(&readme, "")
        .into_iter()
        .find(|b| {
            b.first()
                .is_some_and(|l| l.starts_with("error: invalid scenario"))
        })
        .expect("the README's example of scenario errors");
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("bad.toml"),
        "extends = \"builtin:baseline\"\n[run]\nstesp = 3\nfirms = \"many\"\n\
         seed = 18446744073709551616\n[sectors.emerging]\nrd_intensity = -0.1\n",
    )
    .unwrap();
    let output = common::command(dir.path())
        .args([
            "check",
            "bad.toml",
            "--set",
            "sectors.future.elasticity=0.5",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().collect::<Vec<_>>(), example);
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "the default run at full size: runs with --profile ci or --release"
)]
fn the_quick_start_table_is_what_the_default_run_prints() {
    let readme = readme();
    let example = blocks(&readme, "")
        .into_iter()
        .find(|b| {
            b.first()
                .is_some_and(|l| l.starts_with("baseline: 20 replicates"))
        })
        .expect("the quick start's output");
    let dir = tempfile::tempdir().unwrap();
    let output = common::command(dir.path()).arg("run").output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let printed: Vec<&str> = stdout.lines().collect();
    // the first line and the table are the same on every machine; the time line is not
    assert_eq!(printed.len(), example.len(), "{stdout}");
    assert_eq!(printed[0], example[0]);
    assert!(printed[1].contains(" M firm-steps/s on "), "{stdout}");
    assert_eq!(printed[2..], example[2..], "{stdout}");
}

#[test]
fn every_test_that_does_not_run_by_default_says_why() {
    let dir = repo().join("tests");
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for (i, line) in lines.iter().enumerate() {
            // a bare #[ignore] would be listed without a reason
            assert!(
                *line != "#[ignore]",
                "{}:{}: say why with #[ignore = \"...\"]",
                path.display(),
                i + 1
            );
            // a test that returns early passes without running: `ok` in 0.00 s
            if line.starts_with("if !") && line.ends_with("() {") {
                let next = lines.get(i + 1).copied().unwrap_or("");
                assert!(
                    next != "return;",
                    "{}:{}: a test that skips itself shows `ok`; ignore it with a reason",
                    path.display(),
                    i + 1
                );
            }
        }
    }
}
