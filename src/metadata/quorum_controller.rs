//! A KRaft controller (`process.roles=controller`, Kafka's `QuorumController`). Every
//! controller is a voter of the metadata quorum; the one that leads it, once its epoch's first
//! record is committed, is the active controller. Only it decides: it registers brokers, keeps
//! their sessions by heartbeat, fences the silent ones, creates topics, elects partition
//! leaders and changes ISRs; each decision is a record written to `__cluster_metadata`, and it
//! answers the broker that asked only once the record is committed.

use super::image::{MetadataImage, PartitionRegistration};
use super::raft_out::RaftOut;
use crate::config::BrokerConfig;
use crate::election;
use crate::protocol::*;
use crate::raft::{Durable, KafkaRaftClient, StateName};
use crate::runtime::{Out, Timer};
use crate::trace::{ElectionReason, Event};
use serde::Serialize;
use std::collections::BTreeMap;

/// The size of a block of producer ids (`ProducerIdManager`'s `PID_BLOCK_SIZE`).
pub const PRODUCER_ID_BLOCK_SIZE: u64 = 1_000;

#[derive(Clone, Debug, Serialize)]
pub struct QuorumController {
    pub id: BrokerId,
    pub cluster: ClusterRef,
    pub voters: Vec<BrokerId>,
    /// The quorum client, while the process runs.
    pub raft: Option<KafkaRaftClient<MetadataRecord>>,
    /// What is on disk while the process is down.
    #[serde(skip)]
    disk: Durable<MetadataRecord>,
    /// The metadata as this controller knows it: the committed log on a standby; on the active
    /// controller its whole log, its own uncommitted decisions included (Kafka's timeline
    /// structures), since it decides on top of them.
    pub image: MetadataImage,
    /// The committed log alone, replayed (on a standby, the same as `image`).
    pub committed: MetadataImage,
    /// The epoch this controller is active in.
    pub active_epoch: Option<u64>,
    /// When each broker last heartbeated (`BrokerHeartbeatManager`): kept only in the active
    /// controller's memory.
    pub last_heartbeat_ms: BTreeMap<BrokerId, u64>,
    /// Answers that wait for the record that decided them to be committed (Kafka's deferred
    /// event queue), by the offset after that record.
    #[serde(skip)]
    deferred: Vec<(u64, NodeId, Message)>,
}

impl QuorumController {
    pub fn new(id: BrokerId, cluster: ClusterRef, voters: Vec<BrokerId>) -> Self {
        QuorumController {
            id,
            cluster,
            voters,
            raft: None,
            disk: Durable::default(),
            image: MetadataImage::default(),
            committed: MetadataImage::default(),
            active_epoch: None,
            last_heartbeat_ms: BTreeMap::new(),
            deferred: Vec::new(),
        }
    }

    pub fn running(&self) -> bool {
        self.raft.is_some()
    }

    fn node(&self) -> NodeId {
        self.cluster.controller(self.id)
    }

    /// Starts (or restarts) the process from what it has on disk.
    pub fn start(&mut self, out: &mut Out, config: &BrokerConfig) {
        if self.running() {
            return;
        }
        out.emit(Event::ControllerStarted { controller: self.id });
        let disk = std::mem::take(&mut self.disk);
        let quorum = super::quorum_config(&self.voters, config);
        let (me, cluster, voters) = (self.node(), self.cluster.clone(), self.voters.clone());
        let mut io = RaftOut {
            out,
            me,
            cluster: &cluster,
            voters: &voters,
        };
        self.raft = Some(KafkaRaftClient::start(self.id, quorum, disk, &mut io));
        self.after_raft(out, config);
    }

    /// A crash: the log and the vote stay on disk; the rest is gone.
    pub fn stop(&mut self, out: &mut Out) {
        if let Some(raft) = self.raft.take() {
            self.disk = raft.durable();
            out.cancel_timers_of(&self.node());
            out.emit(Event::ControllerStopped { controller: self.id });
        }
        self.image = MetadataImage::default();
        self.committed = MetadataImage::default();
        self.active_epoch = None;
        self.last_heartbeat_ms.clear();
        self.deferred.clear();
    }

    /// When the active controller fences `broker` if no heartbeat comes (`BrokerHeartbeatManager`).
    pub fn session_expires_at_ms(&self, broker: BrokerId, config: &BrokerConfig) -> Option<u64> {
        self.last_heartbeat_ms.get(&broker).map(|t| t + config.broker_session_timeout_ms)
    }

