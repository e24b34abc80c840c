//! KRaft's consensus layer (KIP-595, with KIP-996's pre-vote): the quorum of controllers that
//! keeps the `__cluster_metadata` log. Modelled on Apache Kafka's `org.apache.kafka.raft`
//! (`KafkaRaftClient`, `QuorumState`, `LeaderState`) as it is in 4.2 (trunk late 2025): no
//! `VotedState` (KAFKA-17067), a losing Candidate waits out its election timeout (KAFKA-18345),
//! BeginQuorumEpoch only to voters that have not fetched lately (KAFKA-16926).
//!
//! Like Kafka's `RaftClient<T>`, it does not know what its records mean: `R` is the state
//! machine's record type. A node drives it through `RaftIo`, which is all it sees of the world.
//!
//! What is left out, on purpose: snapshots (`FetchSnapshot`), a voter set that changes
//! (KIP-853), the append linger (an append goes to the log at once, and "flushed" is the
//! append), and directory ids (a voter is its node id).

pub mod kafka_raft_client;
pub mod leader_state;
pub mod quorum_state;
pub mod replicated_log;

pub use kafka_raft_client::{Durable, KafkaRaftClient};
pub use quorum_state::{ElectionState, StateName};
pub use replicated_log::{Entry, EntryRecord, ReplicatedLog};

use crate::sim::TimerKey;
use serde::Serialize;

/// `controller.quorum.*` (Kafka's `QuorumConfig`), with its defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QuorumConfig {
    /// `controller.quorum.voters`: the static voter set, as node ids.
    pub voters: Vec<u32>,
    /// `controller.quorum.election.timeout.ms`: each draw is this plus up to as much again.
    pub election_timeout_ms: u64,
    /// `controller.quorum.fetch.timeout.ms`: a follower voter that hears nothing from its
    /// leader for this long starts an election.
    pub fetch_timeout_ms: u64,
    /// `controller.quorum.election.backoff.max.ms`: the longest a follower told of its
    /// leader's resignation waits before it stands.
    pub election_backoff_max_ms: u64,
    /// `controller.quorum.request.timeout.ms`.
    pub request_timeout_ms: u64,
    /// `controller.quorum.retry.backoff.ms`.
    pub retry_backoff_ms: u64,
}

impl QuorumConfig {
    pub fn new(voters: Vec<u32>) -> Self {
        let mut voters = voters;
        voters.sort_unstable();
        voters.dedup();
        QuorumConfig {
            voters,
            election_timeout_ms: 1_000,
            fetch_timeout_ms: 2_000,
            election_backoff_max_ms: 1_000,
            request_timeout_ms: 2_000,
            retry_backoff_ms: 20,
        }
    }

    pub fn majority(&self) -> usize {
        self.voters.len() / 2 + 1
    }

    pub fn is_voter(&self, id: u32) -> bool {
        self.voters.contains(&id)
    }
}

/// `KafkaRaftClient.MAX_FETCH_WAIT_MS`: how long a leader may hold a Fetch with nothing new.
pub const MAX_FETCH_WAIT_MS: u64 = 500;
/// `LeaderState.CHECK_QUORUM_TIMEOUT_FACTOR`: a leader not fetched from by a majority for
/// 1.5 fetch timeouts resigns.
pub const CHECK_QUORUM_TIMEOUT_FACTOR_TENTHS: u64 = 15;
/// The most entries one Fetch answer carries (Kafka caps it in bytes, `max.bytes`).
pub const MAX_FETCH_ENTRIES: usize = 64;

/// The errors KRaft's RPCs answer with (Kafka's `Errors` names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum RaftError {
    FencedLeaderEpoch,
    UnknownLeaderEpoch,
    NotLeaderOrFollower,
    InvalidRequest,
}

