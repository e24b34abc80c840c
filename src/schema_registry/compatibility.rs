//! Reader/writer compatibility exactly as Java Avro's `org.apache.avro.SchemaCompatibility`
//! (`ReaderWriterCompatibilityChecker`) decides it, since that is what Confluent's registry runs.
//! The `apache-avro` crate's own checker answers "compatible" in places where Java does not
//! (a writer union read by a non-union reader, enum symbols added without a reader default, ...),
//! so the registry uses this walk instead; the crate still parses, encodes and decodes.
//!
//! What is reproduced, rule by rule:
//! - Types are compared as Java's `Schema.getType()` sees them: a logical type is its underlying
//!   type (`date` is INT, `timestamp-millis` LONG, a `decimal` BYTES or FIXED, `uuid` STRING).
//! - Same type: primitives match; arrays compare `items`, maps `values`; fixed, enum and record
//!   first compare names (`schemaNameEquals`: the *unqualified* names, or a reader alias equal to
//!   the writer's full name), then the size, the symbols (a reader enum default that is one of its
//!   symbols covers any missing symbol), or the fields (a reader field matched by name or alias; one
//!   missing from the writer needs a default; a reader enum field with an enum default and no field
//!   default is checked against the writer *record*, as Java does); union against union: each writer
//!   branch must be readable by the reader union (MISSING_UNION_BRANCH at the branch index).
//! - Different types: a writer union needs every branch readable (checked at `/<index>`);
//!   `int`→`long`/`float`/`double`, `long`→`float`/`double`, `float`→`double`, `string`↔`bytes` are
//!   promotions; a reader union needs one branch that reads the writer; anything else is TYPE_MISMATCH.
//! - Every incompatibility is collected, in Java's order, with Java's message and location (a JSON
//!   pointer). Checks of union branches start a fresh location, as Java's two-argument
//!   `getCompatibility` does, and results are memoized per (reader, writer) pair, named types by
//!   name; a pair met again while it is being checked (a recursive type) counts as compatible.

use super::{Incompatibility, IncompatibilityType};
use apache_avro::schema::{EnumSchema, FixedSchema, InnerDecimalSchema, Name, NamesRef, RecordSchema, ResolvedSchema, UuidSchema};
use apache_avro::Schema;
use std::collections::{BTreeMap, BTreeSet};

/// `SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult().getIncompatibilities()`:
/// empty when the reader can read everything the writer writes.
pub fn check_reader_writer(reader: &Schema, writer: &Schema) -> Vec<Incompatibility> {
    let reader_names = ResolvedSchema::new(reader).map(|r| r.get_names().clone()).unwrap_or_default();
    let writer_names = ResolvedSchema::new(writer).map(|r| r.get_names().clone()).unwrap_or_default();
    let mut checker = Checker {
        reader_names: &reader_names,
        writer_names: &writer_names,
        memo: BTreeMap::new(),
    };
    checker
        .fresh(reader, writer)
        .into_iter()
        .map(|i| Incompatibility {
            kind: i.kind,
            message: i.message,
            location: pointer(&i.location),
        })
        .collect()
}

/// `Incompatibility.getLocation()`: the root token is dropped, the rest joined as a JSON pointer.
fn pointer(location: &[String]) -> String {
    let tokens: Vec<String> = location.iter().skip(1).map(|t| t.replace('~', "~0").replace('/', "~1")).collect();
    format!("/{}", tokens.join("/"))
}

#[derive(Clone)]
struct Found {
    kind: IncompatibilityType,
    message: String,
    location: Vec<String>,
}

