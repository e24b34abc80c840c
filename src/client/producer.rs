//! The producer (`KafkaProducer`, its `RecordAccumulator` and `Sender`): records are
//! partitioned, gathered into per-partition batches, sent to each partition's
//! leader, and acknowledged or retried as the answers say.

use crate::client::schema_registry_client::{configured_schemas, registry_node, Asked, AvroSchema, CachedSchemaRegistryClient, Step};
use crate::config::ProducerConfig;
use crate::partitioner::{self, PartitionerKind, StickyState};
use crate::protocol::*;
use crate::serialization::Serde;
use crate::sim::{Scheduler, Timer, TimerKey};
use crate::trace::Event;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

#[derive(Clone, Debug)]
struct Pending {
    seq: u64,
    topic: Name,
    partition: Option<u32>,
    record: ProducerRecord,
    /// When `send` was called: it waits for the topic's metadata up to `max.block.ms` from then.
    since_ms: u64,
}

#[derive(Clone, Debug)]
struct Batch {
    tp: TopicPartition,
    records: Vec<ProducerRecord>,
    seqs: Vec<u64>,
    bytes: usize,
    created_ms: u64,
    retry_at_ms: u64,
    /// The idempotent producer's stamp, given when the batch is first drained and kept on retries.
    producer: Option<BatchProducer>,
    /// How often it was sent again (`ProducerBatch.attempts`), against `retries`.
    attempts: u32,
    /// Its sequence was rewritten after an epoch bump (`ProducerBatch.sequenceHasBeenReset`).
    sequence_reset: bool,
}

#[derive(Clone, Debug)]
struct InFlight {
    broker: BrokerId,
    batches: Vec<Batch>,
    timer: Option<TimerKey>,
}

/// The idempotent producer's bookkeeping for one partition (`TxnPartitionEntry`).
#[derive(Clone, Debug, Default)]
struct PartitionSequence {
    /// The epoch these sequences belong to.
    producer_epoch: u16,
    next_sequence: u32,
    last_acked_sequence: Option<u32>,
    /// Base sequences of batches sent and not yet acknowledged or failed, retries waiting included.
    in_flight: BTreeSet<u32>,
}

/// A key or value as the application hands it to `send`: an object (written as text) for the
/// serializer, or bytes as they are.
#[derive(Clone, Debug)]
pub enum Payload {
    Object(String),
    Raw(Bytes),
}

/// A send the application made, not yet serialized.
#[derive(Clone, Debug)]
pub struct Unsent {
    pub topic: Name,
    pub partition: Option<u32>,
    pub key: Option<Payload>,
    pub value: Option<Payload>,
    pub headers: Vec<(Name, Bytes)>,
    pub timestamp_ms: u64,
}

/// What the producer knows of a topic from Metadata responses: each partition's leader.
#[derive(Clone, Debug, Serialize)]
pub struct TopicMetadata {
    pub leaders: Vec<Option<BrokerId>>,
}

/// What a send's callback is told (`Callback.onCompletion`): the record's offset
/// (`RecordMetadata.offset`, unknown with acks=0), or the exception's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completed {
    pub seq: u64,
    pub result: Result<Option<u64>, String>,
}

/// A failed send as the application's callback got it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SendFailure {
    pub topic: String,
    pub error: String,
    pub time_ms: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Producer {
    pub name: Name,
    pub cluster: ClusterRef,
    pub config: ProducerConfig,
    pub bootstrap: Vec<BrokerId>,
    pub metadata: BTreeMap<Name, TopicMetadata>,
    #[serde(skip)]
    waiting_for_metadata: Vec<Pending>,
    #[serde(skip)]
    stale_topics: BTreeSet<Name>,
    #[serde(skip)]
    metadata_in_flight: Option<(u64, TimerKey)>,
    #[serde(skip)]
    bootstrap_next: usize,
    #[serde(skip)]
    accumulator: BTreeMap<TopicPartition, VecDeque<Batch>>,
    #[serde(skip)]
    in_flight: BTreeMap<u64, InFlight>,
    #[serde(skip)]
    in_flight_partitions: BTreeSet<TopicPartition>,
    #[serde(skip)]
    sticky: BTreeMap<Name, StickyState>,
    #[serde(skip)]
    send_timer: Option<TimerKey>,
    pub next_seq: u64,
    /// The last send that failed, until a later one is acknowledged (the application's callback saw it).
    pub last_failure: Option<SendFailure>,
    /// Sends made with a callback, not yet completed.
    #[serde(skip)]
    callbacks: BTreeSet<u64>,
    /// Their outcomes, until the caller takes them.
    #[serde(skip)]
    completed: Vec<Completed>,
    #[serde(skip)]
    next_correlation: u64,
    /// Sends whose serializer waits for the registry; the application's thread waits in `send`.
    #[serde(skip)]
    blocked: VecDeque<Unsent>,
    #[serde(skip)]
    registry: CachedSchemaRegistryClient,
    /// The key's and the value's Avro schema, parsed from the configuration.
    #[serde(skip)]
    schemas: [Option<AvroSchema>; 2],
    /// False once closed or crashed: the process is gone.
    pub running: bool,
    /// `close()` was called: finishing what is buffered and in flight.
    pub closing: bool,
    #[serde(skip)]
    close_timer: Option<TimerKey>,
    /// The producer id and epoch InitProducerId gave (`TransactionManager`); `None` before, or
    /// when not idempotent.
    pub producer_id_and_epoch: Option<(u64, u16)>,
    #[serde(skip)]
    init_in_flight: Option<(u64, TimerKey)>,
    #[serde(skip)]
    sequences: BTreeMap<TopicPartition, PartitionSequence>,
    /// Partitions whose sequences start again under a new epoch (`partitionsToRewriteSequences`).
    #[serde(skip)]
    epoch_bump: BTreeSet<TopicPartition>,
    /// Partitions where a batch that was sent expired, with the sequence after it: whether the
    /// broker has it is unknown until the batches after it finish (`partitionsWithUnresolvedSequences`).
    #[serde(skip)]
    unresolved: BTreeMap<TopicPartition, u32>,
}

