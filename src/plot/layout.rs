//! Charts laid out as [`Scene`]s. Margins are measured from the text they hold (tick labels,
//! axis labels, legend), the legend sits beside the plot (or above it, when it is wide) so
//! it never covers data, x tick labels are thinned until they do not overlap, and bar-group
//! names slant when they are wider than their group.

use super::font::{CAP_HEIGHT, char_width, text_width};
use super::scene::{
    Anchor, GRID, INK, MUTED, Paint, Rgb, Scene, Shape, Stroke, WHITE, colour_of, dash_of,
};
use super::ticks::{Ticks, nice_ticks};
use super::{BarChart, Chart, Intervals, LineChart, ScatterChart, StackedArea};

/// Canvas size before margins grow it (pixels).
const WIDTH: f64 = 800.0;
const HEIGHT: f64 = 500.0;
/// Smallest plot area; the canvas grows rather than squeeze the data.
const MIN_PLOT_W: f64 = 320.0;
const MIN_PLOT_H: f64 = 220.0;
const TITLE_SIZE: f64 = 17.0;
const SUBTITLE_SIZE: f64 = 12.5;
const LABEL_SIZE: f64 = 13.0;
const TICK_SIZE: f64 = 11.5;
const LEGEND_SIZE: f64 = 12.0;
/// Canvas edge to the outermost text.
const PAD: f64 = 14.0;
const TICK_LEN: f64 = 5.0;
/// Between a tick and its label.
const GAP: f64 = 4.0;
/// Between an x tick and its label: more, so the lowest y label and the first x label,
/// both near the corner, stay apart.
const X_GAP: f64 = 7.0;
/// Most y ticks: about one per 50 pixels of a 360-pixel plot.
const Y_TICKS: usize = 7;
const LEGEND_ROW: f64 = 20.0;
const SWATCH: f64 = 24.0;
/// Longest group name (pixels); longer ones are cut short with an ellipsis.
const MAX_NAME: f64 = 240.0;
/// Slant of bar-group names that do not fit their group (degrees).
const SLANT: f64 = 35.0;
/// Opacity of interval bands.
const BAND_OPACITY: f64 = 0.2;
const LINE_WIDTH: f64 = 2.0;
/// Radius of a point's marker, when intervals are whiskers.
const MARKER: f64 = 3.2;
/// Most pixels between the whiskers of neighbouring series at one x value.
const DODGE: f64 = 7.0;

/// The scene of `chart`.
pub fn layout(chart: &Chart) -> Scene {
    match chart {
        Chart::Line(c) => line(c),
        Chart::Stacked(c) => stacked(c),
        Chart::Bars(c) => bars(c),
        Chart::Scatter(c) => scatter(c),
    }
}

/// The smallest and largest finite value of `values`, or `None` if none is finite.
fn extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

fn merge(a: Option<(f64, f64)>, b: Option<(f64, f64)>) -> Option<(f64, f64)> {
    match (a, b) {
        (Some((l1, h1)), Some((l2, h2))) => Some((l1.min(l2), h1.max(h2))),
        (a, None) => a,
        (None, b) => b,
    }
}

/// What a legend entry shows beside its label.
#[derive(Clone, Copy)]
enum Swatch {
    /// A line, over a band's colour when the series has one, with a marker on it when its
    /// points have markers.
    Line {
        colour: Rgb,
        dash: Option<[f64; 2]>,
        band: bool,
        marker: bool,
    },
    /// A filled block (areas, bars).
    Block(Rgb),
    /// A marker (the points of a scatter).
    Dot(Paint),
}

struct Entry {
    label: String,
    swatch: Swatch,
}

enum XAxis {
    /// Numbers from `lo` to `hi` (`None`: no finite data); `integer`: whole-number ticks.
    Numeric {
        range: Option<(f64, f64)>,
        integer: bool,
    },
    /// Named groups, evenly spaced.
    Groups(Vec<String>),
}

/// What every chart has around its data.
struct Spec<'a> {
    title: &'a str,
    subtitle: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    x: XAxis,
    /// Finite range of the y data (`None`: no finite data).
    y: Option<(f64, f64)>,
    /// Drawn when any entry has a label.
    legend: Vec<Entry>,
    /// Vertical grid lines at the x ticks.
    x_grid: bool,
    /// Canvas width before it grows.
    width: f64,
}

/// Maps data values on one axis to pixels.
#[derive(Clone, Copy, Debug)]
struct Map {
    lo: f64,
    hi: f64,
    from: f64,
    to: f64,
}

impl Map {
    fn at(&self, v: f64) -> f64 {
        if self.hi == self.lo {
            return self.from; // cannot happen with ticks (two at least), but never divide by 0
        }
        self.from + (v - self.lo) / (self.hi - self.lo) * (self.to - self.from)
    }
}

/// The plot area and its axes, and what goes on top of the data.
struct Frame {
    left: f64,
    right: f64,
    x: Map,
    y: Map,
    /// Axes, labels, title and legend: drawn after the data.
    over: Vec<Shape>,
}

impl Frame {
    fn point(&self, x: f64, y: f64) -> (f64, f64) {
        (self.x.at(x), self.y.at(y))
    }
}

