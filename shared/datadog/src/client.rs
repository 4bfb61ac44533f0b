//! The calls tally makes, each one HTTP request with no retry of its own: the
//! export outbox decides when to try again (`DatadogError::is_retryable`).
//!
//! Paths are those ddtrace 4.16 calls (`/api/unstable/…` for creates and
//! experiments); events go in the public API's form (`type: events`, spans and
//! metrics in one body), so a batch is accepted or refused whole.

use std::time::Duration;

use reqwest::{Method, RequestBuilder};
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::DatadogError;
use crate::settings::Credentials;
use crate::site::Origin;

/// ddtrace's timeout for the experiments API.
const API_TIMEOUT: Duration = Duration::from_secs(10);

const UNSTABLE: &str = "/api/unstable/llm-obs/v1";
const PUBLIC: &str = "/api/v2/llm-obs/v1";

#[derive(Clone)]
pub struct DatadogClient {
    http: reqwest::Client,
    origin: Origin,
    credentials: Credentials,
}

/// A dataset as Datadog knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    pub id: String,
    pub current_version: i64,
}

/// One record inserted into a Datadog dataset; `id` is chosen by the caller, so a
/// repeated push names the same records.
#[derive(Debug, Clone, Serialize)]
pub struct NewRecord {
    pub id: String,
    pub input: Value,
    pub expected_output: Value,
    pub metadata: Value,
}

/// One record read from a Datadog dataset version.
#[derive(Debug, Clone, PartialEq)]
pub struct PulledRecord {
    pub id: String,
    pub input: Value,
    pub expected_output: Value,
    pub metadata: Value,
}

/// One page of a dataset version's records, and the cursor of the next (`None`
/// on the last page).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordsPage {
    pub records: Vec<PulledRecord>,
    pub next: Option<String>,
}

/// What `create_experiment` sends.
#[derive(Debug, Clone)]
pub struct NewExperiment<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub project_id: &'a str,
    pub dataset_id: &'a str,
    pub dataset_version: i64,
    pub config: Value,
    pub tags: Vec<String>,
}

impl DatadogClient {
    pub fn new(origin: Origin, credentials: Credentials) -> Result<Self, DatadogError> {
        let http = reqwest::Client::builder()
            .timeout(API_TIMEOUT)
            .build()
            .map_err(|e| DatadogError::Transport(e.to_string()))?;
        Ok(DatadogClient {
            http,
            origin,
            credentials,
        })
    }

    /// The project named `name`, created when missing (Datadog answers an existing
    /// name with the existing project).
    pub async fn project(&self, name: &str) -> Result<String, DatadogError> {
        let body = document("projects", None, json!({"name": name, "description": ""}));
        let answer = self
            .send(
                Method::POST,
                &format!("{UNSTABLE}/projects"),
                &body,
                "project create",
            )
            .await?;
        id_of(&answer, "project create")
    }

    /// The dataset `name` of a project, created when missing.
    pub async fn dataset(
        &self,
        project_id: &str,
        name: &str,
        description: &str,
    ) -> Result<Dataset, DatadogError> {
        let body = document(
            "datasets",
            None,
            json!({"name": name, "description": description}),
        );
        let path = format!("{UNSTABLE}/{project_id}/datasets");
        let answer = self
            .send(Method::POST, &path, &body, "dataset create")
            .await?;
        Ok(Dataset {
            id: id_of(&answer, "dataset create")?,
            current_version: answer["data"]["attributes"]["current_version"]
                .as_i64()
                .unwrap_or(0),
        })
    }

    /// Inserts `records` (at most 1000, as ddtrace batches) into a dataset; the
    /// first batch of a push opens a new version. Returns the dataset's version.
    pub async fn insert_records(
        &self,
        project_id: &str,
        dataset_id: &str,
        records: &[NewRecord],
        create_new_version: bool,
    ) -> Result<i64, DatadogError> {
        let body = document(
            "datasets",
            Some(dataset_id),
            json!({
                "insert_records": records,
                "update_records": [],
                "delete_records": [],
                "deduplicate": true,
                "create_new_version": create_new_version,
            }),
        );
        let path = format!("{PUBLIC}/{project_id}/datasets/{dataset_id}/batch_update");
        let answer = self
            .send(Method::POST, &path, &body, "dataset records insert")
            .await?;
        Ok(answer["data"][0]["attributes"]["version"]
            .as_i64()
            .unwrap_or(0))
    }

