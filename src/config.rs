//! Configuration under Kafka's own keys, with Kafka 3.x defaults.

use crate::protocol::BrokerId;
use serde::{Deserialize, Serialize};

/// Broker (and topic-level default) settings of one cluster.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct BrokerConfig {
    #[serde(rename = "min.insync.replicas")]
    pub min_insync_replicas: u32,
    #[serde(rename = "unclean.leader.election.enable")]
    pub unclean_leader_election_enable: bool,
    #[serde(rename = "replica.lag.time.max.ms")]
    pub replica_lag_time_max_ms: u64,
    #[serde(rename = "replica.fetch.wait.max.ms")]
    pub replica_fetch_wait_max_ms: u64,
    #[serde(rename = "replica.fetch.max.bytes")]
    pub replica_fetch_max_bytes: usize,
    #[serde(rename = "replica.fetch.backoff.ms")]
    pub replica_fetch_backoff_ms: u64,
    #[serde(rename = "replica.socket.timeout.ms")]
    pub replica_socket_timeout_ms: u64,
    #[serde(rename = "zookeeper.session.timeout.ms")]
    pub zookeeper_session_timeout_ms: u64,
    #[serde(rename = "auto.leader.rebalance.enable")]
    pub auto_leader_rebalance_enable: bool,
    #[serde(rename = "leader.imbalance.check.interval.seconds")]
    pub leader_imbalance_check_interval_seconds: u64,
    #[serde(rename = "leader.imbalance.per.broker.percentage")]
    pub leader_imbalance_per_broker_percentage: u32,
    #[serde(rename = "auto.create.topics.enable")]
    pub auto_create_topics_enable: bool,
    #[serde(rename = "num.partitions")]
    pub num_partitions: u32,
    #[serde(rename = "default.replication.factor")]
    pub default_replication_factor: u32,
    #[serde(rename = "offsets.topic.num.partitions")]
    pub offsets_topic_num_partitions: u32,
    #[serde(rename = "offsets.topic.replication.factor")]
    pub offsets_topic_replication_factor: u32,
    #[serde(rename = "group.initial.rebalance.delay.ms")]
    pub group_initial_rebalance_delay_ms: u64,
    /// A stopping broker asks the controller to move its leaderships first (`KafkaServer.controlledShutdown`).
    #[serde(rename = "controlled.shutdown.enable")]
    pub controlled_shutdown_enable: bool,
    #[serde(rename = "controlled.shutdown.max.retries")]
    pub controlled_shutdown_max_retries: u32,
    #[serde(rename = "controlled.shutdown.retry.backoff.ms")]
    pub controlled_shutdown_retry_backoff_ms: u64,
    /// How long a broker waits for the controller's answer to its ControlledShutdown request.
    #[serde(rename = "controller.socket.timeout.ms")]
    pub controller_socket_timeout_ms: u64,
    /// KRaft: how often a broker heartbeats the active controller.
    #[serde(rename = "broker.heartbeat.interval.ms")]
    pub broker_heartbeat_interval_ms: u64,
    /// KRaft: a broker the active controller has not heard from for this long is fenced.
    #[serde(rename = "broker.session.timeout.ms")]
    pub broker_session_timeout_ms: u64,
    #[serde(rename = "controller.quorum.election.timeout.ms")]
    pub controller_quorum_election_timeout_ms: u64,
    #[serde(rename = "controller.quorum.fetch.timeout.ms")]
    pub controller_quorum_fetch_timeout_ms: u64,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            min_insync_replicas: 1,
            unclean_leader_election_enable: false,
            replica_lag_time_max_ms: 30_000,
            replica_fetch_wait_max_ms: 500,
            replica_fetch_max_bytes: 1_048_576,
            replica_fetch_backoff_ms: 1_000,
            replica_socket_timeout_ms: 30_000,
            zookeeper_session_timeout_ms: 18_000,
            auto_leader_rebalance_enable: true,
            leader_imbalance_check_interval_seconds: 300,
            leader_imbalance_per_broker_percentage: 10,
            auto_create_topics_enable: true,
            num_partitions: 1,
            default_replication_factor: 1,
            offsets_topic_num_partitions: 50,
            offsets_topic_replication_factor: 3,
            group_initial_rebalance_delay_ms: 3_000,
            controlled_shutdown_enable: true,
            controlled_shutdown_max_retries: 3,
            controlled_shutdown_retry_backoff_ms: 5_000,
            controller_socket_timeout_ms: 30_000,
            broker_heartbeat_interval_ms: 2_000,
            broker_session_timeout_ms: 9_000,
            controller_quorum_election_timeout_ms: 1_000,
            controller_quorum_fetch_timeout_ms: 2_000,
        }
    }
}

