//! The wasm-bindgen facade: a `Playground` holding one run (a `Timeline`: the world
//! at the current step, the log of what happened, snapshots to rewind by) behind an
//! opaque handle. What the page draws from (the view, events, metrics, polled records,
//! a record's bytes, the config) crosses as JavaScript values built by serde-wasm-bindgen:
//! the view so is faster to read than JSON text the page parses (0.26 against 0.45 ms for
//! a 5-broker view with a group, warm, measured under node; 6.6 KB more gzipped Wasm),
//! events as fast. What goes in (commands, configs) and the run's log (what a link and a
//! file carry) stay JSON text, read with the serde_json the engine has anyway: reading JS
//! objects with serde-wasm-bindgen cost another 14.6 KB of gzipped Wasm for no figure the
//! page feels. Every call that can fail returns a JS `Error` naming what was wrong and
//! leaves the run as it was.
//!
//! The trace the page sees is the run's trace up to the current step: after a seek
//! back it is shorter, so a page reading it by cursor (`events_since`) starts over
//! from `trace_len()` when the step moves other than forward.

use crate::config::WorldConfig;
use crate::timeline::{check_run_ms, Entry, Replay, Timeline};
use crate::trace::{Event, PolledRecord, TraceRecord};
use crate::view::view;
use crate::world::{Command, SimError};
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;

/// A JS `Error` (js-sys) saying what was wrong, with `field`: the argument or the part of the
/// input at fault ("command", "config", "seek", ...), so the page can point at it.
fn error(field: &str, msg: impl std::fmt::Display) -> JsValue {
    let e = js_sys::Error::new(&msg.to_string());
    set(&e, "field", field);
    e.into()
}

fn set(e: &js_sys::Error, key: &str, value: &str) {
    // Setting a property of a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(e, &JsValue::from_str(key), &JsValue::from_str(value));
}

/// A command the world refused: the `Error` also names the command (`command`: its `cmd`) and,
/// for a topic Kafka refuses, the exception Kafka throws (`kafka`: `InvalidTopicException`).
fn refused(cmd: &str, e: &SimError) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    set(&err, "field", "command");
    set(&err, "command", cmd);
    if let SimError::Topic(t) = e {
        set(&err, "kafka", t.parts().0);
    }
    err.into()
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // The engine's types serialize to JSON without fail (string keys, no NaN).
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// A value as the JavaScript JSON.parse would give it (maps as plain objects, `None` as
/// `null`, integers as numbers), except bytes: a `Uint8Array`.
fn to_js<T: serde::Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible().serialize_bytes_as_arrays(false))
        .map_err(|e| error("value", e))
}

fn parse_config(config_json: &str) -> Result<WorldConfig, JsValue> {
    let text = config_json.trim();
    if text.is_empty() {
        return Ok(WorldConfig::default());
    }
    serde_json::from_str(text).map_err(|e| error("config", format!("config is not valid: {e}")))
}

/// Checks a duration from JS. (The messages avoid formatting the f64 itself: float
/// formatting would add ~15 KB to the Wasm.)
fn whole_ms(name: &str, ms: f64) -> Result<u64, JsValue> {
    if !ms.is_finite() || ms < 0.0 || ms.fract() != 0.0 {
        return Err(error(
            name,
            format!("{name}: the duration must be a whole, non-negative number of milliseconds"),
        ));
    }
    check_run_ms(name, ms as u64).map_err(|e| error(name, e))
}

/// Checks a step number from JS (steps cross as plain numbers, not BigInt).
fn whole_step(name: &str, step: f64) -> Result<u64, JsValue> {
    if !step.is_finite() || step < 0.0 || step.fract() != 0.0 || step > 9_007_199_254_740_991.0 {
        return Err(error(name, format!("{name}: a step is a whole, non-negative number")));
    }
    Ok(step as u64)
}

#[wasm_bindgen]
pub struct Playground {
    run: Timeline,
}

impl Playground {
    /// The records of the current step's own events (not those of commands applied after it).
    fn records_of_current_step(&self) -> &[TraceRecord] {
        let trace = self.run.trace();
        let now = self.run.step_now();
        let from = trace.partition_point(|r| r.step < now);
        &trace[from..]
    }
}

