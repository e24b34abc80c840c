//! Avro for the registry: parsing schemas, the compatibility check (Java Avro's
//! `SchemaCompatibility`, see [`compatibility`](super::compatibility)), and encoding JSON records
//! in the wire format.

pub use super::compatibility::check_reader_writer;
use super::{frame, unframe, Compatibility, Incompatible};
use apache_avro::reader::datum::GenericDatumReader;
use apache_avro::types::Value;
use apache_avro::writer::datum::GenericDatumWriter;
pub use apache_avro::Schema;

pub fn parse(text: &str) -> Result<Schema, String> {
    Schema::parse_str(text).map_err(|e| format!("not a valid Avro schema: {e}"))
}

/// The text the registry stores and compares schemas by: Avro's normalized JSON, with
/// docs and defaults kept (unlike the Parsing Canonical Form, which drops them).
pub fn canonical(schema: &Schema) -> String {
    serde_json::to_string(schema).unwrap_or_default()
}

/// The registry's check of a new schema against the earlier versions (oldest first), as
/// Confluent's `SchemaValidatorBuilder` runs it: the latest only, or every earlier version newest
/// first for the `_TRANSITIVE` levels, stopping at the first that fails. Each check is Java Avro's
/// `SchemaCompatibility` ([`compatibility`](super::compatibility)): BACKWARD has the new schema
/// read the earlier one's data, FORWARD the earlier schema read the new one's, FULL both.
pub fn check(level: Compatibility, earlier: &[Schema], new: &Schema) -> Result<(), Incompatible> {
    if level == Compatibility::None {
        return Ok(());
    }
    let against: Vec<usize> = if level.transitive() {
        (0..earlier.len()).rev().collect()
    } else {
        earlier.len().checked_sub(1).into_iter().collect()
    };
    for i in against {
        let old = &earlier[i];
        let old_reads_new = if level.old_reads_new() { check_reader_writer(old, new) } else { Vec::new() };
        let new_reads_old = if level.new_reads_old() { check_reader_writer(new, old) } else { Vec::new() };
        if !old_reads_new.is_empty() || !new_reads_old.is_empty() {
            return Err(Incompatible {
                level,
                version: i + 1,
                old_schema: canonical(old),
                old_reads_new,
                new_reads_old,
            });
        }
    }
    Ok(())
}

/// A JSON record (Avro's JSON mapping; a nullable union may be given as a plain value or null)
/// as the serializer writes it: framed with the schema id.
pub fn encode(schema: &Schema, schema_id: u32, json: &str) -> Result<Vec<u8>, String> {
    let parsed: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    // Name the field at fault, as a person fixing the record needs.
    if let (Schema::Record(record), serde_json::Value::Object(fields)) = (schema, &parsed) {
        for field in &record.fields {
            match fields.get(&field.name) {
                None if field.default.is_none() => return Err(format!("field \"{}\" is missing and has no default", field.name)),
                None => {}
                Some(v) => {
                    Value::try_from(v.clone())
                        .map_err(|e| e.to_string())
                        .and_then(|v| v.resolve(&field.schema).map_err(|e| e.to_string()))
                        .map_err(|e| format!("field \"{}\" does not fit its type: {e}", field.name))?;
                }
            }
        }
    }
    let value = Value::try_from(parsed).map_err(|e| format!("not an Avro value: {e}"))?;
    let value = value.resolve(schema).map_err(|e| format!("does not fit the schema: {e}"))?;
    let writer = GenericDatumWriter::builder(schema).build().map_err(|e| e.to_string())?;
    let body = writer.write_value_to_vec(value).map_err(|e| format!("does not fit the schema: {e}"))?;
    Ok(frame(schema_id, &body))
}

/// Reads framed bytes written with `writer` as the `reader` schema sees them (schema resolution).
pub fn decode(bytes: &[u8], writer: &Schema, reader: &Schema) -> Result<serde_json::Value, String> {
    let (_, mut body) = unframe(bytes)?;
    let r = GenericDatumReader::builder(writer).reader_schema(reader).build().map_err(|e| e.to_string())?;
    let value = r
        .read_value(&mut body)
        .map_err(|e| format!("SerializationException: Error deserializing Avro message: {e}"))?;
    serde_json::Value::try_from(value).map_err(|e| e.to_string())
}
