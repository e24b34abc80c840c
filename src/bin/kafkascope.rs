//! The `kafkascope` command line: run scenarios, and ask Kafka's partitioner.

use kafkascope::partitioner::{murmur2, partition_for_key};
use kafkascope::scenario::Scenario;
use kafkascope::serialization::decode_hex;
use std::io::{BufRead, Write};
use std::process::ExitCode;

const USAGE: &str = r#"usage:
  kafkascope run FILE                          run a scenario, print the trace as JSON lines, then the final state
  kafkascope partition --partitions N [--hex] [KEY...]
                                               the partition Kafka's default partitioner picks for each key
                                               (keys from the arguments, else one per line on standard input)
  kafkascope assign --strategy NAME            read {"topics": {...}, "members": [...]} on standard input and print
                                               the assignment Kafka's assignor NAME gives (range, roundrobin,
                                               sticky, cooperative-sticky)
  kafkascope schema check --level LEVEL EARLIER.avsc... NEW.avsc
                                               prints "compatible" or "incompatible: JAVA_TYPE at PATH: REASON"
                                               (earlier schemas oldest first; the check is Java Avro's SchemaCompatibility)
  kafkascope schema encode --schema FILE --id N
                                               reads one JSON record per line and prints its wire-format bytes as hex
  kafkascope check --seeds N --profile safe|acks1|unclean [--metadata zookeeper|kraft] [--start SEED]
                                               N seeded fault runs, each checked for broken guarantees; a failing
                                               seed prints its report and a shrunk scenario; ends "N runs, V violations""#;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("partition") => partition(&args[1..]),
        Some("assign") => assign(&args[1..]),
        Some("check") => check(&args[1..]),
        Some("schema") => schema(&args[1..]),
        Some("-h") | Some("--help") | Some("help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command \"{other}\"\n{USAGE}")),
        None => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kafkascope: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let [file] = args else { return Err(format!("run takes one FILE\n{USAGE}")) };
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let scenario = Scenario::parse(&text).map_err(|e| format!("{file}: {e}"))?;
    let world = scenario.run().map_err(|e| format!("{file}: {e}"))?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for r in &world.trace {
        writeln!(out, "{}", serde_json::to_string(r).expect("trace serializes")).map_err(|e| e.to_string())?;
    }
    let state = serde_json::json!({ "final_state": kafkascope::view::view(&world) });
    writeln!(out, "{state}").map_err(|e| e.to_string())?;
    Ok(())
}

