//! One node of the quorum (Kafka's `KafkaRaftClient`): it answers Vote, BeginQuorumEpoch,
//! EndQuorumEpoch and Fetch, and on its timer does what its state asks: stand for election,
//! pull the log from the leader, remind voters who leads, or step down.

use super::leader_state::LeaderState;
use super::quorum_state::{ElectionState, EpochState, QuorumState, StateName};
use super::replicated_log::{Entry, EntryRecord, ReplicatedLog};
use super::{DivergingEpoch, QuorumConfig, QuorumEvent, RaftError, RaftIo, RaftMessage, MAX_FETCH_ENTRIES, MAX_FETCH_WAIT_MS};
use crate::sim::TimerKey;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What a node keeps on disk: the log and the `quorum-state` file. A crash loses the rest.
#[derive(Clone, Debug, Serialize)]
pub struct Durable<R> {
    pub log: ReplicatedLog<R>,
    pub election: ElectionState,
}

impl<R> Default for Durable<R> {
    fn default() -> Self {
        Durable {
            log: ReplicatedLog::default(),
            election: ElectionState::default(),
        }
    }
}

/// A request awaiting its answer (`RequestManager`: one per destination).
#[derive(Clone, Debug, Serialize)]
struct Inflight {
    correlation_id: u64,
    deadline_ms: u64,
}

/// A Fetch the leader holds until it has something new or `MAX_FETCH_WAIT_MS` pass.
#[derive(Clone, Debug, Serialize)]
struct Parked {
    correlation_id: u64,
    replica: Option<u32>,
    fetch_offset: u64,
    deadline_ms: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct KafkaRaftClient<R> {
    pub config: QuorumConfig,
    pub quorum: QuorumState,
    pub log: ReplicatedLog<R>,
    inflight: BTreeMap<u32, Inflight>,
    backoff_until: BTreeMap<u32, u64>,
    next_correlation_id: u64,
    parked: BTreeMap<u32, Parked>,
    #[serde(skip)]
    wake: Option<TimerKey>,
}

impl<R: Clone> KafkaRaftClient<R> {
    /// Starts (or restarts) a node from what it has on disk (`QuorumState.initialize`).
    pub fn start(id: u32, config: QuorumConfig, durable: Durable<R>, io: &mut dyn RaftIo<R>) -> Self {
        let quorum = QuorumState::initialize(id, durable.election, durable.log.last_fetched_epoch());
        let mut client = KafkaRaftClient {
            config,
            quorum,
            log: durable.log,
            inflight: BTreeMap::new(),
            backoff_until: BTreeMap::new(),
            next_correlation_id: 0,
            parked: BTreeMap::new(),
            wake: None,
        };
        client.quorum.deadline_ms = match client.quorum.state {
            EpochState::Follower { .. } => Some(io.now_ms() + client.config.fetch_timeout_ms),
            _ => client.fresh_deadline(io),
        };
        client.emit_state(io);
        // `KafkaRaftClient.initialize`: the only voter need not wait for anyone.
        let alone = client.config.voters == [id];
        if alone
            && matches!(
                client.quorum.state,
                EpochState::Unattached { .. } | EpochState::Follower { .. } | EpochState::Resigned { .. }
            )
        {
            client.become_prospective(io);
        }
        client.poll(io);
        client
    }

    /// What survives the node's crash.
    pub fn durable(&self) -> Durable<R> {
        Durable {
            log: self.log.clone(),
            election: self.quorum.stored.clone(),
        }
    }

    pub fn id(&self) -> u32 {
        self.quorum.id
    }

    pub fn epoch(&self) -> u64 {
        self.quorum.epoch
    }

    pub fn state(&self) -> StateName {
        self.quorum.name()
    }

    pub fn leader(&self) -> Option<u32> {
        self.quorum.leader()
    }

    pub fn high_watermark(&self) -> Option<u64> {
        self.quorum.high_watermark()
    }

    fn is_voter(&self) -> bool {
        self.config.is_voter(self.quorum.id)
    }

    /// `RaftClient.prepareAppend`: only the leader of `epoch` appends; the records are committed
    /// once a majority has them. Returns the offset after the last one.
    pub fn append(&mut self, epoch: u64, records: Vec<R>, io: &mut dyn RaftIo<R>) -> Result<u64, RaftError> {
        if !matches!(self.quorum.state, EpochState::Leader(_)) || epoch != self.quorum.epoch {
            return Err(RaftError::NotLeaderOrFollower);
        }
        let entries: Vec<Entry<R>> = records
            .into_iter()
            .map(|r| Entry {
                epoch,
                record: EntryRecord::Data(r),
            })
            .collect();
        self.append_as_leader(entries, io);
        self.poll(io);
        Ok(self.log.end_offset())
    }

