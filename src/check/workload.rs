//! Seeded fault runs: a produce/consume workload mixed with broker crashes, controlled
//! shutdowns and restarts, network cuts and heals (a broker cut from ZooKeeper loses its session),
//! and consumer crashes, all as ordinary commands, so each run is a scenario anyone
//! can replay with `kafkascope run`.
//!
//! The plan is written while it plays, as a person at the controls acts on what they see:
//! a broker is started only when it is stopped, and a start that fails (its previous run's
//! ZooKeeper session still holds `/brokers/ids/N`, `KafkaServer.startup`) is tried again later.

use crate::config::{BrokerConfig, ClusterSpec, MetadataMode, WorldConfig};
use crate::scenario::{play, Run, Scenario, ScenarioStep};
use crate::world::{Command, World};
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
/// How long the operator waits before trying a failed start again at the end of a run.
const START_RETRY_MS: u64 = 2_000;
/// Enough tries to outlast the previous run's session (6 s, and a slow link's delay).
const START_TRIES: usize = 15;

/// The plan so far, played on a world as it is written.
pub struct Plan {
    pub world: World,
    pub steps: Vec<ScenarioStep>,
}

impl Plan {
    fn new(config: &WorldConfig) -> Plan {
        let mut world = World::new(config.clone()).expect("the plan's configuration is valid");
        world.step_budget = Some(STEP_BUDGET);
        Plan { world, steps: Vec::new() }
    }

    /// Plays a step and writes it down; a step the world refuses is an error.
    fn push(&mut self, step: ScenarioStep) -> Result<(), String> {
        play(&mut self.world, &step).map_err(|e| format!("commands[{}]: {e}", self.steps.len()))?;
        self.steps.push(step);
        Ok(())
    }

    /// For steps the plan knows the world accepts.
    fn add(&mut self, step: ScenarioStep) {
        self.push(step).expect("the plan writes commands the world accepts");
    }

    fn running(&self, b: u32) -> bool {
        self.world.brokers.get(&(0, b)).is_some_and(|b| b.running)
    }

    fn controller_running(&self, c: u32) -> bool {
        self.world.controllers.get(&(0, c)).is_some_and(|c| c.running())
    }

    /// Stopped, or on its way there (a controlled shutdown under way).
    fn down_or_stopping(&self, b: u32) -> bool {
        self.world.brokers.get(&(0, b)).is_some_and(|b| !b.running || b.controlled_shutdown.is_some())
    }
}

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

/// The KRaft runs' controllers (the default `controller.quorum.voters`).
const CONTROLLERS: [u32; 3] = [3000, 3001, 3002];

/// A link fault's ends: a broker, and the nodes it could lose or slow its link to: the other
/// brokers, the producer, and where the metadata lives (ZooKeeper, or a KRaft controller).
fn link_ends(rng: &mut PlanRng, metadata: MetadataMode) -> (String, Vec<String>) {
    let a = rng.pick(&BROKERS);
    let keeper = match metadata {
        MetadataMode::Zookeeper => "zookeeper".to_string(),
        MetadataMode::Kraft => format!("controller-{}", rng.pick(&CONTROLLERS)),
    };
    let others = BROKERS
        .iter()
        .filter(|b| **b != a)
        .map(|b| broker_node(*b))
        .chain([keeper, "producer-1".to_string()])
        .collect();
    (broker_node(a), others)
}

fn cmd(v: serde_json::Value) -> ScenarioStep {
    ScenarioStep::Command(serde_json::from_value(v).expect("the plan writes valid commands"))
}

fn run_for(ms: u64) -> ScenarioStep {
    ScenarioStep::Run(Run::RunFor { ms })
}

/// The scenario of one seeded fault run under a profile, in a metadata mode.
pub fn fault_run(seed: u64, profile: Profile, metadata: MetadataMode) -> Scenario {
    fault_run_played(seed, profile, metadata).0
}

/// The scenario of one seeded fault run, and the world it played on while it was written
/// (the same as replaying the scenario with `STEP_BUDGET`).
pub fn fault_run_played(seed: u64, profile: Profile, metadata: MetadataMode) -> (Scenario, World) {
    let plan = workload(seed, profile, metadata);
    let config = plan.world.config.clone();
    let name = match metadata {
        MetadataMode::Zookeeper => format!("fault run, seed {seed}"),
        MetadataMode::Kraft => format!("fault run, seed {seed}, KRaft"),
    };
    finish(name, config, plan)
}

