//! The view's own stories; `tests/view_truth.rs` tells the authoritative-state ones.

use super::*;
use crate::config::{ConsumerConfig, OffsetReset};
use crate::config::{ProducerConfig, WorldConfig};
use crate::protocol::GroupState;
use crate::replica::Role;
use crate::world::Command;

fn settled(n: u32) -> World {
    let mut w = World::new(WorldConfig::with_brokers(n)).unwrap();
    w.run_for(100);
    w
}

fn create(w: &mut World, topic: &str, partitions: u32, rf: u32) {
    w.apply(Command::CreateTopic {
        topic: topic.into(),
        partitions,
        replication_factor: rf,
        cluster: None,
    })
    .unwrap();
    w.run_for(100);
}

fn produce(w: &mut World, key: &str, value: &str) {
    if !w.producers.contains_key("p") {
        w.apply(Command::AddProducer {
            name: "p".into(),
            cluster: None,
            config: ProducerConfig::default(),
        })
        .unwrap();
    }
    w.apply(Command::Produce {
        producer: "p".into(),
        topic: "t".into(),
        key: Some(key.into()),
        key_hex: None,
        value: Some(value.into()),
        partition: None,
        headers: Default::default(),
    })
    .unwrap();
    w.run_until_quiet(5_000);
}

#[test]
fn a_settled_cluster_shows_one_controller_and_its_epoch() {
    let w = settled(3);
    let v = view(&w);
    assert_eq!(v.brokers.len(), 3);
    assert_eq!(v.clusters.len(), 1);
    let c = v.clusters[0].controller.expect("a controller");
    assert_eq!(v.clusters[0].controller_epoch, Some(1));
    assert_eq!(v.brokers.iter().filter(|b| b.is_controller).map(|b| b.id).collect::<Vec<_>>(), vec![c]);
    assert_eq!(v.clusters[0].live_brokers, vec![1, 2, 3]);
    assert!(v.brokers.iter().all(|b| b.running && b.registered && !b.isolated));
}

#[test]
fn the_znode_tree_marks_ephemeral_nodes_and_their_owners() {
    let v = view(&settled(3));
    let ids = v.znodes.iter().find(|z| z.path == "/brokers/ids/2").expect("broker 2 registered");
    assert!(ids.ephemeral);
    assert_eq!(ids.owner.as_deref(), Some("broker-2"));
    let controller = v.znodes.iter().find(|z| z.path == "/controller").expect("/controller");
    assert!(controller.ephemeral);
    assert!(!v.znodes.iter().find(|z| z.path == "/brokers/topics").unwrap().ephemeral);
}

#[test]
fn replicas_show_leader_isr_offsets_and_records() {
    let mut w = settled(3);
    create(&mut w, "t", 3, 3);
    produce(&mut w, "hello", "world");
    let v = view(&w);
    assert_eq!(v.topics.len(), 1);
    assert_eq!(v.topics[0].assignment.len(), 3);
    // Kafka's murmur2 partitioner: "hello" with 3 partitions → 0.
    let on_0: Vec<&ReplicaView> = v
        .brokers
        .iter()
        .flat_map(|b| &b.replicas)
        .filter(|r| r.topic == "t" && r.partition == 0)
        .collect();
    assert_eq!(on_0.len(), 3);
    assert_eq!(on_0.iter().filter(|r| r.role == Role::Leader).count(), 1);
    for r in on_0 {
        assert_eq!(r.log_end_offset, 1);
        assert_eq!(r.records.len(), 1);
        assert_eq!(r.records[0].key.as_deref(), Some("hello"));
        assert_eq!(r.records[0].value.as_deref(), Some("world"));
        assert_eq!(r.known_isr.len(), 3);
        assert!(!r.stale);
        assert!(r.in_isr);
    }
    let leader = v
        .brokers
        .iter()
        .flat_map(|b| &b.replicas)
        .find(|r| r.partition == 0 && r.role == Role::Leader)
        .unwrap();
    assert_eq!(leader.high_watermark, 1);
}

#[test]
fn only_the_last_twenty_records_are_carried() {
    let mut w = settled(1);
    create(&mut w, "t", 1, 1);
    for i in 0..25 {
        produce(&mut w, "k", &format!("v{i}"));
    }
    let v = view(&w);
    let r = &v.brokers[0].replicas[0];
    assert_eq!(r.log_end_offset, 25);
    assert_eq!(r.records.len(), RECORDS_SHOWN);
    assert_eq!(r.records[0].offset, 5);
    assert_eq!(r.records.last().unwrap().value.as_deref(), Some("v24"));
}

