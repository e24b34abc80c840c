//! The world: one seeded, single-threaded simulation holding ZooKeeper, the
//! brokers of one or more clusters, and the clients. `step()` takes the next
//! message or timer from the queue and hands it to its node; `apply()` carries
//! out a user's command. Nothing else changes it.

use crate::admin::{self, TopicError};
use crate::broker::{Broker, Ctx};
use crate::client::consumer::Consumer;
use crate::client::producer::{Payload, Producer, Unsent};
use crate::config::{ClusterSpec, ConsumerConfig, ProducerConfig, WorldConfig};
use crate::protocol::*;
use crate::schema_registry::client::AvroSchema;
use crate::schema_registry::server::{self as registry, SchemaRegistry};
use crate::schema_registry::Compatibility;
use crate::serialization::{decode_hex, Serde};
use crate::sim::{Item, Latency, Scheduler};
use crate::trace::{Event, TraceRecord};
use crate::zookeeper::kafka_zk_client as zkdata;
use crate::zookeeper::ZooKeeper;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Everything a person (or a scenario, or the fault injector) can do to the world.
///
/// As JSON, `stop_broker` with a `mode` is `StopBrokerWithMode` and without one `StopBroker`
/// (see the `Deserialize` impl below); every other command is its variant's name in snake_case.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(remote = "Self", tag = "cmd", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// `kafka-topics.sh --create` in the ZooKeeper era: the tool writes the assignment to
    /// `/brokers/topics/<topic>`; the controller's watch does the rest.
    CreateTopic {
        topic: String,
        partitions: u32,
        replication_factor: u32,
        #[serde(default)]
        cluster: Option<String>,
    },
    AddProducer {
        name: String,
        #[serde(default)]
        cluster: Option<String>,
        #[serde(default)]
        config: ProducerConfig,
    },
    Produce {
        producer: String,
        topic: String,
        #[serde(default)]
        key: Option<String>,
        /// The key as hex-encoded bytes, for keys that are not UTF-8 text.
        #[serde(default)]
        key_hex: Option<String>,
        #[serde(default)]
        value: Option<String>,
        #[serde(default)]
        partition: Option<u32>,
        #[serde(default)]
        headers: BTreeMap<String, String>,
    },
    /// `stop_broker` without a mode: for now the crash it always was, so older scenario files
    /// and links replay as recorded. The page records `stop_broker` with a mode.
    StopBroker {
        broker: BrokerId,
        /// Broker ids are unique only within a cluster: with several clusters, whose broker.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cluster: Option<String>,
    },
    /// `{"cmd": "stop_broker", "broker": N, "mode": "controlled" | "crash"}`: `controlled` is
    /// `KafkaServer.shutdown` with a controlled shutdown (`controlled.shutdown.enable`), `crash`
    /// the process killed.
    #[serde(rename = "stop_broker", skip_deserializing)]
    StopBrokerWithMode {
        broker: BrokerId,
        mode: BrokerStopMode,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cluster: Option<String>,
    },
    /// The broker's process dies (`kill -9`): nothing is closed, ZooKeeper notices when its
    /// session expires.
    CrashBroker {
        broker: BrokerId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cluster: Option<String>,
    },
    StartBroker {
        broker: BrokerId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cluster: Option<String>,
    },
    /// Cuts a node off from every other node (a broker, a client, or "zookeeper").
    Isolate {
        node: String,
    },
    Heal {
        node: String,
    },
    CutLink {
        a: String,
        b: String,
    },
    HealLink {
        a: String,
        b: String,
    },
    /// Delays every message between two nodes by `ms` more (0 restores the link).
    SlowLink {
        a: String,
        b: String,
        ms: u64,
    },
    /// The application calls `KafkaProducer.close()` (or `close(Duration)` with `timeout_ms`):
    /// buffered records are sent and in-flight requests awaited before the producer stops.
    CloseProducer {
        producer: String,
        #[serde(default)]
        timeout_ms: Option<u64>,
    },
    /// The producer's process dies: what it buffered or had in flight is never answered.
    CrashProducer {
        producer: String,
    },
    /// Starts a consumer (or restarts a stopped one, with nothing in memory). With `topics`
    /// it subscribes through its group; with `partitions` it assigns them by hand.
    StartConsumer {
        name: String,
        #[serde(default)]
        group: Option<String>,
        #[serde(default)]
        topics: Vec<String>,
        #[serde(default)]
        partitions: Vec<PartitionRef>,
        #[serde(default)]
        cluster: Option<String>,
        #[serde(default)]
        config: ConsumerConfig,
        /// The application calls `poll` every this many ms (its own loop; a restart keeps it).
        /// Without it the consumer polls only when told (`poll`), and joins its group only then.
        #[serde(default)]
        keep_polling_ms: Option<u64>,
    },
    /// Starts (`every_ms`) or stops (`null`) the application's poll loop.
    KeepPolling {
        consumer: String,
        #[serde(default)]
        every_ms: Option<u64>,
    },
    /// `leave_group` false is a crash; true is `close()`, which sends LeaveGroup.
    StopConsumer {
        name: String,
        #[serde(default)]
        leave_group: bool,
    },
    /// The application calls `poll()`.
    Poll {
        consumer: String,
    },
    /// The application calls `commitSync()`.
    Commit {
        consumer: String,
    },
    Seek {
        consumer: String,
        topic: String,
        partition: u32,
        offset: u64,
    },
    /// `kafka-leader-election.sh --election-type preferred` (all partitions).
    ElectPreferredLeaders {
        #[serde(default)]
        cluster: Option<String>,
    },
    /// Starts the schema registry against a cluster: it creates its `_schemas` topic
    /// (compacted) through ZooKeeper if the topic is missing.
    StartSchemaRegistry {
        #[serde(default)]
        cluster: Option<String>,
    },
    /// The registry's process stops; its schemas stay in `_schemas` for the next start.
    StopSchemaRegistry,
    /// An operator's `POST /subjects/{subject}/versions`; `schema` is the Avro schema as JSON
    /// (or a string holding it).
    RegisterSchema {
        subject: String,
        schema: serde_json::Value,
    },
    /// `PUT /config/{subject}`, or `PUT /config` (the global level) without a subject.
    SetCompatibility {
        #[serde(default)]
        subject: Option<String>,
        level: String,
    },
    /// The application is redeployed with other serializers (a producer) or deserializers
    /// (a consumer), and for Avro the schema of its record class (a consumer's reader schema).
    SetSerializers {
        client: String,
        #[serde(default)]
        key: Option<crate::serialization::Serde>,
        #[serde(default)]
        value: Option<crate::serialization::Serde>,
        #[serde(default)]
        key_schema: Option<serde_json::Value>,
        #[serde(default)]
        value_schema: Option<serde_json::Value>,
    },
}

