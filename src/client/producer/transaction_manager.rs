//! The idempotent producer's state (`TransactionManager`, `TxnPartitionMap`): its producer id
//! and epoch, and each partition's sequence numbers, which let the broker drop a retried batch
//! it already has; when a sequence can no longer be trusted, the epoch is bumped.

use super::accumulator::Batch;
use super::Producer;
use crate::protocol::*;
use crate::runtime::Out;
use crate::trace::Event;
use std::collections::BTreeSet;

/// The idempotent producer's bookkeeping for one partition (`TxnPartitionEntry`).
#[derive(Clone, Debug, Default)]
pub(super) struct PartitionSequence {
    /// The epoch these sequences belong to.
    pub(super) producer_epoch: u16,
    pub(super) next_sequence: u32,
    pub(super) last_acked_sequence: Option<u32>,
    /// Base sequences of batches sent and not yet acknowledged or failed, retries waiting included.
    pub(super) in_flight: BTreeSet<u32>,
}

impl Producer {
    pub(super) fn idempotent(&self) -> bool {
        self.config.idempotence()
    }

    /// InitProducerId to a bootstrap broker (`leastLoadedNode`), unless one is in flight or known.
    pub(super) fn init_producer_id(&mut self, out: &mut Out) {
        if !self.idempotent() || self.producer_id_and_epoch.is_some() || self.init_in_flight.is_some() || self.bootstrap.is_empty() || !self.running {
            return;
        }
        let broker = self.bootstrap[self.bootstrap_next % self.bootstrap.len()];
        let (correlation_id, timer) = self.new_request(out);
        self.init_in_flight = Some((correlation_id, timer));
        out.send(self.node(), self.cluster.broker(broker), Message::InitProducerIdRequest { correlation_id });
    }

    pub(super) fn handle_init_producer_id(&mut self, out: &mut Out, from: NodeId, result: Result<(u64, u16), ErrorCode>) {
        let Some((_, timer)) = self.init_in_flight.take() else { return };
        out.cancel(timer);
        match (result, from) {
            (Ok((producer_id, producer_epoch)), NodeId::Broker(BrokerNode { id: broker, .. })) => {
                self.producer_id_and_epoch = Some((producer_id, producer_epoch));
                out.emit(Event::ProducerIdReceived {
                    producer: self.name.clone(),
                    broker,
                    producer_id,
                    producer_epoch,
                });
                self.run_sender(out);
            }
            // COORDINATOR_LOAD_IN_PROGRESS while the broker waits for its block: asked again.
            _ => self.wake_in(out, self.config.retry_backoff_ms),
        }
    }

    /// `TransactionManager.maybeResolveSequences`: once nothing of an unresolved partition is in
    /// flight, it is resolved if every later batch was acknowledged, else its epoch is bumped.
    fn maybe_resolve_sequences(&mut self) {
        let settled: Vec<TopicPartition> = self
            .unresolved
            .keys()
            .filter(|tp| self.sequences.get(*tp).is_none_or(|s| s.in_flight.is_empty()))
            .cloned()
            .collect();
        for tp in settled {
            self.unresolved.remove(&tp);
            let contiguous = self
                .sequences
                .get(&tp)
                .is_some_and(|s| s.next_sequence == s.last_acked_sequence.map_or(0, |l| l + 1));
            if !contiguous {
                self.epoch_bump.insert(tp);
            }
        }
    }

    /// `TransactionManager.bumpIdempotentProducerEpoch`: the epoch goes up by one, and the
    /// partitions that asked for it number their unfinished batches from 0 again.
    pub(super) fn maybe_bump_epoch(&mut self, out: &mut Out) {
        self.maybe_resolve_sequences();
        let Some((producer_id, epoch)) = self.producer_id_and_epoch else { return };
        if self.epoch_bump.is_empty() {
            return;
        }
        let producer_epoch = epoch + 1;
        self.producer_id_and_epoch = Some((producer_id, producer_epoch));
        for tp in std::mem::take(&mut self.epoch_bump) {
            self.start_sequences_at_beginning(&tp, producer_id, producer_epoch);
            out.emit(Event::ProducerEpochBumped {
                producer: self.name.clone(),
                producer_id,
                producer_epoch,
                tp,
            });
        }
    }

    /// `TxnPartitionMap.startSequencesAtBeginning`: the partition's batches that were sent and
    /// are not finished get sequences from 0 under the new epoch, in their order.
    fn start_sequences_at_beginning(&mut self, tp: &TopicPartition, producer_id: u64, producer_epoch: u16) {
        let mut unfinished: Vec<&mut Batch> = self
            .accumulator
            .get_mut(tp)
            .into_iter()
            .flatten()
            .chain(self.in_flight.values_mut().flat_map(|f| f.batches.iter_mut()).filter(|b| b.tp == *tp))
            .filter(|b| b.producer.is_some())
            .collect();
        unfinished.sort_by_key(|b| b.producer.map(|p| p.base_sequence));
        let mut next = 0u32;
        let mut in_flight = BTreeSet::new();
        for b in unfinished {
            let count = b.records.len() as u32;
            b.producer = Some(BatchProducer {
                producer_id,
                producer_epoch,
                base_sequence: next,
                last_sequence: next + count - 1,
            });
            b.sequence_reset = true;
            in_flight.insert(next);
            next += count;
        }
        self.sequences.insert(
            tp.clone(),
            PartitionSequence {
                producer_epoch,
                next_sequence: next,
                last_acked_sequence: None,
                in_flight,
            },
        );
    }

    /// `TransactionManager.handleCompletedBatch`: the partition's last acknowledged sequence moves on.
    pub(super) fn sequence_acknowledged(&mut self, b: &Batch) {
        let (Some(h), Some(seq)) = (b.producer, self.sequences.get_mut(&b.tp)) else {
            return;
        };
        seq.in_flight.remove(&h.base_sequence);
        if seq.producer_epoch == h.producer_epoch {
            seq.last_acked_sequence = Some(seq.last_acked_sequence.map_or(h.last_sequence, |l| l.max(h.last_sequence)));
        }
    }

    /// `TransactionManager.canRetry` for an idempotent batch: OUT_OF_ORDER_SEQUENCE_NUMBER is
    /// retried; when the batch is the next one after the last acknowledged, the gap is real and
    /// the epoch is bumped first. Other errors: `RetriableException`s only.
    pub(super) fn can_retry(&mut self, b: &Batch, error: ErrorCode) -> bool {
        match (error, b.producer) {
            (ErrorCode::OutOfOrderSequenceNumber, Some(h)) => {
                let next = self.sequences.get(&b.tp).and_then(|s| s.last_acked_sequence).map_or(0, |l| l + 1);
                let unresolved = self.unresolved.get(&b.tp).copied();
                if unresolved.is_none() && (b.sequence_reset || h.base_sequence != next) {
                    return true;
                }
                if unresolved.is_none_or(|n| n == h.base_sequence) {
                    self.epoch_bump.insert(b.tp.clone());
                }
                true
            }
            _ => error.is_retriable(),
        }
    }
}
