//! The network as data: which nodes are cut off, which links are cut, and which links are slow.
//! A message crosses only if, when it arrives, both ends can reach each other. The world
//! holds it; nodes never see it (they learn of a partition only as silence or a lost connection).

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Serialize)]
pub struct Network<N> {
    pub isolated: BTreeSet<N>,
    pub cut_links: BTreeSet<(N, N)>,
}

impl<N> Default for Network<N> {
    fn default() -> Self {
        Network {
            isolated: BTreeSet::new(),
            cut_links: BTreeSet::new(),
        }
    }
}

/// A link's two ends in one order, so (a, b) and (b, a) are the same link.
fn link<N: Clone + Ord>(a: &N, b: &N) -> (N, N) {
    if a <= b {
        (a.clone(), b.clone())
    } else {
        (b.clone(), a.clone())
    }
}

impl<N: Clone + Ord> Network<N> {
    pub fn reachable(&self, a: &N, b: &N) -> bool {
        if a == b {
            return true;
        }
        if !self.isolated.is_empty() && (self.isolated.contains(a) || self.isolated.contains(b)) {
            return false;
        }
        self.cut_links.is_empty() || !self.cut_links.contains(&link(a, b))
    }

    pub fn cut(&mut self, a: &N, b: &N) -> bool {
        self.cut_links.insert(link(a, b))
    }

    pub fn heal(&mut self, a: &N, b: &N) -> bool {
        self.cut_links.remove(&link(a, b))
    }
}

/// How long a message takes on the wire: a base plus seeded jitter, plus a link's extra delay
/// where a link is slow or congested, in whole milliseconds. The scheduler applies it when a
/// message is sent.
#[derive(Clone, Debug)]
pub struct Latency<N> {
    pub base_ms: u64,
    pub jitter_ms: u64,
    slow_links: BTreeMap<(N, N), u64>,
}

impl<N: Clone + Ord> Latency<N> {
    pub fn new(base_ms: u64, jitter_ms: u64) -> Self {
        Latency {
            base_ms,
            jitter_ms,
            slow_links: BTreeMap::new(),
        }
    }

    /// Sets a link's extra delay; 0 makes it ordinary again.
    pub fn slow(&mut self, a: &N, b: &N, extra_ms: u64) {
        if extra_ms == 0 {
            self.slow_links.remove(&link(a, b));
        } else {
            self.slow_links.insert(link(a, b), extra_ms);
        }
    }

    pub fn extra_delay(&self, a: &N, b: &N) -> u64 {
        if self.slow_links.is_empty() {
            return 0;
        }
        self.slow_links.get(&link(a, b)).copied().unwrap_or(0)
    }
}
