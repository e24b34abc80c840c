//! What a partition's log remembers of its idempotent producers (`ProducerStateManager`,
//! KIP-98): each producer id's epoch and the sequence and offset ranges of its last five
//! batches. Leader and followers build it from every batch they append, so a new leader
//! still recognises a retried batch (`ProducerStateEntry.findDuplicateBatch`).

use crate::protocol::{BatchProducer, ErrorCode, Record};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// `ProducerStateEntry.NUM_BATCHES_TO_RETAIN`: how far back a duplicate is recognised.
pub const NUM_BATCHES_TO_RETAIN: usize = 5;

/// One appended batch: its sequence range and where it landed (`BatchMetadata`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BatchMetadata {
    pub first_seq: u32,
    pub last_seq: u32,
    pub first_offset: u64,
    pub last_offset: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProducerStateEntry {
    pub producer_epoch: u16,
    /// Oldest first, at most `NUM_BATCHES_TO_RETAIN`.
    pub batches: VecDeque<BatchMetadata>,
}

/// What the leader does with a client's batch (`UnifiedLog.analyzeAndValidateProducerState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppendCheck {
    Append,
    /// The same sequence range is already in the log: answer with where it landed, append nothing.
    Duplicate(BatchMetadata),
    Refuse(ErrorCode),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProducerStateManager {
    pub producers: BTreeMap<u64, ProducerStateEntry>,
}

impl ProducerStateManager {
    /// A record of an idempotent batch was appended, by the leader or through replication
    /// (`ProducerAppendInfo.appendDataBatch`; a new epoch clears the entry's batches).
    pub fn record_appended(&mut self, offset: u64, h: &BatchProducer) {
        let entry = self.producers.entry(h.producer_id).or_default();
        if entry.producer_epoch != h.producer_epoch {
            entry.producer_epoch = h.producer_epoch;
            entry.batches.clear();
        }
        match entry.batches.back_mut() {
            Some(b) if b.first_seq == h.base_sequence && b.last_seq == h.last_sequence && b.last_offset + 1 == offset => b.last_offset = offset,
            _ => {
                if entry.batches.len() == NUM_BATCHES_TO_RETAIN {
                    entry.batches.pop_front();
                }
                entry.batches.push_back(BatchMetadata {
                    first_seq: h.base_sequence,
                    last_seq: h.last_sequence,
                    first_offset: offset,
                    last_offset: offset,
                });
            }
        }
    }

    /// Rebuilt from the log after a truncation, as Kafka reloads it from a snapshot and the
    /// records after it (`UnifiedLog.rebuildProducerState`).
    pub fn rebuild(records: &[Record]) -> Self {
        let mut state = ProducerStateManager::default();
        for r in records {
            if let Some(h) = &r.producer {
                state.record_appended(r.offset, h);
            }
        }
        state
    }

    /// A client's batch: a duplicate of a retained batch, the next in sequence, or refused
    /// (`ProducerStateEntry.findDuplicateBatch`, `ProducerAppendInfo.checkProducerEpoch` and
    /// `checkSequence`, Kafka 3.x).
    pub fn check(&self, h: &BatchProducer) -> AppendCheck {
        // No state for this producer (never seen, or its batches are gone): any sequence is taken.
        let Some(entry) = self.producers.get(&h.producer_id) else {
            return AppendCheck::Append;
        };
        if entry.producer_epoch == h.producer_epoch {
            if let Some(b) = entry.batches.iter().find(|b| b.first_seq == h.base_sequence && b.last_seq == h.last_sequence) {
                return AppendCheck::Duplicate(*b);
            }
        }
        if h.producer_epoch < entry.producer_epoch {
            return AppendCheck::Refuse(ErrorCode::InvalidProducerEpoch);
        }
        let in_sequence = if h.producer_epoch != entry.producer_epoch {
            h.base_sequence == 0
        } else {
            entry.batches.back().is_none_or(|b| h.base_sequence == b.last_seq.wrapping_add(1))
        };
        if in_sequence {
            AppendCheck::Append
        } else {
            AppendCheck::Refuse(ErrorCode::OutOfOrderSequenceNumber)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(epoch: u16, first: u32, last: u32) -> BatchProducer {
        BatchProducer {
            producer_id: 7,
            producer_epoch: epoch,
            base_sequence: first,
            last_sequence: last,
        }
    }

    fn appended(state: &mut ProducerStateManager, at: u64, h: BatchProducer) {
        for i in 0..=(h.last_sequence - h.base_sequence) as u64 {
            state.record_appended(at + i, &h);
        }
    }

    #[test]
    fn a_retried_batch_is_a_duplicate_with_its_first_offsets() {
        let mut s = ProducerStateManager::default();
        appended(&mut s, 10, batch(0, 0, 2));
        let AppendCheck::Duplicate(b) = s.check(&batch(0, 0, 2)) else {
            panic!("not a duplicate")
        };
        assert_eq!((b.first_offset, b.last_offset), (10, 12));
    }

    #[test]
    fn only_the_last_five_batches_are_recognised() {
        let mut s = ProducerStateManager::default();
        for i in 0..6 {
            appended(&mut s, i as u64, batch(0, i, i));
        }
        assert_eq!(s.check(&batch(0, 0, 0)), AppendCheck::Refuse(ErrorCode::OutOfOrderSequenceNumber));
        assert!(matches!(s.check(&batch(0, 1, 1)), AppendCheck::Duplicate(_)));
    }

    #[test]
    fn a_gap_in_the_sequence_is_out_of_order() {
        let mut s = ProducerStateManager::default();
        appended(&mut s, 0, batch(0, 0, 1));
        assert_eq!(s.check(&batch(0, 2, 3)), AppendCheck::Append);
        assert_eq!(s.check(&batch(0, 3, 4)), AppendCheck::Refuse(ErrorCode::OutOfOrderSequenceNumber));
    }

    #[test]
    fn a_new_epoch_starts_at_sequence_zero_and_fences_the_old_one() {
        let mut s = ProducerStateManager::default();
        appended(&mut s, 0, batch(0, 0, 1));
        assert_eq!(s.check(&batch(1, 5, 5)), AppendCheck::Refuse(ErrorCode::OutOfOrderSequenceNumber));
        assert_eq!(s.check(&batch(1, 0, 0)), AppendCheck::Append);
        appended(&mut s, 2, batch(1, 0, 0));
        assert_eq!(s.check(&batch(0, 2, 2)), AppendCheck::Refuse(ErrorCode::InvalidProducerEpoch));
    }

    #[test]
    fn an_unknown_producer_may_start_at_any_sequence() {
        assert_eq!(ProducerStateManager::default().check(&batch(0, 42, 43)), AppendCheck::Append);
    }
}