    /// `RaftClient.resign`: the leader steps down and tells the voters who should follow it.
    pub fn resign(&mut self, io: &mut dyn RaftIo<R>) {
        if matches!(self.quorum.state, EpochState::Leader(_)) {
            self.become_resigned(io);
            self.poll(io);
        }
    }

    pub fn on_timer(&mut self, io: &mut dyn RaftIo<R>) {
        self.wake = None;
        self.poll(io);
    }

    pub fn handle(&mut self, from: u32, msg: RaftMessage<R>, io: &mut dyn RaftIo<R>) {
        match msg {
            RaftMessage::VoteRequest {
                correlation_id,
                epoch,
                candidate,
                last_offset_epoch,
                last_offset,
                pre_vote,
            } => self.handle_vote_request(from, correlation_id, epoch, candidate, (last_offset_epoch, last_offset), pre_vote, io),
            RaftMessage::BeginQuorumEpochRequest { correlation_id, epoch, leader } => {
                let error = self.validate_voter_request(epoch, Some(leader), io);
                let (epoch, leader) = (self.quorum.epoch, self.leader());
                io.send(
                    from,
                    RaftMessage::BeginQuorumEpochResponse {
                        correlation_id,
                        error,
                        epoch,
                        leader,
                    },
                );
            }
            RaftMessage::EndQuorumEpochRequest {
                correlation_id,
                epoch,
                leader,
                preferred_successors,
            } => {
                let error = self.validate_voter_request(epoch, Some(leader), io);
                if error.is_none() {
                    self.shorten_fetch_timeout(leader, &preferred_successors, io);
                }
                let (epoch, leader) = (self.quorum.epoch, self.leader());
                io.send(
                    from,
                    RaftMessage::EndQuorumEpochResponse {
                        correlation_id,
                        error,
                        epoch,
                        leader,
                    },
                );
            }
            RaftMessage::FetchRequest {
                correlation_id,
                replica,
                current_leader_epoch,
                fetch_offset,
                last_fetched_epoch,
                high_watermark,
            } => self.handle_fetch_request(
                from,
                correlation_id,
                replica,
                current_leader_epoch,
                fetch_offset,
                last_fetched_epoch,
                high_watermark,
                io,
            ),
            response => {
                if self.inflight.get(&from).map(|r| r.correlation_id) != Some(response.correlation_id()) {
                    return;
                }
                self.inflight.remove(&from);
                // `RequestManager.onResponseResult`: after a failed answer, wait before the next try.
                if response.response_header().is_some_and(|(_, error, _)| error.is_some()) {
                    self.backoff_until.insert(from, io.now_ms() + self.config.retry_backoff_ms);
                }
                self.handle_response(from, response, io);
            }
        }
        self.poll(io);
    }

    fn handle_response(&mut self, from: u32, response: RaftMessage<R>, io: &mut dyn RaftIo<R>) {
        let Some((epoch, error, leader)) = response.response_header() else {
            return;
        };
        if !self.handle_common_response(epoch, error, leader, io) {
            return;
        }
        match response {
            RaftMessage::VoteResponse { granted, pre_vote, .. } => self.count_vote(from, granted, pre_vote, io),
            RaftMessage::EndQuorumEpochResponse { .. } => {
                if let EpochState::Resigned { acked, .. } = &mut self.quorum.state {
                    acked.insert(from);
                }
            }
            RaftMessage::FetchResponse {
                high_watermark,
                diverging,
                records,
                ..
            } => self.handle_fetch_response(from, high_watermark, diverging, records, io),
            _ => {}
        }
    }

    // ---- requests ----

    /// `validateVoterOnlyRequest` and `maybeTransition`: a request of an older epoch is fenced;
    /// one of a newer epoch, or naming a leader we did not know of, moves us.
    fn validate_voter_request(&mut self, epoch: u64, leader: Option<u32>, io: &mut dyn RaftIo<R>) -> Option<RaftError> {
        if epoch < self.quorum.epoch {
            return Some(RaftError::FencedLeaderEpoch);
        }
        self.maybe_transition(epoch, leader, io);
        None
    }

