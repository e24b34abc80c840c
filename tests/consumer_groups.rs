//! Consumer groups: the coordinator, rebalances, offsets in __consumer_offsets, as stories.
mod common;
use common::*;
use kafkascope::coordinator::records::{self, OffsetsRecord};
use kafkascope::protocol::GroupState;
use kafkascope::trace::{Event, PositionSource};
use kafkascope::Command;
use serde_json::json;

/// Session timeout (45 s) plus time to notice and rebalance.
const SESSION_EXPIRY_MS: u64 = 55_000;

fn earliest() -> serde_json::Value {
    json!({"auto.offset.reset": "earliest", "enable.auto.commit": false})
}

/// Three brokers, `orders` with `partitions` partitions (RF 3), a producer "p" (acks=all).
fn setup(partitions: u32) -> kafkascope::World {
    let mut w = cluster(3);
    create_topic(&mut w, "orders", partitions, 3);
    add_producer(&mut w, "p", "all");
    w
}

fn produce_n(w: &mut kafkascope::World, from: usize, to: usize) {
    for i in from..to {
        produce(w, "p", "orders", Some(&format!("key-{i}")), &format!("v{i}"));
    }
    w.run_for(2_000);
}

fn commit(w: &mut kafkascope::World, consumer: &str) {
    w.apply(Command::Commit { consumer: consumer.into() }).unwrap();
    w.run_for(1_000);
}

#[test]
fn the_coordinator_is_the_leader_of_the_groups_offsets_partition() {
    // "my-group".hashCode() is -1906497762 in Java; Utils.abs of it, modulo 50, is 12.
    assert_eq!(records::partition_for_group("my-group", 50), 12);
    let mut w = setup(3);
    start_consumer(&mut w, "c1", "my-group", &["orders"], earliest());
    w.run_for(10_000);
    let p = records::partition_for_group("my-group", 50);
    assert_eq!(w.consumers["c1"].coordinator, leader_of(&w, "__consumer_offsets", p));
    assert!(events(&w).any(|e| matches!(e, Event::CoordinatorFound { .. })));
}

#[test]
fn a_consumer_polls_every_record_in_partition_order_and_commits_them_as_records() {
    let mut w = setup(1);
    start_consumer(&mut w, "c1", "g", &["orders"], earliest());
    w.run_for(10_000);
    produce_n(&mut w, 0, 5);
    assert_eq!(poll(&mut w, "c1"), vec!["v0", "v1", "v2", "v3", "v4"]);
    commit(&mut w, "c1");
    let p = records::partition_for_group("g", 50);
    let leader = leader_of(&w, "__consumer_offsets", p).unwrap();
    let log = &w.brokers[&(0, leader)].partitions[&tp("__consumer_offsets", p)].log.records;
    let commits: Vec<OffsetsRecord> = log
        .iter()
        .filter_map(|r| records::decode(r.key.as_deref()?, r.value.as_deref()))
        .filter(|r| matches!(r, OffsetsRecord::Offset { .. }))
        .collect();
    assert!(matches!(commits.last(), Some(OffsetsRecord::Offset { group, topic, partition: 0, offset: 5, .. }) if group == "g" && topic == "orders"));
    // The commit is replicated like any record.
    for b in 1..=3 {
        assert_eq!(
            w.brokers[&(0, b)].partitions[&tp("__consumer_offsets", p)].log_end_offset(),
            log.len() as u64,
            "broker {b}"
        );
    }
}

#[test]
fn a_consumer_never_reads_past_the_high_watermark() {
    let mut w = setup(1);
    start_consumer(&mut w, "c1", "g", &["orders"], earliest());
    w.run_for(10_000);
    let leader = leader_of(&w, "orders", 0).unwrap();
    for f in (1..=3).filter(|b| *b != leader) {
        w.apply(Command::CutLink {
            a: format!("broker-{leader}"),
            b: format!("broker-{f}"),
        })
        .unwrap();
    }
    produce_n(&mut w, 0, 1);
    assert_eq!(w.brokers[&(0, leader)].partitions[&tp("orders", 0)].log_end_offset(), 1);
    assert_eq!(w.brokers[&(0, leader)].partitions[&tp("orders", 0)].high_watermark, 0);
    assert!(poll(&mut w, "c1").is_empty(), "the record is not committed yet");
}

