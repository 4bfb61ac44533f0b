//! Slots: one run per slot across replicas, on the right calendar, caught up or
//! skipped by the window.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{Datelike, Weekday};
use tally_core::schedule::Slot;
use tally_scheduler::RetryPolicy;
use tally_store::submission::Submission;
use tally_store::{SkippedSlots, SlotClaim};

use crate::support::*;

fn counter(metric: &prometheus::IntCounterVec, schedule: &str) -> u64 {
    metric.with_label_values(&[schedule]).get()
}

#[tokio::test]
async fn weekly_monitoring_runs_every_monday_at_0800_utc_across_the_turn_of_the_year() {
    let env = TestEnv::new(utc(2025, 11, 29, 12, 0)).await;
    let weekly = weekly_monitoring(None);
    let scheduler = env.scheduler(RetryPolicy::default());
    scheduler.seed(std::slice::from_ref(&weekly)).await.unwrap();

    // Three ticks a day for nine weeks, one of them just after 08:00.
    let mut day = utc(2025, 11, 30, 0, 0);
    while day < utc(2026, 2, 1, 0, 0) {
        for (hour, minute) in [(0, 0), (8, 0), (16, 0)] {
            env.clock.set(
                day + chrono::Duration::hours(hour)
                    + chrono::Duration::minutes(minute)
                    + chrono::Duration::seconds(3),
            );
            scheduler.tick().await;
        }
        day += chrono::Duration::days(1);
    }

    let mondays: Vec<_> = (0..9)
        .map(|w| utc(2025, 12, 1, 8, 0) + chrono::Duration::weeks(w))
        .collect();
    assert!(mondays.contains(&utc(2025, 12, 29, 8, 0)) && mondays.contains(&utc(2026, 1, 5, 8, 0)));
    let mut run_ids = BTreeSet::new();
    for slot in &mondays {
        assert_eq!(slot.weekday(), Weekday::Mon);
        match env
            .store
            .slot_state(&Slot::new(weekly.name.clone(), *slot))
            .await
            .unwrap()
        {
            Some(SlotClaim::Done(run)) => assert!(run_ids.insert(run)),
            other => panic!("slot {slot}: {other:?}"),
        }
    }
    let runs = env.runs_of(&weekly).await;
    assert_eq!(runs.len(), 9);
    assert!(runs.iter().all(|run| run_ids.contains(&run.record.run_id)));
    let run = &runs[0];
    assert_eq!(
        run.record.submitter.schedule.as_deref(),
        Some("weekly-monitoring")
    );
    assert_eq!(run.record.request, weekly.request);
    assert_eq!(run.record.dataset.name.as_str(), SAMPLE_DATASET);
    assert_eq!(run.record.experiments.len(), 2);
    let metrics = scheduler.metrics();
    assert_eq!(counter(&metrics.runs_created, "weekly-monitoring"), 9);
    assert_eq!(counter(&metrics.slots_caught_up, "weekly-monitoring"), 0);
    assert_eq!(counter(&metrics.slots_skipped, "weekly-monitoring"), 0);
    // The next slot is published: Monday 2026-02-02 08:00.
    assert!(metrics.render().contains(&format!(
        "tally_scheduler_next_fire_timestamp_seconds{{schedule=\"weekly-monitoring\"}} {}",
        utc(2026, 2, 2, 8, 0).timestamp()
    )));
    // The heartbeat is the time of the last tick: Saturday 2026-01-31 16:00:03.
    assert!(metrics.render().contains(&format!(
        "tally_scheduler_last_tick_timestamp_seconds {}",
        utc(2026, 1, 31, 16, 0).timestamp() + 3
    )));
    scheduler.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn three_replicas_over_ten_mondays_create_exactly_ten_runs() {
    let env = TestEnv::new(monday(0) - chrono::Duration::days(1)).await;
    let weekly = weekly_monitoring(None);
    let replicas: Vec<_> = (0..3)
        .map(|_| env.scheduler(RetryPolicy::default()))
        .collect();
    for replica in &replicas {
        replica.seed(std::slice::from_ref(&weekly)).await.unwrap();
    }
    for week in 0..10 {
        for offset in [0, 1, 30] {
            env.clock
                .set(monday(week) + chrono::Duration::seconds(offset));
            tokio::join!(replicas[0].tick(), replicas[1].tick(), replicas[2].tick());
        }
    }
    let runs = env.runs_of(&weekly).await;
    assert_eq!(runs.len(), 10);
    let created: u64 = replicas
        .iter()
        .map(|r| counter(&r.metrics().runs_created, "weekly-monitoring"))
        .sum();
    assert_eq!(created, 10);
    let mut slot_runs = BTreeSet::new();
    for week in 0..10 {
        let state = env
            .store
            .slot_state(&Slot::new(weekly.name.clone(), monday(week)))
            .await
            .unwrap();
        let Some(SlotClaim::Done(run)) = state else {
            panic!("week {week}: {state:?}")
        };
        slot_runs.insert(run);
    }
    assert_eq!(slot_runs.len(), 10);
    for replica in replicas {
        replica.shutdown(Duration::from_secs(1)).await;
    }
}

#[tokio::test]
async fn a_slot_missed_by_two_hours_is_caught_up_once() {
    let env = TestEnv::new(monday(0) - chrono::Duration::hours(20)).await;
    let weekly = weekly_monitoring(None);
    let first = env.scheduler(RetryPolicy::default());
    first.seed(std::slice::from_ref(&weekly)).await.unwrap();
    first.shutdown(Duration::from_secs(1)).await;

    // Down over Monday 08:00; started at 10:00.
    env.clock.set(monday(0) + chrono::Duration::hours(2));
    let restarted = env.scheduler(RetryPolicy::default());
    restarted.seed(std::slice::from_ref(&weekly)).await.unwrap();
    restarted.tick().await;
    restarted.tick().await;
    env.clock.advance(chrono::Duration::hours(1));
    restarted.tick().await;

    let runs = env.runs_of(&weekly).await;
    assert_eq!(runs.len(), 1);
    let state = env
        .store
        .slot_state(&Slot::new(weekly.name.clone(), monday(0)))
        .await
        .unwrap();
    assert_eq!(state, Some(SlotClaim::Done(runs[0].record.run_id.clone())));
    let metrics = restarted.metrics();
    assert_eq!(counter(&metrics.slots_caught_up, "weekly-monitoring"), 1);
    assert_eq!(counter(&metrics.slots_skipped, "weekly-monitoring"), 0);
    assert!(
        env.store
            .skipped_slots(&weekly.name, 10)
            .await
            .unwrap()
            .is_empty()
    );
    restarted.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_slot_missed_by_three_days_is_skipped_and_recorded_once() {
    let env = TestEnv::new(monday(0) - chrono::Duration::hours(20)).await;
    let weekly = weekly_monitoring(None);
    let replicas: Vec<_> = (0..2)
        .map(|_| env.scheduler(RetryPolicy::default()))
        .collect();
    replicas[0]
        .seed(std::slice::from_ref(&weekly))
        .await
        .unwrap();

    env.clock.set(monday(0) + chrono::Duration::days(3));
    for replica in &replicas {
        replica.tick().await;
        replica.tick().await;
    }
    assert!(env.runs_of(&weekly).await.is_empty());
    let skipped: u64 = replicas
        .iter()
        .map(|r| counter(&r.metrics().slots_skipped, "weekly-monitoring"))
        .sum();
    assert_eq!(skipped, 1);
    let records = env.store.skipped_slots(&weekly.name, 10).await.unwrap();
    assert_eq!(
        records,
        [SkippedSlots {
            first: monday(0),
            last: monday(0),
            count: 1,
            recorded_at: monday(0) + chrono::Duration::days(3),
        }]
    );

    // The next Monday runs as usual.
    env.clock.set(monday(1) + chrono::Duration::seconds(2));
    replicas[1].tick().await;
    assert_eq!(env.runs_of(&weekly).await.len(), 1);
    for replica in replicas {
        replica.shutdown(Duration::from_secs(1)).await;
    }
}

#[tokio::test]
async fn weeks_of_downtime_run_only_the_latest_slot() {
    let env = TestEnv::new(monday(0) - chrono::Duration::hours(20)).await;
    let weekly = weekly_monitoring(None);
    let scheduler = env.scheduler(RetryPolicy::default());
    scheduler.seed(std::slice::from_ref(&weekly)).await.unwrap();

    env.clock.set(monday(3) + chrono::Duration::hours(2));
    scheduler.tick().await;
    scheduler.tick().await;

    let runs = env.runs_of(&weekly).await;
    assert_eq!(runs.len(), 1);
    let state = env
        .store
        .slot_state(&Slot::new(weekly.name.clone(), monday(3)))
        .await
        .unwrap();
    assert_eq!(state, Some(SlotClaim::Done(runs[0].record.run_id.clone())));
    let records = env.store.skipped_slots(&weekly.name, 10).await.unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(
        (records[0].first, records[0].last, records[0].count),
        (monday(0), monday(2), 3)
    );
    assert_eq!(
        counter(&scheduler.metrics().slots_skipped, "weekly-monitoring"),
        3
    );
    scheduler.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_replica_that_died_between_claim_and_record_is_healed_without_a_second_run() {
    let env = TestEnv::new(monday(0) - chrono::Duration::hours(1)).await;
    let weekly = weekly_monitoring(None);
    let scheduler = env.scheduler(RetryPolicy::default());
    scheduler.seed(std::slice::from_ref(&weekly)).await.unwrap();

    // A replica claimed the slot with a short lease, submitted its run, and died
    // before recording the run on the slot.
    let slot = Slot::new(weekly.name.clone(), monday(0));
    let lease = Duration::from_millis(300);
    assert_eq!(
        env.store
            .claim_slot(&slot, "dead-replica", lease)
            .await
            .unwrap(),
        SlotClaim::Won
    );
    let orphan = env
        .store
        .submit(
            Submission {
                request: weekly.request.clone(),
                submitter: tally_core::run::Submitter {
                    api_key_name: None,
                    schedule: Some(weekly.name.to_string()),
                },
                idempotency: Some(slot.idempotency_key()),
            },
            10,
        )
        .await
        .unwrap();

    env.clock.set(monday(0) + chrono::Duration::seconds(1));
    scheduler.tick().await;
    assert_eq!(
        env.store.slot_state(&slot).await.unwrap(),
        Some(SlotClaim::InProgress)
    );
    // Once the lease runs out, the slot is taken over and resolves to the same run.
    eventually("the slot to be taken over", || async {
        scheduler.tick().await;
        env.store.slot_state(&slot).await.unwrap() == Some(SlotClaim::Done(orphan.run_id.clone()))
    })
    .await;
    let runs = env.runs_of(&weekly).await;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].record.run_id, orphan.run_id);
    assert_eq!(
        counter(&scheduler.metrics().runs_created, "weekly-monitoring"),
        0
    );
    scheduler.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn paused_slots_are_not_run_nor_caught_up_on_resume() {
    let env = TestEnv::new(monday(0) - chrono::Duration::hours(1)).await;
    let weekly = weekly_monitoring(None);
    let scheduler = env.scheduler(RetryPolicy::default());
    scheduler.seed(std::slice::from_ref(&weekly)).await.unwrap();
    env.api
        .set_schedule_paused(&weekly.name, true, monday(0) - chrono::Duration::hours(1))
        .await
        .unwrap();

    env.clock.set(monday(0) + chrono::Duration::seconds(1));
    scheduler.tick().await;
    env.clock.set(monday(0) + chrono::Duration::hours(1));
    let resumed = env
        .api
        .set_schedule_paused(&weekly.name, false, monday(0) + chrono::Duration::hours(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resumed.active_since, monday(0) + chrono::Duration::hours(1));
    scheduler.tick().await;
    assert!(env.runs_of(&weekly).await.is_empty());
    assert!(
        env.store
            .skipped_slots(&weekly.name, 10)
            .await
            .unwrap()
            .is_empty()
    );

    env.clock.set(monday(1) + chrono::Duration::seconds(1));
    scheduler.tick().await;
    assert_eq!(env.runs_of(&weekly).await.len(), 1);
    scheduler.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_slot_whose_dataset_is_unknown_fails_once_and_creates_nothing() {
    let env = TestEnv::new(monday(0) - chrono::Duration::hours(1)).await;
    let mut value = weekly_monitoring(None).to_json();
    value["request"]["dataset_name"] = serde_json::json!("no-such-dataset");
    let schedule = tally_core::schedule::Schedule::from_json(&value).unwrap();
    let scheduler = env.scheduler(RetryPolicy::default());
    scheduler
        .seed(std::slice::from_ref(&schedule))
        .await
        .unwrap();

    env.clock.set(monday(0) + chrono::Duration::seconds(1));
    scheduler.tick().await;
    scheduler.tick().await;
    let state = env
        .store
        .slot_state(&Slot::new(schedule.name.clone(), monday(0)))
        .await
        .unwrap();
    assert_eq!(
        state,
        Some(SlotClaim::Failed(
            "dataset_name: no dataset named \"no-such-dataset\"".to_string()
        ))
    );
    assert!(env.runs_of(&schedule).await.is_empty());
    assert_eq!(
        counter(&scheduler.metrics().slot_failures, "weekly-monitoring"),
        1
    );
    scheduler.shutdown(Duration::from_secs(1)).await;
}

/// A run that would not fit in Redis is not retried on every tick: the slot waits a
/// minute, then two, and its refusal is kept on the schedule until a run is made.
#[tokio::test]
async fn a_slot_refused_for_lack_of_room_waits_longer_after_each_refusal() {
    let env = TestEnv::new(monday(0) - chrono::Duration::hours(1)).await;
    let weekly = weekly_monitoring(None);
    // One byte of budget: no run fits.
    let cramped = env.scheduler_on(
        env.store_with_memory_budget(1).await,
        RetryPolicy::default(),
    );
    cramped.seed(std::slice::from_ref(&weekly)).await.unwrap();
    let seconds = chrono::Duration::seconds;
    let refusal = || async {
        let view = env.store.schedule(&weekly.name).await.unwrap().unwrap();
        view.refusal.expect("the refusal is kept on the schedule")
    };
    let refusals = || counter(&cramped.metrics().slot_refusals, "weekly-monitoring");

    env.clock.set(monday(0) + seconds(5));
    cramped.tick().await;
    let first = refusal().await;
    assert_eq!(
        (first.slot, first.attempts, first.next_attempt),
        (monday(0), 1, monday(0) + seconds(65))
    );
    assert!(
        first.reason.contains("TALLY_REDIS_MEMORY_BUDGET"),
        "{}",
        first.reason
    );
    // Ticks before the next attempt leave the slot alone.
    for at in [10, 30, 64] {
        env.clock.set(monday(0) + seconds(at));
        cramped.tick().await;
    }
    assert_eq!(refusals(), 1);
    assert_eq!(refusal().await, first);

    env.clock.set(first.next_attempt);
    cramped.tick().await;
    let second = refusal().await;
    assert_eq!(
        (second.attempts, second.next_attempt),
        (2, first.next_attempt + seconds(120))
    );
    assert_eq!(refusals(), 2);
    assert!(env.runs_of(&weekly).await.is_empty());
    assert_eq!(
        env.store
            .slot_state(&Slot::new(weekly.name.clone(), monday(0)))
            .await
            .unwrap(),
        None,
        "the claim was given back"
    );

    // With room, another replica waits for the next attempt too, then runs the slot.
    let roomy = env.scheduler(RetryPolicy::default());
    env.clock.set(second.next_attempt - seconds(1));
    roomy.tick().await;
    assert!(env.runs_of(&weekly).await.is_empty());
    env.clock.set(second.next_attempt);
    roomy.tick().await;
    assert_eq!(env.runs_of(&weekly).await.len(), 1);
    let view = env.store.schedule(&weekly.name).await.unwrap().unwrap();
    assert_eq!(view.refusal, None);
    assert_eq!(view.last_slot, Some(monday(0)));
    cramped.shutdown(Duration::from_secs(1)).await;
    roomy.shutdown(Duration::from_secs(1)).await;
}

#[test]
fn the_refusal_backoff_doubles_from_a_minute_to_an_hour() {
    let waits: Vec<u64> = (1..=8)
        .map(|n| tally_scheduler::REFUSAL_BACKOFF.ceiling(n).as_secs() / 60)
        .collect();
    assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60]);
}
