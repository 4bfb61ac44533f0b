//! Building the extraction request: pages → parts, settings → generationConfig.
//!
//! Everything is checked here, before any call: a page the backend cannot take, an
//! unreadable file, settings the model would refuse, an inline payload over the
//! documented limit. Such a failure has `attempts = 0`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use tally_core::extraction::response_schema;

use super::error::{AttemptError, FailureKind};
use super::pages::{Page, PageSource};
use super::prompt::{SYSTEM_INSTRUCTION, closing_instruction, page_label};
use super::settings::{GenerationSettings, model_thinks, output_token_limit};
use super::wire::{
    Blob, Content, FileData, GenerateContentRequest, GenerationConfig, Part, SafetySetting,
    ThinkingConfig,
};

/// Developer API: the whole request must stay under 20 MB.
pub const DEVELOPER_REQUEST_LIMIT: usize = 20 * 1024 * 1024;
/// Vertex AI: each inline image must stay under 7 MB.
pub const VERTEX_INLINE_IMAGE_LIMIT: usize = 7 * 1024 * 1024;

/// The service a request goes to, as far as its body is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Developer,
    Vertex,
}

/// Counting forms name parties and people; a false positive from the default safety
/// filters would lose a record, and the content is public election results.
const SAFETY_CATEGORIES: [&str; 4] = [
    "HARM_CATEGORY_HARASSMENT",
    "HARM_CATEGORY_HATE_SPEECH",
    "HARM_CATEGORY_SEXUALLY_EXPLICIT",
    "HARM_CATEGORY_DANGEROUS_CONTENT",
];

fn invalid(message: String) -> AttemptError {
    AttemptError::fatal(FailureKind::InvalidInput, message)
}

/// The parts that show the pages: each page's label, then the page itself.
///
/// Reading files blocks: a record's pages are read and encoded in one trip to the
/// blocking pool (a trip per page was one more thread hand-off per call).
pub async fn page_parts(pages: &[Page], service: Service) -> Result<Vec<Part>, AttemptError> {
    if !pages
        .iter()
        .any(|page| matches!(page.source(), PageSource::File(_)))
    {
        return parts_of(pages, service);
    }
    let pages = pages.to_vec();
    tokio::task::spawn_blocking(move || parts_of(&pages, service))
        .await
        .map_err(|e| invalid(format!("reading the pages stopped: {e}")))?
}

fn parts_of(pages: &[Page], service: Service) -> Result<Vec<Part>, AttemptError> {
    if pages.is_empty() {
        return Err(invalid("the record has no pages".to_string()));
    }
    let mut parts = Vec::with_capacity(pages.len() * 2);
    for (index, page) in pages.iter().enumerate() {
        let mime_type = page.mime_type().map_err(invalid)?;
        parts.push(Part::Text(page_label(index, page.file_name())));
        parts.push(match page.source() {
            PageSource::Uri(uri) if service == Service::Vertex => {
                Part::FileData(FileData { mime_type, file_uri: uri.clone() })
            }
            PageSource::Uri(uri) => {
                return Err(invalid(format!(
                    "page {}: {uri} can only be passed by reference to Vertex AI \
                     (GEMINI_BACKEND=vertex); the Developer API needs the image in the dataset folder",
                    index + 1
                )));
            }
            PageSource::File(path) => {
                let bytes = std::fs::read(path)
                    .map_err(|e| invalid(format!("page {}: cannot read {}: {e}", index + 1, path.display())))?;
                if service == Service::Vertex && bytes.len() > VERTEX_INLINE_IMAGE_LIMIT {
                    return Err(AttemptError::fatal(
                        FailureKind::PayloadTooLarge,
                        format!(
                            "page {}: {} is {} bytes; Vertex AI takes inline images up to {VERTEX_INLINE_IMAGE_LIMIT} bytes",
                            index + 1,
                            path.display(),
                            bytes.len()
                        ),
                    ));
                }
                Part::InlineData(Blob { mime_type, data: STANDARD.encode(&bytes) })
            }
        });
    }
    Ok(parts)
}