impl Producer {
    pub fn new(name: Name, cluster: ClusterRef, config: ProducerConfig, bootstrap: Vec<BrokerId>) -> Self {
        Producer {
            name,
            cluster,
            bootstrap,
            metadata: BTreeMap::new(),
            waiting_for_metadata: Vec::new(),
            stale_topics: BTreeSet::new(),
            metadata_in_flight: None,
            bootstrap_next: 0,
            accumulator: BTreeMap::new(),
            in_flight: BTreeMap::new(),
            in_flight_partitions: BTreeSet::new(),
            sticky: BTreeMap::new(),
            send_timer: None,
            next_seq: 0,
            last_failure: None,
            callbacks: BTreeSet::new(),
            completed: Vec::new(),
            next_correlation: 0,
            blocked: VecDeque::new(),
            registry: CachedSchemaRegistryClient::default(),
            schemas: configured_schemas(&config.key_schema, &config.value_schema),
            config,
            running: true,
            closing: false,
            close_timer: None,
            producer_id_and_epoch: None,
            init_in_flight: None,
            sequences: BTreeMap::new(),
            epoch_bump: BTreeSet::new(),
            unresolved: BTreeMap::new(),
        }
    }

    /// The sender thread starts with the producer: an idempotent one first asks for its
    /// producer id (`TransactionManager.bumpIdempotentEpochAndResetIdIfNeeded`).
    pub fn start(&mut self, sched: &mut Scheduler) {
        self.init_producer_id(sched);
    }

    fn idempotent(&self) -> bool {
        self.config.idempotence()
    }

    /// InitProducerId to a bootstrap broker (`leastLoadedNode`), unless one is in flight or known.
    fn init_producer_id(&mut self, sched: &mut Scheduler) {
        if !self.idempotent() || self.producer_id_and_epoch.is_some() || self.init_in_flight.is_some() || self.bootstrap.is_empty() || !self.running {
            return;
        }
        let broker = self.bootstrap[self.bootstrap_next % self.bootstrap.len()];
        let (correlation_id, timer) = self.new_request(sched);
        self.init_in_flight = Some((correlation_id, timer));
        sched.send(self.node(), self.cluster.broker(broker), Message::InitProducerIdRequest { correlation_id });
    }

