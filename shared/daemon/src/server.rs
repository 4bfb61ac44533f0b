//! A server started inside the current process on a free loopback port, for tests,
//! examples and benchmarks that need a real HTTP peer (the emulators, mostly).

use std::fmt::Display;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Resolves when the server that received it should stop.
pub type Shutdown = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A server running in this process; stops when dropped.
pub struct RunningServer {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl RunningServer {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`: the base URL to point a client at.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            // Already stopped when the server task has ended: nothing left to tell.
            let _ = stop.send(());
        }
    }
}

/// Binds `127.0.0.1:0` and runs `serve(listener, shutdown)` as a task of the current
/// runtime until the returned handle is dropped. `name` labels the error logged if
/// the server fails.
pub async fn spawn_on_loopback<Serve, Served, Error>(
    name: &'static str,
    serve: Serve,
) -> std::io::Result<RunningServer>
where
    Serve: FnOnce(TcpListener, Shutdown) -> Served,
    Served: Future<Output = Result<(), Error>> + Send + 'static,
    Error: Display,
{
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let shutdown: Shutdown = Box::pin(async {
        // A dropped sender stops the server as a sent signal does.
        let _ = stopped.await;
    });
    let served = serve(listener, shutdown);
    tokio::spawn(async move {
        if let Err(error) = served.await {
            tracing::error!(%error, "{name} stopped");
        }
    });
    Ok(RunningServer {
        addr,
        stop: Some(stop),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_server_stops_when_its_handle_is_dropped() {
        let (done, finished) = oneshot::channel::<()>();
        let running = spawn_on_loopback("test", |listener, shutdown| async move {
            drop(listener);
            shutdown.await;
            let _ = done.send(());
            Ok::<(), std::io::Error>(())
        })
        .await
        .unwrap();
        assert!(running.base_url().starts_with("http://127.0.0.1:"));
        drop(running);
        finished.await.unwrap();
    }
}