#[test]
fn three_consumers_on_three_partitions_each_get_one() {
    let mut w = setup(3);
    for c in ["c1", "c2", "c3"] {
        start_consumer(&mut w, c, "g", &["orders"], earliest());
    }
    w.run_for(15_000);
    let mut all: Vec<_> = ["c1", "c2", "c3"].iter().flat_map(|c| assignment_of(&w, c)).collect();
    all.sort();
    assert_eq!(all, vec![tp("orders", 0), tp("orders", 1), tp("orders", 2)]);
    assert!(["c1", "c2", "c3"].iter().all(|c| assignment_of(&w, c).len() == 1));
}

#[test]
fn four_consumers_on_three_partitions_leave_one_idle() {
    let mut w = setup(3);
    for c in ["c1", "c2", "c3", "c4"] {
        start_consumer(&mut w, c, "g", &["orders"], earliest());
    }
    w.run_for(15_000);
    let idle: Vec<&str> = ["c1", "c2", "c3", "c4"].into_iter().filter(|c| assignment_of(&w, c).is_empty()).collect();
    assert_eq!(idle.len(), 1, "{idle:?}");
    assert!(events(&w).any(|e| matches!(e, Event::AssignmentReceived { consumer, partitions, .. } if &**consumer == idle[0] && partitions.is_empty())));
}

#[test]
fn a_new_member_triggers_a_rebalance_that_raises_the_generation() {
    let mut w = setup(2);
    start_consumer(&mut w, "c1", "g", &["orders"], earliest());
    w.run_for(10_000);
    assert_eq!(w.consumers["c1"].generation, 1);
    assert_eq!(assignment_of(&w, "c1").len(), 2);
    start_consumer(&mut w, "c2", "g", &["orders"], earliest());
    w.run_for(10_000);
    assert_eq!((w.consumers["c1"].generation, w.consumers["c2"].generation), (2, 2));
    assert_eq!((assignment_of(&w, "c1").len(), assignment_of(&w, "c2").len()), (1, 1));
    assert!(events(&w).any(|e| matches!(e, Event::RebalanceStarted { reason, .. } if reason == "new member joined")));
}

#[test]
fn a_crashed_member_is_removed_after_the_session_timeout_and_the_survivors_resume_without_skipping() {
    let mut w = setup(3);
    for c in ["c1", "c2", "c3"] {
        start_consumer(&mut w, c, "g", &["orders"], earliest());
    }
    w.run_for(15_000);
    produce_n(&mut w, 0, 12);
    let mut seen: Vec<String> = Vec::new();
    for c in ["c1", "c2", "c3"] {
        seen.extend(poll(&mut w, c));
        commit(&mut w, c);
    }
    produce_n(&mut w, 12, 24);
    w.apply(Command::StopConsumer {
        name: "c3".into(),
        leave_group: false,
    })
    .unwrap();
    w.run_for(30_000);
    assert_eq!(w.consumers["c1"].generation, 1, "not yet: the session has not timed out");
    w.run_for(SESSION_EXPIRY_MS);
    assert!(events(&w).any(|e| matches!(e, Event::GroupMemberRemoved { reason, .. } if reason == "session timeout")));
    assert_eq!(assignment_of(&w, "c1").len() + assignment_of(&w, "c2").len(), 3);
    for _ in 0..3 {
        for c in ["c1", "c2"] {
            seen.extend(poll(&mut w, c));
        }
        w.run_for(1_000);
    }
    // c3's loop polled some of v12..v23 without committing: the survivors get those again.
    seen.sort();
    seen.dedup();
    let mut expected: Vec<String> = (0..24).map(|i| format!("v{i}")).collect();
    expected.sort();
    assert_eq!(seen, expected, "every record at least once: nothing skipped");
}

