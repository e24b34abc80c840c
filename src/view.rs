//! A drawing-friendly snapshot of the world (owned by the page work).
