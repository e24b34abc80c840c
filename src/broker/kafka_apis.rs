//! `KafkaApis`: the broker's request handler. It routes each request to the part that answers
//! it, and answers Metadata, Produce, Fetch, ListOffsets and OffsetsForLeaderEpoch itself
//! through the replica manager.

use super::delayed_operation::{DelayedFetch, DelayedProduce, Reply};
use super::replica_manager::{append_to_leader, effective_min_isr};
use super::{Broker, Ctx};
use crate::protocol::*;
use crate::replica::producer_state::AppendCheck;
use crate::replica::Role;
use crate::runtime::{Timer, TimerKey};
use crate::trace::Event;
use crate::zookeeper::kafka_zk_client::{self as zkdata};
use crate::zookeeper::ZkError;

impl Broker {
    pub fn handle(&mut self, ctx: &mut Ctx, chroot: &str, from: NodeId, msg: Message) {
        match msg {
            Message::ZkPingResponse { session_id, expired } if expired && self.zk_session == Some(session_id) => {
                // The session died while we were away: a new one, a new registration, a new race.
                self.zk_session = None;
                self.registered = false;
                self.resign(ctx);
                self.connect_zookeeper(ctx, chroot);
            }
            Message::ZkWatchEvent { path, .. } => match path.as_str() {
                zkdata::CONTROLLER if self.controller.is_none() => self.elect_controller(ctx),
                zkdata::BROKER_IDS => self.with_controller(ctx, |c, me, s, ctx| c.on_broker_change(me, s, ctx)),
                zkdata::TOPICS => self.with_controller(ctx, |c, me, s, ctx| c.on_topic_change(me, s, ctx)),
                _ => {}
            },
            Message::MetadataRequest { correlation_id, topics } => self.handle_metadata(ctx, from, correlation_id, topics),
            Message::ProduceRequest {
                correlation_id,
                acks,
                timeout_ms,
                batches,
            } => self.handle_produce(ctx, from, correlation_id, acks, timeout_ms, batches),
            Message::FetchRequest {
                correlation_id,
                replica_id,
                partitions,
                max_wait_ms,
            } => self.handle_fetch(ctx, from, correlation_id, replica_id, partitions, max_wait_ms),
            Message::FetchResponse { correlation_id, partitions } => {
                if let NodeId::Broker(BrokerNode { id: leader, .. }) = from {
                    self.handle_fetch_response(ctx, leader, correlation_id, partitions);
                }
            }
            Message::OffsetsForLeaderEpochRequest { correlation_id, partitions } => {
                let answers = partitions
                    .into_iter()
                    .map(|(tp, epoch)| {
                        let r = match self.partitions.get(&tp) {
                            Some(p) if p.role == Role::Leader => Ok(p.log.end_offset_for(epoch)),
                            _ => Err(ErrorCode::NotLeaderOrFollower),
                        };
                        (tp, r)
                    })
                    .collect();
                ctx.out.send(
                    self.node(),
                    from,
                    Message::OffsetsForLeaderEpochResponse {
                        correlation_id,
                        partitions: answers,
                    },
                );
            }
            Message::OffsetsForLeaderEpochResponse { correlation_id, partitions } => {
                if let NodeId::Broker(BrokerNode { id: leader, .. }) = from {
                    self.handle_epoch_response(ctx, leader, correlation_id, partitions);
                }
            }
            Message::LeaderAndIsrRequest {
                controller_id,
                controller_epoch,
                partitions,
            } => self.handle_leader_and_isr(ctx, controller_id, controller_epoch, partitions),
            Message::UpdateMetadataRequest {
                controller_id,
                controller_epoch,
                live_brokers,
                partitions,
            } => {
                // `ReplicaManager.maybeUpdateMetadataCache`: an older controller's is refused.
                if controller_epoch >= self.metadata.controller_epoch {
                    self.metadata.controller_id = Some(controller_id);
                    self.metadata.controller_epoch = controller_epoch;
                    self.metadata.live_brokers = live_brokers;
                    for p in partitions {
                        self.metadata.partitions.insert(p.tp.clone(), p);
                    }
                } else {
                    self.refuse_stale_controller(ctx, controller_id, "UpdateMetadata", controller_epoch);
                }
            }
            Message::AlterPartitionRequest {
                broker_id,
                tp,
                leader_epoch,
                partition_epoch,
                new_isr,
            } => {
                let result = match (self.controller.as_mut(), self.zk_session) {
                    (Some(c), Some(s)) => c.on_alter_partition(self.id, s, ctx, broker_id, &tp, leader_epoch, partition_epoch, new_isr),
                    _ => Err(ErrorCode::NotController),
                };
                ctx.out.send(self.node(), from, Message::AlterPartitionResponse { tp, result });
            }
            Message::AlterPartitionResponse { tp, result } => self.handle_alter_partition_response(ctx, tp, result),
            Message::Raft(m) => self.handle_metadata_log(ctx, &from, m),
            Message::BrokerRegistrationResponse { correlation_id, result } => self.registration_answered(ctx, correlation_id, result),
            Message::BrokerHeartbeatResponse { correlation_id, result } => self.heartbeat_answered(ctx, correlation_id, result),
            Message::ControlledShutdownRequest {
                correlation_id,
                broker_id,
                broker_epoch,
            } => {
                // Not the controller: "Controller moved to another broker. Aborting controlled shutdown".
                let result = self.as_controller(ctx, |c, me, s, ctx| c.on_controlled_shutdown(me, s, ctx, broker_id, broker_epoch));
                ctx.out.send(self.node(), from, Message::ControlledShutdownResponse { correlation_id, result });
            }
            Message::ControlledShutdownResponse { correlation_id, result } => {
                let result = result.map_err(|e| match e {
                    ErrorCode::NotController => "not_controller",
                    ErrorCode::StaleBrokerEpoch => "stale_broker_epoch",
                    ErrorCode::BrokerNotAvailable => "broker_not_available",
                    _ => "unknown_server_error",
                });
                self.controlled_shutdown_answered(ctx, correlation_id, result);
            }
            Message::StopReplicaRequest {
                controller_id,
                controller_epoch,
                partitions,
            } => self.handle_stop_replica(ctx, controller_id, controller_epoch, partitions),
            Message::ControllerRequestResponse { api, error, .. } => {
                // `KafkaController`: an active controller logs the error of a LeaderAndIsr or
                // UpdateMetadata response ("Received error in … response") and does nothing
                // more; a StopReplica's top-level error goes unread. It learns it was deposed
                // only from ZooKeeper.
                if let (Some(_), NodeId::Broker(broker), true) = (&self.controller, &from, api != "StopReplica") {
                    ctx.out.emit(Event::ControllerRequestFailed {
                        controller: self.id,
                        broker: broker.id,
                        api,
                        error,
                    });
                }
            }
            Message::InitProducerIdRequest { correlation_id } => {
                let result = self.generate_producer_id(ctx);
                ctx.out.send(self.node(), from, Message::InitProducerIdResponse { correlation_id, result });
            }
            Message::AllocateProducerIdsRequest {
                correlation_id,
                broker_id,
                broker_epoch,
            } => {
                let result = self.as_controller(ctx, |c, me, s, ctx| c.on_allocate_producer_ids(me, s, ctx, broker_id, broker_epoch));
                if let Ok((first, len)) = result {
                    ctx.out.emit(Event::ProducerIdsAllocated {
                        controller: self.id,
                        broker: broker_id,
                        first,
                        last: first + len - 1,
                        kraft: false,
                    });
                }
                ctx.out.send(self.node(), from, Message::AllocateProducerIdsResponse { correlation_id, result });
            }
            Message::AllocateProducerIdsResponse { correlation_id, result } if self.producer_ids.asking.is_some_and(|(id, _)| id == correlation_id) => {
                self.producer_ids.asking = None;
                if let Ok((first, len)) = result {
                    self.producer_ids.next = first;
                    self.producer_ids.end = first + len;
                }
            }
            Message::Disconnected { correlation_id } if self.producer_ids.asking.is_some_and(|(id, _)| id == correlation_id) => {
                self.producer_ids.asking = None;
            }
            Message::Disconnected { correlation_id } if self.lifecycle_disconnected(correlation_id) => {}
            Message::Disconnected { correlation_id } if self.controlled_shutdown.as_ref().is_some_and(|cs| cs.in_flight == Some(correlation_id)) => {
                self.controlled_shutdown_answered(ctx, correlation_id, Err("network_exception"));
            }
            Message::Disconnected { correlation_id } => {
                if let NodeId::Broker(BrokerNode { id: leader, .. }) = from {
                    if self.accept_fetcher_response(ctx, leader, correlation_id).is_some() {
                        self.back_off(ctx, leader);
                    }
                }
            }
            Message::FindCoordinatorRequest { correlation_id, group_id } => {
                let result = self.find_coordinator(ctx, &group_id);
                ctx.out.send(self.node(), from, Message::FindCoordinatorResponse { correlation_id, result });
            }
            Message::ListOffsetsRequest { correlation_id, partitions } => {
                let results = partitions
                    .into_iter()
                    .map(|(tp, earliest)| {
                        let r = match self.partitions.get(&tp) {
                            Some(p) if p.role == Role::Leader => Ok(if earliest { 0 } else { p.high_watermark }),
                            _ => Err(ErrorCode::NotLeaderOrFollower),
                        };
                        (tp, r)
                    })
                    .collect();
                ctx.out.send(self.node(), from, Message::ListOffsetsResponse { correlation_id, results });
            }
            msg @ (Message::JoinGroupRequest { .. }
            | Message::SyncGroupRequest { .. }
            | Message::HeartbeatRequest { .. }
            | Message::LeaveGroupRequest { .. }
            | Message::OffsetCommitRequest { .. }
            | Message::OffsetFetchRequest { .. }) => self.handle_group_request(ctx, from, msg),
            _ => {}
        }
    }

