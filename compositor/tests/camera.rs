//! The rear camera: a real GStreamer pipeline (videotestsrc into an appsink) inside cowl.
//! In R it covers the whole screen, chrome and apps alike, with guide lines; out of R the
//! view is as before; a camera that delivers nothing gives the "Camera unavailable" screen,
//! never the app behind. Driven by the simulator and checked on captures.

mod common;

use common::bus::PrivateBus;
use common::client::TestClient;
use common::{Compositor, Image, NIGHT_PANEL};
use cowl_sdk::vehicle::names::CURRENT_GEAR;

const GREEN: [u8; 3] = [0, 0xc0, 0];
const RED: [u8; 3] = [0xff, 0, 0];
/// The fallback screen's background (the chrome's cover colour).
const COVER: [u8; 3] = [0x28, 0x28, 0x30];
const GUIDE: [u8; 3] = [0xff, 0xd2, 0x1f];

fn config(pipeline: &str) -> String {
    format!(
        "[[outputs]]\nname = \"HEADLESS-1\"\n[outputs.layout]\nstatus_bar = {{ edge = \"top\", size = 40 }}\n\n\
         [camera]\npipeline = {pipeline:?}\n\n[[apps]]\nid = \"org.test.App\"\nname = \"App\"\n"
    )
}

fn app_shown(image: &Image) -> bool {
    image.pixel(20, 100) == RED && image.pixel(2, 2) == NIGHT_PANEL
}

#[test]
fn reverse_shows_the_camera_over_everything_and_leaving_it_restores_the_view() {
    let bus = PrivateBus::start();
    let pipeline = "videotestsrc is-live=true pattern=solid-color foreground-color=0xff00c000 \
                    ! video/x-raw,format=BGRx,width=160,height=120,framerate=30/1 \
                    ! appsink name=camera";
    let compositor =
        Compositor::headless_on_bus(&bus, "640x480", &["--vehicle", "sim"], &config(pipeline));
    let mut app = TestClient::map_toplevel(&compositor, "org.test.App");
    app.draw(0xff0000);
    compositor.wait_for_capture("the app", app_shown);

    bus.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "R"]);
    let camera = compositor.wait_for_capture("the camera, full screen", |image| {
        image.pixel(20, 100) == GREEN && image.pixel(2, 2) == GREEN
    });
    let guides = (0..640)
        .flat_map(|x| (240..480).map(move |y| (x, y)))
        .filter(|&(x, y)| camera.pixel(x, y) == GUIDE)
        .count();
    assert!(guides > 100, "guide lines are drawn ({guides} pixels)");

    bus.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "P"]);
    compositor.wait_for_capture("the view as before", app_shown);
}

#[test]
fn a_camera_that_delivers_nothing_gives_the_fallback_screen() {
    let bus = PrivateBus::start();
    let pipeline = "videotestsrc is-live=true ! video/x-raw,format=BGRx,width=160,height=120 \
                    ! valve drop=true ! appsink name=camera";
    let compositor =
        Compositor::headless_on_bus(&bus, "640x480", &["--vehicle", "sim"], &config(pipeline));
    let mut app = TestClient::map_toplevel(&compositor, "org.test.App");
    app.draw(0xff0000);
    compositor.wait_for_capture("the app", app_shown);

    bus.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "R"]);
    compositor.wait_for_capture("the fallback screen, never the app", |image| {
        image.pixel(20, 100) == COVER && image.pixel(2, 2) == COVER
    });
}
