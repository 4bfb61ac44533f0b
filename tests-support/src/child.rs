//! `ChildGuard`: a process a test started (a worker binary, say), killed and reaped
//! when the guard is dropped, so that a failed assertion leaves no daemon running
//! against the shared Redis and no zombie behind.

use std::ops::{Deref, DerefMut};
use std::process::{Child, Command};

/// Owns a child process; use it as the `Child` itself (`kill`, `wait`, `id`).
#[derive(Debug)]
pub struct ChildGuard(Child);

impl ChildGuard {
    pub fn new(child: Child) -> ChildGuard {
        ChildGuard(child)
    }

    /// Sends SIGTERM, as an operator's `kill` or a service manager's stop does;
    /// whether it was delivered.
    pub fn terminate(&self) -> bool {
        Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .is_ok_and(|status| status.success())
    }

    /// The child's exit status once it exits, or `None` when it still runs after
    /// `within`.
    #[cfg(feature = "pipeline")]
    pub async fn exit_within(
        &mut self,
        within: std::time::Duration,
    ) -> Option<std::process::ExitStatus> {
        let since = std::time::Instant::now();
        loop {
            if let Some(exit) = self.0.try_wait().expect("the child's status") {
                return Some(exit);
            }
            if since.elapsed() > within {
                return None;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

impl Deref for ChildGuard {
    type Target = Child;

    fn deref(&self) -> &Child {
        &self.0
    }
}

impl DerefMut for ChildGuard {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        // Killing a child that already exited, and waiting for one already waited
        // for, are no-ops; errors here have nowhere useful to go.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::process::{Command, Stdio};

    use super::*;

    /// Whether the process table still holds `pid` (running, or a zombie not reaped).
    fn in_process_table(pid: u32) -> bool {
        Path::new("/proc").join(pid.to_string()).exists()
    }

    #[test]
    fn a_dropped_guard_kills_and_reaps_its_child() {
        let guard = ChildGuard::new(
            Command::new("sleep")
                .arg("300")
                .stdout(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let pid = guard.id();
        assert!(in_process_table(pid));
        drop(guard);
        assert!(!in_process_table(pid), "process {pid} still exists");
    }

    #[test]
    fn a_child_killed_by_the_test_is_still_reaped() {
        let mut guard = ChildGuard::new(Command::new("sleep").arg("300").spawn().unwrap());
        let pid = guard.id();
        guard.kill().unwrap();
        drop(guard);
        assert!(!in_process_table(pid), "process {pid} left as a zombie");
    }
}
