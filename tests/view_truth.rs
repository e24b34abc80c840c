//! The view says every fact the page draws, from the engine's own state: the authoritative
//! ISR and leader of each partition (never a stale broker's), why a partition has no leader,
//! why a broker is not registered, why a consumer has no coordinator, what a consumer skipped,
//! a producer's last failed send and the registry's last refusal.
mod common;
use common::*;
use kafkascope::protocol::BrokerId;
use kafkascope::trace::Event;
use kafkascope::view::{view, IsrSource, OfflineReason, PartitionView, RegistrationReason, View, WaitingReason};
use kafkascope::{Command, World};
use serde_json::json;

fn partition<'a>(v: &'a View, topic: &str, p: u32) -> &'a PartitionView {
    v.partitions
        .iter()
        .find(|x| x.topic == topic && x.partition == p)
        .expect("partition in the view")
}

fn apply(w: &mut World, cmd: serde_json::Value) {
    w.apply(serde_json::from_value(cmd).unwrap()).unwrap();
}

/// Steps until `done` holds, at most `max` steps.
fn step_until(w: &mut World, max: usize, mut done: impl FnMut(&World) -> bool) {
    for _ in 0..max {
        if done(w) {
            return;
        }
        w.step().expect("something left to do");
    }
    panic!("condition not reached within {max} steps");
}

fn session_expired_at(w: &World, owner: &str) -> Option<u64> {
    w.trace.iter().find_map(|r| match &r.event {
        Event::ZkSessionExpired { owner: o, .. } if o.to_string() == owner => Some(r.time_ms),
        _ => None,
    })
}

#[test]
fn every_partition_is_listed_sorted_with_its_leader_and_the_leaders_isr() {
    let mut w = cluster(3);
    create_topic(&mut w, "b", 2, 3);
    create_topic(&mut w, "a", 1, 2);
    w.run_for(1_000);
    let v = view(&w);
    let keys: Vec<(String, u32)> = v.partitions.iter().map(|p| (p.topic.clone(), p.partition)).collect();
    assert_eq!(keys, vec![("a".into(), 0), ("b".into(), 0), ("b".into(), 1)]);
    for p in &v.partitions {
        assert_eq!(p.leader, leader_of(&w, &p.topic, p.partition));
        assert_eq!(p.leader, p.replicas.first().copied(), "the preferred replica leads");
        assert_eq!(p.isr_source, IsrSource::Leader);
        assert_eq!(p.isr.len(), p.replicas.len());
        assert_eq!((p.high_watermark, p.log_end_offset), (Some(0), Some(0)));
        assert!(p.offline.is_none() && !p.internal);
    }
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["partitions"][0]["isr_source"], "leader");
    assert!(json["brokers"][0]["replicas"][0].get("isr").is_none(), "a replica's own ISR is known_isr only");
}

#[test]
fn a_follower_back_in_the_isr_is_in_sync_in_the_view_while_its_own_metadata_is_stale() {
    let mut w = cluster(3);
    create_topic(&mut w, "t", 1, 3);
    add_producer(&mut w, "p", "all");
    let leader = leader_of(&w, "t", 0).unwrap();
    let controller = controller_of(&w).unwrap();
    let follower: BrokerId = [1, 2, 3].into_iter().find(|b| *b != leader && *b != controller).unwrap();
    w.apply(Command::StopBroker {
        broker: follower,
        cluster: None,
    })
    .unwrap();
    w.run_for(25_000);
    produce(&mut w, "p", "t", None, "while it was away");
    w.run_for(1_000);
    // The controller took it out of the ISR and, when it returns, tells it so in LeaderAndIsr.
    w.apply(Command::StartBroker {
        broker: follower,
        cluster: None,
    })
    .unwrap();
    // The moment the leader's committed ISR takes the follower back (AlterPartition answered)...
    step_until(&mut w, 100_000, |w| w.brokers[&(0, leader)].partitions[&tp("t", 0)].isr.contains(&follower));
    let v = view(&w);
    let p = partition(&v, "t", 0);
    assert!(p.isr.contains(&follower));
    assert_eq!(p.isr_source, IsrSource::Leader);
    // ...the follower's own metadata still holds the ISR without it: AlterPartition sends it no LeaderAndIsr.
    let mine = replica(&v, follower, "t");
    assert!(!mine.known_isr.contains(&follower), "known_isr {:?}", mine.known_isr);
    assert!(mine.in_isr, "in_isr follows the partition's authoritative ISR");
    assert!(mine.stale);
    let at_leader = replica(&v, leader, "t");
    assert!(!at_leader.stale && at_leader.in_isr);
}

