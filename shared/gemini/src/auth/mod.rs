//! How a request proves who sends it.
//!
//! - Developer API: the API key, sent as `x-goog-api-key`.
//! - Vertex AI: an OAuth access token, from a credentials file — a service-account
//!   key (`service_account.rs`) or gcloud's `authorized_user` (`authorized_user.rs`)
//!   — or the metadata server (`metadata.rs`), cached here and refreshed early; after
//!   a 401 the token that was refused is replaced once.

mod authorized_user;
mod metadata;
mod service_account;

use std::time::{Duration, Instant};

use serde::Deserialize;

use super::config::VertexCredentials;
use super::error::{AttemptError, FailureKind};
use tally_core::contract::Secret;

pub use service_account::ServiceAccountKey;

/// The credentials of one client.
pub enum Credentials {
    ApiKey(Secret),
    Token(TokenProvider),
}

impl Credentials {
    /// Whether a 401 can be cured by fetching a new token.
    pub fn can_refresh(&self) -> bool {
        matches!(self, Credentials::Token(_))
    }
}

/// Where tokens come from.
enum TokenSource {
    ServiceAccount(ServiceAccountKey),
    AuthorizedUser(authorized_user::AuthorizedUser),
    Metadata { url: String },
}

/// Fetches, caches and refreshes Vertex access tokens. One fetch at a time: when a
/// token expires under load, the waiting calls all get the one new token.
pub struct TokenProvider {
    source: TokenSource,
    http: reqwest::Client,
    cache: tokio::sync::Mutex<Option<CachedToken>>,
}

struct CachedToken {
    token: Secret,
    refresh_at: Instant,
}

/// The token endpoint's answer (OAuth 2 and metadata server alike).
#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: u64,
}

/// Refresh this long before expiry (at most a tenth of the lifetime, so short-lived
/// tokens are still reused).
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

impl TokenProvider {
    pub fn new(credentials: &VertexCredentials, http: reqwest::Client) -> Result<Self, String> {
        let source = match credentials {
            VertexCredentials::ServiceAccountKey(path) => credentials_file(path)?,
            VertexCredentials::MetadataServer { host } => TokenSource::Metadata {
                url: metadata::token_url(host),
            },
        };
        Ok(TokenProvider {
            source,
            http,
            cache: tokio::sync::Mutex::new(None),
        })
    }

    /// The project gcloud user credentials bill requests to (`x-goog-user-project`).
    pub fn quota_project(&self) -> Option<&str> {
        match &self.source {
            TokenSource::AuthorizedUser(user) => user.quota_project(),
            _ => None,
        }
    }

    /// A valid token. `refused` is the token a 401 just rejected: it is never handed
    /// out again (unless another call already replaced it, then that one is used).
    pub async fn token(&self, refused: Option<&Secret>) -> Result<Secret, AttemptError> {
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref() {
            let is_refused = refused.is_some_and(|r| *r == cached.token);
            if !is_refused && Instant::now() < cached.refresh_at {
                return Ok(cached.token.clone());
            }
        }
        let fetched = match &self.source {
            TokenSource::ServiceAccount(key) => key.fetch_token(&self.http).await?,
            TokenSource::AuthorizedUser(user) => user.fetch_token(&self.http).await?,
            TokenSource::Metadata { url } => metadata::fetch_token(&self.http, url).await?,
        };
        let lifetime = Duration::from_secs(fetched.expires_in);
        let margin = REFRESH_MARGIN.min(lifetime / 10);
        let token = Secret::new(fetched.access_token);
        *cache = Some(CachedToken {
            token: token.clone(),
            refresh_at: Instant::now() + lifetime - margin,
        });
        Ok(token)
    }
}

/// A credentials file by its `type`: `authorized_user` (gcloud's application-default
/// login) or a service-account key.
fn credentials_file(path: &std::path::Path) -> Result<TokenSource, String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read credentials file {shown}: {e}"))?;
    let kind = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|value| value["type"].as_str().map(str::to_string));
    if kind.as_deref() == Some("authorized_user") {
        return authorized_user::AuthorizedUser::parse(&text)
            .map(TokenSource::AuthorizedUser)
            .map_err(|e| format!("credentials file {shown}: {e}"));
    }
    ServiceAccountKey::parse(&text)
        .map(TokenSource::ServiceAccount)
        .map_err(|e| format!("service-account key {shown}: {e}"))
}

/// Turns the token endpoint's HTTP answer into a token or a classified error: a
/// refusal (4xx) is final, trouble on the way (5xx, network) is retried.
async fn read_token_response(
    sent: Result<reqwest::Response, reqwest::Error>,
    what: &str,
) -> Result<TokenResponse, AttemptError> {
    let context = |error: AttemptError| AttemptError {
        message: format!("fetching an access token from {what}: {}", error.message),
        ..error
    };
    let response = sent.map_err(|e| context(AttemptError::from_transport(&e)))?;
    let status = response.status();
    let body = response
        .text()
        .await
        .map_err(|e| context(AttemptError::from_transport(&e)))?;
    if status.is_success() {
        return serde_json::from_str(&body).map_err(|e| {
            AttemptError::fatal(
                FailureKind::Unauthenticated,
                format!("{what} answered without a usable token ({e})"),
            )
        });
    }
    // OAuth errors are `{"error": "invalid_grant", "error_description": "…"}`: safe to show.
    let detail: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let reason = [&detail["error"], &detail["error_description"]]
        .iter()
        .filter_map(|v| v.as_str())
        .collect::<Vec<_>>()
        .join(": ");
    let message = format!(
        "{what} refused to issue a token: HTTP {} {reason}",
        status.as_u16()
    );
    Err(if status.is_server_error() {
        AttemptError::retryable(FailureKind::ServerError, message)
    } else {
        AttemptError::fatal(FailureKind::Unauthenticated, message)
    })
}
