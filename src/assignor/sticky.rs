//! `StickyAssignor` ("sticky", KIP-54) and `CooperativeStickyAssignor` ("cooperative-sticky",
//! KIP-429): both are `AbstractStickyAssignor` underneath.
//!
//! The goal is a balanced assignment that moves as few partitions as possible from their previous
//! owners. Kafka has two algorithms for it:
//! - the *constrained* one (`ConstrainedAssignmentBuilder`), used when every member subscribes to
//!   the same topics: give each member back what it owned, up to its quota, then deal the rest
//!   round-robin to the members still under quota;
//! - the *general* one (`GeneralAssignmentBuilder`), used otherwise: keep what is still valid,
//!   hand out the rest to the least-loaded eligible member, then move partitions one at a time
//!   while that improves balance, preferring moves that undo earlier moves.
//!
//! Where Kafka's choice depends on the iteration order of a Java `HashMap`/`HashSet`, we use the
//! same order (see [`super::java`]).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::java::{java_cmp, java_string_hash, topic_partition_hash, JavaHashOrder};
use super::{members_sorted_by_id, AssignError, Subscription};

/// `AbstractStickyAssignor.DEFAULT_GENERATION`: what a member without a generation counts as.
const DEFAULT_GENERATION: i32 = -1;

/// `partitionsTransferringOwnership`: partition -> the member it is being handed to.
type Transfers = BTreeMap<Tp, usize>;

/// A topic-partition; `t` indexes [`Topics`], whose order is Java's topic-name order, so the
/// derived ordering is Kafka's `TopicPartitionComparator` (topic name, then partition).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Tp {
    t: usize,
    p: u32,
}

/// The topics taking part (subscribed, at least one partition), sorted by Java `String` order.
struct Topics {
    names: Vec<String>,
    counts: Vec<u32>,
    hashes: Vec<i32>,
    total: usize,
}

impl Topics {
    fn tp_hash(&self, tp: Tp) -> i32 {
        topic_partition_hash(self.hashes[tp.t], tp.p)
    }
    fn partitions(&self, t: usize) -> impl Iterator<Item = Tp> {
        (0..self.counts[t]).map(move |p| Tp { t, p })
    }
}

fn failure(why: &str) -> AssignError {
    AssignError::KafkaAssignorFailure(why.to_string())
}

