//! The purgatory (`DelayedOperationPurgatory`): an acks=all produce waiting for the high
//! watermark (`DelayedProduce`) and a fetch waiting for data (`DelayedFetch`), each completed
//! when the partition moves or expired by its timer.

use super::replica_manager::effective_min_isr;
use super::{Broker, Ctx};
use crate::config::BrokerConfig;
use crate::coordinator::AfterAppend;
use crate::protocol::*;
use crate::replica::Role;
use crate::runtime::{Timer, TimerKey};

/// An acks=all write waiting for the high watermark (`DelayedProduce`): a client's
/// produce, or the group coordinator's own write to `__consumer_offsets`.
#[derive(Clone, Debug)]
pub(super) struct DelayedProduce {
    pub(super) reply: Reply,
    pub(super) results: Vec<ProduceResult>,
    /// (index into results, offset the high watermark must reach)
    pub(super) waiting: Vec<(usize, u64)>,
    pub(super) timer: TimerKey,
}

#[derive(Clone, Debug)]
pub(super) enum Reply {
    Produce { to: NodeId, correlation_id: u64 },
    Coordinator(AfterAppend),
}

/// A fetch that found nothing new, parked until data arrives (`DelayedFetch`).
#[derive(Clone, Debug)]
pub(super) struct DelayedFetch {
    pub(super) from: NodeId,
    pub(super) correlation_id: u64,
    pub(super) replica_id: Option<BrokerId>,
    pub(super) partitions: Vec<FetchPartition>,
    pub(super) timer: TimerKey,
}

impl Broker {
    /// Answers at once if the high watermark already passed every write, else parks the answer.
    pub(super) fn wait_for_high_watermark(&mut self, ctx: &mut Ctx, mut d: DelayedProduce, timeout_ms: u64) {
        if self.try_complete_produce(ctx.config, &mut d) {
            self.finish_write(ctx, d);
        } else {
            let id = self.next_id();
            d.timer = ctx.out.set_timer(timeout_ms, self.node(), Timer::DelayedProduceExpired { id });
            self.delayed_produces.insert(id, d);
        }
    }

    pub(super) fn finish_write(&mut self, ctx: &mut Ctx, d: DelayedProduce) {
        match d.reply {
            Reply::Produce { to, correlation_id } => ctx.out.send(
                self.node(),
                to,
                Message::ProduceResponse {
                    correlation_id,
                    results: d.results,
                },
            ),
            Reply::Coordinator(then) => {
                // `GroupMetadataManager` maps write errors to coordinator errors the client understands.
                let error = d.results.iter().find_map(|r| r.error).map(|e| match e {
                    ErrorCode::NotLeaderOrFollower => ErrorCode::NotCoordinator,
                    _ => ErrorCode::CoordinatorNotAvailable,
                });
                self.after_coordinator_write(ctx, then, error);
            }
        }
    }

    /// `Partition.checkEnoughReplicasReachOffset` for every partition the request waits on.
    pub(super) fn try_complete_produce(&self, config: &BrokerConfig, d: &mut DelayedProduce) -> bool {
        let results = &mut d.results;
        d.waiting.retain(|(i, required)| {
            let tp = &results[*i].tp;
            match self.partitions.get(tp).filter(|p| p.role == Role::Leader) {
                None => {
                    results[*i].error = Some(ErrorCode::NotLeaderOrFollower);
                    false
                }
                Some(p) if p.high_watermark >= *required => {
                    if p.maximal_isr().len() < effective_min_isr(config, p) {
                        results[*i].error = Some(ErrorCode::NotEnoughReplicasAfterAppend);
                    }
                    false
                }
                Some(_) => true,
            }
        });
        d.waiting.is_empty()
    }

    pub(super) fn complete_delayed_produces(&mut self, ctx: &mut Ctx) {
        let ids: Vec<u64> = self.delayed_produces.keys().copied().collect();
        for id in ids {
            let mut d = self.delayed_produces.remove(&id).expect("listed above");
            if self.try_complete_produce(ctx.config, &mut d) {
                ctx.out.cancel(d.timer);
                self.finish_write(ctx, d);
            } else {
                self.delayed_produces.insert(id, d);
            }
        }
    }

    pub(super) fn complete_delayed_fetches(&mut self, ctx: &mut Ctx, tp: &TopicPartition) {
        let ids: Vec<u64> = self
            .delayed_fetches
            .iter()
            .filter(|(_, d)| d.partitions.iter().any(|p| &p.tp == tp))
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            let d = self.delayed_fetches.remove(&id).expect("listed above");
            let ready = d.partitions.iter().any(|fp| {
                self.partitions.get(&fp.tp).is_some_and(|p| {
                    let limit = if d.replica_id.is_some() { p.log_end_offset() } else { p.high_watermark };
                    p.role != Role::Leader || fp.fetch_offset < limit
                })
            });
            if ready {
                ctx.out.cancel(d.timer);
                self.respond_fetch(ctx, d.from, d.correlation_id, d.replica_id, &d.partitions);
            } else {
                self.delayed_fetches.insert(id, d);
            }
        }
    }
}
