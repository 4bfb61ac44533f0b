//! The OpenAPI 3.1 document served at `/openapi.json`.
//!
//! Written here rather than derived: the contract types live in `tally` (shared),
//! which stays free of web-framework dependencies. It cannot drift silently: the
//! integration tests check every documented response schema against what the
//! running API answers (every key documented, every required key present, nested
//! objects included), and every documented route against the router.

use serde_json::{Map, Value, json};

fn string() -> Value {
    json!({"type": "string"})
}
fn integer() -> Value {
    json!({"type": "integer", "minimum": 0})
}
fn number() -> Value {
    json!({"type": "number"})
}
fn boolean() -> Value {
    json!({"type": "boolean"})
}
fn time() -> Value {
    json!({"type": "string", "format": "date-time"})
}
fn nullable(schema: Value) -> Value {
    json!({"anyOf": [schema, {"type": "null"}]})
}
fn array(items: Value) -> Value {
    json!({"type": "array", "items": items})
}
fn map_of(values: Value) -> Value {
    json!({"type": "object", "additionalProperties": values})
}
fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}
fn enumeration(values: &[&str]) -> Value {
    json!({"type": "string", "enum": values})
}
fn described(mut schema: Value, description: &str) -> Value {
    schema["description"] = Value::from(description);
    schema
}

/// An object schema; fields marked `?` after the name are optional (may be absent).
fn object(fields: &[(&str, Value)]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for (name, schema) in fields {
        match name.strip_suffix('?') {
            Some(optional) => {
                properties.insert(optional.to_string(), schema.clone());
            }
            None => {
                properties.insert(name.to_string(), schema.clone());
                required.push(Value::from(*name));
            }
        }
    }
    json!({"type": "object", "properties": properties, "required": required})
}

