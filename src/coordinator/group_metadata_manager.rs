//! `GroupMetadataManager`: what the coordinator keeps in its `__consumer_offsets` partitions. It loads
//! groups and offsets when it becomes the partition's leader, drops them when it stops, and
//! stores commits as records (KIP-211's format, in `records`).

use super::records::OffsetsRecord;
use super::{records, AfterAppend, Append, Group, GroupCoordinator, GroupCtx, Member};
use crate::protocol::*;
use crate::runtime::Timer;
use crate::trace::Event;
use std::collections::BTreeMap;

impl GroupCoordinator {
    /// `GroupMetadataManager.loadGroupsAndOffsets`: a new leader of an offsets partition
    /// reads its log back into groups and offsets, and resumes their members' sessions.
    pub fn load(&mut self, ctx: &mut GroupCtx, partition: u32, log: &[Record]) {
        self.partitions.insert(partition);
        let mut loaded: BTreeMap<String, Group> = BTreeMap::new();
        for r in log {
            let Some(key) = &r.key else { continue };
            match records::decode(key, r.value.as_deref()) {
                Some(OffsetsRecord::Offset {
                    group,
                    topic,
                    partition: p,
                    offset,
                    ..
                }) => {
                    let g = loaded.entry(group.clone()).or_insert_with(|| Group::new(&group, partition));
                    g.offsets.insert(TopicPartition::new(&topic.as_str().into(), p), offset);
                }
                Some(OffsetsRecord::Group { group, value }) => {
                    let g = loaded.entry(group.clone()).or_insert_with(|| Group::new(&group, partition));
                    match value {
                        Some(v) => {
                            g.generation = v.generation;
                            g.protocol = v.protocol;
                            g.leader = v.leader;
                            g.members = v
                                .members
                                .into_iter()
                                .map(|m| Member {
                                    client: NodeId::Client(m.client_id.as_str().into()),
                                    protocols: vec![(
                                        g.protocol.clone().unwrap_or_default(),
                                        Subscription {
                                            member_id: m.member_id.clone(),
                                            topics: m.topics,
                                            owned: m.assignment.clone(),
                                            generation: Some(v.generation),
                                        },
                                    )],
                                    member_id: m.member_id,
                                    session_timeout_ms: m.session_timeout_ms as u64,
                                    rebalance_timeout_ms: m.rebalance_timeout_ms as u64,
                                    assignment: m.assignment,
                                    awaiting_join: None,
                                    awaiting_sync: None,
                                    session_timer: None,
                                })
                                .collect();
                            g.state = if g.members.is_empty() { GroupState::Empty } else { GroupState::Stable };
                        }
                        None => {
                            g.members.clear();
                            g.state = GroupState::Empty;
                        }
                    }
                }
                None => {}
            }
        }
        let names: Vec<String> = loaded.keys().cloned().collect();
        for (id, mut g) in loaded {
            for m in &mut g.members {
                m.session_timer = Some(ctx.out.set_timer(
                    m.session_timeout_ms,
                    ctx.node(),
                    Timer::MemberSessionExpired {
                        group_id: id.clone(),
                        member_id: m.member_id.clone(),
                    },
                ));
            }
            self.groups.insert(id, g);
        }
        ctx.out.emit(Event::CoordinatorLoaded {
            broker: ctx.me,
            partition,
            groups: names,
        });
    }

    /// This broker no longer leads the partition: its groups move away; waiting members are told.
    pub fn unload(&mut self, ctx: &mut GroupCtx, partition: u32) {
        if !self.partitions.remove(&partition) {
            return;
        }
        let gone: Vec<String> = self.groups.iter().filter(|(_, g)| g.partition == partition).map(|(id, _)| id.clone()).collect();
        for id in gone {
            let g = self.groups.remove(&id).expect("listed");
            if let Some(t) = g.join_deadline {
                ctx.out.cancel(t);
            }
            for m in g.members {
                if let Some(t) = m.session_timer {
                    ctx.out.cancel(t);
                }
                if let Some(c) = m.awaiting_join {
                    ctx.out.send(
                        ctx.node(),
                        m.client.clone(),
                        Message::JoinGroupResponse {
                            correlation_id: c,
                            result: Err((ErrorCode::NotCoordinator, m.member_id.clone())),
                        },
                    );
                }
                if let Some(c) = m.awaiting_sync {
                    ctx.out.send(
                        ctx.node(),
                        m.client.clone(),
                        Message::SyncGroupResponse {
                            correlation_id: c,
                            result: Err(ErrorCode::NotCoordinator),
                        },
                    );
                }
            }
        }
    }

    /// `GroupCoordinator.handleCommitOffsets`: members commit in their generation;
    /// a consumer outside group management (generation -1) only into an empty group.
    pub fn commit(
        &mut self,
        ctx: &mut GroupCtx,
        from: NodeId,
        correlation_id: u64,
        group_id: &str,
        generation: i32,
        member_id: &str,
        offsets: Vec<(TopicPartition, u64)>,
    ) -> Option<Append> {
        let g = self.group(group_id, ctx.num_partitions);
        let error = if generation < 0 && member_id.is_empty() {
            (g.state != GroupState::Empty).then_some(ErrorCode::UnknownMemberId)
        } else {
            match Self::check_member(g, member_id, generation) {
                Err(e) => Some(e),
                Ok(()) if g.state == GroupState::CompletingRebalance => Some(ErrorCode::RebalanceInProgress),
                Ok(()) => None,
            }
        };
        if let Some(e) = error {
            let results = offsets.into_iter().map(|(tp, _)| (tp, Some(e))).collect();
            ctx.out.send(ctx.node(), from, Message::OffsetCommitResponse { correlation_id, results });
            return None;
        }
        let now = ctx.out.now_ms();
        let records = offsets
            .iter()
            .map(|(tp, o)| OffsetsRecord::Offset {
                group: group_id.into(),
                topic: tp.topic.to_string(),
                partition: tp.partition,
                offset: *o,
                metadata: String::new(),
                commit_timestamp_ms: now,
            })
            .collect();
        Some(Append {
            partition: g.partition,
            records,
            then: AfterAppend::OffsetCommit {
                to: from,
                correlation_id,
                group_id: group_id.into(),
                offsets,
            },
        })
    }

    pub fn offsets_committed(&mut self, group_id: &str, offsets: &[(TopicPartition, u64)]) {
        if let Some(g) = self.groups.get_mut(group_id) {
            for (tp, o) in offsets {
                g.offsets.insert(tp.clone(), *o);
            }
        }
    }

    pub fn fetch_offsets(&self, group_id: &str, partitions: &[TopicPartition]) -> Vec<(TopicPartition, Option<u64>)> {
        let g = self.groups.get(group_id);
        partitions.iter().map(|tp| (tp.clone(), g.and_then(|g| g.offsets.get(tp).copied()))).collect()
    }
}
