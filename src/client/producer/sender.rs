//! The `Sender` thread: ready batches go to their leaders as Produce requests, and the answers,
//! timeouts and disconnects decide whether each batch is acknowledged, retried, or failed;
//! `delivery.timeout.ms` bounds them all.

use super::accumulator::Batch;
use super::transaction_manager::PartitionSequence;
use super::Producer;
use crate::protocol::*;
use crate::runtime::{Out, Timer, TimerKey};
use crate::trace::Event;
use std::collections::BTreeMap;

/// A Produce request waiting for its answer.
#[derive(Clone, Debug)]
pub(super) struct InFlight {
    pub(super) broker: BrokerId,
    pub(super) batches: Vec<Batch>,
    pub(super) timer: Option<TimerKey>,
}

impl Producer {
    /// `wake_at` a delay from now.
    pub(super) fn wake_in(&mut self, out: &mut Out, delay_ms: u64) {
        let at_ms = out.now_ms() + delay_ms;
        self.wake_at(out, at_ms);
    }

    pub(super) fn wake_at(&mut self, out: &mut Out, at_ms: u64) {
        if let Some(t) = self.send_timer {
            if t.at_ms <= at_ms {
                return;
            }
            out.cancel(t);
        }
        self.send_timer = Some(out.set_timer(at_ms.saturating_sub(out.now_ms()), self.node(), Timer::ProducerSend));
    }

    /// `Sender.sendProducerData`: ready batches (full, lingered, or retry backoff over) whose
    /// leader is known go out, one request per leader and at most one batch per partition in
    /// it, while fewer than `max.in.flight.requests.per.connection` requests wait on that
    /// connection. With one request in flight allowed, a partition waits for its batch
    /// (`guaranteeMessageOrder`). An idempotent producer first needs its producer id, stamps
    /// each batch with the partition's next sequence as it first leaves, and sends a retried
    /// batch only when it is the partition's first unfinished one (`RecordAccumulator.drain`).
    pub(super) fn run_sender(&mut self, out: &mut Out) {
        let now = out.now_ms();
        self.maybe_bump_epoch(out);
        let idempotent = self.idempotent();
        let ids = self.producer_id_and_epoch;
        let max_in_flight = self.config.max_in_flight_requests_per_connection as usize;
        let mut requests_to: BTreeMap<BrokerId, usize> = BTreeMap::new();
        for f in self.in_flight.values() {
            *requests_to.entry(f.broker).or_default() += 1;
        }
        let mut next_wake: Option<u64> = None;
        let mut per_leader: BTreeMap<BrokerId, Vec<Batch>> = BTreeMap::new();
        let mut expired = Vec::new();
        let mut need_metadata = false;
        for (tp, queue) in self.accumulator.iter_mut() {
            // `delivery.timeout.ms`: batches waiting too long fail.
            while queue.front().is_some_and(|b| now >= b.created_ms + self.config.delivery_timeout_ms()) {
                expired.push(queue.pop_front().expect("the loop saw a front batch"));
            }
            let Some(front) = queue.front() else { continue };
            next_wake = Some(next_wake.map_or(front.created_ms + self.config.delivery_timeout_ms(), |w: u64| {
                w.min(front.created_ms + self.config.delivery_timeout_ms())
            }));
            if max_in_flight == 1 && self.in_flight_partitions.contains(tp) {
                continue;
            }
            let ready_at = if front.retry_at_ms > 0 {
                front.retry_at_ms
            } else if queue.len() > 1 || front.bytes >= self.config.batch_size || self.closing {
                now
            } else {
                front.created_ms + self.config.linger_ms
            };
            if ready_at > now {
                next_wake = Some(next_wake.map_or(ready_at, |w| w.min(ready_at)));
                continue;
            }
            let leader = self
                .metadata
                .get(&tp.topic)
                .and_then(|m| m.leaders.get(tp.partition as usize).copied().flatten());
            let Some(leader) = leader else {
                need_metadata = true;
                self.stale_topics.insert(tp.topic.clone());
                continue;
            };
            let going = per_leader.contains_key(&leader);
            if !going && requests_to.get(&leader).copied().unwrap_or(0) >= max_in_flight {
                continue;
            }
            if idempotent {
                let Some((producer_id, producer_epoch)) = ids else { continue };
                let seq = self.sequences.entry(tp.clone()).or_default();
                match front.producer {
                    // A retry goes only as the partition's first unfinished batch.
                    Some(p) if seq.in_flight.first() != Some(&p.base_sequence) => continue,
                    Some(_) => {}
                    // No new batch while an earlier one's fate is unknown.
                    None if self.unresolved.contains_key(tp) => continue,
                    None => {
                        if seq.producer_epoch != producer_epoch {
                            // Sequences of an older epoch: wait for its batches, then start at 0.
                            if !seq.in_flight.is_empty() {
                                continue;
                            }
                            *seq = PartitionSequence {
                                producer_epoch,
                                ..PartitionSequence::default()
                            };
                        }
                        let count = front.records.len() as u32;
                        let base_sequence = seq.next_sequence;
                        seq.next_sequence += count;
                        seq.in_flight.insert(base_sequence);
                        queue.front_mut().expect("the batch to send is the front one").producer = Some(BatchProducer {
                            producer_id,
                            producer_epoch,
                            base_sequence,
                            last_sequence: base_sequence + count - 1,
                        });
                    }
                }
            }
            per_leader
                .entry(leader)
                .or_default()
                .push(queue.pop_front().expect("the batch to send is the front one"));
        }
        self.accumulator.retain(|_, q| !q.is_empty());
        for b in expired {
            self.expire(out, b);
        }
        for (leader, batches) in per_leader {
            self.next_correlation += 1;
            let correlation_id = self.next_correlation;
            let acks = self.config.acks;
            let request = batches
                .iter()
                .map(|b| ProduceBatch {
                    tp: b.tp.clone(),
                    producer: b.producer,
                    records: b.records.clone(),
                })
                .collect();
            out.send(
                self.node(),
                self.cluster.broker(leader),
                Message::ProduceRequest {
                    correlation_id,
                    acks,
                    timeout_ms: self.config.request_timeout_ms,
                    batches: request,
                },
            );
            if acks == Acks::None {
                // acks=0: done as soon as it is on the wire; no offset is ever known.
                for b in batches {
                    self.acknowledged(
                        out,
                        Event::ProduceAcknowledged {
                            producer: self.name.clone(),
                            tp: b.tp,
                            base_offset: None,
                            seqs: b.seqs,
                        },
                    );
                }
                continue;
            }
            let timer = out.set_timer(self.config.request_timeout_ms, self.node(), Timer::ProducerRequestTimeout { correlation_id });
            for b in &batches {
                self.in_flight_partitions.insert(b.tp.clone());
            }
            self.in_flight.insert(
                correlation_id,
                InFlight {
                    broker: leader,
                    batches,
                    timer: Some(timer),
                },
            );
        }
        if need_metadata {
            self.request_metadata(out);
            next_wake = Some(next_wake.map_or(now + self.config.retry_backoff_ms, |w| w.min(now + self.config.retry_backoff_ms)));
        }
        if let Some(at) = next_wake {
            self.wake_at(out, at.max(now));
        }
    }

