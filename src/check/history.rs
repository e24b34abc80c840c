//! The history checker: Kafka's guarantees, checked against what a run did.
//! Reads the trace, and at the end the logs of the partitions' final leaders.

use super::workload::{TOPIC, VERIFIER};
use crate::protocol::{display_bytes, BrokerId, Bytes, Name, NodeId, TopicPartition};
use crate::replica::Role;
use crate::trace::Event;
use crate::world::World;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Violation {
    /// An acknowledged record is not where its acknowledgement said, after recovery.
    AckedRecordLost {
        value: String,
        tp: TopicPartition,
        offset: u64,
        found: Option<String>,
    },
    /// A replica's committed log differs from its leader's.
    ReplicaDiverges {
        broker: BrokerId,
        tp: TopicPartition,
        offset: u64,
    },
    /// A consumer group never read an acknowledged record.
    GroupMissedRecord {
        group: String,
        value: String,
    },
    /// A consumer got a record at or above every high watermark announced so far.
    ReadPastHighWatermark {
        consumer: String,
        tp: TopicPartition,
        offset: u64,
        high_watermark: u64,
    },
    /// A committed offset beyond every high watermark announced so far.
    CommitPastHighWatermark {
        group: String,
        tp: TopicPartition,
        offset: u64,
        high_watermark: u64,
    },
    TwoLeadersInOneEpoch {
        tp: TopicPartition,
        leader_epoch: u32,
        brokers: Vec<BrokerId>,
    },
    TwoControllersInOneEpoch {
        epoch: u32,
        brokers: Vec<BrokerId>,
    },
    /// Two members of a group own one partition in the same generation. `after_unclean_election`:
    /// an unclean election of `__consumer_offsets` rewound the group's generations first.
    PartitionAssignedTwice {
        group: String,
        generation: i32,
        tp: TopicPartition,
        members: Vec<String>,
        after_unclean_election: bool,
    },
    /// A producer's record is in a partition's committed log more than once within one producer
    /// session (id and epoch): a retry written twice. Kafka rules it out for an idempotent
    /// producer (KIP-98), not for one without.
    DuplicateRecord {
        producer: String,
        idempotent: bool,
        value: String,
        tp: TopicPartition,
        offsets: Vec<u64>,
    },
    /// KRaft: two nodes led the metadata quorum in one epoch (KIP-595's election safety).
    TwoQuorumLeadersInOneEpoch {
        epoch: u64,
        nodes: Vec<String>,
    },
    /// KRaft: a voter granted its one standard vote of an epoch to two candidates.
    TwoVotesInOneEpoch {
        node: String,
        epoch: u64,
        candidates: Vec<BrokerId>,
    },
    /// KRaft: a node cut its metadata log below its own high watermark: a committed record gone
    /// (Kafka stops the process rather than do it).
    CommittedMetadataTruncated {
        node: String,
        end_offset: u64,
        high_watermark: u64,
    },
    /// KRaft: two controllers' committed metadata logs differ.
    MetadataLogDiverges {
        node: BrokerId,
        offset: u64,
    },
    /// After recovery a partition still has no leader.
    NoLeaderAfterRecovery {
        tp: TopicPartition,
    },
    /// The run needed more steps than any healthy run does: something loops without end.
    Runaway {
        steps: u64,
    },
}