/// The complete request for one record.
pub fn build(
    settings: &GenerationSettings,
    page_parts: Vec<Part>,
) -> Result<GenerateContentRequest, AttemptError> {
    let page_count = page_parts
        .iter()
        .filter(|p| !matches!(p, Part::Text(_)))
        .count();
    let mut parts = page_parts;
    parts.push(Part::Text(closing_instruction(page_count)));
    Ok(GenerateContentRequest {
        contents: vec![Content {
            role: Some("user"),
            parts,
        }],
        system_instruction: Content {
            role: None,
            parts: vec![Part::Text(SYSTEM_INSTRUCTION.to_string())],
        },
        generation_config: GenerationConfig {
            temperature: settings.temperature,
            top_p: settings.top_p,
            top_k: settings.top_k,
            seed: settings.seed,
            max_output_tokens: output_token_limit(&settings.model)
                .map_or(settings.max_output_tokens, |limit| {
                    settings.max_output_tokens.min(limit)
                }),
            response_mime_type: "application/json",
            response_schema: response_schema(),
            thinking_config: thinking_config(settings)?,
        },
        safety_settings: SAFETY_CATEGORIES
            .iter()
            .map(|category| SafetySetting {
                category,
                threshold: "BLOCK_NONE",
            })
            .collect(),
    })
}

fn thinking_config(settings: &GenerationSettings) -> Result<Option<ThinkingConfig>, AttemptError> {
    match settings.thinking_budget {
        None => Ok(None),
        Some(budget) if model_thinks(&settings.model) => Ok(Some(ThinkingConfig {
            thinking_budget: budget,
            include_thoughts: false,
        })),
        // "Off" on a model that never thinks: nothing to send.
        Some(0) => Ok(None),
        Some(budget) => Err(invalid(format!(
            "{} does not think: thinking_budget must be unset or 0, got {budget}",
            settings.model
        ))),
    }
}

