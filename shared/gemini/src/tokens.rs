//! A request's input tokens, estimated before it is sent: what Gemini's TPM quota
//! counts (input only; output and thinking do not count).
//!
//! Images follow Google's documented rule for Gemini 2.x: 258 tokens for an image
//! with both sides at most 384 px, otherwise 258 per tile, the tile's side being the
//! shorter side / 1.5 clamped to 256–768 px. Text is about four characters a token;
//! the measured `promptTokenCount` settles the difference after the call.

use std::sync::LazyLock;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use tally_core::extraction::response_schema;

use super::wire::{GenerateContentRequest, Part};

/// Tokens of one image tile (and of a small image).
pub const TOKENS_PER_TILE: u64 = 258;

/// Tokens counted for a page whose size cannot be read here (a `gs://` page, an
/// unknown format): the tiles of a typical A4 scan at 150 dpi.
const UNKNOWN_IMAGE_TOKENS: u64 = 6 * TOKENS_PER_TILE;

/// Characters per text token (the schema and prompts are mostly ASCII JSON).
const CHARS_PER_TOKEN: usize = 4;

/// Input tokens of an image of `width` × `height` pixels.
pub fn image_tokens(width: u32, height: u32) -> u64 {
    if width <= 384 && height <= 384 {
        return TOKENS_PER_TILE;
    }
    let tile = (f64::from(width.min(height)) / 1.5).clamp(256.0, 768.0);
    let across = (f64::from(width) / tile).ceil() as u64;
    let down = (f64::from(height) / tile).ceil() as u64;
    across.max(1) * down.max(1) * TOKENS_PER_TILE
}

/// Input tokens of `chars` characters of text.
pub fn text_tokens(chars: usize) -> u64 {
    chars.div_ceil(CHARS_PER_TOKEN) as u64
}

/// Width and height from a PNG, JPEG, GIF or WebP header; `None` for anything else.
pub fn image_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let be32 = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    };
    let le16 = |at: usize| -> Option<u32> {
        Some(u32::from(u16::from_le_bytes(
            bytes.get(at..at + 2)?.try_into().ok()?,
        )))
    };
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.get(12..16) == Some(b"IHDR") {
        return Some((be32(16)?, be32(20)?));
    }
    if bytes.starts_with(b"GIF8") {
        return Some((le16(6)?, le16(8)?));
    }
    if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return webp_size(bytes);
    }
    if bytes.starts_with(&[0xFF, 0xD8]) {
        return jpeg_size(bytes);
    }
    None
}

fn webp_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let le24 = |at: usize| -> Option<u32> {
        let b = bytes.get(at..at + 3)?;
        Some(u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16)
    };
    match bytes.get(12..16)? {
        b"VP8X" => Some((le24(24)? + 1, le24(27)? + 1)),
        b"VP8L" => {
            let b = bytes.get(21..25)?;
            let bits = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8 " => {
            let b = bytes.get(26..30)?;
            Some((
                u32::from(u16::from_le_bytes([b[0], b[1]]) & 0x3FFF),
                u32::from(u16::from_le_bytes([b[2], b[3]]) & 0x3FFF),
            ))
        }
        _ => None,
    }
}

/// The frame size from the first start-of-frame marker (SOF0–SOF15 but DHT, JPG, DAC).
fn jpeg_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        while *bytes.get(at)? == 0xFF && *bytes.get(at + 1)? == 0xFF {
            at += 1;
        }
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        let length = usize::from(u16::from_be_bytes([
            *bytes.get(at + 2)?,
            *bytes.get(at + 3)?,
        ]));
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let height = u16::from_be_bytes([*bytes.get(at + 5)?, *bytes.get(at + 6)?]);
            let width = u16::from_be_bytes([*bytes.get(at + 7)?, *bytes.get(at + 8)?]);
            return Some((u32::from(width), u32::from(height)));
        }
        at += 2 + length;
    }
}

/// Input tokens of an image given as its bytes.
pub fn image_bytes_tokens(bytes: &[u8]) -> u64 {
    image_size(bytes).map_or(UNKNOWN_IMAGE_TOKENS, |(w, h)| image_tokens(w, h))
}

/// The input tokens `request` will count: its images by their tiles, its text
/// (system instruction, prompts and the response schema) by length.
pub fn estimate_input_tokens(request: &GenerateContentRequest) -> u64 {
    let mut chars = 0;
    let mut tokens = 0;
    let parts = request
        .contents
        .iter()
        .chain([&request.system_instruction])
        .flat_map(|content| &content.parts);
    for part in parts {
        match part {
            Part::Text(text) => chars += text.chars().count(),
            Part::InlineData(blob) => tokens += base64_image_tokens(&blob.data),
            Part::FileData(_) => tokens += UNKNOWN_IMAGE_TOKENS,
        }
    }
    chars += schema_chars(request.generation_config.response_schema);
    tokens + text_tokens(chars)
}

