//! A broker (`KafkaServer` in ZooKeeper mode with its `ReplicaManager`): it keeps
//! a ZooKeeper session and its `/brokers/ids` registration, races for `/controller`,
//! leads or follows partitions as the controller says, answers produce and fetch
//! requests, and fetches from leaders as a follower.

pub mod fetcher;

use crate::config::BrokerConfig;
use crate::controller::Controller;
use crate::coordinator::{records, AfterAppend, Append, GroupCoordinator, GroupCtx, OFFSETS_TOPIC};
use crate::protocol::*;
use crate::replica::producer_state::AppendCheck;
use crate::replica::{Partition, Role};
use crate::sim::{Scheduler, Timer, TimerKey};
use crate::trace::Event;
use crate::zookeeper::kafka_zk_client::{self as zkdata, KafkaZkClient};
use crate::zookeeper::{ZkError, ZooKeeper};
use fetcher::{FetchState, Fetcher};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What a node's handler may touch besides itself: the clock and network, the
/// ZooKeeper ensemble (reached only through a session), and its cluster's settings.
pub struct Ctx<'a> {
    pub sched: &'a mut Scheduler,
    pub zk: &'a mut ZooKeeper,
    pub cluster: ClusterRef,
    pub config: &'a BrokerConfig,
}

impl Ctx<'_> {
    pub fn zk_client(&mut self, me: BrokerId, session: u64) -> KafkaZkClient<'_> {
        KafkaZkClient {
            zk: self.zk,
            sched: self.sched,
            node: self.cluster.broker(me),
            session_id: session,
        }
    }
}

/// A broker's view of the cluster, fed by the controller's UpdateMetadata (`MetadataCache`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct MetadataCache {
    pub controller_id: Option<BrokerId>,
    pub controller_epoch: u32,
    pub live_brokers: Vec<BrokerId>,
    pub partitions: BTreeMap<TopicPartition, PartitionMetadata>,
}

/// An acks=all write waiting for the high watermark (`DelayedProduce`): a client's
/// produce, or the group coordinator's own write to `__consumer_offsets`.
#[derive(Clone, Debug)]
struct DelayedProduce {
    reply: Reply,
    results: Vec<ProduceResult>,
    /// (index into results, offset the high watermark must reach)
    waiting: Vec<(usize, u64)>,
    timer: TimerKey,
}

#[derive(Clone, Debug)]
enum Reply {
    Produce { to: NodeId, correlation_id: u64 },
    Coordinator(AfterAppend),
}

/// A fetch that found nothing new, parked until data arrives (`DelayedFetch`).
#[derive(Clone, Debug)]
struct DelayedFetch {
    from: NodeId,
    correlation_id: u64,
    replica_id: Option<BrokerId>,
    partitions: Vec<FetchPartition>,
    timer: TimerKey,
}

#[derive(Clone, Debug, Serialize)]
pub struct Broker {
    pub id: BrokerId,
    pub cluster: ClusterRef,
    pub running: bool,
    pub zk_session: Option<u64>,
    pub controller: Option<Controller>,
    pub metadata: MetadataCache,
    /// The replicas this broker hosts; logs survive a restart, roles do not.
    pub partitions: BTreeMap<TopicPartition, Partition>,
    pub fetchers: BTreeMap<BrokerId, Fetcher>,
    pub coordinator: GroupCoordinator,
    #[serde(skip)]
    delayed_produces: BTreeMap<u64, DelayedProduce>,
    #[serde(skip)]
    delayed_fetches: BTreeMap<u64, DelayedFetch>,
    #[serde(skip)]
    next_id: u64,
    #[serde(skip)]
    isr_check_scheduled: bool,
    /// Whether `/brokers/ids/<id>` is ours; a quick restart finds the old session's node still there.
    pub registered: bool,
    /// The czxid of our registration (KIP-380's broker epoch), sent with ControlledShutdown.
    pub broker_epoch: u64,
    /// A controlled shutdown under way (`PendingControlledShutdown`).
    pub controlled_shutdown: Option<ControlledShutdown>,
    /// Why the last start failed, kept until the next start (`KafkaServer.startup`).
    pub start_failure: Option<StartFailure>,
    /// `KafkaServer.startup` has not registered the broker yet: a failure now is fatal.
    #[serde(skip)]
    starting_up: bool,
    #[serde(skip)]
    producer_ids: ProducerIdBlock,
}

/// `KafkaServer.startup` ended in "Fatal error during KafkaServer startup. Prepare to shutdown".
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct StartFailure {
    /// ZooKeeper's error code, as Kafka logs it: NODEEXISTS.
    pub error: &'static str,
    /// The other session holding `/brokers/ids/<id>` (the previous run's).
    pub owner_session: u64,
    pub at_ms: u64,
}

/// `KafkaServer.controlledShutdown`'s loop: which attempt, and the request in flight.
#[derive(Clone, Debug, Serialize)]
pub struct ControlledShutdown {
    /// 1-based; at most `controlled.shutdown.max.retries`.
    pub attempt: u32,
    pub in_flight: Option<u64>,
    #[serde(skip)]
    timer: Option<TimerKey>,
}

/// The producer ids a broker hands out (`RPCProducerIdManager`, KIP-730): the rest of the block
/// the controller gave it, and the AllocateProducerIds request in flight with when it went.
#[derive(Clone, Debug, Default)]
struct ProducerIdBlock {
    next: u64,
    end: u64,
    asking: Option<(u64, u64)>,
}

/// `Partition.appendRecordsToLeader`: the records take the next offsets and the leader's epoch,
/// each carrying its batch's producer stamp. Returns the first offset.
fn append_to_leader(sched: &mut Scheduler, broker: BrokerId, p: &mut Partition, records: Vec<ProducerRecord>, producer: Option<BatchProducer>) -> u64 {
    let base = p.log_end_offset();
    let (epoch, count) = (p.leader_epoch, records.len() as u64);
    for (i, r) in records.into_iter().enumerate() {
        p.log.append(Record {
            offset: base + i as u64,
            timestamp_ms: r.timestamp_ms,
            key: r.key,
            value: r.value,
            headers: r.headers,
            leader_epoch: epoch,
            producer,
        });
    }
    sched.emit(Event::RecordsAppended {
        broker,
        tp: p.tp.clone(),
        base_offset: base,
        count,
        leader_epoch: epoch,
        log_end_offset: p.log_end_offset(),
    });
    base
}

fn effective_min_isr(config: &BrokerConfig, p: &Partition) -> usize {
    (config.min_insync_replicas as usize).min(p.replicas.len())
}

impl Broker {
    pub fn new(id: BrokerId, cluster: ClusterRef) -> Self {
        Broker {
            id,
            cluster,
            running: false,
            zk_session: None,
            controller: None,
            metadata: MetadataCache::default(),
            partitions: BTreeMap::new(),
            fetchers: BTreeMap::new(),
            coordinator: GroupCoordinator::default(),
            delayed_produces: BTreeMap::new(),
            delayed_fetches: BTreeMap::new(),
            next_id: 0,
            isr_check_scheduled: false,
            registered: false,
            broker_epoch: 0,
            controlled_shutdown: None,
            start_failure: None,
            starting_up: false,
            producer_ids: ProducerIdBlock::default(),
        }
    }

