//! The schema registry as a node (Confluent Schema Registry's model): it answers the
//! serializers' REST calls, checks each new schema against the subject's compatibility
//! level, and keeps every schema and setting as a record of the compacted `_schemas`
//! topic (its `KafkaStore`). Its state is only what its reader has read back from that
//! topic: a write is sent with acks=all, and the call is answered once the reader has
//! read past it. On start it writes a NOOP record and serves nothing until it has read
//! that far, so a restarted registry comes back with every schema and id it had.
//!
//! The registry is a client of the cluster, so it lives among the clients' names.

use super::avro;
use super::Compatibility;
use crate::client::avro::{canonical, parse, Schema};
use crate::client::consumer::Consumer;
use crate::client::producer::Producer;
use crate::client::schema_registry_client::registry_node;
use crate::config::{ConsumerConfig, OffsetReset, ProducerConfig};
use crate::protocol::*;
use crate::runtime::{Out, Timer};
use crate::trace::{Event, PolledRecord};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

pub use crate::client::schema_registry_client::NAME;
/// `kafkastore.topic`.
pub const TOPIC: &str = "_schemas";
/// `kafkastore.topic.replication.factor`: 3, or fewer when the cluster has fewer live brokers
/// (as the registry did when it created the topic itself).
pub const TOPIC_REPLICATION_FACTOR: u32 = 3;

/// One version of a subject.
#[derive(Clone, Debug, Serialize)]
pub struct Version {
    pub version: u32,
    pub id: u32,
    pub schema: Rc<str>,
}

/// A request waiting its turn: the registry serves nothing before it has read `_schemas` up to
/// its start marker, and applies writes one at a time, in order.
#[derive(Clone, Debug)]
enum Work {
    Register {
        reply: Option<(NodeId, u64)>,
        subject: String,
        schema: Rc<str>,
        register: bool,
    },
    Config {
        subject: Option<String>,
        level: Compatibility,
    },
    SchemaById {
        reply: (NodeId, u64),
        id: u32,
    },
}

/// The registry's reader asks with ids from here on, apart from its writer's.
const READER_CORRELATION_BASE: u64 = 1 << 40;

/// A record sent to `_schemas`, complete once the reader has read past it.
#[derive(Clone, Debug)]
enum Write {
    /// `KafkaStore.init`: find the end of the topic by writing to it.
    Noop,
    Schema {
        reply: Option<(NodeId, u64)>,
        subject: String,
        version: Version,
    },
    Config {
        subject: Option<String>,
        level: Compatibility,
    },
}

#[derive(Clone, Debug, Serialize)]
pub struct SchemaRegistry {
    pub cluster: ClusterRef,
    /// `PUT /config`: the level of subjects without their own.
    pub global: Compatibility,
    pub subject_levels: BTreeMap<String, Compatibility>,
    pub subjects: BTreeMap<String, Vec<Version>>,
    pub running: bool,
    /// The last `schema_refused`: what the registry answered, and when.
    pub last_refusal: Option<Refusal>,
    /// Serving: its reader has read everything written before it started.
    pub ready: bool,
    #[serde(skip)]
    producer: Producer,
    #[serde(skip)]
    reader: Consumer,
    /// The write in flight: its sequence number, and its offset once acknowledged.
    #[serde(skip)]
    writing: Option<(u64, Write, Option<u64>)>,
    #[serde(skip)]
    waiting: VecDeque<Work>,
}

/// A refusal as the caller got it (HTTP status and the registry's message).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub subject: String,
    pub http_status: u16,
    pub error: String,
    pub time_ms: u64,
}

fn refusal(http_status: u16, error_code: u32, message: String) -> RegistryError {
    RegistryError {
        http_status,
        error_code,
        message,
    }
}

impl SchemaRegistry {
    /// Emits a refusal and keeps it as the last one.
    fn refused(&mut self, out: &mut Out, event: Event) {
        if let Event::SchemaRefused { subject, http_status, error } = &event {
            self.last_refusal = Some(Refusal {
                subject: subject.clone(),
                http_status: *http_status,
                error: error.clone(),
                time_ms: out.now_ms(),
            });
        }
        out.emit(event);
    }

