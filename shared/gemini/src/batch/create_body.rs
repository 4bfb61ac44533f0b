//! The body of `models/{model}:batchGenerateContent`, borrowing the part's request
//! lines: each request's text (`RequestLine::request`) is copied into the body as
//! it is sent, not parsed and serialised again.

use serde::Serialize;
use serde_json::value::RawValue;
use tally_core::run::BatchInput;

use super::client::RequestLine;

#[derive(Serialize)]
pub(super) struct CreateBody<'a> {
    batch: Batch<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Batch<'a> {
    display_name: &'a str,
    input_config: InputConfig<'a>,
}

/// `{"requests": {"requests": [...]}}` or `{"fileName": "files/…"}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
enum InputConfig<'a> {
    Requests { requests: Vec<Inlined<'a>> },
    FileName(&'a str),
}

#[derive(Serialize)]
struct Inlined<'a> {
    request: &'a RawValue,
    metadata: Metadata<'a>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    key: &'a str,
}

impl<'a> CreateBody<'a> {
    /// A batch of `lines` inline, or of the file `input` names (`lines` unused).
    pub(super) fn new(
        display_name: &'a str,
        lines: &'a [RequestLine],
        input: &'a BatchInput,
    ) -> CreateBody<'a> {
        let input_config = match input {
            BatchInput::Inline => InputConfig::Requests {
                requests: lines
                    .iter()
                    .map(|line| Inlined {
                        request: &line.request,
                        metadata: Metadata { key: &line.key },
                    })
                    .collect(),
            },
            BatchInput::File(name) => InputConfig::FileName(name),
        };
        CreateBody {
            batch: Batch {
                display_name,
                input_config,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_body_is_the_batch_with_its_requests_inline_or_its_file() {
        let line = RequestLine::new("r1".to_string(), &json!({"contents": []})).unwrap();
        let inline = serde_json::to_value(CreateBody::new(
            "tally/e/p0",
            std::slice::from_ref(&line),
            &BatchInput::Inline,
        ))
        .unwrap();
        assert_eq!(
            inline,
            json!({"batch": {"displayName": "tally/e/p0", "inputConfig": {"requests": {"requests": [
                {"request": {"contents": []}, "metadata": {"key": "r1"}}]}}}})
        );
        let file = BatchInput::File("files/f".to_string());
        let from_file =
            serde_json::to_value(CreateBody::new("tally/e/p0", &[line], &file)).unwrap();
        assert_eq!(
            from_file,
            json!({"batch": {"displayName": "tally/e/p0", "inputConfig": {"fileName": "files/f"}}})
        );
    }
}