/// Base64 characters decoded first: a PNG, GIF or WebP header, and most JPEGs' first
/// frame header, lie well within their 3 KB.
const HEADER_CHARS: usize = 4096;

/// Input tokens of an image given as standard base64. The size is read from the
/// decoded start of the image; only when it is not there (a JPEG with large metadata
/// segments first, an unknown format) is the whole image decoded, so the answer is
/// always the one the whole image gives.
fn base64_image_tokens(data: &str) -> u64 {
    if data.len() > HEADER_CHARS
        && let Some(start) = data.get(..HEADER_CHARS)
        && let Ok(bytes) = STANDARD.decode(start)
        && let Some((width, height)) = image_size(&bytes)
    {
        return image_tokens(width, height);
    }
    STANDARD
        .decode(data)
        .map_or(UNKNOWN_IMAGE_TOKENS, |bytes| image_bytes_tokens(&bytes))
}

/// The length of `schema` as sent. The extraction's schema, which every request
/// carries, is measured once rather than printed again for each call.
fn schema_chars(schema: &Value) -> usize {
    static EXTRACTION: LazyLock<usize> = LazyLock::new(|| json_chars(response_schema()));
    if std::ptr::eq(schema, response_schema()) {
        *EXTRACTION
    } else {
        json_chars(schema)
    }
}

fn json_chars(value: &Value) -> usize {
    serde_json::to_string(value).map_or(0, |json| json.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_count_by_the_documented_tiles() {
        assert_eq!(image_tokens(384, 384), 258, "small: one tile");
        assert_eq!(image_tokens(300, 200), 258);
        // A4 at 100 dpi: tile 551 px, 2 × 3 tiles.
        assert_eq!(image_tokens(827, 1169), 6 * 258);
        // Large scans: tiles capped at 768 px.
        assert_eq!(image_tokens(2480, 3508), 4 * 5 * 258);
        // A thin strip: tiles at least 256 px.
        assert_eq!(image_tokens(1000, 100), 4 * 258, "4 across, 1 down");
    }

    #[test]
    fn sizes_are_read_from_png_and_jpeg_headers() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&827u32.to_be_bytes());
        png.extend_from_slice(&1169u32.to_be_bytes());
        assert_eq!(image_size(&png), Some((827, 1169)));
        // SOI, an APP0 segment of 4 bytes, then SOF0 with height 600, width 800.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x02,
            0x58, 0x03, 0x20,
        ];
        assert_eq!(image_size(&jpeg), Some((800, 600)));
        assert_eq!(image_size(b"not an image"), None);
        assert_eq!(image_bytes_tokens(b"?"), UNKNOWN_IMAGE_TOKENS);
    }

    #[test]
    fn the_schema_counts_as_printed_in_the_body() {
        let settings = crate::settings::GenerationSettings::new("gemini-2.5-flash", 0.0);
        let request = crate::request::build(&settings, Vec::new()).unwrap();
        let text: usize = [&request.contents[0], &request.system_instruction]
            .iter()
            .flat_map(|content| &content.parts)
            .map(|part| match part {
                Part::Text(text) => text.chars().count(),
                _ => 0,
            })
            .sum();
        let printed = serde_json::to_string(response_schema()).unwrap().len();
        assert_eq!(estimate_input_tokens(&request), text_tokens(text + printed));
        // Another schema is measured as it is, not as the extraction's.
        let other: &'static Value = Box::leak(Box::new(serde_json::json!({"type": "STRING"})));
        let mut request = request;
        request.generation_config.response_schema = other;
        assert_eq!(
            estimate_input_tokens(&request),
            text_tokens(text + r#"{"type":"STRING"}"#.len())
        );
    }

    #[test]
    fn inline_images_count_by_their_size_wherever_the_header_lies() {
        // A PNG of 827 × 1169 with 8 KB of data after its header.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&827u32.to_be_bytes());
        png.extend_from_slice(&1169u32.to_be_bytes());
        png.resize(8192, 7);
        assert_eq!(base64_image_tokens(&STANDARD.encode(&png)), 6 * 258);
        // A JPEG whose frame header (800 × 600) follows a 10 KB metadata segment: past
        // the decoded start, found in the whole image.
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1, 0x27, 0x10];
        jpeg.resize(4 + 0x2710, 0);
        jpeg.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08, 0x02, 0x58, 0x03, 0x20]);
        jpeg.resize(jpeg.len() + 100, 0);
        assert_eq!(
            base64_image_tokens(&STANDARD.encode(&jpeg)),
            image_tokens(800, 600)
        );
        assert_eq!(base64_image_tokens("not base64!"), UNKNOWN_IMAGE_TOKENS);
        assert_eq!(
            base64_image_tokens(&STANDARD.encode(vec![0u8; 8192])),
            UNKNOWN_IMAGE_TOKENS
        );
    }

    #[test]
    fn text_counts_by_length() {
        assert_eq!(text_tokens(0), 0);
        assert_eq!(text_tokens(9), 3);
    }
}
