//! The producer's partitioner against values Kafka's Java client computes.
mod common;
use common::*;
use kafkascope::partitioner::{murmur2, partition_for_key};
use kafkascope::trace::Event;

/// (key, Utils.murmur2 as a Java int, partition of 3, partition of 6)
const JAVA_VECTORS: &[(&str, i32, u32, u32)] = &[
    ("hello", 2132663229, 0, 3),
    ("user-2", -324981792, 2, 2),
    ("카프카", -1792248277, 1, 1),
    ("a", -1563381124, 1, 4),
];

#[test]
fn murmur2_matches_kafkas_java_client_for_ascii_and_korean_keys() {
    for (key, hash, of3, of6) in JAVA_VECTORS {
        assert_eq!(murmur2(key.as_bytes()), *hash, "murmur2({key})");
        assert_eq!(partition_for_key(key.as_bytes(), 3), *of3, "{key} of 3");
        assert_eq!(partition_for_key(key.as_bytes(), 6), *of6, "{key} of 6");
    }
}

#[test]
fn every_tail_length_is_mixed_in() {
    // Keys of 4, 5, 6 and 7 bytes exercise the block loop and each tail case; each must hash differently.
    let hashes: Vec<i32> = ["abcd", "abcde", "abcdef", "abcdefg"].iter().map(|k| murmur2(k.as_bytes())).collect();
    let mut unique = hashes.clone();
    unique.dedup();
    assert_eq!(unique.len(), 4, "{hashes:?}");
}

#[test]
fn a_keyed_record_lands_in_the_partition_kafkas_client_picks() {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 6, 3);
    add_producer(&mut w, "p1", "all");
    for (key, _, _, of6) in JAVA_VECTORS {
        produce(&mut w, "p1", "orders", Some(key), key);
        w.run_until_quiet(10_000);
        let leader = leader_of(&w, "orders", *of6).unwrap();
        assert!(values_on(&w, leader, "orders", *of6).contains(&key.to_string()), "{key} not in orders-{of6}");
    }
}

#[test]
fn sticky_partitioner_keeps_unkeyed_records_of_one_batch_together() {
    let mut w = cluster(3);
    create_topic(&mut w, "logs", 3, 1);
    let config = serde_json::from_value(serde_json::json!({"acks": "1", "partitioner": "sticky", "linger.ms": 50})).unwrap();
    w.apply(kafkascope::Command::AddProducer {
        name: "p".into(),
        cluster: None,
        config,
    })
    .unwrap();
    produce(&mut w, "p", "logs", None, "warm-up");
    w.run_until_quiet(10_000);
    for i in 0..5 {
        produce(&mut w, "p", "logs", None, &format!("r{i}"));
    }
    w.run_until_quiet(10_000);
    let partitions: Vec<u32> = events(&w)
        .filter_map(|e| match e {
            Event::ProduceQueued { tp, value: Some(v), .. } if v.starts_with(b"r") => Some(tp.partition),
            _ => None,
        })
        .collect();
    assert_eq!(partitions.len(), 5);
    assert!(partitions.iter().all(|p| *p == partitions[0]), "{partitions:?}");
}

#[test]
fn round_robin_partitioner_deals_records_in_turn_even_with_keys() {
    let mut w = cluster(3);
    create_topic(&mut w, "logs", 3, 1);
    let config = serde_json::from_value(serde_json::json!({"acks": "1", "partitioner": "round-robin"})).unwrap();
    w.apply(kafkascope::Command::AddProducer {
        name: "p".into(),
        cluster: None,
        config,
    })
    .unwrap();
    produce(&mut w, "p", "logs", Some("same"), "first");
    w.run_until_quiet(10_000);
    for i in 0..5 {
        produce(&mut w, "p", "logs", Some("same"), &format!("r{i}"));
    }
    w.run_until_quiet(10_000);
    let partitions: Vec<u32> = events(&w)
        .filter_map(|e| match e {
            Event::ProduceQueued { tp, .. } => Some(tp.partition),
            _ => None,
        })
        .collect();
    assert_eq!(partitions, vec![0, 1, 2, 0, 1, 2]);
}
