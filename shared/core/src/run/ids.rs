//! Run and experiment ids: `run_<ulid>` / `exp_<ulid>`, lower-case.
//!
//! ULIDs sort by creation time, so ids listed in key order are also in time order, and
//! the prefix tells a reader at once which kind of id a log line or URL holds.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! prefixed_id {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// A new id, unique and time-ordered.
            pub fn generate() -> $name {
                $name(format!("{}{}", $prefix, ulid::Ulid::new().to_string().to_lowercase()))
            }

            /// Accepts exactly the shape `generate` produces (what a URL path may carry).
            pub fn parse(text: &str) -> Result<$name, String> {
                let valid = text
                    .strip_prefix($prefix)
                    .is_some_and(|rest| {
                        rest.len() == 26 && rest.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
                    });
                if valid {
                    Ok($name(text.to_string()))
                } else {
                    Err(format!(
                        "\"{}\" is not a valid id (expected {}<26 lower-case letters or digits>)",
                        text.chars().take(80).collect::<String>(),
                        $prefix
                    ))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, String> {
                $name::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
    };
}

prefixed_id!(
    /// One submission: a dataset version and N model configurations.
    RunId,
    "run_"
);
prefixed_id!(
    /// One model configuration within a run.
    ExperimentId,
    "exp_"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_and_sort_by_time() {
        let a = RunId::generate();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = RunId::generate();
        assert!(a < b);
        assert_eq!(RunId::parse(a.as_str()), Ok(a.clone()));
        assert!(ExperimentId::generate().as_str().starts_with("exp_"));
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in [
            "",
            "run_",
            "exp_01jd5x0000000000000000000",
            "run_01JD5X00000000000000000000",
            "run_../../etc",
            "run_01jd5x00000000000000000000x",
        ] {
            assert!(RunId::parse(bad).is_err(), "{bad}");
        }
        let json = serde_json::to_string(&RunId::generate()).unwrap();
        assert!(serde_json::from_str::<RunId>(&json).is_ok());
        assert!(serde_json::from_str::<RunId>("\"nope\"").is_err());
    }
}
