//! `cargo bench --bench engine`: the engine's native figures (issue 9), printed as
//! one JSON object on the last line of standard output for `tests/bench/run.mjs`
//! (and readable by a person above it). A plain release-mode binary
//! (`harness = false`): no timing is asserted anywhere.
//!
//! - throughput: records produced, replicated to RF 3 with acks=all and consumed
//!   per wall second (the workload below, the same one `tests/bench/wasm.mjs`
//!   drives through the Wasm `Playground`), median of several runs after a warm-up;
//!   once on the bare `World` and once through a `Timeline`, as the `Playground` holds
//!   the run (the reference for the Wasm build's ratio);
//! - simulation speed: simulated seconds per wall second of a seeded fault run
//!   (`check::fault_run`, profile safe) with 1 000 records/s added, checker on;
//! - memory: the bytes the engine holds after a 100 000-event run, counted by a
//!   global allocator.
//!
//! Arguments (after `--`): `--records N` (default 100 000), `--runs N` (7),
//! `--sim-seeds N` (3), `--only throughput|sim|memory`, `--phases`
//! (throughput split into JSON parsing, `World::apply` and stepping).

use kafkascope::check::{self, Profile};
use kafkascope::config::WorldConfig;
use kafkascope::scenario::{Run, Scenario, ScenarioStep};
use kafkascope::timeline::Timeline;
use kafkascope::world::{Command, World};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

