//! Stopping a broker is not crashing it: the controlled shutdown of ZooKeeper mode
//! (`KafkaServer.controlledShutdown`, `KafkaController.doControlledShutdown`,
//! `ControlledShutdownPartitionLeaderElectionStrategy`), and the crash beside it.
mod common;
use common::*;
use kafkascope::protocol::{BrokerId, TopicPartition};
use kafkascope::trace::{ElectionReason, Event};
use kafkascope::{Command, World};

fn stop(w: &mut World, broker: BrokerId, mode: &str) {
    let cmd: Command = serde_json::from_value(serde_json::json!({"cmd": "stop_broker", "broker": broker, "mode": mode})).unwrap();
    w.apply(cmd).expect("stop accepted");
}

/// A settled three-broker cluster with `orders` (3 partitions, RF 3) and the broker that
/// leads some partitions but is not the controller.
fn cluster_with_orders() -> (World, BrokerId) {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 3, 3);
    w.run_for(1_000);
    let victim = (0..3)
        .filter_map(|p| leader_of(&w, "orders", p))
        .find(|b| Some(*b) != controller_of(&w))
        .expect("a leader that is not the controller");
    (w, victim)
}

/// When (virtual ms) the first event matching `f` happened.
fn time_of(w: &World, f: impl Fn(&Event) -> bool) -> Option<u64> {
    w.trace.iter().find(|r| f(&r.event)).map(|r| r.time_ms)
}

fn led_by(w: &World, broker: BrokerId) -> Vec<TopicPartition> {
    (0..3).filter(|p| leader_of(w, "orders", *p) == Some(broker)).map(|p| tp("orders", p)).collect()
}

fn state_isr(w: &World, p: u32) -> String {
    w.zk.znode(&format!("/brokers/topics/orders/partitions/{p}/state")).unwrap().data.clone()
}

#[test]
fn leadership_moves_to_an_isr_member_before_the_broker_goes_within_milliseconds() {
    let (mut w, victim) = cluster_with_orders();
    let led = led_by(&w, victim);
    let t0 = w.now_ms();
    stop(&mut w, victim, "controlled");
    w.run_for(1_000);
    let stopped = time_of(&w, |e| matches!(e, Event::BrokerShutDown { broker, controlled: true } if *broker == victim)).expect("stopped");
    assert!(stopped - t0 < 100, "stopped after {} ms, not a session timeout", stopped - t0);
    for t in &led {
        let moved = time_of(&w, |e| {
            matches!(e, Event::LeaderChanged { tp, old: Some(o), new: Some(n), reason: ElectionReason::ControlledShutdown, .. } if tp == t && *o == victim && *n != victim)
        })
        .expect("a controlled-shutdown election");
        assert!(moved <= stopped, "{t}: leadership moved at {moved} ms, the broker stopped at {stopped} ms");
        assert!(leader_of(&w, "orders", t.partition).is_some_and(|l| l != victim));
    }
    // `KafkaServer.controlledShutdown`: one request, answered with nothing remaining.
    assert!(events(&w).any(|e| matches!(e, Event::ControlledShutdownRequested { broker, attempt: 1, .. } if *broker == victim)));
    assert!(events(&w).any(|e| matches!(e, Event::ControlledShutdownCompleted { broker, remaining, .. } if *broker == victim && remaining.is_empty())));
}

#[test]
fn the_isr_drops_the_stopping_broker_at_once_where_it_follows() {
    let (mut w, victim) = cluster_with_orders();
    let followed: Vec<u32> = (0..3).filter(|p| leader_of(&w, "orders", *p) != Some(victim)).collect();
    assert!(!followed.is_empty());
    let t0 = w.now_ms();
    stop(&mut w, victim, "controlled");
    w.run_for(200);
    for p in followed {
        let t = tp("orders", p);
        let shrunk = time_of(
            &w,
            |e| matches!(e, Event::IsrChanged { tp: x, old, new, .. } if *x == t && old.contains(&victim) && !new.contains(&victim)),
        )
        .expect("the ISR shrank");
        assert!(shrunk - t0 < 50, "orders-{p}: ISR shrank after {} ms", shrunk - t0);
        assert!(!state_isr(&w, p).contains(&victim.to_string()), "orders-{p} state: {}", state_isr(&w, p));
        // The follower got StopReplica (`OfflineReplica`), not a LeaderAndIsr.
        assert!(events(&w).any(|e| matches!(e, Event::ReplicaStopped { broker, tp: x } if *broker == victim && *x == t)));
    }
}

