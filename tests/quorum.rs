//! The KRaft controller quorum (KIP-595, KIP-996's pre-vote), as Kafka's `KafkaRaftClient`
//! and `QuorumState` run it: elections, the metadata log pulled by followers, the high
//! watermark, resignation and restarts; then a fault sweep with Raft's guarantees checked.

mod raft_cluster;

use kafkascope::raft::{EntryRecord, QuorumConfig, QuorumEvent, StateName};
use raft_cluster::Cluster;
use std::collections::BTreeMap;

const VOTERS: &[u32] = &[1, 2, 3];

fn elected(seed: u64, voters: &[u32]) -> (Cluster, u32) {
    let mut c = Cluster::new(seed, voters);
    c.run_for(5_000);
    let leader = c.leader().expect("a leader within 5 s");
    (c, leader)
}

#[test]
fn a_cold_start_elects_one_leader_through_a_pre_vote_then_a_vote() {
    let (c, leader) = elected(1, VOTERS);
    // QuorumState: Unattached → Prospective (PreVotes at epoch 0) → Candidate (epoch 1) → Leader.
    let path: Vec<StateName> = c.states_of(leader).into_iter().map(|(s, _)| s).collect();
    assert_eq!(
        path[..4],
        [StateName::Unattached, StateName::Prospective, StateName::Candidate, StateName::Leader]
    );
    assert_eq!(c.node(leader).epoch(), 1);
    for v in VOTERS.iter().filter(|v| **v != leader) {
        assert_eq!((c.node(*v).state(), c.node(*v).leader()), (StateName::Follower, Some(leader)));
    }
    assert!(c.check.violations.is_empty(), "{:?}", c.check.violations);
}

#[test]
fn a_new_leader_commits_its_leader_change_record_once_a_majority_has_it() {
    let (c, leader) = elected(2, VOTERS);
    // onBecomeLeader: the epoch's first record is the leader's own LeaderChange, offset 0.
    assert_eq!(c.node(leader).high_watermark(), Some(1));
    for v in VOTERS {
        assert_eq!(c.node(*v).log.end_offset(), 1);
        assert_eq!(c.node(*v).high_watermark(), Some(1), "voter {v} learns the high watermark from its next Fetch");
    }
}

#[test]
fn a_record_is_committed_only_once_a_majority_of_voters_has_it() {
    let (mut c, leader) = elected(3, VOTERS);
    c.isolate(leader);
    let offset = c.append(leader, 42).unwrap();
    c.run_for(1_000);
    assert_eq!(
        c.node(leader).high_watermark(),
        Some(offset),
        "the leader alone is no majority: record {offset} is not committed"
    );
    c.heal();
    // The followers' Fetches were lost on the way: they try again after the request timeout
    // (by then one may have stood for election; the record is committed either way).
    c.run_for(4_000);
    for v in VOTERS {
        let node = c.node(*v);
        assert!(node.high_watermark().is_some_and(|hw| hw > offset), "voter {v} has record {offset} committed");
        assert_eq!(node.log.entries()[offset as usize].record, EntryRecord::Data(42));
    }
}

#[test]
fn when_the_leader_dies_a_follower_stands_after_its_fetch_timeout() {
    let (mut c, old) = elected(4, VOTERS);
    c.crash(old);
    let before = c.events.len();
    // FollowerState: no election before controller.quorum.fetch.timeout.ms (2 000 ms) without
    // an answer from the leader; the last one came at most 500 ms before the crash.
    c.run_for(1_450);
    assert!(c.events[before..].is_empty(), "{:?}", &c.events[before..]);
    c.run_for(4_000);
    let new = c.leader().expect("a new leader");
    assert_ne!(new, old);
    assert_eq!(c.node(new).epoch(), 2);
    assert_eq!(
        c.states_of(new).iter().rev().take(3).map(|(s, _)| *s).collect::<Vec<_>>(),
        [StateName::Leader, StateName::Candidate, StateName::Prospective]
    );
    assert!(c.check.violations.is_empty(), "{:?}", c.check.violations);
}