    /// Partitions without a leader, or led by a fenced broker (`OfflinePartitionsCount`).
    pub fn offline_partitions_count(&self) -> u32 {
        let fenced = |l: &BrokerId| self.image.brokers.get(l).is_none_or(|b| b.fenced);
        self.image.partitions.values().filter(|p| p.leader.is_none_or(|l| fenced(&l))).count() as u32
    }

    pub fn is_active(&self) -> bool {
        self.active_epoch.is_some()
    }

    pub fn handle(&mut self, out: &mut Out, config: &BrokerConfig, from: NodeId, msg: Message) {
        if !self.running() {
            return;
        }
        match msg {
            Message::Raft(m) => {
                let sender = match &from {
                    NodeId::Broker(b) | NodeId::Controller(b) => b.id,
                    _ => return,
                };
                self.with_raft(out, |raft, io| raft.handle(sender, m, io));
            }
            Message::BrokerRegistrationRequest { correlation_id, broker_id } => {
                let reply = |result| Message::BrokerRegistrationResponse { correlation_id, result };
                match self.active_epoch {
                    None => out.send(self.node(), from, reply(Err(ErrorCode::NotController))),
                    Some(_) => {
                        let broker_epoch = self.log_end_offset();
                        self.write(out, vec![MetadataRecord::RegisterBroker { broker_id, broker_epoch }], broker_id);
                        // A new registration starts a new session (`BrokerHeartbeatManager.register`).
                        self.last_heartbeat_ms.insert(broker_id, out.now_ms());
                        self.defer(from, reply(Ok(broker_epoch)));
                    }
                }
            }
            Message::BrokerHeartbeatRequest {
                correlation_id,
                broker_id,
                broker_epoch,
                current_metadata_offset,
            } => self.handle_heartbeat(out, from, correlation_id, broker_id, broker_epoch, current_metadata_offset),
            Message::AlterPartitionRequest {
                broker_id,
                tp,
                leader_epoch,
                partition_epoch,
                new_isr,
            } => self.handle_alter_partition(out, from, broker_id, tp, leader_epoch, partition_epoch, new_isr),
            Message::AllocateProducerIdsRequest {
                correlation_id,
                broker_id,
                broker_epoch,
            } => {
                let reply = |result| Message::AllocateProducerIdsResponse { correlation_id, result };
                if !self.is_active() {
                    out.send(self.node(), from, reply(Err(ErrorCode::NotController)));
                } else if self.image.brokers.get(&broker_id).is_none_or(|b| b.broker_epoch != broker_epoch) {
                    out.send(self.node(), from, reply(Err(ErrorCode::StaleBrokerEpoch)));
                } else {
                    // `ProducerIdControlManager.generateNextProducerId`
                    let start = self.image.next_producer_id;
                    let next_producer_id = start + PRODUCER_ID_BLOCK_SIZE;
                    self.write(
                        out,
                        vec![MetadataRecord::ProducerIds {
                            broker_id,
                            broker_epoch,
                            next_producer_id,
                        }],
                        broker_id,
                    );
                    self.defer(from, reply(Ok((start, PRODUCER_ID_BLOCK_SIZE))));
                }
            }
            Message::CreateTopicsRequest {
                correlation_id,
                topic,
                partitions,
                replication_factor,
            } => {
                let error = self.create_topic(out, &topic, partitions, replication_factor).err();
                let reply = Message::CreateTopicsResponse { correlation_id, topic, error };
                match error {
                    None => self.defer(from, reply),
                    Some(_) => out.send(self.node(), from, reply),
                }
            }
            _ => {}
        }
        self.after_raft(out, config);
    }

    pub fn handle_timer(&mut self, out: &mut Out, config: &BrokerConfig, timer: Timer) {
        if !self.running() {
            return;
        }
        match timer {
            Timer::Quorum { .. } => self.with_raft(out, |raft, io| raft.on_timer(io)),
            Timer::FenceStaleBrokers if self.is_active() => {
                self.fence_stale_brokers(out, config);
                out.set_timer(config.broker_session_timeout_ms / 8, self.node(), Timer::FenceStaleBrokers);
            }
            _ => {}
        }
        self.after_raft(out, config);
    }

    fn with_raft(&mut self, out: &mut Out, f: impl FnOnce(&mut KafkaRaftClient<MetadataRecord>, &mut RaftOut)) {
        let (me, cluster, voters) = (self.node(), self.cluster.clone(), self.voters.clone());
        if let Some(raft) = self.raft.as_mut() {
            let mut io = RaftOut {
                out,
                me,
                cluster: &cluster,
                voters: &voters,
            };
            f(raft, &mut io);
        }
    }

