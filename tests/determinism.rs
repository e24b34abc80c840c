//! Same seed, same commands: the same trace, byte for byte.
use kafkascope::scenario::Scenario;

const SCENARIO: &str = include_str!("scenarios/failover.json");

fn trace_of(text: &str) -> String {
    let w = Scenario::parse(text).unwrap().run().unwrap();
    w.trace.iter().map(|r| serde_json::to_string(r).unwrap() + "\n").collect()
}

#[test]
fn the_same_scenario_run_twice_gives_an_identical_trace() {
    let a = trace_of(SCENARIO);
    assert!(a.lines().count() > 100);
    assert_eq!(a, trace_of(SCENARIO));
}

#[test]
fn another_seed_gives_another_run() {
    let other = SCENARIO.replacen("\"seed\": 7", "\"seed\": 8", 1);
    assert_ne!(other, SCENARIO, "the scenario names its seed");
    assert_ne!(trace_of(SCENARIO), trace_of(&other));
}

#[test]
fn a_run_with_the_schema_registry_and_avro_clients_repeats_byte_for_byte() {
    let text = include_str!("../www/scenarios/15-schema-evolution.json");
    let a = trace_of(text);
    assert!(a.contains("\"type\":\"schema_registered\""));
    assert_eq!(a, trace_of(text));
}
