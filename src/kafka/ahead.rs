//! Fetching and decoding one batch ahead of the stage that handles it.
//!
//! A stage's work per batch has a parallel part (decoding, on every core: [`map_batch`])
//! and a sequential part (producing in input order, scoring users' histories). Done one
//! after the other, the cores idle while the sequential part runs: the e2e bench measured
//! a third of the machine idle. Here a task fetches batch N+1 and decodes it while the
//! stage still handles batch N; a channel of one batch keeps memory bounded (at most three
//! batches exist: one decoding, one waiting, one being handled) and gives backpressure.
//!
//! The stage sees batches in fetch order, the same as a sequential loop. Offsets are
//! unaffected: they follow what the stage has handled and Kafka has acknowledged, never
//! what was only fetched, so a batch decoded ahead and then dropped at shutdown or in a
//! crash is simply read again.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::message::OwnedMessage;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::client::RiskdConsumer;
use super::next_batch;
use super::parallel::map_batch;
use crate::config::KafkaConfig;

/// A fetched batch and what its messages decoded to, in the same order.
pub struct Decoded<T> {
    pub batch: Arc<Vec<OwnedMessage>>,
    pub items: Vec<T>,
}

/// The receiving end of the fetch-and-decode task.
pub struct DecodeAhead<T> {
    rx: mpsc::Receiver<Decoded<T>>,
    task: JoinHandle<()>,
}

/// How batches are cut (see [`next_batch`]).
#[derive(Clone, Copy, Debug)]
pub struct BatchShape {
    pub max: usize,
    pub wait: Duration,
}

impl BatchShape {
    /// `kafka.batch_size` and `kafka.batch_wait_ms`.
    pub fn of(k: &KafkaConfig) -> BatchShape {
        BatchShape {
            max: k.batch_size,
            wait: Duration::from_millis(k.batch_wait_ms),
        }
    }
}

impl<T: Send + 'static> DecodeAhead<T> {
    /// Starts fetching from `consumer` (already subscribed) and decoding with `decode`.
    /// Empty batches are passed on too (a `wait` passed without input), so the stage still
    /// wakes to flush on idle. Ends once `shutdown` is cancelled and nothing more is fetched.
    pub fn start<F>(
        consumer: Arc<RiskdConsumer>,
        shape: BatchShape,
        shutdown: CancellationToken,
        decode: F,
    ) -> DecodeAhead<T>
    where
        F: Fn(&OwnedMessage) -> T + Send + Sync + 'static,
    {
        let (tx, rx) = mpsc::channel(1);
        let decode = Arc::new(decode);
        let task = tokio::spawn(async move {
            loop {
                let batch = next_batch(&consumer, shape.max, shape.wait, &shutdown).await;
                if shutdown.is_cancelled() && batch.is_empty() {
                    break;
                }
                let batch = Arc::new(batch);
                let items = map_batch(batch.clone(), decode.clone()).await;
                if tx.send(Decoded { batch, items }).await.is_err() {
                    break;
                }
            }
        });
        DecodeAhead { rx, task }
    }

    /// The next batch, or `None` once the task has ended (after shutdown). A panic in a
    /// decoder is a bug, not bad input (decoders never panic on any bytes, see
    /// tests/decode_props.rs): it is raised here rather than read as the end of input.
    pub async fn next(&mut self) -> Option<Decoded<T>> {
        if let Some(d) = self.rx.recv().await {
            return Some(d);
        }
        if let Err(e) = (&mut self.task).await {
            if e.is_panic() {
                std::panic::resume_unwind(e.into_panic());
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_decoder_panic_is_raised_not_read_as_the_end_of_input() {
        // The fetch task ended by panicking (as it does when a decoder panics inside
        // `map_batch`): the stage must not take the closed channel for a clean end.
        let (tx, rx) = mpsc::channel::<Decoded<()>>(1);
        drop(tx);
        let task = tokio::spawn(async { panic!("decoder bug") });
        let mut ahead = DecodeAhead { rx, task };
        let raised = tokio::spawn(async move { ahead.next().await.is_none() }).await;
        assert!(raised.is_err_and(|e| e.is_panic()));
    }

    #[tokio::test]
    async fn batches_arrive_in_order_then_the_end() {
        let (tx, rx) = mpsc::channel::<Decoded<u32>>(1);
        let task = tokio::spawn(async move {
            for i in 0..3 {
                let d = Decoded {
                    batch: Arc::new(Vec::new()),
                    items: vec![i],
                };
                tx.send(d).await.unwrap();
            }
        });
        let mut ahead = DecodeAhead { rx, task };
        let mut seen = Vec::new();
        while let Some(d) = ahead.next().await {
            seen.extend(d.items);
        }
        assert_eq!(seen, vec![0, 1, 2]);
    }
}
