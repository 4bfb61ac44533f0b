//! Alert delivery: each alert with a webhook is POSTed as JSON by a background task,
//! retried with exponential backoff, so a slow or failing webhook never holds up the
//! scheduler loop.
//!
//! The loop hands alerts over a bounded channel and never waits: when the channel
//! is full (a webhook that has been failing for a long time), the alert is counted
//! as failed and logged instead. At most `MAX_CONCURRENT` deliveries run at once.
//!
//! Before every POST the webhook's host is resolved and checked
//! (`tally_daemon::egress`): an internal target is refused without retrying unless
//! `TALLY_WEBHOOK_ALLOW_PRIVATE`, and the POST connects to the checked addresses.

use std::sync::Arc;
use std::time::Duration;

use tally_core::backoff::Backoff;
use tally_core::schedule::{Alert, WebhookUrl};
use tally_daemon::egress::{TargetError, checked_addresses};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::{JoinHandle, JoinSet};

use crate::metrics::Metrics;

const QUEUE_CAPACITY: usize = 256;
const MAX_CONCURRENT: usize = 8;

/// How a delivery is retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// POSTs per alert, the first included.
    pub attempts: u32,
    /// Wait after the first failure; doubled after each further one.
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// Time allowed for one POST.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    /// 5 POSTs over about 30 s (waits of 2, 4, 8, 16 s).
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            first_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
        }
    }
}

struct Delivery {
    url: WebhookUrl,
    alert: Alert,
}

/// The handle the scheduler sends alerts through.
pub struct AlertSender {
    queue: mpsc::Sender<Delivery>,
    dispatcher: JoinHandle<()>,
    metrics: Metrics,
}

impl AlertSender {
    /// `allow_private`: webhooks may reach internal addresses
    /// (`TALLY_WEBHOOK_ALLOW_PRIVATE`).
    pub fn start(policy: RetryPolicy, allow_private: bool, metrics: Metrics) -> AlertSender {
        let (queue, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let targets = Targets {
            policy,
            allow_private,
        };
        let dispatcher = tokio::spawn(dispatch(receiver, targets, metrics.clone()));
        AlertSender {
            queue,
            dispatcher,
            metrics,
        }
    }

    /// Queues the alert for delivery; never waits.
    pub fn send(&self, url: WebhookUrl, alert: Alert) {
        let schedule = alert.schedule.clone();
        if let Err(error) = self.queue.try_send(Delivery { url, alert }) {
            let delivery = match error {
                mpsc::error::TrySendError::Full(d) | mpsc::error::TrySendError::Closed(d) => d,
            };
            self.metrics
                .alerts_failed
                .with_label_values(&[&schedule])
                .inc();
            tracing::error!(
                schedule,
                run_id = delivery.alert.run_id,
                webhook = %delivery.url,
                "alert dropped: too many alerts are waiting for delivery"
            );
        }
    }

    /// Stops taking alerts and waits up to `grace` for the queued ones; deliveries
    /// still running after that are abandoned (and logged).
    pub async fn shutdown(self, grace: Duration) {
        drop(self.queue);
        let mut dispatcher = self.dispatcher;
        if tokio::time::timeout(grace, &mut dispatcher).await.is_err() {
            dispatcher.abort();
            tracing::warn!("alert deliveries still retrying at shutdown were abandoned");
        }
    }
}

/// How deliveries are made: retried by `policy`, to allowed targets only.
#[derive(Debug, Clone, Copy)]
struct Targets {
    policy: RetryPolicy,
    allow_private: bool,
}

async fn dispatch(mut receiver: mpsc::Receiver<Delivery>, targets: Targets, metrics: Metrics) {
    let permits = Arc::new(Semaphore::new(MAX_CONCURRENT));
    let mut running = JoinSet::new();
    while let Some(delivery) = receiver.recv().await {
        // The semaphore is never closed, so acquiring only waits.
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        let metrics = metrics.clone();
        running.spawn(async move {
            deliver(targets, &metrics, delivery).await;
            drop(permit);
        });
        // Reap finished deliveries so the set does not grow with every alert.
        while running.try_join_next().is_some() {}
    }
    while running.join_next().await.is_some() {}
}

async fn deliver(targets: Targets, metrics: &Metrics, delivery: Delivery) {
    let Targets {
        policy,
        allow_private,
    } = targets;
    let Delivery { url, alert } = delivery;
    let schedule = alert.schedule.as_str();
    let backoff = Backoff {
        initial: policy.first_backoff,
        max: policy.max_backoff,
    };
    for attempt in 1..=policy.attempts.max(1) {
        let problem = match checked_client(&url, policy.timeout, allow_private).await {
            Err(NotSent::Refused(rule)) => {
                metrics.alerts_failed.with_label_values(&[schedule]).inc();
                tracing::error!(schedule, run_id = alert.run_id, webhook = %url, rule, "alert not sent: the webhook points at an internal address");
                return;
            }
            Err(NotSent::Failed(problem)) => problem,
            Ok(client) => match client.post(url.expose()).json(&alert).send().await {
                Ok(response) if response.status().is_success() => {
                    metrics.alerts_sent.with_label_values(&[schedule]).inc();
                    tracing::info!(schedule, run_id = alert.run_id, webhook = %url, attempt, "alert delivered");
                    return;
                }
                Ok(response) => format!("answered {}", response.status()),
                // The error would print the URL, which may hold a credential.
                Err(error) => error.without_url().to_string(),
            },
        };
        tracing::warn!(
            schedule,
            run_id = alert.run_id,
            webhook = %url,
            attempt,
            attempts = policy.attempts,
            problem,
            "alert webhook failed"
        );
        if attempt < policy.attempts {
            // One delivery per alert: no crowd to spread, so the plain ceiling.
            tokio::time::sleep(backoff.ceiling(attempt)).await;
        }
    }
    metrics.alerts_failed.with_label_values(&[schedule]).inc();
    tracing::error!(schedule, run_id = alert.run_id, webhook = %url, "alert not delivered after every retry");
}

enum NotSent {
    /// The target is internal: no retry will change that.
    Refused(String),
    /// This attempt failed (the name did not resolve); a later one may not.
    Failed(String),
}

/// A client that connects only to the checked addresses of the webhook's host.
async fn checked_client(
    url: &WebhookUrl,
    timeout: Duration,
    allow_private: bool,
) -> Result<reqwest::Client, NotSent> {
    let (host, port) = url.target();
    let addresses =
        checked_addresses(host, port, allow_private)
            .await
            .map_err(|error| match error {
                TargetError::Refused(rule) => NotSent::Refused(rule),
                TargetError::Unresolved(problem) => NotSent::Failed(problem),
            })?;
    reqwest::Client::builder()
        .timeout(timeout)
        // Pinned: a second DNS answer cannot send the POST elsewhere.
        .resolve_to_addrs(host, &addresses)
        .build()
        .map_err(|error| NotSent::Failed(format!("cannot build the HTTP client: {error}")))
}