fn partition(args: &[String]) -> Result<(), String> {
    let mut partitions: Option<u32> = None;
    let mut hex = false;
    let mut keys = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--partitions" => {
                let n = it.next().ok_or("--partitions needs a number")?;
                partitions = Some(n.parse().map_err(|_| format!("--partitions: \"{n}\" is not a positive whole number"))?);
            }
            "--hex" => hex = true,
            _ => keys.push(a.clone()),
        }
    }
    let n = partitions.ok_or("--partitions N is required")?;
    if n == 0 {
        return Err("--partitions must be at least 1".into());
    }
    if keys.is_empty() {
        for line in std::io::stdin().lock().lines() {
            keys.push(line.map_err(|e| format!("standard input: {e}"))?);
        }
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for k in keys {
        let bytes = if hex {
            decode_hex(&k).map_err(|e| format!("key {e}"))?
        } else {
            k.clone().into_bytes()
        };
        writeln!(out, "{k}\t{}\t{}", partition_for_key(&bytes, n), murmur2(&bytes)).map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignInput {
    topics: std::collections::BTreeMap<String, u32>,
    members: Vec<AssignMember>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignMember {
    id: String,
    topics: Vec<String>,
    #[serde(default)]
    owned: std::collections::BTreeMap<String, Vec<u32>>,
    #[serde(default)]
    generation: Option<i32>,
}

fn assign(args: &[String]) -> Result<(), String> {
    let strategy = match args {
        [flag, name] if flag == "--strategy" => kafkascope::assignor::Strategy::from_name(name).map_err(|e| e.to_string())?,
        _ => return Err(format!("assign takes --strategy NAME\n{USAGE}")),
    };
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut text).map_err(|e| format!("standard input: {e}"))?;
    let input: AssignInput = serde_json::from_str(&text).map_err(|e| format!("standard input: {e}"))?;
    let members: Vec<kafkascope::assignor::Subscription> = input
        .members
        .into_iter()
        .map(|m| kafkascope::assignor::Subscription {
            member_id: m.id,
            topics: m.topics,
            owned: m.owned,
            generation: m.generation,
        })
        .collect();
    let result = kafkascope::assignor::assign(strategy, &input.topics, &members).map_err(|e| e.to_string())?;
    println!("{}", serde_json::to_string(&result).expect("assignment serializes"));
    Ok(())
}

fn check(args: &[String]) -> Result<(), String> {
    let (mut seeds, mut profile, mut start) = (None, None, 0u64);
    let mut metadata = kafkascope::config::MetadataMode::Zookeeper;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--seeds" => seeds = Some(value("--seeds")?.parse::<u64>().map_err(|_| "--seeds: expected a whole number".to_string())?),
            "--profile" => profile = Some(kafkascope::check::Profile::from_name(&value("--profile")?)?),
            "--start" => start = value("--start")?.parse().map_err(|_| "--start: expected a whole number".to_string())?,
            "--metadata" => {
                metadata = match value("--metadata")?.as_str() {
                    "zookeeper" => kafkascope::config::MetadataMode::Zookeeper,
                    "kraft" => kafkascope::config::MetadataMode::Kraft,
                    other => return Err(format!("--metadata: unknown mode \"{other}\" (zookeeper, kraft)")),
                }
            }
            other => return Err(format!("check: unknown argument \"{other}\"\n{USAGE}")),
        }
    }
    let (seeds, profile) = (seeds.ok_or("--seeds N is required")?, profile.ok_or("--profile is required")?);
    let mut violations = 0;
    for seed in start..start + seeds {
        // The plan is written while it plays: its world is the run.
        let (_, world) = kafkascope::check::fault_run_played(seed, profile, metadata);
        let found = kafkascope::check::check(&world);
        if found.is_empty() {
            continue;
        }
        violations += found.len();
        println!("seed {seed}: {} violation(s); the first: {}", found.len(), found[0]);
        let shrunk = kafkascope::check::shrink(seed, profile, metadata, found[0].kind(), 60);
        println!("replay it with `kafkascope run FILE`, FILE holding:\n{}", shrunk.to_json());
    }
    println!("{seeds} runs, {violations} violations");
    Ok(())
}

fn read_schema(file: &str) -> Result<kafkascope::client::avro::Schema, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    kafkascope::client::avro::parse(&text).map_err(|e| format!("{file}: {e}"))
}

fn schema(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("check") => {
            let (level, files) = match &args[1..] {
                [flag, level, files @ ..] if flag == "--level" && files.len() >= 2 => (kafkascope::schema_registry::Compatibility::from_name(level)?, files),
                _ => return Err(format!("schema check takes --level LEVEL and at least two schema files\n{USAGE}")),
            };
            let schemas = files.iter().map(|f| read_schema(f)).collect::<Result<Vec<_>, _>>()?;
            let (new, earlier) = schemas.split_last().expect("two or more");
            match kafkascope::schema_registry::avro::check(level, earlier, new) {
                Ok(()) => println!("compatible"),
                Err(found) => println!("incompatible: {}", found.summary()),
            }
            Ok(())
        }
        Some("encode") => {
            let (file, id) = match &args[1..] {
                [a, file, b, id] if a == "--schema" && b == "--id" => (file, id),
                [b, id, a, file] if a == "--schema" && b == "--id" => (file, id),
                _ => return Err(format!("schema encode takes --schema FILE --id N\n{USAGE}")),
            };
            let id: u32 = id.parse().map_err(|_| format!("--id: \"{id}\" is not a schema id (a whole number)"))?;
            let schema = read_schema(file)?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for (n, line) in std::io::stdin().lock().lines().enumerate() {
                let line = line.map_err(|e| format!("standard input: {e}"))?;
                if line.trim().is_empty() {
                    continue;
                }
                let bytes = kafkascope::client::avro::encode(&schema, id, &line).map_err(|e| format!("line {}: {e}", n + 1))?;
                writeln!(out, "{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()).map_err(|e| e.to_string())?;
            }
            Ok(())
        }
        _ => Err(format!("schema takes check or encode\n{USAGE}")),
    }
}
