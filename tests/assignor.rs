//! Scenario tests for the consumer partition assignors.
//!
//! Expected assignments come from Kafka's own documentation and unit tests (named in each test),
//! translated to this API: a Java `buildSubscriptionV2Above(topics, partitions, generation, i)`
//! becomes a `Subscription` with those `owned` partitions and that `generation`; Java's
//! `subscription(topics, i)` is one with nothing owned and no generation.

use std::collections::{BTreeMap, BTreeSet};

use kafkascope::assignor::{assign, AssignError, Assignment, Strategy, Subscription};

// ---------------------------------------------------------------------------------------------
// helpers

fn topics(spec: &[(&str, u32)]) -> BTreeMap<String, u32> {
    spec.iter().map(|(t, n)| (t.to_string(), *n)).collect()
}

fn member(id: &str, subscribed: &[&str]) -> Subscription {
    Subscription {
        member_id: id.to_string(),
        topics: subscribed.iter().map(|t| t.to_string()).collect(),
        owned: BTreeMap::new(),
        generation: None,
    }
}

fn owning(id: &str, subscribed: &[&str], owned: &[(&str, &[u32])], generation: i32) -> Subscription {
    Subscription {
        owned: owned.iter().map(|(t, ps)| (t.to_string(), ps.to_vec())).collect(),
        generation: Some(generation),
        ..member(id, subscribed)
    }
}

/// A member id with its expected topics and partitions.
type Expected<'a> = (&'a str, &'a [(&'a str, &'a [u32])]);

fn expect(spec: &[Expected]) -> Assignment {
    spec.iter()
        .map(|(m, ts)| (m.to_string(), ts.iter().map(|(t, ps)| (t.to_string(), ps.to_vec())).collect()))
        .collect()
}

/// The next rebalance's subscriptions: every member now owns what `previous` gave it.
fn rejoin(members: &[Subscription], previous: &Assignment, generation: i32) -> Vec<Subscription> {
    members
        .iter()
        .map(|m| Subscription {
            owned: previous[&m.member_id].clone(),
            generation: Some(generation),
            ..m.clone()
        })
        .collect()
}

fn count(a: &Assignment, m: &str) -> usize {
    a[m].values().map(Vec::len).sum()
}

