//! Every route of the API with its parameters and answers, by schema name: the paths
//! of the document. The schemas they name are in `components` (derived from
//! `tally_core::contract` or written in `input`); the integration tests call every
//! route listed here and check it against the router.

use serde_json::{Map, Value, json};

use crate::roles::Role;

/// The upload routes: their body is an archive, not JSON.
const UPLOAD_PATH: &str = "/api/v1/datasets";
const LABELSET_UPLOAD_PATH: &str = "/api/v1/labelsets";

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// One documented answer: a status and its schema (or plain text, or no body).
enum Answer {
    Json(u16, &'static str, &'static str),
    Text(u16, &'static str, &'static str),
    Empty(u16, &'static str),
}

pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    summary: &'static str,
    access: Access,
    query: &'static [(&'static str, &'static str)],
    body: Option<&'static str>,
    answers: &'static [Answer],
}

/// Who may call a route: anyone, or a key with at least a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Open,
    Key(Role),
    /// A runner key for the runs it submitted; an admin key for any run.
    OwnRuns,
}

const OPEN: Access = Access::Open;
const VIEWER: Access = Access::Key(Role::Viewer);
const RUNNER: Access = Access::Key(Role::Runner);
const ADMIN: Access = Access::Key(Role::Admin);
const OWN_RUNS: Access = Access::OwnRuns;

impl Access {
    /// The least role that may call the route (`x-tally-role`); `None` when open.
    pub fn role(self) -> Option<Role> {
        match self {
            Access::Open => None,
            Access::Key(role) => Some(role),
            Access::OwnRuns => Some(Role::Runner),
        }
    }

    /// The operation's description: who may call it.
    fn describe(self) -> String {
        let higher = |role: Role| {
            let above: Vec<&str> = Role::ALL
                .into_iter()
                .filter(|other| *other > role)
                .map(Role::as_str)
                .collect();
            if above.is_empty() {
                String::new()
            } else {
                format!(" (or {})", above.join(", "))
            }
        };
        match self {
            Access::Open => "Open: no API key needed.".to_string(),
            Access::Key(role) => format!("Needs a key with the {role} role{}.", higher(role)),
            Access::OwnRuns => "Needs a key with the runner role for a run that key submitted, \
                 or the admin role for any run; otherwise 403."
                .to_string(),
        }
    }
}

const ERRORS_COMMON: [Answer; 3] = [
    Answer::Json(401, "ErrorBody", "missing or wrong X-API-Key"),
    Answer::Json(
        403,
        "ErrorBody",
        "the key's role does not allow this route (forbidden)",
    ),
    Answer::Json(
        503,
        "ErrorBody",
        "Redis is unreachable (store_unreachable), out of memory (store_full), read-only (store_read_only) or loading (store_loading)",
    ),
];

use Answer::{Empty as E, Json as J, Text as T};

