//! `RPCProducerIdManager` (KIP-730): the broker hands out producer ids from a block the
//! controller allocated to it, asking for the next block when one runs out.

use super::{Broker, Ctx};
use crate::protocol::*;

/// The producer ids a broker hands out (`RPCProducerIdManager`, KIP-730): the rest of the block
/// the controller gave it, and the AllocateProducerIds request in flight with when it went.
#[derive(Clone, Debug, Default)]
pub(super) struct ProducerIdBlock {
    pub(super) next: u64,
    pub(super) end: u64,
    pub(super) asking: Option<(u64, u64)>,
}

impl Broker {
    /// `RPCProducerIdManager.generateProducerId`: the next id of the block, epoch 0; without one,
    /// COORDINATOR_LOAD_IN_PROGRESS (the producer retries) while the controller is asked for a
    /// block. A request unanswered for `controller.socket.timeout.ms` is asked again.
    pub(super) fn generate_producer_id(&mut self, ctx: &mut Ctx) -> Result<(u64, u16), ErrorCode> {
        let block = &mut self.producer_ids;
        if block.next < block.end {
            block.next += 1;
            return Ok((block.next - 1, 0));
        }
        let now = ctx.out.now_ms();
        let waiting = block.asking.is_some_and(|(_, at)| now < at + ctx.config.controller_socket_timeout_ms);
        if let (false, Some(controller)) = (waiting, self.metadata.controller_id) {
            let correlation_id = self.next_id();
            self.producer_ids.asking = Some((correlation_id, now));
            ctx.out.send(
                self.node(),
                self.controller_node(controller),
                Message::AllocateProducerIdsRequest {
                    correlation_id,
                    broker_id: self.id,
                    broker_epoch: self.broker_epoch,
                },
            );
        }
        Err(ErrorCode::CoordinatorLoadInProgress)
    }
}