    pub(super) fn handle_produce_response(&mut self, out: &mut Out, correlation_id: u64, results: Vec<ProduceResult>) {
        let Some(f) = self.in_flight.remove(&correlation_id) else { return };
        if let Some(t) = f.timer {
            out.cancel(t);
        }
        for b in f.batches {
            self.in_flight_partitions.remove(&b.tp);
            let Some(r) = results.iter().find(|r| r.tp == b.tp) else { continue };
            match r.error {
                None => {
                    self.sequence_acknowledged(&b);
                    self.acknowledged(
                        out,
                        Event::ProduceAcknowledged {
                            producer: self.name.clone(),
                            tp: b.tp.clone(),
                            base_offset: Some(r.base_offset),
                            seqs: b.seqs,
                        },
                    )
                }
                Some(e) => {
                    if matches!(
                        e,
                        ErrorCode::NotLeaderOrFollower | ErrorCode::UnknownTopicOrPartition | ErrorCode::LeaderNotAvailable
                    ) {
                        self.stale_topics.insert(b.tp.topic.clone());
                    }
                    self.retry_or_fail(out, b, e);
                }
            }
        }
        if !self.stale_topics.is_empty() {
            self.request_metadata(out);
        }
        self.run_sender(out);
    }

    /// No answer in time (REQUEST_TIMED_OUT), or the connection dropped (NETWORK_EXCEPTION,
    /// as `Sender` names a disconnect): try another broker for metadata; retry produce batches
    /// after refreshing metadata (`NetworkClient` disconnect handling).
    pub(super) fn request_failed(&mut self, out: &mut Out, correlation_id: u64, error: ErrorCode) {
        if let Some((_, t)) = self.registry.forget(correlation_id) {
            out.cancel(t);
            let why = if error == ErrorCode::NetworkException {
                "ConnectException: Connection refused (the schema registry is down)"
            } else {
                "the schema registry did not answer within request.timeout.ms"
            };
            self.registry_answered(out, Some(why.into()));
        } else if let Some((_, t)) = self.init_in_flight.filter(|(id, _)| *id == correlation_id) {
            out.cancel(t);
            self.init_in_flight = None;
            self.bootstrap_next += 1;
            self.wake_in(out, self.config.retry_backoff_ms);
        } else if let Some((_, t)) = self.metadata_in_flight.filter(|(id, _)| *id == correlation_id) {
            out.cancel(t);
            self.metadata_in_flight = None;
            self.bootstrap_next += 1;
            // Asked again after `retry.backoff.ms`, by the sender's wake-up.
            self.wake_in(out, self.config.retry_backoff_ms);
        } else if let Some(f) = self.in_flight.remove(&correlation_id) {
            if let Some(t) = f.timer {
                out.cancel(t);
            }
            for b in f.batches {
                self.in_flight_partitions.remove(&b.tp);
                self.stale_topics.insert(b.tp.topic.clone());
                self.retry_or_fail(out, b, error);
            }
            self.run_sender(out);
            self.wake_in(out, self.config.retry_backoff_ms);
        }
    }

