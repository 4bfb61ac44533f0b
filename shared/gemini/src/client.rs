//! `GeminiClient`: one extraction call = build the request, send it under the retry
//! policy with the right credentials, read the answer.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;

use super::answer::interpret;
use super::auth::{Credentials, TokenProvider};
use super::cache::{ResponseCache, cache_key};
use super::config::{Backend, ConfigError, GeminiConfig};
use super::error::{AttemptError, FailureKind, HttpFailure, classify_http};
use super::gate::{CallGate, Pacing};
use super::outcome::{Extraction, ModelFailure};
use super::pages::Page;
use super::pricing::PriceTable;
use super::request::{self, Service};
use super::retry::{Attempt, RetryPolicy};
use super::settings::GenerationSettings;
use super::tokens::estimate_input_tokens;
use super::wire::GenerateContentResponse;
use tally_core::contract::Secret;

pub struct GeminiClient {
    http: reqwest::Client,
    service: Service,
    /// Everything of the URL before the model id.
    models_url: String,
    credentials: Credentials,
    retry: RetryPolicy,
    prices: PriceTable,
    /// Paces every attempt (a shared rate limiter); `None` = calls go out at once.
    gate: Option<Arc<dyn CallGate>>,
    /// Keeps answers between runs; `None` = every call is sent.
    cache: Option<Arc<dyn ResponseCache>>,
}

/// A 200 response, parsed, with its body as received (what the cache stores).
struct Received {
    response: GenerateContentResponse,
    text: String,
}

impl GeminiClient {
    pub fn from_env() -> Result<Self, ConfigError> {
        GeminiClient::new(GeminiConfig::from_env()?)
    }

