//! What a quorum leader keeps of its followers (Kafka's `LeaderState`): how far each voter has
//! fetched, and from that the high watermark; who fetched lately, for check-quorum and for
//! BeginQuorumEpoch reminders.

use super::QuorumConfig;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Serialize)]
pub struct LeaderState {
    /// The log end when this node became leader: only a high watermark above it counts
    /// (a leader commits a record of its own epoch before any of an older one).
    pub epoch_start_offset: u64,
    /// None until a majority has a record of this epoch (`onBecomeLeader`: no high watermark).
    pub high_watermark: Option<u64>,
    /// Each voter's end offset as its last valid Fetch said (the leader's own is its log end).
    pub voter_end_offsets: BTreeMap<u32, u64>,
    /// When each voter last fetched.
    pub last_fetch_ms: BTreeMap<u32, u64>,
    /// Voters that fetched since check-quorum last reset (`LeaderState.fetchedVoters`).
    pub fetched_voters: BTreeSet<u32>,
    /// When check-quorum runs out: the leader resigns.
    pub check_quorum_deadline_ms: u64,
    /// When the next BeginQuorumEpoch reminders go out (0: at once).
    pub begin_quorum_deadline_ms: u64,
}

impl LeaderState {
    pub fn new(epoch_start_offset: u64, now_ms: u64, config: &QuorumConfig) -> Self {
        LeaderState {
            epoch_start_offset,
            high_watermark: None,
            voter_end_offsets: BTreeMap::new(),
            last_fetch_ms: BTreeMap::new(),
            fetched_voters: BTreeSet::new(),
            check_quorum_deadline_ms: now_ms + check_quorum_timeout_ms(config),
            begin_quorum_deadline_ms: now_ms,
        }
    }

    /// The offset a majority of voters (the leader among them) has reached, if it is above
    /// the epoch's start and the current high watermark (`LeaderState.maybeUpdateHighWatermark`).
    /// Returns the new high watermark when it moved.
    pub fn maybe_update_high_watermark(&mut self, me: u32, log_end: u64, config: &QuorumConfig) -> Option<u64> {
        let mut ends: Vec<u64> = config
            .voters
            .iter()
            .map(|v| {
                if *v == me {
                    log_end
                } else {
                    self.voter_end_offsets.get(v).copied().unwrap_or(0)
                }
            })
            .collect();
        ends.sort_unstable_by(|a, b| b.cmp(a));
        let reached = ends[config.voters.len() / 2];
        let moves = reached > self.epoch_start_offset && self.high_watermark.is_none_or(|hw| reached > hw);
        if moves {
            self.high_watermark = Some(reached);
            Some(reached)
        } else {
            None
        }
    }

    /// A voter fetched: check-quorum restarts once a majority (the leader counts) has since
    /// the last restart (`LeaderState.updateCheckQuorumForFollowingVoter`).
    pub fn fetched(&mut self, voter: u32, now_ms: u64, config: &QuorumConfig) {
        self.last_fetch_ms.insert(voter, now_ms);
        self.fetched_voters.insert(voter);
        if self.fetched_voters.len() + 1 >= config.majority() {
            self.fetched_voters.clear();
            self.check_quorum_deadline_ms = now_ms + check_quorum_timeout_ms(config);
        }
    }
}

pub fn check_quorum_timeout_ms(config: &QuorumConfig) -> u64 {
    config.fetch_timeout_ms * super::CHECK_QUORUM_TIMEOUT_FACTOR_TENTHS / 10
}
