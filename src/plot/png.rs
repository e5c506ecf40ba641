//! A [`Scene`] as a PNG image, drawn by tiny-skia (a pure-Rust port of Skia's rasteriser)
//! at twice the scene's size, so text and lines stay sharp on high-density screens and in
//! slides. Text is filled from the embedded font's glyph outlines.

use tiny_skia::{
    Color, FillRule, LineCap, LineJoin, Paint as SkPaint, PathBuilder, Pixmap, Rect,
    Stroke as SkStroke, StrokeDash, Transform,
};

use super::font::{self, PathSink};
use super::scene::{Anchor, Paint, Scene, Shape};

/// Pixels per scene unit.
pub const SCALE: f32 = 2.0;

/// The PNG file for `scene`, or why it could not be made.
pub fn render(scene: &Scene) -> Result<Vec<u8>, String> {
    let (w, h) = (
        (scene.width * f64::from(SCALE)).ceil() as u32,
        (scene.height * f64::from(SCALE)).ceil() as u32,
    );
    let mut pixmap =
        Pixmap::new(w, h).ok_or_else(|| format!("cannot make an image of {w} x {h} pixels"))?;
    pixmap.fill(Color::WHITE);
    let base = Transform::from_scale(SCALE, SCALE);
    for shape in &scene.shapes {
        match shape {
            Shape::Rect { x, y, w, h, fill } => {
                if let Some(rect) = Rect::from_xywh(*x as f32, *y as f32, *w as f32, *h as f32) {
                    pixmap.fill_rect(rect, &paint(*fill), base, None);
                }
            }
            Shape::Path {
                points,
                closed,
                fill,
                stroke,
            } => {
                let mut pb = PathBuilder::new();
                for (i, &(x, y)) in points.iter().enumerate() {
                    if i == 0 {
                        pb.move_to(x as f32, y as f32);
                    } else {
                        pb.line_to(x as f32, y as f32);
                    }
                }
                if *closed {
                    pb.close();
                }
                let Some(path) = pb.finish() else { continue };
                if let Some(f) = fill {
                    pixmap.fill_path(&path, &paint(*f), FillRule::Winding, base, None);
                }
                if let Some(s) = stroke {
                    let sk = SkStroke {
                        width: s.width as f32,
                        line_cap: if s.dash.is_some() {
                            LineCap::Butt
                        } else {
                            LineCap::Round
                        },
                        line_join: LineJoin::Round,
                        dash: s.dash.and_then(|[on, off]| {
                            StrokeDash::new(vec![on as f32, off as f32], 0.0)
                        }),
                        ..SkStroke::default()
                    };
                    pixmap.stroke_path(&path, &paint(s.paint), &sk, base, None);
                }
            }
            Shape::Dot { x, y, r, fill } => {
                if let Some(path) = PathBuilder::from_circle(*x as f32, *y as f32, *r as f32) {
                    pixmap.fill_path(&path, &paint(*fill), FillRule::Winding, base, None);
                }
            }
            Shape::Text(t) => {
                let mut sink = Sink(PathBuilder::new());
                font::outline(&t.text, t.size, &mut sink);
                let Some(path) = sink.0.finish() else {
                    continue;
                };
                let width = font::text_width(&t.text, t.size) as f32;
                let dx = match t.anchor {
                    Anchor::Start => 0.0,
                    Anchor::Middle => -width / 2.0,
                    Anchor::End => -width,
                };
                let at = base
                    .pre_translate(t.x as f32, t.y as f32)
                    .pre_rotate(t.angle as f32)
                    .pre_translate(dx, 0.0);
                pixmap.fill_path(
                    &path,
                    &paint(Paint::solid(t.colour)),
                    FillRule::Winding,
                    at,
                    None,
                );
            }
        }
    }
    pixmap.encode_png().map_err(|e| e.to_string())
}

fn paint(p: Paint) -> SkPaint<'static> {
    let mut sk = SkPaint::default();
    let alpha = (p.opacity.clamp(0.0, 1.0) * 255.0).round() as u8;
    sk.set_color_rgba8(p.colour.0, p.colour.1, p.colour.2, alpha);
    sk.anti_alias = true;
    sk
}

/// Glyph outlines into a tiny-skia path.
struct Sink(PathBuilder);

impl PathSink for Sink {
    fn move_to(&mut self, x: f32, y: f32) {
        self.0.move_to(x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.0.line_to(x, y);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.0.quad_to(x1, y1, x, y);
    }
    fn cubic_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.0.cubic_to(x1, y1, x2, y2, x, y);
    }
    fn close(&mut self) {
        self.0.close();
    }
}
