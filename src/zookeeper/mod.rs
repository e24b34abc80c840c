//! A ZooKeeper ensemble (modelled as one server): a znode tree, sessions that
//! expire when their owner stops heartbeating, ephemeral znodes that die with
//! their session, and one-shot watches. Paths a client gives are relative to
//! its session's chroot, so several Kafka clusters can share one ensemble.

pub mod kafka_zk_client;

use crate::protocol::{Message, NodeId, WatchKind};
use crate::runtime::{Out, Timer};
use crate::trace::Event;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// ZooKeeper's `tickTime` default: sessions are checked for expiry this often.
pub const TICK_TIME_MS: u64 = 2_000;

#[derive(Clone, Debug, Serialize)]
pub struct Znode {
    pub data: String,
    /// The session that owns an ephemeral znode; `None` for a persistent one.
    pub ephemeral_owner: Option<u64>,
    pub version: u32,
    /// Creation order (ZooKeeper's czxid); Kafka uses it as a broker's epoch.
    pub czxid: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Session {
    pub owner: NodeId,
    pub chroot: String,
    pub timeout_ms: u64,
    pub last_heard_ms: u64,
    /// Watch notifications for a client that could not be reached: a ZooKeeper client
    /// that reconnects within its session gets the events it missed.
    #[serde(skip)]
    pending: Vec<(String, WatchKind)>,
    /// Whether the server can talk to the client now (its connection table, kept by the world
    /// as the network changes): a watch event for a client it cannot reach waits in `pending`.
    #[serde(skip)]
    connected: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZkError {
    NoNode,
    NodeExists,
    BadVersion,
    NotEmpty,
    /// The client cannot reach the ensemble.
    ConnectionLoss,
    SessionExpired,
}

impl fmt::Display for ZkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ZkError::NoNode => "NoNode",
            ZkError::NodeExists => "NodeExists",
            ZkError::BadVersion => "BadVersion",
            ZkError::NotEmpty => "NotEmpty",
            ZkError::ConnectionLoss => "ConnectionLoss",
            ZkError::SessionExpired => "SessionExpired",
        })
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ZooKeeper {
    nodes: BTreeMap<String, Znode>,
    pub sessions: BTreeMap<u64, Session>,
    next_session_id: u64,
    zxid: u64,
    data_watches: BTreeMap<String, BTreeSet<u64>>,
    child_watches: BTreeMap<String, BTreeSet<u64>>,
    ticking: bool,
    /// When the tick timer fires next, while `ticking`.
    #[serde(skip)]
    next_tick_ms: u64,
}

fn parent_of(path: &str) -> Option<&str> {
    if path == "/" {
        return None;
    }
    match path.rfind('/') {
        Some(0) => Some("/"),
        Some(i) => Some(&path[..i]),
        None => None,
    }
}

fn absolute(chroot: &str, path: &str) -> String {
    if chroot.is_empty() || chroot == "/" {
        path.to_string()
    } else if path == "/" {
        chroot.to_string()
    } else {
        format!("{chroot}{path}")
    }
}

impl ZooKeeper {
    pub fn new() -> Self {
        let mut zk = ZooKeeper {
            next_session_id: 0x1000,
            ..Default::default()
        };
        zk.nodes.insert(
            "/".into(),
            Znode {
                data: String::new(),
                ephemeral_owner: None,
                version: 0,
                czxid: 0,
            },
        );
        zk
    }

    /// The znode at an absolute path (chroot included), for readers outside the ensemble.
    pub fn znode(&self, abs_path: &str) -> Option<&Znode> {
        self.nodes.get(abs_path)
    }

    /// Every znode below an absolute path prefix, in path order.
    pub fn znodes_under(&self, prefix: &str) -> impl Iterator<Item = (&String, &Znode)> {
        let prefix = prefix.to_string();
        self.nodes.range(prefix.clone()..).take_while(move |(p, _)| p.starts_with(&prefix))
    }

    /// The whole tree, in path order.
    pub fn znodes(&self) -> impl Iterator<Item = (&String, &Znode)> {
        self.nodes.iter()
    }