impl Violation {
    pub fn kind(&self) -> &'static str {
        match self {
            Violation::AckedRecordLost { .. } => "acked_record_lost",
            Violation::ReplicaDiverges { .. } => "replica_diverges",
            Violation::GroupMissedRecord { .. } => "group_missed_record",
            Violation::ReadPastHighWatermark { .. } => "read_past_high_watermark",
            Violation::CommitPastHighWatermark { .. } => "commit_past_high_watermark",
            Violation::TwoLeadersInOneEpoch { .. } => "two_leaders_in_one_epoch",
            Violation::TwoControllersInOneEpoch { .. } => "two_controllers_in_one_epoch",
            Violation::PartitionAssignedTwice { .. } => "partition_assigned_twice",
            Violation::DuplicateRecord { .. } => "duplicate_record",
            Violation::NoLeaderAfterRecovery { .. } => "no_leader_after_recovery",
            Violation::TwoQuorumLeadersInOneEpoch { .. } => "two_quorum_leaders_in_one_epoch",
            Violation::TwoVotesInOneEpoch { .. } => "two_votes_in_one_epoch",
            Violation::CommittedMetadataTruncated { .. } => "committed_metadata_truncated",
            Violation::MetadataLogDiverges { .. } => "metadata_log_diverges",
            Violation::Runaway { .. } => "runaway",
        }
    }

    /// What Kafka allows under acks=1 or unclean election: lost records, a group whose state
    /// was rewound by an unclean election of its offsets partition, and, from a producer that
    /// is not idempotent (acks=1 turns idempotence off), a retry written twice.
    pub fn is_allowed_without_durability(&self) -> bool {
        matches!(
            self,
            Violation::AckedRecordLost { .. }
                | Violation::GroupMissedRecord { .. }
                | Violation::PartitionAssignedTwice {
                    after_unclean_election: true,
                    ..
                }
                | Violation::DuplicateRecord { idempotent: false, .. }
        )
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::AckedRecordLost { value, tp, offset, found } => {
                write!(
                    f,
                    "acknowledged record {value:?} at {tp} offset {offset} is gone; the log has {}",
                    found.as_deref().map_or("nothing there".to_string(), |v| format!("{v:?} there"))
                )
            }
            Violation::ReplicaDiverges { broker, tp, offset } => write!(f, "broker {broker}'s replica of {tp} differs from the leader's at offset {offset}"),
            Violation::GroupMissedRecord { group, value } => write!(f, "group {group} never read acknowledged record {value:?}"),
            Violation::ReadPastHighWatermark {
                consumer,
                tp,
                offset,
                high_watermark,
            } => write!(f, "{consumer} read {tp} offset {offset} while the high watermark was {high_watermark}"),
            Violation::CommitPastHighWatermark {
                group,
                tp,
                offset,
                high_watermark,
            } => write!(f, "group {group} committed {tp} offset {offset} past high watermark {high_watermark}"),
            Violation::TwoLeadersInOneEpoch { tp, leader_epoch, brokers } => write!(f, "{tp} had leaders {brokers:?} in leader epoch {leader_epoch}"),
            Violation::TwoControllersInOneEpoch { epoch, brokers } => write!(f, "controllers {brokers:?} in controller epoch {epoch}"),
            Violation::PartitionAssignedTwice {
                group,
                generation,
                tp,
                members,
                after_unclean_election,
            } => {
                write!(f, "group {group} generation {generation} gave {tp} to {members:?}")?;
                if *after_unclean_election {
                    write!(f, " (an unclean election of __consumer_offsets had rewound the group's generations)")?;
                }
                Ok(())
            }
            Violation::DuplicateRecord {
                producer,
                idempotent,
                value,
                tp,
                offsets,
            } => {
                let kind = if *idempotent { "idempotent" } else { "non-idempotent" };
                write!(f, "{kind} {producer}'s record {value:?} is in {tp} at offsets {offsets:?}")
            }
            Violation::NoLeaderAfterRecovery { tp } => write!(f, "{tp} has no leader after every fault was repaired"),
            Violation::TwoQuorumLeadersInOneEpoch { epoch, nodes } => write!(f, "the metadata quorum had leaders {nodes:?} in epoch {epoch}"),
            Violation::TwoVotesInOneEpoch { node, epoch, candidates } => write!(f, "{node} voted for {candidates:?} in epoch {epoch}"),
            Violation::CommittedMetadataTruncated {
                node,
                end_offset,
                high_watermark,
            } => write!(f, "{node} cut its metadata log to {end_offset}, below its high watermark {high_watermark}"),
            Violation::MetadataLogDiverges { node, offset } => write!(f, "controller {node}'s committed metadata log differs at offset {offset}"),
            Violation::Runaway { steps } => write!(f, "the run took {steps} steps without finishing: a livelock"),
        }
    }
}