    /// Starts the registry: its reader reads `_schemas` from the beginning, and a NOOP
    /// record marks how far it must read before serving.
    pub fn start(out: &mut Out, cluster: ClusterRef, bootstrap: Vec<BrokerId>) -> Self {
        // Confluent's `KafkaStore`: acks all, no retries, not idempotent.
        let producer_config = ProducerConfig {
            acks: Acks::All,
            retries: 0,
            enable_idempotence: Some(false),
            ..ProducerConfig::default()
        };
        let reader_config = ConsumerConfig {
            auto_offset_reset: OffsetReset::Earliest,
            enable_auto_commit: false,
            ..ConsumerConfig::default()
        };
        let topic: Name = TOPIC.into();
        let mut reader = Consumer::new(
            NAME.into(),
            cluster.clone(),
            reader_config,
            None,
            Vec::new(),
            vec![TopicPartition::new(&topic, 0)],
            bootstrap.clone(),
        );
        reader.start_correlation_ids_at(READER_CORRELATION_BASE);
        reader.start(out);
        let mut r = SchemaRegistry {
            cluster: cluster.clone(),
            global: Compatibility::default(),
            subject_levels: BTreeMap::new(),
            subjects: BTreeMap::new(),
            running: true,
            last_refusal: None,
            ready: false,
            producer: Producer::new(NAME.into(), cluster, producer_config, bootstrap),
            reader,
            writing: None,
            waiting: VecDeque::new(),
        };
        r.write(out, Write::Noop);
        r
    }

    /// The process stops: requests to it go unanswered; what it stored stays in `_schemas`.
    pub fn stop(&mut self, out: &mut Out) {
        self.running = false;
        self.ready = false;
        self.reader.stop(out, false);
        out.cancel_timers_of(&Self::node());
    }

    pub fn node() -> NodeId {
        registry_node()
    }

    /// The level a subject is checked at: its own, else the global one.
    pub fn level_of(&self, subject: &str) -> Compatibility {
        self.subject_levels.get(subject).copied().unwrap_or(self.global)
    }

    /// Every schema by its global id.
    pub fn schema_by_id(&self, id: u32) -> Option<&Rc<str>> {
        self.subjects.values().flatten().find(|v| v.id == id).map(|v| &v.schema)
    }

    pub fn handle(&mut self, out: &mut Out, from: NodeId, msg: Message) {
        match msg {
            Message::RegisterSchemaRequest {
                correlation_id,
                subject,
                schema,
                register,
            } => self.submit(
                out,
                Work::Register {
                    reply: Some((from, correlation_id)),
                    subject,
                    schema,
                    register,
                },
            ),
            Message::SchemaByIdRequest { correlation_id, id } => self.submit(
                out,
                Work::SchemaById {
                    reply: (from, correlation_id),
                    id,
                },
            ),
            // Writer and reader share the node; the reader's correlation ids tell its answers apart.
            other => {
                if other.response_correlation_id().is_some_and(|c| c >= READER_CORRELATION_BASE) {
                    self.reader.handle(out, other);
                } else {
                    self.producer.handle(out, from, other);
                }
                self.progress(out);
            }
        }
    }

    pub fn handle_timer(&mut self, out: &mut Out, timer: Timer) {
        self.producer.handle_timer(out, timer.clone());
        self.reader.handle_timer(out, timer);
        self.progress(out);
    }

    /// An operator's `POST /subjects/{subject}/versions` (no serializer waits for the answer).
    pub fn register(&mut self, out: &mut Out, subject: String, schema: Rc<str>) {
        self.submit(
            out,
            Work::Register {
                reply: None,
                subject,
                schema,
                register: true,
            },
        );
    }

    /// `PUT /config/{subject}`, or `PUT /config` without a subject.
    pub fn set_compatibility(&mut self, out: &mut Out, subject: Option<String>, level: Compatibility) {
        self.submit(out, Work::Config { subject, level });
    }

    fn submit(&mut self, out: &mut Out, work: Work) {
        self.waiting.push_back(work);
        self.next(out);
    }

