//! The requests and responses nodes exchange, named after Kafka's protocol
//! messages (`org.apache.kafka.common.message`), and the values they carry.

mod consumer_protocol;
mod message;
mod metadata_record;
mod summary;

pub use consumer_protocol::{Assignment, Subscription};
pub use message::Message;
pub use metadata_record::MetadataRecord;
pub use summary::Part;

use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

pub type BrokerId = u32;
/// Names of clients (producers, consumers) and topics: cheap to clone into every message.
pub type Name = Rc<str>;
pub type Bytes = Rc<[u8]>;

/// A node of the simulated world: where messages come from and go to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeId {
    ZooKeeper,
    Broker(BrokerNode),
    /// A KRaft controller (`process.roles=controller`): a voter of the metadata quorum. Its
    /// `node.id` is unique among the cluster's brokers and controllers.
    Controller(BrokerNode),
    Client(Name),
}

/// A broker on the network: its cluster and its `broker.id`, which is unique only within
/// that cluster (`KafkaConfig.brokerId`): two clusters on one ZooKeeper may both have a broker 1.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BrokerNode {
    pub cluster: ClusterRef,
    pub id: BrokerId,
}

/// The cluster a broker or a client belongs to: its index in the world's config and, when the
/// world holds several clusters, its name, written before its brokers' names
/// (`cluster-b/broker-1`) as their hosts' names would differ.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ClusterRef {
    pub index: usize,
    pub scope: Option<Name>,
}

impl ClusterRef {
    /// The broker with this id in this cluster, as a member or a client of the cluster reaches
    /// it (its metadata gives the host of every broker id of the cluster).
    pub fn broker(&self, id: BrokerId) -> NodeId {
        NodeId::Broker(BrokerNode { cluster: self.clone(), id })
    }

    /// The KRaft controller with this `node.id` in this cluster.
    pub fn controller(&self, id: BrokerId) -> NodeId {
        NodeId::Controller(BrokerNode { cluster: self.clone(), id })
    }

    /// The host name the broker registers: `broker-1`, or `broker-1.cluster-b` with several
    /// clusters, whose brokers run on different hosts.
    pub fn host(&self, id: BrokerId) -> String {
        match &self.scope {
            None => format!("broker-{id}"),
            Some(c) => format!("broker-{id}.{c}"),
        }
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeId::ZooKeeper => f.write_str("zookeeper"),
            NodeId::Broker(BrokerNode { cluster, id }) => match &cluster.scope {
                None => write!(f, "broker-{id}"),
                Some(c) => write!(f, "{c}/broker-{id}"),
            },
            NodeId::Controller(BrokerNode { cluster, id }) => match &cluster.scope {
                None => write!(f, "controller-{id}"),
                Some(c) => write!(f, "{c}/controller-{id}"),
            },
            NodeId::Client(name) => f.write_str(name),
        }
    }
}

impl Serialize for NodeId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct TopicPartition {
    pub topic: Name,
    pub partition: u32,
}

impl TopicPartition {
    pub fn new(topic: &Name, partition: u32) -> Self {
        TopicPartition {
            topic: topic.clone(),
            partition,
        }
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// A classic group's state in its coordinator (`GroupState` of `GroupMetadata`), as
/// DescribeGroups reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupState {
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
}

/// One record as a log stores it (`org.apache.kafka.common.record.Record`), with the
/// leader epoch of the batch it was written in (KIP-101).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Record {
    pub offset: u64,
    pub timestamp_ms: u64,
    #[serde(serialize_with = "ser_opt_bytes")]
    pub key: Option<Bytes>,
    #[serde(serialize_with = "ser_opt_bytes")]
    pub value: Option<Bytes>,
    pub headers: Vec<(Name, Bytes)>,
    pub leader_epoch: u32,
    /// The idempotent producer's stamp on the record's batch; `None` from a producer without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub producer: Option<BatchProducer>,
}

/// What an idempotent producer writes in a batch's header (KIP-98, `DefaultRecordBatch`): its
/// producer id and epoch, and the sequence numbers of the batch's first and last record in
/// this partition. The broker keeps the last five per producer to drop a retried duplicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BatchProducer {
    pub producer_id: u64,
    pub producer_epoch: u16,
    pub base_sequence: u32,
    pub last_sequence: u32,
}

/// One partition's batch in a Produce request.
#[derive(Clone, Debug)]
pub struct ProduceBatch {
    pub tp: TopicPartition,
    pub producer: Option<BatchProducer>,
    pub records: Vec<ProducerRecord>,
}