#[test]
fn a_voter_cut_off_for_long_rejoins_without_raising_the_epoch() {
    // KIP-996: the isolated voter asks for PreVotes and gets none, so it never becomes a
    // Candidate; its epoch stays, and when it is back it disrupts nobody.
    let (mut c, leader) = elected(5, VOTERS);
    let cut = *VOTERS.iter().find(|v| **v != leader).unwrap();
    c.isolate(cut);
    c.run_for(20_000);
    assert_eq!(c.node(cut).epoch(), 1);
    assert!(c.states_of(cut).iter().any(|(s, _)| *s == StateName::Prospective), "it did stand, in vain");
    assert!(!c.states_of(cut).iter().any(|(s, _)| *s == StateName::Candidate));
    c.heal();
    c.run_for(3_000);
    assert_eq!(c.leader(), Some(leader));
    assert_eq!(c.node(leader).epoch(), 1);
    assert_eq!(c.node(cut).leader(), Some(leader));
}

#[test]
fn a_leader_cut_off_from_a_majority_resigns_by_check_quorum() {
    let (mut c, leader) = elected(6, VOTERS);
    c.isolate(leader);
    // LeaderState: 1.5 × controller.quorum.fetch.timeout.ms (3 000 ms) since a majority last
    // fetched. A Fetch parked before the cut still counts when it completes, up to 500 ms later.
    c.run_for(2_950);
    assert_eq!(c.node(leader).state(), StateName::Leader);
    c.run_for(600);
    assert_eq!(c.node(leader).state(), StateName::Resigned);
    c.run_for(2_000);
    // pollResigned: after its election timeout, epoch 2 with no time left: it stands at once
    // (a PreVote nobody answers, cut off as it is).
    assert_eq!(c.node(leader).epoch(), 2);
    assert!(matches!(c.node(leader).state(), StateName::Unattached | StateName::Prospective));
}

#[test]
fn a_minority_cannot_commit_and_its_records_are_truncated_when_it_rejoins() {
    let voters = [1, 2, 3, 4, 5];
    let (mut c, old) = elected(7, &voters);
    let buddy = *voters.iter().find(|v| **v != old).unwrap();
    for a in [old, buddy] {
        for b in voters.iter().filter(|v| **v != old && **v != buddy) {
            c.net.cut(&a, b);
        }
    }
    let lost = c.append(old, 7).unwrap();
    c.run_for(8_000);
    let new = c.leader().unwrap();
    assert!(new != old && new != buddy, "the majority side elects");
    assert!(
        c.node(old).high_watermark().is_none_or(|hw| hw <= lost),
        "the minority never commits record {lost}"
    );
    c.append(new, 8).unwrap();
    c.heal();
    c.run_for(5_000);
    assert!(
        c.events.iter().any(|e| matches!(e, QuorumEvent::Truncated { node, .. } if *node == old)),
        "the old leader cuts its divergent tail"
    );
    let log = c.node(new).log.entries().to_vec();
    for v in voters {
        assert_eq!(c.node(v).log.entries(), &log[..], "voter {v} agrees with the leader");
    }
    assert!(c.check.violations.is_empty(), "{:?}", c.check.violations);
}

#[test]
fn a_resigning_leader_hands_over_to_its_best_successor_at_once() {
    let (mut c, old) = elected(8, VOTERS);
    let from = c.sched.now_ms;
    c.resign(old);
    c.run_for(300);
    let new = c.leader().expect("a successor within 300 ms, long before any fetch timeout");
    assert_ne!(new, old);
    assert!(c.sched.now_ms - from <= 300);
    assert!(c
        .events
        .iter()
        .any(|e| matches!(e, QuorumEvent::StateChanged { node, state: StateName::Resigned, .. } if *node == old)));
}

#[test]
fn a_restarted_voter_remembers_the_vote_it_cast() {
    // Only voter 1 runs; candidates 2 and 3 are played by hand. The vote is on disk
    // (`quorum-state`) before the answer leaves, so a restart cannot vote twice.
    let config = QuorumConfig::new(VOTERS.to_vec());
    let mut c = Cluster::with_configs(9, BTreeMap::from([(1, config)]));
    c.vote_request(2, 1, 1);
    c.run_for(10);
    c.crash(1);
    c.start(1);
    c.vote_request(3, 1, 1);
    c.run_for(10);
    let grants: Vec<u32> = c
        .events
        .iter()
        .filter_map(|e| match e {
            QuorumEvent::VoteGranted {
                candidate, pre_vote: false, ..
            } => Some(*candidate),
            _ => None,
        })
        .collect();
    assert_eq!(grants, [2]);
    assert_eq!(c.node(1).quorum.stored.voted, Some(2));
}

