//! Cowl, the head unit's compositor, as a library: `main.rs` parses the command line and
//! calls [`run`]; `cowlctl`, `cowl-camera`, the benchmarks, the fuzz targets and the tests
//! use exactly the code the compositor runs. The in-process test fixture (`tests/`, built
//! with `cargo test --lib`) drives [`state::State`] on the headless backend with Wayland
//! clients in the same process.
//!
//! The modules by role (compositor/README.md has the map and the data paths):
//! - what needs no display, public for the tools: `config`, `vehicle` (DBC decoding,
//!   candump logs, driving state), `camera_link` (the camera helper's wire);
//! - the compositor: `state`, `backend`, `render`, `handlers` and `protocols` (Wayland),
//!   `shell` (placement and policy), `chrome` (what Cowl draws itself), `input`, `car` (the
//!   vehicle at run time), `camera`, `dbus`, `supervisor`, `startup`.

pub mod camera_link;
pub mod config;
pub mod vehicle;

mod backend;
mod camera;
mod car;
mod chrome;
pub mod cli;
mod client_limits;
mod dbus;
mod demo;
mod handlers;
mod identity;
mod input;
mod keyboard;
mod protocols;
mod render;
mod run;
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
