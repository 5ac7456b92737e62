//! Batches whose output records are queued on the producer but not yet acknowledged.
//!
//! A stage that waited for every batch's acknowledgements before reading the next would
//! idle for a broker round trip (plus `linger.ms`) per batch. Instead each batch's
//! acknowledgements are awaited in the background while the stage reads on, up to
//! [`MAX_BATCHES_IN_FLIGHT`]. A batch's input offsets reach the [`Tracker`] only when it
//! and every batch before it are acknowledged, so what is committed still never runs
//! ahead of what Kafka holds.

use std::collections::VecDeque;
use std::future::Future;

use rdkafka::message::{Message, OwnedMessage};
use tokio::task::JoinHandle;

use super::{offsets::Tracker, KafkaSetupError};

/// How many batches may await acknowledgement at once before the stage waits.
pub const MAX_BATCHES_IN_FLIGHT: usize = 8;

/// The highest offset read per (topic, partition) in one batch.
pub type Marks = Vec<(String, i32, i64)>;

/// The highest offset of each partition in `batch`.
pub fn marks(batch: &[OwnedMessage]) -> Marks {
    let mut out: Marks = Vec::new();
    for m in batch {
        match out
            .iter_mut()
            .find(|(t, p, _)| *p == m.partition() && t == m.topic())
        {
            Some(e) => e.2 = e.2.max(m.offset()),
            None => out.push((m.topic().to_owned(), m.partition(), m.offset())),
        }
    }
    out
}

/// Acknowledgement waits in input order.
#[derive(Default)]
pub struct InFlight {
    batches: VecDeque<JoinHandle<Result<Marks, KafkaSetupError>>>,
}

impl InFlight {
    /// Adds a batch (the wait for its records' acknowledgements, usually
    /// [`super::acknowledged`], and the offsets it read), then moves every batch
    /// acknowledged so far, in order, into `tracker`; waits when too many are in flight.
    pub async fn push(
        &mut self,
        acked: impl Future<Output = Result<(), KafkaSetupError>> + Send + 'static,
        read: Marks,
        tracker: &mut Tracker,
    ) -> Result<(), KafkaSetupError> {
        self.batches
            .push_back(tokio::spawn(async move { acked.await.map(|()| read) }));
        while self.batches.len() > MAX_BATCHES_IN_FLIGHT {
            self.pop(tracker).await?;
        }
        while self.batches.front().is_some_and(JoinHandle::is_finished) {
            self.pop(tracker).await?;
        }
        Ok(())
    }

    /// Waits for every batch in flight.
    pub async fn drain(&mut self, tracker: &mut Tracker) -> Result<(), KafkaSetupError> {
        while !self.batches.is_empty() {
            self.pop(tracker).await?;
        }
        Ok(())
    }

    async fn pop(&mut self, tracker: &mut Tracker) -> Result<(), KafkaSetupError> {
        let Some(h) = self.batches.pop_front() else {
            return Ok(());
        };
        let read = h.await.map_err(|e| {
            KafkaSetupError::Delivery(format!("acknowledgement task failed: {e}"))
        })??;
        for (topic, partition, offset) in read {
            tracker.read(&topic, partition, offset);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdkafka::Timestamp;

    fn msg(topic: &str, partition: i32, offset: i64) -> OwnedMessage {
        OwnedMessage::new(
            None,
            None,
            topic.into(),
            Timestamp::NotAvailable,
            partition,
            offset,
            None,
        )
    }

    #[test]
    fn marks_keep_the_highest_offset_per_partition() {
        let batch = [
            msg("a", 0, 5),
            msg("a", 1, 3),
            msg("a", 0, 7),
            msg("b", 0, 1),
        ];
        assert_eq!(
            marks(&batch),
            vec![("a".into(), 0, 7), ("a".into(), 1, 3), ("b".into(), 0, 1)]
        );
    }

    #[tokio::test]
    async fn offsets_reach_the_tracker_in_order_once_acknowledged() {
        let mut tracker = Tracker::default();
        let mut inflight = InFlight::default();
        let (first_acked, first_wait) = tokio::sync::oneshot::channel::<()>();
        inflight
            .push(
                async move {
                    first_wait.await.ok();
                    Ok(())
                },
                vec![("a".into(), 0, 4)],
                &mut tracker,
            )
            .await
            .unwrap();
        // The second batch is acknowledged at once, but the first is not yet.
        inflight
            .push(async { Ok(()) }, vec![("a".into(), 0, 9)], &mut tracker)
            .await
            .unwrap();
        tokio::task::yield_now().await;
        inflight
            .push(async { Ok(()) }, Vec::new(), &mut tracker)
            .await
            .unwrap();
        assert!(
            tracker.committable().is_empty(),
            "nothing is committable while the first batch awaits its acks"
        );
        first_acked.send(()).unwrap();
        inflight.drain(&mut tracker).await.unwrap();
        assert_eq!(tracker.committable(), vec![(("a".into(), 0), 10)]);
    }

    #[tokio::test]
    async fn a_failed_delivery_fails_the_stage() {
        let mut tracker = Tracker::default();
        let mut inflight = InFlight::default();
        let pushed = inflight
            .push(
                async { Err(KafkaSetupError::Delivery("broker down".into())) },
                vec![("a".into(), 0, 4)],
                &mut tracker,
            )
            .await;
        let drained = inflight.drain(&mut tracker).await;
        assert!(pushed.is_err() || drained.is_err());
        assert!(tracker.committable().is_empty());
    }
}
