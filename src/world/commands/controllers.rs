//! KRaft controllers: kill one, start it again.

use crate::protocol::BrokerId;
use crate::world::invalid;
use crate::world::{SimError, World};

impl World {
    /// The controller a command names, in the command's cluster (the first by default), and
    /// whether it runs.
    fn named_controller(&self, cluster: &Option<String>, id: BrokerId) -> Result<((usize, BrokerId), bool), SimError> {
        let ci = self.cluster_index(cluster)?;
        if !self.cluster_spec(ci).is_kraft() {
            return invalid(format!(
                "cluster \"{}\" runs in ZooKeeper mode: it has no KRaft controllers",
                self.cluster_spec(ci).name
            ));
        }
        match self.controllers.get(&(ci, id)) {
            Some(c) => Ok(((ci, id), c.running())),
            None => {
                let ids: Vec<String> = self.controllers_of(ci).map(|c| c.id.to_string()).collect();
                invalid(format!("unknown controller {id}; the controllers are {}", ids.join(", ")))
            }
        }
    }

    pub(super) fn crash_controller(&mut self, cluster: &Option<String>, id: BrokerId) -> Result<(), SimError> {
        let (key, running) = self.named_controller(cluster, id)?;
        if !running {
            return invalid(format!("controller {id} is already stopped"));
        }
        let World { sched, controllers, .. } = self;
        if let Some(c) = controllers.get_mut(&key) {
            c.stop(sched);
        }
        Ok(())
    }

    pub(super) fn start_controller_command(&mut self, cluster: &Option<String>, id: BrokerId) -> Result<(), SimError> {
        let (key, running) = self.named_controller(cluster, id)?;
        if running {
            return invalid(format!("controller {id} is already running"));
        }
        self.start_controller(key);
        Ok(())
    }
}
