//! A drawing-friendly snapshot of the world (placeholder until the page's view lands).
use crate::world::World;
use serde::Serialize;

#[derive(Serialize)]
pub struct View {
    pub time_ms: u64,
    pub step: u64,
}

pub fn view(world: &World) -> View {
    View { time_ms: world.now_ms(), step: world.step }
}
