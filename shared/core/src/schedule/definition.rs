//! `Schedule`: a named calendar, the run request it submits, a paused flag and its
//! alert settings — validated as a whole, every problem named by its field path.
//!
//! One JSON shape serves the API body, each `[[schedule]]` table of the schedules
//! file (converted from TOML) and the stored form:
//!
//! ```json
//! {"name": "weekly-monitoring", "cron": "0 8 * * 1", "time_zone": "UTC",
//!  "paused": false,
//!  "request": {"dataset_name": "vote-extraction-bangbamru-1-10",
//!              "dataset_version": "latest", "sample_size": 5,
//!              "model_configs": [{"model": "gemini-2.5-flash", "temperature": 0.0}]},
//!  "alerts": {"accuracy_drop": 0.05, "success_rate_drop": 0.1, "webhook_url": null}}
//! ```
//!
//! The request is held to the rules of an API submission: it goes through the
//! contract's own validator (`ExperimentRequest::from_json_bytes`), with one
//! addition — `dataset_version` may also be `"latest"` (the same as null) — and one
//! restriction: no `api_key` or `app_key`, because a schedule is stored and secrets
//! never are. Unknown fields of the request, which a submission ignores with a
//! warning, are refused here.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value, json};

use super::alerts::{AlertSettings, DropThreshold, WebhookUrl};
use super::calendar::{Calendar, CronExpr, ZoneName};
use super::name::ScheduleName;
use crate::contract::{ExperimentRequest, FieldError, RequestError, ValueError};

const FIELDS: [&str; 6] = ["name", "cron", "time_zone", "paused", "request", "alerts"];
const ALERT_FIELDS: [&str; 3] = ["accuracy_drop", "success_rate_drop", "webhook_url"];

/// A schedule in its JSON form, every default filled in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleDefinition {
    pub name: String,
    pub cron: String,
    pub time_zone: String,
    pub paused: bool,
    pub request: ExperimentRequest,
    pub alerts: AlertsDefinition,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AlertsDefinition {
    /// 0.0-1.0: the largest tolerated fall of overall_accuracy.
    pub accuracy_drop: f64,
    /// 0.0-1.0: the largest tolerated fall of success_rate.
    pub success_rate_drop: f64,
    /// Where alerts are POSTed; shown redacted (`scheme://host/…`).
    #[schema(required = true)]
    pub webhook_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub name: ScheduleName,
    pub calendar: Calendar,
    /// The run submitted at every fire time (`dataset_version` none = the latest
    /// version at that time; never an `api_key`).
    pub request: ExperimentRequest,
    /// A paused schedule creates no runs; slots that pass while it is paused are not
    /// caught up when it resumes.
    pub paused: bool,
    pub alerts: AlertSettings,
}

impl Schedule {
    /// Validates a schedule given as JSON, reporting every problem.
    pub fn from_json(value: &Value) -> Result<Schedule, Vec<FieldError>> {
        Schedule::from_json_replacing(value, None)
    }