#[test]
fn records_polled_but_not_committed_before_a_crash_are_delivered_again() {
    let mut w = setup(1);
    start_consumer(&mut w, "c1", "g", &["orders"], earliest());
    start_consumer(&mut w, "c2", "g", &["orders"], earliest());
    w.run_for(15_000);
    let owner = if assignment_of(&w, "c1").is_empty() { "c2" } else { "c1" };
    let other = if owner == "c1" { "c2" } else { "c1" };
    produce_n(&mut w, 0, 3);
    assert_eq!(poll(&mut w, owner), vec!["v0", "v1", "v2"]);
    commit(&mut w, owner);
    produce_n(&mut w, 3, 5);
    assert_eq!(poll(&mut w, owner), vec!["v3", "v4"], "processed, never committed");
    w.apply(Command::StopConsumer {
        name: owner.into(),
        leave_group: false,
    })
    .unwrap();
    w.run_for(SESSION_EXPIRY_MS);
    assert_eq!(assignment_of(&w, other), vec![tp("orders", 0)]);
    assert!(events(&w).any(|e| matches!(e, Event::PositionSet { consumer, offset: 3, from: PositionSource::Committed, .. } if **consumer == *other)));
    assert_eq!(poll(&mut w, other), vec!["v3", "v4"], "at-least-once: delivered again");
}

#[test]
fn a_restarted_consumer_resumes_from_its_groups_committed_offset() {
    let mut w = setup(1);
    start_consumer(&mut w, "c1", "g", &["orders"], json!({"enable.auto.commit": false}));
    w.run_for(10_000);
    produce_n(&mut w, 0, 4);
    assert_eq!(poll(&mut w, "c1"), vec!["v0", "v1", "v2", "v3"]);
    commit(&mut w, "c1");
    w.apply(Command::StopConsumer {
        name: "c1".into(),
        leave_group: true,
    })
    .unwrap();
    produce_n(&mut w, 4, 6);
    w.apply(serde_json::from_value(json!({"cmd": "start_consumer", "name": "c1"})).unwrap())
        .unwrap();
    w.run_for(10_000);
    assert_eq!(poll(&mut w, "c1"), vec!["v4", "v5"]);
}

#[test]
fn without_a_committed_offset_latest_skips_old_records_and_earliest_reads_them() {
    let mut w = setup(1);
    produce_n(&mut w, 0, 3);
    start_consumer(&mut w, "late", "g1", &["orders"], json!({}));
    start_consumer(&mut w, "early", "g2", &["orders"], earliest());
    w.run_for(10_000);
    produce_n(&mut w, 3, 4);
    assert_eq!(poll(&mut w, "late"), vec!["v3"]);
    assert_eq!(poll(&mut w, "early"), vec!["v0", "v1", "v2", "v3"]);
}

#[test]
fn two_groups_each_read_every_record_with_their_own_offsets() {
    let mut w = setup(2);
    start_consumer(&mut w, "a", "analytics", &["orders"], earliest());
    start_consumer(&mut w, "b", "billing", &["orders"], earliest());
    w.run_for(10_000);
    produce_n(&mut w, 0, 6);
    let mut a = poll(&mut w, "a");
    commit(&mut w, "a");
    let mut b = poll(&mut w, "b");
    a.sort();
    b.sort();
    assert_eq!(a, b);
    assert_eq!(a.len(), 6);
    assert_eq!(w.group_lag("analytics").values().sum::<u64>(), 0);
    assert!(
        w.group_lag("billing").is_empty(),
        "billing committed nothing: no lag to show, as kafka-consumer-groups shows \"-\""
    );
}

#[test]
fn lag_is_the_high_watermark_minus_the_committed_offset() {
    let mut w = setup(1);
    start_consumer(&mut w, "c1", "g", &["orders"], earliest());
    w.run_for(10_000);
    produce_n(&mut w, 0, 5);
    poll(&mut w, "c1");
    commit(&mut w, "c1");
    produce_n(&mut w, 5, 8);
    assert_eq!(w.group_lag("g").get(&tp("orders", 0)), Some(&3));
}

