//! The shell with real clients, driven as a user drives it: `cowlctl` over a private D-Bus
//! daemon. Home and an explicit split show the right apps, checked on captures (placement
//! itself is tested in-process, `src/tests/`); Shell1 matches its introspection XML and signals app states; activation starts
//! an app that is not running; the screenshot is written by the compositor itself.

use crate::common;

use std::sync::mpsc;
use std::time::Instant;

use common::bus::PrivateBus;
use common::client::TestClient;
use common::{BLUE, Compositor, DEADLINE, GREEN, Image, NIGHT_PANEL, RED};
use cowl_sdk::shell::Shell1Proxy;
use cowl_testkit::config::screen;
use futures_util::StreamExt;

/// 640x480: status bar 0..40, app area 40..400 (360 high), dock 400..480.
fn config() -> String {
    screen("HEADLESS-1")
        .status_bar(40)
        .dock(80)
        .background("#102030")
        .section("[shell]\nsplit_ratio = 0.6")
        .app("org.test.Red", "Red", &[])
        .app("org.test.Green", "Green", &[])
        .app("org.test.Blue", "Blue", &["role = \"split\""])
        .app(
            "org.test.Foot",
            "Terminal",
            &["exec = \"foot --app-id org.test.Foot --override=colors.background=4060a0\""],
        )
        .toml()
}

const NIGHT_TILE: [u8; 3] = [0x1f, 0x29, 0x35];
/// A split at 0.6 of 640: the left app is 384 wide.
const LEFT: usize = 100;
const RIGHT: usize = 600;
const MIDDLE_Y: usize = 220;

fn start(bus: &PrivateBus) -> Compositor {
    start_with(bus, &[])
}

fn start_with(bus: &PrivateBus, extra: &[&str]) -> Compositor {
    Compositor::headless_on_bus(bus, "640x480", extra, &common::apps_of_this_user(&config()))
}

/// Takes the configure the compositor sent after a shell change and draws at its size.
fn redraw(client: &mut TestClient, colour: u32) {
    client
        .queue
        .roundtrip(&mut client.state)
        .expect("roundtrip");
    client.draw(colour);
}

/// The chrome's status bar and dock are in their zones (their left ends are plain panel).
fn chrome_in_place(image: &Image) -> bool {
    image.pixel(2, 2) == NIGHT_PANEL && image.pixel(2, 478) == NIGHT_PANEL
}

fn shows(left: [u8; 3], right: [u8; 3]) -> impl Fn(&Image) -> bool {
    move |image| {
        image.pixel(LEFT, MIDDLE_Y) == left
            && image.pixel(RIGHT, MIDDLE_Y) == right
            && chrome_in_place(image)
    }
}

/// The home view: the first tile of the 3x2 grid of 144-pixel tiles at (76, 62), and no app.
fn shows_home(image: &Image) -> bool {
    let no_app = |pixel: [u8; 3]| ![RED, GREEN, BLUE].contains(&pixel);
    image.pixel(86, 134) == NIGHT_TILE
        && no_app(image.pixel(LEFT, MIDDLE_Y))
        && no_app(image.pixel(RIGHT, MIDDLE_Y))
        && chrome_in_place(image)
}

/// Shell1 as cowlctl drives it, end to end: the views change on screen and the active app
/// is reported. Where each app lands, at which size, is checked exactly in-process
/// (`src/tests/placement.rs`).
#[test]
fn cowlctl_switches_the_views_on_screen() {
    let bus = PrivateBus::start();
    let compositor = start(&bus);

    let mut red = TestClient::showing(&compositor, "org.test.Red", 0xff0000);
    let mut green = TestClient::showing(&compositor, "org.test.Green", 0x00ff00);
    compositor.wait_for_capture("green over red", shows(GREEN, GREEN));
    assert_eq!(bus.cowlctl_ok(&["active"]), "org.test.Green\n");

    bus.cowlctl_ok(&["home"]);
    compositor.wait_for_capture("the home view", shows_home);
    assert_eq!(bus.cowlctl_ok(&["active"]), "");

    bus.cowlctl_ok(&["split", "org.test.Green", "org.test.Red"]);
    redraw(&mut green, 0x00ff00);
    redraw(&mut red, 0xff0000);
    compositor.wait_for_capture("green beside red", shows(GREEN, RED));
    let apps = bus.cowlctl_ok(&["apps"]);
    assert!(
        apps.lines()
            .any(|line| line.starts_with("* org.test.Green") && line.contains("running")),
        "{apps}"
    );

    // Refusals explain themselves, and change nothing.
    let unknown = bus.cowlctl(&["activate", "org.test.Nope"]);
    assert!(!unknown.status.success());
    let message = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        message.contains("no app \"org.test.Nope\""),
        "unexpected message: {message}"
    );
    let same = bus.cowlctl(&["split", "org.test.Red", "org.test.Red"]);
    assert!(String::from_utf8_lossy(&same.stderr).contains("two different apps"));
    compositor.wait_for_capture("the split unchanged", shows(GREEN, RED));
}

