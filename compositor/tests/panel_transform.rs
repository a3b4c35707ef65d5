//! A panel mounted sideways and denser than 1:1 (`[[outputs]] transform` and `scale`): apps
//! get an upright logical output of the right size, the picture reaches the panel turned so
//! that a capture client (grim, which follows the wl_output protocol, not our code) sees it
//! upright, screenshots are upright, and a touch reported in the panel's own coordinates
//! reaches the app at the point of its picture that the finger was on.

use crate::common;

use common::Compositor;
use common::bus::PrivateBus;
use common::client::TestClient;
use common::{Image, NIGHT_PANEL};
use cowl_testkit::config::screen;

/// An 800x500 panel turned by 90 degrees at scale 1.25: a 400x640 logical output, status bar
/// 0..40, app area 40..560, dock 560..640. A second, plain panel lies to its right.
fn config() -> String {
    screen("HEADLESS-1")
        .output_key("scale = 1.25")
        .output_key("transform = \"90\"")
        .status_bar(40)
        .dock(80)
        .app("org.test.Gradient", "Gradient", &[])
        .toml()
}

const PANEL: (f64, f64) = (800.0, 500.0);
const SCALE: f64 = 1.25;
const APP_TOP: f64 = 40.0;
const APP_SIZE: (i32, i32) = (400, 520);

/// Where a point of the upright logical output is on the panel, in 0..1 of its own pixels.
/// With wl_output transform 90 the panel is mounted a quarter turn counter-clockwise: the
/// picture's top runs along the panel's left edge and its right side along the panel's top
/// (`upright` checks on grim's capture that the picture does stand this way).
fn on_panel(x: f64, y: f64) -> (f64, f64) {
    let (upright_x, upright_y) = (x * SCALE, y * SCALE);
    (upright_y / PANEL.0, (PANEL.1 - upright_x) / PANEL.1)
}

fn dark(pixel: [u8; 3]) -> bool {
    pixel[0] < 48 && pixel[1] < 48
}

fn bright(pixel: [u8; 3]) -> bool {
    pixel[0] > 207 && pixel[1] > 207
}

/// The output's chrome and the gradient app upright in an image of `per_logical` pixels per
/// logical pixel: status bar on top, dock at the bottom, the app's dark corner top-left.
fn upright(image: &Image, per_logical: f64) -> bool {
    let at = |x: f64, y: f64| {
        image.pixel(
            (x * per_logical).round() as usize,
            (y * per_logical).round() as usize,
        )
    };
    at(2.0, 2.0) == NIGHT_PANEL
        && at(2.0, 637.0) == NIGHT_PANEL
        && dark(at(8.0, APP_TOP + 8.0))
        && bright(at(392.0, APP_TOP + 512.0))
        && at(392.0, APP_TOP + 8.0)[0] > 207
        && at(8.0, APP_TOP + 512.0)[1] > 207
}

#[test]
fn a_turned_scaled_panel_shows_apps_upright_and_touches_land_where_the_finger_is() {
    let bus = PrivateBus::start();
    let compositor = Compositor::headless_on_bus(
        &bus,
        "800x500",
        &["--debug-input", "--output", "640x480"],
        &config(),
    );
    let mut app = TestClient::map_toplevel(&compositor, "org.test.Gradient");
    assert_eq!(app.size(), APP_SIZE, "the app fills the upright app area");
    app.listen_to_touch();
    app.draw_gradient();

    // grim lays out both outputs by their logical geometry, at the largest scale it is told.
    let capture = compositor.wait_for_capture("the gradient app upright", |image| {
        let per_logical = image.height as f64 / 640.0;
        image.width as f64 == (400.0 + 640.0) * per_logical && upright(image, per_logical)
    });
    let per_logical = capture.height as f64 / 640.0;
    let second_output = capture.pixel(((400.0 + 320.0) * per_logical) as usize, 5);
    assert_eq!(
        second_output,
        [0, 0, 0],
        "the plain panel lies right of the turned one"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("upright.png");
    bus.cowlctl_ok(&["screenshot", path.to_str().expect("utf-8 path")]);
    let shot = Image::read_png(&path).expect("the screenshot");
    assert_eq!(
        (shot.width, shot.height),
        (500, 800),
        "upright, in panel pixels"
    );
    assert!(
        upright(&shot, SCALE),
        "the screenshot shows what the driver sees"
    );

    // Touches in the panel's own coordinates, at points of the app away from every axis of
    // symmetry: each reaches the app at that point, in its surface coordinates.
    let targets = [(100.0, 130.0), (300.0, 390.0), (37.5, 480.0)];
    for (index, &(x, y)) in targets.iter().enumerate() {
        let (u, v) = on_panel(x, APP_TOP + y);
        let (u, v) = (u.to_string(), v.to_string());
        bus.cowlctl_ok(&["tap", "--panel", "HEADLESS-1", &u, &v]);
        app.wait_for_touch_downs(index + 1);
        let (got_x, got_y) = app.state.touch_downs[index];
        assert!(
            (got_x - x).abs() < 0.01 && (got_y - y).abs() < 0.01,
            "a touch on the panel at {u},{v} should reach the app at {x},{y}, not {got_x},{got_y}"
        );
    }

    let refused = bus.cowlctl(&["tap", "--panel", "HDMI-A-9", "0.5", "0.5"]);
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("HDMI-A-9"), "{message}");
}