/// `text`, cut short with an ellipsis if it is wider than `max_w` at font size `size`.
fn fit(text: &str, size: f64, max_w: f64) -> String {
    if text_width(text, size) <= max_w {
        return text.to_string();
    }
    let room = max_w - text_width("…", size);
    let mut used = 0.0;
    let mut cut = String::new();
    for c in text.chars() {
        used += char_width(c, size);
        if used > room {
            break;
        }
        cut.push(c);
    }
    cut.push('…');
    cut
}

fn widest(labels: &[String], size: f64) -> f64 {
    labels
        .iter()
        .map(|l| text_width(l, size))
        .fold(0.0, f64::max)
}

/// The ticks of `ticks` inside the data's range `[lo, hi]`, so that an x axis spans the data
/// and no more (years 2024 to 2054 are not drawn from 2020 to 2055); all of them when fewer
/// than two lie inside (a range narrower than a step keeps the rounded axis).
fn within(ticks: Ticks, lo: f64, hi: f64) -> Ticks {
    let tolerance = ticks.step * 1e-9;
    let inside: Vec<f64> = ticks
        .values
        .iter()
        .copied()
        .filter(|v| *v >= lo - tolerance && *v <= hi + tolerance)
        .collect();
    if inside.len() < 2 {
        return ticks;
    }
    Ticks {
        values: inside,
        ..ticks
    }
}

