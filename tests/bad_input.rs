//! Bad input of any kind is an error that names what was wrong and changes nothing.
mod common;
use common::*;
use kafkascope::{Command, World, WorldConfig};

fn assert_refused_unchanged(w: &mut World, cmd: Command, needle: &str) {
    let (trace, step, time) = (w.trace.len(), w.step, w.now_ms());
    let err = w.apply(cmd).unwrap_err().to_string();
    assert!(err.contains(needle), "expected \"{needle}\" in \"{err}\"");
    assert_eq!((w.trace.len(), w.step, w.now_ms()), (trace, step, time));
}

#[test]
fn commands_naming_things_that_do_not_exist_are_refused_without_a_change() {
    let mut w = cluster(3);
    assert_refused_unchanged(&mut w, Command::StopBroker { broker: 9, cluster: None }, "unknown broker 9");
    assert_refused_unchanged(&mut w, Command::Isolate { node: "broker-x".into() }, "unknown node");
    assert_refused_unchanged(
        &mut w,
        Command::CutLink {
            a: "broker-1".into(),
            b: "broker-1".into(),
        },
        "two different nodes",
    );
    assert_refused_unchanged(
        &mut w,
        Command::Produce {
            producer: "ghost".into(),
            topic: "t".into(),
            key: None,
            key_hex: None,
            value: None,
            partition: None,
            headers: Default::default(),
        },
        "unknown producer",
    );
    assert_refused_unchanged(
        &mut w,
        Command::CreateTopic {
            topic: "t".into(),
            partitions: 1,
            replication_factor: 1,
            cluster: Some("nope".into()),
        },
        "unknown cluster",
    );
}

#[test]
fn starting_a_running_broker_or_stopping_a_stopped_one_is_refused() {
    let mut w = cluster(3);
    assert_refused_unchanged(&mut w, Command::StartBroker { broker: 1, cluster: None }, "already running");
    w.apply(Command::StopBroker { broker: 1, cluster: None }).unwrap();
    assert_refused_unchanged(&mut w, Command::StopBroker { broker: 1, cluster: None }, "already stopped");
}

#[test]
fn bad_producer_input_is_refused() {
    let mut w = cluster(3);
    create_topic(&mut w, "t", 2, 1);
    add_producer(&mut w, "p", "1");
    assert_refused_unchanged(
        &mut w,
        Command::AddProducer {
            name: "p".into(),
            cluster: None,
            config: Default::default(),
        },
        "already exists",
    );
    assert_refused_unchanged(
        &mut w,
        Command::AddProducer {
            name: "broker-7".into(),
            cluster: None,
            config: Default::default(),
        },
        "taken",
    );
    assert_refused_unchanged(
        &mut w,
        Command::Produce {
            producer: "p".into(),
            topic: "t".into(),
            key: None,
            key_hex: Some("zz".into()),
            value: None,
            partition: None,
            headers: Default::default(),
        },
        "key_hex",
    );
    produce(&mut w, "p", "t", None, "x");
    w.run_until_quiet(5_000);
    assert_refused_unchanged(
        &mut w,
        Command::Produce {
            producer: "p".into(),
            topic: "t".into(),
            key: None,
            key_hex: None,
            value: None,
            partition: Some(5),
            headers: Default::default(),
        },
        "has 2 partitions",
    );
}

#[test]
fn an_impossible_configuration_is_refused() {
    let mut c = WorldConfig::default();
    c.clusters[0].brokers = vec![];
    assert!(World::new(c).err().unwrap().to_string().contains("1 to 12 brokers"));
    let mut c = WorldConfig::default();
    c.clusters[0].chroot = "no-slash".into();
    assert!(World::new(c).err().unwrap().to_string().contains("chroot"));
    let mut c = WorldConfig::default();
    c.clusters[0].brokers = vec![1, 2, 1];
    assert!(World::new(c)
        .err()
        .unwrap()
        .to_string()
        .contains("broker id 1 appears twice (ids are unique within a cluster)"));
    let mut c = WorldConfig::default();
    c.clusters.push(c.clusters[0].clone());
    assert!(World::new(c).err().unwrap().to_string().contains("two clusters are named \"kafka\""));
    let mut c = WorldConfig::default();
    c.clusters[0].name = "a/b".into();
    assert!(World::new(c).err().unwrap().to_string().contains("clusters[0].name"));
}

