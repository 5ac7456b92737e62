//! The ingest stage: input messages (any shape riskd decodes) to user-keyed events on the
//! events topic, so each user's state lives in one detect partition; undecodable input to
//! the dead-letter topic with its reason, origin and bytes.

use std::sync::Arc;

use rdkafka::consumer::Consumer;
use rdkafka::message::{Message, OwnedMessage};
use tokio_util::sync::CancellationToken;

use super::ahead::{BatchShape, DecodeAhead, Decoded};
use super::inflight::{marks, InFlight};
use super::{acknowledged, enqueue, offsets::Tracker, KafkaSetupError};
use crate::config::KafkaConfig;
use crate::ingest::json::decode_document;
use crate::ingest::{Collected, DeadLetter, DecodeError, Hints, Origin, Sink};
use crate::model::Event;
use crate::telemetry::Metrics;

/// Category hint from an input topic's name (records carry their own category; this
/// only helps bare Graph records).
pub fn hints_for_topic(topic: &str) -> Hints {
    use crate::model::SignInCategory;
    let t = topic.to_ascii_lowercase();
    let category = if t.contains("noninteractive") {
        Some(SignInCategory::NonInteractive)
    } else if t.contains("serviceprincipal") {
        Some(SignInCategory::ServicePrincipal)
    } else if t.contains("managedidentity") {
        Some(SignInCategory::ManagedIdentity)
    } else if t.contains("signinlogs") {
        Some(SignInCategory::Interactive)
    } else {
        None
    };
    Hints { category }
}

/// Decodes one message (bounded in size) into `sink`, counting metrics.
pub fn decode_message(m: &OwnedMessage, max_bytes: usize, metrics: &Metrics, sink: &mut Collected) {
    let origin = Origin::Kafka {
        topic: m.topic().to_owned(),
        partition: m.partition(),
        offset: m.offset(),
        record: None,
    };
    let before = (
        sink.events.len(),
        sink.dead_letters.len(),
        sink.skipped.values().sum::<u64>(),
    );
    match m.payload() {
        None => {}
        Some(p) if p.len() > max_bytes => {
            let err = DecodeError::Oversized {
                len: p.len(),
                limit: max_bytes,
            };
            sink.dead_letter(DeadLetter::new(origin, &err, p));
        }
        Some(p) => decode_document(p, &origin, hints_for_topic(m.topic()), sink),
    }
    for e in &sink.events[before.0..] {
        metrics
            .events
            .with_label_values(&[m.topic(), e.category_label(), "decoded"])
            .inc();
    }
    for d in &sink.dead_letters[before.1..] {
        metrics
            .events
            .with_label_values(&[m.topic(), "unknown", "dead_letter"])
            .inc();
        metrics
            .decode_errors
            .with_label_values(&[d.reason_kind.as_str()])
            .inc();
    }
    let skipped = sink.skipped.values().sum::<u64>() - before.2;
    if skipped > 0 {
        metrics
            .events
            .with_label_values(&[m.topic(), "other", "skipped"])
            .inc_by(skipped);
    }
}

/// Sends dead letters to the dead-letter topic, keyed by their origin.
pub async fn send_dead_letters(
    producer: &super::client::RiskdProducer,
    k: &KafkaConfig,
    dead: &[DeadLetter],
    pending: &mut Vec<rdkafka::producer::DeliveryFuture>,
) -> Result<(), KafkaSetupError> {
    for d in dead {
        let payload = serde_json::to_vec(d).unwrap_or_default();
        pending.push(
            enqueue(
                producer,
                &k.dead_letter_topic,
                d.source.to_string().as_bytes(),
                &payload,
            )
            .await?,
        );
    }
    Ok(())
}

/// The key an event is repartitioned by.
pub fn event_key(e: &Event) -> &str {
    match e {
        Event::SignIn(s) => s.user_key(),
        Event::Audit(a) => a.subject_user_key().unwrap_or(a.id.as_str()),
    }
}

/// Runs the ingest stage until `shutdown`.
pub async fn run(
    k: KafkaConfig,
    consumer: super::client::RiskdConsumer,
    producer: super::client::RiskdProducer,
    metrics: Metrics,
    shutdown: CancellationToken,
) -> Result<(), KafkaSetupError> {
    let topics: Vec<&str> = k.input_topics.iter().map(String::as_str).collect();
    consumer.subscribe(&topics)?;
    let consumer = Arc::new(consumer);
    let mut tracker = Tracker::default();
    let mut inflight = InFlight::default();
    let max_bytes = k.max_message_bytes;
    // Decoded and serialized on every core, a batch ahead; produced here, in input order.
    let mut ahead = DecodeAhead::start(
        consumer.clone(),
        BatchShape::of(&k),
        shutdown.clone(),
        move |m| {
            let mut sink = Collected::default();
            decode_message(m, max_bytes, &metrics, &mut sink);
            let keyed: Vec<(String, Vec<u8>)> = sink
                .events
                .iter()
                .map(|e| {
                    let payload = serde_json::to_vec(e).unwrap_or_default();
                    (event_key(e).to_owned(), payload)
                })
                .collect();
            (keyed, sink.dead_letters)
        },
    );
    while let Some(Decoded { batch, items }) = ahead.next().await {
        if batch.is_empty() {
            continue;
        }
        let mut pending = Vec::new();
        for (keyed, dead_letters) in &items {
            for (key, payload) in keyed {
                pending.push(enqueue(&producer, &k.events_topic, key.as_bytes(), payload).await?);
            }
            send_dead_letters(&producer, &k, dead_letters, &mut pending).await?;
        }
        inflight
            .push(acknowledged(pending), marks(&batch), &mut tracker)
            .await?;
        tracker.store(&consumer)?;
    }
    inflight.drain(&mut tracker).await?;
    tracker.store(&consumer)?;
    super::commit_final(&consumer);
    Ok(())
}