    /// Who holds a session.
    pub fn session_owner(&self, session_id: u64) -> Option<&NodeId> {
        self.sessions.get(&session_id).map(|s| &s.owner)
    }

    /// When the server checks sessions next, while it ticks.
    pub fn next_tick_ms(&self) -> Option<u64> {
        self.ticking.then_some(self.next_tick_ms)
    }

    pub fn session_alive(&self, session_id: u64) -> bool {
        self.sessions.contains_key(&session_id)
    }

    pub fn create_session(&mut self, out: &mut Out, owner: NodeId, chroot: &str, timeout_ms: u64) -> u64 {
        let id = self.next_session_id;
        self.next_session_id += 1;
        self.sessions.insert(
            id,
            Session {
                owner: owner.clone(),
                chroot: chroot.to_string(),
                timeout_ms,
                last_heard_ms: out.now_ms(),
                pending: Vec::new(),
                connected: true,
            },
        );
        out.emit(Event::ZkSessionCreated {
            session_id: id,
            owner,
            timeout_ms,
        });
        if !self.ticking {
            self.ticking = true;
            self.schedule_tick(out);
        }
        id
    }

    fn schedule_tick(&mut self, out: &mut Out) {
        self.next_tick_ms = out.now_ms() + TICK_TIME_MS;
        out.set_timer(TICK_TIME_MS, NodeId::ZooKeeper, Timer::ZkTick);
    }

    /// Refreshes which clients the server can reach (the world calls it when the network changes).
    pub fn observe_connections(&mut self, reachable: impl Fn(&NodeId) -> bool) {
        for s in self.sessions.values_mut() {
            s.connected = reachable(&s.owner);
        }
    }

    fn session(&self, session_id: u64) -> Result<&Session, ZkError> {
        self.sessions.get(&session_id).ok_or(ZkError::SessionExpired)
    }

    fn path_of(&self, session_id: u64, path: &str) -> Result<String, ZkError> {
        Ok(absolute(&self.session(session_id)?.chroot, path))
    }

    /// Tells a watcher its watch fired; the watch is gone (one-shot) and the path is
    /// given relative to the watcher's chroot, as the ZooKeeper client sees it.
    fn fire(&mut self, out: &mut Out, abs_path: &str, kind: WatchKind) {
        let watchers = match kind {
            WatchKind::Data => self.data_watches.remove(abs_path),
            WatchKind::Children => self.child_watches.remove(abs_path),
        };
        for session_id in watchers.into_iter().flatten() {
            let Some(s) = self.sessions.get_mut(&session_id) else { continue };
            let rel = if s.chroot.is_empty() || s.chroot == "/" {
                abs_path.to_string()
            } else {
                let r = &abs_path[s.chroot.len()..];
                if r.is_empty() {
                    "/".to_string()
                } else {
                    r.to_string()
                }
            };
            let owner = s.owner.clone();
            out.emit(Event::WatchFired {
                path: abs_path.to_string(),
                watcher: owner.clone(),
                kind,
            });
            if s.connected {
                out.send(NodeId::ZooKeeper, owner, Message::ZkWatchEvent { path: rel, kind });
            } else {
                s.pending.push((rel, kind));
            }
        }
    }

    pub fn create(&mut self, out: &mut Out, session_id: u64, path: &str, data: String, ephemeral: bool) -> Result<(), ZkError> {
        let abs = self.path_of(session_id, path)?;
        self.create_abs(out, Some(session_id), &abs, data, ephemeral)
    }

    /// Creates a persistent znode and any missing parents (Kafka's `createRecursive`).
    pub fn create_recursive(&mut self, out: &mut Out, session_id: u64, path: &str, data: String) -> Result<(), ZkError> {
        let abs = self.path_of(session_id, path)?;
        self.create_with_parents(out, Some(session_id), &abs, data)
    }

    fn create_with_parents(&mut self, out: &mut Out, session_id: Option<u64>, abs: &str, data: String) -> Result<(), ZkError> {
        let mut missing = Vec::new();
        let mut p = parent_of(abs);
        while let Some(pp) = p {
            if self.nodes.contains_key(pp) {
                break;
            }
            missing.push(pp.to_string());
            p = parent_of(pp);
        }
        for m in missing.into_iter().rev() {
            self.create_abs(out, session_id, &m, String::new(), false)?;
        }
        self.create_abs(out, session_id, abs, data, false)
    }

