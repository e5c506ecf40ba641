//! The shipped baseline is the calibrated economy of docs/calibration.md: its firms meet every
//! checked stylized fact of `scenarios/facts/facts.toml` (`nqpsim facts --strict` exits 0), and
//! the economy stays within the tolerances of docs/model.md §8.2 around the aggregate figures
//! of the reference economy (§8.1): yearly TFP growth by tier within 0.5 pp, the traditional
//! share of output at step 30 between 0.38 and 0.49.
//!
//! Both run the baseline at its own size (10,000 firms, 30 steps, seed 2024) and are
//! deterministic: they pass or fail the same way on every run. Release mode only.

mod common;

use common::{Table, mean_sd, nqpsim, rows};
use nqpsim::metrics::RowSector;

/// docs/model.md §8.1: yearly TFP growth (% a year) of the reference economy by tier, and all.
const REFERENCE_GROWTH: [(&str, RowSector, f64); 4] = [
    ("traditional", RowSector::Sector(0), 1.54),
    ("emerging", RowSector::Sector(1), 3.07),
    ("future", RowSector::Sector(2), 5.59),
    ("all", RowSector::All, 3.45),
];
/// docs/model.md §8.2: how far the calibrated economy's growth may be from the reference's.
const GROWTH_TOLERANCE_PP: f64 = 0.5;
/// docs/model.md §8.2: the band of the traditional output share at step 30.
const TRADITIONAL_SHARE_BAND: (f64, f64) = (0.38, 0.49);

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "statistical: runs with --release or --profile ci"
)]
fn the_shipped_baseline_meets_every_checked_stylized_fact() {
    let dir = tempfile::tempdir().unwrap();
    // Eight of the shipped run's 20 replicates (draws are keyed by replicate).
    let out = nqpsim(
        dir.path(),
        &["facts", "--strict", "--replicates", "8", "--out", "facts"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(dir.path().join("facts/baseline/facts.csv")).unwrap();
    // the columns up to `checked` (the 11th) hold no commas
    let checked = csv
        .lines()
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[1] == "all" && f[10] == "true")
        .count();
    assert!(checked >= 7, "{checked} facts of `all` checked:\n{csv}");
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "statistical: runs with --release or --profile ci"
)]
fn the_shipped_baseline_keeps_the_aggregate_figures_of_the_reference_economy() {
    let baseline = nqpsim::scenario::load_str(
        "baseline",
        nqpsim::scenario::BASELINE_TOML,
        std::path::Path::new("."),
        &[],
    )
    .unwrap();
    let t = Table::new(rows(&baseline, 2));
    let last = t.steps;
    let mut failures = Vec::new();
    for (name, sector, reference) in REFERENCE_GROWTH {
        let growth = t.per_replicate(|r| {
            100.0 * t.get(r, last, sector).tfp_index.unwrap().ln() / f64::from(last)
        });
        let (mean, _) = mean_sd(&growth);
        if (mean - reference).abs() > GROWTH_TOLERANCE_PP {
            failures.push(format!(
                "TFP growth {name}: {mean:.2} % a year, reference {reference} +- {GROWTH_TOLERANCE_PP}"
            ));
        }
    }
    let share = t.per_replicate(|r| t.get(r, last, RowSector::Sector(0)).output_share.unwrap());
    let (share, _) = mean_sd(&share);
    let (lo, hi) = TRADITIONAL_SHARE_BAND;
    if !(lo..=hi).contains(&share) {
        failures.push(format!(
            "traditional output share at step {last}: {share:.3}, band [{lo}, {hi}]"
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
