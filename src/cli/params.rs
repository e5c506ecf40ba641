//! `nqpsim params`: every parameter and lever with its default, unit and meaning.

use std::fmt::Write as _;

use clap::Args;

use super::EXIT_OK;
use crate::model::levers::{LEVERS, Scope};
use crate::model::params::{ModelParams, SectorParams, Tier};
use crate::scenario::validate::DEFAULT_RUN;

/// Options of `nqpsim params`.
#[derive(Debug, Args, Clone, Default)]
pub struct ParamsArgs {
    /// Print a Markdown table (for documentation) instead of plain text
    #[arg(long)]
    pub markdown: bool,
}

struct Line {
    path: String,
    symbol: &'static str,
    default: String,
    unit: &'static str,
    range: &'static str,
    doc: &'static str,
}

/// Runs `nqpsim params`.
pub fn execute(args: ParamsArgs) -> anyhow::Result<i32> {
    let mut sections: Vec<(&str, Vec<Line>)> = Vec::new();
    let r = DEFAULT_RUN;
    let run_lines = [
        (
            "steps",
            r.steps.to_string(),
            "years",
            ">= 1",
            "Steps after step 0",
        ),
        (
            "firms",
            r.firms.to_string(),
            "firms",
            ">= 1",
            "Initial number of firms",
        ),
        (
            "replicates",
            r.replicates.to_string(),
            "runs",
            ">= 1",
            "Replicates (independent draws, same seed)",
        ),
        (
            "seed",
            r.seed.to_string(),
            "",
            "0 to 2^63 - 1",
            "Scenario seed",
        ),
        (
            "start_year",
            r.start_year.to_string(),
            "year",
            "any integer",
            "Calendar year of step 0",
        ),
    ];
    sections.push((
        "[run] run settings",
        run_lines
            .into_iter()
            .map(|(n, d, u, range, doc)| Line {
                path: format!("run.{n}"),
                symbol: "",
                default: d,
                unit: u,
                range,
                doc,
            })
            .collect(),
    ));
    sections.push((
        "[model] global parameters (docs/model.md section 3)",
        ModelParams::INFO
            .iter()
            .zip(ModelParams::DEFAULTS)
            .map(|(i, d)| Line {
                path: format!("model.{}", i.name),
                symbol: i.symbol,
                default: d.to_string(),
                unit: i.unit,
                range: i.range.notation(),
                doc: i.doc.trim(),
            })
            .collect(),
    ));
    sections.push((
        "[sectors.NAME] per-sector parameters; defaults by tier: traditional / emerging / future",
        SectorParams::INFO
            .iter()
            .enumerate()
            .map(|(k, i)| {
                let d = SectorParams::tier_defaults(k);
                Line {
                    path: format!("sectors.NAME.{}", i.name),
                    symbol: i.symbol,
                    default: Tier::ALL
                        .iter()
                        .map(|t| d[t.index()].to_string())
                        .collect::<Vec<_>>()
                        .join(" / "),
                    unit: i.unit,
                    range: i.range.notation(),
                    doc: i.doc.trim(),
                }
            })
            .collect(),
    ));
    sections.push((
        "[policy] levers (docs/model.md section 4); per-sector levers take a number or { sector = number }, per-region levers a number or { region = number }",
        LEVERS
            .iter()
            .map(|l| Line {
                path: match l.scope {
                    Scope::Sector => format!("policy.{}.NAME", l.name),
                    Scope::Region => format!("policy.{}.REGION", l.name),
                    Scope::Global => format!("policy.{}", l.name),
                },
                symbol: "",
                default: l.default_text(),
                unit: l.unit,
                range: if l.is_choice() { "a choice" } else { l.range.notation() },
                doc: l.doc,
            })
            .collect(),
    ));
    let mut out = String::new();
    if args.markdown {
        for (title, lines) in &sections {
            writeln!(
                out,
                "### {title}\n\n| field | symbol | default | unit | allowed | meaning |\n|---|---|---|---|---|---|"
            )?;
            for l in lines {
                writeln!(
                    out,
                    "| `{}` | {} | {} | {} | {} | {} |",
                    l.path,
                    l.symbol,
                    l.default,
                    cell(l.unit),
                    cell(l.range),
                    cell(l.doc)
                )?;
            }
            writeln!(out)?;
        }
    } else {
        for (title, lines) in &sections {
            writeln!(out, "{title}")?;
            for l in lines {
                let symbol = if l.symbol.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", l.symbol)
                };
                writeln!(
                    out,
                    "  {}{symbol} = {}  [{}; {}]",
                    l.path, l.default, l.unit, l.range
                )?;
                writeln!(out, "      {}", l.doc)?;
            }
            writeln!(out)?;
        }
    }
    super::print(&out)?;
    Ok(EXIT_OK)
}

/// A Markdown table cell: `|` escaped.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}
