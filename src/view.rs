//! A drawing-friendly snapshot of the world: what the page draws after each step.
//! It only reads the engine's state; every field is named as Kafka names it.

use crate::client::consumer::Phase;
use crate::config::OffsetReset;
use crate::coordinator::{Group, GroupState, OFFSETS_TOPIC};
use crate::protocol::{display_bytes, Acks, BrokerId, NodeId, Record, TopicPartition};
use crate::replica::Role;
use crate::schema_registry::server::SchemaRegistry;
use crate::sim::Item;
use crate::world::World;
use crate::zookeeper::kafka_zk_client as zkdata;
use serde::Serialize;
use std::collections::BTreeMap;

/// How many of a replica's last records the view carries.
pub const RECORDS_SHOWN: usize = 20;

#[derive(Clone, Debug, Serialize)]
pub struct View {
    pub time_ms: u64,
    pub step: u64,
    /// How many trace records exist: a cursor for `events_since`.
    pub trace_len: usize,
    /// Virtual time of the next queued message or timer, if any.
    pub next_event_ms: Option<u64>,
    pub clusters: Vec<ClusterView>,
    pub brokers: Vec<BrokerView>,
    pub topics: Vec<TopicView>,
    pub znodes: Vec<ZnodeView>,
    pub producers: Vec<ProducerView>,
    pub consumers: Vec<ConsumerView>,
    /// Consumer groups, as the broker that coordinates each one holds them.
    pub groups: Vec<GroupView>,
    pub network: NetworkView,
    /// Messages on the wire, in delivery order.
    pub in_flight: Vec<InFlightView>,
    pub schema_registry: Option<SchemaRegistryView>,
}

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
}

/// A client's (de)serializers: Kafka's class names, and the Avro schema each side uses.
#[derive(Clone, Debug, Serialize)]
pub struct SerdeView {
    pub key: &'static str,
    pub value: &'static str,
    pub key_schema: Option<String>,
    pub value_schema: Option<String>,
}