    fn handle_vote_request(&mut self, from: u32, correlation_id: u64, epoch: u64, candidate: u32, last: (u64, u64), pre_vote: bool, io: &mut dyn RaftIo<R>) {
        let invalid = if pre_vote { last.0 > epoch } else { last.0 >= epoch };
        let error = if invalid {
            Some(RaftError::InvalidRequest)
        } else {
            self.validate_voter_request(epoch, None, io)
        };
        let granted = error.is_none() && self.can_grant_vote(candidate, last, pre_vote);
        if granted {
            io.emit(QuorumEvent::VoteGranted {
                node: self.quorum.id,
                candidate,
                epoch,
                pre_vote,
            });
            if !pre_vote && self.quorum.voted() != Some(candidate) {
                self.record_vote(candidate, io);
            }
        }
        let (epoch, leader) = (self.quorum.epoch, self.leader());
        io.send(
            from,
            RaftMessage::VoteResponse {
                correlation_id,
                error,
                epoch,
                leader,
                granted,
                pre_vote,
            },
        );
    }

    /// `*State.canGrantVote`: one standard vote per epoch, only to a log at least as up to date
    /// as ours; a PreVote changes nothing and is refused by a follower that hears its leader.
    fn can_grant_vote(&self, candidate: u32, last: (u64, u64), pre_vote: bool) -> bool {
        let up_to_date = last >= (self.log.last_fetched_epoch(), self.log.end_offset());
        match &self.quorum.state {
            EpochState::Unattached { voted } | EpochState::Prospective { voted, .. } => {
                if pre_vote {
                    up_to_date
                } else if let Some(v) = voted {
                    *v == candidate
                } else {
                    self.leader().is_none() && up_to_date
                }
            }
            EpochState::Follower { has_fetched, .. } => pre_vote && up_to_date && !has_fetched,
            EpochState::Candidate { .. } | EpochState::Resigned { .. } => pre_vote && up_to_date,
            EpochState::Leader(_) => false,
        }
    }

    /// A granted standard vote goes to disk before the answer leaves, with a fresh election
    /// timeout (`unattachedAddVotedState`, `prospectiveAddVotedState`).
    fn record_vote(&mut self, candidate: u32, io: &mut dyn RaftIo<R>) {
        let fresh = self.quorum.new_election();
        match &mut self.quorum.state {
            EpochState::Unattached { voted } => *voted = Some(candidate),
            // `prospectiveAddVotedState`: a new Prospective, its PreVotes asked again.
            EpochState::Prospective { voted, election, .. } => {
                *voted = Some(candidate);
                *election = fresh;
            }
            _ => return,
        }
        self.quorum.stored = ElectionState {
            epoch: self.quorum.epoch,
            leader: None,
            voted: Some(candidate),
        };
        self.quorum.deadline_ms = self.fresh_deadline(io);
        self.emit_state(io);
    }

    /// EndQuorumEpoch: the best successor stands at once, the others after a backoff that
    /// grows with their place in the list (`KafkaRaftClient.endEpochElectionBackoff`).
    fn shorten_fetch_timeout(&mut self, leader: u32, successors: &[u32], io: &mut dyn RaftIo<R>) {
        let me = self.quorum.id;
        if !self.is_voter() || !matches!(self.quorum.state, EpochState::Follower { leader: l, .. } if l == leader) {
            return;
        }
        let max = self.config.election_backoff_max_ms;
        let (n, p) = (successors.len(), successors.iter().position(|s| *s == me).unwrap_or(successors.len()));
        // `RaftUtil.strictExponentialElectionBackoffMs`
        let backoff = match p {
            0 => 0,
            p if p >= n => max,
            p => max.min((max >> (n - 1)) << (p - 1)),
        };
        // `FollowerState.overrideFetchTimeout`
        self.quorum.deadline_ms = Some(io.now_ms() + backoff);
    }