#[test]
fn a_stopped_broker_is_not_running_and_its_replicas_are_offline() {
    let mut w = settled(3);
    create(&mut w, "t", 1, 3);
    w.apply(Command::StopBroker { broker: 2, cluster: None }).unwrap();
    let v = view(&w);
    let b = v.brokers.iter().find(|b| b.id == 2).unwrap();
    assert!(!b.running && !b.is_controller);
    assert!(b.replicas.iter().all(|r| r.role == Role::Offline));
}

#[test]
fn isolation_and_cut_links_are_listed() {
    let mut w = settled(3);
    w.apply(Command::Isolate { node: "broker-1".into() }).unwrap();
    w.apply(Command::CutLink {
        a: "broker-3".into(),
        b: "broker-2".into(),
    })
    .unwrap();
    let v = view(&w);
    assert!(v.brokers[0].isolated);
    assert_eq!(v.network.isolated, vec!["broker-1".to_string()]);
    assert_eq!(v.network.cut_links, vec![["broker-2".to_string(), "broker-3".to_string()]]);
}

#[test]
fn producers_show_acks_and_metadata() {
    let mut w = settled(3);
    create(&mut w, "t", 2, 2);
    produce(&mut w, "a", "x");
    let v = view(&w);
    assert_eq!(v.producers.len(), 1);
    assert_eq!(v.producers[0].acks, "all");
    assert_eq!(v.producers[0].partitioner, "uniform-sticky");
    assert_eq!(v.producers[0].outstanding, 0);
    assert_eq!(v.producers[0].metadata[0].topic, "t");
    assert_eq!(v.producers[0].metadata[0].leaders.len(), 2);
}

#[test]
fn the_view_serializes_with_kafka_names() {
    let mut w = settled(3);
    create(&mut w, "t", 1, 3);
    let json = serde_json::to_value(view(&w)).unwrap();
    let r = &json["brokers"][0]["replicas"][0];
    for key in ["log_end_offset", "high_watermark", "known_isr", "in_isr", "stale", "leader_epoch", "role"] {
        assert!(r.get(key).is_some(), "{key} missing");
    }
    assert!(["leader", "follower"].contains(&r["role"].as_str().unwrap()));
    assert!(json["step"].as_u64().unwrap() > 0);
}

fn group_world() -> World {
    let mut c = WorldConfig::with_brokers(3);
    c.clusters[0].config.offsets_topic_num_partitions = 3;
    let mut w = World::new(c).unwrap();
    w.run_for(100);
    create(&mut w, "t", 3, 3);
    w
}

fn start_consumer(w: &mut World, name: &str) {
    let config = ConsumerConfig {
        auto_offset_reset: OffsetReset::Earliest,
        enable_auto_commit: false,
        ..ConsumerConfig::default()
    };
    w.apply(Command::StartConsumer {
        name: name.into(),
        group: Some("g".into()),
        topics: vec!["t".into()],
        partitions: vec![],
        cluster: None,
        config,
        keep_polling_ms: Some(100),
    })
    .unwrap();
}

fn consumer<'a>(v: &'a View, name: &str) -> &'a ConsumerView {
    v.consumers.iter().find(|c| c.name == name).unwrap()
}

#[test]
fn consumers_in_a_group_share_the_partitions_and_the_group_shows_who_owns_what() {
    let mut w = group_world();
    start_consumer(&mut w, "c1");
    start_consumer(&mut w, "c2");
    w.run_for(10_000);
    let v = view(&w);
    let g = v.groups.iter().find(|g| g.group_id == "g").expect("group g");
    assert_eq!(g.state, GroupState::Stable);
    assert_eq!(g.members.len(), 2);
    assert_eq!(g.protocol.as_deref(), Some("range"));
    assert_eq!(g.members.iter().filter(|m| m.is_leader).count(), 1);
    let mut owned: Vec<u32> = g.members.iter().flat_map(|m| m.assignment.iter().map(|p| p.partition)).collect();
    owned.sort();
    assert_eq!(owned, vec![0, 1, 2]);
    for m in &g.members {
        assert!(!m.assignment.is_empty(), "{} owns something", m.client);
        let c = consumer(&v, &m.client);
        assert_eq!(c.member_id, m.member_id);
        assert_eq!(c.generation, g.generation);
        assert_eq!(c.coordinator, Some(g.coordinator));
        assert_eq!(c.is_leader, m.is_leader);
        assert!(!c.idle);
        assert_eq!(
            c.partitions.iter().map(|p| p.partition).collect::<Vec<_>>(),
            m.assignment.iter().map(|p| p.partition).collect::<Vec<_>>()
        );
    }
    // The coordinator leads the group's __consumer_offsets partition.
    let coord = v.brokers.iter().find(|b| b.id == g.coordinator).unwrap();
    assert!(coord
        .replicas
        .iter()
        .any(|r| r.internal && r.partition == g.offsets_partition && r.role == Role::Leader));
}

