//! `SvgPage`: a small builder for one page of SVG, in pixels on an A4 page at 100 dpi.
//!
//! Only what the form needs: printed text, handwritten text (with the slight offset
//! and slant of a hand), dotted fill-in lines and table rules. The output is plain
//! text built in call order, so the same calls give the same bytes.

use std::fmt::Write;

pub const PAGE_WIDTH: f32 = 827.0;
pub const PAGE_HEIGHT: f32 = 1169.0;

/// Font families: Laksaman is close to the Sarabun look of printed forms; Purisa looks
/// handwritten, for the values filled in by the polling staff.
pub const PRINTED_FAMILY: &str = "Laksaman";
pub const HANDWRITTEN_FAMILY: &str = "Purisa";

const PRINTED_INK: &str = "#111111";
const HANDWRITTEN_INK: &str = "#1b2a78";

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextStyle {
    pub family: &'static str,
    pub size: f32,
    pub bold: bool,
}

impl TextStyle {
    pub const fn printed(size: f32) -> TextStyle {
        TextStyle {
            family: PRINTED_FAMILY,
            size,
            bold: false,
        }
    }

    pub const fn printed_bold(size: f32) -> TextStyle {
        TextStyle {
            family: PRINTED_FAMILY,
            size,
            bold: true,
        }
    }

    pub const fn handwritten(size: f32) -> TextStyle {
        TextStyle {
            family: HANDWRITTEN_FAMILY,
            size,
            bold: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    fn as_svg(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// How a hand deviates from the printed baseline for one value.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Hand {
    pub dx: f32,
    pub dy: f32,
    /// Degrees, clockwise.
    pub slant: f32,
}

pub struct SvgPage {
    body: String,
}

impl SvgPage {
    pub fn new() -> SvgPage {
        SvgPage {
            body: String::new(),
        }
    }

    pub fn text(&mut self, x: f32, y: f32, text: &str, style: TextStyle, anchor: Anchor) {
        self.text_element(x, y, text, style, anchor, PRINTED_INK, None);
    }

    pub fn handwritten(
        &mut self,
        x: f32,
        y: f32,
        text: &str,
        style: TextStyle,
        anchor: Anchor,
        hand: Hand,
    ) {
        self.text_element(
            x + hand.dx,
            y + hand.dy,
            text,
            style,
            anchor,
            HANDWRITTEN_INK,
            Some(hand.slant),
        );
    }

    /// A dotted fill-in line, as printed under blanks on the form.
    pub fn dotted(&mut self, x1: f32, x2: f32, y: f32) {
        let _ = writeln!(
            self.body,
            r##"<line x1="{x1:.1}" y1="{y:.1}" x2="{x2:.1}" y2="{y:.1}" stroke="#555555" stroke-width="1" stroke-dasharray="1 3"/>"##
        );
    }

    pub fn rule(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32) {
        let _ = writeln!(
            self.body,
            r##"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{PRINTED_INK}" stroke-width="{width:.1}"/>"##
        );
    }

    pub fn rect(&mut self, x: f32, y: f32, width: f32, height: f32, fill: &str) {
        let _ = writeln!(
            self.body,
            r##"<rect x="{x:.1}" y="{y:.1}" width="{width:.1}" height="{height:.1}" fill="{fill}" stroke="{PRINTED_INK}" stroke-width="1"/>"##
        );
    }

    /// The complete SVG document.
    pub fn finish(self) -> String {
        format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{PAGE_WIDTH}" height="{PAGE_HEIGHT}" viewBox="0 0 {PAGE_WIDTH} {PAGE_HEIGHT}">
<rect width="100%" height="100%" fill="#ffffff"/>
{}</svg>
"##,
            self.body
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn text_element(
        &mut self,
        x: f32,
        y: f32,
        text: &str,
        style: TextStyle,
        anchor: Anchor,
        ink: &str,
        slant: Option<f32>,
    ) {
        let weight = if style.bold { "bold" } else { "normal" };
        let transform = match slant {
            Some(angle) if angle != 0.0 => {
                format!(r#" transform="rotate({angle:.2} {x:.1} {y:.1})""#)
            }
            _ => String::new(),
        };
        let _ = writeln!(
            self.body,
            r#"<text x="{x:.1}" y="{y:.1}" font-family="{}" font-size="{:.1}" font-weight="{weight}" text-anchor="{}" fill="{ink}"{transform}>{}</text>"#,
            style.family,
            style.size,
            anchor.as_svg(),
            escape(text)
        );
    }
}

impl Default for SvgPage {
    fn default() -> Self {
        SvgPage::new()
    }
}

/// Escapes text for XML character data.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_styled() {
        let mut page = SvgPage::new();
        page.text(
            10.0,
            20.0,
            "a<b & c",
            TextStyle::printed_bold(16.0),
            Anchor::Middle,
        );
        page.handwritten(
            0.0,
            0.0,
            "๑๒",
            TextStyle::handwritten(18.0),
            Anchor::Start,
            Hand {
                dx: 1.0,
                dy: 2.0,
                slant: -1.5,
            },
        );
        let svg = page.finish();
        assert!(svg.contains(">a&lt;b &amp; c</text>"), "{svg}");
        assert!(svg.contains(
            r#"font-family="Laksaman" font-size="16.0" font-weight="bold" text-anchor="middle""#
        ));
        assert!(
            svg.contains(r#"x="1.0" y="2.0" font-family="Purisa""#),
            "{svg}"
        );
        assert!(
            svg.contains(r#"transform="rotate(-1.50 1.0 2.0)""#),
            "{svg}"
        );
    }
}
