//! What the narration says of a message: Kafka's values as they are, and a few words each
//! locale words its own way (`summaryWords` in www/locales), so no English sentence ends up
//! inside a Korean one.

use super::*;

impl Message {
    /// A short plain summary of the payload, for the narration and the trace.
    pub fn summary(&self) -> Vec<Part> {
        let s = Sum::default();
        match self {
            Message::ZkPing { session_id } => s.w("session").v(format!("0x{session_id:x}")),
            Message::ZkPingResponse { session_id, expired } => s.w("session").v(format!("0x{session_id:x}")).w(if *expired { "expired" } else { "alive" }),
            Message::ZkWatchEvent { path, kind } => s
                .w(match kind {
                    WatchKind::Data => "node_changed",
                    WatchKind::Children => "children_changed",
                })
                .v(":")
                .v(path),
            Message::MetadataRequest { topics, .. } => s.list(topics.iter(), |s, t| s.v(t)),
            Message::MetadataResponse { partitions, errors, .. } => s
                .list(partitions.iter(), |s, p| s.v(&p.tp).w("leader").opt(p.state.leader))
                .list(errors.iter(), |s, (t, e)| s.v(t).v(":").v(e)),
            Message::ProduceRequest { acks, batches, .. } => {
                let acks = match acks {
                    Acks::None => "0",
                    Acks::Leader => "1",
                    Acks::All => "all",
                };
                s.v(format!("acks={acks}")).list(batches.iter(), |s, b| {
                    let s = s.v(&b.tp).v(format!("×{}", b.records.len()));
                    match b.producer {
                        Some(p) => s
                            .w("producer_id")
                            .v(p.producer_id)
                            .w("seq")
                            .v(format!("{}–{}", p.base_sequence, p.last_sequence)),
                        None => s,
                    }
                })
            }
            Message::InitProducerIdRequest { .. } => s,
            Message::InitProducerIdResponse { result, .. } => match result {
                Ok((id, epoch)) => s.w("producer_id").v(id).w("epoch").v(epoch),
                Err(e) => s.v(e),
            },
            Message::AllocateProducerIdsRequest { broker_id, .. } => s.w("broker").v(broker_id),
            Message::AllocateProducerIdsResponse { result, .. } => match result {
                Ok((first, len)) => s.w("producer_ids").v(format!("{first}–{}", first + len - 1)),
                Err(e) => s.v(e),
            },
            Message::ProduceResponse { results, .. } => s.list(results.iter(), |s, r| match r.error {
                None => s.v(&r.tp).v("ACK").w("offset").v(r.base_offset),
                Some(e) => s.v(&r.tp).v("NACK").v(e),
            }),
            Message::FetchRequest { partitions, .. } => s.list(partitions.iter(), |s, p| s.v(&p.tp).w("from_offset").v(p.fetch_offset)),
            Message::FetchResponse { partitions, .. } => s.list(partitions.iter(), |s, p| match p.error {
                None => s.v(&p.tp).v(format!("×{}", p.records.len())).v("HW").v(p.high_watermark),
                Some(e) => s.v(&p.tp).v(e),
            }),
            Message::OffsetsForLeaderEpochRequest { partitions, .. } => s.list(partitions.iter(), |s, (tp, e)| s.v(tp).w("epoch").v(e)),
            Message::OffsetsForLeaderEpochResponse { partitions, .. } => s.list(partitions.iter(), |s, (tp, r)| match r {
                Ok(Some((e, o))) => s.v(tp).w("epoch").v(e).w("ends_at").v(o),
                Ok(None) => s.v(tp).w("epoch").w("unknown"),
                Err(e) => s.v(tp).v(e),
            }),
            Message::LeaderAndIsrRequest {
                controller_epoch, partitions, ..
            }
            | Message::UpdateMetadataRequest {
                controller_epoch, partitions, ..
            } => s
                .w("controller_epoch")
                .v(controller_epoch)
                .v(":")
                .list(partitions.iter(), |s, p| s.state(&p.tp, &p.state)),
            Message::AlterPartitionRequest { tp, new_isr, .. } => s.v(tp).v("ISR").v(format!("{new_isr:?}")),
            Message::Disconnected { .. } => s.w("connection_refused"),
            Message::FindCoordinatorRequest { group_id, .. } => s.w("group").v(group_id),
            Message::FindCoordinatorResponse { result, .. } => match result {
                Ok(b) => s.w("coordinator").w("broker").v(b),
                Err(e) => s.v(e),
            },
            Message::JoinGroupRequest { group_id, member_id, .. } => {
                let s = s.w("group").v(group_id).w("member");
                if member_id.is_empty() {
                    s.w("new_member")
                } else {
                    s.v(member_id)
                }
            }
            Message::JoinGroupResponse { result, .. } => match result {
                Ok(j) => s.w("generation").v(j.generation).w("leader").v(&j.leader).w("member").v(&j.member_id),
                Err((e, m)) => s.v(e).v(m),
            },
            Message::SyncGroupRequest {
                group_id,
                generation,
                assignments,
                ..
            } => {
                let s = s.w("group").v(group_id).w("generation").v(generation);
                if assignments.is_empty() {
                    s
                } else {
                    s.w("assignments").v(assignments.len())
                }
            }
            Message::SyncGroupResponse { result, .. } => match result {
                Ok(a) => s.list(a.iter(), |s, (t, ps)| s.v(t).v(format!("{ps:?}"))),
                Err(e) => s.v(e),
            },
            Message::HeartbeatRequest { member_id, generation, .. } => s.v(member_id).w("generation").v(generation),
            Message::HeartbeatResponse { error, .. } => match error {
                None => s.v("OK"),
                Some(e) => s.v(e),
            },
            Message::LeaveGroupRequest { member_id, .. } => s.v(member_id),
            Message::LeaveGroupResponse { .. } => s.v("OK"),
            Message::OffsetCommitRequest { offsets, .. } => s.list(offsets.iter(), |s, (tp, o)| s.v(tp).v("→").v(o)),
            Message::OffsetCommitResponse { results, .. } => s.list(results.iter(), |s, (tp, e)| match e {
                None => s.v(tp).v("OK"),
                Some(e) => s.v(tp).v(e),
            }),
            Message::OffsetFetchRequest { partitions, .. } => s.list(partitions.iter(), |s, tp| s.v(tp)),
            Message::OffsetFetchResponse { result, .. } => match result {
                Ok(v) => s.list(v.iter(), |s, (tp, o)| s.v(tp).opt(*o)),
                Err(e) => s.v(e),
            },
            Message::ListOffsetsRequest { partitions, .. } => s.list(partitions.iter(), |s, (tp, e)| s.v(tp).w(if *e { "earliest" } else { "latest" })),
            Message::ListOffsetsResponse { results, .. } => s.list(results.iter(), |s, (tp, r)| match r {
                Ok(o) => s.v(tp).v(o),
                Err(e) => s.v(tp).v(e),
            }),
            Message::AlterPartitionResponse { tp, result } => match result {
                Ok(st) => s.state(tp, st),
                Err(e) => s.v(tp).v(e),
            },
            Message::RegisterSchemaRequest { subject, .. } => s.v(subject),
            Message::RegisterSchemaResponse { result, .. } => match result {
                Ok(id) => s.v("id").v(id),
                Err(e) => s.v(format!("HTTP {}", e.http_status)).v(e),
            },
            Message::SchemaByIdRequest { id, .. } => s.v("id").v(id),
            Message::SchemaByIdResponse { id, result, .. } => match result {
                Ok(_) => s.w("schema").v(id),
                Err(e) => s.v(format!("HTTP {}", e.http_status)).v(e),
            },
            Message::ControlledShutdownRequest { broker_id, broker_epoch, .. } => s.w("broker").v(broker_id).w("epoch").v(broker_epoch),
            Message::ControlledShutdownResponse { result, .. } => match result {
                Ok(r) if r.is_empty() => s.w("nothing_remaining"),
                Ok(r) => s.w("remaining").list(r.iter(), |s, tp| s.v(tp)),
                Err(e) => s.v(e),
            },
            Message::StopReplicaRequest {
                controller_epoch, partitions, ..
            } => s.w("controller_epoch").v(controller_epoch).v(":").list(partitions.iter(), |s, tp| s.v(tp)),
            Message::ControllerRequestResponse { controller_epoch, error, .. } => s.w("controller_epoch").v(controller_epoch).v(":").v(error),
            Message::Raft(m) => m.summary().into_iter().fold(s, |s, v| s.v(v)),
            Message::BrokerRegistrationRequest { broker_id, .. } => s.w("broker").v(broker_id),
            Message::BrokerRegistrationResponse { result, .. } => match result {
                Ok(epoch) => s.w("epoch").v(epoch),
                Err(e) => s.v(e),
            },
            Message::BrokerHeartbeatRequest {
                broker_id,
                broker_epoch,
                current_metadata_offset,
                ..
            } => s
                .w("broker")
                .v(broker_id)
                .w("epoch")
                .v(broker_epoch)
                .v("metadata offset")
                .v(current_metadata_offset),
            Message::BrokerHeartbeatResponse { result, .. } => match result {
                Ok(st) => s
                    .v(if st.is_fenced { "fenced" } else { "unfenced" })
                    .v(if st.is_caught_up { "caught up" } else { "catching up" }),
                Err(e) => s.v(e),
            },
            Message::CreateTopicsRequest {
                topic,
                partitions,
                replication_factor,
                ..
            } => s.v(topic).v(format!("×{partitions}")).v(format!("RF {replication_factor}")),
            Message::CreateTopicsResponse { topic, error, .. } => match error {
                None => s.v(topic),
                Some(e) => s.v(topic).v(":").v(e),
            },
        }
        .0
    }
}

