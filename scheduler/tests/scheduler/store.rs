//! The schedule store: the operations the API's schedule routes are built on, and
//! who wins between the schedules file and the API.

use serde_json::json;
use tally_core::schedule::Schedule;
use tally_store::{ScheduleOrigin, SeedOutcome};

use crate::support::*;

fn edited(schedule: &Schedule, change: impl FnOnce(&mut serde_json::Value)) -> Schedule {
    let mut value = schedule.to_json();
    change(&mut value);
    Schedule::from_json(&value).unwrap()
}

#[tokio::test]
async fn create_read_replace_pause_and_delete() {
    let env = TestEnv::new(monday(0)).await;
    let store = &env.api;
    let now = monday(0) - chrono::Duration::days(2);
    let weekly = weekly_monitoring(Some("https://hooks.example/services/s3cret"));

    assert!(store.create_schedule(&weekly, now).await.unwrap());
    assert!(!store.create_schedule(&weekly, now).await.unwrap());
    let view = store.schedule(&weekly.name).await.unwrap().unwrap();
    assert_eq!(view.schedule, weekly);
    assert_eq!(view.origin, ScheduleOrigin::Api);
    assert_eq!(
        (view.created_at, view.active_since, view.last_slot),
        (now, now, None)
    );
    assert_eq!(view.next_fire_times(now, 2), [monday(0), monday(1)]);

    let daily = edited(&weekly, |v| v["cron"] = json!("30 6 * * *"));
    let later = now + chrono::Duration::hours(1);
    let view = store
        .replace_schedule(&daily, later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.schedule.calendar.cron().as_str(), "30 6 * * *");
    // A new calendar counts slots from the edit.
    assert_eq!(
        (view.created_at, view.updated_at, view.active_since),
        (now, later, later)
    );
    assert_eq!(
        view.schedule.alerts.webhook_url.unwrap().expose(),
        "https://hooks.example/services/s3cret"
    );

    let paused = store
        .set_schedule_paused(&weekly.name, true, later)
        .await
        .unwrap()
        .unwrap();
    assert!(paused.schedule.paused);
    assert!(paused.next_fire_times(later, 3).is_empty());
    assert_eq!(store.schedules().await.unwrap().len(), 1);

    assert!(store.delete_schedule(&weekly.name).await.unwrap());
    assert!(!store.delete_schedule(&weekly.name).await.unwrap());
    assert_eq!(store.schedule(&weekly.name).await.unwrap(), None);
    assert_eq!(store.replace_schedule(&weekly, later).await.unwrap(), None);
    assert_eq!(
        store
            .set_schedule_paused(&weekly.name, false, later)
            .await
            .unwrap(),
        None
    );
    assert!(store.schedules().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_file_seeds_and_api_edits_win() {
    let env = TestEnv::new(monday(0)).await;
    let (store, api) = (&env.store, &env.api);
    let t0 = monday(0) - chrono::Duration::days(3);
    let weekly = weekly_monitoring(None);

    assert_eq!(
        store.seed_schedule(&weekly, t0).await.unwrap(),
        SeedOutcome::Created
    );
    assert_eq!(
        store.seed_schedule(&weekly, t0).await.unwrap(),
        SeedOutcome::Unchanged
    );
    // The file changed (and the schedule was never edited through the API).
    let file_v2 = edited(&weekly, |v| v["request"]["sample_size"] = json!(3));
    assert_eq!(
        store.seed_schedule(&file_v2, t0).await.unwrap(),
        SeedOutcome::Updated
    );
    let view = store.schedule(&weekly.name).await.unwrap().unwrap();
    assert_eq!(
        (view.schedule.clone(), view.origin),
        (file_v2.clone(), ScheduleOrigin::File)
    );
    assert_eq!(view.active_since, t0, "same calendar: slots keep counting");

    // An API edit; the file no longer overrides it.
    let api_version = edited(&weekly, |v| v["request"]["sample_size"] = json!(8));
    api.replace_schedule(&api_version, t0)
        .await
        .unwrap()
        .unwrap();
    let file_v3 = edited(&weekly, |v| v["request"]["sample_size"] = json!(2));
    assert_eq!(
        store.seed_schedule(&file_v3, t0).await.unwrap(),
        SeedOutcome::KeptApiVersion
    );
    let view = store.schedule(&weekly.name).await.unwrap().unwrap();
    assert_eq!(
        (view.schedule, view.origin),
        (api_version, ScheduleOrigin::Api)
    );

    // Deleted through the API: the file does not bring it back; the API can.
    api.delete_schedule(&weekly.name).await.unwrap();
    assert_eq!(
        store.seed_schedule(&weekly, t0).await.unwrap(),
        SeedOutcome::DeletedThroughApi
    );
    assert_eq!(store.schedule(&weekly.name).await.unwrap(), None);
    assert!(api.create_schedule(&weekly, t0).await.unwrap());
    assert!(store.schedule(&weekly.name).await.unwrap().is_some());
}