/// Lays out the frame of `spec`; returns the scene holding background and grid (the data
/// goes next) and the frame, whose `over` shapes go last.
fn frame(mut spec: Spec<'_>) -> (Scene, Frame) {
    let y_ticks = match spec.y {
        Some((lo, hi)) => nice_ticks(lo, hi, Y_TICKS, false),
        None => nice_ticks(0.0, 1.0, Y_TICKS, false),
    };
    let y_labels = y_ticks.labels();
    // A legend names what the caller labelled, even a single line (say, which effect).
    let show_legend = spec.legend.iter().any(|e| !e.label.is_empty());
    let legend_w = if show_legend {
        let labels: Vec<String> = spec.legend.iter().map(|e| e.label.clone()).collect();
        SWATCH + 6.0 + widest(&labels, LEGEND_SIZE)
    } else {
        0.0
    };
    // A legend wider than a quarter of the canvas would squeeze the plot: it goes above it.
    let legend_on_top = show_legend && legend_w > spec.width * 0.25;

    let y_label_w = if spec.y_label.is_empty() {
        0.0
    } else {
        LABEL_SIZE * 1.2 + 8.0
    };
    let y_tick_w = widest(&y_labels, TICK_SIZE);
    let mut left = PAD + y_label_w + y_tick_w + GAP + TICK_LEN;
    let mut right = if show_legend && !legend_on_top {
        PAD + legend_w + 20.0
    } else {
        PAD + 10.0
    };
    let mut width = spec.width.max(left + right + MIN_PLOT_W);

    // x ticks, or group names, that fit side by side.
    let (x_ticks, x_labels, slant) = match &spec.x {
        XAxis::Numeric { range, integer } => {
            let (lo, hi) = range.unwrap_or((0.0, 1.0));
            let plot_w = width - left - right;
            let mut chosen = within(nice_ticks(lo, hi, 3, *integer), lo, hi);
            for max in (3..=12).rev() {
                let t = within(nice_ticks(lo, hi, max, *integer), lo, hi);
                let room = t.values.len() as f64 * (widest(&t.labels(), TICK_SIZE) + 16.0);
                if room <= plot_w {
                    chosen = t;
                    break;
                }
            }
            let labels = chosen.labels();
            // The outermost labels are centred on the plot's edges: leave room for half.
            let first = text_width(&labels[0], TICK_SIZE) / 2.0;
            let last = text_width(&labels[labels.len() - 1], TICK_SIZE) / 2.0;
            left = left.max(PAD + first);
            right = right.max(PAD + last);
            width = width.max(left + right + MIN_PLOT_W);
            (Some(chosen), labels, false)
        }
        XAxis::Groups(names) => {
            let slot = (width - left - right) / names.len().max(1) as f64;
            let names: Vec<String> = names.iter().map(|n| fit(n, TICK_SIZE, MAX_NAME)).collect();
            let w = widest(&names, TICK_SIZE);
            let slant = w > slot - 8.0;
            if slant {
                // The first name runs down-left from its group's centre.
                let reach = w * SLANT.to_radians().cos() - slot / 2.0;
                left = left.max(PAD + reach);
                width = width.max(left + right + MIN_PLOT_W);
            }
            (None, names, slant)
        }
    };

    let x_label_h = if spec.x_label.is_empty() {
        0.0
    } else {
        LABEL_SIZE + 10.0
    };
    let tick_label_h = if slant {
        let a = SLANT.to_radians();
        widest(&x_labels, TICK_SIZE) * a.sin() + TICK_SIZE * a.cos()
    } else {
        TICK_SIZE
    };
    let bottom_margin = TICK_LEN + X_GAP + tick_label_h + x_label_h + PAD;

    // A long title first shrinks, then is cut short.
    let title_size = if spec.title.is_empty() {
        0.0
    } else {
        let w = text_width(spec.title, TITLE_SIZE);
        let room = width - 2.0 * PAD;
        if w > room {
            // A hair smaller than the exact fit: rounding could leave the width a few ulps
            // over the room, and `fit` would then cut the last characters.
            (TITLE_SIZE * room / w * 0.999).max(10.0)
        } else {
            TITLE_SIZE
        }
    };
    let title = fit(spec.title, title_size, width - 2.0 * PAD);
    // The subtitle likewise, below the title.
    let subtitle_size = if spec.subtitle.is_empty() {
        0.0
    } else {
        let w = text_width(spec.subtitle, SUBTITLE_SIZE);
        let room = width - 2.0 * PAD;
        if w > room {
            (SUBTITLE_SIZE * room / w * 0.999).max(9.0)
        } else {
            SUBTITLE_SIZE
        }
    };
    let subtitle = fit(spec.subtitle, subtitle_size, width - 2.0 * PAD);
    let title_h = if spec.title.is_empty() {
        0.0
    } else {
        title_size
    };
    let subtitle_at = PAD + title_h + if title_h > 0.0 { 6.0 } else { 0.0 };
    let below_title = match (spec.title.is_empty(), spec.subtitle.is_empty()) {
        (true, true) => PAD + 6.0,
        (false, true) => PAD + title_size + 16.0,
        (_, false) => subtitle_at + subtitle_size + 16.0,
    };
    let plot_right = width - right;
    // Where each legend entry starts: in a column right of the plot, or in rows above it,
    // as many to a row as fit over the plot.
    let mut legend_at: Vec<(f64, f64)> = Vec::new();
    let mut top = below_title;
    if legend_on_top {
        let (mut x, mut y) = (left, below_title - 8.0);
        for e in &mut spec.legend {
            e.label = fit(&e.label, LEGEND_SIZE, plot_right - left - SWATCH - 6.0);
            let w = SWATCH + 6.0 + text_width(&e.label, LEGEND_SIZE) + 20.0;
            if x > left && x + w - 20.0 > plot_right {
                (x, y) = (left, y + LEGEND_ROW);
            }
            legend_at.push((x, y));
            x += w;
        }
        top = y + LEGEND_ROW + 10.0;
    } else if show_legend {
        for i in 0..spec.legend.len() {
            legend_at.push((plot_right + 20.0, top + 4.0 + LEGEND_ROW * i as f64));
        }
    }
    let legend_h = if show_legend && !legend_on_top {
        spec.legend.len() as f64 * LEGEND_ROW + 8.0
    } else {
        0.0
    };
    let height = HEIGHT.max(top + bottom_margin + MIN_PLOT_H.max(legend_h));
    let bottom = height - bottom_margin;

    let y = Map {
        lo: y_ticks.first(),
        hi: y_ticks.last(),
        from: bottom,
        to: top,
    };
    let x = match &x_ticks {
        // The data's range, or the ticks' where they reach beyond it (see `within`).
        Some(t) => {
            let (lo, hi) = match &spec.x {
                XAxis::Numeric {
                    range: Some((lo, hi)),
                    ..
                } => (lo.min(t.first()), hi.max(t.last())),
                _ => (t.first(), t.last()),
            };
            Map {
                lo,
                hi,
                from: left,
                to: plot_right,
            }
        }
        None => Map {
            lo: 0.0,
            hi: x_labels.len().max(1) as f64,
            from: left,
            to: plot_right,
        },
    };

    let mut scene = Scene {
        width,
        height,
        title: spec.title.to_string(),
        plot: [left, top, plot_right, bottom],
        shapes: vec![Shape::Rect {
            x: 0.0,
            y: 0.0,
            w: width,
            h: height,
            fill: Paint::solid(WHITE),
        }],
    };
    let grid = Stroke {
        paint: Paint::solid(GRID),
        width: 1.0,
        dash: None,
    };
    for &v in &y_ticks.values {
        let py = y.at(v);
        scene.line((left, py), (plot_right, py), grid);
    }
    if spec.x_grid
        && let Some(t) = &x_ticks
    {
        for &v in &t.values {
            let px = x.at(v);
            scene.line((px, top), (px, bottom), grid);
        }
    }

    // What goes over the data, built in a scene of its own.
    let mut over = Scene {
        width,
        height,
        title: String::new(),
        plot: [0.0; 4],
        shapes: Vec::new(),
    };
    let axis = Stroke {
        paint: Paint::solid(INK),
        width: 1.0,
        dash: None,
    };
    over.line((left, top), (left, bottom), axis);
    over.line((left, bottom), (plot_right, bottom), axis);
    for (&v, label) in y_ticks.values.iter().zip(&y_labels) {
        let py = y.at(v);
        over.line((left - TICK_LEN, py), (left, py), axis);
        let baseline = py + TICK_SIZE * CAP_HEIGHT / 2.0;
        over.text(
            left - TICK_LEN - GAP,
            baseline,
            label,
            TICK_SIZE,
            Anchor::End,
            0.0,
            MUTED,
        );
    }
    let label_y = bottom + TICK_LEN + X_GAP + TICK_SIZE * CAP_HEIGHT;
    match &x_ticks {
        Some(t) => {
            for (&v, label) in t.values.iter().zip(&x_labels) {
                let px = x.at(v);
                over.line((px, bottom), (px, bottom + TICK_LEN), axis);
                over.text(px, label_y, label, TICK_SIZE, Anchor::Middle, 0.0, MUTED);
            }
        }
        None => {
            for (i, name) in x_labels.iter().enumerate() {
                let px = x.at(i as f64 + 0.5);
                over.line((px, bottom), (px, bottom + TICK_LEN), axis);
                if slant {
                    let y0 = bottom + TICK_LEN + X_GAP + TICK_SIZE * 0.3;
                    over.text(
                        px + TICK_SIZE * 0.3,
                        y0,
                        name,
                        TICK_SIZE,
                        Anchor::End,
                        -SLANT,
                        INK,
                    );
                } else {
                    over.text(px, label_y, name, TICK_SIZE, Anchor::Middle, 0.0, INK);
                }
            }
        }
    }

    if !title.is_empty() {
        // Centred over the plot when it fits there, else over the canvas.
        let centre = if text_width(&title, title_size) <= plot_right - left {
            (left + plot_right) / 2.0
        } else {
            width / 2.0
        };
        over.text(
            centre,
            PAD + title_size * 0.9,
            &title,
            title_size,
            Anchor::Middle,
            0.0,
            INK,
        );
    }
    if !subtitle.is_empty() {
        let centre = if text_width(&subtitle, subtitle_size) <= plot_right - left {
            (left + plot_right) / 2.0
        } else {
            width / 2.0
        };
        over.text(
            centre,
            subtitle_at + subtitle_size * 0.9,
            &subtitle,
            subtitle_size,
            Anchor::Middle,
            0.0,
            MUTED,
        );
    }
    over.text(
        (left + plot_right) / 2.0,
        height - PAD - LABEL_SIZE * 0.25,
        &fit(spec.x_label, LABEL_SIZE, plot_right - left),
        LABEL_SIZE,
        Anchor::Middle,
        0.0,
        INK,
    );
    // Beside the tick labels (not the canvas edge: slanted group names may widen the margin).
    over.text(
        left - TICK_LEN - GAP - y_tick_w - 8.0 - LABEL_SIZE * 0.24,
        (top + bottom) / 2.0,
        &fit(spec.y_label, LABEL_SIZE, bottom - top),
        LABEL_SIZE,
        Anchor::Middle,
        -90.0,
        INK,
    );
    if spec.y.is_none() {
        over.text(
            (left + plot_right) / 2.0,
            (top + bottom) / 2.0,
            "no data",
            LABEL_SIZE,
            Anchor::Middle,
            0.0,
            MUTED,
        );
    }
    legend(&mut over, &spec.legend, &legend_at);

    let frame = Frame {
        left,
        right: plot_right,
        x,
        y,
        over: over.shapes,
    };
    (scene, frame)
}

