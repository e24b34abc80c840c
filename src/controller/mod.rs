//! The controller (ZooKeeper mode, `kafka.controller.KafkaController`): one broker,
//! elected by creating `/controller` first, that decides leaders and ISRs for the
//! whole cluster, stores them in ZooKeeper and tells the brokers.

use crate::election;
use crate::process::Ctx;
use crate::protocol::{BrokerId, ErrorCode, LeaderAndIsr, Message, Name, PartitionMetadata, TopicPartition};
use crate::runtime::Timer;
use crate::trace::{ElectionReason, Event};
use crate::zookeeper::kafka_zk_client as zkdata;
use crate::zookeeper::ZkError;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// How long the controller's channel to a broker waits before sending a request again.
pub const RESEND_BACKOFF_MS: u64 = 100;

#[derive(Clone, Debug, Serialize)]
pub struct Controller {
    pub epoch: u32,
    pub live_brokers: BTreeSet<BrokerId>,
    /// Each live broker's epoch (its registration's czxid): a new one means it restarted.
    pub broker_epochs: BTreeMap<BrokerId, u64>,
    pub assignments: BTreeMap<Name, Vec<Vec<BrokerId>>>,
    pub states: BTreeMap<TopicPartition, LeaderAndIsr>,
    /// Brokers in a controlled shutdown (`ControllerContext.shuttingDownBrokerIds`): still
    /// registered, told of changes, but never chosen to lead or to join an ISR.
    pub shutting_down: BTreeSet<BrokerId>,
}

/// Partitions whose LeaderAndIsr must go out, collected over one controller event
/// (`ControllerBrokerRequestBatch`).
#[derive(Default)]
struct Batch {
    changed: BTreeSet<TopicPartition>,
    /// Replicas not to tell (a shutting-down follower gets StopReplica instead).
    skip: BTreeSet<(TopicPartition, BrokerId)>,
}

impl Controller {
    /// `KafkaController`'s OfflinePartitionsCount: partitions whose leader is not a live broker.
    pub fn offline_partitions_count(&self) -> u32 {
        self.states
            .values()
            .filter(|s| s.leader.is_none_or(|l| !self.live_brokers.contains(&l)))
            .count() as u32
    }

    /// `KafkaController.onControllerFailover`: raise the controller epoch, read the
    /// cluster from ZooKeeper (leaving watches), elect leaders where needed, tell everyone.
    pub fn failover(me: BrokerId, session: u64, ctx: &mut Ctx) -> Result<Controller, ZkError> {
        let mut zk = ctx.zk_client(me, session);
        let epoch = match zk.get(zkdata::CONTROLLER_EPOCH, false)? {
            None => {
                zk.create(zkdata::CONTROLLER_EPOCH, "1".into(), false)?;
                1
            }
            Some(node) => {
                let next = node.data.parse::<u32>().unwrap_or(0) + 1;
                zk.set_data(zkdata::CONTROLLER_EPOCH, next.to_string(), Some(node.version))?;
                next
            }
        };
        let broker_epochs = zk.broker_epochs()?;
        let live_brokers: BTreeSet<BrokerId> = broker_epochs.keys().copied().collect();
        let mut c = Controller {
            epoch,
            live_brokers,
            broker_epochs,
            assignments: BTreeMap::new(),
            states: BTreeMap::new(),
            shutting_down: BTreeSet::new(),
        };
        ctx.out.emit(Event::ControllerElected { broker: me, epoch });
        let mut batch = Batch::default();
        c.read_topics(me, session, ctx, &mut batch)?;
        // Every partition's state goes to every replica: brokers may have missed changes.
        batch.changed.extend(c.states.keys().cloned());
        c.elect_offline(me, session, ctx, &mut batch)?;
        // `ReplicaStateMachine.startup`: replicas on brokers that died before this controller took over go offline too.
        let dead: BTreeSet<BrokerId> = c
            .states
            .values()
            .flat_map(|s| s.isr.iter().chain(s.leader.iter()))
            .filter(|b| !c.live_brokers.contains(b))
            .copied()
            .collect();
        c.remove_from_isr(me, session, ctx, &mut batch, &dead.into_iter().collect::<Vec<_>>())?;
        c.send(me, ctx, batch, true);
        if ctx.config.auto_leader_rebalance_enable {
            ctx.out.set_timer(
                ctx.config.leader_imbalance_check_interval_seconds * 1000,
                ctx.cluster.broker(me),
                Timer::LeaderImbalanceCheck,
            );
        }
        Ok(c)
    }

