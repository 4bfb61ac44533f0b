//! Page image references: where an `image_paths` entry points and whether it is a
//! real image inside the dataset folder.
//!
//! A local path must stay inside the dataset folder however it is spelled: no
//! absolute paths, no `..`, and no symlink whose target leaves the folder (checked on
//! the canonical path, so a chain of links cannot sneak out either). Remote images
//! (`gs://`, `https://`) are referenced as they are and not fetched here.

use std::path::{Component, Path};

/// Where a page image lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageRef<'a> {
    /// A path relative to the dataset folder.
    Local(&'a Path),
    /// A `gs://` or `https://` URI.
    Remote(&'a str),
}

const REMOTE_SCHEMES: [&str; 2] = ["gs://", "https://"];
const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
const JPEG_MAGIC: &[u8] = b"\xff\xd8\xff";

impl<'a> ImageRef<'a> {
    /// Classifies an `image_paths` entry, rejecting paths that could leave the folder
    /// by their spelling alone.
    pub fn parse(raw: &'a str) -> Result<ImageRef<'a>, String> {
        if let Some(scheme) = REMOTE_SCHEMES.iter().find(|s| raw.starts_with(*s)) {
            if raw.len() == scheme.len() {
                return Err(format!("image URI {raw:?} names nothing after {scheme}"));
            }
            return Ok(ImageRef::Remote(raw));
        }
        if raw.contains("://") {
            return Err(format!(
                "image URI {raw:?}: only gs:// and https:// URIs are allowed"
            ));
        }
        if raw.is_empty() {
            return Err("image path is empty".to_string());
        }
        if raw.contains('\\') {
            return Err(format!("image path {raw:?}: use '/' as the separator"));
        }
        let path = Path::new(raw);
        for component in path.components() {
            match component {
                Component::RootDir | Component::Prefix(_) => {
                    return Err(format!(
                        "image path {raw:?} is absolute; it must be relative to the dataset folder"
                    ));
                }
                Component::ParentDir => {
                    return Err(format!(
                        "image path {raw:?} uses '..' to leave the dataset folder"
                    ));
                }
                Component::CurDir | Component::Normal(_) => {}
            }
        }
        Ok(ImageRef::Local(path))
    }
}

/// Reads a local page image, checking that it resolves inside `folder` (which must be
/// canonical) and that it is a PNG or JPEG. Returns the file's bytes.
/// Largest page image: a scanned page at 300 dpi is a few megabytes, and the Gemini
/// API refuses inline requests above 20 MB.
pub const MAX_IMAGE_BYTES: u64 = 20 * 1024 * 1024;

pub fn read_local_image(folder: &Path, relative: &Path) -> Result<Vec<u8>, String> {
    let shown = relative.display();
    let joined = folder.join(relative);
    let resolved = match joined.canonicalize() {
        Ok(resolved) => resolved,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "image {shown:?} does not exist (or is a broken symlink)"
            ));
        }
        Err(e) => return Err(format!("image {shown:?} cannot be resolved: {e}")),
    };
    // The resolved target is not named: problems reach API clients, and server paths
    // are none of their business.
    if !resolved.starts_with(folder) {
        return Err(format!(
            "image {shown:?} is a symlink that leads outside the dataset folder"
        ));
    }
    if !resolved.is_file() {
        return Err(format!("image {shown:?} is not a file"));
    }
    let size = std::fs::metadata(&resolved)
        .map_err(|e| format!("image {shown:?} cannot be read: {e}"))?
        .len();
    if size > MAX_IMAGE_BYTES {
        return Err(format!(
            "image {shown:?} is {size} bytes, more than the limit of {MAX_IMAGE_BYTES}"
        ));
    }
    let bytes =
        std::fs::read(&resolved).map_err(|e| format!("image {shown:?} cannot be read: {e}"))?;
    if !(bytes.starts_with(PNG_MAGIC) || bytes.starts_with(JPEG_MAGIC)) {
        return Err(format!("image {shown:?} is not a PNG or JPEG file"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_uris_are_accepted_as_they_are() {
        assert_eq!(
            ImageRef::parse("gs://bucket/a.png"),
            Ok(ImageRef::Remote("gs://bucket/a.png"))
        );
        assert_eq!(
            ImageRef::parse("https://example.org/a.jpg"),
            Ok(ImageRef::Remote("https://example.org/a.jpg"))
        );
        assert!(
            ImageRef::parse("gs://")
                .unwrap_err()
                .contains("names nothing")
        );
        assert!(
            ImageRef::parse("http://x/a.png")
                .unwrap_err()
                .contains("only gs:// and https://")
        );
        assert!(
            ImageRef::parse("s3://x/a.png")
                .unwrap_err()
                .contains("only gs:// and https://")
        );
    }

    #[test]
    fn local_paths_must_not_leave_the_folder_by_spelling() {
        assert_eq!(
            ImageRef::parse("images/a.png"),
            Ok(ImageRef::Local(Path::new("images/a.png")))
        );
        assert_eq!(
            ImageRef::parse("./a.png"),
            Ok(ImageRef::Local(Path::new("./a.png")))
        );
        assert!(
            ImageRef::parse("/etc/passwd")
                .unwrap_err()
                .contains("absolute")
        );
        assert!(
            ImageRef::parse("images/../../a.png")
                .unwrap_err()
                .contains("'..'")
        );
        assert!(ImageRef::parse("..").unwrap_err().contains("'..'"));
        assert!(
            ImageRef::parse("a\\..\\b.png")
                .unwrap_err()
                .contains("separator")
        );
        assert!(ImageRef::parse("").unwrap_err().contains("empty"));
    }
}
