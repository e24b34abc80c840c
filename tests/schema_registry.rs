//! The registry's compatibility answers, from Avro's and the registry's documented rules,
//! and Confluent's wire format.
use kafkascope::client::avro::{decode, encode, parse};
use kafkascope::client::schema_registry_client::{subject, unframe};
use kafkascope::schema_registry::avro::check;
use kafkascope::schema_registry::{Compatibility, IncompatibilityType, Incompatible};

fn schema(name: &str) -> apache_avro::Schema {
    parse(&std::fs::read_to_string(format!("{}/tests/schemas/{name}.avsc", env!("CARGO_MANIFEST_DIR"))).unwrap()).unwrap()
}

fn compatible(level: &str, history: &[&str]) -> Result<(), String> {
    let schemas: Vec<_> = history.iter().map(|n| schema(n)).collect();
    let (new, earlier) = schemas.split_last().unwrap();
    check(Compatibility::from_name(level).unwrap(), earlier, new).map_err(|e| e.to_string())
}

/// The check on schema texts (oldest first, the new one last), keeping the structured refusal.
fn check_texts(level: &str, history: &[&str]) -> Result<(), Incompatible> {
    let schemas: Vec<_> = history.iter().map(|t| parse(t).unwrap()).collect();
    let (new, earlier) = schemas.split_last().unwrap();
    check(Compatibility::from_name(level).unwrap(), earlier, new)
}

#[test]
fn adding_a_field_with_a_default_is_backward_compatible() {
    assert_eq!(compatible("BACKWARD", &["user-v1", "user-v2-with-default"]), Ok(()));
}

#[test]
fn adding_a_field_without_a_default_is_not_backward_compatible() {
    let err = compatible("BACKWARD", &["user-v1", "user-v2-no-default"]).unwrap_err();
    assert!(
        err.contains("errorType:'READER_FIELD_MISSING_DEFAULT_VALUE'") && err.contains("The field 'age' at path '/fields/1'"),
        "{err}"
    );
}

#[test]
fn removing_a_field_with_a_default_is_forward_compatible() {
    assert_eq!(compatible("FORWARD", &["user-v2-with-default", "user-v1"]), Ok(()));
}

#[test]
fn removing_a_field_without_a_default_is_not_forward_compatible() {
    assert!(compatible("FORWARD", &["user-v2-no-default", "user-v1"]).is_err());
}

#[test]
fn full_needs_both_directions() {
    assert_eq!(compatible("FULL", &["user-v1", "user-v2-with-default"]), Ok(()));
    assert!(compatible("FULL", &["user-v1", "user-v2-no-default"]).is_err());
}

#[test]
fn a_transitive_level_checks_every_earlier_version_not_just_the_latest() {
    // v1 {name}, v2 {name, score: int = 0}, v3 {name, score: long}: v3 reads v2's data (int
    // promotes to long) but not v1's (score has no default). Only the transitive level sees it.
    let v1 = r#"{"type": "record", "name": "User", "fields": [{"name": "name", "type": "string"}]}"#;
    let v2 = r#"{"type": "record", "name": "User", "fields": [{"name": "name", "type": "string"}, {"name": "score", "type": "int", "default": 0}]}"#;
    let v3 = r#"{"type": "record", "name": "User", "fields": [{"name": "name", "type": "string"}, {"name": "score", "type": "long"}]}"#;
    assert_eq!(check_texts("BACKWARD", &[v1, v2, v3]), Ok(()));
    let err = check_texts("BACKWARD_TRANSITIVE", &[v1, v2, v3]).unwrap_err();
    assert_eq!(err.version, 1, "{err}");
    assert_eq!(err.first().kind, IncompatibilityType::ReaderFieldMissingDefaultValue);
    assert!(err.to_string().contains("{oldSchemaVersion: 1}"), "{err}");
}

#[test]
fn a_nullable_field_made_required_is_not_backward_compatible() {
    // The crate's checker called this compatible; Java's SchemaCompatibility (and so the registry)
    // refuses it: the writer union's "null" branch cannot be read as a string.
    let err = check_texts(
        "BACKWARD",
        &{
            let h = ["user-v2-with-default", "user-v3-email-required"]
                .map(|n| std::fs::read_to_string(format!("{}/tests/schemas/{n}.avsc", env!("CARGO_MANIFEST_DIR"))).unwrap());
            h
        }
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>(),
    )
    .unwrap_err();
    assert_eq!(err.first().kind, IncompatibilityType::TypeMismatch);
    assert_eq!(err.first().location, "/fields/1/type/0");
    assert_eq!(err.first().message, "reader type: STRING not compatible with writer type: NULL");
}