/// KRaft's guarantees (KIP-595): one quorum leader per epoch, one vote per voter and epoch,
/// nothing committed ever cut, and, at the end, every controller's committed log one log.
fn quorum(w: &World) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut leaders: BTreeMap<(Option<Name>, u64), &NodeId> = BTreeMap::new();
    let mut votes: BTreeMap<(&NodeId, u64), BrokerId> = BTreeMap::new();
    let mut high_watermarks: BTreeMap<NodeId, u64> = BTreeMap::new();
    for r in &w.trace {
        match &r.event {
            Event::QuorumStateChanged {
                node,
                epoch,
                state: crate::raft::StateName::Leader,
                ..
            } => {
                let first = *leaders.entry((r.cluster.clone(), *epoch)).or_insert(node);
                if first != node {
                    out.push(Violation::TwoQuorumLeadersInOneEpoch {
                        epoch: *epoch,
                        nodes: vec![first.to_string(), node.to_string()],
                    });
                }
            }
            Event::QuorumVoteGranted {
                node,
                candidate,
                epoch,
                pre_vote: false,
            } => {
                let first = *votes.entry((node, *epoch)).or_insert(*candidate);
                if first != *candidate {
                    out.push(Violation::TwoVotesInOneEpoch {
                        node: node.to_string(),
                        epoch: *epoch,
                        candidates: vec![first, *candidate],
                    });
                }
            }
            Event::MetadataCommitted { node, high_watermark, .. } => {
                high_watermarks.insert(node.clone(), *high_watermark);
            }
            // A restarted process knows no high watermark until it hears one.
            Event::ControllerStarted { controller } => {
                high_watermarks.remove(&w.cluster_ref_of(r.cluster.as_deref()).controller(*controller));
            }
            Event::BrokerStarted { broker } => {
                high_watermarks.remove(&w.cluster_ref_of(r.cluster.as_deref()).broker(*broker));
            }
            Event::MetadataTruncated { node, end_offset, .. } => {
                if let Some(hw) = high_watermarks.get(node).filter(|hw| end_offset < *hw) {
                    out.push(Violation::CommittedMetadataTruncated {
                        node: node.to_string(),
                        end_offset: *end_offset,
                        high_watermark: *hw,
                    });
                }
            }
            _ => {}
        }
    }
    for ci in 0..w.config.clusters.len() {
        let logs: Vec<(BrokerId, &[crate::raft::Entry<crate::protocol::MetadataRecord>])> = w
            .controllers_of(ci)
            .filter_map(|c| {
                let raft = c.raft.as_ref()?;
                Some((c.id, &raft.log.entries()[..raft.high_watermark().unwrap_or(0) as usize]))
            })
            .collect();
        let Some((_, longest)) = logs.iter().max_by_key(|(_, l)| l.len()) else {
            continue;
        };
        for (node, log) in &logs {
            if let Some(offset) = (0..log.len()).find(|i| log[*i] != longest[*i]) {
                out.push(Violation::MetadataLogDiverges {
                    node: *node,
                    offset: offset as u64,
                });
            }
        }
    }
    out
}

fn leader_replica<'a>(w: &'a World, tp: &TopicPartition) -> Option<&'a crate::replica::Partition> {
    w.brokers
        .values()
        .filter(|b| b.running)
        .filter_map(|b| b.partitions.get(tp))
        .find(|p| p.role == Role::Leader)
}

/// An idempotent producer's session: its producer id and epoch.
type Session = (u64, u16);