#[test]
fn activating_a_stopped_app_starts_it_and_the_screenshot_shows_it() {
    let bus = PrivateBus::start();
    let compositor = start(&bus);
    bus.cowlctl_ok(&["activate", "org.test.Foot"]);
    let foot_blue = [0x40, 0x60, 0xa0];
    compositor.wait_for_capture("foot started and shown", |image| {
        image.pixel(RIGHT, MIDDLE_Y) == foot_blue && chrome_in_place(image)
    });

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("shot.png");
    let printed = bus.cowlctl_ok(&["screenshot", path.to_str().expect("utf-8 path")]);
    assert_eq!(printed.trim(), path.display().to_string());
    let shot = Image::read_png(&path).expect("the screenshot exists once cowlctl returns");
    assert_eq!((shot.width, shot.height), (640, 480));
    assert_eq!(shot.pixel(RIGHT, MIDDLE_Y), foot_blue);
    assert_eq!(shot.pixel(2, 2), NIGHT_PANEL);
}

#[test]
fn the_d_bus_apis_match_their_xml_and_shell1_signals_app_states() {
    let bus = PrivateBus::start();
    let compositor = start_with(&bus, &["--debug-input"]);
    let connection = bus.connect();

    let introspect = |path: &'static str| {
        zbus::block_on(async {
            let introspectable = zbus::fdo::IntrospectableProxy::builder(&connection)
                .destination("org.cowl.Shell")
                .path(path)
                .build()
                .await?;
            introspectable.introspect().await.map_err(zbus::Error::from)
        })
        .expect("introspect")
    };
    for (path, name) in [
        ("/org/cowl/Shell", "org.cowl.Shell1"),
        ("/org/cowl/Debug", "org.cowl.Debug1"),
        ("/org/cowl/Vehicle", "org.cowl.Vehicle1"),
    ] {
        let committed = std::fs::read_to_string(format!(
            "{}/../assets/dbus/{name}.xml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("read the committed XML");
        assert_eq!(
            common::bus::normalized_interface(&introspect(path), name),
            common::bus::normalized_interface(&committed, name),
            "the served {name} differs from assets/dbus/{name}.xml"
        );
    }

    // Signals arrive on a thread of their own; the test waits for them with a deadline.
    let (sender, signals) = mpsc::channel();
    let listener = connection.clone();
    let (subscribed, ready) = mpsc::channel();
    std::thread::spawn(move || {
        zbus::block_on(async move {
            let shell = Shell1Proxy::new(&listener).await?;
            let mut stream = shell.receive_app_state_changed().await?;
            let _ = subscribed.send(());
            while let Some(signal) = stream.next().await {
                let args = signal.args()?;
                if sender
                    .send((args.app_id().clone(), args.state().clone()))
                    .is_err()
                {
                    break;
                }
            }
            zbus::Result::Ok(())
        })
    });
    ready.recv_timeout(DEADLINE).expect("subscribed to signals");
    let wait_for = |app: &str, state: &str| {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match signals.recv_timeout(left) {
                Ok((id, got)) if id == app && got == state => return,
                Ok(_) => continue,
                Err(_) => compositor.fail(&format!("no AppStateChanged({app}, {state})")),
            }
        }
    };

    let red = TestClient::showing(&compositor, "org.test.Red", 0xff0000);
    wait_for("org.test.Red", "running");
    let apps = zbus::block_on(async { Shell1Proxy::new(&connection).await?.apps().await })
        .expect("read Apps");
    assert!(apps.contains(&("org.test.Red".into(), "Red".into(), "running".into())));
    assert!(apps.contains(&("org.test.Green".into(), "Green".into(), "stopped".into())));

    drop(red);
    wait_for("org.test.Red", "stopped");
}

#[test]
fn audio_focus_goes_to_the_strongest_holder_and_back_when_holders_leave() {
    let bus = PrivateBus::start();
    let compositor = start(&bus);
    let focus = bus.audio_focus_changes();
    let hears = |value: &str| {
        if let Err(err) = focus.becomes(value) {
            compositor.fail(&err);
        }
    };
    let call = |connection: &zbus::Connection, kind: Option<&str>| {
        zbus::block_on(async {
            let shell = Shell1Proxy::new(connection).await?;
            match kind {
                Some(kind) => shell.request_audio_focus(kind).await,
                None => shell.abandon_audio_focus().await,
            }
        })
    };

    // The navigation app speaks; a call comes in over it and ends.
    let navigation = bus.connect();
    call(&navigation, Some("guidance")).expect("guidance granted");
    hears("guidance");
    let phone = bus.connect();
    call(&phone, Some("call")).expect("call granted");
    hears("call");
    call(&phone, None).expect("call given back");
    hears("guidance");

    // Nonsense is refused and changes nothing.
    for kind in ["none", "karaoke"] {
        match call(&phone, Some(kind)) {
            Err(zbus::Error::MethodError(name, _, _)) => {
                assert_eq!(name.as_str(), "org.cowl.Shell1.Error.InvalidArgs")
            }
            other => panic!("{kind:?}: {other:?}"),
        }
    }

    // An app that leaves the bus (or crashes) while speaking gives its focus back.
    drop(navigation);
    hears("none");
}

#[test]
fn cowlctl_says_when_cowl_is_not_running() {
    let bus = PrivateBus::start();
    let output = bus.cowlctl(&["apps"]);
    assert!(!output.status.success());
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("Cowl is not running on the session bus"),
        "unexpected message: {message}"
    );
}
