//! One partition's replica on one broker and the leader's rules for the high
//! watermark and the ISR (`kafka.cluster.Partition`, `kafka.cluster.Replica`).

use super::Log;
use crate::protocol::{BrokerId, TopicPartition};
use serde::Serialize;
use std::collections::BTreeMap;

/// What a leader knows of one follower, from the follower's fetches (`ReplicaState`).
#[derive(Clone, Debug, Serialize)]
pub struct FollowerState {
    /// `None` until the follower's first fetch after this broker became leader.
    pub log_end_offset: Option<u64>,
    /// `None`: never caught up under this leader.
    pub last_caught_up_ms: Option<u64>,
    pub last_fetch_leader_leo: u64,
    pub last_fetch_ms: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Leader,
    Follower,
    /// Not told its role yet (a restarted broker before the controller's LeaderAndIsr).
    Offline,
}

#[derive(Clone, Debug, Serialize)]
pub struct Partition {
    pub tp: TopicPartition,
    pub replicas: Vec<BrokerId>,
    pub log: Log,
    pub high_watermark: u64,
    pub role: Role,
    pub leader: Option<BrokerId>,
    pub leader_epoch: u32,
    pub partition_epoch: u32,
    /// The committed ISR, as the controller last confirmed it.
    pub isr: Vec<BrokerId>,
    /// An AlterPartition in flight (KIP-497): the ISR the leader proposed.
    pub pending_isr: Option<Vec<BrokerId>>,
    pub followers: BTreeMap<BrokerId, FollowerState>,
}

impl Partition {
    pub fn new(tp: TopicPartition, replicas: Vec<BrokerId>) -> Self {
        Partition {
            tp,
            replicas,
            log: Log::default(),
            high_watermark: 0,
            role: Role::Offline,
            leader: None,
            leader_epoch: 0,
            partition_epoch: 0,
            isr: Vec::new(),
            pending_isr: None,
            followers: BTreeMap::new(),
        }
    }

    pub fn log_end_offset(&self) -> u64 {
        self.log.log_end_offset()
    }

    /// KIP-497's "maximal ISR": while an expansion is pending, the leader already
    /// counts the new member for the high watermark, so it can never advance too far.
    pub fn maximal_isr(&self) -> &[BrokerId] {
        match &self.pending_isr {
            Some(p) if p.len() > self.isr.len() => p,
            _ => &self.isr,
        }
    }

    /// `Partition.makeLeader`: a new epoch starts at the log end; every follower's
    /// state is reset, counted as caught up now if it is in the ISR.
    pub fn make_leader(&mut self, me: BrokerId, leader_epoch: u32, isr: Vec<BrokerId>, partition_epoch: u32, now_ms: u64) {
        self.role = Role::Leader;
        self.leader = Some(me);
        self.leader_epoch = leader_epoch;
        self.partition_epoch = partition_epoch;
        self.log.assign_epoch(leader_epoch, self.log.log_end_offset());
        self.followers = self
            .replicas
            .iter()
            .filter(|r| **r != me)
            .map(|r| {
                let caught_up = isr.contains(r).then_some(now_ms);
                (
                    *r,
                    FollowerState {
                        log_end_offset: None,
                        last_caught_up_ms: caught_up,
                        last_fetch_leader_leo: 0,
                        last_fetch_ms: None,
                    },
                )
            })
            .collect();
        self.isr = isr;
        self.pending_isr = None;
    }

    pub fn make_follower(&mut self, leader: Option<BrokerId>, leader_epoch: u32, isr: Vec<BrokerId>, partition_epoch: u32) {
        self.role = Role::Follower;
        self.leader = leader;
        self.leader_epoch = leader_epoch;
        self.partition_epoch = partition_epoch;
        self.isr = isr;
        self.pending_isr = None;
        self.followers.clear();
    }

    /// `Replica.updateFetchStateOrThrow`: a follower fetching at or past the leader's
    /// log end is caught up now; one that reached what the leader had at its previous
    /// fetch was caught up then.
    pub fn update_follower(&mut self, follower: BrokerId, fetch_offset: u64, now_ms: u64) {
        let leader_leo = self.log.log_end_offset();
        if let Some(f) = self.followers.get_mut(&follower) {
            if fetch_offset >= leader_leo {
                f.last_caught_up_ms = f.last_caught_up_ms.max(Some(now_ms));
            } else if fetch_offset >= f.last_fetch_leader_leo && f.last_fetch_ms.is_some() {
                f.last_caught_up_ms = f.last_caught_up_ms.max(f.last_fetch_ms);
            }
            f.log_end_offset = Some(fetch_offset);
            f.last_fetch_leader_leo = f.last_fetch_leader_leo.max(leader_leo);
            f.last_fetch_ms = Some(now_ms);
        }
    }

    fn is_caught_up(&self, f: &FollowerState, now_ms: u64, lag_max_ms: u64) -> bool {
        f.log_end_offset == Some(self.log.log_end_offset()) || f.last_caught_up_ms.is_some_and(|t| now_ms.saturating_sub(t) <= lag_max_ms)
    }

    /// `Partition.maybeIncrementLeaderHW`: the smallest log end offset among the
    /// maximal ISR and any follower caught up enough to join it. Kafka 3.7+ (KAFKA-15583)
    /// does not advance it while the ISR is below the effective `min.insync.replicas`.
    /// Returns the old value when it advanced.
    pub fn maybe_increment_high_watermark(&mut self, min_insync_replicas: usize, now_ms: u64, lag_max_ms: u64) -> Option<u64> {
        if self.isr.len() < min_insync_replicas.min(self.replicas.len()) {
            return None;
        }
        let mut new_hw = self.log.log_end_offset();
        for (id, f) in &self.followers {
            let counts = self.maximal_isr().contains(id) || self.is_caught_up(f, now_ms, lag_max_ms);
            if counts {
                match f.log_end_offset {
                    Some(leo) => new_hw = new_hw.min(leo),
                    None => return None,
                }
            }
        }
        if new_hw > self.high_watermark {
            let old = self.high_watermark;
            self.high_watermark = new_hw;
            Some(old)
        } else {
            None
        }
    }

    /// `Partition.getOutOfSyncReplicas`: ISR followers not caught up within `replica.lag.time.max.ms`.
    pub fn out_of_sync_replicas(&self, now_ms: u64, lag_max_ms: u64) -> Vec<BrokerId> {
        self.isr
            .iter()
            .filter(|id| self.followers.get(id).is_some_and(|f| !self.is_caught_up(f, now_ms, lag_max_ms)))
            .copied()
            .collect()
    }

    /// `Partition.isFollowerInSync` for expansion: a follower that reached the high
    /// watermark and this leader epoch's first offset may rejoin the ISR.
    pub fn may_rejoin_isr(&self, follower: BrokerId) -> bool {
        let epoch_start = self.log.epochs.iter().rev().find(|(e, _)| *e == self.leader_epoch).map_or(0, |(_, s)| *s);
        !self.maximal_isr().contains(&follower)
            && self
                .followers
                .get(&follower)
                .and_then(|f| f.log_end_offset)
                .is_some_and(|leo| leo >= self.high_watermark && leo >= epoch_start)
    }
}
