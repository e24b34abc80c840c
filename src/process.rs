//! The surroundings of a broker's process in ZooKeeper mode. The broker's request handling and
//! the controller it may host both run on them (`KafkaServer` hands `KafkaController` its
//! `KafkaZkClient` and config), so they live below both.

use crate::config::BrokerConfig;
use crate::protocol::{BrokerId, ClusterRef};
use crate::runtime::Out;
use crate::zookeeper::kafka_zk_client::KafkaZkClient;
use crate::zookeeper::ZooKeeper;

/// What a broker's handler may touch besides its own memory: the clock and its outbox, the
/// ZooKeeper ensemble (reached only through its session), its cluster's name and settings.
pub struct Ctx<'a> {
    pub out: &'a mut Out,
    pub zk: &'a mut ZooKeeper,
    pub cluster: ClusterRef,
    pub config: &'a BrokerConfig,
    /// Whether this broker's connection to ZooKeeper is up (the network decides; the broker only
    /// sees its connection work or fail).
    pub zk_connected: bool,
}

impl Ctx<'_> {
    pub fn zk_client(&mut self, me: BrokerId, session: u64) -> KafkaZkClient<'_> {
        KafkaZkClient {
            zk: self.zk,
            out: self.out,
            node: self.cluster.broker(me),
            session_id: session,
            connected: self.zk_connected,
        }
    }
}
