//! Rewind and fork: a run kept as its configuration plus a log of what happened
//! between steps (commands, and time passing), with snapshots every few steps.
//! Going to any step restores the nearest snapshot at or before it and replays;
//! acting at an earlier step forks the run there, dropping the old future.

use crate::config::WorldConfig;
use crate::trace::{TraceRecord, EVENT_TYPES};
use crate::world::{Command, SimError, World};
use serde::{Deserialize, Serialize};

mod replay;
pub use replay::Replay;

/// What happened between two steps, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    /// Boxed: a `Command` is some 280 bytes, a clock entry 8 (clippy's `large_enum_variant`); the JSON is the same.
    Command(Box<Command>),
    /// Virtual time passed to this instant with nothing to do (a "run for" past the last event).
    Clock(u64),
}

/// Snapshots are this many steps apart unless chosen otherwise.
pub const DEFAULT_STRIDE: u64 = 1_000;

/// The most virtual time one call may cover on the page (`run_for`, `run_until_quiet`,
/// `skip_to`, a clock jump in a link): one hour. Heartbeats never stop, so time costs steps:
/// an idle three-broker cluster with a group makes about 143 000 steps and 185 000 trace
/// records per virtual hour (0.4 s natively, about 2 s in Wasm); a day would be 3.4 M steps
/// and a trace too big for a 32-bit Wasm memory ("capacity overflow").
pub const MAX_RUN_MS: u64 = 3_600_000;

/// The most steps a link may ask to replay, so a hostile or mistyped link cannot freeze the page
/// (an hour of a busy cluster is some hundreds of thousands of steps).
pub const MAX_REPLAY_STEPS: u64 = 5_000_000;

fn refused<T>(msg: String) -> Result<T, SimError> {
    Err(SimError::Invalid(msg))
}

/// Checks a stretch of virtual time one call asks for against `MAX_RUN_MS`.
pub fn check_run_ms(what: &str, ms: u64) -> Result<u64, SimError> {
    if ms > MAX_RUN_MS {
        return refused(format!(
            "{what}: {ms} ms is more than the playground runs at once ({MAX_RUN_MS} ms, one hour of virtual time)"
        ));
    }
    Ok(ms)
}

#[derive(Clone)]
pub struct Timeline {
    config: WorldConfig,
    /// The world at the current step (after that step's entries).
    world: World,
    /// Every entry, with the step after which it happened.
    log: Vec<(u64, Entry)>,
    /// (step, world after that step but before its entries); the first is step 0.
    snapshots: Vec<(u64, World)>,
    stride: u64,
    /// The whole recorded run's trace, up to `head`.
    trace: Vec<TraceRecord>,
    /// The last step recorded.
    head: u64,
    /// Steps where the run was forked.
    forks: Vec<u64>,
}

impl Timeline {
    pub fn new(config: WorldConfig) -> Result<Timeline, SimError> {
        Timeline::with_stride(config, DEFAULT_STRIDE)
    }

    pub fn with_stride(config: WorldConfig, stride: u64) -> Result<Timeline, SimError> {
        let mut world = World::new(config.clone())?;
        let trace = std::mem::take(&mut world.trace);
        Ok(Timeline {
            snapshots: vec![(0, world.clone())],
            config,
            world,
            log: Vec::new(),
            stride: stride.max(1),
            trace,
            head: 0,
            forks: Vec::new(),
        })
    }

