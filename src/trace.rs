//! TraceEvent: the one vocabulary the page, the narration, the tests and the
//! checker share. One event per observable fact; the engine states facts and
//! never narrates.

use crate::protocol::{BrokerId, Bytes, ErrorCode, GroupState, Name, NodeId, TopicPartition, WatchKind};
use serde::Serialize;

/// One event with the step and virtual time that produced it.
#[derive(Clone, Debug, Serialize)]
pub struct TraceRecord {
    pub step: u64,
    pub time_ms: u64,
    /// The name of the cluster whose node caused the event, when the world holds several
    /// clusters: their broker ids overlap, so `broker: 1` needs it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<Name>,
    #[serde(flatten)]
    pub event: Event,
}

/// Why a partition got a new leader (the controller's `PartitionLeaderElectionStrategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ElectionReason {
    /// A new partition's first leader.
    NewPartition,
    /// The leader went offline; the first live ISR member in assignment order leads.
    OfflineLeader,
    /// `unclean.leader.election.enable`: no ISR member was alive, a replica outside the ISR leads.
    Unclean,
    /// Leadership moves back to the first replica of the assignment.
    Preferred,
    /// No replica could lead: the partition is offline.
    NoneAvailable,
    /// The leader is shutting down: the first live ISR member in assignment order that is not
    /// shutting down leads (`ControlledShutdownPartitionLeaderElectionStrategy`).
    ControlledShutdown,
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    // The network.
    /// `background`: housekeeping (heartbeats, idle fetches) a picture may draw faintly.
    MessageSent {
        id: u64,
        from: NodeId,
        to: NodeId,
        kind: &'static str,
        summary: Vec<crate::protocol::Part>,
        deliver_at_ms: u64,
        background: bool,
    },
    MessageDelivered {
        id: u64,
        from: NodeId,
        to: NodeId,
        kind: &'static str,
    },
    MessageDropped {
        id: u64,
        from: NodeId,
        to: NodeId,
        kind: &'static str,
        reason: &'static str,
    },

    // Faults and lifecycle, as commanded.
    BrokerStarted {
        broker: BrokerId,
    },
    /// `KafkaServer.startup` failed ("Fatal error during KafkaServer startup. Prepare to
    /// shutdown") and the process exited: `KafkaZkClient.registerBroker` found `/brokers/ids/<id>`
    /// held by another session (`error` "NODEEXISTS", `checkedEphemeralCreate`), the previous
    /// run's, which ZooKeeper expires at `owner_session_expires_at_ms` if it hears nothing more.
    BrokerStartFailed {
        broker: BrokerId,
        error: &'static str,
        owner_session: u64,
        owner_session_expires_at_ms: Option<u64>,
    },
    /// The broker's process died (a crash): nothing was closed; ZooKeeper notices when its
    /// session expires.
    BrokerStopped {
        broker: BrokerId,
        /// A KRaft broker: the active controller notices when its heartbeats stop.
        #[serde(skip_serializing_if = "is_false")]
        kraft: bool,
    },
    /// The broker stopped in order (`KafkaServer.shutdown`): it closed its ZooKeeper session.
    /// `controlled`: its controlled shutdown succeeded (the controller moved its leaderships
    /// first); false: it stopped without (`controlled.shutdown.enable` false, or every attempt failed).
    BrokerShutDown {
        broker: BrokerId,
        controlled: bool,
    },
    /// `KafkaServer.controlledShutdown`: the stopping broker sends ControlledShutdown to the
    /// controller (attempt `attempt` of `controlled.shutdown.max.retries`).
    ControlledShutdownRequested {
        broker: BrokerId,
        attempt: u32,
        controller: BrokerId,
    },
    /// `KafkaController.doControlledShutdown` done: leaderships moved where an ISR member could
    /// take them, the broker left the ISRs it followed in; it still leads `remaining`.
    ControlledShutdownCompleted {
        controller: BrokerId,
        broker: BrokerId,
        remaining: Vec<TopicPartition>,
    },
    /// An attempt did not succeed (`reason`: no_controller, request_timed_out, network_exception,
    /// partitions_remaining, or the controller's error in snake_case); the broker waits
    /// `controlled.shutdown.retry.backoff.ms`, then tries again (`retrying`) or stops uncleanly.
    ControlledShutdownFailed {
        broker: BrokerId,
        attempt: u32,
        reason: &'static str,
        remaining: Vec<TopicPartition>,
        retrying: bool,
    },
    NodeIsolated {
        node: NodeId,
    },
    NodeHealed {
        node: NodeId,
    },
    LinkCut {
        a: NodeId,
        b: NodeId,
    },
    LinkHealed {
        a: NodeId,
        b: NodeId,
    },
    /// Every message between a and b now takes `extra_ms` longer (0: back to normal).
    LinkSlowed {
        a: NodeId,
        b: NodeId,
        extra_ms: u64,
    },

    // ZooKeeper.
    ZkSessionCreated {
        session_id: u64,
        owner: NodeId,
        timeout_ms: u64,
    },
    ZkSessionExpired {
        session_id: u64,
        owner: NodeId,
    },
    /// The owner closed its session (`ZooKeeper.close()`): its ephemeral znodes go at once.
    ZkSessionClosed {
        session_id: u64,
        owner: NodeId,
    },
    ZnodeCreated {
        path: String,
        data: String,
        ephemeral: bool,
    },
    ZnodeChanged {
        path: String,
        data: String,
        version: u32,
    },
    ZnodeDeleted {
        path: String,
    },
    WatchFired {
        path: String,
        watcher: NodeId,
        kind: WatchKind,
    },
    BrokerRegistered {
        broker: BrokerId,
        /// Registered with the active controller (a committed RegisterBrokerRecord), not in `/brokers/ids`.
        #[serde(skip_serializing_if = "is_false")]
        kraft: bool,
    },

    // The controller.
    ControllerElected {
        broker: BrokerId,
        epoch: u32,
    },
    ControllerResigned {
        broker: BrokerId,
        epoch: u32,
    },
    TopicCreated {
        topic: Name,
        assignment: Vec<Vec<BrokerId>>,
    },
    LeaderChanged {
        tp: TopicPartition,
        old: Option<BrokerId>,
        new: Option<BrokerId>,
        leader_epoch: u32,
        isr: Vec<BrokerId>,
        reason: ElectionReason,
    },
    IsrChanged {
        tp: TopicPartition,
        old: Vec<BrokerId>,
        new: Vec<BrokerId>,
        leader_epoch: u32,
        by: BrokerId,
    },

    // Brokers and their replicas.
    BecameLeader {
        broker: BrokerId,
        tp: TopicPartition,
        leader_epoch: u32,
    },
    BecameFollower {
        broker: BrokerId,
        tp: TopicPartition,
        leader: Option<BrokerId>,
        leader_epoch: u32,
    },
    /// StopReplica: the broker stops its replica of `tp` (the fetcher stops; the log stays).
    ReplicaStopped {
        broker: BrokerId,
        tp: TopicPartition,
    },
    RecordsAppended {
        broker: BrokerId,
        tp: TopicPartition,
        base_offset: u64,
        count: u64,
        leader_epoch: u32,
        log_end_offset: u64,
    },
    HighWatermarkAdvanced {
        broker: BrokerId,
        tp: TopicPartition,
        old: u64,
        new: u64,
    },
    /// The leader already has this idempotent batch (a retry): nothing is appended and the
    /// producer is answered with the offset the batch got the first time (KIP-98).
    DuplicateBatchDropped {
        broker: BrokerId,
        tp: TopicPartition,
        producer_id: u64,
        producer_epoch: u16,
        base_sequence: u32,
        last_sequence: u32,
        base_offset: u64,
    },
    /// The controller gave a broker its next block of producer ids (KIP-730).
    ProducerIdsAllocated {
        controller: BrokerId,
        broker: BrokerId,
        first: u64,
        last: u64,
        /// Written to the metadata log (a ProducerIdsRecord), not to ZooKeeper.
        #[serde(skip_serializing_if = "is_false")]
        kraft: bool,
    },
    LogTruncated {
        broker: BrokerId,
        tp: TopicPartition,
        old_log_end_offset: u64,
        new_log_end_offset: u64,
        lost: u64,
    },
    IsrShrinkProposed {
        broker: BrokerId,
        tp: TopicPartition,
        out_of_sync: Vec<BrokerId>,
    },
    IsrExpandProposed {
        broker: BrokerId,
        tp: TopicPartition,
        caught_up: BrokerId,
    },
    AlterPartitionRefused {
        broker: BrokerId,
        tp: TopicPartition,
        error: ErrorCode,
    },
    /// A broker refused a request (`api`: LeaderAndIsr, UpdateMetadata or StopReplica) of a
    /// controller whose epoch is older than the newest it has seen (`ReplicaManager`:
    /// "since its controller epoch … is old"); it answers STALE_CONTROLLER_EPOCH.
    StaleControllerRequestRefused {
        broker: BrokerId,
        controller: BrokerId,
        api: &'static str,
        controller_epoch: u32,
        latest_epoch: u32,
    },
    /// A controller got an error back for its request (`KafkaController`: "Received error in
    /// LeaderAndIsr response … from broker N"); it logs it and changes nothing.
    ControllerRequestFailed {
        controller: BrokerId,
        broker: BrokerId,
        api: &'static str,
        error: ErrorCode,
    },

    // Producers.
    /// The record's serialized key and value (shared with the batch, written as text or hex).
    ProduceQueued {
        producer: Name,
        tp: TopicPartition,
        seq: u64,
        #[serde(serialize_with = "crate::protocol::ser_opt_bytes")]
        key: Option<Bytes>,
        #[serde(serialize_with = "crate::protocol::ser_opt_bytes")]
        value: Option<Bytes>,
    },
    ProduceAcknowledged {
        producer: Name,
        tp: TopicPartition,
        base_offset: Option<u64>,
        seqs: Vec<u64>,
    },
    ProduceRefused {
        producer: Name,
        tp: TopicPartition,
        error: ErrorCode,
        retrying: bool,
        seqs: Vec<u64>,
    },
    ProduceFailed {
        producer: Name,
        topic: Name,
        seqs: Vec<u64>,
        error: String,
    },
    /// The application called `KafkaProducer.close()`: the sender sends what is buffered
    /// (`linger.ms` no longer waits) and waits for the requests in flight; `send` is refused.
    ProducerClosing {
        producer: Name,
        outstanding: usize,
    },
    /// The producer is gone: after `close()` (`crashed` false; `unfinished` records were aborted
    /// when its timeout ran out), or its process died (`crashed`: `unfinished` records were
    /// never sent or never answered, and nobody is told).
    ProducerStopped {
        producer: Name,
        crashed: bool,
        unfinished: usize,
    },
    MetadataUpdated {
        client: Name,
        topic: Name,
        leaders: Vec<Option<BrokerId>>,
    },
    /// An idempotent producer got its producer id and epoch (InitProducerId).
    ProducerIdReceived {
        producer: Name,
        broker: BrokerId,
        producer_id: u64,
        producer_epoch: u16,
    },
    /// An idempotent producer raised its own epoch after an OUT_OF_ORDER_SEQUENCE_NUMBER, so
    /// `tp`'s sequence starts again at 0 (`TransactionManager.bumpIdempotentProducerEpoch`).
    ProducerEpochBumped {
        producer: Name,
        producer_id: u64,
        producer_epoch: u16,
        tp: TopicPartition,
    },

    // The group coordinator.
    CoordinatorLoaded {
        broker: BrokerId,
        partition: u32,
        groups: Vec<String>,
    },
    GroupMemberAdded {
        group: String,
        member: String,
        client: NodeId,
    },
    GroupMemberRemoved {
        group: String,
        member: String,
        reason: String,
    },
    RebalanceStarted {
        group: String,
        generation: i32,
        reason: String,
    },
    GroupStateChanged {
        group: String,
        state: GroupState,
        generation: i32,
        leader: Option<String>,
        protocol: Option<String>,
    },

    // Consumers.
    ConsumerStarted {
        consumer: Name,
        group: Option<String>,
    },
    ConsumerStopped {
        consumer: Name,
        left_group: bool,
    },
    CoordinatorFound {
        consumer: Name,
        broker: BrokerId,
    },
    AssignmentReceived {
        consumer: Name,
        group: String,
        generation: i32,
        member: String,
        partitions: Vec<TopicPartition>,
        leader: bool,
    },
    PartitionsRevoked {
        consumer: Name,
        partitions: Vec<TopicPartition>,
    },
    PositionSet {
        consumer: Name,
        tp: TopicPartition,
        offset: u64,
        from: PositionSource,
    },
    RecordsPolled {
        consumer: Name,
        records: Vec<PolledRecord>,
    },
    /// The application did not poll within `max.poll.interval.ms`: the consumer left its group.
    /// The application starts (`every_ms`) or stops its poll loop.
    PollLoopChanged {
        consumer: Name,
        every_ms: Option<u64>,
    },
    PollIntervalExceeded {
        consumer: Name,
        max_poll_interval_ms: u64,
    },
    /// `poll` threw RecordDeserializationException (KIP-334): the position stays at `offset`.
    PollFailed {
        consumer: Name,
        tp: TopicPartition,
        offset: u64,
        error: String,
    },
    OffsetsCommitted {
        consumer: Name,
        group: String,
        offsets: Vec<(TopicPartition, u64)>,
        auto: bool,
    },
    OffsetCommitFailed {
        consumer: Name,
        group: String,
        error: ErrorCode,
    },
    /// The schema registry came up: it keeps its schemas in the compacted `topic`.
    SchemaRegistryStarted {
        topic: String,
    },
    /// The registry's reader has read `_schemas` up to its own start marker: it serves now.
    SchemaRegistryReady {
        schemas: usize,
    },
    SchemaRegistryStopped,
    /// A schema was written to `_schemas` and read back by the registry: it is served now.
    SchemaRegistered {
        subject: String,
        version: u32,
        id: u32,
    },
    /// The registry refused a schema (409 for an incompatible one) or could not store it.
    SchemaRefused {
        subject: String,
        http_status: u16,
        error: String,
    },
    /// A compatibility level was stored (`PUT /config` or `PUT /config/{subject}`).
    CompatibilitySet {
        subject: Option<String>,
        level: String,
    },

    // KRaft (KIP-595, KIP-631): the controllers' quorum and `__cluster_metadata`. `node` is a
    // controller, or a broker where it observes the log; `controller`, `candidate`, `leader` and
    // `voted` are controllers' `node.id`s.
    ControllerStarted {
        controller: BrokerId,
    },
    ControllerStopped {
        controller: BrokerId,
    },
    /// The quorum's leader has committed its epoch's first record: it is the active controller.
    ControllerActivated {
        controller: BrokerId,
        epoch: u64,
    },
    /// A node entered a state of `QuorumState` in `epoch`.
    QuorumStateChanged {
        node: NodeId,
        epoch: u64,
        state: crate::raft::StateName,
        leader: Option<BrokerId>,
        voted: Option<BrokerId>,
    },
    /// A voter granted a vote (a PreVote changes nothing on its disk; a vote is stored first).
    QuorumVoteGranted {
        node: NodeId,
        candidate: BrokerId,
        epoch: u64,
        pre_vote: bool,
    },
    /// The active controller wrote a decision to the metadata log, at `offset`; it takes
    /// effect once committed.
    MetadataRecordWritten {
        controller: BrokerId,
        epoch: u64,
        offset: u64,
        record: crate::protocol::MetadataRecord,
    },
    /// A node learnt that the metadata log is committed below `high_watermark`.
    MetadataCommitted {
        node: NodeId,
        epoch: u64,
        high_watermark: u64,
    },
    /// A node cut its metadata log back to `end_offset`: it had records the leader lacks.
    MetadataTruncated {
        node: NodeId,
        epoch: u64,
        end_offset: u64,
        removed: u64,
    },
    /// A KRaft broker learnt from the active controller that it is fenced or unfenced.
    BrokerFencingChanged {
        broker: BrokerId,
        fenced: bool,
    },
}

