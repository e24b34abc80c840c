//! Seeded fault runs: a produce/consume workload mixed with broker crashes, controlled
//! shutdowns and restarts, network cuts and heals (a broker cut from ZooKeeper loses its session),
//! and consumer crashes, all as ordinary commands, so each run is a scenario anyone
//! can replay with `kafkascope run`.

use crate::config::{BrokerConfig, ClusterSpec, WorldConfig};
use crate::scenario::{Run, Scenario, ScenarioStep};
use crate::world::Command;
use serde_json::json;

/// The configuration a run is checked under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// RF 3, `min.insync.replicas` 2, acks=all, no unclean election: nothing acknowledged may be lost.
    Safe,
    /// As safe, but the producer uses acks=1: acknowledged records can be lost.
    Acks1,
    /// acks=all with `min.insync.replicas` 1 and unclean election: acknowledged records can be lost.
    Unclean,
}

impl Profile {
    pub fn from_name(s: &str) -> Result<Profile, String> {
        match s {
            "safe" => Ok(Profile::Safe),
            "acks1" => Ok(Profile::Acks1),
            "unclean" => Ok(Profile::Unclean),
            _ => Err(format!("unknown profile \"{s}\" (safe, acks1, unclean)")),
        }
    }

    /// Whether Kafka promises that no acknowledged record is lost under this profile.
    pub fn promises_durability(self) -> bool {
        self == Profile::Safe
    }
}

pub const TOPIC: &str = "events";
/// Healthy fault runs take well under 100 000 steps; a run past this bound is livelocked.
pub const STEP_BUDGET: u64 = 1_000_000;
const BROKERS: [u32; 3] = [1, 2, 3];
const CONSUMERS: [&str; 2] = ["consumer-1", "consumer-2"];
pub const VERIFIER: &str = "verifier";
/// How long the faulty part of a run lasts, in virtual milliseconds.
const CHAOS_MS: u64 = 120_000;

/// Scaled down (from 30 000 and 5 000) so that a controlled shutdown that cannot reach the
/// controller ends within a run: at most 3 × (3 000 + 1 000) ms.
const CONTROLLER_SOCKET_TIMEOUT_MS: u64 = 3_000;
const CONTROLLED_SHUTDOWN_BACKOFF_MS: u64 = 1_000;
/// How long after `stop_broker` in controlled mode the process surely ended (three attempts,
/// each timing out and backing off, with room for message delay).
const SHUTDOWN_BOUND_MS: u64 = 3 * (CONTROLLER_SOCKET_TIMEOUT_MS + CONTROLLED_SHUTDOWN_BACKOFF_MS) + 1_000;

/// The plan's own generator, apart from the world's.
struct PlanRng(oorandom::Rand64);

impl PlanRng {
    fn below(&mut self, n: u64) -> u64 {
        self.0.rand_range(0..n.max(1))
    }
    fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize].clone()
    }
}

fn broker_node(b: u32) -> String {
    format!("broker-{b}")
}

/// A link fault's ends: a broker, and the nodes it could lose or slow its link to.
fn link_ends(rng: &mut PlanRng) -> (String, Vec<String>) {
    let a = rng.pick(&BROKERS);
    let others = BROKERS
        .iter()
        .filter(|b| **b != a)
        .map(|b| broker_node(*b))
        .chain(["zookeeper".to_string(), "producer-1".to_string()])
        .collect();
    (broker_node(a), others)
}

fn cmd(v: serde_json::Value) -> ScenarioStep {
    ScenarioStep::Command(serde_json::from_value(v).expect("the plan writes valid commands"))
}

fn run_for(ms: u64) -> ScenarioStep {
    ScenarioStep::Run(Run::RunFor { ms })
}

/// The scenario of one seeded fault run under a profile.
pub fn fault_run(seed: u64, profile: Profile) -> Scenario {
    let (config, steps) = workload(seed, profile);
    finish(format!("fault run, seed {seed}"), config, steps)
}

