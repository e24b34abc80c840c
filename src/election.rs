//! The controller's decisions, apart from where metadata is stored: who leads
//! and who is in the ISR (`PartitionLeaderElectionAlgorithms` and the replica
//! state machine's ISR removal in ZooKeeper mode; `PartitionChangeBuilder` in KRaft mode
//! decides alike). Both modes' controllers share these.

use crate::protocol::{BrokerId, LeaderAndIsr};
use crate::trace::ElectionReason;
use std::collections::BTreeSet;

/// A new partition's first leader: the first live replica in assignment order; the ISR is every live replica.
pub fn new_partition_leader(assignment: &[BrokerId], live: &BTreeSet<BrokerId>) -> Option<(BrokerId, Vec<BrokerId>)> {
    let isr: Vec<BrokerId> = assignment.iter().filter(|r| live.contains(r)).copied().collect();
    isr.first().map(|l| (*l, isr.clone()))
}

/// `offlinePartitionLeaderElection`: the first replica in assignment order that is
/// alive and in the ISR; failing that, and only with unclean election enabled, the
/// first live replica, which then forms the ISR alone.
pub fn offline_partition_leader(
    assignment: &[BrokerId],
    isr: &[BrokerId],
    live: &BTreeSet<BrokerId>,
    unclean: bool,
) -> Option<(BrokerId, Vec<BrokerId>, ElectionReason)> {
    let live_isr: Vec<BrokerId> = isr.iter().filter(|r| live.contains(r)).copied().collect();
    if let Some(leader) = assignment.iter().find(|r| live_isr.contains(r)) {
        return Some((*leader, live_isr, ElectionReason::OfflineLeader));
    }
    if unclean {
        if let Some(leader) = assignment.iter().find(|r| live.contains(r)) {
            return Some((*leader, vec![*leader], ElectionReason::Unclean));
        }
    }
    None
}

/// `controlledShutdownPartitionLeaderElection`: the first replica in assignment order that is
/// alive, in the ISR and not shutting down; the shutting-down brokers leave the ISR.
pub fn controlled_shutdown_leader(
    assignment: &[BrokerId],
    isr: &[BrokerId],
    eligible: &BTreeSet<BrokerId>,
    shutting_down: &BTreeSet<BrokerId>,
) -> Option<(BrokerId, Vec<BrokerId>)> {
    let leader = assignment
        .iter()
        .find(|r| eligible.contains(r) && isr.contains(r) && !shutting_down.contains(r))?;
    Some((*leader, isr.iter().filter(|r| !shutting_down.contains(r)).copied().collect()))
}

/// `preferredReplicaPartitionLeaderElection`: the first replica of the assignment, if alive and in the ISR.
pub fn preferred_leader(assignment: &[BrokerId], isr: &[BrokerId], live: &BTreeSet<BrokerId>) -> Option<BrokerId> {
    let preferred = *assignment.first()?;
    (live.contains(&preferred) && isr.contains(&preferred)).then_some(preferred)
}

/// `ReplicaStateMachine.doRemoveReplicasFromIsr`: a dead replica leaves the ISR (the
/// last member stays, so it can lead again cleanly); if it led, the partition has no
/// leader. The leader epoch rises either way.
pub fn remove_replica_from_isr(state: &LeaderAndIsr, replica: BrokerId) -> LeaderAndIsr {
    let leader = if state.leader == Some(replica) { None } else { state.leader };
    let isr = if state.isr.len() == 1 {
        state.isr.clone()
    } else {
        state.isr.iter().filter(|r| **r != replica).copied().collect()
    };
    LeaderAndIsr {
        leader,
        leader_epoch: state.leader_epoch + 1,
        isr,
        partition_epoch: state.partition_epoch,
        controller_epoch: state.controller_epoch,
    }
}

/// `KafkaController.checkAndTriggerAutoLeaderRebalance`: a broker is imbalanced when the
/// share of the partitions it prefers that another broker leads exceeds the percentage.
pub fn is_imbalanced(preferred_of: usize, not_led: usize, percentage: u32) -> bool {
    preferred_of > 0 && not_led * 100 > percentage as usize * preferred_of
}
