//! The schema registry's rules (Confluent Schema Registry's model): compatibility
//! levels checked as Java Avro's `SchemaCompatibility` checks them (see [`compatibility`]).
//! Avro parsing and encoding come from the `apache-avro` crate, behind the `avro` feature,
//! so the page's first load can leave it out; the serializers' use of it, and the wire
//! format, are the clients' (`client::avro`, `client::schema_registry_client`).

use serde::{Deserialize, Serialize};
use std::fmt;

#[cfg(feature = "avro")]
pub mod avro;
#[cfg(not(feature = "avro"))]
#[path = "no_avro.rs"]
pub mod avro;
#[cfg(feature = "avro")]
pub mod compatibility;
pub mod server;

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

/// Java Avro's `SchemaCompatibility.SchemaIncompatibilityType`: why a reader cannot read a writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IncompatibilityType {
    NameMismatch,
    FixedSizeMismatch,
    MissingEnumSymbols,
    ReaderFieldMissingDefaultValue,
    TypeMismatch,
    MissingUnionBranch,
}

impl IncompatibilityType {
    /// The Java enum constant's name, e.g. `READER_FIELD_MISSING_DEFAULT_VALUE`.
    pub fn java_name(self) -> &'static str {
        match self {
            IncompatibilityType::NameMismatch => "NAME_MISMATCH",
            IncompatibilityType::FixedSizeMismatch => "FIXED_SIZE_MISMATCH",
            IncompatibilityType::MissingEnumSymbols => "MISSING_ENUM_SYMBOLS",
            IncompatibilityType::ReaderFieldMissingDefaultValue => "READER_FIELD_MISSING_DEFAULT_VALUE",
            IncompatibilityType::TypeMismatch => "TYPE_MISMATCH",
            IncompatibilityType::MissingUnionBranch => "MISSING_UNION_BRANCH",
        }
    }
}

impl fmt::Display for IncompatibilityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.java_name())
    }
}

/// One `SchemaCompatibility.Incompatibility`: its type, Java's message (`getMessage()`: the
/// missing field's name, `[C]` for enum symbols, `expected: 8, found: 4`, ...) and the JSON
/// pointer to where it was found (`getLocation()`: `/`, `/fields/1/type`, ...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incompatibility {
    pub kind: IncompatibilityType,
    pub message: String,
    pub location: String,
}

impl Incompatibility {
    /// Confluent's `Difference.error()` with the `%s` filled in: `reader` and `writer` are "new"
    /// and "old" (the new schema reads old data: BACKWARD) or "old" and "new" (FORWARD).
    pub fn confluent(&self, reader: &str, writer: &str) -> String {
        let (path, info) = (&self.location, &self.message);
        let description = match self.kind {
            IncompatibilityType::FixedSizeMismatch => {
                format!("The size of FIXED type field at path '{path}' in the {reader} schema does not match with the {writer} schema")
            }
            IncompatibilityType::TypeMismatch => {
                format!("The type (path '{path}') of a field in the {reader} schema does not match with the {writer} schema")
            }
            IncompatibilityType::NameMismatch => format!("The name of the schema has changed (path '{path}')"),
            IncompatibilityType::MissingEnumSymbols => {
                format!("The {reader} schema is missing enum symbols '{info}' at path '{path}' in the {writer} schema")
            }
            IncompatibilityType::MissingUnionBranch => {
                format!("The {reader} schema is missing a type inside a union field at path '{path}' in the {writer} schema")
            }
            IncompatibilityType::ReaderFieldMissingDefaultValue => {
                format!("The field '{info}' at path '{path}' in the {reader} schema has no default value and is missing in the {writer} schema")
            }
        };
        format!("{{errorType:'{}', description:'{description}', additionalInfo:'{info}'}}", self.kind)
    }
}

/// Why the registry refuses a new schema: the earlier version it failed against (Confluent checks
/// the newest first and stops at the first that fails) and what Java's `SchemaCompatibility` found
/// in each direction. `Display` gives Confluent's `details: [...]` list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incompatible {
    pub level: Compatibility,
    /// 1-based version of the earlier schema that failed.
    pub version: usize,
    /// That schema's text, as the registry stores it.
    pub old_schema: String,
    /// The earlier schema reading data written with the new one (FORWARD, FULL).
    pub old_reads_new: Vec<Incompatibility>,
    /// The new schema reading data written with the earlier one (BACKWARD, FULL).
    pub new_reads_old: Vec<Incompatibility>,
}

/// Confluent's `SchemaValidatorBuilder.MAX_SCHEMA_SIZE_FOR_LOGGING`.
const MAX_SCHEMA_SIZE_FOR_LOGGING: usize = 10 * 1024;

impl Incompatible {
    /// The first incompatibility in Confluent's order (FULL lists the FORWARD direction first).
    pub fn first(&self) -> &Incompatibility {
        self.old_reads_new
            .first()
            .or(self.new_reads_old.first())
            .expect("an Incompatible holds at least one incompatibility")
    }

    /// How many incompatibilities were found against that version, in both directions.
    pub fn count(&self) -> usize {
        self.old_reads_new.len() + self.new_reads_old.len()
    }

    /// One line: `TYPE at PATH: Java's message (who cannot read whom)`, as `kafkascope schema check` prints it.
    pub fn summary(&self) -> String {
        let first = self.first();
        let who = if self.old_reads_new.first() == Some(first) {
            format!("version {} cannot read data written with the new schema", self.version)
        } else {
            format!("the new schema cannot read data written with version {}", self.version)
        };
        let more = match self.count() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        format!("{} at {}: {} ({who}){more}", first.kind, first.location, first.message)
    }

    /// Confluent's list: each incompatibility, then `{oldSchemaVersion: N}`, `{oldSchema: '...'}`
    /// (after the BACKWARD direction's, or the FORWARD one's when the level only reads forward),
    /// then `{validateFields: 'false', compatibility: 'LEVEL'}` (`SchemaValidatorBuilder`,
    /// `KafkaSchemaRegistry`).
    pub fn details(&self) -> Vec<String> {
        let mut out = Vec::new();
        let old = if self.old_schema.len() <= MAX_SCHEMA_SIZE_FOR_LOGGING {
            format!("{{oldSchema: '{}'}}", self.old_schema)
        } else {
            let mut cut = MAX_SCHEMA_SIZE_FOR_LOGGING;
            while !self.old_schema.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{{oldSchema: <truncated> '{}...'}}", &self.old_schema[..cut])
        };
        let mut group = |found: &[Incompatibility], reader: &str, writer: &str, append: bool| {
            if found.is_empty() {
                return;
            }
            out.extend(found.iter().map(|i| i.confluent(reader, writer)));
            if append {
                out.push(format!("{{oldSchemaVersion: {}}}", self.version));
                out.push(old.clone());
            }
        };
        group(&self.old_reads_new, "old", "new", !self.level.new_reads_old());
        group(&self.new_reads_old, "new", "old", true);
        out.push(format!("{{validateFields: 'false', compatibility: '{}'}}", self.level));
        out
    }
}

impl fmt::Display for Incompatible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]", self.details().join(", "))
    }
}

impl std::error::Error for Incompatible {}
