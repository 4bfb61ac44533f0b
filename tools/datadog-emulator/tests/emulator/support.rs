//! Test helpers: an emulator on a free port, a client that sends Datadog's headers,
//! and builders for the bodies ddtrace sends.

use std::time::{SystemTime, UNIX_EPOCH};

use datadog_emulator::{EmulatorConfig, RunningEmulator};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

pub const API_KEY: &str = "test-api-key";
pub const APP_KEY: &str = "test-app-key";

/// Test keys, and pages of two records so pagination is exercised.
pub fn test_config() -> EmulatorConfig {
    EmulatorConfig {
        api_keys: vec![API_KEY.to_string()],
        app_keys: vec![APP_KEY.to_string()],
        page_size: 2,
        ..EmulatorConfig::default()
    }
}

pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The first error's detail (LLM Observability's error shape).
    pub fn detail(&self) -> &str {
        self.body["errors"][0]["detail"]
            .as_str()
            .unwrap_or_default()
    }
}

pub struct Client {
    pub http: reqwest::Client,
    pub emulator: RunningEmulator,
}

impl Client {
    pub async fn start() -> Client {
        Client::start_with(test_config()).await
    }

    pub async fn start_with(config: EmulatorConfig) -> Client {
        Client {
            http: reqwest::Client::new(),
            emulator: datadog_emulator::spawn(config)
                .await
                .expect("emulator starts"),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emulator.base_url())
    }