    fn create_abs(&mut self, out: &mut Out, session_id: Option<u64>, abs: &str, data: String, ephemeral: bool) -> Result<(), ZkError> {
        if self.nodes.contains_key(abs) {
            return Err(ZkError::NodeExists);
        }
        let parent = parent_of(abs).ok_or(ZkError::NodeExists)?;
        match self.nodes.get(parent) {
            None => return Err(ZkError::NoNode),
            Some(p) if p.ephemeral_owner.is_some() => return Err(ZkError::NoNode),
            Some(_) => {}
        }
        self.zxid += 1;
        let owner = if ephemeral { session_id } else { None };
        self.nodes.insert(
            abs.to_string(),
            Znode {
                data: data.clone(),
                ephemeral_owner: owner,
                version: 0,
                czxid: self.zxid,
            },
        );
        out.emit(Event::ZnodeCreated {
            path: abs.to_string(),
            data,
            ephemeral,
        });
        self.fire(out, abs, WatchKind::Data);
        let parent = parent.to_string();
        self.fire(out, &parent, WatchKind::Children);
        Ok(())
    }

    pub fn delete(&mut self, out: &mut Out, session_id: u64, path: &str) -> Result<(), ZkError> {
        let abs = self.path_of(session_id, path)?;
        self.delete_abs(out, &abs)
    }

    fn delete_abs(&mut self, out: &mut Out, abs: &str) -> Result<(), ZkError> {
        if !self.nodes.contains_key(abs) {
            return Err(ZkError::NoNode);
        }
        if self.children_abs(abs).next().is_some() {
            return Err(ZkError::NotEmpty);
        }
        self.nodes.remove(abs);
        self.zxid += 1;
        out.emit(Event::ZnodeDeleted { path: abs.to_string() });
        self.fire(out, abs, WatchKind::Data);
        self.fire(out, abs, WatchKind::Children);
        if let Some(parent) = parent_of(abs) {
            let parent = parent.to_string();
            self.fire(out, &parent, WatchKind::Children);
        }
        Ok(())
    }

    /// Sets data if the znode's version is `expected` (or unconditionally with `None`); returns the new version.
    pub fn set_data(&mut self, out: &mut Out, session_id: u64, path: &str, data: String, expected: Option<u32>) -> Result<u32, ZkError> {
        let abs = self.path_of(session_id, path)?;
        let node = self.nodes.get_mut(&abs).ok_or(ZkError::NoNode)?;
        if expected.is_some_and(|v| v != node.version) {
            return Err(ZkError::BadVersion);
        }
        node.version += 1;
        node.data = data.clone();
        let version = node.version;
        self.zxid += 1;
        out.emit(Event::ZnodeChanged {
            path: abs.clone(),
            data,
            version,
        });
        self.fire(out, &abs, WatchKind::Data);
        Ok(version)
    }

    /// Reads a znode; with `watch`, a data watch is left on the path (also when it does not exist yet).
    pub fn get(&mut self, session_id: u64, path: &str, watch: bool) -> Result<Option<Znode>, ZkError> {
        let abs = self.path_of(session_id, path)?;
        if watch {
            self.data_watches.entry(abs.clone()).or_default().insert(session_id);
        }
        Ok(self.nodes.get(&abs).cloned())
    }

    pub fn get_children(&mut self, session_id: u64, path: &str, watch: bool) -> Result<Vec<String>, ZkError> {
        let abs = self.path_of(session_id, path)?;
        if !self.nodes.contains_key(&abs) {
            return Err(ZkError::NoNode);
        }
        if watch {
            self.child_watches.entry(abs.clone()).or_default().insert(session_id);
        }
        Ok(self.children_abs(&abs).map(|c| c[abs.len()..].trim_start_matches('/').to_string()).collect())
    }

