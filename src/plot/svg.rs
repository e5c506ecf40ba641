//! A [`Scene`] as SVG 1.1 text: one element per shape, numbers with at most two decimals,
//! so the same scene always gives the same bytes.

use std::fmt::Write;

use super::font::FAMILY;
use super::scene::{Anchor, Paint, Scene, Shape, Stroke};

/// The SVG document for `scene`.
pub fn render(scene: &Scene) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let (w, h) = (num(scene.width), num(scene.height));
    // Infallible: writing to a String.
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FAMILY}">"#
    );
    let _ = writeln!(out, "<title>{}</title>", escape(&scene.title));
    for shape in &scene.shapes {
        match shape {
            Shape::Rect { x, y, w, h, fill } => {
                let _ = writeln!(
                    out,
                    r#"<rect x="{}" y="{}" width="{}" height="{}"{}/>"#,
                    num(*x),
                    num(*y),
                    num(*w),
                    num(*h),
                    fill_attrs(Some(*fill))
                );
            }
            Shape::Path {
                points,
                closed,
                fill,
                stroke,
            } => {
                if points.is_empty() {
                    continue;
                }
                out.push_str("<path d=\"");
                for (i, (x, y)) in points.iter().enumerate() {
                    let _ = write!(
                        out,
                        "{}{} {}",
                        if i == 0 { 'M' } else { 'L' },
                        num(*x),
                        num(*y)
                    );
                }
                if *closed {
                    out.push('Z');
                }
                let _ = writeln!(out, "\"{}{}/>", fill_attrs(*fill), stroke_attrs(*stroke));
            }
            Shape::Dot { x, y, r, fill } => {
                let _ = writeln!(
                    out,
                    r#"<circle cx="{}" cy="{}" r="{}"{}/>"#,
                    num(*x),
                    num(*y),
                    num(*r),
                    fill_attrs(Some(*fill))
                );
            }
            Shape::Text(t) => {
                let anchor = match t.anchor {
                    Anchor::Start => "start",
                    Anchor::Middle => "middle",
                    Anchor::End => "end",
                };
                let (x, y) = (num(t.x), num(t.y));
                let rotate = if t.angle == 0.0 {
                    String::new()
                } else {
                    format!(r#" transform="rotate({} {x} {y})""#, num(t.angle))
                };
                let _ = writeln!(
                    out,
                    r#"<text x="{x}" y="{y}" font-size="{}" text-anchor="{anchor}" fill="{}"{rotate}>{}</text>"#,
                    num(t.size),
                    t.colour.hex(),
                    escape(&t.text)
                );
            }
        }
    }
    out.push_str("</svg>\n");
    out
}

fn fill_attrs(fill: Option<Paint>) -> String {
    match fill {
        None => r#" fill="none""#.to_string(),
        Some(p) if p.opacity >= 1.0 => format!(r#" fill="{}""#, p.colour.hex()),
        Some(p) => format!(
            r#" fill="{}" fill-opacity="{}""#,
            p.colour.hex(),
            num(p.opacity)
        ),
    }
}

fn stroke_attrs(stroke: Option<Stroke>) -> String {
    let Some(s) = stroke else {
        return String::new();
    };
    let mut a = format!(
        r#" stroke="{}" stroke-width="{}" stroke-linejoin="round""#,
        s.paint.colour.hex(),
        num(s.width)
    );
    if s.paint.opacity < 1.0 {
        let _ = write!(a, r#" stroke-opacity="{}""#, num(s.paint.opacity));
    }
    if let Some([on, off]) = s.dash {
        let _ = write!(a, r#" stroke-dasharray="{} {}""#, num(on), num(off));
    }
    a
}

/// `v` with at most two decimals and no trailing zeros (`12.5`, `3`, `-0.25`).
fn num(v: f64) -> String {
    let mut s = format!("{v:.2}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    if s == "-0" { "0".to_string() } else { s }
}

/// Text made safe for XML content and attributes.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_at_most_two_decimals_and_no_negative_zero() {
        assert_eq!(num(12.5), "12.5");
        assert_eq!(num(3.0), "3");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(0.126), "0.13");
        assert_eq!(num(100.0), "100");
    }

    #[test]
    fn markup_in_labels_is_escaped() {
        assert_eq!(
            escape("R&D <share> \"x\""),
            "R&amp;D &lt;share&gt; &quot;x&quot;"
        );
    }
}
