//! A broker in KRaft mode (`BrokerServer`, `process.roles=broker`): no ZooKeeper, no
//! LeaderAndIsr. It observes the controllers' quorum, pulling `__cluster_metadata` like a
//! follower that never votes (`MetadataLoader`); it applies what is committed to its replicas
//! and its metadata cache (`BrokerMetadataPublisher`, `ReplicaManager.applyDelta`); and it
//! registers with the active controller and heartbeats it (`BrokerLifecycleManager`), which
//! fences it when the heartbeats stop.

use super::{Broker, Ctx};
use crate::metadata::{MetadataImage, RaftOut};
use crate::protocol::*;
use crate::raft::{Durable, KafkaRaftClient, RaftMessage};
use crate::runtime::Timer;
use crate::trace::Event;
use serde::Serialize;

/// `BrokerLifecycleManager`: while starting, the next heartbeat goes this soon after an answer.
const STARTING_HEARTBEAT_MS: u64 = 10;

#[derive(Clone, Debug, Serialize)]
pub struct KRaftBroker {
    /// `controller.quorum.voters`.
    pub voters: Vec<BrokerId>,
    /// The observer of the metadata quorum, while the process runs.
    pub raft: Option<KafkaRaftClient<MetadataRecord>>,
    /// The metadata log on disk while the process is down.
    #[serde(skip)]
    disk: Durable<MetadataRecord>,
    /// What the broker has applied: the committed log, up to `image.applied`.
    pub image: MetadataImage,
    /// Our registration's epoch (its record's offset) once the controller has committed it.
    pub registered_epoch: Option<u64>,
    /// Fenced until the active controller says otherwise.
    pub fenced: bool,
    /// The registration or heartbeat awaiting its answer.
    #[serde(skip)]
    in_flight: Option<u64>,
}

impl KRaftBroker {
    pub fn new(voters: Vec<BrokerId>) -> Self {
        KRaftBroker {
            voters,
            raft: None,
            disk: Durable::default(),
            image: MetadataImage::default(),
            registered_epoch: None,
            fenced: true,
            in_flight: None,
        }
    }
}

impl Broker {
    /// `BrokerServer.startup`: the metadata log is read back from disk; the broker fetches the
    /// rest from the quorum, and registers once it knows the active controller.
    pub(super) fn start_kraft(&mut self, ctx: &mut Ctx) {
        let node = self.node();
        let Some(k) = self.kraft.as_mut() else { return };
        let quorum = crate::metadata::quorum_config(&k.voters, ctx.config);
        let disk = std::mem::take(&mut k.disk);
        let voters = k.voters.clone();
        let mut io = RaftOut {
            out: ctx.out,
            me: node.clone(),
            cluster: &self.cluster,
            voters: &voters,
        };
        k.raft = Some(KafkaRaftClient::start(self.id, quorum, disk, &mut io));
        k.image = MetadataImage::default();
        k.registered_epoch = None;
        k.fenced = true;
        k.in_flight = None;
        ctx.out
            .set_timer(ctx.config.broker_heartbeat_interval_ms, node, Timer::BrokerHeartbeat { fenced: true });
        self.publish_metadata(ctx);
    }

    /// The process ends: the metadata log stays on disk.
    pub(super) fn halt_kraft(&mut self) {
        if let Some(k) = self.kraft.as_mut() {
            if let Some(raft) = k.raft.take() {
                k.disk = raft.durable();
            }
            k.image = MetadataImage::default();
            k.registered_epoch = None;
            k.fenced = true;
            k.in_flight = None;
        }
    }

    fn with_metadata_log(&mut self, ctx: &mut Ctx, f: impl FnOnce(&mut KafkaRaftClient<MetadataRecord>, &mut RaftOut)) {
        let node = self.node();
        let Some(k) = self.kraft.as_mut() else { return };
        let voters = k.voters.clone();
        if let Some(raft) = k.raft.as_mut() {
            let mut io = RaftOut {
                out: ctx.out,
                me: node,
                cluster: &self.cluster,
                voters: &voters,
            };
            f(raft, &mut io);
        }
        self.publish_metadata(ctx);
    }

    pub(super) fn handle_metadata_log(&mut self, ctx: &mut Ctx, from: &NodeId, msg: RaftMessage<MetadataRecord>) {
        if let NodeId::Controller(c) | NodeId::Broker(c) = from {
            let sender = c.id;
            self.with_metadata_log(ctx, |raft, io| raft.handle(sender, msg, io));
        }
    }

    pub(super) fn metadata_log_timer(&mut self, ctx: &mut Ctx) {
        self.with_metadata_log(ctx, |raft, io| raft.on_timer(io));
    }

