//! The schema registry's rules (Confluent Schema Registry's model): compatibility
//! levels checked with Avro's own reader/writer resolution, and the wire format its
//! serializers use. Avro comes from the `apache-avro` crate, behind the `avro` feature,
//! so the page's first load can leave it out.

use serde::{Deserialize, Serialize};
use std::fmt;

#[cfg(feature = "avro")]
pub mod avro;
#[cfg(not(feature = "avro"))]
#[path = "no_avro.rs"]
pub mod avro;
pub mod client;
pub mod server;

/// Why a build without the `avro` feature refuses schemas.
pub const NO_AVRO: &str = "this build of the engine has no Avro; the page loads the build with Avro when a run uses schemas";

/// A subject's compatibility level; BACKWARD is the registry's default.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Compatibility {
    #[default]
    Backward,
    BackwardTransitive,
    Forward,
    ForwardTransitive,
    Full,
    FullTransitive,
    None,
}

impl Compatibility {
    pub fn from_name(s: &str) -> Result<Compatibility, String> {
        serde_json::from_value(serde_json::Value::String(s.to_ascii_uppercase())).map_err(|_| {
            format!("unknown compatibility level \"{s}\" (BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE, NONE)")
        })
    }

    /// Whether a new schema is checked against every earlier version or the latest only.
    pub fn transitive(self) -> bool {
        matches!(
            self,
            Compatibility::BackwardTransitive | Compatibility::ForwardTransitive | Compatibility::FullTransitive
        )
    }

    /// BACKWARD: the new schema reads data written with the earlier one.
    pub fn new_reads_old(self) -> bool {
        matches!(
            self,
            Compatibility::Backward | Compatibility::BackwardTransitive | Compatibility::Full | Compatibility::FullTransitive
        )
    }

    /// FORWARD: the earlier schema reads data written with the new one.
    pub fn old_reads_new(self) -> bool {
        matches!(
            self,
            Compatibility::Forward | Compatibility::ForwardTransitive | Compatibility::Full | Compatibility::FullTransitive
        )
    }
}

impl fmt::Display for Compatibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            serde_json::to_value(self)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .as_deref()
                .unwrap_or("?"),
        )
    }
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
