//! `ConsumerCoordinator`: what membership means for a consumer: its `poll` step, partitions
//! given up and taken on around a rebalance (eager or cooperative, KIP-429), the leader's
//! assignor, and committing offsets.

use super::network_client::Pending;
use super::{Consumer, Phase};
use crate::assignor::{self, Strategy, Subscription};
use crate::protocol::*;
use crate::runtime::Out;
use crate::trace::Event;
use std::collections::{BTreeMap, BTreeSet};

/// The auto-commit `onJoinPrepare` waits for before it rejoins.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) enum RejoinCommit {
    #[default]
    NotSent,
    InFlight,
    Done,
}

impl Consumer {
    /// What the next poll will do for the group, if anything (membership moves only in poll).
    pub fn next_poll(&self) -> Option<&'static str> {
        if self.group_id.is_none() || self.phase == Phase::Manual {
            None
        } else if self.join_answer.is_some() {
            Some("join_answer")
        } else if self.synced.is_some() {
            Some("assignment")
        } else if matches!(self.phase, Phase::Rejoin | Phase::Left) {
            Some("join")
        } else if self.rejoin_needed && self.phase == Phase::Stable {
            Some("rejoin")
        } else {
            None
        }
    }

    fn cooperative(&self) -> bool {
        self.config.partition_assignment_strategy.first().is_some_and(|s| s == "cooperative-sticky")
    }

    /// `ConsumerCoordinator.poll`, its group part: take a JoinGroup answer, apply an assignment,
    /// rejoin if needed (giving partitions up first), then auto-commit if it is time.
    pub(super) fn poll_group(&mut self, out: &mut Out) {
        if self.phase != Phase::Manual && self.group_id.is_some() {
            if let Some(answer) = self.join_answer.take() {
                self.on_join(out, answer);
            }
            if let Some(assignment) = self.synced.take() {
                self.on_join_complete(out, assignment);
            }
            if (self.phase == Phase::Rejoin || self.rejoin_needed) && !matches!(self.phase, Phase::Joining | Phase::Syncing) {
                self.join_group(out);
            }
        }
        if self.config.enable_auto_commit && out.now_ms() >= self.next_auto_commit_ms {
            self.next_auto_commit_ms = out.now_ms() + self.config.auto_commit_interval_ms;
            let changed = self.positions.iter().any(|(tp, o)| self.committed.get(tp) != Some(o));
            if changed && matches!(self.phase, Phase::Stable | Phase::Manual) {
                self.commit(out, true);
            }
        }
    }

    /// `ConsumerCoordinator.onJoinPrepare`: with auto-commit, commit the positions first and wait
    /// for the answer (a later poll goes on); then eager protocols revoke every partition,
    /// cooperative ones keep theirs, and a reset generation loses them all.
    pub(super) fn on_join_prepare(&mut self, out: &mut Out) -> bool {
        let stable_member = self.phase == Phase::Stable && self.generation >= 0 && !self.lost;
        if self.config.enable_auto_commit && stable_member {
            match self.rejoin_commit {
                RejoinCommit::NotSent => {
                    if self.commit_positions(out, true, true) {
                        self.rejoin_commit = RejoinCommit::InFlight;
                        return false;
                    }
                }
                RejoinCommit::InFlight => return false,
                RejoinCommit::Done => {}
            }
        }
        self.rejoin_commit = RejoinCommit::NotSent;
        if self.lost || !self.cooperative() {
            self.revoke(out, self.assignment.clone());
        }
        self.lost = false;
        true
    }

    /// `onJoinComplete`: the assignment the SyncGroup answer brought takes effect in this poll.
    fn on_join_complete(&mut self, out: &mut Out, new: BTreeSet<TopicPartition>) {
        let revoked: BTreeSet<TopicPartition> = self.assignment.difference(&new).cloned().collect();
        self.revoke(out, revoked.clone());
        self.assignment = new;
        self.needs_join_prepare = true;
        out.emit(Event::AssignmentReceived {
            consumer: self.name.clone(),
            group: self.group_id.clone().unwrap_or_default(),
            generation: self.generation,
            member: self.member_id.clone(),
            partitions: self.assignment.iter().cloned().collect(),
            leader: self.is_leader,
        });
        // KIP-429: having given partitions up, a cooperative member rejoins so they can move.
        if !revoked.is_empty() && self.cooperative() {
            self.rejoin_needed = true;
        }
    }

    pub(super) fn revoke(&mut self, out: &mut Out, tps: BTreeSet<TopicPartition>) {
        if tps.is_empty() {
            return;
        }
        for tp in &tps {
            self.assignment.remove(tp);
            self.positions.remove(tp);
            self.buffer.remove(tp);
            self.awaiting_positions.remove(tp);
        }
        out.emit(Event::PartitionsRevoked {
            consumer: self.name.clone(),
            partitions: tps.into_iter().collect(),
        });
    }

    /// `commitSync()` of the current positions (or the auto-commit of them).
    pub fn commit(&mut self, out: &mut Out, auto: bool) -> bool {
        self.commit_positions(out, auto, false)
    }

    fn commit_positions(&mut self, out: &mut Out, auto: bool, before_rejoin: bool) -> bool {
        let Some(group_id) = self.group_id.clone() else { return false };
        let Some(c) = self.coordinator else { return false };
        let offsets: Vec<(TopicPartition, u64)> = self
            .positions
            .iter()
            .filter(|(tp, _)| self.assignment.contains(*tp))
            .map(|(tp, o)| (tp.clone(), *o))
            .collect();
        if offsets.is_empty() {
            return false;
        }
        let (generation, member_id) = if self.phase == Phase::Manual {
            (-1, String::new())
        } else {
            (self.generation, self.member_id.clone())
        };
        self.request(out, c, Pending::Commit { auto, before_rejoin }, |correlation_id| Message::OffsetCommitRequest {
            correlation_id,
            group_id,
            generation,
            member_id,
            offsets,
        });
        true
    }

    /// `OffsetCommitResponseHandler`: what was committed, as the consumer's own record of it.
    pub(super) fn on_commit(&mut self, out: &mut Out, kind: &Pending, results: Vec<(TopicPartition, Option<ErrorCode>)>) {
        let auto = matches!(kind, Pending::Commit { auto: true, .. });
        if matches!(kind, Pending::Commit { before_rejoin: true, .. }) {
            self.rejoin_commit = RejoinCommit::Done;
        }
        let group = self.group_id.clone().unwrap_or_default();
        match results.iter().find_map(|(_, e)| *e) {
            None => {
                for (tp, _) in &results {
                    if let Some(o) = self.positions.get(tp) {
                        self.committed.insert(tp.clone(), *o);
                    }
                }
                let offsets = results.into_iter().filter_map(|(tp, _)| self.committed.get(&tp).map(|o| (tp, *o))).collect();
                out.emit(Event::OffsetsCommitted {
                    consumer: self.name.clone(),
                    group,
                    offsets,
                    auto,
                });
            }
            Some(error) => {
                out.emit(Event::OffsetCommitFailed {
                    consumer: self.name.clone(),
                    group,
                    error,
                });
                if matches!(error, ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable) {
                    self.coordinator_lost();
                }
            }
        }
    }

    /// The group leader's job (`ConsumerCoordinator.onLeaderElected`): run the chosen assignor
    /// over everyone's subscriptions. Topics this leader has no metadata for are left out.
    pub(super) fn run_assignor(&self, j: &JoinResult) -> Assignment {
        let Ok(strategy) = Strategy::from_name(&j.protocol) else {
            return Default::default();
        };
        let counts: BTreeMap<String, u32> = self.metadata.iter().map(|(t, l)| (t.to_string(), l.len() as u32)).collect();
        // Subscriptions go in as the members sent them: the assignors leave out topics without
        // metadata themselves (`AbstractPartitionAssignor.assign`), and the sticky ones compare
        // raw subscriptions to choose their path. Owned partitions of unknown topics are dropped.
        let members: Vec<Subscription> = j
            .members
            .iter()
            .map(|s| Subscription {
                owned: s
                    .owned
                    .iter()
                    .filter(|(t, _)| counts.contains_key(*t))
                    .map(|(t, p)| (t.clone(), p.clone()))
                    .collect(),
                ..s.clone()
            })
            .collect();
        assignor::assign(strategy, &counts, &members).unwrap_or_default()
    }
}
