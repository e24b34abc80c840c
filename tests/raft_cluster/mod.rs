//! A quorum of KRaft controllers on the engine's kernel, with nothing else: each node a
//! `KafkaRaftClient` over the seeded scheduler, a network that can be cut, crashes that keep
//! only the disk, and a checker of Raft's guarantees watching every step.

use kafkascope::raft::{Durable, Entry, KafkaRaftClient, QuorumConfig, QuorumEvent, RaftIo, RaftMessage, StateName};
use kafkascope::sim::{self, Item, Latency, Network, Scheduler, TimerKey};
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
pub struct Quorum;

#[derive(Clone, Debug)]
pub enum Ev {
    Sent,
    Quorum(QuorumEvent),
}

impl sim::Model for Quorum {
    type Node = u32;
    type Message = RaftMessage<u64>;
    type Timer = ();
    type Event = Ev;

    fn message_is_background(msg: &RaftMessage<u64>) -> bool {
        msg.is_background()
    }

    fn timer_is_background(_: &()) -> bool {
        true
    }

    fn sent(_: u64, _: &u32, _: &u32, _: &RaftMessage<u64>, _: u64, _: bool) -> Ev {
        Ev::Sent
    }
}

struct NodeIo<'a> {
    sched: &'a mut Scheduler<Quorum>,
    me: u32,
}

impl RaftIo<u64> for NodeIo<'_> {
    fn now_ms(&self) -> u64 {
        self.sched.now_ms
    }
    fn rng(&mut self) -> &mut oorandom::Rand64 {
        &mut self.sched.rng
    }
    fn send(&mut self, to: u32, msg: RaftMessage<u64>) {
        self.sched.send(self.me, to, msg);
    }
    fn set_timer(&mut self, delay_ms: u64, _electing: bool) -> TimerKey {
        self.sched.set_timer(delay_ms, self.me, ())
    }
    fn cancel(&mut self, key: TimerKey) {
        self.sched.cancel(key);
    }
    fn emit(&mut self, event: QuorumEvent) {
        self.sched.emit(Ev::Quorum(event));
    }
}

/// Raft's guarantees, checked as the run goes (KIP-595's safety properties).
#[derive(Default)]
pub struct Checker {
    leaders: BTreeMap<u64, u32>,
    votes: BTreeMap<(u32, u64), u32>,
    /// The longest log prefix any node has reported committed.
    pub committed: Vec<Entry<u64>>,
    pub violations: Vec<String>,
}

pub struct Cluster {
    pub sched: Scheduler<Quorum>,
    pub net: Network<u32>,
    pub configs: BTreeMap<u32, QuorumConfig>,
    pub nodes: BTreeMap<u32, KafkaRaftClient<u64>>,
    pub disks: BTreeMap<u32, Durable<u64>>,
    pub events: Vec<QuorumEvent>,
    pub check: Checker,
}

impl Cluster {
    /// Every node a voter of `voters`, all started at time 0.
    pub fn new(seed: u64, voters: &[u32]) -> Self {
        let config = QuorumConfig::new(voters.to_vec());
        Cluster::with_configs(seed, voters.iter().map(|v| (*v, config.clone())).collect())
    }

    pub fn with_configs(seed: u64, configs: BTreeMap<u32, QuorumConfig>) -> Self {
        let mut c = Cluster {
            sched: Scheduler::new(seed, Latency::new(2, 3)),
            net: Network::default(),
            configs,
            nodes: BTreeMap::new(),
            disks: BTreeMap::new(),
            events: Vec::new(),
            check: Checker::default(),
        };
        for id in c.configs.keys().copied().collect::<Vec<_>>() {
            c.start(id);
        }
        c
    }

    pub fn start(&mut self, id: u32) {
        let disk = self.disks.remove(&id).unwrap_or_default();
        let config = self.configs[&id].clone();
        let mut io = NodeIo {
            sched: &mut self.sched,
            me: id,
        };
        let client = KafkaRaftClient::start(id, config, disk, &mut io);
        self.nodes.insert(id, client);
        self.after_step();
    }

    /// The process dies: its timers with it, its disk stays.
    pub fn crash(&mut self, id: u32) {
        if let Some(client) = self.nodes.remove(&id) {
            self.disks.insert(id, client.durable());
            self.sched.cancel_timers_of(&id);
        }
    }

