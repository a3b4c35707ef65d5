//! Every integration test that starts a real `cowl` (and real clients, buses, helpers) in
//! one test binary, each file a module: the harness (`common/`) is compiled and linked once,
//! not once a file, and libtest runs the tests of all files side by side on the machine's
//! cores rather than one file after another. `cargo test -p cowl --test process chrome::`
//! runs one file's tests.
//!
//! The two VM tests (`drm_vm.rs`, `can_vm.rs`) are binaries of their own: each keeps a core
//! busy with qemu for minutes, and the pixel and timing checks here are better off without
//! that beside them.

mod common;

mod camera;
mod can_crosscheck;
mod can_decode;
mod capture;
mod chrome;
mod config;
mod demo;
mod demo_drive;
mod globals;
mod home_cards;
mod hostile;
mod lockouts;
mod media_app;
mod nav_app;
mod nested;
mod osk;
mod panel_transform;
mod popups;
mod presentation;
mod projection;
mod robustness;
mod screencopy;
mod shell_dbus;
mod supervisor;
mod systemd;
mod toolkits;
mod touch;
mod vehicle;
mod yocto_layer;
mod yocto_system;
