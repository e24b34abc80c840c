//! Topic creation: Kafka's replica placement and its refusals.
mod common;
use common::*;
use kafkascope::admin::{assign_replicas, TopicError};
use kafkascope::trace::Event;
use kafkascope::{Command, SimError, World};

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
    assert!(w.zk.znode("/brokers/topics/t").is_none());
}

#[test]
fn the_replication_factor_counts_only_live_brokers() {
    let mut w = cluster(3);
    w.apply(Command::StopBroker { broker: 3, cluster: None }).unwrap();
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
        let state = w.zk.znode(&format!("/brokers/topics/orders/partitions/{p}/state")).unwrap();
        assert!(state.data.contains("\"leader_epoch\":0"), "{}", state.data);
        assert!(leader_of(&w, "orders", p).is_some());
    }
    assert!(events(&w).any(|e| matches!(e, Event::TopicCreated { topic, .. } if &**topic == "orders")));
}

/// `KafkaProducer.waitOnMetadata`: a send to a topic the cluster does not know waits up to
/// `max.block.ms` for its metadata, asking again meanwhile, then fails with a TimeoutException.
#[test]
fn a_send_to_an_unknown_topic_waits_max_block_ms_then_fails_with_a_timeout() {
    let mut w = cluster_with(3, 1, |c| c.auto_create_topics_enable = false);
    w.apply(Command::AddProducer {
        name: "p".into(),
        cluster: None,
        config: serde_json::from_value(serde_json::json!({"max.block.ms": 5000})).unwrap(),
    })
    .unwrap();
    produce(&mut w, "p", "nope", None, "lost");
    let sent_ms = w.now_ms();
    w.run_for(4_000);
    let failed = |w: &World| {
        events(w)
            .filter_map(|e| match e {
                Event::ProduceFailed { error, .. } => Some(error.clone()),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    assert!(failed(&w).is_empty(), "still waiting within max.block.ms");
    w.run_for(2_000);
    assert_eq!(
        failed(&w),
        vec!["TimeoutException: Topic nope not present in metadata after 5000 ms.".to_string()]
    );
    let at = w.trace.iter().find(|r| matches!(r.event, Event::ProduceFailed { .. })).unwrap().time_ms;
    assert_eq!(at, sent_ms + 5_000, "it fails when max.block.ms has passed");
}

/// A topic created while a send waits for it: the send goes through (the metadata is asked again).
#[test]
fn a_send_waiting_for_its_topic_goes_through_once_the_topic_exists() {
    let mut w = cluster_with(3, 1, |c| c.auto_create_topics_enable = false);
    add_producer(&mut w, "p", "all");
    produce(&mut w, "p", "later", None, "kept");
    w.run_for(2_000);
    create_topic(&mut w, "later", 1, 3);
    w.run_for(2_000);
    assert_eq!(acked(&w, "p").len(), 1, "acknowledged once the topic exists");
    assert_eq!(values_on(&w, leader_of(&w, "later", 0).unwrap(), "later", 0), vec!["kept".to_string()]);
}