    fn node(&self) -> NodeId {
        self.cluster.broker(self.id)
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn is_controller(&self) -> bool {
        self.controller.is_some()
    }

    /// Starts (or restarts) the broker: logs are read back from disk, everything else starts empty.
    pub fn start(&mut self, ctx: &mut Ctx, chroot: &str) {
        self.running = true;
        self.starting_up = true;
        self.start_failure = None;
        for p in self.partitions.values_mut() {
            p.role = Role::Offline;
            p.leader = None;
            p.followers.clear();
            p.pending_isr = None;
        }
        ctx.sched.emit(Event::BrokerStarted { broker: self.id });
        self.connect_zookeeper(ctx, chroot);
        if !self.running {
            return; // the start failed
        }
        let interval = ctx.config.zookeeper_session_timeout_ms / 3;
        ctx.sched.set_timer(interval, self.node(), Timer::ZkPing);
    }

    /// A crash: everything in memory is gone; the logs stay on disk.
    pub fn stop(&mut self, sched: &mut Scheduler) {
        self.halt(sched);
        sched.emit(Event::BrokerStopped { broker: self.id });
    }

    /// The process ends (a crash, or the end of an orderly stop).
    fn halt(&mut self, sched: &mut Scheduler) {
        self.running = false;
        self.starting_up = false;
        self.controlled_shutdown = None;
        self.zk_session = None;
        self.registered = false;
        self.controller = None;
        self.metadata = MetadataCache::default();
        self.fetchers.clear();
        self.coordinator = GroupCoordinator::default();
        // The process is gone and its host closes every connection: a client or follower waiting
        // on a parked request sees the disconnect at once (`NetworkClient`), not after its timeout.
        let parked = self.delayed_produces.values().filter_map(|d| match &d.reply {
            Reply::Produce { to, correlation_id } => Some((to.clone(), *correlation_id)),
            Reply::Coordinator(_) => None,
        });
        let parked: Vec<(NodeId, u64)> = parked
            .chain(self.delayed_fetches.values().map(|d| (d.from.clone(), d.correlation_id)))
            .collect();
        for (to, correlation_id) in parked {
            sched.send(self.node(), to, Message::Disconnected { correlation_id });
        }
        self.delayed_produces.clear();
        self.delayed_fetches.clear();
        self.producer_ids = ProducerIdBlock::default();
        self.isr_check_scheduled = false;
        sched.cancel_timers_of(&self.node());
    }

    /// An orderly stop (`KafkaServer.shutdown`): a controlled shutdown first when
    /// `controlled.shutdown.enable`, else at once without it.
    pub fn begin_shutdown(&mut self, ctx: &mut Ctx) {
        if !ctx.config.controlled_shutdown_enable {
            self.finish_shutdown(ctx, false);
            return;
        }
        self.controlled_shutdown = Some(ControlledShutdown {
            attempt: 0,
            in_flight: None,
            timer: None,
        });
        self.controlled_shutdown_attempt(ctx);
    }

    /// One pass of `KafkaServer.controlledShutdown`'s loop: find the controller in ZooKeeper
    /// (`/controller`, then its registration) and send it ControlledShutdown.
    fn controlled_shutdown_attempt(&mut self, ctx: &mut Ctx) {
        let controller = self.zk_session.and_then(|s| {
            let mut zk = ctx.zk_client(self.id, s);
            let id = zkdata::controller_id_of(&zk.get(zkdata::CONTROLLER, false).ok()??.data)?;
            zk.get(&zkdata::broker_path(id), false).ok()?.map(|_| id)
        });
        let (me, epoch, me_node) = (self.id, self.broker_epoch, self.node());
        let correlation_id = self.next_id();
        let Some(cs) = self.controlled_shutdown.as_mut() else { return };
        cs.attempt += 1;
        let Some(controller) = controller else {
            self.controlled_shutdown_failed(ctx, "no_controller", Vec::new());
            return;
        };
        cs.in_flight = Some(correlation_id);
        cs.timer = Some(ctx.sched.set_timer(
            ctx.config.controller_socket_timeout_ms,
            me_node,
            Timer::ControlledShutdownTimeout { correlation_id },
        ));
        ctx.sched.emit(Event::ControlledShutdownRequested {
            broker: me,
            attempt: cs.attempt,
            controller,
        });
        ctx.sched.send(
            self.node(),
            self.cluster.broker(controller),
            Message::ControlledShutdownRequest {
                correlation_id,
                broker_id: me,
                broker_epoch: epoch,
            },
        );
    }

    /// An attempt failed: Kafka sleeps `controlled.shutdown.retry.backoff.ms` after every failed
    /// attempt (the last one too), then tries again or proceeds to an unclean shutdown.
    fn controlled_shutdown_failed(&mut self, ctx: &mut Ctx, reason: &'static str, remaining: Vec<TopicPartition>) {
        let me_node = self.node();
        let Some(cs) = self.controlled_shutdown.as_mut() else { return };
        cs.in_flight = None;
        if let Some(t) = cs.timer.take() {
            ctx.sched.cancel(t);
        }
        ctx.sched.emit(Event::ControlledShutdownFailed {
            broker: self.id,
            attempt: cs.attempt,
            reason,
            remaining,
            retrying: cs.attempt < ctx.config.controlled_shutdown_max_retries,
        });
        cs.timer = Some(
            ctx.sched
                .set_timer(ctx.config.controlled_shutdown_retry_backoff_ms, me_node, Timer::ControlledShutdownRetry),
        );
    }

    /// The controller's answer (or the connection's end) for the request in flight.
    fn controlled_shutdown_answered(&mut self, ctx: &mut Ctx, correlation_id: u64, result: Result<Vec<TopicPartition>, &'static str>) {
        let Some(cs) = self.controlled_shutdown.as_mut().filter(|cs| cs.in_flight == Some(correlation_id)) else {
            return;
        };
        if let Some(t) = cs.timer.take() {
            ctx.sched.cancel(t);
        }
        match result {
            Ok(remaining) if remaining.is_empty() => self.finish_shutdown(ctx, true),
            Ok(remaining) => self.controlled_shutdown_failed(ctx, "partitions_remaining", remaining),
            Err(reason) => self.controlled_shutdown_failed(ctx, reason, Vec::new()),
        }
    }

    /// The rest of `KafkaServer.shutdown`: the controller resigns (`KafkaController.shutdown`),
    /// the ZooKeeper session is closed (`KafkaZkClient.close`), so `/brokers/ids/<id>` (and
    /// `/controller`) go at once; then the process ends. Without ZooKeeper in reach the session
    /// is left to expire.
    fn finish_shutdown(&mut self, ctx: &mut Ctx, controlled: bool) {
        self.resign(ctx);
        if let Some(s) = self.zk_session.take() {
            if ctx.sched.net.reachable(&self.node(), &NodeId::ZooKeeper) {
                ctx.zk.close_session(ctx.sched, s);
            }
        }
        self.halt(ctx.sched);
        ctx.sched.emit(Event::BrokerShutDown { broker: self.id, controlled });
    }

    /// StopReplica (`ReplicaManager.stopReplicas` without deleting): the fetchers let go of
    /// the partitions; the logs stay.
    fn handle_stop_replica(&mut self, ctx: &mut Ctx, controller_id: BrokerId, controller_epoch: u32, partitions: Vec<TopicPartition>) {
        if controller_epoch < self.metadata.controller_epoch {
            self.refuse_stale_controller(ctx, controller_id, "StopReplica", controller_epoch);
            return;
        }
        self.metadata.controller_epoch = controller_epoch;
        for tp in partitions {
            for f in self.fetchers.values_mut() {
                f.partitions.remove(&tp);
            }
            let Some(p) = self.partitions.get_mut(&tp) else { continue };
            if p.role == Role::Leader {
                continue;
            }
            p.role = Role::Offline;
            p.leader = None;
            p.followers.clear();
            p.pending_isr = None;
            ctx.sched.emit(Event::ReplicaStopped { broker: self.id, tp });
        }
        self.fetchers.retain(|_, f| !f.partitions.is_empty() || f.in_flight.is_some());
    }

    /// Opens a ZooKeeper session, creates the chroot and Kafka's paths if missing,
    /// registers the ephemeral `/brokers/ids/<id>`, and runs for controller.
    fn connect_zookeeper(&mut self, ctx: &mut Ctx, chroot: &str) {
        if !ctx.sched.net.reachable(&self.node(), &NodeId::ZooKeeper) {
            return;
        }
        let session = ctx.zk.create_session(ctx.sched, self.node(), chroot, ctx.config.zookeeper_session_timeout_ms);
        self.zk_session = Some(session);
        let seed = ctx.sched.rng.rand_u64();
        let mut zk = ctx.zk_client(self.id, session);
        for path in [zkdata::BROKER_IDS, zkdata::TOPICS] {
            if matches!(zk.get(path, false), Ok(None)) {
                let _ = zk.create_recursive(path, String::new());
            }
        }
        if matches!(zk.get(zkdata::CLUSTER_ID, false), Ok(None)) {
            let _ = zk.create_recursive(zkdata::CLUSTER_ID, serde_json::json!({"version": "1", "id": cluster_id(seed)}).to_string());
        }
        drop(zk);
        if let Err(owner) = self.register(ctx) {
            if self.starting_up {
                self.fail_start(ctx, session, owner);
                return;
            }
        }
        self.elect_controller(ctx);
    }

    /// `KafkaServer.startup` could not register the broker: "Fatal error during KafkaServer
    /// startup. Prepare to shutdown". `shutdown()` closes the new ZooKeeper session (the
    /// controller never started: it starts after the registration) and the process exits.
    fn fail_start(&mut self, ctx: &mut Ctx, session: u64, owner: u64) {
        let expires = ctx.zk.session_expiry_from(ctx.sched, owner);
        ctx.zk.close_session(ctx.sched, session);
        self.halt(ctx.sched);
        self.start_failure = Some(StartFailure {
            error: "NODEEXISTS",
            owner_session: owner,
            at_ms: ctx.sched.now_ms,
        });
        ctx.sched.emit(Event::BrokerStartFailed {
            broker: self.id,
            error: "NODEEXISTS",
            owner_session: owner,
            owner_session_expires_at_ms: expires,
        });
    }

    /// `KafkaZkClient.registerBroker` → `checkedEphemeralCreate`: creates the ephemeral
    /// `/brokers/ids/<id>`. If it exists, it is ours only when our own session holds it;
    /// another session's node is NODEEXISTS (`Err` with that session). At startup that is
    /// fatal (`fail_start`); a broker re-registering after its session expired tries again on
    /// its next heartbeat (here the expired session's node is already gone).
    fn register(&mut self, ctx: &mut Ctx) -> Result<(), u64> {
        let Some(session) = self.zk_session else { return Ok(()) };
        let now = ctx.sched.now_ms;
        let mut zk = ctx.zk_client(self.id, session);
        let created = match zk.create(&zkdata::broker_path(self.id), zkdata::broker_info_json(&self.cluster.host(self.id), now), true) {
            Ok(()) => true,
            Err(ZkError::NodeExists) => match zk.get(&zkdata::broker_path(self.id), false) {
                Ok(Some(node)) if node.ephemeral_owner == Some(session) => true,
                Ok(Some(node)) => return Err(node.ephemeral_owner.unwrap_or(0)),
                _ => false,
            },
            Err(_) => false,
        };
        if created {
            self.registered = true;
            self.starting_up = false;
            if let Ok(Some(node)) = ctx.zk_client(self.id, session).get(&zkdata::broker_path(self.id), false) {
                self.broker_epoch = node.czxid;
            }
            ctx.sched.emit(Event::BrokerRegistered { broker: self.id });
        }
        Ok(())
    }

    /// `KafkaController.elect`: whoever creates the ephemeral `/controller` first is the controller.
    fn elect_controller(&mut self, ctx: &mut Ctx) {
        let Some(session) = self.zk_session else { return };
        let now = ctx.sched.now_ms;
        let mut zk = ctx.zk_client(self.id, session);
        match zk.get(zkdata::CONTROLLER, true) {
            Ok(Some(node)) => {
                self.metadata.controller_id = zkdata::controller_id_of(&node.data);
                return;
            }
            Ok(None) => {}
            Err(_) => return,
        }
        match zk.create(zkdata::CONTROLLER, zkdata::controller_json(self.id, now), true) {
            Ok(()) => {
                let _ = zk.get(zkdata::CONTROLLER, true);
                self.metadata.controller_id = Some(self.id);
                match Controller::failover(self.id, session, ctx) {
                    Ok(c) => self.controller = Some(c),
                    Err(_) => self.resign(ctx),
                }
            }
            Err(_) => {
                if let Ok(Some(node)) = zk.get(zkdata::CONTROLLER, true) {
                    self.metadata.controller_id = zkdata::controller_id_of(&node.data);
                }
            }
        }
    }

    fn resign(&mut self, ctx: &mut Ctx) {
        if let Some(c) = self.controller.take() {
            ctx.sched.emit(Event::ControllerResigned {
                broker: self.id,
                epoch: c.epoch,
            });
        }
    }

    pub fn handle_timer(&mut self, ctx: &mut Ctx, chroot: &str, timer: Timer) {
        match timer {
            Timer::ZkPing => {
                match self.zk_session {
                    Some(session_id) => {
                        ctx.sched.send(self.node(), NodeId::ZooKeeper, Message::ZkPing { session_id });
                        if !self.registered {
                            if let Err(owner) = self.register(ctx) {
                                if self.starting_up {
                                    self.fail_start(ctx, session_id, owner);
                                }
                            }
                        }
                    }
                    None => self.connect_zookeeper(ctx, chroot),
                }
                if !self.running {
                    return;
                }
                ctx.sched.set_timer(ctx.config.zookeeper_session_timeout_ms / 3, self.node(), Timer::ZkPing);
            }
            Timer::IsrExpiration => {
                self.isr_check_scheduled = false;
                self.maybe_shrink_isr(ctx);
                self.schedule_isr_check(ctx);
            }
            Timer::DelayedProduceExpired { id } => {
                if let Some(mut d) = self.delayed_produces.remove(&id) {
                    for (i, _) in d.waiting.drain(..) {
                        d.results[i].error = Some(ErrorCode::RequestTimedOut);
                    }
                    self.finish_write(ctx, d);
                }
            }
            Timer::GroupJoinDeadline { group_id } => {
                let append = self.coordinator.join_deadline(&mut Self::group_ctx(self.id, ctx), &group_id);
                self.append_for_coordinator(ctx, append);
            }
            Timer::MemberSessionExpired { group_id, member_id } => {
                let append = self.coordinator.session_expired(&mut Self::group_ctx(self.id, ctx), &group_id, &member_id);
                self.append_for_coordinator(ctx, append);
            }
            Timer::DelayedFetchExpired { id } => {
                if let Some(d) = self.delayed_fetches.remove(&id) {
                    self.respond_fetch(ctx, d.from, d.correlation_id, d.replica_id, &d.partitions);
                }
            }
            Timer::FetcherWakeup { leader } => {
                if let Some(f) = self.fetchers.get_mut(&leader) {
                    f.in_flight = None;
                    f.backoff = None;
                }
                self.drive_fetcher(ctx, leader);
            }
            Timer::ControlledShutdownTimeout { correlation_id } => {
                // `controller.socket.timeout.ms`: the IOException path of the loop.
                self.controlled_shutdown_answered(ctx, correlation_id, Err("request_timed_out"));
            }
            Timer::ControlledShutdownRetry => {
                if let Some(cs) = self.controlled_shutdown.as_mut() {
                    cs.timer = None;
                    if cs.attempt < ctx.config.controlled_shutdown_max_retries {
                        self.controlled_shutdown_attempt(ctx);
                    } else {
                        // "Proceeding to do an unclean shutdown as all the controlled shutdown attempts failed".
                        self.finish_shutdown(ctx, false);
                    }
                }
            }
            Timer::LeaderImbalanceCheck => {
                if let (Some(mut c), Some(s)) = (self.controller.take(), self.zk_session) {
                    let ok = c.on_imbalance_check(self.id, s, ctx).is_ok();
                    self.controller = Some(c);
                    if !ok {
                        ctx.sched.set_timer(
                            ctx.config.leader_imbalance_check_interval_seconds * 1000,
                            self.node(),
                            Timer::LeaderImbalanceCheck,
                        );
                    }
                }
            }
            _ => {}
        }
    }

    /// Runs a controller handler, resigning if ZooKeeper says the session is gone.
    fn with_controller(&mut self, ctx: &mut Ctx, f: impl FnOnce(&mut Controller, BrokerId, u64, &mut Ctx) -> Result<(), ZkError>) {
        let (Some(mut c), Some(s)) = (self.controller.take(), self.zk_session) else {
            return;
        };
        match f(&mut c, self.id, s, ctx) {
            Err(ZkError::SessionExpired) => {
                self.controller = Some(c);
                self.resign(ctx);
            }
            _ => self.controller = Some(c),
        }
    }

    pub fn handle(&mut self, ctx: &mut Ctx, chroot: &str, from: NodeId, msg: Message) {
        match msg {
            Message::ZkPingResponse { session_id, expired } if expired && self.zk_session == Some(session_id) => {
                // The session died while we were away: a new one, a new registration, a new race.
                self.zk_session = None;
                self.registered = false;
                self.resign(ctx);
                self.connect_zookeeper(ctx, chroot);
            }
            Message::ZkWatchEvent { path, .. } => match path.as_str() {
                zkdata::CONTROLLER if self.controller.is_none() => self.elect_controller(ctx),
                zkdata::BROKER_IDS => self.with_controller(ctx, |c, me, s, ctx| c.on_broker_change(me, s, ctx)),
                zkdata::TOPICS => self.with_controller(ctx, |c, me, s, ctx| c.on_topic_change(me, s, ctx)),
                _ => {}
            },
            Message::MetadataRequest { correlation_id, topics } => self.handle_metadata(ctx, from, correlation_id, topics),
            Message::ProduceRequest {
                correlation_id,
                acks,
                timeout_ms,
                batches,
            } => self.handle_produce(ctx, from, correlation_id, acks, timeout_ms, batches),
            Message::FetchRequest {
                correlation_id,
                replica_id,
                partitions,
                max_wait_ms,
            } => self.handle_fetch(ctx, from, correlation_id, replica_id, partitions, max_wait_ms),
            Message::FetchResponse { correlation_id, partitions } => {
                if let NodeId::Broker(BrokerNode { id: leader, .. }) = from {
                    self.handle_fetch_response(ctx, leader, correlation_id, partitions);
                }
            }
            Message::OffsetsForLeaderEpochRequest { correlation_id, partitions } => {
                let answers = partitions
                    .into_iter()
                    .map(|(tp, epoch)| {
                        let r = match self.partitions.get(&tp) {
                            Some(p) if p.role == Role::Leader => Ok(p.log.end_offset_for(epoch)),
                            _ => Err(ErrorCode::NotLeaderOrFollower),
                        };
                        (tp, r)
                    })
                    .collect();
                ctx.sched.send(
                    self.node(),
                    from,
                    Message::OffsetsForLeaderEpochResponse {
                        correlation_id,
                        partitions: answers,
                    },
                );
            }
            Message::OffsetsForLeaderEpochResponse { correlation_id, partitions } => {
                if let NodeId::Broker(BrokerNode { id: leader, .. }) = from {
                    self.handle_epoch_response(ctx, leader, correlation_id, partitions);
                }
            }
            Message::LeaderAndIsrRequest {
                controller_id,
                controller_epoch,
                partitions,
            } => self.handle_leader_and_isr(ctx, controller_id, controller_epoch, partitions),
            Message::UpdateMetadataRequest {
                controller_id,
                controller_epoch,
                live_brokers,
                partitions,
            } => {
                // `ReplicaManager.maybeUpdateMetadataCache`: an older controller's is refused.
                if controller_epoch >= self.metadata.controller_epoch {
                    self.metadata.controller_id = Some(controller_id);
                    self.metadata.controller_epoch = controller_epoch;
                    self.metadata.live_brokers = live_brokers;
                    for p in partitions {
                        self.metadata.partitions.insert(p.tp.clone(), p);
                    }
                } else {
                    self.refuse_stale_controller(ctx, controller_id, "UpdateMetadata", controller_epoch);
                }
            }
            Message::AlterPartitionRequest {
                broker_id,
                tp,
                leader_epoch,
                partition_epoch,
                new_isr,
            } => {
                let result = match (self.controller.take(), self.zk_session) {
                    (Some(mut c), Some(s)) => {
                        let r = c.on_alter_partition(self.id, s, ctx, broker_id, &tp, leader_epoch, partition_epoch, new_isr);
                        self.controller = Some(c);
                        r
                    }
                    _ => Err(ErrorCode::NotController),
                };
                ctx.sched.send(self.node(), from, Message::AlterPartitionResponse { tp, result });
            }
            Message::AlterPartitionResponse { tp, result } => self.handle_alter_partition_response(ctx, tp, result),
            Message::ControlledShutdownRequest {
                correlation_id,
                broker_id,
                broker_epoch,
            } => {
                // Not the controller: "Controller moved to another broker. Aborting controlled shutdown".
                let result = self.as_controller(ctx, |c, me, s, ctx| c.on_controlled_shutdown(me, s, ctx, broker_id, broker_epoch));
                ctx.sched
                    .send(self.node(), from, Message::ControlledShutdownResponse { correlation_id, result });
            }
            Message::ControlledShutdownResponse { correlation_id, result } => {
                let result = result.map_err(|e| match e {
                    ErrorCode::NotController => "not_controller",
                    ErrorCode::StaleBrokerEpoch => "stale_broker_epoch",
                    ErrorCode::BrokerNotAvailable => "broker_not_available",
                    _ => "unknown_server_error",
                });
                self.controlled_shutdown_answered(ctx, correlation_id, result);
            }
            Message::StopReplicaRequest {
                controller_id,
                controller_epoch,
                partitions,
            } => self.handle_stop_replica(ctx, controller_id, controller_epoch, partitions),
            Message::ControllerRequestResponse { api, error, .. } => {
                // `KafkaController`: an active controller logs the error of a LeaderAndIsr or
                // UpdateMetadata response ("Received error in … response") and does nothing
                // more; a StopReplica's top-level error goes unread. It learns it was deposed
                // only from ZooKeeper.
                if let (Some(_), NodeId::Broker(broker), true) = (&self.controller, &from, api != "StopReplica") {
                    ctx.sched.emit(Event::ControllerRequestFailed {
                        controller: self.id,
                        broker: broker.id,
                        api,
                        error,
                    });
                }
            }
            Message::InitProducerIdRequest { correlation_id } => {
                let result = self.generate_producer_id(ctx);
                ctx.sched.send(self.node(), from, Message::InitProducerIdResponse { correlation_id, result });
            }
            Message::AllocateProducerIdsRequest {
                correlation_id,
                broker_id,
                broker_epoch,
            } => {
                let result = self.as_controller(ctx, |c, me, s, ctx| c.on_allocate_producer_ids(me, s, ctx, broker_id, broker_epoch));
                if let Ok((first, len)) = result {
                    ctx.sched.emit(Event::ProducerIdsAllocated {
                        controller: self.id,
                        broker: broker_id,
                        first,
                        last: first + len - 1,
                    });
                }
                ctx.sched
                    .send(self.node(), from, Message::AllocateProducerIdsResponse { correlation_id, result });
            }
            Message::AllocateProducerIdsResponse { correlation_id, result } if self.producer_ids.asking.is_some_and(|(id, _)| id == correlation_id) => {
                self.producer_ids.asking = None;
                if let Ok((first, len)) = result {
                    self.producer_ids.next = first;
                    self.producer_ids.end = first + len;
                }
            }
            Message::Disconnected { correlation_id } if self.producer_ids.asking.is_some_and(|(id, _)| id == correlation_id) => {
                self.producer_ids.asking = None;
            }
            Message::Disconnected { correlation_id } if self.controlled_shutdown.as_ref().is_some_and(|cs| cs.in_flight == Some(correlation_id)) => {
                self.controlled_shutdown_answered(ctx, correlation_id, Err("network_exception"));
            }
            Message::Disconnected { correlation_id } => {
                if let NodeId::Broker(BrokerNode { id: leader, .. }) = from {
                    if self.accept_fetcher_response(ctx, leader, correlation_id).is_some() {
                        self.back_off(ctx, leader);
                    }
                }
            }
            Message::FindCoordinatorRequest { correlation_id, group_id } => {
                let result = self.find_coordinator(ctx, &group_id);
                ctx.sched.send(self.node(), from, Message::FindCoordinatorResponse { correlation_id, result });
            }
            Message::ListOffsetsRequest { correlation_id, partitions } => {
                let results = partitions
                    .into_iter()
                    .map(|(tp, earliest)| {
                        let r = match self.partitions.get(&tp) {
                            Some(p) if p.role == Role::Leader => Ok(if earliest { 0 } else { p.high_watermark }),
                            _ => Err(ErrorCode::NotLeaderOrFollower),
                        };
                        (tp, r)
                    })
                    .collect();
                ctx.sched.send(self.node(), from, Message::ListOffsetsResponse { correlation_id, results });
            }
            msg @ (Message::JoinGroupRequest { .. }
            | Message::SyncGroupRequest { .. }
            | Message::HeartbeatRequest { .. }
            | Message::LeaveGroupRequest { .. }
            | Message::OffsetCommitRequest { .. }
            | Message::OffsetFetchRequest { .. }) => self.handle_group_request(ctx, from, msg),
            _ => {}
        }
    }

    fn handle_metadata(&mut self, ctx: &mut Ctx, from: NodeId, correlation_id: u64, topics: Vec<Name>) {
        let mut partitions = Vec::new();
        let mut errors = Vec::new();
        for topic in topics {
            let found: Vec<PartitionMetadata> = self
                .metadata
                .partitions
                .range(TopicPartition::new(&topic, 0)..)
                .take_while(|(tp, _)| tp.topic == topic)
                .map(|(_, p)| p.clone())
                .collect();
            if !found.is_empty() {
                partitions.extend(found);
                continue;
            }
            // auto.create.topics.enable: the broker creates a missing topic with the defaults.
            let error = if ctx.config.auto_create_topics_enable && crate::admin::validate_topic_name(&topic).is_ok() && self.auto_create(ctx, &topic) {
                ErrorCode::LeaderNotAvailable
            } else {
                ErrorCode::UnknownTopicOrPartition
            };
            errors.push((topic, error));
        }
        let brokers = self.metadata.live_brokers.clone();
        ctx.sched.send(
            self.node(),
            from,
            Message::MetadataResponse {
                correlation_id,
                brokers,
                partitions,
                errors,
            },
        );
    }

    fn auto_create(&mut self, ctx: &mut Ctx, topic: &str) -> bool {
        let Some(session) = self.zk_session else { return false };
        let live = self.metadata.live_brokers.clone();
        let (start, shift) = (
            ctx.sched.rng.rand_range(0..live.len().max(1) as u64) as usize,
            ctx.sched.rng.rand_range(0..live.len().max(1) as u64) as usize,
        );
        let Ok(assignment) = crate::admin::assign_replicas(&live, ctx.config.num_partitions, ctx.config.default_replication_factor, start, shift) else {
            return false;
        };
        let mut zk = ctx.zk_client(self.id, session);
        matches!(
            zk.create(&zkdata::topic_path(topic), zkdata::topic_json(&assignment), false),
            Ok(()) | Err(ZkError::NodeExists)
        )
    }

    /// `RPCProducerIdManager.generateProducerId`: the next id of the block, epoch 0; without one,
    /// COORDINATOR_LOAD_IN_PROGRESS (the producer retries) while the controller is asked for a
    /// block. A request unanswered for `controller.socket.timeout.ms` is asked again.
    fn generate_producer_id(&mut self, ctx: &mut Ctx) -> Result<(u64, u16), ErrorCode> {
        let block = &mut self.producer_ids;
        if block.next < block.end {
            block.next += 1;
            return Ok((block.next - 1, 0));
        }
        let now = ctx.sched.now_ms;
        let waiting = block.asking.is_some_and(|(_, at)| now < at + ctx.config.controller_socket_timeout_ms);
        if let (false, Some(controller)) = (waiting, self.metadata.controller_id) {
            let correlation_id = self.next_id();
            self.producer_ids.asking = Some((correlation_id, now));
            ctx.sched.send(
                self.node(),
                self.cluster.broker(controller),
                Message::AllocateProducerIdsRequest {
                    correlation_id,
                    broker_id: self.id,
                    broker_epoch: self.broker_epoch,
                },
            );
        }
        Err(ErrorCode::CoordinatorLoadInProgress)
    }

    /// `ReplicaManager.appendRecords` and `Partition.appendRecordsToLeader`.
    fn handle_produce(&mut self, ctx: &mut Ctx, from: NodeId, correlation_id: u64, acks: Acks, timeout_ms: u64, batches: Vec<ProduceBatch>) {
        let mut results = Vec::with_capacity(batches.len());
        let mut waiting = Vec::new();
        let mut appended = Vec::new();
        for ProduceBatch { tp, producer, records } in batches {
            let known = self.metadata.partitions.contains_key(&tp) || self.partitions.contains_key(&tp);
            let Some(p) = self.partitions.get_mut(&tp).filter(|p| p.role == Role::Leader) else {
                let error = if known {
                    ErrorCode::NotLeaderOrFollower
                } else {
                    ErrorCode::UnknownTopicOrPartition
                };
                results.push(ProduceResult {
                    tp,
                    error: Some(error),
                    base_offset: 0,
                });
                continue;
            };
            if acks == Acks::All && p.isr.len() < effective_min_isr(ctx.config, p) {
                results.push(ProduceResult {
                    tp,
                    error: Some(ErrorCode::NotEnoughReplicas),
                    base_offset: 0,
                });
                continue;
            }
            // `UnifiedLog.analyzeAndValidateProducerState`: a retried batch already in the log is
            // answered with where it landed; a sequence gap or an old epoch is refused.
            match producer.map_or(AppendCheck::Append, |h| p.log.producer_state.check(&h)) {
                AppendCheck::Append => {}
                AppendCheck::Duplicate(b) => {
                    let h = producer.expect("only a stamped batch is a duplicate");
                    ctx.sched.emit(Event::DuplicateBatchDropped {
                        broker: self.id,
                        tp: tp.clone(),
                        producer_id: h.producer_id,
                        producer_epoch: h.producer_epoch,
                        base_sequence: h.base_sequence,
                        last_sequence: h.last_sequence,
                        base_offset: b.first_offset,
                    });
                    if acks == Acks::All {
                        waiting.push((results.len(), b.last_offset + 1));
                    }
                    results.push(ProduceResult {
                        tp,
                        error: None,
                        base_offset: b.first_offset,
                    });
                    continue;
                }
                AppendCheck::Refuse(error) => {
                    results.push(ProduceResult {
                        tp,
                        error: Some(error),
                        base_offset: 0,
                    });
                    continue;
                }
            }
            let base = append_to_leader(ctx.sched, self.id, p, records, producer);
            if acks == Acks::All {
                waiting.push((results.len(), p.log_end_offset()));
            }
            appended.push(tp.clone());
            results.push(ProduceResult {
                tp,
                error: None,
                base_offset: base,
            });
        }
        for tp in &appended {
            self.maybe_increment_hw(ctx, tp);
            self.complete_delayed_fetches(ctx, tp);
        }
        if acks == Acks::None {
            return;
        }
        self.wait_for_high_watermark(
            ctx,
            DelayedProduce {
                reply: Reply::Produce { to: from, correlation_id },
                results,
                waiting,
                timer: TimerKey { at_ms: 0, seq: 0 },
            },
            timeout_ms,
        );
    }

    /// Answers at once if the high watermark already passed every write, else parks the answer.
    fn wait_for_high_watermark(&mut self, ctx: &mut Ctx, mut d: DelayedProduce, timeout_ms: u64) {
        if self.try_complete_produce(ctx.config, &mut d) {
            self.finish_write(ctx, d);
        } else {
            let id = self.next_id();
            d.timer = ctx.sched.set_timer(timeout_ms, self.node(), Timer::DelayedProduceExpired { id });
            self.delayed_produces.insert(id, d);
        }
    }

    fn finish_write(&mut self, ctx: &mut Ctx, d: DelayedProduce) {
        match d.reply {
            Reply::Produce { to, correlation_id } => ctx.sched.send(
                self.node(),
                to,
                Message::ProduceResponse {
                    correlation_id,
                    results: d.results,
                },
            ),
            Reply::Coordinator(then) => {
                // `GroupMetadataManager` maps write errors to coordinator errors the client understands.
                let error = d.results.iter().find_map(|r| r.error).map(|e| match e {
                    ErrorCode::NotLeaderOrFollower => ErrorCode::NotCoordinator,
                    _ => ErrorCode::CoordinatorNotAvailable,
                });
                self.after_coordinator_write(ctx, then, error);
            }
        }
    }

    fn after_coordinator_write(&mut self, ctx: &mut Ctx, then: AfterAppend, error: Option<ErrorCode>) {
        match then {
            AfterAppend::OffsetCommit {
                to,
                correlation_id,
                group_id,
                offsets,
            } => {
                if error.is_none() {
                    self.coordinator.offsets_committed(&group_id, &offsets);
                }
                let results = offsets.into_iter().map(|(tp, _)| (tp, error)).collect();
                ctx.sched.send(self.node(), to, Message::OffsetCommitResponse { correlation_id, results });
            }
            AfterAppend::GroupStored { group_id, generation } => {
                self.coordinator.group_stored(&mut Self::group_ctx(self.id, ctx), &group_id, generation, error)
            }
        }
    }

    fn group_ctx<'a>(me: BrokerId, ctx: &'a mut Ctx) -> GroupCtx<'a> {
        GroupCtx {
            node: ctx.cluster.broker(me),
            sched: ctx.sched,
            me,
            num_partitions: ctx.config.offsets_topic_num_partitions,
            initial_rebalance_delay_ms: ctx.config.group_initial_rebalance_delay_ms,
        }
    }

    /// The coordinator's write to its `__consumer_offsets` partition, replicated like any other.
    fn append_for_coordinator(&mut self, ctx: &mut Ctx, append: Option<Append>) {
        let Some(append) = append else { return };
        let tp = TopicPartition::new(&OFFSETS_TOPIC.into(), append.partition);
        let Some(p) = self.partitions.get_mut(&tp).filter(|p| p.role == Role::Leader) else {
            self.after_coordinator_write(ctx, append.then, Some(ErrorCode::NotCoordinator));
            return;
        };
        if p.isr.len() < effective_min_isr(ctx.config, p) {
            self.after_coordinator_write(ctx, append.then, Some(ErrorCode::CoordinatorNotAvailable));
            return;
        }
        let now = ctx.sched.now_ms;
        let records = append
            .records
            .iter()
            .map(|r| {
                let (key, value) = records::encode(r);
                ProducerRecord {
                    key: Some(key.into()),
                    value: value.map(Into::into),
                    headers: Vec::new(),
                    timestamp_ms: now,
                }
            })
            .collect();
        let base = append_to_leader(ctx.sched, self.id, p, records, None);
        let required = p.log_end_offset();
        self.maybe_increment_hw(ctx, &tp);
        self.complete_delayed_fetches(ctx, &tp);
        let results = vec![ProduceResult {
            tp,
            error: None,
            base_offset: base,
        }];
        // `offsets.commit.timeout.ms`.
        self.wait_for_high_watermark(
            ctx,
            DelayedProduce {
                reply: Reply::Coordinator(append.then),
                results,
                waiting: vec![(0, required)],
                timer: TimerKey { at_ms: 0, seq: 0 },
            },
            5_000,
        );
    }

    /// `KafkaApis.handleFindCoordinatorRequest`: the leader of the group's `__consumer_offsets`
    /// partition; the internal topic is created on first use.
    fn find_coordinator(&mut self, ctx: &mut Ctx, group_id: &str) -> Result<BrokerId, ErrorCode> {
        let n = ctx.config.offsets_topic_num_partitions;
        let tp = TopicPartition::new(&OFFSETS_TOPIC.into(), records::partition_for_group(group_id, n));
        match self.metadata.partitions.get(&tp) {
            Some(pm) => pm.state.leader.ok_or(ErrorCode::CoordinatorNotAvailable),
            None => {
                self.create_internal_topic(ctx);
                Err(ErrorCode::CoordinatorNotAvailable)
            }
        }
    }

    fn create_internal_topic(&mut self, ctx: &mut Ctx) {
        let Some(session) = self.zk_session else { return };
        let live = self.metadata.live_brokers.clone();
        let n = live.len().max(1) as u64;
        let (start, shift) = (ctx.sched.rng.rand_range(0..n) as usize, ctx.sched.rng.rand_range(0..n) as usize);
        // Kafka refuses to create it with fewer live brokers than `offsets.topic.replication.factor`.
        let Ok(assignment) = crate::admin::assign_replicas(
            &live,
            ctx.config.offsets_topic_num_partitions,
            ctx.config.offsets_topic_replication_factor,
            start,
            shift,
        ) else {
            return;
        };
        let mut zk = ctx.zk_client(self.id, session);
        let _ = zk.create(&zkdata::topic_path(OFFSETS_TOPIC), zkdata::topic_json(&assignment), false);
    }

    fn handle_group_request(&mut self, ctx: &mut Ctx, from: NodeId, msg: Message) {
        let group_id = match &msg {
            Message::JoinGroupRequest { group_id, .. }
            | Message::SyncGroupRequest { group_id, .. }
            | Message::HeartbeatRequest { group_id, .. }
            | Message::LeaveGroupRequest { group_id, .. }
            | Message::OffsetCommitRequest { group_id, .. }
            | Message::OffsetFetchRequest { group_id, .. } => group_id.clone(),
            _ => return,
        };
        if !self.coordinator.owns(&group_id, ctx.config.offsets_topic_num_partitions) {
            let e = ErrorCode::NotCoordinator;
            let reply = match msg {
                Message::JoinGroupRequest { correlation_id, member_id, .. } => Message::JoinGroupResponse {
                    correlation_id,
                    result: Err((e, member_id)),
                },
                Message::SyncGroupRequest { correlation_id, .. } => Message::SyncGroupResponse {
                    correlation_id,
                    result: Err(e),
                },
                Message::HeartbeatRequest { correlation_id, .. } => Message::HeartbeatResponse {
                    correlation_id,
                    error: Some(e),
                },
                Message::LeaveGroupRequest { correlation_id, .. } => Message::LeaveGroupResponse { correlation_id },
                Message::OffsetCommitRequest { correlation_id, offsets, .. } => Message::OffsetCommitResponse {
                    correlation_id,
                    results: offsets.into_iter().map(|(tp, _)| (tp, Some(e))).collect(),
                },
                Message::OffsetFetchRequest { correlation_id, .. } => Message::OffsetFetchResponse {
                    correlation_id,
                    result: Err(e),
                },
                _ => return,
            };
            ctx.sched.send(self.node(), from, reply);
            return;
        }
        let mut gctx = Self::group_ctx(self.id, ctx);
        let append = match msg {
            Message::JoinGroupRequest {
                correlation_id,
                group_id,
                member_id,
                session_timeout_ms,
                rebalance_timeout_ms,
                protocols,
            } => self.coordinator.join(
                &mut gctx,
                from,
                correlation_id,
                &group_id,
                &member_id,
                session_timeout_ms,
                rebalance_timeout_ms,
                protocols,
            ),
            Message::SyncGroupRequest {
                correlation_id,
                group_id,
                generation,
                member_id,
                assignments,
            } => self
                .coordinator
                .sync(&mut gctx, from, correlation_id, &group_id, generation, &member_id, assignments),
            Message::HeartbeatRequest {
                correlation_id,
                group_id,
                generation,
                member_id,
            } => {
                self.coordinator.heartbeat(&mut gctx, from, correlation_id, &group_id, generation, &member_id);
                None
            }
            Message::LeaveGroupRequest {
                correlation_id,
                group_id,
                member_id,
            } => {
                gctx.sched.send(self.node(), from, Message::LeaveGroupResponse { correlation_id });
                self.coordinator.remove_member(&mut gctx, &group_id, &member_id, "left the group")
            }
            Message::OffsetCommitRequest {
                correlation_id,
                group_id,
                generation,
                member_id,
                offsets,
            } => self
                .coordinator
                .commit(&mut gctx, from, correlation_id, &group_id, generation, &member_id, offsets),
            Message::OffsetFetchRequest {
                correlation_id,
                group_id,
                partitions,
            } => {
                let result = Ok(self.coordinator.fetch_offsets(&group_id, &partitions));
                gctx.sched.send(self.node(), from, Message::OffsetFetchResponse { correlation_id, result });
                None
            }
            _ => None,
        };
        self.append_for_coordinator(ctx, append);
    }

    /// `Partition.checkEnoughReplicasReachOffset` for every partition the request waits on.
    fn try_complete_produce(&self, config: &BrokerConfig, d: &mut DelayedProduce) -> bool {
        let results = &mut d.results;
        d.waiting.retain(|(i, required)| {
            let tp = &results[*i].tp;
            match self.partitions.get(tp).filter(|p| p.role == Role::Leader) {
                None => {
                    results[*i].error = Some(ErrorCode::NotLeaderOrFollower);
                    false
                }
                Some(p) if p.high_watermark >= *required => {
                    if p.maximal_isr().len() < effective_min_isr(config, p) {
                        results[*i].error = Some(ErrorCode::NotEnoughReplicasAfterAppend);
                    }
                    false
                }
                Some(_) => true,
            }
        });
        d.waiting.is_empty()
    }

    fn complete_delayed_produces(&mut self, ctx: &mut Ctx) {
        let ids: Vec<u64> = self.delayed_produces.keys().copied().collect();
        for id in ids {
            let mut d = self.delayed_produces.remove(&id).expect("listed above");
            if self.try_complete_produce(ctx.config, &mut d) {
                ctx.sched.cancel(d.timer);
                self.finish_write(ctx, d);
            } else {
                self.delayed_produces.insert(id, d);
            }
        }
    }

    fn maybe_increment_hw(&mut self, ctx: &mut Ctx, tp: &TopicPartition) {
        let Some(p) = self.partitions.get_mut(tp) else { return };
        if p.role != Role::Leader {
            return;
        }
        let min_isr = effective_min_isr(ctx.config, p);
        if let Some(old) = p.maybe_increment_high_watermark(min_isr, ctx.sched.now_ms, ctx.config.replica_lag_time_max_ms) {
            let new = p.high_watermark;
            ctx.sched.emit(Event::HighWatermarkAdvanced {
                broker: self.id,
                tp: tp.clone(),
                old,
                new,
            });
            self.complete_delayed_produces(ctx);
            self.complete_delayed_fetches(ctx, tp);
        }
    }

    /// `ReplicaManager.fetchMessages`: followers read up to the log end, consumers up to the high watermark.
    fn handle_fetch(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation_id: u64,
        replica_id: Option<BrokerId>,
        partitions: Vec<FetchPartition>,
        max_wait_ms: u64,
    ) {
        let mut has_data = false;
        for fp in &partitions {
            let Some(p) = self.partitions.get_mut(&fp.tp) else {
                has_data = true;
                continue;
            };
            // Followers name the leader epoch they follow; consumers here do not (KIP-320 is optional).
            if p.role != Role::Leader || (replica_id.is_some() && fp.current_leader_epoch != p.leader_epoch) {
                has_data = true;
                continue;
            }
            if let Some(r) = replica_id {
                p.update_follower(r, fp.fetch_offset, ctx.sched.now_ms);
            }
            let limit = if replica_id.is_some() { p.log_end_offset() } else { p.high_watermark };
            if fp.fetch_offset < limit || fp.fetch_offset > p.log_end_offset() {
                has_data = true;
            }
        }
        if let Some(r) = replica_id {
            for fp in &partitions {
                self.maybe_expand_isr(ctx, &fp.tp, r);
                self.maybe_increment_hw(ctx, &fp.tp);
            }
        }
        if has_data || max_wait_ms == 0 {
            self.respond_fetch(ctx, from, correlation_id, replica_id, &partitions);
        } else {
            let id = self.next_id();
            let timer = ctx.sched.set_timer(max_wait_ms, self.node(), Timer::DelayedFetchExpired { id });
            self.delayed_fetches.insert(
                id,
                DelayedFetch {
                    from,
                    correlation_id,
                    replica_id,
                    partitions,
                    timer,
                },
            );
        }
    }

    fn respond_fetch(&self, ctx: &mut Ctx, to: NodeId, correlation_id: u64, replica_id: Option<BrokerId>, partitions: &[FetchPartition]) {
        let fetched = partitions
            .iter()
            .map(|fp| {
                let mut out = FetchedPartition {
                    tp: fp.tp.clone(),
                    error: None,
                    high_watermark: 0,
                    records: Vec::new(),
                };
                match self.partitions.get(&fp.tp) {
                    Some(p) if p.role == Role::Leader => {
                        out.high_watermark = p.high_watermark;
                        if replica_id.is_some() && fp.current_leader_epoch < p.leader_epoch {
                            out.error = Some(ErrorCode::FencedLeaderEpoch);
                        } else if replica_id.is_some() && fp.current_leader_epoch > p.leader_epoch {
                            out.error = Some(ErrorCode::NotLeaderOrFollower);
                        } else if fp.fetch_offset > p.log_end_offset() {
                            out.error = Some(ErrorCode::OffsetOutOfRange);
                        } else {
                            let mut recs = p.log.read(fp.fetch_offset, ctx.config.replica_fetch_max_bytes);
                            if replica_id.is_none() {
                                recs.retain(|r| r.offset < p.high_watermark);
                            }
                            out.records = recs;
                        }
                    }
                    Some(_) => out.error = Some(ErrorCode::NotLeaderOrFollower),
                    None => out.error = Some(ErrorCode::UnknownTopicOrPartition),
                }
                out
            })
            .collect();
        ctx.sched.send(
            self.node(),
            to,
            Message::FetchResponse {
                correlation_id,
                partitions: fetched,
            },
        );
    }

    fn complete_delayed_fetches(&mut self, ctx: &mut Ctx, tp: &TopicPartition) {
        let ids: Vec<u64> = self
            .delayed_fetches
            .iter()
            .filter(|(_, d)| d.partitions.iter().any(|p| &p.tp == tp))
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            let d = self.delayed_fetches.remove(&id).expect("listed above");
            let ready = d.partitions.iter().any(|fp| {
                self.partitions.get(&fp.tp).is_some_and(|p| {
                    let limit = if d.replica_id.is_some() { p.log_end_offset() } else { p.high_watermark };
                    p.role != Role::Leader || fp.fetch_offset < limit
                })
            });
            if ready {
                ctx.sched.cancel(d.timer);
                self.respond_fetch(ctx, d.from, d.correlation_id, d.replica_id, &d.partitions);
            } else {
                self.delayed_fetches.insert(id, d);
            }
        }
    }

    /// `Partition.maybeExpandIsr`: a follower that caught up asks to rejoin, through the controller.
    fn maybe_expand_isr(&mut self, ctx: &mut Ctx, tp: &TopicPartition, follower: BrokerId) {
        let Some(p) = self.partitions.get_mut(tp) else { return };
        if p.role != Role::Leader || p.pending_isr.is_some() || !p.may_rejoin_isr(follower) {
            return;
        }
        let mut new_isr = p.isr.clone();
        new_isr.push(follower);
        new_isr.sort_unstable_by_key(|b| p.replicas.iter().position(|r| r == b));
        ctx.sched.emit(Event::IsrExpandProposed {
            broker: self.id,
            tp: tp.clone(),
            caught_up: follower,
        });
        self.propose_isr(ctx, tp, new_isr);
    }

    /// `Partition.maybeShrinkIsr`, every `replica.lag.time.max.ms / 2`. An AlterPartition
    /// still unanswered by then is sent again, to whoever is controller now (`AlterPartitionManager` retries).
    fn maybe_shrink_isr(&mut self, ctx: &mut Ctx) {
        let lag = ctx.config.replica_lag_time_max_ms;
        let now = ctx.sched.now_ms;
        let unanswered: Vec<(TopicPartition, Vec<BrokerId>)> = self
            .partitions
            .values()
            .filter(|p| p.role == Role::Leader)
            .filter_map(|p| Some((p.tp.clone(), p.pending_isr.clone()?)))
            .collect();
        for (tp, isr) in unanswered {
            self.propose_isr(ctx, &tp, isr);
        }
        let shrinks: Vec<(TopicPartition, Vec<BrokerId>, Vec<BrokerId>)> = self
            .partitions
            .values()
            .filter(|p| p.role == Role::Leader && p.pending_isr.is_none())
            .filter_map(|p| {
                let out = p.out_of_sync_replicas(now, lag);
                (!out.is_empty()).then(|| (p.tp.clone(), out.clone(), p.isr.iter().filter(|b| !out.contains(b)).copied().collect()))
            })
            .collect();
        for (tp, out, new_isr) in shrinks {
            ctx.sched.emit(Event::IsrShrinkProposed {
                broker: self.id,
                tp: tp.clone(),
                out_of_sync: out,
            });
            self.propose_isr(ctx, &tp, new_isr);
        }
    }

    fn propose_isr(&mut self, ctx: &mut Ctx, tp: &TopicPartition, new_isr: Vec<BrokerId>) {
        let Some(controller) = self.metadata.controller_id else { return };
        let Some(p) = self.partitions.get_mut(tp) else { return };
        p.pending_isr = Some(new_isr.clone());
        let msg = Message::AlterPartitionRequest {
            broker_id: self.id,
            tp: tp.clone(),
            leader_epoch: p.leader_epoch,
            partition_epoch: p.partition_epoch,
            new_isr,
        };
        ctx.sched.send(self.node(), self.cluster.broker(controller), msg);
    }

    /// A request only the active controller answers: NOT_CONTROLLER from any other broker, and
    /// from a controller whose ZooKeeper write failed; an expired session also makes it resign.
    fn as_controller<T>(
        &mut self,
        ctx: &mut Ctx,
        answer: impl FnOnce(&mut Controller, BrokerId, u64, &mut Ctx) -> Result<Result<T, ErrorCode>, ZkError>,
    ) -> Result<T, ErrorCode> {
        let (Some(mut c), Some(s)) = (self.controller.take(), self.zk_session) else {
            return Err(ErrorCode::NotController);
        };
        let r = answer(&mut c, self.id, s, ctx);
        self.controller = Some(c);
        r.unwrap_or_else(|e| {
            if e == ZkError::SessionExpired {
                self.resign(ctx);
            }
            Err(ErrorCode::NotController)
        })
    }

    fn handle_alter_partition_response(&mut self, ctx: &mut Ctx, tp: TopicPartition, result: Result<LeaderAndIsr, ErrorCode>) {
        let Some(p) = self.partitions.get_mut(&tp) else { return };
        if p.pending_isr.is_none() {
            return;
        }
        p.pending_isr = None;
        match result {
            Ok(state) if p.role == Role::Leader && state.leader_epoch == p.leader_epoch => {
                p.isr = state.isr;
                p.partition_epoch = state.partition_epoch;
                self.maybe_increment_hw(ctx, &tp);
                self.complete_delayed_produces(ctx);
            }
            Ok(_) => {}
            Err(error) => ctx.sched.emit(Event::AlterPartitionRefused { broker: self.id, tp, error }),
        }
    }

    fn schedule_isr_check(&mut self, ctx: &mut Ctx) {
        if !self.isr_check_scheduled && self.partitions.values().any(|p| p.role == Role::Leader) {
            self.isr_check_scheduled = true;
            ctx.sched.set_timer(ctx.config.replica_lag_time_max_ms / 2, self.node(), Timer::IsrExpiration);
        }
    }

    /// A request of a controller older than the newest this broker has seen is ignored and
    /// answered STALE_CONTROLLER_EPOCH (`ReplicaManager.becomeLeaderOrFollower`,
    /// `maybeUpdateMetadataCache` and `stopReplicas`, through `KafkaApis`).
    fn refuse_stale_controller(&mut self, ctx: &mut Ctx, controller: BrokerId, api: &'static str, controller_epoch: u32) {
        ctx.sched.emit(Event::StaleControllerRequestRefused {
            broker: self.id,
            controller,
            api,
            controller_epoch,
            latest_epoch: self.metadata.controller_epoch,
        });
        ctx.sched.send(
            self.node(),
            self.cluster.broker(controller),
            Message::ControllerRequestResponse {
                api,
                controller_epoch,
                error: ErrorCode::StaleControllerEpoch,
            },
        );
    }

    /// `ReplicaManager.becomeLeaderOrFollower`.
    fn handle_leader_and_isr(&mut self, ctx: &mut Ctx, controller_id: BrokerId, controller_epoch: u32, partitions: Vec<PartitionMetadata>) {
        if controller_epoch < self.metadata.controller_epoch {
            self.refuse_stale_controller(ctx, controller_id, "LeaderAndIsr", controller_epoch);
            return;
        }
        self.metadata.controller_epoch = controller_epoch;
        self.metadata.controller_id = Some(controller_id);
        let now = ctx.sched.now_ms;
        for pm in partitions {
            if !pm.replicas.contains(&self.id) {
                continue;
            }
            let tp = pm.tp.clone();
            let p = self
                .partitions
                .entry(tp.clone())
                .or_insert_with(|| Partition::new(tp.clone(), pm.replicas.clone()));
            let newer = p.role == Role::Offline
                || pm.state.leader_epoch > p.leader_epoch
                || (pm.state.leader_epoch == p.leader_epoch && pm.state.partition_epoch > p.partition_epoch);
            if !newer {
                continue;
            }
            p.replicas = pm.replicas.clone();
            self.metadata.partitions.insert(tp.clone(), pm.clone());
            let s = pm.state;
            if s.leader == Some(self.id) {
                let was_leader = p.role == Role::Leader;
                p.make_leader(self.id, s.leader_epoch, s.isr, s.partition_epoch, now);
                if !was_leader {
                    ctx.sched.emit(Event::BecameLeader {
                        broker: self.id,
                        tp: tp.clone(),
                        leader_epoch: s.leader_epoch,
                    });
                }
                for f in self.fetchers.values_mut() {
                    f.partitions.remove(&tp);
                }
                self.maybe_increment_hw(ctx, &tp);
                if &*tp.topic == OFFSETS_TOPIC && !was_leader {
                    let log = self.partitions[&tp].log.records.clone();
                    self.coordinator.load(&mut Self::group_ctx(self.id, ctx), tp.partition, &log);
                }
            } else {
                if &*tp.topic == OFFSETS_TOPIC {
                    self.coordinator.unload(&mut Self::group_ctx(self.id, ctx), tp.partition);
                }
                p.make_follower(s.leader, s.leader_epoch, s.isr, s.partition_epoch);
                ctx.sched.emit(Event::BecameFollower {
                    broker: self.id,
                    tp: tp.clone(),
                    leader: s.leader,
                    leader_epoch: s.leader_epoch,
                });
                for (l, f) in self.fetchers.iter_mut() {
                    if Some(*l) != s.leader {
                        f.partitions.remove(&tp);
                    }
                }
                if let Some(l) = s.leader {
                    self.fetchers.entry(l).or_default().partitions.insert(tp.clone(), FetchState::Truncating);
                }
            }
        }
        self.complete_delayed_produces(ctx);
        self.fetchers.retain(|_, f| !f.partitions.is_empty() || f.in_flight.is_some());
        let leaders: Vec<BrokerId> = self.fetchers.keys().copied().collect();
        for l in leaders {
            self.drive_fetcher(ctx, l);
        }
        self.schedule_isr_check(ctx);
    }

    /// Sends the fetcher's next request, if none is in flight: truncation first, then fetch.
    fn drive_fetcher(&mut self, ctx: &mut Ctx, leader: BrokerId) {
        let (me, me_node) = (self.id, self.node());
        let Some(f) = self.fetchers.get_mut(&leader) else { return };
        if f.in_flight.is_some() || f.backoff.is_some() {
            return;
        }
        // A replica with no epoch yet has nothing that could diverge.
        for (tp, state) in f.partitions.iter_mut() {
            if *state == FetchState::Truncating && self.partitions.get(tp).is_none_or(|p| p.log.latest_epoch().is_none()) {
                *state = FetchState::Fetching;
            }
        }
        let truncating: Vec<(TopicPartition, u32)> = f
            .partitions
            .iter()
            .filter(|(_, s)| **s == FetchState::Truncating)
            .filter_map(|(tp, _)| Some((tp.clone(), self.partitions.get(tp)?.log.latest_epoch()?)))
            .collect();
        self.next_id += 1;
        let correlation_id = self.next_id;
        let msg = if !truncating.is_empty() {
            Message::OffsetsForLeaderEpochRequest {
                correlation_id,
                partitions: truncating,
            }
        } else if !f.partitions.is_empty() {
            let partitions = f
                .partitions
                .keys()
                .filter_map(|tp| {
                    let p = self.partitions.get(tp)?;
                    Some(FetchPartition {
                        tp: tp.clone(),
                        fetch_offset: p.log_end_offset(),
                        current_leader_epoch: p.leader_epoch,
                    })
                })
                .collect();
            Message::FetchRequest {
                correlation_id,
                replica_id: Some(me),
                partitions,
                max_wait_ms: ctx.config.replica_fetch_wait_max_ms,
            }
        } else {
            return;
        };
        let timer = ctx
            .sched
            .set_timer(ctx.config.replica_socket_timeout_ms, me_node, Timer::FetcherWakeup { leader });
        f.in_flight = Some((correlation_id, timer));
        ctx.sched.send(self.node(), self.cluster.broker(leader), msg);
    }

    /// Takes a response addressed to the fetcher's request in flight; `None` for a stale one.
    fn accept_fetcher_response(&mut self, ctx: &mut Ctx, leader: BrokerId, correlation_id: u64) -> Option<()> {
        let f = self.fetchers.get_mut(&leader)?;
        let (expected, timer) = f.in_flight?;
        if expected != correlation_id {
            return None;
        }
        ctx.sched.cancel(timer);
        f.in_flight = None;
        Some(())
    }

    /// KIP-279: truncate to where the leader says our last epoch ends (or, when the
    /// leader only knows an older epoch, to where that epoch ends on both sides); with no
    /// answer for the epoch, to the high watermark, as before KIP-101.
    fn handle_epoch_response(&mut self, ctx: &mut Ctx, leader: BrokerId, correlation_id: u64, answers: Vec<(TopicPartition, EpochEndOffset)>) {
        if self.accept_fetcher_response(ctx, leader, correlation_id).is_none() {
            return;
        }
        let mut failed = false;
        for (tp, answer) in answers {
            let Some(p) = self.partitions.get_mut(&tp) else { continue };
            let Ok(answer) = answer else {
                failed = true;
                continue;
            };
            // KIP-279 (`AbstractFetcherThread.getOffsetTruncationState`): when the leader answers
            // for an epoch this log does not have, truncate to where this log's largest epoch
            // below it ends and ask again; only a shared epoch ends the truncation.
            let (target, done) = match answer {
                None => (p.high_watermark, true),
                Some((epoch, end_offset)) => match p.log.end_offset_for(epoch) {
                    Some((local_epoch, local_end)) if local_epoch != epoch => (local_end.min(p.log_end_offset()), false),
                    Some((_, local_end)) => (end_offset.min(local_end), true),
                    None => (end_offset.min(p.log_end_offset()), true),
                },
            };
            let old = p.log_end_offset();
            let lost = p.log.truncate_to(target);
            if lost > 0 {
                p.high_watermark = p.high_watermark.min(target);
                ctx.sched.emit(Event::LogTruncated {
                    broker: self.id,
                    tp: tp.clone(),
                    old_log_end_offset: old,
                    new_log_end_offset: target,
                    lost,
                });
            }
            if let Some(f) = self.fetchers.get_mut(&leader) {
                if let Some(s) = f.partitions.get_mut(&tp) {
                    *s = if done { FetchState::Fetching } else { FetchState::Truncating };
                }
            }
        }
        if failed {
            self.back_off(ctx, leader);
        }
        self.drive_fetcher(ctx, leader);
    }

    fn back_off(&mut self, ctx: &mut Ctx, leader: BrokerId) {
        let me_node = self.node();
        if let Some(f) = self.fetchers.get_mut(&leader) {
            if f.backoff.is_none() {
                f.backoff = Some(
                    ctx.sched
                        .set_timer(ctx.config.replica_fetch_backoff_ms, me_node, Timer::FetcherWakeup { leader }),
                );
            }
        }
    }

    /// `ReplicaFetcherThread.processPartitionData`: append what the leader sent and
    /// learn its high watermark (never beyond our own log end).
    fn handle_fetch_response(&mut self, ctx: &mut Ctx, leader: BrokerId, correlation_id: u64, partitions: Vec<FetchedPartition>) {
        if self.accept_fetcher_response(ctx, leader, correlation_id).is_none() {
            return;
        }
        let mut failed = false;
        for fp in partitions {
            let fetching = self.fetchers.get(&leader).and_then(|f| f.partitions.get(&fp.tp)) == Some(&FetchState::Fetching);
            let Some(p) = self.partitions.get_mut(&fp.tp) else { continue };
            if !fetching || p.role != Role::Follower {
                continue;
            }
            if let Some(e) = fp.error {
                failed = true;
                if e == ErrorCode::OffsetOutOfRange {
                    if let Some(f) = self.fetchers.get_mut(&leader) {
                        f.partitions.insert(fp.tp.clone(), FetchState::Truncating);
                    }
                }
                continue;
            }
            if let Some(first) = fp.records.first() {
                if first.offset == p.log_end_offset() {
                    let base = first.offset;
                    let count = fp.records.len() as u64;
                    let epoch = fp.records.last().map_or(0, |r| r.leader_epoch);
                    for r in fp.records {
                        p.log.append(r);
                    }
                    ctx.sched.emit(Event::RecordsAppended {
                        broker: self.id,
                        tp: fp.tp.clone(),
                        base_offset: base,
                        count,
                        leader_epoch: epoch,
                        log_end_offset: p.log_end_offset(),
                    });
                }
            }
            let hw = fp.high_watermark.min(p.log_end_offset());
            if hw > p.high_watermark {
                let old = p.high_watermark;
                p.high_watermark = hw;
                ctx.sched.emit(Event::HighWatermarkAdvanced {
                    broker: self.id,
                    tp: fp.tp.clone(),
                    old,
                    new: hw,
                });
            }
        }
        if failed {
            self.back_off(ctx, leader);
        }
        self.drive_fetcher(ctx, leader);
    }

    pub fn leads(&self) -> impl Iterator<Item = &TopicPartition> {
        self.partitions.values().filter(|p| p.role == Role::Leader).map(|p| &p.tp)
    }

    pub fn hosted(&self) -> BTreeSet<TopicPartition> {
        self.partitions.keys().cloned().collect()
    }
}

/// A cluster id in Kafka's shape (22 URL-safe base64 characters of a random UUID), drawn from the seed.
fn cluster_id(seed: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut x = seed;
    (0..22)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ALPHABET[(x >> 58) as usize] as char
        })
        .collect()
}
