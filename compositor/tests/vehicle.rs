//! The car on org.cowl.Vehicle1: the simulator driven by `cowlctl vehicle set`, the demo
//! drive replayed through the real decoder (parked, driving, reversing, parked again), and a
//! bus that falls silent, whose values go stale until everything is restricted. Checked on
//! the PropertiesChanged signals a D-Bus client receives and on `cowlctl vehicle`.

use crate::common;

use std::sync::mpsc;
use std::time::Instant;

use common::bus::PrivateBus;
use common::drive::DEMO_DRIVE;
use common::{Compositor, DEADLINE};
use cowl_sdk::vehicle::Vehicle1Proxy;
use cowl_sdk::vehicle::names::CURRENT_GEAR as GEAR;
use futures_util::StreamExt;

/// A driving state as a client sees it change, with the gear and restrictions read then.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    state: String,
    gear: Option<String>,
    restrictions: u32,
}

/// Follows DrivingState from the first value on; the test waits on the receiver.
fn watch(bus: &PrivateBus) -> mpsc::Receiver<Seen> {
    let connection = bus.connect();
    let (sender, seen) = mpsc::channel();
    let (subscribed, ready) = mpsc::channel();
    std::thread::spawn(move || {
        zbus::block_on(async move {
            let vehicle = Vehicle1Proxy::new(&connection).await?;
            let reader = Vehicle1Proxy::builder(&connection)
                .cache_properties(zbus::proxy::CacheProperties::No)
                .build()
                .await?;
            let mut changes = vehicle.receive_driving_state_changed().await;
            let _ = subscribed.send(());
            // The state at subscription, then every change.
            let mut next = Some(reader.driving_state().await?);
            loop {
                let state = match next.take() {
                    Some(state) => state,
                    None => match changes.next().await {
                        Some(change) => change.get().await?,
                        None => break,
                    },
                };
                let gear = reader
                    .values()
                    .await?
                    .get(GEAR)
                    .and_then(|value| match &**value {
                        zbus::Variant::Str(gear) => Some(gear.to_string()),
                        _ => None,
                    });
                let restrictions = reader.ux_restrictions().await?;
                let seen = Seen {
                    state,
                    gear,
                    restrictions,
                };
                if sender.send(seen).is_err() {
                    break;
                }
            }
            zbus::Result::Ok(())
        })
    });
    ready
        .recv_timeout(DEADLINE)
        .expect("subscribed to DrivingState");
    seen
}

/// Waits for a driving state; returns what was seen on the way, that one last.
fn wait_for(compositor: &Compositor, seen: &mpsc::Receiver<Seen>, state: &str) -> Vec<Seen> {
    let deadline = Instant::now() + DEADLINE;
    let mut way = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match seen.recv_timeout(left) {
            Ok(got) => {
                let done = got.state == state;
                way.push(got);
                if done {
                    return way;
                }
            }
            Err(_) => compositor.fail(&format!("DrivingState never became {state}: {way:?}")),
        }
    }
}

/// A status bar along the top, 40 pixels: gear, speed and temperature on its right.
const STATUS_BAR: &str = "[[outputs]]\nname = \"HEADLESS-1\"\n[outputs.layout]\nstatus_bar = { edge = \"top\", size = 40 }\n";

