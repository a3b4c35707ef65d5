//! cowl-sdk: client proxies and shared types of Cowl's D-Bus APIs, for apps, `cowlctl` and
//! tests (the contracts are `assets/dbus/*.xml`), and what every program of Cowl's shares:
//! its logging set-up, where the shared files are, and the apps' touch-target size and
//! typeface.

pub mod assets;
pub mod bus;
pub mod follow;
pub mod guidance;
pub mod logging;
pub mod projection;
pub mod shell;
pub mod ui;
pub mod vehicle;