    pub(super) fn handle_metadata(&mut self, ctx: &mut Ctx, from: NodeId, correlation_id: u64, topics: Vec<Name>) {
        let mut partitions = Vec::new();
        let mut errors = Vec::new();
        for topic in topics {
            let found: Vec<PartitionMetadata> = self
                .metadata
                .partitions
                .range(TopicPartition::new(&topic, 0)..)
                .take_while(|(tp, _)| tp.topic == topic)
                .map(|(_, p)| p.clone())
                .collect();
            if !found.is_empty() {
                partitions.extend(found);
                continue;
            }
            // auto.create.topics.enable: the broker creates a missing topic with the defaults.
            let error = if ctx.config.auto_create_topics_enable && crate::admin::validate_topic_name(&topic).is_ok() && self.auto_create(ctx, &topic) {
                ErrorCode::LeaderNotAvailable
            } else {
                ErrorCode::UnknownTopicOrPartition
            };
            errors.push((topic, error));
        }
        let brokers = self.metadata.live_brokers.clone();
        ctx.out.send(
            self.node(),
            from,
            Message::MetadataResponse {
                correlation_id,
                brokers,
                partitions,
                errors,
            },
        );
    }

    pub(super) fn auto_create(&mut self, ctx: &mut Ctx, topic: &str) -> bool {
        if self.kraft.is_some() {
            return self.forward_create_topic(ctx, topic, ctx.config.num_partitions, ctx.config.default_replication_factor);
        }
        let Some(session) = self.zk_session else { return false };
        let live = self.metadata.live_brokers.clone();
        let (start, shift) = (
            ctx.out.rng().rand_range(0..live.len().max(1) as u64) as usize,
            ctx.out.rng().rand_range(0..live.len().max(1) as u64) as usize,
        );
        let Ok(assignment) = crate::admin::assign_replicas(&live, ctx.config.num_partitions, ctx.config.default_replication_factor, start, shift) else {
            return false;
        };
        let mut zk = ctx.zk_client(self.id, session);
        matches!(
            zk.create(&zkdata::topic_path(topic), zkdata::topic_json(&assignment), false),
            Ok(()) | Err(ZkError::NodeExists)
        )
    }