#[test]
fn scenario_parsing_never_panics_on_garbage() {
    for text in [
        "",
        "[]",
        "{",
        "{\"commands\": 3}",
        "{\"commands\": [{}]}",
        "{\"commands\": [{\"cmd\": \"run_for\", \"ms\": -1}]}",
        "{\"seed\": \"x\"}",
        "{\"commands\": [{\"cmd\": \"run_for\", \"ms\": 99999999999}]}",
        "{\"bogus\": 1}",
    ] {
        assert!(kafkascope::scenario::Scenario::parse(text).is_err(), "{text}");
    }
}

#[test]
fn a_topic_with_four_billion_partitions_is_refused_before_anything_is_allocated() {
    // Found by the command fuzzer (tests/fuzz.rs): the placement used to reserve room first.
    let mut w = cluster(3);
    assert_refused_unchanged(
        &mut w,
        Command::CreateTopic {
            topic: "t".into(),
            partitions: u32::MAX,
            replication_factor: 1,
            cluster: None,
        },
        "at most 1000",
    );
}

#[test]
fn a_guide_whose_answer_is_not_among_its_choices_is_refused_by_name() {
    let text = r#"{"commands": [], "guide": {"title": {"en": "t", "ko": "t"}, "goal": {"en": "g", "ko": "g"},
        "questions": [{"at": 0, "question": {"en": "q", "ko": "q"}, "choices": [{"en": "a", "ko": "a"}, {"en": "b", "ko": "b"}], "answer": 2, "explain": {"en": "e", "ko": "e"}}]}}"#;
    let err = kafkascope::scenario::Scenario::parse(text).unwrap_err();
    assert!(err.contains("guide.questions[0]"), "{err}");
}

#[test]
fn an_expected_refusal_that_is_accepted_stops_the_run_by_name() {
    let text = r#"{"commands": [{"cmd": "run_for", "ms": 100}, {"cmd": "expect_error", "contains": "larger", "command": {"cmd": "create_topic", "topic": "t", "partitions": 1, "replication_factor": 1}}]}"#;
    let err = kafkascope::scenario::Scenario::parse(text).unwrap().run().err().unwrap();
    assert!(err.contains("commands[1]: expected an error containing \"larger\""), "{err}");
}

#[test]
fn a_link_whose_clock_jumps_ten_to_the_fifteen_ms_is_refused_at_once_naming_the_jump_and_the_limit() {
    use kafkascope::timeline::{Entry, Timeline, MAX_RUN_MS};
    // Replaying it used to step through every heartbeat until then: 17 s, then "capacity overflow" in Wasm.
    let log = vec![(0, Entry::Clock(1_000_000_000_000_000))];
    let err = Timeline::replay(WorldConfig::default(), log, 0, 0).err().unwrap().to_string();
    assert!(err.contains("1000000000000000 ms") && err.contains(&format!("{MAX_RUN_MS} ms")), "{err}");
    assert!(err.contains("entry 1 of the log"), "{err}");
    // A jump within the limit that would pass over due events is refused before stepping too.
    let log = vec![(0, Entry::Clock(MAX_RUN_MS))];
    let err = Timeline::replay(WorldConfig::default(), log, 0, 0).err().unwrap().to_string();
    assert!(err.contains("lets time pass over events that were still due"), "{err}");
}

#[test]
fn a_recorded_run_replays_through_its_link_with_its_clock_jumps() {
    use kafkascope::timeline::Timeline;
    let mut t = Timeline::new(WorldConfig::default()).unwrap();
    t.run_for(100);
    t.run_for(3_600_000);
    let copy = Timeline::replay(t.config().clone(), t.log().to_vec(), t.head(), t.head()).unwrap();
    assert_eq!((copy.step_now(), copy.world().now_ms()), (t.step_now(), t.world().now_ms()));
}

