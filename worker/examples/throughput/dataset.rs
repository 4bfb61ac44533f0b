//! Gives a page-less synthetic dataset (`tally dataset synth --no-images`) two small
//! page images per record, so the Gemini client has something to send and the
//! emulator can tell records apart.
//!
//! Pages come from a pool of `pool` fixture PNGs; record `n` gets the pair
//! `(n mod pool, (n mod pool + n / pool + 1) mod pool)`. The emulator finds a record
//! by its images in any order, so pairs must differ as sets: the second page is at
//! most `(pool − 1) / 2` places on, which makes the pairs of the first
//! `pool × ⌊(pool − 1) / 2⌋` records distinct sets (a distance of `d` places one way
//! would be `pool − d` the other). The pool is `MIN_POOL` pages, or the smallest
//! that holds the dataset (1,415 pages for 1,000,000 records), so the emulator
//! answers every record with its own expected output.

use std::io::{BufRead, BufWriter, Write};
use std::path::Path;

use serde_json::Value;

const MIN_POOL: u64 = 400;

/// Records that get distinct pairs from `pool` pages.
fn pairs(pool: u64) -> u64 {
    pool * ((pool - 1) / 2)
}

/// The pages needed so that `records` records each get a distinct pair.
fn pool_for(records: u64) -> u64 {
    let mut pool = MIN_POOL;
    while pairs(pool) < records {
        pool += 1;
    }
    pool
}

pub fn attach_pages(folder: &Path) -> Result<u64, String> {
    let records = folder.join("records.jsonl");
    let lines = std::io::BufReader::new(
        std::fs::File::open(&records).map_err(|e| format!("{}: {e}", records.display()))?,
    )
    .lines()
    .map_while(Result::ok)
    .filter(|line| !line.trim().is_empty())
    .count() as u64;
    let pool = pool_for(lines);
    let pages = folder.join("pages");
    std::fs::create_dir_all(&pages).map_err(|e| format!("{}: {e}", pages.display()))?;
    for n in 0..pool {
        let path = pages.join(format!("p{n:03}.png"));
        std::fs::write(&path, gemini_emulator::fixtures::png(n as u32))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
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
        let (a, k) = (count % pool, count / pool);
        let b = (a + k + 1) % pool;
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