/// Every route of the API. The integration tests call each one.
pub const OPERATIONS: &[Operation] = &[
    Operation {
        method: "post",
        path: "/api/v1/experiments/run",
        summary: "Submit a run and wait for it: 200 with the response when it ends within min(wait_seconds, server maximum), else 202; the run goes on either way",
        access: RUNNER,
        query: &[(
            "wait_seconds",
            "seconds to wait (default and cap: TALLY_RUN_MAX_WAIT_SECONDS)",
        )],
        body: Some("ExperimentRequest"),
        answers: &[
            J(200, "ExperimentResponse", "the run ended"),
            J(202, "RunAccepted", "still running; poll status_url"),
            J(400, "ErrorBody", "the body is not a JSON object"),
            J(404, "ErrorBody", "unknown dataset_name or dataset_version"),
            J(413, "ErrorBody", "body larger than TALLY_BODY_LIMIT_BYTES"),
            J(422, "ErrorBody", "invalid fields, all listed in details"),
        ],
    },
    Operation {
        method: "post",
        path: "/api/v1/experiments/run-async",
        summary: "Submit a run; an Idempotency-Key header returns the same run for a repeated submission",
        access: RUNNER,
        query: &[],
        body: Some("ExperimentRequest"),
        answers: &[
            J(202, "RunAccepted", "queued; task_id = run_id"),
            J(400, "ErrorBody", "the body is not a JSON object"),
            J(404, "ErrorBody", "unknown dataset_name or dataset_version"),
            J(413, "ErrorBody", "body larger than TALLY_BODY_LIMIT_BYTES"),
            J(422, "ErrorBody", "invalid fields, all listed in details"),
        ],
    },
    Operation {
        method: "get",
        path: "/api/v1/experiments/runs",
        summary: "Runs, newest first",
        access: VIEWER,
        query: &[
            (
                "status",
                "queued, running, succeeded, partial, failed or cancelled",
            ),
            ("schedule", "only runs created by this schedule"),
            ("offset", "default 0"),
            ("limit", "1-1000, default 50"),
        ],
        body: None,
        answers: &[
            J(200, "RunList", "a page of runs"),
            J(422, "ErrorBody", "invalid parameter"),
        ],
    },
    Operation {
        method: "get",
        path: "/api/v1/experiments/runs/{id}",
        summary: "A run's status, progress (overall and per experiment) and, once final, its result",
        access: VIEWER,
        query: &[],
        body: None,
        answers: &[
            J(200, "RunStatus", "the run"),
            J(404, "ErrorBody", "no such run"),
        ],
    },
    Operation {
        method: "get",
        path: "/api/v1/experiments/runs/{id}/events",
        summary: "The run's status as Server-Sent Events: a `status` event at once and whenever the status changes, a `final` event with the final state, then the stream ends; each event's data is a RunStatus (JSON). A `:heartbeat` comment every 15 s. One Redis subscription per API process serves every client",
        access: VIEWER,
        query: &[],
        body: None,
        answers: &[
            T(200, "text/event-stream", "the stream of status events"),
            J(404, "ErrorBody", "no such run"),
        ],
    },
    Operation {
        method: "post",
        path: "/api/v1/experiments/runs/{id}/cancel",
        summary: "Cancel a run: records in flight finish, no new record starts",
        access: OWN_RUNS,
        query: &[],
        body: None,
        answers: &[
            J(
                202,
                "CancelAnswer",
                "cancel requested (repeating it is harmless)",
            ),
            J(404, "ErrorBody", "no such run"),
            J(409, "ErrorBody", "the run already ended"),
        ],
    },
    Operation {
        method: "post",
        path: "/api/v1/experiments/runs/{id}/retry",
        summary: "Retry a run's unsuccessful records (failed, cancelled, never started) in a child run with the same configuration and dataset version",
        access: OWN_RUNS,
        query: &[],
        body: None,
        answers: &[
            J(202, "RetryAccepted", "the child run is queued"),
            J(404, "ErrorBody", "no such run"),
            J(
                409,
                "ErrorBody",
                "the run, or its latest retry, has not ended",
            ),
        ],
    },
    Operation {
        method: "get",
        path: "/api/v1/experiments/experiments/{id}",
        summary: "One experiment: configuration, progress, and its summary once final",
        access: VIEWER,
        query: &[],
        body: None,
        answers: &[
            J(200, "ExperimentDetail", "the experiment"),
            J(404, "ErrorBody", "no such experiment"),
        ],
    },
    Operation {
        method: "get",
        path: "/api/v1/experiments/experiments/{id}/results",
        summary: "Per-record results: a JSON page, or every result as CSV (evaluators as columns) or JSON lines",
        access: VIEWER,
        query: &[
            (
                "format",
                "json (default, paginated), csv or jsonl (every result, by record id)",
            ),
            ("offset", "default 0 (json only)"),
            ("limit", "1-1000, default 50 (json only)"),
        ],
        body: None,
        answers: &[
            J(
                200,
                "ResultsPage",
                "a page (format=json); text/csv or application/x-ndjson otherwise",
            ),
            J(404, "ErrorBody", "no such experiment"),
            J(422, "ErrorBody", "invalid parameter"),
        ],
    },
    Operation {
        method: "get",
        path: "/api/v1/experiments/compare",
        summary: "Two or more experiments side by side: summaries, per-record differences, and a paired bootstrap 95% CI of each pair's accuracy difference",
        access: VIEWER,
        query: &[("ids", "2-10 experiment ids separated by commas (any runs)")],
        body: None,
        answers: &[
            J(200, "Comparison", "the comparison"),
            J(404, "ErrorBody", "an id names no experiment"),
            J(422, "ErrorBody", "ids missing, repeated, or fewer than 2"),
        ],
    },
    Operation {
        method: "get",
        path: "/api/v1/datasets",
        summary: "Datasets with their latest version",
        access: VIEWER,
        query: &[],
        body: None,
        answers: &[J(200, "DatasetList", "every dataset")],
    },
    Operation {
        method: "get",
        path: "/api/v1/datasets/{name}",
        summary: "One dataset's versions, oldest first",
        access: VIEWER,
        query: &[],
        body: None,
        answers: &[
            J(200, "DatasetVersions", "the versions"),
            J(404, "ErrorBody", "no such dataset"),
        ],
    },
    Operation {
        method: "get",
        path: "/api/v1/datasets/{name}/versions/{version}/records/{id}",
        summary: "One record of a dataset version: its pages, expected output and metadata",
        access: VIEWER,
        query: &[],
        body: None,
        answers: &[
            J(200, "DatasetRecord", "the record"),
            J(404, "ErrorBody", "no such dataset, version or record"),
        ],
    },
    Operation {
        method: "get",
        path: "/api/v1/datasets/{name}/versions/{version}/records/{id}/pages/{page}",
        summary: "Page {page} (from 1) of a record: the image as stored in the data directory",
        access: VIEWER,
        query: &[],
        body: None,
        answers: &[
            T(
                200,
                "image/png",
                "the page, PNG or JPEG (image/jpeg) as the file is",
            ),
            J(
                404,
                "ErrorBody",
                "no such record or page, a missing file, or a remote (gs://, https://) image",
            ),
        ],
    },
    Operation {
        method: "post",
        path: UPLOAD_PATH,
        summary: "Upload a dataset as a .tar.gz (Content-Type: application/gzip) or .zip (application/zip) holding a dataset folder's files at its root: a new version (or the identical one)",
        access: ADMIN,
        query: &[("name", "the dataset's name (required)")],
        body: None,
        answers: &[
            J(201, "ImportOutcome", "a new version"),
            J(
                200,
                "ImportOutcome",
                "identical content is already this version",
            ),
            J(
                408,
                "ErrorBody",
                "the archive did not arrive within TALLY_BODY_READ_TIMEOUT_SECONDS",
            ),
            J(
                413,
                "ErrorBody",
                "archive larger than TALLY_UPLOAD_MAX_ARCHIVE_BYTES",
            ),
            J(
                422,
                "ErrorBody",
                "bad name or Content-Type, or every problem of the archive by entry (and line of records.jsonl); nothing was written",
            ),
        ],
    },
    Operation {
        method: "post",
        path: "/api/v1/datasets/import",
        summary: "Import a folder under the data directory, or a Datadog dataset version, as a new version (or find the identical one)",
        access: ADMIN,
        query: &[],
        body: Some("ImportRequest"),
        answers: &[
            J(201, "ImportOutcome", "a new version"),
            J(
                200,
                "ImportOutcome",
                "identical content is already this version",
            ),
            J(400, "ErrorBody", "the body is not a JSON object"),
            J(
                404,
                "ErrorBody",
                "no such folder under the data directory, or no such Datadog dataset or version",
            ),
            J(
                422,
                "ErrorBody",
                "bad path or datadog fields, no Datadog keys on the server, or the records' problems by file (datadog for records read from Datadog) and line",
            ),
            J(
                502,
                "ErrorBody",
                "Datadog did not answer or refused (datadog_unavailable)",
            ),
        ],
    },
    Operation {
        method: "post",
        path: "/api/v1/datasets/{name}/datadog",
        summary: "Push a dataset version to Datadog as a new version of the Datadog dataset of the same name",
        access: ADMIN,
        query: &[],
        body: Some("DatadogPushRequest"),
        answers: &[
            J(
                200,
                "DatadogPush",
                "the Datadog dataset and version that hold the records",
            ),
            J(400, "ErrorBody", "the body is not a JSON object"),
            J(404, "ErrorBody", "no such dataset or version"),
            J(
                422,
                "ErrorBody",
                "bad version or project_name, or no Datadog keys on the server",
            ),
            J(
                502,
                "ErrorBody",
                "Datadog did not answer or refused (datadog_unavailable)",
            ),
        ],
    },
    Operation {
        method: "get",
        path: "/api/v1/schedules",
        summary: "Every schedule with its next fire times, latest runs and skipped slots",
        access: VIEWER,
        query: &[],
        body: None,
        answers: &[J(200, "ScheduleList", "every schedule, by name")],
    },
    Operation {
        method: "post",
        path: "/api/v1/schedules",
        summary: "Create a schedule (Location: its URL); from then on the API's version wins over the schedules file",
        access: ADMIN,
        query: &[],
        body: Some("Schedule"),
        answers: &[
            J(201, "ScheduleView", "created"),
            J(400, "ErrorBody", "the body is not a JSON object"),
            J(409, "ErrorBody", "a schedule with this name exists"),
            J(413, "ErrorBody", "body larger than TALLY_BODY_LIMIT_BYTES"),
            J(
                422,
                "ErrorBody",
                "invalid fields (cron, time_zone, request.…), all listed in details",
            ),
        ],
    },
    Operation {
        method: "get",
        path: "/api/v1/schedules/{name}",
        summary: "One schedule",
        access: VIEWER,
        query: &[],
        body: None,
        answers: &[
            J(200, "ScheduleView", "the schedule"),
            J(404, "ErrorBody", "no such schedule"),
        ],
    },
    Operation {
        method: "put",
        path: "/api/v1/schedules/{name}",
        summary: "Replace a schedule's whole definition; the body's name must be the path's. A changed cron or time_zone counts slots from now",
        access: ADMIN,
        query: &[],
        body: Some("Schedule"),
        answers: &[
            J(200, "ScheduleView", "replaced"),
            J(400, "ErrorBody", "the body is not a JSON object"),
            J(404, "ErrorBody", "no such schedule"),
            J(413, "ErrorBody", "body larger than TALLY_BODY_LIMIT_BYTES"),
            J(
                422,
                "ErrorBody",
                "invalid fields, or a name other than the path's",
            ),
        ],
    },
    Operation {
        method: "delete",
        path: "/api/v1/schedules/{name}",
        summary: "Delete a schedule; its runs stay, and the schedules file does not bring it back",
        access: ADMIN,
        query: &[],
        body: None,
        answers: &[E(204, "deleted"), J(404, "ErrorBody", "no such schedule")],
    },
    Operation {
        method: "post",
        path: "/api/v1/schedules/{name}/pause",
        summary: "Pause a schedule: no runs until resumed (repeatable)",
        access: ADMIN,
        query: &[],
        body: None,
        answers: &[
            J(200, "ScheduleView", "paused; next_fire_times is empty"),
            J(404, "ErrorBody", "no such schedule"),
        ],
    },
    Operation {
        method: "post",
        path: "/api/v1/schedules/{name}/resume",
        summary: "Resume a schedule: it fires again from now on; slots missed while paused are not caught up",
        access: ADMIN,
        query: &[],
        body: None,
        answers: &[
            J(200, "ScheduleView", "resumed"),
            J(404, "ErrorBody", "no such schedule"),
        ],
    },
    Operation {
        method: "get",
        path: "/api/v1/presets",
        summary: "The quick presets: named sets of model configurations (the run page and tally run --preset offer the same)",
        access: VIEWER,
        query: &[],
        body: None,
        answers: &[J(200, "PresetList", "every preset")],
    },
    Operation {
        method: "get",
        path: "/api/v1/experiments/health",
        summary: "The old service's health answer",
        access: OPEN,
        query: &[],
        body: None,
        answers: &[J(
            200,
            "ServiceHealth",
            "always 200; status says whether Redis answers",
        )],
    },
    Operation {
        method: "get",
        path: "/api/v1/whoami",
        summary: "The calling key's name and role (read, run or admin)",
        access: VIEWER,
        query: &[],
        body: None,
        answers: &[J(200, "WhoAmI", "the key's name and role")],
    },
    Operation {
        method: "get",
        path: "/healthz",
        summary: "The process is up",
        access: OPEN,
        query: &[],
        body: None,
        answers: &[J(200, "Probe", "ok")],
    },
    Operation {
        method: "get",
        path: "/readyz",
        summary: "Redis answers and accepts writes",
        access: OPEN,
        query: &[],
        body: None,
        answers: &[
            J(200, "Probe", "ready"),
            J(
                503,
                "ErrorBody",
                "Redis is unreachable (store_unreachable), out of memory (store_full), read-only (store_read_only) or loading (store_loading)",
            ),
        ],
    },
    Operation {
        method: "get",
        path: "/metrics",
        summary: "Prometheus metrics",
        access: OPEN,
        query: &[],
        body: None,
        answers: &[T(200, "text/plain", "the text exposition format")],
    },
    Operation {
        method: "post",
        path: LABELSET_UPLOAD_PATH,
        summary: "Create a label set from an archive of scanned pages (.tar.gz or .zip): one unlabelled record per unit",
        access: RUNNER,
        query: &[("name", "the label set's name (the dataset name rule)")],
        body: None,
        answers: &[
            J(201, "LabelSetView", "the label set"),
            J(409, "ErrorBody", "the name is taken"),
            J(
                413,
                "ErrorBody",
                "the archive is larger than TALLY_UPLOAD_MAX_ARCHIVE_BYTES",
            ),
            J(
                422,
                "ErrorBody",
                "bad name or Content-Type, a bad archive entry (named), or no images",
            ),
        ],
    },
    Operation {
        method: "get",
        path: LABELSET_UPLOAD_PATH,
        summary: "Every label set with its progress",
        access: VIEWER,
        query: &[],
        body: None,
        answers: &[J(200, "LabelSetList", "the label sets, by name")],
    },
    Operation {
        method: "get",
        path: "/api/v1/labelsets/{name}",
        summary: "A label set: its records and their states, labellers' progress, disagreements, publishes",
        access: VIEWER,
        query: &[],
        body: None,
        answers: &[
            J(200, "LabelSetView", "the label set"),
            J(404, "ErrorBody", "no such label set"),
        ],
    },
    Operation {
        method: "post",
        path: "/api/v1/labelsets/{name}/prefill",
        summary: "Pre-fill drafts: run one model configuration (as in model_configs[i]) over the records, as a normal run",
        access: RUNNER,
        query: &[],
        body: Some("ModelConfig"),
        answers: &[
            J(202, "PrefillAccepted", "the run is queued"),
            J(400, "ErrorBody", "the body is not a JSON object"),
            J(404, "ErrorBody", "no such label set"),
            J(422, "ErrorBody", "invalid fields of the configuration"),
        ],
    },
    Operation {
        method: "post",
        path: "/api/v1/labelsets/{name}/next",
        summary: "Lease the next record to label (the caller's current one first); second=true: records others labelled and the caller did not",
        access: RUNNER,
        query: &[(
            "second",
            "true: a second labelling of records labelled by someone else",
        )],
        body: None,
        answers: &[
            J(200, "LeaseGranted", "the record leased to the caller"),
            E(204, "no record to hand out"),
            J(404, "ErrorBody", "no such label set"),
            J(422, "ErrorBody", "second is not true or false"),
        ],
    },
    Operation {
        method: "get",
        path: "/api/v1/labelsets/{name}/records/{id}",
        summary: "A record to label: page URLs, the draft, every label (the audit trail), the lease and the check",
        access: VIEWER,
        query: &[],
        body: None,
        answers: &[
            J(200, "LabelRecordView", "the record"),
            J(404, "ErrorBody", "no such label set or record"),
        ],
    },
    Operation {
        method: "get",
        path: "/api/v1/labelsets/{name}/records/{id}/pages/{page}",
        summary: "Page n (from 1) of a label set's record: the image bytes",
        access: VIEWER,
        query: &[],
        body: None,
        answers: &[
            T(200, "image/png", "the page (image/png or image/jpeg)"),
            J(404, "ErrorBody", "no such label set, record or page"),
        ],
    },
    Operation {
        method: "post",
        path: "/api/v1/labelsets/{name}/records/{id}/check",
        summary: "The consistency rules over reports as typed: failures and warnings naming their fields, each number in Thai words",
        access: VIEWER,
        query: &[],
        body: Some("CheckRequest"),
        answers: &[
            J(200, "CheckView", "the check"),
            J(400, "ErrorBody", "the body is not JSON"),
            J(404, "ErrorBody", "no such label set or record"),
            J(
                422,
                "ErrorBody",
                "a report is malformed (the path is named)",
            ),
        ],
    },
    Operation {
        method: "post",
        path: "/api/v1/labelsets/{name}/records/{id}/label",
        summary: "Label a record: accept (with reports), skip or flag; accepting reports that fail a rule needs an override_reason",
        access: RUNNER,
        query: &[],
        body: Some("LabelRequest"),
        answers: &[
            J(200, "LabelRecordView", "the record with the label"),
            J(400, "ErrorBody", "the body is not a JSON object"),
            J(404, "ErrorBody", "no such label set or record"),
            J(
                409,
                "ErrorBody",
                "another labeller holds the record (named, with the lease's expiry)",
            ),
            J(
                422,
                "ErrorBody",
                "invalid fields, or rule_override_required with the failures",
            ),
        ],
    },
    Operation {
        method: "post",
        path: "/api/v1/labelsets/{name}/publish",
        summary: "Publish accepted records without disagreement as a version of a dataset (import rules: same content, same version)",
        access: ADMIN,
        query: &[],
        body: Some("PublishRequest"),
        answers: &[
            J(
                201,
                "PublishOutcome",
                "the version and the records left out",
            ),
            J(400, "ErrorBody", "the body is not JSON"),
            J(404, "ErrorBody", "no such label set"),
            J(422, "ErrorBody", "bad dataset name, or nothing accepted"),
        ],
    },
    Operation {
        method: "get",
        path: "/openapi.json",
        summary: "This document",
        access: OPEN,
        query: &[],
        body: None,
        answers: &[T(200, "application/json", "OpenAPI 3.1")],
    },
    Operation {
        method: "get",
        path: "/docs",
        summary: "A page that renders this document (no external assets)",
        access: OPEN,
        query: &[],
        body: None,
        answers: &[T(200, "text/html", "the page")],
    },
];

