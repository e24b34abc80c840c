//! Topics: `kafka-topics.sh --create` and `kafka-leader-election.sh`, as the ZooKeeper-era tools
//! do them (a znode the controller watches; a request to the controller).

use crate::admin;
use crate::config::MAX_PARTITIONS;
use crate::world::invalid;
use crate::world::{SimError, World};
use crate::zookeeper::kafka_zk_client as zkdata;

impl World {
    pub(super) fn create_topic_command(&mut self, topic: &str, partitions: u32, replication_factor: u32, cluster: &Option<String>) -> Result<(), SimError> {
        let ci = self.cluster_index(cluster)?;
        if self.cluster_spec(ci).is_kraft() && self.active_controller(ci).is_none() {
            return invalid("no active controller: the controller quorum has no leader to create the topic");
        }
        admin::validate_topic_name(topic)?;
        admin::check_new_topic(topic, self.topic_names(ci))?;
        if partitions > MAX_PARTITIONS {
            return invalid(format!(
                "partitions: {partitions} is more than this playground holds (at most {MAX_PARTITIONS})"
            ));
        }
        admin::assign_replicas(&self.registered_brokers(ci), partitions, replication_factor, 0, 0)?;
        self.create_topic(ci, topic, partitions, replication_factor)
    }

    /// `AdminZkClient.createTopic`: the replica assignment, written where the controller watches.
    pub(in crate::world) fn create_topic(&mut self, ci: usize, topic: &str, partitions: u32, replication_factor: u32) -> Result<(), SimError> {
        if self.cluster_spec(ci).is_kraft() {
            // `kafka-topics.sh --create` in KRaft mode: CreateTopics, decided by the active controller.
            let World { sched, controllers, .. } = self;
            let active = controllers
                .range_mut((ci, 0)..=(ci, crate::protocol::BrokerId::MAX))
                .map(|(_, c)| c)
                .find(|c| c.is_active());
            let Some(controller) = active else {
                return invalid("no active controller: the controller quorum has no leader to create the topic");
            };
            return match controller.create_topic(sched, &topic.into(), partitions, replication_factor) {
                Ok(()) => Ok(()),
                Err(e) => invalid(format!("CreateTopics: {}", e.name())),
            };
        }
        let live = self.registered_brokers(ci);
        let n = live.len().max(1) as u64;
        let start = self.sched.rng.rand_range(0..n) as usize;
        let shift = self.sched.rng.rand_range(0..n) as usize;
        let assignment = admin::assign_replicas(&live, partitions, replication_factor, start, shift)?;
        let path = format!("{}{}", self.cluster_spec(ci).chroot, zkdata::topic_path(topic));
        self.zk.create_persistent(&mut self.sched, &path, zkdata::topic_json(&assignment));
        Ok(())
    }

    /// `kafka-leader-election.sh --election-type preferred` for every partition: the controller,
    /// if the cluster has one, moves leadership back to each partition's first replica.
    pub(super) fn elect_preferred_leaders(&mut self, cluster: &Option<String>) -> Result<(), SimError> {
        let ci = self.cluster_index(cluster)?;
        let controller = self.brokers_of(ci).find(|b| b.running && b.controller.is_some()).map(|b| (ci, b.id));
        if let Some(key) = controller {
            self.with_broker(key, |b, ctx, _| {
                if let (Some(c), Some(s)) = (b.controller.as_mut(), b.zk_session) {
                    let _ = c.elect_preferred(b.id, s, ctx, &[]);
                }
            });
        }
        Ok(())
    }
}
