//! cowl-nav started as a developer starts it from a checkout (`cargo run -p cowl-nav`): it
//! finds the checkout's map without being told, and a map it cannot load is one line that
//! says which and why, never a backtrace. No display is given, so the app stops at its
//! window after the map: what it says before that is what is checked.

use std::process::{Command, Output};

fn cowl_nav(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cowl-nav"))
        .args(args)
        .args(["--no-dbus", "--silent"])
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("DISPLAY")
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run cowl-nav")
}

#[test]
fn from_a_checkout_the_map_is_found_without_being_named() {
    let output = cowl_nav(&[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let loaded = stderr
        .lines()
        .find(|line| line.contains("map loaded"))
        .unwrap_or_else(|| panic!("the map was not loaded:\n{stderr}"));
    assert!(loaded.contains("assets/map/helsinki.cowlmap"), "{loaded}");
}

#[test]
fn a_map_that_cannot_be_loaded_is_one_line_without_a_backtrace() {
    let output = cowl_nav(&["--map", "/nonexistent/helsinki.cowlmap"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let said: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("cowl-nav: "))
        .collect();
    assert_eq!(said.len(), 1, "{stderr}");
    assert!(
        said[0].starts_with("cowl-nav: cannot load the map /nonexistent/helsinki.cowlmap"),
        "{}",
        said[0]
    );
    assert!(
        !stderr.contains("backtrace") && !stderr.contains("panicked"),
        "{stderr}"
    );
}
