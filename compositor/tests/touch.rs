//! Touch, injected through org.cowl.Debug1 (`cowl --debug-input`, `cowlctl touch`/`tap`) so
//! that it takes a touchscreen's path through the compositor: taps on the dock and on home
//! tiles show apps and home, a long press on a dock app opens it beside the active one, a
//! swipe up from the dock goes home, and a touch on an app reaches that app in its own
//! coordinates while touches on the chrome never do. Checked on captures and on the
//! events our client receives.

use crate::common;

use common::bus::PrivateBus;
use common::client::TestClient;
use common::{BLUE, Compositor, GREEN, Image, NIGHT_PANEL, RED};
use cowl_testkit::config::screen;

/// 640x480: status bar 0..40, app area 40..400, dock 400..480 with home, Red, Green, Blue
/// buttons of 80 pixels centred (home at 160..240, Red 240.., Green 320.., Blue 400..).
fn config() -> String {
    screen("HEADLESS-1")
        .status_bar(40)
        .dock(80)
        .background("#102030")
        .app("org.test.Red", "Red", &[])
        .app("org.test.Green", "Green", &[])
        .app("org.test.Blue", "Blue", &[])
        .toml()
}

const DOCK_Y: &str = "440";
const HOME_BUTTON: &str = "200";
const RED_BUTTON: &str = "280";
const BLUE_BUTTON: &str = "440";

fn start(bus: &PrivateBus) -> Compositor {
    Compositor::headless_on_bus(
        bus,
        "640x480",
        &["--debug-input"],
        &common::apps_of_this_user(&config()),
    )
}

fn app_area_is(colour: [u8; 3]) -> impl Fn(&Image) -> bool {
    move |image| {
        image.pixel(100, 220) == colour
            && image.pixel(600, 220) == colour
            && image.pixel(2, 478) == NIGHT_PANEL
    }
}

/// The home view: the phone and temperature cards at y 52..172, then three 91-pixel tiles
/// in a row at y 240..331 (x 165.., 274.., 383..), no app.
fn shows_home(image: &Image) -> bool {
    let tile = [0x1f, 0x29, 0x35];
    image.pixel(100, 100) == tile
        && image.pixel(210, 285) == tile
        && image.pixel(320, 285) == tile
        && ![RED, GREEN, BLUE].contains(&image.pixel(600, 60))
}

#[test]
fn dock_taps_home_tiles_long_presses_and_swipes_drive_the_shell() {
    let bus = PrivateBus::start();
    let compositor = start(&bus);
    let mut red = TestClient::showing(&compositor, "org.test.Red", 0xff0000);
    let _green = TestClient::showing(&compositor, "org.test.Green", 0x00ff00);
    let mut blue = TestClient::showing(&compositor, "org.test.Blue", 0x0000ff);
    compositor.wait_for_capture("blue, the last started", app_area_is(BLUE));

    bus.cowlctl_ok(&["tap", RED_BUTTON, DOCK_Y]);
    compositor.wait_for_capture("red from its dock button", app_area_is(RED));

    bus.cowlctl_ok(&["tap", HOME_BUTTON, DOCK_Y]);
    compositor.wait_for_capture("home from the home button", shows_home);

    // Green's tile is the middle one.
    bus.cowlctl_ok(&["tap", "320", "285"]);
    compositor.wait_for_capture("green from its home tile", app_area_is(GREEN));

    // A swipe up from the dock, further than the dock is thick.
    bus.cowlctl_ok(&["touch", "down", "600", "460"]);
    for y in ["430", "390", "350"] {
        bus.cowlctl_ok(&["touch", "motion", "600", y]);
    }
    bus.cowlctl_ok(&["touch", "up", "600", "350"]);
    compositor.wait_for_capture("home from the swipe", shows_home);

    // Red again, then a long press on Blue: blue opens beside red. The finger is still down
    // while the apps resize; lifting it afterwards is not a tap.
    bus.cowlctl_ok(&["tap", RED_BUTTON, DOCK_Y]);
    compositor.wait_for_capture("red again", app_area_is(RED));
    bus.cowlctl_ok(&["touch", "down", BLUE_BUTTON, DOCK_Y]);
    assert_eq!(red.wait_for_resize(), (384, 360), "red takes the left 60%");
    red.draw(0xff0000);
    assert_eq!(blue.wait_for_resize(), (256, 360), "blue the right 40%");
    blue.draw(0x0000ff);
    compositor.wait_for_capture("red beside blue", |image| {
        image.pixel(100, 220) == RED && image.pixel(600, 220) == BLUE
    });
    bus.cowlctl_ok(&["touch", "up", BLUE_BUTTON, DOCK_Y]);
    assert_eq!(bus.cowlctl_ok(&["active"]), "org.test.Red\n");
}

#[test]
fn a_touch_reaches_the_app_under_it_in_its_coordinates_and_chrome_touches_do_not() {
    let bus = PrivateBus::start();
    let compositor = start(&bus);
    let mut red = TestClient::map_toplevel(&compositor, "org.test.Red");
    red.listen_to_touch();
    red.draw(0xff0000);
    compositor.wait_for_capture("red", app_area_is(RED));

    // On the status bar and on an empty part of the dock: the chrome's, not the app's.
    bus.cowlctl_ok(&["tap", "320", "20"]);
    bus.cowlctl_ok(&["tap", "20", DOCK_Y]);
    // On the app, whose window starts below the 40-pixel status bar.
    bus.cowlctl_ok(&["tap", "100", "140"]);
    red.wait_for_touch_downs(1);
    assert_eq!(red.state.touch_downs, vec![(100.0, 100.0)]);
}

#[test]
fn touch_injection_needs_the_debug_flag() {
    let bus = PrivateBus::start();
    let _compositor =
        Compositor::headless_on_bus(&bus, "640x480", &[], &common::apps_of_this_user(&config()));
    let output = bus.cowlctl(&["tap", "10", "10"]);
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("--debug-input"),
        "unexpected message: {message}"
    );
}
