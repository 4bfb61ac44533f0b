//! The run's `ExperimentResponse`, assembled from its final experiment summaries.

use crate::contract::{
    ExperimentResponse, ExperimentStatus, ExperimentSummary, ResponseStatus, RunStatus,
};

use super::model::RunRecord;
use super::urls::PublicUrls;

/// The run's final status and response. A run with a cancelled experiment is
/// `cancelled`; otherwise it is `succeeded`, `partial` or `failed` by how many
/// experiments succeeded, as the old service counted them.
pub fn assemble_response(
    run: &RunRecord,
    experiments: Vec<ExperimentSummary>,
    urls: &PublicUrls,
) -> (RunStatus, ExperimentResponse) {
    let total = experiments.len() as u64;
    let successful = experiments
        .iter()
        .filter(|e| e.status == ExperimentStatus::Success)
        .count() as u64;
    let cancelled = experiments
        .iter()
        .any(|e| e.status == ExperimentStatus::Cancelled);
    let response_status = ResponseStatus::from_counts(successful, total);
    let run_status = match (cancelled, response_status) {
        (true, _) => RunStatus::Cancelled,
        (false, ResponseStatus::Success) => RunStatus::Succeeded,
        (false, ResponseStatus::Partial) => RunStatus::Partial,
        (false, ResponseStatus::Failed) => RunStatus::Failed,
    };
    // With trials, `total_records` counts record × trial results: the sample is
    // that over the trials.
    let sample = experiments
        .iter()
        .map(|e| e.total_records / e.trials.as_ref().map_or(1, |t| u64::from(t.trials.max(1))))
        .max()
        .unwrap_or(0);
    let emulated = if experiments.iter().any(|e| e.emulated) {
        " (answers from gemini-emulator, not Gemini)"
    } else {
        ""
    };
    let message = format!(
        "{successful} of {total} experiments succeeded on {} v{} ({sample} records each){}{emulated}",
        run.dataset.name,
        run.dataset.version,
        if cancelled {
            "; the run was cancelled"
        } else {
            ""
        },
    );
    let response = ExperimentResponse {
        status: response_status,
        message,
        total_experiments: total,
        successful_experiments: successful,
        failed_experiments: total - successful,
        experiments,
        dataset_name: run.dataset.name.as_str().to_string(),
        dataset_size: run.dataset.size,
        sample_size: sample,
        project_name: run.request.project_name.as_str().to_string(),
        comparison_url: Some(urls.comparison_page(&run.run_id)),
        dataset_id: Some(format!("{}@v{}", run.dataset.name, run.dataset.version)),
        datadog_comparison_url: None,
        warnings: Vec::new(),
    };
    (run_status, response)
}
