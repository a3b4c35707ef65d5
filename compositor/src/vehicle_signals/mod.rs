//! The vehicle's signals as a library: CAN frames decoded with the car's DBC file, mapped to
//! properties, judged into a driving state. Pure code with no loop, timer or display: the
//! compositor's `car/` runs it on the event loop; cowlctl, the benchmarks and the fuzz
//! targets call it directly.
//!
//! - `dbc.rs` reads a DBC file into decode plans, with file:line:column errors;
//! - `decode.rs` holds the plans and decodes a frame without allocating;
//! - `candump.rs` reads can-utils candump logs, for replay and for `cowlctl can decode`;
//! - `driving.rs` turns speed, gear and parking brake into a driving state and UX restrictions;
//! - `properties.rs` maps signals to VSS-named properties, per a mapping file;
//! - `store.rs` keeps their latest values, which go stale when not refreshed.

pub mod candump;
pub mod dbc;
pub mod decode;
pub mod driving;
pub mod properties;
pub mod store;