/// Legend entries, each a swatch then its label, in a row of height [`LEGEND_ROW`] whose
/// top left corner is at `at`.
fn legend(scene: &mut Scene, entries: &[Entry], at: &[(f64, f64)]) {
    for (entry, &(x, y)) in entries.iter().zip(at) {
        let mid = y + LEGEND_ROW * 0.5;
        match entry.swatch {
            Swatch::Line {
                colour,
                dash,
                band,
                marker,
            } => {
                if band {
                    scene.shapes.push(Shape::Rect {
                        x,
                        y: mid - 6.0,
                        w: SWATCH,
                        h: 12.0,
                        fill: Paint {
                            colour,
                            opacity: BAND_OPACITY,
                        },
                    });
                }
                scene.line(
                    (x, mid),
                    (x + SWATCH, mid),
                    Stroke {
                        paint: Paint::solid(colour),
                        width: LINE_WIDTH + 0.5,
                        dash,
                    },
                );
                if marker {
                    scene.shapes.push(Shape::Dot {
                        x: x + SWATCH / 2.0,
                        y: mid,
                        r: MARKER,
                        fill: Paint::solid(colour),
                    });
                }
            }
            Swatch::Block(colour) => scene.shapes.push(Shape::Rect {
                x: x + 4.0,
                y: mid - 6.0,
                w: SWATCH - 8.0,
                h: 12.0,
                fill: Paint::solid(colour),
            }),
            Swatch::Dot(paint) => scene.shapes.push(Shape::Dot {
                x: x + SWATCH / 2.0,
                y: mid,
                r: 4.0,
                fill: paint,
            }),
        }
        let baseline = mid + LEGEND_SIZE * CAP_HEIGHT / 2.0;
        scene.text(
            x + SWATCH + 6.0,
            baseline,
            &entry.label,
            LEGEND_SIZE,
            Anchor::Start,
            0.0,
            INK,
        );
    }
}

/// Splits indices `0..n` into runs where `ok(i)` holds: the pieces of a line between gaps.
fn runs(n: usize, ok: impl Fn(usize) -> bool) -> Vec<Vec<usize>> {
    let mut all = Vec::new();
    let mut run = Vec::new();
    for i in 0..n {
        if ok(i) {
            run.push(i);
        } else if !run.is_empty() {
            all.push(std::mem::take(&mut run));
        }
    }
    if !run.is_empty() {
        all.push(run);
    }
    all
}

/// Whether every finite value is a whole number (years, steps).
fn whole(values: impl IntoIterator<Item = f64>) -> bool {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .all(|v| v.fract() == 0.0)
}

