//! The guided scenarios (www/scenarios/): each runs with the CLI's runner, teaches what it
//! says, and carries its texts in both languages.
mod common;
use kafkascope::scenario::Scenario;
use kafkascope::trace::{ElectionReason, Event};
use kafkascope::World;

fn run(name: &str) -> (Scenario, World) {
    let path = format!("{}/www/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let s = Scenario::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let w = s.run().unwrap_or_else(|e| panic!("{name}: {e}"));
    (s, w)
}

fn events(w: &World) -> impl Iterator<Item = &Event> {
    w.trace.iter().map(|r| &r.event)
}

#[test]
fn every_guided_scenario_has_a_title_a_goal_and_questions_in_both_languages() {
    let index: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/scenarios/index.json")).unwrap()).unwrap();
    assert!(index.len() >= 10);
    for entry in index {
        let name = entry["file"].as_str().unwrap().trim_end_matches(".json").to_string();
        let (s, _) = run(&name);
        let g = s.guide.unwrap_or_else(|| panic!("{name} has no guide"));
        let texts = [&g.title, &g.goal]
            .into_iter()
            .chain(g.notes.iter().map(|n| &n.text))
            .chain(g.questions.iter().flat_map(|q| [&q.question, &q.explain].into_iter().chain(q.choices.iter())));
        for t in texts {
            assert!(!t.en.trim().is_empty() && !t.ko.trim().is_empty(), "{name}: a text lacks a language");
        }
        assert!(!g.questions.is_empty(), "{name} asks nothing");
    }
}

#[test]
fn the_partitioner_scenario_puts_each_key_where_kafkas_client_would() {
    let (_, w) = run("01-partitioner");
    let placed = |v: &str| {
        events(&w).find_map(|e| match e {
            Event::ProduceQueued { value: Some(x), tp, .. } if **x == *v.as_bytes() => Some(tp.partition),
            _ => None,
        })
    };
    assert_eq!(
        (placed("first"), placed("second"), placed("third"), placed("fourth")),
        (Some(0), Some(2), Some(1), Some(0))
    );
}

#[test]
fn the_acks_scenario_answers_acks_0_without_an_offset_and_acks_all_last() {
    let (_, w) = run("02-acks");
    let acked: Vec<(String, Option<u64>)> = events(&w)
        .filter_map(|e| match e {
            Event::ProduceAcknowledged { producer, base_offset, .. } => Some((producer.to_string(), *base_offset)),
            _ => None,
        })
        .collect();
    assert_eq!(acked, vec![("acks-0".into(), None), ("acks-1".into(), Some(1)), ("acks-all".into(), Some(2))]);
}

#[test]
fn the_placement_scenario_spreads_replicas_and_refuses_replication_factor_4() {
    let (_, w) = run("03-placement");
    assert!(!w.zk.nodes.contains_key("/brokers/topics/payments"));
    let a = events(&w)
        .find_map(|e| match e {
            Event::TopicCreated { assignment, .. } => Some(assignment.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(a.len(), 6);
    assert!(a.iter().all(|r| {
        let mut d = r.clone();
        d.sort();
        d.dedup();
        d.len() == 3
    }));
}

#[test]
fn the_failover_scenario_elects_broker_3_from_the_isr_with_epoch_1() {
    let (_, w) = run("04-failover");
    assert!(events(&w)
        .any(|e| matches!(e, Event::LeaderChanged { tp, new: Some(3), leader_epoch: 1, reason: ElectionReason::OfflineLeader, .. } if tp.partition == 0)));
    assert_eq!(
        common::values_on(&w, 3, "orders", 0),
        vec!["before the crash 1", "before the crash 2", "after the failover"]
    );
}

#[test]
fn the_min_insync_scenario_ends_with_not_enough_replicas() {
    let (_, w) = run("05-min-insync");
    assert!(events(&w).any(|e| matches!(
        e,
        Event::ProduceRefused {
            error: kafkascope::protocol::ErrorCode::NotEnoughReplicas,
            ..
        }
    )));
    assert_eq!(common::values_on(&w, 2, "orders", 0), vec!["three in sync", "two in sync"]);
}

#[test]
fn the_acks_1_scenario_loses_the_acknowledged_record() {
    let (_, w) = run("06-acks1-loss");
    assert!(
        events(&w).any(|e| matches!(e, Event::ProduceAcknowledged { base_offset: Some(1), .. })),
        "doomed was acknowledged at offset 1"
    );
    for b in 1..=3 {
        assert_eq!(common::values_on(&w, b, "orders", 0), vec!["safe"], "broker {b}");
    }
}

#[test]
fn the_unclean_scenario_elects_an_out_of_sync_replica_and_loses_the_record() {
    let (_, w) = run("07-unclean");
    assert!(events(&w).any(|e| matches!(e, Event::ProduceAcknowledged { .. })));
    assert!(events(&w).any(|e| matches!(
        e,
        Event::LeaderChanged {
            new: Some(2),
            reason: ElectionReason::Unclean,
            ..
        }
    )));
    assert!(common::values_on(&w, 2, "orders", 0).is_empty());
}

#[test]
fn the_controller_scenario_moves_the_controller_with_epoch_2() {
    let (_, w) = run("08-controller-failover");
    assert_eq!(w.zk.nodes["/controller_epoch"].data, "2");
    assert!(events(&w).any(|e| matches!(e, Event::ControllerElected { epoch: 2, .. })));
}

#[test]
fn the_group_scenario_leaves_one_idle_then_uses_it_after_the_crash() {
    let (_, w) = run("09-consumer-group");
    let idle_then = events(&w)
        .any(|e| matches!(e, Event::AssignmentReceived { consumer, generation: 1, partitions, .. } if &**consumer == "consumer-4" && partitions.is_empty()));
    assert!(idle_then);
    assert_eq!(w.consumers["consumer-4"].assignment.len(), 1, "after the rebalance");
}

#[test]
fn the_resume_scenario_redelivers_what_was_not_committed() {
    let (_, w) = run("10-resume-and-redelivery");
    let polls: Vec<Vec<String>> = events(&w)
        .filter_map(|e| match e {
            Event::RecordsPolled { records, .. } => Some(records.iter().filter_map(|r| r.value.clone()).collect()),
            _ => None,
        })
        .collect();
    assert_eq!(polls, vec![vec!["r0", "r1", "r2"], vec!["r3", "r4"], vec!["r3", "r4"]]);
}

#[test]
fn the_chroot_scenario_keeps_the_two_clusters_apart() {
    let (_, w) = run("11-chroot");
    assert_eq!(w.zk.nodes["/cluster-a/controller_epoch"].data, "2");
    assert_eq!(w.zk.nodes["/cluster-b/controller_epoch"].data, "1");
    assert!(w.zk.nodes.contains_key("/cluster-a/brokers/topics/orders") && w.zk.nodes.contains_key("/cluster-b/brokers/topics/orders"));
}

fn polled_values(w: &World, consumer: &str) -> Vec<String> {
    events(w)
        .filter_map(|e| match e {
            Event::RecordsPolled { consumer: c, records } if &**c == consumer => Some(records.iter().filter_map(|r| r.value.clone()).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect()
}

#[test]
fn the_garbled_scenario_reads_integers_as_text_without_an_error() {
    let (_, w) = run("12-serializers-garbled");
    assert_eq!(polled_values(&w, "text-consumer"), vec!["\u{0}\u{0}\u{0}A", "\u{0}\u{0}\u{3}\u{fffd}"]);
    assert!(!events(&w).any(|e| matches!(e, Event::PollFailed { .. })));
}

#[test]
fn the_poison_pill_scenario_fails_at_offset_1_until_the_seek() {
    let (_, w) = run("13-poison-pill");
    let failed: Vec<u64> = events(&w)
        .filter_map(|e| match e {
            Event::PollFailed { offset, .. } => Some(*offset),
            _ => None,
        })
        .collect();
    assert_eq!(failed, vec![1, 1]);
    assert_eq!(polled_values(&w, "int-consumer"), vec!["7", "8"]);
}

#[test]
fn the_refused_schema_scenario_fails_app_v2s_send_with_a_409() {
    let (_, w) = run("14-schema-refused");
    assert!(events(&w).any(|e| matches!(e, Event::SchemaRefused { http_status: 409, .. })));
    assert!(events(&w).any(|e| matches!(e, Event::ProduceFailed { producer, .. } if &**producer == "app-v2")));
    assert!(events(&w).any(|e| matches!(e, Event::ProduceAcknowledged { producer, .. } if &**producer == "app-v1")));
}

#[test]
fn the_evolution_scenario_lets_old_and_new_readers_read_both_versions() {
    let (_, w) = run("15-schema-evolution");
    assert_eq!(polled_values(&w, "reader-v1"), vec![r#"{"name":"kim"}"#, r#"{"name":"lee"}"#]);
    assert_eq!(
        polled_values(&w, "reader-v2"),
        vec![r#"{"email":null,"name":"kim"}"#, r#"{"email":"lee@example.com","name":"lee"}"#]
    );
}