    /// `Sender.canRetry`: a retriable error puts the batch back after `retry.backoff.ms`, while
    /// `retries` and `delivery.timeout.ms` allow; anything else fails it.
    fn retry_or_fail(&mut self, out: &mut Out, mut b: Batch, error: ErrorCode) {
        let now = out.now_ms();
        let in_time = now + self.config.retry_backoff_ms < b.created_ms + self.config.delivery_timeout_ms();
        // Past its delivery timeout the batch expires whatever the error (`Sender` expires batches
        // in flight at their deadline, before any late answer).
        if !in_time {
            out.emit(Event::ProduceRefused {
                producer: self.name.clone(),
                tp: b.tp.clone(),
                error,
                retrying: false,
                seqs: b.seqs.clone(),
            });
            return self.expire(out, b);
        }
        let retrying = in_time && b.attempts < self.config.retries && self.can_retry(&b, error);
        out.emit(Event::ProduceRefused {
            producer: self.name.clone(),
            tp: b.tp.clone(),
            error,
            retrying,
            seqs: b.seqs.clone(),
        });
        if retrying {
            b.attempts += 1;
            b.retry_at_ms = now + self.config.retry_backoff_ms;
            self.reenqueue(b);
            self.wake_at(out, now + self.config.retry_backoff_ms);
        } else {
            self.fail(out, b, error);
        }
    }

    /// `delivery.timeout.ms` passed (`Sender.sendProducerData` expiring batches): the callback
    /// gets a TimeoutException; whether a batch that was sent reached the log is not known, so
    /// its partition is unresolved (`markSequenceUnresolved`).
    fn expire(&mut self, out: &mut Out, b: Batch) {
        if let Some(h) = b.producer {
            if let Some(seq) = self.sequences.get_mut(&b.tp) {
                seq.in_flight.remove(&h.base_sequence);
            }
            let next = self.unresolved.entry(b.tp.clone()).or_insert(h.last_sequence + 1);
            *next = (*next).max(h.last_sequence + 1);
        }
        self.report_failure(out, b, ErrorCode::DeliveryTimeout);
    }

    /// An error the batch cannot be retried for. One that was sent and still had retries left
    /// leaves its partition's sequence behind the producer's: the epoch is bumped
    /// (`Sender.failBatch` with `adjustSequenceNumbers`, `TransactionManager.handleFailedBatch`).
    fn fail(&mut self, out: &mut Out, b: Batch, error: ErrorCode) {
        if let Some(h) = b.producer {
            if let Some(seq) = self.sequences.get_mut(&b.tp) {
                seq.in_flight.remove(&h.base_sequence);
            }
            if b.attempts < self.config.retries {
                self.epoch_bump.insert(b.tp.clone());
            }
        }
        self.report_failure(out, b, error);
    }

    fn report_failure(&mut self, out: &mut Out, b: Batch, error: ErrorCode) {
        let message = if error == ErrorCode::DeliveryTimeout {
            format!(
                "TimeoutException: Expiring {} record(s) for {}: {} ms has passed since batch creation",
                b.records.len(),
                b.tp,
                out.now_ms() - b.created_ms
            )
        } else {
            error.name().to_string()
        };
        self.failed(
            out,
            Event::ProduceFailed {
                producer: self.name.clone(),
                topic: b.tp.topic.clone(),
                seqs: b.seqs,
                error: message,
            },
        );
    }
}