    /// Takes waiting requests in order until one needs a write to `_schemas`.
    fn next(&mut self, out: &mut Out) {
        while self.ready && self.writing.is_none() {
            let Some(work) = self.waiting.pop_front() else { return };
            match work {
                Work::Register {
                    reply,
                    subject,
                    schema,
                    register,
                } => match self.decide(&subject, &schema, register) {
                    Ok(Decision::Known(id)) => answer(out, reply, Ok(id)),
                    Ok(Decision::New(version)) => self.write(out, Write::Schema { reply, subject, version }),
                    Err(e) => {
                        self.refused(
                            out,
                            Event::SchemaRefused {
                                subject,
                                http_status: e.http_status,
                                error: e.to_string(),
                            },
                        );
                        answer(out, reply, Err(e));
                    }
                },
                Work::Config { subject, level } => self.write(out, Write::Config { subject, level }),
                Work::SchemaById {
                    reply: (to, correlation_id),
                    id,
                } => {
                    let result = self
                        .schema_by_id(id)
                        .cloned()
                        .ok_or_else(|| refusal(404, 40403, format!("Schema {id} not found")));
                    out.send(Self::node(), to, Message::SchemaByIdResponse { correlation_id, id, result });
                }
            }
        }
    }

    /// `KafkaSchemaRegistry.register`: a schema the subject already has keeps its id; a new one
    /// must pass the compatibility check, and takes the id it has under any other subject, or the next.
    fn decide(&self, subject: &str, text: &str, register: bool) -> Result<Decision, RegistryError> {
        let schema = parse(text).map_err(|e| refusal(422, 42201, format!("Invalid schema: {e}")))?;
        let canonical: Rc<str> = canonical(&schema).into();
        let versions = self.subjects.get(subject).map(Vec::as_slice).unwrap_or_default();
        if let Some(v) = versions.iter().find(|v| v.schema == canonical) {
            return Ok(Decision::Known(v.id));
        }
        match (register, versions.is_empty()) {
            (false, true) => return Err(refusal(404, 40401, format!("Subject '{subject}' not found."))),
            (false, false) => return Err(refusal(404, 40403, "Schema not found".into())),
            (true, _) => {}
        }
        let earlier: Vec<Schema> = versions.iter().filter_map(|v| parse(&v.schema).ok()).collect();
        let level = self.level_of(subject);
        avro::check(level, &earlier, &schema).map_err(|reason| {
            refusal(
                409,
                409,
                format!("Schema being registered is incompatible with an earlier schema for subject \"{subject}\", details: {reason}"),
            )
        })?;
        let all = || self.subjects.values().flatten();
        let id = all()
            .find(|v| v.schema == canonical)
            .map_or_else(|| all().map(|v| v.id).max().unwrap_or(0) + 1, |v| v.id);
        Ok(Decision::New(Version {
            version: versions.last().map_or(1, |v| v.version + 1),
            id,
            schema: canonical,
        }))
    }

    /// Sends the record for `write` to `_schemas` (partition 0, its only one).
    fn write(&mut self, out: &mut Out, write: Write) {
        let (key, value) = match &write {
            Write::Noop => (json(&StoreKey::Noop { magic: 0 }), None),
            Write::Schema { subject, version, .. } => (
                json(&StoreKey::Schema {
                    subject,
                    version: version.version,
                    magic: 1,
                }),
                Some(json(&StoreValue::Schema {
                    subject,
                    version: version.version,
                    id: version.id,
                    schema: &version.schema,
                    deleted: false,
                })),
            ),
            Write::Config { subject, level } => (
                json(&StoreKey::Config {
                    subject: subject.as_deref(),
                    magic: 0,
                }),
                Some(json(&StoreValue::Config {
                    compatibility_level: level.to_string(),
                })),
            ),
        };
        let record = ProducerRecord {
            key: Some(key.into_bytes().into()),
            value: value.map(|v| v.into_bytes().into()),
            headers: Vec::new(),
            timestamp_ms: out.now_ms(),
        };
        let seq = self.producer.send_with_callback(out, TOPIC.into(), Some(0), record);
        self.writing = Some((seq, write, None));
    }

    /// After the writer or the reader moved: learn the write's fate from the writer's
    /// callbacks, let the reader apply what it fetched, and complete the write once the
    /// reader is past it (`KafkaStore.waitUntilKafkaReaderReachesOffset`).
    fn progress(&mut self, out: &mut Out) {
        let completed = self.producer.take_completed();
        if let Some((seq, _, offset @ None)) = &mut self.writing {
            match completed.into_iter().find(|c| c.seq == *seq).map(|c| c.result) {
                Some(Ok(acked)) => *offset = acked,
                Some(Err(cause)) => {
                    let (_, write, _) = self.writing.take().expect("matched above");
                    self.write_failed(out, write, cause);
                }
                None => {}
            }
        }
        while self.reader.has_buffered() {
            let read = self.reader.poll(out);
            if read.is_empty() {
                break;
            }
            for r in &read {
                self.apply_record(out, r);
            }
        }
        let position = self.reader.positions.get(&TopicPartition::new(&TOPIC.into(), 0)).copied();
        if let Some((_, _, Some(offset))) = &self.writing {
            if position.is_some_and(|p| p > *offset) {
                let (_, write, _) = self.writing.take().expect("matched above");
                self.write_done(out, write);
            }
        }
        self.next(out);
    }

