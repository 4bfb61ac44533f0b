//! Where the store is and which namespace it uses, read from the environment:
//! `TALLY_REDIS_URL` (default `redis://127.0.0.1:6379`) and `TALLY_NAMESPACE`
//! (default `tally`).

use std::fmt;

use super::namespace::{InvalidNamespace, Namespace};

pub const REDIS_URL_ENV: &str = "TALLY_REDIS_URL";
pub const NAMESPACE_ENV: &str = "TALLY_NAMESPACE";
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

#[derive(Debug, Clone)]
pub struct StoreSettings {
    pub redis_url: RedisUrl,
    pub namespace: Namespace,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidStoreSetting {
    #[error("{REDIS_URL_ENV}: {0}")]
    RedisUrl(String),
    #[error("{NAMESPACE_ENV}: {0}")]
    Namespace(#[from] InvalidNamespace),
}

impl StoreSettings {
    /// Reads the settings through `lookup` (a daemon's environment, or a map in tests).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<StoreSettings, InvalidStoreSetting> {
        let redis_url = match lookup(REDIS_URL_ENV) {
            Some(url) => RedisUrl::parse(&url)?,
            None => RedisUrl(DEFAULT_REDIS_URL.to_string()),
        };
        let namespace = match lookup(NAMESPACE_ENV) {
            Some(namespace) => Namespace::parse(&namespace)?,
            None => Namespace::default(),
        };
        Ok(StoreSettings {
            redis_url,
            namespace,
        })
    }
}

/// A Redis connection URL. It may carry a password, so it only ever prints with the
/// credentials replaced by `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl(String);

impl RedisUrl {
    pub fn parse(url: &str) -> Result<RedisUrl, InvalidStoreSetting> {
        let candidate = RedisUrl(url.to_string());
        if !(url.starts_with("redis://")
            || url.starts_with("rediss://")
            || url.starts_with("unix://"))
        {
            return Err(InvalidStoreSetting::RedisUrl(format!(
                "{} is not a redis://, rediss:// or unix:// URL",
                candidate
            )));
        }
        Ok(candidate)
    }

    /// The full URL, credentials included: only for opening the connection.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some((scheme, rest)) = self.0.split_once("://") else {
            return f.write_str("***");
        };
        let authority_end = rest.find('/').unwrap_or(rest.len());
        match rest[..authority_end].rfind('@') {
            Some(at) => write!(f, "{scheme}://***@{}", &rest[at + 1..]),
            None => f.write_str(&self.0),
        }
    }
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedisUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_when_unset() {
        let settings = StoreSettings::from_lookup(|_| None).unwrap();
        assert_eq!(settings.redis_url.expose(), DEFAULT_REDIS_URL);
        assert_eq!(settings.namespace.as_str(), "tally");
    }

    #[test]
    fn invalid_values_name_the_setting() {
        let err = StoreSettings::from_lookup(|k| (k == NAMESPACE_ENV).then(|| "a b".to_string()))
            .unwrap_err();
        assert!(err.to_string().starts_with("TALLY_NAMESPACE: "), "{err}");
        let err =
            StoreSettings::from_lookup(|k| (k == REDIS_URL_ENV).then(|| "http://x".to_string()))
                .unwrap_err();
        assert!(err.to_string().starts_with("TALLY_REDIS_URL: "), "{err}");
    }

    #[test]
    fn the_password_never_prints() {
        let url = RedisUrl::parse("redis://user:s3cret@db:6379/0").unwrap();
        assert_eq!(url.to_string(), "redis://***@db:6379/0");
        assert!(!format!("{url:?}").contains("s3cret"));
        let err = RedisUrl::parse("http://user:s3cret@db").unwrap_err();
        assert!(!err.to_string().contains("s3cret"));
        assert_eq!(url.expose(), "redis://user:s3cret@db:6379/0");
    }
}