/// The set-up and the faulty workload, without the settling tail. In KRaft mode the faults are
/// the same but for ZooKeeper's: a link is cut to a controller instead, a controller may crash
/// (one at a time, so the quorum keeps its majority unless links are cut too), and a stop is
/// a crash (a controlled shutdown is not modelled in KRaft mode yet).
fn workload(seed: u64, profile: Profile, metadata: MetadataMode) -> Plan {
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
            metadata_mode: metadata,
            controllers: Vec::new(),
        }],
        latency_ms: 1 + rng.below(3),
        jitter_ms: rng.below(6),
    };
    let acks = if profile == Profile::Acks1 { "1" } else { "all" };
    let consumer_config = json!({"auto.offset.reset": "earliest", "auto.commit.interval.ms": 2000, "session.timeout.ms": 10000});
    let mut plan = Plan::new(&config);
    // A KRaft cluster first elects its controller and registers its brokers.
    let settle = if metadata == MetadataMode::Kraft { 5_000 } else { 200 };
    for s in [
        run_for(settle),
        cmd(json!({"cmd": "create_topic", "topic": TOPIC, "partitions": 3, "replication_factor": 3})),
        cmd(json!({"cmd": "add_producer", "name": "producer-1", "config": {"acks": acks, "delivery.timeout.ms": 30000, "request.timeout.ms": 5000}})),
        run_for(500),
    ] {
        plan.add(s);
    }
    for c in CONSUMERS {
        plan.add(cmd(
            json!({"cmd": "start_consumer", "name": c, "group": "group-1", "topics": [TOPIC], "config": consumer_config, "keep_polling_ms": 200}),
        ));
    }
    let mut cut: Vec<(String, String)> = Vec::new();
    let mut crashed: Vec<&'static str> = Vec::new();
    let (mut t, mut n) = (0, 0);
    while t < CHAOS_MS {
        let dt = 20 + rng.below(180);
        t += dt;
        plan.add(run_for(dt));
        for _ in 0..1 + rng.below(3) {
            let key = if rng.chance(700) {
                json!(format!("k{}", rng.below(20)))
            } else {
                serde_json::Value::Null
            };
            plan.add(cmd(
                json!({"cmd": "produce", "producer": "producer-1", "topic": TOPIC, "key": key, "value": format!("r{n}")}),
            ));
            n += 1;
        }
        for c in CONSUMERS {
            if !crashed.contains(&c) && rng.chance(300) {
                plan.add(cmd(json!({"cmd": "poll", "consumer": c})));
            }
        }
        if !rng.chance(25) {
            continue;
        }
        // One fault or one repair at a time, as a person at the controls would.
        match rng.below(8) {
            0 if BROKERS.iter().filter(|b| plan.down_or_stopping(**b)).count() < 2 => {
                let b = rng.pick(&BROKERS);
                if !plan.down_or_stopping(b) {
                    // Half the stops are controlled shutdowns, half crashes.
                    if rng.chance(500) && metadata == MetadataMode::Zookeeper {
                        plan.add(cmd(json!({"cmd": "stop_broker", "broker": b, "mode": "controlled"})));
                    } else {
                        plan.add(cmd(json!({"cmd": "crash_broker", "broker": b})));
                    }
                }
            }
            1 if BROKERS.iter().any(|b| !plan.running(*b)) => {
                // A start soon after a crash can fail (the old session holds the znode); the
                // broker stays stopped and a later turn tries again.
                let stopped: Vec<u32> = BROKERS.iter().copied().filter(|b| !plan.running(*b)).collect();
                let b = rng.pick(&stopped);
                plan.add(cmd(json!({"cmd": "start_broker", "broker": b})));
            }
            2 | 3 if cut.len() < 3 => {
                let (a, others) = link_ends(&mut rng, metadata);
                let link = (a, rng.pick(&others));
                if !cut.contains(&link) {
                    plan.add(cmd(json!({"cmd": "cut_link", "a": link.0, "b": link.1})));
                    cut.push(link);
                }
            }
            4 | 5 if !cut.is_empty() => {
                let (a, b) = cut.remove(rng.below(cut.len() as u64) as usize);
                plan.add(cmd(json!({"cmd": "heal_link", "a": a, "b": b})));
            }
            7 => {
                // A slow path: every message on one broker's link waits longer (or the link recovers).
                let (a, others) = link_ends(&mut rng, metadata);
                let ms = if rng.chance(300) { 0 } else { 50 + rng.below(2_000) };
                plan.add(cmd(json!({"cmd": "slow_link", "a": a, "b": rng.pick(&others), "ms": ms})));
            }
            6 if metadata == MetadataMode::Kraft && rng.chance(500) => {
                // A controller crashes, or the one down starts again.
                match CONTROLLERS.iter().find(|c| !plan.controller_running(**c)) {
                    Some(c) => plan.add(cmd(json!({"cmd": "start_controller", "controller": c}))),
                    None => plan.add(cmd(json!({"cmd": "crash_controller", "controller": rng.pick(&CONTROLLERS)}))),
                }
            }
            6 => {
                let c = rng.pick(&CONSUMERS);
                if crashed.contains(&c) {
                    crashed.retain(|x| *x != c);
                    plan.add(cmd(json!({"cmd": "start_consumer", "name": c})));
                } else {
                    crashed.push(c);
                    plan.add(cmd(json!({"cmd": "stop_consumer", "name": c})));
                }
            }
            _ => {}
        }
    }
    plan
}

