//! Composing the answer to a valid request: find the record, apply the model's error
//! profile, account tokens like the real service (images 258 tokens a tile,
//! thinking counted against `maxOutputTokens`), and shape the response.

use serde_json::{Value, json};

use crate::config::ModelProfile;
use crate::faults::AnswerFault;
use crate::index::DatasetIndex;
use crate::perturb::{Draft, blank_answer, draft};
use crate::rng::SeededRng;
use crate::validate::{ImageRef, RequestFacts};

/// A composed answer, ready to be sent whole or streamed.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    thought: Option<String>,
    text: String,
    finish_reason: Option<&'static str>,
    block_reason: Option<&'static str>,
    prompt_tokens: u64,
    image_tokens: u64,
    candidates_tokens: u64,
    thoughts_tokens: u64,
    model_version: String,
    response_id: String,
    /// Which record answered (`dataset/id`), for the request log; `None` = unknown pages.
    pub record: Option<String>,
}

pub struct AnswerInputs<'a> {
    pub model_id: &'a str,
    pub profile: &'a ModelProfile,
    pub facts: &'a RequestFacts,
    pub image_tokens_per_page: u64,
    pub index: &'a DatasetIndex,
    pub forced: Option<AnswerFault>,
}

/// Input tokens of the request's images: by their tiles, `per_unsized_image` for an
/// image whose size is unknown.
fn image_tokens(facts: &RequestFacts, per_unsized_image: u64) -> u64 {
    facts
        .image_tokens
        .iter()
        .map(|tokens| tokens.unwrap_or(per_unsized_image))
        .sum()
}

/// The request's `promptTokenCount`, which is also what the input-token quota counts.
pub fn input_tokens(facts: &RequestFacts, per_unsized_image: u64) -> u64 {
    image_tokens(facts, per_unsized_image) + (facts.text_chars as u64).div_ceil(4)
}

pub fn compose(inputs: &AnswerInputs<'_>) -> Answer {
    let facts = inputs.facts;
    let mut rng = seeded_for(inputs.model_id, facts);
    let record = inputs.index.find(&facts.images);
    let expected = record
        .as_ref()
        .map_or_else(blank_answer, |r| r.expected.clone());
    let mut errors = inputs.profile.errors;
    match inputs.forced {
        Some(AnswerFault::MaxTokens) => errors.max_tokens = 1.0,
        Some(AnswerFault::MalformedJson) => errors.malformed_json = 1.0,
        _ => {}
    }
    let draft = draft(&expected, &errors, &mut rng);

    let pages = facts.images.len() as u64;
    let image_tokens = image_tokens(facts, inputs.image_tokens_per_page);
    let prompt_tokens = input_tokens(facts, inputs.image_tokens_per_page);
    let max_output = u64::from(facts.max_output_tokens);
    let thoughts_wanted = match facts.thinking_budget {
        0 => 0,
        budget => {
            let dynamic = 200 + 350 * pages + rng.below(300) as u64;
            if budget > 0 {
                dynamic.min(budget as u64)
            } else {
                dynamic
            }
        }
    };
    let mut answer = Answer {
        thought: None,
        text: String::new(),
        finish_reason: Some("STOP"),
        block_reason: None,
        prompt_tokens,
        image_tokens,
        candidates_tokens: 0,
        thoughts_tokens: thoughts_wanted.min(max_output),
        model_version: inputs.profile.version.clone(),
        response_id: response_id(&mut rng),
        record: record.map(|r| format!("{}/{}", r.dataset, r.id)),
    };
    match inputs.forced {
        Some(AnswerFault::BlockedPrompt) => {
            answer.block_reason = Some("OTHER");
            answer.finish_reason = None;
            answer.thoughts_tokens = 0;
            return answer;
        }
        Some(AnswerFault::Safety) => {
            answer.finish_reason = Some("SAFETY");
            return answer;
        }
        _ => {}
    }
    if facts.include_thoughts && answer.thoughts_tokens > 0 {
        answer.thought = Some(format!(
            "**Reading the forms**\n\nI read {pages} page(s), merged them by form type and checked that the \
             ballot totals add up."
        ));
    }
    let text = match draft {
        Draft::MaxTokens => {
            answer.thoughts_tokens = max_output;
            answer.finish_reason = Some("MAX_TOKENS");
            return answer;
        }
        Draft::Text(text) => text,
    };
    if answer.thoughts_tokens >= max_output {
        answer.finish_reason = Some("MAX_TOKENS");
        return answer;
    }
    // JSON with Thai names: about three characters per token.
    let room = (max_output - answer.thoughts_tokens) * 3;
    let chars = text.chars().count() as u64;
    if chars > room {
        answer.text = text.chars().take(room as usize).collect();
        answer.finish_reason = Some("MAX_TOKENS");
    } else {
        answer.text = text;
    }
    answer.candidates_tokens = (answer.text.chars().count() as u64).div_ceil(3).max(1);
    answer
}