fn line(chart: &LineChart) -> Scene {
    let mut y = extent(chart.reference_y);
    let mut x = None;
    for s in &chart.series {
        x = merge(x, extent(s.x.iter().copied()));
        y = merge(y, extent(s.y.iter().copied()));
        if let Some((lo, hi)) = &s.band {
            y = merge(y, extent(lo.iter().chain(hi).copied()));
        }
    }
    let has_data = chart.series.iter().any(|s| {
        s.x.iter()
            .zip(&s.y)
            .any(|(a, b)| a.is_finite() && b.is_finite())
    });
    let whiskers = chart.intervals == Intervals::Whiskers;
    if whiskers {
        // Room beside the first and last x values for the shifted whiskers.
        x = x.map(|(lo, hi)| {
            let pad = 0.2 * min_gap(chart).unwrap_or(0.25 * (hi - lo).abs().max(1.0));
            (lo - pad, hi + pad)
        });
    }
    let spec = Spec {
        title: &chart.title,
        subtitle: &chart.subtitle,
        x_label: &chart.x_label,
        y_label: &chart.y_label,
        x: XAxis::Numeric {
            range: x,
            integer: whole(chart.series.iter().flat_map(|s| s.x.iter().copied())),
        },
        y: if has_data { y } else { None },
        legend: chart
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| Entry {
                label: s.label.clone(),
                swatch: Swatch::Line {
                    colour: colour_of(i),
                    dash: dash_of(i),
                    band: s.band.is_some() && !whiskers,
                    marker: whiskers,
                },
            })
            .collect(),
        x_grid: true,
        width: WIDTH,
    };
    let (mut scene, frame) = frame(spec);
    // Whiskers: each series shifted so that its whiskers stand beside the others'.
    let shift: Vec<f64> = if whiskers {
        dodge(chart, &frame)
    } else {
        vec![0.0; chart.series.len()]
    };

    // Bands first, so every line shows over every band.
    for (i, s) in chart.series.iter().enumerate() {
        let Some((lo, hi)) = &s.band.as_ref().filter(|_| !whiskers) else {
            continue;
        };
        let n = s.x.len().min(lo.len()).min(hi.len());
        let ok = |j: usize| s.x[j].is_finite() && lo[j].is_finite() && hi[j].is_finite();
        for run in runs(n, ok).into_iter().filter(|r| r.len() >= 2) {
            let mut points: Vec<(f64, f64)> =
                run.iter().map(|&j| frame.point(s.x[j], hi[j])).collect();
            points.extend(run.iter().rev().map(|&j| frame.point(s.x[j], lo[j])));
            scene.shapes.push(Shape::Path {
                points,
                closed: true,
                fill: Some(Paint {
                    colour: colour_of(i),
                    opacity: BAND_OPACITY,
                }),
                stroke: None,
            });
        }
    }
    // Inside the axis unless there is no data (then the axis is 0 to 1, whatever `r` is).
    if let Some(r) = chart
        .reference_y
        .filter(|r| r.is_finite() && (frame.y.lo..=frame.y.hi).contains(r))
    {
        let py = frame.y.at(r);
        scene.line(
            (frame.left, py),
            (frame.right, py),
            Stroke {
                paint: Paint::solid(MUTED),
                width: 1.2,
                dash: Some([6.0, 4.0]),
            },
        );
    }
    for (i, s) in chart.series.iter().enumerate() {
        let n = s.x.len().min(s.y.len());
        let ok = |j: usize| s.x[j].is_finite() && s.y[j].is_finite();
        let at = |j: usize| {
            let (x, y) = frame.point(s.x[j], s.y[j]);
            (x + shift[i], y)
        };
        if whiskers {
            whiskers_of(&mut scene, s, i, shift[i], &frame);
        }
        for run in runs(n, ok) {
            let points: Vec<(f64, f64)> = run.iter().map(|&j| at(j)).collect();
            if whiskers {
                for &(x, y) in &points {
                    scene.shapes.push(Shape::Dot {
                        x,
                        y,
                        r: MARKER,
                        fill: Paint::solid(colour_of(i)),
                    });
                }
            }
            if points.len() == 1 {
                let (x, y) = points[0];
                scene.shapes.push(Shape::Dot {
                    x,
                    y,
                    r: LINE_WIDTH * 1.5,
                    fill: Paint::solid(colour_of(i)),
                });
            } else {
                scene.shapes.push(Shape::Path {
                    points,
                    closed: false,
                    fill: None,
                    stroke: Some(Stroke {
                        paint: Paint::solid(colour_of(i)),
                        width: LINE_WIDTH,
                        dash: dash_of(i),
                    }),
                });
            }
        }
    }
    scene.shapes.extend(frame.over);
    scene
}

/// The narrowest gap between neighbouring distinct finite x values of `chart`'s series.
fn min_gap(chart: &LineChart) -> Option<f64> {
    let mut xs: Vec<f64> = chart
        .series
        .iter()
        .flat_map(|s| s.x.iter().copied())
        .filter(|x| x.is_finite())
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    xs.windows(2).map(|w| w[1] - w[0]).reduce(f64::min)
}