fn schemas() -> Value {
    let run_status = enumeration(&[
        "queued",
        "running",
        "succeeded",
        "partial",
        "failed",
        "cancelled",
    ]);
    let phase = enumeration(&["pending", "running", "success", "failed", "cancelled"]);
    json!({
        "ErrorBody": object(&[("error", object(&[
            ("code", described(string(), "stable: malformed_body, unauthorized, not_found, method_not_allowed, conflict, payload_too_large, invalid_request, invalid_dataset, rate_limited, unavailable, internal")),
            ("message", string()),
            ("details", array(object(&[("field", string()), ("message", string())]))),
        ]))]),
        "ExperimentRequest": object(&[
            ("ml_app?", described(string(), "default vote-extractor")),
            ("api_key?", described(nullable(string()), "a Datadog API key; never stored, logged or echoed")),
            ("site?", enumeration(&["datadoghq.com", "datadoghq.eu", "us3.datadoghq.com", "us5.datadoghq.com", "ap1.datadoghq.com", "ddog-gov.com"])),
            ("agentless_enabled?", boolean()),
            ("project_name?", string()),
            ("dataset_name", described(string(), "must exist (404 otherwise)")),
            ("dataset_version?", described(nullable(integer()), "null = latest; the run pins the version it used")),
            ("model_configs", array(schema_ref("ModelConfig"))),
            ("sample_size?", described(nullable(integer()), "null = every record; else the first N")),
            ("jobs?", described(integer(), "default 2; most model calls in flight per experiment")),
            ("raise_errors?", described(boolean(), "default true")),
            ("cache?", described(nullable(enumeration(&["off", "read_write", "read", "refresh"])), "response cache; default read_write at temperature 0, else off")),
        ]),
        "ModelConfig": object(&[
            ("model", string()),
            ("temperature", json!({"type": "number", "minimum": 0.0, "maximum": 2.0})),
            ("name_suffix?", nullable(string())),
            ("metadata?", json!({"type": "object"})),
            ("thinking_budget?", described(nullable(json!({"type": "integer"})), "-1 = dynamic, 0 = off")),
            ("max_output_tokens?", described(integer(), "default 16384")),
            ("top_p?", nullable(number())),
            ("top_k?", nullable(integer())),
            ("seed?", nullable(json!({"type": "integer"}))),
            ("cache?", described(nullable(enumeration(&["off", "read_write", "read", "refresh"])), "overrides the request's cache")),
        ]),
        "ExperimentResponse": object(&[
            ("status", enumeration(&["success", "partial", "failed"])),
            ("message", string()),
            ("total_experiments", integer()),
            ("successful_experiments", integer()),
            ("failed_experiments", integer()),
            ("experiments", array(schema_ref("ExperimentSummary"))),
            ("dataset_name", string()),
            ("dataset_size", integer()),
            ("project_name", string()),
            ("comparison_url", nullable(string())),
            ("dataset_id", nullable(string())),
            ("datadog_comparison_url?", nullable(string())),
        ]),
        "ExperimentSummary": object(&[
            ("experiment_id", string()),
            ("experiment_name", string()),
            ("experiment_url", string()),
            ("model", string()),
            ("temperature", number()),
            ("status", enumeration(&["success", "failed", "cancelled"])),
            ("total_records", integer()),
            ("successful_records", integer()),
            ("failed_records", integer()),
            ("overall_accuracy", number()),
            ("success_rate", number()),
            ("avg_ballot_accuracy", number()),
            ("avg_vote_results_quality?", nullable(number())),
            ("exact_form_match_rate?", nullable(number())),
            ("consistency_pass_rates?", map_of(number())),
            ("latency_ms?", nullable(object(&[("p50", number()), ("p95", number())]))),
            ("tokens?", schema_ref("TokenUsage")),
            ("cost_usd?", nullable(number())),
            ("retries?", integer()),
            ("cache_hits?", described(integer(), "records answered from the response cache")),
            ("cache_saved_usd?", number()),
            ("errors_by_kind?", map_of(integer())),
            ("emulated?", boolean()),
            ("error?", nullable(string())),
            ("datadog_experiment_url?", nullable(string())),
        ]),
        "TokenUsage": object(&[("prompt", integer()), ("output", integer()), ("thinking", integer())]),
        "RunAccepted": object(&[
            ("status", enumeration(&["accepted"])),
            ("message", string()),
            ("task_id", described(string(), "equals run_id")),
            ("run_id", string()),
            ("status_url", string()),
        ]),
        "Progress": object(&[
            ("total", integer()),
            ("done", integer()),
            ("failed", integer()),
            ("retries", integer()),
            ("rate_limited", integer()),
            ("percent", number()),
        ]),
        "DatasetPin": object(&[
            ("name", string()),
            ("version", integer()),
            ("size", integer()),
            ("content_hash", string()),
        ]),
        "ExperimentBrief": object(&[
            ("experiment_id", string()),
            ("experiment_name", string()),
            ("model", string()),
            ("temperature", number()),
            ("status", phase.clone()),
            ("progress", schema_ref("Progress")),
            ("error", nullable(string())),
            ("experiment_url", string()),
            ("detail_url", string()),
        ]),
        "RunStatus": object(&[
            ("run_id", string()),
            ("status", run_status.clone()),
            ("progress", schema_ref("Progress")),
            ("experiments", array(schema_ref("ExperimentBrief"))),
            ("result", described(nullable(schema_ref("ExperimentResponse")), "set once the run is final")),
            ("cancel_requested", boolean()),
            ("dataset", schema_ref("DatasetPin")),
            ("submitter", object(&[("api_key_name", nullable(string())), ("schedule", nullable(string()))])),
            ("created_at", time()),
            ("started_at", nullable(time())),
            ("finished_at", nullable(time())),
            ("status_url", string()),
            ("run_url", string()),
            ("retry_of", described(nullable(schema_ref("RunLink")), "on a retry: the chain's first run")),
            ("retries", described(array(schema_ref("RunLink")), "on a first run: its retries, oldest first")),
            ("combined_result", described(nullable(schema_ref("ExperimentResponse")),
                "once every run of a chain with retries is final: the result over the whole chain, each record counted once, its latest attempt winning")),
        ]),
        "RunLink": object(&[
            ("run_id", string()),
            ("status", described(nullable(run_status.clone()), "null once the run's retention has ended")),
            ("status_url", string()),
            ("run_url", string()),
        ]),
        "RetryAccepted": object(&[
            ("status", enumeration(&["accepted"])),
            ("message", string()),
            ("task_id", string()),
            ("run_id", string()),
            ("retry_of", string()),
            ("records", described(array(integer()), "records the retry executes, per experiment in request order")),
            ("status_url", string()),
            ("run_url", string()),
        ]),
        "RunList": object(&[
            ("runs", array(object(&[
                ("run_id", string()),
                ("status", run_status.clone()),
                ("progress", schema_ref("Progress")),
                ("dataset_name", string()),
                ("dataset_version", integer()),
                ("experiments", integer()),
                ("api_key_name", nullable(string())),
                ("schedule", nullable(string())),
                ("created_at", time()),
                ("finished_at", nullable(time())),
                ("status_url", string()),
                ("retry_of", nullable(string())),
            ]))),
            ("offset", integer()),
            ("limit", integer()),
            ("next_offset", nullable(integer())),
        ]),
        "CancelAnswer": object(&[
            ("run_id", string()),
            ("status", run_status.clone()),
            ("cancel_requested", boolean()),
            ("message", string()),
            ("status_url", string()),
        ]),
        "ExperimentDetail": object(&[
            ("experiment_id", string()),
            ("run_id", string()),
            ("experiment_name", string()),
            ("index", integer()),
            ("config", schema_ref("ModelConfig")),
            ("dataset", schema_ref("DatasetPin")),
            ("status", phase.clone()),
            ("progress", schema_ref("Progress")),
            ("error", nullable(string())),
            ("summary", nullable(schema_ref("ExperimentSummary"))),
            ("started_at", nullable(time())),
            ("finished_at", nullable(time())),
            ("experiment_url", string()),
            ("results_url", string()),
            ("run_status_url", string()),
        ]),
        "RecordResult": object(&[
            ("record_id", string()),
            ("status", enumeration(&["succeeded", "failed"])),
            ("output?", described(array(json!({"type": "object"})), "the reports the model returned")),
            ("evaluations", described(map_of(json!({})), "evaluator name → true/false, a score in [0, 1], a category, or null")),
            ("error?", object(&[("kind", string()), ("message", string())])),
            ("latency_ms", integer()),
            ("tokens?", schema_ref("TokenUsage")),
            ("cost_usd?", number()),
            ("attempts", integer()),
            ("rate_limited?", integer()),
            ("model_version?", string()),
            ("finish_reason?", string()),
            ("emulated?", boolean()),
            ("cached?", described(boolean(), "answered from the response cache: no call, cost 0")),
            ("cached_cost_usd?", described(number(), "what the cached answer's original call cost")),
            ("worker?", described(string(), "the worker that wrote the result")),
            ("finished_at", time()),
        ]),
        "ResultsPage": object(&[
            ("experiment_id", string()),
            ("total", integer()),
            ("offset", integer()),
            ("limit", integer()),
            ("next_offset", nullable(integer())),
            ("results", array(schema_ref("RecordResult"))),
        ]),
        "Comparison": object(&[
            ("experiments", array(object(&[
                ("experiment_id", string()),
                ("run_id", string()),
                ("experiment_name", string()),
                ("model", string()),
                ("temperature", number()),
                ("status", phase),
                ("progress", schema_ref("Progress")),
                ("summary", nullable(schema_ref("ExperimentSummary"))),
                ("detail_url", string()),
            ]))),
            ("shared_records", integer()),
            ("differences_total", integer()),
            ("differences", array(object(&[
                ("record_id", string()),
                ("answers", array(object(&[
                    ("experiment_id", string()),
                    ("status", enumeration(&["succeeded", "failed", "missing"])),
                    ("overall_accuracy", nullable(number())),
                    ("error_kind", nullable(string())),
                ]))),
                ("differing_fields", array(string())),
            ]))),
            ("pairs", array(object(&[
                ("a", string()),
                ("b", string()),
                ("shared_records", integer()),
                ("accuracy_a", nullable(number())),
                ("accuracy_b", nullable(number())),
                ("difference", described(nullable(number()), "accuracy_a - accuracy_b")),
                ("ci95", nullable(object(&[("low", number()), ("high", number())]))),
                ("significant", described(boolean(), "the interval excludes 0")),
                ("verdict", string()),
                ("resamples", integer()),
                ("seed", integer()),
            ]))),
            ("method", string()),
        ]),
        "DatasetList": object(&[("datasets", array(object(&[
            ("name", string()),
            ("latest_version", integer()),
            ("versions", integer()),
            ("size", integer()),
            ("content_hash", string()),
            ("created_at", time()),
        ])))]),
        "DatasetVersions": object(&[
            ("name", string()),
            ("versions", array(object(&[
                ("name", string()),
                ("version", integer()),
                ("size", integer()),
                ("content_hash", string()),
                ("created_at", time()),
                ("source", string()),
            ]))),
        ]),
        "DatasetRecord": object(&[
            ("dataset_name", string()),
            ("dataset_version", integer()),
            ("id", string()),
            ("input", object(&[
                ("form_set_name", string()),
                ("image_paths", described(array(string()), "relative to the data directory, or gs:// / https:// URIs")),
                ("num_pages", integer()),
            ])),
            ("expected_output", described(array(json!({"type": "object"})), "the reports the record should yield")),
            ("metadata", map_of(json!({}))),
            ("page_urls", described(array(string()), "one per image path: GET it with the key for the image bytes")),
        ]),
        "ImportRequest": object(&[("path", described(string(), "a folder under TALLY_DATA_DIR"))]),
        "ImportOutcome": object(&[
            ("name", string()),
            ("version", integer()),
            ("size", integer()),
            ("content_hash", string()),
        ]),
        "ServiceHealth": object(&[
            ("status", enumeration(&["healthy", "degraded"])),
            ("service", enumeration(&["experiments"])),
            ("datadog_configured", boolean()),
            ("api_key_configured", boolean()),
            ("redis", enumeration(&["ok", "unreachable"])),
            ("version", string()),
        ]),
        "Probe": object(&[("status", string())]),
        "Schedule": object(&[
            ("name", described(string(), "ASCII letters, digits, - . _; starts with a letter or digit; at most 128 characters; unique")),
            ("cron", described(string(), "a standard 5-field crontab line, read in time_zone; 1 = Monday, 0 and 7 = Sunday; a seconds field is refused")),
            ("time_zone?", described(string(), "an IANA name; default UTC")),
            ("paused?", described(boolean(), "default false; a paused schedule creates no runs")),
            ("request", described(schema_ref("ExperimentRequest"), "submitted at every fire time; dataset_version may also be \"latest\"; api_key is refused")),
            ("alerts?", object(&[
                ("accuracy_drop?", described(number(), "0.0-1.0, default 0.05: the largest tolerated fall of overall_accuracy")),
                ("success_rate_drop?", described(number(), "0.0-1.0, default 0.10")),
                ("webhook_url?", described(nullable(string()), "http(s); alerts are POSTed here. Shown redacted (scheme://host/…); sending the redacted form back keeps the stored URL")),
            ])),
        ]),
        "ScheduleView": object(&[
            ("name", string()),
            ("cron", string()),
            ("time_zone", string()),
            ("paused", boolean()),
            ("request", schema_ref("ExperimentRequest")),
            ("alerts", object(&[
                ("accuracy_drop", number()),
                ("success_rate_drop", number()),
                ("webhook_url", described(nullable(string()), "redacted: scheme://host/…")),
            ])),
            ("origin", described(enumeration(&["file", "api"]), "file while only the schedules file wrote it; api after any API write (the file then leaves it alone)")),
            ("created_at", time()),
            ("updated_at", time()),
            ("last_slot", described(nullable(time()), "the latest fire time handled (run, failed or skipped)")),
            ("next_fire_times", described(array(time()), "the next 5, UTC; empty while paused")),
            ("last_runs", described(array(object(&[
                ("run_id", string()),
                ("status", run_status.clone()),
                ("created_at", time()),
                ("finished_at", nullable(time())),
                ("status_url", string()),
                ("experiments", described(
                    map_of(object(&[("overall_accuracy", number()), ("success_rate", number())])),
                    "experiment name → its scores, once the run is final (empty before)",
                )),
            ])), "the schedule's latest 10 runs, newest first")),
            ("skipped_slots", described(array(object(&[
                ("first", time()),
                ("last", time()),
                ("count", integer()),
                ("recorded_at", time()),
            ])), "slots never run (missed beyond the catch-up window), newest record first; at most 10")),
        ]),
        "ScheduleList": object(&[("schedules", array(schema_ref("ScheduleView")))]),
        "PresetList": object(&[("presets", array(object(&[
            ("id", described(string(), "what the CLI takes: tally run --preset <id>")),
            ("title", string()),
            ("description", string()),
            ("model_configs", array(schema_ref("ModelConfig"))),
            ("sample_size", described(nullable(integer()), "null = the whole dataset")),
        ])))]),
    })
}

