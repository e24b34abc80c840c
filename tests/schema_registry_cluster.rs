//! The schema registry in the cluster: its `_schemas` topic, Avro producers and consumers
//! talking to it, and what breaks when their schemas disagree.
mod common;
use common::*;
use kafkascope::trace::Event;
use kafkascope::World;
use serde_json::{json, Value};

fn schema(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{}/tests/schemas/{name}.avsc", env!("CARGO_MANIFEST_DIR"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn apply(w: &mut World, cmd: Value) -> Result<(), String> {
    let cmd = serde_json::from_value(cmd).map_err(|e| e.to_string())?;
    w.apply(cmd).map_err(|e| e.to_string())
}

/// Three brokers, a `users` topic with one partition, and a running registry.
fn cluster_with_registry() -> World {
    let mut w = cluster(3);
    create_topic(&mut w, "users", 1, 3);
    apply(&mut w, json!({"cmd": "start_schema_registry"})).unwrap();
    w.run_for(1_000);
    w
}

fn avro_producer(w: &mut World, name: &str, value_schema: &str) {
    let config = json!({"value.serializer": "avro", "value.schema": schema(value_schema)});
    apply(w, json!({"cmd": "add_producer", "name": name, "config": config})).unwrap();
}

fn avro_consumer(w: &mut World, name: &str, reader_schema: Option<&str>) {
    let mut config = json!({"auto.offset.reset": "earliest", "value.deserializer": "avro"});
    if let Some(r) = reader_schema {
        config["value.reader.schema"] = schema(r);
    }
    start_consumer(w, name, &format!("{name}-group"), &["users"], config);
}

fn registered(w: &World) -> Vec<(String, u32, u32)> {
    events(w)
        .filter_map(|e| match e {
            Event::SchemaRegistered { subject, version, id } => Some((subject.clone(), *version, *id)),
            _ => None,
        })
        .collect()
}

fn failures(w: &World, producer: &str) -> Vec<String> {
    events(w)
        .filter_map(|e| match e {
            Event::ProduceFailed { producer: p, error, .. } if &**p == producer => Some(error.clone()),
            _ => None,
        })
        .collect()
}

fn raw_values(w: &World, topic: &str) -> Vec<Vec<u8>> {
    let leader = leader_of(w, topic, 0).unwrap();
    w.brokers[&(0, leader)].partitions[&tp(topic, 0)]
        .log
        .records
        .iter()
        .map(|r| r.value.as_deref().unwrap_or_default().to_vec())
        .collect()
}

/// The keys and values of `_schemas`, as the partition leader stores them.
fn schemas_records(w: &World) -> Vec<(Value, Value)> {
    let leader = leader_of(w, "_schemas", 0).unwrap();
    let json = |b: &Option<kafkascope::protocol::Bytes>| b.as_deref().map_or(Value::Null, |b| serde_json::from_slice(b).unwrap());
    w.brokers[&(0, leader)].partitions[&tp("_schemas", 0)]
        .log
        .records
        .iter()
        .map(|r| (json(&r.key), json(&r.value)))
        .collect()
}

#[test]
fn the_registry_creates_its_compacted_schemas_topic_through_zookeeper() {
    let w = cluster_with_registry();
    assert_eq!(
        w.zk.znode("/config/topics/_schemas").unwrap().data,
        r#"{"config":{"cleanup.policy":"compact"},"version":1}"#
    );
    let leader = leader_of(&w, "_schemas", 0).expect("the controller elected a leader");
    assert_eq!(w.brokers[&(0, leader)].partitions[&tp("_schemas", 0)].replicas.len(), 3, "replication factor 3");
}

