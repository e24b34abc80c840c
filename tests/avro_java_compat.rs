//! Java Avro's own compatibility test cases, translated: the reader/writer pairs and expected
//! answers (type, message, location) of `TestSchemaCompatibility*.java` and the pairs and
//! validator cases of `TestSchemaValidation.java` (apache/avro, lang/java/avro/src/test/java/
//! org/apache/avro/), run against the registry's checker. Only the inputs and expected outcomes
//! come from there; each test names the Java test it translates.
//!
//! Adaptations: Java builds some schemas in code; here they are the JSON they print as. An
//! anonymous Java record (`Schema.createRecord(null, ...)`) gets the name "Record" on both sides.
#![cfg(feature = "avro")]

use kafkascope::client::avro::{parse, Schema};
use kafkascope::schema_registry::avro::{check, check_reader_writer};
use kafkascope::schema_registry::{Compatibility, IncompatibilityType::*};
use kafkascope::schema_registry::{Incompatibility, IncompatibilityType};

/// The schemas of Java Avro's `TestSchemas` (lang/java/avro/src/test/java/org/apache/avro/TestSchemas.java),
/// as the JSON they stand for, under their Java constant names.
fn fixture(name: &str) -> &'static str {
    match name {
        "NULL_SCHEMA" => r#""null""#,
        "BOOLEAN_SCHEMA" => r#""boolean""#,
        "INT_SCHEMA" => r#""int""#,
        "LONG_SCHEMA" => r#""long""#,
        "FLOAT_SCHEMA" => r#""float""#,
        "DOUBLE_SCHEMA" => r#""double""#,
        "STRING_SCHEMA" => r#""string""#,
        "BYTES_SCHEMA" => r#""bytes""#,
        "INT_ARRAY_SCHEMA" => r#"{"type": "array", "items": "int"}"#,
        "LONG_ARRAY_SCHEMA" => r#"{"type": "array", "items": "long"}"#,
        "STRING_ARRAY_SCHEMA" => r#"{"type": "array", "items": "string"}"#,
        "INT_MAP_SCHEMA" => r#"{"type": "map", "values": "int"}"#,
        "LONG_MAP_SCHEMA" => r#"{"type": "map", "values": "long"}"#,
        "STRING_MAP_SCHEMA" => r#"{"type": "map", "values": "string"}"#,
        "ENUM1_AB_SCHEMA" => r#"{"type": "enum", "name": "Enum1", "symbols": ["A", "B"]}"#,
        "ENUM1_AB_SCHEMA_DEFAULT" => r#"{"type": "enum", "name": "Enum1", "symbols": ["A", "B"], "default": "A"}"#,
        "ENUM1_AB_SCHEMA_NAMESPACE_1" => r#"{"type": "enum", "name": "Enum1", "namespace": "namespace1", "symbols": ["A", "B"]}"#,
        "ENUM1_AB_SCHEMA_NAMESPACE_2" => r#"{"type": "enum", "name": "Enum1", "namespace": "namespace2", "symbols": ["A", "B"]}"#,
        "ENUM1_ABC_SCHEMA" => r#"{"type": "enum", "name": "Enum1", "symbols": ["A", "B", "C"]}"#,
        "ENUM1_BC_SCHEMA" => r#"{"type": "enum", "name": "Enum1", "symbols": ["B", "C"]}"#,
        "ENUM2_AB_SCHEMA" => r#"{"type": "enum", "name": "Enum2", "symbols": ["A", "B"]}"#,
        "ENUM_ABC_ENUM_DEFAULT_A_SCHEMA" => r#"{"type": "enum", "name": "Enum", "symbols": ["A", "B", "C"], "default": "A"}"#,
        "ENUM_AB_ENUM_DEFAULT_A_SCHEMA" => r#"{"type": "enum", "name": "Enum", "symbols": ["A", "B"], "default": "A"}"#,
        "ENUM_ABC_ENUM_DEFAULT_A_RECORD" => {
            r#"{"type": "record", "name": "Record", "fields": [{"name": "Field", "type": {"type": "enum", "name": "Schema", "symbols": ["A", "B", "C"], "default": "A"}}]}"#
        }
        "ENUM_AB_ENUM_DEFAULT_A_RECORD" => {
            r#"{"type": "record", "name": "Record", "fields": [{"name": "Field", "type": {"type": "enum", "name": "Schema", "symbols": ["A", "B"], "default": "A"}}]}"#
        }
        "ENUM_ABC_FIELD_DEFAULT_B_ENUM_DEFAULT_A_RECORD" => {
            r#"{"type": "record", "name": "Record", "fields": [{"name": "Field", "type": {"type": "enum", "name": "Schema", "symbols": ["A", "B", "C"], "default": "A"}, "default": "B"}]}"#
        }
        "ENUM_AB_FIELD_DEFAULT_A_ENUM_DEFAULT_B_RECORD" => {
            r#"{"type": "record", "name": "Record", "fields": [{"name": "Field", "type": {"type": "enum", "name": "Schema", "symbols": ["A", "B"], "default": "B"}, "default": "A"}]}"#
        }
        "EMPTY_UNION_SCHEMA" => r#"[]"#,
        "NULL_UNION_SCHEMA" => r#"["null"]"#,
        "INT_UNION_SCHEMA" => r#"["int"]"#,
        "LONG_UNION_SCHEMA" => r#"["long"]"#,
        "FLOAT_UNION_SCHEMA" => r#"["float"]"#,
        "DOUBLE_UNION_SCHEMA" => r#"["double"]"#,
        "STRING_UNION_SCHEMA" => r#"["string"]"#,
        "BYTES_UNION_SCHEMA" => r#"["bytes"]"#,
        "INT_STRING_UNION_SCHEMA" => r#"["int", "string"]"#,
        "STRING_INT_UNION_SCHEMA" => r#"["string", "int"]"#,
        "INT_FLOAT_UNION_SCHEMA" => r#"["int", "float"]"#,
        "INT_LONG_UNION_SCHEMA" => r#"["int", "long"]"#,
        "INT_LONG_FLOAT_DOUBLE_UNION_SCHEMA" => r#"["int", "long", "float", "double"]"#,
        "NULL_INT_ARRAY_UNION_SCHEMA" => r#"["null", {"type": "array", "items": "int"}]"#,
        "NULL_INT_MAP_UNION_SCHEMA" => r#"["null", {"type": "map", "values": "int"}]"#,
        "EMPTY_RECORD1" => r#"{"type": "record", "name": "Record1", "fields": []}"#,
        "EMPTY_RECORD2" => r#"{"type": "record", "name": "Record2", "fields": []}"#,
        "A_INT_RECORD1" => r#"{"type": "record", "name": "Record1", "fields": [{"name": "a", "type": "int"}]}"#,
        "A_LONG_RECORD1" => r#"{"type": "record", "name": "Record1", "fields": [{"name": "a", "type": "long"}]}"#,
        "A_INT_B_INT_RECORD1" => r#"{"type": "record", "name": "Record1", "fields": [{"name": "a", "type": "int"}, {"name": "b", "type": "int"}]}"#,
        "A_DINT_RECORD1" => r#"{"type": "record", "name": "Record1", "fields": [{"name": "a", "type": "int", "default": 0}]}"#,
        "A_INT_B_DINT_RECORD1" => {
            r#"{"type": "record", "name": "Record1", "fields": [{"name": "a", "type": "int"}, {"name": "b", "type": "int", "default": 0}]}"#
        }
        "A_DINT_B_DINT_RECORD1" => {
            r#"{"type": "record", "name": "Record1", "fields": [{"name": "a", "type": "int", "default": 0}, {"name": "b", "type": "int", "default": 0}]}"#
        }
        "A_DINT_B_DFIXED_4_BYTES_RECORD1" => {
            r#"{"type": "record", "name": "Record1", "fields": [{"name": "a", "type": "int", "default": 0}, {"name": "b", "type": {"type": "fixed", "name": "Fixed", "size": 4}}]}"#
        }
        "A_DINT_B_DFIXED_8_BYTES_RECORD1" => {
            r#"{"type": "record", "name": "Record1", "fields": [{"name": "a", "type": "int", "default": 0}, {"name": "b", "type": {"type": "fixed", "name": "Fixed", "size": 8}}]}"#
        }
        "A_DINT_B_DINT_STRING_UNION_RECORD1" => {
            r#"{"type": "record", "name": "Record1", "fields": [{"name": "a", "type": "int", "default": 0}, {"name": "b", "type": ["int", "string"], "default": 0}]}"#
        }
        "A_DINT_B_DINT_UNION_RECORD1" => {
            r#"{"type": "record", "name": "Record1", "fields": [{"name": "a", "type": "int", "default": 0}, {"name": "b", "type": ["int"], "default": 0}]}"#
        }
        "A_DINT_B_DENUM_1_RECORD1" => {
            r#"{"type": "record", "name": "Record1", "fields": [{"name": "a", "type": "int", "default": 0}, {"name": "b", "type": {"type": "enum", "name": "Enum1", "symbols": ["A", "B"]}}]}"#
        }
        "A_DINT_B_DENUM_2_RECORD1" => {
            r#"{"type": "record", "name": "Record1", "fields": [{"name": "a", "type": "int", "default": 0}, {"name": "b", "type": {"type": "enum", "name": "Enum2", "symbols": ["A", "B"]}}]}"#
        }
        "FIXED_4_BYTES" => r#"{"type": "fixed", "name": "Fixed", "size": 4}"#,
        "FIXED_8_BYTES" => r#"{"type": "fixed", "name": "Fixed", "size": 8}"#,
        "NS_RECORD1" => {
            r#"{"type": "record", "name": "Record1", "fields": [{"name": "f1", "type": ["null", {"type": "array", "items": {"type": "record", "name": "InnerRecord1", "namespace": "ns1", "fields": [{"name": "a", "type": "int"}]}}]}]}"#
        }
        "NS_RECORD2" => {
            r#"{"type": "record", "name": "Record1", "fields": [{"name": "f1", "type": ["null", {"type": "array", "items": {"type": "record", "name": "InnerRecord1", "namespace": "ns2", "fields": [{"name": "a", "type": "int"}]}}]}]}"#
        }
        "WITHOUT_NS" => r#"{"type": "record", "name": "Record", "fields": [{"name": "f1", "type": "int"}]}"#,
        "WITH_NS" => r#"{"type": "record", "name": "ns.Record", "fields": [{"name": "f1", "type": "int"}]}"#,
        "INT_LIST_RECORD" => r#"{"type": "record", "name": "List", "fields": [{"name": "head", "type": "int"}, {"name": "tail", "type": "List"}]}"#,
        "LONG_LIST_RECORD" => r#"{"type": "record", "name": "List", "fields": [{"name": "head", "type": "long"}, {"name": "tail", "type": "List"}]}"#,
        other => panic!("no fixture {other}"),
    }
}

