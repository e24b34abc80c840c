//! `AbstractCoordinator`: membership in the group as any member has it, apart from what it is a
//! member for: finding the coordinator, JoinGroup and SyncGroup, the heartbeat thread, and
//! leaving (on `close()`, or when the application stops polling, KIP-62).

use super::network_client::{has_pending, Pending};
use super::{Consumer, Phase};
use crate::assignor::Subscription;
use crate::protocol::*;
use crate::runtime::{Out, Timer};
use crate::trace::Event;
use std::collections::{BTreeMap, BTreeSet};

impl Consumer {
    /// LeaveGroup to the coordinator, if this consumer is a member of a group; true when sent.
    pub(super) fn send_leave_group(&mut self, out: &mut Out) -> bool {
        let Some(coordinator) = self.coordinator.filter(|_| self.phase != Phase::Manual && !self.member_id.is_empty()) else {
            return false;
        };
        let correlation_id = self.next_id();
        let msg = Message::LeaveGroupRequest {
            correlation_id,
            group_id: self.group_id.clone().unwrap_or_default(),
            member_id: self.member_id.clone(),
        };
        out.send(self.node(), self.cluster.broker(coordinator), msg);
        true
    }

    pub(super) fn poll_interval_exceeded(&self, now_ms: u64) -> bool {
        matches!(self.phase, Phase::Joining | Phase::Syncing | Phase::Stable) && now_ms.saturating_sub(self.last_poll_ms) > self.config.max_poll_interval_ms
    }

    /// The heartbeat thread checks the poll timeout every time it wakes (at least every
    /// `retry.backoff.ms`, `AbstractCoordinator.HeartbeatThread`): here one timer at the deadline,
    /// moved on when the application polled meanwhile.
    pub(super) fn arm_poll_deadline(&mut self, out: &mut Out) {
        let in_group = matches!(self.phase, Phase::Joining | Phase::Syncing | Phase::Stable);
        if self.poll_deadline_timer.is_none() && in_group {
            let deadline = self.last_poll_ms + self.config.max_poll_interval_ms + 1;
            self.poll_deadline_timer = Some(out.set_timer(deadline.saturating_sub(out.now_ms()).max(1), self.node(), Timer::ConsumerPollDeadline));
        }
    }

    /// KIP-62: the heartbeat thread leaves the group when the application has not polled
    /// within `max.poll.interval.ms` (`AbstractCoordinator.maybeLeaveGroup`, "consumer poll
    /// timeout has expired"); its partitions are lost, and the next poll rejoins as a new member.
    pub(super) fn leave_for_poll_timeout(&mut self, out: &mut Out) {
        self.send_leave_group(out);
        out.emit(Event::PollIntervalExceeded {
            consumer: self.name.clone(),
            max_poll_interval_ms: self.config.max_poll_interval_ms,
        });
        self.revoke(out, self.assignment.clone());
        self.member_id.clear();
        self.generation = -1;
        self.phase = Phase::Left;
    }

    fn send_join(&mut self, out: &mut Out) {
        let Some(coordinator) = self.coordinator else { return };
        let mut owned: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for tp in &self.assignment {
            owned.entry(tp.topic.to_string()).or_default().push(tp.partition);
        }
        let sub = Subscription {
            member_id: self.member_id.clone(),
            topics: self.topics.clone(),
            owned,
            generation: (self.generation >= 0).then_some(self.generation),
        };
        let protocols = self.config.partition_assignment_strategy.iter().map(|s| (s.clone(), sub.clone())).collect();
        let (group_id, member_id) = (self.group_id.clone().unwrap_or_default(), self.member_id.clone());
        let (session_timeout_ms, rebalance_timeout_ms) = (self.config.session_timeout_ms, self.config.max_poll_interval_ms);
        self.phase = Phase::Joining;
        self.request(out, coordinator, Pending::Join, |correlation_id| Message::JoinGroupRequest {
            correlation_id,
            group_id,
            member_id,
            session_timeout_ms,
            rebalance_timeout_ms,
            protocols,
        });
    }

    /// `markCoordinatorUnknown`: look it up again; membership and generation stay.
    pub(super) fn coordinator_lost(&mut self) {
        self.coordinator = None;
        if matches!(self.phase, Phase::Joining | Phase::Syncing) {
            self.phase = Phase::Rejoin;
        }
    }

    /// `resetGenerationOnResponseError`: fenced out of its generation, the member is no longer in
    /// the group; the next poll treats its partitions as lost and joins again.
    fn reset_generation(&mut self, forget_member_id: bool) {
        if forget_member_id {
            self.member_id.clear();
        }
        self.generation = -1;
        self.lost = true;
        self.synced = None;
        self.phase = Phase::Rejoin;
    }