    /// Live brokers that are not shutting down (`ControllerContext.liveBrokerIds`): those that may lead or join an ISR.
    pub fn eligible(&self) -> BTreeSet<BrokerId> {
        self.live_brokers.difference(&self.shutting_down).copied().collect()
    }

    /// Reads `/brokers/topics` (watched); new topics get their first leaders.
    fn read_topics(&mut self, me: BrokerId, session: u64, ctx: &mut Ctx, batch: &mut Batch) -> Result<(), ZkError> {
        let mut zk = ctx.zk_client(me, session);
        let topics = match zk.get_children(zkdata::TOPICS, true) {
            Err(ZkError::NoNode) => {
                zk.create_recursive(zkdata::TOPICS, String::new())?;
                zk.get_children(zkdata::TOPICS, true)?
            }
            r => r?,
        };
        for topic in topics {
            let name: Name = topic.as_str().into();
            if self.assignments.contains_key(&name) {
                continue;
            }
            let Some(assignment) = zk.get(&zkdata::topic_path(&topic), false)?.and_then(|n| zkdata::assignment_of(&n.data)) else {
                continue;
            };
            for p in 0..assignment.len() as u32 {
                if let Some(state) = zk.partition_state(&topic, p)? {
                    self.states.insert(TopicPartition::new(&name, p), state);
                }
            }
            self.assignments.insert(name, assignment);
        }
        drop(zk);
        self.elect_new(me, session, ctx, batch)
    }

    /// `onNewPartitionCreation`: partitions without a state znode get their first leader.
    fn elect_new(&mut self, me: BrokerId, session: u64, ctx: &mut Ctx, batch: &mut Batch) -> Result<(), ZkError> {
        let mut created = Vec::new();
        for (topic, assignment) in &self.assignments {
            let new: Vec<u32> = (0..assignment.len() as u32)
                .filter(|p| !self.states.contains_key(&TopicPartition::new(topic, *p)))
                .collect();
            if new.is_empty() {
                continue;
            }
            if new.len() == assignment.len() {
                ctx.out.emit(Event::TopicCreated {
                    topic: topic.clone(),
                    assignment: assignment.clone(),
                });
            }
            for p in new {
                created.push((TopicPartition::new(topic, p), assignment[p as usize].clone()));
            }
        }
        for (tp, replicas) in created {
            let (leader, isr) = match election::new_partition_leader(&replicas, &self.eligible()) {
                Some((l, isr)) => (Some(l), isr),
                None => (None, Vec::new()),
            };
            let state = LeaderAndIsr {
                leader,
                leader_epoch: 0,
                isr: isr.clone(),
                partition_epoch: 0,
                controller_epoch: self.epoch,
            };
            let path = zkdata::partition_state_path(&tp.topic, tp.partition);
            ctx.zk_client(me, session).create_recursive(&path, zkdata::partition_state_json(&state))?;
            let reason = if leader.is_some() {
                ElectionReason::NewPartition
            } else {
                ElectionReason::NoneAvailable
            };
            ctx.out.emit(Event::LeaderChanged {
                tp: tp.clone(),
                old: None,
                new: leader,
                leader_epoch: 0,
                isr,
                reason,
            });
            self.states.insert(tp.clone(), state);
            batch.changed.insert(tp);
        }
        Ok(())
    }

    /// Writes a partition's new state to ZooKeeper (conditional on its partition epoch) and keeps it.
    fn store(&mut self, me: BrokerId, session: u64, ctx: &mut Ctx, tp: &TopicPartition, mut state: LeaderAndIsr) -> Result<LeaderAndIsr, ZkError> {
        state.controller_epoch = self.epoch;
        let version = ctx.zk_client(me, session).update_partition_state(&tp.topic, tp.partition, &state)?;
        state.partition_epoch = version;
        self.states.insert(tp.clone(), state.clone());
        Ok(state)
    }

