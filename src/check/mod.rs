//! Proof of faithfulness: seeded fault runs ([`workload`]) and a history checker
//! ([`history`]) that reads a run's trace, and its final logs, for broken guarantees.

pub mod history;
pub mod workload;

pub use history::{check, Violation};
pub use workload::{fault_run, fault_run_played, shrink, Profile, STEP_BUDGET};
