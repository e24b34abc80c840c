//! `ReplicaManager` and `Partition`: leader and follower roles as the controller's LeaderAndIsr
//! says, appends on the leader, the high watermark, and the ISR's growth and shrinkage through
//! AlterPartition.

use super::fetcher::FetchState;
use super::{Broker, Ctx};
use crate::config::BrokerConfig;
use crate::coordinator::OFFSETS_TOPIC;
use crate::protocol::*;
use crate::replica::{Partition, Role};
use crate::runtime::{Out, Timer};
use crate::trace::Event;
use std::collections::BTreeSet;

/// `Partition.appendRecordsToLeader`: the records take the next offsets and the leader's epoch,
/// each carrying its batch's producer stamp. Returns the first offset.
pub(super) fn append_to_leader(out: &mut Out, broker: BrokerId, p: &mut Partition, records: Vec<ProducerRecord>, producer: Option<BatchProducer>) -> u64 {
    let base = p.log_end_offset();
    let (epoch, count) = (p.leader_epoch, records.len() as u64);
    for (i, r) in records.into_iter().enumerate() {
        p.log.append(Record {
            offset: base + i as u64,
            timestamp_ms: r.timestamp_ms,
            key: r.key,
            value: r.value,
            headers: r.headers,
            leader_epoch: epoch,
            producer,
        });
    }
    out.emit(Event::RecordsAppended {
        broker,
        tp: p.tp.clone(),
        base_offset: base,
        count,
        leader_epoch: epoch,
        log_end_offset: p.log_end_offset(),
    });
    base
}

pub(super) fn effective_min_isr(config: &BrokerConfig, p: &Partition) -> usize {
    (config.min_insync_replicas as usize).min(p.replicas.len())
}

impl Broker {
    pub(super) fn maybe_increment_hw(&mut self, ctx: &mut Ctx, tp: &TopicPartition) {
        let Some(p) = self.partitions.get_mut(tp) else { return };
        if p.role != Role::Leader {
            return;
        }
        let min_isr = effective_min_isr(ctx.config, p);
        if let Some(old) = p.maybe_increment_high_watermark(min_isr, ctx.out.now_ms(), ctx.config.replica_lag_time_max_ms) {
            let new = p.high_watermark;
            ctx.out.emit(Event::HighWatermarkAdvanced {
                broker: self.id,
                tp: tp.clone(),
                old,
                new,
            });
            self.complete_delayed_produces(ctx);
            self.complete_delayed_fetches(ctx, tp);
        }
    }

    /// `Partition.maybeExpandIsr`: a follower that caught up asks to rejoin, through the controller.
    pub(super) fn maybe_expand_isr(&mut self, ctx: &mut Ctx, tp: &TopicPartition, follower: BrokerId) {
        let Some(p) = self.partitions.get_mut(tp) else { return };
        if p.role != Role::Leader || p.pending_isr.is_some() || !p.may_rejoin_isr(follower) {
            return;
        }
        let mut new_isr = p.isr.clone();
        new_isr.push(follower);
        new_isr.sort_unstable_by_key(|b| p.replicas.iter().position(|r| r == b));
        ctx.out.emit(Event::IsrExpandProposed {
            broker: self.id,
            tp: tp.clone(),
            caught_up: follower,
        });
        self.propose_isr(ctx, tp, new_isr);
    }

    /// `Partition.maybeShrinkIsr`, every `replica.lag.time.max.ms / 2`. An AlterPartition
    /// still unanswered by then is sent again, to whoever is controller now (`AlterPartitionManager` retries).
    pub(super) fn maybe_shrink_isr(&mut self, ctx: &mut Ctx) {
        let lag = ctx.config.replica_lag_time_max_ms;
        let now = ctx.out.now_ms();
        let unanswered: Vec<(TopicPartition, Vec<BrokerId>)> = self
            .partitions
            .values()
            .filter(|p| p.role == Role::Leader)
            .filter_map(|p| Some((p.tp.clone(), p.pending_isr.clone()?)))
            .collect();
        for (tp, isr) in unanswered {
            self.propose_isr(ctx, &tp, isr);
        }
        let shrinks: Vec<(TopicPartition, Vec<BrokerId>, Vec<BrokerId>)> = self
            .partitions
            .values()
            .filter(|p| p.role == Role::Leader && p.pending_isr.is_none())
            .filter_map(|p| {
                let out = p.out_of_sync_replicas(now, lag);
                (!out.is_empty()).then(|| (p.tp.clone(), out.clone(), p.isr.iter().filter(|b| !out.contains(b)).copied().collect()))
            })
            .collect();
        for (tp, out, new_isr) in shrinks {
            ctx.out.emit(Event::IsrShrinkProposed {
                broker: self.id,
                tp: tp.clone(),
                out_of_sync: out,
            });
            self.propose_isr(ctx, &tp, new_isr);
        }
    }

