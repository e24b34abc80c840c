//! Replication, the ISR, the high watermark, and leader failover, as stories.
mod common;
use common::*;
use kafkascope::protocol::ErrorCode;
use kafkascope::trace::{ElectionReason, Event};
use kafkascope::Command;

/// Session timeout plus a margin: long enough for ZooKeeper to notice a dead broker.
const SESSION_EXPIRY_MS: u64 = 25_000;

fn leader_epoch(w: &kafkascope::World, topic: &str, p: u32) -> u32 {
    let l = leader_of(w, topic, p).unwrap();
    w.brokers[&(0, l)].partitions[&tp(topic, p)].leader_epoch
}

#[test]
fn acks_all_record_reaches_every_replica_and_the_high_watermark() {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 1, 3);
    add_producer(&mut w, "p", "all");
    produce(&mut w, "p", "orders", Some("k"), "v");
    w.run_for(2_000);
    assert_eq!(acked(&w, "p"), vec![(0, tp("orders", 0), Some(0))]);
    for b in 1..=3 {
        let r = &w.brokers[&(0, b)].partitions[&tp("orders", 0)];
        assert_eq!((r.log_end_offset(), r.high_watermark), (1, 1), "broker {b}");
    }
}

#[test]
fn stopping_the_leader_elects_a_follower_from_the_isr_and_keeps_every_acks_all_record() {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 1, 3);
    add_producer(&mut w, "p", "all");
    for i in 0..5 {
        produce(&mut w, "p", "orders", None, &format!("r{i}"));
        w.run_until_quiet(5_000);
    }
    let old = leader_of(&w, "orders", 0).unwrap();
    let epoch = leader_epoch(&w, "orders", 0);
    w.apply(Command::StopBroker { broker: old, cluster: None }).unwrap();
    w.run_for(SESSION_EXPIRY_MS);
    let new = leader_of(&w, "orders", 0).unwrap();
    assert_ne!(new, old);
    assert_eq!(leader_epoch(&w, "orders", 0), epoch + 1);
    assert!(events(&w).any(|e| matches!(e, Event::LeaderChanged { new: Some(n), reason: ElectionReason::OfflineLeader, .. } if *n == new)));
    assert_eq!(values_on(&w, new, "orders", 0), vec!["r0", "r1", "r2", "r3", "r4"]);
}

#[test]
fn a_dead_broker_is_noticed_through_its_session_expiring_and_the_controllers_watch() {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 1, 3);
    let victim = leader_of(&w, "orders", 0).unwrap();
    let victim = if Some(victim) == controller_of(&w) { (victim % 3) + 1 } else { victim };
    w.apply(Command::StopBroker { broker: victim, cluster: None }).unwrap();
    let stopped_at = w.trace.len();
    w.run_for(SESSION_EXPIRY_MS);
    let kinds: Vec<&str> = w.trace[stopped_at..]
        .iter()
        .map(|r| &r.event)
        .filter_map(|e| match e {
            Event::ZkSessionExpired { owner, .. } if owner.to_string() == format!("broker-{victim}") => Some("expired"),
            Event::ZnodeDeleted { path } if *path == format!("/brokers/ids/{victim}") => Some("deleted"),
            Event::WatchFired { path, .. } if path == "/brokers/ids" => Some("watch"),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, vec!["expired", "deleted", "watch"]);
}

