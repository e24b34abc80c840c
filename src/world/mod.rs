//! The world: one seeded, single-threaded simulation holding ZooKeeper, the
//! brokers of one or more clusters, and the clients. `step()` takes the next
//! message or timer from the queue and hands it to its node; `apply()` carries
//! out a user's command (`commands`). Nothing else changes it.

mod commands;

pub use commands::{BrokerStopMode, Command, PartitionRef};

use crate::admin::TopicError;
use crate::broker::Broker;
use crate::client::consumer::Consumer;
use crate::client::producer::Producer;
use crate::config::{ClusterSpec, WorldConfig};
use crate::metadata::QuorumController;
use crate::process::Ctx;
use crate::protocol::*;
use crate::runtime::{Item, Latency, Network, Scheduler};
use crate::schema_registry::server::{self as registry, SchemaRegistry};
use crate::trace::{Event, TraceRecord};
use crate::zookeeper::kafka_zk_client as zkdata;
use crate::zookeeper::ZooKeeper;
use std::collections::BTreeMap;
use std::fmt;

/// An error that leaves the world as it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SimError {
    Topic(TopicError),
    Invalid(String),
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::Topic(e) => write!(f, "{e}"),
            SimError::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for SimError {}

impl From<TopicError> for SimError {
    fn from(e: TopicError) -> Self {
        SimError::Topic(e)
    }
}

fn invalid<T>(msg: impl Into<String>) -> Result<T, SimError> {
    Err(SimError::Invalid(msg.into()))
}

#[derive(Clone)]
pub struct World {
    pub config: WorldConfig,
    sched: Scheduler,
    /// Who can reach whom; only the world reads it, when it delivers a message.
    pub net: Network,
    pub zk: ZooKeeper,
    /// By cluster (index in the config) and broker id: ids are unique only within a cluster.
    pub brokers: BTreeMap<(usize, BrokerId), Broker>,
    /// KRaft clusters' controllers, by cluster and `node.id`.
    pub controllers: BTreeMap<(usize, BrokerId), QuorumController>,
    pub producers: BTreeMap<Name, Producer>,
    pub consumers: BTreeMap<Name, Consumer>,
    pub schema_registry: Option<SchemaRegistry>,
    pub step: u64,
    pub trace: Vec<TraceRecord>,
    /// A bound on steps for runs nobody watches (the fault sweep): past it, time stops moving,
    /// so a livelock shows up as a finding instead of eating the machine's memory.
    pub step_budget: Option<u64>,
}

impl World {
    /// Builds the world and starts every broker at time 0.
    pub fn new(config: WorldConfig) -> Result<World, SimError> {
        config.validate().map_err(SimError::Invalid)?;
        let mut w = World {
            sched: Scheduler::new(config.seed, Latency::new(config.latency_ms, config.jitter_ms)),
            net: Network::default(),
            zk: ZooKeeper::new(),
            brokers: BTreeMap::new(),
            controllers: BTreeMap::new(),
            producers: BTreeMap::new(),
            consumers: BTreeMap::new(),
            schema_registry: None,
            step: 0,
            trace: Vec::new(),
            step_budget: None,
            config,
        };
        for ci in 0..w.config.clusters.len() {
            let voters = w.config.clusters[ci].controller_ids();
            for id in &voters {
                w.controllers.insert((ci, *id), QuorumController::new(*id, w.cluster_ref(ci), voters.clone()));
            }
            for id in w.config.clusters[ci].brokers.clone() {
                let broker = match voters.is_empty() {
                    true => Broker::new(id, w.cluster_ref(ci)),
                    false => Broker::new_kraft(id, w.cluster_ref(ci), voters.clone()),
                };
                w.brokers.insert((ci, id), broker);
            }
        }
        let controllers: Vec<(usize, BrokerId)> = w.controllers.keys().copied().collect();
        for key in controllers {
            w.start_controller(key);
            w.flush_events(Some(key.0));
        }
        let keys: Vec<(usize, BrokerId)> = w.brokers.keys().copied().collect();
        for key in keys {
            w.start_broker(key);
            w.flush_events(Some(key.0));
        }
        Ok(w)
    }

