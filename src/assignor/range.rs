//! `RangeAssignor` ("range"): each topic on its own, split into contiguous ranges.

use std::collections::BTreeMap;

use super::{members_sorted_by_id, Subscription};

/// For every topic, the members subscribed to it are put in member-id order and the partitions
/// in numeric order; each member takes `P / C` partitions and the first `P % C` members one more
/// (`RangeAssignor.assignRanges`/`TopicAssignmentState.maxAssignable`).
///
/// Topics are handled independently, which is why with several topics the first members in
/// id order collect the extra partition of *every* topic. The rack-aware pass
/// (`assignWithRackMatching`, KIP-881) is left out: it only runs when consumers have racks,
/// and ours have none.
pub(super) fn assign(topics: &BTreeMap<String, u32>, members: &[Subscription]) -> Vec<Vec<(String, u32)>> {
    let mut out: Vec<Vec<(String, u32)>> = vec![Vec::new(); members.len()];
    let sorted = members_sorted_by_id(members);
    for (topic, &count) in topics {
        let consumers: Vec<usize> = sorted.iter().copied().filter(|&m| members[m].topics.contains(topic)).collect();
        if consumers.is_empty() {
            continue;
        }
        let per_consumer = count / consumers.len() as u32;
        let with_extra = count % consumers.len() as u32;
        let mut next = 0u32;
        for (i, &m) in consumers.iter().enumerate() {
            let take = per_consumer + u32::from((i as u32) < with_extra);
            for p in next..next + take {
                out[m].push((topic.clone(), p));
            }
            next += take;
        }
    }
    out
}