#[test]
fn the_registration_znode_disappears_at_once_with_the_closed_session() {
    let (mut w, victim) = cluster_with_orders();
    let path = format!("/brokers/ids/{victim}");
    let t0 = w.now_ms();
    stop(&mut w, victim, "controlled");
    w.run_for(200);
    assert!(w.zk.znode(&path).is_none());
    let deleted = time_of(&w, |e| matches!(e, Event::ZnodeDeleted { path: p } if *p == path)).expect("deleted");
    assert!(deleted - t0 < 100);
    assert!(events(&w).any(|e| matches!(e, Event::ZkSessionClosed { owner, .. } if owner.to_string() == format!("broker-{victim}"))));
    assert!(
        !events(&w).any(|e| matches!(e, Event::ZkSessionExpired { .. })),
        "no session waited out its timeout"
    );
    // The controller's `/brokers/ids` watch fired: it no longer counts the broker.
    let c = controller_of(&w).unwrap();
    assert!(!w.brokers[&(0, c)].controller.as_ref().unwrap().live_brokers.contains(&victim));
}

#[test]
fn the_controller_shutting_down_resigns_and_another_is_elected_at_once() {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", 3, 3);
    w.run_for(1_000);
    let old = controller_of(&w).unwrap();
    let t0 = w.now_ms();
    stop(&mut w, old, "controlled");
    w.run_for(500);
    let resigned = time_of(&w, |e| matches!(e, Event::ControllerResigned { broker, .. } if *broker == old)).expect("resigned");
    let elected = time_of(&w, |e| matches!(e, Event::ControllerElected { epoch: 2, .. })).expect("a new controller");
    assert!(resigned >= t0 && elected - t0 < 100, "elected {} ms after the stop", elected - t0);
    let new = controller_of(&w).unwrap();
    assert_ne!(new, old);
    assert_eq!(w.zk.znode("/controller_epoch").unwrap().data, "2");
    for p in 0..3 {
        assert!(leader_of(&w, "orders", p).is_some_and(|l| l != old));
    }
}

#[test]
fn a_replication_factor_1_partition_is_reported_remaining_and_goes_offline() {
    let mut w = cluster(3);
    create_topic(&mut w, "solo", 3, 1);
    w.run_for(1_000);
    let victim = 2;
    let mine: TopicPartition = (0..3)
        .map(|p| tp("solo", p))
        .find(|t| leader_of(&w, "solo", t.partition) == Some(victim))
        .unwrap();
    let t0 = w.now_ms();
    stop(&mut w, victim, "controlled");
    w.run_for(30_000);
    // The controller answers each attempt with the partition it cannot move; the broker retries
    // `controlled.shutdown.max.retries` times, `controlled.shutdown.retry.backoff.ms` apart, then stops anyway.
    let answers = events(&w)
        .filter(|e| matches!(e, Event::ControlledShutdownCompleted { broker, remaining, .. } if *broker == victim && remaining == &vec![mine.clone()]))
        .count();
    assert_eq!(answers, 3);
    let failed: Vec<(u32, bool)> = events(&w)
        .filter_map(|e| match e {
            Event::ControlledShutdownFailed {
                attempt,
                reason: "partitions_remaining",
                retrying,
                ..
            } => Some((*attempt, *retrying)),
            _ => None,
        })
        .collect();
    assert_eq!(failed, vec![(1, true), (2, true), (3, false)]);
    let stopped = time_of(&w, |e| matches!(e, Event::BrokerShutDown { broker, controlled: false } if *broker == victim)).expect("stopped");
    assert!((15_000..16_000).contains(&(stopped - t0)), "stopped after {} ms", stopped - t0);
    // Offline: nobody leads it now.
    assert!(events(&w).any(|e| matches!(e, Event::LeaderChanged { tp, new: None, .. } if *tp == mine)));
    assert_eq!(leader_of(&w, "solo", mine.partition), None);
}

#[test]
fn an_unreachable_controller_times_out_and_the_broker_retries_after_the_backoff() {
    let mut w = cluster_with(3, 1, |c| c.controller_socket_timeout_ms = 3_000);
    create_topic(&mut w, "orders", 3, 3);
    w.run_for(1_000);
    let controller = controller_of(&w).unwrap();
    let victim = (1..=3).find(|b| *b != controller).unwrap();
    let cut = |w: &mut World, heal: bool| {
        let (a, b) = (format!("broker-{victim}"), format!("broker-{controller}"));
        w.apply(if heal { Command::HealLink { a, b } } else { Command::CutLink { a, b } }).unwrap();
    };
    cut(&mut w, false);
    let t0 = w.now_ms();
    stop(&mut w, victim, "controlled");
    w.run_for(4_000);
    let failed = time_of(&w, |e| {
        matches!(
            e,
            Event::ControlledShutdownFailed {
                attempt: 1,
                reason: "request_timed_out",
                retrying: true,
                ..
            }
        )
    })
    .expect("timed out");
    assert_eq!(failed - t0, 3_000, "after controller.socket.timeout.ms");
    assert!(w.brokers[&(0, victim)].running, "still running, waiting out the back-off");
    cut(&mut w, true);
    w.run_for(6_000);
    let second = time_of(&w, |e| matches!(e, Event::ControlledShutdownRequested { attempt: 2, .. })).expect("a second attempt");
    assert_eq!(second - failed, 5_000, "after controlled.shutdown.retry.backoff.ms");
    assert!(events(&w).any(|e| matches!(e, Event::BrokerShutDown { broker, controlled: true } if *broker == victim)));
}

