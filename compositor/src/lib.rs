//! Cowl, the head unit's compositor, as a library: `main.rs` parses the command line and
//! calls [`run`]; `cowlctl`, `cowl-camera`, the benchmarks, the fuzz targets and the tests
//! use exactly the code the compositor runs. The in-process test fixture (`tests/`, built
//! with `cargo test --lib`) drives [`state::State`] on the headless backend with Wayland
//! clients in the same process.
//!
//! The modules by role (compositor/README.md has the map and the data paths):
//! - public for the tools, needing no display: `config`, `vehicle_signals` (DBC decoding,
//!   candump logs, the property store, the driving state and restrictions: pure code) and
//!   `camera::link` (the camera helper's wire);
//! - the compositor: `state`, `backend`, `render`, `handlers` and `protocols` (Wayland),
//!   `shell` (placement and policy), `chrome` (what Cowl draws itself), `input`, `car` (the
//!   vehicle at run time: its sources, timers and what follows a change), `camera`, `dbus`,
//!   `supervisor`, `startup`;
//! - `conformance`: the compositor served to a conformance harness (WLCS, `wlcs/`).

pub mod camera;
pub mod config;
pub mod vehicle_signals;

mod backend;
mod car;
mod chrome;
pub mod cli;
mod client_limits;
pub mod conformance;
mod dbus;
mod demo;
mod handlers;
mod identity;
mod input;
mod keyboard;
mod protocols;
mod render;
mod run;
mod runtime_dir;
mod screenshot;
mod service_watchdog;
mod shell;
mod socket;
mod startup;
mod state;
mod supervisor;
mod trust;

#[cfg(test)]
mod tests;

pub use run::run;
