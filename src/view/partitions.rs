//! Each partition as the cluster stands on it: who leads now, the authoritative ISR, and,
//! when no broker leads, why. Brokers may hold stale metadata (a follower learns an ISR
//! change only from the next LeaderAndIsr), so no replica's own view is taken for the truth.

use super::{is_internal, under};
use crate::protocol::{BrokerId, NodeId, TopicPartition};
use crate::replica::{Partition, Role};
use crate::world::World;
use crate::zookeeper::kafka_zk_client as zkdata;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Serialize)]
pub struct PartitionView {
    pub cluster: usize,
    pub topic: String,
    pub partition: u32,
    pub internal: bool,
    /// The assignment, preferred leader first.
    pub replicas: Vec<BrokerId>,
    /// A running, reachable broker that leads the partition now, as ZooKeeper names it.
    pub leader: Option<BrokerId>,
    /// The latest leader epoch, as the partition state znode holds it.
    pub leader_epoch: u32,
    pub isr: Vec<BrokerId>,
    pub isr_source: IsrSource,
    /// The leader's; `None` without a leader.
    pub high_watermark: Option<u64>,
    pub log_end_offset: Option<u64>,
    /// Why no broker leads the partition now.
    pub offline: Option<OfflineView>,
}

/// Where the ISR comes from: the leader at the latest epoch (it commits ISR changes through
/// AlterPartition, KIP-497), else `/brokers/topics/<t>/partitions/<p>/state`.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IsrSource {
    Leader,
    Zookeeper,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct OfflineView {
    pub reason: OfflineReason,
    pub broker: Option<BrokerId>,
    pub session_expires_at_ms: Option<u64>,
}

#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OfflineReason {
    /// The leader ZooKeeper names is down (stopped, isolated, or restarted while its old
    /// session lives on), and its session has not expired: the controller's `/brokers/ids`
    /// watch has not fired yet.
    SessionNotExpired,
    /// The controller took the leader away and no ISR member is alive; unclean election is
    /// off (Kafka's OfflinePartition, `offlinePartitionLeaderElection` finds no one).
    NoLiveIsr,
    /// No controller runs (or none reaches ZooKeeper) to elect a leader; in KRaft mode, the
    /// controller quorum has no active controller.
    NoController,
    /// KRaft: the leader the committed metadata names is down, and the active controller has
    /// not fenced it yet: its heartbeats stopped less than `broker.session.timeout.ms` ago.
    NotFenced,
    /// A controller decided and its LeaderAndIsr has not reached the new leader yet; or the
    /// old leader's session just expired and the controller's watch has not been handled yet;
    /// or a new partition waits for its first leader.
    Electing,
}

/// Every partition's view, found by cluster and topic-partition.
pub struct PartitionIndex {
    pub list: Vec<PartitionView>,
    at: BTreeMap<(usize, TopicPartition), usize>,
}

impl PartitionIndex {
    pub fn get(&self, cluster: usize, tp: &TopicPartition) -> Option<&PartitionView> {
        self.at.get(&(cluster, tp.clone())).map(|i| &self.list[*i])
    }

    pub fn high_watermark(&self, cluster: usize, tp: &TopicPartition) -> Option<u64> {
        self.get(cluster, tp)?.high_watermark
    }
}

/// The session holding `/brokers/ids/<id>` in the cluster, if the znode exists.
pub(super) fn registration_owner(world: &World, cluster: usize, id: BrokerId) -> Option<Option<u64>> {
    let chroot = &world.config.clusters[cluster].chroot;
    world.zk.znode(&under(chroot, &zkdata::broker_path(id))).map(|n| n.ephemeral_owner)
}

/// A broker that runs and is not cut off from everything.
fn up(world: &World, ci: usize, id: BrokerId) -> bool {
    world
        .brokers
        .get(&(ci, id))
        .is_some_and(|b| b.running && !world.is_isolated(&b.cluster.broker(id)))
}

/// A running controller of the cluster that can reach ZooKeeper (it must, to store a decision);
/// in KRaft mode, an active controller.
fn has_controller(world: &World, cluster: usize) -> bool {
    if world.config.clusters[cluster].is_kraft() {
        return world.active_controller(cluster).is_some();
    }
    world
        .brokers
        .values()
        .any(|b| b.cluster.index == cluster && b.running && b.is_controller() && world.reachable(&b.cluster.broker(b.id), &NodeId::ZooKeeper))
}

