//! The schema registry as a node (Confluent Schema Registry's model): it answers the
//! serializers' REST calls, checks each new schema against the subject's compatibility
//! level, and keeps every schema and setting as a record of the compacted `_schemas`
//! topic (its `KafkaStore`). A write counts only once the cluster acknowledged it
//! (acks=all); only then does the registry serve it and answer the caller.
//!
//! The registry is a client of the cluster, so it lives among the clients' names.

use super::avro::{self, Schema};
use super::Compatibility;
use crate::client::producer::Producer;
use crate::config::ProducerConfig;
use crate::protocol::*;
use crate::sim::{Scheduler, Timer};
use crate::trace::Event;
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

pub const NAME: &str = "schema-registry";
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

/// A request waiting its turn: the registry applies writes one at a time, in order.
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
}

/// A record sent to `_schemas`, applied once acknowledged.
#[derive(Clone, Debug)]
enum Write {
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
    pub cluster: usize,
    /// `PUT /config`: the level of subjects without their own.
    pub global: Compatibility,
    pub subject_levels: BTreeMap<String, Compatibility>,
    pub subjects: BTreeMap<String, Vec<Version>>,
    #[serde(skip)]
    producer: Producer,
    #[serde(skip)]
    writing: Option<(u64, Write)>,
    #[serde(skip)]
    waiting: VecDeque<Work>,
}

fn refusal(http_status: u16, error_code: u32, message: String) -> RegistryError {
    RegistryError {
        http_status,
        error_code,
        message,
    }
}

impl SchemaRegistry {
    pub fn new(cluster: usize, bootstrap: Vec<BrokerId>) -> Self {
        let config = ProducerConfig {
            acks: Acks::All,
            ..ProducerConfig::default()
        };
        SchemaRegistry {
            cluster,
            global: Compatibility::default(),
            subject_levels: BTreeMap::new(),
            subjects: BTreeMap::new(),
            producer: Producer::new(NAME.into(), cluster, config, bootstrap),
            writing: None,
            waiting: VecDeque::new(),
        }
    }

    pub fn node() -> NodeId {
        NodeId::Client(NAME.into())
    }

    /// The level a subject is checked at: its own, else the global one.
    pub fn level_of(&self, subject: &str) -> Compatibility {
        self.subject_levels.get(subject).copied().unwrap_or(self.global)
    }

    /// Every schema by its global id.
    pub fn schema_by_id(&self, id: u32) -> Option<&Rc<str>> {
        self.subjects.values().flatten().find(|v| v.id == id).map(|v| &v.schema)
    }

    pub fn handle(&mut self, sched: &mut Scheduler, from: NodeId, msg: Message) {
        match msg {
            Message::RegisterSchemaRequest {
                correlation_id,
                subject,
                schema,
                register,
            } => self.submit(
                sched,
                Work::Register {
                    reply: Some((from, correlation_id)),
                    subject,
                    schema,
                    register,
                },
            ),
            Message::SchemaByIdRequest { correlation_id, id } => {
                let result = self
                    .schema_by_id(id)
                    .cloned()
                    .ok_or_else(|| refusal(404, 40403, format!("Schema {id} not found")));
                sched.send(Self::node(), from, Message::SchemaByIdResponse { correlation_id, id, result });
            }
            other => self.with_producer(sched, |p, sched| p.handle(sched, from, other)),
        }
    }

    pub fn handle_timer(&mut self, sched: &mut Scheduler, timer: Timer) {
        self.with_producer(sched, |p, sched| p.handle_timer(sched, timer));
    }

    /// An operator's `POST /subjects/{subject}/versions` (no serializer waits for the answer).
    pub fn register(&mut self, sched: &mut Scheduler, subject: String, schema: Rc<str>) {
        self.submit(
            sched,
            Work::Register {
                reply: None,
                subject,
                schema,
                register: true,
            },
        );
    }

    /// `PUT /config/{subject}`, or `PUT /config` without a subject.
    pub fn set_compatibility(&mut self, sched: &mut Scheduler, subject: Option<String>, level: Compatibility) {
        self.submit(sched, Work::Config { subject, level });
    }

    fn submit(&mut self, sched: &mut Scheduler, work: Work) {
        self.waiting.push_back(work);
        self.next(sched);
    }

    /// Takes waiting requests in order until one needs a write to `_schemas`.
    fn next(&mut self, sched: &mut Scheduler) {
        while self.writing.is_none() {
            let Some(work) = self.waiting.pop_front() else { return };
            match work {
                Work::Register {
                    reply,
                    subject,
                    schema,
                    register,
                } => match self.decide(&subject, &schema, register) {
                    Ok(Decision::Known(id)) => answer(sched, reply, Ok(id)),
                    Ok(Decision::New(version)) => self.write(sched, Write::Schema { reply, subject, version }),
                    Err(e) => {
                        sched.emit(Event::SchemaRefused {
                            subject,
                            http_status: e.http_status,
                            error: e.to_string(),
                        });
                        answer(sched, reply, Err(e));
                    }
                },
                Work::Config { subject, level } => self.write(sched, Write::Config { subject, level }),
            }
        }
    }

