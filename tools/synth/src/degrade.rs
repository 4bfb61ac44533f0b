//! `--degrade`: what a real scanner, copier or phone camera does to a page after it
//! was filled in, applied to the rendered page's grey pixels.
//!
//! On top of the scan look of `--scan-quality`: skew (a rotation of the whole
//! image), uneven lighting (a brightness gradient across the page), a stamp
//! overlapping the text, blur, sensor noise, and JPEG-like blocking (each 8×8
//! block's detail quantised, as a low JPEG quality does). Every choice comes from the
//! page's own dice stream, so a dataset is reproducible from its seed.

use serde::Serialize;

use super::dice::Dice;

/// How degraded the page images are (`--degrade`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Degradation {
    /// Nothing beyond the scan look.
    #[default]
    Clean,
    /// A hurried office scan: slight skew, soft focus, a little noise, mild JPEG.
    Light,
    /// A photocopy of a photo: skew, blur, heavy noise, strong JPEG blocking, uneven
    /// light and a stamp across the values.
    Heavy,
}

/// The strength of each effect for one page.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Effects {
    skew_degrees: f64,
    /// 0 none, 1 a soft blur (half the weight on the pixel), 2 a 3×3 box blur.
    blur: u32,
    noise: i32,
    /// Step the 8×8 blocks' detail is quantised to (0 = none).
    jpeg_step: i32,
    /// Brightness lost from one side of the page to the other.
    lighting: f64,
    stamp: bool,
}

impl Degradation {
    fn effects(self, dice: &mut Dice) -> Option<Effects> {
        match self {
            Degradation::Clean => None,
            Degradation::Light => Some(Effects {
                skew_degrees: dice.uniform(-1.0, 1.0),
                blur: 1,
                noise: 8,
                jpeg_step: 10,
                lighting: dice.uniform(0.0, 20.0),
                stamp: false,
            }),
            Degradation::Heavy => Some(Effects {
                skew_degrees: dice.uniform(-2.5, 2.5),
                blur: 2,
                noise: 18,
                jpeg_step: 24,
                lighting: dice.uniform(30.0, 60.0),
                stamp: true,
            }),
        }
    }
}

/// Degrades the `width` × `height` grey page in place.
pub fn degrade(gray: &mut Vec<u8>, width: u32, height: u32, level: Degradation, dice: &mut Dice) {
    let Some(effects) = level.effects(dice) else {
        return;
    };
    let (w, h) = (width as usize, height as usize);
    *gray = rotate(gray, w, h, effects.skew_degrees);
    if effects.stamp {
        stamp(gray, w, h, dice);
    }
    light(gray, w, h, effects.lighting, dice.chance(0.5));
    if effects.blur > 0 {
        *gray = blur(gray, w, h, effects.blur == 1);
    }
    noise(gray, effects.noise, dice);
    jpeg_blocks(gray, w, h, effects.jpeg_step);
}

/// Rotates about the centre (bilinear); corners brought in from outside are paper.
fn rotate(gray: &[u8], w: usize, h: usize, degrees: f64) -> Vec<u8> {
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
    let at = |x: i64, y: i64| -> f64 {
        if x < 0 || y < 0 || x >= w as i64 || y >= h as i64 {
            255.0
        } else {
            f64::from(gray[y as usize * w + x as usize])
        }
    };
    let mut out = vec![255; gray.len()];
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = (x as f64 - cx, y as f64 - cy);
            let sx = cos * dx + sin * dy + cx;
            let sy = -sin * dx + cos * dy + cy;
            let (x0, y0) = (sx.floor() as i64, sy.floor() as i64);
            let (fx, fy) = (sx - sx.floor(), sy - sy.floor());
            let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx;
            let bottom = at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx;
            out[y * w + x] = (top * (1.0 - fy) + bottom * fy).round() as u8;
        }
    }
    out
}

