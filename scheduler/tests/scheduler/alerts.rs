//! Regression alerts: once per run, with the numbers, delivered by a background task
//! that retries and never holds up the next slot.

use std::time::Duration;

use serde_json::Value;

use crate::support::*;

fn sent(scheduler: &tally_scheduler::Scheduler) -> u64 {
    scheduler
        .metrics()
        .alerts_sent
        .with_label_values(&["weekly-monitoring"])
        .get()
}

#[tokio::test]
async fn an_accuracy_drop_sends_exactly_one_webhook_post_with_the_numbers() {
    let webhook = WebhookServer::start(Vec::new(), false).await;
    let env = TestEnv::new(monday(0) - chrono::Duration::hours(1)).await;
    let weekly = weekly_monitoring(Some(&webhook.url));
    let replicas: Vec<_> = (0..3).map(|_| env.scheduler(quick_retries())).collect();
    replicas[0]
        .seed(std::slice::from_ref(&weekly))
        .await
        .unwrap();
    let tick_all = || async {
        tokio::join!(replicas[0].tick(), replicas[1].tick(), replicas[2].tick());
    };

    // Week 0: every record right. Nothing to compare with: no alert.
    env.clock.set(monday(0) + chrono::Duration::seconds(1));
    tick_all().await;
    let good = env.runs_of(&weekly).await[0].record.run_id.clone();
    finish_run(&env.worker, &good, 5).await;
    tick_all().await;

    // Week 1: two records of five right in both experiments.
    env.clock.set(monday(1) + chrono::Duration::seconds(1));
    tick_all().await;
    let runs = env.runs_of(&weekly).await;
    assert_eq!(runs.len(), 2);
    let bad = runs[0].record.run_id.clone();
    finish_run(&env.worker, &bad, 2).await;
    tick_all().await;
    tick_all().await;
    for replica in replicas {
        replica.shutdown(Duration::from_secs(10)).await;
    }

    let bodies = webhook.bodies();
    assert_eq!(bodies.len(), 1, "{bodies:#?}");
    let body = &bodies[0];
    assert_eq!(body["schedule"], "weekly-monitoring");
    assert_eq!(body["run_id"], bad.as_str());
    assert_eq!(body["previous_run_id"], good.as_str());
    assert_eq!(body["run_status"], "succeeded");
    assert_eq!(
        body["reasons"],
        serde_json::json!(["accuracy_drop", "success_rate_drop"])
    );
    let good_run = env
        .store
        .run(&good)
        .await
        .unwrap()
        .unwrap()
        .response
        .unwrap();
    let bad_run = env
        .store
        .run(&bad)
        .await
        .unwrap()
        .unwrap()
        .response
        .unwrap();
    let regressions = body["regressions"].as_array().unwrap();
    assert_eq!(regressions.len(), 4);
    for (experiment, name) in [
        (0, "vote-extraction-ci-lite"),
        (1, "vote-extraction-ci-flash"),
    ] {
        let before = &good_run.experiments[experiment];
        let after = &bad_run.experiments[experiment];
        assert_eq!(after.experiment_name, name);
        assert_eq!(
            (before.overall_accuracy, after.overall_accuracy),
            (1.0, 0.4)
        );
        assert_eq!((before.success_rate, after.success_rate), (1.0, 0.4));
        let of = |metric: &str| -> &Value {
            regressions
                .iter()
                .find(|r| r["experiment_name"] == name && r["metric"] == metric)
                .unwrap()
        };
        let accuracy = of("overall_accuracy");
        assert_eq!(accuracy["previous"], 1.0);
        assert_eq!(accuracy["current"], 0.4);
        assert!((accuracy["drop"].as_f64().unwrap() - 0.6).abs() < 1e-9);
        assert_eq!(accuracy["threshold"], 0.05);
        assert_eq!(accuracy["experiment_url"], after.experiment_url.as_str());
        assert_eq!(of("success_rate")["threshold"], 0.1);
    }
    assert_eq!(
        body["links"]["run"],
        format!("{PUBLIC_URL}/ui/#/runs/{bad}")
    );
    assert_eq!(
        body["links"]["previous_run"],
        format!("{PUBLIC_URL}/ui/#/runs/{good}")
    );
    let text = body["text"].as_str().unwrap();
    assert!(
        text.contains(
            "vote-extraction-ci-lite: overall_accuracy 1.000 → 0.400 (−0.600, threshold 0.050)"
        ),
        "{text}"
    );
}

