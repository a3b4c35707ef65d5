//! The shell's rules, tried as an attacker would: our own hostile Wayland clients against a
//! real `cowl`. A client that claims another app's app_id, a window that appears while the
//! car moves, a split asked for over D-Bus while moving, a video app that says its window is
//! one pixel, subsurfaces and popups placed over the status bar and the dock, a background
//! app with an activation serial it made up. Each is checked on what the driver would see
//! (captures) and what Shell1 answers.

use crate::common;

use common::bus::PrivateBus;
use common::client::TestClient;
use common::{BLUE, COVER, Compositor, GREEN, Image, NIGHT_PANEL, RED};
use cowl_testkit::config::screen;
use wayland_protocols::xdg::shell::client::xdg_positioner;

/// 640x480: status bar 0..40, the app area 40..400, dock 400..480 with five buttons of 80
/// centred (home 120..200, then Nav, Own, Video, Game). `org.test.Nav` runs as another
/// user: no client of this test is that app.
fn config() -> String {
    screen("HEADLESS-1")
        .status_bar(40)
        .dock(80)
        .app("org.test.Nav", "Nav", &["user = \"65534\""])
        .app("org.test.Own", "Own", &[])
        .app("org.test.Video", "Video", &["video = true"])
        .app("org.test.Game", "Game", &["restrict_while_driving = true"])
        .toml()
}

fn start(bus: &PrivateBus) -> Compositor {
    Compositor::headless_on_bus(
        bus,
        "640x480",
        &["--vehicle", "sim", "--debug-input"],
        &common::apps_of_this_user(&config()),
    )
}

fn app_area_is(colour: [u8; 3]) -> impl Fn(&Image) -> bool {
    move |image| image.pixel(20, 60) == colour && image.pixel(620, 390) == colour
}

fn active(bus: &PrivateBus) -> String {
    bus.cowlctl_ok(&["active"]).trim().to_string()
}

#[test]
fn a_client_claiming_another_apps_id_is_an_unknown_app_hidden_while_moving() {
    let bus = PrivateBus::start();
    let compositor = start(&bus);
    // Parked, the impostor shows, but as an unknown app of its own, not as Nav.
    let _impostor = TestClient::showing(&compositor, "org.test.Nav", 0xff0000);
    compositor.wait_for_capture("the impostor, parked", app_area_is(RED));
    assert_eq!(active(&bus), "unverified:org.test.Nav");

    // Moving, Nav would be allowed; the impostor is not.
    bus.sim_drive();
    compositor.wait_for_capture("the impostor hidden while moving", |image| {
        image.pixel(20, 60) != RED && image.pixel(620, 390) != RED
    });
    assert_eq!(active(&bus), "");
    // An app of its configured user is that app, and shows while moving.
    let _own = TestClient::showing(&compositor, "org.test.Own", 0x00ff00);
    compositor.wait_for_capture("a declared app of its own user, moving", app_area_is(GREEN));
}

#[test]
fn split_and_new_windows_while_moving_never_show_a_restricted_app() {
    let bus = PrivateBus::start();
    let compositor = start(&bus);
    let _own = TestClient::showing(&compositor, "org.test.Own", 0x00ff00);
    compositor.wait_for_capture("the app, parked", app_area_is(GREEN));
    bus.sim_drive();

    // A window of a restricted app that appears while moving is not brought forward.
    let mut game = TestClient::showing(&compositor, "org.test.Game", 0x0000ff);
    game.queue.roundtrip(&mut game.state).expect("roundtrip");
    assert_eq!(active(&bus), "org.test.Own");
    // Nor does Shell1's SetSplit open it, now that it has a window.
    let refused = bus.cowlctl(&["split", "org.test.Own", "org.test.Game"]);
    assert!(!refused.status.success(), "SetSplit of a restricted app");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("not available while driving"), "{stderr}");
    let moving = compositor.capture();
    assert!(
        app_area_is(GREEN)(&moving),
        "the app alone fills the area while moving"
    );

    // Parked, the window that waited comes forward.
    bus.sim_park();
    compositor.wait_for_capture("the restricted app once parked", app_area_is(BLUE));
    assert_eq!(active(&bus), "org.test.Game");
}

#[test]
fn a_video_app_that_says_its_window_is_one_pixel_is_covered_whole_with_its_subsurfaces() {
    let bus = PrivateBus::start();
    let compositor = start(&bus);
    let mut video = TestClient::map_toplevel(&compositor, "org.test.Video");
    video.set_window_geometry(0, 0, 1, 1);
    video.add_subsurface(300, 100, 100, 100, 0x0000ff);
    video.draw(0xff0000);
    compositor.wait_for_capture("the video with its subsurface, parked", |image| {
        app_area_is(RED)(image) && image.pixel(350, 190) == BLUE
    });

    bus.sim_drive();
    let covered = compositor.wait_for_capture("the video covered while moving", app_area_is(COVER));
    for y in 40..400 {
        for x in 0..640 {
            let pixel = covered.pixel(x, y);
            assert!(
                pixel != RED && pixel != BLUE,
                "the video shows at {x},{y} while moving"
            );
        }
    }
}

