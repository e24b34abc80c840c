//! Where each assigned partition is read from (`KafkaConsumer.updateFetchPositions`): the
//! group's committed offset (`ConsumerCoordinator.refreshCommittedOffsetsIfNeeded`), else
//! `auto.offset.reset` (`OffsetFetcher.resetPositionsIfNeeded`, by ListOffsets).

use super::network_client::Pending;
use super::Consumer;
use crate::config::OffsetReset;
use crate::protocol::*;
use crate::runtime::Out;
use crate::trace::{Event, PositionSource};
use std::collections::BTreeMap;

impl Consumer {
    /// Partitions without a position ask the group's committed offset, else `auto.offset.reset`.
    pub(super) fn fetch_positions(&mut self, out: &mut Out) {
        let need: Vec<TopicPartition> = self
            .assignment
            .iter()
            .filter(|tp| !self.positions.contains_key(*tp) && !self.awaiting_positions.contains(*tp))
            .cloned()
            .collect();
        if need.is_empty() {
            return;
        }
        match (&self.group_id, self.coordinator) {
            (Some(group_id), Some(c)) => {
                let group_id = group_id.clone();
                self.awaiting_positions.extend(need.iter().cloned());
                self.request(out, c, Pending::OffsetFetch { partitions: need.clone() }, |correlation_id| {
                    Message::OffsetFetchRequest {
                        correlation_id,
                        group_id,
                        partitions: need,
                    }
                });
            }
            (Some(_), None) => {}
            (None, _) => self.reset_positions(out, need),
        }
    }

    pub(super) fn reset_positions(&mut self, out: &mut Out, tps: Vec<TopicPartition>) {
        let earliest = self.config.auto_offset_reset == OffsetReset::Earliest;
        let mut by_leader: BTreeMap<BrokerId, Vec<(TopicPartition, bool)>> = BTreeMap::new();
        for tp in tps {
            if let Some(l) = self.leader_of(&tp) {
                self.awaiting_positions.insert(tp.clone());
                by_leader.entry(l).or_default().push((tp, earliest));
            }
        }
        for (leader, partitions) in by_leader {
            let tps = partitions.iter().map(|(tp, _)| tp.clone()).collect();
            self.request(out, leader, Pending::ListOffsets { partitions: tps }, |correlation_id| {
                Message::ListOffsetsRequest { correlation_id, partitions }
            });
        }
    }

    /// `OffsetFetchResponseHandler`: positions from the committed offsets; partitions without
    /// one go to `auto.offset.reset`.
    pub(super) fn on_offset_fetch(&mut self, out: &mut Out, kind: &Pending, result: Result<Vec<(TopicPartition, Option<u64>)>, ErrorCode>) {
        match result {
            Ok(offsets) => {
                let mut reset = Vec::new();
                for (tp, o) in offsets {
                    self.awaiting_positions.remove(&tp);
                    if !self.assignment.contains(&tp) {
                        continue;
                    }
                    match o {
                        Some(o) => {
                            self.positions.insert(tp.clone(), o);
                            self.committed.insert(tp.clone(), o);
                            out.emit(Event::PositionSet {
                                consumer: self.name.clone(),
                                tp,
                                offset: o,
                                from: PositionSource::Committed,
                            });
                        }
                        None => reset.push(tp),
                    }
                }
                self.reset_positions(out, reset);
            }
            Err(_) => {
                if let Pending::OffsetFetch { partitions } = kind {
                    for tp in partitions {
                        self.awaiting_positions.remove(tp);
                    }
                }
                self.coordinator_lost();
                self.backoff(out);
            }
        }
    }

    /// `ListOffsets` for `auto.offset.reset`: the partition's earliest or latest offset.
    pub(super) fn on_list_offsets(&mut self, out: &mut Out, results: Vec<(TopicPartition, Result<u64, ErrorCode>)>) {
        let from = if self.config.auto_offset_reset == OffsetReset::Earliest {
            PositionSource::ResetEarliest
        } else {
            PositionSource::ResetLatest
        };
        for (tp, r) in results {
            self.awaiting_positions.remove(&tp);
            match r {
                Ok(o) if self.assignment.contains(&tp) => {
                    self.positions.insert(tp.clone(), o);
                    out.emit(Event::PositionSet {
                        consumer: self.name.clone(),
                        tp,
                        offset: o,
                        from,
                    });
                }
                Ok(_) => {}
                Err(_) => {
                    self.forget_leaders(&tp.topic);
                    self.backoff(out);
                }
            }
        }
    }
}
