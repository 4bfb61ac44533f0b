//! `DataDir`: the folder that holds dataset folders (`TALLY_DATA_DIR`, default
//! `./datasets`). Imports name a folder under it; stored records name their images
//! relative to it, so every process that mounts the same folder finds the same files.

use std::path::{Component, Path, PathBuf};

pub const DATA_DIR_ENV: &str = "TALLY_DATA_DIR";
const DEFAULT_DATA_DIR: &str = "./datasets";

/// A canonical, existing folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataDirError {
    #[error("data directory {path}: {reason}")]
    Unusable { path: String, reason: String },
    #[error("path {path:?}: {reason}")]
    BadPath { path: String, reason: &'static str },
    #[error("path {path:?} does not exist under the data directory")]
    NotFound { path: String },
    #[error("path {path:?} leads outside the data directory")]
    Escapes { path: String },
    #[error("path {path:?} is not a folder")]
    NotAFolder { path: String },
}

impl DataDir {
    pub fn open(path: &Path) -> Result<DataDir, DataDirError> {
        let unusable = |reason: String| DataDirError::Unusable {
            path: path.display().to_string(),
            reason,
        };
        let root = path.canonicalize().map_err(|e| unusable(e.to_string()))?;
        if !root.is_dir() {
            return Err(unusable("not a folder".to_string()));
        }
        Ok(DataDir { root })
    }

    /// Opens `TALLY_DATA_DIR` as `lookup` reads it, or `./datasets` when it is unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<DataDir, DataDirError> {
        let path =
            lookup(DATA_DIR_ENV).map_or_else(|| PathBuf::from(DEFAULT_DATA_DIR), PathBuf::from);
        DataDir::open(&path)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Resolves a dataset folder named relative to the data directory, refusing any
    /// path that leaves it (by `..`, an absolute path or a symlink) or is the data
    /// directory itself. Returns the canonical folder.
    pub fn dataset_folder(&self, relative: &str) -> Result<PathBuf, DataDirError> {
        let resolved = self.resolve(relative)?;
        if resolved == self.root {
            return Err(DataDirError::BadPath {
                path: relative.to_string(),
                reason: "names the data directory itself, not a dataset folder under it",
            });
        }
        if !resolved.is_dir() {
            return Err(DataDirError::NotAFolder {
                path: relative.to_string(),
            });
        }
        Ok(resolved)
    }

    /// Resolves a stored image path (relative to the data directory) to the file,
    /// with the same refusal of anything outside.
    pub fn image_file(&self, relative: &str) -> Result<PathBuf, DataDirError> {
        self.resolve(relative)
    }

    /// `path` (inside the data directory) relative to it, with `/` separators.
    pub fn relative_of(&self, path: &Path) -> Option<String> {
        let relative = path.strip_prefix(&self.root).ok()?;
        let parts: Vec<&str> = relative
            .components()
            .filter_map(|c| match c {
                Component::Normal(part) => part.to_str(),
                _ => None,
            })
            .collect();
        Some(parts.join("/"))
    }

    fn resolve(&self, relative: &str) -> Result<PathBuf, DataDirError> {
        let bad = |reason| DataDirError::BadPath {
            path: relative.to_string(),
            reason,
        };
        if relative.trim().is_empty() {
            return Err(bad("is empty"));
        }
        for component in Path::new(relative).components() {
            match component {
                Component::RootDir | Component::Prefix(_) => {
                    return Err(bad(
                        "is absolute; name a folder relative to the data directory",
                    ));
                }
                Component::ParentDir => return Err(bad("uses '..'")),
                Component::CurDir | Component::Normal(_) => {}
            }
        }
        let resolved =
            self.root
                .join(relative)
                .canonicalize()
                .map_err(|_| DataDirError::NotFound {
                    path: relative.to_string(),
                })?;
        if !resolved.starts_with(&self.root) {
            return Err(DataDirError::Escapes {
                path: relative.to_string(),
            });
        }
        Ok(resolved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data_dir() -> (tempfile::TempDir, DataDir) {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("data/set-a")).unwrap();
        std::fs::create_dir_all(tmp.path().join("outside")).unwrap();
        let dir = DataDir::open(&tmp.path().join("data")).unwrap();
        (tmp, dir)
    }

    #[test]
    fn resolves_folders_under_the_data_dir() {
        let (_tmp, dir) = data_dir();
        let folder = dir.dataset_folder("set-a").unwrap();
        assert_eq!(dir.relative_of(&folder).as_deref(), Some("set-a"));
        assert_eq!(dir.dataset_folder("./set-a/").unwrap(), folder);
    }

    #[test]
    fn refuses_every_way_out() {
        let (tmp, dir) = data_dir();
        std::os::unix::fs::symlink(tmp.path().join("outside"), tmp.path().join("data/link"))
            .unwrap();
        let abs = tmp.path().join("outside").display().to_string();
        assert!(matches!(
            dir.dataset_folder("../outside"),
            Err(DataDirError::BadPath { .. })
        ));
        assert!(matches!(
            dir.dataset_folder(&abs),
            Err(DataDirError::BadPath { .. })
        ));
        assert!(matches!(
            dir.dataset_folder("link"),
            Err(DataDirError::Escapes { .. })
        ));
        assert!(matches!(
            dir.dataset_folder("."),
            Err(DataDirError::BadPath { .. })
        ));
        assert!(matches!(
            dir.dataset_folder(""),
            Err(DataDirError::BadPath { .. })
        ));
        assert!(matches!(
            dir.dataset_folder("missing"),
            Err(DataDirError::NotFound { .. })
        ));
    }

    #[test]
    fn a_missing_data_dir_is_named() {
        let err = DataDir::open(Path::new("/nonexistent/tally-data")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/tally-data"), "{err}");
    }
}
