//! The producer (`KafkaProducer`): what the application calls (`send`, `close`), the state the
//! producer's parts share, and its completions (callbacks, `last_failure`). The parts are
//! Kafka's own classes, one file each: the serializers' wait for the registry ([`serializer`]),
//! `ProducerMetadata` ([`metadata`]), the `RecordAccumulator` ([`accumulator`]), the `Sender`
//! ([`sender`]) and the idempotent producer's `TransactionManager` ([`transaction_manager`]).
//! Records are partitioned, gathered into per-partition batches, sent to each partition's
//! leader, and acknowledged or retried as the answers say.

mod accumulator;
mod metadata;
mod sender;
mod serializer;
mod transaction_manager;

use crate::client::schema_registry_client::{configured_schemas, AvroSchema, CachedSchemaRegistryClient};
use crate::config::ProducerConfig;
use crate::partitioner::StickyState;
use crate::protocol::*;
use crate::runtime::{Out, Timer, TimerKey};
use crate::trace::Event;
use accumulator::Batch;
use metadata::Pending;
use sender::InFlight;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use transaction_manager::PartitionSequence;

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
    pub fn start(&mut self, out: &mut Out) {
        self.init_producer_id(out);
    }

    /// `KafkaProducer.close(timeout)`: the accumulator closes (every batch is ready at once),
    /// the sender drains it and waits for the requests in flight (`Sender.initiateClose`); past
    /// `timeout_ms` the rest is aborted ("Producer is closed forcefully."). Without a timeout it
    /// waits as long as that takes (`delivery.timeout.ms` bounds every batch).
    pub fn close(&mut self, out: &mut Out, timeout_ms: Option<u64>) {
        self.closing = true;
        out.emit(Event::ProducerClosing {
            producer: self.name.clone(),
            outstanding: self.outstanding(),
        });
        if let Some(ms) = timeout_ms {
            self.close_timer = Some(out.set_timer(ms, self.node(), Timer::ProducerCloseTimeout));
        }
        self.run_sender(out);
        self.maybe_closed(out);
    }

    /// The process dies: buffered and in-flight records are gone, no callback runs.
    pub fn crash(&mut self, out: &mut Out) {
        let unfinished = self.outstanding();
        self.halt(out);
        out.emit(Event::ProducerStopped {
            producer: self.name.clone(),
            crashed: true,
            unfinished,
        });
    }

    fn halt(&mut self, out: &mut Out) {
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
        out.cancel_timers_of(&self.node());
    }

    /// A closing producer stops once nothing is buffered or in flight.
    fn maybe_closed(&mut self, out: &mut Out) {
        if self.closing && self.outstanding() == 0 {
            self.halt(out);
            out.emit(Event::ProducerStopped {
                producer: self.name.clone(),
                crashed: false,
                unfinished: 0,
            });
        }
    }

    /// `close(timeout)` ran out: `RecordAccumulator.abortIncompleteBatches` fails what is left.
    fn close_forcefully(&mut self, out: &mut Out) {
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
                out,
                Event::ProduceFailed {
                    producer: self.name.clone(),
                    topic,
                    seqs,
                    error: error.clone(),
                },
            );
        }
        self.halt(out);
        out.emit(Event::ProducerStopped {
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
    pub fn send_with_callback(&mut self, out: &mut Out, topic: Name, partition: Option<u32>, record: ProducerRecord) -> u64 {
        self.callbacks.insert(self.next_seq);
        self.send(out, topic, partition, record)
    }

    /// The outcomes of the sends made with a callback that completed since the last call.
    pub fn take_completed(&mut self) -> Vec<Completed> {
        std::mem::take(&mut self.completed)
    }

    /// `KafkaProducer.send`: returns the record's sequence number in this producer.
    pub fn send(&mut self, out: &mut Out, topic: Name, partition: Option<u32>, record: ProducerRecord) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        let pending = Pending {
            seq,
            topic: topic.clone(),
            partition,
            record,
            since_ms: out.now_ms(),
        };
        if self.metadata.contains_key(&topic) {
            // The sender wakes when a batch is ready: at once with `linger.ms` 0 or a full
            // batch, else when the new batch has lingered long enough.
            if self.accumulate(out, pending) || self.config.linger_ms == 0 {
                self.run_sender(out);
            } else {
                self.wake_in(out, self.config.linger_ms);
            }
        } else {
            self.waiting_for_metadata.push(pending);
            self.stale_topics.insert(topic);
            self.request_metadata(out);
            self.wake_in(out, self.config.max_block_ms);
        }
        seq
    }

    /// `KafkaProducer.send` as the application calls it: the serializers run first, so a value
    /// they refuse fails the send before anything leaves the client. An Avro serializer may
    /// first ask the registry for the schema's id; until it answers, this send and every later
    /// one wait, as the application's thread waits inside `send`.
    pub fn produce(&mut self, out: &mut Out, unsent: Unsent) {
        self.blocked.push_back(unsent);
        if self.blocked.len() == 1 {
            self.unblock(out);
        }
    }

    /// A new correlation id, with its `request.timeout.ms` timer.
    fn new_request(&mut self, out: &mut Out) -> (u64, TimerKey) {
        self.next_correlation += 1;
        let id = self.next_correlation;
        let timer = out.set_timer(
            self.config.request_timeout_ms,
            self.node(),
            Timer::ProducerRequestTimeout { correlation_id: id },
        );
        (id, timer)
    }

    /// Emits a failed send and keeps it as the last failure.
    fn failed(&mut self, out: &mut Out, event: Event) {
        if let Event::ProduceFailed { topic, seqs, error, .. } = &event {
            self.last_failure = Some(SendFailure {
                topic: topic.to_string(),
                error: error.clone(),
                time_ms: out.now_ms(),
            });
            self.complete(seqs, |_| Err(error.clone()));
        }
        out.emit(event);
    }

    /// Emits an acknowledged send: a later success clears the last failure.
    fn acknowledged(&mut self, out: &mut Out, event: Event) {
        self.last_failure = None;
        if let Event::ProduceAcknowledged { seqs, base_offset, .. } = &event {
            self.complete(seqs, |i| Ok(base_offset.map(|b| b + i)));
        }
        out.emit(event);
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

    pub fn handle(&mut self, out: &mut Out, from: NodeId, msg: Message) {
        match msg {
            Message::MetadataResponse {
                correlation_id,
                brokers,
                partitions,
                errors,
            } if self.metadata_in_flight.is_some_and(|(id, _)| id == correlation_id) => {
                self.handle_metadata(out, from, brokers, partitions, errors);
            }
            Message::Disconnected { correlation_id } => self.request_failed(out, correlation_id, ErrorCode::NetworkException),
            Message::ProduceResponse { correlation_id, results } => self.handle_produce_response(out, correlation_id, results),
            Message::InitProducerIdResponse { correlation_id, result } if self.init_in_flight.is_some_and(|(id, _)| id == correlation_id) => {
                self.handle_init_producer_id(out, from, result)
            }
            Message::RegisterSchemaResponse { .. } => {
                if let Some((timer, result)) = self.registry.learn(&msg) {
                    out.cancel(timer);
                    self.registry_answered(out, result.err().map(|e| format!("RestClientException: {e}")));
                }
            }
            _ => {}
        }
        self.maybe_closed(out);
    }

    pub fn handle_timer(&mut self, out: &mut Out, timer: Timer) {
        match timer {
            Timer::ProducerSend => {
                self.send_timer = None;
                self.init_producer_id(out);
                self.expire_metadata_waits(out);
                if !self.stale_topics.is_empty() || !self.waiting_for_metadata.is_empty() {
                    self.request_metadata(out);
                }
                self.run_sender(out);
            }
            Timer::ProducerRequestTimeout { correlation_id } => self.request_failed(out, correlation_id, ErrorCode::RequestTimedOut),
            Timer::ProducerCloseTimeout => return self.close_forcefully(out),
            _ => {}
        }
        self.maybe_closed(out);
    }
}