    /// A request with both keys and a JSON content type, as ddtrace sends it.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.keyed(method, path)
            .header("Content-Type", "application/json")
    }

    /// A request with both keys and no content type.
    pub fn keyed(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header("DD-API-KEY", API_KEY)
            .header("DD-APPLICATION-KEY", APP_KEY)
    }

    pub async fn send(&self, builder: reqwest::RequestBuilder) -> Reply {
        let response = builder.send().await.expect("request is answered");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body is read");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.request(Method::GET, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(self.request(Method::POST, path).body(body.to_string()))
            .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(self.request(Method::PATCH, path).body(body.to_string()))
            .await
    }

    /// GET on `/_emulator/*`, which must succeed.
    pub async fn inspect(&self, path: &str) -> Value {
        let reply = self.send(self.http.get(self.url(path))).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        reply.body
    }

    /// POST or PATCH on `/_emulator/*`, which must succeed.
    pub async fn control(&self, method: Method, path: &str, body: Value) -> Value {
        let builder = self
            .http
            .request(method, self.url(path))
            .header("Content-Type", "application/json")
            .body(body.to_string());
        let reply = self.send(builder).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        reply.body
    }

    pub async fn project(&self, name: &str) -> String {
        let reply = self
            .post(
                "/api/unstable/llm-obs/v1/projects",
                document("projects", json!({"name": name, "description": ""})),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        id_of(&reply)
    }

    /// A dataset in `project` holding `records` (ddtrace's insert form) as version 1.
    pub async fn dataset(&self, project: &str, name: &str, records: Vec<Value>) -> String {
        let reply = self
            .post(
                &format!("/api/unstable/llm-obs/v1/{project}/datasets"),
                document("datasets", json!({"name": name, "description": "d"})),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let dataset = id_of(&reply);
        if !records.is_empty() {
            let reply = self
                .post(
                    &format!("/api/v2/llm-obs/v1/{project}/datasets/{dataset}/batch_update"),
                    batch_update(&dataset, records, true),
                )
                .await;
            assert_eq!(reply.status, 200, "{}", reply.body);
        }
        dataset
    }

    /// An experiment on version 1 of `dataset`, as ddtrace creates it.
    pub async fn experiment(&self, project: &str, dataset: &str, name: &str) -> String {
        let reply = self
            .post(
                "/api/unstable/llm-obs/v1/experiments",
                experiment_body(project, dataset, name),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        id_of(&reply)
    }
}

pub fn id_of(reply: &Reply) -> String {
    reply.body["data"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no data.id in {}", reply.body))
        .to_string()
}

/// `{"data": {"type": kind, "attributes": attributes}}`.
pub fn document(kind: &str, attributes: Value) -> Value {
    json!({"data": {"type": kind, "attributes": attributes}})
}

/// A record as ddtrace inserts it.
pub fn record(id: &str, question: &str, tags: &[&str]) -> Value {
    json!({"input": {"question": question}, "expected_output": format!("answer to {question}"),
           "metadata": {"source": "test"}, "id": id, "tags": tags})
}

pub fn batch_update(dataset: &str, inserts: Vec<Value>, create_new_version: bool) -> Value {
    json!({"data": {"type": "datasets", "id": dataset, "attributes": {
        "insert_records": inserts, "update_records": [], "delete_records": [],
        "deduplicate": true, "create_new_version": create_new_version}}})
}

pub fn experiment_body(project: &str, dataset: &str, name: &str) -> Value {
    document(
        "experiments",
        json!({"name": name, "description": "", "dataset_id": dataset, "project_id": project,
               "dataset_version": 1, "config": {"model": "m"}, "metadata": {"tags": ["suite:x"]},
               "ensure_unique": true, "run_count": 1}),
    )
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

pub const HOUR_MS: i64 = 3_600_000;

/// An experiment metric as ddtrace posts it.
pub fn metric(span_id: &str, label: &str, timestamp_ms: i64) -> Value {
    json!({"metric_source": "custom", "span_id": span_id, "trace_id": "6b0dee16000000001",
           "timestamp_ms": timestamp_ms, "metric_type": "boolean", "label": label,
           "boolean_value": true, "error": null, "tags": [], "status": "OK"})
}

pub fn events(metrics: Vec<Value>) -> Value {
    document(
        "experiments",
        json!({"scope": "experiments", "metrics": metrics, "tags": ["run_iteration:1"]}),
    )
}

/// A span intake body with one experiment span for `record_id`.
pub fn span_event(span_id: &str, experiment: &str, record_id: &str, start_ms: i64) -> Value {
    json!([{"_dd.stage": "raw", "_dd.tracer_version": "4.16.0", "event_type": "span",
            "_dd.scope": "experiments", "spans": [{
        "span_id": span_id, "trace_id": "6b0dee16000000001", "parent_id": "undefined",
        "name": "task", "start_ns": start_ms * 1_000_000, "duration": 1_000, "status": "ok",
        "meta": {"span": {"kind": "experiment"}, "input": {"question": "q"}, "output": "a",
                 "expected_output": "a", "metadata": {}},
        "metrics": {}, "tags": [format!("experiment_id:{experiment}"),
                                format!("dataset_record_id:{record_id}")],
        "_dd": {"scope": "experiments", "span_id": span_id}}]}])
}

/// POST to the span intake with the API key only.
pub async fn post_spans(client: &Client, body: Value) -> Reply {
    let builder = client
        .http
        .post(client.url("/api/v2/llmobs"))
        .header("DD-API-KEY", API_KEY)
        .header("Content-Type", "application/json")
        .body(body.to_string());
    client.send(builder).await
}

/// POST to the evaluation intake with the API key only.
pub async fn post_eval_metrics(client: &Client, metrics: Vec<Value>) -> Reply {
    let builder = client
        .http
        .post(client.url("/api/intake/llm-obs/v2/eval-metric"))
        .header("DD-API-KEY", API_KEY)
        .header("Content-Type", "application/json")
        .body(document("evaluation_metric", json!({ "metrics": metrics })).to_string());
    client.send(builder).await
}

pub fn eval_metric(timestamp_ms: i64) -> Value {
    json!({"join_on": {"span": {"span_id": "12345678901", "trace_id": "98765432101"}},
           "metric_type": "categorical", "categorical_value": "very", "label": "toxicity",
           "ml_app": "app", "timestamp_ms": timestamp_ms})
}
