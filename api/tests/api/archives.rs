//! Archives for the upload tests: a folder packed as `.tar.gz` or `.zip` as the CLI
//! and common tools pack it, and hand-made entries no honest tool writes (`..` and
//! absolute paths, links, lying sizes), built directly so the tests stay cheap.

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use zip::write::SimpleFileOptions;

/// Every file under `dir`, as `(path relative to dir with '/', absolute path)`, sorted.
pub fn files_of(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap().to_str().unwrap();
                found.push((relative.replace('\\', "/"), path.clone()));
            }
        }
    }
    found.sort();
    found
}

/// `dir`'s files at the root of a `.tar.gz`.
pub fn tar_gz_of(dir: &Path) -> Vec<u8> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    for (relative, path) in files_of(dir) {
        builder.append_path_with_name(&path, &relative).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// `dir`'s files at the root of a `.zip` (deflated).
pub fn zip_of(dir: &Path) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (relative, path) in files_of(dir) {
        zip.start_file(relative, SimpleFileOptions::default())
            .unwrap();
        zip.write_all(&std::fs::read(path).unwrap()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// One hand-made tar entry: its raw name, type, declared size and actual bytes.
pub struct RawEntry<'a> {
    pub name: &'a str,
    pub kind: tar::EntryType,
    pub declared: u64,
    pub bytes: &'a [u8],
    pub link: Option<&'a str>,
}

impl<'a> RawEntry<'a> {
    pub fn file(name: &'a str, bytes: &'a [u8]) -> RawEntry<'a> {
        RawEntry {
            name,
            kind: tar::EntryType::Regular,
            declared: bytes.len() as u64,
            bytes,
            link: None,
        }
    }
}

/// A `.tar.gz` of `entries` exactly as given: names are written into the header as
/// they are (the tar library itself refuses `..` and absolute paths).
pub fn raw_tar_gz(entries: &[RawEntry]) -> Vec<u8> {
    let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
    for entry in entries {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(entry.kind);
        header.set_size(entry.declared);
        header.set_mode(0o644);
        let name = entry.name.as_bytes();
        header.as_old_mut().name[..name.len()].copy_from_slice(name);
        if let Some(link) = entry.link {
            header.set_link_name_literal(link).unwrap();
        }
        header.set_cksum();
        builder.append(&header, entry.bytes).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// A `.zip` of stored entries named `names`, each holding one byte.
pub fn tiny_files_zip(count: usize) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for index in 0..count {
        zip.start_file(format!("f{index}"), options).unwrap();
        zip.write_all(b"x").unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A `.zip` whose only entry is a symbolic link `name` → `target`.
pub fn symlink_zip(name: &str, target: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.add_symlink(name, target, SimpleFileOptions::default())
        .unwrap();
    zip.finish().unwrap().into_inner()
}

/// A `.zip` with one file entry named `name` as given (`../x` included).
pub fn named_zip(name: &str, bytes: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(name, SimpleFileOptions::default()).unwrap();
    zip.write_all(bytes).unwrap();
    zip.finish().unwrap().into_inner()
}
