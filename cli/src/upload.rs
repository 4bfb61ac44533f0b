//! Sending a file to the API with a progress bar on standard error: the upload of
//! `dataset push` and `labelset create`.

use std::fs::File;
use std::io::{self, Seek};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::de::DeserializeOwned;
use tokio::io::{AsyncRead, ReadBuf};

use crate::api::Api;

/// How much of the file one frame of the body carries.
const CHUNK_BYTES: usize = 64 * 1024;

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
        file: tokio::fs::File::from_std(file),
        left: size,
        bar: bar.clone(),
    };
    let outcome: Result<T, _> = api.upload(path, content_type, body, size);
    bar.finish_and_clear();
    Ok(outcome?)
}

/// The file as the request body, moving the bar as it is read.
struct Counted {
    file: tokio::fs::File,
    /// Bytes not read yet.
    left: u64,
    bar: ProgressBar,
}

impl http_body::Body for Counted {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        let mut chunk = vec![0; CHUNK_BYTES];
        let mut buf = ReadBuf::new(&mut chunk);
        ready!(Pin::new(&mut self.file).poll_read(cx, &mut buf))?;
        let read = buf.filled().len();
        if read == 0 {
            return Poll::Ready(Some(Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the archive ended before its size",
            ))));
        }
        chunk.truncate(read);
        self.left = self.left.saturating_sub(read as u64);
        self.bar.inc(read as u64);
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(chunk)))))
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left)
    }
}
