//! Kafka's use of ZooKeeper (`kafka.zk.KafkaZkClient` and `ZkData`): which znodes
//! a ZooKeeper-mode cluster keeps, and the JSON each one holds.

use super::{ZkError, ZooKeeper};
use crate::protocol::{BrokerId, LeaderAndIsr, NodeId};
use crate::runtime::Out;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub const BROKER_IDS: &str = "/brokers/ids";
pub const TOPICS: &str = "/brokers/topics";
pub const CONTROLLER: &str = "/controller";
pub const CONTROLLER_EPOCH: &str = "/controller_epoch";
pub const CLUSTER_ID: &str = "/cluster/id";
/// `ProducerIdBlockZNode`: the last block of producer ids handed out.
pub const PRODUCER_ID_BLOCK: &str = "/latest_producer_id_block";
/// `ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE`.
pub const PRODUCER_ID_BLOCK_SIZE: u64 = 1000;

pub fn broker_path(id: BrokerId) -> String {
    format!("{BROKER_IDS}/{id}")
}

pub fn topic_path(topic: &str) -> String {
    format!("{TOPICS}/{topic}")
}

pub fn partition_state_path(topic: &str, partition: u32) -> String {
    format!("{TOPICS}/{topic}/partitions/{partition}/state")
}

/// `BrokerIdZNode` (version 5, one PLAINTEXT listener on `host`).
pub fn broker_info_json(host: &str, now_ms: u64) -> String {
    json!({"listener_security_protocol_map": {"PLAINTEXT": "PLAINTEXT"}, "endpoints": [format!("PLAINTEXT://{host}:9092")],
           "jmx_port": -1, "host": host, "timestamp": now_ms.to_string(), "port": 9092, "version": 5})
    .to_string()
}

/// `ControllerZNode`.
pub fn controller_json(id: BrokerId, now_ms: u64) -> String {
    json!({"version": 1, "brokerid": id, "timestamp": now_ms.to_string()}).to_string()
}

pub fn controller_id_of(data: &str) -> Option<BrokerId> {
    let v: Value = serde_json::from_str(data).ok()?;
    v.get("brokerid")?.as_u64().map(|x| x as BrokerId)
}

/// `TopicZNode`: the replica assignment, partition → brokers.
pub fn topic_json(assignment: &[Vec<BrokerId>]) -> String {
    let partitions: BTreeMap<String, &Vec<BrokerId>> = assignment.iter().enumerate().map(|(p, r)| (p.to_string(), r)).collect();
    json!({"version": 3, "partitions": partitions, "adding_replicas": {}, "removing_replicas": {}}).to_string()
}

pub fn assignment_of(data: &str) -> Option<Vec<Vec<BrokerId>>> {
    let v: Value = serde_json::from_str(data).ok()?;
    let parts = v.get("partitions")?.as_object()?;
    let mut out = vec![Vec::new(); parts.len()];
    for (p, replicas) in parts {
        let p: usize = p.parse().ok()?;
        let slot = out.get_mut(p)?;
        *slot = replicas
            .as_array()?
            .iter()
            .map(|r| r.as_u64().map(|x| x as BrokerId))
            .collect::<Option<Vec<_>>>()?;
    }
    Some(out)
}

/// `TopicPartitionStateZNode`: leader -1 means no leader.
pub fn partition_state_json(s: &LeaderAndIsr) -> String {
    let leader = s.leader.map_or(-1, |l| l as i64);
    json!({"controller_epoch": s.controller_epoch, "leader": leader, "version": 1, "leader_epoch": s.leader_epoch, "isr": s.isr}).to_string()
}

pub fn partition_state_of(data: &str, partition_epoch: u32) -> Option<LeaderAndIsr> {
    let v: Value = serde_json::from_str(data).ok()?;
    let leader = v.get("leader")?.as_i64()?;
    Some(LeaderAndIsr {
        leader: if leader < 0 { None } else { Some(leader as BrokerId) },
        leader_epoch: v.get("leader_epoch")?.as_u64()? as u32,
        isr: v.get("isr")?.as_array()?.iter().filter_map(|b| b.as_u64().map(|x| x as BrokerId)).collect(),
        partition_epoch,
        controller_epoch: v.get("controller_epoch")?.as_u64()? as u32,
    })
}

/// `ProducerIdBlockZNode.generateProducerIdBlockJson`.
pub fn producer_id_block_json(broker: BrokerId, first: u64, last: u64) -> String {
    json!({"version": 1, "broker": broker, "block_start": first.to_string(), "block_end": last.to_string()}).to_string()
}

