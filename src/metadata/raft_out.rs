//! A Kafka node's raft client talks through this: node ids become the cluster's controllers
//! (the voters) or brokers (observers), its one timer is `Timer::Quorum`, and what the quorum
//! does becomes trace events.

use crate::protocol::{BrokerId, ClusterRef, Message, MetadataRecord, NodeId};
use crate::raft::{QuorumEvent, RaftIo, RaftMessage};
use crate::runtime::{Out, Timer, TimerKey};
use crate::trace::Event;

pub struct RaftOut<'a> {
    pub out: &'a mut Out,
    pub me: NodeId,
    pub cluster: &'a ClusterRef,
    pub voters: &'a [BrokerId],
}

impl RaftIo<MetadataRecord> for RaftOut<'_> {
    fn now_ms(&self) -> u64 {
        self.out.now_ms()
    }

    fn rng(&mut self) -> &mut oorandom::Rand64 {
        self.out.rng()
    }

    fn send(&mut self, to: u32, msg: RaftMessage<MetadataRecord>) {
        let to = if self.voters.contains(&to) {
            self.cluster.controller(to)
        } else {
            self.cluster.broker(to)
        };
        self.out.send(self.me.clone(), to, Message::Raft(msg));
    }

    fn set_timer(&mut self, delay_ms: u64, electing: bool) -> TimerKey {
        self.out.set_timer(delay_ms, self.me.clone(), Timer::Quorum { electing })
    }

    fn cancel(&mut self, key: TimerKey) {
        self.out.cancel(key);
    }

    fn emit(&mut self, event: QuorumEvent) {
        let node = self.me.clone();
        self.out.emit(match event {
            QuorumEvent::StateChanged {
                epoch, state, leader, voted, ..
            } => Event::QuorumStateChanged {
                node,
                epoch,
                state,
                leader,
                voted,
            },
            QuorumEvent::VoteGranted {
                candidate, epoch, pre_vote, ..
            } => Event::QuorumVoteGranted {
                node,
                candidate,
                epoch,
                pre_vote,
            },
            QuorumEvent::HighWatermark { epoch, high_watermark, .. } => Event::MetadataCommitted { node, epoch, high_watermark },
            QuorumEvent::Truncated {
                epoch, end_offset, removed, ..
            } => Event::MetadataTruncated {
                node,
                epoch,
                end_offset,
                removed,
            },
        });
    }
}
