//! `RecordAccumulator` with the partitioner's choice: records join their partition's last batch
//! until it is full, and a retried batch goes back to the head of its queue.

use super::metadata::Pending;
use super::{Producer, TopicMetadata};
use crate::partitioner::{self, PartitionerKind};
use crate::protocol::*;
use crate::runtime::Out;
use crate::trace::Event;

/// A partition's batch of records (`ProducerBatch`), sent and retried as one.
#[derive(Clone, Debug)]
pub(super) struct Batch {
    pub(super) tp: TopicPartition,
    pub(super) records: Vec<ProducerRecord>,
    pub(super) seqs: Vec<u64>,
    pub(super) bytes: usize,
    pub(super) created_ms: u64,
    pub(super) retry_at_ms: u64,
    /// The idempotent producer's stamp, given when the batch is first drained and kept on retries.
    pub(super) producer: Option<BatchProducer>,
    /// How often it was sent again (`ProducerBatch.attempts`), against `retries`.
    pub(super) attempts: u32,
    /// Its sequence was rewritten after an epoch bump (`ProducerBatch.sequenceHasBeenReset`).
    pub(super) sequence_reset: bool,
}

impl Producer {
    fn available(meta: &TopicMetadata) -> Vec<u32> {
        meta.leaders.iter().enumerate().filter(|(_, l)| l.is_some()).map(|(p, _)| p as u32).collect()
    }

    /// Picks the partition (explicit, keyed, or by the unkeyed strategy) and appends to its
    /// batch; true when that partition now has a full batch waiting.
    pub(super) fn accumulate(&mut self, out: &mut Out, p: Pending) -> bool {
        let meta = &self.metadata[&p.topic];
        let n = meta.leaders.len() as u32;
        let available = Self::available(meta);
        let size = p.record.size_in_bytes();
        let sticky = self.sticky.entry(p.topic.clone()).or_default();
        let kind = self.config.partitioner;
        let partition = match (p.partition, &p.record.key, kind) {
            (Some(explicit), _, _) => explicit.min(n - 1),
            (None, _, PartitionerKind::RoundRobin) => partitioner::round_robin(sticky, n, &available),
            (None, Some(key), _) => partitioner::partition_for_key(key, n),
            (None, None, PartitionerKind::UniformSticky) => {
                // KIP-794: switch once `batch.size` bytes went to the sticky partition.
                if sticky.sticky.is_none() || sticky.produced_bytes >= self.config.batch_size {
                    sticky.sticky = Some(partitioner::random_partition(out.rng(), n, &available, None));
                    sticky.produced_bytes = 0;
                }
                sticky.produced_bytes += size;
                sticky.sticky.expect("chosen above")
            }
            (None, None, PartitionerKind::Sticky) => {
                let current = match sticky.sticky {
                    Some(s) => s,
                    None => partitioner::random_partition(out.rng(), n, &available, None),
                };
                // KIP-480: a record that would open a new batch first moves the sticky partition.
                let tp = TopicPartition::new(&p.topic, current);
                let needs_new_batch = self
                    .accumulator
                    .get(&tp)
                    .and_then(|q| q.back())
                    .is_none_or(|b| b.bytes + size > self.config.batch_size);
                let chosen = if needs_new_batch {
                    partitioner::random_partition(out.rng(), n, &available, Some(current))
                } else {
                    current
                };
                sticky.sticky = Some(chosen);
                chosen
            }
        };
        let tp = TopicPartition::new(&p.topic, partition);
        out.emit(Event::ProduceQueued {
            producer: self.name.clone(),
            tp: tp.clone(),
            seq: p.seq,
            key: p.record.key.clone(),
            value: p.record.value.clone(),
        });
        let now = out.now_ms();
        let batch_size = self.config.batch_size;
        let queue = self.accumulator.entry(tp.clone()).or_default();
        match queue.back_mut() {
            Some(b) if b.bytes + size <= batch_size && b.retry_at_ms == 0 => {
                b.records.push(p.record);
                b.seqs.push(p.seq);
                b.bytes += size;
            }
            _ => queue.push_back(Batch {
                tp,
                records: vec![p.record],
                seqs: vec![p.seq],
                bytes: size,
                created_ms: now,
                retry_at_ms: 0,
                producer: None,
                attempts: 0,
                sequence_reset: false,
            }),
        }
        queue.len() > 1 || queue.back().is_some_and(|b| b.bytes >= batch_size)
    }

    /// `RecordAccumulator.reenqueue`: back at the head of its queue; an idempotent batch goes
    /// in sequence order among the retries there (`insertInSequenceOrder`).
    pub(super) fn reenqueue(&mut self, b: Batch) {
        let idempotent = self.idempotent();
        let queue = self.accumulator.entry(b.tp.clone()).or_default();
        match b.producer.filter(|_| idempotent) {
            Some(h) => {
                let at = queue
                    .iter()
                    .position(|q| q.producer.is_none_or(|p| p.base_sequence > h.base_sequence))
                    .unwrap_or(queue.len());
                queue.insert(at, b);
            }
            None => queue.push_front(b),
        }
    }
}
