//! The figures of an nqpsim output folder: read its tables, build [`Chart`]s, write them into
//! the folder's `plots/` as SVG and PNG (what `nqpsim plot DIR` does).
//!
//! The kind of folder is read from `manifest.json` (`"command"`: `run`, `sweep` or `merge`,
//! `compare`, `discover`), or, without a manifest, from the files it holds. Each kind has its figures:
//!
//! - a **run** (`trajectories.csv`): `tfp_index`, `output_shares`, `digital`, `green` and
//!   `emissions` over the years, by sector (by tier when there are more than
//!   [`MAX_SECTOR_LINES`] sectors), the median over replicates with the 5th-95th percentile
//!   band ([`run`]);
//! - a **sweep** (`points.csv`, `summary.csv`): an outcome (default: `tfp_index` of every
//!   sector and of `all` at the last step) against each axis, `outcome-vs-<axis>` ([`sweep`]),
//!   and the indices in `sensitivity/*.csv` as bars, `sensitivity-<file>`; a grid that
//!   crosses `policy.layout_herding` 0 and 1 also gets the layout figures, `layout-*`
//!   ([`layout`]);
//! - a **comparison** (`effects.csv`): the effect of the policy over the years, by sector,
//!   with its 95 % interval, `effect-<metric>`, and by region, `region-effect-<metric>`, where
//!   it has `region_effects.csv` ([`compare`]);
//! - a **scenario discovery** (`SWEEP_DIR/discovery/<name>/`): PRIM's coverage-density
//!   trade-off, its box limits against the swept ranges, scatters of the restricted axes with
//!   the cases marked, and the feature scores ([`discovery`]).
//!
//! ```no_run
//! use nqpsim::plot::figures::{self, Format, Options};
//!
//! let folder = figures::detect("output/baseline".as_ref())?;
//! let charts = figures::figures(&folder, &Options::default())?;
//! for path in figures::write(&folder, &charts, Format::Both)?.files {
//!     println!("{}", path.display());
//! }
//! # Ok::<(), nqpsim::Error>(())
//! ```

pub mod compare;
pub mod discovery;
pub mod label;
pub mod layout;
pub mod run;
pub mod sensitivity;
pub mod sweep;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

pub use label::{AxisText, axis_label, axis_text};

use super::{Chart, write_png, write_svg};
use crate::error::{Error, OutputError};
use crate::output::folder::{OutputFolder, PLOTS_DIR};

/// Most sectors drawn one line each; past this, runs are drawn by tier and sweeps plot `all`
/// alone by default (seven sectors and `all` take the eight colours of the palette).
pub const MAX_SECTOR_LINES: usize = 7;

/// What wrote an output folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `nqpsim run`: `trajectories.csv`.
    Run,
    /// `nqpsim sweep` or `merge`: `points.csv` and `summary.csv`.
    Sweep,
    /// `nqpsim compare`: `effects.csv`.
    Comparison,
    /// `nqpsim discover`: `boxes.csv`, in `SWEEP_DIR/discovery/<name>/`.
    Discovery,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Run => "run",
            Kind::Sweep => "sweep",
            Kind::Comparison => "comparison",
            Kind::Discovery => "scenario discovery",
        })
    }
}

/// An output folder and what its manifest says about it.
#[derive(Clone, Debug)]
pub struct Folder {
    /// The folder.
    pub path: PathBuf,
    /// What wrote it.
    pub kind: Kind,
    /// The scenario's (run), plan's (sweep) or policy scenario's (comparison) name, for
    /// titles; the folder's name when the manifest does not say.
    pub name: String,
    /// The manifest, if the folder has one.
    pub manifest: Option<serde_json::Value>,
}

impl Folder {
    /// A string field of the manifest.
    fn field(&self, key: &str) -> Option<&str> {
        self.manifest.as_ref()?.get(key)?.as_str()
    }

