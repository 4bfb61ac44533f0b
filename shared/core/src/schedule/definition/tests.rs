use serde_json::json;

use super::*;

fn weekly() -> Value {
    json!({
        "name": "weekly-monitoring",
        "cron": "0 8 * * 1",
        "request": {
            "dataset_name": "vote-extraction-bangbamru-1-10",
            "dataset_version": "latest",
            "sample_size": 5,
            "model_configs": [{"model": "gemini-2.5-flash", "temperature": 0.0, "name_suffix": "ci-flash"}]
        }
    })
}

fn fields(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn a_minimal_schedule_takes_the_defaults() {
    let schedule = Schedule::from_json(&weekly()).unwrap();
    assert_eq!(schedule.name.as_str(), "weekly-monitoring");
    assert_eq!(schedule.calendar.cron().as_str(), "0 8 * * 1");
    assert_eq!(schedule.calendar.zone().as_str(), "UTC");
    assert!(!schedule.paused);
    assert_eq!(schedule.alerts, AlertSettings::default());
    assert_eq!(schedule.request.dataset_version, None);
    assert_eq!(schedule.request.sample_size.unwrap().get(), 5);
    assert_eq!(schedule.request.jobs.get(), 2);
}

#[test]
fn the_stored_form_reads_back_the_same_and_the_public_form_hides_the_webhook() {
    let mut value = weekly();
    value["time_zone"] = json!("Asia/Bangkok");
    value["paused"] = json!(true);
    value["request"]["dataset_version"] = json!(3);
    value["alerts"] =
        json!({"accuracy_drop": 0.02, "webhook_url": "https://hooks.example/services/s3cret"});
    let schedule = Schedule::from_json(&value).unwrap();
    assert_eq!(schedule.request.dataset_version.unwrap().get(), 3);
    assert_eq!(schedule.alerts.success_rate_drop.get(), 0.10);

    let stored = serde_json::to_string(&schedule).unwrap();
    let back: Schedule = serde_json::from_str(&stored).unwrap();
    assert_eq!(back, schedule);

    let public = schedule.to_public_json();
    assert_eq!(public["alerts"]["webhook_url"], "https://hooks.example/…");
    assert!(!public.to_string().contains("s3cret"));
    // Sent back as shown, the redacted URL keeps the stored one.
    let edited = Schedule::from_json_replacing(&public, Some(&schedule)).unwrap();
    assert_eq!(
        edited.alerts.webhook_url.unwrap().expose(),
        "https://hooks.example/services/s3cret"
    );
}

#[test]
fn every_problem_is_reported_with_its_path() {
    let value = json!({
        "name": "weekly:monitoring",
        "cron": "0 8 * * 8",
        "time_zone": "Mars/Olympus",
        "paused": "no",
        "colour": "blue",
        "request": {
            "dataset_name": "vote-extraction-bangbamru-1-10",
            "dataset_version": "newest",
            "api_key": "s3cret",
            "model_configs": [{"model": "gemini-2.5-flash", "temperature": 3.5}]
        },
        "alerts": {"accuracy_drop": 2, "success_rate_drop": "a lot", "webhook_url": "ftp://x/y", "channel": "#ops"}
    });
    let errors = Schedule::from_json(&value).unwrap_err();
    let mut found = fields(&errors);
    found.sort();
    assert_eq!(
        found,
        [
            "alerts.accuracy_drop",
            "alerts.channel",
            "alerts.success_rate_drop",
            "alerts.webhook_url",
            "colour",
            "cron",
            "name",
            "paused",
            "request.api_key",
            "request.dataset_version",
            "request.model_configs[0].temperature",
            "time_zone",
        ]
    );
    let message = |field: &str| {
        errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
            .unwrap()
    };
    assert!(
        message("cron").starts_with("day-of-week field \"8\""),
        "{}",
        message("cron")
    );
    assert!(message("request.dataset_version").contains("or \"latest\""));
    assert!(!errors.iter().any(|e| e.to_string().contains("s3cret")));
}

#[test]
fn unknown_fields_of_the_request_are_refused_not_ignored() {
    let mut value = weekly();
    value["request"]["colour"] = json!("blue");
    value["request"]["model_configs"][0]["temprature"] = json!(0.5);
    let errors = Schedule::from_json(&value).unwrap_err();
    assert_eq!(
        fields(&errors),
        ["request.model_configs[0].temprature", "request.colour"]
    );
    assert!(
        errors[1]
            .message
            .starts_with("unknown field (expected one of: ml_app,")
    );
}

#[test]
fn required_fields_are_named() {
    let errors = Schedule::from_json(&json!({})).unwrap_err();
    assert_eq!(fields(&errors), ["name", "cron", "request"]);
    let errors = Schedule::from_json(&json!([])).unwrap_err();
    assert_eq!(errors[0].message, "must be an object, got an array");
}

#[test]
fn a_changed_calendar_is_noticed() {
    let a = Schedule::from_json(&weekly()).unwrap();
    let mut b = a.clone();
    b.paused = true;
    assert!(!a.calendar_differs(&b));
    let mut value = weekly();
    value["time_zone"] = json!("Europe/Berlin");
    assert!(a.calendar_differs(&Schedule::from_json(&value).unwrap()));
}
