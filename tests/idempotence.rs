//! The idempotent producer, on by default since Kafka 3.0 (KIP-98, KIP-679): a producer id
//! from the broker, a sequence number per partition, and a leader that drops a retried batch
//! it already has and answers with the offset the batch got the first time.

mod common;
use common::*;
use kafkascope::protocol::ErrorCode;
use kafkascope::trace::Event;
use kafkascope::*;

fn producer_with(w: &mut World, name: &str, config: serde_json::Value) -> Result<(), SimError> {
    w.apply(Command::AddProducer {
        name: name.into(),
        cluster: None,
        config: serde_json::from_value(config).unwrap(),
    })
}

/// Runs until the leader has appended the record, then cuts the producer off the leader so
/// the answer is lost; the request times out and the batch is sent again once the link heals.
fn lose_the_answer_and_retry(w: &mut World, producer: &str, leader: u32) {
    let appended = |w: &World| events(w).any(|e| matches!(e, Event::RecordsAppended { broker, tp, .. } if *broker == leader && &*tp.topic == "t"));
    while !appended(w) {
        w.step();
    }
    let (a, b) = (producer.to_string(), format!("broker-{leader}"));
    w.apply(Command::CutLink { a: a.clone(), b: b.clone() }).unwrap();
    w.run_for(6_000);
    w.apply(Command::HealLink { a, b }).unwrap();
    w.run_for(15_000);
}

fn settled_with_topic() -> (World, u32) {
    let mut w = cluster(3);
    create_topic(&mut w, "t", 1, 3);
    w.run_for(1_000);
    let leader = leader_of(&w, "t", 0).expect("leader");
    (w, leader)
}

#[test]
fn the_default_producer_is_idempotent_and_gets_its_producer_id_from_a_broker() {
    let (mut w, _) = settled_with_topic();
    producer_with(&mut w, "p", serde_json::json!({})).unwrap();
    w.run_for(1_000);
    // The broker asked the controller for a block of ids (KIP-730), claimed in ZooKeeper.
    assert!(events(&w).any(|e| matches!(e, Event::ProducerIdsAllocated { first: 0, last: 999, .. })));
    assert!(events(&w).any(|e| matches!(
        e,
        Event::ProducerIdReceived {
            producer_id: 0,
            producer_epoch: 0,
            ..
        }
    )));
    assert!(w
        .zk
        .znode("/latest_producer_id_block")
        .is_some_and(|z| z.data.contains("\"block_end\":\"999\"")));
    assert_eq!(w.producers["p"].producer_id_and_epoch, Some((0, 0)));
}

#[test]
fn each_batch_carries_the_producer_id_and_its_sequence_numbers() {
    let (mut w, leader) = settled_with_topic();
    producer_with(&mut w, "p", serde_json::json!({})).unwrap();
    w.run_for(1_000);
    for v in ["a", "b", "c"] {
        produce(&mut w, "p", "t", None, v);
        w.run_for(200);
    }
    let log = &w.brokers[&(0, leader)].partitions[&tp("t", 0)].log;
    let stamps: Vec<(u64, u32)> = log
        .records
        .iter()
        .map(|r| r.producer.map(|p| (p.producer_id, p.base_sequence)).unwrap())
        .collect();
    assert_eq!(stamps, vec![(0, 0), (0, 1), (0, 2)]);
}

#[test]
fn a_retry_after_a_lost_answer_is_dropped_as_a_duplicate_and_answered_with_the_first_offset() {
    let (mut w, leader) = settled_with_topic();
    producer_with(&mut w, "p", serde_json::json!({"request.timeout.ms": 5000})).unwrap();
    w.run_for(1_000);
    produce(&mut w, "p", "t", None, "once");
    lose_the_answer_and_retry(&mut w, "p", leader);
    assert!(events(&w).any(|e| matches!(
        e,
        Event::ProduceRefused {
            error: ErrorCode::RequestTimedOut,
            retrying: true,
            ..
        }
    )));
    assert!(events(&w).any(|e| matches!(
        e,
        Event::DuplicateBatchDropped {
            base_sequence: 0,
            base_offset: 0,
            ..
        }
    )));
    assert_eq!(values_on(&w, leader, "t", 0), vec!["once"]);
    assert_eq!(acked(&w, "p").iter().map(|(_, _, o)| *o).collect::<Vec<_>>(), vec![Some(0)]);
}

#[test]
fn without_idempotence_the_same_retry_writes_the_record_twice() {
    let (mut w, leader) = settled_with_topic();
    producer_with(&mut w, "p", serde_json::json!({"request.timeout.ms": 5000, "enable.idempotence": false})).unwrap();
    w.run_for(1_000);
    produce(&mut w, "p", "t", None, "once");
    lose_the_answer_and_retry(&mut w, "p", leader);
    assert!(!events(&w).any(|e| matches!(e, Event::DuplicateBatchDropped { .. })));
    assert_eq!(values_on(&w, leader, "t", 0), vec!["once", "once"]);
}

