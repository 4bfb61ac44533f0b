//! Reading one raw JSON value at a known path: its kind, its text, its fields.
//!
//! Every reader either returns the value or records a violation naming the path,
//! the expected type and what was found, and returns `None`.

use std::collections::HashSet;
use std::fmt;

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use super::Problems;
use crate::contract::values::{ValueError, excerpt};

/// The JSON type of a raw value, told by its first character (serde_json has
/// already checked the syntax and strips leading whitespace).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Null,
    Boolean,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    pub(super) fn of(raw: &RawValue) -> Kind {
        match raw.get().as_bytes().first() {
            Some(b'n') => Kind::Null,
            Some(b't' | b'f') => Kind::Boolean,
            Some(b'"') => Kind::String,
            Some(b'[') => Kind::Array,
            Some(b'{') => Kind::Object,
            _ => Kind::Number,
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Boolean => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }
}

/// Whether a field must be given, may be null (= absent), or has a default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Need {
    Required,
    Nullable,
    Defaulted,
}

/// A field's path and raw value (`None` when absent).
pub(super) struct Field<'a> {
    path: String,
    raw: Option<&'a RawValue>,
}

impl<'a> Field<'a> {
    pub(super) fn new(path: String, raw: &'a RawValue) -> Self {
        Field {
            path,
            raw: Some(raw),
        }
    }

    pub(super) fn path(&self) -> &str {
        &self.path
    }

    /// The raw value, or `None` for an absent field (recorded as a violation when it is
    /// required) and for a null where null means absent. A null elsewhere is passed on
    /// so the type check reports it.
    fn present(&self, need: Need, problems: &mut Problems) -> Option<&'a RawValue> {
        match self.raw {
            None => {
                if need == Need::Required {
                    problems.push(&self.path, "is required");
                }
                None
            }
            Some(raw) if need == Need::Nullable && Kind::of(raw) == Kind::Null => None,
            Some(raw) => Some(raw),
        }
    }

    /// Reads the value with `read` and records its error, if any.
    fn read<T>(
        &self,
        need: Need,
        expected: &str,
        problems: &mut Problems,
        read: impl FnOnce(&'a RawValue, &str) -> Result<T, String>,
    ) -> Option<T> {
        let raw = self.present(need, problems)?;
        let expected = match need {
            Need::Nullable => format!("{expected} or null"),
            Need::Required | Need::Defaulted => expected.to_string(),
        };
        read(raw, &expected)
            .map_err(|message| problems.push(&self.path, message))
            .ok()
    }

    /// A string turned into a domain value by `parse`.
    pub(super) fn text<T>(
        &self,
        need: Need,
        parse: impl FnOnce(&str) -> Result<T, ValueError>,
        problems: &mut Problems,
    ) -> Option<T> {
        self.read(need, "a string", problems, |raw, expected| {
            let text = string(raw, expected)?;
            parse(&text).map_err(|e| as_sent(&e, raw))
        })
    }

    /// A string whose content must never be echoed (a credential): type errors name
    /// only the type found.
    pub(super) fn secret_text(&self, need: Need, problems: &mut Problems) -> Option<String> {
        self.read(need, "a string", problems, |raw, expected| {
            let kind = Kind::of(raw);
            if kind != Kind::String {
                return Err(format!("must be {expected}, got {}", kind.name()));
            }
            let text: String = serde_json::from_str(raw.get())
                .map_err(|e| format!("cannot be read ({})", reason(&e)))?;
            if text.is_empty() {
                return Err("must not be empty".to_string());
            }
            Ok(text)
        })
    }

    pub(super) fn boolean(&self, need: Need, problems: &mut Problems) -> Option<bool> {
        self.read(need, "a boolean", problems, |raw, expected| {
            match raw.get() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(type_error(raw, expected)),
            }
        })
    }

    /// A whole number turned into a domain value by `parse`. An integral float
    /// (`40.0`, `1e3`) counts as whole. A number beyond `i64` is passed on saturated,
    /// so it fails `parse`'s range check and is reported as sent.
    pub(super) fn integer<T>(
        &self,
        need: Need,
        parse: impl FnOnce(i64) -> Result<T, ValueError>,
        problems: &mut Problems,
    ) -> Option<T> {
        self.read(need, "a whole number", problems, |raw, expected| {
            let value = whole_number(raw, expected)?;
            parse(value).map_err(|e| as_sent(&e, raw))
        })
    }

    /// A number turned into a domain value by `parse`. Beyond `f64` it is infinite,
    /// which every range check refuses.
    pub(super) fn number<T>(
        &self,
        need: Need,
        parse: impl FnOnce(f64) -> Result<T, ValueError>,
        problems: &mut Problems,
    ) -> Option<T> {
        self.read(need, "a number", problems, |raw, expected| {
            let value = number(raw, expected)?;
            parse(value).map_err(|e| as_sent(&e, raw))
        })
    }

    /// A list: each element with its path (`model_configs[1]`).
    pub(super) fn list(
        &self,
        need: Need,
        expected: &str,
        problems: &mut Problems,
    ) -> Option<Vec<Field<'a>>> {
        let path = self.path.clone();
        self.read(need, expected, problems, |raw, expected| {
            if Kind::of(raw) != Kind::Array {
                return Err(type_error(raw, expected));
            }
            let items: Vec<&'a RawValue> =
                serde_json::from_str(raw.get()).map_err(|e| unreadable(&e, raw))?;
            Ok(items
                .into_iter()
                .enumerate()
                .map(|(index, item)| Field::new(format!("{path}[{index}]"), item))
                .collect())
        })
    }

    /// An object's fields in document order. A repeated key is recorded as a
    /// violation and only its first value kept.
    pub(super) fn object(&self, need: Need, problems: &mut Problems) -> Option<Object<'a>> {
        let entries = self.read(need, "an object", problems, |raw, expected| {
            if Kind::of(raw) != Kind::Object {
                return Err(type_error(raw, expected));
            }
            let entries: Entries<'a> =
                serde_json::from_str(raw.get()).map_err(|e| unreadable(&e, raw))?;
            Ok(entries.0)
        })?;
        let mut seen = HashSet::with_capacity(entries.len());
        let mut fields: Vec<(String, Field<'a>)> = Vec::with_capacity(entries.len());
        for (key, raw) in entries {
            let path = join(&self.path, &key);
            if seen.insert(key.clone()) {
                fields.push((key, Field::new(path, raw)));
            } else {
                problems.push(&path, "is given more than once");
            }
        }
        Some(Object {
            path: self.path.clone(),
            fields,
        })
    }

    /// Any JSON value (metadata values are stored as given).
    pub(super) fn any(&self, problems: &mut Problems) -> Option<Value> {
        self.read(Need::Required, "JSON", problems, |raw, _| {
            serde_json::from_str(raw.get()).map_err(|e| unreadable(&e, raw))
        })
    }
}