/// A 3×3 blur: `soft` keeps half the weight on the pixel itself (out of focus a
/// little), otherwise all nine pixels weigh the same.
fn blur(gray: &[u8], w: usize, h: usize, soft: bool) -> Vec<u8> {
    let mut out = gray.to_vec();
    let (centre, total) = if soft { (9, 17) } else { (1, 9) };
    for y in 1..h.saturating_sub(1) {
        for x in 1..w.saturating_sub(1) {
            let mut sum = 0u32;
            for yy in y - 1..=y + 1 {
                for xx in x - 1..=x + 1 {
                    sum += u32::from(gray[yy * w + xx]);
                }
            }
            sum += (centre - 1) * u32::from(gray[y * w + x]);
            out[y * w + x] = (sum / total) as u8;
        }
    }
    out
}

fn noise(gray: &mut [u8], amplitude: i32, dice: &mut Dice) {
    let spread = (amplitude * 2 + 1) as u64;
    for value in gray.iter_mut() {
        let shift = dice.below(spread) as i32 - amplitude;
        *value = (i32::from(*value) + shift).clamp(0, 255) as u8;
    }
}

/// Darkens the page linearly from one side to the other, as a lamp or a phone held
/// at an angle does.
fn light(gray: &mut [u8], w: usize, h: usize, loss: f64, from_left: bool) {
    for y in 0..h {
        for x in 0..w {
            let t = x as f64 / w.max(1) as f64;
            let shade = loss * if from_left { t } else { 1.0 - t };
            let value = &mut gray[y * w + x];
            *value = (f64::from(*value) - shade).clamp(0.0, 255.0) as u8;
        }
    }
}

/// An official round stamp in mid-grey ink somewhere over the right half of the
/// page, where the handwritten values are.
fn stamp(gray: &mut [u8], w: usize, h: usize, dice: &mut Dice) {
    let radius = dice.uniform(45.0, 70.0);
    let cx = dice.uniform(w as f64 * 0.5, w as f64 * 0.85);
    let cy = dice.uniform(h as f64 * 0.2, h as f64 * 0.8);
    let shade = dice.between(90, 150) as u8;
    for y in 0..h {
        for x in 0..w {
            let d = ((x as f64 - cx).powi(2) + (y as f64 - cy).powi(2)).sqrt();
            // Two rings, as stamps have.
            if (radius - 4.0..=radius).contains(&d)
                || (radius * 0.7 - 2.0..=radius * 0.7).contains(&d)
            {
                let value = &mut gray[y * w + x];
                *value = (*value).min(shade);
            }
        }
    }
}

/// Quantises each 8×8 block's deviation from its mean to `step`: the blocking and
/// ringing of a low-quality JPEG without a JPEG encoder.
fn jpeg_blocks(gray: &mut [u8], w: usize, h: usize, step: i32) {
    if step <= 0 {
        return;
    }
    for by in (0..h).step_by(8) {
        for bx in (0..w).step_by(8) {
            let (ys, xs) = (by..(by + 8).min(h), bx..(bx + 8).min(w));
            let count = (ys.len() * xs.len()) as i32;
            let sum: i32 = ys
                .clone()
                .flat_map(|y| xs.clone().map(move |x| (y, x)))
                .map(|(y, x)| i32::from(gray[y * w + x]))
                .sum();
            let mean = sum / count.max(1);
            for y in ys.clone() {
                for x in xs.clone() {
                    let value = &mut gray[y * w + x];
                    let detail = i32::from(*value) - mean;
                    let quantised = (detail as f64 / f64::from(step)).round() as i32 * step;
                    *value = (mean + quantised).clamp(0, 255) as u8;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dice::Purpose;

    fn page() -> Vec<u8> {
        (0..64 * 48)
            .map(|i| if i % 7 == 0 { 0 } else { 255 })
            .collect()
    }

    #[test]
    fn clean_changes_nothing_and_the_same_seed_degrades_the_same_way() {
        let mut clean = page();
        degrade(
            &mut clean,
            64,
            48,
            Degradation::Clean,
            &mut Dice::new(1, Purpose::Degrade, 1),
        );
        assert_eq!(clean, page());
        let run = |seed| {
            let mut gray = page();
            degrade(
                &mut gray,
                64,
                48,
                Degradation::Heavy,
                &mut Dice::new(seed, Purpose::Degrade, 1),
            );
            gray
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
        assert_ne!(run(3), page());
    }
}
