//! A stored record's bytes for the page's byte panel, with Confluent's framing taken apart.

use crate::protocol::{BatchProducer, BrokerId, Bytes, TopicPartition};
use crate::world::World;
use serde::{Serialize, Serializer};

/// One record's bytes as a replica stores them, for the page's byte view.
#[derive(Clone, Debug, Serialize)]
pub struct RecordBytes {
    pub offset: u64,
    pub key: Option<FieldBytes>,
    pub value: Option<FieldBytes>,
    /// The batch header's producer id, epoch and sequence range (KIP-98), when idempotent.
    pub producer: Option<BatchProducer>,
    /// This record's own sequence number: its batch's base sequence plus its place in the batch.
    pub sequence: Option<u32>,
}

/// The bytes themselves (a `Uint8Array` in the page, which shows them as hex and reads text
/// from them), not a rendering of them.
#[derive(Clone, Debug, Serialize)]
pub struct FieldBytes {
    #[serde(serialize_with = "as_bytes")]
    pub bytes: Bytes,
    /// Confluent's framing, when the bytes carry an id the registry knows.
    pub frame: Option<Frame>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Frame {
    pub magic: u8,
    pub schema_id: u32,
    /// The Avro body after the five framing bytes.
    #[serde(serialize_with = "as_bytes")]
    pub body: Bytes,
    /// The writer's schema, and the body read with it.
    pub schema: String,
    pub decoded: Option<String>,
}

fn as_bytes<S: Serializer>(b: &Bytes, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bytes(b)
}

impl FieldBytes {
    /// The bytes as lowercase hex, as the byte panel shows them.
    pub fn hex(&self) -> String {
        self.bytes.iter().map(|x| format!("{x:02x}")).collect()
    }
}

/// The bytes of the record at `offset` in `broker`'s replica of the partition.
pub fn record_bytes(world: &World, cluster: usize, broker: BrokerId, topic: &str, partition: u32, offset: u64) -> Result<RecordBytes, String> {
    let tp = TopicPartition::new(&topic.into(), partition);
    let replica = world
        .brokers
        .get(&(cluster, broker))
        .ok_or_else(|| format!("unknown broker {broker}"))?
        .partitions
        .get(&tp)
        .ok_or_else(|| format!("broker {broker} has no replica of {tp}"))?;
    let records = &replica.log.records;
    let at = records
        .iter()
        .position(|r| r.offset == offset)
        .ok_or_else(|| format!("broker {broker}'s replica of {tp} has no record at offset {offset}"))?;
    let record = &records[at];
    let first_of_batch = records[..at].iter().rev().take_while(|r| r.producer == record.producer).count();
    let field = |bytes: &Option<crate::protocol::Bytes>| {
        bytes.as_ref().map(|b| FieldBytes {
            bytes: b.clone(),
            frame: crate::client::schema_registry_client::unframe(b).ok().and_then(|(id, body)| {
                let text = world.schema_registry.as_ref()?.schema_by_id(id)?;
                let decoded = crate::client::avro::parse(text)
                    .and_then(|s| crate::client::avro::decode(b, &s, &s))
                    .ok()
                    .map(|v| v.to_string());
                Some(Frame {
                    magic: 0,
                    schema_id: id,
                    body: body.into(),
                    schema: text.to_string(),
                    decoded,
                })
            }),
        })
    };
    Ok(RecordBytes {
        offset,
        key: field(&record.key),
        value: field(&record.value),
        producer: record.producer,
        sequence: record.producer.map(|p| p.base_sequence + first_of_batch as u32),
    })
}
