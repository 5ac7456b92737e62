//! Decoding a batch on every core. Decoding is the most expensive step per message and
//! needs no state, so a batch is cut into one contiguous chunk per core and each chunk is
//! decoded on tokio's blocking pool; the results come back in input order, so everything
//! after this step (producing, scoring, offsets) sees the same order as a sequential loop.

use std::sync::Arc;

use rdkafka::message::OwnedMessage;

/// Messages per chunk below which splitting costs more than it saves.
const MIN_CHUNK: usize = 32;

/// How many chunks a batch of `len` messages is cut into on a machine with `cores` cores.
fn chunks_for(len: usize, cores: usize) -> usize {
    (len / MIN_CHUNK).clamp(1, cores.max(1))
}

/// `decode(message)` for every message of `batch`, in order, spread over the cores.
pub async fn map_batch<T, F>(batch: Arc<Vec<OwnedMessage>>, decode: Arc<F>) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(&OwnedMessage) -> T + Send + Sync + 'static,
{
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let n = chunks_for(batch.len(), cores);
    if n == 1 {
        return batch.iter().map(|m| decode(m)).collect();
    }
    let size = batch.len().div_ceil(n);
    let mut handles = Vec::with_capacity(n);
    for start in (0..batch.len()).step_by(size) {
        let (batch, decode) = (batch.clone(), decode.clone());
        let end = (start + size).min(batch.len());
        handles.push(tokio::task::spawn_blocking(move || {
            batch[start..end]
                .iter()
                .map(|m| decode(m))
                .collect::<Vec<T>>()
        }));
    }
    let mut out = Vec::with_capacity(batch.len());
    for h in handles {
        match h.await {
            Ok(part) => out.extend(part),
            // A panic in a decoder is a bug, not bad input (decoders never panic on any
            // bytes, see tests/decode_props.rs): surface it rather than lose messages.
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdkafka::Timestamp;

    fn msg(offset: i64) -> OwnedMessage {
        OwnedMessage::new(
            None,
            None,
            "t".into(),
            Timestamp::NotAvailable,
            0,
            offset,
            None,
        )
    }

    #[test]
    fn small_batches_stay_whole_and_large_ones_use_every_core() {
        assert_eq!(chunks_for(10, 8), 1);
        assert_eq!(chunks_for(64, 8), 2);
        assert_eq!(chunks_for(1000, 2), 2);
        assert_eq!(chunks_for(1000, 0), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn results_come_back_in_input_order() {
        let batch: Arc<Vec<OwnedMessage>> = Arc::new((0..1000).map(msg).collect());
        let out = map_batch(
            batch,
            Arc::new(|m: &OwnedMessage| {
                use rdkafka::message::Message;
                m.offset() * 2
            }),
        )
        .await;
        assert_eq!(out, (0..1000).map(|o| o * 2).collect::<Vec<i64>>());
    }
}