#[test]
fn a_new_leader_recognises_a_retry_from_the_producer_state_it_replicated() {
    let (mut w, leader) = settled_with_topic();
    producer_with(&mut w, "p", serde_json::json!({"request.timeout.ms": 5000})).unwrap();
    w.run_for(1_000);
    produce(&mut w, "p", "t", None, "once");
    // The followers fetch the batch (and so the producer's state), then the leader's answer is lost.
    let replicated = |w: &World| {
        w.brokers
            .values()
            .filter(|b| b.id != leader)
            .all(|b| b.partitions[&tp("t", 0)].log.producer_state.producers.contains_key(&0))
    };
    while !replicated(&w) {
        w.step();
    }
    w.apply(Command::CutLink {
        a: "p".into(),
        b: format!("broker-{leader}"),
    })
    .unwrap();
    w.apply(Command::CrashBroker { broker: leader, cluster: None }).unwrap();
    w.run_for(30_000);
    let new_leader = leader_of(&w, "t", 0).expect("a new leader");
    assert_ne!(new_leader, leader);
    assert!(events(&w).any(|e| matches!(e, Event::DuplicateBatchDropped { broker, .. } if *broker == new_leader)));
    assert_eq!(values_on(&w, new_leader, "t", 0), vec!["once"]);
}

#[test]
fn a_sequence_gap_after_an_unclean_election_bumps_the_epoch_and_the_batch_still_goes_through() {
    let mut w = cluster_with(2, 1, |c| c.unclean_leader_election_enable = true);
    create_topic(&mut w, "t", 1, 2);
    w.run_for(1_000);
    let leader = leader_of(&w, "t", 0).unwrap();
    let follower = 3 - leader;
    producer_with(&mut w, "p", serde_json::json!({"request.timeout.ms": 5000})).unwrap();
    w.run_for(1_000);
    produce(&mut w, "p", "t", None, "seq-0");
    w.run_for(1_000);
    // The follower falls out of the ISR; the leader alone acknowledges sequence 1, then dies.
    w.apply(Command::Isolate {
        node: format!("broker-{follower}"),
    })
    .unwrap();
    w.run_for(35_000);
    produce(&mut w, "p", "t", None, "seq-1");
    w.run_for(1_000);
    assert_eq!(acked(&w, "p").len(), 2);
    w.apply(Command::CrashBroker { broker: leader, cluster: None }).unwrap();
    w.apply(Command::Heal {
        node: format!("broker-{follower}"),
    })
    .unwrap();
    w.run_for(30_000);
    assert_eq!(leader_of(&w, "t", 0), Some(follower));
    // The new leader knows sequence 0 only: sequence 2 leaves a gap.
    produce(&mut w, "p", "t", None, "seq-2");
    w.run_for(5_000);
    assert!(events(&w).any(|e| matches!(
        e,
        Event::ProduceRefused {
            error: ErrorCode::OutOfOrderSequenceNumber,
            retrying: true,
            ..
        }
    )));
    assert!(events(&w).any(|e| matches!(e, Event::ProducerEpochBumped { producer_epoch: 1, .. })));
    assert_eq!(values_on(&w, follower, "t", 0), vec!["seq-0", "seq-2"]);
    let last = w.brokers[&(0, follower)].partitions[&tp("t", 0)].log.records.last().unwrap().producer.unwrap();
    assert_eq!((last.producer_epoch, last.base_sequence), (1, 0));
}

#[test]
fn explicit_idempotence_with_acks_1_is_refused_as_kafka_refuses_it() {
    let (mut w, _) = settled_with_topic();
    let err = producer_with(&mut w, "p", serde_json::json!({"acks": "1", "enable.idempotence": true})).unwrap_err();
    assert!(
        err.to_string().contains("Must set acks to all in order to use the idempotent producer"),
        "{err}"
    );
    let err = producer_with(
        &mut w,
        "p",
        serde_json::json!({"max.in.flight.requests.per.connection": 6, "enable.idempotence": true}),
    )
    .unwrap_err();
    assert!(err.to_string().contains("max.in.flight.requests.per.connection to at most 5"), "{err}");
    let err = producer_with(&mut w, "p", serde_json::json!({"retries": 0, "enable.idempotence": true})).unwrap_err();
    assert!(err.to_string().contains("Must set retries to non-zero"), "{err}");
    assert!(w.producers.is_empty());
}

#[test]
fn acks_1_without_an_explicit_setting_turns_idempotence_off() {
    let config = |v: serde_json::Value| serde_json::from_value::<ProducerConfig>(v).unwrap().idempotence();
    assert!(config(serde_json::json!({})));
    assert!(!config(serde_json::json!({"acks": "1"})));
    assert!(!config(serde_json::json!({"retries": 0})));
    assert!(!config(serde_json::json!({"max.in.flight.requests.per.connection": 6})));
    let (mut w, _) = settled_with_topic();
    producer_with(&mut w, "p", serde_json::json!({"acks": "1"})).unwrap();
    w.run_for(1_000);
    assert!(!events(&w).any(|e| matches!(e, Event::ProducerIdReceived { .. })));
}
