//! Compare: summaries side by side, per-record differences, and the paired bootstrap
//! interval that says whether a difference is more than noise.

use serde_json::{Value, json};

use crate::helpers::{error_of, spawn_app, wrong_answer};

#[tokio::test]
async fn one_wrong_record_in_ten_is_noise_and_all_wrong_is_not() {
    let app = spawn_app().await;
    let (run, experiments) = app.submit_run(&["perfect", "one-off", "failing"]).await;
    let records = app.sample_records().await;
    for record in &records {
        app.write_answer(
            &experiments[0],
            record,
            Some(record.expected_output.clone()),
        )
        .await;
        let answer = if record.id == "unit-04" {
            wrong_answer(record)
        } else {
            record.expected_output.clone()
        };
        app.write_answer(&experiments[1], record, Some(answer))
            .await;
        app.write_answer(&experiments[2], record, None).await;
    }
    app.finish_run(&run).await;

    let ids = experiments
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let comparison: Value = app
        .get_json(&format!("/api/v1/experiments/compare?ids={ids}"))
        .await;
    assert_eq!(comparison["shared_records"], 10);
    assert_eq!(
        comparison["experiments"][1]["summary"]["successful_records"],
        10
    );
    // Every record differs (the failing experiment), unit-04 also in its fields.
    assert_eq!(comparison["differences_total"], 10);
    let unit_04 = comparison["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["record_id"] == "unit-04")
        .unwrap();
    assert_eq!(
        unit_04["differing_fields"],
        json!(["Constituency.ballot_statistics.good_ballots"])
    );
    assert_eq!(unit_04["answers"][0]["overall_accuracy"], 1.0);
    assert_eq!(unit_04["answers"][2]["status"], "failed");
    assert_eq!(unit_04["answers"][2]["error_kind"], "model_error");

    let pairs = comparison["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 3);
    // perfect vs one-off: nine differences of 0 and one of d > 0. A resample mean is 0
    // whenever unit-04 is not drawn (0.9^10 ≈ 35 % of resamples), so the interval
    // starts at exactly 0: no clear difference.
    let close = &pairs[0];
    let d = close["difference"].as_f64().unwrap();
    assert!(d > 0.0 && d < 0.1, "{close}");
    assert_eq!(close["ci95"]["low"], 0.0);
    assert!(close["ci95"]["high"].as_f64().unwrap() >= d);
    assert_eq!(close["significant"], false);
    assert!(
        close["verdict"]
            .as_str()
            .unwrap()
            .starts_with("no clear difference")
    );
    // perfect vs failing: every record differs by exactly 1.
    let far = &pairs[1];
    assert_eq!(
        (far["a"].as_str(), far["b"].as_str()),
        (Some(experiments[0].as_str()), Some(experiments[2].as_str()))
    );
    assert_eq!(far["difference"], 1.0);
    assert_eq!(far["ci95"], json!({"low": 1.0, "high": 1.0}));
    assert_eq!(far["significant"], true);
    assert_eq!(
        far["verdict"],
        format!(
            "{} is more accurate by 1.000 (95% CI of a - b: [1.000, 1.000] over 10 records)",
            experiments[0]
        )
    );
    assert_eq!(
        (far["resamples"].as_u64(), far["shared_records"].as_u64()),
        (Some(2000), Some(10))
    );
    app.cleanup().await;
}

#[tokio::test]
async fn experiments_of_different_runs_compare_on_their_shared_records() {
    let app = spawn_app().await;
    let (_, first) = app.submit_run(&["a"]).await;
    let (_, second) = app.submit_run(&["b"]).await;
    let records = app.sample_records().await;
    for record in &records[..6] {
        app.write_answer(&first[0], record, Some(record.expected_output.clone()))
            .await;
    }
    for record in &records[3..] {
        app.write_answer(&second[0], record, Some(record.expected_output.clone()))
            .await;
    }
    let comparison: Value = app
        .get_json(&format!(
            "/api/v1/experiments/compare?ids={},{}",
            first[0], second[0]
        ))
        .await;
    assert_eq!(comparison["shared_records"], 3);
    assert_eq!(comparison["pairs"][0]["shared_records"], 3);
    assert_eq!(comparison["pairs"][0]["difference"], 0.0);
    assert_ne!(
        comparison["experiments"][0]["run_id"],
        comparison["experiments"][1]["run_id"]
    );
    // Records only one of them answered are differences ("missing" on the other side).
    assert_eq!(comparison["differences_total"], 7);
    assert_eq!(
        comparison["differences"][0]["answers"][1]["status"],
        "missing"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn ids_are_checked() {
    let app = spawn_app().await;
    let (_, experiments) = app.submit_run(&["a"]).await;
    let one = experiments[0].as_str();
    let body = error_of(
        app.get(&format!("/api/v1/experiments/compare?ids={one}"))
            .await,
        422,
    )
    .await;
    assert_eq!(
        body["error"]["message"],
        "ids: must name 2 to 10 experiments separated by commas, got 1"
    );
    let body = error_of(
        app.get(&format!("/api/v1/experiments/compare?ids={one},{one}"))
            .await,
        422,
    )
    .await;
    assert_eq!(body["error"]["message"], format!("ids: names {one} twice"));
    let unknown = "exp_01jd5x00000000000000000000";
    let body = error_of(
        app.get(&format!("/api/v1/experiments/compare?ids={one},{unknown}"))
            .await,
        404,
    )
    .await;
    assert_eq!(
        body,
        json!({"error": {"code": "not_found", "message": format!("ids: no experiment {unknown}"),
                         "details": [{"field": "ids", "message": format!("no experiment {unknown}")}]}})
    );
    let body = error_of(app.get("/api/v1/experiments/compare").await, 422).await;
    assert_eq!(
        body["error"]["details"],
        json!([{"field": "ids", "message": "is required: two or more experiment ids separated by commas"}])
    );
    app.cleanup().await;
}
