//! `Unpacker`: writes an archive's entries into the staging folder, one at a time,
//! whatever the archive format. Every entry is checked before its bytes are read —
//! the count, its declared size, its path (relative, no `..`, no `\`), its kind (only
//! files and folders: no links, devices or FIFOs) — and its bytes are copied with the
//! limit enforced again, since a declared size may lie.
//!
//! A bad path or kind is a problem and the entry is skipped, so one answer lists
//! every such entry; crossing a limit stops the unpacking at that entry.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use tally_core::dataset::Problem;

use super::limits::{MAX_FILES_ENV, MAX_UNPACKED_BYTES_ENV, UploadLimits};

/// The most problems one answer lists; the rest are counted.
const MAX_PROBLEMS: usize = 100;
/// Longest entry name quoted back.
const MAX_NAME_CHARS: usize = 200;

/// What an archive says an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Folder,
    /// Archive metadata that is no entry of the dataset (a tar's global header).
    Metadata,
    /// Anything else, named: "a symbolic link", "a device", …
    Refused(&'static str),
}

/// Unpacking stopped at a limit; the problem is recorded.
#[derive(Debug)]
pub struct Stop;

/// An entry accepted for writing: where it goes and how many bytes it may hold.
pub struct Admitted {
    path: PathBuf,
    limit: u64,
    limit_name: &'static str,
}

pub struct Unpacker<'a> {
    root: &'a Path,
    limits: UploadLimits,
    entries: u64,
    unpacked: u64,
    files: HashSet<PathBuf>,
    problems: Vec<Problem>,
    unlisted: usize,
}

impl<'a> Unpacker<'a> {
    /// Unpacks into `root`, an empty folder.
    pub fn new(root: &'a Path, limits: UploadLimits) -> Unpacker<'a> {
        Unpacker {
            root,
            limits,
            entries: 0,
            unpacked: 0,
            files: HashSet::new(),
            problems: Vec::new(),
            unlisted: 0,
        }
    }

    /// Records a problem of `entry` (or of the archive, `.`).
    pub fn problem(&mut self, entry: &str, message: impl Into<String>) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(Problem::in_file(&shown(entry), message));
        } else {
            self.unlisted += 1;
        }
    }

    /// Checks an entry from its header: `Ok(None)` skips it (a problem was recorded,
    /// or it is metadata), `Err(Stop)` ends the unpacking.
    pub fn admit(
        &mut self,
        name: &str,
        kind: EntryKind,
        declared: u64,
    ) -> Result<Option<Admitted>, Stop> {
        if kind == EntryKind::Metadata {
            return Ok(None);
        }
        self.entries += 1;
        if self.entries > self.limits.files {
            let limit = self.limits.files;
            self.problem(
                name,
                format!("the archive holds more than {limit} entries ({MAX_FILES_ENV})"),
            );
            return Err(Stop);
        }
        let is_image = is_image(name);
        let (limit, limit_name) = self.limits.entry_bytes(is_image);
        if declared > limit {
            let what = if is_image { "an image" } else { "a file" };
            self.problem(
                name,
                format!(
                    "declares {declared} bytes; {what} may hold at most {limit} ({limit_name})"
                ),
            );
            return Err(Stop);
        }
        self.count_unpacked(name, declared)?;
        let path = match relative_path(name) {
            Ok(path) => path,
            Err(message) => {
                self.problem(name, message);
                return Ok(None);
            }
        };
        match kind {
            EntryKind::Folder => {
                if let Err(e) = std::fs::create_dir_all(self.root.join(&path)) {
                    self.problem(name, format!("cannot be created as a folder: {e}"));
                }
                Ok(None)
            }
            EntryKind::File if path.as_os_str().is_empty() => {
                self.problem(name, "a file cannot be the archive's root");
                Ok(None)
            }
            EntryKind::File => Ok(Some(Admitted {
                path,
                limit,
                limit_name,
            })),
            EntryKind::Refused(what) => {
                self.problem(
                    name,
                    format!("is {what}; an archive may hold only files and folders"),
                );
                Ok(None)
            }
            EntryKind::Metadata => Ok(None),
        }
    }

    /// Copies an admitted entry's bytes, at most its limit.
    pub fn write(&mut self, name: &str, entry: Admitted, bytes: impl Read) -> Result<(), Stop> {
        if !self.files.insert(entry.path.clone()) {
            self.problem(name, "appears twice in the archive");
            return Ok(());
        }
        let target = self.root.join(&entry.path);
        let copied = create(&target).and_then(|mut file| {
            io::copy(&mut bytes.take(entry.limit.saturating_add(1)), &mut file)
        });
        match copied {
            Ok(copied) if copied > entry.limit => {
                let (limit, limit_name) = (entry.limit, entry.limit_name);
                self.problem(
                    name,
                    format!("holds more than {limit} bytes ({limit_name})"),
                );
                Err(Stop)
            }
            // The declared size was counted already; what the entry really held
            // replaces it.
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                self.problem(name, "appears twice in the archive");
                Ok(())
            }
            Err(e) => {
                self.problem(name, format!("cannot be unpacked: {e}"));
                Ok(())
            }
        }
    }

    /// Adds `bytes` to the unpacked total, stopping past its limit.
    fn count_unpacked(&mut self, name: &str, bytes: u64) -> Result<(), Stop> {
        self.unpacked = self.unpacked.saturating_add(bytes);
        if self.unpacked > self.limits.unpacked_bytes {
            let limit = self.limits.unpacked_bytes;
            self.problem(
                name,
                format!(
                    "the archive unpacks to more than {limit} bytes ({MAX_UNPACKED_BYTES_ENV})"
                ),
            );
            return Err(Stop);
        }
        Ok(())
    }

    /// Every problem found, or `Ok` when the archive unpacked cleanly.
    pub fn finish(mut self) -> Result<(), Vec<Problem>> {
        if self.unlisted > 0 {
            let more = self.unlisted;
            self.problems.push(Problem::in_file(
                ".",
                format!("and {more} more problem(s) not listed"),
            ));
        }
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(self.problems)
        }
    }
}

