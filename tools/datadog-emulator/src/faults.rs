//! Injected trouble on the Datadog routes (never on `/_emulator/*`): added latency,
//! a full outage (503 everywhere), a share of 5xx, a share of 429 with Datadog's
//! rate-limit headers, and a script of exact faults for the next matching requests
//! (what tests use: deterministic). An injected fault answers before authentication
//! and stores nothing.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::config::FaultSettings;
use crate::error::ApiError;
use crate::state::AppState;

/// Which traffic a scripted fault waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    #[default]
    Any,
    /// The experiments and datasets API.
    Api,
    /// `POST /api/v2/llmobs`.
    Spans,
    /// `POST /api/intake/llm-obs/v2/eval-metric`.
    EvalMetrics,
}

impl Target {
    /// The traffic class of a request path.
    pub fn of_path(path: &str) -> Target {
        match path {
            "/api/v2/llmobs" => Target::Spans,
            "/api/intake/llm-obs/v2/eval-metric" => Target::EvalMetrics,
            _ => Target::Api,
        }
    }

    fn covers(self, traffic: Target) -> bool {
        self == Target::Any || self == traffic
    }
}

/// One scripted fault, as posted to `POST /_emulator/faults/next`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "fault", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// A 5xx answer (503 unless `status` says otherwise).
    ServerError {
        #[serde(default = "default_server_status")]
        status: u16,
        #[serde(default)]
        target: Target,
    },
    /// 429 with `X-RateLimit-Reset: reset_secs`.
    RateLimit {
        #[serde(default = "default_reset_secs")]
        reset_secs: u64,
        #[serde(default)]
        target: Target,
    },
}

fn default_server_status() -> u16 {
    503
}

fn default_reset_secs() -> u64 {
    1
}

impl Fault {
    fn target(&self) -> Target {
        match self {
            Fault::ServerError { target, .. } | Fault::RateLimit { target, .. } => *target,
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        match self {
            Fault::ServerError { status, .. } if !(500..=599).contains(status) => {
                Err(format!("server_error: status must be 5xx, got {status}"))
            }
            _ => Ok(()),
        }
    }

    fn error(&self) -> ApiError {
        match self {
            Fault::ServerError { status, .. } => ApiError::server_error(
                StatusCode::from_u16(*status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
            ),
            Fault::RateLimit { reset_secs, .. } => ApiError::rate_limited(*reset_secs),
        }
    }
}

pub struct Faults {
    settings: RwLock<FaultSettings>,
    initial: FaultSettings,
    script: Mutex<VecDeque<Fault>>,
    injected: AtomicU64,
}

impl Faults {
    pub fn new(settings: FaultSettings) -> Self {
        Faults {
            settings: RwLock::new(settings.clone()),
            initial: settings,
            script: Mutex::new(VecDeque::new()),
            injected: AtomicU64::new(0),
        }
    }

    pub fn settings(&self) -> FaultSettings {
        self.settings
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn set(&self, settings: FaultSettings) {
        *self.settings.write().unwrap_or_else(|p| p.into_inner()) = settings;
    }

    pub fn push(&self, faults: Vec<Fault>) -> usize {
        let mut script = self.script.lock().unwrap_or_else(|p| p.into_inner());
        script.extend(faults);
        script.len()
    }

    pub fn pending(&self) -> usize {
        self.script.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn injected(&self) -> u64 {
        self.injected.load(Ordering::Relaxed)
    }

    /// Back to the settings the emulator started with; the script is emptied.
    pub fn reset(&self) {
        self.set(self.initial.clone());
        self.script
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        self.injected.store(0, Ordering::Relaxed);
    }

    /// The fault for a request of `traffic`, if one applies: outage, then the script,
    /// then the random shares.
    fn draw(&self, traffic: Target) -> Option<ApiError> {
        let settings = self.settings();
        let error = if settings.outage {
            Some(ApiError::server_error(StatusCode::SERVICE_UNAVAILABLE))
        } else if let Some(fault) = self.take_scripted(traffic) {
            Some(fault.error())
        } else {
            let draw: f64 = rand::rng().random();
            if draw < settings.error_rate {
                Some(ApiError::server_error(
                    StatusCode::from_u16(settings.error_status)
                        .unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
                ))
            } else if draw < settings.error_rate + settings.rate_limit_rate {
                Some(ApiError::rate_limited(settings.rate_limit_reset_secs))
            } else {
                None
            }
        };
        if error.is_some() {
            self.injected.fetch_add(1, Ordering::Relaxed);
        }
        error
    }

    fn take_scripted(&self, traffic: Target) -> Option<Fault> {
        let mut script = self.script.lock().unwrap_or_else(|p| p.into_inner());
        let position = script.iter().position(|f| f.target().covers(traffic))?;
        script.remove(position)
    }
}

/// The middleware: waits the configured latency, then answers with a fault or
/// passes the request on.
pub async fn inject(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let latency = state.faults.settings().latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let traffic = Target::of_path(request.uri().path());
    match state.faults.draw(traffic) {
        Some(error) => {
            let mut response = error.into_response();
            response.extensions_mut().insert(Injected);
            response
        }
        None => next.run(request).await,
    }
}

/// Marks a response as an injected fault, for the request log.
#[derive(Debug, Clone, Copy)]
pub struct Injected;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripted_faults_wait_for_their_traffic() {
        let faults = Faults::new(FaultSettings::default());
        let script: Vec<Fault> = serde_json::from_str(
            r#"[{"fault": "rate_limit", "target": "spans", "reset_secs": 7},
                {"fault": "server_error"}]"#,
        )
        .unwrap();
        faults.push(script);
        let api = faults.draw(Target::Api).unwrap();
        assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(faults.pending(), 1);
        assert!(faults.draw(Target::Api).is_none());
        let spans = faults.draw(Target::Spans).unwrap();
        assert_eq!(spans.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(
            spans
                .headers
                .contains(&("x-ratelimit-reset", "7".to_string()))
        );
        assert_eq!(faults.injected(), 2);
    }

    #[test]
    fn rates_of_one_always_fail_and_outage_wins() {
        let faults = Faults::new(FaultSettings {
            rate_limit_rate: 1.0,
            ..FaultSettings::default()
        });
        for _ in 0..20 {
            assert_eq!(
                faults.draw(Target::Api).unwrap().status,
                StatusCode::TOO_MANY_REQUESTS
            );
        }
        faults.set(FaultSettings {
            outage: true,
            ..faults.settings()
        });
        assert_eq!(
            faults.draw(Target::Spans).unwrap().status,
            StatusCode::SERVICE_UNAVAILABLE
        );
        faults.reset();
        assert_eq!(
            faults.draw(Target::Api).unwrap().status,
            StatusCode::TOO_MANY_REQUESTS,
            "back to the starting settings"
        );
    }
}