/// Same model, seed, temperature and pages → same random choices.
fn seeded_for(model_id: &str, facts: &RequestFacts) -> SeededRng {
    let images: Vec<String> = facts
        .images
        .iter()
        .map(|image| match image {
            ImageRef::Inline(sha) => sha.clone(),
            ImageRef::Uri(uri) => uri.clone(),
        })
        .collect();
    let seed = facts.seed.to_le_bytes();
    let temperature = facts.temperature.to_bits().to_le_bytes();
    let mut parts: Vec<&[u8]> = vec![model_id.as_bytes(), &seed, &temperature];
    parts.extend(images.iter().map(|i| i.as_bytes()));
    SeededRng::from_parts(&parts)
}

/// `emulated-<random>`: the prefix is how a client tells an emulated answer from
/// Gemini's (`tally_gemini::Answer::emulated`), so no emulated result can pass for
/// a real one.
fn response_id(rng: &mut SeededRng) -> String {
    use base64::Engine;
    let bytes: Vec<u8> = (0..2).flat_map(|_| rng.next_u64().to_le_bytes()).collect();
    format!(
        "{}{}",
        tally_gemini::EMULATED_RESPONSE_ID_PREFIX,
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes[..16])
    )
}

impl Answer {
    /// The whole generateContent response.
    pub fn to_response(&self) -> Value {
        self.chunk(&self.text, true, true)
    }

    /// The streamed responses: the text in up to three chunks; usage grows and the
    /// last chunk carries the finish reason and full usage.
    pub fn to_stream_chunks(&self) -> Vec<Value> {
        if self.block_reason.is_some() || self.text.is_empty() {
            return vec![self.to_response()];
        }
        let chars: Vec<char> = self.text.chars().collect();
        let size = chars.len().div_ceil(3).max(1);
        let pieces: Vec<String> = chars.chunks(size).map(|c| c.iter().collect()).collect();
        let count = pieces.len();
        pieces
            .iter()
            .enumerate()
            .map(|(i, piece)| self.chunk(piece, i == 0, i + 1 == count))
            .collect()
    }

    fn chunk(&self, text: &str, first: bool, last: bool) -> Value {
        let mut usage = json!({
            "promptTokenCount": self.prompt_tokens,
            "promptTokensDetails": [
                {"modality": "TEXT", "tokenCount": self.prompt_tokens - self.image_tokens},
                {"modality": "IMAGE", "tokenCount": self.image_tokens}
            ],
        });
        let candidates = if last { self.candidates_tokens } else { 0 };
        let thoughts = if first || last {
            self.thoughts_tokens
        } else {
            0
        };
        if candidates > 0 {
            usage["candidatesTokenCount"] = json!(candidates);
        }
        if thoughts > 0 {
            usage["thoughtsTokenCount"] = json!(thoughts);
        }
        usage["totalTokenCount"] = json!(self.prompt_tokens + candidates + thoughts);
        let mut response = json!({
            "usageMetadata": usage,
            "modelVersion": self.model_version,
            "responseId": self.response_id,
        });
        if let Some(reason) = self.block_reason {
            response["promptFeedback"] = json!({"blockReason": reason});
            return response;
        }
        let mut parts = Vec::new();
        if first && let Some(thought) = &self.thought {
            parts.push(json!({"text": thought, "thought": true}));
        }
        if !text.is_empty() {
            parts.push(json!({"text": text}));
        }
        let mut content = json!({"role": "model"});
        if !parts.is_empty() {
            content["parts"] = Value::Array(parts);
        }
        let mut candidate = json!({"content": content, "index": 0});
        if last && let Some(reason) = self.finish_reason {
            candidate["finishReason"] = json!(reason);
        }
        response["candidates"] = json!([candidate]);
        response
    }
}
