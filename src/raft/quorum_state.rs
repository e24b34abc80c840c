//! Which state a raft node is in, and the vote it keeps on disk (Kafka's `QuorumState` and
//! its `EpochState`s). The transitions' rules are Kafka's: which moves are written to the
//! `quorum-state` file first, and which draw a fresh election timeout.

use super::leader_state::LeaderState;
use super::QuorumConfig;
use serde::Serialize;
use std::collections::BTreeSet;

/// What survives a crash besides the log: Kafka's `quorum-state` file (`ElectionState`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ElectionState {
    pub epoch: u64,
    pub leader: Option<u32>,
    pub voted: Option<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StateName {
    Unattached,
    Prospective,
    Candidate,
    Leader,
    Follower,
    Resigned,
}

/// The answers a nominee has (`EpochElection`): it grants itself.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Election {
    pub granted: BTreeSet<u32>,
    pub rejected: BTreeSet<u32>,
}

impl Election {
    fn new(me: u32) -> Self {
        Election {
            granted: BTreeSet::from([me]),
            rejected: BTreeSet::new(),
        }
    }

    pub fn won(&self, config: &QuorumConfig) -> bool {
        self.granted.len() >= config.majority()
    }

    /// Even every voter yet to answer could not make a majority (`EpochElection.isVoteRejected`).
    pub fn lost(&self, config: &QuorumConfig) -> bool {
        config.voters.len() - self.rejected.len() < config.majority()
    }

    pub fn answered(&self, voter: u32) -> bool {
        self.granted.contains(&voter) || self.rejected.contains(&voter)
    }
}

#[derive(Clone, Debug, Serialize)]
pub enum EpochState {
    Unattached {
        voted: Option<u32>,
    },
    /// Asking for PreVotes at the current epoch; remembers the leader it followed, if any,
    /// to go back to it when the election is lost.
    Prospective {
        voted: Option<u32>,
        leader: Option<u32>,
        election: Election,
    },
    Candidate {
        election: Election,
    },
    Leader(Box<LeaderState>),
    Follower {
        leader: u32,
        voted: Option<u32>,
        /// A Fetch from the leader succeeded this epoch (`FollowerState.hasFetchedFromLeader`):
        /// then the follower refuses PreVotes.
        has_fetched: bool,
    },
    /// A leader stepping down: it tells the voters until each has heard.
    Resigned {
        acked: BTreeSet<u32>,
        preferred_successors: Vec<u32>,
    },
}

#[derive(Clone, Debug, Serialize)]
pub struct QuorumState {
    pub id: u32,
    pub epoch: u64,
    pub state: EpochState,
    /// The `quorum-state` file.
    pub stored: ElectionState,
    /// When a voter's election (or, as Follower, fetch) timeout ends.
    pub deadline_ms: Option<u64>,
    /// What this node knows of the committed end of the log. Every state passes it on to the
    /// next but Leader, which starts without one (`QuorumState.transitionTo*`).
    known_high_watermark: Option<u64>,
}

impl QuorumState {
    pub fn name(&self) -> StateName {
        match self.state {
            EpochState::Unattached { .. } => StateName::Unattached,
            EpochState::Prospective { .. } => StateName::Prospective,
            EpochState::Candidate { .. } => StateName::Candidate,
            EpochState::Leader(_) => StateName::Leader,
            EpochState::Follower { .. } => StateName::Follower,
            EpochState::Resigned { .. } => StateName::Resigned,
        }
    }

    pub fn leader(&self) -> Option<u32> {
        match &self.state {
            EpochState::Leader(_) | EpochState::Resigned { .. } => Some(self.id),
            EpochState::Follower { leader, .. } => Some(*leader),
            EpochState::Prospective { leader, .. } => *leader,
            _ => None,
        }
    }

    /// The vote this node cast in its epoch (a nominee voted for itself).
    pub fn voted(&self) -> Option<u32> {
        match &self.state {
            EpochState::Unattached { voted } | EpochState::Prospective { voted, .. } | EpochState::Follower { voted, .. } => *voted,
            EpochState::Candidate { .. } => Some(self.id),
            _ => None,
        }
    }

    pub fn high_watermark(&self) -> Option<u64> {
        match &self.state {
            EpochState::Leader(l) => l.high_watermark,
            _ => self.known_high_watermark,
        }
    }

    /// Where a restarted node starts (`QuorumState.initialize`): never as Leader; a former
    /// leader as Resigned in its epoch, so it cannot vote again in it.
    pub fn initialize(id: u32, stored: ElectionState, log_last_epoch: u64) -> Self {
        let mut qs = QuorumState {
            id,
            epoch: stored.epoch,
            state: EpochState::Unattached { voted: stored.voted },
            stored: stored.clone(),
            deadline_ms: None,
            known_high_watermark: None,
        };
        if stored.epoch < log_last_epoch {
            qs.epoch = log_last_epoch;
            qs.state = EpochState::Unattached { voted: None };
            qs.stored = ElectionState {
                epoch: log_last_epoch,
                leader: None,
                voted: None,
            };
        } else if stored.leader == Some(id) {
            qs.state = EpochState::Resigned {
                acked: BTreeSet::new(),
                preferred_successors: Vec::new(),
            };
        } else if stored.voted == Some(id) {
            qs.state = EpochState::Candidate { election: Election::new(id) };
        } else if let Some(leader) = stored.leader {
            qs.state = EpochState::Follower {
                leader,
                voted: stored.voted,
                has_fetched: false,
            };
        }
        qs
    }

    /// Moves to a new state, writing the `quorum-state` file first unless the move is one
    /// Kafka keeps in memory (Prospective, Resigned).
    pub fn transition(&mut self, epoch: u64, state: EpochState) {
        self.known_high_watermark = self.high_watermark();
        self.epoch = epoch;
        self.state = state;
        if !matches!(self.state, EpochState::Prospective { .. } | EpochState::Resigned { .. }) {
            self.stored = ElectionState {
                epoch,
                leader: self.leader(),
                voted: self.voted(),
            };
        }
    }

    /// A follower or observer learnt a higher high watermark (it never goes down).
    pub fn advance_high_watermark(&mut self, hw: u64) -> bool {
        let moves = self.known_high_watermark.is_none_or(|h| hw > h);
        if moves {
            self.known_high_watermark = Some(hw);
        }
        moves
    }

    pub fn new_election(&self) -> Election {
        Election::new(self.id)
    }
}
