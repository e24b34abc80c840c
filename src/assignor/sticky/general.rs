//! `GeneralAssignmentBuilder` and `PartitionMovements`: the sticky assignors' path when members
//! subscribe to different topics.

use super::super::java::JavaHashOrder;
use super::super::{members_sorted_by_id, AssignError, Subscription};
use super::{failure, Topics, Tp, DEFAULT_GENERATION};
use std::collections::{BTreeMap, BTreeSet};

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
    pub(super) fn remove_record(&mut self, tp: Tp) -> (usize, usize) {
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

    pub(super) fn add_record(&mut self, tp: Tp, pair: (usize, usize), hash: i32) {
        self.moves.insert(tp, pair);
        self.by_topic
            .entry(tp.t)
            .or_default()
            .entry(pair)
            .or_insert_with(JavaHashOrder::new)
            .insert(tp, hash);
    }

    pub(super) fn move_partition(&mut self, tp: Tp, old: usize, new: usize, hash: i32) {
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
    pub(super) fn actual_partition_to_move(&self, tp: Tp, old: usize, new: usize) -> Tp {
        let Some(for_topic) = self.by_topic.get(&tp.t) else { return tp };
        let old = self.moves.get(&tp).map_or(old, |&(src, _)| src);
        match for_topic.get(&(new, old)) {
            Some(set) => set.first().unwrap_or(tp),
            None => tp,
        }
    }
}

/// `GeneralAssignmentBuilder` (members subscribe to different topics).
pub(super) struct General<'a> {
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
    pub(super) current: Vec<Option<Vec<Tp>>>,
    /// currentPartitionConsumer
    holder: BTreeMap<Tp, usize>,
    sorted_all: Vec<Tp>,
    /// sortedCurrentSubscriptions: (assigned count, member-id rank), ascending.
    sorted: BTreeSet<(usize, usize)>,
    revocation_required: bool,
    movements: Movements,
}

impl<'a> General<'a> {
    pub(super) fn new(topics: &'a Topics, members: &[Subscription], order: &'a [usize], owned: Vec<Vec<Tp>>, sub_topics: Vec<Vec<usize>>) -> Self {
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

    pub(super) fn size(&self, m: usize) -> Result<usize, AssignError> {
        self.current[m]
            .as_ref()
            .map(Vec::len)
            .ok_or_else(|| failure("lookup of a member set aside during balancing (NullPointerException in GeneralAssignmentBuilder)"))
    }

    pub(super) fn key(&self, m: usize) -> Option<(usize, usize)> {
        self.current[m].as_ref().map(|a| (a.len(), self.rank[m]))
    }

    pub(super) fn unlink(&mut self, m: usize) {
        if let Some(k) = self.key(m) {
            self.sorted.remove(&k);
        }
    }

    pub(super) fn link(&mut self, m: usize) {
        if let Some(k) = self.key(m) {
            self.sorted.insert(k);
        }
    }

    pub(super) fn build(&mut self, owned_raw: &[Vec<Tp>], generations: &[Option<i32>], max_generation: i32) -> Result<(), AssignError> {
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
    pub(super) fn previous_assignment(&self, owned_raw: &[Vec<Tp>], generations: &[Option<i32>], max_generation: i32) -> BTreeMap<Tp, (usize, i32)> {
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

    pub(super) fn max_assignment_size(&self, m: usize) -> usize {
        if self.sub_topics[m].len() == self.topics.names.len() {
            self.topics.total
        } else {
            self.sub_topics[m].iter().map(|&t| self.topics.counts[t] as usize).sum()
        }
    }

    pub(super) fn balance(&mut self, prev: &BTreeMap<Tp, (usize, i32)>, mut unassigned: Vec<Tp>) -> Result<(), AssignError> {
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

    pub(super) fn can_member_participate(&self, m: usize) -> Result<bool, AssignError> {
        let list = self.current[m].as_ref().ok_or_else(|| failure("member missing"))?;
        if list.len() < self.max_assignment_size(m) {
            return Ok(true);
        }
        Ok(list.iter().any(|tp| self.topic_consumers[tp.t].len() >= 2))
    }

    /// `isBalanced`: counts differ by at most one, or no member could take a partition from a
    /// member holding two or more partitions more than it.
    pub(super) fn is_balanced(&self) -> Result<bool, AssignError> {
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
    pub(super) fn perform_reassignments(&mut self, partitions: &[Tp], prev: &BTreeMap<Tp, (usize, i32)>) -> Result<bool, AssignError> {
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

    pub(super) fn reassign_to(&mut self, tp: Tp, new: usize) -> Result<(), AssignError> {
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
        let from = self.current[old].as_mut().expect("both members are in play (tested above)");
        if let Some(pos) = from.iter().position(|&x| x == moved) {
            from.remove(pos);
        }
        self.current[new].as_mut().expect("both members are in play (tested above)").push(moved);
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
