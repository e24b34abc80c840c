//! KRaft's metadata (KIP-631): the records of `__cluster_metadata` replayed into an image, the
//! quorum controller that writes them, and the bridge from a Kafka node to its raft client.
//! The controller is Kafka's `QuorumController` with the parts of `ClusterControlManager`,
//! `BrokerHeartbeatManager` and `ReplicationControlManager` the playground shows.

pub mod image;
pub mod quorum_controller;
pub mod raft_out;

pub use image::MetadataImage;
pub use quorum_controller::QuorumController;
pub use raft_out::RaftOut;

/// `controller.quorum.*` as a cluster's config sets them, for a voter or an observer alike.
pub fn quorum_config(voters: &[crate::protocol::BrokerId], config: &crate::config::BrokerConfig) -> crate::raft::QuorumConfig {
    let mut q = crate::raft::QuorumConfig::new(voters.to_vec());
    q.election_timeout_ms = config.controller_quorum_election_timeout_ms;
    q.fetch_timeout_ms = config.controller_quorum_fetch_timeout_ms;
    q
}
