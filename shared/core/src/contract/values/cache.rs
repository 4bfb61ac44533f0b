//! `CacheMode`: how an experiment uses the response cache.

use std::fmt;

use serde::{Serialize, Serializer};

use super::ValueError;

/// Whether a model call may be answered from, and its answer stored in, the
/// response cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CacheMode {
    /// Always call the model; store nothing.
    Off,
    /// Answer from the cache when it can; store fresh answers.
    ReadWrite,
    /// Answer from the cache when it can; store nothing.
    Read,
    /// Always call the model; store the fresh answer over any cached one.
    Refresh,
}

impl CacheMode {
    pub const ALL: [CacheMode; 4] = [
        CacheMode::Off,
        CacheMode::ReadWrite,
        CacheMode::Read,
        CacheMode::Refresh,
    ];

    pub fn parse(text: &str) -> Result<Self, ValueError> {
        CacheMode::ALL
            .into_iter()
            .find(|mode| mode.as_str() == text)
            .ok_or_else(|| {
                let modes: Vec<&str> = CacheMode::ALL.iter().map(|m| m.as_str()).collect();
                ValueError::text(format!("must be one of {}", modes.join(", ")), text)
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CacheMode::Off => "off",
            CacheMode::ReadWrite => "read_write",
            CacheMode::Read => "read",
            CacheMode::Refresh => "refresh",
        }
    }

    pub fn reads(self) -> bool {
        matches!(self, CacheMode::ReadWrite | CacheMode::Read)
    }

    pub fn writes(self) -> bool {
        matches!(self, CacheMode::ReadWrite | CacheMode::Refresh)
    }
}

impl fmt::Display for CacheMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CacheMode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for CacheMode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        CacheMode::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Documented as the string enum it is on the wire: the derive cannot see the names
/// `Serialize` writes.
impl utoipa::PartialSchema for CacheMode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(CacheMode::ALL.iter().map(|mode| mode.as_str())))
            .into()
    }
}

impl utoipa::ToSchema for CacheMode {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_four_modes_and_names_the_others() {
        for mode in CacheMode::ALL {
            assert_eq!(CacheMode::parse(mode.as_str()).unwrap(), mode);
        }
        assert!(CacheMode::ReadWrite.reads() && CacheMode::ReadWrite.writes());
        assert!(CacheMode::Read.reads() && !CacheMode::Read.writes());
        assert!(!CacheMode::Refresh.reads() && CacheMode::Refresh.writes());
        assert!(!CacheMode::Off.reads() && !CacheMode::Off.writes());
        assert_eq!(
            CacheMode::parse("on").unwrap_err().to_string(),
            "must be one of off, read_write, read, refresh, got \"on\""
        );
    }
}
