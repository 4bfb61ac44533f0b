//! `datadog-emulator`: settings from the environment → listener → serve until
//! Ctrl-C / SIGTERM.

use std::process::ExitCode;

use datadog_emulator::EmulatorConfig;
use datadog_emulator::config::listen_address;
use tally_daemon::settings::Environment;
use tally_daemon::telemetry::{self, LogFormat};

#[tokio::main]
async fn main() -> ExitCode {
    let env = Environment::process();
    match LogFormat::from_environment(&env) {
        Ok(format) => telemetry::init(format),
        Err(error) => {
            eprintln!("datadog-emulator: {error}");
            return ExitCode::from(2);
        }
    }
    let (config, address) =
        match EmulatorConfig::from_environment(&env).and_then(|c| Ok((c, listen_address(&env)?))) {
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