/// How far (pixels) each series of a whisker chart is shifted along x: evenly spread around
/// each x value, together at most 40 % of the narrowest gap between neighbouring x values.
fn dodge(chart: &LineChart, frame: &Frame) -> Vec<f64> {
    let k = chart.series.len();
    if k < 2 {
        return vec![0.0; k];
    }
    let mut xs: Vec<f64> = chart
        .series
        .iter()
        .flat_map(|s| s.x.iter().copied())
        .filter(|x| x.is_finite())
        .map(|x| frame.x.at(x))
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup_by(|a, b| (*a - *b).abs() < 0.5);
    let gap = xs
        .windows(2)
        .map(|w| w[1] - w[0])
        .fold(frame.right - frame.left, f64::min);
    let step = DODGE.min(0.4 * gap / (k - 1) as f64);
    (0..k)
        .map(|i| (i as f64 - (k - 1) as f64 / 2.0) * step)
        .collect()
}

/// The whiskers of series `i` (its band's lower to upper bound at each point), shifted by
/// `shift` pixels, in its colour.
fn whiskers_of(scene: &mut Scene, s: &super::Series, i: usize, shift: f64, frame: &Frame) {
    let Some((lo, hi)) = &s.band else { return };
    let stroke = Stroke {
        paint: Paint::solid(colour_of(i)),
        width: 1.4,
        dash: None,
    };
    let cap = 3.0;
    let n = s.x.len().min(lo.len()).min(hi.len());
    for j in (0..n).filter(|&j| s.x[j].is_finite() && lo[j].is_finite() && hi[j].is_finite()) {
        let x = frame.x.at(s.x[j]) + shift;
        let (y_lo, y_hi) = (frame.y.at(lo[j]), frame.y.at(hi[j]));
        scene.line((x, y_lo), (x, y_hi), stroke);
        scene.line((x - cap, y_lo), (x + cap, y_lo), stroke);
        scene.line((x - cap, y_hi), (x + cap, y_hi), stroke);
    }
}

/// Half the width of the column that stands for a lone point of a stacked area, in x units
/// (0.4 of a year leaves a gap between neighbouring columns).
const LONE_COLUMN_HALF_WIDTH: f64 = 0.4;

fn stacked(chart: &StackedArea) -> Scene {
    let n = chart.x.len();
    // A point is drawn where x and every layer's value are finite.
    let ok = |i: usize| {
        chart.x[i].is_finite()
            && chart
                .layers
                .iter()
                .all(|(_, v)| v.get(i).is_some_and(|v| v.is_finite()))
    };
    // cum[l][i]: top of layer l at point i.
    let mut cum: Vec<Vec<f64>> = Vec::with_capacity(chart.layers.len());
    for (l, (_, values)) in chart.layers.iter().enumerate() {
        let row = (0..n)
            .map(|i| {
                let below = if l == 0 { 0.0 } else { cum[l - 1][i] };
                below + values.get(i).copied().unwrap_or(f64::NAN)
            })
            .collect();
        cum.push(row);
    }
    let drawn: Vec<usize> = (0..n).filter(|&i| ok(i)).collect();
    let y = extent(
        drawn
            .iter()
            .flat_map(|&i| cum.iter().map(move |row| row[i])),
    )
    .map(|(lo, hi)| (lo.min(0.0), hi.max(0.0)));
    let spec = Spec {
        title: &chart.title,
        subtitle: &chart.subtitle,
        x_label: &chart.x_label,
        y_label: &chart.y_label,
        x: XAxis::Numeric {
            range: extent(chart.x.iter().copied()),
            integer: whole(chart.x.iter().copied()),
        },
        y: if chart.layers.is_empty() { None } else { y },
        // Top layer first, as the areas are stacked.
        legend: chart
            .layers
            .iter()
            .enumerate()
            .rev()
            .map(|(l, (label, _))| Entry {
                label: label.clone(),
                swatch: Swatch::Block(colour_of(l)),
            })
            .collect(),
        x_grid: false,
        width: WIDTH,
    };
    let (mut scene, frame) = frame(spec);
    for run in runs(n, ok) {
        // A lone point (a run of step 0 alone, a year between gaps) is a column.
        let at: Vec<(usize, f64)> = match run[..] {
            [i] => vec![
                (i, chart.x[i] - LONE_COLUMN_HALF_WIDTH),
                (i, chart.x[i] + LONE_COLUMN_HALF_WIDTH),
            ],
            _ => run.iter().map(|&i| (i, chart.x[i])).collect(),
        };
        for l in 0..chart.layers.len() {
            let top: Vec<(f64, f64)> = at.iter().map(|&(i, x)| frame.point(x, cum[l][i])).collect();
            let mut points = top.clone();
            points.extend(at.iter().rev().map(|&(i, x)| {
                let below = if l == 0 { 0.0 } else { cum[l - 1][i] };
                frame.point(x, below)
            }));
            scene.shapes.push(Shape::Path {
                points,
                closed: true,
                fill: Some(Paint::solid(colour_of(l))),
                stroke: None,
            });
            // A thin white edge keeps neighbouring layers apart.
            scene.shapes.push(Shape::Path {
                points: top,
                closed: false,
                fill: None,
                stroke: Some(Stroke {
                    paint: Paint::solid(WHITE),
                    width: 0.8,
                    dash: None,
                }),
            });
        }
    }
    scene.shapes.extend(frame.over);
    scene
}

