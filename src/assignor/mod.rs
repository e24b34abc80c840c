//! Consumer partition assignors: `range`, `roundrobin`, `sticky` and `cooperative-sticky`.
//!
//! In Kafka's classic group protocol the group *leader* (a consumer, not the broker) runs the
//! assignor chosen through `partition.assignment.strategy` and sends the result back in its
//! SyncGroup request. These functions reproduce what the Java client's assignors
//! (`org.apache.kafka.clients.consumer.*Assignor`) compute for the same input, down to the
//! tie-breaks Kafka inherits from Java's `HashMap` iteration order (see [`java`]).
//!
//! Shared conventions:
//! - Every member appears in the [`Assignment`], with an empty map when it gets nothing (an idle
//!   consumer). A topic key appears under a member only when that member gets at least one
//!   partition of it; partitions are listed in ascending order.
//! - Only topics someone subscribes to and that have at least one partition take part, exactly as
//!   `AbstractPartitionAssignor.assign(Cluster, GroupSubscription)` builds its topic map. A member
//!   subscribed to a topic missing from the metadata (deleted, or not created yet) is no error: that
//!   topic is left out ("Skipping assignment for topic {} since no metadata is available"), and the
//!   member still gets its share of the others. The subscription itself is passed on unchanged, as
//!   Kafka passes it: the sticky assignors compare raw subscriptions to choose their path.
//! - No member has a `group.instance.id` here, so members are ordered by member id
//!   (`AbstractPartitionAssignor.MemberInfo.compareTo` puts static members first when there are any).
//! - No member has a rack, so the rack-aware variants of the range and sticky assignors (KIP-881)
//!   never switch on, just as in Kafka when `client.rack` is unset.
//! - The `members` slice order stands for the order of the members in the JoinGroup response. It
//!   only matters where Kafka's answer depends on it: two member ids in the same `HashMap` bucket.

pub(crate) mod java;
mod range;
mod roundrobin;
mod sticky;

pub use crate::protocol::{Assignment, Subscription};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The built-in assignors, by their `partition.assignment.strategy` short names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    Range,
    RoundRobin,
    Sticky,
    CooperativeSticky,
}

impl Strategy {
    /// All strategies, in the order Kafka's documentation lists them.
    pub const ALL: [Strategy; 4] = [Strategy::Range, Strategy::RoundRobin, Strategy::Sticky, Strategy::CooperativeSticky];

    /// Parses an assignor's `name()` (`RangeAssignor.RANGE_ASSIGNOR_NAME` etc.).
    pub fn from_name(s: &str) -> Result<Strategy, AssignError> {
        Strategy::ALL
            .into_iter()
            .find(|strategy| strategy.name() == s)
            .ok_or_else(|| AssignError::UnknownStrategy(s.to_string()))
    }

    /// The assignor's `name()`, as members advertise it in JoinGroup.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Range => "range",
            Strategy::RoundRobin => "roundrobin",
            Strategy::Sticky => "sticky",
            Strategy::CooperativeSticky => "cooperative-sticky",
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an assignment could not be computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AssignError {
    /// The name is not one of the built-in assignors.
    UnknownStrategy(String),
    /// Two subscriptions carry the same member id.
    DuplicateMember(String),
    /// A member lists the same topic twice (Kafka's subscriptions are sets).
    DuplicateTopic { member_id: String, topic: String },
    /// A member claims to own a partition number the topic does not have, or lists one twice.
    InvalidOwnedPartition { member_id: String, topic: String, partition: u32 },
    /// Kafka's own assignor would throw here (an internal consistency check or a null lookup);
    /// we report it rather than invent an answer Kafka never gives.
    KafkaAssignorFailure(String),
}

impl fmt::Display for AssignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AssignError::UnknownStrategy(name) => {
                let valid: Vec<&str> = Strategy::ALL.iter().map(|s| s.name()).collect();
                write!(f, "unknown partition assignment strategy '{name}'; valid strategies are: {}", valid.join(", "))
            }
            AssignError::DuplicateMember(id) => write!(f, "member id '{id}' appears in more than one subscription"),
            AssignError::DuplicateTopic { member_id, topic } => {
                write!(f, "member '{member_id}' lists topic '{topic}' more than once in its subscription")
            }
            AssignError::InvalidOwnedPartition { member_id, topic, partition } => write!(
                f,
                "member '{member_id}' claims to own {topic}-{partition}, which does not exist or is listed twice"
            ),
            AssignError::KafkaAssignorFailure(why) => write!(f, "Kafka's assignor would fail on this input: {why}"),
        }
    }
}