#[test]
fn a_follower_cut_from_its_leader_still_believes_it_is_in_sync_after_the_leader_shrank_the_isr() {
    let mut w = cluster_with(3, 1, |c| c.replica_lag_time_max_ms = 10_000);
    create_topic(&mut w, "t", 1, 3);
    let leader = leader_of(&w, "t", 0).unwrap();
    let controller = controller_of(&w).unwrap();
    let follower: BrokerId = [1, 2, 3].into_iter().find(|b| *b != leader && *b != controller).unwrap();
    w.apply(Command::CutLink {
        a: format!("broker-{follower}"),
        b: format!("broker-{leader}"),
    })
    .unwrap();
    add_producer(&mut w, "p", "1");
    produce(&mut w, "p", "t", None, "the follower cannot fetch this");
    w.run_for(20_000);
    let v = view(&w);
    assert!(!partition(&v, "t", 0).isr.contains(&follower), "the leader shrank the ISR");
    let mine = replica(&v, follower, "t");
    assert!(mine.known_isr.contains(&follower), "its own metadata was not told");
    assert!(!mine.in_isr && mine.stale);
}

fn replica<'a>(v: &'a View, broker: BrokerId, topic: &str) -> &'a kafkascope::view::ReplicaView {
    v.brokers
        .iter()
        .find(|b| b.id == broker)
        .unwrap()
        .replicas
        .iter()
        .find(|r| r.topic == topic)
        .unwrap()
}

#[test]
fn a_crashed_leader_is_offline_until_its_session_expires_then_a_follower_leads() {
    let mut w = cluster(3);
    create_topic(&mut w, "t", 1, 3);
    let leader = leader_of(&w, "t", 0).unwrap();
    let epoch = partition(&view(&w), "t", 0).leader_epoch;
    w.apply(Command::StopBroker { broker: leader, cluster: None }).unwrap();
    w.run_for(100); // heartbeats already on the wire arrive
    let v = view(&w);
    let p = partition(&v, "t", 0);
    assert_eq!(p.leader, None);
    assert_eq!((p.high_watermark, p.log_end_offset), (None, None));
    assert_eq!(p.isr_source, IsrSource::Zookeeper);
    let off = p.offline.as_ref().expect("offline");
    assert_eq!(off.reason, OfflineReason::SessionNotExpired);
    assert_eq!(off.broker, Some(leader));
    let expires = off.session_expires_at_ms.expect("an expiry time");
    // zookeeper.session.timeout.ms 18 000, checked on ZooKeeper's 2 000 ms tick.
    assert!(expires > w.now_ms() && expires <= w.now_ms() + 18_000 + 2_000, "{expires}");
    w.run_until(expires - 1);
    assert_eq!(session_expired_at(&w, &format!("broker-{leader}")), None);
    w.run_until(expires);
    assert_eq!(
        session_expired_at(&w, &format!("broker-{leader}")),
        Some(expires),
        "ZooKeeper expired it when the view said"
    );
    w.run_for(1_000);
    let v = view(&w);
    let p = partition(&v, "t", 0);
    assert!(p.offline.is_none());
    let new = p.leader.expect("a follower from the ISR leads");
    assert_ne!(new, leader);
    assert!(p.leader_epoch > epoch && !p.isr.contains(&leader));
}

#[test]
fn the_moment_the_old_leaders_session_expires_the_partition_is_electing() {
    let mut w = cluster(3);
    create_topic(&mut w, "t", 1, 3);
    let leader = leader_of(&w, "t", 0).unwrap();
    w.apply(Command::StopBroker { broker: leader, cluster: None }).unwrap();
    let owner = format!("broker-{leader}");
    step_until(&mut w, 100_000, |w| session_expired_at(w, &owner).is_some());
    let v = view(&w);
    let off = partition(&v, "t", 0).offline.clone().expect("still offline");
    assert_eq!(
        (off.reason, off.broker),
        (OfflineReason::Electing, Some(leader)),
        "the controller's watch is on its way"
    );
}