/// Distinct values of `items` in order of first appearance.
fn distinct<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.iter().any(|o| o == item) {
            out.push(item.to_string());
        }
    }
    out
}

fn bars(chart: &BarChart) -> Scene {
    let groups = distinct(chart.bars.iter().map(|b| b.group.as_str()));
    let labels = distinct(chart.bars.iter().map(|b| b.label.as_str()));
    let values = chart.bars.iter().flat_map(|b| {
        let (lo, hi) = b.interval.unwrap_or((f64::NAN, f64::NAN));
        [b.value, lo, hi]
    });
    let y = extent(values).map(|(lo, hi)| (lo.min(0.0), hi.max(0.0)));
    let per_group = labels.len().max(1) as f64;
    let spec = Spec {
        title: &chart.title,
        subtitle: &chart.subtitle,
        x_label: "",
        y_label: &chart.y_label,
        x: XAxis::Groups(groups.clone()),
        y,
        legend: labels
            .iter()
            .enumerate()
            .map(|(i, label)| Entry {
                label: label.clone(),
                swatch: Swatch::Block(colour_of(i)),
            })
            .collect(),
        x_grid: false,
        width: WIDTH.max(groups.len() as f64 * (per_group * 18.0 + 16.0) + 260.0),
    };
    let (mut scene, frame) = frame(spec);
    let slot = (frame.right - frame.left) / groups.len().max(1) as f64;
    let bar_w = slot * 0.8 / per_group;
    let zero = frame.y.at(0.0);
    let whisker = Stroke {
        paint: Paint::solid(INK),
        width: 1.3,
        dash: None,
    };
    let mut intervals = Scene {
        width: 0.0,
        height: 0.0,
        title: String::new(),
        plot: [0.0; 4],
        shapes: Vec::new(),
    };
    for bar in &chart.bars {
        let g = groups
            .iter()
            .position(|g| *g == bar.group)
            .expect("listed above");
        let j = labels
            .iter()
            .position(|l| *l == bar.label)
            .expect("listed above");
        let x0 = frame.left + (g as f64 + 0.1) * slot + j as f64 * bar_w;
        let centre = x0 + bar_w / 2.0;
        if bar.value.is_finite() {
            let top = frame.y.at(bar.value);
            scene.shapes.push(Shape::Rect {
                x: x0 + 1.0,
                y: top.min(zero),
                w: (bar_w - 2.0).max(1.0),
                h: (top - zero).abs(),
                fill: Paint::solid(colour_of(j)),
            });
        }
        if let Some((lo, hi)) = bar
            .interval
            .filter(|(lo, hi)| lo.is_finite() && hi.is_finite())
        {
            let (y_lo, y_hi) = (frame.y.at(lo), frame.y.at(hi));
            let cap = (bar_w * 0.2).min(6.0);
            intervals.line((centre, y_lo), (centre, y_hi), whisker);
            intervals.line((centre - cap, y_lo), (centre + cap, y_lo), whisker);
            intervals.line((centre - cap, y_hi), (centre + cap, y_hi), whisker);
        }
    }
    // Intervals over every bar, so a neighbour never hides one.
    scene.shapes.extend(intervals.shapes);
    if frame.y.lo < 0.0 && frame.y.hi > 0.0 {
        scene.line(
            (frame.left, zero),
            (frame.right, zero),
            Stroke {
                paint: Paint::solid(INK),
                width: 1.0,
                dash: None,
            },
        );
    }
    scene.shapes.extend(frame.over);
    scene
}

/// The grey of background points and ranges in a scatter.
const GREY: Rgb = Rgb(160, 160, 160);
/// Opacity of a filled span.
const SPAN_OPACITY: f64 = 0.22;

/// The paint of a scatter's colour choice: a palette colour, or grey.
fn scatter_paint(colour: Option<usize>) -> Paint {
    match colour {
        Some(i) => Paint::solid(colour_of(i)),
        None => Paint {
            colour: GREY,
            opacity: 0.75,
        },
    }
}

