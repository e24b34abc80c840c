//! The requests and responses nodes exchange, named after Kafka's protocol
//! messages (`org.apache.kafka.common.message`), and the values they carry.

pub use crate::assignor::{Assignment, Subscription};
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

/// The protocol. Each variant names the Kafka API (or ZooKeeper packet) it stands for.
#[derive(Clone, Debug)]
pub enum Message {
    /// ZooKeeper client heartbeat; keeps the session (and its ephemeral znodes) alive.
    ZkPing {
        session_id: u64,
    },
    ZkPingResponse {
        session_id: u64,
        expired: bool,
    },
    /// A one-shot watch fired: the watcher must read again (and set a new watch).
    ZkWatchEvent {
        path: String,
        kind: WatchKind,
    },

    MetadataRequest {
        correlation_id: u64,
        topics: Vec<Name>,
    },
    MetadataResponse {
        correlation_id: u64,
        brokers: Vec<BrokerId>,
        partitions: Vec<PartitionMetadata>,
        errors: Vec<(Name, ErrorCode)>,
    },

    ProduceRequest {
        correlation_id: u64,
        acks: Acks,
        timeout_ms: u64,
        batches: Vec<ProduceBatch>,
    },
    ProduceResponse {
        correlation_id: u64,
        results: Vec<ProduceResult>,
    },
    /// An idempotent producer asks any broker for a producer id (KIP-98; no transactional id).
    InitProducerIdRequest {
        correlation_id: u64,
    },
    /// The producer id and epoch, or COORDINATOR_LOAD_IN_PROGRESS while the broker waits for a block of ids.
    InitProducerIdResponse {
        correlation_id: u64,
        result: Result<(u64, u16), ErrorCode>,
    },
    /// A broker asks the controller for its next block of producer ids (KIP-730).
    AllocateProducerIdsRequest {
        correlation_id: u64,
        broker_id: BrokerId,
        broker_epoch: u64,
    },
    /// The first id of the block and how many it holds.
    AllocateProducerIdsResponse {
        correlation_id: u64,
        result: Result<(u64, u64), ErrorCode>,
    },

    /// A follower's (`replica_id` Some) or a consumer's fetch.
    FetchRequest {
        correlation_id: u64,
        replica_id: Option<BrokerId>,
        partitions: Vec<FetchPartition>,
        max_wait_ms: u64,
    },
    FetchResponse {
        correlation_id: u64,
        partitions: Vec<FetchedPartition>,
    },

    /// KIP-101/KIP-279: a new follower asks where its last epoch ends on the leader.
    OffsetsForLeaderEpochRequest {
        correlation_id: u64,
        partitions: Vec<(TopicPartition, u32)>,
    },
    /// `Ok(None)`: the leader knows no end for that epoch (UNDEFINED_EPOCH_OFFSET).
    OffsetsForLeaderEpochResponse {
        correlation_id: u64,
        partitions: Vec<(TopicPartition, EpochEndOffset)>,
    },

    LeaderAndIsrRequest {
        controller_id: BrokerId,
        controller_epoch: u32,
        partitions: Vec<PartitionMetadata>,
    },
    UpdateMetadataRequest {
        controller_id: BrokerId,
        controller_epoch: u32,
        live_brokers: Vec<BrokerId>,
        partitions: Vec<PartitionMetadata>,
    },

    /// `KafkaServer.controlledShutdown`: a stopping broker asks the controller to move its
    /// leaderships away first (`ControlledShutdownRequest`, with its broker epoch, KIP-380).
    ControlledShutdownRequest {
        correlation_id: u64,
        broker_id: BrokerId,
        broker_epoch: u64,
    },
    /// The partitions the broker still leads (`remainingPartitions`), or the controller's error.
    ControlledShutdownResponse {
        correlation_id: u64,
        result: Result<Vec<TopicPartition>, ErrorCode>,
    },
    /// The controller tells a broker to stop its replicas of these partitions (here always with
    /// `deletePartitions` false: the logs stay; the fetchers stop).
    StopReplicaRequest {
        controller_id: BrokerId,
        controller_epoch: u32,
        partitions: Vec<TopicPartition>,
    },
    /// A broker's answer to a LeaderAndIsr, UpdateMetadata or StopReplica (`api`) that it
    /// refused. A request it carried out is not answered here: Kafka's controller does
    /// nothing with a successful answer that this model has (no log directories to fail).
    ControllerRequestResponse {
        api: &'static str,
        controller_epoch: u32,
        error: ErrorCode,
    },