    /// The cluster a trace record names (none: the only one).
    pub fn cluster_ref_of(&self, name: Option<&str>) -> ClusterRef {
        let index = name.and_then(|n| self.config.clusters.iter().position(|c| c.name == n)).unwrap_or(0);
        self.cluster_ref(index)
    }

    /// How a cluster's nodes are named and reached: by name only when the world has several.
    fn cluster_ref(&self, index: usize) -> ClusterRef {
        let several = self.config.clusters.len() > 1;
        ClusterRef {
            index,
            scope: several.then(|| self.config.clusters[index].name.as_str().into()),
        }
    }

    /// The brokers of cluster `ci`, by id.
    pub fn brokers_of(&self, ci: usize) -> impl Iterator<Item = &Broker> {
        self.brokers.range((ci, 0)..=(ci, BrokerId::MAX)).map(|(_, b)| b)
    }

    /// Several clusters: only then do trace records say which cluster they happened in.
    fn several_clusters(&self) -> bool {
        self.config.clusters.len() > 1
    }

    /// The broker a command names: its id, in the command's cluster (the first by default).
    fn named_broker(&self, cluster: &Option<String>, broker: BrokerId) -> Result<&Broker, SimError> {
        let ci = self.cluster_index(cluster)?;
        match self.brokers.get(&(ci, broker)) {
            Some(b) => Ok(b),
            None if self.config.clusters.len() > 1 => invalid(format!("unknown broker {broker} in cluster \"{}\"", self.config.clusters[ci].name)),
            None => invalid(format!("unknown broker {broker}")),
        }
    }

    fn cluster_spec(&self, index: usize) -> &ClusterSpec {
        &self.config.clusters[index]
    }

    fn cluster_index(&self, name: &Option<String>) -> Result<usize, SimError> {
        match name {
            None => Ok(0),
            Some(n) => self.config.clusters.iter().position(|c| &c.name == n).map_or_else(
                || {
                    invalid(format!(
                        "unknown cluster \"{n}\"; clusters: {}",
                        self.config.clusters.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
                    ))
                },
                Ok,
            ),
        }
    }

    fn start_controller(&mut self, key: (usize, BrokerId)) {
        let World {
            sched, controllers, config, ..
        } = self;
        if let Some(c) = controllers.get_mut(&key) {
            c.start(sched, &config.clusters[key.0].config);
        }
    }

    /// The KRaft cluster's active controller, if the quorum has one.
    pub fn active_controller(&self, ci: usize) -> Option<&QuorumController> {
        self.controllers.range((ci, 0)..=(ci, BrokerId::MAX)).map(|(_, c)| c).find(|c| c.is_active())
    }

    /// What a KRaft cluster has committed to its metadata log, as the running controller that
    /// has applied the most of it knows.
    pub fn metadata_image(&self, ci: usize) -> Option<&crate::metadata::MetadataImage> {
        self.controllers_of(ci).filter(|c| c.running()).map(|c| &c.committed).max_by_key(|i| i.applied)
    }

    /// The controllers of cluster `ci` (none in ZooKeeper mode), by id.
    pub fn controllers_of(&self, ci: usize) -> impl Iterator<Item = &QuorumController> {
        self.controllers.range((ci, 0)..=(ci, BrokerId::MAX)).map(|(_, c)| c)
    }

    fn start_broker(&mut self, key: (usize, BrokerId)) {
        self.with_broker(key, |b, ctx, chroot| b.start(ctx, chroot));
    }