/// Entry point for both sticky assignors.
///
/// For the eager `sticky` assignor Kafka reads a member's previous partitions and generation from
/// the subscription *user data* (`StickyAssignor.memberData`); for `cooperative-sticky` from the
/// subscription's `ownedPartitions` and `generationId` (`CooperativeStickyAssignor.memberData`).
/// Here both come from [`Subscription::owned`] and [`Subscription::generation`]. Where Kafka compares
/// one member's user-data generation with another's `generationId` (`allSubscriptionsEqual`), we
/// use the one `generation` field for both, which is what a current client sends.
///
/// The assignor is modelled as a fresh instance per rebalance. (A real leader reuses its assignor
/// object, whose `maxGeneration` field only ever grows; that can only matter if a later rebalance
/// reports lower generations than an earlier one did on the same leader.)
pub(super) fn assign(topics_in: &BTreeMap<String, u32>, members: &[Subscription], cooperative: bool) -> Result<Vec<Vec<(String, u32)>>, AssignError> {
    if members.is_empty() {
        return Ok(Vec::new());
    }
    let mut names: Vec<String> = topics_in.keys().cloned().collect();
    names.sort_by(|a, b| java_cmp(a, b));
    let index: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let counts: Vec<u32> = names.iter().map(|n| topics_in[n]).collect();
    let hashes: Vec<i32> = names.iter().map(|n| java_string_hash(n)).collect();
    let total = counts.iter().map(|&c| c as usize).sum();
    let topics = Topics {
        names: names.clone(),
        counts,
        hashes,
        total,
    };

    // What each member claims (MemberData): owned partitions of topics still taking part.
    let owned: Vec<Vec<Tp>> = members
        .iter()
        .map(|m| {
            m.owned
                .iter()
                .filter_map(|(t, ps)| index.get(t.as_str()).map(|&t| ps.iter().map(move |&p| Tp { t, p })))
                .flatten()
                .collect()
        })
        .collect();
    let generations: Vec<Option<i32>> = members.iter().map(|m| m.generation).collect();
    // The topics each member may get: its subscription, in its order, limited to taking-part topics.
    let sub_topics: Vec<Vec<usize>> = members
        .iter()
        .map(|m| m.topics.iter().filter_map(|t| index.get(t.as_str()).copied()).collect())
        .collect();

    // ConsumerCoordinator.onLeaderElected collects subscriptions into a `new HashMap<>()` keyed by
    // member id; every loop "over the subscriptions" below walks it in that map's order.
    let mut map_order = JavaHashOrder::new();
    for (i, m) in members.iter().enumerate() {
        map_order.insert(i, java_string_hash(&m.member_id));
    }
    let order = map_order.iter_order();

    let claims = resolve_claims(members, &order, &owned, &generations);

    let (mut result, transferring) = if claims.all_subscriptions_equal {
        let (result, transferring) = constrained(&topics, members, &order, claims.owned, &claims.multiply_claimed)?;
        (result, Some(transferring))
    } else {
        let mut general = General::new(&topics, members, &order, claims.owned, sub_topics);
        general.build(&owned, &generations, claims.max_generation)?;
        let result = general.current.into_iter().map(|a| a.unwrap_or_default()).collect();
        (result, None)
    };

    if cooperative {
        // CooperativeStickyAssignor.adjustAssignment: a partition moving away from a member that
        // owns it is left out this round; its owner revokes it, then rejoins, and the next
        // rebalance hands it to its new member (KIP-429). Kafka's coordinator skips its own
        // validateCooperativeAssignment for this assignor, so this is the rule that applies.
        let transferring = match transferring {
            Some(t) => t,
            None => transferring_ownership(&owned, &result),
        };
        for (tp, m) in transferring {
            if let Some(pos) = result[m].iter().position(|&x| x == tp) {
                result[m].remove(pos);
            }
        }
    }

    Ok(result
        .into_iter()
        .map(|list| list.into_iter().map(|tp| (names[tp.t].clone(), tp.p)).collect())
        .collect())
}

/// Output of `AbstractStickyAssignor.allSubscriptionsEqual`.
struct Claims {
    all_subscriptions_equal: bool,
    /// Per member: the claimed partitions it keeps a right to (`consumerToOwnedPartitions`).
    owned: Vec<Vec<Tp>>,
    /// Partitions claimed by two members of the same generation (`partitionsWithMultiplePreviousOwners`).
    multiply_claimed: BTreeSet<Tp>,
    max_generation: i32,
}

