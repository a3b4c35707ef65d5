//! The in-process tests (`cargo test -p cowl --lib`): shell policy checked on [`State`]
//! directly, with real Wayland clients in the same process (`fixture.rs`, `client.rs`).
//! They are exact (rectangles, configures, the chrome's frame) and fast (no process, no
//! bus, no pixels read back); the tests in `compositor/tests/` keep what needs the real
//! process: systemd, DRM, D-Bus, SocketCAN, the camera helper and packaged clients.
//!
//! [`State`]: crate::state::State

mod client;
mod fixture;

mod client_habits;
mod clipboard;
mod menus;
mod panels;
mod placement;
mod restrictions;
mod touch;
mod xdg_order;
