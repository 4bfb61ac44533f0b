//! Datasets: records with page images and the reports they should produce.
//!
//! - `record`: one record of `records.jsonl`.
//! - `problem`: `Problem`, one thing wrong with a folder, located by file and line.
//! - `image`: page image references and the checks that keep them inside the folder.
//! - `hash`: `ContentHash`, the identity of a dataset's records and image bytes.
//! - `loader`: `load(folder)`, which validates a whole folder or lists its problems;
//!   `load_lines` does the same for records that come from elsewhere (Datadog);
//!   `Validator` runs its checks one line at a time.
//! - `stream`: a folder of any size in two passes (`validate_folder`, then
//!   `FolderRecords`), never holding all its records.
//! - `data_dir`: `DataDir`, the configured folder that holds dataset folders.

mod data_dir;
mod hash;
mod image;
mod loader;
mod problem;
mod record;
mod stream;

pub use crate::contract::DatasetName;
pub use data_dir::{DATA_DIR_ENV, DataDir, DataDirError};
pub use hash::{ContentHash, ContentHasher};
pub use image::{ImageRef, MAX_IMAGE_BYTES, read_local_image};
pub use loader::{
    Checked, Dataset, MAX_RECORDS, RECORDS_FILE, Validated, Validator, load, load_lines,
};
pub use problem::Problem;
pub use record::{DatasetRecord, RecordInput};
pub use stream::{FolderRecords, LinesDigest, ValidatedFolder, validate_folder};
