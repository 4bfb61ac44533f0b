//! JSON:API strictness: the endpoint's `type`, no unknown members or attributes,
//! `data.id` where it is required, JSON content, known query parameters and routes.

use reqwest::Method;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn a_wrong_type_is_refused_with_the_expected_one() {
    let client = Client::start().await;
    let reply = client
        .post(
            "/api/unstable/llm-obs/v1/projects",
            document("project", json!({"name": "p"})),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body,
        json!({"errors": [{"title": "Generic Error",
                           "detail": "data.type: expected \"projects\", got \"project\""}]})
    );
    let project = client.project("p").await;
    let dataset = client
        .dataset(&project, "d", vec![record("r1", "q1", &[])])
        .await;
    let experiment = client.experiment(&project, &dataset, "e").await;
    let wrong_events = client
        .post(
            &format!("/api/unstable/llm-obs/v1/experiments/{experiment}/events"),
            document("metrics", json!({"metrics": []})),
        )
        .await;
    assert_eq!(wrong_events.status, 400);
    assert_eq!(
        wrong_events.detail(),
        "data.type: expected \"experiments\" or \"events\", got \"metrics\""
    );
    let missing_type = client
        .post(
            "/api/unstable/llm-obs/v1/projects",
            json!({"data": {"attributes": {"name": "p"}}}),
        )
        .await;
    assert_eq!(missing_type.detail(), "data.type: required (\"projects\")");
}

#[tokio::test]
async fn unknown_members_and_bad_fields_name_their_path() {
    let client = Client::start().await;
    let project = client.project("p").await;
    let unknown = client
        .post(
            &format!("/api/unstable/llm-obs/v1/{project}/datasets"),
            document("datasets", json!({"name": "d", "project_name": "p"})),
        )
        .await;
    assert_eq!(unknown.status, 400);
    assert!(
        unknown
            .detail()
            .starts_with("data.attributes.project_name: unknown field `project_name`"),
        "{}",
        unknown.detail()
    );
    let dataset = client.dataset(&project, "d", vec![]).await;
    let bad_record = client
        .post(
            &format!("/api/v2/llm-obs/v1/{project}/datasets/{dataset}/batch_update"),
            batch_update(
                &dataset,
                vec![json!({"input": {"q": 1}, "tags": "a:b"})],
                true,
            ),
        )
        .await;
    assert_eq!(bad_record.status, 400);
    assert!(
        bad_record
            .detail()
            .starts_with("data.attributes.insert_records[0].tags: invalid type"),
        "{}",
        bad_record.detail()
    );
    let extra_member = client
        .post(
            "/api/unstable/llm-obs/v1/projects",
            json!({"data": {"type": "projects", "attributes": {"name": "p"}}, "meta": {}}),
        )
        .await;
    assert_eq!(extra_member.status, 400);
}

#[tokio::test]
async fn batch_update_needs_the_dataset_id_in_data() {
    let client = Client::start().await;
    let project = client.project("p").await;
    let dataset = client.dataset(&project, "d", vec![]).await;
    let path = format!("/api/v2/llm-obs/v1/{project}/datasets/{dataset}/batch_update");
    let mut body = batch_update(&dataset, vec![record("r1", "q1", &[])], true);
    body["data"]["id"] = json!("another");
    let reply = client.post(&path, body.clone()).await;
    assert_eq!(reply.status, 400);
    assert!(
        reply
            .detail()
            .starts_with("data.id: must be the dataset of the URL")
    );
    body["data"].as_object_mut().unwrap().remove("id");
    assert_eq!(client.post(&path, body).await.status, 400);
}

#[tokio::test]
async fn content_type_query_and_routes_are_checked() {
    let client = Client::start().await;
    let plain = client
        .send(
            client
                .keyed(Method::POST, "/api/unstable/llm-obs/v1/projects")
                .header("Content-Type", "text/plain")
                .body(document("projects", json!({"name": "p"})).to_string()),
        )
        .await;
    assert_eq!(plain.status, 415);
    let not_json = client
        .send(
            client
                .request(Method::POST, "/api/unstable/llm-obs/v1/projects")
                .body("{"),
        )
        .await;
    assert_eq!(not_json.status, 400);
    assert!(not_json.detail().starts_with("invalid JSON"));
    let project = client.project("p").await;
    let typo = client
        .get(&format!(
            "/api/v2/llm-obs/v1/{project}/datasets?filter[nam]=d"
        ))
        .await;
    assert_eq!(typo.status, 400);
    assert!(
        typo.detail()
            .starts_with("unknown query parameter \"filter[nam]\"")
    );
    let missing = client.get("/api/v2/llm-obs/v1/nothing/here").await;
    assert_eq!(missing.status, 404);
    let unknown_project = client
        .get("/api/v2/llm-obs/v1/00000000-0000-4000-8000-000000000000/datasets")
        .await;
    assert_eq!(unknown_project.status, 404);
}

#[tokio::test]
async fn the_public_prefix_answers_201_for_what_it_creates() {
    let client = Client::start().await;
    let v2 = "/api/v2/llm-obs/v1";
    let new = client
        .post(
            &format!("{v2}/projects"),
            document("projects", json!({"name": "p"})),
        )
        .await;
    assert_eq!(new.status, 201, "{}", new.body);
    let project = id_of(&new);
    let again = client
        .post(
            &format!("{v2}/projects"),
            document("projects", json!({"name": "p"})),
        )
        .await;
    assert_eq!(again.status, 200, "an existing project");
    let dataset = client
        .post(
            &format!("{v2}/{project}/datasets"),
            document("datasets", json!({"name": "d"})),
        )
        .await;
    assert_eq!(dataset.status, 201);
    let dataset = id_of(&dataset);
    let mut body = experiment_body(&project, &dataset, "e");
    body["data"]["attributes"]["dataset_version"] = json!(0);
    let experiment = client.post(&format!("{v2}/experiments"), body).await;
    assert_eq!(experiment.status, 201, "{}", experiment.body);
    let deleted = client
        .post(
            &format!("{v2}/{project}/datasets/delete"),
            document("datasets", json!({"dataset_ids": [dataset]})),
        )
        .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.body, serde_json::Value::Null);
}

#[tokio::test]
async fn both_prefixes_serve_the_same_data() {
    let client = Client::start().await;
    let unstable = client.project("shared").await;
    let v2 = client
        .post(
            "/api/v2/llm-obs/v1/projects",
            document("projects", json!({"name": "shared"})),
        )
        .await;
    assert_eq!(id_of(&v2), unstable, "create-or-get by name");
    let dataset = client
        .dataset(&unstable, "d", vec![record("r1", "q1", &[])])
        .await;
    for prefix in ["/api/unstable/llm-obs/v1", "/api/v2/llm-obs/v1"] {
        let reply = client
            .get(&format!("{prefix}/{unstable}/datasets?filter[name]=d"))
            .await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body["data"][0]["id"], dataset.as_str());
        assert_eq!(reply.body["data"][0]["attributes"]["current_version"], 1);
        assert_eq!(
            reply.headers["content-type"], "application/vnd.api+json",
            "Datadog's media type"
        );
    }
}
