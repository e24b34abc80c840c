//! Rewind benchmark: a run of 100 000 steps (a busy cluster with a producer and a
//! consumer group), then jumps to scattered steps; prints how long each jump takes.
//! `cargo run --release --example rewind`

use kafkascope::timeline::Timeline;
use kafkascope::{Command, WorldConfig};
use std::time::Instant;

fn cmd(v: serde_json::Value) -> Command {
    serde_json::from_value(v).expect("valid command")
}

fn main() {
    let steps: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let mut config = WorldConfig::default();
    config.clusters[0].config.offsets_topic_num_partitions = 3;
    let mut t = Timeline::new(config).expect("default config");
    t.run_for(100);
    t.apply(cmd(
        serde_json::json!({"cmd": "create_topic", "topic": "orders", "partitions": 6, "replication_factor": 3}),
    ))
    .unwrap();
    t.apply(cmd(serde_json::json!({"cmd": "add_producer", "name": "p"}))).unwrap();
    for c in ["c1", "c2"] {
        t.apply(cmd(
            serde_json::json!({"cmd": "start_consumer", "name": c, "group": "g", "topics": ["orders"], "config": {"auto.offset.reset": "earliest"}}),
        ))
        .unwrap();
    }
    let built = Instant::now();
    let mut i = 0;
    while t.head() < steps {
        t.apply(cmd(
            serde_json::json!({"cmd": "produce", "producer": "p", "topic": "orders", "key": format!("k{i}"), "value": format!("v{i}")}),
        ))
        .unwrap();
        if i % 10 == 0 {
            for c in ["c1", "c2"] {
                t.apply(cmd(serde_json::json!({"cmd": "poll", "consumer": c}))).unwrap();
            }
        }
        t.run_for(50);
        i += 1;
    }
    let build_ms = built.elapsed().as_secs_f64() * 1e3;
    let head = t.head();
    let mut rng = oorandom::Rand64::new(7);
    let mut times: Vec<f64> = (0..200)
        .map(|_| {
            let target = rng.rand_range(0..head + 1);
            let start = Instant::now();
            t.seek(target).expect("a recorded step");
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    let pct = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    println!(
        "rewind: {head} steps recorded in {build_ms:.0} ms ({} trace events, snapshot every {} steps)",
        t.trace().len(),
        kafkascope::timeline::DEFAULT_STRIDE
    );
    println!(
        "rewind: 200 jumps to random steps: median {:.2} ms, p95 {:.2} ms, max {:.2} ms (target: under 50 ms)",
        pct(0.5),
        pct(0.95),
        pct(1.0)
    );
}
