//! A replica's log and its leader-epoch cache (`LeaderEpochFileCache`, KIP-101).

use super::producer_state::ProducerStateManager;
use crate::protocol::Record;
use serde::Serialize;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Log {
    pub records: Vec<Record>,
    /// (leader epoch, the offset its first record has), ascending.
    pub epochs: Vec<(u32, u64)>,
    /// Built from the batches in `records`; followers keep it too (`ProducerStateManager`).
    pub producer_state: ProducerStateManager,
}

impl Log {
    /// The offset the next record will get.
    pub fn log_end_offset(&self) -> u64 {
        self.records.len() as u64
    }

    pub fn latest_epoch(&self) -> Option<u32> {
        self.epochs.last().map(|e| e.0)
    }

    /// Records a new epoch starting at `start_offset`, unless an equal or later one is known.
    pub fn assign_epoch(&mut self, epoch: u32, start_offset: u64) {
        if self.latest_epoch().is_none_or(|e| epoch > e) {
            self.epochs.push((epoch, start_offset));
        }
    }

    pub fn append(&mut self, record: Record) {
        debug_assert_eq!(record.offset, self.log_end_offset());
        self.assign_epoch(record.leader_epoch, record.offset);
        if let Some(h) = &record.producer {
            self.producer_state.record_appended(record.offset, h);
        }
        self.records.push(record);
    }

    /// `LeaderEpochFileCache.endOffsetFor`: for the latest epoch, the log end; otherwise the
    /// largest epoch not above `requested` (or `requested` itself when it predates every
    /// known epoch) with the start of the next higher epoch. `None` (undefined) when no
    /// higher epoch is known.
    pub fn end_offset_for(&self, requested: u32) -> Option<(u32, u64)> {
        if self.latest_epoch() == Some(requested) {
            return Some((requested, self.log_end_offset()));
        }
        let higher = self.epochs.iter().find(|(e, _)| *e > requested)?;
        let floor = self.epochs.iter().rev().find(|(e, _)| *e <= requested).map_or(requested, |(e, _)| *e);
        Some((floor, higher.1))
    }

    /// Removes every record at or after `offset`; returns how many went.
    pub fn truncate_to(&mut self, offset: u64) -> u64 {
        let before = self.log_end_offset();
        if offset >= before {
            // `UnifiedLog.truncateTo`: the epoch cache is truncated from the log end even so: an
            // epoch this broker started as leader without appending to it must not survive.
            self.epochs.retain(|(_, start)| *start < before);
            return 0;
        }
        self.records.truncate(offset as usize);
        self.epochs.retain(|(_, start)| *start < offset);
        if !self.producer_state.producers.is_empty() {
            self.producer_state = ProducerStateManager::rebuild(&self.records);
        }
        before - offset
    }

    pub fn read(&self, from: u64, max_bytes: usize) -> Vec<Record> {
        let mut out = Vec::new();
        let mut bytes = 0;
        for r in self.records.iter().skip(from as usize) {
            let size = 12 + r.key.as_ref().map_or(0, |k| k.len()) + r.value.as_ref().map_or(0, |v| v.len());
            if !out.is_empty() && bytes + size > max_bytes {
                break;
            }
            bytes += size;
            out.push(r.clone());
        }
        out
    }
}
