//! Runs one external program with a deadline and measures the CPU time it used.
//!
//! `wait4` is the one interface that reports a child's own CPU time (user + system)
//! exactly, whatever else this process runs at the same time; the standard library and
//! tokio reap children without it. So the child is started with `std::process`, its
//! output drained by two threads, and reaped here with `wait4`.

use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How often an unfinished child is checked on.
const POLL: Duration = Duration::from_millis(10);

/// What a finished child left behind.
#[derive(Debug)]
pub struct Finished {
    pub success: bool,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// User + system CPU time of the child and the threads it ran.
    pub cpu: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot start it: {0}")]
    Spawn(#[source] std::io::Error),
    #[error("still running after {0:?}: stopped")]
    TimedOut(Duration),
    #[error("waiting for it failed: {0}")]
    Wait(#[source] std::io::Error),
}

/// Runs `command` to completion, killing it once `timeout` has passed. Blocking: call
/// it from a blocking thread.
pub fn run(mut command: Command, timeout: Duration) -> Result<Finished, RunError> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(RunError::Spawn)?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let pid = child.id() as libc::pid_t;
    let deadline = Instant::now() + timeout;
    let mut timed_out = false;
    let (status, usage) = loop {
        let options = if timed_out { 0 } else { libc::WNOHANG };
        match wait4(pid, options) {
            Ok(Some(done)) => break done,
            Ok(None) if Instant::now() >= deadline => {
                // Not reaped yet, so the pid is still this child's.
                let _ = child.kill();
                timed_out = true;
            }
            Ok(None) => thread::sleep(POLL),
            Err(error) => return Err(RunError::Wait(error)),
        }
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    if timed_out {
        return Err(RunError::TimedOut(timeout));
    }
    Ok(Finished {
        success: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        stdout,
        stderr,
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
    })
}

/// Reaps `pid` if it has ended (`None` while it runs, with `WNOHANG`).
fn wait4(
    pid: libc::pid_t,
    options: libc::c_int,
) -> Result<Option<(libc::c_int, libc::rusage)>, std::io::Error> {
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data for which all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers are to live, writable locals of the types wait4 expects.
        let reaped = unsafe { libc::wait4(pid, &mut status, options, &mut usage) };
        match reaped {
            0 => return Ok(None),
            p if p == pid => return Ok(Some((status, usage))),
            _ => {
                let error = std::io::Error::last_os_error();
                if error.kind() != std::io::ErrorKind::Interrupted {
                    return Err(error);
                }
            }
        }
    }
}

fn timeval(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
}

/// Reads a pipe to its end on its own thread, so a full pipe never stalls the child.
fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_status_and_cpu_time_of_a_child() {
        let mut command = Command::new("sh");
        command.args([
            "-c",
            "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; echo out; echo err >&2; exit 3",
        ]);
        let finished = run(command, Duration::from_secs(30)).unwrap();
        assert!(!finished.success);
        assert_eq!(finished.stdout, b"out\n");
        assert_eq!(finished.stderr, b"err\n");
        assert!(finished.cpu > Duration::ZERO);
    }

    #[test]
    fn a_child_past_its_deadline_is_killed() {
        let mut command = Command::new("sleep");
        command.arg("30");
        let error = run(command, Duration::from_millis(100)).unwrap_err();
        assert!(matches!(error, RunError::TimedOut(_)), "{error}");
    }

    #[test]
    fn a_missing_program_is_a_spawn_error() {
        let error = run(
            Command::new("/nonexistent/tesseract"),
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(matches!(error, RunError::Spawn(_)));
    }
}
