//! A `.tar.gz` archive, read as one stream: each header is checked by the
//! `Unpacker` before the entry's bytes are read. The decompressed stream is bounded
//! too (the unpacked limit plus room for every header), so not even the tar
//! library's own long-name and PAX records can make it read without end.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use flate2::read::GzDecoder;
use tar::{Archive, EntryType};

use super::limits::{MAX_UNPACKED_BYTES_ENV, UploadLimits};
use super::unpack::{EntryKind, Stop, Unpacker};

/// Room for one entry's headers (a 512-byte header, a long name, PAX records).
const HEADER_ALLOWANCE: u64 = 8 * 1024;

pub fn unpack(archive: &Path, unpacker: &mut Unpacker, limits: UploadLimits) {
    let file = match File::open(archive) {
        Ok(file) => file,
        Err(e) => {
            unpacker.problem(".", format!("the archive cannot be opened: {e}"));
            return;
        }
    };
    let bound = limits.unpacked_bytes.saturating_add(
        limits
            .files
            .saturating_add(2)
            .saturating_mul(HEADER_ALLOWANCE),
    );
    let mut stream = Bounded {
        inner: GzDecoder::new(BufReader::new(file)),
        left: bound,
    };
    let outcome = read_entries(&mut Archive::new(&mut stream), unpacker);
    if let Err(message) = outcome {
        if stream.left == 0 {
            unpacker.problem(
                ".",
                format!(
                    "the archive unpacks to more than {} bytes ({MAX_UNPACKED_BYTES_ENV})",
                    limits.unpacked_bytes
                ),
            );
        } else {
            unpacker.problem(".", format!("not a readable .tar.gz archive: {message}"));
        }
    }
}

/// Reads every entry; `Err` when the archive itself cannot be read on.
fn read_entries<R: Read>(archive: &mut Archive<R>, unpacker: &mut Unpacker) -> Result<(), String> {
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let declared = entry.size();
        let admitted = match unpacker.admit(&name, kind(entry.header().entry_type()), declared) {
            Ok(admitted) => admitted,
            Err(Stop) => return Ok(()),
        };
        if let Some(admitted) = admitted
            && let Err(Stop) = unpacker.write(&name, admitted, entry)
        {
            return Ok(());
        }
    }
    Ok(())
}

fn kind(entry_type: EntryType) -> EntryKind {
    match entry_type {
        EntryType::Regular | EntryType::Continuous => EntryKind::File,
        EntryType::Directory => EntryKind::Folder,
        EntryType::XGlobalHeader => EntryKind::Metadata,
        EntryType::Symlink => EntryKind::Refused("a symbolic link"),
        EntryType::Link => EntryKind::Refused("a hard link"),
        EntryType::Char | EntryType::Block => EntryKind::Refused("a device"),
        EntryType::Fifo => EntryKind::Refused("a FIFO"),
        EntryType::GNUSparse => EntryKind::Refused("a sparse file"),
        _ => EntryKind::Refused("an entry of an unsupported type"),
    }
}

/// A reader that ends in an error once `left` bytes were read.
struct Bounded<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::other("the unpacked size limit was reached"));
        }
        let most = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let read = self.inner.read(&mut buf[..most])?;
        self.left -= read as u64;
        Ok(read)
    }
}
