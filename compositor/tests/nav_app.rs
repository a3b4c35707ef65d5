//! cowl-nav (apps/navigation) inside Cowl, as a driver meets it: placed by its app_id, its
//! map drawn with wgpu (on lavapipe here), guidance started from the places list or by a
//! long press on the map through Cowl's touch path, and the demo drive's GNSS track followed
//! along Helsinki's streets. Checked on captures (the map's ground, the next-maneuver banner
//! and the route line in their exact colours), on what the app says it speaks, and on
//! Cowl's audio focus while it speaks.

mod common;

use std::path::Path;
use std::process::{Child, Stdio};

use common::bus::PrivateBus;
use common::drive::{STEPPED_DRIVE_ARGS, SteppedDrive};
use common::log::LogLines;
use common::{Compositor, Image};

/// The app's zone starts below the status bar (`common::one_app_config`).
const APP_TOP: usize = 48;
/// The map's day ground, the banner, the route's fill (sRGB, as the app draws them).
const GROUND: [u8; 3] = [0xf2, 0xef, 0xe9];
const BANNER: [u8; 3] = [0x0b, 0x5b, 0x3c];
const ROUTE: [u8; 3] = [0x1a, 0x73, 0xe8];
/// The night map's ground and the places panel by night.
const NIGHT_GROUND: [u8; 3] = [0x16, 0x1b, 0x22];
const NIGHT_PANEL: [u8; 3] = [0x20, 0x28, 0x33];

fn count(image: &Image, colour: [u8; 3]) -> usize {
    image
        .rgb
        .chunks_exact(3)
        .filter(|pixel| **pixel == colour)
        .count()
}

struct NavInCowl {
    bus: PrivateBus,
    compositor: Compositor,
    app: Child,
    /// The app's log lines, as they come.
    log: LogLines,
}

impl NavInCowl {
    fn start() -> NavInCowl {
        NavInCowl::start_with(&[])
    }

    /// The app with `args` besides its map, its prompts and a silent sink.
    fn start_with(args: &[&str]) -> NavInCowl {
        NavInCowl::launch(&["--debug-input"], args)
    }

    /// Cowl with `cowl_args` (its car: the simulator unless they say otherwise), and the app
    /// with `app_args`.
    fn launch(cowl_args: &[&str], app_args: &[&str]) -> NavInCowl {
        let bus = PrivateBus::start();
        let config = common::one_app_config("org.cowl.Navigation", "Navigation", "navigation");
        let compositor = Compositor::headless_on_bus(&bus, "1280x800", cowl_args, &config);
        let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets");
        let mut app = compositor
            .command(common::app_binary("cowl-nav").to_str().expect("utf-8 path"))
            .arg("--map")
            .arg(assets.join("map/helsinki.cowlmap"))
            .arg("--prompts")
            .arg(assets.join("voice/prompts"))
            .args(["--audio-sink", "fakesink sync=true"])
            .args(app_args)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start cowl-nav");
        let log = LogLines::of(&mut app);
        let run = NavInCowl {
            bus,
            compositor,
            app,
            log,
        };
        let routed = app_args.contains(&"--destination");
        run.compositor
            .wait_for_capture("the map, with no route unless asked", |image| {
                count(image, GROUND) > 50_000 && (routed || count(image, ROUTE) == 0)
            });
        run
    }

    fn touch(&self, kind: &str, x: usize, y: usize) {
        self.bus
            .cowlctl_ok(&["touch", kind, &x.to_string(), &y.to_string()]);
    }
}

impl Drop for NavInCowl {
    fn drop(&mut self) {
        let _ = self.app.kill();
        let _ = self.app.wait();
    }
}

#[test]
fn a_place_from_the_list_starts_guidance_with_a_banner_and_the_route() {
    let run = NavInCowl::start();
    // The places button tops the column of buttons at the right edge.
    run.bus
        .cowlctl_ok(&["tap", "1235", &(APP_TOP + 44).to_string()]);
    let list = run.compositor.wait_for_capture("the places list", |image| {
        // A white panel from the left edge: its rows.
        image.pixel(300, APP_TOP + 200) == [0xff, 0xff, 0xff]
            && image.pixel(300, APP_TOP + 400) == [0xff, 0xff, 0xff]
    });
    assert_eq!(count(&list, BANNER), 0, "no banner before a route");
    run.bus
        .cowlctl_ok(&["tap", "300", &(APP_TOP + 56).to_string()]);
    run.compositor
        .wait_for_capture("the banner and the route", |image| {
            count(image, BANNER) > 20_000 && count(image, ROUTE) > 500
        });
}