/// Each producer's records that its partition's committed log holds more than once.
fn duplicates(w: &World, partitions: &BTreeSet<TopicPartition>, values: &BTreeMap<(Name, u64), Bytes>) -> Vec<Violation> {
    let producer_of: BTreeMap<&Bytes, &Name> = values.iter().map(|((p, _), v)| (v, p)).collect();
    let mut out = Vec::new();
    for tp in partitions {
        let Some(leader) = leader_replica(w, tp) else { continue };
        // Per producer session: KIP-98 de-duplicates within one producer id and epoch; after an
        // epoch bump (`TransactionManager.requestEpochBumpForPartition`) a batch whose first
        // write was never answered can be written again, as in Kafka.
        let mut seen: BTreeMap<(&Bytes, Option<Session>), Vec<u64>> = BTreeMap::new();
        for r in leader.log.records.iter().take(leader.high_watermark as usize) {
            if let Some(v) = r.value.as_ref().filter(|v| producer_of.contains_key(v)) {
                let session = r.producer.map(|p| (p.producer_id, p.producer_epoch));
                seen.entry((v, session)).or_default().push(r.offset);
            }
        }
        for ((value, _), offsets) in seen.into_iter().filter(|(_, o)| o.len() > 1) {
            let producer = producer_of[value];
            out.push(Violation::DuplicateRecord {
                producer: producer.to_string(),
                idempotent: w.producers.get(producer).is_some_and(|p| p.config.idempotence()),
                value: display_bytes(value),
                tp: tp.clone(),
                offsets,
            });
        }
    }
    out
}

