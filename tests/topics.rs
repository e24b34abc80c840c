//! Topic creation: Kafka's replica placement and its refusals.
mod common;
use common::*;
use kafkascope::admin::{assign_replicas, TopicError};
use kafkascope::trace::Event;
use kafkascope::{Command, SimError};

#[test]
fn placement_follows_kafkas_documented_layout_for_five_brokers() {
    // The table in AdminUtils' scaladoc: 10 partitions, RF 3, start index 0, shift 0.
    let a = assign_replicas(&[0, 1, 2, 3, 4], 10, 3, 0, 0).unwrap();
    assert_eq!(a[0], vec![0, 1, 2]);
    assert_eq!(a[4], vec![4, 0, 1]);
    assert_eq!(a[5], vec![0, 2, 3]);
    assert_eq!(a[9], vec![4, 1, 2]);
}

#[test]
fn replicas_of_one_partition_sit_on_distinct_brokers() {
    for start in 0..4 {
        for shift in 0..4 {
            for p in assign_replicas(&[1, 2, 3, 4], 12, 3, start, shift).unwrap() {
                let mut d = p.clone();
                d.sort();
                d.dedup();
                assert_eq!(d.len(), 3, "{p:?}");
            }
        }
    }
}

#[test]
fn replication_factor_four_on_three_brokers_is_refused_and_creates_nothing() {
    let mut w = cluster(3);
    let before = w.trace.len();
    let err = w
        .apply(Command::CreateTopic {
            topic: "t".into(),
            partitions: 1,
            replication_factor: 4,
            cluster: None,
        })
        .unwrap_err();
    assert_eq!(
        err,
        SimError::Topic(TopicError::InvalidReplicationFactor(
            "Replication factor: 4 larger than available brokers: 3.".into()
        ))
    );
    assert_eq!(w.trace.len(), before);
    assert!(!w.zk.nodes.contains_key("/brokers/topics/t"));
}

#[test]
fn the_replication_factor_counts_only_live_brokers() {
    let mut w = cluster(3);
    w.apply(Command::StopBroker { broker: 3 }).unwrap();
    w.run_for(30_000);
    let err = w
        .apply(Command::CreateTopic {
            topic: "t".into(),
            partitions: 1,
            replication_factor: 3,
            cluster: None,
        })
        .unwrap_err();
    assert!(err.to_string().contains("larger than available brokers: 2"), "{err}");
}

#[test]
fn bad_names_and_zero_partitions_are_refused() {
    let mut w = cluster(3);
    for (topic, partitions, needle) in [("", 1, "empty"), ("a b", 1, "illegal"), ("..", 1, "cannot be"), ("ok", 0, "larger than 0")] {
        let err = w
            .apply(Command::CreateTopic {
                topic: topic.into(),
                partitions,
                replication_factor: 1,
                cluster: None,
            })
            .unwrap_err();
        assert!(err.to_string().contains(needle), "{topic}: {err}");
    }
}

#[test]
fn creating_an_existing_topic_is_refused() {
    let mut w = cluster(3);
    create_topic(&mut w, "t", 1, 1);
    let err = w
        .apply(Command::CreateTopic {
            topic: "t".into(),
            partitions: 1,
            replication_factor: 1,
            cluster: None,
        })
        .unwrap_err();
    assert!(err.to_string().starts_with("TopicExistsException"), "{err}");
}

#[test]
fn a_new_topic_gets_state_znodes_and_leaders_through_the_controller() {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 3, 3);
    for p in 0..3 {
        let state = &w.zk.nodes[&format!("/brokers/topics/orders/partitions/{p}/state")];
        assert!(state.data.contains("\"leader_epoch\":0"), "{}", state.data);
        assert!(leader_of(&w, "orders", p).is_some());
    }
    assert!(events(&w).any(|e| matches!(e, Event::TopicCreated { topic, .. } if &**topic == "orders")));
}