    /// A new leader for `tp` at the next leader epoch, with `isr`: stored in ZooKeeper, then told.
    fn elect_leader(
        &mut self,
        me: BrokerId,
        session: u64,
        ctx: &mut Ctx,
        tp: &TopicPartition,
        leader: BrokerId,
        isr: Vec<BrokerId>,
        reason: ElectionReason,
    ) -> Result<(), ZkError> {
        let current = self.states[tp].clone();
        let next = LeaderAndIsr {
            leader: Some(leader),
            leader_epoch: current.leader_epoch + 1,
            isr,
            ..current.clone()
        };
        let stored = self.store(me, session, ctx, tp, next)?;
        ctx.out.emit(Event::LeaderChanged {
            tp: tp.clone(),
            old: current.leader,
            new: Some(leader),
            leader_epoch: stored.leader_epoch,
            isr: stored.isr,
            reason,
        });
        Ok(())
    }

    /// Partitions whose leader is gone (or that never had one) elect from their ISR.
    fn elect_offline(&mut self, me: BrokerId, session: u64, ctx: &mut Ctx, batch: &mut Batch) -> Result<(), ZkError> {
        let unclean = ctx.config.unclean_leader_election_enable;
        let offline: Vec<TopicPartition> = self
            .states
            .iter()
            .filter(|(_, s)| s.leader.is_none_or(|l| !self.live_brokers.contains(&l)))
            .map(|(tp, _)| tp.clone())
            .collect();
        for tp in offline {
            let current = self.states[&tp].clone();
            let assignment = self.assignments[&tp.topic][tp.partition as usize].clone();
            let Some((leader, isr, reason)) = election::offline_partition_leader(&assignment, &current.isr, &self.eligible(), unclean) else {
                continue;
            };
            self.elect_leader(me, session, ctx, &tp, leader, isr, reason)?;
            batch.changed.insert(tp);
        }
        Ok(())
    }

    /// `OfflineReplica` for replicas on dead brokers: each leaves the ISRs it is in.
    fn remove_from_isr(&mut self, me: BrokerId, session: u64, ctx: &mut Ctx, batch: &mut Batch, dead: &[BrokerId]) -> Result<(), ZkError> {
        for d in dead {
            let holding: Vec<TopicPartition> = self
                .states
                .iter()
                .filter(|(_, s)| s.isr.contains(d) || s.leader == Some(*d))
                .map(|(tp, _)| tp.clone())
                .collect();
            for tp in holding {
                let current = self.states[&tp].clone();
                let next = election::remove_replica_from_isr(&current, *d);
                let stored = self.store(me, session, ctx, &tp, next)?;
                if current.leader != stored.leader {
                    ctx.out.emit(Event::LeaderChanged {
                        tp: tp.clone(),
                        old: current.leader,
                        new: None,
                        leader_epoch: stored.leader_epoch,
                        isr: stored.isr.clone(),
                        reason: ElectionReason::NoneAvailable,
                    });
                }
                if current.isr != stored.isr {
                    ctx.out.emit(Event::IsrChanged {
                        tp: tp.clone(),
                        old: current.isr,
                        new: stored.isr.clone(),
                        leader_epoch: stored.leader_epoch,
                        by: me,
                    });
                }
                batch.changed.insert(tp);
            }
        }
        Ok(())
    }

    /// The `/brokers/ids` watch fired: `onBrokerFailure` for the dead, `onBrokerStartup` for the
    /// new. A broker whose registration is newer than the one known restarted in between
    /// ("bounced", `KafkaController.processBrokerChange`): it goes through both.
    pub fn on_broker_change(&mut self, me: BrokerId, session: u64, ctx: &mut Ctx) -> Result<(), ZkError> {
        let epochs = ctx.zk_client(me, session).broker_epochs()?;
        let now: BTreeSet<BrokerId> = epochs.keys().copied().collect();
        let bounced: Vec<BrokerId> = epochs
            .iter()
            .filter(|(b, e)| self.broker_epochs.get(b).is_some_and(|old| old != *e))
            .map(|(b, _)| *b)
            .collect();
        let dead: Vec<BrokerId> = self.live_brokers.difference(&now).copied().chain(bounced.iter().copied()).collect();
        let born: Vec<BrokerId> = now.difference(&self.live_brokers).copied().chain(bounced.iter().copied()).collect();
        self.broker_epochs = epochs;
        // `onBrokerFailure`: a broker that was shutting down is gone now.
        for d in &dead {
            self.shutting_down.remove(d);
        }
        let mut batch = Batch::default();
        self.live_brokers = now.iter().filter(|b| !bounced.contains(b)).copied().collect();
        self.elect_offline(me, session, ctx, &mut batch)?;
        self.remove_from_isr(me, session, ctx, &mut batch, &dead)?;
        self.live_brokers = now;
        if !bounced.is_empty() {
            self.elect_offline(me, session, ctx, &mut batch)?;
        }
        // A returning broker hears the state of every partition it hosts.
        for b in &born {
            for (tp, _) in self
                .states
                .iter()
                .filter(|(tp, _)| self.assignments[&tp.topic][tp.partition as usize].contains(b))
            {
                batch.changed.insert(tp.clone());
            }
        }
        self.send(me, ctx, batch, !dead.is_empty() || !born.is_empty());
        Ok(())
    }