/// A new file (never an existing one), its folders created first.
fn create(target: &Path) -> io::Result<File> {
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    OpenOptions::new().write(true).create_new(true).open(target)
}

/// An entry's name as a path under the root, or why it cannot be one. `./` and empty
/// components are allowed (tar writes them); the root itself is the empty path.
pub fn relative_path(name: &str) -> Result<PathBuf, &'static str> {
    if name.is_empty() {
        return Err("has an empty name");
    }
    if name.contains('\0') {
        return Err("has a NUL character in its name");
    }
    if name.contains('\\') {
        return Err("uses '\\' in its path; archive paths separate folders with '/'");
    }
    let mut path = PathBuf::new();
    for component in Path::new(name).components() {
        match component {
            Component::RootDir | Component::Prefix(_) => {
                return Err("is an absolute path; entries must be relative to the archive's root");
            }
            Component::ParentDir => return Err("uses '..' to leave the archive's root"),
            Component::CurDir => {}
            Component::Normal(part) => path.push(part),
        }
    }
    Ok(path)
}

fn is_image(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".png", ".jpg", ".jpeg"].iter().any(|e| lower.ends_with(e))
}

fn shown(name: &str) -> String {
    if name.chars().count() <= MAX_NAME_CHARS {
        return name.to_string();
    }
    let mut cut: String = name.chars().take(MAX_NAME_CHARS).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_under_the_root() {
        assert_eq!(relative_path("./a/b.png"), Ok(PathBuf::from("a/b.png")));
        assert_eq!(relative_path("./"), Ok(PathBuf::new()));
        assert!(relative_path("/etc/passwd").is_err());
        assert!(relative_path("a/../../b").is_err());
        assert!(relative_path("..").is_err());
        assert!(relative_path("a\\..\\b").is_err());
        assert!(relative_path("").is_err());
    }

    #[test]
    fn a_lying_entry_is_cut_at_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let limits = UploadLimits {
            file_bytes: 4,
            ..UploadLimits::default()
        };
        let mut unpacker = Unpacker::new(dir.path(), limits);
        let admitted = unpacker
            .admit("notes.txt", EntryKind::File, 2)
            .unwrap()
            .unwrap();
        assert!(
            unpacker
                .write("notes.txt", admitted, &b"0123456789"[..])
                .is_err()
        );
        let problems = unpacker.finish().unwrap_err();
        assert_eq!(problems[0].file, "notes.txt");
        assert!(
            problems[0].message.contains("more than 4 bytes"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_second_entry_with_the_same_path_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut unpacker = Unpacker::new(dir.path(), UploadLimits::default());
        for name in ["a.txt", "./a.txt"] {
            let admitted = unpacker.admit(name, EntryKind::File, 1).unwrap().unwrap();
            unpacker.write(name, admitted, &b"x"[..]).unwrap();
        }
        let problems = unpacker.finish().unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].file, "./a.txt");
    }
}