    /// Runs `f` on a broker with what it reaches beside itself: the clock and network,
    /// ZooKeeper, its cluster's configuration and chroot.
    fn with_broker<R>(&mut self, key: (usize, BrokerId), f: impl FnOnce(&mut Broker, &mut Ctx, &str) -> R) -> Option<R> {
        let World {
            sched,
            net,
            zk,
            brokers,
            config,
            ..
        } = self;
        let b = brokers.get_mut(&key)?;
        let spec = &config.clusters[key.0];
        let mut ctx = Ctx {
            out: sched,
            zk,
            cluster: b.cluster.clone(),
            config: &spec.config,
            zk_connected: net.reachable(&b.cluster.broker(b.id), &NodeId::ZooKeeper),
        };
        Some(f(b, &mut ctx, &spec.chroot))
    }

    /// Moves the events of what just happened into the trace, marked with the cluster whose
    /// node caused them when the world holds several clusters.
    fn flush_events(&mut self, cluster: Option<usize>) {
        let (step, time_ms) = (self.step, self.sched.now_ms);
        let cluster: Option<Name> = cluster
            .filter(|_| self.several_clusters())
            .map(|ci| self.config.clusters[ci].name.as_str().into());
        self.trace.extend(self.sched.events.drain(..).map(|event| TraceRecord {
            step,
            time_ms,
            cluster: cluster.clone(),
            event,
        }));
    }

    /// The cluster a node belongs to; none for ZooKeeper, which they share.
    fn cluster_of(&self, node: &NodeId) -> Option<usize> {
        match node {
            NodeId::ZooKeeper => None,
            NodeId::Broker(b) | NodeId::Controller(b) => Some(b.cluster.index),
            NodeId::Client(name) => self
                .producers
                .get(name)
                .map(|p| p.cluster.index)
                .or_else(|| self.consumers.get(name).map(|c| c.cluster.index))
                .or_else(|| self.schema_registry.as_ref().filter(|_| &**name == registry::NAME).map(|r| r.cluster.index)),
        }
    }

    /// Whether two nodes can reach each other now (for the picture; nodes never ask).
    pub fn reachable(&self, a: &NodeId, b: &NodeId) -> bool {
        self.net.reachable(a, b)
    }

    pub fn is_isolated(&self, node: &NodeId) -> bool {
        self.net.isolated.contains(node)
    }

    /// When the next message arrives or timer fires, if anything is left to happen.
    pub fn next_event_ms(&self) -> Option<u64> {
        self.sched.next_time_ms()
    }

    /// Only housekeeping is left: no message with work in it, no pending timeout.
    pub fn is_quiet(&self) -> bool {
        self.sched.is_quiet()
    }

    /// Messages on the wire, in delivery order: when each arrives, its id, sender, receiver
    /// and the message (for the picture; nodes never see the wire).
    pub fn in_flight(&self) -> impl Iterator<Item = (u64, u64, &NodeId, &NodeId, &Message)> {
        self.sched.pending().filter_map(|(key, item)| match item {
            Item::Deliver { id, from, to, msg } => Some((key.at_ms, *id, from, to, msg)),
            Item::Fire { .. } => None,
        })
    }

    pub fn now_ms(&self) -> u64 {
        self.sched.now_ms
    }

    /// Performs exactly one thing: delivers one message or fires one timer. Returns
    /// the trace events it caused, or `None` when nothing is left to happen.
    pub fn step(&mut self) -> Option<&[TraceRecord]> {
        let item = self.sched.pop()?;
        self.step += 1;
        let first = self.trace.len();
        // Which cluster acted is looked up only when records carry it: not on one cluster's hot path.
        let cluster = match item {
            Item::Deliver { id, from, to, msg } => {
                let cluster = self.cluster_of(&to).filter(|_| self.several_clusters());
                self.deliver(id, from, to, msg);
                cluster
            }
            Item::Fire { node, timer } => {
                self.dispatch(&node, Input::Timer(timer));
                self.cluster_of(&node).filter(|_| self.several_clusters())
            }
        };
        self.flush_events(cluster);
        Some(&self.trace[first..])
    }

