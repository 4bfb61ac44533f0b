//! Where the store is and which namespace it uses, read from the environment:
//! `TALLY_REDIS_URL` (default `redis://127.0.0.1:6379`), `TALLY_NAMESPACE` (default
//! `tally`), `TALLY_REDIS_MEMORY_BUDGET` (the Redis memory tally may fill; unset:
//! `maxmemory`), and `TALLY_REDIS_SENTINELS` with `TALLY_REDIS_SENTINEL_MASTER` (find
//! the primary through Redis Sentinel; `TALLY_REDIS_URL` then gives only the
//! password, user and database).

use std::fmt;

use super::namespace::{InvalidNamespace, Namespace};

pub const REDIS_URL_ENV: &str = "TALLY_REDIS_URL";
pub const NAMESPACE_ENV: &str = "TALLY_NAMESPACE";
pub const MEMORY_BUDGET_ENV: &str = "TALLY_REDIS_MEMORY_BUDGET";
pub const SENTINELS_ENV: &str = "TALLY_REDIS_SENTINELS";
pub const SENTINEL_MASTER_ENV: &str = "TALLY_REDIS_SENTINEL_MASTER";
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

#[derive(Debug, Clone)]
pub struct StoreSettings {
    pub redis_url: RedisUrl,
    pub namespace: Namespace,
    /// Bytes of Redis memory (`used_memory`) runs may grow to; `None`: Redis's
    /// `maxmemory`, if it has one.
    pub memory_budget: Option<u64>,
    /// Where to ask for the primary, when it is found through Sentinel.
    pub sentinel: Option<SentinelSettings>,
}

/// The sentinels to ask and the name they know the primary by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentinelSettings {
    /// `host:port` of each sentinel.
    pub sentinels: Vec<String>,
    pub master: String,
}