#[test]
fn a_partition_whose_only_replica_died_has_no_live_isr() {
    let mut w = cluster(3);
    create_topic(&mut w, "t", 3, 1);
    let controller = controller_of(&w).unwrap();
    let p = (0..3).find(|p| leader_of(&w, "t", *p) != Some(controller)).unwrap();
    let only = leader_of(&w, "t", p).unwrap();
    w.apply(Command::StopBroker { broker: only, cluster: None }).unwrap();
    w.run_for(30_000);
    let v = view(&w);
    let part = partition(&v, "t", p);
    assert_eq!(part.leader, None);
    let off = part.offline.as_ref().unwrap();
    assert_eq!(off.reason, OfflineReason::NoLiveIsr);
    assert_eq!(off.broker, Some(only), "the last ISR member it waits for");
}

#[test]
fn a_lone_broker_gone_for_good_leaves_no_controller_to_elect() {
    let mut w = cluster(1);
    create_topic(&mut w, "t", 1, 1);
    w.apply(Command::StopBroker { broker: 1, cluster: None }).unwrap();
    w.run_for(30_000);
    let v = view(&w);
    let off = partition(&v, "t", 0).offline.clone().unwrap();
    assert_eq!((off.reason, off.broker), (OfflineReason::NoController, Some(1)));
}

#[test]
fn a_broker_restarted_before_its_old_session_expired_says_when_that_session_expires() {
    let mut w = cluster(3);
    w.apply(Command::StopBroker { broker: 2, cluster: None }).unwrap();
    w.run_for(100);
    // `KafkaServer.startup` fails on NODEEXISTS: the broker is stopped again, and says why.
    w.apply(Command::StartBroker { broker: 2, cluster: None }).unwrap();
    let v = view(&w);
    let b = v.brokers.iter().find(|b| b.id == 2).unwrap();
    assert!(!b.running && b.registration.is_none());
    let failure = b.start_failure.clone().expect("why it did not start");
    assert_eq!(failure.error, "NODEEXISTS");
    let expires = failure.owner_session_expires_at_ms.unwrap();
    w.run_until(expires);
    let expired_at = w.trace.iter().filter_map(|r| match &r.event {
        Event::ZkSessionExpired { owner, .. } if owner.to_string() == "broker-2" => Some(r.time_ms),
        _ => None,
    });
    assert_eq!(expired_at.collect::<Vec<_>>(), vec![expires], "the old session expires when the view said");
    w.apply(Command::StartBroker { broker: 2, cluster: None }).unwrap();
    w.run_for(1_000);
    let v = view(&w);
    let b = v.brokers.iter().find(|b| b.id == 2).unwrap();
    assert!(b.running && b.registered && b.registration.is_none() && b.start_failure.is_none());
    assert!(v.brokers.iter().all(|b| b.registration.is_none()));
}

#[test]
fn an_isolated_broker_cannot_reach_zookeeper_to_register() {
    let mut w = cluster(3);
    w.apply(Command::StopBroker { broker: 3, cluster: None }).unwrap();
    w.run_for(25_000);
    w.apply(Command::Isolate { node: "broker-3".into() }).unwrap();
    w.apply(Command::StartBroker { broker: 3, cluster: None }).unwrap();
    let v = view(&w);
    let reg = v.brokers.iter().find(|b| b.id == 3).unwrap().registration.clone().unwrap();
    assert_eq!(reg.reason, RegistrationReason::ZookeeperUnreachable);
    assert_eq!(reg.owner_session_expires_at_ms, None);
}

#[test]
fn a_consumer_on_one_broker_waits_for_the_offsets_topic_replication_factor() {
    let mut w = cluster(1);
    create_topic(&mut w, "t", 1, 1);
    start_consumer(&mut w, "c", "g", &["t"], json!({}));
    w.run_for(5_000);
    let v = view(&w);
    let c = v.consumers.iter().find(|c| c.name == "c").unwrap();
    let wait = c.waiting.clone().expect("no coordinator");
    assert_eq!(wait.reason, WaitingReason::OffsetsTopicReplication);
    assert_eq!((wait.needed, wait.alive), (Some(3), Some(1)));
    let text = serde_json::to_value(&wait).unwrap();
    assert_eq!(text["reason"], "offsets_topic_replication");
}

