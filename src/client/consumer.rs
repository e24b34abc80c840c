//! The consumer (`KafkaConsumer` with its `ConsumerCoordinator` and `Fetcher`):
//! it finds its group's coordinator, heartbeats, fetches from each partition's leader
//! up to the high watermark, and commits offsets. As in Kafka's classic protocol
//! (KIP-62), group membership moves only inside the application's `poll`
//! (`ConsumerCoordinator.poll`): joining, taking a JoinGroup answer (the leader runs
//! the assignor), applying an assignment, giving partitions up before a rebalance and
//! auto-committing. The heartbeat runs in the background and only marks that a rejoin
//! is needed. An application loop (`keep_polling_ms`) can call `poll` every N ms.

use crate::assignor::{self, Strategy, Subscription};
use crate::client::schema_registry_client::{configured_schemas, registry_node, Asked, AvroSchema, CachedSchemaRegistryClient, Step};
use crate::config::{ConsumerConfig, OffsetReset};
use crate::protocol::*;
use crate::serialization::Serde;
use crate::sim::{Scheduler, Timer, TimerKey};
use crate::trace::{Event, PolledRecord, PositionSource};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Where the consumer stands in its group's protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// `assign()` mode: no group membership.
    Manual,
    /// Not in the group (Kafka's UNJOINED): the next poll sends JoinGroup.
    Rejoin,
    Joining,
    Syncing,
    Stable,
    /// Left the group because the application did not poll within `max.poll.interval.ms`;
    /// the next poll rejoins.
    Left,
}

#[derive(Clone, Debug)]
enum Pending {
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

/// A poll that threw RecordDeserializationException: where, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PollFailure {
    pub tp: TopicPartition,
    pub offset: u64,
    pub error: String,
}

/// A poison pill the application sought past: the record at `offset`, reading on from `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub topic: String,
    pub partition: u32,
    pub offset: u64,
    pub to: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Consumer {
    pub name: Name,
    pub cluster: ClusterRef,
    pub config: ConsumerConfig,
    pub group_id: Option<String>,
    /// `subscribe()`d topics, or the partitions of `assign()`.
    pub topics: Vec<String>,
    pub manual: Vec<TopicPartition>,
    pub running: bool,
    pub phase: Phase,
    pub coordinator: Option<BrokerId>,
    pub member_id: String,
    pub generation: i32,
    pub is_leader: bool,
    pub assignment: BTreeSet<TopicPartition>,
    /// The offset of the next record `poll` hands out, per partition.
    pub positions: BTreeMap<TopicPartition, u64>,
    /// What this consumer last committed (or read as committed).
    pub committed: BTreeMap<TopicPartition, u64>,
    pub metadata: BTreeMap<Name, Vec<Option<BrokerId>>>,
    #[serde(skip)]
    bootstrap: Vec<BrokerId>,
    #[serde(skip)]
    bootstrap_next: usize,
    #[serde(skip)]
    buffer: BTreeMap<TopicPartition, VecDeque<Record>>,
    #[serde(skip)]
    pending: BTreeMap<u64, (Pending, TimerKey)>,
    #[serde(skip)]
    awaiting_positions: BTreeSet<TopicPartition>,
    #[serde(skip)]
    next_correlation: u64,
    #[serde(skip)]
    retry_timer: Option<TimerKey>,
    pub poll_failure: Option<PollFailure>,
    /// The record a `seek` skipped past after a poll failed at it (the application knows
    /// what it skipped); cleared when a poll fails again.
    pub skipped: Option<Skipped>,
    /// When the application last called `poll` (or started the consumer).
    #[serde(skip)]
    last_poll_ms: u64,
    #[serde(skip)]
    registry: CachedSchemaRegistryClient,
    /// The key's and the value's reader schemas, parsed from the configuration.
    #[serde(skip)]
    reader_schemas: [Option<AvroSchema>; 2],
    /// The application calls `poll` every this many ms (its own loop, not a Kafka setting).
    pub keep_polling_ms: Option<u64>,
    #[serde(skip)]
    keep_polling_timer: Option<TimerKey>,
    /// Wakes the heartbeat thread when `max.poll.interval.ms` since the last poll runs out.
    #[serde(skip)]
    poll_deadline_timer: Option<TimerKey>,
    /// Kafka's `rejoinNeeded`: a heartbeat learned of a rebalance; the next poll rejoins.
    pub rejoin_needed: bool,
    /// A JoinGroup answer that arrived between polls: the next poll takes it.
    #[serde(skip)]
    join_answer: Option<Result<JoinResult, (ErrorCode, String)>>,
    /// The assignment a SyncGroup answer brought; the next poll applies it (`onJoinComplete`).
    pub synced: Option<BTreeSet<TopicPartition>>,
    /// `needsJoinPrepare`: partitions are given up (and offsets committed) once per rebalance.
    #[serde(skip)]
    needs_join_prepare: bool,
    /// The generation was reset (fenced, unknown member): its partitions are lost, not revoked.
    #[serde(skip)]
    lost: bool,
    #[serde(skip)]
    rejoin_commit: RejoinCommit,
    /// `nextAutoCommitTimer`: the first poll at or after this time auto-commits.
    #[serde(skip)]
    next_auto_commit_ms: u64,
}

