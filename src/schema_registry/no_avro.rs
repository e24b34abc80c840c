//! The registry without Avro (the page's first-load build): no schema exists to be checked
//! (see `client::avro`, whose stand-ins are named here too).

use super::{Compatibility, Incompatibility, Incompatible};
pub use crate::client::avro::{canonical, decode, encode, parse, Schema};

pub fn check(_level: Compatibility, _earlier: &[Schema], new: &Schema) -> Result<(), Incompatible> {
    match *new {}
}

pub fn check_reader_writer(reader: &Schema, _writer: &Schema) -> Vec<Incompatibility> {
    match *reader {}
}
