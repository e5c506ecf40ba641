//! The experiments of docs/performance.md that are shipped as patches to the source
//! (`benches/profile/*.patch`) still apply to it, so that a reader can rebuild what was
//! measured.

use std::fs;
use std::path::Path;
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_patch_of_the_performance_experiments_applies_to_the_source() {
    let folder = repo().join("benches/profile");
    let mut patches: Vec<_> = fs::read_dir(&folder)
        .expect("benches/profile")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "patch"))
        .collect();
    patches.sort();
    let performance = fs::read_to_string(repo().join("docs/performance.md")).expect("docs");
    assert!(
        patches.len() >= 2,
        "the free-math and free-sums patches are in {}",
        folder.display()
    );
    for patch in &patches {
        let name = patch.file_name().expect("name").to_string_lossy();
        assert!(
            performance.contains(&format!("benches/profile/{name}")),
            "docs/performance.md says what {name} measures"
        );
        let out = Command::new("git")
            .args(["apply", "--check"])
            .arg(patch)
            .current_dir(repo())
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "{name} no longer applies to the source; re-make it from the experiment it \
             describes:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
