//! One record of one experiment: the model call and its scoring, as a `RecordResult`.
//!
//! Never fails: whatever goes wrong with the call becomes a failed result with a kind
//! and a message, so every record reaches a final state.

use chrono::Utc;
use tally_core::contract::{ModelConfig, TokenUsage};
use tally_core::dataset::DatasetRecord;
use tally_core::evaluators::{self, Outcome};
use tally_core::run::{ExperimentRecord, RecordError, RecordResult, RecordStatus};
use tally_gemini::{Answer, CacheUse, Extraction, GenerationSettings, ModelFailure, Page};

use crate::context::Context;

/// Times a worker may start a record before it is given up on: a record whose
/// processing kills the worker (it was started but never written) must not loop
/// forever through orphan recovery.
pub const MAX_RECORD_STARTS: u32 = 3;

/// The error kind of a record given up on after `MAX_RECORD_STARTS`.
pub const ABANDONED: &str = "abandoned";

/// The call settings of a configuration, the cache left out (`execute` adds the
/// experiment's mode).
pub fn settings_of(config: &ModelConfig) -> GenerationSettings {
    GenerationSettings {
        model: config.model.as_str().to_string(),
        temperature: config.temperature.get(),
        top_p: config.top_p.map(|p| p.get()),
        top_k: config.top_k.map(|k| k.get()),
        seed: config.seed.map(|s| s.get()),
        max_output_tokens: config.max_output_tokens.get(),
        thinking_budget: config.thinking_budget.map(|b| b.get()),
        cache: CacheUse::default(),
    }
}

/// A record's trial given up on after it was started `starts` times without a result.
pub fn abandoned(worker: &str, record: &DatasetRecord, trial: u32, starts: u32) -> RecordResult {
    let result = failed_result(
        worker,
        record,
        RecordError {
            kind: ABANDONED.to_string(),
            message: format!(
                "abandoned after {starts} starts: a worker stopped while processing this record each time"
            ),
        },
    );
    RecordResult { trial, ..result }
}

/// Calls the model for `record` at `trial` (the caller holds the call permit) and
/// scores the answer.
pub async fn execute(
    context: &Context,
    experiment: &ExperimentRecord,
    record: &DatasetRecord,
    trial: u32,
) -> RecordResult {
    let mut result = call_and_score(context, experiment, record, trial).await;
    result.trial = trial;
    result
}

async fn call_and_score(
    context: &Context,
    experiment: &ExperimentRecord,
    record: &DatasetRecord,
    trial: u32,
) -> RecordResult {
    if experiment.config.model.as_str() == tally_ocr::MODEL {
        let _in_flight = InFlight::enter(context);
        return crate::ocr::execute(context, record).await;
    }
    let pages = Page::of_record(context.data_dir.root(), record);
    let configured = settings_of(&experiment.config);
    let settings = GenerationSettings {
        cache: CacheUse {
            read: experiment.cache.reads(),
            write: experiment.cache.writes(),
            trial,
        },
        // A fixed seed would make every trial the same sample: trial k sends
        // seed + k, so trials stay reproducible and still differ.
        seed: configured
            .seed
            .map(|seed| seed.wrapping_add_unsigned(trial)),
        ..configured
    };
    let call = {
        let _in_flight = InFlight::enter(context);
        context.model.extract(&pages, &settings).await
    };
    scored(&context.name, record, call)
}

/// The result of one model answer (online or from a batch), scored against the
/// record's expected output.
pub fn scored(
    worker: &str,
    record: &DatasetRecord,
    call: Result<Extraction, ModelFailure>,
) -> RecordResult {
    let expected = Some(record.expected_output.as_slice());
    match call {
        Ok(extraction) => {
            let outcome = Outcome::Reports(extraction.reports);
            // A cached answer cost nothing now; what it cost then is the saving.
            let (cost_usd, cached_cost_usd) = if extraction.cached {
                (Some(0.0), extraction.answer.cost_usd)
            } else {
                (extraction.answer.cost_usd, None)
            };
            RecordResult {
                record_id: record.id.clone(),
                trial: 0,
                status: RecordStatus::Succeeded,
                evaluations: evaluators::evaluate_record(expected, &outcome),
                output: match outcome {
                    Outcome::Reports(reports) => Some(reports),
                    Outcome::Failed(_) => None,
                },
                error: None,
                latency_ms: extraction.latency.as_millis() as u64,
                tokens: tokens(&extraction.answer),
                cost_usd,
                attempts: extraction.attempts,
                rate_limited: extraction.rate_limited,
                model_version: extraction.answer.model_version,
                finish_reason: extraction.answer.finish_reason,
                emulated: extraction.answer.emulated,
                cached: extraction.cached,
                cached_cost_usd,
                worker: Some(worker.to_string()),
                cpu_ms: None,
                ocr: None,
                finished_at: Utc::now(),
            }
        }
        Err(failure) => {
            let outcome = Outcome::Failed(failure.message.clone());
            let answer = failure.answer.as_deref();
            RecordResult {
                record_id: record.id.clone(),
                trial: 0,
                status: RecordStatus::Failed,
                output: None,
                evaluations: evaluators::evaluate_record(expected, &outcome),
                error: Some(RecordError {
                    kind: failure.kind.as_str().to_string(),
                    message: failure.message,
                }),
                latency_ms: failure.latency.as_millis() as u64,
                tokens: answer.map(tokens).unwrap_or_default(),
                cost_usd: answer.and_then(|a| a.cost_usd),
                attempts: failure.attempts,
                rate_limited: failure.rate_limited,
                model_version: answer.and_then(|a| a.model_version.clone()),
                finish_reason: answer.and_then(|a| a.finish_reason.clone()),
                emulated: answer.is_some_and(|a| a.emulated),
                cached: false,
                cached_cost_usd: None,
                worker: Some(worker.to_string()),
                cpu_ms: None,
                ocr: None,
                finished_at: Utc::now(),
            }
        }
    }
}

pub(crate) fn failed_result(
    worker: &str,
    record: &DatasetRecord,
    error: RecordError,
) -> RecordResult {
    let outcome = Outcome::Failed(error.message.clone());
    RecordResult {
        record_id: record.id.clone(),
        trial: 0,
        status: RecordStatus::Failed,
        output: None,
        evaluations: evaluators::evaluate_record(Some(&record.expected_output), &outcome),
        error: Some(error),
        latency_ms: 0,
        tokens: TokenUsage::default(),
        cost_usd: None,
        attempts: 0,
        rate_limited: 0,
        model_version: None,
        finish_reason: None,
        emulated: false,
        cached: false,
        cached_cost_usd: None,
        worker: Some(worker.to_string()),
        cpu_ms: None,
        ocr: None,
        finished_at: Utc::now(),
    }
}

fn tokens(answer: &Answer) -> TokenUsage {
    TokenUsage {
        prompt: answer.usage.prompt_tokens,
        output: answer.usage.candidates_tokens,
        thinking: answer.usage.thoughts_tokens,
        cached: answer.usage.cached_tokens,
    }
}

/// Counts a model call in the in-flight gauge for as long as it lives.
pub(crate) struct InFlight<'a>(&'a Context);

impl<'a> InFlight<'a> {
    pub(crate) fn enter(context: &'a Context) -> Self {
        context.metrics.in_flight.inc();
        InFlight(context)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.metrics.in_flight.dec();
    }
}
