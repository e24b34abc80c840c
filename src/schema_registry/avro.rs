//! The registry's side of Avro: the compatibility check (Java Avro's `SchemaCompatibility`, see
//! [`compatibility`](super::compatibility)). Parsing and the codec are the serializers'
//! ([`crate::client::avro`]).

pub use super::compatibility::check_reader_writer;
use super::{Compatibility, Incompatible};
use crate::client::avro::{canonical, Schema};

/// The registry's check of a new schema against the earlier versions (oldest first), as
/// Confluent's `SchemaValidatorBuilder` runs it: the latest only, or every earlier version newest
/// first for the `_TRANSITIVE` levels, stopping at the first that fails. Each check is Java Avro's
/// `SchemaCompatibility` ([`compatibility`](super::compatibility)): BACKWARD has the new schema
/// read the earlier one's data, FORWARD the earlier schema read the new one's, FULL both.
pub fn check(level: Compatibility, earlier: &[Schema], new: &Schema) -> Result<(), Incompatible> {
    if level == Compatibility::None {
        return Ok(());
    }
    let against: Vec<usize> = if level.transitive() {
        (0..earlier.len()).rev().collect()
    } else {
        earlier.len().checked_sub(1).into_iter().collect()
    };
    for i in against {
        let old = &earlier[i];
        let old_reads_new = if level.old_reads_new() { check_reader_writer(old, new) } else { Vec::new() };
        let new_reads_old = if level.new_reads_old() { check_reader_writer(new, old) } else { Vec::new() };
        if !old_reads_new.is_empty() || !new_reads_old.is_empty() {
            return Err(Incompatible {
                level,
                version: i + 1,
                old_schema: canonical(old),
                old_reads_new,
                new_reads_old,
            });
        }
    }
    Ok(())
}
