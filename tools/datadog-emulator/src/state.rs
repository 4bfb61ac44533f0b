//! What every handler shares: the settings, the stored data, the injected faults and
//! the request log.

use crate::config::EmulatorConfig;
use crate::faults::Faults;
use crate::request_log::RequestLog;
use crate::store::SharedStore;
use crate::validate::Window;

pub struct AppState {
    /// Fixed at start; only the fault settings change at run time (in `faults`).
    pub config: EmulatorConfig,
    pub store: SharedStore,
    pub faults: Faults,
    pub log: RequestLog,
}

impl AppState {
    pub fn new(config: EmulatorConfig) -> Self {
        AppState {
            faults: Faults::new(config.faults.clone()),
            log: RequestLog::new(config.request_log_capacity),
            store: SharedStore::new(),
            config,
        }
    }

    /// The timestamp window as of now.
    pub fn window(&self) -> Window {
        Window {
            now_ms: crate::clock::now_ms(),
            secs: self.config.timestamp_window_secs,
        }
    }
}
