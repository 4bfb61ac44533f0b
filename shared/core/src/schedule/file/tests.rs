use super::*;

const SHIPPED: &str = include_str!("../../../../../deploy/schedules.toml");

#[test]
fn the_shipped_file_holds_the_weekly_monitoring_schedule() {
    let schedules = parse_schedules_file("deploy/schedules.toml", SHIPPED).unwrap();
    assert_eq!(schedules.len(), 1);
    let weekly = &schedules[0];
    assert_eq!(weekly.name.as_str(), "weekly-monitoring");
    assert_eq!(weekly.calendar.cron().as_str(), "0 8 * * 1");
    assert_eq!(weekly.calendar.zone().as_str(), "UTC");
    assert_eq!(
        weekly.request.dataset_name.as_str(),
        "vote-extraction-bangbamru-1-10"
    );
    assert_eq!(weekly.request.dataset_version, None);
    assert_eq!(weekly.request.sample_size.unwrap().get(), 5);
    let configs: Vec<(String, f64, String)> = weekly
        .request
        .model_configs
        .iter()
        .map(|c| {
            (
                c.model.as_str().to_string(),
                c.temperature.get(),
                c.experiment_name(),
            )
        })
        .collect();
    assert_eq!(
        configs,
        [
            (
                "gemini-2.5-flash-lite".to_string(),
                0.0,
                "vote-extraction-ci-lite".to_string()
            ),
            (
                "gemini-2.5-flash".to_string(),
                0.0,
                "vote-extraction-ci-flash".to_string()
            ),
        ]
    );
    assert!(!weekly.paused);
    assert_eq!(weekly.alerts.accuracy_drop.get(), 0.05);
}

#[test]
fn problems_name_the_schedule_entry_and_field() {
    let text = r#"
[[schedule]]
name = "a"
cron = "0 8 * * 1"
request = { dataset_name = "d", model_configs = [{ model = "m", temperature = 0.0 }] }

[[schedule]]
name = "a"
cron = "0 8 * *"
request = { dataset_name = "d", jobs = 0, model_configs = [{ model = "m", temperature = 0.0 }] }

[extra]
x = 1
"#;
    let err = parse_schedules_file("schedules.toml", text).unwrap_err();
    let SchedulesFileError::Invalid { problems, .. } = &err else {
        panic!("{err}")
    };
    let found: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        found,
        ["extra", "schedule[1].cron", "schedule[1].request.jobs"]
    );
    assert!(
        err.to_string()
            .starts_with("schedules.toml: 3 problem(s): "),
        "{err}"
    );

    let duplicate = text.replace("cron = \"0 8 * *\"", "cron = \"0 9 * * 1\"");
    let duplicate = duplicate.replace("jobs = 0, ", "");
    let duplicate = duplicate.replace("[extra]\nx = 1\n", "");
    let err = parse_schedules_file("schedules.toml", &duplicate).unwrap_err();
    assert!(
        err.to_string()
            .contains("schedule[1].name: \"a\" is already the name of schedule[0]"),
        "{err}"
    );
}

#[test]
fn syntax_errors_and_empty_files() {
    let err = parse_schedules_file("s.toml", "[[schedule]\n").unwrap_err();
    assert!(
        err.to_string().starts_with("s.toml: is not valid TOML: "),
        "{err}"
    );
    assert!(parse_schedules_file("s.toml", "").unwrap().is_empty());
    let err = read_schedules_file(Path::new("/nonexistent/schedules.toml")).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("/nonexistent/schedules.toml: cannot be read"),
        "{err}"
    );
}
