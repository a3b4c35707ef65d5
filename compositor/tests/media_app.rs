//! cowl-media (apps/media) inside Cowl, as a driver sees it: placed by its app_id, started on
//! the generated album and video (assets/media), played by a tap on its list through Cowl's
//! touch path, remote-controlled with playerctl, and restricted by the simulated car. Checked
//! on captures against reference images (its software renderer, tiny-skia, draws the same
//! on every machine), and on MPRIS.
//!
//! The references are regenerated only on purpose:
//! `COWL_UPDATE_REFERENCES=1 cargo test -p cowl --test process media_app::`, then look at them.

use crate::common;

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::bus::PrivateBus;
use common::{Compositor, Image, reference};
use cowl_sdk::vehicle::names::{CURRENT_GEAR, SPEED};
use cowl_testkit::LogLines;

/// A 1280x800 head unit (status bar 0..48, the app 48..720, dock 720..800) whose chrome
/// follows the car's DayNightMode, as the app does (the simulator says DAY).
fn config() -> String {
    format!(
        "[shell]\ntheme = \"auto\"\n{}",
        common::one_app_config("org.cowl.Media", "Media", "media")
    )
}

const APP_TOP: usize = 48;
/// The app's list rows (57 high, 4 apart, the first centred 344 below the app's top) and
/// the picture beside the title (16..282 x 16..166 in the app).
fn row_centre(row: usize) -> String {
    (APP_TOP + 344 + 61 * row).to_string()
}
const MIDDLE_A_ROW: usize = 1;
const VIDEO_ROW: usize = 3;

fn picture(image: &Image) -> Image {
    image.crop(16, APP_TOP + 16, 266, 150)
}

/// The ball test pattern: mostly black, with a white ball.
fn shows_video(image: &Image) -> bool {
    let picture = picture(image);
    let black = picture
        .rgb
        .chunks_exact(3)
        .filter(|pixel| pixel.iter().all(|&channel| channel < 16))
        .count();
    black * 2 > picture.width * picture.height
}

/// The placeholder that stands for a forbidden picture: no black at all.
fn shows_video_placeholder(image: &Image) -> bool {
    let picture = image.crop(20, APP_TOP + 20, 140, 140);
    picture
        .rgb
        .chunks_exact(3)
        .all(|pixel| pixel.iter().any(|&channel| channel >= 16))
}

struct MediaInCowl {
    bus: PrivateBus,
    compositor: Compositor,
    app: Child,
    /// The app's log, as it comes.
    log: LogLines,
    _media: tempfile::TempDir,
}

impl MediaInCowl {
    fn start() -> MediaInCowl {
        let bus = PrivateBus::start();
        let compositor = Compositor::headless_on_bus(
            &bus,
            "1280x800",
            &["--debug-input", "--clock", "09:41"],
            &common::apps_of_this_user(&config()),
        );
        let media = tempfile::tempdir().unwrap();
        copy_media(media.path());
        let (app, log) = spawn_media(&compositor, &bus.address, media.path());
        let run = MediaInCowl {
            bus,
            compositor,
            app,
            log,
            _media: media,
        };
        run.compositor
            .wait_for_capture("the media app's list", |image| {
                // The first row stands out from the app's day background below the list.
                image.pixel(640, APP_TOP + 330) != image.pixel(640, APP_TOP + 640)
                    && image.pixel(640, APP_TOP + 640) == DAY_BACKGROUND
            });
        run
    }

    fn tap(&self, x: &str, y: &str) {
        self.bus.cowlctl_ok(&["tap", x, y]);
    }

    fn playerctl(&self, args: &[&str]) -> String {
        cowl_testkit::playerctl::playerctl(&self.bus, args, String::new)
    }

    /// `playerctl --follow ARGS`: a line each time what it shows changes.
    fn follow(&self, args: &[&str]) -> cowl_testkit::playerctl::Follow {
        cowl_testkit::playerctl::follow(&self.bus, args)
    }

    /// Pauses at the start of the track: a still screen for the references.
    fn hold_at_start(&self) {
        self.playerctl(&["pause"]);
        self.playerctl(&["position", "0"]);
    }

