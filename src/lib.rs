//! Kafkascope: a deterministic, step-by-step simulation of an Apache Kafka
//! cluster in ZooKeeper mode, made to be watched.

// Handlers take Kafka's request fields one by one, as Kafka's own methods do; bundling them is a refactor of its own.
#![allow(clippy::too_many_arguments)]

pub mod admin;
pub mod assignor;
pub mod broker;
pub mod check;
pub mod client;
pub mod config;
pub mod controller;
pub mod coordinator;
pub mod election;
pub mod metadata;
pub mod metrics;
pub mod partitioner;
pub mod process;
pub mod protocol;
pub mod raft;
pub mod replica;
pub mod runtime;
pub mod scenario;
pub mod schema_registry;
pub mod serialization;
pub mod sim;
pub mod timeline;
pub mod trace;
pub mod view;
pub mod world;
pub mod zookeeper;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use config::{BrokerConfig, ClusterSpec, ProducerConfig, WorldConfig};
pub use world::{Command, SimError, World};
