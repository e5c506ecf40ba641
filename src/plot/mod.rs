//! Charts as files: line charts with interval bands, stacked areas, grouped bars and
//! scatters with rectangles, written as SVG or PNG.
//!
//! A chart is a plain description ([`LineChart`], [`StackedArea`], [`BarChart`],
//! [`ScatterChart`]); this module
//! lays it out once (margins measured from the text, round-number ticks, a legend right of
//! the plot when there are several series, the colour-blind-safe Okabe-Ito palette,
//! translucent bands for intervals) and draws that layout as SVG ([`write_svg`]) or PNG
//! ([`write_png`]). Files are written atomically; the same chart gives the same bytes.
//!
//! ```
//! use nqpsim::plot::{Chart, Intervals, LineChart, Series, render_svg, write_svg};
//!
//! let years: Vec<f64> = (0..=30).map(f64::from).collect();
//! let median: Vec<f64> = years.iter().map(|t| 1.03_f64.powf(*t)).collect();
//! let chart = Chart::Line(LineChart {
//!     title: "TFP index, emerging industries".into(),
//!     subtitle: "median over 20 replicates, band: 5th to 95th percentile".into(),
//!     x_label: "year".into(),
//!     y_label: "TFP index (year 0 = 1)".into(),
//!     series: vec![Series {
//!         label: "emerging".into(),
//!         band: Some((
//!             median.iter().map(|m| m * 0.95).collect(),
//!             median.iter().map(|m| m * 1.05).collect(),
//!         )),
//!         x: years,
//!         y: median,
//!     }],
//!     reference_y: Some(1.0),
//!     intervals: Intervals::Bands,
//! });
//! let svg = render_svg(&chart);
//! assert!(svg.starts_with("<svg") && svg.contains("TFP index (year 0 = 1)"));
//!
//! let path = std::env::temp_dir().join(format!("nqpsim-doc-{}.svg", std::process::id()));
//! write_svg(&chart, &path).unwrap();
//! # std::fs::remove_file(&path).unwrap();
//! ```
//!
//! Missing values are allowed: a point whose x or y is NaN (or infinite) is not drawn, and
//! the line breaks there rather than join its neighbours across the gap; a band breaks where
//! its x, lower or upper value is missing; a stacked area where x or any layer is. Where
//! `x` and `y` differ in length the extra values are ignored. A chart with no finite data
//! is drawn with empty axes and the note "no data". Say what a band is (e.g. "p05-p95 of
//! 20 replicates") in the title, the subtitle or the y label. A line chart over a few x
//! values draws its intervals as whiskers ([`Intervals::Whiskers`]): markers with error bars,
//! each series shifted a few pixels, so that lines whose intervals overlap stay apart.
//!
//! # Why these crates
//!
//! The issue suggested plotters. We tried plotters 0.3.7: with only `svg_backend` it builds
//! fast and needs no system library, but measures text with a fixed guess (0.7 em a
//! character); PNG needs `bitmap_backend` + `bitmap_encoder` (which bring image 0.24, an old
//! release, with a JPEG decoder) and a font: the default `ttf` feature goes through font-kit
//! to fontconfig and freetype (system libraries, and font-kit is no longer maintained), the
//! pure-Rust `ab_glyph` feature wants a `&'static` font registered in a process-wide table,
//! and once that feature is on, SVG text needs the registered font too (drawing a caption
//! with none failed with `FontError(FontUnavailable)`). Its legend is drawn inside the plot
//! area, and ticks, slanted group names and margins would need working around the library.
//!
//! So the layout is our own (`src/plot/layout.rs`), a few hundred lines that decide exactly
//! what the tests check, and it is drawn by two small writers:
//! - SVG by hand: plain text, no dependency; text is left to the viewer's fonts.
//! - PNG by [tiny-skia](https://crates.io/crates/tiny-skia) 0.12 (linebender; a pure-Rust
//!   port of Skia's rasteriser, as used by resvg; its `png-format` feature brings the `png`
//!   crate with a pure-Rust deflate), with glyph outlines read by
//!   [ttf-parser](https://crates.io/crates/ttf-parser) 0.25 (no dependencies).
//!
//! Neither needs a system library or a network at build time. Built alone, clean, in debug on
//! two busy cores: 10 s (plotters: 3 s with SVG only, 17 s with PNG and `ab_glyph`); nothing
//! in an incremental build. The deflate crates behind PNG are optimised in the dev profile
//! (`Cargo.toml`): 6 s more CPU once, and this module's tests take 1.2 s instead of 9 s.
//!
//! # Fonts
//!
//! One font, compiled in: a 38 KB subset of DejaVu Sans (Latin, Greek, the signs of labels;
//! `assets/fonts/README.md` says how it was cut, `assets/fonts/LICENSE-DejaVu.txt` is its
//! license). Text is measured with it for the layout of both formats, and PNG text is drawn
//! from its outlines, so a PNG is the same on every machine, fonts installed or not. SVG files
//! ask the viewer for "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"; a viewer without
//! DejaVu Sans uses a font of similar width. In PNG charts a character outside the subset
//! (e.g. Chinese) is drawn as an empty box; SVG charts show it with the viewer's fonts.

