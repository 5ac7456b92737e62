//! The detect stage: events (from the events topic, or raw input when repartitioning is
//! off) are held in a reorder buffer and scored in event-time order once the newest event
//! time seen is `reorder_window_secs` past them (or after `idle_flush_ms` without input, or
//! at shutdown). Order within equal times follows `replay::order_events`, so `riskd run`
//! and `riskd replay` give the same records for the same events. Records go to the risky
//! sign-ins and risky users topics keyed by user; offsets are stored only below the lowest
//! message still held.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rdkafka::consumer::Consumer;
use rdkafka::message::Message;
use tokio_util::sync::CancellationToken;

use super::ahead::{BatchShape, DecodeAhead, Decoded};
use super::inflight::{marks, InFlight};
use super::ingest::{decode_message, send_dead_letters};
use super::{acknowledged, enqueue, offsets::Tracker, KafkaSetupError};
use crate::config::KafkaConfig;
use crate::detect::Engine;
use crate::ingest::{Collected, DeadLetter, DecodeError, Origin};
use crate::model::{Event, RiskLevel};
use crate::telemetry::Metrics;

/// Buffer key: event time, then the replay tie-break, then arrival.
type Key = (DateTime<Utc>, u8, String, String, u64);

struct Held {
    event: Event,
    topic: String,
    partition: i32,
    offset: i64,
}

fn key_of(e: &Event, seq: u64) -> Key {
    match e {
        Event::SignIn(s) => (
            s.time,
            0,
            s.request_id.clone(),
            s.user_key().to_owned(),
            seq,
        ),
        Event::Audit(a) => (
            a.time,
            1,
            a.id.clone(),
            a.activity_display_name.clone(),
            seq,
        ),
    }
}

/// The detect stage's state.
pub struct DetectStage {
    k: KafkaConfig,
    engine: Engine,
    buffer: BTreeMap<Key, Held>,
    tracker: Tracker,
    newest: Option<DateTime<Utc>>,
    seq: u64,
    metrics: Metrics,
    last_gauges: Instant,
}

impl DetectStage {
    pub fn new(k: KafkaConfig, engine: Engine, metrics: Metrics) -> DetectStage {
        DetectStage {
            k,
            engine,
            buffer: BTreeMap::new(),
            tracker: Tracker::default(),
            newest: None,
            seq: 0,
            metrics,
            last_gauges: Instant::now(),
        }
    }

    fn hold(&mut self, event: Event, topic: &str, partition: i32, offset: i64) {
        let t = event.time();
        if let Some(n) = self.newest {
            if t + chrono::Duration::seconds(self.k.reorder_window_secs as i64) < n {
                self.metrics.late_events.inc();
            }
        }
        self.newest = Some(self.newest.map_or(t, |n| n.max(t)));
        self.seq += 1;
        self.tracker.hold(topic, partition, offset);
        self.buffer.insert(
            key_of(&event, self.seq),
            Held {
                event,
                topic: topic.to_owned(),
                partition,
                offset,
            },
        );
    }

    /// Scores held events older than the watermark (all when `everything`), sends their
    /// records, and waits for the acknowledgements.
    async fn release(
        &mut self,
        producer: &super::client::RiskdProducer,
        everything: bool,
    ) -> Result<(), KafkaSetupError> {
        let watermark = match (everything, self.newest) {
            (true, _) | (_, None) => None,
            (false, Some(n)) => {
                Some(n - chrono::Duration::seconds(self.k.reorder_window_secs as i64))
            }
        };
        let mut pending = Vec::new();
        let mut done = Vec::new();
        while let Some(entry) = self.buffer.first_entry() {
            if watermark.is_some_and(|w| entry.key().0 > w) {
                break;
            }
            let held = entry.remove();
            self.score(producer, &held.event, &mut pending).await?;
            done.push((held.topic, held.partition, held.offset));
        }
        acknowledged(pending).await?;
        for (t, p, o) in done {
            self.tracker.release(&t, p, o);
        }
        self.metrics.buffered_events.set(self.buffer.len() as i64);
        if self.last_gauges.elapsed() > Duration::from_secs(1) || everything {
            self.refresh_gauges();
        }
        Ok(())
    }

    /// Scores one event and queues its records.
    async fn score(
        &mut self,
        producer: &super::client::RiskdProducer,
        event: &Event,
        pending: &mut Vec<rdkafka::producer::DeliveryFuture>,
    ) -> Result<(), KafkaSetupError> {
        let started = Instant::now();
        let out = self.engine.process(event);
        self.metrics
            .processing
            .observe(started.elapsed().as_secs_f64());
        let lag = (Utc::now() - event.time()).num_milliseconds() as f64 / 1000.0;
        self.metrics.event_lag.observe(lag.max(0.0));
        if let Some(r) = &out.risky_sign_in {
            self.metrics
                .risky_sign_ins
                .with_label_values(&[r.risk_level.as_str()])
                .inc();
            for d in &r.detections {
                self.metrics
                    .detections
                    .with_label_values(&[d.risk_event_type.as_str(), d.risk_level.as_str()])
                    .inc();
            }
            let payload = serde_json::to_vec(r).unwrap_or_default();
            pending.push(
                enqueue(
                    producer,
                    &self.k.risky_signins_topic,
                    r.user_id.as_bytes(),
                    &payload,
                )
                .await?,
            );
        }
        if let Some(level) = out.raised_to {
            self.metrics
                .users_raised
                .with_label_values(&[level.as_str()])
                .inc();
        }
        for u in &out.user_updates {
            self.metrics.user_risk_changes.inc();
            let payload = serde_json::to_vec(u).unwrap_or_default();
            pending.push(
                enqueue(
                    producer,
                    &self.k.risky_users_topic,
                    u.id.as_bytes(),
                    &payload,
                )
                .await?,
            );
        }
        Ok(())
    }