#[wasm_bindgen]
impl Playground {
    /// Builds a world from a `WorldConfig` as JSON (`""` or `"{}"` for the defaults).
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> Result<Playground, JsValue> {
        console_error_panic_hook::set_once();
        let config = parse_config(config_json)?;
        let run = Timeline::new(config).map_err(|e| error("config", e))?;
        Ok(Playground { run })
    }

    /// Starts rebuilding a recorded run from its configuration, to be stepped on to `head` and
    /// shown at `step`: the `Opening` takes the run's log in parts (`feed`), then does the
    /// work a slice at a time (`advance`).
    pub fn open(config_json: &str, head: f64, step: f64) -> Result<Opening, JsValue> {
        console_error_panic_hook::set_once();
        let config = parse_config(config_json)?;
        let head = whole_step("head", head)?;
        let step = whole_step("step", step)?;
        Ok(Opening {
            start: Some((config, head, step)),
            log: Vec::new(),
            replay: None,
        })
    }

    /// Applies one `Command` given as JSON (`{"cmd":"produce", ...}`). At an earlier
    /// step than the run's last, this forks the run there: the old future is dropped.
    pub fn apply(&mut self, command_json: &str) -> Result<(), JsValue> {
        let cmd: Command = serde_json::from_str(command_json).map_err(|e| error("command", format!("command is not valid: {e}")))?;
        self.run.apply(cmd).map_err(|e| {
            let value: serde_json::Value = serde_json::from_str(command_json).unwrap_or_default();
            refused(value["cmd"].as_str().unwrap_or_default(), &e)
        })
    }

    /// Performs one step (along the recorded run when rewound); returns its trace
    /// records, or `undefined` when nothing is left to happen.
    pub fn step(&mut self) -> Result<Option<JsValue>, JsValue> {
        if !self.run.step() {
            return Ok(None);
        }
        to_js(self.records_of_current_step()).map(Some)
    }

    /// Steps until `ms` of virtual time passed; returns how many trace records exist now.
    /// When rewound, this forks the run at the current step.
    pub fn run_for(&mut self, ms: f64) -> Result<usize, JsValue> {
        let ms = whole_ms("run_for", ms)?;
        self.run.run_for(ms);
        Ok(self.run.trace().len())
    }

    /// Steps until only housekeeping is left, or `max_ms` of virtual time passed
    /// (along the recorded run when rewound: it adds nothing to the log).
    pub fn run_until_quiet(&mut self, max_ms: f64) -> Result<usize, JsValue> {
        let ms = whole_ms("run_until_quiet", max_ms)?;
        let deadline = self.run.world().now_ms().saturating_add(ms);
        loop {
            let w = self.run.world();
            if w.budget_exhausted() || w.is_quiet() || w.next_event_ms().is_none_or(|t| t > deadline) {
                break;
            }
            if !self.run.step() {
                break;
            }
        }
        Ok(self.run.trace().len())
    }

    /// Steps (like `step()`: along the recorded run when rewound, else forward, adding nothing
    /// to the log) until a step emits an event whose `type` is in `kinds_json` (a JSON list of
    /// names, e.g. `["leader_changed"]`), the next queued item is later than now + `max_ms`, or
    /// nothing is left. Returns the number of steps taken.
    pub fn skip_to(&mut self, kinds_json: &str, max_ms: f64) -> Result<f64, JsValue> {
        let kinds: Vec<String> =
            serde_json::from_str(kinds_json).map_err(|e| error("skip_to", format!("skip_to: the event types must be a JSON list of names: {e}")))?;
        let max_ms = whole_ms("skip_to", max_ms)?;
        self.run.skip_to(&kinds, max_ms).map(|n| n as f64).map_err(|e| error("skip_to", e))
    }

    /// Goes to any step of the recorded run (0 ..= `head()`).
    pub fn seek(&mut self, step: f64) -> Result<(), JsValue> {
        let step = whole_step("seek", step)?;
        self.run.seek(step).map_err(|e| error("seek", e))
    }