/// The auto-commit `onJoinPrepare` waits for before it rejoins.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum RejoinCommit {
    #[default]
    NotSent,
    InFlight,
    Done,
}

fn has_pending(pending: &BTreeMap<u64, (Pending, TimerKey)>, f: impl Fn(&Pending) -> bool) -> bool {
    pending.values().any(|(p, _)| f(p))
}

impl Consumer {
    pub fn new(
        name: Name,
        cluster: ClusterRef,
        config: ConsumerConfig,
        group_id: Option<String>,
        topics: Vec<String>,
        manual: Vec<TopicPartition>,
        bootstrap: Vec<BrokerId>,
    ) -> Self {
        let phase = if manual.is_empty() { Phase::Rejoin } else { Phase::Manual };
        Consumer {
            name,
            cluster,
            reader_schemas: configured_schemas(&config.key_reader_schema, &config.value_reader_schema),
            config,
            group_id,
            topics,
            assignment: manual.iter().cloned().collect(),
            manual,
            running: false,
            phase,
            coordinator: None,
            member_id: String::new(),
            generation: -1,
            is_leader: false,
            positions: BTreeMap::new(),
            committed: BTreeMap::new(),
            metadata: BTreeMap::new(),
            bootstrap,
            bootstrap_next: 0,
            buffer: BTreeMap::new(),
            pending: BTreeMap::new(),
            awaiting_positions: BTreeSet::new(),
            next_correlation: 0,
            retry_timer: None,
            registry: CachedSchemaRegistryClient::default(),
            poll_failure: None,
            skipped: None,
            last_poll_ms: 0,
            keep_polling_ms: None,
            keep_polling_timer: None,
            poll_deadline_timer: None,
            rejoin_needed: false,
            join_answer: None,
            synced: None,
            needs_join_prepare: true,
            lost: false,
            rejoin_commit: RejoinCommit::NotSent,
            next_auto_commit_ms: 0,
        }
    }

    /// The application redeployed with other deserializers or reader schemas (`set_serializers`).
    pub fn reconfigure(&mut self, config: ConsumerConfig) {
        self.reader_schemas = configured_schemas(&config.key_reader_schema, &config.value_reader_schema);
        self.config = config;
    }

    fn node(&self) -> NodeId {
        NodeId::Client(self.name.clone())
    }

    /// For a consumer sharing its node with a producer (the schema registry's reader and
    /// writer): correlation ids from `base` on never collide with the producer's.
    pub fn start_correlation_ids_at(&mut self, base: u64) {
        self.next_correlation = base;
    }

    /// LeaveGroup to the coordinator, if this consumer is a member of a group; true when sent.
    fn send_leave_group(&mut self, sched: &mut Scheduler) -> bool {
        let Some(coordinator) = self.coordinator.filter(|_| self.phase != Phase::Manual && !self.member_id.is_empty()) else {
            return false;
        };
        let correlation_id = self.next_id();
        let msg = Message::LeaveGroupRequest {
            correlation_id,
            group_id: self.group_id.clone().unwrap_or_default(),
            member_id: self.member_id.clone(),
        };
        sched.send(self.node(), self.cluster.broker(coordinator), msg);
        true
    }

    fn poll_interval_exceeded(&self, now_ms: u64) -> bool {
        matches!(self.phase, Phase::Joining | Phase::Syncing | Phase::Stable) && now_ms.saturating_sub(self.last_poll_ms) > self.config.max_poll_interval_ms
    }

    /// The heartbeat thread checks the poll timeout every time it wakes (at least every
    /// `retry.backoff.ms`, `AbstractCoordinator.HeartbeatThread`): here one timer at the deadline,
    /// moved on when the application polled meanwhile.
    fn arm_poll_deadline(&mut self, sched: &mut Scheduler) {
        let in_group = matches!(self.phase, Phase::Joining | Phase::Syncing | Phase::Stable);
        if self.poll_deadline_timer.is_none() && in_group {
            let deadline = self.last_poll_ms + self.config.max_poll_interval_ms + 1;
            self.poll_deadline_timer = Some(sched.set_timer(deadline.saturating_sub(sched.now_ms).max(1), self.node(), Timer::ConsumerPollDeadline));
        }
    }

