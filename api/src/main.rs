//! tally-api: settings from the environment → the application → serve until SIGTERM
//! or Ctrl-C, then finish the requests in flight.

use std::process::ExitCode;

use tally_api::{Application, Settings};

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("tally-api: {error}");
            return ExitCode::FAILURE;
        }
    };
    tally_daemon::telemetry::init(settings.log_format);
    let application = match Application::build(settings).await {
        Ok(application) => application,
        Err(error) => {
            tracing::error!(%error, "cannot start");
            eprintln!("tally-api: {error}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        address = %application.address(),
        public_url = application.base_url(),
        "tally-api listening"
    );
    match application
        .run_until_stopped(tally_daemon::shutdown::signal())
        .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "server failed");
            ExitCode::FAILURE
        }
    }
}