    /// The `/brokers/topics` watch fired: a topic was created.
    pub fn on_topic_change(&mut self, me: BrokerId, session: u64, ctx: &mut Ctx) -> Result<(), ZkError> {
        let mut batch = Batch::default();
        self.read_topics(me, session, ctx, &mut batch)?;
        self.send(me, ctx, batch, false);
        Ok(())
    }

    /// KIP-497 AlterPartition: the leader asks to change the ISR; the controller checks
    /// the leader and partition epochs, stores the new ISR, and answers.
    pub fn on_alter_partition(
        &mut self,
        me: BrokerId,
        session: u64,
        ctx: &mut Ctx,
        from: BrokerId,
        tp: &TopicPartition,
        leader_epoch: u32,
        partition_epoch: u32,
        new_isr: Vec<BrokerId>,
    ) -> Result<LeaderAndIsr, ErrorCode> {
        let current = self.states.get(tp).cloned().ok_or(ErrorCode::UnknownTopicOrPartition)?;
        if current.leader != Some(from) {
            return Err(ErrorCode::NotLeaderOrFollower);
        }
        // `KafkaController.processAlterPartition`, in its order.
        if partition_epoch > current.partition_epoch || leader_epoch > current.leader_epoch {
            return Err(ErrorCode::NotController);
        }
        if leader_epoch < current.leader_epoch {
            return Err(ErrorCode::FencedLeaderEpoch);
        }
        // `LeaderAndIsr.equalsAllowStalePartitionEpoch`: a retry of a change already made (its
        // answer was lost) gets the current state, so the leader learns the new partition epoch.
        if new_isr == current.isr {
            return Ok(current);
        }
        if partition_epoch < current.partition_epoch {
            return Err(ErrorCode::InvalidUpdateVersion);
        }
        // KIP-841: only live brokers may join the ISR.
        if new_isr.iter().any(|r| !self.eligible().contains(r) && !current.isr.contains(r)) {
            return Err(ErrorCode::IneligibleReplica);
        }
        let next = LeaderAndIsr {
            isr: new_isr.clone(),
            ..current.clone()
        };
        let stored = self.store(me, session, ctx, tp, next).map_err(|_| ErrorCode::NotController)?;
        ctx.out.emit(Event::IsrChanged {
            tp: tp.clone(),
            old: current.isr,
            new: new_isr,
            leader_epoch: stored.leader_epoch,
            by: from,
        });
        let mut batch = Batch::default();
        batch.changed.insert(tp.clone());
        self.send_update_metadata(me, ctx, &batch.changed);
        Ok(stored)
    }