    /// The dataset named `name` in a project, without creating it.
    pub async fn find_dataset(
        &self,
        project_id: &str,
        name: &str,
    ) -> Result<Option<Dataset>, DatadogError> {
        let path = format!("{PUBLIC}/{project_id}/datasets");
        let answer = self
            .get(&path, &[("filter[name]", name)], "dataset lookup")
            .await?;
        let Some(found) = answer["data"].as_array().and_then(|d| d.first()) else {
            return Ok(None);
        };
        Ok(Some(Dataset {
            id: found["id"]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| DatadogError::Answer {
                    what: "dataset lookup",
                    detail: "no data[0].id".to_string(),
                })?,
            current_version: found["attributes"]["current_version"].as_i64().unwrap_or(0),
        }))
    }

    /// One page of the records of `version` of a dataset, from `cursor` (the first
    /// page when `None`).
    pub async fn records_page(
        &self,
        project_id: &str,
        dataset_id: &str,
        version: i64,
        cursor: Option<&str>,
    ) -> Result<RecordsPage, DatadogError> {
        let path = format!("{PUBLIC}/{project_id}/datasets/{dataset_id}/records");
        let version = version.to_string();
        let mut query = vec![("filter[version]", version.as_str())];
        if let Some(cursor) = cursor {
            query.push(("page[cursor]", cursor));
        }
        let answer = self.get(&path, &query, "dataset records").await?;
        let records = answer["data"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|item| {
                let attributes = &item["attributes"];
                Ok(PulledRecord {
                    id: item["id"].as_str().map(str::to_string).ok_or_else(|| {
                        DatadogError::Answer {
                            what: "dataset records",
                            detail: "a record without an id".to_string(),
                        }
                    })?,
                    input: attributes["input"].clone(),
                    expected_output: attributes["expected_output"].clone(),
                    metadata: attributes["metadata"].clone(),
                })
            })
            .collect::<Result<Vec<_>, DatadogError>>()?;
        let next = answer["meta"]["after"]
            .as_str()
            .filter(|after| !after.is_empty())
            .map(str::to_string);
        Ok(RecordsPage { records, next })
    }

    pub async fn create_experiment(
        &self,
        experiment: &NewExperiment<'_>,
    ) -> Result<String, DatadogError> {
        let body = document(
            "experiments",
            None,
            json!({
                "name": experiment.name,
                "description": experiment.description,
                "project_id": experiment.project_id,
                "dataset_id": experiment.dataset_id,
                "dataset_version": experiment.dataset_version,
                "config": experiment.config,
                "metadata": {"tags": experiment.tags},
                "ensure_unique": true,
                "run_count": 1,
            }),
        );
        let answer = self
            .send(
                Method::POST,
                &format!("{UNSTABLE}/experiments"),
                &body,
                "experiment create",
            )
            .await?;
        id_of(&answer, "experiment create")
    }

    /// `running`, `completed`, `failed` or `interrupted`, with the error if any.
    pub async fn set_status(
        &self,
        experiment_id: &str,
        status: &str,
        error: Option<&str>,
    ) -> Result<(), DatadogError> {
        let mut attributes = json!({"status": status});
        if let Some(error) = error {
            attributes["error"] = json!(error);
        }
        let body = document("experiments", Some(experiment_id), attributes);
        let path = format!("{UNSTABLE}/experiments/{experiment_id}");
        self.send(Method::PATCH, &path, &body, "experiment status")
            .await
            .map(drop)
    }

    /// Spans and metrics of one experiment in one body: kept or refused whole.
    pub async fn post_events(
        &self,
        experiment_id: &str,
        spans: &[Value],
        metrics: &[Value],
        tags: &[String],
    ) -> Result<(), DatadogError> {
        let body = document(
            "events",
            None,
            json!({"scope": "experiments", "spans": spans, "metrics": metrics, "tags": tags}),
        );
        let path = format!("{PUBLIC}/experiments/{experiment_id}/events");
        self.send(Method::POST, &path, &body, "experiment events")
            .await
            .map(drop)
    }

    /// Sends one JSON:API request with both keys; a 2xx answer's JSON (or `null`
    /// for an empty body) comes back.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: &Value,
        what: &'static str,
    ) -> Result<Value, DatadogError> {
        let request = self.authorized(self.http.request(method, self.origin.api(path)));
        read(request.json(body).send().await?, what).await
    }

    /// A GET with `query`, sent as ddtrace sends it (with a JSON content type).
    async fn get(
        &self,
        path: &str,
        query: &[(&str, &str)],
        what: &'static str,
    ) -> Result<Value, DatadogError> {
        let mut url = url::Url::parse(&self.origin.api(path)).map_err(|e| {
            DatadogError::Transport(format!("the Datadog origin makes no URL: {e}"))
        })?;
        url.query_pairs_mut().extend_pairs(query);
        let request = self
            .authorized(self.http.get(url))
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        read(request.send().await?, what).await
    }

    fn authorized(&self, request: RequestBuilder) -> RequestBuilder {
        request
            .header("DD-API-KEY", self.credentials.api_key.expose())
            .header("DD-APPLICATION-KEY", self.credentials.app_key.expose())
    }
}

/// A 2xx answer's JSON (`null` for an empty body), or the error Datadog gave.
async fn read(response: reqwest::Response, what: &'static str) -> Result<Value, DatadogError> {
    let status = response.status();
    let text = response.text().await?;
    if !status.is_success() {
        return Err(DatadogError::Status {
            status: status.as_u16(),
            what,
            detail: text.chars().take(500).collect(),
        });
    }
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text).map_err(|e| DatadogError::Answer {
        what,
        detail: format!("not JSON: {e}"),
    })
}

/// `{"data": {"type": T, ["id": id,] "attributes": {…}}}`.
fn document(kind: &str, id: Option<&str>, attributes: Value) -> Value {
    let mut data = json!({"type": kind, "attributes": attributes});
    if let Some(id) = id {
        data["id"] = json!(id);
    }
    json!({ "data": data })
}

fn id_of(answer: &Value, what: &'static str) -> Result<String, DatadogError> {
    answer["data"]["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| DatadogError::Answer {
            what,
            detail: "no data.id".to_string(),
        })
}
