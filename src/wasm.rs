//! The wasm-bindgen facade: a `Playground` holding one World behind an opaque
//! handle. Values cross as JSON strings (serde_json is already in the engine, so
//! this adds nothing to the Wasm); the page parses them. Every call that can fail
//! returns a JS `Error` naming what was wrong and leaves the world as it was.

use crate::config::WorldConfig;
use crate::view::view;
use crate::world::{Command, World};
use wasm_bindgen::prelude::*;

/// The most virtual time one `run_for` may cover (an hour), so a typo cannot freeze the page.
const MAX_RUN_MS: u64 = 3_600_000;

fn error(msg: impl std::fmt::Display) -> JsError {
    JsError::new(&msg.to_string())
}

fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // The engine's types serialize to JSON without fail (string keys, no NaN).
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

fn parse_config(config_json: &str) -> Result<WorldConfig, JsError> {
    let text = config_json.trim();
    if text.is_empty() {
        return Ok(WorldConfig::default());
    }
    serde_json::from_str(text).map_err(|e| error(format!("config is not valid: {e}")))
}

/// Checks a duration from JS. (The messages avoid formatting the f64 itself: float
/// formatting would add ~15 KB to the Wasm.)
fn whole_ms(name: &str, ms: f64) -> Result<u64, JsError> {
    if !ms.is_finite() || ms < 0.0 || ms.fract() != 0.0 {
        return Err(error(format!("{name}: the duration must be a whole, non-negative number of milliseconds")));
    }
    if ms > MAX_RUN_MS as f64 {
        return Err(error(format!("{name}: {} ms is more than the playground runs at once ({MAX_RUN_MS} ms)", ms as u64)));
    }
    Ok(ms as u64)
}

#[wasm_bindgen]
pub struct Playground {
    world: World,
}

#[wasm_bindgen]
impl Playground {
    /// Builds a world from a `WorldConfig` as JSON (`""` or `"{}"` for the defaults).
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> Result<Playground, JsError> {
        console_error_panic_hook::set_once();
        let config = parse_config(config_json)?;
        let world = World::new(config).map_err(error)?;
        Ok(Playground { world })
    }

    /// Applies one `Command` given as JSON (`{"cmd":"produce", ...}`).
    pub fn apply(&mut self, command_json: &str) -> Result<(), JsError> {
        let cmd: Command = serde_json::from_str(command_json).map_err(|e| error(format!("command is not valid: {e}")))?;
        self.world.apply(cmd).map_err(|e| error(e.to_string()))
    }

    /// Performs one step; returns its trace records as a JSON array, or `undefined`
    /// when nothing is left to happen.
    pub fn step(&mut self) -> Option<String> {
        self.world.step().map(to_json)
    }

    /// Steps until `ms` of virtual time passed; returns how many trace records exist now.
    pub fn run_for(&mut self, ms: f64) -> Result<usize, JsError> {
        let ms = whole_ms("run_for", ms)?;
        self.world.run_for(ms);
        Ok(self.world.trace.len())
    }

    /// Steps until only housekeeping is left, or `max_ms` of virtual time passed.
    pub fn run_until_quiet(&mut self, max_ms: f64) -> Result<usize, JsError> {
        let ms = whole_ms("run_until_quiet", max_ms)?;
        self.world.run_until_quiet(ms);
        Ok(self.world.trace.len())
    }

    /// The drawing snapshot (`kafkascope::view::View`) as JSON.
    pub fn view(&self) -> String {
        to_json(&view(&self.world))
    }

    /// Trace records from index `cursor` on, as a JSON array.
    pub fn events_since(&self, cursor: usize) -> Result<String, JsError> {
        let trace = &self.world.trace;
        if cursor > trace.len() {
            return Err(error(format!("events_since: cursor {cursor} is past the end of the trace ({} records)", trace.len())));
        }
        Ok(to_json(&trace[cursor..]))
    }

    /// How many trace records exist.
    pub fn trace_len(&self) -> usize {
        self.world.trace.len()
    }

    /// The run's command log as JSON: `[[step, command], ...]`.
    pub fn commands(&self) -> String {
        to_json(&self.world.commands)
    }

    /// The configuration the world was built with, as JSON.
    pub fn config(&self) -> String {
        to_json(&self.world.config)
    }

    /// Starts over: from a new config if one is given, else from the current one.
    /// On error the current world stays.
    pub fn reset(&mut self, config_json: Option<String>) -> Result<(), JsError> {
        let config = match config_json {
            Some(text) => parse_config(&text)?,
            None => self.world.config.clone(),
        };
        self.world = World::new(config).map_err(error)?;
        Ok(())
    }
}

/// The partition Kafka's default partitioner picks for a UTF-8 key among `num_partitions`.
#[wasm_bindgen]
pub fn partition_for_key(key: &str, num_partitions: u32) -> Result<u32, JsError> {
    if num_partitions == 0 {
        return Err(error("partition_for_key: a topic has at least 1 partition"));
    }
    Ok(crate::partitioner::partition_for_key(key.as_bytes(), num_partitions))
}
