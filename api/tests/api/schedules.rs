//! Schedules through the API (create, list, replace, pause, resume, delete), their
//! next fire times and latest runs, and the presets.

use chrono::{DateTime, Datelike, Duration, SubsecRound, Timelike, Utc, Weekday};
use reqwest::Method;
use serde_json::{Value, json};
use tally_core::contract::ExperimentRequest;
use tally_core::run::{RunId, Submitter};
use tally_core::schedule::ScheduleName;
use tally_store::SkippedSlots;
use tally_store::submission::{DEFAULT_MAX_CHUNK_SIZE, Submission};

use crate::docs::check;
use crate::helpers::{KEY, SAMPLE, TestApp, error_of, spawn_app, spawn_app_with, wrong_answer};

const WEBHOOK: &str = "https://hooks.example.com/services/T000/B000/s3cr3t-token";

fn weekly(name: &str) -> Value {
    json!({
        "name": name,
        "cron": "0 8 * * 1",
        "request": {
            "dataset_name": SAMPLE,
            "dataset_version": "latest",
            "sample_size": 5,
            "model_configs": [
                {"model": "gemini-2.5-flash-lite", "temperature": 0.0, "name_suffix": "ci-lite"},
                {"model": "gemini-2.5-flash", "temperature": 0.0, "name_suffix": "ci-flash"}
            ]
        },
        "alerts": {"accuracy_drop": 0.05, "webhook_url": WEBHOOK}
    })
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut request = app
        .client
        .request(method, app.url(path))
        .header("X-API-Key", KEY);
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

async fn ok_json(response: reqwest::Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(actual, status, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn times(view: &Value) -> Vec<DateTime<Utc>> {
    view["next_fire_times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let text = t.as_str().unwrap();
            assert!(text.ends_with('Z'), "{text} is not RFC 3339 UTC");
            DateTime::parse_from_rfc3339(text).unwrap().to_utc()
        })
        .collect()
}

fn fields(error: &Value) -> Vec<&str> {
    error["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect()
}

/// Checks `value` against the named schema of the served OpenAPI document.
async fn assert_documented(app: &TestApp, value: &Value, schema: &str) {
    let document: Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let schemas = document["components"]["schemas"].as_object().unwrap();
    check(
        value,
        &json!({"$ref": format!("#/components/schemas/{schema}")}),
        schemas,
        schema,
    );
}

#[tokio::test]
async fn a_created_schedule_is_listed_with_its_next_mondays() {
    let app = spawn_app().await;
    let before = Utc::now().trunc_subsecs(0);
    let response = send(
        &app,
        Method::POST,
        "/api/v1/schedules",
        Some(&weekly("weekly")),
    )
    .await;
    assert_eq!(
        response.headers()["location"],
        app.url("/api/v1/schedules/weekly").as_str()
    );
    let created = ok_json(response, 201).await;
    assert_eq!(created["name"], "weekly");
    assert_eq!(created["time_zone"], "UTC");
    assert_eq!(created["origin"], "api");
    assert_eq!(created["paused"], false);
    assert_eq!(created["last_runs"], json!([]));
    assert_eq!(created["skipped_slots"], json!([]));
    // The webhook's secret path is never shown.
    assert_eq!(
        created["alerts"]["webhook_url"],
        "https://hooks.example.com/…"
    );

    let list = ok_json(app.get("/api/v1/schedules").await, 200).await;
    let schedules = list["schedules"].as_array().unwrap();
    assert_eq!(schedules.len(), 1);
    let fires = times(&schedules[0]);
    assert_eq!(fires.len(), 5);
    for fire in &fires {
        assert_eq!(fire.weekday(), Weekday::Mon, "{fire}");
        assert_eq!((fire.hour(), fire.minute(), fire.second()), (8, 0, 0));
    }
    assert!(fires[0] > before && fires[0] <= before + Duration::days(7));
    for pair in fires.windows(2) {
        assert_eq!(pair[1] - pair[0], Duration::days(7));
    }
    assert!(!list.to_string().contains("s3cr3t"));
    assert_documented(&app, &list, "ScheduleList").await;
    assert_eq!(
        ok_json(app.get("/api/v1/schedules/weekly").await, 200).await["cron"],
        "0 8 * * 1"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn invalid_definitions_name_every_field_and_taken_names_conflict() {
    let app = spawn_app().await;
    let mut bad = weekly("weekly");
    bad["cron"] = json!("0 8 * * 8");
    bad["request"]["jobs"] = json!(0);
    let error = error_of(
        send(&app, Method::POST, "/api/v1/schedules", Some(&bad)).await,
        422,
    )
    .await;
    assert_eq!(error["error"]["code"], "invalid_request");
    assert_eq!(fields(&error), ["cron", "request.jobs"]);
    assert!(
        error["error"]["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("day-of-week"),
        "{error}"
    );
    // A seconds field is not silently read as another calendar.
    bad = weekly("weekly");
    bad["cron"] = json!("0 0 8 * * 1");
    let error = error_of(
        send(&app, Method::POST, "/api/v1/schedules", Some(&bad)).await,
        422,
    )
    .await;
    assert_eq!(fields(&error), ["cron"]);
    let error = error_of(
        send(&app, Method::POST, "/api/v1/schedules", Some(&json!([1]))).await,
        400,
    )
    .await;
    assert_eq!(error["error"]["code"], "malformed_body");
    assert_eq!(
        app.get("/api/v1/schedules")
            .await
            .json::<Value>()
            .await
            .unwrap()["schedules"],
        json!([])
    );

    ok_json(
        send(
            &app,
            Method::POST,
            "/api/v1/schedules",
            Some(&weekly("weekly")),
        )
        .await,
        201,
    )
    .await;
    let error = error_of(
        send(
            &app,
            Method::POST,
            "/api/v1/schedules",
            Some(&weekly("weekly")),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(error["error"]["code"], "conflict");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("\"weekly\" already exists"),
        "{error}"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn replace_pause_resume_and_delete() {
    let app = spawn_app().await;
    ok_json(
        send(
            &app,
            Method::POST,
            "/api/v1/schedules",
            Some(&weekly("weekly")),
        )
        .await,
        201,
    )
    .await;

    // Replace: the redacted webhook URL, sent back as shown, keeps the stored one.
    let mut daily = ok_json(app.get("/api/v1/schedules/weekly").await, 200).await;
    let daily_definition = json!({
        "name": "weekly",
        "cron": "30 6 * * *",
        "time_zone": "Asia/Bangkok",
        "request": weekly("weekly")["request"],
        "alerts": daily["alerts"],
    });
    daily = ok_json(
        send(
            &app,
            Method::PUT,
            "/api/v1/schedules/weekly",
            Some(&daily_definition),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(daily["cron"], "30 6 * * *");
    for fire in times(&daily) {
        // 06:30 in Bangkok (UTC+7) is 23:30 UTC the day before.
        assert_eq!((fire.hour(), fire.minute()), (23, 30), "{fire}");
    }
    let name = ScheduleName::parse("weekly").unwrap();
    let stored = app.store.schedule(&name).await.unwrap().unwrap();
    assert_eq!(stored.schedule.to_json()["alerts"]["webhook_url"], WEBHOOK);

    let mut renamed = daily_definition.clone();
    renamed["name"] = json!("other");
    let error = error_of(
        send(
            &app,
            Method::PUT,
            "/api/v1/schedules/weekly",
            Some(&renamed),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&error), ["name"]);
    let mut invalid = daily_definition.clone();
    invalid["time_zone"] = json!("Mars/Olympus");
    let error = error_of(
        send(
            &app,
            Method::PUT,
            "/api/v1/schedules/weekly",
            Some(&invalid),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(fields(&error), ["time_zone"]);
    error_of(
        send(
            &app,
            Method::PUT,
            "/api/v1/schedules/nope",
            Some(&weekly("nope")),
        )
        .await,
        404,
    )
    .await;

    let paused = ok_json(
        send(&app, Method::POST, "/api/v1/schedules/weekly/pause", None).await,
        200,
    )
    .await;
    assert_eq!(paused["paused"], true);
    assert_eq!(paused["next_fire_times"], json!([]));
    let resumed = ok_json(
        send(&app, Method::POST, "/api/v1/schedules/weekly/resume", None).await,
        200,
    )
    .await;
    assert_eq!(resumed["paused"], false);
    assert_eq!(times(&resumed).len(), 5);
    error_of(
        send(&app, Method::POST, "/api/v1/schedules/nope/pause", None).await,
        404,
    )
    .await;

    let deleted = send(&app, Method::DELETE, "/api/v1/schedules/weekly", None).await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(deleted.text().await.unwrap(), "");
    let error = error_of(app.get("/api/v1/schedules/weekly").await, 404).await;
    assert_eq!(error["error"]["message"], "no schedule named \"weekly\"");
    error_of(
        send(&app, Method::DELETE, "/api/v1/schedules/weekly", None).await,
        404,
    )
    .await;
    // A path that cannot be a schedule name names no schedule.
    error_of(app.get("/api/v1/schedules/a:b").await, 404).await;
    app.cleanup().await;
}

/// Submits the schedule's request as the scheduler would (its name as submitter).
async fn scheduled_run(app: &TestApp, schedule: &Value) -> RunId {
    let mut request = schedule["request"].clone();
    request["dataset_version"] = Value::Null;
    let submission = Submission {
        request: ExperimentRequest::from_json_bytes(&serde_json::to_vec(&request).unwrap())
            .unwrap(),
        submitter: Submitter {
            api_key_name: None,
            schedule: Some(schedule["name"].as_str().unwrap().to_string()),
        },
        idempotency: None,
    };
    app.scheduler_store()
        .await
        .submit(submission, DEFAULT_MAX_CHUNK_SIZE)
        .await
        .unwrap()
        .run_id
}

#[tokio::test]
async fn last_runs_show_each_experiments_scores_and_skips_are_listed() {
    let app = spawn_app().await;
    let definition = weekly("weekly");
    ok_json(
        send(&app, Method::POST, "/api/v1/schedules", Some(&definition)).await,
        201,
    )
    .await;
    // A run of nobody's schedule is not among the schedule's runs.
    let (unscheduled, _) = app.submit_run(&["m"]).await;

    let finished = scheduled_run(&app, &definition).await;
    let experiments = app
        .store
        .run(&finished)
        .await
        .unwrap()
        .unwrap()
        .record
        .experiments;
    let records = app.sample_records().await;
    for record in &records[..2] {
        app.write_answer(
            &experiments[0],
            record,
            Some(record.expected_output.clone()),
        )
        .await;
        app.write_answer(&experiments[1], record, Some(wrong_answer(record)))
            .await;
    }
    app.write_answer(&experiments[1], &records[2], None).await;
    app.finish_run(&finished).await;
    let running = scheduled_run(&app, &definition).await;
    let now = Utc::now().trunc_subsecs(0);
    let name = ScheduleName::parse("weekly").unwrap();
    let skipped = SkippedSlots {
        first: now - Duration::days(21),
        last: now - Duration::days(14),
        count: 2,
        recorded_at: now,
    };
    app.scheduler_store()
        .await
        .record_skipped_slots(&name, &skipped)
        .await
        .unwrap();

    let view = ok_json(app.get("/api/v1/schedules/weekly").await, 200).await;
    let runs = view["last_runs"].as_array().unwrap();
    let ids: Vec<&str> = runs.iter().map(|r| r["run_id"].as_str().unwrap()).collect();
    assert_eq!(ids, [running.as_str(), finished.as_str()]);
    assert!(!ids.contains(&unscheduled.as_str()));
    assert_eq!(runs[0]["status"], "queued");
    assert_eq!(runs[0]["experiments"], json!({}));
    assert_eq!(runs[0]["finished_at"], Value::Null);
    assert_eq!(runs[1]["status"], "succeeded");
    assert_eq!(
        runs[1]["status_url"],
        app.url(&format!("/api/v1/experiments/runs/{finished}"))
    );
    // The scores are the run's own, by experiment name.
    let response = app
        .store
        .run(&finished)
        .await
        .unwrap()
        .unwrap()
        .response
        .unwrap();
    let scores = runs[1]["experiments"].as_object().unwrap();
    assert_eq!(scores.len(), 2);
    for summary in &response.experiments {
        let shown = &scores[&summary.experiment_name];
        assert_eq!(shown["overall_accuracy"], summary.overall_accuracy);
        assert_eq!(shown["success_rate"], summary.success_rate);
    }
    let accuracies: Vec<f64> = response
        .experiments
        .iter()
        .map(|e| e.overall_accuracy)
        .collect();
    assert!(accuracies[0] > accuracies[1], "{accuracies:?}");
    assert_eq!(view["skipped_slots"], json!([skipped]));
    assert_documented(&app, &view, "ScheduleView").await;
    app.cleanup().await;
}

#[tokio::test]
async fn presets_are_served_and_schedules_need_a_key() {
    let app = spawn_app().await;
    let body = ok_json(app.get("/api/v1/presets").await, 200).await;
    let presets = body["presets"].as_array().unwrap();
    let ids: Vec<&str> = presets.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["baseline", "temperature", "quick-ci", "ocr-baseline"]);
    assert_eq!(presets[2]["title"], "Quick CI Test");
    assert_eq!(presets[2]["sample_size"], 5);
    assert_eq!(presets[0]["sample_size"], Value::Null);
    assert_eq!(presets[1]["model_configs"].as_array().unwrap().len(), 3);
    assert_documented(&app, &body, "PresetList").await;

    for (method, path) in [
        (Method::GET, "/api/v1/presets"),
        (Method::GET, "/api/v1/schedules"),
        (Method::POST, "/api/v1/schedules"),
        (Method::DELETE, "/api/v1/schedules/weekly"),
    ] {
        let response = app
            .client
            .request(method.clone(), app.url(path))
            .json(&weekly("weekly"))
            .send()
            .await
            .unwrap();
        let error = error_of(response, 401).await;
        assert_eq!(error["error"]["code"], "unauthorized", "{method} {path}");
    }
    assert_eq!(
        app.get("/api/v1/schedules")
            .await
            .json::<Value>()
            .await
            .unwrap(),
        json!({"schedules": []})
    );
    app.cleanup().await;
}

#[tokio::test]
async fn webhooks_to_internal_addresses_are_refused_unless_allowed() {
    let app = spawn_app().await;
    for (url, rule) in [
        ("http://127.0.0.1:4000/hook", "loopback"),
        ("http://169.254.169.254/latest/meta-data", "metadata"),
        ("http://10.0.0.7/hook", "private network"),
        ("http://[::1]/hook", "loopback"),
        ("http://203.0.113.9:6379/", "Redis"),
        ("http://localhost:4000/hook", "loopback"),
    ] {
        let mut body = weekly("internal-hook");
        body["alerts"]["webhook_url"] = json!(url);
        let response = send(&app, Method::POST, "/api/v1/schedules", Some(&body)).await;
        let error = error_of(response, 422).await;
        let detail = &error["error"]["details"][0];
        assert_eq!(detail["field"], "alerts.webhook_url", "{url}");
        let message = detail["message"].as_str().unwrap();
        assert!(message.contains(rule), "{url}: {message}");
        assert!(
            !message.contains("/hook") && !message.contains("meta-data"),
            "{message}"
        );
    }
    app.cleanup().await;

    let app = spawn_app_with(|settings| settings.webhook_allow_private = true).await;
    let mut body = weekly("internal-hook");
    body["alerts"]["webhook_url"] = json!("http://127.0.0.1:4000/hook");
    let response = send(&app, Method::POST, "/api/v1/schedules", Some(&body)).await;
    ok_json(response, 201).await;
    app.cleanup().await;
}

#[tokio::test]
async fn an_over_long_cron_and_duplicate_experiment_names_are_refused() {
    let app = spawn_app().await;
    let mut body = weekly("bounded");
    body["cron"] = json!(format!("0 8 * * {}", "1,".repeat(20_000)));
    let response = send(&app, Method::POST, "/api/v1/schedules", Some(&body)).await;
    let error = error_of(response, 422).await;
    assert_eq!(error["error"]["details"][0]["field"], "cron");
    assert_eq!(
        error["error"]["details"][0]["message"],
        "must be at most 200 characters, got 40008 characters"
    );

    let mut body = weekly("bounded");
    body["request"]["model_configs"][1]["name_suffix"] = json!("ci-lite");
    let response = send(&app, Method::POST, "/api/v1/schedules", Some(&body)).await;
    let error = error_of(response, 422).await;
    assert_eq!(
        error["error"]["details"][0]["field"],
        "request.model_configs[1].name_suffix"
    );
    app.cleanup().await;
}
