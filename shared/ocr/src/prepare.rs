//! Cleans a page image before Tesseract sees it: the form's table rules erased and
//! the page doubled in size.
//!
//! Both measured on the sample pages: Tesseract's layout analysis takes the rules of
//! the results table for text and loses the cells' numbers beside them, and at the
//! 100 dpi of the sample scans the handwritten digits are below the glyph size its
//! Thai model was trained on. PNG pages only; other images go to Tesseract as they are.

use std::io::Cursor;

/// Darker than this may be part of a rule: rules drawn between pixel rows come out as
/// two light-grey rows, so the bar is near the paper's white (noise and uneven paper
/// of the synthetic scans stay above it).
const INK: u8 = 190;
/// Runs of ink at least this long (in source pixels) are rules, not letters: the
/// widest Thai glyph cluster of the forms is about 30 px, the shortest rule 40.
const HORIZONTAL_RULE: usize = 60;
const VERTICAL_RULE: usize = 40;
const SCALE: usize = 2;

#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    #[error("not a PNG image this reader takes: {0}")]
    Decode(#[from] png::DecodingError),
    #[error("encoding the cleaned page: {0}")]
    Encode(#[from] png::EncodingError),
}

/// The cleaned page as a grayscale PNG.
pub fn prepare(png_bytes: &[u8]) -> Result<Vec<u8>, PrepareError> {
    let (mut gray, width, height) = decode_gray(png_bytes)?;
    erase_rules(&mut gray, width, height);
    let (large, width, height) = upscale(&gray, width, height);
    encode_gray(&large, width, height)
}

fn decode_gray(bytes: &[u8]) -> Result<(Vec<u8>, usize, usize), PrepareError> {
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info()?;
    let size = reader.output_buffer_size().unwrap_or(0);
    let mut buffer = vec![0; size];
    let info = reader.next_frame(&mut buffer)?;
    let (width, height) = (info.width as usize, info.height as usize);
    let channels = info.color_type.samples();
    let gray = buffer[..info.buffer_size()]
        .chunks(info.line_size)
        .flat_map(|row| row.chunks(channels).take(width))
        .map(|pixel| match pixel {
            [r, g, b, ..] => {
                ((299 * u32::from(*r) + 587 * u32::from(*g) + 114 * u32::from(*b)) / 1000) as u8
            }
            [gray, ..] => *gray,
            [] => 255,
        })
        .collect();
    Ok((gray, width, height))
}

/// Whitens every horizontal or vertical run of ink long enough to be a rule.
fn erase_rules(gray: &mut [u8], width: usize, height: usize) {
    let mut rule = vec![false; gray.len()];
    mark_runs(
        gray,
        &mut rule,
        height,
        width,
        |y, x| y * width + x,
        HORIZONTAL_RULE,
    );
    mark_runs(
        gray,
        &mut rule,
        width,
        height,
        |x, y| y * width + x,
        VERTICAL_RULE,
    );
    for (pixel, is_rule) in gray.iter_mut().zip(rule) {
        if is_rule {
            *pixel = 255;
        }
    }
}

/// Along each of `lines` lines of `length` pixels, marks runs of ink ≥ `min`.
fn mark_runs(
    gray: &[u8],
    rule: &mut [bool],
    lines: usize,
    length: usize,
    index: impl Fn(usize, usize) -> usize,
    min: usize,
) {
    for line in 0..lines {
        let mut start = 0;
        for at in 0..=length {
            let ink = at < length && gray[index(line, at)] < INK;
            if ink {
                continue;
            }
            if at - start >= min {
                for along in start..at {
                    rule[index(line, along)] = true;
                }
            }
            start = at + 1;
        }
    }
}

/// Bilinear upscaling by `SCALE`.
fn upscale(gray: &[u8], width: usize, height: usize) -> (Vec<u8>, usize, usize) {
    let (w, h) = (width * SCALE, height * SCALE);
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        let sy = ((y as f32 + 0.5) / SCALE as f32 - 0.5).max(0.0);
        let (y0, fy) = (sy as usize, sy.fract());
        let y1 = (y0 + 1).min(height.saturating_sub(1));
        for x in 0..w {
            let sx = ((x as f32 + 0.5) / SCALE as f32 - 0.5).max(0.0);
            let (x0, fx) = (sx as usize, sx.fract());
            let x1 = (x0 + 1).min(width.saturating_sub(1));
            let at = |yy: usize, xx: usize| f32::from(gray[yy * width + xx]);
            let top = at(y0, x0) * (1.0 - fx) + at(y0, x1) * fx;
            let bottom = at(y1, x0) * (1.0 - fx) + at(y1, x1) * fx;
            out.push((top * (1.0 - fy) + bottom * fy).round() as u8);
        }
    }
    (out, w, h)
}

fn encode_gray(gray: &[u8], width: usize, height: usize) -> Result<Vec<u8>, PrepareError> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width as u32, height as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(gray)?;
    writer.finish()?;
    Ok(bytes)
}