/// KRaft's RPCs. Each request carries a correlation id that its response repeats, so an
/// answer to a request the sender has since given up on is recognised and dropped
/// (`RequestManager.isResponseExpected`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum RaftMessage<R> {
    /// `Vote`, or with `pre_vote` a PreVote at the candidate's *current* epoch (KIP-996).
    VoteRequest {
        correlation_id: u64,
        epoch: u64,
        candidate: u32,
        last_offset_epoch: u64,
        last_offset: u64,
        pre_vote: bool,
    },
    VoteResponse {
        correlation_id: u64,
        error: Option<RaftError>,
        epoch: u64,
        leader: Option<u32>,
        granted: bool,
        pre_vote: bool,
    },
    BeginQuorumEpochRequest {
        correlation_id: u64,
        epoch: u64,
        leader: u32,
    },
    BeginQuorumEpochResponse {
        correlation_id: u64,
        error: Option<RaftError>,
        epoch: u64,
        leader: Option<u32>,
    },
    /// A resigning leader tells the voters, best successors first.
    EndQuorumEpochRequest {
        correlation_id: u64,
        epoch: u64,
        leader: u32,
        preferred_successors: Vec<u32>,
    },
    EndQuorumEpochResponse {
        correlation_id: u64,
        error: Option<RaftError>,
        epoch: u64,
        leader: Option<u32>,
    },
    /// `Fetch` on `__cluster_metadata`: followers and observers pull. `replica` is `None` for an
    /// observer without a node id (Kafka's -1).
    FetchRequest {
        correlation_id: u64,
        replica: Option<u32>,
        current_leader_epoch: u64,
        fetch_offset: u64,
        last_fetched_epoch: u64,
        high_watermark: Option<u64>,
    },
    FetchResponse {
        correlation_id: u64,
        error: Option<RaftError>,
        epoch: u64,
        leader: Option<u32>,
        high_watermark: Option<u64>,
        /// The leader's log and ours part at this epoch: truncate to `end_offset` and fetch again.
        diverging: Option<DivergingEpoch>,
        records: Vec<Entry<R>>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DivergingEpoch {
    pub epoch: u64,
    pub end_offset: u64,
}

impl<R> RaftMessage<R> {
    pub fn correlation_id(&self) -> u64 {
        match self {
            RaftMessage::VoteRequest { correlation_id, .. }
            | RaftMessage::VoteResponse { correlation_id, .. }
            | RaftMessage::BeginQuorumEpochRequest { correlation_id, .. }
            | RaftMessage::BeginQuorumEpochResponse { correlation_id, .. }
            | RaftMessage::EndQuorumEpochRequest { correlation_id, .. }
            | RaftMessage::EndQuorumEpochResponse { correlation_id, .. }
            | RaftMessage::FetchRequest { correlation_id, .. }
            | RaftMessage::FetchResponse { correlation_id, .. } => *correlation_id,
        }
    }

    /// Kafka's name of the API.
    pub fn kind(&self) -> &'static str {
        match self {
            RaftMessage::VoteRequest { pre_vote: true, .. } => "PreVote",
            RaftMessage::VoteRequest { .. } => "Vote",
            RaftMessage::VoteResponse { pre_vote: true, .. } => "PreVoteResponse",
            RaftMessage::VoteResponse { .. } => "VoteResponse",
            RaftMessage::BeginQuorumEpochRequest { .. } => "BeginQuorumEpoch",
            RaftMessage::BeginQuorumEpochResponse { .. } => "BeginQuorumEpochResponse",
            RaftMessage::EndQuorumEpochRequest { .. } => "EndQuorumEpoch",
            RaftMessage::EndQuorumEpochResponse { .. } => "EndQuorumEpochResponse",
            RaftMessage::FetchRequest { .. } => "Fetch",
            RaftMessage::FetchResponse { .. } => "FetchResponse",
        }
    }

    /// The values the narration shows, as they are.
    pub fn summary(&self) -> Vec<String> {
        let error = |e: &Option<RaftError>| e.map(|e| format!("{e:?}"));
        match self {
            RaftMessage::VoteRequest {
                epoch, candidate, last_offset, ..
            } => vec![format!("epoch {epoch}"), format!("candidate {candidate}"), format!("log end {last_offset}")],
            RaftMessage::VoteResponse { epoch, granted, error: e, .. } => {
                let mut v = vec![format!("epoch {epoch}"), if *granted { "granted" } else { "refused" }.to_string()];
                v.extend(error(e));
                v
            }
            RaftMessage::BeginQuorumEpochRequest { epoch, leader, .. } | RaftMessage::EndQuorumEpochRequest { epoch, leader, .. } => {
                vec![format!("epoch {epoch}"), format!("leader {leader}")]
            }
            RaftMessage::BeginQuorumEpochResponse { epoch, error: e, .. } | RaftMessage::EndQuorumEpochResponse { epoch, error: e, .. } => {
                let mut v = vec![format!("epoch {epoch}")];
                v.extend(error(e));
                v
            }
            RaftMessage::FetchRequest {
                current_leader_epoch,
                fetch_offset,
                ..
            } => vec![
                "__cluster_metadata".into(),
                format!("epoch {current_leader_epoch}"),
                format!("offset {fetch_offset}"),
            ],
            RaftMessage::FetchResponse {
                epoch,
                high_watermark,
                diverging,
                records,
                error: e,
                ..
            } => {
                let mut v = vec!["__cluster_metadata".into(), format!("epoch {epoch}")];
                v.extend(error(e));
                if let Some(d) = diverging {
                    v.push(format!("diverging at {}", d.end_offset));
                }
                if !records.is_empty() {
                    v.push(format!("{} records", records.len()));
                }
                v.extend(high_watermark.map(|hw| format!("HW {hw}")));
                v
            }
        }
    }

    /// A response's epoch, error and the leader it names; `None` for a request.
    pub fn response_header(&self) -> Option<(u64, Option<RaftError>, Option<u32>)> {
        match self {
            RaftMessage::VoteResponse { error, epoch, leader, .. }
            | RaftMessage::BeginQuorumEpochResponse { error, epoch, leader, .. }
            | RaftMessage::EndQuorumEpochResponse { error, epoch, leader, .. }
            | RaftMessage::FetchResponse { error, epoch, leader, .. } => Some((*epoch, *error, *leader)),
            _ => None,
        }
    }

    /// Housekeeping that never ends on its own: an idle Fetch, a BeginQuorumEpoch reminder.
    pub fn is_background(&self) -> bool {
        match self {
            RaftMessage::FetchRequest { .. } | RaftMessage::BeginQuorumEpochRequest { .. } | RaftMessage::BeginQuorumEpochResponse { error: None, .. } => true,
            RaftMessage::FetchResponse { error, diverging, records, .. } => error.is_none() && diverging.is_none() && records.is_empty(),
            _ => false,
        }
    }
}

