//! `ConsumerNetworkClient` and the consumer's `Metadata`: requests with their timeouts, what a
//! failed one means for the consumer (`retry.backoff.ms`, another broker), and each topic's
//! leaders.

use super::{Consumer, Phase, RejoinCommit};
use crate::protocol::*;
use crate::runtime::{Out, Timer, TimerKey};
use std::collections::{BTreeMap, BTreeSet};

/// A request in flight, by what it asked: what its answer or its failure means.
#[derive(Clone, Debug)]
pub(super) enum Pending {
    Metadata,
    FindCoordinator,
    Join,
    Sync,
    Heartbeat,
    Commit {
        auto: bool,
        /// The commit `onJoinPrepare` makes before giving partitions up.
        before_rejoin: bool,
    },
    OffsetFetch {
        partitions: Vec<TopicPartition>,
    },
    ListOffsets {
        partitions: Vec<TopicPartition>,
    },
    Fetch {
        leader: BrokerId,
    },
    /// A question to the schema registry.
    Registry,
}

/// Whether a request of that kind is in flight (one at a time of most kinds).
pub(super) fn has_pending(pending: &BTreeMap<u64, (Pending, TimerKey)>, f: impl Fn(&Pending) -> bool) -> bool {
    pending.values().any(|(p, _)| f(p))
}

impl Consumer {
    pub(super) fn next_id(&mut self) -> u64 {
        self.next_correlation += 1;
        self.next_correlation
    }

    pub(super) fn request(&mut self, out: &mut Out, to: BrokerId, kind: Pending, make: impl FnOnce(u64) -> Message) {
        self.request_to(out, self.cluster.broker(to), kind, make);
    }

    pub(super) fn request_to(&mut self, out: &mut Out, to: NodeId, kind: Pending, make: impl FnOnce(u64) -> Message) -> (u64, TimerKey) {
        let id = self.next_id();
        let timer = out.set_timer(
            self.config.request_timeout_ms,
            self.node(),
            Timer::ConsumerRequestTimeout { correlation_id: id },
        );
        self.pending.insert(id, (kind, timer));
        out.send(self.node(), to, make(id));
        (id, timer)
    }

    pub(super) fn bootstrap_broker(&self) -> BrokerId {
        self.bootstrap[self.bootstrap_next % self.bootstrap.len()]
    }

    pub(super) fn wanted_topics(&self) -> BTreeSet<String> {
        self.topics.iter().cloned().chain(self.manual.iter().map(|tp| tp.topic.to_string())).collect()
    }

    pub(super) fn leader_of(&self, tp: &TopicPartition) -> Option<BrokerId> {
        self.metadata.get(&tp.topic).and_then(|l| l.get(tp.partition as usize).copied().flatten())
    }

    pub(super) fn backoff(&mut self, out: &mut Out) {
        if self.retry_timer.is_none() {
            self.retry_timer = Some(out.set_timer(self.config.retry_backoff_ms, self.node(), Timer::ConsumerRetry));
        }
    }

    /// No answer in time: the node is treated as gone, as `NetworkClient` does on a timeout.
    pub(super) fn on_failure(&mut self, out: &mut Out, kind: Pending) {
        match kind {
            Pending::Metadata | Pending::FindCoordinator => self.bootstrap_next += 1,
            Pending::Join | Pending::Sync | Pending::Heartbeat | Pending::OffsetFetch { .. } | Pending::Commit { .. } => {
                if matches!(kind, Pending::Commit { before_rejoin: true, .. }) {
                    self.rejoin_commit = RejoinCommit::Done;
                }
                if let Pending::OffsetFetch { partitions } = &kind {
                    for tp in partitions {
                        self.awaiting_positions.remove(tp);
                    }
                }
                if matches!(kind, Pending::Join | Pending::Sync) && self.phase != Phase::Left {
                    self.phase = Phase::Rejoin;
                }
                self.coordinator_lost();
            }
            Pending::ListOffsets { partitions } => {
                for tp in partitions {
                    self.awaiting_positions.remove(&tp);
                    self.forget_leaders(&tp.topic);
                }
            }
            Pending::Fetch { .. } => {
                let topics: Vec<Name> = self.metadata.keys().cloned().collect();
                for t in topics {
                    self.forget_leaders(&t);
                }
            }
            // Asked again by the next poll that meets the id.
            Pending::Registry => return,
        }
        self.backoff(out);
    }

    /// Leaders went stale: ask again, but keep the partition count the assignor needs.
    pub(super) fn forget_leaders(&mut self, topic: &Name) {
        if let Some(leaders) = self.metadata.get_mut(topic) {
            leaders.iter_mut().for_each(|l| *l = None);
        }
    }

    /// `Metadata`: each topic's leaders; the brokers to ask next time.
    pub(super) fn on_metadata(&mut self, out: &mut Out, brokers: Vec<BrokerId>, partitions: Vec<PartitionMetadata>, errors: Vec<(Name, ErrorCode)>) {
        if !brokers.is_empty() {
            self.bootstrap = brokers;
        }
        for pm in partitions {
            let leaders = self.metadata.entry(pm.tp.topic.clone()).or_default();
            let i = pm.tp.partition as usize;
            if leaders.len() <= i {
                leaders.resize(i + 1, None);
            }
            leaders[i] = pm.state.leader;
        }
        if !errors.is_empty() || self.assignment.iter().any(|tp| self.leader_of(tp).is_none()) {
            self.backoff(out);
        }
    }
}