    fn handle_fetch_request(
        &mut self,
        from: u32,
        correlation_id: u64,
        replica: Option<u32>,
        current_leader_epoch: u64,
        fetch_offset: u64,
        last_fetched_epoch: u64,
        follower_hw: Option<u64>,
        io: &mut dyn RaftIo<R>,
    ) {
        // `validateLeaderOnlyRequest`
        let error = if last_fetched_epoch > current_leader_epoch {
            Some(RaftError::InvalidRequest)
        } else if current_leader_epoch < self.quorum.epoch {
            Some(RaftError::FencedLeaderEpoch)
        } else if current_leader_epoch > self.quorum.epoch {
            Some(RaftError::UnknownLeaderEpoch)
        } else if !matches!(self.quorum.state, EpochState::Leader(_)) {
            Some(RaftError::NotLeaderOrFollower)
        } else {
            None
        };
        if let Some(error) = error {
            self.send_fetch_error(from, correlation_id, error, io);
            return;
        }
        let diverging = self.log.diverging(fetch_offset, last_fetched_epoch);
        let now = io.now_ms();
        let me = self.quorum.id;
        let mut moved = None;
        if let EpochState::Leader(leader) = &mut self.quorum.state {
            if diverging.is_none() {
                if let Some(r) = replica.filter(|r| *r != me && self.config.is_voter(*r)) {
                    leader.voter_end_offsets.insert(r, fetch_offset);
                    leader.fetched(r, now, &self.config);
                    moved = leader.maybe_update_high_watermark(me, self.log.end_offset(), &self.config);
                }
            }
            let newer_hw = leader.high_watermark.is_some() && leader.high_watermark != follower_hw;
            if diverging.is_none() && fetch_offset >= self.log.end_offset() && !newer_hw && moved.is_none() {
                self.parked.insert(
                    from,
                    Parked {
                        correlation_id,
                        replica,
                        fetch_offset,
                        deadline_ms: now + MAX_FETCH_WAIT_MS,
                    },
                );
                return;
            }
        }
        self.parked.remove(&from);
        let diverging = diverging.map(|(epoch, end_offset)| DivergingEpoch { epoch, end_offset });
        self.send_fetch_answer(from, correlation_id, fetch_offset, diverging, io);
        if let Some(hw) = moved {
            self.high_watermark_moved(hw, io);
        }
    }

    fn send_fetch_error(&self, to: u32, correlation_id: u64, error: RaftError, io: &mut dyn RaftIo<R>) {
        io.send(
            to,
            RaftMessage::FetchResponse {
                correlation_id,
                error: Some(error),
                epoch: self.quorum.epoch,
                leader: self.leader(),
                high_watermark: None,
                diverging: None,
                records: Vec::new(),
            },
        );
    }

    fn send_fetch_answer(&self, to: u32, correlation_id: u64, fetch_offset: u64, diverging: Option<DivergingEpoch>, io: &mut dyn RaftIo<R>) {
        let records = if diverging.is_some() {
            Vec::new()
        } else {
            self.log.read(fetch_offset, MAX_FETCH_ENTRIES)
        };
        io.send(
            to,
            RaftMessage::FetchResponse {
                correlation_id,
                error: None,
                epoch: self.quorum.epoch,
                leader: self.leader(),
                high_watermark: self.high_watermark(),
                diverging,
                records,
            },
        );
    }

    /// Answers every parked Fetch (there is something new for each).
    fn complete_parked(&mut self, io: &mut dyn RaftIo<R>) {
        for (to, p) in std::mem::take(&mut self.parked) {
            self.answer_parked(to, p, io);
        }
    }

    /// A parked Fetch completes as if it came now (`tryCompleteFetchRequest`): its voter counts
    /// as having fetched, for check-quorum and BeginQuorumEpoch.
    fn answer_parked(&mut self, to: u32, p: Parked, io: &mut dyn RaftIo<R>) {
        let now = io.now_ms();
        if let (EpochState::Leader(leader), Some(r)) = (&mut self.quorum.state, p.replica.filter(|r| self.config.is_voter(*r))) {
            leader.fetched(r, now, &self.config);
        }
        self.send_fetch_answer(to, p.correlation_id, p.fetch_offset, None, io);
    }

    fn high_watermark_moved(&mut self, hw: u64, io: &mut dyn RaftIo<R>) {
        io.emit(QuorumEvent::HighWatermark {
            node: self.quorum.id,
            epoch: self.quorum.epoch,
            high_watermark: hw,
        });
        self.complete_parked(io);
    }

    // ---- responses ----

    /// `maybeHandleCommonResponse`: an older epoch is ignored; a newer one, or an error naming
    /// the present leader, moves us. True when the response is for our epoch and has no error.
    fn handle_common_response(&mut self, epoch: u64, error: Option<RaftError>, leader: Option<u32>, io: &mut dyn RaftIo<R>) -> bool {
        if epoch < self.quorum.epoch || error == Some(RaftError::UnknownLeaderEpoch) || error == Some(RaftError::InvalidRequest) {
            return false;
        }
        let was_epoch = self.quorum.epoch;
        self.maybe_transition(epoch, leader, io);
        error.is_none() && epoch == was_epoch
    }