    /// `KafkaSchemaRegistry.register`: a schema the subject already has keeps its id; a new one
    /// must pass the compatibility check, and takes the id it has under any other subject, or the next.
    fn decide(&self, subject: &str, text: &str, register: bool) -> Result<Decision, RegistryError> {
        let schema = avro::parse(text).map_err(|e| refusal(422, 42201, format!("Invalid schema: {e}")))?;
        let canonical: Rc<str> = avro::canonical(&schema).into();
        let versions = self.subjects.get(subject).map(Vec::as_slice).unwrap_or_default();
        if let Some(v) = versions.iter().find(|v| v.schema == canonical) {
            return Ok(Decision::Known(v.id));
        }
        if !register {
            return Err(refusal(404, 40403, "Schema not found".into()));
        }
        let earlier: Vec<Schema> = versions.iter().filter_map(|v| avro::parse(&v.schema).ok()).collect();
        let level = self.level_of(subject);
        avro::check(level, &earlier, &schema).map_err(|reason| {
            refusal(
                409,
                409,
                format!("Schema being registered is incompatible with an earlier schema for subject \"{subject}\" ({level}): {reason}"),
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
    fn write(&mut self, sched: &mut Scheduler, write: Write) {
        let (key, value) = match &write {
            Write::Schema { subject, version, .. } => (
                json!({"keytype": "SCHEMA", "subject": subject, "version": version.version, "magic": 1}),
                json!({"subject": subject, "version": version.version, "id": version.id, "schema": &*version.schema, "deleted": false}),
            ),
            Write::Config { subject, level } => (
                json!({"keytype": "CONFIG", "subject": subject, "magic": 0}),
                json!({"compatibilityLevel": level.to_string()}),
            ),
        };
        let record = ProducerRecord {
            key: Some(key.to_string().into_bytes().into()),
            value: Some(value.to_string().into_bytes().into()),
            headers: Vec::new(),
            timestamp_ms: sched.now_ms,
        };
        let seq = self.producer.send(sched, TOPIC.into(), Some(0), record);
        self.writing = Some((seq, write));
    }

    /// Runs the embedded producer, then learns from its callbacks whether the write in flight
    /// was acknowledged (apply it and answer) or failed (answer with the store's error).
    fn with_producer(&mut self, sched: &mut Scheduler, f: impl FnOnce(&mut Producer, &mut Scheduler)) {
        let mark = sched.events.len();
        f(&mut self.producer, sched);
        let Some((seq, _)) = self.writing else { return };
        let outcome = sched.events[mark..].iter().find_map(|e| match e {
            Event::ProduceAcknowledged { producer, seqs, .. } if &**producer == NAME && seqs.contains(&seq) => Some(Ok(())),
            Event::ProduceFailed { producer, seqs, error, .. } if &**producer == NAME && seqs.contains(&seq) => Some(Err(error.clone())),
            _ => None,
        });
        let Some(outcome) = outcome else { return };
        let (_, write) = self.writing.take().expect("checked above");
        match (write, outcome) {
            (Write::Schema { reply, subject, version }, Ok(())) => {
                sched.emit(Event::SchemaRegistered {
                    subject: subject.clone(),
                    version: version.version,
                    id: version.id,
                });
                let id = version.id;
                self.subjects.entry(subject).or_default().push(version);
                answer(sched, reply, Ok(id));
            }
            (Write::Config { subject, level }, Ok(())) => {
                match &subject {
                    Some(s) => {
                        self.subject_levels.insert(s.clone(), level);
                    }
                    None => self.global = level,
                }
                sched.emit(Event::CompatibilitySet {
                    subject,
                    level: level.to_string(),
                });
            }
            (Write::Schema { reply, subject, .. }, Err(cause)) => {
                let e = refusal(500, 50001, format!("Register operation failed while writing to the Kafka store: {cause}"));
                sched.emit(Event::SchemaRefused {
                    subject,
                    http_status: 500,
                    error: e.to_string(),
                });
                answer(sched, reply, Err(e));
            }
            (Write::Config { subject, .. }, Err(cause)) => sched.emit(Event::SchemaRefused {
                subject: subject.unwrap_or_default(),
                http_status: 500,
                error: format!("Failed to update compatibility level: {cause}"),
            }),
        }
        self.next(sched);
    }
}

enum Decision {
    Known(u32),
    New(Version),
}

fn answer(sched: &mut Scheduler, reply: Option<(NodeId, u64)>, result: Result<u32, RegistryError>) {
    if let Some((to, correlation_id)) = reply {
        sched.send(SchemaRegistry::node(), to, Message::RegisterSchemaResponse { correlation_id, result });
    }
}
