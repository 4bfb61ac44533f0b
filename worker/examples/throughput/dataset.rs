//! Gives a page-less synthetic dataset (`tally dataset synth --no-images`) two small
//! page images per record, so the Gemini client has something to send and the
//! emulator can tell records apart.
//!
//! Pages come from a pool of `POOL` fixture PNGs; record `n` gets the pair
//! `(n mod POOL, (n mod POOL + n / POOL + 1) mod POOL)`, distinct for the first
//! `POOL × (POOL − 1)` records, so the emulator finds each record by its two images
//! and answers with that record's expected output.

use std::io::{BufRead, BufWriter, Write};
use std::path::Path;

use serde_json::Value;

const POOL: u64 = 400;

pub fn attach_pages(folder: &Path) -> Result<u64, String> {
    let pages = folder.join("pages");
    std::fs::create_dir_all(&pages).map_err(|e| format!("{}: {e}", pages.display()))?;
    for n in 0..POOL {
        let path = pages.join(format!("p{n:03}.png"));
        std::fs::write(&path, gemini_emulator::fixtures::png(n as u32))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let records = folder.join("records.jsonl");
    let rewritten = folder.join("records.jsonl.paged");
    let input = std::fs::File::open(&records).map_err(|e| format!("{}: {e}", records.display()))?;
    let output =
        std::fs::File::create(&rewritten).map_err(|e| format!("{}: {e}", rewritten.display()))?;
    let mut output = BufWriter::new(output);
    let mut count = 0u64;
    for (number, line) in std::io::BufReader::new(input).lines().enumerate() {
        let line = line.map_err(|e| format!("{}:{}: {e}", records.display(), number + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let mut record: Value = serde_json::from_str(&line)
            .map_err(|e| format!("{}:{}: {e}", records.display(), number + 1))?;
        let (a, k) = (count % POOL, count / POOL);
        let b = (a + k + 1) % POOL;
        record["input"]["image_paths"] =
            serde_json::json!([format!("pages/p{a:03}.png"), format!("pages/p{b:03}.png")]);
        record["input"]["num_pages"] = serde_json::json!(2);
        serde_json::to_writer(&mut output, &record).map_err(|e| e.to_string())?;
        output.write_all(b"\n").map_err(|e| e.to_string())?;
        count += 1;
    }
    output.flush().map_err(|e| e.to_string())?;
    drop(output);
    std::fs::rename(&rewritten, &records).map_err(|e| format!("{}: {e}", records.display()))?;
    Ok(count)
}
