//! The end of a zip's central directory, read before the zip library reads the
//! directory itself: the library keeps every entry in memory and reads as many as the
//! end record declares, so an archive of millions of tiny entries is refused by that
//! count first — naming the first entry past the limit, found by walking the
//! directory's headers without keeping them.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};

const END: &[u8; 4] = b"PK\x05\x06";
const END64_LOCATOR: &[u8; 4] = b"PK\x06\x07";
const END64: &[u8; 4] = b"PK\x06\x06";
const HEADER: &[u8; 4] = b"PK\x01\x02";
/// The end record's fixed part; a comment of up to 65,535 bytes may follow it.
const END_BYTES: u64 = 22;

/// What the end records declare: the number of entries and where the directory starts.
pub struct Directory {
    pub entries: u64,
    start: u64,
}

/// The declared directory, or `None` when there is no readable end record (the zip
/// library then says what is wrong).
pub fn read(file: &mut File) -> Option<Directory> {
    let length = file.metadata().ok()?.len();
    let tail_length = length.min(END_BYTES + u64::from(u16::MAX));
    let tail = read_at(
        file,
        length - tail_length,
        usize::try_from(tail_length).ok()?,
    )?;
    let at = (0..=tail.len().checked_sub(END_BYTES as usize)?)
        .rev()
        .find(|&i| &tail[i..i + 4] == END)?;
    let entries = u16_at(&tail, at + 10)?;
    let start = u32_at(&tail, at + 16)?;
    if entries != u16::MAX && start != u32::MAX {
        return Some(Directory {
            entries: u64::from(entries),
            start: u64::from(start),
        });
    }
    // Zip64: a locator just before the end record points at the larger end record.
    let end_offset = (length - tail_length).checked_add(at as u64)?;
    let locator = read_at(file, end_offset.checked_sub(20)?, 20)?;
    if &locator[..4] != END64_LOCATOR {
        return None;
    }
    let end64 = read_at(file, u64_at(&locator, 8)?, 56)?;
    if &end64[..4] != END64 {
        return None;
    }
    Some(Directory {
        entries: u64_at(&end64, 32)?,
        start: u64_at(&end64, 48)?,
    })
}

/// The name of entry `index` (from 0), walking the directory's headers.
pub fn name_at(file: &mut File, directory: &Directory, index: u64) -> Option<String> {
    file.seek(SeekFrom::Start(directory.start)).ok()?;
    let mut reader = BufReader::new(file);
    let mut header = [0u8; 46];
    for position in 0..=index {
        reader.read_exact(&mut header).ok()?;
        if &header[..4] != HEADER {
            return None;
        }
        let name = usize::from(u16_at(&header, 28)?);
        let rest = i64::from(u16_at(&header, 30)?) + i64::from(u16_at(&header, 32)?);
        if position == index {
            let mut bytes = vec![0u8; name];
            reader.read_exact(&mut bytes).ok()?;
            return Some(String::from_utf8_lossy(&bytes).into_owned());
        }
        reader.seek_relative(name as i64 + rest).ok()?;
    }
    None
}

fn read_at(file: &mut File, offset: u64, length: usize) -> Option<Vec<u8>> {
    file.seek(SeekFrom::Start(offset)).ok()?;
    let mut bytes = vec![0u8; length];
    file.read_exact(&mut bytes).ok()?;
    Some(bytes)
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}