/// An app may change its app_id at any time, and the shell places its window again by the
/// new one: renaming itself to a restricted app while the car moves must not show it, not
/// even for the frame that carries the new name and a new picture.
#[test]
fn a_window_renaming_itself_to_a_restricted_app_while_moving_is_not_shown() {
    let bus = PrivateBus::start();
    let compositor = start(&bus);
    bus.sim_drive();
    let mut app = TestClient::showing(&compositor, "org.test.Own", 0x00ff00);
    compositor.wait_for_capture("the plain app, while moving", app_area_is(GREEN));

    // One commit: the game's name and a red picture.
    app.set_app_id("org.test.Game");
    app.draw(0xff0000);
    let moving = compositor.wait_for_capture("the renamed window gone", |image| {
        image.pixel(20, 60) != GREEN && image.pixel(620, 390) != GREEN
    });
    for y in (40..400).step_by(8) {
        for x in (0..640).step_by(8) {
            assert_ne!(
                moving.pixel(x, y),
                RED,
                "the game shows at {x},{y} while moving"
            );
        }
    }
    assert_ne!(active(&bus), "org.test.Game");

    bus.sim_park();
    compositor.wait_for_capture("the game, once parked", app_area_is(RED));
}

#[test]
fn subsurfaces_and_popups_are_clipped_to_their_slot_and_the_dock_takes_its_touches() {
    let bus = PrivateBus::start();
    let compositor = start(&bus);
    let mut app = TestClient::map_toplevel(&compositor, "org.test.Own");
    // Red over the status bar and the top of the app area, blue over the dock.
    app.add_subsurface(0, -40, 640, 80, 0xff0000);
    app.draw(0x00ff00);
    // A popup 200x100 from the window's bottom edge, slid back inside the output: over the
    // dock's home button.
    app.add_popup(0x0000ff, |positioner| {
        positioner.set_size(200, 100);
        positioner.set_anchor_rect(0, 359, 200, 1);
        positioner.set_anchor(xdg_positioner::Anchor::BottomLeft);
        positioner.set_gravity(xdg_positioner::Gravity::BottomRight);
        positioner.set_constraint_adjustment(xdg_positioner::ConstraintAdjustment::SlideY);
    });
    let shown = compositor.wait_for_capture("the app's surfaces inside its slot", |image| {
        image.pixel(20, 60) == RED && image.pixel(20, 395) == BLUE
    });
    assert_eq!(
        shown.pixel(2, 2),
        NIGHT_PANEL,
        "the status bar is drawn over the subsurface"
    );
    assert_eq!(
        shown.pixel(2, 470),
        NIGHT_PANEL,
        "the dock is drawn over the popup"
    );
    for x in 0..640 {
        for y in (0..40).chain(400..480) {
            let pixel = shown.pixel(x, y);
            assert!(
                pixel != RED && pixel != BLUE,
                "the app draws over the chrome at {x},{y}"
            );
        }
    }

    // A tap on the home button, where the popup lies beneath, goes home.
    app.listen_to_touch();
    bus.cowlctl_ok(&["tap", "160", "440"]);
    assert_eq!(active(&bus), "", "the dock's home button took the tap");
    app.queue.roundtrip(&mut app.state).expect("roundtrip");
    assert!(
        app.state.touch_downs.is_empty(),
        "the app got the dock's touch"
    );
}

#[test]
fn a_background_app_cannot_take_the_screen_with_an_activation_serial_it_made_up() {
    let bus = PrivateBus::start();
    let compositor = start(&bus);
    let mut background = TestClient::showing(&compositor, "org.test.Video", 0xff0000);
    compositor.wait_for_capture("the first app", app_area_is(RED));
    let _front = TestClient::showing(&compositor, "org.test.Own", 0x00ff00);
    compositor.wait_for_capture("the second app in front", app_area_is(GREEN));

    background.request_activation(u32::MAX / 2);
    // The request is handled before the roundtrip that follows it returns.
    assert_eq!(active(&bus), "org.test.Own");
    let after = compositor.capture();
    assert!(app_area_is(GREEN)(&after), "the app in front stays");
}

