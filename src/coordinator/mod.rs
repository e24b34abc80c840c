//! The group coordinator (`kafka.coordinator.group.GroupCoordinator`): on the broker
//! that leads a group's `__consumer_offsets` partition, it runs the classic
//! rebalance protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) and keeps the
//! group's committed offsets, which are records of that partition. The rebalance is here;
//! the group's state is `group_metadata`, its storage `group_metadata_manager` and `records`.

mod group_metadata;
mod group_metadata_manager;
pub mod records;

use crate::protocol::*;
use crate::runtime::{Out, Timer};
use crate::trace::Event;
pub use group_metadata::{Group, Member};
use records::OffsetsRecord;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub const OFFSETS_TOPIC: &str = "__consumer_offsets";

/// A write to `__consumer_offsets` the coordinator asks its broker to make; the
/// answer goes out once the write is committed (`offsets.commit.required.acks` = -1).
#[derive(Clone, Debug)]
pub struct Append {
    pub partition: u32,
    pub records: Vec<OffsetsRecord>,
    pub then: AfterAppend,
}

#[derive(Clone, Debug)]
pub enum AfterAppend {
    OffsetCommit {
        to: NodeId,
        correlation_id: u64,
        group_id: String,
        offsets: Vec<(TopicPartition, u64)>,
    },
    GroupStored {
        group_id: String,
        generation: i32,
    },
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct GroupCoordinator {
    /// `__consumer_offsets` partitions this broker leads and has loaded.
    pub partitions: BTreeSet<u32>,
    pub groups: BTreeMap<String, Group>,
}

pub struct GroupCtx<'a> {
    pub out: &'a mut Out,
    pub me: BrokerId,
    /// This broker on the network.
    pub node: NodeId,
    pub num_partitions: u32,
    pub initial_rebalance_delay_ms: u64,
}

impl GroupCtx<'_> {
    fn node(&self) -> NodeId {
        self.node.clone()
    }
}

impl GroupCoordinator {
    /// A group this coordinator holds in memory (the picture and the checker ask).
    pub fn get_group(&self, group_id: &str) -> Option<&Group> {
        self.groups.get(group_id)
    }

    pub fn group_ids(&self) -> impl Iterator<Item = &str> {
        self.groups.keys().map(String::as_str)
    }

    /// This broker coordinates the group only if it leads (and has loaded) the group's partition.
    pub fn owns(&self, group_id: &str, num_partitions: u32) -> bool {
        self.partitions.contains(&records::partition_for_group(group_id, num_partitions))
    }

    fn group(&mut self, group_id: &str, num_partitions: u32) -> &mut Group {
        let partition = records::partition_for_group(group_id, num_partitions);
        self.groups.entry(group_id.to_string()).or_insert_with(|| Group::new(group_id, partition))
    }