    fn children_abs<'a>(&'a self, abs: &'a str) -> impl Iterator<Item = &'a String> + 'a {
        let prefix = if abs == "/" { "/".to_string() } else { format!("{abs}/") };
        let len = prefix.len();
        self.nodes
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .filter(move |(k, _)| !k[len..].contains('/') && !k[len..].is_empty())
            .map(|(k, _)| k)
    }

    /// A client's heartbeat arrived.
    pub fn handle(&mut self, out: &mut Out, from: NodeId, msg: Message) {
        if let Message::ZkPing { session_id } = msg {
            let (expired, missed) = match self.sessions.get_mut(&session_id) {
                Some(s) => {
                    s.last_heard_ms = out.now_ms();
                    (false, std::mem::take(&mut s.pending))
                }
                None => (true, Vec::new()),
            };
            out.send(NodeId::ZooKeeper, from.clone(), Message::ZkPingResponse { session_id, expired });
            for (path, kind) in missed {
                out.send(NodeId::ZooKeeper, from.clone(), Message::ZkWatchEvent { path, kind });
            }
        }
    }

    /// The server's tick: sessions not heard of within their timeout expire, and
    /// their ephemeral znodes are deleted (firing the watches Kafka relies on).
    pub fn tick(&mut self, out: &mut Out) {
        let now = out.now_ms();
        let expired: Vec<u64> = self
            .sessions
            .iter()
            .filter(|(_, s)| now.saturating_sub(s.last_heard_ms) > s.timeout_ms)
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            self.expire(out, id);
        }
        if self.sessions.is_empty() {
            self.ticking = false;
        } else {
            self.schedule_tick(out);
        }
    }

    /// When `tick` will expire a session not heard from again: the first tick (ticks fall at
    /// `next_tick_ms` + k × `TICK_TIME_MS`) more than `timeout_ms` after it was last heard.
    pub fn session_expires_at_ms(&self, session_id: u64, next_tick_ms: u64) -> Option<u64> {
        let s = self.sessions.get(&session_id)?;
        let deadline = s.last_heard_ms + s.timeout_ms;
        if next_tick_ms > deadline {
            return Some(next_tick_ms);
        }
        let ticks = (deadline - next_tick_ms) / TICK_TIME_MS + 1;
        Some(next_tick_ms + ticks * TICK_TIME_MS)
    }

    /// As `session_expires_at_ms`, from the server's next tick.
    pub fn session_expiry(&self, session_id: u64) -> Option<u64> {
        self.ticking.then_some(())?;
        self.session_expires_at_ms(session_id, self.next_tick_ms)
    }

    fn expire(&mut self, out: &mut Out, session_id: u64) {
        self.end_session(out, session_id, false);
    }

    /// The owner closes its session (`ZooKeeper.close()`, as `KafkaZkClient.close` does on an
    /// orderly broker stop): its ephemeral znodes are deleted now, firing their watches, without
    /// waiting for the session timeout. False if the session was already gone.
    pub fn close_session(&mut self, out: &mut Out, session_id: u64) -> bool {
        self.end_session(out, session_id, true)
    }

    fn end_session(&mut self, out: &mut Out, session_id: u64, closed: bool) -> bool {
        let Some(session) = self.sessions.remove(&session_id) else { return false };
        out.emit(if closed {
            Event::ZkSessionClosed {
                session_id,
                owner: session.owner,
            }
        } else {
            Event::ZkSessionExpired {
                session_id,
                owner: session.owner,
            }
        });
        let ephemerals: Vec<String> = self
            .nodes
            .iter()
            .filter(|(_, n)| n.ephemeral_owner == Some(session_id))
            .map(|(p, _)| p.clone())
            .collect();
        for w in self.data_watches.values_mut().chain(self.child_watches.values_mut()) {
            w.remove(&session_id);
        }
        for path in ephemerals {
            let _ = self.delete_abs(out, &path);
        }
        true
    }
}

impl ZooKeeper {
    /// An administrator's write outside any broker session (`kafka-topics.sh --zookeeper`):
    /// a persistent znode, parents created as needed, watches fired as usual.
    pub fn create_persistent(&mut self, out: &mut Out, abs_path: &str, data: String) {
        let _ = self.create_with_parents(out, None, abs_path, data);
    }
}