/// Where a consumer's position came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PositionSource {
    /// The group's committed offset.
    Committed,
    /// `auto.offset.reset` = earliest.
    ResetEarliest,
    /// `auto.offset.reset` = latest.
    ResetLatest,
    /// The application called `seek`.
    Seek,
}

/// A record as `poll` hands it to the application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PolledRecord {
    pub tp: TopicPartition,
    pub offset: u64,
    pub key: Option<String>,
    pub value: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !b
}

/// Each event's `type` as it appears in JSON, in one list: the match is exhaustive, so a new
/// variant cannot be left out (`skip_to` checks the names it is given against `EVENT_TYPES`).
macro_rules! event_types {
    ($($variant:ident => $name:literal,)*) => {
        pub const EVENT_TYPES: &[&str] = &[$($name),*];
        impl Event {
            pub fn type_name(&self) -> &'static str {
                match self {
                    $(Event::$variant { .. } => $name,)*
                }
            }
        }
    };
}

event_types! {
    MessageSent => "message_sent",
    MessageDelivered => "message_delivered",
    MessageDropped => "message_dropped",
    BrokerStarted => "broker_started",
    BrokerStartFailed => "broker_start_failed",
    BrokerStopped => "broker_stopped",
    BrokerShutDown => "broker_shut_down",
    ControlledShutdownRequested => "controlled_shutdown_requested",
    ControlledShutdownCompleted => "controlled_shutdown_completed",
    ControlledShutdownFailed => "controlled_shutdown_failed",
    NodeIsolated => "node_isolated",
    NodeHealed => "node_healed",
    LinkCut => "link_cut",
    LinkHealed => "link_healed",
    LinkSlowed => "link_slowed",
    ZkSessionCreated => "zk_session_created",
    ZkSessionExpired => "zk_session_expired",
    ZkSessionClosed => "zk_session_closed",
    ZnodeCreated => "znode_created",
    ZnodeChanged => "znode_changed",
    ZnodeDeleted => "znode_deleted",
    WatchFired => "watch_fired",
    BrokerRegistered => "broker_registered",
    ControllerElected => "controller_elected",
    ControllerResigned => "controller_resigned",
    TopicCreated => "topic_created",
    LeaderChanged => "leader_changed",
    IsrChanged => "isr_changed",
    BecameLeader => "became_leader",
    BecameFollower => "became_follower",
    ReplicaStopped => "replica_stopped",
    RecordsAppended => "records_appended",
    DuplicateBatchDropped => "duplicate_batch_dropped",
    ProducerIdsAllocated => "producer_ids_allocated",
    HighWatermarkAdvanced => "high_watermark_advanced",
    LogTruncated => "log_truncated",
    IsrShrinkProposed => "isr_shrink_proposed",
    IsrExpandProposed => "isr_expand_proposed",
    AlterPartitionRefused => "alter_partition_refused",
    StaleControllerRequestRefused => "stale_controller_request_refused",
    ControllerRequestFailed => "controller_request_failed",
    ProduceQueued => "produce_queued",
    ProduceAcknowledged => "produce_acknowledged",
    ProduceRefused => "produce_refused",
    ProduceFailed => "produce_failed",
    ProducerClosing => "producer_closing",
    ProducerStopped => "producer_stopped",
    ProducerIdReceived => "producer_id_received",
    ProducerEpochBumped => "producer_epoch_bumped",
    MetadataUpdated => "metadata_updated",
    CoordinatorLoaded => "coordinator_loaded",
    GroupMemberAdded => "group_member_added",
    GroupMemberRemoved => "group_member_removed",
    RebalanceStarted => "rebalance_started",
    GroupStateChanged => "group_state_changed",
    ConsumerStarted => "consumer_started",
    ConsumerStopped => "consumer_stopped",
    CoordinatorFound => "coordinator_found",
    AssignmentReceived => "assignment_received",
    PartitionsRevoked => "partitions_revoked",
    PositionSet => "position_set",
    RecordsPolled => "records_polled",
    PollLoopChanged => "poll_loop_changed",
    PollIntervalExceeded => "poll_interval_exceeded",
    PollFailed => "poll_failed",
    OffsetsCommitted => "offsets_committed",
    OffsetCommitFailed => "offset_commit_failed",
    SchemaRegistryStarted => "schema_registry_started",
    SchemaRegistryReady => "schema_registry_ready",
    SchemaRegistryStopped => "schema_registry_stopped",
    SchemaRegistered => "schema_registered",
    SchemaRefused => "schema_refused",
    CompatibilitySet => "compatibility_set",
    ControllerStarted => "controller_started",
    ControllerStopped => "controller_stopped",
    ControllerActivated => "controller_activated",
    QuorumStateChanged => "quorum_state_changed",
    QuorumVoteGranted => "quorum_vote_granted",
    MetadataRecordWritten => "metadata_record_written",
    MetadataCommitted => "metadata_committed",
    MetadataTruncated => "metadata_truncated",
    BrokerFencingChanged => "broker_fencing_changed",
}
