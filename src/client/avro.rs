//! Avro as the serializers run it (`KafkaAvroSerializer`, `KafkaAvroDeserializer`, Confluent's
//! `AvroSchema`): parsing schemas, the form the registry stores them in, and encoding JSON records
//! in the wire format and back. The compatibility check is the registry's own
//! (`schema_registry::avro::check`).

use super::schema_registry_client::{frame, unframe};
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
