//! Topic administration: name rules and the default replica placement
//! (`AdminUtils.assignReplicasToBrokers`, rack-unaware).

use crate::protocol::BrokerId;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TopicError {
    /// `InvalidTopicException`.
    InvalidTopic(String),
    /// `InvalidPartitionsException`.
    InvalidPartitions(String),
    /// `InvalidReplicationFactorException`.
    InvalidReplicationFactor(String),
    /// `TopicExistsException`.
    TopicExists(String),
}

impl fmt::Display for TopicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopicError::InvalidTopic(m) => write!(f, "InvalidTopicException: {m}"),
            TopicError::InvalidPartitions(m) => write!(f, "InvalidPartitionsException: {m}"),
            TopicError::InvalidReplicationFactor(m) => write!(f, "InvalidReplicationFactorException: {m}"),
            TopicError::TopicExists(m) => write!(f, "TopicExistsException: {m}"),
        }
    }
}

/// `Topic.validate`: 1–249 characters of ASCII letters, digits, '.', '_' and '-', not "." or "..".
pub fn validate_topic_name(name: &str) -> Result<(), TopicError> {
    if name.is_empty() {
        return Err(TopicError::InvalidTopic("Topic name is illegal, it can't be empty".into()));
    }
    if name == "." || name == ".." {
        return Err(TopicError::InvalidTopic("Topic name cannot be \".\" or \"..\"".into()));
    }
    if name.len() > 249 {
        return Err(TopicError::InvalidTopic(format!(
            "Topic name is illegal, it can't be longer than 249 characters, topic name: {name}"
        )));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-') {
        return Err(TopicError::InvalidTopic(format!(
            "Topic name \"{name}\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'"
        )));
    }
    Ok(())
}

/// Kafka's rack-unaware placement: the first replica of partition p on broker
/// `(start + p) % n`, followers shifted by `shift`, which grows each time p wraps
/// around the brokers. `start` and `shift` are random in Kafka; here the seed draws them.
pub fn assign_replicas(brokers: &[BrokerId], partitions: u32, replication_factor: u32, start: usize, shift: usize) -> Result<Vec<Vec<BrokerId>>, TopicError> {
    if partitions == 0 {
        return Err(TopicError::InvalidPartitions("Number of partitions must be larger than 0.".into()));
    }
    if replication_factor == 0 {
        return Err(TopicError::InvalidReplicationFactor("Replication factor must be larger than 0.".into()));
    }
    if replication_factor as usize > brokers.len() {
        return Err(TopicError::InvalidReplicationFactor(format!(
            "Replication factor: {replication_factor} larger than available brokers: {}.",
            brokers.len()
        )));
    }
    let mut sorted = brokers.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    let mut shift = shift % n.max(1);
    let mut out = Vec::with_capacity(partitions as usize);
    for p in 0..partitions as usize {
        if p > 0 && p % n == 0 {
            shift += 1;
        }
        let first = (start + p) % n;
        let mut replicas = vec![sorted[first]];
        for j in 0..replication_factor as usize - 1 {
            // `AdminUtils.replicaIndex`: never lands on the first replica's broker.
            let follower_shift = 1 + (shift + j) % (n - 1);
            replicas.push(sorted[(first + follower_shift) % n]);
        }
        out.push(replicas);
    }
    Ok(out)
}