    /// If the manifest says the command was interrupted (`"run": {"status": "interrupted"}`,
    /// as `nqpsim run` writes it after Ctrl-C or SIGTERM), how much of it is here:
    /// `interrupted: 2 of 5 replicates`.
    pub fn interrupted(&self) -> Option<String> {
        let manifest = self.manifest.as_ref()?;
        let facts = manifest.get("run")?;
        if facts.get("status")?.as_str()? != "interrupted" {
            return None;
        }
        let done = facts
            .get("completed_replicates")
            .and_then(|c| c.as_array())
            .map(Vec::len);
        let planned = manifest
            .pointer("/scenario/run/replicates")
            .or_else(|| manifest.get("replicates"))
            .and_then(|r| r.as_u64());
        Some(match (done, planned) {
            (Some(done), Some(planned)) => format!("interrupted: {done} of {planned} replicates"),
            (Some(done), None) => format!("interrupted: {done} replicates"),
            _ => "interrupted".into(),
        })
    }
}

impl Folder {
    /// If runs of the sweep behind the folder failed and are left out of its figures, how
    /// many, from the sweep's `failures.csv` or from what the analysis' manifest recorded:
    /// `3 of 9 runs failed, left out; no rows at point 2`.
    pub fn left_out(&self) -> Option<String> {
        let list = |key: &str| -> Vec<String> {
            self.manifest
                .as_ref()
                .and_then(|m| m.get(key))
                .and_then(|v| v.as_array())
                .map(|a| a.iter().map(ToString::to_string).collect())
                .unwrap_or_default()
        };
        let (mut note, empty) = match self.kind {
            Kind::Sweep => {
                let failed = crate::sweep::run::FailedRuns::of(&self.path)?;
                (
                    format!("{} of {} runs failed, left out", failed.failed, failed.runs),
                    failed
                        .empty_points
                        .iter()
                        .map(ToString::to_string)
                        .collect(),
                )
            }
            Kind::Discovery | Kind::Comparison => {
                let failed = self.manifest.as_ref()?.get("failed_runs")?.as_u64()?;
                (
                    format!(
                        "{failed} failed run{} left out",
                        if failed == 1 { "" } else { "s" }
                    ),
                    list("points_without_rows"),
                )
            }
            Kind::Run => return None,
        };
        if !empty.is_empty() {
            note.push_str(&format!(
                "; no rows at point{} {}",
                if empty.len() == 1 { "" } else { "s" },
                empty.join(", ")
            ));
        }
        let unpaired = list("replicates_left_out");
        if !unpaired.is_empty() {
            note.push_str(&format!(
                " (replicate{} {} of both points)",
                if unpaired.len() == 1 { "" } else { "s" },
                unpaired.join(", ")
            ));
        }
        Some(note)
    }
}

/// Reads what `dir` is. An error naming the path if it is not a folder nqpsim wrote: no
/// such folder, a manifest that is not JSON or names another command, or (without a
/// manifest) none of `trajectories.csv`, `summary.csv` or `effects.csv`.
pub fn detect(dir: &Path) -> Result<Folder, Error> {
    let not_ours = |path: PathBuf, reason: String| Error::Results { path, reason };
    if !dir.is_dir() {
        return Err(not_ours(
            dir.to_path_buf(),
            "no such folder: give the output folder of `nqpsim run`, `sweep` or `compare`".into(),
        ));
    }
    let manifest_path = dir.join("manifest.json");
    let fallback_name = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string());
    let (kind, manifest) = if manifest_path.is_file() {
        let text = std::fs::read_to_string(&manifest_path).map_err(|source| OutputError {
            path: manifest_path.clone(),
            source,
        })?;
        let manifest: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| not_ours(manifest_path.clone(), format!("not JSON: {e}")))?;
        let command = manifest.get("command").and_then(|c| c.as_str());
        let kind = match command {
            Some("run") => Kind::Run,
            Some("sweep" | "merge") => Kind::Sweep,
            Some("compare") => Kind::Comparison,
            Some("discover") => Kind::Discovery,
            other => {
                return Err(not_ours(
                    manifest_path,
                    format!(
                        "`command` is {}: `nqpsim plot` draws the folders of `run`, `sweep`, `merge`, `compare` and `discover`",
                        other.map_or_else(|| "missing".to_string(), |c| format!("`{c}`"))
                    ),
                ));
            }
        };
        (kind, Some(manifest))
    } else if dir.join("boxes.csv").is_file() {
        (Kind::Discovery, None)
    } else if dir.join("effects.csv").is_file() {
        (Kind::Comparison, None)
    } else if dir.join("summary.csv").is_file() {
        (Kind::Sweep, None)
    } else if dir.join("trajectories.csv").is_file() {
        (Kind::Run, None)
    } else {
        return Err(not_ours(
            dir.to_path_buf(),
            "not an nqpsim output folder: no manifest.json, trajectories.csv, summary.csv or effects.csv".into(),
        ));
    };
    let mut folder = Folder {
        path: dir.to_path_buf(),
        kind,
        name: fallback_name,
        manifest,
    };
    let key = match kind {
        Kind::Run => "scenario_name",
        Kind::Sweep => "plan_name",
        Kind::Comparison => "policy",
        Kind::Discovery => "name",
    };
    if let Some(name) = folder.field(key) {
        folder.name = name.to_string();
    }
    Ok(folder)
}