pub fn operation(op: &Operation) -> Value {
    let mut parameters: Vec<Value> = op
        .query
        .iter()
        .map(|(name, description)| {
            let required = *name == "ids"
                || ((op.path == UPLOAD_PATH || op.path == LABELSET_UPLOAD_PATH) && *name == "name");
            json!({"name": name, "in": "query", "required": required,
                   "description": description, "schema": {"type": "string"}})
        })
        .collect();
    for segment in op.path.split('/') {
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            parameters.push(
                json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}),
            );
        }
    }
    if op.method == "post" && op.path.ends_with("/run-async") {
        parameters.push(json!({"name": "Idempotency-Key", "in": "header", "required": false,
            "description": "a repeated submission with the same key (per API key, 24 h) returns the same run",
            "schema": {"type": "string", "maxLength": 255}}));
    }
    let mut responses = Map::new();
    let open = op.access == Access::Open;
    let common: &[Answer] = if open { &[] } else { &ERRORS_COMMON };
    for answer in op.answers.iter().chain(common) {
        let (status, content) = match answer {
            Answer::Json(status, schema, description) => (
                status,
                json!({"description": description,
                       "content": {"application/json": {"schema": schema_ref(schema)}}}),
            ),
            Answer::Text(status, media, description) => {
                // The document itself is JSON, but no schema of ours describes it.
                let kind = if *media == "application/json" {
                    "object"
                } else {
                    "string"
                };
                (
                    status,
                    json!({"description": description, "content": {*media: {"schema": {"type": kind}}}}),
                )
            }
            Answer::Empty(status, description) => (status, json!({"description": description})),
        };
        responses.entry(status.to_string()).or_insert(content);
    }
    let mut value = json!({"summary": op.summary, "description": op.access.describe(),
        "parameters": parameters, "responses": responses});
    if let Some(role) = op.access.role() {
        value["x-tally-role"] = json!(role.as_str());
    }
    if let Some(body) = op.body {
        value["requestBody"] = json!({"required": true,
            "content": {"application/json": {"schema": schema_ref(body)}}});
    }
    if op.method == "post" && op.path == UPLOAD_PATH {
        let archive =
            json!({"schema": {"type": "string", "contentMediaType": "application/octet-stream"}});
        value["requestBody"] = json!({"required": true,
            "description": "the archive; files at its root as in a dataset folder (records.jsonl, images)",
            "content": {"application/gzip": archive.clone(), "application/zip": archive}});
    }
    if op.method == "post" && op.path == LABELSET_UPLOAD_PATH {
        let archive =
            json!({"schema": {"type": "string", "contentMediaType": "application/octet-stream"}});
        value["requestBody"] = json!({"required": true,
            "description": "the scans: PNG/JPEG page images; each top-level folder is one record, or loose files grouped by the name before _N / -N",
            "content": {"application/gzip": archive.clone(), "application/zip": archive}});
    }
    value["security"] = if open {
        json!([])
    } else {
        json!([{"api_key": []}])
    };
    value
}