/// A part of a message's summary: a word the locale words (`{"w": "leader"}`) or a value as it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Part {
    Word { w: &'static str },
    Value(String),
}

/// Builds a summary: values, words, and lists of at most four items (then "… +N").
#[derive(Default)]
struct Sum(Vec<Part>);

impl Sum {
    fn w(mut self, w: &'static str) -> Self {
        self.0.push(Part::Word { w });
        self
    }

    fn v(mut self, v: impl fmt::Display) -> Self {
        self.0.push(Part::Value(v.to_string()));
        self
    }

    /// A broker id, or the word for none.
    fn opt(self, v: Option<impl fmt::Display>) -> Self {
        match v {
            Some(v) => self.v(v),
            None => self.w("none"),
        }
    }

    fn state(self, tp: &TopicPartition, st: &LeaderAndIsr) -> Self {
        self.v(tp)
            .w("leader")
            .opt(st.leader)
            .w("epoch")
            .v(st.leader_epoch)
            .v("ISR")
            .v(format!("{:?}", st.isr))
    }

    fn list<T>(mut self, items: impl Iterator<Item = T>, each: impl Fn(Sum, T) -> Sum) -> Self {
        let items: Vec<T> = items.collect();
        let n = items.len();
        for (i, item) in items.into_iter().enumerate() {
            if i == 4 {
                return self.v(format!("… +{}", n - 4));
            }
            if i > 0 {
                self = self.v(",");
            }
            self = each(self, item);
        }
        self
    }
}