    /// KIP-62: the heartbeat thread leaves the group when the application has not polled
    /// within `max.poll.interval.ms` (`AbstractCoordinator.maybeLeaveGroup`, "consumer poll
    /// timeout has expired"); its partitions are lost, and the next poll rejoins as a new member.
    fn leave_for_poll_timeout(&mut self, sched: &mut Scheduler) {
        self.send_leave_group(sched);
        sched.emit(Event::PollIntervalExceeded {
            consumer: self.name.clone(),
            max_poll_interval_ms: self.config.max_poll_interval_ms,
        });
        self.revoke(sched, self.assignment.clone());
        self.member_id.clear();
        self.generation = -1;
        self.phase = Phase::Left;
    }

    /// Fetched records wait for the application's `poll`.
    pub fn has_buffered(&self) -> bool {
        self.buffer.values().any(|q| !q.is_empty())
    }

    pub fn start(&mut self, sched: &mut Scheduler) {
        self.running = true;
        self.last_poll_ms = sched.now_ms;
        sched.emit(Event::ConsumerStarted {
            consumer: self.name.clone(),
            group: self.group_id.clone(),
        });
        if self.group_id.is_some() && self.manual.is_empty() {
            sched.set_timer(self.config.heartbeat_interval_ms, self.node(), Timer::ConsumerHeartbeat);
        }
        self.next_auto_commit_ms = sched.now_ms + self.config.auto_commit_interval_ms;
        let every = self.keep_polling_ms;
        self.keep_polling(sched, every);
        self.drive(sched);
    }

    /// The application's loop: `poll` every `every` ms, or no loop (`None`).
    pub fn keep_polling(&mut self, sched: &mut Scheduler, every: Option<u64>) {
        if let Some(t) = self.keep_polling_timer.take() {
            sched.cancel(t);
        }
        self.keep_polling_ms = every;
        if let (Some(ms), true) = (every, self.running) {
            self.keep_polling_timer = Some(sched.set_timer(ms, self.node(), Timer::ConsumerAppPoll));
        }
    }

    /// A crash (`leave` false: the coordinator notices only when the session times out)
    /// or `close()` (`leave` true: LeaveGroup, so the group rebalances at once).
    pub fn stop(&mut self, sched: &mut Scheduler, leave: bool) {
        let left = leave && self.send_leave_group(sched);
        self.running = false;
        for (_, (_, t)) in std::mem::take(&mut self.pending) {
            sched.cancel(t);
        }
        sched.cancel_timers_of(&self.node());
        sched.emit(Event::ConsumerStopped {
            consumer: self.name.clone(),
            left_group: left,
        });
    }

    fn next_id(&mut self) -> u64 {
        self.next_correlation += 1;
        self.next_correlation
    }

    fn request(&mut self, sched: &mut Scheduler, to: BrokerId, kind: Pending, make: impl FnOnce(u64) -> Message) {
        self.request_to(sched, self.cluster.broker(to), kind, make);
    }

    fn request_to(&mut self, sched: &mut Scheduler, to: NodeId, kind: Pending, make: impl FnOnce(u64) -> Message) -> (u64, TimerKey) {
        let id = self.next_id();
        let timer = sched.set_timer(
            self.config.request_timeout_ms,
            self.node(),
            Timer::ConsumerRequestTimeout { correlation_id: id },
        );
        self.pending.insert(id, (kind, timer));
        sched.send(self.node(), to, make(id));
        (id, timer)
    }

    fn bootstrap_broker(&self) -> BrokerId {
        self.bootstrap[self.bootstrap_next % self.bootstrap.len()]
    }

    fn wanted_topics(&self) -> BTreeSet<String> {
        self.topics.iter().cloned().chain(self.manual.iter().map(|tp| tp.topic.to_string())).collect()
    }

    fn leader_of(&self, tp: &TopicPartition) -> Option<BrokerId> {
        self.metadata.get(&tp.topic).and_then(|l| l.get(tp.partition as usize).copied().flatten())
    }