/// How `stop_broker` stops a broker.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum BrokerStopMode {
    Controlled,
    Crash,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StopBrokerArgs {
    broker: BrokerId,
    mode: BrokerStopMode,
    #[serde(default)]
    cluster: Option<String>,
}

impl Serialize for Command {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Command::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for Command {
    /// `stop_broker` with a `mode` is read here; everything else as derived.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut v = serde_json::Value::deserialize(d)?;
        if let Some(obj) = v
            .as_object_mut()
            .filter(|o| o.get("cmd").and_then(|c| c.as_str()) == Some("stop_broker") && o.contains_key("mode"))
        {
            obj.remove("cmd");
            let a: StopBrokerArgs = serde_json::from_value(v).map_err(D::Error::custom)?;
            return Ok(Command::StopBrokerWithMode {
                broker: a.broker,
                mode: a.mode,
                cluster: a.cluster,
            });
        }
        Command::deserialize(v).map_err(D::Error::custom)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PartitionRef {
    pub topic: String,
    pub partition: u32,
}

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
    pub sched: Scheduler,
    pub zk: ZooKeeper,
    /// By cluster (index in the config) and broker id: ids are unique only within a cluster.
    pub brokers: BTreeMap<(usize, BrokerId), Broker>,
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
        validate_config(&config)?;
        let mut w = World {
            sched: Scheduler::new(
                config.seed,
                Latency {
                    base_ms: config.latency_ms,
                    jitter_ms: config.jitter_ms,
                },
            ),
            zk: ZooKeeper::new(),
            brokers: BTreeMap::new(),
            producers: BTreeMap::new(),
            consumers: BTreeMap::new(),
            schema_registry: None,
            step: 0,
            trace: Vec::new(),
            step_budget: None,
            config,
        };
        for ci in 0..w.config.clusters.len() {
            for id in w.config.clusters[ci].brokers.clone() {
                w.brokers.insert((ci, id), Broker::new(id, w.cluster_ref(ci)));
            }
        }
        let keys: Vec<(usize, BrokerId)> = w.brokers.keys().copied().collect();
        for key in keys {
            w.start_broker(key);
            w.flush_events(Some(key.0));
        }
        Ok(w)
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

    fn broker_key(&self, cluster: &Option<String>, broker: BrokerId) -> Result<(usize, BrokerId), SimError> {
        self.named_broker(cluster, broker).map(|b| (b.cluster.index, b.id))
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

    fn start_broker(&mut self, key: (usize, BrokerId)) {
        self.with_broker(key, |b, ctx, chroot| b.start(ctx, chroot));
    }

    /// Runs `f` on a broker with what it reaches beside itself: the clock and network,
    /// ZooKeeper, its cluster's configuration and chroot.
    fn with_broker<R>(&mut self, key: (usize, BrokerId), f: impl FnOnce(&mut Broker, &mut Ctx, &str) -> R) -> Option<R> {
        let World {
            sched, zk, brokers, config, ..
        } = self;
        let b = brokers.get_mut(&key)?;
        let spec = &config.clusters[key.0];
        let mut ctx = Ctx {
            sched,
            zk,
            cluster: b.cluster.clone(),
            config: &spec.config,
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
            NodeId::Broker(b) => Some(b.cluster.index),
            NodeId::Client(name) => self
                .producers
                .get(name)
                .map(|p| p.cluster.index)
                .or_else(|| self.consumers.get(name).map(|c| c.cluster.index))
                .or_else(|| self.schema_registry.as_ref().filter(|_| &**name == registry::NAME).map(|r| r.cluster.index)),
        }
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
            NodeId::Client(c) => {
                self.producers.get(c).is_some_and(|p| p.running)
                    || self.consumers.get(c).is_some_and(|c| c.running)
                    || (&**c == registry::NAME && self.schema_registry.as_ref().is_some_and(|r| r.running))
            }
        }
    }

