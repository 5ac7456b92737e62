//! The Kafka side of `riskd run`.
//!
//! ```text
//! input topics ──[ingest]── decode, key by user ──> events topic ──[detect]── engine ──> risky-signins
//!        └── undecodable ──> dead-letter                                           └──> risky-users (compacted)
//! ```
//!
//! - [`client`]: librdkafka settings and security.
//! - [`topics`]: start-up check / creation of every topic.
//! - [`offsets`]: the +1 conventions and what is safe to commit.
//! - [`inflight`]: acknowledgements awaited in the background, offsets released in order.
//! - [`parallel`]: a batch decoded on every core, results in input order.
//! - [`ahead`]: the next batch fetched and decoded while the stage handles this one.
//! - [`ingest`]: input messages to user-keyed events (the repartition hop) and dead letters.
//! - [`detect`]: events in event-time order through the engine, records out.
//!
//! Delivery: at least once. A message's offset is stored only after every record derived
//! from it is acknowledged by Kafka (idempotent producer, acks=all); records have
//! deterministic ids, so a replay after a crash repeats records, never loses them.

pub mod ahead;
pub mod client;
pub mod detect;
pub mod inflight;
pub mod ingest;
pub mod offsets;
pub mod parallel;
pub mod topics;

use std::time::Duration;

use futures_util::FutureExt;
use rdkafka::error::KafkaError;
use rdkafka::message::OwnedMessage;
use rdkafka::producer::{DeliveryFuture, FutureRecord};
use rdkafka::types::RDKafkaErrorCode;
use thiserror::Error;
use tokio_util::sync::CancellationToken;

/// Failures of the Kafka pipeline (bad input is not one: it is dead-lettered).
#[derive(Debug, Error)]
pub enum KafkaSetupError {
    #[error("Kafka client error: {0}")]
    Client(#[from] KafkaError),
    #[error("cannot reach Kafka at {servers} ({reason}); check kafka.bootstrap_servers, kafka.security_protocol and the SASL settings, and that the brokers are up")]
    Unreachable { servers: String, reason: String },
    #[error("config key `{key}`: {reason}")]
    MissingSecret { key: String, reason: String },
    #[error("topics missing and kafka.create_topics is false: {}; create them or set create_topics = true", .0.join(", "))]
    MissingTopics(Vec<String>),
    #[error("cannot create topic {name}: {reason}")]
    CreateTopic { name: String, reason: String },
    #[error("a record was not acknowledged by Kafka ({0}); offsets were not committed, so its input is processed again on restart")]
    Delivery(String),
}

/// Waits up to `wait` for a first message (less if shutdown is requested), then takes what
/// else is already fetched, up to `max` messages: a quiet stream is handled message by
/// message without waiting for a batch to fill, a busy one in full batches.
pub async fn next_batch(
    consumer: &client::RiskdConsumer,
    max: usize,
    wait: Duration,
    shutdown: &CancellationToken,
) -> Vec<OwnedMessage> {
    let mut out = Vec::new();
    let first = tokio::select! {
        biased;
        _ = shutdown.cancelled() => return out,
        r = tokio::time::timeout(wait, consumer.recv()) => r,
    };
    match first {
        Err(_elapsed) => return out,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "consumer error; retrying");
            return out;
        }
        Ok(Ok(m)) => out.push(m.detach()),
    }
    while out.len() < max {
        // One poll: a message already in librdkafka's queue is taken, an empty queue ends
        // the batch (no timer per message, unlike a zero timeout).
        match consumer.recv().now_or_never() {
            Some(Ok(m)) => out.push(m.detach()),
            Some(Err(e)) => {
                tracing::warn!(error = %e, "consumer error; retrying");
                break;
            }
            None => break,
        }
    }
    out
}

/// The synchronous commit at shutdown of what was stored. Nothing stored since the last
/// auto-commit is not a failure; anything else is logged (the offsets stored before it
/// were committed by auto-commit, so at worst a few batches are processed again).
pub fn commit_final(consumer: &client::RiskdConsumer) {
    use rdkafka::consumer::{CommitMode, Consumer};
    match consumer.commit_consumer_state(CommitMode::Sync) {
        Ok(()) | Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {}
        Err(e) => tracing::warn!(error = %e, "final offset commit failed"),
    }
}

/// Queues a record; waits while librdkafka's queue is full.
pub async fn enqueue(
    producer: &client::RiskdProducer,
    topic: &str,
    key: &[u8],
    payload: &[u8],
) -> Result<DeliveryFuture, KafkaSetupError> {
    loop {
        match producer.send_result(FutureRecord::to(topic).key(key).payload(payload)) {
            Ok(f) => return Ok(f),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            Err((e, _)) => return Err(KafkaSetupError::Client(e)),
        }
    }
}

/// Waits for every queued record to be acknowledged.
pub async fn acknowledged(pending: Vec<DeliveryFuture>) -> Result<(), KafkaSetupError> {
    for f in pending {
        match f.await {
            Ok(Ok(_)) => {}
            Ok(Err((e, _))) => return Err(KafkaSetupError::Delivery(e.to_string())),
            Err(_) => {
                return Err(KafkaSetupError::Delivery(
                    "producer dropped the record".into(),
                ))
            }
        }
    }
    Ok(())
}