#[test]
fn the_refusal_reads_as_confluents_details_list() {
    let v1 = r#"{"type": "record", "name": "User", "fields": [{"name": "name", "type": "string"}]}"#;
    let v2 = r#"{"type": "record", "name": "User", "fields": [{"name": "name", "type": "string"}, {"name": "email", "type": "string"}]}"#;
    let err = check_texts("BACKWARD", &[v1, v2]).unwrap_err();
    let old = kafkascope::client::avro::canonical(&parse(v1).unwrap());
    assert_eq!(
        err.to_string(),
        format!(
            "[{{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'email' at path '/fields/1' in the new schema has no default value and is missing in the old schema', additionalInfo:'email'}}, {{oldSchemaVersion: 1}}, {{oldSchema: '{old}'}}, {{validateFields: 'false', compatibility: 'BACKWARD'}}]"
        )
    );
    // FORWARD words it the other way round: the old schema reads the new one's data.
    let err = check_texts("FORWARD", &[v2, v1]).unwrap_err();
    assert!(
        err.to_string().starts_with("[{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'email' at path '/fields/1' in the old schema has no default value and is missing in the new schema', additionalInfo:'email'}, {oldSchemaVersion: 1}"),
        "{err}"
    );
    // FULL lists the FORWARD direction first, without the old schema after it (SchemaValidatorBuilder.mutualReadStrategy).
    let err = check_texts("FULL", &[v2, v1]).unwrap_err();
    assert!(err.new_reads_old.is_empty() && err.old_reads_new.len() == 1);
    assert!(
        err.to_string()
            .ends_with("additionalInfo:'email'}, {validateFields: 'false', compatibility: 'FULL'}]"),
        "{err}"
    );
}

#[test]
fn an_enum_symbol_added_without_a_reader_default_fails_forward_levels() {
    // Rule 31: the earlier reader enum [A, B] has no default, so it cannot read C.
    let ab = r#"{"type": "record", "name": "R", "fields": [{"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B"]}}]}"#;
    let abc = r#"{"type": "record", "name": "R", "fields": [{"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B", "C"]}}]}"#;
    assert_eq!(check_texts("BACKWARD", &[ab, abc]), Ok(()));
    for level in ["FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"] {
        let err = check_texts(level, &[ab, abc]).unwrap_err();
        assert_eq!(err.first().kind, IncompatibilityType::MissingEnumSymbols, "{level}");
        assert_eq!((err.first().message.as_str(), err.first().location.as_str()), ("[C]", "/fields/0/type/symbols"));
    }
    // With a default symbol in the reader, the same change passes.
    let ab_default = ab.replace(r#"["A", "B"]}"#, r#"["A", "B"], "default": "A"}"#);
    assert_eq!(
        check_texts("FULL", &[&ab_default, &abc.replace(r#""C"]}"#, r#""C"], "default": "A"}"#)]),
        Ok(())
    );
}

#[test]
fn promotions_are_one_way() {
    let field = |t: &str| format!(r#"{{"type": "record", "name": "R", "fields": [{{"name": "x", "type": {t}}}]}}"#);
    for (old, new) in [
        ("\"int\"", "\"long\""),
        ("\"int\"", "\"float\""),
        ("\"int\"", "\"double\""),
        ("\"long\"", "\"float\""),
        ("\"long\"", "\"double\""),
        ("\"float\"", "\"double\""),
        ("\"string\"", "\"bytes\""),
        ("\"bytes\"", "\"string\""),
    ] {
        assert_eq!(check_texts("BACKWARD", &[&field(old), &field(new)]), Ok(()), "{old} -> {new}");
    }
    let err = check_texts("FULL", &[&field("\"int\""), &field("\"long\"")]).unwrap_err();
    assert_eq!(err.first().message, "reader type: INT not compatible with writer type: LONG");
    assert_eq!(err.first().location, "/fields/0/type");
}

#[test]
fn transitive_levels_check_newest_first_and_stop_at_the_first_failure() {
    // Confluent reverses the earlier versions and stops at the first that fails.
    let a = r#"{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]}"#;
    let b = r#"{"type": "record", "name": "R", "fields": [{"name": "b", "type": "int"}]}"#;
    let c = r#"{"type": "record", "name": "R", "fields": [{"name": "c", "type": "int"}]}"#;
    let err = check_texts("BACKWARD_TRANSITIVE", &[a, b, c]).unwrap_err();
    assert_eq!(err.version, 2);
}

#[test]
fn none_accepts_anything() {
    assert_eq!(compatible("NONE", &["user-v1", "user-v2-no-default"]), Ok(()));
}

#[test]
fn subjects_follow_the_topic_name_strategy() {
    assert_eq!(
        (subject("orders", true), subject("orders", false)),
        ("orders-key".to_string(), "orders-value".to_string())
    );
}

#[test]
fn the_wire_format_is_magic_byte_schema_id_then_the_avro_body() {
    let bytes = encode(&schema("user-v2-with-default"), 7, r#"{"name": "kim", "email": "k@x"}"#).unwrap();
    // 00 | 00 00 00 07 | "kim" as zigzag length 3 (06) + bytes | union branch 1 (02) | "k@x"
    assert_eq!(bytes, vec![0x00, 0, 0, 0, 7, 0x06, b'k', b'i', b'm', 0x02, 0x06, b'k', b'@', b'x']);
    assert_eq!(unframe(&bytes).unwrap().0, 7);
}

#[test]
fn a_new_reader_resolves_old_data_with_the_field_default() {
    let bytes = encode(&schema("user-v1"), 1, r#"{"name": "kim"}"#).unwrap();
    let read = decode(&bytes, &schema("user-v1"), &schema("user-v2-with-default")).unwrap();
    assert_eq!(read, serde_json::json!({"name": "kim", "email": null}));
}

#[test]
fn a_record_that_does_not_fit_is_refused_naming_the_field() {
    let err = encode(&schema("user-v1"), 1, r#"{"name": 5}"#).unwrap_err();
    assert!(err.contains("field \"name\""), "{err}");
    let err = encode(&schema("user-v1"), 1, r#"{}"#).unwrap_err();
    assert!(err.contains("field \"name\" is missing"), "{err}");
}