/// Producer settings (`ProducerConfig`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ProducerConfig {
    pub acks: crate::protocol::Acks,
    #[serde(rename = "partitioner")]
    pub partitioner: crate::partitioner::PartitionerKind,
    #[serde(rename = "batch.size")]
    pub batch_size: usize,
    /// Kafka 3.x default 0 (4.0 made it 5, KIP-1030).
    #[serde(rename = "linger.ms")]
    pub linger_ms: u64,
    #[serde(rename = "request.timeout.ms")]
    pub request_timeout_ms: u64,
    /// `None` when not set: Kafka then takes 120 000, or `linger.ms` + `request.timeout.ms`
    /// when that is larger (`KafkaProducer.configureDeliveryTimeout`).
    #[serde(rename = "delivery.timeout.ms", skip_serializing_if = "Option::is_none")]
    pub delivery_timeout_ms: Option<u64>,
    #[serde(rename = "retry.backoff.ms")]
    pub retry_backoff_ms: u64,
    /// How long `send` waits for a topic's metadata (Kafka default 60 000).
    #[serde(rename = "max.block.ms")]
    pub max_block_ms: u64,
    #[serde(rename = "key.serializer")]
    pub key_serializer: crate::serialization::Serde,
    #[serde(rename = "value.serializer")]
    pub value_serializer: crate::serialization::Serde,
    /// The Avro schema of the application's key or value class (what a `SpecificRecord` or
    /// `GenericRecord` carries in Java), for `KafkaAvroSerializer`.
    #[serde(rename = "key.schema", skip_serializing_if = "Option::is_none")]
    pub key_schema: Option<serde_json::Value>,
    #[serde(rename = "value.schema", skip_serializing_if = "Option::is_none")]
    pub value_schema: Option<serde_json::Value>,
    /// Confluent's serializer setting: register a schema the subject lacks (default), or only look it up.
    #[serde(rename = "auto.register.schemas")]
    pub auto_register_schemas: bool,
    /// `None` when not set: Kafka 3.0+ then turns it on unless `acks`, `retries` or
    /// `max.in.flight.requests.per.connection` rule it out (KIP-679, `ProducerConfig`).
    #[serde(rename = "enable.idempotence", skip_serializing_if = "Option::is_none")]
    pub enable_idempotence: Option<bool>,
    #[serde(rename = "max.in.flight.requests.per.connection")]
    pub max_in_flight_requests_per_connection: u32,
    /// How often a batch is sent again after a retriable error (Kafka default `Integer.MAX_VALUE`;
    /// `delivery.timeout.ms` is what bounds retries then).
    pub retries: u32,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            acks: crate::protocol::Acks::All,
            partitioner: Default::default(),
            batch_size: 16_384,
            linger_ms: 0,
            request_timeout_ms: 30_000,
            delivery_timeout_ms: None,
            retry_backoff_ms: 100,
            max_block_ms: 60_000,
            key_serializer: Default::default(),
            value_serializer: Default::default(),
            key_schema: None,
            value_schema: None,
            auto_register_schemas: true,
            enable_idempotence: None,
            max_in_flight_requests_per_connection: 5,
            retries: i32::MAX as u32,
        }
    }
}

impl ProducerConfig {
    /// `ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION_FOR_IDEMPOTENCE`.
    pub const MAX_IN_FLIGHT_FOR_IDEMPOTENCE: u32 = 5;