#[test]
fn only_root_and_cowls_user_may_read_the_screen_through_shell1() {
    use std::os::unix::fs::PermissionsExt;
    let bus_dir = tempfile::tempdir().expect("a temp dir");
    let bus = PrivateBus::start_for_every_user(bus_dir.path());
    let compositor = start(&bus);
    let _app = TestClient::showing(&compositor, "org.test.Own", 0x00ff00);
    compositor.wait_for_capture("the app", app_area_is(GREEN));

    // Another local user (nobody) asks for the driver's screen into a file of its own.
    let shots = tempfile::tempdir().expect("a temp dir");
    std::fs::set_permissions(shots.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let stolen = shots.path().join("stolen.png");
    let output = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_cowlctl"))
        .args(["--bus", &bus.address, "screenshot"])
        .arg(&stolen)
        .output()
        .expect("run cowlctl as nobody");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "nobody read the screen");
    assert!(stderr.contains("may not read the screen"), "{stderr}");
    let written = std::fs::metadata(&stolen)
        .map(|meta| meta.len())
        .unwrap_or(0);
    assert_eq!(written, 0, "nothing of the screen reached nobody's file");

    // Root (here, Cowl's own user) may, into its own file.
    let mine = shots.path().join("mine.png");
    bus.cowlctl_ok(&["screenshot", mine.to_str().expect("utf-8")]);
    let image = common::Image::read_png(&mine).expect("the PNG");
    assert_eq!(image.pixel(20, 60), GREEN);
}

#[test]
fn shell1_screenshots_wait_one_a_caller_and_a_few_in_all() {
    let bus = PrivateBus::start();
    let compositor = start(&bus);
    let connection = bus.connect();
    let shell = zbus::block_on(cowl_sdk::shell::Shell1Proxy::new(&connection)).expect("Shell1");
    // 40 calls at once from one caller, as fast as it can send them.
    let calls: Vec<_> = (0..40)
        .map(|_| {
            let shell = shell.clone();
            std::thread::spawn(move || {
                use std::os::fd::AsFd;
                let file = tempfile::tempfile().expect("a file");
                zbus::block_on(shell.screenshot(file.as_fd().into()))
                    .map(|()| file.metadata().map(|meta| meta.len()).unwrap_or(0))
            })
        })
        .collect();
    let answers: Vec<_> = calls
        .into_iter()
        .map(|call| call.join().expect("a call's thread"))
        .collect();
    let busy = answers
        .iter()
        .filter(|answer| {
            matches!(answer, Err(zbus::Error::MethodError(name, _, _))
                if name.as_str() == "org.cowl.Shell1.Error.Busy")
        })
        .count();
    let written = answers
        .iter()
        .filter(|answer| answer.as_ref().is_ok_and(|&len| len > 0))
        .count();
    assert_eq!(busy + written, 40, "every call is answered: {answers:?}");
    assert!(busy > 0, "some calls were refused as busy: {answers:?}");
    assert!(written > 0, "some screenshots were written");
    let status = std::fs::read_to_string(format!("/proc/{}/status", compositor.pid()))
        .expect("cowl's status");
    let threads: usize = status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|count| count.trim().parse().ok())
        .expect("a thread count");
    assert!(threads < 40, "cowl runs {threads} threads after the flood");
}

/// Asks Cowl for the call audio focus as the user `uid`, with dbus-send on `bus`.
fn request_call_focus_as(bus: &PrivateBus, uid: u32) -> std::process::Output {
    std::process::Command::new("setpriv")
        .arg(format!("--reuid={uid}"))
        .arg(format!("--regid={uid}"))
        .args(["--clear-groups", "dbus-send", "--print-reply"])
        .arg(format!("--bus={}", bus.address))
        .args([
            "--dest=org.cowl.Shell",
            "/org/cowl/Shell",
            "org.cowl.Shell1.RequestAudioFocus",
            "string:call",
        ])
        .output()
        .expect("run setpriv (util-linux) and dbus-send (dbus-bin)")
}

#[test]
fn only_the_phone_app_may_hold_the_call_audio_focus() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("skipped: playing other users (setpriv) needs root, as CI has");
        return;
    }
    // The phone app runs as nobody; daemon (uid 1) is another local user.
    const PHONE_APP: &str = "[[apps]]\nid = \"org.test.Phone\"\nname = \"Phone\"\n\
                             user = \"65534\"\ntelephony = true\n";
    let bus_dir = tempfile::tempdir().expect("a temp dir");
    let bus = PrivateBus::start_for_every_user(bus_dir.path());
    let compositor = Compositor::headless_on_bus(&bus, "640x480", &[], PHONE_APP);
    let connection = bus.connect();
    let shell = zbus::block_on(cowl_sdk::shell::Shell1Proxy::new(&connection)).expect("Shell1");

    // A call would pause the music and silence the guidance: a stranger may not fake one.
    let refused = request_call_focus_as(&bus, 1);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "a stranger held the call focus");
    assert!(
        said.contains("AccessDenied") && said.contains("may not hold the call audio focus"),
        "{said}"
    );
    assert_eq!(
        zbus::block_on(shell.audio_focus()).expect("AudioFocus"),
        "none"
    );

    // The phone app's user may.
    let granted = request_call_focus_as(&bus, 65534);
    assert!(
        granted.status.success(),
        "the phone app was refused: {}",
        String::from_utf8_lossy(&granted.stderr)
    );
    compositor.assert_logged("refused the call audio focus");
}
