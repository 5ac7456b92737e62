//! Offsets, in one place. Kafka's committed offset is the *next* message to read
//! (last processed + 1). riskd stores offsets with `store_offsets` (next-offset semantics)
//! only after everything derived from the messages below them is acknowledged; librdkafka
//! auto-commits what is stored.
//!
//! [`Tracker`] follows, per partition, the highest offset read and the offsets of messages
//! whose events are still held in the reorder buffer; the committable next offset is the
//! lowest held one, or highest read + 1 when nothing is held.

use std::collections::{BTreeMap, HashMap};

use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::KafkaResult;
use rdkafka::{Offset, TopicPartitionList};

type Partition = (String, i32);

/// Per-partition read and held offsets.
#[derive(Debug, Default)]
pub struct Tracker {
    read: HashMap<Partition, i64>,
    held: HashMap<Partition, BTreeMap<i64, usize>>,
}

impl Tracker {
    /// A message was read.
    pub fn read(&mut self, topic: &str, partition: i32, offset: i64) {
        let e = self
            .read
            .entry((topic.to_owned(), partition))
            .or_insert(offset);
        *e = (*e).max(offset);
    }

    /// One event of a message is held (not yet scored and acknowledged).
    pub fn hold(&mut self, topic: &str, partition: i32, offset: i64) {
        *self
            .held
            .entry((topic.to_owned(), partition))
            .or_default()
            .entry(offset)
            .or_default() += 1;
    }

    /// One held event of a message was scored and its output acknowledged.
    pub fn release(&mut self, topic: &str, partition: i32, offset: i64) {
        if let Some(m) = self.held.get_mut(&(topic.to_owned(), partition)) {
            if let Some(n) = m.get_mut(&offset) {
                *n -= 1;
                if *n == 0 {
                    m.remove(&offset);
                }
            }
        }
    }

    /// The next offset to commit per partition.
    pub fn committable(&self) -> Vec<(Partition, i64)> {
        self.read
            .iter()
            .map(|(p, &last)| {
                let next = self
                    .held
                    .get(p)
                    .and_then(|m| m.keys().next().copied())
                    .unwrap_or(last + 1);
                (p.clone(), next)
            })
            .collect()
    }

    /// Stores the committable offsets on the consumer (auto-commit sends them).
    pub fn store(&self, consumer: &StreamConsumer) -> KafkaResult<()> {
        let mut tpl = TopicPartitionList::new();
        for ((topic, partition), next) in self.committable() {
            tpl.add_partition_offset(&topic, partition, Offset::Offset(next))?;
        }
        if tpl.count() > 0 {
            consumer.store_offsets(&tpl)?;
        }
        Ok(())
    }

    /// Forgets partitions no longer assigned.
    pub fn clear(&mut self) {
        self.read.clear();
        self.held.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_below_the_lowest_held_message() {
        let mut t = Tracker::default();
        for o in 0..5 {
            t.read("a", 0, o);
        }
        t.hold("a", 0, 2);
        t.hold("a", 0, 2);
        t.hold("a", 0, 4);
        assert_eq!(t.committable(), vec![(("a".into(), 0), 2)]);
        t.release("a", 0, 2);
        assert_eq!(
            t.committable(),
            vec![(("a".into(), 0), 2)],
            "one event of message 2 still held"
        );
        t.release("a", 0, 2);
        assert_eq!(t.committable(), vec![(("a".into(), 0), 4)]);
        t.release("a", 0, 4);
        assert_eq!(
            t.committable(),
            vec![(("a".into(), 0), 5)],
            "next = last read + 1"
        );
    }
}
