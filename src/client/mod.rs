//! Kafka's clients: the producer (and, later, the consumer).

pub mod consumer;
pub mod producer;
