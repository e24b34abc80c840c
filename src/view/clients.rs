//! Producers, consumers and the schema registry: what each client knows and waits for.

use super::{coordinating, lag, PartitionIndex};
use crate::client::consumer::{Phase, Skipped};
use crate::client::producer::SendFailure;
use crate::config::OffsetReset;
use crate::coordinator::{records, OFFSETS_TOPIC};
use crate::protocol::{Acks, BrokerId, TopicPartition};
use crate::schema_registry::server::Refusal;
use crate::world::World;
use crate::zookeeper::kafka_zk_client as zkdata;
use serde::Serialize;
use std::collections::BTreeMap;

/// The registry's subjects, versions and compatibility levels, as it serves them.
#[derive(Clone, Debug, Serialize)]
pub struct SchemaRegistryView {
    pub cluster: usize,
    pub running: bool,
    /// Serving: it has read `_schemas` up to its start marker.
    pub ready: bool,
    pub global: String,
    pub subject_levels: BTreeMap<String, String>,
    pub subjects: BTreeMap<String, Vec<crate::schema_registry::server::Version>>,
    /// The registry's last refusal (`schema_refused`: 409 for an incompatible schema).
    pub last_refusal: Option<Refusal>,
}

/// A client's (de)serializers: Kafka's class names, and the Avro schema each side uses.
#[derive(Clone, Debug, Serialize)]
pub struct SerdeView {
    pub key: &'static str,
    pub value: &'static str,
    pub key_schema: Option<String>,
    pub value_schema: Option<String>,
}

