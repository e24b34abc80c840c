//! Consumer groups as the broker that coordinates each one holds them.

use super::{coordinating, lag, PartitionIndex};
use crate::protocol::{BrokerId, GroupState, NodeId};
use crate::world::World;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct GroupView {
    pub cluster: usize,
    pub group_id: String,
    /// The broker whose coordinator holds the group (it leads the group's `__consumer_offsets` partition).
    pub coordinator: BrokerId,
    /// The `__consumer_offsets` partition that stores the group.
    pub offsets_partition: u32,
    pub state: GroupState,
    pub generation: i32,
    /// The assignor the group uses (`range`, `roundrobin`, …).
    pub protocol: Option<String>,
    /// The leader's member id.
    pub leader: Option<String>,
    pub members: Vec<GroupMemberView>,
    /// Committed offsets, per partition, with lag.
    pub offsets: Vec<GroupOffsetView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct GroupMemberView {
    pub member_id: String,
    /// The consumer's name (its client id).
    pub client: String,
    pub is_leader: bool,
    pub assignment: Vec<PartitionId>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct PartitionId {
    pub topic: String,
    pub partition: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct GroupOffsetView {
    pub topic: String,
    pub partition: u32,
    pub committed: u64,
    pub high_watermark: Option<u64>,
    pub lag: Option<u64>,
}

pub(super) fn group_views(world: &World, parts: &PartitionIndex) -> Vec<GroupView> {
    let mut ids: std::collections::BTreeSet<(usize, &str)> = std::collections::BTreeSet::new();
    for b in world.brokers.values().filter(|b| b.running) {
        for id in b.coordinator.group_ids() {
            ids.insert((b.cluster.index, id));
        }
    }
    ids.into_iter()
        .filter_map(|(cluster, id)| {
            let (coordinator, g) = coordinating(world, cluster, id)?;
            let client_of = |m: &crate::coordinator::Member| match &m.client {
                NodeId::Client(c) => c.to_string(),
                other => other.to_string(),
            };
            Some(GroupView {
                cluster,
                group_id: g.group_id.clone(),
                coordinator,
                offsets_partition: g.partition,
                state: g.state,
                generation: g.generation,
                protocol: g.protocol.clone(),
                leader: g.leader.clone(),
                members: g
                    .members
                    .iter()
                    .map(|m| GroupMemberView {
                        member_id: m.member_id.clone(),
                        client: client_of(m),
                        is_leader: g.leader.as_deref() == Some(m.member_id.as_str()),
                        assignment: m
                            .assignment
                            .iter()
                            .flat_map(|(t, ps)| {
                                ps.iter().map(move |p| PartitionId {
                                    topic: t.clone(),
                                    partition: *p,
                                })
                            })
                            .collect(),
                    })
                    .collect(),
                offsets: g
                    .offsets
                    .iter()
                    .map(|(tp, committed)| {
                        let high_watermark = parts.high_watermark(cluster, tp);
                        GroupOffsetView {
                            topic: tp.topic.to_string(),
                            partition: tp.partition,
                            committed: *committed,
                            high_watermark,
                            lag: lag(high_watermark, Some(*committed)),
                        }
                    })
                    .collect(),
            })
        })
        .collect()
}
