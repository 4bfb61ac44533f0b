//! JSON:API bodies, read strictly: size limit, `Content-Type`, a `data` object with
//! the endpoint's `type`, no members beyond `type`/`id`/`attributes`, and attributes
//! that match the endpoint's schema (unknown attribute names are refused), each
//! error naming the path of the offending field. Answers go out as
//! `application/vnd.api+json`, as Datadog sends them.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::error::ApiError;

/// The `data` member of a request body.
#[derive(Debug)]
pub struct Document<A> {
    pub id: Option<String>,
    pub attributes: A,
}

/// Refuses a body over `limit` bytes with 413.
pub fn check_size(body: &Bytes, limit: usize) -> Result<(), ApiError> {
    if body.len() > limit {
        return Err(ApiError::payload_too_large(body.len(), limit));
    }
    Ok(())
}

/// Refuses anything but a JSON `Content-Type` with 415.
pub fn check_json_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let essence = content_type
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    match essence.as_deref() {
        Some("application/json" | "application/vnd.api+json") => Ok(()),
        _ => Err(ApiError::unsupported_media_type(
            "application/json",
            content_type,
        )),
    }
}

/// Size, content type and JSON syntax of a body.
pub fn parse_json(headers: &HeaderMap, body: &Bytes, limit: usize) -> Result<Value, ApiError> {
    check_size(body, limit)?;
    check_json_content_type(headers)?;
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("invalid JSON: {e}")))
}

/// A JSON:API request document whose `data.type` is one of `types`.
pub fn parse_document<A: DeserializeOwned>(
    headers: &HeaderMap,
    body: &Bytes,
    limit: usize,
    types: &[&str],
) -> Result<Document<A>, ApiError> {
    let value = parse_json(headers, body, limit)?;
    let Value::Object(mut top) = value else {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    };
    if let Some(other) = top.keys().find(|k| k.as_str() != "data") {
        return Err(ApiError::bad_request(format!(
            "unknown top-level member \"{other}\" (only \"data\" is accepted)"
        )));
    }
    let Some(Value::Object(mut data)) = top.remove("data") else {
        return Err(ApiError::bad_request("data: required, must be an object"));
    };
    if let Some(other) = data
        .keys()
        .find(|k| !matches!(k.as_str(), "type" | "id" | "attributes"))
    {
        return Err(ApiError::bad_request(format!(
            "data.{other}: unknown member (expected type, id, attributes)"
        )));
    }
    match data.remove("type") {
        Some(Value::String(kind)) if types.contains(&kind.as_str()) => {}
        Some(Value::String(kind)) => {
            return Err(ApiError::bad_request(format!(
                "data.type: expected {}, got \"{kind}\"",
                quoted_list(types)
            )));
        }
        Some(_) => return Err(ApiError::bad_request("data.type: must be a string")),
        None => {
            return Err(ApiError::bad_request(format!(
                "data.type: required ({})",
                quoted_list(types)
            )));
        }
    }
    let id = match data.remove("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(id),
        Some(_) => return Err(ApiError::bad_request("data.id: must be a string")),
    };
    let attributes = match data.remove("attributes") {
        Some(attributes @ Value::Object(_)) => attributes,
        Some(_) => return Err(ApiError::bad_request("data.attributes: must be an object")),
        None => return Err(ApiError::bad_request("data.attributes: required")),
    };
    let attributes = serde_path_to_error::deserialize(attributes).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." {
            String::new()
        } else {
            format!(".{path}")
        };
        ApiError::bad_request(format!("data.attributes{path}: {}", e.inner()))
    })?;
    Ok(Document { id, attributes })
}

fn quoted_list(types: &[&str]) -> String {
    types
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// One resource object.
pub fn resource(kind: &str, id: &str, attributes: Value) -> Value {
    json!({"id": id, "type": kind, "attributes": attributes})
}

/// `{"data": …}` with status 200.
pub fn ok(data: Value) -> Response {
    with_status(StatusCode::OK, data)
}

/// `{"data": …}` with `status`.
pub fn with_status(status: StatusCode, data: Value) -> Response {
    respond(status, json!({ "data": data }))
}

/// `{"data": […], "meta": {"after": cursor}}` with status 200 (`""` on the last page).
pub fn page(data: Vec<Value>, after: Option<String>) -> Response {
    respond(
        StatusCode::OK,
        json!({"data": data, "meta": {"after": after.unwrap_or_default()}}),
    )
}

pub fn respond(status: StatusCode, body: Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.api+json"),
    );
    response
}

/// Object members as a map, for attributes kept as free-form JSON.
pub type Object = Map<String, Value>;

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Attributes {
        name: String,
        #[serde(default)]
        count: Option<u32>,
    }

    fn parse(body: &str) -> Result<Document<Attributes>, ApiError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        parse_document(
            &headers,
            &Bytes::from(body.to_string()),
            1000,
            &["projects"],
        )
    }

    fn detail(error: ApiError) -> String {
        error.body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn a_good_document_parses() {
        let doc =
            parse(r#"{"data": {"type": "projects", "id": "x", "attributes": {"name": "a"}}}"#)
                .unwrap();
        assert_eq!(doc.id.as_deref(), Some("x"));
        assert_eq!(doc.attributes.name, "a");
        assert_eq!(doc.attributes.count, None);
    }

    #[test]
    fn errors_name_the_field() {
        let wrong_type = parse(r#"{"data": {"type": "project", "attributes": {"name": "a"}}}"#);
        assert_eq!(
            detail(wrong_type.unwrap_err()),
            "data.type: expected \"projects\", got \"project\""
        );
        let unknown = parse(r#"{"data": {"type": "projects", "attributes": {"nme": "a"}}}"#);
        assert!(
            detail(unknown.unwrap_err())
                .starts_with("data.attributes.nme: unknown field `nme`, expected `name`")
        );
        let bad_count =
            parse(r#"{"data": {"type": "projects", "attributes": {"name": "a", "count": "3"}}}"#);
        assert!(detail(bad_count.unwrap_err()).starts_with("data.attributes.count: invalid type"));
        let no_data = parse(r#"{"type": "projects"}"#);
        assert!(detail(no_data.unwrap_err()).contains("top-level member \"type\""));
    }
}
