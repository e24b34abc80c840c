//! The kernel (`sim`) made to run Kafka: Kafka's nodes are addressed by `NodeId`, send
//! `Message`s, are woken by the `Timer`s below, and write `Event`s. What counts as housekeeping
//! (a heartbeat, an idle fetch) is decided here, so `run_until_quiet` can ignore it.

use crate::protocol::{Message, NodeId};
use crate::sim;
use crate::trace::Event;

pub use sim::TimerKey;

/// Kafka as the kernel's `Model`.
#[derive(Clone, Debug)]
pub struct Kafka;

pub type Scheduler = sim::Scheduler<Kafka>;
/// What a node gets to act through (see `sim::Out`): never the queue, never the network.
pub type Out = dyn sim::Out<Kafka>;
pub type Item = sim::Item<Kafka>;
pub type Network = sim::Network<NodeId>;
pub type Latency = sim::Latency<NodeId>;

impl sim::Model for Kafka {
    type Node = NodeId;
    type Message = Message;
    type Timer = Timer;
    type Event = Event;

    fn message_is_background(msg: &Message) -> bool {
        match msg {
            Message::ZkPing { .. } | Message::ZkPingResponse { .. } | Message::FetchRequest { .. } | Message::HeartbeatRequest { .. } => true,
            Message::HeartbeatResponse { error, .. } => error.is_none(),
            Message::Raft(m) => m.is_background(),
            Message::BrokerHeartbeatRequest { .. } => true,
            Message::BrokerHeartbeatResponse { result, .. } => result.is_ok_and(|s| !s.is_fenced),
            Message::FetchResponse { partitions, .. } => partitions.iter().all(|p| p.records.is_empty() && p.error.is_none()),
            _ => false,
        }
    }

    fn timer_is_background(timer: &Timer) -> bool {
        matches!(
            timer,
            Timer::ZkTick
                | Timer::ZkPing
                | Timer::IsrExpiration
                | Timer::DelayedFetchExpired { .. }
                | Timer::LeaderImbalanceCheck
                | Timer::ConsumerHeartbeat
                | Timer::ConsumerAppPoll
                | Timer::ConsumerPollDeadline
                | Timer::MemberSessionExpired { .. }
                | Timer::Quorum { electing: false }
                | Timer::BrokerHeartbeat { fenced: false }
                | Timer::FenceStaleBrokers
        )
    }

    fn sent(id: u64, from: &NodeId, to: &NodeId, msg: &Message, deliver_at_ms: u64, background: bool) -> Event {
        Event::MessageSent {
            id,
            from: from.clone(),
            to: to.clone(),
            kind: msg.kind(),
            summary: msg.summary(),
            deliver_at_ms,
            background,
        }
    }
}

/// What a timer wakes its node up for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Timer {
    /// ZooKeeper: expire sessions not heard of within their timeout.
    ZkTick,
    /// Broker: heartbeat the ZooKeeper session.
    ZkPing,
    /// Broker (leader): drop followers that lag (`Partition.maybeShrinkIsr`).
    IsrExpiration,
    /// Broker: an acks=all produce waited `timeout_ms` for the high watermark.
    DelayedProduceExpired { id: u64 },
    /// Broker: a fetch found nothing and waited `max_wait_ms` for data.
    DelayedFetchExpired { id: u64 },
    /// Broker (follower): a fetcher request got no answer, or it backs off after an error.
    FetcherWakeup { leader: u32 },
    /// Broker (controller): `auto.leader.rebalance.enable` check.
    LeaderImbalanceCheck,
    /// Broker (stopping): `controlled.shutdown.retry.backoff.ms` passed after a failed attempt.
    ControlledShutdownRetry,
    /// Broker (stopping): the ControlledShutdown request got no answer within `controller.socket.timeout.ms`.
    ControlledShutdownTimeout { correlation_id: u64 },
    /// Producer: linger elapsed, retry backoff ended, or a batch may expire.
    ProducerSend,
    /// Producer: a request got no answer within `request.timeout.ms`.
    ProducerRequestTimeout { correlation_id: u64 },
    /// Producer: `close(timeout)` ran out of time; what is left is aborted.
    ProducerCloseTimeout,
    /// Coordinator: the join phase of a rebalance ends.
    GroupJoinDeadline { group_id: String },
    /// Coordinator: a member sent no heartbeat within `session.timeout.ms`.
    MemberSessionExpired { group_id: String, member_id: String },
    /// Consumer: time to heartbeat.
    ConsumerHeartbeat,
    /// Consumer: the application's loop calls `poll` again.
    ConsumerAppPoll,
    /// Consumer: `max.poll.interval.ms` since the last poll may have run out.
    ConsumerPollDeadline,
    /// Consumer: a request got no answer within `request.timeout.ms`.
    ConsumerRequestTimeout { correlation_id: u64 },
    /// Consumer: back-off over; try again what failed.
    ConsumerRetry,
    /// KRaft node: its quorum client's wake-up (`KafkaRaftClient.poll`); `electing` while it
    /// waits to stand or to hear who won.
    Quorum { electing: bool },
    /// KRaft broker: register, or heartbeat the active controller (`BrokerLifecycleManager`,
    /// `broker.heartbeat.interval.ms`); `fenced` until the controller lets it serve.
    BrokerHeartbeat { fenced: bool },
    /// KRaft active controller: fence the brokers whose session ran out
    /// (`ReplicationControlManager.maybeFenceOneStaleBroker`).
    FenceStaleBrokers,
}