    /// A client asks any broker which one coordinates its group.
    FindCoordinatorRequest {
        correlation_id: u64,
        group_id: String,
    },
    FindCoordinatorResponse {
        correlation_id: u64,
        result: Result<BrokerId, ErrorCode>,
    },
    /// Classic group protocol: join, then the leader's SyncGroup hands out the assignment.
    JoinGroupRequest {
        correlation_id: u64,
        group_id: String,
        member_id: String,
        session_timeout_ms: u64,
        rebalance_timeout_ms: u64,
        protocols: Vec<(String, Subscription)>,
    },
    JoinGroupResponse {
        correlation_id: u64,
        result: Result<JoinResult, (ErrorCode, String)>,
    },
    SyncGroupRequest {
        correlation_id: u64,
        group_id: String,
        generation: i32,
        member_id: String,
        assignments: Assignment,
    },
    SyncGroupResponse {
        correlation_id: u64,
        result: Result<BTreeMap<String, Vec<u32>>, ErrorCode>,
    },
    HeartbeatRequest {
        correlation_id: u64,
        group_id: String,
        generation: i32,
        member_id: String,
    },
    HeartbeatResponse {
        correlation_id: u64,
        error: Option<ErrorCode>,
    },
    LeaveGroupRequest {
        correlation_id: u64,
        group_id: String,
        member_id: String,
    },
    LeaveGroupResponse {
        correlation_id: u64,
    },
    /// `generation` -1 and an empty member id: a consumer outside group management.
    OffsetCommitRequest {
        correlation_id: u64,
        group_id: String,
        generation: i32,
        member_id: String,
        offsets: Vec<(TopicPartition, u64)>,
    },
    OffsetCommitResponse {
        correlation_id: u64,
        results: Vec<(TopicPartition, Option<ErrorCode>)>,
    },
    OffsetFetchRequest {
        correlation_id: u64,
        group_id: String,
        partitions: Vec<TopicPartition>,
    },
    OffsetFetchResponse {
        correlation_id: u64,
        result: Result<Vec<(TopicPartition, Option<u64>)>, ErrorCode>,
    },
    /// Earliest (`true`) or latest offset of partitions, for `auto.offset.reset`.
    ListOffsetsRequest {
        correlation_id: u64,
        partitions: Vec<(TopicPartition, bool)>,
    },
    ListOffsetsResponse {
        correlation_id: u64,
        results: Vec<(TopicPartition, Result<u64, ErrorCode>)>,
    },

    /// Not a Kafka message: the TCP reset a crashed broker's host sends back, which the
    /// sender's `NetworkClient` sees as a disconnect, failing the request at once.
    Disconnected {
        correlation_id: u64,
    },

    /// KIP-497: a leader asks the controller to change the ISR.
    AlterPartitionRequest {
        broker_id: BrokerId,
        tp: TopicPartition,
        leader_epoch: u32,
        partition_epoch: u32,
        new_isr: Vec<BrokerId>,
    },
    AlterPartitionResponse {
        tp: TopicPartition,
        result: Result<LeaderAndIsr, ErrorCode>,
    },

    /// Schema registry REST: `POST /subjects/{subject}/versions` (register) or, with
    /// `register` false (`auto.register.schemas=false`), `POST /subjects/{subject}` (look up).
    RegisterSchemaRequest {
        correlation_id: u64,
        subject: String,
        schema: Rc<str>,
        register: bool,
    },
    RegisterSchemaResponse {
        correlation_id: u64,
        result: Result<u32, RegistryError>,
    },
    /// `GET /schemas/ids/{id}`: a deserializer meets an id it has not seen.
    SchemaByIdRequest {
        correlation_id: u64,
        id: u32,
    },
    SchemaByIdResponse {
        correlation_id: u64,
        id: u32,
        result: Result<Rc<str>, RegistryError>,
    },
}

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

