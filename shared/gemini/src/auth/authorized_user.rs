//! Access tokens from gcloud's `authorized_user` credentials (what
//! `gcloud auth application-default login` writes): a refresh-token grant at
//! Google's token endpoint. Requests are billed to `quota_project_id` when the file
//! names one (sent as `x-goog-user-project`).

use serde::Deserialize;

use super::{TokenResponse, read_token_response};
use crate::error::AttemptError;
use tally_core::contract::Secret;

/// Google's OAuth 2 token endpoint, used when the file names none.
const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

pub struct AuthorizedUser {
    client_id: String,
    client_secret: Secret,
    refresh_token: Secret,
    token_uri: String,
    quota_project_id: Option<String>,
}

#[derive(Deserialize)]
struct UserFile {
    client_id: String,
    client_secret: String,
    refresh_token: String,
    #[serde(default)]
    token_uri: Option<String>,
    #[serde(default)]
    quota_project_id: Option<String>,
}

impl AuthorizedUser {
    /// The credentials of an `authorized_user` file; the message never quotes a value.
    pub fn parse(json_text: &str) -> Result<Self, String> {
        let file: UserFile = serde_json::from_str(json_text).map_err(|e| {
            format!(
                "not an authorized_user file: needs client_id, client_secret and refresh_token (line {}, column {})",
                e.line(),
                e.column()
            )
        })?;
        Ok(AuthorizedUser {
            client_id: file.client_id,
            client_secret: Secret::new(file.client_secret),
            refresh_token: Secret::new(file.refresh_token),
            token_uri: file
                .token_uri
                .unwrap_or_else(|| DEFAULT_TOKEN_URI.to_string()),
            quota_project_id: file.quota_project_id.filter(|p| !p.is_empty()),
        })
    }

    pub fn quota_project(&self) -> Option<&str> {
        self.quota_project_id.as_deref()
    }

    pub(super) async fn fetch_token(
        &self,
        http: &reqwest::Client,
    ) -> Result<TokenResponse, AttemptError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose()),
            ("refresh_token", self.refresh_token.expose()),
        ];
        let sent = http.post(&self.token_uri).form(&form).send().await;
        read_token_response(sent, &self.token_uri).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gcloud_file_parses_with_its_quota_project() {
        let user = AuthorizedUser::parse(
            r#"{"type": "authorized_user", "client_id": "c.apps.googleusercontent.com",
                "client_secret": "s", "refresh_token": "1//r", "quota_project_id": "billing-p"}"#,
        )
        .unwrap();
        assert_eq!(user.quota_project(), Some("billing-p"));
        assert_eq!(user.token_uri, DEFAULT_TOKEN_URI);
        let error = AuthorizedUser::parse(r#"{"type": "authorized_user", "client_id": "c"}"#)
            .err()
            .unwrap();
        assert!(error.starts_with("not an authorized_user file"), "{error}");
    }
}