/// An object being read field by field; what is left at the end is unknown.
pub(super) struct Object<'a> {
    path: String,
    fields: Vec<(String, Field<'a>)>,
}

impl<'a> Object<'a> {
    /// The named field, absent when not given.
    pub(super) fn take(&mut self, name: &str) -> Field<'a> {
        match self.fields.iter().position(|(key, _)| key == name) {
            Some(index) => self.fields.remove(index).1,
            None => Field {
                path: join(&self.path, name),
                raw: None,
            },
        }
    }

    /// Records every field not taken as unknown: a warning, the field is ignored.
    pub(super) fn ignore_unknown(self, known: &[&str], problems: &mut Problems) {
        let message = format!("unknown field (expected one of: {})", known.join(", "));
        for (_, field) in self.fields {
            problems.warn(&field.path, message.as_str());
        }
    }

    /// The remaining fields with their keys, for objects with free-form keys.
    pub(super) fn into_fields(self) -> Vec<(String, Field<'a>)> {
        self.fields
    }
}

/// `path.key`, or `path["key"]` when the key is not a plain identifier, so a path
/// always reads back unambiguously.
fn join(path: &str, key: &str) -> String {
    let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    match (path.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{}]", Value::String(key.to_string())),
    }
}

fn string(raw: &RawValue, expected: &str) -> Result<String, String> {
    if Kind::of(raw) != Kind::String {
        return Err(type_error(raw, expected));
    }
    serde_json::from_str(raw.get()).map_err(|e| unreadable(&e, raw))
}

fn number(raw: &RawValue, expected: &str) -> Result<f64, String> {
    if Kind::of(raw) != Kind::Number {
        return Err(type_error(raw, expected));
    }
    // JSON number syntax is a subset of Rust's float syntax; overflow gives infinity.
    raw.get().parse().map_err(|_| type_error(raw, expected))
}

fn whole_number(raw: &RawValue, expected: &str) -> Result<i64, String> {
    let text = raw.get();
    if Kind::of(raw) != Kind::Number {
        return Err(type_error(raw, expected));
    }
    if !text.contains(['.', 'e', 'E']) {
        return Ok(text.parse().unwrap_or(if text.starts_with('-') {
            i64::MIN
        } else {
            i64::MAX
        }));
    }
    let value = number(raw, expected)?;
    if value.is_finite() && value.fract() != 0.0 {
        return Err(format!("must be {expected}, got {}", excerpt(text)));
    }
    // `as` saturates: huge and infinite values land on i64::MIN / i64::MAX.
    Ok(value as i64)
}

/// `must be a number, got a string "NaN"`; `got null`.
fn type_error(raw: &RawValue, expected: &str) -> String {
    let kind = Kind::of(raw);
    match kind {
        Kind::Null | Kind::Array | Kind::Object => {
            format!("must be {expected}, got {}", kind.name())
        }
        Kind::Boolean | Kind::Number | Kind::String => {
            format!(
                "must be {expected}, got {} {}",
                kind.name(),
                excerpt(raw.get())
            )
        }
    }
}

/// A domain rule's error with the value exactly as the client sent it.
fn as_sent(error: &ValueError, raw: &RawValue) -> String {
    format!("{}, got {}", error.rule(), excerpt(raw.get()))
}

/// Syntactically valid JSON that serde_json still cannot hold (a number beyond
/// `f64`, a lone surrogate escape).
fn unreadable(error: &serde_json::Error, raw: &RawValue) -> String {
    format!(
        "cannot be read ({}), got {}",
        reason(error),
        excerpt(raw.get())
    )
}

/// serde_json's message without its position, which is relative to the fragment
/// read, not to the body.
fn reason(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rsplit_once(" at line ") {
        Some((reason, _)) => reason.to_string(),
        None => message,
    }
}

/// An object's entries in document order, duplicates included.
struct Entries<'a>(Vec<(String, &'a RawValue)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EntriesVisitor)
    }
}

struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = Entries<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<'de>, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
            entries.push(entry);
        }
        Ok(Entries(entries))
    }
}
