//! Producers: an application creates a `KafkaProducer`, sends with it, closes it, or dies.

use super::check_client_name;
use crate::admin;
use crate::client::producer::{Payload, Producer, Unsent};
use crate::config::ProducerConfig;
use crate::protocol::Name;
use crate::serialization::decode_hex;
use crate::world::invalid;
use crate::world::{SimError, World};
use std::collections::BTreeMap;

/// `produce`'s fields as the command gives them.
pub(super) struct Send {
    pub topic: String,
    pub key: Option<String>,
    pub key_hex: Option<String>,
    pub value: Option<String>,
    pub partition: Option<u32>,
    pub headers: BTreeMap<String, String>,
}

impl World {
    pub(super) fn add_producer(&mut self, name: &str, cluster: &Option<String>, config: ProducerConfig) -> Result<(), SimError> {
        let ci = self.cluster_index(cluster)?;
        check_client_name(name)?;
        if self.producers.contains_key(name) || self.consumers.contains_key(name) {
            return invalid(format!("a client named \"{name}\" already exists"));
        }
        if config.batch_size == 0 {
            return invalid("batch.size must be at least 1");
        }
        config.validate().or_else(invalid)?;
        self.check_serdes(
            name,
            [config.key_serializer, config.value_serializer],
            [&config.key_schema, &config.value_schema],
            false,
        )?;
        let bootstrap = self.cluster_spec(ci).brokers.clone();
        let name: Name = name.into();
        let mut producer = Producer::new(name.clone(), self.cluster_ref(ci), config, bootstrap);
        producer.start(&mut self.sched);
        self.producers.insert(name, producer);
        Ok(())
    }

    /// `KafkaProducer.send`.
    pub(super) fn produce(&mut self, producer: &str, send: Send) -> Result<(), SimError> {
        let Some(p) = self.producers.get_mut(producer) else {
            return invalid(format!("unknown producer \"{producer}\"; add it first with add_producer"));
        };
        // `KafkaProducer.send` after `close()`: IllegalStateException.
        if !p.running || p.closing {
            return invalid(format!(
                "producer \"{producer}\" is {}: Cannot perform operation after producer has been closed",
                if p.running { "closing" } else { "stopped" }
            ));
        }
        let topic = send.topic;
        admin::validate_topic_name(&topic)?;
        let key = match (send.key, send.key_hex) {
            (_, Some(hex)) => Some(Payload::Raw(decode_hex(&hex).map_err(|e| SimError::Invalid(format!("key_hex: {e}")))?.into())),
            (key, None) => key.map(Payload::Object),
        };
        if let (Some(part), Some(meta)) = (send.partition, p.metadata.get(topic.as_str())) {
            if part as usize >= meta.leaders.len() {
                return invalid(format!(
                    "partition {part} does not exist: topic \"{topic}\" has {} partitions",
                    meta.leaders.len()
                ));
            }
        }
        let unsent = Unsent {
            topic: topic.as_str().into(),
            partition: send.partition,
            key,
            value: send.value.map(Payload::Object),
            headers: send.headers.into_iter().map(|(k, v)| (k.as_str().into(), v.into_bytes().into())).collect(),
            timestamp_ms: self.sched.now_ms,
        };
        p.produce(&mut self.sched, unsent);
        Ok(())
    }

    /// `KafkaProducer.close()`; with `timeout_ms`, `close(Duration)`.
    pub(super) fn close_producer(&mut self, producer: &str, timeout_ms: Option<u64>) -> Result<(), SimError> {
        let p = running_producer(&mut self.producers, producer)?;
        // A second `close()` waits for the first.
        if p.closing {
            return invalid(format!("producer \"{producer}\" is already closing"));
        }
        p.close(&mut self.sched, timeout_ms);
        Ok(())
    }

    /// The producer's process dies (also while it closes).
    pub(super) fn crash_producer(&mut self, producer: &str) -> Result<(), SimError> {
        running_producer(&mut self.producers, producer)?.crash(&mut self.sched);
        Ok(())
    }
}

fn running_producer<'a>(producers: &'a mut BTreeMap<Name, Producer>, producer: &str) -> Result<&'a mut Producer, SimError> {
    match producers.get_mut(producer) {
        None => invalid(format!("unknown producer \"{producer}\"")),
        Some(p) if !p.running => invalid(format!("producer \"{producer}\" is already stopped")),
        Some(p) => Ok(p),
    }
}
