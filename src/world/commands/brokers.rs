//! Brokers: start one, stop one in an orderly way (`KafkaServer.shutdown`), or kill it.

use super::BrokerStopMode;
use crate::protocol::BrokerId;
use crate::world::invalid;
use crate::world::{SimError, World};

impl World {
    pub(super) fn stop_broker(&mut self, cluster: &Option<String>, broker: BrokerId, mode: BrokerStopMode) -> Result<(), SimError> {
        let b = self.named_broker(cluster, broker)?;
        if !b.running {
            return invalid(format!("broker {broker} is already stopped"));
        }
        // `KafkaServer.shutdown` runs once; a second stop waits for the first. A crash
        // mid-shutdown is allowed: the process dies.
        if let Some(cs) = b.controlled_shutdown.as_ref().filter(|_| mode == BrokerStopMode::Controlled) {
            return invalid(format!(
                "broker {broker} is already in a controlled shutdown (attempt {} of {})",
                cs.attempt,
                self.cluster_spec(b.cluster.index).config.controlled_shutdown_max_retries
            ));
        }
        let key = (b.cluster.index, b.id);
        if mode == BrokerStopMode::Controlled && b.kraft.is_some() {
            return invalid(format!(
                "broker {broker}: a controlled shutdown in KRaft mode (heartbeats asking to shut down) is not modelled yet; stop it with \"mode\": \"crash\""
            ));
        }
        match mode {
            BrokerStopMode::Crash => {
                if let Some(b) = self.brokers.get_mut(&key) {
                    b.stop(&mut self.sched);
                }
            }
            BrokerStopMode::Controlled => {
                self.with_broker(key, |b, ctx, _| b.begin_shutdown(ctx));
            }
        }
        Ok(())
    }

    pub(super) fn start_broker_command(&mut self, cluster: &Option<String>, broker: BrokerId) -> Result<(), SimError> {
        let b = self.named_broker(cluster, broker)?;
        if b.controlled_shutdown.is_some() {
            return invalid(format!("broker {broker} is still running: it is in a controlled shutdown"));
        }
        if b.running {
            return invalid(format!("broker {broker} is already running"));
        }
        let key = (b.cluster.index, b.id);
        self.start_broker(key);
        Ok(())
    }
}