    /// Waits until the screen matches the reference `name` (or, when regenerating, until it
    /// is still and writes it).
    fn settles_on(&self, name: &str) {
        self.region_settles_on(name, |image| image.clone());
    }

    /// Like `settles_on`, for the part of the screen that `region` cuts out.
    fn region_settles_on(&self, name: &str, region: impl Fn(&Image) -> Image) {
        if reference::updating() {
            // Regenerating only: a screen unchanged for a second has taken in every change.
            let last = std::cell::RefCell::new((self.compositor.capture().rgb, Instant::now()));
            let still = self.compositor.wait_for_capture("a still screen", |image| {
                let mut last = last.borrow_mut();
                if last.0 != image.rgb {
                    *last = (image.rgb.clone(), Instant::now());
                }
                last.1.elapsed() > Duration::from_secs(1)
            });
            reference::check(name, &region(&still));
            return;
        }
        // The screen converges on the reference; if it never does, the last capture is
        // kept and compared, which says how far off it is.
        let start = Instant::now();
        loop {
            let image = region(&self.compositor.capture());
            if reference::matches(name, &image) || start.elapsed() > common::DEADLINE {
                reference::check(name, &image);
                return;
            }
        }
    }
}

impl Drop for MediaInCowl {
    fn drop(&mut self) {
        let _ = self.app.kill();
        let _ = self.app.wait();
    }
}

/// Starts cowl-media on `compositor`'s display and the bus at `bus_address`, on the media
/// in `folder`; its log comes as it is written.
fn spawn_media(compositor: &Compositor, bus_address: &str, folder: &Path) -> (Child, LogLines) {
    spawn_media_with(compositor, bus_address, folder, &[])
}

/// Like `spawn_media`, with more environment.
fn spawn_media_with(
    compositor: &Compositor,
    bus_address: &str,
    folder: &Path,
    env: &[(&str, &str)],
) -> (Child, LogLines) {
    let mut app = compositor
        .command(
            common::app_binary("cowl-media")
                .to_str()
                .expect("utf-8 path"),
        )
        .arg("--folder")
        .arg(folder)
        .arg("--store")
        .arg(folder.join("library.redb"))
        .args(["--audio-sink", "fakesink sync=true"])
        .env("DBUS_SESSION_BUS_ADDRESS", bus_address)
        // Software rendering that draws the same everywhere (wgpu is the default).
        .env("ICED_BACKEND", "tiny-skia")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cowl-media");
    let log = LogLines::of(&mut app);
    (app, log)
}

/// The app's background below its list, by night and by day.
const NIGHT_BACKGROUND: [u8; 3] = [0x10, 0x15, 0x1c];
const DAY_BACKGROUND: [u8; 3] = [0xff, 0xff, 0xff];