    /// Does whatever comes next in the background: metadata, the coordinator, positions,
    /// fetching; nothing while backing off after a failure (`retry.backoff.ms`). Joining
    /// is the poll's (`join_group`).
    fn drive(&mut self, sched: &mut Scheduler) {
        if !self.running || self.retry_timer.is_some() {
            return;
        }
        let missing: Vec<Name> = self
            .wanted_topics()
            .into_iter()
            .filter(|t| !self.metadata.contains_key(t.as_str()))
            .map(|t| t.as_str().into())
            .collect();
        let leaderless = self.assignment.iter().any(|tp| self.leader_of(tp).is_none());
        if (!missing.is_empty() || leaderless) && !has_pending(&self.pending, |p| matches!(p, Pending::Metadata)) && self.retry_timer.is_none() {
            let topics: Vec<Name> = self.wanted_topics().into_iter().map(|t| t.as_str().into()).collect();
            self.request(sched, self.bootstrap_broker(), Pending::Metadata, |correlation_id| Message::MetadataRequest {
                correlation_id,
                topics,
            });
        }
        if self.group_id.is_some() && self.coordinator.is_none() && !has_pending(&self.pending, |p| matches!(p, Pending::FindCoordinator)) {
            let group_id = self.group_id.clone().unwrap_or_default();
            self.request(sched, self.bootstrap_broker(), Pending::FindCoordinator, |correlation_id| {
                Message::FindCoordinatorRequest { correlation_id, group_id }
            });
        }
        self.fetch_positions(sched);
        self.send_fetches(sched);
    }

    fn send_join(&mut self, sched: &mut Scheduler) {
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
        self.request(sched, coordinator, Pending::Join, |correlation_id| Message::JoinGroupRequest {
            correlation_id,
            group_id,
            member_id,
            session_timeout_ms,
            rebalance_timeout_ms,
            protocols,
        });
    }

    /// Partitions without a position ask the group's committed offset, else `auto.offset.reset`.
    fn fetch_positions(&mut self, sched: &mut Scheduler) {
        let need: Vec<TopicPartition> = self
            .assignment
            .iter()
            .filter(|tp| !self.positions.contains_key(*tp) && !self.awaiting_positions.contains(*tp))
            .cloned()
            .collect();
        if need.is_empty() {
            return;
        }
        match (&self.group_id, self.coordinator) {
            (Some(group_id), Some(c)) => {
                let group_id = group_id.clone();
                self.awaiting_positions.extend(need.iter().cloned());
                self.request(sched, c, Pending::OffsetFetch { partitions: need.clone() }, |correlation_id| {
                    Message::OffsetFetchRequest {
                        correlation_id,
                        group_id,
                        partitions: need,
                    }
                });
            }
            (Some(_), None) => {}
            (None, _) => self.reset_positions(sched, need),
        }
    }

    fn reset_positions(&mut self, sched: &mut Scheduler, tps: Vec<TopicPartition>) {
        let earliest = self.config.auto_offset_reset == OffsetReset::Earliest;
        let mut by_leader: BTreeMap<BrokerId, Vec<(TopicPartition, bool)>> = BTreeMap::new();
        for tp in tps {
            if let Some(l) = self.leader_of(&tp) {
                self.awaiting_positions.insert(tp.clone());
                by_leader.entry(l).or_default().push((tp, earliest));
            }
        }
        for (leader, partitions) in by_leader {
            let tps = partitions.iter().map(|(tp, _)| tp.clone()).collect();
            self.request(sched, leader, Pending::ListOffsets { partitions: tps }, |correlation_id| {
                Message::ListOffsetsRequest { correlation_id, partitions }
            });
        }
    }

    /// One fetch per leader at a time, for partitions whose buffer has room.
    fn send_fetches(&mut self, sched: &mut Scheduler) {
        let mut by_leader: BTreeMap<BrokerId, Vec<FetchPartition>> = BTreeMap::new();
        for tp in &self.assignment {
            let Some(pos) = self.positions.get(tp) else { continue };
            let buffered = self.buffer.get(tp).map_or(0, |b| b.len());
            if buffered >= self.config.max_poll_records {
                continue;
            }
            if let Some(l) = self.leader_of(tp) {
                by_leader.entry(l).or_default().push(FetchPartition {
                    tp: tp.clone(),
                    fetch_offset: pos + buffered as u64,
                    current_leader_epoch: 0,
                });
            }
        }
        for (leader, partitions) in by_leader {
            if has_pending(&self.pending, |p| matches!(p, Pending::Fetch { leader: l } if *l == leader)) {
                continue;
            }
            let max_wait_ms = self.config.fetch_max_wait_ms;
            self.request(sched, leader, Pending::Fetch { leader }, |correlation_id| Message::FetchRequest {
                correlation_id,
                replica_id: None,
                partitions,
                max_wait_ms,
            });
        }
    }

    /// Leaders went stale: ask again, but keep the partition count the assignor needs.
    fn forget_leaders(&mut self, topic: &Name) {
        if let Some(leaders) = self.metadata.get_mut(topic) {
            leaders.iter_mut().for_each(|l| *l = None);
        }
    }

    fn backoff(&mut self, sched: &mut Scheduler) {
        if self.retry_timer.is_none() {
            self.retry_timer = Some(sched.set_timer(self.config.retry_backoff_ms, self.node(), Timer::ConsumerRetry));
        }
    }

