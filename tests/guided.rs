//! The guided lessons (www/scenarios/): each one claims only what its own run shows.
//!
//! A lesson's test plays the lesson, reads the trace, and checks every note and every question
//! against it: the fact behind a sentence is asserted next to the words that state it, and each
//! test ends by checking that it read every note and question of its lesson.
mod common;
use kafkascope::coordinator::records::{self, OffsetsRecord};
use kafkascope::partitioner::{murmur2, to_positive};
use kafkascope::protocol::{ErrorCode, Part, TopicPartition};
use kafkascope::replica::Role;
use kafkascope::scenario::{Scenario, ScenarioStep};
use kafkascope::trace::{ElectionReason, Event, PositionSource, TraceRecord};
use kafkascope::{Command, World};
use std::cell::RefCell;
use std::collections::BTreeSet;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/www/scenarios");

fn scenario_text(name: &str) -> String {
    std::fs::read_to_string(format!("{DIR}/{name}.json")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A lesson played to its end, with the texts the page shows.
struct Lesson {
    name: String,
    s: Scenario,
    w: World,
    /// The notes and questions the test has read: ("note" | "question", at).
    read: RefCell<BTreeSet<(&'static str, usize)>>,
}

fn lesson(name: &str) -> Lesson {
    lesson_from(name, &scenario_text(name))
}

/// The lesson with one thing of its scenario file changed: to show what the lesson says
/// would happen otherwise.
fn variant(name: &str, change: impl FnOnce(&mut serde_json::Value)) -> World {
    let mut v: serde_json::Value = serde_json::from_str(&scenario_text(name)).unwrap();
    change(&mut v);
    lesson_from(name, &v.to_string()).w
}

fn lesson_from(name: &str, text: &str) -> Lesson {
    let s = Scenario::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let w = s.run().unwrap_or_else(|e| panic!("{name}: {e}"));
    Lesson {
        name: name.into(),
        s,
        w,
        read: RefCell::default(),
    }
}

impl Lesson {
    fn guide(&self) -> &kafkascope::scenario::Guide {
        self.s.guide.as_ref().unwrap_or_else(|| panic!("{} has no guide", self.name))
    }

    fn goal(&self) -> &str {
        &self.guide().goal.en
    }

    /// The notes the page shows before command `at`, in English.
    fn note(&self, at: usize) -> String {
        let texts: Vec<&str> = self.guide().notes.iter().filter(|n| n.at == at).map(|n| n.text.en.as_str()).collect();
        assert!(!texts.is_empty(), "{}: no note at command {at}", self.name);
        self.read.borrow_mut().insert(("note", at));
        texts.join(" ")
    }

    fn question(&self, at: usize) -> &kafkascope::scenario::Question {
        let q = self
            .guide()
            .questions
            .iter()
            .find(|q| q.at == at)
            .unwrap_or_else(|| panic!("{}: no question at command {at}", self.name));
        self.read.borrow_mut().insert(("question", at));
        q
    }

    /// The choice the lesson marks right, in English.
    fn answer(&self, at: usize) -> &str {
        let q = self.question(at);
        &q.choices[q.answer].en
    }

    fn explain(&self, at: usize) -> &str {
        &self.question(at).explain.en
    }

    fn command(&self, at: usize) -> &Command {
        match &self.s.steps[at] {
            ScenarioStep::Command(c) => c,
            other => panic!("{}: command {at} is {other:?}", self.name),
        }
    }

    /// The world as the page shows it when command `at` is next: commands 0..at have run.
    fn before(&self, at: usize) -> World {
        let s = Scenario {
            steps: self.s.steps[..at].to_vec(),
            ..self.s.clone()
        };
        s.run().unwrap_or_else(|e| panic!("{}: {e}", self.name))
    }

    fn trace(&self) -> &[TraceRecord] {
        &self.w.trace
    }

    fn events(&self) -> impl Iterator<Item = &Event> {
        self.w.trace.iter().map(|r| &r.event)
    }

    /// Every note and question of the lesson was checked by its test.
    fn all_claims_checked(&self) {
        let read = self.read.borrow();
        for n in &self.guide().notes {
            assert!(read.contains(&("note", n.at)), "{}: the note at command {} is not checked", self.name, n.at);
        }
        for q in &self.guide().questions {
            assert!(
                read.contains(&("question", q.at)),
                "{}: the question at command {} is not checked",
                self.name,
                q.at
            );
        }
    }
}

/// The lesson's sentence states the fact the test has just checked.
fn says(text: &str, fact: &str) {
    assert!(text.contains(fact), "the lesson says {text:?}, which should state {fact:?}");
}

fn tp(topic: &str, p: u32) -> TopicPartition {
    common::tp(topic, p)
}

/// The index in the trace of the first record that matches.
fn position(l: &Lesson, what: impl Fn(&Event) -> bool) -> usize {
    position_from(l, 0, what)
}

/// The index in the trace of the first record from index `from` on that matches.
fn position_from(l: &Lesson, from: usize, what: impl Fn(&Event) -> bool) -> usize {
    from + l.trace()[from..].iter().position(|r| what(&r.event)).expect("the trace has it")
}

fn time_of(l: &Lesson, what: impl Fn(&Event) -> bool) -> u64 {
    l.trace()[position(l, what)].time_ms
}

/// The partitions `consumer` received in `generation`.
fn assigned_in(l: &Lesson, generation: i32, consumer: &str) -> Vec<TopicPartition> {
    l.events()
        .find_map(|e| match e {
            Event::AssignmentReceived {
                generation: g,
                consumer: c,
                partitions,
                ..
            } if *g == generation && &**c == consumer => Some(partitions.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{consumer} has no assignment in generation {generation}"))
}

fn is_sent(e: &Event, from_: &str, to_: &str, kind_: &str) -> bool {
    matches!(e, Event::MessageSent { from, to, kind, .. } if from.to_string() == from_ && to.to_string() == to_ && *kind == kind_)
}

/// When ZooKeeper last heard from `owner`: its session's creation or its last delivered message.
fn last_heard_by_zookeeper(l: &Lesson, owner: &str, until_ms: u64) -> u64 {
    l.trace()
        .iter()
        .filter(|r| r.time_ms <= until_ms)
        .filter(|r| match &r.event {
            Event::ZkSessionCreated { owner: o, .. } => o.to_string() == owner,
            Event::MessageDelivered { from, to, .. } => from.to_string() == owner && to.to_string() == "zookeeper",
            _ => false,
        })
        .map(|r| r.time_ms)
        .max()
        .expect("ZooKeeper heard from it")
}

fn session_expired_at(l: &Lesson, owner: &str) -> u64 {
    time_of(l, |e| matches!(e, Event::ZkSessionExpired { owner: o, .. } if o.to_string() == owner))
}

fn raw_values(w: &World, broker: u32, topic: &str, p: u32) -> Vec<Vec<u8>> {
    w.brokers[&(0, broker)].partitions[&tp(topic, p)]
        .log
        .records
        .iter()
        .map(|r| r.value.as_deref().unwrap_or(&[]).to_vec())
        .collect()
}

fn polled(w: &World, consumer: &str) -> Vec<String> {
    w.trace
        .iter()
        .filter_map(|r| match &r.event {
            Event::RecordsPolled { consumer: c, records } if &**c == consumer => Some(records.iter().filter_map(|r| r.value.clone()).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn all_texts(g: &kafkascope::scenario::Guide) -> Vec<(String, &kafkascope::scenario::Text)> {
    let mut t = vec![("title".to_string(), &g.title), ("goal".to_string(), &g.goal)];
    t.extend(g.notes.iter().map(|n| (format!("note at {}", n.at), &n.text)));
    for q in &g.questions {
        t.push((format!("question at {}", q.at), &q.question));
        t.push((format!("explanation at {}", q.at), &q.explain));
        t.extend(q.choices.iter().map(|c| (format!("a choice at {}", q.at), c)));
    }
    t
}

fn lesson_names() -> Vec<String> {
    let index: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(format!("{DIR}/index.json")).unwrap()).unwrap();
    index
        .iter()
        .map(|e| e["file"].as_str().unwrap().trim_end_matches(".json").to_string())
        .collect()
}

#[test]
fn every_guided_scenario_has_a_title_a_goal_and_questions_in_both_languages() {
    let names = lesson_names();
    assert_eq!(names.len(), 19);
    for name in names {
        let s = Scenario::parse(&scenario_text(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let g = s.guide.unwrap_or_else(|| panic!("{name} has no guide"));
        for (what, t) in all_texts(&g) {
            assert!(!t.en.trim().is_empty() && !t.ko.trim().is_empty(), "{name}: the {what} lacks a language");
        }
        assert!(!g.questions.is_empty(), "{name} asks nothing");
    }
}

/// The numbers of a text, and the Latin names in it that are Kafka's own (config keys, error
/// names, class names): the Korean text keeps them as they are.
fn numbers_and_names(text: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut numbers = BTreeSet::new();
    let mut names = BTreeSet::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let s: String = chars[i..].iter().take_while(|c| c.is_ascii_digit()).collect();
            i += s.chars().count();
            numbers.insert(s);
        } else if chars[i].is_ascii_alphabetic() {
            let s: String = chars[i..].iter().take_while(|c| c.is_ascii_alphanumeric() || "_.=/-".contains(**c)).collect();
            i += s.chars().count();
            let s = s.trim_end_matches(['.', '-', '/']).to_string();
            let kafka_name = s.contains('_')
                || s.contains('=')
                || s.split('.').count() > 1
                || (s.len() >= 3 && s.chars().all(|c| c.is_ascii_uppercase()))
                || s.chars().skip(1).any(|c| c.is_ascii_uppercase());
            if kafka_name && s != "ZooKeeper" {
                names.insert(s);
            }
        } else {
            i += 1;
        }
    }
    (numbers, names)
}

#[test]
fn the_english_and_korean_texts_name_the_same_numbers_and_kafka_names() {
    for name in lesson_names() {
        let s = Scenario::parse(&scenario_text(&name)).unwrap();
        for (what, t) in all_texts(s.guide.as_ref().unwrap()) {
            let (en_numbers, en_names) = numbers_and_names(&t.en);
            let (ko_numbers, _) = numbers_and_names(&t.ko);
            assert_eq!(
                en_numbers, ko_numbers,
                "{name}: the {what} has other numbers in Korean: {:?} / {:?}",
                t.en, t.ko
            );
            for n in en_names {
                assert!(t.ko.contains(&n), "{name}: the Korean {what} lacks {n}: {:?}", t.ko);
            }
        }
    }
}

#[test]
fn a_lesson_says_controlled_shutdown_only_when_its_run_has_one() {
    // `stop_broker` without a mode and `crash_broker` are crashes; only `"mode": "controlled"`
    // is a controlled shutdown (`KafkaServer.controlledShutdown`). A lesson that never has one
    // must not call stopping a broker graceful or controlled.
    for name in lesson_names() {
        let s = Scenario::parse(&scenario_text(&name)).unwrap();
        let controlled = s
            .steps
            .iter()
            .any(|st| matches!(st, ScenarioStep::Command(Command::StopBrokerWithMode { mode, .. }) if *mode == kafkascope::world::BrokerStopMode::Controlled));
        for (what, t) in all_texts(s.guide.as_ref().unwrap()) {
            let en = t.en.to_lowercase();
            assert!(!en.contains("graceful"), "{name}: the {what}: {:?}", t.en);
            assert!(controlled || !en.contains("controlled shutdown"), "{name}: the {what}: {:?}", t.en);
            assert!(!t.ko.contains("정상 종료") && !t.ko.contains("안전하게 종료"), "{name}: the {what}: {:?}", t.ko);
            assert!(controlled || !t.ko.contains("컨트롤드 셧다운"), "{name}: the {what}: {:?}", t.ko);
        }
    }
}

#[test]
fn a_key_picks_its_partition_by_murmur2_and_unkeyed_records_stick_to_one() {
    let l = lesson("01-partitioner");
    let placed = |v: &str| {
        l.events()
            .find_map(|e| match e {
                Event::ProduceQueued { value: Some(x), tp, .. } if **x == *v.as_bytes() => Some(tp.partition),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{v} was produced"))
    };

    // Topic orders: 3 partitions of 3 replicas each.
    let assignment = l
        .events()
        .find_map(|e| match e {
            Event::TopicCreated { topic, assignment, .. } if &**topic == "orders" => Some(assignment.clone()),
            _ => None,
        })
        .unwrap();
    assert!(assignment.len() == 3 && assignment.iter().all(|r| r.len() == 3));
    says(&l.note(1), "3 partitions, each with 3 replicas");

    // "hello" lands in partition 0: murmur2 gives 2132663229, and 2132663229 mod 3 is 0.
    assert!(matches!(l.command(4), Command::Produce { key: Some(k), .. } if k == "hello"));
    assert_eq!(murmur2(b"hello"), 2132663229);
    assert_eq!(placed("first"), 0);
    says(l.answer(4), "Partition 0");
    says(l.explain(4), "2132663229");
    // ... and again, the second time: the same key, the same partition.
    assert_eq!(placed("fourth"), 0);

    // "user-2" hashes to a negative number; toPositive clears the sign bit; modulo 3 gives 2.
    assert!(matches!(l.command(5), Command::Produce { key: Some(k), .. } if k == "user-2"));
    assert_eq!(murmur2(b"user-2"), -324981792);
    assert_eq!(to_positive(-324981792) % 3, 2);
    assert_eq!(placed("second"), 2);
    says(&l.note(5), "-324981792");
    says(&l.note(5), "partition 2");

    // No key: both unkeyed records stick to one partition.
    assert!(matches!(l.command(9), Command::Produce { key: None, .. }));
    assert_eq!(placed("no key 1"), placed("no key 2"));
    says(&l.note(9), "sticks to one partition");
    says(l.goal(), "stick to one partition");
    l.all_claims_checked();
}

#[test]
fn acks_0_hears_nothing_acks_1_hears_after_the_leaders_append_and_acks_all_after_the_isr() {
    let l = lesson("02-acks");
    let acked: Vec<(String, Option<u64>)> = l
        .events()
        .filter_map(|e| match e {
            Event::ProduceAcknowledged { producer, base_offset, .. } => Some((producer.to_string(), *base_offset)),
            _ => None,
        })
        .collect();
    assert_eq!(acked, vec![("acks-0".into(), None), ("acks-1".into(), Some(1)), ("acks-all".into(), Some(2))]);
    let waited = |producer: &str| {
        let sent = time_of(&l, |e| matches!(e, Event::ProduceQueued { producer: p, .. } if &**p == producer));
        let heard = time_of(&l, |e| matches!(e, Event::ProduceAcknowledged { producer: p, .. } if &**p == producer));
        heard - sent
    };

    // acks=0: done at once, no offset.
    assert_eq!(waited("acks-0"), 0);
    says(&l.note(6), "no offset ever comes back");

    // acks=1: the leader (broker 2) answers before any follower has copied offset 1.
    assert!(common::events(&l.w).any(|e| matches!(e, Event::LeaderChanged { tp, new: Some(2), .. } if tp.partition == 0)));
    let answer_1 = position(&l, |e| is_sent(e, "broker-2", "acks-1", "ProduceResponse"));
    let copied_1 = position(
        &l,
        |e| matches!(e, Event::RecordsAppended { broker, base_offset: 1, tp, .. } if *broker != 2 && tp.topic.as_ref() == "orders"),
    );
    assert!(answer_1 < copied_1);
    says(&l.note(8), "before any follower copies the record");

    // acks=all: the answer comes once the leader's high watermark passed offset 2.
    let answer_all = position(&l, |e| is_sent(e, "broker-2", "acks-all", "ProduceResponse"));
    let hw_past_2 = position(
        &l,
        |e| matches!(e, Event::HighWatermarkAdvanced { broker: 2, new: 3, tp, .. } if tp.topic.as_ref() == "orders"),
    );
    assert!(hw_past_2 < answer_all);
    says(&l.note(10), "high watermark passes the record");

    // acks=all waits longest.
    assert!(waited("acks-0") < waited("acks-1") && waited("acks-1") < waited("acks-all"));
    says(l.answer(6), "acks=all");
    says(&l.question(6).question.en, "waits longest");
    says(l.explain(6), "gets no offset");
    l.all_claims_checked();
}

#[test]
fn replicas_of_a_partition_sit_on_distinct_brokers_and_replication_factor_4_is_refused() {
    let l = lesson("03-placement");
    let a = l
        .events()
        .find_map(|e| match e {
            Event::TopicCreated { assignment, .. } => Some(assignment.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(a.len(), 6);
    // No broker holds two copies of one partition ...
    assert!(a.iter().all(|r| r.iter().collect::<BTreeSet<_>>().len() == 3));
    // ... and the first replicas rotate over the brokers.
    let firsts: Vec<u32> = a.iter().map(|r| r[0]).collect();
    assert!(firsts.windows(3).all(|w| w.iter().collect::<BTreeSet<_>>().len() == 3), "{firsts:?}");
    says(&l.note(1), "rotates over the brokers");
    says(&l.note(1), "no broker holds two copies of one partition");

    // Replication factor 4 on 3 brokers: refused, nothing created.
    let refused = l.w.clone().apply(Command::CreateTopic {
        topic: "payments".into(),
        partitions: 1,
        replication_factor: 4,
        cluster: None,
    });
    let error = refused.expect_err("refused").to_string();
    assert!(
        error.contains("InvalidReplicationFactorException") && error.contains("Replication factor: 4 larger than available brokers: 3"),
        "{error}"
    );
    assert!(l.w.zk.znode("/brokers/topics/payments").is_none());
    says(l.answer(3), "refused and nothing is created");
    says(l.explain(3), "InvalidReplicationFactorException");
    l.all_claims_checked();
}

#[test]
fn a_crashed_leaders_acknowledged_records_survive_on_broker_3_at_leader_epoch_1() {
    let l = lesson("04-failover");
    let orders_0 = tp("orders", 0);

    // The two records are acknowledged, at offsets 0 and 1, while broker 2 leads.
    let at_crash = l.before(6);
    let acked: Vec<Option<u64>> = common::acked(&at_crash, "producer-1").into_iter().map(|(_, _, o)| o).collect();
    assert_eq!(acked, vec![Some(0), Some(1)]);
    assert_eq!(common::leader_of(&at_crash, "orders", 0), Some(2));
    assert_eq!(common::controller_of(&at_crash), Some(1));
    says(&l.note(5), "acks=all");
    says(&l.note(6), "acknowledged, at offsets 0 and 1");
    says(&l.note(6), "broker 2, the leader of orders-0");

    // Then broker 2 crashes; ZooKeeper ends its session 18 s after it last heard from it, at its next tick: 20 s.
    assert!(matches!(l.command(6), Command::StopBroker { broker: 2, cluster: None }));
    let expired = session_expired_at(&l, "broker-2");
    let heard = last_heard_by_zookeeper(&l, "broker-2", expired);
    assert!(
        expired - heard >= 18_000 && expired - heard < 20_000 + 2_000,
        "heard at {heard}, expired at {expired}"
    );
    assert_eq!(expired, 20_000);
    says(&l.note(6), "crashes");
    says(&l.note(6), "zookeeper.session.timeout.ms (18 s)");
    says(&l.note(6), "here at 20 s");

    // The chain: /brokers/ids/2 goes, the controller's watch fires, broker 3 leads with epoch 1.
    let gone = position(&l, |e| matches!(e, Event::ZnodeDeleted { path } if path == "/brokers/ids/2"));
    let watch = position_from(
        &l,
        gone,
        |e| matches!(e, Event::WatchFired { path, watcher, .. } if path == "/brokers/ids" && watcher.to_string() == "broker-1"),
    );
    let elected = position(
        &l,
        |e| matches!(e, Event::LeaderChanged { tp, old: Some(2), new: Some(3), leader_epoch: 1, reason: ElectionReason::OfflineLeader, .. } if *tp == orders_0),
    );
    assert!(watch < elected);
    says(l.goal(), "/brokers/ids/2 node disappears, the controller's watch fires");
    says(l.answer(7), "Broker 3");
    says(l.explain(7), "from 0 to 1");

    // Broker 3 still has both acknowledged records, then the one written after the failover.
    let r = &l.w.brokers[&(0, 3)].partitions[&orders_0];
    assert!(r.role == Role::Leader && r.leader_epoch == 1, "{:?} at epoch {}", r.role, r.leader_epoch);
    assert_eq!(
        common::values_on(&l.w, 3, "orders", 0),
        vec!["before the crash 1", "before the crash 2", "after the failover"]
    );
    assert_eq!(r.log.records.iter().map(|r| r.offset).collect::<Vec<_>>(), vec![0, 1, 2]);
    says(l.explain(7), "acknowledged at offsets 0 and 1 are still there");
    says(&l.note(10), "Broker 3 leads orders-0 with leader epoch 1");
    says(&l.note(10), "offsets 0 and 1, acknowledged before the crash, and offset 2");
    l.all_claims_checked();
}

#[test]
fn min_insync_replicas_2_refuses_acks_all_once_the_isr_is_down_to_the_leader() {
    let l = lesson("05-min-insync");
    let isr = |w: &World| w.brokers[&(0, 2)].partitions[&tp("orders", 0)].isr.clone();

    // Broker 3 gone: the ISR is [2, 1], still two, and "two in sync" is acknowledged.
    assert_eq!(isr(&l.before(8)), vec![2, 1]);
    assert!(l.events().any(|e| matches!(e, Event::ProduceAcknowledged { base_offset: Some(1), .. })));
    says(&l.note(8), "the ISR is [2, 1], still 2 members");

    // Broker 1 was the controller: broker 2 takes over and removes it from the ISR.
    assert!(l.events().any(|e| matches!(e, Event::ControllerElected { broker: 2, epoch: 2, .. })));
    assert!(l
        .events()
        .any(|e| matches!(e, Event::IsrChanged { tp, new, by: 2, .. } if tp.partition == 0 && tp.topic.as_ref() == "orders" && *new == vec![2])));
    says(&l.note(11), "broker 2 becomes controller and removes the dead replicas from the ISR");

    // With the ISR at [2], acks=all is refused with NOT_ENOUGH_REPLICAS, retried, and fails at delivery.timeout.ms.
    assert_eq!(isr(&l.before(12)), vec![2]);
    says(&l.question(12).question.en, "The ISR of orders-0 is now [2]");
    let sent = time_of(&l, |e| matches!(e, Event::ProduceQueued { seq: 2, .. }));
    assert!(l.events().any(|e| matches!(
        e,
        Event::ProduceRefused {
            error: ErrorCode::NotEnoughReplicas,
            retrying: true,
            ..
        }
    )));
    // The batch waits out its retry backoff in the accumulator, where it expires (RecordAccumulator.expiredBatches).
    let failed = time_of(
        &l,
        |e| matches!(e, Event::ProduceFailed { error, .. } if error.starts_with("TimeoutException: Expiring 1 record(s) for orders-0")),
    );
    assert!((4_000..=5_000).contains(&(failed - sent)), "failed {} ms after the send", failed - sent);
    says(l.answer(12), "NOT_ENOUGH_REPLICAS");
    says(l.explain(12), "retries until delivery.timeout.ms");
    // It wrote nothing.
    assert_eq!(common::values_on(&l.w, 2, "orders", 0), vec!["three in sync", "two in sync"]);
    says(l.explain(12), "writes nothing");
    l.all_claims_checked();
}

#[test]
fn acks_1_acknowledges_a_record_only_the_leader_has_and_the_returning_leader_truncates_it() {
    let l = lesson("06-acks1-loss");
    // The followers lose broker 2; the producer does not: "doomed" is acknowledged at offset 1.
    assert!(matches!(l.command(6), Command::CutLink { .. }) && matches!(l.command(7), Command::CutLink { .. }));
    assert!(l.events().any(|e| matches!(e, Event::ProduceAcknowledged { base_offset: Some(1), .. })));
    says(&l.note(8), "the producer still can");

    // Broker 2 crashes with "doomed" only in its own log.
    assert!(matches!(l.command(10), Command::StopBroker { broker: 2, cluster: None }));
    let at_crash = l.before(10);
    assert_eq!(common::values_on(&at_crash, 2, "orders", 0), vec!["safe", "doomed"]);
    for b in [1, 3] {
        assert_eq!(common::values_on(&at_crash, b, "orders", 0), vec!["safe"]);
    }
    says(&l.note(10), "only in its own log");

    // Broker 3 takes over without it; broker 2 returns, asks for its epoch's end, and truncates.
    assert!(l
        .events()
        .any(|e| matches!(e, Event::LeaderChanged { new: Some(3), leader_epoch: 1, tp, .. } if tp.partition == 0 && tp.topic.as_ref() == "orders")));
    assert!(matches!(l.command(14), Command::StartBroker { broker: 2, cluster: None }));
    let asked = position(&l, |e| is_sent(e, "broker-2", "broker-3", "OffsetsForLeaderEpoch"));
    let truncated = position(&l, |e| matches!(e, Event::LogTruncated { broker: 2, lost: 1, .. }));
    assert!(asked < truncated);
    for b in 1..=3 {
        assert_eq!(common::values_on(&l.w, b, "orders", 0), vec!["safe"], "broker {b}");
    }
    assert_eq!(common::leader_of(&l.w, "orders", 0), Some(3));
    says(l.answer(14), "truncated: lost");
    says(l.explain(14), "asks the new leader where its leader epoch ends and truncates to it");

    // With acks=all, the producer would not have heard back before the crash.
    let with_acks_all = variant("06-acks1-loss", |v| v["commands"][2]["config"]["acks"] = "all".into());
    let crash = with_acks_all
        .trace
        .iter()
        .find(|r| matches!(r.event, Event::BrokerStopped { broker: 2, .. }))
        .unwrap()
        .time_ms;
    let acked_before: Vec<_> = with_acks_all
        .trace
        .iter()
        .filter(|r| r.time_ms <= crash)
        .filter(|r| matches!(&r.event, Event::ProduceAcknowledged { seqs, .. } if seqs.contains(&1)))
        .collect();
    assert!(acked_before.is_empty());
    says(l.explain(14), "acks=all would have waited for the followers");
    l.all_claims_checked();
}

#[test]
fn unclean_election_lets_the_out_of_sync_broker_2_lead_and_loses_the_acknowledged_record() {
    let l = lesson("07-unclean");
    let orders_0 = tp("orders", 0);

    // Cut off, broker 2 leaves the ISR after replica.lag.time.max.ms (10 s here) ...
    let cut = time_of(&l, |e| matches!(e, Event::LinkCut { .. }));
    let shrunk = position(
        &l,
        |e| matches!(e, Event::IsrChanged { old, new, by: 1, .. } if *old == vec![1, 2] && *new == vec![1]),
    );
    assert!(l.trace()[shrunk].time_ms - cut >= 10_000);
    assert_eq!(l.s.config.clusters[0].config.replica_lag_time_max_ms, 10_000);
    says(&l.note(5), "replica.lag.time.max.ms (10 s in this lesson)");
    // ... and then the acks=all record is acknowledged with only broker 1 holding it.
    let acked = position(&l, |e| matches!(e, Event::ProduceAcknowledged { base_offset: Some(0), .. }));
    assert!(shrunk < acked);
    let at_crash = l.before(8);
    assert_eq!(common::values_on(&at_crash, 1, "orders", 0), vec!["only on broker 1"]);
    assert!(common::values_on(&at_crash, 2, "orders", 0).is_empty());
    says(&l.note(5), "the acks=all record is acknowledged with only broker 1 holding it");

    // Broker 1 crashes; broker 2 becomes controller and elects itself uncleanly: the record is gone.
    assert!(matches!(l.command(8), Command::StopBroker { broker: 1, cluster: None }));
    says(&l.question(8).question.en, "The leader (broker 1) crashes");
    assert!(l.events().any(|e| matches!(e, Event::ControllerElected { broker: 2, epoch: 2, .. })));
    assert!(l
        .events()
        .any(|e| matches!(e, Event::LeaderChanged { tp, new: Some(2), reason: ElectionReason::Unclean, .. } if *tp == orders_0)));
    assert!(common::values_on(&l.w, 2, "orders", 0).is_empty());
    says(l.answer(8), "Broker 2 leads and the records it lacked are lost");
    says(l.explain(8), "the controller (now broker 2");
    says(l.explain(8), "reason unclean");

    // With the default (false), nobody leads: the partition waits offline.
    let clean = variant("07-unclean", |v| {
        v["config"]["clusters"][0]["config"]["unclean.leader.election.enable"] = false.into()
    });
    assert!(!common::events(&clean).any(|e| matches!(e, Event::LeaderChanged { new: Some(2), .. })));
    assert_eq!(common::leader_of(&clean, "orders", 0), None);
    says(l.explain(8), "With the default (false) the partition would wait offline");
    l.all_claims_checked();
}

#[test]
fn the_controller_moves_to_broker_3_when_broker_1s_session_expires() {
    let l = lesson("08-controller-failover");
    // Broker 1 is the controller, epoch 1, and made the partitions of orders.
    let before = l.before(3);
    assert_eq!(common::controller_of(&before), Some(1));
    assert_eq!(before.zk.znode("/controller_epoch").unwrap().data, "1");
    assert!(before
        .zk
        .znode("/brokers/topics/orders/partitions/0/state")
        .unwrap()
        .data
        .contains("\"controller_epoch\":1"));
    says(&l.note(3), "Broker 1 is the controller, epoch 1: it created the partitions of orders");

    // It crashes; only when its session expires does /controller go, and the watches fire.
    assert!(matches!(l.command(3), Command::StopBroker { broker: 1, cluster: None }));
    says(&l.question(3).question.en, "Broker 1 crashes");
    let expired = position(&l, |e| matches!(e, Event::ZkSessionExpired { owner, .. } if owner.to_string() == "broker-1"));
    let deleted = position(&l, |e| matches!(e, Event::ZnodeDeleted { path } if path == "/controller"));
    let elected = position(&l, |e| matches!(e, Event::ControllerElected { epoch: 2, .. }));
    assert!(expired <= deleted && deleted < elected);
    for b in ["broker-2", "broker-3"] {
        assert!(l.trace()[deleted..]
            .iter()
            .any(|r| matches!(&r.event, Event::WatchFired { path, watcher, .. } if path == "/controller" && watcher.to_string() == b)));
    }
    says(&l.note(3), "Every broker keeps a watch on /controller");
    says(l.answer(3), "When broker 1's ZooKeeper session expires");

    // Broker 3 wins the race, and /controller_epoch is 2.
    assert!(matches!(l.trace()[elected].event, Event::ControllerElected { broker: 3, .. }));
    assert_eq!(l.w.zk.znode("/controller_epoch").unwrap().data, "2");
    says(l.explain(3), "(here broker 3)");
    says(l.explain(3), "/controller_epoch goes to 2");
    l.all_claims_checked();
}

#[test]
fn the_first_member_the_coordinator_hears_leads_and_another_leads_once_it_crashes() {
    let l = lesson("09-consumer-group");
    let member_of = |consumer: &str| {
        l.events()
            .find_map(|e| match e {
                Event::GroupMemberAdded { member, client, .. } if client.to_string() == consumer => Some(member.clone()),
                _ => None,
            })
            .unwrap()
    };
    let leader_of_generation = |generation: i32| {
        l.events()
            .find_map(|e| match e {
                Event::GroupStateChanged {
                    generation: g,
                    leader: Some(leader),
                    ..
                } if *g == generation => Some(leader.clone()),
                _ => None,
            })
            .unwrap()
    };
    let assigned = |generation: i32, consumer: &str| assigned_in(&l, generation, consumer);

    // consumer-1 is started first, but the coordinator hears consumer-2's JoinGroup first: consumer-2 leads.
    assert!(matches!(l.command(3), Command::StartConsumer { name, .. } if name == "consumer-1"));
    let first_joined = l.events().find_map(|e| match e {
        Event::GroupMemberAdded { client, .. } => Some(client.to_string()),
        _ => None,
    });
    assert_eq!(first_joined.as_deref(), Some("consumer-2"));
    // The JoinGroup that made the first member (KIP-394: each first asks for a member id).
    let added = position(&l, |e| matches!(e, Event::GroupMemberAdded { .. }));
    let first_join_request = l.trace()[..added]
        .iter()
        .rposition(|r| matches!(r.event, Event::MessageDelivered { kind: "JoinGroup", .. }))
        .unwrap();
    assert!(matches!(&l.trace()[first_join_request].event, Event::MessageDelivered { from, .. } if from.to_string() == "consumer-2"));
    assert_eq!(leader_of_generation(1), member_of("consumer-2"));
    says(&l.note(3), "the first member whose JoinGroup it receives the group's leader");
    let loops: Vec<Option<u64>> = (3..=6)
        .map(|i| match l.command(i) {
            Command::StartConsumer { keep_polling_ms, .. } => *keep_polling_ms,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(loops, vec![Some(250), Some(100), Some(100), Some(100)]);
    says(&l.note(3), "consumer-1 every 250 ms, the others every 100 ms");
    says(
        &l.note(8),
        "the coordinator received consumer-2's JoinGroup first, so consumer-2 leads, not consumer-1",
    );

    // Generation 1: three members get a partition each, consumer-4 none.
    assert!(assigned(1, "consumer-4").is_empty());
    for c in ["consumer-1", "consumer-2", "consumer-3"] {
        assert_eq!(assigned(1, c).len(), 1, "{c}");
    }
    says(&l.note(8), "consumer-4 got no partition");
    says(l.goal(), "leaves the fourth idle");

    // The leader crashes: no LeaveGroup; the coordinator drops it 45 s after its last heartbeat.
    assert!(matches!(l.command(8), Command::StopConsumer { name, leave_group: false } if name == "consumer-2"));
    assert!(l
        .events()
        .any(|e| matches!(e, Event::ConsumerStopped { consumer, left_group: false } if &**consumer == "consumer-2")));
    let removed = time_of(
        &l,
        |e| matches!(e, Event::GroupMemberRemoved { member, reason, .. } if *member == member_of("consumer-2") && reason == "session timeout"),
    );
    let last_heartbeat = l
        .trace()
        .iter()
        .filter(|r| matches!(&r.event, Event::MessageDelivered { from, kind: "Heartbeat", .. } if from.to_string() == "consumer-2"))
        .map(|r| r.time_ms)
        .max()
        .unwrap();
    assert_eq!(removed - last_heartbeat, 45_000);
    says(&l.note(8), "consumer-2, the leader, crashes");
    says(&l.note(8), "no heartbeat from consumer-2 for the session timeout (45 s)");

    // Generation 2: another member, consumer-3, leads; the idle consumer-4 gets orders-2.
    assert_eq!(leader_of_generation(2), member_of("consumer-3"));
    assert_eq!(assigned(2, "consumer-4"), vec![tp("orders", 2)]);
    assert_eq!(l.w.consumers["consumer-4"].assignment.len(), 1);
    says(&l.note(10), "another member, consumer-3, the leader");
    says(l.answer(8), "A partition");
    says(l.explain(8), "consumer-4 gets orders-2");
    l.all_claims_checked();
}

#[test]
fn a_restarted_consumer_resumes_at_its_committed_offset_and_gets_r3_and_r4_again() {
    let l = lesson("10-resume-and-redelivery");
    let polls: Vec<Vec<String>> = l
        .events()
        .filter_map(|e| match e {
            Event::RecordsPolled { records, .. } => Some(records.iter().filter_map(|r| r.value.clone()).collect()),
            _ => None,
        })
        .collect();
    // Its application's loop polls every 100 ms and is traced when it gets records.
    assert_eq!(polls, vec![vec!["r0", "r1", "r2"], vec!["r3", "r4"], vec!["r3", "r4"]]);

    // The commit (offset 3) is a record of __consumer_offsets on every replica of the group's partition.
    assert!(matches!(l.command(10), Command::Commit { .. }));
    let p = records::partition_for_group("billing", 3);
    for b in 1..=3 {
        let log = &l.w.brokers[&(0, b)].partitions[&tp("__consumer_offsets", p)].log;
        let commits: Vec<u64> = log
            .records
            .iter()
            .filter_map(|r| match records::decode(r.key.as_deref()?, r.value.as_deref()) {
                Some(OffsetsRecord::Offset {
                    group,
                    topic,
                    partition: 0,
                    offset,
                    ..
                }) if group == "billing" && topic == "orders" => Some(offset),
                _ => None,
            })
            .collect();
        assert_eq!(commits, vec![3], "broker {b}");
    }
    says(&l.note(10), "a record in __consumer_offsets");
    says(&l.note(10), "replicated");

    // r3 and r4 are polled but never committed.
    let commits: Vec<_> = l.events().filter(|e| matches!(e, Event::OffsetsCommitted { .. })).collect();
    assert_eq!(commits.len(), 1);
    assert!(matches!(l.command(15), Command::StopConsumer { leave_group: false, .. }));
    says(&l.note(15), "r3 and r4 were processed but never committed");

    // The crashed member's session must time out (45 s after its last heartbeat) before the new one gets orders-0.
    let old = time_of(&l, |e| matches!(e, Event::GroupMemberRemoved { reason, .. } if reason == "session timeout"));
    let stopped = time_of(&l, |e| matches!(e, Event::ConsumerStopped { .. }));
    let last_heartbeat = l
        .trace()
        .iter()
        .filter(|r| r.time_ms <= stopped && matches!(&r.event, Event::MessageDelivered { from, kind: "Heartbeat", .. } if from.to_string() == "consumer-1"))
        .map(|r| r.time_ms)
        .max()
        .unwrap();
    assert_eq!(old - last_heartbeat, 45_000);
    let resumed = position(&l, |e| {
        matches!(
            e,
            Event::PositionSet {
                offset: 3,
                from: PositionSource::Committed,
                ..
            }
        )
    });
    let regained = position(&l, |e| matches!(e, Event::AssignmentReceived { generation: 2, .. }));
    assert!(l.trace()[regained].time_ms >= old && regained < resumed);
    says(&l.note(18), "45 s after its last heartbeat");
    says(&l.note(18), "from the committed offset 3");

    says(l.answer(17), "r3 and r4 again");
    says(l.explain(17), "The committed offset is the next record to read: 3");
    l.all_claims_checked();
}

#[test]
fn two_clusters_under_their_own_chroots_fail_over_apart() {
    let l = lesson("11-chroot");
    // Both clusters have brokers 1 to 3, each registered under its own root.
    let start = l.before(1);
    for root in ["/cluster-a", "/cluster-b"] {
        assert!(start.zk.znode(&format!("{root}/brokers/ids/1")).is_some(), "{root}");
    }
    assert!(start
        .zk
        .znode("/cluster-b/brokers/ids/1")
        .unwrap()
        .data
        .contains("\"host\":\"broker-1.cluster-b\""));
    let names: Vec<String> = kafkascope::view::view(&start).brokers.iter().map(|b| b.node.clone()).collect();
    assert!(
        names.contains(&"cluster-a/broker-1".to_string()) && names.contains(&"cluster-b/broker-1".to_string()),
        "{names:?}"
    );
    says(&l.note(0), "/cluster-a/brokers/ids/1 and /cluster-b/brokers/ids/1 are two different brokers");
    says(&l.note(0), "cluster-a/broker-1 and cluster-b/broker-1");

    // Both clusters have a topic named orders, each under its own root.
    let before = l.before(4);
    assert!(before.zk.znode("/cluster-a/brokers/topics/orders").is_some() && before.zk.znode("/cluster-b/brokers/topics/orders").is_some());
    assert!(before.zk.znode("/brokers/topics/orders").is_none());
    says(&l.note(1), "two different topics, one under each root");

    // Broker 1 leads each cluster.
    assert!(before.zk.znode("/cluster-a/controller").unwrap().data.contains("\"brokerid\":1"));
    assert!(before.zk.znode("/cluster-b/controller").unwrap().data.contains("\"brokerid\":1"));
    assert!(matches!(l.command(4), Command::StopBroker { broker: 1, cluster: Some(c) } if c == "cluster-a"));
    says(&l.question(4).question.en, "Broker 1 of cluster A, its controller, crashes");
    says(&l.question(4).question.en, "whose broker 1 is its controller too");

    // Only cluster A elects again; cluster B's broker 1 runs on.
    assert!(!l.w.zk.znode("/cluster-a/controller").unwrap().data.contains("\"brokerid\":1"));
    assert!(l.w.zk.znode("/cluster-b/controller").unwrap().data.contains("\"brokerid\":1"));
    assert!(l.w.brokers[&(1, 1)].running && !l.w.brokers[&(0, 1)].running);
    assert_eq!(l.w.zk.znode("/cluster-a/controller_epoch").unwrap().data, "2");
    assert_eq!(l.w.zk.znode("/cluster-b/controller_epoch").unwrap().data, "1");
    let elected_in_b =
        l.w.trace
            .iter()
            .filter(|r| r.cluster.as_deref() == Some("cluster-b") && matches!(r.event, Event::ControllerElected { .. }));
    assert_eq!(elected_in_b.count(), 1);
    says(l.answer(4), "Nothing: B's controller stays");
    says(l.explain(4), "/cluster-b/controller belongs to cluster B's broker 1");
    says(l.explain(4), "/cluster-a/controller_epoch becomes 2, /cluster-b/controller_epoch stays 1");
    l.all_claims_checked();
}

#[test]
fn integers_read_by_the_string_deserializer_come_out_garbled_without_an_error() {
    let l = lesson("12-serializers-garbled");
    // 65 leaves the producer as 00 00 00 41.
    let sent = l
        .events()
        .find_map(|e| match e {
            Event::ProduceQueued { value: Some(v), seq: 0, .. } => Some(v.to_vec()),
            _ => None,
        })
        .unwrap();
    assert_eq!(sent, vec![0, 0, 0, 0x41]);
    assert!(matches!(l.command(6), Command::Produce { value: Some(v), .. } if v == "65"));
    says(&l.note(6), "00 00 00 41");

    // Every replica holds the same four bytes.
    for b in 1..=3 {
        assert_eq!(raw_values(&l.w, b, "users", 0)[0], sent, "broker {b}");
    }
    says(&l.note(9), "The replicas hold the same four bytes");

    // The StringDeserializer reads three NULs and "A", and nothing fails.
    assert_eq!(polled(&l.w, "text-consumer"), vec!["\u{0}\u{0}\u{0}A", "\u{0}\u{0}\u{3}\u{fffd}"]);
    assert!(!l.events().any(|e| matches!(e, Event::PollFailed { .. })));
    says(l.answer(9), "Three NUL characters and \"A\"");
    says(l.explain(9), "there is no error");
    l.all_claims_checked();
}

#[test]
fn a_poison_pill_fails_every_poll_at_offset_1_until_the_seek() {
    let l = lesson("13-poison-pill");
    let failures = |w: &World| -> Vec<(String, u64)> {
        common::events(w)
            .filter_map(|e| match e {
                Event::PollFailed { offset, error, tp, .. } if tp.topic.as_ref() == "users" => Some((error.clone(), *offset)),
                _ => None,
            })
            .collect()
    };

    // The first poll returns 7 and does not fail.
    let after_first = l.before(14);
    assert_eq!(polled(&after_first, "int-consumer"), vec!["7"]);
    assert!(failures(&after_first).is_empty());
    says(&l.note(14), "The first poll returns 7 and stops before offset 1");

    // The second and the third fail at offset 1, naming users-0.
    let failed = failures(&l.before(16));
    assert_eq!(failed.iter().map(|f| f.1).collect::<Vec<_>>(), vec![1, 1]);
    for (error, _) in &failed {
        assert!(error.contains("RecordDeserializationException") && error.contains("users-0"), "{error}");
        assert!(error.contains("Size of data received by IntegerDeserializer is not 4"), "{error}");
    }
    says(l.answer(14), "It fails at offset 1");
    says(&l.note(16), "RecordDeserializationException naming users-0 and offset 1");
    says(l.explain(14), "Size of data received by IntegerDeserializer is not 4");

    // seek(users-0, 2) skips it; the record is still in every replica's log.
    assert!(matches!(l.command(16), Command::Seek { offset: 2, partition: 0, .. }));
    assert_eq!(polled(&l.w, "int-consumer"), vec!["7", "8"]);
    for b in 1..=3 {
        assert_eq!(raw_values(&l.w, b, "users", 0)[1], b"hello".to_vec(), "broker {b}");
    }
    says(&l.note(17), "seek(users-0, 2) skips the bad record. The record is still in the log");
    l.all_claims_checked();
}

#[test]
fn the_registry_refuses_a_required_field_under_backward_and_the_send_never_reaches_a_broker() {
    let l = lesson("14-schema-refused");
    // _schemas is compacted, its config written in ZooKeeper.
    assert!(l.w.zk.znode("/config/topics/_schemas").unwrap().data.contains("\"cleanup.policy\":\"compact\""));
    says(&l.note(3), "_schemas, a compacted topic");

    // The registry answers app-v1 only after _schemas acknowledged version 1.
    let stored = position(
        &l,
        |e| matches!(e, Event::ProduceAcknowledged { tp, base_offset: Some(1), .. } if tp.topic.as_ref() == "_schemas"),
    );
    let answered = position(&l, |e| is_sent(e, "schema-registry", "app-v1", "RegisterSchemaResponse"));
    assert!(stored < answered);
    assert!(l
        .events()
        .any(|e| matches!(e, Event::SchemaRegistered { subject, version: 1, id: 1 } if subject == "users-value")));
    says(&l.note(6), "users-value");
    says(&l.note(6), "only once _schemas acknowledged the new version");

    // The record starts with magic byte 0 and schema id 1.
    assert_eq!(raw_values(&l.w, 2, "users", 0)[0][..5], [0, 0, 0, 0, 1]);
    says(&l.note(7), "magic byte 0 and schema id 1");

    // app-v2's schema is refused with 409; its send fails in the producer and no broker sees it.
    assert!(l.events().any(|e| matches!(e, Event::SchemaRefused { http_status: 409, .. })));
    assert!(l
        .events()
        .any(|e| matches!(e, Event::ProduceFailed { producer, error, .. } if &**producer == "app-v2" && error.contains("SerializationException"))));
    assert!(!l
        .events()
        .any(|e| matches!(e, Event::ProduceQueued { producer, .. } if &**producer == "app-v2")));
    assert!(!l
        .events()
        .any(|e| matches!(e, Event::MessageSent { from, kind: "Produce", .. } if from.to_string() == "app-v2")));
    assert!(l
        .events()
        .any(|e| matches!(e, Event::ProduceAcknowledged { producer, .. } if &**producer == "app-v1")));
    says(l.answer(8), "refuses the schema (409) and the send fails in the producer");
    says(l.explain(8), "SerializationException and nothing is sent");
    l.all_claims_checked();
}

#[test]
fn a_field_with_a_default_becomes_version_2_and_both_readers_read_both_records() {
    let l = lesson("15-schema-evolution");
    assert!(l.events().any(|e| matches!(e, Event::SchemaRegistered { version: 2, id: 2, .. })));
    says(l.goal(), "version 2 (a new id)");

    // kim's record carries schema id 1, lee's schema id 2.
    let values = raw_values(&l.w, 2, "users", 0);
    assert_eq!((values[0][..5].to_vec(), values[1][..5].to_vec()), (vec![0, 0, 0, 0, 1], vec![0, 0, 0, 0, 2]));
    says(&l.note(14), "1 for kim's, 2 for lee's");

    // Each reader asks the registry once for each id.
    for reader in ["reader-v1", "reader-v2"] {
        let asked: Vec<Vec<Part>> = l
            .events()
            .filter_map(|e| match e {
                Event::MessageSent {
                    from,
                    kind: "GetSchemaById",
                    summary,
                    ..
                } if from.to_string() == reader => Some(summary.clone()),
                _ => None,
            })
            .collect();
        let id = |n: &str| vec![Part::Value("id".into()), Part::Value(n.into())];
        assert_eq!(asked, vec![id("1"), id("2")], "{reader}");
    }
    says(&l.note(15), "asks the registry once for each schema id it has not seen");

    // Old and new readers read both records; email is null, the default, where the writer had none.
    assert_eq!(polled(&l.w, "reader-v1"), vec![r#"{"name":"kim"}"#, r#"{"name":"lee"}"#]);
    assert_eq!(
        polled(&l.w, "reader-v2"),
        vec![r#"{"email":null,"name":"kim"}"#, r#"{"email":"lee@example.com","name":"lee"}"#]
    );
    says(l.answer(16), "with email null, the default");
    says(l.explain(16), "reader-v1 reads lee's record without email");
    l.all_claims_checked();
}

/// Lesson 16: the same broker stopped twice. A controlled shutdown (`KafkaServer.controlledShutdown`,
/// `KafkaController.doControlledShutdown`) moves the leadership in milliseconds before the
/// broker goes; a crash leaves the partition leaderless until the ZooKeeper session expires.
#[test]
fn lesson_16_a_controlled_shutdown_moves_leadership_at_once_and_a_crash_waits_for_the_session() {
    let l = lesson("16-controlled-shutdown");
    let orders0 = tp("orders", 0);
    let leader_of_orders0 = |w: &World| {
        w.brokers
            .values()
            .find(|b| b.running && b.partitions.get(&orders0).is_some_and(|p| p.role == Role::Leader))
            .map(|b| b.id)
    };
    // Before the stop: broker 2 leads orders-0, whose replicas are [2, 3, 1].
    assert_eq!(leader_of_orders0(&l.before(5)), Some(2));
    says(&l.note(5), "Broker 2 leads orders-0 (replicas [2, 3, 1])");
    assert!(matches!(l.command(5), Command::StopBrokerWithMode { broker: 2, .. }), "a controlled shutdown");
    // The controlled shutdown: asked, leadership moved to broker 3 at epoch 1, then shut down, all within milliseconds.
    let asked = time_of(&l, |e| matches!(e, Event::ControlledShutdownRequested { broker: 2, .. }));
    let moved = l
        .trace()
        .iter()
        .find_map(|r| match &r.event {
            Event::LeaderChanged {
                tp: t,
                new: Some(3),
                leader_epoch: 1,
                reason: ElectionReason::ControlledShutdown,
                ..
            } if *t == orders0 => Some(r.time_ms),
            _ => None,
        })
        .expect("the controller moved orders-0 to broker 3 at epoch 1");
    let shut = time_of(&l, |e| matches!(e, Event::BrokerShutDown { broker: 2, controlled: true }));
    assert_eq!(moved - asked, 2, "2 ms after it asked");
    assert!(moved <= shut, "the leadership moved before the broker went");
    says(l.answer(5), "Within milliseconds, before broker 2 stops");
    says(l.explain(5), "broker 3 for orders-0");
    let note7 = l.note(7);
    says(&note7, "2 ms after broker 2 asked, broker 3 led orders-0 at leader epoch 1");
    let deleted = time_of(&l, |e| matches!(e, Event::ZnodeDeleted { path, .. } if path == "/brokers/ids/2"));
    assert_eq!(deleted, shut, "its znode went with the session it closed");
    says(&note7, "/brokers/ids/2 went at once");
    // Back, in every ISR, preferred leader again at epoch 2.
    let back = l.before(9);
    assert!(back
        .brokers
        .values()
        .filter(|b| b.running)
        .all(|b| b.partitions.values().filter(|p| p.role == Role::Leader).all(|p| p.isr.contains(&2))));
    says(&l.note(9), "in the ISR of every partition again");
    assert!(l
        .events()
        .any(|e| matches!(e, Event::LeaderChanged { tp: t, new: Some(2), leader_epoch: 2, reason: ElectionReason::Preferred, .. } if *t == orders0)));
    says(&l.note(9), "at leader epoch 2");
    // The crash: one second later nobody leads; the new leader comes with the session's expiry.
    assert!(matches!(l.command(11), Command::CrashBroker { broker: 2, cluster: None }));
    assert_eq!(leader_of_orders0(&l.before(13)), None, "nobody leads one second after the crash");
    says(l.answer(11), "Nobody: the controller waits for broker 2's ZooKeeper session to expire");
    says(&l.note(13), "1 s after the crash, orders-0 still has no working leader");
    let crashed = time_of(&l, |e| matches!(e, Event::BrokerStopped { broker: 2, .. }));
    let expired = session_expired_at(&l, "broker-2");
    let took_over = l
        .trace()
        .iter()
        .find_map(|r| match &r.event {
            Event::LeaderChanged {
                tp: t,
                new: Some(3),
                leader_epoch: 3,
                ..
            } if *t == orders0 => Some(r.time_ms),
            _ => None,
        })
        .expect("broker 3 leads at epoch 3 after the crash");
    assert!(took_over >= expired && expired > crashed);
    let note14 = l.note(14);
    says(&note14, &format!("At {:.1} s ZooKeeper expired broker 2's session", expired as f64 / 1000.0));
    says(&note14, &format!("{:.1} s after the crash", (took_over - crashed) as f64 / 1000.0));
    says(l.explain(11), "zookeeper.session.timeout.ms, 18 s after it last heard from it");
    // The session ends on ZooKeeper's first tick past 18 s of silence.
    let silent = expired - last_heard_by_zookeeper(&l, "broker-2", expired);
    assert!((18_000..20_000).contains(&silent), "{silent}");
    l.all_claims_checked();
}

#[test]
fn lesson_17_the_leader_drops_an_idempotent_retry_and_appends_a_plain_one_again() {
    let l = lesson("17-idempotence");
    let (p0, p1) = (tp("payments", 0), tp("payments", 1));
    let stamp = |w: &World, b: u32, tp: &TopicPartition| -> Vec<Option<(u64, u32)>> {
        w.brokers[&(0, b)].partitions[tp]
            .log
            .records
            .iter()
            .map(|r| r.producer.map(|p| (p.producer_id, p.base_sequence)))
            .collect()
    };

    // "idempotent" has producer id 0 from a broker; "plain" has none.
    let w = l.before(5);
    assert_eq!(w.producers["idempotent"].producer_id_and_epoch, Some((0, 0)));
    assert_eq!(w.producers["plain"].producer_id_and_epoch, None);
    says(&l.note(5), "producer id, 0");
    says(&l.note(5), "enable.idempotence=false");

    // Both leaders appended before the links to the producers are cut; the answers wait for the followers.
    let w = l.before(8);
    assert_eq!(w.brokers[&(0, 2)].partitions[&p0].role, Role::Leader);
    assert_eq!(w.brokers[&(0, 3)].partitions[&p1].role, Role::Leader);
    assert_eq!(common::values_on(&w, 2, "payments", 0), vec!["payment A"]);
    assert_eq!(common::values_on(&w, 3, "payments", 1), vec!["payment B"]);
    assert!(!l
        .trace()
        .iter()
        .any(|r| r.time_ms < w.now_ms() && matches!(r.event, Event::ProduceAcknowledged { .. })));
    assert_eq!(stamp(&w, 2, &p0), vec![Some((0, 0))]);
    assert_eq!(stamp(&w, 3, &p1), vec![None]);
    says(&l.note(8), "broker 2 leads payments-0, broker 3 leads payments-1");
    let cut = l.before(10).now_ms();
    assert!(l
        .trace()
        .iter()
        .any(|r| r.time_ms >= cut && matches!(&r.event, Event::MessageDropped { kind: "ProduceResponse", to, .. } if to.to_string() == "idempotent")));
    assert!(l
        .trace()
        .iter()
        .any(|r| r.time_ms >= cut && matches!(&r.event, Event::MessageDropped { kind: "ProduceResponse", to, .. } if to.to_string() == "plain")));
    says(&l.note(8), "the answers are lost");

    // Each request times out 5000 ms after it was sent, and the same batch goes out again.
    for producer in ["idempotent", "plain"] {
        let sent = time_of(&l, |e| matches!(e, Event::ProduceQueued { producer: p, .. } if p.as_ref() == producer));
        let timed_out = time_of(
            &l,
            |e| matches!(e, Event::ProduceRefused { producer: p, error: ErrorCode::RequestTimedOut, retrying: true, .. } if p.as_ref() == producer),
        );
        assert_eq!(timed_out - sent, 5_000, "{producer}");
    }
    says(&l.note(11), "5000 ms after sending, each request times out (REQUEST_TIMED_OUT)");

    // The retry of producer 0's sequence 0 is dropped and answered with offset 0; the plain one is appended again.
    assert!(l.events().any(|e| matches!(
        e,
        Event::DuplicateBatchDropped {
            broker: 2,
            producer_id: 0,
            base_sequence: 0,
            base_offset: 0,
            ..
        }
    )));
    assert!(l
        .events()
        .any(|e| matches!(e, Event::ProduceAcknowledged { producer, base_offset: Some(0), .. } if producer.as_ref() == "idempotent")));
    assert!(l
        .events()
        .any(|e| matches!(e, Event::ProduceAcknowledged { producer, base_offset: Some(1), .. } if producer.as_ref() == "plain")));
    for b in [1, 2, 3] {
        assert_eq!(common::values_on(&l.w, b, "payments", 0), vec!["payment A"]);
        assert_eq!(common::values_on(&l.w, b, "payments", 1), vec!["payment B", "payment B"]);
    }
    says(l.answer(13), "payment A once, payment B twice");
    says(
        l.explain(13),
        &format!("the last {} batches", kafkascope::replica::producer_state::NUM_BATCHES_TO_RETAIN),
    );
    says(l.explain(13), "answers with offset 0");
    says(l.explain(13), "appends it again at offset 1");
    l.all_claims_checked();
}

#[test]
fn lesson_18_a_consumer_that_stops_polling_holds_the_rebalance_until_max_poll_interval() {
    let l = lesson("18-poll-drives-the-group");
    let assigned = |generation: i32, consumer: &str| assigned_in(&l, generation, consumer);

    // Generation 1; then consumer-2's application stops polling (its heartbeats go on).
    assert_eq!(assigned(1, "consumer-1"), vec![tp("orders", 0)]);
    assert_eq!(assigned(1, "consumer-2"), vec![tp("orders", 1)]);
    assert!(matches!(l.command(5), Command::KeepPolling { consumer, every_ms: None } if consumer == "consumer-2"));
    says(&l.note(5), "consumer-1 reads orders-0 and consumer-2 reads orders-1");
    says(&l.note(5), "stops calling poll(); its heartbeat thread goes on");

    // consumer-3's arrival starts a rebalance; consumer-1 rejoins from its poll and gives its
    // partition up; consumer-2 knows of the rebalance but keeps its partition: it does not poll.
    let started = time_of(&l, |e| matches!(e, Event::RebalanceStarted { generation: 1, .. }));
    let w = l.before(8);
    assert!(w.now_ms() > started);
    assert!(w.consumers["consumer-2"].rejoin_needed);
    assert_eq!(w.consumers["consumer-2"].assignment.len(), 1);
    assert!(w.consumers["consumer-1"].assignment.is_empty());
    for c in ["consumer-1", "consumer-3"] {
        assert_eq!(w.consumers[c].phase, kafkascope::client::consumer::Phase::Joining, "{c} rejoined and waits");
    }
    assert!(!l
        .trace()
        .iter()
        .any(|r| r.time_ms <= w.now_ms() && matches!(r.event, Event::AssignmentReceived { generation: 2, .. })));
    says(&l.note(6), "waits for every member to send JoinGroup again");
    says(&l.note(6), "rejoin only from inside poll()");
    says(&l.question(8).question.en, "since 8.1 s");
    let stopped = l.before(6).now_ms();
    assert_eq!(stopped, 8_100);

    // consumer-2's heartbeat thread sees max.poll.interval.ms pass since its last poll and leaves
    // (its session never expired); the rebalance then completes without it.
    let left = time_of(&l, |e| matches!(e, Event::PollIntervalExceeded { consumer, .. } if &**consumer == "consumer-2"));
    assert_eq!(left - stopped, 20_001, "AbstractCoordinator: now - lastPoll > max.poll.interval.ms");
    let removed = time_of(&l, |e| matches!(e, Event::GroupMemberRemoved { reason, .. } if reason == "left the group"));
    assert!(removed >= left && removed - started < 20_000, "before the coordinator's rebalance timeout");
    assert!(!l
        .events()
        .any(|e| matches!(e, Event::GroupMemberRemoved { reason, .. } if reason == "session timeout")));
    assert_eq!(assigned(2, "consumer-1"), vec![tp("orders", 0)]);
    assert_eq!(assigned(2, "consumer-3"), vec![tp("orders", 1)]);
    assert!(left < l.before(9).now_ms());
    says(l.answer(8), "20 s after consumer-2's last poll (max.poll.interval.ms), without consumer-2");
    says(l.explain(8), "its session never expires");
    says(l.explain(8), "leaves the group; the rebalance completes without it");
    says(l.explain(8), "consumer-1 gave orders-0 up when it rejoined");
    says(&l.note(9), "20 s after its last poll");
    says(&l.note(9), "had not polled for max.poll.interval.ms and sent LeaveGroup");

    // Generation 3: three members, two partitions; consumer-3 is idle.
    assert!(assigned(3, "consumer-3").is_empty());
    assert_eq!(assigned(3, "consumer-1").len() + assigned(3, "consumer-2").len(), 2);
    says(&l.note(10), "consumer-3 is idle");
    l.all_claims_checked();
}

#[test]
fn side_by_side_kraft_fences_the_crashed_leader_before_zookeeper_expires_its_session() {
    let l = lesson("19-fencing-and-session-expiry");
    let in_cluster = |r: &TraceRecord, name: &str| r.cluster.as_deref() == Some(name);
    // Both clusters started: zookeeper's controller is broker 1; kraft's quorum elected
    // through PreVotes and Votes, controller 3001 active in epoch 1, every broker unfenced.
    let started = l.before(1);
    assert_eq!(
        started.brokers_of(0).find(|b| b.is_controller()).map(|b| (b.id, b.controller_epoch())),
        Some((1, Some(1)))
    );
    assert_eq!(started.active_controller(1).map(|c| (c.id, c.active_epoch)), Some((3001, Some(1))));
    assert!(l.events().any(|e| matches!(e, Event::QuorumVoteGranted { pre_vote: true, .. })));
    assert!(l.events().any(|e| matches!(e, Event::QuorumVoteGranted { pre_vote: false, .. })));
    let image = started.metadata_image(1).unwrap();
    assert!([1, 2, 3].iter().all(|b| image.brokers.get(b).is_some_and(|r| !r.fenced)));
    let note = l.note(1);
    says(&note, "broker 1 is the controller (epoch 1)");
    says(&note, "controller 3001 became the active controller in epoch 1");
    says(&note, "through PreVote and Vote requests");

    // Broker 3 leads orders-0 in both, ISR [3,1,2]; in kraft from a committed PartitionRecord.
    let ready = l.before(4);
    for ci in [0, 1] {
        let lead = ready
            .brokers_of(ci)
            .find(|b| b.partitions.get(&tp("orders", 0)).is_some_and(|p| p.role == Role::Leader))
            .unwrap();
        assert_eq!((lead.id, lead.partitions[&tp("orders", 0)].isr.clone()), (3, vec![3, 1, 2]));
    }
    assert!(ready.metadata_image(1).unwrap().partitions.contains_key(&tp("orders", 0)));
    says(&l.note(4), "In both clusters broker 3 leads orders-0, with the ISR [3,1,2]");
    assert!(matches!(l.command(4), Command::CrashBroker { broker: 3, cluster: Some(c) } if c == "zookeeper"));
    assert!(matches!(l.command(5), Command::CrashBroker { broker: 3, cluster: Some(c) } if c == "kraft"));
    assert_eq!(ready.now_ms(), 6_000);
    says(&l.note(4), "at 6 s");
    says(&l.question(4).question.en, "Broker 3 crashes in both clusters at once");

    // kraft: fenced at 15.1 s (9 s without a heartbeat), broker 1 leads with ISR [1,2], epoch 1.
    let fenced = l
        .trace()
        .iter()
        .find(|r| {
            matches!(
                &r.event,
                Event::MetadataRecordWritten {
                    record: kafkascope::protocol::MetadataRecord::BrokerRegistrationChange {
                        broker_id: 3,
                        fenced: Some(true),
                        ..
                    },
                    controller: 3001,
                    ..
                }
            )
        })
        .unwrap();
    assert_eq!(fenced.time_ms / 100, 151);
    let moved = |cluster: &str| {
        l.trace()
            .iter()
            .find(|r| in_cluster(r, cluster) && matches!(&r.event, Event::LeaderChanged { tp: t, old: Some(3), .. } if *t == tp("orders", 0)))
            .unwrap()
    };
    for cluster in ["kraft", "zookeeper"] {
        assert!(matches!(&moved(cluster).event, Event::LeaderChanged { new: Some(1), isr, leader_epoch: 1, .. } if *isr == vec![1, 2]));
    }
    assert_eq!(moved("kraft").time_ms / 100, 151);
    let at_18 = l.before(7);
    assert_eq!(at_18.now_ms(), 18_000);
    let zk_partition = kafkascope::view::view(&at_18)
        .partitions
        .into_iter()
        .find(|p| p.cluster == 0 && p.topic == "orders")
        .unwrap();
    assert_eq!(zk_partition.leader, None);
    assert_eq!(zk_partition.offline.unwrap().reason, kafkascope::view::OfflineReason::SessionNotExpired);
    let note = l.note(7);
    says(&note, "At 15.1 s, controller 3001 fenced broker 3 of kraft");
    says(&note, "broker.session.timeout.ms (9 s)");
    says(&note, "makes broker 1 the leader of orders-0 with the ISR [1,2], leader epoch 1");
    says(&note, "broker 3's ZooKeeper session has not expired");

    // zookeeper: the session expires at 26 s; broker 1 (the controller) makes broker 1 the leader.
    let expired = l
        .trace()
        .iter()
        .find(|r| matches!(&r.event, Event::ZkSessionExpired { owner, .. } if owner.to_string() == "zookeeper/broker-3"))
        .unwrap();
    assert_eq!(expired.time_ms, 26_000);
    assert_eq!(moved("zookeeper").time_ms / 1000, 26);
    assert_eq!(l.w.brokers_of(0).find(|b| b.is_controller()).map(|b| b.id), Some(1));
    let note = l.note(8);
    says(&note, "At 26 s ZooKeeper expires broker 3's session");
    says(
        &note,
        "the controller, broker 1, makes broker 1 the leader of orders-0 with the ISR [1,2], leader epoch 1",
    );
    says(&note, "11 s later");
    says(l.answer(4), "kraft");
    says(l.explain(4), "kraft moves the leadership at 15.1 s, zookeeper at 26 s");
    l.all_claims_checked();
}