fn copy_media(dir: &Path) {
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/media");
    for folder in ["test-tones", "video"] {
        std::fs::create_dir_all(dir.join(folder)).unwrap();
        for entry in std::fs::read_dir(assets.join(folder)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.join(folder).join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn a_tap_plays_a_track_and_the_app_matches_its_reference() {
    let run = MediaInCowl::start();
    let playing = run.follow(&["metadata", "--format", "{{status}} {{title}}"]);
    run.tap("640", &row_centre(MIDDLE_A_ROW));
    playing.wait_for("the tapped track to play", "Playing Middle A");
    run.hold_at_start();
    run.settles_on("media-parked");
}

/// The home view's now-playing card on this head unit (its app area 0,48 1280x672 holds
/// three cards: now playing twice as wide as the phone and the temperature, 22 pixels
/// apart, 200 high), and its buttons (72 pixels, centred on the card's height at its right).
const NOW_PLAYING_CARD: (usize, usize, usize, usize) = (22, 70, 596, 200);
const CARD_PLAY_PAUSE: (&str, &str) = ("488", "170");
const CARD_NEXT: (&str, &str) = ("571", "170");

#[test]
fn the_home_card_shows_what_plays_and_its_buttons_and_a_tap_drive_the_media_app() {
    let run = MediaInCowl::start();
    let playing = run.follow(&["metadata", "--format", "{{status}} {{title}}"]);
    run.tap("640", &row_centre(MIDDLE_A_ROW));
    playing.wait_for("the tapped track to play", "Playing Middle A");
    run.playerctl(&["pause"]);
    playing.wait_for("the track to pause", "Paused Middle A");

    // Home: the card, drawn by Cowl from the app's MPRIS, names the track and its artist,
    // with a play button (the player is paused).
    run.bus.cowlctl_ok(&["home"]);
    let (x, y, w, h) = NOW_PLAYING_CARD;
    run.region_settles_on("home-card-now-playing", |image| image.crop(x, y, w, h));

    // Its buttons drive the player.
    run.tap(CARD_PLAY_PAUSE.0, CARD_PLAY_PAUSE.1);
    playing.wait_for("the card's play button to play", "Playing Middle A");
    run.tap(CARD_NEXT.0, CARD_NEXT.1);
    playing
        .lines
        .wait_for("the card's next button to skip", |line| {
            line.starts_with("Playing ") && line != "Playing Middle A"
        });
    // A tap on the card opens the app.
    assert_eq!(run.bus.cowlctl_ok(&["active"]).trim(), "");
    run.tap("120", "230");
    run.compositor
        .wait_for_capture("the media app opened from its card", |image| {
            image.pixel(640, APP_TOP + 640) == DAY_BACKGROUND
        });
    assert_eq!(run.bus.cowlctl_ok(&["active"]).trim(), "org.cowl.Media");
}

#[test]
fn video_plays_parked_and_is_refused_while_driving_while_the_sound_goes_on() {
    let run = MediaInCowl::start();
    // Repeated, so that the four-second clip still plays however long the checks take.
    run.playerctl(&["loop", "Track"]);
    let status = run.follow(&["status"]);
    run.tap("640", &row_centre(VIDEO_ROW));
    status.wait_for("the video to play", "Playing");
    run.compositor
        .wait_for_capture("the video's picture", shows_video);

    run.bus.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "D"]);
    run.bus.cowlctl_ok(&["vehicle", "set", SPEED, "50"]);
    run.compositor.wait_for_capture(
        "the picture replaced while driving",
        shows_video_placeholder,
    );
    let playing = run.playerctl(&["status"]);
    assert_eq!(
        playing,
        "Playing",
        "the sound plays on; the app's log: {:#?}",
        run.log.so_far()
    );
    drop(status);
    // Also under the car's restrictions now: the search field is off, the list is short.
    run.hold_at_start();
    run.settles_on("media-driving");

    run.bus.cowlctl_ok(&["vehicle", "set", SPEED, "0"]);
    run.bus.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "P"]);
    run.compositor
        .wait_for_capture("the picture back once parked", shows_video);
}

#[test]
fn the_app_follows_the_car_once_cowl_comes_onto_the_bus() {
    // The screen's compositor serves no D-Bus; the car's Cowl comes later, on the app's bus
    // (as when Cowl restarts, or the app is started before it).
    let bus = PrivateBus::start();
    let screen = Compositor::start_with_config(
        &[
            "--backend",
            "headless",
            "--renderer",
            "pixman",
            "--output",
            "1280x800",
        ],
        &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")],
        &common::apps_of_this_user(&config()),
    );
    let media = tempfile::tempdir().unwrap();
    copy_media(media.path());
    let (mut app, _log) = spawn_media(&screen, &bus.address, media.path());
    screen.wait_for_capture("the app by night, with no car known", |image| {
        image.pixel(640, APP_TOP + 640) == NIGHT_BACKGROUND
    });

    let _car = Compositor::headless_on_bus(&bus, "640x480", &[], "# every default\n");
    screen.wait_for_capture("the app by day, as the simulated car says", |image| {
        image.pixel(640, APP_TOP + 640) == DAY_BACKGROUND
    });
    let _ = app.kill();
    let _ = app.wait();
}