pub(super) fn serde_view(deserializer: bool, serdes: [crate::serialization::Serde; 2], schemas: [&Option<serde_json::Value>; 2]) -> SerdeView {
    let text = |s: &Option<serde_json::Value>| s.as_ref().map(crate::client::schema_registry_client::schema_text);
    SerdeView {
        key: serdes[0].class(deserializer),
        value: serdes[1].class(deserializer),
        key_schema: text(schemas[0]),
        value_schema: text(schemas[1]),
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ProducerView {
    pub name: String,
    pub cluster: usize,
    /// `0`, `1` or `all`.
    pub acks: &'static str,
    pub partitioner: &'static str,
    /// Records sent and not yet acknowledged or failed.
    pub outstanding: usize,
    pub metadata: Vec<ProducerTopicView>,
    pub serializers: SerdeView,
    /// Its last failed send, until a later send to any topic is acknowledged.
    pub last_failure: Option<SendFailure>,
    /// Whether it runs idempotent (KIP-679: by default, unless its settings rule it out).
    pub idempotent: bool,
    /// The producer id and epoch InitProducerId gave it, once it has them.
    pub producer_id: Option<u64>,
    pub producer_epoch: Option<u16>,
    /// Stopped by `close()` or a crash; `closing` while `close()` drains what it holds.
    pub running: bool,
    pub closing: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProducerTopicView {
    pub topic: String,
    pub leaders: Vec<Option<BrokerId>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ConsumerView {
    pub name: String,
    pub cluster: usize,
    /// `group.id`, if any.
    pub group: Option<String>,
    pub running: bool,
    /// `manual`, `rejoin`, `joining`, `syncing` or `stable`.
    pub phase: Phase,
    /// The broker it sends group requests to, once FindCoordinator answered.
    pub coordinator: Option<BrokerId>,
    /// Empty until the coordinator gave it one.
    pub member_id: String,
    pub generation: i32,
    /// This member leads the group: it ran the assignor.
    pub is_leader: bool,
    /// Running in a stable group with nothing assigned: more members than partitions.
    pub idle: bool,
    /// `subscribe()`d topics.
    pub topics: Vec<String>,
    /// `earliest` or `latest`.
    pub auto_offset_reset: &'static str,
    pub enable_auto_commit: bool,
    pub session_timeout_ms: u64,
    /// Its assigned partitions, each with where it reads and what the group committed.
    pub partitions: Vec<ConsumerPartitionView>,
    /// Deserializers; the schemas are the reader's (none: the writer's schema is used).
    pub deserializers: SerdeView,
    /// A poison pill: the last poll failed at a record the consumer still stands at.
    pub poll_failure: Option<crate::client::consumer::PollFailure>,
    /// The poison pill a `seek` skipped, and where the consumer reads now.
    pub skipped: Option<Skipped>,
    /// Why a consumer in a group has no coordinator to talk to.
    pub waiting: Option<WaitingView>,
    /// The application's poll loop, if it has one: a poll every this many ms.
    pub keep_polling_ms: Option<u64>,
    /// What the next poll will do for the group (membership moves only inside poll, KIP-62):
    /// `join` (not in the group), `join_answer` (a JoinGroup answer waits), `assignment` (a
    /// SyncGroup answer waits) or `rejoin` (a heartbeat learned of a rebalance).
    pub next_poll: Option<&'static str>,
}

/// Why a group's consumer has no usable coordinator.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct WaitingView {
    pub reason: WaitingReason,
    /// `offsets.topic.replication.factor`, and how many brokers are alive.
    pub needed: Option<u32>,
    pub alive: Option<u32>,
    /// The group's `__consumer_offsets` partition, once the topic exists.
    pub partition: Option<u32>,
    /// Its leader (the coordinator to be), or the broker it waits for.
    pub broker: Option<BrokerId>,
}

#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WaitingReason {
    /// `__consumer_offsets` does not exist and cannot be created: fewer live brokers than
    /// `offsets.topic.replication.factor` (`KafkaApis` answers COORDINATOR_NOT_AVAILABLE).
    OffsetsTopicReplication,
    /// The group's `__consumer_offsets` partition has no leader.
    CoordinatorNotAvailable,
    /// A coordinator exists (or the topic is being created): FindCoordinator is on its way or backing off.
    FindingCoordinator,
}

#[derive(Clone, Debug, Serialize)]
pub struct ConsumerPartitionView {
    pub topic: String,
    pub partition: u32,
    /// The offset of the next record `poll` hands out, once known.
    pub position: Option<u64>,
    /// The group's committed offset (the coordinator's; this consumer's own knowledge if no coordinator is reachable).
    pub committed: Option<u64>,
    /// The partition leader's high watermark.
    pub high_watermark: Option<u64>,
    /// high watermark − committed offset (`records-lag` as an operator sees it).
    pub lag: Option<u64>,
}
fn acks_name(a: Acks) -> &'static str {
    match a {
        Acks::None => "0",
        Acks::Leader => "1",
        Acks::All => "all",
    }
}

pub(super) fn consumer_views(world: &World, parts: &PartitionIndex) -> Vec<ConsumerView> {
    world
        .consumers
        .values()
        .map(|c| {
            let group = c.group_id.as_deref().and_then(|g| coordinating(world, c.cluster.index, g)).map(|(_, g)| g);
            let partitions = c
                .assignment
                .iter()
                .map(|tp| {
                    let committed = match group {
                        Some(g) => g.offsets.get(tp).copied(),
                        None => c.committed.get(tp).copied(),
                    };
                    let high_watermark = parts.high_watermark(c.cluster.index, tp);
                    ConsumerPartitionView {
                        topic: tp.topic.to_string(),
                        partition: tp.partition,
                        position: c.positions.get(tp).copied(),
                        committed,
                        high_watermark,
                        lag: lag(high_watermark, committed),
                    }
                })
                .collect();
            ConsumerView {
                name: c.name.to_string(),
                cluster: c.cluster.index,
                group: c.group_id.clone(),
                running: c.running,
                phase: c.phase,
                coordinator: c.coordinator.filter(|_| c.running),
                member_id: c.member_id.clone(),
                generation: c.generation,
                is_leader: c.running && c.is_leader,
                idle: c.running && c.group_id.is_some() && c.phase == Phase::Stable && c.assignment.is_empty(),
                topics: c.topics.clone(),
                auto_offset_reset: match c.config.auto_offset_reset {
                    OffsetReset::Earliest => "earliest",
                    OffsetReset::Latest => "latest",
                },
                enable_auto_commit: c.config.enable_auto_commit,
                session_timeout_ms: c.config.session_timeout_ms,
                deserializers: serde_view(
                    true,
                    [c.config.key_deserializer, c.config.value_deserializer],
                    [&c.config.key_reader_schema, &c.config.value_reader_schema],
                ),
                // Shown while the consumer still stands at the record it could not read.
                poll_failure: c
                    .poll_failure
                    .as_ref()
                    .filter(|f| c.running && c.positions.get(&f.tp) == Some(&f.offset))
                    .cloned(),
                skipped: c.skipped.clone().filter(|_| c.running),
                waiting: waiting(world, parts, c),
                keep_polling_ms: c.keep_polling_ms.filter(|_| c.running),
                next_poll: c.running.then(|| c.next_poll()).flatten(),
                partitions,
            }
        })
        .collect()
}

/// Why a running consumer of a group has no coordinator: derived from ZooKeeper and the
/// partitions' authoritative state (`KafkaApis.handleFindCoordinatorRequest`: the leader of
/// the group's `__consumer_offsets` partition; the topic is created on first use).
fn waiting(world: &World, parts: &PartitionIndex, c: &crate::client::consumer::Consumer) -> Option<WaitingView> {
    let group = c.group_id.as_deref().filter(|_| c.running && c.coordinator.is_none())?;
    let spec = &world.config.clusters[c.cluster.index];
    let none = WaitingView {
        reason: WaitingReason::FindingCoordinator,
        needed: None,
        alive: None,
        partition: None,
        broker: None,
    };
    if world.zk.znode(&format!("{}{}", spec.chroot, zkdata::topic_path(OFFSETS_TOPIC))).is_none() {
        let needed = spec.config.offsets_topic_replication_factor;
        let alive = world.registered_brokers(c.cluster.index).len() as u32;
        if alive < needed {
            return Some(WaitingView {
                reason: WaitingReason::OffsetsTopicReplication,
                needed: Some(needed),
                alive: Some(alive),
                ..none
            });
        }
        return Some(none);
    }
    let partition = records::partition_for_group(group, spec.config.offsets_topic_num_partitions);
    let tp = TopicPartition::new(&OFFSETS_TOPIC.into(), partition);
    let p = parts.get(c.cluster.index, &tp);
    match p.and_then(|p| p.leader) {
        Some(leader) => Some(WaitingView {
            partition: Some(partition),
            broker: Some(leader),
            ..none
        }),
        None => Some(WaitingView {
            reason: WaitingReason::CoordinatorNotAvailable,
            partition: Some(partition),
            broker: p.and_then(|p| p.offline.as_ref()).and_then(|o| o.broker),
            ..none
        }),
    }
}

pub(super) fn producer_views(world: &World) -> Vec<ProducerView> {
    world
        .producers
        .values()
        .map(|p| ProducerView {
            name: p.name.to_string(),
            cluster: p.cluster.index,
            acks: acks_name(p.config.acks),
            partitioner: p.config.partitioner.name(),
            outstanding: p.outstanding(),
            running: p.running,
            closing: p.closing,
            serializers: serde_view(
                false,
                [p.config.key_serializer, p.config.value_serializer],
                [&p.config.key_schema, &p.config.value_schema],
            ),
            metadata: p
                .metadata
                .iter()
                .map(|(t, m)| ProducerTopicView {
                    topic: t.to_string(),
                    leaders: m.leaders.clone(),
                })
                .collect(),
            last_failure: p.last_failure.clone(),
            idempotent: p.config.idempotence(),
            producer_id: p.producer_id_and_epoch.map(|(id, _)| id),
            producer_epoch: p.producer_id_and_epoch.map(|(_, e)| e),
        })
        .collect()
}

pub(super) fn registry_view(world: &World) -> Option<SchemaRegistryView> {
    world.schema_registry.as_ref().map(|r| SchemaRegistryView {
        cluster: r.cluster.index,
        running: r.running,
        ready: r.ready,
        global: r.global.to_string(),
        subject_levels: r.subject_levels.iter().map(|(s, l)| (s.clone(), l.to_string())).collect(),
        subjects: r.subjects.clone(),
        last_refusal: r.last_refusal.clone(),
    })
}