pub use crate::analysis::outcome::{Outcome, StepChoice};

/// What to draw.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Outcomes of sweeps (empty: `tfp_index` of `all`, and of every sector when there are at
    /// most [`MAX_SECTOR_LINES`], at the last step). Runs and comparisons ignore them.
    pub outcomes: Vec<Outcome>,
}

/// A chart and the file name it is written under (without extension).
#[derive(Clone, Debug)]
pub struct Figure {
    /// File stem, e.g. `tfp_index`.
    pub name: String,
    /// The chart.
    pub chart: Chart,
}

/// Which files to write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// `NAME.svg`.
    Svg,
    /// `NAME.png`.
    Png,
    /// Both.
    #[default]
    Both,
}

/// The figures of `folder`. Those of an interrupted run (its manifest's status) say so first
/// in their subtitle: `interrupted: 2 of 5 replicates`; those of a sweep with failed runs,
/// or of an analysis that left them out, say how many ([`Folder::left_out`]).
pub fn figures(folder: &Folder, options: &Options) -> Result<Vec<Figure>, Error> {
    let mut all = match folder.kind {
        Kind::Run => run::figures(folder)?,
        Kind::Sweep => {
            let mut all = sweep::figures(folder, &options.outcomes)?;
            all.extend(layout::figures(folder)?);
            all.extend(sensitivity::figures(folder)?);
            all
        }
        Kind::Comparison => compare::figures(folder)?,
        Kind::Discovery => discovery::figures(folder)?,
    };
    for note in [folder.left_out(), folder.interrupted()]
        .into_iter()
        .flatten()
    {
        for figure in &mut all {
            let subtitle = figure.chart.subtitle_mut();
            *subtitle = if subtitle.is_empty() {
                note.clone()
            } else {
                format!("{note}; {subtitle}")
            };
        }
    }
    Ok(all)
}

/// The list, in `plots/`, of the files that `nqpsim plot` wrote there, one name a line: the
/// only files a later plot removes as stale. Hidden, like the folder's lock.
pub const FIGURE_LIST: &str = ".nqpsim-figures";

/// What [`write()`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Written {
    /// The figures written, in order.
    pub files: Vec<PathBuf>,
    /// Stale figures removed: files that an earlier `nqpsim plot` wrote into the same
    /// `plots/` (named in its [`FIGURE_LIST`]) and that this one did not write.
    pub removed: Vec<PathBuf>,
}

