//! Rebuilding a recorded run (a link) a slice at a time: the page opens a 100 000-step run
//! between frames instead of in one long task. The result is the same run however it is sliced.

use super::{check_run_ms, refused, Entry, Timeline, MAX_REPLAY_STEPS};
use crate::config::WorldConfig;
use crate::world::SimError;
use std::iter::{Enumerate, Peekable};
use std::vec::IntoIter;

pub struct Replay {
    run: Timeline,
    /// The log's entries not applied yet, numbered from 0 (errors count them from 1).
    entries: Peekable<Enumerate<IntoIter<(u64, Entry)>>>,
    head: u64,
    step: u64,
}

impl Replay {
    /// Checks the run's length against `MAX_REPLAY_STEPS` and its last entry before any step.
    pub fn new(config: WorldConfig, log: Vec<(u64, Entry)>, head: u64, step: u64) -> Result<Replay, SimError> {
        if head > MAX_REPLAY_STEPS || log.last().is_some_and(|(at, _)| *at > head) {
            let last = log.last().map_or(0, |(at, _)| *at);
            return refused(format!(
                "the run's last step ({head}) must be at or after its last entry (step {last}) and at most {MAX_REPLAY_STEPS}"
            ));
        }
        Ok(Replay {
            run: Timeline::new(config)?,
            entries: log.into_iter().enumerate().peekable(),
            head,
            step,
        })
    }

    /// The step the rebuilt run has reached.
    pub fn steps_done(&self) -> u64 {
        self.run.step_now()
    }

    /// The step the run is rebuilt to.
    pub fn head(&self) -> u64 {
        self.head
    }

    /// Takes at most `budget` steps, applying the log's entries where they happened. Returns
    /// true once the run stands at `head` with every entry applied; an error names the entry
    /// that could not be replayed, and why.
    pub fn advance(&mut self, budget: u64) -> Result<bool, SimError> {
        let mut taken = 0;
        loop {
            let now = self.run.step_now();
            if let Some((i, (at, entry))) = self.entries.next_if(|(_, (at, _))| *at == now) {
                self.apply(i + 1, at, entry)?;
                continue;
            }
            let target = match self.entries.peek() {
                Some((i, (at, _))) if *at < now => {
                    return refused(format!("entry {} of the log is at step {at}, before the entry ahead of it (step {now})", i + 1));
                }
                Some((i, (at, _))) => (*at, format!("entry {} of the log", i + 1)),
                None if self.head < now => {
                    return refused(format!("the run's last step ({}) is before its last entry (step {now})", self.head));
                }
                None if self.head == now => return Ok(true),
                None => (self.head, "the run's last step".to_string()),
            };
            if taken == budget {
                return Ok(false);
            }
            if !self.run.step() {
                let (to, what) = target;
                return refused(format!(
                    "{what} is at step {to}, but the run has nothing left to do after step {}",
                    self.run.step_now()
                ));
            }
            taken += 1;
        }
    }

    fn apply(&mut self, n: usize, at: u64, entry: Entry) -> Result<(), SimError> {
        match entry {
            Entry::Command(cmd) => self
                .run
                .apply(*cmd)
                .map_err(|e| SimError::Invalid(format!("entry {n} of the log (step {at}) is refused: {e}"))),
            Entry::Clock(t) => {
                let now = self.run.world().now_ms();
                if t < now {
                    return refused(format!("entry {n} of the log (step {at}) moves the clock back to {t} ms"));
                }
                check_run_ms(&format!("entry {n} of the log (step {at}): the clock jump to {t} ms"), t - now)?;
                // A recorded jump passes no event: the run stepped through them before it.
                if self.run.world().next_event_ms().is_some_and(|next| next <= t) {
                    return refused(format!("entry {n} of the log (step {at}) lets time pass over events that were still due"));
                }
                self.run.run_until(t);
                Ok(())
            }
        }
    }

    /// The rebuilt run, shown at the step asked for; only once `advance` said it is done.
    pub fn finish(mut self) -> Result<Timeline, SimError> {
        if self.entries.peek().is_some() || self.run.step_now() != self.head {
            return refused(format!("the run is rebuilt to step {} of {}: not done yet", self.run.step_now(), self.head));
        }
        if self.step > self.head {
            return refused(format!("step {} is past the run's last step ({})", self.step, self.head));
        }
        self.run.seek(self.step)?;
        Ok(self.run)
    }
}
