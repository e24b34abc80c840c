//! Shared scenario helpers: build a cluster, act, and read what happened.
#![allow(dead_code)]

use kafkascope::protocol::{BrokerId, TopicPartition};
use kafkascope::replica::Role;
use kafkascope::trace::Event;
use kafkascope::*;

/// A cluster of `n` brokers (ids 1..=n) with the given tweak to its config, settled.
pub fn cluster_with(n: u32, seed: u64, tweak: impl FnOnce(&mut BrokerConfig)) -> World {
    let mut c = WorldConfig::with_brokers(n);
    c.seed = seed;
    tweak(&mut c.clusters[0].config);
    let mut w = World::new(c).expect("valid config");
    w.run_for(100);
    w
}

pub fn cluster(n: u32) -> World {
    cluster_with(n, 1, |_| {})
}

pub fn create_topic(w: &mut World, topic: &str, partitions: u32, rf: u32) {
    w.apply(Command::CreateTopic {
        topic: topic.into(),
        partitions,
        replication_factor: rf,
        cluster: None,
    })
    .expect("topic created");
    w.run_for(100);
}

pub fn add_producer(w: &mut World, name: &str, acks: &str) {
    let config: ProducerConfig = serde_json::from_value(serde_json::json!({ "acks": acks })).unwrap();
    w.apply(Command::AddProducer {
        name: name.into(),
        cluster: None,
        config,
    })
    .expect("producer added");
}

pub fn produce(w: &mut World, producer: &str, topic: &str, key: Option<&str>, value: &str) {
    w.apply(Command::Produce {
        producer: producer.into(),
        topic: topic.into(),
        key: key.map(Into::into),
        key_hex: None,
        value: Some(value.into()),
        partition: None,
        headers: Default::default(),
    })
    .expect("produce accepted");
}

pub fn produce_to(w: &mut World, producer: &str, topic: &str, partition: u32, value: &str) {
    w.apply(Command::Produce {
        producer: producer.into(),
        topic: topic.into(),
        key: None,
        key_hex: None,
        value: Some(value.into()),
        partition: Some(partition),
        headers: Default::default(),
    })
    .expect("produce accepted");
}

pub fn tp(topic: &str, p: u32) -> TopicPartition {
    TopicPartition {
        topic: topic.into(),
        partition: p,
    }
}

/// The broker that currently leads the partition (by its own account).
pub fn leader_of(w: &World, topic: &str, p: u32) -> Option<BrokerId> {
    let t = tp(topic, p);
    w.brokers
        .values()
        .filter(|b| b.running)
        .find(|b| b.partitions.get(&t).is_some_and(|r| r.role == Role::Leader))
        .map(|b| b.id)
}

pub fn controller_of(w: &World) -> Option<BrokerId> {
    w.brokers.values().find(|b| b.running && b.controller.is_some()).map(|b| b.id)
}

pub fn values_on(w: &World, broker: BrokerId, topic: &str, p: u32) -> Vec<String> {
    w.brokers[&(0, broker)].partitions.get(&tp(topic, p)).map_or(Vec::new(), |r| {
        r.log
            .records
            .iter()
            .map(|rec| String::from_utf8_lossy(rec.value.as_deref().unwrap_or(&[])).into_owned())
            .collect()
    })
}

pub fn events(w: &World) -> impl Iterator<Item = &Event> {
    w.trace.iter().map(|r| &r.event)
}

/// Offsets acknowledged to the producer, per sequence number.
pub fn acked(w: &World, producer: &str) -> Vec<(u64, TopicPartition, Option<u64>)> {
    events(w)
        .filter_map(|e| match e {
            Event::ProduceAcknowledged {
                producer: p,
                tp,
                base_offset,
                seqs,
            } if &**p == producer => Some(
                seqs.iter()
                    .enumerate()
                    .map(|(i, s)| (*s, tp.clone(), base_offset.map(|b| b + i as u64)))
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect()
}

/// A consumer whose application polls in a loop every 100 ms, as applications do: group
/// membership moves only inside poll (KIP-62).
pub fn start_consumer(w: &mut World, name: &str, group: &str, topics: &[&str], config: serde_json::Value) {
    let cmd = serde_json::json!({"cmd": "start_consumer", "name": name, "group": group, "topics": topics, "config": config, "keep_polling_ms": 100});
    w.apply(serde_json::from_value(cmd).unwrap()).expect("consumer started");
}

/// A consumer whose application polls only when the test says so (`poll`).
pub fn start_consumer_without_loop(w: &mut World, name: &str, group: &str, topics: &[&str], config: serde_json::Value) {
    let cmd = serde_json::json!({"cmd": "start_consumer", "name": name, "group": group, "topics": topics, "config": config});
    w.apply(serde_json::from_value(cmd).unwrap()).expect("consumer started");
}

/// The test plays the application's loop for `ms`: a poll every 100 ms.
pub fn poll_for(w: &mut World, consumer: &str, ms: u64) {
    for _ in 0..ms / 100 {
        poll(w, consumer);
        w.run_for(100);
    }
}

thread_local! {
    /// Per consumer, how far in the trace `poll` has already read its records.
    static READ_UP_TO: std::cell::RefCell<std::collections::BTreeMap<String, usize>> = Default::default();
}

/// One more `poll()`, and the values the application got since the test last asked: those of
/// its loop's polls too.
pub fn poll(w: &mut World, consumer: &str) -> Vec<String> {
    let first = READ_UP_TO.with(|r| r.borrow().get(consumer).copied().filter(|i| *i <= w.trace.len()).unwrap_or(0));
    w.apply(Command::Poll { consumer: consumer.into() }).expect("poll");
    READ_UP_TO.with(|r| r.borrow_mut().insert(consumer.to_string(), w.trace.len()));
    w.trace[first..]
        .iter()
        .filter_map(|r| match &r.event {
            Event::RecordsPolled { consumer: c, records } if &**c == consumer => {
                Some(records.iter().map(|r| r.value.clone().unwrap_or_default()).collect::<Vec<_>>())
            }
            _ => None,
        })
        .flatten()
        .collect()
}

pub fn assignment_of(w: &World, consumer: &str) -> Vec<TopicPartition> {
    w.consumers[consumer].assignment.iter().cloned().collect()
}

/// A run as the page holds it (`Timeline`, snapshots every `stride` steps): three brokers,
/// started, and `orders` with 3 partitions at RF 3.
pub fn timeline_with_orders(stride: u64) -> kafkascope::timeline::Timeline {
    let mut t = kafkascope::timeline::Timeline::with_stride(kafkascope::WorldConfig::default(), stride).unwrap();
    t.run_for(100);
    t.apply(Command::CreateTopic {
        topic: "orders".into(),
        partitions: 3,
        replication_factor: 3,
        cluster: None,
    })
    .unwrap();
    t
}