/// Checks a finished fault run. Every violation found is returned, in the order found.
pub fn check(w: &World) -> Vec<Violation> {
    if w.budget_exhausted() {
        return vec![Violation::Runaway { steps: w.step }];
    }
    let mut out = Vec::new();
    // Records are followed by (producer, sequence) and compared as bytes; text only for reports.
    let mut values: BTreeMap<(Name, u64), Bytes> = BTreeMap::new();
    let mut acked: Vec<(Bytes, TopicPartition, u64)> = Vec::new();
    let mut max_hw: BTreeMap<TopicPartition, u64> = BTreeMap::new();
    // By cluster too: two clusters' ids and topic names may overlap.
    let mut leaders: BTreeMap<(Option<Name>, TopicPartition, u32), BrokerId> = BTreeMap::new();
    let mut controllers: BTreeMap<(Option<Name>, u32), BrokerId> = BTreeMap::new();
    let mut owners: BTreeMap<(String, i32, TopicPartition), String> = BTreeMap::new();
    let mut read_by_group: BTreeMap<&str, BTreeSet<(TopicPartition, u64)>> = BTreeMap::new();
    let mut unclean_offsets_election = false;
    for r in &w.trace {
        match &r.event {
            Event::LeaderChanged {
                tp,
                reason: crate::trace::ElectionReason::Unclean,
                ..
            } if &*tp.topic == crate::coordinator::OFFSETS_TOPIC => unclean_offsets_election = true,
            Event::ProduceQueued {
                producer, seq, value: Some(v), ..
            } => {
                values.insert((producer.clone(), *seq), v.clone());
            }
            Event::ProduceAcknowledged {
                producer,
                tp,
                base_offset: Some(base),
                seqs,
            } => {
                for (i, s) in seqs.iter().enumerate() {
                    if let Some(v) = values.get(&(producer.clone(), *s)) {
                        acked.push((v.clone(), tp.clone(), base + i as u64));
                    }
                }
            }
            Event::HighWatermarkAdvanced { tp, new, .. } => {
                let hw = max_hw.entry(tp.clone()).or_default();
                *hw = (*hw).max(*new);
            }
            Event::RecordsPolled { consumer, records } => {
                let group = if &**consumer == VERIFIER { "verify" } else { "group-1" };
                for rec in records {
                    let hw = max_hw.get(&rec.tp).copied().unwrap_or(0);
                    if rec.offset >= hw {
                        out.push(Violation::ReadPastHighWatermark {
                            consumer: consumer.to_string(),
                            tp: rec.tp.clone(),
                            offset: rec.offset,
                            high_watermark: hw,
                        });
                    }
                    read_by_group.entry(group).or_default().insert((rec.tp.clone(), rec.offset));
                }
            }
            Event::OffsetsCommitted { group, offsets, .. } => {
                for (tp, o) in offsets {
                    let hw = max_hw.get(tp).copied().unwrap_or(0);
                    if *o > hw {
                        out.push(Violation::CommitPastHighWatermark {
                            group: group.clone(),
                            tp: tp.clone(),
                            offset: *o,
                            high_watermark: hw,
                        });
                    }
                }
            }
            Event::BecameLeader { broker, tp, leader_epoch } => {
                let first = *leaders.entry((r.cluster.clone(), tp.clone(), *leader_epoch)).or_insert(*broker);
                if first != *broker {
                    out.push(Violation::TwoLeadersInOneEpoch {
                        tp: tp.clone(),
                        leader_epoch: *leader_epoch,
                        brokers: vec![first, *broker],
                    });
                }
            }
            Event::ControllerElected { broker, epoch } => {
                let first = *controllers.entry((r.cluster.clone(), *epoch)).or_insert(*broker);
                if first != *broker {
                    out.push(Violation::TwoControllersInOneEpoch {
                        epoch: *epoch,
                        brokers: vec![first, *broker],
                    });
                }
            }
            Event::AssignmentReceived {
                group,
                generation,
                member,
                partitions,
                ..
            } => {
                for tp in partitions {
                    let first = owners.entry((group.clone(), *generation, tp.clone())).or_insert_with(|| member.clone()).clone();
                    if &first != member {
                        out.push(Violation::PartitionAssignedTwice {
                            group: group.clone(),
                            generation: *generation,
                            tp: tp.clone(),
                            members: vec![first, member.clone()],
                            after_unclean_election: unclean_offsets_election,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    // After recovery: every partition led, replicas agree below the high watermark, acknowledged records in place.
    let partitions: BTreeSet<TopicPartition> = w
        .brokers
        .values()
        .flat_map(|b| b.partitions.keys().filter(|tp| &*tp.topic == TOPIC).cloned())
        .collect();
    for tp in &partitions {
        let Some(leader) = leader_replica(w, tp) else {
            out.push(Violation::NoLeaderAfterRecovery { tp: tp.clone() });
            continue;
        };
        for b in w.brokers.values().filter(|b| b.running) {
            let Some(replica) = b.partitions.get(tp) else { continue };
            let upto = replica.high_watermark.min(leader.high_watermark) as usize;
            if let Some(i) = (0..upto)
                .find(|i| replica.log.records.get(*i).map(|r| (&r.value, r.leader_epoch)) != leader.log.records.get(*i).map(|r| (&r.value, r.leader_epoch)))
            {
                out.push(Violation::ReplicaDiverges {
                    broker: b.id,
                    tp: tp.clone(),
                    offset: i as u64,
                });
            }
        }
    }
    out.extend(duplicates(w, &partitions, &values));
    out.extend(quorum(w));
    for (value, tp, offset) in &acked {
        let Some(leader) = leader_replica(w, tp) else { continue };
        let found = leader
            .log
            .records
            .get(*offset as usize)
            .filter(|_| *offset < leader.high_watermark)
            .and_then(|r| r.value.as_ref());
        if found.map(|f| &**f) != Some(&**value) {
            out.push(Violation::AckedRecordLost {
                value: display_bytes(value),
                tp: tp.clone(),
                offset: *offset,
                found: found.map(|f| display_bytes(f)),
            });
        }
    }
    for group in ["group-1", "verify"] {
        let read = read_by_group.get(group);
        for (value, tp, offset) in &acked {
            if !read.is_some_and(|r| r.contains(&(tp.clone(), *offset))) {
                out.push(Violation::GroupMissedRecord {
                    group: group.to_string(),
                    value: display_bytes(value),
                });
            }
        }
    }
    out
}