pub mod figures;
mod font;
mod layout;
mod png;
mod scene;
mod svg;
mod ticks;

use std::io;
use std::path::Path;

use crate::error::{Error, OutputError};
use crate::output::atomic::write_file;

pub use ticks::{Ticks, nice_ticks};

/// One line of a [`LineChart`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    /// Legend label, e.g. the sector.
    pub label: String,
    /// x values (e.g. years), one per point.
    pub x: Vec<f64>,
    /// y values, one per x.
    pub y: Vec<f64>,
    /// optional (lower, upper) band drawn as a translucent area
    pub band: Option<(Vec<f64>, Vec<f64>)>,
}

/// How a [`LineChart`] draws the (lower, upper) intervals of its series.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Intervals {
    /// A translucent band between the bounds: for many x values (years).
    #[default]
    Bands,
    /// A marker at each point and a whisker from its lower to its upper bound, the series
    /// shifted a few pixels apart so that overlapping intervals stay told apart: for a few x
    /// values (the values of a sweep's axis).
    Whiskers,
}

/// Lines over a numeric x axis, with optional bands.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineChart {
    /// Title, above the plot.
    pub title: String,
    /// A second, smaller line under the title (what is drawn, how the interval is made,
    /// caveats); none when empty.
    pub subtitle: String,
    /// x axis label with its unit, e.g. `year`.
    pub x_label: String,
    /// y axis label with its unit, e.g. `TFP index (year 0 = 1)`.
    pub y_label: String,
    /// Lines in legend order; each gets the next colour of the palette.
    pub series: Vec<Series>,
    /// draw a horizontal reference line (e.g. 0 for effects, 1 for an index)
    pub reference_y: Option<f64>,
    /// How the series' bands are drawn.
    pub intervals: Intervals,
}

/// Areas stacked over a numeric x axis.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StackedArea {
    /// Title, above the plot.
    pub title: String,
    /// A second, smaller line under the title; none when empty.
    pub subtitle: String,
    /// x axis label with its unit.
    pub x_label: String,
    /// y axis label with its unit, e.g. `share of output`.
    pub y_label: String,
    /// x values, one per point.
    pub x: Vec<f64>,
    /// layers bottom to top, each (label, y values); e.g. output shares summing to 1
    pub layers: Vec<(String, Vec<f64>)>,
}

/// One bar of a [`BarChart`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bar {
    /// Group on the x axis, e.g. the lever.
    pub group: String,
    /// Series within the group, e.g. `first-order`; one colour per label.
    pub label: String,
    /// Height (from 0).
    pub value: f64,
    /// Optional (lower, upper) interval drawn as a whisker.
    pub interval: Option<(f64, f64)>,
}

/// Bars in groups.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BarChart {
    /// Title, above the plot.
    pub title: String,
    /// A second, smaller line under the title; none when empty.
    pub subtitle: String,
    /// y axis label with its unit.
    pub y_label: String,
    /// bars grouped by `group` (e.g. lever), one colour per `label` (e.g. first-order / total)
    pub bars: Vec<Bar>,
}

/// One set of markers of a [`ScatterChart`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Points {
    /// Legend label (none when empty).
    pub label: String,
    /// x values (group numbers 0, 1, ... when the chart has groups).
    pub x: Vec<f64>,
    /// y values, one per x.
    pub y: Vec<f64>,
    /// Index into the palette; `None`: grey, for the points that are background.
    pub colour: Option<usize>,
    /// Marker radius in pixels.
    pub radius: f64,
    /// Join the points in order with a thin line (a trajectory).
    pub joined: bool,
}

/// A rectangle in data coordinates behind the points of a [`ScatterChart`] (a box, a
/// range); an infinite side reaches the edge of the plot.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Span {
    /// Legend label (none when empty).
    pub label: String,
    /// From and to along x (group numbers: group `g` spans `g - 0.5` to `g + 0.5`).
    pub x: (f64, f64),
    /// From and to along y.
    pub y: (f64, f64),
    /// Index into the palette; `None`: grey.
    pub colour: Option<usize>,
    /// Filled (translucent) and outlined, or outlined only.
    pub filled: bool,
}