/// Decides whether all subscriptions are equal and settles conflicting ownership claims
/// (`AbstractStickyAssignor.allSubscriptionsEqual`): a claim from a newer generation beats an
/// older one; two claims from the same generation cancel each other (neither keeps it).
///
/// Claims are processed in subscription-map order, which can matter with three or more claimants.
/// Two Kafka quirks kept on purpose: a member with an empty topic list seen first does not make
/// the subscriptions unequal (the reference set is re-seeded while empty), and a member that claims
/// a partition with a generation older than the current holder's changes nothing.
fn resolve_claims(members: &[Subscription], order: &[usize], owned: &[Vec<Tp>], generations: &[Option<i32>]) -> Claims {
    let mut all_equal = true;
    let mut reference: BTreeSet<&str> = BTreeSet::new();
    let mut holder: BTreeMap<Tp, usize> = BTreeMap::new();
    let mut kept: Vec<Vec<Tp>> = vec![Vec::new(); members.len()];
    let mut multi = BTreeSet::new();
    let mut max_generation = DEFAULT_GENERATION;
    for &m in order {
        let topics = &members[m].topics;
        if reference.is_empty() {
            reference.extend(topics.iter().map(String::as_str));
        } else if all_equal && !(topics.len() == reference.len() && topics.iter().all(|t| reference.contains(t.as_str()))) {
            all_equal = false;
        }
        let generation = generations[m].unwrap_or(DEFAULT_GENERATION);
        max_generation = max_generation.max(generation);
        for &tp in &owned[m] {
            match holder.get(&tp).copied() {
                None => {
                    kept[m].push(tp);
                    holder.insert(tp, m);
                }
                Some(other) => {
                    let other_generation = generations[other].unwrap_or(DEFAULT_GENERATION);
                    if generation == other_generation {
                        multi.insert(tp);
                        kept[other].retain(|&x| x != tp);
                        holder.insert(tp, m);
                    } else if generation > other_generation {
                        kept[m].push(tp);
                        kept[other].retain(|&x| x != tp);
                        holder.insert(tp, m);
                    }
                }
            }
        }
    }
    Claims {
        all_subscriptions_equal: all_equal,
        owned: kept,
        multiply_claimed: multi,
        max_generation,
    }
}

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
fn constrained(
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

/// `CooperativeStickyAssignor.computePartitionsTransferringOwnership` (general path): partitions
/// newly given to a member that some member claimed and does not keep.
fn transferring_ownership(owned: &[Vec<Tp>], result: &[Vec<Tp>]) -> Transfers {
    let mut added = Transfers::new();
    let mut revoked: BTreeSet<Tp> = BTreeSet::new();
    for (m, assigned) in result.iter().enumerate() {
        for &tp in assigned {
            if !owned[m].contains(&tp) {
                added.insert(tp, m);
            }
        }
        for &tp in &owned[m] {
            if !assigned.contains(&tp) {
                revoked.insert(tp);
            }
        }
    }
    added.retain(|tp, _| revoked.contains(tp));
    added
}

/// `AbstractStickyAssignor.PartitionMovements`: the moves made so far in this rebalance, so that
/// a later move can undo an earlier one instead of piling up chains of moves.
#[derive(Default)]
struct Movements {
    /// topic -> (from, to) -> partitions of that topic that moved that way (a Java `HashSet`).
    by_topic: BTreeMap<usize, BTreeMap<(usize, usize), JavaHashOrder<Tp>>>,
    /// partition -> (original owner, current owner)
    moves: BTreeMap<Tp, (usize, usize)>,
}

impl Movements {
    fn remove_record(&mut self, tp: Tp) -> (usize, usize) {
        let pair = self.moves.remove(&tp).expect("partition has a movement record");
        let for_topic = self.by_topic.get_mut(&tp.t).expect("topic has movement records");
        let set = for_topic.get_mut(&pair).expect("pair has movement records");
        set.remove(tp);
        if set.is_empty() {
            for_topic.remove(&pair);
        }
        if for_topic.is_empty() {
            self.by_topic.remove(&tp.t);
        }
        pair
    }

    fn add_record(&mut self, tp: Tp, pair: (usize, usize), hash: i32) {
        self.moves.insert(tp, pair);
        self.by_topic
            .entry(tp.t)
            .or_default()
            .entry(pair)
            .or_insert_with(JavaHashOrder::new)
            .insert(tp, hash);
    }

    fn move_partition(&mut self, tp: Tp, old: usize, new: usize, hash: i32) {
        if self.moves.contains_key(&tp) {
            let (src, _) = self.remove_record(tp);
            if src != new {
                self.add_record(tp, (src, new), hash);
            }
        } else {
            self.add_record(tp, (old, new), hash);
        }
    }

    /// `getTheActualPartitionToBeMoved`: if some partition of the same topic already moved the
    /// opposite way (from `new` to the partition's original owner), move that one back instead.
    /// Which one, among several, is the first in the Java `HashSet`'s iteration order.
    fn actual_partition_to_move(&self, tp: Tp, old: usize, new: usize) -> Tp {
        let Some(for_topic) = self.by_topic.get(&tp.t) else { return tp };
        let old = self.moves.get(&tp).map_or(old, |&(src, _)| src);
        match for_topic.get(&(new, old)) {
            Some(set) => set.first().unwrap_or(tp),
            None => tp,
        }
    }
}

/// `GeneralAssignmentBuilder` (members subscribe to different topics).
struct General<'a> {
    topics: &'a Topics,
    order: &'a [usize],
    /// Member -> rank in member-id order (the tie-break of `SubscriptionComparator`).
    rank: Vec<usize>,
    by_rank: Vec<usize>,
    /// consumer2AllPotentialTopics
    sub_topics: Vec<Vec<usize>>,
    /// topic2AllPotentialConsumers (members in subscription-map order)
    topic_consumers: Vec<Vec<usize>>,
    /// currentAssignment; `None` while a member is set aside as "fixed" during balancing.
    current: Vec<Option<Vec<Tp>>>,
    /// currentPartitionConsumer
    holder: BTreeMap<Tp, usize>,
    sorted_all: Vec<Tp>,
    /// sortedCurrentSubscriptions: (assigned count, member-id rank), ascending.
    sorted: BTreeSet<(usize, usize)>,
    revocation_required: bool,
    movements: Movements,
}