fn producer_id_block_end(data: &str) -> Option<u64> {
    let v: Value = serde_json::from_str(data).ok()?;
    v.get("block_end")?.as_str()?.parse().ok()
}

/// One broker's ZooKeeper connection: every call fails with ConnectionLoss when the
/// broker cannot reach the ensemble, and with SessionExpired once its session is gone.
pub struct KafkaZkClient<'a> {
    pub zk: &'a mut ZooKeeper,
    pub out: &'a mut Out,
    pub node: NodeId,
    pub session_id: u64,
    /// Whether the broker's connection to the ensemble is up.
    pub connected: bool,
}

impl KafkaZkClient<'_> {
    fn check(&self) -> Result<(), ZkError> {
        if !self.connected {
            return Err(ZkError::ConnectionLoss);
        }
        if !self.zk.session_alive(self.session_id) {
            return Err(ZkError::SessionExpired);
        }
        Ok(())
    }

    pub fn create(&mut self, path: &str, data: String, ephemeral: bool) -> Result<(), ZkError> {
        self.check()?;
        self.zk.create(self.out, self.session_id, path, data, ephemeral)
    }

    pub fn create_recursive(&mut self, path: &str, data: String) -> Result<(), ZkError> {
        self.check()?;
        self.zk.create_recursive(self.out, self.session_id, path, data)
    }

    pub fn set_data(&mut self, path: &str, data: String, expected: Option<u32>) -> Result<u32, ZkError> {
        self.check()?;
        self.zk.set_data(self.out, self.session_id, path, data, expected)
    }

    pub fn get(&mut self, path: &str, watch: bool) -> Result<Option<super::Znode>, ZkError> {
        self.check()?;
        self.zk.get(self.session_id, path, watch)
    }

    pub fn get_children(&mut self, path: &str, watch: bool) -> Result<Vec<String>, ZkError> {
        self.check()?;
        self.zk.get_children(self.session_id, path, watch)
    }

    pub fn delete(&mut self, path: &str) -> Result<(), ZkError> {
        self.check()?;
        self.zk.delete(self.out, self.session_id, path)
    }

    /// `ZkProducerIdManager.getNewProducerIdBlock`: the block after the last one handed out,
    /// written with the version just read (the controller does this for every broker, KIP-730).
    /// Returns the block's first id.
    pub fn claim_producer_id_block(&mut self, me: BrokerId) -> Result<u64, ZkError> {
        let current = self.get(PRODUCER_ID_BLOCK, false)?;
        let first = current.as_ref().and_then(|z| producer_id_block_end(&z.data)).map_or(0, |end| end + 1);
        let data = producer_id_block_json(me, first, first + PRODUCER_ID_BLOCK_SIZE - 1);
        match current {
            Some(z) => self.set_data(PRODUCER_ID_BLOCK, data, Some(z.version)).map(|_| first),
            None => self.create(PRODUCER_ID_BLOCK, data, false).map(|_| first),
        }
    }

    /// The live brokers: the children of `/brokers/ids`, watched.
    pub fn live_brokers(&mut self) -> Result<Vec<BrokerId>, ZkError> {
        let mut ids: Vec<BrokerId> = self.get_children(BROKER_IDS, true)?.iter().filter_map(|c| c.parse().ok()).collect();
        ids.sort_unstable();
        Ok(ids)
    }

    /// The live brokers with their broker epochs (the czxid of their registration), watched.
    pub fn broker_epochs(&mut self) -> Result<BTreeMap<BrokerId, u64>, ZkError> {
        let mut out = BTreeMap::new();
        for id in self.live_brokers()? {
            if let Some(node) = self.get(&broker_path(id), false)? {
                out.insert(id, node.czxid);
            }
        }
        Ok(out)
    }

    pub fn partition_state(&mut self, topic: &str, partition: u32) -> Result<Option<LeaderAndIsr>, ZkError> {
        Ok(self
            .get(&partition_state_path(topic, partition), false)?
            .and_then(|n| partition_state_of(&n.data, n.version)))
    }

    /// Conditional update of a partition's state, guarded by its partition epoch (the znode version).
    pub fn update_partition_state(&mut self, topic: &str, partition: u32, state: &LeaderAndIsr) -> Result<u32, ZkError> {
        self.set_data(
            &partition_state_path(topic, partition),
            partition_state_json(state),
            Some(state.partition_epoch),
        )
    }
}