/// Markers over two numeric axes, or over named groups along x, with rectangles behind
/// them: scenario discovery's trade-off curves, box limits and pairwise scatters.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScatterChart {
    /// Title, above the plot.
    pub title: String,
    /// A second, smaller line under the title; none when empty.
    pub subtitle: String,
    /// x axis label with its unit.
    pub x_label: String,
    /// y axis label with its unit.
    pub y_label: String,
    /// Named groups along x (empty: a numeric x axis); x values are then group numbers.
    pub groups: Vec<String>,
    /// Sets of markers, drawn in order over the spans.
    pub series: Vec<Points>,
    /// Rectangles, drawn first.
    pub spans: Vec<Span>,
    /// A range the x axis shows even where there is no data (e.g. 0 to 1 for a share).
    pub x_range: Option<(f64, f64)>,
    /// A range the y axis shows even where there is no data.
    pub y_range: Option<(f64, f64)>,
    /// A dashed horizontal reference line.
    pub reference_y: Option<f64>,
}

/// Any chart this module draws.
#[derive(Clone, Debug, PartialEq)]
pub enum Chart {
    /// Lines with optional bands.
    Line(LineChart),
    /// Stacked areas.
    Stacked(StackedArea),
    /// Grouped bars.
    Bars(BarChart),
    /// Markers and rectangles.
    Scatter(ScatterChart),
}

impl Chart {
    /// The title.
    pub fn title(&self) -> &str {
        match self {
            Chart::Line(c) => &c.title,
            Chart::Stacked(c) => &c.title,
            Chart::Bars(c) => &c.title,
            Chart::Scatter(c) => &c.title,
        }
    }

    /// The subtitle (empty: none).
    pub fn subtitle(&self) -> &str {
        match self {
            Chart::Line(c) => &c.subtitle,
            Chart::Stacked(c) => &c.subtitle,
            Chart::Bars(c) => &c.subtitle,
            Chart::Scatter(c) => &c.subtitle,
        }
    }

    /// The subtitle, to change.
    pub fn subtitle_mut(&mut self) -> &mut String {
        match self {
            Chart::Line(c) => &mut c.subtitle,
            Chart::Stacked(c) => &mut c.subtitle,
            Chart::Bars(c) => &mut c.subtitle,
            Chart::Scatter(c) => &mut c.subtitle,
        }
    }
}

impl From<LineChart> for Chart {
    fn from(c: LineChart) -> Self {
        Chart::Line(c)
    }
}

impl From<StackedArea> for Chart {
    fn from(c: StackedArea) -> Self {
        Chart::Stacked(c)
    }
}

impl From<BarChart> for Chart {
    fn from(c: BarChart) -> Self {
        Chart::Bars(c)
    }
}

impl From<ScatterChart> for Chart {
    fn from(c: ScatterChart) -> Self {
        Chart::Scatter(c)
    }
}

/// `chart` as an SVG document.
pub fn render_svg(chart: &Chart) -> String {
    svg::render(&layout::layout(chart))
}

/// `chart` as a PNG file, at twice the SVG's size in pixels (800 x 500 becomes 1600 x 1000).
/// Fails only for a chart too large for an image (millions of bars).
pub fn render_png(chart: &Chart) -> io::Result<Vec<u8>> {
    png::render(&layout::layout(chart)).map_err(io::Error::other)
}

/// Writes `chart` as SVG to `path` (atomically); an error naming the path on failure.
pub fn write_svg(chart: &Chart, path: &Path) -> Result<(), Error> {
    write(path, render_svg(chart).as_bytes())
}

/// Writes `chart` as PNG to `path` (atomically); an error naming the path on failure. Every
/// build can: the rasteriser and the font are compiled in.
pub fn write_png(chart: &Chart, path: &Path) -> Result<(), Error> {
    let bytes = render_png(chart).map_err(|source| OutputError {
        path: path.to_path_buf(),
        source,
    })?;
    write(path, &bytes)
}

