//! Outcomes (`METRIC:SECTOR:STEP`) for every run of a sweep, read from its
//! `trajectories.csv` in one pass that keeps only those values (the file of a large sweep
//! holds every metric of every step: hundreds of megabytes); an outcome that names one of
//! model 2's regions instead of a sector (`output_share:northeast:last`) from its
//! `regions.csv`. Scenario discovery's targets and the sensitivity of a region's outcome read
//! them here.

use std::path::Path;

use crate::analysis::compare::TFP_GROWTH;
use crate::analysis::outcome::{Outcome, StepChoice};
use crate::error::Error;
use crate::sweep::run::{REGIONS, TRAJECTORIES};

/// The value of each outcome in each run.
#[derive(Debug)]
pub struct RunValues {
    /// Per outcome (in the order asked), the value of each run, `point * replicates +
    /// replicate`; NaN where it is NA.
    pub values: Vec<Vec<f64>>,
    /// Per outcome, the step it was read at (`last` resolved).
    pub steps: Vec<u32>,
    /// The sweep's last step.
    pub last: u32,
}

/// Not yet seen.
const NONE: u32 = u32::MAX;

/// One outcome being read.
struct Slot {
    /// The column read (`tfp` for `tfp_growth`).
    column: usize,
    growth: bool,
    /// Value and the step it is from, per run.
    value: Vec<f64>,
    at: Vec<u32>,
    /// `tfp` at step 0, per run, for `tfp_growth`.
    base: Vec<f64>,
}

/// Reads `outcomes` for runs `0..points x 0..replicates` of the sweep in `folder`: those
/// whose `SECTOR` names one of the regions of its `regions.csv` and none of its sectors from
/// that file, the others from its `trajectories.csv`, as [`read`] does; the values and steps
/// in the order asked.
pub fn read_sweep(
    folder: &Path,
    outcomes: &[(Outcome, String)],
    points: usize,
    replicates: u32,
    failed: &dyn Fn(usize) -> bool,
) -> Result<RunValues, Error> {
    let names = RowNames::of(folder)?;
    for (outcome, flag) in outcomes {
        names.check(outcome, flag)?;
    }
    let of_region = |o: &Outcome| names.is_region(o);
    let (by_region, by_sector): (Vec<_>, Vec<_>) =
        outcomes.iter().cloned().partition(|(o, _)| of_region(o));
    let from_sectors = if by_sector.is_empty() && !by_region.is_empty() {
        None
    } else {
        Some(read(
            &folder.join(TRAJECTORIES),
            &by_sector,
            points,
            replicates,
            failed,
        )?)
    };
    let from_regions = if by_region.is_empty() {
        None
    } else {
        Some(read(
            &folder.join(REGIONS),
            &by_region,
            points,
            replicates,
            failed,
        )?)
    };
    let last = [&from_sectors, &from_regions]
        .into_iter()
        .flatten()
        .map(|r| r.last)
        .max()
        .unwrap_or(0);
    // each part's outcomes, in the order asked
    let parts = |read: Option<RunValues>| {
        read.into_iter()
            .flat_map(|r| r.values.into_iter().zip(r.steps))
    };
    let (mut of_sectors, mut of_regions) = (parts(from_sectors), parts(from_regions));
    let mut out = RunValues {
        values: Vec::with_capacity(outcomes.len()),
        steps: Vec::with_capacity(outcomes.len()),
        last,
    };
    for (outcome, _) in outcomes {
        let part = if of_region(outcome) {
            &mut of_regions
        } else {
            &mut of_sectors
        };
        let (values, step) = part.next().expect("one read per outcome");
        out.values.push(values);
        out.steps.push(step);
    }
    Ok(out)
}

/// The sectors and the regions of a sweep, read from the heads of its `trajectories.csv` and
/// `regions.csv`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RowNames {
    /// The sectors, then `all`.
    pub sectors: Vec<String>,
    /// Model 2's regions (none without them).
    pub regions: Vec<String>,
}

impl RowNames {
    /// The sectors and regions of the sweep in `folder`.
    pub fn of(folder: &Path) -> Result<RowNames, Error> {
        Ok(RowNames {
            sectors: row_names(&folder.join(TRAJECTORIES), "sector")?,
            regions: row_names(&folder.join(REGIONS), "region")?,
        })
    }