/// The set-up and the faulty workload, without the settling tail.
fn workload(seed: u64, profile: Profile) -> (WorldConfig, Vec<ScenarioStep>) {
    let mut rng = PlanRng(oorandom::Rand64::new(((seed as u128) << 1) | 1));
    let broker_config = BrokerConfig {
        min_insync_replicas: if profile == Profile::Unclean { 1 } else { 2 },
        unclean_leader_election_enable: profile == Profile::Unclean,
        // A smaller offsets topic keeps each run quick; the rules are the same.
        offsets_topic_num_partitions: 3,
        // Scaled down so that faults play out within a run.
        replica_lag_time_max_ms: 10_000,
        zookeeper_session_timeout_ms: 6_000,
        controller_socket_timeout_ms: CONTROLLER_SOCKET_TIMEOUT_MS,
        controlled_shutdown_retry_backoff_ms: CONTROLLED_SHUTDOWN_BACKOFF_MS,
        ..BrokerConfig::default()
    };
    let config = WorldConfig {
        seed,
        clusters: vec![ClusterSpec {
            name: "kafka".into(),
            chroot: String::new(),
            brokers: BROKERS.to_vec(),
            config: broker_config,
        }],
        latency_ms: 1 + rng.below(3),
        jitter_ms: rng.below(6),
    };
    let acks = if profile == Profile::Acks1 { "1" } else { "all" };
    let consumer_config = json!({"auto.offset.reset": "earliest", "auto.commit.interval.ms": 2000, "session.timeout.ms": 10000});
    let mut steps = vec![
        run_for(200),
        cmd(json!({"cmd": "create_topic", "topic": TOPIC, "partitions": 3, "replication_factor": 3})),
        cmd(json!({"cmd": "add_producer", "name": "producer-1", "config": {"acks": acks, "delivery.timeout.ms": 30000, "request.timeout.ms": 5000}})),
        run_for(500),
    ];
    for c in CONSUMERS {
        steps.push(cmd(
            json!({"cmd": "start_consumer", "name": c, "group": "group-1", "topics": [TOPIC], "config": consumer_config}),
        ));
    }
    // Each stopped broker, with when it can be started again (a controlled shutdown takes a while).
    let mut stopped: Vec<(u32, u64)> = Vec::new();
    let mut cut: Vec<(String, String)> = Vec::new();
    let mut crashed: Vec<&'static str> = Vec::new();
    let (mut t, mut n) = (0, 0);
    while t < CHAOS_MS {
        let dt = 20 + rng.below(180);
        t += dt;
        steps.push(run_for(dt));
        for _ in 0..1 + rng.below(3) {
            let key = if rng.chance(700) {
                json!(format!("k{}", rng.below(20)))
            } else {
                serde_json::Value::Null
            };
            steps.push(cmd(
                json!({"cmd": "produce", "producer": "producer-1", "topic": TOPIC, "key": key, "value": format!("r{n}")}),
            ));
            n += 1;
        }
        for c in CONSUMERS {
            if !crashed.contains(&c) && rng.chance(300) {
                steps.push(cmd(json!({"cmd": "poll", "consumer": c})));
            }
        }
        if !rng.chance(25) {
            continue;
        }
        // One fault or one repair at a time, as a person at the controls would.
        match rng.below(8) {
            0 if stopped.len() < 2 => {
                let b = rng.pick(&BROKERS);
                if !stopped.iter().any(|(s, _)| *s == b) {
                    // Half the stops are controlled shutdowns, half crashes.
                    if rng.chance(500) {
                        stopped.push((b, t + SHUTDOWN_BOUND_MS));
                        steps.push(cmd(json!({"cmd": "stop_broker", "broker": b, "mode": "controlled"})));
                    } else {
                        stopped.push((b, t));
                        steps.push(cmd(json!({"cmd": "crash_broker", "broker": b})));
                    }
                }
            }
            1 if !stopped.is_empty() => {
                let i = rng.below(stopped.len() as u64) as usize;
                if stopped[i].1 <= t {
                    let (b, _) = stopped.remove(i);
                    steps.push(cmd(json!({"cmd": "start_broker", "broker": b})));
                }
            }
            2 | 3 if cut.len() < 3 => {
                let (a, others) = link_ends(&mut rng);
                let link = (a, rng.pick(&others));
                if !cut.contains(&link) {
                    steps.push(cmd(json!({"cmd": "cut_link", "a": link.0, "b": link.1})));
                    cut.push(link);
                }
            }
            4 | 5 if !cut.is_empty() => {
                let (a, b) = cut.remove(rng.below(cut.len() as u64) as usize);
                steps.push(cmd(json!({"cmd": "heal_link", "a": a, "b": b})));
            }
            7 => {
                // A slow path: every message on one broker's link waits longer (or the link recovers).
                let (a, others) = link_ends(&mut rng);
                let ms = if rng.chance(300) { 0 } else { 50 + rng.below(2_000) };
                steps.push(cmd(json!({"cmd": "slow_link", "a": a, "b": rng.pick(&others), "ms": ms})));
            }
            6 => {
                let c = rng.pick(&CONSUMERS);
                if crashed.contains(&c) {
                    crashed.retain(|x| *x != c);
                    steps.push(cmd(json!({"cmd": "start_consumer", "name": c})));
                } else {
                    crashed.push(c);
                    steps.push(cmd(json!({"cmd": "stop_consumer", "name": c})));
                }
            }
            _ => {}
        }
    }
    (config, steps)
}