    pub(super) fn propose_isr(&mut self, ctx: &mut Ctx, tp: &TopicPartition, new_isr: Vec<BrokerId>) {
        let Some(controller) = self.metadata.controller_id else { return };
        let Some(p) = self.partitions.get_mut(tp) else { return };
        p.pending_isr = Some(new_isr.clone());
        let msg = Message::AlterPartitionRequest {
            broker_id: self.id,
            tp: tp.clone(),
            leader_epoch: p.leader_epoch,
            partition_epoch: p.partition_epoch,
            new_isr,
        };
        ctx.out.send(self.node(), self.controller_node(controller), msg);
    }

    pub(super) fn handle_alter_partition_response(&mut self, ctx: &mut Ctx, tp: TopicPartition, result: Result<LeaderAndIsr, ErrorCode>) {
        let Some(p) = self.partitions.get_mut(&tp) else { return };
        if p.pending_isr.is_none() {
            return;
        }
        p.pending_isr = None;
        match result {
            Ok(state) if p.role == Role::Leader && state.leader_epoch == p.leader_epoch => {
                p.isr = state.isr;
                p.partition_epoch = state.partition_epoch;
                self.maybe_increment_hw(ctx, &tp);
                self.complete_delayed_produces(ctx);
            }
            Ok(_) => {}
            Err(error) => ctx.out.emit(Event::AlterPartitionRefused { broker: self.id, tp, error }),
        }
    }

    pub(super) fn schedule_isr_check(&mut self, ctx: &mut Ctx) {
        if !self.isr_check_scheduled && self.partitions.values().any(|p| p.role == Role::Leader) {
            self.isr_check_scheduled = true;
            ctx.out.set_timer(ctx.config.replica_lag_time_max_ms / 2, self.node(), Timer::IsrExpiration);
        }
    }

    /// A request of a controller older than the newest this broker has seen is ignored and
    /// answered STALE_CONTROLLER_EPOCH (`ReplicaManager.becomeLeaderOrFollower`,
    /// `maybeUpdateMetadataCache` and `stopReplicas`, through `KafkaApis`).
    pub(super) fn refuse_stale_controller(&mut self, ctx: &mut Ctx, controller: BrokerId, api: &'static str, controller_epoch: u32) {
        ctx.out.emit(Event::StaleControllerRequestRefused {
            broker: self.id,
            controller,
            api,
            controller_epoch,
            latest_epoch: self.metadata.controller_epoch,
        });
        ctx.out.send(
            self.node(),
            self.cluster.broker(controller),
            Message::ControllerRequestResponse {
                api,
                controller_epoch,
                error: ErrorCode::StaleControllerEpoch,
            },
        );
    }

    /// `ReplicaManager.becomeLeaderOrFollower`.
    pub(super) fn handle_leader_and_isr(&mut self, ctx: &mut Ctx, controller_id: BrokerId, controller_epoch: u32, partitions: Vec<PartitionMetadata>) {
        if controller_epoch < self.metadata.controller_epoch {
            self.refuse_stale_controller(ctx, controller_id, "LeaderAndIsr", controller_epoch);
            return;
        }
        self.metadata.controller_epoch = controller_epoch;
        self.metadata.controller_id = Some(controller_id);
        self.apply_partition_states(ctx, partitions);
    }