impl<'a> General<'a> {
    fn new(topics: &'a Topics, members: &[Subscription], order: &'a [usize], owned: Vec<Vec<Tp>>, sub_topics: Vec<Vec<usize>>) -> Self {
        let by_rank = members_sorted_by_id(members);
        let mut rank = vec![0; members.len()];
        for (r, &m) in by_rank.iter().enumerate() {
            rank[m] = r;
        }
        let mut topic_consumers = vec![Vec::new(); topics.names.len()];
        for &m in order {
            for &t in &sub_topics[m] {
                topic_consumers[t].push(m);
            }
        }
        let mut holder = BTreeMap::new();
        for (m, list) in owned.iter().enumerate() {
            for &tp in list {
                holder.insert(tp, m);
            }
        }
        // TopicComparator: fewest potential consumers first, then topic name.
        let mut sorted_topics: Vec<usize> = (0..topics.names.len()).collect();
        sorted_topics.sort_by_key(|&t| (topic_consumers[t].len(), t));
        let sorted_all = sorted_topics.iter().flat_map(|&t| topics.partitions(t)).collect();
        General {
            topics,
            order,
            rank,
            by_rank,
            sub_topics,
            topic_consumers,
            current: owned.into_iter().map(Some).collect(),
            holder,
            sorted_all,
            sorted: BTreeSet::new(),
            revocation_required: false,
            movements: Movements::default(),
        }
    }

    fn size(&self, m: usize) -> Result<usize, AssignError> {
        self.current[m]
            .as_ref()
            .map(Vec::len)
            .ok_or_else(|| failure("lookup of a member set aside during balancing (NullPointerException in GeneralAssignmentBuilder)"))
    }

    fn key(&self, m: usize) -> Option<(usize, usize)> {
        self.current[m].as_ref().map(|a| (a.len(), self.rank[m]))
    }

    fn unlink(&mut self, m: usize) {
        if let Some(k) = self.key(m) {
            self.sorted.remove(&k);
        }
    }

    fn link(&mut self, m: usize) {
        if let Some(k) = self.key(m) {
            self.sorted.insert(k);
        }
    }

    fn build(&mut self, owned_raw: &[Vec<Tp>], generations: &[Option<i32>], max_generation: i32) -> Result<(), AssignError> {
        let prev = self.previous_assignment(owned_raw, generations, max_generation);

        // assignOwnedPartitions: keep what the member still subscribes to.
        let mut assigned: BTreeSet<Tp> = BTreeSet::new();
        for m in 0..self.current.len() {
            let list = self.current[m].take().unwrap_or_default();
            let mut keep = Vec::with_capacity(list.len());
            for tp in list {
                if self.sub_topics[m].contains(&tp.t) {
                    assigned.insert(tp);
                    keep.push(tp);
                } else {
                    // Kafka leaves currentPartitionConsumer pointing at the old owner here.
                    self.revocation_required = true;
                }
            }
            self.current[m] = Some(keep);
        }
        let unassigned: Vec<Tp> = self.sorted_all.iter().copied().filter(|tp| !assigned.contains(tp)).collect();

        for m in 0..self.current.len() {
            self.link(m);
        }
        self.balance(&prev, unassigned)
    }

