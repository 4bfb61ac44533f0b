//! A closed-loop HTTP/1.1 load generator (wrk's model): `connections` keep-alive
//! connections, each sending the same request as soon as the previous answer has
//! arrived, for a fixed time; every answer's latency is recorded. Plain sockets and
//! no parsing beyond the status line and `content-length`, so the generator costs
//! little CPU beside the server it measures.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What one measurement saw.
pub struct Load {
    pub seconds: f64,
    /// Answers that were not 200.
    pub errors: u64,
    /// Of every answer, sorted.
    pub latencies_us: Vec<u32>,
}

impl Load {
    pub fn per_second(&self) -> f64 {
        self.latencies_us.len() as f64 / self.seconds
    }

    /// The `quantile` (0–1) of the latencies, in milliseconds.
    pub fn quantile_ms(&self, quantile: f64) -> f64 {
        let Some(last) = self.latencies_us.len().checked_sub(1) else {
            return 0.0;
        };
        let index = ((last as f64) * quantile).round() as usize;
        f64::from(self.latencies_us[index.min(last)]) / 1000.0
    }
}

/// `GET path` with `headers` (each `name: value`) from `connections` connections for
/// `duration`.
pub async fn closed_loop(
    address: SocketAddr,
    path: &str,
    headers: &[String],
    connections: usize,
    duration: Duration,
) -> Result<Load, String> {
    let mut request = format!("GET {path} HTTP/1.1\r\nhost: {address}\r\n");
    for header in headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    let started = Instant::now();
    let end = started + duration;
    let tasks: Vec<_> = (0..connections)
        .map(|_| tokio::spawn(connection(address, request.clone(), end)))
        .collect();
    let mut load = Load {
        seconds: 0.0,
        errors: 0,
        latencies_us: Vec::new(),
    };
    for task in tasks {
        let (latencies, errors) = task.await.map_err(|e| e.to_string())??;
        load.latencies_us.extend(latencies);
        load.errors += errors;
    }
    load.seconds = started.elapsed().as_secs_f64();
    load.latencies_us.sort_unstable();
    Ok(load)
}

async fn connection(
    address: SocketAddr,
    request: String,
    end: Instant,
) -> Result<(Vec<u32>, u64), String> {
    let mut stream = TcpStream::connect(address)
        .await
        .map_err(|e| format!("{address}: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let mut buffer = Vec::with_capacity(64 * 1024);
    let mut latencies = Vec::new();
    let mut errors = 0;
    while Instant::now() < end {
        let sent = Instant::now();
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        if read_answer(&mut stream, &mut buffer).await? != 200 {
            errors += 1;
        }
        latencies.push(sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
    }
    Ok((latencies, errors))
}

/// Reads one answer; returns its status.
async fn read_answer(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Result<u16, String> {
    buffer.clear();
    let (head, length) = loop {
        let mut chunk = [0u8; 16 * 1024];
        let read = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if read == 0 {
            return Err("the server closed the connection".to_string());
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse::<usize>().ok())
                .ok_or("an answer without content-length")?;
            break (head, end + 4 + length);
        }
    };
    while buffer.len() < length {
        let mut chunk = [0u8; 16 * 1024];
        let read = stream.read(&mut chunk).await.map_err(|e| e.to_string())?;
        if read == 0 {
            return Err("the server closed the connection mid-answer".to_string());
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    head.split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .ok_or_else(|| "an answer without a status".to_string())
}
