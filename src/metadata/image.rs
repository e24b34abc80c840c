//! What the committed metadata log says (Kafka's `MetadataImage`, built record by record as
//! `MetadataDelta` does): the brokers' registrations and the partitions. The controllers and
//! the brokers replay the same records into it, so they cannot read them differently.

use crate::protocol::{BrokerId, LeaderAndIsr, MetadataRecord, Name, PartitionMetadata, TopicPartition};
use crate::raft::{Entry, EntryRecord};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BrokerRegistration {
    pub broker_epoch: u64,
    pub fenced: bool,
    pub in_controlled_shutdown: bool,
}

/// Kafka's `PartitionRegistration`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartitionRegistration {
    pub replicas: Vec<BrokerId>,
    pub isr: Vec<BrokerId>,
    pub leader: Option<BrokerId>,
    pub leader_epoch: u32,
    pub partition_epoch: u32,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct MetadataImage {
    pub brokers: BTreeMap<BrokerId, BrokerRegistration>,
    pub topics: BTreeSet<Name>,
    pub partitions: BTreeMap<TopicPartition, PartitionRegistration>,
    /// The first producer id not yet given to a broker.
    pub next_producer_id: u64,
    /// How far the log has been applied: the offset of the next entry to replay.
    pub applied: u64,
}

impl MetadataImage {
    /// Replays the log's entries from where the image is up to `end`; returns the partitions
    /// that changed (a broker acts on those).
    pub fn replay_log(&mut self, entries: &[Entry<MetadataRecord>], end: u64) -> BTreeSet<TopicPartition> {
        let mut changed = BTreeSet::new();
        let end = end.min(entries.len() as u64);
        while self.applied < end {
            let offset = self.applied;
            if let EntryRecord::Data(r) = &entries[offset as usize].record {
                changed.extend(self.replay(offset, r));
            }
            self.applied += 1;
        }
        changed
    }

    fn replay(&mut self, offset: u64, record: &MetadataRecord) -> Option<TopicPartition> {
        match record {
            MetadataRecord::RegisterBroker { broker_id, .. } => {
                let registration = BrokerRegistration {
                    broker_epoch: offset,
                    fenced: true,
                    in_controlled_shutdown: false,
                };
                self.brokers.insert(*broker_id, registration);
                None
            }
            MetadataRecord::BrokerRegistrationChange {
                broker_id,
                broker_epoch,
                fenced,
                in_controlled_shutdown,
            } => {
                if let Some(b) = self.brokers.get_mut(broker_id).filter(|b| b.broker_epoch == *broker_epoch) {
                    b.fenced = fenced.unwrap_or(b.fenced);
                    b.in_controlled_shutdown = in_controlled_shutdown.unwrap_or(b.in_controlled_shutdown);
                }
                None
            }
            MetadataRecord::Topic { name } => {
                self.topics.insert(name.clone());
                None
            }
            MetadataRecord::Partition { tp, replicas, isr, leader } => {
                let registration = PartitionRegistration {
                    replicas: replicas.clone(),
                    isr: isr.clone(),
                    leader: *leader,
                    leader_epoch: 0,
                    partition_epoch: 0,
                };
                self.partitions.insert(tp.clone(), registration);
                Some(tp.clone())
            }
            MetadataRecord::PartitionChange { tp, isr, leader } => {
                let p = self.partitions.get_mut(tp)?;
                if let Some(isr) = isr {
                    p.isr = isr.clone();
                }
                if let Some(leader) = leader {
                    p.leader = *leader;
                    p.leader_epoch += 1;
                }
                p.partition_epoch += 1;
                Some(tp.clone())
            }
            MetadataRecord::ProducerIds { next_producer_id, .. } => {
                self.next_producer_id = *next_producer_id;
                None
            }
        }
    }

    /// Brokers that may lead or join an ISR: registered, unfenced, not shutting down.
    pub fn eligible_brokers(&self) -> BTreeSet<BrokerId> {
        self.brokers
            .iter()
            .filter(|(_, b)| !b.fenced && !b.in_controlled_shutdown)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Brokers clients may use: registered and unfenced (`MetadataCache.getAliveBrokers`).
    pub fn live_brokers(&self) -> Vec<BrokerId> {
        self.brokers.iter().filter(|(_, b)| !b.fenced).map(|(id, _)| *id).collect()
    }

    /// A partition as a broker acts on it (what LeaderAndIsr carried in ZooKeeper mode).
    pub fn partition_metadata(&self, tp: &TopicPartition) -> Option<PartitionMetadata> {
        let p = self.partitions.get(tp)?;
        Some(PartitionMetadata {
            tp: tp.clone(),
            replicas: p.replicas.clone(),
            state: LeaderAndIsr {
                leader: p.leader,
                leader_epoch: p.leader_epoch,
                isr: p.isr.clone(),
                partition_epoch: p.partition_epoch,
                controller_epoch: 0,
            },
        })
    }
}
