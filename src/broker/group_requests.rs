//! The group coordinator's host: `KafkaApis` routes group requests to the `GroupCoordinator`
//! this broker runs for the `__consumer_offsets` partitions it leads, and writes what the
//! coordinator must store to those partitions like any other acks=all produce.

use super::delayed_operation::{DelayedProduce, Reply};
use super::replica_manager::{append_to_leader, effective_min_isr};
use super::{Broker, Ctx};
use crate::coordinator::{records, AfterAppend, Append, GroupCtx, OFFSETS_TOPIC};
use crate::protocol::*;
use crate::replica::Role;
use crate::runtime::TimerKey;
use crate::zookeeper::kafka_zk_client::{self as zkdata};

impl Broker {
    pub(super) fn after_coordinator_write(&mut self, ctx: &mut Ctx, then: AfterAppend, error: Option<ErrorCode>) {
        match then {
            AfterAppend::OffsetCommit {
                to,
                correlation_id,
                group_id,
                offsets,
            } => {
                if error.is_none() {
                    self.coordinator.offsets_committed(&group_id, &offsets);
                }
                let results = offsets.into_iter().map(|(tp, _)| (tp, error)).collect();
                ctx.out.send(self.node(), to, Message::OffsetCommitResponse { correlation_id, results });
            }
            AfterAppend::GroupStored { group_id, generation } => {
                self.coordinator.group_stored(&mut Self::group_ctx(self.id, ctx), &group_id, generation, error)
            }
        }
    }

