//! The layout sweep (`scenarios/sweeps/layout-grid.toml`) shows what docs/model.md M2.11 says
//! of duplicated regional backing: in every cell of `price_pressure` x `backing_capacity` x
//! `backing_rd`, homogeneous backing lowers the duplicated sector's capacity utilisation
//! (robust), and its effect on the sector's TFP growth has the sign of the first-order formula
//! wherever the formula is clearly away from zero (conditional: the sign follows the
//! unestimated parameters, as the formula says).
//!
//! The plan runs as shipped but smaller: 5,000 firms and 10 replicates (30 years), paired
//! within each cell by common random numbers. Release mode only (`cargo test --profile ci
//! --test layout_grid`).

use std::path::Path;
use std::process::Command;

use nqpsim::plot::figures::{detect, layout};

/// Cells whose formula is nearer zero than this (log points of R&D effort) may go either way:
/// the formula is first order.
const CLEAR_FORMULA: f64 = 0.05;

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "statistical: run in release mode (cargo test --profile ci)"
)]
fn duplication_idles_capacity_in_every_cell_and_moves_growth_as_the_sign_formula_says() {
    let out = tempfile::tempdir().unwrap();
    let plan = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/sweeps/layout-grid.toml");
    let status = Command::new(env!("CARGO_BIN_EXE_nqpsim"))
        .arg("sweep")
        .arg(&plan)
        .args(["--firms", "5000", "--replicates", "10", "-q", "--out"])
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success());
    let folder = detect(&out.path().join("layout-grid")).unwrap();
    let (sector, effects) = layout::effects_of(&folder)
        .unwrap()
        .expect("a layout sweep");
    assert_eq!(
        sector, "new_materials",
        "homogeneous backing duplicates the most popular sector"
    );
    assert_eq!(effects.len(), 27);

    for e in &effects {
        let i = e.inputs;
        assert_eq!(e.n, 10);
        // Robust: utilisation falls, the interval below zero.
        assert!(
            e.utilisation.2 < 0.0,
            "{i:?}: utilisation {:?}",
            e.utilisation
        );
        assert!(e.excess_rise > 0.0, "{i:?}: excess rise {}", e.excess_rise);
        // Conditional: the sign of the growth effect is the formula's where it is clear.
        if e.formula.abs() >= CLEAR_FORMULA {
            let (mean, lower, upper) = e.growth;
            let agrees = if e.formula > 0.0 {
                lower > 0.0
            } else {
                upper < 0.0
            };
            assert!(
                agrees,
                "{i:?}: formula {:+.3}, growth effect {mean:+.3} [{lower:+.3}, {upper:+.3}]",
                e.formula
            );
        }
    }
    // Both signs occur in the grid: the conclusion depends on the parameters.
    assert!(effects.iter().any(|e| e.formula >= CLEAR_FORMULA));
    assert!(effects.iter().any(|e| e.formula <= -CLEAR_FORMULA));
}
