//! The records of KRaft's `__cluster_metadata` log (KIP-631; Kafka's schemas in
//! `metadata/src/main/resources/common/metadata/`): every decision of the controller is one of
//! these, and it takes effect when the quorum has committed it. Only the records the model
//! uses are here; topic ids, directories, features and configs are left out.

use super::{BrokerId, Name, TopicPartition};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type")]
pub enum MetadataRecord {
    /// `RegisterBrokerRecord`: a broker joined, fenced until it has caught up. Its broker epoch
    /// is this record's offset.
    RegisterBroker { broker_id: BrokerId, broker_epoch: u64 },
    /// `BrokerRegistrationChangeRecord`: fenced or unfenced, or in a controlled shutdown.
    BrokerRegistrationChange {
        broker_id: BrokerId,
        broker_epoch: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        fenced: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        in_controlled_shutdown: Option<bool>,
    },
    /// `TopicRecord`.
    Topic { name: Name },
    /// `PartitionRecord`: a new partition's replicas, ISR and first leader.
    Partition {
        tp: TopicPartition,
        replicas: Vec<BrokerId>,
        isr: Vec<BrokerId>,
        leader: Option<BrokerId>,
    },
    /// `PartitionChangeRecord`: only what changes. A new leader (even none) raises the leader
    /// epoch; every change raises the partition epoch.
    PartitionChange {
        tp: TopicPartition,
        #[serde(skip_serializing_if = "Option::is_none")]
        isr: Option<Vec<BrokerId>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        leader: Option<Option<BrokerId>>,
    },
    /// `ProducerIdsRecord`: a block of producer ids went to a broker; the next starts here.
    ProducerIds {
        broker_id: BrokerId,
        broker_epoch: u64,
        next_producer_id: u64,
    },
}
