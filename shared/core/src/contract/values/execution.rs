//! `Execution`: how an experiment's model calls are made.

use std::fmt;

use serde::{Serialize, Serializer};

use super::ValueError;

/// Online calls (one `generateContent` per record, answers in seconds) or Gemini's
/// batch mode (the records submitted as batch jobs: half the price, answers within
/// 24 hours; Developer API only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Execution {
    #[default]
    Online,
    Batch,
}

impl Execution {
    pub const ALL: [Execution; 2] = [Execution::Online, Execution::Batch];

    pub fn parse(text: &str) -> Result<Self, ValueError> {
        Execution::ALL
            .into_iter()
            .find(|mode| mode.as_str() == text)
            .ok_or_else(|| ValueError::text("must be one of online, batch", text))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Execution::Online => "online",
            Execution::Batch => "batch",
        }
    }
}

impl fmt::Display for Execution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Execution {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Execution {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Execution::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Documented as the string enum it is on the wire.
impl utoipa::PartialSchema for Execution {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(Execution::ALL.iter().map(|mode| mode.as_str())))
            .into()
    }
}

impl utoipa::ToSchema for Execution {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_modes_and_names_the_others() {
        for mode in Execution::ALL {
            assert_eq!(Execution::parse(mode.as_str()).unwrap(), mode);
        }
        assert_eq!(Execution::default(), Execution::Online);
        assert_eq!(
            Execution::parse("async").unwrap_err().to_string(),
            "must be one of online, batch, got \"async\""
        );
    }
}
