//! Several clusters on one ZooKeeper ensemble, each under its own chroot: broker ids are
//! unique within a cluster (`KafkaConfig.brokerId`, registered at `<chroot>/brokers/ids/<id>`
//! by `KafkaZkClient.registerBroker`), so two clusters may both have brokers 1, 2 and 3.

use kafkascope::config::{ClusterSpec, WorldConfig};
use kafkascope::trace::Event;
use kafkascope::{Command, World};

/// Clusters `a` and `b` under `/a` and `/b`, both with brokers 1 to 3, settled.
fn two_clusters() -> World {
    let mut config = WorldConfig::default();
    let spec = |name: &str| ClusterSpec {
        name: name.into(),
        chroot: format!("/{name}"),
        brokers: vec![1, 2, 3],
        config: Default::default(),
        metadata_mode: Default::default(),
        controllers: Vec::new(),
    };
    config.clusters = vec![spec("a"), spec("b")];
    let mut w = World::new(config).unwrap();
    w.run_for(1_000);
    w
}

fn command(json: &str) -> Command {
    serde_json::from_str(json).unwrap()
}

#[test]
fn two_clusters_both_register_a_broker_1_under_their_own_roots() {
    let w = two_clusters();
    for root in ["/a", "/b"] {
        for id in 1..=3 {
            assert!(w.zk.znode(&format!("{root}/brokers/ids/{id}")).is_some(), "{root} {id}");
        }
    }
    // Different processes on different hosts.
    assert!(w.zk.znode("/a/brokers/ids/1").unwrap().data.contains("PLAINTEXT://broker-1.a:9092"));
    assert!(w.zk.znode("/b/brokers/ids/1").unwrap().data.contains("PLAINTEXT://broker-1.b:9092"));
    assert_eq!(w.brokers.len(), 6);
    let names: Vec<String> = kafkascope::view::view(&w).brokers.iter().map(|b| b.node.clone()).collect();
    assert_eq!(names, ["a/broker-1", "a/broker-2", "a/broker-3", "b/broker-1", "b/broker-2", "b/broker-3"]);
}

#[test]
fn stop_broker_names_its_cluster_and_stops_only_that_broker() {
    let mut w = two_clusters();
    w.apply(command(r#"{"cmd": "stop_broker", "broker": 2, "cluster": "b", "mode": "crash"}"#))
        .unwrap();
    assert!(!w.brokers[&(1, 2)].running);
    assert!(w.brokers[&(0, 2)].running, "cluster a's broker 2 is another process");
    // Without a cluster, a command means the first one.
    w.apply(command(r#"{"cmd": "stop_broker", "broker": 2}"#)).unwrap();
    assert!(!w.brokers[&(0, 2)].running);
    w.run_for(20_000); // the crashed process's session expires (zookeeper.session.timeout.ms)
    w.apply(command(r#"{"cmd": "start_broker", "broker": 2, "cluster": "b"}"#)).unwrap();
    assert!(w.brokers[&(1, 2)].running && !w.brokers[&(0, 2)].running);
}

#[test]
fn a_broker_not_in_the_named_cluster_is_refused_and_nothing_changes() {
    let mut w = two_clusters();
    let before = w.trace.len();
    let err = w.apply(command(r#"{"cmd": "stop_broker", "broker": 4, "cluster": "b"}"#)).unwrap_err();
    assert_eq!(err.to_string(), "unknown broker 4 in cluster \"b\"");
    let err = w.apply(command(r#"{"cmd": "start_broker", "broker": 1, "cluster": "c"}"#)).unwrap_err();
    assert!(err.to_string().contains("unknown cluster \"c\"; clusters: a, b"), "{err}");
    assert_eq!(w.trace.len(), before);
}

#[test]
fn a_node_of_a_world_with_several_clusters_is_named_by_cluster_and_id() {
    let mut w = two_clusters();
    w.apply(command(r#"{"cmd": "isolate", "node": "b/broker-1"}"#)).unwrap();
    let isolated = w.trace.iter().rev().find_map(|r| match &r.event {
        Event::NodeIsolated { node } => Some(node.to_string()),
        _ => None,
    });
    assert_eq!(isolated.as_deref(), Some("b/broker-1"));
    // A bare broker name is ambiguous here.
    let err = w.apply(command(r#"{"cmd": "isolate", "node": "broker-1"}"#)).unwrap_err();
    assert!(err.to_string().contains("\"<cluster>/broker-<id>\""), "{err}");
}

#[test]
fn each_event_says_which_cluster_it_happened_in_only_when_there_are_several() {
    let w = two_clusters();
    let elected: Vec<(Option<&str>, u32)> = w
        .trace
        .iter()
        .filter_map(|r| match r.event {
            Event::ControllerElected { broker, .. } => Some((r.cluster.as_deref(), broker)),
            _ => None,
        })
        .collect();
    assert_eq!(elected, [(Some("a"), 1), (Some("b"), 1)], "each cluster's broker 1 became its controller");
    let one = World::new(WorldConfig::with_brokers(3)).unwrap();
    assert!(one.trace.iter().all(|r| r.cluster.is_none()));
    assert!(!serde_json::to_string(&one.trace[0]).unwrap().contains("cluster"));
}

#[test]
fn a_topic_of_one_cluster_is_invisible_to_the_other() {
    let mut w = two_clusters();
    w.apply(command(
        r#"{"cmd": "create_topic", "topic": "orders", "partitions": 2, "replication_factor": 3, "cluster": "a"}"#,
    ))
    .unwrap();
    w.run_for(100);
    assert!(w.zk.znode("/a/brokers/topics/orders").is_some());
    assert!(w.zk.znode("/b/brokers/topics/orders").is_none());
    assert!((1..=3).all(|b| w.brokers[&(1, b)].partitions.is_empty()));
    w.apply(command(
        r#"{"cmd": "create_topic", "topic": "orders", "partitions": 1, "replication_factor": 3, "cluster": "b"}"#,
    ))
    .unwrap();
    w.run_for(100);
    assert!((1..=3).all(|b| w.brokers[&(1, b)].partitions.len() == 1));
    assert!((1..=3).all(|b| w.brokers[&(0, b)].partitions.len() == 2));
}

#[test]
fn stopping_one_clusters_controller_leaves_the_other_untouched() {
    let mut w = two_clusters();
    w.apply(command(r#"{"cmd": "stop_broker", "broker": 1, "cluster": "a"}"#)).unwrap();
    w.run_for(25_000);
    assert_eq!(w.zk.znode("/a/controller_epoch").unwrap().data, "2");
    assert_eq!(w.zk.znode("/b/controller_epoch").unwrap().data, "1");
    assert!(w.brokers[&(1, 1)].controller.is_some(), "cluster b's broker 1 still leads it");
    assert!(w.zk.znode("/controller").is_none());
}

#[test]
fn metrics_tell_the_brokers_of_each_cluster_apart() {
    let w = two_clusters();
    let m = kafkascope::metrics::metrics(&w, &w.trace);
    let rows: Vec<(usize, u32, u32)> = m.brokers.iter().map(|b| (b.cluster, b.broker, b.active_controller_count)).collect();
    assert_eq!(rows, [(0, 1, 1), (0, 2, 0), (0, 3, 0), (1, 1, 1), (1, 2, 0), (1, 3, 0)]);
    assert!(m.clusters.iter().all(|c| c.active_controller_count == 1));
}
