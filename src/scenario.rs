//! Scenario files: a configuration and a list of timed commands, the one format
//! the CLI, the tests and the page read and write.

use crate::config::WorldConfig;
use crate::world::{Command, World};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Scenario-only instructions: let virtual time pass.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "cmd", rename_all = "snake_case", deny_unknown_fields)]
pub enum Run {
    RunFor { ms: u64 },
    RunUntil { time_ms: u64 },
    RunUntilQuiet { max_ms: u64 },
}

#[derive(Clone, Debug, PartialEq)]
pub enum ScenarioStep {
    Run(Run),
    Command(Command),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub config: WorldConfig,
    pub steps: Vec<ScenarioStep>,
}

/// The longest a scenario may ask virtual time to run: a day.
const MAX_RUN_MS: u64 = 86_400_000;

impl Scenario {
    /// Parses a scenario; errors name the field or the command at fault.
    pub fn parse(text: &str) -> Result<Scenario, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        let obj = v.as_object().ok_or("a scenario is a JSON object with \"config\" and \"commands\"")?;
        for k in obj.keys() {
            if !["name", "description", "config", "seed", "commands"].contains(&k.as_str()) {
                return Err(format!("unknown field \"{k}\" (expected name, description, config, seed, commands)"));
            }
        }
        let mut config: WorldConfig = match obj.get("config") {
            Some(c) => serde_json::from_value(c.clone()).map_err(|e| format!("config: {e}"))?,
            None => WorldConfig::default(),
        };
        if let Some(seed) = obj.get("seed") {
            config.seed = seed.as_u64().ok_or("seed: expected a non-negative integer")?;
        }
        let name = obj.get("name").and_then(Value::as_str).unwrap_or("scenario").to_string();
        let list = match obj.get("commands") {
            None => Vec::new(),
            Some(Value::Array(a)) => a.clone(),
            Some(_) => return Err("commands: expected a list".into()),
        };
        let mut steps = Vec::with_capacity(list.len());
        for (i, c) in list.into_iter().enumerate() {
            let cmd = c.get("cmd").and_then(Value::as_str).map(str::to_string).ok_or_else(|| format!("commands[{i}]: missing \"cmd\""))?;
            let step = if cmd.starts_with("run_") {
                let r: Run = serde_json::from_value(c).map_err(|e| format!("commands[{i}] ({cmd}): {e}"))?;
                let ms = match r {
                    Run::RunFor { ms } => ms,
                    Run::RunUntil { time_ms } => time_ms,
                    Run::RunUntilQuiet { max_ms } => max_ms,
                };
                if ms > MAX_RUN_MS {
                    return Err(format!("commands[{i}] ({cmd}): at most {MAX_RUN_MS} ms of virtual time"));
                }
                ScenarioStep::Run(r)
            } else {
                ScenarioStep::Command(serde_json::from_value(c).map_err(|e| format!("commands[{i}] ({cmd}): {e}"))?)
            };
            steps.push(step);
        }
        Ok(Scenario { name, config, steps })
    }

    /// The scenario file, as `parse` reads it.
    pub fn to_json(&self) -> String {
        let commands: Vec<serde_json::Value> = self
            .steps
            .iter()
            .map(|s| match s {
                ScenarioStep::Run(r) => serde_json::to_value(r),
                ScenarioStep::Command(c) => serde_json::to_value(c),
            })
            .collect::<Result<_, _>>()
            .expect("steps serialize");
        let v = serde_json::json!({ "name": self.name, "config": self.config, "commands": commands });
        serde_json::to_string_pretty(&v).expect("scenario serializes")
    }

    /// Builds the world and plays every step; a command the world refuses stops the run with its index.
    pub fn run(&self) -> Result<World, String> {
        self.run_with_budget(None)
    }

    /// As `run`, stepping at most `step_budget` times in all.
    pub fn run_with_budget(&self, step_budget: Option<u64>) -> Result<World, String> {
        let mut w = World::new(self.config.clone()).map_err(|e| e.to_string())?;
        w.step_budget = step_budget;
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                ScenarioStep::Run(Run::RunFor { ms }) => w.run_for(*ms),
                ScenarioStep::Run(Run::RunUntil { time_ms }) => w.run_until(*time_ms),
                ScenarioStep::Run(Run::RunUntilQuiet { max_ms }) => w.run_until_quiet(*max_ms),
                ScenarioStep::Command(c) => w.apply(c.clone()).map_err(|e| format!("commands[{i}]: {e}"))?,
            }
        }
        Ok(w)
    }
}