impl SentinelSettings {
    fn from_lookup(
        lookup: &impl Fn(&str) -> Option<String>,
    ) -> Result<Option<SentinelSettings>, InvalidStoreSetting> {
        let invalid = |setting, message: String| InvalidStoreSetting::Sentinel { setting, message };
        match (lookup(SENTINELS_ENV), lookup(SENTINEL_MASTER_ENV)) {
            (None, None) => Ok(None),
            (Some(_), None) => Err(invalid(
                SENTINEL_MASTER_ENV,
                "is required with TALLY_REDIS_SENTINELS".into(),
            )),
            (None, Some(_)) => Err(invalid(
                SENTINELS_ENV,
                "is required with TALLY_REDIS_SENTINEL_MASTER".into(),
            )),
            (Some(list), Some(master)) => {
                let sentinels: Vec<String> = list
                    .split(',')
                    .map(str::trim)
                    .filter(|entry| !entry.is_empty())
                    .map(String::from)
                    .collect();
                if sentinels.is_empty() {
                    return Err(invalid(
                        SENTINELS_ENV,
                        "names no sentinel (host:port, comma-separated)".into(),
                    ));
                }
                for entry in &sentinels {
                    let port = entry
                        .rsplit_once(':')
                        .map(|(host, port)| (host, port.parse::<u16>()));
                    if !matches!(port, Some((host, Ok(_))) if !host.is_empty()) {
                        return Err(invalid(
                            SENTINELS_ENV,
                            format!("{entry:?} is not host:port"),
                        ));
                    }
                }
                let master = master.trim().to_string();
                if master.is_empty() || master.contains(char::is_whitespace) {
                    return Err(invalid(SENTINEL_MASTER_ENV, "is not a master name".into()));
                }
                Ok(Some(SentinelSettings { sentinels, master }))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidStoreSetting {
    #[error("{REDIS_URL_ENV}: {0}")]
    RedisUrl(String),
    #[error("{NAMESPACE_ENV}: {0}")]
    Namespace(#[from] InvalidNamespace),
    #[error("{MEMORY_BUDGET_ENV}: {0}")]
    MemoryBudget(String),
    #[error("{setting}: {message}")]
    Sentinel {
        setting: &'static str,
        message: String,
    },
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
        let memory_budget = lookup(MEMORY_BUDGET_ENV)
            .map(|text| parse_bytes(&text).map_err(InvalidStoreSetting::MemoryBudget))
            .transpose()?;
        let sentinel = SentinelSettings::from_lookup(&lookup)?;
        Ok(StoreSettings {
            redis_url,
            namespace,
            memory_budget,
            sentinel,
        })
    }
}

/// A size as Redis writes `maxmemory`: bytes, or a number with `kb`, `mb` or `gb`
/// (powers of 1024, any case).
fn parse_bytes(text: &str) -> Result<u64, String> {
    let lower = text.trim().to_ascii_lowercase();
    let (number, unit) = match lower.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => lower.split_at(at),
        None => (lower.as_str(), ""),
    };
    let multiplier: u64 = match unit {
        "" | "b" => 1,
        "kb" => 1 << 10,
        "mb" => 1 << 20,
        "gb" => 1 << 30,
        _ => {
            return Err(format!(
                "{text:?} is not a size (bytes, or a number with kb, mb or gb)"
            ));
        }
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .filter(|bytes| *bytes > 0)
        .ok_or_else(|| {
            format!("{text:?} is not a positive size (bytes, or a number with kb, mb or gb)")
        })
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
    fn the_memory_budget_reads_as_redis_writes_sizes() {
        let budget = |text: &str| {
            StoreSettings::from_lookup(|k| (k == MEMORY_BUDGET_ENV).then(|| text.to_string()))
                .map(|settings| settings.memory_budget)
        };
        assert_eq!(budget("30mb"), Ok(Some(30 << 20)));
        assert_eq!(budget("2GB"), Ok(Some(2 << 30)));
        assert_eq!(budget("1500"), Ok(Some(1500)));
        assert_eq!(
            StoreSettings::from_lookup(|_| None).unwrap().memory_budget,
            None
        );
        for bad in ["", "0", "30 potatoes", "-5mb", "mb"] {
            let err = budget(bad).unwrap_err();
            assert!(
                err.to_string().starts_with("TALLY_REDIS_MEMORY_BUDGET: "),
                "{err}"
            );
        }
    }

    #[test]
    fn sentinels_come_with_their_master_name() {
        let read = |pairs: &[(&str, &str)]| {
            let pairs: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            StoreSettings::from_lookup(move |key| {
                pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
            })
            .map(|settings| settings.sentinel)
        };
        assert_eq!(
            read(&[
                (SENTINELS_ENV, "10.0.0.1:26379, s2:26380"),
                (SENTINEL_MASTER_ENV, "tally")
            ]),
            Ok(Some(SentinelSettings {
                sentinels: vec!["10.0.0.1:26379".into(), "s2:26380".into()],
                master: "tally".into()
            }))
        );
        assert_eq!(read(&[]), Ok(None));
        for (pairs, named) in [
            (&[(SENTINELS_ENV, "s1:26379")][..], SENTINEL_MASTER_ENV),
            (&[(SENTINEL_MASTER_ENV, "tally")][..], SENTINELS_ENV),
            (
                &[(SENTINELS_ENV, "s1"), (SENTINEL_MASTER_ENV, "tally")][..],
                SENTINELS_ENV,
            ),
            (
                &[(SENTINELS_ENV, " , "), (SENTINEL_MASTER_ENV, "tally")][..],
                SENTINELS_ENV,
            ),
            (
                &[(SENTINELS_ENV, "s1:1"), (SENTINEL_MASTER_ENV, " ")][..],
                SENTINEL_MASTER_ENV,
            ),
        ] {
            let err = read(pairs).unwrap_err();
            assert!(err.to_string().starts_with(&format!("{named}: ")), "{err}");
        }
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
