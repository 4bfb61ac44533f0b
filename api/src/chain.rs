//! A run's chain in its status: the links between a first run and its retries (both
//! ways), and the combined result — one summary per experiment over the union of
//! the chain's results, each record counted once, its latest attempt winning.

use tally_core::contract::views::RunLink;
use tally_core::contract::{ExperimentResponse, ExperimentStatus, RunStatus};
use tally_core::run::{
    RunId, RunView, SummaryContext, assemble_response, combined_status, summarize_experiment,
};

use crate::backend::Connected;
use crate::error::ApiError;
use crate::state::AppState;

/// A link to another run of the chain.
fn link(run: &RunView, state: &AppState) -> RunLink {
    link_to(&run.record.run_id, Some(run.status), state)
}

fn link_to(id: &RunId, status: Option<RunStatus>, state: &AppState) -> RunLink {
    RunLink {
        run_id: id.to_string(),
        status,
        status_url: state.urls.run_status(id),
        run_url: state.urls.run_page(id),
    }
}

/// The chain fields of a run's status (`RunStatusView`'s `retry_of`, `retries` and
/// `combined_result`).
#[derive(Debug, Clone, Default)]
pub struct ChainView {
    /// On a retry: the chain's first run, which it completes.
    pub retry_of: Option<RunLink>,
    /// On a first run: its retries, oldest first.
    pub retries: Vec<RunLink>,
    /// Once every run of a chain with retries is final: the first run's
    /// `ExperimentResponse` recomputed over the whole chain.
    pub combined_result: Option<ExperimentResponse>,
}

pub async fn chain_of(
    connected: &Connected,
    run: &RunView,
    state: &AppState,
) -> Result<ChainView, ApiError> {
    let store = &connected.store;
    if run.record.retry_of.is_none() && store.run_retries(&run.record.run_id).await?.is_empty() {
        return Ok(ChainView::default());
    }
    let Some(chain) = store.run_chain(&run.record.run_id).await? else {
        return Ok(ChainView::default());
    };
    let retry_of = run
        .record
        .retry_of
        .as_ref()
        .map(|root| match chain.first() {
            Some(first) if &first.record.run_id == root => link(first, state),
            _ => link_to(root, None, state),
        });
    let retries = if run.record.retry_of.is_none() {
        chain.iter().skip(1).map(|r| link(r, state)).collect()
    } else {
        Vec::new()
    };
    let complete = chain.len() > 1 && chain.iter().all(|r| r.status.is_final());
    let combined_result = if complete {
        Some(combined(connected, &chain, state).await?)
    } else {
        None
    };
    Ok(ChainView {
        retry_of,
        retries,
        combined_result,
    })
}

/// The chain's result: each experiment of the first run summarised over the latest
/// attempt at every record.
async fn combined(
    connected: &Connected,
    chain: &[RunView],
    state: &AppState,
) -> Result<ExperimentResponse, ApiError> {
    let store = &connected.store;
    let (Some(first), Some(latest)) = (chain.first(), chain.last()) else {
        return Err(ApiError::Internal("an empty run chain".to_string()));
    };
    let experiments = store.experiments(&first.record.experiments).await?;
    let results = store.combined_results(chain).await?;
    let mut summaries = Vec::with_capacity(results.len());
    for (index, (experiment, merged)) in experiments.into_iter().zip(results).enumerate() {
        let Some(experiment) = experiment else {
            return Err(ApiError::Internal(format!(
                "run {} lists an experiment that is not stored",
                first.record.run_id
            )));
        };
        let latest_status = latest
            .response
            .as_ref()
            .and_then(|response| response.experiments.get(index))
            .map_or(ExperimentStatus::Failed, |summary| summary.status);
        let (status, error) = combined_status(experiment.record.units(), &merged, latest_status);
        let context = SummaryContext {
            urls: &state.urls,
            status,
            error,
        };
        summaries.push(summarize_experiment(&experiment.record, &merged, &context));
    }
    Ok(assemble_response(&first.record, summaries, &state.urls).1)
}