#[test]
fn a_long_press_on_the_map_picks_the_destination() {
    let run = NavInCowl::start();
    // Held until the route shows: the press is long because the finger stays down.
    run.touch("down", 400, APP_TOP + 450);
    run.compositor
        .wait_for_capture("a route to the pressed point", |image| {
            count(image, ROUTE) > 500 && count(image, BANNER) > 20_000
        });
    run.touch("up", 400, APP_TOP + 450);
}

#[test]
fn the_map_follows_the_car_into_the_night_and_closes_the_list_when_moving_off() {
    use cowl_sdk::vehicle::names::{CURRENT_GEAR, DAY_NIGHT, SPEED};
    let run = NavInCowl::start();
    run.bus.cowlctl_ok(&["vehicle", "set", DAY_NIGHT, "NIGHT"]);
    run.compositor.wait_for_capture("the night map", |image| {
        count(image, NIGHT_GROUND) > 50_000 && count(image, GROUND) == 0
    });

    run.bus
        .cowlctl_ok(&["tap", "1235", &(APP_TOP + 44).to_string()]);
    run.compositor
        .wait_for_capture("the places list, by night", |image| {
            image.pixel(300, APP_TOP + 200) == NIGHT_PANEL
        });
    // Moving off: long lists are for when the car stands.
    run.bus.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "D"]);
    run.bus.cowlctl_ok(&["vehicle", "set", SPEED, "30"]);
    run.compositor
        .wait_for_capture("the list closed while moving", |image| {
            image.pixel(300, APP_TOP + 200) != NIGHT_PANEL && count(image, NIGHT_GROUND) > 50_000
        });
}

#[test]
fn a_simulated_drive_is_guided_aloud_holding_the_guidance_audio_focus() {
    let run = NavInCowl::start_with(&["--simulate"]);
    let focus = run.bus.audio_focus_changes();
    run.bus
        .cowlctl_ok(&["tap", "1235", &(APP_TOP + 44).to_string()]);
    run.compositor.wait_for_capture("the places list", |image| {
        image.pixel(300, APP_TOP + 200) == [0xff, 0xff, 0xff]
    });
    run.bus
        .cowlctl_ok(&["tap", "300", &(APP_TOP + 56).to_string()]);
    // The simulated car drives at 12 m/s: the first maneuver's prompts within seconds.
    run.log.shows("prompt spoken prompt=\"prepare-");
    // Cowl's AudioFocus (what the media app ducks for) was guidance while it spoke.
    let fail = |err: String| run.compositor.fail(&err);
    focus.becomes("guidance").unwrap_or_else(fail);
    focus.becomes("none").unwrap_or_else(fail);
    run.log.shows("prompt spoken prompt=\"now-");
    focus.becomes("guidance").unwrap_or_else(fail);
}

#[test]
fn the_demo_drive_is_guided_along_helsinki_streets_from_the_car_s_gnss() {
    // The demo car's drive, stepped: its GNSS track runs west on Pohjoisesplanadi, stops at
    // the light before Mannerheimintie (186 m on), turns right onto it, and loses GNSS in a
    // tunnel at 44 s.
    let run = NavInCowl::launch(&STEPPED_DRIVE_ARGS, &["--destination", "Amos Rex"]);
    let mut drive = SteppedDrive::new(&run.bus);
    // Until the car's position is known, the museum is routed to from the map's centre.
    run.compositor
        .wait_for_capture("a route before the car's position", |image| {
            count(image, ROUTE) > 500 && count(image, BANNER) > 20_000
        });
    drive.to(1.0);
    run.log.shows("the car's position");
    // Less than 200 m before the turn: prepared for it at once.
    run.log.shows("prompt spoken prompt=\"prepare-right\"");
    // At the light, 19 m before the turn.
    drive.to(30.0);
    let said = run.log.shows("prompt spoken prompt=\"now-right\"");
    // Turned onto Mannerheimintie, then into the tunnel: carried on without GNSS.
    drive.to(43.0);
    drive.to(46.0);
    let said = [said, run.log.shows("reckoning along the route")].concat();
    let strays: Vec<_> = said
        .iter()
        .filter(|line| line.contains("off the route") || line.contains("reroute"))
        .collect();
    assert!(strays.is_empty(), "the car left the route: {strays:#?}");
}
