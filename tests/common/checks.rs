//! Statistical checks shared by the model-2 tests: estimates over replicates and a report
//! that collects failed checks and prints every figure.

use std::path::{Path, PathBuf};

use super::{Table, mean_sd};
use nqpsim::Scenario;
use nqpsim::metrics::RowSector;

/// Standard errors a robust effect must lie from zero (docs/model.md M2.12: "an effect at least 6
/// standard errors from zero").
pub const T_MIN: f64 = 6.0;
/// Standard errors allowed between our value and the reference's: the Bonferroni bound for the
/// about 20 value checks of a test file at a 5 % family-wise error rate (two-sided
/// p = 0.05 / 20 per check).
pub const Z: f64 = 3.3;

/// A mean over replicates and its standard error.
#[derive(Clone, Copy, Debug)]
pub struct Estimate {
    /// The mean.
    pub mean: f64,
    /// Its standard error.
    pub se: f64,
}

impl Estimate {
    pub fn of(values: &[f64]) -> Self {
        let (mean, sd) = mean_sd(values);
        Estimate {
            mean,
            se: sd / (values.len() as f64).sqrt(),
        }
    }

    /// The paired effect `b - a`, replicate by replicate.
    pub fn paired(a: &[f64], b: &[f64]) -> Self {
        assert_eq!(a.len(), b.len());
        let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
        Estimate::of(&d)
    }

    pub fn t(&self) -> f64 {
        self.mean / self.se
    }
}

impl std::fmt::Display for Estimate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.4} ± {:.4} [t {:.1}]", self.mean, self.se, self.t())
    }
}

/// Collects failed checks instead of panicking at the first, and prints every figure.
#[derive(Default)]
pub struct Report {
    failures: Vec<String>,
    passed: usize,
}

impl Report {
    /// A robust effect: at least [`T_MIN`] standard errors from zero, with the sign of
    /// `positive`.
    pub fn sign(&mut self, what: &str, effect: Estimate, positive: bool) {
        let t = if positive { effect.t() } else { -effect.t() };
        let ok = t >= T_MIN;
        let side = if positive { "> 0" } else { "< 0" };
        self.record(
            ok,
            format!("{what}: {effect}, expected {side} by {T_MIN} se"),
        );
    }

    /// Our estimate against the reference's `expected ± reference_se`, printed to `rounding`.
    pub fn value(
        &mut self,
        what: &str,
        ours: Estimate,
        expected: f64,
        reference_se: f64,
        rounding: f64,
    ) {
        let band = Z * (ours.se * ours.se + reference_se * reference_se).sqrt() + rounding;
        let ok = (ours.mean - expected).abs() <= band;
        self.record(
            ok,
            format!("{what}: {ours}, the reference {expected} ± {reference_se} (band ± {band:.4})"),
        );
    }

    /// A value that must lie in `[low, high]`.
    pub fn range(&mut self, what: &str, got: f64, low: f64, high: f64) {
        let ok = (low..=high).contains(&got);
        self.record(ok, format!("{what}: {got:.4}, expected in [{low}, {high}]"));
    }

    pub fn record(&mut self, ok: bool, line: String) {
        eprintln!("{} {line}", if ok { "ok  " } else { "FAIL" });
        if ok {
            self.passed += 1;
        } else {
            self.failures.push(line);
        }
    }

    pub fn finish(self) {
        assert!(
            self.failures.is_empty(),
            "{} passed, failed:\n{}",
            self.passed,
            self.failures.join("\n")
        );
    }
}

/// The model-1.1 reference economy (10,000 firms, 30 steps, seed 2024).
pub fn reference_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/reference/model-1.1.toml")
}

/// The scenario at `path` with `--set`-style overrides and, if given, levers `schedule` (a
/// TOML inline table) in force from step `from`.
pub fn scenario(path: &Path, sets: &[&str], schedule: Option<(u32, &str)>) -> Scenario {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    match schedule {
        None => nqpsim::scenario::load(path, &sets).expect("the scenario loads"),
        Some((from, set)) => {
            let text = format!(
                "extends = {}\n[[policy.schedule]]\nfrom_step = {from}\nset = {set}\n",
                toml::Value::String(path.display().to_string())
            );
            let mut s = nqpsim::scenario::load_str("arm", &text, Path::new("."), &sets)
                .expect("the scenario loads");
            s.name = nqpsim::scenario::load(path, &[]).unwrap().name;
            s
        }
    }
}

/// Yearly TFP growth in %: `100 ln(tfp_index(T)) / T`, one value per replicate.
pub fn growth(t: &Table, sector: RowSector) -> Vec<f64> {
    let steps = t.steps;
    t.per_replicate(|r| 100.0 * t.get(r, steps, sector).tfp_index.unwrap().ln() / steps as f64)
}

/// TFP growth of `b` minus `a`, in percentage points a year, paired.
pub fn growth_effect(a: &Table, b: &Table, sector: RowSector) -> Estimate {
    Estimate::paired(&growth(a, sector), &growth(b, sector))
}