#[test]
fn when_the_coordinators_broker_dies_the_group_carries_on_with_its_offsets() {
    let mut w = setup(2);
    start_consumer(&mut w, "c1", "g", &["orders"], earliest());
    start_consumer(&mut w, "c2", "g", &["orders"], earliest());
    w.run_for(15_000);
    produce_n(&mut w, 0, 6);
    let mut seen = poll(&mut w, "c1");
    seen.extend(poll(&mut w, "c2"));
    commit(&mut w, "c1");
    commit(&mut w, "c2");
    let old = w.consumers["c1"].coordinator.unwrap();
    w.apply(Command::StopBroker { broker: old, cluster: None }).unwrap();
    // The dead broker's session expires (18 s), then the consumer's request to it times out (30 s).
    w.run_for(70_000);
    let new = w.consumers["c1"].coordinator.unwrap();
    assert_ne!(new, old);
    assert!(events(&w).any(|e| matches!(e, Event::CoordinatorLoaded { broker, groups, .. } if *broker == new && groups.contains(&"g".to_string()))));
    assert_eq!(w.group_lag("g").values().sum::<u64>(), 0, "offsets survived on the new coordinator");
    assert_eq!(w.consumers["c1"].generation, 1, "the membership moved with the coordinator: no rebalance");
    produce_n(&mut w, 6, 10);
    // A producer whose metadata still names the dead broker waits out request.timeout.ms, then retries.
    for _ in 0..10 {
        w.run_for(5_000);
        seen.extend(poll(&mut w, "c1"));
        seen.extend(poll(&mut w, "c2"));
    }
    seen.sort();
    let mut expected: Vec<String> = (0..10).map(|i| format!("v{i}")).collect();
    expected.sort();
    assert_eq!(seen, expected);
}

#[test]
fn leaving_the_group_rebalances_at_once_without_waiting_for_the_session_timeout() {
    let mut w = setup(2);
    start_consumer(&mut w, "c1", "g", &["orders"], earliest());
    start_consumer(&mut w, "c2", "g", &["orders"], earliest());
    w.run_for(15_000);
    w.apply(Command::StopConsumer {
        name: "c2".into(),
        leave_group: true,
    })
    .unwrap();
    w.run_for(5_000);
    assert_eq!(assignment_of(&w, "c1").len(), 2);
    assert!(events(&w).any(|e| matches!(e, Event::GroupMemberRemoved { reason, .. } if reason == "left the group")));
}

#[test]
fn cooperative_sticky_revokes_moving_partitions_in_one_rebalance_and_assigns_them_in_the_next() {
    let mut w = setup(4);
    let coop = json!({"auto.offset.reset": "earliest", "partition.assignment.strategy": ["cooperative-sticky"]});
    start_consumer(&mut w, "c1", "g", &["orders"], coop.clone());
    w.run_for(10_000);
    assert_eq!(assignment_of(&w, "c1").len(), 4);
    start_consumer(&mut w, "c2", "g", &["orders"], coop);
    w.run_for(20_000);
    assert_eq!((assignment_of(&w, "c1").len(), assignment_of(&w, "c2").len()), (2, 2));
    let c2_assignments: Vec<(i32, usize)> = events(&w)
        .filter_map(|e| match e {
            Event::AssignmentReceived {
                consumer,
                generation,
                partitions,
                ..
            } if &**consumer == "c2" => Some((*generation, partitions.len())),
            _ => None,
        })
        .collect();
    assert_eq!(c2_assignments, vec![(2, 0), (3, 2)], "first round: nothing yet; second: the revoked partitions");
    // c1 never gave up the partitions it kept.
    let revoked: Vec<usize> = events(&w)
        .filter_map(|e| match e {
            Event::PartitionsRevoked { consumer, partitions } if &**consumer == "c1" => Some(partitions.len()),
            _ => None,
        })
        .collect();
    assert_eq!(revoked, vec![2]);
}

#[test]
fn an_emptied_group_is_empty_with_its_offsets_kept() {
    let mut w = setup(1);
    start_consumer(&mut w, "c1", "g", &["orders"], earliest());
    w.run_for(10_000);
    produce_n(&mut w, 0, 2);
    poll(&mut w, "c1");
    commit(&mut w, "c1");
    w.apply(Command::StopConsumer {
        name: "c1".into(),
        leave_group: true,
    })
    .unwrap();
    w.run_for(5_000);
    let coordinator = w.brokers.values().find(|b| b.coordinator.groups.contains_key("g")).unwrap();
    let g = &coordinator.coordinator.groups["g"];
    assert_eq!(g.state, GroupState::Empty);
    assert_eq!(g.offsets.get(&tp("orders", 0)), Some(&2));
}

