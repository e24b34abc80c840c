//! The `__cluster_metadata` log of one node (Kafka's `ReplicatedLog`): entries, each stamped
//! with the epoch of the leader that appended it. It is on disk: it survives a crash.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry<R> {
    pub epoch: u64,
    pub record: EntryRecord<R>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum EntryRecord<R> {
    /// The control record a new leader writes first (`LeaderChangeMessage`), so that a record
    /// of its own epoch exists for it to commit.
    LeaderChange { leader: u32, voters: Vec<u32> },
    /// A record of the state machine above (for the controller, a metadata record).
    Data(R),
}

#[derive(Clone, Debug, Serialize)]
pub struct ReplicatedLog<R> {
    entries: Vec<Entry<R>>,
}

impl<R> Default for ReplicatedLog<R> {
    fn default() -> Self {
        ReplicatedLog { entries: Vec::new() }
    }
}

impl<R: Clone> ReplicatedLog<R> {
    pub fn end_offset(&self) -> u64 {
        self.entries.len() as u64
    }

    /// The epoch of the last entry (0 for an empty log).
    pub fn last_fetched_epoch(&self) -> u64 {
        self.entries.last().map_or(0, |e| e.epoch)
    }

    pub fn entries(&self) -> &[Entry<R>] {
        &self.entries
    }

    pub fn read(&self, from: u64, max: usize) -> Vec<Entry<R>> {
        self.entries.iter().skip(from as usize).take(max).cloned().collect()
    }

    pub fn append(&mut self, entries: impl IntoIterator<Item = Entry<R>>) {
        self.entries.extend(entries);
    }

    /// The largest epoch in the log that is at most `epoch`, and where it ends: the start of the
    /// next epoch, or the log end (`ReplicatedLog.endOffsetForEpoch`). `(0, 0)` when the log
    /// has no such epoch.
    pub fn end_offset_for_epoch(&self, epoch: u64) -> (u64, u64) {
        let Some(last) = self.entries.iter().rposition(|e| e.epoch <= epoch) else {
            return (0, 0);
        };
        (self.entries[last].epoch, last as u64 + 1)
    }

    /// Whether a follower at `(fetch_offset, last_fetched_epoch)` follows this log; if not,
    /// where they part (`ReplicatedLog.validateOffsetAndEpoch`).
    pub fn diverging(&self, fetch_offset: u64, last_fetched_epoch: u64) -> Option<(u64, u64)> {
        if fetch_offset == 0 && last_fetched_epoch == 0 {
            return None;
        }
        let (epoch, end) = self.end_offset_for_epoch(last_fetched_epoch);
        if epoch != last_fetched_epoch || end < fetch_offset {
            Some((epoch, end))
        } else {
            None
        }
    }

    /// Where a follower cuts its log when the leader says they part at `(epoch, end_offset)`
    /// (`KafkaRaftClient.handleFetchResponse`, `ReplicatedLog.truncateToEndOffset`).
    pub fn truncation_point(&self, epoch: u64, end_offset: u64) -> u64 {
        let (ours, our_end) = self.end_offset_for_epoch(epoch);
        if ours == epoch {
            our_end.min(end_offset)
        } else {
            our_end
        }
    }

    /// Cuts the log back to `end_offset`; returns how many entries went.
    pub fn truncate_to(&mut self, end_offset: u64) -> u64 {
        let before = self.entries.len();
        self.entries.truncate(end_offset as usize);
        (before - self.entries.len()) as u64
    }
}