    /// `ReplicaManager.appendRecords` and `Partition.appendRecordsToLeader`.
    pub(super) fn handle_produce(&mut self, ctx: &mut Ctx, from: NodeId, correlation_id: u64, acks: Acks, timeout_ms: u64, batches: Vec<ProduceBatch>) {
        let mut results = Vec::with_capacity(batches.len());
        let mut waiting = Vec::new();
        let mut appended = Vec::new();
        for ProduceBatch { tp, producer, records } in batches {
            let known = self.metadata.partitions.contains_key(&tp) || self.partitions.contains_key(&tp);
            let Some(p) = self.partitions.get_mut(&tp).filter(|p| p.role == Role::Leader) else {
                let error = if known {
                    ErrorCode::NotLeaderOrFollower
                } else {
                    ErrorCode::UnknownTopicOrPartition
                };
                results.push(ProduceResult {
                    tp,
                    error: Some(error),
                    base_offset: 0,
                });
                continue;
            };
            if acks == Acks::All && p.isr.len() < effective_min_isr(ctx.config, p) {
                results.push(ProduceResult {
                    tp,
                    error: Some(ErrorCode::NotEnoughReplicas),
                    base_offset: 0,
                });
                continue;
            }
            // `UnifiedLog.analyzeAndValidateProducerState`: a retried batch already in the log is
            // answered with where it landed; a sequence gap or an old epoch is refused.
            match producer.map_or(AppendCheck::Append, |h| p.log.producer_state.check(&h)) {
                AppendCheck::Append => {}
                AppendCheck::Duplicate(b) => {
                    let h = producer.expect("only a stamped batch is a duplicate");
                    ctx.out.emit(Event::DuplicateBatchDropped {
                        broker: self.id,
                        tp: tp.clone(),
                        producer_id: h.producer_id,
                        producer_epoch: h.producer_epoch,
                        base_sequence: h.base_sequence,
                        last_sequence: h.last_sequence,
                        base_offset: b.first_offset,
                    });
                    if acks == Acks::All {
                        waiting.push((results.len(), b.last_offset + 1));
                    }
                    results.push(ProduceResult {
                        tp,
                        error: None,
                        base_offset: b.first_offset,
                    });
                    continue;
                }
                AppendCheck::Refuse(error) => {
                    results.push(ProduceResult {
                        tp,
                        error: Some(error),
                        base_offset: 0,
                    });
                    continue;
                }
            }
            let base = append_to_leader(ctx.out, self.id, p, records, producer);
            if acks == Acks::All {
                waiting.push((results.len(), p.log_end_offset()));
            }
            appended.push(tp.clone());
            results.push(ProduceResult {
                tp,
                error: None,
                base_offset: base,
            });
        }
        for tp in &appended {
            self.maybe_increment_hw(ctx, tp);
            self.complete_delayed_fetches(ctx, tp);
        }
        if acks == Acks::None {
            return;
        }
        self.wait_for_high_watermark(
            ctx,
            DelayedProduce {
                reply: Reply::Produce { to: from, correlation_id },
                results,
                waiting,
                timer: TimerKey { at_ms: 0, seq: 0 },
            },
            timeout_ms,
        );
    }