    /// The end of its metadata log, on disk when the process is down.
    pub fn log_end_offset(&self) -> u64 {
        self.raft.as_ref().map_or(self.disk.log.end_offset(), |r| r.log.end_offset())
    }

    /// After the quorum moved: become active once leader with the epoch's first record
    /// committed (`QuorumController.QuorumMetaLogListener.handleLeaderChange`), stop being active
    /// when no longer leader, apply what is committed, answer what it decided.
    fn after_raft(&mut self, out: &mut Out, config: &BrokerConfig) {
        let Some(raft) = self.raft.as_ref() else { return };
        let leading = raft.state() == StateName::Leader && raft.high_watermark().is_some();
        let hw = raft.high_watermark().unwrap_or(0);
        match (leading, self.active_epoch) {
            (true, None) => {
                let epoch = raft.epoch();
                // The whole log: what this leader has is what the quorum will commit.
                self.image = MetadataImage::default();
                self.image.replay_log(raft.log.entries(), raft.log.end_offset());
                self.active_epoch = Some(epoch);
                let now = out.now_ms();
                // A new active controller gives every broker a fresh session.
                self.last_heartbeat_ms = self.image.brokers.keys().map(|b| (*b, now)).collect();
                out.emit(Event::ControllerActivated { controller: self.id, epoch });
                out.set_timer(config.broker_session_timeout_ms / 8, self.node(), Timer::FenceStaleBrokers);
            }
            (false, Some(_)) => {
                // `QuorumController.renounce`: uncommitted decisions are dropped, and with them
                // their answers (the brokers ask again).
                self.active_epoch = None;
                self.deferred.clear();
                self.last_heartbeat_ms.clear();
                self.image = MetadataImage::default();
                self.image.replay_log(raft.log.entries(), hw);
            }
            (false, None) => {
                self.image.replay_log(raft.log.entries(), hw);
            }
            (true, Some(_)) => {}
        }
        self.committed.replay_log(raft.log.entries(), hw);
        let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.deferred).into_iter().partition(|(at, _, _)| *at <= hw);
        self.deferred = waiting;
        for (_, to, msg) in ready {
            out.send(self.node(), to, msg);
        }
    }

    fn defer(&mut self, to: NodeId, msg: Message) {
        self.deferred.push((self.log_end_offset(), to, msg));
    }

    /// Writes decisions to the log (`RaftClient.prepareAppend`) and applies them to this
    /// controller's image at once. `by` asked for what changes an ISR (a partition's leader, or
    /// this controller when it fences a broker).
    fn write(&mut self, out: &mut Out, records: Vec<MetadataRecord>, by: BrokerId) {
        let Some(epoch) = self.active_epoch else { return };
        let first = self.log_end_offset();
        for (i, record) in records.iter().enumerate() {
            out.emit(Event::MetadataRecordWritten {
                controller: self.id,
                epoch,
                offset: first + i as u64,
                record: record.clone(),
            });
            if let Some(e) = self.decision_event(record, by) {
                out.emit(e);
            }
        }
        let mut written = false;
        self.with_raft(out, |raft, io| written = raft.append(epoch, records, io).is_ok());
        if written {
            if let Some(raft) = self.raft.as_ref() {
                self.image.replay_log(raft.log.entries(), raft.log.end_offset());
            }
        }
    }

    /// The same facts ZooKeeper mode's controller states for a partition or producer-id decision.
    fn decision_event(&self, record: &MetadataRecord, by: BrokerId) -> Option<Event> {
        match record {
            MetadataRecord::Partition { tp, isr, leader, .. } => Some(Event::LeaderChanged {
                tp: tp.clone(),
                old: None,
                new: *leader,
                leader_epoch: 0,
                isr: isr.clone(),
                reason: ElectionReason::NewPartition,
            }),
            MetadataRecord::PartitionChange { tp, isr, leader } => {
                let p = self.image.partitions.get(tp)?;
                let new_isr = isr.clone().unwrap_or_else(|| p.isr.clone());
                match leader {
                    Some(new) => Some(Event::LeaderChanged {
                        tp: tp.clone(),
                        old: p.leader,
                        new: *new,
                        leader_epoch: p.leader_epoch + 1,
                        isr: new_isr,
                        reason: match new {
                            None => ElectionReason::NoneAvailable,
                            Some(l) if !p.isr.contains(l) => ElectionReason::Unclean,
                            Some(_) => ElectionReason::OfflineLeader,
                        },
                    }),
                    None => Some(Event::IsrChanged {
                        tp: tp.clone(),
                        old: p.isr.clone(),
                        new: new_isr,
                        leader_epoch: p.leader_epoch,
                        by,
                    }),
                }
            }
            MetadataRecord::ProducerIds {
                broker_id, next_producer_id, ..
            } => Some(Event::ProducerIdsAllocated {
                controller: self.id,
                broker: *broker_id,
                first: self.image.next_producer_id,
                last: next_producer_id - 1,
                kraft: true,
            }),
            _ => None,
        }
    }

    /// `ClusterControlManager.processBrokerHeartbeat` and
    /// `BrokerHeartbeatManager.calculateNextBrokerState`: a fenced broker is unfenced once it has
    /// applied the log up to its own registration.
    fn handle_heartbeat(&mut self, out: &mut Out, from: NodeId, correlation_id: u64, broker_id: BrokerId, broker_epoch: u64, offset: u64) {
        let reply = |result| Message::BrokerHeartbeatResponse { correlation_id, result };
        if !self.is_active() {
            out.send(self.node(), from, reply(Err(ErrorCode::NotController)));
            return;
        }
        let Some(registration) = self.image.brokers.get(&broker_id).filter(|b| b.broker_epoch == broker_epoch).cloned() else {
            out.send(self.node(), from, reply(Err(ErrorCode::StaleBrokerEpoch)));
            return;
        };
        self.last_heartbeat_ms.insert(broker_id, out.now_ms());
        let is_caught_up = offset >= registration.broker_epoch;
        if registration.fenced && is_caught_up {
            let mut records = vec![MetadataRecord::BrokerRegistrationChange {
                broker_id,
                broker_epoch,
                fenced: Some(false),
                in_controlled_shutdown: None,
            }];
            // `ReplicationControlManager.handleBrokerUnfenced`: leaderless partitions it can lead.
            let mut eligible = self.image.eligible_brokers();
            eligible.insert(broker_id);
            records.extend(self.partition_changes(|_, p| p.leader.is_none() && p.isr.contains(&broker_id), &eligible, None));
            self.write(out, records, broker_id);
        }
        // A write event: its answer waits for everything written before it to be committed.
        let is_fenced = self.image.brokers.get(&broker_id).is_some_and(|b| b.fenced);
        self.defer(from, reply(Ok(BrokerHeartbeatState { is_caught_up, is_fenced })));
    }

    /// `ReplicationControlManager.maybeFenceOneStaleBroker`: a broker silent for
    /// `broker.session.timeout.ms` is fenced, leaves every ISR, and its partitions get leaders.
    fn fence_stale_brokers(&mut self, out: &mut Out, config: &BrokerConfig) {
        let now = out.now_ms();
        let stale = self
            .image
            .brokers
            .iter()
            .find(|(id, b)| !b.fenced && self.last_heartbeat_ms.get(id).is_none_or(|t| now >= t + config.broker_session_timeout_ms));
        let Some((&broker_id, registration)) = stale else { return };
        let broker_epoch = registration.broker_epoch;
        let mut eligible = self.image.eligible_brokers();
        eligible.remove(&broker_id);
        let unclean = config.unclean_leader_election_enable;
        let mut records = vec![MetadataRecord::BrokerRegistrationChange {
            broker_id,
            broker_epoch,
            fenced: Some(true),
            in_controlled_shutdown: None,
        }];
        records.extend(self.partition_changes(
            |_, p| p.isr.contains(&broker_id) || p.leader == Some(broker_id),
            &eligible,
            Some((broker_id, unclean)),
        ));
        self.write(out, records, self.id);
    }

    /// `PartitionChangeBuilder` for the partitions `which` picks: a leader that is not eligible
    /// is replaced by the first eligible ISR member in replica order (unclean only if allowed);
    /// `removed` leaves the ISR (its last member stays, as ZooKeeper mode keeps it).
    fn partition_changes(
        &self,
        which: impl Fn(&TopicPartition, &PartitionRegistration) -> bool,
        eligible: &std::collections::BTreeSet<BrokerId>,
        removed: Option<(BrokerId, bool)>,
    ) -> Vec<MetadataRecord> {
        let mut records = Vec::new();
        for (tp, p) in self.image.partitions.iter().filter(|(tp, p)| which(tp, p)) {
            let (isr, leader) = match removed {
                Some((gone, unclean)) => {
                    let state = LeaderAndIsr {
                        leader: p.leader,
                        leader_epoch: p.leader_epoch,
                        isr: p.isr.clone(),
                        partition_epoch: p.partition_epoch,
                        controller_epoch: 0,
                    };
                    let after = election::remove_replica_from_isr(&state, gone);
                    match after.leader {
                        Some(_) => (after.isr, None),
                        None => match election::offline_partition_leader(&p.replicas, &after.isr, eligible, unclean) {
                            Some((l, isr, _)) => (isr, Some(Some(l))),
                            None => (after.isr, Some(None)),
                        },
                    }
                }
                None => match election::offline_partition_leader(&p.replicas, &p.isr, eligible, false) {
                    Some((l, _, _)) => (p.isr.clone(), Some(Some(l))),
                    None => continue,
                },
            };
            let isr = (isr != p.isr).then_some(isr);
            if isr.is_some() || leader.is_some_and(|l| l != p.leader) {
                records.push(MetadataRecord::PartitionChange { tp: tp.clone(), isr, leader });
            }
        }
        records
    }

    /// `ReplicationControlManager.alterPartition`, checked as `validateAlterPartitionData` does.
    fn handle_alter_partition(
        &mut self,
        out: &mut Out,
        from: NodeId,
        broker_id: BrokerId,
        tp: TopicPartition,
        leader_epoch: u32,
        partition_epoch: u32,
        new_isr: Vec<BrokerId>,
    ) {
        let reply = |tp, result| Message::AlterPartitionResponse { tp, result };
        let eligible = self.image.eligible_brokers();
        let error = match self.image.partitions.get(&tp) {
            _ if !self.is_active() => Some(ErrorCode::NotController),
            None => Some(ErrorCode::UnknownTopicOrPartition),
            Some(p) if p.leader != Some(broker_id) => Some(ErrorCode::NotLeaderOrFollower),
            Some(p) if p.leader_epoch != leader_epoch => Some(ErrorCode::FencedLeaderEpoch),
            Some(p) if p.partition_epoch != partition_epoch => Some(ErrorCode::InvalidUpdateVersion),
            Some(_) if new_isr.iter().any(|b| *b != broker_id && !eligible.contains(b)) => Some(ErrorCode::IneligibleReplica),
            Some(_) => None,
        };
        if let Some(e) = error {
            out.send(self.node(), from, reply(tp, Err(e)));
            return;
        }
        self.write(
            out,
            vec![MetadataRecord::PartitionChange {
                tp: tp.clone(),
                isr: Some(new_isr.clone()),
                leader: None,
            }],
            broker_id,
        );
        let state = LeaderAndIsr {
            leader: Some(broker_id),
            leader_epoch,
            isr: new_isr,
            partition_epoch: partition_epoch + 1,
            controller_epoch: 0,
        };
        self.defer(from, reply(tp, Ok(state)));
    }

    /// `ReplicationControlManager.createTopics`: replicas placed over the unfenced brokers, the
    /// ISR all of them, the first the leader. Placement is `AdminUtils`' rack-unaware
    /// assignment from a seeded start, where Kafka's `StripedReplicaPlacer` would stripe racks.
    pub fn create_topic(&mut self, out: &mut Out, topic: &Name, partitions: u32, replication_factor: u32) -> Result<(), ErrorCode> {
        if !self.is_active() {
            return Err(ErrorCode::NotController);
        }
        if self.image.topics.contains(topic) {
            return Err(ErrorCode::TopicAlreadyExists);
        }
        let live: Vec<BrokerId> = self.image.eligible_brokers().into_iter().collect();
        let n = live.len().max(1) as u64;
        let (start, shift) = (out.rng().rand_range(0..n) as usize, out.rng().rand_range(0..n) as usize);
        let assignment = crate::admin::assign_replicas(&live, partitions, replication_factor, start, shift).map_err(|_| ErrorCode::InvalidReplicationFactor)?;
        let mut records = vec![MetadataRecord::Topic { name: topic.clone() }];
        for (i, replicas) in assignment.into_iter().enumerate() {
            records.push(MetadataRecord::Partition {
                tp: TopicPartition::new(topic, i as u32),
                leader: replicas.first().copied(),
                isr: replicas.clone(),
                replicas,
            });
        }
        self.write(out, records, self.id);
        Ok(())
    }
}
