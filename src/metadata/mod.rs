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
