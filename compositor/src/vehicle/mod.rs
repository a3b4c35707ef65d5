//! The compositor's knowledge of the car: CAN frames decoded with the car's DBC file.
//!
//! - `dbc.rs` reads a DBC file into decode plans, with file:line:column errors;
//! - `decode.rs` holds the plans and decodes a frame without allocating;


pub mod dbc;
pub mod decode;
