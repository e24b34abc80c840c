//! Consumers: an application starts a `KafkaConsumer` (subscribed through a group, or assigned
//! partitions by hand), polls, commits, seeks, runs its poll loop, and closes it or dies.

use super::{check_client_name, PartitionRef};
use crate::admin;
use crate::client::consumer::Consumer;
use crate::config::ConsumerConfig;
use crate::protocol::{Name, TopicPartition};
use crate::trace::Event;
use crate::world::invalid;
use crate::world::{SimError, World};
use std::collections::BTreeMap;

/// `start_consumer`'s fields as the command gives them.
pub(super) struct Start {
    pub group: Option<String>,
    pub topics: Vec<String>,
    pub partitions: Vec<PartitionRef>,
    pub config: ConsumerConfig,
    pub keep_polling_ms: Option<u64>,
}

impl World {
    pub(super) fn start_consumer(&mut self, name: &str, cluster: &Option<String>, start: Start) -> Result<(), SimError> {
        let ci = self.cluster_index(cluster)?;
        check_client_name(name)?;
        check_poll_loop(start.keep_polling_ms)?;
        if self.producers.contains_key(name) {
            return invalid(format!("a producer is already named \"{name}\""));
        }
        let existing = self.consumers.get(name);
        if existing.is_some_and(|c| c.running) {
            return invalid(format!("consumer \"{name}\" is already running"));
        }
        let Start {
            group,
            topics,
            partitions,
            config,
            keep_polling_ms,
        } = start;
        let (group, topics, partitions, config, keep_polling_ms) = match existing {
            // A restart keeps who it is (its configuration and its poll loop), not what it knew.
            Some(old) if group.is_none() && topics.is_empty() && partitions.is_empty() => (
                old.group_id.clone(),
                old.topics.clone(),
                old.manual.clone(),
                old.config.clone(),
                keep_polling_ms.or(old.keep_polling_ms),
            ),
            _ => {
                self.check_new_consumer(name, &group, &topics, &partitions, &config)?;
                let partitions = partitions
                    .into_iter()
                    .map(|p| TopicPartition::new(&p.topic.as_str().into(), p.partition))
                    .collect();
                (group, topics, partitions, config, keep_polling_ms)
            }
        };
        let bootstrap = self.cluster_spec(ci).brokers.clone();
        let key: Name = name.into();
        let mut c = Consumer::new(key.clone(), self.cluster_ref(ci), config, group, topics, partitions, bootstrap);
        c.keep_polling_ms = keep_polling_ms;
        c.start(&mut self.sched);
        self.consumers.insert(key, c);
        Ok(())
    }

    /// What `KafkaConsumer`'s constructor and `subscribe`/`assign` refuse.
    fn check_new_consumer(
        &self,
        name: &str,
        group: &Option<String>,
        topics: &[String],
        partitions: &[PartitionRef],
        config: &ConsumerConfig,
    ) -> Result<(), SimError> {
        if topics.is_empty() == partitions.is_empty() {
            return invalid(format!("consumer \"{name}\": give either topics (subscribe) or partitions (assign)"));
        }
        if !topics.is_empty() && group.is_none() {
            return invalid(format!("consumer \"{name}\": subscribing needs a group (group.id)"));
        }
        for t in topics.iter().chain(partitions.iter().map(|p| &p.topic)) {
            admin::validate_topic_name(t)?;
        }
        if let Some(g) = group {
            if g.is_empty() || g.len() > 249 {
                return invalid("group.id must be 1–249 characters");
            }
        }
        self.check_serdes(
            name,
            [config.key_deserializer, config.value_deserializer],
            [&config.key_reader_schema, &config.value_reader_schema],
            true,
        )?;
        for s in &config.partition_assignment_strategy {
            crate::assignor::Strategy::from_name(s).map_err(|e| SimError::Invalid(format!("partition.assignment.strategy: {e}")))?;
        }
        if config.partition_assignment_strategy.is_empty()
            || config.max_poll_records == 0
            || config.heartbeat_interval_ms == 0
            || config.auto_commit_interval_ms == 0
            || config.max_poll_interval_ms == 0
            || config.heartbeat_interval_ms >= config.session_timeout_ms
        {
            return invalid(format!(
                "consumer \"{name}\": needs at least one assignor, max.poll.records ≥ 1, max.poll.interval.ms ≥ 1, and 0 < heartbeat.interval.ms < session.timeout.ms"
            ));
        }
        Ok(())
    }

    /// `leave_group` false is a crash; true is `close()`, which sends LeaveGroup.
    pub(super) fn stop_consumer(&mut self, name: &str, leave_group: bool) -> Result<(), SimError> {
        match self.consumers.get_mut(name) {
            Some(c) if c.running => c.stop(&mut self.sched, leave_group),
            Some(_) => return invalid(format!("consumer \"{name}\" is already stopped")),
            None => return invalid(format!("unknown consumer \"{name}\"")),
        }
        Ok(())
    }

    pub(super) fn keep_polling(&mut self, consumer: &str, every_ms: Option<u64>) -> Result<(), SimError> {
        check_poll_loop(every_ms)?;
        let Some(c) = self.consumers.get_mut(consumer) else {
            return invalid(format!("unknown consumer \"{consumer}\""));
        };
        c.keep_polling(&mut self.sched, every_ms);
        self.sched.emit(Event::PollLoopChanged {
            consumer: c.name.clone(),
            every_ms,
        });
        Ok(())
    }

    /// The application calls `poll()`.
    pub(super) fn poll(&mut self, consumer: &str) -> Result<(), SimError> {
        running_consumer(&mut self.consumers, consumer)?.poll(&mut self.sched);
        Ok(())
    }

    /// The application calls `commitSync()`.
    pub(super) fn commit(&mut self, consumer: &str) -> Result<(), SimError> {
        let c = running_consumer(&mut self.consumers, consumer)?;
        if c.group_id.is_none() {
            return invalid(format!("consumer \"{consumer}\" has no group.id to commit to"));
        }
        c.commit(&mut self.sched, false);
        Ok(())
    }

    /// The application calls `seek()` on a partition it is assigned.
    pub(super) fn seek(&mut self, consumer: &str, topic: &str, partition: u32, offset: u64) -> Result<(), SimError> {
        let c = running_consumer(&mut self.consumers, consumer)?;
        let tp = TopicPartition::new(&topic.into(), partition);
        if !c.assignment.contains(&tp) {
            return invalid(format!("consumer \"{consumer}\" is not assigned {topic}-{partition}"));
        }
        c.seek(&mut self.sched, tp, offset);
        Ok(())
    }
}

fn running_consumer<'a>(consumers: &'a mut BTreeMap<Name, Consumer>, consumer: &str) -> Result<&'a mut Consumer, SimError> {
    match consumers.get_mut(consumer) {
        Some(c) if c.running => Ok(c),
        Some(_) => invalid(format!("consumer \"{consumer}\" is stopped")),
        None => invalid(format!("unknown consumer \"{consumer}\"")),
    }
}

/// An application's poll loop: every 10 ms to 10 minutes (a loop is the application's own).
fn check_poll_loop(every_ms: Option<u64>) -> Result<(), SimError> {
    match every_ms {
        Some(ms) if !(10..=600_000).contains(&ms) => invalid(format!("keep polling: every {ms} ms is outside 10–600000 ms")),
        _ => Ok(()),
    }
}
