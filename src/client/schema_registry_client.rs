//! The clients' side of the registry (Confluent's `kafka-schema-registry-client`, as
//! `KafkaAvroSerializer` and `KafkaAvroDeserializer` use it): where the registry is, the wire
//! format, the configured `AvroSchema`s, and `CachedSchemaRegistryClient`, which asks a schema's
//! id once per subject and a writer's schema once per id and caches both. The producer or
//! consumer sends the questions and hands the answers back; this module only decides. It lives
//! with the clients, below the registry, because the registry's own store is a client too.

use super::avro::{self, Schema};
use crate::protocol::{Bytes, Message, NodeId, RegistryError};
use crate::runtime::TimerKey;
use std::collections::BTreeMap;
use std::rc::Rc;

/// The registry's node name (`schema.registry.url`): a world has at most one registry.
pub const NAME: &str = "schema-registry";

/// Where the serializers send their questions.
pub fn registry_node() -> NodeId {
    NodeId::Client(NAME.into())
}

/// The subject a topic's keys or values are registered under (`TopicNameStrategy`).
pub fn subject(topic: &str, is_key: bool) -> String {
    format!("{topic}-{}", if is_key { "key" } else { "value" })
}

/// Confluent's framing: magic byte 0, the schema id as a 4-byte big-endian int, then the body.
pub fn frame(schema_id: u32, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + body.len());
    out.push(0);
    out.extend_from_slice(&schema_id.to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// Splits framed bytes into (schema id, body); errors as the deserializer reports them.
pub fn unframe(bytes: &[u8]) -> Result<(u32, &[u8]), String> {
    match bytes {
        [0, a, b, c, d, body @ ..] => Ok((u32::from_be_bytes([*a, *b, *c, *d]), body)),
        [] => Err("SerializationException: Unknown magic byte! (no bytes)".into()),
        _ if bytes.len() < 5 => Err("SerializationException: Unknown magic byte! (fewer than 5 bytes)".into()),
        _ => Err("SerializationException: Unknown magic byte!".into()),
    }
}

/// A schema as the application's record class carries it: parsed, and as the registry stores it.
#[derive(Clone, Debug)]
pub struct AvroSchema {
    pub schema: Schema,
    pub canonical: Rc<str>,
}

impl AvroSchema {
    /// From a config value: the schema as JSON, or a string holding it.
    pub fn from_config(value: &serde_json::Value) -> Result<AvroSchema, String> {
        let schema = avro::parse(&schema_text(value))?;
        Ok(AvroSchema {
            canonical: avro::canonical(&schema).into(),
            schema,
        })
    }
}

/// The Avro schemas a configuration gives for the key and the value (checked when it was
/// accepted): the producer's writer schemas, the consumer's reader schemas.
pub fn configured_schemas(key: &Option<serde_json::Value>, value: &Option<serde_json::Value>) -> [Option<AvroSchema>; 2] {
    [key, value].map(|v| v.as_ref().and_then(|v| AvroSchema::from_config(v).ok()))
}

/// A schema given in a configuration or command: the schema as JSON, or a string holding it.
pub fn schema_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// What a client asked the registry.
#[derive(Clone, Debug, PartialEq)]
pub enum Asked {
    Id { subject: String, schema: Rc<str> },
    Schema(u32),
}

impl Asked {
    pub fn request(&self, correlation_id: u64, register: bool) -> Message {
        match self {
            Asked::Id { subject, schema } => Message::RegisterSchemaRequest {
                correlation_id,
                subject: subject.clone(),
                schema: schema.clone(),
                register,
            },
            Asked::Schema(id) => Message::SchemaByIdRequest { correlation_id, id: *id },
        }
    }
}

/// One step of (de)serializing: done, waiting for an answer already asked for, or a question to ask.
#[derive(Debug)]
pub enum Step<T> {
    Done(Result<T, String>),
    Wait,
    Ask(Asked),
}

#[derive(Clone, Debug, Default)]
pub struct CachedSchemaRegistryClient {
    ids: BTreeMap<(String, Rc<str>), u32>,
    schemas: BTreeMap<u32, Result<Schema, String>>,
    asked: BTreeMap<u64, (Asked, TimerKey)>,
}

impl CachedSchemaRegistryClient {
    pub fn is_asking(&self, question: &Asked) -> bool {
        self.asked.values().any(|(a, _)| a == question)
    }

    fn step_for<T>(&self, question: Asked) -> Step<T> {
        if self.is_asking(&question) {
            Step::Wait
        } else {
            Step::Ask(question)
        }
    }

    /// `KafkaAvroSerializer.serialize`: the subject's id for the schema (registered, or looked
    /// up with `auto.register.schemas=false`), then magic byte, id and the Avro body.
    pub fn serialize(&self, topic: &str, is_key: bool, schema: &AvroSchema, json: &str) -> Step<Bytes> {
        let subject = subject(topic, is_key);
        match self.ids.get(&(subject.clone(), schema.canonical.clone())) {
            Some(id) => Step::Done(
                avro::encode(&schema.schema, *id, json)
                    .map(Bytes::from)
                    .map_err(|e| format!("SerializationException: Error serializing Avro message: {e}")),
            ),
            None => self.step_for(Asked::Id {
                subject,
                schema: schema.canonical.clone(),
            }),
        }
    }

    /// `KafkaAvroDeserializer.deserialize`: the writer's schema by the id in the bytes, then
    /// Avro's resolution into the reader's schema (the writer's own when there is none).
    pub fn deserialize(&self, bytes: &[u8], reader: Option<&AvroSchema>) -> Step<String> {
        let id = match unframe(bytes) {
            Ok((id, _)) => id,
            Err(e) => return Step::Done(Err(e)),
        };
        match self.schemas.get(&id) {
            Some(Ok(writer)) => Step::Done(avro::decode(bytes, writer, reader.map_or(writer, |r| &r.schema)).map(|v| v.to_string())),
            Some(Err(e)) => Step::Done(Err(format!("SerializationException: Error retrieving Avro schema for id {id}: {e}"))),
            None => self.step_for(Asked::Schema(id)),
        }
    }

    pub fn asking(&mut self, correlation_id: u64, question: Asked, timer: TimerKey) {
        self.asked.insert(correlation_id, (question, timer));
    }

    /// A question that went unanswered (timeout, refused connection): forgotten, to be asked again.
    pub fn forget(&mut self, correlation_id: u64) -> Option<(Asked, TimerKey)> {
        self.asked.remove(&correlation_id)
    }

    /// Takes the registry's answer. Returns the question's timer, and the registry's
    /// refusal of a schema the serializer needed an id for.
    pub fn learn(&mut self, msg: &Message) -> Option<(TimerKey, Result<(), RegistryError>)> {
        match msg {
            Message::RegisterSchemaResponse { correlation_id, result } => {
                let (asked, timer) = self.asked.remove(correlation_id)?;
                let Asked::Id { subject, schema } = asked else { return None };
                match result {
                    Ok(id) => {
                        self.ids.insert((subject, schema), *id);
                        Some((timer, Ok(())))
                    }
                    Err(e) => Some((timer, Err(e.clone()))),
                }
            }
            Message::SchemaByIdResponse { correlation_id, id, result } => {
                let (_, timer) = self.asked.remove(correlation_id)?;
                let schema = match result {
                    Ok(text) => avro::parse(text),
                    Err(e) => Err(e.to_string()),
                };
                self.schemas.insert(*id, schema);
                Some((timer, Ok(())))
            }
            _ => None,
        }
    }
}
