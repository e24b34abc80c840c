//! The messages nodes send one another: each variant names the Kafka API (or ZooKeeper packet,
//! or schema registry call) it stands for, with the fields the picture and the rules need.

use super::*;

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

    /// KRaft (KIP-595): the controllers' quorum, and brokers pulling `__cluster_metadata`.
    Raft(crate::raft::RaftMessage<MetadataRecord>),
    /// KIP-631: a KRaft broker registers with the active controller.
    BrokerRegistrationRequest {
        correlation_id: u64,
        broker_id: BrokerId,
    },
    /// The broker epoch (the offset of its RegisterBrokerRecord), once the record is committed.
    BrokerRegistrationResponse {
        correlation_id: u64,
        result: Result<u64, ErrorCode>,
    },
    /// KIP-631: every `broker.heartbeat.interval.ms`, with how far the broker has applied the
    /// metadata log; a broker that stops sending is fenced after `broker.session.timeout.ms`.
    BrokerHeartbeatRequest {
        correlation_id: u64,
        broker_id: BrokerId,
        broker_epoch: u64,
        current_metadata_offset: u64,
    },
    BrokerHeartbeatResponse {
        correlation_id: u64,
        result: Result<BrokerHeartbeatState, ErrorCode>,
    },
    /// CreateTopics, as a KRaft broker forwards it to the active controller (KIP-590), or as
    /// the admin tool sends it.
    CreateTopicsRequest {
        correlation_id: u64,
        topic: Name,
        partitions: u32,
        replication_factor: u32,
    },
    CreateTopicsResponse {
        correlation_id: u64,
        topic: Name,
        error: Option<ErrorCode>,
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
            | Message::ControlledShutdownRequest { correlation_id, .. }
            | Message::BrokerRegistrationRequest { correlation_id, .. }
            | Message::BrokerHeartbeatRequest { correlation_id, .. }
            | Message::CreateTopicsRequest { correlation_id, .. } => Some(*correlation_id),
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
            | Message::ControlledShutdownResponse { correlation_id, .. }
            | Message::BrokerRegistrationResponse { correlation_id, .. }
            | Message::BrokerHeartbeatResponse { correlation_id, .. }
            | Message::CreateTopicsResponse { correlation_id, .. } => Some(*correlation_id),
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
            Message::Raft(m) => m.kind(),
            Message::BrokerRegistrationRequest { .. } => "BrokerRegistration",
            Message::BrokerRegistrationResponse { .. } => "BrokerRegistrationResponse",
            Message::BrokerHeartbeatRequest { .. } => "BrokerHeartbeat",
            Message::BrokerHeartbeatResponse { .. } => "BrokerHeartbeatResponse",
            Message::CreateTopicsRequest { .. } => "CreateTopics",
            Message::CreateTopicsResponse { .. } => "CreateTopicsResponse",
            Message::ControllerRequestResponse { api, .. } => match *api {
                "LeaderAndIsr" => "LeaderAndIsrResponse",
                "UpdateMetadata" => "UpdateMetadataResponse",
                _ => "StopReplicaResponse",
            },
        }
    }
}