    fn count_vote(&mut self, from: u32, granted: bool, pre_vote: bool, io: &mut dyn RaftIo<R>) {
        let config = &self.config;
        let (won, lost) = match &mut self.quorum.state {
            EpochState::Prospective { election, .. } if pre_vote => {
                if granted {
                    election.granted.insert(from)
                } else {
                    election.rejected.insert(from)
                };
                (election.won(config), election.lost(config))
            }
            EpochState::Candidate { election } if !pre_vote => {
                if granted {
                    election.granted.insert(from)
                } else {
                    election.rejected.insert(from)
                };
                (election.won(config), election.lost(config))
            }
            _ => return,
        };
        match self.quorum.name() {
            StateName::Prospective if won => self.become_candidate(io),
            StateName::Prospective if lost => self.after_election_loss(true, io),
            StateName::Candidate if won => self.become_leader(io),
            // A Candidate that lost waits out its election timeout (KAFKA-18345).
            _ => {}
        }
    }

    fn handle_fetch_response(&mut self, from: u32, hw: Option<u64>, diverging: Option<DivergingEpoch>, records: Vec<Entry<R>>, io: &mut dyn RaftIo<R>) {
        let EpochState::Follower { leader, .. } = self.quorum.state else {
            return;
        };
        if leader != from {
            return;
        }
        let (me, epoch) = (self.quorum.id, self.quorum.epoch);
        if let Some(d) = diverging {
            let point = self.log.truncation_point(d.epoch, d.end_offset);
            let removed = self.log.truncate_to(point);
            io.emit(QuorumEvent::Truncated {
                node: me,
                epoch,
                end_offset: point,
                removed,
            });
        } else {
            self.log.append(records);
        }
        let log_end = self.log.end_offset();
        // Observers too keep a fetch timeout: past it they look for the leader among the voters.
        let fresh = Some(io.now_ms() + self.config.fetch_timeout_ms);
        if let EpochState::Follower { has_fetched, .. } = &mut self.quorum.state {
            *has_fetched = true;
        }
        let moved = hw
            .filter(|_| diverging.is_none())
            .map(|leader_hw| leader_hw.min(log_end))
            .filter(|new| self.quorum.advance_high_watermark(*new));
        self.quorum.deadline_ms = fresh;
        if let Some(hw) = moved {
            self.high_watermark_moved(hw, io);
        }
    }

    // ---- transitions ----

    /// `maybeTransition`: a newer epoch makes us follow its leader, or wait unattached if none
    /// is named; in our own epoch, hearing of a leader we did not know makes us follow it.
    fn maybe_transition(&mut self, epoch: u64, leader: Option<u32>, io: &mut dyn RaftIo<R>) {
        let me = self.quorum.id;
        let leader = leader.filter(|l| *l != me);
        if epoch > self.quorum.epoch {
            match leader {
                Some(l) => self.become_follower(epoch, l, io),
                None => {
                    let keep = matches!(
                        self.quorum.state,
                        EpochState::Unattached { .. } | EpochState::Candidate { .. } | EpochState::Resigned { .. } | EpochState::Prospective { .. }
                    );
                    self.become_unattached(epoch, None, keep, io);
                }
            }
        } else if epoch == self.quorum.epoch {
            // A node that knows its epoch's leader (a Prospective still remembers it) stays.
            if let (Some(l), None) = (leader, self.leader()) {
                self.become_follower(epoch, l, io);
            }
        }
    }

    /// Every transition: connections reset (`RequestManager.resetAll`), a leader's parked
    /// Fetches answered with the news, the `quorum-state` file written when Kafka writes it.
    fn set_state(&mut self, epoch: u64, state: EpochState, deadline_ms: Option<u64>, io: &mut dyn RaftIo<R>) {
        let parked = std::mem::take(&mut self.parked);
        self.inflight.clear();
        self.backoff_until.clear();
        self.quorum.transition(epoch, state);
        self.quorum.deadline_ms = deadline_ms;
        for (to, p) in parked {
            self.send_fetch_error(to, p.correlation_id, RaftError::NotLeaderOrFollower, io);
        }
        self.emit_state(io);
    }

    fn become_unattached(&mut self, epoch: u64, voted: Option<u32>, keep_time: bool, io: &mut dyn RaftIo<R>) {
        let deadline = if keep_time && self.quorum.deadline_ms.is_some() {
            self.quorum.deadline_ms
        } else {
            self.fresh_deadline(io)
        };
        self.set_state(epoch, EpochState::Unattached { voted }, deadline, io);
    }

