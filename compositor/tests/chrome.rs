//! The chrome as a person sees it, against committed reference images: the status bar with
//! a fixed clock and "--" readouts, the dock with its buttons, the home view's tiles, in
//! the night and the day theme. Text and icons go through the real text stack and SVG
//! renderer; a small tolerance absorbs anti-aliasing differences.
//!
//! The references are regenerated only on purpose:
//! `COWL_UPDATE_REFERENCES=1 cargo test -p cowl --test process chrome::`, then look at them.

use crate::common;

use common::{Compositor, reference};
use cowl_testkit::config::screen;

fn layout() -> String {
    screen("HEADLESS-1")
        .status_bar(48)
        .dock(96)
        .background("#0b0f14")
        .app(
            "org.cowl.Navigation",
            "Navigation",
            &["icon = \"navigation\""],
        )
        .app(
            "org.cowl.Media",
            "Media",
            &["icon = \"media\"", "role = \"split\""],
        )
        .app(
            "projection",
            "Phone",
            &["icon = \"phone\"", "role = \"projection\""],
        )
        .app(
            "org.cowl.Settings",
            "Vehicle settings",
            &["icon = \"settings\""],
        )
        .toml()
}

fn check_against_reference(name: &str, theme: &str) {
    let config = format!("[shell]\ntheme = \"{theme}\"\n{}", layout());
    let compositor = Compositor::headless_with_config(
        &config,
        &[
            "--renderer",
            "pixman",
            "--output",
            "960x400",
            "--clock",
            "09:41",
        ],
    );
    reference::check(name, &compositor.capture());
}

#[test]
fn the_night_chrome_matches_its_reference() {
    check_against_reference("chrome-night", "night");
}

#[test]
fn the_day_chrome_matches_its_reference() {
    check_against_reference("chrome-day", "day");
}

#[test]
fn the_comparison_sees_a_different_theme() {
    // The guard against a comparison that cannot fail: night is not day.
    let night = reference::read_png(&reference::reference_path("chrome-night"));
    let day = reference::read_png(&reference::reference_path("chrome-day"));
    assert!(reference::difference(&night, &day) > 0.5);
}