/// The serialised body, refused before sending when over the Developer API's limit.
pub fn encode(request: &GenerateContentRequest, service: Service) -> Result<Vec<u8>, AttemptError> {
    let body = serde_json::to_vec(request).map_err(|e| {
        AttemptError::fatal(
            FailureKind::InvalidInput,
            format!("cannot encode the request: {e}"),
        )
    })?;
    if service == Service::Developer && body.len() > DEVELOPER_REQUEST_LIMIT {
        return Err(AttemptError::fatal(
            FailureKind::PayloadTooLarge,
            format!(
                "the request is {} bytes with its inline images; the Developer API takes up to \
                 {DEVELOPER_REQUEST_LIMIT} bytes (use smaller scans or Vertex AI with gs:// images)",
                body.len()
            ),
        ));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// A real 1×1 PNG.
    const TINY_PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

    fn dataset_with_pages(names: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for name in names {
            std::fs::write(dir.path().join(name), STANDARD.decode(TINY_PNG).unwrap()).unwrap();
        }
        dir
    }

    fn full_settings() -> GenerationSettings {
        GenerationSettings {
            model: "gemini-2.5-flash".into(),
            temperature: 0.2,
            top_p: Some(0.95),
            top_k: Some(40),
            seed: Some(7),
            max_output_tokens: 16384,
            thinking_budget: Some(1024),
            cache: Default::default(),
        }
    }

    /// Any change to what we send shows up as a diff of this file. To accept an
    /// intended change: `UPDATE_GOLDEN=1 cargo test -p tally-gemini golden`.
    #[tokio::test]
    async fn golden_extraction_request() {
        let dir = dataset_with_pages(&["unit01_page1.png", "unit01_page2.png"]);
        let pages: Vec<Page> = [
            "unit01_page1.png",
            "unit01_page2.png",
            "gs://forms/unit01_page3.jpg",
        ]
        .iter()
        .map(|p| Page::from_dataset_path(dir.path(), p))
        .collect();
        let parts = page_parts(&pages, Service::Vertex).await.unwrap();
        let request = build(&full_settings(), parts).unwrap();
        let actual = serde_json::to_string_pretty(&request).unwrap() + "\n";
        let golden =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("src/testdata/extraction_request.json");
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&golden, &actual).unwrap();
        }
        let expected = std::fs::read_to_string(&golden).expect("golden file exists");
        assert_eq!(
            actual, expected,
            "request body changed; see the test's doc to accept it"
        );
    }

    #[test]
    fn output_is_capped_at_what_older_models_accept() {
        let older = GenerationSettings {
            thinking_budget: None,
            ..GenerationSettings::new("gemini-2.0-flash", 0.0)
        };
        let body = serde_json::to_value(build(&older, Vec::new()).unwrap()).unwrap();
        assert_eq!(body["generationConfig"]["maxOutputTokens"], 8192);
        let newer = GenerationSettings::new("gemini-2.5-flash", 0.0);
        let body = serde_json::to_value(build(&newer, Vec::new()).unwrap()).unwrap();
        assert_eq!(body["generationConfig"]["maxOutputTokens"], 16384);
        let small = GenerationSettings {
            max_output_tokens: 1000,
            ..older
        };
        let body = serde_json::to_value(build(&small, Vec::new()).unwrap()).unwrap();
        assert_eq!(body["generationConfig"]["maxOutputTokens"], 1000);
    }

    #[tokio::test]
    async fn gs_uris_need_vertex() {
        let pages = [Page::from_dataset_path(Path::new("/d"), "gs://b/p1.png")];
        let error = page_parts(&pages, Service::Developer).await.unwrap_err();
        assert_eq!(error.kind, FailureKind::InvalidInput);
        assert!(
            error
                .message
                .starts_with("page 1: gs://b/p1.png can only be passed by reference to Vertex AI")
        );
    }

    #[tokio::test]
    async fn a_missing_image_names_the_page_and_file() {
        let dir = dataset_with_pages(&[]);
        let pages = [Page::from_dataset_path(dir.path(), "missing.png")];
        let error = page_parts(&pages, Service::Developer).await.unwrap_err();
        assert!(
            error.message.starts_with("page 1: cannot read ")
                && error.message.contains("missing.png"),
            "{}",
            error.message
        );
    }

    #[tokio::test]
    async fn oversized_inline_payloads_are_refused_before_sending() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("big.png"),
            vec![0u8; VERTEX_INLINE_IMAGE_LIMIT + 1],
        )
        .unwrap();
        let pages = [Page::from_dataset_path(dir.path(), "big.png")];
        let error = page_parts(&pages, Service::Vertex).await.unwrap_err();
        assert_eq!(error.kind, FailureKind::PayloadTooLarge);

        // 3 × 7 MB base64-encodes to 28 MB: over the Developer API's 20 MB.
        let pages = vec![Page::from_dataset_path(dir.path(), "big.png"); 3];
        let parts = page_parts(&pages, Service::Developer).await.unwrap();
        let request = build(&full_settings(), parts).unwrap();
        let error = encode(&request, Service::Developer).unwrap_err();
        assert_eq!(error.kind, FailureKind::PayloadTooLarge);
        assert!(
            error
                .message
                .contains("the Developer API takes up to 20971520 bytes"),
            "{}",
            error.message
        );
    }

    #[test]
    fn thinking_is_only_sent_to_models_that_think() {
        let mut settings = full_settings();
        settings.model = "gemini-2.0-flash".into();
        let error = build(&settings, vec![]).unwrap_err();
        assert_eq!(
            error.message,
            "gemini-2.0-flash does not think: thinking_budget must be unset or 0, got 1024"
        );
        settings.thinking_budget = Some(0);
        let request = serde_json::to_value(build(&settings, vec![]).unwrap()).unwrap();
        assert!(request["generationConfig"].get("thinkingConfig").is_none());
        settings.thinking_budget = None;
        settings.model = "gemini-2.5-flash".into();
        let request = serde_json::to_value(build(&settings, vec![]).unwrap()).unwrap();
        assert!(
            request["generationConfig"].get("thinkingConfig").is_none(),
            "unset = the model's default"
        );
    }
}