#[test]
fn the_simulator_is_driven_by_cowlctl_and_restrictions_follow() {
    let bus = PrivateBus::start();
    let compositor =
        Compositor::headless_on_bus(&bus, "640x480", &["--vehicle", "sim"], STATUS_BAR);
    let readouts = |image: &common::Image| image.crop(320, 0, 320, 40);
    let before = compositor.wait_for_capture("the status bar", |image| {
        readouts(image).distinct_colours(0, 0, 320, 40) > 2
    });
    let seen = watch(&bus);
    let parked = wait_for(&compositor, &seen, "parked");
    assert_eq!(parked.last().map(|s| s.restrictions), Some(0));

    bus.cowlctl_ok(&["vehicle", "set", GEAR, "R"]);
    let idling = wait_for(&compositor, &seen, "idling");
    assert_eq!(idling.last().map(|s| s.restrictions), Some(16), "no video");
    bus.cowlctl_ok(&["vehicle", "set", "Vehicle.Speed", "-3.5"]);
    let moving = wait_for(&compositor, &seen, "moving");
    assert_eq!(moving.last().map(|s| s.restrictions), Some(511));
    // The status bar shows the new gear and speed.
    compositor.wait_for_capture("the status bar's readouts changed", |image| {
        readouts(image).rgb != readouts(&before).rgb
    });
    bus.cowlctl_ok(&["vehicle", "set", GEAR, "P"]);
    wait_for(&compositor, &seen, "parked");

    let shown = bus.cowlctl_ok(&["vehicle"]);
    assert!(shown.contains("driving state: parked"), "{shown}");
    assert!(shown.contains("Vehicle.Speed = -3.5"), "{shown}");
    assert!(shown.contains(&format!("{GEAR} = P")), "{shown}");

    for (args, message) in [
        (
            ["vehicle", "set", "Vehicle.Nope", "1"],
            "no vehicle property is named",
        ),
        (
            ["vehicle", "set", "Vehicle.Speed", "fast"],
            "is not a double value",
        ),
    ] {
        let output = bus.cowlctl(&args);
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{stderr}");
    }
}