#[test]
fn acks_1_loses_an_acknowledged_record_when_the_leader_dies_before_followers_fetch() {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 1, 3);
    add_producer(&mut w, "p", "1");
    produce(&mut w, "p", "orders", None, "safe");
    w.run_for(2_000);
    let leader = leader_of(&w, "orders", 0).unwrap();
    // The followers cannot fetch from the leader; the producer still reaches it.
    for f in (1..=3).filter(|b| *b != leader) {
        w.apply(Command::CutLink {
            a: format!("broker-{leader}"),
            b: format!("broker-{f}"),
        })
        .unwrap();
    }
    produce(&mut w, "p", "orders", None, "doomed");
    w.run_until_quiet(5_000);
    assert!(
        acked(&w, "p").iter().any(|(seq, _, off)| *seq == 1 && *off == Some(1)),
        "acks=1 acknowledged offset 1"
    );
    w.apply(Command::StopBroker { broker: leader, cluster: None }).unwrap();
    for f in (1..=3).filter(|b| *b != leader) {
        w.apply(Command::HealLink {
            a: format!("broker-{leader}"),
            b: format!("broker-{f}"),
        })
        .unwrap();
    }
    w.run_for(SESSION_EXPIRY_MS);
    w.apply(Command::StartBroker { broker: leader, cluster: None }).unwrap();
    w.run_for(5_000);
    let new = leader_of(&w, "orders", 0).unwrap();
    assert_ne!(new, leader);
    for b in 1..=3 {
        assert_eq!(values_on(&w, b, "orders", 0), vec!["safe"], "broker {b}");
    }
    // The trace says why: the returning broker cut its log back to the new leader's.
    assert!(events(&w).any(|e| matches!(e, Event::LogTruncated { broker, lost: 1, .. } if *broker == leader)));
}

#[test]
fn a_follower_that_stops_fetching_leaves_the_isr_after_replica_lag_time_max() {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 1, 3);
    let leader = leader_of(&w, "orders", 0).unwrap();
    let follower = (1..=3).find(|b| *b != leader && Some(*b) != controller_of(&w)).unwrap_or((leader % 3) + 1);
    w.apply(Command::CutLink {
        a: format!("broker-{leader}"),
        b: format!("broker-{follower}"),
    })
    .unwrap();
    // Kafka measures lag in time since the follower last caught up; an idle partition never lags.
    add_producer(&mut w, "p", "1");
    produce(&mut w, "p", "orders", None, "new");
    w.run_for(20_000);
    assert_eq!(w.brokers[&(0, leader)].partitions[&tp("orders", 0)].isr.len(), 3, "still in sync before 30 s");
    w.run_for(30_000);
    let isr = &w.brokers[&(0, leader)].partitions[&tp("orders", 0)].isr;
    assert!(!isr.contains(&follower), "{isr:?}");
    assert!(events(&w).any(|e| matches!(e, Event::IsrChanged { new, .. } if !new.contains(&follower))));
}

#[test]
fn a_caught_up_follower_rejoins_the_isr() {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 1, 3);
    add_producer(&mut w, "p", "1");
    let leader = leader_of(&w, "orders", 0).unwrap();
    // KIP-497: the leader changes the ISR through the controller, so keep that path open.
    let follower = (1..=3).find(|b| *b != leader && Some(*b) != controller_of(&w)).unwrap();
    w.apply(Command::CutLink {
        a: format!("broker-{leader}"),
        b: format!("broker-{follower}"),
    })
    .unwrap();
    produce(&mut w, "p", "orders", None, "while-away");
    w.run_for(50_000);
    assert!(!w.brokers[&(0, leader)].partitions[&tp("orders", 0)].isr.contains(&follower));
    w.apply(Command::HealLink {
        a: format!("broker-{leader}"),
        b: format!("broker-{follower}"),
    })
    .unwrap();
    w.run_for(40_000);
    assert!(w.brokers[&(0, leader)].partitions[&tp("orders", 0)].isr.contains(&follower));
    assert_eq!(values_on(&w, follower, "orders", 0), vec!["while-away"]);
}