/// Every partition of `tp` assigned at most once; with `complete`, exactly once.
fn assert_valid(a: &Assignment, tp: &BTreeMap<String, u32>, complete: bool) {
    let mut seen = BTreeSet::new();
    for ts in a.values() {
        for (t, ps) in ts {
            for &p in ps {
                assert!(p < tp[t], "{t}-{p} does not exist");
                assert!(seen.insert((t.clone(), p)), "{t}-{p} assigned twice");
            }
        }
    }
    if complete {
        let total: u32 = tp.values().sum();
        assert_eq!(seen.len(), total as usize, "not every partition is assigned: {a:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// strategy names and errors

#[test]
fn strategy_names_are_kafkas_short_names() {
    for (name, strategy) in [
        ("range", Strategy::Range),
        ("roundrobin", Strategy::RoundRobin),
        ("sticky", Strategy::Sticky),
        ("cooperative-sticky", Strategy::CooperativeSticky),
    ] {
        assert_eq!(Strategy::from_name(name), Ok(strategy));
        assert_eq!(strategy.name(), name);
    }
}

#[test]
fn unknown_strategy_error_lists_the_valid_names() {
    let err = Strategy::from_name("Range").unwrap_err();
    assert_eq!(err, AssignError::UnknownStrategy("Range".to_string()));
    assert_eq!(
        err.to_string(),
        "unknown partition assignment strategy 'Range'; valid strategies are: range, roundrobin, sticky, cooperative-sticky"
    );
}

// A topic without metadata (deleted, or not created yet) is left out, never an error:
// `AbstractPartitionAssignor.assign(Cluster, GroupSubscription)` builds partitionsPerTopic from the
// subscribed topics that have metadata only ("Skipping assignment for topic {} since no metadata is
// available"), and every assignor skips a subscribed topic missing from it.

#[test]
fn one_consumer_nonexistent_topic_gets_nothing_with_every_assignor() {
    // RangeAssignorTest / RoundRobinAssignorTest / AbstractStickyAssignorTest.testOneConsumerNonexistentTopic:
    // no partitionsPerTopic entry for the subscribed topic; the consumer is in the result, with nothing.
    for strategy in Strategy::ALL {
        let result = assign(strategy, &topics(&[]), &[member("consumer", &["topic"])]).unwrap();
        assert_eq!(result, expect(&[("consumer", &[])]), "{strategy}");
    }
}

#[test]
fn a_missing_topic_is_left_out_and_the_member_keeps_its_share_of_the_others() {
    // Range, RoundRobin: the subscription to "ghost" changes nothing for "t0".
    let range: &[Expected] = &[("c0", &[("t0", &[0, 1])]), ("c1", &[("t0", &[2])])];
    let roundrobin: &[Expected] = &[("c0", &[("t0", &[0, 2])]), ("c1", &[("t0", &[1])])];
    for (strategy, expected) in [(Strategy::Range, range), (Strategy::RoundRobin, roundrobin)] {
        let with_ghost = assign(strategy, &topics(&[("t0", 3)]), &[member("c0", &["t0", "ghost"]), member("c1", &["t0"])]).unwrap();
        let without = assign(strategy, &topics(&[("t0", 3)]), &[member("c0", &["t0"]), member("c1", &["t0"])]).unwrap();
        assert_eq!(with_ghost, without, "{strategy}");
        assert_eq!(with_ghost, expect(expected), "{strategy}");
    }
}

#[test]
fn assignment_updated_for_deleted_topic() {
    // AbstractStickyAssignorTest.testAssignmentUpdatedForDeletedTopic (StickyAssignorTest and
    // CooperativeStickyAssignorTest run it): topic01 has 1 partition, topic03 100, topic02 is
    // gone; the one consumer subscribed to all three gets all 101 partitions.
    for strategy in Strategy::ALL {
        let result = assign(
            strategy,
            &topics(&[("topic01", 1), ("topic03", 100)]),
            &[member("consumer", &["topic01", "topic02", "topic03"])],
        )
        .unwrap();
        assert_eq!(result.keys().collect::<Vec<_>>(), vec!["consumer"], "{strategy}");
        let got: usize = result["consumer"].values().map(Vec::len).sum();
        assert_eq!(got, 101, "{strategy}");
        assert!(!result["consumer"].contains_key("topic02"), "{strategy}");
    }
}

#[test]
fn no_exception_thrown_when_only_subscribed_topic_deleted() {
    // AbstractStickyAssignorTest.testNoExceptionThrownWhenOnlySubscribedTopicDeleted: the consumer
    // owned topic01's 3 partitions; topic01 is deleted (no metadata); it gets nothing, no error.
    for strategy in Strategy::ALL {
        let first = assign(strategy, &topics(&[("topic01", 3)]), &[member("consumer01", &["topic01"])]).unwrap();
        assert_eq!(first, expect(&[("consumer01", &[("topic01", &[0, 1, 2])])]), "{strategy}");
        let after = assign(strategy, &topics(&[]), &[owning("consumer01", &["topic01"], &[("topic01", &[0, 1, 2])], 1)]).unwrap();
        assert_eq!(after, expect(&[("consumer01", &[])]), "{strategy}");
    }
}

#[test]
fn sticky_members_subscribed_to_a_missing_topic_still_share_the_rest_evenly() {
    // AbstractStickyAssignor: the subscriptions differ (one lists a topic without metadata), so the
    // general path runs over the topics that exist; the result is still balanced.
    for strategy in [Strategy::Sticky, Strategy::CooperativeSticky] {
        let result = assign(strategy, &topics(&[("t0", 4)]), &[member("c0", &["t0", "ghost"]), member("c1", &["t0"])]).unwrap();
        let sizes: Vec<usize> = result.values().map(|t| t.values().map(Vec::len).sum()).collect();
        assert_eq!(sizes, vec![2, 2], "{strategy}: {result:?}");
    }
}

#[test]
fn duplicate_member_id_is_an_error() {
    let err = assign(Strategy::Sticky, &topics(&[("t0", 3)]), &[member("c0", &["t0"]), member("c0", &["t0"])]).unwrap_err();
    assert_eq!(err, AssignError::DuplicateMember("c0".into()));
}

#[test]
fn owning_a_partition_the_topic_does_not_have_is_an_error() {
    let err = assign(Strategy::Sticky, &topics(&[("t0", 3)]), &[owning("c0", &["t0"], &[("t0", &[3])], 1)]).unwrap_err();
    assert_eq!(
        err,
        AssignError::InvalidOwnedPartition {
            member_id: "c0".into(),
            topic: "t0".into(),
            partition: 3
        }
    );
}

#[test]
fn zero_partition_topic_is_fine_and_assigns_nothing() {
    // Kafka skips topics without partitions (AbstractPartitionAssignor.assign).
    let tp = topics(&[("empty", 0), ("t0", 2)]);
    let members = [member("c0", &["empty", "t0"]), member("c1", &["empty", "t0"])];
    for strategy in Strategy::ALL {
        let a = assign(strategy, &tp, &members).unwrap();
        assert_eq!(a, expect(&[("c0", &[("t0", &[0])]), ("c1", &[("t0", &[1])])]), "{strategy}");
    }
}

#[test]
fn every_member_appears_even_with_nothing_to_assign() {
    // testOneConsumerNoTopic (all assignor tests): a member with no topics gets an empty map.
    for strategy in Strategy::ALL {
        let a = assign(strategy, &topics(&[]), &[member("c0", &[])]).unwrap();
        assert_eq!(a, expect(&[("c0", &[])]), "{strategy}");
    }
}

#[test]
fn no_members_gives_an_empty_assignment() {
    for strategy in Strategy::ALL {
        assert_eq!(assign(strategy, &topics(&[("t0", 3)]), &[]).unwrap(), Assignment::new());
    }
}

#[test]
fn unsubscribed_topics_are_not_assigned() {
    // testOnlyAssignsPartitionsFromSubscribedTopics (Range/RoundRobin/AbstractSticky tests).
    let tp = topics(&[("topic", 3), ("other", 3)]);
    for strategy in Strategy::ALL {
        let a = assign(strategy, &tp, &[member("consumer", &["topic"])]).unwrap();
        assert_eq!(a, expect(&[("consumer", &[("topic", &[0, 1, 2])])]), "{strategy}");
    }
}

// ---------------------------------------------------------------------------------------------
// range

#[test]
fn range_javadoc_two_consumers_two_topics() {
    // RangeAssignor javadoc: C0 gets [t0p0, t0p1, t1p0, t1p1], C1 gets [t0p2, t1p2].
    let a = assign(
        Strategy::Range,
        &topics(&[("t0", 3), ("t1", 3)]),
        &[member("C0", &["t0", "t1"]), member("C1", &["t0", "t1"])],
    )
    .unwrap();
    assert_eq!(a, expect(&[("C0", &[("t0", &[0, 1]), ("t1", &[0, 1])]), ("C1", &[("t0", &[2]), ("t1", &[2])])]));
}

#[test]
fn range_orders_members_by_id_not_by_join_order() {
    // Same as the javadoc case, members listed in the opposite order.
    let a = assign(
        Strategy::Range,
        &topics(&[("t0", 3), ("t1", 3)]),
        &[member("C1", &["t0", "t1"]), member("C0", &["t0", "t1"])],
    )
    .unwrap();
    assert_eq!(a, expect(&[("C0", &[("t0", &[0, 1]), ("t1", &[0, 1])]), ("C1", &[("t0", &[2]), ("t1", &[2])])]));
}

#[test]
fn range_splits_each_topic_among_its_own_subscribers() {
    // RangeAssignorTest.testMultipleConsumersMixedTopics
    let tp = topics(&[("topic1", 3), ("topic2", 2)]);
    let members = [
        member("consumer1", &["topic1"]),
        member("consumer2", &["topic1", "topic2"]),
        member("consumer3", &["topic1"]),
    ];
    let a = assign(Strategy::Range, &tp, &members).unwrap();
    assert_eq!(
        a,
        expect(&[
            ("consumer1", &[("topic1", &[0])]),
            ("consumer2", &[("topic1", &[1]), ("topic2", &[0, 1])]),
            ("consumer3", &[("topic1", &[2])]),
        ])
    );
}

#[test]
fn range_more_members_than_partitions_leaves_members_idle() {
    // RangeAssignorTest.testTwoConsumersOneTopicOnePartition, with a third member.
    let members = [member("c0", &["t0"]), member("c1", &["t0"]), member("c2", &["t0"])];
    let a = assign(Strategy::Range, &topics(&[("t0", 1)]), &members).unwrap();
    assert_eq!(a, expect(&[("c0", &[("t0", &[0])]), ("c1", &[]), ("c2", &[])]));
}

// ---------------------------------------------------------------------------------------------
// roundrobin

#[test]
fn roundrobin_javadoc_two_consumers_two_topics() {
    // RoundRobinAssignor javadoc: C0 gets [t0p0, t0p2, t1p1], C1 gets [t0p1, t1p0, t1p2].
    let a = assign(
        Strategy::RoundRobin,
        &topics(&[("t0", 3), ("t1", 3)]),
        &[member("C0", &["t0", "t1"]), member("C1", &["t0", "t1"])],
    )
    .unwrap();
    assert_eq!(a, expect(&[("C0", &[("t0", &[0, 2]), ("t1", &[1])]), ("C1", &[("t0", &[1]), ("t1", &[0, 2])])]));
}

#[test]
fn roundrobin_javadoc_three_consumers() {
    // RoundRobinAssignor javadoc (static membership section): C0 [t0p0, t1p0], C1 [t0p1, t1p1], C2 [t0p2, t1p2].
    let all = ["t0", "t1"];
    let a = assign(
        Strategy::RoundRobin,
        &topics(&[("t0", 3), ("t1", 3)]),
        &[member("C2", &all), member("C0", &all), member("C1", &all)],
    )
    .unwrap();
    assert_eq!(
        a,
        expect(&[
            ("C0", &[("t0", &[0]), ("t1", &[0])]),
            ("C1", &[("t0", &[1]), ("t1", &[1])]),
            ("C2", &[("t0", &[2]), ("t1", &[2])])
        ])
    );
}

#[test]
fn roundrobin_with_differing_subscriptions_skips_unsubscribed_members() {
    // RoundRobinAssignor javadoc: C0 [t0p0], C1 [t1p0], C2 [t1p1, t2p0, t2p1, t2p2].
    let tp = topics(&[("t0", 1), ("t1", 2), ("t2", 3)]);
    let members = [member("C0", &["t0"]), member("C1", &["t0", "t1"]), member("C2", &["t0", "t1", "t2"])];
    let a = assign(Strategy::RoundRobin, &tp, &members).unwrap();
    assert_eq!(
        a,
        expect(&[("C0", &[("t0", &[0])]), ("C1", &[("t1", &[0])]), ("C2", &[("t1", &[1]), ("t2", &[0, 1, 2])])])
    );
}

#[test]
fn roundrobin_mixed_topics() {
    // RoundRobinAssignorTest.testMultipleConsumersMixedTopics
    let tp = topics(&[("topic1", 3), ("topic2", 2)]);
    let members = [
        member("consumer1", &["topic1"]),
        member("consumer2", &["topic1", "topic2"]),
        member("consumer3", &["topic1"]),
    ];
    let a = assign(Strategy::RoundRobin, &tp, &members).unwrap();
    assert_eq!(
        a,
        expect(&[
            ("consumer1", &[("topic1", &[0])]),
            ("consumer2", &[("topic1", &[1]), ("topic2", &[0, 1])]),
            ("consumer3", &[("topic1", &[2])]),
        ])
    );
}

#[test]
fn roundrobin_poor_scenario_leaves_a_member_idle() {
    // AbstractStickyAssignorTest.testPoorRoundRobinAssignmentScenario (its comment's round robin result).
    let tp = topics(&[("topic1", 2), ("topic2", 1), ("topic3", 2), ("topic4", 1), ("topic5", 2)]);
    let all = ["topic1", "topic2", "topic3", "topic4", "topic5"];
    let odd = ["topic1", "topic3", "topic5"];
    let members = [
        member("consumer1", &all),
        member("consumer2", &odd),
        member("consumer3", &odd),
        member("consumer4", &all),
    ];
    let a = assign(Strategy::RoundRobin, &tp, &members).unwrap();
    assert_eq!(
        a,
        expect(&[
            ("consumer1", &[("topic1", &[0]), ("topic3", &[0]), ("topic5", &[0])]),
            ("consumer2", &[("topic1", &[1]), ("topic3", &[1]), ("topic5", &[1])]),
            ("consumer3", &[]),
            ("consumer4", &[("topic2", &[0]), ("topic4", &[0])]),
        ])
    );
}

#[test]
fn roundrobin_more_members_than_partitions_leaves_members_idle() {
    let members = [member("c0", &["t0"]), member("c1", &["t0"]), member("c2", &["t0"])];
    let a = assign(Strategy::RoundRobin, &topics(&[("t0", 2)]), &members).unwrap();
    assert_eq!(a, expect(&[("c0", &[("t0", &[0])]), ("c1", &[("t0", &[1])]), ("c2", &[])]));
}

// ---------------------------------------------------------------------------------------------
// sticky: fresh assignments

#[test]
fn sticky_javadoc_example_1_fresh_assignment() {
    // StickyAssignor javadoc, example 1: C0 [t0p0, t1p1, t3p0], C1 [t0p1, t2p0, t3p1], C2 [t1p0, t2p1].
    let tp = topics(&[("t0", 2), ("t1", 2), ("t2", 2), ("t3", 2)]);
    let all = ["t0", "t1", "t2", "t3"];
    for strategy in [Strategy::Sticky, Strategy::CooperativeSticky] {
        let a = assign(strategy, &tp, &[member("C0", &all), member("C1", &all), member("C2", &all)]).unwrap();
        assert_eq!(
            a,
            expect(&[
                ("C0", &[("t0", &[0]), ("t1", &[1]), ("t3", &[0])]),
                ("C1", &[("t0", &[1]), ("t2", &[0]), ("t3", &[1])]),
                ("C2", &[("t1", &[0]), ("t2", &[1])]),
            ]),
            "{strategy}"
        );
    }
}

#[test]
fn sticky_javadoc_example_2_balances_unequal_subscriptions() {
    // StickyAssignor javadoc, example 2: C0 [t0p0], C1 [t1p0, t1p1], C2 [t2p0, t2p1, t2p2].
    let tp = topics(&[("t0", 1), ("t1", 2), ("t2", 3)]);
    let members = [member("C0", &["t0"]), member("C1", &["t0", "t1"]), member("C2", &["t0", "t1", "t2"])];
    let a = assign(Strategy::Sticky, &tp, &members).unwrap();
    assert_eq!(a, expect(&[("C0", &[("t0", &[0])]), ("C1", &[("t1", &[0, 1])]), ("C2", &[("t2", &[0, 1, 2])])]));
}

#[test]
fn sticky_two_consumers_two_topics_six_partitions() {
    // AbstractStickyAssignorTest.testTwoConsumersTwoTopicsSixPartitions
    let tp = topics(&[("topic1", 3), ("topic2", 3)]);
    let all = ["topic1", "topic2"];
    let a = assign(Strategy::Sticky, &tp, &[member("consumer1", &all), member("consumer2", &all)]).unwrap();
    assert_eq!(
        a,
        expect(&[
            ("consumer1", &[("topic1", &[0, 2]), ("topic2", &[1])]),
            ("consumer2", &[("topic1", &[1]), ("topic2", &[0, 2])])
        ])
    );
}

#[test]
fn sticky_mixed_subscriptions_use_the_general_algorithm() {
    // AbstractStickyAssignorTest.testMultipleConsumersMixedTopicSubscriptions
    let tp = topics(&[("topic1", 3), ("topic2", 2)]);
    let members = [
        member("consumer1", &["topic1"]),
        member("consumer2", &["topic1", "topic2"]),
        member("consumer3", &["topic1"]),
    ];
    let a = assign(Strategy::Sticky, &tp, &members).unwrap();
    assert_eq!(
        a,
        expect(&[
            ("consumer1", &[("topic1", &[0, 2])]),
            ("consumer2", &[("topic2", &[0, 1])]),
            ("consumer3", &[("topic1", &[1])])
        ])
    );
}

#[test]
fn sticky_fixes_the_poor_roundrobin_scenario() {
    // AbstractStickyAssignorTest.testPoorRoundRobinAssignmentScenario (its comment's sticky result).
    let tp = topics(&[("topic1", 2), ("topic2", 1), ("topic3", 2), ("topic4", 1), ("topic5", 2)]);
    let all = ["topic1", "topic2", "topic3", "topic4", "topic5"];
    let odd = ["topic1", "topic3", "topic5"];
    let members = [
        member("consumer1", &all),
        member("consumer2", &odd),
        member("consumer3", &odd),
        member("consumer4", &all),
    ];
    let a = assign(Strategy::Sticky, &tp, &members).unwrap();
    assert_eq!(
        a,
        expect(&[
            ("consumer1", &[("topic2", &[0]), ("topic3", &[0])]),
            ("consumer2", &[("topic1", &[0]), ("topic3", &[1])]),
            ("consumer3", &[("topic1", &[1]), ("topic5", &[0])]),
            ("consumer4", &[("topic4", &[0]), ("topic5", &[1])]),
        ])
    );
}

#[test]
fn sticky_more_members_than_partitions_leaves_members_idle() {
    // AbstractStickyAssignorTest.testStickiness (first round): 4 members, 3 partitions.
    let members = [
        member("consumer1", &["topic1"]),
        member("consumer2", &["topic1"]),
        member("consumer3", &["topic1"]),
        member("consumer4", &["topic1"]),
    ];
    let a = assign(Strategy::Sticky, &topics(&[("topic1", 3)]), &members).unwrap();
    assert_eq!(
        a,
        expect(&[
            ("consumer1", &[("topic1", &[0])]),
            ("consumer2", &[("topic1", &[1])]),
            ("consumer3", &[("topic1", &[2])]),
            ("consumer4", &[]),
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// sticky: keeping previous owners

#[test]
fn sticky_keeps_previous_owners_after_a_member_leaves() {
    // StickyAssignor javadoc, example 1 continued: C1 leaves; C0 and C2 keep everything they had
    // and split C1's three partitions. (The javadoc shows the pre-2.8 algorithm's choice of which
    // of them go where, t2p0 to C0; today's constrained algorithm deals them in topic order.)
    let tp = topics(&[("t0", 2), ("t1", 2), ("t2", 2), ("t3", 2)]);
    let all = ["t0", "t1", "t2", "t3"];
    let members = [
        owning("C0", &all, &[("t0", &[0]), ("t1", &[1]), ("t3", &[0])], 1),
        owning("C2", &all, &[("t1", &[0]), ("t2", &[1])], 1),
    ];
    let a = assign(Strategy::Sticky, &tp, &members).unwrap();
    assert_eq!(
        a,
        expect(&[
            ("C0", &[("t0", &[0, 1]), ("t1", &[1]), ("t3", &[0])]),
            ("C2", &[("t1", &[0]), ("t2", &[0, 1]), ("t3", &[1])]),
        ])
    );
}

#[test]
fn sticky_javadoc_example_2_member_leaves() {
    // StickyAssignor javadoc, example 2 continued: C0 leaves; C1 [t1p0, t1p1, t0p0], C2 unchanged.
    let tp = topics(&[("t0", 1), ("t1", 2), ("t2", 3)]);
    let members = [
        owning("C1", &["t0", "t1"], &[("t1", &[0, 1])], 1),
        owning("C2", &["t0", "t1", "t2"], &[("t2", &[0, 1, 2])], 1),
    ];
    for strategy in [Strategy::Sticky, Strategy::CooperativeSticky] {
        // The departed member's partition has no owner left to revoke it, so even the
        // cooperative assignor hands it over at once.
        let a = assign(strategy, &tp, &members).unwrap();
        assert_eq!(
            a,
            expect(&[("C1", &[("t0", &[0]), ("t1", &[0, 1])]), ("C2", &[("t2", &[0, 1, 2])])]),
            "{strategy}"
        );
    }
}

#[test]
fn sticky_owner_of_min_quota_tops_up_to_max_quota() {
    // AbstractStickyAssignorTest.testConsumerOwningMinQuotaExpectedMaxQuota
    let tp = topics(&[("topic1", 2), ("topic2", 3)]);
    let all = ["topic1", "topic2"];
    let members = [
        owning("consumer1", &all, &[("topic1", &[0]), ("topic2", &[1])], 1),
        owning("consumer2", &all, &[("topic1", &[1]), ("topic2", &[2])], 1),
    ];
    let a = assign(Strategy::Sticky, &tp, &members).unwrap();
    assert_eq!(
        a,
        expect(&[
            ("consumer1", &[("topic1", &[0]), ("topic2", &[0, 1])]),
            ("consumer2", &[("topic1", &[1]), ("topic2", &[2])])
        ])
    );
}

#[test]
fn sticky_only_as_many_max_quota_owners_as_needed_keep_max_quota() {
    // AbstractStickyAssignorTest.testMaxQuotaConsumerMoreThanNumExpectedMaxCapacityMembers.
    // Both consumer1 and consumer2 own maxQuota (2) but only one may keep 2: Kafka visits the
    // members in HashMap order, where "consumer2" comes before "consumer1", so consumer2 keeps both.
    let tp = topics(&[("topic1", 2), ("topic2", 2)]);
    let all = ["topic1", "topic2"];
    let members = [
        owning("consumer1", &all, &[("topic1", &[0]), ("topic2", &[0])], 1),
        owning("consumer2", &all, &[("topic1", &[1]), ("topic2", &[1])], 1),
        owning("consumer3", &all, &[], 1),
    ];
    let a = assign(Strategy::Sticky, &tp, &members).unwrap();
    assert_eq!(
        a,
        expect(&[
            ("consumer1", &[("topic1", &[0])]),
            ("consumer2", &[("topic1", &[1]), ("topic2", &[1])]),
            ("consumer3", &[("topic2", &[0])]),
        ])
    );
}

#[test]
fn sticky_all_members_under_min_quota() {
    // AbstractStickyAssignorTest.testAllConsumersAreUnderMinQuota
    let tp = topics(&[("topic1", 2), ("topic2", 3)]);
    let all = ["topic1", "topic2"];
    let members = [
        owning("consumer1", &all, &[("topic1", &[0])], 1),
        owning("consumer2", &all, &[("topic1", &[1])], 1),
        owning("consumer3", &all, &[], 1),
    ];
    for strategy in [Strategy::Sticky, Strategy::CooperativeSticky] {
        let a = assign(strategy, &tp, &members).unwrap();
        assert_eq!(
            a,
            expect(&[
                ("consumer1", &[("topic1", &[0]), ("topic2", &[1])]),
                ("consumer2", &[("topic1", &[1]), ("topic2", &[2])]),
                ("consumer3", &[("topic2", &[0])]),
            ]),
            "{strategy}"
        );
    }
}

#[test]
fn sticky_members_at_expected_quota_are_left_alone() {
    // AbstractStickyAssignorTest.testAllConsumersReachExpectedQuotaAndAreConsideredFilled
    let members = [
        owning("consumer1", &["topic"], &[("topic", &[0, 1])], 1),
        owning("consumer2", &["topic"], &[("topic", &[2])], 1),
        owning("consumer3", &["topic"], &[], 1),
    ];
    for strategy in [Strategy::Sticky, Strategy::CooperativeSticky] {
        let a = assign(strategy, &topics(&[("topic", 4)]), &members).unwrap();
        assert_eq!(
            a,
            expect(&[
                ("consumer1", &[("topic", &[0, 1])]),
                ("consumer2", &[("topic", &[2])]),
                ("consumer3", &[("topic", &[3])])
            ]),
            "{strategy}"
        );
    }
}

#[test]
fn sticky_add_then_remove_two_consumers() {
    // AbstractStickyAssignorTest.testAddRemoveTwoConsumersTwoTopics (eager sticky assignor).
    let tp = topics(&[("topic1", 3), ("topic2", 4)]);
    let all = ["topic1", "topic2"];
    let first = assign(Strategy::Sticky, &tp, &[member("consumer1", &all), member("consumer2", &all)]).unwrap();
    assert_eq!(
        first,
        expect(&[
            ("consumer1", &[("topic1", &[0, 2]), ("topic2", &[1, 3])]),
            ("consumer2", &[("topic1", &[1]), ("topic2", &[0, 2])])
        ])
    );

    let mut members = rejoin(&[member("consumer1", &all), member("consumer2", &all)], &first, 1);
    members.push(owning("consumer3", &all, &[], 1));
    members.push(owning("consumer4", &all, &[], 1));
    let second = assign(Strategy::Sticky, &tp, &members).unwrap();
    assert_eq!(
        second,
        expect(&[
            ("consumer1", &[("topic1", &[0]), ("topic2", &[1])]),
            ("consumer2", &[("topic1", &[1]), ("topic2", &[0])]),
            ("consumer3", &[("topic1", &[2]), ("topic2", &[3])]),
            ("consumer4", &[("topic2", &[2])]),
        ])
    );

    let remaining = rejoin(&members[2..], &second, 1);
    let third = assign(Strategy::Sticky, &tp, &remaining).unwrap();
    assert_eq!(
        third,
        expect(&[
            ("consumer3", &[("topic1", &[0, 2]), ("topic2", &[1, 3])]),
            ("consumer4", &[("topic1", &[1]), ("topic2", &[0, 2])]),
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// sticky: generations and conflicting claims

#[test]
fn sticky_stale_generation_claims_lose() {
    // AbstractStickyAssignorTest.testOwnedPartitionsAreInvalidatedForConsumerWithStaleGeneration
    let tp = topics(&[("topic", 3), ("topic2", 3)]);
    let all = ["topic", "topic2"];
    let claim: &[(&str, &[u32])] = &[("topic", &[0, 2]), ("topic2", &[1])];
    let members = [owning("consumer1", &all, claim, 10), owning("consumer2", &all, claim, 9)];
    for strategy in [Strategy::Sticky, Strategy::CooperativeSticky] {
        let a = assign(strategy, &tp, &members).unwrap();
        assert_eq!(
            a,
            expect(&[
                ("consumer1", &[("topic", &[0, 2]), ("topic2", &[1])]),
                ("consumer2", &[("topic", &[1]), ("topic2", &[0, 2])]),
            ]),
            "{strategy}"
        );
    }
}

#[test]
fn sticky_claims_without_generation_lose() {
    // AbstractStickyAssignorTest.testOwnedPartitionsAreInvalidatedForConsumerWithNoGeneration
    let tp = topics(&[("topic", 3), ("topic2", 3)]);
    let all = ["topic", "topic2"];
    let claim: &[(&str, &[u32])] = &[("topic", &[0, 2]), ("topic2", &[1])];
    let mut stale = owning("consumer2", &all, claim, 0);
    stale.generation = None;
    let a = assign(Strategy::Sticky, &tp, &[owning("consumer1", &all, claim, 10), stale]).unwrap();
    assert_eq!(
        a,
        expect(&[
            ("consumer1", &[("topic", &[0, 2]), ("topic2", &[1])]),
            ("consumer2", &[("topic", &[1]), ("topic2", &[0, 2])])
        ])
    );
}

#[test]
fn sticky_partitions_go_to_the_highest_generation_claimant() {
    // AbstractStickyAssignorTest.testEnsurePartitionsAssignedToHighestGeneration
    let tp = topics(&[("topic", 3), ("topic2", 3), ("topic3", 3)]);
    let all = ["topic", "topic2", "topic3"];
    let members = [
        owning("consumer1", &all, &[("topic", &[0]), ("topic2", &[0]), ("topic3", &[0])], 10),
        owning("consumer2", &all, &[("topic", &[1]), ("topic2", &[1]), ("topic3", &[1])], 9),
        owning("consumer3", &all, &[("topic2", &[1]), ("topic3", &[0, 2])], 8),
    ];
    for strategy in [Strategy::Sticky, Strategy::CooperativeSticky] {
        let a = assign(strategy, &tp, &members).unwrap();
        assert_eq!(
            a,
            expect(&[
                ("consumer1", &[("topic", &[0]), ("topic2", &[0]), ("topic3", &[0])]),
                ("consumer2", &[("topic", &[1]), ("topic2", &[1]), ("topic3", &[1])]),
                ("consumer3", &[("topic", &[2]), ("topic2", &[2]), ("topic3", &[2])]),
            ]),
            "{strategy}"
        );
    }
}

#[test]
fn sticky_older_generations_do_not_disturb_current_members() {
    // AbstractStickyAssignorTest.testNoReassignmentOnCurrentMembers
    let tp = topics(&[("topic", 3), ("topic1", 3), ("topic2", 3), ("topic3", 3)]);
    let all = ["topic", "topic2", "topic3", "topic1"];
    let mut newcomer = owning("consumer1", &all, &[], 0);
    newcomer.generation = Some(-1);
    let members = [
        newcomer,
        owning("consumer2", &all, &[("topic", &[0]), ("topic2", &[0]), ("topic1", &[0])], 9),
        owning("consumer3", &all, &[("topic3", &[2]), ("topic2", &[2]), ("topic1", &[1])], 8),
        owning("consumer4", &all, &[("topic3", &[1]), ("topic", &[1, 2])], 7),
    ];
    for strategy in [Strategy::Sticky, Strategy::CooperativeSticky] {
        let a = assign(strategy, &tp, &members).unwrap();
        let newcomer_gets: BTreeMap<String, Vec<u32>> = [("topic1", 2), ("topic2", 1), ("topic3", 0)]
            .iter()
            .map(|(t, p)| (t.to_string(), vec![*p]))
            .collect();
        assert_eq!(a["consumer1"], newcomer_gets, "{strategy}");
        for m in ["consumer2", "consumer3", "consumer4"] {
            assert_eq!(a[m], members.iter().find(|s| s.member_id == m).unwrap().owned, "{strategy} {m}");
        }
    }
}

#[test]
fn sticky_newer_generation_keeps_partitions_claimed_by_an_older_one() {
    // AbstractStickyAssignorTest.testOwnedPartitionsAreInvalidatedForConsumerWithMultipleGeneration
    let tp = topics(&[("topic", 3), ("topic2", 3)]);
    let all = ["topic", "topic2"];
    let members = [
        owning("consumer1", &all, &[("topic", &[0, 1]), ("topic2", &[1])], 10),
        owning("consumer2", &all, &[("topic", &[0]), ("topic2", &[1, 2])], 8),
    ];
    let a = assign(Strategy::Sticky, &tp, &members).unwrap();
    assert_eq!(
        a,
        expect(&[
            ("consumer1", &[("topic", &[0, 1]), ("topic2", &[1])]),
            ("consumer2", &[("topic", &[2]), ("topic2", &[0, 2])])
        ])
    );
}

#[test]
fn sticky_same_generation_double_claim_is_given_to_someone_else() {
    // StickyAssignorTest.testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGenerationWithEqualPartitionsPerConsumer
    let members = [
        owning("consumer1", &["topic"], &[("topic", &[0, 1])], 1),
        owning("consumer2", &["topic"], &[("topic", &[0, 2])], 1),
        owning("consumer3", &["topic"], &[], 1),
    ];
    let a = assign(Strategy::Sticky, &topics(&[("topic", 3)]), &members).unwrap();
    assert_eq!(
        a,
        expect(&[
            ("consumer1", &[("topic", &[1])]),
            ("consumer2", &[("topic", &[2])]),
            ("consumer3", &[("topic", &[0])])
        ])
    );
}

#[test]
fn sticky_same_generation_double_claim_with_unequal_quotas() {
    // StickyAssignorTest.testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGenerationWithUnequalPartitionsPerConsumer
    let members = [
        owning("consumer1", &["topic"], &[("topic", &[0, 1])], 1),
        owning("consumer2", &["topic"], &[("topic", &[0, 2])], 1),
        owning("consumer3", &["topic"], &[], 1),
    ];
    let a = assign(Strategy::Sticky, &topics(&[("topic", 4)]), &members).unwrap();
    assert_eq!(
        a,
        expect(&[
            ("consumer1", &[("topic", &[1, 3])]),
            ("consumer2", &[("topic", &[2])]),
            ("consumer3", &[("topic", &[0])])
        ])
    );
}

#[test]
fn sticky_three_generations_with_unequal_subscriptions_stay_valid() {
    // AbstractStickyAssignorTest.testSubscriptionNotEqualAndAssignSamePartitionWith3Generation:
    // every permutation of generations gives a valid assignment of 1 or 2 partitions each.
    let tp = topics(&[("topic", 6), ("topic1", 1)]);
    for g in [[1, 2, 3], [1, 3, 2], [2, 1, 3], [2, 3, 1], [3, 1, 2], [3, 2, 1]] {
        let members = [
            owning("consumer1", &["topic"], &[("topic", &[0, 2])], g[0]),
            owning("consumer2", &["topic"], &[("topic", &[1, 2, 3])], g[1]),
            owning("consumer3", &["topic"], &[("topic", &[2, 4, 5])], g[2]),
            owning("consumer4", &["topic1"], &[("topic1", &[0])], 2),
        ];
        let a = assign(Strategy::Sticky, &tp, &members).unwrap();
        assert_valid(&a, &tp, true);
        for m in ["consumer1", "consumer2", "consumer3", "consumer4"] {
            assert!((1..=2).contains(&count(&a, m)), "{g:?}: {a:?}");
        }
    }
}

#[test]
fn sticky_conflicting_previous_generations_keep_newest_claims() {
    // StickyAssignorTest.testAssignmentWithConflictingPreviousGenerations (equal subscriptions).
    let tp = topics(&[("topic", 4), ("topic2", 4), ("topic3", 4)]);
    let all = ["topic", "topic2", "topic3"];
    let c2 = [("topic", &[0u32, 1][..]), ("topic2", &[0, 1, 2, 3][..])];
    let c3 = [("topic", &[2u32, 3][..]), ("topic3", &[0, 1, 2, 3][..])];
    let members = [
        owning("consumer1", &all, &[("topic", &[0, 1, 2]), ("topic2", &[2, 3]), ("topic3", &[0])], 1),
        owning("consumer2", &all, &c2, 2),
        owning("consumer3", &all, &c3, 2),
    ];
    let a = assign(Strategy::Sticky, &tp, &members).unwrap();
    assert_valid(&a, &tp, true);
    for (m, claimed) in [("consumer2", &c2), ("consumer3", &c3)] {
        assert_eq!(count(&a, m), 4);
        for (t, ps) in &a[m] {
            let was: &[u32] = claimed.iter().find(|(ct, _)| ct == t).map_or(&[], |(_, p)| p);
            assert!(ps.iter().all(|p| was.contains(p)), "{m} got {t}-{ps:?} it did not own");
        }
    }
    // The exact answer, derived by hand from ConstrainedAssignmentBuilder (the Java test only
    // checks the properties above): consumer1's gen-1 claims all lose; consumer2 and consumer3
    // keep their 4 lowest-numbered partitions (partition number, then topic) and consumer1 gets
    // the 4 they give up.
    assert_eq!(
        a,
        expect(&[
            ("consumer1", &[("topic", &[3]), ("topic2", &[2, 3]), ("topic3", &[3])]),
            ("consumer2", &[("topic", &[0, 1]), ("topic2", &[0, 1])]),
            ("consumer3", &[("topic", &[2]), ("topic3", &[0, 1, 2])]),
        ])
    );
}

#[test]
fn sticky_reports_failure_where_kafka_would_throw() {
    // GeneralAssignmentBuilder.performReassignments looks up the previous-generation owner of a
    // partition in currentAssignment, from which members that cannot take part in balancing have
    // been removed: Kafka throws a NullPointerException. Here F (generation 1) still claims
    // shared-0 but now only subscribes to its own topic, so it sits out and the lookup fails.
    let tp = topics(&[("shared", 2), ("solo", 1)]);
    let members = [
        owning("F", &["solo"], &[("solo", &[0]), ("shared", &[0])], 1),
        owning("X", &["shared"], &[("shared", &[0, 1])], 2),
        member("Y", &["shared"]),
    ];
    for strategy in [Strategy::Sticky, Strategy::CooperativeSticky] {
        let err = assign(strategy, &tp, &members).unwrap_err();
        assert!(matches!(err, AssignError::KafkaAssignorFailure(_)), "{strategy}: {err}");
    }
    // Without the stale claim the same group balances normally: the first partition in the sweep
    // (shared-0) moves to the least-loaded subscriber.
    let members = [owning("F", &["solo"], &[("solo", &[0])], 1), members[1].clone(), members[2].clone()];
    let a = assign(Strategy::Sticky, &tp, &members).unwrap();
    assert_eq!(a, expect(&[("F", &[("solo", &[0])]), ("X", &[("shared", &[1])]), ("Y", &[("shared", &[0])])]));
}

// ---------------------------------------------------------------------------------------------
// cooperative-sticky

#[test]
fn cooperative_withholds_moving_partitions_then_assigns_them_next_round() {
    // AbstractStickyAssignorTest.testAddRemoveConsumerOneTopic with CooperativeStickyAssignorTest's
    // follow-up rebalance: consumer1 owns all 3, consumer2 joins.
    let tp = topics(&[("topic", 3)]);
    let members = [
        owning("consumer1", &["topic"], &[("topic", &[0, 1, 2])], 1),
        owning("consumer2", &["topic"], &[], 1),
    ];

    let eager = assign(Strategy::Sticky, &tp, &members).unwrap();
    assert_eq!(eager, expect(&[("consumer1", &[("topic", &[0, 1])]), ("consumer2", &[("topic", &[2])])]));

    // Round 1: topic-2 must first be revoked by consumer1, so nobody gets it yet.
    let round1 = assign(Strategy::CooperativeSticky, &tp, &members).unwrap();
    assert_eq!(round1, expect(&[("consumer1", &[("topic", &[0, 1])]), ("consumer2", &[])]));

    // Round 2: consumer1 has revoked it; now consumer2 gets it.
    let round2 = assign(Strategy::CooperativeSticky, &tp, &rejoin(&members, &round1, 2)).unwrap();
    assert_eq!(round2, expect(&[("consumer1", &[("topic", &[0, 1])]), ("consumer2", &[("topic", &[2])])]));
}

#[test]
fn cooperative_withholds_only_partitions_that_change_owner() {
    // AbstractStickyAssignorTest.testAddRemoveTwoConsumersTwoTopics, second step, cooperative:
    // Kafka's partitionsTransferringOwnership is {topic1-2 -> consumer3, topic2-3 -> consumer3,
    // topic2-2 -> consumer4}; those are withheld, everything else is as in the eager result.
    let tp = topics(&[("topic1", 3), ("topic2", 4)]);
    let all = ["topic1", "topic2"];
    let members = [
        owning("consumer1", &all, &[("topic1", &[0, 2]), ("topic2", &[1, 3])], 1),
        owning("consumer2", &all, &[("topic1", &[1]), ("topic2", &[0, 2])], 1),
        owning("consumer3", &all, &[], 1),
        owning("consumer4", &all, &[], 1),
    ];
    let round1 = assign(Strategy::CooperativeSticky, &tp, &members).unwrap();
    assert_eq!(
        round1,
        expect(&[
            ("consumer1", &[("topic1", &[0]), ("topic2", &[1])]),
            ("consumer2", &[("topic1", &[1]), ("topic2", &[0])]),
            ("consumer3", &[]),
            ("consumer4", &[]),
        ])
    );
    let round2 = assign(Strategy::CooperativeSticky, &tp, &rejoin(&members, &round1, 2)).unwrap();
    assert_eq!(
        round2,
        expect(&[
            ("consumer1", &[("topic1", &[0]), ("topic2", &[1])]),
            ("consumer2", &[("topic1", &[1]), ("topic2", &[0])]),
            ("consumer3", &[("topic1", &[2]), ("topic2", &[3])]),
            ("consumer4", &[("topic2", &[2])]),
        ])
    );
}

#[test]
fn cooperative_withholds_the_revoked_max_quota_partition() {
    // AbstractStickyAssignorTest.testMaxQuotaConsumerMoreThanNumExpectedMaxCapacityMembers, cooperative:
    // partitionsTransferringOwnership is {topic2-0 -> consumer3}.
    let tp = topics(&[("topic1", 2), ("topic2", 2)]);
    let all = ["topic1", "topic2"];
    let members = [
        owning("consumer1", &all, &[("topic1", &[0]), ("topic2", &[0])], 1),
        owning("consumer2", &all, &[("topic1", &[1]), ("topic2", &[1])], 1),
        owning("consumer3", &all, &[], 1),
    ];
    let round1 = assign(Strategy::CooperativeSticky, &tp, &members).unwrap();
    assert_eq!(
        round1,
        expect(&[
            ("consumer1", &[("topic1", &[0])]),
            ("consumer2", &[("topic1", &[1]), ("topic2", &[1])]),
            ("consumer3", &[])
        ])
    );
    let round2 = assign(Strategy::CooperativeSticky, &tp, &rejoin(&members, &round1, 2)).unwrap();
    assert_eq!(
        round2,
        expect(&[
            ("consumer1", &[("topic1", &[0])]),
            ("consumer2", &[("topic1", &[1]), ("topic2", &[1])]),
            ("consumer3", &[("topic2", &[0])]),
        ])
    );
}

#[test]
fn cooperative_withholds_a_partition_claimed_twice_in_the_same_generation() {
    // CooperativeStickyAssignorTest.testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGenerationWithEqualPartitionsPerConsumer
    let members = [
        owning("consumer1", &["topic"], &[("topic", &[0, 1])], 1),
        owning("consumer2", &["topic"], &[("topic", &[0, 2])], 1),
        owning("consumer3", &["topic"], &[], 1),
    ];
    let a = assign(Strategy::CooperativeSticky, &topics(&[("topic", 3)]), &members).unwrap();
    assert_eq!(
        a,
        expect(&[("consumer1", &[("topic", &[1])]), ("consumer2", &[("topic", &[2])]), ("consumer3", &[])])
    );
}

#[test]
fn cooperative_withholds_a_double_claim_with_unequal_quotas() {
    // CooperativeStickyAssignorTest.testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGenerationWithUnequalPartitionsPerConsumer
    let members = [
        owning("consumer1", &["topic"], &[("topic", &[0, 1])], 1),
        owning("consumer2", &["topic"], &[("topic", &[0, 2])], 1),
        owning("consumer3", &["topic"], &[], 1),
    ];
    let a = assign(Strategy::CooperativeSticky, &topics(&[("topic", 4)]), &members).unwrap();
    assert_eq!(
        a,
        expect(&[("consumer1", &[("topic", &[1, 3])]), ("consumer2", &[("topic", &[2])]), ("consumer3", &[])])
    );
}

#[test]
fn cooperative_general_path_withholds_moves_between_present_members() {
    // Unequal subscriptions (general algorithm; CooperativeStickyAssignor.computePartitionsTransferringOwnership):
    // A owns everything, B joins subscribed to t1 only. Balance wants t1 on B, which A must revoke first.
    let tp = topics(&[("t1", 2), ("t2", 2)]);
    let members = [owning("A", &["t1", "t2"], &[("t1", &[0, 1]), ("t2", &[0, 1])], 1), owning("B", &["t1"], &[], 1)];
    let eager = assign(Strategy::Sticky, &tp, &members).unwrap();
    assert_eq!(eager, expect(&[("A", &[("t2", &[0, 1])]), ("B", &[("t1", &[0, 1])])]));

    let round1 = assign(Strategy::CooperativeSticky, &tp, &members).unwrap();
    assert_eq!(round1, expect(&[("A", &[("t2", &[0, 1])]), ("B", &[])]));
    let round2 = assign(Strategy::CooperativeSticky, &tp, &rejoin(&members, &round1, 2)).unwrap();
    assert_eq!(round2, eager);
}

#[test]
fn cooperative_first_assignment_moves_nothing_so_withholds_nothing() {
    // AbstractStickyAssignorTest.testTwoConsumersTwoTopicsSixPartitions under the cooperative assignor.
    let tp = topics(&[("topic1", 3), ("topic2", 3)]);
    let all = ["topic1", "topic2"];
    let a = assign(Strategy::CooperativeSticky, &tp, &[member("consumer1", &all), member("consumer2", &all)]).unwrap();
    assert_eq!(
        a,
        expect(&[
            ("consumer1", &[("topic1", &[0, 2]), ("topic2", &[1])]),
            ("consumer2", &[("topic1", &[1]), ("topic2", &[0, 2])])
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// properties over a small sweep

#[test]
fn every_strategy_assigns_each_partition_at_most_once_and_balances_equal_subscriptions() {
    let tp = topics(&[("a", 5), ("b", 3), ("c", 7)]);
    let all = ["a", "b", "c"];
    for n in 1..=6 {
        let members: Vec<Subscription> = (0..n).map(|i| member(&format!("member-{i}"), &all)).collect();
        for strategy in Strategy::ALL {
            let a = assign(strategy, &tp, &members).unwrap();
            assert_valid(&a, &tp, true);
            assert_eq!(a.len(), n);
            if strategy != Strategy::Range {
                let counts: Vec<usize> = a.keys().map(|m| count(&a, m)).collect();
                assert!(counts.iter().max().unwrap() - counts.iter().min().unwrap() <= 1, "{strategy}: {a:?}");
            }
        }
    }
}

#[test]
fn cooperative_never_gives_a_member_a_partition_another_member_still_owns() {
    // The KIP-429 rule checked the way CooperativeStickyAssignorTest.verifyCooperativeValidity does,
    // over a run of joins and leaves with unequal subscriptions.
    let tp = topics(&[("a", 4), ("b", 3), ("c", 5)]);
    let subs: [&[&str]; 5] = [&["a", "b", "c"], &["a"], &["b", "c"], &["a", "c"], &["a", "b", "c"]];
    let mut members: Vec<Subscription> = Vec::new();
    let mut generation = 0;
    for step in 0..12usize {
        // someone joins or leaves
        if step % 3 == 2 && members.len() > 1 {
            members.remove(step % members.len());
        } else {
            let i = step % subs.len();
            members.push(owning(&format!("m{step}"), subs[i], &[], generation));
        }
        // rebalance until nothing is being revoked
        for _ in 0..4 {
            let a = assign(Strategy::CooperativeSticky, &tp, &members).unwrap();
            assert_valid(&a, &tp, false);
            let mut revoked = false;
            for m in &members {
                for (t, ps) in &a[&m.member_id] {
                    for p in ps {
                        let theirs = members
                            .iter()
                            .any(|o| o.member_id != m.member_id && o.owned.get(t).is_some_and(|x| x.contains(p)));
                        let mine = m.owned.get(t).is_some_and(|x| x.contains(p));
                        assert!(mine || !theirs, "{t}-{p} given to {} while another member owns it", m.member_id);
                    }
                }
                revoked |= m
                    .owned
                    .iter()
                    .any(|(t, ps)| ps.iter().any(|p| !a[&m.member_id].get(t).is_some_and(|x| x.contains(p))));
            }
            generation += 1;
            members = rejoin(&members, &a, generation);
            if !revoked {
                break;
            }
        }
    }
}

#[test]
fn subscription_round_trips_through_json_with_defaults() {
    let s: Subscription = serde_json::from_str(r#"{"member_id":"c0","topics":["t0"]}"#).unwrap();
    assert_eq!(s, member("c0", &["t0"]));
    let full = owning("c1", &["t0"], &[("t0", &[1, 2])], 7);
    assert_eq!(serde_json::from_str::<Subscription>(&serde_json::to_string(&full).unwrap()).unwrap(), full);
}