#[test]
fn a_consumer_that_does_not_poll_within_max_poll_interval_leaves_its_group_and_rejoins_on_its_next_poll() {
    let mut w = setup(2);
    let config = json!({"auto.offset.reset": "earliest", "enable.auto.commit": false, "max.poll.interval.ms": 20_000});
    start_consumer(&mut w, "slow", "g", &["orders"], config.clone());
    start_consumer(&mut w, "busy", "g", &["orders"], config);
    w.run_for(10_000);
    assert_eq!(assignment_of(&w, "slow").len() + assignment_of(&w, "busy").len(), 2);
    // "slow"'s application stops calling poll (stuck on a record); "busy" keeps its loop.
    w.apply(Command::KeepPolling {
        consumer: "slow".into(),
        every_ms: None,
    })
    .unwrap();
    w.run_for(30_000);
    let left = events(&w).any(|e| matches!(e, Event::PollIntervalExceeded { consumer, .. } if &**consumer == "slow"));
    assert!(left, "slow's heartbeat thread noticed the poll timeout");
    assert!(assignment_of(&w, "slow").is_empty());
    assert_eq!(assignment_of(&w, "busy").len(), 2, "the group rebalanced without it");
    // Each poll of "slow" moves its rejoin on: JoinGroup, then its answer, then the assignment.
    for _ in 0..5 {
        poll(&mut w, "slow");
        w.run_for(3_000);
    }
    assert_eq!(assignment_of(&w, "slow").len(), 1, "its poll rejoined the group");
}

// Group membership inside poll (KIP-62, the classic protocol): `ConsumerCoordinator.poll`
// joins, takes the JoinGroup answer, applies the assignment and gives partitions up; the
// heartbeat thread only marks that a rejoin is needed.

fn sent_by(w: &kafkascope::World, client: &str, kind: &str) -> usize {
    events(w)
        .filter(|e| matches!(e, Event::MessageSent { from, kind: k, .. } if from.to_string() == client && *k == kind))
        .count()
}

#[test]
fn a_consumer_whose_application_never_polls_never_joins_its_group() {
    let mut w = setup(3);
    start_consumer_without_loop(&mut w, "c1", "g", &["orders"], earliest());
    w.run_for(10_000);
    // The coordinator is found in the background; JoinGroup waits for a poll.
    assert!(w.consumers["c1"].coordinator.is_some());
    assert_eq!(sent_by(&w, "c1", "JoinGroup"), 0);
    assert!(assignment_of(&w, "c1").is_empty());
    poll_for(&mut w, "c1", 5_000);
    assert_eq!(assignment_of(&w, "c1").len(), 3, "its polls joined the group");
}

#[test]
fn a_join_answer_and_an_assignment_wait_for_the_next_poll() {
    let mut w = setup(3);
    start_consumer_without_loop(&mut w, "c1", "g", &["orders"], earliest());
    w.run_for(1_000);
    // KIP-394: the first JoinGroup is answered MEMBER_ID_REQUIRED; the next poll joins with the id.
    poll(&mut w, "c1");
    w.run_for(1_000);
    poll(&mut w, "c1");
    assert_eq!(sent_by(&w, "c1", "JoinGroup"), 2);
    // The join answer arrives after group.initial.rebalance.delay.ms, and waits in the socket.
    w.run_for(5_000);
    assert!(events(&w).any(|e| matches!(e, Event::MessageDelivered { to, kind: "JoinGroupResponse", .. } if to.to_string() == "c1")));
    assert_eq!(sent_by(&w, "c1", "SyncGroup"), 0);
    poll(&mut w, "c1");
    assert_eq!(sent_by(&w, "c1", "SyncGroup"), 1, "the poll read the answer and the leader ran the assignor");
    w.run_for(1_000);
    // The member is STABLE, but its assignment takes effect only in the next poll (onJoinComplete).
    assert!(w.consumers["c1"].synced.is_some());
    assert!(assignment_of(&w, "c1").is_empty());
    assert!(!events(&w).any(|e| matches!(e, Event::AssignmentReceived { .. })));
    poll(&mut w, "c1");
    assert_eq!(assignment_of(&w, "c1").len(), 3);
}

