//! The network: cut a node off, cut, heal or slow a link. Only the world sees the network; after
//! a change, ZooKeeper learns which of its clients it can still talk to.

use crate::protocol::NodeId;
use crate::schema_registry::server::{self as registry, SchemaRegistry};
use crate::trace::Event;
use crate::world::invalid;
use crate::world::{SimError, World};

/// Whether a command isolates a node or heals it.
#[derive(Clone, Copy)]
pub(super) enum Isolation {
    Isolate,
    Heal,
}

/// What a command does to a link.
#[derive(Clone, Copy)]
pub(super) enum LinkChange {
    Cut,
    Heal,
    Slow(u64),
}

impl World {
    pub(super) fn isolation(&mut self, node: &str, change: Isolation) -> Result<(), SimError> {
        let n = self.parse_node(node)?;
        match change {
            Isolation::Isolate => {
                self.net.isolated.insert(n.clone());
                self.observe_network();
                self.sched.emit(Event::NodeIsolated { node: n });
            }
            Isolation::Heal => {
                self.net.isolated.remove(&n);
                self.observe_network();
                self.sched.emit(Event::NodeHealed { node: n });
            }
        }
        Ok(())
    }

    pub(super) fn change_link(&mut self, a: &str, b: &str, change: LinkChange) -> Result<(), SimError> {
        let (a, b) = (self.parse_node(a)?, self.parse_node(b)?);
        if a == b {
            return invalid("a link needs two different nodes");
        }
        match change {
            LinkChange::Cut => {
                self.net.cut(&a, &b);
                self.observe_network();
                self.sched.emit(Event::LinkCut { a, b });
            }
            LinkChange::Heal => {
                self.net.heal(&a, &b);
                self.observe_network();
                self.sched.emit(Event::LinkHealed { a, b });
            }
            LinkChange::Slow(ms) if ms > 60_000 => return invalid(format!("slow_link: {ms} ms is more than a minute of extra delay")),
            LinkChange::Slow(ms) => {
                self.sched.latency.slow(&a, &b, ms);
                self.sched.emit(Event::LinkSlowed { a, b, extra_ms: ms });
            }
        }
        Ok(())
    }

    /// After the network changed: ZooKeeper learns which of its clients' connections are up.
    fn observe_network(&mut self) {
        let net = &self.net;
        self.zk.observe_connections(|client| net.reachable(client, &NodeId::ZooKeeper));
    }

    /// A node as commands name it: "zookeeper", `broker-1` in a world of one cluster,
    /// `cluster-b/broker-1` in one of several, or a client's name.
    fn parse_node(&self, s: &str) -> Result<NodeId, SimError> {
        if s == "zookeeper" {
            return Ok(NodeId::ZooKeeper);
        }
        let (scope, rest) = match s.split_once('/') {
            Some((c, rest)) => (Some(c), rest),
            None => (None, s),
        };
        let cluster = match scope {
            None if self.config.clusters.len() == 1 => Some(0),
            Some(name) if self.config.clusters.len() > 1 => self.config.clusters.iter().position(|c| c.name == name),
            _ => None,
        };
        if let (Some(ci), Some(id)) = (cluster, rest.strip_prefix("broker-").and_then(|x| x.parse().ok())) {
            if let Some(b) = self.brokers.get(&(ci, id)) {
                return Ok(b.cluster.broker(id));
            }
        }
        if let (Some(ci), Some(id)) = (cluster, rest.strip_prefix("controller-").and_then(|x| x.parse().ok())) {
            if let Some(c) = self.controllers.get(&(ci, id)) {
                return Ok(c.cluster.controller(id));
            }
        }
        if let Some(p) = self.producers.get_key_value(s) {
            return Ok(NodeId::Client(p.0.clone()));
        }
        if let Some(c) = self.consumers.get_key_value(s) {
            return Ok(NodeId::Client(c.0.clone()));
        }
        if s == registry::NAME && self.schema_registry.is_some() {
            return Ok(SchemaRegistry::node());
        }
        let broker = if self.config.clusters.len() > 1 {
            "<cluster>/broker-<id>"
        } else {
            "broker-<id>"
        };
        invalid(format!(
            "unknown node \"{s}\": use \"zookeeper\", \"{broker}\", a KRaft controller's \"controller-<id>\" or a client's name"
        ))
    }
}
