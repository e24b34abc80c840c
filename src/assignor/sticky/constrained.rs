//! `ConstrainedAssignmentBuilder`: the sticky assignors' path when every member subscribes to the
//! same topics.

use super::super::java::java_cmp;
use super::super::{AssignError, Subscription};
use super::{failure, Topics, Tp, Transfers};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// `ConstrainedAssignmentBuilder.build` (all members subscribe to the same topics).
///
/// With `P` partitions and `N` members every member gets `floor(P/N)` (minQuota) or
/// `ceil(P/N)` (maxQuota), and exactly `P % N` members get maxQuota. Members keep previously owned
/// partitions (lowest partition numbers first, then topic name) up to the quota, visiting members
/// in subscription-map order: the first ones seen owning maxQuota or more keep maxQuota until
/// `P % N` members have it. The remaining partitions, in topic-name then partition order, go
/// round-robin to the under-quota members sorted by member id, then one each to members at
/// minQuota (sorted by id) until `P % N` members are at maxQuota.
///
/// Returns the assignment and `partitionsTransferringOwnership` (partitions given to a member other
/// than one that had to give them up, for the cooperative assignor).
pub(super) fn constrained(
    topics: &Topics,
    members: &[Subscription],
    order: &[usize],
    owned: Vec<Vec<Tp>>,
    multi: &BTreeSet<Tp>,
) -> Result<(Vec<Vec<Tp>>, Transfers), AssignError> {
    let n = order.len();
    let min_quota = topics.total / n;
    let max_quota = topics.total.div_ceil(n);
    let expected_over_min = topics.total % n;
    let mut current_over_min = 0usize;

    let mut assignment: Vec<Vec<Tp>> = vec![Vec::new(); members.len()];
    let mut assigned: BTreeSet<Tp> = BTreeSet::new();
    let mut maybe_revoked: BTreeMap<Tp, usize> = BTreeMap::new();
    let mut under_min: Vec<usize> = Vec::new();
    let mut at_min: VecDeque<usize> = VecDeque::new();
    let mut transferring = Transfers::new();

    // assignOwnedPartitions: walks consumerToOwnedPartitions, a HashMap filled in the same order
    // as the subscriptions map, so it iterates in that order too.
    for &c in order {
        let mut mine = owned[c].clone();
        mine.sort_by_key(|tp| (tp.p, tp.t));
        mine.retain(|tp| !multi.contains(tp));
        if mine.len() < min_quota {
            assigned.extend(mine.iter().copied());
            assignment[c].extend(mine);
            under_min.push(c);
        } else if mine.len() >= max_quota && current_over_min < expected_over_min {
            current_over_min += 1;
            if current_over_min == expected_over_min {
                at_min.clear();
            }
            for &tp in &mine[max_quota..] {
                maybe_revoked.insert(tp, c);
            }
            mine.truncate(max_quota);
            assigned.extend(mine.iter().copied());
            assignment[c].extend(mine);
        } else {
            for &tp in &mine[min_quota..] {
                maybe_revoked.insert(tp, c);
            }
            mine.truncate(min_quota);
            assigned.extend(mine.iter().copied());
            assignment[c].extend(mine);
            if current_over_min < expected_over_min {
                at_min.push_back(c);
            }
        }
    }

    let unassigned: Vec<Tp> = (0..topics.names.len())
        .flat_map(|t| topics.partitions(t))
        .filter(|tp| !assigned.contains(tp))
        .collect();

    let by_id = |a: &usize, b: &usize| java_cmp(&members[*a].member_id, &members[*b].member_id);
    under_min.sort_by(by_id);
    at_min.make_contiguous().sort_by(by_id);

    // assignNewPartition: record a hand-over when someone else had to give the partition up.
    let mut give = |tp: Tp, c: usize, assignment: &mut Vec<Vec<Tp>>| -> usize {
        assignment[c].push(tp);
        if maybe_revoked.get(&tp).is_some_and(|&o| o != c) || multi.contains(&tp) {
            transferring.insert(tp, c);
        }
        assignment[c].len()
    };

    // assignRoundRobin, with `cursor` playing the LinkedList iterator over `under_min`.
    let mut cursor = 0usize;
    for &tp in &unassigned {
        let (c, from_cursor) = if cursor < under_min.len() {
            cursor += 1;
            (under_min[cursor - 1], true)
        } else if under_min.is_empty() && at_min.is_empty() {
            return Err(failure("no more unfilled consumers to be assigned (ConstrainedAssignmentBuilder)"));
        } else if under_min.is_empty() {
            (at_min.pop_front().expect("checked non-empty"), false)
        } else {
            cursor = 1;
            (under_min[0], true)
        };
        let count = give(tp, c, &mut assignment);
        if count == min_quota {
            if !from_cursor {
                return Err(failure("iterator removal without a current element (ConstrainedAssignmentBuilder)"));
            }
            cursor -= 1;
            under_min.remove(cursor);
            at_min.push_back(c);
        } else if count == max_quota {
            current_over_min += 1;
        }
    }

    // verifyUnfilledMembers
    if !under_min.is_empty() {
        if current_over_min != expected_over_min {
            return Err(failure("members left below minQuota with no partitions left (ConstrainedAssignmentBuilder)"));
        }
        if let Some(&c) = under_min.iter().find(|&&c| assignment[c].len() != min_quota) {
            return Err(AssignError::KafkaAssignorFailure(format!(
                "consumer {} does not reach minQuota partitions (ConstrainedAssignmentBuilder)",
                members[c].member_id
            )));
        }
    }
    Ok((assignment, transferring))
}
