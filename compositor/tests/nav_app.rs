//! cowl-nav (apps/navigation) inside Cowl, as a driver meets it: placed by its app_id, its
//! map drawn with wgpu (on lavapipe here), guidance started from the places list or by a
//! long press on the map through Cowl's touch path, and the demo drive's GNSS track followed
//! along Helsinki's streets. Checked on captures (the map's ground, the next-maneuver banner
//! and the route line in their exact colours), on what the app says it speaks, and on
//! Cowl's audio focus while it speaks.

use crate::common;

use std::path::Path;
use std::process::{Child, Stdio};

use common::bus::PrivateBus;
use common::drive::{STEPPED_DRIVE_ARGS, SteppedDrive};
use common::{Compositor, Image};
use cowl_testkit::LogLines;

/// The app's zone starts below the status bar (`common::one_app_config`).
const APP_TOP: usize = 48;
/// In the places panel: the search field's middle, and the first place's row.
const SEARCH_FIELD: (usize, usize) = (600, APP_TOP + 51);
const FIRST_PLACE_Y: usize = APP_TOP + 118;
/// Where the panel's rows run out while the car limits the list to a few.
const BELOW_A_SHORT_LIST: (usize, usize, usize, usize) = (20, APP_TOP + 512, 1160, 100);
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
        NavInCowl::launch(&["--debug-input"], args, "")
    }

    /// Cowl with `cowl_args` (its car: the simulator unless they say otherwise) and
    /// `extra_config`, and the app with `app_args`.
    fn launch(cowl_args: &[&str], app_args: &[&str], extra_config: &str) -> NavInCowl {
        let bus = PrivateBus::start();
        let config = common::one_app_config("org.cowl.Navigation", "Navigation", "navigation")
            + extra_config;
        let compositor = Compositor::headless_on_bus(
            &bus,
            "1280x800",
            cowl_args,
            &common::apps_of_this_user(&config),
        );
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

    /// Opens the places list (its button tops the column at the right edge) and taps the
    /// first place: guidance starts.
    fn route_to_the_first_place(&self) {
        self.bus
            .cowlctl_ok(&["tap", "1235", &(APP_TOP + 44).to_string()]);
        self.compositor
            .wait_for_capture("the places list", |image| {
                image.pixel(300, APP_TOP + 200) == [0xff, 0xff, 0xff]
            });
        self.bus
            .cowlctl_ok(&["tap", "300", &FIRST_PLACE_Y.to_string()]);
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
fn a_place_from_the_list_starts_guidance_with_a_banner_that_lists_the_maneuvers() {
    let run = NavInCowl::start();
    // The places button tops the column of buttons at the right edge.
    run.bus
        .cowlctl_ok(&["tap", "1235", &(APP_TOP + 44).to_string()]);
    let list = run.compositor.wait_for_capture("the places list", |image| {
        // A white panel from the left edge: its rows, under the search field.
        image.pixel(300, APP_TOP + 200) == [0xff, 0xff, 0xff]
            && image.pixel(300, APP_TOP + 400) == [0xff, 0xff, 0xff]
            && image.pixel(SEARCH_FIELD.0, SEARCH_FIELD.1) == GROUND
    });
    assert_eq!(count(&list, BANNER), 0, "no banner before a route");
    run.bus
        .cowlctl_ok(&["tap", "300", &FIRST_PLACE_Y.to_string()]);
    let list_of_maneuvers =
        |image: &Image| image.is_filled(700, APP_TOP + 150, 400, 400, [0xff; 3]);
    run.compositor
        .wait_for_capture("the banner and the route", |image| {
            count(image, BANNER) > 20_000 && count(image, ROUTE) > 500 && !list_of_maneuvers(image)
        });
    // A tap on the banner lists the maneuvers to come; another closes the list.
    let banner = ["tap", "640", &(APP_TOP + 60).to_string()];
    run.bus.cowlctl_ok(&banner);
    run.compositor
        .wait_for_capture("the maneuvers to come", list_of_maneuvers);
    run.bus.cowlctl_ok(&banner);
    run.compositor.wait_for_capture("the map again", |image| {
        !list_of_maneuvers(image) && count(image, ROUTE) > 500
    });
}

/// The navigation card of this head unit's home view (the app area 0,48 1280x672 holds it,
/// twice as wide as the phone's and the temperature's cards, 22 pixels apart, 200 high).
fn navigation_card(image: &Image) -> Image {
    image.crop(22, 70, 596, 200)
}

/// The home view is on screen: no map anywhere.
fn home_shown(image: &Image) -> bool {
    count(image, GROUND) == 0 && image.pixel(10, 600) != image.pixel(100, 100)
}

#[test]
fn the_guidance_is_served_on_cowl_s_bus_and_the_home_card_shows_the_next_turn() {
    let run = NavInCowl::start();
    run.bus.cowlctl_ok(&["home"]);
    let no_route = run.compositor.wait_for_capture("the home view", home_shown);

    // A route from the places list.
    run.bus.cowlctl_ok(&["activate", "org.cowl.Navigation"]);
    run.route_to_the_first_place();
    run.compositor
        .wait_for_capture("the banner", |image| count(image, BANNER) > 20_000);

    // What the app serves is exactly the committed contract, and says it guides.
    let connection = run.bus.connect();
    let (served, guidance) = zbus::block_on(async {
        let introspectable = zbus::fdo::IntrospectableProxy::builder(&connection)
            .destination(cowl_sdk::guidance::GUIDANCE_NAME)
            .path(cowl_sdk::guidance::GUIDANCE_PATH)
            .build()
            .await?;
        let served: String = introspectable.introspect().await?;
        let proxy = cowl_sdk::guidance::Guidance1Proxy::new(&connection).await?;
        let guidance = (
            proxy.active().await?,
            proxy.instruction().await?,
            proxy.maneuver_distance().await?,
            proxy.remaining_time().await?,
            proxy.desktop_entry().await?,
        );
        Ok::<_, zbus::Error>((served, guidance))
    })
    .expect("read org.cowl.Guidance1 from cowl-nav");
    assert_eq!(
        common::bus::normalized_interface(&served, "org.cowl.Guidance1"),
        common::bus::normalized_interface(
            &common::bus::committed_interface("org.cowl.Guidance1"),
            "org.cowl.Guidance1"
        ),
        "cowl-nav's org.cowl.Guidance1 differs from assets/dbus/org.cowl.Guidance1.xml"
    );
    let (active, instruction, distance, time_left, app) = guidance.clone();
    assert!(active && !instruction.is_empty(), "{guidance:?}");
    assert!(distance > 0.0 && time_left > 0, "{guidance:?}");
    assert_eq!(app, "org.cowl.Navigation");

    // Home: Cowl's card shows the next turn, no longer "No route"; a tap on it opens the map.
    run.bus.cowlctl_ok(&["home"]);
    run.compositor
        .wait_for_capture("the next turn on the navigation card", |image| {
            home_shown(image) && navigation_card(image) != navigation_card(&no_route)
        });
    run.bus.cowlctl_ok(&["tap", "200", "170"]);
    run.compositor
        .wait_for_capture("the map opened from its card", |image| {
            count(image, GROUND) > 50_000
        });
    assert_eq!(
        run.bus.cowlctl_ok(&["active"]).trim(),
        "org.cowl.Navigation"
    );
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
fn by_night_and_moving_the_places_list_is_short_and_has_no_search_field() {
    use cowl_sdk::vehicle::names::{CURRENT_GEAR, DAY_NIGHT, SPEED};
    let run = NavInCowl::start();
    run.bus.cowlctl_ok(&["vehicle", "set", DAY_NIGHT, "NIGHT"]);
    run.compositor.wait_for_capture("the night map", |image| {
        count(image, NIGHT_GROUND) > 50_000 && count(image, GROUND) == 0
    });

    run.bus
        .cowlctl_ok(&["tap", "1235", &(APP_TOP + 44).to_string()]);
    let (x, y, width, height) = BELOW_A_SHORT_LIST;
    run.compositor
        .wait_for_capture("the places list and its search, by night", |image| {
            image.pixel(300, APP_TOP + 200) == NIGHT_PANEL
                && image.pixel(SEARCH_FIELD.0, SEARCH_FIELD.1) == NIGHT_GROUND
                && !image.is_filled(x, y, width, height, NIGHT_PANEL)
        });
    // Moving off: no typing, and a few places only (the list stays, for a quick pick).
    run.bus.cowlctl_ok(&["vehicle", "set", CURRENT_GEAR, "D"]);
    run.bus.cowlctl_ok(&["vehicle", "set", SPEED, "30"]);
    run.compositor
        .wait_for_capture("a short list without search while moving", |image| {
            image.pixel(SEARCH_FIELD.0, SEARCH_FIELD.1) == NIGHT_PANEL
                && image.pixel(300, APP_TOP + 200) == NIGHT_PANEL
                && image.is_filled(x, y, width, height, NIGHT_PANEL)
        });
}

#[test]
fn a_simulated_drive_is_guided_aloud_holding_the_guidance_audio_focus() {
    let run = NavInCowl::start_with(&["--simulate"]);
    let focus = run.bus.audio_focus_changes();
    run.route_to_the_first_place();
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
    let run = NavInCowl::launch(&STEPPED_DRIVE_ARGS, &["--destination", "Amos Rex"], "");
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

/// wvkbd at -L 200 on the 1280x800 panel: six 40-pixel rows from y 560.
const OSK: &str = "
[osk]
exec = \"wvkbd-mobintl --hidden -L 200\"
show_signal = \"SIGUSR2\"
hide_signal = \"SIGUSR1\"
";
const K_KEY: (&str, &str) = ("1037", "700");
const I_KEY: (&str, &str) = ("976", "660");
const A_KEY: (&str, &str) = ("183", "700");

/// The keyboard covers the dock (the chrome's night panel) at both its ends.
fn osk_shown(image: &Image) -> bool {
    image.pixel(20, 770) != common::NIGHT_PANEL && image.pixel(1270, 790) != common::NIGHT_PANEL
}

#[test]
fn a_place_is_found_by_typing_on_cowl_s_keyboard_while_parked() {
    let run = NavInCowl::launch(&["--debug-input"], &[], OSK);
    run.bus
        .cowlctl_ok(&["tap", "1235", &(APP_TOP + 44).to_string()]);
    // The second row holds a place until the search leaves one.
    let second_row = |image: &Image| image.is_filled(20, APP_TOP + 160, 1160, 50, [0xff; 3]);
    run.compositor.wait_for_capture("the places list", |image| {
        image.pixel(SEARCH_FIELD.0, SEARCH_FIELD.1) == GROUND && !second_row(image)
    });
    run.bus.cowlctl_ok(&[
        "tap",
        &SEARCH_FIELD.0.to_string(),
        &SEARCH_FIELD.1.to_string(),
    ]);
    run.compositor
        .wait_for_capture("the on-screen keyboard under the list", osk_shown);
    for (x, y) in [K_KEY, I_KEY, A_KEY] {
        run.bus.cowlctl_ok(&["tap", x, y]);
    }
    // "kia": Kiasma alone.
    run.compositor.wait_for_capture("one place found", |image| {
        second_row(image) && osk_shown(image)
    });
    run.bus
        .cowlctl_ok(&["tap", "300", &FIRST_PLACE_Y.to_string()]);
    run.compositor
        .wait_for_capture("guidance to it, and the keyboard gone", |image| {
            count(image, BANNER) > 20_000 && count(image, ROUTE) > 500 && !osk_shown(image)
        });
}
