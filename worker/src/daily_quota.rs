//! `on_daily_quota: "fail"`: an experiment whose model's daily quota is used up fails
//! at once instead of waiting for midnight Pacific.
//!
//! The pacer holds a call back while its model's daily block stands in Redis (our
//! count reached the quota, or a per-day 429 arrived), and would hold it until the
//! quota resets. For such an experiment the call is raced against that block: once
//! it stands, the call is dropped and the record fails with the kind
//! `daily_quota_exhausted`, which stops the experiment (`stops_experiment`).

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use tally_core::contract::OnDailyQuota;
use tally_core::dataset::DatasetRecord;
use tally_core::run::{ExperimentRecord, RecordError, RecordResult, RecordStatus};
use tally_gemini::FailureKind;

use crate::context::Context;
use crate::record::{self, failed_result};

/// How often a call of a `fail` experiment looks for its model's daily block.
const RECHECK: Duration = Duration::from_secs(1);

/// `record::execute`, except that a `fail` experiment's call ends as a failed
/// record as soon as its model's daily quota is used up.
pub async fn execute(
    context: &Context,
    experiment: &ExperimentRecord,
    record: &DatasetRecord,
    trial: u32,
) -> RecordResult {
    if experiment.on_daily_quota == OnDailyQuota::Wait {
        return record::execute(context, experiment, record, trial).await;
    }
    let model = experiment.config.model.as_str();
    let call = record::execute(context, experiment, record, trial);
    tokio::pin!(call);
    loop {
        // Unreadable: the call goes on, and the block is looked for again later.
        if let Ok(Some(until)) = context.store.daily_block(model).await {
            return exhausted(context, record, model, until);
        }
        tokio::select! {
            result = &mut call => return result,
            () = tokio::time::sleep(RECHECK) => {}
        }
    }
}

/// Whether `result` stops its experiment because its daily quota is used up.
pub fn stops_experiment(experiment: &ExperimentRecord, result: &RecordResult) -> bool {
    experiment.on_daily_quota == OnDailyQuota::Fail
        && result.status == RecordStatus::Failed
        && result
            .error
            .as_ref()
            .is_some_and(|error| error.kind == FailureKind::DailyQuotaExhausted.as_str())
}

fn exhausted(
    context: &Context,
    record: &DatasetRecord,
    model: &str,
    until: DateTime<Utc>,
) -> RecordResult {
    let until = until.to_rfc3339_opts(SecondsFormat::Secs, true);
    failed_result(
        &context.name,
        record,
        RecordError {
            kind: FailureKind::DailyQuotaExhausted.as_str().to_string(),
            message: format!(
                "the daily quota of {model} is used up until {until} and on_daily_quota is fail"
            ),
        },
    )
}