#[test]
fn a_restarted_leader_starts_resigned_in_its_epoch() {
    let (mut c, old) = elected(10, VOTERS);
    c.crash(old);
    c.start(old);
    assert_eq!((c.node(old).state(), c.node(old).epoch()), (StateName::Resigned, 1));
    c.run_for(8_000);
    let new = c.leader().unwrap();
    assert!(c.node(new).epoch() > 1);
    assert!(c.check.violations.is_empty(), "{:?}", c.check.violations);
}

#[test]
fn an_observer_finds_the_leader_and_replicates_but_never_stands() {
    let mut configs: BTreeMap<u32, QuorumConfig> = VOTERS.iter().map(|v| (*v, QuorumConfig::new(VOTERS.to_vec()))).collect();
    configs.insert(4, QuorumConfig::new(VOTERS.to_vec()));
    let mut c = Cluster::with_configs(11, configs);
    c.run_for(5_000);
    let leader = c.leader().unwrap();
    c.append(leader, 1).unwrap();
    c.run_for(1_000);
    assert_eq!(c.node(4).leader(), Some(leader));
    assert_eq!(c.node(4).log.entries(), c.node(leader).log.entries());
    assert_eq!(c.node(4).high_watermark(), c.node(leader).high_watermark());
    c.crash(leader);
    c.run_for(10_000);
    assert!(!c.states_of(4).iter().any(|(s, _)| matches!(s, StateName::Prospective | StateName::Candidate)));
}

#[test]
fn the_checker_catches_two_leaders_when_voters_disagree_on_the_voter_set() {
    // A deliberately wrong configuration: 1 and 2 think the quorum is {1, 2}, 3 and 4 think it
    // is {3, 4}. Each pair is a majority of its own set, so each elects a leader of epoch 1.
    let configs = BTreeMap::from([
        (1, QuorumConfig::new(vec![1, 2])),
        (2, QuorumConfig::new(vec![1, 2])),
        (3, QuorumConfig::new(vec![3, 4])),
        (4, QuorumConfig::new(vec![3, 4])),
    ]);
    let mut c = Cluster::with_configs(12, configs);
    c.run_for(5_000);
    assert!(
        c.check.violations.iter().any(|v| v.starts_with("two leaders in epoch 1")),
        "{:?}",
        c.check.violations
    );
}

/// One seed of the sweep: crashes, restarts, isolations and cut links at random while the
/// leader appends; then everything heals and the quorum must agree on one log holding every
/// committed record.
fn sweep_seed(seed: u64) -> Result<(), String> {
    let voters: &[u32] = if seed.is_multiple_of(2) { &[1, 2, 3] } else { &[1, 2, 3, 4, 5] };
    let mut c = Cluster::new(seed, voters);
    let mut rng = oorandom::Rand64::new(seed as u128 ^ 0x9e37);
    let mut value = 0;
    for _ in 0..40 {
        let v = voters[rng.rand_range(0..voters.len() as u64) as usize];
        match rng.rand_range(0..10) {
            0 => c.crash(v),
            1 if !c.nodes.contains_key(&v) => c.start(v),
            2 => c.isolate(v),
            3 => {
                let w = voters[rng.rand_range(0..voters.len() as u64) as usize];
                c.net.cut(&v, &w);
            }
            4 => c.heal(),
            _ => {
                if let Some(l) = c.leader() {
                    value += 1;
                    c.append(l, value);
                }
            }
        }
        c.run_for(rng.rand_range(10..1_500));
    }
    c.heal();
    for v in voters {
        if !c.nodes.contains_key(v) {
            c.start(*v);
        }
    }
    c.run_for(15_000);
    let leader = c.leader().ok_or("no leader after healing")?;
    let end = c.node(leader).log.end_offset();
    if c.node(leader).high_watermark() != Some(end) {
        return Err(format!(
            "leader {leader}'s high watermark {:?} short of its log end {end}",
            c.node(leader).high_watermark()
        ));
    }
    for v in voters {
        if c.node(*v).log.entries() != c.node(leader).log.entries() {
            return Err(format!("voter {v} disagrees with leader {leader}"));
        }
    }
    if c.node(leader).log.entries().get(..c.check.committed.len()) != Some(&c.check.committed[..]) {
        return Err("a committed record is lost".into());
    }
    match c.check.violations.first() {
        Some(v) => Err(v.clone()),
        None => Ok(()),
    }
}

#[test]
fn the_quorum_keeps_every_committed_record_through_faults_on_500_seeds() {
    let failed: Vec<String> = (0..500).filter_map(|s| sweep_seed(s).err().map(|e| format!("seed {s}: {e}"))).collect();
    assert!(failed.is_empty(), "{failed:#?}");
}
