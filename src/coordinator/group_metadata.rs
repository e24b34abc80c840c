//! A group as the coordinator keeps it (`GroupMetadata`, `MemberMetadata`): its members, their
//! subscriptions, the generation and the committed offsets, and what is written to
//! `__consumer_offsets` to store it.

use super::records::{GroupValue, MemberValue, OffsetsRecord};
use super::{AfterAppend, Append};
use crate::protocol::*;
use crate::runtime::TimerKey;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, Serialize)]
pub struct Member {
    pub member_id: String,
    pub client: NodeId,
    pub protocols: Vec<(String, Subscription)>,
    pub session_timeout_ms: u64,
    pub rebalance_timeout_ms: u64,
    pub assignment: BTreeMap<String, Vec<u32>>,
    /// The JoinGroup it is waiting on, during a rebalance.
    #[serde(skip)]
    pub awaiting_join: Option<u64>,
    #[serde(skip)]
    pub awaiting_sync: Option<u64>,
    #[serde(skip)]
    pub(super) session_timer: Option<TimerKey>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Group {
    pub group_id: String,
    pub partition: u32,
    pub state: GroupState,
    pub generation: i32,
    pub protocol: Option<String>,
    pub leader: Option<String>,
    /// Members in the order they joined: the first is the leader.
    pub members: Vec<Member>,
    /// Committed offsets: the next offset the group reads, per partition.
    pub offsets: BTreeMap<TopicPartition, u64>,
    #[serde(skip)]
    pub(super) join_deadline: Option<TimerKey>,
    #[serde(skip)]
    pub(super) pending_member_ids: BTreeSet<String>,
    /// The first rebalance of an empty group, which waits `group.initial.rebalance.delay.ms`.
    #[serde(skip)]
    pub(super) initial_join: bool,
}

impl Group {
    /// The group's metadata as a record of `__consumer_offsets`; the generation's rebalance
    /// completes once it is committed (`GroupMetadataManager.storeGroup`).
    pub(super) fn store(&self) -> Append {
        Append {
            partition: self.partition,
            records: vec![OffsetsRecord::Group {
                group: self.group_id.clone(),
                value: Some(self.value()),
            }],
            then: AfterAppend::GroupStored {
                group_id: self.group_id.clone(),
                generation: self.generation,
            },
        }
    }

    pub(super) fn new(group_id: &str, partition: u32) -> Self {
        Group {
            group_id: group_id.into(),
            partition,
            state: GroupState::Empty,
            generation: 0,
            protocol: None,
            leader: None,
            members: Vec::new(),
            offsets: BTreeMap::new(),
            join_deadline: None,
            pending_member_ids: BTreeSet::new(),
            initial_join: false,
        }
    }

    pub(super) fn member_mut(&mut self, id: &str) -> Option<&mut Member> {
        self.members.iter_mut().find(|m| m.member_id == id)
    }

    pub(super) fn has_member(&self, id: &str) -> bool {
        self.members.iter().any(|m| m.member_id == id)
    }

    /// `GroupMetadata.selectProtocol`: among the protocols every member supports, the
    /// one most members list first (ties go to the leader's preference).
    pub(super) fn select_protocol(&self) -> Option<String> {
        let mut candidates: Vec<String> = self.members.first()?.protocols.iter().map(|(n, _)| n.clone()).collect();
        candidates.retain(|c| self.members.iter().all(|m| m.protocols.iter().any(|(n, _)| n == c)));
        let votes = |c: &String| {
            self.members
                .iter()
                .filter(|m| m.protocols.iter().find(|(n, _)| candidates.contains(n)).is_some_and(|(n, _)| n == c))
                .count()
        };
        let best = candidates.iter().map(votes).max()?;
        candidates.iter().find(|c| votes(c) == best).cloned()
    }

    /// Every member's subscription under the chosen protocol, as the leader receives them.
    pub(super) fn subscriptions(&self) -> Vec<Subscription> {
        let protocol = self.protocol.clone().unwrap_or_default();
        self.members
            .iter()
            .map(|m| {
                let mut s = m
                    .protocols
                    .iter()
                    .find(|(n, _)| *n == protocol)
                    .map(|(_, s)| s.clone())
                    .unwrap_or(Subscription {
                        member_id: String::new(),
                        topics: vec![],
                        owned: BTreeMap::new(),
                        generation: None,
                    });
                s.member_id = m.member_id.clone();
                s
            })
            .collect()
    }

    pub(super) fn value(&self) -> GroupValue {
        GroupValue {
            generation: self.generation,
            protocol: self.protocol.clone(),
            leader: self.leader.clone(),
            members: self
                .members
                .iter()
                .map(|m| MemberValue {
                    member_id: m.member_id.clone(),
                    client_id: m.client.to_string(),
                    rebalance_timeout_ms: m.rebalance_timeout_ms as i32,
                    session_timeout_ms: m.session_timeout_ms as i32,
                    topics: m.protocols.first().map(|(_, s)| s.topics.clone()).unwrap_or_default(),
                    assignment: m.assignment.clone(),
                })
                .collect(),
        }
    }
}
