//! Serializers and deserializers: what the bytes are, and what breaks when producer and consumer disagree.
mod common;
use common::*;
use kafkascope::partitioner::partition_for_key;
use kafkascope::serialization::Serde;
use kafkascope::trace::Event;
use kafkascope::Command;
use serde_json::json;

fn producer_with(w: &mut kafkascope::World, name: &str, config: serde_json::Value) {
    w.apply(Command::AddProducer {
        name: name.into(),
        cluster: None,
        config: serde_json::from_value(config).unwrap(),
    })
    .unwrap();
}

fn one_partition_topic() -> kafkascope::World {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 1, 3);
    w
}

#[test]
fn the_built_in_serializers_write_kafkas_bytes() {
    assert_eq!(*Serde::Integer.serialize("42").unwrap(), [0, 0, 0, 42]);
    assert_eq!(*Serde::Long.serialize("-1").unwrap(), [0xff; 8]);
    assert_eq!(*Serde::String.serialize("카프카").unwrap(), *"카프카".as_bytes());
    assert_eq!(*Serde::Json.serialize("{ \"a\" : 1 }").unwrap(), *b"{\"a\":1}");
    assert_eq!(Serde::Integer.deserialize(&[0, 0, 1, 0]).unwrap(), "256");
    assert!(Serde::Integer
        .serialize("forty-two")
        .unwrap_err()
        .starts_with("SerializationException: IntegerSerializer"));
}

#[test]
fn an_integer_written_and_read_as_a_string_gives_garbled_text_and_no_error() {
    let mut w = one_partition_topic();
    producer_with(&mut w, "p", json!({"value.serializer": "integer"}));
    start_consumer(&mut w, "c", "g", &["orders"], json!({"auto.offset.reset": "earliest"}));
    w.run_for(10_000);
    produce(&mut w, "p", "orders", None, "65");
    w.run_for(2_000);
    assert_eq!(poll(&mut w, "c"), vec!["\u{0}\u{0}\u{0}A"], "bytes 00 00 00 41 read as UTF-8");
}

#[test]
fn five_bytes_for_the_integer_deserializer_are_a_poison_pill_until_the_consumer_seeks_past() {
    let mut w = one_partition_topic();
    add_producer(&mut w, "p", "all");
    start_consumer(
        &mut w,
        "c",
        "g",
        &["orders"],
        json!({"auto.offset.reset": "earliest", "value.deserializer": "integer"}),
    );
    w.run_for(10_000);
    producer_with(&mut w, "ints", json!({"value.serializer": "integer"}));
    for (producer, value) in [("ints", "7"), ("p", "hello"), ("ints", "8")] {
        produce(&mut w, producer, "orders", None, value);
        w.run_for(1_000);
    }
    assert_eq!(poll(&mut w, "c"), vec!["7"], "the good record before the bad one is returned");
    for _ in 0..2 {
        let before = w.trace.len();
        assert!(poll(&mut w, "c").is_empty());
        let failure = w.trace[before..].iter().find_map(|r| match &r.event {
            Event::PollFailed { offset, error, .. } => Some((*offset, error.clone())),
            _ => None,
        });
        let (offset, error) = failure.expect("poll fails");
        assert_eq!(offset, 1);
        assert!(
            error.contains("partition orders-0 at offset 1") && error.contains("Size of data received by IntegerDeserializer is not 4"),
            "{error}"
        );
    }
    let stuck = |w: &kafkascope::World| kafkascope::view::view(w).consumers[0].poll_failure.as_ref().map(|f| f.offset);
    assert_eq!(stuck(&w), Some(1), "the view shows the poison pill while the consumer stands at it");
    w.apply(Command::Seek {
        consumer: "c".into(),
        topic: "orders".into(),
        partition: 0,
        offset: 2,
    })
    .unwrap();
    assert_eq!(stuck(&w), None, "past it after the seek");
    w.run_for(1_000);
    assert_eq!(poll(&mut w, "c"), vec!["8"]);
}

#[test]
fn a_value_the_serializer_refuses_fails_the_send_before_anything_reaches_a_broker() {
    let mut w = one_partition_topic();
    producer_with(&mut w, "p", json!({"value.serializer": "integer"}));
    let before = w.trace.len();
    produce(&mut w, "p", "orders", None, "not a number");
    w.run_for(2_000);
    let after = &w.trace[before..];
    assert!(after
        .iter()
        .any(|r| matches!(&r.event, Event::ProduceFailed { error, .. } if error.starts_with("SerializationException"))));
    assert!(!after.iter().any(|r| matches!(&r.event, Event::MessageSent { kind: "Produce", .. })));
}

#[test]
fn the_partitioner_hashes_the_serialized_key_bytes() {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 6, 3);
    producer_with(&mut w, "p", json!({"key.serializer": "integer"}));
    produce(&mut w, "p", "orders", Some("42"), "v");
    w.run_for(2_000);
    let expected = partition_for_key(&[0, 0, 0, 42], 6);
    assert!(events(&w).any(|e| matches!(e, Event::ProduceQueued { tp, .. } if tp.partition == expected)));
}
