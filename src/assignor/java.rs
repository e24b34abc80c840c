//! Small emulations of the Java library behaviour that Kafka's assignors lean on for tie-breaking.
//!
//! Kafka's assignors are Java code: where two choices are equally good they take whichever one a
//! `String.compareTo`, a `HashMap` or a `HashSet` happens to put first. To give the same answer we
//! reproduce those orders here instead of using Rust's (different) ones.

use std::cmp::Ordering;

/// `java.lang.String.compareTo`: lexicographic over UTF-16 code units.
///
/// Rust's `str` ordering compares UTF-8 bytes (= code points), which differs from Java for
/// characters above U+FFFF versus U+E000..U+FFFF, so we compare UTF-16 units explicitly.
pub(crate) fn java_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// `java.lang.String.hashCode`: `s[0]*31^(n-1) + ... + s[n-1]` over UTF-16 code units, wrapping.
pub(crate) fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32))
}

/// `org.apache.kafka.common.TopicPartition.hashCode`: `31 * (31 + partition) + topic.hashCode()`.
pub(crate) fn topic_partition_hash(topic_hash: i32, partition: u32) -> i32 {
    31i32.wrapping_mul(31i32.wrapping_add(partition as i32)).wrapping_add(topic_hash)
}

/// `java.util.HashMap.hash`: the key's hash with its high half folded into the low half.
fn spread(h: i32) -> u32 {
    let h = h as u32;
    h ^ (h >> 16)
}

/// Default capacity of `new HashMap<>()` / `new HashSet<>()`.
const DEFAULT_CAPACITY: usize = 16;
/// A bin longer than this makes `HashMap` treeify it, or grow the table if it is smaller than 64.
const TREEIFY_THRESHOLD: usize = 8;
const MIN_TREEIFY_CAPACITY: usize = 64;

/// The iteration order of a `java.util.HashMap`/`HashSet` built with the default constructor.
///
/// Java iterates a hash table bucket by bucket (`index = spread(hash) & (capacity - 1)`), and within
/// a bucket in insertion order; growing the table keeps that relative order, and removals never
/// shrink it. We keep the entries in insertion order and the capacity the table would have, which
/// is all the order depends on. Not modelled: the order inside a *treeified* bin (9+ keys in one
/// bucket of a table of 64+ slots), which is vanishingly unlikely at the sizes we simulate.
#[derive(Clone, Debug)]
pub(crate) struct JavaHashOrder<K: PartialEq + Copy> {
    capacity: usize,
    /// Live entries with their Java hash, oldest first.
    entries: Vec<(K, i32)>,
}

impl<K: PartialEq + Copy> JavaHashOrder<K> {
    pub(crate) fn new() -> Self {
        JavaHashOrder {
            capacity: DEFAULT_CAPACITY,
            entries: Vec::new(),
        }
    }

    fn bucket(&self, hash: i32) -> usize {
        (spread(hash) as usize) & (self.capacity - 1)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn contains(&self, key: K) -> bool {
        self.entries.iter().any(|(k, _)| *k == key)
    }

    /// `put`/`add`: a key already present keeps its place.
    pub(crate) fn insert(&mut self, key: K, hash: i32) {
        if self.contains(key) {
            return;
        }
        let bucket = self.bucket(hash);
        let bin_len_before = self.entries.iter().filter(|(_, h)| self.bucket(*h) == bucket).count();
        self.entries.push((key, hash));
        // putVal: a bin that reached TREEIFY_THRESHOLD + 1 nodes grows a small table instead.
        if bin_len_before >= TREEIFY_THRESHOLD && self.capacity < MIN_TREEIFY_CAPACITY {
            self.capacity *= 2;
        }
        // putVal: `++size > threshold` where threshold = capacity * 0.75.
        if self.entries.len() > self.capacity * 3 / 4 {
            self.capacity *= 2;
        }
    }

    pub(crate) fn remove(&mut self, key: K) {
        self.entries.retain(|(k, _)| *k != key);
    }

    /// The keys in the order Java's iterator would yield them.
    pub(crate) fn iter_order(&self) -> Vec<K> {
        let mut indexed: Vec<(usize, usize, K)> = self.entries.iter().enumerate().map(|(i, (k, h))| (self.bucket(*h), i, *k)).collect();
        indexed.sort_by_key(|(b, i, _)| (*b, *i));
        indexed.into_iter().map(|(_, _, k)| k).collect()
    }

    /// `iterator().next()`.
    pub(crate) fn first(&self) -> Option<K> {
        self.entries
            .iter()
            .enumerate()
            .min_by_key(|(i, (_, h))| (self.bucket(*h), *i))
            .map(|(_, (k, _))| *k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_hash_matches_java() {
        // Values as computed by Java's String.hashCode.
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(java_string_hash("a"), 97);
        assert_eq!(java_string_hash("hello"), 99162322);
        assert_eq!(java_string_hash("consumer1"), 0xe6e7fafbu32 as i32);
    }

    #[test]
    fn hashmap_order_is_by_bucket_then_insertion() {
        // "consumer1".."consumer3" land in buckets 12, 11, 10 of a 16-slot table.
        let names = ["consumer1", "consumer2", "consumer3"];
        let mut order = JavaHashOrder::new();
        for (i, n) in names.iter().enumerate() {
            order.insert(i, java_string_hash(n));
        }
        assert_eq!(order.iter_order(), vec![2, 1, 0]);
    }

    #[test]
    fn hashmap_grows_past_three_quarters() {
        let mut order = JavaHashOrder::new();
        for i in 0..13usize {
            order.insert(i, i as i32);
        }
        assert_eq!(order.capacity, 32);
    }

    #[test]
    fn utf16_order_differs_from_utf8_order() {
        // U+FF21 (fullwidth A) sorts after U+1F600 in Rust but before it in Java.
        assert_eq!(java_cmp("\u{FF21}", "\u{1F600}"), Ordering::Greater);
        assert!("\u{FF21}" < "\u{1F600}");
    }
}
