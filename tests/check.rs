//! The proof: seeded fault runs checked against Kafka's guarantees.
use kafkascope::check::{check, fault_run, fault_run_played, shrink, Profile, Violation, STEP_BUDGET};
use kafkascope::config::MetadataMode;

fn violations(seed: u64, profile: Profile) -> Vec<Violation> {
    check(&fault_run_played(seed, profile, MetadataMode::Zookeeper).1)
}

#[test]
fn under_the_safe_profile_two_hundred_seeded_fault_runs_keep_every_guarantee() {
    for seed in 0..200 {
        let found = violations(seed, Profile::Safe);
        assert!(found.is_empty(), "seed {seed}: {}", found[0]);
    }
}

#[test]
fn under_acks_1_the_checker_finds_acknowledged_records_lost() {
    let lossy = (0..20).find(|s| violations(*s, Profile::Acks1).iter().any(|v| matches!(v, Violation::AckedRecordLost { .. })));
    assert!(lossy.is_some(), "acks=1 lost nothing in 20 fault runs");
}

/// The duplicate check can fail: acks=1 turns idempotence off (`ProducerConfig`), and a retry
/// after a lost answer is then written twice (KIP-98 is what rules that out).
#[test]
fn without_idempotence_the_checker_finds_a_retry_written_twice() {
    let twice = (0..30).find(|s| {
        violations(*s, Profile::Acks1)
            .iter()
            .any(|v| matches!(v, Violation::DuplicateRecord { idempotent: false, .. }))
    });
    assert!(twice.is_some(), "no retry was written twice in 30 acks=1 fault runs");
}

#[test]
fn under_acks_1_every_violation_is_one_kafka_allows_there() {
    for seed in 0..20 {
        for v in violations(seed, Profile::Acks1) {
            assert!(v.is_allowed_without_durability(), "seed {seed}: {v}");
        }
    }
}

#[test]
fn a_fault_run_is_a_scenario_that_replays_to_the_same_trace() {
    // The plan is written while it plays; the scenario it writes replays to the same run.
    let (scenario, played) = fault_run_played(3, Profile::Safe, MetadataMode::Zookeeper);
    let again = kafkascope::scenario::Scenario::parse(&scenario.to_json()).unwrap();
    let a = scenario.run_with_budget(Some(STEP_BUDGET)).unwrap();
    let b = again.run().unwrap();
    assert_eq!(a.trace.len(), b.trace.len());
    assert_eq!(serde_json::to_string(&a.trace).unwrap(), serde_json::to_string(&b.trace).unwrap());
    assert_eq!(serde_json::to_string(&played.trace).unwrap(), serde_json::to_string(&a.trace).unwrap());
}

#[test]
fn a_failing_seed_shrinks_to_a_smaller_scenario_that_still_fails() {
    let seed = (0..20)
        .find(|s| violations(*s, Profile::Acks1).iter().any(|v| v.kind() == "acked_record_lost"))
        .expect("a lossy seed");
    let full = fault_run(seed, Profile::Acks1, MetadataMode::Zookeeper);
    let small = shrink(seed, Profile::Acks1, MetadataMode::Zookeeper, "acked_record_lost", 40);
    assert!(small.steps.len() < full.steps.len());
    assert!(check(&small.run().unwrap()).iter().any(|v| v.kind() == "acked_record_lost"));
}

#[test]
fn the_fault_sweep_mixes_controlled_shutdowns_with_crashes() {
    use kafkascope::trace::Event;
    let (mut controlled, mut unclean, mut crashed) = (0, 0, 0);
    for seed in 0..40 {
        let w = fault_run_played(seed, Profile::Safe, MetadataMode::Zookeeper).1;
        for r in &w.trace {
            match r.event {
                Event::BrokerShutDown { controlled: true, .. } => controlled += 1,
                Event::BrokerShutDown { controlled: false, .. } => unclean += 1,
                Event::BrokerStopped { .. } => crashed += 1,
                _ => {}
            }
        }
    }
    assert!(controlled > 0 && crashed > 0, "controlled {controlled}, unclean {unclean}, crashed {crashed}");
}

