//! The checks after parsing: what the service refuses although the JSON is well
//! formed (empty contents, a part without data, thinking for a model that cannot
//! think, values out of range, …), and the request facts answering needs.

use serde_json::Value;
use sha2::{Digest, Sha256};
use tally_gemini::tokens::{image_size, image_tokens as tiled_image_tokens};

use super::walk::decode_bytes;
use crate::config::{ModelProfile, ThinkingRange};
use crate::google_error::ApiError;
use crate::validate::proto::{PART_DATA_ONEOF, camel_case};

/// Which API a request came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Api {
    Developer,
    Vertex,
}

/// An image the request shows, identified the way the dataset index keys them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRef {
    /// Hex SHA-256 of the decoded inline bytes.
    Inline(String),
    /// A `fileData.fileUri`.
    Uri(String),
}

/// What the answer depends on.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestFacts {
    pub images: Vec<ImageRef>,
    /// Input tokens of each image by Google's tiling rule; `None` when its size
    /// cannot be read here (a file URI, an unknown format).
    pub image_tokens: Vec<Option<u64>>,
    pub text_chars: usize,
    pub temperature: f64,
    pub seed: i64,
    pub max_output_tokens: u32,
    /// Effective budget: −1 dynamic, 0 off, else the budget; 0 for models that cannot think.
    pub thinking_budget: i32,
    pub include_thoughts: bool,
}

const SUPPORTED_MIME_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/heic",
    "image/heif",
    "application/pdf",
    "text/plain",
];

/// A field in either spelling; null counts as absent.
pub fn get<'a>(value: &'a Value, snake: &str) -> Option<&'a Value> {
    let object = value.as_object()?;
    object
        .get(snake)
        .or_else(|| object.get(&camel_case(snake)))
        .filter(|v| !v.is_null())
}

fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Collects "* GenerateContentRequest.…" lines; the service reports them together.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, field: &str, message: impl std::fmt::Display) {
        self.0
            .push(format!("* GenerateContentRequest.{field}: {message}\n"));
    }
}

