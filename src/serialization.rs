//! Serializers and deserializers (`org.apache.kafka.common.serialization`): the
//! client turns a key or value into bytes on the way in and back on the way out;
//! brokers only ever store and copy bytes. Texts stand for the application's objects.

use crate::protocol::Bytes;
use serde::{Deserialize, Serialize};

/// A serializer/deserializer pair by Kafka's class name (or its short name here).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Serde {
    /// UTF-8 text.
    #[default]
    #[serde(
        rename = "string",
        alias = "org.apache.kafka.common.serialization.StringSerializer",
        alias = "org.apache.kafka.common.serialization.StringDeserializer"
    )]
    String,
    /// A Java int, 4 bytes big-endian.
    #[serde(
        rename = "integer",
        alias = "org.apache.kafka.common.serialization.IntegerSerializer",
        alias = "org.apache.kafka.common.serialization.IntegerDeserializer"
    )]
    Integer,
    /// A Java long, 8 bytes big-endian.
    #[serde(
        rename = "long",
        alias = "org.apache.kafka.common.serialization.LongSerializer",
        alias = "org.apache.kafka.common.serialization.LongDeserializer"
    )]
    Long,
    /// The bytes as they are (written here as hex).
    #[serde(
        rename = "bytearray",
        alias = "org.apache.kafka.common.serialization.ByteArraySerializer",
        alias = "org.apache.kafka.common.serialization.ByteArrayDeserializer"
    )]
    ByteArray,
    /// Plain JSON text, no schema.
    #[serde(rename = "json")]
    Json,
    /// Confluent's Avro serializer: the schema's id from the registry, then Avro binary.
    /// The client carries it out (`client::schema_registry_client`): it needs the registry.
    #[serde(
        rename = "avro",
        alias = "io.confluent.kafka.serializers.KafkaAvroSerializer",
        alias = "io.confluent.kafka.serializers.KafkaAvroDeserializer"
    )]
    Avro,
}

impl Serde {
    pub fn class(self, deserializer: bool) -> &'static str {
        match (self, deserializer) {
            (Serde::String, false) => "StringSerializer",
            (Serde::String, true) => "StringDeserializer",
            (Serde::Integer, false) => "IntegerSerializer",
            (Serde::Integer, true) => "IntegerDeserializer",
            (Serde::Long, false) => "LongSerializer",
            (Serde::Long, true) => "LongDeserializer",
            (Serde::ByteArray, false) => "ByteArraySerializer",
            (Serde::ByteArray, true) => "ByteArrayDeserializer",
            (Serde::Json, false) => "JsonSerializer",
            (Serde::Json, true) => "JsonDeserializer",
            (Serde::Avro, false) => "KafkaAvroSerializer",
            (Serde::Avro, true) => "KafkaAvroDeserializer",
        }
    }

    /// `Serializer.serialize`: the application's value (written as text) to bytes.
    pub fn serialize(self, text: &str) -> Result<Bytes, String> {
        let fail = |what: &str| Err(format!("SerializationException: {} cannot serialize \"{text}\": {what}", self.class(false)));
        let bytes = |v: Vec<u8>| Ok(Bytes::from(v));
        match self {
            Serde::String => Ok(Bytes::from(text.as_bytes())),
            Serde::Integer => match text.trim().parse::<i32>() {
                Ok(n) => Ok(Bytes::from(n.to_be_bytes().as_slice())),
                Err(_) => fail("not an Integer"),
            },
            Serde::Long => match text.trim().parse::<i64>() {
                Ok(n) => Ok(Bytes::from(n.to_be_bytes().as_slice())),
                Err(_) => fail("not a Long"),
            },
            Serde::ByteArray => decode_hex(text).map_or_else(|_| fail("not hex-encoded bytes"), bytes),
            Serde::Json => match serde_json::from_str::<serde_json::Value>(text) {
                Ok(v) => bytes(v.to_string().into_bytes()),
                Err(_) => fail("not JSON"),
            },
            Serde::Avro => fail("it needs a schema and a schema registry"),
        }
    }

    /// `Deserializer.deserialize`: bytes back to the application's value (as text).
    pub fn deserialize(self, bytes: &[u8]) -> Result<String, String> {
        match self {
            // `new String(bytes, UTF_8)`: bytes that are not UTF-8 become U+FFFD, no error.
            Serde::String => Ok(match std::str::from_utf8(bytes) {
                Ok(text) => text.to_owned(),
                Err(_) => String::from_utf8_lossy(bytes).into_owned(),
            }),
            Serde::Integer => match <[u8; 4]>::try_from(bytes) {
                Ok(b) => Ok(i32::from_be_bytes(b).to_string()),
                Err(_) => Err("SerializationException: Size of data received by IntegerDeserializer is not 4".into()),
            },
            Serde::Long => match <[u8; 8]>::try_from(bytes) {
                Ok(b) => Ok(i64::from_be_bytes(b).to_string()),
                Err(_) => Err("SerializationException: Size of data received by LongDeserializer is not 8".into()),
            },
            Serde::ByteArray => Ok(bytes.iter().map(|b| format!("{b:02x}")).collect()),
            Serde::Json => match serde_json::from_slice::<serde_json::Value>(bytes) {
                Ok(v) => Ok(v.to_string()),
                Err(e) => Err(format!("SerializationException: JsonDeserializer cannot read the bytes as JSON: {e}")),
            },
            Serde::Avro => Err("SerializationException: KafkaAvroDeserializer needs a schema registry".into()),
        }
    }
}

/// Hex text (`"6b31"`) as bytes: how a command or a config writes bytes that are not text.
pub fn decode_hex(s: &str) -> Result<Vec<u8>, String> {
    if !s.len().is_multiple_of(2) {
        return Err(format!("\"{s}\" has an odd number of hex digits"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2).ok_or("not ASCII")?, 16).map_err(|_| format!("\"{s}\" is not hex")))
        .collect()
}
