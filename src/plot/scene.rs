//! What a chart is made of once laid out: shapes in pixels (y down), drawn in order. Both
//! writers (SVG and PNG) draw the same scene, so the two files show the same chart.

/// A colour, 8 bits a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// The Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"), told apart by people
/// with any common colour-vision deficiency; ordered for lines on white: the pale yellow last.
pub const PALETTE: [Rgb; 8] = [
    Rgb(0, 114, 178),   // blue
    Rgb(213, 94, 0),    // vermillion
    Rgb(0, 158, 115),   // bluish green
    Rgb(204, 121, 167), // reddish purple
    Rgb(230, 159, 0),   // orange
    Rgb(86, 180, 233),  // sky blue
    Rgb(0, 0, 0),       // black
    Rgb(240, 228, 66),  // yellow
];

/// Colour of the `i`-th series; past 8 the colours repeat (with dashes, see [`dash_of`]).
pub fn colour_of(i: usize) -> Rgb {
    PALETTE[i % PALETTE.len()]
}

/// Dash pattern of the `i`-th line: solid for the first 8, dashed for the next 8, and so on.
pub fn dash_of(i: usize) -> Option<[f64; 2]> {
    match (i / PALETTE.len()) % 3 {
        0 => None,
        1 => Some([7.0, 4.0]),
        _ => Some([2.0, 3.0]),
    }
}

/// Text, axes and frame.
pub const INK: Rgb = Rgb(34, 34, 34);
/// Tick labels and the reference line: a little lighter than [`INK`].
pub const MUTED: Rgb = Rgb(80, 80, 80);
/// Grid lines.
pub const GRID: Rgb = Rgb(225, 225, 225);
/// Background.
pub const WHITE: Rgb = Rgb(255, 255, 255);

/// A colour with an opacity in [0, 1].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Paint {
    /// The colour.
    pub colour: Rgb,
    /// 1: opaque.
    pub opacity: f64,
}

impl Paint {
    /// An opaque paint.
    pub fn solid(colour: Rgb) -> Self {
        Paint {
            colour,
            opacity: 1.0,
        }
    }
}

/// How a line is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stroke {
    /// Colour and opacity.
    pub paint: Paint,
    /// Width in pixels.
    pub width: f64,
    /// Dash and gap lengths, or solid.
    pub dash: Option<[f64; 2]>,
}

/// Where a text's `x` is: at its start, middle or end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// `x` is the left end.
    Start,
    /// `x` is the centre.
    Middle,
    /// `x` is the right end.
    End,
}

/// A line of text.
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    /// Anchor point, x.
    pub x: f64,
    /// Anchor point, y: the baseline.
    pub y: f64,
    /// The text.
    pub text: String,
    /// Font size in pixels.
    pub size: f64,
    /// Which part of the text is at `x`.
    pub anchor: Anchor,
    /// Rotation about (x, y) in degrees, clockwise (-90: reads upwards).
    pub angle: f64,
    /// Colour.
    pub colour: Rgb,
}

/// One thing drawn.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// An axis-aligned rectangle.
    Rect {
        /// Left.
        x: f64,
        /// Top.
        y: f64,
        /// Width.
        w: f64,
        /// Height.
        h: f64,
        /// Fill.
        fill: Paint,
    },
    /// A polyline, or a polygon when `closed`.
    Path {
        /// Vertices.
        points: Vec<(f64, f64)>,
        /// Joins the last vertex to the first.
        closed: bool,
        /// Fill of the enclosed area.
        fill: Option<Paint>,
        /// Outline.
        stroke: Option<Stroke>,
    },
    /// A filled disc (a lone data point).
    Dot {
        /// Centre x.
        x: f64,
        /// Centre y.
        y: f64,
        /// Radius.
        r: f64,
        /// Fill.
        fill: Paint,
    },
    /// Text.
    Text(Text),
}

/// A laid-out chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    /// Width in pixels.
    pub width: f64,
    /// Height in pixels.
    pub height: f64,
    /// The chart's title, for the SVG `<title>`.
    pub title: String,
    /// The plot area: left, top, right, bottom.
    pub plot: [f64; 4],
    /// Shapes, back to front.
    pub shapes: Vec<Shape>,
}

impl Scene {
    /// A straight line.
    pub fn line(&mut self, from: (f64, f64), to: (f64, f64), stroke: Stroke) {
        self.shapes.push(Shape::Path {
            points: vec![from, to],
            closed: false,
            fill: None,
            stroke: Some(stroke),
        });
    }

    /// A line of text.
    #[allow(clippy::too_many_arguments)]
    pub fn text(
        &mut self,
        x: f64,
        y: f64,
        text: &str,
        size: f64,
        anchor: Anchor,
        angle: f64,
        colour: Rgb,
    ) {
        if !text.is_empty() {
            self.shapes.push(Shape::Text(Text {
                x,
                y,
                text: text.to_string(),
                size,
                anchor,
                angle,
                colour,
            }));
        }
    }
}
