//! `ApiError`: every way a request can fail, mapped to one HTTP status and one stable
//! JSON code (`tally_core::contract::ErrorBody`).
//!
//! The client gets a precise message naming the field at fault, never an internal
//! cause: the cause chain of a 5xx goes to the log (and only there), with no secret in
//! it — causes are store and queue errors, which carry no request data.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tally_core::contract::{ErrorBody, FieldError, RequestError};
use tally_core::dataset::{DataDirError, Problem};
use tally_store::ImportError;
use tally_store::jobs::QueueError;
use tally_store::submission::SubmitError;
use tally_store::{StoreCondition, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the body is not a JSON object (or not UTF-8, or empty).
    #[error("{0}")]
    Malformed(String),
    /// 401: no `X-API-Key`, or one that matches no configured key.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// 403: the key's role does not allow this route.
    #[error("this route needs a key with the {needed} role; this key has the {role} role")]
    Forbidden {
        needed: crate::roles::Role,
        role: crate::roles::Role,
    },
    /// 403: a runner key asked to cancel or retry a run it did not submit.
    #[error("{0}")]
    NotOwner(String),
    /// 404: an unknown run, experiment, dataset or route; `field` names the request
    /// field that pointed at it, when one did.
    #[error("{message}")]
    NotFound {
        message: String,
        field: Option<&'static str>,
    },
    /// 405: the path exists, the method does not.
    #[error("method not allowed on this path")]
    MethodNotAllowed,
    /// 408: the body did not arrive within `TALLY_BODY_READ_TIMEOUT_SECONDS`.
    #[error("{0}")]
    BodyTimeout(String),
    /// 409: the request conflicts with what is stored (the run already ended; the
    /// schedule name is taken).
    #[error("{0}")]
    Conflict(String),
    /// 413: the body is larger than the configured limit.
    #[error("request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// 414: the URI is longer than the limit.
    #[error("the request URI is longer than the limit of {limit} bytes")]
    UriTooLong { limit: usize },
    /// 431: the request headers are larger than the limit in total.
    #[error("the request headers are larger than the limit of {limit} bytes in total")]
    HeadersTooLarge { limit: usize },
    /// 422: fields (of the body, the query or a header) break their rules; all of them.
    #[error("{}", render(.0))]
    Invalid(Vec<FieldError>),
    /// 422: what was sent as a dataset (a folder, an archive) has problems, each
    /// located by file (archive entry) and line.
    #[error("{} has {} problem(s)", .0.noun(), .1.len())]
    InvalidDataset(Sent, Vec<Problem>),
    /// 422: a label accepts reports that fail consistency rules without an
    /// `override_reason`.
    #[error("the reports fail {} consistency rule(s); accepting them needs an override_reason", .0.len())]
    RuleOverrideRequired(Vec<tally_core::contract::views::RuleFailure>),
    /// 429: the submitter is over its limit (reserved for submission quotas).
    #[error("too many requests: {0}")]
    RateLimited(String),
    /// 503: Redis does not answer, or refuses writes (out of memory, read-only,
    /// loading); `condition` says which. The process stays up and recovers with it.
    #[error("{}", .condition.explanation())]
    Unavailable {
        condition: StoreCondition,
        cause: String,
    },
    /// 502: Datadog did not answer, or answered with an error, while the request
    /// needed it (a dataset read from or pushed to Datadog).
    #[error("{0}")]
    BadGateway(String),
    /// 500: something that is no fault of the request (a corrupt stored value).
    #[error("internal error")]
    Internal(String),
}

fn render(errors: &[FieldError]) -> String {
    ErrorBody::invalid_fields(errors).error.message
}

impl ApiError {
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::NotFound {
            message: message.into(),
            field: None,
        }
    }

    /// One invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::Invalid(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } | ApiError::NotOwner(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::BodyTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UriTooLong { .. } => StatusCode::URI_TOO_LONG,
            ApiError::HeadersTooLarge { .. } => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::Invalid(_)
            | ApiError::InvalidDataset(..)
            | ApiError::RuleOverrideRequired(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::BadGateway(_) => StatusCode::BAD_GATEWAY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable, machine-readable code of the body.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Malformed(_) => "malformed_body",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden { .. } | ApiError::NotOwner(_) => "forbidden",
            ApiError::NotFound { .. } => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::BodyTimeout(_) => "request_timeout",
            ApiError::Conflict(_) => "conflict",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::UriTooLong { .. } => "uri_too_long",
            ApiError::HeadersTooLarge { .. } => "headers_too_large",
            ApiError::Invalid(_) => "invalid_request",
            ApiError::InvalidDataset(..) => "invalid_dataset",
            ApiError::RuleOverrideRequired(_) => "rule_override_required",
            ApiError::RateLimited(_) => "rate_limited",
            ApiError::Unavailable { condition, .. } => match condition {
                StoreCondition::OutOfMemory => "store_full",
                StoreCondition::ReadOnly => "store_read_only",
                StoreCondition::Loading => "store_loading",
                StoreCondition::Reachable | StoreCondition::Slow | StoreCondition::Unreachable => {
                    "store_unreachable"
                }
            },
            ApiError::BadGateway(_) => "datadog_unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    pub fn body(&self) -> ErrorBody {
        match self {
            ApiError::Invalid(errors) => ErrorBody::invalid_fields(errors),
            ApiError::InvalidDataset(sent, problems) => {
                let mut body = ErrorBody::new(self.code(), format!("{self}; {}", sent.outcome()));
                // Each problem's entry (and line) is its field.
                body.error.details = problems.iter().map(problem_detail).collect();
                body
            }
            ApiError::NotFound {
                message,
                field: Some(field),
            } => {
                let mut body = ErrorBody::new(self.code(), message.clone());
                body.error.details = vec![FieldError {
                    field: (*field).to_string(),
                    message: message
                        .strip_prefix(&format!("{field}: "))
                        .unwrap_or(message)
                        .to_string(),
                }];
                body
            }
            ApiError::RuleOverrideRequired(failures) => {
                let mut body = ErrorBody::new(self.code(), self.to_string());
                body.error.details = vec![FieldError {
                    field: "override_reason".to_string(),
                    message: "is required to accept reports that fail a consistency rule"
                        .to_string(),
                }];
                body.error.field = Some("override_reason".to_string());
                body.error.failures = failures.clone();
                body
            }
            ApiError::Unavailable { condition, .. } => ErrorBody::new(
                self.code(),
                format!("{}; try again shortly", condition.explanation()),
            ),
            ApiError::Internal(_) => ErrorBody::new(
                self.code(),
                "internal error; the server log has the details",
            ),
            other => ErrorBody::new(other.code(), other.to_string()),
        }
    }
}

