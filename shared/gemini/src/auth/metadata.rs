//! Access tokens from the GCE metadata server (workloads running on Google Cloud).

use super::{TokenResponse, read_token_response};
use crate::error::AttemptError;

/// The default service account's token URL on `host` (`metadata.google.internal`, or
/// `GCE_METADATA_HOST` as Google's own libraries honour it).
pub fn token_url(host: &str) -> String {
    let host = host.trim_end_matches('/');
    let base = if host.starts_with("http://") || host.starts_with("https://") {
        host.to_string()
    } else {
        format!("http://{host}")
    };
    format!("{base}/computeMetadata/v1/instance/service-accounts/default/token")
}

pub async fn fetch_token(http: &reqwest::Client, url: &str) -> Result<TokenResponse, AttemptError> {
    let sent = http
        .get(url)
        .header("Metadata-Flavor", "Google")
        .send()
        .await;
    read_token_response(sent, "the metadata server").await
}