    /// `GroupCoordinator.handleJoinGroup`.
    pub fn join(
        &mut self,
        ctx: &mut GroupCtx,
        from: NodeId,
        correlation_id: u64,
        group_id: &str,
        member_id: &str,
        session_timeout_ms: u64,
        rebalance_timeout_ms: u64,
        protocols: Vec<(String, Subscription)>,
    ) -> Option<Append> {
        let g = self.group(group_id, ctx.num_partitions);
        if !g.members.is_empty()
            && !protocols
                .iter()
                .any(|(n, _)| g.members.iter().all(|m| m.protocols.iter().any(|(mn, _)| mn == n)))
        {
            ctx.out.send(
                ctx.node(),
                from,
                Message::JoinGroupResponse {
                    correlation_id,
                    result: Err((ErrorCode::InconsistentGroupProtocol, member_id.into())),
                },
            );
            return None;
        }
        if member_id.is_empty() {
            // KIP-394: a new member first gets its id, then joins with it.
            let id = format!("{from}-{:08x}", ctx.out.rng().rand_u64() as u32);
            g.pending_member_ids.insert(id.clone());
            ctx.out.send(
                ctx.node(),
                from,
                Message::JoinGroupResponse {
                    correlation_id,
                    result: Err((ErrorCode::MemberIdRequired, id)),
                },
            );
            return None;
        }
        let known = g.has_member(member_id);
        if !known && !g.pending_member_ids.remove(member_id) {
            ctx.out.send(
                ctx.node(),
                from,
                Message::JoinGroupResponse {
                    correlation_id,
                    result: Err((ErrorCode::UnknownMemberId, member_id.into())),
                },
            );
            return None;
        }
        if !known {
            g.members.push(Member {
                member_id: member_id.into(),
                client: from.clone(),
                protocols: Vec::new(),
                session_timeout_ms,
                rebalance_timeout_ms,
                assignment: BTreeMap::new(),
                awaiting_join: None,
                awaiting_sync: None,
                session_timer: None,
            });
            ctx.out.emit(Event::GroupMemberAdded {
                group: group_id.into(),
                member: member_id.into(),
                client: from.clone(),
            });
        }
        let m = g.member_mut(member_id).expect("added above");
        let changed = m
            .protocols
            .iter()
            .map(|(n, s)| (n, &s.topics, &s.owned))
            .ne(protocols.iter().map(|(n, s)| (n, &s.topics, &s.owned)));
        m.protocols = protocols;
        m.client = from;
        m.session_timeout_ms = session_timeout_ms;
        m.rebalance_timeout_ms = rebalance_timeout_ms;
        m.awaiting_join = Some(correlation_id);
        match g.state {
            GroupState::PreparingRebalance => {
                // `InitialDelayedJoin`: each newcomer to a new group's first rebalance waits the delay again.
                if g.initial_join && !known {
                    Self::set_join_deadline(ctx, g, ctx.initial_rebalance_delay_ms);
                }
            }
            GroupState::Empty => Self::prepare_rebalance(ctx, g, "new member joined"),
            GroupState::CompletingRebalance | GroupState::Stable => {
                let leader_rejoins = g.state == GroupState::Stable && g.leader.as_deref() == Some(member_id);
                if !known || changed || leader_rejoins {
                    Self::prepare_rebalance(ctx, g, if known { "member rejoined with new metadata" } else { "new member joined" });
                } else {
                    // Nothing changed: the member hears the current generation again (the leader with everyone's subscription).
                    let members = if g.leader.as_deref() == Some(member_id) {
                        g.subscriptions()
                    } else {
                        Vec::new()
                    };
                    let result = JoinResult {
                        generation: g.generation,
                        protocol: g.protocol.clone().unwrap_or_default(),
                        leader: g.leader.clone().unwrap_or_default(),
                        member_id: member_id.into(),
                        members,
                    };
                    let m = g.member_mut(member_id).expect("known");
                    m.awaiting_join = None;
                    let to = m.client.clone();
                    ctx.out.send(
                        ctx.node(),
                        to,
                        Message::JoinGroupResponse {
                            correlation_id,
                            result: Ok(result),
                        },
                    );
                    return None;
                }
            }
        }
        Self::try_complete_join(ctx, g)
    }

    /// `GroupCoordinator.prepareRebalance`: members must rejoin within the rebalance timeout;
    /// an empty group's first rebalance waits `group.initial.rebalance.delay.ms` for more members.
    fn prepare_rebalance(ctx: &mut GroupCtx, g: &mut Group, reason: &str) {
        if g.state == GroupState::PreparingRebalance {
            return;
        }
        for m in &mut g.members {
            if let Some(c) = m.awaiting_sync.take() {
                ctx.out.send(
                    ctx.node(),
                    m.client.clone(),
                    Message::SyncGroupResponse {
                        correlation_id: c,
                        result: Err(ErrorCode::RebalanceInProgress),
                    },
                );
            }
        }
        g.initial_join = g.state == GroupState::Empty;
        let delay = if g.initial_join {
            ctx.initial_rebalance_delay_ms
        } else {
            g.members.iter().map(|m| m.rebalance_timeout_ms).max().unwrap_or(0)
        };
        g.state = GroupState::PreparingRebalance;
        ctx.out.emit(Event::RebalanceStarted {
            group: g.group_id.clone(),
            generation: g.generation,
            reason: reason.into(),
        });
        Self::set_join_deadline(ctx, g, delay);
    }

    fn set_join_deadline(ctx: &mut GroupCtx, g: &mut Group, delay_ms: u64) {
        if let Some(t) = g.join_deadline.take() {
            ctx.out.cancel(t);
        }
        g.join_deadline = Some(
            ctx.out
                .set_timer(delay_ms, ctx.node(), Timer::GroupJoinDeadline { group_id: g.group_id.clone() }),
        );
    }

    /// Completes the join phase once every member rejoined (never during the initial delay).
    fn try_complete_join(ctx: &mut GroupCtx, g: &mut Group) -> Option<Append> {
        if g.state == GroupState::PreparingRebalance && !g.initial_join && g.members.iter().all(|m| m.awaiting_join.is_some()) {
            return Self::complete_join(ctx, g);
        }
        None
    }

