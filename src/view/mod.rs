//! A drawing-friendly snapshot of the world: what the page draws after each step.
//! It only reads the engine's state; every field is named as Kafka names it. The page
//! works nothing out itself: each fact it draws is a field here.

mod brokers;
mod bytes;
mod clients;
mod groups;
mod partitions;
mod quorum;
#[cfg(test)]
mod tests;

pub use brokers::{BrokerView, KRaftBrokerView, RecordView, RegistrationReason, RegistrationView, ReplicaView, StartFailureView};
pub use bytes::{record_bytes, FieldBytes, Frame, RecordBytes};
pub use clients::{ConsumerPartitionView, ConsumerView, ProducerTopicView, ProducerView, SchemaRegistryView, SerdeView, WaitingReason, WaitingView};
pub use groups::{GroupMemberView, GroupOffsetView, GroupView, PartitionId};
pub use partitions::{IsrSource, OfflineReason, OfflineView, PartitionIndex, PartitionView};
pub use quorum::{MetadataRecordView, QuorumView, VoterView};

use crate::coordinator::{Group, OFFSETS_TOPIC};
use crate::protocol::{BrokerId, TopicPartition};
use crate::world::World;
use crate::zookeeper::kafka_zk_client as zkdata;
use serde::Serialize;

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
    /// Every partition of every topic (internal ones too), by (cluster, topic, partition):
    /// the leader acting now and the authoritative ISR.
    pub partitions: Vec<PartitionView>,
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
    /// Where the cluster keeps its metadata: `kraft`, or (left out) ZooKeeper.
    #[serde(skip_serializing_if = "crate::config::MetadataMode::is_zookeeper")]
    pub metadata_mode: crate::config::MetadataMode,
    /// KRaft: the controllers' quorum and the metadata log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quorum: Option<QuorumView>,
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

fn under(chroot: &str, path: &str) -> String {
    format!("{chroot}{path}")
}

fn is_internal(topic: &str) -> bool {
    topic == OFFSETS_TOPIC
}

fn lag(hw: Option<u64>, committed: Option<u64>) -> Option<u64> {
    Some(hw?.saturating_sub(committed?))
}

/// The topics of a cluster and their assignments, as `/brokers/topics/<topic>` stores them, or
/// in KRaft mode as the committed metadata has them.
fn topic_assignments(world: &World, ci: usize) -> Vec<(String, Vec<Vec<BrokerId>>)> {
    if world.config.clusters[ci].is_kraft() {
        let Some(image) = world.metadata_image(ci) else { return Vec::new() };
        return image
            .topics
            .iter()
            .map(|t| {
                let parts = image.partitions.range(TopicPartition::new(t, 0)..).take_while(|(tp, _)| tp.topic == *t);
                (t.to_string(), parts.map(|(_, p)| p.replicas.clone()).collect())
            })
            .collect();
    }
    let prefix = under(&world.config.clusters[ci].chroot, zkdata::TOPICS) + "/";
    let mut out = Vec::new();
    for (path, node) in world.zk.znodes_under(&prefix) {
        let Some(name) = path.strip_prefix(&prefix) else { break };
        if name.contains('/') {
            continue;
        }
        if let Some(assignment) = zkdata::assignment_of(&node.data) {
            out.push((name.to_string(), assignment));
        }
    }
    out
}

/// The broker that coordinates `group_id` in `cluster`, and its group. Should two running
/// brokers both hold it (an isolated former leader that has not heard yet), the one leading
/// the group's `__consumer_offsets` partition with the higher leader epoch wins.
fn coordinating<'a>(world: &'a World, cluster: usize, group_id: &str) -> Option<(BrokerId, &'a Group)> {
    world
        .brokers
        .values()
        .filter(|b| b.cluster.index == cluster && b.running)
        .filter_map(|b| {
            let g = b.coordinator.get_group(group_id)?;
            let epoch = b
                .partitions
                .get(&TopicPartition::new(&OFFSETS_TOPIC.into(), g.partition))
                .map_or(0, |p| p.leader_epoch);
            Some((epoch, b.id, g))
        })
        .max_by_key(|(epoch, id, _)| (*epoch, std::cmp::Reverse(*id)))
        .map(|(_, id, g)| (id, g))
}

pub fn view(world: &World) -> View {
    let net = &world.net;
    let clusters: Vec<ClusterView> = world
        .config
        .clusters
        .iter()
        .enumerate()
        .map(|(index, spec)| {
            let running_controller = world.brokers.values().find(|b| b.cluster.index == index && b.running && b.is_controller());
            let stored_epoch = world.zk.znode(&under(&spec.chroot, zkdata::CONTROLLER_EPOCH)).and_then(|n| n.data.parse().ok());
            ClusterView {
                index,
                name: spec.name.clone(),
                chroot: spec.chroot.clone(),
                brokers: spec.brokers.clone(),
                controller: running_controller.map(|b| b.id),
                controller_epoch: running_controller.and_then(|b| b.controller_epoch()).or(stored_epoch),
                live_brokers: world.registered_brokers(index),
                min_insync_replicas: spec.config.min_insync_replicas,
                offsets_topic_num_partitions: spec.config.offsets_topic_num_partitions,
                offsets_topic_replication_factor: spec.config.offsets_topic_replication_factor,
                group_initial_rebalance_delay_ms: spec.config.group_initial_rebalance_delay_ms,
                metadata_mode: spec.metadata_mode,
                quorum: quorum::quorum_view(world, index),
            }
        })
        .collect();

    let parts = partitions::partition_index(world);

    let topics = (0..world.config.clusters.len())
        .flat_map(|ci| {
            topic_assignments(world, ci).into_iter().map(move |(name, assignment)| TopicView {
                cluster: ci,
                internal: is_internal(&name),
                name,
                assignment,
            })
        })
        .collect();

    let znodes = world
        .zk
        .znodes()
        .map(|(path, n)| ZnodeView {
            path: path.clone(),
            data: n.data.clone(),
            ephemeral: n.ephemeral_owner.is_some(),
            owner: n.ephemeral_owner.and_then(|s| world.zk.session_owner(s)).map(|o| o.to_string()),
            version: n.version,
            czxid: n.czxid,
        })
        .collect();

    let network = NetworkView {
        isolated: net.isolated.iter().map(|n| n.to_string()).collect(),
        cut_links: net.cut_links.iter().map(|(a, b)| [a.to_string(), b.to_string()]).collect(),
    };

    let in_flight = world
        .in_flight()
        .map(|(deliver_at_ms, id, from, to, msg)| InFlightView {
            id,
            from: from.to_string(),
            to: to.to_string(),
            kind: msg.kind(),
            deliver_at_ms,
        })
        .collect();

    View {
        time_ms: world.now_ms(),
        step: world.step,
        trace_len: world.trace.len(),
        next_event_ms: world.next_event_ms(),
        clusters,
        brokers: brokers::broker_views(world, &parts),
        topics,
        znodes,
        producers: clients::producer_views(world),
        consumers: clients::consumer_views(world, &parts),
        groups: groups::group_views(world, &parts),
        network,
        in_flight,
        schema_registry: clients::registry_view(world),
        partitions: parts.list,
    }
}
