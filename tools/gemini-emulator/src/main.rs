//! `gemini-emulator`: config → listener → serve until Ctrl-C / SIGTERM.

use std::process::ExitCode;

use gemini_emulator::config::ADMIN_TOKEN_ENV;
use gemini_emulator::config::{CONNECTION_LIMIT_NAMES, listen_address};
use gemini_emulator::{EmulatorConfig, ServerOptions};
use tally_daemon::serve::ConnectionLimits;
use tally_daemon::settings::Environment;
use tally_daemon::telemetry::{self, LogFormat};

#[tokio::main]
async fn main() -> ExitCode {
    let env = Environment::process();
    match LogFormat::from_environment(&env) {
        Ok(format) => telemetry::init(format),
        Err(error) => {
            eprintln!("gemini-emulator: {error}");
            return ExitCode::from(2);
        }
    }
    let (config, address) =
        match EmulatorConfig::from_environment(&env).and_then(|c| Ok((c, listen_address(&env)?))) {
            Ok(loaded) => loaded,
            Err(error) => {
                eprintln!("gemini-emulator: {error}");
                return ExitCode::from(2);
            }
        };
    let options = match ConnectionLimits::from_environment(&env, &CONNECTION_LIMIT_NAMES) {
        Ok(limits) => ServerOptions {
            limits,
            admin_token: env.non_blank(ADMIN_TOKEN_ENV),
        },
        Err(error) => {
            eprintln!("gemini-emulator: {error}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("gemini-emulator: cannot listen on {address}: {error}");
            return ExitCode::from(2);
        }
    };
    let address = listener.local_addr().unwrap_or(address);
    tracing::info!(%address, models = config.models.len(), "gemini-emulator listening (answers are emulated)");
    match gemini_emulator::serve_with(config, listener, options, tally_daemon::shutdown::signal())
        .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gemini-emulator: {error}");
            ExitCode::from(2)
        }
    }
}