/// Writes `figures` into `folder/plots/` (created if needed) as `NAME.svg` and/or `NAME.png`,
/// and removes the stale figures of an earlier plot: the files named in `plots/`
/// [`FIGURE_LIST`] that are not written now (another `--outcome`, `--format`, or a folder
/// whose axes changed). A file nqpsim did not write there is never removed; the list is
/// rewritten before any figure is written, so a plot that fails half-way leaves every
/// figure it wrote listed. The folder is locked as the commands that write it lock it, so no
/// run or sweep starts writing it while it is read and drawn; the lock is refused (exit 2)
/// if one is writing it now.
pub fn write(folder: &Folder, figures: &[Figure], format: Format) -> Result<Written, Error> {
    let _lock = OutputFolder::take_with(&folder.path, &|_| true, false)?;
    let dir = folder.path.join(PLOTS_DIR);
    std::fs::create_dir_all(&dir).map_err(|source| OutputError {
        path: dir.clone(),
        source,
    })?;
    let mut names = Vec::new();
    for figure in figures {
        if matches!(format, Format::Svg | Format::Both) {
            names.push(format!("{}.svg", figure.name));
        }
        if matches!(format, Format::Png | Format::Both) {
            names.push(format!("{}.png", figure.name));
        }
    }
    let list = dir.join(FIGURE_LIST);
    let earlier = read_list(&list)?;
    let mut both = earlier.clone();
    both.extend(names.iter().filter(|n| !earlier.contains(n)).cloned());
    write_list(&list, &both)?;

    let mut written = Written::default();
    for figure in figures {
        if matches!(format, Format::Svg | Format::Both) {
            let path = dir.join(format!("{}.svg", figure.name));
            write_svg(&figure.chart, &path)?;
            written.files.push(path);
        }
        if matches!(format, Format::Png | Format::Both) {
            let path = dir.join(format!("{}.png", figure.name));
            write_png(&figure.chart, &path)?;
            written.files.push(path);
        }
    }
    for name in earlier.iter().filter(|n| !names.contains(n)) {
        let path = dir.join(name);
        // Only a plain file of the list: never a folder, a link or a path elsewhere.
        let plain = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
        if !is_figure_name(name) || !plain {
            continue;
        }
        match std::fs::remove_file(&path) {
            Ok(()) => written.removed.push(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(OutputError { path, source }.into()),
        }
    }
    write_list(&list, &names)?;
    Ok(written)
}

/// Whether `name` could be a figure `write` wrote: a plain `.svg` or `.png` file name in
/// `plots/` itself.
fn is_figure_name(name: &str) -> bool {
    !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && (name.ends_with(".svg") || name.ends_with(".png"))
}

/// The names in the figure list at `path` (none if there is no list).
fn read_list(path: &Path) -> Result<Vec<String>, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(OutputError {
            path: path.to_path_buf(),
            source,
        }
        .into()),
    }
}

/// Writes the figure list at `path` (atomically).
fn write_list(path: &Path, names: &[String]) -> Result<(), Error> {
    let mut text = String::new();
    for name in names {
        text.push_str(name);
        text.push('\n');
    }
    crate::output::atomic::write_file(path, text.as_bytes())?;
    Ok(())
}

/// How a metric is named in titles and on axes.
pub(crate) struct MetricText {
    /// In a sentence: `TFP index`.
    pub name: String,
    /// On a y axis, with the unit: `TFP index (step 0 = 1)`.
    pub axis: String,
    /// Unit of a difference of two values: `index points`.
    pub difference: String,
}