    /// Whether the producer runs idempotent (`ProducerConfig.postProcessAndValidateIdempotenceConfigs`,
    /// Kafka 3.x): as set, or when not set, unless `retries` is 0, `acks` is not `all` or more
    /// than 5 requests may be in flight (4.0 makes the last an error).
    pub fn idempotence(&self) -> bool {
        self.enable_idempotence.unwrap_or(
            self.retries > 0 && self.acks == crate::protocol::Acks::All && self.max_in_flight_requests_per_connection <= Self::MAX_IN_FLIGHT_FOR_IDEMPOTENCE,
        )
    }

    /// Kafka 3.x's default `delivery.timeout.ms`.
    pub const DEFAULT_DELIVERY_TIMEOUT_MS: u64 = 120_000;

    /// The `delivery.timeout.ms` the producer runs with (`KafkaProducer.configureDeliveryTimeout`).
    pub fn delivery_timeout_ms(&self) -> u64 {
        let floor = self.linger_ms.saturating_add(self.request_timeout_ms);
        self.delivery_timeout_ms.unwrap_or(Self::DEFAULT_DELIVERY_TIMEOUT_MS.max(floor))
    }

    /// What `new KafkaProducer(...)` refuses among the keys this playground takes: an explicit
    /// `delivery.timeout.ms` below `linger.ms` + `request.timeout.ms` (`configureDeliveryTimeout`),
    /// fewer than one request in flight, and an explicit `enable.idempotence=true` with settings
    /// that cannot keep it (`postProcessAndValidateIdempotenceConfigs`).
    pub fn validate(&self) -> Result<(), String> {
        if self.max_in_flight_requests_per_connection == 0 {
            return Err("ConfigException: Invalid value 0 for configuration max.in.flight.requests.per.connection: Value must be at least 1".into());
        }
        if self.enable_idempotence == Some(true) {
            if self.retries == 0 {
                return Err("ConfigException: Must set retries to non-zero when using the idempotent producer.".into());
            }
            if self.acks != crate::protocol::Acks::All {
                return Err("ConfigException: Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.".into());
            }
            if self.max_in_flight_requests_per_connection > Self::MAX_IN_FLIGHT_FOR_IDEMPOTENCE {
                return Err("ConfigException: Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer.".into());
            }
        }
        if let Some(d) = self.delivery_timeout_ms {
            if d < self.linger_ms.saturating_add(self.request_timeout_ms) {
                return Err("ConfigException: delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms".into());
            }
        }
        Ok(())
    }
}

/// Consumer settings (`ConsumerConfig`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ConsumerConfig {
    /// `earliest` or `latest` (Kafka's default).
    #[serde(rename = "auto.offset.reset")]
    pub auto_offset_reset: OffsetReset,
    #[serde(rename = "enable.auto.commit")]
    pub enable_auto_commit: bool,
    #[serde(rename = "auto.commit.interval.ms")]
    pub auto_commit_interval_ms: u64,
    #[serde(rename = "max.poll.records")]
    pub max_poll_records: usize,
    /// Kafka 3.0+ default 45 000 (KIP-735).
    #[serde(rename = "session.timeout.ms")]
    pub session_timeout_ms: u64,
    #[serde(rename = "heartbeat.interval.ms")]
    pub heartbeat_interval_ms: u64,
    #[serde(rename = "max.poll.interval.ms")]
    pub max_poll_interval_ms: u64,
    /// Short names: range, roundrobin, sticky, cooperative-sticky. Kafka 3.x's default list
    /// is [range, cooperative-sticky]; the group uses the first all members support.
    #[serde(rename = "partition.assignment.strategy")]
    pub partition_assignment_strategy: Vec<String>,
    #[serde(rename = "fetch.max.wait.ms")]
    pub fetch_max_wait_ms: u64,
    #[serde(rename = "request.timeout.ms")]
    pub request_timeout_ms: u64,
    #[serde(rename = "retry.backoff.ms")]
    pub retry_backoff_ms: u64,
    #[serde(rename = "key.deserializer")]
    pub key_deserializer: crate::serialization::Serde,
    #[serde(rename = "value.deserializer")]
    pub value_deserializer: crate::serialization::Serde,
    /// The schema of the application's generated class (`specific.avro.reader=true`): records
    /// are resolved from the writer's schema into it. Without it, the writer's schema is used.
    #[serde(rename = "key.reader.schema", skip_serializing_if = "Option::is_none")]
    pub key_reader_schema: Option<serde_json::Value>,
    #[serde(rename = "value.reader.schema", skip_serializing_if = "Option::is_none")]
    pub value_reader_schema: Option<serde_json::Value>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum OffsetReset {
    Earliest,
    #[default]
    Latest,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        ConsumerConfig {
            auto_offset_reset: OffsetReset::Latest,
            enable_auto_commit: true,
            auto_commit_interval_ms: 5_000,
            max_poll_records: 500,
            session_timeout_ms: 45_000,
            heartbeat_interval_ms: 3_000,
            max_poll_interval_ms: 300_000,
            partition_assignment_strategy: vec!["range".into(), "cooperative-sticky".into()],
            fetch_max_wait_ms: 500,
            request_timeout_ms: 30_000,
            retry_backoff_ms: 100,
            key_deserializer: Default::default(),
            value_deserializer: Default::default(),
            key_reader_schema: None,
            value_reader_schema: None,
        }
    }
}

