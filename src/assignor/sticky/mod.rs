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

mod constrained;
mod general;

use constrained::constrained;
use general::General;
use std::collections::{BTreeMap, BTreeSet};

use super::java::{java_cmp, java_string_hash, topic_partition_hash, JavaHashOrder};
use super::{AssignError, Subscription};

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