#[test]
fn a_start_that_fails_on_the_old_session_is_tried_again_and_every_broker_ends_running() {
    use kafkascope::trace::Event;
    // A restart soon after a crash meets the previous run's znode (`KafkaServer.startup`,
    // NODEEXISTS); the operator starts the broker again later, and every run ends repaired.
    let mut failed = 0;
    for seed in 0..40 {
        let w = fault_run_played(seed, Profile::Safe, MetadataMode::Zookeeper).1;
        failed += w.trace.iter().filter(|r| matches!(r.event, Event::BrokerStartFailed { .. })).count();
        assert!(w.brokers.values().all(|b| b.running), "seed {seed}: a broker is still stopped at the end");
    }
    assert!(failed > 0, "no start failed in 40 fault runs");
}

/// KIP-279 (`AbstractFetcherThread.getOffsetTruncationState`): a follower whose log lacks the
/// epoch the leader answers for truncates to where its own largest earlier epoch ends and asks
/// again. Seed 403 of the unclean profile leaves a follower with records of epoch 0 where the
/// leader has epoch 2's: truncating once, at the end of its epoch 0, kept them and the replicas
/// disagreed below the high watermark.
#[test]
fn after_unclean_elections_a_follower_truncates_in_rounds_until_it_shares_an_epoch_with_the_leader() {
    for v in violations(403, Profile::Unclean) {
        assert!(v.is_allowed_without_durability(), "{v}");
    }
}

#[test]
fn under_unclean_election_every_violation_is_one_kafka_allows_there() {
    for seed in 0..20 {
        for v in violations(seed, Profile::Unclean) {
            assert!(v.is_allowed_without_durability(), "seed {seed}: {v}");
        }
    }
}

#[test]
fn in_kraft_mode_two_hundred_seeded_fault_runs_keep_every_guarantee() {
    for seed in 0..200 {
        let found = check(&fault_run_played(seed, Profile::Safe, MetadataMode::Kraft).1);
        assert!(found.is_empty(), "seed {seed}: {}", found[0]);
    }
}

#[test]
fn in_kraft_mode_the_fault_runs_crash_controllers_and_cut_brokers_from_them() {
    let (mut crashes, mut cuts) = (0, 0);
    for seed in 0..20 {
        let (scenario, _) = fault_run_played(seed, Profile::Safe, MetadataMode::Kraft);
        let text = scenario.to_json();
        crashes += text.matches("crash_controller").count();
        cuts += text.matches("\"controller-30").count();
    }
    assert!(
        crashes > 0 && cuts > 0,
        "{crashes} controller crashes, {cuts} links to controllers cut or slowed"
    );
}

#[test]
fn in_kraft_mode_under_acks_1_the_checker_finds_acknowledged_records_lost() {
    let lossy = (0..20).find(|s| {
        check(&fault_run_played(*s, Profile::Acks1, MetadataMode::Kraft).1)
            .iter()
            .any(|v| matches!(v, Violation::AckedRecordLost { .. }))
    });
    assert!(lossy.is_some(), "acks=1 lost nothing in 20 KRaft fault runs");
}

#[test]
fn the_checker_finds_two_quorum_leaders_in_one_epoch() {
    // A trace no correct quorum writes: two leaders of epoch 4.
    let (_, mut w) = fault_run_played(1, Profile::Safe, MetadataMode::Kraft);
    let last = w.trace.last().unwrap().clone();
    for node in [3000, 3001] {
        let mut r = last.clone();
        r.event = kafkascope::trace::Event::QuorumStateChanged {
            node: kafkascope::protocol::NodeId::Controller(kafkascope::protocol::BrokerNode {
                cluster: Default::default(),
                id: node,
            }),
            epoch: 4,
            state: kafkascope::raft::StateName::Leader,
            leader: Some(node),
            voted: None,
        };
        w.trace.push(r);
    }
    assert!(check(&w).iter().any(|v| v.kind() == "two_quorum_leaders_in_one_epoch"));
}