    pub fn step(&mut self) -> bool {
        let Some(item) = self.sched.pop() else {
            return false;
        };
        match item {
            Item::Deliver { from, to, msg, .. } => {
                if self.net.reachable(&from, &to) {
                    if let Some(client) = self.nodes.get_mut(&to) {
                        client.handle(
                            from,
                            msg,
                            &mut NodeIo {
                                sched: &mut self.sched,
                                me: to,
                            },
                        );
                    }
                }
            }
            Item::Fire { node, .. } => {
                if let Some(client) = self.nodes.get_mut(&node) {
                    client.on_timer(&mut NodeIo {
                        sched: &mut self.sched,
                        me: node,
                    });
                }
            }
        }
        self.after_step();
        true
    }

    pub fn run_for(&mut self, ms: u64) {
        let until = self.sched.now_ms + ms;
        while self.sched.next_time_ms().is_some_and(|t| t <= until) {
            self.step();
        }
        self.sched.now_ms = until;
    }

    /// The leader's `prepareAppend` of one record; its offset if the node leads.
    pub fn append(&mut self, leader: u32, value: u64) -> Option<u64> {
        let client = self.nodes.get_mut(&leader)?;
        let epoch = client.epoch();
        let end = client
            .append(
                epoch,
                vec![value],
                &mut NodeIo {
                    sched: &mut self.sched,
                    me: leader,
                },
            )
            .ok()?;
        self.after_step();
        Some(end - 1)
    }

    /// `RaftClient.resign`: the leader steps down, as on a graceful shutdown.
    pub fn resign(&mut self, leader: u32) {
        if let Some(client) = self.nodes.get_mut(&leader) {
            client.resign(&mut NodeIo {
                sched: &mut self.sched,
                me: leader,
            });
        }
        self.after_step();
    }

    /// A standard Vote from `candidate` (played by hand) to `to`, with an empty log.
    pub fn vote_request(&mut self, candidate: u32, to: u32, epoch: u64) {
        let msg = RaftMessage::VoteRequest {
            correlation_id: 0,
            epoch,
            candidate,
            last_offset_epoch: 0,
            last_offset: 0,
            pre_vote: false,
        };
        self.sched.send(candidate, to, msg);
    }

    /// The live node that leads the highest epoch.
    pub fn leader(&self) -> Option<u32> {
        self.nodes
            .values()
            .filter(|c| c.state() == StateName::Leader)
            .max_by_key(|c| c.epoch())
            .map(|c| c.id())
    }

    pub fn node(&self, id: u32) -> &KafkaRaftClient<u64> {
        &self.nodes[&id]
    }

    pub fn states_of(&self, id: u32) -> Vec<(StateName, u64)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                QuorumEvent::StateChanged { node, epoch, state, .. } if *node == id => Some((*state, *epoch)),
                _ => None,
            })
            .collect()
    }

    pub fn isolate(&mut self, id: u32) {
        self.net.isolated.insert(id);
    }

    pub fn heal(&mut self) {
        self.net.isolated.clear();
        self.net.cut_links.clear();
    }

    fn after_step(&mut self) {
        for ev in std::mem::take(&mut self.sched.events) {
            if let Ev::Quorum(e) = ev {
                self.observe(&e);
                self.events.push(e);
            }
        }
        for client in self.nodes.values() {
            if let Some(hw) = client.high_watermark() {
                self.check.committed_prefix(client.id(), &client.log.entries()[..hw as usize]);
            }
        }
    }

    fn observe(&mut self, e: &QuorumEvent) {
        match e {
            QuorumEvent::StateChanged {
                node,
                epoch,
                state: StateName::Leader,
                ..
            } => {
                if let Some(other) = self.check.leaders.insert(*epoch, *node) {
                    if other != *node {
                        self.check.violations.push(format!("two leaders in epoch {epoch}: {other} and {node}"));
                    }
                }
                let log = self.nodes.get(node).map(|c| c.log.entries().to_vec()).unwrap_or_default();
                let committed = &self.check.committed;
                if log.len() < committed.len() || log[..committed.len()] != committed[..] {
                    self.check.violations.push(format!("leader {node} of epoch {epoch} lacks committed records"));
                }
            }
            QuorumEvent::VoteGranted {
                node,
                candidate,
                epoch,
                pre_vote: false,
            } => {
                if let Some(other) = self.check.votes.insert((*node, *epoch), *candidate) {
                    if other != *candidate {
                        self.check
                            .violations
                            .push(format!("voter {node} voted for {other} and {candidate} in epoch {epoch}"));
                    }
                }
            }
            _ => {}
        }
    }
}

impl Checker {
    fn committed_prefix(&mut self, node: u32, prefix: &[Entry<u64>]) {
        let shared = prefix.len().min(self.committed.len());
        if prefix[..shared] != self.committed[..shared] {
            self.violations.push(format!("node {node} committed a different record below offset {shared}"));
            return;
        }
        if prefix.len() > self.committed.len() {
            self.committed = prefix.to_vec();
        }
    }
}
