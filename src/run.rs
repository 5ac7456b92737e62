//! `riskd run`: the daemon. Checks topics, starts the telemetry endpoint, the ingest stage
//! (when repartitioning) and the detect stage, and shuts down gracefully on SIGTERM/SIGINT:
//! stop fetching, score what is held, flush, commit, leave the group, within
//! `kafka.shutdown_timeout_secs`.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::detect::Engine;
use crate::kafka::{self, detect::DetectStage, KafkaSetupError};
use crate::telemetry::{http, Metrics};

/// Why the daemon stopped abnormally.
#[derive(Debug, Error)]
pub enum RunError {
    #[error(transparent)]
    Kafka(#[from] KafkaSetupError),
    #[error("cannot listen on telemetry.listen = {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error("shutdown did not finish within kafka.shutdown_timeout_secs = {0} s")]
    ShutdownTimeout(u64),
    #[error("a pipeline task failed: {0}")]
    Task(String),
}

/// Handles to a running daemon (for tests and the binary).
pub struct Daemon {
    pub shutdown: CancellationToken,
    pub metrics: Metrics,
    pub ready: Arc<AtomicBool>,
    pub http_addr: std::net::SocketAddr,
    tasks: tokio::task::JoinSet<Result<(), KafkaSetupError>>,
    http: tokio::task::JoinHandle<()>,
    timeout: u64,
}

/// Starts the daemon's tasks and returns once they run.
pub async fn start(cfg: Config) -> Result<Daemon, RunError> {
    let k = cfg.kafka.clone();
    let created = kafka::topics::ensure(&k).await?;
    if !created.is_empty() {
        tracing::info!(topics = ?created, "created missing topics");
    }
    let metrics = Metrics::new();
    let ready = Arc::new(AtomicBool::new(false));
    let shutdown = CancellationToken::new();
    let listener = tokio::net::TcpListener::bind(&cfg.telemetry.listen)
        .await
        .map_err(|source| RunError::Listen {
            addr: cfg.telemetry.listen.clone(),
            source,
        })?;
    let http_addr = listener.local_addr().map_err(|source| RunError::Listen {
        addr: cfg.telemetry.listen.clone(),
        source,
    })?;
    let http = tokio::spawn(http::serve(
        listener,
        metrics.clone(),
        ready.clone(),
        shutdown.clone(),
    ));
    let mut tasks = tokio::task::JoinSet::new();
    if k.repartition {
        let consumer = kafka::client::consumer(&k, "ingest", &metrics)?;
        let producer = kafka::client::producer(&k, "ingest", &metrics)?;
        tasks.spawn(kafka::ingest::run(
            k.clone(),
            consumer,
            producer,
            metrics.clone(),
            shutdown.clone(),
        ));
    }
    let consumer = kafka::client::consumer(&k, "detect", &metrics)?;
    let producer = kafka::client::producer(&k, "detect", &metrics)?;
    let stage = DetectStage::new(k.clone(), Engine::new(cfg.detect.clone()), metrics.clone());
    tasks.spawn(stage.run(consumer, producer, ready.clone(), shutdown.clone()));
    tracing::info!(bootstrap = %k.bootstrap_servers, telemetry = %http_addr, "riskd running");
    Ok(Daemon {
        shutdown,
        metrics,
        ready,
        http_addr,
        tasks,
        http,
        timeout: k.shutdown_timeout_secs,
    })
}

impl Daemon {
    /// Requests shutdown and waits for the tasks to drain, flush and commit.
    pub async fn stop(self) -> Result<(), RunError> {
        self.shutdown.cancel();
        self.wait().await
    }

    /// Waits until the tasks end (after a shutdown request, or on failure).
    pub async fn wait(self) -> Result<(), RunError> {
        let timeout = self.timeout;
        let shutdown = self.shutdown.clone();
        let all = async move {
            let mut first_err = None;
            let mut tasks = self.tasks;
            while let Some(res) = tasks.join_next().await {
                let err = match res {
                    Ok(Ok(())) => None,
                    Ok(Err(e)) => Some(RunError::Kafka(e)),
                    Err(e) => Some(RunError::Task(e.to_string())),
                };
                if let Some(e) = err {
                    tracing::error!(error = %e, "pipeline task failed; shutting down");
                    shutdown.cancel();
                    first_err.get_or_insert(e);
                }
            }
            shutdown.cancel();
            let _ = self.http.await;
            first_err.map_or(Ok(()), Err)
        };
        let cancelled = self.shutdown.clone();
        tokio::select! {
            r = all => r,
            _ = async {
                cancelled.cancelled().await;
                tokio::time::sleep(Duration::from_secs(timeout)).await;
            } => Err(RunError::ShutdownTimeout(timeout)),
        }
    }
}

/// Runs until SIGTERM / SIGINT (the binary's entry point).
pub async fn run_until_signal(cfg: Config) -> Result<(), RunError> {
    let daemon = start(cfg).await?;
    let shutdown = daemon.shutdown.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down: draining, flushing and committing");
        shutdown.cancel();
    });
    daemon.wait().await
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