impl Message {
    /// The correlation id of a client or follower request, whose sender waits for an answer.
    pub fn request_correlation_id(&self) -> Option<u64> {
        match self {
            Message::MetadataRequest { correlation_id, .. }
            | Message::ProduceRequest { correlation_id, .. }
            | Message::InitProducerIdRequest { correlation_id }
            | Message::AllocateProducerIdsRequest { correlation_id, .. }
            | Message::FetchRequest { correlation_id, .. }
            | Message::OffsetsForLeaderEpochRequest { correlation_id, .. }
            | Message::FindCoordinatorRequest { correlation_id, .. }
            | Message::JoinGroupRequest { correlation_id, .. }
            | Message::SyncGroupRequest { correlation_id, .. }
            | Message::HeartbeatRequest { correlation_id, .. }
            | Message::LeaveGroupRequest { correlation_id, .. }
            | Message::OffsetCommitRequest { correlation_id, .. }
            | Message::OffsetFetchRequest { correlation_id, .. }
            | Message::ListOffsetsRequest { correlation_id, .. }
            | Message::RegisterSchemaRequest { correlation_id, .. }
            | Message::SchemaByIdRequest { correlation_id, .. }
            | Message::ControlledShutdownRequest { correlation_id, .. } => Some(*correlation_id),
            _ => None,
        }
    }

    /// The correlation id of an answer (or of the disconnect that stands for one): which
    /// request of its receiver it answers.
    pub fn response_correlation_id(&self) -> Option<u64> {
        match self {
            Message::MetadataResponse { correlation_id, .. }
            | Message::ProduceResponse { correlation_id, .. }
            | Message::InitProducerIdResponse { correlation_id, .. }
            | Message::AllocateProducerIdsResponse { correlation_id, .. }
            | Message::FetchResponse { correlation_id, .. }
            | Message::OffsetsForLeaderEpochResponse { correlation_id, .. }
            | Message::Disconnected { correlation_id }
            | Message::FindCoordinatorResponse { correlation_id, .. }
            | Message::JoinGroupResponse { correlation_id, .. }
            | Message::SyncGroupResponse { correlation_id, .. }
            | Message::HeartbeatResponse { correlation_id, .. }
            | Message::LeaveGroupResponse { correlation_id }
            | Message::OffsetCommitResponse { correlation_id, .. }
            | Message::OffsetFetchResponse { correlation_id, .. }
            | Message::ListOffsetsResponse { correlation_id, .. }
            | Message::RegisterSchemaResponse { correlation_id, .. }
            | Message::SchemaByIdResponse { correlation_id, .. }
            | Message::ControlledShutdownResponse { correlation_id, .. } => Some(*correlation_id),
            _ => None,
        }
    }