/// What was sent as a dataset, as a refusal of it names it: a dataset's problems are
/// the same checks whichever way it came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// A folder under the data directory (`POST /api/v1/datasets/import`).
    Folder,
    /// An uploaded dataset archive (`POST /api/v1/datasets?name=`).
    DatasetArchive,
    /// An uploaded archive of page images (`POST /api/v1/labelsets?name=`).
    LabelSetArchive,
    /// A Datadog dataset read by name (`POST /api/v1/datasets/import` with `datadog`).
    DatadogDataset(String),
}

impl Sent {
    pub fn noun(&self) -> String {
        match self {
            Sent::Folder => "the dataset folder".to_string(),
            Sent::DatasetArchive => "the dataset archive".to_string(),
            Sent::LabelSetArchive => "the label set archive".to_string(),
            Sent::DatadogDataset(name) => format!("the Datadog dataset {name:?}"),
        }
    }

    /// What did not happen because of the problems.
    fn outcome(&self) -> &'static str {
        match self {
            Sent::Folder | Sent::DatasetArchive | Sent::DatadogDataset(_) => "nothing was imported",
            Sent::LabelSetArchive => "no label set was created",
        }
    }
}

/// A dataset problem as a detail: the location (`records.jsonl:3`) is the field.
fn problem_detail(problem: &Problem) -> FieldError {
    FieldError {
        field: match problem.line {
            Some(line) => format!("{}:{line}", problem.file),
            None => problem.file.clone(),
        },
        message: problem.message.clone(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Unavailable { condition, cause } => {
                tracing::warn!(%condition, cause = %cause, "store unavailable")
            }
            ApiError::Internal(cause) => tracing::error!(cause = %cause, "internal error"),
            _ => {}
        }
        let status = self.status();
        let body = serde_json::to_vec(&self.body()).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

impl From<RequestError> for ApiError {
    fn from(error: RequestError) -> Self {
        match error {
            RequestError::Malformed(message) => ApiError::Malformed(message),
            RequestError::Invalid(errors) => ApiError::Invalid(errors),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Redis(_) => ApiError::Unavailable {
                condition: error.condition().unwrap_or(StoreCondition::Unreachable),
                cause: error.to_string(),
            },
            StoreError::Corrupt { .. } | StoreError::Unanswered => {
                ApiError::Internal(error.to_string())
            }
            // Another writer kept changing the same value: the client may retry.
            StoreError::Contended { .. } => ApiError::Conflict(error.to_string()),
            // Refused before anything was written: the request is too large for the
            // room Redis has, and says by how much.
            StoreError::WontFit(refusal) => {
                ApiError::invalid(refusal.footprint.field(), refusal.to_string())
            }
        }
    }
}

impl From<QueueError> for ApiError {
    /// Pushing a job only fails when Redis does; the queue library's error is known
    /// only as text.
    fn from(error: QueueError) -> Self {
        let cause = error.to_string();
        ApiError::Unavailable {
            condition: StoreCondition::of_message(&cause).unwrap_or(StoreCondition::Unreachable),
            cause,
        }
    }
}

impl From<SubmitError> for ApiError {
    fn from(error: SubmitError) -> Self {
        match error {
            SubmitError::UnknownDataset(_) => ApiError::NotFound {
                message: error.to_string(),
                field: Some("dataset_name"),
            },
            SubmitError::UnknownVersion { .. } => ApiError::NotFound {
                message: error.to_string(),
                field: Some("dataset_version"),
            },
            SubmitError::Store(error) => error.into(),
            SubmitError::Queue(error) => error.into(),
        }
    }
}

impl From<ImportError> for ApiError {
    fn from(error: ImportError) -> Self {
        match error {
            ImportError::Path(DataDirError::Unusable { .. }) => {
                ApiError::Internal(error.to_string())
            }
            ImportError::Path(DataDirError::NotFound { .. }) => ApiError::NotFound {
                message: format!("path: {error}"),
                field: Some("path"),
            },
            ImportError::Path(path_error) => ApiError::invalid("path", path_error.to_string()),
            ImportError::Name(value_error) => ApiError::invalid(
                "path",
                format!("the folder name cannot be a dataset name: {value_error}"),
            ),
            ImportError::Invalid(problems) => ApiError::InvalidDataset(Sent::Folder, problems),
            ImportError::Store(error) => error.into(),
            ImportError::Validation(cause) => ApiError::Internal(cause),
            ImportError::Changed(_) => ApiError::invalid("path", error.to_string()),
        }
    }
}