    pub fn new(config: GeminiConfig) -> Result<Self, ConfigError> {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(std::time::Duration::from_secs(10))
            .user_agent(concat!("tally/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConfigError::HttpClient(e.to_string()))?;
        let (service, models_url, credentials) = match &config.backend {
            Backend::Developer { api_key } => {
                let base = config
                    .base_url
                    .as_deref()
                    .unwrap_or("https://generativelanguage.googleapis.com");
                let version = config.api_version.as_deref().unwrap_or("v1beta");
                (
                    Service::Developer,
                    format!("{base}/{version}/models/"),
                    Credentials::ApiKey(api_key.clone()),
                )
            }
            Backend::Vertex {
                project,
                location,
                credentials,
            } => {
                let regional = format!("https://{location}-aiplatform.googleapis.com");
                let base = config.base_url.clone().unwrap_or(if location == "global" {
                    "https://aiplatform.googleapis.com".to_string()
                } else {
                    regional
                });
                let version = config.api_version.as_deref().unwrap_or("v1");
                let provider = TokenProvider::new(credentials, http.clone())
                    .map_err(ConfigError::Credentials)?;
                (
                    Service::Vertex,
                    format!(
                        "{base}/{version}/projects/{project}/locations/{location}/publishers/google/models/"
                    ),
                    Credentials::Token(provider),
                )
            }
        };
        Ok(GeminiClient {
            http,
            service,
            models_url,
            credentials,
            retry: config.retry,
            prices: config.prices,
            gate: None,
            cache: None,
        })
    }

    /// The client with every attempt (first call and retries) admitted by `gate`.
    pub fn with_gate(mut self, gate: Arc<dyn CallGate>) -> Self {
        self.gate = Some(gate);
        self
    }

    /// The client with answers kept in `cache`, used as each call's
    /// `GenerationSettings::cache` says.
    pub fn with_cache(mut self, cache: Arc<dyn ResponseCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Extracts the reports of one record's pages.
    pub async fn extract(
        &self,
        pages: &[Page],
        settings: &GenerationSettings,
    ) -> Result<Extraction, ModelFailure> {
        let started = Instant::now();
        let before_sending = |error: AttemptError| ModelFailure {
            kind: error.kind,
            message: error.message,
            attempts: 0,
            rate_limited: 0,
            latency: started.elapsed(),
            answer: None,
        };
        let model = model_id(&settings.model).map_err(before_sending)?;
        let parts = request::page_parts(pages, self.service)
            .await
            .map_err(before_sending)?;
        let built = request::build(settings, parts).map_err(before_sending)?;
        let estimated_input_tokens = estimate_input_tokens(&built);
        let body = Bytes::from(request::encode(&built, self.service).map_err(before_sending)?);
        drop(built);

        let cache = self
            .cache
            .as_deref()
            .filter(|_| settings.cache.read || settings.cache.write)
            .map(|cache| {
                let key = cache_key(self.service, model, &body, settings.cache.trial);
                (cache, key)
            });
        if let Some((cache, key)) = cache.as_ref().filter(|_| settings.cache.read)
            && let Some(hit) = self.cached(*cache, key, model, started).await
        {
            return Ok(hit);
        }

        let url = format!("{}{model}:generateContent", self.models_url);
        let last_token: Mutex<Option<Secret>> = Mutex::new(None);
        let pacing = self.gate.as_deref().map(|gate| Pacing {
            gate,
            model,
            estimated_input_tokens,
            input_tokens,
        });
        let retried = self
            .retry
            .run_paced(pacing.as_ref(), |attempt| {
                self.attempt(&url, body.clone(), model, attempt, &last_token)
            })
            .await;
        let latency = started.elapsed();
        let attempts = retried.attempts;
        let rate_limited = retried.rate_limited;
        let received = retried.result.map_err(|error| ModelFailure {
            kind: error.kind,
            message: error.message,
            attempts,
            rate_limited,
            latency,
            answer: None,
        })?;
        match interpret(&received.response, model, &self.prices) {
            Ok((reports, answer)) => {
                // Only an answer that could be read is kept: never an error.
                if let Some((cache, key)) = cache.as_ref().filter(|_| settings.cache.write) {
                    cache.save(key, &received.text).await;
                }
                Ok(Extraction {
                    reports,
                    answer,
                    latency,
                    attempts,
                    rate_limited,
                    cached: false,
                })
            }
            Err(unusable) => Err(ModelFailure {
                kind: unusable.kind,
                message: unusable.message,
                attempts,
                rate_limited,
                latency,
                answer: Some(unusable.answer),
            }),
        }
    }

    /// The stored answer under `key`, read as a fresh one would be. An entry that no
    /// longer reads as a usable answer (a changed response format) is a miss.
    async fn cached(
        &self,
        cache: &dyn ResponseCache,
        key: &str,
        model: &str,
        started: Instant,
    ) -> Option<Extraction> {
        let text = cache.load(key).await?;
        let response: GenerateContentResponse = serde_json::from_str(&text)
            .inspect_err(
                |error| tracing::warn!(%error, "cached response unreadable; calling the model"),
            )
            .ok()?;
        let (reports, answer) = interpret(&response, model, &self.prices).ok()?;
        Some(Extraction {
            reports,
            answer,
            latency: started.elapsed(),
            attempts: 0,
            rate_limited: 0,
            cached: true,
        })
    }

    async fn attempt(
        &self,
        url: &str,
        body: Bytes,
        model: &str,
        attempt: Attempt,
        last_token: &Mutex<Option<Secret>>,
    ) -> Result<Received, AttemptError> {
        let request = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .body(body);
        let request = match &self.credentials {
            Credentials::ApiKey(key) => request.header("x-goog-api-key", key.expose()),
            Credentials::Token(provider) => {
                let refused = if attempt.refresh_credentials {
                    lock(last_token).clone()
                } else {
                    None
                };
                let token = provider.token(refused.as_ref()).await?;
                *lock(last_token) = Some(token.clone());
                let request = match provider.quota_project() {
                    Some(project) => request.header("x-goog-user-project", project),
                    None => request,
                };
                request.bearer_auth(token.expose())
            }
        };
        let response = request
            .send()
            .await
            .map_err(|e| AttemptError::from_transport(&e))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response
            .bytes()
            .await
            .map_err(|e| AttemptError::from_transport(&e))?;
        let text = utf8_text(body);
        if status != 200 {
            return Err(classify_http(&HttpFailure {
                status,
                retry_after: retry_after.as_deref(),
                body: &text,
                can_refresh_credentials: self.credentials.can_refresh(),
                model,
            }));
        }
        let response = serde_json::from_str(&text).map_err(|e| {
            AttemptError::fatal(
                FailureKind::BadResponse,
                format!("HTTP 200 with a body that is not a generateContent response: {e}"),
            )
        })?;
        Ok(Received { response, text })
    }
}

/// The body as `Response::text` reads it (invalid UTF-8 replaced), without copying a
/// valid body a second time.
fn utf8_text(body: Bytes) -> String {
    String::from_utf8(Vec::from(body))
        .unwrap_or_else(|invalid| String::from_utf8_lossy(invalid.as_bytes()).into_owned())
}

/// The tokens a response counted toward the input-token quota: its prompt, images
/// included (output and thinking do not count).
fn input_tokens(received: &Received) -> u64 {
    received
        .response
        .usage_metadata
        .as_ref()
        .map_or(0, |usage| usage.prompt_token_count)
}

/// A poisoned lock only means another attempt panicked; the token slot is still usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The model id as it goes into the URL: `models/` prefix dropped, nothing that could
/// change the path.
fn model_id(model: &str) -> Result<&str, AttemptError> {
    let id = model.strip_prefix("models/").unwrap_or(model);
    let valid = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
    if valid {
        Ok(id)
    } else {
        Err(AttemptError::fatal(
            FailureKind::InvalidInput,
            format!("model \"{model}\" is not a Gemini model id (letters, digits, '-', '.', '_')"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_read_as_utf8_with_invalid_bytes_replaced() {
        let thai = "{\"text\": \"๑๒๓ ร้อย\"}";
        assert_eq!(utf8_text(Bytes::from(thai.to_string())), thai);
        assert_eq!(
            utf8_text(Bytes::from_static(b"ok \xff\xfe end")),
            "ok \u{fffd}\u{fffd} end"
        );
    }

    #[test]
    fn model_ids_cannot_change_the_url() {
        assert_eq!(
            model_id("models/gemini-2.5-flash").unwrap(),
            "gemini-2.5-flash"
        );
        for bad in ["", "../admin", "gemini:generateContent?x", "a/b"] {
            assert_eq!(
                model_id(bad).unwrap_err().kind,
                FailureKind::InvalidInput,
                "{bad}"
            );
        }
    }
}
