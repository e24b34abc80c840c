//! The world's machinery: a virtual clock, one seeded generator, and a queue of in-flight
//! messages and timers ordered by virtual time. Nothing else moves time. The kernel knows no
//! Kafka: what travels, what wakes a node and what the trace says come from a `Model`
//! (`crate::runtime` is Kafka's).

pub mod network;

pub use network::{Latency, Network};
use std::collections::BTreeMap;
use std::fmt::Debug;

/// What the kernel must know of the system it runs.
pub trait Model: Clone + Debug {
    /// Who sends and receives.
    type Node: Clone + Debug + Ord;
    /// What travels between nodes.
    type Message: Clone + Debug;
    /// What wakes a node up.
    type Timer: Clone + Debug + PartialEq;
    /// What the trace records.
    type Event: Clone + Debug;

    /// Housekeeping that never ends on its own (heartbeats, idle fetches): `is_quiet` ignores it.
    fn message_is_background(msg: &Self::Message) -> bool;
    fn timer_is_background(timer: &Self::Timer) -> bool;
    /// The trace event that says a message left.
    fn sent(id: u64, from: &Self::Node, to: &Self::Node, msg: &Self::Message, deliver_at_ms: u64, background: bool) -> Self::Event;
}

/// A scheduled timer's identity, to cancel it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimerKey {
    pub at_ms: u64,
    pub seq: u64,
}

#[derive(Clone, Debug)]
pub enum Item<M: Model> {
    Deliver { id: u64, from: M::Node, to: M::Node, msg: M::Message },
    Fire { node: M::Node, timer: M::Timer },
}

impl<M: Model> Item<M> {
    fn is_background(&self) -> bool {
        match self {
            Item::Deliver { msg, .. } => M::message_is_background(msg),
            Item::Fire { timer, .. } => M::timer_is_background(timer),
        }
    }
}

/// What a node may do, and all it sees of the machinery: read the clock, draw from the seeded
/// generator, send, set and cancel its own timers, and write trace events. The scheduler applies
/// each at once and in order, so a send's seeded jitter falls where the node made it.
pub trait Out<M: Model> {
    fn now_ms(&self) -> u64;
    fn rng(&mut self) -> &mut oorandom::Rand64;
    fn emit(&mut self, event: M::Event);
    fn send(&mut self, from: M::Node, to: M::Node, msg: M::Message);
    fn send_later(&mut self, delay_ms: u64, from: M::Node, to: M::Node, msg: M::Message);
    fn set_timer(&mut self, delay_ms: u64, node: M::Node, timer: M::Timer) -> TimerKey;
    fn cancel(&mut self, key: TimerKey);
    /// Every timer of a node (it crashed: its timers died with it).
    fn cancel_timers_of(&mut self, node: &M::Node);
}

#[derive(Clone, Debug)]
pub struct Scheduler<M: Model> {
    pub now_ms: u64,
    pub rng: oorandom::Rand64,
    pub latency: Latency<M::Node>,
    next_seq: u64,
    next_message_id: u64,
    queue: BTreeMap<TimerKey, Item<M>>,
    foreground: usize,
    /// Events of the step under way.
    pub events: Vec<M::Event>,
}

impl<M: Model> Scheduler<M> {
    pub fn new(seed: u64, latency: Latency<M::Node>) -> Self {
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

    fn push(&mut self, at_ms: u64, item: Item<M>) -> TimerKey {
        let key = TimerKey { at_ms, seq: self.next_seq };
        self.next_seq += 1;
        if !item.is_background() {
            self.foreground += 1;
        }
        self.queue.insert(key, item);
        key
    }

    pub fn emit(&mut self, event: M::Event) {
        self.events.push(event);
    }

    /// Sends a message; it arrives after the link's latency, unless the network drops it then.
    pub fn send(&mut self, from: M::Node, to: M::Node, msg: M::Message) {
        self.send_later(0, from, to, msg);
    }

    /// Sends a message after `delay_ms` (a retry after a back-off).
    pub fn send_later(&mut self, delay_ms: u64, from: M::Node, to: M::Node, msg: M::Message) {
        let jitter = if self.latency.jitter_ms > 0 {
            self.rng.rand_range(0..self.latency.jitter_ms + 1)
        } else {
            0
        };
        let at = self.now_ms + delay_ms + self.latency.base_ms + jitter + self.latency.extra_delay(&from, &to);
        let id = self.next_message_id;
        self.next_message_id += 1;
        let background = M::message_is_background(&msg);
        self.events.push(M::sent(id, &from, &to, &msg, at, background));
        self.push(at, Item::Deliver { id, from, to, msg });
    }

    pub fn set_timer(&mut self, delay_ms: u64, node: M::Node, timer: M::Timer) -> TimerKey {
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
    pub fn cancel_timers_of(&mut self, node: &M::Node) {
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

    pub fn pop(&mut self) -> Option<Item<M>> {
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

    pub fn pending(&self) -> impl Iterator<Item = (&TimerKey, &Item<M>)> {
        self.queue.iter()
    }
}

impl<M: Model> Out<M> for Scheduler<M> {
    fn now_ms(&self) -> u64 {
        self.now_ms
    }

    fn rng(&mut self) -> &mut oorandom::Rand64 {
        &mut self.rng
    }

    fn emit(&mut self, event: M::Event) {
        Scheduler::emit(self, event)
    }

    fn send(&mut self, from: M::Node, to: M::Node, msg: M::Message) {
        Scheduler::send(self, from, to, msg)
    }

    fn send_later(&mut self, delay_ms: u64, from: M::Node, to: M::Node, msg: M::Message) {
        Scheduler::send_later(self, delay_ms, from, to, msg)
    }

    fn set_timer(&mut self, delay_ms: u64, node: M::Node, timer: M::Timer) -> TimerKey {
        Scheduler::set_timer(self, delay_ms, node, timer)
    }

    fn cancel(&mut self, key: TimerKey) {
        Scheduler::cancel(self, key)
    }

    fn cancel_timers_of(&mut self, node: &M::Node) {
        Scheduler::cancel_timers_of(self, node)
    }
}
