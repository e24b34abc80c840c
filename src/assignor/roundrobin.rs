//! `RoundRobinAssignor` ("roundrobin"): deal partitions one by one around the group.

use std::collections::{BTreeMap, BTreeSet};

use super::java::java_cmp;
use super::{members_sorted_by_id, Subscription};

/// All subscribed topic-partitions, sorted by topic name then partition, are dealt to the members
/// in member-id order through one circular iterator that persists across topics; a member not
/// subscribed to the partition's topic is skipped (`RoundRobinAssignor.assign` with its
/// `CircularIterator`). With differing subscriptions this can be badly unbalanced; that is
/// Kafka's behaviour and the reason the sticky assignor exists.
pub(super) fn assign(topics: &BTreeMap<String, u32>, members: &[Subscription]) -> Vec<Vec<(String, u32)>> {
    let mut out: Vec<Vec<(String, u32)>> = vec![Vec::new(); members.len()];
    let ring = members_sorted_by_id(members);
    if ring.is_empty() {
        return out;
    }
    // allPartitionsSorted: a TreeSet of subscribed topic names (Java String order).
    let mut subscribed: Vec<&String> = members.iter().flat_map(|m| m.topics.iter()).collect::<BTreeSet<_>>().into_iter().collect();
    subscribed.sort_by(|a, b| java_cmp(a, b));
    let mut cursor = 0usize;
    for topic in subscribed {
        let Some(&count) = topics.get(topic) else { continue };
        for p in 0..count {
            // Someone subscribes to `topic` (that is how it got here), so this ends.
            while !members[ring[cursor]].topics.contains(topic) {
                cursor = (cursor + 1) % ring.len();
            }
            out[ring[cursor]].push((topic.clone(), p));
            cursor = (cursor + 1) % ring.len();
        }
    }
    out
}