    /// Whether `outcome` names a region and no sector: it is read from `regions.csv`.
    pub fn is_region(&self, outcome: &Outcome) -> bool {
        self.regions.contains(&outcome.sector) && !self.sectors.contains(&outcome.sector)
    }

    /// Where the sweep has regions, an error naming `flag` if `outcome` names neither a
    /// sector nor a region (listing both); without regions, the reader of the sectors' file
    /// says it.
    pub fn check(&self, outcome: &Outcome, flag: &str) -> Result<(), Error> {
        if self.regions.is_empty()
            || self.regions.contains(&outcome.sector)
            || self.sectors.contains(&outcome.sector)
        {
            return Ok(());
        }
        Err(Error::BadArgument {
            flag: flag.to_string(),
            message: format!(
                "the sweep has no sector or region `{}`: its sectors are {} (trajectories.csv), \
                 its regions {} (regions.csv)",
                outcome.sector,
                self.sectors.join(", "),
                self.regions.join(", ")
            ),
        })
    }
}

/// The names in column `column` of a sweep's `trajectories.csv` (`sector`) or `regions.csv`
/// (`region`): those of its first run's step 0, read from the head of the file; none where
/// there is no such file (model 2's regions off, or `--summary-only`).
pub fn row_names(path: &Path, column: &str) -> Result<Vec<String>, Error> {
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let (mut reader, header) = open(path)?;
    let (c_step, c_name) = (
        position(path, &header, "step")?,
        position(path, &header, column)?,
    );
    let mut names = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| results(path, e.to_string()))?;
        let name = record.get(c_name).unwrap_or("");
        if record.get(c_step) != Some("0") || names.iter().any(|n| n == name) {
            break;
        }
        names.push(name.to_string());
    }
    Ok(names)
}

/// The error about the file at `path`.
fn results(path: &Path, reason: String) -> Error {
    Error::Results {
        path: path.to_path_buf(),
        reason,
    }
}

/// The CSV file at `path` opened for reading, and its header.
fn open(path: &Path) -> Result<(csv::Reader<std::fs::File>, Vec<String>), Error> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| results(path, e.to_string()))?;
    let header = reader
        .headers()
        .map_err(|e| results(path, e.to_string()))?
        .iter()
        .map(String::from)
        .collect();
    Ok((reader, header))
}

/// The position of column `name` in `header`, the header of the file at `path`.
fn position(path: &Path, header: &[String], name: &str) -> Result<usize, Error> {
    header
        .iter()
        .position(|c| c == name)
        .ok_or_else(|| results(path, format!("has no column `{name}`")))
}