    /// The join deadline passed.
    pub fn join_deadline(&mut self, ctx: &mut GroupCtx, group_id: &str) -> Option<Append> {
        let g = self.groups.get_mut(group_id)?;
        g.join_deadline = None;
        if g.state != GroupState::PreparingRebalance {
            return None;
        }
        Self::complete_join(ctx, g)
    }

    /// `GroupCoordinator.onCompleteJoin`: members that did not rejoin are dropped; the
    /// generation rises; the first member to have joined leads and gets everyone's subscription.
    fn complete_join(ctx: &mut GroupCtx, g: &mut Group) -> Option<Append> {
        if let Some(t) = g.join_deadline.take() {
            ctx.out.cancel(t);
        }
        let (stay, gone): (Vec<Member>, Vec<Member>) = std::mem::take(&mut g.members).into_iter().partition(|m| m.awaiting_join.is_some());
        for m in gone {
            if let Some(t) = m.session_timer {
                ctx.out.cancel(t);
            }
            ctx.out.emit(Event::GroupMemberRemoved {
                group: g.group_id.clone(),
                member: m.member_id,
                reason: "did not rejoin in time".into(),
            });
        }
        g.members = stay;
        g.generation += 1;
        if g.members.is_empty() {
            g.state = GroupState::Empty;
            g.protocol = None;
            g.leader = None;
            ctx.out.emit(Event::GroupStateChanged {
                group: g.group_id.clone(),
                state: g.state,
                generation: g.generation,
                leader: None,
                protocol: None,
            });
            return Some(g.store());
        }
        if !g.leader.as_ref().is_some_and(|l| g.has_member(l)) {
            g.leader = Some(g.members[0].member_id.clone());
        }
        g.protocol = g.select_protocol();
        g.state = GroupState::CompletingRebalance;
        let protocol = g.protocol.clone().unwrap_or_default();
        let leader = g.leader.clone().expect("set above");
        ctx.out.emit(Event::GroupStateChanged {
            group: g.group_id.clone(),
            state: g.state,
            generation: g.generation,
            leader: Some(leader.clone()),
            protocol: g.protocol.clone(),
        });
        let subscriptions = g.subscriptions();
        let generation = g.generation;
        for m in &mut g.members {
            let c = m.awaiting_join.take().expect("stayed because awaiting");
            let members = if m.member_id == leader { subscriptions.clone() } else { Vec::new() };
            let result = JoinResult {
                generation,
                protocol: protocol.clone(),
                leader: leader.clone(),
                member_id: m.member_id.clone(),
                members,
            };
            ctx.out.send(
                ctx.node(),
                m.client.clone(),
                Message::JoinGroupResponse {
                    correlation_id: c,
                    result: Ok(result),
                },
            );
            Self::reset_session(ctx, &g.group_id, m);
        }
        None
    }

    fn reset_session(ctx: &mut GroupCtx, group_id: &str, m: &mut Member) {
        if let Some(t) = m.session_timer.take() {
            ctx.out.cancel(t);
        }
        m.session_timer = Some(ctx.out.set_timer(
            m.session_timeout_ms,
            ctx.node(),
            Timer::MemberSessionExpired {
                group_id: group_id.into(),
                member_id: m.member_id.clone(),
            },
        ));
    }

    fn check_member(g: &Group, member_id: &str, generation: i32) -> Result<(), ErrorCode> {
        if !g.has_member(member_id) {
            Err(ErrorCode::UnknownMemberId)
        } else if generation != g.generation {
            Err(ErrorCode::IllegalGeneration)
        } else {
            Ok(())
        }
    }

    /// `GroupCoordinator.handleSyncGroup`: the leader's assignment is stored, then handed out.
    pub fn sync(
        &mut self,
        ctx: &mut GroupCtx,
        from: NodeId,
        correlation_id: u64,
        group_id: &str,
        generation: i32,
        member_id: &str,
        assignments: Assignment,
    ) -> Option<Append> {
        let g = self.group(group_id, ctx.num_partitions);
        let reply = |ctx: &mut GroupCtx, result| ctx.out.send(ctx.node(), from.clone(), Message::SyncGroupResponse { correlation_id, result });
        if let Err(e) = Self::check_member(g, member_id, generation) {
            reply(ctx, Err(e));
            return None;
        }
        match g.state {
            GroupState::Empty => reply(ctx, Err(ErrorCode::UnknownMemberId)),
            GroupState::PreparingRebalance => reply(ctx, Err(ErrorCode::RebalanceInProgress)),
            GroupState::Stable => {
                let a = g.member_mut(member_id).expect("check_member found the member").assignment.clone();
                reply(ctx, Ok(a));
            }
            GroupState::CompletingRebalance => {
                g.member_mut(member_id).expect("check_member found the member").awaiting_sync = Some(correlation_id);
                if g.leader.as_deref() == Some(member_id) {
                    for m in &mut g.members {
                        m.assignment = assignments.get(&m.member_id).cloned().unwrap_or_default();
                    }
                    return Some(g.store());
                }
            }
        }
        None
    }