#[test]
fn when_every_attempt_fails_the_broker_stops_uncleanly_and_the_controller_elects_as_for_a_death() {
    let mut w = cluster_with(3, 1, |c| c.controller_socket_timeout_ms = 3_000);
    create_topic(&mut w, "orders", 3, 3);
    w.run_for(1_000);
    let controller = controller_of(&w).unwrap();
    let victim = (1..=3).find(|b| *b != controller && !led_by(&w, *b).is_empty()).unwrap();
    w.apply(Command::CutLink {
        a: format!("broker-{victim}"),
        b: format!("broker-{controller}"),
    })
    .unwrap();
    let t0 = w.now_ms();
    stop(&mut w, victim, "controlled");
    w.run_for(30_000);
    let attempts = events(&w).filter(|e| matches!(e, Event::ControlledShutdownRequested { .. })).count();
    assert_eq!(attempts, 3);
    let stopped = time_of(&w, |e| matches!(e, Event::BrokerShutDown { controlled: false, .. })).unwrap();
    assert_eq!(stopped - t0, 3 * (3_000 + 5_000));
    // The session was closed all the same: the controller saw the departure at once.
    let elected = time_of(
        &w,
        |e| matches!(e, Event::LeaderChanged { old: Some(o), reason: ElectionReason::OfflineLeader, .. } if *o == victim),
    )
    .unwrap();
    assert!(elected - stopped < 100);
}

#[test]
fn a_crash_still_waits_for_the_zookeeper_session_timeout() {
    let (mut w, victim) = cluster_with_orders();
    let led = led_by(&w, victim);
    w.apply(Command::CrashBroker { broker: victim, cluster: None }).unwrap();
    w.run_for(5_000);
    assert!(
        w.zk.znode(&format!("/brokers/ids/{victim}")).is_some(),
        "the ephemeral znode outlives the process"
    );
    assert!(!events(&w).any(|e| matches!(e, Event::ControlledShutdownRequested { .. } | Event::ZkSessionClosed { .. })));
    assert!(events(&w).any(|e| matches!(e, Event::BrokerStopped { broker, .. } if *broker == victim)));
    assert!(led.iter().all(|t| leader_of(&w, "orders", t.partition).is_none()));
    w.run_for(20_000);
    assert!(events(&w).any(|e| matches!(e, Event::ZkSessionExpired { .. })));
    assert!(led.iter().all(|t| leader_of(&w, "orders", t.partition).is_some_and(|l| l != victim)));
}