    /// `KafkaController.doControlledShutdown`: the broker is marked shutting down; each partition
    /// it leads with more than one replica gets a leader from the rest of its ISR
    /// (`ControlledShutdownPartitionLeaderElectionStrategy`); it gets StopReplica for those it
    /// follows and leaves their ISRs (`OfflineReplica`). Answers the partitions it still leads.
    /// The outer error is ZooKeeper's; the inner one is the answer's.
    pub fn on_controlled_shutdown(
        &mut self,
        me: BrokerId,
        session: u64,
        ctx: &mut Ctx,
        id: BrokerId,
        broker_epoch: u64,
    ) -> Result<Result<Vec<TopicPartition>, ErrorCode>, ZkError> {
        if self.broker_epochs.get(&id).is_some_and(|known| broker_epoch < *known) {
            return Ok(Err(ErrorCode::StaleBrokerEpoch));
        }
        if !self.live_brokers.contains(&id) {
            return Ok(Err(ErrorCode::BrokerNotAvailable));
        }
        self.shutting_down.insert(id);
        let eligible = self.eligible();
        let on_broker: Vec<TopicPartition> = self
            .states
            .keys()
            .filter(|tp| {
                let replicas = &self.assignments[&tp.topic][tp.partition as usize];
                replicas.len() > 1 && replicas.contains(&id)
            })
            .cloned()
            .collect();
        let (led, followed): (Vec<TopicPartition>, Vec<TopicPartition>) = on_broker.into_iter().partition(|tp| self.states[tp].leader == Some(id));
        let mut batch = Batch::default();
        for tp in led {
            let current = self.states[&tp].clone();
            let assignment = &self.assignments[&tp.topic][tp.partition as usize];
            let Some((leader, isr)) = election::controlled_shutdown_leader(assignment, &current.isr, &eligible, &self.shutting_down) else {
                continue;
            };
            self.elect_leader(me, session, ctx, &tp, leader, isr, ElectionReason::ControlledShutdown)?;
            batch.changed.insert(tp);
        }
        if !followed.is_empty() {
            ctx.out.send(
                ctx.cluster.broker(me),
                ctx.cluster.broker(id),
                Message::StopReplicaRequest {
                    controller_id: me,
                    controller_epoch: self.epoch,
                    partitions: followed.clone(),
                },
            );
        }
        for tp in followed {
            let current = self.states[&tp].clone();
            if !current.isr.contains(&id) {
                continue;
            }
            let stored = self.store(me, session, ctx, &tp, election::remove_replica_from_isr(&current, id))?;
            if current.isr != stored.isr {
                ctx.out.emit(Event::IsrChanged {
                    tp: tp.clone(),
                    old: current.isr,
                    new: stored.isr.clone(),
                    leader_epoch: stored.leader_epoch,
                    by: me,
                });
            }
            batch.skip.insert((tp.clone(), id));
            batch.changed.insert(tp);
        }
        self.send(me, ctx, batch, false);
        let remaining: Vec<TopicPartition> = self.states.iter().filter(|(_, s)| s.leader == Some(id)).map(|(tp, _)| tp.clone()).collect();
        ctx.out.emit(Event::ControlledShutdownCompleted {
            controller: me,
            broker: id,
            remaining: remaining.clone(),
        });
        Ok(Ok(remaining))
    }

    /// `KafkaController.processAllocateProducerIds` (KIP-730): a registered broker of the
    /// current epoch gets the next block of producer ids, claimed in ZooKeeper.
    pub fn on_allocate_producer_ids(
        &mut self,
        me: BrokerId,
        session: u64,
        ctx: &mut Ctx,
        id: BrokerId,
        broker_epoch: u64,
    ) -> Result<Result<(u64, u64), ErrorCode>, ZkError> {
        match self.broker_epochs.get(&id) {
            None => return Ok(Err(ErrorCode::BrokerIdNotRegistered)),
            Some(known) if *known != broker_epoch => return Ok(Err(ErrorCode::StaleBrokerEpoch)),
            Some(_) => {}
        }
        let first = ctx.zk_client(me, session).claim_producer_id_block(me)?;
        Ok(Ok((first, crate::zookeeper::kafka_zk_client::PRODUCER_ID_BLOCK_SIZE)))
    }

    /// Preferred leader election for the given partitions (all when empty): leadership
    /// goes back to the first replica of the assignment where it is alive and in the ISR.
    pub fn elect_preferred(&mut self, me: BrokerId, session: u64, ctx: &mut Ctx, only: &[TopicPartition]) -> Result<usize, ZkError> {
        let mut batch = Batch::default();
        let candidates: Vec<TopicPartition> = self.states.keys().filter(|tp| only.is_empty() || only.contains(tp)).cloned().collect();
        for tp in candidates {
            let current = self.states[&tp].clone();
            let assignment = &self.assignments[&tp.topic][tp.partition as usize];
            let Some(preferred) = election::preferred_leader(assignment, &current.isr, &self.eligible()) else {
                continue;
            };
            if current.leader == Some(preferred) {
                continue;
            }
            self.elect_leader(me, session, ctx, &tp, preferred, current.isr.clone(), ElectionReason::Preferred)?;
            batch.changed.insert(tp);
        }
        let n = batch.changed.len();
        self.send(me, ctx, batch, false);
        Ok(n)
    }

