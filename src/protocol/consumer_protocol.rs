//! The consumer's embedded protocol in JoinGroup and SyncGroup (`ConsumerProtocol`): each
//! member's subscription goes to the group leader, and the leader's assignment comes back
//! through the coordinator, which stores and passes them on but assigns nothing itself. The
//! assignors compute on them.

/// One member's JoinGroup subscription as the leader's assignor sees it
/// (`ConsumerPartitionAssignor.Subscription`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Subscription {
    pub member_id: String,
    pub topics: Vec<String>,
    /// Partitions the member owned before this rebalance (sticky assignors use it).
    #[serde(default)]
    pub owned: std::collections::BTreeMap<String, Vec<u32>>,
    /// Generation the owned partitions come from (sticky: user data; cooperative: generationId). None = unknown/default.
    #[serde(default)]
    pub generation: Option<i32>,
}

/// Member id -> topic -> partitions (ascending). Members with nothing assigned map to an empty map.
pub type Assignment = std::collections::BTreeMap<String /*member id*/, std::collections::BTreeMap<String /*topic*/, Vec<u32> /*partitions, ascending*/>>;