    /// The current step.
    pub fn step_now(&self) -> f64 {
        self.run.step_now() as f64
    }

    /// The last step recorded: how far the run goes.
    pub fn head(&self) -> f64 {
        self.run.head() as f64
    }

    /// The steps where the run was forked.
    pub fn forks(&self) -> Result<JsValue, JsValue> {
        to_js(self.run.forks())
    }

    /// The run's entry log as JSON: `[[step, {"command": {...}} | {"clock": ms}], ...]`;
    /// with `config()` and `head()` it is the whole run (`Playground.replay` rebuilds it).
    pub fn log_json(&self) -> String {
        to_json(self.run.log())
    }

    /// The log's entries from index `from` on, as `log_json()` writes them: what a page that
    /// keeps the log's text needs after new entries.
    pub fn log_json_since(&self, from: usize) -> Result<String, JsValue> {
        let log = self.run.log();
        match log.get(from..) {
            Some(entries) => Ok(to_json(entries)),
            None => Err(error(
                "log_json_since",
                format!("log_json_since: the log has {} entries, not {from}", log.len()),
            )),
        }
    }

    /// How many entries the log holds: with `forks()`, says whether `log_json()` changed.
    pub fn log_len(&self) -> usize {
        self.run.log().len()
    }

    /// The drawing snapshot (`kafkascope::view::View`) at the current step.
    pub fn view(&self) -> Result<JsValue, JsValue> {
        let mut v = view(self.run.world());
        v.trace_len = self.run.trace().len();
        to_js(&v)
    }

    /// One stored record's key and value bytes, with Confluent's framing taken apart where the
    /// registry knows the schema id (`kafkascope::view::RecordBytes`). `cluster` is the
    /// broker's cluster (its index), as broker ids repeat across clusters.
    pub fn record_bytes(&self, cluster: u32, broker: u32, topic: &str, partition: u32, offset: f64) -> Result<JsValue, JsValue> {
        let offset = whole_step("offset", offset)?;
        to_js(&crate::view::record_bytes(self.run.world(), cluster as usize, broker, topic, partition, offset).map_err(|e| error("record_bytes", e))?)
    }

    /// Kafka's metrics at the current step (`kafkascope::metrics::Metrics`: per broker, per
    /// cluster, per consumer, under Kafka's own names).
    pub fn metrics(&self) -> Result<JsValue, JsValue> {
        to_js(&crate::metrics::metrics(self.run.world(), self.run.trace()))
    }

    /// Trace records from index `cursor` on (of the trace up to the current step).
    pub fn events_since(&self, cursor: usize) -> Result<JsValue, JsValue> {
        let trace = self.run.trace();
        if cursor > trace.len() {
            let len = trace.len();
            return Err(error(
                "events_since",
                format!("events_since: cursor {cursor} is past the end of the trace ({len} records)"),
            ));
        }
        to_js(&trace[cursor..])
    }

    /// How many trace records exist up to the current step.
    pub fn trace_len(&self) -> usize {
        self.run.trace().len()
    }

    /// Each consumer's last `kept` polled records up to the current step,
    /// `{consumer: [record, ...]}` (oldest first), read from the trace.
    pub fn polled(&self, kept: usize) -> Result<JsValue, JsValue> {
        let mut out: BTreeMap<&str, Vec<&PolledRecord>> = BTreeMap::new();
        // Read from the end, and only as far back as needed: once every consumer of the world
        // (they are never removed) has `kept` records, the rest of a long trace changes nothing.
        let consumers = self.run.world().consumers.len();
        let mut full = 0;
        for r in self.run.trace().iter().rev() {
            if full == consumers {
                break;
            }
            if let Event::RecordsPolled { consumer, records } = &r.event {
                let have = out.entry(&**consumer).or_default();
                if have.len() == kept {
                    continue;
                }
                have.extend(records.iter().rev().take(kept - have.len()));
                if have.len() == kept {
                    full += 1;
                }
            }
        }
        for v in out.values_mut() {
            v.reverse();
        }
        out.retain(|_, v| !v.is_empty());
        to_js(&out)
    }