    /// `ReplicaManager.fetchMessages`: followers read up to the log end, consumers up to the high watermark.
    pub(super) fn handle_fetch(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation_id: u64,
        replica_id: Option<BrokerId>,
        partitions: Vec<FetchPartition>,
        max_wait_ms: u64,
    ) {
        let mut has_data = false;
        for fp in &partitions {
            let Some(p) = self.partitions.get_mut(&fp.tp) else {
                has_data = true;
                continue;
            };
            // Followers name the leader epoch they follow; consumers here do not (KIP-320 is optional).
            if p.role != Role::Leader || (replica_id.is_some() && fp.current_leader_epoch != p.leader_epoch) {
                has_data = true;
                continue;
            }
            if let Some(r) = replica_id {
                p.update_follower(r, fp.fetch_offset, ctx.out.now_ms());
            }
            let limit = if replica_id.is_some() { p.log_end_offset() } else { p.high_watermark };
            if fp.fetch_offset < limit || fp.fetch_offset > p.log_end_offset() {
                has_data = true;
            }
        }
        if let Some(r) = replica_id {
            for fp in &partitions {
                self.maybe_expand_isr(ctx, &fp.tp, r);
                self.maybe_increment_hw(ctx, &fp.tp);
            }
        }
        if has_data || max_wait_ms == 0 {
            self.respond_fetch(ctx, from, correlation_id, replica_id, &partitions);
        } else {
            let id = self.next_id();
            let timer = ctx.out.set_timer(max_wait_ms, self.node(), Timer::DelayedFetchExpired { id });
            self.delayed_fetches.insert(
                id,
                DelayedFetch {
                    from,
                    correlation_id,
                    replica_id,
                    partitions,
                    timer,
                },
            );
        }
    }

    pub(super) fn respond_fetch(&self, ctx: &mut Ctx, to: NodeId, correlation_id: u64, replica_id: Option<BrokerId>, partitions: &[FetchPartition]) {
        let fetched = partitions
            .iter()
            .map(|fp| {
                let mut out = FetchedPartition {
                    tp: fp.tp.clone(),
                    error: None,
                    high_watermark: 0,
                    records: Vec::new(),
                };
                match self.partitions.get(&fp.tp) {
                    Some(p) if p.role == Role::Leader => {
                        out.high_watermark = p.high_watermark;
                        if replica_id.is_some() && fp.current_leader_epoch < p.leader_epoch {
                            out.error = Some(ErrorCode::FencedLeaderEpoch);
                        } else if replica_id.is_some() && fp.current_leader_epoch > p.leader_epoch {
                            out.error = Some(ErrorCode::NotLeaderOrFollower);
                        } else if fp.fetch_offset > p.log_end_offset() {
                            out.error = Some(ErrorCode::OffsetOutOfRange);
                        } else {
                            let mut recs = p.log.read(fp.fetch_offset, ctx.config.replica_fetch_max_bytes);
                            if replica_id.is_none() {
                                recs.retain(|r| r.offset < p.high_watermark);
                            }
                            out.records = recs;
                        }
                    }
                    Some(_) => out.error = Some(ErrorCode::NotLeaderOrFollower),
                    None => out.error = Some(ErrorCode::UnknownTopicOrPartition),
                }
                out
            })
            .collect();
        ctx.out.send(
            self.node(),
            to,
            Message::FetchResponse {
                correlation_id,
                partitions: fetched,
            },
        );
    }
}