// ------------------------------------------------------------ counting allocator

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
            ALLOCS.fetch_add(1, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE.fetch_sub(layout.size(), Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = LIVE.fetch_add(new_size - layout.size(), Relaxed) + new_size - layout.size();
                PEAK.fetch_max(now, Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Relaxed);
            }
            ALLOCS.fetch_add(1, Relaxed);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

// ------------------------------------------------------------ the throughput workload
//
// Kept in step with tests/bench/wasm.mjs, which sends the same JSON through the
// Wasm facade: 3 brokers, one topic of 3 partitions at RF 3 (min.insync.replicas 2),
// a producer with acks=all, batch.size 16384, linger.ms 5, and one consumer in a group.
// Timed: bursts of BURST records with ~100-byte values, each followed by 10 ms of
// virtual time and a poll, then 10 ms + poll until every record was consumed.
// Commands go in as JSON text, as the page (and the Wasm figure) sends them.

const BURST: usize = 1000;
const TICK_MS: u64 = 10;
const TOPIC: &str = "bench";
const CONFIG: &str =
    r#"{"seed":1,"clusters":[{"name":"kafka","chroot":"","brokers":[1,2,3],"config":{"min.insync.replicas":2,"offsets.topic.num.partitions":3}}]}"#;
const SETUP: [&str; 3] = [
    r#"{"cmd":"create_topic","topic":"bench","partitions":3,"replication_factor":3}"#,
    r#"{"cmd":"add_producer","name":"p1","config":{"acks":"all","batch.size":16384,"linger.ms":5}}"#,
    r#"{"cmd":"start_consumer","name":"c1","group":"g1","topics":["bench"],"config":{"auto.offset.reset":"earliest","max.poll.records":5000}}"#,
];
const POLL: &str = r#"{"cmd":"poll","consumer":"c1"}"#;

/// The produce command of record `n`: a 100-byte value starting with its number.
fn produce_json(n: usize) -> String {
    let mut v = format!("v{n}-");
    while v.len() < 100 {
        v.push('x');
    }
    format!(r#"{{"cmd":"produce","producer":"p1","topic":"{TOPIC}","value":"{v}"}}"#)
}

/// `--phases`: time parsing, applying and stepping apart (it slows the run a little).
static PHASES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static PARSE_NS: AtomicUsize = AtomicUsize::new(0);
static APPLY_NS: AtomicUsize = AtomicUsize::new(0);
static RUN_NS: AtomicUsize = AtomicUsize::new(0);

fn timed<T>(into: &AtomicUsize, f: impl FnOnce() -> T) -> T {
    if !PHASES.load(Relaxed) {
        return f();
    }
    let t = Instant::now();
    let out = f();
    into.fetch_add(t.elapsed().as_nanos() as usize, Relaxed);
    out
}

/// What the workload drives: the bare `World`, or a `Timeline` as the page's `Playground`
/// holds it (every command logged, the trace kept, a snapshot every 1 000 steps), so that
/// the Wasm figure can be set beside the same work natively.
trait Engine: Sized {
    fn new(config: WorldConfig) -> Self;
    fn apply(&mut self, cmd: Command);
    fn run_for(&mut self, ms: u64);
    fn world(&self) -> &World;
    fn trace_len(&self) -> usize;
}

impl Engine for World {
    fn new(config: WorldConfig) -> Self {
        World::new(config).expect("world")
    }
    fn apply(&mut self, cmd: Command) {
        World::apply(self, cmd).expect("bench commands apply");
    }
    fn run_for(&mut self, ms: u64) {
        World::run_for(self, ms);
    }
    fn world(&self) -> &World {
        self
    }
    fn trace_len(&self) -> usize {
        self.trace.len()
    }
}

impl Engine for Timeline {
    fn new(config: WorldConfig) -> Self {
        Timeline::new(config).expect("timeline")
    }
    fn apply(&mut self, cmd: Command) {
        Timeline::apply(self, cmd).expect("bench commands apply");
    }
    fn run_for(&mut self, ms: u64) {
        Timeline::run_for(self, ms);
    }
    fn world(&self) -> &World {
        Timeline::world(self)
    }
    fn trace_len(&self) -> usize {
        self.trace().len()
    }
}

fn apply(e: &mut impl Engine, json: &str) {
    let cmd: Command = timed(&PARSE_NS, || serde_json::from_str(json).expect("bench commands parse"));
    timed(&APPLY_NS, || e.apply(cmd));
}

fn run_for(e: &mut impl Engine, ms: u64) {
    timed(&RUN_NS, || e.run_for(ms));
}

/// A started cluster with the topic, the producer and a consumer that has joined its group.
fn setup<E: Engine>() -> E {
    let config: WorldConfig = serde_json::from_str(CONFIG).expect("config parses");
    let mut e = E::new(config);
    e.run_for(100);
    for c in SETUP {
        apply(&mut e, c);
    }
    e.run_for(5000);
    e
}

fn consumed(e: &impl Engine) -> u64 {
    e.world()
        .consumers
        .values()
        .flat_map(|c| c.positions.iter())
        .filter(|(tp, _)| &*tp.topic == TOPIC)
        .map(|(_, o)| *o)
        .sum()
}

struct Outcome {
    secs: f64,
    trace_len: usize,
    virtual_ms: u64,
    steps: u64,
}

/// Produces `n` records in bursts and polls until all are consumed; `stop_at_events`
/// ends the run early, at the first tick boundary with that many trace events.
/// The commands are made before the clock starts, except when stopping early (the memory
/// figure), where they are made burst by burst so that they do not count as the engine's.
fn workload(w: &mut impl Engine, n: usize, stop_at_events: Option<usize>) -> Outcome {
    let commands: Vec<String> = if stop_at_events.is_none() {
        (0..n).map(produce_json).collect()
    } else {
        Vec::new()
    };
    let (t0, v0, s0) = (Instant::now(), w.world().now_ms(), w.world().step);
    let done = |w: &_| stop_at_events.is_some_and(|e| Engine::trace_len(w) >= e);
    'run: {
        for start in (0..n).step_by(BURST) {
            for i in start..(start + BURST).min(n) {
                match commands.get(i) {
                    Some(c) => apply(w, c),
                    None => apply(w, &produce_json(i)),
                }
            }
            run_for(w, TICK_MS);
            apply(w, POLL);
            if done(w) {
                break 'run;
            }
        }
        let mut ticks = 0;
        while consumed(w) < n as u64 && !done(w) {
            run_for(w, TICK_MS);
            apply(w, POLL);
            ticks += 1;
            assert!(ticks < 100_000, "the consumer never caught up");
        }
    }
    Outcome {
        secs: t0.elapsed().as_secs_f64(),
        trace_len: w.trace_len(),
        virtual_ms: w.world().now_ms() - v0,
        steps: w.world().step - s0,
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    let m = xs.len() / 2;
    if xs.len() % 2 == 1 {
        xs[m]
    } else {
        (xs[m - 1] + xs[m]) / 2.0
    }
}

/// The workload `runs` times on engine `E` after a warm-up; `what` names it in the log.
fn throughput<E: Engine>(what: &str, records: usize, runs: usize) -> serde_json::Value {
    let mut rates = Vec::new();
    let mut last = None;
    // One warm-up run, not counted.
    let mut w: E = setup();
    workload(&mut w, records, None);
    drop(w);
    for a in [&PARSE_NS, &APPLY_NS, &RUN_NS] {
        a.store(0, Relaxed);
    }
    for i in 0..runs {
        let mut w: E = setup();
        let o = workload(&mut w, records, None);
        assert_eq!(consumed(&w), records as u64);
        let rate = records as f64 / o.secs;
        eprintln!(
            "  native throughput ({what}) run {}: {records} records in {:.3} s wall ({:.0} records/s; {} steps, {} trace events, {} ms virtual)",
            i + 1,
            o.secs,
            rate,
            o.steps,
            o.trace_len,
            o.virtual_ms
        );
        rates.push(rate);
        last = Some(o);
        drop(w);
    }
    let o = last.expect("at least one run");
    if PHASES.load(Relaxed) {
        let ms = |a: &AtomicUsize| a.load(Relaxed) as f64 / 1e6 / runs as f64;
        eprintln!(
            "  phases per run: parse JSON {:.1} ms, World::apply {:.1} ms, run_for (steps) {:.1} ms",
            ms(&PARSE_NS),
            ms(&APPLY_NS),
            ms(&RUN_NS)
        );
    }
    serde_json::json!({
        "records": records, "runs": runs, "burst": BURST, "tick_ms": TICK_MS,
        "median_records_per_s": median(rates.clone()), "rates": rates,
        "trace_len": o.trace_len, "steps": o.steps, "virtual_ms": o.virtual_ms,
    })
}

// ------------------------------------------------------------ memory

const MEMORY_EVENTS: usize = 100_000;

fn memory() -> serde_json::Value {
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    let mut w: World = setup();
    let o = workload(&mut w, 10 * MEMORY_EVENTS, Some(MEMORY_EVENTS));
    let live = LIVE.load(Relaxed) - base;
    let peak = PEAK.load(Relaxed) - base;
    let trace_bytes = w.trace.capacity() * std::mem::size_of::<kafkascope::trace::TraceRecord>();
    eprintln!(
        "  native memory: {} trace events, {} steps; live {live} B, peak {peak} B (the trace's Vec alone {trace_bytes} B)",
        o.trace_len, w.step
    );
    let out = serde_json::json!({ "events": o.trace_len, "steps": w.step, "live_bytes": live, "peak_bytes": peak, "trace_vec_bytes": trace_bytes });
    drop(w);
    out
}

// ------------------------------------------------------------ simulation speed

const SIM_RATE_PER_S: u64 = 1000;
/// `fault_run`'s set-up (200 + 500 ms) comes first; its faulty part is made of `run_for`s
/// shorter than 200 ms, its recovery tail of longer ones.
const LOAD_FROM_MS: u64 = 700;
const CHAOS_TICK_MAX_MS: u64 = 200;

/// A seeded fault run with 1 000 records/s more: every `run_for` of its faulty part is cut
/// into 10 ms slices, each followed by 10 produces; after its own tail, enough polls for
/// every group to read everything (the checker wants each acknowledged record read).
fn loaded_fault_run(seed: u64) -> Scenario {
    let mut scenario = check::fault_run(seed, Profile::Safe, kafkascope::config::MetadataMode::Zookeeper);
    let mut steps = Vec::new();
    let (mut t, mut n) = (0u64, 0usize);
    let produce = |n: usize| {
        let mut v = format!("load-{n}-");
        while v.len() < 100 {
            v.push('x');
        }
        ScenarioStep::Command(
            serde_json::from_value(serde_json::json!({"cmd": "produce", "producer": "producer-1", "topic": check::workload::TOPIC, "value": v}))
                .expect("produce"),
        )
    };
    let per_slice = (SIM_RATE_PER_S * TICK_MS / 1000) as usize;
    for s in std::mem::take(&mut scenario.steps) {
        match s {
            ScenarioStep::Run(Run::RunFor { ms }) if t >= LOAD_FROM_MS && ms < CHAOS_TICK_MAX_MS => {
                let end = t + ms;
                while t < end {
                    let dt = TICK_MS.min(end - t);
                    steps.push(ScenarioStep::Run(Run::RunFor { ms: dt }));
                    t += dt;
                    if dt == TICK_MS {
                        for _ in 0..per_slice {
                            steps.push(produce(n));
                            n += 1;
                        }
                    }
                }
            }
            ScenarioStep::Run(Run::RunFor { ms }) => {
                t += ms;
                steps.push(s);
            }
            other => steps.push(other),
        }
    }
    // Each poll hands out at most max.poll.records (500): 1 000 rounds cover 500 000 records.
    for _ in 0..1000 {
        steps.push(ScenarioStep::Run(Run::RunFor { ms: 20 }));
        for c in ["consumer-1", "consumer-2", check::workload::VERIFIER] {
            steps.push(ScenarioStep::Command(Command::Poll { consumer: c.into() }));
        }
    }
    scenario.name = format!("loaded fault run, seed {seed}");
    scenario.steps = steps;
    scenario
}

fn sim_speed(seeds: u64) -> serde_json::Value {
    let mut speeds = Vec::new();
    let mut runs = Vec::new();
    for seed in 1..=seeds {
        let scenario = loaded_fault_run(seed);
        let t0 = Instant::now();
        // The fault plan was written against the run without the load: here a restart may
        // fail (or succeed) where it did not there, so a broker command the world refuses
        // (a start of a running broker, a stop of a stopped one) is passed over.
        let mut w = World::new(scenario.config.clone()).expect("valid config");
        w.step_budget = Some(50 * check::STEP_BUDGET);
        for step in &scenario.steps {
            if let Err(e) = kafkascope::scenario::play(&mut w, step) {
                let broker_cmd = matches!(
                    step,
                    ScenarioStep::Command(
                        Command::StartBroker { .. } | Command::CrashBroker { .. } | Command::StopBrokerWithMode { .. } | Command::StopBroker { .. }
                    )
                );
                assert!(broker_cmd, "the loaded fault run plays: {e}");
            }
        }
        let t_run = t0.elapsed().as_secs_f64();
        let violations = check::check(&w);
        let secs = t0.elapsed().as_secs_f64();
        let sim_s = w.now_ms() as f64 / 1000.0;
        let produced = w.producers.values().map(|p| p.next_seq).sum::<u64>();
        let speed = sim_s / secs;
        eprintln!(
            "  sim speed seed {seed}: {sim_s:.1} s simulated in {secs:.3} s wall ({speed:.0}x; run {t_run:.3} s, check {:.3} s); {} steps, {} events, {produced} records, {} violations",
            secs - t_run,
            w.step,
            w.trace.len(),
            violations.len()
        );
        speeds.push(speed);
        runs.push(serde_json::json!({"seed": seed, "sim_s": sim_s, "wall_s": secs, "run_s": t_run, "check_s": secs - t_run, "steps": w.step, "events": w.trace.len(), "records": produced, "violations": violations.len(), "first_violation": violations.first().map(|v| v.to_string())}));
    }
    serde_json::json!({ "median_speed": median(speeds), "runs": runs, "load_records_per_s": SIM_RATE_PER_S })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map_or(default, |v| v.parse().expect("a number"))
    };
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).cloned();
    PHASES.store(args.iter().any(|a| a == "--phases"), Relaxed);
    let want = |what: &str| only.as_deref().is_none_or(|o| o == what);
    let (records, runs, seeds) = (arg("--records", 100_000), arg("--runs", 7), arg("--sim-seeds", 3) as u64);
    let mut out = serde_json::Map::new();
    if want("memory") {
        out.insert("memory".into(), memory());
    }
    if want("throughput") {
        out.insert("throughput".into(), throughput::<World>("World", records, runs));
        // As the page runs it: the Wasm/native ratio compares like with like.
        out.insert("timeline_throughput".into(), throughput::<Timeline>("Timeline", records, runs));
    }
    if want("sim") {
        out.insert("sim".into(), sim_speed(seeds));
    }
    println!("{}", serde_json::Value::Object(out));
}