    /// The configuration the run was built with.
    pub fn config(&self) -> Result<JsValue, JsValue> {
        to_js(self.run.config())
    }

    /// Starts over: from a new config if one is given, else from the current one.
    /// On error the current run stays.
    pub fn reset(&mut self, config_json: Option<String>) -> Result<(), JsValue> {
        let config = match config_json {
            Some(text) => parse_config(&text)?,
            None => self.run.config().clone(),
        };
        self.run = Timeline::new(config).map_err(|e| error("config", e))?;
        Ok(())
    }
}

/// A recorded run being rebuilt (`timeline::Replay`) a part at a time, so that the page can
/// draw in between: its log read in parts (`feed`), then `advance` until it says done, then
/// `finish` for the `Playground`. However it is cut, the run is the same.
#[wasm_bindgen]
pub struct Opening {
    /// The configuration, last step and step shown, until the replay starts.
    start: Option<(WorldConfig, u64, u64)>,
    /// The log's entries read so far.
    log: Vec<(u64, Entry)>,
    /// From the first `advance` until `finish` hands the run over.
    replay: Option<Replay>,
}

#[wasm_bindgen]
impl Opening {
    /// The next entries of the run's log, in `log_json()`'s shape
    /// (`[[step, {"command": {...}} | {"clock": ms}], ...]`); only before the first `advance`.
    pub fn feed(&mut self, entries_json: &str) -> Result<(), JsValue> {
        if self.start.is_none() {
            return Err(error("log", "the run's log was already read: it is being replayed"));
        }
        let entries: Vec<(u64, Entry)> =
            serde_json::from_str(entries_json).map_err(|e| error("log", format!("the run's log is not valid (from entry {}): {e}", self.log.len() + 1)))?;
        self.log.extend(entries);
        Ok(())
    }

    fn replay(&mut self) -> Result<&mut Replay, JsValue> {
        if let Some((config, head, step)) = self.start.take() {
            let log = std::mem::take(&mut self.log);
            self.replay = Some(Replay::new(config, log, head, step).map_err(|e| error("log", e))?);
        }
        self.replay.as_mut().ok_or_else(|| error("open", "this run was already opened"))
    }

    /// Takes at most `steps` steps; true once the run reached its last step. An error says
    /// which entry of the log could not be replayed, and why.
    pub fn advance(&mut self, steps: f64) -> Result<bool, JsValue> {
        let steps = whole_step("steps", steps)?;
        self.replay()?.advance(steps).map_err(|e| error("log", e))
    }

    /// The step the rebuilt run has reached, of `head()`.
    pub fn steps_done(&self) -> f64 {
        self.replay.as_ref().map_or(0.0, |r| r.steps_done() as f64)
    }

    pub fn head(&self) -> f64 {
        match (&self.start, &self.replay) {
            (Some((_, head, _)), _) => *head as f64,
            (None, Some(r)) => r.head() as f64,
            (None, None) => 0.0,
        }
    }

    /// The rebuilt run at the step asked for, once `advance` said it is done.
    pub fn finish(&mut self) -> Result<Playground, JsValue> {
        // Not done yet: an error, and the opening goes on as it was.
        if !self.replay()?.advance(0).map_err(|e| error("log", e))? {
            return Err(error("open", "the run is not rebuilt to its last step yet"));
        }
        let replay = self.replay.take().ok_or_else(|| error("open", "this run was already opened"))?;
        let run = replay.finish().map_err(|e| error("log", e))?;
        Ok(Playground { run })
    }
}

/// The partition Kafka's default partitioner picks for a UTF-8 key among `num_partitions`.
#[wasm_bindgen]
pub fn partition_for_key(key: &str, num_partitions: u32) -> Result<u32, JsValue> {
    if num_partitions == 0 {
        return Err(error("num_partitions", "partition_for_key: a topic has at least 1 partition"));
    }
    Ok(crate::partitioner::partition_for_key(key.as_bytes(), num_partitions))
}

/// Whether this build has Avro (the `avro` feature): the page asks which of its two builds it runs.
#[wasm_bindgen]
pub fn has_avro() -> bool {
    cfg!(feature = "avro")
}
