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
    /// A command Kafka refuses, to show the refusal: the run goes on only if it is refused
    /// with an error containing `contains` (and then the world is unchanged).
    ExpectError {
        command: Command,
        contains: String,
    },
}

/// A text in the page's languages: English, Korean or both (a lesson written in the page
/// may have only one; the shipped lessons have both, which tests/guided.rs checks).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub en: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ko: String,
}

impl Text {
    fn is_blank(&self) -> bool {
        self.en.trim().is_empty() && self.ko.trim().is_empty()
    }
}

/// A "what happens next?" question, asked before the command at index `at` runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub at: usize,
    pub question: Text,
    pub choices: Vec<Text>,
    pub answer: usize,
    pub explain: Text,
}

/// A note the page shows when the command at index `at` is about to run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    pub at: usize,
    #[serde(flatten)]
    pub text: Text,
}

/// What makes a scenario a guided lesson: its title, its goal, and its narration and questions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guide {
    pub title: Text,
    #[serde(default)]
    pub goal: Text,
    #[serde(default)]
    pub notes: Vec<Note>,
    #[serde(default)]
    pub questions: Vec<Question>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub config: WorldConfig,
    pub steps: Vec<ScenarioStep>,
    pub guide: Option<Guide>,
}

/// The longest a scenario may ask virtual time to run: a day.
const MAX_RUN_MS: u64 = 86_400_000;

impl Scenario {
    /// Parses a scenario; errors name the field or the command at fault.
    pub fn parse(text: &str) -> Result<Scenario, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        let obj = v.as_object().ok_or("a scenario is a JSON object with \"config\" and \"commands\"")?;
        for k in obj.keys() {
            if !["name", "description", "config", "seed", "commands", "guide"].contains(&k.as_str()) {
                return Err(format!("unknown field \"{k}\" (expected name, description, config, seed, commands, guide)"));
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
            let cmd = c
                .get("cmd")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| format!("commands[{i}]: missing \"cmd\""))?;
            let step = if cmd.starts_with("run_") {
                let r: Run = serde_json::from_value(c).map_err(|e| format!("commands[{i}] ({cmd}): {e}"))?;
                let ms = match r {
                    Run::RunFor { ms } => ms,
                    Run::RunUntil { time_ms } => time_ms,
                    Run::RunUntilQuiet { max_ms } => max_ms,
                };
                if ms > MAX_RUN_MS {
                    return Err(format!(
                        "commands[{i}] ({cmd}): {ms} ms is more than the limit, at most {MAX_RUN_MS} ms of virtual time"
                    ));
                }
                ScenarioStep::Run(r)
            } else if cmd == "expect_error" {
                let contains = c
                    .get("contains")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("commands[{i}] (expect_error): missing \"contains\""))?
                    .to_string();
                let inner = c
                    .get("command")
                    .cloned()
                    .ok_or_else(|| format!("commands[{i}] (expect_error): missing \"command\""))?;
                if c.as_object().is_some_and(|o| o.len() != 3) {
                    return Err(format!("commands[{i}] (expect_error): takes only \"command\" and \"contains\""));
                }
                let command = serde_json::from_value(inner).map_err(|e| format!("commands[{i}] (expect_error): command: {e}"))?;
                ScenarioStep::ExpectError { command, contains }
            } else {
                ScenarioStep::Command(serde_json::from_value(c).map_err(|e| format!("commands[{i}] ({cmd}): {e}"))?)
            };
            steps.push(step);
        }
        let guide: Option<Guide> = match obj.get("guide") {
            None => None,
            Some(g) => Some(serde_json::from_value(g.clone()).map_err(|e| format!("guide: {e}"))?),
        };
        if let Some(g) = &guide {
            let blank = |t: &Text, what: String| {
                if t.is_blank() {
                    Err(format!("{what}: needs a text in \"en\" or \"ko\""))
                } else {
                    Ok(())
                }
            };
            blank(&g.title, "guide.title".into())?;
            for (i, n) in g.notes.iter().enumerate() {
                blank(&n.text, format!("guide.notes[{i}]"))?;
            }
            for (i, q) in g.questions.iter().enumerate() {
                blank(&q.question, format!("guide.questions[{i}].question"))?;
                blank(&q.explain, format!("guide.questions[{i}].explain"))?;
                for (k, c) in q.choices.iter().enumerate() {
                    blank(c, format!("guide.questions[{i}].choices[{k}]"))?;
                }
            }
            for (i, q) in g.questions.iter().enumerate() {
                if q.at > steps.len() {
                    return Err(format!("guide.questions[{i}].at: {} is past the last command ({})", q.at, steps.len()));
                }
                if q.choices.len() < 2 || q.answer >= q.choices.len() {
                    return Err(format!("guide.questions[{i}]: needs at least two choices and an answer among them"));
                }
            }
            if let Some((i, n)) = g.notes.iter().enumerate().find(|(_, n)| n.at > steps.len()) {
                return Err(format!("guide.notes[{i}].at: {} is past the last command ({})", n.at, steps.len()));
            }
        }
        Ok(Scenario { name, config, steps, guide })
    }

    /// The scenario file, as `parse` reads it.
    pub fn to_json(&self) -> String {
        let commands: Vec<serde_json::Value> = self
            .steps
            .iter()
            .map(|s| match s {
                ScenarioStep::Run(r) => serde_json::to_value(r),
                ScenarioStep::Command(c) => serde_json::to_value(c),
                ScenarioStep::ExpectError { command, contains } => {
                    serde_json::to_value(command).map(|c| serde_json::json!({"cmd": "expect_error", "command": c, "contains": contains}))
                }
            })
            .collect::<Result<_, _>>()
            .expect("steps serialize");
        let mut v = serde_json::json!({ "name": self.name, "config": self.config, "commands": commands });
        if let Some(g) = &self.guide {
            v["guide"] = serde_json::to_value(g).expect("guide serializes");
        }
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
            play(&mut w, step).map_err(|e| format!("commands[{i}]: {e}"))?;
        }
        Ok(w)
    }
}

/// Plays one step on a world: lets time pass, or applies a command (an `expect_error` one
/// must be refused with its words, and then changes nothing).
pub fn play(w: &mut World, step: &ScenarioStep) -> Result<(), String> {
    match step {
        ScenarioStep::Run(Run::RunFor { ms }) => w.run_for(*ms),
        ScenarioStep::Run(Run::RunUntil { time_ms }) => w.run_until(*time_ms),
        ScenarioStep::Run(Run::RunUntilQuiet { max_ms }) => w.run_until_quiet(*max_ms),
        ScenarioStep::Command(c) => w.apply(c.clone()).map_err(|e| e.to_string())?,
        ScenarioStep::ExpectError { command, contains } => match w.apply(command.clone()) {
            Err(e) if e.to_string().contains(contains.as_str()) => {}
            Err(e) => return Err(format!("refused, but with \"{e}\" instead of an error containing \"{contains}\"")),
            Ok(()) => return Err(format!("expected an error containing \"{contains}\", but the command was accepted")),
        },
    }
    Ok(())
}
