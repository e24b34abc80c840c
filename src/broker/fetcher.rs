//! A follower's replica fetcher towards one leader broker (`ReplicaFetcherThread`):
//! first truncation by leader epoch (KIP-101/KIP-279), then an endless fetch loop.

use super::{Broker, Ctx};
use crate::protocol::*;
use crate::replica::Role;
use crate::runtime::Timer;
use crate::runtime::TimerKey;
use crate::trace::Event;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FetchState {
    /// Must ask the leader where its last epoch ends before fetching.
    Truncating,
    Fetching,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Fetcher {
    pub partitions: BTreeMap<TopicPartition, FetchState>,
    /// The request in flight and the timer that gives up on it.
    #[serde(skip)]
    pub in_flight: Option<(u64, TimerKey)>,
    /// Waiting out `replica.fetch.backoff.ms` after an error.
    #[serde(skip)]
    pub backoff: Option<TimerKey>,
}

impl Broker {
    /// Sends the fetcher's next request, if none is in flight: truncation first, then fetch.
    pub(super) fn drive_fetcher(&mut self, ctx: &mut Ctx, leader: BrokerId) {
        let (me, me_node) = (self.id, self.node());
        let Some(f) = self.fetchers.get_mut(&leader) else { return };
        if f.in_flight.is_some() || f.backoff.is_some() {
            return;
        }
        // A replica with no epoch yet has nothing that could diverge.
        for (tp, state) in f.partitions.iter_mut() {
            if *state == FetchState::Truncating && self.partitions.get(tp).is_none_or(|p| p.log.latest_epoch().is_none()) {
                *state = FetchState::Fetching;
            }
        }
        let truncating: Vec<(TopicPartition, u32)> = f
            .partitions
            .iter()
            .filter(|(_, s)| **s == FetchState::Truncating)
            .filter_map(|(tp, _)| Some((tp.clone(), self.partitions.get(tp)?.log.latest_epoch()?)))
            .collect();
        self.next_id += 1;
        let correlation_id = self.next_id;
        let msg = if !truncating.is_empty() {
            Message::OffsetsForLeaderEpochRequest {
                correlation_id,
                partitions: truncating,
            }
        } else if !f.partitions.is_empty() {
            let partitions = f
                .partitions
                .keys()
                .filter_map(|tp| {
                    let p = self.partitions.get(tp)?;
                    Some(FetchPartition {
                        tp: tp.clone(),
                        fetch_offset: p.log_end_offset(),
                        current_leader_epoch: p.leader_epoch,
                    })
                })
                .collect();
            Message::FetchRequest {
                correlation_id,
                replica_id: Some(me),
                partitions,
                max_wait_ms: ctx.config.replica_fetch_wait_max_ms,
            }
        } else {
            return;
        };
        let timer = ctx
            .out
            .set_timer(ctx.config.replica_socket_timeout_ms, me_node, Timer::FetcherWakeup { leader });
        f.in_flight = Some((correlation_id, timer));
        ctx.out.send(self.node(), self.cluster.broker(leader), msg);
    }

    /// Takes a response addressed to the fetcher's request in flight; `None` for a stale one.
    pub(super) fn accept_fetcher_response(&mut self, ctx: &mut Ctx, leader: BrokerId, correlation_id: u64) -> Option<()> {
        let f = self.fetchers.get_mut(&leader)?;
        let (expected, timer) = f.in_flight?;
        if expected != correlation_id {
            return None;
        }
        ctx.out.cancel(timer);
        f.in_flight = None;
        Some(())
    }

    /// KIP-279: truncate to where the leader says our last epoch ends (or, when the
    /// leader only knows an older epoch, to where that epoch ends on both sides); with no
    /// answer for the epoch, to the high watermark, as before KIP-101.
    pub(super) fn handle_epoch_response(&mut self, ctx: &mut Ctx, leader: BrokerId, correlation_id: u64, answers: Vec<(TopicPartition, EpochEndOffset)>) {
        if self.accept_fetcher_response(ctx, leader, correlation_id).is_none() {
            return;
        }
        let mut failed = false;
        for (tp, answer) in answers {
            let Some(p) = self.partitions.get_mut(&tp) else { continue };
            let Ok(answer) = answer else {
                failed = true;
                continue;
            };
            // KIP-279 (`AbstractFetcherThread.getOffsetTruncationState`): when the leader answers
            // for an epoch this log does not have, truncate to where this log's largest epoch
            // below it ends and ask again; only a shared epoch ends the truncation.
            let (target, done) = match answer {
                None => (p.high_watermark, true),
                Some((epoch, end_offset)) => match p.log.end_offset_for(epoch) {
                    Some((local_epoch, local_end)) if local_epoch != epoch => (local_end.min(p.log_end_offset()), false),
                    Some((_, local_end)) => (end_offset.min(local_end), true),
                    None => (end_offset.min(p.log_end_offset()), true),
                },
            };
            let old = p.log_end_offset();
            let lost = p.log.truncate_to(target);
            if lost > 0 {
                p.high_watermark = p.high_watermark.min(target);
                ctx.out.emit(Event::LogTruncated {
                    broker: self.id,
                    tp: tp.clone(),
                    old_log_end_offset: old,
                    new_log_end_offset: target,
                    lost,
                });
            }
            if let Some(f) = self.fetchers.get_mut(&leader) {
                if let Some(s) = f.partitions.get_mut(&tp) {
                    *s = if done { FetchState::Fetching } else { FetchState::Truncating };
                }
            }
        }
        if failed {
            self.back_off(ctx, leader);
        }
        self.drive_fetcher(ctx, leader);
    }

    pub(super) fn back_off(&mut self, ctx: &mut Ctx, leader: BrokerId) {
        let me_node = self.node();
        if let Some(f) = self.fetchers.get_mut(&leader) {
            if f.backoff.is_none() {
                f.backoff = Some(ctx.out.set_timer(ctx.config.replica_fetch_backoff_ms, me_node, Timer::FetcherWakeup { leader }));
            }
        }
    }

    /// `ReplicaFetcherThread.processPartitionData`: append what the leader sent and
    /// learn its high watermark (never beyond our own log end).
    pub(super) fn handle_fetch_response(&mut self, ctx: &mut Ctx, leader: BrokerId, correlation_id: u64, partitions: Vec<FetchedPartition>) {
        if self.accept_fetcher_response(ctx, leader, correlation_id).is_none() {
            return;
        }
        let mut failed = false;
        for fp in partitions {
            let fetching = self.fetchers.get(&leader).and_then(|f| f.partitions.get(&fp.tp)) == Some(&FetchState::Fetching);
            let Some(p) = self.partitions.get_mut(&fp.tp) else { continue };
            if !fetching || p.role != Role::Follower {
                continue;
            }
            if let Some(e) = fp.error {
                failed = true;
                if e == ErrorCode::OffsetOutOfRange {
                    if let Some(f) = self.fetchers.get_mut(&leader) {
                        f.partitions.insert(fp.tp.clone(), FetchState::Truncating);
                    }
                }
                continue;
            }
            if let Some(first) = fp.records.first() {
                if first.offset == p.log_end_offset() {
                    let base = first.offset;
                    let count = fp.records.len() as u64;
                    let epoch = fp.records.last().map_or(0, |r| r.leader_epoch);
                    for r in fp.records {
                        p.log.append(r);
                    }
                    ctx.out.emit(Event::RecordsAppended {
                        broker: self.id,
                        tp: fp.tp.clone(),
                        base_offset: base,
                        count,
                        leader_epoch: epoch,
                        log_end_offset: p.log_end_offset(),
                    });
                }
            }
            let hw = fp.high_watermark.min(p.log_end_offset());
            if hw > p.high_watermark {
                let old = p.high_watermark;
                p.high_watermark = hw;
                ctx.out.emit(Event::HighWatermarkAdvanced {
                    broker: self.id,
                    tp: fp.tp.clone(),
                    old,
                    new: hw,
                });
            }
        }
        if failed {
            self.back_off(ctx, leader);
        }
        self.drive_fetcher(ctx, leader);
    }
}