#[test]
fn a_registered_schema_is_a_record_of_schemas_and_is_served_once_acknowledged() {
    let mut w = cluster_with_registry();
    apply(&mut w, json!({"cmd": "register_schema", "subject": "users-value", "schema": schema("user-v1")})).unwrap();
    assert!(registered(&w).is_empty(), "not before the cluster acknowledged the write");
    w.run_for(1_000);
    assert_eq!(registered(&w), vec![("users-value".into(), 1, 1)]);
    let records = schemas_records(&w);
    assert_eq!(records[0].0, json!({"keytype": "NOOP", "magic": 0}), "the registry's start marker");
    let (key, value) = &records[1];
    assert_eq!(*key, json!({"keytype": "SCHEMA", "subject": "users-value", "version": 1, "magic": 1}));
    assert_eq!((value["id"].clone(), value["deleted"].clone()), (json!(1), json!(false)));
    let leader = leader_of(&w, "_schemas", 0).unwrap();
    let raw = &w.brokers[&(0, leader)].partitions[&tp("_schemas", 0)].log.records[1];
    assert!(
        raw.key
            .as_deref()
            .unwrap()
            .starts_with(br#"{"keytype":"SCHEMA","subject":"users-value","version":1"#),
        "the registry's field order"
    );
    assert!(raw
        .value
        .as_deref()
        .unwrap()
        .starts_with(br#"{"subject":"users-value","version":1,"id":1,"schema":"#));
}

#[test]
fn an_avro_producer_registers_its_schema_then_writes_magic_byte_schema_id_and_avro_body() {
    let mut w = cluster_with_registry();
    avro_producer(&mut w, "p", "user-v1");
    produce(&mut w, "p", "users", None, r#"{"name": "kim"}"#);
    w.run_for(2_000);
    assert_eq!(registered(&w), vec![("users-value".into(), 1, 1)], "registered under <topic>-value");
    // Avro binary of {"name": "kim"}: the string's length as a zigzag varint (3 → 6), then UTF-8.
    assert_eq!(raw_values(&w, "users"), vec![vec![0, 0, 0, 0, 1, 6, b'k', b'i', b'm']]);
}

#[test]
fn an_avro_consumer_asks_the_registry_for_the_writers_schema_by_id_then_reads_the_record() {
    let mut w = cluster_with_registry();
    avro_producer(&mut w, "p", "user-v1");
    avro_consumer(&mut w, "c", None);
    w.run_for(10_000);
    produce(&mut w, "p", "users", None, r#"{"name": "kim"}"#);
    produce(&mut w, "p", "users", None, r#"{"name": "lee"}"#);
    w.run_for(2_000);
    assert_eq!(poll(&mut w, "c"), vec![r#"{"name":"kim"}"#, r#"{"name":"lee"}"#]);
    let asked = w
        .trace
        .iter()
        .filter(|r| matches!(&r.event, Event::MessageDelivered { kind: "GetSchemaById", .. }))
        .count();
    assert_eq!(asked, 1, "one question for id 1, however many records carry it");
}

#[test]
fn a_schema_the_registry_refuses_fails_the_send_before_anything_reaches_a_broker() {
    let mut w = cluster_with_registry();
    avro_producer(&mut w, "v1", "user-v1");
    produce(&mut w, "v1", "users", None, r#"{"name": "kim"}"#);
    w.run_for(2_000);
    avro_producer(&mut w, "v2", "user-v2-no-default");
    produce(&mut w, "v2", "users", None, r#"{"name": "lee", "age": 30}"#);
    w.run_for(2_000);
    let refused = events(&w).find_map(|e| match e {
        Event::SchemaRefused { subject, http_status, error } => Some((subject.clone(), *http_status, error.clone())),
        _ => None,
    });
    let (subject, status, error) = refused.expect("the registry refused v2");
    assert_eq!((subject.as_str(), status), ("users-value", 409));
    assert!(
        error.contains("incompatible with an earlier schema") && error.contains("error code: 409"),
        "{error}"
    );
    let failed = failures(&w, "v2");
    assert_eq!(failed.len(), 1);
    assert!(failed[0].starts_with("SerializationException: Error registering Avro schema"), "{}", failed[0]);
    let produce_requests_from_v2 = w
        .trace
        .iter()
        .any(|r| matches!(&r.event, Event::MessageDelivered { from, kind: "Produce", .. } if from.to_string() == "v2"));
    assert!(!produce_requests_from_v2);
    assert_eq!(raw_values(&w, "users").len(), 1, "only v1's record is in the log");
}

#[test]
fn sends_made_while_the_serializer_waits_for_the_registry_keep_their_order() {
    let mut w = cluster_with_registry();
    avro_producer(&mut w, "p", "user-v1");
    for name in ["a", "b", "c"] {
        produce(&mut w, "p", "users", None, &format!(r#"{{"name": "{name}"}}"#));
    }
    w.run_for(2_000);
    let bodies: Vec<u8> = raw_values(&w, "users").iter().map(|v| v[6]).collect();
    assert_eq!(bodies, b"abc");
    let asked = w
        .trace
        .iter()
        .filter(|r| matches!(&r.event, Event::MessageDelivered { kind: "RegisterSchema", .. }))
        .count();
    assert_eq!(asked, 1, "one registration for the three sends");
}

#[test]
fn adding_a_field_with_a_default_under_backward_lets_old_and_new_readers_read_both_versions() {
    let mut w = cluster_with_registry();
    avro_producer(&mut w, "v1", "user-v1");
    avro_producer(&mut w, "v2", "user-v2-with-default");
    avro_consumer(&mut w, "old", Some("user-v1"));
    avro_consumer(&mut w, "new", Some("user-v2-with-default"));
    w.run_for(10_000);
    produce(&mut w, "v1", "users", None, r#"{"name": "kim"}"#);
    w.run_for(1_000);
    produce(&mut w, "v2", "users", None, r#"{"name": "lee", "email": "lee@example.com"}"#);
    w.run_for(2_000);
    assert_eq!(registered(&w), vec![("users-value".into(), 1, 1), ("users-value".into(), 2, 2)]);
    assert_eq!(
        poll(&mut w, "old"),
        vec![r#"{"name":"kim"}"#, r#"{"name":"lee"}"#],
        "v1 readers skip the new field"
    );
    assert_eq!(
        poll(&mut w, "new"),
        vec![r#"{"email":null,"name":"kim"}"#, r#"{"email":"lee@example.com","name":"lee"}"#],
        "v2 readers fill the default for v1's records"
    );
}

#[test]
fn a_string_record_read_by_the_avro_deserializer_is_a_poison_pill_with_an_unknown_magic_byte() {
    let mut w = cluster_with_registry();
    add_producer(&mut w, "text", "all");
    avro_consumer(&mut w, "c", None);
    w.run_for(10_000);
    produce(&mut w, "text", "users", None, "kim");
    w.run_for(2_000);
    for _ in 0..2 {
        let before = w.trace.len();
        assert!(poll(&mut w, "c").is_empty());
        let error = w.trace[before..].iter().find_map(|r| match &r.event {
            Event::PollFailed { offset: 0, error, .. } => Some(error.clone()),
            _ => None,
        });
        let error = error.expect("every poll fails at offset 0");
        assert!(error.contains("Unknown magic byte"), "{error}");
    }
}

#[test]
fn a_compatibility_level_is_stored_in_schemas_and_then_governs_the_subject() {
    let mut w = cluster_with_registry();
    apply(&mut w, json!({"cmd": "register_schema", "subject": "users-value", "schema": schema("user-v1")})).unwrap();
    apply(&mut w, json!({"cmd": "set_compatibility", "subject": "users-value", "level": "NONE"})).unwrap();
    w.run_for(1_000);
    assert_eq!(w.schema_registry.as_ref().unwrap().level_of("users-value").to_string(), "NONE");
    apply(
        &mut w,
        json!({"cmd": "register_schema", "subject": "users-value", "schema": schema("user-v2-no-default")}),
    )
    .unwrap();
    w.run_for(1_000);
    assert_eq!(registered(&w).len(), 2, "NONE lets an incompatible version in");
    let keys: Vec<Value> = schemas_records(&w).into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys[2], json!({"keytype": "CONFIG", "subject": "users-value", "magic": 0}));
}

#[test]
fn the_same_schema_under_two_subjects_keeps_one_global_id() {
    let mut w = cluster_with_registry();
    for subject in ["users-value", "audit-value"] {
        apply(&mut w, json!({"cmd": "register_schema", "subject": subject, "schema": schema("user-v1")})).unwrap();
    }
    w.run_for(1_000);
    assert_eq!(registered(&w), vec![("users-value".into(), 1, 1), ("audit-value".into(), 1, 1)]);
}

#[test]
fn without_auto_registration_a_schema_the_subject_lacks_is_not_found() {
    let mut w = cluster_with_registry();
    let config = json!({"value.serializer": "avro", "value.schema": schema("user-v1"), "auto.register.schemas": false});
    apply(&mut w, json!({"cmd": "add_producer", "name": "p", "config": config})).unwrap();
    produce(&mut w, "p", "users", None, r#"{"name": "kim"}"#);
    w.run_for(2_000);
    let failed = failures(&w, "p");
    assert!(
        failed[0].contains("Error retrieving Avro schema") && failed[0].contains("Subject 'users-value' not found.; error code: 40401"),
        "{failed:?}"
    );
    assert!(registered(&w).is_empty());
}

#[test]
fn a_record_that_does_not_fit_the_schema_fails_naming_the_field() {
    let mut w = cluster_with_registry();
    avro_producer(&mut w, "p", "user-v1");
    produce(&mut w, "p", "users", None, r#"{"name": 42}"#);
    w.run_for(2_000);
    let failed = failures(&w, "p");
    assert!(failed[0].contains("\"name\""), "{failed:?}");
}

#[test]
fn an_isolated_registry_times_the_blocked_send_out() {
    let mut w = cluster_with_registry();
    avro_producer(&mut w, "p", "user-v1");
    apply(&mut w, json!({"cmd": "isolate", "node": "schema-registry"})).unwrap();
    produce(&mut w, "p", "users", None, r#"{"name": "kim"}"#);
    w.run_for(40_000);
    let failed = failures(&w, "p");
    assert!(failed[0].contains("did not answer"), "{failed:?}");
}

#[test]
fn a_redeployed_producer_with_a_new_schema_registers_the_next_version() {
    let mut w = cluster_with_registry();
    avro_producer(&mut w, "p", "user-v1");
    produce(&mut w, "p", "users", None, r#"{"name": "kim"}"#);
    w.run_for(1_000);
    apply(
        &mut w,
        json!({"cmd": "set_serializers", "client": "p", "value_schema": schema("user-v2-with-default")}),
    )
    .unwrap();
    produce(&mut w, "p", "users", None, r#"{"name": "lee"}"#);
    w.run_for(1_000);
    assert_eq!(registered(&w), vec![("users-value".into(), 1, 1), ("users-value".into(), 2, 2)]);
}

#[test]
fn schema_commands_refuse_what_cannot_work_and_change_nothing() {
    let mut w = cluster(3);
    let cases = [
        (
            json!({"cmd": "register_schema", "subject": "s", "schema": schema("user-v1")}),
            "no schema registry is running",
        ),
        (
            json!({"cmd": "add_producer", "name": "p", "config": {"value.serializer": "avro", "value.schema": schema("user-v1")}}),
            "needs a schema registry",
        ),
    ];
    for (cmd, expected) in cases {
        let err = apply(&mut w, cmd).unwrap_err();
        assert!(err.contains(expected), "{err}");
    }
    apply(&mut w, json!({"cmd": "start_schema_registry"})).unwrap();
    let before = w.trace.len();
    let cases = [
        (json!({"cmd": "start_schema_registry"}), "already running"),
        (
            json!({"cmd": "register_schema", "subject": "s", "schema": {"type": "recrod"}}),
            "register_schema: schema: not a valid Avro schema",
        ),
        (
            json!({"cmd": "set_compatibility", "level": "SIDEWAYS"}),
            "unknown compatibility level \"SIDEWAYS\"",
        ),
        (
            json!({"cmd": "add_producer", "name": "p", "config": {"value.serializer": "avro"}}),
            "needs value.schema",
        ),
        (
            json!({"cmd": "add_producer", "name": "p", "config": {"value.schema": schema("user-v1")}}),
            "only used with the Avro",
        ),
        (json!({"cmd": "add_producer", "name": "schema-registry"}), "taken by the cluster's own nodes"),
        (
            json!({"cmd": "set_serializers", "client": "nobody", "value": "avro"}),
            "unknown client \"nobody\"",
        ),
    ];
    for (cmd, expected) in cases {
        let err = apply(&mut w, cmd).unwrap_err();
        assert!(err.contains(expected), "{err}");
    }
    assert_eq!(w.trace.len(), before, "nothing happened");
}

#[test]
fn a_stored_avro_record_shows_its_magic_byte_schema_id_body_and_what_it_reads_as() {
    let mut w = cluster_with_registry();
    avro_producer(&mut w, "p", "user-v1");
    produce(&mut w, "p", "users", Some("k1"), r#"{"name": "kim"}"#);
    w.run_for(2_000);
    let leader = leader_of(&w, "users", 0).unwrap();
    let bytes = kafkascope::view::record_bytes(&w, 0, leader, "users", 0, 0).unwrap();
    let value = bytes.value.unwrap();
    assert_eq!(value.hex(), "0000000001066b696d");
    let frame = value.frame.expect("framed with a known id");
    assert_eq!((frame.magic, frame.schema_id, &*frame.body), (0, 1, &[0x06, 0x6b, 0x69, 0x6d][..]));
    assert_eq!(frame.decoded.as_deref(), Some(r#"{"name":"kim"}"#));
    let v = kafkascope::view::view(&w);
    let cell = &v.brokers.iter().flat_map(|b| b.replicas.iter()).find(|r| r.topic == "users").unwrap().records[0];
    assert_eq!(cell.value_schema_id, Some(1), "the picture can say which schema wrote each record");
    let key = bytes.key.unwrap();
    assert_eq!((key.hex().as_str(), key.frame.is_none()), ("6b31", true), "a String key is plain UTF-8");
    let err = kafkascope::view::record_bytes(&w, 0, leader, "users", 0, 9).unwrap_err();
    assert!(err.contains("no record at offset 9"), "{err}");
}

#[test]
fn an_avro_key_is_partitioned_by_its_framed_bytes_schema_id_included() {
    let mut w = cluster(3);
    create_topic(&mut w, "users", 6, 3);
    apply(&mut w, json!({"cmd": "start_schema_registry"})).unwrap();
    w.run_for(1_000);
    let config = json!({"key.serializer": "avro", "key.schema": {"type": "string"}});
    apply(&mut w, json!({"cmd": "add_producer", "name": "p", "config": config})).unwrap();
    produce(&mut w, "p", "users", Some("\"kim\""), "hello");
    w.run_for(2_000);
    let framed = [0u8, 0, 0, 0, 1, 6, b'k', b'i', b'm'];
    let expected = kafkascope::partitioner::partition_for_key(&framed, 6);
    let placed = events(&w).find_map(|e| match e {
        Event::ProduceQueued { tp, key: Some(k), .. } if **k == framed => Some(tp.partition),
        _ => None,
    });
    assert_eq!(placed, Some(expected), "murmur2 over magic byte, id and body, as Kafka's partitioner sees them");
    assert_eq!(registered(&w), vec![("users-key".into(), 1, 1)]);
}

#[test]
fn a_restarted_registry_reads_schemas_back_and_serves_the_same_ids() {
    let mut w = cluster_with_registry();
    for (subject, s) in [("users-value", "user-v1"), ("users-value", "user-v2-with-default"), ("audit-value", "user-v1")] {
        apply(&mut w, json!({"cmd": "register_schema", "subject": subject, "schema": schema(s)})).unwrap();
    }
    apply(&mut w, json!({"cmd": "set_compatibility", "subject": "audit-value", "level": "FULL"})).unwrap();
    w.run_for(2_000);
    let before = w.schema_registry.as_ref().unwrap().subjects.clone();
    apply(&mut w, json!({"cmd": "stop_schema_registry"})).unwrap();
    w.run_for(1_000);
    apply(&mut w, json!({"cmd": "start_schema_registry"})).unwrap();
    w.run_for(2_000);
    let r = w.schema_registry.as_ref().unwrap();
    assert!(r.ready);
    assert_eq!(serde_json::to_value(&r.subjects).unwrap(), serde_json::to_value(&before).unwrap());
    assert_eq!(r.level_of("audit-value").to_string(), "FULL");
    avro_producer(&mut w, "p", "user-v2-with-default");
    produce(&mut w, "p", "users", None, r#"{"name": "kim"}"#);
    w.run_for(10_000);
    assert_eq!(raw_values(&w, "users")[0][..5], [0, 0, 0, 0, 2], "version 2 keeps id 2 after the restart");
}

#[test]
fn a_stopped_registry_leaves_a_serializer_waiting_until_its_request_times_out() {
    let mut w = cluster_with_registry();
    apply(&mut w, json!({"cmd": "stop_schema_registry"})).unwrap();
    avro_producer(&mut w, "p", "user-v1");
    produce(&mut w, "p", "users", None, r#"{"name": "kim"}"#);
    w.run_for(40_000);
    assert!(failures(&w, "p")[0].contains("did not answer"));
    let err = apply(&mut w, json!({"cmd": "register_schema", "subject": "s", "schema": schema("user-v1")})).unwrap_err();
    assert!(err.contains("no schema registry is running"), "{err}");
}

#[test]
fn a_consumer_asking_a_registry_that_is_still_starting_gets_its_answer_once_the_registry_has_read_schemas() {
    let mut w = cluster_with_registry();
    avro_producer(&mut w, "p", "user-v1");
    produce(&mut w, "p", "users", None, r#"{"name": "kim"}"#);
    w.run_for(2_000);
    apply(&mut w, json!({"cmd": "stop_schema_registry"})).unwrap();
    apply(&mut w, json!({"cmd": "start_schema_registry"})).unwrap();
    // Slow links keep the restarted registry reading `_schemas` for a while...
    for b in 1..=3 {
        apply(
            &mut w,
            json!({"cmd": "slow_link", "a": "schema-registry", "b": format!("broker-{b}"), "ms": 8_000}),
        )
        .unwrap();
    }
    // ...so the new consumer's question for id 1 arrives before it serves.
    avro_consumer(&mut w, "late", None);
    w.run_for(8_000);
    let registry = w.schema_registry.as_ref().unwrap();
    assert!(!registry.ready && registry.subjects.is_empty(), "still reading _schemas back");
    assert!(w
        .trace
        .iter()
        .any(|r| matches!(&r.event, Event::MessageDelivered { kind: "GetSchemaById", .. })));
    w.run_for(40_000);
    assert_eq!(poll(&mut w, "late"), vec![r#"{"name":"kim"}"#], "answered once the registry serves");
    assert!(!events(&w).any(|e| matches!(e, Event::PollFailed { .. })), "never 'Schema 1 not found'");
}

#[test]
fn without_auto_registration_a_schema_the_subject_has_is_found_and_another_is_not() {
    let mut w = cluster_with_registry();
    apply(&mut w, json!({"cmd": "register_schema", "subject": "users-value", "schema": schema("user-v1")})).unwrap();
    w.run_for(1_000);
    for (name, s) in [("known", "user-v1"), ("unknown", "user-v2-with-default")] {
        let config = json!({"value.serializer": "avro", "value.schema": schema(s), "auto.register.schemas": false});
        apply(&mut w, json!({"cmd": "add_producer", "name": name, "config": config})).unwrap();
        produce(&mut w, name, "users", None, r#"{"name": "kim"}"#);
    }
    w.run_for(2_000);
    assert!(failures(&w, "known").is_empty());
    assert_eq!(raw_values(&w, "users")[0][..5], [0, 0, 0, 0, 1], "looked up: id 1");
    assert!(failures(&w, "unknown")[0].contains("Schema not found; error code: 40403"));
    assert_eq!(registered(&w).len(), 1, "a lookup never registers");
}
