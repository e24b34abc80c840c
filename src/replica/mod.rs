//! A partition's replica on one broker: its log, its leader epochs, and, when it
//! leads, what it knows of its followers (Kafka's `kafka.cluster.Partition`,
//! `Replica` and `UnifiedLog`).

pub mod log;
pub mod partition;
pub mod producer_state;

pub use log::Log;
pub use partition::{FollowerState, Partition, Role};
