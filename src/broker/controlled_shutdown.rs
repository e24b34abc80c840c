//! An orderly stop (`KafkaServer.controlledShutdown`, KIP-380's broker epoch): the broker asks
//! the controller to move its leaderships away, retries on failure, then closes its ZooKeeper
//! session so its registration goes at once.

use super::{Broker, Ctx};
use crate::protocol::*;
use crate::runtime::{Timer, TimerKey};
use crate::trace::Event;
use crate::zookeeper::kafka_zk_client::{self as zkdata};
use serde::Serialize;

/// `KafkaServer.controlledShutdown`'s loop: which attempt, and the request in flight.
#[derive(Clone, Debug, Serialize)]
pub struct ControlledShutdown {
    /// 1-based; at most `controlled.shutdown.max.retries`.
    pub attempt: u32,
    pub in_flight: Option<u64>,
    #[serde(skip)]
    pub(super) timer: Option<TimerKey>,
}

impl Broker {
    /// An orderly stop (`KafkaServer.shutdown`): a controlled shutdown first when
    /// `controlled.shutdown.enable`, else at once without it.
    pub fn begin_shutdown(&mut self, ctx: &mut Ctx) {
        if !ctx.config.controlled_shutdown_enable {
            self.finish_shutdown(ctx, false);
            return;
        }
        self.controlled_shutdown = Some(ControlledShutdown {
            attempt: 0,
            in_flight: None,
            timer: None,
        });
        self.controlled_shutdown_attempt(ctx);
    }

    /// One pass of `KafkaServer.controlledShutdown`'s loop: find the controller in ZooKeeper
    /// (`/controller`, then its registration) and send it ControlledShutdown.
    pub(super) fn controlled_shutdown_attempt(&mut self, ctx: &mut Ctx) {
        let controller = self.zk_session.and_then(|s| {
            let mut zk = ctx.zk_client(self.id, s);
            let id = zkdata::controller_id_of(&zk.get(zkdata::CONTROLLER, false).ok()??.data)?;
            zk.get(&zkdata::broker_path(id), false).ok()?.map(|_| id)
        });
        let (me, epoch, me_node) = (self.id, self.broker_epoch, self.node());
        let correlation_id = self.next_id();
        let Some(cs) = self.controlled_shutdown.as_mut() else { return };
        cs.attempt += 1;
        let Some(controller) = controller else {
            self.controlled_shutdown_failed(ctx, "no_controller", Vec::new());
            return;
        };
        cs.in_flight = Some(correlation_id);
        cs.timer = Some(ctx.out.set_timer(
            ctx.config.controller_socket_timeout_ms,
            me_node,
            Timer::ControlledShutdownTimeout { correlation_id },
        ));
        ctx.out.emit(Event::ControlledShutdownRequested {
            broker: me,
            attempt: cs.attempt,
            controller,
        });
        ctx.out.send(
            self.node(),
            self.cluster.broker(controller),
            Message::ControlledShutdownRequest {
                correlation_id,
                broker_id: me,
                broker_epoch: epoch,
            },
        );
    }

    /// An attempt failed: Kafka sleeps `controlled.shutdown.retry.backoff.ms` after every failed
    /// attempt (the last one too), then tries again or proceeds to an unclean shutdown.
    pub(super) fn controlled_shutdown_failed(&mut self, ctx: &mut Ctx, reason: &'static str, remaining: Vec<TopicPartition>) {
        let me_node = self.node();
        let Some(cs) = self.controlled_shutdown.as_mut() else { return };
        cs.in_flight = None;
        if let Some(t) = cs.timer.take() {
            ctx.out.cancel(t);
        }
        ctx.out.emit(Event::ControlledShutdownFailed {
            broker: self.id,
            attempt: cs.attempt,
            reason,
            remaining,
            retrying: cs.attempt < ctx.config.controlled_shutdown_max_retries,
        });
        cs.timer = Some(
            ctx.out
                .set_timer(ctx.config.controlled_shutdown_retry_backoff_ms, me_node, Timer::ControlledShutdownRetry),
        );
    }

    /// The controller's answer (or the connection's end) for the request in flight.
    pub(super) fn controlled_shutdown_answered(&mut self, ctx: &mut Ctx, correlation_id: u64, result: Result<Vec<TopicPartition>, &'static str>) {
        let Some(cs) = self.controlled_shutdown.as_mut().filter(|cs| cs.in_flight == Some(correlation_id)) else {
            return;
        };
        if let Some(t) = cs.timer.take() {
            ctx.out.cancel(t);
        }
        match result {
            Ok(remaining) if remaining.is_empty() => self.finish_shutdown(ctx, true),
            Ok(remaining) => self.controlled_shutdown_failed(ctx, "partitions_remaining", remaining),
            Err(reason) => self.controlled_shutdown_failed(ctx, reason, Vec::new()),
        }
    }

    /// The rest of `KafkaServer.shutdown`: the controller resigns (`KafkaController.shutdown`),
    /// the ZooKeeper session is closed (`KafkaZkClient.close`), so `/brokers/ids/<id>` (and
    /// `/controller`) go at once; then the process ends. Without ZooKeeper in reach the session
    /// is left to expire.
    pub(super) fn finish_shutdown(&mut self, ctx: &mut Ctx, controlled: bool) {
        self.resign(ctx);
        if let Some(s) = self.zk_session.take() {
            if ctx.zk_connected {
                ctx.zk.close_session(ctx.out, s);
            }
        }
        self.halt(ctx.out);
        ctx.out.emit(Event::BrokerShutDown { broker: self.id, controlled });
    }
}