    /// `markCoordinatorUnknown`: look it up again; membership and generation stay.
    fn coordinator_lost(&mut self) {
        self.coordinator = None;
        if matches!(self.phase, Phase::Joining | Phase::Syncing) {
            self.phase = Phase::Rejoin;
        }
    }

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

    /// `ConsumerCoordinator.poll`, its group part: take a JoinGroup answer, apply an assignment,
    /// rejoin if needed (giving partitions up first), then auto-commit if it is time.
    fn poll_group(&mut self, sched: &mut Scheduler) {
        if self.phase != Phase::Manual && self.group_id.is_some() {
            if let Some(answer) = self.join_answer.take() {
                self.on_join(sched, answer);
            }
            if let Some(assignment) = self.synced.take() {
                self.on_join_complete(sched, assignment);
            }
            if (self.phase == Phase::Rejoin || self.rejoin_needed) && !matches!(self.phase, Phase::Joining | Phase::Syncing) {
                self.join_group(sched);
            }
        }
        if self.config.enable_auto_commit && sched.now_ms >= self.next_auto_commit_ms {
            self.next_auto_commit_ms = sched.now_ms + self.config.auto_commit_interval_ms;
            let changed = self.positions.iter().any(|(tp, o)| self.committed.get(tp) != Some(o));
            if changed && matches!(self.phase, Phase::Stable | Phase::Manual) {
                self.commit(sched, true);
            }
        }
    }

    /// `joinGroupIfNeeded`: once the coordinator and the topics' metadata are known, prepare
    /// (once per rebalance) and send JoinGroup.
    fn join_group(&mut self, sched: &mut Scheduler) {
        let metadata_known = self.topics.iter().all(|t| self.metadata.contains_key(t.as_str()));
        if self.coordinator.is_none() || !metadata_known {
            return;
        }
        if self.needs_join_prepare {
            if !self.on_join_prepare(sched) {
                return;
            }
            self.needs_join_prepare = false;
        }
        self.send_join(sched);
    }