/// Writes atomically; the error names `path`, not the temporary file beside it.
fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_file(path, bytes).map_err(|e| OutputError {
        path: path.to_path_buf(),
        source: e.source,
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic stand-in for a run's median and p05/p95 across replicates.
    fn tfp_index() -> LineChart {
        let years: Vec<f64> = (0..=30).map(f64::from).collect();
        let sector = |label: &str, growth: f64, spread: f64| {
            let y: Vec<f64> = years.iter().map(|t| (1.0 + growth).powf(*t)).collect();
            let half = |t: f64| spread * (t / 30.0).sqrt();
            Series {
                label: label.into(),
                band: Some((
                    y.iter()
                        .zip(&years)
                        .map(|(v, t)| v * (1.0 - half(*t)))
                        .collect(),
                    y.iter()
                        .zip(&years)
                        .map(|(v, t)| v * (1.0 + half(*t)))
                        .collect(),
                )),
                x: years.clone(),
                y,
            }
        };
        LineChart {
            title: "TFP index by sector (median, band: p05-p95 of 20 replicates)".into(),
            x_label: "year".into(),
            y_label: "TFP index (year 0 = 1)".into(),
            series: vec![
                sector("traditional", 0.008, 0.04),
                sector("emerging", 0.025, 0.10),
                sector("future", 0.045, 0.25),
            ],
            reference_y: Some(1.0),
            ..LineChart::default()
        }
    }

    fn output_shares() -> StackedArea {
        let x: Vec<f64> = (0..=30).map(f64::from).collect();
        let future: Vec<f64> = x.iter().map(|t| 0.03 + 0.16 * t / 30.0).collect();
        let emerging: Vec<f64> = x
            .iter()
            .map(|t| 0.22 + 0.14 * (t / 30.0).powf(0.7))
            .collect();
        let traditional: Vec<f64> = future
            .iter()
            .zip(&emerging)
            .map(|(f, e)| 1.0 - f - e)
            .collect();
        StackedArea {
            title: "Output shares by sector".into(),
            x_label: "year".into(),
            y_label: "share of output".into(),
            x,
            layers: vec![
                ("traditional".into(), traditional),
                ("emerging".into(), emerging),
                ("future".into(), future),
            ],
            ..StackedArea::default()
        }
    }

    fn effect() -> LineChart {
        let x: Vec<f64> = (0..=30).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|t| 0.0012 * t - 0.00002 * t * t).collect();
        let half: Vec<f64> = x.iter().map(|t| 0.004 + 0.0006 * t).collect();
        LineChart {
            title: "Effect of the R&D subsidy on TFP growth (95% interval)".into(),
            x_label: "year".into(),
            y_label: "difference in TFP growth (percentage points)".into(),
            series: vec![Series {
                label: "rd_subsidy = 0.3 minus baseline".into(),
                band: Some((
                    y.iter().zip(&half).map(|(v, h)| v - h).collect(),
                    y.iter().zip(&half).map(|(v, h)| v + h).collect(),
                )),
                x,
                y,
            }],
            reference_y: Some(0.0),
            ..LineChart::default()
        }
    }

    fn sensitivity() -> BarChart {
        let levers = [
            ("rd_subsidy", 0.31, 0.42),
            ("digital_infrastructure", 0.18, 0.27),
            ("green_standard", 0.07, 0.15),
            ("data_sharing", 0.12, 0.22),
            ("talent_programme", 0.04, 0.06),
            ("market_entry", -0.01, 0.03),
        ];
        let mut bars = Vec::new();
        for (lever, first, total) in levers {
            bars.push(Bar {
                group: lever.into(),
                label: "first-order".into(),
                value: first,
                interval: Some((first - 0.04, first + 0.04)),
            });
            bars.push(Bar {
                group: lever.into(),
                label: "total".into(),
                value: total,
                interval: Some((total - 0.05, total + 0.05)),
            });
        }
        BarChart {
            title: "Sobol indices of TFP growth by lever (95% bootstrap intervals)".into(),
            y_label: "Sobol index (share of variance)".into(),
            bars,
            ..BarChart::default()
        }
    }

    /// A crowded chart: twelve sweep points with long labels, in the millions.
    fn many_points() -> LineChart {
        let x: Vec<f64> = (2025..=2060).map(f64::from).collect();
        let series = (0..12)
            .map(|p| Series {
                label: format!("point {p:02}: rd_subsidy = {:.2}", 0.05 * p as f64),
                y: x.iter()
                    .map(|t| 1.2e6 * (1.0 + 0.004 * p as f64).powf(t - 2025.0))
                    .collect(),
                x: x.clone(),
                band: None,
            })
            .collect();
        LineChart {
            title: "Output by sweep point".into(),
            x_label: "year".into(),
            y_label: "output (yuan, 2025 prices)".into(),
            series,
            reference_y: None,
            ..LineChart::default()
        }
    }

    /// The TFP chart with values missing: a NaN, an infinity, a missing x, a hole in a band
    /// and a short series.
    fn with_gaps() -> LineChart {
        let mut chart = tfp_index();
        chart.title = "TFP index with missing values".into();
        chart.series[0].y[5] = f64::NAN;
        chart.series[1].y[10] = f64::INFINITY;
        chart.series[1].x[20] = f64::NAN;
        if let Some((lo, _)) = &mut chart.series[2].band {
            lo[3] = f64::NAN;
        }
        chart.series[2].y.truncate(12);
        chart
    }

    /// Labels far too long for the canvas: cut short, never off the edge.
    fn long_labels() -> BarChart {
        let long = "a label that goes on and on ".repeat(8);
        BarChart {
            title: format!("Title: {long}"),
            y_label: format!("y: {long}"),
            bars: ["first", "second"]
                .iter()
                .flat_map(|label| {
                    let long = long.clone();
                    (0..3).map(move |g| Bar {
                        group: format!("group {g}: {long}"),
                        label: format!("{label}: {long}"),
                        value: 1.0 + g as f64,
                        interval: None,
                    })
                })
                .collect(),
            ..BarChart::default()
        }
    }

    /// Twenty levers with long names, one bar each.
    fn many_levers() -> BarChart {
        BarChart {
            title: "Total Sobol index of emissions by lever".into(),
            y_label: "total Sobol index".into(),
            bars: (0..20)
                .map(|i| Bar {
                    group: format!("policy.lever_number_{i}.emerging"),
                    label: "total".into(),
                    value: 0.3 / (1.0 + i as f64),
                    interval: None,
                })
                .collect(),
            ..BarChart::default()
        }
    }

    /// A sweep's two-axis grid: four lines over five values whose intervals overlap, drawn
    /// as whiskers side by side, with a subtitle.
    fn whiskers() -> LineChart {
        let x = vec![0.0, 0.25, 0.5, 0.75, 1.0];
        LineChart {
            title: "digital-openness: TFP index of all sectors in 2034 (mean and 95% CI)".into(),
            subtitle: "mean and 95% t interval (n - 1 df) of 4 replicates".into(),
            x_label: "data openness (share)".into(),
            y_label: "TFP index (step 0 = 1)".into(),
            series: (0..4)
                .map(|i| {
                    let y: Vec<f64> = x
                        .iter()
                        .map(|v| 1.26 + 0.04 * v + 0.006 * i as f64)
                        .collect();
                    Series {
                        label: format!("digital upgrade subsidy, all sectors = {}", 0.2 * i as f64),
                        band: Some((
                            y.iter().map(|v| v - 0.03).collect(),
                            y.iter().map(|v| v + 0.03).collect(),
                        )),
                        x: x.clone(),
                        y,
                    }
                })
                .collect(),
            intervals: Intervals::Whiskers,
            ..LineChart::default()
        }
    }

    /// A discovery scatter: cases of interest and the others over two levers, the box
    /// found (open above on x: it reaches the plot's edge).
    fn scatter() -> ScatterChart {
        let (mut inside, mut outside) = (Points::default(), Points::default());
        for i in 0..200 {
            let (a, b) = ((i as f64 * 0.618_034) % 1.0, (i as f64 * 0.414_214) % 1.0);
            let p = if a >= 0.6 && b >= 0.3 {
                &mut inside
            } else {
                &mut outside
            };
            p.x.push(0.1 * a);
            p.y.push(0.6 * b);
        }
        ScatterChart {
            title: "lhs-levers: cases of interest, box 1".into(),
            subtitle: "a case: at least 60 % of 5 replicates meet the targets".into(),
            x_label: "carbon price (share of output per unit emission)".into(),
            y_label: "R&D subsidy (matching rate)".into(),
            series: vec![
                Points {
                    label: "other points".into(),
                    radius: 2.5,
                    ..outside
                },
                Points {
                    label: "cases of interest".into(),
                    colour: Some(1),
                    radius: 3.0,
                    ..inside
                },
            ],
            spans: vec![Span {
                label: "box 1".into(),
                x: (0.06, f64::INFINITY),
                y: (0.18, f64::INFINITY),
                colour: Some(0),
                filled: true,
            }],
            ..ScatterChart::default()
        }
    }

    /// Box limits over named groups: the swept range in grey, the box in colour.
    fn box_limits() -> ScatterChart {
        let names = [
            "policy.carbon_price",
            "policy.rd_subsidy",
            "policy.targeting",
        ];
        let mut spans = Vec::new();
        for (g, (lo, hi)) in [(0.5, 1.0), (0.43, 1.0), (0.0, 0.5)]
            .into_iter()
            .enumerate()
        {
            let g = g as f64;
            spans.push(Span {
                label: if g == 0.0 {
                    "swept range".into()
                } else {
                    String::new()
                },
                x: (g - 0.35, g + 0.35),
                y: (0.0, 1.0),
                colour: None,
                filled: true,
            });
            spans.push(Span {
                label: if g == 0.0 {
                    "box 1".into()
                } else {
                    String::new()
                },
                x: (g - 0.2, g + 0.2),
                y: (lo, hi),
                colour: Some(0),
                filled: true,
            });
        }
        ScatterChart {
            title: "Box limits against the swept ranges".into(),
            y_label: "share of the swept range".into(),
            groups: names.iter().map(|n| n.to_string()).collect(),
            spans,
            y_range: Some((0.0, 1.0)),
            ..ScatterChart::default()
        }
    }

    fn samples() -> Vec<(&'static str, Chart)> {
        vec![
            ("scatter", scatter().into()),
            ("box-limits", box_limits().into()),
            ("whiskers", whiskers().into()),
            ("tfp-index", tfp_index().into()),
            ("output-shares", output_shares().into()),
            ("effect", effect().into()),
            ("sensitivity", sensitivity().into()),
            ("many-points", many_points().into()),
            ("many-levers", many_levers().into()),
            ("gaps", with_gaps().into()),
            ("long-labels", long_labels().into()),
            (
                "no-data",
                LineChart {
                    title: "Nothing to show".into(),
                    x_label: "year".into(),
                    y_label: "TFP index".into(),
                    ..LineChart::default()
                }
                .into(),
            ),
        ]
    }

    /// The box a text covers (left, top, right, bottom), rotation included.
    fn text_box(t: &scene::Text) -> [f64; 4] {
        let w = font::text_width(&t.text, t.size);
        let start = match t.anchor {
            scene::Anchor::Start => 0.0,
            scene::Anchor::Middle => -w / 2.0,
            scene::Anchor::End => -w,
        };
        // DejaVu Sans reaches 0.93 em above the baseline and 0.24 em below.
        let corners = [
            (start, -0.93 * t.size),
            (start + w, -0.93 * t.size),
            (start, 0.24 * t.size),
            (start + w, 0.24 * t.size),
        ];
        let (sin, cos) = t.angle.to_radians().sin_cos();
        let mut b = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for (dx, dy) in corners {
            let (x, y) = (t.x + dx * cos - dy * sin, t.y + dx * sin + dy * cos);
            b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
        }
        b
    }

    fn overlap(a: [f64; 4], b: [f64; 4]) -> bool {
        a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
    }

    #[test]
    fn no_text_is_cut_off_overlaps_other_text_or_covers_the_plot() {
        for (name, chart) in samples() {
            let scene = layout::layout(&chart);
            let texts: Vec<&scene::Text> = scene
                .shapes
                .iter()
                .filter_map(|s| match s {
                    scene::Shape::Text(t) => Some(t),
                    _ => None,
                })
                .collect();
            for t in &texts {
                let b = text_box(t);
                assert!(
                    b[0] >= 0.0 && b[1] >= 0.0 && b[2] <= scene.width && b[3] <= scene.height,
                    "{name}: `{}` at {b:?} is cut off ({} x {})",
                    t.text,
                    scene.width,
                    scene.height
                );
                // Only the "no data" note may sit inside the plot area.
                let inner = [
                    scene.plot[0] + 1.0,
                    scene.plot[1] + 1.0,
                    scene.plot[2] - 1.0,
                    scene.plot[3] - 1.0,
                ];
                if t.text != "no data" {
                    assert!(!overlap(b, inner), "{name}: `{}` covers the plot", t.text);
                }
            }
            // Slanted names are checked by their slant, not here.
            let level: Vec<&&scene::Text> = texts.iter().filter(|t| t.angle == 0.0).collect();
            for (i, a) in level.iter().enumerate() {
                for b in &level[i + 1..] {
                    assert!(
                        !overlap(text_box(a), text_box(b)),
                        "{name}: `{}` and `{}` overlap",
                        a.text,
                        b.text
                    );
                }
            }
        }
    }

    /// Every element closed in order, no stray `<` in text: enough to catch a broken writer.
    fn assert_well_formed(svg: &str) {
        assert!(svg.starts_with("<svg "), "{}", &svg[..40.min(svg.len())]);
        let mut open: Vec<&str> = Vec::new();
        let mut rest = svg;
        while let Some(start) = rest.find('<') {
            let end = rest[start..].find('>').expect("every tag ends") + start;
            let tag = &rest[start + 1..end];
            assert!(!tag.contains('<'), "a `<` inside a tag: {tag}");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop(), Some(name), "closing {name}");
            } else if !tag.ends_with('/') {
                open.push(tag.split_whitespace().next().expect("a name"));
            }
            rest = &rest[end + 1..];
        }
        assert!(open.is_empty(), "unclosed: {open:?}");
    }

    /// The texts an SVG shows, unescaped.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("<text ")
            .skip(1)
            .map(|t| {
                let body = &t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()];
                body.replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'")
                    .replace("&amp;", "&")
            })
            .collect()
    }

    #[test]
    fn each_chart_type_writes_a_well_formed_svg_with_its_title_axes_and_legend() {
        let dir = tempfile::tempdir().unwrap();
        for (name, chart) in samples() {
            let path = dir.path().join(format!("{name}.svg"));
            write_svg(&chart, &path).unwrap();
            let svg = std::fs::read_to_string(&path).unwrap();
            assert_well_formed(&svg);
            let shown = texts(&svg);
            let (title, axes, legend): (&str, Vec<&str>, Vec<&str>) = match &chart {
                Chart::Line(c) => (
                    c.title.as_str(),
                    vec![c.x_label.as_str(), c.y_label.as_str()],
                    c.series.iter().map(|s| s.label.as_str()).collect(),
                ),
                Chart::Stacked(c) => (
                    c.title.as_str(),
                    vec![c.x_label.as_str(), c.y_label.as_str()],
                    c.layers.iter().map(|(l, _)| l.as_str()).collect(),
                ),
                Chart::Bars(c) => (
                    c.title.as_str(),
                    vec![c.y_label.as_str()],
                    c.bars.iter().map(|b| b.label.as_str()).collect(),
                ),
                Chart::Scatter(c) => (
                    c.title.as_str(),
                    vec![c.x_label.as_str(), c.y_label.as_str()]
                        .into_iter()
                        .chain(c.groups.iter().map(String::as_str))
                        .filter(|t| !t.is_empty())
                        .collect(),
                    c.series
                        .iter()
                        .map(|s| s.label.as_str())
                        .chain(c.spans.iter().map(|s| s.label.as_str()))
                        .filter(|l| !l.is_empty())
                        .collect(),
                ),
            };
            // Labels too long for the canvas are cut short with an ellipsis.
            let shows = |want: &str| {
                shown.iter().any(|t| {
                    t == want
                        || t.strip_suffix('…')
                            .is_some_and(|cut| cut.len() > 20 && want.starts_with(cut))
                })
            };
            for want in std::iter::once(title).chain(axes).chain(legend) {
                assert!(shows(want), "{name}: `{want}` not shown");
            }
            // The document's title is never cut.
            assert!(
                svg.contains(&format!("<title>{}</title>", svg::escape(title))),
                "{name}"
            );
        }
    }

    #[test]
    fn whiskers_stand_beside_each_other_inside_the_plot_with_a_marker_at_each_point() {
        let chart = whiskers();
        let scene = layout::layout(&chart.clone().into());
        let dots: Vec<(f64, f64)> = scene
            .shapes
            .iter()
            .filter_map(|s| match s {
                scene::Shape::Dot { x, y, .. } => Some((*x, *y)),
                _ => None,
            })
            .collect();
        // A marker per point, and one in each of the four legend entries.
        assert_eq!(dots.len(), 4 * 5 + 4);
        // At the first x value the four series stand apart, in order, inside the plot.
        let [left, top, right, bottom] = scene.plot;
        let mut first: Vec<f64> = dots
            .iter()
            .filter(|(_, y)| *y > top && *y < bottom)
            .map(|d| d.0)
            .collect();
        first.sort_by(f64::total_cmp);
        first.truncate(4);
        assert!(
            first[0] > left && first.windows(2).all(|w| w[1] - w[0] > 3.0),
            "{first:?}"
        );
        assert!(dots.iter().all(|(x, _)| *x < right || *x > right + 10.0));
        // No band is drawn: no translucent fill in the plot.
        assert!(!scene.shapes.iter().any(|s| matches!(
            s,
            scene::Shape::Path { fill: Some(p), .. } if p.opacity < 1.0
        )));
        let svg = render_svg(&chart.into());
        assert!(
            texts(&svg)
                .iter()
                .any(|t| t == "mean and 95% t interval (n - 1 df) of 4 replicates")
        );
    }

    #[test]
    fn a_scatter_draws_its_points_and_clips_an_open_box_to_the_plot() {
        let chart = scatter();
        let scene = layout::layout(&chart.clone().into());
        let [left, top, right, bottom] = scene.plot;
        let dots: Vec<(f64, f64)> = scene
            .shapes
            .iter()
            .filter_map(|s| match s {
                scene::Shape::Dot { x, y, .. } => Some((*x, *y)),
                _ => None,
            })
            .collect();
        // Every point, and a marker in each of the two series' legend entries.
        assert_eq!(dots.len(), 200 + 2);
        let inside = |&(x, y): &(f64, f64)| x >= left && x <= right && y >= top && y <= bottom;
        assert_eq!(dots.iter().filter(|d| inside(d)).count(), 200);
        // The box: a translucent rectangle from its limits to the top right of the plot.
        let rect = scene
            .shapes
            .iter()
            .find_map(|s| match s {
                scene::Shape::Rect { x, y, w, h, fill } if fill.opacity < 1.0 => {
                    Some((*x, *y, *w, *h))
                }
                _ => None,
            })
            .expect("the box is drawn");
        assert!((rect.0 + rect.2 - right).abs() < 1e-9 && (rect.1 - top).abs() < 1e-9);
        assert!(rect.0 > left && rect.1 + rect.3 < bottom);
        let svg = render_svg(&chart.into());
        assert_well_formed(&svg);
        assert!(!svg.contains("inf") && !svg.contains("NaN"));
    }

    #[test]
    fn bar_charts_name_every_group() {
        let svg = render_svg(&sensitivity().into());
        let shown = texts(&svg);
        for lever in ["rd_subsidy", "digital_infrastructure", "market_entry"] {
            assert!(shown.iter().any(|t| t == lever), "{lever}");
        }
    }

    #[test]
    fn the_same_chart_gives_the_same_bytes_twice() {
        for (name, chart) in samples() {
            assert_eq!(render_svg(&chart), render_svg(&chart.clone()), "{name}");
        }
        let chart: Chart = tfp_index().into();
        assert_eq!(render_png(&chart).unwrap(), render_png(&chart).unwrap());
    }

    #[test]
    fn labels_with_markup_characters_are_escaped() {
        let mut chart = effect();
        chart.title = "R&D <subsidy> \"high\"".into();
        let svg = render_svg(&chart.into());
        assert_well_formed(&svg);
        assert!(texts(&svg).iter().any(|t| t == "R&D <subsidy> \"high\""));
    }

    #[test]
    fn missing_values_break_lines_and_bands_without_a_panic() {
        let chart = with_gaps();
        let svg = render_svg(&chart.clone().into());
        assert_well_formed(&svg);
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        // The first series breaks at year 5: two line pieces where there was one.
        let before = render_svg(&tfp_index().into()).matches("<path").count();
        assert!(svg.matches("<path").count() > before);
        render_png(&chart.into()).unwrap();

        let mut shares = output_shares();
        shares.layers[1].1[7] = f64::NAN;
        shares.layers[2].1.truncate(20);
        let svg = render_svg(&shares.into());
        assert_well_formed(&svg);
        assert!(!svg.contains("NaN"));

        let mut bars = sensitivity();
        bars.bars[0].value = f64::NAN;
        bars.bars[1].interval = Some((f64::NAN, 1.0));
        let svg = render_svg(&bars.into());
        assert_well_formed(&svg);
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn charts_without_data_show_empty_axes_and_say_so() {
        let empty: Vec<Chart> = vec![
            LineChart::default().into(),
            LineChart {
                series: vec![Series {
                    label: "all missing".into(),
                    x: vec![0.0, 1.0],
                    y: vec![f64::NAN, f64::NAN],
                    band: None,
                }],
                ..LineChart::default()
            }
            .into(),
            StackedArea::default().into(),
            BarChart::default().into(),
            ScatterChart::default().into(),
        ];
        for chart in empty {
            let svg = render_svg(&chart);
            assert_well_formed(&svg);
            assert!(texts(&svg).iter().any(|t| t == "no data"), "{chart:?}");
            assert!(!render_png(&chart).unwrap().is_empty());
        }
    }

    #[test]
    fn a_lone_point_is_drawn_as_a_dot() {
        let chart = LineChart {
            series: vec![Series {
                label: "one year".into(),
                x: vec![2030.0],
                y: vec![1.5],
                band: None,
            }],
            ..LineChart::default()
        };
        let svg = render_svg(&chart.into());
        assert_well_formed(&svg);
        assert_eq!(svg.matches("<circle").count(), 1);
    }

    #[test]
    fn a_lone_year_of_a_stacked_area_is_drawn_as_a_column_of_its_layers() {
        let chart = StackedArea {
            x: vec![2024.0],
            layers: vec![
                ("traditional".into(), vec![0.7]),
                ("emerging".into(), vec![0.3]),
            ],
            ..StackedArea::default()
        };
        let svg = render_svg(&chart.into());
        assert_well_formed(&svg);
        // one filled block per layer (the grid, axes and white edges are not filled)
        let filled = svg
            .lines()
            .filter(|l| l.starts_with("<path") && l.contains("Z\"") && !l.contains("fill=\"none\""))
            .count();
        assert_eq!(filled, 2, "{svg}");
        assert!(!texts(&svg).iter().any(|t| t == "no data"));
    }

    #[test]
    fn an_unwritable_path_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no such folder").join("chart.svg");
        let chart: Chart = effect().into();
        for result in [write_svg(&chart, &path), write_png(&chart, &path)] {
            let err = result.expect_err("the folder does not exist").to_string();
            assert!(err.contains(&path.display().to_string()), "{err}");
        }
        assert!(!path.exists());
    }

    #[test]
    fn png_files_are_written_at_twice_the_svg_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("effect.png");
        write_png(&effect().into(), &path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
        // IHDR: width and height, big-endian, after the signature, length and type.
        let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
        let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
        assert_eq!((width, height), (1600, 1000));
    }

    /// Writes every sample chart as SVG and PNG to `$NQPSIM_PLOT_SAMPLES` (default
    /// `/tmp/plot-samples`), to look at: `cargo test --lib plot -- --ignored`.
    #[test]
    #[ignore = "writes sample images for a person to look at"]
    fn write_sample_charts() {
        let dir = std::env::var_os("NQPSIM_PLOT_SAMPLES")
            .map_or_else(|| std::path::PathBuf::from("/tmp/plot-samples"), Into::into);
        std::fs::create_dir_all(&dir).unwrap();
        for (name, chart) in samples() {
            write_svg(&chart, &dir.join(format!("{name}.svg"))).unwrap();
            write_png(&chart, &dir.join(format!("{name}.png"))).unwrap();
        }
    }
}