#[test]
fn a_consumer_whose_offsets_partition_lost_its_only_replica_finds_no_coordinator() {
    let mut w = cluster_with(3, 1, |c| {
        c.offsets_topic_replication_factor = 1;
        c.offsets_topic_num_partitions = 1;
    });
    create_topic(&mut w, "t", 1, 3);
    start_consumer(&mut w, "c", "g", &["t"], json!({}));
    w.run_for(10_000);
    let v = view(&w);
    let coordinator = v.consumers[0].coordinator.expect("found");
    assert!(v.consumers[0].waiting.is_none());
    if controller_of(&w) == Some(coordinator) {
        return; // this seed's controller would take the story elsewhere
    }
    w.apply(Command::StopBroker {
        broker: coordinator,
        cluster: None,
    })
    .unwrap();
    w.run_for(60_000);
    step_until(&mut w, 100_000, |w| w.consumers["c"].coordinator.is_none());
    let v = view(&w);
    let wait = v.consumers[0].waiting.clone().unwrap();
    assert_eq!(wait.reason, WaitingReason::CoordinatorNotAvailable);
    assert_eq!((wait.partition, wait.broker), (Some(0), Some(coordinator)));
}

#[test]
fn seeking_past_a_poison_pill_shows_the_record_skipped_until_the_next_failure() {
    let mut w = cluster(3);
    create_topic(&mut w, "t", 1, 3);
    add_producer(&mut w, "p", "all");
    produce(&mut w, "p", "t", None, "12345");
    w.run_for(1_000);
    start_consumer(
        &mut w,
        "c",
        "g",
        &["t"],
        json!({"value.deserializer": "integer", "auto.offset.reset": "earliest"}),
    );
    w.run_for(10_000);
    poll(&mut w, "c");
    let v = view(&w);
    let c = v.consumers.iter().find(|c| c.name == "c").unwrap();
    assert!(c.poll_failure.is_some() && c.skipped.is_none());
    w.apply(Command::Seek {
        consumer: "c".into(),
        topic: "t".into(),
        partition: 0,
        offset: 1,
    })
    .unwrap();
    let v = view(&w);
    let s = v.consumers[0].skipped.clone().expect("skipped");
    assert_eq!((s.topic.as_str(), s.partition, s.offset, s.to), ("t", 0, 0, 1));
    assert!(v.consumers[0].poll_failure.is_none(), "it no longer stands at the pill");
    produce(&mut w, "p", "t", None, "also five");
    w.run_for(2_000);
    poll(&mut w, "c");
    let v = view(&w);
    assert!(v.consumers[0].skipped.is_none(), "a new failure clears what was skipped");
    assert_eq!(v.consumers[0].poll_failure.as_ref().unwrap().offset, 1);
}

#[test]
fn a_producer_shows_its_last_failed_send_until_a_later_one_is_acknowledged() {
    let mut w = cluster_with(3, 1, |c| c.auto_create_topics_enable = false);
    create_topic(&mut w, "t", 1, 3);
    add_producer(&mut w, "p", "all");
    produce(&mut w, "p", "nope", None, "lost");
    // The send waits for the topic's metadata up to max.block.ms (60 s) before it fails.
    w.run_for(61_000);
    let f = view(&w).producers[0].last_failure.clone().expect("failed");
    assert_eq!(f.topic, "nope");
    assert!(f.error.contains("not present in metadata"), "{}", f.error);
    assert!(f.time_ms > 0);
    produce(&mut w, "p", "t", None, "kept");
    w.run_for(1_000);
    assert_eq!(view(&w).producers[0].last_failure, None);
}

#[cfg(feature = "avro")]
#[test]
fn the_registry_keeps_its_last_refusal() {
    let schema = |name: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(format!("{}/tests/schemas/{name}.avsc", env!("CARGO_MANIFEST_DIR"))).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let mut w = cluster(3);
    apply(&mut w, json!({"cmd": "start_schema_registry"}));
    w.run_for(1_000);
    apply(&mut w, json!({"cmd": "register_schema", "subject": "users-value", "schema": schema("user-v1")}));
    w.run_for(1_000);
    assert!(view(&w).schema_registry.unwrap().last_refusal.is_none());
    apply(
        &mut w,
        json!({"cmd": "register_schema", "subject": "users-value", "schema": schema("user-v2-no-default")}),
    );
    w.run_for(1_000);
    let r = view(&w).schema_registry.unwrap().last_refusal.expect("refused");
    assert_eq!((r.subject.as_str(), r.http_status), ("users-value", 409));
    let event = w.trace.iter().rev().find(|r| matches!(r.event, Event::SchemaRefused { .. })).unwrap();
    assert_eq!(r.time_ms, event.time_ms);
    let Event::SchemaRefused { error, .. } = &event.event else { unreachable!() };
    assert_eq!(&r.error, error);
}
