//! A `.zip` archive, read through its central directory: every entry's name, kind
//! and declared size are checked by the `Unpacker` before its bytes are read, and the
//! bytes are checked against the limit again (and their CRC by the zip library). The
//! entry count is checked from the end record first (`zip_directory`).

use std::fs::File;
use std::path::Path;

use zip::ZipArchive;

use super::limits::{MAX_FILES_ENV, UploadLimits};
use super::unpack::{EntryKind, Stop, Unpacker};
use super::zip_directory;

/// Unix file types, from the mode a zip made on Unix records.
const S_IFMT: u32 = 0o170000;
const S_IFREG: u32 = 0o100000;
const S_IFDIR: u32 = 0o040000;
const S_IFLNK: u32 = 0o120000;
const S_IFIFO: u32 = 0o010000;
const S_IFCHR: u32 = 0o020000;
const S_IFBLK: u32 = 0o060000;

pub fn unpack(archive: &Path, unpacker: &mut Unpacker, limits: UploadLimits) {
    let mut file = match File::open(archive) {
        Ok(file) => file,
        Err(e) => {
            unpacker.problem(".", format!("the archive cannot be opened: {e}"));
            return;
        }
    };
    // Counted before the library reads (and keeps) every entry of the directory.
    if let Some(directory) = zip_directory::read(&mut file)
        && directory.entries > limits.files
    {
        let name = zip_directory::name_at(&mut file, &directory, limits.files)
            .unwrap_or_else(|| ".".to_string());
        unpacker.problem(
            &name,
            format!(
                "the archive holds {} entries, more than {} ({MAX_FILES_ENV})",
                directory.entries, limits.files
            ),
        );
        return;
    }
    let mut zip = match ZipArchive::new(file) {
        Ok(zip) => zip,
        Err(e) => {
            unpacker.problem(".", format!("not a readable .zip archive: {e}"));
            return;
        }
    };
    for index in 0..zip.len() {
        let listed = name_at(&zip, index).unwrap_or_else(|| format!("entry {index}"));
        let entry = match zip.by_index(index) {
            Ok(entry) => entry,
            Err(e) => {
                unpacker.problem(&listed, format!("cannot be read: {e}"));
                continue;
            }
        };
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let kind = kind(entry.is_dir(), entry.unix_mode());
        let admitted = match unpacker.admit(&name, kind, entry.size()) {
            Ok(admitted) => admitted,
            Err(Stop) => return,
        };
        if let Some(admitted) = admitted
            && let Err(Stop) = unpacker.write(&name, admitted, entry)
        {
            return;
        }
    }
}

fn name_at(zip: &ZipArchive<File>, index: usize) -> Option<String> {
    zip.name_for_index(index)?
        .ok()
        .map(|name| name.into_owned())
}

fn kind(is_dir: bool, unix_mode: Option<u32>) -> EntryKind {
    match unix_mode.map(|mode| mode & S_IFMT) {
        Some(S_IFLNK) => EntryKind::Refused("a symbolic link"),
        Some(S_IFCHR | S_IFBLK) => EntryKind::Refused("a device"),
        Some(S_IFIFO) => EntryKind::Refused("a FIFO"),
        Some(S_IFDIR) => EntryKind::Folder,
        _ if is_dir => EntryKind::Folder,
        None | Some(0 | S_IFREG) => EntryKind::File,
        Some(_) => EntryKind::Refused("an entry of an unsupported type"),
    }
}