#[test]
fn stop_broker_without_a_mode_is_still_a_crash_and_with_one_reads_and_writes_as_given() {
    let bare: Command = serde_json::from_str(r#"{"cmd": "stop_broker", "broker": 2}"#).unwrap();
    assert_eq!(bare, Command::StopBroker { broker: 2, cluster: None });
    for mode in ["controlled", "crash"] {
        let text = format!(r#"{{"cmd":"stop_broker","broker":2,"mode":"{mode}"}}"#);
        let c: Command = serde_json::from_str(&text).unwrap();
        assert!(matches!(c, Command::StopBrokerWithMode { broker: 2, .. }));
        assert_eq!(serde_json::to_string(&c).unwrap(), text);
    }
    let crash: Command = serde_json::from_str(r#"{"cmd": "crash_broker", "broker": 3}"#).unwrap();
    assert_eq!(serde_json::to_string(&crash).unwrap(), r#"{"cmd":"crash_broker","broker":3}"#);
    let bad = serde_json::from_str::<Command>(r#"{"cmd": "stop_broker", "broker": 2, "mode": "gentle"}"#).unwrap_err();
    assert!(bad.to_string().contains("unknown variant `gentle`"), "{bad}");

    let (mut w, victim) = cluster_with_orders();
    w.apply(Command::StopBroker { broker: victim, cluster: None }).unwrap();
    w.run_for(1_000);
    assert!(events(&w).any(|e| matches!(e, Event::BrokerStopped { .. })));
}

#[test]
fn with_controlled_shutdown_disabled_a_stop_closes_the_session_without_asking_the_controller() {
    let mut w = cluster_with(3, 1, |c| c.controlled_shutdown_enable = false);
    create_topic(&mut w, "orders", 3, 3);
    w.run_for(1_000);
    let victim = (1..=3).find(|b| Some(*b) != controller_of(&w) && !led_by(&w, *b).is_empty()).unwrap();
    stop(&mut w, victim, "controlled");
    w.run_for(500);
    assert!(!events(&w).any(|e| matches!(e, Event::ControlledShutdownRequested { .. })));
    assert!(events(&w).any(|e| matches!(e, Event::BrokerShutDown { controlled: false, .. })));
    assert!(events(&w).any(|e| matches!(e, Event::LeaderChanged { old: Some(o), reason: ElectionReason::OfflineLeader, .. } if *o == victim)));
}

#[test]
fn a_crash_in_the_middle_of_a_controlled_shutdown_kills_the_process() {
    let mut w = cluster(3);
    create_topic(&mut w, "solo", 3, 1);
    w.run_for(1_000);
    stop(&mut w, 2, "controlled");
    w.run_for(2_000);
    assert!(w.brokers[&(0, 2)].controlled_shutdown.is_some(), "waiting to retry");
    w.apply(Command::CrashBroker { broker: 2, cluster: None }).unwrap();
    w.run_for(10_000);
    assert!(!w.brokers[&(0, 2)].running);
    assert!(events(&w).any(|e| matches!(e, Event::BrokerStopped { broker: 2, .. })));
    assert!(
        !events(&w).any(|e| matches!(e, Event::ControlledShutdownRequested { attempt: 2, .. })),
        "the retry died with the process"
    );
}

fn lingering_producer(w: &mut World) {
    let config: kafkascope::ProducerConfig = serde_json::from_value(serde_json::json!({"acks": "all", "linger.ms": 60000})).unwrap();
    w.apply(Command::AddProducer {
        name: "p1".into(),
        cluster: None,
        config,
    })
    .unwrap();
    produce(w, "p1", "orders", Some("k"), "warm-up");
    w.run_for(70_000);
    for i in 0..3 {
        produce(w, "p1", "orders", Some("k"), &format!("v{i}"));
    }
    w.run_for(100);
}

#[test]
fn a_producer_close_sends_what_it_buffered_and_waits_for_the_answers() {
    let (mut w, _) = cluster_with_orders();
    lingering_producer(&mut w);
    let acked_before = acked(&w, "p1").len();
    assert_eq!(w.producers["p1"].outstanding(), 3, "lingering in the accumulator");
    w.apply(Command::CloseProducer {
        producer: "p1".into(),
        timeout_ms: None,
    })
    .unwrap();
    assert!(w.producers["p1"].running, "still sending");
    w.run_for(1_000);
    assert_eq!(acked(&w, "p1").len(), acked_before + 3, "KafkaProducer.close flushed the accumulator");
    assert!(events(&w).any(|e| matches!(
        e,
        Event::ProducerStopped {
            crashed: false,
            unfinished: 0,
            ..
        }
    )));
    assert!(!w.producers["p1"].running);
    let err = w
        .apply(serde_json::from_value(serde_json::json!({"cmd": "produce", "producer": "p1", "topic": "orders", "value": "late"})).unwrap())
        .unwrap_err();
    assert!(err.to_string().contains("after producer has been closed"), "{err}");
}

#[test]
fn a_producer_crash_neither_sends_nor_tells_anyone() {
    let (mut w, _) = cluster_with_orders();
    lingering_producer(&mut w);
    let acked_before = acked(&w, "p1").len();
    w.apply(Command::CrashProducer { producer: "p1".into() }).unwrap();
    w.run_for(5_000);
    assert_eq!(acked(&w, "p1").len(), acked_before);
    assert!(events(&w).any(|e| matches!(
        e,
        Event::ProducerStopped {
            crashed: true,
            unfinished: 3,
            ..
        }
    )));
    assert!(
        !events(&w).any(|e| matches!(e, Event::ProduceFailed { .. })),
        "no callback runs in a dead process"
    );
}

#[test]
fn a_producer_close_with_a_timeout_aborts_what_it_could_not_finish() {
    let (mut w, _) = cluster_with_orders();
    lingering_producer(&mut w);
    w.apply(Command::Isolate { node: "p1".into() }).unwrap();
    w.apply(Command::CloseProducer {
        producer: "p1".into(),
        timeout_ms: Some(2_000),
    })
    .unwrap();
    w.run_for(3_000);
    let aborted: usize = events(&w)
        .filter_map(|e| match e {
            Event::ProduceFailed { seqs, error, .. } if error.contains("closed forcefully") => Some(seqs.len()),
            _ => None,
        })
        .sum();
    assert_eq!(aborted, 3);
    assert!(events(&w).any(|e| matches!(
        e,
        Event::ProducerStopped {
            crashed: false,
            unfinished: 3,
            ..
        }
    )));
}