    fn become_follower(&mut self, epoch: u64, leader: u32, io: &mut dyn RaftIo<R>) {
        // A Candidate that follows its epoch's winner keeps its vote for itself (`transitionToFollower`).
        let voted = if epoch == self.quorum.epoch { self.quorum.voted() } else { None };
        let deadline = Some(io.now_ms() + self.config.fetch_timeout_ms);
        let state = EpochState::Follower {
            leader,
            voted,
            has_fetched: false,
        };
        self.set_state(epoch, state, deadline, io);
    }

    fn become_prospective(&mut self, io: &mut dyn RaftIo<R>) {
        let (voted, leader) = (self.quorum.voted(), self.leader().filter(|l| *l != self.quorum.id));
        let election = self.quorum.new_election();
        let won = election.won(&self.config);
        let deadline = self.fresh_deadline(io);
        self.set_state(self.quorum.epoch, EpochState::Prospective { voted, leader, election }, deadline, io);
        if won {
            self.become_candidate(io);
        }
    }

    fn become_candidate(&mut self, io: &mut dyn RaftIo<R>) {
        let election = self.quorum.new_election();
        let won = election.won(&self.config);
        let deadline = self.fresh_deadline(io);
        self.set_state(self.quorum.epoch + 1, EpochState::Candidate { election }, deadline, io);
        if won {
            self.become_leader(io);
        }
    }

    /// `onBecomeLeader`: the epoch starts at the log end, and its first record is the leader's
    /// own LeaderChange, so that the leader has a record of its epoch to commit.
    fn become_leader(&mut self, io: &mut dyn RaftIo<R>) {
        let leader = LeaderState::new(self.log.end_offset(), io.now_ms(), &self.config);
        self.set_state(self.quorum.epoch, EpochState::Leader(Box::new(leader)), None, io);
        let entry = Entry {
            epoch: self.quorum.epoch,
            record: EntryRecord::LeaderChange {
                leader: self.quorum.id,
                voters: self.config.voters.clone(),
            },
        };
        self.append_as_leader(vec![entry], io);
    }

    fn append_as_leader(&mut self, entries: Vec<Entry<R>>, io: &mut dyn RaftIo<R>) {
        self.log.append(entries);
        let (me, end) = (self.quorum.id, self.log.end_offset());
        let moved = match &mut self.quorum.state {
            EpochState::Leader(l) => l.maybe_update_high_watermark(me, end, &self.config),
            _ => None,
        };
        match moved {
            Some(hw) => self.high_watermark_moved(hw, io),
            None => self.complete_parked(io),
        }
    }

    /// A leader steps down: it names its successors, the voters furthest along first
    /// (`LeaderState.nonLeaderVotersByDescendingFetchOffset`).
    fn become_resigned(&mut self, io: &mut dyn RaftIo<R>) {
        let EpochState::Leader(leader) = &self.quorum.state else {
            return;
        };
        let me = self.quorum.id;
        let mut successors: Vec<u32> = self.config.voters.iter().copied().filter(|v| *v != me).collect();
        successors.sort_by_key(|v| std::cmp::Reverse(leader.voter_end_offsets.get(v).copied().unwrap_or(0)));
        let deadline = self.fresh_deadline(io);
        let state = EpochState::Resigned {
            acked: BTreeSet::new(),
            preferred_successors: successors,
        };
        self.set_state(self.quorum.epoch, state, deadline, io);
    }

    /// A Prospective that lost (or ran out of time) goes back to the leader it knew, else waits
    /// unattached in the same epoch, keeping its vote (`prospectiveTransitionAfterElectionLoss`).
    fn after_election_loss(&mut self, rejected: bool, io: &mut dyn RaftIo<R>) {
        let EpochState::Prospective { voted, leader, .. } = self.quorum.state.clone() else {
            return;
        };
        match leader {
            Some(l) => self.become_follower(self.quorum.epoch, l, io),
            None if rejected => self.become_unattached(self.quorum.epoch, voted, false, io),
            // Timed out: no time left, so the next poll stands again with a fresh draw.
            None => {
                let now = io.now_ms();
                self.set_state(self.quorum.epoch, EpochState::Unattached { voted }, Some(now), io);
            }
        }
    }

    /// `QuorumState.randomElectionTimeoutMs`: T plus up to T more, from the run's generator.
    /// Observers never stand.
    fn fresh_deadline(&self, io: &mut dyn RaftIo<R>) -> Option<u64> {
        if !self.is_voter() {
            return None;
        }
        let t = self.config.election_timeout_ms;
        let jitter = if t == 0 { 0 } else { io.rng().rand_range(0..t) };
        Some(io.now_ms() + t + jitter)
    }

