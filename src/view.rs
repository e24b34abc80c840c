//! A drawing-friendly snapshot of the world: what the page draws after each step.
//! It only reads the engine's state; every field is named as Kafka names it.

use crate::protocol::{display_bytes, Acks, BrokerId, NodeId, Record};
use crate::replica::Role;
use crate::sim::Item;
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
    pub znodes: Vec<ZnodeView>,
    pub producers: Vec<ProducerView>,
    pub network: NetworkView,
    /// Messages on the wire, in delivery order.
    pub in_flight: Vec<InFlightView>,
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
    pub leader_epoch: u32,
    pub timestamp_ms: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TopicView {
    pub cluster: usize,
    pub name: String,
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
}

#[derive(Clone, Debug, Serialize)]
pub struct ProducerTopicView {
    pub topic: String,
    pub leaders: Vec<Option<BrokerId>>,
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

fn record_view(r: &Record) -> RecordView {
    RecordView {
        offset: r.offset,
        key: r.key.as_deref().map(display_bytes),
        value: r.value.as_deref().map(display_bytes),
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

pub fn view(world: &World) -> View {
    let net = &world.sched.net;
    let clusters: Vec<ClusterView> = world
        .config
        .clusters
        .iter()
        .enumerate()
        .map(|(index, spec)| {
            let running_controller = world.brokers.values().find(|b| b.cluster == index && b.running && b.controller.is_some());
            let stored_epoch = world.zk.nodes.get(&under(&spec.chroot, zkdata::CONTROLLER_EPOCH)).and_then(|n| n.data.parse().ok());
            ClusterView {
                index,
                name: spec.name.clone(),
                chroot: spec.chroot.clone(),
                brokers: spec.brokers.clone(),
                controller: running_controller.map(|b| b.id),
                controller_epoch: running_controller.and_then(|b| b.controller.as_ref()).map(|c| c.epoch).or(stored_epoch),
                live_brokers: world.registered_brokers(index),
                min_insync_replicas: spec.config.min_insync_replicas,
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
                            partition: p.tp.partition,
                            role: if b.running { p.role.clone() } else { Role::Offline },
                            leader: p.leader,
                            leader_epoch: p.leader_epoch,
                            replicas: p.replicas.clone(),
                            isr: p.isr.clone(),
                            in_isr: p.isr.contains(&b.id),
                            log_end_offset: p.log_end_offset(),
                            high_watermark: p.high_watermark,
                            records: records[first..].iter().map(record_view).collect(),
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
                topics.push(TopicView { cluster: ci, name: name.to_string(), assignment });
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
            metadata: p.metadata.iter().map(|(t, m)| ProducerTopicView { topic: t.to_string(), leaders: m.leaders.clone() }).collect(),
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
            Item::Deliver { id, from, to, msg } => Some(InFlightView { id: *id, from: from.to_string(), to: to.to_string(), kind: msg.kind(), deliver_at_ms: key.at_ms }),
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
        network,
        in_flight,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Command, ProducerConfig, WorldConfig};

    fn settled(n: u32) -> World {
        let mut w = World::new(WorldConfig::with_brokers(n)).unwrap();
        w.run_for(100);
        w
    }

    fn create(w: &mut World, topic: &str, partitions: u32, rf: u32) {
        w.apply(Command::CreateTopic { topic: topic.into(), partitions, replication_factor: rf, cluster: None }).unwrap();
        w.run_for(100);
    }

    fn produce(w: &mut World, key: &str, value: &str) {
        if !w.producers.contains_key("p") {
            w.apply(Command::AddProducer { name: "p".into(), cluster: None, config: ProducerConfig::default() }).unwrap();
        }
        w.apply(Command::Produce { producer: "p".into(), topic: "t".into(), key: Some(key.into()), key_hex: None, value: Some(value.into()), partition: None, headers: Default::default() }).unwrap();
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
        let on_0: Vec<&ReplicaView> = v.brokers.iter().flat_map(|b| &b.replicas).filter(|r| r.topic == "t" && r.partition == 0).collect();
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
        let leader = v.brokers.iter().flat_map(|b| &b.replicas).find(|r| r.partition == 0 && r.role == Role::Leader).unwrap();
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
        w.apply(Command::CutLink { a: "broker-3".into(), b: "broker-2".into() }).unwrap();
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

    #[test]
    fn messages_on_the_wire_are_listed_with_their_ends() {
        let mut w = World::new(WorldConfig::with_brokers(3)).unwrap();
        w.run_for(100);
        w.apply(Command::CreateTopic { topic: "t".into(), partitions: 1, replication_factor: 3, cluster: None }).unwrap();
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
