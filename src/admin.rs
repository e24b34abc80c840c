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

impl TopicError {
    /// The name of the exception Kafka throws (`org.apache.kafka.common.errors`), and its message.
    pub fn parts(&self) -> (&'static str, &str) {
        match self {
            TopicError::InvalidTopic(m) => ("InvalidTopicException", m),
            TopicError::InvalidPartitions(m) => ("InvalidPartitionsException", m),
            TopicError::InvalidReplicationFactor(m) => ("InvalidReplicationFactorException", m),
            TopicError::TopicExists(m) => ("TopicExistsException", m),
        }
    }
}

impl fmt::Display for TopicError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (exception, message) = self.parts();
        write!(f, "{exception}: {message}")
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
    // `String.length()`: UTF-16 code units.
    if name.encode_utf16().count() > 249 {
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

/// `Topic.hasCollision`: two names collide when they are equal once '.' is read as '_'
/// (both become '_' in metric names).
pub fn has_collision(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .all(|(x, y)| x == y || (matches!(x, b'.' | b'_') && matches!(y, b'.' | b'_')))
}

/// `AdminZkClient.validateTopicCreate`: an existing topic of the same name is TopicExistsException;
/// one that collides with it (`Topic.hasCollisionChars`, then `Topic.hasCollision`) is InvalidTopicException.
pub fn check_new_topic<'a>(name: &str, existing: impl IntoIterator<Item = &'a str>) -> Result<(), TopicError> {
    let existing: Vec<&str> = existing.into_iter().collect();
    if existing.contains(&name) {
        return Err(TopicError::TopicExists(format!("Topic '{name}' already exists.")));
    }
    if name.contains(['.', '_']) {
        let colliding: Vec<&str> = existing.into_iter().filter(|t| has_collision(name, t)).collect();
        if !colliding.is_empty() {
            return Err(TopicError::InvalidTopic(format!(
                "Topic '{name}' collides with existing topics: {}",
                colliding.join(", ")
            )));
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_validate_refuses_what_kafka_refuses_and_cuts_nothing() {
        // `Topic.validate`: at most 249 characters, not "." or "..", only [a-zA-Z0-9._-].
        assert!(validate_topic_name(&"a".repeat(249)).is_ok());
        let long = "a".repeat(250);
        let e = validate_topic_name(&long).unwrap_err().to_string();
        assert!(e.contains("can't be longer than 249 characters") && e.ends_with(&long), "{e}");
        for bad in [".", ".."] {
            assert_eq!(
                validate_topic_name(bad).unwrap_err().to_string(),
                "InvalidTopicException: Topic name cannot be \".\" or \"..\""
            );
        }
        for bad in ["a b", "a/b", "ü", "a:b", "카프카"] {
            let e = validate_topic_name(bad).unwrap_err().to_string();
            assert!(
                e.contains("contains a character other than ASCII alphanumerics, '.', '_' and '-'"),
                "{bad}: {e}"
            );
        }
        assert!(validate_topic_name("...").is_ok() && validate_topic_name("a.b_c-D9").is_ok());
    }

    #[test]
    fn a_name_colliding_once_dots_are_underscores_is_refused_as_admin_zk_client_does() {
        assert!(has_collision("a.b", "a_b") && has_collision("a_b", "a.b") && has_collision("a.b", "a.b"));
        assert!(!has_collision("a.b", "a-b") && !has_collision("a.b", "a.bc"));
        let e = check_new_topic("a.b", ["a_b", "c"]).unwrap_err();
        assert_eq!(e.to_string(), "InvalidTopicException: Topic 'a.b' collides with existing topics: a_b");
        let e = check_new_topic("x_y", ["x.y", "x_y"]).unwrap_err();
        assert_eq!(e.to_string(), "TopicExistsException: Topic 'x_y' already exists.");
        assert!(check_new_topic("a-b", ["a_b", "a.b"]).is_ok(), "'-' is not a collision character");
    }
}
