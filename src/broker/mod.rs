//! A broker (`KafkaServer` in ZooKeeper mode): it keeps a ZooKeeper session and its
//! `/brokers/ids` registration, races for `/controller`, leads or follows partitions as the
//! controller says, answers produce and fetch requests, and fetches from leaders as a follower.
//! Each file is one of Kafka's classes: `kafka_server` (life cycle), `kafka_apis` (requests),
//! `replica_manager`, `delayed_operation` (purgatory), `fetcher` (`ReplicaFetcherThread`),
//! `group_requests` (the coordinator's host), `producer_id_manager`, `controlled_shutdown`.

mod broker_server;
mod controlled_shutdown;
mod delayed_operation;
pub mod fetcher;
mod group_requests;
mod kafka_apis;
mod kafka_server;
mod producer_id_manager;
mod replica_manager;

use crate::controller::Controller;
use crate::coordinator::GroupCoordinator;
use crate::process::Ctx;
use crate::protocol::*;
use crate::replica::Partition;
use crate::runtime::Timer;
pub use broker_server::KRaftBroker;
pub use controlled_shutdown::ControlledShutdown;
use delayed_operation::{DelayedFetch, DelayedProduce};
use fetcher::Fetcher;
pub use kafka_server::StartFailure;
use producer_id_manager::ProducerIdBlock;
use serde::Serialize;
use std::collections::BTreeMap;

/// A broker's view of the cluster, fed by the controller's UpdateMetadata (`MetadataCache`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct MetadataCache {
    pub controller_id: Option<BrokerId>,
    pub controller_epoch: u32,
    pub live_brokers: Vec<BrokerId>,
    pub partitions: BTreeMap<TopicPartition, PartitionMetadata>,
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
    /// KRaft mode: the metadata log and the registration with the controllers; `None` in
    /// ZooKeeper mode.
    pub kraft: Option<KRaftBroker>,
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
            kraft: None,
        }
    }

    /// A broker of a KRaft cluster whose controllers are `voters`.
    pub fn new_kraft(id: BrokerId, cluster: ClusterRef, voters: Vec<BrokerId>) -> Self {
        Broker {
            kraft: Some(KRaftBroker::new(voters)),
            ..Broker::new(id, cluster)
        }
    }

    fn node(&self) -> NodeId {
        self.cluster.broker(self.id)
    }

    /// Where requests for the controller go: a broker in ZooKeeper mode, a controller in KRaft.
    fn controller_node(&self, id: BrokerId) -> NodeId {
        match self.kraft {
            Some(_) => self.cluster.controller(id),
            None => self.cluster.broker(id),
        }
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn is_controller(&self) -> bool {
        self.controller.is_some()
    }

    /// The controller this broker is, if it holds the role (for the metrics' controller gauges).
    pub fn controller(&self) -> Option<&Controller> {
        self.controller.as_ref()
    }

    /// The epoch of the controller this broker is, if it is the controller.
    pub fn controller_epoch(&self) -> Option<u32> {
        self.controller.as_ref().map(|c| c.epoch)
    }

    pub fn handle_timer(&mut self, ctx: &mut Ctx, chroot: &str, timer: Timer) {
        match timer {
            Timer::ZkPing => {
                match self.zk_session {
                    Some(session_id) => {
                        ctx.out.send(self.node(), NodeId::ZooKeeper, Message::ZkPing { session_id });
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
                ctx.out.set_timer(ctx.config.zookeeper_session_timeout_ms / 3, self.node(), Timer::ZkPing);
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
            Timer::Quorum { .. } => self.metadata_log_timer(ctx),
            Timer::BrokerHeartbeat { .. } => self.heartbeat_timer(ctx),
            Timer::LeaderImbalanceCheck => {
                if let (Some(c), Some(s)) = (self.controller.as_mut(), self.zk_session) {
                    if c.on_imbalance_check(self.id, s, ctx).is_err() {
                        ctx.out.set_timer(
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
}