/// Appends how every run ends: each fault still in force repaired, time to recover, then
/// every consumer and a fresh verifying group read to the end.
fn finish(name: String, config: WorldConfig, mut steps: Vec<ScenarioStep>) -> Scenario {
    let (mut stopped, mut cut, mut crashed, mut slow) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for s in &steps {
        match s {
            ScenarioStep::Command(Command::StopBroker { broker } | Command::CrashBroker { broker } | Command::StopBrokerWithMode { broker, .. }) => {
                stopped.push(*broker)
            }
            ScenarioStep::Command(Command::StartBroker { broker }) => stopped.retain(|b| b != broker),
            ScenarioStep::Command(Command::CutLink { a, b }) => cut.push((a.clone(), b.clone())),
            ScenarioStep::Command(Command::HealLink { a, b }) => cut.retain(|l| l != &(a.clone(), b.clone())),
            ScenarioStep::Command(Command::SlowLink { a, b, .. }) => slow.push((a.clone(), b.clone())),
            ScenarioStep::Command(Command::StopConsumer { name, .. }) => crashed.push(name.clone()),
            ScenarioStep::Command(Command::StartConsumer { name, .. }) => crashed.retain(|c| c != name),
            _ => {}
        }
    }
    for (a, b) in cut {
        steps.push(cmd(json!({"cmd": "heal_link", "a": a, "b": b})));
    }
    for (a, b) in slow {
        steps.push(cmd(json!({"cmd": "slow_link", "a": a, "b": b, "ms": 0})));
    }
    if !stopped.is_empty() {
        // A controlled shutdown still under way ends first.
        steps.push(run_for(SHUTDOWN_BOUND_MS));
    }
    for b in stopped {
        steps.push(cmd(json!({"cmd": "start_broker", "broker": b})));
    }
    for c in crashed.iter().filter(|c| CONSUMERS.contains(&c.as_str())) {
        steps.push(cmd(json!({"cmd": "start_consumer", "name": c})));
    }
    steps.push(run_for(60_000));
    steps.push(cmd(json!({"cmd": "start_consumer", "name": VERIFIER, "group": "verify", "topics": [TOPIC], "config": {"auto.offset.reset": "earliest", "enable.auto.commit": false}})));
    for _ in 0..20 {
        steps.push(run_for(2_000));
        for c in CONSUMERS.iter().chain([VERIFIER].iter()) {
            steps.push(cmd(json!({"cmd": "poll", "consumer": c})));
        }
    }
    Scenario {
        name,
        config,
        steps,
        guide: None,
    }
}

/// Shrinks a failing run: drops spans of its workload, halving the span, while the run
/// (with a settling tail made anew for what is left) still shows a violation of the same
/// kind. Returns the smallest scenario found.
pub fn shrink(seed: u64, profile: Profile, kind: &str, max_tries: usize) -> Scenario {
    let (config, mut best) = workload(seed, profile);
    let name = format!("fault run, seed {seed} (shrunk)");
    let still_fails = |steps: &[ScenarioStep]| {
        finish(String::new(), config.clone(), steps.to_vec())
            .run_with_budget(Some(STEP_BUDGET))
            .is_ok_and(|w| super::check(&w).iter().any(|v| v.kind() == kind))
    };
    let head = 4 + CONSUMERS.len();
    let mut span = best.len().saturating_sub(head) / 2;
    let mut tries = 0;
    while span >= 1 && tries < max_tries {
        let mut i = head;
        let mut progressed = false;
        while i + span <= best.len() && tries < max_tries {
            let mut candidate = best.clone();
            candidate.drain(i..i + span);
            tries += 1;
            if still_fails(&candidate) {
                best = candidate;
                progressed = true;
            } else {
                i += span;
            }
        }
        if !progressed {
            span /= 2;
        }
    }
    finish(name, config, best)
}