/// Reads `outcomes` from `path` for runs `0..points x 0..replicates`. Each outcome comes
/// with the flag to name in an error about it (`--target ...`). A run for which `failed`
/// is true (it failed in the sweep, so it has no rows) may be missing: its values are NaN.
/// The file is a `trajectories.csv` (rows named by `sector`, the metrics after `tier`) or a
/// `regions.csv` (rows named by `region`, the metrics after it but `backed`).
///
/// Errors: [`Error::BadArgument`] (naming the flag) for a metric, sector or region the file
/// does not have (listing those it has), a step beyond the last, `tfp_growth` at step 0;
/// [`Error::Results`] (naming the file and line) for a file without the identifying columns,
/// a field that does not parse, a point or replicate the sweep does not have, or a run
/// without the row an outcome needs.
pub fn read(
    path: &Path,
    outcomes: &[(Outcome, String)],
    points: usize,
    replicates: u32,
    failed: &dyn Fn(usize) -> bool,
) -> Result<RunValues, Error> {
    let results = |reason: String| results(path, reason);
    if !path.is_file() {
        return Err(results(
            "no such file: the sweep's per-run results are missing (was it run with \
             --summary-only?)"
                .into(),
        ));
    }
    let (mut reader, header) = open(path)?;
    let column = |name: &str| position(path, &header, name);
    let (c_point, c_replicate, c_step) = (column("point")?, column("replicate")?, column("step")?);
    // The rows and their metrics: the columns after the identifying ones (`... sector,
    // tier`), or after `region` but the sectors it backs.
    let (rows, c_sector, metric_columns) = if header.iter().any(|c| c == "region") {
        let c = column("region")?;
        ("region", c, c + 1..column("backed")?)
    } else {
        (
            "sector",
            column("sector")?,
            column("tier")? + 1..header.len(),
        )
    };
    let first_metric = metric_columns.start;
    let runs = points * replicates as usize;
    let mut slots = Vec::with_capacity(outcomes.len());
    for (outcome, flag) in outcomes {
        let growth = outcome.metric == TFP_GROWTH;
        let wanted = if growth {
            "tfp"
        } else {
            outcome.metric.as_str()
        };
        let Some(c) = header[metric_columns.clone()]
            .iter()
            .position(|h| h == wanted)
        else {
            let mut metrics: Vec<&str> = header[metric_columns.clone()]
                .iter()
                .map(String::as_str)
                .collect();
            metrics.push(TFP_GROWTH);
            return Err(Error::BadArgument {
                flag: flag.clone(),
                message: format!(
                    "{} has no metric `{}`; it has {}",
                    path.display(),
                    outcome.metric,
                    metrics.join(", ")
                ),
            });
        };
        if growth && outcome.step == StepChoice::Number(0) {
            return Err(Error::BadArgument {
                flag: flag.clone(),
                message: "tfp_growth is the yearly growth since step 0, which has none at step 0: \
                          name a later step or `last`"
                    .into(),
            });
        }
        slots.push(Slot {
            column: first_metric + c,
            growth,
            value: vec![f64::NAN; runs],
            at: vec![NONE; runs],
            base: if growth {
                vec![f64::NAN; runs]
            } else {
                Vec::new()
            },
        });
    }

    let mut sectors: Vec<String> = Vec::new();
    let mut run_last = vec![NONE; runs];
    let mut record = csv::ByteRecord::new();
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| results(e.to_string()))?
    {
        let line = record.position().map_or(0, |p| p.line());
        let field = |c: usize| std::str::from_utf8(record.get(c).unwrap_or(b"")).unwrap_or("");
        let whole = |c: usize| -> Result<u64, Error> {
            field(c).parse().map_err(|_| {
                results(format!(
                    "line {line}, column `{}`: `{}` is not a whole number",
                    header[c],
                    field(c)
                ))
            })
        };
        let (point, replicate, step) = (whole(c_point)?, whole(c_replicate)?, whole(c_step)?);
        if point >= points as u64 || replicate >= u64::from(replicates) {
            return Err(results(format!(
                "line {line}: point {point}, replicate {replicate}, but the sweep's manifest \
                 records {points} points of {replicates} replicates"
            )));
        }
        let run = point as usize * replicates as usize + replicate as usize;
        let step = u32::try_from(step)
            .ok()
            .filter(|&s| s != NONE)
            .ok_or_else(|| results(format!("line {line}: step {step} is out of range")))?;
        if run_last[run] == NONE || step > run_last[run] {
            run_last[run] = step;
        }
        let sector = field(c_sector);
        if !sectors.iter().any(|s| s == sector) {
            sectors.push(sector.to_string());
        }
        for ((outcome, _), slot) in outcomes.iter().zip(&mut slots) {
            if outcome.sector != sector {
                continue;
            }
            let keep = match outcome.step {
                StepChoice::Number(s) => step == s,
                StepChoice::Last => slot.at[run] == NONE || step > slot.at[run],
            };
            let at_zero = slot.growth && step == 0;
            if !keep && !at_zero {
                continue;
            }
            let text = field(slot.column);
            let value = if text.is_empty() || text == "NA" {
                f64::NAN
            } else {
                text.parse().map_err(|_| {
                    results(format!(
                        "line {line}, column `{}`: `{text}` is not a number",
                        header[slot.column]
                    ))
                })?
            };
            if at_zero {
                slot.base[run] = value;
            }
            if keep {
                slot.value[run] = value;
                slot.at[run] = step;
            }
        }
    }

    if let Some(run) = (0..runs).find(|&run| run_last[run] == NONE && !failed(run)) {
        return Err(results(format!(
            "has no rows for point {}, replicate {}: the sweep's results are incomplete",
            run / replicates as usize,
            run % replicates as usize
        )));
    }
    let last = run_last
        .iter()
        .copied()
        .filter(|&s| s != NONE)
        .max()
        .unwrap_or(0);
    let mut values = Vec::with_capacity(slots.len());
    let mut steps = Vec::with_capacity(slots.len());
    for ((outcome, flag), mut slot) in outcomes.iter().zip(slots) {
        if !sectors.contains(&outcome.sector) {
            return Err(Error::BadArgument {
                flag: flag.clone(),
                message: format!(
                    "{} has no {rows} `{}`; it has {}",
                    path.display(),
                    outcome.sector,
                    sectors.join(", ")
                ),
            });
        }
        let step = match outcome.step {
            StepChoice::Last => last,
            StepChoice::Number(s) if s <= last => s,
            StepChoice::Number(s) => {
                return Err(Error::BadArgument {
                    flag: flag.clone(),
                    message: format!(
                        "step {s} is beyond the sweep's last step, {last} (steps run from 0, \
                         the initial state; `last` names the last)"
                    ),
                });
            }
        };
        if slot.growth && step == 0 {
            return Err(Error::BadArgument {
                flag: flag.clone(),
                message: "the sweep's last step is 0, where tfp_growth has no value".into(),
            });
        }
        if let Some(run) = (0..runs).find(|&run| slot.at[run] != step && !failed(run)) {
            return Err(results(format!(
                "has no row for point {}, replicate {}, {rows} `{}` at step {step}: the run \
                 ends at step {} (or the {rows} is missing there)",
                run / replicates as usize,
                run % replicates as usize,
                outcome.sector,
                run_last[run]
            )));
        }
        if slot.growth {
            // NA at step 0 or at `step` (a sector without firms) stays NA.
            for (value, base) in slot.value.iter_mut().zip(&slot.base) {
                *value = 100.0 * (*value - base) / f64::from(step);
            }
        }
        values.push(slot.value);
        steps.push(step);
    }
    Ok(RunValues {
        values,
        steps,
        last,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `trajectories.csv` of 2 points x 2 replicates, steps 0..=2, sectors `a` and `all`:
    /// `tfp` = (point + 1) (replicate + 1) step / 100, `emissions` = point + replicate + step,
    /// NA for sector `a` of point 1 at step 2.
    fn file() -> tempfile::NamedTempFile {
        let mut text =
            String::from("scenario,point,replicate,seed,step,year,sector,tier,tfp,emissions\n");
        for point in 0..2 {
            for replicate in 0..2 {
                for step in 0..=2 {
                    for sector in ["a", "all"] {
                        let tfp = ((point + 1) * (replicate + 1) * step) as f64 / 100.0;
                        let e = if point == 1 && step == 2 && sector == "a" {
                            String::new()
                        } else {
                            (point + replicate + step).to_string()
                        };
                        text.push_str(&format!(
                            "s,{point},{replicate},7,{step},{},{sector},{sector},{tfp},{e}\n",
                            2024 + step
                        ));
                    }
                }
            }
        }
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    fn outcome(text: &str) -> (Outcome, String) {
        (text.parse().unwrap(), format!("--target {text}>=0"))
    }

    #[test]
    fn outcomes_are_read_per_run_with_last_resolved_and_growth_derived() {
        let f = file();
        let read = read(
            f.path(),
            &[
                outcome("emissions:all:last"),
                outcome("emissions:a:2"),
                outcome("tfp_growth:all:last"),
                outcome("tfp:all:1"),
            ],
            2,
            2,
            &|_| false,
        )
        .unwrap();
        assert_eq!(read.last, 2);
        assert_eq!(read.steps, [2, 2, 2, 1]);
        assert_eq!(read.values[0], [2.0, 3.0, 3.0, 4.0]);
        assert_eq!(read.values[1][..2], [2.0, 3.0]);
        assert!(
            read.values[1][2..].iter().all(|v| v.is_nan()),
            "NA stays NA"
        );
        // 100 (tfp_2 - tfp_0) / 2 = (point + 1)(replicate + 1)
        for (got, want) in read.values[2].iter().zip([1.0, 2.0, 2.0, 4.0]) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        assert_eq!(read.values[3], [0.01, 0.02, 0.02, 0.04]);
    }

    #[test]
    fn a_sweep_reads_a_regions_outcomes_from_regions_csv_and_its_sectors_from_trajectories() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(file().path(), dir.path().join(TRAJECTORIES)).unwrap();
        // regions `north` (output_share 0.1 + point / 10 + step / 100) and `south`, and the
        // sectors each backs, which is not a number column
        let mut text = String::from(
            "scenario,point,replicate,seed,step,year,region,firms,output_share,tfp,backed\n",
        );
        for point in 0..2 {
            for replicate in 0..2 {
                for step in 0..=2 {
                    for (k, region) in ["north", "south"].iter().enumerate() {
                        let share = 0.1 + f64::from(point) / 10.0 + f64::from(step) / 100.0;
                        text.push_str(&format!(
                            "s,{point},{replicate},7,{step},{},{region},{},{share},{},a\n",
                            2024 + step,
                            10 + k,
                            f64::from(step) / 10.0
                        ));
                    }
                }
            }
        }
        std::fs::write(dir.path().join(REGIONS), text).unwrap();
        assert_eq!(
            row_names(&dir.path().join(REGIONS), "region").unwrap(),
            ["north", "south"]
        );
        let read = read_sweep(
            dir.path(),
            &[
                outcome("output_share:north:last"),
                outcome("emissions:all:last"),
                outcome("tfp_growth:south:2"),
            ],
            2,
            2,
            &|_| false,
        )
        .unwrap();
        assert_eq!(read.steps, [2, 2, 2]);
        let share = |point: u32| 0.1 + f64::from(point) / 10.0 + 2.0 / 100.0;
        assert_eq!(read.values[0], [share(0), share(0), share(1), share(1)]);
        assert_eq!(
            read.values[1],
            [2.0, 3.0, 3.0, 4.0],
            "from trajectories.csv"
        );
        // 100 (0.2 - 0) / 2
        assert!(read.values[2].iter().all(|v| (v - 10.0).abs() < 1e-12));
        let error = |text: &str| {
            read_sweep(dir.path(), &[outcome(text)], 2, 2, &|_| false)
                .unwrap_err()
                .to_string()
        };
        let e = error("backed:north:1");
        assert!(
            e.contains("no metric `backed`; it has firms, output_share, tfp, tfp_growth"),
            "{e}"
        );
        let e = error("tfp:west:1");
        assert!(
            e.contains(
                "no sector or region `west`: its sectors are a, all (trajectories.csv), \
                        its regions north, south (regions.csv)"
            ),
            "{e}"
        );
    }

    #[test]
    fn unknown_metrics_sectors_and_steps_are_refused_naming_the_flag() {
        let f = file();
        let error = |text: &str| {
            read(f.path(), &[outcome(text)], 2, 2, &|_| false)
                .unwrap_err()
                .to_string()
        };
        let e = error("output:all:1");
        assert!(
            e.contains("--target output:all:1>=0")
                && e.contains("no metric `output`; it has tfp, emissions, tfp_growth"),
            "{e}"
        );
        let e = error("tfp:b:1");
        assert!(e.contains("no sector `b`; it has a, all"), "{e}");
        let e = error("tfp:all:3");
        assert!(
            e.contains("step 3 is beyond the sweep's last step, 2"),
            "{e}"
        );
        let e = error("tfp_growth:all:0");
        assert!(e.contains("none at step 0"), "{e}");
        let e = read(f.path(), &[outcome("tfp:all:1")], 3, 2, &|_| false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no rows for point 2, replicate 0"), "{e}");
        // unless the sweep lists those runs as failed: then they are NaN
        let read3 = read(f.path(), &[outcome("tfp:all:1")], 3, 2, &|run| run >= 4).unwrap();
        assert_eq!(read3.last, 2);
        assert_eq!(read3.values[0][..4], [0.01, 0.02, 0.02, 0.04]);
        assert!(read3.values[0][4..].iter().all(|v| v.is_nan()));
        let e = read(f.path(), &[outcome("tfp:all:1")], 2, 1, &|_| false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 8: point 0, replicate 1"), "{e}");
    }
}
