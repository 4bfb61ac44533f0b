//! The emulator refuses malformed requests the way Google does (status, status
//! name, wording), and accepts what Google's own SDK sends.

use serde_json::{Value, json};

use crate::support::*;

fn valid_body() -> Value {
    json!({
        "contents": [{"role": "user", "parts": [
            {"text": "Page 1 (Filename: p1.png)"},
            {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}]}],
        "generationConfig": {"temperature": 0.0, "responseMimeType": "application/json",
            "responseSchema": {"type": "ARRAY", "items": {"type": "OBJECT",
                "properties": {"a": {"type": "INTEGER"}}, "required": ["a"]}}}
    })
}

async fn post(base: &str, path: &str, key: Option<&str>, body: String) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("content-type", "application/json");
    if let Some(key) = key {
        request = request.header("x-goog-api-key", key);
    }
    let response = request.body(body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Name, path, API key, body; expected HTTP status, Google status, message excerpt.
type Case = (
    &'static str,
    &'static str,
    Option<&'static str>,
    String,
    u16,
    &'static str,
    &'static str,
);

const FLASH: &str = "/v1beta/models/gemini-2.5-flash:generateContent";

#[tokio::test]
async fn malformed_requests_get_googles_status_and_message() {
    let emulator = start(test_config()).await;
    let base = emulator.base_url();
    let with = |edit: fn(&mut Value)| {
        let mut body = valid_body();
        edit(&mut body);
        body.to_string()
    };
    let cases: Vec<Case> = vec![
        (
            "unknown top-level field",
            FLASH,
            Some(API_KEY),
            with(|b| b["foo"] = json!(1)),
            400,
            "INVALID_ARGUMENT",
            "Invalid JSON payload received. Unknown name \"foo\": Cannot find field.",
        ),
        (
            "unknown nested field",
            FLASH,
            Some(API_KEY),
            with(|b| b["generationConfig"]["temprature"] = json!(0.5)),
            400,
            "INVALID_ARGUMENT",
            "Invalid JSON payload received. Unknown name \"temprature\" at 'generation_config': Cannot find field.",
        ),
        (
            "thinkingConfig outside generationConfig",
            FLASH,
            Some(API_KEY),
            with(|b| b["thinkingConfig"] = json!({"thinkingBudget": 0})),
            400,
            "INVALID_ARGUMENT",
            "Unknown name \"thinkingConfig\": Cannot find field.",
        ),
        (
            "wrong type",
            FLASH,
            Some(API_KEY),
            with(|b| b["generationConfig"]["temperature"] = json!("hot")),
            400,
            "INVALID_ARGUMENT",
            "Invalid value at 'generation_config.temperature' (TYPE_FLOAT), \"hot\"",
        ),
        (
            "list for a message",
            FLASH,
            Some(API_KEY),
            with(|b| b["generationConfig"] = json!([])),
            400,
            "INVALID_ARGUMENT",
            "Unknown name \"generationConfig\" at '': Proto field is not repeating, cannot start list.",
        ),
        (
            "bad base64",
            FLASH,
            Some(API_KEY),
            with(|b| b["contents"][0]["parts"][1]["inlineData"]["data"] = json!("not base64!")),
            400,
            "INVALID_ARGUMENT",
            "Invalid value at 'contents[0].parts[1].inline_data.data' (TYPE_BYTES), Base64 decoding failed",
        ),
        (
            "unknown enum value",
            FLASH,
            Some(API_KEY),
            with(|b| {
                b["safetySettings"] = json!([{"category": "VIOLENCE", "threshold": "BLOCK_NONE"}])
            }),
            400,
            "INVALID_ARGUMENT",
            "Invalid value at 'safety_settings[0].category' (type.googleapis.com/google.ai.generativelanguage.v1beta.HarmCategory), \"VIOLENCE\"",
        ),
        (
            "lower-case schema type",
            FLASH,
            Some(API_KEY),
            with(|b| b["generationConfig"]["responseSchema"]["type"] = json!("array")),
            400,
            "INVALID_ARGUMENT",
            "Invalid value at 'generation_config.response_schema.type'",
        ),
        (
            "empty OBJECT schema",
            FLASH,
            Some(API_KEY),
            with(|b| b["generationConfig"]["responseSchema"]["items"]["properties"] = json!({})),
            400,
            "INVALID_ARGUMENT",
            "* GenerateContentRequest.generation_config.response_schema.items.properties: should be non-empty for OBJECT type",
        ),
        (
            "both schema kinds",
            FLASH,
            Some(API_KEY),
            with(|b| b["generationConfig"]["responseJsonSchema"] = json!({"type": "array"})),
            400,
            "INVALID_ARGUMENT",
            "response_json_schema and response_schema cannot both be set",
        ),
        (
            "thinking for a model without it",
            "/v1beta/models/gemini-2.0-flash:generateContent",
            Some(API_KEY),
            with(|b| b["generationConfig"]["thinkingConfig"] = json!({"thinkingBudget": 1024})),
            400,
            "INVALID_ARGUMENT",
            "Thinking is not supported by this model",
        ),
        (
            "thinking budget out of range",
            FLASH,
            Some(API_KEY),
            with(|b| b["generationConfig"]["thinkingConfig"] = json!({"thinkingBudget": 30000})),
            400,
            "INVALID_ARGUMENT",
            "The thinking budget 30000 is invalid. Please choose a value between 0 and 24576.",
        ),
        (
            "thinking off on a model that must think",
            "/v1beta/models/gemini-2.5-pro:generateContent",
            Some(API_KEY),
            with(|b| b["generationConfig"]["thinkingConfig"] = json!({"thinkingBudget": 0})),
            400,
            "INVALID_ARGUMENT",
            "Budget 0 is invalid. This model only works in thinking mode.",
        ),
        (
            "temperature out of range",
            FLASH,
            Some(API_KEY),
            with(|b| b["generationConfig"]["temperature"] = json!(2.5)),
            400,
            "INVALID_ARGUMENT",
            "temperature value of 2.5 but the supported range is from 0 (inclusive) to 2.0001 (exclusive)",
        ),
        (
            "no contents",
            FLASH,
            Some(API_KEY),
            with(|b| b["contents"] = json!([])),
            400,
            "INVALID_ARGUMENT",
            "* GenerateContentRequest.contents: contents is not specified",
        ),
        (
            "a part with no data",
            FLASH,
            Some(API_KEY),
            with(|b| b["contents"][0]["parts"] = json!([{"thought": true}])),
            400,
            "INVALID_ARGUMENT",
            "required oneof field 'data' must have one initialized field",
        ),
        (
            "invalid role",
            FLASH,
            Some(API_KEY),
            with(|b| b["contents"][0]["role"] = json!("assistant")),
            400,
            "INVALID_ARGUMENT",
            "Please use a valid role: user, model.",
        ),
        (
            "unsupported image type",
            FLASH,
            Some(API_KEY),
            with(|b| b["contents"][0]["parts"][1]["inlineData"]["mimeType"] = json!("image/bmp")),
            400,
            "INVALID_ARGUMENT",
            "Unsupported MIME type: image/bmp",
        ),
        (
            "gs:// on the Developer API",
            FLASH,
            Some(API_KEY),
            with(|b| {
                b["contents"][0]["parts"][1] =
                    json!({"fileData": {"mimeType": "image/png", "fileUri": "gs://b/p.png"}})
            }),
            400,
            "INVALID_ARGUMENT",
            "Invalid or unsupported file uri: gs://b/p.png",
        ),
        (
            "not JSON",
            FLASH,
            Some(API_KEY),
            "{\"contents\": [".to_string(),
            400,
            "INVALID_ARGUMENT",
            "Invalid JSON payload received. Unexpected token.",
        ),
        (
            "missing API key",
            FLASH,
            None,
            valid_body().to_string(),
            403,
            "PERMISSION_DENIED",
            "Method doesn't allow unregistered callers",
        ),
        (
            "wrong API key",
            FLASH,
            Some("nope"),
            valid_body().to_string(),
            400,
            "INVALID_ARGUMENT",
            "API key not valid. Please pass a valid API key.",
        ),
        (
            "retired model",
            "/v1beta/models/gemini-1.5-pro:generateContent",
            Some(API_KEY),
            valid_body().to_string(),
            404,
            "NOT_FOUND",
            "models/gemini-1.5-pro is not found for API version v1beta",
        ),
        (
            "no bearer token on Vertex",
            "/v1/projects/p/locations/global/publishers/google/models/gemini-2.5-flash:generateContent",
            None,
            valid_body().to_string(),
            401,
            "UNAUTHENTICATED",
            "Request had invalid authentication credentials.",
        ),
    ];
    for (name, path, key, body, status, google_status, message) in cases {
        let (got_status, got) = post(&base, path, key, body).await;
        assert_eq!(got_status, status, "{name}: {got}");
        assert_eq!(got["error"]["code"], status, "{name}");
        assert_eq!(got["error"]["status"], google_status, "{name}: {got}");
        let got_message = got["error"]["message"].as_str().unwrap_or_default();
        assert!(got_message.contains(message), "{name}: {got_message}");
    }
}

#[tokio::test]
async fn unknown_fields_carry_a_bad_request_detail() {
    let emulator = start(test_config()).await;
    let mut body = valid_body();
    body["generationConfig"]["foo"] = json!(1);
    let (_, got) = post(&emulator.base_url(), FLASH, Some(API_KEY), body.to_string()).await;
    assert_eq!(
        got["error"]["details"],
        json!([{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [{
            "field": "generation_config",
            "description": "Invalid JSON payload received. Unknown name \"foo\" at 'generation_config': Cannot find field."}]}])
    );
}

/// What google-genai's Python SDK sends given a base URL: `/v1/`, camelCase and
/// snake_case mixed at every depth, `topK` as a float, a role in systemInstruction.
#[tokio::test]
async fn the_official_sdks_mixed_spelling_is_accepted() {
    let emulator = start(test_config()).await;
    let body = json!({
        "contents": [{"role": "user", "parts": [
            {"text": "Page 1 (Filename: p1.png)"},
            {"inlineData": {"mime_type": "image/png", "data": "iVBORw0KGgo="}}]}],
        "systemInstruction": {"role": "user", "parts": [{"text": "Extract the votes."}]},
        "generationConfig": {
            "temperature": 0.0, "top_p": 0.95, "topK": 40.0, "max_output_tokens": 16384, "seed": 7,
            "response_mime_type": "application/json",
            "responseSchema": {"type": "ARRAY", "items": {"type": "OBJECT",
                "properties": {"a": {"type": "INTEGER", "nullable": true}},
                "property_ordering": ["a"], "required": ["a"]}},
            "thinkingConfig": {"thinking_budget": -1, "include_thoughts": false}},
        "safety_settings": [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "threshold": "BLOCK_NONE"}]
    });
    let (status, got) = post(
        &emulator.base_url(),
        "/v1/models/gemini-2.5-flash:generateContent",
        Some(API_KEY),
        body.to_string(),
    )
    .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["modelVersion"], "gemini-2.5-flash");
    assert_eq!(got["candidates"][0]["finishReason"], "STOP");
}