#[test]
fn run_for_run_until_quiet_and_skip_to_longer_than_an_hour_are_refused_naming_value_and_limit() {
    use kafkascope::timeline::{check_run_ms, Timeline, MAX_RUN_MS};
    assert_eq!(check_run_ms("run_for", MAX_RUN_MS).unwrap(), MAX_RUN_MS);
    for what in ["run_for", "run_until_quiet"] {
        let err = check_run_ms(what, 1_000_000_000_000_000).unwrap_err().to_string();
        assert!(
            err.starts_with(what) && err.contains("1000000000000000 ms") && err.contains("3600000 ms"),
            "{err}"
        );
    }
    let mut t = Timeline::new(WorldConfig::default()).unwrap();
    let (step, now) = (t.step_now(), t.world().now_ms());
    let err = t.skip_to(&["leader_changed".into()], MAX_RUN_MS + 1).unwrap_err().to_string();
    assert!(err.contains("3600001 ms"), "{err}");
    assert_eq!((t.step_now(), t.world().now_ms(), t.log().len()), (step, now, 0));
}

#[test]
fn a_scenario_running_longer_than_a_day_at_once_is_refused_naming_the_value_and_the_limit() {
    for cmd in [
        r#"{"cmd": "run_for", "ms": 1000000000000000}"#,
        r#"{"cmd": "run_until_quiet", "max_ms": 86400001}"#,
    ] {
        let text = format!(r#"{{"commands": [{cmd}]}}"#);
        let err = kafkascope::scenario::Scenario::parse(&text).unwrap_err();
        assert!(err.contains("commands[0]") && err.contains("86400000 ms"), "{err}");
        assert!(err.contains("1000000000000000 ms") || err.contains("86400001 ms"), "{err}");
    }
}

#[test]
fn topic_names_follow_topic_validate_and_admin_zk_client_collisions() {
    let mut w = cluster(3);
    let create = |topic: &str| Command::CreateTopic {
        topic: topic.into(),
        partitions: 1,
        replication_factor: 1,
        cluster: None,
    };
    // `Topic.validate`: longer than 249 is refused, not cut.
    assert_refused_unchanged(&mut w, create(&"t".repeat(250)), "can't be longer than 249 characters");
    assert_refused_unchanged(&mut w, create("."), "cannot be \".\" or \"..\"");
    assert_refused_unchanged(&mut w, create(".."), "cannot be \".\" or \"..\"");
    assert_refused_unchanged(&mut w, create("orders!"), "other than ASCII alphanumerics");
    w.apply(create(&"t".repeat(249))).unwrap();
    w.apply(create("a_b")).unwrap();
    w.run_for(100);
    // `AdminZkClient.validateTopicCreate` with `Topic.hasCollision`: '.' and '_' are alike.
    assert_refused_unchanged(&mut w, create("a.b"), "InvalidTopicException: Topic 'a.b' collides with existing topics: a_b");
    assert_refused_unchanged(&mut w, create("a_b"), "TopicExistsException: Topic 'a_b' already exists.");
    w.apply(create("a-b")).unwrap();
}

/// `KafkaProducer.configureDeliveryTimeout`: an explicit `delivery.timeout.ms` below
/// `linger.ms` + `request.timeout.ms` is a ConfigException; left unset it is raised to that sum.
#[test]
fn a_producer_whose_delivery_timeout_is_below_linger_plus_request_timeout_is_refused() {
    let mut w = cluster(3);
    let add = |config: serde_json::Value| Command::AddProducer {
        name: "p".into(),
        cluster: None,
        config: serde_json::from_value(config).unwrap(),
    };
    assert_refused_unchanged(
        &mut w,
        add(serde_json::json!({"delivery.timeout.ms": 5000})),
        "ConfigException: delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms",
    );
    w.apply(add(
        serde_json::json!({"delivery.timeout.ms": 5000, "request.timeout.ms": 4000, "linger.ms": 1000}),
    ))
    .unwrap();
    let unset: kafkascope::config::ProducerConfig = serde_json::from_value(serde_json::json!({"request.timeout.ms": 200000})).unwrap();
    assert_eq!(unset.delivery_timeout_ms(), 200_000);
}

/// A lesson written in the page may be in one language only; a text in neither is refused,
/// naming the field.
#[test]
fn a_lesson_text_in_one_language_is_enough_and_a_blank_one_is_refused() {
    let lesson = |title: &str| {
        format!(
            r#"{{"seed": 1, "config": {{"clusters": [{{"name": "kafka", "brokers": [1, 2, 3]}}]}},
                "commands": [{{"cmd": "run_for", "ms": 100}}],
                "guide": {{"title": {title}, "notes": [{{"at": 1, "ko": "노트"}}],
                  "questions": [{{"at": 0, "question": {{"en": "Which?"}}, "choices": [{{"en": "a"}}, {{"ko": "나"}}], "answer": 0, "explain": {{"en": "a."}}}}]}}}}"#
        )
    };
    let ok = kafkascope::scenario::Scenario::parse(&lesson(r#"{"en": "One language"}"#)).unwrap();
    assert_eq!(ok.guide.unwrap().title.ko, "");
    let err = kafkascope::scenario::Scenario::parse(&lesson(r#"{"en": " "}"#)).unwrap_err();
    assert!(err.contains("guide.title"), "{err}");
}

fn stop_with(broker: u32, mode: &str) -> Command {
    serde_json::from_value(serde_json::json!({"cmd": "stop_broker", "broker": broker, "mode": mode})).unwrap()
}

#[test]
fn stopping_or_crashing_a_stopped_broker_is_refused_and_a_second_controlled_stop_waits_for_the_first() {
    let mut w = cluster(3);
    create_topic(&mut w, "solo", 3, 1);
    w.apply(Command::CrashBroker { broker: 3, cluster: None }).unwrap();
    assert_refused_unchanged(&mut w, Command::CrashBroker { broker: 3, cluster: None }, "broker 3 is already stopped");
    assert_refused_unchanged(&mut w, stop_with(3, "controlled"), "broker 3 is already stopped");
    assert_refused_unchanged(&mut w, stop_with(3, "crash"), "broker 3 is already stopped");
    assert_refused_unchanged(&mut w, Command::CrashBroker { broker: 7, cluster: None }, "unknown broker 7");
    // Broker 2 leads an RF-1 partition: its controlled shutdown retries for a while.
    w.apply(stop_with(2, "controlled")).unwrap();
    w.run_for(1_000);
    assert_refused_unchanged(&mut w, stop_with(2, "controlled"), "already in a controlled shutdown (attempt 1 of 3)");
    assert_refused_unchanged(&mut w, Command::StartBroker { broker: 2, cluster: None }, "it is in a controlled shutdown");
    // A crash mid-shutdown is allowed: the process dies.
    w.apply(Command::CrashBroker { broker: 2, cluster: None }).unwrap();
    assert!(!w.brokers[&(0, 2)].running);
}

#[test]
fn a_stop_mode_other_than_controlled_or_crash_is_refused_by_name() {
    let err = serde_json::from_value::<Command>(serde_json::json!({"cmd": "stop_broker", "broker": 1, "mode": "graceful"})).unwrap_err();
    assert!(
        err.to_string().contains("unknown variant `graceful`, expected `controlled` or `crash`"),
        "{err}"
    );
    let err = serde_json::from_value::<Command>(serde_json::json!({"cmd": "stop_broker", "broker": 1, "mode": "crash", "now": true})).unwrap_err();
    assert!(err.to_string().contains("unknown field `now`"), "{err}");
}

#[test]
fn closing_or_crashing_a_stopped_producer_is_refused_and_a_crash_while_closing_is_allowed() {
    let mut w = cluster(3);
    add_producer(&mut w, "p1", "all");
    assert_refused_unchanged(&mut w, Command::CrashProducer { producer: "ghost".into() }, "unknown producer \"ghost\"");
    w.apply(Command::Isolate { node: "p1".into() }).unwrap();
    produce(&mut w, "p1", "t", None, "v");
    w.apply(Command::CloseProducer {
        producer: "p1".into(),
        timeout_ms: None,
    })
    .unwrap();
    let again = Command::CloseProducer {
        producer: "p1".into(),
        timeout_ms: None,
    };
    assert_refused_unchanged(&mut w, again, "producer \"p1\" is already closing");
    w.apply(Command::CrashProducer { producer: "p1".into() }).unwrap();
    assert_refused_unchanged(&mut w, Command::CrashProducer { producer: "p1".into() }, "producer \"p1\" is already stopped");
}
