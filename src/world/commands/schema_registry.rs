//! The schema registry (Confluent's) and the serializers that use it: start and stop it, an
//! operator's REST calls, and an application redeployed with other (de)serializers.

use crate::client::schema_registry_client::AvroSchema;
use crate::config::{ConsumerConfig, ProducerConfig};
use crate::schema_registry::server::{self as registry, SchemaRegistry};
use crate::schema_registry::Compatibility;
use crate::serialization::Serde;
use crate::trace::Event;
use crate::world::invalid;
use crate::world::{SimError, World};
use crate::zookeeper::kafka_zk_client as zkdata;

/// `set_serializers`' fields as the command gives them.
pub(super) struct Serializers {
    pub key: Option<Serde>,
    pub value: Option<Serde>,
    pub key_schema: Option<serde_json::Value>,
    pub value_schema: Option<serde_json::Value>,
}

impl World {
    /// Starts the registry against a cluster: it creates its `_schemas` topic (compacted)
    /// through ZooKeeper if the topic is missing.
    pub(super) fn start_schema_registry(&mut self, cluster: &Option<String>) -> Result<(), SimError> {
        let ci = self.cluster_index(cluster)?;
        if !cfg!(feature = "avro") {
            return invalid(format!("start_schema_registry: {}", crate::client::NO_AVRO));
        }
        if self.schema_registry.as_ref().is_some_and(|r| r.running) {
            return invalid("the schema registry is already running");
        }
        let live = self.registered_brokers(ci).len() as u32;
        if live == 0 {
            return invalid(format!("start_schema_registry: no live broker to keep {} on", registry::TOPIC));
        }
        let chroot = self.cluster_spec(ci).chroot.clone();
        if self.zk.znode(&format!("{chroot}{}", zkdata::topic_path(registry::TOPIC))).is_none() {
            // `KafkaStore.createSchemaTopic`: one partition, compacted; the config znode
            // goes first, as `AdminZkClient` writes it.
            let config = serde_json::json!({"version": 1, "config": {"cleanup.policy": "compact"}}).to_string();
            self.zk
                .create_persistent(&mut self.sched, &format!("{chroot}/config/topics/{}", registry::TOPIC), config);
            self.create_topic(ci, registry::TOPIC, 1, registry::TOPIC_REPLICATION_FACTOR.min(live))?;
        }
        let bootstrap = self.cluster_spec(ci).brokers.clone();
        self.sched.emit(Event::SchemaRegistryStarted { topic: registry::TOPIC.into() });
        let cluster = self.cluster_ref(ci);
        self.schema_registry = Some(SchemaRegistry::start(&mut self.sched, cluster, bootstrap));
        Ok(())
    }

    /// The registry's process stops; its schemas stay in `_schemas` for the next start.
    pub(super) fn stop_schema_registry(&mut self) -> Result<(), SimError> {
        running_registry(&mut self.schema_registry, "stop_schema_registry")?.stop(&mut self.sched);
        self.sched.emit(Event::SchemaRegistryStopped);
        Ok(())
    }

    /// An operator's `POST /subjects/{subject}/versions`.
    pub(super) fn register_schema(&mut self, subject: String, schema: &serde_json::Value) -> Result<(), SimError> {
        running_registry(&mut self.schema_registry, "register_schema")?;
        if subject.is_empty() || subject.len() > 255 {
            return invalid("register_schema: subject must be 1–255 characters");
        }
        AvroSchema::from_config(schema).map_err(|e| SimError::Invalid(format!("register_schema: schema: {e}")))?;
        let schema = crate::client::schema_registry_client::schema_text(schema).into();
        running_registry(&mut self.schema_registry, "register_schema")?.register(&mut self.sched, subject, schema);
        Ok(())
    }

    /// `PUT /config/{subject}`, or `PUT /config` (the global level) without a subject.
    pub(super) fn set_compatibility(&mut self, subject: Option<String>, level: &str) -> Result<(), SimError> {
        running_registry(&mut self.schema_registry, "set_compatibility")?;
        if subject.as_ref().is_some_and(|s| s.is_empty()) {
            return invalid("set_compatibility: subject must not be empty (leave it out for the global level)");
        }
        let level = Compatibility::from_name(level).map_err(|e| SimError::Invalid(format!("set_compatibility: {e}")))?;
        running_registry(&mut self.schema_registry, "set_compatibility")?.set_compatibility(&mut self.sched, subject, level);
        Ok(())
    }