fn serde_view(deserializer: bool, serdes: [crate::serialization::Serde; 2], schemas: [&Option<serde_json::Value>; 2]) -> SerdeView {
    let text = |s: &Option<serde_json::Value>| s.as_ref().map(crate::schema_registry::client::schema_text);
    SerdeView {
        key: serdes[0].class(deserializer),
        value: serdes[1].class(deserializer),
        key_schema: text(schemas[0]),
        value_schema: text(schemas[1]),
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ClusterView {
    pub index: usize,
    pub name: String,
    pub chroot: String,
    pub brokers: Vec<BrokerId>,
    /// The running broker that holds the controller role, if one does.
    pub controller: Option<BrokerId>,
    /// That controller's epoch; when none runs, the last epoch stored in `/controller_epoch`.
    pub controller_epoch: Option<u32>,
    /// Brokers registered under `<chroot>/brokers/ids`: those the cluster counts as alive.
    pub live_brokers: Vec<BrokerId>,
    pub min_insync_replicas: u32,
    /// `offsets.topic.num.partitions`: how many partitions `__consumer_offsets` gets.
    pub offsets_topic_num_partitions: u32,
    pub offsets_topic_replication_factor: u32,
    /// `group.initial.rebalance.delay.ms`.
    pub group_initial_rebalance_delay_ms: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct BrokerView {
    pub id: BrokerId,
    /// `broker-<id>`, the node name commands and messages use.
    pub node: String,
    pub cluster: usize,
    pub running: bool,
    pub isolated: bool,
    pub registered: bool,
    pub is_controller: bool,
    pub controller_epoch: Option<u32>,
    pub zk_session: Option<u64>,
    pub replicas: Vec<ReplicaView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReplicaView {
    pub topic: String,
    /// An internal topic (`__consumer_offsets`).
    pub internal: bool,
    pub partition: u32,
    /// `leader`, `follower` or `offline` (always `offline` on a stopped broker).
    pub role: Role,
    pub leader: Option<BrokerId>,
    pub leader_epoch: u32,
    /// The assignment, preferred leader first.
    pub replicas: Vec<BrokerId>,
    pub isr: Vec<BrokerId>,
    /// This broker is in the ISR it knows of.
    pub in_isr: bool,
    pub log_end_offset: u64,
    pub high_watermark: u64,
    /// The last ≤ 20 records, oldest first.
    pub records: Vec<RecordView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RecordView {
    pub offset: u64,
    pub key: Option<String>,
    pub value: Option<String>,
    /// The schema id in the value's Confluent framing, when the registry knows it.
    pub value_schema_id: Option<u32>,
    pub leader_epoch: u32,
    pub timestamp_ms: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TopicView {
    pub cluster: usize,
    pub name: String,
    /// An internal topic (`__consumer_offsets`): not for producing to by hand.
    pub internal: bool,
    /// partition → replicas, as `/brokers/topics/<topic>` stores it.
    pub assignment: Vec<Vec<BrokerId>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ZnodeView {
    pub path: String,
    pub data: String,
    pub ephemeral: bool,
    /// The node whose session owns an ephemeral znode.
    pub owner: Option<String>,
    pub version: u32,
    pub czxid: u64,
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

#[derive(Clone, Debug, Serialize)]
pub struct GroupView {
    pub cluster: usize,
    pub group_id: String,
    /// The broker whose coordinator holds the group (it leads the group's `__consumer_offsets` partition).
    pub coordinator: BrokerId,
    /// The `__consumer_offsets` partition that stores the group.
    pub offsets_partition: u32,
    pub state: GroupState,
    pub generation: i32,
    /// The assignor the group uses (`range`, `roundrobin`, …).
    pub protocol: Option<String>,
    /// The leader's member id.
    pub leader: Option<String>,
    pub members: Vec<GroupMemberView>,
    /// Committed offsets, per partition, with lag.
    pub offsets: Vec<GroupOffsetView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct GroupMemberView {
    pub member_id: String,
    /// The consumer's name (its client id).
    pub client: String,
    pub is_leader: bool,
    pub assignment: Vec<PartitionId>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct PartitionId {
    pub topic: String,
    pub partition: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct GroupOffsetView {
    pub topic: String,
    pub partition: u32,
    pub committed: u64,
    pub high_watermark: Option<u64>,
    pub lag: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct NetworkView {
    pub isolated: Vec<String>,
    pub cut_links: Vec<[String; 2]>,
}

#[derive(Clone, Debug, Serialize)]
pub struct InFlightView {
    pub id: u64,
    pub from: String,
    pub to: String,
    pub kind: &'static str,
    pub deliver_at_ms: u64,
}

fn record_view(r: &Record, registry: Option<&SchemaRegistry>) -> RecordView {
    RecordView {
        offset: r.offset,
        key: r.key.as_deref().map(display_bytes),
        value: r.value.as_deref().map(display_bytes),
        value_schema_id: registry.and_then(|reg| {
            let (id, _) = crate::schema_registry::unframe(r.value.as_deref()?).ok()?;
            reg.schema_by_id(id).map(|_| id)
        }),
        leader_epoch: r.leader_epoch,
        timestamp_ms: r.timestamp_ms,
    }
}

fn acks_name(a: Acks) -> &'static str {
    match a {
        Acks::None => "0",
        Acks::Leader => "1",
        Acks::All => "all",
    }
}

fn under(chroot: &str, path: &str) -> String {
    format!("{chroot}{path}")
}

fn is_internal(topic: &str) -> bool {
    topic == OFFSETS_TOPIC
}

/// The high watermark of a partition as its (running) leader in `cluster` holds it.
fn leader_high_watermark(world: &World, cluster: usize, tp: &TopicPartition) -> Option<u64> {
    world
        .brokers
        .values()
        .filter(|b| b.cluster == cluster && b.running)
        .filter_map(|b| b.partitions.get(tp).filter(|p| p.role == Role::Leader))
        .max_by_key(|p| p.leader_epoch)
        .map(|p| p.high_watermark)
}

/// The broker that coordinates `group_id` in `cluster`, and its group. Should two running
/// brokers both hold it (an isolated former leader that has not heard yet), the one leading
/// the group's `__consumer_offsets` partition with the higher leader epoch wins.
fn coordinating<'a>(world: &'a World, cluster: usize, group_id: &str) -> Option<(BrokerId, &'a Group)> {
    world
        .brokers
        .values()
        .filter(|b| b.cluster == cluster && b.running)
        .filter_map(|b| {
            let g = b.coordinator.groups.get(group_id)?;
            let epoch = b
                .partitions
                .get(&TopicPartition::new(&OFFSETS_TOPIC.into(), g.partition))
                .map_or(0, |p| p.leader_epoch);
            Some((epoch, b.id, g))
        })
        .max_by_key(|(epoch, id, _)| (*epoch, std::cmp::Reverse(*id)))
        .map(|(_, id, g)| (id, g))
}

fn lag(hw: Option<u64>, committed: Option<u64>) -> Option<u64> {
    Some(hw?.saturating_sub(committed?))
}

fn consumer_views(world: &World) -> Vec<ConsumerView> {
    world
        .consumers
        .values()
        .map(|c| {
            let group = c.group_id.as_deref().and_then(|g| coordinating(world, c.cluster, g)).map(|(_, g)| g);
            let partitions = c
                .assignment
                .iter()
                .map(|tp| {
                    let committed = match group {
                        Some(g) => g.offsets.get(tp).copied(),
                        None => c.committed.get(tp).copied(),
                    };
                    let high_watermark = leader_high_watermark(world, c.cluster, tp);
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
                cluster: c.cluster,
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
                partitions,
            }
        })
        .collect()
}

fn group_views(world: &World) -> Vec<GroupView> {
    let mut ids: std::collections::BTreeSet<(usize, &str)> = std::collections::BTreeSet::new();
    for b in world.brokers.values().filter(|b| b.running) {
        for id in b.coordinator.groups.keys() {
            ids.insert((b.cluster, id.as_str()));
        }
    }
    ids.into_iter()
        .filter_map(|(cluster, id)| {
            let (coordinator, g) = coordinating(world, cluster, id)?;
            let client_of = |m: &crate::coordinator::Member| match &m.client {
                NodeId::Client(c) => c.to_string(),
                other => other.to_string(),
            };
            Some(GroupView {
                cluster,
                group_id: g.group_id.clone(),
                coordinator,
                offsets_partition: g.partition,
                state: g.state,
                generation: g.generation,
                protocol: g.protocol.clone(),
                leader: g.leader.clone(),
                members: g
                    .members
                    .iter()
                    .map(|m| GroupMemberView {
                        member_id: m.member_id.clone(),
                        client: client_of(m),
                        is_leader: g.leader.as_deref() == Some(m.member_id.as_str()),
                        assignment: m
                            .assignment
                            .iter()
                            .flat_map(|(t, ps)| {
                                ps.iter().map(move |p| PartitionId {
                                    topic: t.clone(),
                                    partition: *p,
                                })
                            })
                            .collect(),
                    })
                    .collect(),
                offsets: g
                    .offsets
                    .iter()
                    .map(|(tp, committed)| {
                        let high_watermark = leader_high_watermark(world, cluster, tp);
                        GroupOffsetView {
                            topic: tp.topic.to_string(),
                            partition: tp.partition,
                            committed: *committed,
                            high_watermark,
                            lag: lag(high_watermark, Some(*committed)),
                        }
                    })
                    .collect(),
            })
        })
        .collect()
}

pub fn view(world: &World) -> View {
    let net = &world.sched.net;
    let clusters: Vec<ClusterView> = world
        .config
        .clusters
        .iter()
        .enumerate()
        .map(|(index, spec)| {
            let running_controller = world.brokers.values().find(|b| b.cluster == index && b.running && b.controller.is_some());
            let stored_epoch = world
                .zk
                .nodes
                .get(&under(&spec.chroot, zkdata::CONTROLLER_EPOCH))
                .and_then(|n| n.data.parse().ok());
            ClusterView {
                index,
                name: spec.name.clone(),
                chroot: spec.chroot.clone(),
                brokers: spec.brokers.clone(),
                controller: running_controller.map(|b| b.id),
                controller_epoch: running_controller.and_then(|b| b.controller.as_ref()).map(|c| c.epoch).or(stored_epoch),
                live_brokers: world.registered_brokers(index),
                min_insync_replicas: spec.config.min_insync_replicas,
                offsets_topic_num_partitions: spec.config.offsets_topic_num_partitions,
                offsets_topic_replication_factor: spec.config.offsets_topic_replication_factor,
                group_initial_rebalance_delay_ms: spec.config.group_initial_rebalance_delay_ms,
            }
        })
        .collect();

    let brokers = world
        .brokers
        .values()
        .map(|b| {
            let chroot = &world.config.clusters[b.cluster].chroot;
            BrokerView {
                id: b.id,
                node: NodeId::Broker(b.id).to_string(),
                cluster: b.cluster,
                running: b.running,
                isolated: net.isolated.contains(&NodeId::Broker(b.id)),
                registered: world.zk.nodes.contains_key(&under(chroot, &zkdata::broker_path(b.id))),
                is_controller: b.running && b.controller.is_some(),
                controller_epoch: b.controller.as_ref().filter(|_| b.running).map(|c| c.epoch),
                zk_session: b.zk_session,
                replicas: b
                    .partitions
                    .values()
                    .map(|p| {
                        let records = &p.log.records;
                        let first = records.len().saturating_sub(RECORDS_SHOWN);
                        ReplicaView {
                            topic: p.tp.topic.to_string(),
                            internal: is_internal(&p.tp.topic),
                            partition: p.tp.partition,
                            role: if b.running { p.role.clone() } else { Role::Offline },
                            leader: p.leader,
                            leader_epoch: p.leader_epoch,
                            replicas: p.replicas.clone(),
                            isr: p.isr.clone(),
                            in_isr: p.isr.contains(&b.id),
                            log_end_offset: p.log_end_offset(),
                            high_watermark: p.high_watermark,
                            records: records[first..].iter().map(|r| record_view(r, world.schema_registry.as_ref())).collect(),
                        }
                    })
                    .collect(),
            }
        })
        .collect();

    let mut topics = Vec::new();
    for (ci, spec) in world.config.clusters.iter().enumerate() {
        let prefix = under(&spec.chroot, zkdata::TOPICS) + "/";
        for (path, node) in world.zk.nodes.range(prefix.clone()..) {
            let Some(name) = path.strip_prefix(&prefix) else { break };
            if name.contains('/') {
                continue;
            }
            if let Some(assignment) = zkdata::assignment_of(&node.data) {
                topics.push(TopicView {
                    cluster: ci,
                    name: name.to_string(),
                    internal: is_internal(name),
                    assignment,
                });
            }
        }
    }

    let znodes = world
        .zk
        .nodes
        .iter()
        .map(|(path, n)| ZnodeView {
            path: path.clone(),
            data: n.data.clone(),
            ephemeral: n.ephemeral_owner.is_some(),
            owner: n.ephemeral_owner.and_then(|s| world.zk.sessions.get(&s)).map(|s| s.owner.to_string()),
            version: n.version,
            czxid: n.czxid,
        })
        .collect();

    let producers = world
        .producers
        .values()
        .map(|p| ProducerView {
            name: p.name.to_string(),
            cluster: p.cluster,
            acks: acks_name(p.config.acks),
            partitioner: p.config.partitioner.name(),
            outstanding: p.outstanding(),
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
        })
        .collect();

    let network = NetworkView {
        isolated: net.isolated.iter().map(|n| n.to_string()).collect(),
        cut_links: net.cut_links.iter().map(|(a, b)| [a.to_string(), b.to_string()]).collect(),
    };

    let in_flight = world
        .sched
        .pending()
        .filter_map(|(key, item)| match item {
            Item::Deliver { id, from, to, msg } => Some(InFlightView {
                id: *id,
                from: from.to_string(),
                to: to.to_string(),
                kind: msg.kind(),
                deliver_at_ms: key.at_ms,
            }),
            Item::Fire { .. } => None,
        })
        .collect();

    View {
        time_ms: world.now_ms(),
        step: world.step,
        trace_len: world.trace.len(),
        next_event_ms: world.sched.next_time_ms(),
        clusters,
        brokers,
        topics,
        znodes,
        producers,
        consumers: consumer_views(world),
        groups: group_views(world),
        network,
        in_flight,
        schema_registry: world.schema_registry.as_ref().map(|r| SchemaRegistryView {
            cluster: r.cluster,
            running: r.running,
            ready: r.ready,
            global: r.global.to_string(),
            subject_levels: r.subject_levels.iter().map(|(s, l)| (s.clone(), l.to_string())).collect(),
            subjects: r.subjects.clone(),
        }),
    }
}

/// One record's bytes as a replica stores them, for the page's byte view.
#[derive(Clone, Debug, Serialize)]
pub struct RecordBytes {
    pub offset: u64,
    pub key: Option<FieldBytes>,
    pub value: Option<FieldBytes>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FieldBytes {
    pub hex: String,
    /// Confluent's framing, when the bytes carry an id the registry knows.
    pub frame: Option<Frame>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Frame {
    pub magic: u8,
    pub schema_id: u32,
    pub body_hex: String,
    /// The writer's schema, and the body read with it.
    pub schema: String,
    pub decoded: Option<String>,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The bytes of the record at `offset` in `broker`'s replica of the partition.
pub fn record_bytes(world: &World, broker: BrokerId, topic: &str, partition: u32, offset: u64) -> Result<RecordBytes, String> {
    let tp = TopicPartition::new(&topic.into(), partition);
    let replica = world
        .brokers
        .get(&broker)
        .ok_or_else(|| format!("unknown broker {broker}"))?
        .partitions
        .get(&tp)
        .ok_or_else(|| format!("broker {broker} has no replica of {tp}"))?;
    let record = replica
        .log
        .records
        .iter()
        .find(|r| r.offset == offset)
        .ok_or_else(|| format!("broker {broker}'s replica of {tp} has no record at offset {offset}"))?;
    let field = |bytes: &Option<crate::protocol::Bytes>| {
        bytes.as_deref().map(|b| FieldBytes {
            hex: hex(b),
            frame: crate::schema_registry::unframe(b).ok().and_then(|(id, body)| {
                let text = world.schema_registry.as_ref()?.schema_by_id(id)?;
                let decoded = crate::schema_registry::avro::parse(text)
                    .and_then(|s| crate::schema_registry::avro::decode(b, &s, &s))
                    .ok()
                    .map(|v| v.to_string());
                Some(Frame {
                    magic: 0,
                    schema_id: id,
                    body_hex: hex(body),
                    schema: text.to_string(),
                    decoded,
                })
            }),
        })
    };
    Ok(RecordBytes {
        offset,
        key: field(&record.key),
        value: field(&record.value),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConsumerConfig;
    use crate::{Command, ProducerConfig, WorldConfig};

    fn settled(n: u32) -> World {
        let mut w = World::new(WorldConfig::with_brokers(n)).unwrap();
        w.run_for(100);
        w
    }

    fn create(w: &mut World, topic: &str, partitions: u32, rf: u32) {
        w.apply(Command::CreateTopic {
            topic: topic.into(),
            partitions,
            replication_factor: rf,
            cluster: None,
        })
        .unwrap();
        w.run_for(100);
    }

    fn produce(w: &mut World, key: &str, value: &str) {
        if !w.producers.contains_key("p") {
            w.apply(Command::AddProducer {
                name: "p".into(),
                cluster: None,
                config: ProducerConfig::default(),
            })
            .unwrap();
        }
        w.apply(Command::Produce {
            producer: "p".into(),
            topic: "t".into(),
            key: Some(key.into()),
            key_hex: None,
            value: Some(value.into()),
            partition: None,
            headers: Default::default(),
        })
        .unwrap();
        w.run_until_quiet(5_000);
    }

    #[test]
    fn a_settled_cluster_shows_one_controller_and_its_epoch() {
        let w = settled(3);
        let v = view(&w);
        assert_eq!(v.brokers.len(), 3);
        assert_eq!(v.clusters.len(), 1);
        let c = v.clusters[0].controller.expect("a controller");
        assert_eq!(v.clusters[0].controller_epoch, Some(1));
        assert_eq!(v.brokers.iter().filter(|b| b.is_controller).map(|b| b.id).collect::<Vec<_>>(), vec![c]);
        assert_eq!(v.clusters[0].live_brokers, vec![1, 2, 3]);
        assert!(v.brokers.iter().all(|b| b.running && b.registered && !b.isolated));
    }

    #[test]
    fn the_znode_tree_marks_ephemeral_nodes_and_their_owners() {
        let v = view(&settled(3));
        let ids = v.znodes.iter().find(|z| z.path == "/brokers/ids/2").expect("broker 2 registered");
        assert!(ids.ephemeral);
        assert_eq!(ids.owner.as_deref(), Some("broker-2"));
        let controller = v.znodes.iter().find(|z| z.path == "/controller").expect("/controller");
        assert!(controller.ephemeral);
        assert!(!v.znodes.iter().find(|z| z.path == "/brokers/topics").unwrap().ephemeral);
    }

    #[test]
    fn replicas_show_leader_isr_offsets_and_records() {
        let mut w = settled(3);
        create(&mut w, "t", 3, 3);
        produce(&mut w, "hello", "world");
        let v = view(&w);
        assert_eq!(v.topics.len(), 1);
        assert_eq!(v.topics[0].assignment.len(), 3);
        // Kafka's murmur2 partitioner: "hello" with 3 partitions → 0.
        let on_0: Vec<&ReplicaView> = v
            .brokers
            .iter()
            .flat_map(|b| &b.replicas)
            .filter(|r| r.topic == "t" && r.partition == 0)
            .collect();
        assert_eq!(on_0.len(), 3);
        assert_eq!(on_0.iter().filter(|r| r.role == Role::Leader).count(), 1);
        for r in on_0 {
            assert_eq!(r.log_end_offset, 1);
            assert_eq!(r.records.len(), 1);
            assert_eq!(r.records[0].key.as_deref(), Some("hello"));
            assert_eq!(r.records[0].value.as_deref(), Some("world"));
            assert_eq!(r.isr.len(), 3);
            assert!(r.in_isr);
        }
        let leader = v
            .brokers
            .iter()
            .flat_map(|b| &b.replicas)
            .find(|r| r.partition == 0 && r.role == Role::Leader)
            .unwrap();
        assert_eq!(leader.high_watermark, 1);
    }

    #[test]
    fn only_the_last_twenty_records_are_carried() {
        let mut w = settled(1);
        create(&mut w, "t", 1, 1);
        for i in 0..25 {
            produce(&mut w, "k", &format!("v{i}"));
        }
        let v = view(&w);
        let r = &v.brokers[0].replicas[0];
        assert_eq!(r.log_end_offset, 25);
        assert_eq!(r.records.len(), RECORDS_SHOWN);
        assert_eq!(r.records[0].offset, 5);
        assert_eq!(r.records.last().unwrap().value.as_deref(), Some("v24"));
    }

    #[test]
    fn a_stopped_broker_is_not_running_and_its_replicas_are_offline() {
        let mut w = settled(3);
        create(&mut w, "t", 1, 3);
        w.apply(Command::StopBroker { broker: 2 }).unwrap();
        let v = view(&w);
        let b = v.brokers.iter().find(|b| b.id == 2).unwrap();
        assert!(!b.running && !b.is_controller);
        assert!(b.replicas.iter().all(|r| r.role == Role::Offline));
    }

    #[test]
    fn isolation_and_cut_links_are_listed() {
        let mut w = settled(3);
        w.apply(Command::Isolate { node: "broker-1".into() }).unwrap();
        w.apply(Command::CutLink {
            a: "broker-3".into(),
            b: "broker-2".into(),
        })
        .unwrap();
        let v = view(&w);
        assert!(v.brokers[0].isolated);
        assert_eq!(v.network.isolated, vec!["broker-1".to_string()]);
        assert_eq!(v.network.cut_links, vec![["broker-2".to_string(), "broker-3".to_string()]]);
    }

    #[test]
    fn producers_show_acks_and_metadata() {
        let mut w = settled(3);
        create(&mut w, "t", 2, 2);
        produce(&mut w, "a", "x");
        let v = view(&w);
        assert_eq!(v.producers.len(), 1);
        assert_eq!(v.producers[0].acks, "all");
        assert_eq!(v.producers[0].partitioner, "uniform-sticky");
        assert_eq!(v.producers[0].outstanding, 0);
        assert_eq!(v.producers[0].metadata[0].topic, "t");
        assert_eq!(v.producers[0].metadata[0].leaders.len(), 2);
    }

    #[test]
    fn the_view_serializes_with_kafka_names() {
        let mut w = settled(3);
        create(&mut w, "t", 1, 3);
        let json = serde_json::to_value(view(&w)).unwrap();
        let r = &json["brokers"][0]["replicas"][0];
        for key in ["log_end_offset", "high_watermark", "isr", "leader_epoch", "role"] {
            assert!(r.get(key).is_some(), "{key} missing");
        }
        assert!(["leader", "follower"].contains(&r["role"].as_str().unwrap()));
        assert!(json["step"].as_u64().unwrap() > 0);
    }

    fn group_world() -> World {
        let mut c = WorldConfig::with_brokers(3);
        c.clusters[0].config.offsets_topic_num_partitions = 3;
        let mut w = World::new(c).unwrap();
        w.run_for(100);
        create(&mut w, "t", 3, 3);
        w
    }

    fn start_consumer(w: &mut World, name: &str) {
        let config = ConsumerConfig {
            auto_offset_reset: OffsetReset::Earliest,
            enable_auto_commit: false,
            ..ConsumerConfig::default()
        };
        w.apply(Command::StartConsumer {
            name: name.into(),
            group: Some("g".into()),
            topics: vec!["t".into()],
            partitions: vec![],
            cluster: None,
            config,
        })
        .unwrap();
    }

    fn consumer<'a>(v: &'a View, name: &str) -> &'a ConsumerView {
        v.consumers.iter().find(|c| c.name == name).unwrap()
    }

    #[test]
    fn consumers_in_a_group_share_the_partitions_and_the_group_shows_who_owns_what() {
        let mut w = group_world();
        start_consumer(&mut w, "c1");
        start_consumer(&mut w, "c2");
        w.run_for(10_000);
        let v = view(&w);
        let g = v.groups.iter().find(|g| g.group_id == "g").expect("group g");
        assert_eq!(g.state, GroupState::Stable);
        assert_eq!(g.members.len(), 2);
        assert_eq!(g.protocol.as_deref(), Some("range"));
        assert_eq!(g.members.iter().filter(|m| m.is_leader).count(), 1);
        let mut owned: Vec<u32> = g.members.iter().flat_map(|m| m.assignment.iter().map(|p| p.partition)).collect();
        owned.sort();
        assert_eq!(owned, vec![0, 1, 2]);
        for m in &g.members {
            assert!(!m.assignment.is_empty(), "{} owns something", m.client);
            let c = consumer(&v, &m.client);
            assert_eq!(c.member_id, m.member_id);
            assert_eq!(c.generation, g.generation);
            assert_eq!(c.coordinator, Some(g.coordinator));
            assert_eq!(c.is_leader, m.is_leader);
            assert!(!c.idle);
            assert_eq!(
                c.partitions.iter().map(|p| p.partition).collect::<Vec<_>>(),
                m.assignment.iter().map(|p| p.partition).collect::<Vec<_>>()
            );
        }
        // The coordinator leads the group's __consumer_offsets partition.
        let coord = v.brokers.iter().find(|b| b.id == g.coordinator).unwrap();
        assert!(coord
            .replicas
            .iter()
            .any(|r| r.internal && r.partition == g.offsets_partition && r.role == Role::Leader));
    }

    #[test]
    fn more_consumers_than_partitions_leaves_one_idle() {
        let mut w = group_world();
        for n in ["c1", "c2", "c3", "c4"] {
            start_consumer(&mut w, n);
        }
        w.run_for(15_000);
        let v = view(&w);
        let g = v.groups.iter().find(|g| g.group_id == "g").unwrap();
        assert_eq!(g.members.len(), 4);
        assert_eq!(g.state, GroupState::Stable);
        let idle: Vec<&str> = v.consumers.iter().filter(|c| c.idle).map(|c| c.name.as_str()).collect();
        assert_eq!(idle.len(), 1, "idle: {idle:?}");
        assert!(consumer(&v, idle[0]).partitions.is_empty());
        assert!(g.members.iter().any(|m| m.client == idle[0] && m.assignment.is_empty()));
    }

    #[test]
    fn polling_and_committing_brings_lag_to_zero() {
        let mut w = group_world();
        start_consumer(&mut w, "c1");
        w.run_for(10_000);
        for k in ["a", "b", "hello", "user-2"] {
            produce(&mut w, k, "v");
        }
        w.run_for(2_000);
        w.apply(Command::Poll { consumer: "c1".into() }).unwrap();
        w.run_until_quiet(2_000);
        let polled = view(&w);
        let c = consumer(&polled, "c1");
        assert_eq!(c.partitions.len(), 3);
        assert!(c.partitions.iter().all(|p| p.position == p.high_watermark), "{:?}", c.partitions);
        assert!(
            c.partitions.iter().map(|p| p.lag.unwrap_or(p.high_watermark.unwrap())).sum::<u64>() == 4,
            "nothing committed yet: {:?}",
            c.partitions
        );
        w.apply(Command::Commit { consumer: "c1".into() }).unwrap();
        w.run_until_quiet(5_000);
        let v = view(&w);
        let c = consumer(&v, "c1");
        for p in &c.partitions {
            assert_eq!(p.committed, p.position);
            assert_eq!(p.lag, Some(0));
        }
        let g = v.groups.iter().find(|g| g.group_id == "g").unwrap();
        assert_eq!(g.offsets.len(), 3);
        assert!(g.offsets.iter().all(|o| o.lag == Some(0)));
        assert_eq!(g.offsets.iter().map(|o| o.committed).sum::<u64>(), 4);
        // The same figures as World::group_lag.
        assert!(w.group_lag("g").values().all(|l| *l == 0));
    }

    #[test]
    fn consumer_offsets_is_an_internal_topic_with_the_configured_partitions() {
        let mut w = group_world();
        start_consumer(&mut w, "c1");
        w.run_for(10_000);
        let v = view(&w);
        assert_eq!(v.clusters[0].offsets_topic_num_partitions, 3);
        let t = v
            .topics
            .iter()
            .find(|t| t.name == OFFSETS_TOPIC)
            .expect("__consumer_offsets created on first use");
        assert!(t.internal);
        assert_eq!(t.assignment.len(), 3);
        assert!(!v.topics.iter().find(|t| t.name == "t").unwrap().internal);
        let offsets_replicas = v.brokers.iter().flat_map(|b| &b.replicas).filter(|r| r.internal).count();
        assert_eq!(offsets_replicas, 9);
    }

    #[test]
    fn a_crashed_consumer_stops_running_and_leaves_the_group_after_its_session_timeout() {
        let mut w = group_world();
        start_consumer(&mut w, "c1");
        start_consumer(&mut w, "c2");
        w.run_for(10_000);
        let gen = view(&w).groups[0].generation;
        w.apply(Command::StopConsumer {
            name: "c2".into(),
            leave_group: false,
        })
        .unwrap();
        let v = view(&w);
        let c2 = consumer(&v, "c2");
        assert!(!c2.running && !c2.idle && !c2.is_leader && c2.coordinator.is_none());
        assert_eq!(v.groups[0].members.len(), 2, "the coordinator has not noticed yet");
        w.run_for(50_000);
        let v = view(&w);
        assert_eq!(v.groups[0].members.len(), 1);
        assert!(v.groups[0].generation > gen);
        assert_eq!(consumer(&v, "c1").partitions.len(), 3);
    }

    #[test]
    fn messages_on_the_wire_are_listed_with_their_ends() {
        let mut w = World::new(WorldConfig::with_brokers(3)).unwrap();
        w.run_for(100);
        w.apply(Command::CreateTopic {
            topic: "t".into(),
            partitions: 1,
            replication_factor: 3,
            cluster: None,
        })
        .unwrap();
        // Step until something is on the wire.
        for _ in 0..50 {
            if !view(&w).in_flight.is_empty() {
                break;
            }
            w.step();
        }
        let v = view(&w);
        assert!(!v.in_flight.is_empty());
        assert!(v.in_flight.windows(2).all(|p| p[0].deliver_at_ms <= p[1].deliver_at_ms));
    }
}
