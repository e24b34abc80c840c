//! Rewind and fork: any step of a run can be revisited exactly, and acting there forks it.
mod common;
use kafkascope::timeline::{Replay, Timeline};
use kafkascope::Command;

fn state(t: &Timeline) -> String {
    format!(
        "{} {} {}",
        t.step_now(),
        serde_json::to_string(&kafkascope::view::view(t.world())).unwrap(),
        serde_json::to_string(t.trace()).unwrap()
    )
}

/// Compares without printing two whole worlds when they differ.
fn assert_same(a: &Timeline, b: &Timeline, what: &str) {
    let (x, y) = (state(a), state(b));
    if x != y {
        let at = x.bytes().zip(y.bytes()).position(|(p, q)| p != q).unwrap_or(x.len().min(y.len()));
        panic!(
            "{what}: states differ from byte {at}: …{}… vs …{}…",
            &x[at.saturating_sub(80)..(at + 80).min(x.len())],
            &y[at.saturating_sub(80)..(at + 80).min(y.len())]
        );
    }
}

/// Three brokers, a topic, a producer sending now and then, and a broker failing midway;
/// snapshots every `stride` steps.
fn busy_run(stride: u64) -> Timeline {
    let mut t = common::timeline_with_orders(stride);
    t.apply(serde_json::from_value(serde_json::json!({"cmd": "add_producer", "name": "p"})).unwrap())
        .unwrap();
    for i in 0..40 {
        t.apply(
            serde_json::from_value(serde_json::json!({"cmd": "produce", "producer": "p", "topic": "orders", "key": format!("k{i}"), "value": format!("v{i}")}))
                .unwrap(),
        )
        .unwrap();
        if i == 20 {
            t.apply(Command::StopBroker { broker: 2, cluster: None }).unwrap();
        }
        t.run_for(700);
    }
    t
}

#[test]
fn scrubbing_back_and_forward_lands_on_the_states_a_replay_from_the_start_gives() {
    let mut t = busy_run(50);
    let mut reference = busy_run(u64::MAX);
    let head = t.head();
    assert_eq!(head, reference.head());
    let at_head = state(&t);
    for step in [head / 2, 7, head - 1, 0, head / 3, 2 * head / 3, 51, 50, 49] {
        t.seek(step).unwrap();
        reference.seek(step).unwrap();
        assert_same(&t, &reference, &format!("step {step}"));
    }
    t.seek(head).unwrap();
    assert_eq!(state(&t), at_head, "back at the head, the run is as it was");
}

#[test]
fn stepping_forward_from_a_rewound_step_follows_the_recorded_run() {
    let mut t = busy_run(50);
    let mut reference = busy_run(50);
    let target = t.head() / 2;
    t.seek(target - 30).unwrap();
    while t.step_now() < target {
        assert!(t.step());
    }
    reference.seek(target).unwrap();
    assert_same(&t, &reference, "after stepping");
}

#[test]
fn acting_at_an_earlier_step_forks_the_run_there() {
    let mut t = busy_run(50);
    let head = t.head();
    let at = head / 4;
    t.seek(at).unwrap();
    t.apply(Command::StopBroker { broker: 3, cluster: None }).unwrap();
    assert_eq!(t.forks(), &[at]);
    assert_eq!(t.head(), at, "the old future is gone");
    assert!(t.head() < head);
    t.run_for(1_000);
    assert!(t
        .trace()
        .iter()
        .any(|r| matches!(&r.event, kafkascope::trace::Event::BrokerStopped { broker: 3, .. })));
    assert!(
        !t.trace()
            .iter()
            .any(|r| matches!(&r.event, kafkascope::trace::Event::BrokerStopped { broker: 2, .. })),
        "broker 2's stop was in the dropped future"
    );
}

#[test]
fn a_step_that_has_not_happened_is_refused() {
    let mut t = busy_run(50);
    let before = state(&t);
    assert!(t.seek(t.head() + 1).unwrap_err().to_string().contains("has not happened yet"));
    assert_eq!(state(&t), before);
}

#[test]
fn a_link_rebuilt_a_slice_at_a_time_is_the_run_rebuilt_at_once() {
    let original = busy_run(1_000);
    let (head, step) = (original.head(), original.head() / 2);
    let at_once = Timeline::replay(original.config().clone(), original.log().to_vec(), head, step).unwrap();
    for slice in [1, 7, 250] {
        let mut replay = Replay::new(original.config().clone(), original.log().to_vec(), head, step).unwrap();
        let mut slices = 0;
        while !replay.advance(slice).unwrap() {
            slices += 1;
            assert!(replay.steps_done() <= slices * slice, "a slice takes at most {slice} steps");
        }
        assert_eq!(replay.steps_done(), head);
        assert_same(&replay.finish().unwrap(), &at_once, &format!("slices of {slice} steps"));
    }
}

#[test]
fn a_replay_finished_before_its_last_step_is_refused() {
    let original = busy_run(1_000);
    let mut replay = Replay::new(original.config().clone(), original.log().to_vec(), original.head(), 0).unwrap();
    assert!(!replay.advance(10).unwrap());
    let err = replay.finish().err().expect("not done").to_string();
    assert!(err.contains("not done yet"), "{err}");
}