    /// `prepopulateCurrentAssignments`: for each partition, the most recent claim by a member
    /// whose generation is older than the newest one seen (first claim wins among equals).
    fn previous_assignment(&self, owned_raw: &[Vec<Tp>], generations: &[Option<i32>], max_generation: i32) -> BTreeMap<Tp, (usize, i32)> {
        let mut prev: BTreeMap<Tp, (usize, i32)> = BTreeMap::new();
        for &m in self.order {
            let generation = match generations[m] {
                Some(g) if g < max_generation => g,
                None if max_generation > DEFAULT_GENERATION => DEFAULT_GENERATION,
                _ => continue,
            };
            for &tp in &owned_raw[m] {
                match prev.get(&tp) {
                    Some(&(_, g)) if generation <= g => {}
                    _ => {
                        prev.insert(tp, (m, generation));
                    }
                }
            }
        }
        prev
    }

    fn max_assignment_size(&self, m: usize) -> usize {
        if self.sub_topics[m].len() == self.topics.names.len() {
            self.topics.total
        } else {
            self.sub_topics[m].iter().map(|&t| self.topics.counts[t] as usize).sum()
        }
    }

    fn balance(&mut self, prev: &BTreeMap<Tp, (usize, i32)>, mut unassigned: Vec<Tp>) -> Result<(), AssignError> {
        let &(_, last_rank) = self.sorted.last().ok_or_else(|| failure("no members"))?;
        let initializing = self.size(self.by_rank[last_rank])? == 0;

        // maybeAssign: each unassigned partition to the least-loaded member subscribed to it.
        for &tp in &unassigned {
            if self.topic_consumers[tp.t].is_empty() {
                continue;
            }
            let target = self.sorted.iter().map(|&(_, r)| self.by_rank[r]).find(|&m| self.sub_topics[m].contains(&tp.t));
            if let Some(m) = target {
                self.unlink(m);
                self.current[m].as_mut().expect("linked member has a list").push(tp);
                self.holder.insert(tp, m);
                self.link(m);
            }
        }

        // Topics with fewer than two potential consumers cannot move.
        let fixed_topics: Vec<bool> = self.topic_consumers.iter().map(|c| c.len() < 2).collect();
        self.sorted_all.retain(|tp| !fixed_topics[tp.t]);
        unassigned.retain(|tp| !fixed_topics[tp.t]);

        // Members that already have everything they could get, all of it unmovable, sit out.
        let mut fixed_members: Vec<(usize, Vec<Tp>)> = Vec::new();
        for m in 0..self.current.len() {
            if !self.can_member_participate(m)? {
                self.unlink(m);
                let list = self.current[m].take().expect("present before set aside");
                fixed_members.push((m, list));
            }
        }

        let pre_balance = self.current.clone();
        let pre_balance_holder = self.holder.clone();

        if !self.revocation_required {
            self.perform_reassignments(&unassigned, prev)?;
        }
        let sorted_all = self.sorted_all.clone();
        let reassigned = self.perform_reassignments(&sorted_all, prev)?;

        // Keep the moves only if they made the assignment strictly more balanced.
        if !initializing && reassigned && balance_score(&self.current) >= balance_score(&pre_balance) {
            self.current = pre_balance;
            self.holder = pre_balance_holder;
        }
        // (Kafka also re-inserts these into its sorted set, which nothing reads afterwards.)
        for (m, list) in fixed_members {
            self.current[m] = Some(list);
        }
        Ok(())
    }

    fn can_member_participate(&self, m: usize) -> Result<bool, AssignError> {
        let list = self.current[m].as_ref().ok_or_else(|| failure("member missing"))?;
        if list.len() < self.max_assignment_size(m) {
            return Ok(true);
        }
        Ok(list.iter().any(|tp| self.topic_consumers[tp.t].len() >= 2))
    }