    /// `ConsumerCoordinator.onJoinPrepare`: with auto-commit, commit the positions first and wait
    /// for the answer (a later poll goes on); then eager protocols revoke every partition,
    /// cooperative ones keep theirs, and a reset generation loses them all.
    fn on_join_prepare(&mut self, sched: &mut Scheduler) -> bool {
        let stable_member = self.phase == Phase::Stable && self.generation >= 0 && !self.lost;
        if self.config.enable_auto_commit && stable_member {
            match self.rejoin_commit {
                RejoinCommit::NotSent => {
                    if self.commit_positions(sched, true, true) {
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
            self.revoke(sched, self.assignment.clone());
        }
        self.lost = false;
        true
    }

    /// `onJoinComplete`: the assignment the SyncGroup answer brought takes effect in this poll.
    fn on_join_complete(&mut self, sched: &mut Scheduler, new: BTreeSet<TopicPartition>) {
        let revoked: BTreeSet<TopicPartition> = self.assignment.difference(&new).cloned().collect();
        self.revoke(sched, revoked.clone());
        self.assignment = new;
        self.needs_join_prepare = true;
        sched.emit(Event::AssignmentReceived {
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

    fn revoke(&mut self, sched: &mut Scheduler, tps: BTreeSet<TopicPartition>) {
        if tps.is_empty() {
            return;
        }
        for tp in &tps {
            self.assignment.remove(tp);
            self.positions.remove(tp);
            self.buffer.remove(tp);
            self.awaiting_positions.remove(tp);
        }
        sched.emit(Event::PartitionsRevoked {
            consumer: self.name.clone(),
            partitions: tps.into_iter().collect(),
        });
    }

    pub fn handle_timer(&mut self, sched: &mut Scheduler, timer: Timer) {
        if !self.running {
            return;
        }
        match timer {
            Timer::ConsumerPollDeadline => {
                self.poll_deadline_timer = None;
                if self.poll_interval_exceeded(sched.now_ms) {
                    self.leave_for_poll_timeout(sched);
                }
                self.arm_poll_deadline(sched);
            }
            Timer::ConsumerHeartbeat => {
                if matches!(self.phase, Phase::Stable | Phase::Syncing) && !has_pending(&self.pending, |p| matches!(p, Pending::Heartbeat)) {
                    if let Some(c) = self.coordinator {
                        let (group_id, generation, member_id) = (self.group_id.clone().unwrap_or_default(), self.generation, self.member_id.clone());
                        self.request(sched, c, Pending::Heartbeat, |correlation_id| Message::HeartbeatRequest {
                            correlation_id,
                            group_id,
                            generation,
                            member_id,
                        });
                    }
                }
                sched.set_timer(self.config.heartbeat_interval_ms, self.node(), Timer::ConsumerHeartbeat);
            }
            Timer::ConsumerAppPoll => {
                self.keep_polling_timer = None;
                self.poll_as(sched, true);
                let every = self.keep_polling_ms;
                self.keep_polling(sched, every);
            }
            Timer::ConsumerRequestTimeout { correlation_id } => {
                if let Some((kind, _)) = self.pending.remove(&correlation_id) {
                    self.registry.forget(correlation_id);
                    self.on_failure(sched, kind);
                }
            }
            Timer::ConsumerRetry => {
                self.retry_timer = None;
                self.drive(sched);
            }
            _ => {}
        }
    }

    /// No answer in time: the node is treated as gone, as `NetworkClient` does on a timeout.
    fn on_failure(&mut self, sched: &mut Scheduler, kind: Pending) {
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
        self.backoff(sched);
    }

    /// `commitSync()` of the current positions (or the auto-commit of them).
    pub fn commit(&mut self, sched: &mut Scheduler, auto: bool) -> bool {
        self.commit_positions(sched, auto, false)
    }

    fn commit_positions(&mut self, sched: &mut Scheduler, auto: bool, before_rejoin: bool) -> bool {
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
        self.request(sched, c, Pending::Commit { auto, before_rejoin }, |correlation_id| {
            Message::OffsetCommitRequest {
                correlation_id,
                group_id,
                generation,
                member_id,
                offsets,
            }
        });
        true
    }

    /// `poll()`: up to `max.poll.records` fetched records, in partition order, deserialized;
    /// positions move past them. A record the deserializers cannot read stops the poll there
    /// (KIP-334): if it is the first, `poll` fails with RecordDeserializationException naming
    /// its partition and offset, and every later poll fails the same until the application seeks past it.
    /// Returns the records (`ConsumerRecords`).
    pub fn poll(&mut self, sched: &mut Scheduler) -> Vec<PolledRecord> {
        self.poll_as(sched, false)
    }

    /// A poll from the application's loop (`quiet`) is traced only when it returns records
    /// or fails somewhere new, so a waiting loop does not fill the trace; that loop hands its
    /// records on by itself, so only a caller of `poll` gets them back.
    fn poll_as(&mut self, sched: &mut Scheduler, quiet: bool) -> Vec<PolledRecord> {
        self.last_poll_ms = sched.now_ms;
        if self.phase == Phase::Left {
            self.phase = Phase::Rejoin;
        }
        self.poll_group(sched);
        self.arm_poll_deadline(sched);
        let mut out = Vec::new();
        let mut stop = None;
        'partitions: for (tp, q) in self.buffer.iter() {
            for r in q.iter().take(self.config.max_poll_records - out.len()) {
                match self.deserialize_record(r) {
                    Step::Done(Ok((key, value))) => out.push(PolledRecord {
                        tp: tp.clone(),
                        offset: r.offset,
                        key,
                        value,
                    }),
                    Step::Done(Err(cause)) => {
                        stop = Some(Err((tp.clone(), r.offset, cause)));
                        break 'partitions;
                    }
                    Step::Wait => {
                        stop = Some(Ok(None));
                        break 'partitions;
                    }
                    Step::Ask(question) => {
                        stop = Some(Ok(Some(question)));
                        break 'partitions;
                    }
                }
            }
        }
        for r in &out {
            self.positions.insert(r.tp.clone(), r.offset + 1);
            if let Some(q) = self.buffer.get_mut(&r.tp) {
                q.pop_front();
            }
        }
        let delivered = match stop {
            Some(Err((tp, offset, cause))) if out.is_empty() => {
                let known = self.poll_failure.as_ref().is_some_and(|f| f.tp == tp && f.offset == offset);
                if !(quiet && known) {
                    let error = format!("RecordDeserializationException: Error deserializing key/value for partition {tp} at offset {offset}. If needed, please seek past the record to continue consumption. ({cause})");
                    self.skipped = None;
                    self.poll_failure = Some(PollFailure {
                        tp: tp.clone(),
                        offset,
                        error: error.clone(),
                    });
                    sched.emit(Event::PollFailed {
                        consumer: self.name.clone(),
                        tp,
                        offset,
                        error,
                    });
                }
                Vec::new()
            }
            stop => {
                if let Some(Ok(Some(question))) = stop {
                    self.ask_registry(sched, question);
                }
                let delivered = if quiet { Vec::new() } else { out.clone() };
                if !(quiet && out.is_empty()) {
                    sched.emit(Event::RecordsPolled {
                        consumer: self.name.clone(),
                        records: out,
                    });
                }
                delivered
            }
        };
        self.drive(sched);
        delivered
    }

    fn ask_registry(&mut self, sched: &mut Scheduler, question: Asked) {
        let (id, timer) = self.request_to(sched, registry_node(), Pending::Registry, |id| question.request(id, false));
        self.registry.asking(id, question, timer);
    }

    /// Fetched records whose writer's schema is unknown: ask for it now. In Java the poll
    /// blocks inside the deserializer while it asks; here the answer is on its way before the
    /// application polls, so a poll returns what a blocking one would.
    fn ask_for_writer_schemas(&mut self, sched: &mut Scheduler, tp: &TopicPartition) {
        if ![self.config.key_deserializer, self.config.value_deserializer].contains(&Serde::Avro) {
            return;
        }
        let questions: Vec<Asked> = self.buffer[tp]
            .iter()
            .filter_map(|r| match self.deserialize_record(r) {
                Step::Ask(q) => Some(q),
                _ => None,
            })
            .collect();
        for q in questions {
            if !self.registry.is_asking(&q) {
                self.ask_registry(sched, q);
            }
        }
    }

    /// The configured deserializers on one record; an Avro one may first need the writer's
    /// schema from the registry (the poll stops there and asks; a later poll goes on).
    fn deserialize_record(&self, r: &Record) -> Step<(Option<String>, Option<String>)> {
        let serdes = [self.config.key_deserializer, self.config.value_deserializer];
        let mut out = [None, None];
        for (i, bytes) in [&r.key, &r.value].into_iter().enumerate() {
            let Some(bytes) = bytes else { continue };
            let step = match serdes[i] {
                Serde::Avro => self.registry.deserialize(bytes, self.reader_schemas[i].as_ref()),
                serde => Step::Done(serde.deserialize(bytes)),
            };
            out[i] = match step {
                Step::Done(Ok(text)) => Some(text),
                Step::Done(Err(e)) => return Step::Done(Err(e)),
                Step::Wait => return Step::Wait,
                Step::Ask(q) => return Step::Ask(q),
            };
        }
        let [key, value] = out;
        Step::Done(Ok((key, value)))
    }

    pub fn seek(&mut self, sched: &mut Scheduler, tp: TopicPartition, offset: u64) {
        if let Some(f) = self
            .poll_failure
            .as_ref()
            .filter(|f| f.tp == tp && self.positions.get(&tp) == Some(&f.offset) && offset > f.offset)
        {
            self.skipped = Some(Skipped {
                topic: tp.topic.to_string(),
                partition: tp.partition,
                offset: f.offset,
                to: offset,
            });
        }
        self.buffer.remove(&tp);
        self.positions.insert(tp.clone(), offset);
        sched.emit(Event::PositionSet {
            consumer: self.name.clone(),
            tp,
            offset,
            from: PositionSource::Seek,
        });
        self.drive(sched);
    }

    pub fn handle(&mut self, sched: &mut Scheduler, msg: Message) {
        if !self.running {
            return;
        }
        let correlation = msg.response_correlation_id();
        let Some((kind, timer)) = correlation.and_then(|c| self.pending.remove(&c)) else {
            return;
        };
        sched.cancel(timer);
        if matches!(kind, Pending::Registry) {
            self.registry.learn(&msg);
            return;
        }
        match msg {
            Message::Disconnected { .. } => self.on_failure(sched, kind),
            Message::MetadataResponse {
                partitions, errors, brokers, ..
            } => {
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
                    self.backoff(sched);
                }
            }
            Message::FindCoordinatorResponse { result, .. } => match result {
                Ok(b) => {
                    self.coordinator = Some(b);
                    sched.emit(Event::CoordinatorFound {
                        consumer: self.name.clone(),
                        broker: b,
                    });
                }
                Err(_) => {
                    self.bootstrap_next += 1;
                    self.backoff(sched);
                }
            },
            // A member that left for a poll timeout ignores answers to what it asked before.
            Message::JoinGroupResponse { .. } | Message::SyncGroupResponse { .. } | Message::HeartbeatResponse { .. } if self.phase == Phase::Left => {}
            // The answer waits in the socket: only the application's poll reads it (the heartbeat
            // thread is idle while the member is not in the group, `AbstractCoordinator.HeartbeatThread`).
            Message::JoinGroupResponse { result, .. } => self.join_answer = Some(result),
            Message::SyncGroupResponse { result, .. } => self.on_sync(sched, result),
            // `requestRejoin`: the member keeps its partitions and heartbeats until the next poll.
            Message::HeartbeatResponse { error, .. } => match error {
                None => {}
                Some(ErrorCode::RebalanceInProgress) => self.rejoin_needed = true,
                Some(ErrorCode::IllegalGeneration) => self.reset_generation(false),
                Some(ErrorCode::UnknownMemberId) => self.reset_generation(true),
                Some(_) => self.coordinator_lost(),
            },
            Message::OffsetCommitResponse { results, .. } => {
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
                        sched.emit(Event::OffsetsCommitted {
                            consumer: self.name.clone(),
                            group,
                            offsets,
                            auto,
                        });
                    }
                    Some(error) => {
                        sched.emit(Event::OffsetCommitFailed {
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
            Message::OffsetFetchResponse { result, .. } => match result {
                Ok(offsets) => {
                    let mut reset = Vec::new();
                    for (tp, o) in offsets {
                        self.awaiting_positions.remove(&tp);
                        if !self.assignment.contains(&tp) {
                            continue;
                        }
                        match o {
                            Some(o) => {
                                self.positions.insert(tp.clone(), o);
                                self.committed.insert(tp.clone(), o);
                                sched.emit(Event::PositionSet {
                                    consumer: self.name.clone(),
                                    tp,
                                    offset: o,
                                    from: PositionSource::Committed,
                                });
                            }
                            None => reset.push(tp),
                        }
                    }
                    self.reset_positions(sched, reset);
                }
                Err(_) => {
                    if let Pending::OffsetFetch { partitions } = &kind {
                        for tp in partitions {
                            self.awaiting_positions.remove(tp);
                        }
                    }
                    self.coordinator_lost();
                    self.backoff(sched);
                }
            },
            Message::ListOffsetsResponse { results, .. } => {
                let from = if self.config.auto_offset_reset == OffsetReset::Earliest {
                    PositionSource::ResetEarliest
                } else {
                    PositionSource::ResetLatest
                };
                for (tp, r) in results {
                    self.awaiting_positions.remove(&tp);
                    match r {
                        Ok(o) if self.assignment.contains(&tp) => {
                            self.positions.insert(tp.clone(), o);
                            sched.emit(Event::PositionSet {
                                consumer: self.name.clone(),
                                tp,
                                offset: o,
                                from,
                            });
                        }
                        Ok(_) => {}
                        Err(_) => {
                            self.forget_leaders(&tp.topic);
                            self.backoff(sched);
                        }
                    }
                }
            }
            Message::FetchResponse { partitions, .. } => {
                for fp in partitions {
                    if !self.assignment.contains(&fp.tp) {
                        continue;
                    }
                    match fp.error {
                        None => {
                            let Some(pos) = self.positions.get(&fp.tp).copied() else { continue };
                            let q = self.buffer.entry(fp.tp.clone()).or_default();
                            let next = pos + q.len() as u64;
                            // A response to a fetch from another position (before a reset, a seek or a
                            // reassignment) is dropped, as Kafka's fetcher drops it: no gaps.
                            let fresh: Vec<Record> = fp.records.into_iter().filter(|r| r.offset >= next).collect();
                            if fresh.first().is_some_and(|r| r.offset == next) {
                                q.extend(fresh);
                            }
                            self.ask_for_writer_schemas(sched, &fp.tp);
                        }
                        Some(ErrorCode::OffsetOutOfRange) => {
                            self.positions.remove(&fp.tp);
                            self.buffer.remove(&fp.tp);
                            self.reset_positions(sched, vec![fp.tp]);
                        }
                        Some(_) => {
                            self.forget_leaders(&fp.tp.topic);
                            self.backoff(sched);
                        }
                    }
                }
            }
            _ => {}
        }
        self.drive(sched);
    }

    fn on_join(&mut self, sched: &mut Scheduler, result: Result<JoinResult, (ErrorCode, String)>) {
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
                self.backoff(sched);
            }
            Err(_) => {
                self.phase = Phase::Rejoin;
                self.backoff(sched);
            }
            Ok(j) => {
                self.generation = j.generation;
                self.member_id = j.member_id.clone();
                self.is_leader = j.leader == j.member_id;
                let assignments = if self.is_leader { self.run_assignor(&j) } else { Default::default() };
                let Some(c) = self.coordinator else { return };
                let (group_id, generation, member_id) = (self.group_id.clone().unwrap_or_default(), self.generation, self.member_id.clone());
                self.phase = Phase::Syncing;
                self.request(sched, c, Pending::Sync, |correlation_id| Message::SyncGroupRequest {
                    correlation_id,
                    group_id,
                    generation,
                    member_id,
                    assignments,
                });
            }
        }
    }

    /// The group leader's job (`ConsumerCoordinator.onLeaderElected`): run the chosen assignor
    /// over everyone's subscriptions. Topics this leader has no metadata for are left out.
    fn run_assignor(&self, j: &JoinResult) -> Assignment {
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

    /// `SyncGroupResponseHandler`: the member is STABLE again (the heartbeat thread may read
    /// this answer); the assignment takes effect at the next poll.
    fn on_sync(&mut self, sched: &mut Scheduler, result: Result<BTreeMap<String, Vec<u32>>, ErrorCode>) {
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
                self.backoff(sched);
            }
        }
    }
}