    fn node_is_up(&self, node: &NodeId) -> bool {
        match node {
            NodeId::ZooKeeper => true,
            NodeId::Broker(b) => self.brokers.get(&(b.cluster.index, b.id)).is_some_and(|b| b.running),
            NodeId::Controller(c) => self.controllers.get(&(c.cluster.index, c.id)).is_some_and(|c| c.running()),
            NodeId::Client(c) => {
                self.producers.get(c).is_some_and(|p| p.running)
                    || self.consumers.get(c).is_some_and(|c| c.running)
                    || (&**c == registry::NAME && self.schema_registry.as_ref().is_some_and(|r| r.running))
            }
        }
    }

    fn deliver(&mut self, id: u64, from: NodeId, to: NodeId, msg: Message) {
        let kind = msg.kind();
        if !self.net.reachable(&from, &to) {
            self.sched.emit(Event::MessageDropped {
                id,
                from: from.clone(),
                to: to.clone(),
                kind,
                reason: "network_partition",
            });
            // `ControllerChannelManager`: the controller keeps re-sending to a broker it counts as alive.
            if let (NodeId::Broker(c), NodeId::Broker(b)) = (&from, &to) {
                if self
                    .brokers
                    .get(&(c.cluster.index, c.id))
                    .is_some_and(|c| c.running && c.controller.as_ref().is_some_and(|ctl| ctl.should_resend(b.id, &msg)))
                {
                    self.sched.send_later(crate::controller::RESEND_BACKOFF_MS, from, to, msg);
                }
            }
            return;
        }
        if !self.node_is_up(&to) {
            // The crashed process's host resets the connection: a waiting sender learns at once.
            let refused = msg
                .request_correlation_id()
                .filter(|_| matches!(to, NodeId::Broker(_) | NodeId::Controller(_)) && self.node_is_up(&from));
            self.sched.emit(Event::MessageDropped {
                id,
                from: from.clone(),
                to: to.clone(),
                kind,
                reason: "node_down",
            });
            if let Some(correlation_id) = refused {
                self.sched.send(to, from, Message::Disconnected { correlation_id });
            }
            return;
        }
        self.sched.emit(Event::MessageDelivered {
            id,
            from: from.clone(),
            to: to.clone(),
            kind,
        });
        self.dispatch(&to, Input::Message(from, msg));
    }

    /// Hands a message or a timer to its node: ZooKeeper, a broker, or a client (a producer,
    /// a consumer, the schema registry).
    fn dispatch(&mut self, node: &NodeId, input: Input) {
        match node {
            NodeId::ZooKeeper => match input {
                Input::Message(from, msg) => self.zk.handle(&mut self.sched, from, msg),
                Input::Timer(_) => self.zk.tick(&mut self.sched),
            },
            NodeId::Broker(node) => {
                self.with_broker((node.cluster.index, node.id), |b, ctx, chroot| match input {
                    Input::Message(from, msg) => b.handle(ctx, chroot, from, msg),
                    Input::Timer(timer) if b.running => b.handle_timer(ctx, chroot, timer),
                    Input::Timer(_) => {}
                });
            }
            NodeId::Controller(node) => {
                let World {
                    sched, controllers, config, ..
                } = self;
                let spec = &config.clusters[node.cluster.index].config;
                if let Some(c) = controllers.get_mut(&(node.cluster.index, node.id)) {
                    match input {
                        Input::Message(from, msg) => c.handle(sched, spec, from, msg),
                        Input::Timer(timer) => c.handle_timer(sched, spec, timer),
                    }
                }
            }
            NodeId::Client(name) => {
                let sched = &mut self.sched;
                if let Some(p) = self.producers.get_mut(name) {
                    if !p.running {
                        return;
                    }
                    match input {
                        Input::Message(from, msg) => p.handle(sched, from, msg),
                        Input::Timer(timer) => p.handle_timer(sched, timer),
                    }
                } else if let Some(c) = self.consumers.get_mut(name) {
                    match input {
                        Input::Message(_, msg) => c.handle(sched, msg),
                        Input::Timer(timer) => c.handle_timer(sched, timer),
                    }
                } else if let Some(r) = self.schema_registry.as_mut().filter(|r| r.running && &**name == registry::NAME) {
                    match input {
                        Input::Message(from, msg) => r.handle(sched, from, msg),
                        Input::Timer(timer) => r.handle_timer(sched, timer),
                    }
                }
            }
        }
    }