/// A record as a producer hands it over, before the leader gives it an offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProducerRecord {
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<(Name, Bytes)>,
    pub timestamp_ms: u64,
}

impl ProducerRecord {
    /// Rough size as `batch.size` counts it: key, value and headers.
    pub fn size_in_bytes(&self) -> usize {
        let k = self.key.as_ref().map_or(0, |k| k.len());
        let v = self.value.as_ref().map_or(0, |v| v.len());
        let h: usize = self.headers.iter().map(|(n, v)| n.len() + v.len()).sum();
        // Kafka's per-record overhead in a v2 batch is about a dozen bytes.
        12 + k + v + h
    }
}

/// Bytes shown as text when they are printable UTF-8, as a hex string otherwise (an Integer's
/// or an Avro record's bytes are valid UTF-8 full of control characters).
pub fn display_bytes(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) if !s.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) => s.to_string(),
        _ => b.iter().map(|x| format!("{x:02x}")).collect(),
    }
}

pub(crate) fn ser_opt_bytes<S: Serializer>(b: &Option<Bytes>, s: S) -> Result<S::Ok, S::Error> {
    match b {
        Some(b) => s.serialize_str(&display_bytes(b)),
        None => s.serialize_none(),
    }
}

/// Kafka's error codes, by the names `org.apache.kafka.common.protocol.Errors` gives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    UnknownTopicOrPartition,
    LeaderNotAvailable,
    NotLeaderOrFollower,
    RequestTimedOut,
    /// The connection dropped under a request (`NetworkClient`: "Disconnected from node N").
    NetworkException,
    NotEnoughReplicas,
    NotEnoughReplicasAfterAppend,
    FencedLeaderEpoch,
    StaleControllerEpoch,
    /// `ControlledShutdownRequest` from an older incarnation of the broker (KIP-380).
    StaleBrokerEpoch,
    /// `ControlledShutdownRequest` from a broker the controller does not count as alive.
    BrokerNotAvailable,
    /// AllocateProducerIds from a broker the controller does not know.
    BrokerIdNotRegistered,
    NotController,
    InvalidUpdateVersion,
    /// AlterPartition naming a replica the controller does not count as alive (KIP-841).
    IneligibleReplica,
    OffsetOutOfRange,
    CoordinatorNotAvailable,
    NotCoordinator,
    CoordinatorLoadInProgress,
    IllegalGeneration,
    UnknownMemberId,
    RebalanceInProgress,
    InconsistentGroupProtocol,
    MemberIdRequired,
    /// A batch whose first sequence does not follow the producer's last one (`ProducerAppendInfo.checkSequence`).
    OutOfOrderSequenceNumber,
    /// A batch from an older epoch of its producer (`ProducerAppendInfo.checkProducerEpoch`).
    InvalidProducerEpoch,
    /// Not a broker error: the producer's own `TimeoutException` when `delivery.timeout.ms` passes.
    DeliveryTimeout,
    /// CreateTopics of a topic that exists.
    TopicAlreadyExists,
    /// CreateTopics asking for more replicas than there are brokers to hold them.
    InvalidReplicationFactor,
}

