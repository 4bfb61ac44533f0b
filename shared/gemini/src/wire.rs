//! The generateContent wire format: exactly the fields we send and read.
//!
//! Hand-written because the surface is small and we need the raw error bodies.
//! Requests are camelCase like Google's reference; responses ignore fields we do not
//! use, so a new response field never breaks a call.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerateContentRequest {
    pub contents: Vec<Content>,
    pub system_instruction: Content,
    pub generation_config: GenerationConfig,
    pub safety_settings: Vec<SafetySetting>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Content {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'static str>,
    pub parts: Vec<Part>,
}

/// One part of a content: serialised as `{"text": …}`, `{"inlineData": …}` or
/// `{"fileData": …}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Part {
    Text(String),
    InlineData(Blob),
    FileData(FileData),
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Blob {
    pub mime_type: &'static str,
    /// Standard base64, no `data:` prefix.
    pub data: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileData {
    pub mime_type: &'static str,
    pub file_uri: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerationConfig {
    pub temperature: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_k: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<i32>,
    pub max_output_tokens: u32,
    pub response_mime_type: &'static str,
    /// The one schema of every extraction, built once (`response_schema()`).
    pub response_schema: &'static Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thinking_config: Option<ThinkingConfig>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThinkingConfig {
    pub thinking_budget: i32,
    pub include_thoughts: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SafetySetting {
    pub category: &'static str,
    pub threshold: &'static str,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerateContentResponse {
    #[serde(default)]
    pub candidates: Vec<Candidate>,
    pub prompt_feedback: Option<PromptFeedback>,
    pub usage_metadata: Option<UsageMetadata>,
    pub model_version: Option<String>,
    pub response_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    pub content: Option<CandidateContent>,
    pub finish_reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CandidateContent {
    #[serde(default)]
    pub parts: Vec<ResponsePart>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ResponsePart {
    pub text: Option<String>,
    #[serde(default)]
    pub thought: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptFeedback {
    pub block_reason: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageMetadata {
    #[serde(default)]
    pub prompt_token_count: u64,
    #[serde(default)]
    pub candidates_token_count: u64,
    #[serde(default)]
    pub thoughts_token_count: u64,
    /// The part of the prompt served from Gemini's (implicit) cache; included in
    /// `prompt_token_count`.
    #[serde(default)]
    pub cached_content_token_count: u64,
}

impl GenerateContentResponse {
    /// The answer: the concatenated text of the first candidate's parts that are not
    /// thoughts.
    pub fn answer_text(&self) -> String {
        self.candidates
            .first()
            .and_then(|candidate| candidate.content.as_ref())
            .map(|content| {
                content
                    .parts
                    .iter()
                    .filter(|part| !part.thought)
                    .filter_map(|part| part.text.as_deref())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Google's error envelope: `{"error": {"code", "message", "status", "details"}}`.
#[derive(Debug, Clone, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ErrorStatus,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorStatus {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub details: Vec<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_excludes_thought_parts() {
        let response: GenerateContentResponse = serde_json::from_str(
            r#"{"candidates": [{"content": {"role": "model", "parts": [
                 {"text": "Let me add the votes...", "thought": true},
                 {"text": "[{\"a\":"}, {"text": " 1}]"}]},
               "finishReason": "STOP", "index": 0, "safetyRatings": []}],
               "usageMetadata": {"promptTokenCount": 10, "totalTokenCount": 30,
                                 "candidatesTokenCount": 5, "thoughtsTokenCount": 15},
               "modelVersion": "gemini-2.5-flash", "responseId": "x"}"#,
        )
        .unwrap();
        assert_eq!(response.answer_text(), "[{\"a\": 1}]");
        assert_eq!(response.usage_metadata.unwrap().thoughts_token_count, 15);
        assert_eq!(
            response.candidates[0].finish_reason.as_deref(),
            Some("STOP")
        );
    }

    #[test]
    fn parts_serialise_in_the_documented_shape() {
        let parts = vec![
            Part::Text("Page 1".into()),
            Part::InlineData(Blob {
                mime_type: "image/png",
                data: "AAAA".into(),
            }),
            Part::FileData(FileData {
                mime_type: "image/jpeg",
                file_uri: "gs://b/p.jpg".into(),
            }),
        ];
        assert_eq!(
            serde_json::to_value(parts).unwrap(),
            serde_json::json!([
                {"text": "Page 1"},
                {"inlineData": {"mimeType": "image/png", "data": "AAAA"}},
                {"fileData": {"mimeType": "image/jpeg", "fileUri": "gs://b/p.jpg"}}
            ])
        );
    }
}
