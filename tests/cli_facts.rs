//! `nqpsim facts`: the stylized-facts table of a scenario, measured in process or read from a
//! `--panel all` run (the same numbers either way), the bands and `--strict`.

mod common;

use common::nqpsim;

const SMALL: [&str; 6] = ["--firms", "800", "--steps", "6", "--replicates", "4"];

#[test]
fn facts_of_a_scenario_are_the_facts_read_back_from_its_full_panel() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let mut args = vec!["facts", "-q", "--out", "direct"];
    args.extend(SMALL);
    let out = nqpsim(dir, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let direct = std::fs::read_to_string(dir.join("direct/baseline/facts.csv")).unwrap();
    let lines: Vec<&str> = direct.lines().collect();
    assert_eq!(
        lines[0],
        "fact,group,mean,lo,hi,replicates,reference,band_low,band_high,within_band,checked,source,description"
    );
    assert_eq!(lines.len(), 1 + 9 * 4, "nine facts for three tiers and all");
    assert!(lines.iter().any(|l| l.starts_with("entry_rate,all,")));

    let mut args = vec!["run", "-q", "--panel", "all", "--out", "runs"];
    args.extend(SMALL);
    assert!(nqpsim(dir, &args).status.success());
    let out = nqpsim(dir, &["facts", "runs/baseline", "-q"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = std::fs::read_to_string(dir.join("runs/baseline/facts.csv")).unwrap();
    assert_eq!(read, direct, "the same facts from the panel file");

    // a sampled panel is not enough
    let mut args = vec!["run", "-q", "--panel", "0.5", "--out", "sampled"];
    args.extend(SMALL);
    assert!(nqpsim(dir, &args).status.success());
    let out = nqpsim(dir, &["facts", "sampled/baseline"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--panel all"));
}

#[test]
fn strict_fails_with_code_3_when_a_fact_is_outside_its_band() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::write(
        dir.join("narrow.toml"),
        "[entry_rate]\nreference = \"none\"\nlow = 5.0\nhigh = 6.0\nsource = \"a test\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("wide.toml"),
        "[entry_rate]\nreference = \"any\"\nlow = 0.0\nhigh = 1.0\nsource = \"a test\"\n",
    )
    .unwrap();
    let mut args = vec!["facts", "--strict", "--bands", "narrow.toml"];
    args.extend(SMALL);
    let out = nqpsim(dir, &args);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("outside its band: entry_rate"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("OUTSIDE"), "{stdout}");
    let mut args = vec!["facts", "--strict", "--bands", "wide.toml", "-q"];
    args.extend(SMALL);
    assert_eq!(nqpsim(dir, &args).status.code(), Some(0));
    std::fs::write(
        dir.join("bad.toml"),
        "[zipf]\nreference = \"x\"\nlow = 0.0\nhigh = 1.0\nsource = \"x\"\n",
    )
    .unwrap();
    let out = nqpsim(dir, &["facts", "--bands", "bad.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown fact `zipf`"));
}