#[test]
fn a_member_that_does_not_poll_holds_the_rebalance_until_max_poll_interval() {
    let mut w = setup(2);
    let config = json!({"auto.offset.reset": "earliest", "enable.auto.commit": false, "max.poll.interval.ms": 20_000});
    start_consumer(&mut w, "c1", "g", &["orders"], config.clone());
    start_consumer(&mut w, "c2", "g", &["orders"], config.clone());
    w.run_for(10_000);
    assert_eq!(assignment_of(&w, "c2").len(), 1);
    w.apply(Command::KeepPolling {
        consumer: "c2".into(),
        every_ms: None,
    })
    .unwrap();
    start_consumer(&mut w, "c3", "g", &["orders"], config);
    w.run_for(12_000);
    // c2's heartbeat learned of the rebalance; it keeps its partition and heartbeats, but only a
    // poll would rejoin: the coordinator waits for it (the rebalance timeout is max.poll.interval.ms).
    assert!(w.consumers["c2"].rejoin_needed);
    assert_eq!(assignment_of(&w, "c2").len(), 1);
    assert!(!events(&w).any(|e| matches!(e, Event::AssignmentReceived { generation: 2, .. })));
    w.run_for(20_000);
    assert!(events(&w).any(|e| matches!(e, Event::PollIntervalExceeded { consumer, .. } if &**consumer == "c2")));
    assert!(assignment_of(&w, "c2").is_empty());
    assert_eq!(assignment_of(&w, "c1").len() + assignment_of(&w, "c3").len(), 2, "the group went on without c2");
}

#[test]
fn an_eager_member_commits_then_gives_up_its_partitions_inside_its_poll() {
    let mut w = setup(2);
    let config = json!({"auto.offset.reset": "earliest"});
    start_consumer(&mut w, "c1", "g", &["orders"], config.clone());
    w.run_for(10_000);
    produce_n(&mut w, 0, 4);
    start_consumer(&mut w, "c2", "g", &["orders"], config);
    w.run_for(10_000);
    // ConsumerCoordinator.onJoinPrepare: the auto-commit is answered before the partitions go,
    // and only then does JoinGroup go out.
    let at = |what: &dyn Fn(&Event) -> bool| w.trace.iter().position(|r| what(&r.event)).unwrap();
    let revoked = at(&|e| matches!(e, Event::PartitionsRevoked { consumer, .. } if &**consumer == "c1"));
    let committed = w.trace[..revoked]
        .iter()
        .rposition(|r| matches!(&r.event, Event::OffsetsCommitted { consumer, auto: true, .. } if &**consumer == "c1"))
        .expect("committed before revoking");
    let rejoined = w.trace[revoked..]
        .iter()
        .position(|r| matches!(&r.event, Event::MessageSent { from, kind: "JoinGroup", .. } if from.to_string() == "c1"))
        .expect("rejoined after revoking");
    assert!(committed < revoked && rejoined > 0);
    assert!(w.trace[committed..revoked]
        .iter()
        .all(|r| !matches!(&r.event, Event::MessageSent { from, kind: "JoinGroup", .. } if from.to_string() == "c1")));
    assert_eq!(assignment_of(&w, "c1").len() + assignment_of(&w, "c2").len(), 2);
}

#[test]
fn a_poll_loop_outside_10_ms_to_10_minutes_is_refused() {
    let mut w = setup(1);
    start_consumer(&mut w, "c1", "g", &["orders"], earliest());
    let refused = w.apply(Command::KeepPolling {
        consumer: "c1".into(),
        every_ms: Some(5),
    });
    assert_eq!(refused.unwrap_err().to_string(), "keep polling: every 5 ms is outside 10–600000 ms");
    let unknown = w.apply(Command::KeepPolling {
        consumer: "nobody".into(),
        every_ms: None,
    });
    assert_eq!(unknown.unwrap_err().to_string(), "unknown consumer \"nobody\"");
}
