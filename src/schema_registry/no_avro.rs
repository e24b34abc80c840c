//! The registry without Avro (the page's first-load build): no schema exists to be checked
//! (see `client::avro`'s stand-ins).

use super::{Compatibility, Incompatibility, Incompatible};
use crate::client::avro::Schema;

pub fn check(_level: Compatibility, _earlier: &[Schema], new: &Schema) -> Result<(), Incompatible> {
    match *new {}
}

pub fn check_reader_writer(reader: &Schema, _writer: &Schema) -> Vec<Incompatibility> {
    match *reader {}
}