pub fn check(
    body: &Value,
    api: Api,
    model_id: &str,
    profile: &ModelProfile,
) -> Result<RequestFacts, ApiError> {
    let mut problems = Problems::default();
    let mut images = Vec::new();
    let mut image_tokens = Vec::new();
    let mut text_chars = 0;

    let contents = get(body, "contents")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if contents.is_empty() {
        problems.add("contents", "contents is not specified");
    }
    let system = get(body, "system_instruction")
        .into_iter()
        .map(|c| ("system_instruction".to_string(), c, true));
    let user = contents
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("contents[{i}]"), c, false));
    for (path, content, is_system) in system.chain(user) {
        if let Some(role) = get(content, "role").and_then(Value::as_str)
            && !is_system
            && !matches!(role, "user" | "model")
        {
            return Err(ApiError::invalid_argument(
                "Please use a valid role: user, model.",
            ));
        }
        let parts = get(content, "parts")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if parts.is_empty() {
            problems.add(
                &format!("{path}.parts"),
                "contents.parts must not be empty.",
            );
        }
        for (j, part) in parts.iter().enumerate() {
            let set: Vec<&str> = PART_DATA_ONEOF
                .iter()
                .copied()
                .filter(|name| get(part, name).is_some())
                .collect();
            let part_path = format!("{path}.parts[{j}]");
            match set.as_slice() {
                [] => problems.add(
                    &format!("{part_path}.data"),
                    "required oneof field 'data' must have one initialized field",
                ),
                [_] => {}
                [_, second, ..] => problems.add(
                    &format!("{part_path}.data"),
                    format!(
                        "oneof field 'data' is already set. Cannot set '{}'",
                        camel_case(second)
                    ),
                ),
            }
            if let Some(text) = get(part, "text").and_then(Value::as_str) {
                text_chars += text.chars().count();
            }
            if let Some(blob) = get(part, "inline_data") {
                let mime = get(blob, "mime_type")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if !SUPPORTED_MIME_TYPES.contains(&mime) {
                    return Err(ApiError::invalid_argument(format!(
                        "Unsupported MIME type: {mime}"
                    )));
                }
                let bytes = get(blob, "data")
                    .and_then(Value::as_str)
                    .and_then(decode_bytes)
                    .unwrap_or_default();
                images.push(ImageRef::Inline(hex::encode(Sha256::digest(&bytes))));
                image_tokens.push(image_size(&bytes).map(|(w, h)| tiled_image_tokens(w, h)));
            }
            if let Some(file) = get(part, "file_data") {
                let uri = get(file, "file_uri")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let accepted = match api {
                    Api::Vertex => {
                        uri.starts_with("gs://")
                            || uri.starts_with("https://")
                            || uri.starts_with("http://")
                    }
                    Api::Developer => uri.starts_with("https://"),
                };
                if !accepted {
                    return Err(ApiError::invalid_argument(format!(
                        "Invalid or unsupported file uri: {uri}"
                    )));
                }
                images.push(ImageRef::Uri(uri.to_string()));
                image_tokens.push(None);
            }
        }
    }

    let config = get(body, "generation_config")
        .cloned()
        .unwrap_or(Value::Null);
    let temperature = number(get(&config, "temperature")).unwrap_or(1.0);
    range_check("temperature", temperature, 0.0, 2.0)?;
    if let Some(top_p) = number(get(&config, "top_p")) {
        range_check("top_p", top_p, 0.0, 1.0)?;
    }
    if let Some(top_k) = number(get(&config, "top_k"))
        && top_k < 1.0
    {
        return Err(out_of_range("top_k", top_k, "1 (inclusive)", "unbounded"));
    }
    let max_output_tokens = match number(get(&config, "max_output_tokens")) {
        None => profile.max_output_tokens,
        Some(n) if n >= 1.0 && n <= f64::from(profile.max_output_tokens) => n as u32,
        Some(n) => {
            return Err(out_of_range(
                "maxOutputTokens",
                n,
                "1 (inclusive)",
                &format!("{} (exclusive)", u64::from(profile.max_output_tokens) + 1),
            ));
        }
    };
    let mime = get(&config, "response_mime_type")
        .and_then(Value::as_str)
        .unwrap_or("text/plain");
    if !matches!(
        mime,
        "text/plain" | "application/json" | "application/xml" | "application/yaml" | "text/x.enum"
    ) {
        problems.add(
            "generation_config.response_mime_type",
            "allowed mimetypes are `text/plain`, `application/json`, `application/xml`, `application/yaml` and `text/x.enum`.",
        );
    }
    let schema = get(&config, "response_schema");
    if schema.is_some() && get(&config, "response_json_schema").is_some() {
        problems.add(
            "generation_config.response_json_schema",
            "response_json_schema and response_schema cannot both be set.",
        );
    }
    if let Some(schema) = schema {
        if !matches!(mime, "application/json" | "text/x.enum") {
            problems.add(
                "generation_config.response_mime_type",
                "response_mime_type must be application/json or text/x.enum when response_schema is set.",
            );
        }
        check_schema(&mut problems, schema, "generation_config.response_schema");
    }
    let thinking = get(&config, "thinking_config");
    let (thinking_budget, include_thoughts) = match (thinking, profile.thinking) {
        (Some(_), None) => {
            return Err(ApiError::invalid_argument(format!(
                "Thinking is not supported by this model: models/{model_id}."
            )));
        }
        (thinking, Some(range)) => {
            let requested = thinking
                .and_then(|t| number(get(t, "thinking_budget")))
                .map(|b| b as i32);
            let budget = requested.unwrap_or(range.default_budget);
            check_budget(budget, &range)?;
            let include = thinking
                .and_then(|t| get(t, "include_thoughts"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            (budget, include)
        }
        (None, None) => (0, false),
    };
    if !problems.0.is_empty() {
        return Err(ApiError::invalid_argument(problems.0.concat()));
    }
    let schema_chars = schema.map(|s| s.to_string().len()).unwrap_or(0);
    Ok(RequestFacts {
        images,
        image_tokens,
        text_chars: text_chars + schema_chars,
        temperature,
        seed: number(get(&config, "seed")).map_or(0, |s| s as i64),
        max_output_tokens,
        thinking_budget,
        include_thoughts,
    })
}

fn range_check(name: &str, value: f64, low: f64, high: f64) -> Result<(), ApiError> {
    if value < low || value > high {
        return Err(out_of_range(
            name,
            value,
            &format!("{low} (inclusive)"),
            &format!("{} (exclusive)", high + 0.0001),
        ));
    }
    Ok(())
}

fn out_of_range(name: &str, value: f64, low: &str, high: &str) -> ApiError {
    ApiError::invalid_argument(format!(
        "Unable to submit request because it has a {name} value of {value} but the supported range is from \
         {low} to {high}. Update the value and try again."
    ))
}

fn check_budget(budget: i32, range: &ThinkingRange) -> Result<(), ApiError> {
    let valid = budget == -1
        || (budget == 0 && range.can_disable)
        || (budget >= range.min && budget <= range.max);
    if valid {
        return Ok(());
    }
    if budget == 0 {
        return Err(ApiError::invalid_argument(
            "Budget 0 is invalid. This model only works in thinking mode.",
        ));
    }
    let message = if range.can_disable && range.min <= 1 {
        format!(
            "The thinking budget {budget} is invalid. Please choose a value between 0 and {}.",
            range.max
        )
    } else if range.can_disable {
        format!(
            "The thinking budget {budget} is invalid. Please choose a value between {} and {}, or 0 to disable thinking.",
            range.min, range.max
        )
    } else {
        format!(
            "The thinking budget {budget} is invalid. Please choose a value between {} and {}.",
            range.min, range.max
        )
    };
    Err(ApiError::invalid_argument(message))
}

/// OBJECT schemas need properties; `required` may only name them.
fn check_schema(problems: &mut Problems, schema: &Value, path: &str) {
    let properties = get(schema, "properties").and_then(Value::as_object);
    if get(schema, "type").and_then(Value::as_str) == Some("OBJECT") {
        if properties.is_none_or(|p| p.is_empty()) {
            problems.add(
                &format!("{path}.properties"),
                "should be non-empty for OBJECT type",
            );
        }
        for (i, name) in get(schema, "required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let defined = name
                .as_str()
                .is_some_and(|n| properties.is_some_and(|p| p.contains_key(n)));
            if !defined {
                problems.add(&format!("{path}.required[{i}]"), "property is not defined");
            }
        }
    }
    for (name, child) in properties.into_iter().flatten() {
        check_schema(problems, child, &format!("{path}.properties[{name}]"));
    }
    if let Some(items) = get(schema, "items") {
        check_schema(problems, items, &format!("{path}.items"));
    }
}