    /// Scores a batch at once, in replay order (no reorder window), queueing its records
    /// on `pending`.
    async fn score_batch(
        &mut self,
        producer: &super::client::RiskdProducer,
        mut events: Vec<Event>,
        pending: &mut Vec<rdkafka::producer::DeliveryFuture>,
    ) -> Result<(), KafkaSetupError> {
        crate::replay::order_events(&mut events);
        for e in &events {
            self.score(producer, e, pending).await?;
        }
        self.metrics.buffered_events.set(0);
        if self.last_gauges.elapsed() > Duration::from_secs(1) {
            self.refresh_gauges();
        }
        Ok(())
    }

    fn refresh_gauges(&mut self) {
        self.last_gauges = Instant::now();
        self.metrics
            .users_tracked
            .set(self.engine.users_tracked() as i64);
        for (level, n) in RiskLevel::FLAGGED.iter().zip(self.engine.flagged_counts()) {
            self.metrics
                .users_flagged
                .with_label_values(&[level.as_str()])
                .set(n as i64);
        }
    }

    /// Runs until `shutdown`, then scores everything held, flushes and stores offsets.
    pub async fn run(
        mut self,
        consumer: super::client::RiskdConsumer,
        producer: super::client::RiskdProducer,
        ready: Arc<AtomicBool>,
        shutdown: CancellationToken,
    ) -> Result<(), KafkaSetupError> {
        let topics: Vec<String> = if self.k.repartition {
            vec![self.k.events_topic.clone()]
        } else {
            self.k.input_topics.clone()
        };
        let refs: Vec<&str> = topics.iter().map(String::as_str).collect();
        consumer.subscribe(&refs)?;
        self.refresh_gauges();
        let mut last_input = Instant::now();
        let idle = Duration::from_millis(self.k.idle_flush_ms);
        // No reorder window: score each batch as it comes, in time order within it, and
        // read on while its records await acknowledgement.
        let direct = self.k.reorder_window_secs == 0;
        let mut now: Vec<Event> = Vec::new();
        let mut inflight = InFlight::default();
        let consumer = Arc::new(consumer);
        let (repartition, max_bytes, metrics) = (
            self.k.repartition,
            self.k.max_message_bytes,
            self.metrics.clone(),
        );
        let mut ahead = DecodeAhead::start(
            consumer.clone(),
            BatchShape::of(&self.k),
            shutdown.clone(),
            move |m| {
                let mut sink = Collected::default();
                if repartition {
                    decode_event(m, &mut sink);
                } else {
                    decode_message(m, max_bytes, &metrics, &mut sink);
                }
                sink
            },
        );
        while let Some(Decoded { batch, items }) = ahead.next().await {
            if !ready.load(Ordering::Relaxed) && consumer.assignment().is_ok_and(|a| a.count() > 0)
            {
                ready.store(true, Ordering::Relaxed);
            }
            let mut pending = Vec::new();
            let got = !batch.is_empty();
            for (m, sink) in batch.iter().zip(items) {
                if !direct {
                    self.tracker.read(m.topic(), m.partition(), m.offset());
                }
                send_dead_letters(&producer, &self.k, &sink.dead_letters, &mut pending).await?;
                if direct {
                    now.extend(sink.events);
                } else {
                    for e in sink.events {
                        self.hold(e, m.topic(), m.partition(), m.offset());
                    }
                }
            }
            if direct {
                self.score_batch(&producer, std::mem::take(&mut now), &mut pending)
                    .await?;
                inflight
                    .push(acknowledged(pending), marks(&batch), &mut self.tracker)
                    .await?;
            } else {
                acknowledged(pending).await?;
                if got {
                    last_input = Instant::now();
                }
                let flush_all = last_input.elapsed() >= idle;
                self.release(&producer, flush_all).await?;
            }
            self.tracker.store(&consumer)?;
        }
        inflight.drain(&mut self.tracker).await?;
        self.release(&producer, true).await?;
        self.tracker.store(&consumer)?;
        super::commit_final(&consumer);
        Ok(())
    }
}

/// An event from the events topic (written by the ingest stage).
fn decode_event(m: &rdkafka::message::OwnedMessage, sink: &mut Collected) {
    use crate::ingest::Sink;
    let Some(p) = m.payload() else { return };
    match serde_json::from_slice::<Event>(p) {
        Ok(e) => sink.event(e),
        Err(e) => {
            let origin = Origin::Kafka {
                topic: m.topic().to_owned(),
                partition: m.partition(),
                offset: m.offset(),
                record: None,
            };
            let err = DecodeError::InvalidJson(format!("not a riskd event: {e}"));
            sink.dead_letter(DeadLetter::new(origin, &err, p));
        }
    }
}