/// What the quorum does, for the trace, the narration and the checker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum QuorumEvent {
    /// A node entered a state of `QuorumState` (`epoch` is the state's epoch).
    StateChanged {
        node: u32,
        epoch: u64,
        state: StateName,
        leader: Option<u32>,
        voted: Option<u32>,
    },
    /// A voter granted a vote; a standard one is on disk before the answer leaves.
    VoteGranted { node: u32, candidate: u32, epoch: u64, pre_vote: bool },
    /// A node's high watermark moved forward: every record below it is committed.
    HighWatermark { node: u32, epoch: u64, high_watermark: u64 },
    /// A follower cut its log back to `end_offset` because it diverged from the leader's.
    Truncated { node: u32, epoch: u64, end_offset: u64, removed: u64 },
}

/// All a raft node sees of the world: the clock, the run's seeded generator, the network
/// (by node id) and its one timer, which, like `KafkaRaftClient.poll`, wakes it at the
/// nearest of its deadlines to look at all of them.
pub trait RaftIo<R> {
    fn now_ms(&self) -> u64;
    fn rng(&mut self) -> &mut oorandom::Rand64;
    fn send(&mut self, to: u32, msg: RaftMessage<R>);
    /// `electing`: the node waits to stand or to hear who won, which is work under way, not
    /// housekeeping.
    fn set_timer(&mut self, delay_ms: u64, electing: bool) -> TimerKey;
    fn cancel(&mut self, key: TimerKey);
    fn emit(&mut self, event: QuorumEvent);
}