    fn emit_state(&self, io: &mut dyn RaftIo<R>) {
        io.emit(QuorumEvent::StateChanged {
            node: self.quorum.id,
            epoch: self.quorum.epoch,
            state: self.quorum.name(),
            leader: self.leader(),
            voted: self.quorum.voted(),
        });
    }

    // ---- poll ----

    fn ready(&self, node: u32, now: u64) -> bool {
        !self.inflight.contains_key(&node) && self.backoff_until.get(&node).is_none_or(|t| *t <= now)
    }

    fn send_request(&mut self, to: u32, msg: impl FnOnce(u64) -> RaftMessage<R>, io: &mut dyn RaftIo<R>) {
        let correlation_id = self.next_correlation_id;
        self.next_correlation_id += 1;
        let deadline_ms = io.now_ms() + self.config.request_timeout_ms;
        self.inflight.insert(to, Inflight { correlation_id, deadline_ms });
        io.send(to, msg(correlation_id));
    }

    fn send_fetch(&mut self, to: u32, io: &mut dyn RaftIo<R>) {
        let (me, epoch) = (self.quorum.id, self.quorum.epoch);
        let (fetch_offset, last_fetched_epoch, high_watermark) = (self.log.end_offset(), self.log.last_fetched_epoch(), self.high_watermark());
        self.send_request(
            to,
            |correlation_id| RaftMessage::FetchRequest {
                correlation_id,
                replica: Some(me),
                current_leader_epoch: epoch,
                fetch_offset,
                last_fetched_epoch,
                high_watermark,
            },
            io,
        );
    }

    /// A Fetch to a voter picked at random among those we may send to
    /// (`RequestManager.findReadyBootstrapServer`): its answer names the leader.
    fn fetch_from_random_voter(&mut self, now: u64, io: &mut dyn RaftIo<R>) {
        let me = self.quorum.id;
        let ready: Vec<u32> = self.config.voters.iter().copied().filter(|v| *v != me && self.ready(*v, now)).collect();
        if !ready.is_empty() {
            let pick = ready[io.rng().rand_range(0..ready.len() as u64) as usize];
            self.send_fetch(pick, io);
        }
    }

    /// Asks every voter that has not answered yet (and may be sent to), while the election can
    /// still be won (`maybeSendVoteRequests`).
    fn request_votes(&mut self, now: u64, pre_vote: bool, io: &mut dyn RaftIo<R>) {
        let (EpochState::Prospective { election, .. } | EpochState::Candidate { election }) = &self.quorum.state else {
            return;
        };
        if election.lost(&self.config) {
            return;
        }
        let me = self.quorum.id;
        let to: Vec<u32> = self
            .config
            .voters
            .iter()
            .copied()
            .filter(|v| *v != me && !election.answered(*v) && self.ready(*v, now))
            .collect();
        let (epoch, candidate) = (self.quorum.epoch, me);
        let (last_offset_epoch, last_offset) = (self.log.last_fetched_epoch(), self.log.end_offset());
        for v in to {
            self.send_request(
                v,
                |correlation_id| RaftMessage::VoteRequest {
                    correlation_id,
                    epoch,
                    candidate,
                    last_offset_epoch,
                    last_offset,
                    pre_vote,
                },
                io,
            );
        }
    }

    /// What the node's state asks of it now (`KafkaRaftClient.pollCurrentState`), then the
    /// timer set for its nearest deadline.
    fn poll(&mut self, io: &mut dyn RaftIo<R>) {
        let now = io.now_ms();
        let expired: Vec<u32> = self.inflight.iter().filter(|(_, r)| r.deadline_ms <= now).map(|(n, _)| *n).collect();
        // `RequestManager`: a request that timed out only frees its connection.
        for n in expired {
            self.inflight.remove(&n);
        }
        self.backoff_until.retain(|_, t| *t > now);
        // A state may hand over to another at once (a timed-out Prospective stands again); a
        // handful of rounds covers every chain of moves.
        for _ in 0..4 {
            let before = (self.quorum.name(), self.quorum.epoch);
            self.poll_state(now, io);
            if before == (self.quorum.name(), self.quorum.epoch) {
                break;
            }
        }
        self.schedule_wake(now, io);
    }

