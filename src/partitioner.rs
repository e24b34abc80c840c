//! The producer's partitioner: which partition a record goes to.
//!
//! Keyed records follow `BuiltInPartitioner.partitionForKey` in Kafka's Java
//! client bit for bit; records without a key follow the sticky strategies of
//! KIP-480 and KIP-794, drawing from the simulation's seeded generator where
//! Kafka draws from `ThreadLocalRandom`.

use serde::{Deserialize, Serialize};

/// Kafka's `Utils.murmur2`: 32-bit MurmurHash2, seed 0x9747b28c, read as a Java int.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let mut h: u32 = SEED ^ data.len() as u32;
    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        // Java's switch falls through from case 3 to case 1.
        if tail.len() == 3 {
            h ^= (tail[2] as u32) << 16;
        }
        if tail.len() >= 2 {
            h ^= (tail[1] as u32) << 8;
        }
        h ^= tail[0] as u32;
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Kafka's `Utils.toPositive`: clears the sign bit (not `abs`, which overflows).
pub fn to_positive(x: i32) -> i32 {
    x & 0x7fff_ffff
}

/// `BuiltInPartitioner.partitionForKey`: the modulo runs over ALL partitions of
/// the topic, available or not, so a key's partition never moves while a broker is down.
pub fn partition_for_key(key: &[u8], num_partitions: u32) -> u32 {
    debug_assert!(num_partitions > 0);
    (to_positive(murmur2(key)) as u32) % num_partitions
}

/// How a producer picks partitions for records that name none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum PartitionerKind {
    /// Kafka 3.3+ default (KIP-794): keyed records by murmur2; unkeyed records
    /// stick to one partition until `batch.size` bytes went to it, then switch.
    #[default]
    UniformSticky,
    /// Kafka 2.4–3.2 default (KIP-480, `DefaultPartitioner` + `StickyPartitionCache`):
    /// unkeyed records stick to one partition until a new batch is needed.
    Sticky,
    /// `RoundRobinPartitioner`: every record, keyed or not, to the next partition.
    RoundRobin,
}

impl PartitionerKind {
    pub fn name(self) -> &'static str {
        match self {
            PartitionerKind::UniformSticky => "uniform-sticky",
            PartitionerKind::Sticky => "sticky",
            PartitionerKind::RoundRobin => "round-robin",
        }
    }
}

/// Per-topic state of the unkeyed strategies.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StickyState {
    /// The partition unkeyed records currently go to.
    pub sticky: Option<u32>,
    /// KIP-794: bytes produced to the sticky partition since it was chosen.
    pub produced_bytes: usize,
    /// `RoundRobinPartitioner`'s counter.
    pub round_robin_counter: u32,
}

/// Picks a partition among `available` (partitions with a leader), or among all of
/// them when none is available, as `StickyPartitionCache.nextPartition` (KIP-480) does;
/// `previous` is the partition being left, never picked again while another is available.
/// KIP-794's `BuiltInPartitioner.nextPartition` weighs partitions by their leaders' queue
/// sizes; queues are equal in this simulation, so it passes `previous = None` and draws uniformly.
pub fn random_partition(rng: &mut oorandom::Rand64, num_partitions: u32, available: &[u32], previous: Option<u32>) -> u32 {
    if available.is_empty() {
        return rng.rand_range(0..num_partitions as u64) as u32;
    }
    if available.len() == 1 {
        return available[0];
    }
    loop {
        let p = available[rng.rand_range(0..available.len() as u64) as usize];
        if Some(p) != previous {
            return p;
        }
    }
}

/// `RoundRobinPartitioner.partition`: the next counter value modulo the available partitions
/// (all partitions when none is available).
pub fn round_robin(state: &mut StickyState, num_partitions: u32, available: &[u32]) -> u32 {
    let n = state.round_robin_counter;
    state.round_robin_counter = state.round_robin_counter.wrapping_add(1);
    let n = to_positive(n as i32) as u32;
    if available.is_empty() {
        n % num_partitions
    } else {
        available[(n as usize) % available.len()]
    }
}