fn schema(json: &str) -> Schema {
    parse(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

fn named(name: &str) -> Schema {
    schema(fixture(name))
}

/// `checkReaderWriterCompatibility(reader, writer).getResult().getIncompatibilities()` as (type, message, location).
fn found(reader: &Schema, writer: &Schema) -> Vec<(IncompatibilityType, String, String)> {
    check_reader_writer(reader, writer)
        .into_iter()
        .map(|Incompatibility { kind, message, location }| (kind, message, location))
        .collect()
}

fn one(kind: IncompatibilityType, message: &str, location: &str) -> Vec<(IncompatibilityType, String, String)> {
    vec![(kind, message.to_string(), location.to_string())]
}

/// `TestSchemaCompatibility.validateIncompatibleSchemas` for a single incompatibility.
fn assert_incompatible(reader: &str, writer: &str, kind: IncompatibilityType, message: &str, location: &str) {
    assert_eq!(
        found(&named(reader), &named(writer)),
        one(kind, message, location),
        "reader {reader}, writer {writer}"
    );
}

// ---------------------------------------------------------------------------------------------
// TestSchemaCompatibility

/// `TestSchemaCompatibility.WRITER_SCHEMA`: an (anonymous, here "Record") record of oldfield1: int, oldfield2: string.
const WRITER_SCHEMA: &str =
    r#"{"type": "record", "name": "Record", "fields": [{"name": "oldfield1", "type": "int"}, {"name": "oldfield2", "type": "string"}]}"#;

#[test]
fn validate_schema_pair_missing_field() {
    // TestSchemaCompatibility.validateSchemaPairMissingField: omitting a field is compatible.
    let reader = schema(r#"{"type": "record", "name": "Record", "fields": [{"name": "oldfield1", "type": "int"}]}"#);
    assert_eq!(found(&reader, &schema(WRITER_SCHEMA)), vec![]);
}

#[test]
fn validate_schema_pair_missing_second_field() {
    // TestSchemaCompatibility.validateSchemaPairMissingSecondField
    let reader = schema(r#"{"type": "record", "name": "Record", "fields": [{"name": "oldfield2", "type": "string"}]}"#);
    assert_eq!(found(&reader, &schema(WRITER_SCHEMA)), vec![]);
}

#[test]
fn validate_schema_pair_all_fields() {
    // TestSchemaCompatibility.validateSchemaPairAllFields
    assert_eq!(found(&schema(WRITER_SCHEMA), &schema(WRITER_SCHEMA)), vec![]);
}

#[test]
fn validate_schema_new_field_with_default() {
    // TestSchemaCompatibility.validateSchemaNewFieldWithDefault
    let reader = schema(
        r#"{"type": "record", "name": "Record", "fields": [{"name": "oldfield1", "type": "int"}, {"name": "newfield1", "type": "int", "default": 42}]}"#,
    );
    assert_eq!(found(&reader, &schema(WRITER_SCHEMA)), vec![]);
}

#[test]
fn validate_schema_new_field() {
    // TestSchemaCompatibility.validateSchemaNewField: READER_FIELD_MISSING_DEFAULT_VALUE "newfield1" at ["", "fields", "1"].
    let reader = schema(r#"{"type": "record", "name": "Record", "fields": [{"name": "oldfield1", "type": "int"}, {"name": "newfield1", "type": "int"}]}"#);
    assert_eq!(
        found(&reader, &schema(WRITER_SCHEMA)),
        one(ReaderFieldMissingDefaultValue, "newfield1", "/fields/1")
    );
}

#[test]
fn validate_array_writer_schema() {
    // TestSchemaCompatibility.validateArrayWriterSchema
    let writer = named("STRING_ARRAY_SCHEMA");
    assert_eq!(found(&schema(r#"{"type": "array", "items": "string"}"#), &writer), vec![]);
    assert_eq!(
        found(&schema(r#"{"type": "map", "values": "string"}"#), &writer),
        one(TypeMismatch, "reader type: MAP not compatible with writer type: ARRAY", "/")
    );
}

#[test]
fn validate_primitive_writer_schema() {
    // TestSchemaCompatibility.validatePrimitiveWriterSchema
    assert_eq!(found(&named("STRING_SCHEMA"), &named("STRING_SCHEMA")), vec![]);
    assert_incompatible(
        "INT_SCHEMA",
        "STRING_SCHEMA",
        TypeMismatch,
        "reader type: INT not compatible with writer type: STRING",
        "/",
    );
}

#[test]
fn union_reader_writer_subset_incompatibility() {
    // TestSchemaCompatibility.unionReaderWriterSubsetIncompatibility: the first incompatibility is at "/2".
    let result = found(&schema(r#"["int", "string"]"#), &schema(r#"["int", "string", "long"]"#));
    assert_eq!(result[0].2, "/2", "{result:?}");
}

#[test]
fn union_writer_simple_reader_incompatibility() {
    // TestSchemaCompatibility.unionWriterSimpleReaderIncompatibility: a mandatory int reads an
    // optional one (SchemaBuilder.optionalInt: ["null", "int"] default null): INT cannot read NULL.
    let mandatory = schema(r#"{"type": "record", "name": "Account", "fields": [{"name": "age", "type": "int"}]}"#);
    let optional = schema(r#"{"type": "record", "name": "Account", "fields": [{"name": "age", "type": ["null", "int"], "default": null}]}"#);
    let result = found(&mandatory, &optional);
    assert_eq!(result[0].1, "reader type: INT not compatible with writer type: NULL");
    assert_eq!(result[0].2, "/fields/0/type/0");
}

#[test]
fn reader_writer_compatibility() {
    // TestSchemaCompatibility.readerWriterCompatibility over COMPATIBLE_READER_WRITER_TEST_CASES (reader, writer).
    let cases = [
        ("BOOLEAN_SCHEMA", "BOOLEAN_SCHEMA"),
        ("INT_SCHEMA", "INT_SCHEMA"),
        ("LONG_SCHEMA", "INT_SCHEMA"),
        ("LONG_SCHEMA", "LONG_SCHEMA"),
        ("FLOAT_SCHEMA", "INT_SCHEMA"),
        ("FLOAT_SCHEMA", "LONG_SCHEMA"),
        ("DOUBLE_SCHEMA", "LONG_SCHEMA"),
        ("DOUBLE_SCHEMA", "INT_SCHEMA"),
        ("DOUBLE_SCHEMA", "FLOAT_SCHEMA"),
        ("STRING_SCHEMA", "STRING_SCHEMA"),
        ("BYTES_SCHEMA", "BYTES_SCHEMA"),
        ("INT_ARRAY_SCHEMA", "INT_ARRAY_SCHEMA"),
        ("LONG_ARRAY_SCHEMA", "INT_ARRAY_SCHEMA"),
        ("INT_MAP_SCHEMA", "INT_MAP_SCHEMA"),
        ("LONG_MAP_SCHEMA", "INT_MAP_SCHEMA"),
        ("ENUM1_AB_SCHEMA", "ENUM1_AB_SCHEMA"),
        ("ENUM1_ABC_SCHEMA", "ENUM1_AB_SCHEMA"),
        ("ENUM1_AB_SCHEMA_DEFAULT", "ENUM1_ABC_SCHEMA"),
        ("ENUM1_AB_SCHEMA", "ENUM1_AB_SCHEMA_NAMESPACE_1"),
        ("ENUM1_AB_SCHEMA_NAMESPACE_1", "ENUM1_AB_SCHEMA"),
        ("ENUM1_AB_SCHEMA_NAMESPACE_1", "ENUM1_AB_SCHEMA_NAMESPACE_2"),
        ("STRING_SCHEMA", "BYTES_SCHEMA"),
        ("BYTES_SCHEMA", "STRING_SCHEMA"),
        ("EMPTY_UNION_SCHEMA", "EMPTY_UNION_SCHEMA"),
        ("FLOAT_UNION_SCHEMA", "EMPTY_UNION_SCHEMA"),
        ("FLOAT_UNION_SCHEMA", "INT_UNION_SCHEMA"),
        ("FLOAT_UNION_SCHEMA", "LONG_UNION_SCHEMA"),
        ("FLOAT_UNION_SCHEMA", "INT_LONG_UNION_SCHEMA"),
        ("INT_UNION_SCHEMA", "INT_UNION_SCHEMA"),
        ("INT_STRING_UNION_SCHEMA", "STRING_INT_UNION_SCHEMA"),
        ("INT_UNION_SCHEMA", "EMPTY_UNION_SCHEMA"),
        ("LONG_UNION_SCHEMA", "EMPTY_UNION_SCHEMA"),
        ("LONG_UNION_SCHEMA", "INT_UNION_SCHEMA"),
        ("FLOAT_UNION_SCHEMA", "INT_UNION_SCHEMA"),
        ("DOUBLE_UNION_SCHEMA", "INT_UNION_SCHEMA"),
        ("FLOAT_UNION_SCHEMA", "LONG_UNION_SCHEMA"),
        ("DOUBLE_UNION_SCHEMA", "LONG_UNION_SCHEMA"),
        ("FLOAT_UNION_SCHEMA", "EMPTY_UNION_SCHEMA"),
        ("DOUBLE_UNION_SCHEMA", "FLOAT_UNION_SCHEMA"),
        ("STRING_UNION_SCHEMA", "EMPTY_UNION_SCHEMA"),
        ("STRING_UNION_SCHEMA", "BYTES_UNION_SCHEMA"),
        ("BYTES_UNION_SCHEMA", "EMPTY_UNION_SCHEMA"),
        ("BYTES_UNION_SCHEMA", "STRING_UNION_SCHEMA"),
        ("DOUBLE_UNION_SCHEMA", "INT_FLOAT_UNION_SCHEMA"),
        ("FLOAT_SCHEMA", "INT_FLOAT_UNION_SCHEMA"),
        ("LONG_SCHEMA", "INT_LONG_UNION_SCHEMA"),
        ("DOUBLE_SCHEMA", "INT_FLOAT_UNION_SCHEMA"),
        ("DOUBLE_SCHEMA", "INT_LONG_FLOAT_DOUBLE_UNION_SCHEMA"),
        ("FLOAT_SCHEMA", "FLOAT_UNION_SCHEMA"),
        ("INT_UNION_SCHEMA", "INT_SCHEMA"),
        ("INT_SCHEMA", "INT_UNION_SCHEMA"),
        ("FIXED_4_BYTES", "FIXED_4_BYTES"),
        ("EMPTY_RECORD1", "EMPTY_RECORD1"),
        ("EMPTY_RECORD1", "A_INT_RECORD1"),
        ("A_INT_RECORD1", "A_INT_RECORD1"),
        ("A_DINT_RECORD1", "A_INT_RECORD1"),
        ("A_DINT_RECORD1", "A_DINT_RECORD1"),
        ("A_INT_RECORD1", "A_DINT_RECORD1"),
        ("A_LONG_RECORD1", "A_INT_RECORD1"),
        ("A_INT_RECORD1", "A_INT_B_INT_RECORD1"),
        ("A_DINT_RECORD1", "A_INT_B_INT_RECORD1"),
        ("A_INT_B_DINT_RECORD1", "A_INT_RECORD1"),
        ("A_DINT_B_DINT_RECORD1", "EMPTY_RECORD1"),
        ("A_DINT_B_DINT_RECORD1", "A_INT_RECORD1"),
        ("A_INT_B_INT_RECORD1", "A_DINT_B_DINT_RECORD1"),
        ("INT_LIST_RECORD", "INT_LIST_RECORD"),
        ("LONG_LIST_RECORD", "LONG_LIST_RECORD"),
        ("LONG_LIST_RECORD", "INT_LIST_RECORD"),
        ("NULL_SCHEMA", "NULL_SCHEMA"),
        ("ENUM_AB_ENUM_DEFAULT_A_RECORD", "ENUM_ABC_ENUM_DEFAULT_A_RECORD"),
        (
            "ENUM_AB_FIELD_DEFAULT_A_ENUM_DEFAULT_B_RECORD",
            "ENUM_ABC_FIELD_DEFAULT_B_ENUM_DEFAULT_A_RECORD",
        ),
        ("NS_RECORD1", "NS_RECORD2"),
        ("WITHOUT_NS", "WITH_NS"),
    ];
    assert_eq!(cases.len(), 73);
    for (reader, writer) in cases {
        assert_eq!(found(&named(reader), &named(writer)), vec![], "reader {reader} should read writer {writer}");
    }
}

// ---------------------------------------------------------------------------------------------
// TestSchemaCompatibilityFixedSizeMismatch

#[test]
fn fixed_size_mismatch_schemas() {
    // TestSchemaCompatibilityFixedSizeMismatch.data()
    let cases = [
        ("FIXED_4_BYTES", "FIXED_8_BYTES", "expected: 8, found: 4", "/size"),
        ("FIXED_8_BYTES", "FIXED_4_BYTES", "expected: 4, found: 8", "/size"),
        (
            "A_DINT_B_DFIXED_8_BYTES_RECORD1",
            "A_DINT_B_DFIXED_4_BYTES_RECORD1",
            "expected: 4, found: 8",
            "/fields/1/type/size",
        ),
        (
            "A_DINT_B_DFIXED_4_BYTES_RECORD1",
            "A_DINT_B_DFIXED_8_BYTES_RECORD1",
            "expected: 8, found: 4",
            "/fields/1/type/size",
        ),
    ];
    for (reader, writer, message, location) in cases {
        assert_incompatible(reader, writer, FixedSizeMismatch, message, location);
    }
}

// ---------------------------------------------------------------------------------------------
// TestSchemaCompatibilityMissingEnumSymbols

const RECORD1_WITH_ENUM_AB: &str =
    r#"{"type": "record", "name": "Record1", "fields": [{"name": "field1", "type": {"type": "enum", "name": "Enum1", "symbols": ["A", "B"]}}]}"#;
const RECORD1_WITH_ENUM_ABC: &str =
    r#"{"type": "record", "name": "Record1", "fields": [{"name": "field1", "type": {"type": "enum", "name": "Enum1", "symbols": ["A", "B", "C"]}}]}"#;

#[test]
fn missing_enum_symbols() {
    // TestSchemaCompatibilityMissingEnumSymbols.data()
    assert_incompatible("ENUM1_AB_SCHEMA", "ENUM1_ABC_SCHEMA", MissingEnumSymbols, "[C]", "/symbols");
    assert_incompatible("ENUM1_BC_SCHEMA", "ENUM1_ABC_SCHEMA", MissingEnumSymbols, "[A]", "/symbols");
    assert_eq!(
        found(&schema(RECORD1_WITH_ENUM_AB), &schema(RECORD1_WITH_ENUM_ABC)),
        one(MissingEnumSymbols, "[C]", "/fields/0/type/symbols")
    );
}

// ---------------------------------------------------------------------------------------------
// TestSchemaCompatibilityMissingUnionBranch

#[test]
fn missing_union_branch() {
    // TestSchemaCompatibilityMissingUnionBranch.data(): (reader, writer, messages, locations).
    let record1 = r#"{"type": "record", "name": "Record1", "fields": [{"name": "field1", "type": "int"}]}"#;
    let record2 = r#"{"type": "record", "name": "Record2", "fields": [{"name": "field1", "type": "int"}]}"#;
    let union_int_record1 = format!(r#"["int", {record1}]"#);
    let union_int_record2 = format!(r#"["int", {record2}]"#);
    let union_int_enum1_ab = format!(r#"["int", {}]"#, fixture("ENUM1_AB_SCHEMA"));
    let union_int_fixed_4 = format!(r#"["int", {}]"#, fixture("FIXED_4_BYTES"));
    let cases: Vec<(String, String, Vec<&str>, Vec<&str>)> = vec![
        (
            fixture("INT_UNION_SCHEMA").into(),
            fixture("INT_STRING_UNION_SCHEMA").into(),
            vec!["STRING"],
            vec!["/1"],
        ),
        (
            fixture("STRING_UNION_SCHEMA").into(),
            fixture("INT_STRING_UNION_SCHEMA").into(),
            vec!["INT"],
            vec!["/0"],
        ),
        (fixture("INT_UNION_SCHEMA").into(), union_int_record1.clone(), vec!["RECORD"], vec!["/1"]),
        (fixture("INT_UNION_SCHEMA").into(), union_int_record2.clone(), vec!["RECORD"], vec!["/1"]),
        // "more info in the subset schemas": Record1 cannot read Record2 (their names differ).
        (union_int_record1, union_int_record2, vec!["RECORD"], vec!["/1"]),
        (fixture("INT_UNION_SCHEMA").into(), union_int_enum1_ab, vec!["ENUM"], vec!["/1"]),
        (fixture("INT_UNION_SCHEMA").into(), union_int_fixed_4, vec!["FIXED"], vec!["/1"]),
        (fixture("INT_UNION_SCHEMA").into(), r#"["int", "boolean"]"#.into(), vec!["BOOLEAN"], vec!["/1"]),
        (
            fixture("INT_UNION_SCHEMA").into(),
            fixture("LONG_UNION_SCHEMA").into(),
            vec!["LONG"],
            vec!["/0"],
        ),
        (
            fixture("INT_UNION_SCHEMA").into(),
            fixture("FLOAT_UNION_SCHEMA").into(),
            vec!["FLOAT"],
            vec!["/0"],
        ),
        (
            fixture("INT_UNION_SCHEMA").into(),
            fixture("DOUBLE_UNION_SCHEMA").into(),
            vec!["DOUBLE"],
            vec!["/0"],
        ),
        (
            fixture("INT_UNION_SCHEMA").into(),
            fixture("BYTES_UNION_SCHEMA").into(),
            vec!["BYTES"],
            vec!["/0"],
        ),
        (
            fixture("INT_UNION_SCHEMA").into(),
            r#"["int", {"type": "array", "items": "int"}]"#.into(),
            vec!["ARRAY"],
            vec!["/1"],
        ),
        (
            fixture("INT_UNION_SCHEMA").into(),
            r#"["int", {"type": "map", "values": "int"}]"#.into(),
            vec!["MAP"],
            vec!["/1"],
        ),
        (fixture("INT_UNION_SCHEMA").into(), r#"["int", "null"]"#.into(), vec!["NULL"], vec!["/1"]),
        (
            fixture("INT_UNION_SCHEMA").into(),
            fixture("INT_LONG_FLOAT_DOUBLE_UNION_SCHEMA").into(),
            vec!["LONG", "FLOAT", "DOUBLE"],
            vec!["/1", "/2", "/3"],
        ),
        (
            fixture("A_DINT_B_DINT_UNION_RECORD1").into(),
            fixture("A_DINT_B_DINT_STRING_UNION_RECORD1").into(),
            vec!["STRING"],
            vec!["/fields/1/type/1"],
        ),
    ];
    assert_eq!(cases.len(), 17);
    for (reader, writer, types, locations) in cases {
        let expected: Vec<_> = types
            .iter()
            .zip(&locations)
            .map(|(t, l)| (MissingUnionBranch, format!("reader union lacking writer type: {t}"), l.to_string()))
            .collect();
        assert_eq!(found(&schema(&reader), &schema(&writer)), expected, "reader {reader}, writer {writer}");
    }
}

// ---------------------------------------------------------------------------------------------
// TestSchemaCompatibilityMultiple

#[test]
fn multiple_incompatibilities() {
    // TestSchemaCompatibilityMultiple.multipleIncompatibilities (the SchemaBuilder schemas as JSON).
    let reader = schema(
        r#"{"type": "record", "name": "base", "fields": [
        {"name": "check_enum_symbols_field", "type": {"type": "enum", "name": "check_enum_symbols_type", "symbols": ["A", "C"]}},
        {"name": "check_enum_name_field", "type": {"type": "enum", "name": "check_enum_name_type", "symbols": ["A", "B", "C", "D"]}},
        {"name": "type_mismatch_field", "type": "string"},
        {"name": "sub_record", "type": {"type": "record", "name": "sub_record_type", "fields": [
            {"name": "identical_1_field", "type": "long", "default": 42},
            {"name": "extra_no_default_field", "type": "long"},
            {"name": "fixed_length_mismatch_field", "type": {"type": "fixed", "name": "fixed_length_mismatch_type", "size": 4}},
            {"name": "union_missing_branches_field", "type": ["boolean"]},
            {"name": "reader_union_does_not_support_type_field", "type": ["boolean"]},
            {"name": "record_fqn_mismatch_field", "type": {"type": "record", "name": "recordA", "namespace": "not_nsA", "fields": [
                {"name": "A_field_0", "type": "boolean", "default": true},
                {"name": "array_type_mismatch_field", "type": {"type": "array", "items": "string"}}]}}]}}]}"#,
    );
    let writer = schema(
        r#"{"type": "record", "name": "base", "fields": [
        {"name": "check_enum_symbols_field", "type": {"type": "enum", "name": "check_enum_symbols_type", "symbols": ["A", "B", "C", "D"]}},
        {"name": "check_enum_name_field", "type": {"type": "enum", "name": "check_enum_name_type_ERR", "symbols": ["A", "B", "C", "D"]}},
        {"name": "type_mismatch_field", "type": "long"},
        {"name": "sub_record", "type": {"type": "record", "name": "sub_record_type", "fields": [
            {"name": "identical_1_field", "type": "long", "default": 42},
            {"name": "fixed_length_mismatch_field", "type": {"type": "fixed", "name": "fixed_length_mismatch_type", "size": 8}},
            {"name": "union_missing_branches_field", "type": ["boolean", "double", "string"]},
            {"name": "reader_union_does_not_support_type_field", "type": "long"},
            {"name": "record_fqn_mismatch_field", "type": {"type": "record", "name": "recordA", "namespace": "nsA", "fields": [
                {"name": "A_field_0", "type": "boolean", "default": true},
                {"name": "array_type_mismatch_field", "type": {"type": "array", "items": "boolean"}}]}}]}}]}"#,
    );
    let expected = vec![
        (MissingEnumSymbols, "[B, D]", "/fields/0/type/symbols"),
        (NameMismatch, "expected: check_enum_name_type_ERR", "/fields/1/type/name"),
        (TypeMismatch, "reader type: STRING not compatible with writer type: LONG", "/fields/2/type"),
        (ReaderFieldMissingDefaultValue, "extra_no_default_field", "/fields/3/type/fields/1"),
        (FixedSizeMismatch, "expected: 8, found: 4", "/fields/3/type/fields/2/type/size"),
        (MissingUnionBranch, "reader union lacking writer type: DOUBLE", "/fields/3/type/fields/3/type/1"),
        (MissingUnionBranch, "reader union lacking writer type: STRING", "/fields/3/type/fields/3/type/2"),
        (MissingUnionBranch, "reader union lacking writer type: LONG", "/fields/3/type/fields/4/type"),
        (
            TypeMismatch,
            "reader type: STRING not compatible with writer type: BOOLEAN",
            "/fields/3/type/fields/5/type/fields/1/type/items",
        ),
    ];
    let expected: Vec<_> = expected.into_iter().map(|(k, m, l)| (k, m.to_string(), l.to_string())).collect();
    assert_eq!(found(&reader, &writer), expected);
}

// ---------------------------------------------------------------------------------------------
// TestSchemaCompatibilityNameMismatch

#[test]
fn name_mismatch_schemas() {
    // TestSchemaCompatibilityNameMismatch.data()
    assert_incompatible("ENUM1_AB_SCHEMA", "ENUM2_AB_SCHEMA", NameMismatch, "expected: Enum2", "/name");
    assert_incompatible("EMPTY_RECORD2", "EMPTY_RECORD1", NameMismatch, "expected: Record1", "/name");
    assert_eq!(
        found(&named("FIXED_4_BYTES"), &schema(r#"{"type": "fixed", "name": "AnotherName", "size": 4}"#)),
        one(NameMismatch, "expected: AnotherName", "/name")
    );
    assert_incompatible(
        "A_DINT_B_DENUM_1_RECORD1",
        "A_DINT_B_DENUM_2_RECORD1",
        NameMismatch,
        "expected: Enum2",
        "/fields/1/type/name",
    );
}

// ---------------------------------------------------------------------------------------------
// TestSchemaCompatibilityReaderFieldMissingDefaultValue

#[test]
fn reader_field_missing_default_value_schemas() {
    // TestSchemaCompatibilityReaderFieldMissingDefaultValue.data()
    assert_incompatible("A_INT_RECORD1", "EMPTY_RECORD1", ReaderFieldMissingDefaultValue, "a", "/fields/0");
    assert_incompatible("A_INT_B_DINT_RECORD1", "EMPTY_RECORD1", ReaderFieldMissingDefaultValue, "a", "/fields/0");
}

// ---------------------------------------------------------------------------------------------
// TestSchemaCompatibilityTypeMismatch

#[test]
fn type_mismatch_schemas() {
    // TestSchemaCompatibilityTypeMismatch.data(): (reader, writer, message, location).
    let cases = [
        ("NULL_SCHEMA", "INT_SCHEMA", "NULL", "INT", "/"),
        ("NULL_SCHEMA", "LONG_SCHEMA", "NULL", "LONG", "/"),
        ("BOOLEAN_SCHEMA", "INT_SCHEMA", "BOOLEAN", "INT", "/"),
        ("INT_SCHEMA", "NULL_SCHEMA", "INT", "NULL", "/"),
        ("INT_SCHEMA", "BOOLEAN_SCHEMA", "INT", "BOOLEAN", "/"),
        ("INT_SCHEMA", "LONG_SCHEMA", "INT", "LONG", "/"),
        ("INT_SCHEMA", "FLOAT_SCHEMA", "INT", "FLOAT", "/"),
        ("INT_SCHEMA", "DOUBLE_SCHEMA", "INT", "DOUBLE", "/"),
        ("LONG_SCHEMA", "FLOAT_SCHEMA", "LONG", "FLOAT", "/"),
        ("LONG_SCHEMA", "DOUBLE_SCHEMA", "LONG", "DOUBLE", "/"),
        ("FLOAT_SCHEMA", "DOUBLE_SCHEMA", "FLOAT", "DOUBLE", "/"),
        ("DOUBLE_SCHEMA", "STRING_SCHEMA", "DOUBLE", "STRING", "/"),
        ("FIXED_4_BYTES", "STRING_SCHEMA", "FIXED", "STRING", "/"),
        ("STRING_SCHEMA", "BOOLEAN_SCHEMA", "STRING", "BOOLEAN", "/"),
        ("STRING_SCHEMA", "INT_SCHEMA", "STRING", "INT", "/"),
        ("BYTES_SCHEMA", "NULL_SCHEMA", "BYTES", "NULL", "/"),
        ("BYTES_SCHEMA", "INT_SCHEMA", "BYTES", "INT", "/"),
        ("A_INT_RECORD1", "INT_SCHEMA", "RECORD", "INT", "/"),
        ("INT_ARRAY_SCHEMA", "LONG_ARRAY_SCHEMA", "INT", "LONG", "/items"),
        ("INT_MAP_SCHEMA", "INT_ARRAY_SCHEMA", "MAP", "ARRAY", "/"),
        ("INT_ARRAY_SCHEMA", "INT_MAP_SCHEMA", "ARRAY", "MAP", "/"),
        ("INT_MAP_SCHEMA", "LONG_MAP_SCHEMA", "INT", "LONG", "/values"),
        ("INT_SCHEMA", "ENUM2_AB_SCHEMA", "INT", "ENUM", "/"),
        ("ENUM2_AB_SCHEMA", "INT_SCHEMA", "ENUM", "INT", "/"),
        ("FLOAT_SCHEMA", "INT_LONG_FLOAT_DOUBLE_UNION_SCHEMA", "FLOAT", "DOUBLE", "/3"),
        ("LONG_SCHEMA", "INT_FLOAT_UNION_SCHEMA", "LONG", "FLOAT", "/1"),
        ("INT_SCHEMA", "INT_FLOAT_UNION_SCHEMA", "INT", "FLOAT", "/1"),
        ("INT_LIST_RECORD", "LONG_LIST_RECORD", "INT", "LONG", "/fields/0/type"),
        ("NULL_SCHEMA", "INT_SCHEMA", "NULL", "INT", "/"),
    ];
    assert_eq!(cases.len(), 29);
    for (reader, writer, r, w, location) in cases {
        assert_incompatible(
            reader,
            writer,
            TypeMismatch,
            &format!("reader type: {r} not compatible with writer type: {w}"),
            location,
        );
    }
}

// ---------------------------------------------------------------------------------------------
// TestSchemaValidation. Its validators map onto the registry's levels: canReadStrategy is
// BACKWARD, canBeReadStrategy FORWARD, mutualReadStrategy FULL; validateLatest checks the latest
// earlier schema, validateAll (the _TRANSITIVE levels) every one. Java's `prev...` arguments are
// given oldest first, as `earlier` is here. (Avro's validator resolves with its grammar generator;
// every case below gives the same answer under SchemaCompatibility, which is what the registry runs.)

fn level(name: &str) -> Compatibility {
    Compatibility::from_name(name).unwrap()
}

fn validates(level_name: &str, new: &Schema, earlier: &[&Schema]) -> bool {
    let earlier: Vec<Schema> = earlier.iter().map(|s| (*s).clone()).collect();
    check(level(level_name), &earlier, new).is_ok()
}

#[test]
fn schema_compatibility_successes() {
    // TestSchemaValidation.schemaCompatibilitySuccesses: canReadStrategy().validateAll() passes for
    // COMPATIBLE_READER_WRITER_TEST_CASES (reader, writer).
    let cases = [
        ("BOOLEAN_SCHEMA", "BOOLEAN_SCHEMA"),
        ("INT_SCHEMA", "INT_SCHEMA"),
        ("LONG_SCHEMA", "INT_SCHEMA"),
        ("LONG_SCHEMA", "LONG_SCHEMA"),
        ("FLOAT_SCHEMA", "INT_SCHEMA"),
        ("FLOAT_SCHEMA", "LONG_SCHEMA"),
        ("DOUBLE_SCHEMA", "LONG_SCHEMA"),
        ("DOUBLE_SCHEMA", "INT_SCHEMA"),
        ("DOUBLE_SCHEMA", "FLOAT_SCHEMA"),
        ("STRING_SCHEMA", "STRING_SCHEMA"),
        ("BYTES_SCHEMA", "BYTES_SCHEMA"),
        ("INT_ARRAY_SCHEMA", "INT_ARRAY_SCHEMA"),
        ("LONG_ARRAY_SCHEMA", "INT_ARRAY_SCHEMA"),
        ("INT_MAP_SCHEMA", "INT_MAP_SCHEMA"),
        ("LONG_MAP_SCHEMA", "INT_MAP_SCHEMA"),
        ("ENUM1_AB_SCHEMA", "ENUM1_AB_SCHEMA"),
        ("ENUM1_ABC_SCHEMA", "ENUM1_AB_SCHEMA"),
        ("STRING_SCHEMA", "BYTES_SCHEMA"),
        ("BYTES_SCHEMA", "STRING_SCHEMA"),
        ("EMPTY_UNION_SCHEMA", "EMPTY_UNION_SCHEMA"),
        ("INT_UNION_SCHEMA", "INT_UNION_SCHEMA"),
        ("INT_STRING_UNION_SCHEMA", "STRING_INT_UNION_SCHEMA"),
        ("INT_UNION_SCHEMA", "EMPTY_UNION_SCHEMA"),
        ("LONG_UNION_SCHEMA", "INT_UNION_SCHEMA"),
        ("FLOAT_UNION_SCHEMA", "INT_UNION_SCHEMA"),
        ("FLOAT_UNION_SCHEMA", "LONG_UNION_SCHEMA"),
        ("DOUBLE_UNION_SCHEMA", "INT_UNION_SCHEMA"),
        ("LONG_UNION_SCHEMA", "EMPTY_UNION_SCHEMA"),
        ("DOUBLE_UNION_SCHEMA", "LONG_UNION_SCHEMA"),
        ("FLOAT_UNION_SCHEMA", "EMPTY_UNION_SCHEMA"),
        ("DOUBLE_UNION_SCHEMA", "FLOAT_UNION_SCHEMA"),
        ("STRING_UNION_SCHEMA", "EMPTY_UNION_SCHEMA"),
        ("STRING_UNION_SCHEMA", "BYTES_UNION_SCHEMA"),
        ("BYTES_UNION_SCHEMA", "EMPTY_UNION_SCHEMA"),
        ("BYTES_UNION_SCHEMA", "STRING_UNION_SCHEMA"),
        ("DOUBLE_UNION_SCHEMA", "INT_FLOAT_UNION_SCHEMA"),
        ("NULL_INT_ARRAY_UNION_SCHEMA", "INT_ARRAY_SCHEMA"),
        ("NULL_INT_MAP_UNION_SCHEMA", "INT_MAP_SCHEMA"),
        ("FLOAT_SCHEMA", "INT_FLOAT_UNION_SCHEMA"),
        ("LONG_SCHEMA", "INT_LONG_UNION_SCHEMA"),
        ("DOUBLE_SCHEMA", "INT_FLOAT_UNION_SCHEMA"),
        ("DOUBLE_SCHEMA", "INT_LONG_FLOAT_DOUBLE_UNION_SCHEMA"),
        ("FLOAT_SCHEMA", "FLOAT_UNION_SCHEMA"),
        ("INT_UNION_SCHEMA", "INT_SCHEMA"),
        ("INT_SCHEMA", "INT_UNION_SCHEMA"),
        ("EMPTY_RECORD1", "EMPTY_RECORD1"),
        ("EMPTY_RECORD1", "A_INT_RECORD1"),
        ("A_INT_RECORD1", "A_INT_RECORD1"),
        ("A_DINT_RECORD1", "A_INT_RECORD1"),
        ("A_DINT_RECORD1", "A_DINT_RECORD1"),
        ("A_INT_RECORD1", "A_DINT_RECORD1"),
        ("A_LONG_RECORD1", "A_INT_RECORD1"),
        ("A_INT_RECORD1", "A_INT_B_INT_RECORD1"),
        ("A_DINT_RECORD1", "A_INT_B_INT_RECORD1"),
        ("A_INT_B_DINT_RECORD1", "A_INT_RECORD1"),
        ("A_DINT_B_DINT_RECORD1", "EMPTY_RECORD1"),
        ("A_DINT_B_DINT_RECORD1", "A_INT_RECORD1"),
        ("A_INT_B_INT_RECORD1", "A_DINT_B_DINT_RECORD1"),
        ("NULL_SCHEMA", "NULL_SCHEMA"),
        ("NS_RECORD1", "NS_RECORD2"),
    ];
    assert_eq!(cases.len(), 60);
    for (reader, writer) in cases {
        assert!(
            validates("BACKWARD_TRANSITIVE", &named(reader), &[&named(writer)]),
            "reader {reader}, writer {writer}"
        );
    }
}

#[test]
fn schema_compatibility_failures() {
    // TestSchemaValidation.schemaCompatibilityFailures: canReadStrategy().validateAll() refuses
    // INCOMPATIBLE_READER_WRITER_TEST_CASES (reader, writer).
    let cases = [
        ("NULL_SCHEMA", "INT_SCHEMA"),
        ("NULL_SCHEMA", "LONG_SCHEMA"),
        ("BOOLEAN_SCHEMA", "INT_SCHEMA"),
        ("INT_SCHEMA", "NULL_SCHEMA"),
        ("INT_SCHEMA", "BOOLEAN_SCHEMA"),
        ("INT_SCHEMA", "LONG_SCHEMA"),
        ("INT_SCHEMA", "FLOAT_SCHEMA"),
        ("INT_SCHEMA", "DOUBLE_SCHEMA"),
        ("LONG_SCHEMA", "FLOAT_SCHEMA"),
        ("LONG_SCHEMA", "DOUBLE_SCHEMA"),
        ("FLOAT_SCHEMA", "DOUBLE_SCHEMA"),
        ("STRING_SCHEMA", "BOOLEAN_SCHEMA"),
        ("STRING_SCHEMA", "INT_SCHEMA"),
        ("BYTES_SCHEMA", "NULL_SCHEMA"),
        ("BYTES_SCHEMA", "INT_SCHEMA"),
        ("INT_ARRAY_SCHEMA", "LONG_ARRAY_SCHEMA"),
        ("INT_MAP_SCHEMA", "INT_ARRAY_SCHEMA"),
        ("INT_ARRAY_SCHEMA", "INT_MAP_SCHEMA"),
        ("INT_MAP_SCHEMA", "LONG_MAP_SCHEMA"),
        ("ENUM1_AB_SCHEMA", "ENUM2_AB_SCHEMA"),
        ("INT_SCHEMA", "ENUM2_AB_SCHEMA"),
        ("ENUM2_AB_SCHEMA", "INT_SCHEMA"),
        ("INT_UNION_SCHEMA", "INT_STRING_UNION_SCHEMA"),
        ("STRING_UNION_SCHEMA", "INT_STRING_UNION_SCHEMA"),
        ("FLOAT_SCHEMA", "INT_LONG_FLOAT_DOUBLE_UNION_SCHEMA"),
        ("LONG_SCHEMA", "INT_FLOAT_UNION_SCHEMA"),
        ("INT_SCHEMA", "INT_FLOAT_UNION_SCHEMA"),
        ("A_INT_RECORD1", "EMPTY_RECORD1"),
        ("A_INT_B_DINT_RECORD1", "EMPTY_RECORD1"),
        ("NULL_SCHEMA", "INT_SCHEMA"),
    ];
    assert_eq!(cases.len(), 30);
    for (reader, writer) in cases {
        assert!(
            !validates("BACKWARD_TRANSITIVE", &named(reader), &[&named(writer)]),
            "reader {reader}, writer {writer}"
        );
    }
}

/// TestSchemaValidation's `rec` .. `rec5` (SchemaBuilder records named "test.Rec").
fn rec(n: u8) -> Schema {
    let fields = match n {
        1 => r#"{"name": "a", "type": "int", "default": 1}, {"name": "b", "type": "long"}"#,
        2 => r#"{"name": "a", "type": "int", "default": 1}, {"name": "b", "type": "long"}, {"name": "c", "type": "int", "default": 0}"#,
        3 => r#"{"name": "b", "type": "long"}, {"name": "c", "type": "int", "default": 0}"#,
        4 => r#"{"name": "b", "type": "long"}, {"name": "c", "type": "int"}"#,
        5 => r#"{"name": "a", "type": "string", "default": ""}, {"name": "b", "type": "long"}, {"name": "c", "type": "int", "default": 0}"#,
        _ => unreachable!(),
    };
    schema(&format!(r#"{{"type": "record", "name": "test.Rec", "fields": [{fields}]}}"#))
}

#[test]
fn read_one_prior() {
    // TestSchemaValidation.readOnePrior: canReadStrategy().validateLatest() = BACKWARD.
    let (rec, rec3, rec4, rec5) = (rec(1), rec(3), rec(4), rec(5));
    assert!(validates("BACKWARD", &rec3, &[&rec]));
    assert!(validates("BACKWARD", &rec5, &[&rec3]));
    assert!(!validates("BACKWARD", &rec4, &[&rec]));
}

#[test]
fn read_all_prior() {
    // TestSchemaValidation.readAllPrior: canReadStrategy().validateAll() = BACKWARD_TRANSITIVE.
    let (rec, rec2, rec3, rec4, rec5) = (rec(1), rec(2), rec(3), rec(4), rec(5));
    assert!(validates("BACKWARD_TRANSITIVE", &rec3, &[&rec, &rec2]));
    assert!(!validates("BACKWARD_TRANSITIVE", &rec4, &[&rec, &rec2, &rec3]));
    assert!(!validates("BACKWARD_TRANSITIVE", &rec5, &[&rec, &rec2, &rec3]));
}

#[test]
fn one_prior_can_read() {
    // TestSchemaValidation.onePriorCanRead: canBeReadStrategy().validateLatest() = FORWARD.
    let (rec, rec3, rec4) = (rec(1), rec(3), rec(4));
    assert!(validates("FORWARD", &rec, &[&rec3]));
    assert!(!validates("FORWARD", &rec, &[&rec4]));
}

#[test]
fn all_prior_can_read() {
    // TestSchemaValidation.allPriorCanRead: canBeReadStrategy().validateAll() = FORWARD_TRANSITIVE.
    let (rec, rec2, rec3, rec4) = (rec(1), rec(2), rec(3), rec(4));
    assert!(validates("FORWARD_TRANSITIVE", &rec, &[&rec3, &rec2]));
    assert!(!validates("FORWARD_TRANSITIVE", &rec, &[&rec4, &rec3, &rec2]));
}

#[test]
fn one_prior_compatible() {
    // TestSchemaValidation.onePriorCompatible: mutualReadStrategy().validateLatest() = FULL.
    let (rec, rec3, rec4) = (rec(1), rec(3), rec(4));
    assert!(validates("FULL", &rec, &[&rec3]));
    assert!(!validates("FULL", &rec, &[&rec4]));
}

#[test]
fn all_prior_compatible() {
    // TestSchemaValidation.allPriorCompatible: mutualReadStrategy().validateAll() = FULL_TRANSITIVE.
    let (rec, rec2, rec3, rec4) = (rec(1), rec(2), rec(3), rec(4));
    assert!(validates("FULL_TRANSITIVE", &rec, &[&rec3, &rec2]));
    assert!(!validates("FULL_TRANSITIVE", &rec, &[&rec4, &rec3, &rec2]));
}

#[test]
fn all_types() {
    // TestSchemaValidation.allTypes: a schema with every type is FULL-compatible with itself.
    let s = schema(
        r#"{"type": "record", "name": "r", "fields": [
        {"name": "boolF", "type": "boolean"}, {"name": "intF", "type": "int"}, {"name": "longF", "type": "long"},
        {"name": "floatF", "type": "float"}, {"name": "doubleF", "type": "double"}, {"name": "stringF", "type": "string"},
        {"name": "bytesF", "type": "bytes"}, {"name": "fixedF1", "type": {"type": "fixed", "name": "F1", "size": 1}},
        {"name": "enumF", "type": {"type": "enum", "name": "E1", "symbols": ["S"]}},
        {"name": "mapF", "type": {"type": "map", "values": "string"}}, {"name": "arrayF", "type": {"type": "array", "items": "string"}},
        {"name": "recordF", "type": {"type": "record", "name": "inner", "fields": [{"name": "f", "type": "int"}]}},
        {"name": "boolO", "type": ["null", "boolean"], "default": null}]}"#,
    );
    assert!(validates("FULL", &s, &[&s]));
}

#[test]
fn union_with_incompatible_elements() {
    // TestSchemaValidation.unionWithIncompatibleElements: [rec4] cannot read [rec].
    let (union1, union2) = (schema(&format!("[{}]", canonical(&rec(1)))), schema(&format!("[{}]", canonical(&rec(4)))));
    assert!(!validates("BACKWARD_TRANSITIVE", &union2, &[&union1]));
}

#[test]
fn union_with_compatible_elements() {
    // TestSchemaValidation.unionWithCompatibleElements: [rec3] reads [rec].
    let (union1, union2) = (schema(&format!("[{}]", canonical(&rec(1)))), schema(&format!("[{}]", canonical(&rec(3)))));
    assert!(validates("BACKWARD_TRANSITIVE", &union2, &[&union1]));
}

#[test]
fn recursive_schema_validation() {
    // TestSchemaValidation.recursiveSchemaValidation (AVRO-2122): a recursive schema against itself.
    let node = schema(r#"{"type":"record","name":"Node","namespace":"avro","fields":[{"name":"value","type":["null","Node"],"default":null}]}"#);
    assert!(validates("BACKWARD", &node, &[&node]));
}

fn canonical(s: &Schema) -> String {
    kafkascope::client::avro::canonical(s)
}
