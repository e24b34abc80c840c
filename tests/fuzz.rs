//! Bad input of any shape: never a panic, always a clear error, and an error changes nothing.
use kafkascope::scenario::Scenario;
use kafkascope::{Command, World, WorldConfig};
use proptest::prelude::*;

/// Commands as JSON with the fields each command takes, filled with values often wrong.
fn command_json() -> impl Strategy<Value = serde_json::Value> {
    let word = || {
        prop::sample::select(vec![
            "t",
            "orders",
            "",
            "a b",
            "broker-1",
            "broker-9",
            "zookeeper",
            "p",
            "c",
            "g",
            "..",
            "카프카",
        ])
    };
    let number = || prop::sample::select(vec![0u64, 1, 2, 3, 4, 1000, 5000, u32::MAX as u64]);
    let schemas = [
        serde_json::json!({"type": "record", "name": "U", "fields": [{"name": "name", "type": "string"}]}),
        serde_json::json!({"type": "record", "name": "U", "fields": [{"name": "name", "type": "string"}, {"name": "age", "type": "int"}]}),
        serde_json::json!({"type": "recrod"}),
        serde_json::json!("not a schema"),
    ];
    let serde = |n: u64| ["avro", "string", "integer", "bogus"][(n % 4) as usize];
    (0..22usize, word(), word(), word(), number(), number()).prop_map(move |(i, a, b, c, n, m)| match i {
        15 => serde_json::json!({"cmd": "start_schema_registry"}),
        16 => serde_json::json!({"cmd": "register_schema", "subject": a, "schema": schemas[(n % 4) as usize]}),
        17 => serde_json::json!({"cmd": "set_compatibility", "level": (["NONE", "FULL", "sideways"][(n % 3) as usize])}),
        18 => serde_json::json!({"cmd": "add_producer", "name": b, "config": {"value.serializer": serde(n), "value.schema": schemas[(m % 4) as usize]}}),
        19 => serde_json::json!({"cmd": "produce", "producer": b, "topic": a, "value": (["{\"name\": \"kim\"}", "{\"name\": 1}", "42"][(n % 3) as usize])}),
        20 => serde_json::json!({"cmd": "start_consumer", "name": b, "group": c, "topics": [a], "config": {"value.deserializer": serde(n)}}),
        21 => serde_json::json!({"cmd": "set_serializers", "client": b, "value": serde(n), "value_schema": schemas[(m % 4) as usize]}),
        0 => serde_json::json!({"cmd": "create_topic", "topic": a, "partitions": n, "replication_factor": m}),
        1 => serde_json::json!({"cmd": "add_producer", "name": b, "config": {"acks": if n % 2 == 0 { "all" } else { "1" }}}),
        2 => serde_json::json!({"cmd": "produce", "producer": b, "topic": a, "key": c, "value": c, "partition": if m < 10 { Some(m) } else { None }}),
        3 => serde_json::json!({"cmd": "start_consumer", "name": b, "group": c, "topics": [a]}),
        4 => serde_json::json!({"cmd": "start_consumer", "name": b, "partitions": [{"topic": a, "partition": n}]}),
        5 => serde_json::json!({"cmd": "stop_consumer", "name": b, "leave_group": n % 2 == 0}),
        6 => serde_json::json!({"cmd": "poll", "consumer": b}),
        7 => serde_json::json!({"cmd": "commit", "consumer": b}),
        8 => serde_json::json!({"cmd": "seek", "consumer": b, "topic": a, "partition": n, "offset": m}),
        9 => serde_json::json!({"cmd": "stop_broker", "broker": n}),
        10 => serde_json::json!({"cmd": "start_broker", "broker": n}),
        11 => serde_json::json!({"cmd": "isolate", "node": a}),
        12 => serde_json::json!({"cmd": "heal", "node": a}),
        13 => serde_json::json!({"cmd": "cut_link", "a": a, "b": c}),
        _ => serde_json::json!({"cmd": "heal_link", "a": a, "b": c}),
    })
}

fn fingerprint(w: &World) -> String {
    format!(
        "{} {} {} {}",
        w.step,
        w.now_ms(),
        w.trace.len(),
        serde_json::to_string(&kafkascope::view::view(w)).unwrap()
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_text_as_a_scenario_is_an_error_or_a_scenario_never_a_panic(text in ".{0,200}") {
        let _ = Scenario::parse(&text);
    }

    #[test]
    fn random_command_sequences_never_panic_and_refused_commands_change_nothing(cmds in prop::collection::vec(command_json(), 1..30), seed in 0u64..1000) {
        let c = WorldConfig { seed, ..Default::default() };
        let mut w = World::new(c).unwrap();
        w.run_for(50);
        for json in cmds {
            // A (de)serializer name that does not exist is refused when the command is read.
            let Ok(cmd) = serde_json::from_value::<Command>(json) else { continue };
            let before = fingerprint(&w);
            if let Err(e) = w.apply(cmd) {
                prop_assert!(!e.to_string().is_empty());
                prop_assert_eq!(&before, &fingerprint(&w));
            }
            w.run_for(200);
        }
    }
}
