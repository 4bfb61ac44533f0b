//! Links to a run's experiments and dataset in Datadog, once the export has
//! created them: the `datadog_*_url` fields of a final run's answer, on the UI
//! host of the site the run asked for.

use tally_core::run::RunView;
use tally_datadog::UiLinks;
use tally_store::{Store, StoreError};

/// Fills the Datadog links of `run`'s final answer from its export's progress;
/// leaves them `null` for what Datadog does not have yet.
pub async fn fill(store: &Store, run: &mut RunView) -> Result<(), StoreError> {
    let Some(response) = run.response.as_mut() else {
        return Ok(());
    };
    let progress = store.export_progress(&run.record.run_id).await?;
    if progress.is_empty() {
        return Ok(());
    }
    let links = UiLinks::of_site(run.record.request.site);
    if let Some(dataset_id) = progress.get("dataset_id") {
        response.datadog_comparison_url =
            Some(links.comparison(dataset_id, run.record.request.project_name.as_str()));
    }
    for experiment in &mut response.experiments {
        if let Some(id) = progress.get(&format!("exp:{}", experiment.experiment_id)) {
            experiment.datadog_experiment_url = Some(links.experiment(id));
        }
    }
    Ok(())
}
