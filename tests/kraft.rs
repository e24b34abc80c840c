//! A cluster in KRaft mode (KIP-500, KIP-631): three dedicated controllers keep the metadata in
//! their Raft quorum; brokers register with the active controller, heartbeat it, and learn
//! their roles from the committed `__cluster_metadata` log. The same produce and consume as in
//! ZooKeeper mode; a broker that stops heartbeating is fenced instead of losing a session.

mod common;

use common::*;
use kafkascope::config::MetadataMode;
use kafkascope::protocol::MetadataRecord;
use kafkascope::raft::StateName;
use kafkascope::replica::Role;
use kafkascope::trace::Event;
use kafkascope::*;

fn kraft_config(brokers: u32, seed: u64) -> WorldConfig {
    let mut c = WorldConfig::with_brokers(brokers);
    c.seed = seed;
    c.clusters[0].metadata_mode = MetadataMode::Kraft;
    c
}

/// A KRaft cluster given time to elect its controller and unfence its brokers.
fn kraft_cluster(brokers: u32, seed: u64) -> World {
    let mut w = World::new(kraft_config(brokers, seed)).expect("valid config");
    w.run_for(5_000);
    w
}

fn active(w: &World) -> u32 {
    w.active_controller(0).expect("an active controller").id
}

fn fenced(w: &World, broker: u32) -> bool {
    w.active_controller(0).and_then(|c| c.image.brokers.get(&broker)).is_none_or(|b| b.fenced)
}

#[test]
fn three_controllers_elect_one_active_controller_and_every_broker_registers_unfenced() {
    let w = kraft_cluster(3, 1);
    let active = active(&w);
    assert!([3000, 3001, 3002].contains(&active));
    assert_eq!(w.controllers_of(0).filter(|c| c.is_active()).count(), 1);
    for b in [1, 2, 3] {
        assert!(!fenced(&w, b), "broker {b} is unfenced once it caught up with the log");
        let k = w.brokers[&(0, b)].kraft.as_ref().unwrap();
        assert!(!k.fenced);
        assert_eq!(
            w.brokers[&(0, b)].metadata.controller_id,
            Some(active),
            "broker {b} knows the active controller"
        );
    }
    // No ZooKeeper anywhere.
    assert!(w.zk.sessions.is_empty());
}

#[test]
fn a_broker_registration_is_a_record_committed_in_the_metadata_log() {
    let w = kraft_cluster(3, 2);
    let registrations: Vec<u32> = events(&w)
        .filter_map(|e| match e {
            Event::MetadataRecordWritten {
                record: MetadataRecord::RegisterBroker { broker_id, .. },
                ..
            } => Some(*broker_id),
            _ => None,
        })
        .collect();
    let mut sorted = registrations.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [1, 2, 3]);
    // A broker's epoch is its registration record's offset.
    let c = w.active_controller(0).unwrap();
    for b in [1, 2, 3] {
        assert_eq!(w.brokers[&(0, b)].broker_epoch, c.image.brokers[&b].broker_epoch);
    }
}

#[test]
fn a_topic_created_in_kraft_mode_gets_its_leaders_from_committed_partition_records() {
    let mut w = kraft_cluster(3, 3);
    create_topic(&mut w, "orders", 3, 3);
    for p in 0..3 {
        let leader = leader_of(&w, "orders", p).expect("a leader");
        let registration = &w.active_controller(0).unwrap().image.partitions[&tp("orders", p)];
        assert_eq!(registration.leader, Some(leader));
        assert_eq!(registration.isr.len(), 3);
        for b in [1, 2, 3] {
            let role = w.brokers[&(0, b)].partitions[&tp("orders", p)].role.clone();
            assert_eq!(role, if b == leader { Role::Leader } else { Role::Follower });
        }
    }
}

