//! The on-screen keyboard flow with real parts: foot (a text-input-v3 client) has the
//! keyboard and enables its text field; Cowl shows wvkbd (a layer-shell OSK typing through
//! virtual-keyboard, started by Cowl as `[osk]`), the app area shrinks above it, a touch on
//! wvkbd's "q" key types a q into foot, and the OSK hides when the field loses the
//! keyboard (home view). While driving (NO_KEYBOARD) the OSK hides and nothing can be typed
//! with it; parked, it comes back.

mod common;

use common::bus::PrivateBus;
use common::{Compositor, Image};

/// foot's default background, and its `ESC[41m` red.
const FOOT_BACKGROUND: [u8; 3] = [0x11, 0x11, 0x11];
const FOOT_RED: [u8; 3] = [0xcc, 0x93, 0x93];

/// wvkbd at -L 200 on a 640x480 panel is six 40-pixel rows from y 240; "q" opens the third.
const Q_KEY: (&str, &str) = ("61", "340");
/// "w", the key right of "q".
const W_KEY: (&str, &str) = ("125", "340");

fn config(typed: &std::path::Path) -> String {
    // The field: a terminal in raw mode that saves one key, then paints a red line.
    let field = format!(
        "foot --app-id org.test.Field sh -c 'stty raw -echo; dd bs=1 count=1 of={} 2>/dev/null; printf \"\\\\033[41m%200s\" x; sleep 600'",
        typed.display()
    );
    format!(
        r#"
[osk]
exec = "wvkbd-mobintl --hidden -L 200"
show_signal = "SIGUSR2"
hide_signal = "SIGUSR1"

[[apps]]
id = "org.test.Field"
name = "Field"
exec = {field:?}
autostart = true
"#
    )
}

fn osk_shown(image: &Image) -> bool {
    image.pixel(320, 100) == FOOT_BACKGROUND && image.distinct_colours(0, 250, 640, 220) > 3
}

#[test]
fn a_text_field_brings_up_the_osk_and_a_touch_on_it_types() {
    let dir = tempfile::tempdir().expect("temp dir");
    let typed = dir.path().join("typed");
    let bus = PrivateBus::start();
    let compositor =
        Compositor::headless_on_bus(&bus, "640x480", &["--debug-input"], &config(&typed));
    compositor.wait_for_capture("foot above the on-screen keyboard", osk_shown);
    assert!(compositor.log().contains("on-screen keyboard shown=true"));

    bus.cowlctl_ok(&["tap", Q_KEY.0, Q_KEY.1]);
    compositor.wait_for_capture("foot to have read the key", |image| {
        (2..60).any(|y| (0..200).any(|x| image.pixel(x, y) == FOOT_RED))
    });
    let text = std::fs::read_to_string(&typed).expect("the field saved what was typed");
    assert_eq!(text, "q");

    // Home: the field loses the keyboard, the OSK goes away.
    bus.cowlctl_ok(&["home"]);
    compositor.wait_for_capture("the OSK to hide", |image| {
        !osk_shown(image) && image.is_filled(0, 400, 640, 80, [0x0b, 0x0f, 0x14])
    });
    assert!(compositor.log().contains("on-screen keyboard shown=false"));
}

#[test]
fn while_driving_the_osk_hides_and_comes_back_when_parked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let typed = dir.path().join("typed");
    let bus = PrivateBus::start();
    let compositor = Compositor::headless_on_bus(
        &bus,
        "640x480",
        &["--debug-input", "--vehicle", "sim"],
        &config(&typed),
    );
    compositor.wait_for_capture("foot above the on-screen keyboard", osk_shown);

    let gear = cowl_sdk::vehicle::names::CURRENT_GEAR;
    bus.cowlctl_ok(&["vehicle", "set", gear, "D"]);
    bus.cowlctl_ok(&["vehicle", "set", cowl_sdk::vehicle::names::SPEED, "40"]);
    compositor.wait_for_capture("the OSK hidden while driving", |image| {
        !osk_shown(image) && image.pixel(320, 400) == FOOT_BACKGROUND
    });
    // Where the "q" key was, foot is now: a tap there types nothing. (The field keeps the
    // first key it gets: were a q typed now, the w typed once parked would not be it.)
    bus.cowlctl_ok(&["tap", Q_KEY.0, Q_KEY.1]);

    bus.cowlctl_ok(&["vehicle", "set", gear, "P"]);
    compositor.wait_for_capture("the OSK back once parked", osk_shown);
    bus.cowlctl_ok(&["tap", W_KEY.0, W_KEY.1]);
    compositor.wait_for_capture("foot to have read the key", |image| {
        (2..60).any(|y| (0..200).any(|x| image.pixel(x, y) == FOOT_RED))
    });
    assert_eq!(std::fs::read_to_string(&typed).expect("typed"), "w");
}