    fn handle_init_producer_id(&mut self, sched: &mut Scheduler, from: NodeId, result: Result<(u64, u16), ErrorCode>) {
        let Some((_, timer)) = self.init_in_flight.take() else { return };
        sched.cancel(timer);
        match (result, from) {
            (Ok((producer_id, producer_epoch)), NodeId::Broker(BrokerNode { id: broker, .. })) => {
                self.producer_id_and_epoch = Some((producer_id, producer_epoch));
                sched.emit(Event::ProducerIdReceived {
                    producer: self.name.clone(),
                    broker,
                    producer_id,
                    producer_epoch,
                });
                self.run_sender(sched);
            }
            // COORDINATOR_LOAD_IN_PROGRESS while the broker waits for its block: asked again.
            _ => self.wake_at(sched, sched.now_ms + self.config.retry_backoff_ms),
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
    fn maybe_bump_epoch(&mut self, sched: &mut Scheduler) {
        self.maybe_resolve_sequences();
        let Some((producer_id, epoch)) = self.producer_id_and_epoch else { return };
        if self.epoch_bump.is_empty() {
            return;
        }
        let producer_epoch = epoch + 1;
        self.producer_id_and_epoch = Some((producer_id, producer_epoch));
        for tp in std::mem::take(&mut self.epoch_bump) {
            self.start_sequences_at_beginning(&tp, producer_id, producer_epoch);
            sched.emit(Event::ProducerEpochBumped {
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

    /// `KafkaProducer.close(timeout)`: the accumulator closes (every batch is ready at once),
    /// the sender drains it and waits for the requests in flight (`Sender.initiateClose`); past
    /// `timeout_ms` the rest is aborted ("Producer is closed forcefully."). Without a timeout it
    /// waits as long as that takes (`delivery.timeout.ms` bounds every batch).
    pub fn close(&mut self, sched: &mut Scheduler, timeout_ms: Option<u64>) {
        self.closing = true;
        sched.emit(Event::ProducerClosing {
            producer: self.name.clone(),
            outstanding: self.outstanding(),
        });
        if let Some(ms) = timeout_ms {
            self.close_timer = Some(sched.set_timer(ms, self.node(), Timer::ProducerCloseTimeout));
        }
        self.run_sender(sched);
        self.maybe_closed(sched);
    }

    /// The process dies: buffered and in-flight records are gone, no callback runs.
    pub fn crash(&mut self, sched: &mut Scheduler) {
        let unfinished = self.outstanding();
        self.halt(sched);
        sched.emit(Event::ProducerStopped {
            producer: self.name.clone(),
            crashed: true,
            unfinished,
        });
    }

    fn halt(&mut self, sched: &mut Scheduler) {
        self.running = false;
        self.closing = false;
        self.close_timer = None;
        self.send_timer = None;
        self.metadata_in_flight = None;
        self.blocked.clear();
        self.callbacks.clear();
        self.waiting_for_metadata.clear();
        self.accumulator.clear();
        self.in_flight.clear();
        self.in_flight_partitions.clear();
        self.init_in_flight = None;
        sched.cancel_timers_of(&self.node());
    }

    /// A closing producer stops once nothing is buffered or in flight.
    fn maybe_closed(&mut self, sched: &mut Scheduler) {
        if self.closing && self.outstanding() == 0 {
            self.halt(sched);
            sched.emit(Event::ProducerStopped {
                producer: self.name.clone(),
                crashed: false,
                unfinished: 0,
            });
        }
    }

    /// `close(timeout)` ran out: `RecordAccumulator.abortIncompleteBatches` fails what is left.
    fn close_forcefully(&mut self, sched: &mut Scheduler) {
        let unfinished = self.outstanding();
        let error = "KafkaException: Producer is closed forcefully.".to_string();
        let mut failed: BTreeMap<Name, Vec<u64>> = BTreeMap::new();
        for b in self.accumulator.values().flatten().chain(self.in_flight.values().flat_map(|f| &f.batches)) {
            failed.entry(b.tp.topic.clone()).or_default().extend(b.seqs.iter().copied());
        }
        for p in &self.waiting_for_metadata {
            failed.entry(p.topic.clone()).or_default().push(p.seq);
        }
        for (topic, seqs) in failed {
            self.failed(
                sched,
                Event::ProduceFailed {
                    producer: self.name.clone(),
                    topic,
                    seqs,
                    error: error.clone(),
                },
            );
        }
        self.halt(sched);
        sched.emit(Event::ProducerStopped {
            producer: self.name.clone(),
            crashed: false,
            unfinished,
        });
    }

    /// The application redeployed with other serializers or schemas (`set_serializers`).
    pub fn reconfigure(&mut self, config: ProducerConfig) {
        self.schemas = configured_schemas(&config.key_schema, &config.value_schema);
        self.config = config;
    }

    fn node(&self) -> NodeId {
        NodeId::Client(self.name.clone())
    }

    /// Records not yet acknowledged or failed.
    pub fn outstanding(&self) -> usize {
        self.blocked.len()
            + self.waiting_for_metadata.len()
            + self.accumulator.values().flatten().map(|b| b.records.len()).sum::<usize>()
            + self.in_flight.values().flat_map(|f| &f.batches).map(|b| b.records.len()).sum::<usize>()
    }

    /// `send(record, callback)`: as `send`, and the record's outcome waits in `take_completed`,
    /// as a callback or the returned `Future` would tell it.
    pub fn send_with_callback(&mut self, sched: &mut Scheduler, topic: Name, partition: Option<u32>, record: ProducerRecord) -> u64 {
        self.callbacks.insert(self.next_seq);
        self.send(sched, topic, partition, record)
    }

    /// The outcomes of the sends made with a callback that completed since the last call.
    pub fn take_completed(&mut self) -> Vec<Completed> {
        std::mem::take(&mut self.completed)
    }

    /// `KafkaProducer.send`: returns the record's sequence number in this producer.
    pub fn send(&mut self, sched: &mut Scheduler, topic: Name, partition: Option<u32>, record: ProducerRecord) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        let pending = Pending {
            seq,
            topic: topic.clone(),
            partition,
            record,
            since_ms: sched.now_ms,
        };
        if self.metadata.contains_key(&topic) {
            // The sender wakes when a batch is ready: at once with `linger.ms` 0 or a full
            // batch, else when the new batch has lingered long enough.
            if self.accumulate(sched, pending) || self.config.linger_ms == 0 {
                self.run_sender(sched);
            } else {
                self.wake_at(sched, sched.now_ms + self.config.linger_ms);
            }
        } else {
            self.waiting_for_metadata.push(pending);
            self.stale_topics.insert(topic);
            self.request_metadata(sched);
            self.wake_at(sched, sched.now_ms + self.config.max_block_ms);
        }
        seq
    }

    /// `KafkaProducer.send` as the application calls it: the serializers run first, so a value
    /// they refuse fails the send before anything leaves the client. An Avro serializer may
    /// first ask the registry for the schema's id; until it answers, this send and every later
    /// one wait, as the application's thread waits inside `send`.
    pub fn produce(&mut self, sched: &mut Scheduler, unsent: Unsent) {
        self.blocked.push_back(unsent);
        if self.blocked.len() == 1 {
            self.unblock(sched);
        }
    }

    fn unblock(&mut self, sched: &mut Scheduler) {
        while let Some(u) = self.blocked.front() {
            match self.serialize_record(u) {
                Step::Wait => return,
                Step::Ask(question) => return self.ask(sched, question),
                Step::Done(result) => {
                    let u = self.blocked.pop_front().expect("front exists");
                    match result {
                        Ok((key, value)) => {
                            let record = ProducerRecord {
                                key,
                                value,
                                headers: u.headers,
                                timestamp_ms: u.timestamp_ms,
                            };
                            self.send(sched, u.topic, u.partition, record);
                        }
                        Err(error) => self.refuse(sched, u.topic, error),
                    }
                }
            }
        }
    }

    fn serialize_record(&self, u: &Unsent) -> Step<(Option<Bytes>, Option<Bytes>)> {
        let mut out = [None, None];
        for (i, field) in [&u.key, &u.value].into_iter().enumerate() {
            out[i] = match field {
                None => None,
                Some(Payload::Raw(bytes)) => Some(bytes.clone()),
                Some(Payload::Object(text)) => {
                    let serde = if i == 0 { self.config.key_serializer } else { self.config.value_serializer };
                    let step = match (serde, &self.schemas[i]) {
                        (Serde::Avro, Some(schema)) => self.registry.serialize(&u.topic, i == 0, schema, text),
                        _ => Step::Done(serde.serialize(text)),
                    };
                    match step {
                        Step::Done(Ok(bytes)) => Some(bytes),
                        Step::Done(Err(e)) => return Step::Done(Err(e)),
                        Step::Wait => return Step::Wait,
                        Step::Ask(question) => return Step::Ask(question),
                    }
                }
            };
        }
        let [key, value] = out;
        Step::Done(Ok((key, value)))
    }

    /// A new correlation id, with its `request.timeout.ms` timer.
    fn new_request(&mut self, sched: &mut Scheduler) -> (u64, TimerKey) {
        self.next_correlation += 1;
        let id = self.next_correlation;
        let timer = sched.set_timer(
            self.config.request_timeout_ms,
            self.node(),
            Timer::ProducerRequestTimeout { correlation_id: id },
        );
        (id, timer)
    }

    fn ask(&mut self, sched: &mut Scheduler, question: Asked) {
        let (id, timer) = self.new_request(sched);
        sched.send(self.node(), registry_node(), question.request(id, self.config.auto_register_schemas));
        self.registry.asking(id, question, timer);
    }

    /// The registry answered, or never will: the blocked send goes on, or fails as the
    /// serializer's SerializationException.
    fn registry_answered(&mut self, sched: &mut Scheduler, failure: Option<String>) {
        if let Some(cause) = failure {
            let action = if self.config.auto_register_schemas { "registering" } else { "retrieving" };
            if let Some(u) = self.blocked.pop_front() {
                self.refuse(sched, u.topic, format!("SerializationException: Error {action} Avro schema: {cause}"));
            }
        }
        self.unblock(sched);
    }

    /// A send that failed before reaching any broker: nothing is sent.
    fn refuse(&mut self, sched: &mut Scheduler, topic: Name, error: String) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.failed(
            sched,
            Event::ProduceFailed {
                producer: self.name.clone(),
                topic,
                seqs: vec![seq],
                error,
            },
        );
    }

    /// Emits a failed send and keeps it as the last failure.
    fn failed(&mut self, sched: &mut Scheduler, event: Event) {
        if let Event::ProduceFailed { topic, seqs, error, .. } = &event {
            self.last_failure = Some(SendFailure {
                topic: topic.to_string(),
                error: error.clone(),
                time_ms: sched.now_ms,
            });
            self.complete(seqs, |_| Err(error.clone()));
        }
        sched.emit(event);
    }

    /// Emits an acknowledged send: a later success clears the last failure.
    fn acknowledged(&mut self, sched: &mut Scheduler, event: Event) {
        self.last_failure = None;
        if let Event::ProduceAcknowledged { seqs, base_offset, .. } = &event {
            self.complete(seqs, |i| Ok(base_offset.map(|b| b + i)));
        }
        sched.emit(event);
    }

    /// Runs the callbacks of a batch's records (`ProducerBatch.completeFutureAndFireCallbacks`):
    /// `result` gets each record's index in the batch.
    fn complete(&mut self, seqs: &[u64], result: impl Fn(u64) -> Result<Option<u64>, String>) {
        if self.callbacks.is_empty() {
            return;
        }
        for (i, seq) in seqs.iter().enumerate() {
            if self.callbacks.remove(seq) {
                self.completed.push(Completed {
                    seq: *seq,
                    result: result(i as u64),
                });
            }
        }
    }

    fn available(meta: &TopicMetadata) -> Vec<u32> {
        meta.leaders.iter().enumerate().filter(|(_, l)| l.is_some()).map(|(p, _)| p as u32).collect()
    }

    /// Picks the partition (explicit, keyed, or by the unkeyed strategy) and appends to its
    /// batch; true when that partition now has a full batch waiting.
    fn accumulate(&mut self, sched: &mut Scheduler, p: Pending) -> bool {
        let meta = &self.metadata[&p.topic];
        let n = meta.leaders.len() as u32;
        let available = Self::available(meta);
        let size = p.record.size_in_bytes();
        let sticky = self.sticky.entry(p.topic.clone()).or_default();
        let kind = self.config.partitioner;
        let partition = match (p.partition, &p.record.key, kind) {
            (Some(explicit), _, _) => explicit.min(n - 1),
            (None, _, PartitionerKind::RoundRobin) => partitioner::round_robin(sticky, n, &available),
            (None, Some(key), _) => partitioner::partition_for_key(key, n),
            (None, None, PartitionerKind::UniformSticky) => {
                // KIP-794: switch once `batch.size` bytes went to the sticky partition.
                if sticky.sticky.is_none() || sticky.produced_bytes >= self.config.batch_size {
                    sticky.sticky = Some(partitioner::random_partition(&mut sched.rng, n, &available, None));
                    sticky.produced_bytes = 0;
                }
                sticky.produced_bytes += size;
                sticky.sticky.expect("chosen above")
            }
            (None, None, PartitionerKind::Sticky) => {
                let current = match sticky.sticky {
                    Some(s) => s,
                    None => partitioner::random_partition(&mut sched.rng, n, &available, None),
                };
                // KIP-480: a record that would open a new batch first moves the sticky partition.
                let tp = TopicPartition::new(&p.topic, current);
                let needs_new_batch = self
                    .accumulator
                    .get(&tp)
                    .and_then(|q| q.back())
                    .is_none_or(|b| b.bytes + size > self.config.batch_size);
                let chosen = if needs_new_batch {
                    partitioner::random_partition(&mut sched.rng, n, &available, Some(current))
                } else {
                    current
                };
                sticky.sticky = Some(chosen);
                chosen
            }
        };
        let tp = TopicPartition::new(&p.topic, partition);
        sched.emit(Event::ProduceQueued {
            producer: self.name.clone(),
            tp: tp.clone(),
            seq: p.seq,
            key: p.record.key.clone(),
            value: p.record.value.clone(),
        });
        let now = sched.now_ms;
        let batch_size = self.config.batch_size;
        let queue = self.accumulator.entry(tp.clone()).or_default();
        match queue.back_mut() {
            Some(b) if b.bytes + size <= batch_size && b.retry_at_ms == 0 => {
                b.records.push(p.record);
                b.seqs.push(p.seq);
                b.bytes += size;
            }
            _ => queue.push_back(Batch {
                tp,
                records: vec![p.record],
                seqs: vec![p.seq],
                bytes: size,
                created_ms: now,
                retry_at_ms: 0,
                producer: None,
                attempts: 0,
                sequence_reset: false,
            }),
        }
        queue.len() > 1 || queue.back().is_some_and(|b| b.bytes >= batch_size)
    }

    fn request_metadata(&mut self, sched: &mut Scheduler) {
        if self.metadata_in_flight.is_some() || self.bootstrap.is_empty() {
            return;
        }
        let mut topics: BTreeSet<Name> = self.stale_topics.clone();
        topics.extend(self.waiting_for_metadata.iter().map(|p| p.topic.clone()));
        if topics.is_empty() {
            return;
        }
        let broker = self.bootstrap[self.bootstrap_next % self.bootstrap.len()];
        let (id, timer) = self.new_request(sched);
        self.metadata_in_flight = Some((id, timer));
        sched.send(
            self.node(),
            self.cluster.broker(broker),
            Message::MetadataRequest {
                correlation_id: id,
                topics: topics.into_iter().collect(),
            },
        );
    }

    pub fn handle(&mut self, sched: &mut Scheduler, from: NodeId, msg: Message) {
        match msg {
            Message::MetadataResponse {
                correlation_id,
                brokers,
                partitions,
                errors,
            } if self.metadata_in_flight.is_some_and(|(id, _)| id == correlation_id) => {
                self.handle_metadata(sched, from, brokers, partitions, errors);
            }
            Message::Disconnected { correlation_id } => self.request_failed(sched, correlation_id, ErrorCode::NetworkException),
            Message::ProduceResponse { correlation_id, results } => self.handle_produce_response(sched, correlation_id, results),
            Message::InitProducerIdResponse { correlation_id, result } if self.init_in_flight.is_some_and(|(id, _)| id == correlation_id) => {
                self.handle_init_producer_id(sched, from, result)
            }
            Message::RegisterSchemaResponse { .. } => {
                if let Some((timer, result)) = self.registry.learn(&msg) {
                    sched.cancel(timer);
                    self.registry_answered(sched, result.err().map(|e| format!("RestClientException: {e}")));
                }
            }
            _ => {}
        }
        self.maybe_closed(sched);
    }

    fn handle_metadata(
        &mut self,
        sched: &mut Scheduler,
        from: NodeId,
        brokers: Vec<BrokerId>,
        partitions: Vec<PartitionMetadata>,
        errors: Vec<(Name, ErrorCode)>,
    ) {
        let Some((_, timer)) = self.metadata_in_flight.take() else { return };
        sched.cancel(timer);
        if let NodeId::Broker(BrokerNode { id: b, .. }) = from {
            if let Some(i) = self.bootstrap.iter().position(|x| *x == b) {
                self.bootstrap_next = i;
            }
        }
        if !brokers.is_empty() {
            self.bootstrap = brokers;
            self.bootstrap_next %= self.bootstrap.len();
        }
        let mut by_topic: BTreeMap<Name, Vec<Option<BrokerId>>> = BTreeMap::new();
        for pm in partitions {
            let leaders = by_topic.entry(pm.tp.topic.clone()).or_default();
            let i = pm.tp.partition as usize;
            if leaders.len() <= i {
                leaders.resize(i + 1, None);
            }
            leaders[i] = pm.state.leader;
        }
        let retry = errors.iter().any(|(_, e)| *e == ErrorCode::LeaderNotAvailable);
        for (topic, leaders) in by_topic {
            sched.emit(Event::MetadataUpdated {
                client: self.name.clone(),
                topic: topic.clone(),
                leaders: leaders.clone(),
            });
            let missing_leader = leaders.iter().any(|l| l.is_none());
            self.metadata.insert(topic.clone(), TopicMetadata { leaders });
            if !missing_leader {
                self.stale_topics.remove(&topic);
            }
        }
        // An unknown topic: `send` keeps waiting for it (`KafkaProducer.waitOnMetadata`), asking
        // again after `retry.backoff.ms`, until `max.block.ms` has passed.
        let unknown = errors
            .iter()
            .any(|(t, e)| *e == ErrorCode::UnknownTopicOrPartition && !self.metadata.contains_key(t));
        self.expire_metadata_waits(sched);
        let ready: Vec<Pending> = {
            let (ready, kept): (Vec<Pending>, Vec<Pending>) = self.waiting_for_metadata.drain(..).partition(|p| self.metadata.contains_key(&p.topic));
            self.waiting_for_metadata = kept;
            ready
        };
        for p in ready {
            self.accumulate(sched, p);
        }
        if retry || unknown || !self.stale_topics.is_empty() {
            // Metadata still incomplete: ask again after `retry.backoff.ms`.
            self.wake_at(sched, sched.now_ms + self.config.retry_backoff_ms);
        }
        self.run_sender(sched);
    }

    /// Sends that waited `max.block.ms` for their topic's metadata fail with Kafka's
    /// TimeoutException; the others wake the producer when their time is up.
    fn expire_metadata_waits(&mut self, sched: &mut Scheduler) {
        let now = sched.now_ms;
        let max_block_ms = self.config.max_block_ms;
        let (expired, kept): (Vec<Pending>, Vec<Pending>) = self.waiting_for_metadata.drain(..).partition(|p| p.since_ms + max_block_ms <= now);
        self.waiting_for_metadata = kept;
        let mut by_topic: BTreeMap<Name, Vec<u64>> = BTreeMap::new();
        for p in expired {
            by_topic.entry(p.topic).or_default().push(p.seq);
        }
        for (topic, seqs) in by_topic {
            if !self.waiting_for_metadata.iter().any(|p| p.topic == topic) && !self.metadata.contains_key(&topic) {
                self.stale_topics.remove(&topic);
            }
            self.failed(
                sched,
                Event::ProduceFailed {
                    producer: self.name.clone(),
                    topic: topic.clone(),
                    seqs,
                    error: format!("TimeoutException: Topic {topic} not present in metadata after {max_block_ms} ms."),
                },
            );
        }
        if let Some(first) = self.waiting_for_metadata.iter().map(|p| p.since_ms + max_block_ms).min() {
            self.wake_at(sched, first);
        }
    }

    fn wake_at(&mut self, sched: &mut Scheduler, at_ms: u64) {
        if let Some(t) = self.send_timer {
            if t.at_ms <= at_ms {
                return;
            }
            sched.cancel(t);
        }
        self.send_timer = Some(sched.set_timer(at_ms.saturating_sub(sched.now_ms), self.node(), Timer::ProducerSend));
    }

    pub fn handle_timer(&mut self, sched: &mut Scheduler, timer: Timer) {
        match timer {
            Timer::ProducerSend => {
                self.send_timer = None;
                self.init_producer_id(sched);
                self.expire_metadata_waits(sched);
                if !self.stale_topics.is_empty() || !self.waiting_for_metadata.is_empty() {
                    self.request_metadata(sched);
                }
                self.run_sender(sched);
            }
            Timer::ProducerRequestTimeout { correlation_id } => self.request_failed(sched, correlation_id, ErrorCode::RequestTimedOut),
            Timer::ProducerCloseTimeout => return self.close_forcefully(sched),
            _ => {}
        }
        self.maybe_closed(sched);
    }

    /// No answer in time (REQUEST_TIMED_OUT), or the connection dropped (NETWORK_EXCEPTION,
    /// as `Sender` names a disconnect): try another broker for metadata; retry produce batches
    /// after refreshing metadata (`NetworkClient` disconnect handling).
    fn request_failed(&mut self, sched: &mut Scheduler, correlation_id: u64, error: ErrorCode) {
        if let Some((_, t)) = self.registry.forget(correlation_id) {
            sched.cancel(t);
            let why = if error == ErrorCode::NetworkException {
                "ConnectException: Connection refused (the schema registry is down)"
            } else {
                "the schema registry did not answer within request.timeout.ms"
            };
            self.registry_answered(sched, Some(why.into()));
        } else if let Some((_, t)) = self.init_in_flight.filter(|(id, _)| *id == correlation_id) {
            sched.cancel(t);
            self.init_in_flight = None;
            self.bootstrap_next += 1;
            self.wake_at(sched, sched.now_ms + self.config.retry_backoff_ms);
        } else if let Some((_, t)) = self.metadata_in_flight.filter(|(id, _)| *id == correlation_id) {
            sched.cancel(t);
            self.metadata_in_flight = None;
            self.bootstrap_next += 1;
            // Asked again after `retry.backoff.ms`, by the sender's wake-up.
            self.wake_at(sched, sched.now_ms + self.config.retry_backoff_ms);
        } else if let Some(f) = self.in_flight.remove(&correlation_id) {
            if let Some(t) = f.timer {
                sched.cancel(t);
            }
            for b in f.batches {
                self.in_flight_partitions.remove(&b.tp);
                self.stale_topics.insert(b.tp.topic.clone());
                self.retry_or_fail(sched, b, error);
            }
            self.run_sender(sched);
            self.wake_at(sched, sched.now_ms + self.config.retry_backoff_ms);
        }
    }

    /// `Sender.sendProducerData`: ready batches (full, lingered, or retry backoff over) whose
    /// leader is known go out, one request per leader and at most one batch per partition in
    /// it, while fewer than `max.in.flight.requests.per.connection` requests wait on that
    /// connection. With one request in flight allowed, a partition waits for its batch
    /// (`guaranteeMessageOrder`). An idempotent producer first needs its producer id, stamps
    /// each batch with the partition's next sequence as it first leaves, and sends a retried
    /// batch only when it is the partition's first unfinished one (`RecordAccumulator.drain`).
    fn run_sender(&mut self, sched: &mut Scheduler) {
        let now = sched.now_ms;
        self.maybe_bump_epoch(sched);
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
                expired.push(queue.pop_front().expect("checked"));
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
                        queue.front_mut().expect("checked").producer = Some(BatchProducer {
                            producer_id,
                            producer_epoch,
                            base_sequence,
                            last_sequence: base_sequence + count - 1,
                        });
                    }
                }
            }
            per_leader.entry(leader).or_default().push(queue.pop_front().expect("checked"));
        }
        self.accumulator.retain(|_, q| !q.is_empty());
        for b in expired {
            self.expire(sched, b);
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
            sched.send(
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
                        sched,
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
            let timer = sched.set_timer(self.config.request_timeout_ms, self.node(), Timer::ProducerRequestTimeout { correlation_id });
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
            self.request_metadata(sched);
            next_wake = Some(next_wake.map_or(now + self.config.retry_backoff_ms, |w| w.min(now + self.config.retry_backoff_ms)));
        }
        if let Some(at) = next_wake {
            self.wake_at(sched, at.max(now));
        }
    }

    fn handle_produce_response(&mut self, sched: &mut Scheduler, correlation_id: u64, results: Vec<ProduceResult>) {
        let Some(f) = self.in_flight.remove(&correlation_id) else { return };
        if let Some(t) = f.timer {
            sched.cancel(t);
        }
        for b in f.batches {
            self.in_flight_partitions.remove(&b.tp);
            let Some(r) = results.iter().find(|r| r.tp == b.tp) else { continue };
            match r.error {
                None => {
                    self.sequence_acknowledged(&b);
                    self.acknowledged(
                        sched,
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
                    self.retry_or_fail(sched, b, e);
                }
            }
        }
        if !self.stale_topics.is_empty() {
            self.request_metadata(sched);
        }
        self.run_sender(sched);
    }

    /// `TransactionManager.handleCompletedBatch`: the partition's last acknowledged sequence moves on.
    fn sequence_acknowledged(&mut self, b: &Batch) {
        let (Some(h), Some(seq)) = (b.producer, self.sequences.get_mut(&b.tp)) else {
            return;
        };
        seq.in_flight.remove(&h.base_sequence);
        if seq.producer_epoch == h.producer_epoch {
            seq.last_acked_sequence = Some(seq.last_acked_sequence.map_or(h.last_sequence, |l| l.max(h.last_sequence)));
        }
    }

    /// `Sender.canRetry`: a retriable error puts the batch back after `retry.backoff.ms`, while
    /// `retries` and `delivery.timeout.ms` allow; anything else fails it.
    fn retry_or_fail(&mut self, sched: &mut Scheduler, mut b: Batch, error: ErrorCode) {
        let now = sched.now_ms;
        let in_time = now + self.config.retry_backoff_ms < b.created_ms + self.config.delivery_timeout_ms();
        // Past its delivery timeout the batch expires whatever the error (`Sender` expires batches
        // in flight at their deadline, before any late answer).
        if !in_time {
            sched.emit(Event::ProduceRefused {
                producer: self.name.clone(),
                tp: b.tp.clone(),
                error,
                retrying: false,
                seqs: b.seqs.clone(),
            });
            return self.expire(sched, b);
        }
        let retrying = in_time && b.attempts < self.config.retries && self.can_retry(&b, error);
        sched.emit(Event::ProduceRefused {
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
            self.wake_at(sched, now + self.config.retry_backoff_ms);
        } else {
            self.fail(sched, b, error);
        }
    }

    /// `TransactionManager.canRetry` for an idempotent batch: OUT_OF_ORDER_SEQUENCE_NUMBER is
    /// retried; when the batch is the next one after the last acknowledged, the gap is real and
    /// the epoch is bumped first. Other errors: `RetriableException`s only.
    fn can_retry(&mut self, b: &Batch, error: ErrorCode) -> bool {
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

    /// `RecordAccumulator.reenqueue`: back at the head of its queue; an idempotent batch goes
    /// in sequence order among the retries there (`insertInSequenceOrder`).
    fn reenqueue(&mut self, b: Batch) {
        let idempotent = self.idempotent();
        let queue = self.accumulator.entry(b.tp.clone()).or_default();
        match b.producer.filter(|_| idempotent) {
            Some(h) => {
                let at = queue
                    .iter()
                    .position(|q| q.producer.is_none_or(|p| p.base_sequence > h.base_sequence))
                    .unwrap_or(queue.len());
                queue.insert(at, b);
            }
            None => queue.push_front(b),
        }
    }

    /// `delivery.timeout.ms` passed (`Sender.sendProducerData` expiring batches): the callback
    /// gets a TimeoutException; whether a batch that was sent reached the log is not known, so
    /// its partition is unresolved (`markSequenceUnresolved`).
    fn expire(&mut self, sched: &mut Scheduler, b: Batch) {
        if let Some(h) = b.producer {
            if let Some(seq) = self.sequences.get_mut(&b.tp) {
                seq.in_flight.remove(&h.base_sequence);
            }
            let next = self.unresolved.entry(b.tp.clone()).or_insert(h.last_sequence + 1);
            *next = (*next).max(h.last_sequence + 1);
        }
        self.report_failure(sched, b, ErrorCode::DeliveryTimeout);
    }

    /// An error the batch cannot be retried for. One that was sent and still had retries left
    /// leaves its partition's sequence behind the producer's: the epoch is bumped
    /// (`Sender.failBatch` with `adjustSequenceNumbers`, `TransactionManager.handleFailedBatch`).
    fn fail(&mut self, sched: &mut Scheduler, b: Batch, error: ErrorCode) {
        if let Some(h) = b.producer {
            if let Some(seq) = self.sequences.get_mut(&b.tp) {
                seq.in_flight.remove(&h.base_sequence);
            }
            if b.attempts < self.config.retries {
                self.epoch_bump.insert(b.tp.clone());
            }
        }
        self.report_failure(sched, b, error);
    }

    fn report_failure(&mut self, sched: &mut Scheduler, b: Batch, error: ErrorCode) {
        let message = if error == ErrorCode::DeliveryTimeout {
            format!(
                "TimeoutException: Expiring {} record(s) for {}: {} ms has passed since batch creation",
                b.records.len(),
                b.tp,
                sched.now_ms - b.created_ms
            )
        } else {
            error.name().to_string()
        };
        self.failed(
            sched,
            Event::ProduceFailed {
                producer: self.name.clone(),
                topic: b.tp.topic.clone(),
                seqs: b.seqs,
                error: message,
            },
        );
    }
}
