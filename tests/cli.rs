//! The `kafkascope` command line, as a person uses it.
use std::io::Write;
use std::process::{Command, Stdio};

fn kafkascope(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kafkascope"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that fails before reading its input closes the pipe: that is not the test's concern.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn partition_prints_kafkas_partition_for_each_key_argument() {
    let (code, out, _) = kafkascope(&["partition", "--partitions", "3", "hello", "user-2", "카프카", "a"], "");
    assert_eq!(code, 0);
    let parts: Vec<&str> = out.lines().map(|l| l.split('\t').nth(1).unwrap()).collect();
    assert_eq!(parts, vec!["0", "2", "1", "1"]);
}

#[test]
fn partition_reads_keys_from_standard_input_and_hex() {
    let (code, out, _) = kafkascope(&["partition", "--partitions", "6", "--hex"], "68656c6c6f\n61\n");
    assert_eq!(code, 0);
    assert_eq!(out, "68656c6c6f\t3\t2132663229\n61\t4\t-1563381124\n");
}

#[test]
fn partition_without_a_partition_count_is_an_error() {
    let (code, _, err) = kafkascope(&["partition", "hello"], "");
    assert_eq!(code, 2);
    assert!(err.contains("--partitions N is required"), "{err}");
}

#[test]
fn run_prints_the_trace_as_json_lines_then_the_final_state() {
    let (code, out, err) = kafkascope(&["run", concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scenarios/failover.json")], "");
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines.iter().any(|l| l["type"] == "leader_changed" && l["reason"] == "offline_leader"));
    assert!(lines.iter().any(|l| l["type"] == "produce_acknowledged"));
    assert!(lines.last().unwrap().get("final_state").is_some());
}

fn run_text(text: &str) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!("kafkascope-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("s{}.json", text.len()));
    std::fs::write(&file, text).unwrap();
    let (code, _, err) = kafkascope(&["run", file.to_str().unwrap()], "");
    (code, err)
}

#[test]
fn a_bad_scenario_file_names_the_command_at_fault() {
    let (code, err) = run_text(r#"{"commands": [{"cmd": "run_for", "ms": 5}, {"cmd": "produce", "topic": "t"}]}"#);
    assert_eq!(code, 2);
    assert!(err.contains("commands[1] (produce): missing field `producer`"), "{err}");
}

#[test]
fn a_bad_config_field_is_named() {
    let (code, err) = run_text(r#"{"config": {"clusters": [{"brokers": [1], "config": {"min.insync.replica": 2}}]}}"#);
    assert_eq!(code, 2);
    assert!(err.contains("unknown field `min.insync.replica`"), "{err}");
}

#[test]
fn a_command_the_cluster_refuses_stops_the_run_with_its_index() {
    let (code, err) = run_text(r#"{"commands": [{"cmd": "create_topic", "topic": "t", "partitions": 1, "replication_factor": 4}]}"#);
    assert_eq!(code, 2);
    assert!(
        err.contains("commands[0]: InvalidReplicationFactorException: Replication factor: 4 larger than available brokers: 3."),
        "{err}"
    );
}

#[test]
fn a_missing_file_and_an_unknown_command_are_errors() {
    assert_eq!(kafkascope(&["run", "/nonexistent.json"], "").0, 2);
    assert_eq!(kafkascope(&["frobnicate"], "").0, 2);
}

#[test]
fn assign_prints_what_kafkas_range_assignor_gives() {
    let input = r#"{"topics": {"orders": 4, "payments": 2}, "members": [{"id": "c1", "topics": ["orders"]}, {"id": "c2", "topics": ["orders", "payments"], "owned": {"orders": [0]}}]}"#;
    let (code, out, err) = kafkascope(&["assign", "--strategy", "range"], input);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), r#"{"c1":{"orders":[0,1]},"c2":{"orders":[2,3],"payments":[0,1]}}"#);
}

#[test]
fn assign_leaves_out_a_topic_missing_from_the_metadata() {
    // AbstractPartitionAssignor.assign: a subscribed topic without metadata is skipped, not an error.
    let input = r#"{"topics": {"orders": 3}, "members": [{"id": "c1", "topics": ["orders", "deleted"]}, {"id": "c2", "topics": ["deleted"]}]}"#;
    for strategy in ["range", "roundrobin", "sticky", "cooperative-sticky"] {
        let (code, out, err) = kafkascope(&["assign", "--strategy", strategy], input);
        assert_eq!(code, 0, "{strategy}: {err}");
        assert_eq!(out.trim(), r#"{"c1":{"orders":[0,1,2]},"c2":{}}"#, "{strategy}");
    }
}

#[test]
fn assign_rejects_an_unknown_strategy_and_bad_json() {
    let (code, _, err) = kafkascope(&["assign", "--strategy", "fair"], "{}");
    assert_eq!(code, 2);
    assert!(err.contains("range"), "lists the valid names: {err}");
    let (code, _, err) = kafkascope(&["assign", "--strategy", "range"], r#"{"topics": {}, "members": [{"id": 1}]}"#);
    assert_eq!(code, 2);
    assert!(err.contains("standard input"), "{err}");
}

#[test]
fn run_shows_the_whole_produce_replicate_poll_commit_flow() {
    let (code, out, err) = kafkascope(&["run", concat!(env!("CARGO_MANIFEST_DIR"), "/tests/scenarios/produce-consume.json")], "");
    assert_eq!(code, 0, "{err}");
    let types: Vec<String> = out
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()?.get("type")?.as_str().map(String::from))
        .collect();
    let first = |t: &str| types.iter().position(|x| x == t).unwrap_or_else(|| panic!("no {t}"));
    assert!(first("produce_acknowledged") < first("records_polled"));
    assert!(first("records_polled") < first("offsets_committed"));
    assert!(types.iter().any(|t| t == "high_watermark_advanced"));
}

#[test]
fn schema_check_prints_compatible_or_the_reason() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schemas/");
    let (code, out, _) = kafkascope(
        &[
            "schema",
            "check",
            "--level",
            "BACKWARD",
            &format!("{dir}user-v1.avsc"),
            &format!("{dir}user-v2-with-default.avsc"),
        ],
        "",
    );
    assert_eq!((code, out.trim()), (0, "compatible"));
    let (code, out, _) = kafkascope(
        &[
            "schema",
            "check",
            "--level",
            "BACKWARD",
            &format!("{dir}user-v1.avsc"),
            &format!("{dir}user-v2-no-default.avsc"),
        ],
        "",
    );
    assert_eq!(code, 0);
    assert_eq!(
        out.trim(),
        "incompatible: READER_FIELD_MISSING_DEFAULT_VALUE at /fields/1: age (the new schema cannot read data written with version 1)"
    );
    // Java's rule, not the Rust crate's: a nullable email made required cannot read the nulls.
    let (code, out, _) = kafkascope(
        &[
            "schema",
            "check",
            "--level",
            "FULL_TRANSITIVE",
            &format!("{dir}user-v1.avsc"),
            &format!("{dir}user-v2-with-default.avsc"),
            &format!("{dir}user-v3-email-required.avsc"),
        ],
        "",
    );
    assert_eq!(code, 0);
    assert_eq!(
        out.trim(),
        "incompatible: TYPE_MISMATCH at /fields/1/type/0: reader type: STRING not compatible with writer type: NULL (the new schema cannot read data written with version 2)"
    );
}

#[test]
fn schema_encode_prints_wire_format_hex_per_record_and_refuses_a_bad_schema_file() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schemas/user-v2-with-default.avsc");
    let (code, out, err) = kafkascope(
        &["schema", "encode", "--schema", file, "--id", "7"],
        "{\"name\": \"kim\", \"email\": \"k@x\"}\n{\"name\": \"lee\", \"email\": null}\n",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "0000000007066b696d02066b4078\n0000000007066c656500\n");
    let (code, _, err) = kafkascope(&["schema", "check", "--level", "FULL", "/dev/null", file], "");
    assert_eq!(code, 2);
    assert!(err.contains("not a valid Avro schema"), "{err}");
}