    /// The group's metadata record is committed: the rebalance is over.
    pub fn group_stored(&mut self, ctx: &mut GroupCtx, group_id: &str, generation: i32, error: Option<ErrorCode>) {
        let Some(g) = self.groups.get_mut(group_id) else { return };
        if g.generation != generation || g.state != GroupState::CompletingRebalance {
            return;
        }
        if let Some(e) = error {
            for m in &mut g.members {
                m.assignment.clear();
                if let Some(c) = m.awaiting_sync.take() {
                    ctx.out.send(
                        ctx.node(),
                        m.client.clone(),
                        Message::SyncGroupResponse {
                            correlation_id: c,
                            result: Err(e),
                        },
                    );
                }
            }
            Self::prepare_rebalance(ctx, g, "storing the group failed");
            return;
        }
        g.state = GroupState::Stable;
        ctx.out.emit(Event::GroupStateChanged {
            group: g.group_id.clone(),
            state: g.state,
            generation: g.generation,
            leader: g.leader.clone(),
            protocol: g.protocol.clone(),
        });
        for m in &mut g.members {
            if let Some(c) = m.awaiting_sync.take() {
                ctx.out.send(
                    ctx.node(),
                    m.client.clone(),
                    Message::SyncGroupResponse {
                        correlation_id: c,
                        result: Ok(m.assignment.clone()),
                    },
                );
            }
        }
    }

    /// `GroupCoordinator.handleHeartbeat`: a rebalance is announced through the answer.
    pub fn heartbeat(&mut self, ctx: &mut GroupCtx, from: NodeId, correlation_id: u64, group_id: &str, generation: i32, member_id: &str) {
        let g = self.group(group_id, ctx.num_partitions);
        let error = match Self::check_member(g, member_id, generation) {
            Err(e) => Some(e),
            Ok(()) => {
                let state = g.state;
                let gid = g.group_id.clone();
                Self::reset_session(ctx, &gid, g.member_mut(member_id).expect("check_member found the member"));
                match state {
                    GroupState::PreparingRebalance => Some(ErrorCode::RebalanceInProgress),
                    GroupState::Empty => Some(ErrorCode::UnknownMemberId),
                    _ => None,
                }
            }
        };
        ctx.out.send(ctx.node(), from, Message::HeartbeatResponse { correlation_id, error });
    }

    /// A member leaves (LeaveGroup) or its session expires: the others rebalance.
    pub fn remove_member(&mut self, ctx: &mut GroupCtx, group_id: &str, member_id: &str, reason: &str) -> Option<Append> {
        let g = self.groups.get_mut(group_id)?;
        let i = g.members.iter().position(|m| m.member_id == member_id)?;
        let m = g.members.remove(i);
        if let Some(t) = m.session_timer {
            ctx.out.cancel(t);
        }
        ctx.out.emit(Event::GroupMemberRemoved {
            group: group_id.into(),
            member: member_id.into(),
            reason: reason.into(),
        });
        match g.state {
            GroupState::Stable | GroupState::CompletingRebalance => {
                Self::prepare_rebalance(ctx, g, reason);
                if g.members.is_empty() {
                    return Self::complete_join(ctx, g);
                }
                None
            }
            GroupState::PreparingRebalance => {
                if g.members.is_empty() {
                    return Self::complete_join(ctx, g);
                }
                Self::try_complete_join(ctx, g)
            }
            GroupState::Empty => None,
        }
    }

    pub fn session_expired(&mut self, ctx: &mut GroupCtx, group_id: &str, member_id: &str) -> Option<Append> {
        let g = self.groups.get_mut(group_id)?;
        if let Some(m) = g.member_mut(member_id) {
            m.session_timer = None;
        }
        self.remove_member(ctx, group_id, member_id, "session timeout")
    }
}
