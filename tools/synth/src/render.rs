//! SVG page → grayscale PNG, with the look of a scan chosen by `--scan-quality`.
//!
//! A scan is a slightly rotated page on off-white paper with dust specks; a poor
//! one is more rotated, greyer, noisier and with faded ink. Pages are stored as
//! 8-bit grayscale PNG: colour adds nothing a model needs and triples the size.

use resvg::tiny_skia;
use resvg::usvg;
use serde::Serialize;

use super::degrade::{Degradation, degrade};
use super::dice::Dice;
use super::fonts::Fonts;

/// The look of the page images (`--scan-quality`; the `clap` feature makes it a
/// command-line value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum ScanQuality {
    /// The rendered page as it is: straight, white, noiseless.
    Clean,
    /// A decent office scan: slightly rotated, off-white, a few specks.
    Good,
    /// A bad scan or photocopy: rotated, grey paper, noise, faded ink.
    Poor,
}

/// What a scan does to one page, drawn from the page's dice.
#[derive(Debug, Clone, Copy, PartialEq)]
struct ScanEffects {
    rotation_degrees: f32,
    /// Grey level of the paper (255 = white).
    paper: u8,
    /// Grey level full-strength ink fades to (0 = black).
    ink: u8,
    /// Largest per-pixel deviation of sensor noise.
    noise: u8,
    specks: u32,
}

impl ScanQuality {
    fn effects(self, dice: &mut Dice) -> ScanEffects {
        match self {
            ScanQuality::Clean => ScanEffects {
                rotation_degrees: 0.0,
                paper: 255,
                ink: 0,
                noise: 0,
                specks: 0,
            },
            ScanQuality::Good => ScanEffects {
                rotation_degrees: dice.uniform(-0.6, 0.6) as f32,
                paper: 247,
                ink: 20,
                noise: 0,
                specks: dice.between(5, 25) as u32,
            },
            ScanQuality::Poor => ScanEffects {
                rotation_degrees: dice.uniform(-2.0, 2.0) as f32,
                paper: 226,
                ink: 70,
                noise: 14,
                specks: dice.between(80, 250) as u32,
            },
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the page SVG does not parse: {0}")]
    Svg(#[from] usvg::Error),
    #[error("the page has an empty size")]
    EmptyPage,
    #[error("PNG encoding failed: {0}")]
    Png(#[from] png::EncodingError),
}

/// Rasterises one page at 1 px per SVG unit and applies the scan effects, then the
/// degradation (drawn from its own dice).
pub fn render_page(
    fonts: &Fonts,
    svg: &str,
    quality: ScanQuality,
    dice: &mut Dice,
    degradation: (Degradation, &mut Dice),
) -> Result<Vec<u8>, RenderError> {
    let effects = quality.effects(dice);
    let tree = usvg::Tree::from_str(svg, &fonts.options())?;
    let size = tree.size().to_int_size();
    let (width, height) = (size.width(), size.height());
    let mut pixmap = tiny_skia::Pixmap::new(width, height).ok_or(RenderError::EmptyPage)?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let rotation = tiny_skia::Transform::from_rotate_at(
        effects.rotation_degrees,
        width as f32 / 2.0,
        height as f32 / 2.0,
    );
    resvg::render(&tree, rotation, &mut pixmap.as_mut());

    let mut gray: Vec<u8> = pixmap
        .pixels()
        .iter()
        .map(|p| {
            // Opaque after the white fill, so premultiplied equals straight colour.
            let luma =
                (299 * u32::from(p.red()) + 587 * u32::from(p.green()) + 114 * u32::from(p.blue()))
                    / 1000;
            scan_tone(luma as u8, effects)
        })
        .collect();
    if effects.noise > 0 {
        let spread = u64::from(effects.noise) * 2 + 1;
        for value in &mut gray {
            let shift = dice.below(spread) as i32 - i32::from(effects.noise);
            *value = (i32::from(*value) + shift).clamp(0, 255) as u8;
        }
    }
    add_specks(&mut gray, width, height, effects.specks, dice);
    degrade(&mut gray, width, height, degradation.0, degradation.1);
    encode_gray_png(&gray, width, height)
}

/// Maps a rendered grey (0 ink … 255 white) onto paper and faded ink.
fn scan_tone(value: u8, effects: ScanEffects) -> u8 {
    let span = f32::from(effects.paper) - f32::from(effects.ink);
    (f32::from(effects.ink) + span * f32::from(value) / 255.0).round() as u8
}

/// Dark dust specks of one to three pixels.
fn add_specks(gray: &mut [u8], width: u32, height: u32, count: u32, dice: &mut Dice) {
    for _ in 0..count {
        let x = dice.below(u64::from(width)) as u32;
        let y = dice.below(u64::from(height)) as u32;
        let size = dice.between(1, 3) as u32;
        let shade = dice.between(40, 140) as u8;
        for dy in 0..size {
            for dx in 0..size {
                let (px, py) = (x + dx, y + dy);
                if px < width && py < height {
                    let index = (py * width + px) as usize;
                    gray[index] = gray[index].min(shade);
                }
            }
        }
    }
}

fn encode_gray_png(gray: &[u8], width: u32, height: u32) -> Result<Vec<u8>, RenderError> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(gray)?;
    writer.finish()?;
    Ok(bytes)
}