    /// The application is redeployed with other serializers (a producer) or deserializers (a
    /// consumer): a (de)serializer given takes its schema with it (none if none is given); a
    /// schema alone keeps the (de)serializer.
    pub(super) fn set_serializers(&mut self, client: &str, new: Serializers) -> Result<(), SimError> {
        if let Some(p) = self.producers.get(client) {
            let mut c: ProducerConfig = p.config.clone();
            replace_serde(&mut c.key_serializer, &mut c.key_schema, new.key, &new.key_schema);
            replace_serde(&mut c.value_serializer, &mut c.value_schema, new.value, &new.value_schema);
            self.check_serdes(client, [c.key_serializer, c.value_serializer], [&c.key_schema, &c.value_schema], false)?;
            if let Some(p) = self.producers.get_mut(client) {
                p.reconfigure(c);
            }
            return Ok(());
        }
        if let Some(consumer) = self.consumers.get(client) {
            let mut c: ConsumerConfig = consumer.config.clone();
            replace_serde(&mut c.key_deserializer, &mut c.key_reader_schema, new.key, &new.key_schema);
            replace_serde(&mut c.value_deserializer, &mut c.value_reader_schema, new.value, &new.value_schema);
            self.check_serdes(
                client,
                [c.key_deserializer, c.value_deserializer],
                [&c.key_reader_schema, &c.value_reader_schema],
                true,
            )?;
            if let Some(consumer) = self.consumers.get_mut(client) {
                consumer.reconfigure(c);
            }
            return Ok(());
        }
        invalid(format!("unknown client \"{client}\": set_serializers takes a producer's or a consumer's name"))
    }

    /// A client's (de)serializers against what this world has: Avro needs a schema (a reader
    /// schema is optional), the registry, and a build with Avro; a schema needs Avro.
    pub(super) fn check_serdes(&self, client: &str, serdes: [Serde; 2], schemas: [&Option<serde_json::Value>; 2], reader: bool) -> Result<(), SimError> {
        let role = if reader { "deserializer" } else { "serializer" };
        for (i, side) in ["key", "value"].into_iter().enumerate() {
            let schema_key = if reader { format!("{side}.reader.schema") } else { format!("{side}.schema") };
            match (serdes[i], schemas[i]) {
                (Serde::Avro, _) if !cfg!(feature = "avro") => return invalid(format!("{client}: {side}.{role}: {}", crate::client::NO_AVRO)),
                (Serde::Avro, _) if self.schema_registry.is_none() => {
                    return invalid(format!(
                        "{client}: the Avro {side}.{role} needs a schema registry (schema.registry.url): start one first with start_schema_registry"
                    ))
                }
                (Serde::Avro, None) if !reader => return invalid(format!("{client}: the Avro {side}.serializer needs {schema_key}")),
                (Serde::Avro, Some(v)) => {
                    AvroSchema::from_config(v).map_err(|e| SimError::Invalid(format!("{client}: {schema_key}: {e}")))?;
                }
                (_, Some(_)) => return invalid(format!("{client}: {schema_key} is only used with the Avro {side}.{role}")),
                _ => {}
            }
        }
        Ok(())
    }
}

fn running_registry<'a>(registry: &'a mut Option<SchemaRegistry>, what: &str) -> Result<&'a mut SchemaRegistry, SimError> {
    match registry.as_mut() {
        Some(r) if r.running => Ok(r),
        _ => invalid(format!("{what}: no schema registry is running; start one with start_schema_registry")),
    }
}

fn replace_serde(serde: &mut Serde, schema: &mut Option<serde_json::Value>, new: Option<Serde>, new_schema: &Option<serde_json::Value>) {
    if let Some(s) = new {
        *serde = s;
        *schema = new_schema.clone();
    } else if new_schema.is_some() {
        *schema = new_schema.clone();
    }
}