    /// Kafka's name of the API, as the page and the narration show it.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::ZkPing { .. } => "ZkPing",
            Message::ZkPingResponse { .. } => "ZkPingResponse",
            Message::ZkWatchEvent { .. } => "ZkWatchEvent",
            Message::MetadataRequest { .. } => "Metadata",
            Message::MetadataResponse { .. } => "MetadataResponse",
            Message::ProduceRequest { .. } => "Produce",
            Message::ProduceResponse { .. } => "ProduceResponse",
            Message::InitProducerIdRequest { .. } => "InitProducerId",
            Message::InitProducerIdResponse { .. } => "InitProducerIdResponse",
            Message::AllocateProducerIdsRequest { .. } => "AllocateProducerIds",
            Message::AllocateProducerIdsResponse { .. } => "AllocateProducerIdsResponse",
            Message::FetchRequest { .. } => "Fetch",
            Message::FetchResponse { .. } => "FetchResponse",
            Message::OffsetsForLeaderEpochRequest { .. } => "OffsetsForLeaderEpoch",
            Message::OffsetsForLeaderEpochResponse { .. } => "OffsetsForLeaderEpochResponse",
            Message::LeaderAndIsrRequest { .. } => "LeaderAndIsr",
            Message::UpdateMetadataRequest { .. } => "UpdateMetadata",
            Message::AlterPartitionRequest { .. } => "AlterPartition",
            Message::Disconnected { .. } => "Disconnected",
            Message::FindCoordinatorRequest { .. } => "FindCoordinator",
            Message::FindCoordinatorResponse { .. } => "FindCoordinatorResponse",
            Message::JoinGroupRequest { .. } => "JoinGroup",
            Message::JoinGroupResponse { .. } => "JoinGroupResponse",
            Message::SyncGroupRequest { .. } => "SyncGroup",
            Message::SyncGroupResponse { .. } => "SyncGroupResponse",
            Message::HeartbeatRequest { .. } => "Heartbeat",
            Message::HeartbeatResponse { .. } => "HeartbeatResponse",
            Message::LeaveGroupRequest { .. } => "LeaveGroup",
            Message::LeaveGroupResponse { .. } => "LeaveGroupResponse",
            Message::OffsetCommitRequest { .. } => "OffsetCommit",
            Message::OffsetCommitResponse { .. } => "OffsetCommitResponse",
            Message::OffsetFetchRequest { .. } => "OffsetFetch",
            Message::OffsetFetchResponse { .. } => "OffsetFetchResponse",
            Message::ListOffsetsRequest { .. } => "ListOffsets",
            Message::ListOffsetsResponse { .. } => "ListOffsetsResponse",
            Message::AlterPartitionResponse { .. } => "AlterPartitionResponse",
            Message::RegisterSchemaRequest { register: true, .. } => "RegisterSchema",
            Message::RegisterSchemaRequest { register: false, .. } => "LookUpSchema",
            Message::RegisterSchemaResponse { .. } => "RegisterSchemaResponse",
            Message::SchemaByIdRequest { .. } => "GetSchemaById",
            Message::SchemaByIdResponse { .. } => "GetSchemaByIdResponse",
            Message::ControlledShutdownRequest { .. } => "ControlledShutdown",
            Message::ControlledShutdownResponse { .. } => "ControlledShutdownResponse",
            Message::StopReplicaRequest { .. } => "StopReplica",
            Message::ControllerRequestResponse { api, .. } => match *api {
                "LeaderAndIsr" => "LeaderAndIsrResponse",
                "UpdateMetadata" => "UpdateMetadataResponse",
                _ => "StopReplicaResponse",
            },
        }
    }

    /// A short plain summary of the payload, for the narration and the trace.
    /// What the narration says of the message: Kafka's values as they are, and a few words
    /// each locale words its own way (`summaryWords` in www/locales), so no English sentence
    /// ends up inside a Korean one.
    pub fn summary(&self) -> Vec<Part> {
        let s = Sum::default();
        match self {
            Message::ZkPing { session_id } => s.w("session").v(format!("0x{session_id:x}")),
            Message::ZkPingResponse { session_id, expired } => s.w("session").v(format!("0x{session_id:x}")).w(if *expired { "expired" } else { "alive" }),
            Message::ZkWatchEvent { path, kind } => s
                .w(match kind {
                    WatchKind::Data => "node_changed",
                    WatchKind::Children => "children_changed",
                })
                .v(":")
                .v(path),
            Message::MetadataRequest { topics, .. } => s.list(topics.iter(), |s, t| s.v(t)),
            Message::MetadataResponse { partitions, errors, .. } => s
                .list(partitions.iter(), |s, p| s.v(&p.tp).w("leader").opt(p.state.leader))
                .list(errors.iter(), |s, (t, e)| s.v(t).v(":").v(e)),
            Message::ProduceRequest { acks, batches, .. } => {
                let acks = match acks {
                    Acks::None => "0",
                    Acks::Leader => "1",
                    Acks::All => "all",
                };
                s.v(format!("acks={acks}")).list(batches.iter(), |s, b| {
                    let s = s.v(&b.tp).v(format!("×{}", b.records.len()));
                    match b.producer {
                        Some(p) => s
                            .w("producer_id")
                            .v(p.producer_id)
                            .w("seq")
                            .v(format!("{}–{}", p.base_sequence, p.last_sequence)),
                        None => s,
                    }
                })
            }
            Message::InitProducerIdRequest { .. } => s,
            Message::InitProducerIdResponse { result, .. } => match result {
                Ok((id, epoch)) => s.w("producer_id").v(id).w("epoch").v(epoch),
                Err(e) => s.v(e),
            },
            Message::AllocateProducerIdsRequest { broker_id, .. } => s.w("broker").v(broker_id),
            Message::AllocateProducerIdsResponse { result, .. } => match result {
                Ok((first, len)) => s.w("producer_ids").v(format!("{first}–{}", first + len - 1)),
                Err(e) => s.v(e),
            },
            Message::ProduceResponse { results, .. } => s.list(results.iter(), |s, r| match r.error {
                None => s.v(&r.tp).v("ACK").w("offset").v(r.base_offset),
                Some(e) => s.v(&r.tp).v("NACK").v(e),
            }),
            Message::FetchRequest { partitions, .. } => s.list(partitions.iter(), |s, p| s.v(&p.tp).w("from_offset").v(p.fetch_offset)),
            Message::FetchResponse { partitions, .. } => s.list(partitions.iter(), |s, p| match p.error {
                None => s.v(&p.tp).v(format!("×{}", p.records.len())).v("HW").v(p.high_watermark),
                Some(e) => s.v(&p.tp).v(e),
            }),
            Message::OffsetsForLeaderEpochRequest { partitions, .. } => s.list(partitions.iter(), |s, (tp, e)| s.v(tp).w("epoch").v(e)),
            Message::OffsetsForLeaderEpochResponse { partitions, .. } => s.list(partitions.iter(), |s, (tp, r)| match r {
                Ok(Some((e, o))) => s.v(tp).w("epoch").v(e).w("ends_at").v(o),
                Ok(None) => s.v(tp).w("epoch").w("unknown"),
                Err(e) => s.v(tp).v(e),
            }),
            Message::LeaderAndIsrRequest {
                controller_epoch, partitions, ..
            }
            | Message::UpdateMetadataRequest {
                controller_epoch, partitions, ..
            } => s
                .w("controller_epoch")
                .v(controller_epoch)
                .v(":")
                .list(partitions.iter(), |s, p| s.state(&p.tp, &p.state)),
            Message::AlterPartitionRequest { tp, new_isr, .. } => s.v(tp).v("ISR").v(format!("{new_isr:?}")),
            Message::Disconnected { .. } => s.w("connection_refused"),
            Message::FindCoordinatorRequest { group_id, .. } => s.w("group").v(group_id),
            Message::FindCoordinatorResponse { result, .. } => match result {
                Ok(b) => s.w("coordinator").w("broker").v(b),
                Err(e) => s.v(e),
            },
            Message::JoinGroupRequest { group_id, member_id, .. } => {
                let s = s.w("group").v(group_id).w("member");
                if member_id.is_empty() {
                    s.w("new_member")
                } else {
                    s.v(member_id)
                }
            }
            Message::JoinGroupResponse { result, .. } => match result {
                Ok(j) => s.w("generation").v(j.generation).w("leader").v(&j.leader).w("member").v(&j.member_id),
                Err((e, m)) => s.v(e).v(m),
            },
            Message::SyncGroupRequest {
                group_id,
                generation,
                assignments,
                ..
            } => {
                let s = s.w("group").v(group_id).w("generation").v(generation);
                if assignments.is_empty() {
                    s
                } else {
                    s.w("assignments").v(assignments.len())
                }
            }
            Message::SyncGroupResponse { result, .. } => match result {
                Ok(a) => s.list(a.iter(), |s, (t, ps)| s.v(t).v(format!("{ps:?}"))),
                Err(e) => s.v(e),
            },
            Message::HeartbeatRequest { member_id, generation, .. } => s.v(member_id).w("generation").v(generation),
            Message::HeartbeatResponse { error, .. } => match error {
                None => s.v("OK"),
                Some(e) => s.v(e),
            },
            Message::LeaveGroupRequest { member_id, .. } => s.v(member_id),
            Message::LeaveGroupResponse { .. } => s.v("OK"),
            Message::OffsetCommitRequest { offsets, .. } => s.list(offsets.iter(), |s, (tp, o)| s.v(tp).v("→").v(o)),
            Message::OffsetCommitResponse { results, .. } => s.list(results.iter(), |s, (tp, e)| match e {
                None => s.v(tp).v("OK"),
                Some(e) => s.v(tp).v(e),
            }),
            Message::OffsetFetchRequest { partitions, .. } => s.list(partitions.iter(), |s, tp| s.v(tp)),
            Message::OffsetFetchResponse { result, .. } => match result {
                Ok(v) => s.list(v.iter(), |s, (tp, o)| s.v(tp).opt(*o)),
                Err(e) => s.v(e),
            },
            Message::ListOffsetsRequest { partitions, .. } => s.list(partitions.iter(), |s, (tp, e)| s.v(tp).w(if *e { "earliest" } else { "latest" })),
            Message::ListOffsetsResponse { results, .. } => s.list(results.iter(), |s, (tp, r)| match r {
                Ok(o) => s.v(tp).v(o),
                Err(e) => s.v(tp).v(e),
            }),
            Message::AlterPartitionResponse { tp, result } => match result {
                Ok(st) => s.state(tp, st),
                Err(e) => s.v(tp).v(e),
            },
            Message::RegisterSchemaRequest { subject, .. } => s.v(subject),
            Message::RegisterSchemaResponse { result, .. } => match result {
                Ok(id) => s.v("id").v(id),
                Err(e) => s.v(format!("HTTP {}", e.http_status)).v(e),
            },
            Message::SchemaByIdRequest { id, .. } => s.v("id").v(id),
            Message::SchemaByIdResponse { id, result, .. } => match result {
                Ok(_) => s.w("schema").v(id),
                Err(e) => s.v(format!("HTTP {}", e.http_status)).v(e),
            },
            Message::ControlledShutdownRequest { broker_id, broker_epoch, .. } => s.w("broker").v(broker_id).w("epoch").v(broker_epoch),
            Message::ControlledShutdownResponse { result, .. } => match result {
                Ok(r) if r.is_empty() => s.w("nothing_remaining"),
                Ok(r) => s.w("remaining").list(r.iter(), |s, tp| s.v(tp)),
                Err(e) => s.v(e),
            },
            Message::StopReplicaRequest {
                controller_epoch, partitions, ..
            } => s.w("controller_epoch").v(controller_epoch).v(":").list(partitions.iter(), |s, tp| s.v(tp)),
            Message::ControllerRequestResponse { controller_epoch, error, .. } => s.w("controller_epoch").v(controller_epoch).v(":").v(error),
        }
        .0
    }
}

