//! The one font of the charts: a subset of DejaVu Sans compiled into the binary
//! (`assets/fonts/`, with its license), so text is measured and drawn alike on every machine.

use std::sync::OnceLock;

use ttf_parser::{Face, GlyphId, OutlineBuilder};

/// DejaVu Sans, cut to Latin, Greek and the signs of chart labels (`assets/fonts/README.md`).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-subset.ttf");

/// The family SVG viewers are asked for; the first is the font we measure with.
pub const FAMILY: &str = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif";

fn face() -> &'static Face<'static> {
    static FACE: OnceLock<Face<'static>> = OnceLock::new();
    FACE.get_or_init(|| Face::parse(FONT, 0).expect("the embedded font parses (tested)"))
}

/// The glyph for `c`; the font's empty box (glyph 0) for characters it lacks.
fn glyph(face: &Face<'_>, c: char) -> GlyphId {
    face.glyph_index(c).unwrap_or(GlyphId(0))
}

/// Width of `text` at font size `size` (pixels), from the font's advance widths.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().map(|c| char_width(c, size)).sum()
}

/// Width of `c` at font size `size` (pixels).
pub fn char_width(c: char, size: f64) -> f64 {
    let face = face();
    let units = face.glyph_hor_advance(glyph(face, c)).unwrap_or(0);
    f64::from(units) * size / f64::from(face.units_per_em())
}

/// Height of capital letters as a share of the font size: to centre a label on a point,
/// its baseline goes half of this below it.
pub const CAP_HEIGHT: f64 = 0.73;

/// Traces the outlines of `text` at font size `size`, starting at (0, 0) on the baseline, y
/// down, into `sink`.
pub fn outline(text: &str, size: f64, sink: &mut impl PathSink) {
    let face = face();
    let scale = (size / f64::from(face.units_per_em())) as f32;
    let mut pen = 0.0_f32;
    for c in text.chars() {
        let id = glyph(face, c);
        let mut builder = Placed {
            sink,
            scale,
            dx: pen,
        };
        face.outline_glyph(id, &mut builder);
        pen += f32::from(face.glyph_hor_advance(id).unwrap_or(0)) * scale;
    }
}

/// Receives glyph outlines in pixels, y down.
pub trait PathSink {
    /// Starts a contour.
    fn move_to(&mut self, x: f32, y: f32);
    /// A straight segment.
    fn line_to(&mut self, x: f32, y: f32);
    /// A quadratic Bézier segment.
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32);
    /// A cubic Bézier segment.
    fn cubic_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32);
    /// Closes the contour.
    fn close(&mut self);
}

/// Moves a glyph from font units (y up, origin at its own start) to pixels (y down, origin at
/// the start of the text).
struct Placed<'s, S> {
    sink: &'s mut S,
    scale: f32,
    dx: f32,
}

impl<S: PathSink> Placed<'_, S> {
    fn at(&self, x: f32, y: f32) -> (f32, f32) {
        (self.dx + x * self.scale, -y * self.scale)
    }
}

impl<S: PathSink> OutlineBuilder for Placed<'_, S> {
    fn move_to(&mut self, x: f32, y: f32) {
        let (x, y) = self.at(x, y);
        self.sink.move_to(x, y);
    }

    fn line_to(&mut self, x: f32, y: f32) {
        let (x, y) = self.at(x, y);
        self.sink.line_to(x, y);
    }

    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (x1, y1) = self.at(x1, y1);
        let (x, y) = self.at(x, y);
        self.sink.quad_to(x1, y1, x, y);
    }

    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (x1, y1) = self.at(x1, y1);
        let (x2, y2) = self.at(x2, y2);
        let (x, y) = self.at(x, y);
        self.sink.cubic_to(x1, y1, x2, y2, x, y);
    }

    fn close(&mut self) {
        self.sink.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_font_has_latin_greek_and_the_minus_sign() {
        let face = face();
        for c in ['A', 'z', '0', '%', 'é', 'ρ', 'θ', '−', '₂', '€', '≤'] {
            assert!(face.glyph_index(c).is_some(), "{c} is missing");
        }
    }

    #[test]
    fn text_width_grows_with_the_text_and_the_size() {
        let w = text_width("TFP index", 12.0);
        assert!(w > 40.0 && w < 70.0, "{w}");
        assert_eq!(text_width("TFP index", 24.0), 2.0 * w);
        assert!(text_width("TFP index (2025 = 1)", 12.0) > w);
        assert_eq!(text_width("", 12.0), 0.0);
    }
}
