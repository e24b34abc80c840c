//! The metrics a Kafka operator watches, under Kafka's own names, computed from
//! the world's state and its recent trace (rates over the last minute of virtual
//! time, as Kafka's meters report one-minute rates).

use crate::protocol::{BrokerId, ErrorCode};
use crate::replica::Role;
use crate::trace::{Event, TraceRecord};
use crate::world::World;
use serde::Serialize;

/// The window rates are measured over, in virtual milliseconds.
pub const RATE_WINDOW_MS: u64 = 60_000;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BrokerMetrics {
    pub cluster: usize,
    pub broker: BrokerId,
    /// `kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions`: partitions it leads whose ISR lacks a replica.
    #[serde(rename = "UnderReplicatedPartitions")]
    pub under_replicated_partitions: u32,
    /// `kafka.controller:type=KafkaController,name=ActiveControllerCount`.
    #[serde(rename = "ActiveControllerCount")]
    pub active_controller_count: u32,
    #[serde(rename = "LeaderCount")]
    pub leader_count: u32,
    #[serde(rename = "IsrShrinksPerSec")]
    pub isr_shrinks_per_sec: f64,
    #[serde(rename = "IsrExpandsPerSec")]
    pub isr_expands_per_sec: f64,
    /// `kafka.server:type=BrokerTopicMetrics,name=FailedProduceRequestsPerSec`.
    #[serde(rename = "FailedProduceRequestsPerSec")]
    pub failed_produce_requests_per_sec: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClusterMetrics {
    pub cluster: usize,
    /// `kafka.controller:type=KafkaController,name=OfflinePartitionsCount`: partitions without a live leader.
    #[serde(rename = "OfflinePartitionsCount")]
    pub offline_partitions_count: u32,
    /// Summed over the cluster's brokers: exactly 1 when healthy.
    #[serde(rename = "ActiveControllerCount")]
    pub active_controller_count: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConsumerMetrics {
    pub consumer: String,
    /// `records-lag-max`: the largest (high watermark − position) over its partitions.
    #[serde(rename = "records-lag-max")]
    pub records_lag_max: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metrics {
    pub brokers: Vec<BrokerMetrics>,
    pub clusters: Vec<ClusterMetrics>,
    pub consumers: Vec<ConsumerMetrics>,
}

fn per_second(count: u32, now_ms: u64) -> f64 {
    let window = RATE_WINDOW_MS.min(now_ms.max(1));
    f64::from(count) * 1000.0 / window as f64
}

/// The metrics of `w`, with the rates counted over `trace`: the run's trace up to now (a
/// `Timeline` keeps it, not its world, which only holds the last step's events).
pub fn metrics(w: &World, trace: &[TraceRecord]) -> Metrics {
    let now = w.now_ms();
    let since = now.saturating_sub(RATE_WINDOW_MS);
    let recent = trace.iter().rev().take_while(|r| r.time_ms >= since);
    let (mut shrinks, mut expands, mut failed) = (
        std::collections::BTreeMap::new(),
        std::collections::BTreeMap::new(),
        std::collections::BTreeMap::new(),
    );
    for r in recent {
        // Broker ids are unique only within a cluster; one cluster's events name none.
        let ci = r
            .cluster
            .as_ref()
            .and_then(|n| w.config.clusters.iter().position(|c| *c.name == **n))
            .unwrap_or(0);
        match &r.event {
            Event::IsrChanged { old, new, by, .. } if new.len() < old.len() => *shrinks.entry((ci, *by)).or_insert(0u32) += 1,
            Event::IsrChanged { old, new, by, .. } if new.len() > old.len() => *expands.entry((ci, *by)).or_insert(0u32) += 1,
            Event::ProduceRefused { tp, error, .. } if *error != ErrorCode::DeliveryTimeout => {
                if let Some(b) = leader_of(w, ci, tp) {
                    *failed.entry((ci, b.id)).or_insert(0u32) += 1;
                }
            }
            _ => {}
        }
    }
    let brokers = w
        .brokers
        .iter()
        .map(|(key, b)| {
            let leading = b.partitions.values().filter(|p| b.running && p.role == Role::Leader);
            BrokerMetrics {
                cluster: key.0,
                broker: b.id,
                under_replicated_partitions: leading.clone().filter(|p| p.isr.len() < p.replicas.len()).count() as u32,
                active_controller_count: u32::from(b.running && b.is_controller()),
                leader_count: leading.count() as u32,
                isr_shrinks_per_sec: per_second(shrinks.get(key).copied().unwrap_or(0), now),
                isr_expands_per_sec: per_second(expands.get(key).copied().unwrap_or(0), now),
                failed_produce_requests_per_sec: per_second(failed.get(key).copied().unwrap_or(0), now),
            }
        })
        .collect();
    let clusters = (0..w.config.clusters.len())
        .map(|ci| {
            if w.config.clusters[ci].is_kraft() {
                // KRaft: the gauges the active controller reports (`QuorumControllerMetrics`).
                let active = w.active_controller(ci);
                return ClusterMetrics {
                    cluster: ci,
                    offline_partitions_count: active.map_or(0, |c| c.offline_partitions_count()),
                    active_controller_count: u32::from(active.is_some()),
                };
            }
            let controller = w.brokers.values().find(|b| b.cluster.index == ci && b.running && b.is_controller());
            let offline = controller.and_then(|b| b.controller()).map_or(0, |c| c.offline_partitions_count());
            ClusterMetrics {
                cluster: ci,
                offline_partitions_count: offline,
                active_controller_count: w.brokers.values().filter(|b| b.cluster.index == ci && b.running && b.is_controller()).count() as u32,
            }
        })
        .collect();
    let consumers = w
        .consumers
        .values()
        .filter(|c| c.running)
        .map(|c| ConsumerMetrics {
            consumer: c.name.to_string(),
            records_lag_max: c
                .positions
                .iter()
                .filter_map(|(tp, pos)| Some(leader_of(w, c.cluster.index, tp)?.partitions[tp].high_watermark.saturating_sub(*pos)))
                .max()
                .unwrap_or(0),
        })
        .collect();
    Metrics { brokers, clusters, consumers }
}

/// The running broker of cluster `ci` that leads `tp`.
fn leader_of<'a>(w: &'a World, ci: usize, tp: &crate::protocol::TopicPartition) -> Option<&'a crate::broker::Broker> {
    w.brokers_of(ci)
        .filter(|b| b.running)
        .find(|b| b.partitions.get(tp).is_some_and(|p| p.role == Role::Leader))
}
