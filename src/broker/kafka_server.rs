//! `KafkaServer`'s life cycle in ZooKeeper mode: start, crash and restart; the ZooKeeper
//! session and the ephemeral `/brokers/ids/<id>` registration; the race for `/controller`,
//! and running the controller this broker may host.

use super::delayed_operation::Reply;
use super::producer_id_manager::ProducerIdBlock;
use super::{Broker, Ctx, MetadataCache};
use crate::controller::Controller;
use crate::coordinator::GroupCoordinator;
use crate::protocol::*;
use crate::replica::Role;
use crate::runtime::{Out, Timer};
use crate::trace::Event;
use crate::zookeeper::kafka_zk_client::{self as zkdata};
use crate::zookeeper::ZkError;
use serde::Serialize;

/// `KafkaServer.startup` ended in "Fatal error during KafkaServer startup. Prepare to shutdown".
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct StartFailure {
    /// ZooKeeper's error code, as Kafka logs it: NODEEXISTS.
    pub error: &'static str,
    /// The other session holding `/brokers/ids/<id>` (the previous run's).
    pub owner_session: u64,
    pub at_ms: u64,
}

/// A cluster id in Kafka's shape (22 URL-safe base64 characters of a random UUID), drawn from the seed.
pub(super) fn cluster_id(seed: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut x = seed;
    (0..22)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ALPHABET[(x >> 58) as usize] as char
        })
        .collect()
}

impl Broker {
    /// Starts (or restarts) the broker: logs are read back from disk, everything else starts empty.
    pub fn start(&mut self, ctx: &mut Ctx, chroot: &str) {
        self.running = true;
        self.starting_up = true;
        self.start_failure = None;
        for p in self.partitions.values_mut() {
            p.role = Role::Offline;
            p.leader = None;
            p.followers.clear();
            p.pending_isr = None;
        }
        ctx.out.emit(Event::BrokerStarted { broker: self.id });
        if self.kraft.is_some() {
            self.starting_up = false;
            self.start_kraft(ctx);
            return;
        }
        self.connect_zookeeper(ctx, chroot);
        if !self.running {
            return; // the start failed
        }
        let interval = ctx.config.zookeeper_session_timeout_ms / 3;
        ctx.out.set_timer(interval, self.node(), Timer::ZkPing);
    }

    /// A crash: everything in memory is gone; the logs stay on disk.
    pub fn stop(&mut self, out: &mut Out) {
        self.halt(out);
        out.emit(Event::BrokerStopped {
            broker: self.id,
            kraft: self.kraft.is_some(),
        });
    }

    /// The process ends (a crash, or the end of an orderly stop).
    pub(super) fn halt(&mut self, out: &mut Out) {
        self.running = false;
        self.starting_up = false;
        self.controlled_shutdown = None;
        self.zk_session = None;
        self.registered = false;
        self.controller = None;
        self.metadata = MetadataCache::default();
        self.fetchers.clear();
        self.coordinator = GroupCoordinator::default();
        // The process is gone and its host closes every connection: a client or follower waiting
        // on a parked request sees the disconnect at once (`NetworkClient`), not after its timeout.
        let parked = self.delayed_produces.values().filter_map(|d| match &d.reply {
            Reply::Produce { to, correlation_id } => Some((to.clone(), *correlation_id)),
            Reply::Coordinator(_) => None,
        });
        let parked: Vec<(NodeId, u64)> = parked
            .chain(self.delayed_fetches.values().map(|d| (d.from.clone(), d.correlation_id)))
            .collect();
        for (to, correlation_id) in parked {
            out.send(self.node(), to, Message::Disconnected { correlation_id });
        }
        self.delayed_produces.clear();
        self.delayed_fetches.clear();
        self.producer_ids = ProducerIdBlock::default();
        self.isr_check_scheduled = false;
        self.halt_kraft();
        out.cancel_timers_of(&self.node());
    }

    /// Opens a ZooKeeper session, creates the chroot and Kafka's paths if missing,
    /// registers the ephemeral `/brokers/ids/<id>`, and runs for controller.
    pub(super) fn connect_zookeeper(&mut self, ctx: &mut Ctx, chroot: &str) {
        if !ctx.zk_connected {
            return;
        }
        let session = ctx.zk.create_session(ctx.out, self.node(), chroot, ctx.config.zookeeper_session_timeout_ms);
        self.zk_session = Some(session);
        let seed = ctx.out.rng().rand_u64();
        let mut zk = ctx.zk_client(self.id, session);
        for path in [zkdata::BROKER_IDS, zkdata::TOPICS] {
            if matches!(zk.get(path, false), Ok(None)) {
                let _ = zk.create_recursive(path, String::new());
            }
        }
        if matches!(zk.get(zkdata::CLUSTER_ID, false), Ok(None)) {
            let _ = zk.create_recursive(zkdata::CLUSTER_ID, serde_json::json!({"version": "1", "id": cluster_id(seed)}).to_string());
        }
        drop(zk);
        if let Err(owner) = self.register(ctx) {
            if self.starting_up {
                self.fail_start(ctx, session, owner);
                return;
            }
        }
        self.elect_controller(ctx);
    }