    /// `joinGroupIfNeeded`: once the coordinator and the topics' metadata are known, prepare
    /// (once per rebalance) and send JoinGroup.
    pub(super) fn join_group(&mut self, out: &mut Out) {
        let metadata_known = self.topics.iter().all(|t| self.metadata.contains_key(t.as_str()));
        if self.coordinator.is_none() || !metadata_known {
            return;
        }
        if self.needs_join_prepare {
            if !self.on_join_prepare(out) {
                return;
            }
            self.needs_join_prepare = false;
        }
        self.send_join(out);
    }

    pub(super) fn on_join(&mut self, out: &mut Out, result: Result<JoinResult, (ErrorCode, String)>) {
        if self.phase != Phase::Joining {
            return;
        }
        match result {
            Err((ErrorCode::MemberIdRequired, id)) => {
                self.member_id = id;
                self.phase = Phase::Rejoin;
            }
            Err((ErrorCode::UnknownMemberId, _)) => {
                self.member_id.clear();
                self.phase = Phase::Rejoin;
            }
            Err((ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable, _)) => {
                self.coordinator_lost();
                self.backoff(out);
            }
            Err(_) => {
                self.phase = Phase::Rejoin;
                self.backoff(out);
            }
            Ok(j) => {
                self.generation = j.generation;
                self.member_id = j.member_id.clone();
                self.is_leader = j.leader == j.member_id;
                let assignments = if self.is_leader { self.run_assignor(&j) } else { Default::default() };
                let Some(c) = self.coordinator else { return };
                let (group_id, generation, member_id) = (self.group_id.clone().unwrap_or_default(), self.generation, self.member_id.clone());
                self.phase = Phase::Syncing;
                self.request(out, c, Pending::Sync, |correlation_id| Message::SyncGroupRequest {
                    correlation_id,
                    group_id,
                    generation,
                    member_id,
                    assignments,
                });
            }
        }
    }

    /// `SyncGroupResponseHandler`: the member is STABLE again (the heartbeat thread may read
    /// this answer); the assignment takes effect at the next poll.
    pub(super) fn on_sync(&mut self, out: &mut Out, result: Result<BTreeMap<String, Vec<u32>>, ErrorCode>) {
        if self.phase != Phase::Syncing {
            return;
        }
        match result {
            Ok(a) => {
                let new: BTreeSet<TopicPartition> = a
                    .iter()
                    .flat_map(|(t, ps)| ps.iter().map(move |p| TopicPartition::new(&t.as_str().into(), *p)))
                    .collect();
                self.phase = Phase::Stable;
                self.rejoin_needed = false;
                self.synced = Some(new);
            }
            Err(ErrorCode::RebalanceInProgress) => self.phase = Phase::Rejoin,
            Err(ErrorCode::UnknownMemberId) => self.reset_generation(true),
            Err(ErrorCode::IllegalGeneration) => self.reset_generation(false),
            Err(_) => {
                self.phase = Phase::Rejoin;
                self.coordinator_lost();
                self.backoff(out);
            }
        }
    }

    /// The heartbeat thread's beat, every `heartbeat.interval.ms`, while the member is in the group.
    pub(super) fn heartbeat(&mut self, out: &mut Out) {
        if matches!(self.phase, Phase::Stable | Phase::Syncing) && !has_pending(&self.pending, |p| matches!(p, Pending::Heartbeat)) {
            if let Some(c) = self.coordinator {
                let (group_id, generation, member_id) = (self.group_id.clone().unwrap_or_default(), self.generation, self.member_id.clone());
                self.request(out, c, Pending::Heartbeat, |correlation_id| Message::HeartbeatRequest {
                    correlation_id,
                    group_id,
                    generation,
                    member_id,
                });
            }
        }
        out.set_timer(self.config.heartbeat_interval_ms, self.node(), Timer::ConsumerHeartbeat);
    }

    /// `HeartbeatResponseHandler`; on `requestRejoin` the member keeps its partitions and
    /// heartbeats until the next poll.
    pub(super) fn on_heartbeat(&mut self, error: Option<ErrorCode>) {
        match error {
            None => {}
            Some(ErrorCode::RebalanceInProgress) => self.rejoin_needed = true,
            Some(ErrorCode::IllegalGeneration) => self.reset_generation(false),
            Some(ErrorCode::UnknownMemberId) => self.reset_generation(true),
            Some(_) => self.coordinator_lost(),
        }
    }

    /// `FindCoordinatorResponseHandler`: the group's coordinator, or another broker to ask.
    pub(super) fn on_find_coordinator(&mut self, out: &mut Out, result: Result<BrokerId, ErrorCode>) {
        match result {
            Ok(b) => {
                self.coordinator = Some(b);
                out.emit(Event::CoordinatorFound {
                    consumer: self.name.clone(),
                    broker: b,
                });
            }
            Err(_) => {
                self.bootstrap_next += 1;
                self.backoff(out);
            }
        }
    }
}