/// One Kafka cluster: its brokers and the chroot it keeps its znodes under.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    #[serde(default = "default_cluster_name")]
    pub name: String,
    /// The chroot of `zookeeper.connect` (`zk:2181/cluster-a` → `/cluster-a`); empty for the root.
    #[serde(default)]
    pub chroot: String,
    pub brokers: Vec<BrokerId>,
    #[serde(default)]
    pub config: BrokerConfig,
    /// Where the cluster keeps its metadata: in ZooKeeper (the source text's Kafka, and the
    /// default) or in its own Raft quorum of controllers (KRaft, the only mode of Kafka 4).
    #[serde(rename = "metadata.mode", default, skip_serializing_if = "MetadataMode::is_zookeeper")]
    pub metadata_mode: MetadataMode,
    /// KRaft: the dedicated controllers' `node.id`s, the voters of `controller.quorum.voters`.
    #[serde(rename = "controller.quorum.voters", default, skip_serializing_if = "Vec::is_empty")]
    pub controllers: Vec<BrokerId>,
}

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MetadataMode {
    #[default]
    Zookeeper,
    Kraft,
}

impl MetadataMode {
    pub fn is_zookeeper(&self) -> bool {
        *self == MetadataMode::Zookeeper
    }
}

impl ClusterSpec {
    pub fn is_kraft(&self) -> bool {
        self.metadata_mode == MetadataMode::Kraft
    }

    /// The controllers of a KRaft cluster: those configured, else three (3000, 3001, 3002, the
    /// ids Kafka's own examples give dedicated controllers).
    pub fn controller_ids(&self) -> Vec<BrokerId> {
        match (self.is_kraft(), self.controllers.is_empty()) {
            (false, _) => Vec::new(),
            (true, true) => vec![3000, 3001, 3002],
            (true, false) => self.controllers.clone(),
        }
    }
}

fn default_cluster_name() -> String {
    "kafka".into()
}

/// The whole world: clusters on one ZooKeeper ensemble, the seed, and network delay.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct WorldConfig {
    pub seed: u64,
    pub clusters: Vec<ClusterSpec>,
    /// Base one-way network delay; each message adds 0..=`jitter_ms` drawn from the seed.
    pub latency_ms: u64,
    pub jitter_ms: u64,
}

impl Default for WorldConfig {
    fn default() -> Self {
        WorldConfig {
            seed: 1,
            clusters: vec![ClusterSpec {
                name: default_cluster_name(),
                chroot: String::new(),
                brokers: vec![1, 2, 3],
                config: BrokerConfig::default(),
                metadata_mode: MetadataMode::Zookeeper,
                controllers: Vec::new(),
            }],
            latency_ms: 1,
            jitter_ms: 1,
        }
    }
}

impl WorldConfig {
    pub fn with_brokers(n: u32) -> Self {
        let mut c = WorldConfig::default();
        c.clusters[0].brokers = (1..=n).collect();
        c
    }
}

