//! Brokers and the replicas each hosts, as the broker itself knows them, beside the
//! partition's authoritative state (`super::partitions`).

use super::partitions::{registration_owner, PartitionIndex};
use super::{is_internal, RECORDS_SHOWN};
use crate::protocol::{display_bytes, BrokerId, NodeId, Record};
use crate::replica::Role;
use crate::schema_registry::server::SchemaRegistry;
use crate::world::World;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct BrokerView {
    pub id: BrokerId,
    /// `broker-<id>` (`<cluster>/broker-<id>` with several clusters), the node name commands
    /// and messages use.
    pub node: String,
    pub cluster: usize,
    pub running: bool,
    pub isolated: bool,
    pub registered: bool,
    pub is_controller: bool,
    pub controller_epoch: Option<u32>,
    pub zk_session: Option<u64>,
    /// Why a running broker is not registered under `/brokers/ids` (by its own session).
    pub registration: Option<RegistrationView>,
    /// In a controlled shutdown: it asked the controller to move its leaderships and waits
    /// for the answer before it stops (`KafkaServer.controlledShutdown`).
    pub shutting_down: bool,
    /// Why its last start failed, until the next start: `/brokers/ids/<id>` still belonged to
    /// the previous run's ZooKeeper session (`KafkaServer.startup`, NODEEXISTS).
    pub start_failure: Option<StartFailureView>,
    /// KRaft mode: the broker's standing with the controllers and how far it has applied the
    /// metadata log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kraft: Option<KRaftBrokerView>,
    pub replicas: Vec<ReplicaView>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct KRaftBrokerView {
    /// Its registration's epoch (the offset of its RegisterBrokerRecord) once committed.
    pub broker_epoch: Option<u64>,
    /// Fenced as the committed metadata says: a fenced broker leads nothing and is in no ISR.
    pub fenced: bool,
    /// How far it has applied the committed metadata log.
    pub metadata_offset: u64,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct StartFailureView {
    /// ZooKeeper's error code: NODEEXISTS.
    pub error: String,
    pub at_ms: u64,
    /// When ZooKeeper will expire the session that held the znode, if it hears nothing more;
    /// `None` once that session is gone (a start would now succeed).
    pub owner_session_expires_at_ms: Option<u64>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct RegistrationView {
    pub reason: RegistrationReason,
    /// With `node_exists`: when ZooKeeper will expire the older session holding the znode.
    pub owner_session_expires_at_ms: Option<u64>,
}

#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationReason {
    /// Another session holds `/brokers/ids/<id>` (NODEEXISTS, `KafkaZkClient.registerBroker`)
    /// while the broker re-registers after its own session expired; it tries again on each
    /// heartbeat. (At startup the same finding ends the process: `start_failure`.)
    NodeExists,
    /// The broker cannot reach ZooKeeper (no session, or cut off from it).
    ZookeeperUnreachable,
    /// Its session expired while it was away; it learns so on its next heartbeat and registers anew.
    SessionExpired,
    /// Connected, the znode is free, the registration is not made yet.
    Starting,
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
    /// The ISR this broker's own metadata holds (a follower's may be stale).
    pub known_isr: Vec<BrokerId>,
    /// This broker is in the partition's authoritative ISR (`partitions[].isr`).
    pub in_isr: bool,
    /// This replica's ISR or leader epoch differs from the authoritative one.
    pub stale: bool,
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
    /// Its batch's idempotent-producer stamp: producer id, epoch and the batch's sequence range.
    pub producer: Option<crate::protocol::BatchProducer>,
}

pub(super) fn record_view(r: &Record, registry: Option<&SchemaRegistry>) -> RecordView {
    RecordView {
        offset: r.offset,
        key: r.key.as_deref().map(display_bytes),
        value: r.value.as_deref().map(display_bytes),
        value_schema_id: registry.and_then(|reg| {
            let (id, _) = crate::client::schema_registry_client::unframe(r.value.as_deref()?).ok()?;
            reg.schema_by_id(id).map(|_| id)
        }),
        leader_epoch: r.leader_epoch,
        timestamp_ms: r.timestamp_ms,
        producer: r.producer,
    }
}

fn registration(world: &World, b: &crate::broker::Broker) -> Option<RegistrationView> {
    if !b.running {
        return None;
    }
    if let Some(k) = &b.kraft {
        // KRaft: registered once the controller committed it; no ZooKeeper to be cut from.
        return k.registered_epoch.is_none().then_some(RegistrationView {
            reason: RegistrationReason::Starting,
            owner_session_expires_at_ms: None,
        });
    }
    let owner = registration_owner(world, b.cluster.index, b.id);
    let (reason, expires) = match owner {
        Some(o) if o.is_some() && o == b.zk_session => return None,
        Some(o) => (RegistrationReason::NodeExists, o.and_then(|s| world.zk.session_expiry(s))),
        None => match b.zk_session {
            None => (RegistrationReason::ZookeeperUnreachable, None),
            Some(_) if !world.reachable(&b.cluster.broker(b.id), &NodeId::ZooKeeper) => (RegistrationReason::ZookeeperUnreachable, None),
            Some(s) if !world.zk.session_alive(s) => (RegistrationReason::SessionExpired, None),
            Some(_) => (RegistrationReason::Starting, None),
        },
    };
    Some(RegistrationView {
        reason,
        owner_session_expires_at_ms: expires,
    })
}

pub(super) fn broker_views(world: &World, parts: &PartitionIndex) -> Vec<BrokerView> {
    world
        .brokers
        .values()
        .map(|b| BrokerView {
            id: b.id,
            node: b.cluster.broker(b.id).to_string(),
            cluster: b.cluster.index,
            running: b.running,
            isolated: world.is_isolated(&b.cluster.broker(b.id)),
            // Kept as before: the id is registered, by whichever session (KRaft: committed).
            registered: match &b.kraft {
                Some(_) => world.metadata_image(b.cluster.index).is_some_and(|i| i.brokers.contains_key(&b.id)),
                None => registration_owner(world, b.cluster.index, b.id).is_some(),
            },
            is_controller: b.running && b.is_controller(),
            controller_epoch: b.controller_epoch().filter(|_| b.running),
            zk_session: b.zk_session,
            registration: registration(world, b),
            shutting_down: b.running && b.controlled_shutdown.is_some(),
            start_failure: b.start_failure.as_ref().filter(|_| !b.running).map(|f| StartFailureView {
                error: f.error.to_string(),
                at_ms: f.at_ms,
                owner_session_expires_at_ms: world.zk.session_expiry(f.owner_session),
            }),
            kraft: b.kraft.as_ref().map(|k| KRaftBrokerView {
                broker_epoch: k.registered_epoch.filter(|_| b.running),
                fenced: world
                    .metadata_image(b.cluster.index)
                    .and_then(|i| i.brokers.get(&b.id))
                    .is_none_or(|r| r.fenced),
                metadata_offset: k.image.applied,
            }),
            replicas: b
                .partitions
                .values()
                .map(|p| {
                    let records = &p.log.records;
                    let first = records.len().saturating_sub(RECORDS_SHOWN);
                    let truth = parts.get(b.cluster.index, &p.tp);
                    ReplicaView {
                        topic: p.tp.topic.to_string(),
                        internal: is_internal(&p.tp.topic),
                        partition: p.tp.partition,
                        role: if b.running { p.role.clone() } else { Role::Offline },
                        leader: p.leader,
                        leader_epoch: p.leader_epoch,
                        replicas: p.replicas.clone(),
                        known_isr: p.isr.clone(),
                        in_isr: truth.is_some_and(|t| t.isr.contains(&b.id)),
                        stale: truth.is_some_and(|t| t.isr != p.isr || t.leader_epoch != p.leader_epoch),
                        log_end_offset: p.log_end_offset(),
                        high_watermark: p.high_watermark,
                        records: records[first..].iter().map(|r| record_view(r, world.schema_registry.as_ref())).collect(),
                    }
                })
                .collect(),
        })
        .collect()
}