impl std::error::Error for AssignError {}

/// Computes the assignment the group leader would send, using `strategy`.
///
/// `partitions_per_topic` is the leader's metadata (topic -> partition count; a count of 0 is a
/// topic with no partitions and simply gets nothing assigned). Topics nobody subscribes to are
/// ignored, and so are subscribed topics missing from the map (Kafka skips topics without
/// metadata). Owned partitions of topics missing from the map are ignored, as Kafka ignores owned
/// partitions of deleted topics.
pub fn assign(strategy: Strategy, partitions_per_topic: &BTreeMap<String, u32>, members: &[Subscription]) -> Result<Assignment, AssignError> {
    validate(partitions_per_topic, members)?;
    // AbstractPartitionAssignor.assign: only subscribed topics with metadata and >= 1 partition.
    let subscribed: BTreeSet<&str> = members.iter().flat_map(|m| m.topics.iter().map(String::as_str)).collect();
    let topics: BTreeMap<String, u32> = partitions_per_topic
        .iter()
        .filter(|(t, n)| **n > 0 && subscribed.contains(t.as_str()))
        .map(|(t, n)| (t.clone(), *n))
        .collect();
    let lists = match strategy {
        Strategy::Range => range::assign(&topics, members),
        Strategy::RoundRobin => roundrobin::assign(&topics, members),
        Strategy::Sticky => sticky::assign(&topics, members, false)?,
        Strategy::CooperativeSticky => sticky::assign(&topics, members, true)?,
    };
    Ok(to_assignment(members, lists))
}

fn validate(partitions_per_topic: &BTreeMap<String, u32>, members: &[Subscription]) -> Result<(), AssignError> {
    let mut ids = BTreeSet::new();
    for m in members {
        if !ids.insert(m.member_id.as_str()) {
            return Err(AssignError::DuplicateMember(m.member_id.clone()));
        }
        let mut seen = BTreeSet::new();
        for t in &m.topics {
            if !seen.insert(t.as_str()) {
                return Err(AssignError::DuplicateTopic {
                    member_id: m.member_id.clone(),
                    topic: t.clone(),
                });
            }
        }
        for (t, parts) in &m.owned {
            let Some(&count) = partitions_per_topic.get(t) else { continue };
            let mut seen = BTreeSet::new();
            for &p in parts {
                if p >= count || !seen.insert(p) {
                    return Err(AssignError::InvalidOwnedPartition {
                        member_id: m.member_id.clone(),
                        topic: t.clone(),
                        partition: p,
                    });
                }
            }
        }
    }
    Ok(())
}

/// Turns per-member `(topic, partition)` lists (indexed like `members`) into the public shape.
fn to_assignment(members: &[Subscription], lists: Vec<Vec<(String, u32)>>) -> Assignment {
    let mut out = Assignment::new();
    for (m, list) in members.iter().zip(lists) {
        let mut topics: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for (t, p) in list {
            topics.entry(t).or_default().push(p);
        }
        for parts in topics.values_mut() {
            parts.sort_unstable();
        }
        out.insert(m.member_id.clone(), topics);
    }
    out
}

/// Member indexes sorted by member id the way `MemberInfo.compareTo` sorts members without a
/// `group.instance.id` (Java `String.compareTo`).
fn members_sorted_by_id(members: &[Subscription]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by(|&a, &b| java::java_cmp(&members[a].member_id, &members[b].member_id));
    order
}
