//! `datadog-emulator`: settings from the environment → listener → serve until
//! Ctrl-C / SIGTERM.

use std::process::ExitCode;

use datadog_emulator::EmulatorConfig;
use datadog_emulator::config::listen_address;
use tally_daemon::telemetry::{self, LOG_FORMAT_ENV, LogFormat};

#[tokio::main]
async fn main() -> ExitCode {
    let format = match LogFormat::parse(std::env::var(LOG_FORMAT_ENV).ok().as_deref()) {
        Ok(format) => format,
        Err(error) => {
            eprintln!("datadog-emulator: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(format);
    let (config, address) =
        match EmulatorConfig::from_env().and_then(|c| Ok((c, listen_address()?))) {
            Ok(loaded) => loaded,
            Err(error) => {
                eprintln!("datadog-emulator: {error}");
                return ExitCode::from(2);
            }
        };
    let listener = match tokio::net::TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("datadog-emulator: cannot listen on {address}: {error}");
            return ExitCode::from(2);
        }
    };
    let address = listener.local_addr().unwrap_or(address);
    tracing::info!(
        %address,
        admin_token = config.admin_token.is_some(),
        "datadog-emulator listening (an emulation of Datadog LLM Observability)"
    );
    match datadog_emulator::serve(config, listener, tally_daemon::shutdown::signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("datadog-emulator: {error}");
            ExitCode::from(2)
        }
    }
}
