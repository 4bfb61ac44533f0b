//! `gemini-emulator`: config → listener → serve until Ctrl-C / SIGTERM.

use std::process::ExitCode;

use gemini_emulator::EmulatorConfig;
use gemini_emulator::config::listen_address;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let (config, address) =
        match EmulatorConfig::from_env().and_then(|c| Ok((c, listen_address()?))) {
            Ok(loaded) => loaded,
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
    match gemini_emulator::serve(config, listener, tally_daemon::shutdown::signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("gemini-emulator: {error}");
            ExitCode::from(2)
        }
    }
}