#[tokio::test]
async fn a_failing_webhook_is_retried_and_does_not_hold_up_the_next_slot() {
    // The first POST hangs until released, then fails; so does the second; the
    // third is accepted.
    let webhook = WebhookServer::start(vec![500, 503], true).await;
    let env = TestEnv::new(monday(0) - chrono::Duration::hours(1)).await;
    let weekly = weekly_monitoring(Some(&webhook.url));
    let scheduler = env.scheduler(quick_retries());
    scheduler.seed(std::slice::from_ref(&weekly)).await.unwrap();

    env.clock.set(monday(0) + chrono::Duration::seconds(1));
    scheduler.tick().await;
    let good = env.runs_of(&weekly).await[0].record.run_id.clone();
    finish_run(&env.worker, &good, 5).await;
    env.clock.set(monday(1) + chrono::Duration::seconds(1));
    scheduler.tick().await;
    let bad = env.runs_of(&weekly).await[0].record.run_id.clone();
    finish_run(&env.worker, &bad, 1).await;
    scheduler.tick().await;
    eventually("the first POST to arrive", || async {
        webhook.bodies().len() == 1
    })
    .await;

    // The webhook is stuck on its first POST; the next Monday's run is created anyway.
    env.clock.set(monday(2) + chrono::Duration::seconds(1));
    scheduler.tick().await;
    assert_eq!(env.runs_of(&weekly).await.len(), 3);
    assert_eq!(webhook.bodies().len(), 1);

    webhook.release_first();
    eventually("the alert to be delivered", || async {
        sent(&scheduler) == 1
    })
    .await;
    let bodies = webhook.bodies();
    assert_eq!(bodies.len(), 3);
    assert!(bodies.iter().all(|b| b["run_id"] == bad.as_str()));
    assert_eq!(
        scheduler
            .metrics()
            .alerts_failed
            .with_label_values(&["weekly-monitoring"])
            .get(),
        0
    );
    scheduler.shutdown(Duration::from_secs(10)).await;
}

#[tokio::test]
async fn a_webhook_on_an_internal_address_is_refused_at_send_time() {
    let webhook = WebhookServer::start(Vec::new(), false).await;
    let metrics = tally_scheduler::Metrics::new().unwrap();
    let sender = tally_scheduler::AlertSender::start(quick_retries(), false, metrics.clone());
    let url = tally_core::schedule::WebhookUrl::parse(&webhook.url).unwrap();
    let alert = tally_core::schedule::Alert {
        text: "accuracy dropped".to_string(),
        schedule: "weekly-monitoring".to_string(),
        run_id: "run_01jd5x00000000000000000000".to_string(),
        run_status: tally_core::contract::RunStatus::Succeeded,
        previous_run_id: None,
        reasons: Vec::new(),
        regressions: Vec::new(),
        links: tally_core::schedule::AlertLinks {
            run: "http://localhost:8000/r".to_string(),
            comparison: "http://localhost:8000/c".to_string(),
            previous_run: None,
        },
    };
    sender.send(url, alert);
    eventually("the alert to be refused", || async {
        metrics
            .alerts_failed
            .with_label_values(&["weekly-monitoring"])
            .get()
            == 1
    })
    .await;
    sender.shutdown(Duration::from_secs(10)).await;
    assert!(webhook.bodies().is_empty());
}
