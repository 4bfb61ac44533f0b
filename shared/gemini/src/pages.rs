//! The pages of one record, as the extraction call shows them to the model.
//!
//! A page is a local image file (read and sent inline) or a remote URI (`gs://`,
//! `https://`) that Vertex AI fetches itself, so it is never downloaded here.

use std::path::{Path, PathBuf};

use tally_core::dataset::DatasetRecord;

/// One page image and the file name its label shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    file_name: String,
    source: PageSource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageSource {
    File(PathBuf),
    Uri(String),
}

impl Page {
    /// A page from a dataset's `image_paths` entry: a path relative to `dataset_dir`,
    /// or a `gs://` / `https://` URI.
    pub fn from_dataset_path(dataset_dir: &Path, image_path: &str) -> Page {
        let file_name = image_path
            .rsplit('/')
            .next()
            .filter(|name| !name.is_empty())
            .unwrap_or(image_path)
            .to_string();
        let source = if is_remote(image_path) {
            PageSource::Uri(image_path.to_string())
        } else {
            PageSource::File(dataset_dir.join(image_path))
        };
        Page { file_name, source }
    }

    /// All pages of `record`, in order.
    pub fn of_record(dataset_dir: &Path, record: &DatasetRecord) -> Vec<Page> {
        record
            .input
            .image_paths
            .iter()
            .map(|path| Page::from_dataset_path(dataset_dir, path))
            .collect()
    }

    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    pub fn source(&self) -> &PageSource {
        &self.source
    }

    /// The MIME type Gemini needs, from the file extension.
    pub fn mime_type(&self) -> Result<&'static str, String> {
        let extension = self
            .file_name
            .rsplit_once('.')
            .map(|(_, ext)| ext.to_ascii_lowercase())
            .unwrap_or_default();
        match extension.as_str() {
            "png" => Ok("image/png"),
            "jpg" | "jpeg" => Ok("image/jpeg"),
            "webp" => Ok("image/webp"),
            "heic" => Ok("image/heic"),
            "heif" => Ok("image/heif"),
            "pdf" => Ok("application/pdf"),
            _ => Err(format!(
                "page {}: unsupported file type (expected .png, .jpg, .jpeg, .webp, .heic, .heif or .pdf)",
                self.file_name
            )),
        }
    }
}

fn is_remote(path: &str) -> bool {
    path.starts_with("gs://") || path.starts_with("https://") || path.starts_with("http://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_join_the_dataset_folder_and_uris_stay_uris() {
        let dir = Path::new("/data/ds");
        let local = Page::from_dataset_path(dir, "images/unit01_page1.png");
        assert_eq!(local.file_name(), "unit01_page1.png");
        assert_eq!(
            local.source(),
            &PageSource::File(dir.join("images/unit01_page1.png"))
        );
        assert_eq!(local.mime_type(), Ok("image/png"));

        let remote = Page::from_dataset_path(dir, "gs://bucket/forms/p2.JPG");
        assert_eq!(remote.file_name(), "p2.JPG");
        assert_eq!(
            remote.source(),
            &PageSource::Uri("gs://bucket/forms/p2.JPG".into())
        );
        assert_eq!(remote.mime_type(), Ok("image/jpeg"));

        let bad = Page::from_dataset_path(dir, "scan.bmp");
        assert!(
            bad.mime_type()
                .unwrap_err()
                .contains("scan.bmp: unsupported file type")
        );
    }
}
