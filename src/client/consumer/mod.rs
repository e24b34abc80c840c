//! The consumer (`KafkaConsumer`): what the application calls (`poll`, `seek`, `commit`,
//! `close`), the state the consumer's parts share, and the node's entry points for messages and
//! timers. The parts are Kafka's own classes, one file each: `ConsumerNetworkClient` with the
//! metadata ([`network_client`]), the group membership of `AbstractCoordinator`
//! ([`abstract_coordinator`]) and the consumer's side of it, `ConsumerCoordinator`
//! ([`consumer_coordinator`]), the positions `SubscriptionState` keeps ([`positions`]), and the
//! `Fetcher` ([`fetcher`]).
//!
//! As in Kafka's classic protocol (KIP-62), group membership moves only inside the application's
//! `poll` (`ConsumerCoordinator.poll`): joining, taking a JoinGroup answer (the leader runs the
//! assignor), applying an assignment, giving partitions up before a rebalance and
//! auto-committing. The heartbeat runs in the background and only marks that a rejoin is
//! needed. An application loop (`keep_polling_ms`) can call `poll` every N ms.

mod abstract_coordinator;
mod consumer_coordinator;
mod fetcher;
mod network_client;
mod positions;

use crate::client::schema_registry_client::{configured_schemas, AvroSchema, CachedSchemaRegistryClient, Step};
use crate::config::ConsumerConfig;
use crate::protocol::*;
use crate::runtime::{Out, Timer, TimerKey};
use crate::trace::{Event, PolledRecord, PositionSource};
use consumer_coordinator::RejoinCommit;
use network_client::{has_pending, Pending};
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

    /// Fetched records wait for the application's `poll`.
    pub fn has_buffered(&self) -> bool {
        self.buffer.values().any(|q| !q.is_empty())
    }

    pub fn start(&mut self, out: &mut Out) {
        self.running = true;
        self.last_poll_ms = out.now_ms();
        out.emit(Event::ConsumerStarted {
            consumer: self.name.clone(),
            group: self.group_id.clone(),
        });
        if self.group_id.is_some() && self.manual.is_empty() {
            out.set_timer(self.config.heartbeat_interval_ms, self.node(), Timer::ConsumerHeartbeat);
        }
        self.next_auto_commit_ms = out.now_ms() + self.config.auto_commit_interval_ms;
        let every = self.keep_polling_ms;
        self.keep_polling(out, every);
        self.drive(out);
    }

    /// The application's loop: `poll` every `every` ms, or no loop (`None`).
    pub fn keep_polling(&mut self, out: &mut Out, every: Option<u64>) {
        if let Some(t) = self.keep_polling_timer.take() {
            out.cancel(t);
        }
        self.keep_polling_ms = every;
        if let (Some(ms), true) = (every, self.running) {
            self.keep_polling_timer = Some(out.set_timer(ms, self.node(), Timer::ConsumerAppPoll));
        }
    }

    /// A crash (`leave` false: the coordinator notices only when the session times out)
    /// or `close()` (`leave` true: LeaveGroup, so the group rebalances at once).
    pub fn stop(&mut self, out: &mut Out, leave: bool) {
        let left = leave && self.send_leave_group(out);
        self.running = false;
        for (_, (_, t)) in std::mem::take(&mut self.pending) {
            out.cancel(t);
        }
        out.cancel_timers_of(&self.node());
        out.emit(Event::ConsumerStopped {
            consumer: self.name.clone(),
            left_group: left,
        });
    }

    /// Does whatever comes next in the background: metadata, the coordinator, positions,
    /// fetching; nothing while backing off after a failure (`retry.backoff.ms`). Joining
    /// is the poll's (`join_group`).
    fn drive(&mut self, out: &mut Out) {
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
            self.request(out, self.bootstrap_broker(), Pending::Metadata, |correlation_id| Message::MetadataRequest {
                correlation_id,
                topics,
            });
        }
        if self.group_id.is_some() && self.coordinator.is_none() && !has_pending(&self.pending, |p| matches!(p, Pending::FindCoordinator)) {
            let group_id = self.group_id.clone().unwrap_or_default();
            self.request(out, self.bootstrap_broker(), Pending::FindCoordinator, |correlation_id| {
                Message::FindCoordinatorRequest { correlation_id, group_id }
            });
        }
        self.fetch_positions(out);
        self.send_fetches(out);
    }

    /// `poll()`: up to `max.poll.records` fetched records, in partition order, deserialized;
    /// positions move past them. A record the deserializers cannot read stops the poll there
    /// (KIP-334): if it is the first, `poll` fails with RecordDeserializationException naming
    /// its partition and offset, and every later poll fails the same until the application seeks past it.
    /// Returns the records (`ConsumerRecords`).
    pub fn poll(&mut self, out: &mut Out) -> Vec<PolledRecord> {
        self.poll_as(out, false)
    }

    /// A poll from the application's loop (`quiet`) is traced only when it returns records
    /// or fails somewhere new, so a waiting loop does not fill the trace; that loop hands its
    /// records on by itself, so only a caller of `poll` gets them back.
    fn poll_as(&mut self, out: &mut Out, quiet: bool) -> Vec<PolledRecord> {
        self.last_poll_ms = out.now_ms();
        if self.phase == Phase::Left {
            self.phase = Phase::Rejoin;
        }
        self.poll_group(out);
        self.arm_poll_deadline(out);
        let mut polled = Vec::new();
        let mut stop = None;
        'partitions: for (tp, q) in self.buffer.iter() {
            for r in q.iter().take(self.config.max_poll_records - polled.len()) {
                match self.deserialize_record(r) {
                    Step::Done(Ok((key, value))) => polled.push(PolledRecord {
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
        for r in &polled {
            self.positions.insert(r.tp.clone(), r.offset + 1);
            if let Some(q) = self.buffer.get_mut(&r.tp) {
                q.pop_front();
            }
        }
        let delivered = match stop {
            Some(Err((tp, offset, cause))) if polled.is_empty() => {
                let known = self.poll_failure.as_ref().is_some_and(|f| f.tp == tp && f.offset == offset);
                if !(quiet && known) {
                    let error = format!("RecordDeserializationException: Error deserializing key/value for partition {tp} at offset {offset}. If needed, please seek past the record to continue consumption. ({cause})");
                    self.skipped = None;
                    self.poll_failure = Some(PollFailure {
                        tp: tp.clone(),
                        offset,
                        error: error.clone(),
                    });
                    out.emit(Event::PollFailed {
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
                    self.ask_registry(out, question);
                }
                let delivered = if quiet { Vec::new() } else { polled.clone() };
                if !(quiet && polled.is_empty()) {
                    out.emit(Event::RecordsPolled {
                        consumer: self.name.clone(),
                        records: polled,
                    });
                }
                delivered
            }
        };
        self.drive(out);
        delivered
    }

    pub fn seek(&mut self, out: &mut Out, tp: TopicPartition, offset: u64) {
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
        out.emit(Event::PositionSet {
            consumer: self.name.clone(),
            tp,
            offset,
            from: PositionSource::Seek,
        });
        self.drive(out);
    }

    pub fn handle(&mut self, out: &mut Out, msg: Message) {
        if !self.running {
            return;
        }
        let correlation = msg.response_correlation_id();
        let Some((kind, timer)) = correlation.and_then(|c| self.pending.remove(&c)) else {
            return;
        };
        out.cancel(timer);
        if matches!(kind, Pending::Registry) {
            self.registry.learn(&msg);
            return;
        }
        match msg {
            Message::Disconnected { .. } => self.on_failure(out, kind),
            Message::MetadataResponse {
                partitions, errors, brokers, ..
            } => self.on_metadata(out, brokers, partitions, errors),
            Message::FindCoordinatorResponse { result, .. } => self.on_find_coordinator(out, result),
            // A member that left for a poll timeout ignores answers to what it asked before.
            Message::JoinGroupResponse { .. } | Message::SyncGroupResponse { .. } | Message::HeartbeatResponse { .. } if self.phase == Phase::Left => {}
            // The answer waits in the socket: only the application's poll reads it (the heartbeat
            // thread is idle while the member is not in the group, `AbstractCoordinator.HeartbeatThread`).
            Message::JoinGroupResponse { result, .. } => self.join_answer = Some(result),
            Message::SyncGroupResponse { result, .. } => self.on_sync(out, result),
            Message::HeartbeatResponse { error, .. } => self.on_heartbeat(error),
            Message::OffsetCommitResponse { results, .. } => self.on_commit(out, &kind, results),
            Message::OffsetFetchResponse { result, .. } => self.on_offset_fetch(out, &kind, result),
            Message::ListOffsetsResponse { results, .. } => self.on_list_offsets(out, results),
            Message::FetchResponse { partitions, .. } => self.on_fetch(out, partitions),
            _ => {}
        }
        self.drive(out);
    }

    pub fn handle_timer(&mut self, out: &mut Out, timer: Timer) {
        if !self.running {
            return;
        }
        match timer {
            Timer::ConsumerPollDeadline => {
                self.poll_deadline_timer = None;
                if self.poll_interval_exceeded(out.now_ms()) {
                    self.leave_for_poll_timeout(out);
                }
                self.arm_poll_deadline(out);
            }
            Timer::ConsumerHeartbeat => self.heartbeat(out),
            Timer::ConsumerAppPoll => {
                self.keep_polling_timer = None;
                self.poll_as(out, true);
                let every = self.keep_polling_ms;
                self.keep_polling(out, every);
            }
            Timer::ConsumerRequestTimeout { correlation_id } => {
                if let Some((kind, _)) = self.pending.remove(&correlation_id) {
                    self.registry.forget(correlation_id);
                    self.on_failure(out, kind);
                }
            }
            Timer::ConsumerRetry => {
                self.retry_timer = None;
                self.drive(out);
            }
            _ => {}
        }
    }
}
