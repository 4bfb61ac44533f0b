//! `AlertSettings`: how far a scheduled run may fall behind the previous successful
//! one before someone is told, and where to tell them.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::contract::ValueError;

/// Default: an experiment's overall_accuracy falling by more than 5 points alerts.
pub const DEFAULT_ACCURACY_DROP: f64 = 0.05;
/// Default: an experiment's success_rate falling by more than 10 points alerts.
pub const DEFAULT_SUCCESS_RATE_DROP: f64 = 0.10;
/// Longest webhook URL accepted.
const MAX_URL_CHARS: usize = 2048;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertSettings {
    /// Largest tolerated fall of `overall_accuracy` (0.05 = five points).
    pub accuracy_drop: DropThreshold,
    /// Largest tolerated fall of `success_rate`.
    pub success_rate_drop: DropThreshold,
    /// Where alerts are POSTed (Slack incoming webhooks work as is); none = log and
    /// metric only.
    pub webhook_url: Option<WebhookUrl>,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            accuracy_drop: DropThreshold(DEFAULT_ACCURACY_DROP),
            success_rate_drop: DropThreshold(DEFAULT_SUCCESS_RATE_DROP),
            webhook_url: None,
        }
    }
}

/// A fall of a rate in `[0, 1]`, itself between 0.0 and 1.0. A fall counts when it
/// is strictly larger than the threshold.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct DropThreshold(f64);

impl DropThreshold {
    pub fn parse(value: f64) -> Result<DropThreshold, ValueError> {
        if !(0.0..=1.0).contains(&value) {
            return Err(ValueError::new("must be between 0.0 and 1.0", value));
        }
        Ok(DropThreshold(value))
    }

    pub fn get(self) -> f64 {
        self.0
    }

    /// Whether falling from `previous` to `current` goes beyond this threshold. The
    /// tolerance keeps a fall of exactly the threshold (0.9 → 0.85 at 0.05) from
    /// counting because of float rounding.
    pub fn is_exceeded(self, previous: f64, current: f64) -> bool {
        previous - current > self.0 + 1e-9
    }
}

/// An `http://` or `https://` URL that alerts are POSTed to. Incoming-webhook URLs
/// carry their credential in the path, so the URL only ever prints as
/// `scheme://host/…`; `expose` gives the whole URL, for sending and storing.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookUrl(url::Url);

impl WebhookUrl {
    pub fn parse(text: &str) -> Result<WebhookUrl, ValueError> {
        // The value is never echoed: it may be a credential.
        let refuse = |rule: &str| ValueError::new(rule, "(the URL, not shown)");
        if text.chars().count() > MAX_URL_CHARS {
            return Err(refuse("must be at most 2048 characters"));
        }
        let url = url::Url::parse(text).map_err(|e| refuse(&format!("is not a URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(refuse("must be an http:// or https:// URL"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(refuse("must name a host"));
        }
        Ok(WebhookUrl(url))
    }

    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// The host (as written in the URL) and port (the scheme's default if none) to
    /// check before connecting.
    pub fn target(&self) -> (&str, u16) {
        let port = self
            .0
            .port_or_known_default()
            .unwrap_or(if self.0.scheme() == "https" { 443 } else { 80 });
        (self.0.host_str().unwrap_or_default(), port)
    }

    /// `https://hooks.slack.com/…`: safe to log and to show.
    pub fn redacted(&self) -> String {
        let host = self.0.host_str().unwrap_or_default();
        match self.0.port() {
            Some(port) => format!("{}://{host}:{port}/…", self.0.scheme()),
            None => format!("{}://{host}/…", self.0.scheme()),
        }
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebhookUrl({})", self.redacted())
    }
}

/// The whole URL: this is the stored form. Views shown to people use `redacted`.
impl Serialize for WebhookUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_rates_and_a_fall_must_exceed_them() {
        let five_points = DropThreshold::parse(0.05).unwrap();
        assert!(!five_points.is_exceeded(0.9, 0.85));
        assert!(five_points.is_exceeded(0.9, 0.849));
        assert!(!five_points.is_exceeded(0.5, 0.9));
        assert_eq!(
            DropThreshold::parse(1.5).unwrap_err().to_string(),
            "must be between 0.0 and 1.0, got 1.5"
        );
        assert!(DropThreshold::parse(f64::NAN).is_err());
    }

    #[test]
    fn webhook_urls_never_print_their_path() {
        let url = WebhookUrl::parse("https://hooks.slack.com/services/T000/B000/s3cret").unwrap();
        assert_eq!(url.to_string(), "https://hooks.slack.com/…");
        assert!(!format!("{url:?}").contains("s3cret"));
        assert_eq!(
            url.expose(),
            "https://hooks.slack.com/services/T000/B000/s3cret"
        );
        let local = WebhookUrl::parse("http://127.0.0.1:4000/hook?token=s3cret").unwrap();
        assert_eq!(local.redacted(), "http://127.0.0.1:4000/…");
        let err = WebhookUrl::parse("ftp://example.com/s3cret").unwrap_err();
        assert!(err.to_string().contains("http:// or https://"), "{err}");
        assert!(!err.to_string().contains("s3cret"));
        assert!(WebhookUrl::parse("not a url").is_err());
    }
}