    /// `isBalanced`: counts differ by at most one, or no member could take a partition from a
    /// member holding two or more partitions more than it.
    fn is_balanced(&self) -> Result<bool, AssignError> {
        let (&(min, _), &(max, _)) = match (self.sorted.first(), self.sorted.last()) {
            (Some(a), Some(b)) => (a, b),
            _ => return Err(failure("no members left to balance (NoSuchElementException in isBalanced)")),
        };
        if min + 1 >= max {
            return Ok(true);
        }
        let mut owner: BTreeMap<Tp, usize> = BTreeMap::new();
        for (m, list) in self.current.iter().enumerate() {
            for &tp in list.iter().flatten() {
                owner.insert(tp, m);
            }
        }
        for &(count, r) in &self.sorted {
            let m = self.by_rank[r];
            if count == self.max_assignment_size(m) {
                continue;
            }
            let mine = self.current[m].as_ref().expect("linked member has a list");
            for &t in &self.sub_topics[m] {
                for tp in self.topics.partitions(t) {
                    if !mine.contains(&tp) {
                        let other = *owner.get(&tp).ok_or_else(|| failure("partition without an owner in isBalanced"))?;
                        if count + 1 < self.size(other)? {
                            return Ok(false);
                        }
                    }
                }
            }
        }
        Ok(true)
    }

    /// `performReassignments`: sweep the partitions, moving one whenever its holder has at least
    /// two more than another member that could take it; repeat until a sweep changes nothing.
    #[allow(clippy::collapsible_if)] // kept in Kafka's shape; let-chains need edition 2024
    fn perform_reassignments(&mut self, partitions: &[Tp], prev: &BTreeMap<Tp, (usize, i32)>) -> Result<bool, AssignError> {
        let mut performed = false;
        loop {
            let mut modified = false;
            for &tp in partitions {
                if self.is_balanced()? {
                    break;
                }
                let consumer = *self
                    .holder
                    .get(&tp)
                    .ok_or_else(|| failure("partition without a current consumer in performReassignments"))?;
                // Prefer handing it back to its previous-generation owner.
                if let Some(&(prev_owner, _)) = prev.get(&tp) {
                    if self.size(consumer)? > self.size(prev_owner)? + 1 {
                        self.reassign_to(tp, prev_owner)?;
                        performed = true;
                        modified = true;
                        continue;
                    }
                }
                let mut better = false;
                for &other in &self.topic_consumers[tp.t] {
                    if self.size(consumer)? > self.size(other)? + 1 {
                        better = true;
                        break;
                    }
                }
                if better {
                    let new = self
                        .sorted
                        .iter()
                        .map(|&(_, r)| self.by_rank[r])
                        .find(|&m| self.sub_topics[m].contains(&tp.t))
                        .ok_or_else(|| failure("no consumer to reassign to"))?;
                    self.reassign_to(tp, new)?;
                    performed = true;
                    modified = true;
                }
            }
            if !modified {
                return Ok(performed);
            }
        }
    }

    fn reassign_to(&mut self, tp: Tp, new: usize) -> Result<(), AssignError> {
        let consumer = *self.holder.get(&tp).ok_or_else(|| failure("partition without a current consumer"))?;
        let moved = self.movements.actual_partition_to_move(tp, consumer, new);
        // processPartitionMovement
        let old = *self.holder.get(&moved).ok_or_else(|| failure("partition without a current consumer"))?;
        if self.current[old].is_none() || self.current[new].is_none() {
            return Err(failure("move involving a member set aside during balancing (NullPointerException)"));
        }
        self.unlink(old);
        self.unlink(new);
        self.movements.move_partition(moved, old, new, self.topics.tp_hash(moved));
        let from = self.current[old].as_mut().expect("checked");
        if let Some(pos) = from.iter().position(|&x| x == moved) {
            from.remove(pos);
        }
        self.current[new].as_mut().expect("checked").push(moved);
        self.holder.insert(moved, new);
        self.link(new);
        self.link(old);
        Ok(())
    }
}

/// `getBalanceScore`: sum of |difference| of assigned counts over all pairs of (non-fixed) members.
fn balance_score(assignment: &[Option<Vec<Tp>>]) -> usize {
    let sizes: Vec<usize> = assignment.iter().flatten().map(Vec::len).collect();
    let mut score = 0;
    for i in 0..sizes.len() {
        for j in i + 1..sizes.len() {
            score += sizes[i].abs_diff(sizes[j]);
        }
    }
    score
}