/// Names and units of the metrics (README, "Output"); a metric not listed is named by its
/// column.
pub(crate) fn metric_text(metric: &str) -> MetricText {
    let (name, axis, difference) = match metric {
        "tfp_index" => ("TFP index", "TFP index (step 0 = 1)", "index points"),
        "tfp_growth" => ("TFP growth", "TFP growth (% per year)", "percentage points"),
        "tfp" => ("TFP", "TFP (log, share-weighted)", "log points"),
        "output" => ("output", "output (total 1 at step 0)", "output units"),
        "output_share" => ("output share", "share of output", "share of output"),
        "employment" => ("employment", "employment (labour units)", "labour units"),
        "labour_productivity" => (
            "labour productivity",
            "output per labour unit",
            "output per labour unit",
        ),
        "digital_mean" => (
            "mean digital level",
            "mean digital level (0-1)",
            "digital level, 0-1",
        ),
        "green_mean" => (
            "mean green level",
            "mean green level (0-1)",
            "green level, 0-1",
        ),
        "emissions" => ("emissions", "emissions (emission units)", "emission units"),
        "emission_intensity" => (
            "emission intensity",
            "emissions per unit of output",
            "emissions per unit of output",
        ),
        "subsidy_total" => (
            "subsidy spending",
            "subsidies (output units)",
            "output units",
        ),
        "firms" => ("firms", "firms", "firms"),
        "entries" => ("entries", "entrants per year (firms)", "firms"),
        "exits" => ("exits", "exits per year (firms)", "firms"),
        "capacity_utilisation" => (
            "capacity utilisation",
            "capacity utilisation (output / capacity)",
            "utilisation, output / capacity",
        ),
        "idle_capacity" => (
            "planned excess capacity",
            "planned excess capacity (share of planned output)",
            "share of planned output",
        ),
        "contributions" => (
            "platform contributions",
            "firms' platform contributions (output units)",
            "output units",
        ),
        "platform_lift" => (
            "platform lift",
            "platform lift (log points of TFP)",
            "log points",
        ),
        "employment_low" => (
            "unskilled employment",
            "unskilled employment (labour units)",
            "labour units",
        ),
        "employment_high" => (
            "skilled employment",
            "skilled employment (labour units)",
            "labour units",
        ),
        "talent_shortage" => (
            "talent shortage",
            "talent shortage (share of the talent pools)",
            "share of the talent pools",
        ),
        "autonomy" => (
            "autonomy of key inputs",
            "autonomy (share of imported key inputs with a domestic substitute)",
            "share of imported key inputs",
        ),
        "supply_availability" => (
            "key-input availability",
            "availability of key inputs (share of needs)",
            "share of needs",
        ),
        "carbon_price" => (
            "carbon price",
            "carbon price, premium included (share of output per unit emission)",
            "share of output per unit emission",
        ),
        other => (other, other, other),
    };
    MetricText {
        name: name.into(),
        axis: axis.into(),
        difference: difference.into(),
    }
}

/// A sector as a legend shows it: `all` is the whole economy.
pub(crate) fn sector_text(sector: &str) -> String {
    if sector == "all" {
        "all sectors".into()
    } else {
        sector.into()
    }
}

/// `name` as part of a file name: letters, digits, `.`, `_` and `-` kept, the rest `_`.
pub(crate) fn file_part(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Distinct values of `items` in order of first appearance.
pub(crate) fn distinct<'a>(items: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for item in items {
        if seen.insert(item) {
            out.push(item.to_string());
        }
    }
    out
}

/// The type 7 quantile `p` of the finite values of `values` (NaN if there are none).
pub(crate) fn quantile(values: &[f64], p: f64) -> f64 {
    let mut finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return f64::NAN;
    }
    finite.sort_by(f64::total_cmp);
    crate::stats::quantile_sorted(&finite, p)
}