#[test]
fn min_insync_replicas_refuses_acks_all_writes_with_not_enough_replicas() {
    let mut w = cluster_with(3, 1, |c| c.min_insync_replicas = 2);
    create_topic(&mut w, "orders", 1, 3);
    let config = serde_json::from_value(serde_json::json!({"acks": "all", "delivery.timeout.ms": 1000, "request.timeout.ms": 1000})).unwrap();
    w.apply(Command::AddProducer {
        name: "p".into(),
        cluster: None,
        config,
    })
    .unwrap();
    let leader = leader_of(&w, "orders", 0).unwrap();
    add_producer(&mut w, "one", "1");
    produce(&mut w, "one", "orders", None, "before");
    w.run_for(1_000);
    for f in (1..=3).filter(|b| *b != leader) {
        w.apply(Command::StopBroker { broker: f, cluster: None }).unwrap();
    }
    w.run_for(SESSION_EXPIRY_MS);
    assert_eq!(w.brokers[&(0, leader)].partitions[&tp("orders", 0)].isr, vec![leader]);
    produce(&mut w, "p", "orders", None, "refused");
    // Up to one request.timeout.ms while the producer's first bootstrap broker is down.
    w.run_for(35_000);
    assert!(events(&w).any(|e| matches!(
        e,
        Event::ProduceRefused {
            error: ErrorCode::NotEnoughReplicas,
            ..
        }
    )));
    assert!(events(&w).any(|e| matches!(e, Event::ProduceFailed { .. })));
    assert_eq!(values_on(&w, leader, "orders", 0), vec!["before"], "the refused record was not appended");
}

#[test]
fn an_isolated_leader_is_replaced_and_on_return_truncates_to_the_new_leaders_log() {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 3, 3);
    add_producer(&mut w, "p", "1");
    let controller = controller_of(&w).unwrap();
    let p = (0..3).find(|p| leader_of(&w, "orders", *p) != Some(controller)).unwrap();
    let old = leader_of(&w, "orders", p).unwrap();
    produce_to(&mut w, "p", "orders", p, "before");
    w.run_for(2_000);
    // Cut the leader off from ZooKeeper and the other brokers; the producer can still reach it.
    for n in ["zookeeper".to_string()]
        .into_iter()
        .chain((1..=3).filter(|b| *b != old).map(|b| format!("broker-{b}")))
    {
        w.apply(Command::CutLink {
            a: format!("broker-{old}"),
            b: n,
        })
        .unwrap();
    }
    produce_to(&mut w, "p", "orders", p, "diverging");
    w.run_for(SESSION_EXPIRY_MS);
    let new = leader_of(&w, "orders", p)
        .filter(|l| *l != old)
        .or_else(|| {
            w.brokers
                .values()
                .filter(|b| b.id != old)
                .find(|b| b.partitions[&tp("orders", p)].role == kafkascope::replica::Role::Leader)
                .map(|b| b.id)
        })
        .unwrap();
    assert_ne!(new, old);
    produce_to(&mut w, "p", "orders", p, "after");
    w.run_for(40_000);
    for n in ["zookeeper".to_string()]
        .into_iter()
        .chain((1..=3).filter(|b| *b != old).map(|b| format!("broker-{b}")))
    {
        w.apply(Command::HealLink {
            a: format!("broker-{old}"),
            b: n,
        })
        .unwrap();
    }
    w.run_for(30_000);
    assert_eq!(values_on(&w, old, "orders", p), values_on(&w, new, "orders", p));
    assert!(!values_on(&w, old, "orders", p).contains(&"diverging".to_string()));
    assert!(events(&w).any(|e| matches!(e, Event::LogTruncated { broker, .. } if *broker == old)));
}

/// Three brokers, `orders` RF 3; its preferred leader stops, loses leadership, and comes back.
fn preferred_leader_bounced() -> (kafkascope::World, u32) {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 1, 3);
    let preferred = leader_of(&w, "orders", 0).unwrap();
    w.apply(Command::StopBroker {
        broker: preferred,
        cluster: None,
    })
    .unwrap();
    w.run_for(SESSION_EXPIRY_MS);
    w.apply(Command::StartBroker {
        broker: preferred,
        cluster: None,
    })
    .unwrap();
    (w, preferred)
}

