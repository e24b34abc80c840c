//! `ProducerMetadata` and `KafkaProducer.waitOnMetadata`: the producer learns each topic's
//! leaders from Metadata requests; a send to a topic it does not know yet waits, up to
//! `max.block.ms`.

use super::{Producer, TopicMetadata};
use crate::protocol::*;
use crate::runtime::Out;
use crate::trace::Event;
use std::collections::{BTreeMap, BTreeSet};

/// A send waiting for its topic's metadata, not yet given a partition.
#[derive(Clone, Debug)]
pub(super) struct Pending {
    pub(super) seq: u64,
    pub(super) topic: Name,
    pub(super) partition: Option<u32>,
    pub(super) record: ProducerRecord,
    /// When `send` was called: it waits for the topic's metadata up to `max.block.ms` from then.
    pub(super) since_ms: u64,
}

impl Producer {
    pub(super) fn request_metadata(&mut self, out: &mut Out) {
        if self.metadata_in_flight.is_some() || self.bootstrap.is_empty() {
            return;
        }
        let mut topics: BTreeSet<Name> = self.stale_topics.clone();
        topics.extend(self.waiting_for_metadata.iter().map(|p| p.topic.clone()));
        if topics.is_empty() {
            return;
        }
        let broker = self.bootstrap[self.bootstrap_next % self.bootstrap.len()];
        let (id, timer) = self.new_request(out);
        self.metadata_in_flight = Some((id, timer));
        out.send(
            self.node(),
            self.cluster.broker(broker),
            Message::MetadataRequest {
                correlation_id: id,
                topics: topics.into_iter().collect(),
            },
        );
    }

    pub(super) fn handle_metadata(
        &mut self,
        out: &mut Out,
        from: NodeId,
        brokers: Vec<BrokerId>,
        partitions: Vec<PartitionMetadata>,
        errors: Vec<(Name, ErrorCode)>,
    ) {
        let Some((_, timer)) = self.metadata_in_flight.take() else { return };
        out.cancel(timer);
        if let NodeId::Broker(BrokerNode { id: b, .. }) = from {
            if let Some(i) = self.bootstrap.iter().position(|x| *x == b) {
                self.bootstrap_next = i;
            }
        }
        if !brokers.is_empty() {
            self.bootstrap = brokers;
            self.bootstrap_next %= self.bootstrap.len();
        }
        let mut by_topic: BTreeMap<Name, Vec<Option<BrokerId>>> = BTreeMap::new();
        for pm in partitions {
            let leaders = by_topic.entry(pm.tp.topic.clone()).or_default();
            let i = pm.tp.partition as usize;
            if leaders.len() <= i {
                leaders.resize(i + 1, None);
            }
            leaders[i] = pm.state.leader;
        }
        let retry = errors.iter().any(|(_, e)| *e == ErrorCode::LeaderNotAvailable);
        for (topic, leaders) in by_topic {
            out.emit(Event::MetadataUpdated {
                client: self.name.clone(),
                topic: topic.clone(),
                leaders: leaders.clone(),
            });
            let missing_leader = leaders.iter().any(|l| l.is_none());
            self.metadata.insert(topic.clone(), TopicMetadata { leaders });
            if !missing_leader {
                self.stale_topics.remove(&topic);
            }
        }
        // An unknown topic: `send` keeps waiting for it (`KafkaProducer.waitOnMetadata`), asking
        // again after `retry.backoff.ms`, until `max.block.ms` has passed.
        let unknown = errors
            .iter()
            .any(|(t, e)| *e == ErrorCode::UnknownTopicOrPartition && !self.metadata.contains_key(t));
        self.expire_metadata_waits(out);
        let ready: Vec<Pending> = {
            let (ready, kept): (Vec<Pending>, Vec<Pending>) = self.waiting_for_metadata.drain(..).partition(|p| self.metadata.contains_key(&p.topic));
            self.waiting_for_metadata = kept;
            ready
        };
        for p in ready {
            self.accumulate(out, p);
        }
        if retry || unknown || !self.stale_topics.is_empty() {
            // Metadata still incomplete: ask again after `retry.backoff.ms`.
            self.wake_in(out, self.config.retry_backoff_ms);
        }
        self.run_sender(out);
    }

    /// Sends that waited `max.block.ms` for their topic's metadata fail with Kafka's
    /// TimeoutException; the others wake the producer when their time is up.
    pub(super) fn expire_metadata_waits(&mut self, out: &mut Out) {
        let now = out.now_ms();
        let max_block_ms = self.config.max_block_ms;
        let (expired, kept): (Vec<Pending>, Vec<Pending>) = self.waiting_for_metadata.drain(..).partition(|p| p.since_ms + max_block_ms <= now);
        self.waiting_for_metadata = kept;
        let mut by_topic: BTreeMap<Name, Vec<u64>> = BTreeMap::new();
        for p in expired {
            by_topic.entry(p.topic).or_default().push(p.seq);
        }
        for (topic, seqs) in by_topic {
            if !self.waiting_for_metadata.iter().any(|p| p.topic == topic) && !self.metadata.contains_key(&topic) {
                self.stale_topics.remove(&topic);
            }
            self.failed(
                out,
                Event::ProduceFailed {
                    producer: self.name.clone(),
                    topic: topic.clone(),
                    seqs,
                    error: format!("TimeoutException: Topic {topic} not present in metadata after {max_block_ms} ms."),
                },
            );
        }
        if let Some(first) = self.waiting_for_metadata.iter().map(|p| p.since_ms + max_block_ms).min() {
            self.wake_at(out, first);
        }
    }
}