    /// As `from_json`, for an edit of `previous`: a `webhook_url` equal to the
    /// redacted form shown for `previous` (`https://host/…`) keeps its stored URL, so
    /// a client can send back what it was shown without knowing the secret.
    pub fn from_json_replacing(
        value: &Value,
        previous: Option<&Schedule>,
    ) -> Result<Schedule, Vec<FieldError>> {
        let mut problems = Vec::new();
        let Some(object) = value.as_object() else {
            return Err(vec![problem(
                "",
                format!("must be an object, got {}", kind(value)),
            )]);
        };
        for key in object.keys().filter(|k| !FIELDS.contains(&k.as_str())) {
            problems.push(unknown_field(key, &FIELDS));
        }
        let name = required_str(object, "name", &mut problems)
            .and_then(|text| ok_or_push(ScheduleName::parse(text), "name", &mut problems));
        let cron = required_str(object, "cron", &mut problems)
            .and_then(|text| ok_or_push(CronExpr::parse(text), "cron", &mut problems));
        let zone = match optional(object, "time_zone") {
            None => Some(ZoneName::utc()),
            Some(value) => as_str(value, "time_zone", &mut problems)
                .and_then(|text| ok_or_push(ZoneName::parse(text), "time_zone", &mut problems)),
        };
        let paused = match optional(object, "paused") {
            None => Some(false),
            Some(Value::Bool(paused)) => Some(*paused),
            Some(other) => {
                problems.push(problem(
                    "paused",
                    format!("must be a boolean, got {}", kind(other)),
                ));
                None
            }
        };
        let request = match object.get("request") {
            None | Some(Value::Null) => {
                problems.push(problem("request", "is required"));
                None
            }
            Some(value) => parse_request(value, &mut problems),
        };
        let previous_url = previous.and_then(|p| p.alerts.webhook_url.as_ref());
        let alerts = match optional(object, "alerts") {
            None => Some(AlertSettings::default()),
            Some(value) => parse_alerts(value, previous_url, &mut problems),
        };
        match (name, cron, zone, paused, request, alerts) {
            (Some(name), Some(cron), Some(zone), Some(paused), Some(request), Some(alerts))
                if problems.is_empty() =>
            {
                Ok(Schedule {
                    name,
                    calendar: Calendar::new(cron, zone),
                    request,
                    paused,
                    alerts,
                })
            }
            _ => Err(problems),
        }
    }

    /// The stored form (the webhook URL in full).
    pub fn to_json(&self) -> Value {
        json!(self.definition(self.alerts.webhook_url.as_ref().map(WebhookUrl::expose)))
    }

    /// The form shown to people: as `to_json`, with the webhook URL redacted.
    pub fn to_public_json(&self) -> Value {
        json!(self.public())
    }

    /// The definition as shown to people (webhook URL redacted).
    pub fn public(&self) -> ScheduleDefinition {
        let redacted = self.alerts.webhook_url.as_ref().map(WebhookUrl::redacted);
        self.definition(redacted.as_deref())
    }

    fn definition(&self, webhook_url: Option<&str>) -> ScheduleDefinition {
        ScheduleDefinition {
            name: self.name.as_str().to_string(),
            cron: self.calendar.cron().as_str().to_string(),
            time_zone: self.calendar.zone().as_str().to_string(),
            paused: self.paused,
            request: self.request.clone(),
            alerts: AlertsDefinition {
                accuracy_drop: self.alerts.accuracy_drop.get(),
                success_rate_drop: self.alerts.success_rate_drop.get(),
                webhook_url: webhook_url.map(str::to_string),
            },
        }
    }

    /// Whether `other` fires at other times (a changed expression or time zone).
    pub fn calendar_differs(&self, other: &Schedule) -> bool {
        self.calendar != other.calendar
    }
}

impl Serialize for Schedule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

/// Through the validator, so a stored schedule is held to the rules of a new one.
impl<'de> Deserialize<'de> for Schedule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Schedule::from_json(&value).map_err(|errors| {
            let rendered: Vec<String> = errors.iter().map(FieldError::to_string).collect();
            serde::de::Error::custom(rendered.join("; "))
        })
    }
}

fn parse_request(value: &Value, problems: &mut Vec<FieldError>) -> Option<ExperimentRequest> {
    let Some(object) = value.as_object() else {
        problems.push(problem(
            "request",
            format!("must be an object, got {}", kind(value)),
        ));
        return None;
    };
    let mut object = object.clone();
    for secret in ["api_key", "app_key"] {
        if object.remove(secret).is_some() {
            problems.push(problem(
                &format!("request.{secret}"),
                "is not allowed in a schedule (a schedule is stored, and secrets never are)",
            ));
        }
    }
    if object.get("dataset_version") == Some(&Value::String("latest".to_string())) {
        object.insert("dataset_version".to_string(), Value::Null);
    }
    let bytes = serde_json::to_vec(&object).unwrap_or_default();
    match ExperimentRequest::from_json_bytes_with_warnings(&bytes) {
        // A schedule runs unattended for weeks: a field its request would ignore is
        // most likely a typo, so here it is refused instead of warned about.
        Ok((request, ignored)) if ignored.is_empty() => Some(request),
        Ok((_, errors)) | Err(RequestError::Invalid(errors)) => {
            problems.extend(errors.into_iter().map(in_request));
            None
        }
        Err(RequestError::Malformed(message)) => {
            problems.push(problem("request", message));
            None
        }
    }
}