/// One documented answer: a status and its schema (or plain text, or no body).
enum Answer {
    Json(u16, &'static str, &'static str),
    Text(u16, &'static str, &'static str),
    Empty(u16, &'static str),
}

struct Operation {
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    open: bool,
    query: &'static [(&'static str, &'static str)],
    body: Option<&'static str>,
    answers: &'static [Answer],
}

const ERRORS_COMMON: [Answer; 2] = [
    Answer::Json(401, "ErrorBody", "missing or wrong X-API-Key"),
    Answer::Json(503, "ErrorBody", "Redis is unreachable"),
];

use Answer::{Empty as E, Json as J, Text as T};

/// Every route of the API. The integration tests call each one.
const OPERATIONS: &[Operation] = &[
    Operation {
        method: "post",
        path: "/api/v1/experiments/run",
        summary: "Submit a run and wait for it: 200 with the response when it ends within min(wait_seconds, server maximum), else 202; the run goes on either way",
        open: false,
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
        open: false,
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
        open: false,
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
        open: false,
        query: &[],
        body: None,
        answers: &[
            J(200, "RunStatus", "the run"),
            J(404, "ErrorBody", "no such run"),
        ],
    },
    Operation {
        method: "post",
        path: "/api/v1/experiments/runs/{id}/cancel",
        summary: "Cancel a run: records in flight finish, no new record starts",
        open: false,
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
        open: false,
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
        open: false,
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
        open: false,
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
        open: false,
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
        open: false,
        query: &[],
        body: None,
        answers: &[J(200, "DatasetList", "every dataset")],
    },
    Operation {
        method: "get",
        path: "/api/v1/datasets/{name}",
        summary: "One dataset's versions, oldest first",
        open: false,
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
        open: false,
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
        open: false,
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
        path: "/api/v1/datasets/import",
        summary: "Import a folder under the data directory as a new version (or find the identical one)",
        open: false,
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
            J(404, "ErrorBody", "no such folder under the data directory"),
            J(
                422,
                "ErrorBody",
                "bad path, or the folder's problems by file and line",
            ),
        ],
    },
    Operation {
        method: "get",
        path: "/api/v1/schedules",
        summary: "Every schedule with its next fire times, latest runs and skipped slots",
        open: false,
        query: &[],
        body: None,
        answers: &[J(200, "ScheduleList", "every schedule, by name")],
    },
    Operation {
        method: "post",
        path: "/api/v1/schedules",
        summary: "Create a schedule (Location: its URL); from then on the API's version wins over the schedules file",
        open: false,
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
        open: false,
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
        open: false,
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
        open: false,
        query: &[],
        body: None,
        answers: &[E(204, "deleted"), J(404, "ErrorBody", "no such schedule")],
    },
    Operation {
        method: "post",
        path: "/api/v1/schedules/{name}/pause",
        summary: "Pause a schedule: no runs until resumed (repeatable)",
        open: false,
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
        open: false,
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
        open: false,
        query: &[],
        body: None,
        answers: &[J(200, "PresetList", "every preset")],
    },
    Operation {
        method: "get",
        path: "/api/v1/experiments/health",
        summary: "The old service's health answer",
        open: true,
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
        path: "/healthz",
        summary: "The process is up",
        open: true,
        query: &[],
        body: None,
        answers: &[J(200, "Probe", "ok")],
    },
    Operation {
        method: "get",
        path: "/readyz",
        summary: "Redis answers",
        open: true,
        query: &[],
        body: None,
        answers: &[
            J(200, "Probe", "ready"),
            J(503, "ErrorBody", "Redis is unreachable"),
        ],
    },
    Operation {
        method: "get",
        path: "/metrics",
        summary: "Prometheus metrics",
        open: true,
        query: &[],
        body: None,
        answers: &[T(200, "text/plain", "the text exposition format")],
    },
    Operation {
        method: "get",
        path: "/openapi.json",
        summary: "This document",
        open: true,
        query: &[],
        body: None,
        answers: &[T(200, "application/json", "OpenAPI 3.1")],
    },
    Operation {
        method: "get",
        path: "/docs",
        summary: "A page that renders this document (no external assets)",
        open: true,
        query: &[],
        body: None,
        answers: &[T(200, "text/html", "the page")],
    },
];

