//! What a person, a scenario or the fault injector can do to the world (`Command`), and
//! `World::apply`, which carries one out. Each command is checked and carried out by one
//! function, in the file of the part it acts on (topics, brokers, the network, producers,
//! consumers, the schema registry). A function checks everything before it changes anything,
//! so an error leaves the world as it was.

mod brokers;
mod consumers;
mod controllers;
mod network;
mod producers;
mod schema_registry;
mod topics;

use crate::config::{ConsumerConfig, ProducerConfig};
use crate::protocol::{BrokerId, NodeId};
use crate::schema_registry::server as registry;
use crate::world::{invalid, SimError, World};
use network::{Isolation, LinkChange};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// A KRaft controller's process dies; its log and its vote stay on disk.
    CrashController {
        controller: BrokerId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cluster: Option<String>,
    },
    StartController {
        controller: BrokerId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cluster: Option<String>,
    },
    /// Cuts a node off from every other node (a broker, a controller, a client, or "zookeeper").
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

impl World {
    /// Carries out a command; an error names what was wrong and leaves the world unchanged.
    pub fn apply(&mut self, cmd: Command) -> Result<(), SimError> {
        let cluster = if self.several_clusters() { self.command_cluster(&cmd) } else { None };
        match cmd {
            Command::CreateTopic {
                topic,
                partitions,
                replication_factor,
                cluster,
            } => self.create_topic_command(&topic, partitions, replication_factor, &cluster),
            Command::AddProducer { name, cluster, config } => self.add_producer(&name, &cluster, config),
            Command::Produce {
                producer,
                topic,
                key,
                key_hex,
                value,
                partition,
                headers,
            } => self.produce(
                &producer,
                producers::Send {
                    topic,
                    key,
                    key_hex,
                    value,
                    partition,
                    headers,
                },
            ),
            Command::StopBroker { broker, cluster } | Command::CrashBroker { broker, cluster } => self.stop_broker(&cluster, broker, BrokerStopMode::Crash),
            Command::StopBrokerWithMode { broker, cluster, mode } => self.stop_broker(&cluster, broker, mode),
            Command::StartBroker { broker, cluster } => self.start_broker_command(&cluster, broker),
            Command::CrashController { controller, cluster } => self.crash_controller(&cluster, controller),
            Command::StartController { controller, cluster } => self.start_controller_command(&cluster, controller),
            Command::CloseProducer { producer, timeout_ms } => self.close_producer(&producer, timeout_ms),
            Command::CrashProducer { producer } => self.crash_producer(&producer),
            Command::Isolate { node } => self.isolation(&node, Isolation::Isolate),
            Command::Heal { node } => self.isolation(&node, Isolation::Heal),
            Command::CutLink { a, b } => self.change_link(&a, &b, LinkChange::Cut),
            Command::HealLink { a, b } => self.change_link(&a, &b, LinkChange::Heal),
            Command::SlowLink { a, b, ms } => self.change_link(&a, &b, LinkChange::Slow(ms)),
            Command::StartConsumer {
                name,
                group,
                topics,
                partitions,
                cluster,
                config,
                keep_polling_ms,
            } => self.start_consumer(
                &name,
                &cluster,
                consumers::Start {
                    group,
                    topics,
                    partitions,
                    config,
                    keep_polling_ms,
                },
            ),
            Command::StopConsumer { name, leave_group } => self.stop_consumer(&name, leave_group),
            Command::Poll { consumer } => self.poll(&consumer),
            Command::KeepPolling { consumer, every_ms } => self.keep_polling(&consumer, every_ms),
            Command::Commit { consumer } => self.commit(&consumer),
            Command::Seek {
                consumer,
                topic,
                partition,
                offset,
            } => self.seek(&consumer, &topic, partition, offset),
            Command::ElectPreferredLeaders { cluster } => self.elect_preferred_leaders(&cluster),
            Command::StartSchemaRegistry { cluster } => self.start_schema_registry(&cluster),
            Command::StopSchemaRegistry => self.stop_schema_registry(),
            Command::RegisterSchema { subject, schema } => self.register_schema(subject, &schema),
            Command::SetCompatibility { subject, level } => self.set_compatibility(subject, &level),
            Command::SetSerializers {
                client,
                key,
                value,
                key_schema,
                value_schema,
            } => self.set_serializers(
                &client,
                schema_registry::Serializers {
                    key,
                    value,
                    key_schema,
                    value_schema,
                },
            ),
        }?;
        self.flush_events(cluster);
        Ok(())
    }

    /// The cluster a command acts in; none for the network's commands (or a wrong name).
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
            Command::CrashController { cluster, .. } | Command::StartController { cluster, .. } => self.cluster_index(cluster).ok(),
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
}

/// A client's name: it names a node on the network, so it may not look like the cluster's own.
fn check_client_name(name: &str) -> Result<(), SimError> {
    if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.') {
        return invalid(format!("client name \"{name}\" must be 1–64 ASCII letters, digits, '-', '_' or '.'"));
    }
    if name == "zookeeper" || name.starts_with("broker-") || name == registry::NAME {
        return invalid(format!("client name \"{name}\" is taken by the cluster's own nodes"));
    }
    Ok(())
}