    /// Steps until virtual time `time_ms` (events at that instant included).
    pub fn budget_exhausted(&self) -> bool {
        self.step_budget.is_some_and(|b| self.step >= b)
    }

    pub fn run_until(&mut self, time_ms: u64) {
        while !self.budget_exhausted() && self.sched.next_time_ms().is_some_and(|t| t <= time_ms) {
            self.step();
        }
        self.advance_clock(time_ms);
    }

    /// Lets virtual time pass with nothing happening (never past the next queued item).
    pub fn advance_clock(&mut self, to_ms: u64) {
        let limit = self.sched.next_time_ms().unwrap_or(u64::MAX);
        self.sched.now_ms = self.sched.now_ms.max(to_ms.min(limit));
    }

    pub fn run_for(&mut self, ms: u64) {
        self.run_until(self.sched.now_ms + ms);
    }

    /// Steps until only housekeeping (heartbeats, idle fetches) is left, or `max_ms` of virtual time passed.
    pub fn run_until_quiet(&mut self, max_ms: u64) {
        let deadline = self.sched.now_ms + max_ms;
        while !self.budget_exhausted() && !self.sched.is_quiet() && self.sched.next_time_ms().is_some_and(|t| t <= deadline) {
            self.step();
        }
    }

    /// Consumer lag of a group of the first cluster, per partition it committed: the partition
    /// leader's high watermark minus the committed offset (`records-lag` as the operator sees it).
    pub fn group_lag(&self, group: &str) -> BTreeMap<TopicPartition, u64> {
        let first = || self.brokers_of(0).filter(|b| b.running);
        let Some(g) = first().find_map(|b| b.coordinator.groups.get(group)) else {
            return BTreeMap::new();
        };
        g.offsets
            .iter()
            .filter_map(|(tp, committed)| {
                let hw = first()
                    .find_map(|b| b.partitions.get(tp).filter(|p| p.role == crate::replica::Role::Leader))?
                    .high_watermark;
                Some((tp.clone(), hw.saturating_sub(*committed)))
            })
            .collect()
    }

    /// The topics of a cluster: the children of its `/brokers/topics`, or in KRaft mode those the
    /// active controller knows.
    fn topic_names(&self, cluster: usize) -> Vec<&str> {
        if self.cluster_spec(cluster).is_kraft() {
            return self
                .active_controller(cluster)
                .map(|c| c.image.topics.iter().map(|t| &**t).collect())
                .unwrap_or_default();
        }
        let prefix = format!("{}{}/", self.cluster_spec(cluster).chroot, zkdata::TOPICS);
        self.zk
            .znodes_under(&prefix)
            .filter_map(|(p, _)| p.strip_prefix(prefix.as_str()))
            .filter(|name| !name.contains('/'))
            .collect()
    }

    /// Brokers the cluster counts as alive: registered in its `/brokers/ids`, or in KRaft mode
    /// registered and unfenced as the active controller knows.
    pub fn registered_brokers(&self, cluster: usize) -> Vec<BrokerId> {
        if self.cluster_spec(cluster).is_kraft() {
            return self.metadata_image(cluster).map(|i| i.live_brokers()).unwrap_or_default();
        }
        let prefix = format!("{}{}/", self.cluster_spec(cluster).chroot, zkdata::BROKER_IDS);
        self.zk
            .znodes_under(&prefix)
            .filter_map(|(p, _)| p.strip_prefix(&prefix))
            .filter_map(|id| id.parse().ok())
            .collect()
    }
}

/// What wakes a node: a message from another node, or one of its own timers.
enum Input {
    Message(NodeId, Message),
    Timer(crate::runtime::Timer),
}
