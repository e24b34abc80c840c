//! Rewind and fork: a run kept as its configuration plus a log of what happened
//! between steps (commands, and time passing), with snapshots every few steps.
//! Going to any step restores the nearest snapshot at or before it and replays;
//! acting at an earlier step forks the run there, dropping the old future.

use crate::config::WorldConfig;
use crate::trace::TraceRecord;
use crate::world::{Command, SimError, World};
use serde::{Deserialize, Serialize};

/// What happened between two steps, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    Command(Command),
    /// Virtual time passed to this instant with nothing to do (a "run for" past the last event).
    Clock(u64),
}

/// Snapshots are this many steps apart unless chosen otherwise.
pub const DEFAULT_STRIDE: u64 = 1_000;

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
        while self.world.sched.next_time_ms().is_some_and(|t| t <= time_ms) {
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

    /// A person's action at the current step; at an earlier step it forks the run there.
    pub fn apply(&mut self, cmd: Command) -> Result<(), SimError> {
        let at = self.world.step;
        self.world.apply(cmd.clone())?;
        self.truncate_future();
        self.log.push((at, Entry::Command(cmd)));
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
                Entry::Command(c) => self.world.apply(c).expect("a logged command applied once, and replays identically"),
                Entry::Clock(t) => self.world.advance_clock(t),
            }
        }
        self.world.trace.clear();
    }
}
