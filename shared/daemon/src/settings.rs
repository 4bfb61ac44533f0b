//! Where every daemon reads its settings: the process environment, with the
//! daemon's built-in defaults beneath it, as one `figment` of string values.
//!
//! Only the layering is shared. Each daemon still parses its own variables, because
//! their error messages (`NAME: what is wrong, got "value"`) are part of the
//! interface and tests assert them; figment's own messages would change them.
//! Values stay strings (figment's `Env` provider would guess types and turn `8080`
//! into a number), so every variable reads back exactly as it was set.

use std::collections::BTreeMap;

use figment::Figment;
use figment::providers::Serialized;

/// One setting that cannot be used: `NAME: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {message}")]
pub struct InvalidSetting {
    pub name: &'static str,
    pub message: String,
}

impl InvalidSetting {
    pub fn new(name: &'static str, message: impl Into<String>) -> InvalidSetting {
        InvalidSetting {
            name,
            message: message.into(),
        }
    }
}

/// The variables a daemon starts with.
#[derive(Debug, Clone)]
pub struct Environment {
    figment: Figment,
}

impl Environment {
    /// The process environment. A variable whose value is not UTF-8 counts as unset,
    /// as `std::env::var` has it.
    pub fn process() -> Environment {
        Environment::from_pairs(std::env::vars_os().filter_map(|(name, value)| {
            Some((name.into_string().ok()?, value.into_string().ok()?))
        }))
    }

    /// These variables and no others (tests, and processes configured in code).
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Environment
    where
        K: Into<String>,
        V: Into<String>,
    {
        let variables: BTreeMap<String, String> = pairs
            .into_iter()
            .map(|(name, value)| (name.into(), value.into()))
            .collect();
        Environment {
            figment: Figment::from(Serialized::defaults(variables)),
        }
    }

    /// `defaults` beneath what is set: a variable that is set, even to an empty
    /// value, keeps its value.
    pub fn with_defaults(self, defaults: &[(&str, &str)]) -> Environment {
        let defaults: BTreeMap<&str, &str> = defaults.iter().copied().collect();
        Environment {
            figment: self.figment.join(Serialized::defaults(defaults)),
        }
    }

    /// The value of `name`, or its default; `None` when neither exists.
    pub fn get(&self, name: &str) -> Option<String> {
        // A name with a dot would be read as a path into a table; no variable has one.
        if name.contains('.') {
            return None;
        }
        self.figment.find_value(name).ok()?.into_string()
    }

    /// Like [`Environment::get`], with a blank value counting as unset.
    pub fn non_blank(&self, name: &str) -> Option<String> {
        self.get(name).filter(|value| !value.trim().is_empty())
    }

    /// `get` as a closure, for settings readers that take a lookup function.
    pub fn lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        |name| self.get(name)
    }

    /// `name` parsed with `parse` when set (blank counts as unset), else `None`.
    /// A value `parse` refuses is an [`InvalidSetting`] with `parse`'s message.
    pub fn parse_non_blank<T>(
        &self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Option<T>, InvalidSetting> {
        self.non_blank(name)
            .map(|text| parse(&text).map_err(|message| InvalidSetting::new(name, message)))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_values_win_over_defaults_and_stay_strings() {
        let env = Environment::from_pairs([("TALLY_LISTEN", "8080"), ("TALLY_EMPTY", "")])
            .with_defaults(&[
                ("TALLY_LISTEN", "0.0.0.0:8000"),
                ("TALLY_EMPTY", "x"),
                ("TALLY_OTHER", "d"),
            ]);
        assert_eq!(env.get("TALLY_LISTEN").as_deref(), Some("8080"));
        assert_eq!(env.get("TALLY_EMPTY").as_deref(), Some(""));
        assert_eq!(env.non_blank("TALLY_EMPTY"), None);
        assert_eq!(env.get("TALLY_OTHER").as_deref(), Some("d"));
        assert_eq!(env.get("TALLY_UNSET"), None);
        assert_eq!(env.get("TALLY.LISTEN"), None);
    }

    #[test]
    fn a_refused_value_names_its_variable() {
        let env = Environment::from_pairs([("TALLY_N", "soon")]);
        let error = env
            .parse_non_blank("TALLY_N", |text| {
                text.parse::<u64>()
                    .map_err(|_| format!("expected a whole number, got {text:?}"))
            })
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "TALLY_N: expected a whole number, got \"soon\""
        );
        assert_eq!(env.parse_non_blank("TALLY_M", |_| Ok(1)), Ok(None));
    }
}