    fn poll_state(&mut self, now: u64, io: &mut dyn RaftIo<R>) {
        let timed_out = self.quorum.deadline_ms.is_some_and(|d| d <= now);
        match self.quorum.name() {
            StateName::Leader => self.poll_leader(now, io),
            // `pollResigned`: no election time left, so it stands at once.
            StateName::Resigned if timed_out => self.set_state(self.quorum.epoch + 1, EpochState::Unattached { voted: None }, Some(now), io),
            StateName::Resigned => self.send_end_quorum_epoch(now, io),
            StateName::Candidate if timed_out => self.become_prospective(io),
            StateName::Candidate => self.request_votes(now, false, io),
            StateName::Prospective if timed_out => self.after_election_loss(false, io),
            StateName::Prospective => self.request_votes(now, true, io),
            StateName::Follower | StateName::Unattached if timed_out && self.is_voter() => self.become_prospective(io),
            // `pollFollowerAsObserver`: an observer that hears nothing from its leader asks the voters.
            StateName::Follower if timed_out => {
                if self.inflight.is_empty() {
                    self.fetch_from_random_voter(now, io);
                }
            }
            StateName::Follower => {
                if self.inflight.is_empty() {
                    let leader = self.leader().unwrap_or(self.quorum.id);
                    if self.ready(leader, now) {
                        self.send_fetch(leader, io);
                    } else {
                        self.fetch_from_random_voter(now, io);
                    }
                }
            }
            StateName::Unattached => {
                if self.inflight.is_empty() {
                    self.fetch_from_random_voter(now, io);
                }
            }
        }
    }

    fn poll_leader(&mut self, now: u64, io: &mut dyn RaftIo<R>) {
        let EpochState::Leader(leader) = &mut self.quorum.state else {
            return;
        };
        if self.config.voters.len() > 1 && leader.check_quorum_deadline_ms <= now {
            self.become_resigned(io);
            return;
        }
        let remind = leader.begin_quorum_deadline_ms <= now;
        let half = self.config.fetch_timeout_ms / 2;
        let mut to = Vec::new();
        if remind {
            leader.begin_quorum_deadline_ms = now + half;
            to = self
                .config
                .voters
                .iter()
                .copied()
                .filter(|v| *v != self.quorum.id && leader.last_fetch_ms.get(v).is_none_or(|t| now >= t + half))
                .collect();
        }
        let (epoch, me) = (self.quorum.epoch, self.quorum.id);
        for v in to {
            if self.ready(v, now) {
                self.send_request(
                    v,
                    |correlation_id| RaftMessage::BeginQuorumEpochRequest {
                        correlation_id,
                        epoch,
                        leader: me,
                    },
                    io,
                );
            }
        }
        let due: Vec<(u32, Parked)> = self.parked.iter().filter(|(_, p)| p.deadline_ms <= now).map(|(n, p)| (*n, p.clone())).collect();
        for (to, p) in due {
            self.parked.remove(&to);
            self.answer_parked(to, p, io);
        }
    }

    fn send_end_quorum_epoch(&mut self, now: u64, io: &mut dyn RaftIo<R>) {
        let EpochState::Resigned { acked, preferred_successors } = &self.quorum.state else {
            return;
        };
        let successors = preferred_successors.clone();
        let me = self.quorum.id;
        let to: Vec<u32> = self
            .config
            .voters
            .iter()
            .copied()
            .filter(|v| *v != me && !acked.contains(v) && self.ready(*v, now))
            .collect();
        let epoch = self.quorum.epoch;
        for v in to {
            let preferred_successors = successors.clone();
            self.send_request(
                v,
                |correlation_id| RaftMessage::EndQuorumEpochRequest {
                    correlation_id,
                    epoch,
                    leader: me,
                    preferred_successors,
                },
                io,
            );
        }
    }

    fn schedule_wake(&mut self, now: u64, io: &mut dyn RaftIo<R>) {
        // A deadline already acted on (an observer past its fetch timeout) wakes nobody.
        let mut next = self.quorum.deadline_ms.filter(|d| *d > now);
        let mut consider = |t: u64| next = Some(next.map_or(t, |n: u64| n.min(t)));
        for r in self.inflight.values() {
            consider(r.deadline_ms);
        }
        for t in self.backoff_until.values() {
            consider(*t);
        }
        for p in self.parked.values() {
            consider(p.deadline_ms);
        }
        if let EpochState::Leader(l) = &self.quorum.state {
            if self.config.voters.len() > 1 {
                consider(l.check_quorum_deadline_ms);
            }
            consider(l.begin_quorum_deadline_ms);
        }
        if let Some(key) = self.wake.take() {
            io.cancel(key);
        }
        if let Some(at) = next {
            let electing = self.is_voter() && !matches!(self.quorum.state, EpochState::Leader(_) | EpochState::Follower { .. });
            self.wake = Some(io.set_timer(at.saturating_sub(now), electing));
        }
    }
}