impl ErrorCode {
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::UnknownTopicOrPartition => "UNKNOWN_TOPIC_OR_PARTITION",
            ErrorCode::LeaderNotAvailable => "LEADER_NOT_AVAILABLE",
            ErrorCode::NotLeaderOrFollower => "NOT_LEADER_OR_FOLLOWER",
            ErrorCode::RequestTimedOut => "REQUEST_TIMED_OUT",
            ErrorCode::NetworkException => "NETWORK_EXCEPTION",
            ErrorCode::NotEnoughReplicas => "NOT_ENOUGH_REPLICAS",
            ErrorCode::NotEnoughReplicasAfterAppend => "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
            ErrorCode::FencedLeaderEpoch => "FENCED_LEADER_EPOCH",
            ErrorCode::StaleControllerEpoch => "STALE_CONTROLLER_EPOCH",
            ErrorCode::StaleBrokerEpoch => "STALE_BROKER_EPOCH",
            ErrorCode::BrokerNotAvailable => "BROKER_NOT_AVAILABLE",
            ErrorCode::BrokerIdNotRegistered => "BROKER_ID_NOT_REGISTERED",
            ErrorCode::NotController => "NOT_CONTROLLER",
            ErrorCode::InvalidUpdateVersion => "INVALID_UPDATE_VERSION",
            ErrorCode::IneligibleReplica => "INELIGIBLE_REPLICA",
            ErrorCode::OffsetOutOfRange => "OFFSET_OUT_OF_RANGE",
            ErrorCode::CoordinatorNotAvailable => "COORDINATOR_NOT_AVAILABLE",
            ErrorCode::NotCoordinator => "NOT_COORDINATOR",
            ErrorCode::CoordinatorLoadInProgress => "COORDINATOR_LOAD_IN_PROGRESS",
            ErrorCode::IllegalGeneration => "ILLEGAL_GENERATION",
            ErrorCode::UnknownMemberId => "UNKNOWN_MEMBER_ID",
            ErrorCode::RebalanceInProgress => "REBALANCE_IN_PROGRESS",
            ErrorCode::InconsistentGroupProtocol => "INCONSISTENT_GROUP_PROTOCOL",
            ErrorCode::MemberIdRequired => "MEMBER_ID_REQUIRED",
            ErrorCode::OutOfOrderSequenceNumber => "OUT_OF_ORDER_SEQUENCE_NUMBER",
            ErrorCode::InvalidProducerEpoch => "INVALID_PRODUCER_EPOCH",
            ErrorCode::DeliveryTimeout => "TIMEOUT",
            ErrorCode::TopicAlreadyExists => "TOPIC_ALREADY_EXISTS",
            ErrorCode::InvalidReplicationFactor => "INVALID_REPLICATION_FACTOR",
        }
    }

    /// `RetriableException` subclasses: the producer retries these. OUT_OF_ORDER_SEQUENCE_NUMBER
    /// is not one; the idempotent producer retries it by its own rule (`TransactionManager.canRetry`).
    pub fn is_retriable(self) -> bool {
        !matches!(
            self,
            ErrorCode::DeliveryTimeout | ErrorCode::InconsistentGroupProtocol | ErrorCode::OutOfOrderSequenceNumber | ErrorCode::InvalidProducerEpoch
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Leader, ISR and epochs of one partition, as the controller decides them and
/// `/brokers/topics/<t>/partitions/<p>/state` stores them (`LeaderAndIsr`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LeaderAndIsr {
    pub leader: Option<BrokerId>,
    pub leader_epoch: u32,
    pub isr: Vec<BrokerId>,
    /// The znode's version (Kafka's `partitionEpoch` / zkVersion): guards conditional updates.
    pub partition_epoch: u32,
    pub controller_epoch: u32,
}

/// The active controller's answer to a heartbeat (`BrokerHeartbeatResponse`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BrokerHeartbeatState {
    /// The broker has applied the metadata log up to its registration.
    pub is_caught_up: bool,
    pub is_fenced: bool,
}

/// What a broker learns of one partition through LeaderAndIsr and UpdateMetadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartitionMetadata {
    pub tp: TopicPartition,
    pub replicas: Vec<BrokerId>,
    pub state: LeaderAndIsr,
}

#[derive(Clone, Debug)]
pub struct FetchPartition {
    pub tp: TopicPartition,
    pub fetch_offset: u64,
    pub current_leader_epoch: u32,
}

#[derive(Clone, Debug)]
pub struct FetchedPartition {
    pub tp: TopicPartition,
    pub error: Option<ErrorCode>,
    pub high_watermark: u64,
    pub records: Vec<Record>,
}

#[derive(Clone, Debug)]
pub struct ProduceResult {
    pub tp: TopicPartition,
    pub error: Option<ErrorCode>,
    pub base_offset: u64,
}

/// One partition's answer in an OffsetsForLeaderEpoch response (Kafka's `EpochEndOffset`): the
/// epoch and its end offset, `Ok(None)` for UNDEFINED_EPOCH_OFFSET, or the error.
pub type EpochEndOffset = Result<Option<(u32, u64)>, ErrorCode>;

/// A schema registry error as its REST API returns it: an HTTP status, the registry's own
/// error code, and its message (`RestClientException`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegistryError {
    pub http_status: u16,
    pub error_code: u32,
    pub message: String,
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; error code: {}", self.message, self.error_code)
    }
}

/// What the coordinator tells a member when a rebalance's join phase completes.
#[derive(Clone, Debug)]
pub struct JoinResult {
    pub generation: i32,
    pub protocol: String,
    pub leader: String,
    pub member_id: String,
    /// Every member's subscription, for the leader only.
    pub members: Vec<Subscription>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WatchKind {
    Data,
    Children,
}

/// The producer's `acks`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
pub enum Acks {
    #[serde(rename = "0")]
    None,
    #[serde(rename = "1")]
    Leader,
    /// Default since Kafka 3.0 (KIP-679).
    #[default]
    #[serde(rename = "all", alias = "-1")]
    All,
}
