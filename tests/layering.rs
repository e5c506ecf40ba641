//! The import graph runs one way: the command line uses the analyses, sweeps and plots, which
//! use the engine, which uses the model, which uses the mathematics. A module may use its own
//! layer and those below it, never one above (docs: the layers in `src/lib.rs`).
//!
//! The check reads every source file and the `crate::<module>` paths it names outside
//! comments, so it fails as soon as a lower layer reaches up.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layers, lowest first. Modules of one layer may use each other.
const LAYERS: &[&[&str]] = &[
    &["error", "math", "lanes", "rng", "stats"],
    &["model"],
    &["scenario"],
    &["sim", "metrics", "decomposition", "panel"],
    &["output"],
    &["sweep", "bench"],
    &["analysis"],
    &["plot"],
    &["cli"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/sim/step.rs` -> `sim`), none for the crate
/// root and the binary.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).expect("under src");
    let first = relative.components().next()?.as_os_str().to_string_lossy();
    let name = first.trim_end_matches(".rs").to_string();
    (name != "lib" && name != "main").then_some(name)
}

/// The top-level modules a file names as `crate::<module>`, outside comments.
fn uses(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name.chars().next().is_some_and(char::is_lowercase) {
                found.insert(name);
            }
            rest = after;
        }
    }
    found
}

#[test]
fn no_module_uses_a_layer_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut upward = Vec::new();
    for file in &files {
        let Some(module) = module_of(&src, file) else {
            continue;
        };
        let from = layer(&module).unwrap_or_else(|| {
            panic!(
                "{}: module `{module}` is in no layer of this test",
                file.display()
            )
        });
        let text = std::fs::read_to_string(file).expect("read a source file");
        for used in uses(&text) {
            if let Some(to) = layer(&used)
                && to > from
            {
                upward.push(format!(
                    "{} ({module}, layer {from}) uses crate::{used} (layer {to})",
                    file.strip_prefix(&src).unwrap().display()
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports against the layers:\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_check_sees_an_upward_import() {
    let names = uses("use crate::sweep::plan::Plan; // crate::cli in a comment\n");
    assert_eq!(names.into_iter().collect::<Vec<_>>(), ["sweep"]);
    assert!(layer("sweep") > layer("sim"));
}