    /// `KafkaStoreReaderThread`: one record of `_schemas` into the registry's state.
    fn apply_record(&mut self, out: &mut Out, r: &PolledRecord) {
        let parse = |t: &Option<String>| t.as_deref().and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok());
        let (Some(key), value) = (parse(&r.key), parse(&r.value)) else { return };
        let subject = key["subject"].as_str().map(String::from);
        match (key["keytype"].as_str(), value) {
            (Some("SCHEMA"), Some(v)) => {
                let (Some(subject), Some(version), Some(id), Some(schema)) = (subject, v["version"].as_u64(), v["id"].as_u64(), v["schema"].as_str()) else {
                    return;
                };
                let versions = self.subjects.entry(subject.clone()).or_default();
                if !versions.iter().any(|x| x.version == version as u32) {
                    versions.push(Version {
                        version: version as u32,
                        id: id as u32,
                        schema: schema.into(),
                    });
                    out.emit(Event::SchemaRegistered {
                        subject,
                        version: version as u32,
                        id: id as u32,
                    });
                }
            }
            (Some("CONFIG"), Some(v)) => {
                let Some(level) = v["compatibilityLevel"].as_str().and_then(|l| Compatibility::from_name(l).ok()) else {
                    return;
                };
                match &subject {
                    Some(s) => {
                        self.subject_levels.insert(s.clone(), level);
                    }
                    None => self.global = level,
                }
                out.emit(Event::CompatibilitySet {
                    subject,
                    level: level.to_string(),
                });
            }
            _ => {}
        }
    }

    fn write_done(&mut self, out: &mut Out, write: Write) {
        match write {
            Write::Noop => {
                self.ready = true;
                out.emit(Event::SchemaRegistryReady {
                    schemas: self.subjects.values().map(Vec::len).sum(),
                });
            }
            Write::Schema { reply, version, .. } => answer(out, reply, Ok(version.id)),
            Write::Config { .. } => {}
        }
    }

    fn write_failed(&mut self, out: &mut Out, write: Write, cause: String) {
        let subject = match &write {
            Write::Noop => return self.write(out, Write::Noop),
            Write::Schema { subject, .. } => subject.clone(),
            Write::Config { subject, .. } => subject.clone().unwrap_or_default(),
        };
        let e = refusal(500, 50001, format!("Error while writing to the Kafka store: {cause}"));
        self.refused(
            out,
            Event::SchemaRefused {
                subject,
                http_status: 500,
                error: e.to_string(),
            },
        );
        if let Write::Schema { reply, .. } = write {
            answer(out, reply, Err(e));
        }
    }
}

/// The keys of `_schemas` records, as the registry's `SchemaKey`, `ConfigKey` and `NoopKey`
/// write them: the key type first.
#[derive(Serialize)]
#[serde(tag = "keytype", rename_all = "UPPERCASE")]
enum StoreKey<'a> {
    Schema { subject: &'a str, version: u32, magic: u8 },
    Config { subject: Option<&'a str>, magic: u8 },
    Noop { magic: u8 },
}

/// The values: `SchemaValue` and `ConfigValue` (a NOOP has none).
#[derive(Serialize)]
#[serde(untagged)]
enum StoreValue<'a> {
    Schema {
        subject: &'a str,
        version: u32,
        id: u32,
        schema: &'a str,
        deleted: bool,
    },
    Config {
        #[serde(rename = "compatibilityLevel")]
        compatibility_level: String,
    },
}

fn json<T: Serialize>(value: &T) -> String {
    // Strings and numbers only: serializing cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

enum Decision {
    Known(u32),
    New(Version),
}

fn answer(out: &mut Out, reply: Option<(NodeId, u64)>, result: Result<u32, RegistryError>) {
    if let Some((to, correlation_id)) = reply {
        out.send(SchemaRegistry::node(), to, Message::RegisterSchemaResponse { correlation_id, result });
    }
}