#[test]
fn preferred_leader_election_moves_leadership_back_to_the_first_replica() {
    let (mut w, preferred) = preferred_leader_bounced();
    w.run_for(10_000);
    assert_ne!(leader_of(&w, "orders", 0), Some(preferred));
    w.apply(Command::ElectPreferredLeaders { cluster: None }).unwrap();
    w.run_for(1_000);
    assert_eq!(leader_of(&w, "orders", 0), Some(preferred));
    assert!(events(&w).any(|e| matches!(
        e,
        Event::LeaderChanged {
            reason: ElectionReason::Preferred,
            ..
        }
    )));
}

#[test]
fn auto_leader_rebalance_restores_the_preferred_leader_within_its_interval() {
    let (mut w, preferred) = preferred_leader_bounced();
    w.run_for(300_000);
    assert_eq!(leader_of(&w, "orders", 0), Some(preferred));
}

#[test]
fn without_unclean_election_a_partition_whose_isr_is_all_dead_stays_offline() {
    let mut w = cluster(2);
    create_topic(&mut w, "orders", 1, 2);
    let leader = leader_of(&w, "orders", 0).unwrap();
    let other = 3 - leader;
    w.apply(Command::CutLink {
        a: "broker-1".into(),
        b: "broker-2".into(),
    })
    .unwrap();
    add_producer(&mut w, "p", "1");
    produce(&mut w, "p", "orders", None, "lost-with-the-leader");
    w.run_for(50_000);
    assert_eq!(w.brokers[&(0, leader)].partitions[&tp("orders", 0)].isr, vec![leader]);
    w.apply(Command::HealLink {
        a: "broker-1".into(),
        b: "broker-2".into(),
    })
    .unwrap();
    w.apply(Command::StopBroker { broker: leader, cluster: None }).unwrap();
    w.run_for(SESSION_EXPIRY_MS);
    assert_eq!(leader_of(&w, "orders", 0), None, "broker {other} is alive but out of sync");
}

#[test]
fn unclean_election_lets_an_out_of_sync_replica_lead_and_loses_what_it_lacked() {
    let mut w = cluster_with(2, 1, |c| c.unclean_leader_election_enable = true);
    create_topic(&mut w, "orders", 1, 2);
    add_producer(&mut w, "p", "all");
    let leader = leader_of(&w, "orders", 0).unwrap();
    let other = 3 - leader;
    w.apply(Command::CutLink {
        a: "broker-1".into(),
        b: "broker-2".into(),
    })
    .unwrap();
    produce(&mut w, "p", "orders", None, "only-on-leader");
    w.run_for(50_000);
    assert_eq!(acked(&w, "p").len(), 1, "acknowledged once the ISR shrank to the leader");
    w.apply(Command::HealLink {
        a: "broker-1".into(),
        b: "broker-2".into(),
    })
    .unwrap();
    w.apply(Command::StopBroker { broker: leader, cluster: None }).unwrap();
    w.run_for(SESSION_EXPIRY_MS);
    assert_eq!(leader_of(&w, "orders", 0), Some(other));
    assert!(events(&w).any(|e| matches!(
        e,
        Event::LeaderChanged {
            reason: ElectionReason::Unclean,
            ..
        }
    )));
    assert!(values_on(&w, other, "orders", 0).is_empty());
}

/// `Sender`/`NetworkClient`: a produce request lost with its connection (the leader's process
/// died) is NETWORK_EXCEPTION ("Disconnected from node N"), retried after a metadata refresh.
#[test]
fn a_produce_request_to_a_crashed_leader_fails_with_network_exception_not_a_timeout() {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 1, 3);
    add_producer(&mut w, "p", "all");
    produce(&mut w, "p", "orders", None, "first");
    w.run_for(1_000);
    let leader = leader_of(&w, "orders", 0).unwrap();
    let crash: Command = serde_json::from_value(serde_json::json!({"cmd": "stop_broker", "broker": leader})).unwrap();
    w.apply(crash).unwrap();
    produce(&mut w, "p", "orders", None, "second");
    w.run_for(1_000);
    let refused: Vec<ErrorCode> = events(&w)
        .filter_map(|e| match e {
            Event::ProduceRefused { error, .. } => Some(*error),
            _ => None,
        })
        .collect();
    assert_eq!(refused.first(), Some(&ErrorCode::NetworkException), "{refused:?}");
    assert!(!refused.contains(&ErrorCode::RequestTimedOut), "{refused:?}");
}

