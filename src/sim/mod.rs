//! The world's machinery: a virtual clock, one seeded generator, and a queue of
//! in-flight messages and timers ordered by virtual time. Nothing else moves time.

pub mod network;

use crate::protocol::{Message, NodeId};
use crate::trace::Event;
pub use network::{Latency, Network};
use std::collections::BTreeMap;

/// A scheduled timer's identity, to cancel it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimerKey {
    pub at_ms: u64,
    pub seq: u64,
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
}

impl Timer {
    /// Housekeeping that never ends on its own: `run_until_quiet` ignores it.
    fn is_background(&self) -> bool {
        matches!(
            self,
            Timer::ZkTick
                | Timer::ZkPing
                | Timer::IsrExpiration
                | Timer::DelayedFetchExpired { .. }
                | Timer::LeaderImbalanceCheck
                | Timer::ConsumerHeartbeat
                | Timer::ConsumerAppPoll
                | Timer::ConsumerPollDeadline
                | Timer::MemberSessionExpired { .. }
        )
    }
}

#[derive(Clone, Debug)]
pub enum Item {
    Deliver { id: u64, from: NodeId, to: NodeId, msg: Message },
    Fire { node: NodeId, timer: Timer },
}

impl Item {
    fn is_background(&self) -> bool {
        match self {
            Item::Deliver { msg, .. } => match msg {
                Message::ZkPing { .. } | Message::ZkPingResponse { .. } | Message::FetchRequest { .. } | Message::HeartbeatRequest { .. } => true,
                Message::HeartbeatResponse { error, .. } => error.is_none(),
                Message::FetchResponse { partitions, .. } => partitions.iter().all(|p| p.records.is_empty() && p.error.is_none()),
                _ => false,
            },
            Item::Fire { timer, .. } => timer.is_background(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Scheduler {
    pub now_ms: u64,
    pub rng: oorandom::Rand64,
    pub latency: Latency,
    next_seq: u64,
    next_message_id: u64,
    queue: BTreeMap<TimerKey, Item>,
    foreground: usize,
    /// Events of the step under way.
    pub events: Vec<Event>,
}

impl Scheduler {
    pub fn new(seed: u64, latency: Latency) -> Self {
        Scheduler {
            now_ms: 0,
            rng: oorandom::Rand64::new(seed as u128),
            latency,
            next_seq: 0,
            next_message_id: 0,
            queue: BTreeMap::new(),
            foreground: 0,
            events: Vec::new(),
        }
    }

    fn push(&mut self, at_ms: u64, item: Item) -> TimerKey {
        let key = TimerKey { at_ms, seq: self.next_seq };
        self.next_seq += 1;
        if !item.is_background() {
            self.foreground += 1;
        }
        self.queue.insert(key, item);
        key
    }

    pub fn emit(&mut self, event: Event) {
        self.events.push(event);
    }

    /// Sends a message; it arrives after the link's latency, unless the network drops it then.
    pub fn send(&mut self, from: NodeId, to: NodeId, msg: Message) {
        self.send_later(0, from, to, msg);
    }

    /// Sends a message after `delay_ms` (a retry after a back-off).
    pub fn send_later(&mut self, delay_ms: u64, from: NodeId, to: NodeId, msg: Message) {
        let jitter = if self.latency.jitter_ms > 0 {
            self.rng.rand_range(0..self.latency.jitter_ms + 1)
        } else {
            0
        };
        let at = self.now_ms + delay_ms + self.latency.base_ms + jitter + self.latency.extra_delay(&from, &to);
        let id = self.next_message_id;
        self.next_message_id += 1;
        let (kind, summary) = (msg.kind(), msg.summary());
        let item = Item::Deliver {
            id,
            from: from.clone(),
            to: to.clone(),
            msg,
        };
        self.events.push(Event::MessageSent {
            id,
            from,
            to,
            kind,
            summary,
            deliver_at_ms: at,
            background: item.is_background(),
        });
        self.push(at, item);
    }

    pub fn set_timer(&mut self, delay_ms: u64, node: NodeId, timer: Timer) -> TimerKey {
        self.push(self.now_ms + delay_ms, Item::Fire { node, timer })
    }

    pub fn cancel(&mut self, key: TimerKey) {
        if let Some(item) = self.queue.remove(&key) {
            if !item.is_background() {
                self.foreground -= 1;
            }
        }
    }

    /// Removes every timer of a node (it crashed: its timers died with it).
    pub fn cancel_timers_of(&mut self, node: &NodeId) {
        let keys: Vec<TimerKey> = self
            .queue
            .iter()
            .filter(|(_, item)| matches!(item, Item::Fire { node: n, .. } if n == node))
            .map(|(k, _)| *k)
            .collect();
        for k in keys {
            self.cancel(k);
        }
    }

    pub fn pop(&mut self) -> Option<Item> {
        let (key, item) = self.queue.pop_first()?;
        if !item.is_background() {
            self.foreground -= 1;
        }
        self.now_ms = key.at_ms;
        Some(item)
    }

    pub fn next_time_ms(&self) -> Option<u64> {
        self.queue.first_key_value().map(|(k, _)| k.at_ms)
    }

    /// True when only housekeeping is left: no message with work in it, no pending timeout.
    pub fn is_quiet(&self) -> bool {
        self.foreground == 0
    }

    pub fn pending(&self) -> impl Iterator<Item = (&TimerKey, &Item)> {
        self.queue.iter()
    }
}
