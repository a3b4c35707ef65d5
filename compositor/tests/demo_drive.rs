//! The safety behaviour along the demo drive, replayed stepped into the headless compositor
//! and checked on captures at chosen moments: parked, the video app shows and a restricted
//! app opens; moving, the video app is covered and the restricted app can be opened neither
//! by a touch on its dock button nor by Shell1; reversing, the rear camera covers the whole
//! screen; parked again at the end, the camera is gone and the view is as before.

use crate::common;

use common::bus::PrivateBus;
use common::client::TestClient;
use common::drive::{STEPPED_DRIVE_ARGS, SteppedDrive};
use common::{BLUE, CAMERA, COVER, Compositor, Image, RED};
use cowl_testkit::config::{GREEN_CAMERA, screen};

/// 640x480: status bar 0..40, dock 400..480 with home 200..280, Video 280..360 and Game
/// 360..440; the app area between. The camera's frames fill the screen (4:3).
fn config() -> String {
    screen("HEADLESS-1")
        .status_bar(40)
        .dock(80)
        .camera(GREEN_CAMERA)
        .app("org.test.Video", "Video", &["video = true"])
        .app("org.test.Game", "Game", &["restrict_while_driving = true"])
        .toml()
}

const GAME_BUTTON: (&str, &str) = ("400", "440");

fn app_area_is(colour: [u8; 3]) -> impl Fn(&Image) -> bool {
    move |image| image.pixel(20, 60) == colour && image.pixel(620, 380) == colour
}

fn camera_shown(image: &Image) -> bool {
    [(2, 2), (20, 60), (320, 120), (620, 470)]
        .iter()
        .all(|&(x, y)| image.pixel(x, y) == CAMERA)
}

#[test]
fn along_the_demo_drive_the_screen_obeys_the_car() {
    let bus = PrivateBus::start();
    let compositor = Compositor::headless_on_bus(
        &bus,
        "640x480",
        &STEPPED_DRIVE_ARGS,
        &common::apps_of_this_user(&config()),
    );
    let mut drive = SteppedDrive::new(&bus);
    let _game = TestClient::showing(&compositor, "org.test.Game", 0x0000ff);
    let _video = TestClient::showing(&compositor, "org.test.Video", 0xff0000);

    // 5 s: parked with the brake on. The video plays; the game's button works.
    drive.to(5.0);
    compositor.wait_for_capture("the video app, parked", app_area_is(RED));
    bus.cowlctl_ok(&["tap", GAME_BUTTON.0, GAME_BUTTON.1]);
    compositor.wait_for_capture("the game, opened from the dock", app_area_is(BLUE));
    bus.cowlctl_ok(&["activate", "org.test.Video"]);
    compositor.wait_for_capture("the video app again", app_area_is(RED));

    // 20 s: 50 km/h through town. The video is covered; the game opens neither way.
    drive.to(20.0);
    compositor.wait_for_capture("the video covered while moving", app_area_is(COVER));
    bus.cowlctl_ok(&["tap", GAME_BUTTON.0, GAME_BUTTON.1]);
    assert_eq!(bus.cowlctl_ok(&["active"]).trim(), "org.test.Video");
    let refused = bus.cowlctl(&["activate", "org.test.Game"]);
    assert!(
        !refused.status.success(),
        "Shell1 opened the game while moving"
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("not available while driving"), "{stderr}");
    assert_eq!(bus.cowlctl_ok(&["active"]).trim(), "org.test.Video");

    // 66 s: reversing into the space. The camera covers everything, chrome included.
    drive.to(66.0);
    compositor.wait_for_capture("the rear camera, full screen", camera_shown);

    // 76 s: P and the brake. The camera is gone; the video shows again, where it was.
    drive.to(76.0);
    compositor.wait_for_capture("the view as before reverse", |image| {
        app_area_is(RED)(image) && !camera_shown(image)
    });
    assert_eq!(bus.cowlctl_ok(&["active"]).trim(), "org.test.Video");
}
