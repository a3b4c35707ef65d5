//! cowl-sdk: client proxies and shared types of Cowl's D-Bus APIs, for apps, `cowlctl` and
//! tests. The contracts are `assets/dbus/*.xml`.

pub mod bus;
pub mod follow;
pub mod projection;
pub mod shell;
pub mod vehicle;