/// A part of a message's summary: a word the locale words (`{"w": "leader"}`) or a value as it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Part {
    Word { w: &'static str },
    Value(String),
}

/// Builds a summary: values, words, and lists of at most four items (then "… +N").
#[derive(Default)]
struct Sum(Vec<Part>);

impl Sum {
    fn w(mut self, w: &'static str) -> Self {
        self.0.push(Part::Word { w });
        self
    }

    fn v(mut self, v: impl fmt::Display) -> Self {
        self.0.push(Part::Value(v.to_string()));
        self
    }

    /// A broker id, or the word for none.
    fn opt(self, v: Option<impl fmt::Display>) -> Self {
        match v {
            Some(v) => self.v(v),
            None => self.w("none"),
        }
    }

    fn state(self, tp: &TopicPartition, st: &LeaderAndIsr) -> Self {
        self.v(tp)
            .w("leader")
            .opt(st.leader)
            .w("epoch")
            .v(st.leader_epoch)
            .v("ISR")
            .v(format!("{:?}", st.isr))
    }

    fn list<T>(mut self, items: impl Iterator<Item = T>, each: impl Fn(Sum, T) -> Sum) -> Self {
        let items: Vec<T> = items.collect();
        let n = items.len();
        for (i, item) in items.into_iter().enumerate() {
            if i == 4 {
                return self.v(format!("… +{}", n - 4));
            }
            if i > 0 {
                self = self.v(",");
            }
            self = each(self, item);
        }
        self
    }
}