/// A schema as Java sees it (`Schema.getType()` and the parts the checker reads).
#[derive(Clone, Copy)]
enum Java<'a> {
    Null,
    Boolean,
    Int,
    Long,
    Float,
    Double,
    Bytes,
    String,
    Array(&'a Schema),
    Map(&'a Schema),
    Union(&'a [Schema]),
    Record(&'a RecordSchema),
    Enum(&'a EnumSchema),
    Fixed(&'a FixedSchema),
    /// A reference the parser left unresolved (cannot happen for a schema that parsed).
    Unknown,
}

impl Java<'_> {
    fn type_name(self) -> &'static str {
        match self {
            Java::Null => "NULL",
            Java::Boolean => "BOOLEAN",
            Java::Int => "INT",
            Java::Long => "LONG",
            Java::Float => "FLOAT",
            Java::Double => "DOUBLE",
            Java::Bytes => "BYTES",
            Java::String => "STRING",
            Java::Array(_) => "ARRAY",
            Java::Map(_) => "MAP",
            Java::Union(_) => "UNION",
            Java::Record(_) => "RECORD",
            Java::Enum(_) => "ENUM",
            Java::Fixed(_) => "FIXED",
            Java::Unknown => "UNKNOWN",
        }
    }
}

fn named<'a>(j: Java<'a>) -> Option<(&'a Name, Option<&'a Vec<apache_avro::schema::Alias>>)> {
    match j {
        Java::Record(r) => Some((&r.name, r.aliases.as_ref())),
        Java::Enum(e) => Some((&e.name, e.aliases.as_ref())),
        Java::Fixed(f) => Some((&f.name, f.aliases.as_ref())),
        _ => None,
    }
}

fn lower<'a>(schema: &'a Schema, names: &NamesRef<'a>) -> Java<'a> {
    match schema {
        Schema::Null => Java::Null,
        Schema::Boolean => Java::Boolean,
        Schema::Int | Schema::Date | Schema::TimeMillis => Java::Int,
        Schema::Long
        | Schema::TimeMicros
        | Schema::TimestampMillis
        | Schema::TimestampMicros
        | Schema::TimestampNanos
        | Schema::LocalTimestampMillis
        | Schema::LocalTimestampMicros
        | Schema::LocalTimestampNanos => Java::Long,
        Schema::Float => Java::Float,
        Schema::Double => Java::Double,
        Schema::Bytes | Schema::BigDecimal => Java::Bytes,
        Schema::String => Java::String,
        Schema::Array(a) => Java::Array(&a.items),
        Schema::Map(m) => Java::Map(&m.types),
        Schema::Union(u) => Java::Union(u.variants()),
        Schema::Record(r) => Java::Record(r),
        Schema::Enum(e) => Java::Enum(e),
        Schema::Fixed(f) | Schema::Duration(f) => Java::Fixed(f),
        Schema::Decimal(d) => match &d.inner {
            InnerDecimalSchema::Bytes => Java::Bytes,
            InnerDecimalSchema::Fixed(f) => Java::Fixed(f),
        },
        Schema::Uuid(u) => match u {
            UuidSchema::String => Java::String,
            UuidSchema::Bytes => Java::Bytes,
            UuidSchema::Fixed(f) => Java::Fixed(f),
        },
        Schema::Ref { name } => match names.get(name) {
            Some(s) if !matches!(s, Schema::Ref { .. }) => lower(s, names),
            _ => Java::Unknown,
        },
    }
}

/// Java memoizes by object identity: a named type is one object however often it is referenced,
/// anything else is its own node.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Named(String),
    Node(usize),
}

fn key(schema: &Schema, lowered: Java<'_>) -> Key {
    match named(lowered) {
        Some((name, _)) => Key::Named(name.fullname(None)),
        None => Key::Node(schema as *const Schema as usize),
    }
}

enum Memo {
    InProgress,
    Done(Vec<Found>),
}

struct Checker<'n, 's> {
    reader_names: &'n NamesRef<'s>,
    writer_names: &'n NamesRef<'s>,
    memo: BTreeMap<(Key, Key), Memo>,
}

fn found(kind: IncompatibilityType, message: String, location: &[String]) -> Vec<Found> {
    vec![Found {
        kind,
        message,
        location: location.to_vec(),
    }]
}

impl<'n, 's> Checker<'n, 's> {
    /// The two-argument `getCompatibility(reader, writer)`: a new location stack.
    fn fresh(&mut self, reader: &'s Schema, writer: &'s Schema) -> Vec<Found> {
        self.get(String::new(), reader, writer, &mut Vec::new())
    }

    /// `getCompatibility(referenceToken, reader, writer, location)`.
    fn get(&mut self, token: String, reader: &'s Schema, writer: &'s Schema, location: &mut Vec<String>) -> Vec<Found> {
        location.push(token);
        let (r, w) = (lower(reader, self.reader_names), lower(writer, self.writer_names));
        let pair = (key(reader, r), key(writer, w));
        let result = match self.memo.get(&pair) {
            Some(Memo::InProgress) => Vec::new(),
            Some(Memo::Done(result)) => result.clone(),
            None => {
                self.memo.insert(pair.clone(), Memo::InProgress);
                let result = self.calculate(reader, writer, r, w, location);
                self.memo.insert(pair, Memo::Done(result.clone()));
                result
            }
        };
        location.pop();
        result
    }

    /// `calculateCompatibility`.
    fn calculate(&mut self, reader: &'s Schema, writer: &'s Schema, r: Java<'s>, w: Java<'s>, location: &mut Vec<String>) -> Vec<Found> {
        use Java::*;
        match (r, w) {
            (Unknown, _) | (_, Unknown) => type_mismatch(r, w, location),
            (Null, Null) | (Boolean, Boolean) | (Int, Int) | (Long, Long) | (Float, Float) | (Double, Double) | (Bytes, Bytes) | (String, String) => Vec::new(),
            (Array(ri), Array(wi)) => self.get("items".into(), ri, wi, location),
            (Map(rv), Map(wv)) => self.get("values".into(), rv, wv, location),
            (Fixed(rf), Fixed(wf)) => {
                let mut result = check_names(r, w, location);
                location.push("size".into());
                if rf.size != wf.size {
                    result.extend(found(
                        IncompatibilityType::FixedSizeMismatch,
                        format!("expected: {}, found: {}", wf.size, rf.size),
                        location,
                    ));
                }
                location.pop();
                result
            }
            (Enum(re), Enum(we)) => {
                let mut result = check_names(r, w, location);
                location.push("symbols".into());
                let missing: BTreeSet<&str> = we.symbols.iter().map(|s| s.as_str()).filter(|s| !re.symbols.iter().any(|x| x == s)).collect();
                let covered = re.default.as_ref().is_some_and(|d| re.symbols.contains(d));
                if !missing.is_empty() && !covered {
                    let list: Vec<&str> = missing.into_iter().collect();
                    result.extend(found(IncompatibilityType::MissingEnumSymbols, format!("[{}]", list.join(", ")), location));
                }
                location.pop();
                result
            }
            (Record(rr), Record(wr)) => {
                let mut result = check_names(r, w, location);
                result.extend(self.record_fields(rr, wr, writer, location));
                result
            }
            (Union(_), Union(writer_branches)) => {
                let mut result = Vec::new();
                for (i, branch) in writer_branches.iter().enumerate() {
                    location.push(i.to_string());
                    if !self.fresh(reader, branch).is_empty() {
                        let branch_type = lower(branch, self.writer_names).type_name();
                        result.extend(found(
                            IncompatibilityType::MissingUnionBranch,
                            format!("reader union lacking writer type: {branch_type}"),
                            location,
                        ));
                    }
                    location.pop();
                }
                result
            }
            (_, Union(writer_branches)) => {
                let mut result = Vec::new();
                for (i, branch) in writer_branches.iter().enumerate() {
                    result.extend(self.get(i.to_string(), reader, branch, location));
                }
                result
            }
            (Long, Int) | (Float, Int | Long) | (Double, Int | Long | Float) | (Bytes, String) | (String, Bytes) => Vec::new(),
            (Union(reader_branches), _) => {
                for branch in reader_branches {
                    if self.fresh(branch, writer).is_empty() {
                        return Vec::new();
                    }
                }
                found(
                    IncompatibilityType::MissingUnionBranch,
                    format!("reader union lacking writer type: {}", w.type_name()),
                    location,
                )
            }
            _ => type_mismatch(r, w, location),
        }
    }

    /// `checkReaderWriterRecordFields`.
    fn record_fields(&mut self, reader: &'s RecordSchema, writer: &'s RecordSchema, writer_schema: &'s Schema, location: &mut Vec<String>) -> Vec<Found> {
        let mut result = Vec::new();
        location.push("fields".into());
        for (pos, field) in reader.fields.iter().enumerate() {
            location.push(pos.to_string());
            // lookupWriterField: by name, then by each reader alias. Java throws when the name and
            // an alias both match (different) writer fields; the first match is taken here.
            let writer_field = writer
                .fields
                .iter()
                .find(|f| f.name == field.name)
                .or_else(|| field.aliases.iter().find_map(|a| writer.fields.iter().find(|f| &f.name == a)));
            match writer_field {
                Some(wf) => result.extend(self.get("type".into(), &field.schema, &wf.schema, location)),
                None if field.default.is_some() => {}
                None => {
                    let enum_default = matches!(lower(&field.schema, self.reader_names), Java::Enum(e) if e.default.is_some());
                    if enum_default {
                        result.extend(self.get("type".into(), &field.schema, writer_schema, location));
                    } else {
                        result.extend(found(IncompatibilityType::ReaderFieldMissingDefaultValue, field.name.clone(), location));
                    }
                }
            }
            location.pop();
        }
        location.pop();
        result
    }
}

/// `checkSchemaNames` / `schemaNameEquals`: unqualified names equal, or a reader alias naming the writer.
fn check_names(r: Java<'_>, w: Java<'_>, location: &mut Vec<String>) -> Vec<Found> {
    let (Some((reader_name, aliases)), Some((writer_name, _))) = (named(r), named(w)) else {
        return Vec::new();
    };
    let writer_full = writer_name.fullname(None);
    let same = reader_name.name() == writer_name.name() || aliases.is_some_and(|a| a.iter().any(|alias| alias.fullname(None) == writer_full));
    location.push("name".into());
    let result = if same {
        Vec::new()
    } else {
        found(IncompatibilityType::NameMismatch, format!("expected: {writer_full}"), location)
    };
    location.pop();
    result
}

fn type_mismatch(r: Java<'_>, w: Java<'_>, location: &[String]) -> Vec<Found> {
    found(
        IncompatibilityType::TypeMismatch,
        format!("reader type: {} not compatible with writer type: {}", r.type_name(), w.type_name()),
        location,
    )
}