/// The mean of the finite values of `values` (NaN if there are none).
pub(crate) fn mean(values: &[f64]) -> f64 {
    crate::stats::mean(values.iter().copied().filter(|v| v.is_finite()))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn quantiles_and_means_leave_missing_values_out() {
        let v = [3.0, f64::NAN, 1.0, 2.0, f64::INFINITY];
        assert_eq!(quantile(&v, 0.5), 2.0);
        assert_eq!(quantile(&v, 0.05), 1.1);
        assert_eq!(mean(&v), 2.0);
        assert!(quantile(&[f64::NAN], 0.5).is_nan() && mean(&[]).is_nan());
    }

    #[test]
    fn file_names_keep_only_safe_characters() {
        assert_eq!(
            file_part("policy.rd_subsidy.traditional"),
            "policy.rd_subsidy.traditional"
        );
        assert_eq!(
            file_part("matrices.spillover[0][1]"),
            "matrices.spillover_0__1_"
        );
        assert_eq!(file_part("a/b c"), "a_b_c");
    }

    #[test]
    fn stale_figures_of_an_earlier_plot_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let folder = Folder {
            path: dir.path().to_path_buf(),
            kind: Kind::Run,
            name: "x".into(),
            manifest: None,
        };
        let figure = |name: &str| Figure {
            name: name.into(),
            chart: crate::plot::LineChart::default().into(),
        };
        let plots = dir.path().join(PLOTS_DIR);
        let first = write(&folder, &[figure("a"), figure("b")], Format::Both).unwrap();
        assert_eq!(first.files.len(), 4);
        assert!(first.removed.is_empty());
        assert_eq!(
            std::fs::read_to_string(plots.join(FIGURE_LIST)).unwrap(),
            "a.svg\na.png\nb.svg\nb.png\n"
        );
        // The user's files, one named like ours; a list that names files it must not touch.
        for name in ["mine.png", "notes.txt", "c.svg"] {
            std::fs::write(plots.join(name), "the user's").unwrap();
        }
        std::fs::write(dir.path().join("outside.svg"), "not in plots/").unwrap();
        std::fs::create_dir(plots.join("d.svg")).unwrap();
        let mut list = std::fs::read_to_string(plots.join(FIGURE_LIST)).unwrap();
        list.push_str("../outside.svg\nd.svg\n.nqpsim-figures\nnotes.txt\n");
        std::fs::write(plots.join(FIGURE_LIST), list).unwrap();

        let second = write(&folder, &[figure("a")], Format::Png).unwrap();
        assert_eq!(second.files, [plots.join("a.png")]);
        assert_eq!(
            second.removed,
            [
                plots.join("a.svg"),
                plots.join("b.svg"),
                plots.join("b.png")
            ]
        );
        for kept in [
            "a.png",
            "mine.png",
            "notes.txt",
            "c.svg",
            "d.svg",
            "../outside.svg",
        ] {
            assert!(plots.join(kept).exists(), "{kept}");
        }
        assert_eq!(
            std::fs::read_to_string(plots.join(FIGURE_LIST)).unwrap(),
            "a.png\n"
        );
    }

    #[test]
    fn an_interrupted_run_says_how_many_replicates_it_holds() {
        let folder = |manifest: &str| Folder {
            path: PathBuf::from("x"),
            kind: Kind::Run,
            name: "x".into(),
            manifest: Some(serde_json::from_str(manifest).unwrap()),
        };
        let run = r#"{"command": "run", "scenario": {"run": {"replicates": 5}},
            "run": {"status": "interrupted", "completed_replicates": [0, 1]}}"#;
        assert_eq!(
            folder(run).interrupted().as_deref(),
            Some("interrupted: 2 of 5 replicates")
        );
        let complete = run.replace("\"interrupted\"", "\"complete\"");
        assert_eq!(folder(&complete).interrupted(), None);
        assert_eq!(folder(r#"{"command": "run"}"#).interrupted(), None);
        assert_eq!(
            folder(r#"{"run": {"status": "interrupted"}}"#)
                .interrupted()
                .as_deref(),
            Some("interrupted")
        );
    }

    #[test]
    fn a_folder_is_told_by_its_manifest_or_its_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let e = detect(&d.join("missing")).unwrap_err().to_string();
        assert!(e.contains("missing") && e.contains("no such folder"), "{e}");
        let e = detect(d).unwrap_err().to_string();
        assert!(e.contains("not an nqpsim output folder"), "{e}");

        std::fs::write(d.join("trajectories.csv"), "scenario\n").unwrap();
        assert_eq!(detect(d).unwrap().kind, Kind::Run);
        std::fs::write(
            d.join("manifest.json"),
            r#"{"command": "compare", "base": "baseline", "policy": "rd-subsidy"}"#,
        )
        .unwrap();
        let f = detect(d).unwrap();
        assert_eq!((f.kind, f.name.as_str()), (Kind::Comparison, "rd-subsidy"));
        std::fs::write(d.join("manifest.json"), r#"{"command": "facts"}"#).unwrap();
        let e = detect(d).unwrap_err().to_string();
        assert!(e.contains("manifest.json") && e.contains("`facts`"), "{e}");
        std::fs::write(d.join("manifest.json"), "{").unwrap();
        let e = detect(d).unwrap_err().to_string();
        assert!(e.contains("manifest.json") && e.contains("not JSON"), "{e}");
    }
}
