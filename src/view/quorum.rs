//! A KRaft cluster's controller quorum (KIP-595, KIP-631): each voter's state, epoch and log,
//! the active controller, and the last records of `__cluster_metadata` with whether the
//! quorum has committed them.

use crate::protocol::{BrokerId, MetadataRecord};
use crate::raft::{EntryRecord, StateName};
use crate::world::World;
use serde::Serialize;

/// How many of the metadata log's last records the view carries.
pub const METADATA_RECORDS_SHOWN: usize = 12;

#[derive(Clone, Debug, Serialize)]
pub struct QuorumView {
    pub voters: Vec<VoterView>,
    /// The controller that leads the quorum and has committed its epoch's first record.
    pub active: Option<BrokerId>,
    /// The highest high watermark a running voter knows: where the committed log ends.
    pub high_watermark: u64,
    /// The last records of the longest log a running voter holds, oldest first.
    pub records: Vec<MetadataRecordView>,
}

#[derive(Clone, Debug, Serialize)]
pub struct VoterView {
    pub id: BrokerId,
    /// `controller-<id>`, the node name commands and messages use.
    pub node: String,
    pub running: bool,
    pub isolated: bool,
    /// `None` while the process is down.
    pub state: Option<StateName>,
    pub epoch: Option<u64>,
    /// The leader it knows in its epoch.
    pub leader: Option<BrokerId>,
    /// Whom it voted for in its epoch.
    pub voted: Option<BrokerId>,
    pub log_end_offset: u64,
    pub high_watermark: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct MetadataRecordView {
    pub offset: u64,
    /// The epoch of the leader that wrote it.
    pub epoch: u64,
    pub committed: bool,
    /// `None` for the leader's own LeaderChange control record.
    pub record: Option<MetadataRecord>,
    /// With a LeaderChange: the leader it announces.
    pub leader_change: Option<BrokerId>,
}

pub(super) fn quorum_view(world: &World, ci: usize) -> Option<QuorumView> {
    if !world.config.clusters[ci].is_kraft() {
        return None;
    }
    let mut voters = Vec::new();
    for c in world.controllers_of(ci) {
        let node = c.cluster.controller(c.id);
        let raft = c.raft.as_ref();
        voters.push(VoterView {
            id: c.id,
            node: node.to_string(),
            running: c.running(),
            isolated: world.is_isolated(&node),
            state: raft.map(|r| r.state()),
            epoch: raft.map(|r| r.epoch()),
            leader: raft.and_then(|r| r.leader()),
            voted: raft.and_then(|r| r.quorum.voted()),
            log_end_offset: c.log_end_offset(),
            high_watermark: raft.and_then(|r| r.high_watermark()),
        });
    }
    let high_watermark = voters.iter().filter_map(|v| v.high_watermark).max().unwrap_or(0);
    let longest = world.controllers_of(ci).filter_map(|c| c.raft.as_ref()).max_by_key(|r| r.log.end_offset());
    let records = longest.map_or_else(Vec::new, |r| {
        let entries = r.log.entries();
        let first = entries.len().saturating_sub(METADATA_RECORDS_SHOWN);
        entries[first..]
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let offset = (first + i) as u64;
                let (record, leader_change) = match &e.record {
                    EntryRecord::Data(r) => (Some(r.clone()), None),
                    EntryRecord::LeaderChange { leader, .. } => (None, Some(*leader)),
                };
                MetadataRecordView {
                    offset,
                    epoch: e.epoch,
                    committed: offset < high_watermark,
                    record,
                    leader_change,
                }
            })
            .collect()
    });
    Some(QuorumView {
        voters,
        active: world.active_controller(ci).map(|c| c.id),
        high_watermark,
        records,
    })
}
