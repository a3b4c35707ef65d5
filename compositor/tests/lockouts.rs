//! Driver-distraction lockouts enforced by the compositor: a video app (declared in config,
//! or tagging its surface as video with wp_content_type_v1) is covered by "Not available
//! while driving" while the car's restrictions say NO_VIDEO, and shown again once parked;
//! the app keeps running underneath. An app that is not distraction-optimized cannot be
//! opened while moving (Shell1 and the dock refuse it, its dock button is greyed) and gives
//! way to its fallback when the car starts moving. Driven by the simulator, checked on
//! captures and on cowlctl's answers.

use crate::common;

use common::bus::PrivateBus;
use common::client::TestClient;
use common::{BLUE, COVER, Compositor, GREEN, Image, RED};
use cowl_testkit::config::screen;

/// 640x480: status bar 0..40, the app area below. Two main apps: one declared video.
fn config() -> String {
    screen("HEADLESS-1")
        .status_bar(40)
        .app("org.test.Video", "Video", &["video = true"])
        .app("org.test.Tagged", "Tagged", &[])
        .toml()
}

fn app_area_is(colour: [u8; 3]) -> impl Fn(&Image) -> bool {
    move |image| image.pixel(20, 100) == colour && image.pixel(620, 460) == colour
}

#[test]
fn video_apps_are_covered_while_driving_and_shown_when_parked() {
    let bus = PrivateBus::start();
    let compositor = Compositor::headless_on_bus(
        &bus,
        "640x480",
        &["--vehicle", "sim"],
        &common::apps_of_this_user(&config()),
    );
    let mut video = TestClient::showing(&compositor, "org.test.Video", 0xff0000);
    compositor.wait_for_capture("the video app, parked", app_area_is(RED));

    bus.sim_drive();
    compositor.wait_for_capture("the video app covered while moving", app_area_is(COVER));
    // Underneath, the app runs on: it still gets frame callbacks when it draws.
    video.draw(0xff0000);
    video.wait_for_frame_callbacks(1);

    bus.sim_park();
    compositor.wait_for_capture("the video app again once parked", app_area_is(RED));

    // An undeclared app that tags its surface as video is covered the same way.
    let mut tagged = TestClient::map_toplevel(&compositor, "org.test.Tagged");
    tagged.tag_as_video();
    tagged.draw(0x00ff00);
    compositor.wait_for_capture("the tagged app, parked", app_area_is(GREEN));
    bus.sim_drive();
    compositor.wait_for_capture("the tagged app covered while moving", app_area_is(COVER));
}

/// 640x480: a dock along the bottom (400..480) with home, Game and Nav buttons of 80 pixels,
/// centred: home 200..280, Game 280..360, Nav 360..440.
fn restricted() -> String {
    screen("HEADLESS-1")
        .dock(80)
        .app(
            "org.test.Game",
            "Game",
            &[
                "restrict_while_driving = true",
                "fallback = \"org.test.Nav\"",
            ],
        )
        .app("org.test.Nav", "Nav", &[])
        .toml()
}

fn area_is(colour: [u8; 3]) -> impl Fn(&Image) -> bool {
    move |image| image.pixel(20, 20) == colour && image.pixel(620, 380) == colour
}

#[test]
fn a_restricted_app_gives_way_while_driving_and_cannot_be_opened() {
    let bus = PrivateBus::start();
    let compositor = Compositor::headless_on_bus(
        &bus,
        "640x480",
        &["--vehicle", "sim", "--debug-input"],
        &common::apps_of_this_user(&restricted()),
    );
    let _nav = TestClient::showing(&compositor, "org.test.Nav", 0x00ff00);
    let _game = TestClient::showing(&compositor, "org.test.Game", 0x0000ff);
    let parked = compositor.wait_for_capture("the game, parked", area_is(BLUE));
    let game_button = |image: &Image| image.crop(280, 400, 80, 80);

    bus.sim_drive();
    let moving = compositor.wait_for_capture("the fallback replaces the game", area_is(GREEN));
    assert_ne!(
        game_button(&moving).rgb,
        game_button(&parked).rgb,
        "the game's dock button is greyed while moving"
    );
    let refused = bus.cowlctl(&["activate", "org.test.Game"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("not available while driving"), "{stderr}");
    // A tap on its dock button does nothing either (the tap is handled before cowlctl
    // returns, so the active app read next is the answer).
    bus.cowlctl_ok(&["tap", "320", "440"]);
    assert_eq!(bus.cowlctl_ok(&["active"]).trim(), "org.test.Nav");

    // Parked, the same tap opens it.
    bus.sim_park();
    bus.cowlctl_ok(&["tap", "320", "440"]);
    assert_eq!(bus.cowlctl_ok(&["active"]).trim(), "org.test.Game");
    compositor.wait_for_capture("the game again once parked", area_is(BLUE));
}