    pub fn config(&self) -> &WorldConfig {
        &self.config
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    pub fn step_now(&self) -> u64 {
        self.world.step
    }

    pub fn head(&self) -> u64 {
        self.head
    }

    pub fn forks(&self) -> &[u64] {
        &self.forks
    }

    pub fn log(&self) -> &[(u64, Entry)] {
        &self.log
    }

    /// The trace up to and including the current step.
    pub fn trace(&self) -> &[TraceRecord] {
        let end = self.trace.partition_point(|r| r.step <= self.world.step);
        &self.trace[..end]
    }

    fn at_head(&self) -> bool {
        self.world.step == self.head
    }

    /// One step forward: along the recorded run when rewound, else a new step.
    /// Returns false when nothing is left to happen.
    pub fn step(&mut self) -> bool {
        if !self.at_head() {
            self.replay_step();
            return true;
        }
        if self.world.step().is_none() {
            return false;
        }
        self.head = self.world.step;
        self.trace.append(&mut self.world.trace);
        if self.head.is_multiple_of(self.stride) {
            self.snapshots.push((self.head, self.world.clone()));
        }
        true
    }

    /// Steps while the next event is at or before `time_ms`, then lets the clock reach it.
    pub fn run_until(&mut self, time_ms: u64) {
        self.truncate_future();
        while self.world.next_event_ms().is_some_and(|t| t <= time_ms) {
            self.step();
        }
        if time_ms > self.world.now_ms() {
            self.world.advance_clock(time_ms);
            self.log.push((self.world.step, Entry::Clock(time_ms)));
        }
    }

    pub fn run_for(&mut self, ms: u64) {
        self.run_until(self.world.now_ms().saturating_add(ms));
    }

    /// Steps (along the recorded run when rewound, else forward, adding nothing to the log) until
    /// a step emits an event whose `type` is one of `kinds`, the next queued item is later than
    /// now + `max_ms`, or nothing is left. Returns the steps taken; bad input changes nothing.
    pub fn skip_to(&mut self, kinds: &[String], max_ms: u64) -> Result<u64, SimError> {
        let max_ms = check_run_ms("skip_to", max_ms)?;
        if let Some(bad) = kinds.iter().find(|k| !EVENT_TYPES.contains(&k.as_str())) {
            return refused(format!("skip_to: \"{bad}\" is not an event type (e.g. leader_changed, isr_changed)"));
        }
        let deadline = self.world.now_ms().saturating_add(max_ms);
        let mut steps = 0;
        while self.world.next_event_ms().is_some_and(|t| t <= deadline) && self.step() {
            steps += 1;
            let now = self.world.step;
            let trace = self.trace();
            let first = trace.partition_point(|r| r.step < now);
            if trace[first..].iter().any(|r| kinds.iter().any(|k| k == r.event.type_name())) {
                break;
            }
        }
        Ok(steps)
    }

    /// Rebuilds a recorded run (a link) in one go: `Replay` without the slices.
    pub fn replay(config: WorldConfig, log: Vec<(u64, Entry)>, head: u64, step: u64) -> Result<Timeline, SimError> {
        let mut replay = Replay::new(config, log, head, step)?;
        while !replay.advance(u64::MAX)? {}
        replay.finish()
    }

    /// A person's action at the current step; at an earlier step it forks the run there.
    pub fn apply(&mut self, cmd: Command) -> Result<(), SimError> {
        let at = self.world.step;
        self.world.apply(cmd.clone())?;
        self.truncate_future();
        self.log.push((at, Entry::Command(Box::new(cmd))));
        self.trace.append(&mut self.world.trace);
        Ok(())
    }

    /// Drops everything recorded after the current step: the run forks here.
    fn truncate_future(&mut self) {
        let at = self.world.step;
        if self.head == at && self.log.last().is_none_or(|(s, _)| *s <= at) {
            return;
        }
        self.forks.push(at);
        self.log.retain(|(s, _)| *s <= at);
        self.snapshots.retain(|(s, _)| *s <= at);
        let keep = self.trace.partition_point(|r| r.step <= at);
        self.trace.truncate(keep);
        // Entries at this step that were replayed are kept; the trace they made is kept too.
        self.head = at;
    }

    /// Goes to any recorded step: the nearest snapshot at or before it, then replay.
    pub fn seek(&mut self, step: u64) -> Result<(), SimError> {
        if step > self.head {
            return Err(SimError::Invalid(format!("step {step} has not happened yet: the run has {} steps", self.head)));
        }
        if step == self.world.step {
            return Ok(());
        }
        if step < self.world.step || step - self.world.step > self.stride {
            let i = self.snapshots.partition_point(|(s, _)| *s <= step) - 1;
            self.world = self.snapshots[i].1.clone();
            self.apply_entries_at(self.world.step);
        }
        while self.world.step < step {
            self.replay_step();
        }
        Ok(())
    }

    fn replay_step(&mut self) {
        self.world.step();
        self.world.trace.clear();
        self.apply_entries_at(self.world.step);
    }

    /// Re-applies what the log says happened after `step`; the log only holds what once succeeded.
    fn apply_entries_at(&mut self, step: u64) {
        let from = self.log.partition_point(|(s, _)| *s < step);
        let to = self.log.partition_point(|(s, _)| *s <= step);
        for i in from..to {
            match self.log[i].1.clone() {
                Entry::Command(c) => self.world.apply(*c).expect("a logged command applied once, and replays identically"),
                Entry::Clock(t) => self.world.advance_clock(t),
            }
        }
        self.world.trace.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::Event;

    fn kinds(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    /// Three brokers with a topic, settled; then the leader of partition 0 stops.
    fn leader_stopped() -> (Timeline, u32) {
        let mut t = Timeline::new(WorldConfig::with_brokers(3)).unwrap();
        t.run_for(100);
        t.apply(Command::CreateTopic {
            topic: "t".into(),
            partitions: 1,
            replication_factor: 3,
            cluster: None,
        })
        .unwrap();
        t.run_for(1_000);
        let tp = crate::protocol::TopicPartition::new(&"t".into(), 0);
        let leader = t
            .world()
            .brokers
            .values()
            .find(|b| b.partitions.get(&tp).is_some_and(|p| p.role == crate::replica::Role::Leader))
            .unwrap()
            .id;
        t.apply(Command::StopBroker { broker: leader, cluster: None }).unwrap();
        (t, leader)
    }

    fn leader_changes(t: &Timeline) -> Vec<(u64, Option<u32>)> {
        t.trace()
            .iter()
            .filter_map(|r| match &r.event {
                Event::LeaderChanged { new, reason, .. } if *reason != crate::trace::ElectionReason::NewPartition => Some((r.step, *new)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn skip_to_stops_at_the_first_leader_change() {
        let (mut t, leader) = leader_stopped();
        let (from, log) = (t.step_now(), t.log().len());
        let steps = t.skip_to(&kinds(&["leader_changed"]), MAX_RUN_MS).unwrap();
        assert_eq!(steps, t.step_now() - from);
        let changes = leader_changes(&t);
        assert_eq!(changes.len(), 1, "stopped at the first one");
        assert_eq!(changes[0].0, t.step_now(), "the last step taken emitted it");
        assert_ne!(changes[0].1, Some(leader));
        assert_eq!(t.log().len(), log, "nothing added to the log");
    }

    #[test]
    fn skip_to_follows_the_recorded_run_when_rewound() {
        let (mut t, _) = leader_stopped();
        let stopped_at = t.step_now();
        t.run_for(30_000);
        let (head, at) = (t.head(), leader_changes(&t)[0].0);
        t.seek(stopped_at).unwrap();
        t.skip_to(&kinds(&["leader_changed"]), MAX_RUN_MS).unwrap();
        assert_eq!(t.step_now(), at, "the same step the recorded run changed leader at");
        assert_eq!((t.head(), t.forks().len()), (head, 0), "no fork");
    }

    #[test]
    fn skip_to_stops_where_the_next_item_is_past_max_ms() {
        let (mut t, _) = leader_stopped();
        let now = t.world().now_ms();
        t.skip_to(&kinds(&["leader_changed"]), 1_000).unwrap();
        assert!(leader_changes(&t).is_empty(), "the session has not expired within a second");
        assert!(t.world().now_ms() <= now + 1_000);
        assert!(t.world().next_event_ms().unwrap() > now + 1_000);
    }

    #[test]
    fn skip_to_refuses_unknown_event_types_and_too_long_a_wait_without_a_step() {
        let (mut t, _) = leader_stopped();
        let step = t.step_now();
        let e = t.skip_to(&kinds(&["leader_changed", "leader_elected"]), 1_000).unwrap_err().to_string();
        assert!(e.contains("\"leader_elected\" is not an event type"), "{e}");
        let e = t.skip_to(&kinds(&["leader_changed"]), MAX_RUN_MS + 1).unwrap_err().to_string();
        assert!(e.contains("3600001 ms") && e.contains("3600000 ms"), "{e}");
        assert_eq!(t.step_now(), step);
    }

    #[test]
    fn every_event_names_its_json_type() {
        let (mut t, _) = leader_stopped();
        t.run_for(30_000);
        for r in t.trace() {
            let json = serde_json::to_value(r).unwrap();
            assert_eq!(json["type"], r.event.type_name());
            assert!(EVENT_TYPES.contains(&r.event.type_name()));
        }
    }
}