/// A request that gets no answer within `request.timeout.ms` (a cut link) is REQUEST_TIMED_OUT.
#[test]
fn a_produce_request_across_a_cut_link_times_out_with_request_timed_out() {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 1, 3);
    add_producer(&mut w, "p", "all");
    produce(&mut w, "p", "orders", None, "first");
    w.run_for(1_000);
    let leader = leader_of(&w, "orders", 0).unwrap();
    w.apply(Command::CutLink {
        a: "p".into(),
        b: format!("broker-{leader}"),
    })
    .unwrap();
    produce(&mut w, "p", "orders", None, "second");
    w.run_for(31_000);
    let refused: Vec<ErrorCode> = events(&w)
        .filter_map(|e| match e {
            Event::ProduceRefused { error, .. } => Some(*error),
            _ => None,
        })
        .collect();
    assert_eq!(refused.first(), Some(&ErrorCode::RequestTimedOut), "{refused:?}");
}

/// `KafkaController.processAlterPartition` checks `LeaderAndIsr.equalsAllowStalePartitionEpoch`
/// before the partition epoch: a leader whose AlterPartition was applied but whose answer was
/// lost sends it again with its old partition epoch, and gets the current state back instead
/// of INVALID_UPDATE_VERSION, so it can change the ISR again later.
#[test]
fn a_retried_alter_partition_whose_answer_was_lost_gets_the_current_state() {
    let mut w = cluster_with(3, 1, |c| c.replica_lag_time_max_ms = 10_000);
    create_topic(&mut w, "t", 1, 3);
    w.run_for(1_000);
    let leader = leader_of(&w, "t", 0).unwrap();
    let controller = controller_of(&w).unwrap();
    assert_ne!(leader, controller, "this seed puts the leadership on another broker than the controller");
    let follower = [1, 2, 3].into_iter().find(|b| *b != leader && *b != controller).unwrap();
    let link = |a: u32, b: u32| (format!("broker-{a}"), format!("broker-{b}"));
    let (fa, fb) = link(follower, leader);
    w.apply(Command::CutLink { a: fa.clone(), b: fb.clone() }).unwrap();
    add_producer(&mut w, "p", "1");
    produce(&mut w, "p", "t", None, "the follower cannot fetch this");
    // The leader drops the follower from the ISR; the controller applies it, then the link
    // between them is cut before the answer gets back.
    let mut n = 0;
    while !events(&w).any(|e| matches!(e, Event::IsrChanged { by, .. } if *by == leader)) {
        w.step();
        n += 1;
        assert!(n < 20_000, "no ISR shrink");
    }
    let (ca, cb) = link(leader, controller);
    w.apply(Command::CutLink { a: ca.clone(), b: cb.clone() }).unwrap();
    w.run_for(3_000);
    w.apply(Command::HealLink { a: ca, b: cb }).unwrap();
    w.run_for(10_000);
    let applied = w.brokers[&(0, controller)].controller.as_ref().unwrap().states[&tp("t", 0)].clone();
    let at_leader = &w.brokers[&(0, leader)].partitions[&tp("t", 0)];
    assert_eq!(at_leader.partition_epoch, applied.partition_epoch, "the retry brought the current state back");
    assert_eq!(at_leader.isr, applied.isr);
    assert!(!events(&w).any(|e| matches!(
        e,
        Event::AlterPartitionRefused {
            error: ErrorCode::InvalidUpdateVersion,
            ..
        }
    )));
    // The follower catches up again and the leader can add it back.
    w.apply(Command::HealLink { a: fa, b: fb }).unwrap();
    w.run_for(15_000);
    assert_eq!(w.brokers[&(0, leader)].partitions[&tp("t", 0)].isr.len(), 3);
}