#[test]
fn more_consumers_than_partitions_leaves_one_idle() {
    let mut w = group_world();
    for n in ["c1", "c2", "c3", "c4"] {
        start_consumer(&mut w, n);
    }
    w.run_for(15_000);
    let v = view(&w);
    let g = v.groups.iter().find(|g| g.group_id == "g").unwrap();
    assert_eq!(g.members.len(), 4);
    assert_eq!(g.state, GroupState::Stable);
    let idle: Vec<&str> = v.consumers.iter().filter(|c| c.idle).map(|c| c.name.as_str()).collect();
    assert_eq!(idle.len(), 1, "idle: {idle:?}");
    assert!(consumer(&v, idle[0]).partitions.is_empty());
    assert!(g.members.iter().any(|m| m.client == idle[0] && m.assignment.is_empty()));
}

#[test]
fn polling_and_committing_brings_lag_to_zero() {
    let mut w = group_world();
    start_consumer(&mut w, "c1");
    w.run_for(10_000);
    for k in ["a", "b", "hello", "user-2"] {
        produce(&mut w, k, "v");
    }
    w.run_for(2_000);
    w.apply(Command::Poll { consumer: "c1".into() }).unwrap();
    w.run_until_quiet(2_000);
    let polled = view(&w);
    let c = consumer(&polled, "c1");
    assert_eq!(c.partitions.len(), 3);
    assert!(c.partitions.iter().all(|p| p.position == p.high_watermark), "{:?}", c.partitions);
    assert!(
        c.partitions.iter().map(|p| p.lag.unwrap_or(p.high_watermark.unwrap())).sum::<u64>() == 4,
        "nothing committed yet: {:?}",
        c.partitions
    );
    w.apply(Command::Commit { consumer: "c1".into() }).unwrap();
    w.run_until_quiet(5_000);
    let v = view(&w);
    let c = consumer(&v, "c1");
    for p in &c.partitions {
        assert_eq!(p.committed, p.position);
        assert_eq!(p.lag, Some(0));
    }
    let g = v.groups.iter().find(|g| g.group_id == "g").unwrap();
    assert_eq!(g.offsets.len(), 3);
    assert!(g.offsets.iter().all(|o| o.lag == Some(0)));
    assert_eq!(g.offsets.iter().map(|o| o.committed).sum::<u64>(), 4);
    // The same figures as World::group_lag.
    assert!(w.group_lag("g").values().all(|l| *l == 0));
}

#[test]
fn consumer_offsets_is_an_internal_topic_with_the_configured_partitions() {
    let mut w = group_world();
    start_consumer(&mut w, "c1");
    w.run_for(10_000);
    let v = view(&w);
    assert_eq!(v.clusters[0].offsets_topic_num_partitions, 3);
    let t = v
        .topics
        .iter()
        .find(|t| t.name == OFFSETS_TOPIC)
        .expect("__consumer_offsets created on first use");
    assert!(t.internal);
    assert_eq!(t.assignment.len(), 3);
    assert!(!v.topics.iter().find(|t| t.name == "t").unwrap().internal);
    let offsets_replicas = v.brokers.iter().flat_map(|b| &b.replicas).filter(|r| r.internal).count();
    assert_eq!(offsets_replicas, 9);
}

#[test]
fn a_crashed_consumer_stops_running_and_leaves_the_group_after_its_session_timeout() {
    let mut w = group_world();
    start_consumer(&mut w, "c1");
    start_consumer(&mut w, "c2");
    w.run_for(10_000);
    let gen = view(&w).groups[0].generation;
    w.apply(Command::StopConsumer {
        name: "c2".into(),
        leave_group: false,
    })
    .unwrap();
    let v = view(&w);
    let c2 = consumer(&v, "c2");
    assert!(!c2.running && !c2.idle && !c2.is_leader && c2.coordinator.is_none());
    assert_eq!(v.groups[0].members.len(), 2, "the coordinator has not noticed yet");
    w.run_for(50_000);
    let v = view(&w);
    assert_eq!(v.groups[0].members.len(), 1);
    assert!(v.groups[0].generation > gen);
    assert_eq!(consumer(&v, "c1").partitions.len(), 3);
}

#[test]
fn messages_on_the_wire_are_listed_with_their_ends() {
    let mut w = World::new(WorldConfig::with_brokers(3)).unwrap();
    w.run_for(100);
    w.apply(Command::CreateTopic {
        topic: "t".into(),
        partitions: 1,
        replication_factor: 3,
        cluster: None,
    })
    .unwrap();
    // Step until something is on the wire.
    for _ in 0..50 {
        if !view(&w).in_flight.is_empty() {
            break;
        }
        w.step();
    }
    let v = view(&w);
    assert!(!v.in_flight.is_empty());
    assert!(v.in_flight.windows(2).all(|p| p[0].deliver_at_ms <= p[1].deliver_at_ms));
}
