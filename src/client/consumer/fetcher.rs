//! The `Fetcher`: fetches from each partition's leader into the consumer's buffer, and the
//! deserializers that turn buffered records into what `poll` returns (an Avro one may first
//! need the writer's schema from the registry).

use super::network_client::{has_pending, Pending};
use super::Consumer;
use crate::client::schema_registry_client::{registry_node, Asked, Step};
use crate::protocol::*;
use crate::runtime::Out;
use crate::serialization::Serde;
use std::collections::BTreeMap;

impl Consumer {
    /// One fetch per leader at a time, for partitions whose buffer has room.
    pub(super) fn send_fetches(&mut self, out: &mut Out) {
        let mut by_leader: BTreeMap<BrokerId, Vec<FetchPartition>> = BTreeMap::new();
        for tp in &self.assignment {
            let Some(pos) = self.positions.get(tp) else { continue };
            let buffered = self.buffer.get(tp).map_or(0, |b| b.len());
            if buffered >= self.config.max_poll_records {
                continue;
            }
            if let Some(l) = self.leader_of(tp) {
                by_leader.entry(l).or_default().push(FetchPartition {
                    tp: tp.clone(),
                    fetch_offset: pos + buffered as u64,
                    current_leader_epoch: 0,
                });
            }
        }
        for (leader, partitions) in by_leader {
            if has_pending(&self.pending, |p| matches!(p, Pending::Fetch { leader: l } if *l == leader)) {
                continue;
            }
            let max_wait_ms = self.config.fetch_max_wait_ms;
            self.request(out, leader, Pending::Fetch { leader }, |correlation_id| Message::FetchRequest {
                correlation_id,
                replica_id: None,
                partitions,
                max_wait_ms,
            });
        }
    }

    /// `Fetcher`: fetched records join the partition's buffer if they follow on from it.
    pub(super) fn on_fetch(&mut self, out: &mut Out, partitions: Vec<FetchedPartition>) {
        for fp in partitions {
            if !self.assignment.contains(&fp.tp) {
                continue;
            }
            match fp.error {
                None => {
                    let Some(pos) = self.positions.get(&fp.tp).copied() else { continue };
                    let q = self.buffer.entry(fp.tp.clone()).or_default();
                    let next = pos + q.len() as u64;
                    // A response to a fetch from another position (before a reset, a seek or a
                    // reassignment) is dropped, as Kafka's fetcher drops it: no gaps.
                    let fresh: Vec<Record> = fp.records.into_iter().filter(|r| r.offset >= next).collect();
                    if fresh.first().is_some_and(|r| r.offset == next) {
                        q.extend(fresh);
                    }
                    self.ask_for_writer_schemas(out, &fp.tp);
                }
                Some(ErrorCode::OffsetOutOfRange) => {
                    self.positions.remove(&fp.tp);
                    self.buffer.remove(&fp.tp);
                    self.reset_positions(out, vec![fp.tp]);
                }
                Some(_) => {
                    self.forget_leaders(&fp.tp.topic);
                    self.backoff(out);
                }
            }
        }
    }

    pub(super) fn ask_registry(&mut self, out: &mut Out, question: Asked) {
        let (id, timer) = self.request_to(out, registry_node(), Pending::Registry, |id| question.request(id, false));
        self.registry.asking(id, question, timer);
    }

    /// Fetched records whose writer's schema is unknown: ask for it now. In Java the poll
    /// blocks inside the deserializer while it asks; here the answer is on its way before the
    /// application polls, so a poll returns what a blocking one would.
    fn ask_for_writer_schemas(&mut self, out: &mut Out, tp: &TopicPartition) {
        if ![self.config.key_deserializer, self.config.value_deserializer].contains(&Serde::Avro) {
            return;
        }
        let questions: Vec<Asked> = self.buffer[tp]
            .iter()
            .filter_map(|r| match self.deserialize_record(r) {
                Step::Ask(q) => Some(q),
                _ => None,
            })
            .collect();
        for q in questions {
            if !self.registry.is_asking(&q) {
                self.ask_registry(out, q);
            }
        }
    }

    /// The configured deserializers on one record; an Avro one may first need the writer's
    /// schema from the registry (the poll stops there and asks; a later poll goes on).
    pub(super) fn deserialize_record(&self, r: &Record) -> Step<(Option<String>, Option<String>)> {
        let serdes = [self.config.key_deserializer, self.config.value_deserializer];
        let mut out = [None, None];
        for (i, bytes) in [&r.key, &r.value].into_iter().enumerate() {
            let Some(bytes) = bytes else { continue };
            let step = match serdes[i] {
                Serde::Avro => self.registry.deserialize(bytes, self.reader_schemas[i].as_ref()),
                serde => Step::Done(serde.deserialize(bytes)),
            };
            out[i] = match step {
                Step::Done(Ok(text)) => Some(text),
                Step::Done(Err(e)) => return Step::Done(Err(e)),
                Step::Wait => return Step::Wait,
                Step::Ask(q) => return Step::Ask(q),
            };
        }
        let [key, value] = out;
        Step::Done(Ok((key, value)))
    }
}