fn scatter(chart: &ScatterChart) -> Scene {
    let grouped = !chart.groups.is_empty();
    let finite_span = |s: &super::Span| {
        !(s.x.0.is_nan() || s.x.1.is_nan() || s.y.0.is_nan() || s.y.1.is_nan())
            && s.x.0 <= s.x.1
            && s.y.0 <= s.y.1
    };
    let spans: Vec<&super::Span> = chart.spans.iter().filter(|s| finite_span(s)).collect();
    let mut x = extent(
        chart
            .series
            .iter()
            .flat_map(|s| s.x.iter().copied())
            .chain(spans.iter().flat_map(|s| [s.x.0, s.x.1])),
    );
    x = merge(x, chart.x_range);
    let mut y = extent(
        chart
            .series
            .iter()
            .flat_map(|s| s.y.iter().copied())
            .chain(spans.iter().flat_map(|s| [s.y.0, s.y.1])),
    );
    y = merge(y, chart.y_range);
    let has_data = !spans.is_empty()
        || chart.series.iter().any(|s| {
            s.x.iter()
                .zip(&s.y)
                .any(|(a, b)| a.is_finite() && b.is_finite())
        });
    y = merge(y, extent(chart.reference_y));
    let mut legend: Vec<Entry> = chart
        .series
        .iter()
        .filter(|s| !s.label.is_empty())
        .map(|s| Entry {
            label: s.label.clone(),
            swatch: Swatch::Dot(scatter_paint(s.colour)),
        })
        .collect();
    legend.extend(
        chart
            .spans
            .iter()
            .filter(|s| !s.label.is_empty())
            .map(|s| Entry {
                label: s.label.clone(),
                swatch: Swatch::Block(scatter_paint(s.colour).colour),
            }),
    );
    let spec = Spec {
        title: &chart.title,
        subtitle: &chart.subtitle,
        x_label: &chart.x_label,
        y_label: &chart.y_label,
        x: if grouped {
            XAxis::Groups(chart.groups.clone())
        } else {
            XAxis::Numeric {
                range: x,
                integer: false,
            }
        },
        y: if has_data { y } else { None },
        legend,
        x_grid: !grouped,
        width: if grouped {
            WIDTH.max(chart.groups.len() as f64 * 230.0 + 260.0)
        } else {
            WIDTH
        },
    };
    let (mut scene, frame) = frame(spec);
    // Group g is centred at g + 0.5 of the frame's [0, groups] axis.
    let shift = if grouped { 0.5 } else { 0.0 };
    let px = |v: f64| frame.x.at(v + shift);
    let (x_lo, x_hi) = (frame.x.lo - shift, frame.x.hi - shift);
    for s in &spans {
        let (x0, x1) = (s.x.0.max(x_lo), s.x.1.min(x_hi));
        let (y0, y1) = (s.y.0.max(frame.y.lo), s.y.1.min(frame.y.hi));
        if x0 > x1 || y0 > y1 {
            continue;
        }
        let (left, right, top, bottom) = (px(x0), px(x1), frame.y.at(y1), frame.y.at(y0));
        let paint = scatter_paint(s.colour);
        if s.filled {
            scene.shapes.push(Shape::Rect {
                x: left,
                y: top,
                w: right - left,
                h: bottom - top,
                fill: Paint {
                    colour: paint.colour,
                    opacity: SPAN_OPACITY,
                },
            });
        }
        scene.shapes.push(Shape::Path {
            points: vec![(left, top), (right, top), (right, bottom), (left, bottom)],
            closed: true,
            fill: None,
            stroke: Some(Stroke {
                paint: Paint::solid(paint.colour),
                width: 1.5,
                dash: None,
            }),
        });
    }
    if let Some(r) = chart.reference_y.filter(|r| r.is_finite()) {
        let py = frame.y.at(r);
        scene.line(
            (frame.left, py),
            (frame.right, py),
            Stroke {
                paint: Paint::solid(MUTED),
                width: 1.0,
                dash: Some([5.0, 4.0]),
            },
        );
    }
    for s in &chart.series {
        let paint = scatter_paint(s.colour);
        let n = s.x.len().min(s.y.len());
        let ok = |j: usize| s.x[j].is_finite() && s.y[j].is_finite();
        if s.joined {
            for run in runs(n, ok).into_iter().filter(|r| r.len() >= 2) {
                scene.shapes.push(Shape::Path {
                    points: run
                        .iter()
                        .map(|&j| (px(s.x[j]), frame.y.at(s.y[j])))
                        .collect(),
                    closed: false,
                    fill: None,
                    stroke: Some(Stroke {
                        paint,
                        width: 1.2,
                        dash: None,
                    }),
                });
            }
        }
        for j in (0..n).filter(|&j| ok(j)) {
            scene.shapes.push(Shape::Dot {
                x: px(s.x[j]),
                y: frame.y.at(s.y[j]),
                r: s.radius,
                fill: paint,
            });
        }
    }
    scene.shapes.extend(frame.over);
    scene
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_split_at_gaps() {
        let ok = [true, true, false, true, false, false, true, true, true];
        assert_eq!(
            runs(ok.len(), |i| ok[i]),
            vec![vec![0, 1], vec![3], vec![6, 7, 8]]
        );
        assert!(runs(3, |_| false).is_empty());
    }

    /// Regression: a title that needed shrinking was fitted to the room exactly, rounding
    /// left it a few ulps too wide, and its last two letters were cut ("replicat…").
    #[test]
    fn a_title_that_shrinks_to_fit_is_shown_whole() {
        let base = "china-industries: mean digital level by tier, median and p05-p95 of ";
        for n in 0..60 {
            let title = format!("{base}{}", "x".repeat(n));
            let chart = Chart::Line(LineChart {
                title: title.clone(),
                ..LineChart::default()
            });
            let scene = layout(&chart);
            let shown = scene.shapes.iter().any(|s| match s {
                Shape::Text(t) => t.text == title,
                _ => false,
            });
            // Past the smallest size a title is cut; these all fit at 10 px.
            assert!(shown, "`{title}` is not shown whole");
        }
    }

    #[test]
    fn the_extent_ignores_values_that_are_not_finite() {
        assert_eq!(
            extent([f64::NAN, 2.0, -1.0, f64::INFINITY]),
            Some((-1.0, 2.0))
        );
        assert_eq!(extent([f64::NAN]), None);
    }
}