    pub(super) fn group_ctx<'a>(me: BrokerId, ctx: &'a mut Ctx) -> GroupCtx<'a> {
        GroupCtx {
            node: ctx.cluster.broker(me),
            out: ctx.out,
            me,
            num_partitions: ctx.config.offsets_topic_num_partitions,
            initial_rebalance_delay_ms: ctx.config.group_initial_rebalance_delay_ms,
        }
    }

    /// The coordinator's write to its `__consumer_offsets` partition, replicated like any other.
    pub(super) fn append_for_coordinator(&mut self, ctx: &mut Ctx, append: Option<Append>) {
        let Some(append) = append else { return };
        let tp = TopicPartition::new(&OFFSETS_TOPIC.into(), append.partition);
        let Some(p) = self.partitions.get_mut(&tp).filter(|p| p.role == Role::Leader) else {
            self.after_coordinator_write(ctx, append.then, Some(ErrorCode::NotCoordinator));
            return;
        };
        if p.isr.len() < effective_min_isr(ctx.config, p) {
            self.after_coordinator_write(ctx, append.then, Some(ErrorCode::CoordinatorNotAvailable));
            return;
        }
        let now = ctx.out.now_ms();
        let records = append
            .records
            .iter()
            .map(|r| {
                let (key, value) = records::encode(r);
                ProducerRecord {
                    key: Some(key.into()),
                    value: value.map(Into::into),
                    headers: Vec::new(),
                    timestamp_ms: now,
                }
            })
            .collect();
        let base = append_to_leader(ctx.out, self.id, p, records, None);
        let required = p.log_end_offset();
        self.maybe_increment_hw(ctx, &tp);
        self.complete_delayed_fetches(ctx, &tp);
        let results = vec![ProduceResult {
            tp,
            error: None,
            base_offset: base,
        }];
        // `offsets.commit.timeout.ms`.
        self.wait_for_high_watermark(
            ctx,
            DelayedProduce {
                reply: Reply::Coordinator(append.then),
                results,
                waiting: vec![(0, required)],
                timer: TimerKey { at_ms: 0, seq: 0 },
            },
            5_000,
        );
    }

    /// `KafkaApis.handleFindCoordinatorRequest`: the leader of the group's `__consumer_offsets`
    /// partition; the internal topic is created on first use.
    pub(super) fn find_coordinator(&mut self, ctx: &mut Ctx, group_id: &str) -> Result<BrokerId, ErrorCode> {
        let n = ctx.config.offsets_topic_num_partitions;
        let tp = TopicPartition::new(&OFFSETS_TOPIC.into(), records::partition_for_group(group_id, n));
        match self.metadata.partitions.get(&tp) {
            Some(pm) => pm.state.leader.ok_or(ErrorCode::CoordinatorNotAvailable),
            None => {
                self.create_internal_topic(ctx);
                Err(ErrorCode::CoordinatorNotAvailable)
            }
        }
    }

    pub(super) fn create_internal_topic(&mut self, ctx: &mut Ctx) {
        if self.kraft.is_some() {
            self.forward_create_topic(
                ctx,
                OFFSETS_TOPIC,
                ctx.config.offsets_topic_num_partitions,
                ctx.config.offsets_topic_replication_factor,
            );
            return;
        }
        let Some(session) = self.zk_session else { return };
        let live = self.metadata.live_brokers.clone();
        let n = live.len().max(1) as u64;
        let (start, shift) = (ctx.out.rng().rand_range(0..n) as usize, ctx.out.rng().rand_range(0..n) as usize);
        // Kafka refuses to create it with fewer live brokers than `offsets.topic.replication.factor`.
        let Ok(assignment) = crate::admin::assign_replicas(
            &live,
            ctx.config.offsets_topic_num_partitions,
            ctx.config.offsets_topic_replication_factor,
            start,
            shift,
        ) else {
            return;
        };
        let mut zk = ctx.zk_client(self.id, session);
        let _ = zk.create(&zkdata::topic_path(OFFSETS_TOPIC), zkdata::topic_json(&assignment), false);
    }

    pub(super) fn handle_group_request(&mut self, ctx: &mut Ctx, from: NodeId, msg: Message) {
        let group_id = match &msg {
            Message::JoinGroupRequest { group_id, .. }
            | Message::SyncGroupRequest { group_id, .. }
            | Message::HeartbeatRequest { group_id, .. }
            | Message::LeaveGroupRequest { group_id, .. }
            | Message::OffsetCommitRequest { group_id, .. }
            | Message::OffsetFetchRequest { group_id, .. } => group_id.clone(),
            _ => return,
        };
        if !self.coordinator.owns(&group_id, ctx.config.offsets_topic_num_partitions) {
            let e = ErrorCode::NotCoordinator;
            let reply = match msg {
                Message::JoinGroupRequest { correlation_id, member_id, .. } => Message::JoinGroupResponse {
                    correlation_id,
                    result: Err((e, member_id)),
                },
                Message::SyncGroupRequest { correlation_id, .. } => Message::SyncGroupResponse {
                    correlation_id,
                    result: Err(e),
                },
                Message::HeartbeatRequest { correlation_id, .. } => Message::HeartbeatResponse {
                    correlation_id,
                    error: Some(e),
                },
                Message::LeaveGroupRequest { correlation_id, .. } => Message::LeaveGroupResponse { correlation_id },
                Message::OffsetCommitRequest { correlation_id, offsets, .. } => Message::OffsetCommitResponse {
                    correlation_id,
                    results: offsets.into_iter().map(|(tp, _)| (tp, Some(e))).collect(),
                },
                Message::OffsetFetchRequest { correlation_id, .. } => Message::OffsetFetchResponse {
                    correlation_id,
                    result: Err(e),
                },
                _ => return,
            };
            ctx.out.send(self.node(), from, reply);
            return;
        }
        let mut gctx = Self::group_ctx(self.id, ctx);
        let append = match msg {
            Message::JoinGroupRequest {
                correlation_id,
                group_id,
                member_id,
                session_timeout_ms,
                rebalance_timeout_ms,
                protocols,
            } => self.coordinator.join(
                &mut gctx,
                from,
                correlation_id,
                &group_id,
                &member_id,
                session_timeout_ms,
                rebalance_timeout_ms,
                protocols,
            ),
            Message::SyncGroupRequest {
                correlation_id,
                group_id,
                generation,
                member_id,
                assignments,
            } => self
                .coordinator
                .sync(&mut gctx, from, correlation_id, &group_id, generation, &member_id, assignments),
            Message::HeartbeatRequest {
                correlation_id,
                group_id,
                generation,
                member_id,
            } => {
                self.coordinator.heartbeat(&mut gctx, from, correlation_id, &group_id, generation, &member_id);
                None
            }
            Message::LeaveGroupRequest {
                correlation_id,
                group_id,
                member_id,
            } => {
                gctx.out.send(self.node(), from, Message::LeaveGroupResponse { correlation_id });
                self.coordinator.remove_member(&mut gctx, &group_id, &member_id, "left the group")
            }
            Message::OffsetCommitRequest {
                correlation_id,
                group_id,
                generation,
                member_id,
                offsets,
            } => self
                .coordinator
                .commit(&mut gctx, from, correlation_id, &group_id, generation, &member_id, offsets),
            Message::OffsetFetchRequest {
                correlation_id,
                group_id,
                partitions,
            } => {
                let result = Ok(self.coordinator.fetch_offsets(&group_id, &partitions));
                gctx.out.send(self.node(), from, Message::OffsetFetchResponse { correlation_id, result });
                None
            }
            _ => None,
        };
        self.append_for_coordinator(ctx, append);
    }
}