pub(super) fn partition_index(world: &World) -> PartitionIndex {
    let mut list = Vec::new();
    for (ci, spec) in world.config.clusters.iter().enumerate() {
        for (topic, assignment) in super::topic_assignments(world, ci) {
            for (p, replicas) in assignment.into_iter().enumerate() {
                let tp = TopicPartition::new(&topic.as_str().into(), p as u32);
                let state = match spec.is_kraft() {
                    true => world.metadata_image(ci).and_then(|i| i.partition_metadata(&tp)).map(|m| m.state),
                    false => world
                        .zk
                        .znode(&under(&spec.chroot, &zkdata::partition_state_path(&topic, p as u32)))
                        .and_then(|n| zkdata::partition_state_of(&n.data, n.version)),
                };
                list.push(partition_view(world, ci, &tp, replicas, state));
            }
        }
    }
    list.sort_by(|a, b| (a.cluster, &a.topic, a.partition).cmp(&(b.cluster, &b.topic, b.partition)));
    let at = list
        .iter()
        .enumerate()
        .map(|(i, p)| ((p.cluster, TopicPartition::new(&p.topic.as_str().into(), p.partition)), i))
        .collect();
    PartitionIndex { list, at }
}

fn partition_view(world: &World, ci: usize, tp: &TopicPartition, replicas: Vec<BrokerId>, state: Option<crate::protocol::LeaderAndIsr>) -> PartitionView {
    let mut v = PartitionView {
        cluster: ci,
        topic: tp.topic.to_string(),
        partition: tp.partition,
        internal: is_internal(&tp.topic),
        replicas,
        leader: None,
        leader_epoch: 0,
        isr: Vec::new(),
        isr_source: IsrSource::Zookeeper,
        high_watermark: None,
        log_end_offset: None,
        offline: None,
    };
    let Some(state) = state else {
        // The topic znode is written; the controller's watch has not created the partition's state yet.
        v.offline = Some(offline(
            if has_controller(world, ci) {
                OfflineReason::Electing
            } else {
                OfflineReason::NoController
            },
            None,
            None,
        ));
        return v;
    };
    v.leader_epoch = state.leader_epoch;
    v.isr = state.isr.clone();
    let acting: Option<&Partition> = state
        .leader
        .filter(|l| up(world, ci, *l))
        .and_then(|l| world.brokers.get(&(ci, l)))
        .and_then(|b| b.partitions.get(tp))
        .filter(|r| r.role == Role::Leader);
    if let Some(r) = acting {
        v.leader = state.leader;
        v.high_watermark = Some(r.high_watermark);
        v.log_end_offset = Some(r.log_end_offset());
        // A leader still at an older epoch (its LeaderAndIsr is on the way) holds an older ISR.
        if r.leader_epoch == state.leader_epoch {
            v.isr = r.isr.clone();
            v.isr_source = IsrSource::Leader;
        }
        return v;
    }
    v.offline = Some(why_offline(world, ci, &v, state.leader));
    v
}

fn offline(reason: OfflineReason, broker: Option<BrokerId>, session_expires_at_ms: Option<u64>) -> OfflineView {
    OfflineView {
        reason,
        broker,
        session_expires_at_ms,
    }
}

fn why_offline(world: &World, ci: usize, v: &PartitionView, named: Option<BrokerId>) -> OfflineView {
    let controller = has_controller(world, ci);
    let waiting = if controller { OfflineReason::Electing } else { OfflineReason::NoController };
    if let (Some(l), true) = (named, world.config.clusters[ci].is_kraft()) {
        // Fenced (or being fenced), the controller moves leadership; else its session runs on.
        let fenced = world.metadata_image(ci).and_then(|i| i.brokers.get(&l)).is_none_or(|b| b.fenced);
        let session_end = world
            .active_controller(ci)
            .and_then(|c| c.session_expires_at_ms(l, &world.config.clusters[ci].config));
        return match (up(world, ci, l), fenced) {
            (false, false) => offline(OfflineReason::NotFenced, Some(l), session_end),
            _ => offline(waiting, Some(l), None),
        };
    }
    if let Some(l) = named {
        return match registration_owner(world, ci, l) {
            // Its session expired: the controller moves leadership once its watch is handled.
            None => offline(waiting, Some(l), None),
            Some(owner) => {
                let current = world.brokers.get(&(ci, l)).and_then(|b| b.zk_session);
                if !up(world, ci, l) || owner != current {
                    offline(OfflineReason::SessionNotExpired, Some(l), owner.and_then(|s| world.zk.session_expiry(s)))
                } else {
                    // Registered and up, but not leading at this epoch yet: LeaderAndIsr is on its way.
                    offline(waiting, Some(l), None)
                }
            }
        };
    }
    let live = world.registered_brokers(ci);
    let unclean = world.config.clusters[ci].config.unclean_leader_election_enable;
    let electable = v.isr.iter().any(|b| live.contains(b)) || (unclean && v.replicas.iter().any(|b| live.contains(b)));
    if !electable {
        // The controller keeps the last ISR member (`doRemoveReplicasFromIsr`): the broker it waits for.
        return offline(OfflineReason::NoLiveIsr, v.isr.first().copied(), None);
    }
    offline(waiting, None, None)
}