    /// `MetadataLoader` and `BrokerMetadataPublisher`: what became committed is applied, the
    /// partitions whose registration changed get their new roles, and the metadata cache
    /// follows; the active controller is the quorum's leader.
    fn publish_metadata(&mut self, ctx: &mut Ctx) {
        let Some(k) = self.kraft.as_mut() else { return };
        let Some(raft) = k.raft.as_ref() else { return };
        let controller = raft.leader().filter(|l| k.voters.contains(l));
        let hw = raft.high_watermark().unwrap_or(0);
        let changed = k.image.replay_log(raft.log.entries(), hw);
        let live = k.image.live_brokers();
        let states: Vec<PartitionMetadata> = changed.iter().filter_map(|tp| k.image.partition_metadata(tp)).collect();
        let controller_moved = controller.is_some() && controller != self.metadata.controller_id;
        self.metadata.controller_id = controller;
        self.metadata.live_brokers = live;
        for pm in &states {
            self.metadata.partitions.insert(pm.tp.clone(), pm.clone());
        }
        if !states.is_empty() {
            self.apply_partition_states(ctx, states);
        }
        if controller_moved {
            // `AlterPartitionManager`: a change the old controller never answered goes to the new one.
            let pending: Vec<(TopicPartition, Vec<BrokerId>)> = self.partitions.values().filter_map(|p| Some((p.tp.clone(), p.pending_isr.clone()?))).collect();
            for (tp, isr) in pending {
                self.propose_isr(ctx, &tp, isr);
            }
        }
        let idle = self.kraft.as_ref().is_some_and(|k| k.registered_epoch.is_none() && k.in_flight.is_none());
        if idle {
            self.send_to_controller(ctx, 0);
        }
    }

    /// `BrokerLifecycleManager`: a registration until one is committed, then a heartbeat that
    /// says how far the broker has applied the log. One request at a time.
    fn send_to_controller(&mut self, ctx: &mut Ctx, delay_ms: u64) {
        let Some(controller) = self.metadata.controller_id else { return };
        let correlation_id = self.next_id();
        let Some(k) = self.kraft.as_mut() else { return };
        if k.raft.is_none() {
            return;
        }
        k.in_flight = Some(correlation_id);
        let msg = match k.registered_epoch {
            None => Message::BrokerRegistrationRequest {
                correlation_id,
                broker_id: self.id,
            },
            Some(broker_epoch) => Message::BrokerHeartbeatRequest {
                correlation_id,
                broker_id: self.id,
                broker_epoch,
                current_metadata_offset: k.image.applied,
            },
        };
        ctx.out.send_later(delay_ms, self.node(), self.cluster.controller(controller), msg);
    }

    /// `broker.heartbeat.interval.ms` passed: an unanswered request is given up, the next sent.
    pub(super) fn heartbeat_timer(&mut self, ctx: &mut Ctx) {
        let Some(k) = self.kraft.as_mut() else { return };
        k.in_flight = None;
        let fenced = k.fenced;
        self.send_to_controller(ctx, 0);
        ctx.out
            .set_timer(ctx.config.broker_heartbeat_interval_ms, self.node(), Timer::BrokerHeartbeat { fenced });
    }

    /// Takes the answer to our registration or heartbeat, if it is the one awaited.
    fn lifecycle_answer(&mut self, correlation_id: u64) -> bool {
        match self.kraft.as_mut() {
            Some(k) if k.in_flight == Some(correlation_id) => {
                k.in_flight = None;
                true
            }
            _ => false,
        }
    }

    pub(super) fn registration_answered(&mut self, ctx: &mut Ctx, correlation_id: u64, result: Result<u64, ErrorCode>) {
        if !self.lifecycle_answer(correlation_id) {
            return;
        }
        if let (Ok(epoch), Some(k)) = (result, self.kraft.as_mut()) {
            k.registered_epoch = Some(epoch);
            self.broker_epoch = epoch;
            ctx.out.emit(Event::BrokerRegistered { broker: self.id, kraft: true });
            // STARTING: heartbeat at once, then every 10 ms until caught up and unfenced.
            self.send_to_controller(ctx, 0);
        }
    }

    pub(super) fn heartbeat_answered(&mut self, ctx: &mut Ctx, correlation_id: u64, result: Result<BrokerHeartbeatState, ErrorCode>) {
        if !self.lifecycle_answer(correlation_id) {
            return;
        }
        let Some(k) = self.kraft.as_mut() else { return };
        match result {
            Ok(state) => {
                if state.is_fenced != k.fenced {
                    k.fenced = state.is_fenced;
                    ctx.out.emit(Event::BrokerFencingChanged {
                        broker: self.id,
                        fenced: state.is_fenced,
                    });
                }
                if state.is_fenced {
                    self.send_to_controller(ctx, STARTING_HEARTBEAT_MS);
                }
            }
            // An older registration of ours (we were fenced and replaced, or restarted): register anew.
            Err(ErrorCode::StaleBrokerEpoch) => {
                k.registered_epoch = None;
                k.fenced = true;
                self.send_to_controller(ctx, 0);
            }
            Err(_) => {}
        }
    }

    /// `AutoTopicCreationManager`: a topic a client asked for is created by the active
    /// controller, to which the broker forwards CreateTopics. False without a controller to ask.
    pub(super) fn forward_create_topic(&mut self, ctx: &mut Ctx, topic: &str, partitions: u32, replication_factor: u32) -> bool {
        let Some(controller) = self.metadata.controller_id else { return false };
        let correlation_id = self.next_id();
        let msg = Message::CreateTopicsRequest {
            correlation_id,
            topic: topic.into(),
            partitions,
            replication_factor,
        };
        ctx.out.send(self.node(), self.cluster.controller(controller), msg);
        true
    }

    /// The connection to the controller dropped under our request: the next timer tries again.
    pub(super) fn lifecycle_disconnected(&mut self, correlation_id: u64) -> bool {
        self.lifecycle_answer(correlation_id)
    }
}