/// The `(method, path)` of every documented route.
pub fn routes() -> Vec<(&'static str, &'static str)> {
    OPERATIONS.iter().map(|op| (op.method, op.path)).collect()
}

fn operation(op: &Operation) -> Value {
    let mut parameters: Vec<Value> = op
        .query
        .iter()
        .map(|(name, description)| {
            json!({"name": name, "in": "query", "required": *name == "ids",
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
    let common: &[Answer] = if op.open { &[] } else { &ERRORS_COMMON };
    for answer in op.answers.iter().chain(common) {
        let (status, content) = match answer {
            Answer::Json(status, schema, description) => (
                status,
                json!({"description": description,
                       "content": {"application/json": {"schema": schema_ref(schema)}}}),
            ),
            Answer::Text(status, media, description) => (
                status,
                json!({"description": description, "content": {*media: {"schema": {"type": "string"}}}}),
            ),
            Answer::Empty(status, description) => (status, json!({"description": description})),
        };
        responses.entry(status.to_string()).or_insert(content);
    }
    let mut value =
        json!({"summary": op.summary, "parameters": parameters, "responses": responses});
    if let Some(body) = op.body {
        value["requestBody"] = json!({"required": true,
            "content": {"application/json": {"schema": schema_ref(body)}}});
    }
    value["security"] = if op.open {
        json!([])
    } else {
        json!([{"api_key": []}])
    };
    value
}

/// The whole document; `server` is the public base URL.
pub fn document(server: &str) -> Value {
    let mut paths = Map::new();
    for op in OPERATIONS {
        let entry = paths
            .entry(op.path.to_string())
            .or_insert_with(|| json!({}));
        entry[op.method] = operation(op);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "tally API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Runs model experiments on datasets of election count forms. \
    Every error is {\"error\": {\"code\", \"message\", \"details\"}}."
        },
        "servers": [{"url": server}],
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {"api_key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
        },
        "security": [{"api_key": []}]
    })
}