#[test]
fn records_produced_with_acks_all_are_replicated_and_consumed_as_in_zookeeper_mode() {
    let mut w = kraft_cluster(3, 4);
    create_topic(&mut w, "orders", 1, 3);
    add_producer(&mut w, "p", "all");
    for i in 0..5 {
        produce(&mut w, "p", "orders", None, &format!("v{i}"));
    }
    w.run_for(2_000);
    assert_eq!(acked(&w, "p").len(), 5);
    for b in [1, 2, 3] {
        assert_eq!(values_on(&w, b, "orders", 0), ["v0", "v1", "v2", "v3", "v4"]);
    }
    start_consumer(&mut w, "c", "g", &["orders"], serde_json::json!({"auto.offset.reset": "earliest"}));
    poll_for(&mut w, "c", 8_000);
    let polled: Vec<String> = events(&w)
        .filter_map(|e| match e {
            Event::RecordsPolled { consumer, records, .. } if &**consumer == "c" => Some(records.iter().filter_map(|r| r.value.clone()).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(polled, ["v0", "v1", "v2", "v3", "v4"]);
}

#[test]
fn a_crashed_broker_is_fenced_after_the_session_timeout_and_its_partitions_get_new_leaders() {
    let mut w = kraft_cluster(3, 5);
    create_topic(&mut w, "orders", 1, 3);
    let old = leader_of(&w, "orders", 0).unwrap();
    w.apply(Command::CrashBroker { broker: old, cluster: None }).unwrap();
    // broker.session.timeout.ms is 9 000: the last heartbeat came at most 2 000 ms before.
    w.run_for(6_500);
    assert!(!fenced(&w, old), "not yet: its session has time left");
    w.run_for(4_000);
    assert!(fenced(&w, old));
    let registration = &w.active_controller(0).unwrap().image.partitions[&tp("orders", 0)];
    let new = registration.leader.expect("a new leader from the ISR");
    assert_ne!(new, old);
    assert!(!registration.isr.contains(&old));
    assert_eq!(leader_of(&w, "orders", 0), Some(new), "the broker learnt it leads from the committed record");
}

#[test]
fn a_restarted_broker_registers_again_is_unfenced_once_caught_up_and_rejoins_the_isr() {
    let mut w = kraft_cluster(3, 6);
    create_topic(&mut w, "orders", 1, 3);
    let old = leader_of(&w, "orders", 0).unwrap();
    let first_epoch = w.brokers[&(0, old)].broker_epoch;
    w.apply(Command::CrashBroker { broker: old, cluster: None }).unwrap();
    w.run_for(12_000);
    w.apply(Command::StartBroker { broker: old, cluster: None }).unwrap();
    w.run_for(3_000);
    assert!(!fenced(&w, old));
    assert!(w.brokers[&(0, old)].broker_epoch > first_epoch, "a new registration, a new broker epoch");
    w.run_for(10_000);
    let registration = &w.active_controller(0).unwrap().image.partitions[&tp("orders", 0)];
    assert!(registration.isr.contains(&old), "back in the ISR through AlterPartition once caught up");
}

#[test]
fn when_the_active_controller_dies_another_takes_over_and_the_cluster_goes_on() {
    let mut w = kraft_cluster(3, 7);
    let old = active(&w);
    w.apply(Command::CrashController {
        controller: old,
        cluster: None,
    })
    .unwrap();
    w.run_for(6_000);
    let new = active(&w);
    assert_ne!(new, old);
    for b in [1, 2, 3] {
        assert_eq!(w.brokers[&(0, b)].metadata.controller_id, Some(new));
        assert!(!fenced(&w, b), "a new active controller gives every broker a fresh session");
    }
    create_topic(&mut w, "after", 1, 3);
    assert!(leader_of(&w, "after", 0).is_some());
}

#[test]
fn a_controller_quorum_without_a_majority_has_no_active_controller_and_creates_nothing() {
    let mut w = kraft_cluster(3, 8);
    let standby: Vec<u32> = w.controllers_of(0).filter(|c| !c.is_active()).map(|c| c.id).collect();
    for c in &standby {
        w.apply(Command::CrashController { controller: *c, cluster: None }).unwrap();
    }
    // The leader alone resigns once check-quorum runs out (1.5 × fetch timeout).
    w.run_for(5_000);
    assert!(w.active_controller(0).is_none());
    let leaders: Vec<StateName> = w.controllers_of(0).filter_map(|c| c.raft.as_ref()).map(|r| r.state()).collect();
    assert!(!leaders.contains(&StateName::Leader));
    let refused = w.apply(Command::CreateTopic {
        topic: "t".into(),
        partitions: 1,
        replication_factor: 1,
        cluster: None,
    });
    assert!(refused.unwrap_err().to_string().contains("no active controller"));
}

#[test]
fn a_node_id_shared_by_a_broker_and_a_controller_is_refused() {
    let mut c = kraft_config(3, 1);
    c.clusters[0].controllers = vec![3, 4, 5];
    let e = World::new(c).err().unwrap().to_string();
    assert!(e.contains("node.id 3 is both a broker and a controller"), "{e}");
}

#[test]
fn controller_quorum_voters_in_zookeeper_mode_are_refused() {
    let mut c = WorldConfig::with_brokers(3);
    c.clusters[0].controllers = vec![3000];
    let e = World::new(c).err().unwrap().to_string();
    assert!(e.contains("metadata.mode is zookeeper"), "{e}");
}

#[test]
fn a_controlled_shutdown_in_kraft_mode_is_refused_for_now_and_changes_nothing() {
    let mut w = kraft_cluster(3, 9);
    let e = w.apply(serde_json::from_str(r#"{"cmd": "stop_broker", "broker": 1, "mode": "controlled"}"#).unwrap());
    assert!(e.unwrap_err().to_string().contains("not modelled yet"));
    assert!(w.brokers[&(0, 1)].running);
}

#[test]
fn the_view_draws_the_quorum_its_metadata_log_and_each_brokers_standing() {
    let mut w = kraft_cluster(3, 10);
    create_topic(&mut w, "orders", 1, 3);
    let v = kafkascope::view::view(&w);
    let q = v.clusters[0].quorum.as_ref().expect("a KRaft cluster has a quorum");
    assert_eq!(q.voters.len(), 3);
    assert_eq!(q.voters.iter().filter(|v| v.state == Some(StateName::Leader)).count(), 1);
    assert_eq!(q.active, Some(active(&w)));
    assert!(q.records.iter().any(|r| matches!(r.record, Some(MetadataRecord::Topic { .. }))));
    assert!(q.records.iter().all(|r| r.committed), "settled: everything is committed");
    assert!(v.znodes.iter().all(|z| z.path == "/"), "nothing in ZooKeeper");
    for b in &v.brokers {
        let k = b.kraft.as_ref().unwrap();
        assert!(!k.fenced && b.registration.is_none() && b.registered);
        assert_eq!(k.metadata_offset, q.high_watermark, "broker {} applied the whole committed log", b.id);
    }
    assert_eq!(v.topics.len(), 1);
    assert!(v.partitions[0].leader.is_some() && v.partitions[0].offline.is_none());
}

#[test]
fn a_partition_whose_leader_died_shows_it_waits_for_the_fencing_with_the_session_end() {
    let mut w = kraft_cluster(3, 11);
    create_topic(&mut w, "orders", 1, 3);
    let old = leader_of(&w, "orders", 0).unwrap();
    w.apply(Command::CrashBroker { broker: old, cluster: None }).unwrap();
    w.run_for(1_000);
    let v = kafkascope::view::view(&w);
    let off = v.partitions[0].offline.as_ref().expect("no leader acts");
    assert_eq!(off.reason, kafkascope::view::OfflineReason::NotFenced);
    assert_eq!(off.broker, Some(old));
    let end = off.session_expires_at_ms.unwrap();
    assert!(end > w.now_ms() && end <= w.now_ms() + 9_000);
}

#[test]
fn the_metrics_count_the_active_controller_and_the_partitions_left_without_a_leader() {
    let mut w = kraft_cluster(3, 12);
    create_topic(&mut w, "orders", 1, 1);
    let m = kafkascope::metrics::metrics(&w, &w.trace);
    assert_eq!((m.clusters[0].active_controller_count, m.clusters[0].offline_partitions_count), (1, 0));
    let only = leader_of(&w, "orders", 0).unwrap();
    w.apply(Command::CrashBroker { broker: only, cluster: None }).unwrap();
    w.run_for(12_000);
    let m = kafkascope::metrics::metrics(&w, &w.trace);
    assert_eq!(m.clusters[0].offline_partitions_count, 1, "its only replica is fenced: no one can lead");
}

/// One world, two clusters: `zookeeper` in ZooKeeper mode, `kraft` in KRaft mode.
fn side_by_side(seed: u64) -> World {
    let mut c = WorldConfig::with_brokers(3);
    c.seed = seed;
    let mut kraft = c.clusters[0].clone();
    c.clusters[0].name = "zookeeper".into();
    kraft.name = "kraft".into();
    kraft.metadata_mode = MetadataMode::Kraft;
    c.clusters.push(kraft);
    let mut w = World::new(c).expect("valid config");
    w.run_for(5_000);
    w
}

#[test]
fn side_by_side_the_same_crash_is_noticed_by_fencing_in_kraft_and_by_session_expiry_in_zookeeper() {
    let mut w = side_by_side(13);
    for cluster in ["zookeeper", "kraft"] {
        w.apply(Command::CreateTopic {
            topic: "orders".into(),
            partitions: 1,
            replication_factor: 3,
            cluster: Some(cluster.into()),
        })
        .unwrap();
    }
    w.run_for(1_000);
    let leader = |w: &World, ci: usize| {
        w.brokers_of(ci)
            .find(|b| b.running && b.partitions.get(&tp("orders", 0)).is_some_and(|p| p.role == Role::Leader))
            .map(|b| b.id)
    };
    let (zk_old, kraft_old) = (leader(&w, 0).unwrap(), leader(&w, 1).unwrap());
    w.apply(Command::CrashBroker {
        broker: zk_old,
        cluster: Some("zookeeper".into()),
    })
    .unwrap();
    w.apply(Command::CrashBroker {
        broker: kraft_old,
        cluster: Some("kraft".into()),
    })
    .unwrap();
    let crashed_at = w.now_ms();
    let mut moved = [None, None];
    while w.now_ms() < crashed_at + 30_000 && moved.iter().any(Option::is_none) {
        w.run_for(100);
        for (ci, old) in [(0, zk_old), (1, kraft_old)] {
            if moved[ci].is_none() && leader(&w, ci).is_some_and(|l| l != old) {
                moved[ci] = Some(w.now_ms() - crashed_at);
            }
        }
    }
    let (zk, kraft) = (
        moved[0].expect("ZooKeeper mode moves the leader"),
        moved[1].expect("KRaft mode moves the leader"),
    );
    // broker.session.timeout.ms 9 000 after the last heartbeat; zookeeper.session.timeout.ms 18 000.
    assert!((7_000..=11_500).contains(&kraft), "KRaft: {kraft} ms");
    assert!((16_000..=22_500).contains(&zk), "ZooKeeper: {zk} ms");
}
