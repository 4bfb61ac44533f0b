//! Experiments: a run is created on a dataset version, moves through its statuses,
//! is listed with filters and pages, and its events put every span together with
//! its evaluation metrics whatever the order they arrived in.

use serde_json::json;

use crate::support::*;

struct Setup {
    client: Client,
    project: String,
    dataset: String,
}

async fn setup() -> Setup {
    let client = Client::start().await;
    let project = client.project("p").await;
    let dataset = client
        .dataset(
            &project,
            "d",
            vec![record("r1", "q1", &[]), record("r2", "q2", &[])],
        )
        .await;
    Setup {
        client,
        project,
        dataset,
    }
}

#[tokio::test]
async fn a_run_is_created_updated_and_found() {
    let Setup {
        client,
        project,
        dataset,
    } = setup().await;
    let created = client
        .post(
            "/api/unstable/llm-obs/v1/experiments",
            experiment_body(&project, &dataset, "exp"),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let attributes = &created.body["data"]["attributes"];
    let run_name = attributes["name"].as_str().unwrap();
    assert!(
        run_name.starts_with("exp-"),
        "run names are unique: {run_name}"
    );
    assert_eq!(attributes["experiment"], "exp");
    assert_eq!(attributes["dataset_version"], 1);
    assert_eq!(attributes["status"], json!(null));
    let id = id_of(&created);
    let path = format!("/api/unstable/llm-obs/v1/experiments/{id}");
    for status in ["running", "completed"] {
        let reply = client
            .patch(&path, document("experiments", json!({"status": status})))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let bad = client
        .patch(
            &path,
            document("experiments", json!({"status": "finished"})),
        )
        .await;
    assert_eq!(bad.status, 400);
    let found = client
        .get(&format!("/api/v2/llm-obs/v1/experiments?filter[id]={id}"))
        .await;
    let attributes = &found.body["data"][0]["attributes"];
    assert_eq!(attributes["status"], "completed");
    assert_eq!(attributes["project_id"], project.as_str());
    assert_eq!(attributes["metadata"]["tags"], json!(["suite:x"]));
    assert_eq!(attributes["description"], "");
    let missing = client
        .patch(
            "/api/unstable/llm-obs/v1/experiments/nope",
            document("experiments", json!({"status": "running"})),
        )
        .await;
    assert_eq!(missing.status, 404);
    let mut wrong_version = experiment_body(&project, &dataset, "exp");
    wrong_version["data"]["attributes"]["dataset_version"] = json!(9);
    let refused = client
        .post("/api/unstable/llm-obs/v1/experiments", wrong_version)
        .await;
    assert_eq!(refused.status, 400);
}

#[tokio::test]
async fn experiments_are_listed_newest_first_in_pages() {
    let Setup {
        client,
        project,
        dataset,
    } = setup().await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(client.experiment(&project, &dataset, "same").await);
    }
    client.experiment(&project, &dataset, "other").await;
    let mut seen = Vec::new();
    let mut url =
        "/api/v2/llm-obs/v1/experiments?page[limit]=1&filter[experiment]=same".to_string();
    loop {
        let reply = client.get(&url).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        seen.extend(
            reply.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap().to_string()),
        );
        let after = reply.body["meta"]["after"].as_str().unwrap();
        if after.is_empty() {
            break;
        }
        url = format!(
            "/api/v2/llm-obs/v1/experiments?page[limit]=1&filter[experiment]=same&page[cursor]={after}"
        );
    }
    ids.reverse();
    assert_eq!(seen, ids);
    let tagged = client
        .get("/api/v2/llm-obs/v1/experiments?page[limit]=10&filter[metadata]=%7B%22tags%22%3A%5B%22suite%3Ax%22%5D%7D")
        .await;
    assert_eq!(tagged.body["data"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn events_join_spans_and_metrics_in_any_order() {
    let Setup {
        client,
        project,
        dataset,
    } = setup().await;
    let experiment = client.experiment(&project, &dataset, "e").await;
    let events_path = format!("/api/unstable/llm-obs/v1/experiments/{experiment}/events");
    let now = now_ms();
    // Metrics first (ddtrace may post them before its span writer flushes).
    let posted = client
        .post(
            &events_path,
            events(vec![
                metric("11", "exact_match", now),
                metric("22", "exact_match", now),
            ]),
        )
        .await;
    assert_eq!(posted.status, 202, "{}", posted.body);
    let mut summary = metric("", "accuracy", now);
    summary["metric_source"] = json!("summary");
    summary["metric_type"] = json!("score");
    summary.as_object_mut().unwrap().remove("boolean_value");
    summary["score_value"] = json!(0.5);
    assert_eq!(
        client
            .post(&events_path, events(vec![summary]))
            .await
            .status,
        202
    );
    for (span, record) in [("11", "r1"), ("22", "r2")] {
        let reply = post_spans(&client, span_event(span, &experiment, record, now)).await;
        assert_eq!(reply.status, 202, "{}", reply.body);
    }
    let view = client
        .get(&format!("{events_path}?include[eval_metrics]=true"))
        .await;
    assert_eq!(view.status, 200, "{}", view.body);
    assert_eq!(view.body["data"]["type"], "experiment_events");
    let spans = view.body["data"]["attributes"]["spans"].as_array().unwrap();
    assert_eq!(spans.len(), 2);
    assert_eq!(spans[0]["span_id"], "11");
    assert_eq!(spans[0]["dataset_record_id"], "r1");
    assert_eq!(spans[0]["meta"]["output"], "a");
    assert_eq!(spans[0]["meta"]["error"], json!({}));
    assert_eq!(spans[0]["eval_metrics"][0]["label"], "exact_match");
    assert_eq!(spans[1]["eval_metrics"].as_array().unwrap().len(), 1);
    let summaries = &view.body["data"]["attributes"]["summary_metrics"];
    assert_eq!(summaries[0]["score_value"], 0.5);
    // The public API's form: type `events` with spans.
    let public = client
        .post(
            &format!("/api/v2/llm-obs/v1/experiments/{experiment}/events"),
            document(
                "events",
                json!({"spans": [{"span_id": "33", "trace_id": "t", "project_id": project,
                    "dataset_id": dataset, "name": "task", "start_ns": now * 1_000_000,
                    "duration": 5, "status": "error",
                    "meta": {"input": "i", "error": {"message": "boom", "type": "E"}}}],
                    "metrics": [metric("33", "exact_match", now)]}),
            ),
        )
        .await;
    assert_eq!(public.status, 202, "{}", public.body);
    let v3 = client
        .get(&format!(
            "/api/v2/llm-obs/v3/experiments/{experiment}/events?page[limit]=2&include[eval_metrics]=true"
        ))
        .await;
    assert_eq!(
        v3.body["data"]["attributes"]["spans"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let after = v3.body["meta"]["after"].as_str().unwrap();
    let rest = client
        .get(&format!(
            "/api/v2/llm-obs/v3/experiments/{experiment}/events?page[limit]=2&page[cursor]={after}&include[eval_metrics]=true"
        ))
        .await;
    let last = &rest.body["data"]["attributes"]["spans"][0];
    assert_eq!(last["meta"]["error"]["message"], "boom");
    assert_eq!(last["eval_metrics"][0]["span_id"], "33");
}

#[tokio::test]
async fn every_delivery_of_a_span_is_kept() {
    let Setup {
        client,
        project,
        dataset,
    } = setup().await;
    let experiment = client.experiment(&project, &dataset, "e").await;
    let body = span_event("11", &experiment, "r1", now_ms());
    for _ in 0..2 {
        assert_eq!(post_spans(&client, body.clone()).await.status, 202);
    }
    let spans = client
        .inspect(&format!("/_emulator/spans?experiment_id={experiment}"))
        .await;
    assert_eq!(
        spans["spans"].as_array().unwrap().len(),
        2,
        "duplicates are visible"
    );
    assert_eq!(spans["spans"][0]["source"], "span_intake");
    let metric_for_other = client
        .post(
            "/api/unstable/llm-obs/v1/experiments/00000000-0000-4000-8000-000000000000/events",
            events(vec![metric("11", "x", now_ms())]),
        )
        .await;
    assert_eq!(metric_for_other.status, 404);
}
