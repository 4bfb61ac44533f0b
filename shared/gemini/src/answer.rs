//! Reading a 200 response: the answer text, its reports, or the precise reason there
//! are none (MAX_TOKENS with no answer, a blocked prompt, an unparsable answer, …).

use tally_core::extraction::{Report, parse_reports};

use super::error::FailureKind;
use super::outcome::EMULATED_RESPONSE_ID_PREFIX;
use super::outcome::{Answer, Usage};
use super::pricing::PriceTable;
use super::wire::GenerateContentResponse;

/// A response that carries no usable reports, with what the model did answer.
#[derive(Debug)]
pub struct Unusable {
    pub kind: FailureKind,
    pub message: String,
    pub answer: Box<Answer>,
}

pub fn interpret(
    response: &GenerateContentResponse,
    model: &str,
    prices: &PriceTable,
) -> Result<(Vec<Report>, Answer), Unusable> {
    let usage = response.usage_metadata.map(|u| Usage {
        prompt_tokens: u.prompt_token_count,
        candidates_tokens: u.candidates_token_count,
        thoughts_tokens: u.thoughts_token_count,
        cached_tokens: u.cached_content_token_count.min(u.prompt_token_count),
    });
    let usage = usage.unwrap_or_default();
    let finish_reason = response
        .candidates
        .first()
        .and_then(|c| c.finish_reason.clone());
    let answer = Answer {
        raw_text: response.answer_text(),
        finish_reason: finish_reason.clone(),
        model_version: response.model_version.clone(),
        usage,
        cost_usd: prices.cost(model, &usage),
        emulated: response
            .response_id
            .as_deref()
            .is_some_and(|id| id.starts_with(EMULATED_RESPONSE_ID_PREFIX)),
    };
    let unusable = |kind, message: String| {
        Err(Unusable {
            kind,
            message,
            answer: Box::new(answer.clone()),
        })
    };

    if response.candidates.is_empty() {
        let reason = response
            .prompt_feedback
            .as_ref()
            .and_then(|f| f.block_reason.as_deref());
        return match reason {
            Some(reason) => unusable(
                FailureKind::PromptBlocked,
                format!("the prompt was blocked ({reason})"),
            ),
            None => unusable(
                FailureKind::EmptyAnswer,
                "the response has no candidates".to_string(),
            ),
        };
    }
    let finish = finish_reason.as_deref().unwrap_or("unspecified");
    if answer.raw_text.trim().is_empty() {
        return match finish {
            "MAX_TOKENS" => unusable(
                FailureKind::MaxTokens,
                format!(
                    "no answer: the output limit was reached after {} thinking tokens (raise max_output_tokens or lower thinking_budget)",
                    usage.thoughts_tokens
                ),
            ),
            "STOP" | "unspecified" => unusable(
                FailureKind::EmptyAnswer,
                "the model answered with no text".to_string(),
            ),
            other => unusable(
                FailureKind::AnswerBlocked,
                format!("the answer was withheld (finishReason {other})"),
            ),
        };
    }
    match parse_reports(&answer.raw_text) {
        Ok(reports) => Ok((reports, answer)),
        Err(error) if finish == "MAX_TOKENS" => unusable(
            FailureKind::MaxTokens,
            format!("the answer was cut off at the output limit ({error})"),
        ),
        Err(error) => unusable(FailureKind::UnparsableAnswer, error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn interpret_json(value: serde_json::Value) -> Result<(Vec<Report>, Answer), Unusable> {
        let response: GenerateContentResponse = serde_json::from_value(value).unwrap();
        interpret(&response, "gemini-2.5-flash", &PriceTable::default())
    }

    fn candidate(parts: serde_json::Value, finish: &str) -> serde_json::Value {
        json!({"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": finish}],
               "usageMetadata": {"promptTokenCount": 1000, "candidatesTokenCount": 100, "thoughtsTokenCount": 900},
               "modelVersion": "gemini-2.5-flash"})
    }

    #[test]
    fn a_good_answer_gives_reports_usage_and_cost() {
        let text = r#"[{"form_info": {"form_type": "PartyList", "province": "p", "district": "d",
            "polling_station_number": 3}, "ballot_statistics": {}, "vote_results": []}]"#;
        let (reports, answer) = interpret_json(candidate(
            json!([{"text": "thinking", "thought": true}, {"text": text}]),
            "STOP",
        ))
        .unwrap();
        assert_eq!(reports.len(), 1);
        assert_eq!(answer.raw_text, text);
        assert_eq!(
            answer.usage,
            Usage {
                prompt_tokens: 1000,
                cached_tokens: 0,
                candidates_tokens: 100,
                thoughts_tokens: 900
            }
        );
        let cost = answer.cost_usd.unwrap();
        assert!((cost - (1000.0 * 0.30 + 1000.0 * 2.50) / 1e6).abs() < 1e-12);
        assert_eq!(answer.model_version.as_deref(), Some("gemini-2.5-flash"));
    }

    #[test]
    fn each_kind_of_unusable_answer_is_distinct() {
        let kind = |value| interpret_json(value).unwrap_err().kind;
        assert_eq!(
            kind(json!({"candidates": [{"finishReason": "MAX_TOKENS"}]})),
            FailureKind::MaxTokens
        );
        assert_eq!(
            kind(candidate(
                json!([{"text": "[{\"form_info\": {"}]),
                "MAX_TOKENS"
            )),
            FailureKind::MaxTokens
        );
        assert_eq!(
            kind(json!({"promptFeedback": {"blockReason": "OTHER"}})),
            FailureKind::PromptBlocked
        );
        assert_eq!(
            kind(json!({"candidates": [{"finishReason": "SAFETY"}]})),
            FailureKind::AnswerBlocked
        );
        assert_eq!(
            kind(candidate(json!([{"text": "[{\"form_info\": "}]), "STOP")),
            FailureKind::UnparsableAnswer
        );
        assert_eq!(kind(candidate(json!([]), "STOP")), FailureKind::EmptyAnswer);
        let unusable = interpret_json(candidate(json!([{"text": "{}"}]), "STOP")).unwrap_err();
        assert_eq!(
            unusable.message,
            "the answer must be a JSON list of reports, got an object"
        );
        assert_eq!(
            unusable.answer.usage.thoughts_tokens, 900,
            "tokens of a failed answer still count"
        );
    }
}
