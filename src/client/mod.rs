//! Kafka's clients: the producer and the consumer, and what their Avro serializers need of
//! the schema registry (its client side sits here, below the registry, which is itself a
//! client of the cluster).

#[cfg(feature = "avro")]
pub mod avro;
#[cfg(not(feature = "avro"))]
#[path = "no_avro.rs"]
pub mod avro;
pub mod consumer;
pub mod producer;
pub mod schema_registry_client;

/// Why a build without the `avro` feature refuses schemas.
pub const NO_AVRO: &str = "this build of the engine has no Avro; the page loads the build with Avro when a run uses schemas";