    /// `KafkaServer.startup` could not register the broker: "Fatal error during KafkaServer
    /// startup. Prepare to shutdown". `shutdown()` closes the new ZooKeeper session (the
    /// controller never started: it starts after the registration) and the process exits.
    pub(super) fn fail_start(&mut self, ctx: &mut Ctx, session: u64, owner: u64) {
        let expires = ctx.zk.session_expiry(owner);
        ctx.zk.close_session(ctx.out, session);
        self.halt(ctx.out);
        self.start_failure = Some(StartFailure {
            error: "NODEEXISTS",
            owner_session: owner,
            at_ms: ctx.out.now_ms(),
        });
        ctx.out.emit(Event::BrokerStartFailed {
            broker: self.id,
            error: "NODEEXISTS",
            owner_session: owner,
            owner_session_expires_at_ms: expires,
        });
    }

    /// `KafkaZkClient.registerBroker` → `checkedEphemeralCreate`: creates the ephemeral
    /// `/brokers/ids/<id>`. If it exists, it is ours only when our own session holds it;
    /// another session's node is NODEEXISTS (`Err` with that session). At startup that is
    /// fatal (`fail_start`); a broker re-registering after its session expired tries again on
    /// its next heartbeat (here the expired session's node is already gone).
    pub(super) fn register(&mut self, ctx: &mut Ctx) -> Result<(), u64> {
        let Some(session) = self.zk_session else { return Ok(()) };
        let now = ctx.out.now_ms();
        let mut zk = ctx.zk_client(self.id, session);
        let created = match zk.create(&zkdata::broker_path(self.id), zkdata::broker_info_json(&self.cluster.host(self.id), now), true) {
            Ok(()) => true,
            Err(ZkError::NodeExists) => match zk.get(&zkdata::broker_path(self.id), false) {
                Ok(Some(node)) if node.ephemeral_owner == Some(session) => true,
                Ok(Some(node)) => return Err(node.ephemeral_owner.unwrap_or(0)),
                _ => false,
            },
            Err(_) => false,
        };
        if created {
            self.registered = true;
            self.starting_up = false;
            if let Ok(Some(node)) = ctx.zk_client(self.id, session).get(&zkdata::broker_path(self.id), false) {
                self.broker_epoch = node.czxid;
            }
            ctx.out.emit(Event::BrokerRegistered { broker: self.id, kraft: false });
        }
        Ok(())
    }

    /// `KafkaController.elect`: whoever creates the ephemeral `/controller` first is the controller.
    pub(super) fn elect_controller(&mut self, ctx: &mut Ctx) {
        let Some(session) = self.zk_session else { return };
        let now = ctx.out.now_ms();
        let mut zk = ctx.zk_client(self.id, session);
        match zk.get(zkdata::CONTROLLER, true) {
            Ok(Some(node)) => {
                self.metadata.controller_id = zkdata::controller_id_of(&node.data);
                return;
            }
            Ok(None) => {}
            Err(_) => return,
        }
        match zk.create(zkdata::CONTROLLER, zkdata::controller_json(self.id, now), true) {
            Ok(()) => {
                let _ = zk.get(zkdata::CONTROLLER, true);
                self.metadata.controller_id = Some(self.id);
                match Controller::failover(self.id, session, ctx) {
                    Ok(c) => self.controller = Some(c),
                    Err(_) => self.resign(ctx),
                }
            }
            Err(_) => {
                if let Ok(Some(node)) = zk.get(zkdata::CONTROLLER, true) {
                    self.metadata.controller_id = zkdata::controller_id_of(&node.data);
                }
            }
        }
    }

    pub(super) fn resign(&mut self, ctx: &mut Ctx) {
        if let Some(c) = self.controller.take() {
            ctx.out.emit(Event::ControllerResigned {
                broker: self.id,
                epoch: c.epoch,
            });
        }
    }

    /// Runs a controller handler, resigning if ZooKeeper says the session is gone.
    pub(super) fn with_controller(&mut self, ctx: &mut Ctx, f: impl FnOnce(&mut Controller, BrokerId, u64, &mut Ctx) -> Result<(), ZkError>) {
        let (Some(c), Some(s)) = (self.controller.as_mut(), self.zk_session) else {
            return;
        };
        if f(c, self.id, s, ctx) == Err(ZkError::SessionExpired) {
            self.resign(ctx);
        }
    }

    /// A request only the active controller answers: NOT_CONTROLLER from any other broker, and
    /// from a controller whose ZooKeeper write failed; an expired session also makes it resign.
    pub(super) fn as_controller<T>(
        &mut self,
        ctx: &mut Ctx,
        answer: impl FnOnce(&mut Controller, BrokerId, u64, &mut Ctx) -> Result<Result<T, ErrorCode>, ZkError>,
    ) -> Result<T, ErrorCode> {
        let (Some(c), Some(s)) = (self.controller.as_mut(), self.zk_session) else {
            return Err(ErrorCode::NotController);
        };
        answer(c, self.id, s, ctx).unwrap_or_else(|e| {
            if e == ZkError::SessionExpired {
                self.resign(ctx);
            }
            Err(ErrorCode::NotController)
        })
    }
}
