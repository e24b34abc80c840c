//! The network as data: which nodes are cut off, and which links are cut.
//! A message crosses only if, when it arrives, both ends can reach each other.

use crate::protocol::NodeId;
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Network {
    pub isolated: BTreeSet<NodeId>,
    pub cut_links: BTreeSet<(NodeId, NodeId)>,
    /// Links that add this many milliseconds to every message (a slow or congested path).
    pub slow_links: std::collections::BTreeMap<(NodeId, NodeId), u64>,
}

impl Network {
    fn link(a: &NodeId, b: &NodeId) -> (NodeId, NodeId) {
        if a <= b {
            (a.clone(), b.clone())
        } else {
            (b.clone(), a.clone())
        }
    }

    pub fn reachable(&self, a: &NodeId, b: &NodeId) -> bool {
        if a == b {
            return true;
        }
        if !self.isolated.is_empty() && (self.isolated.contains(a) || self.isolated.contains(b)) {
            return false;
        }
        self.cut_links.is_empty() || !self.cut_links.contains(&Self::link(a, b))
    }

    pub fn cut(&mut self, a: &NodeId, b: &NodeId) -> bool {
        self.cut_links.insert(Self::link(a, b))
    }

    pub fn heal(&mut self, a: &NodeId, b: &NodeId) -> bool {
        self.cut_links.remove(&Self::link(a, b))
    }

    /// Sets a link's extra delay; 0 makes it ordinary again.
    pub fn slow(&mut self, a: &NodeId, b: &NodeId, extra_ms: u64) {
        if extra_ms == 0 {
            self.slow_links.remove(&Self::link(a, b));
        } else {
            self.slow_links.insert(Self::link(a, b), extra_ms);
        }
    }

    pub fn extra_delay(&self, a: &NodeId, b: &NodeId) -> u64 {
        if self.slow_links.is_empty() {
            return 0;
        }
        self.slow_links.get(&Self::link(a, b)).copied().unwrap_or(0)
    }
}
