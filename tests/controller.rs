//! The controller and ZooKeeper: election by /controller, failover, chroots.
mod common;
use common::*;
use kafkascope::trace::Event;
use kafkascope::{ClusterSpec, Command, World, WorldConfig};

#[test]
fn the_first_broker_to_create_controller_becomes_controller_with_epoch_1() {
    let w = cluster(3);
    assert_eq!(controller_of(&w), Some(1));
    assert!(w.zk.nodes["/controller"].data.contains("\"brokerid\":1"));
    assert_eq!(w.zk.nodes["/controller_epoch"].data, "1");
    assert!(w.zk.nodes["/controller"].ephemeral_owner.is_some());
}

#[test]
fn when_the_controller_dies_another_broker_takes_over_with_a_higher_epoch() {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 3, 3);
    w.apply(Command::StopBroker { broker: 1 }).unwrap();
    w.run_for(25_000);
    let new = controller_of(&w).expect("a new controller");
    assert_ne!(new, 1);
    assert_eq!(w.zk.nodes["/controller_epoch"].data, "2");
    assert!(events(&w).any(|e| matches!(e, Event::ControllerElected { broker, epoch: 2, .. } if *broker == new)));
    for p in 0..3 {
        assert!(leader_of(&w, "orders", p).is_some_and(|l| l != 1), "orders-{p} has a live leader");
    }
}

#[test]
fn a_deposed_controller_cut_from_zookeeper_resigns_when_it_returns() {
    let mut w = cluster(3);
    w.apply(Command::CutLink {
        a: "broker-1".into(),
        b: "zookeeper".into(),
    })
    .unwrap();
    w.run_for(25_000);
    assert!(w.brokers.values().filter(|b| b.controller.is_some()).count() >= 1);
    w.apply(Command::HealLink {
        a: "broker-1".into(),
        b: "zookeeper".into(),
    })
    .unwrap();
    w.run_for(10_000);
    let controllers: Vec<u32> = w.brokers.values().filter(|b| b.controller.is_some()).map(|b| b.id).collect();
    assert_eq!(controllers.len(), 1, "{controllers:?}");
    assert_ne!(controllers[0], 1);
    assert!(events(&w).any(|e| matches!(e, Event::ControllerResigned { broker: 1, .. })));
    assert!(w.zk.nodes.contains_key("/brokers/ids/1"), "broker 1 registered again with a new session");
}

fn two_clusters() -> World {
    let c = WorldConfig {
        clusters: vec![
            ClusterSpec {
                name: "a".into(),
                chroot: "/cluster-a".into(),
                brokers: vec![1, 2, 3],
                config: Default::default(),
            },
            ClusterSpec {
                name: "b".into(),
                chroot: "/cluster-b".into(),
                brokers: vec![4, 5, 6],
                config: Default::default(),
            },
        ],
        ..Default::default()
    };
    let mut w = World::new(c).unwrap();
    w.run_for(100);
    w
}

#[test]
fn two_clusters_share_one_zookeeper_under_their_own_chroots() {
    let w = two_clusters();
    let ids: Vec<&String> = w.zk.nodes.keys().filter(|p| p.contains("/brokers/ids/")).collect();
    assert_eq!(
        ids,
        vec![
            "/cluster-a/brokers/ids/1",
            "/cluster-a/brokers/ids/2",
            "/cluster-a/brokers/ids/3",
            "/cluster-b/brokers/ids/4",
            "/cluster-b/brokers/ids/5",
            "/cluster-b/brokers/ids/6"
        ]
    );
    assert!(w.zk.nodes["/cluster-a/controller"].data.contains("\"brokerid\":1"));
    assert!(w.zk.nodes["/cluster-b/controller"].data.contains("\"brokerid\":4"));
    assert!(!w.zk.nodes.contains_key("/controller"));
}

#[test]
fn a_topic_of_one_chrooted_cluster_is_invisible_to_the_other() {
    let mut w = two_clusters();
    w.apply(Command::CreateTopic {
        topic: "orders".into(),
        partitions: 2,
        replication_factor: 3,
        cluster: Some("a".into()),
    })
    .unwrap();
    w.run_for(100);
    assert!(w.zk.nodes.contains_key("/cluster-a/brokers/topics/orders"));
    assert!(!w.zk.nodes.contains_key("/cluster-b/brokers/topics/orders"));
    assert!((4..=6).all(|b| w.brokers[&b].partitions.is_empty()));
    w.apply(Command::CreateTopic {
        topic: "orders".into(),
        partitions: 1,
        replication_factor: 3,
        cluster: Some("b".into()),
    })
    .unwrap();
    w.run_for(100);
    assert!((4..=6).all(|b| w.brokers[&b].partitions.len() == 1));
    assert!((1..=3).all(|b| w.brokers[&b].partitions.len() == 2));
}

#[test]
fn stopping_one_clusters_controller_leaves_the_other_untouched() {
    let mut w = two_clusters();
    w.apply(Command::StopBroker { broker: 1 }).unwrap();
    w.run_for(25_000);
    assert_eq!(w.zk.nodes["/cluster-a/controller_epoch"].data, "2");
    assert_eq!(w.zk.nodes["/cluster-b/controller_epoch"].data, "1");
    assert!(w.brokers[&4].controller.is_some());
}

#[test]
fn ephemeral_znodes_vanish_with_their_session_and_persistent_ones_stay() {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 1, 3);
    w.apply(Command::StopBroker { broker: 2 }).unwrap();
    w.run_for(25_000);
    assert!(!w.zk.nodes.contains_key("/brokers/ids/2"));
    assert!(w.zk.nodes.contains_key("/brokers/topics/orders"));
}
