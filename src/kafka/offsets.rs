//! Offsets, in one place. Kafka's committed offset is the *next* message to read
//! (last processed + 1). riskd stores offsets with `store_offsets` (next-offset semantics)
//! only after everything derived from the messages below them is acknowledged; librdkafka
//! auto-commits what is stored.
//!
//! [`Tracker`] follows, per partition, the highest offset read and the offsets of messages
//! whose events are still held in the reorder buffer; the committable next offset is the
//! lowest held one, or highest read + 1 when nothing is held.

use std::collections::{BTreeMap, HashMap};

use rdkafka::consumer::Consumer;
use rdkafka::error::KafkaResult;
use rdkafka::{Offset, TopicPartitionList};

type Partition = (String, i32);
/// (index into `topics`, partition): no allocation per message.
type Slot = (usize, i32);

/// Per-partition read and held offsets.
#[derive(Debug, Default)]
pub struct Tracker {
    topics: Vec<String>,
    read: HashMap<Slot, i64>,
    held: HashMap<Slot, BTreeMap<i64, usize>>,
}

impl Tracker {
    fn slot(&mut self, topic: &str, partition: i32) -> Slot {
        let i = match self.topics.iter().position(|t| t == topic) {
            Some(i) => i,
            None => {
                self.topics.push(topic.to_owned());
                self.topics.len() - 1
            }
        };
        (i, partition)
    }

    /// A message was read.
    pub fn read(&mut self, topic: &str, partition: i32, offset: i64) {
        let slot = self.slot(topic, partition);
        let e = self.read.entry(slot).or_insert(offset);
        *e = (*e).max(offset);
    }

    /// One event of a message is held (not yet scored and acknowledged).
    pub fn hold(&mut self, topic: &str, partition: i32, offset: i64) {
        let slot = self.slot(topic, partition);
        *self
            .held
            .entry(slot)
            .or_default()
            .entry(offset)
            .or_default() += 1;
    }

    /// One held event of a message was scored and its output acknowledged.
    pub fn release(&mut self, topic: &str, partition: i32, offset: i64) {
        let slot = self.slot(topic, partition);
        if let Some(m) = self.held.get_mut(&slot) {
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
        let mut v: Vec<(Partition, i64)> = self
            .read
            .iter()
            .map(|(slot, &last)| {
                let next = self
                    .held
                    .get(slot)
                    .and_then(|m| m.keys().next().copied())
                    .unwrap_or(last + 1);
                ((self.topics[slot.0].clone(), slot.1), next)
            })
            .collect();
        v.sort();
        v
    }

    /// Forgets partitions `assigned` does not hold (revoked in a rebalance): their new
    /// owner commits them, and a stale offset stored later would move the group back.
    pub fn retain_assigned(&mut self, assigned: impl Fn(&str, i32) -> bool) {
        let topics = &self.topics;
        self.read
            .retain(|slot, _| assigned(&topics[slot.0], slot.1));
        self.held
            .retain(|slot, _| assigned(&topics[slot.0], slot.1));
    }

    /// Stores the committable offsets of the partitions the consumer holds (auto-commit
    /// sends them); storing for a revoked partition would fail the call.
    pub fn store(&mut self, consumer: &super::client::RiskdConsumer) -> KafkaResult<()> {
        let assignment = consumer.assignment()?;
        self.retain_assigned(|t, p| assignment.find_partition(t, p).is_some());
        let mut tpl = TopicPartitionList::new();
        for ((topic, partition), next) in self.committable() {
            tpl.add_partition_offset(&topic, partition, Offset::Offset(next))?;
        }
        if tpl.count() > 0 {
            consumer.store_offsets(&tpl)?;
        }
        Ok(())
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
        t.read("b", 1, 7);
        t.hold("a", 0, 2);
        t.hold("a", 0, 2);
        t.hold("a", 0, 4);
        assert_eq!(
            t.committable(),
            vec![(("a".into(), 0), 2), (("b".into(), 1), 8)]
        );
        t.release("a", 0, 2);
        assert_eq!(
            t.committable()[0],
            (("a".into(), 0), 2),
            "one event of message 2 still held"
        );
        t.release("a", 0, 2);
        assert_eq!(t.committable()[0], (("a".into(), 0), 4));
        t.release("a", 0, 4);
        assert_eq!(
            t.committable()[0],
            (("a".into(), 0), 5),
            "next = last read + 1"
        );
    }

    #[test]
    fn revoked_partitions_are_forgotten() {
        let mut t = Tracker::default();
        t.read("a", 0, 3);
        t.read("a", 1, 8);
        t.hold("a", 1, 8);
        t.retain_assigned(|topic, p| topic == "a" && p == 0);
        assert_eq!(t.committable(), vec![(("a".into(), 0), 4)]);
        t.release("a", 1, 8);
        assert_eq!(t.committable(), vec![(("a".into(), 0), 4)]);
    }
}