#[test]
fn the_demo_drive_replays_from_park_through_town_and_reverse_to_park() {
    let bus = PrivateBus::start();
    let log = DEMO_DRIVE;
    // Eight times real time: the 80 s drive in 10 s.
    let compositor = Compositor::headless_on_bus(
        &bus,
        "640x480",
        &["--replay", log],
        "[vehicle]\nreplay_speed = 8.0\n",
    );
    let seen = watch(&bus);
    let mut way = wait_for(&compositor, &seen, "moving");
    way.extend(wait_for(&compositor, &seen, "parked"));
    let states: Vec<&str> = way.iter().map(|seen| seen.state.as_str()).collect();
    // The end of the drive: stopped in D, reversing in R, stopped, parked in P.
    let tail: Vec<(&str, Option<&str>)> = way[way.len() - 4..]
        .iter()
        .map(|seen| (seen.state.as_str(), seen.gear.as_deref()))
        .collect();
    assert_eq!(
        tail,
        [
            ("idling", Some("D")),
            ("moving", Some("R")),
            ("idling", Some("R")),
            ("parked", Some("P"))
        ],
        "{states:?}"
    );
    assert_eq!(way.last().map(|s| s.restrictions), Some(0));

    let refused = bus.cowlctl(&["vehicle", "set", GEAR, "P"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("only when cowl runs with --vehicle sim"),
        "{stderr}"
    );
}

#[test]
fn a_bus_that_falls_silent_goes_unknown_and_fully_restricted() {
    let bus = PrivateBus::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("silent.log");
    // Two seconds of driving at 30 km/h in D, then nothing for a minute (one frame at the
    // end keeps the replay running).
    let mut text = String::from("(100.000000) can0 320#0000\n");
    for tick in 0..20 {
        text.push_str(&format!(
            "(101.{:06}) can0 123#33\n(101.{:06}) can0 100#B80B010000000000\n",
            tick * 50_000,
            tick * 50_000
        ));
    }
    text.push_str("(160.000000) can0 320#0000\n");
    std::fs::write(&log, text).expect("write the log");
    let compositor = Compositor::headless_on_bus(
        &bus,
        "640x480",
        &["--replay", log.to_str().expect("utf-8")],
        "# defaults\n",
    );
    let seen = watch(&bus);
    wait_for(&compositor, &seen, "moving");
    let silent = wait_for(&compositor, &seen, "unknown");
    assert_eq!(silent.last().map(|s| s.restrictions), Some(511));
    let shown = bus.cowlctl_ok(&["vehicle"]);
    assert!(
        !shown.contains("Vehicle.Speed"),
        "a stale speed is not shown: {shown}"
    );
}

#[test]
fn without_socketcan_cowl_says_so_and_runs_on_fully_restricted() {
    let bus = PrivateBus::start();
    let compositor =
        Compositor::headless_on_bus(&bus, "640x480", &["--vehicle", "can"], "# defaults\n");
    let seen = watch(&bus);
    let unknown = wait_for(&compositor, &seen, "unknown");
    assert_eq!(unknown.last().map(|s| s.restrictions), Some(511));
    // This machine's kernel has no AF_CAN ("unavailable"); one with it has no can0 ("down").
    let connection = bus.connect();
    let states = zbus::block_on(async {
        Vehicle1Proxy::builder(&connection)
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .await?
            .bus_states()
            .await
    })
    .expect("BusStates");
    let can0 = states.get("can0").map(String::as_str);
    assert!(matches!(can0, Some("unavailable" | "down")), "{states:?}");
    compositor.assert_logged("SocketCAN unavailable: can0");
}

#[test]
fn a_stepped_replay_plays_exactly_the_frames_a_test_asks_for() {
    let bus = PrivateBus::start();
    let log = DEMO_DRIVE;
    let compositor = Compositor::headless_on_bus(
        &bus,
        "640x480",
        &["--replay", log, "--replay-stepped", "--debug-input"],
        "# defaults\n",
    );
    let seen = watch(&bus);
    let connection = bus.connect();
    let debug = zbus::block_on(cowl_sdk::shell::Debug1Proxy::new(&connection)).expect("Debug1");
    let step = |count: u32| zbus::block_on(debug.replay_step(count)).expect("ReplayStep");

    // Nothing plays by itself; the first four frames (t = 0) park the car.
    wait_for(&compositor, &seen, "unknown");
    assert_eq!(step(4), 4);
    let parked = wait_for(&compositor, &seen, "parked");
    assert_eq!(parked.last().and_then(|s| s.gear.as_deref()), Some("P"));

    // Up to and including the first frame that selects D: idling in D.
    let lines = std::fs::read_to_string(log).expect("the log");
    let first_d = lines
        .lines()
        .position(|line| line.contains(" 123#33"))
        .expect("a frame in D") as u32;
    assert_eq!(step(first_d + 1 - 4), first_d + 1 - 4);
    let idling = wait_for(&compositor, &seen, "idling");
    assert_eq!(idling.last().and_then(|s| s.gear.as_deref()), Some("D"));

    // The end of the log: fewer frames than asked for.
    let total = lines.lines().count() as u32;
    assert_eq!(step(100_000), total - first_d - 1);
    assert_eq!(step(1), 0);
}

#[test]
fn the_theme_follows_day_and_night_without_flickering_in_a_tunnel() {
    let bus = PrivateBus::start();
    let config = format!("{STATUS_BAR}[shell]\ntheme = \"auto\"\nday_night_hold_ms = 1000\n");
    let compositor = Compositor::headless_on_bus(&bus, "640x480", &["--vehicle", "sim"], &config);
    let day_panel = common::DAY_PANEL;
    // The simulator starts by day: the first value applies at once.
    compositor.wait_for_capture("the day theme", |image| image.pixel(2, 2) == day_panel);

    // A tunnel shorter than the hold time: night and day again, the theme stays.
    let mode = cowl_sdk::vehicle::names::DAY_NIGHT;
    bus.cowlctl_ok(&["vehicle", "set", mode, "NIGHT"]);
    bus.cowlctl_ok(&["vehicle", "set", mode, "DAY"]);
    // A long one: night holds, and the theme follows.
    bus.cowlctl_ok(&["vehicle", "set", mode, "NIGHT"]);
    compositor.wait_for_capture("the night theme", |image| {
        image.pixel(2, 2) == common::NIGHT_PANEL
    });
    let changes: Vec<String> = compositor
        .log()
        .lines()
        .filter(|line| line.contains("chrome theme"))
        .map(|line| line.rsplit("theme=").next().unwrap_or("").to_string())
        .collect();
    assert_eq!(changes, ["Day", "Night"], "one change each way, no flicker");
}