    /// The roles partition states give this broker's replicas, newer states only: LeaderAndIsr's
    /// in ZooKeeper mode, the committed metadata's in KRaft mode (`ReplicaManager.applyDelta`).
    pub(super) fn apply_partition_states(&mut self, ctx: &mut Ctx, partitions: Vec<PartitionMetadata>) {
        let now = ctx.out.now_ms();
        for pm in partitions {
            if !pm.replicas.contains(&self.id) {
                continue;
            }
            let tp = pm.tp.clone();
            let p = self
                .partitions
                .entry(tp.clone())
                .or_insert_with(|| Partition::new(tp.clone(), pm.replicas.clone()));
            let newer = p.role == Role::Offline
                || pm.state.leader_epoch > p.leader_epoch
                || (pm.state.leader_epoch == p.leader_epoch && pm.state.partition_epoch > p.partition_epoch);
            if !newer {
                continue;
            }
            p.replicas = pm.replicas.clone();
            self.metadata.partitions.insert(tp.clone(), pm.clone());
            let s = pm.state;
            if s.leader == Some(self.id) {
                let was_leader = p.role == Role::Leader;
                p.make_leader(self.id, s.leader_epoch, s.isr, s.partition_epoch, now);
                if !was_leader {
                    ctx.out.emit(Event::BecameLeader {
                        broker: self.id,
                        tp: tp.clone(),
                        leader_epoch: s.leader_epoch,
                    });
                }
                for f in self.fetchers.values_mut() {
                    f.partitions.remove(&tp);
                }
                self.maybe_increment_hw(ctx, &tp);
                if &*tp.topic == OFFSETS_TOPIC && !was_leader {
                    let log = self.partitions[&tp].log.records.clone();
                    self.coordinator.load(&mut Self::group_ctx(self.id, ctx), tp.partition, &log);
                }
            } else {
                if &*tp.topic == OFFSETS_TOPIC {
                    self.coordinator.unload(&mut Self::group_ctx(self.id, ctx), tp.partition);
                }
                p.make_follower(s.leader, s.leader_epoch, s.isr, s.partition_epoch);
                ctx.out.emit(Event::BecameFollower {
                    broker: self.id,
                    tp: tp.clone(),
                    leader: s.leader,
                    leader_epoch: s.leader_epoch,
                });
                for (l, f) in self.fetchers.iter_mut() {
                    if Some(*l) != s.leader {
                        f.partitions.remove(&tp);
                    }
                }
                if let Some(l) = s.leader {
                    self.fetchers.entry(l).or_default().partitions.insert(tp.clone(), FetchState::Truncating);
                }
            }
        }
        self.complete_delayed_produces(ctx);
        self.fetchers.retain(|_, f| !f.partitions.is_empty() || f.in_flight.is_some());
        let leaders: Vec<BrokerId> = self.fetchers.keys().copied().collect();
        for l in leaders {
            self.drive_fetcher(ctx, l);
        }
        self.schedule_isr_check(ctx);
    }

    /// StopReplica (`ReplicaManager.stopReplicas` without deleting): the fetchers let go of
    /// the partitions; the logs stay.
    pub(super) fn handle_stop_replica(&mut self, ctx: &mut Ctx, controller_id: BrokerId, controller_epoch: u32, partitions: Vec<TopicPartition>) {
        if controller_epoch < self.metadata.controller_epoch {
            self.refuse_stale_controller(ctx, controller_id, "StopReplica", controller_epoch);
            return;
        }
        self.metadata.controller_epoch = controller_epoch;
        for tp in partitions {
            for f in self.fetchers.values_mut() {
                f.partitions.remove(&tp);
            }
            let Some(p) = self.partitions.get_mut(&tp) else { continue };
            if p.role == Role::Leader {
                continue;
            }
            p.role = Role::Offline;
            p.leader = None;
            p.followers.clear();
            p.pending_isr = None;
            ctx.out.emit(Event::ReplicaStopped { broker: self.id, tp });
        }
        self.fetchers.retain(|_, f| !f.partitions.is_empty() || f.in_flight.is_some());
    }

    pub fn leads(&self) -> impl Iterator<Item = &TopicPartition> {
        self.partitions.values().filter(|p| p.role == Role::Leader).map(|p| &p.tp)
    }

    pub fn hosted(&self) -> BTreeSet<TopicPartition> {
        self.partitions.keys().cloned().collect()
    }
}