/// Appends how every run ends: each fault still in force repaired, time to recover, then
/// every consumer and a fresh verifying group read to the end. The plan's world plays the
/// tail too, so a broker whose start fails is started again once its old session is gone.
fn finish(name: String, config: WorldConfig, mut plan: Plan) -> (Scenario, World) {
    let (mut cut, mut slow) = (Vec::new(), Vec::new());
    for s in &plan.steps {
        match s {
            ScenarioStep::Command(Command::CutLink { a, b }) => cut.push((a.clone(), b.clone())),
            ScenarioStep::Command(Command::HealLink { a, b }) => cut.retain(|l| l != &(a.clone(), b.clone())),
            ScenarioStep::Command(Command::SlowLink { a, b, .. }) => slow.push((a.clone(), b.clone())),
            _ => {}
        }
    }
    for (a, b) in cut {
        plan.add(cmd(json!({"cmd": "heal_link", "a": a, "b": b})));
    }
    for (a, b) in slow {
        plan.add(cmd(json!({"cmd": "slow_link", "a": a, "b": b, "ms": 0})));
    }
    let stopped: Vec<u32> = CONTROLLERS
        .iter()
        .copied()
        .filter(|c| plan.world.controllers.contains_key(&(0, *c)) && !plan.controller_running(*c))
        .collect();
    for c in stopped {
        plan.add(cmd(json!({"cmd": "start_controller", "controller": c})));
    }
    if BROKERS
        .iter()
        .any(|b| plan.world.brokers.get(&(0, *b)).is_some_and(|b| b.controlled_shutdown.is_some()))
    {
        // A controlled shutdown still under way ends first.
        plan.add(run_for(SHUTDOWN_BOUND_MS));
    }
    for _ in 0..START_TRIES {
        let stopped: Vec<u32> = BROKERS.iter().copied().filter(|b| !plan.running(*b)).collect();
        if stopped.is_empty() {
            break;
        }
        for b in stopped {
            plan.add(cmd(json!({"cmd": "start_broker", "broker": b})));
        }
        if BROKERS.iter().any(|b| !plan.running(*b)) {
            plan.add(run_for(START_RETRY_MS));
        }
    }
    let crashed: Vec<&str> = CONSUMERS
        .iter()
        .copied()
        .filter(|c| plan.world.consumers.get(*c).is_some_and(|c| !c.running))
        .collect();
    for c in crashed {
        plan.add(cmd(json!({"cmd": "start_consumer", "name": c})));
    }
    plan.add(run_for(60_000));
    plan.add(cmd(json!({"cmd": "start_consumer", "name": VERIFIER, "group": "verify", "topics": [TOPIC], "config": {"auto.offset.reset": "earliest", "enable.auto.commit": false}, "keep_polling_ms": 200})));
    for _ in 0..20 {
        plan.add(run_for(2_000));
        for c in CONSUMERS.iter().chain([VERIFIER].iter()) {
            plan.add(cmd(json!({"cmd": "poll", "consumer": c})));
        }
    }
    let scenario = Scenario {
        name,
        config,
        steps: plan.steps,
        guide: None,
    };
    (scenario, plan.world)
}

/// Shrinks a failing run: drops spans of its workload, halving the span, while the run
/// (with a settling tail made anew for what is left) still shows a violation of the same
/// kind. Returns the smallest scenario found.
pub fn shrink(seed: u64, profile: Profile, metadata: MetadataMode, kind: &str, max_tries: usize) -> Scenario {
    let plan = workload(seed, profile, metadata);
    let config = plan.world.config.clone();
    let mut best = plan.steps;
    let name = format!("fault run, seed {seed} (shrunk)");
    // A candidate whose steps the world refuses (a start of a broker that now runs) is no run.
    let replay = |steps: &[ScenarioStep]| -> Option<Plan> {
        let mut p = Plan::new(&config);
        for s in steps {
            p.push(s.clone()).ok()?;
        }
        Some(p)
    };
    let still_fails =
        |steps: &[ScenarioStep]| replay(steps).is_some_and(|p| super::check(&finish(String::new(), config.clone(), p).1).iter().any(|v| v.kind() == kind));
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
    let plan = replay(&best).expect("the shrunk steps played before");
    finish(name, config, plan).0
}
