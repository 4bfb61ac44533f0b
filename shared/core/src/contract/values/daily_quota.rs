//! `OnDailyQuota`: what an experiment does when its model's daily quota is used up.

use std::fmt;

use serde::{Serialize, Serializer};

use super::ValueError;

/// Gemini's requests per day reset at midnight Pacific; an experiment that reaches
/// its model's daily quota either waits for that, or fails at once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum OnDailyQuota {
    /// Its calls wait until the quota resets; the run status says until when.
    #[default]
    Wait,
    /// The experiment fails at once, naming the model and the reset time.
    Fail,
}

impl OnDailyQuota {
    pub const ALL: [OnDailyQuota; 2] = [OnDailyQuota::Wait, OnDailyQuota::Fail];

    pub fn parse(text: &str) -> Result<Self, ValueError> {
        OnDailyQuota::ALL
            .into_iter()
            .find(|choice| choice.as_str() == text)
            .ok_or_else(|| ValueError::text("must be one of wait, fail", text))
    }

    pub fn is_wait(&self) -> bool {
        *self == OnDailyQuota::Wait
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OnDailyQuota::Wait => "wait",
            OnDailyQuota::Fail => "fail",
        }
    }
}

impl fmt::Display for OnDailyQuota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for OnDailyQuota {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for OnDailyQuota {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        OnDailyQuota::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Documented as the string enum it is on the wire.
impl utoipa::PartialSchema for OnDailyQuota {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(OnDailyQuota::ALL.iter().map(|choice| choice.as_str())))
            .default(Some(serde_json::Value::from("wait")))
            .into()
    }
}

impl utoipa::ToSchema for OnDailyQuota {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_wait_and_fail_and_names_the_choices() {
        for choice in OnDailyQuota::ALL {
            assert_eq!(OnDailyQuota::parse(choice.as_str()).unwrap(), choice);
        }
        assert_eq!(OnDailyQuota::default(), OnDailyQuota::Wait);
        assert_eq!(
            OnDailyQuota::parse("stop").unwrap_err().to_string(),
            "must be one of wait, fail, got \"stop\""
        );
    }
}
