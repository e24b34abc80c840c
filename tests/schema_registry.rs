//! The registry's compatibility answers, from Avro's and the registry's documented rules,
//! and Confluent's wire format.
use kafkascope::schema_registry::avro::{check, decode, encode, parse};
use kafkascope::schema_registry::{subject, unframe, Compatibility};

fn schema(name: &str) -> apache_avro::Schema {
    parse(&std::fs::read_to_string(format!("{}/tests/schemas/{name}.avsc", env!("CARGO_MANIFEST_DIR"))).unwrap()).unwrap()
}

fn compatible(level: &str, history: &[&str]) -> Result<(), String> {
    let schemas: Vec<_> = history.iter().map(|n| schema(n)).collect();
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
    assert!(err.contains("'age'") && err.contains("default"), "{err}");
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
    let history = ["user-v1", "user-v2-with-default", "user-v3-email-required"];
    assert_eq!(compatible("BACKWARD", &history), Ok(()), "v3 reads v2's data: email is there");
    let err = compatible("BACKWARD_TRANSITIVE", &history).unwrap_err();
    assert!(err.contains("version 1"), "v3 cannot read v1's data: {err}");
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
