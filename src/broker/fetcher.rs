//! A follower's replica fetcher towards one leader broker (`ReplicaFetcherThread`):
//! first truncation by leader epoch (KIP-101/KIP-279), then an endless fetch loop.

use crate::protocol::TopicPartition;
use crate::sim::TimerKey;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FetchState {
    /// Must ask the leader where its last epoch ends before fetching.
    Truncating,
    Fetching,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Fetcher {
    pub partitions: BTreeMap<TopicPartition, FetchState>,
    /// The request in flight and the timer that gives up on it.
    #[serde(skip)]
    pub in_flight: Option<(u64, TimerKey)>,
    /// Waiting out `replica.fetch.backoff.ms` after an error.
    #[serde(skip)]
    pub backoff: Option<TimerKey>,
}