    /// `auto.leader.rebalance.enable`: brokers whose preferred partitions are led
    /// elsewhere beyond the allowed percentage get them back.
    pub fn on_imbalance_check(&mut self, me: BrokerId, session: u64, ctx: &mut Ctx) -> Result<(), ZkError> {
        let mut wanted = Vec::new();
        for b in self.eligible() {
            let preferred: Vec<&TopicPartition> = self
                .states
                .keys()
                .filter(|tp| self.assignments[&tp.topic][tp.partition as usize].first() == Some(&b))
                .collect();
            let not_led: Vec<&TopicPartition> = preferred.iter().filter(|tp| self.states[**tp].leader != Some(b)).copied().collect();
            if election::is_imbalanced(preferred.len(), not_led.len(), ctx.config.leader_imbalance_per_broker_percentage) {
                wanted.extend(not_led.into_iter().cloned());
            }
        }
        if !wanted.is_empty() {
            self.elect_preferred(me, session, ctx, &wanted)?;
        }
        ctx.out.set_timer(
            ctx.config.leader_imbalance_check_interval_seconds * 1000,
            ctx.cluster.broker(me),
            Timer::LeaderImbalanceCheck,
        );
        Ok(())
    }

    /// A request of this controller's epoch to a broker it still counts as alive is re-sent
    /// until it gets through (`ControllerChannelManager`'s `RequestSendThread` retries).
    pub fn should_resend(&self, to: BrokerId, msg: &Message) -> bool {
        let epoch = match msg {
            Message::LeaderAndIsrRequest { controller_epoch, .. }
            | Message::UpdateMetadataRequest { controller_epoch, .. }
            | Message::StopReplicaRequest { controller_epoch, .. } => *controller_epoch,
            _ => return false,
        };
        epoch == self.epoch && self.live_brokers.contains(&to)
    }

    fn metadata(&self, tp: &TopicPartition) -> PartitionMetadata {
        PartitionMetadata {
            tp: tp.clone(),
            replicas: self.assignments[&tp.topic][tp.partition as usize].clone(),
            state: self.states[tp].clone(),
        }
    }

    /// LeaderAndIsr to the live replicas of changed partitions, then UpdateMetadata to every live broker.
    fn send(&self, me: BrokerId, ctx: &mut Ctx, batch: Batch, all_metadata: bool) {
        let mut per_broker: BTreeMap<BrokerId, Vec<PartitionMetadata>> = BTreeMap::new();
        for tp in &batch.changed {
            let md = self.metadata(tp);
            for r in md
                .replicas
                .iter()
                .filter(|r| self.live_brokers.contains(r) && !batch.skip.contains(&(tp.clone(), **r)))
            {
                per_broker.entry(*r).or_default().push(md.clone());
            }
        }
        for (b, partitions) in per_broker {
            ctx.out.send(
                ctx.cluster.broker(me),
                ctx.cluster.broker(b),
                Message::LeaderAndIsrRequest {
                    controller_id: me,
                    controller_epoch: self.epoch,
                    partitions,
                },
            );
        }
        if all_metadata {
            let all: BTreeSet<TopicPartition> = self.states.keys().cloned().collect();
            self.send_update_metadata(me, ctx, &all);
        } else if !batch.changed.is_empty() {
            self.send_update_metadata(me, ctx, &batch.changed);
        }
    }

    fn send_update_metadata(&self, me: BrokerId, ctx: &mut Ctx, tps: &BTreeSet<TopicPartition>) {
        let partitions: Vec<PartitionMetadata> = tps.iter().map(|tp| self.metadata(tp)).collect();
        for b in &self.live_brokers {
            let msg = Message::UpdateMetadataRequest {
                controller_id: me,
                controller_epoch: self.epoch,
                live_brokers: self.live_brokers.iter().copied().collect(),
                partitions: partitions.clone(),
            };
            ctx.out.send(ctx.cluster.broker(me), ctx.cluster.broker(*b), msg);
        }
    }
}
