//! Sending a file to the API with a progress bar on standard error: the upload of
//! `dataset push` and `labelset create`.

use std::fs::File;
use std::io::{self, Read, Seek};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::de::DeserializeOwned;

use crate::api::Api;

/// POSTs the whole of `file` (`content_type`) to `path`, showing `message` and the
/// bytes sent; the bar is cleared once the server has answered.
pub fn upload_with_progress<T: DeserializeOwned>(
    api: &Api,
    path: &str,
    content_type: &str,
    mut file: File,
    message: String,
) -> Result<T, Box<dyn std::error::Error>> {
    let size = file.seek(io::SeekFrom::End(0))?;
    file.rewind()?;
    let bar = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}")
            .map_err(|e| e.to_string())?,
    );
    bar.set_message(message);
    let body = Counted {
        inner: file,
        bar: bar.clone(),
    };
    let outcome: Result<T, _> = api.upload(path, content_type, body, size);
    bar.finish_and_clear();
    Ok(outcome?)
}

/// The file as the request body, moving the bar as it is read.
struct Counted {
    inner: File,
    bar: ProgressBar,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.bar.inc(read as u64);
        Ok(read)
    }
}
