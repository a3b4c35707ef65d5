//! What Cowl's tests share across crates (compositor, apps, phone simulator): a private
//! D-Bus daemon, program output read line by line, playerctl, and the pieces of test
//! configurations. A dev-dependency only.

pub mod bus;
pub mod config;
pub mod lines;
pub mod playerctl;
pub mod wayland;

pub use bus::PrivateBus;
pub use lines::LogLines;

/// Generous for a loaded 2-core CI machine with software rendering; a passing test never
/// waits this long.
pub const DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);
