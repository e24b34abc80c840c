//! The records the group coordinator writes to `__consumer_offsets`, in Kafka's
//! own binary layout (`OffsetCommitKey` v1, `OffsetCommitValue` v3,
//! `GroupMetadataKey` v2, `GroupMetadataValue` v3, with the embedded
//! `ConsumerProtocolSubscription` v1 and `ConsumerProtocolAssignment` v0).

use std::collections::BTreeMap;

/// What one record of `__consumer_offsets` says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OffsetsRecord {
    /// A committed offset: the next offset the group will read.
    Offset {
        group: String,
        topic: String,
        partition: u32,
        offset: u64,
        metadata: String,
        commit_timestamp_ms: u64,
    },
    /// A group's membership after a rebalance; `None` is the tombstone of an emptied group.
    Group { group: String, value: Option<GroupValue> },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupValue {
    pub generation: i32,
    pub protocol: Option<String>,
    pub leader: Option<String>,
    pub members: Vec<MemberValue>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberValue {
    pub member_id: String,
    pub client_id: String,
    pub rebalance_timeout_ms: i32,
    pub session_timeout_ms: i32,
    pub topics: Vec<String>,
    pub assignment: BTreeMap<String, Vec<u32>>,
}

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn i16(&mut self, v: i16) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    fn i32(&mut self, v: i32) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    fn i64(&mut self, v: i64) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    fn string(&mut self, s: &str) -> &mut Self {
        self.i16(s.len() as i16);
        self.0.extend_from_slice(s.as_bytes());
        self
    }
    fn nullable_string(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.string(s),
            None => self.i16(-1),
        }
    }
    fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.i32(b.len() as i32);
        self.0.extend_from_slice(b);
        self
    }
    fn topic_partitions(&mut self, tps: &BTreeMap<String, Vec<u32>>) -> &mut Self {
        self.i32(tps.len() as i32);
        for (t, ps) in tps {
            self.string(t).i32(ps.len() as i32);
            for p in ps {
                self.i32(*p as i32);
            }
        }
        self
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn i16(&mut self) -> Option<i16> {
        Some(i16::from_be_bytes(self.take(2)?.try_into().ok()?))
    }
    fn i32(&mut self) -> Option<i32> {
        Some(i32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }
    fn i64(&mut self) -> Option<i64> {
        Some(i64::from_be_bytes(self.take(8)?.try_into().ok()?))
    }
    fn nullable_string(&mut self) -> Option<Option<String>> {
        let n = self.i16()?;
        if n < 0 {
            return Some(None);
        }
        Some(Some(String::from_utf8(self.take(n as usize)?.to_vec()).ok()?))
    }
    fn string(&mut self) -> Option<String> {
        self.nullable_string()?
    }
    fn bytes(&mut self) -> Option<Vec<u8>> {
        let n = self.i32()?;
        if n < 0 {
            return Some(Vec::new());
        }
        Some(self.take(n as usize)?.to_vec())
    }
    fn count(&mut self) -> Option<usize> {
        let n = self.i32()?;
        // Each element takes at least two bytes: a longer count is corrupt, not a reason to allocate.
        (n >= 0 && (n as usize) <= self.0.len()).then_some(n as usize)
    }
    fn topic_partitions(&mut self) -> Option<BTreeMap<String, Vec<u32>>> {
        let mut out = BTreeMap::new();
        for _ in 0..self.count()? {
            let t = self.string()?;
            let ps = (0..self.count()?).map(|_| self.i32().map(|p| p as u32)).collect::<Option<Vec<_>>>()?;
            out.insert(t, ps);
        }
        Some(out)
    }
}

/// Encodes a record as (key, value) bytes; a group tombstone has no value.
pub fn encode(r: &OffsetsRecord) -> (Vec<u8>, Option<Vec<u8>>) {
    match r {
        OffsetsRecord::Offset {
            group,
            topic,
            partition,
            offset,
            metadata,
            commit_timestamp_ms,
        } => {
            let mut k = Writer::default();
            k.i16(1).string(group).string(topic).i32(*partition as i32);
            let mut v = Writer::default();
            v.i16(3).i64(*offset as i64).i32(-1).string(metadata).i64(*commit_timestamp_ms as i64);
            (k.0, Some(v.0))
        }
        OffsetsRecord::Group { group, value } => {
            let mut k = Writer::default();
            k.i16(2).string(group);
            let v = value.as_ref().map(|g| {
                let mut v = Writer::default();
                v.i16(3)
                    .string("consumer")
                    .i32(g.generation)
                    .nullable_string(g.protocol.as_deref())
                    .nullable_string(g.leader.as_deref())
                    .i64(0);
                v.i32(g.members.len() as i32);
                for m in &g.members {
                    let mut sub = Writer::default();
                    sub.i16(1).i32(m.topics.len() as i32);
                    for t in &m.topics {
                        sub.string(t);
                    }
                    sub.i32(-1).topic_partitions(&BTreeMap::new());
                    let mut asg = Writer::default();
                    asg.i16(0).topic_partitions(&m.assignment).i32(-1);
                    v.string(&m.member_id)
                        .nullable_string(None)
                        .string(&m.client_id)
                        .string(&format!("/{}", m.client_id))
                        .i32(m.rebalance_timeout_ms)
                        .i32(m.session_timeout_ms)
                        .bytes(&sub.0)
                        .bytes(&asg.0);
                }
                v.0
            });
            (k.0, v)
        }
    }
}

/// Decodes a record of `__consumer_offsets`; `None` for bytes that are not one.
pub fn decode(key: &[u8], value: Option<&[u8]>) -> Option<OffsetsRecord> {
    let mut k = Reader(key);
    match k.i16()? {
        0 | 1 => {
            let (group, topic, partition) = (k.string()?, k.string()?, k.i32()? as u32);
            let mut v = Reader(value?);
            let version = v.i16()?;
            let offset = v.i64()? as u64;
            if version >= 3 {
                v.i32()?;
            }
            let metadata = v.string()?;
            let commit_timestamp_ms = v.i64()? as u64;
            Some(OffsetsRecord::Offset {
                group,
                topic,
                partition,
                offset,
                metadata,
                commit_timestamp_ms,
            })
        }
        2 => {
            let group = k.string()?;
            let Some(value) = value else {
                return Some(OffsetsRecord::Group { group, value: None });
            };
            let mut v = Reader(value);
            v.i16()?;
            v.string()?;
            let generation = v.i32()?;
            let protocol = v.nullable_string()?;
            let leader = v.nullable_string()?;
            v.i64()?;
            let mut members = Vec::new();
            for _ in 0..v.count()? {
                let member_id = v.string()?;
                v.nullable_string()?;
                let client_id = v.string()?;
                v.string()?;
                let rebalance_timeout_ms = v.i32()?;
                let session_timeout_ms = v.i32()?;
                let sub = v.bytes()?;
                let mut s = Reader(&sub);
                s.i16()?;
                let topics = (0..s.count()?).map(|_| s.string()).collect::<Option<Vec<_>>>()?;
                let asg = v.bytes()?;
                let mut a = Reader(&asg);
                a.i16()?;
                let assignment = a.topic_partitions()?;
                members.push(MemberValue {
                    member_id,
                    client_id,
                    rebalance_timeout_ms,
                    session_timeout_ms,
                    topics,
                    assignment,
                });
            }
            Some(OffsetsRecord::Group {
                group,
                value: Some(GroupValue {
                    generation,
                    protocol,
                    leader,
                    members,
                }),
            })
        }
        _ => None,
    }
}

/// `GroupCoordinator.partitionFor`: `Utils.abs(groupId.hashCode) % offsets.topic.num.partitions`,
/// where `Utils.abs(Integer.MIN_VALUE)` is 0.
pub fn partition_for_group(group: &str, num_partitions: u32) -> u32 {
    let h = crate::assignor::java::java_string_hash(group);
    let abs = if h == i32::MIN { 0 } else { h.abs() };
    abs as u32 % num_partitions
}