/// The most partitions one topic may have here (Kafka allows far more; a picture does not).
pub const MAX_PARTITIONS: u32 = 1000;

impl WorldConfig {
    /// What a world cannot be built from, in a sentence naming the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.clusters.is_empty() {
            return Err("config: at least one cluster is needed".into());
        }
        let mut seen_roots = std::collections::BTreeSet::new();
        let mut seen_names = std::collections::BTreeSet::new();
        for (i, cl) in self.clusters.iter().enumerate() {
            if cl.brokers.is_empty() || cl.brokers.len() > 12 {
                return Err(format!("config: clusters[{i}] must have 1 to 12 brokers"));
            }
            // `broker.id` is unique within a cluster; another cluster may use the same ids.
            let mut seen_ids = std::collections::BTreeSet::new();
            for b in &cl.brokers {
                if !seen_ids.insert(*b) {
                    return Err(format!("config: clusters[{i}]: broker id {b} appears twice (ids are unique within a cluster)"));
                }
            }
            // The name goes before its brokers' names (`cluster-b/broker-1`) and into commands.
            if cl.name.is_empty() || cl.name.len() > 64 || !cl.name.chars().all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch)) {
                return Err(format!(
                    "config: clusters[{i}].name \"{}\" must be 1–64 ASCII letters, digits, '-', '_' or '.'",
                    cl.name
                ));
            }
            if !seen_names.insert(cl.name.as_str()) {
                return Err(format!("config: two clusters are named \"{}\"", cl.name));
            }
            if !(cl.chroot.is_empty() || (cl.chroot.starts_with('/') && cl.chroot.len() > 1 && !cl.chroot.ends_with('/') && !cl.chroot.contains("//"))) {
                return Err(format!(
                    "config: clusters[{i}].chroot \"{}\" must be empty or a path like \"/cluster-a\"",
                    cl.chroot
                ));
            }
            if !cl.is_kraft() && !seen_roots.insert(cl.chroot.clone()) {
                return Err(format!("config: two clusters share the chroot \"{}\"", cl.chroot));
            }
            // `KafkaConfig.validateValues` and `QuorumConfig`: a controller quorum only in KRaft mode,
            // its voters controllers with node ids of their own.
            if !cl.is_kraft() && !cl.controllers.is_empty() {
                return Err(format!(
                    "config: clusters[{i}]: controller.quorum.voters is set but metadata.mode is zookeeper; a ZooKeeper-mode cluster has no controller quorum"
                ));
            }
            let voters = cl.controller_ids();
            if cl.is_kraft() && voters.len() > 7 {
                return Err(format!(
                    "config: clusters[{i}]: controller.quorum.voters: at most 7 controllers here (Kafka suggests 3 or 5)"
                ));
            }
            for v in &voters {
                if seen_ids.contains(v) {
                    return Err(format!(
                        "config: clusters[{i}]: node.id {v} is both a broker and a controller; with process.roles=broker and process.roles=controller on separate nodes, each needs its own node.id"
                    ));
                }
                if voters.iter().filter(|w| *w == v).count() > 1 {
                    return Err(format!("config: clusters[{i}]: controller.quorum.voters names {v} twice"));
                }
            }
            let k = &cl.config;
            if [k.num_partitions, k.offsets_topic_num_partitions]
                .iter()
                .any(|n| *n == 0 || *n > MAX_PARTITIONS)
            {
                return Err(format!(
                    "config: clusters[{i}].config: num.partitions and offsets.topic.num.partitions must be 1 to {MAX_PARTITIONS}"
                ));
            }
            if k.zookeeper_session_timeout_ms < 3
                || k.replica_lag_time_max_ms < 2
                || k.leader_imbalance_check_interval_seconds == 0
                || k.replica_socket_timeout_ms == 0
            {
                return Err(format!("config: clusters[{i}].config has a timeout too small to run"));
            }
        }
        if self.latency_ms == 0 && self.jitter_ms == 0 {
            return Err("config: latency_ms and jitter_ms cannot both be 0".into());
        }
        Ok(())
    }
}