    fn deliver(&mut self, id: u64, from: NodeId, to: NodeId, msg: Message) {
        let kind = msg.kind();
        if !self.sched.net.reachable(&from, &to) {
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
                .filter(|_| matches!(to, NodeId::Broker(_)) && self.node_is_up(&from));
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

    /// Applies a command: checks it whole first, so an error leaves the world unchanged.
    pub fn apply(&mut self, cmd: Command) -> Result<(), SimError> {
        self.check(&cmd)?;
        let cluster = if self.several_clusters() { self.command_cluster(&cmd) } else { None };
        match cmd {
            Command::CreateTopic {
                topic,
                partitions,
                replication_factor,
                cluster,
            } => {
                let ci = self.cluster_index(&cluster)?;
                self.create_topic(ci, &topic, partitions, replication_factor)?;
            }
            Command::AddProducer { name, cluster, config } => {
                let ci = self.cluster_index(&cluster)?;
                let bootstrap = self.cluster_spec(ci).brokers.clone();
                let name: Name = name.as_str().into();
                let mut producer = Producer::new(name.clone(), self.cluster_ref(ci), config, bootstrap);
                producer.start(&mut self.sched);
                self.producers.insert(name, producer);
            }
            Command::Produce {
                producer,
                topic,
                key,
                key_hex,
                value,
                partition,
                headers,
            } => {
                let key = match (key, key_hex) {
                    (_, Some(hex)) => Some(Payload::Raw(decode_hex(&hex).expect("checked").into())),
                    (key, None) => key.map(Payload::Object),
                };
                let unsent = Unsent {
                    topic: topic.as_str().into(),
                    partition,
                    key,
                    value: value.map(Payload::Object),
                    headers: headers.into_iter().map(|(k, v)| (k.as_str().into(), v.into_bytes().into())).collect(),
                    timestamp_ms: self.sched.now_ms,
                };
                self.producers.get_mut(producer.as_str()).expect("checked").produce(&mut self.sched, unsent);
            }
            Command::StopBroker { broker, cluster }
            | Command::CrashBroker { broker, cluster }
            | Command::StopBrokerWithMode {
                broker,
                cluster,
                mode: BrokerStopMode::Crash,
            } => {
                let key = self.broker_key(&cluster, broker)?;
                self.brokers.get_mut(&key).expect("checked").stop(&mut self.sched);
            }
            Command::StopBrokerWithMode {
                broker,
                cluster,
                mode: BrokerStopMode::Controlled,
            } => {
                let key = self.broker_key(&cluster, broker)?;
                self.with_broker(key, |b, ctx, _| b.begin_shutdown(ctx));
            }
            Command::StartBroker { broker, cluster } => {
                let key = self.broker_key(&cluster, broker)?;
                self.start_broker(key);
            }
            Command::CloseProducer { producer, timeout_ms } => {
                self.producers.get_mut(producer.as_str()).expect("checked").close(&mut self.sched, timeout_ms);
            }
            Command::CrashProducer { producer } => {
                self.producers.get_mut(producer.as_str()).expect("checked").crash(&mut self.sched);
            }
            Command::Isolate { node } => {
                let n = self.parse_node(&node)?;
                self.sched.net.isolated.insert(n.clone());
                self.sched.emit(Event::NodeIsolated { node: n });
            }
            Command::Heal { node } => {
                let n = self.parse_node(&node)?;
                self.sched.net.isolated.remove(&n);
                self.sched.emit(Event::NodeHealed { node: n });
            }
            Command::CutLink { a, b } => {
                let (a, b) = (self.parse_node(&a)?, self.parse_node(&b)?);
                self.sched.net.cut(&a, &b);
                self.sched.emit(Event::LinkCut { a, b });
            }
            Command::HealLink { a, b } => {
                let (a, b) = (self.parse_node(&a)?, self.parse_node(&b)?);
                self.sched.net.heal(&a, &b);
                self.sched.emit(Event::LinkHealed { a, b });
            }
            Command::SlowLink { a, b, ms } => {
                let (a, b) = (self.parse_node(&a)?, self.parse_node(&b)?);
                self.sched.net.slow(&a, &b, ms);
                self.sched.emit(Event::LinkSlowed { a, b, extra_ms: ms });
            }
            Command::StartConsumer {
                name,
                group,
                topics,
                partitions,
                cluster,
                config,
                keep_polling_ms,
            } => {
                let ci = self.cluster_index(&cluster)?;
                let bootstrap = self.cluster_spec(ci).brokers.clone();
                let key: Name = name.as_str().into();
                let (group, topics, partitions, config, keep_polling_ms) = match self.consumers.get(&key) {
                    // A restart keeps who it is (its configuration and its poll loop), not what it knew.
                    Some(old) if group.is_none() && topics.is_empty() && partitions.is_empty() => (
                        old.group_id.clone(),
                        old.topics.clone(),
                        old.manual.clone(),
                        old.config.clone(),
                        keep_polling_ms.or(old.keep_polling_ms),
                    ),
                    _ => (
                        group,
                        topics,
                        partitions
                            .into_iter()
                            .map(|p| TopicPartition::new(&p.topic.as_str().into(), p.partition))
                            .collect(),
                        config,
                        keep_polling_ms,
                    ),
                };
                let mut c = Consumer::new(key.clone(), self.cluster_ref(ci), config, group, topics, partitions, bootstrap);
                c.keep_polling_ms = keep_polling_ms;
                c.start(&mut self.sched);
                self.consumers.insert(key, c);
            }
            Command::StopConsumer { name, leave_group } => {
                self.consumers.get_mut(name.as_str()).expect("checked").stop(&mut self.sched, leave_group);
            }
            Command::Poll { consumer } => {
                self.consumers.get_mut(consumer.as_str()).expect("checked").poll(&mut self.sched);
            }
            Command::KeepPolling { consumer, every_ms } => {
                let c = self.consumers.get_mut(consumer.as_str()).expect("checked");
                c.keep_polling(&mut self.sched, every_ms);
                self.sched.emit(Event::PollLoopChanged {
                    consumer: c.name.clone(),
                    every_ms,
                });
            }
            Command::Commit { consumer } => {
                self.consumers.get_mut(consumer.as_str()).expect("checked").commit(&mut self.sched, false);
            }
            Command::Seek {
                consumer,
                topic,
                partition,
                offset,
            } => {
                let tp = TopicPartition::new(&topic.as_str().into(), partition);
                self.consumers.get_mut(consumer.as_str()).expect("checked").seek(&mut self.sched, tp, offset);
            }
            Command::ElectPreferredLeaders { cluster } => {
                let ci = self.cluster_index(&cluster)?;
                let controller = self.brokers_of(ci).find(|b| b.running && b.controller.is_some()).map(|b| (ci, b.id));
                if let Some(key) = controller {
                    self.with_broker(key, |b, ctx, _| {
                        let (Some(mut c), Some(s)) = (b.controller.take(), b.zk_session) else {
                            unreachable!("found above")
                        };
                        let _ = c.elect_preferred(b.id, s, ctx, &[]);
                        b.controller = Some(c);
                    });
                }
            }
            Command::StartSchemaRegistry { cluster } => {
                let ci = self.cluster_index(&cluster)?;
                let chroot = self.cluster_spec(ci).chroot.clone();
                if !self.zk.nodes.contains_key(&format!("{chroot}{}", zkdata::topic_path(registry::TOPIC))) {
                    // `KafkaStore.createSchemaTopic`: one partition, compacted; the config znode
                    // goes first, as `AdminZkClient` writes it.
                    let config = serde_json::json!({"version": 1, "config": {"cleanup.policy": "compact"}}).to_string();
                    self.zk
                        .create_persistent(&mut self.sched, &format!("{chroot}/config/topics/{}", registry::TOPIC), config);
                    let rf = registry::TOPIC_REPLICATION_FACTOR.min(self.registered_brokers(ci).len() as u32);
                    self.create_topic(ci, registry::TOPIC, 1, rf)?;
                }
                let bootstrap = self.cluster_spec(ci).brokers.clone();
                self.sched.emit(Event::SchemaRegistryStarted { topic: registry::TOPIC.into() });
                let cluster = self.cluster_ref(ci);
                self.schema_registry = Some(SchemaRegistry::start(&mut self.sched, cluster, bootstrap));
            }
            Command::StopSchemaRegistry => {
                self.schema_registry.as_mut().expect("checked").stop(&mut self.sched);
                self.sched.emit(Event::SchemaRegistryStopped);
            }
            Command::RegisterSchema { subject, schema } => {
                let schema = crate::schema_registry::client::schema_text(&schema).into();
                self.schema_registry.as_mut().expect("checked").register(&mut self.sched, subject, schema);
            }
            Command::SetCompatibility { subject, level } => {
                let level = Compatibility::from_name(&level).expect("checked");
                self.schema_registry
                    .as_mut()
                    .expect("checked")
                    .set_compatibility(&mut self.sched, subject, level);
            }
            Command::SetSerializers {
                client,
                key,
                value,
                key_schema,
                value_schema,
            } => match self.reconfigured(&client, key, value, &key_schema, &value_schema)? {
                Reconfigured::Producer(c) => self.producers.get_mut(client.as_str()).expect("checked").reconfigure(c),
                Reconfigured::Consumer(c) => self.consumers.get_mut(client.as_str()).expect("checked").reconfigure(c),
            },
        }
        self.flush_events(cluster);
        Ok(())
    }

    /// The cluster a (checked) command acts in; none for the network's commands.
    fn command_cluster(&self, cmd: &Command) -> Option<usize> {
        match cmd {
            Command::CreateTopic { cluster, .. }
            | Command::AddProducer { cluster, .. }
            | Command::StartConsumer { cluster, .. }
            | Command::ElectPreferredLeaders { cluster }
            | Command::StartSchemaRegistry { cluster } => self.cluster_index(cluster).ok(),
            Command::StopBroker { broker, cluster }
            | Command::CrashBroker { broker, cluster }
            | Command::StartBroker { broker, cluster }
            | Command::StopBrokerWithMode { broker, cluster, .. } => self.named_broker(cluster, *broker).ok().map(|b| b.cluster.index),
            Command::Produce { producer: client, .. }
            | Command::CloseProducer { producer: client, .. }
            | Command::CrashProducer { producer: client }
            | Command::StopConsumer { name: client, .. }
            | Command::Poll { consumer: client }
            | Command::KeepPolling { consumer: client, .. }
            | Command::Commit { consumer: client }
            | Command::Seek { consumer: client, .. }
            | Command::SetSerializers { client, .. } => self.cluster_of(&NodeId::Client(client.as_str().into())),
            Command::StopSchemaRegistry | Command::RegisterSchema { .. } | Command::SetCompatibility { .. } => {
                self.schema_registry.as_ref().map(|r| r.cluster.index)
            }
            _ => None,
        }
    }

    /// `AdminZkClient.createTopic`: the replica assignment, written where the controller watches.
    fn create_topic(&mut self, ci: usize, topic: &str, partitions: u32, replication_factor: u32) -> Result<(), SimError> {
        let live = self.registered_brokers(ci);
        let n = live.len().max(1) as u64;
        let start = self.sched.rng.rand_range(0..n) as usize;
        let shift = self.sched.rng.rand_range(0..n) as usize;
        let assignment = admin::assign_replicas(&live, partitions, replication_factor, start, shift)?;
        let path = format!("{}{}", self.cluster_spec(ci).chroot, zkdata::topic_path(topic));
        self.zk.create_persistent(&mut self.sched, &path, zkdata::topic_json(&assignment));
        Ok(())
    }

    /// The configuration `set_serializers` leaves a client with: a (de)serializer given takes
    /// its schema with it (none if none is given); a schema alone keeps the (de)serializer.
    fn reconfigured(
        &self,
        client: &str,
        key: Option<Serde>,
        value: Option<Serde>,
        key_schema: &Option<serde_json::Value>,
        value_schema: &Option<serde_json::Value>,
    ) -> Result<Reconfigured, SimError> {
        if let Some(p) = self.producers.get(client) {
            let mut c = p.config.clone();
            replace_serde(&mut c.key_serializer, &mut c.key_schema, key, key_schema);
            replace_serde(&mut c.value_serializer, &mut c.value_schema, value, value_schema);
            self.check_serdes(client, [c.key_serializer, c.value_serializer], [&c.key_schema, &c.value_schema], false)?;
            return Ok(Reconfigured::Producer(c));
        }
        if let Some(consumer) = self.consumers.get(client) {
            let mut c = consumer.config.clone();
            replace_serde(&mut c.key_deserializer, &mut c.key_reader_schema, key, key_schema);
            replace_serde(&mut c.value_deserializer, &mut c.value_reader_schema, value, value_schema);
            self.check_serdes(
                client,
                [c.key_deserializer, c.value_deserializer],
                [&c.key_reader_schema, &c.value_reader_schema],
                true,
            )?;
            return Ok(Reconfigured::Consumer(c));
        }
        invalid(format!("unknown client \"{client}\": set_serializers takes a producer's or a consumer's name"))
    }

    /// A client's (de)serializers against what this world has: Avro needs a schema (a reader
    /// schema is optional), the registry, and a build with Avro; a schema needs Avro.
    fn check_serdes(&self, client: &str, serdes: [Serde; 2], schemas: [&Option<serde_json::Value>; 2], reader: bool) -> Result<(), SimError> {
        let role = if reader { "deserializer" } else { "serializer" };
        for (i, side) in ["key", "value"].into_iter().enumerate() {
            let schema_key = if reader { format!("{side}.reader.schema") } else { format!("{side}.schema") };
            match (serdes[i], schemas[i]) {
                (Serde::Avro, _) if !cfg!(feature = "avro") => return invalid(format!("{client}: {side}.{role}: {}", crate::schema_registry::NO_AVRO)),
                (Serde::Avro, _) if self.schema_registry.is_none() => {
                    return invalid(format!(
                        "{client}: the Avro {side}.{role} needs a schema registry (schema.registry.url): start one first with start_schema_registry"
                    ))
                }
                (Serde::Avro, None) if !reader => return invalid(format!("{client}: the Avro {side}.serializer needs {schema_key}")),
                (Serde::Avro, Some(v)) => {
                    AvroSchema::from_config(v).map_err(|e| SimError::Invalid(format!("{client}: {schema_key}: {e}")))?;
                }
                (_, Some(_)) => return invalid(format!("{client}: {schema_key} is only used with the Avro {side}.{role}")),
                _ => {}
            }
        }
        Ok(())
    }

    fn registry_running(&self, what: &str) -> Result<(), SimError> {
        if !self.schema_registry.as_ref().is_some_and(|r| r.running) {
            return invalid(format!("{what}: no schema registry is running; start one with start_schema_registry"));
        }
        Ok(())
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

    /// The topics of a cluster: the children of its `/brokers/topics`.
    fn topic_names(&self, cluster: usize) -> Vec<&str> {
        let prefix = format!("{}{}/", self.cluster_spec(cluster).chroot, zkdata::TOPICS);
        self.zk
            .nodes
            .range(prefix.clone()..)
            .map_while(|(p, _)| p.strip_prefix(prefix.as_str()))
            .filter(|name| !name.contains('/'))
            .collect()
    }

    /// Brokers registered in the cluster's `/brokers/ids`: those the cluster counts as alive.
    pub fn registered_brokers(&self, cluster: usize) -> Vec<BrokerId> {
        let prefix = format!("{}{}/", self.cluster_spec(cluster).chroot, zkdata::BROKER_IDS);
        self.zk
            .nodes
            .keys()
            .filter_map(|p| p.strip_prefix(&prefix))
            .filter_map(|id| id.parse().ok())
            .collect()
    }

    fn parse_node(&self, s: &str) -> Result<NodeId, SimError> {
        if s == "zookeeper" {
            return Ok(NodeId::ZooKeeper);
        }
        // `broker-1` in a world of one cluster, `cluster-b/broker-1` in one of several.
        let (scope, rest) = match s.split_once('/') {
            Some((c, rest)) => (Some(c), rest),
            None => (None, s),
        };
        let cluster = match scope {
            None if self.config.clusters.len() == 1 => Some(0),
            Some(name) if self.config.clusters.len() > 1 => self.config.clusters.iter().position(|c| c.name == name),
            _ => None,
        };
        if let (Some(ci), Some(id)) = (cluster, rest.strip_prefix("broker-").and_then(|x| x.parse::<BrokerId>().ok())) {
            if let Some(b) = self.brokers.get(&(ci, id)) {
                return Ok(b.cluster.broker(id));
            }
        }
        if let Some(p) = self.producers.get_key_value(s) {
            return Ok(NodeId::Client(p.0.clone()));
        }
        if let Some(c) = self.consumers.get_key_value(s) {
            return Ok(NodeId::Client(c.0.clone()));
        }
        if s == registry::NAME && self.schema_registry.is_some() {
            return Ok(SchemaRegistry::node());
        }
        let broker = if self.config.clusters.len() > 1 {
            "<cluster>/broker-<id>"
        } else {
            "broker-<id>"
        };
        invalid(format!("unknown node \"{s}\": use \"zookeeper\", \"{broker}\" or a client's name"))
    }

    fn check(&self, cmd: &Command) -> Result<(), SimError> {
        match cmd {
            Command::CreateTopic {
                topic,
                partitions,
                replication_factor,
                cluster,
            } => {
                let ci = self.cluster_index(cluster)?;
                admin::validate_topic_name(topic)?;
                admin::check_new_topic(topic, self.topic_names(ci))?;
                if *partitions > MAX_PARTITIONS {
                    return invalid(format!(
                        "partitions: {partitions} is more than this playground holds (at most {MAX_PARTITIONS})"
                    ));
                }
                let live = self.registered_brokers(ci);
                admin::assign_replicas(&live, *partitions, *replication_factor, 0, 0)?;
            }
            Command::AddProducer { name, cluster, config } => {
                self.cluster_index(cluster)?;
                check_client_name(name)?;
                if self.producers.contains_key(name.as_str()) || self.consumers.contains_key(name.as_str()) {
                    return invalid(format!("a client named \"{name}\" already exists"));
                }
                if config.batch_size == 0 {
                    return invalid("batch.size must be at least 1");
                }
                config.validate().or_else(invalid)?;
                self.check_serdes(
                    name,
                    [config.key_serializer, config.value_serializer],
                    [&config.key_schema, &config.value_schema],
                    false,
                )?;
            }
            Command::Produce {
                producer,
                topic,
                key_hex,
                partition,
                ..
            } => {
                let Some(p) = self.producers.get(producer.as_str()) else {
                    return invalid(format!("unknown producer \"{producer}\"; add it first with add_producer"));
                };
                // `KafkaProducer.send` after `close()`: IllegalStateException.
                if !p.running || p.closing {
                    return invalid(format!(
                        "producer \"{producer}\" is {}: Cannot perform operation after producer has been closed",
                        if p.running { "closing" } else { "stopped" }
                    ));
                }
                admin::validate_topic_name(topic)?;
                if let Some(hex) = key_hex {
                    decode_hex(hex).map_err(|e| SimError::Invalid(format!("key_hex: {e}")))?;
                }
                if let (Some(part), Some(meta)) = (partition, p.metadata.get(topic.as_str())) {
                    if *part as usize >= meta.leaders.len() {
                        return invalid(format!(
                            "partition {part} does not exist: topic \"{topic}\" has {} partitions",
                            meta.leaders.len()
                        ));
                    }
                }
            }
            Command::StopBroker { broker, cluster } | Command::CrashBroker { broker, cluster } | Command::StopBrokerWithMode { broker, cluster, .. } => {
                let b = self.named_broker(cluster, *broker)?;
                if !b.running {
                    return invalid(format!("broker {broker} is already stopped"));
                }
                // `KafkaServer.shutdown` runs once; a second stop waits for the first. A crash
                // mid-shutdown is allowed: the process dies.
                let controlled = matches!(
                    cmd,
                    Command::StopBrokerWithMode {
                        mode: BrokerStopMode::Controlled,
                        ..
                    }
                );
                if let Some(cs) = b.controlled_shutdown.as_ref().filter(|_| controlled) {
                    return invalid(format!(
                        "broker {broker} is already in a controlled shutdown (attempt {} of {})",
                        cs.attempt,
                        self.cluster_spec(b.cluster.index).config.controlled_shutdown_max_retries
                    ));
                }
            }
            Command::CloseProducer { producer, .. } | Command::CrashProducer { producer } => match self.producers.get(producer.as_str()) {
                None => return invalid(format!("unknown producer \"{producer}\"")),
                Some(p) if !p.running => return invalid(format!("producer \"{producer}\" is already stopped")),
                // A second `close()` waits for the first; a crash while closing is allowed.
                Some(p) if p.closing && matches!(cmd, Command::CloseProducer { .. }) => return invalid(format!("producer \"{producer}\" is already closing")),
                _ => {}
            },
            Command::StartBroker { broker, cluster } => {
                let b = self.named_broker(cluster, *broker)?;
                if b.controlled_shutdown.is_some() {
                    return invalid(format!("broker {broker} is still running: it is in a controlled shutdown"));
                }
                if b.running {
                    return invalid(format!("broker {broker} is already running"));
                }
            }
            Command::Isolate { node } | Command::Heal { node } => {
                self.parse_node(node)?;
            }
            Command::CutLink { a, b } | Command::HealLink { a, b } | Command::SlowLink { a, b, .. } => {
                if self.parse_node(a)? == self.parse_node(b)? {
                    return invalid("a link needs two different nodes");
                }
                if let Command::SlowLink { ms, .. } = cmd {
                    if *ms > 60_000 {
                        return invalid(format!("slow_link: {ms} ms is more than a minute of extra delay"));
                    }
                }
            }
            Command::StartConsumer {
                name,
                group,
                topics,
                partitions,
                cluster,
                config,
                keep_polling_ms,
            } => {
                self.cluster_index(cluster)?;
                check_client_name(name)?;
                check_poll_loop(*keep_polling_ms)?;
                if self.producers.contains_key(name.as_str()) {
                    return invalid(format!("a producer is already named \"{name}\""));
                }
                let existing = self.consumers.get(name.as_str());
                if existing.is_some_and(|c| c.running) {
                    return invalid(format!("consumer \"{name}\" is already running"));
                }
                let restart = existing.is_some() && group.is_none() && topics.is_empty() && partitions.is_empty();
                if !restart {
                    if topics.is_empty() == partitions.is_empty() {
                        return invalid(format!("consumer \"{name}\": give either topics (subscribe) or partitions (assign)"));
                    }
                    if !topics.is_empty() && group.is_none() {
                        return invalid(format!("consumer \"{name}\": subscribing needs a group (group.id)"));
                    }
                    for t in topics.iter().chain(partitions.iter().map(|p| &p.topic)) {
                        admin::validate_topic_name(t)?;
                    }
                    if let Some(g) = group {
                        if g.is_empty() || g.len() > 249 {
                            return invalid("group.id must be 1–249 characters");
                        }
                    }
                    self.check_serdes(
                        name,
                        [config.key_deserializer, config.value_deserializer],
                        [&config.key_reader_schema, &config.value_reader_schema],
                        true,
                    )?;
                    for s in &config.partition_assignment_strategy {
                        crate::assignor::Strategy::from_name(s).map_err(|e| SimError::Invalid(format!("partition.assignment.strategy: {e}")))?;
                    }
                    if config.partition_assignment_strategy.is_empty()
                        || config.max_poll_records == 0
                        || config.heartbeat_interval_ms == 0
                        || config.auto_commit_interval_ms == 0
                        || config.max_poll_interval_ms == 0
                        || config.heartbeat_interval_ms >= config.session_timeout_ms
                    {
                        return invalid(format!(
                            "consumer \"{name}\": needs at least one assignor, max.poll.records ≥ 1, max.poll.interval.ms ≥ 1, and 0 < heartbeat.interval.ms < session.timeout.ms"
                        ));
                    }
                }
            }
            Command::StopConsumer { name, .. } => match self.consumers.get(name.as_str()) {
                Some(c) if c.running => {}
                Some(_) => return invalid(format!("consumer \"{name}\" is already stopped")),
                None => return invalid(format!("unknown consumer \"{name}\"")),
            },
            Command::KeepPolling { consumer, every_ms } => {
                check_poll_loop(*every_ms)?;
                if !self.consumers.contains_key(consumer.as_str()) {
                    return invalid(format!("unknown consumer \"{consumer}\""));
                }
            }
            Command::Poll { consumer } | Command::Commit { consumer } | Command::Seek { consumer, .. } => match self.consumers.get(consumer.as_str()) {
                Some(c) if c.running => {
                    if let Command::Seek { topic, partition, .. } = cmd {
                        if !c.assignment.contains(&TopicPartition::new(&topic.as_str().into(), *partition)) {
                            return invalid(format!("consumer \"{consumer}\" is not assigned {topic}-{partition}"));
                        }
                    }
                    if matches!(cmd, Command::Commit { .. }) && c.group_id.is_none() {
                        return invalid(format!("consumer \"{consumer}\" has no group.id to commit to"));
                    }
                }
                Some(_) => return invalid(format!("consumer \"{consumer}\" is stopped")),
                None => return invalid(format!("unknown consumer \"{consumer}\"")),
            },
            Command::ElectPreferredLeaders { cluster } => {
                self.cluster_index(cluster)?;
            }
            Command::StartSchemaRegistry { cluster } => {
                let ci = self.cluster_index(cluster)?;
                if !cfg!(feature = "avro") {
                    return invalid(format!("start_schema_registry: {}", crate::schema_registry::NO_AVRO));
                }
                if self.schema_registry.as_ref().is_some_and(|r| r.running) {
                    return invalid("the schema registry is already running");
                }
                if self.registered_brokers(ci).is_empty() {
                    return invalid(format!("start_schema_registry: no live broker to keep {} on", registry::TOPIC));
                }
            }
            Command::StopSchemaRegistry => {
                self.registry_running("stop_schema_registry")?;
            }
            Command::RegisterSchema { subject, schema } => {
                self.registry_running("register_schema")?;
                if subject.is_empty() || subject.len() > 255 {
                    return invalid("register_schema: subject must be 1–255 characters");
                }
                AvroSchema::from_config(schema).map_err(|e| SimError::Invalid(format!("register_schema: schema: {e}")))?;
            }
            Command::SetCompatibility { subject, level } => {
                self.registry_running("set_compatibility")?;
                if subject.as_ref().is_some_and(|s| s.is_empty()) {
                    return invalid("set_compatibility: subject must not be empty (leave it out for the global level)");
                }
                Compatibility::from_name(level).map_err(|e| SimError::Invalid(format!("set_compatibility: {e}")))?;
            }
            Command::SetSerializers {
                client,
                key,
                value,
                key_schema,
                value_schema,
            } => {
                self.reconfigured(client, *key, *value, key_schema, value_schema)?;
            }
        }
        Ok(())
    }
}

enum Reconfigured {
    Producer(ProducerConfig),
    Consumer(ConsumerConfig),
}

fn replace_serde(serde: &mut Serde, schema: &mut Option<serde_json::Value>, new: Option<Serde>, new_schema: &Option<serde_json::Value>) {
    if let Some(s) = new {
        *serde = s;
        *schema = new_schema.clone();
    } else if new_schema.is_some() {
        *schema = new_schema.clone();
    }
}

/// What wakes a node: a message from another node, or one of its own timers.
enum Input {
    Message(NodeId, Message),
    Timer(crate::sim::Timer),
}

/// The most partitions one topic may have here (Kafka allows far more; a picture does not).
const MAX_PARTITIONS: u32 = 1000;

fn check_client_name(name: &str) -> Result<(), SimError> {
    if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.') {
        return invalid(format!("client name \"{name}\" must be 1–64 ASCII letters, digits, '-', '_' or '.'"));
    }
    if name == "zookeeper" || name.starts_with("broker-") || name == registry::NAME {
        return invalid(format!("client name \"{name}\" is taken by the cluster's own nodes"));
    }
    Ok(())
}

/// An application's poll loop: every 10 ms to 10 minutes (a loop is the application's own).
fn check_poll_loop(every_ms: Option<u64>) -> Result<(), SimError> {
    match every_ms {
        Some(ms) if !(10..=600_000).contains(&ms) => invalid(format!("keep polling: every {ms} ms is outside 10–600000 ms")),
        _ => Ok(()),
    }
}

fn validate_config(c: &WorldConfig) -> Result<(), SimError> {
    if c.clusters.is_empty() {
        return invalid("config: at least one cluster is needed");
    }
    let mut seen_roots = std::collections::BTreeSet::new();
    let mut seen_names = std::collections::BTreeSet::new();
    for (i, cl) in c.clusters.iter().enumerate() {
        if cl.brokers.is_empty() || cl.brokers.len() > 12 {
            return invalid(format!("config: clusters[{i}] must have 1 to 12 brokers"));
        }
        // `broker.id` is unique within a cluster; another cluster may use the same ids.
        let mut seen_ids = std::collections::BTreeSet::new();
        for b in &cl.brokers {
            if !seen_ids.insert(*b) {
                return invalid(format!("config: clusters[{i}]: broker id {b} appears twice (ids are unique within a cluster)"));
            }
        }
        // The name goes before its brokers' names (`cluster-b/broker-1`) and into commands.
        if cl.name.is_empty() || cl.name.len() > 64 || !cl.name.chars().all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch)) {
            return invalid(format!(
                "config: clusters[{i}].name \"{}\" must be 1–64 ASCII letters, digits, '-', '_' or '.'",
                cl.name
            ));
        }
        if !seen_names.insert(cl.name.as_str()) {
            return invalid(format!("config: two clusters are named \"{}\"", cl.name));
        }
        if !(cl.chroot.is_empty() || (cl.chroot.starts_with('/') && cl.chroot.len() > 1 && !cl.chroot.ends_with('/') && !cl.chroot.contains("//"))) {
            return invalid(format!(
                "config: clusters[{i}].chroot \"{}\" must be empty or a path like \"/cluster-a\"",
                cl.chroot
            ));
        }
        if !seen_roots.insert(cl.chroot.clone()) {
            return invalid(format!("config: two clusters share the chroot \"{}\"", cl.chroot));
        }
        let k = &cl.config;
        if [k.num_partitions, k.offsets_topic_num_partitions]
            .iter()
            .any(|n| *n == 0 || *n > MAX_PARTITIONS)
        {
            return invalid(format!(
                "config: clusters[{i}].config: num.partitions and offsets.topic.num.partitions must be 1 to {MAX_PARTITIONS}"
            ));
        }
        if k.zookeeper_session_timeout_ms < 3
            || k.replica_lag_time_max_ms < 2
            || k.leader_imbalance_check_interval_seconds == 0
            || k.replica_socket_timeout_ms == 0
        {
            return invalid(format!("config: clusters[{i}].config has a timeout too small to run"));
        }
    }
    if c.latency_ms == 0 && c.jitter_ms == 0 {
        return invalid("config: latency_ms and jitter_ms cannot both be 0");
    }
    Ok(())
}