/// As in the Yocto image: Cowl serves on a bus of its own (there the system bus) that
/// COWL_DBUS_BUS names, with or without a session bus for the app. The car is followed on
/// Cowl's bus; MPRIS is served there too, where the steering-wheel keys come from, and on the
/// session bus where there is one.
fn on_a_head_unit(session_bus: Option<&PrivateBus>) {
    let car_bus = PrivateBus::start();
    let cowl = Compositor::headless_on_bus(
        &car_bus,
        "1280x800",
        &[],
        &common::apps_of_this_user(&config()),
    );
    let media = tempfile::tempdir().unwrap();
    copy_media(media.path());
    let session_address = session_bus.map_or("unix:path=/nonexistent/bus", |bus| &bus.address);
    let (mut app, _log) = spawn_media_with(
        &cowl,
        session_address,
        media.path(),
        &[(cowl_sdk::bus::COWL_BUS_ENV, car_bus.address.as_str())],
    );
    // Without a car the app stays by night; the simulated car on Cowl's bus says day.
    cowl.wait_for_capture("the app by day, as the car on Cowl's bus says", |image| {
        image.pixel(640, APP_TOP + 640) == DAY_BACKGROUND
    });
    if let Some(session_bus) = session_bus {
        assert_eq!(
            cowl_testkit::playerctl::playerctl(session_bus, &["status"], String::new),
            "Stopped"
        );
    }
    // The wheel's play key, decoded by Cowl, reaches the app on Cowl's bus.
    let key = "Vehicle.Cabin.SteeringWheel.MediaKey";
    let state = cowl_testkit::playerctl::follow(&car_bus, &["status"]);
    state.wait_for("the player on Cowl's bus", "Stopped");
    car_bus.cowlctl_ok(&["vehicle", "set", key, "PlayPause"]);
    car_bus.cowlctl_ok(&["vehicle", "set", key, "None"]);
    state.wait_for("play from the wheel", "Playing");
    drop(state);
    let _ = app.kill();
    let _ = app.wait();
}

#[test]
fn on_a_head_unit_without_a_session_bus_the_wheel_keys_reach_mpris_on_cowl_s_bus() {
    on_a_head_unit(None);
}

#[test]
fn on_a_head_unit_with_a_session_bus_mpris_is_on_both() {
    let session_bus = PrivateBus::start();
    on_a_head_unit(Some(&session_bus));
}

#[test]
fn the_head_unit_s_prompts_duck_the_music_and_its_calls_pause_it() {
    let run = MediaInCowl::start();
    let state = run.follow(&["status"]);
    run.playerctl(&["play"]);
    state.wait_for("the music to play", "Playing");
    // The navigation app (here: a bus client of the test's own) speaks through Cowl.
    let navigation = run.bus.connect();
    let shell = zbus::block_on(cowl_sdk::shell::Shell1Proxy::new(&navigation)).expect("Shell1");
    zbus::block_on(shell.request_audio_focus("guidance")).expect("guidance granted");
    run.log.shows("ducked for directions");
    assert_eq!(run.playerctl(&["status"]), "Playing", "ducked, not paused");
    zbus::block_on(shell.abandon_audio_focus()).expect("guidance given back");
    run.log.shows("full volume");
    // A call on the head unit pauses the music; its holder gone, the music comes back.
    zbus::block_on(shell.request_audio_focus("call")).expect("call granted");
    state.wait_for("the music paused for the call", "Paused");
    drop(shell);
    drop(navigation);
    state.wait_for("the music back after the call", "Playing");
}

#[test]
fn the_steering_wheel_keys_drive_the_media_app() {
    let run = MediaInCowl::start();
    let state = run.follow(&["metadata", "--format", "{{status}} {{title}}"]);
    let key = "Vehicle.Cabin.SteeringWheel.MediaKey";
    // Each press goes through Cowl (the car's key, decoded) to the app's MPRIS.
    let press = |name: &str| {
        run.bus.cowlctl_ok(&["vehicle", "set", key, name]);
        run.bus.cowlctl_ok(&["vehicle", "set", key, "None"]);
    };
    press("PlayPause");
    state.wait_for("play from the wheel", "Playing Low Hum");
    press("Next");
    state.wait_for("the next track from the wheel", "Playing Middle A");
    press("PlayPause");
    state.wait_for("pause from the wheel", "Paused Middle A");
}