/// A problem of the embedded request, named by its path in the schedule.
fn in_request(error: FieldError) -> FieldError {
    let field = if error.field.is_empty() {
        "request".to_string()
    } else {
        format!("request.{}", error.field)
    };
    let message = if field == "request.dataset_version" {
        error.message.replace("or null", "or \"latest\"")
    } else {
        error.message
    };
    FieldError { field, message }
}

fn parse_alerts(
    value: &Value,
    previous_url: Option<&WebhookUrl>,
    problems: &mut Vec<FieldError>,
) -> Option<AlertSettings> {
    let Some(object) = value.as_object() else {
        problems.push(problem(
            "alerts",
            format!("must be an object, got {}", kind(value)),
        ));
        return None;
    };
    for key in object
        .keys()
        .filter(|k| !ALERT_FIELDS.contains(&k.as_str()))
    {
        problems.push(unknown_field(&format!("alerts.{key}"), &ALERT_FIELDS));
    }
    let defaults = AlertSettings::default();
    let mut threshold = |field: &str, default: DropThreshold| match optional(object, field) {
        None => Some(default),
        Some(Value::Number(number)) => {
            let path = format!("alerts.{field}");
            let value = number.as_f64().unwrap_or(f64::NAN);
            ok_or_push(DropThreshold::parse(value), &path, problems)
        }
        Some(other) => {
            problems.push(problem(
                &format!("alerts.{field}"),
                format!("must be a number, got {}", kind(other)),
            ));
            None
        }
    };
    let accuracy_drop = threshold("accuracy_drop", defaults.accuracy_drop);
    let success_rate_drop = threshold("success_rate_drop", defaults.success_rate_drop);
    let webhook_url = match optional(object, "webhook_url") {
        None => Some(None),
        Some(Value::String(text)) => match previous_url {
            Some(previous) if previous.redacted() == *text => Some(Some(previous.clone())),
            _ => ok_or_push(WebhookUrl::parse(text), "alerts.webhook_url", problems).map(Some),
        },
        Some(other) => {
            problems.push(problem(
                "alerts.webhook_url",
                format!("must be a string or null, got {}", kind(other)),
            ));
            None
        }
    };
    Some(AlertSettings {
        accuracy_drop: accuracy_drop?,
        success_rate_drop: success_rate_drop?,
        webhook_url: webhook_url?,
    })
}

/// A field's value; null counts as absent.
fn optional<'a>(object: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    object.get(field).filter(|value| !value.is_null())
}

fn required_str<'a>(
    object: &'a Map<String, Value>,
    field: &str,
    problems: &mut Vec<FieldError>,
) -> Option<&'a str> {
    match optional(object, field) {
        None => {
            problems.push(problem(field, "is required"));
            None
        }
        Some(value) => as_str(value, field, problems),
    }
}

fn as_str<'a>(value: &'a Value, field: &str, problems: &mut Vec<FieldError>) -> Option<&'a str> {
    match value {
        Value::String(text) => Some(text),
        other => {
            problems.push(problem(
                field,
                format!("must be a string, got {}", kind(other)),
            ));
            None
        }
    }
}

fn ok_or_push<T>(
    result: Result<T, ValueError>,
    field: &str,
    problems: &mut Vec<FieldError>,
) -> Option<T> {
    result
        .map_err(|error| problems.push(problem(field, error.to_string())))
        .ok()
}

fn unknown_field(field: &str, expected: &[&str]) -> FieldError {
    problem(
        field,
        format!("unknown field (expected one of: {})", expected.join(", ")),
    )
}

fn problem(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_string(),
        message: message.into(),
    }
}

fn kind(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("a boolean {b}"),
        Value::Number(n) => format!("a number {n}"),
        Value::String(s) => format!("a string {s:?}"),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

#[cfg(test)]
mod tests;
